"""Province scale: what administrators and the public ask for, at 140,000 deputies and 1,500,000 items.

    .venv/bin/python bench/province.py --seed            # build the database (about 10 minutes), then measure
    .venv/bin/python bench/province.py                   # measure an already seeded database
    .venv/bin/python bench/province.py --explain         # also EXPLAIN (ANALYZE, BUFFERS) every statement
    .venv/bin/python bench/province.py --only dashboard  # the requests whose name contains "dashboard"

PostgreSQL only (default ``postgresql://postgres@127.0.0.1:5432/scale_seed``). **``--seed`` is
destructive:** the database is created when missing and its ``public`` schema dropped and recreated.

The seed reuses ``points.py``'s region tree (湖南省, 14 cities, 112 counties, 1,120 townships), its
deputies (``--deputies``, default 140,000 over the five levels) and its ledger (``--entries``, default
2,000,000 rows and the running totals), and adds, all with ``INSERT … SELECT`` over
``generate_series``:

* ``--stations`` stations (default 20,000) in the townships, each with one administrator and a
  printed code; every deputy received at one station (a township deputy at one of their township's),
  one in ten at a second; every deputy a printed code;
* 300,000 citizens; ``--items`` suggestions (default 1,500,000) filed over three years, newest last,
  their texts put together from common phrases with a rarer one in one item in 5,000 (``PLACES`` …
  ``RARE``: the keyword search's common and rare words), their search copies and its index written after them,
  in a system that has been running: old items closed, rejected or withdrawn bar a few stragglers,
  recent ones spread over the open statuses; the sweep's flags already set (an item past its deadline
  is flagged overdue, one due within the warning window due soon), so that a sweep finds what a
  sweep a minute ago left — next to nothing; a photo on one item in five; one in two hundred merged;
  a work order (转办工单) on every forwarded item (open) and on one in five of those accepted, replied or
  closed (answered), at sixteen departments and the 12345 hotline;
* ``--activities`` activities (default 40,000) over the same three years at the stations, five
  invited deputies each, those past closed, the next two months' published (and reminded when due);
* 500,000 delivered notifications.

Then it measures, in-process through ``app.test_client()``, each request below (``--runs`` times after
a warm-up; the median) as a super administrator (the province), a city's and a county's region
administrator, a station administrator, a citizen and the public, and prints, per request, its median time, its
statements and the slowest statement's share; with ``--explain`` every statement's plan. Console pages
are signed in with a session cookie; exports print their peak memory (``--rss``: each export in a
fresh process, the growth of its peak RSS over the process's after a warm-up); ``--keyword-before``
also times the keyword searches as they were before migration 0023 (``content LIKE`` alone, every match
counted). Always exits 0.
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import event, insert, text  # noqa: E402

from backend.auth.models import User  # noqa: E402
from backend.auth.tokens import issue_token  # noqa: E402
from backend.db_types import utcnow  # noqa: E402
from backend.extensions import db  # noqa: E402
from backend.org.models import Region  # noqa: E402
from backend.points.queries import current_year  # noqa: E402
from backend.suggestions.queries import keyword_clause  # noqa: E402
from points import bucket_case, build_app, fresh_database, load_deputies, load_ledger, region_tree, series  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/scale_seed"
CITIZENS = 300_000
CITIZEN_BASE = 1_000_000  # citizens' user ids start above it; stations' administrators' at ADMIN_BASE
ADMIN_BASE = 100_000
SUPER_ADMIN, CITY_ADMIN, COUNTY_ADMIN = 1, 2, 3
NOTIFICATIONS = 500_000
YEARS = 3
PARTICIPANTS = 5
CATEGORIES = ["道路交通", "环境卫生", "教育医疗", "社会保障", "城市管理", "农业农村", "其他"]
# The statuses of an item by its age: (status, share in percent).
RECENT_MIX = [("pending", 15), ("assigned", 15), ("accepted", 30), ("forwarded", 5), ("replied", 15),
              ("closed", 10), ("rejected", 5), ("withdrawn", 5)]  # filed in the last 7 days
MONTHS_MIX = [("pending", 1), ("assigned", 1), ("accepted", 8), ("forwarded", 3), ("replied", 4),
              ("closed", 73), ("rejected", 5), ("withdrawn", 5)]  # 7 to 60 days old
OLD_MIX = [("accepted", 1), ("closed", 89), ("rejected", 5), ("withdrawn", 5)]  # older: stragglers only
ACTIVITY_TYPES = [("reception", 40), ("inspection", 10), ("research", 10), ("training", 15), ("group", 10),
                  ("meeting", 5), ("volunteer", 5), ("other", 5)]


# --- seeding ---------------------------------------------------------------------------------------


def _mix(expr, choices):
    return bucket_case(expr, [(f"'{value}'", share) for value, share in choices])


def load_stations(stations, townships, now):
    """Stations 1..n in the townships (station s in township ``townships[(s - 1) % len]``), one
    administrator each (user ADMIN_BASE + s), a printed code each."""
    first, count = townships[0], len(townships)
    db.session.execute(text(f"""
        INSERT INTO stations (id, name, kind, region_id, address, lat, lng, open_hours, description, created_dt)
        SELECT n, '联络站' || n, CASE WHEN n <= {count} THEN 'center' ELSE 'area' END, {first} + (n - 1) % {count},
               '人民路' || n || '号', 25.0 + (h % 5000) / 1000.0, 109.0 + (h / 5000 % 5000) / 1000.0,
               '每周三 9:00-11:30', '', :now
        FROM {series('postgresql', stations)}
    """), {"now": now})
    db.session.execute(text(f"""
        INSERT INTO users (id, username, display_name, token_version, created_dt)
        SELECT {ADMIN_BASE} + n, 'station-admin-' || n, '管理员' || n, 0, :now FROM generate_series(1, {stations}) n
    """), {"now": now})
    db.session.execute(text(f"""
        INSERT INTO station_admins (station_id, user_id) SELECT n, {ADMIN_BASE} + n FROM generate_series(1, {stations}) n
    """))


def link_deputies(stations, townships):
    """Every deputy received at one station — a township deputy at one of their own township's — and
    one in ten at a second."""
    first, count = townships[0], len(townships)
    per_township = stations // count
    db.session.execute(text(f"""
        INSERT INTO station_deputies (station_id, deputy_id)
        SELECT CASE WHEN d.level = 'township'
                    THEN d.region_id - {first} + 1 + {count} * ((d.id * 7919) % {per_township})
                    ELSE 1 + (d.id * 2654435761) % {stations} END, d.id
        FROM deputies d
    """))
    db.session.execute(text(f"""
        INSERT INTO station_deputies (station_id, deputy_id)
        SELECT s, id FROM (SELECT id, 1 + (id::bigint * 40503 + 17) % {stations} AS s FROM deputies WHERE id % 10 = 3) x
        WHERE NOT EXISTS (SELECT 1 FROM station_deputies sd WHERE sd.station_id = x.s AND sd.deputy_id = x.id)
    """))


def load_codes(stations, deputies, now):
    db.session.execute(text("""
        INSERT INTO qr_codes (code, target_kind, target_id, created_dt)
        SELECT substr(md5('station' || n), 1, 24), 'station', n, :now FROM generate_series(1, :stations) n
        UNION ALL
        SELECT substr(md5('deputy' || n), 1, 24), 'deputy', n, :now FROM generate_series(1, :deputies) n
    """), {"now": now, "stations": stations, "deputies": deputies})


def load_citizens(now):
    db.session.execute(text(f"""
        INSERT INTO users (id, openid, display_name, token_version, created_dt)
        SELECT {CITIZEN_BASE} + n, 'fake-openid-citizen-' || n, '', 0, :now FROM generate_series(1, {CITIZENS}) n
    """), {"now": now})


# What citizens write, put together from a place, a problem, what it causes and what they ask (12 × 15 × 6 × 5
# sentences, each problem in one item in fifteen), with a rarer complaint in one item in 5,000: the keyword
# search's common words (路灯 in one item in fifteen: a full first page at once) and rare ones (臭气, 化粪池: a
# city's few matches, so a search reads to the end of the scope unless an index finds them).
PLACES = ["小区门口", "学校附近", "菜市场旁", "公交站台", "老旧小区", "村委会前", "主干道上", "公园里面", "河道两岸", "医院周边",
          "工业园区", "商业步行街"]
PROBLEMS = ["的路灯坏了", "噪音扰民严重", "垃圾清运不及时", "停车位不足", "道路坑洼不平", "下水道堵塞", "绿化带缺乏养护",
            "违章搭建很多", "积水严重", "交通拥堵", "油烟污染", "无障碍设施缺失", "充电桩太少", "电梯老化", "自来水水压低"]
EFFECTS = ["晚上出行不方便", "影响居民休息", "存在安全隐患", "群众意见很大", "已反映多次未解决", "老人小孩出行困难"]
ASKS = ["尽快修复", "相关部门处理", "加强管理", "统筹规划解决", "安排专人巡查"]
RARE = "另外，附近化粪池满溢，臭气熏天。"


def _pick(words, step):
    return f"(ARRAY[{', '.join(repr(w) for w in words)}])[1 + (h / {step}) % {len(words)}]"


CONTENT = (f"'第 ' || n || ' 条建议：' || {_pick(PLACES, 1)} || {_pick(PROBLEMS, len(PLACES))} || '，' || "
           f"{_pick(EFFECTS, len(PLACES) * len(PROBLEMS))} || '，希望' || "
           f"{_pick(ASKS, len(PLACES) * len(PROBLEMS) * len(EFFECTS))} || '。' || "
           f"CASE WHEN h % 5000 = 0 THEN '{RARE}' ELSE '' END")


def load_suggestions(items, stations, deputies, townships):
    """``items`` suggestions over YEARS years, newest last, statuses by age (RECENT/MONTHS/OLD_MIX)."""
    first, count = townships[0], len(townships)
    span = YEARS * 365 * 86400
    pick = "((h / 97) % 100)"
    status = (f"CASE WHEN age < 7 * 86400 THEN {_mix(pick, RECENT_MIX)} "
              f"WHEN age < 60 * 86400 THEN {_mix(pick, MONTHS_MIX)} ELSE {_mix(pick, OLD_MIX)} END")
    category = f"(ARRAY[{', '.join(repr(c) for c in CATEGORIES)}])[1 + (h / 13) % {len(CATEGORIES)}]"
    db.session.execute(text(f"""
        INSERT INTO suggestions (
            id, number, citizen_id, filed_via, station_id, deputy_id, region_id, category, content, address,
            contact_phone, anonymous, public_consent, status, round, supervised, overdue, due_soon, screening,
            held_for_review, merged_into_id, satisfaction, reply_content, implemented, accept_due_dt, reply_due_dt,
            assigned_dt, accepted_dt, replied_dt, closed_dt, created_dt, updated_dt, version)
        SELECT n, 'MSB-' || to_char(created AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || '-' || lpad(n::text, 7, '0'),
               {CITIZEN_BASE} + 1 + h % {CITIZENS}, CASE WHEN dispatched AND h % 5 < 3 THEN 'deputy' ELSE 'station' END,
               station, CASE WHEN dispatched THEN 1 + (h / 3) % {deputies} END, {first} + (station - 1) % {count},
               {category}, {CONTENT}, '',
               CASE WHEN n % 3 = 0 THEN '13912345678' END, n % 10 = 0, n % 4 = 0,
               st, 1, n % 97 = 0, false, false, 'pass',
               n % 2003 = 0, CASE WHEN st = 'closed' AND n % 200 = 0 THEN n - 1 END,
               CASE WHEN st = 'closed' THEN (ARRAY['satisfied', 'satisfied', 'satisfied', 'basically_satisfied',
                                                   'dissatisfied'])[1 + h % 5] END,
               CASE WHEN st IN ('replied', 'closed') THEN '已处理。' END,
               CASE WHEN st = 'closed' THEN h % 10 <> 0 END,
               CASE WHEN dispatched THEN created + INTERVAL '1 day' END,
               CASE WHEN dispatched AND st NOT IN ('assigned') THEN created + INTERVAL '8 days' END,
               CASE WHEN dispatched THEN created END,
               CASE WHEN dispatched AND st NOT IN ('assigned') THEN created + (h % 20) * INTERVAL '1 hour' END,
               CASE WHEN st = 'replied' THEN least(created + INTERVAL '2 days', now() - (h % 6) * INTERVAL '1 day')
                    WHEN st = 'closed' THEN created + (1 + h % 9) * INTERVAL '1 day' END,
               CASE WHEN st IN ('closed', 'rejected', 'withdrawn') THEN created + (2 + h % 9) * INTERVAL '1 day' END,
               created, created, 1
        FROM (
            SELECT n, h, age, station, st, st NOT IN ('pending', 'withdrawn') AND NOT (st = 'rejected' AND h % 2 = 0)
                   AS dispatched, now() - age * INTERVAL '1 second' AS created
            FROM (
                SELECT n, h, age, 1 + (h / 7) % {stations} AS station, {status} AS st
                FROM (SELECT n, h, ({items} - n)::bigint * {span} / {items} AS age FROM {series('postgresql', items)}) a
            ) b
        ) c
    """))
    # Where the sweep left them a minute ago: past a deadline flagged overdue, close to one due soon.
    db.session.execute(text("""
        UPDATE suggestions SET overdue = true
        WHERE (status = 'assigned' AND accept_due_dt < now())
           OR (status IN ('accepted', 'forwarded') AND reply_due_dt < now())
    """))
    db.session.execute(text("""
        UPDATE suggestions SET due_soon = true
        WHERE NOT overdue AND ((status = 'assigned' AND accept_due_dt < now() + INTERVAL '12 hours')
           OR (status IN ('accepted', 'forwarded') AND reply_due_dt < now() + INTERVAL '12 hours'))
    """))
    db.session.execute(text("""
        INSERT INTO uploads (key, owner_id, suggestion_id, content_type, width, height, size, created_dt, screening,
                             screen_attempts)
        SELECT md5('photo' || id), citizen_id, id, 'image/jpeg', 1280, 960, 200000, created_dt, 'pass', 1
        FROM suggestions WHERE id % 5 = 0
    """))


# The departments work orders go to (转办): a county's bureaus by their common names, and the 12345 hotline.
DEPARTMENTS = ["住建局", "城管局", "交通运输局", "生态环境局", "水利局", "卫健委", "教育局", "人社局", "民政局",
               "市场监管局", "农业农村局", "自然资源局", "公安局", "供电公司", "自来水公司", "街道办事处"]


def load_work_orders():
    """A work order (转办工单) for every forwarded item, open, and for one in five of the items accepted,
    replied or closed, answered with the deputy's satisfaction; one in eight at the 12345 hotline."""
    departments = f"(ARRAY[{', '.join(repr(d) for d in DEPARTMENTS)}])[1 + (id / 8) % {len(DEPARTMENTS)}]"
    db.session.execute(text(f"""
        INSERT INTO suggestion_work_orders (suggestion_id, target, department, work_order_no, forwarded_dt,
                                            feedback_dt, satisfaction)
        SELECT id, CASE WHEN id % 8 = 0 THEN 'hotline_12345' ELSE 'department' END,
               CASE WHEN id % 8 = 0 THEN '12345 热线人大代表通道' ELSE {departments} END,
               CASE WHEN id % 2 = 0 THEN 'GD' || id END, accepted_dt + INTERVAL '1 hour',
               CASE WHEN status <> 'forwarded' THEN accepted_dt + INTERVAL '3 days' END,
               CASE WHEN status <> 'forwarded' THEN (ARRAY['satisfied', 'satisfied', 'basically_satisfied',
                                                           'dissatisfied'])[1 + (id / 3) % 4] END
        FROM suggestions
        WHERE accepted_dt IS NOT NULL AND (status = 'forwarded' OR (status IN ('accepted', 'replied', 'closed')
                                                                    AND id % 5 = 0))
        ORDER BY id
    """))


def load_activities(activities, stations, deputies, townships, admin_id):
    """``activities`` over YEARS years up to two months ahead, PARTICIPANTS deputies each."""
    first, count = townships[0], len(townships)
    span, ahead = YEARS * 365 * 86400, 60 * 86400
    db.session.execute(text(f"""
        INSERT INTO activities (id, title, type, status, station_id, region_id, place, lat, lng, starts_dt, ends_dt,
                                points, description, created_by_id, created_dt, closed_dt, reminded_dt, version)
        SELECT n, '活动' || n, {_mix('((h / 97) % 100)', ACTIVITY_TYPES)},
               CASE WHEN starts > now() THEN 'published' WHEN n % 50 = 0 THEN 'cancelled' ELSE 'closed' END,
               station, {first} + (station - 1) % {count}, '', NULL, NULL, starts, starts + INTERVAL '3 hours',
               NULL, '', {admin_id}, starts - INTERVAL '7 days', CASE WHEN starts < now() THEN starts + INTERVAL '4 hours' END,
               CASE WHEN starts < now() + INTERVAL '24 hours' THEN starts - INTERVAL '1 day' END, 1
        FROM (SELECT n, h, 1 + (h / 7) % {stations} AS station,
                     now() + INTERVAL '{ahead} seconds' - ({activities} - n)::bigint * {span + ahead} / {activities}
                     * INTERVAL '1 second' AS starts
              FROM {series('postgresql', activities)}) a
    """))
    db.session.execute(text(f"""
        INSERT INTO activity_participants (activity_id, deputy_id, status, decline_reason)
        SELECT a.id, 1 + (a.id::bigint * 7919 + k * 104729) % {deputies},
               CASE WHEN a.status = 'published' THEN 'invited' WHEN k = 0 THEN 'absent' ELSE 'checked_in' END
                   , ''
        FROM activities a CROSS JOIN generate_series(0, {PARTICIPANTS - 1}) k
    """))


def load_outbox():
    db.session.execute(text(f"""
        INSERT INTO outbox_messages (dedupe_key, user_id, template, data, page, status, attempts, next_attempt_dt,
                                     last_error, created_dt, sent_dt)
        SELECT 'seed-' || n, {CITIZEN_BASE} + 1 + n % {CITIZENS}, 'replied', '{{}}', '', 'sent', 1,
               now() - n * INTERVAL '1 minute', '', now() - n * INTERVAL '1 minute', now() - n * INTERVAL '1 minute'
        FROM generate_series(1, {NOTIFICATIONS}) n
    """))


def seed(app, args):
    year, now = current_year(), utcnow()
    with app.app_context():
        steps = []

        def step(name, fn, *a):
            t0 = time.perf_counter()
            fn(*a)
            db.session.commit()
            steps.append((name, time.perf_counter() - t0))
            print(f"  {name}: {steps[-1][1]:.0f} s", flush=True)

        regions, cities, counties, townships = region_tree(now)
        db.session.execute(insert(Region.__table__), regions)
        step("deputies", load_deputies, "postgresql", args.deputies, cities, counties, townships, "now()")
        step("ledger", load_ledger, "postgresql", args.entries, args.deputies, year)
        db.session.execute(insert(User.__table__), [
            dict(id=SUPER_ADMIN, username="province-admin", display_name="省人大", admin_region_id=1,
                 token_version=0, created_dt=now),
            dict(id=CITY_ADMIN, username="city-admin", display_name="市人大", admin_region_id=cities[0],
                 token_version=0, created_dt=now),
            dict(id=COUNTY_ADMIN, username="county-admin", display_name="区人大", admin_region_id=counties[0],
                 token_version=0, created_dt=now),
        ])
        step("stations", load_stations, args.stations, townships, now)
        step("station links", link_deputies, args.stations, townships)
        step("codes", load_codes, args.stations, args.deputies, now)
        step("citizens", load_citizens, now)
        # The content's copy for the keyword search (migration 0023) is written once the items are in, and its
        # index built over them, as the migration does on a site's items: much faster than row by row.
        index = db.session.scalar(text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_suggestion_search_texts_grams'"))
        db.session.execute(text("DROP INDEX ix_suggestion_search_texts_grams"))
        db.session.execute(text("ALTER TABLE suggestions DISABLE TRIGGER suggestions_search_text"))
        step("suggestions", load_suggestions, args.items, args.stations, args.deputies, townships)
        step("search texts", lambda: db.session.execute(text(
            "INSERT INTO suggestion_search_texts (suggestion_id, content) SELECT id, content FROM suggestions")))
        step("search texts' index", lambda: db.session.execute(text(index)))
        db.session.execute(text("ALTER TABLE suggestions ENABLE TRIGGER suggestions_search_text"))
        step("work orders", load_work_orders)
        step("activities", load_activities, args.activities, args.stations, args.deputies, townships, SUPER_ADMIN)
        step("outbox", load_outbox)
        for table in ("regions", "deputies", "point_entries", "users", "stations", "qr_codes", "suggestions",
                      "suggestion_work_orders", "uploads", "activities", "outbox_messages"):
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
            ))
        db.session.commit()
        t0 = time.perf_counter()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        print(f"  vacuum analyze: {time.perf_counter() - t0:.0f} s", flush=True)
        db.session.remove()


