"""改期、改地点、补充邀请: an administrator corrects an activity after 发单 (PATCH /activities/{id}) and
the deputies keep their 接单 and 请假; those still expected are told of a new time or place, deputies
added are invited, deputies taken off are told, and citizens waiting on a reception day hear of it."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from backend.activities.models import Activity, ActivityParticipant
from backend.activities.services import remind_upcoming
from backend.extensions import db
from backend.notifications.models import OutboxMessage
from backend.notifications.outbox import deliver_due

from .test_activities import begin, checkin, crew, dispatch, iso  # noqa: F401

CHINA = timezone(timedelta(hours=8))


def edit(client, activity_id, headers, **body):
    return client.patch(f"/api/v1/activities/{activity_id}", json=body, headers=headers)


def tomorrow(hour=9):
    return (datetime.now(CHINA) + timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)


def delivered(app, wechat_standin, template):
    """Deliver the outbox as the sweep does: (recipient, data values) of ``template``'s messages, in order."""
    with app.app_context():
        counts = deliver_due()
    assert counts["failed"] == 0, counts  # every value within WeChat's limits (the stand-in checks them)
    openid = "fake-openid-deputy"
    return [(m["touser"].removeprefix(openid), {k: v["value"] for k, v in m["data"].items()})
            for m in wechat_standin.messages() if m["template_id"] == template]


def statuses(client, activity_id, headers):
    return {p["deputy"]["name"]: p["status"] for p in
            client.get(f"/api/v1/activities/{activity_id}", headers=headers).json["participants"]}


def upcoming(client, crew, deputies, **extra):
    """An activity tomorrow 09:00–11:00 at the station: its id."""
    created = dispatch(client, crew, deputies, starts=tomorrow(9), ends=tomorrow(11), **extra)
    assert created.status_code == 201, created.json
    return created.json["id"]


def test_a_new_time_and_place_keep_the_answers_and_tell_the_deputies_still_expected(client, app, crew, wechat_standin):
    """改期、改地点: 张伟 accepted, 李娜 took leave, 王强 has not answered. The administrator moves the
    activity to the afternoon in the station's meeting room: the answers stand; 张伟 and 王强 are told
    the new time and place, 李娜 (on leave) is not."""
    zhang, li, wang = crew["deputies"][:3]
    zh, lh = crew["headers"][:2]
    activity_id = upcoming(client, crew, [zhang, li, wang])
    assert client.post(f"/api/v1/activities/{activity_id}/accept", headers=zh).status_code == 200
    assert client.post(f"/api/v1/activities/{activity_id}/decline", json={"reason": "出差在外"}, headers=lh).status_code == 200
    delivered(app, wechat_standin, "tmpl-activity")  # the invitations are out of the way
    wechat_standin.clear()

    edited = edit(client, activity_id, crew["admin"], starts_at=iso(tomorrow(14)), ends_at=iso(tomorrow(17)),
                  place="城北联络站二楼会议室", title="城北联络站下午接待选民")
    assert edited.status_code == 200, edited.json
    assert (edited.json["title"], edited.json["place"], edited.json["status"]) == \
        ("城北联络站下午接待选民", "城北联络站二楼会议室", "published")
    shown = client.get(f"/api/v1/activities/{activity_id}", headers=zh).json
    assert (datetime.fromisoformat(shown["starts_at"]), datetime.fromisoformat(shown["ends_at"])) == (tomorrow(14), tomorrow(17))
    assert statuses(client, activity_id, crew["admin"]) == {"张伟": "accepted", "李娜": "declined", "王强": "invited"}
    assert (shown["lat"], shown["lng"]) == (crew["station"].lat, crew["station"].lng)  # still checked in at the station

    told = delivered(app, wechat_standin, "tmpl-activity-changed")
    assert sorted(to for to, _ in told) == sorted(str(d.id) for d in (zhang, wang))
    assert told[0][1] == {
        "thing1": "城北联络站下午接待选民", "phrase2": "接待选民", "time3": f"{tomorrow(14):%Y-%m-%d} 14:00",
        "thing4": "城北联络站二楼会议室", "thing5": "活动时间和地点已变更，请留意",
    }
    assert [m for m in wechat_standin.messages() if m["template_id"] != "tmpl-activity-changed"] == []

    # Only the end later: said with the new end. Only the title: nobody is disturbed.
    wechat_standin.clear()
    assert edit(client, activity_id, crew["admin"], ends_at=iso(tomorrow(18))).status_code == 200
    assert [d["thing5"] for _, d in delivered(app, wechat_standin, "tmpl-activity-changed")] == \
        [f"结束时间改为{tomorrow(18):%m-%d} 18:00"] * 2
    wechat_standin.clear()
    assert edit(client, activity_id, crew["admin"], title="城北联络站接待选民（下午场）").status_code == 200
    assert delivered(app, wechat_standin, "tmpl-activity-changed") == []


