"""民生实事项目代表票决制: rounds, candidate projects, ballots, citizens' proposals, progress."""
from datetime import datetime

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.db_types import CHINA
from backend.livelihood.models import CHOICE_LABELS, PROPOSAL_STATUS_LABELS, VOTE_STATUS_LABELS
from backend.livelihood.models import Choice as ChoiceValue

from .common import BodyId, Choice, Id, Items, Line, OneOfLabelled, PageArgs, StrictSchema, Text, YEAR, in_service_years, page_of
from .suggestions import ContactPhone

PLACES = validate.Range(min=1, max=50, error="拟票决项目数应为 1 到 50 个。")
BUDGET = validate.Range(min=0, max=100000000, error="预算应为 0 到 1 亿万元之间的数。")


def _window(data):
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts is not None and ends is not None and ends <= starts:
        raise ValidationError({"ends_at": ["投票结束时间须晚于开始时间。"]})


class VoteIn(StrictSchema):
    region_id = BodyId(metadata={"description": "the congress (a region the caller administers); by default their own"})
    title = Line(100, required=True, metadata={"description": "2027 年鹤城区民生实事项目票决"})
    year = fields.Integer(strict=True, required=True, validate=YEAR)
    places = fields.Integer(strict=True, required=True, validate=PLACES,
                            metadata={"description": "how many projects to adopt (1–50)"})
    starts_at = fields.AwareDateTime(required=True, format="iso", validate=in_service_years)
    ends_at = fields.AwareDateTime(required=True, format="iso", validate=in_service_years)

    @validates_schema
    def _a_window(self, data, **kwargs):
        _window(data)


class VotePatch(StrictSchema):
    """While the round is a draft: only the fields sent change."""

    title = Line(100, min_length=1)
    year = fields.Integer(strict=True, validate=YEAR)
    places = fields.Integer(strict=True, validate=PLACES)
    starts_at = fields.AwareDateTime(format="iso", validate=in_service_years)
    ends_at = fields.AwareDateTime(format="iso", validate=in_service_years)

    @validates_schema
    def _a_window(self, data, **kwargs):
        _window(data)


class ProjectIn(StrictSchema):
    title = Line(60, required=True)
    description = Text(2000, load_default="")
    department = Line(60, load_default="", metadata={"description": "责任单位"})
    budget = fields.Float(allow_none=True, load_default=None, validate=BUDGET, allow_nan=False,
                          metadata={"description": "预算（万元）"})
    position = fields.Integer(strict=True, validate=validate.Range(min=0, max=1000))


class ProjectPatch(StrictSchema):
    title = Line(60, min_length=1)
    description = Text(2000)
    department = Line(60)
    budget = fields.Float(allow_none=True, validate=BUDGET, allow_nan=False)
    position = fields.Integer(strict=True, validate=validate.Range(min=0, max=1000))


class CloseIn(StrictSchema):
    reason = Text(500, load_default="", metadata={"description": "required to close before the window ends (提前结束)"})


class ChoiceIn(StrictSchema):
    project_id = BodyId(required=True)
    choice = Choice(ChoiceValue, "表决意见", CHOICE_LABELS, required=True, metadata={"description": "for 赞成, against 反对, abstain 弃权"})


class BallotIn(StrictSchema):
    choices = fields.List(fields.Nested(ChoiceIn), required=True, validate=Items(min=1, max=1000))

    @validates_schema
    def _once_each(self, data, **kwargs):
        seen = set()
        for choice in data.get("choices") or []:
            if choice["project_id"] in seen:
                raise ValidationError({"choices": ["同一候选项目只能表决一次。"]})
            seen.add(choice["project_id"])


def not_after_today(value):
    """A progress line tells what has been done: dated today at the latest (China's date)."""
    if value > datetime.now(CHINA).date():
        raise ValidationError("进度日期不能晚于今天。")


class ProgressIn(StrictSchema):
    """A line of 实施进度. A percent below the last line's is accepted (works redone, an estimate corrected):
    the note, required on every line, says why; the public percent is the latest line's."""

    note = Text(500, required=True)
    percent = fields.Integer(strict=True, required=True, validate=validate.Range(min=0, max=100, error="进度应为 0 到 100。"))
    date = fields.Date(required=True, validate=[in_service_years, not_after_today],
                       metadata={"description": "no later than today (China time)"})


class ProposalIn(StrictSchema):
    region_id = BodyId(required=True, metadata={"description": "the congress proposed to (not a village)"})
    title = Line(60, required=True)
    content = Text(1000, required=True)
    contact_phone = ContactPhone(allow_none=True, load_default=None,
                                 metadata={"description": "shown to administrators only"})


class AdoptIn(StrictSchema):
    vote_id = BodyId(required=True, metadata={"description": "a draft round of the proposal's congress or one above it"})


class ProposalDeclineIn(StrictSchema):
    reason = Text(500, required=True)


class VoteQuery(PageArgs):
    status = fields.String(validate=OneOfLabelled("票决状态", VOTE_STATUS_LABELS))
    region_id = Id()


class ProposalQuery(PageArgs):
    status = fields.String(validate=OneOfLabelled("建议状态", PROPOSAL_STATUS_LABELS))


