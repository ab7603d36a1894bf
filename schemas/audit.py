"""操作日志 (the audit log of administrators' security-relevant actions)."""
from marshmallow import Schema, fields, validate

from backend.audit.models import ACTION_LABELS

from .common import Line, PageArgs, in_service_years


class AuditQuery(PageArgs):
    # Too many to list in a message: the console and the log's own answers offer them.
    action = fields.String(validate=validate.OneOf(list(ACTION_LABELS), error="操作类型不存在，请从列表中选择。"),
                           metadata={"description": "操作：" + "、".join(f"{k}（{v}）" for k, v in ACTION_LABELS.items())})
    who = Line(64, metadata={"description": "按账号的姓名或用户名查找"})
    target = Line(100, metadata={"description": "按对象的名称查找（联络站、代表、管理员账号、区域等，按操作时的名称）"})
    date_from = fields.Date(data_key="from", validate=in_service_years, metadata={"description": "起始日期（北京时间）"})
    date_to = fields.Date(data_key="to", validate=in_service_years, metadata={"description": "截止日期（北京时间，含当天）"})


class AuditEventOut(Schema):
    id = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    action = fields.String(required=True)
    action_label = fields.String(required=True)
    actor_user_id = fields.Integer(allow_none=True, metadata={"description": "空：未知账号的登录失败，或服务器命令"})
    actor = fields.String(required=True, metadata={"description": "账号，按当时的姓名和用户名"})
    target_type = fields.String(required=True, metadata={"description": "user、region、station、deputy、rule、suggestion、export 或空"})
    target_id = fields.Integer(allow_none=True)
    target = fields.String(required=True, metadata={"description": "对象，按当时的名称"})
    region_id = fields.Integer(allow_none=True)
    client_address = fields.String(required=True)
    detail = fields.Dict(required=True, metadata={"description": "详情（手机号已打码，从不含密码）"})
    summary = fields.String(required=True, metadata={"description": "详情的中文说明"})