# --- measuring -------------------------------------------------------------------------------------


class Statements:
    """The statements the app sends while ``recording``, with their parameters."""

    def __init__(self, engine):
        self.recording, self.seen = False, []
        event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        if self.recording:
            self.seen.append((statement, parameters))


def explain(engine, statement, parameters):
    with engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).scalars().all()
        conn.rollback()
    return plan


def plan_time(plan):
    for line in plan:
        if line.startswith("Execution Time:"):
            return float(line.split()[2])
    return 0.0


def probes(app):
    """(name, who, path) for every request measured, with the ids the seed gives them."""
    with app.app_context():
        station = db.session.scalar(text("SELECT station_id FROM suggestions GROUP BY station_id "
                                         "ORDER BY count(*) DESC LIMIT 1"))
        deputy = db.session.scalar(text(f"SELECT deputy_id FROM station_deputies WHERE station_id = {station} LIMIT 1"))
        # The region filter (queries.handled_in_region_clause): a city and a county, as the province asks.
        city, county = (db.session.scalar(text(f"SELECT admin_region_id FROM users WHERE id = {who}"))
                        for who in (CITY_ADMIN, COUNTY_ADMIN))
    station_admin = ADMIN_BASE + station
    # A number as a citizen reads it out on the phone (the console's keyword box finds it by its tail too).
    number = db.session.scalar(text("SELECT number FROM suggestions WHERE id = (SELECT max(id) / 3 FROM suggestions)"))
    middle = db.session.scalar(text("SELECT max(id) / 2 FROM suggestions"))  # a place in the queue, newest first
    return [
        # API, administrators
        ("api suggestions all (province)", SUPER_ADMIN, "/api/v1/suggestions?scope=all"),
        ("api suggestions station (province)", SUPER_ADMIN, "/api/v1/suggestions?scope=station"),
        ("api suggestions overdue (province)", SUPER_ADMIN, "/api/v1/suggestions?scope=station&overdue=true"),
        ("api suggestions pending (city)", CITY_ADMIN, "/api/v1/suggestions?scope=station&status=pending"),
        ("api suggestions category (city)", CITY_ADMIN, "/api/v1/suggestions?scope=station&category=%E9%81%93%E8%B7%AF%E4%BA%A4%E9%80%9A"),
        ("api suggestions station_id (province)", SUPER_ADMIN, f"/api/v1/suggestions?scope=station&station_id={station}"),
        ("api suggestions deputy_id (province)", SUPER_ADMIN, f"/api/v1/suggestions?scope=station&deputy_id={deputy}"),
        ("api suggestions supervised (county)", COUNTY_ADMIN, "/api/v1/suggestions?scope=station&supervised=true"),
        ("api suggestions all (station admin)", station_admin, "/api/v1/suggestions?scope=all"),
        # API, a citizen's own items (我的建议): filed and followed
        ("api suggestions mine (citizen)", CITIZEN_BASE + 1234, "/api/v1/suggestions?scope=mine"),
        ("api suggestions page 500 (province)", SUPER_ADMIN, "/api/v1/suggestions?scope=station&page=500"),
        ("api stats (province)", SUPER_ADMIN, "/api/v1/stats/suggestions"),
        ("api stats (city)", CITY_ADMIN, "/api/v1/stats/suggestions"),
        ("api stats (county)", COUNTY_ADMIN, "/api/v1/stats/suggestions"),
        ("api stats (station admin)", station_admin, "/api/v1/stats/suggestions"),
        ("api stats by station (province)", SUPER_ADMIN, f"/api/v1/stats/suggestions?station_id={station}"),
        ("api stats by city (province)", SUPER_ADMIN, f"/api/v1/stats/suggestions?region_id={city}"),
        ("api stats by county (province)", SUPER_ADMIN, f"/api/v1/stats/suggestions?region_id={county}"),
        ("api stats by deputies' city (province)", SUPER_ADMIN, f"/api/v1/stats/suggestions?deputy_region_id={city}"),
        ("api suggestions by county (province)", SUPER_ADMIN, f"/api/v1/suggestions?scope=station&region_id={county}"),
        ("api deputies (province)", SUPER_ADMIN, "/api/v1/deputies"),
        ("api deputies managed (city)", CITY_ADMIN, "/api/v1/deputies?managed=true"),
        ("api deputies q (province)", SUPER_ADMIN, "/api/v1/deputies?q=%E4%BB%A3%E8%A1%A812345"),
        ("api deputies (station admin)", station_admin, "/api/v1/deputies?managed=true"),
        ("api stations (province)", SUPER_ADMIN, "/api/v1/stations?managed=true"),
        ("api stations q (public)", None, "/api/v1/stations?q=%E8%81%94%E7%BB%9C%E7%AB%991234"),
        ("api stations near (public)", None, "/api/v1/stations?near=27.5,110.1"),
        ("api activities (province)", SUPER_ADMIN, "/api/v1/activities?scope=station"),
        ("api activities (city)", CITY_ADMIN, "/api/v1/activities?scope=station&status=published"),
        ("api activities (station admin)", station_admin, "/api/v1/activities?scope=station"),
        # API, public
        ("api public suggestions", None, "/api/v1/public/suggestions"),
        ("api public suggestions station", None, f"/api/v1/public/suggestions?station_id={station}"),
        ("api public suggestions category", None, "/api/v1/public/suggestions?category=%E5%85%B6%E4%BB%96"),
        # console
        ("console dashboard (province)", SUPER_ADMIN, "/console/"),
        ("console dashboard (city)", CITY_ADMIN, "/console/"),
        ("console dashboard (station admin)", station_admin, "/console/"),
        ("console queue (province)", SUPER_ADMIN, "/console/suggestions"),
        ("console queue overdue (city)", CITY_ADMIN, "/console/suggestions?overdue=1"),
        # The tabs of a few items in a whole scope (migration 0067), a county's own scope (queries.admin_scope_clause),
        # and a page turned (下一页: the count its link carries, render_queue).
        ("console queue held (city)", CITY_ADMIN, "/console/suggestions?held=1"),
        ("console queue supervised open (city)", CITY_ADMIN, "/console/suggestions?supervised=1&open=1"),
        ("console queue (county)", COUNTY_ADMIN, "/console/suggestions"),
        ("console dashboard (county)", COUNTY_ADMIN, "/console/"),
        ("console queue next page (city)", CITY_ADMIN, f"/console/suggestions?after={middle}&n=100000"),
        ("console queue keyword (city)", CITY_ADMIN, "/console/suggestions?q=MSB-2025"),
        *keyword_probes(),
        ("console queue by deadline (province)", SUPER_ADMIN, "/console/suggestions?sort=due"),
        ("console queue by deadline open (city)", CITY_ADMIN, "/console/suggestions?open=1&sort=due"),
        ("console queue by deadline (station admin)", station_admin, "/console/suggestions?sort=due"),
        ("console queue number (province)", SUPER_ADMIN, f"/console/suggestions?q={number}"),
        ("console queue number tail 6 (province)", SUPER_ADMIN, f"/console/suggestions?q={number[-6:]}"),
        ("console queue number tail 3 (city)", CITY_ADMIN, f"/console/suggestions?q={number[-3:]}"),
        ("console queue station (province)", SUPER_ADMIN, f"/console/suggestions?station_id={station}"),
        ("console queue (station admin)", station_admin, "/console/suggestions?status=pending"),
        ("console deputies (province)", SUPER_ADMIN, "/console/deputies"),
        ("console deputies q (province)", SUPER_ADMIN, "/console/deputies?q=%E4%BB%A3%E8%A1%A8777"),
        ("console deputies (station admin)", station_admin, "/console/deputies"),
        ("console stations (province)", SUPER_ADMIN, "/console/stations"),
        ("console stations q (city)", CITY_ADMIN, "/console/stations?q=%E4%BA%BA%E6%B0%91%E8%B7%AF"),
        ("console activities (province)", SUPER_ADMIN, "/console/activities"),
        ("console activities (station admin)", station_admin, "/console/activities"),
        ("console leaderboard (province)", SUPER_ADMIN, "/console/leaderboard"),
        ("console archive (province)", SUPER_ADMIN, f"/console/deputies/{deputy}/archive"),
        ("export stats (city)", CITY_ADMIN, "/console/stats/export.xlsx"),
        ("export stats (province)", SUPER_ADMIN, "/console/stats/export.xlsx"),
        ("export leaderboard (province)", SUPER_ADMIN, "/console/leaderboard/export.xlsx"),
        ("export suggestions 50,000 (province)", SUPER_ADMIN, "/console/suggestions/export.xlsx"),
        ("export suggestions 50,000 by deadline (province)", SUPER_ADMIN, "/console/suggestions/export.xlsx?sort=due"),
        ("export suggestions (city)", CITY_ADMIN, "/console/suggestions/export.xlsx?status=pending"),
        ("export suggestions by deadline (city)", CITY_ADMIN, "/console/suggestions/export.xlsx?open=1&sort=due"),
        # public pages
        ("public stats", None, "/public/stats"),
        ("public stations", None, "/public/stations"),
        ("public stations q", None, "/public/stations?q=%E4%BA%BA%E6%B0%91%E8%B7%AF12"),
        ("public station page", None, f"/public/stations/{station}"),
        ("public leaderboard", None, "/public/leaderboard"),
    ]


