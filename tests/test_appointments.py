"""约见代表 through the HTTP API: a citizen asks to meet a deputy; the deputy or the station answers."""
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import func, select, update

from backend.appointments.models import Appointment
from backend.db_types import utcnow
from backend.extensions import db
from backend.notifications.models import OutboxMessage

from .parallel import released_together
from .test_suggestions import delivered

CHINA = timezone(timedelta(hours=8))


@pytest.fixture
def world(factory):
    """A station with its administrator and two deputies bound in WeChat, two citizens, another region's admin."""
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", address="人民路 18 号")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[station])
    li = factory.deputy(tree["hc"], "李娜", phone="13800000004", stations=[station])
    return {
        "tree": tree, "station": station, "zhang": zhang, "li": li,
        "admin": factory.headers_for_admin(factory.admin("chengbei", stations=[station])),
        "other_admin": factory.headers_for_admin(factory.admin("changsha", region=tree["cs"])),
        "zhang_h": factory.deputy_headers(zhang),
        "li_h": factory.deputy_headers(li),
        "citizen": factory.wechat_login("citizen-wang"),
        "stranger": factory.wechat_login("citizen-zhao"),
        "zhang_code": zhang.qr_code, "li_code": li.qr_code, "station_code": station.qr_code,
        "zhang_openid": f"fake-openid-deputy{zhang.id}",
    }


def ask(client, headers, code, **extra):
    body = {"qr_code": code, "topic": "想当面反映小区加装电梯的困难", "contact_phone": "13912345678",
            "preferred_time": "下周二上午"} | extra
    return client.post("/api/v1/appointments", json=body, headers=headers)


def answer(client, headers, appointment_id, action, **body):
    return client.post(f"/api/v1/appointments/{appointment_id}/{action}", json=body, headers=headers)


def later(days=2, hour=9):
    return (datetime.now(CHINA) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def reception(client, world, deputies, days=3):
    """A 接待选民 day at the station with ``deputies`` invited: its id."""
    starts = later(days)
    created = client.post("/api/v1/activities", headers=world["admin"], json={
        "title": "代表进站接待", "type": "reception", "station_id": world["station"].id,
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "deputy_ids": [d.id for d in deputies],
    })
    assert created.status_code == 201, created.json
    return created.json["id"]


def messages(wechat_standin, app, template):
    return [m for m in delivered(wechat_standin, app) if m["template_id"] == template]


def queued(app, template):
    """The messages of ``template`` in the outbox (a console account's, kept for its 消息): (user id, key, data)."""
    with app.app_context():
        return [(m.user_id, m.dedupe_key, m.data) for m in db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.template == template).order_by(OutboxMessage.id))]


def test_a_citizen_meets_a_deputy_from_request_to_meeting(client, app, world, wechat_standin):
    asked = ask(client, world["citizen"], world["zhang_code"], name="王先生")
    assert asked.status_code == 201, asked.json
    appointment = asked.json
    assert appointment["number"].startswith("YJ-") and appointment["status_label"] == "待确认"
    assert (appointment["deputy"]["name"], appointment["station"]["name"]) == ("张伟", "城北联络站")
    assert appointment["actions"] == ["cancel"]

    # The deputy and the station's administrator are told; both see it, with the number to call back.
    told = messages(wechat_standin, app, "tmpl-appointment")
    assert [(m["touser"], m["data"]["thing4"]["value"]) for m in told] == [
        (world["zhang_openid"], "有群众约见，请确认时间")]
    inbox = client.get("/api/v1/appointments", headers=world["zhang_h"]).json
    assert [(a["id"], a["contact_phone"], a["name"]) for a in inbox["items"]] == [(appointment["id"], "13912345678", "王先生")]
    assert inbox["items"][0]["actions"] == ["confirm", "decline", "complete"]  # complete: a citizen who walks in
    queue = client.get("/api/v1/appointments?scope=handling&status=requested", headers=world["admin"]).json
    assert [a["id"] for a in queue["items"]] == [appointment["id"]]

    # The deputy confirms a time; the place defaults to the station's; the citizen is told.
    meet = later(2, 15)
    confirmed = answer(client, world["zhang_h"], appointment["id"], "confirm", meet_at=meet.isoformat(), note="请带上相关材料")
    assert confirmed.status_code == 200, confirmed.json
    assert (confirmed.json["status_label"], confirmed.json["place"]) == ("已确认", "城北联络站（人民路 18 号）")
    assert confirmed.json["answered_by"] == "张伟"
    result = messages(wechat_standin, app, "tmpl-appointment-result")
    assert [(m["touser"], m["data"]["phrase4"]["value"], m["data"]["time2"]["value"]) for m in result] == [
        ("fake-openid-citizen-wang", "已确认", meet.strftime("%Y-%m-%d %H:%M"))]
    mine = client.get("/api/v1/appointments", headers=world["citizen"]).json["items"]
    assert [(a["status"], a["answer"], a["answered_by"]) for a in mine] == [("confirmed", "请带上相关材料", "张伟")]

    # 改约: confirmed again at another time, and the citizen is told again.
    moved = answer(client, world["zhang_h"], appointment["id"], "confirm", meet_at=later(3, 9).isoformat(),
                   place="社区居委会二楼")
    assert moved.json["place"] == "社区居委会二楼"
    assert len(messages(wechat_standin, app, "tmpl-appointment-result")) == 2

    # The same 确认 again (a double tap, a retry): the meeting as it stands, and no second message telling
    # the citizen it moved. Only the note changed: the citizen is told it.
    again = answer(client, world["zhang_h"], appointment["id"], "confirm", meet_at=later(3, 9).isoformat(),
                   place="社区居委会二楼")
    assert (again.status_code, again.json) == (200, moved.json)
    assert len(messages(wechat_standin, app, "tmpl-appointment-result")) == 2
    noted = answer(client, world["zhang_h"], appointment["id"], "confirm", meet_at=later(3, 9).isoformat(),
                   place="社区居委会二楼", note="请从东门进")
    assert (noted.status_code, noted.json["answer"]) == (200, "请从东门进")
    assert len(messages(wechat_standin, app, "tmpl-appointment-result")) == 3

    # Not before the meeting: then 已接待, and nothing more.
    early = answer(client, world["zhang_h"], appointment["id"], "complete")
    assert (early.status_code, early.json["message"]) == (409, "约定的见面时间还没到，不能标记为已接待。")
    with app.app_context():
        db.session.execute(update(Appointment).values(meet_dt=utcnow() - timedelta(hours=2)))
        db.session.commit()
    done = answer(client, world["zhang_h"], appointment["id"], "complete", note="已当面听取意见，转社区协调")
    assert (done.status_code, done.json["status_label"], done.json["actions"]) == (200, "已接待", [])
    late = answer(client, world["citizen"], appointment["id"], "cancel")
    assert (late.status_code, late.json["error"], late.json["message"]) == (409, "invalid_transition", "约见已接待，不能取消约见。")


