"""Activities at their edges: New Year's Eve, an activity with no place, back-to-back activities at
one station, scans after the window, leave and 结单 around the start, cancelling, and a rank beside
deputies who left office."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import update

import backend.activities.services as activity_services
from backend.activities.models import Activity, ActivityParticipant, ParticipantStatus
from backend.db_types import utcnow
from backend.extensions import db
from backend.notifications.outbox import deliver_due

from .test_activities import begin, checkin, crew, dispatch, invited_ahead, iso  # noqa: F401

CHINA = timezone(timedelta(hours=8))
VOLUNTEER = 10  # the default rulebook's points for 志愿服务
RECEPTION = 5
ABSENCE = -1


def deliver(app):
    with app.app_context():
        return deliver_due()


def points(client, deputy, headers, year=None):
    query = f"?year={year}" if year else ""
    return client.get(f"/api/v1/deputies/{deputy.id}/points{query}", headers=headers).json


def archive(client, deputy, headers, year):
    return client.get(f"/api/v1/deputies/{deputy.id}/archive?year={year}", headers=headers).json


def board(client, year=None):
    query = f"?year={year}" if year else ""
    return [(row["rank"], row["deputy"]["id"], row["points"]) for row in client.get(f"/api/v1/leaderboard{query}").json]


def held_on_new_years_eve(client, app, crew, deputies, attended, title="跨年志愿服务"):
    """A volunteer activity from 20:00 to 23:30 on 31 December 2025 (China time); ``attended`` checked in
    at 20:05. Dispatched now and moved there in the database, as a scan can only be now (and 发单 takes
    an activity held up to a day ago)."""
    starts = datetime(2025, 12, 31, 20, 0, tzinfo=CHINA)
    created = dispatch(client, crew, deputies, title=title, type="volunteer")
    assert created.status_code == 201, created.json
    with app.app_context():
        db.session.execute(update(Activity).where(Activity.id == created.json["id"]).values(
            starts_dt=starts, ends_dt=starts + timedelta(hours=3, minutes=30)))
        db.session.execute(update(ActivityParticipant).where(
            ActivityParticipant.activity_id == created.json["id"],
            ActivityParticipant.deputy_id.in_([d.id for d in attended]),
        ).values(status=ParticipantStatus.checked_in, checked_in_dt=starts + timedelta(minutes=5)))
        db.session.commit()
    invited_ahead(app, created.json["id"])
    return created.json["id"]


def close_at(client, crew, activity_id, monkeypatch, when):
    monkeypatch.setattr(activity_services, "utcnow", lambda: when)
    closed = client.post(f"/api/v1/activities/{activity_id}/close", headers=crew["admin"])
    monkeypatch.undo()
    assert closed.status_code == 200, closed.json
    return closed.json["summary"]


# --- 1. the year an activity's points count towards ----------------------------------------------------


def test_a_new_years_eve_activity_closed_after_midnight_counts_in_the_old_year(client, app, crew, monkeypatch):
    """结单 twenty minutes into 2026 of an activity held on 31 December 2025: the points and the
    absence are 2025's — in the deputy's points, the archive (which counts the activity in 2025) and
    the leaderboard — while the ledger row keeps the time it was credited."""
    zhang, li = crew["deputies"][:2]
    zh, lh = crew["headers"][:2]
    activity_id = held_on_new_years_eve(client, app, crew, [zhang, li], attended=[zhang])
    closed_at = datetime(2026, 1, 1, 0, 20, tzinfo=CHINA)
    summary = close_at(client, crew, activity_id, monkeypatch, closed_at)
    assert (summary["checked_in"], summary["absent"], summary["points_credited"]) == (1, 1, VOLUNTEER + ABSENCE)

    old_year = points(client, zhang, zh, 2025)
    assert old_year["total"] == VOLUNTEER and old_year["rank"] == 1
    assert [(e["points"], e["source_id"]) for e in old_year["entries"]] == [(VOLUNTEER, activity_id)]
    assert datetime.fromisoformat(old_year["entries"][0]["at"]) == closed_at  # credited when it was closed
    assert points(client, zhang, zh, 2026) | {"entries": None} == {
        "deputy_id": zhang.id, "year": 2026, "total": 0, "rank": 1, "entries": None}  # in office, at 0 with all
    assert points(client, zhang, zh, 2026)["entries"] == []
    assert points(client, li, lh, 2025)["total"] == ABSENCE

    in_2025 = archive(client, zhang, zh, 2025)
    assert [(a["type"], a["checked_in"]) for a in in_2025["activities"]] == [("volunteer", 1)]
    assert (in_2025["points"]["total"], in_2025["points"]["rank"]) == (VOLUNTEER, 1)
    assert in_2025["points"]["by_rule"] == [
        {"rule_code": "volunteer", "label": "志愿服务（公益活动）", "count": 1, "points": VOLUNTEER}]
    in_2026 = archive(client, zhang, zh, 2026)
    assert (in_2026["activities"], in_2026["points"]["total"], in_2026["points"]["by_rule"]) == ([], 0, [])
    assert archive(client, li, lh, 2025)["points"]["total"] == ABSENCE

    # 王强, in office since 2025 without a point, at 0 between them; 赵敏, entered in 2026, not on 2025's board
    # (she was no deputy then); in 2026 everyone at 0.
    wang, zhao = crew["deputies"][2:]
    wang.created_dt, zhao.created_dt = datetime(2025, 6, 1, tzinfo=CHINA), datetime(2026, 3, 1, tzinfo=CHINA)
    db.session.commit()
    assert board(client, 2025) == [(1, zhang.id, VOLUNTEER), (2, wang.id, 0), (3, li.id, ABSENCE)]
    assert board(client, 2026) == [(1, d.id, 0) for d in sorted(crew["deputies"], key=lambda d: d.id)]


def test_a_yearly_cap_counts_the_year_the_activity_was_held(client, app, crew, monkeypatch):
    """With 志愿服务 capped at one activity's worth a year, a deputy who reached the cap in 2025 earns
    nothing more for the New Year's Eve activity closed in 2026 (it once went to 2026, uncapped)."""
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    rule = client.put("/api/v1/scoring-rules/volunteer", json={"yearly_cap": VOLUNTEER}, headers=crew["root_admin"])
    assert rule.status_code == 200 and rule.json["yearly_cap"] == VOLUNTEER
    earlier = held_on_new_years_eve(client, app, crew, [zhang], attended=[zhang], title="年末敬老志愿服务")
    with app.app_context():  # held a week before
        db.session.execute(update(Activity).where(Activity.id == earlier).values(
            starts_dt=datetime(2025, 12, 24, 20, 0, tzinfo=CHINA), ends_dt=datetime(2025, 12, 24, 23, 30, tzinfo=CHINA)))
        db.session.commit()
    assert close_at(client, crew, earlier, monkeypatch, datetime(2025, 12, 25, 9, 0, tzinfo=CHINA))[
        "points_credited"] == VOLUNTEER
    eve = held_on_new_years_eve(client, app, crew, [zhang], attended=[zhang])
    assert close_at(client, crew, eve, monkeypatch, datetime(2026, 1, 1, 0, 20, tzinfo=CHINA))["points_credited"] == 0
    assert points(client, zhang, zh, 2025)["total"] == VOLUNTEER
    assert points(client, zhang, zh, 2026)["total"] == 0


