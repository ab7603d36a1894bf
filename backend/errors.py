"""The contract's single JSON error format.

Every 4xx/5xx answer is ``{"error": code, "message": 中文说明, "errors": {field: [...]}}``.
Domain code raises :class:`APIError` (or one of its helpers); everything else that reaches
Flask as an ``HTTPException`` is translated here, so there is exactly one place that decides
what an error looks like.
"""
import logging
import re

from flask import jsonify
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# The database went away (restarted, unreachable, failing over) or every connection is busy: asking again in a
# few seconds will do. ``Retry-After`` of the 503 that says so, and of WeChat's busy or unreachable 503.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)
RETRY_SOON_SECONDS = 5

# Default machine code and Chinese message per HTTP status.
STATUS_DEFAULTS = {
    400: ("bad_request", "请求格式不正确。"),
    401: ("unauthorized", "请先登录，或登录已过期，请重新登录。"),
    403: ("forbidden", "您没有权限进行此操作。"),
    404: ("not_found", "您要找的内容不存在。"),
    405: ("method_not_allowed", "不支持该请求方法。"),
    409: ("conflict", "操作与当前数据状态冲突，请刷新后重试。"),
    410: ("gone", "该内容已失效。"),
    413: ("payload_too_large", "上传的内容过大。"),
    415: ("unsupported_media", "不支持的文件或内容类型。"),
    422: ("validation_failed", "提交的内容有误，请检查后重试。"),
    429: ("rate_limited", "操作过于频繁，请稍后再试。"),
    500: ("internal_error", "服务器出了点问题，请稍后重试。"),
    503: ("service_unavailable", "服务暂时不可用，请稍后重试。"),
}


class APIError(Exception):
    """``field``: the one input a refusal other than a validation is about (a phone or a username already
    taken, 409), for a form to say it under that input (console/form_errors.py). The API's body leaves it
    out: the contract's ``errors`` is for validation only.

    ``reason``: beyond the contract's three fields, a stable machine word under one ``error`` code that
    several refusals share, for a client to tell them apart without reading the sentence (a check-in's
    ``checkin_refused``: ``location_required`` is the one a phone's location settings can change)."""

    def __init__(self, status, error=None, message=None, errors=None, field=None, reason=None, headers=None):
        super().__init__(message)
        default_code, default_message = STATUS_DEFAULTS.get(status, STATUS_DEFAULTS[500])
        self.status = status
        self.error = error or default_code
        self.message = message or default_message
        self.errors = errors
        self.field = field
        self.reason = reason
        self.headers = headers or {}  # e.g. Retry-After of a 503


def not_found(message=None):
    return APIError(404, "not_found", message)


def forbidden(message=None):
    return APIError(403, "forbidden", message)


def conflict(message, error="conflict", field=None):
    return APIError(409, error, message, field=field)


def validation_failed(errors, message=None):
    return APIError(422, "validation_failed", message, errors)


def error_response(status, error, message, errors=None, reason=None):
    body = {"error": error, "message": message}
    if errors:
        body["errors"] = contract_errors(errors)
    if reason:
        body["reason"] = reason
    response = jsonify(body)
    response.status_code = status
    return response


def api_error_response(exc: APIError):
    response = error_response(exc.status, exc.error, exc.message, exc.errors, exc.reason)
    response.headers.update(exc.headers)
    return response


# What a 422 says about the body as a whole (marshmallow's ``_schema``: a JSON array, a string or a number
# where an object was expected): under this key, which no input field has (``body`` is a research report's).
WHOLE_REQUEST = "request"
NOT_AN_OBJECT_MESSAGE = "请求体应为 JSON 对象。"

# The parts of nested inputs, named in the sentence said under their field (``location``: 纬度应为数字。).
PART_LABELS = {
    "lat": "纬度", "lng": "经度", "address": "地址", "system": "坐标系", "label": "等次名称",
    "min_points": "分数线", "project_id": "项目", "choice": "表决意见", "deputy_id": "代表",
}


def _part_label(key):
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        return f"第 {int(key) + 1} 项"
    if key == "_schema":
        return None  # the part itself: its sentence says what is wrong with it
    return PART_LABELS.get(key, f"“{key}”")  # a field the part does not have, as sent (不支持的字段。)