def test_a_station_code_books_a_reception_day(client, app, world, wechat_standin):
    day = reception(client, world, [world["li"]])
    booked = ask(client, world["citizen"], world["station_code"], activity_id=day, preferred_time="")
    assert booked.status_code == 201, booked.json
    assert (booked.json["deputy"], booked.json["activity"]["id"]) == (None, day)
    # The station arranges it: its administrator answers; the place defaults to the reception day's station.
    confirmed = answer(client, world["admin"], booked.json["id"], "confirm", meet_at=later(3, 10).isoformat())
    assert confirmed.status_code == 200, confirmed.json
    assert confirmed.json["answered_by"] == "chengbei"
    # A citizen does not see which member of staff answered.
    seen = client.get(f"/api/v1/appointments/{booked.json['id']}", headers=world["citizen"]).json
    assert (seen["status"], seen["answered_by"]) == ("confirmed", None)

    # A reception day's id is a JSON integer: day + 0.5 or "day" is not taken for that day.
    for fuzzy in (day + 0.5, str(day)):
        refused = ask(client, world["citizen"], world["station_code"], activity_id=fuzzy, preferred_time="")
        assert (refused.status_code, refused.json["errors"]) == (422, {"activity_id": ["应为整数。"]})

    # Through a deputy's code, a reception day where that deputy does not receive is refused.
    wrong = ask(client, world["citizen"], world["zhang_code"], activity_id=day)
    assert wrong.status_code == 422
    assert wrong.json["errors"] == {"activity_id": ["所选接待安排不存在、已结束或不接待这次约见，请重新选择。"]}


def test_bad_requests_are_refused_by_name_and_write_nothing(client, app, world):
    code = world["zhang_code"]
    cases = [
        (ask(client, world["citizen"], code, preferred_time=""), 422,
         {"preferred_time": ["请选择接待安排，或填写希望见面的时间。"]}),
        (ask(client, world["citizen"], code, contact_phone="12345"), 422,
         {"contact_phone": ["联系电话格式不正确，请填写手机号或座机号。"]}),
        (ask(client, world["citizen"], code, topic="   "), 422, {"topic": ["长度应在 1 到 500 个字符之间。"]}),
        (ask(client, world["citizen"], code, activity_id=2**31), 422, None),
        (ask(client, world["citizen"], code, activity_id=999), 422, None),
        (ask(client, world["citizen"], "not-a-code"), 404, None),
    ]
    for response, status, errors in cases:
        assert response.status_code == status, response.json
        assert response.json["message"]
        if errors is not None:
            assert response.json["errors"] == errors
    revoked = client.post(f"/api/v1/qr/{code}/revoke", headers=world["admin"])
    assert revoked.status_code == 200, revoked.json
    gone = ask(client, world["citizen"], code)
    assert gone.status_code == 410 and gone.json["message"]
    assert client.post("/api/v1/appointments", json={"qr_code": code}).status_code == 401
    # A console account is nobody's citizen: it files nothing, as with suggestions.
    staff = ask(client, world["admin"], world["li_code"])
    assert (staff.status_code, staff.json["error"], staff.json["message"]) == (403, "forbidden", "请在微信中登录后约见代表。")
    past = ask(client, world["citizen"], world["li_code"]).json["id"]
    in_past = answer(client, world["li_h"], past, "confirm", meet_at="2020-01-01T09:00:00+08:00")
    assert (in_past.status_code, in_past.json["errors"]) == (422, {"meet_at": ["见面时间须晚于现在。"]})
    blank = answer(client, world["li_h"], past, "decline", reason=" ")
    assert blank.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appointment)) == 1
        assert db.session.get(Appointment, past).status.value == "requested"


def test_only_the_people_concerned_see_or_answer_it(client, world):
    appointment = ask(client, world["citizen"], world["zhang_code"]).json
    path = f"/api/v1/appointments/{appointment['id']}"
    for outsider in ("stranger", "li_h", "other_admin"):
        assert client.get(path, headers=world[outsider]).status_code == 404, outsider
        assert answer(client, world[outsider], appointment["id"], "decline", reason="没空").status_code == 404
    assert client.get("/api/v1/appointments", headers=world["stranger"]).json["items"] == []
    assert client.get("/api/v1/appointments?scope=handling", headers=world["stranger"]).status_code == 403
    assert client.get("/api/v1/appointments?scope=handling", headers=world["other_admin"]).json["items"] == []
    refused = answer(client, world["citizen"], appointment["id"], "confirm", meet_at=later().isoformat())
    assert (refused.status_code, refused.json["message"]) == (403, "只有被约见的代表或联络站管理员可以答复约见。")
    not_theirs = answer(client, world["zhang_h"], appointment["id"], "cancel")
    assert (not_theirs.status_code, not_theirs.json["message"]) == (403, "只有提出约见的群众可以取消。")


def test_a_cancelled_request_tells_the_deputy_and_a_declined_one_tells_the_citizen(client, app, world, wechat_standin):
    first = ask(client, world["citizen"], world["zhang_code"]).json["id"]
    cancelled = answer(client, world["citizen"], first, "cancel", note="问题已经解决了")
    assert cancelled.json["status_label"] == "已取消"
    notes = [m["data"]["thing4"]["value"] for m in messages(wechat_standin, app, "tmpl-appointment")
             if m["touser"] == world["zhang_openid"]]
    assert notes == ["有群众约见，请确认时间", "群众已取消约见：问题已经解决了"]

    second = ask(client, world["citizen"], world["zhang_code"]).json["id"]
    declined = answer(client, world["zhang_h"], second, "decline", reason="近期在外地学习，请约李娜代表")
    assert declined.json["status_label"] == "已婉拒" and declined.json["actions"] == []
    result = messages(wechat_standin, app, "tmpl-appointment-result")
    assert [(m["data"]["phrase4"]["value"], m["data"]["thing5"]["value"]) for m in result] == [
        ("已婉拒", "近期在外地学习，请约李娜代表")]


