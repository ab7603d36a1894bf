"""分派时限: an item waiting at a station for dispatch (待分派) is due to be dispatched within DISPATCH_WITHIN_WORKING_DAYS
working days (1 by default, as a 12345 work order is signed for); left untouched it turns 临期, then 超期, and the
sweep reminds the station's administrators, as the 接单 and 答复 limits do for the deputy."""
from datetime import datetime, timedelta

from backend.db_types import CHINA, utcnow

from .factories import screen
from .test_console_suggestions import console_login
from .test_station_admin_notices import admin_phone, listed  # noqa: F401  (fixture)
from .test_suggestion_sweep_stats import shift, sweep
from .test_suggestions import file, step, world  # noqa: F401  (fixture)
from .test_web_pages import config_override  # noqa: F401  (fixture)


def row_of(page, number):
    return page.split(number, 1)[1].split("</tr>", 1)[0]


def test_an_untouched_item_at_the_station_turns_due_soon_then_overdue_and_the_admins_are_reminded(
        app, client, world, admin_phone):  # noqa: F811
    item = file(client, world["citizen"], world["station_code"]).json
    sweep(app)
    console = console_login(app, "chengbei")
    detail = console.get(f"/console/suggestions/{item['id']}").get_data(as_text=True)
    assert "分派时限" in detail
    assert "分派 " in row_of(console.get("/console/suggestions").get_data(as_text=True), item["number"])

    shift(app, item["id"], dispatch_due_dt=utcnow() + timedelta(hours=2))
    sweep(app)
    assert '<span class="tag tag-due">临期</span>' in row_of(console.get("/console/suggestions").get_data(as_text=True),
                                                          item["number"])

    shift(app, item["id"], dispatch_due_dt=utcnow() - timedelta(minutes=1))
    assert "新标记超期 1 条" in sweep(app)
    queue = console.get("/console/suggestions?overdue=1").get_data(as_text=True)
    assert '<span class="tag tag-overdue">超期</span>' in row_of(queue, item["number"])
    reminders = [lines for title, lines in listed(client, admin_phone) if title == "建议办理超期提醒"]
    assert [(r["建议编号"], r["提示"]) for r in reminders] == [(item["number"], "建议已超过分派时限，请尽快分派")]
    timeline = client.get(f"/api/v1/suggestions/{item['id']}", headers=world["admin"]).json["timeline"]
    assert [e["note"] for e in timeline if e["action"] == "remind"] == ["已超过分派时限"]
    sweep(app)  # reminded once
    assert len([t for t, _ in listed(client, admin_phone) if t == "建议办理超期提醒"]) == 1

    # Dispatched: the flags go, the deputy's 接单 clock starts.
    assert step(client, world["admin"], item["id"], "dispatch", deputy_id=world["zhang"].id).status_code == 200
    after = client.get(f"/api/v1/suggestions/{item['id']}", headers=world["admin"]).json
    assert (after["overdue"], after["due_soon"]) == (False, False)


def test_the_dispatch_limit_counts_working_days_restarts_on_return_and_can_be_switched_off(
        app, client, world, config_override):  # noqa: F811
    from backend.extensions import db
    from backend.suggestions.models import Suggestion

    def due(item_id):
        db.session.expire_all()
        value = db.session.get(Suggestion, item_id).dispatch_due_dt
        return value and value.astimezone(CHINA)

    item_id = file(client, world["citizen"], world["station_code"]).json["id"]
    filed = db.session.get(Suggestion, item_id).created_dt.astimezone(CHINA)
    assert due(item_id).time().isoformat() == "23:59:59" and due(item_id).date() > filed.date()
    to_deputy = file(client, world["citizen"], world["deputy_code"]).json["id"]
    assert due(to_deputy) is None  # filed to a deputy: nothing to dispatch

    step(client, world["admin"], item_id, "dispatch", deputy_id=world["zhang"].id)
    assert due(item_id) is None
    shift(app, item_id, overdue=True)
    step(client, world["zhang_h"], item_id, "return", reason="不在我的联系范围")
    assert due(item_id) > datetime.now(CHINA)  # the station's clock starts afresh
    assert client.get(f"/api/v1/suggestions/{item_id}", headers=world["admin"]).json["overdue"] is False

    config_override(DISPATCH_WITHIN_WORKING_DAYS=0)
    unlimited = file(client, world["citizen"], world["station_code"]).json["id"]
    assert due(unlimited) is None


