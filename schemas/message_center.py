"""消息中心: a user's notices (the subscribe messages sent them), read or not."""
from marshmallow import Schema, ValidationError, fields, validates_schema

from .common import ID_RANGE, BodyBoolean, Items, PageArgs, StrictSchema

MAX_IDS = 100  # a page's messages at most (per_page ≤ 100)
ALL_TRUE = "全部已读时 all 应为 true。"


class MessageId(fields.Integer):
    """A message's id in a JSON body: a JSON integer, not ``true`` (which Python counts as 1) nor "1"."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, validate=ID_RANGE, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


class MessagesQuery(PageArgs):
    unread = fields.Boolean(metadata={"description": "true: the unread ones alone; false: the read ones"})


class MessageLineOut(Schema):
    label = fields.String(required=True, metadata={"description": "the field's name as WeChat shows it: 建议编号"})
    value = fields.String(required=True)


class MessageOut(Schema):
    id = fields.Integer(required=True)
    template = fields.String(required=True, metadata={"description": "the subscribe-message template key"})
    title = fields.String(required=True, metadata={"description": "建议已受理, 代表已答复, 新的活动邀请…"})
    lines = fields.List(fields.Nested(MessageLineOut), required=True,
                        metadata={"description": "the message's values in the template's order"})
    page = fields.String(required=True, metadata={"description": "the mini-program page it opens "
                                                                 "(pages/suggestion/detail?id=12); may be empty"})
    created_at = fields.DateTime(required=True)
    read = fields.Boolean(required=True)


class MessagePageOut(Schema):
    items = fields.List(fields.Nested(MessageOut), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    unread = fields.Integer(required=True, metadata={"description": "all the caller's unread messages (the badge)"})


class UnreadOut(Schema):
    unread = fields.Integer(required=True)


class MarkReadIn(StrictSchema):
    ids = fields.List(MessageId(), validate=Items(min=1, max=MAX_IDS),
                      metadata={"description": "the caller's messages to mark read; anyone else's are passed over"})
    all = BodyBoolean(error_messages={"invalid": ALL_TRUE}, metadata={
        "description": "JSON true (nothing else): every message of the caller's (全部已读)"})

    @validates_schema
    def _ids_or_all(self, data, **kwargs):
        if "ids" in data and "all" in data:
            raise ValidationError("请只提供 ids 或 all 其中之一。", field_name="ids")
        if "all" in data and data["all"] is not True:
            raise ValidationError(ALL_TRUE, field_name="all")
        if "ids" not in data and "all" not in data:
            raise ValidationError("请提供要标为已读的消息 ids，或 all: true。", field_name="ids")


class MarkReadOut(Schema):
    read = fields.Integer(required=True, metadata={"description": "how many were marked read now"})
    unread = fields.Integer(required=True, metadata={"description": "the caller's unread messages left"})
