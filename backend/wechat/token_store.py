"""Access tokens shared by every app server.

WeChat allows a limited number of token fetches a day, and fetching a classic token invalidates
the previous one, so workers must share one: in the database (the default), or in Redis when
``REDIS_URL`` is set. Refreshing is serialised so that one worker fetches while the others wait.

A store's ``get(name, fetch, stale=None)`` returns the shared value. ``fetch()`` is called (by one
worker at a time) when there is no usable value and returns ``(value, expires_in_seconds)``.
``stale`` is a value the caller has just seen rejected: it is never returned again, and if the
store still holds it, it is replaced.
"""
import logging
import secrets
import threading
import time
from contextlib import contextmanager
from datetime import timedelta, timezone

import redis
from sqlalchemy import select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import OperationalError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: threads of one process are still serialised
    fcntl = None

from ..db_types import conflict_insert, utcnow
from .models import ServiceToken

log = logging.getLogger(__name__)

# Refresh a little before WeChat's expiry so that a request in flight never carries a dead token.
# WeChat itself renews a stable token 5 minutes before it expires (normal mode).
EARLY_REFRESH_SECONDS = 300


def usable_seconds(expires_in):
    """How long a freshly fetched value is kept: its lifetime less a safety margin.

    The margin is 5 minutes for WeChat's 2-hour tokens, but never more than half the lifetime, so
    that short-lived tokens (the stand-in can issue 2-second ones) are still reused for a while.
    """
    expires_in = max(float(expires_in), 0.0)
    return expires_in - min(EARLY_REFRESH_SECONDS, expires_in / 2)


class DatabaseTokenStore:
    """The token in the ``service_tokens`` table, shared by every process using the database.

    PostgreSQL: a refresh runs under the token row's lock, so one worker fetches while the others
    wait for its commit. SQLite cannot do that safely: it has one write lock for the whole database,
    which the calling request may already hold (it has written something and not yet committed),
    and waiting for it from a second connection would wait on ourselves. So on SQLite refreshes are
    serialised by a lock file next to the database, the token is written with a short timeout, and
    if the database is busy the token is kept in this process until it can be shared. Stable tokens
    make that harmless: another process asking WeChat in normal mode gets the same token back.
    """

    PERSIST_TIMEOUT_MS = 250  # SQLite: how long to wait for the write lock before keeping the token in memory

    def __init__(self, engine):
        self.engine = engine
        self._memory = {}  # name -> (value, expires): SQLite tokens not yet written to the database
        self._memory_lock = threading.Lock()

    def _insert_placeholder(self, conn, name):
        stmt = conflict_insert(ServiceToken, conn).values(name=name, value="", expires_dt=utcnow())
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))

    @staticmethod
    def _usable(value, expires, stale):
        return bool(value) and value != stale and _aware(expires) > utcnow()

    def _read(self, conn, name):
        return conn.execute(
            select(ServiceToken.value, ServiceToken.expires_dt).where(ServiceToken.name == name)
        ).first()

    def _read_usable(self, name, stale):
        with self.engine.connect() as conn:
            row = self._read(conn, name)
        if row is not None and self._usable(row.value, row.expires_dt, stale):
            return row.value
        with self._memory_lock:
            value, expires = self._memory.get(name, (None, None))
        if value is not None and self._usable(value, expires, stale):
            # Kept here because SQLite was busy when it was fetched: share it now if the database is free.
            if self._persist_sqlite(name, value, expires, timeout_ms=0):
                with self._memory_lock:
                    self._memory.pop(name, None)
            return value
        return None

    def get(self, name, fetch, stale=None):
        value = self._read_usable(name, stale)
        if value is not None:
            return value
        if self.engine.dialect.name == "sqlite":
            return self._refresh_sqlite(name, fetch, stale)
        # Refresh under the row lock that the UPDATE takes until commit.
        with self.engine.begin() as conn:
            self._insert_placeholder(conn, name)
            conn.execute(update(ServiceToken).where(ServiceToken.name == name).values(name=name))
            row = self._read(conn, name)
            if self._usable(row.value, row.expires_dt, stale):
                return row.value  # another worker refreshed it while we waited
            value, expires_in = fetch()
            expires = utcnow() + timedelta(seconds=usable_seconds(expires_in))
            conn.execute(update(ServiceToken).where(ServiceToken.name == name).values(value=value, expires_dt=expires))
            return value

    def _refresh_sqlite(self, name, fetch, stale):
        with _file_lock(self.engine.url.database, name):
            value = self._read_usable(name, stale)
            if value is not None:
                return value  # another worker refreshed it while we waited
            value, expires_in = fetch()
            expires = utcnow() + timedelta(seconds=usable_seconds(expires_in))
            with self._memory_lock:
                self._memory[name] = (value, expires)
            if self._persist_sqlite(name, value, expires, timeout_ms=self.PERSIST_TIMEOUT_MS):
                with self._memory_lock:
                    self._memory.pop(name, None)
            return value

    def _persist_sqlite(self, name, value, expires, timeout_ms):
        stmt = sqlite.insert(ServiceToken).values(name=name, value=value, expires_dt=expires)
        stmt = stmt.on_conflict_do_update(index_elements=["name"], set_={"value": value, "expires_dt": expires})
        with self.engine.connect() as conn:
            previous = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(timeout_ms)}")
            try:
                conn.execute(stmt)
                conn.commit()
                return True
            except OperationalError as exc:  # "database is locked": most likely by our own caller
                conn.rollback()
                log.info("WeChat token kept in this process for now; SQLite is busy (%s)", exc.orig)
                return False
            finally:
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(previous)}")


