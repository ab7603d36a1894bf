"""Activities raced over real HTTP to a threaded server: 结单 from two consoles at once, a double scan.

Each race runs several times on fresh activities. Whatever the interleaving, nobody sees a 500; a
close that loses answers 200 (it saw the activity closed) or 409 (it collided with the winner); the
ledger holds exactly one credit per deputy and source; a double scan yields one check-in, answered
201 once and 200 with the same ``checked_in_at`` the other time; a scan racing 结单 either counts
(checked in, points) or is refused (absent, deduction), never both; and the running totals behind the
leaderboard (``deputy_scores``) always equal the ledger's sums. A citizen booking a reception day (约见代表) as the
station changes it (another type, 取消, 改期, a deputy taken off) books before the change, which then
refuses or tells them, or is refused; never booked on a day that no longer receives them, untold.
"""
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import func, select, update

from backend.activities.models import Activity
from backend.appointments.models import Appointment
from backend.extensions import db
from backend.notifications.models import OutboxMessage
from backend.points.models import DeputyScore, PointEntry, ScoringRuleOverride

from .parallel import released_together

ROUNDS = 5
STATION = (27.5601, 109.9985)
RECEPTION = 5  # the default rulebook's points for 接待选民
ABSENCE = -1  # and its deduction for 无故缺席


@pytest.fixture
def team(factory, app, base_url):
    """A station with coordinates, its administrator, a region administrator above it, four bound deputies."""
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", lat=STATION[0], lng=STATION[1], address="人民路 18 号")
    names = ["张伟", "李娜", "王强", "赵敏"]
    deputies = [factory.deputy(tree["hc"], name, phone=f"1380000020{i}", stations=[station])
                for i, name in enumerate(names)]
    team = {
        "base": base_url,
        "station_id": station.id,
        "station_code": station.qr_code,
        "deputies": [d.id for d in deputies],
        "names": {d.id: d.name for d in deputies},
        "headers": [factory.deputy_headers(d) for d in deputies],
        "station_admin": factory.headers_for_admin(factory.admin("chengbei", stations=[station])),
        "region_admin": factory.headers_for_admin(factory.admin("huaihua", region=tree["hh"])),
        "county_admin": factory.headers_for_admin(factory.admin("hecheng", region=tree["hc"])),
        "county_id": tree["hc"].id,
        "deputy_codes": [d.qr_code for d in deputies],
        "citizen": factory.wechat_login("citizen-wang"),
    }
    # The server threads use their own sessions; this thread holds nothing open while they race.
    db.session.close()
    return team


# --- HTTP helpers ----------------------------------------------------------------------------------


def call(team, method, path, headers, body=None):
    return requests.request(method, team["base"] + "/api/v1" + path, json=body, headers=headers, timeout=30)


def ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.text)
    return response.json()


def dispatch(team, deputy_ids, title="城北联络站进站接待选民", starts_in=timedelta(minutes=-10)):
    now = datetime.now(timezone.utc)
    body = {
        "title": title,
        "type": "reception",
        "station_id": team["station_id"],
        "starts_at": (now + starts_in).isoformat(),
        "ends_at": (now + timedelta(hours=2)).isoformat(),
        "deputy_ids": deputy_ids,
    }
    return ok(call(team, "POST", "/activities", team["station_admin"], body), 201)["id"]


def begin(app, activity_id):
    """Time passes until the activity has begun: 请假 is over, 结单 allowed."""
    with app.app_context():
        db.session.execute(update(Activity).where(Activity.id == activity_id)
                           .values(starts_dt=datetime.now(timezone.utc) - timedelta(minutes=10)))
        db.session.commit()
        db.session.remove()


def scan(team, headers, code):
    return call(team, "POST", "/checkins", headers, {"qr_code": code, "lat": STATION[0], "lng": STATION[1]})


def rotating_code(team, activity_id):
    return ok(call(team, "GET", f"/activities/{activity_id}/checkin-code", team["station_admin"]))["qr_code"]


def close(team, activity_id, headers):
    """结单 while check-in is still open (the races are run in it), confirmed as early."""
    return call(team, "POST", f"/activities/{activity_id}/close", headers, {"early": True})


def held_this_morning(app, activity_id, n):
    """The activity moved to the morning (its ``n``-th three-hour slot back), out of the time of the others."""
    now = datetime.now(timezone.utc)
    with app.app_context():
        db.session.execute(update(Activity).where(Activity.id == activity_id).values(
            starts_dt=now - timedelta(hours=3 * n + 3), ends_dt=now - timedelta(hours=3 * n + 1)))
        db.session.commit()
        db.session.remove()


def points(team, index):
    """A deputy's points as the deputy sees them."""
    return ok(call(team, "GET", f"/deputies/{team['deputies'][index]}/points", team["headers"][index]))


def leaderboard(team):
    return ok(call(team, "GET", "/leaderboard?limit=100", {}))


