"""件件有着落 when a deputy can no longer act: leaving office (离任, in the console or by an import) returns
their open items (待接单, 办理中, 转办中) to the station's queue as 待分派 in the same transaction, with the reason
in the timeline, for an administrator to dispatch again; and a return (a deputy's 退回, or leaving office) whose
station has been closed (停用) goes to a queue someone sees: the deputy's open station, else the region's."""
from datetime import timedelta

import pytest

from sqlalchemy import update

from backend.db_types import utcnow
from backend.extensions import db
from backend.org.models import Deputy
from backend.suggestions import services
from backend.suggestions import sweep as suggestion_sweep

from .factories import screen
from .test_activities import begin, checkin, crew, dispatch  # noqa: F401 (crew: a fixture)
from .test_import import upload, xlsx
from .test_suggestion_sweep_stats import shift, sweep
from .test_suggestions import file, step

LEFT = "代表离任，退回联络站重新分派"
WITHDRAWN = "代表离任，建议已退回联络站重新分派"


@pytest.fixture
def town(factory):
    tree = factory.tree()
    north = factory.station(tree["hc"], "城北联络站")
    south = factory.station(tree["hc"], "城南联络站")
    chen = factory.deputy(tree["hc"], "陈明", phone="13800000005", stations=[north])
    li = factory.deputy(tree["hc"], "李娜", phone="13800000004", stations=[north])
    return {
        "tree": tree, "north": north, "south": south, "chen": chen, "li": li,
        "region_admin": factory.headers_for_admin(factory.admin("hc", region=tree["hc"])),
        "north_admin": factory.headers_for_admin(factory.admin("chengbei", stations=[north])),
        "south_admin": factory.headers_for_admin(factory.admin("chengnan", stations=[south])),
        "chen_h": factory.deputy_headers(chen), "li_h": factory.deputy_headers(li),
        "citizen": factory.wechat_login("citizen-wang"),
        "chen_code": chen.qr_code,
    }


def filed(client, app, town, n=1):
    ids = [file(client, town["citizen"], town["chen_code"], content=f"第{i + 1}条：社区健身器材需要更新维护。").json["id"]
           for i in range(n)]
    screen(app)
    return ids


def item(client, headers, item_id):
    return client.get(f"/api/v1/suggestions/{item_id}", headers=headers).json


def last_line(client, town, item_id):
    line = item(client, town["region_admin"], item_id)["timeline"][-1]
    return line["action"], line["actor_role"], line["note"]


def pending_ids(client, headers):
    return sorted(i["id"] for i in client.get("/api/v1/suggestions?scope=all&status=pending", headers=headers).json["items"])


def retire(client, town, deputy="chen"):
    answer = client.patch(f"/api/v1/deputies/{town[deputy].id}", json={"active": False}, headers=town["region_admin"])
    assert answer.status_code == 200, answer.json


