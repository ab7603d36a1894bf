"""立法意见征集 raced over real HTTP to a threaded server (the row lock matters on PostgreSQL; SQLite lets
one writer in at a time): opinions given while an administrator closes the consultation are either kept
and answered 201, or refused 409 意见征集已结束 and not kept — never kept after the close was answered, never
lost after a 201; two closes at once close it once; two publishes at once publish it once."""
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import func, select

from backend.audit.models import AuditEvent
from backend.consultations.models import ConsultationOpinion
from backend.extensions import db

from .parallel import released_together

ROUNDS = 3
CITIZENS = 5


@pytest.fixture
def team(factory, app, base_url):
    tree = factory.tree()
    team = {"base": base_url, "admin": factory.headers_for_admin(factory.admin("huaihua", region=tree["hh"])),
            "citizens": [factory.wechat_login(f"citizen-{i}") for i in range(CITIZENS)]}
    db.session.close()  # the server threads use their own sessions
    return team


def call(team, method, path, headers, body=None):
    return requests.request(method, team["base"] + "/api/v1/consultations" + path, json=body, headers=headers, timeout=30)


def created(team):
    now = datetime.now(timezone.utc)
    response = call(team, "POST", "", team["admin"], {
        "title": "怀化市城市绿化条例（草案）", "text": "第一条 甲。\n第二条 乙。",
        "starts_at": (now - timedelta(minutes=1)).isoformat(), "ends_at": (now + timedelta(hours=1)).isoformat()})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def kept(consultation_id):
    db.session.close()
    return db.session.scalar(select(func.count()).select_from(ConsultationOpinion)
                             .where(ConsultationOpinion.consultation_id == consultation_id))


def test_opinions_racing_the_close_are_kept_exactly_when_answered_201(team):
    for _ in range(ROUNDS):
        consultation_id = created(team)
        assert call(team, "POST", f"/{consultation_id}/open", team["admin"]).status_code == 200
        opinions = [lambda h=h: call(team, "POST", f"/{consultation_id}/opinions", h, {"content": "赞成。"})
                    for h in team["citizens"]]
        answers = released_together(lambda: call(team, "POST", f"/{consultation_id}/close", team["admin"]), *opinions)
        assert answers[0].status_code == 200, answers[0].text
        statuses = [a.status_code for a in answers[1:]]
        assert set(statuses) <= {201, 409}, statuses
        assert all(a.json()["message"] == "意见征集已结束。" for a in answers[1:] if a.status_code == 409)
        assert kept(consultation_id) == statuses.count(201)
        # What the close logged is what was kept before it.
        logged = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "consultation_closed", AuditEvent.target_id == consultation_id)).all()
        assert [e.detail["opinions"] for e in logged] == [statuses.count(201)]


def test_two_closes_or_two_publishes_at_once_take_effect_once(team):
    for _ in range(ROUNDS):
        consultation_id = created(team)
        publishes = released_together(*[lambda: call(team, "POST", f"/{consultation_id}/open", team["admin"])] * 2)
        assert sorted(a.status_code for a in publishes) == [200, 409]
        closes = released_together(*[lambda: call(team, "POST", f"/{consultation_id}/close", team["admin"])] * 2)
        assert sorted(a.status_code for a in closes) == [200, 409]
        db.session.close()
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == consultation_id,
                                                                     AuditEvent.target_type == "consultation")).all()
        assert sorted(actions) == ["consultation_closed", "consultation_created", "consultation_opened"]
