"""An activity's roster at its largest: what its pages and the API cost with 1,000 deputies invited.

    .venv/bin/python bench/roster.py [--deputies 1000] [--repeat 20] [--database-url postgresql://…]

Builds a fresh database (a temporary SQLite file unless --database-url names an empty one) with the
real migrations: one region, one station, its administrator, ``--deputies`` deputies (the largest
activity ACTIVITY_MAX_DEPUTIES allows by default) and one of them bound in WeChat. Dispatches two
activities through the API (发单, then 补充邀请 500 at a time): a large one inviting every deputy (列席会议 for
a whole district) and a small one inviting 10; in the large one 40 % have checked in, 20 % accepted,
10 % taken leave and the rest not answered.

Then, in-process through ``app.test_client()`` after a warm-up, each request ``--repeat`` times, both
activities in alternating turns: the console's attendance page (出勤情况) unfiltered, filtered and
searched, and a later page; its live JSON, the check-in screen and the edit page (编辑); the API's
activity detail (as the administrator and as a deputy invited) and its paged roster. It prints, per
request, the median milliseconds for the large and the small activity, the statements sent to the
database for each (equal but for the edit page, whose picker reads the stations of the deputies it
offers, none at 1,000) and the size of the answer. It always exits 0: it reports, it does not gate.
"""
import argparse
import os
import re
import sys
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import update  # noqa: E402

from backend.activities.models import ActivityParticipant, ParticipantStatus  # noqa: E402
from backend.auth import services as auth_services  # noqa: E402
from backend.auth.models import User  # noqa: E402
from backend.auth.tokens import issue_token  # noqa: E402
from backend.db_types import utcnow  # noqa: E402
from backend.extensions import db  # noqa: E402
from backend.org import services as org_services  # noqa: E402
from fresh import Probe, database_kind, empty_app, figures, large_and_small  # noqa: E402

PASSWORD = "bench-password"
SMALL = 10
BATCH = 500  # deputies one 发单 or 修改 names at most (ActivityIn.deputy_ids, ActivityPatch.add_deputy_ids)
# (status, share in percent) of the large activity's deputies, by deputy id.
MIX = [(ParticipantStatus.checked_in, 40), (ParticipantStatus.accepted, 20), (ParticipantStatus.declined, 10)]


def build(deputies):
    root = org_services.create_region(None, {"name": "鹤城区", "level": "county", "parent_id": None})
    db.session.flush()
    station = org_services.create_station(None, {"name": "城北联络站", "kind": "center", "region_id": root.id})
    db.session.flush()
    admin = auth_services.create_admin("bench-admin", PASSWORD, root)
    people = [org_services.create_deputy(None, {"name": f"代表{n:04d}", "level": "county", "region_id": root.id,
                                                "phone": f"139{n:08d}", "station_ids": [station.id]})
              for n in range(1, deputies + 1)]
    db.session.flush()
    bound = User(openid="fake-openid-bench-deputy", deputy_id=people[-1].id, token_version=0, created_dt=utcnow())
    db.session.add(bound)
    db.session.commit()
    return station.id, [d.id for d in people], issue_token(admin), issue_token(bound)


def dispatch(client, headers, station_id, deputy_ids, title):
    """发单 to the first 500 (as many as one request names), then 补充邀请 500 at a time."""
    now = utcnow()
    response = client.post("/api/v1/activities", headers=headers, json={
        "title": title, "type": "meeting", "station_id": station_id,
        "starts_at": (now - timedelta(minutes=10)).isoformat(), "ends_at": (now + timedelta(hours=3)).isoformat(),
        "deputy_ids": deputy_ids[:BATCH]})
    if response.status_code != 201:
        sys.exit(f"发单 failed: {response.status_code} {response.get_json()}")
    activity_id = response.get_json()["id"]
    for start in range(BATCH, len(deputy_ids), BATCH):
        more = client.patch(f"/api/v1/activities/{activity_id}", headers=headers,
                            json={"add_deputy_ids": deputy_ids[start:start + BATCH]})
        if more.status_code != 200:
            sys.exit(f"补充邀请 failed: {more.status_code} {more.get_json()}")
    return activity_id