def test_the_same_edit_sent_twice_tells_nobody_twice(client, app, crew, wechat_standin):
    """A retried PATCH (a flaky network) finds nothing left to change: one message per deputy."""
    zhang = crew["deputies"][0]
    activity_id = upcoming(client, crew, [zhang])
    body = {"starts_at": iso(tomorrow(10)), "ends_at": iso(tomorrow(12))}
    first, second = (edit(client, activity_id, crew["admin"], **body) for _ in range(2))
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json == second.json
    assert [to for to, _ in delivered(app, wechat_standin, "tmpl-activity-changed")] == [str(zhang.id)]


def test_a_reminder_sent_for_the_old_time_is_sent_again_for_the_new_one(client, app, crew, wechat_standin):
    """The sweep reminded the deputies of an activity in three hours; it is then put back an hour: they
    are reminded again, with the new time. A change that leaves the start alone reminds nobody again."""
    zhang = crew["deputies"][0]
    starts = datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(hours=3)
    activity_id = dispatch(client, crew, [zhang], starts=starts, ends=starts + timedelta(hours=2)).json["id"]
    with app.app_context():
        assert remind_upcoming() == 1
        assert remind_upcoming() == 0
    first = delivered(app, wechat_standin, "tmpl-activity-reminder")
    assert [d["time3"] for _, d in first] == [f"{starts.astimezone(CHINA):%Y-%m-%d %H:%M}"]

    later = starts + timedelta(hours=1)
    assert edit(client, activity_id, crew["admin"], starts_at=iso(later)).status_code == 200
    assert db.session.get(Activity, activity_id).reminded_dt is None
    with app.app_context():
        assert remind_upcoming() == 1
    wechat_standin.clear()
    assert [d["time3"] for _, d in delivered(app, wechat_standin, "tmpl-activity-reminder")] == \
        [f"{later.astimezone(CHINA):%Y-%m-%d %H:%M}"]

    assert edit(client, activity_id, crew["admin"], ends_at=iso(later + timedelta(hours=3)),
                place="城北联络站一楼").status_code == 200
    with app.app_context():
        assert remind_upcoming() == 0


