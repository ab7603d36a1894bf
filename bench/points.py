"""履职积分 benchmark: the leaderboard and a deputy's rank at 2,000,000 ledger rows, and check-in throughput.

    .venv/bin/python bench/points.py [--database-url postgresql://postgres@127.0.0.1:5432/bench_points]
    .venv/bin/python bench/points.py --database-url sqlite:////tmp/bench_points.sqlite

Builds two fresh databases with the real migrations (PostgreSQL by default; the large one at the
given URL, the small one in a sibling database named ``<name>_small``, both created when missing and
their ``public`` schema dropped and recreated; for SQLite, the file and ``<file>-small``):

* large: a region tree (a province, 14 cities, 112 counties, 1,120 townships), 100,000 deputies spread
  over regions, the five levels and 120 deputy groups, 2,000,000 ledger rows (``point_entries``, this
  year and last) and the running totals (``deputy_scores``) that match them, all bulk-loaded in SQL
  (``INSERT … SELECT`` over ``generate_series``; a recursive CTE on SQLite), then ANALYZE;
* small: the same tree, 1,000 deputies and 10,000 ledger rows (enough for a full top 50 in a city).

Then it measures in-process through ``app.test_client()``, single-threaded, after a warm-up, taking
the large and the small database in alternating blocks so that a busy machine affects both alike:

a. ``GET /api/v1/leaderboard?region_id=<a city>&limit=50`` and the same for the province (root); and the
   selective filters, whose few deputies the board reads by key (``points.queries.FEW_DEPUTIES``): a
   county, a township, ``level=national`` (1 %), one 代表小组, and ``level=provincial`` (4 %: more than
   FEW_DEPUTIES at the default size, so the board walks the totals as for a city);
b. ``GET /api/v1/deputies/<id>/points`` as that deputy — total, rank and the year's entries — for a
   deputy ranked in the middle of the field with the same number of entries in both databases;
c. ``POST /api/v1/checkins`` with a station's code: deputies (bound WeChat users) each checking in
   once to their activity at one of 50 stations, beside a bare Flask JSON endpoint (``POST`` with the
   same JSON body). The target figure is *served*: both apps under gunicorn with the production
   settings (``deploy/gunicorn.conf.py``), loaded by wrk with keep-alive connections, every run of
   check-ins between two runs of the bare app, every scan a first check-in (``--checkins`` deputies in all: 2,000 for the in-process
   figures, the rest split over the served rounds). In-process figures are printed beside it.

For reference, without a target, the township, national and group boards read as before (the walk's three
statements, ``FEW_DEPUTIES`` -1; 5 requests each), and a page of the year's 履职评价 (``GET /api/v1/evaluations``) for the city
and for the province on the large database: grading covers every deputy of the region, so it grows with it.

It prints one table with the figures, their targets and PASS/FAIL, and always exits 0.
``--explain`` also prints EXPLAIN ANALYZE of the SQL behind (a) and (b) on the large database.
"""
import argparse
import json
import logging
import os
import statistics
import sys
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, event, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from backend import create_app  # noqa: E402
from backend.auth.tokens import issue_token  # noqa: E402
from backend.auth.models import User  # noqa: E402
from backend.config import normalise_database_url  # noqa: E402
from backend.db_types import utcnow  # noqa: E402
from backend.extensions import db  # noqa: E402
from backend.org.models import Region, Station  # noqa: E402
from backend.points import queries as points_queries  # noqa: E402
from backend.points.queries import current_year  # noqa: E402
from backend.qr.models import QRCode, QRKind  # noqa: E402
from backend.qr.services import new_code  # noqa: E402
from bare_app import app as bare_app  # noqa: E402
from served import (  # noqa: E402
    CONNECTIONS, Served, bracketed, lua_requests, serve_standin, served_cpu_ms, wrk_available, wrk_rps,
)

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_points"
CITIES, COUNTIES_PER_CITY, TOWNSHIPS_PER_COUNTY = 14, 8, 10
GROUPS = 120
SELECTIVE_GROUP = "第1代表小组"
CHECKIN_STATIONS = 50
IN_PROCESS_CHECKINS = 2_000  # the rest of --checkins are for the served figure, each deputy once
PROBE_ENTRIES = 10  # the probed deputy has this many ledger rows this year, in both databases
STATION_LAT, STATION_LNG = 27.5601, 109.9985

