"""转办工单: a deputy forwards an item to a department or the 12345 hotline under a work order number, records
the answer with how satisfied they are with it; 不满意 puts the item under the station's supervision (督办),
and the statistics follow each department's work orders. Through the HTTP API, as deputies, citizens and
administrators use it."""
from datetime import datetime, timedelta

import pytest

from backend.db_types import CHINA, utcnow

from .factories import screen
from .test_console_suggestions import console_login
from .test_openapi import assert_documented
from .test_suggestions import delivered, file, step, world  # noqa: F401  (fixture)
from .test_wechat_link import link, new_link_code

HOTLINE = "12345 热线人大代表通道"


@pytest.fixture
def accepted(client, world):  # noqa: F811
    """An item filed through 张伟's code (its citizen agreeing to publish it: others may follow it) and accepted by him."""
    item = file(client, world["citizen"], world["deputy_code"], content="幸福路与建设路口信号灯坏了三天。",
                public_consent=True).json
    assert step(client, world["zhang_h"], item["id"], "accept").status_code == 200
    return item


def item_as(client, headers, item_id):
    return client.get(f"/api/v1/suggestions/{item_id}", headers=headers).json


def forward(client, headers, item_id, **body):
    return step(client, headers, item_id, "forward", **({"note": "请相关部门处理。"} | body))


def feedback(client, headers, item_id, **body):
    return step(client, headers, item_id, "feedback", **({"note": "部门已答复。"} | body))


def test_a_dissatisfied_work_order_goes_to_supervision_and_the_deputy_forwards_again(
        app, client, factory, world, accepted, wechat_standin):  # noqa: F811
    # The station's administrator receives reminders in WeChat (console → 微信提醒).
    code, _ = new_link_code(console_login(app, "chengbei"))
    assert link(client, factory.wechat_login("admin-wang"), code).status_code == 200
    delivered(wechat_standin, app)
    wechat_standin.clear()
    deputy, item_id = world["zhang_h"], accepted["id"]

    forwarded = forward(client, deputy, item_id, target="hotline_12345", work_order_no="  RX20261127001 ",
                        note="通过 12345 人大代表通道转交警部门。")
    assert forwarded.status_code == 200, forwarded.json
    body = forwarded.json
    assert (body["status"], body["forward_department"], body["work_order_no"]) == ("forwarded", HOTLINE, "RX20261127001")
    assert body["department_satisfaction"] is None
    [order] = body["work_orders"]
    assert order["forwarded_at"] is not None
    assert {k: v for k, v in order.items() if k != "forwarded_at"} == {
        "target": "hotline_12345", "department": HOTLINE, "work_order_no": "RX20261127001", "feedback_at": None,
        "satisfaction": None, "satisfaction_label": None, "withdrawn_at": None, "withdrawn_reason": None,
    }

    answered = feedback(client, deputy, item_id, note="热线回复：已转交警大队，暂无维修时间。",
                        department_satisfaction="dissatisfied")
    assert answered.status_code == 200, answered.json
    body = answered.json
    assert (body["status"], body["supervised"]) == ("accepted", True)
    assert (body["department_satisfaction"], body["department_satisfaction_label"]) == ("dissatisfied", "不满意")
    assert body["work_orders"][0]["feedback_at"] is not None
    assert body["work_orders"][0]["satisfaction_label"] == "不满意"
    last_two = [(e["action"], e["actor_role"], e.get("actor_name"), e["note"]) for e in body["timeline"][-2:]]
    assert last_two == [
        ("feedback", "deputy", "张伟", "热线回复：已转交警大队，暂无维修时间。"),
        ("supervise", "system", "系统", f"代表对{HOTLINE}的办理结果不满意，转入督办"),
    ]
    # The citizen reads it in the timeline too, and sees it flagged.
    for_citizen = item_as(client, world["citizen"], item_id)
    assert for_citizen["supervised"] is True and for_citizen["timeline"][-1]["action_label"] == "督办"

    # The station's administrator is told, once, in WeChat; the deputy and the citizen are not.
    messages = delivered(wechat_standin, app)
    assert [(m["touser"], m["template_id"]) for m in messages] == [("fake-openid-admin-wang", "tmpl-supervised")]
    data = {key: value["value"] for key, value in messages[0]["data"].items()}
    assert data["character_string1"] == accepted["number"]
    assert data["thing4"] == "代表对部门办理不满意，请组织现场督办"
    assert data["phrase3"] == "办理中"
    assert all(len(data[key]) <= 20 for key in ("thing2", "thing4"))
    assert [i["id"] for i in client.get("/api/v1/suggestions?supervised=true", headers=world["admin"]).json["items"]] \
        == [item_id]

    # Back with the deputy, who forwards it again, now to the department itself and without a number.
    again = forward(client, deputy, item_id, target="department", department="市公安局交警支队", note="直接转交警支队。")
    assert again.status_code == 200, again.json
    assert (again.json["forward_department"], again.json["work_order_no"]) == ("市公安局交警支队", None)
    assert again.json["department_satisfaction"] is None, "the new work order is not answered yet"
    done = feedback(client, deputy, item_id, note="交警支队：今日已修复。", department_satisfaction="satisfied").json
    assert (done["status"], done["department_satisfaction"], done["supervised"]) == ("accepted", "satisfied", True)
    assert [(w["department"], w["work_order_no"], w["satisfaction"]) for w in done["work_orders"]] == [
        (HOTLINE, "RX20261127001", "dissatisfied"), ("市公安局交警支队", None, "satisfied")]
    assert [e["action"] for e in done["timeline"]] == [
        "file", "accept", "forward", "feedback", "supervise", "forward", "feedback"]
    assert delivered(wechat_standin, app) == messages, "a satisfied answer tells nobody"
    assert step(client, deputy, item_id, "reply", content="信号灯已修复，感谢反映。").json["status"] == "replied"