def test_deputies_are_added_and_taken_off_with_the_rules_of_dispatch(client, app, factory, crew, wechat_standin):
    """补充邀请: 赵敏, forgotten at 发单, is invited and told as at 发单. 李娜, who accepted, is taken off
    and told she need not come; she no longer sees the activity nor can check in to it. A deputy the
    administrator may not invite, or one who left office, is refused as at 发单, and nothing changes."""
    zhang, li, wang, zhao = crew["deputies"]
    lh, zhaoh = crew["headers"][1], crew["headers"][3]
    activity_id = dispatch(client, crew, [zhang, li, wang]).json["id"]  # began ten minutes ago
    assert client.post(f"/api/v1/activities/{activity_id}/accept", headers=lh).status_code == 200
    delivered(app, wechat_standin, "tmpl-activity")
    wechat_standin.clear()

    far = factory.deputy(crew["tree"]["yl"], "长沙代表", phone="13800000999")
    retired = factory.deputy(crew["tree"]["hc"], "离任代表", phone="13800000998", stations=[crew["station"]], active=False)
    for deputy in (far, retired):
        refused = edit(client, activity_id, crew["admin"], add_deputy_ids=[zhao.id, deputy.id], remove_deputy_ids=[li.id])
        assert (refused.status_code, refused.json["errors"]) == (422, {
            "add_deputy_ids": [f"代表不存在、已离任或不在您的管理范围内：{deputy.id}。"]}), refused.json
    assert statuses(client, activity_id, crew["admin"]) == {"张伟": "invited", "李娜": "accepted", "王强": "invited"}

    edited = edit(client, activity_id, crew["admin"], add_deputy_ids=[zhao.id], remove_deputy_ids=[li.id])
    assert edited.status_code == 200, edited.json
    assert {p["deputy"]["name"]: p["status"] for p in edited.json["participants"]} == \
        {"张伟": "invited", "王强": "invited", "赵敏": "invited"}
    assert [to for to, _ in delivered(app, wechat_standin, "tmpl-activity")] == [str(zhao.id)]
    assert [(to, d["thing5"]) for to, d in delivered(app, wechat_standin, "tmpl-activity-cancelled")] == \
        [(str(li.id), "活动安排调整，您无需参加")]
    assert delivered(app, wechat_standin, "tmpl-activity-changed") == []  # neither time nor place changed

    assert client.get(f"/api/v1/activities/{activity_id}", headers=lh).status_code == 404
    assert client.get("/api/v1/activities", headers=lh).json["total"] == 0
    scan = checkin(client, lh, crew["station"].qr_code)
    assert (scan.status_code, scan.json["message"]) == (409, "您不在本次活动的邀请名单中，不能签到。")
    assert checkin(client, zhaoh, crew["station"].qr_code).status_code == 201

    # 赵敏 has checked in: she stays, said by name; the whole edit is refused.
    kept = edit(client, activity_id, crew["admin"], remove_deputy_ids=[zhao.id, wang.id], title="改名")
    assert (kept.status_code, kept.json["error"], kept.json["message"]) == (409, "invalid_transition", "赵敏已签到，不能移出活动。")
    assert statuses(client, activity_id, crew["admin"]) == {"张伟": "invited", "王强": "invited", "赵敏": "checked_in"}
    assert client.get(f"/api/v1/activities/{activity_id}", headers=crew["admin"]).json["title"] == "城北联络站进站接待选民"

    # One deputy both added and taken off is a mistake.
    both = edit(client, activity_id, crew["admin"], add_deputy_ids=[li.id], remove_deputy_ids=[li.id])
    assert (both.status_code, both.json["errors"]) == (422, {"remove_deputy_ids": [f"同一位代表不能同时添加和移出：{li.id}。"]})
    # Invited already, or not invited at all: nothing to do, nobody told twice (a retried request).
    wechat_standin.clear()
    again = edit(client, activity_id, crew["admin"], add_deputy_ids=[zhang.id], remove_deputy_ids=[li.id])
    assert again.status_code == 200 and len(again.json["participants"]) == 3
    assert delivered(app, wechat_standin, "tmpl-activity") == []


def test_the_last_deputies_cannot_all_be_taken_off(client, crew):
    zhang, li = crew["deputies"][:2]
    activity_id = upcoming(client, crew, [zhang, li])
    empty = edit(client, activity_id, crew["admin"], remove_deputy_ids=[zhang.id, li.id])
    assert (empty.status_code, empty.json["errors"]) == (422, {"remove_deputy_ids": [
        "活动至少要有一位参加的代表；如活动不再举行，请取消活动。"]})
    assert statuses(client, activity_id, crew["admin"]) == {"张伟": "invited", "李娜": "invited"}
    swapped = edit(client, activity_id, crew["admin"], remove_deputy_ids=[zhang.id, li.id],
                   add_deputy_ids=[crew["deputies"][2].id])
    assert swapped.status_code == 200 and statuses(client, activity_id, crew["admin"]) == {"王强": "invited"}


