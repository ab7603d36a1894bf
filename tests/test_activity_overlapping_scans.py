"""A deputy is in one place at a time. Two activities held at one station at the same time, the deputy
invited to both: a station-code scan checks them in to one; scanning again while that one is still on (the
first answer seemed slow) answers with that check-in rather than checking them in to the other too. Neither
the other's screen code, nor another station's code, nor a 补签 checks them in to a second activity whose
time overlaps the first's (or 结单 would credit both); back to back (one ends as the other starts) they can."""
from datetime import datetime, timedelta, timezone

from .test_activities import checkin, crew, dispatch  # noqa: F401

ELSEWHERE = "您已在“{}”签到，活动时间重叠，不能同时签到另一项活动。"


def test_a_repeated_scan_while_the_first_activity_runs_answers_its_check_in(client, crew):  # noqa: F811
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    now = datetime.now(timezone.utc)
    ends = now + timedelta(hours=2)  # the group activity began a minute earlier: the scan's (same starts: either)
    group = dispatch(client, crew, [zhang], title="代表小组活动", type="group", starts=now - timedelta(minutes=3),
                     ends=ends).json["id"]
    reception = dispatch(client, crew, [zhang], title="接待日B", starts=now - timedelta(minutes=2), ends=ends).json["id"]

    first = checkin(client, zh, crew["station"].qr_code)
    assert (first.status_code, first.json["activity_id"]) == (201, group), first.json
    for _ in range(2):
        again = checkin(client, zh, crew["station"].qr_code)
        assert (again.status_code, again.json["activity_id"], again.json["checked_in_at"]) == \
            (200, group, first.json["checked_in_at"]), again.json
    assert client.get(f"/api/v1/activities/{reception}", headers=zh).json["my_status"] == "invited"

    # At the second activity's screen: its own rotating code does not check them in to it as well.
    code = client.get(f"/api/v1/activities/{reception}/checkin-code", headers=crew["admin"]).json["qr_code"]
    screen = checkin(client, zh, code)
    assert (screen.status_code, screen.json["error"], screen.json["reason"], screen.json["message"]) == \
        (409, "checkin_refused", "already_checked_in_elsewhere", ELSEWHERE.format("代表小组活动")), screen.json
    assert [client.get(f"/api/v1/activities/{a}", headers=zh).json["my_status"] for a in (group, reception)] == \
        ["checked_in", "invited"]


def test_checked_in_at_one_station_a_deputy_is_not_checked_in_at_another_at_the_same_time(client, app, crew,
                                                                                          factory):
    """Two 视察 over the same hours at two stations 3 km apart, 张伟 invited to both: after a scan at the
    first, a scan at the second (with its position) and a 补签 there are refused, naming the first; 结单 of
    both credits him once. An activity of his that was cancelled holds nothing against another."""
    zhang, li = crew["deputies"][:2]
    zh = crew["headers"][0]
    far = (27.5871, 109.9985)
    other = factory.station(crew["tree"]["hc"], "城南联络站", lat=far[0], lng=far[1], address="南路 1 号")
    zhang.stations.append(other)
    factory.commit()
    # Cancelled after he checked in: its check-in counts for nothing, and holds nothing against the others.
    voided = dispatch(client, crew, [zhang], title="接待日").json["id"]
    assert checkin(client, zh, crew["station"].qr_code).json["activity_id"] == voided
    assert client.post(f"/api/v1/activities/{voided}/cancel", json={"void_checkins": True},
                       headers=crew["admin"]).status_code == 200

    first = dispatch(client, crew, [zhang], type="inspection", title="视察A").json["id"]
    second = dispatch(client, crew, [zhang, li], type="inspection", title="视察B", headers=crew["root_admin"],
                      station_id=other.id).json["id"]
    assert checkin(client, zh, crew["station"].qr_code).status_code == 201
    there = checkin(client, zh, other.qr_code, lat=far[0], lng=far[1])
    assert (there.status_code, there.json["reason"], there.json["message"]) == \
        (409, "already_checked_in_elsewhere", ELSEWHERE.format("视察A")), there.json
    by_hand = client.post(f"/api/v1/activities/{second}/participants/{zhang.id}/checkin",
                          json={"reason": "手机没电"}, headers=crew["root_admin"])
    assert (by_hand.status_code, by_hand.json["error"], by_hand.json["message"]) == (
        409, "invalid_transition", "张伟已在“视察A”签到，该活动与本次活动时间重叠，不能再为其补签本次活动。"), by_hand.json
    assert client.get(f"/api/v1/activities/{second}", headers=zh).json["my_status"] == "invited"
    # 李娜 was at the second only: checked in there as ever.
    assert checkin(client, crew["headers"][1], other.qr_code, lat=far[0], lng=far[1]).status_code == 201

    for activity_id in (first, second):
        assert client.post(f"/api/v1/activities/{activity_id}/close", json={"early": True},
                           headers=crew["root_admin"]).status_code == 200
    credited = client.get(f"/api/v1/deputies/{zhang.id}/points", headers=zh).json["entries"]
    assert sorted((e["points"], e["reason"]) for e in credited) == [(-1, "无故缺席：视察B"), (3, "视察：视察A")]
