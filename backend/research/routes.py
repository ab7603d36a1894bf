"""调研清单 API: /research/... — topics published by a congress's region administrators, taken by deputies
(揭榜领题), their reports reviewed and instructed on; /me/research for a deputy.

Who sees what: a topic belongs to one region; its administrators and those above manage it (anyone else
among administrators: 404). A deputy sees the published topics they may take (``scope=open``) and the topics
of their teams; a report's text is for its team's members and the topic's administrators.
"""
from schemas.research import (
    EligibleMemberOut,
    EligibleMembersQuery,
    ResearchInstructionIn,
    MyResearchQuery,
    MyResearchTeamOut,
    ResearchReportIn,
    ResearchReportOut,
    ResearchReviewIn,
    ResearchSummaryOut,
    ResearchSummaryQuery,
    ResearchTeamIn,
    ResearchTeamOut,
    ResearchTopicIn,
    ResearchTopicOut,
    ResearchTopicPatch,
    ResearchTopicQuery,
)
from schemas.common import page_of
from sqlalchemy.orm import selectinload

from ..auth.scope import (
    current_caller,
    current_user,
    get_or_404,
    login_required,
    managed_region,
    manages_region,
    roles_required,
)
from ..errors import APIError, not_found
from ..extensions import Blueprint, db
from ..idempotency import idempotent
from ..notifications import center
from ..org.models import Deputy, Region
from ..pagination import paginate
from . import services
from .models import ResearchReport, ResearchTeam, ResearchTopic, TopicStatus

blp = Blueprint("research", __name__, url_prefix="/api/v1/research", description="调研清单")
my_research = Blueprint("my_research", __name__, url_prefix="/api/v1/me", description="登录与身份")

region_admin = roles_required("region_admin")
NOT_FOUND = services.TOPIC_NOT_FOUND
TEAM_NOT_FOUND = "调研团队不存在。"
REPORT_NOT_FOUND = "调研报告不存在。"


def _topic(topic_id):
    return get_or_404(ResearchTopic, topic_id, NOT_FOUND, options=(selectinload(ResearchTopic.region),))


def managed_or_404(topic_id):
    topic = _topic(topic_id)
    if not manages_region(current_caller(), topic.region):
        raise not_found(NOT_FOUND)
    return topic


def _deputy(message="只有在任的人大代表可以领题。"):
    caller = current_caller()
    if "deputy" not in caller.roles:
        raise APIError(403, "forbidden", message)
    return db.session.get(Deputy, caller.deputy_id)


def scope_region(region_id):
    caller = current_caller()
    if region_id is None:
        return db.session.get(Region, caller.admin_region_id)
    region = get_or_404(Region, region_id, "区域不存在。")
    if not manages_region(caller, region):
        raise not_found("区域不存在。")
    return region


def readable_topic_or_404(topic_id):
    """A topic the caller may read: an administrator's in scope; a deputy's published (or since withdrawn) one
    within their reach, or one of their team's. Anything else is 404, as taking it is."""
    topic = _topic(topic_id)
    caller = current_caller()
    if manages_region(caller, topic.region):
        return topic, True
    if "deputy" in caller.roles:
        deputy = db.session.get(Deputy, caller.deputy_id)
        on_team = services.teams_of(deputy.id, [topic.id]).get(topic.id)
        if on_team or (topic.status is not TopicStatus.draft and services.may_take(deputy, topic)):
            return topic, False
    raise not_found(NOT_FOUND)


# --- presenting ------------------------------------------------------------------------------------------


def present_topic(topic, deputy=None, my_team_id=None, teams=None):
    out = {"id": topic.id, "region_id": topic.region_id, "region_name": topic.region.name,
           "congress_name": services.congress_name(topic.region), "year": topic.year, "title": topic.title,
           "theme": topic.theme, "description": topic.description, "due_date": topic.due_date,
           "max_teams": topic.max_teams, "teams_taken": topic.teams_taken, "status": topic.status.value,
           "status_label": topic.status_label, "published_at": topic.published_dt}
    if deputy is not None:
        out["my_team_id"] = my_team_id
        out["can_take"] = (my_team_id is None and topic.status is TopicStatus.published
                           and (topic.max_teams is None or topic.teams_taken < topic.max_teams)
                           and services.may_take(deputy, topic))
    if teams is not None:
        out["teams"] = teams
    return out


