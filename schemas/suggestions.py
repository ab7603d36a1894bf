from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from backend.org.nearby import gcj02_from_wgs84
from backend.suggestions.models import SATISFACTION_LABELS, STATUS_LABELS, Satisfaction, Status
from backend.suggestions.queries import DEFAULT_ORDER, LIST_ORDERS

from .common import BodyBoolean, BodyId, Choice, Id, in_service_years, Line, OneOfLabelled, PageArgs, QuerySchema, StrictSchema, Text, Trimmed

# ASCII digits only (Python's \d takes any script's digits); also a web form's ``pattern`` (web.pages).
PHONE = validate.Regexp(r"^1[0-9]{10}$|^0[0-9]{2,3}-?[0-9]{7,8}$", error="联系电话格式不正确，请填写手机号或座机号。")


def ContactPhone(**kwargs):
    """A citizen's contact phone: surrounding spaces and line breaks (a number pasted from a chat) dropped,
    then a mobile or a landline number (``PHONE``)."""
    return Trimmed(validate=PHONE, **kwargs)


class Position(Schema):
    """A point as the client has it, kept and compared as GCJ-02 (the system of stations' coordinates,
    China's maps and ``wx.getLocation({type: 'gcj02'})``); a browser's GPS position says ``wgs84``."""

    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lng = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    system = fields.String(
        load_default="gcj02", validate=validate.OneOf(["gcj02", "wgs84"], error="坐标系应为 gcj02 或 wgs84。"),
        load_only=True, metadata={"description": "gcj02 (default: the mini-program, China's maps) or wgs84 (a browser's GPS)"},
    )

    @post_load
    def as_gcj02(self, data, **kwargs):
        if data.pop("system") == "wgs84":
            data["lat"], data["lng"] = gcj02_from_wgs84(data["lat"], data["lng"])
        return data


class LocationIn(Position, StrictSchema):
    address = Text(255, load_default="")


class SuggestionIn(StrictSchema):
    qr_code = Text(32, required=True)
    category = Text(32, required=True, blank="请选择问题类别。")
    content = Text(1000, required=True, blank="请填写建议内容。")
    location = fields.Nested(LocationIn, allow_none=True)
    contact_phone = ContactPhone(allow_none=True)
    anonymous = fields.Boolean(load_default=False)
    public_consent = fields.Boolean(load_default=False)
    attachment_ids = fields.List(BodyId(), validate=validate.Length(max=9, error="最多上传 9 张照片。"))


class DispatchIn(StrictSchema):
    deputy_id = BodyId(required=True)
    note = Text(500, load_default="")


class ReturnIn(StrictSchema):
    reason = Text(500, required=True, blank="请填写退回理由。")


class RejectIn(StrictSchema):
    reason = Text(500, required=True, blank="请填写不予受理的理由。")


class SuggestionProgressIn(StrictSchema):
    note = Text(2000, required=True, blank="请填写办理进展。")


class SuperviseIn(StrictSchema):
    note = Text(2000, required=True, blank="请填写督办意见。")


class OptionalNoteIn(StrictSchema):
    note = Text(2000, load_default="")


class ForwardIn(StrictSchema):
    target = fields.String(required=True, validate=OneOfLabelled("转办去向", {
        "department": "职能部门", "hotline_12345": "12345 热线"}))
    department = Line(100)
    note = Text(2000, required=True, blank="请填写转办说明。")
    work_order_no = Line(50, allow_none=True, metadata={
        "description": "工单编号: the work order's number at the department or the 12345 hotline"})


class FeedbackIn(StrictSchema):
    note = Text(2000, required=True, blank="请填写部门反馈内容。")
    department_satisfaction = fields.String(
        load_default=None, allow_none=True,
        validate=validate.OneOf([m.value for m in Satisfaction], error="满意度应为满意、基本满意或不满意。"),
        metadata={"description": "the deputy's satisfaction with the department's handling (代表满意度); "
                                 "dissatisfied puts the item under supervision (督办)"})


class ReplyIn(StrictSchema):
    content = Text(2000, required=True, blank="请填写答复内容。")
    implemented = fields.Boolean(load_default=None, allow_none=True, metadata={
        "description": "落实: whether the problem was actually solved (true), or the answer explains why not or "
                       "when (false); counted by the statistics' implementation_rate"})


