from marshmallow import Schema, fields, validate

from .common import SafeString, StrictSchema, Text


class WeChatLoginIn(StrictSchema):
    code = Text(128, required=True, metadata={"description": "wx.login 返回的 code"})


class BindPhoneIn(StrictSchema):
    code = Text(128, required=True, metadata={"description": "手机号快速验证组件返回的 code"})


class PasswordLoginIn(StrictSchema):
    username = Text(64, required=True)
    password = SafeString(required=True, load_only=True, validate=validate.Length(min=1, max=128))


class MeOut(Schema):
    id = fields.Integer(required=True)
    roles = fields.List(fields.String(), required=True)
    display_name = fields.String()
    deputy_id = fields.Integer(allow_none=True)
    station_ids = fields.List(fields.Integer())
    region_id = fields.Integer(allow_none=True)
    phone_masked = fields.String(allow_none=True)


class TokenOut(Schema):
    token = fields.String(required=True)
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})
    user = fields.Nested(MeOut, required=True)


class UserOut(Schema):
    user = fields.Nested(MeOut, required=True)


class AdminLinkIn(StrictSchema):
    code = Text(32, required=True, metadata={"description": "管理后台显示的一次性绑定码（扫码时为小程序码的 scene）"})


class LinkedAccountOut(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)


class AdminLinkOut(Schema):
    account = fields.Nested(LinkedAccountOut, required=True, metadata={"description": "此后提醒发到本微信的管理账号"})
