"""The console's deputy picker (GET /console/deputy-options) and a merge follower's 我的建议, at 140,000 deputies.

    .venv/bin/python bench/province.py --seed --items 20000 --entries 20000 --activities 200 --only none
    .venv/bin/python bench/deputy_picker.py --prepare          # phones, codes and follows the seed has none of
    .venv/bin/python bench/deputy_picker.py --explain          # measure, with each request's slowest plan

PostgreSQL only, on a database ``province.py --seed`` built (default its ``scale_seed``; the picker reads
the deputies, so a few thousand items will do). ``--prepare`` (once; it rewrites columns) gives every
deputy a mobile number (139 and the id in 8 digits) and a printed code in base32's letters, and makes
citizen 1001234 follow 40 published items, half of them by merge (as a merge does, workflow.follow_kind).
Then it measures, through ``province.measure`` (in-process, the median of ``--runs``, statements counted),
the picker's searches as the province's, a city's and a county's administrator and a station's: a name,
a name nobody has, one character, a phone's last 4 digits, a whole phone, a 代表小组, a printed code and
nothing typed; and the follower's ``GET /api/v1/suggestions?scope=mine`` at 10 and 20 a page. Always exits 0.
"""
import argparse
import os
import sys
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import province  # noqa: E402
from province import ADMIN_BASE, CITY_ADMIN, COUNTY_ADMIN, SUPER_ADMIN, Statements, build_app, measure  # noqa: E402
from sqlalchemy import text  # noqa: E402

from backend.extensions import db  # noqa: E402

FOLLOWER = 1_001_234

PREPARE = [
    "UPDATE deputies SET phone = '139' || lpad(id::text, 8, '0')",
    "UPDATE qr_codes SET code = translate(substr(md5('deputy' || target_id), 1, 16), '0189', 'wxyz') "
    "WHERE target_kind = 'deputy'",
    f"DELETE FROM suggestion_followers WHERE user_id = {FOLLOWER}",
    "INSERT INTO suggestion_followers (suggestion_id, user_id, via_merge) "
    f"SELECT id, {FOLLOWER}, id % 2 = 0 FROM suggestions WHERE public_consent AND citizen_id <> {FOLLOWER} "
    "ORDER BY id DESC LIMIT 40",
    "ANALYZE deputies", "ANALYZE qr_codes", "ANALYZE suggestion_followers",
]


def picker_probes(app):
    with app.app_context():
        value = lambda sql: db.session.scalar(text(sql))  # noqa: E731
        station = value("SELECT station_id FROM station_deputies GROUP BY station_id ORDER BY count(*) DESC LIMIT 1")
        code = value("SELECT code FROM qr_codes WHERE target_kind = 'deputy' AND revoked_dt IS NULL "
                     "AND code ~ '^[a-z2-7]{16}$' ORDER BY target_id LIMIT 1")
    searches = (("代表12345", "name"), ("王小明", "no such name"), ("代", "one character"), ("0007", "phone tail"),
                ("13900012345", "whole phone"), ("第3代表小组", "group"), (code or "abcdefghijklmnop", "printed code"))
    probes = []
    for who, scope in ((SUPER_ADMIN, "province"), (CITY_ADMIN, "city"), (COUNTY_ADMIN, "county"),
                       (ADMIN_BASE + station, "station admin")):
        for q, kind in searches:
            probes.append((f"picker {kind} ({scope})", who, f"/console/deputy-options?q={quote(q)}"))
        probes.append((f"picker nothing typed ({scope})", who, "/console/deputy-options"))
    for per_page in (10, 20):
        probes.append((f"mine, merge follower, {per_page} a page", FOLLOWER,
                       f"/api/v1/suggestions?scope=mine&per_page={per_page}"))
    return probes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=province.DEFAULT_URL)
    parser.add_argument("--prepare", action="store_true", help="give the seed's deputies phones and codes, and the follows")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", action="append", help="only the requests whose name contains this (repeatable)")
    parser.add_argument("--explain", nargs="?", type=int, const=1, default=None, metavar="N",
                        help="EXPLAIN ANALYZE every statement; print the N slowest plans per request (default 1)")
    args = parser.parse_args()
    app = build_app(args.database_url, "http://127.0.0.1:9")
    with app.app_context():
        if args.prepare:
            for statement in PREPARE:
                db.session.execute(text(statement))
            db.session.commit()
        province.probes = picker_probes
        measure(app, Statements(db.engine), args.only, args.runs, args.explain if args.explain is not None else 0)


if __name__ == "__main__":
    main()
