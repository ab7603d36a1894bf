"""Two activities held at one station at the same time, the deputy invited to both: a station-code scan
checks them in to one; scanning again while that one is still on (the first answer seemed slow) answers
with that check-in rather than checking them in to the other too, and 结单 credits one. The other takes
its own screen code (or a scan once the first has ended: back to back)."""
from datetime import datetime, timedelta, timezone

from .test_activities import checkin, crew, dispatch  # noqa: F401


def test_a_repeated_scan_while_the_first_activity_runs_answers_its_check_in(client, crew):  # noqa: F811
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    now = datetime.now(timezone.utc)
    window = {"starts": now - timedelta(minutes=3), "ends": now + timedelta(hours=2)}
    group = dispatch(client, crew, [zhang], title="代表小组活动", type="group", **window).json["id"]
    reception = dispatch(client, crew, [zhang], title="接待日B", **window).json["id"]

    first = checkin(client, zh, crew["station"].qr_code)
    assert (first.status_code, first.json["activity_id"]) == (201, group), first.json
    for _ in range(2):
        again = checkin(client, zh, crew["station"].qr_code)
        assert (again.status_code, again.json["activity_id"], again.json["checked_in_at"]) == \
            (200, group, first.json["checked_in_at"]), again.json
    assert client.get(f"/api/v1/activities/{reception}", headers=zh).json["my_status"] == "invited"

    # At the second activity's screen: its own rotating code checks them in to it.
    code = client.get(f"/api/v1/activities/{reception}/checkin-code", headers=crew["admin"]).json["qr_code"]
    screen = checkin(client, zh, code)
    assert (screen.status_code, screen.json["activity_id"]) == (201, reception), screen.json
    assert [client.get(f"/api/v1/activities/{a}", headers=zh).json["my_status"] for a in (group, reception)] == \
        ["checked_in", "checked_in"]
