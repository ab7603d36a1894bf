from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.activities.models import (
    ACTIVITY_STATUS_LABELS,
    ACTIVITY_TYPE_LABELS,
    CHECKIN_MODE_LABELS,
    EVENT_ACTION_LABELS,
    ActivityStatus,
    ActivityType,
    EventAction,
    ParticipantStatus,
)
from backend.org.models import DEPUTY_LEVEL_LABELS

from .common import (
    BodyBoolean,
    BodyId,
    Choice,
    Id,
    in_service_years,
    Items,
    Line,
    OneOfLabelled,
    PageArgs,
    page_of,
    QuerySchema,
    StrictSchema,
    Text,
    Trimmed,
    YEAR,
)



# Deputy ids one request may name: a bound on the request, not the activity's own, which is
# ACTIVITY_MAX_DEPUTIES (configurable; 1,000 by default), said in its own words (activities.services).
DEPUTY_IDS = Items(max=5000)


class _Position:
    """``lat`` and ``lng`` come together or not at all: half a position is no place (a scan sending one
    would skip the distance check). Both null (a position taken away) is both; one null alone is half."""

    @validates_schema
    def _both_or_neither(self, data, **kwargs):
        lat, lng = data.get("lat"), data.get("lng")
        if (lat is None) != (lng is None) or ("lat" in data) != ("lng" in data):
            if ("lat" in data) != ("lng" in data):
                missing = "lat" if "lat" not in data else "lng"
            else:
                missing = "lat" if lat is None else "lng"
            raise ValidationError("请同时提供纬度和经度。", field_name=missing)


def _open_slots():
    return fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1, max=1000, error=(
        "揭榜名额应为 1 至 1000 之间的整数。")), metadata={
        "description": "揭榜: how many deputies may sign up themselves, beside those invited (null: by invitation "
                       "only). Deputies of the activity's region and of the regions below it, and those received "
                       "at its station, find it with "
                       "GET /activities?scope=open and claim a place with POST /activities/{id}/claim. With the "
                       "deputies invited, at most ACTIVITY_MAX_DEPUTIES"})


OPEN_SLOTS = _open_slots()


def _activity_points(value):
    """An activity's own points, typed at 发单 or 编辑: attending never costs a deputy points (absences
    lose the rulebook's deduction at 结单), and no more than any line of the rulebook may give."""
    if value is None:
        return
    if value < 0:
        raise ValidationError("积分不能为负数。")
    if value > 100:
        raise ValidationError("积分应为 0 至 100 之间的整数。")


def _points_field(description):
    return fields.Integer(allow_none=True, strict=True, validate=_activity_points, metadata={
        "minimum": 0, "maximum": 100, "description": description})


CHECKIN_MODE_DESCRIPTION = (
    "签到方式: `station_or_screen` (现场码或联络站码) a deputy checks in by the station's printed code with "
    "their position, or by the rotating code on the venue's screen; `screen_only` (仅限现场动态码) by the "
    "screen's rotating code alone, a station code's scan refused (409)")


TITLE_BLANK = "请填写活动名称。"


class ActivityIn(_Position, StrictSchema):
    title = Line(100, required=True, blank=TITLE_BLANK)
    type = Choice(ActivityType, "活动类型", ACTIVITY_TYPE_LABELS, required=True)
    station_id = BodyId(allow_none=True)
    region_id = BodyId(allow_none=True, metadata={"description": "required when there is no station"})
    place = Text(255)
    lat = fields.Float(allow_none=True, validate=validate.Range(min=-90, max=90))
    lng = fields.Float(allow_none=True, validate=validate.Range(min=-180, max=180))
    starts_at = fields.AwareDateTime(required=True, format="iso", validate=in_service_years)
    ends_at = fields.AwareDateTime(required=True, format="iso", validate=in_service_years)
    deputy_ids = fields.List(BodyId(), load_default=list, validate=DEPUTY_IDS, metadata={
        "description": "the deputies invited; an activity invites at most ACTIVITY_MAX_DEPUTIES deputies in all "
                       "(1,000 by default): beyond it, here or by add_deputy_ids, 422. May be empty (or left out) "
                       "when `open_slots` is given: the deputies then sign up themselves (揭榜)"})
    points = _points_field("0 to 100, in place of the rulebook's points for the type (never negative: an "
                           "absence loses the rulebook's deduction); null or left out: the rulebook's")
    description = Text(2000, load_default="")
    open_slots = OPEN_SLOTS
    checkin_mode = fields.String(validate=OneOfLabelled("签到方式", CHECKIN_MODE_LABELS), metadata={
        "description": CHECKIN_MODE_DESCRIPTION + "; left out: `station_or_screen`"})


