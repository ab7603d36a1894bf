"""Flask extensions, created once and bound in create_app()."""
import json
import threading

import flask
import flask_smorest
from apispec import BasePlugin
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from marshmallow import Schema
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase
from webargs.flaskparser import FlaskParser, is_json_request

from schemas.common import ErrorSchema

from .errors import APIError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


# Tables the migrations make on PostgreSQL only, with no model in db.metadata (suggestions.models.SEARCH_TEXTS).
POSTGRESQL_ONLY_TABLES = {"suggestion_search_texts"}


def compared_by_autogenerate(obj, name, type_, reflected, compare_to):
    """Alembic's autogenerate (and the migrations test) leaves out an index on expressions marked
    ``info={"compare": False}``: PostgreSQL reads such an index back in its own words (casts, ``= ANY``,
    a CASE over several lines) and SQLite not at all, so Alembic would drop and create it at every
    revision. tests/test_scale_queries.py checks instead that the planner uses it for the query it serves.
    It leaves out ``POSTGRESQL_ONLY_TABLES`` too, with their indexes."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    if table is not None and table.name in POSTGRESQL_ONLY_TABLES:
        return False
    index = compare_to if reflected else obj
    return not (type_ == "index" and index is not None and index.info.get("compare") is False)


migrate = Migrate(include_object=compared_by_autogenerate)


CHANGING_METHODS = {"post", "put", "patch", "delete"}
# The contract's refusals every operation of a kind may answer, documented unless the route says more.
REFUSED_CHANGE = ("409", "冲突：当前状态不允许此操作（invalid_transition）、刚被他人修改或已存在（conflict），"
                         "或同一 Idempotency-Key 已用于另一请求（idempotency_key_reused）")
REFUSED_MEDIA = ("415", "请求体不是 JSON（Content-Type 须为 application/json）（unsupported_media）")
NOT_FOUND = ("404", "路径中的对象不存在，或调用者无权查看（not_found）")


class ContractErrorBodies(BasePlugin):
    """Documents an error response declared without a body (``alt_response(413, description=...)``)
    as the contract's error body, which is what the error handler sends for every 4xx/5xx; and the
    contract's refusals that apply to whole kinds of operation: 409 on every change, 415 where a JSON
    body is read, 404 where the path names an object (a route's own ``alt_response`` comes first)."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            common = [REFUSED_CHANGE] if method in CHANGING_METHODS else []
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                common.append(REFUSED_MEDIA)
            if "{" in (path or ""):
                common.append(NOT_FOUND)
            declared = {str(status) for status in responses}
            for status, description in common:
                if status not in declared:
                    responses[status] = {"description": description}
            for status, response in responses.items():
                if str(status)[:1] in ("4", "5") and isinstance(response, dict) and "content" not in response:
                    response["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


class ApiWithContractErrors(Api):
    """flask-smorest Api whose HTTP errors use the contract's JSON error body."""

    # Documents every error response in the OpenAPI document as the body we actually send.
    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        from .errors import http_exception_response

        return http_exception_response(error)


api = ApiWithContractErrors(spec_kwargs={"extra_plugins": [ContractErrorBodies()]})


NOT_MULTIPART_MESSAGE = "请以 multipart/form-data 上传文件。"
NOT_JSON_MESSAGE = "请以 JSON 格式（Content-Type: application/json）提交。"


class SchemaReusingParser(FlaskParser):
    """webargs, building each schema class once and reading each query string once.

    webargs builds a new schema from a schema class on every request; ours are stateless once
    built, so each class is built once (it was a tenth of a list request). And what a query
    string parses to depends on nothing else: the arguments of the query strings phones send
    again and again (a deputy's inbox, a station's queue) are remembered, a copy handed to each
    request. A query string that fails validation is parsed, and refused, every time."""

    REMEMBERED_QUERIES = 2048
    _schemas: dict = {}
    _parsed: dict = {}  # (schema class, query string, unknown) → arguments
    _lock = threading.Lock()

    def _get_schema(self, argmap, req):
        if isinstance(argmap, type) and issubclass(argmap, Schema):
            schema = self._schemas.get(argmap)
            if schema is None:
                schema = self._schemas[argmap] = argmap()
            return schema
        return super()._get_schema(argmap, req)

    def _raw_load_json(self, req):
        """The body as JSON; a body the decoder gives up on (nested thousands deep, a number of
        thousands of digits) is invalid JSON like any other, not a server error."""
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise
        except (RecursionError, ValueError) as exc:
            raise json.JSONDecodeError(f"unreadable JSON: {exc.__class__.__name__}", "?", 0) from None

    def load_json(self, req, schema):
        """A body of another type than JSON (none given, text/plain, a form) is refused (415), not
        read as no body at all: a PATCH would answer 200 having changed nothing. A request without a
        body (a step that takes none) needs no content type."""
        if not is_json_request(req) and (req.content_length or req.get_data(cache=True) or req.form):
            raise APIError(415, "unsupported_media", NOT_JSON_MESSAGE)
        return super().load_json(req, schema)

    def load_files(self, req, schema):
        """Uploads (photos, the imports' sheets) come as multipart/form-data, as the contract says; a
        body of any other type (JSON, a bare file) is refused as such (415), not as a file left out."""
        if req.mimetype != "multipart/form-data":
            raise APIError(415, "unsupported_media", NOT_MULTIPART_MESSAGE)
        return super().load_files(req, schema)

    def parse(self, argmap, req=None, *, location=None, **kwargs):
        if location != "query" or not isinstance(argmap, type) or kwargs.get("validate") is not None:
            return super().parse(argmap, req, location=location, **kwargs)
        req = req or flask.request
        key = (argmap, req.query_string, kwargs.get("unknown"))
        parsed = self._parsed.get(key)
        if parsed is None:
            parsed = super().parse(argmap, req, location=location, **kwargs)
            with self._lock:
                self._parsed[key] = parsed
                while len(self._parsed) > self.REMEMBERED_QUERIES:
                    del self._parsed[next(iter(self._parsed))]  # the oldest
        return dict(parsed)


class Blueprint(flask_smorest.Blueprint):
    """The API's blueprints: flask-smorest's, parsing arguments with :class:`SchemaReusingParser`."""

    ARGUMENTS_PARSER = SchemaReusingParser()


# CSRF protects the console's cookie sessions only; the API authenticates with bearer tokens.
csrf = CSRFProtect()
class EndpointLimiter(Limiter):
    """flask-limiter, without its before-request pass while no limit applies to every request.

    Our limits are per-endpoint decorators, and a decorated view checks its own limits when called;
    the pass flask-limiter adds to every request would only find nothing (a sixth of a cheap request).
    Once default, application-wide or blueprint limits are configured, the pass runs as usual."""

    def _check_request_limit(self, callable_name=None, in_middleware=True):
        manager = self.limit_manager
        if in_middleware and not (manager._default_limits or manager._application_limits or manager._blueprint_limits):
            return
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)


# Counters live in Redis when REDIS_URL is set (shared by every app server), else in process memory.
limiter = EndpointLimiter(key_func=get_remote_address)

# Figures that are costly to compute and may be a few minutes old (the public statistics page): kept in
# Redis when REDIS_URL is set (one computation serves every app server), else in process memory. A
# cache that cannot be reached is logged and bypassed, never an error page.
cache = Cache()


def redis_client(config):
    """A client of the app's Redis (REDIS_URL), with the options of every other (REDIS_TIMEOUT)."""
    import redis

    return redis.Redis.from_url(config["REDIS_URL"], **config["REDIS_OPTIONS"])
