"""码上办 suggestions benchmark: filing and list throughput against a bare Flask endpoint.

    .venv/bin/python bench/suggestions.py [--database-url URL] [--items 100000]

Builds two fresh databases (temporary SQLite files; or, given a PostgreSQL URL, that database after
dropping and recreating its ``public`` schema, plus a ``bench_small`` schema dropped again at the end),
runs the migrations, seeds an organisation (a region tree, 50 stations, 500 deputies with bound
WeChat users, citizens) and bulk-inserts ``--items`` suggestions into the first, 1,000 into the
second. Then it measures, after a warm-up:

a. a bare Flask app answering ``{"ok": true}`` (the baseline, ``bench/bare_app.py``);
b. filing through a deputy's code as a citizen (the text is screened afterwards by the sweep, which
   the bench times on its own: ``msg_sec_check`` over HTTP to the WeChat stand-in, as in production);
c. a deputy's inbox (newest first, and 按期限: ``sort=due``, what is due first) and a station
   administrator's pending queue (20 per page);
d. the same lists on the 1,000-item database.

(a)–(c) are measured *served*, and the targets are judged on those figures: the app and the bare app each under
gunicorn with the production settings (``deploy/gunicorn.conf.py``), loaded by wrk (Debian's ``wrk``)
with keep-alive connections for a few seconds at a time, the kinds taken in turn over several rounds,
every run between two runs of the bare app (a ratio is taken against those two).
All of (a)–(d) are also measured in-process through ``app.test_client()``, one request of each kind in
turn, so that a shared machine's changing load shifts them all alike; (d) compares those latencies.
It prints one table with the figures, their targets and PASS/FAIL, and always exits 0.
"""
import argparse
import json
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, func, insert, make_url, select, text  # noqa: E402

from backend import create_app  # noqa: E402
from backend.auth.models import User  # noqa: E402
from backend.auth.tokens import issue_token  # noqa: E402
from backend.config import normalise_database_url  # noqa: E402
from backend.db_types import utcnow  # noqa: E402
from backend.extensions import db  # noqa: E402
from backend.org.models import Deputy, Region, Station, station_admins, station_deputies  # noqa: E402
from backend.qr.models import QRCode, QRKind  # noqa: E402
from backend.qr.services import new_code  # noqa: E402
from backend.suggestions.models import Satisfaction, Status, Suggestion  # noqa: E402
from backend.suggestions.sweep import screen_pending  # noqa: E402
from bare_app import app as bare_app  # noqa: E402
from served import (  # noqa: E402
    CONNECTIONS, Served, bracketed, lua_requests, serve_standin, served_cpu_ms, wrk_available, wrk_rps,
)

STATIONS = 50
DEPUTIES = 500
CITIZENS = 5000
SMALL_ITEMS = 1000
SMALL_SCHEMA = "bench_small"
# The probed deputy and station always have at least this many matching items, so every measured
# page is full (20) in the small database too and the two sizes compare like for like.
PROBE_MIN = 60
CATEGORIES = ["道路交通", "环境卫生", "教育医疗", "社会保障", "城市管理", "农业农村", "其他"]
# Status mix of a system that has been running for a while.
STATUS_MIX = [
    (Status.pending, 8), (Status.assigned, 8), (Status.accepted, 12), (Status.forwarded, 4),
    (Status.replied, 8), (Status.closed, 50), (Status.rejected, 5), (Status.withdrawn, 5),
]

TARGET_FILING = 0.20
TARGET_LIST = 0.40
TARGET_GROWTH = 1.5


# --- databases -------------------------------------------------------------------------------------


def _reset_schema(url, schema):
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()


def fresh_database(url, tmpdir, name):
    """A URL to an empty database: a new SQLite file; on PostgreSQL the ``public`` schema reset (large),
    or a ``bench_small`` schema of the same database, reached through the search path (small)."""
    if not url:
        return f"sqlite:///{os.path.join(tmpdir, name + '.sqlite')}"
    url = normalise_database_url(url)
    if name == "large":
        _reset_schema(url, "public")
        return url
    _reset_schema(url, SMALL_SCHEMA)
    return make_url(url).update_query_dict({"options": f"-csearch_path={SMALL_SCHEMA}"}).render_as_string(
        hide_password=False)