def test_leaving_office_returns_the_open_items_to_the_station_for_dispatch(client, app, town):
    assigned, accepted, forwarded, replied = filed(client, app, town, 4)
    for item_id in (accepted, forwarded, replied):
        assert step(client, town["chen_h"], item_id, "accept").status_code == 200
    assert step(client, town["chen_h"], forwarded, "forward", target="hotline_12345", note="转交警部门").status_code == 200
    assert step(client, town["chen_h"], replied, "reply", content="已协调处理").status_code == 200
    shift(app, accepted, reply_due_dt=utcnow() - timedelta(minutes=1))
    sweep(app)  # flagged overdue, deducted

    retire(client, town)
    for item_id in (assigned, accepted, forwarded):
        shown = item(client, town["region_admin"], item_id)
        assert (shown["status"], shown["deputy"], shown["station"]["id"], shown["overdue"]) == \
            ("pending", None, town["north"].id, False), shown
        assert last_line(client, town, item_id) == ("return", "system", LEFT if item_id != forwarded else
                                                     f"{LEFT}；转办至12345 热线人大代表通道的工单已撤回，不再等待部门反馈")
        assert item(client, town["citizen"], item_id)["status"] == "pending"  # the citizen sees 待分派
    assert item(client, town["region_admin"], replied)["status"] == "replied"  # answered: the citizen rates it
    assert pending_ids(client, town["north_admin"]) == [assigned, accepted, forwarded]

    # The station dispatches them again; the new deputy answers.
    for item_id in (accepted, forwarded):
        assert step(client, town["north_admin"], item_id, "dispatch", deputy_id=town["li"].id).status_code == 200
        assert step(client, town["li_h"], item_id, "accept").status_code == 200
        answered = step(client, town["li_h"], item_id, "reply", content="已联系有关部门处理")
        assert (answered.status_code, answered.json["status"]) == (200, "replied"), answered.json
    # No further deduction falls on the deputy who left for items no longer theirs.
    shift(app, assigned, dispatch_due_dt=utcnow() - timedelta(minutes=1))
    sweep(app)
    entries = client.get(f"/api/v1/deputies/{town['chen'].id}/points", headers=town["region_admin"]).json["entries"]
    assert [e["rule_code"] for e in entries] == ["suggestion_overdue"]


def test_an_import_marking_the_deputy_as_left_returns_their_items(client, app, town):
    [item_id] = filed(client, app, town)
    row = ["陈明", "city", "鹤城区", "13800000005", "城北联络站", "", "", "离任"]
    assert upload(client, town["region_admin"], xlsx([row])).json["updated"] == 1
    assert (item(client, town["region_admin"], item_id)["status"], last_line(client, town, item_id)) == \
        ("pending", ("return", "system", LEFT))


def close(client, town, station):
    answer = client.patch(f"/api/v1/stations/{town[station].id}", json={"closed": True}, headers=town["region_admin"])
    assert answer.status_code == 200, answer.json


def test_a_return_to_a_closed_station_goes_to_the_deputys_open_station(client, app, town):
    patched = client.patch(f"/api/v1/deputies/{town['chen'].id}", headers=town["region_admin"],
                           json={"station_ids": [town["north"].id, town["south"].id]})
    assert patched.status_code == 200, patched.json
    [item_id] = filed(client, app, town)
    assert item(client, town["region_admin"], item_id)["station"]["id"] == town["north"].id
    close(client, town, "north")

    returned = step(client, town["chen_h"], item_id, "return", reason="不属于我联系的片区")
    assert (returned.status_code, returned.json["status"], returned.json["station"]["id"]) == \
        (200, "pending", town["south"].id), returned.json
    assert last_line(client, town, item_id) == ("return", "deputy", "不属于我联系的片区（原联络站已停用，转城南联络站待分派）")
    assert pending_ids(client, town["south_admin"]) == [item_id]
    assert pending_ids(client, town["north_admin"]) == []


def test_a_return_with_no_open_station_goes_to_the_regions_queue(client, app, town, wechat_standin):
    close(client, town, "north")  # 陈明's only station: the filing waits at none
    [item_id] = filed(client, app, town)
    assert item(client, town["region_admin"], item_id)["station"] is None
    [accepted] = filed(client, app, town)
    assert step(client, town["chen_h"], accepted, "accept").status_code == 200

    returned = step(client, town["chen_h"], item_id, "return", reason="不属于我联系的片区")
    assert (returned.status_code, returned.json["status"], returned.json["station"]) == (200, "pending", None)
    assert last_line(client, town, item_id) == ("return", "deputy", "不属于我联系的片区（代表无在用联络站，转鹤城区待分派）")
    retire(client, town)
    assert last_line(client, town, accepted) == ("return", "system", f"{LEFT}（代表无在用联络站，转鹤城区待分派）")
    assert pending_ids(client, town["region_admin"]) == [item_id, accepted]
    # The region's administrators are told, as a station's are.
    messages = client.get("/api/v1/me/messages", headers=town["region_admin"]).json["items"]
    assert len([m for m in messages if m["title"] == "新的群众建议"]) >= 2, messages