def assert_closes(responses):
    """At least one close succeeded; every other one saw it closed (200) or collided with it (409)."""
    assert any(r.status_code == 200 and not r.json()["summary"]["already_closed"] for r in responses), \
        [r.text for r in responses]
    for r in responses:
        assert r.status_code in (200, 409), r.text
        if r.status_code == 409:
            assert r.json()["error"] in ("conflict", "invalid_transition"), r.text
    credited = [r.json()["summary"]["points_credited"] for r in responses if r.status_code == 200]
    assert sorted(credited)[:-1] == [0] * (len(credited) - 1), credited  # only one close credited anything


def assert_scores_match_ledger(app):
    """The running totals are exactly the ledger's sums, deputy by deputy and year by year."""
    with app.app_context():
        ledger = dict(
            ((deputy_id, year), total) for deputy_id, year, total in db.session.execute(
                select(PointEntry.deputy_id, PointEntry.year, func.sum(PointEntry.points))
                .group_by(PointEntry.deputy_id, PointEntry.year)
            )
        )
        scores = {(s.deputy_id, s.year): s.total for s in db.session.scalars(select(DeputyScore))}
        source = (PointEntry.deputy_id, PointEntry.rule_code, PointEntry.source_type, PointEntry.source_id)
        duplicates = db.session.execute(select(*source, func.count()).group_by(*source).having(func.count() > 1)).all()
        db.session.remove()
    assert ledger, "nothing was credited"
    assert scores == ledger
    assert duplicates == []


# --- the races -------------------------------------------------------------------------------------


def test_two_consoles_close_the_same_activity_at_once(app, team):
    """结单 pressed at the same moment by the station's and the city's administrator credits once."""
    zhang, li, wang, _ = team["deputies"]
    zh, lh, wh, _ = team["headers"]
    for round_ in range(1, ROUNDS + 1):
        # Leave is asked before the start; check-in opens half an hour before it.
        activity_id = dispatch(team, [zhang, li, wang], title=f"第{round_}次进站接待", starts_in=timedelta(minutes=10))
        ok(call(team, "POST", f"/activities/{activity_id}/accept", lh))
        ok(call(team, "POST", f"/activities/{activity_id}/decline", wh, {"reason": "出差在外"}))
        assert ok(scan(team, zh, team["station_code"]), 201)["activity_id"] == activity_id
        begin(app, activity_id)

        responses = released_together(lambda: close(team, activity_id, team["station_admin"]),
                         lambda: close(team, activity_id, team["region_admin"]))
        assert_closes(responses)
        winner = next(r.json()["summary"] for r in responses if r.status_code == 200
                      and not r.json()["summary"]["already_closed"])
        assert (winner["checked_in"], winner["absent"], winner["declined"]) == (1, 1, 1)
        assert winner["points_credited"] == RECEPTION + ABSENCE

        detail = ok(call(team, "GET", f"/activities/{activity_id}", team["station_admin"]))
        assert detail["status"] == "closed"
        assert {p["deputy"]["id"]: p["status"] for p in detail["participants"]} == {
            zhang: "checked_in", li: "absent", wang: "declined",
        }
        # One 结单 in the record, by whichever administrator won.
        closings = [e for e in detail["events"] if e["action"] == "closed"]
        assert len(closings) == 1 and closings[0]["actor_name"] in ("chengbei", "huaihua"), detail["events"]

        mine = points(team, 0)
        assert mine["total"] == RECEPTION * round_
        assert sorted(e["source_id"] for e in mine["entries"] if e["source_type"] == "activity") == \
            sorted(set(e["source_id"] for e in mine["entries"]))
        assert [e for e in mine["entries"] if e["source_id"] == activity_id] == [
            {"points": RECEPTION, "rule_code": "reception", "reason": f"接待选民：第{round_}次进站接待",
             "source_type": "activity", "source_id": activity_id, "at": mine["entries"][-1]["at"]},
        ]
        absent = points(team, 1)
        assert absent["total"] == ABSENCE * round_
        assert [e["rule_code"] for e in absent["entries"] if e["source_id"] == activity_id] == ["absence"]
        assert points(team, 2)["total"] == 0
        held_this_morning(app, activity_id, round_)  # out of the next round's time

        board = leaderboard(team)
        # 王 (on leave) and the fourth, in office without a point, at 0 between them.
        others = sorted(set(team["deputies"]) - {zhang, li})
        assert [(row["deputy"]["id"], row["points"]) for row in board] == [
            (zhang, RECEPTION * round_), *((other, 0) for other in others), (li, ABSENCE * round_),
        ]
        assert [row["rank"] for row in board] == [1, 2, 2, 4]

        # A third press after the dust settled changes nothing either.
        again = ok(close(team, activity_id, team["region_admin"]))
        assert again["summary"]["already_closed"] and again["summary"]["points_credited"] == 0
    assert_scores_match_ledger(app)