def present_report(report, full=True):
    """A report; ``full`` for its team's members and the topic's administrators: its text and photos, the
    reason it was returned and the leader's instruction. Anyone else reads its title and state only."""
    out = {"id": report.id, "team_id": report.team_id, "topic_id": report.topic_id, "title": report.title,
           "status": report.status.value, "status_label": report.status_label, "round": report.round,
           "submitted_at": report.submitted_dt, "reviewed_at": report.reviewed_dt, "instructed": report.instructed,
           "late": report.late}
    if full:
        out.update(return_reason=report.return_reason, instructed_by=report.instructed_by,
                   instruction_date=report.instruction_date, instruction_text=report.instruction_text)
        out["body"] = report.body
        out["photos"] = [{"id": p.upload_id, "url": f"/api/v1/uploads/{p.upload.key}"} for p in report.photos]
    return out


def present_team(team, full_report=False):
    members = [{"deputy_id": m.deputy_id, "name": m.deputy.name, "level_label": m.deputy.level_label,
                "is_lead": m.is_lead} for m in team.members if m.left_dt is None]
    return {"id": team.id, "topic_id": team.topic_id, "name": services.team_label(team), "group_name": team.group_name,
            "status": team.status.value, "status_label": team.status_label, "lead_deputy_id": team.lead_deputy_id,
            "lead_name": team.lead.name, "members": members, "created_at": team.created_dt,
            "report": present_report(team.report, full_report) if team.report is not None else None}


def _team_is_mine(team, caller):
    """The caller is on the team (or was when it was given up or its topic withdrawn); not once they left it,
    nor once they left office (as the topic and 我的调研 refuse them then)."""
    return "deputy" in caller.roles and any(m.deputy_id == caller.deputy_id and m.left_dt is None
                                            for m in team.members)


def present_teams(topic, caller, admin):
    return [present_team(team, admin or _team_is_mine(team, caller)) for team in services.teams_of_topic(topic.id)]


# --- topics ----------------------------------------------------------------------------------------------


@blp.get("/topics")
@login_required
@blp.arguments(ResearchTopicQuery, location="query")
@blp.response(200, page_of(ResearchTopicOut))
def list_topics(args):
    """课题列表：管理员（scope=managed，默认）看所管区域及下级区域的课题，可按区域、年度、主题、状态筛选；代表用 scope=open 看可领的已发布课题（含已领题团队数、本人是否已在团队中）。"""
    caller = current_caller()
    scope = args.get("scope") or ("open" if "deputy" in caller.roles and "region_admin" not in caller.roles else "managed")
    if scope == "open":
        deputy = _deputy()
        page = paginate(services.open_topics_query(deputy, args.get("year")), args)
        mine = services.teams_of(deputy.id, [t.id for t in page["items"]])
        return {**page, "items": [present_topic(t, deputy, mine.get(t.id)) for t in page["items"]]}
    if "region_admin" not in caller.roles:
        raise APIError(403, "forbidden", "调研课题由人大常委会的区域管理员发布和管理。")
    region = scope_region(args.get("region_id"))
    page = paginate(services.topics_query(region, args).options(selectinload(ResearchTopic.region)), args)
    return {**page, "items": [present_topic(t) for t in page["items"]]}


@blp.post("/topics")
@region_admin
@idempotent
@blp.arguments(ResearchTopicIn)
@blp.response(201, ResearchTopicOut)
def create_topic(data):
    """新建课题（草稿）：所管区域（默认本人所管区域）的人大发布；街道、村（社区）不设人民代表大会，不能发布。"""
    region = managed_region(current_caller(), data.get("region_id"))
    return present_topic(services.create_topic(region, data, current_user()), teams=[])


@blp.get("/topics/<int:topic_id>")
@login_required
@blp.response(200, ResearchTopicOut)
def get_topic(topic_id):
    """课题详情，含领题团队和报告状态；报告正文只给本团队成员和管理员。"""
    topic, admin = readable_topic_or_404(topic_id)
    caller = current_caller()
    deputy = None if admin else db.session.get(Deputy, caller.deputy_id)
    mine = services.teams_of(deputy.id, [topic.id]).get(topic.id) if deputy else None
    return present_topic(topic, deputy, mine, teams=present_teams(topic, caller, admin))


