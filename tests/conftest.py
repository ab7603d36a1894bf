"""Test fixtures: the real app on a real database, and the offline WeChat stand-in over real HTTP.

SQLite by default; PostgreSQL when ``TEST_DATABASE_URL`` is set (``.ci/run`` does both).
Migrations run once per session; every test starts from empty tables.
"""
import os
import threading
import uuid

import pytest
import redis
import requests
from flask_migrate import upgrade
from sqlalchemy import create_engine, exists, literal, make_url, select, text, union_all
from werkzeug.serving import make_server

from backend import create_app
from backend.extensions import cache, db, limiter
from backend.wechat.standin import create_standin_app

from .factories import Factory

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


class StandIn:
    def __init__(self, base_url):
        self.base_url = base_url

    def messages(self):
        return requests.get(self.base_url + "/__standin__/messages", timeout=5).json()["messages"]

    def token_fetches(self):
        return requests.get(self.base_url + "/__standin__/messages", timeout=5).json()["token_fetches"]

    def fail(self, failures):
        """Make endpoints answer an errcode (``{path: errcode}``), or a JSON object as it is (``{path: {...}}``:
        an answer without its fields); ``{}`` heals them. Returns how many
        requests the previous failures refused, by path."""
        refused = requests.get(self.base_url + "/__standin__/failures", timeout=5).json()["refused"]
        requests.put(self.base_url + "/__standin__/failures", json=failures, timeout=5)
        return refused

    def clear(self):
        requests.delete(self.base_url + "/__standin__/messages", timeout=5)


def serve_in_thread(wsgi_app):
    """Serves ``wsgi_app`` on a free local port from a thread; returns the server and its base URL.
    The server looks for ``shutdown()`` every 20 ms instead of serve_forever's default 0.5 s: a test's
    teardown would otherwise wait that long for every server it started."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_port}"


@pytest.fixture(scope="session")
def wechat_standin():
    server, base_url = serve_in_thread(create_standin_app(token_ttl=600))
    yield StandIn(base_url)
    server.shutdown()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    from backend.config import normalise_database_url

    url = make_url(normalise_database_url(url))
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:  # pytest -n: each worker on a database of its own beside the one named ("test_gw0", …)
        server = create_engine(url, isolation_level="AUTOCOMMIT")
        url = url.set(database=f"{url.database}_{worker}")
        with server.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}):
                conn.execute(text(f'CREATE DATABASE "{url.database}"'))
        server.dispose()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
        # A throwaway database need not wait for the disk at every commit (a few ms each, tens of thousands
        # of commits a run). Commits stay atomic and visible at once to every connection; only a crash of
        # the server could lose the last moments, which no test relies on. Every later connection (the
        # app's, the servers the tests start) inherits it.
        conn.execute(text(f'ALTER DATABASE "{url.database}" SET synchronous_commit = off'))
    engine.dispose()
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _app(database_url, wechat_standin, tmp_path_factory):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WECHAT_MODE": "fake",
        "WECHAT_API_BASE": wechat_standin.base_url,
        "PUBLIC_BASE_URL": "https://msb.example.cn",
        "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
        "SECRET_KEY": "test-secret",
        # Tests log in far more often than a person; the rate limit test sets its own.
        "LOGIN_RATE_LIMIT": "10000 per minute",
        "LOGIN_ACCOUNT_RATE_LIMIT": "10000 per minute",
        "LOGIN_ACCOUNT_TOTAL_RATE_LIMIT": "10000 per minute",
        # Likewise one test citizen files more than a person would in an hour; the limit's tests set their own.
        "WECHAT_FILING_RATE_LIMIT": "10000 per hour",
        # Test-only: one PBKDF2 round instead of scrypt (~0.2 s and 32 MB a hash); the suite creates and signs
        # in thousands of administrators. test_auth.py checks that a real app still stores scrypt.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
    })
    with app.app_context():
        upgrade()
        # What the migrations seeded (the default rulebook): restored after every test's wipe.
        app.config["_SEED_ROWS"] = {
            table: [dict(row._mapping) for row in db.session.execute(table.select())]
            for table in db.metadata.sorted_tables
        }
        db.session.remove()
    return app


@pytest.fixture(scope="module")
def base_url(_app):
    """The application behind a real threaded HTTP server, for the whole module
    (the race tests send real parallel requests to it)."""
    server, url = serve_in_thread(_app)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture
def app(_app, wechat_standin):
    yield _app
    with _app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            wipe_tables(conn, _app.config["_SEED_ROWS"])
        cache.clear()  # figures computed from this test's rows
    _app.extensions.pop("wechat_client", None)
    limiter.reset()
    wechat_standin.clear()


def wipe_tables(conn, seed_rows):
    """Every table back to what the migrations left: the tables a test wrote to are found in one query
    and emptied (a test touches a few of the ~50; a DELETE of each of them, on PostgreSQL with its foreign
    key checks, was most of the time between two tests), and the seeded ones are filled again."""
    tables = db.metadata.sorted_tables
    written = union_all(*(
        select(literal(position)).where(exists(select(literal(1)).select_from(table)))
        for position, table in enumerate(tables)
    ))
    dirty = {tables[position] for position in conn.scalars(written)}
    seeded = [table for table, rows in seed_rows.items() if rows]
    for table in reversed(tables):
        if table in dirty or table in seeded:
            conn.execute(table.delete())
    for table in seeded:
        conn.execute(table.insert(), seed_rows[table])


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def factory(app):
    with app.app_context():
        yield Factory(app)


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own in the test Redis db; its keys are deleted afterwards."""
    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"!!! REDIS NOT REACHABLE at {REDIS_TEST_URL} ({exc.__class__.__name__}): Redis NOT TESTED !!!")
    prefix = f"test-{uuid.uuid4().hex}:"
    yield prefix
    keys = client.keys(prefix + "*")
    if keys:
        client.delete(*keys)
    client.close()
