"""Writing the 操作日志: one function for an action taken in the request's transaction, one for an event
that must be kept although the request is refused or only reads (a failed sign-in, an export).

Services call ``record`` beside the change they make, so the console and the API record alike and a
refused change (rolled back) records nothing. Nothing here reads or writes a password; a phone number
goes in only through ``masked_phone``.
"""
import re
from datetime import timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import delete, insert, select

from ..auth.models import mask_phone
from ..db_types import utcnow
from ..extensions import db
from ..org.models import Region, Station, station_admins
from .models import AuditEvent

SERVER = "服务器命令"  # who acted when nobody signed in ran it (flask --app backend import-deputies)


def masked_phone(phone):
    """A phone number as the product shows it to staff (138****5678), or "" for none."""
    return mask_phone(phone) or ""


def regions_of(user):
    """Every region an administrator's reach lies in, where their events belong: the region they
    administer, else their stations' regions (in the stations' order, each once; a station administrator's
    events are read by the region administrators above each of their stations). None: no region."""
    if user is None:
        return []
    if user.admin_region_id is not None:
        return [user.admin_region_id]
    if "admin_stations" in user.__dict__:  # loaded in this session, perhaps just changed
        return list(dict.fromkeys(station.region_id for station in user.admin_stations))
    return list(dict.fromkeys(db.session.scalars(
        select(Station.region_id).join(station_admins, station_admins.c.station_id == Station.id)
        .where(station_admins.c.user_id == user.id).order_by(Station.id))))


def _rows(region_ids, actor=None, paths=None):
    """The rows of an event that belongs to ``region_ids``, as ``(region_id, copy_depth)``: one under each
    of these regions that is not above another of them (whose administrators read that one's rows
    already), ``copy_depth`` None on the first and, on each later one, the depth of the deepest region
    above both it and an earlier row's (administrators at or above it read that earlier row). The rows in
    the acting region administrator's subtree come first, so that they read their own action once.
    ``[(None, None)]`` for no region: only the root's administrators read it. ``paths``: the regions'
    paths as ``_region_paths`` reads them, when the caller has read them already (``record_many``)."""
    ids = [region_id for region_id in dict.fromkeys(region_ids) if region_id is not None]
    if len(ids) < 2:
        return [(ids[0] if ids else None, None)]
    paths = _region_paths(ids) if paths is None else paths
    deepest = [region_id for region_id in ids
               if not any(other != region_id and _above(paths[region_id], paths[other]) for other in ids)]
    if actor is not None and actor.admin_region is not None:
        own = _path_ids(actor.admin_region.path)
        deepest.sort(key=lambda region_id: not _above(own, paths[region_id]) and own != paths[region_id])
    rows = []
    for index, region_id in enumerate(deepest):
        depths = [_common(paths[region_id], paths[earlier]) - 1 for earlier in deepest[:index]]
        rows.append((region_id, max(depths) if depths else None))
    return rows


def _region_paths(ids):
    """{region id: its path as an id list} of the regions ``ids``."""
    return {region_id: _path_ids(path) for region_id, path in db.session.execute(
        select(Region.id, Region.path).where(Region.id.in_(list(ids))))}


def _path_ids(path):
    return [part for part in (path or "").strip("/").split("/") if part]


def _above(upper, lower):
    """Whether the region of path ``upper`` is above the region of path ``lower`` (paths as id lists)."""
    return len(upper) < len(lower) and lower[:len(upper)] == upper


def _common(one, other):
    """How many regions, from the root down, two paths share."""
    shared = 0
    for a, b in zip(one, other):
        if a != b:
            break
        shared += 1
    return shared


def client_address():
    # Behind TRUSTED_PROXIES, ProxyFix has put the client's address here, as the rate limits read it.
    return (request.remote_addr or "")[:64] if has_request_context() else ""


def _values(action, actor, target, region_id, detail, tried=None, at=None, copy_depth=None):
    target_type, target_id, target_label = target if target is not None else ("", None, "")
    if actor is not None:
        name, username = actor.display_name or getattr(actor, "username", "") or "", getattr(actor, "username", "") or ""
    else:  # a name tried at the sign-in that is no administrator's, or a command on the server
        name, username = ("", tried) if tried is not None else (SERVER, "")
    return {
        "at": at or utcnow(),
        "actor_user_id": actor.id if actor is not None else None,
        "actor_name": name[:64],
        "actor_username": username[:64],
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "target_label": (target_label or "")[:100],
        "region_id": region_id,
        "copy_depth": copy_depth,
        "client_address": client_address(),
        "detail": detail or {},
    }


def record(action, actor, target=None, region_id=None, detail=None):
    """Log ``action`` by ``actor`` (a User, or None for a server command) in the current transaction.

    ``target``: ``(type, id, label)`` as it is now; ``region_id``: whose administrators read the event,
    the region of what was acted on (a station's, a deputy's, an item's); by default the actor's own
    regions (``record_across`` over ``regions_of(actor)``): a station administrator's stations may lie in
    several regions, and the administrators of each read what they do."""
    record_across(action, actor, target, [region_id] if region_id is not None else regions_of(actor), detail)