def test_a_deputy_scanning_twice_at_the_same_instant(app, team):
    """Two scans from one phone (a double tap, a retried request) make one check-in."""
    zhang, li = team["deputies"][:2]
    zh = team["headers"][0]
    for round_ in range(ROUNDS):
        activity_id = dispatch(team, [zhang, li], title=f"第{round_ + 1}次接待")
        if round_ % 2:
            ok(call(team, "POST", f"/activities/{activity_id}/accept", zh))
        # The station's permanent code and the activity's rotating code, by turns.
        code = team["station_code"] if round_ % 2 == 0 else rotating_code(team, activity_id)
        first, second = released_together(lambda: scan(team, zh, code), lambda: scan(team, zh, code))
        assert sorted([first.status_code, second.status_code]) == [200, 201], (first.text, second.text)
        assert first.json()["activity_id"] == second.json()["activity_id"] == activity_id
        assert first.json()["checked_in_at"] == second.json()["checked_in_at"]

        detail = ok(call(team, "GET", f"/activities/{activity_id}", team["station_admin"]))
        mine = next(p for p in detail["participants"] if p["deputy"]["id"] == zhang)
        assert mine["status"] == "checked_in"
        assert mine["checked_in_at"] == first.json()["checked_in_at"]
        scans = [e for e in detail["events"] if e["action"] == "checked_in"]
        assert [(e["actor_name"], e["deputy_id"], e["at"]) for e in scans] == [
            ("张伟", zhang, first.json()["checked_in_at"])], detail["events"]
        # And a later scan still returns that same check-in.
        later = ok(scan(team, zh, code), 200)
        assert later["checked_in_at"] == first.json()["checked_in_at"]

        summary = ok(close(team, activity_id, team["station_admin"]))["summary"]
        assert (summary["checked_in"], summary["absent"]) == (1, 1)
        held_this_morning(app, activity_id, round_)  # out of the next round's time
    assert points(team, 0)["total"] == RECEPTION * ROUNDS
    assert points(team, 1)["total"] == ABSENCE * ROUNDS
    assert_scores_match_ledger(app)


def test_one_deputy_scanning_two_activities_held_at_the_same_time_at_the_same_instant(app, team):
    """Two activities over the same hours, a deputy invited to both, their two screen codes scanned at the
    same instant (two phones, a photo sent on): one checks them in, the other is refused as checked in
    elsewhere; never both (结单 would credit both)."""
    zhang = team["deputies"][0]
    zh = team["headers"][0]
    for round_ in range(ROUNDS):
        pair = [dispatch(team, [zhang], title=f"第{round_ + 1}轮{side}") for side in "甲乙"]
        codes = [rotating_code(team, activity_id) for activity_id in pair]
        answers = released_together(*[(lambda c=c: scan(team, zh, c)) for c in codes])
        assert sorted(r.status_code for r in answers) == [201, 409], [r.text for r in answers]
        won = next(i for i, r in enumerate(answers) if r.status_code == 201)
        lost = answers[1 - won].json()
        assert (lost["reason"], lost["message"]) == (
            "already_checked_in_elsewhere", f"您已在“第{round_ + 1}轮{'甲乙'[won]}”签到，活动时间重叠，不能同时签到另一项活动。")
        mine = [next(p["status"] for p in ok(call(team, "GET", f"/activities/{a}", zh))["participants"]
                     if p["deputy"]["id"] == zhang) for a in pair]
        assert sorted(mine) == ["checked_in", "invited"], mine
        for activity_id in pair:
            ok(call(team, "POST", f"/activities/{activity_id}/cancel", team["station_admin"], {"void_checkins": True}))


def test_many_activities_closed_at_once_keep_the_running_totals_exact(app, team):
    """Several activities sharing deputies, each closed twice, all at the same moment: every deputy's
    running total is upserted from many transactions at once and must still equal the ledger."""
    deputies, headers = team["deputies"], team["headers"]
    activities = []
    for n in range(4):
        activity_id = dispatch(team, deputies, title=f"集中接待{n + 1}")
        code = rotating_code(team, activity_id)
        for i in range(3):  # the last deputy never shows up
            ok(scan(team, headers[i], code), 201)
        held_this_morning(app, activity_id, n)  # one at a time: the next is not at the same time
        activities.append(activity_id)

    consoles = (team["station_admin"], team["region_admin"])
    responses = released_together(*[
        (lambda a=activity_id, h=console: close(team, a, h)) for activity_id in activities for console in consoles
    ])
    for n in range(len(activities)):
        assert_closes(responses[2 * n:2 * n + 2])

    expected = [RECEPTION * len(activities)] * 3 + [ABSENCE * len(activities)]
    assert [points(team, i)["total"] for i in range(4)] == expected
    for i in range(4):
        sources = defaultdict(int)
        for entry in points(team, i)["entries"]:
            sources[entry["source_id"]] += 1
        assert sources == {activity_id: 1 for activity_id in activities}
    board = leaderboard(team)
    assert [row["points"] for row in board] == expected
    assert [row["rank"] for row in board] == [1, 1, 1, 4]
    assert sorted(row["deputy"]["id"] for row in board) == sorted(deputies)
    assert_scores_match_ledger(app)


