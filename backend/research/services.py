"""调研清单: the steps on research topics, teams and reports, each in the request's transaction with its line
in the 操作日志 (the administrators' steps) and its notice in the outbox; and the queries the API, the
console and the 履职档案 share.

Who may take a topic (揭榜领题) is the 揭榜 rule of activities, seen from a region: a deputy in office elected
in the topic's region or below it, or received at a station there (``reach_clause``, the scope rules' own for
that region, as 联系清单's). A deputy is on at most one active team per topic (a partial unique index), and
a topic's ``max_teams`` holds however many take it at once: the team is counted on the topic's row by one
conditional UPDATE before it is written, and the one that finds no place left writes nothing.
"""
from datetime import date
from types import SimpleNamespace

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from schemas.common import is_blank

from ..audit.log import record
from ..auth.models import User
from ..auth.scope import RegionRef, deputy_scope_clause, nearest_region_administrators, region_subtree_clause
from ..db_types import CHINA, utcnow
from ..errors import APIError, conflict, not_found, validation_failed
from ..extensions import db
from ..notifications.outbox import china_time, enqueue, thing
from ..org import congress
from ..org.models import Deputy, Region
from ..points.ledger import credit
from ..uploads.models import Upload
from .models import (
    REPORT_STATUS_LABELS,
    TEAM_STATUS_LABELS,
    ReportStatus,
    ResearchReport,
    ResearchReportPhoto,
    ResearchTeam,
    ResearchTeamMember,
    ResearchTopic,
    TeamStatus,
    TopicStatus,
)

TEMPLATE = "research"  # 调研课题进展通知: the lead told of a review, the topic's administrators of a report
ACCEPTED_RULE = "research_report_accepted"
INSTRUCTED_RULE = "research_report_instructed"
SOURCE = "research_report"
MAX_MEMBERS = 20  # besides the lead: a deputy group (代表小组) is about 15–20 deputies
MAX_PHOTOS = 9
REPORT_PAGE = "pages/research/team?id="
TOPIC_NOT_FOUND = "调研课题不存在。"


def team_page(team_id):
    """The mini-program page a team's notices open: the team, with its report."""
    return f"{REPORT_PAGE}{team_id}"


def today():
    """Today in China, where a topic's year and an instruction's day are read."""
    return utcnow().astimezone(CHINA).date()


def this_year():
    return today().year


def _log(action, actor, topic, detail=None):
    record(action, actor, ("research_topic", topic.id, topic.title), topic.region_id, detail)


def _refuse(field, message):
    raise validation_failed({field: [message]}, message)


def _names(names, limit=10):
    shown = "、".join(names[:limit])
    return shown + (f"等 {len(names)} 位" if len(names) > limit else "")


def congress_name(region):
    return f"{region.name}人大"


# --- topics ----------------------------------------------------------------------------------------------


NO_CONGRESS = {"subdistrict": "街道不设人民代表大会（设人大工委）", "village": "村（社区）不设人民代表大会"}


def refuse_without_congress(region, field="region_id"):
    """A topic is a people's congress's: refused (422) for a region without one (a 街道, a village)."""
    if congress.congress_level(region) is not None:
        return
    why = "subdistrict" if congress.is_subdistrict(region) else "village"
    _refuse(field, f"{NO_CONGRESS[why]}，调研课题只能由设有人民代表大会的区域发布。")


DUE_PAST = "报告截止日期不能早于今天。"


def _refuse_past_due(due_date, message=DUE_PAST):
    """A due date before today (China time) would mark every report 逾期: refused under ``due_date``."""
    if due_date is not None and due_date < today():
        _refuse("due_date", message)


def create_topic(region, data, actor):
    refuse_without_congress(region)
    _refuse_past_due(data.get("due_date"))
    topic = ResearchTopic(region_id=region.id, year=data.get("year") or this_year(), title=data["title"],
                          theme=data["theme"], description=data.get("description", ""), due_date=data.get("due_date"),
                          max_teams=data.get("max_teams"), teams_taken=0, status=TopicStatus.draft,
                          created_by_id=actor.id, created_dt=utcnow())
    db.session.add(topic)
    db.session.flush()
    _log("research_topic_created", actor, topic, {"year": topic.year, "theme": topic.theme})
    return topic


# Locks. Every step that decides on a row's state first makes a conditional UPDATE of that row (its status
# set to itself, ``WHERE status IN expected``), and only then reads what it decides on. On PostgreSQL the
# UPDATE takes the row's lock; on SQLite (whose driver opens the write transaction at the first DML and which
# ignores FOR UPDATE) it takes the database's write lock: either way a step raced by another waits for it and
# then reads the state it left. The order is the same everywhere, so that two steps never wait for each
# other (a deadlock, PostgreSQL's 503): the topic's row first, then the team's, then the report's.


