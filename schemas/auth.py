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
    must_change_password = fields.Boolean(metadata={
        "description": "管理员：密码是他人设置的初始密码（新建或重置），须先 POST /me/password 修改；此前其他接口答 403 password_change_required"})


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


# --- 个人信息 (PIPL art. 45) -------------------------------------------------------------------------


class PersonalAccountOut(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "wechat（微信小程序）或 web（手机浏览器）"})
    kind_label = fields.String(required=True)
    phone = fields.String(allow_none=True, metadata={"description": "本人绑定的手机号（完整显示，仅本人可见）"})
    created_at = fields.DateTime(required=True)
    last_login_at = fields.DateTime(allow_none=True)


class LocationCopyOut(Schema):
    lat = fields.Float(allow_none=True)
    lng = fields.Float(allow_none=True)
    address = fields.String()


class PublicationCopyOut(Schema):
    state = fields.String(required=True, metadata={
        "description": "published（公开展示中）/ withheld（管理员决定不予公开，理由不在此列出）/ not_published（未公开展示：未同意公开、尚未办结等）"})
    state_label = fields.String(required=True, metadata={"description": "公开展示中 / 不予公开 / 未公开展示"})
    content = fields.String(allow_none=True, required=True,
                            metadata={"description": "公开页面展示的建议内容（已隐去个人信息）；未公开展示时为 null"})
    reply_content = fields.String(allow_none=True, required=True,
                                  metadata={"description": "公开页面展示的答复（已隐去个人信息）；未公开展示或无答复时为 null"})


class SuggestionCopyOut(Schema):
    id = fields.Integer(required=True)
    number = fields.String(allow_none=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    category = fields.String(required=True)
    content = fields.String(required=True)
    contact_phone = fields.String(allow_none=True)
    location = fields.Nested(LocationCopyOut, allow_none=True)
    anonymous = fields.Boolean(required=True)
    public_consent = fields.Boolean(required=True)
    photos = fields.Integer(required=True, metadata={"description": "附带的照片张数"})
    created_at = fields.DateTime(required=True)
    publication = fields.Nested(PublicationCopyOut, required=True, metadata={"description": "公开页面展示的内容"})


class RatingCopyOut(Schema):
    suggestion_id = fields.Integer(required=True)
    number = fields.String(allow_none=True)
    round = fields.Integer(required=True)
    satisfaction = fields.String(required=True)
    satisfaction_label = fields.String(required=True)
    comment = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class AppointmentCopyOut(Schema):
    id = fields.Integer(required=True)
    number = fields.String(allow_none=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    topic = fields.String(required=True)
    name = fields.String(required=True)
    contact_phone = fields.String(required=True)
    preferred_time = fields.String(required=True)
    meet_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime(required=True)


class ProposalCopyOut(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    content = fields.String(required=True)
    contact_phone = fields.String(allow_none=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class OpinionCopyOut(Schema):
    id = fields.Integer(required=True)
    consultation_id = fields.Integer(required=True)
    consultation_title = fields.String(required=True)
    article_number = fields.String(allow_none=True, required=True)
    content = fields.String(required=True)
    contact_phone = fields.String(allow_none=True)
    feedback_label = fields.String(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)


class BallotChoiceCopyOut(Schema):
    deputy_name = fields.String(required=True)
    choice = fields.String(required=True, metadata={"description": "satisfied / basically_satisfied / dissatisfied"})
    choice_label = fields.String(required=True, metadata={"description": "满意 / 基本满意 / 不满意"})


class BallotCopyOut(Schema):
    id = fields.Integer(required=True)
    activity_title = fields.String(required=True, metadata={"description": "述职活动的名称"})
    activity_starts_at = fields.DateTime(required=True, metadata={"description": "述职活动的开始时间"})
    choices = fields.List(fields.Nested(BallotChoiceCopyOut), required=True,
                          metadata={"description": "对每位述职代表的评价，按测评表的顺序"})
    comment = fields.String(required=True, metadata={"description": "本人填写的意见，未填为空"})
    created_at = fields.DateTime(required=True)


def _copies(item_schema, what):
    return type(f"{item_schema.__name__.removesuffix('Out')}ListOut", (Schema,), {
        "total": fields.Integer(required=True, metadata={"description": f"{what}总数"}),
        "items": fields.List(fields.Nested(item_schema), required=True,
                             metadata={"description": "最新的至多 200 条，新的在前"}),
    })


class PersonalDataOut(Schema):
    account = fields.Nested(PersonalAccountOut, required=True)
    suggestions = fields.Nested(_copies(SuggestionCopyOut, "建议"), required=True)
    unattached_photos = fields.Integer(required=True, metadata={"description": "已上传但未随建议提交的照片张数"})
    ratings = fields.Nested(_copies(RatingCopyOut, "评价"), required=True)
    appointments = fields.Nested(_copies(AppointmentCopyOut, "约见"), required=True)
    livelihood_proposals = fields.Nested(_copies(ProposalCopyOut, "民生实事建议"), required=True)
    consultation_opinions = fields.Nested(_copies(OpinionCopyOut, "对法规草案的意见"), required=True)
    report_poll_ballots = fields.Nested(_copies(BallotCopyOut, "述职测评"), required=True)