def test_a_retried_request_is_one_appointment(client, app, world):
    headers = world["citizen"] | {"Idempotency-Key": "yj-retry-1"}
    first, second = ask(client, headers, world["zhang_code"]), ask(client, headers, world["zhang_code"])
    assert first.status_code == second.status_code == 201
    assert first.json["id"] == second.json["id"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appointment)) == 1


def test_a_cancel_and_a_refusal_at_once_one_wins(client, world, base_url):
    """The citizen cancels while the deputy declines: both end the request, so exactly one answer holds
    and the other is a 409. (A confirmation and a cancel may both hold: a confirmed meeting can still be
    cancelled.)"""
    for _ in range(4):
        appointment_id = ask(client, world["citizen"], world["zhang_code"]).json["id"]
        url = f"{base_url}/api/v1/appointments/{appointment_id}"
        db.session.close()
        cancel, decline = released_together(
            lambda: requests.post(url + "/cancel", json={}, headers=world["citizen"], timeout=30),
            lambda: requests.post(url + "/decline", json={"reason": "近期不在本地"}, headers=world["zhang_h"], timeout=30),
        )
        assert sorted([cancel.status_code, decline.status_code]) == [200, 409], (cancel.json(), decline.json())
        loser = cancel if cancel.status_code == 409 else decline
        assert loser.json()["error"] in ("invalid_transition", "conflict")
        final = client.get(f"/api/v1/appointments/{appointment_id}", headers=world["citizen"]).json["status"]
        assert final == ("cancelled" if cancel.status_code == 200 else "declined")


def sweep(app):
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_sweep_reminds_an_unanswered_request_once_and_both_sides_before_the_meeting(client, app, world, wechat_standin):
    waiting = ask(client, world["citizen"], world["zhang_code"]).json["id"]
    meeting = ask(client, world["stranger"], world["zhang_code"], name="赵女士").json["id"]
    with app.app_context():  # asked three days ago
        db.session.execute(update(Appointment).values(created_dt=utcnow() - timedelta(days=3)))
        db.session.commit()
    soon = datetime.now(CHINA) + timedelta(hours=5)
    assert answer(client, world["zhang_h"], meeting, "confirm", meet_at=soon.isoformat()).status_code == 200
    assert "约见提醒 2 项" in sweep(app)
    assert "约见提醒 0 项" in sweep(app)  # each reminder once

    to_deputy = [m["data"]["thing4"]["value"] for m in messages(wechat_standin, app, "tmpl-appointment")
                 if m["touser"] == world["zhang_openid"]]
    assert to_deputy.count("约见尚未答复，请尽快确认或婉拒") == 1  # the request still waiting; not the confirmed one
    results = messages(wechat_standin, app, "tmpl-appointment-result")
    reminders = [(m["touser"], m["data"]["thing5"]["value"]) for m in results if m["data"]["thing5"]["value"] != "请按约定时间前往"]
    assert reminders == [("fake-openid-citizen-zhao", "约见即将开始，请按时前往"), (world["zhang_openid"], "约见群众：赵女士")]

    # Moved to another time in reach: reminded again, at the new time.
    later_today = soon + timedelta(hours=2)
    assert answer(client, world["zhang_h"], meeting, "confirm", meet_at=later_today.isoformat()).status_code == 200
    assert "约见提醒 1 项" in sweep(app)
    with app.app_context():
        assert db.session.get(Appointment, waiting).reminded_dt is not None


def test_a_meeting_cancelled_before_its_reminders_went_out_is_not_reminded(client, app, world, wechat_standin):
    """The sweep queued the meeting's reminders (the deputy's names the citizen) and the citizen cancels
    before they are sent: they are dropped, and only the cancellation reaches the deputy."""
    from backend.appointments.services import remind_meetings

    meeting = ask(client, world["stranger"], world["zhang_code"], name="赵女士").json["id"]
    soon = datetime.now(CHINA) + timedelta(hours=5)
    assert answer(client, world["zhang_h"], meeting, "confirm", meet_at=soon.isoformat()).status_code == 200
    with app.app_context():
        assert remind_meetings() == 1
        db.session.commit()
    assert answer(client, world["stranger"], meeting, "cancel", note="临时有事").status_code == 200

    sent = [(m["touser"], m["data"]["thing4" if m["template_id"] == "tmpl-appointment" else "thing5"]["value"])
            for m in delivered(wechat_standin, app) if m["template_id"] in ("tmpl-appointment", "tmpl-appointment-result")]
    assert (world["zhang_openid"], "群众已取消约见：临时有事") in sent
    assert all(note not in ("约见群众：赵女士", "约见即将开始，请按时前往") for _, note in sent), sent


def test_a_browsers_retry_at_its_limit_returns_the_request_made_and_uses_no_quota(client, app, world):
    """A phone browser's answer lost on a flaky network: the page sends the request again with the same
    Idempotency-Key. The retry returns the request it made (as a filing's retry does), even when that
    request used up the browser's quota, and a retry is not counted as another request."""
    from .test_web_pages import bearer, web_identity

    saved = app.config.get("WEB_FILING_RATE_LIMIT")
    app.config["WEB_FILING_RATE_LIMIT"] = "2 per hour"
    try:
        browser = bearer(web_identity(client)["token"])
        first = ask(client, browser | {"Idempotency-Key": "yj-web-1"}, world["zhang_code"])
        again = ask(client, browser | {"Idempotency-Key": "yj-web-1"}, world["zhang_code"])
        assert (first.status_code, again.status_code, again.json["id"]) == (201, 201, first.json["id"])
        second = ask(client, browser | {"Idempotency-Key": "yj-web-2"}, world["zhang_code"])
        assert second.status_code == 201, second.json  # the retry above used none of the two
        retried = ask(client, browser | {"Idempotency-Key": "yj-web-2"}, world["zhang_code"])
        assert (retried.status_code, retried.json["id"]) == (201, second.json["id"]), retried.json
        over = ask(client, browser | {"Idempotency-Key": "yj-web-3"}, world["zhang_code"])
        assert (over.status_code, over.json["error"]) == (429, "rate_limited")
    finally:
        if saved is None:
            app.config.pop("WEB_FILING_RATE_LIMIT", None)
        else:
            app.config["WEB_FILING_RATE_LIMIT"] = saved
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appointment)) == 2