# --- 2. an invitation for an activity with no place ------------------------------------------------------


def test_an_activity_given_only_on_the_map_is_announced_with_its_region(client, app, crew, wechat_standin):
    """A region administrator's activity with coordinates and no place: the invitation's 活动地点 is
    the region with a pointer to the details (it was empty, and WeChat refused the message)."""
    zhang = crew["deputies"][0]
    now = datetime.now(timezone.utc)
    created = client.post("/api/v1/activities", headers=crew["root_admin"], json={
        "title": "田间调研", "type": "research", "region_id": crew["tree"]["hc"].id, "lat": 27.6, "lng": 110.0,
        "starts_at": iso(now + timedelta(days=3)), "ends_at": iso(now + timedelta(days=3, hours=2)),
        "deputy_ids": [zhang.id]})
    assert created.status_code == 201, created.json
    assert (created.json["place"], created.json["station"]) == ("", None)
    assert deliver(app) == {"sent": 1, "refused": 0, "skipped": 0, "retry": 0, "failed": 0}
    [message] = wechat_standin.messages()
    assert message["template_id"] == "tmpl-activity" and message["touser"] == f"fake-openid-deputy{zhang.id}"
    assert message["data"]["thing4"] == {"value": "鹤城区（地点见活动详情）"}
    assert message["data"]["thing1"] == {"value": "田间调研"}