def drop_small_schema(url):
    if url:
        engine = create_engine(normalise_database_url(url), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SMALL_SCHEMA} CASCADE"))
        engine.dispose()


def build_app(database_url, standin_url, upload_dir):
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WECHAT_MODE": "fake",
        "WECHAT_API_BASE": standin_url,
        "SECRET_KEY": "bench-secret",
        "UPLOAD_DIR": upload_dir,
    })
    with app.app_context():
        upgrade()
    # Alembic's fileConfig() disables every logger that existed before it; server errors should show.
    for logger in logging.Logger.manager.loggerDict.values():
        if isinstance(logger, logging.Logger) and logger.name.startswith("backend"):
            logger.disabled = False
    return app


def _insert(table, rows, batch=5000):
    """Core executemany; every row gets every key (a missing one is NULL)."""
    keys = {key for row in rows for key in row}
    rows = [{key: row.get(key) for key in keys} for row in rows]
    for start in range(0, len(rows), batch):
        db.session.execute(insert(table), rows[start:start + batch])


def _reset_sequences(tables):
    """Rows were written with explicit ids: move PostgreSQL's sequences past them."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
        ))


def seed(app, items, seed_value=42):
    """Organisation and ``items`` suggestions, written with Core inserts. Returns the probes' ids and codes."""
    rnd = random.Random(seed_value)
    now = utcnow()
    with app.app_context():
        # Region tree: a province, 5 cities, 4 counties each.
        regions = [dict(id=1, parent_id=None, name="湖南省", level="province", path="/1/", created_dt=now)]
        counties = []
        for c in range(5):
            city_id = len(regions) + 1
            regions.append(dict(id=city_id, parent_id=1, name=f"市{c + 1}", level="city", path=f"/1/{city_id}/",
                                created_dt=now))
            for k in range(4):
                county_id = len(regions) + 1
                regions.append(dict(id=county_id, parent_id=city_id, name=f"区{c + 1}-{k + 1}", level="county",
                                    path=f"/1/{city_id}/{county_id}/", created_dt=now))
                counties.append(county_id)
        _insert(Region.__table__, regions)

        stations = [dict(id=i, name=f"联络站{i}", kind="center", region_id=counties[(i - 1) % len(counties)],
                         address="", open_hours="", description="", created_dt=now) for i in range(1, STATIONS + 1)]
        _insert(Station.__table__, stations)
        station_region = {s["id"]: s["region_id"] for s in stations}

        deputies, links, deputy_station = [], [], {}
        for i in range(1, DEPUTIES + 1):
            station_id = (i - 1) % STATIONS + 1
            deputies.append(dict(id=i, name=f"代表{i}", level="county", region_id=station_region[station_id],
                                 group_name="", phone=f"139{i:08d}", active=True, bio="", created_dt=now,
                                 updated_dt=now))
            links.append(dict(station_id=station_id, deputy_id=i))
            deputy_station[i] = station_id
        _insert(Deputy.__table__, deputies)
        _insert(station_deputies, links)

        codes = [dict(id=i + 1, code=new_code(), target_kind=QRKind.station, target_id=i + 1, created_dt=now)
                 for i in range(STATIONS)]
        codes += [dict(id=STATIONS + i + 1, code=new_code(), target_kind=QRKind.deputy, target_id=i + 1,
                       created_dt=now) for i in range(DEPUTIES)]
        _insert(QRCode.__table__, codes)

        # Users: bound deputies, citizens, one administrator per station.
        users = [dict(id=i, openid=f"fake-openid-deputy-{i}", phone=f"139{i:08d}", display_name="", deputy_id=i,
                      token_version=0, created_dt=now) for i in range(1, DEPUTIES + 1)]
        citizen_ids = list(range(DEPUTIES + 1, DEPUTIES + CITIZENS + 1))
        users += [dict(id=i, openid=f"fake-openid-citizen-{i}", display_name="", token_version=0, created_dt=now)
                  for i in citizen_ids]
        admin_ids = list(range(DEPUTIES + CITIZENS + 1, DEPUTIES + CITIZENS + STATIONS + 1))
        users += [dict(id=uid, username=f"station-admin-{n + 1}", display_name=f"管理员{n + 1}", token_version=0,
                       created_dt=now) for n, uid in enumerate(admin_ids)]
        _insert(User.__table__, users)
        _insert(station_admins, [dict(station_id=n + 1, user_id=uid) for n, uid in enumerate(admin_ids)])

        probe_deputy, probe_station = 1, 1
        statuses, weights = zip(*STATUS_MIX)
        deputy_quota = max(PROBE_MIN, items // DEPUTIES)
        station_quota = max(PROBE_MIN, items // STATIONS // 10)
        probes = rnd.sample(range(items), min(items, deputy_quota + station_quota))
        forced = {i: "deputy" for i in probes[:deputy_quota]} | {i: "station" for i in probes[deputy_quota:]}
        rows = []
        for n in range(items):
            kind = forced.get(n)
            status = Status.pending if kind == "station" else rnd.choices(statuses, weights)[0]
            if kind == "deputy" and status is Status.pending:
                status = Status.assigned
            deputy_id = probe_deputy if kind == "deputy" else (None if status is Status.pending else rnd.randint(1, DEPUTIES))
            if kind == "station":
                station_id = probe_station
            else:
                station_id = deputy_station[deputy_id] if deputy_id else rnd.randint(1, STATIONS)
            created = now - timedelta(minutes=(items - n) * 5)
            closed = status in (Status.closed, Status.rejected, Status.withdrawn)
            rows.append(dict(
                id=n + 1, number=f"MSB-{created:%Y%m%d}-{n + 1:06d}", citizen_id=rnd.choice(citizen_ids),
                filed_via="deputy" if deputy_id and rnd.random() < 0.6 else "station", station_id=station_id,
                deputy_id=deputy_id, region_id=station_region[station_id], category=rnd.choice(CATEGORIES),
                content=f"第 {n + 1} 条建议：小区门口的路灯坏了，晚上出行不方便，希望尽快修复。", address="",
                contact_phone="13912345678" if n % 3 == 0 else None, anonymous=n % 10 == 0, public_consent=n % 4 == 0,
                status=status, round=1, supervised=False, overdue=False, due_soon=False, screening="pass",
                held_for_review=False,
                satisfaction=Satisfaction.satisfied if status is Status.closed else None,
                reply_content="已处理。" if status in (Status.replied, Status.closed) else None,
                assigned_dt=created if deputy_id else None,
                closed_dt=created + timedelta(days=3) if closed else None,
                created_dt=created, updated_dt=created, version=1,
            ))
        _insert(Suggestion.__table__, rows)
        _reset_sequences(["regions", "stations", "deputies", "qr_codes", "users", "suggestions"])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()

        deputy_user = db.session.get(User, probe_deputy)
        admin_user = db.session.get(User, admin_ids[probe_station - 1])
        filing_citizens = [db.session.get(User, uid) for uid in citizen_ids[:50]]
        probe = {
            "deputy": {"Authorization": f"Bearer {issue_token(deputy_user)}"},
            "admin": {"Authorization": f"Bearer {issue_token(admin_user)}"},
            "citizens": [{"Authorization": f"Bearer {issue_token(u)}"} for u in filing_citizens],
            # Filing goes to deputies 2..51, so the probed deputy's inbox stays as seeded.
            "deputy_codes": [c["code"] for c in codes[STATIONS + 1:STATIONS + 51]],
            "total": db.session.scalar(select(func.count()).select_from(Suggestion)),
        }
        db.session.remove()
    return probe


# --- measuring -------------------------------------------------------------------------------------


class Meter:
    """One measured request kind. Its samples are taken in turn with the other kinds', so a machine
    that gets busier or quieter during the run shifts every figure alike and the ratios hold."""

    def __init__(self, call, check):
        self.call, self.check = call, check
        self.latencies = []
        self.calls = 0

    def _one(self):
        self.calls += 1
        t0 = time.perf_counter()
        response = self.call(self.calls)
        latency = time.perf_counter() - t0
        self.check(response)
        return latency

    def warm_up(self, count):
        for _ in range(count):
            self._one()

    def run(self, count):
        self.latencies.extend(self._one() for _ in range(count))

    @property
    def rps(self):
        return len(self.latencies) / sum(self.latencies)

    @property
    def median_ms(self):
        return statistics.median(self.latencies) * 1000


def expect(status, full_page=False):
    def check(response):
        if response.status_code != status:
            raise SystemExit(f"unexpected answer {response.status_code}: {response.get_data(as_text=True)[:300]}")
        if full_page and len(response.json["items"]) != 20:
            raise SystemExit(f"expected a full page, got {len(response.json['items'])} items")

    return check


def bare_meter():
    client = bare_app.test_client()
    return Meter(lambda i: client.get("/ping"), expect(200))


INBOX = "/api/v1/suggestions?scope=assigned&per_page=20"
QUEUE = "/api/v1/suggestions?scope=station&status=pending&per_page=20"
INBOX_DUE = INBOX + "&sort=due"


def list_meters(app, probe):
    client = app.test_client()
    inbox = Meter(lambda i: client.get(INBOX, headers=probe["deputy"]), expect(200, full_page=True))
    queue = Meter(lambda i: client.get(QUEUE, headers=probe["admin"]), expect(200, full_page=True))
    inbox_due = Meter(lambda i: client.get(INBOX_DUE, headers=probe["deputy"]), expect(200, full_page=True))
    return inbox, queue, inbox_due


def filing_meter(app, probe):
    client = app.test_client()
    citizens, codes = probe["citizens"], probe["deputy_codes"]

    def file(i):
        body = {"qr_code": codes[i % len(codes)], "category": "城市管理", "content": f"压测建议 {i}：路口红绿灯时间太短。"}
        return client.post("/api/v1/suggestions", json=body, headers=citizens[i % len(citizens)])

    return Meter(file, expect(201))


def screening_rate(app):
    """Items per second the sweep screens: filing leaves each item's text for it (msgSecCheck over HTTP
    to the stand-in, and the verdict written), so this is the work a filing defers, in one process."""
    with app.app_context():
        t0 = time.perf_counter()
        screened = screen_pending()
        elapsed = time.perf_counter() - t0
        db.session.remove()
    return screened / elapsed if screened else None


# --- report ----------------------------------------------------------------------------------------


def verdict(ok):
    return "PASS" if ok else "FAIL"


def served_figures(database_url, standin_url, tmpdir, probe, rounds, seconds):
    """Requests/s of filing, inbox, queue and the app's floor, each served by gunicorn, loaded by wrk
    and taken beside the bare app's (``served.bracketed``); returns ({kind: Bracketed}, [bare Load])."""
    env = {"DATABASE_URL": database_url, "SECRET_KEY": "bench-secret", "WECHAT_MODE": "fake",
           "WECHAT_API_BASE": standin_url, "UPLOAD_DIR": tmpdir}
    citizens, codes = probe["citizens"], probe["deputy_codes"]
    filings = [
        {"method": "POST", "path": "/api/v1/suggestions",
         "headers": citizens[i % len(citizens)] | {"Content-Type": "application/json"},
         "body": json.dumps({"qr_code": codes[i % len(codes)], "category": "城市管理",
                             "content": f"压测建议 {i}：路口红绿灯时间太短。"}, ensure_ascii=False)}
        for i in range(500)
    ]
    bare = Served("bare_app:app", chdir=os.path.dirname(os.path.abspath(__file__)), ready_path="/ping", log_dir=tmpdir)
    app = Served("backend:create_app()", env=env, ready_path="/api/v1/health", log_dir=tmpdir)
    kinds = {
        "filing": (app, lua_requests(filings)),
        "inbox": (app, lua_requests([{"method": "GET", "path": INBOX, "headers": probe["deputy"]}])),
        "queue": (app, lua_requests([{"method": "GET", "path": QUEUE, "headers": probe["admin"]}])),
        "inbox_due": (app, lua_requests([{"method": "GET", "path": INBOX_DUE, "headers": probe["deputy"]}])),
        # The app's floors through the same stack: its cheapest endpoint (no auth, one SELECT 1), and
        # the cheapest signed-in one (the token checked, the caller read, their profile shown).
        "health": (app, lua_requests([{"method": "GET", "path": "/api/v1/health"}])),
        "me": (app, lua_requests([{"method": "GET", "path": "/api/v1/me", "headers": probe["deputy"]}])),
    }
    ping = (bare, lua_requests([{"method": "GET", "path": "/ping"}]))
    try:
        for served, script in (ping, *kinds.values()):  # warm-up: imports, connection pools, caches
            wrk_rps(served, script, seconds=1)
        return bracketed(ping, kinds, rounds, seconds, report=lambda line: print(line, flush=True))
    finally:
        bare.stop()
        app.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL to use (its public schema is dropped!); default: SQLite temp files")
    parser.add_argument("--items", type=int, default=100_000, help="suggestions in the large database (default 100000)")
    parser.add_argument("--requests", type=int, default=500, help="in-process: measured requests per list figure (default 500)")
    parser.add_argument("--filings", type=int, default=300, help="in-process: measured filings (default 300)")
    parser.add_argument("--rounds", type=int, default=5, help="served: rounds of wrk runs (default 5)")
    parser.add_argument("--seconds", type=int, default=2, help="served: seconds per wrk run (default 2)")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    standin = serve_standin()
    standin_url = standin.url
    tmpdir = tempfile.mkdtemp(prefix="msb-bench-")
    engine_name = "PostgreSQL" if args.database_url else "SQLite"
    apps = []
    served = None
    try:
        t0 = time.perf_counter()
        large_url = fresh_database(args.database_url, tmpdir, "large")
        large_app = build_app(large_url, standin_url, tmpdir)
        apps.append(large_app)
        large = seed(large_app, args.items)
        print(f"[setup] {engine_name}: {large['total']:,} suggestions seeded in {time.perf_counter() - t0:.1f} s",
              flush=True)
        small_app = build_app(fresh_database(args.database_url, tmpdir, "small"), standin_url, tmpdir)
        apps.append(small_app)
        small = seed(small_app, SMALL_ITEMS)

        bare = bare_meter()
        inbox, queue, inbox_due = list_meters(large_app, large)
        small_inbox, small_queue, small_inbox_due = list_meters(small_app, small)
        filing = filing_meter(large_app, large)
        meters = [bare, inbox, queue, inbox_due, small_inbox, small_queue, small_inbox_due]
        for meter in meters:
            meter.warm_up(max(10, args.requests // 10))
        # One request of each kind per step, in turn, so that all figures see the same machine: on a
        # shared one the load can change within seconds.
        for step in range(args.requests):
            for meter in meters if step % 2 else reversed(meters):
                meter.run(1)
            if (step + 1) % 100 == 0:
                print(f"[in-process] lists {step + 1}/{args.requests}", flush=True)
        # Filings on their own, beside the bare endpoint: they write to the large database only, and
        # (d) compares the two databases as they were seeded.
        filing.warm_up(max(10, args.filings // 10))
        for _ in range(args.filings):
            filing.run(1)
            bare.run(1)
        screening = screening_rate(large_app)
        for app in apps:  # the served app opens its own connections to the same database
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        if wrk_available():
            served, served_bare = served_figures(large_url, standin_url, tmpdir, large, args.rounds, args.seconds)
        else:
            print("[served] skipped: wrk is not installed (Debian: apt-get install wrk)", flush=True)
    finally:
        for app in apps:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        drop_small_schema(args.database_url)
        standin.stop()
        shutil.rmtree(tmpdir, ignore_errors=True)

    bare_cpu = served_cpu_ms(served_bare) if served is not None else None

    def row(part, name, meter, kind, target):
        cpu, cpu_ratio = "", ""
        if served is None:
            rps, ratio, result = "-", "-", ("" if target is None else "NOT MEASURED")
        elif kind == "bare":
            rps, ratio, result = f"{statistics.median(load.rps for load in served_bare):.0f}", "", ""
            cpu = f"{bare_cpu:.3f}" if bare_cpu else ""
        else:
            rps, ratio = f"{served[kind].rps:.0f}", f"{served[kind].ratio:.3f}"
            result = "" if target is None else verdict(served[kind].ratio >= target)
            if bare_cpu and served[kind].cpu_ms:
                cpu, cpu_ratio = f"{served[kind].cpu_ms:.3f}", f"{bare_cpu / served[kind].cpu_ms:.3f}"
        target_text = "baseline" if kind == "bare" else "" if target is None else f">= {target:.2f}"
        in_process = (f"{meter.rps:9.0f} {meter.median_ms:10.2f} {meter.rps / bare.rps:8.3f}"
                      if meter is not None else "")
        return f"{part:2} {name:34} {rps:>9} {ratio:>8} {target_text:>9}  {result:7}{cpu:>8} {cpu_ratio:>7}  {in_process}"

    def growth_row(name, large_meter, small_meter):
        growth = large_meter.median_ms / small_meter.median_ms
        return (f"d  {name:34} {'':>9} {growth:8.2f} {'<= ' + format(TARGET_GROWTH, '.1f'):>9}  "
                f"{verdict(growth <= TARGET_GROWTH):7}{'':17}{small_meter.rps:9.0f} {small_meter.median_ms:10.2f}")

    workers, threads = os.environ.get("WEB_CONCURRENCY", "2"), os.environ.get("GUNICORN_THREADS", "4")
    print()
    print(f"码上办 suggestions benchmark — {engine_name}, {large['total']:,} items (large) vs {small['total']:,} (small)")
    print(f"served: gunicorn {workers} workers × {threads} threads (deploy/gunicorn.conf.py), wrk with "
          f"{CONNECTIONS} connections, {args.rounds} rounds of {args.seconds} s runs, each beside two of the bare app; "
          "in-process: app.test_client(), one thread")
    print(f"{'':2} {'':34} {'------------------ served (targets) ------------------':>58}  "
          f"{'------- in-process -------':>28}")
    print(f"{'':2} {'measurement':34} {'req/s':>9} {'ratio':>8} {'target':>9}  {'result':7}{'cpu ms':>8} {'ratio':>7}  "
          f"{'req/s':>9} {'median ms':>10} {'ratio':>8}")
    print("-" * 128)
    print(row("a", "bare Flask JSON endpoint", bare, "bare", None))
    print(row("b", "file via deputy code (POST)", filing, "filing", TARGET_FILING))
    print(row("c", "deputy inbox (scope=assigned)", inbox, "inbox", TARGET_LIST))
    print(row("c", "deputy inbox (assigned, sort=due)", inbox_due, "inbox_due", TARGET_LIST))
    print(row("c", "station queue (station, pending)", queue, "queue", TARGET_LIST))
    print(row("", "(reference) GET /api/v1/health", None, "health", None))
    print(row("", "(reference) GET /api/v1/me, signed in", None, "me", None))
    if screening:
        print(f"{'':2} {'(deferred) sweep screens filed text':34} {screening:9.0f} items/s, in-process, one thread "
              "(msgSecCheck over HTTP, verdict written)")
    print(growth_row(f"deputy inbox @ {small['total']:,} items", inbox, small_inbox))
    print(growth_row(f"deputy inbox sort=due @ {small['total']:,} items", inbox_due, small_inbox_due))
    print(growth_row(f"station queue @ {small['total']:,} items", queue, small_queue))
    print("-" * 128)
    print("ratio: (b), (c) requests/s relative to (a) — served: the median over rounds of each run's requests/s over "
          "the mean of the bare runs just before and after it; cpu ms: the server's CPU time per request (median "
          "run), and the bare app's over it; (d) median in-process latency at the large size / at the small size.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