def test_a_deputy_on_leave_can_be_taken_off_quietly(client, app, crew, wechat_standin):
    """李娜 took leave: taking her off the list tells her nothing (she was not coming)."""
    zhang, li = crew["deputies"][:2]
    activity_id = upcoming(client, crew, [zhang, li])
    assert client.post(f"/api/v1/activities/{activity_id}/decline", json={"reason": "住院"},
                       headers=crew["headers"][1]).status_code == 200
    assert edit(client, activity_id, crew["admin"], remove_deputy_ids=[li.id]).status_code == 200
    assert statuses(client, activity_id, crew["admin"]) == {"张伟": "invited"}
    assert delivered(app, wechat_standin, "tmpl-activity-cancelled") == []


def test_a_started_activity_keeps_its_start_but_may_be_extended_and_corrected(client, app, crew):
    """Once begun the start stays (the deputies came at it); the end may move, and the title and place
    be corrected. A start sent unchanged (the whole form sent back) is no move."""
    zhang = crew["deputies"][0]
    created = dispatch(client, crew, [zhang]).json  # began ten minutes ago
    activity_id = created["id"]
    moved = edit(client, activity_id, crew["admin"], starts_at=iso(datetime.now(timezone.utc) + timedelta(hours=1)))
    assert (moved.status_code, moved.json["error"], moved.json["message"]) == (
        409, "invalid_transition", "活动已经开始，不能更改开始时间；可以修改结束时间、地点或名称。")
    ends = datetime.fromisoformat(created["ends_at"]) + timedelta(hours=1)
    extended = edit(client, activity_id, crew["admin"], starts_at=created["starts_at"], ends_at=iso(ends),
                    title="城北联络站进站接待选民（延长）", place="人民路 18 号二楼")
    assert extended.status_code == 200, extended.json
    assert (datetime.fromisoformat(extended.json["ends_at"]), extended.json["title"], extended.json["place"]) == \
        (ends, "城北联络站进站接待选民（延长）", "人民路 18 号二楼")
    assert extended.json["starts_at"] == created["starts_at"]


def test_a_start_a_deputy_checked_in_for_stays(client, crew):
    """Check-in opens half an hour before the start: a deputy who scanned for it came at that time."""
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    starts = datetime.now(timezone.utc) + timedelta(minutes=20)
    activity_id = dispatch(client, crew, [zhang], starts=starts, ends=starts + timedelta(hours=2)).json["id"]
    assert checkin(client, zh, crew["station"].qr_code).status_code == 201
    moved = edit(client, activity_id, crew["admin"], starts_at=iso(starts + timedelta(days=1)),
                 ends_at=iso(starts + timedelta(days=1, hours=2)))
    assert (moved.status_code, moved.json["message"]) == (409, "已有代表签到，不能更改开始时间。")


def test_only_a_published_activity_may_be_edited(client, app, crew):
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    closed_id = dispatch(client, crew, [zhang]).json["id"]
    assert checkin(client, zh, crew["station"].qr_code).status_code == 201
    assert client.post(f"/api/v1/activities/{closed_id}/close", headers=crew["admin"]).status_code == 200
    cancelled_id = upcoming(client, crew, [zhang])
    assert client.post(f"/api/v1/activities/{cancelled_id}/cancel", headers=crew["admin"]).status_code == 200
    for activity_id, message in ((closed_id, "活动已结单，不能再修改。"), (cancelled_id, "活动已取消，不能再修改。")):
        for change in {"title": "改名", "add_deputy_ids": [crew["deputies"][1].id]}, {"type": "inspection"}:
            refused = edit(client, activity_id, crew["admin"], **change)
            assert (refused.status_code, refused.json["error"], refused.json["message"]) == (
                409, "invalid_transition", message)
        shown = client.get(f"/api/v1/activities/{activity_id}", headers=crew["admin"]).json
        assert shown["title"] == "城北联络站进站接待选民" and len(shown["participants"]) == 1
        assert shown["type"] == "reception"


