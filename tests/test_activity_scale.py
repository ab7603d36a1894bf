"""What an activity's steps cost at a province's scale (a city-wide meeting invites a thousand deputies):
the statements a step sends do not grow with the deputies it concerns. Counted, never timed."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from backend.activities.models import ActivityParticipant, ParticipantStatus
from backend.activities.services import remind_upcoming
from backend.auth.models import User
from backend.extensions import db
from backend.notifications.models import OutboxMessage
from backend.points.models import PointEntry

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


def attended(activity_id, deputies):
    """``deputies`` scanned in to the activity (written as a scan writes it)."""
    db.session.execute(update(ActivityParticipant).where(
        ActivityParticipant.activity_id == activity_id, ActivityParticipant.deputy_id.in_([d.id for d in deputies]),
    ).values(status=ParticipantStatus.checked_in, checked_in_dt=datetime.now(timezone.utc)))
    db.session.commit()


def closed_line(client, crew, activity_id):  # noqa: F811
    events = client.get(f"/api/v1/activities/{activity_id}/events?action=closed", headers=crew["admin"]).json
    [line] = events["items"]
    return line["note"]


def test_closing_costs_the_same_statements_for_five_deputies_as_for_thirty(client, app, crew, many):  # noqa: F811
    """结单 writes the ledger rows and the running totals of everyone on the list in a few statements, and
    reads the absent deputies' names at once: a city-wide meeting's thousand cost what five do. The record
    names the first 20 absent deputies and counts the rest."""
    names = [d.name for d in many]  # in the order of their ids, as the list is
    assert [d.id for d in many] == sorted(d.id for d in many)
    activities = []
    for size, came in ((5, 2), (30, 6)):
        created = dispatch(client, crew, many[:size])
        assert created.status_code == 201, created.json
        attended(created.json["id"], many[:came])
        activities.append(created.json["id"])
    costs, summaries = [], []
    for activity_id in activities:
        count, closed = sent_by(app, client, "POST", f"/api/v1/activities/{activity_id}/close", crew["admin"],
                                {"early": True})
        costs.append(count)
        summaries.append(closed.json["summary"])
    assert costs[0] == costs[1], costs
    points = [{k: s[k] for k in ("points_awarded", "deputies_awarded", "points_deducted", "deputies_deducted")}
              for s in summaries]
    assert points == [  # the default rulebook: 接待选民 5, absence -1
        {"points_awarded": 10, "deputies_awarded": 2, "points_deducted": -3, "deputies_deducted": 3},
        {"points_awarded": 30, "deputies_awarded": 6, "points_deducted": -24, "deputies_deducted": 24},
    ]
    assert closed_line(client, crew, activities[0]).endswith("记为缺席：" + "、".join(names[2:5]))
    assert closed_line(client, crew, activities[1]).endswith(f"记为缺席：{'、'.join(names[6:26])}等 24 人")
    rows = db.session.scalar(select(func.count()).select_from(PointEntry).where(
        PointEntry.source_type == "activity", PointEntry.source_id.in_(activities)))
    assert rows == 35
    # Closed again: nothing more is credited, nothing written twice.
    again = client.post(f"/api/v1/activities/{activities[1]}/close", json={"early": True},
                        headers=crew["admin"]).json["summary"]
    assert again["already_closed"] and again["points_credited"] == 0


def record_line(client, crew, activity_id, action):  # noqa: F811
    events = client.get(f"/api/v1/activities/{activity_id}/events?action={action}", headers=crew["admin"]).json
    return [line["note"] for line in events["items"]]


def test_the_record_names_the_first_20_deputies_invited_or_taken_off_and_counts_the_rest(client, crew, many):  # noqa: F811
    """发单, 补充邀请 and 移出 a city-wide meeting's hundreds would be a wall of names in the record: its line
    names the first 20, in the list's order, and counts them all (等 N 人); the roster lists every one. A
    handful are all named."""
    names = [d.name for d in many]
    few = dispatch(client, crew, many[:3])
    assert few.status_code == 201, few.json
    assert record_line(client, crew, few.json["id"], "dispatched")[0].endswith("邀请 3 位代表：" + "、".join(names[:3]))

    tomorrow = datetime.now(timezone.utc) + timedelta(days=1)  # not yet begun: deputies can still be taken off
    created = dispatch(client, crew, many[:25], starts=tomorrow, ends=tomorrow + timedelta(hours=2))
    assert created.status_code == 201, created.json
    activity_id = created.json["id"]
    assert record_line(client, crew, activity_id, "dispatched")[0].endswith(
        f"邀请 25 位代表：{'、'.join(names[:20])}等 25 人")
    roster = client.get(f"/api/v1/activities/{activity_id}/participants?per_page=100", headers=crew["admin"]).json
    assert sorted(p["deputy"]["name"] for p in roster["items"]) == sorted(names[:25])

    path = f"/api/v1/activities/{activity_id}"
    edited = client.patch(path, headers=crew["admin"], json={"remove_deputy_ids": [d.id for d in many[:22]]})
    assert edited.status_code == 200, edited.json
    assert record_line(client, crew, activity_id, "edited") == [
        "移出 " + "、".join(f"{n}（待接单）" for n in names[:20]) + "等 22 人"]
    edited = client.patch(path, headers=crew["admin"], json={"add_deputy_ids": [d.id for d in many[:22]]})
    assert edited.status_code == 200, edited.json
    assert record_line(client, crew, activity_id, "edited")[1] == f"邀请 {'、'.join(names[:20])}等 22 人"


def test_one_close_credits_each_deputy_up_to_the_yearly_cap(client, crew):  # noqa: F811
    """志愿服务 capped at 12 points a year, one 结单 for four deputies: 张伟 at the cap already earns nothing,
    李娜 with 10 earns the 2 left, 王强 the activity's 10, and 赵敏, absent, loses a point."""
    zhang, li, wang, zhao = crew["deputies"]
    rule = client.put("/api/v1/scoring-rules/volunteer", json={"yearly_cap": 12}, headers=crew["root_admin"])
    assert rule.status_code == 200, rule.json

    def held(deputies, came, **extra):
        created = dispatch(client, crew, deputies, type="volunteer", title="敬老志愿服务", **extra)
        assert created.status_code == 201, created.json
        attended(created.json["id"], came)
        closed = client.post(f"/api/v1/activities/{created.json['id']}/close", json={"early": True},
                             headers=crew["admin"])
        assert closed.status_code == 200, closed.json
        return closed.json["summary"]

    assert held([zhang, li], [zhang, li])["points_awarded"] == 20
    assert held([zhang], [zhang], points=2)["points_awarded"] == 2
    summary = held(crew["deputies"], [zhang, li, wang])
    assert (summary["points_awarded"], summary["deputies_awarded"]) == (12, 2)
    assert (summary["points_deducted"], summary["deputies_deducted"]) == (-1, 1)
    totals = [client.get(f"/api/v1/deputies/{d.id}/points", headers=h).json["total"]
              for d, h in zip(crew["deputies"], crew["headers"])]
    assert totals == [12, 12, 10, -1]