def test_scans_at_the_moment_of_closing(app, team):
    """Three deputies scan while the administrator presses 结单. Each scan either lands before the close
    (201: checked in, the activity's points) or is refused (409: absent, the deduction); a deputy is
    never told "checked in" and then marked absent."""
    deputies, headers = team["deputies"][:3], team["headers"][:3]
    expected = defaultdict(int)
    for round_ in range(ROUNDS):
        activity_id = dispatch(team, deputies, title=f"第{round_ + 1}次接待")
        responses = released_together(
            lambda: close(team, activity_id, team["station_admin"]),
            *[(lambda h=h: scan(team, h, team["station_code"])) for h in headers],
        )
        closed, scans = responses[0], responses[1:]
        assert closed.status_code == 200, closed.text
        detail = ok(call(team, "GET", f"/activities/{activity_id}", team["station_admin"]))
        status = {p["deputy"]["id"]: p for p in detail["participants"]}
        for deputy_id, response in zip(deputies, scans):
            if response.status_code == 201:
                assert response.json()["activity_id"] == activity_id
                assert status[deputy_id]["status"] == "checked_in", (response.text, status[deputy_id])
                assert status[deputy_id]["checked_in_at"] == response.json()["checked_in_at"]
                expected[deputy_id] += RECEPTION
            else:
                assert response.status_code == 409, response.text
                assert response.json()["error"] == "checkin_refused", response.text
                assert response.json()["reason"] in ("ended", "no_activity"), response.text
                assert status[deputy_id]["status"] == "absent", (response.text, status[deputy_id])
                expected[deputy_id] += ABSENCE
        summary = closed.json()["summary"]
        assert summary["checked_in"] == sum(r.status_code == 201 for r in scans)
        held_this_morning(app, activity_id, round_)  # out of the next round's time
    assert [points(team, i)["total"] for i in range(3)] == [expected[d] for d in deputies]
    assert_scores_match_ledger(app)


def test_closes_at_once_respect_a_yearly_cap(app, team):
    """Three activities closed at the same instant, each crediting 接待选民 to the same four deputies,
    with the rule capped at one activity's worth a year: every deputy ends at the cap (two closes
    once read the sum below it together and both added)."""
    rule = ok(call(team, "PUT", "/scoring-rules/reception", team["region_admin"], {"yearly_cap": RECEPTION}))
    assert rule["yearly_cap"] == RECEPTION
    activities = [dispatch(team, team["deputies"], title=f"第{n}场接待") for n in range(1, 4)]
    for n, activity_id in enumerate(activities):
        code = rotating_code(team, activity_id)
        for headers in team["headers"]:
            assert ok(scan(team, headers, code), 201)["activity_id"] == activity_id
        held_this_morning(app, activity_id, n)  # one at a time: the next is not at the same time

    responses = released_together(*(lambda a=a: close(team, a, team["station_admin"]) for a in activities))
    assert [r.status_code for r in responses] == [200] * 3
    for index in range(len(team["deputies"])):
        mine = points(team, index)
        assert mine["total"] == RECEPTION, mine
        assert sum(e["points"] for e in mine["entries"] if e["rule_code"] == "reception") == RECEPTION
    assert_scores_match_ledger(app)


def test_a_countys_line_set_from_two_consoles_at_once_is_one_line(app, team):
    """The city's and the county's administrators set the same line of the county's rulebook at the
    same moment: both succeed (the later edit wins, as for any two edits) and the county holds that
    line once (both used to find no line and insert one; the second insert failed with a 500)."""
    codes = ("inspection", "research", "training", "meeting", "hearing")
    for code in codes:
        responses = released_together(
            lambda: call(team, "PUT", f"/scoring-rules/{code}?region_id={team['county_id']}", team["region_admin"],
                         {"points": 7}),
            lambda: call(team, "PUT", f"/scoring-rules/{code}", team["county_admin"], {"points": 9}),
        )
        assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
        line = {r["code"]: r for r in ok(call(team, "GET", "/scoring-rules", team["county_admin"]))["items"]}[code]
        assert (line["points"] in (7, 9), line["set_by_region_id"], line["inherited"]) == (True, team["county_id"], False)
    with app.app_context():
        lines = db.session.execute(select(ScoringRuleOverride.region_id, ScoringRuleOverride.code)).all()
    assert sorted(lines) == sorted((team["county_id"], code) for code in codes)


# --- 改期、补充邀请 racing the other steps ---------------------------------------------------------------


def edit(team, activity_id, body, headers=None):
    return call(team, "PATCH", f"/activities/{activity_id}", headers or team["station_admin"], body)


def test_an_edit_racing_close_never_leaves_an_edited_closed_activity(app, team):
    """The station's administrator adds 王强 and renames the activity while the city's presses 结单.
    Either the edit lands first (and 结单 counts 王强, absent) or 结单 does (and the edit is refused
    409, nothing changed): a closed activity never holds a deputy still "invited", and never a
    name or a deputy given after its points were counted."""
    zhang, li, wang, _ = team["deputies"]
    for round_ in range(1, ROUNDS + 1):
        activity_id = dispatch(team, [zhang, li], title=f"第{round_}次接待")
        assert ok(scan(team, team["headers"][0], team["station_code"]), 201)["activity_id"] == activity_id
        edited, closed = released_together(
            lambda: edit(team, activity_id, {"title": f"第{round_}次接待（改）", "add_deputy_ids": [wang]}),
            lambda: close(team, activity_id, team["region_admin"]))
        assert edited.status_code in (200, 409) and closed.status_code in (200, 409), (edited.text, closed.text)
        assert 200 in (edited.status_code, closed.status_code), (edited.text, closed.text)
        if closed.status_code == 409:  # it read the activity before the edit committed: pressed again
            ok(close(team, activity_id, team["region_admin"]))
        detail = ok(call(team, "GET", f"/activities/{activity_id}", team["station_admin"]))
        status = {p["deputy"]["id"]: p["status"] for p in detail["participants"]}
        assert detail["status"] == "closed"
        if edited.status_code == 200:
            assert (detail["title"], status) == (f"第{round_}次接待（改）", {zhang: "checked_in", li: "absent", wang: "absent"})
        else:
            assert edited.json()["message"] in ("活动已结单，不能再修改。", "这条记录刚刚被其他人修改过，请刷新后重试。"), edited.text
            assert (detail["title"], status) == (f"第{round_}次接待", {zhang: "checked_in", li: "absent"})
        held_this_morning(app, activity_id, round_)  # out of the next round's time
    assert_scores_match_ledger(app)