# What the ledger rows are: (rule code, points, source type, share in percent). Default rulebook values.
RULE_MIX = [
    ("reception", 5, "activity", 30), ("inspection", 3, "activity", 10), ("research", 3, "activity", 8),
    ("training", 2, "activity", 15), ("group", 2, "activity", 10), ("meeting", 3, "activity", 5),
    ("volunteer", 10, "activity", 4), ("absence", -1, "activity", 3),
    ("suggestion_closed", 3, "suggestion", 11), ("suggestion_satisfied", 1, "suggestion", 3),
    ("suggestion_overdue", -1, "suggestion", 1),
]
assert sum(share for *_, share in RULE_MIX) == 100

TARGET_GROWTH = 3.0
TARGET_CHECKIN = 0.25


# --- databases -------------------------------------------------------------------------------------


def small_url(url):
    """The sibling database for the small figures."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(database=parsed.database + "-small").render_as_string(hide_password=False)
    return parsed.set(database=parsed.database + "_small").render_as_string(hide_password=False)


def fresh_database(url):
    """An empty database at ``url``: a new SQLite file, or the PostgreSQL database (created when
    missing) with its public schema dropped and recreated."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(parsed.database + suffix):
                os.remove(parsed.database + suffix)
        return url
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}):
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    server.dispose()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def build_app(database_url, standin_url):
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WECHAT_MODE": "fake",
        "WECHAT_API_BASE": standin_url,
        "SECRET_KEY": "bench-secret",
    })
    with app.app_context():
        upgrade()
    # Alembic's fileConfig() disables every logger that existed before it; server errors should show.
    for logger in logging.Logger.manager.loggerDict.values():
        if isinstance(logger, logging.Logger) and logger.name.startswith("backend"):
            logger.disabled = False
    logging.getLogger("backend").setLevel(logging.WARNING)
    return app


# --- seeding ---------------------------------------------------------------------------------------


def region_tree(now):
    """Rows for 湖南省 → 14 cities → 8 counties each → 10 townships each; ids are contiguous per level."""
    rows = [dict(id=1, parent_id=None, name="湖南省", level="province", path="/1/", created_dt=now)]
    cities = list(range(2, 2 + CITIES))
    counties, townships = [], []
    for c, city_id in enumerate(cities):
        rows.append(dict(id=city_id, parent_id=1, name=f"第{c + 1}市", level="city", path=f"/1/{city_id}/",
                         created_dt=now))
    next_id = 2 + CITIES
    for city_id in cities:
        for k in range(COUNTIES_PER_CITY):
            rows.append(dict(id=next_id, parent_id=city_id, name=f"{city_id}市第{k + 1}区", level="county",
                             path=f"/1/{city_id}/{next_id}/", created_dt=now))
            counties.append(next_id)
            next_id += 1
    for county_id in counties:
        county_path = rows[county_id - 1]["path"]
        for t in range(TOWNSHIPS_PER_COUNTY):
            rows.append(dict(id=next_id, parent_id=county_id, name=f"{county_id}区第{t + 1}镇", level="township",
                             path=f"{county_path}{next_id}/", created_dt=now))
            townships.append(next_id)
            next_id += 1
    return rows, cities, counties, townships


def series(dialect, count):
    """``FROM`` clause yielding n = 1..count, with h a well-mixed non-negative hash of n."""
    if dialect == "postgresql":
        return f"(SELECT n, (n::bigint * 2654435761) % 4294967296 AS h FROM generate_series(1, {count}) AS n) AS s"
    return (f"(WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {count}) "
            f"SELECT n, (n * 2654435761) % 4294967296 AS h FROM seq) AS s")


def bucket_case(expr, choices):
    """CASE picking ``choices[i][0]`` for ``expr`` (0..99) by cumulative shares ``choices[i][1]``."""
    parts, bound = [], 0
    for value, share in choices[:-1]:
        bound += share
        parts.append(f"WHEN {expr} < {bound} THEN {value}")
    return f"CASE {' '.join(parts)} ELSE {choices[-1][0]} END"