def answer(activity_id, deputy_ids):
    """The large activity's deputies as MIX says, the last (the bound deputy) left not answered."""
    start = 0
    for status, share in MIX:
        count = len(deputy_ids) * share // 100
        chosen = deputy_ids[start:start + count]
        start += count
        values = {"status": status, "responded_dt": utcnow()}
        if status is ParticipantStatus.checked_in:
            values["checked_in_dt"] = utcnow()
        if status is ParticipantStatus.declined:
            values["decline_reason"] = "出差"
        db.session.execute(update(ActivityParticipant).where(
            ActivityParticipant.activity_id == activity_id, ActivityParticipant.deputy_id.in_(chosen)).values(**values))
    db.session.commit()


def console_client(app):
    client = app.test_client()
    page = client.get("/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    signed = client.post("/console/login", data={"username": "bench-admin", "password": PASSWORD, "csrf_token": token})
    if signed.status_code != 302:
        sys.exit("console sign-in failed")
    return client


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deputies", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", help="an empty database to use instead of a temporary SQLite file")
    args = parser.parse_args()

    with empty_app(args.database_url, ACTIVITY_MAX_DEPUTIES=max(args.deputies, 1000)) as app:
        with app.app_context():
            started = time.perf_counter()
            station_id, deputy_ids, admin_token, deputy_token = build(args.deputies)
            print(f"database: {database_kind(app)}, {args.deputies} deputies built in {time.perf_counter() - started:.1f} s")
            engine = db.engine
            db.session.remove()

        api = app.test_client()
        admin = {"Authorization": f"Bearer {admin_token}"}
        deputy = {"Authorization": f"Bearer {deputy_token}"}
        large = dispatch(api, admin, station_id, deputy_ids, "全区代表列席人代会")
        small = dispatch(api, admin, station_id, deputy_ids[-SMALL:], "城北联络站进站接待")
        with app.app_context():
            answer(large, deputy_ids[:-1])
            db.session.remove()
        console = console_client(app)

        probes = [
            ("console: attendance page", console, "/console/activities/{id}", None),
            ("console: ?status=invited", console, "/console/activities/{id}?status=invited", None),
            ("console: ?q=代表09 (search)", console, "/console/activities/{id}?q=%E4%BB%A3%E8%A1%A809", None),
            ("console: ?page=10", console, "/console/activities/{id}?page=10", None),
            ("console: attendance.json", console, "/console/activities/{id}/attendance.json", None),
            ("console: check-in screen", console, "/console/activities/{id}/screen", None),
            ("console: edit page (编辑)", console, "/console/activities/{id}/edit", None),
            ("API: detail as administrator", api, "/api/v1/activities/{id}", admin),
            ("API: detail as deputy", api, "/api/v1/activities/{id}", deputy),
            ("API: participants per_page=100", api, "/api/v1/activities/{id}/participants?per_page=100", admin),
            ("API: participants checked_in p3", api,
             "/api/v1/activities/{id}/participants?status=checked_in&page=3&per_page=50", admin),
        ]
        probe = Probe(engine)
        for _, client, path, headers in probes:  # warm-up
            for activity_id in (large, small):
                client.get(path.format(id=activity_id), headers=headers)
        print(f"{'request':34} {'1,000: ms':>10} {f'{SMALL}: ms':>8} {'statements':>11} {'KiB (1,000)':>12}")
        for label, client, path, headers in probes:
            found = large_and_small(probe, lambda activity_id: client.get(path.format(id=activity_id), headers=headers),
                                    large, small, args.repeat)
            for response in found["answers"]:
                if response.status_code != 200:
                    sys.exit(f"{path}: {response.status_code} {response.get_data(as_text=True)[:300]}")
            print(f"{label:34} {figures(found)}")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
