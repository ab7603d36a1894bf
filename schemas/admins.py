"""Administrator accounts (管理员账号) and passwords."""
from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from backend.auth.passwords import LENGTH_MESSAGE, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

from .common import BodyBoolean, BodyId, Items, Line, PageArgs, QuerySchema, SafeString, StrictSchema
from .org import ImportResultOut
from .suggestions import BriefOut


def Password(**kwargs):  # noqa: N802 - reads like a field class
    """A password as typed: never trimmed, never dumped, 10 to 128 characters (as the create-admin command);
    the rest of the policy (auth.passwords) is checked where the account's username is known."""
    return SafeString(load_only=True, validate=validate.Length(
        min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH, error=LENGTH_MESSAGE), **kwargs)


def _username(value):
    if any(char.isspace() for char in value):
        raise ValidationError("用户名不能包含空格。")


class AdminQuery(PageArgs):
    q = Line(64, metadata={"description": "按姓名或用户名搜索"})


class AdminIn(StrictSchema):
    username = Line(64, required=True, min_length=2, metadata={"description": "登录用户名，2 至 64 个字符，不含空格"})
    display_name = Line(64, load_default="", metadata={"description": "姓名；不填则同用户名"})
    password = Password(required=True, metadata={"description": "初始密码（10 至 128 位，不能过于简单或包含用户名）；该账号首次登录须修改"})
    station_ids = fields.List(BodyId(), validate=Items(max=200),
                              metadata={"description": "联络站管理员：所管联络站（一个或多个）"})
    region_id = BodyId(metadata={"description": "区域管理员：所管区域（本人所管区域的下级区域；根区域管理员不限）"})

    @validates_schema
    def one_kind(self, data, **kwargs):
        if data.get("region_id") is not None and data.get("station_ids"):
            raise ValidationError("区域管理员和联络站管理员请分别建账号：所管区域和所管联络站只能填写一项。", "region_id")
        if data.get("region_id") is None and not data.get("station_ids"):
            raise ValidationError("请选择所管联络站（联络站管理员）或所管区域（区域管理员）。", "station_ids")

    @validates("username")
    def username_rules(self, value, **kwargs):
        _username(value)  # after trimming: spaces inside the name


class AdminPatch(StrictSchema):
    display_name = Line(64)
    station_ids = fields.List(BodyId(), validate=Items(max=200))
    region_id = BodyId()
    disabled = BodyBoolean(metadata={"description": "true 停用（登录随即失效）；false 启用"})

    @validates_schema
    def one_kind(self, data, **kwargs):
        if "region_id" in data and "station_ids" in data:
            raise ValidationError("所管区域和所管联络站只能修改其中一项。", "region_id")


class PasswordResetIn(StrictSchema):
    password = Password(required=True, metadata={"description": "新密码（10 至 128 位）；该账号此前的登录随即失效，登录后须修改"})


class OwnPasswordIn(StrictSchema):
    current_password = SafeString(required=True, load_only=True, validate=validate.Length(min=1, max=128))
    new_password = Password(required=True)


class AdminOut(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True, metadata={"description": "region_admin / station_admin"})
    region = fields.Nested(BriefOut, allow_none=True, metadata={"description": "区域管理员所管区域"})
    stations = fields.List(fields.Nested(BriefOut), required=True, metadata={"description": "联络站管理员所管联络站"})
    disabled = fields.Boolean(required=True, metadata={"description": "已停用"})
    disabled_at = fields.DateTime(allow_none=True)
    last_login_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    manageable = fields.Boolean(required=True, metadata={"description": "调用者能否修改、重置密码、停用该账号"})


class AdminImportIn(Schema):
    file = Upload(required=True, metadata={"description": "管理员名单：.xlsx，或 .csv（UTF-8 或 GBK）"})


class InitialPasswordOut(Schema):
    row = fields.Integer(required=True, metadata={"description": "表格中的行号"})
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    password = fields.String(required=True, metadata={"description": "一次性初始密码：只在本次结果中出现，首次登录须修改"})


class AdminImportResultOut(ImportResultOut):
    passwords = fields.List(fields.Nested(InitialPasswordOut), required=True, metadata={
        "description": "本次新建账号的初始密码（只返回这一次，系统不保存明文；已有账号的密码不变）"})


class AdminExportQuery(QuerySchema):
    q = Line(64, metadata={"description": "按姓名或用户名筛选"})
