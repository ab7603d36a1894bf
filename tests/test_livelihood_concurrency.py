"""民生实事票决 raced over real HTTP to a threaded server (the locks matter on PostgreSQL; SQLite lets one
writer in at a time). Deputies voting at once are all counted; one deputy's two ballots at once make
one ballot, the other told 您已投票; a close racing ballots counts exactly the ballots it answered 201
to, and refuses the rest with 投票已结束 — none is both refused and counted, none counted twice. Two opens,
two closes, or two decisions on one citizen's proposal at once take effect once (on SQLite too)."""
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import func, select

from backend.extensions import db
from backend.livelihood.models import LivelihoodBallot, LivelihoodProject
from backend.livelihood.services import MIN_BALLOTS

from .parallel import released_together

ROUNDS = 3
ELECTORS = 5


@pytest.fixture
def team(factory, app, base_url):
    tree = factory.tree()
    deputies = [factory.deputy(tree["hc"], f"代表{i}", phone=f"1380000030{i}", level="county") for i in range(ELECTORS)]
    team = {"base": base_url, "headers": [factory.deputy_headers(d) for d in deputies],
            "admin": factory.headers_for_admin(factory.admin("hecheng", region=tree["hc"]))}
    db.session.close()  # the server threads use their own sessions
    return team


def call(team, method, path, headers, body=None):
    return requests.request(method, team["base"] + "/api/v1/livelihood" + path, json=body, headers=headers, timeout=30)


def ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.text)
    return response.json()


def opened(team, projects=("甲", "乙")):
    now = datetime.now(timezone.utc)
    vote = ok(call(team, "POST", "/votes", team["admin"], {
        "title": "2027 年鹤城区民生实事项目票决", "year": 2027, "places": 1,
        "starts_at": (now - timedelta(minutes=1)).isoformat(), "ends_at": (now + timedelta(hours=1)).isoformat()}), 201)
    ids = [ok(call(team, "POST", f"/votes/{vote['id']}/projects", team["admin"], {"title": t}), 201)["id"]
           for t in projects]
    ok(call(team, "POST", f"/votes/{vote['id']}/open", team["admin"]))
    return vote["id"], ids


def ballot(team, headers, vote_id, ids, choice="for"):
    body = {"choices": [{"project_id": pid, "choice": choice} for pid in ids]}
    return lambda: call(team, "POST", f"/votes/{vote_id}/ballot", headers, body)


def lines(vote_id):
    db.session.close()
    return db.session.scalar(select(func.sum(
        LivelihoodProject.votes_for + LivelihoodProject.votes_against + LivelihoodProject.votes_abstain))
        .where(LivelihoodProject.vote_id == vote_id))


def test_deputies_voting_at_once_are_all_counted(team):
    for _ in range(ROUNDS):
        vote_id, ids = opened(team)
        answers = released_together(*(ballot(team, h, vote_id, ids) for h in team["headers"]))
        assert [a.status_code for a in answers] == [201] * ELECTORS
        assert lines(vote_id) == ELECTORS * len(ids)
        result = ok(call(team, "POST", f"/votes/{vote_id}/close", team["admin"], {"reason": "全部投完"}))
        assert [(p["votes_for"], p["adopted"], p["tied"]) for p in result["projects"]] == [
            (ELECTORS, True, True), (ELECTORS, True, True)]
        assert result["voted"] == ELECTORS


def test_one_deputys_two_ballots_at_once_make_one(team):
    for _ in range(ROUNDS):
        vote_id, ids = opened(team)
        headers = team["headers"][0]
        answers = released_together(ballot(team, headers, vote_id, ids, "for"),
                                    ballot(team, headers, vote_id, ids, "against"))
        assert sorted(a.status_code for a in answers) == [201, 409]
        assert [a.json()["message"] for a in answers if a.status_code == 409] == ["您已投票，不能更改。"]
        assert lines(vote_id) == len(ids)


def test_a_close_racing_ballots_counts_exactly_those_it_accepted(team):
    for _ in range(ROUNDS):
        vote_id, ids = opened(team)
        close = lambda: call(team, "POST", f"/votes/{vote_id}/close", team["admin"], {"reason": "会议结束"})  # noqa: E731
        *answers, closed = released_together(*(ballot(team, h, vote_id, ids) for h in team["headers"]), close)
        assert closed.status_code == 200, closed.text
        accepted = [a for a in answers if a.status_code == 201]
        refused = [a for a in answers if a.status_code != 201]
        assert all((a.status_code, a.json()["message"]) == (409, "投票已结束。") for a in refused)
        # Fewer than MIN_BALLOTS accepted: void, the tallies erased.
        counted = len(accepted) >= MIN_BALLOTS
        assert [p["votes_for"] for p in closed.json()["projects"]] == [len(accepted) if counted else None] * len(ids)
        assert (closed.json()["voted"], closed.json()["void"]) == (len(accepted), not counted)
        assert lines(vote_id) == (len(accepted) * len(ids) if counted else None)
        # What the close answered is what stays: nothing counted after it.
        shown = ok(call(team, "GET", f"/votes/{vote_id}", team["admin"]))
        assert [p["votes_for"] for p in shown["projects"]] == [len(accepted) if counted else None] * len(ids)