def test_the_systems_supervision_step_is_in_the_documented_timeline_for_staff(client, world, accepted):  # noqa: F811
    """督办 after 不满意 is the system's step, of no account: staff read it, as documented, with no user id."""
    item_id = accepted["id"]
    assert forward(client, world["zhang_h"], item_id, target="department", department="县住建局").status_code == 200
    answered = feedback(client, world["zhang_h"], item_id, department_satisfaction="dissatisfied")
    assert answered.status_code == 200, answered.json
    assert_documented(answered, "post", "/api/v1/suggestions/{suggestion_id}/feedback")
    for viewer in ("zhang_h", "admin", "citizen"):
        seen = client.get(f"/api/v1/suggestions/{item_id}", headers=world[viewer])
        assert_documented(seen, "get", "/api/v1/suggestions/{suggestion_id}")
        supervise = seen.json["timeline"][-1]
        assert (supervise["action"], supervise["actor_role"], supervise.get("actor_user_id")) == (
            "supervise", "system", None), viewer


def test_the_citizen_sees_the_work_order_a_follower_sees_only_where_it_went(app, client, world, accepted):  # noqa: F811
    """A work order's number finds the ticket at the hotline, where the citizen's report and phone are:
    the item's citizen and staff see it, and the deputy's verdict on the answer; a citizen who follows
    the item sees that it went to the department, as they see the department already."""
    screen(app)
    assert client.post(f"/api/v1/suggestions/{accepted['id']}/follow", headers=world["stranger"]).status_code == 200
    forward(client, world["zhang_h"], accepted["id"], target="department", department="县住建局", work_order_no="ZJ-0042")
    feedback(client, world["zhang_h"], accepted["id"], department_satisfaction="dissatisfied")

    for viewer in ("citizen", "zhang_h", "admin"):
        seen = item_as(client, world[viewer], accepted["id"])
        assert (seen["work_order_no"], seen["department_satisfaction"]) == ("ZJ-0042", "dissatisfied"), viewer
        assert [(w["department"], w["work_order_no"], w["satisfaction_label"]) for w in seen["work_orders"]] == [
            ("县住建局", "ZJ-0042", "不满意")], viewer
    follower = item_as(client, world["stranger"], accepted["id"])
    assert follower["forward_department"] == "县住建局" and follower["supervised"] is True
    assert follower["timeline"][-1]["note"] == "代表对县住建局的办理结果不满意，转入督办"
    assert (follower["work_order_no"], follower["department_satisfaction"]) == (None, None)
    assert [(w["department"], w["work_order_no"], w["satisfaction"]) for w in follower["work_orders"]] == [
        ("县住建局", None, None)]
    assert "ZJ-0042" not in str(follower)
    listed = client.get("/api/v1/suggestions?scope=mine", headers=world["stranger"]).json["items"]
    assert "ZJ-0042" not in str(listed)
    # The lists (read apart from the item's page) show the citizen the latest work order as its page does.
    [own] = client.get("/api/v1/suggestions?scope=mine", headers=world["citizen"]).json["items"]
    assert (own["work_order_no"], own["department_satisfaction_label"]) == ("ZJ-0042", "不满意")


