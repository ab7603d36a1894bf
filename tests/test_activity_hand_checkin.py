"""补签 through the API: an administrator who manages an activity checks in, with a reason, a deputy who
was there but could not scan; every refusal says why in Chinese and writes nothing."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

import backend.activities.services as activity_services
from backend.activities.models import ActivityParticipant, ParticipantStatus
from backend.auth.models import User
from backend.db_types import utcnow
from backend.errors import APIError
from backend.extensions import db

from .test_activities import begin, checkin, crew, dispatch  # noqa: F401

RECEPTION = 5  # the default rulebook's points for 接待选民
ABSENCE = -1


def hand(client, crew, activity_id, deputy_id, reason="手机没电，无法扫码", headers=None):
    return client.post(f"/api/v1/activities/{activity_id}/participants/{deputy_id}/checkin",
                       json={} if reason is None else {"reason": reason}, headers=headers or crew["admin"])


def row(activity_id, deputy_id):
    db.session.expire_all()
    p = db.session.scalar(select(ActivityParticipant).where(ActivityParticipant.activity_id == activity_id,
                                                            ActivityParticipant.deputy_id == deputy_id))
    return p.status.value, p.checked_in_dt, p.checkin_by_id, p.checkin_note


UNTOUCHED = ("invited", None, None, "")


def entry(body, deputy):
    return next(p for p in body["participants"] if p["deputy"]["id"] == deputy.id)


def test_an_administrator_checks_a_deputy_in_by_hand_and_closing_credits_them(client, crew):
    zhang, li, wang = crew["deputies"][:3]
    activity_id = dispatch(client, crew, [zhang, li, wang]).json["id"]
    assert client.post(f"/api/v1/activities/{activity_id}/accept", headers=crew["headers"][1]).status_code == 200

    done = hand(client, crew, activity_id, zhang.id, reason="  手机没电，无法扫码  ")
    assert done.status_code == 200, done.json
    mine = entry(done.json, zhang)
    assert (mine["status"], mine["status_label"], mine["checked_in_by_admin"], mine["checkin_note"]) == (
        "checked_in", "已签到", True, "手机没电，无法扫码")
    assert mine["checked_in_at"] is not None
    assert (entry(done.json, wang)["checked_in_by_admin"], entry(done.json, wang)["checkin_note"]) == (False, "")
    chengbei = db.session.scalar(select(User).where(User.username == "chengbei"))
    status, checked_in_dt, by, note = row(activity_id, zhang.id)
    assert (status, by, note) == ("checked_in", chengbei.id, "手机没电，无法扫码") and checked_in_dt is not None

    # An accepted deputy too; and an administrator of the region above may do it as well.
    assert hand(client, crew, activity_id, li.id, reason="现场无信号", headers=crew["root_admin"]).status_code == 200

    # The deputy sees their check-in, not how it was made; the administrator's detail shows the 补签.
    as_deputy = client.get(f"/api/v1/activities/{activity_id}", headers=crew["headers"][0]).json
    assert as_deputy["my_status"] == "checked_in"
    assert "checked_in_by_admin" not in entry(as_deputy, zhang) and "checkin_note" not in entry(as_deputy, zhang)
    as_admin = client.get(f"/api/v1/activities/{activity_id}", headers=crew["admin"]).json
    assert entry(as_admin, li)["checked_in_by_admin"] is True and entry(as_admin, li)["checkin_note"] == "现场无信号"

    closed = client.post(f"/api/v1/activities/{activity_id}/close", json={"early": True}, headers=crew["admin"])
    assert closed.status_code == 200, closed.json
    summary = closed.json["summary"]
    assert (summary["checked_in"], summary["absent"], summary["points_credited"]) == (2, 1, 2 * RECEPTION + ABSENCE)
    for deputy, headers, total in ((zhang, crew["headers"][0], RECEPTION), (wang, crew["headers"][2], ABSENCE)):
        assert client.get(f"/api/v1/deputies/{deputy.id}/points", headers=headers).json["total"] == total


def test_refusals_say_why_and_write_nothing(client, app, crew, factory):
    zhang, li, wang, zhao = crew["deputies"]
    zh, lh = crew["headers"][:2]
    now = datetime.now(timezone.utc)
    # Begins in ten minutes: 李娜 takes leave beforehand, 张伟 scans (check-in opens before the start).
    activity_id = dispatch(client, crew, [zhang, li, wang], starts=now + timedelta(minutes=10)).json["id"]
    assert client.post(f"/api/v1/activities/{activity_id}/decline", json={"reason": "出差"}, headers=lh).status_code == 200
    assert checkin(client, zh, crew["station"].qr_code).status_code == 201

    early = hand(client, crew, activity_id, wang.id)
    assert early.status_code == 409 and "尚未开始" in early.json["message"], early.json
    assert row(activity_id, wang.id) == UNTOUCHED

    begin(app, activity_id)
    for reason in ("", "   ", "缘" * 201, None):
        blank = hand(client, crew, activity_id, wang.id, reason=reason)
        assert blank.status_code == 422 and blank.json["error"] == "validation_failed", (reason, blank.json)
        assert "reason" in blank.json["errors"]
    declined = hand(client, crew, activity_id, li.id)
    assert declined.status_code == 409 and declined.json["message"] == "该代表已请假，不能补签。"
    scanned_at = row(activity_id, zhang.id)[1]
    twice = hand(client, crew, activity_id, zhang.id)
    assert twice.status_code == 409 and twice.json["message"] == "该代表已签到，无需补签。"
    assert row(activity_id, zhang.id) == ("checked_in", scanned_at, None, "联络站码签到，距活动地点约 0 米")  # the scan's own

    # Not invited, no such activity, another station's administrator, a deputy: the activity is not theirs.
    stranger = hand(client, crew, activity_id, zhao.id)
    assert stranger.status_code == 404 and stranger.json["message"] == "该代表不在本次活动的邀请名单中。"
    assert hand(client, crew, 99999, wang.id).status_code == 404
    chengnan = factory.station(crew["tree"]["hc"], "城南联络站")
    other = factory.headers_for_admin(factory.admin("chengnan", stations=[chengnan]))
    elsewhere = hand(client, crew, activity_id, wang.id, headers=other)
    assert elsewhere.status_code == 404 and "不存在" in elsewhere.json["message"]
    assert hand(client, crew, activity_id, wang.id, headers=crew["headers"][2]).status_code == 403
    assert row(activity_id, wang.id) == UNTOUCHED
    assert row(activity_id, li.id)[2:] == (None, "")

    assert client.post(f"/api/v1/activities/{activity_id}/close", json={"early": True},
                       headers=crew["admin"]).status_code == 200
    closed = hand(client, crew, activity_id, wang.id)
    assert closed.status_code == 409 and closed.json["message"] == "活动已结单，不能再补签。"
    assert row(activity_id, wang.id)[2:] == (None, "")

    cancelled_id = dispatch(client, crew, [wang]).json["id"]
    assert client.post(f"/api/v1/activities/{cancelled_id}/cancel", headers=crew["admin"]).status_code == 200
    cancelled = hand(client, crew, cancelled_id, wang.id)
    assert cancelled.status_code == 409 and cancelled.json["message"] == "活动已取消，不能补签。"
    assert row(cancelled_id, wang.id) == UNTOUCHED


def test_a_deputy_id_no_deputy_can_have_is_not_on_the_list(client, app, crew):
    """Found by fuzzing (tests/test_api_fuzz.py): a deputy id beyond any id (a mistyped link, a script)
    answered a 500 on SQLite, whose integers it overflowed. It is simply not on the list."""
    zhang = crew["deputies"][0]
    activity_id = dispatch(client, crew, [zhang]).json["id"]
    begin(app, activity_id)
    for deputy_id in (2**31, 2**63, 10**30, 0):
        answer = hand(client, crew, activity_id, deputy_id)
        assert answer.status_code == 404, (deputy_id, answer.get_data(as_text=True))
        assert answer.json == {"error": "not_found", "message": "该代表不在本次活动的邀请名单中。"}
    assert row(activity_id, zhang.id) == UNTOUCHED


def test_a_scan_landing_while_the_form_was_filled_in_wins(client, app, crew):
    """The rule is checked against the row itself, not the participant loaded with the activity: a scan
    (or 结单) landing in between keeps its own check-in and the 补签 is refused."""
    zhang = crew["deputies"][0]
    activity_id = dispatch(client, crew, [zhang]).json["id"]
    chengbei = db.session.scalar(select(User).where(User.username == "chengbei"))
    with app.test_request_context():
        activity = activity_services.load_activity(activity_id)
        assert activity_services.participant(activity, zhang.id).status.value == "invited"
        db.session.execute(update(ActivityParticipant).where(ActivityParticipant.activity_id == activity_id)
                           .values(status=ParticipantStatus.checked_in, checked_in_dt=utcnow())
                           .execution_options(synchronize_session=False))
        with pytest.raises(APIError) as refused:
            activity_services.check_in_by_hand(chengbei, activity, zhang.id, "手机没电")
        assert (refused.value.status, refused.value.message) == (409, "该代表已签到，无需补签。")
        db.session.rollback()