# --- 3, 4. which activity a scan is for ------------------------------------------------------------------


def test_back_to_back_activities_at_one_station_check_the_deputy_in_to_the_second(client, app, crew):
    """Checked in to the morning's reception, which has ended but whose window (with its grace period) is
    still open, the deputy scans again when the group activity at the same station has begun: the scan
    checks them in to it (it answered with the morning's check-in, and 结单 then marked them absent from the
    second). While the morning's is still on, a scan answers with its check-in (test_activity_overlapping_scans)."""
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    now = datetime.now(timezone.utc)
    morning = dispatch(client, crew, [zhang], title="上午进站接待", starts=now - timedelta(hours=2),
                       ends=now - timedelta(minutes=5)).json["id"]
    first = checkin(client, zh, crew["station"].qr_code)
    assert (first.status_code, first.json["activity_id"]) == (201, morning)
    group = dispatch(client, crew, [zhang], title="代表小组活动", type="group", starts=now - timedelta(minutes=5),
                     ends=now + timedelta(hours=2)).json["id"]

    second = checkin(client, zh, crew["station"].qr_code)
    assert (second.status_code, second.json["activity_id"]) == (201, group), second.json
    again = checkin(client, zh, crew["station"].qr_code)  # nothing new: the check-in it made
    assert (again.status_code, again.json["activity_id"], again.json["checked_in_at"]) == \
        (200, group, second.json["checked_in_at"])

    for activity_id in (morning, group):
        summary = client.post(f"/api/v1/activities/{activity_id}/close", headers=crew["admin"]).json["summary"]
        assert (summary["checked_in"], summary["absent"]) == (1, 0)
    assert points(client, zhang, zh)["total"] == RECEPTION + 2


def _shift(app, activity_id, starts_ago, ends_ago):
    now = utcnow()
    with app.app_context():
        db.session.execute(update(Activity).where(Activity.id == activity_id).values(
            starts_dt=now - starts_ago, ends_dt=now - ends_ago))
        db.session.commit()


def test_a_second_scan_after_the_window_closed_returns_the_first_check_in(client, app, crew):
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    activity_id = dispatch(client, crew, [zhang]).json["id"]
    first = checkin(client, zh, crew["station"].qr_code)
    assert first.status_code == 201
    _shift(app, activity_id, starts_ago=timedelta(hours=3), ends_ago=timedelta(minutes=31))  # grace: 30 minutes
    again = checkin(client, zh, crew["station"].qr_code)
    assert (again.status_code, again.json["activity_id"], again.json["checked_in_at"]) == \
        (200, activity_id, first.json["checked_in_at"]), again.json
    code = client.get(f"/api/v1/activities/{activity_id}/checkin-code", headers=crew["admin"]).json["qr_code"]
    rotating = checkin(client, zh, code)
    assert (rotating.status_code, rotating.json["checked_in_at"]) == (200, first.json["checked_in_at"])


def test_a_scan_nearer_the_next_activity_than_yesterdays_check_in_is_for_the_next(client, app, crew):
    """Yesterday's check-in is the answer to a scan only while it is nearer than the next activity's
    check-in: early in the morning the deputy is told when today's opens."""
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    yesterday = dispatch(client, crew, [zhang], title="昨天的接待").json["id"]
    assert checkin(client, zh, crew["station"].qr_code).status_code == 201
    _shift(app, yesterday, starts_ago=timedelta(hours=20), ends_ago=timedelta(hours=18))
    now = datetime.now(timezone.utc)
    dispatch(client, crew, [zhang], title="今天的视察", type="inspection", starts=now + timedelta(minutes=40),
             ends=now + timedelta(hours=3))
    early = checkin(client, zh, crew["station"].qr_code)
    assert early.status_code == 409
    assert early.json["message"].startswith("活动“今天的视察”尚未开始签到")


