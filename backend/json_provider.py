"""The app's JSON: UTF-8 text as is, keys sorted, times as ISO 8601 with their offset (as the schemas
write them). Responses are written by orjson, several times faster than the standard library on the
lists phones poll all day; everything else (request bodies, ``dumps`` for tests and tools) by the
standard library, which keeps what orjson would quietly change (a 400-digit number, Infinity)."""
import json
from datetime import date
from decimal import Decimal

import orjson
from flask.json.provider import JSONProvider as BaseJSONProvider

_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SORT_KEYS


def _default(o):
    if isinstance(o, Decimal):
        return str(o)
    if hasattr(o, "__html__"):
        return str(o.__html__())
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


def _stdlib_default(o):
    return o.isoformat() if isinstance(o, date) else _default(o)


class JSONProvider(BaseJSONProvider):
    def dumps(self, obj, **kwargs):
        kwargs.setdefault("default", _stdlib_default)
        kwargs.setdefault("ensure_ascii", False)
        kwargs.setdefault("sort_keys", True)
        return json.dumps(obj, **kwargs)

    def loads(self, s, **kwargs):
        try:
            return json.loads(s, **kwargs)
        except RecursionError:  # nested thousands deep: unreadable, as Flask treats any ValueError
            raise ValueError("JSON nested too deeply") from None

    def response(self, *args, **kwargs):
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj, default=_default, option=_ORJSON_OPTIONS)
        except orjson.JSONEncodeError:  # an integer beyond 64 bits, echoed back in a validation error
            body = self.dumps(obj, separators=(",", ":")).encode()
        return self._app.response_class(body + b"\n", mimetype="application/json")
