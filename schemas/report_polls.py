"""述职测评: a 述职 activity's poll, the voters' ballots, the results."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.activities.models import REPORT_POLL_BALLOT_MODE_LABELS, ReportPollBallotMode
from backend.suggestions.models import SATISFACTION_LABELS, Satisfaction

from .common import BodyId, Choice, Items, StrictSchema, Text, in_service_years

RATED = Items(min=1, max=30)


def _window(data):
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts is not None and ends is not None and ends <= starts:
        raise ValidationError({"ends_at": ["测评结束时间须晚于开始时间。"]})


def _once_each(ids, field):
    if len(set(ids)) != len(ids):
        raise ValidationError({field: ["同一位代表只能列出一次。"]})


class ReportPollIn(StrictSchema):
    deputy_ids = fields.List(BodyId(), validate=RATED, metadata={
        "description": "the deputies reporting (述职代表), each one of the activity's participants; by default all of them"})
    starts_at = fields.AwareDateTime(format="iso", validate=in_service_years, allow_none=True, metadata={
        "description": "null or left out: the activity's start, following it when the activity is rescheduled; "
                       "no earlier than REPORT_POLL_LEAD_MINUTES (60) before it"})
    ends_at = fields.AwareDateTime(format="iso", validate=in_service_years, allow_none=True, metadata={
        "description": "null or left out: the activity's end plus REPORT_POLL_GRACE_MINUTES (120), following it "
                       "when the activity is rescheduled; no later than that, and after the activity's start"})
    ballot_mode = Choice(ReportPollBallotMode, "测评方式", REPORT_POLL_BALLOT_MODE_LABELS, metadata={
        "description": "open 扫码测评 (the default: any voter who scans the hall's code, one ballot per identity) · "
                       "ticket 凭票测评 (each ballot takes one of the one-time tickets generated with …/report-poll/tickets "
                       "and handed out at the door); changed only before the poll opens"})

    @validates_schema
    def _checks(self, data, **kwargs):
        _window(data)
        _once_each(data.get("deputy_ids") or [], "deputy_ids")


class ReportPollPatch(ReportPollIn):
    """Only the fields sent change; the deputies only before the poll opens, the window until it closes
    (a time sent as null follows the activity again)."""


class RatingIn(StrictSchema):
    deputy_id = BodyId(required=True)
    choice = Choice(Satisfaction, "评价", SATISFACTION_LABELS, required=True,
                    metadata={"description": "satisfied 满意, basically_satisfied 基本满意, dissatisfied 不满意"})


class ReportBallotIn(StrictSchema):
    choices = fields.List(fields.Nested(RatingIn), required=True, validate=RATED,
                          metadata={"description": "one rating for every deputy of the poll"})
    comment = Text(200, load_default="", metadata={"description": "意见建议 (optional): seen by the administrators only, never published"})
    ticket = Text(32, load_default="", metadata={
        "description": "凭票测评 (ballot_mode ticket): the ticket's code, as printed (ABCDE-FGHJK) or typed in any case, "
                       "with or without the dash; required there (422), 422 for a code the poll never issued, 409 "
                       "「此测评票已使用。」 for one already used; ignored in a 扫码测评"})

    @validates_schema
    def _checks(self, data, **kwargs):
        _once_each([c["deputy_id"] for c in data.get("choices") or []], "choices")


class PublicDeputyOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)
    level_label = fields.String(required=True)


class TicketCountsOut(Schema):
    issued = fields.Integer(required=True, metadata={"description": "the tickets generated for the poll"})
    used = fields.Integer(required=True, metadata={"description": "those a ballot took"})


class ReportPollTicketsIn(StrictSchema):
    count = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, error="请填写要生成的测评票张数（至少 1 张）。"),
                           metadata={"description": "how many tickets to generate (the expected attendance); at most "
                                                    "REPORT_POLL_MAX_TICKETS (2000) per poll in all"})


class TicketOut(Schema):
    code = fields.String(required=True, metadata={"description": "the ticket's code as printed (ABCDE-FGHJK)"})
    url = fields.String(required=True, metadata={"description": "the link its printed QR carries: the voters' page with the code"})


class ReportPollTicketsOut(TicketCountsOut):
    tickets = fields.List(fields.Nested(TicketOut), required=True, metadata={
        "description": "the new tickets: shown this once, only their digests are kept"})


class ReportPollOut(Schema):
    activity_id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={
        "description": "draft 未开始 · open 测评中 (ballots taken inside the window) · closed 已结束; an opened "
                       "poll with no ballots whose activity is rescheduled to another day is a draft again"})
    status_label = fields.String(required=True, metadata={
        "description": "the status as administrators read it: 活动已取消 for a cancelled activity, 已结束 once the "
                       "window is over, 已开启（未到测评时间） for a poll opened before its window starts, else as status"})
    phase = fields.String(required=True, metadata={"description": "not_started / open / ended: whether a ballot is taken now"})
    phase_label = fields.String(required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    starts_follow_activity = fields.Boolean(required=True, metadata={
        "description": "the start is the activity's, moved with it when the activity is rescheduled"})
    ends_follow_activity = fields.Boolean(required=True, metadata={
        "description": "the end is the activity's end plus REPORT_POLL_GRACE_MINUTES, moved with it"})
    opened_at = fields.DateTime(allow_none=True, required=True)
    closed_at = fields.DateTime(allow_none=True, required=True)
    token = fields.String(required=True, metadata={"description": "the code in the printed QR's link"})
    url = fields.String(required=True, metadata={"description": "the link the printed QR carries: the voters' web page"})
    ballots = fields.Integer(required=True)
    deputies = fields.List(fields.Nested(PublicDeputyOut), required=True)
    ballot_mode = fields.String(required=True, metadata={"description": "open 扫码测评 · ticket 凭票测评"})
    ballot_mode_label = fields.String(required=True)
    tickets = fields.Nested(TicketCountsOut, allow_none=True, required=True, metadata={
        "description": "凭票测评: the tickets issued and used; null in a 扫码测评"})


class DeputyResultOut(Schema):
    deputy = fields.Nested(PublicDeputyOut, required=True)
    satisfied = fields.Integer(required=True)
    basically_satisfied = fields.Integer(required=True)
    dissatisfied = fields.Integer(required=True)
    rated = fields.Integer(required=True, metadata={"description": "the ballots that rated the deputy: the rates' denominator"})
    satisfaction_rate = fields.Float(allow_none=True, required=True, metadata={"description": "满意 ÷ rated"})
    basic_satisfaction_rate = fields.Float(allow_none=True, required=True,
                                           metadata={"description": "(满意 + 基本满意) ÷ rated"})


class ReportPollResultsOut(Schema):
    ballots = fields.Integer(required=True)
    tickets = fields.Nested(TicketCountsOut, allow_none=True, required=True, metadata={
        "description": "凭票测评: the tickets issued and used; null in a 扫码测评"})
    final = fields.Boolean(required=True, metadata={"description": "the poll is closed: the figures no longer move"})
    denominators = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    deputies = fields.List(fields.Nested(DeputyResultOut), required=True)
    comments = fields.List(fields.String(), required=True,
                           metadata={"description": "the voters' comments, newest 200 (administrators only, never published)"})


class PublicActivityOut(Schema):
    title = fields.String(required=True)
    type_label = fields.String(required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    place = fields.String(required=True)
    station_name = fields.String(allow_none=True, required=True)


class PublicReportPollOut(Schema):
    activity = fields.Nested(PublicActivityOut, required=True)
    phase = fields.String(required=True, metadata={"description": "not_started / open / ended"})
    phase_label = fields.String(required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    deputies = fields.List(fields.Nested(PublicDeputyOut), required=True)
    choices = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    voted = fields.Boolean(required=True, metadata={"description": "the caller (when signed in) has voted"})
    cancelled = fields.Boolean(required=True, metadata={"description": "the activity was cancelled: no poll is held"})
    ticket_required = fields.Boolean(required=True, metadata={
        "description": "凭票测评: a ballot carries the code of a ticket handed out at the door (``ticket``)"})


class ReportBallotOut(Schema):
    voted_at = fields.DateTime(required=True)
    message = fields.String(required=True)
