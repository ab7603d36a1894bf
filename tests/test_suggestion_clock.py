"""Deadlines run while the deputy can act: not while an item is held for review; flags belong to open
work; a deputy is told of an assignment once, a citizen of every answer; the public flag agrees with
the public pages."""
from datetime import timedelta

from backend.db_types import utcnow
from backend.extensions import db
from backend.suggestions import services
from backend.suggestions.models import Suggestion

from .factories import screen
from .test_suggestion_sweep_stats import shift, sweep
from .test_suggestions import delivered, file, step, world  # noqa: F401

RISKY = "违禁测试：楼下有人聚众赌博"  # the stand-in's msgSecCheck answers risky for 违禁测试


def messages(wechat_standin, app, template):
    return [m for m in delivered(wechat_standin, app) if m["template_id"] == template]


def test_a_held_item_runs_no_clock_and_released_starts_its_stage_afresh(client, app, world, wechat_standin):  # noqa: F811
    item_id = file(client, world["citizen"], world["deputy_code"], content=RISKY).json["id"]
    screen(app)
    shift(app, item_id, accept_due_dt=utcnow() - timedelta(hours=1))
    assert "新标记超期 0 条" in sweep(app)
    held = client.get(f"/api/v1/suggestions/{item_id}", headers=world["admin"]).json
    assert (held["held_for_review"], held["overdue"]) == (True, False)
    # Nothing quoting the held words went to WeChat: no reminder, no new-item message.
    assert not any(RISKY[:4] in str(m["data"]) for m in delivered(wechat_standin, app))

    released = step(client, world["admin"], item_id, "release", note="经核实内容无问题")
    assert released.status_code == 200, released.json
    assert (released.json["overdue"], released.json["due_soon"]) == (False, False)
    with app.app_context():
        item = db.session.get(Suggestion, item_id)
        assert item.accept_due_dt > utcnow() + timedelta(hours=1)  # the accept window, from the release
    assert "新标记超期 0 条" in sweep(app)
    assert len(messages(wechat_standin, app, "tmpl-new-item")) == 1


def test_held_after_acceptance_costs_no_deduction_while_the_deputy_is_locked_out(client, app, world, wechat_standin):  # noqa: F811
    item_id = file(client, world["citizen"], world["deputy_code"], content=RISKY).json["id"]
    assert step(client, world["zhang_h"], item_id, "accept").status_code == 200  # before the sweep screened it
    screen(app)
    assert step(client, world["zhang_h"], item_id, "reply", content="已处理").status_code == 404  # held
    shift(app, item_id, reply_due_dt=utcnow() - timedelta(minutes=1))
    sweep(app)
    zhang = world["zhang"]
    assert client.get(f"/api/v1/deputies/{zhang.id}/points", headers=world["zhang_h"]).json["total"] == 0
    assert messages(wechat_standin, app, "tmpl-overdue") == []


def test_an_item_that_leaves_the_deputys_hands_is_no_longer_overdue(client, app, world):  # noqa: F811
    for action, body in (("withdraw", {}), ("reject", {"reason": "不属于人大代表职责范围"})):
        item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
        screen(app)
        shift(app, item_id, accept_due_dt=utcnow() - timedelta(hours=1))
        sweep(app)
        assert client.get(f"/api/v1/suggestions/{item_id}", headers=world["admin"]).json["overdue"] is True
        who = world["citizen"] if action == "withdraw" else world["admin"]
        ended = step(client, who, item_id, action, **body)
        assert ended.status_code == 200, ended.json
        assert (ended.json["overdue"], ended.json["due_soon"]) == (False, False)
    assert client.get("/api/v1/suggestions?overdue=true", headers=world["admin"]).json["total"] == 0
    assert client.get("/api/v1/stats/suggestions", headers=world["admin"]).json["overdue"] == 0


def test_time_to_accept_counts_the_assignment_that_was_accepted(client, app, world):  # noqa: F811
    """Accepted, returned, dispatched to someone else and rejected: the first 接单 belonged to an earlier
    assignment, and measured against the new one gave a negative average."""
    item_id = file(client, world["citizen"], world["station_code"]).json["id"]
    screen(app)
    step(client, world["admin"], item_id, "dispatch", deputy_id=world["zhang"].id)
    step(client, world["zhang_h"], item_id, "accept")
    step(client, world["zhang_h"], item_id, "return", reason="不属于我的选区")
    shift(app, item_id, assigned_dt=utcnow() - timedelta(hours=30), accepted_dt=utcnow() - timedelta(hours=29))
    assert step(client, world["admin"], item_id, "dispatch", deputy_id=world["li"].id).status_code == 200
    assert step(client, world["admin"], item_id, "reject", reason="重复反映").status_code == 200
    assert client.get("/api/v1/stats/suggestions", headers=world["admin"]).json["avg_hours_to_accept"] is None


def test_a_deputy_is_told_of_an_assignment_once(client, app, world, wechat_standin):  # noqa: F811
    """Told when the text cleared; a photo held later and released must not tell them again."""
    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    assert len(messages(wechat_standin, app, "tmpl-new-item")) == 1
    with app.app_context():
        services.hold(db.session.get(Suggestion, item_id), "照片安全检测未通过，等待人工审核")  # a risky photo's verdict
        db.session.commit()
    assert step(client, world["admin"], item_id, "release", note="照片无问题").status_code == 200
    assert len(messages(wechat_standin, app, "tmpl-new-item")) == 1
    # A new assignment is news again, to the deputy it now awaits (a dispatched item used to tell no
    # one: the deputy's id was read before the assignment reached the database).
    assert step(client, world["zhang_h"], item_id, "return", reason="请改派").status_code == 200
    assert step(client, world["admin"], item_id, "dispatch", deputy_id=world["li"].id).status_code == 200
    told = messages(wechat_standin, app, "tmpl-new-item")
    assert [m["touser"] for m in told] == [f"fake-openid-deputy{world[name].id}" for name in ("zhang", "li")]


def test_a_merged_item_does_not_claim_to_be_public(client, app, world):  # noqa: F811
    merged = file(client, world["citizen"], world["station_code"], public_consent=True).json["id"]
    kept = file(client, world["stranger"], world["station_code"], content="路灯坏了", public_consent=True).json["id"]
    screen(app)
    answer = step(client, world["admin"], merged, "merge", into_id=kept)
    assert answer.status_code == 200, answer.json
    assert (answer.json["status"], answer.json["public"]) == ("closed", False)
    assert client.get("/api/v1/public/suggestions").json["total"] == 0


def test_a_rejected_item_tells_its_citizen_why(client, app, world, wechat_standin):  # noqa: F811
    """不予受理 is the answer to the suggestion: the citizen is told, with the reason (they were told nothing)."""
    item_id = file(client, world["citizen"], world["station_code"]).json["id"]
    screen(app)
    assert step(client, world["admin"], item_id, "reject", reason="属于物业管理事项，请联系物业").status_code == 200
    told = messages(wechat_standin, app, "tmpl-replied")
    assert [(m["touser"], m["data"]["phrase3"]["value"], m["data"]["thing4"]["value"]) for m in told] == [
        ("fake-openid-citizen-wang", "不予受理", "不予受理：属于物业管理事项，请联系物业")]