def test_bad_work_order_input_is_422_in_chinese_and_changes_nothing(client, world, accepted):  # noqa: F811
    deputy, item_id = world["zhang_h"], accepted["id"]
    before = item_as(client, world["admin"], item_id)

    for body, field, message in (
        ({"target": "hotline_12345", "work_order_no": "R" * 51}, "work_order_no", "长度不能超过 50 个字符。"),
        ({"target": "hotline_12345", "work_order_no": 20261127001}, "work_order_no", "应为文本。"),
        ({"target": "hotline_12345", "work_order_no": ["RX1"]}, "work_order_no", "应为文本。"),
    ):
        refused = forward(client, deputy, item_id, **body)
        assert refused.status_code == 422, refused.json
        assert refused.json["error"] == "validation_failed"
        assert refused.json["errors"] == {field: [message]}
    assert item_as(client, world["admin"], item_id) == before

    # Fifty characters once trimmed are fine; a blank number is no number.
    assert forward(client, deputy, item_id, target="hotline_12345", work_order_no=f"  {'R' * 50}  ").json[
        "work_order_no"] == "R" * 50
    forwarded = item_as(client, world["admin"], item_id)
    for body, message in (
        ({"department_satisfaction": "very_satisfied"}, "满意度应为满意、基本满意或不满意。"),
        ({"department_satisfaction": 3}, "应为文本。"),
        ({"department_satisfaction": "不满意"}, "满意度应为满意、基本满意或不满意。"),
    ):
        refused = feedback(client, deputy, item_id, **body)
        assert refused.status_code == 422, refused.json
        assert refused.json["errors"] == {"department_satisfaction": [message]}
    missing_note = step(client, deputy, item_id, "feedback", department_satisfaction="dissatisfied")
    assert (missing_note.status_code, missing_note.json["errors"]) == (422, {"note": ["请填写部门反馈内容。"]})
    after = item_as(client, world["admin"], item_id)
    assert after == forwarded
    assert (after["status"], after["supervised"], after["work_orders"][0]["feedback_at"]) == ("forwarded", False, None)

    # The contract's feedback, a note alone, still answers the work order: with no verdict, and no supervision.
    plain = feedback(client, deputy, item_id, note="热线已回复。")
    assert plain.status_code == 200, plain.json
    assert (plain.json["status"], plain.json["supervised"], plain.json["department_satisfaction"]) == (
        "accepted", False, None)
    assert plain.json["work_orders"][0]["feedback_at"] is not None
    blank = forward(client, deputy, item_id, target="hotline_12345", work_order_no="   ")
    assert blank.status_code == 200 and blank.json["work_order_no"] is None