def test_an_edit_racing_cancel_is_either_before_it_or_refused(app, team):
    zhang, li, wang, _ = team["deputies"]
    for round_ in range(1, ROUNDS + 1):
        activity_id = dispatch(team, [zhang, li], title=f"第{round_}次视察", starts_in=timedelta(hours=1))
        later = datetime.now(timezone.utc) + timedelta(hours=3)
        body = {"starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=2)).isoformat(), "add_deputy_ids": [wang]}
        edited, cancelled = released_together(
            lambda: edit(team, activity_id, body),
            lambda: call(team, "POST", f"/activities/{activity_id}/cancel", team["region_admin"]))
        assert edited.status_code in (200, 409) and cancelled.status_code in (200, 409), (edited.text, cancelled.text)
        if cancelled.status_code == 409:
            ok(call(team, "POST", f"/activities/{activity_id}/cancel", team["region_admin"]))
        detail = ok(call(team, "GET", f"/activities/{activity_id}", team["station_admin"]))
        assert detail["status"] == "cancelled"
        invited = {p["deputy"]["id"] for p in detail["participants"]}
        assert invited == ({zhang, li, wang} if edited.status_code == 200 else {zhang, li}), (edited.text, detail)


def test_a_deputy_taken_off_at_the_moment_they_scan(app, team):
    """The administrator takes 张伟 off the list as he scans at the door: the scan lands first (201,
    checked in, and taking him off is refused by name) or the removal does (he is told he is not on the
    list); never both, never a 500."""
    zhang, li = team["deputies"][:2]
    for round_ in range(1, 2 * ROUNDS + 1):
        activity_id = dispatch(team, [zhang, li], title=f"第{round_}次接待")
        removed, scanned = released_together(
            lambda: edit(team, activity_id, {"remove_deputy_ids": [zhang]}),
            lambda: scan(team, team["headers"][0], team["station_code"]))
        detail = ok(call(team, "GET", f"/activities/{activity_id}", team["station_admin"]))
        status = {p["deputy"]["id"]: p["status"] for p in detail["participants"]}
        if removed.status_code == 200:
            assert (scanned.status_code, scanned.json()["error"]) == (409, "checkin_refused"), scanned.text
            assert "邀请名单" in scanned.json()["message"], scanned.text
            assert scanned.json()["reason"] == "not_invited", scanned.text
            assert status == {li: "invited"}
        else:
            assert removed.status_code == 409, removed.text
            assert removed.json()["message"] in ("张伟已签到，不能移出活动。", "张伟刚刚已签到，不能移出活动。"), removed.text
            assert scanned.status_code == 201 and status == {zhang: "checked_in", li: "invited"}, scanned.text
        # The next round's station is free, and its time too (a cancelled check-in is no check-in elsewhere, but a
        # scan refused by it would be told it was cancelled: 活动已取消).
        ok(call(team, "POST", f"/activities/{activity_id}/cancel", team["station_admin"], {"void_checkins": True}))
        held_this_morning(app, activity_id, round_)


def test_a_deputy_taken_off_at_the_moment_they_answer(app, team):
    """接单 or 请假 pressed as the administrator takes the deputy off: the answer lands first and the
    deputy is then taken off, or it is refused as for anyone not invited; never a 500."""
    zhang, li = team["deputies"][:2]
    starts_in = timedelta(hours=1)
    for round_ in range(1, ROUNDS + 1):
        activity_id = dispatch(team, [zhang, li], title=f"第{round_}次调研", starts_in=starts_in)
        step = ("accept", None) if round_ % 2 else ("decline", {"reason": "外出开会"})
        removed, answered = released_together(
            lambda: edit(team, activity_id, {"remove_deputy_ids": [zhang]}),
            lambda: call(team, "POST", f"/activities/{activity_id}/{step[0]}", team["headers"][0], step[1]))
        assert removed.status_code == 200, removed.text
        assert answered.status_code in (200, 404, 409), answered.text
        if answered.status_code != 200:
            assert answered.json()["message"] in ("活动不存在。", "您已不在本次活动的邀请名单中。"), answered.text
        detail = ok(call(team, "GET", f"/activities/{activity_id}", team["station_admin"]))
        assert {p["deputy"]["id"] for p in detail["participants"]} == {li}


def test_a_deputy_taken_off_at_the_moment_an_administrator_checks_them_in_by_hand(app, team):
    """补签 from one console while another takes the deputy off: one of the two wins, said in Chinese."""
    zhang, li = team["deputies"][:2]
    for round_ in range(1, ROUNDS + 1):
        activity_id = dispatch(team, [zhang, li], title=f"第{round_}次培训")
        removed, by_hand = released_together(
            lambda: edit(team, activity_id, {"remove_deputy_ids": [zhang]}),
            lambda: call(team, "POST", f"/activities/{activity_id}/participants/{zhang}/checkin", team["region_admin"],
                         {"reason": "手机没电"}))
        detail = ok(call(team, "GET", f"/activities/{activity_id}", team["station_admin"]))
        status = {p["deputy"]["id"]: p["status"] for p in detail["participants"]}
        if removed.status_code == 200:
            assert by_hand.status_code in (404, 409), by_hand.text
            assert by_hand.json()["message"] in ("该代表不在本次活动的邀请名单中。", "该代表刚刚已被移出本次活动，无需补签。")
            assert status == {li: "invited"}
        else:
            assert removed.json()["message"] in ("张伟已签到，不能移出活动。", "张伟刚刚已签到，不能移出活动。"), removed.text
            assert by_hand.status_code == 200 and status == {zhang: "checked_in", li: "invited"}, by_hand.text
        ok(call(team, "POST", f"/activities/{activity_id}/cancel", team["station_admin"], {"void_checkins": True}))


def test_accepting_at_the_moment_of_closing(app, team):
    """Three deputies who took leave tap 接单 while the administrator presses 结单. Each 接单 either lands
    before the close (200, and 结单 then marks them absent like anyone accepted who did not come) or is
    refused (409: the activity is closed, their leave stands); nobody is left 已接单 in a closed activity."""
    deputies, headers = team["deputies"][:3], team["headers"][:3]
    expected = defaultdict(int)
    for round_ in range(ROUNDS):
        activity_id = dispatch(team, deputies, title=f"第{round_ + 1}次接待", starts_in=timedelta(minutes=10))
        for h in headers:
            ok(call(team, "POST", f"/activities/{activity_id}/decline", h, {"reason": "出差在外"}))
        begin(app, activity_id)
        responses = released_together(
            lambda: close(team, activity_id, team["station_admin"]),
            *[(lambda h=h: call(team, "POST", f"/activities/{activity_id}/accept", h)) for h in headers],
        )
        closed, accepts = responses[0], responses[1:]
        assert closed.status_code == 200, closed.text
        detail = ok(call(team, "GET", f"/activities/{activity_id}", team["station_admin"]))
        status = {p["deputy"]["id"]: p["status"] for p in detail["participants"]}
        for deputy_id, response in zip(deputies, accepts):
            if response.status_code == 200:
                assert status[deputy_id] == "absent", (round_, response.text, status)
                expected[deputy_id] += ABSENCE
            else:
                assert (response.status_code, response.json()["error"], response.json()["message"]) == \
                    (409, "invalid_transition", "活动已结单，不能再接单。"), (round_, response.text)
                assert status[deputy_id] == "declined", (round_, response.text, status)
        summary = closed.json()["summary"]
        assert (summary["absent"], summary["declined"], summary["accepted"]) == \
            (sum(r.status_code == 200 for r in accepts), sum(r.status_code == 409 for r in accepts), 0)
    assert [points(team, i)["total"] for i in range(3)] == [expected[d] for d in deputies]


def _offer(team, places, title):
    """A research topic at the station tomorrow, its ``places`` for 揭榜 and nobody invited."""
    starts = datetime.now(timezone.utc) + timedelta(days=1)
    body = {"title": title, "type": "research", "station_id": team["station_id"], "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=3)).isoformat(), "deputy_ids": [], "open_slots": places}
    return ok(call(team, "POST", "/activities", team["station_admin"], body), 201)["id"]


def _claims_at_once(team, activity_id, *extra):
    return released_together(*[(lambda h=h: call(team, "POST", f"/activities/{activity_id}/claim", h))
                               for h in team["headers"]], *extra)


def _refused_full(response, message):
    assert (response.status_code, response.json()["error"], response.json()["message"]) == \
        (409, "invalid_transition", message), response.text


def test_four_deputies_claiming_two_places_at_once(app, team):
    """揭榜: four deputies tap at the same instant for two places. Exactly two get one (201), the others are
    told the places are gone (409), and the activity's list holds exactly the two."""
    for round_ in range(ROUNDS):
        activity_id = _offer(team, 2, f"第{round_ + 1}个调研课题")
        responses = _claims_at_once(team, activity_id)
        won = [d for d, r in zip(team["deputies"], responses) if r.status_code == 201]
        assert len(won) == 2, (round_, [r.text for r in responses])
        for r in responses:
            if r.status_code != 201:
                _refused_full(r, "揭榜名额已满（共 2 个）。")
        detail = ok(call(team, "GET", f"/activities/{activity_id}", team["station_admin"]))
        assert sorted(p["deputy"]["id"] for p in detail["participants"]) == sorted(won), round_
        assert detail["claimed_count"] == 2
        assert len([e for e in detail["events"] if e["action"] == "claimed"]) == 2


def test_claims_at_the_moment_the_places_are_cut(app, team):
    """The administrator cuts three places to one while four deputies claim. The cut lands first (one
    claim gets the one place) or after claims (refused, 422, when more than one was taken by then, saying
    how many); never more deputies on the list by 揭榜 than the places offered."""
    for round_ in range(ROUNDS):
        activity_id = _offer(team, 3, f"第{round_ + 1}个调研课题")
        *claims, cut = _claims_at_once(team, activity_id, lambda: call(
            team, "PATCH", f"/activities/{activity_id}", team["station_admin"], {"open_slots": 1}))
        detail = ok(call(team, "GET", f"/activities/{activity_id}", team["station_admin"]))
        taken = sum(r.status_code == 201 for r in claims)
        assert detail["claimed_count"] == taken == len(detail["participants"]), round_
        assert taken <= detail["open_slots"], (round_, taken, detail["open_slots"])
        if cut.status_code == 200:
            assert detail["open_slots"] == 1 and taken <= 1, (round_, cut.text)
        else:
            # As many as had claimed when it came: more than one, and perhaps more claimed after it.
            assert cut.status_code == 422 and cut.json()["errors"]["open_slots"][0] in [
                f"已有 {n} 位代表揭榜，揭榜名额不能少于 {n} 个。" for n in range(2, taken + 1)], (round_, cut.text)
            assert detail["open_slots"] == 3, round_
        for r in claims:
            if r.status_code != 201:
                _refused_full(r, f"揭榜名额已满（共 {detail['open_slots']} 个）。")


def _cancelled_at_once(team, activity_id, *calls):
    """取消 pressed by the county's administrator while ``calls`` run, confirming that check-ins are voided:
    (the cancel's answer, theirs)."""
    responses = released_together(
        lambda: call(team, "POST", f"/activities/{activity_id}/cancel", team["county_admin"], {"void_checkins": True}),
        *calls)
    cancelled = responses[0]
    assert cancelled.status_code == 200, cancelled.text
    return cancelled.json(), responses[1:]


def test_scans_at_the_moment_of_cancelling(app, team):
    """Three deputies scan while the administrator cancels the activity. A scan lands before the cancel
    (201, and the cancel, which tells the deputies still expected, sees them checked in) or is refused
    (409 活动已取消); a deputy is never told "checked in" by an activity cancelled without them."""
    deputies, headers = team["deputies"][:3], team["headers"][:3]
    for round_ in range(ROUNDS):
        activity_id = dispatch(team, deputies, title=f"第{round_ + 1}次接待")
        code = team["station_code"] if round_ % 2 == 0 else rotating_code(team, activity_id)
        cancelled, scans = _cancelled_at_once(team, activity_id, *[(lambda h=h: scan(team, h, code)) for h in headers])
        seen = {p["deputy"]["id"]: p["status"] for p in cancelled["participants"]}
        detail = ok(call(team, "GET", f"/activities/{activity_id}", team["station_admin"]))
        assert detail["status"] == "cancelled"
        status = {p["deputy"]["id"]: p["status"] for p in detail["participants"]}
        for deputy_id, response in zip(deputies, scans):
            if response.status_code == 201:
                assert seen[deputy_id] == status[deputy_id] == "checked_in", (round_, response.text, seen)
            else:
                # (A station's code scanned once the cancel has committed finds nothing to check in to but the
                # activity cancelled, and says so as the activity's own code does.)
                assert (response.status_code, response.json()["error"]) == (409, "checkin_refused"), response.text
                assert (response.json()["message"], response.json()["reason"]) == ("活动已取消，不能签到。", "cancelled"), \
                    (round_, response.text)
                assert seen[deputy_id] == status[deputy_id] == "invited", (round_, response.text, seen)


def test_hand_checkins_at_the_moment_of_cancelling(app, team):
    """补签 by the station's administrator for three deputies while the county's administrator cancels:
    each 补签 lands before the cancel (200, seen by the cancel) or is refused (409 活动已取消，不能补签)."""
    deputies = team["deputies"][:3]
    for round_ in range(ROUNDS):
        activity_id = dispatch(team, deputies, title=f"第{round_ + 1}次接待")
        cancelled, hands = _cancelled_at_once(team, activity_id, *[
            (lambda d=d: call(team, "POST", f"/activities/{activity_id}/participants/{d}/checkin",
                              team["station_admin"], {"reason": "手机没电"})) for d in deputies])
        seen = {p["deputy"]["id"]: p["status"] for p in cancelled["participants"]}
        detail = ok(call(team, "GET", f"/activities/{activity_id}", team["station_admin"]))
        status = {p["deputy"]["id"]: p["status"] for p in detail["participants"]}
        for deputy_id, response in zip(deputies, hands):
            if response.status_code == 200:
                assert seen[deputy_id] == status[deputy_id] == "checked_in", (round_, response.text, seen)
            else:
                assert (response.status_code, response.json()["error"], response.json()["message"]) == \
                    (409, "invalid_transition", "活动已取消，不能补签。"), (round_, response.text)
                assert seen[deputy_id] == status[deputy_id] == "invited", (round_, response.text, seen)


# --- 约见代表 racing the reception day's own changes ----------------------------------------------------

CHOSEN_DAY_GONE = "所选接待安排不存在、已结束或不接待这次约见，请重新选择。"  # the day already changed when read


def book(team, activity_id, code):
    """The citizen asks to meet a deputy on the reception day ``activity_id``, through ``code``."""
    return call(team, "POST", "/appointments", team["citizen"], {
        "qr_code": code, "topic": "想当面反映小区加装电梯的困难", "contact_phone": "13912345678", "activity_id": activity_id})


def told_on(app, activity_id):
    """``{appointment id: what its citizen was told since (the notes of their messages)}`` for the
    requests made for the day ``activity_id``."""
    with app.app_context():
        ids = db.session.scalars(select(Appointment.id).where(Appointment.activity_id == activity_id)).all()
        told = {i: sorted(m.data["thing5"] for m in db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.dedupe_key.like(f"appointment-result:{i}:%")))) for i in ids}
        db.session.remove()
    return told