# --- 5. 请假 and 结单 around the start ----------------------------------------------------------------------


def test_leave_is_asked_before_the_activity_starts(client, app, crew):
    """请假 once the activity has begun (or ended, before 结单) is refused: it dodged the deduction for
    staying away. Before the start it is taken."""
    zhang, li = crew["deputies"][:2]
    zh, lh = crew["headers"][:2]
    now = datetime.now(timezone.utc)
    ended = dispatch(client, crew, [zhang], starts=now - timedelta(hours=5), ends=now - timedelta(hours=3)).json["id"]
    running = dispatch(client, crew, [zhang], title="正在进行的接待", starts=now - timedelta(minutes=1)).json["id"]
    for activity_id in (ended, running):
        invited_ahead(app, activity_id)  # not entered afterwards (补录): 张伟 could have taken leave
    for activity_id, message in ((ended, "活动已经结束，不能再请假。"),
                                 (running, "活动已经开始，不能再请假。请假须在活动开始前提出。")):
        late = client.post(f"/api/v1/activities/{activity_id}/decline", json={"reason": "补请假"}, headers=zh)
        assert (late.status_code, late.json["error"], late.json["message"]) == (409, "invalid_transition", message)
        assert client.get(f"/api/v1/activities/{activity_id}", headers=zh).json["my_status"] == "invited"
    summary = client.post(f"/api/v1/activities/{ended}/close", headers=crew["admin"]).json["summary"]
    assert (summary["absent"], summary["declined"]) == (1, 0)
    assert points(client, zhang, zh)["total"] == ABSENCE

    upcoming = dispatch(client, crew, [li], title="明天的视察", type="inspection", starts=now + timedelta(days=1),
                        ends=now + timedelta(days=1, hours=2)).json["id"]
    asked = client.post(f"/api/v1/activities/{upcoming}/decline", json={"reason": "出差在外"}, headers=lh)
    assert (asked.status_code, asked.json["my_status"]) == (200, "declined")


def test_once_it_is_over_accepting_is_refused_and_leave_taken_stands(client, app, crew):
    """A deputy who took leave looks through activities not yet closed and taps 接单 on one that ended
    yesterday: that withdrew the leave, and 结单 then marked them absent and took a point. Once the
    check-in window has closed nobody can come any more: 接单 is refused and the leave stands. Until then
    (the grace period after the end included) a deputy on leave who came after all may still accept."""
    zhang, li, wang = crew["deputies"][:3]
    zh, lh, wh = crew["headers"][:3]
    now = datetime.now(timezone.utc)
    activity_id = dispatch(client, crew, [zhang, li, wang], starts=now + timedelta(days=1),
                           ends=now + timedelta(days=1, hours=2)).json["id"]
    assert client.post(f"/api/v1/activities/{activity_id}/decline", json={"reason": "出差在外"}, headers=zh).status_code == 200
    assert client.post(f"/api/v1/activities/{activity_id}/decline", json={"reason": "外出学习"}, headers=lh).status_code == 200

    def held(starts, ends):
        with app.app_context():
            db.session.execute(update(Activity).where(Activity.id == activity_id).values(starts_dt=starts, ends_dt=ends))
            db.session.commit()

    held(now - timedelta(hours=3), now - timedelta(minutes=20))  # ended 20 minutes ago: within the grace period
    came = client.post(f"/api/v1/activities/{activity_id}/accept", headers=lh)
    assert (came.status_code, came.json["my_status"]) == (200, "accepted")

    held(now - timedelta(days=1, hours=3), now - timedelta(days=1))  # ended yesterday
    invited_ahead(app, activity_id)  # as they were, dispatched the day before
    for headers, status in ((zh, "declined"), (wh, "invited")):
        late = client.post(f"/api/v1/activities/{activity_id}/accept", headers=headers)
        assert (late.status_code, late.json["error"], late.json["message"]) == \
            (409, "invalid_transition", "活动已经结束，不能再接单。")
        assert client.get(f"/api/v1/activities/{activity_id}", headers=headers).json["my_status"] == status

    summary = client.post(f"/api/v1/activities/{activity_id}/close", headers=crew["admin"]).json["summary"]
    assert (summary["declined"], summary["absent"]) == (1, 2)
    assert points(client, zhang, zh)["total"] == 0  # the leave stands: no deduction


