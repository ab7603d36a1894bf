"""A station's public answers at its largest: what citizens' pages and the QR answer cost with 1,000 deputies.

    .venv/bin/python bench/public_station.py [--deputies 1000] [--repeat 20] [--database-url postgresql://…]

Builds a fresh database (a temporary SQLite file unless --database-url names an empty one) with the real
migrations: one region, a large station that ``--deputies`` deputies enter (进站代表, a district-level
station) and a small one with 10. Then, in-process through ``app.test_client()`` after a warm-up, each
request ``--repeat`` times for both stations in alternating turns: the code's landing page (/q/{code}),
the QR answer the mini-program's card reads (GET /api/v1/qr/{code}), the station's public page and its
paged roster (查看全部, searched by name too). It prints, per request, the median milliseconds for the
large and the small station, the statements sent for each and the size of the large one's answer. It
always exits 0: it reports, it does not gate.
"""
import argparse
import os
import sys
import time
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import text  # noqa: E402

from backend.extensions import db  # noqa: E402
from backend.org import services as org_services  # noqa: E402
from fresh import Probe, database_kind, empty_app, figures, large_and_small  # noqa: E402

SMALL = 10


def build(deputies):
    root = org_services.create_region(None, {"name": "鹤城区", "level": "county", "parent_id": None})
    db.session.flush()
    stations = []
    for name, count, first in (("城北联络站", deputies, 1), ("城南联络点", SMALL, deputies + 1)):
        station = org_services.create_station(None, {"name": name, "kind": "center", "region_id": root.id,
                                                     "address": "人民路 18 号", "open_hours": "每周二 9:00-12:00"})
        db.session.flush()
        for n in range(first, first + count):
            org_services.create_deputy(None, {"name": f"代表{n:04d}", "level": "county", "region_id": root.id,
                                              "phone": f"139{n:08d}", "station_ids": [station.id]})
        db.session.flush()
        stations.append(station)
    db.session.commit()
    return [(s.id, s.qr_code) for s in stations]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deputies", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", help="an empty database to use instead of a temporary SQLite file")
    args = parser.parse_args()

    with empty_app(args.database_url) as app:
        with app.app_context():
            started = time.perf_counter()
            large, small = build(args.deputies)
            if db.engine.dialect.name == "postgresql":
                # Statistics as autovacuum would have them: freshly filled tables look empty to the planner
                # (a nested loop over 1,000 printed codes for each deputy: ten deputies cost 0.3 s).
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            print(f"database: {database_kind(app)}, {args.deputies} deputies built in "
                  f"{time.perf_counter() - started:.1f} s")
            engine = db.engine
            db.session.remove()

        client = app.test_client()
        probes = [
            ("page: /q/{code} (landing)", "/q/{code}"),
            ("API: GET /api/v1/qr/{code}", "/api/v1/qr/{code}"),
            ("page: /public/stations/{id}", "/public/stations/{id}"),
            ("page: …/deputies (查看全部)", "/public/stations/{id}/deputies"),
            ("page: …/deputies?page=3", "/public/stations/{id}/deputies?page=3"),
            ("page: …/deputies?q=100 (a name)", "/public/stations/{id}/deputies?q=" + quote("100")),
        ]
        probe = Probe(engine)
        for _, path in probes:  # warm-up
            for station_id, code in (large, small):
                client.get(path.format(id=station_id, code=code))
        print(f"{'request':32} {f'{args.deputies:,}: ms':>10} {f'{SMALL}: ms':>8} {'statements':>11} "
              f"{f'KiB ({args.deputies:,})':>12}")
        for label, path in probes:
            found = large_and_small(probe, lambda station: client.get(path.format(id=station[0], code=station[1])),
                                    large, small, args.repeat)
            statuses = [answer.status_code for answer in found["answers"]]
            if statuses != [200, 200]:
                print(f"{label:32} answered {statuses}")
                continue
            print(f"{label:32} {figures(found)}")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