@blp.patch("/topics/<int:topic_id>")
@region_admin
@blp.arguments(ResearchTopicPatch)
@blp.response(200, ResearchTopicOut)
def update_topic(data, topic_id):
    """修改课题：草稿或已发布的课题；领题团队数上限不能少于已领题团队数；发布后不能改年度。"""
    topic = managed_or_404(topic_id)
    services.update_topic(topic, data, current_user())
    return present_topic(topic, teams=present_teams(topic, current_caller(), True))


@blp.delete("/topics/<int:topic_id>")
@region_admin
@blp.response(204)
def delete_topic(topic_id):
    """删除课题：只限草稿；已发布的请撤回。"""
    services.delete_topic(managed_or_404(topic_id), current_user())


@blp.post("/topics/<int:topic_id>/publish")
@region_admin
@blp.response(200, ResearchTopicOut)
def publish_topic(topic_id):
    """发布课题：草稿 → 已发布，本区域及下级区域的代表即可领题。"""
    topic = services.publish(managed_or_404(topic_id), current_user())
    return present_topic(topic, teams=present_teams(topic, current_caller(), True))


@blp.post("/topics/<int:topic_id>/withdraw")
@region_admin
@blp.response(200, ResearchTopicOut)
def withdraw_topic(topic_id):
    """撤回课题：只限尚无团队提交调研报告的已发布课题（否则 409）。"""
    topic = services.withdraw(managed_or_404(topic_id), current_user())
    return present_topic(topic, teams=present_teams(topic, current_caller(), True))


# --- teams -----------------------------------------------------------------------------------------------


@blp.post("/topics/<int:topic_id>/teams")
@login_required
@idempotent
@blp.arguments(ResearchTeamIn)
@blp.response(201, ResearchTeamOut)
def take_topic(data, topic_id):
    """揭榜领题（代表）：本人牵头，可同时列出团队成员（须同为可领题的在任代表）；每位代表每个课题只能参加一个团队；名额满即止。"""
    deputy = _deputy()
    topic = _topic(topic_id)
    if topic.status is TopicStatus.draft:
        raise not_found(NOT_FOUND)
    return present_team(services.take(topic, deputy, data), True)


@blp.get("/topics/<int:topic_id>/eligible-members")
@login_required
@blp.arguments(EligibleMembersQuery, location="query")
@blp.response(200, page_of(EligibleMemberOut))
def eligible_members(args, topic_id):
    """可列入团队的代表（在任代表领题时查找同事）：本课题领题范围内的在任代表，不含本人和已在本课题团队中的代表；按姓名查找，分页；只给姓名、代表层级和所在区域。"""
    deputy = _deputy()
    topic = _topic(topic_id)
    if topic.status is TopicStatus.draft or not services.may_take(deputy, topic):
        raise not_found(NOT_FOUND)
    if topic.status is TopicStatus.withdrawn:
        raise services.unavailable(topic)
    query = services.eligible_members_query(topic, deputy, args.get("q")).options(selectinload(Deputy.region))
    page = paginate(query, args)
    return {**page, "items": [{"id": d.id, "name": d.name, "level_label": d.level_label, "region_name": d.region.name}
                              for d in page["items"]]}


def _team(team_id):
    team = get_or_404(ResearchTeam, team_id, TEAM_NOT_FOUND)
    caller = current_caller()
    if _team_is_mine(team, caller) or ("deputy" in caller.roles and team.lead_deputy_id == caller.deputy_id):
        return team
    if manages_region(caller, team.topic.region):
        return team
    raise not_found(TEAM_NOT_FOUND)


@blp.get("/teams/<int:team_id>")
@login_required
@blp.response(200, ResearchTeamOut)
def get_team(team_id):
    """调研团队详情（团队成员、管理员），含报告。本人关于该团队的未读消息随之标为已读。"""
    team = _team(team_id)
    center.read_opened(current_caller().id, services.team_page(team.id))
    return present_team(team, True)


@blp.post("/teams/<int:team_id>/abandon")
@login_required
@blp.response(200, ResearchTeamOut)
def abandon_team(team_id):
    """放弃领题（牵头代表）：提交调研报告之前；名额随之让出。"""
    deputy = _deputy("只有在任的人大代表可以放弃领题。")
    team = _team(team_id)
    services.abandon(team, deputy.id)
    return present_team(team, True)