def _hold(model, row_id, expected, gone):
    """The row's status after holding it to the request's end when it is one of ``expected`` (the conditional
    UPDATE above); when it is not, the status found (nothing held: the caller refuses); ``gone`` (an
    APIError) raised when the row is no longer there, deleted by a step that came first."""
    held = db.session.execute(update(model).where(model.id == row_id, model.status.in_(expected))
                              .values(status=model.status).execution_options(synchronize_session=False)).rowcount
    status = db.session.scalar(select(model.status).where(model.id == row_id))
    if status is None:
        raise gone
    return status, bool(held)


def _held(topic, *expected):
    """The topic's status, its row held (as above) when it is one of ``expected`` (by default: published);
    its status, teams taken and team limit read again. A topic deleted meanwhile: 404."""
    status, held = _hold(ResearchTopic, topic.id, expected or (TopicStatus.published,), not_found(TOPIC_NOT_FOUND))
    if held:
        db.session.refresh(topic, ["status", "teams_taken", "max_teams"])
    return status


EDITABLE = ("title", "theme", "description", "due_date", "max_teams", "year")


def update_topic(topic, data, actor):
    """修改课题: a draft or a published one (a withdrawn one: 409); its team limit never below the teams that
    took it (422)."""
    if _held(topic, TopicStatus.draft, TopicStatus.published) is TopicStatus.withdrawn:
        raise conflict("课题已撤回，不能修改。", "invalid_transition")
    if "year" in data and data["year"] != topic.year and topic.status is not TopicStatus.draft:
        _refuse("year", "课题发布后不能修改年度。")
    if data.get("due_date") != topic.due_date:  # one already passed stays while the rest is edited
        _refuse_past_due(data.get("due_date"))
    if data.get("max_teams") is not None and data["max_teams"] < topic.teams_taken:
        _refuse("max_teams", f"领题团队数上限不能少于已领题的 {topic.teams_taken} 个团队。")
    changes = {}
    for key in EDITABLE:
        if key in data and data[key] != getattr(topic, key):
            before, after = getattr(topic, key), data[key]
            changes[key] = [before.isoformat() if isinstance(before, date) else before,
                            after.isoformat() if isinstance(after, date) else after]
            setattr(topic, key, data[key])
    if changes:
        db.session.flush()
        _log("research_topic_updated", actor, topic,
             {key: value if key != "description" else [value[0][:100] if value[0] else "", (value[1] or "")[:100]]
              for key, value in changes.items()})
    return changes


def publish(topic, actor):
    """发布: a draft becomes open to the deputies it is for."""
    gone = db.session.execute(update(ResearchTopic).where(ResearchTopic.id == topic.id,
                                                          ResearchTopic.status == TopicStatus.draft)
                              .values(status=TopicStatus.published, published_dt=utcnow())
                              .execution_options(synchronize_session=False)).rowcount
    if db.session.scalar(select(ResearchTopic.id).where(ResearchTopic.id == topic.id)) is None:
        raise not_found(TOPIC_NOT_FOUND)  # deleted by a step that came first
    db.session.refresh(topic)
    if not gone:
        raise conflict("只有草稿状态的课题可以发布。" if topic.status is TopicStatus.withdrawn else "课题已发布。",
                       "invalid_transition")
    _refuse_past_due(topic.due_date, "报告截止日期已过，请先修改报告截止日期。")  # the draft waited too long
    _log("research_topic_published", actor, topic, {"year": topic.year, "theme": topic.theme})
    return topic


def _reports_in(topic_id):
    """SQL: how many reports the topic's active teams have written (submitted at least once)."""
    return (select(func.count()).select_from(ResearchReport)
            .join(ResearchTeam, ResearchTeam.id == ResearchReport.team_id)
            .where(ResearchReport.topic_id == topic_id, ResearchTeam.status == TeamStatus.active))


def withdraw(topic, actor):
    """撤回: only while no team has submitted a report (409 afterwards: the reports stand). The topic's row is
    held first, so that a report submitted at the same instant either comes first and is counted, or waits
    and finds the topic withdrawn. Its active teams end (``withdrawn``, 课题已撤回: their members still see
    them, the year's figures and the archive's counts leave them out) and each lead is told."""
    status = _held(topic)
    if status is not TopicStatus.published:
        raise conflict("只有已发布的课题可以撤回；草稿可直接删除。" if status is TopicStatus.draft else "课题已撤回。",
                       "invalid_transition")
    reports = db.session.scalar(_reports_in(topic.id))
    if reports:
        raise conflict(f"已有 {reports} 个团队提交了调研报告，课题不能撤回。")
    topic.status, topic.withdrawn_dt = TopicStatus.withdrawn, utcnow()
    teams = db.session.scalars(select(ResearchTeam).where(ResearchTeam.topic_id == topic.id,
                                                          ResearchTeam.status == TeamStatus.active)).all()
    for team in teams:
        team.status = TeamStatus.withdrawn
    db.session.flush()
    _log("research_topic_withdrawn", actor, topic, {"teams": topic.teams_taken})
    for team in teams:
        _tell_deputy(team.lead_deputy_id, topic, "已撤回", "课题已撤回，无需再提交调研报告", team.id,
                     f"{TEMPLATE}:withdrawn:{topic.id}:{team.id}")
    return topic