def _sentences(messages, labels=()):
    """marshmallow's messages for one field, at any depth, as sentences: a nested field's and a list
    item's prefixed with where in the field they are (纬度应为数字。, 第 2 项的分数线应为整数。)."""
    if isinstance(messages, dict):
        found = []
        for key, value in messages.items():
            label = _part_label(key)
            found.extend(_sentences(value, (*labels, label) if label else labels))
        return found
    if isinstance(messages, (list, tuple)):
        return [sentence for value in messages for sentence in _sentences(value, labels)]
    text = str(messages)
    if labels and text.startswith(labels[-1]):  # 等次名称不能重复。 names its part itself
        labels = labels[:-1]
    where = "的".join(labels)
    if not where:
        return [text]
    # marshmallow's predicates (应为数字。, 不能为空。) read on from the part: 纬度应为数字。
    return [f"{where}{text}" if text.startswith(("应为", "不能")) else f"{where}：{text}"]


def contract_errors(errors):
    """``errors`` as the contract has it: ``{field: [sentence, ...]}``. A nested field's and a list item's
    messages (``{"location": {"lat": [...]}}``, ``{"attachment_ids": {"0": [...]}}``) are merged into
    their field's list, so a client showing ``errors[field]`` under the field still finds them there;
    the body's own (``_schema``) is said under ``request``."""
    if not isinstance(errors, dict):
        return {WHOLE_REQUEST: _sentences(errors)}
    flat = {}
    for field, messages in errors.items():
        key = WHOLE_REQUEST if field == "_schema" else str(field)
        sentences = flat.setdefault(key, [])
        sentences.extend(s for s in _sentences(messages) if s not in sentences)
    return {key: sentences for key, sentences in flat.items() if sentences}


def _flatten_webargs_messages(messages):
    """webargs nests messages by location ({"json": {...}, "query": {...}}); the contract has one map
    (contract_errors makes each field's a list of sentences)."""
    flat = {}
    for location, fields in (messages or {}).items():
        if isinstance(fields, dict):
            for field, msgs in fields.items():
                flat.setdefault(field, []).append(msgs)
        else:
            flat.setdefault(location, []).append(fields)
    return contract_errors(flat)


def _validation_message(errors):
    """The 422's sentence: the general one, or that the body is no JSON object when that is all there is."""
    if list(errors) == [WHOLE_REQUEST]:
        return NOT_AN_OBJECT_MESSAGE
    return STATUS_DEFAULTS[422][1]


def http_exception_response(exc: HTTPException):
    status = exc.code or 500
    code, message = STATUS_DEFAULTS.get(status, (f"http_{status}", exc.description or "请求失败。"))
    data = getattr(exc, "data", None) or {}
    if status == 422 and "messages" in data:
        errors = _flatten_webargs_messages(data["messages"])
        return error_response(422, "validation_failed", _validation_message(errors), errors)
    if status == 400 and "messages" in data:
        # webargs answers 400 for a body that is not JSON at all.
        return error_response(400, "bad_request", "请求体不是合法的 JSON。")
    if status >= 500:
        log.error("server error: %s", exc)
    if status == 429:
        # A limit's own sentence (flask-limiter's error_message, the exception's description) when it says where
        # the time to wait goes: web/limits.py, retry_message.
        sentence = exc.description if "{wait}" in (exc.description or "") else None
        return _rate_limited_response(data.get("message") or message, sentence)
    return error_response(status, code, data.get("message") or message)


def _rate_limited_response(message, sentence=None):
    """A 429 that says when to try again, in its message (``sentence``, a limit's own, or the general one)
    and in ``Retry-After`` (web/limits.py)."""
    from .web.limits import RETRY_SENTENCE, retry_message, seconds_to_wait

    seconds = seconds_to_wait()
    if seconds is None:
        return error_response(429, "rate_limited", message if sentence is None else retry_message(None, sentence))
    response = error_response(429, "rate_limited", retry_message(seconds, sentence or RETRY_SENTENCE))
    response.headers["Retry-After"] = str(seconds)
    return response


def address_error_response(exc: HTTPException):
    """An address that is no page, or a page asked with the wrong method (404, 405): the contract's JSON
    for the API and WeChat's push; for an address a person opened in a browser (a link cut short in a
    chat, a slash a scanner app added, the site's bare address), a page in Chinese with the ways on.
    The console answers its own addresses with its pages (console.console_address_error)."""
    from flask import render_template, request

    if request.path.startswith(("/api/", "/wechat/")):
        return http_exception_response(exc)
    return render_template("q_unavailable.html", title="页面不存在",
                           message="您要找的页面不存在，请检查链接是否完整。"), exc.code


