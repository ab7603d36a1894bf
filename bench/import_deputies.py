"""How long a region administrator waits for a whole deputy base to import.

    .venv/bin/python bench/import_deputies.py [--rows 10000] [--database-url postgresql://…]

Builds a fresh database (a temporary SQLite file unless --database-url names an empty one),
a region tree with stations, and an .xlsx of N deputies; imports it through the HTTP API as the
super administrator, then imports it again, which must change nothing; then times reading the file
alone. The file is written by openpyxl (inline strings, no stored dimension), the slowest kind for
openpyxl to read: a register saved by Excel or WPS (shared strings) reads in about half the time.
"""
import argparse
import io
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import openpyxl  # noqa: E402

from backend.auth import services as auth_services  # noqa: E402
from backend.extensions import db  # noqa: E402
from backend.org import importer  # noqa: E402
from backend.org import services as org_services  # noqa: E402
from fresh import database_kind, empty_app  # noqa: E402

LEVELS = ["全国人大代表", "省人大代表", "市人大代表", "县（区）人大代表", "乡镇人大代表"]
PASSWORD = "bench-password"


def build_organisation(cities=4, counties=3, townships=8, stations_per_county=3):
    """湖南省 → cities → counties → townships, stations in every county.

    Returns the regions a deputy may belong to as (city, county, township or None) and the station
    names by county.
    """
    root = org_services.create_region(None, {"name": "湖南省", "level": "province"})
    places, stations = [], {}
    for c in range(cities):
        city = org_services.create_region(None, {"name": f"第{c + 1}市", "level": "city", "parent_id": root.id})
        for k in range(counties):
            county = org_services.create_region(
                None, {"name": f"{city.name}第{k + 1}县", "level": "county", "parent_id": city.id}
            )
            places.append((city.name, county.name, None))
            for t in range(townships):
                town = org_services.create_region(
                    None, {"name": f"{county.name}第{t + 1}镇", "level": "township", "parent_id": county.id}
                )
                places.append((city.name, county.name, town.name))
            stations[county.name] = [
                org_services.create_station(
                    None, {"name": f"{county.name}联络站{s + 1}", "kind": "area", "region_id": county.id}
                ).name
                for s in range(stations_per_county)
            ]
    auth_services.create_admin("bench-admin", PASSWORD, root)
    db.session.commit()
    return places, stations


def workbook(rows, places, stations):
    """An .xlsx the way registers look: names or paths for regions, phone numbers as number cells."""
    rng = random.Random(20240601)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("代表名册")
    sheet.append(["姓名", "层级", "所属区域", "手机号", "联络站", "代表小组", "届次", "状态"])
    for i in range(rows):
        city, county, town = rng.choice(places)
        region = town or county
        sheet.append([
            f"代表{i:05d}",
            rng.choice(LEVELS),
            region if rng.random() < 0.8 else "/".join(filter(None, ("湖南省", city, county, town))),
            13000000000 + i,
            "、".join(rng.sample(stations[county], rng.randint(0, 2))),
            f"第{rng.randint(1, 30)}代表小组",
            rng.choice(["十七", "17", "第十七届"]),
            "在任" if rng.random() < 0.95 else "离任",
        ])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def timed_import(client, headers, data):
    started = time.perf_counter()
    response = client.post(
        "/api/v1/deputies/import",
        data={"file": (io.BytesIO(data), "代表名册.xlsx")},
        headers=headers,
        content_type="multipart/form-data",
    )
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        sys.exit(f"import failed: {response.status_code} {response.get_json()}")
    return response.get_json(), elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", help="an empty database to use instead of a temporary SQLite file")
    args = parser.parse_args()

    with empty_app(args.database_url) as app:
        with app.app_context():
            places, stations = build_organisation()
            data = workbook(args.rows, places, stations)
            db.session.remove()

        client = app.test_client()
        login = client.post("/api/v1/auth/login", json={"username": "bench-admin", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.get_json()['token']}"}
        print(f"database: {database_kind(app)}, "
              f"{len(places) + 5} regions, {sum(map(len, stations.values()))} stations, file {len(data) / 1024:.0f} KiB")

        first, seconds = timed_import(client, headers, data)
        if first["errors"] or first["created"] != args.rows:
            sys.exit(f"first import did not create every row: {first['created']} created, {first['errors'][:5]}")
        print(f"first import: {args.rows} rows in {seconds:.2f} s = {args.rows / seconds:.0f} rows/s "
              f"(created {first['created']})")

        second, seconds = timed_import(client, headers, data)
        if second["created"] or second["updated"] or second["errors"]:
            sys.exit(f"re-import changed something: {second}")
        print(f"re-import: changed nothing (created 0, updated 0, unchanged {second['unchanged']}) "
              f"in {seconds:.2f} s = {args.rows / seconds:.0f} rows/s")
        with app.app_context():
            started = time.perf_counter()
            importer.read_sheet(data)
            print(f"of which reading the .xlsx (openpyxl, part of both imports): {time.perf_counter() - started:.2f} s")
            db.engine.dispose()


if __name__ == "__main__":
    main()
