"""Access tokens shared by every app server.

WeChat allows a limited number of token fetches a day, and fetching a classic token invalidates
the previous one, so workers must share one: in the database (the default), or in Redis when
``REDIS_URL`` is set. Refreshing is serialised so that one worker fetches while the others wait.
"""
import time
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..db_types import utcnow
from .models import ServiceToken

# Refresh a little before WeChat's expiry so that a request in flight never carries a dead token.
EARLY_REFRESH_SECONDS = 300


class DatabaseTokenStore:
    def __init__(self, engine):
        self.engine = engine

    def _insert_placeholder(self, conn, name):
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(ServiceToken).values(name=name, value="", expires_dt=utcnow())
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))

    def get(self, name, fetch, stale=None):
        now = utcnow()
        with self.engine.connect() as conn:
            row = conn.execute(select(ServiceToken.value, ServiceToken.expires_dt).where(ServiceToken.name == name)).first()
        if row and row.value and row.value != stale and _aware(row.expires_dt) > now:
            return row.value
        # Refresh under a row lock; an UPDATE takes it on PostgreSQL and SQLite alike.
        with self.engine.begin() as conn:
            self._insert_placeholder(conn, name)
            conn.execute(update(ServiceToken).where(ServiceToken.name == name).values(name=name))
            row = conn.execute(select(ServiceToken.value, ServiceToken.expires_dt).where(ServiceToken.name == name)).one()
            if row.value and row.value != stale and _aware(row.expires_dt) > utcnow():
                return row.value  # another worker refreshed it while we waited
            value, expires_in = fetch(force_refresh=stale is not None)
            expires = utcnow() + timedelta(seconds=max(expires_in - EARLY_REFRESH_SECONDS, 1))
            conn.execute(update(ServiceToken).where(ServiceToken.name == name).values(value=value, expires_dt=expires))
            return value


class RedisTokenStore:
    def __init__(self, redis_client, prefix="mashangban:"):
        self.redis = redis_client
        self.prefix = prefix

    def get(self, name, fetch, stale=None, wait_seconds=10.0):
        key, lock_key = self.prefix + name, self.prefix + name + ":lock"
        deadline = time.monotonic() + wait_seconds
        while True:
            value = self.redis.get(key)
            if value is not None and value.decode() != stale:
                return value.decode()
            if self.redis.set(lock_key, "1", nx=True, ex=int(wait_seconds)):
                try:
                    value = self.redis.get(key)
                    if value is not None and value.decode() != stale:
                        return value.decode()
                    token, expires_in = fetch(force_refresh=stale is not None)
                    self.redis.set(key, token, ex=max(expires_in - EARLY_REFRESH_SECONDS, 1))
                    return token
                finally:
                    self.redis.delete(lock_key)
            if time.monotonic() > deadline:
                raise TimeoutError("timed out waiting for another worker to refresh the WeChat token")
            time.sleep(0.05)


def _aware(dt):
    from datetime import timezone

    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