def test_a_deputy_bound_to_a_console_account_is_told_as_one_message_at_a_time_would(client, crew, factory):  # noqa: F811
    """The notices queued at once reach a deputy whose binding is a console account as ``enqueue`` would:
    through the WeChat user the account linked (without a page: it opens nothing there), or, unlinked, kept
    on the account for its 消息 page; the deputies with a WeChat user of their own as ever."""
    zhang, li, wang = crew["deputies"][:3]
    linked_to = db.session.scalar(select(User).where(User.deputy_id == li.id))
    for deputy, account, linked in ((li, "console-li", linked_to), (wang, "console-wang", None)):
        db.session.execute(update(User).where(User.deputy_id == deputy.id).values(deputy_id=None))
        user = factory.admin(account, region=crew["tree"]["hc"])
        user.deputy_id, user.notify_user_id = deputy.id, linked.id if linked else None
    db.session.commit()
    created = dispatch(client, crew, [zhang, li, wang])
    assert created.status_code == 201, created.json
    key = f"activity:{created.json['id']}:{{}}:dispatched"
    rows = {m.dedupe_key: (m.user_id, m.page, m.status) for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == "activity"))}
    zhang_user = db.session.scalar(select(User.id).where(User.deputy_id == zhang.id))
    wang_account = db.session.scalar(select(User.id).where(User.username == "console-wang"))
    page = f"pages/activity/detail?id={created.json['id']}"
    assert rows == {key.format(zhang.id): (zhang_user, page, "pending"),
                    key.format(li.id): (linked_to.id, "", "pending"),
                    key.format(wang.id): (wang_account, "", "failed")}