def load_deputies(dialect, count, cities, counties, townships, now_sql):
    """Deputies 1..count: 1 % national, 4 % provincial, 15 % city, 30 % county, 50 % township level,
    each in a region of their level; 2 % have left office."""
    level_expr = "(h / 3) % 100"
    level = bucket_case(level_expr, [("'national'", 1), ("'provincial'", 4), ("'city'", 15), ("'county'", 30),
                                     ("'township'", 50)])
    city = f"({cities[0]} + (h / 11) % {len(cities)})"
    county = f"({counties[0]} + (h / 11) % {len(counties)})"
    township = f"({townships[0]} + (h / 11) % {len(townships)})"
    region = bucket_case(level_expr, [("1", 1), (city, 4), (city, 15), (county, 30), (township, 50)])
    db.session.execute(text(f"""
        INSERT INTO deputies (id, name, level, region_id, term, group_name, phone, active, bio, created_dt, updated_dt)
        SELECT n, '代表' || n, {level}, {region}, 14, '第' || ((h / 7) % {GROUPS} + 1) || '代表小组', NULL,
               n % 50 <> 0, '', {now_sql}, {now_sql}
        FROM {series(dialect, count)}
    """))


def load_ledger(dialect, rows, deputies, year):
    """``rows`` ledger rows over deputies 1..deputies, 70 % this year, 30 % last year, each with its own
    source so the unique constraint holds; then the running totals computed from them."""
    rule = bucket_case("(h / 97) % 100", [(f"'{code}'", share) for code, _, _, share in RULE_MIX])
    points = bucket_case("(h / 97) % 100", [(str(p), share) for _, p, _, share in RULE_MIX])
    source = bucket_case("(h / 97) % 100", [(f"'{s}'", share) for _, _, s, share in RULE_MIX])
    row_year = f"CASE WHEN (h / 7) % 10 < 7 THEN {year} ELSE {year - 1} END"
    if dialect == "postgresql":
        created = ("make_timestamptz(y, 1, 1, 0, 0, 0, 'Asia/Shanghai') + ((h / 13) % 300) * INTERVAL '1 day' "
                   "+ (n % 86400) * INTERVAL '1 second'")
    else:
        created = ("datetime(printf('%04d-01-01 00:00:00', y), '-8 hours', '+' || ((h / 13) % 300) || ' days', "
                   "'+' || (n % 86400) || ' seconds')")
    db.session.execute(text(f"""
        INSERT INTO point_entries (id, deputy_id, year, points, rule_code, reason, source_type, source_id, created_dt)
        SELECT n, 1 + h % {deputies}, y, {points}, {rule}, '', {source}, n, {created}
        FROM (SELECT n, h, {row_year} AS y FROM {series(dialect, rows)}) AS t
    """))
    db.session.execute(text("""
        INSERT INTO deputy_scores (deputy_id, year, total, reached_dt, in_office)
        SELECT e.deputy_id, e.year, SUM(e.points), MAX(e.created_dt), d.active
        FROM point_entries e JOIN deputies d ON d.id = e.deputy_id GROUP BY e.deputy_id, e.year, d.active
    """))


def _reset_sequences(tables):
    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
        ))


