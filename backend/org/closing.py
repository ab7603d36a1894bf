"""停用 against a write landing at the same station at the same instant.

Closing (``org.services.set_station_closed``) holds the station's row FOR UPDATE, sets ``closed_dt``, and
only then counts what still waits there. A write that lands at a station (a filing, a booking, an activity
dispatched or retimed there) checks the station open when it starts, writes, and then reads the station
again through ``closed_since_checked``. That read holds the row FOR KEY SHARE (as the foreign key of an
inserted row does on PostgreSQL; the caller may already hold it), which conflicts with closing's FOR UPDATE:
either the write held it first, and closing waits for the write to commit and counts it, or closing held it
first, and this read waits for closing to commit and sees the station closed (the caller then refuses, and
the request's rollback takes the write away). On SQLite the caller's write took the database's one write
lock, which closing's UPDATE needs too, with the same effect.
"""
from functools import cache

from sqlalchemy import bindparam, select

from .models import Station


@cache
def _closed_statement():
    stations = Station.__table__
    return select(stations.c.closed_dt).where(stations.c.id == bindparam("station_id")).with_for_update(read=True, key_share=True)


def closed_since_checked(connection, station_id):
    """Whether ``station_id`` is closed (停用), read after the caller's write there, holding its row until the
    caller's transaction ends (see the module). ``connection`` is the request's (``db.session.connection()``)."""
    return connection.execute(_closed_statement(), {"station_id": station_id}).scalar() is not None