def test_the_api_and_the_export_give_the_dispatch_limit_while_the_item_waits_at_its_station(app, client, world):  # noqa: F811
    """``dispatch_due_at`` beside ``accept_due_at`` and ``reply_due_at``: in the item, in its lists, and the
    queue's export (分派时限); none once dispatched, as 接单时限 is none once accepted is not."""
    from .test_console_suggestions import _workbook

    item = file(client, world["citizen"], world["station_code"]).json
    due = datetime.fromisoformat(item["dispatch_due_at"])
    assert due.astimezone(CHINA).time().isoformat() == "23:59:59" and due > utcnow()
    assert item["accept_due_at"] is None
    shown = client.get(f"/api/v1/suggestions/{item['id']}", headers=world["admin"]).json
    assert datetime.fromisoformat(shown["dispatch_due_at"]) == due
    assert datetime.fromisoformat(client.get(f"/api/v1/suggestions/{item['id']}", headers=world["citizen"])
                                  .json["dispatch_due_at"]) == due
    [listed_item] = client.get("/api/v1/suggestions?scope=station", headers=world["admin"]).json["items"]
    assert datetime.fromisoformat(listed_item["dispatch_due_at"]) == due

    rows = list(_workbook(console_login(app, "chengbei").get("/console/suggestions/export.xlsx"))["建议清单"].values)
    column = rows[0].index("分派时限")
    assert rows[0][column + 1] == "接单时限"
    assert rows[1][column] == due.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")

    dispatched = step(client, world["admin"], item["id"], "dispatch", deputy_id=world["zhang"].id).json
    assert dispatched["dispatch_due_at"] is None and dispatched["accept_due_at"] is not None
    to_deputy = file(client, world["citizen"], world["deputy_code"]).json
    assert to_deputy["dispatch_due_at"] is None


def test_an_item_left_waiting_past_its_dispatch_limit_counts_against_the_rates_as_a_late_answer_does(
        app, client, world):  # noqa: F811
    """domain.md: 办结率 and 按时办结率 are over the items that should be closed by now — the closed, and the
    open ones past a deadline. An item its station has not dispatched in time is one of them, as an item its
    deputy has not accepted in time is; the dashboard's 超期 counts it as well."""
    import re

    answered = file(client, world["citizen"], world["deputy_code"]).json["id"]
    step(client, world["zhang_h"], answered, "accept")
    step(client, world["zhang_h"], answered, "reply", content="已处理。")
    step(client, world["citizen"], answered, "rate", satisfaction="satisfied")
    waiting = file(client, world["citizen"], world["station_code"]).json["id"]
    unlimited = file(client, world["citizen"], world["station_code"], content="第二条：井盖松动").json["id"]
    shift(app, unlimited, dispatch_due_dt=None)  # filed before the limit, or with it switched off
    screen(app)  # unscreened, an item's clock has not started (sweep._overdue_clause)

    def figures():
        body = client.get("/api/v1/stats/suggestions", headers=world["admin"]).json
        return body["denominators"]["should_be_closed"], body["closed_rate"], body["on_time_rate"], body["overdue"]

    assert figures() == (1, 1.0, 1.0, 0)  # within its limit: not yet work that should be done
    shift(app, waiting, dispatch_due_dt=utcnow() - timedelta(minutes=1))
    assert figures() == (2, 0.5, 0.5, 0)  # past it, before the sweep flags it, as a late 接单 counts
    sweep(app)
    assert figures() == (2, 0.5, 0.5, 1)
    dashboard = console_login(app, "chengbei").get("/console/").get_data(as_text=True)
    assert re.search(r'id="kpi-overdue">(\d+)<', dashboard).group(1) == "1"