def delete_topic(topic, actor):
    """删除: a draft only (nobody has seen it); a published topic is withdrawn instead, and a withdrawn one
    stays (its teams still read it)."""
    if (status := _held(topic, TopicStatus.draft)) is not TopicStatus.draft:
        raise conflict("课题已撤回，不能删除。" if status is TopicStatus.withdrawn
                       else "已发布的课题不能删除；如不再征集，请撤回。", "invalid_transition")
    _log("research_topic_deleted", actor, topic, {"year": topic.year, "theme": topic.theme})
    db.session.delete(topic)
    db.session.flush()


# --- who may take a topic --------------------------------------------------------------------------------


def reach_clause(region):
    """SQL condition on ``Deputy``: the deputies a topic of ``region`` is for — elected in its subtree or
    received at one of its stations (the scope rules' own, for that region: 揭榜's rule seen from a region)."""
    return deputy_scope_clause(SimpleNamespace(admin_region=RegionRef(region.id, region.path),
                                               is_station_admin=False, id=None))


def reachable_region_ids(deputy):
    """The regions whose topics ``deputy`` may take: their own region and those above it, and every region
    above (or at) a station they are received at."""
    ids = set(deputy.region.path_ids)
    for station in deputy.stations:
        ids.update(station.region.path_ids)
    return ids


def may_take(deputy, topic):
    return deputy is not None and deputy.active and topic.region_id in reachable_region_ids(deputy)


def open_topics_query(deputy, year=None):
    """The published topics ``deputy`` may take, newest first."""
    query = (select(ResearchTopic).where(ResearchTopic.status == TopicStatus.published,
                                         ResearchTopic.region_id.in_(reachable_region_ids(deputy)))
             .order_by(ResearchTopic.year.desc(), ResearchTopic.published_dt.desc(), ResearchTopic.id.desc()))
    if year:
        query = query.where(ResearchTopic.year == year)
    return query


def teams_of(deputy_id, topic_ids):
    """{topic id: the deputy's active team there} for ``topic_ids``."""
    if not topic_ids:
        return {}
    return dict(db.session.execute(
        select(ResearchTeamMember.topic_id, ResearchTeamMember.team_id)
        .where(ResearchTeamMember.deputy_id == deputy_id, ResearchTeamMember.active.is_(True),
               ResearchTeamMember.topic_id.in_(topic_ids))).all())


# --- teams (揭榜领题) --------------------------------------------------------------------------------------


def unavailable(topic):
    if topic.status is TopicStatus.withdrawn:
        return conflict("该课题已撤回，不能再领题。", "invalid_transition")
    if topic.status is TopicStatus.draft:
        return conflict("该课题尚未发布。", "invalid_transition")
    return conflict(f"该课题领题名额已满（共 {topic.max_teams} 个团队）。", "invalid_transition")


