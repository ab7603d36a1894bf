"""Migration 0023 at a province's size: how long it runs, and how long filings wait while it runs, as it
is now (online: each step commits on its own) and as it was (one transaction), on the same items.

    createdb -h 127.0.0.1 -U postgres bench_online
    .venv/bin/python bench/online_migration.py --database-url postgresql://postgres@127.0.0.1:5432/bench_online

**Destructive:** the database's ``public`` schema is dropped and recreated. PostgreSQL only.

1. Builds the database with the real migrations up to 0022 and ``--items`` suggestions in bulk (their
   content as in province.py: about 36 characters from a few hundred phrases; ids 1..``--items``).
2. For the migration as it was (its file at ``--old-ref``, in a copy of ``migrations/``), then as it is:
   runs ``db upgrade`` in a child process while this one files items in a loop, one every ``--pause``
   seconds, each in a transaction of its own as ``backend/suggestions/filing.py`` writes one (the item,
   then its number; the timeline line is left out); afterwards the old migration is undone (downgrade
   to 0022) and the filed items deleted, so that both run on the same items.
3. Prints, for each, and for 20 s of filings with no migration beside them, the upgrade's duration (inside the child, the app's start left out) and the
   filings started while it ran: how many, the median and the longest wait (from the insert to the end
   of the commit).

Always exits 0; the database is left at the newest revision.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask_migrate import downgrade, upgrade  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from backend import create_app  # noqa: E402
from backend.config import normalise_database_url  # noqa: E402
from points import fresh_database, series  # noqa: E402
from province import CONTENT  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIGRATION = "migrations/versions/0023_suggestion_search_texts.py"
# The commit before 0023 became online: its 0023 is the one-transaction migration.
OLD_REF = "432f67b"
AT = "2026-11-27 08:00:00+00"

FILE_ITEM = text(
    "INSERT INTO suggestions (citizen_id, filed_via, region_id, category, content, address, anonymous, "
    "public_consent, status, round, supervised, overdue, due_soon, screening, held_for_review, created_dt, "
    "updated_dt, version) VALUES (7, 'station', 1, '城市管理', :content, '', false, false, 'pending', 1, false, "
    "false, false, 'pending', false, now(), now(), 1) RETURNING id")
SET_NUMBER = text("UPDATE suggestions SET number = 'MSB-20261127-' || lpad(id::text, 7, '0') WHERE id = :id")


def app_on(url):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})


def build(url, items):
    """The database at 0022 with ``items`` suggestions, vacuumed and analysed like a table long in use."""
    with app_on(url).app_context():
        upgrade(revision="0022")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO regions (id, name, level, path, created_dt) "
                          "VALUES (1, '省', 'province', '/1/', :at)"), {"at": AT})
        conn.execute(text("INSERT INTO users (id, username, display_name, token_version, created_dt) "
                          "VALUES (7, NULL, '', 0, :at)"), {"at": AT})
        began = time.perf_counter()
        conn.execute(text(
            "INSERT INTO suggestions (id, number, citizen_id, filed_via, region_id, category, content, address, "
            "anonymous, public_consent, status, round, supervised, overdue, due_soon, screening, held_for_review, "
            "created_dt, updated_dt, version) "
            f"SELECT n, 'MSB-20261127-' || lpad(n::text, 7, '0'), 7, 'station', 1, '城市管理', {CONTENT}, '', "
            "false, false, 'closed', 1, false, false, false, 'pass', false, :at, :at, 1 "
            f"FROM {series('postgresql', items)}"), {"at": AT})
        conn.execute(text("SELECT setval('suggestions_id_seq', :n)"), {"n": items})
        conn.execute(text("VACUUM ANALYZE suggestions"))
        print(f"built {items:,} items at 0022 in {time.perf_counter() - began:.0f} s", flush=True)
    engine.dispose()


def old_migrations(ref, into):
    """A copy of migrations/ whose 0023 is the file as it was at ``ref``."""
    directory = os.path.join(into, "migrations")
    shutil.copytree(os.path.join(ROOT, "migrations"), directory, ignore=shutil.ignore_patterns("__pycache__"))
    old = subprocess.run(["git", "show", f"{ref}:{MIGRATION}"], cwd=ROOT, check=True, capture_output=True).stdout
    with open(os.path.join(into, MIGRATION), "wb") as f:
        f.write(old)
    return directory


def file_items(url, pause, done):
    """Files items, one every ``pause`` seconds, until ``done()``: [(start, wait)], in seconds."""
    engine = create_engine(url, poolclass=NullPool)
    filings = []
    with engine.connect() as conn:
        while not done():
            began = time.time()
            item_id = conn.execute(FILE_ITEM, {"content": f"第 {len(filings)} 条：楼道路灯不亮，晚上出行不方便。"}).scalar()
            conn.execute(SET_NUMBER, {"id": item_id})
            conn.commit()
            filings.append((began, time.time() - began))
            time.sleep(pause)
    engine.dispose()
    return filings


def run(url, directory, pause):
    """The upgrade in a child process, filings here until it ends: (seconds, [wait])."""
    child = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--database-url", url,
                              "--upgrade-child", directory], stdout=subprocess.PIPE, cwd=ROOT)
    filings = file_items(url, pause, lambda: child.poll() is not None)
    upgraded = json.loads(child.stdout.read().decode().strip().splitlines()[-1])
    return (upgraded["ended"] - upgraded["began"],
            [wait for began, wait in filings if upgraded["began"] <= began <= upgraded["ended"]])


def undo(url, items):
    """Back to 0022 and to the items built."""
    with app_on(url).app_context():
        downgrade(directory=os.path.join(ROOT, "migrations"), revision="0022")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DELETE FROM suggestions WHERE id > :n"), {"n": items})
        conn.execute(text("VACUUM ANALYZE suggestions"))
    engine.dispose()


def checkpoint(url):
    """Each run starts with no dirty pages of the last one to write."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("CHECKPOINT"))
    engine.dispose()