def test_only_the_items_deputy_and_its_administrators_forward_and_record_feedback(client, factory, world, accepted):  # noqa: F811
    item_id = accepted["id"]
    before = item_as(client, world["admin"], item_id)
    root = factory.headers_for_admin(factory.admin("root", region=world["tree"]["root"]))
    for headers in (world["li_h"], world["other_admin"], world["stranger"]):
        assert forward(client, headers, item_id, target="hotline_12345", work_order_no="RX1").status_code == 404
    refused = forward(client, world["citizen"], item_id, target="hotline_12345")
    assert (refused.status_code, refused.json["error"]) == (403, "forbidden")
    assert item_as(client, world["admin"], item_id) == before

    # The station's administrator forwards; a region administrator above it records the answer.
    assert forward(client, world["admin"], item_id, target="department", department="县水利局",
                   work_order_no="SL-7").status_code == 200
    for headers in (world["li_h"], world["other_admin"]):
        assert feedback(client, headers, item_id, department_satisfaction="dissatisfied").status_code == 404
    assert feedback(client, world["citizen"], item_id, department_satisfaction="dissatisfied").status_code == 403
    answered = feedback(client, root, item_id, department_satisfaction="satisfied")
    assert answered.status_code == 200, answered.json
    assert [(e["action"], e["actor_role"]) for e in answered.json["timeline"][-2:]] == [
        ("forward", "station_admin"), ("feedback", "region_admin")]
    # Answered, the work order takes no second feedback.
    again = feedback(client, world["zhang_h"], item_id, department_satisfaction="dissatisfied")
    assert (again.status_code, again.json["error"]) == (409, "invalid_transition")


def test_work_order_statistics_per_department_with_explicit_denominators(client, factory, world):  # noqa: F811
    deputy = world["zhang_h"]

    def handled(category="城市管理", content="路灯坏了。"):
        item_id = file(client, world["citizen"], world["deputy_code"], category=category, content=content).json["id"]
        assert step(client, deputy, item_id, "accept").status_code == 200
        return item_id

    def order(item_id, satisfaction=None, **body):
        assert forward(client, deputy, item_id, **body).status_code == 200
        if satisfaction != "open":
            answer = {"department_satisfaction": satisfaction} if satisfaction else {}
            assert feedback(client, deputy, item_id, **answer).status_code == 200

    housing = {"target": "department", "department": "县住建局"}
    first = handled()
    order(first, "dissatisfied", **housing)
    order(first, "satisfied", **housing)
    order(handled(category="道路交通"), "basically_satisfied", target="hotline_12345", work_order_no="RX1")
    third = handled()
    order(third, None, **housing)  # answered without the deputy's verdict: not rated
    order(third, "open", target="department", department="县城管局")
    # Another city's item, forwarded to a department of the same name: not in this station's figures.
    yuelu = factory.station(world["tree"]["yl"], "岳麓联络站")
    chen = factory.deputy(world["tree"]["yl"], "陈明", phone="13800000009", stations=[yuelu])
    chen_h = factory.deputy_headers(chen)
    far = file(client, world["citizen"], chen.qr_code).json["id"]
    step(client, chen_h, far, "accept")
    forward(client, chen_h, far, **housing)
    feedback(client, chen_h, far, department_satisfaction="satisfied")

    stats = client.get("/api/v1/stats/suggestions", headers=world["admin"])
    assert stats.status_code == 200, stats.json
    figures = stats.json
    assert (figures["work_orders"], figures["work_orders_with_feedback"], figures["work_orders_withdrawn"],
            figures["work_orders_awaiting_feedback"]) == (5, 4, 0, 1)
    assert figures["denominators"]["work_orders_rated"] == 3
    assert figures["work_order_satisfaction_rate"] == round(2 / 3, 4)
    assert figures["supervised"] == 1
    assert figures["by_department"] == [
        {"department": "县住建局", "work_orders": 3, "with_feedback": 3, "withdrawn": 0, "awaiting_feedback": 0, "satisfied": 1, "basically_satisfied": 0,
         "dissatisfied": 1, "rated": 2, "satisfaction_rate": 0.5},
        {"department": HOTLINE, "work_orders": 1, "with_feedback": 1, "withdrawn": 0, "awaiting_feedback": 0, "satisfied": 0, "basically_satisfied": 1,
         "dissatisfied": 0, "rated": 1, "satisfaction_rate": 1.0},
        {"department": "县城管局", "work_orders": 1, "with_feedback": 0, "withdrawn": 0, "awaiting_feedback": 1, "satisfied": 0, "basically_satisfied": 0,
         "dissatisfied": 0, "rated": 0, "satisfaction_rate": None},
    ]

    # The same filters as every other figure: category, deputy, station, period, scope.
    def departments(query, headers=world["admin"]):
        answer = client.get(f"/api/v1/stats/suggestions?{query}", headers=headers).json
        return [(d["department"], d["work_orders"]) for d in answer["by_department"]], answer["work_order_satisfaction_rate"]

    assert departments("category=道路交通") == ([(HOTLINE, 1)], 1.0)
    assert departments(f"deputy_id={world['li'].id}") == ([], None)
    assert departments(f"station_id={world['station'].id}")[0] == [("县住建局", 3), (HOTLINE, 1), ("县城管局", 1)]
    tomorrow = (utcnow().astimezone(CHINA) + timedelta(days=1)).date().isoformat()
    assert departments(f"from={tomorrow}") == ([], None)
    assert departments("", world["other_admin"]) == ([("县住建局", 1)], 1.0)
    root = factory.headers_for_admin(factory.admin("root", region=world["tree"]["root"]))
    assert departments("", root) == ([("县住建局", 4), (HOTLINE, 1), ("县城管局", 1)], 0.75)


