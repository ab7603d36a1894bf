"""转办中: the item is at a department (or the 12345 hotline), whose handling the work order tracks; the
deputy cannot answer until its feedback is recorded, so its delay there costs the deputy nothing, and the
refusal to answer says what to do first."""
from datetime import datetime, timedelta

from backend.db_types import CHINA, utcnow
from backend.extensions import db
from backend.suggestions import services
from backend.suggestions.models import Suggestion, SuggestionWorkOrder

from .factories import screen
from .test_suggestion_sweep_stats import shift, sweep
from .test_suggestions import file, step, world  # noqa: F401


def forwarded_item(client, app, world):  # noqa: F811
    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    screen(app)
    assert step(client, world["zhang_h"], item_id, "accept").status_code == 200
    forwarded = step(client, world["zhang_h"], item_id, "forward", target="hotline_12345", note="转交警部门",
                     work_order_no="GD001")
    assert forwarded.json["status"] == "forwarded"
    return item_id


def test_a_reply_overdue_while_forwarded_is_flagged_but_costs_the_deputy_no_point(client, app, world):  # noqa: F811
    item_id = forwarded_item(client, app, world)
    shift(app, item_id, reply_due_dt=utcnow() - timedelta(minutes=1))
    assert "新标记超期 1 条" in sweep(app)
    assert client.get(f"/api/v1/suggestions/{item_id}", headers=world["admin"]).json["overdue"] is True
    points = client.get(f"/api/v1/deputies/{world['zhang'].id}/points", headers=world["zhang_h"]).json
    assert (points["total"], points["entries"]) == (0, [])


def test_a_reply_overdue_once_the_feedback_is_back_costs_the_point(client, app, world):  # noqa: F811
    item_id = forwarded_item(client, app, world)
    assert step(client, world["zhang_h"], item_id, "feedback", note="交警部门：已处理").status_code == 200
    shift(app, item_id, reply_due_dt=utcnow() - timedelta(minutes=1))
    assert "新标记超期 1 条" in sweep(app)
    points = client.get(f"/api/v1/deputies/{world['zhang'].id}/points", headers=world["zhang_h"]).json
    assert [(e["points"], e["rule_code"]) for e in points["entries"]] == [(-1, "suggestion_overdue")]


def test_a_reply_while_forwarded_says_to_record_the_departments_feedback_first(client, app, world):  # noqa: F811
    item_id = forwarded_item(client, app, world)
    answer = step(client, world["zhang_h"], item_id, "reply", content="已处理")
    assert answer.status_code == 409
    assert answer.json["message"] == "已转办，请先登记部门反馈后再答复群众。"
    assert client.get(f"/api/v1/suggestions/{item_id}", headers=world["admin"]).json["status"] == "forwarded"


def test_the_reply_clock_resumes_after_the_departments_feedback_for_the_time_left(client, app, world, monkeypatch):  # noqa: F811,E501
    """Paused while 转办中: the feedback of a department that took ten days gives the deputy back the time
    they had left when they forwarded it (a day, limits counted in calendar days here), and only missing
    that costs the point."""
    monkeypatch.setitem(app.config, "REPLY_DAYS_KIND", "calendar")
    item_id = forwarded_item(client, app, world)
    now = utcnow()
    with app.app_context():  # forwarded ten days ago
        work_order = db.session.query(SuggestionWorkOrder).filter_by(suggestion_id=item_id).one()
        work_order.forwarded_dt = now - timedelta(days=10)
        db.session.commit()
    shift(app, item_id, reply_due_dt=now - timedelta(days=9))  # its limit passed at the department
    assert "新标记超期 1 条" in sweep(app)

    back = step(client, world["zhang_h"], item_id, "feedback", note="交警部门：已处理")
    assert (back.status_code, back.json["status"], back.json["overdue"]) == (200, "accepted", False), back.json
    with app.app_context():
        due = db.session.get(Suggestion, item_id).reply_due_dt
    assert now + timedelta(hours=23) < due < utcnow() + timedelta(days=1, minutes=1)
    assert "新标记超期 0 条" in sweep(app)
    assert client.get(f"/api/v1/deputies/{world['zhang'].id}/points", headers=world["zhang_h"]).json["entries"] == []

    shift(app, item_id, reply_due_dt=utcnow() - timedelta(minutes=1))  # and the deputy lets it pass
    assert "新标记超期 1 条" in sweep(app)
    entries = client.get(f"/api/v1/deputies/{world['zhang'].id}/points", headers=world["zhang_h"]).json["entries"]
    assert [e["rule_code"] for e in entries] == ["suggestion_overdue"]


