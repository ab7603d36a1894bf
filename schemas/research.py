"""调研清单 (揭榜式调研): research topics, the teams that take them and their reports."""
from marshmallow import Schema, fields, validate

from backend.research.models import TOPIC_STATUS_LABELS, TopicStatus

from .common import BodyId, Choice, Id, Items, Line, PageArgs, QuerySchema, StrictSchema, Text, YEAR, in_service_years

MAX_TEAMS = validate.Range(min=1, max=1000, error="领题团队数上限应在 1 至 1000 之间。")


class ResearchTopicIn(StrictSchema):
    region_id = BodyId(metadata={"description": "the congress publishing it (a region the caller administers); by default their own"})
    year = fields.Integer(validate=YEAR, metadata={"description": "by default this year (China time)"})
    title = Line(100, required=True, metadata={"description": "课题名称"})
    theme = Line(20, required=True, metadata={"description": "主题 (a short tag: 产业发展, 城市更新, 数字经济, 乡村振兴…)"})
    description = Text(2000, load_default="", metadata={"description": "课题说明"})
    due_date = fields.Date(allow_none=True, validate=in_service_years, metadata={"description": "报告提交截止日期 (optional)"})
    max_teams = fields.Integer(allow_none=True, validate=MAX_TEAMS, metadata={"description": "领题团队数上限; null: no limit"})


class ResearchTopicPatch(StrictSchema):
    year = fields.Integer(validate=YEAR, metadata={"description": "only while a draft"})
    title = Line(100, min_length=1)
    theme = Line(20, min_length=1)
    description = Text(2000)
    due_date = fields.Date(allow_none=True, validate=in_service_years)
    max_teams = fields.Integer(allow_none=True, validate=MAX_TEAMS, metadata={"description": "never below the teams that took it"})


class ResearchTopicQuery(PageArgs):
    scope = fields.String(validate=validate.OneOf(["managed", "open"], error="scope 应为 managed（所管区域的课题）或 open（可领题的课题）。"),
                          metadata={"description": "managed: the topics of the administrator's region and below "
                                                   "(default for administrators); open: the published topics the calling deputy may take"})
    region_id = Id()
    year = fields.Integer(validate=YEAR)
    theme = Line(20)
    status = Choice(TopicStatus, "课题状态", TOPIC_STATUS_LABELS)
    q = Line(50, metadata={"description": "part of the title"})


class EligibleMembersQuery(PageArgs):
    q = Line(50, metadata={"description": "part of the name"})


class ResearchTeamIn(StrictSchema):
    member_deputy_ids = fields.List(BodyId(), load_default=list, validate=Items(max=50),
                                    metadata={"description": "the other members (the caller leads)"})
    group_name = Line(50, load_default="", metadata={"description": "团队名称, e.g. 第三代表小组 (optional)"})


class ResearchReportIn(StrictSchema):
    title = Line(100, required=True)
    body = Text(20000, required=True, metadata={"description": "报告正文"})
    attachment_ids = fields.List(BodyId(), load_default=list, validate=Items(max=9),
                                 metadata={"description": "photos from POST /uploads (the lead's own, unused)"})


class ResearchReviewIn(StrictSchema):
    reason = Text(500, load_default="", metadata={"description": "退回修改: required"})


class ResearchInstructionIn(StrictSchema):
    instructed_by = Line(50, required=True, metadata={"description": "批示领导, e.g. 市委书记"})
    date = fields.Date(required=True, validate=in_service_years, metadata={"description": "批示日期 (China time), not in the future"})
    text = Text(1000, required=True, metadata={"description": "批示内容"})


class ResearchSummaryQuery(QuerySchema):
    year = fields.Integer(validate=YEAR, metadata={"description": "by default this year (China time)"})
    region_id = Id(metadata={"description": "that region's topics and those below it; by default the caller's"})


class MyResearchQuery(PageArgs):
    year = fields.Integer(validate=YEAR)


# --- out ------------------------------------------------------------------------------------------


class ResearchMemberOut(Schema):
    deputy_id = fields.Integer(required=True)
    name = fields.String(required=True)
    level_label = fields.String(required=True)
    is_lead = fields.Boolean(required=True)


class EligibleMemberOut(Schema):
    id = fields.Integer(required=True, metadata={"description": "for member_deputy_ids"})
    name = fields.String(required=True)
    level_label = fields.String(required=True, metadata={"description": "市人大代表…"})
    region_name = fields.String(required=True, metadata={"description": "the region they were elected in"})


class ResearchPhotoOut(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)


