"""调研清单 steps raced over real HTTP to a threaded server, on SQLite as on PostgreSQL: 撤回课题 or 放弃领题 at the
instant the lead submits the report, 删除 at the instant of 发布 (or of another 删除, a 修改), 退出团队 at the instant
the report is accepted.

Each race runs several times on fresh topics. Whatever the interleaving, nobody sees a 5xx (no 500 for a topic
deleted under a step, no 503 for a deadlock), the loser is told why in Chinese (409, or 404 for a topic gone),
and the end state is one the two requests, answered as they were, could have left one after the other: no
report waiting on a withdrawn topic or an abandoned team, no published topic deleted, no member both gone
and credited.
"""
import requests
from sqlalchemy import func, select

from backend.audit.models import AuditEvent
from backend.extensions import db
from backend.research.models import ResearchReport, ResearchTeam, ResearchTeamMember, ResearchTopic

from .parallel import released_together
from .test_research import API, headers, new_topic, points_of, take, world  # noqa: F401  (fixture)

ROUNDS = 4
REPORT = {"title": "调研报告", "body": "正文"}


def send(base_url, method, path, h, body=None):
    return lambda: requests.request(method, base_url + path, json=body, headers=h, timeout=30)


def said(response):
    return response.json()["message"]


def outcome(*responses):
    return [(r.status_code, said(r) if r.status_code >= 400 else "") for r in responses]


def fresh():
    db.session.expire_all()


def test_a_topic_withdrawn_at_the_moment_a_report_is_submitted(client, world, base_url):
    zhang = headers(world, "zhang")
    for _ in range(ROUNDS):
        topic = new_topic(client, world["hh"])
        team = take(client, zhang, topic["id"]).json
        withdrawn, submitted = released_together(
            send(base_url, "POST", f"{API}/topics/{topic['id']}/withdraw", world["hh"]),
            send(base_url, "POST", f"{API}/teams/{team['id']}/report", zhang, REPORT))
        fresh()
        row = db.session.get(ResearchTopic, topic["id"])
        report = db.session.scalar(select(ResearchReport).where(ResearchReport.team_id == team["id"]))
        if withdrawn.status_code == 200:
            assert outcome(submitted) == [(409, "该课题已撤回，不能提交调研报告。")]
            assert row.status.value == "withdrawn" and report is None
        else:
            assert submitted.status_code == 201, submitted.text
            assert outcome(withdrawn) == [(409, "已有 1 个团队提交了调研报告，课题不能撤回。")]
            assert row.status.value == "published" and report.status.value == "submitted"


def test_the_topic_given_up_at_the_moment_the_report_is_submitted(client, world, base_url):
    zhang = headers(world, "zhang")
    for _ in range(ROUNDS):
        topic = new_topic(client, world["hh"], max_teams=1)
        team = take(client, zhang, topic["id"]).json
        abandoned, submitted = released_together(
            send(base_url, "POST", f"{API}/teams/{team['id']}/abandon", zhang),
            send(base_url, "POST", f"{API}/teams/{team['id']}/report", zhang, REPORT))
        fresh()
        row, team_row = db.session.get(ResearchTopic, topic["id"]), db.session.get(ResearchTeam, team["id"])
        report = db.session.scalar(select(ResearchReport).where(ResearchReport.team_id == team["id"]))
        if abandoned.status_code == 200:
            assert outcome(submitted) == [(409, "已放弃领题，不能提交调研报告。")]
            assert team_row.status.value == "abandoned" and report is None and row.teams_taken == 0
        else:
            assert submitted.status_code == 201, submitted.text
            assert outcome(abandoned) == [(409, "已提交调研报告，不能放弃领题。")]
            assert team_row.status.value == "active" and report is not None and row.teams_taken == 1