# The console queue's search of the content (queries.keyword_clause): words of 1, 2, 3 and 4 characters,
# common (路灯, in one item in fifteen: the first page fills at once) and rare (臭气, in one in 5,000: a city
# has a few dozen, the newest-first walk would read the whole scope), and a word no item holds.
KEYWORDS = [("灯", "1 char, common"), ("路灯", "2 chars, common"), ("臭气", "2 chars, rare"),
            ("化粪池", "3 chars, rare"), ("路灯坏了", "4 chars, common"), ("臭气熏天", "4 chars, rare"),
            ("积水路灯", "4 chars, none")]


def keyword_probes():
    probes = []
    for who, scope in ((CITY_ADMIN, "city"), (SUPER_ADMIN, "province")):
        for word, kind in KEYWORDS:
            probes.append((f"console queue keyword {kind} ({scope})", who, f"/console/suggestions?q={quote(word)}"))
    for word, kind in (("臭气", "2 chars, rare"), ("路灯", "2 chars, common")):
        probes.append((f"export suggestions keyword {kind} (city)", CITY_ADMIN,
                       f"/console/suggestions/export.xlsx?q={quote(word)}"))
    return probes


@contextmanager
def keyword_search_before():
    """The keyword search as it was before migration 0023: ``content LIKE`` alone (``keyword_clause``'s
    ``frequent`` way), every match counted."""
    from backend.console import suggestions as queue

    saved = queue.keyword_clause, queue.KEYWORD_COUNT_CAP
    queue.keyword_clause = lambda keyword, frequent=False: keyword_clause(keyword, frequent=True)
    queue.KEYWORD_COUNT_CAP = 10 ** 9
    try:
        yield
    finally:
        queue.keyword_clause, queue.KEYWORD_COUNT_CAP = saved