def test_a_meeting_years_ahead_is_a_typo_refused_by_name(client, app, world, wechat_standin):
    """2062 typed for 2026: the citizen would be told of a meeting decades away, and reminded never. A
    meeting is set within a year; a refused time changes nothing and tells nobody."""
    appointment_id = ask(client, world["citizen"], world["zhang_code"]).json["id"]
    for typo in (later(days=367), datetime(2062, 5, 6, 9, 0, tzinfo=CHINA), datetime(2100, 12, 31, 9, 0, tzinfo=CHINA)):
        refused = answer(client, world["zhang_h"], appointment_id, "confirm", meet_at=typo.isoformat())
        assert (refused.status_code, refused.json["error"], refused.json["errors"]) == \
            (422, "validation_failed", {"meet_at": ["见面时间须在一年之内，请检查年份。"]}), typo
    seen = client.get(f"/api/v1/appointments/{appointment_id}", headers=world["citizen"]).json
    assert (seen["status"], seen["meet_at"]) == ("requested", None)
    assert messages(wechat_standin, app, "tmpl-appointment-result") == []
    in_a_year = answer(client, world["zhang_h"], appointment_id, "confirm", meet_at=later(days=360).isoformat())
    assert in_a_year.status_code == 200, in_a_year.json


def test_a_cancelled_reception_day_tells_the_citizens_waiting_for_it(client, app, world, wechat_standin):
    """The station cancels a reception day citizens chose for their meeting: each one still waiting (待确认)
    is told that day is off and the station will arrange another, and their request says so; it stays
    待确认 for the deputy or the station to answer. A request already cancelled hears nothing more."""
    day = reception(client, world, [world["li"]])
    waiting = ask(client, world["citizen"], world["station_code"], activity_id=day, preferred_time="").json["id"]
    withdrawn = ask(client, world["stranger"], world["station_code"], activity_id=day, preferred_time="").json["id"]
    assert answer(client, world["stranger"], withdrawn, "cancel").status_code == 200

    assert client.post(f"/api/v1/activities/{day}/cancel", headers=world["admin"]).status_code == 200
    told = messages(wechat_standin, app, "tmpl-appointment-result")
    assert [(m["touser"], m["data"]["phrase4"]["value"], m["data"]["thing5"]["value"]) for m in told] == [
        ("fake-openid-citizen-wang", "待确认", "所选接待日已取消，将另行安排")]
    seen = client.get(f"/api/v1/appointments/{waiting}", headers=world["citizen"]).json
    assert (seen["status"], seen["activity"]["id"], seen["activity"]["status"], seen["activity"]["status_label"]) == \
        ("requested", day, "cancelled", "已取消")
    assert seen["actions"] == ["cancel"]
    handling = client.get(f"/api/v1/appointments/{waiting}", headers=world["admin"]).json
    assert (handling["activity"]["status_label"], handling["actions"]) == ("已取消", ["confirm", "decline", "complete"])