def test_supervision_reaches_the_deputy_handling_the_item_and_the_station_when_rounds_run_out(
        app, client, factory, world, accepted, wechat_standin):  # noqa: F811
    """An administrator's 督办 tells the deputy handling an open item to press on; a citizen still
    dissatisfied after the last round closes the item under supervision and tells the station."""
    code, _ = new_link_code(console_login(app, "chengbei"))
    assert link(client, factory.wechat_login("admin-wang"), code).status_code == 200
    delivered(wechat_standin, app)
    wechat_standin.clear()
    item_id, deputy_openid = accepted["id"], f"fake-openid-deputy{world['zhang'].id}"

    def supervised_messages():
        return [(m["touser"], m["data"]["thing4"]["value"]) for m in delivered(wechat_standin, app)
                if m["template_id"] == "tmpl-supervised"]

    assert step(client, world["admin"], item_id, "supervise", note="群众反映强烈，请加快办理").status_code == 200
    assert supervised_messages() == [(deputy_openid, "此建议已列入督办，请加快办理")]

    wechat_standin.clear()
    for _ in range(2):
        assert step(client, world["zhang_h"], item_id, "reply", content="已协调处理。").status_code == 200
        rated = step(client, world["citizen"], item_id, "rate", satisfaction="dissatisfied")
    assert (rated.json["status"], rated.json["supervised"]) == ("closed", True)
    assert supervised_messages() == [("fake-openid-admin-wang", "群众仍不满意，请组织督办")]

    wechat_standin.clear()
    assert step(client, world["admin"], item_id, "supervise", note="复核").status_code == 200
    assert supervised_messages() == [], "a closed item has nobody to press on"


def test_a_work_order_number_or_department_with_control_characters_is_refused(client, world, accepted):  # noqa: F811
    """A number is typed again at the hotline and a department is read on the dashboard and exported to
    Excel (which refuses control characters): neither takes a line break, a tab, a control or an
    invisible character."""
    deputy, item_id = world["zhang_h"], accepted["id"]
    before = item_as(client, world["admin"], item_id)
    refused_message = "不能包含换行、制表符等控制字符或不可见字符。"
    for body, field in (
        ({"target": "hotline_12345", "work_order_no": "RX\x01\x02"}, "work_order_no"),
        ({"target": "hotline_12345", "work_order_no": "RX2026\n1127"}, "work_order_no"),
        ({"target": "hotline_12345", "work_order_no": "RX2026\t1127"}, "work_order_no"),
        ({"target": "hotline_12345", "work_order_no": "RX\u200b2026"}, "work_order_no"),
        ({"target": "department", "department": "县住建局\x07"}, "department"),
        ({"target": "department", "department": "县住\u202e建局"}, "department"),
    ):
        refused = forward(client, deputy, item_id, **body)
        assert refused.status_code == 422, (body, refused.json)
        assert refused.json["errors"] == {field: [refused_message]}, body
    assert item_as(client, world["admin"], item_id) == before
    # Surrounding whitespace, line breaks included, is trimmed as before.
    kept = forward(client, deputy, item_id, target="department", department="\n县住建局\t", work_order_no=" ZJ-1\n")
    assert (kept.json["forward_department"], kept.json["work_order_no"]) == ("县住建局", "ZJ-1")