def test_an_ended_activity_invites_nobody_more(client, crew):
    """A deputy invited after the end could only be marked absent at 结单."""
    zhang, li = crew["deputies"][:2]
    now = datetime.now(timezone.utc)
    activity_id = dispatch(client, crew, [zhang], starts=now - timedelta(hours=3), ends=now - timedelta(hours=1)).json["id"]
    late = edit(client, activity_id, crew["admin"], add_deputy_ids=[li.id])
    assert (late.status_code, late.json["message"]) == (409, "活动已经结束，不能再邀请代表。")
    assert statuses(client, activity_id, crew["admin"]) == {"张伟": "invited"}


def test_bad_edits_are_422_and_change_nothing(client, crew):
    """The times are checked as at 发单 (the start when it moves); every field as its 发单 field; unknown
    fields are refused."""
    zhang = crew["deputies"][0]
    activity_id = upcoming(client, crew, [zhang])
    before = client.get(f"/api/v1/activities/{activity_id}", headers=crew["admin"]).json
    cases = [
        ({"ends_at": iso(tomorrow(8))}, {"ends_at": ["结束时间须晚于开始时间。"]}),
        ({"starts_at": iso(tomorrow(12))}, {"starts_at": [f"开始时间须早于结束时间（{tomorrow(11):%Y-%m-%d} 11:00）。"]}),
        ({"starts_at": iso(tomorrow(12)), "ends_at": iso(tomorrow(12))}, {"ends_at": ["结束时间须晚于开始时间。"]}),
        # The bounds of 发单: a start within a year and not before yesterday, a week at most.
        ({"starts_at": iso(tomorrow(9) + timedelta(days=400)), "ends_at": iso(tomorrow(11) + timedelta(days=400))},
         {"starts_at": ["开始时间须在一年之内，请检查年份。"]}),
        ({"starts_at": iso(tomorrow(9) - timedelta(days=3)), "ends_at": iso(tomorrow(11) - timedelta(days=3))},
         {"starts_at": ["开始时间不能早于 24 小时之前；更早举行的活动请通过积分更正补记。"]}),
        ({"ends_at": iso(tomorrow(11) + timedelta(days=8))}, {"ends_at": ["活动时长不能超过 7 天，请检查结束时间。"]}),
        ({"starts_at": "明天上午"}, None),
        ({"starts_at": "2026-11-23T09:00:00"}, None),  # no offset
        ({"ends_at": "9999-12-31T23:00:00+00:00"}, None),
        ({"title": "  "}, None),
        ({"title": "两行\n标题"}, None),
        ({"points": 1000}, None),
        ({"points": 2.5}, None),
        ({"lat": 27.5}, {"lng": ["请同时提供纬度和经度。"]}),
        # Found by fuzzing: half a position given as null answered a 500.
        ({"lat": None}, {"lng": ["请同时提供纬度和经度。"]}),
        ({"lng": None}, {"lat": ["请同时提供纬度和经度。"]}),
        ({"add_deputy_ids": ["张伟"]}, None),
        ({"type": "parade"}, None),
        ({"type": None}, None),
        ({"station_id": crew["station"].id}, None),
        ({"deputy_ids": [zhang.id]}, None),
    ]
    for body, errors in cases:
        refused = edit(client, activity_id, crew["admin"], **body)
        assert refused.status_code == 422, (body, refused.json)
        field = next(iter(body))
        if errors is not None:
            assert refused.json["errors"] == errors, (body, refused.json)
        else:
            assert list(refused.json["errors"]) == [field], (body, refused.json)
    assert client.get(f"/api/v1/activities/{activity_id}", headers=crew["admin"]).json == before