def test_a_confirmed_meeting_on_a_reception_day_cancelled_or_moved_is_to_be_agreed_again(client, app, world, wechat_standin):
    """A meeting already confirmed for a reception day: when the day is moved or cancelled, the citizen
    is told a new time will be agreed (they would have come on a day the station no longer receives), and
    the deputy hears the meeting is to be agreed again (改约). The meeting stays as it was until they do."""
    for end in ("patch", "cancel"):
        day = reception(client, world, [world["zhang"]])
        appointment_id = ask(client, world["citizen"], world["zhang_code"], activity_id=day, preferred_time="").json["id"]
        confirmed = answer(client, world["zhang_h"], appointment_id, "confirm", meet_at=later(3, 10).isoformat())
        assert confirmed.status_code == 200, confirmed.json
        delivered(wechat_standin, app)
        wechat_standin.clear()

        if end == "patch":
            starts = later(5, 14)
            changed = client.patch(f"/api/v1/activities/{day}", headers=world["admin"], json={
                "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=3)).isoformat()})
        else:
            changed = client.post(f"/api/v1/activities/{day}/cancel", headers=world["admin"])
        assert changed.status_code == 200, changed.json
        sent = delivered(wechat_standin, app)
        to_citizen = [(m["data"]["phrase4"]["value"], m["data"]["thing5"]["value"]) for m in sent
                      if m["template_id"] == "tmpl-appointment-result"]
        assert to_citizen == [("已确认", "接待日已调整，将与您重新约定时间")], (end, sent)
        to_deputy = [m["data"]["thing4"]["value"] for m in sent
                     if m["template_id"] == "tmpl-appointment" and m["touser"] == world["zhang_openid"]]
        assert to_deputy == ["接待日已调整，请与群众改约"], (end, sent)
        seen = client.get(f"/api/v1/appointments/{appointment_id}", headers=world["citizen"]).json
        assert seen["status"] == "confirmed"

    # A meeting already held on a day whose place is then corrected: nothing to agree again.
    day = reception(client, world, [world["zhang"]])
    held = ask(client, world["citizen"], world["zhang_code"], activity_id=day, preferred_time="").json["id"]
    assert answer(client, world["zhang_h"], held, "confirm", meet_at=later(3, 10).isoformat()).status_code == 200
    with app.app_context():
        db.session.execute(update(Appointment).where(Appointment.id == held).values(meet_dt=utcnow() - timedelta(hours=1)))
        db.session.commit()
    delivered(wechat_standin, app)
    wechat_standin.clear()
    assert client.patch(f"/api/v1/activities/{day}", headers=world["admin"], json={"place": "二楼会议室"}).status_code == 200
    assert [m for m in delivered(wechat_standin, app) if m["template_id"].startswith("tmpl-appointment")] == []


def test_a_deputy_who_left_office_is_no_longer_told_of_the_requests_addressed_to_them(client, app, world, wechat_standin):
    """Requests made before the deputy left office stay with their station, whose staff answer them; the
    former deputy, who can no longer see or answer them, is not sent the reminders with the citizens'
    topics and names. The citizen is still reminded of the meeting the station keeps."""
    waiting = ask(client, world["citizen"], world["zhang_code"]).json["id"]
    meeting = ask(client, world["stranger"], world["zhang_code"], name="赵女士").json["id"]
    soon = datetime.now(CHINA) + timedelta(hours=5)
    assert answer(client, world["zhang_h"], meeting, "confirm", meet_at=soon.isoformat()).status_code == 200
    with app.app_context():  # asked three days ago
        db.session.execute(update(Appointment).values(created_dt=utcnow() - timedelta(days=3)))
        db.session.commit()
    delivered(wechat_standin, app)  # what was sent while they were in office
    wechat_standin.clear()
    left = client.patch(f"/api/v1/deputies/{world['zhang'].id}", json={"active": False}, headers=world["admin"])
    assert left.status_code == 200, left.json

    assert "约见提醒 2 项" in sweep(app)
    sent = delivered(wechat_standin, app)
    assert [m["touser"] for m in sent if m["touser"] == world["zhang_openid"]] == []
    assert [(m["touser"], m["data"]["thing5"]["value"]) for m in sent if m["template_id"] == "tmpl-appointment-result"] \
        == [("fake-openid-citizen-zhao", "约见即将开始，请按时前往")]
    assert client.get(f"/api/v1/appointments/{waiting}", headers=world["admin"]).json["actions"] == \
        ["confirm", "decline", "complete"]


def test_a_moved_reception_day_tells_the_citizens_waiting_for_it(client, app, factory, world, wechat_standin):
    """The station moves a reception day citizens chose (改期) to another afternoon: each one still waiting
    (待确认) is told its new time and place, and their request shows them; a request withdrawn hears
    nothing. The deputy a citizen asked to meet on it taken off the day: that citizen is told the deputy
    will not be there, and the station will arrange another time; the others hear nothing more."""
    day = reception(client, world, [world["zhang"], world["li"]])
    waiting = ask(client, world["citizen"], world["station_code"], activity_id=day, preferred_time="").json["id"]
    withdrawn = ask(client, world["stranger"], world["station_code"], activity_id=day, preferred_time="").json["id"]
    assert answer(client, world["stranger"], withdrawn, "cancel").status_code == 200
    with_li = ask(client, factory.wechat_login("citizen-li"), world["li_code"], activity_id=day, preferred_time="")
    assert with_li.status_code == 201, with_li.json
    messages(wechat_standin, app, "tmpl-appointment-result")
    wechat_standin.clear()

    starts = later(4, 14)
    moved = client.patch(f"/api/v1/activities/{day}", headers=world["admin"], json={
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=3)).isoformat()})
    assert moved.status_code == 200, moved.json
    told = messages(wechat_standin, app, "tmpl-appointment-result")
    assert sorted((m["touser"], m["data"]["time2"]["value"], m["data"]["thing3"]["value"], m["data"]["phrase4"]["value"],
                   m["data"]["thing5"]["value"]) for m in told) == [
        (openid, f"{starts:%Y-%m-%d} 14:00", "人民路 18 号", "待确认", "所选接待日时间已调整，请留意")
        for openid in ("fake-openid-citizen-li", "fake-openid-citizen-wang")]
    seen = client.get(f"/api/v1/appointments/{waiting}", headers=world["citizen"]).json
    assert (seen["status"], datetime.fromisoformat(seen["activity"]["starts_at"])) == ("requested", starts)

    wechat_standin.clear()
    assert client.patch(f"/api/v1/activities/{day}", headers=world["admin"],
                        json={"remove_deputy_ids": [world["li"].id]}).status_code == 200
    told = messages(wechat_standin, app, "tmpl-appointment-result")
    assert [(m["touser"], m["data"]["thing5"]["value"]) for m in told] == [
        ("fake-openid-citizen-li", "该代表不参加所选接待日，将另行安排")]
    assert client.get(f"/api/v1/appointments/{with_li.json['id']}", headers=world["admin"]).json["status"] == "requested"


def test_once_the_meeting_time_has_passed_the_citizen_cannot_cancel_it(client, app, world, wechat_standin):
    """A confirmed meeting whose time has passed was held (or missed): the citizen cancelling it then
    overwrote the meeting, and the deputy could no longer mark it 已接待. The citizen is refused (409,
    and no cancel is offered), the deputy is told nothing, and the deputy still completes it. Before
    the time the citizen may still cancel."""
    upcoming = ask(client, world["citizen"], world["zhang_code"]).json["id"]
    held = ask(client, world["citizen"], world["zhang_code"], topic="想反映菜市场噪音扰民").json["id"]
    for appointment_id in (upcoming, held):
        confirmed = answer(client, world["zhang_h"], appointment_id, "confirm", meet_at=later(2, 15).isoformat())
        assert confirmed.status_code == 200, confirmed.json
        assert confirmed.json["actions"] == ["confirm", "decline", "complete"]
    with app.app_context():  # the meeting was an hour ago
        db.session.execute(update(Appointment).where(Appointment.id == held).values(meet_dt=utcnow() - timedelta(hours=1)))
        db.session.commit()
    delivered(wechat_standin, app)
    wechat_standin.clear()

    seen = client.get(f"/api/v1/appointments/{held}", headers=world["citizen"]).json
    assert (seen["status"], seen["actions"]) == ("confirmed", [])
    late = answer(client, world["citizen"], held, "cancel", note="不想去了")
    assert (late.status_code, late.json["error"], late.json["message"]) == \
        (409, "invalid_transition", "约定的见面时间已过，不能再取消约见。")
    assert client.get(f"/api/v1/appointments/{held}", headers=world["citizen"]).json["status"] == "confirmed"
    assert delivered(wechat_standin, app) == []
    done = answer(client, world["zhang_h"], held, "complete", note="已当面听取意见")
    assert (done.status_code, done.json["status_label"], done.json["answer"]) == (200, "已接待", "已当面听取意见")

    assert client.get(f"/api/v1/appointments/{upcoming}", headers=world["citizen"]).json["actions"] == ["cancel"]
    early = answer(client, world["citizen"], upcoming, "cancel", note="时间冲突")
    assert (early.status_code, early.json["status_label"]) == (200, "已取消")