def stats(client, town):
    figures = client.get("/api/v1/stats/suggestions", headers=town["region_admin"]).json
    return ({k: figures[k] for k in ("work_orders", "work_orders_with_feedback", "work_orders_withdrawn",
                                     "work_orders_awaiting_feedback")},
            [(d["department"], d["work_orders"], d["with_feedback"], d["withdrawn"], d["awaiting_feedback"])
             for d in figures["by_department"]])


def test_a_forwarded_item_returned_as_its_deputy_leaves_withdraws_its_work_order(client, app, town, factory):
    """The department is no longer waited on: the work order stays on record, withdrawn with the reason, the
    statistics stop counting it as awaiting feedback, and the deputy dispatched next may forward again."""
    from .test_console_suggestions import console_login

    [item_id] = filed(client, app, town)
    assert step(client, town["chen_h"], item_id, "accept").status_code == 200
    forwarded = step(client, town["chen_h"], item_id, "forward", target="department", department="县住建局",
                     work_order_no="ZJ-1", note="请住建局维修")
    assert forwarded.status_code == 200, forwarded.json
    assert stats(client, town) == ({"work_orders": 1, "work_orders_with_feedback": 0, "work_orders_withdrawn": 0,
                                    "work_orders_awaiting_feedback": 1}, [("县住建局", 1, 0, 0, 1)])

    retire(client, town)
    shown = item(client, town["region_admin"], item_id)
    assert (shown["status"], shown["forward_department"], shown["work_order_no"]) == ("pending", None, None)
    [order] = shown["work_orders"]
    assert (order["department"], order["work_order_no"], order["feedback_at"], order["withdrawn_reason"]) == \
        ("县住建局", "ZJ-1", None, WITHDRAWN)
    assert order["withdrawn_at"] is not None
    assert last_line(client, town, item_id) == ("return", "system", f"{LEFT}；转办至县住建局的工单已撤回，不再等待部门反馈")
    [for_citizen] = item(client, town["citizen"], item_id)["work_orders"]
    assert (for_citizen["withdrawn_reason"], for_citizen["feedback_at"]) == (WITHDRAWN, None)
    assert stats(client, town) == ({"work_orders": 1, "work_orders_with_feedback": 0, "work_orders_withdrawn": 1,
                                    "work_orders_awaiting_feedback": 0}, [("县住建局", 1, 0, 1, 0)])
    factory.admin("hc-console", region=town["tree"]["hc"])
    console = console_login(app, "hc-console")
    page = console.get(f"/console/suggestions/{item_id}").get_data(as_text=True)
    assert "已撤回" in page and WITHDRAWN in page and "待反馈" not in page
    dashboard = console.get("/console/").get_data(as_text=True)
    assert "共 1 件，已反馈 0 件，已撤回 1 件，待反馈 0 件" in dashboard

    # The deputy dispatched next forwards it again: a second work order, which the feedback answers.
    assert step(client, town["north_admin"], item_id, "dispatch", deputy_id=town["li"].id).status_code == 200
    assert step(client, town["li_h"], item_id, "accept").status_code == 200
    again = step(client, town["li_h"], item_id, "forward", target="department", department="县住建局",
                 work_order_no="ZJ-2", note="重新转办")
    assert again.status_code == 200, again.json
    assert stats(client, town)[0]["work_orders_awaiting_feedback"] == 1
    answered = step(client, town["li_h"], item_id, "feedback", note="已维修", department_satisfaction="satisfied")
    assert answered.status_code == 200, answered.json
    assert [(w["work_order_no"], w["withdrawn_reason"], w["satisfaction"], w["feedback_at"] is not None)
            for w in answered.json["work_orders"]] == [("ZJ-1", WITHDRAWN, None, False), ("ZJ-2", None, "satisfied", True)]
    assert stats(client, town) == ({"work_orders": 2, "work_orders_with_feedback": 1, "work_orders_withdrawn": 1,
                                    "work_orders_awaiting_feedback": 0}, [("县住建局", 2, 1, 1, 0)])