def test_the_topic_given_up_at_the_moment_it_is_withdrawn(client, world, base_url):
    zhang = headers(world, "zhang")
    for _ in range(ROUNDS):
        topic = new_topic(client, world["hh"])
        team = take(client, zhang, topic["id"]).json
        abandoned, withdrawn = released_together(
            send(base_url, "POST", f"{API}/teams/{team['id']}/abandon", zhang),
            send(base_url, "POST", f"{API}/topics/{topic['id']}/withdraw", world["hh"]))
        fresh()
        team_row = db.session.get(ResearchTeam, team["id"])
        assert withdrawn.status_code == 200, withdrawn.text
        if abandoned.status_code == 200:
            assert team_row.status.value == "abandoned"
        else:
            assert outcome(abandoned) == [(409, "该课题已撤回，调研团队随之结束。")]
            assert team_row.status.value == "withdrawn"


def test_a_draft_deleted_at_the_moment_it_is_published(client, world, base_url):
    hh = world["hh"]
    for _ in range(ROUNDS):
        topic = new_topic(client, hh, publish=False)
        since = db.session.scalar(select(func.max(AuditEvent.id)))  # SQLite gives a deleted topic's id again
        deleted, published = released_together(send(base_url, "DELETE", f"{API}/topics/{topic['id']}", hh),
                                                send(base_url, "POST", f"{API}/topics/{topic['id']}/publish", hh))
        fresh()
        row = db.session.get(ResearchTopic, topic["id"])
        logged = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == topic["id"], AuditEvent.id > since,
                                                                    AuditEvent.action.like("research_topic_%"),
                                                                    AuditEvent.action != "research_topic_created")).all()
        if deleted.status_code == 204:
            assert outcome(published) == [(404, "调研课题不存在。")]
            assert row is None and logged == ["research_topic_deleted"]
        else:
            assert published.status_code == 200, published.text
            assert outcome(deleted) == [(409, "已发布的课题不能删除；如不再征集，请撤回。")]
            assert row.status.value == "published" and logged == ["research_topic_published"]


def test_a_draft_deleted_twice_at_once_or_edited_while_deleted(client, world, base_url):
    hh = world["hh"]
    for _ in range(ROUNDS):
        topic = new_topic(client, hh, publish=False)
        first, second = released_together(send(base_url, "DELETE", f"{API}/topics/{topic['id']}", hh),
                                          send(base_url, "DELETE", f"{API}/topics/{topic['id']}", hh))
        assert sorted(outcome(first, second)) == [(204, ""), (404, "调研课题不存在。")]
        topic = new_topic(client, hh, publish=False)
        deleted, edited = released_together(send(base_url, "DELETE", f"{API}/topics/{topic['id']}", hh),
                                            send(base_url, "PATCH", f"{API}/topics/{topic['id']}", hh, {"title": "改"}))
        assert deleted.status_code == 204, deleted.text
        assert outcome(edited) in ([(200, "")], [(404, "调研课题不存在。")])
        fresh()
        assert db.session.get(ResearchTopic, topic["id"]) is None


def test_a_member_leaves_at_the_moment_the_report_is_accepted(client, world, base_url):
    zhang, li = headers(world, "zhang"), headers(world, "li")
    for _ in range(ROUNDS):
        topic = new_topic(client, world["hh"])
        team = take(client, zhang, topic["id"], member_deputy_ids=[world["li"].id]).json
        report = client.post(f"{API}/teams/{team['id']}/report", json=REPORT, headers=zhang).json
        before = len(points_of(world["li"].id))
        left, accepted = released_together(
            send(base_url, "POST", f"{API}/teams/{team['id']}/leave", li),
            send(base_url, "POST", f"{API}/reports/{report['id']}/accept", world["hh"]))
        assert accepted.status_code == 200, accepted.text
        fresh()
        member = db.session.scalar(select(ResearchTeamMember).where(ResearchTeamMember.team_id == team["id"],
                                                                    ResearchTeamMember.deputy_id == world["li"].id))
        credited = len(points_of(world["li"].id)) - before
        if left.status_code == 200:
            assert not member.active and credited == 0
        else:
            assert outcome(left) == [(409, "调研报告已通过审核，不能退出团队。")]
            assert member.active and credited == 1