def test_a_citizen_who_walks_in_is_marked_received_at_once(client, app, world, wechat_standin):
    """A citizen who asked to meet walks into the station and is received there and then: the deputy (or
    the station's staff) marks the request 已接待 straight from 待确认, the meeting time is now and the
    place the station's, and the citizen is told once that they were received, not of a meeting ahead."""
    by_deputy = ask(client, world["citizen"], world["zhang_code"]).json["id"]
    by_station = ask(client, world["stranger"], world["station_code"]).json["id"]
    assert client.get(f"/api/v1/appointments/{by_deputy}", headers=world["zhang_h"]).json["actions"] == \
        ["confirm", "decline", "complete"]
    assert client.get(f"/api/v1/appointments/{by_deputy}", headers=world["citizen"]).json["actions"] == ["cancel"]
    delivered(wechat_standin, app)
    wechat_standin.clear()

    for appointment_id, headers, by in ((by_deputy, world["zhang_h"], "张伟"), (by_station, world["admin"], "chengbei")):
        before = utcnow()
        done = answer(client, headers, appointment_id, "complete", note="群众来站当面反映，已记录")
        assert done.status_code == 200, done.json
        assert (done.json["status_label"], done.json["answer"], done.json["answered_by"], done.json["actions"]) == \
            ("已接待", "群众来站当面反映，已记录", by, [])
        assert done.json["place"] == "城北联络站（人民路 18 号）"
        met = datetime.fromisoformat(done.json["meet_at"])
        assert before - timedelta(seconds=1) <= met <= utcnow()
        again = answer(client, headers, appointment_id, "complete")
        assert (again.status_code, again.json["message"]) == (409, "约见已接待，不能标记已接待。")
    told = messages(wechat_standin, app, "tmpl-appointment-result")
    assert sorted((m["touser"], m["data"]["phrase4"]["value"], m["data"]["thing3"]["value"], m["data"]["thing5"]["value"])
                  for m in told) == [
        ("fake-openid-citizen-wang", "已接待", "城北联络站（人民路 18 号）", "群众来站当面反映，已记录"),
        ("fake-openid-citizen-zhao", "已接待", "城北联络站（人民路 18 号）", "群众来站当面反映，已记录"),
    ]
    seen = client.get(f"/api/v1/appointments/{by_station}", headers=world["stranger"]).json
    assert (seen["status_label"], seen["answered_by"], seen["actions"]) == ("已接待", None, [])


def test_a_reception_day_citizens_chose_stays_one_until_their_requests_are_answered(client, world):
    """Correcting an activity's type (PATCH type): a reception day a citizen chose to meet a deputy on,
    their request still open, cannot become another kind of activity (409, nothing changed); once the
    station has declined it, it can, and it leaves the station's plan. Another activity made a reception
    day joins the plan, for citizens to choose."""
    day = reception(client, world, [world["zhang"]])
    asked = ask(client, world["citizen"], world["station_code"], activity_id=day, preferred_time="")
    assert asked.status_code == 201, asked.json

    def plan():
        return [d["id"] for d in client.get(f"/api/v1/qr/{world['station_code']}").json["reception_days"]]

    refused = client.patch(f"/api/v1/activities/{day}", json={"type": "inspection", "title": "代表视察"},
                           headers=world["admin"])
    assert (refused.status_code, refused.json["error"], refused.json["message"]) == (
        409, "invalid_transition",
        "已有 1 件群众约见选择了这个接待日（待确认或已确认），不能再改为其他类型；请先答复这些约见。")
    shown = client.get(f"/api/v1/activities/{day}", headers=world["admin"]).json
    assert (shown["type"], shown["title"], shown["events_total"]) == ("reception", "代表进站接待", 1)
    assert plan() == [day]

    assert answer(client, world["admin"], asked.json["id"], "decline", reason="当天改为视察，请另约时间").status_code == 200
    retyped = client.patch(f"/api/v1/activities/{day}", json={"type": "inspection"}, headers=world["admin"])
    assert retyped.status_code == 200, retyped.json
    assert plan() == []

    starts = later(5)
    other = client.post("/api/v1/activities", headers=world["admin"], json={
        "title": "代表小组活动", "type": "group", "station_id": world["station"].id,
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "deputy_ids": [world["li"].id]}).json["id"]
    assert client.patch(f"/api/v1/activities/{other}", json={"type": "reception"},
                        headers=world["admin"]).status_code == 200
    assert plan() == [other]


def test_a_region_administrators_list_reads_no_region_per_request(app, client, world, factory):
    """A province's administrator lists requests from townships all over: whether they handle each (its
    ``actions``) was a lazy read of the station's region per item, so a page of 50 sent 50 more statements.
    The statements of a page do not grow with the regions it shows."""
    from .factories import sent_statements

    province = factory.headers_for_admin(factory.admin("province", region=world["tree"]["root"]))

    def townships_ask(count):
        for _ in range(count):
            township = factory.region(level="township", parent=world["tree"]["hc"])
            asked = ask(client, world["citizen"], factory.station(township).qr_code)
            assert asked.status_code == 201, asked.json

    def listed():
        with sent_statements(app) as sent:
            body = client.get("/api/v1/appointments?scope=handling&per_page=50", headers=province).json
        assert all(item["actions"] == ["confirm", "decline", "complete"] for item in body["items"]), body["items"]
        return body["total"], len(sent)

    townships_ask(1)
    few = listed()
    townships_ask(4)
    many = listed()
    assert (few[0], many[0]) == (1, 5) and many[1] == few[1]


