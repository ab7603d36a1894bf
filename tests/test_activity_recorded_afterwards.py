"""An activity entered after it was over (补录): those it lists were told nothing and could neither accept,
scan nor take leave, so 结单 does not mark them absent nor deduct a point. A deputy added while it runs may
take leave until it ends. Leave asked of an activity over already says so."""
from datetime import datetime, timedelta, timezone

from .test_activities import begin, crew, dispatch  # noqa: F401
from .test_activity_editing import edit
from .test_activity_hand_checkin import hand


def points(client, crew, deputy):
    return client.get(f"/api/v1/deputies/{deputy.id}/points", headers=crew["admin"]).json


def status_of(client, crew, activity_id):
    detail = client.get(f"/api/v1/activities/{activity_id}", headers=crew["admin"]).json
    return {p["deputy"]["name"]: p["status"] for p in detail["participants"]}


def test_an_activity_entered_after_it_ended_deducts_no_absence_from_those_it_lists(client, crew):  # noqa: F811
    zhang, li = crew["deputies"][:2]
    now = datetime.now(timezone.utc)
    activity_id = dispatch(client, crew, [zhang, li], type="research", title="已结束的调研",
                           starts=now - timedelta(hours=5), ends=now - timedelta(hours=3)).json["id"]
    declined = client.post(f"/api/v1/activities/{activity_id}/decline", json={"reason": "在外地出差"},
                           headers=crew["headers"][0])
    assert (declined.status_code, declined.json["message"]) == (409, "活动已经结束，不能再请假。")
    assert hand(client, crew, activity_id, li.id, reason="补录：现场签到表").status_code == 200

    closed = client.post(f"/api/v1/activities/{activity_id}/close", headers=crew["admin"])
    assert closed.status_code == 200, closed.json
    summary = closed.json["summary"]
    assert (summary["absent"], summary["points_deducted"], summary["deputies_deducted"]) == (0, 0, 0), summary
    assert (points(client, crew, zhang)["total"], points(client, crew, zhang)["entries"]) == (0, [])
    assert points(client, crew, li)["total"] == 3  # 调研
    assert status_of(client, crew, activity_id) == {"张伟": "invited", "李娜": "checked_in"}
    archive = client.get(f"/api/v1/deputies/{zhang.id}/archive", headers=crew["admin"]).json
    assert all(a["absent"] == 0 for a in archive["activities"])
    record = client.get(f"/api/v1/activities/{activity_id}/events", headers=crew["admin"]).json["items"]
    assert "活动结束后补录邀请、未签到 1 人，不计缺席" in record[-1]["note"], record


def test_a_deputy_added_while_it_runs_may_take_leave_and_staying_away_is_absent(client, app, crew):  # noqa: F811
    """Added once it had begun, a deputy was told and could accept and come, or take leave until it ends;
    one invited beforehand could only take leave before the start."""
    zhang, li, wang = crew["deputies"][:3]
    now = datetime.now(timezone.utc)
    activity_id = dispatch(client, crew, [zhang], starts=now + timedelta(minutes=20)).json["id"]
    begin(app, activity_id)
    assert edit(client, activity_id, crew["admin"], add_deputy_ids=[li.id, wang.id]).status_code == 200
    refused = client.post(f"/api/v1/activities/{activity_id}/decline", json={"reason": "临时有事"}, headers=crew["headers"][0])
    assert (refused.status_code, refused.json["message"]) == (409, "活动已经开始，不能再请假。请假须在活动开始前提出。")
    leave = client.post(f"/api/v1/activities/{activity_id}/decline", json={"reason": "临时有事"}, headers=crew["headers"][1])
    assert (leave.status_code, leave.json["my_status"]) == (200, "declined"), leave.json

    summary = client.post(f"/api/v1/activities/{activity_id}/close", json={"early": True},
                          headers=crew["admin"]).json["summary"]
    assert (summary["absent"], summary["points_deducted"], summary["deputies_deducted"]) == (2, -2, 2), summary
    assert status_of(client, crew, activity_id) == {"张伟": "absent", "李娜": "declined", "王强": "absent"}
    assert points(client, crew, li)["entries"] == []


def record_of(client, crew, activity_id):
    return client.get(f"/api/v1/activities/{activity_id}/events", headers=crew["admin"]).json["items"]


def test_correcting_the_end_of_an_activity_entered_afterwards_marks_nobody_absent(client, crew):  # noqa: F811
    """Whether a deputy was invited after the check-in window closed is a fact of their invitation: an end
    corrected later (here to one whose window would have taken the invitation in) changes nobody's standing."""
    zhang, li = crew["deputies"][:2]
    now = datetime.now(timezone.utc)
    activity_id = dispatch(client, crew, [zhang, li], type="research", title="已结束的调研",
                           starts=now - timedelta(hours=5), ends=now - timedelta(hours=3)).json["id"]
    assert "活动结束后补录，未通知代表" in record_of(client, crew, activity_id)[0]["note"]
    corrected = edit(client, activity_id, crew["admin"], ends_at=(now - timedelta(minutes=25)).isoformat())
    assert corrected.status_code == 200, corrected.json
    assert hand(client, crew, activity_id, li.id, reason="补录：现场签到表").status_code == 200

    closed = client.post(f"/api/v1/activities/{activity_id}/close", headers=crew["admin"])
    assert closed.status_code == 200, closed.json
    summary = closed.json["summary"]
    assert (summary["absent"], summary["points_deducted"], summary["deputies_deducted"]) == (0, 0, 0), summary
    assert status_of(client, crew, activity_id) == {"张伟": "invited", "李娜": "checked_in"}
    assert points(client, crew, zhang)["entries"] == []
    assert "活动结束后补录邀请、未签到 1 人，不计缺席" in record_of(client, crew, activity_id)[-1]["note"]


def test_shortening_an_activity_after_inviting_deputies_does_not_excuse_them(client, crew):  # noqa: F811
    """Deputies invited while the activity ran were told and could come, or (added once it had begun) take
    leave until it ended: an end moved earlier than their invitation afterwards does not make them invited
    afterwards (补录), so staying away is still absent."""
    zhang, li, wang = crew["deputies"][:3]
    now = datetime.now(timezone.utc)
    activity_id = dispatch(client, crew, [zhang], starts=now - timedelta(hours=3), ends=now + timedelta(hours=2)).json["id"]
    assert edit(client, activity_id, crew["admin"], add_deputy_ids=[li.id, wang.id]).status_code == 200
    leave = client.post(f"/api/v1/activities/{activity_id}/decline", json={"reason": "临时有事"}, headers=crew["headers"][2])
    assert (leave.status_code, leave.json["my_status"]) == (200, "declined"), leave.json  # added once it had begun
    shortened = edit(client, activity_id, crew["admin"], ends_at=(now - timedelta(hours=1)).isoformat())
    assert shortened.status_code == 200, shortened.json
    refused = client.post(f"/api/v1/activities/{activity_id}/decline", json={"reason": "临时有事"}, headers=crew["headers"][1])
    assert (refused.status_code, refused.json["message"]) == (409, "活动已经结束，不能再请假。")

    summary = client.post(f"/api/v1/activities/{activity_id}/close", headers=crew["admin"]).json["summary"]
    assert (summary["absent"], summary["deputies_deducted"]) == (2, 2), summary
    assert status_of(client, crew, activity_id) == {"张伟": "absent", "李娜": "absent", "王强": "declined"}
    assert "不计缺席" not in record_of(client, crew, activity_id)[-1]["note"]
