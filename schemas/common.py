"""Building blocks shared by every resource's schemas."""
import unicodedata

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from . import messages  # noqa: F401  (Chinese defaults before any field is built)


# The years this service deals in: terms, activities, statistics periods. A date outside them is a typo
# (0001-01-01, 9999-12-31), and arithmetic on it (a grace period, "the day after") would overflow.
SERVICE_YEARS = range(2000, 2101)


# A year field (a points year, a statistics year): one of SERVICE_YEARS.
YEAR = validate.Range(min=SERVICE_YEARS.start, max=SERVICE_YEARS.stop - 1,
                      error=f"年份应在 {SERVICE_YEARS.start} 年至 {SERVICE_YEARS.stop - 1} 年之间。")


def in_service_years(value):
    """Validator of a date or datetime field: refused outside SERVICE_YEARS."""
    if value.year not in SERVICE_YEARS:
        raise ValidationError(f"日期须在 {SERVICE_YEARS.start} 年至 {SERVICE_YEARS.stop - 1} 年之间。")


# Ids are positive and fit the 32-bit integer columns (an id past them would be a database error).
ID_RANGE = validate.Range(min=1, max=2**31 - 1)


def Id(**kwargs):  # noqa: N802 - reads like a field class
    """An id in a query string, which is text: "12" is the id 12."""
    return fields.Integer(validate=ID_RANGE, **kwargs)


def BodyId(**kwargs):  # noqa: N802
    """An id in a JSON body: a JSON integer. Without strict, 1.5 would be read as the id 1 and "1" as 1."""
    return fields.Integer(strict=True, validate=ID_RANGE, **kwargs)


class BodyBoolean(fields.Boolean):
    """A JSON true or false in a body, nothing else. fields.Boolean reads "on", "true", "1" and 1 as true
    (and even with ``truthy={True}``, 1 == True lets 1 through)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            return value
        raise self.make_error("invalid", input=value)


class Items(validate.Length):
    """How many entries a list may hold, said as entries (项), not as a text's characters (字符)."""

    message_min = "至少应有 {min} 项。"
    message_max = "最多 {max} 项。"
    message_all = "应有 {min} 到 {max} 项。"
    message_equal = "应为 {equal} 项。"


class StrictSchema(Schema):
    """Input schemas refuse unknown fields, so a typo is a clear 422 rather than silently ignored."""


