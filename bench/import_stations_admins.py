"""How long a city administrator waits to import a city's stations (导入联络站) and then their station
administrators (导入管理员账号), 1,400 of each by default.

    .venv/bin/python bench/import_stations_admins.py [--rows 1400] [--database-url postgresql://…]

Builds a fresh database (a temporary SQLite file unless --database-url names an empty one) holding a
province, one city with 10 counties of 14 townships each, and the city's administrator. Then, in-process
through the HTTP API as that administrator: a CSV of N new stations spread over the townships
(``POST /api/v1/stations/import``), the same file again (must change nothing), a CSV of N new station
administrators, one per station (``POST /api/v1/admins/import``), and that file again (must create
nothing and show no password). Each line gives the seconds (and this process's CPU seconds, which a
shared machine's load changes far less) and the statements sent; then the share of
the accounts' import spent hashing their generated passwords, in the request's thread and in the
import's thread pool. Behind nginx and gunicorn (60 s timeouts) the answer must come well within 60 s.
"""
import argparse
import csv
import io
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from werkzeug.security import generate_password_hash  # noqa: E402

from backend.auth import services as auth_services  # noqa: E402
from backend.auth.account_importer import initial_password  # noqa: E402
from backend.extensions import db  # noqa: E402
from backend.org import services as org_services  # noqa: E402
from fresh import Probe, database_kind, empty_app  # noqa: E402

PASSWORD = "bench-password"


def build_city(counties=10, townships=14):
    """湖南省 → 怀化市 → counties → townships; the city's administrator. Returns "county/township" paths."""
    root = org_services.create_region(None, {"name": "湖南省", "level": "province"})
    city = org_services.create_region(None, {"name": "怀化市", "level": "city", "parent_id": root.id})
    places = []
    for c in range(counties):
        county = org_services.create_region(None, {"name": f"第{c + 1}县", "level": "county", "parent_id": city.id})
        for t in range(townships):
            town = org_services.create_region(
                None, {"name": f"{county.name}第{t + 1}镇", "level": "township", "parent_id": county.id})
            places.append(f"{county.name}/{town.name}")
    auth_services.create_admin("bench-city", PASSWORD, city)
    db.session.commit()
    return places


def csv_bytes(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def timed(probe, client, headers, url, data, name):
    """(answer, seconds, this process's CPU seconds in all its threads, statements) of one import."""
    cpu = time.process_time()
    milliseconds, statements, response = probe(lambda: client.post(
        url, headers=headers, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"))
    cpu = time.process_time() - cpu
    if response.status_code != 200:
        sys.exit(f"import failed: {response.status_code} {response.get_data(as_text=True)[:300]}")
    return response.get_json(), milliseconds / 1000, cpu, statements


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1400)
    parser.add_argument("--database-url", help="an empty database to use instead of a temporary SQLite file")
    args = parser.parse_args()
    n = args.rows

    with empty_app(args.database_url) as app:
        with app.app_context():
            places = build_city()
            probe = Probe(db.engine)
            db.session.remove()
        client = app.test_client()
        login = client.post("/api/v1/auth/login", json={"username": "bench-city", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.get_json()['token']}"}
        print(f"database: {database_kind(app)}, {len(places)} townships, {n} rows per file")

        stations = csv_bytes(["联络站名称", "所属区域", "类型", "地址", "纬度", "经度", "开放时间"], [
            [f"联络站{i:04d}", places[i % len(places)], "联络点", f"人民路 {i} 号", "27.55", "109.98", "工作日"]
            for i in range(n)])
        for label, expect in (("stations, first import", "created"), ("stations, re-import", "unchanged")):
            body, seconds, cpu, statements = timed(probe, client, headers, "/api/v1/stations/import", stations, "联络站.csv")
            if body[expect] != n or body["errors"]:
                sys.exit(f"{label}: {body}")
            print(f"{label}: {seconds:.2f} s (CPU {cpu:.2f} s), {statements} statements ({expect} {n})")

        admins = csv_bytes(["姓名", "登录名", "角色", "所属联络站", "所属区域", "状态"], [
            [f"管理员{i}", f"admin-{i:04d}", "联络站管理员", f"联络站{i:04d}", "", ""] for i in range(n)])
        for label, expect in (("admins, first import", "created"), ("admins, re-import", "unchanged")):
            body, seconds, cpu, statements = timed(probe, client, headers, "/api/v1/admins/import", admins, "管理员.csv")
            if body[expect] != n or body["errors"] or len(body["passwords"]) != (n if expect == "created" else 0):
                sys.exit(f"{label}: {body if expect != 'created' else {k: body[k] for k in ('created', 'errors')}}")
            print(f"{label}: {seconds:.2f} s (CPU {cpu:.2f} s), {statements} statements ({expect} {n})")

        with app.app_context():
            passwords = [initial_password(f"admin-{i:04d}") for i in range(n)]
            method = app.config["INITIAL_PASSWORD_HASH_METHOD"]
            started, cpu = time.perf_counter(), time.process_time()
            for password in passwords:
                generate_password_hash(password, method=method)
            alone, cpu = time.perf_counter() - started, time.process_time() - cpu
            started = time.perf_counter()
            auth_services.initial_password_hashes(passwords)
            pooled = time.perf_counter() - started
            print(f"of which hashing {n} initial passwords ({method}): {alone:.2f} s in one thread "
                  f"({alone / n * 1000:.1f} ms each, CPU {cpu / n * 1000:.1f} ms), {pooled:.2f} s in the import's "
                  f"{auth_services.INITIAL_HASH_THREADS} threads")
            with open("/proc/loadavg") as f:
                print(f"load average: {f.read().split()[0]} on {os.cpu_count()} cores")
            db.engine.dispose()


if __name__ == "__main__":
    main()