def test_a_place_elsewhere_moves_with_its_position(client, app, crew, wechat_standin):
    """An activity away from any station, checked in by distance: a new place without a position drops
    the old one (a deputy at the new place was measured against the old and refused); a place cannot be
    emptied; a new position may come with it."""
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    created = dispatch(client, crew, [zhang], station_id=None, region_id=crew["tree"]["hc"].id, place="鹤城区政府",
                       lat=27.55, lng=110.0, headers=crew["root_admin"])
    assert created.status_code == 201, created.json
    activity_id = created.json["id"]
    blank = edit(client, activity_id, crew["root_admin"], place=" ")
    assert (blank.status_code, blank.json["errors"]) == (422, {"place": ["请填写活动地点。"]})
    moved = edit(client, activity_id, crew["root_admin"], place="鹤城区人大常委会三楼会议室")
    assert moved.status_code == 200, moved.json
    assert (moved.json["place"], moved.json["lat"], moved.json["lng"]) == ("鹤城区人大常委会三楼会议室", None, None)
    assert [d["thing4"] for _, d in delivered(app, wechat_standin, "tmpl-activity-changed")] == ["鹤城区人大常委会三楼会议室"]
    code = client.get(f"/api/v1/activities/{activity_id}/checkin-code", headers=crew["root_admin"]).json["qr_code"]
    assert checkin(client, zh, code, lat=27.6, lng=110.1).status_code == 201
    placed = edit(client, activity_id, crew["root_admin"], lat=27.56, lng=110.01)
    assert (placed.json["lat"], placed.json["lng"]) == (27.56, 110.01)


def test_who_may_edit(client, factory, crew):
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    activity_id = upcoming(client, crew, [zhang])
    outsider = factory.headers_for_admin(factory.admin("changsha", region=crew["tree"]["cs"]))
    assert edit(client, activity_id, outsider, title="改名").status_code == 404
    assert edit(client, activity_id, zh, title="改名").status_code == 403
    assert edit(client, activity_id, {}, title="改名").status_code == 401
    assert edit(client, 2**31, crew["admin"], title="改名").status_code == 404
    above = edit(client, activity_id, crew["root_admin"], title="改名")
    assert above.status_code == 200 and above.json["title"] == "改名"


def test_the_outbox_holds_one_message_per_deputy_and_change(client, app, crew):
    """Records: each change queues its messages once, keyed by the activity's version."""
    zhang, li = crew["deputies"][:2]
    activity_id = upcoming(client, crew, [zhang, li])
    assert edit(client, activity_id, crew["admin"], starts_at=iso(tomorrow(10)), ends_at=iso(tomorrow(12))).status_code == 200
    assert edit(client, activity_id, crew["admin"], starts_at=iso(tomorrow(15)), ends_at=iso(tomorrow(17))).status_code == 200
    keys = db.session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.template == "activity_changed")
                              .order_by(OutboxMessage.id)).all()
    assert len(keys) == 4 and len(set(keys)) == 4
    assert db.session.get(Activity, activity_id).starts_dt == tomorrow(15)
    assert sorted(db.session.scalars(select(ActivityParticipant.deputy_id)
                                     .where(ActivityParticipant.activity_id == activity_id))) == sorted([zhang.id, li.id])


def test_a_wrong_type_is_corrected_before_closing_and_the_points_follow_it(client, app, crew, wechat_standin):
    """A 视察 dispatched as 接待选民 by mistake: corrected before 结单, the record says from what to what,
    nobody is sent a message for it (the deputies see the new type on the activity), a retried correction
    adds nothing, and 结单 credits the 视察 line of the rulebook (3 points, not the reception's 5)."""
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    activity_id = upcoming(client, crew, [zhang])
    delivered(app, wechat_standin, "tmpl-activity")
    wechat_standin.clear()

    for _ in range(2):
        corrected = edit(client, activity_id, crew["admin"], type="inspection")
        assert corrected.status_code == 200, corrected.json
    assert (corrected.json["type"], corrected.json["type_label"]) == ("inspection", "视察")
    assert [(e["action"], e["note"]) for e in corrected.json["events"]][1:] == [("edited", "类型由“接待选民”改为“视察”")]
    assert client.get(f"/api/v1/activities/{activity_id}", headers=zh).json["type_label"] == "视察"
    with app.app_context():
        assert deliver_due()["sent"] == 0
    assert wechat_standin.messages() == []

    begin(app, activity_id)
    assert checkin(client, zh, crew["station"].qr_code).status_code == 201
    closed = client.post(f"/api/v1/activities/{activity_id}/close", headers=crew["admin"])
    assert closed.json["summary"]["points_credited"] == 3
    entries = client.get(f"/api/v1/deputies/{zhang.id}/points", headers=zh).json["entries"]
    assert [(e["rule_code"], e["points"], e["reason"]) for e in entries] == [
        ("inspection", 3, "视察：城北联络站进站接待选民")]
    archive = client.get(f"/api/v1/deputies/{zhang.id}/archive", headers=zh).json
    assert [(a["type"], a["checked_in"]) for a in archive["activities"]] == [("inspection", 1)]