# --- activities -----------------------------------------------------------------------------------


def test_leaving_office_takes_the_deputy_off_the_activities_still_to_come(client, app, crew, wechat_standin):
    """王强, invited for in an hour, leaves office: he is taken off its list as an edit takes a deputy off (the
    record says why), is not reminded, and 结单 neither marks him absent nor deducts; 张伟's list stays."""
    from backend.activities.services import remind_upcoming
    from backend.notifications.outbox import deliver_due

    zhang, li, wang, zhao = crew["deputies"]
    starts = utcnow() + timedelta(hours=1)
    activity_id = dispatch(client, crew, [zhang, wang], starts=starts, ends=starts + timedelta(hours=2)).json["id"]
    alone = dispatch(client, crew, [wang], title="王强的调研", type="research", starts=starts,
                     ends=starts + timedelta(hours=2)).json["id"]
    with app.app_context():
        deliver_due()
    wechat_standin.clear()
    assert client.patch(f"/api/v1/deputies/{wang.id}", json={"active": False},
                        headers=crew["root_admin"]).status_code == 200
    shown = client.get(f"/api/v1/activities/{activity_id}", headers=crew["admin"]).json
    assert [p["deputy"]["id"] for p in shown["participants"]] == [zhang.id]
    # His only deputy: an activity keeps one (its administrators cancel it); he is reminded of nothing there.
    shown = client.get(f"/api/v1/activities/{alone}", headers=crew["admin"]).json
    assert [p["deputy"]["id"] for p in shown["participants"]] == [wang.id]
    lines = client.get(f"/api/v1/activities/{activity_id}/events", headers=crew["admin"]).json["items"]
    assert (lines[-1]["action"], lines[-1]["note"]) == ("edited", "代表离任：移出 王强（待接单）")
    with app.app_context():
        assert remind_upcoming() == 2
        deliver_due()
    assert [m["touser"] for m in wechat_standin.messages()] == [f"fake-openid-deputy{zhang.id}"]

    begin(app, activity_id)
    assert checkin(client, crew["headers"][0], crew["station"].qr_code).status_code == 201
    closed = client.post(f"/api/v1/activities/{activity_id}/close", headers=crew["admin"]).json["summary"]
    assert (closed["absent"], closed["points_deducted"], closed["points_awarded"]) == (0, 0, 5)
    assert client.get(f"/api/v1/deputies/{wang.id}/points", headers=crew["root_admin"]).json["total"] == 0


def test_a_deputy_out_of_office_still_on_a_list_is_neither_messaged_nor_checked_in_by_hand_nor_absent(
        client, app, crew, wechat_standin):
    """However a deputy out of office is still on an activity's list (an import committing at the instant of
    an invitation, or the 述职代表 of a 述职测评 already opened), nothing reaches them: no reminder, 补签 is 409
    该代表已离任。, and 结单 leaves them out of its absences and deductions, saying why."""
    from backend.activities.services import remind_upcoming
    from backend.notifications.outbox import deliver_due

    zhang, li, wang, zhao = crew["deputies"]
    starts = utcnow() + timedelta(hours=1)
    activity_id = dispatch(client, crew, [zhang, wang], starts=starts, ends=starts + timedelta(hours=2)).json["id"]
    with app.app_context():
        deliver_due()
    db.session.execute(update(Deputy).where(Deputy.id == wang.id).values(active=False))  # no sync_office
    db.session.commit()
    wechat_standin.clear()
    with app.app_context():
        assert remind_upcoming() == 1
        deliver_due()
    assert [m["touser"] for m in wechat_standin.messages()] == [f"fake-openid-deputy{zhang.id}"]

    begin(app, activity_id)
    hand = client.post(f"/api/v1/activities/{activity_id}/participants/{wang.id}/checkin",
                       json={"reason": "手机没电"}, headers=crew["admin"])
    assert (hand.status_code, hand.json.get("message")) == (409, "该代表已离任。"), hand.json
    assert checkin(client, crew["headers"][0], crew["station"].qr_code).status_code == 201
    closed = client.post(f"/api/v1/activities/{activity_id}/close", headers=crew["admin"]).json["summary"]
    assert (closed["absent"], closed["points_deducted"]) == (0, 0)
    assert client.get(f"/api/v1/deputies/{wang.id}/points", headers=crew["root_admin"]).json["total"] == 0
    lines = client.get(f"/api/v1/activities/{activity_id}/events", headers=crew["admin"]).json["items"]
    assert lines[-1]["note"].endswith("；已离任、未签到 1 人，不计缺席"), lines[-1]["note"]