class QuerySchema(Schema):
    """Query strings: unknown parameters (cache busters, tracking) are ignored, and an empty value
    (``?status=``, what a form's 全部 sends) is the parameter left out: its default, or no filter."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _empty_is_absent(self, data, **kwargs):
        if not hasattr(data, "keys"):
            return data
        given = {}
        for name in data.keys():
            value = data[name]
            if isinstance(value, list):
                value = [item for item in value if item != ""]
            if value not in ("", []):
                given[name] = value
        return given


class PageArgs(QuerySchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


_page_schemas = {}


def page_of(item_schema):
    """``{"items": [...], "total": N, "page": P, "per_page": K}`` for one item schema."""
    name = item_schema.__name__.removesuffix("Schema").removesuffix("Out") + "Page"
    if name not in _page_schemas:
        _page_schemas[name] = type(
            name,
            (Schema,),
            {
                "items": fields.List(fields.Nested(item_schema), required=True),
                "total": fields.Integer(required=True),
                "page": fields.Integer(required=True),
                "per_page": fields.Integer(required=True),
            },
        )
    return _page_schemas[name]


class SafeString(fields.String):
    """Text a database can store: JSON may carry NUL characters or unpaired surrogates (``"\\ud800"``),
    which PostgreSQL and the UTF-8 encoder refuse, so they are a validation error rather than a 500."""

    default_error_messages = {"invalid_chars": "文本包含无法识别的字符。"}

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise self.make_error("invalid_chars") from None
        if "\x00" in value:
            raise self.make_error("invalid_chars")
        return value


# What shows nothing: format characters (zero-width space and joiners, bidi marks, BOM, soft hyphen), spaces
# and line or paragraph separators of any width, controls; and the letters and signs fonts draw blank (Hangul
# fillers, the blank braille pattern, combining grapheme joiner, variation selectors, Khmer inherent vowels).
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp"})
_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5\u180b\u180c\u180d\u180e"
                          + "".join(chr(c) for c in range(0xFE00, 0xFE10)))


def is_blank(value):
    """Whether ``value`` shows nothing: empty, or only whitespace and invisible characters (see above). The
    one blank check for free text, in the schemas (``Trimmed``) and wherever a service or a console form
    checks a text it was given — ``str.strip`` alone leaves a zero-width space, which reads as nothing."""
    return not value or all(char in _BLANK_GLYPHS or unicodedata.category(char) in _INVISIBLE_CATEGORIES
                            for char in value)


def clean(value):
    """``value`` trimmed; "" when it shows nothing (``is_blank``)."""
    value = (value or "").strip()
    return "" if is_blank(value) else value


class Trimmed(SafeString):
    """A string with surrounding whitespace removed, so "   " counts as empty; so does one that shows
    nothing (``is_blank``: "\u200b")."""

    def _deserialize(self, value, attr, data, **kwargs):
        return clean(super()._deserialize(value, attr, data, **kwargs))


def _length(required, min_length, max_length, blank):
    """The length rule of ``Text`` and ``Line``: at least one character when required. With ``blank`` (请填写请假理由。),
    a text left out, null or blank (no characters once trimmed) is told that, and one too long the limit
    (长度不能超过 500 个字符。), instead of the rule's one sentence for both (长度应在 1 到 500 个字符之间。) and
    此项为必填项。, which say nothing of what to write: the validators' own ``error`` (as ``CancelIn``'s)."""
    min_length = 1 if required and min_length is None else min_length
    if blank is None or min_length != 1:
        return validate.Length(min=min_length, max=max_length), {}
    return ([validate.Length(min=1, error=blank), validate.Length(max=max_length)],
            {"error_messages": {"required": blank, "null": blank}})


def Text(max_length, required=False, min_length=None, blank=None, **kwargs):  # noqa: N802 - reads like a field class
    """Trimmed text with a length limit; required text must not be blank (``blank``: what to tell then, see ``_length``)."""
    rule, said = _length(required, min_length, max_length, blank)
    return Trimmed(required=required, validate=rule, **said, **kwargs)


def has_control_characters(value):
    """Whether ``value`` holds a line break, a tab, another control character or an invisible format
    character (zero-width space, a bidi override): none belongs in a one-line name or number, where it
    hides what is typed, breaks the line it is shown on and is refused by spreadsheets."""
    return any(unicodedata.category(char) in ("Cc", "Cf") for char in value)


class SingleLine(Trimmed):
    """A trimmed one-line string: a name or a number that people read, type again and export."""

    default_error_messages = {"control_chars": "不能包含换行、制表符等控制字符或不可见字符。"}

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if has_control_characters(value):
            raise self.make_error("control_chars")
        return value


def Line(max_length, required=False, min_length=None, blank=None, **kwargs):  # noqa: N802 - reads like a field class
    """Like ``Text``, on one line."""
    rule, said = _length(required, min_length, max_length, blank)
    return SingleLine(required=required, validate=rule, **said, **kwargs)


def one_of_message(name, labels):
    """A refused choice said in Chinese with its values: "表决意见应为赞成（for）、反对（against）或弃权（abstain）。"
    (``labels``: {value: 中文名}, in the order to list them); no space between Chinese words, so the console,
    which drops the codes, reads "联络站类型应为中心联络站、片区联络站、代表之家或联络点。"."""
    listed = [f"{label}（{value}）" for value, label in labels.items()]
    choices = "、".join(listed[:-1]) + "或" + listed[-1] if len(listed) > 1 else listed[0]
    return f"{name}应为{choices}。"


def OneOfLabelled(name, labels):  # noqa: N802 - reads like a validator class
    """``validate.OneOf`` the values of ``labels`` ({value: 中文名}), refusing with ``one_of_message``: a
    user reads the Chinese names, not only the English values."""
    return validate.OneOf(list(labels), error=one_of_message(name, labels))


def Choice(enum_cls, name, labels, **kwargs):  # noqa: N802
    """A string field taking one of ``enum_cls``'s values, refused as ``one_of_message(name, labels)``
    (``labels``: {value: 中文名} for every member)."""
    assert set(labels) == {m.value for m in enum_cls}, enum_cls
    return fields.String(validate=OneOfLabelled(name, {m.value: labels[m.value] for m in enum_cls}), **kwargs)


class ErrorSchema(Schema):
    error = fields.String(required=True, metadata={"description": "stable machine code"})
    message = fields.String(required=True, metadata={"description": "中文说明"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), metadata={
        "description": "field → messages (validation only), always a list of sentences: a nested field's and a "
                       "list item's are said under their field (location: 纬度应为数字。; attachment_ids: 第 1 项应为整数。), "
                       "a body that is no JSON object under `request`"})
    reason = fields.String(metadata={"description": "beyond the contract: why, as a word, where several refusals "
                                                    "share one code (checkin_refused: location_required, too_far, "
                                                    "not_invited, declined, too_early, too_late, no_activity, ended, "
                                                    "cancelled, code_expired, screen_code_required, "
                                                    "already_checked_in_elsewhere)"})