class ResearchReportOut(Schema):
    id = fields.Integer(required=True)
    team_id = fields.Integer(required=True)
    topic_id = fields.Integer(required=True)
    title = fields.String(required=True)
    body = fields.String(metadata={"description": "to the team's members and the topic's administrators"})
    status = fields.String(required=True, metadata={"description": "submitted 待审核, returned 退回修改, accepted 已通过"})
    status_label = fields.String(required=True)
    round = fields.Integer(required=True, metadata={"description": "submissions so far"})
    submitted_at = fields.DateTime(required=True)
    reviewed_at = fields.DateTime(allow_none=True, required=True)
    return_reason = fields.String(metadata={"description": "to the team's members and the topic's administrators"})
    instructed = fields.Boolean(required=True)
    late = fields.Boolean(required=True, metadata={"description": "逾期提交: (last) submitted after the topic's due_date, China time"})
    instructed_by = fields.String(metadata={"description": "to the team's members and the topic's administrators"})
    instruction_date = fields.Date(allow_none=True, metadata={"description": "to the team's members and the topic's administrators"})
    instruction_text = fields.String(metadata={"description": "to the team's members and the topic's administrators"})
    photos = fields.List(fields.Nested(ResearchPhotoOut))


class ResearchTeamOut(Schema):
    id = fields.Integer(required=True)
    topic_id = fields.Integer(required=True)
    name = fields.String(required=True, metadata={"description": "its group name, else 某某团队"})
    group_name = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "active 已领题, abandoned 已放弃"})
    status_label = fields.String(required=True)
    lead_deputy_id = fields.Integer(required=True)
    lead_name = fields.String(required=True)
    members = fields.List(fields.Nested(ResearchMemberOut), required=True)
    created_at = fields.DateTime(required=True)
    report = fields.Nested(ResearchReportOut, allow_none=True, required=True)


class ResearchTopicOut(Schema):
    id = fields.Integer(required=True)
    region_id = fields.Integer(required=True)
    region_name = fields.String(required=True)
    congress_name = fields.String(required=True, metadata={"description": "怀化市人大"})
    year = fields.Integer(required=True)
    title = fields.String(required=True)
    theme = fields.String(required=True)
    description = fields.String(required=True)
    due_date = fields.Date(allow_none=True, required=True)
    max_teams = fields.Integer(allow_none=True, required=True)
    teams_taken = fields.Integer(required=True, metadata={"description": "active teams"})
    status = fields.String(required=True, metadata={"description": "draft 草稿, published 已发布, withdrawn 已撤回"})
    status_label = fields.String(required=True)
    published_at = fields.DateTime(allow_none=True, required=True)
    can_take = fields.Boolean(metadata={"description": "a deputy: whether POST …/teams would take it now"})
    my_team_id = fields.Integer(allow_none=True, metadata={"description": "a deputy: their active team on it"})
    teams = fields.List(fields.Nested(ResearchTeamOut), metadata={"description": "one topic's answer only"})


class ResearchThemeFigures(Schema):
    theme = fields.String()
    topics_published = fields.Integer(required=True)
    topics_taken = fields.Integer(required=True, metadata={"description": "published topics with at least one team"})
    teams = fields.Integer(required=True, metadata={"description": "active teams"})
    reports_submitted = fields.Integer(required=True, metadata={"description": "reports written (any state)"})
    reports_awaiting = fields.Integer(required=True)
    reports_returned = fields.Integer(required=True)
    reports_accepted = fields.Integer(required=True)
    reports_instructed = fields.Integer(required=True, metadata={"description": "with a leader's instruction (批示)"})
    taken_rate = fields.Float(allow_none=True, required=True, metadata={"description": "topics_taken ÷ topics_published"})
    acceptance_rate = fields.Float(allow_none=True, required=True, metadata={"description": "reports_accepted ÷ reports_submitted"})
    instruction_rate = fields.Float(allow_none=True, required=True, metadata={"description": "reports_instructed ÷ reports_accepted"})


class ResearchSummaryOut(ResearchThemeFigures):
    year = fields.Integer(required=True)
    region_id = fields.Integer(required=True)
    region_name = fields.String(required=True)
    by_theme = fields.List(fields.Nested(ResearchThemeFigures), required=True)
    denominators = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class MyResearchTeamOut(ResearchTeamOut):
    topic = fields.Nested(ResearchTopicOut, required=True)
    role = fields.String(required=True, metadata={"description": "lead 牵头 or member 成员"})
    report_status_label = fields.String(required=True, metadata={"description": "未提交, 待审核, 退回修改 or 已通过"})