def server_error_response(status, message=None, retry_after=None):
    """A 5xx answer: the contract's JSON for the API and WeChat's push, a page in Chinese for the pages
    people open in a browser (a printed code, the public pages, the console). The page uses no database.
    ``message``: a sentence other than the status's usual one. ``retry_after``: seconds, for ``Retry-After``."""
    from flask import make_response, render_template, request

    code, usual = STATUS_DEFAULTS[status]
    message = message or usual
    if request.path.startswith(("/api/", "/wechat/")):
        response = error_response(status, code, message)
    else:
        title = "服务暂时不可用" if status == 503 else "服务器出了点问题"
        response = make_response(render_template("q_unavailable.html", title=title, message=message), status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def database_unavailable_response(exc):
    """The 503 for a database that went away during the request (``DATABASE_UNAVAILABLE``), in a handler or
    at the request's COMMIT: nothing of the request was kept, and asking again shortly will do."""
    from .extensions import db

    db.session.rollback()
    log.error("database unavailable, answered 503: %s", getattr(exc, "orig", None) or exc)
    return server_error_response(503, retry_after=RETRY_SOON_SECONDS)


def database_refusal(exc):
    """The database's refusal in ``exc`` (a DBAPIError) for the log, without the personal data it may echo:
    PostgreSQL repeats the duplicate key (``DETAIL: Key (phone)=(13900000000) already exists.``) or the value
    it could not take; the key's columns and the constraint stay, the values become ``***``."""
    from .suggestions.redact import redact

    text = str(getattr(exc, "orig", None) or exc).strip()
    text = re.sub(r"\)=\(.*\)( already exists| is not present| conflicts)", r")=(***)\1", text)
    return redact(" | ".join(line.strip() for line in text.splitlines() if line.strip()))


def register_error_handlers(app):
    from sqlalchemy.exc import DataError, IntegrityError
    from sqlalchemy.orm.exc import StaleDataError

    from .wechat.client import WeChatError, WeChatUnavailable

    app.register_error_handler(APIError, api_error_response)
    app.register_error_handler(HTTPException, http_exception_response)

    @app.errorhandler(IntegrityError)
    def integrity_error(exc):
        # A uniqueness race the services' own checks could not see (two requests at the same instant).
        from .extensions import db

        db.session.rollback()
        log.warning("integrity error answered 409: %s", database_refusal(exc))
        return error_response(409, "conflict", "数据刚刚被其他操作修改或已存在，请刷新后重试。")

    @app.errorhandler(DataError)
    def unstorable_value(exc):
        # A value the database cannot hold or compare that no validation caught (PostgreSQL refuses a
        # NUL character in text): the request's fault, answered as such, never a server error.
        from .extensions import db

        db.session.rollback()
        log.warning("data error answered 400: %s", database_refusal(exc))
        return error_response(400, "bad_request", "请求中含有无法处理的字符或数值。")

    for unavailable in DATABASE_UNAVAILABLE:
        # The database went away during the request (restarted, unreachable, every connection busy).
        app.register_error_handler(unavailable, database_unavailable_response)

    @app.errorhandler(StaleDataError)
    def concurrent_change(exc):
        # Two people changed the same item at once (optimistic version check): the other one won.
        return error_response(409, "conflict", "这条记录刚刚被其他人修改过，请刷新后重试。")

    @app.errorhandler(WeChatUnavailable)
    def wechat_unavailable(exc):
        log.warning("WeChat unavailable: %s", exc)
        response = error_response(503, "wechat_unavailable", "微信服务暂时不可用，请稍后重试。")
        response.headers["Retry-After"] = str(RETRY_SOON_SECONDS)
        return response

    @app.errorhandler(WeChatError)
    def wechat_error(exc):
        log.error("WeChat refused a call: %s", exc)
        return error_response(502, "wechat_error", "微信服务返回了错误，请稍后重试；如持续出现请联系管理员。")

    @app.errorhandler(Exception)
    def unexpected(exc):  # pragma: no cover - exercised only by bugs
        from .extensions import db

        log.exception("unhandled exception")
        db.session.rollback()  # whatever state it left the session in, the answer is still the error
        return server_error_response(500)
