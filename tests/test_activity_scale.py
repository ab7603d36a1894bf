"""What an activity's steps cost at a province's scale (a city-wide meeting invites a thousand deputies):
the statements a step sends do not grow with the deputies it concerns. Counted, never timed."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from backend.activities.services import remind_upcoming
from backend.auth.models import User
from backend.extensions import db
from backend.notifications.models import OutboxMessage

from .factories import sent_statements
from .test_activities import crew, dispatch  # noqa: F401  (fixture)


@pytest.fixture
def many(factory, crew):  # noqa: F811
    """Thirty deputies received at the crew's station (its four among them), elected in six counties, each
    bound to a WeChat user: every one of them is sent an activity's notices."""
    counties = [factory.region(f"区县{i}", "county", crew["tree"]["hh"]) for i in range(6)]
    more = [factory.deputy(counties[i % 6], f"代表{i:02d}", phone=f"139000011{i:02d}", stations=[crew["station"]])
            for i in range(26)]
    db.session.add_all([User(openid=f"openid-many-{d.id}", deputy_id=d.id) for d in more])
    db.session.commit()
    return crew["deputies"] + more


def queued(template):
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.template == template))


def sent_by(app, client, method, path, headers, body=None):
    """How many statements a request sends, in a session of its own as in production."""
    db.session.remove()
    with sent_statements(app) as sent:
        answer = client.open(path, method=method, headers=headers, json=body)
    assert answer.status_code in (200, 201), answer.json
    return len(sent), answer


def test_the_rotating_code_and_the_record_never_read_the_roster(client, app, crew, many):  # noqa: F811
    """The screen's check-in code (asked for every few seconds during the check-in rush) and the record's
    pages read the activity's row, never its participants: the same statements for one deputy invited as
    for thirty."""
    activities = [dispatch(client, crew, invited).json["id"] for invited in (many[:1], many)]
    sizes = []
    for activity_id in activities:
        for path in ("/checkin-code", "/events"):
            db.session.remove()  # a session of its own, as every request has in production
            with sent_statements(app) as sent:
                answer = client.get(f"/api/v1/activities/{activity_id}{path}", headers=crew["admin"])
            assert answer.status_code == 200, answer.json
            assert [s for s in sent if "activity_participants" in s] == [], sent
            sizes.append(len(sent))
    assert sizes[:2] == sizes[2:], sizes


def test_an_activitys_notices_cost_the_same_statements_for_five_deputies_as_for_thirty(client, app, crew, many):  # noqa: F811
    """发单, 改期, 补充邀请, 移出 and 取消 queue their notices to the deputies concerned in one INSERT … SELECT,
    reading the deputies' regions with them: the statements do not grow with the deputies (a city-wide
    meeting invites a thousand), and every deputy is sent one notice."""
    starts = datetime.now(timezone.utc) + timedelta(days=2)
    base = {"title": "城北联络站进站接待选民", "type": "reception", "station_id": crew["station"].id,
            "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat()}
    moved = {"starts_at": (starts + timedelta(days=1)).isoformat(), "ends_at": (starts + timedelta(days=1, hours=2)).isoformat()}
    ids = [d.id for d in many]
    costs = []
    for size in (5, 30):
        steps = {}
        before = queued("activity")
        steps["发单"], created = sent_by(app, client, "POST", "/api/v1/activities", crew["admin"],
                                       base | {"deputy_ids": ids[:size]})
        assert queued("activity") == before + size
        path = f"/api/v1/activities/{created.json['id']}"
        before = queued("activity_changed")
        steps["改期"], _ = sent_by(app, client, "PATCH", path, crew["admin"], moved)
        assert queued("activity_changed") == before + size
        before = queued("activity_cancelled")
        steps["移出"], _ = sent_by(app, client, "PATCH", path, crew["admin"], {"remove_deputy_ids": ids[1:size]})
        assert queued("activity_cancelled") == before + size - 1
        before = queued("activity")
        steps["补充邀请"], _ = sent_by(app, client, "PATCH", path, crew["admin"], {"add_deputy_ids": ids[1:size]})
        assert queued("activity") == before + size - 1
        before = queued("activity_cancelled")
        steps["取消"], _ = sent_by(app, client, "POST", f"{path}/cancel", crew["admin"], {"reason": "场地临时调整"})
        assert queued("activity_cancelled") == before + size
        costs.append(steps)
    assert costs[0] == costs[1], costs


def test_the_sweeps_reminder_costs_the_same_statements_for_five_deputies_as_for_thirty(client, app, crew, many):  # noqa: F811
    starts = datetime.now(timezone.utc) + timedelta(hours=3)
    body = {"title": "代表履职培训", "type": "training", "station_id": crew["station"].id,
            "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat()}
    ids = [d.id for d in many]
    costs = []
    for size in (5, 30):
        created = client.post("/api/v1/activities", headers=crew["admin"], json=body | {"deputy_ids": ids[:size]})
        assert created.status_code == 201, created.json
        before = queued("activity_reminder")
        db.session.remove()
        with sent_statements(app) as sent:
            assert remind_upcoming() == 1
        assert queued("activity_reminder") == before + size
        costs.append(len(sent))
    assert costs[0] == costs[1], costs