def upgrade_child(url, directory):
    """Runs in the child: the upgrade, its start and end (wall clock, for the parent) as the last line."""
    app = app_on(url)
    with app.app_context():
        began = time.time()
        upgrade(directory=directory, revision="0023")
        print(json.dumps({"began": began, "ended": time.time()}), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between two filings (default 0.05)")
    parser.add_argument("--old-ref", default=OLD_REF, help=f"the commit whose 0023 is the old one (default {OLD_REF})")
    parser.add_argument("--upgrade-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = normalise_database_url(args.database_url)
    if args.upgrade_child:
        return upgrade_child(url, args.upgrade_child)
    if not url.startswith("postgresql"):
        print("PostgreSQL only: 0023 does nothing on SQLite")
        return
    build(fresh_database(url), args.items)
    checkpoint(url)
    alone_until = time.time() + 20
    results = [("none (filings alone, 20 s)", 20, [wait for _, wait in file_items(
        url, args.pause, lambda: time.time() > alone_until)])]
    with tempfile.TemporaryDirectory() as tmp:
        old = old_migrations(args.old_ref, tmp)
        checkpoint(url)
        results.append(("as it was (one transaction)", *run(url, old, args.pause)))
    undo(url, args.items)
    checkpoint(url)
    results.append(("online (this branch)", *run(url, os.path.join(ROOT, "migrations"), args.pause)))

    print(f"\nmigration 0023 on {args.items:,} items, a filing every {args.pause} s beside it:")
    print(f"{'migration':<30} {'upgrade':>9} {'filings':>8} {'median wait':>12} {'longest wait':>13}")
    for name, seconds, waits in results:
        median = f"{statistics.median(waits) * 1000:.1f} ms" if waits else "-"
        longest = f"{max(waits):.2f} s" if waits else "-"
        print(f"{name:<30} {seconds:>7.1f} s {len(waits):>8} {median:>12} {longest:>13}")


if __name__ == "__main__":
    main()