class ActivityPatch(_Position, StrictSchema):
    """改期、改地点、补充邀请, a wrong type corrected: only the fields sent change. The station stays as
    dispatched (its printed code checks deputies in)."""

    title = Line(100, min_length=1, blank=TITLE_BLANK)
    type = Choice(ActivityType, "活动类型", ACTIVITY_TYPE_LABELS, metadata={
        "description": "a wrong type corrected before 结单: 结单 credits the new type's line of the rulebook "
                       "(unless `points` is set); a reception day citizens chose to meet a deputy on, their "
                       "request still open, stays one (409)"})
    place = Text(255, metadata={"description": "blank at a station: the station's address"})
    lat = fields.Float(allow_none=True, validate=validate.Range(min=-90, max=90))
    lng = fields.Float(allow_none=True, validate=validate.Range(min=-180, max=180))
    starts_at = fields.AwareDateTime(format="iso", validate=in_service_years, metadata={
        "description": "may not change once the activity has started"})
    ends_at = fields.AwareDateTime(format="iso", validate=in_service_years)
    points = _points_field("0 to 100 (never negative); null: the rulebook's points for the type")
    description = Text(2000)
    add_deputy_ids = fields.List(BodyId(), validate=DEPUTY_IDS, metadata={
        "description": "deputies to invite, notified as at 发单; those invited already are left as they are"})
    open_slots = _open_slots()
    checkin_mode = fields.String(validate=OneOfLabelled("签到方式", CHECKIN_MODE_LABELS), metadata={
        "description": CHECKIN_MODE_DESCRIPTION})
    remove_deputy_ids = fields.List(BodyId(), validate=DEPUTY_IDS, metadata={
        "description": "invited, accepted or declined deputies to take off (a checked-in one: 409); "
                       "ids not invited are ignored"})


class CancelIn(StrictSchema):
    reason = Trimmed(load_default="", validate=validate.Length(max=200, error="取消原因不能超过 200 个字。"), metadata={
        "description": "取消原因 (optional, up to 200 characters): told to the deputies still expected and kept "
                       "in the activity's record"})
    void_checkins = BodyBoolean(load_default=False, metadata={
        "description": "true confirms cancelling although deputies have checked in: their attendance is voided (no "
                       "points) and they are told. Without it, an activity with check-ins is 409 saying how many "
                       "(an activity held is to be closed, 结单)"})


class ActivityCloseIn(StrictSchema):
    early = BodyBoolean(load_default=False, metadata={
        "description": "true confirms closing before the check-in window ends (CHECKIN_GRACE_MINUTES after the "
                       "end) although invited or accepted deputies have not checked in yet: they are marked absent. "
                       "Without it, such a close is 409 saying when check-in closes and how many have not checked in"})


class DeclineIn(StrictSchema):
    reason = Text(500, required=True, blank="请填写请假理由。")


class HandCheckinIn(StrictSchema):
    reason = Text(200, required=True, blank="请填写补签原因。", metadata={
        "description": "why the deputy could not scan (补签原因)"})


class CheckinIn(_Position, StrictSchema):
    qr_code = Text(64, required=True)
    lat = fields.Float(allow_none=True, validate=validate.Range(min=-90, max=90))
    lng = fields.Float(allow_none=True, validate=validate.Range(min=-180, max=180))


class ActivityQuery(PageArgs):
    scope = fields.String(validate=OneOfLabelled("范围", {
        "mine": "本人参加的", "station": "所管联络站的", "all": "全部", "open": "可揭榜的"}), metadata={
        "description": "mine: the calling deputy's; station: an administrator's; all: both; open: the activities "
                       "whose places the calling deputy may claim now (揭榜), soonest first"})
    status = Choice(ActivityStatus, "活动状态", ACTIVITY_STATUS_LABELS)
    type = Choice(ActivityType, "活动类型", ACTIVITY_TYPE_LABELS)
    station_id = Id(metadata={"description": "scope station (or all, for a caller who is not a deputy): a station "
                                             "outside the caller's scope: 404, as one that does not exist"})


class ActivityEventQuery(PageArgs):
    """The record (操作记录) a page at a time, oldest first; narrowed to one deputy or one kind of step."""

    deputy_id = Id(metadata={"description": "the lines that concern this deputy: their own 接单, 请假 and scans, "
                                            "and a 补签 of theirs (发单, 修改 and 结单 name deputies in their note)"})
    action = Choice(EventAction, "操作", EVENT_ACTION_LABELS, metadata={"description": "one kind of step, as `action` in the lines"})