def record_across(action, actor, target, region_ids, detail=None):
    """``record`` for an event that belongs to several regions: a change that moved its target (an
    account, a station, a deputy) between regions (``region_ids`` are where it was and where it is: the
    old region's administrators see it leave, the new one's see it arrive), or what concerns a station
    administrator whose stations lie in several regions (their sign-in, their account, their export).
    A row has one region, read by that region's administrators and those above it; so there is one row
    for each of these regions that is not above another of them (whose administrators read that one's
    rows already). A move within a subtree (a county's account given one of its towns) is one row, under
    the deeper region; a move across (one county to another) is a row under each, of which the
    administrators above both read one (``copy_depth``, see ``_rows``). No region at all: the actor's
    regions, else none (only the root's administrators read it)."""
    if not any(region_id is not None for region_id in region_ids):
        region_ids = regions_of(actor)
    at = utcnow()  # one event: its rows alike
    for region_id, copy_depth in _rows(region_ids, actor):
        db.session.add(AuditEvent(**_values(action, actor, target, region_id, detail, at=at, copy_depth=copy_depth)))


RECORD_MANY_CHUNK = 1000  # rows per INSERT of ``record_many``


def record_many(action, actor, events):
    """``record_across`` for many events of one action at once (an import's new accounts or stations):
    ``events`` as ``(target, region_ids, detail)``, each written as ``record_across`` writes it, all of them in
    a few statements whatever their number: the paths of the regions they need read in one query, and their
    rows inserted by one executemany INSERT per RECORD_MANY_CHUNK rows."""
    own = None
    placed = []
    for target, region_ids, detail in events:
        if not any(region_id is not None for region_id in region_ids):
            own = regions_of(actor) if own is None else own
            region_ids = own
        placed.append((target, [region_id for region_id in dict.fromkeys(region_ids) if region_id is not None], detail))
    shared = {region_id for _, ids, _ in placed if len(ids) > 1 for region_id in ids}
    paths = _region_paths(shared) if shared else {}
    at = utcnow()
    rows = [_values(action, actor, target, region_id, detail, at=at, copy_depth=copy_depth)
            for target, ids, detail in placed for region_id, copy_depth in _rows(ids, actor, paths)]
    for start in range(0, len(rows), RECORD_MANY_CHUNK):
        db.session.execute(insert(AuditEvent.__table__), rows[start:start + RECORD_MANY_CHUNK])


def record_apart(action, actor, target=None, region_id=None, detail=None, tried=None):
    """``record`` in a short transaction of its own, committed at once: for what the request's own
    transaction would not keep (a refused sign-in is rolled back; a GET request may not write). ``tried``:
    the name typed at a sign-in that names no administrator, kept as the account name."""
    rows, at = _rows([region_id] if region_id is not None else regions_of(actor), actor), utcnow()
    with db.engine.begin() as conn:
        conn.execute(insert(AuditEvent), [_values(action, actor, target, one, detail, tried, at, copy_depth)
                                          for one, copy_depth in rows])


_LONG_NUMBER = re.compile(r"\d{7,}")


def record_export(actor, what, rows, target=None, region_id=None, capped=None):
    """导出数据: which export, with the filters it was asked with (a number typed into a search box is
    kept masked, as it may be a phone) and how many rows it held; ``capped``: added to the detail when the
    file held only the first MAX_EXPORT_ROWS (``{"capped": True, "matched": rows in all}``, see
    ``backend.console.exports.Export``). In a transaction of its own: an export is a GET, which writes
    nothing else."""
    from ..suggestions.queries import typed_phone  # (the suggestions' modules log through this one)

    def masked(value):
        phone = typed_phone(value)  # a phone typed as it is read out: "139 0000 0001" too
        return masked_phone(phone) if phone else _LONG_NUMBER.sub(lambda m: masked_phone(m.group()), value)

    filters = {key: masked(value)[:100]
               for key, value in request.args.items() if value and key != "page"} if has_request_context() else {}
    record_apart("exported", actor, target or ("export", None, what), region_id,
                 {"export": what, "filters": filters, "rows": rows} | (capped or {}))


PURGE_BATCH = 5000


def purge_expired(now=None):
    """Delete the events older than AUDIT_RETENTION_DAYS (the sweep's work, the one statement that
    deletes them), a batch per transaction so that no statement holds the table for long; returns how
    many went."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["AUDIT_RETENTION_DAYS"])
    purged = 0
    while True:
        batch = select(AuditEvent.id).where(AuditEvent.at < cutoff).order_by(AuditEvent.at).limit(PURGE_BATCH)
        gone = db.session.execute(delete(AuditEvent).where(AuditEvent.id.in_(batch))).rowcount
        db.session.commit()
        purged += gone
        if gone < PURGE_BATCH:
            return purged