# --- 不满意 after the deputy left office ----------------------------------------------------------------

def sent(wechat_standin, openid):
    return [(m["template_id"], m["data"]["phrase3"]["value"], m["data"]["thing4"]["value"])
            for m in wechat_standin.messages() if m["touser"] == openid]


def test_a_dissatisfied_rating_after_the_deputy_left_goes_back_to_the_station_for_dispatch(
        client, app, town, wechat_standin):
    """Answered, then its deputy left office: the citizen's 不满意 sends the item back to its station (待分派), as
    leaving office returns the open ones; the station is told to dispatch it, the citizen that another deputy will
    handle it, and the deputy who left nothing — neither then, nor reminded or docked when it is late."""
    chen = f"fake-openid-deputy{town['chen'].id}"
    [item_id] = filed(client, app, town)
    assert step(client, town["chen_h"], item_id, "accept").status_code == 200
    assert step(client, town["chen_h"], item_id, "reply", content="已协调处理").status_code == 200
    retire(client, town)
    sweep(app)
    wechat_standin.clear()

    rated = step(client, town["citizen"], item_id, "rate", satisfaction="dissatisfied", comment="器材还是坏的")
    assert rated.status_code == 200, rated.json
    assert (rated.json["status"], rated.json["deputy"], rated.json["station"]["id"], rated.json["round"]) == \
        ("pending", None, town["north"].id, 2)
    assert last_line(client, town, item_id) == ("return", "system", LEFT)
    assert pending_ids(client, town["north_admin"]) == [item_id]
    told = client.get("/api/v1/me/messages", headers=town["north_admin"]).json["items"][0]
    assert {line["label"]: line["value"] for line in told["lines"]}["提示"] == "群众不满意，原代表已离任，请重新分派"

    shift(app, item_id, dispatch_due_dt=utcnow() - timedelta(minutes=1))
    assert "新标记超期 1 条" in sweep(app)
    assert sent(wechat_standin, "fake-openid-citizen-wang") == [("tmpl-reopened", "待分派", "原代表已离任，将另行分派代表办理")]
    assert sent(wechat_standin, chen) == []
    assert client.get(f"/api/v1/deputies/{town['chen'].id}/points", headers=town["region_admin"]).json["entries"] == []
    assert step(client, town["north_admin"], item_id, "dispatch", deputy_id=town["li"].id).status_code == 200


