"""A pooled connection that sat idle for a while is pinged before a request gets it.

A PostgreSQL restart (an upgrade, a failover, the nightly maintenance window) ends every connection the
app servers hold. SQLAlchemy's ``pool_pre_ping`` finds a dead one by a round trip before every
checkout, which cost 7 % of an authenticated list's throughput here. A connection handed back a
moment ago is almost certainly alive, so only one that has sat in the pool for ``IDLE_BEFORE_PING``
seconds is pinged: after a restart in a quiet moment the next request gets a fresh connection
instead of the 503, and a busy server pays nothing, since its connections are never idle that long.
A restart in the middle of traffic is still met by a request that answers 503 (``errors.py``);
SQLAlchemy then replaces every pooled connection at once.

Each request takes its connection before it reads or writes anything (``transactions.begin_request``),
so a connection replaced here has done no work that could be lost.
"""
import time

from sqlalchemy import event
from sqlalchemy.exc import InvalidatePoolError

IDLE_BEFORE_PING = 1.0  # seconds
_IDLE_SINCE = "idle_since"  # in the connection's ``info``, which dies with the connection


def ping_idle_connections(engine):
    if engine.dialect.name == "sqlite":  # a file: nothing can drop the connection
        return
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection, record):
        if dbapi_connection is not None:  # None: the connection was invalidated, not returned
            record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _taken(dbapi_connection, record, proxy):
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < IDLE_BEFORE_PING:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # Most likely the server restarted: every connection older than now is replaced.
                raise InvalidatePoolError(f"idle connection found closed: {error}") from error
            raise