def assert_booking_refused(response, message):
    """Refused with the day's state read as the request began (422, the form's field), or, when the day
    changed while it was being booked, as it is now (409, what changed)."""
    body = response.json()
    if response.status_code == 422:
        assert (body["error"], body["errors"]) == ("validation_failed", {"activity_id": [CHOSEN_DAY_GONE]}), body
    else:
        assert (response.status_code, body["error"], body["message"]) == (409, "invalid_transition", message), body


LATER = timedelta(hours=5)


def _changes(team, activity_id, starts):
    later = starts + LATER
    return {
        "retype": lambda: edit(team, activity_id, {"type": "inspection"}),
        "cancel": lambda: call(team, "POST", f"/activities/{activity_id}/cancel", team["region_admin"]),
        "move": lambda: edit(team, activity_id, {"starts_at": later.isoformat(),
                                                 "ends_at": (later + timedelta(hours=2)).isoformat()}),
        "take_off": lambda: edit(team, activity_id, {"remove_deputy_ids": [team["deputies"][0]]}),
    }


@pytest.mark.parametrize("change", ["retype", "cancel", "move", "take_off"])
def test_a_booking_at_the_moment_the_station_changes_the_reception_day(app, team, change):
    """The citizen books a reception day (through the station's code, or 张伟's to meet him) as the
    station's administrator makes it another kind of activity, cancels it, moves it to the afternoon or
    takes 张伟 off it. The booking comes first, and the change then refuses (another type: a citizen
    chose the day) or tells the citizen (取消, 改期, the deputy not there); or the change comes first,
    and the booking is refused saying why (or is made for the day as it is now). Never a request on a
    day that no longer receives it that nobody was told of."""
    zhang, li = team["deputies"][:2]
    code = team["deputy_codes"][0] if change == "take_off" else team["station_code"]
    for round_ in range(1, 4 * ROUNDS + 1):
        activity_id = dispatch(team, [zhang, li], title=f"第{round_}次进站接待", starts_in=timedelta(minutes=30))
        detail = ok(call(team, "GET", f"/activities/{activity_id}", team["station_admin"]))
        starts = datetime.fromisoformat(detail["starts_at"])
        booked, changed = released_together(lambda: book(team, activity_id, code), _changes(team, activity_id, starts)[change])
        detail = ok(call(team, "GET", f"/activities/{activity_id}", team["station_admin"]))
        told = told_on(app, activity_id)
        if booked.status_code != 201:
            assert changed.status_code == 200, (booked.text, changed.text)
            assert told == {}, (round_, booked.text, told)
            assert (detail["type"], detail["status"]) == (
                "inspection" if change == "retype" else "reception", "cancelled" if change == "cancel" else "published")
            assert_booking_refused(booked, {
                "retype": "所选活动已不是接待选民的安排，请重新选择接待安排，或填写希望见面的时间。",
                "cancel": "所选接待日已取消，请重新选择接待安排，或填写希望见面的时间。",
                "take_off": "该代表不参加所选接待日，请重新选择接待安排，或填写希望见面的时间。",
            }.get(change))
            continue
        mine = booked.json()
        assert list(told) == [mine["id"]], (round_, mine, told)
        if change == "retype":
            assert changed.status_code == 409, (round_, "booked, and then another type all the same", changed.text)
            assert (changed.json()["error"], changed.json()["message"]) == ("invalid_transition",
                "已有 1 件群众约见选择了这个接待日（待确认或已确认），不能再改为其他类型；请先答复这些约见。"), (round_, changed.text)
            assert (detail["type"], told[mine["id"]]) == ("reception", [])
            continue
        assert changed.status_code == 200, (round_, changed.text)
        if change == "cancel":
            assert told[mine["id"]] == ["所选接待日已取消，将另行安排"], (round_, mine, told)
        elif change == "take_off":
            assert told[mine["id"]] == ["该代表不参加所选接待日，将另行安排"], (round_, mine, told)
        else:  # booked for the day as it was (and told it moved), or as it is now
            shown = datetime.fromisoformat(mine["activity"]["starts_at"])
            assert (shown, told[mine["id"]]) in ((starts, ["所选接待日时间已调整，请留意"]), (starts + LATER, [])), \
                (round_, mine, told)
            assert datetime.fromisoformat(detail["starts_at"]) == starts + LATER
