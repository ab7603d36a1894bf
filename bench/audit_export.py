"""The 操作日志's export at its largest: memory and time of 50,000 events as .xlsx.

    .venv/bin/python bench/audit_export.py [--events 50000] [--database-url postgresql://…]

Builds a fresh database (a temporary SQLite file unless --database-url names an empty one) with the real
migrations: a region, its administrator and ``--events`` events (sign-ins, edits with details, exports)
inserted in bulk. Then, in-process through ``app.test_client()``, the administrator's export of the whole
log (``/console/audit/export.xlsx``), once to warm up, once timed (seconds, the process's peak RSS
growth, the file's size) and once under tracemalloc (the peak of Python's own allocations during the
request; several times slower, so not timed). It always exits 0: it reports,
it does not gate.
"""
import argparse
import os
import resource
import sys
import time
import tracemalloc
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import insert  # noqa: E402

from backend.audit.models import AuditEvent  # noqa: E402
from backend.auth.models import User  # noqa: E402
from backend.db_types import utcnow  # noqa: E402
from backend.extensions import db  # noqa: E402
from backend.org.models import Region, RegionLevel  # noqa: E402
from fresh import empty_app  # noqa: E402

KINDS = [
    ("login_succeeded", {}),
    ("login_failed", {"username": "huaihua", "reason": "用户名或密码错误"}),
    ("deputy_updated", {"name": ["张伟", "张伟伟"], "phone": ["139****5678", "137****1111"], "group": ["", "第一小组"]}),
    ("exported", {"export": "建议清单", "filters": {"q": "路灯", "status": "pending"}, "rows": 1234}),
]


def seed(app, count):
    with app.app_context():
        region = Region(name="怀化市", level=RegionLevel.city, path="/")
        db.session.add(region)
        db.session.flush()
        region.path = f"/{region.id}/"
        admin = User(username="huaihua", display_name="怀化市管理员", password_hash="x", admin_region=region)
        db.session.add(admin)
        db.session.commit()
        now, rows = utcnow(), []
        for i in range(count):
            action, detail = KINDS[i % len(KINDS)]
            rows.append({"at": now - timedelta(seconds=i), "actor_user_id": admin.id, "actor_name": "怀化市管理员",
                         "actor_username": "huaihua", "action": action, "target_type": "deputy", "target_id": i,
                         "target_label": f"代表{i}", "region_id": region.id, "client_address": "10.0.0.1",
                         "detail": detail})
            if len(rows) == 5000:
                db.session.execute(insert(AuditEvent), rows)
                rows = []
        if rows:
            db.session.execute(insert(AuditEvent), rows)
        db.session.commit()
        admin_id, version = admin.id, admin.token_version
        db.session.remove()
    return admin_id, version


def rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with empty_app(args.database_url) as app:
        kind = app.config["SQLALCHEMY_DATABASE_URI"].split("://")[0]
        began = time.perf_counter()
        admin_id, version = seed(app, args.events)
        print(f"{kind}: {args.events:,} events inserted in {time.perf_counter() - began:.1f} s")
        client = app.test_client()
        with client.session_transaction() as session:
            session["uid"], session["v"] = admin_id, version
        client.get("/console/audit/export.xlsx?action=login_succeeded")  # warm-up: imports, templates
        rss_before = rss_mib()
        began = time.perf_counter()
        response = client.get("/console/audit/export.xlsx")
        seconds = time.perf_counter() - began
        assert response.status_code == 200, response.status_code
        rss_growth = rss_mib() - rss_before
        tracemalloc.start()
        client.get("/console/audit/export.xlsx")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"export of {args.events:,} events: {seconds:.1f} s, {len(response.data) / 2**20:.1f} MiB file, "
              f"peak RSS growth {rss_growth:.1f} MiB, Python allocations peak {peak / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
