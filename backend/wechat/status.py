"""Whether WeChat accepts our appid and secret, shared by every process for the health check.

A token fetch (or sign-in) that WeChat refuses for the settings (``client.CONFIG_ERRCODES``) writes a row
in ``service_tokens``; the next one it accepts deletes it. The row carries a fingerprint of the settings it
was refused with, so that once an operator corrects them and restarts, health stops reporting the old
mistake at once; an IP added to the whitelist shows at the next fetch (the sweep's, within minutes).

Writing is best effort: it must never fail or hold up the call that found the answer (on SQLite the caller
may hold the database's write lock, see token_store.DatabaseTokenStore), so a busy database is skipped.
"""
import hashlib
import logging
import threading
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError

from ..db_types import conflict_insert, utcnow
from .models import ServiceToken

log = logging.getLogger(__name__)

ROW = "wechat_misconfigured"
SQLITE_TIMEOUT_MS = 250


def fingerprint(base_url, appid, secret):
    return hashlib.sha256(f"{base_url}\0{appid}\0{secret}".encode()).hexdigest()[:16]


class CredentialStatus:
    def __init__(self, engine, base_url, appid, secret):
        self.engine = engine
        self.fingerprint = fingerprint(base_url.rstrip("/"), appid, secret)
        self._known_ok = False  # this process has cleared the row since its last refusal: nothing to write
        self._lock = threading.Lock()

    def ok(self):
        with self._lock:
            if self._known_ok:
                return
            # Read first: deleting takes SQLite's write lock even when there is no row to delete.
            try:
                with self.engine.connect() as conn:
                    recorded = conn.scalar(select(ServiceToken.name).where(ServiceToken.name == ROW))
            except SQLAlchemyError:
                return
            self._known_ok = recorded is None or self._write(delete(ServiceToken).where(ServiceToken.name == ROW))

    def misconfigured(self, error):
        with self._lock:
            self._known_ok = False
        # Expires after a day: a refusal nobody retried since (no traffic, no sweep) is no longer news.
        values = dict(name=ROW, value=f"{self.fingerprint} {error.message}"[:1024], expires_dt=utcnow() + timedelta(days=1))
        statement = conflict_insert(ServiceToken, self.engine).values(**values)
        self._write(statement.on_conflict_do_update(index_elements=["name"], set_={
            "value": values["value"], "expires_dt": values["expires_dt"]}))

    def _write(self, statement):
        try:
            with self.engine.connect() as conn:
                sqlite = self.engine.dialect.name == "sqlite"
                if sqlite:
                    previous = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
                    conn.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_TIMEOUT_MS}")
                try:
                    conn.execute(statement)
                    conn.commit()
                finally:
                    if sqlite:
                        conn.rollback()
                        conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(previous)}")
            return True
        except SQLAlchemyError as exc:
            log.info("WeChat credential status not recorded now (%s)", exc.__class__.__name__)
            return False


def current_problem(session, base_url, appid, secret):
    """The operator's line for the refusal recorded for these settings, or None."""
    row = session.execute(select(ServiceToken.value, ServiceToken.expires_dt).where(ServiceToken.name == ROW)).first()
    if row is None:
        return None
    expires = row.expires_dt if row.expires_dt.tzinfo else row.expires_dt.replace(tzinfo=utcnow().tzinfo)
    mark, _, message = row.value.partition(" ")
    if mark != fingerprint(base_url.rstrip("/"), appid, secret) or expires <= utcnow():
        return None
    return message
