"""A bench's own database (a temporary SQLite file, or the empty database ``--database-url`` names), and
requests timed on it beside the statements they send.

Shared by the benches that build their data through the app (import_deputies.py, roster.py,
public_station.py); suggestions.py and points.py build theirs in bulk and manage their databases
themselves.
"""
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager

from flask_migrate import upgrade
from sqlalchemy import event, func, select

from backend import create_app
from backend.config import normalise_database_url
from backend.extensions import db
from backend.org.models import Deputy


@contextmanager
def empty_app(database_url=None, **config):
    """The app on an empty database migrated to the latest revision, with the offline WeChat stand-in;
    ``config`` adds to its settings. Exits if the database already holds deputies (a bench's figures
    are for the data it built). A temporary SQLite file lasts as long as the block."""
    with tempfile.TemporaryDirectory() as tmp:
        url = normalise_database_url(database_url) if database_url else f"sqlite:///{tmp}/bench.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WECHAT_MODE": "fake", **config})
        with app.app_context():
            upgrade()
            if db.session.scalar(select(func.count()).select_from(Deputy)):
                sys.exit("the database already holds deputies; give the bench an empty one")
            db.session.remove()
        yield app


def database_kind(app):
    """"sqlite" or "postgresql", for the bench's first line."""
    return app.config["SQLALCHEMY_DATABASE_URI"].split("://")[0]


class Probe:
    """Times a request in-process and counts the statements it sends to ``engine``."""

    def __init__(self, engine):
        self.seen = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.seen += 1

    def __call__(self, send):
        """``(milliseconds, statements, response)`` of ``send()``."""
        self.seen = 0
        began = time.perf_counter()
        response = send()
        return (time.perf_counter() - began) * 1000, self.seen, response


def large_and_small(probe, send, large, small, repeat):
    """``send(target)`` for the large and the small target in alternating turns, ``repeat`` times each (a
    busy machine then slows both alike): ``{"ms": (median large, median small), "statements": (large,
    small), "answers": (the last large answer, the last small one)}``."""
    times, statements, answers = ([], []), [0, 0], [None, None]
    for _ in range(repeat):
        for which, target in enumerate((large, small)):
            elapsed, statements[which], answers[which] = probe(lambda: send(target))
            times[which].append(elapsed)
    return {"ms": tuple(statistics.median(t) for t in times), "statements": tuple(statements), "answers": tuple(answers)}


def figures(found):
    """A row's figures from ``large_and_small``: the two medians, the two statement counts (flagged when they
    differ) and the large answer's size."""
    (large_ms, small_ms), (large_n, small_n) = found["ms"], found["statements"]
    same = "" if large_n == small_n else "  differs"
    return (f"{large_ms:10.1f} {small_ms:8.1f} {large_n:>5} / {small_n:<4}{same} "
            f"{len(found['answers'][0].get_data()) / 1024:10.1f}")