def test_an_activity_is_closed_only_once_it_has_begun(client, app, crew):
    """结单 two days before the start marked everyone absent (−1 each): refused, pointing at 取消活动;
    once it has begun it closes."""
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    now = datetime.now(timezone.utc)
    activity_id = dispatch(client, crew, [zhang], starts=now + timedelta(days=2),
                           ends=now + timedelta(days=2, hours=2)).json["id"]
    assert client.post(f"/api/v1/activities/{activity_id}/accept", headers=zh).status_code == 200
    early = client.post(f"/api/v1/activities/{activity_id}/close", headers=crew["admin"])
    assert (early.status_code, early.json["error"], early.json["message"]) == \
        (409, "invalid_transition", "活动尚未开始，不能结单；如活动不再举行，请取消活动。")
    detail = client.get(f"/api/v1/activities/{activity_id}", headers=zh).json
    assert (detail["status"], detail["my_status"]) == ("published", "accepted")
    assert points(client, zhang, zh)["total"] == 0

    begin(app, activity_id)  # (while check-in is open, confirmed as early: test_closing_while_check_in_is_open…)
    closed = client.post(f"/api/v1/activities/{activity_id}/close", json={"early": True}, headers=crew["admin"])
    assert closed.status_code == 200 and closed.json["summary"]["absent"] == 1


def test_closing_while_check_in_is_open_asks_to_confirm_closing_early(client, app, crew):
    """A reception 10 minutes in, with 2 hours to go: 李娜 accepted and is on her way. 结单 now would mark her
    absent: refused, saying when check-in closes and who has not checked in, until confirmed (``early``).
    Her scan afterwards says the activity was closed, not that there is nothing here."""
    zhang, li, wang = crew["deputies"][:3]
    zh, lh, wh = crew["headers"][:3]
    activity_id = dispatch(client, crew, [zhang, li, wang]).json["id"]
    invited_ahead(app, activity_id)
    assert client.post(f"/api/v1/activities/{activity_id}/accept", headers=lh).status_code == 200
    assert checkin(client, zh, crew["station"].qr_code).status_code == 201
    with app.app_context():
        closes = activity_services.check_in_window(db.session.get(Activity, activity_id))[1]
    closes = closes.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    for body in (None, {}, {"early": False}):
        refused = client.post(f"/api/v1/activities/{activity_id}/close", json=body, headers=crew["admin"])
        assert (refused.status_code, refused.json["error"], refused.json["message"]) == (
            409, "invalid_transition", f"签到尚未截止（{closes} 截止），仍有 2 位代表未签到（其中已接单 1 位），现在结单将把"
            "他们记为缺席。请在签到截止后结单；如确需提前结单，请确认提前结单。"), refused.json
    assert client.post(f"/api/v1/activities/{activity_id}/close", json={"early": "yes"},
                       headers=crew["admin"]).status_code == 422
    detail = client.get(f"/api/v1/activities/{activity_id}", headers=lh).json
    assert (detail["status"], detail["my_status"]) == ("published", "accepted")
    assert points(client, li, lh)["total"] == 0

    closed = client.post(f"/api/v1/activities/{activity_id}/close", json={"early": True}, headers=crew["admin"])
    assert closed.status_code == 200 and (closed.json["summary"]["checked_in"], closed.json["summary"]["absent"]) == \
        (1, 2), closed.json
    late = checkin(client, lh, crew["station"].qr_code)
    assert (late.status_code, late.json["reason"], late.json["message"]) == (409, "ended", "活动已结单，不能再签到。")

    # Nobody left to come (王强 checked in, 赵敏 on leave): closing early harms nobody and is not asked about.
    zhao, zhaoh = crew["deputies"][3], crew["headers"][3]
    starts = datetime.now(timezone.utc) + timedelta(minutes=20)
    everyone = dispatch(client, crew, [wang, zhao], title="第二场接待", starts=starts,
                        ends=starts + timedelta(hours=2)).json["id"]
    assert client.post(f"/api/v1/activities/{everyone}/decline", json={"reason": "出差"}, headers=zhaoh).status_code == 200
    assert checkin(client, wh, crew["station"].qr_code).status_code == 201
    begin(app, everyone)
    summary = client.post(f"/api/v1/activities/{everyone}/close", headers=crew["admin"]).json["summary"]
    assert (summary["checked_in"], summary["declined"], summary["absent"]) == (1, 1, 0)
    # A cancelled one: its station's code says so to a deputy who was on it.
    called_off = dispatch(client, crew, [zhao], title="第三场接待",  # ends the latest of his two there
                          ends=datetime.now(timezone.utc) + timedelta(hours=3)).json["id"]
    assert client.post(f"/api/v1/activities/{called_off}/cancel", headers=crew["admin"]).status_code == 200
    scan = checkin(client, zhaoh, crew["station"].qr_code)
    assert (scan.status_code, scan.json["reason"], scan.json["message"]) == (409, "cancelled", "活动已取消，不能签到。")