class PublicTextIn(StrictSchema):
    content = Text(1000, allow_none=True, load_default=None, metadata={
        "description": "the words the public pages show instead of the citizen's (null or blank: theirs, "
                       "with personal data removed automatically); redacted again when shown"})
    reply_content = Text(2000, allow_none=True, load_default=None, metadata={
        "description": "the reply the public pages show instead of the deputy's (null or blank: theirs)"})
    withheld = fields.Boolean(load_default=False, metadata={
        "description": "不予公开: shown on no public page at all; `reason` required"})
    reason = Text(500, load_default="")


class PublicTextOut(Schema):
    """公开展示内容 of an item as its administrators read it."""

    id = fields.Integer(required=True)
    number = fields.String(required=True)
    public = fields.Boolean(required=True, metadata={"description": "whether the public pages show it now"})
    withheld = fields.Boolean(required=True)
    withheld_reason = fields.String(allow_none=True)
    approved_content = fields.String(allow_none=True, metadata={"description": "the approved words, as typed"})
    approved_reply = fields.String(allow_none=True)
    content = fields.String(allow_none=True, metadata={"description": "the words as the public pages show them"})
    reply_content = fields.String(allow_none=True)


class PublicConsentIn(StrictSchema):
    public_consent = BodyBoolean(required=True, metadata={
        "description": "同意公开: false withdraws the consent given at filing, true gives it (again)"})


class RateIn(StrictSchema):
    satisfaction = Choice(Satisfaction, "满意度", SATISFACTION_LABELS, required=True)
    comment = Text(500, load_default="")


class MergeIn(StrictSchema):
    into_id = BodyId(required=True)


class SuggestionQuery(PageArgs):
    scope = fields.String(validate=OneOfLabelled("范围", {
        "mine": "本人提出或关注的", "assigned": "交本人办理的", "station": "所管联络站和区域的", "all": "全部"}))
    status = Choice(Status, "办理状态", STATUS_LABELS)
    category = Text(32)
    overdue = fields.Boolean()
    due_soon = fields.Boolean()
    supervised = fields.Boolean()
    held = fields.Boolean(metadata={"description": "only items held by content screening and still to be released or refused (admins); false: all others"})
    station_id = Id(metadata={"description": "scope station (or all, for a caller with no citizen or deputy role): "
                                             "a station outside the caller's scope: 404, as one that does not exist"})
    deputy_id = Id(metadata={"description": "scope station (or all, as for station_id): a deputy outside the "
                                            "caller's scope: 404"})
    region_id = Id(metadata={"description": "the items handled in the region's subtree: at its stations, or with "
                                            "no station waiting in its queue; each item counts in one region of a level. "
                                            "Scope station (or all, as for station_id): a region outside the caller's scope: 404"})
    deputy_region_id = Id(metadata={"description": "the items handled by deputies elected in the region's subtree "
                                                   "(the deputy's congress's view), wherever they are handled. "
                                                   "Scope station (or all, as for station_id): a region outside the caller's scope: 404"})
    date_from = fields.Date(data_key="from", validate=in_service_years)
    date_to = fields.Date(data_key="to", validate=in_service_years)
    sort = fields.String(
        load_default=DEFAULT_ORDER,
        validate=validate.OneOf(list(LIST_ORDERS), error="排序方式应为 {}。".format(
            "、".join(f"{key}（{order.label}）" for key, order in LIST_ORDERS.items()))),
        metadata={"description": "newest (default: newest first), due (按期限: the running deadline first — to accept, "
                                 "then to reply — then open items without one, then finished ones, each by filing "
                                 "time) or oldest (earliest filed first); as the console's queue"})
    q = Text(50, metadata={"description": "search, as the console's: a number whole (MSB-20261122-000123, in any "
                                          "spelling) or its last digits (at least 3) finds the items whose number "
                                          "ends with them; other text searches the content. Only within the list's scope"})


class TimelineEntryOut(Schema):
    action = fields.String(required=True)
    action_label = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    actor_role = fields.String(required=True)
    actor_name = fields.String(metadata={"description": "shown to citizens only for deputies; to nobody for an anonymous filer's own steps"})
    actor_user_id = fields.Integer(allow_none=True, metadata={
        "description": "staff only; never for an anonymous filer's own steps; null for the system's own steps "
                       "(actor_role system: 超时提醒, 督办, 自动办结)"})
    note = fields.String()
    at = fields.DateTime(required=True)