def test_an_item_left_with_a_deputy_out_of_office_costs_them_no_reminder_nor_point(
        client, app, town, wechat_standin, monkeypatch):
    """However an open item is still with a deputy out of office when the sweep flags it late (data from before
    their items were returned, or a rating committed at the instant they left, and the sweep's safety net not run
    on it yet), the sweep neither reminds nor docks them; the station is told."""
    monkeypatch.setattr(suggestion_sweep, "return_left_with_departed", lambda: 0)  # the deputy left just after it
    [item_id] = filed(client, app, town)
    assert step(client, town["chen_h"], item_id, "accept").status_code == 200
    db.session.execute(update(Deputy).where(Deputy.id == town["chen"].id).values(active=False))  # no sync_office
    db.session.commit()
    sweep(app)
    wechat_standin.clear()
    shift(app, item_id, reply_due_dt=utcnow() - timedelta(minutes=1))
    assert "新标记超期 1 条" in sweep(app)
    assert sent(wechat_standin, f"fake-openid-deputy{town['chen'].id}") == []
    assert client.get(f"/api/v1/deputies/{town['chen'].id}/points", headers=town["region_admin"]).json["entries"] == []
    told = client.get("/api/v1/me/messages", headers=town["north_admin"]).json["items"]
    assert [m["title"] for m in told][:1] == ["建议办理超期提醒"]


# --- the sweep's safety net: an open item still with a deputy out of office --------------------------------

def test_the_sweep_returns_an_item_left_with_a_deputy_out_of_office_to_the_station_once(client, app, town):
    """Open items still with a deputy out of office all the same (data from before their items were returned, or a
    rating committed at the instant they left): one sweep sends them back to their station for dispatch, as leaving
    office does, with the same line and the station told once each; the next sweep finds nothing more to do."""
    assigned, forwarded = filed(client, app, town, 2)
    assert step(client, town["chen_h"], forwarded, "accept").status_code == 200
    assert step(client, town["chen_h"], forwarded, "forward", target="hotline_12345", note="转交警部门").status_code == 200
    db.session.execute(update(Deputy).where(Deputy.id == town["chen"].id).values(active=False))  # no sync_office
    db.session.commit()

    assert "退回离任代表名下的建议 2 条" in sweep(app)
    for item_id in (assigned, forwarded):
        shown = item(client, town["region_admin"], item_id)
        assert (shown["status"], shown["deputy"], shown["station"]["id"]) == ("pending", None, town["north"].id), shown
    assert last_line(client, town, assigned) == ("return", "system", LEFT)
    assert last_line(client, town, forwarded) == \
        ("return", "system", f"{LEFT}；转办至12345 热线人大代表通道的工单已撤回，不再等待部门反馈")
    assert pending_ids(client, town["north_admin"]) == [assigned, forwarded]
    told = client.get("/api/v1/me/messages", headers=town["north_admin"]).json["items"]
    hints = [{line["label"]: line["value"] for line in m["lines"]}.get("提示") for m in told]
    assert hints.count("代表离任，建议已退回，请重新分派") == 2, hints

    before = [item(client, town["region_admin"], item_id) for item_id in (assigned, forwarded)]
    assert "退回离任代表名下的建议 0 条" in sweep(app)
    assert [item(client, town["region_admin"], item_id) for item_id in (assigned, forwarded)] == before
    assert client.get("/api/v1/me/messages", headers=town["north_admin"]).json["items"] == told


def test_an_item_the_safety_net_fails_on_holds_up_none_of_the_others(client, app, town, monkeypatch):
    first, second = filed(client, app, town, 2)
    db.session.execute(update(Deputy).where(Deputy.id == town["chen"].id).values(active=False))  # no sync_office
    db.session.commit()
    real = services.return_departed_item

    def failing_on_first(item):
        if item.id == first:
            raise RuntimeError("a bug of ours with this one item")
        return real(item)

    monkeypatch.setattr(services, "return_departed_item", failing_on_first)
    assert "退回离任代表名下的建议 1 条" in sweep(app)
    assert [item(client, town["region_admin"], i)["status"] for i in (first, second)] == ["assigned", "pending"]
    monkeypatch.setattr(services, "return_departed_item", real)
    assert "退回离任代表名下的建议 1 条" in sweep(app)  # the next run takes it
    assert pending_ids(client, town["north_admin"]) == [first, second]