# --- 6. cancelling tells the deputies -------------------------------------------------------------------


def test_cancelling_tells_the_deputies_still_expected(client, app, crew, wechat_standin):
    zhang, li, wang = crew["deputies"][:3]
    zh, lh, wh = crew["headers"][:3]
    now = datetime.now(timezone.utc)
    activity_id = dispatch(client, crew, [zhang, li, wang], starts=now + timedelta(hours=3),
                           ends=now + timedelta(hours=5)).json["id"]
    assert client.post(f"/api/v1/activities/{activity_id}/accept", headers=zh).status_code == 200
    assert client.post(f"/api/v1/activities/{activity_id}/decline", json={"reason": "出差"}, headers=wh).status_code == 200
    deliver(app)
    wechat_standin.clear()

    assert client.post(f"/api/v1/activities/{activity_id}/cancel", headers=crew["admin"]).json["status"] == "cancelled"
    assert client.post(f"/api/v1/activities/{activity_id}/cancel", headers=crew["admin"]).status_code == 409
    assert deliver(app) == {"sent": 2, "refused": 0, "skipped": 0, "retry": 0, "failed": 0}
    messages = wechat_standin.messages()
    assert {m["touser"] for m in messages} == {f"fake-openid-deputy{d.id}" for d in (zhang, li)}  # not on leave
    for message in messages:
        assert message["template_id"] == "tmpl-activity-cancelled"
        assert message["page"] == f"pages/activity/detail?id={activity_id}"
        assert {k: v["value"] for k, v in message["data"].items()} == {
            "thing1": "城北联络站进站接待选民", "phrase2": "接待选民",
            "time3": (now + timedelta(hours=3)).astimezone(CHINA).strftime("%Y-%m-%d %H:%M"),
            "thing4": "人民路 18 号", "thing5": "活动已取消，无需参加"}


# --- 7. a deputy's rank is the leaderboard's ----------------------------------------------------------------