@blp.post("/teams/<int:team_id>/leave")
@login_required
@blp.response(200, ResearchTeamOut)
def leave_team(team_id):
    """退出团队（牵头代表列入的成员本人）：调研报告通过审核之前；退出后不再计分，可自行领题或参加其他团队；牵头代表不能退出（可放弃领题）。"""
    deputy = _deputy("只有调研团队的成员可以退出团队。")
    team = _team(team_id)
    services.leave(team, deputy.id)
    return present_team(team, False)


@blp.post("/teams/<int:team_id>/report")
@login_required
@idempotent
@blp.arguments(ResearchReportIn)
@blp.response(201, ResearchReportOut)
def submit_report(data, team_id):
    """提交调研报告（牵头代表）：首次提交，或被退回修改后重新提交；照片先经 POST /uploads 上传。"""
    _deputy("只有在任的人大代表可以提交调研报告。")
    team = _team(team_id)
    return present_report(services.submit_report(team, current_user(), data))


# --- reports ---------------------------------------------------------------------------------------------


def _managed_report(report_id):
    report = get_or_404(ResearchReport, report_id, REPORT_NOT_FOUND)
    if not manages_region(current_caller(), report.topic.region):
        raise not_found(REPORT_NOT_FOUND)
    return report


@blp.get("/reports/<int:report_id>")
@login_required
@blp.response(200, ResearchReportOut)
def get_report(report_id):
    """调研报告（本团队成员、管理员）。"""
    report = get_or_404(ResearchReport, report_id, REPORT_NOT_FOUND)
    caller = current_caller()
    if not (_team_is_mine(report.team, caller) or manages_region(caller, report.topic.region)):
        raise not_found(REPORT_NOT_FOUND)
    return present_report(report)


@blp.post("/reports/<int:report_id>/accept")
@region_admin
@blp.response(200, ResearchReportOut)
def accept_report(report_id):
    """审核通过：团队每位成员按评分细则“调研报告通过审核”计分（只计一次），并通知牵头代表。"""
    return present_report(services.review(_managed_report(report_id), current_user(), True))


@blp.post("/reports/<int:report_id>/return")
@region_admin
@blp.arguments(ResearchReviewIn)
@blp.response(200, ResearchReportOut)
def return_report(data, report_id):
    """退回修改：须写明理由，通知牵头代表修改后重新提交。"""
    return present_report(services.review(_managed_report(report_id), current_user(), False, data["reason"]))


@blp.post("/reports/<int:report_id>/instruction")
@region_admin
@blp.arguments(ResearchInstructionIn)
@blp.response(200, ResearchReportOut)
def instruct_report(data, report_id):
    """登记领导批示：只限已通过审核的报告，批示日期不晚于今天；团队每位成员按“调研报告获领导批示”计分。"""
    return present_report(services.instruct(_managed_report(report_id), current_user(), data))


# --- the list's figures ----------------------------------------------------------------------------------


@blp.get("/summary")
@region_admin
@blp.arguments(ResearchSummaryQuery, location="query")
@blp.response(200, ResearchSummaryOut)
def summary(args):
    """调研清单年度情况：发布课题数、已领题课题数、团队数、提交报告数、通过数、获批示数及按主题分列，比率注明分母。"""
    region = scope_region(args.get("region_id"))
    return services.summary(region, args.get("year") or services.this_year())


# --- a deputy --------------------------------------------------------------------------------------------


@my_research.get("/research")
@login_required
@my_research.arguments(MyResearchQuery, location="query")
@my_research.response(200, page_of(MyResearchTeamOut))
def list_my_research(args):
    """我的调研（代表本人）：参加的调研团队（牵头或成员）、课题和报告状态。"""
    deputy = _deputy("只有人大代表可以查看自己的调研。")
    page = paginate(services.deputy_research(deputy.id, args.get("year")), args, rows=True)
    items = []
    for member, team, topic, report in page["items"]:
        items.append({**present_team(team, True), "topic": present_topic(topic, deputy, team.id),
                      "role": "lead" if member.is_lead else "member",
                      "report_status_label": services.report_status_label(team, report)})
    return {**page, "items": items}