def china(*args):
    return datetime(*args, tzinfo=CHINA)


def resumed_limit(client, app, world, monkeypatch, forwarded, due, fed_back, held_and_released_at=None):  # noqa: F811
    """The reply limit after a feedback recorded at ``fed_back`` for an item forwarded at ``forwarded`` with
    its limit at ``due`` (China time); held by content screening and released meanwhile if asked."""
    item_id = forwarded_item(client, app, world)
    with app.app_context():
        db.session.query(SuggestionWorkOrder).filter_by(suggestion_id=item_id).one().forwarded_dt = forwarded
        db.session.commit()
    shift(app, item_id, reply_due_dt=due)
    if held_and_released_at is not None:
        with app.app_context():
            item = db.session.get(Suggestion, item_id)
            services.hold(item, "图片待审核")
            item.screening = "manual"
            db.session.commit()
        monkeypatch.setattr(services, "utcnow", lambda: held_and_released_at.astimezone(CHINA))
        released = step(client, world["admin"], item_id, "release", note="经核实内容无问题")
        assert (released.status_code, released.json["status"]) == (200, "forwarded"), released.json
        assert datetime.fromisoformat(released.json["reply_due_at"]) == due  # the clock stays stopped
    monkeypatch.setattr(services, "utcnow", lambda: fed_back.astimezone(CHINA))
    back = step(client, world["zhang_h"], item_id, "feedback", note="交警部门：已处理")
    assert back.status_code == 200, back.json
    return datetime.fromisoformat(back.json["reply_due_at"]).astimezone(CHINA)


def test_the_reply_clock_resumes_with_the_working_days_left_over_a_weekend(client, app, world, monkeypatch):  # noqa: F811
    """Forwarded on Monday with two working days left (to Wednesday's end), back on Thursday: the deputy
    has two working days again, Thursday itself not counted — to Monday's end, not Saturday's."""
    due = resumed_limit(client, app, world, monkeypatch, china(2026, 11, 23, 10, 0),
                        china(2026, 11, 25, 23, 59, 59), china(2026, 11, 26, 10, 0))
    assert due == china(2026, 11, 30, 23, 59, 59)


def test_the_reply_clock_resumes_after_the_national_day_holiday(client, app, world, monkeypatch):  # noqa: F811
    """Forwarded on Friday 25 September with one working day left (Monday 28th), back on Wednesday 30th:
    the next working day is Thursday 8 October, after the 国庆 holiday — not Saturday 3 October within it."""
    due = resumed_limit(client, app, world, monkeypatch, china(2026, 9, 25, 10, 0),
                        china(2026, 9, 28, 23, 59, 59), china(2026, 9, 30, 10, 0))
    assert due == china(2026, 10, 8, 23, 59, 59)


def test_a_release_from_content_review_while_forwarded_leaves_the_stopped_clock_alone(client, app, world, monkeypatch):  # noqa: F811,E501
    """Held and released while at the department: the deputy's clock was stopped all along, so the release
    gives no fresh limit, and the feedback gives back the two working days left at forwarding, once."""
    due = resumed_limit(client, app, world, monkeypatch, china(2026, 11, 23, 10, 0), china(2026, 11, 25, 23, 59, 59),
                        china(2026, 12, 3, 10, 0), held_and_released_at=china(2026, 12, 1, 9, 0))
    assert due == china(2026, 12, 7, 23, 59, 59)


def test_a_return_while_forwarded_says_to_record_the_departments_feedback_first(client, app, world):  # noqa: F811
    item_id = forwarded_item(client, app, world)
    answer = step(client, world["zhang_h"], item_id, "return", reason="不归我管")
    assert (answer.status_code, answer.json["message"]) == (409, "已转办，请先登记部门反馈后再退回。")
    assert client.get(f"/api/v1/suggestions/{item_id}", headers=world["admin"]).json["status"] == "forwarded"


def test_progress_before_acceptance_is_refused_in_plain_words(client, app, world):  # noqa: F811
    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    screen(app)
    answer = step(client, world["zhang_h"], item_id, "progress", note="已联系")
    assert (answer.status_code, answer.json["message"]) == (409, "当前状态为“待接单”，不能记录办理进展。")