def take(topic, lead, data):
    """揭榜领题: ``lead`` (a deputy in office the topic is for; for anyone else it is not found, 404) takes the topic with the members named (each one
    the topic is for too: 422 naming those who are not). A deputy already on a team of the topic: 409."""
    if not may_take(lead, topic):
        # Out of reach, the topic is not theirs to see either: the same 404 as reading it, or an id not there.
        raise not_found(TOPIC_NOT_FOUND)
    if topic.status is not TopicStatus.published:
        raise unavailable(topic)
    ids = [i for i in dict.fromkeys(data.get("member_deputy_ids") or []) if i != lead.id]
    if len(ids) > MAX_MEMBERS:
        _refuse("member_deputy_ids", f"调研团队成员最多 {MAX_MEMBERS} 位（不含牵头代表）。")
    found = {row.id: row for row in db.session.execute(
        select(Deputy.id, Deputy.name, Deputy.active).where(Deputy.id.in_(ids), reach_clause(topic.region)))} if ids else {}
    unknown = [str(i) for i in ids if i not in found]
    if unknown:
        _refuse("member_deputy_ids", f"以下代表不存在或不在本课题的领题范围内（编号）：{_names(unknown)}。")
    left = [found[i].name for i in ids if not found[i].active]
    if left:
        _refuse("member_deputy_ids", f"以下代表已离任，不能参加调研团队：{_names(left)}。")
    taken = teams_of_deputies(topic.id, [lead.id, *ids])
    if lead.id in taken:
        raise conflict("您已在本课题的调研团队中，每个课题只能参加一个团队。")
    if taken:
        raise conflict(f"以下代表已在本课题的其他调研团队中：{_names([found[i].name for i in ids if i in taken])}。")
    counted = db.session.execute(
        update(ResearchTopic).where(
            ResearchTopic.id == topic.id, ResearchTopic.status == TopicStatus.published,
            (ResearchTopic.max_teams.is_(None)) | (ResearchTopic.teams_taken < ResearchTopic.max_teams))
        .values(teams_taken=ResearchTopic.teams_taken + 1).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(topic)
    if not counted:
        raise unavailable(topic)
    team = ResearchTeam(topic_id=topic.id, lead_deputy_id=lead.id, group_name=data.get("group_name", ""),
                        status=TeamStatus.active, created_dt=utcnow())
    db.session.add(team)
    db.session.flush()
    db.session.add_all([ResearchTeamMember(team_id=team.id, topic_id=topic.id, deputy_id=deputy_id,
                                           is_lead=deputy_id == lead.id, active=True)
                        for deputy_id in [lead.id, *ids]])
    db.session.flush()
    for deputy_id in ids:  # named without being asked: told, and free to leave (``leave``)
        _tell_deputy(deputy_id, topic, "已列入团队", f"您已被列入调研团队（{lead.name}牵头）", team.id,
                     f"{TEMPLATE}:team:{team.id}:member:{deputy_id}")
    return team


def eligible_members_query(topic, lead, q=None):
    """The deputies ``lead`` may name on a team for ``topic`` (whom ``take`` accepts): in office, the topic is
    for them (``reach_clause``), not the lead, not on an active team of the topic; ``q`` part of the name.
    In id order, as the deputies' list."""
    on_teams = select(ResearchTeamMember.deputy_id).where(ResearchTeamMember.topic_id == topic.id,
                                                          ResearchTeamMember.active.is_(True))
    query = (select(Deputy).where(Deputy.active.is_(True), reach_clause(topic.region), Deputy.id != lead.id,
                                  Deputy.id.not_in(on_teams))
             .order_by(Deputy.id))
    if q:
        query = query.where(Deputy.name.contains(q, autoescape=True))
    return query


def teams_of_deputies(topic_id, deputy_ids):
    """The deputies of ``deputy_ids`` on an active team of the topic."""
    return set(db.session.scalars(select(ResearchTeamMember.deputy_id).where(
        ResearchTeamMember.topic_id == topic_id, ResearchTeamMember.deputy_id.in_(deputy_ids),
        ResearchTeamMember.active.is_(True))))


def _held_team(team):
    """The team's status, its row held (as ``_held``: after the topic's, when the step holds both) while it is
    active: a report and 放弃 at the same instant come one after the other."""
    status, held = _hold(ResearchTeam, team.id, (TeamStatus.active,), not_found("调研团队不存在。"))
    if held:
        db.session.refresh(team, ["status"])
    return status


def _lead_only(team, deputy_id):
    if team.lead_deputy_id != deputy_id:
        raise APIError(403, "forbidden", "只有牵头代表可以办理。")


def _ended(status):
    if status is TeamStatus.withdrawn:
        return conflict("该课题已撤回，调研团队随之结束。", "invalid_transition")
    return conflict("已放弃领题。", "invalid_transition")


def abandon(team, deputy_id):
    """放弃领题: the lead gives the topic up before a report is submitted; the place is free again, and the
    team's deputies may join another team of the topic."""
    _lead_only(team, deputy_id)
    _held(team.topic, *TopicStatus)  # the topic's row first (its teams taken are counted down), then the team's
    if (status := _held_team(team)) is not TeamStatus.active:
        raise _ended(status)
    if db.session.scalar(select(ResearchReport.id).where(ResearchReport.team_id == team.id)) is not None:
        raise conflict("已提交调研报告，不能放弃领题。", "invalid_transition")
    team.status, team.abandoned_dt = TeamStatus.abandoned, utcnow()
    db.session.execute(update(ResearchTeamMember).where(ResearchTeamMember.team_id == team.id).values(active=False)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(ResearchTopic).where(ResearchTopic.id == team.topic_id)
                       .values(teams_taken=ResearchTopic.teams_taken - 1).execution_options(synchronize_session=False))
    db.session.flush()
    db.session.expire(team, ["members"])
    return team


def leave(team, deputy_id):
    """退出团队: a member the lead named leaves the team, until its report is accepted (409 after; the lead
    cannot: they give the topic up instead). Their row stays, inactive, with when they left: they no
    longer read the team, are credited nothing for its report, and may take the topic or join another
    team. The report's row is held first, so that a review at the same instant either comes first (and
    this is refused) or waits and credits the members still on the team. The lead is told."""
    if team.lead_deputy_id == deputy_id:
        raise conflict("牵头代表不能退出团队；如不再调研，请放弃领题。", "invalid_transition")
    if (status := _held_team(team)) is not TeamStatus.active:
        raise _ended(status)
    # The report's row next (a review moves it by a conditional UPDATE: ``_moved``), unless accepted.
    held = db.session.execute(update(ResearchReport).where(ResearchReport.team_id == team.id,
                                                           ResearchReport.status != ReportStatus.accepted)
                              .values(status=ResearchReport.status).execution_options(synchronize_session=False))
    if not held.rowcount and db.session.scalar(select(ResearchReport.id).where(ResearchReport.team_id == team.id)):
        raise conflict("调研报告已通过审核，不能退出团队。", "invalid_transition")
    gone = db.session.execute(update(ResearchTeamMember).where(
        ResearchTeamMember.team_id == team.id, ResearchTeamMember.deputy_id == deputy_id,
        ResearchTeamMember.active.is_(True)).values(active=False, left_dt=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if not gone:
        raise conflict("您已不在该调研团队中。", "invalid_transition")
    db.session.flush()
    db.session.expire(team, ["members"])
    name = db.session.scalar(select(Deputy.name).where(Deputy.id == deputy_id))
    _tell_deputy(team.lead_deputy_id, team.topic, "成员退出", f"{name}已退出调研团队", team.id,
                 f"{TEMPLATE}:team:{team.id}:left:{deputy_id}")
    return team


# --- reports ---------------------------------------------------------------------------------------------


def _photos(owner_id, ids, report_id=None):
    """The lead's own uploads ``ids`` for a report, in the order given: none attached to a suggestion or to
    another report. Their rows are locked (in id order, as filing a suggestion locks them) before they are
    checked, in a statement of its own: a suggestion filed with the same photo at the same instant either
    holds them first, and this waits and finds the photo taken (422), or waits for this report."""
    ids = list(dict.fromkeys(ids or []))
    if len(ids) > MAX_PHOTOS:
        _refuse("attachment_ids", f"最多附 {MAX_PHOTOS} 张照片。")
    if not ids:
        return []
    db.session.execute(select(Upload.id).where(Upload.id.in_(ids)).order_by(Upload.id).with_for_update())
    elsewhere = select(ResearchReportPhoto.upload_id).where(ResearchReportPhoto.upload_id.in_(ids))
    if report_id is not None:
        elsewhere = elsewhere.where(ResearchReportPhoto.report_id != report_id)
    usable = set(db.session.scalars(select(Upload.id).where(
        Upload.id.in_(ids), Upload.owner_id == owner_id, Upload.suggestion_id.is_(None), Upload.id.not_in(elsewhere))))
    if len(usable) != len(ids):
        _refuse("attachment_ids", "照片不存在或已被使用，请重新上传。")
    return ids


def submit_report(team, user, data):
    """提交调研报告 by the lead: the first time, or again after it was returned (退回修改); the topic's
    administrators are told. Refused while it waits for review or once accepted (409), for a team given up,
    and for a topic withdrawn."""
    _lead_only(team, user.deputy_id)
    topic = team.topic
    if _held(topic) is not TopicStatus.published:
        raise conflict("该课题已撤回，不能提交调研报告。", "invalid_transition")
    if (status := _held_team(team)) is not TeamStatus.active:
        raise (_ended(status) if status is TeamStatus.withdrawn
               else conflict("已放弃领题，不能提交调研报告。", "invalid_transition"))
    report = db.session.scalar(select(ResearchReport).where(ResearchReport.team_id == team.id)
                               .execution_options(populate_existing=True))
    if report is not None and report.status is ReportStatus.submitted:
        raise conflict("调研报告正在审核，请等待审核结果。", "invalid_transition")
    if report is not None and report.status is ReportStatus.accepted:
        raise conflict("调研报告已通过审核，不能再修改。", "invalid_transition")
    photos = _photos(user.id, data.get("attachment_ids"), report.id if report is not None else None)
    now = utcnow()
    if report is None:
        report = ResearchReport(team_id=team.id, topic_id=topic.id, title=data["title"], body=data["body"],
                                status=ReportStatus.submitted, round=1, submitted_dt=now)
        db.session.add(report)
    else:
        report.title, report.body, report.status = data["title"], data["body"], ReportStatus.submitted
        report.round, report.submitted_dt = report.round + 1, now
        db.session.execute(ResearchReportPhoto.__table__.delete().where(ResearchReportPhoto.report_id == report.id))
    db.session.flush()
    db.session.add_all([ResearchReportPhoto(report_id=report.id, upload_id=upload_id, position=position)
                        for position, upload_id in enumerate(photos)])
    db.session.flush()
    db.session.expire(report, ["photos"])
    _tell_administrators(report, team)
    return report


def _not_waiting(report):
    return conflict(f"该调研报告{REPORT_STATUS_LABELS[report.status.value]}，不在待审核状态。", "invalid_transition")


def _moved(report, where, **values):
    """One conditional UPDATE of the report's row (``where`` besides its id), then the row read again: True if
    this request moved it. Two reviews at once, on any database, find one of them first and the other
    nothing left to move."""
    moved = db.session.execute(update(ResearchReport).where(ResearchReport.id == report.id, *where).values(**values)
                               .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(report)
    return bool(moved)


def review(report, actor, accepted, reason=""):
    """审核: 通过 (every member of the team credited ``research_report_accepted``, once) or 退回修改 with a reason
    (the lead resubmits). Only a report waiting for review (409 otherwise, and for the later of two reviews
    at once: the status moves by a conditional UPDATE)."""
    if report.status is not ReportStatus.submitted:
        raise _not_waiting(report)
    if not accepted and is_blank(reason):
        _refuse("reason", "请填写退回修改的理由。")
    if not _moved(report, [ResearchReport.status == ReportStatus.submitted],
                  status=ReportStatus.accepted if accepted else ReportStatus.returned, reviewed_dt=utcnow(),
                  reviewed_by_id=actor.id, return_reason="" if accepted else reason):
        raise _not_waiting(report)
    topic, team = report.topic, report.team
    detail = {"team": team_label(team), "report": report.title}
    if accepted:
        detail["points"] = _credit(report, ACCEPTED_RULE, f"调研报告通过审核：{report.title}")
        _log("research_report_accepted", actor, topic, detail)
        _tell_lead(report, "已通过", "调研报告已通过审核", "accepted")
    else:
        _log("research_report_returned", actor, topic, detail | {"reason": reason[:200]})
        _tell_lead(report, "退回修改", reason, f"returned:{report.round}")
    return report


def _not_instructable(report):
    if report.status is not ReportStatus.accepted:
        return conflict("只有通过审核的调研报告才能登记领导批示。", "invalid_transition")
    return conflict("该调研报告已登记领导批示。")


def instruct(report, actor, data):
    """登记领导批示 on an accepted report: who instructed, the day (from the report's acceptance to today, China
    time: 422 otherwise), what they wrote; every member of the team credited ``research_report_instructed``,
    once. One instruction a report (409 for a second, and for the later of two at once)."""
    if report.status is not ReportStatus.accepted or report.instructed:
        raise _not_instructable(report)
    if data["date"] > today():
        _refuse("date", "批示日期不能晚于今天。")
    if data["date"] < (accepted_on := accepted_day(report)):
        _refuse("date", f"批示日期不能早于调研报告通过审核的日期（{accepted_on.isoformat()}）。")
    if not _moved(report, [ResearchReport.status == ReportStatus.accepted, ResearchReport.instruction_date.is_(None)],
                  instructed_by=data["instructed_by"], instruction_date=data["date"], instruction_text=data["text"],
                  instruction_recorded_dt=utcnow(), instruction_recorded_by_id=actor.id):
        raise _not_instructable(report)
    points = _credit(report, INSTRUCTED_RULE, f"调研报告获领导批示：{report.title}")
    _log("research_report_instructed", actor, report.topic, {
        "team": team_label(report.team), "report": report.title, "instructed_by": report.instructed_by,
        "instruction_date": report.instruction_date.isoformat(), "points": points})
    _tell_lead(report, "获领导批示", f"{report.instructed_by}批示", "instructed")
    return report


def accepted_day(report):
    """The day (China time) an accepted report was accepted: its instruction is dated no earlier."""
    return report.reviewed_dt.astimezone(CHINA).date()


def creditable_member_ids(team_id):
    """The team's members credited for its report: those still on the team and still in office (a deputy
    who left office is credited nothing)."""
    return db.session.scalars(
        select(ResearchTeamMember.deputy_id).join(Deputy, Deputy.id == ResearchTeamMember.deputy_id)
        .where(ResearchTeamMember.team_id == team_id, ResearchTeamMember.active.is_(True), Deputy.active.is_(True))
        .order_by(ResearchTeamMember.id)).all()


def _credit(report, rule_code, reason):
    """The rule's points to every member of the report's team still on it and in office, counted in the
    topic's year; a member credited already for this report (a line can only be credited once per source)
    gets nothing more."""
    year = report.topic.year
    return sum(credit(deputy_id, rule_code, SOURCE, report.id, reason=reason, year=year)
               for deputy_id in creditable_member_ids(report.team_id))


def team_label(team):
    return team.group_name or f"{team.lead.name}团队"


# --- notices ---------------------------------------------------------------------------------------------


def _tell_deputy(deputy_id, topic, result, note, team_id, dedupe_key):
    """A ``research`` notice to the deputy's WeChat user, opening the team's page."""
    user = db.session.scalar(select(User).where(User.deputy_id == deputy_id))
    enqueue(user, TEMPLATE, {"thing1": thing(topic.title), "phrase2": result, "thing3": thing(note),
                             "time4": china_time(utcnow())},
            page=team_page(team_id), dedupe_key=dedupe_key)


def _tell_lead(report, result, note, key):
    _tell_deputy(report.team.lead_deputy_id, report.topic, result, note, report.team_id,
                 f"{TEMPLATE}:{report.id}:{key}")


def topic_administrators(region):
    """Who is told of what waits for a topic's administrators: the administrators (accounts not disabled) of
    the topic's region, or, when it has none, of the nearest region above it that has any — those who
    manage the topic (a city's administrators publish and review a county's topic when the county has no
    administrator of its own)."""
    return nearest_region_administrators(region)


def _tell_administrators(report, team):
    """A new report (or one resubmitted) to the topic's administrators (``topic_administrators``: their console
    accounts' linked WeChat users): 待审核."""
    admins = topic_administrators(report.topic.region)
    data = {"thing1": thing(report.topic.title), "phrase2": "待审核", "thing3": thing(f"{team_label(team)}提交了调研报告"),
            "time4": china_time(report.submitted_dt)}
    for admin in admins:
        enqueue(admin, TEMPLATE, data, page=team_page(team.id),
                dedupe_key=f"{TEMPLATE}:{report.id}:submitted:{report.round}:{admin.id}")


# --- lists and figures -----------------------------------------------------------------------------------


def topics_query(region, args):
    """Topics of ``region``'s subtree, newest first, filtered by year, theme, status."""
    query = (select(ResearchTopic).where(region_subtree_clause(ResearchTopic.region_id, region))
             .order_by(ResearchTopic.year.desc(), ResearchTopic.created_dt.desc(), ResearchTopic.id.desc()))
    if args.get("year"):
        query = query.where(ResearchTopic.year == args["year"])
    if args.get("theme"):
        query = query.where(ResearchTopic.theme == args["theme"])
    if args.get("status"):
        query = query.where(ResearchTopic.status == args["status"])
    if args.get("q"):
        query = query.where(ResearchTopic.title.contains(args["q"], autoescape=True))
    return query


TOPICS_AT_ONCE = 500  # topics whose teams one statement reads (a list of their ids)


def _team_loading(photos):
    """What a team is shown with, read with the teams, a statement each whatever their number: its lead, its
    members and their deputies (not the deputies' QR codes), its report and, for its page, the report's photos."""
    report = selectinload(ResearchTeam.report)
    return (joinedload(ResearchTeam.lead).lazyload(Deputy.live_qr),
            selectinload(ResearchTeam.members).joinedload(ResearchTeamMember.deputy).lazyload(Deputy.live_qr),
            report.selectinload(ResearchReport.photos).joinedload(ResearchReportPhoto.upload) if photos else report)


def teams_by_topic(topic_ids, active_only=False, photos=False):
    """{topic id: its teams} for ``topic_ids``, in a few statements per TOPICS_AT_ONCE topics (a province's year
    of hundreds of topics read each topic's teams, and each team's report and members, one by one);
    ``active_only``: not those given up (a withdrawn topic's teams stay, 课题已撤回)."""
    topic_ids = list(topic_ids)
    teams = {topic_id: [] for topic_id in topic_ids}
    for start in range(0, len(topic_ids), TOPICS_AT_ONCE):
        query = (select(ResearchTeam).where(ResearchTeam.topic_id.in_(topic_ids[start:start + TOPICS_AT_ONCE]))
                 .order_by(ResearchTeam.status, ResearchTeam.created_dt, ResearchTeam.id)
                 .options(*_team_loading(photos)))
        if active_only:
            query = query.where(ResearchTeam.status != TeamStatus.abandoned)
        for team in db.session.scalars(query):
            teams[team.topic_id].append(team)
    return teams


def teams_of_topic(topic_id, active_only=False):
    """The topic's teams, with what its page shows of them (``teams_by_topic``)."""
    return teams_by_topic([topic_id], active_only, photos=True)[topic_id]


FIGURES = ("topics_published", "topics_taken", "teams", "reports_submitted", "reports_awaiting", "reports_returned",
           "reports_accepted", "reports_instructed")


def _rate(part, whole):
    return round(part / whole, 4) if whole else None


def summary(region, year):
    """The year's figures of the topics of ``region``'s subtree (published ones: a draft is nobody's yet, a
    withdrawn one asked nothing), in total and by theme, in two grouped statements."""
    in_scope = and_(region_subtree_clause(ResearchTopic.region_id, region), ResearchTopic.year == year,
                    ResearchTopic.status == TopicStatus.published)
    topics = db.session.execute(
        select(ResearchTopic.theme, func.count(), func.count(case((ResearchTopic.teams_taken > 0, 1))))
        .where(in_scope).group_by(ResearchTopic.theme)).all()
    status = ResearchReport.status
    work = db.session.execute(
        select(ResearchTopic.theme, func.count(ResearchTeam.id), func.count(ResearchReport.id),
               func.count(case((status == ReportStatus.submitted, 1))),
               func.count(case((status == ReportStatus.returned, 1))),
               func.count(case((status == ReportStatus.accepted, 1))),
               func.count(case((ResearchReport.instruction_date.is_not(None), 1))))
        .join(ResearchTeam, ResearchTeam.topic_id == ResearchTopic.id)
        .outerjoin(ResearchReport, ResearchReport.team_id == ResearchTeam.id)
        .where(in_scope, ResearchTeam.status == TeamStatus.active).group_by(ResearchTopic.theme)).all()
    themes = {}
    for theme, published, taken in topics:
        themes[theme] = dict.fromkeys(FIGURES, 0) | {"topics_published": published, "topics_taken": taken}
    for theme, *counts in work:
        themes.setdefault(theme, dict.fromkeys(FIGURES, 0)).update(zip(FIGURES[2:], counts))
    total = {key: sum(t[key] for t in themes.values()) for key in FIGURES}
    return {"year": year, "region_id": region.id, "region_name": region_name(region), **_with_rates(total),
            "by_theme": [{"theme": theme, **_with_rates(figures)}
                         for theme, figures in sorted(themes.items(), key=lambda item: (-item[1]["topics_published"], item[0]))],
            "denominators": {"taken_rate": "topics_published", "acceptance_rate": "reports_submitted",
                             "instruction_rate": "reports_accepted"}}


def _with_rates(figures):
    return {**{key: int(value) for key, value in figures.items()},
            "taken_rate": _rate(figures["topics_taken"], figures["topics_published"]),
            "acceptance_rate": _rate(figures["reports_accepted"], figures["reports_submitted"]),
            "instruction_rate": _rate(figures["reports_instructed"], figures["reports_accepted"])}


def region_name(region):
    name = getattr(region, "name", None)
    if name is None:
        name = db.session.scalar(select(Region.name).where(Region.id == region.id))
    return name


def deputy_research(deputy_id, year=None):
    """A deputy's research teams (active ones; of ``year``'s topics if given), newest first: ``(member row,
    team, topic, report or None)``."""
    query = (select(ResearchTeamMember, ResearchTeam, ResearchTopic, ResearchReport)
             .join(ResearchTeam, ResearchTeam.id == ResearchTeamMember.team_id)
             .join(ResearchTopic, ResearchTopic.id == ResearchTeam.topic_id)
             .outerjoin(ResearchReport, ResearchReport.team_id == ResearchTeam.id)
             .where(ResearchTeamMember.deputy_id == deputy_id, ResearchTeamMember.active.is_(True))
             .order_by(ResearchTopic.year.desc(), ResearchTeam.created_dt.desc(), ResearchTeam.id.desc()))
    if year is not None:
        query = query.where(ResearchTopic.year == year)
    return query


def report_status_label(team, report):
    """The report's state as a deputy's lists say it: 未提交 / 待审核 / 退回修改 / 已通过, or 课题已撤回 for a
    team whose topic was withdrawn (before any report)."""
    if report is not None:
        return report.status_label
    return TEAM_STATUS_LABELS["withdrawn"] if team.status is TeamStatus.withdrawn else "未提交"


def for_archive(deputy_id, year):
    """履职档案: the deputy's research teams of the year's topics, each with their role and the report's state,
    and the counts (a team whose topic was withdrawn is listed, 课题已撤回, and not counted: as in the year's
    figures)."""
    lines = []
    withdrawn = 0
    for member, team, topic, report in db.session.execute(deputy_research(deputy_id, year)):
        withdrawn += team.status is TeamStatus.withdrawn
        lines.append({"topic": topic.title, "theme": topic.theme, "team": team_label(team),
                      "role": "牵头" if member.is_lead else "成员",
                      "report_title": report.title if report else "",
                      "report_status": report.status.value if report else None,
                      "report_status_label": report_status_label(team, report),
                      "instructed": bool(report and report.instructed),
                      "instructed_by": report.instructed_by if report and report.instructed else ""})
    return {"teams": len(lines) - withdrawn, "reports_submitted": sum(1 for line in lines if line["report_status"]),
            "reports_accepted": sum(1 for line in lines if line["report_status"] == "accepted"),
            "reports_instructed": sum(1 for line in lines if line["instructed"]), "lines": lines}