def test_two_opens_or_two_closes_at_once_take_effect_once(team):
    for _ in range(ROUNDS):
        now = datetime.now(timezone.utc)
        vote = ok(call(team, "POST", "/votes", team["admin"], {
            "title": "票决", "year": 2027, "places": 1, "starts_at": (now - timedelta(minutes=1)).isoformat(),
            "ends_at": (now + timedelta(hours=1)).isoformat()}), 201)
        project = ok(call(team, "POST", f"/votes/{vote['id']}/projects", team["admin"], {"title": "甲"}), 201)
        opening = lambda: call(team, "POST", f"/votes/{vote['id']}/open", team["admin"])  # noqa: E731
        answers = released_together(opening, opening)
        assert sorted(a.status_code for a in answers) == [200, 409]
        db.session.close()
        assert db.session.scalar(select(func.count()).select_from(LivelihoodBallot)
                                 .where(LivelihoodBallot.vote_id == vote["id"])) == ELECTORS
        for headers in team["headers"][:3]:
            ok(ballot(team, headers, vote["id"], [project["id"]])(), 201)
        closing = lambda: call(team, "POST", f"/votes/{vote['id']}/close", team["admin"], {"reason": "结束"})  # noqa: E731
        answers = released_together(closing, closing)
        assert sorted(a.status_code for a in answers) == [200, 409]
        closed = next(a.json() for a in answers if a.status_code == 200)
        assert [p["votes_for"] for p in closed["projects"]] == [3]


def test_two_administrators_deciding_one_proposal_at_once_decide_it_once(team, factory):
    citizen = factory.wechat_login("citizen-race")
    db.session.close()
    for _ in range(ROUNDS):
        now = datetime.now(timezone.utc)
        vote = ok(call(team, "POST", "/votes", team["admin"], {
            "title": "票决", "year": 2027, "places": 1, "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(hours=1)).isoformat()}), 201)
        me = ok(call(team, "GET", "/votes", team["admin"]))["items"][0]
        proposal = ok(call(team, "POST", "/proposals", citizen, {
            "region_id": me["region_id"], "title": "增设路灯", "content": "太暗"}), 201)
        adopt = lambda: call(team, "POST", f"/proposals/{proposal['id']}/adopt", team["admin"], {"vote_id": vote["id"]})  # noqa: E731
        decline = lambda: call(team, "POST", f"/proposals/{proposal['id']}/decline", team["admin"], {"reason": "不属实"})  # noqa: E731
        answers = released_together(adopt, adopt, decline)
        assert sorted(a.status_code for a in answers) == [200, 409, 409]
        assert all(a.json()["message"] == "该民生实事建议已处理。" for a in answers if a.status_code == 409)
        shown = ok(call(team, "GET", f"/votes/{vote['id']}", team["admin"]))
        adopted = next(a.json() for a in answers if a.status_code == 200)
        assert len(shown["projects"]) == (1 if adopted["status"] == "adopted" else 0)


def test_a_candidate_project_removed_twice_at_once_is_removed_and_logged_once(team):
    """移除候选项目 sent twice at once: one 204, the other 404 候选项目不存在。, and the 操作日志 records the removal
    once."""
    from backend.audit.models import AuditEvent

    for _ in range(ROUNDS):
        now = datetime.now(timezone.utc)
        vote = ok(call(team, "POST", "/votes", team["admin"], {
            "title": "2027 年鹤城区民生实事项目票决", "year": 2027, "places": 1,
            "starts_at": (now + timedelta(hours=1)).isoformat(), "ends_at": (now + timedelta(hours=2)).isoformat()}), 201)
        project = ok(call(team, "POST", f"/votes/{vote['id']}/projects", team["admin"], {"title": "甲"}), 201)
        db.session.close()
        since = db.session.scalar(select(func.max(AuditEvent.id))) or 0
        path = f"/votes/{vote['id']}/projects/{project['id']}"
        first, second = released_together(*[lambda: call(team, "DELETE", path, team["admin"])] * 2)
        answers = sorted((r.status_code, r.json()["message"] if r.status_code == 404 else "") for r in (first, second))
        assert answers == [(204, ""), (404, "候选项目不存在。")], answers
        db.session.close()
        logged = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.id > since,
                                                                    AuditEvent.action == "livelihood_vote_updated")).all()
        assert logged == [{"projects": ["甲", ""]}], logged