def client_for(app, who, cache):
    """A test client signed in as user ``who`` (a bearer token for the API, a session for the console)."""
    if who in cache:
        return cache[who]
    client, headers = app.test_client(), {}
    if who is not None:
        with app.app_context():
            user = db.session.get(User, who)
            headers = {"Authorization": f"Bearer {issue_token(user)}"}
            with client.session_transaction() as session:
                session["uid"], session["v"] = user.id, user.token_version
            db.session.remove()
    cache[who] = client, headers
    return cache[who]


def measure(app, recorder, only, runs, show_plans):
    cache, rows = {}, []
    for name, who, path in probes(app):
        if only and not any(word in name for word in only):
            continue
        client, headers = client_for(app, who, cache)
        api = path.startswith("/api/")
        response = client.get(path, headers=headers if api else {})  # warm-up
        if response.status_code != 200:
            print(f"{name}: {response.status_code} {response.get_data(as_text=True)[:200]}")
            continue
        times = []
        for _ in range(runs):
            recorder.recording, recorder.seen = True, []
            t0 = time.perf_counter()
            client.get(path, headers=headers if api else {})
            times.append((time.perf_counter() - t0) * 1000)
            recorder.recording = False
        statements = recorder.seen
        sql = [(plan_time(plan), plan, statement) for statement, parameters in statements
               for plan in [explain(db.engine, statement, parameters)]] if show_plans is not None else []
        sql_ms = sum(t for t, _, _ in sql)
        rows.append((name, statistics.median(times), len(statements), sql_ms,
                     max((t for t, _, _ in sql), default=0.0), len(response.get_data())))
        print(f"{name:45} {statistics.median(times):9.1f} ms  {len(statements):3} statements  "
              f"SQL {sql_ms:8.1f} ms (slowest {rows[-1][4]:7.1f})  {rows[-1][5] // 1024:6} KiB", flush=True)
        if show_plans:
            for ms, plan, statement in sorted(sql, key=lambda s: -s[0])[:show_plans]:
                print(f"    --- {ms:.1f} ms: {' '.join(statement.split())[:300]}")
                for line in plan:
                    print("      " + line)
    return rows