class ParticipantQuery(PageArgs):
    """An activity's roster (参加代表) a page at a time, in the order it was entered."""

    status = fields.String(
        validate=validate.OneOf([m.value for m in ParticipantStatus], error=(
            "签到状态应为 invited（待接单）、accepted（已接单）、declined（已请假）、checked_in（已签到）或 absent（缺席）。")),
        metadata={"description": "invited 待接单 · accepted 已接单 · declined 已请假 · checked_in 已签到 · absent 缺席"})
    q = Line(50, metadata={"description": "a part of the deputy's name"})


class DeputyBriefOut(Schema):
    id = fields.Integer()
    name = fields.String()
    level = fields.String()


class ParticipantOut(Schema):
    deputy = fields.Nested(DeputyBriefOut)
    status = fields.String()
    status_label = fields.String()
    decline_reason = fields.String(metadata={
        "description": "the 请假 reason; shown to the deputy themselves and to administrators only"})
    checked_in_at = fields.DateTime(allow_none=True)
    claimed = fields.Boolean(metadata={"description": "on the list by a claim of their own (揭榜), not invited"})
    checked_in_by_admin = fields.Boolean(metadata={
        "description": "补签: checked in by hand by an administrator; shown to administrators only"})
    checkin_note = fields.String(metadata={"description": "the 补签 reason; shown to administrators only"})


class ActivityEventOut(Schema):
    id = fields.Integer(required=True, metadata={"description": "increases in the order the lines were written"})
    action = fields.String(required=True, metadata={
        "description": "dispatched 发单 · edited 修改活动 · cancelled 取消活动 · closed 结单 · checked_in_by_hand 补签 · "
                       "accepted 接单 · declined 请假 · checked_in 扫码签到"})
    action_label = fields.String(required=True)
    actor_role = fields.String(required=True, metadata={"description": "station_admin, region_admin or deputy"})
    actor_role_label = fields.String()
    actor_name = fields.String(metadata={
        "description": "as at the time: the administrator's display name (or username), the deputy's name"})
    actor_user_id = fields.Integer(allow_none=True)
    deputy_id = fields.Integer(allow_none=True, metadata={
        "description": "the deputy the step concerned: 补签's, and the deputies' own steps"})
    note = fields.String(metadata={
        "description": "what the step did, in Chinese: an edit's changes (时间由…改为…；地点改为…；邀请…；移出…), "
                       "结单's counts and who was marked absent, 补签's and 请假's reasons"})
    at = fields.DateTime(required=True)


class ActivityOut(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    type = fields.String(required=True)
    type_label = fields.String()
    status = fields.String(required=True)
    status_label = fields.String()
    station = fields.Dict(allow_none=True)
    region_id = fields.Integer()
    place = fields.String()
    lat = fields.Float(allow_none=True)
    lng = fields.Float(allow_none=True)
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    points = fields.Integer(allow_none=True, metadata={"description": "points for attending; the rulebook's when null"})
    description = fields.String()
    my_status = fields.String(allow_none=True, metadata={"description": "the calling deputy's participation"})
    open_slots = fields.Integer(allow_none=True, metadata={
        "description": "揭榜: places deputies may claim themselves; null: by invitation only"})
    claimed_count = fields.Integer(allow_none=True, metadata={
        "description": "揭榜: places taken (deputies who claimed one and have not taken leave); null without places"})
    can_claim = fields.Boolean(metadata={
        "description": "whether the calling deputy may claim a place now: not on the list yet, a place left, the "
                       "activity not over"})
    claimed = fields.Boolean(metadata={"description": "whether the calling deputy is on the list by a claim (揭榜)"})
    checkin_mode = fields.String(metadata={"description": CHECKIN_MODE_DESCRIPTION})
    checkin_mode_label = fields.String()
    participants = fields.List(fields.Nested(ParticipantOut), metadata={
        "description": "参加代表 on an activity's own page (and the answers to its steps): the first 100 in the "
                       "order the list was entered, and the calling deputy's own entry if not among them; "
                       "names and statuses only, never phones; a leave reason only to the deputy themselves "
                       "and to administrators. The whole roster, filtered and page by page, for the "
                       "administrators who manage the activity: GET /activities/{id}/participants"})
    participants_total = fields.Integer(metadata={
        "description": "how many deputies are invited in all (more than `participants` carries when over 100); "
                       "with `participants` only"})
    participant_counts = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "deputies per participant status: `{invited, accepted, declined, checked_in, absent}`; "
                       "with `participants` only"})
    events = fields.List(fields.Nested(ActivityEventOut), metadata={
        "description": "操作记录 (台账): its latest 50 lines, oldest first, on an activity's own page (and the "
                       "answers to its steps), for the administrators who manage it only; the whole record "
                       "page by page: GET /activities/{id}/events"})
    events_total = fields.Integer(metadata={
        "description": "how many lines the record holds in all (more than `events` carries: read the rest "
                       "from GET /activities/{id}/events); with `events` only"})