_thread_locks = {}
_thread_locks_guard = threading.Lock()


@contextmanager
def _file_lock(database_path, name):
    """An exclusive lock shared by every thread and process on this machine using this SQLite file."""
    if not database_path or database_path == ":memory:" or fcntl is None:
        with _thread_locks_guard:
            lock = _thread_locks.setdefault((database_path, name), threading.Lock())
        with lock:
            yield
        return
    safe_name = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    with open(f"{database_path}.{safe_name}.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# Delete the lock only if it is still ours (it may have expired and been taken by another worker).
_RELEASE_LOCK = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class RedisTokenStore:
    def __init__(self, redis_client, prefix="mashangban:"):
        self.redis = redis_client
        self.prefix = prefix

    def _value(self, key):
        value = self.redis.get(key)
        if isinstance(value, bytes):
            value = value.decode()
        return value

    def get(self, name, fetch, stale=None, wait_seconds=10.0):
        try:
            return self._get(name, fetch, stale, wait_seconds)
        except redis.RedisError as exc:
            # Redis down: the token is fetched without being shared. Harmless, as the stable token's
            # normal mode hands every caller the same token and invalidates none; the caller keeps it
            # for a while (WeChatClient.access_token), and Redis shares it again once it is back.
            log.warning("Redis unreachable for the WeChat token (%s); fetching it directly", exc.__class__.__name__)
            return fetch()[0]

    def _get(self, name, fetch, stale, wait_seconds):
        key, lock_key = self.prefix + name, self.prefix + name + ":lock"
        deadline = time.monotonic() + wait_seconds
        while True:
            value = self._value(key)
            if value is not None and value != stale:
                return value
            lock_id = secrets.token_hex(8)
            if self.redis.set(lock_key, lock_id, nx=True, px=int(wait_seconds * 1000)):
                try:
                    value = self._value(key)
                    if value is not None and value != stale:
                        return value
                    token, expires_in = fetch()
                    keep_ms = int(usable_seconds(expires_in) * 1000)
                    if keep_ms > 0:
                        self.redis.set(key, token, px=keep_ms)
                    else:
                        self.redis.delete(key)
                    return token
                finally:
                    self.redis.eval(_RELEASE_LOCK, 1, lock_key, lock_id)
            if time.monotonic() > deadline:
                raise TimeoutError("timed out waiting for another worker to refresh the WeChat token")
            time.sleep(0.05)


def _aware(dt):
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