def measure_sweep(app, recorder, show_plans):
    """Each step of ``flask sweep`` on the seeded database, where almost nothing is due."""
    from backend.activities.services import remind_upcoming
    from backend.notifications.outbox import deliver_due
    from backend.suggestions import sweep
    from backend.uploads.screening import submit_due

    for name, step in (("sweep: screen text", sweep.screen_pending), ("sweep: photos", submit_due),
                       ("sweep: departed deputies' items", sweep.return_left_with_departed),
                       ("sweep: deadlines", sweep.flag_deadlines), ("sweep: auto-close", sweep.auto_close),
                       ("sweep: activity reminders", remind_upcoming), ("sweep: outbox", deliver_due)):
        with app.test_request_context():
            recorder.recording, recorder.seen = True, []
            t0 = time.perf_counter()
            result = step()
            elapsed = (time.perf_counter() - t0) * 1000
            recorder.recording = False
            db.session.rollback()
            sql = [(plan_time(plan), plan, statement) for statement, parameters in recorder.seen
                   if not statement.startswith(("COMMIT", "ROLLBACK", "BEGIN"))
                   for plan in [explain(db.engine, statement, parameters)]]
            db.session.remove()
        print(f"{name:45} {elapsed:9.1f} ms  {len(recorder.seen):3} statements  "
              f"SQL {sum(t for t, _, _ in sql):8.1f} ms  → {result}", flush=True)
        if show_plans:
            for ms, plan, statement in sorted(sql, key=lambda s: -s[0])[:show_plans]:
                print(f"    --- {ms:.1f} ms: {' '.join(statement.split())[:300]}")
                for line in plan:
                    print("      " + line)