class CloseOut(Schema):
    summary = fields.Dict(required=True, metadata={
        "description": "the participants by status (`invited`, `accepted`, `declined`, `checked_in`, `absent`), "
                       "`points_credited` (the net change: gains plus deductions), `points_awarded` and "
                       "`deputies_awarded` (what the checked-in deputies earned, and how many), `points_deducted` "
                       "and `deputies_deducted` (the absence deductions, 0 or less, and how many deputies lost "
                       "points), `already_closed` (a second 结单: nothing credited, every figure 0)"})


class CheckinCodeOut(Schema):
    qr_code = fields.String(required=True)
    url = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class CheckinOut(Schema):
    activity_id = fields.Integer(required=True)
    activity_title = fields.String()
    checked_in_at = fields.DateTime(required=True)


# --- points ---------------------------------------------------------------------------------------


class ScoringRuleOut(Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)
    points = fields.Integer(required=True)
    applies_to = fields.String(required=True)
    yearly_cap = fields.Integer(allow_none=True)
    active = fields.Boolean(required=True)
    set_by_region_id = fields.Integer(allow_none=True, dump_only=True, metadata={
        "description": "the region whose congress set this line: the root's for the deployment's rulebook"})
    set_by_region_name = fields.String(allow_none=True, dump_only=True)
    inherited = fields.Boolean(dump_only=True, metadata={
        "description": "true when the line is in force here because a region above set it"})


class RulebookQuery(QuerySchema):
    """Whose rulebook: a region's (each congress sets its own); by default the caller's region, the
    super administrator's being the deployment's."""

    region_id = Id(metadata={"description": "the region whose rulebook is read or edited"})


class RulebookPageQuery(RulebookQuery, PageArgs):
    """The rulebook is a list body like any other; it is short (a line per rule), so one page holds it
    unless the caller asks for smaller ones."""

    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=100))


ScoringRulePage = page_of(ScoringRuleOut)


class ScoringRulePut(StrictSchema):
    """The rule as GET lists it, whole or in part: ``code`` and ``applies_to`` name the rule and may
    be sent back, but not changed; what GET says about where the line comes from may be sent back
    too and is ignored (a typo in a field name is still refused)."""

    code = fields.String()
    applies_to = fields.String()
    label = Line(64, min_length=1)
    points = fields.Integer(strict=True, validate=validate.Range(min=-100, max=100))
    yearly_cap = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=10000))
    active = fields.Boolean()
    set_by_region_id = fields.Raw(allow_none=True, load_only=True, metadata={"description": "ignored"})
    set_by_region_name = fields.Raw(allow_none=True, load_only=True, metadata={"description": "ignored"})
    inherited = fields.Raw(load_only=True, metadata={"description": "ignored"})


class CorrectionIn(StrictSchema):
    points = fields.Integer(required=True, strict=True, validate=[
        validate.Range(min=-100, max=100), validate.NoneOf([0], error="更正的积分不能为 0。"),
    ], metadata={"description": "signed: added to (or, negative, taken from) the year's total"})
    reason = Text(200, required=True)
    year = fields.Integer(strict=True, validate=YEAR,
                          metadata={"description": "the year corrected; default the current one"})


class YearQuery(QuerySchema):
    year = fields.Integer(validate=YEAR)


class ArchiveQuery(YearQuery):
    format = fields.String(validate=OneOfLabelled("导出格式", {"json": "JSON", "xlsx": "Excel 表格"}),
                           load_default="json")


class PointEntryOut(Schema):
    points = fields.Integer()
    rule_code = fields.String()
    reason = fields.String()
    source_type = fields.String()
    source_id = fields.Integer()
    at = fields.DateTime()


class PointsOut(Schema):
    deputy_id = fields.Integer()
    year = fields.Integer()
    total = fields.Integer(required=True)
    rank = fields.Integer(allow_none=True, metadata={
        "description": "as the leaderboard ranks: among the deputies in office with points that year, ties "
                       "sharing a rank; null without points or for a deputy who left office"})
    entries = fields.List(fields.Nested(PointEntryOut), required=True)


class LeaderboardQuery(YearQuery):
    region_id = Id()
    level = fields.String(validate=OneOfLabelled("代表层级", DEPUTY_LEVEL_LABELS))
    group = Text(100)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class LeaderboardRowOut(Schema):
    rank = fields.Integer(required=True)
    deputy = fields.Nested(DeputyBriefOut, required=True)
    points = fields.Integer(required=True)