def test_feedback_on_an_item_forwarded_without_an_open_work_order_opens_one_for_that_forwarding(
        app, client, world, accepted):  # noqa: F811
    """An item forwarded by the code before work orders while migration 0017 ran has none for that
    forwarding, or only answered ones from before: its feedback answers a work order made for its
    latest forwarding (as the migration made them), never an answered one again, and is never a 500."""
    from sqlalchemy import delete, update

    from backend.extensions import db
    from backend.suggestions.models import Suggestion, SuggestionWorkOrder

    deputy, item_id = world["zhang_h"], accepted["id"]
    forward(client, deputy, item_id, target="department", department="县住建局", work_order_no="ZJ-1")
    with app.app_context():  # the work order is missing, as if forwarded by the old code
        db.session.execute(delete(SuggestionWorkOrder))
        db.session.commit()
    answered = feedback(client, deputy, item_id, department_satisfaction="dissatisfied")
    assert answered.status_code == 200, answered.json
    [order] = answered.json["work_orders"]
    assert (order["department"], order["work_order_no"], order["satisfaction"]) == ("县住建局", None, "dissatisfied")
    assert order["forwarded_at"] < order["feedback_at"]
    assert answered.json["timeline"][-1]["note"] == "代表对县住建局的办理结果不满意，转入督办"

    # Forwarded again by the old code: the item says where, but no new work order was written.
    with app.app_context():
        db.session.execute(update(Suggestion).values(status="forwarded", forward_target="hotline_12345",
                                                     forward_department=HOTLINE))
        db.session.commit()
    again = feedback(client, deputy, item_id, department_satisfaction="satisfied")
    assert again.status_code == 200, again.json
    assert [(w["department"], w["satisfaction"]) for w in again.json["work_orders"]] == [
        ("县住建局", "dissatisfied"), (HOTLINE, "satisfied")], "the answered work order keeps its verdict"


def test_an_item_refused_at_the_department_while_held_for_review_withdraws_its_work_order(
        app, client, world, accepted):  # noqa: F811
    """Screening may hold an item that is at a department; refused then (不予受理), it is closed and nobody waits
    for the department any more: its work order stays on record, withdrawn."""
    from sqlalchemy import update

    from backend.extensions import db
    from backend.suggestions.models import Suggestion

    deputy, item_id = world["zhang_h"], accepted["id"]
    forward(client, deputy, item_id, target="department", department="县住建局", work_order_no="ZJ-9")
    with app.app_context():  # held by the photo screening meanwhile
        db.session.execute(update(Suggestion).where(Suggestion.id == item_id).values(held_for_review=True))
        db.session.commit()
    refused = step(client, world["admin"], item_id, "reject", reason="内容涉及他人隐私")
    assert (refused.status_code, refused.json["status"]) == (200, "rejected"), refused.json
    [order] = refused.json["work_orders"]
    assert (order["work_order_no"], order["feedback_at"], order["withdrawn_reason"]) == ("ZJ-9", None, "建议不予受理")
    figures = client.get("/api/v1/stats/suggestions", headers=world["admin"]).json
    assert (figures["work_orders_withdrawn"], figures["work_orders_awaiting_feedback"]) == (1, 0)