def test_each_administrator_handles_the_requests_of_their_stations_and_of_their_region(app, client, world, factory):
    """A deputy elected in 怀化 and received at a station in 长沙: a request to them was asked in 怀化 and
    waits in 长沙, and both cities' administrators handle it (the region it was asked in, the station it
    waits at); a station moved to another city keeps its requests' region. A deputy who administers a
    station too handles the requests to them and those at the station, each listed once."""
    from backend.auth.models import User
    from backend.org.models import station_admins

    tree = world["tree"]
    yuelu = factory.station(tree["yl"], "岳麓联络站")
    wang = factory.deputy(tree["hc"], "王芳", phone="13800000005", stations=[yuelu])
    to_wang = ask(client, world["citizen"], wang.qr_code).json
    at_yuelu = ask(client, world["stranger"], yuelu.qr_code).json
    at_chengbei = ask(client, world["citizen"], world["station_code"]).json
    to_zhang = ask(client, world["stranger"], world["zhang_code"]).json
    huaihua = factory.headers_for_admin(factory.admin("huaihua", region=tree["hh"]))
    county = factory.headers_for_admin(factory.admin("hecheng-and-yuelu", region=tree["hc"], stations=[yuelu]))
    zhang_h = world["zhang_h"]
    with app.app_context():
        zhang_user = db.session.scalar(select(User.id).where(User.deputy_id == world["zhang"].id))
        db.session.execute(station_admins.insert().values(station_id=yuelu.id, user_id=zhang_user))
        db.session.commit()

    def handled(headers, per_page=20):
        body = client.get(f"/api/v1/appointments?scope=handling&per_page={per_page}", headers=headers).json
        numbers = [item["number"] for item in body["items"]]
        assert len(numbers) == len(set(numbers)) == min(body["total"], per_page)
        return body["total"], set(numbers)

    everything = {to_wang["number"], at_yuelu["number"], at_chengbei["number"], to_zhang["number"]}
    assert handled(huaihua) == (3, {to_wang["number"], at_chengbei["number"], to_zhang["number"]})
    assert handled(world["other_admin"]) == (2, {to_wang["number"], at_yuelu["number"]})
    assert handled(county) == (4, everything)
    assert handled(zhang_h) == (3, {to_zhang["number"], to_wang["number"], at_yuelu["number"]})
    assert handled(county, per_page=2)[0] == 4

    # 岳麓联络站 moves to 怀化: its requests go on being asked in 长沙 (to_wang was asked in 鹤城区, in 怀化).
    with app.app_context():
        db.session.execute(update(type(yuelu)).where(type(yuelu).id == yuelu.id).values(region_id=tree["hc"].id))
        db.session.commit()
    assert handled(huaihua) == (4, everything)
    assert handled(world["other_admin"]) == (1, {at_yuelu["number"]})


def test_a_request_at_a_station_nobody_runs_tells_the_region_and_is_reminded_only_once_someone_is_told(
        client, app, factory, world):
    """A station with no administrator: its requests go to the nearest region's administrators (as a
    suggestion's do), with which station has nobody; a reminder that would reach nobody is not counted as
    sent, and goes once someone can be told."""
    from backend.appointments.services import remind_unanswered

    lonely = factory.station(world["tree"]["hc"], "无人值守联络站")
    first = ask(client, world["citizen"], lonely.qr_code)
    assert first.status_code == 201, first.json
    assert queued(app, "appointment") == []  # nobody above it either
    with app.app_context():
        db.session.execute(update(Appointment).values(created_dt=utcnow() - timedelta(days=3)))
        db.session.commit()
        assert remind_unanswered() == 0
        assert db.session.get(Appointment, first.json["id"]).reminded_dt is None

    city = factory.admin("huaihua", region=world["tree"]["hh"])
    second = ask(client, world["stranger"], lonely.qr_code).json["id"]
    assert [(u, d["thing4"]) for u, _, d in queued(app, "appointment")] == [
        (city.id, "群众约见待确认，无人值守联络站无管理员")]
    with app.app_context():
        assert remind_unanswered() == 1  # the first, three days old; the second was just asked
    overdue = [(u, k) for u, k, d in queued(app, "appointment") if d["thing4"] == "约见未答复，无人值守联络站无管理员"]
    assert overdue == [(city.id, f"appointment:{first.json['id']}:overdue:{city.id}")]
    assert client.get(f"/api/v1/appointments/{second}", headers=factory.headers_for_admin(city)).json["actions"] == [
        "confirm", "decline", "complete"]


def test_the_deputy_is_told_of_the_stations_answers_and_the_citizen_of_the_current_time_only(client, app, world):
    """Station staff confirm, move (改约), decline or receive (已接待) a meeting addressed to 张伟: he is told each time. A
    confirmation not sent yet when the meeting moves is dropped: the citizen is sent the new time alone."""
    appointment_id = ask(client, world["citizen"], world["zhang_code"]).json["id"]
    zhang = queued(app, "appointment")[0][0]
    first, moved = later(2, 9), later(4, 9)
    assert answer(client, world["admin"], appointment_id, "confirm", meet_at=first.isoformat()).status_code == 200
    assert answer(client, world["admin"], appointment_id, "confirm", meet_at=moved.isoformat()).status_code == 200
    to_citizen = [(d["phrase4"], d["time2"]) for _, _, d in queued(app, "appointment_result")]
    assert to_citizen == [("已确认", moved.strftime("%Y-%m-%d %H:%M"))]
    to_deputy = [d["thing4"] for u, _, d in queued(app, "appointment") if u == zhang]
    assert to_deputy == ["有群众约见，请确认时间", f"联络站已改约：{moved.month}月{moved.day}日 09:00"]

    assert answer(client, world["admin"], appointment_id, "decline", reason="代表近期外出开会").status_code == 200
    assert [d["thing4"] for u, _, d in queued(app, "appointment") if u == zhang][-1] == "联络站已婉拒：代表近期外出开会"
    received = ask(client, world["citizen"], world["zhang_code"]).json["id"]
    assert answer(client, world["admin"], received, "complete", note="已代为记录诉求").status_code == 200
    assert [d["thing4"] for u, _, d in queued(app, "appointment") if u == zhang][-1] == "联络站已接待：已代为记录诉求"
    # His own answers he is not told of.
    own = ask(client, world["citizen"], world["zhang_code"]).json["id"]
    assert answer(client, world["zhang_h"], own, "confirm", meet_at=first.isoformat()).status_code == 200
    with app.app_context():  # the meeting's time come, he receives the citizen himself
        db.session.execute(update(Appointment).where(Appointment.id == own).values(meet_dt=utcnow()))
        db.session.commit()
    assert answer(client, world["zhang_h"], own, "complete").status_code == 200
    assert [k for u, k, _ in queued(app, "appointment") if u == zhang and k.startswith(f"appointment:{own}:")] == [
        f"appointment:{own}:requested:{zhang}"]