def seed(app, deputies, entries, checkins):
    """Everything the figures need. Returns the probes: ids, headers and check-in requests."""
    year = current_year()
    now = utcnow()
    with app.app_context():
        dialect = db.engine.dialect.name
        now_sql = "now()" if dialect == "postgresql" else "strftime('%Y-%m-%d %H:%M:%f', 'now')"
        regions, cities, counties, townships = region_tree(now)
        db.session.execute(insert(Region.__table__), regions)
        t0 = time.perf_counter()
        load_deputies(dialect, deputies, cities, counties, townships, now_sql)
        t1 = time.perf_counter()
        load_ledger(dialect, entries, deputies, year)
        t2 = time.perf_counter()

        # The administrator (super admin: the root region's) and the probed deputy's user.
        admin_id = 1
        db.session.execute(insert(User.__table__), [dict(id=admin_id, username="bench-admin", display_name="管理员",
                                                         admin_region_id=1, token_version=0, created_dt=now)])
        probe = db.session.execute(text(f"""
            SELECT s.deputy_id FROM deputy_scores s JOIN deputies d ON d.id = s.deputy_id
            WHERE s.year = {year} AND d.active AND d.id > {checkins}
              AND (SELECT count(*) FROM point_entries e WHERE e.deputy_id = s.deputy_id AND e.year = {year})
                  = {PROBE_ENTRIES}
            ORDER BY abs(s.total - (SELECT total FROM deputy_scores WHERE year = {year}
                                    ORDER BY total DESC LIMIT 1 OFFSET {deputies // 2})), s.deputy_id
            LIMIT 1
        """)).scalar_one()
        users = [dict(id=2, openid="fake-openid-probe", display_name="", deputy_id=probe, token_version=0,
                      created_dt=now)]

        # Check-in: one activity now at each of 50 stations, ``checkins`` invited deputies in all, bound in WeChat.
        per_station = checkins // CHECKIN_STATIONS
        stations = CHECKIN_STATIONS if per_station else 0
        if stations:
            db.session.execute(insert(Station.__table__), [
                dict(id=s, name=f"联络站{s}", kind="center", region_id=counties[s % len(counties)], address="人民路",
                     lat=STATION_LAT, lng=STATION_LNG, open_hours="", description="", created_dt=now)
                for s in range(1, stations + 1)
            ])
            codes = {s: new_code() for s in range(1, stations + 1)}
            db.session.execute(insert(QRCode.__table__), [
                dict(id=s, code=codes[s], target_kind=QRKind.station, target_id=s, created_dt=now)
                for s in codes
            ])
            db.session.execute(text("""
                INSERT INTO activities (id, title, type, status, station_id, region_id, place, lat, lng, starts_dt,
                                        ends_dt, points, description, created_by_id, created_dt, version)
                VALUES (:id, :title, 'reception', 'published', :id, :region, '人民路', :lat, :lng, :starts, :ends,
                        NULL, '', 1, :now, 1)
            """), [dict(id=s, title=f"联络站{s}进站接待", region=counties[s % len(counties)], lat=STATION_LAT,
                        lng=STATION_LNG, starts=now - timedelta(minutes=10), ends=now + timedelta(hours=4), now=now)
                   for s in codes])
            checkers = list(range(1, stations * per_station + 1))
            db.session.execute(text("""
                INSERT INTO activity_participants (activity_id, deputy_id, status, decline_reason)
                VALUES (:a, :d, 'accepted', '')
            """), [dict(a=(d - 1) // per_station + 1, d=d) for d in checkers])
            db.session.execute(text("UPDATE deputies SET active = true WHERE id <= :n"), {"n": len(checkers)})
            users += [dict(id=100 + d, openid=f"fake-openid-deputy-{d}", display_name="", deputy_id=d,
                           token_version=0, created_dt=now) for d in checkers]
        db.session.execute(insert(User.__table__), users)
        _reset_sequences(["regions", "deputies", "point_entries", "users", "stations", "qr_codes", "activities"])
        db.session.commit()
        t3 = time.perf_counter()
        if dialect == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        t4 = time.perf_counter()

        counts = db.session.execute(text(
            f"SELECT (SELECT count(*) FROM deputies), (SELECT count(*) FROM point_entries), "
            f"(SELECT count(*) FROM deputy_scores), (SELECT count(*) FROM deputy_scores WHERE year = {year}), "
            f"(SELECT count(*) FROM deputies d JOIN regions r ON r.id = d.region_id "
            f" WHERE r.path LIKE '/1/{cities[0]}/%' AND d.active)"
        )).one()
        tokens = {u.id: issue_token(u) for u in db.session.query(User).filter(User.id.in_([1, 2]))}
        checkin_requests = []
        if stations:
            for user in db.session.query(User).filter(User.id > 100).order_by(User.id):
                station = (user.deputy_id - 1) // per_station + 1
                checkin_requests.append((
                    {"Authorization": f"Bearer {issue_token(user)}"},
                    {"qr_code": codes[station], "lat": STATION_LAT + 0.001, "lng": STATION_LNG},
                ))
            # Shuffle deterministically so that consecutive scans hit different stations.
            checkin_requests = checkin_requests[::7] + [r for i, r in enumerate(checkin_requests) if i % 7]
        db.session.remove()
    return {
        "year": year,
        "city": cities[0],
        "county": counties[0],
        "township": townships[0],
        "probe": probe,
        "admin": {"Authorization": f"Bearer {tokens[1]}"},
        "deputy": {"Authorization": f"Bearer {tokens[2]}"},
        "checkins": checkin_requests,
        "counts": dict(deputies=counts[0], entries=counts[1], scores=counts[2], scores_this_year=counts[3],
                       city_deputies=counts[4]),
        "timings": dict(deputies=t1 - t0, ledger=t2 - t1, rest=t3 - t2, analyze=t4 - t3),
    }


# --- measuring -------------------------------------------------------------------------------------


def expect(status, rows=None):
    def check(response):
        if response.status_code != status:
            raise SystemExit(f"unexpected answer {response.status_code}: {response.get_data(as_text=True)[:300]}")
        if rows is not None and len(response.json) != rows:
            raise SystemExit(f"expected {rows} leaderboard rows, got {len(response.json)}")

    return check


def timed(call, count, check, start=0):
    """Latencies (s) of ``count`` calls and the elapsed wall time."""
    latencies = []
    started = time.perf_counter()
    for i in range(start, start + count):
        t0 = time.perf_counter()
        response = call(i)
        latencies.append(time.perf_counter() - t0)
        check(response)
    return latencies, time.perf_counter() - started


def query_calls(app, info):
    client = app.test_client()
    city = f"/api/v1/leaderboard?region_id={info['city']}&limit=50"
    root = "/api/v1/leaderboard?region_id=1&limit=50"
    points = f"/api/v1/deputies/{info['probe']}/points"

    def check_points(response):
        expect(200)(response)
        body = response.json
        if body["rank"] is None or len(body["entries"]) != PROBE_ENTRIES:
            raise SystemExit(f"unexpected points answer: {str(body)[:300]}")

    selective = {
        "county": f"/api/v1/leaderboard?region_id={info['county']}&limit=50",
        "township": f"/api/v1/leaderboard?region_id={info['township']}&limit=50",
        "national": "/api/v1/leaderboard?level=national&limit=50",
        "group": f"/api/v1/leaderboard?group={SELECTIVE_GROUP}&limit=50",
        "provincial": "/api/v1/leaderboard?level=provincial&limit=50",
    }
    return {
        "city": (lambda i: client.get(city), expect(200, 50)),
        "root": (lambda i: client.get(root), expect(200, 50)),
        **{name: (lambda i, path=path: client.get(path), expect(200)) for name, path in selective.items()},
        "points": (lambda i: client.get(points, headers=info["deputy"]), check_points),
        "points_admin": (lambda i: client.get(points, headers=info["admin"]), check_points),
    }


def measure_queries(large_app, large, small_app, small, requests, blocks):
    """Median ms per query and size, measured in alternating blocks after a warm-up."""
    calls = {"large": query_calls(large_app, large), "small": query_calls(small_app, small)}
    samples = {(size, name): [] for size in calls for name in calls[size]}
    for size in calls:
        for name, (call, check) in calls[size].items():
            timed(call, max(10, requests // 10), check)
    per_block = max(1, requests // blocks)
    for _ in range(blocks):
        for size in calls:
            for name, (call, check) in calls[size].items():
                samples[(size, name)] += timed(call, per_block, check)[0]
    return {key: statistics.median(values) * 1000 for key, values in samples.items()}


WALKED = ("township", "national", "group")


def measure_walks(app, info, requests=5):
    """Median ms of the selective boards (``WALKED``) on the large database read as before they were read
    from their deputies: the walk's three statements (FEW_DEPUTIES -1), as the planner chooses to run them
    (with this version's indexes). A reference, ``requests`` each: on data where the planner walks the
    year's totals (bench/README.md), each costs hundreds of ms."""
    calls = query_calls(app, info)
    kept, points_queries.FEW_DEPUTIES = points_queries.FEW_DEPUTIES, -1
    try:
        medians = {}
        for name in WALKED:
            call, check = calls[name]
            timed(call, 1, check)
            medians[name] = statistics.median(timed(call, requests, check)[0]) * 1000
    finally:
        points_queries.FEW_DEPUTIES = kept
    return medians


def measure_evaluations(app, info, requests=5):
    """Median ms of a page of the year's 履职评价 (``GET /api/v1/evaluations``, 50 a page) for a city and
    for the province, as the super administrator. A reference without a target: grading is over every
    deputy in office in the region (those without points at 0), so it grows with the region, unlike the
    leaderboard's top 50."""
    client = app.test_client()
    calls = {"city": f"/api/v1/evaluations?region_id={info['city']}&per_page=50",
             "province": "/api/v1/evaluations?per_page=50"}
    medians = {}
    for name, path in calls.items():
        timed(lambda i: client.get(path, headers=info["admin"]), 1, expect(200))
        latencies = timed(lambda i: client.get(path, headers=info["admin"]), requests, expect(200))[0]
        medians[name] = statistics.median(latencies) * 1000
    return medians


def measure_checkins(app, info, bare, blocks=4):
    """Check-ins (each deputy once, all answered 201), the bare endpoint and, for reference, the app's
    cheapest endpoint (``GET /api/v1/health``: no auth, one ``SELECT 1``), in alternating blocks.

    Returns ``{name: (requests/s, median ms)}``.
    """
    client, bare_client = app.test_client(), bare.test_client()
    requests = info["checkins"][:IN_PROCESS_CHECKINS]
    calls = {
        "checkin": (lambda i: client.post("/api/v1/checkins", json=requests[i][1], headers=requests[i][0]),
                    expect(201), 1),
        "bare": (lambda i: bare_client.post("/echo", json=requests[i % len(requests)][1],
                                            headers=requests[i % len(requests)][0]), expect(200), 4),
        "health": (lambda i: client.get("/api/v1/health"), expect(200), 1),
    }
    warmup = len(requests) // 10
    per_block = (len(requests) - warmup) // blocks
    done = {name: 0 for name in calls}
    latencies = {name: [] for name in calls}
    elapsed = {name: 0.0 for name in calls}
    for name, (call, check, weight) in calls.items():
        timed(call, warmup * weight, check)
        done[name] += warmup * weight
    for _ in range(blocks):
        for name, (call, check, weight) in calls.items():
            lat, seconds = timed(call, per_block * weight, check, start=done[name])
            latencies[name] += lat
            elapsed[name] += seconds
            done[name] += per_block * weight
    return {name: (len(latencies[name]) / elapsed[name], statistics.median(latencies[name]) * 1000) for name in calls}


def served_checkins(database_url, standin_url, info, rounds, seconds):
    """Check-ins and the app's floor, served by gunicorn and loaded by wrk, each run beside the bare
    app's ``POST /echo`` (``served.bracketed``).

    Each round gets its own deputies (every scan is a first check-in, answered 201), so ``--checkins``
    must leave enough for the rounds; a round that ran out would repeat scans, which are cheaper.
    The floor is ``GET /api/v1/health`` (no auth, one ``SELECT 1``) through the same stack.
    Returns ({"checkin": Bracketed, "health": Bracketed}, [bare Load per run]).
    """
    requests = info["checkins"][IN_PROCESS_CHECKINS:]
    warmup, per_round = 200, (len(requests) - 200) // rounds
    if per_round < 100:
        raise SystemExit(f"--checkins leaves {len(requests)} deputies for the served figure; raise it")

    def scans(batch):
        return lua_requests([{"method": "POST", "path": "/api/v1/checkins", "body": json.dumps(body),
                              "headers": headers | {"Content-Type": "application/json"}} for headers, body in batch])

    def batch(n):
        return requests[warmup + n * per_round:warmup + (n + 1) * per_round]

    echo = lua_requests([{"method": "POST", "path": "/echo", "body": json.dumps(body),
                          "headers": headers | {"Content-Type": "application/json"}} for headers, body in requests[:500]])
    env = {"DATABASE_URL": database_url, "SECRET_KEY": "bench-secret", "WECHAT_MODE": "fake",
           "WECHAT_API_BASE": standin_url}
    bare = Served("bare_app:app", chdir=os.path.dirname(os.path.abspath(__file__)), ready_path="/ping")
    app = Served("backend:create_app()", env=env, ready_path="/api/v1/health")
    kinds = {
        "checkin": (app, lambda n: scans(batch(n))),
        "health": (app, lua_requests([{"method": "GET", "path": "/api/v1/health"}])),
    }
    try:
        wrk_rps(bare, echo, seconds=1)
        wrk_rps(app, scans(requests[:warmup]), seconds=1)
        results, bare_loads = bracketed((bare, echo), kinds, rounds, seconds,
                                        report=lambda line: print(line, flush=True))
    finally:
        bare.stop()
        app.stop()
    for n, load in enumerate(results["checkin"].loads):
        if load.requests > len(batch(n)):
            raise SystemExit(f"round {n + 1} sent {load.requests} scans for {len(batch(n))} deputies: "
                             "raise --checkins or lower --seconds")
    return results, bare_loads


def clipped(line, width=400):
    """A line of the plans cut at ``width`` characters (a board's few deputies are an IN list of ids)."""
    return line if len(line) <= width else line[:width] + " …"


def explain(app, info):
    """EXPLAIN ANALYZE of the SQL a leaderboard and a points request send about scores."""
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if ("deputy_scores" in statement or "count(*)" in statement) and not statement.lstrip().upper().startswith("EXPLAIN"):
            statements.append((statement, parameters))

    client = app.test_client()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        client.get(f"/api/v1/leaderboard?region_id={info['city']}&limit=50")
        client.get("/api/v1/leaderboard?region_id=1&limit=50")
        client.get(f"/api/v1/leaderboard?region_id={info['township']}&limit=50")
        client.get("/api/v1/leaderboard?level=national&limit=50")
        client.get(f"/api/v1/leaderboard?group={SELECTIVE_GROUP}&limit=50")
        client.get(f"/api/v1/deputies/{info['probe']}/points", headers=info["deputy"])
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    raw = engine.raw_connection()
    try:
        for statement, parameters in statements:
            cursor = raw.cursor()
            cursor.execute(prefix + statement, parameters)
            print("\n" + clipped(" ".join(statement.split())))
            print(clipped(f"  parameters: {parameters}"))
            for row in cursor.fetchall():
                print(clipped("  " + " | ".join(str(c) for c in row)))
            cursor.close()
        raw.rollback()
    finally:
        raw.close()


# --- report ----------------------------------------------------------------------------------------


def verdict(ok):
    return "PASS" if ok else "FAIL"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL,
                        help=f"large database (its public schema is dropped!); default {DEFAULT_URL}; "
                             "the small one is <name>_small beside it (or <file>-small for SQLite)")
    parser.add_argument("--deputies", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=2_000_000)
    parser.add_argument("--small-deputies", type=int, default=1_000)
    parser.add_argument("--small-entries", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300, help="measured requests per query figure (default 300)")
    parser.add_argument("--checkins", type=int, default=20_000,
                        help=f"deputies checking in, each once (default %(default)s at {CHECKIN_STATIONS} stations: "
                             f"{IN_PROCESS_CHECKINS} in-process, the rest served)")
    parser.add_argument("--rounds", type=int, default=5, help="served: rounds of wrk runs (default 5)")
    parser.add_argument("--seconds", type=int, default=2, help="served: seconds per wrk run (default 2)")
    parser.add_argument("--few-deputies", type=int, default=None,
                        help="override points.queries.FEW_DEPUTIES (-1: every board walks the totals, as before "
                             "the selective filters were read from their deputies)")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the measured score queries")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if args.few_deputies is not None:
        points_queries.FEW_DEPUTIES = args.few_deputies

    url = normalise_database_url(args.database_url)
    engine_name = "PostgreSQL" if make_url(url).get_backend_name() == "postgresql" else "SQLite"
    standin = serve_standin()
    standin_url = standin.url
    started = time.perf_counter()
    try:
        large_app = build_app(fresh_database(url), standin_url)
        large = seed(large_app, args.deputies, args.entries, args.checkins)
        t = large["timings"]
        print(f"[setup] {engine_name} large: {large['counts']['deputies']:,} deputies in {t['deputies']:.1f} s, "
              f"{large['counts']['entries']:,} ledger rows + {large['counts']['scores']:,} totals in "
              f"{t['ledger']:.1f} s, ANALYZE {t['analyze']:.1f} s", flush=True)
        small_app = build_app(fresh_database(small_url(url)), standin_url)
        small = seed(small_app, args.small_deputies, args.small_entries, 0)
        print(f"[setup] {engine_name} small: {small['counts']['deputies']:,} deputies, "
              f"{small['counts']['entries']:,} ledger rows, {small['counts']['scores']:,} totals", flush=True)
        if args.explain:
            explain(large_app, large)

        medians = measure_queries(large_app, large, small_app, small, args.requests, blocks=5)
        throughput = measure_checkins(large_app, large, bare_app)
        evaluation = measure_evaluations(large_app, large)
        walks = measure_walks(large_app, large) if points_queries.FEW_DEPUTIES >= 0 else {}
        for app in (large_app, small_app):
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        served = None
        if wrk_available():
            served = served_checkins(url, standin_url, large, args.rounds, args.seconds)
        else:
            print("[served] skipped: wrk is not installed (Debian: apt-get install wrk)", flush=True)
    finally:
        standin.stop()

    figures = [
        ("a", f"top 50 of a city ({large['counts']['city_deputies']:,} deputies)", "city"),
        ("a", "top 50 of the province (root)", "root"),
        ("a", "top 50 of a county (selective)", "county"),
        ("a", "top 50 of a township (selective)", "township"),
        ("a", "top 50 of level=national (selective)", "national"),
        ("a", f"top 50 of group={SELECTIVE_GROUP} (selective)", "group"),
        ("a", "top 50 of level=provincial (4 %)", "provincial"),
        ("b", "a deputy's total and rank (as deputy)", "points"),
        ("b", "a deputy's total and rank (as admin)", "points_admin"),
    ]
    print()
    print(f"履职积分 benchmark — {engine_name}; large: {large['counts']['deputies']:,} deputies, "
          f"{large['counts']['entries']:,} ledger rows; small: {small['counts']['deputies']:,} deputies, "
          f"{small['counts']['entries']:,} rows; in-process test client, single thread")
    print(f"{'':2} {'measurement':40} {'large':>9} {'small':>9} {'ratio':>7} {'target':>8}  result")
    print("-" * 88)
    print(f"   (selective: a filter keeping at most FEW_DEPUTIES = {points_queries.FEW_DEPUTIES} deputies is read "
          "from them)")
    for part, name, key in figures:
        big, little = medians[("large", key)], medians[("small", key)]
        ratio = big / little
        print(f"{part:2} {name:40} {big:7.2f}ms {little:7.2f}ms {ratio:7.2f} {'<= ' + str(TARGET_GROWTH):>8}  "
              f"{verdict(ratio <= TARGET_GROWTH)}")
    print(f"{'':2} {'(reference) 履职评价 page of the city':40} {evaluation['city']:7.2f}ms")
    print(f"{'':2} {'(reference) 履职评价 page of the province':40} {evaluation['province']:7.2f}ms")
    for name, median in walks.items():
        print(f"{'':2} {'(reference) ' + name + ', read as before':40} {median:7.2f}ms   (FEW_DEPUTIES -1: the "
              f"three steps of the walk, the planner's choice; large, median of 5)")
    print("-" * 88)
    (checkin_rps, checkin_ms), (bare_rps, bare_ms) = throughput["checkin"], throughput["bare"]
    health_rps, health_ms = throughput["health"]
    workers, threads = os.environ.get("WEB_CONCURRENCY", "2"), os.environ.get("GUNICORN_THREADS", "4")
    print(f"served: gunicorn {workers} workers × {threads} threads (deploy/gunicorn.conf.py), wrk with {CONNECTIONS} "
          f"connections, {args.rounds} rounds of {args.seconds} s, every scan a first check-in")
    print(f"{'':2} {'measurement':40} {'req/s':>9} {'median':>9} {'ratio':>7} {'target':>8}  result")
    if served:
        served, bare_loads = served
        checkin, floor = served["checkin"], served["health"]
        bare_cpu = served_cpu_ms(bare_loads)

        def cpu(kind):
            """The server's CPU time per request, and the bare app's over it (a steadier figure than rates)."""
            if not bare_cpu or not kind.cpu_ms:
                return ""
            return f"   cpu {kind.cpu_ms:.3f} ms/request ({bare_cpu / kind.cpu_ms:.3f})"

        print(f"{'c':2} {'served: bare Flask JSON endpoint (POST)':40} "
              f"{statistics.median(load.rps for load in bare_loads):9.0f} {'':>9} {'':>7} {'baseline':>8}"
              + (f"        cpu {bare_cpu:.3f} ms/request" if bare_cpu else ""))
        print(f"{'c':2} {'served: POST /checkins (station code)':40} {checkin.rps:9.0f} "
              f"{'':>9} {checkin.ratio:7.3f} {'>= ' + str(TARGET_CHECKIN):>8}  {verdict(checkin.ratio >= TARGET_CHECKIN)}"
              + cpu(checkin))
        print(f"{'':2} {'served: (reference) GET /api/v1/health':40} {floor.rps:9.0f} "
              f"{'':>9} {floor.ratio:7.3f} {'':>8}  info" + cpu(floor))
    else:
        print(f"{'c':2} {'served: POST /checkins (station code)':40} {'':>9} {'':>9} {'':>7} "
              f"{'>= ' + str(TARGET_CHECKIN):>8}  NOT MEASURED")
    print(f"{'':2} {'in-process: bare Flask JSON endpoint (POST)':40} {bare_rps:9.0f} {bare_ms:7.2f}ms")
    print(f"{'':2} {'in-process: POST /checkins, large db':40} {checkin_rps:9.0f} {checkin_ms:7.2f}ms "
          f"{checkin_rps / bare_rps:7.3f} {'':>8}  info")
    print(f"{'':2} {'in-process: GET /api/v1/health':40} {health_rps:9.0f} {health_ms:7.2f}ms "
          f"{health_rps / bare_rps:7.3f} {'':>8}  info")
    print("-" * 88)
    print("ratio: (a), (b) median latency on the large database / on the small one; (c) check-in requests/s / "
          "bare requests/s (served: the median over rounds of each run's ratio to the mean of the bare runs just "
          "before and after it; cpu: the server's CPU time per request, median run, and the bare app's over it).")
    print(f"total run time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