class PublicProjectQuery(PageArgs):
    region_id = Id(required=True)


# --- out ------------------------------------------------------------------------------------------


class ProgressOut(Schema):
    id = fields.Integer(required=True)
    note = fields.String(required=True)
    percent = fields.Integer(required=True)
    date = fields.Date(required=True)


class ProjectOut(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    department = fields.String(required=True)
    budget = fields.Float(allow_none=True, required=True)
    position = fields.Integer(required=True)
    votes_for = fields.Integer(allow_none=True, required=True, metadata={"description": "null until the round closes"})
    votes_against = fields.Integer(allow_none=True, required=True)
    votes_abstain = fields.Integer(allow_none=True, required=True)
    adopted = fields.Boolean(allow_none=True, required=True, metadata={"description": "当选; null until the round closes"})
    tied = fields.Boolean(required=True, metadata={"description": "并列: adopted beyond the places by a tie at the cut"})
    progress = fields.List(fields.Nested(ProgressOut), required=True)


class VoteListOut(Schema):
    """A round as lists show it."""

    id = fields.Integer(required=True)
    region_id = fields.Integer(required=True)
    region_name = fields.String(required=True)
    title = fields.String(required=True)
    year = fields.Integer(required=True)
    places = fields.Integer(required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True, metadata={
        "description": "by the window: 草稿, 尚未开始 (opened, not begun), 投票中, 已结束 (closed or its window over)"})
    electorate = fields.Integer(allow_none=True, required=True, metadata={"description": "fixed when voting opens"})
    voted = fields.Integer(allow_none=True, required=True, metadata={"description": "how many have voted (turnout)"})
    has_voted = fields.Boolean(allow_none=True, required=True,
                               metadata={"description": "the calling deputy's ballot is cast; null for others"})
    can_vote = fields.Boolean(allow_none=True, required=True, metadata={
        "description": "the calling elector may cast their ballot now; null for anyone not of the round's electorate "
                       "(administrators; everyone on a draft)"})
    cannot_vote_reason = fields.String(
        allow_none=True, required=True,
        metadata={"description": "why an elector may not, null when they may (or are no elector): 已投票, 投票尚未开始, "
                                 "投票已结束, 您已离任 (left office after the opening)"})
    void = fields.Boolean(required=True, metadata={
        "description": "票决无效: closed with fewer than 3 ballots cast; no counts are shown and nothing is adopted"})


class VoteOut(VoteListOut):
    """A round whole: its list fields, when it opened and closed, the result and the candidates."""

    opened_at = fields.DateTime(allow_none=True, required=True)
    closed_at = fields.DateTime(allow_none=True, required=True)
    close_reason = fields.String(required=True)
    result_note = fields.String(required=True, metadata={"description": "the result in one sentence, after the close"})
    projects = fields.List(fields.Nested(ProjectOut), required=True)


class BallotOut(Schema):
    vote_id = fields.Integer(required=True)
    cast_at = fields.DateTime(required=True)
    message = fields.String(required=True)


class VoterOut(Schema):
    deputy_id = fields.Integer(required=True)
    name = fields.String(required=True)
    voted = fields.Boolean(allow_none=True, required=True, metadata={
        "description": "null while voting is open (who has voted is shown only once the round is closed)"})


class ProposalOut(Schema):
    id = fields.Integer(required=True)
    region_id = fields.Integer(required=True)
    region_name = fields.String(required=True)
    title = fields.String(required=True)
    content = fields.String(required=True)
    contact_phone = fields.String(allow_none=True, metadata={"description": "administrators only"})
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    reason = fields.String(required=True)
    project_id = fields.Integer(allow_none=True, required=True)
    vote_title = fields.String(allow_none=True, required=True, metadata={"description": "the round it became a candidate of"})
    adopted = fields.Boolean(allow_none=True, required=True, metadata={"description": "its candidate's result, once voted"})
    vote_void = fields.Boolean(required=True, metadata={
        "description": "its round closed void (票决无效: fewer ballots than the minimum); ``adopted`` is then false"})
    created_at = fields.DateTime(required=True)
    decided_at = fields.DateTime(allow_none=True, required=True)


class PublicProjectOut(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    department = fields.String(required=True)
    budget = fields.Float(allow_none=True, required=True)
    votes_for = fields.Integer(required=True)
    vote_id = fields.Integer(required=True)
    vote_title = fields.String(required=True)
    year = fields.Integer(required=True)
    region_name = fields.String(required=True)
    percent = fields.Integer(required=True, metadata={"description": "the latest progress (0 before any)"})
    progress = fields.List(fields.Nested(ProgressOut), required=True)


class RegionRefOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class PublicLivelihoodPage(page_of(PublicProjectOut)):
    """The public list, with whose projects a region's are: a 街道 or a village (no people's congress) has
    none of its own — an empty list, and the congress above that votes on them."""

    congress_region = fields.Nested(RegionRefOut, required=True, metadata={
        "description": "the region whose people's congress holds the projects of the region asked for: itself, "
                       "or for a 街道 or a village (no congress of its own) the nearest one above"})
    note = fields.String(allow_none=True, required=True, metadata={
        "description": "for a 街道 or a village: why the list is empty and which congress to look at, in Chinese "
                       "(the web page's sentence); else null"})