def export_rss(url, path, who):
    """Peak RSS growth of one export, in a fresh process: (MiB before, MiB peak, seconds, bytes)."""
    out = subprocess.run([sys.executable, __file__, "--database-url", url, "--rss-child", path, "--rss-user", str(who)],
                         capture_output=True, text=True, check=True)
    return tuple(float(x) for x in out.stdout.split()[-4:])


def rss_child(url, path, who):
    app = build_app(url, "http://127.0.0.1:9")
    client, _ = client_for(app, who, {})
    client.get("/console/")  # imports, connections, templates: the process as it serves
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    response = client.get(path)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert response.status_code == 200, response.status_code
    print(before, peak, seconds, len(response.get_data()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--seed", action="store_true", help="drop and build the database first")
    parser.add_argument("--deputies", type=int, default=140_000)
    parser.add_argument("--entries", type=int, default=2_000_000)
    parser.add_argument("--stations", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=1_500_000)
    parser.add_argument("--activities", type=int, default=40_000)
    parser.add_argument("--runs", type=int, default=5, help="measured runs per request (default 5)")
    parser.add_argument("--only", action="append", help="only the requests whose name contains this (repeatable)")
    parser.add_argument("--explain", nargs="?", type=int, const=3, default=None, metavar="N",
                        help="EXPLAIN ANALYZE every statement; print the N slowest plans per request (default 3)")
    parser.add_argument("--sql", action="store_true", help="time every statement (EXPLAIN ANALYZE), print no plans")
    parser.add_argument("--keyword-before", action="store_true",
                        help="also time the keyword searches as before migration 0023 (LIKE alone, exact count)")
    parser.add_argument("--rss", action="store_true", help="peak memory of each export, in a fresh process")
    parser.add_argument("--rss-child", help=argparse.SUPPRESS)
    parser.add_argument("--rss-user", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        return rss_child(args.database_url, args.rss_child, args.rss_user)

    if args.seed:
        fresh_database(args.database_url)
    app = build_app(args.database_url, "http://127.0.0.1:9")  # the sweep is not run here: no WeChat needed
    if args.seed:
        print("seeding", flush=True)
        seed(app, args)
    with app.app_context():
        counts = db.session.execute(text(
            "SELECT (SELECT count(*) FROM deputies), (SELECT count(*) FROM stations), "
            "(SELECT count(*) FROM suggestions), (SELECT count(*) FROM activities), "
            "(SELECT count(*) FROM point_entries), pg_size_pretty(pg_database_size(current_database()))"
        )).one()
        print(f"deputies {counts[0]:,}, stations {counts[1]:,}, suggestions {counts[2]:,}, activities {counts[3]:,}, "
              f"ledger {counts[4]:,}; database {counts[5]}")
        recorder = Statements(db.engine)
        show = args.explain if args.explain is not None else (0 if args.sql else None)
        measure(app, recorder, args.only, args.runs, show)
        if args.keyword_before:
            print("\nthe keyword searches as before migration 0023 (content LIKE alone, every match counted):")
            with keyword_search_before():
                measure(app, recorder, ["keyword"], args.runs, show)
        if not args.only or any("sweep" in word for word in args.only):
            measure_sweep(app, recorder, show)
    if args.rss:
        print("\nexports, each in a fresh process: RSS after a warm-up → peak")
        for name, who, path in probes(app):
            if path.endswith(".xlsx") or "export.xlsx?" in path:
                if args.only and not any(word in name for word in args.only):
                    continue
                before, peak, seconds, size = export_rss(args.database_url, path, who)
                print(f"{name:45} {before:6.0f} → {peak:6.0f} MiB (+{peak - before:.0f})  {seconds:6.1f} s  "
                      f"{size / 1024:8.0f} KiB")


if __name__ == "__main__":
    main()