class WorkOrderOut(Schema):
    target = fields.String(metadata={"enum": ["department", "hotline_12345"]})
    department = fields.String()
    work_order_no = fields.String(allow_none=True, metadata={"description": "the item's citizen and staff only"})
    forwarded_at = fields.DateTime()
    feedback_at = fields.DateTime(allow_none=True)
    satisfaction = fields.String(allow_none=True, metadata={
        "description": "the deputy's satisfaction with the department's handling; the item's citizen and staff only"})
    satisfaction_label = fields.String(allow_none=True)
    withdrawn_at = fields.DateTime(allow_none=True, metadata={
        "description": "已撤回: when the item left the department without feedback (its deputy left office, or it "
                       "was refused while held for review); null otherwise. Open (待反馈) = no feedback_at, no withdrawn_at"})
    withdrawn_reason = fields.String(allow_none=True, metadata={"description": "why, e.g. 代表离任，建议已退回联络站重新分派"})


class AttachmentOut(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    width = fields.Integer()
    height = fields.Integer()
    screening = fields.String(metadata={
        "description": "微信图片安全检测：pending/checking 检测中，pass/review 已通过，risky 未通过，manual 待人工审核，"
                       "released 管理员已放行。未通过检测的照片只有上传者本人和管理员看得到",
        "enum": ["pending", "checking", "pass", "review", "risky", "manual", "released"],
    })


class BriefOut(Schema):
    id = fields.Integer()
    name = fields.String()


class LocationOut(Schema):
    lat = fields.Float(allow_none=True)
    lng = fields.Float(allow_none=True)
    address = fields.String()


class MergedFromOut(Schema):
    """One of the viewer's own items merged into the item they read."""

    id = fields.Integer(required=True)
    number = fields.String(required=True)
    content = fields.String(required=True)


class SuggestionOut(Schema):
    """What the viewer may see: contact details only for the handling deputy and administrators."""

    id = fields.Integer(required=True)
    number = fields.String(required=True, metadata={"description": "tracking number, e.g. MSB-20261122-000123"})
    status = fields.String(required=True)
    status_label = fields.String()
    category = fields.String()
    content = fields.String(allow_none=True, metadata={
        "description": "the words: as written for the item's citizen and staff, redacted for a follower; null for "
                       "a follower by merge of an item not published (not consented, or 不予公开): see merged_from_mine"})
    location = fields.Nested(LocationOut, allow_none=True)
    anonymous = fields.Boolean(allow_none=True, metadata={"description": "null for a follower of an item not published"})
    public_consent = fields.Boolean(allow_none=True, metadata={
        "description": "null for a follower of an item not published"})
    round = fields.Integer()
    overdue = fields.Boolean()
    due_soon = fields.Boolean()
    supervised = fields.Boolean()
    public = fields.Boolean()
    held_for_review = fields.Boolean()
    merged_into = fields.Integer(allow_none=True)
    followed = fields.Boolean(metadata={
        "description": "true when the viewer sees the item because they follow it (a nearby item they joined, or "
                       "the one their duplicate was merged into), not because they filed or handle it"})
    merged_into_followed = fields.Boolean(allow_none=True, metadata={
        "description": "for the citizen of an item merged into another: whether they may open that item (they "
                       "follow it by the merge: its follower view, whatever its citizen's consent to publication; "
                       "false only while it is held for review); null when not merged, and for anyone else"})
    merged_from_mine = fields.List(fields.Nested(MergedFromOut), allow_none=True, metadata={
        "description": "for a follower: their own items merged into this one, with their own words (oldest first; "
                       "empty when they follow it otherwise); null for the item's citizen and staff"})
    station = fields.Nested(BriefOut, allow_none=True)
    deputy = fields.Nested(BriefOut, allow_none=True)
    forward_target = fields.String(allow_none=True)
    forward_department = fields.String(allow_none=True)
    work_order_no = fields.String(allow_none=True, metadata={
        "description": "the latest work order's number (工单编号); the item's citizen and staff only"})
    department_satisfaction = fields.String(allow_none=True, metadata={
        "description": "the deputy's satisfaction with the latest work order's handling; the item's citizen and staff only"})
    department_satisfaction_label = fields.String(allow_none=True)
    reply_content = fields.String(allow_none=True)
    implemented = fields.Boolean(allow_none=True, metadata={"description": "落实, as the deputy's reply recorded it"})
    implemented_label = fields.String(allow_none=True, metadata={"description": "已落实 / 未落实，已答复说明"})
    satisfaction = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    citizen = fields.Dict(allow_none=True)
    attachments = fields.List(fields.Nested(AttachmentOut))
    created_at = fields.DateTime()
    dispatch_due_at = fields.DateTime(allow_none=True, metadata={
        "description": "分派时限: while the item waits at its station (pending), when it is due to be dispatched; "
                       "null once dispatched, and for an item with no limit"})
    accept_due_at = fields.DateTime(allow_none=True)
    reply_due_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    timeline = fields.List(fields.Nested(TimelineEntryOut))
    work_orders = fields.List(fields.Nested(WorkOrderOut), metadata={
        "description": "转办工单, oldest first: with the timeline (the item's own page), not in lists"})


class CategoriesOut(Schema):
    categories = fields.List(fields.String(), required=True)


class StatsQuery(QuerySchema):
    region_id = Id(metadata={"description": "the items handled in the region's subtree: at its stations, or with "
                                            "no station waiting in its queue; each item counts in one region of a level. "
                                            "A region outside the caller's scope: 404, as one that does not exist"})
    deputy_region_id = Id(metadata={"description": "the items handled by deputies elected in the region's subtree "
                                                   "(the deputy's congress's view), wherever they are handled. "
                                                   "A region outside the caller's scope: 404"})
    station_id = Id(metadata={"description": "a station outside the caller's scope: 404, as one that does not exist"})
    deputy_id = Id(metadata={"description": "a deputy outside the caller's scope (their own self excepted): 404"})
    category = Text(32)
    date_from = fields.Date(data_key="from", validate=in_service_years)
    date_to = fields.Date(data_key="to", validate=in_service_years)

    @validates_schema
    def _in_order(self, data, **kwargs):
        """A period that ends before it starts is refused (the console's 工作台 and 导出统计 read it so too):
        counted, it would read as no items at all."""
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise ValidationError({"to": ["截止日期不能早于起始日期。"]})


class DepartmentStatsOut(Schema):
    department = fields.String(required=True, metadata={"description": "承办部门, or 12345 热线人大代表通道"})
    work_orders = fields.Integer(required=True)
    with_feedback = fields.Integer(required=True)
    withdrawn = fields.Integer(required=True, metadata={
        "description": "已撤回: the item left the department without feedback (its deputy left office, or refused "
                       "while held for review); kept on record, no longer awaited"})
    awaiting_feedback = fields.Integer(required=True, metadata={
        "description": "待反馈: neither answered nor withdrawn (work_orders = with_feedback + withdrawn + awaiting_feedback)"})
    satisfied = fields.Integer(required=True)
    basically_satisfied = fields.Integer(required=True)
    dissatisfied = fields.Integer(required=True)
    rated = fields.Integer(required=True)
    satisfaction_rate = fields.Float(allow_none=True, metadata={"description": "(满意 + 基本满意) ÷ rated"})


class StatsOut(Schema):
    total = fields.Integer(required=True)
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    status_labels = fields.Dict(keys=fields.String(), values=fields.String())
    by_category = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    closed_rate = fields.Float(allow_none=True, metadata={"description": "closed ÷ should_be_closed"})
    on_time_rate = fields.Float(allow_none=True, metadata={
        "description": "closed and never late at any stage (分派, 接单, 答复, every round; for deputy_id: while the item "
                       "was theirs) ÷ should_be_closed"})
    satisfaction_rate = fields.Float(allow_none=True, metadata={
        "description": "满意 ÷ denominators.rated (the items citizens rated, each by its latest rating: a re-opened "
                       "item (重办) counts once, as 不满意 until its next answer is rated)"})
    basic_satisfaction_rate = fields.Float(allow_none=True, metadata={"description": "(满意 + 基本满意) ÷ denominators.rated"})
    satisfaction = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "the rated items by their latest rating: satisfied, basically_satisfied, dissatisfied "
                       "(they add up to denominators.rated)"})
    dissatisfied = fields.Integer(metadata={
        "description": "the rated items whose latest rating is 不满意 (within denominators.rated), a re-opened item "
                       "(重办) waiting for its next answer included"})
    ratings = fields.Integer(metadata={
        "description": "评价次数: every rating citizens gave, one per round answered (a re-opened item's each); "
                       "no rate divides by it"})
    closed_on_time = fields.Integer(metadata={"description": "按时办结: the numerator of on_time_rate"})
    implementation_rate = fields.Float(allow_none=True, metadata={"description": "落实率: closed and implemented ÷ closed"})
    avg_hours_to_accept = fields.Float(allow_none=True)
    avg_hours_to_close = fields.Float(allow_none=True)
    overdue = fields.Integer()
    returned_late = fields.Integer(allow_none=True, metadata={
        "description": "with deputy_id: items the deputy let go late (退回 or left office after a deadline passed, or "
                       "dispatched to another while late), not theirs now; within should_be_closed. null otherwise"})
    at_department_past_due = fields.Integer(metadata={
        "description": "转办中 items whose reply limit passed while at the department (the reply clock stands still "
                       "there): not within should_be_closed"})
    supervised = fields.Integer()
    implemented = fields.Integer(metadata={"description": "closed items whose reply recorded the problem solved"})
    merged = fields.Integer(metadata={"description": "duplicates closed by merging (within by_status.closed)"})
    work_orders = fields.Integer(metadata={"description": "转办工单: forwards of these items to departments and the hotline"})
    work_orders_with_feedback = fields.Integer(metadata={"description": "work orders whose feedback is recorded"})
    work_orders_withdrawn = fields.Integer(metadata={
        "description": "已撤回: work orders whose item left the department without feedback (its deputy left office)"})
    work_orders_awaiting_feedback = fields.Integer(metadata={
        "description": "待反馈: work orders neither answered nor withdrawn"})
    work_order_satisfaction_rate = fields.Float(allow_none=True, metadata={
        "description": "(满意 + 基本满意) ÷ denominators.work_orders_rated (the deputy's satisfaction with the department)"})
    by_department = fields.List(fields.Nested(DepartmentStatsOut))
    denominators = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "should_be_closed (closed + open items late now or at an earlier stage + returned_late), "
                       "closed, rated (the items citizens rated, each once), "
                       "work_orders_rated (work orders whose feedback recorded "
                       "the deputy's satisfaction)"})
    as_of = fields.DateTime(allow_none=True, metadata={
        "description": "when figures slow to count were counted (kept for DASHBOARD_CACHE_SECONDS); null when "
                       "counted for this request"})