def test_a_reception_day_at_the_deputys_other_station_goes_to_the_station_running_it(client, app, factory, world):
    """张伟 receives at 城北 and at 河西: a citizen who books his day at 河西 through his code is filed to 河西,
    whose staff run the day, are told, and answer it; 城北's are not concerned."""
    hexi = factory.station(world["tree"]["hc"], "河西联络站", address="河西路 2 号")
    zhang = world["zhang"]
    zhang.stations.append(hexi)
    factory.commit()
    hexi_admin = factory.admin("hexi", stations=[hexi])
    hexi_h = factory.headers_for_admin(hexi_admin)
    starts = later(3)
    day = client.post("/api/v1/activities", headers=hexi_h, json={
        "title": "代表进河西联络站接待", "type": "reception", "station_id": hexi.id, "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(), "deputy_ids": [zhang.id]})
    assert day.status_code == 201, day.json

    booked = ask(client, world["citizen"], world["zhang_code"], activity_id=day.json["id"], preferred_time="")
    assert (booked.status_code, booked.json["station"]["name"]) == (201, "河西联络站")
    assert [u for u, _, _ in queued(app, "appointment")][1:] == [hexi_admin.id]  # after 张伟
    assert client.get(f"/api/v1/appointments/{booked.json['id']}", headers=world["admin"]).status_code == 404
    confirmed = answer(client, hexi_h, booked.json["id"], "confirm", meet_at=(starts + timedelta(hours=1)).isoformat())
    assert (confirmed.status_code, confirmed.json["place"]) == (200, "河西路 2 号")  # the day's place


def test_a_move_keeps_the_agreed_place_and_note_unless_given_new_ones(client, app, world):
    """改约 with the time alone (the place and the note omitted, or a blank place) keeps the place and the
    note agreed; a note sent blank is cleared. The station's address is the default of a first 确认 only."""
    appointment_id = ask(client, world["citizen"], world["zhang_code"]).json["id"]
    agreed = answer(client, world["zhang_h"], appointment_id, "confirm", meet_at=later(2, 9).isoformat(),
                    place="红星社区服务中心二楼", note="请携带相关材料")
    assert (agreed.json["place"], agreed.json["answer"]) == ("红星社区服务中心二楼", "请携带相关材料")
    omitted = answer(client, world["zhang_h"], appointment_id, "confirm", meet_at=later(2, 10).isoformat())
    assert (omitted.status_code, omitted.json["place"], omitted.json["answer"]) == (200, "红星社区服务中心二楼", "请携带相关材料")
    blank = answer(client, world["zhang_h"], appointment_id, "confirm", meet_at=later(2, 15).isoformat(), place=" ", note="")
    assert (blank.status_code, blank.json["place"], blank.json["answer"]) == (200, "红星社区服务中心二楼", "")
    assert [(d["time2"][-5:], d["thing3"]) for _, _, d in queued(app, "appointment_result")] == [
        ("15:00", "红星社区服务中心二楼")]


def test_a_declined_meeting_drops_its_confirmation_and_reminders_not_sent_yet(client, app, world):
    """Staff confirm a meeting, the sweep queues its reminders, and the deputy declines it before any is sent:
    the citizen is sent the decline alone, not 已确认 or 约见即将开始 alongside it."""
    from backend.appointments.services import remind_meetings

    meeting = ask(client, world["citizen"], world["zhang_code"]).json["id"]
    soon = datetime.now(CHINA) + timedelta(hours=5)
    assert answer(client, world["admin"], meeting, "confirm", meet_at=soon.isoformat()).status_code == 200
    with app.app_context():
        assert remind_meetings() == 1
        db.session.commit()
    assert answer(client, world["zhang_h"], meeting, "decline", reason="代表近期外出开会").status_code == 200
    assert [(d["phrase4"], d["thing5"]) for _, _, d in queued(app, "appointment_result")] == [
        ("已婉拒", "代表近期外出开会")]


def test_a_retried_cancel_or_decline_answers_as_the_first_did(client, app, world):
    """The answer lost on the way, the phone sends the step again with its Idempotency-Key: the same 200,
    not 409 约见已取消; and the citizen is told once."""
    for who, action, body in (("citizen", "cancel", {"note": "问题已解决"}), ("zhang_h", "decline", {"reason": "近期不在本地"})):
        appointment_id = ask(client, world["citizen"], world["zhang_code"]).json["id"]
        headers = world[who] | {"Idempotency-Key": f"yj-{action}-1"}
        first, again = (answer(client, headers, appointment_id, action, **body) for _ in range(2))
        assert first.status_code == again.status_code == 200, again.json
        assert again.json == first.json
    assert len(queued(app, "appointment_result")) == 1  # the decline's; the cancel told the deputy


def test_erasure_masks_the_citizens_phone_and_name_in_a_held_meetings_answer(client, app, world):
    """注销 of a citizen whose meeting was held (not cancelled, so its answer stays): the deputy's note quoting
    their number and how they asked to be addressed keeps neither, the rest of the note stays."""
    held = ask(client, world["citizen"], world["zhang_code"], name="王建国").json["id"]
    confirmed = answer(client, world["zhang_h"], held, "confirm", meet_at=later(2, 15).isoformat(),
                       place="王建国家楼下（1391 2345 678 接）", note="王建国同志，请带上材料；有变动我打13912345678找您")
    assert confirmed.status_code == 200, confirmed.json
    with app.app_context():
        db.session.execute(update(Appointment).where(Appointment.id == held).values(meet_dt=utcnow() - timedelta(hours=2)))
        db.session.commit()
    assert client.delete("/api/v1/me", headers=world["citizen"]).status_code == 204
    seen = client.get(f"/api/v1/appointments/{held}", headers=world["zhang_h"]).json
    assert (seen["status_label"], seen["name"], seen["contact_phone"]) == ("已确认", "", "")
    assert (seen["answer"], seen["place"]) == ("***同志，请带上材料；有变动我打***找您", "***家楼下（*** 接）")
