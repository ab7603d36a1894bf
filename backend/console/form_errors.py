"""A refused console form, shared by every console page with a form: the domain's APIError or a
ValidationError as Chinese sentences (``error_lines``), or as messages under the form's own fields
(``field_errors``, shown by console/field_macros.html with the summary in base.html), and a refused form
shown again with what was typed (``refused_form``)."""
import re

from flask import flash, has_request_context, render_template, request
from marshmallow import ValidationError

from ..extensions import db
from . import bp

FIELD_LABELS = {
    "title": "活动名称", "type": "活动类型", "station_id": "联络站", "region_id": "所属区域", "place": "活动地点",
    "starts_at": "开始时间", "ends_at": "结束时间", "deputy_ids": "参加代表", "add_deputy_ids": "补充邀请代表",
    "remove_deputy_ids": "移出代表", "points": "积分",
    "description": "活动说明", "lat": "纬度", "lng": "经度", "name": "名称", "kind": "类型", "address": "地址",
    "open_hours": "接待时间", "level": "层级", "term": "届次", "group": "代表小组", "phone": "手机号",
    "active": "在任状态", "bio": "简介", "station_ids": "所属联络站", "admin_user_ids": "管理员",
    "label": "名称", "yearly_cap": "年度上限", "file": "文件", "reason": "原因", "year": "年度",
}


# marshmallow's sentences that do not say which box (schemas/messages.py), and a choice's list of its codes
# (活动类型应为接待选民（reception）…): said of a box left blank, the reader is told what to fill in; of a
# box filled wrong, which box it is.
_GENERIC = re.compile(r"^(此项为必填项|此项不能为空|应为整数|应为数字|应为文本|取值无效|长度应在 1 到 \d+ 个字符之间"
                      r"|长度不能少于 1 个字符|日期时间格式不正确.*|日期格式不正确.*)。$")
_TYPED = re.compile(r"^(应为整数|应为数字|应为文本|取值无效)。$")
_CODES = re.compile(r"（[a-z_]+）")
_BAD_DATE = re.compile(r"^(日期时间|日期)格式不正确")  # their ISO 8601 / YYYY-MM-DD is the API's word
# fields picked from a list rather than typed
_PICKED = frozenset({"type", "kind", "level", "category", "status", "result", "way", "active"})


class _Named(str):
    """A message that names its field itself (请填写年度。): a line at the top of the page adds no 年度：."""


def _picked(name):
    return name in _PICKED or name.endswith(("_id", "_ids"))


def _blank(name):
    values = request.form.getlist(name) + [f.filename for f in request.files.getlist(name)]
    return not any(value.strip() for value in values if isinstance(value, str))


def _plain(messages, labels):
    """A refused console form's messages about its own boxes, said in the form's words: ``请填写年度。`` for
    a box left blank (or holding only spaces) where the schema said ``应为整数。`` or ``长度应在 1 到 100 个
    字符之间。``; ``年度应为整数。`` for one filled wrong."""
    if not isinstance(messages, dict) or not has_request_context() or request.method != "POST":
        return messages
    plain = {}
    for name, lines in messages.items():
        label = labels.get(name) if isinstance(name, str) else None
        if not label or not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
            plain[name] = lines
            continue
        generic = [line for line in lines if _GENERIC.match(line) or _CODES.search(line)]
        if generic and _blank(name):
            plain[name] = [_Named(f"请选择{label}。" if _picked(name) else f"请填写{label}。")]
        else:
            plain[name] = [_Named(f"{label}{line}") if _TYPED.match(line)
                           else _Named(f"{label}格式不正确，请重新选择日期。") if _BAD_DATE.match(line)
                           else _CODES.sub("", line) for line in lines]
    return plain


def _flatten(messages, labels, prefix=""):
    """marshmallow's nested messages as readable lines."""
    lines = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            label = labels.get(key, "" if isinstance(key, int) else str(key))
            lines.extend(_flatten(value, labels, label or prefix))
    elif isinstance(messages, (list, tuple)):
        for value in messages:
            lines.extend(_flatten(value, labels, prefix))
    else:
        lines.append(f"{prefix}：{messages}" if prefix and not isinstance(messages, _Named) else str(messages))
    return lines


def error_lines(exc, labels=None):
    """The Chinese sentences an APIError or a ValidationError carries; ``labels`` names a form's own fields
    where the shared names do not fit (a deputy's ``name`` is 姓名, a station's 名称)."""
    labels = {**FIELD_LABELS, **(labels or {})}
    if isinstance(exc, ValidationError):
        return _flatten(_plain(exc.messages, labels), labels) or ["提交的内容有误，请检查后重试。"]
    if exc.errors:
        return _flatten(_plain(exc.errors, labels), labels)
    return [exc.message]


class FieldErrors(dict):
    """A refused form's messages about its own fields, ``{field: [messages]}`` in the form's order, each
    shown under its field (console/field_macros.html); ``labels`` name the fields in the summary above."""

    def __init__(self, messages=(), labels=None):
        super().__init__(messages)
        self.labels = labels or {}


@bp.context_processor
def no_field_errors():
    """Every console page may show a refused form's field errors; a page not given any has none."""
    return {"field_errors": FieldErrors()}


def field_errors(exc, form_fields, labels=None):
    """An APIError's or a ValidationError's messages as a refused form shows them: a FieldErrors of those
    about ``form_fields`` (the names of the form's fields, in page order: the first is where the cursor
    goes) and, for the top of the page, the lines of the rest (``error_lines``). An APIError about one
    field without a validation's messages (a phone already taken, 409) names it: its message is that
    field's."""
    labels = {**FIELD_LABELS, **(labels or {})}
    messages = exc.messages if isinstance(exc, ValidationError) else exc.errors
    if messages is None and getattr(exc, "field", None):
        messages = {exc.field: [exc.message]}
    if not isinstance(messages, dict):
        return FieldErrors(), error_lines(exc, labels)
    messages = _plain(messages, labels)
    at_fields = FieldErrors({name: _flatten(messages[name], labels) for name in form_fields if name in messages},
                            {name: labels.get(name, name) for name in form_fields})
    rest = {key: value for key, value in messages.items() if key not in at_fields}
    return at_fields, _flatten(rest, labels) if rest or at_fields else error_lines(exc, labels)


def refused_form(template, exc, form_fields, labels=None, read_after=None, **context):
    """A refused form: shown again with what was typed, each refused field's message under it
    (``form_fields``: the form's fields in page order) and any other reason at the top; with the API's
    status (422, or 409 for a phone or a username already taken). ``read_after``, when given, reads the rest of
    the page's context after the rollback: rows read before it are expired by it, and the page would read
    them again one by one (a station's hundreds of deputies: a few queries each)."""
    db.session.rollback()
    if read_after is not None:
        context |= read_after()
    errors, lines = field_errors(exc, form_fields, labels)
    for line in lines:
        flash(line, "error")
    return render_template(template, field_errors=errors, **context), getattr(exc, "status", 422)