def test_an_item_overdue_at_a_station_without_administrators_reminds_the_nearest_region_administrators_once(
        app, client, factory, world):  # noqa: F811
    """无管理员: nobody runs the station, so the 超期 reminder goes to the administrators of the nearest region above
    it that has any in office (their region's queue holds the item and they may dispatch it) — 怀化市's, not the
    province's, nor 长沙市's, nor a 鹤城区 account that was disabled (停用) — once, whatever the sweeps."""
    from backend.auth.models import User
    from backend.extensions import db
    from .test_console_messages import titles

    tree = world["tree"]
    unstaffed = factory.station(tree["hc"], "城南联络站")
    factory.admin("huaihua", region=tree["hh"])
    factory.admin("hunan", region=tree["root"])
    gone = factory.admin("hecheng-gone", region=tree["hc"])
    gone.disabled_dt = utcnow()
    db.session.commit()

    lonely = file(client, world["citizen"], unstaffed.qr_code).json
    staffed = file(client, world["citizen"], world["station_code"], content="第二条：井盖松动").json
    sweep(app)
    for item in (lonely, staffed):
        shift(app, item["id"], dispatch_due_dt=utcnow() - timedelta(minutes=1))
    assert "新标记超期 2 条" in sweep(app)
    sweep(app)

    page = console_login(app, "huaihua").get("/console/messages").get_data(as_text=True)
    # Told of the item when it came (新的群众建议, test_station_admin_notices), then of its deadline; the staffed
    # station's own administrator is told of the other.
    assert titles(page) == ["建议办理超期提醒", "新的群众建议"]
    assert lonely["number"] in page and staffed["number"] not in page
    assert "已超分派时限，城南联络站无管理员" in page
    assert f'href="/console/suggestions/{lonely["id"]}"' in page
    for elsewhere in ("hunan", "changsha"):
        assert titles(console_login(app, elsewhere).get("/console/messages").get_data(as_text=True)) == []
    with app.app_context():
        gone_id = db.session.scalar(db.select(User.id).where(User.username == "hecheng-gone"))
        from backend.notifications.models import OutboxMessage
        assert db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.user_id == gone_id)).all() == []
    timeline = client.get(f"/api/v1/suggestions/{lonely['id']}", headers=world["citizen"]).json["timeline"]
    assert [e["note"] for e in timeline if e["action"] == "remind"] == ["已超过分派时限"]


def test_each_new_lateness_reminds_the_station_again_and_a_retry_does_not(app, client, world, admin_phone):  # noqa: F811
    """An item late to dispatch, then late with 张伟, returned and late to dispatch again, then late with 李娜: the
    station is reminded of each lateness, once; the sweep finding the same lateness again reminds nobody twice."""
    item_id = file(client, world["citizen"], world["station_code"]).json["id"]
    sweep(app)

    def late(column):
        shift(app, item_id, **{column: utcnow() - timedelta(minutes=1)})
        assert "新标记超期 1 条" in sweep(app)

    def reminders():
        return sorted(lines["提示"] for title, lines in listed(client, admin_phone) if title == "建议办理超期提醒")

    late("dispatch_due_dt")
    assert step(client, world["admin"], item_id, "dispatch", deputy_id=world["zhang"].id).status_code == 200
    late("accept_due_dt")
    assert step(client, world["zhang_h"], item_id, "return", reason="不在我的联系范围").status_code == 200
    late("dispatch_due_dt")
    assert step(client, world["admin"], item_id, "dispatch", deputy_id=world["li"].id).status_code == 200
    late("accept_due_dt")
    assert reminders() == ["建议已超过分派时限，请尽快分派"] * 2 + ["建议已超过接单时限，请尽快处理"] * 2
    shift(app, item_id, overdue=False)  # the same lateness found again
    sweep(app)
    assert len(reminders()) == 4