class PublicQuery(PageArgs):
    station_id = Id()
    deputy_id = Id(metadata={"description": "the items the deputy handled, with or without a station"})
    region_id = Id(metadata={"description": "the items handled in the region's subtree: at its stations, or with "
                                            "no station in its queue"})


class PublicSuggestionOut(Schema):
    """A resolved item as the public sees it: no identity, no contact, no exact address, no photos."""

    number = fields.String(required=True)
    category = fields.String()
    content = fields.String()
    reply_content = fields.String(allow_none=True)
    implemented = fields.Boolean(allow_none=True, metadata={"description": "落实, as the deputy's reply recorded it"})
    implemented_label = fields.String(allow_none=True)
    station = fields.Nested(BriefOut, allow_none=True)
    deputy = fields.Nested(BriefOut, allow_none=True)
    satisfaction = fields.String(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)


class NearbyQuery(Position, QuerySchema):
    category = Text(32, required=True)


class NearbyItemOut(Schema):
    """An open item offered instead of a duplicate: one whose citizen consented to publication (or the
    caller's own), its words redacted, no filer, no location."""
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    category = fields.String()
    content = fields.String(metadata={"description": "the item's words with names, phone numbers and addresses removed, first 100 characters"})
    status = fields.String()
    status_label = fields.String()
    distance_m = fields.Integer(metadata={
        "description": "about how far (约): rounded to the nearest 50 m and never under 50, so that it cannot "
                       "locate the item (shown as 约 N 米)"})
    created_at = fields.DateTime()


class NearbyOut(Schema):
    items = fields.List(fields.Nested(NearbyItemOut), required=True)


class FollowOut(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    following = fields.Boolean(required=True)