def test_a_contact_typed_as_the_department_is_masked_for_citizens_and_kept_for_staff(app, client, world, accepted):  # noqa: F811,E501
    """A deputy writes an official's mobile into 承办部门: the item's citizen and its followers read the
    department as other staff text is shown to them, redacted — on the item, its work orders, its timeline
    and in their lists; the deputy and the station's administrators read it as typed."""
    typed = "县住建局王科长13907451234"
    screen(app)
    assert client.post(f"/api/v1/suggestions/{accepted['id']}/follow", headers=world["stranger"]).status_code == 200
    assert step(client, world["zhang_h"], accepted["id"], "forward", target="department", department=typed,
                note="转").status_code == 200
    assert step(client, world["zhang_h"], accepted["id"], "feedback", note="未处理",
                department_satisfaction="dissatisfied").status_code == 200
    for citizen in (world["citizen"], world["stranger"]):
        shown = item_as(client, citizen, accepted["id"])
        assert shown["forward_department"] == "县住建局王科长***"
        assert [w["department"] for w in shown["work_orders"]] == ["县住建局王科长***"]
        assert shown["timeline"][-1]["note"] == "代表对县住建局王科长***的办理结果不满意，转入督办"
        listed = client.get("/api/v1/suggestions?scope=mine", headers=citizen).json["items"]
        assert "13907451234" not in str(listed) and "县住建局王科长***" in str(listed)
    for staff in (world["zhang_h"], world["admin"]):
        shown = item_as(client, staff, accepted["id"])
        assert shown["forward_department"] == typed and shown["work_orders"][0]["department"] == typed
        assert shown["timeline"][-1]["note"] == f"代表对{typed}的办理结果不满意，转入督办"


def test_the_unit_typed_for_a_hotline_work_order_is_kept(app, client, world, accepted):  # noqa: F811
    """转办到 12345 热线 with the unit the hotline is asked to pass it to: kept with the channel, not dropped."""
    body = forward(client, world["zhang_h"], accepted["id"], target="hotline_12345", department="市交警支队").json
    assert body["forward_department"] == f"{HOTLINE}（市交警支队）"
    assert [(w["target"], w["department"]) for w in body["work_orders"]] == [("hotline_12345", f"{HOTLINE}（市交警支队）")]
    accepted_again = file(client, world["citizen"], world["deputy_code"]).json
    assert step(client, world["zhang_h"], accepted_again["id"], "accept").status_code == 200
    too_long = forward(client, world["zhang_h"], accepted_again["id"], target="hotline_12345", department="部" * 90)
    assert too_long.status_code == 422
    assert too_long.json["errors"]["department"] == ["转办到 12345 热线时，承办部门不能超过 84 个字。"]


def deputy_notices(client, world):  # noqa: F811
    return [(m["template"], m["lines"]) for m in client.get("/api/v1/me/messages", headers=world["zhang_h"]).json["items"]
            if m["template"] == "supervised"]


def test_the_deputy_is_told_when_an_administrator_forwards_or_records_the_feedback(app, client, world, accepted):  # noqa: F811,E501
    """The station's administrator takes the deputy's steps: the deputy is told (the template they consented
    to while handling, 督办, titled 建议办理进展通知 in the message centre), the feedback with the limit their
    reply clock now runs to — once each; their own steps tell them nothing."""
    screen(app)
    assert forward(client, world["admin"], accepted["id"], target="department", department="县住建局").status_code == 200
    assert str(deputy_notices(client, world)).count("联络站已代为转办，待部门反馈") == 1
    back = feedback(client, world["admin"], accepted["id"], department_satisfaction="satisfied").json
    due = datetime.fromisoformat(back["reply_due_at"]).astimezone(CHINA)
    notices = str(deputy_notices(client, world))
    assert (len(deputy_notices(client, world)), notices.count(f"部门已反馈，请于{due.month}月{due.day}日前答复群众")) == (2, 1)
    # Steps of the work, not 督办: the message centre titles them so, whatever the template they went under.
    titles = [m["title"] for m in client.get("/api/v1/me/messages", headers=world["zhang_h"]).json["items"]
              if m["template"] == "supervised"]
    assert titles == ["建议办理进展通知", "建议办理进展通知"]

    assert forward(client, world["zhang_h"], accepted["id"], target="department", department="县城管局").status_code == 200
    assert feedback(client, world["zhang_h"], accepted["id"], department_satisfaction="satisfied").status_code == 200
    assert len(deputy_notices(client, world)) == 2