def test_a_list_too_long_is_counted_in_entries_and_the_activitys_own_bound_speaks_first(client, app, crew):
    """A request names at most 5,000 deputies, said as entries (项), not characters; below that, 发单 of
    600 meets the activity's own bound (ACTIVITY_MAX_DEPUTIES, 1,000) or, here, deputies who do not exist
    — never "at most 500", which made 1,000 take a 发单 and a 补充邀请."""
    zhang = crew["deputies"][0]
    body = {"title": "城北联络站进站接待选民", "type": "reception", "station_id": crew["station"].id,
            "starts_at": iso(tomorrow(9)), "ends_at": iso(tomorrow(11))}
    huge = client.post("/api/v1/activities", json=body | {"deputy_ids": list(range(1, 5002))}, headers=crew["admin"])
    assert (huge.status_code, huge.json["errors"]) == (422, {"deputy_ids": ["最多 5000 项。"]})
    # Nobody invited and no places for 揭榜: nobody would come.
    empty = client.post("/api/v1/activities", json=body | {"deputy_ids": []}, headers=crew["admin"])
    assert (empty.status_code, empty.json["errors"]) == (
        422, {"deputy_ids": ["请选择要邀请的代表，或设置揭榜名额由代表自行报名。"]})
    edited = client.post("/api/v1/activities", json=body | {"deputy_ids": [zhang.id]}, headers=crew["admin"])
    too_many_off = client.patch(f"/api/v1/activities/{edited.json['id']}", headers=crew["admin"],
                                json={"remove_deputy_ids": list(range(1, 5002))})
    assert (too_many_off.status_code, too_many_off.json["errors"]) == (422, {"remove_deputy_ids": ["最多 5000 项。"]})
    many = client.post("/api/v1/activities", json=body | {"deputy_ids": [zhang.id, *range(10**6, 10**6 + 599)]},
                       headers=crew["admin"])
    assert many.status_code == 422 and "项" not in str(many.json["errors"]), many.json
    assert len(db.session.scalars(select(Activity)).all()) == 1  # the one edited above


def test_an_activity_invites_at_most_the_configured_number_of_deputies(client, app, crew, monkeypatch):
    """ACTIVITY_MAX_DEPUTIES (1,000 by default; 3 here) bounds an activity's list at 发单 and at 补充邀请:
    its attendance page, screen and 结单 handle every participant at once."""
    monkeypatch.setitem(app.config, "ACTIVITY_MAX_DEPUTIES", 3)
    zhang, li, wang, zhao = crew["deputies"]
    too_many = dispatch(client, crew, [zhang, li, wang, zhao], starts=tomorrow(9), ends=tomorrow(11))
    assert (too_many.status_code, too_many.json["errors"]) == (422, {"deputy_ids": ["一项活动最多邀请 3 位代表。"]})
    assert db.session.scalars(select(Activity)).all() == []

    activity_id = upcoming(client, crew, [zhang, li])
    over = edit(client, activity_id, crew["admin"], add_deputy_ids=[wang.id, zhao.id])
    assert (over.status_code, over.json["errors"]) == (422, {"add_deputy_ids": [
        "一项活动最多邀请 3 位代表。本活动已有 2 位，最多还能邀请 1 位。"]})
    assert statuses(client, activity_id, crew["admin"]) == {"张伟": "invited", "李娜": "invited"}
    # Taking one off makes room for two.
    swapped = edit(client, activity_id, crew["admin"], remove_deputy_ids=[li.id], add_deputy_ids=[wang.id, zhao.id])
    assert swapped.status_code == 200, swapped.json
    assert statuses(client, activity_id, crew["admin"]) == {"张伟": "invited", "王强": "invited", "赵敏": "invited"}