def test_a_deputys_rank_is_the_leaderboards_beside_deputies_who_left_office(client, app, crew):
    """张伟 leads and then leaves office: the leaderboard drops him, and every deputy's rank in their
    points and archive is the leaderboard's (王强's was one lower, counting 张伟). 张伟 keeps his total
    and has no rank."""
    zhang, li, wang, zhao = crew["deputies"]
    zh, lh, wh, zhh = crew["headers"]
    first = dispatch(client, crew, [zhang, li, wang], title="第一次接待").json["id"]
    for headers in (zh, lh):
        assert checkin(client, headers, crew["station"].qr_code).status_code == 201
    assert client.post(f"/api/v1/activities/{first}/close", json={"early": True},
                       headers=crew["admin"]).status_code == 200
    _shift(app, first, starts_ago=timedelta(hours=6), ends_ago=timedelta(hours=4))  # the morning's: not the second's time
    second = dispatch(client, crew, [zhang, zhao], title="第二次接待").json["id"]
    for headers in (zh, zhh):
        assert checkin(client, headers, crew["station"].qr_code).status_code == 201
    assert client.post(f"/api/v1/activities/{second}/close", headers=crew["admin"]).status_code == 200
    assert board(client)[0] == (1, zhang.id, 2 * RECEPTION)

    retired = client.patch(f"/api/v1/deputies/{zhang.id}", json={"active": False}, headers=crew["root_admin"])
    assert retired.status_code == 200, retired.json
    ranks = board(client)
    assert ranks == [(1, li.id, RECEPTION), (1, zhao.id, RECEPTION), (3, wang.id, ABSENCE)]
    year = datetime.now(CHINA).year
    for deputy, headers in ((li, lh), (zhao, zhh), (wang, wh)):
        rank = next(r for r, deputy_id, _ in ranks if deputy_id == deputy.id)
        assert points(client, deputy, headers)["rank"] == rank, deputy.name
        assert archive(client, deputy, headers, year)["points"]["rank"] == rank, deputy.name
    gone = points(client, zhang, crew["admin"])
    assert (gone["total"], gone["rank"]) == (2 * RECEPTION, None)

    # Back in office, and a correction made while out of it: ranks follow office either way.
    back = client.patch(f"/api/v1/deputies/{zhang.id}", json={"active": True}, headers=crew["root_admin"])
    assert back.status_code == 200, back.json
    assert board(client)[0] == (1, zhang.id, 2 * RECEPTION)
    assert points(client, zhang, zh)["rank"] == 1 and points(client, li, lh)["rank"] == 2
    assert client.patch(f"/api/v1/deputies/{wang.id}", json={"active": False},
                        headers=crew["root_admin"]).status_code == 200
    corrected = client.post(f"/api/v1/deputies/{wang.id}/points/corrections", headers=crew["root_admin"],
                            json={"points": 20, "reason": "补记去年的述职", "year": year - 1})
    assert corrected.status_code == 201, corrected.json
    assert (corrected.json["total"], corrected.json["rank"]) == (20, None)
    assert points(client, li, lh)["rank"] == 2


def test_cancelling_after_deputies_checked_in_is_confirmed_and_tells_them(client, app, crew, wechat_standin):
    """Rain: 张伟 has scanned, 李娜 not yet. Cancelling voids 张伟's attendance: refused with how many checked
    in until confirmed (``void_checkins``); then 张伟 is told too that his check-in earns nothing."""
    zhang, li = crew["deputies"][:2]
    zh = crew["headers"][0]
    activity_id = dispatch(client, crew, [zhang, li]).json["id"]
    assert checkin(client, zh, crew["station"].qr_code).status_code == 201
    deliver(app)
    wechat_standin.clear()
    for body in ({"reason": "下雨"}, {"reason": "下雨", "void_checkins": False}):
        refused = client.post(f"/api/v1/activities/{activity_id}/cancel", json=body, headers=crew["admin"])
        assert (refused.status_code, refused.json["error"], refused.json["message"]) == (
            409, "invalid_transition", "已有 1 位代表签到，取消后他们的签到作废、不计积分（将通知他们）。活动已举行的请结单；"
            "如确需取消，请确认作废签到后再取消。"), refused.json
    assert client.get(f"/api/v1/activities/{activity_id}", headers=zh).json["status"] == "published"
    assert deliver(app)["sent"] == 0

    cancelled = client.post(f"/api/v1/activities/{activity_id}/cancel", json={"reason": "下雨", "void_checkins": True},
                            headers=crew["admin"])
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled", cancelled.json
    assert [e["note"] for e in cancelled.json["events"] if e["action"] == "cancelled"] == [
        "取消时：已签到 1 人，待接单 1 人；1 位代表的签到作废，不计积分；取消原因：下雨"]
    assert deliver(app)["sent"] == 2
    told = {m["touser"]: m["data"]["thing5"]["value"] for m in wechat_standin.messages()}
    assert told == {f"fake-openid-deputy{zhang.id}": "活动已取消，签到不计积分：下雨",
                    f"fake-openid-deputy{li.id}": "活动已取消：下雨"}
    assert points(client, zhang, zh)["total"] == 0
