"""Write operations on regions, stations and deputies.

Each takes validated data, changes objects, flushes, and never commits: the request handler
(or the CLI command) commits once, so a failure leaves nothing half-written.
"""
from sqlalchemy import func, insert, select, update

from ..activities.models import Activity, ActivityStatus
from ..appointments.models import Appointment, AppointmentStatus
from ..audit.log import masked_phone, record, record_across, record_apart, record_many
from ..auth.models import User
from ..auth.services import allow_rebinding, unbind_deputy
from ..auth.scope import is_root, manages_deputy, manages_region, manages_station, not_owned, owns_deputy
from ..db_types import utcnow
from ..errors import APIError, conflict, validation_failed
from ..extensions import db
from ..notifications.outbox import withdraw
from ..points.models import DeputyScore
from ..qr import services as qr_services
from ..qr.models import LEFT_OFFICE, QRKind
from ..suggestions.models import Status, Suggestion
from .models import (
    LEVEL_RANK, REGION_LEVEL_LABELS, DeletedRegion, Deputy, DeputyLevel, Region, RegionLevel, Station, StationKind,
    deputy_listing, station_deputies_listed,
)


PATH_ROOM = 255 - 11  # Region.path is String(255); a new level adds at most 10 digits and a slash
_CHUNK = 2000  # ids per IN (...) in bulk statements


def _region_in_scope(actor, region_id, field="region_id"):
    region = db.session.get(Region, region_id)
    if region is None or (actor is not None and not manages_region(actor, region)):
        raise validation_failed({field: ["区域不存在，或不在您的管理范围内。"]})
    return region


# --- regions ---------------------------------------------------------------------------------


def root_region():
    return db.session.scalar(select(Region).where(Region.parent_id.is_(None)).order_by(Region.id))


def create_region(actor, data) -> Region:
    parent_id = data.get("parent_id")
    if parent_id is None:
        if root_region() is not None:
            raise validation_failed({"parent_id": ["已存在根区域，请指定上级区域。"]})
        if actor is not None:
            raise APIError(403, "forbidden", "只有系统初始化时才能创建根区域。")
        parent = None
    else:
        parent = _region_in_scope(actor, parent_id, "parent_id")
        # The materialised path must fit its column; no real tree comes near this depth.
        if len(parent.path) > PATH_ROOM:
            raise validation_failed({"parent_id": ["区域层级过深，无法在此区域下再建下级区域。"]})
    check_region_place(parent, data["name"], RegionLevel(data["level"]))
    region = Region(name=data["name"], level=RegionLevel(data["level"]), parent=parent)
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite numbers a new row one past the largest id left: a region deleted last would hand its id, and
        # with it its lines of the 操作日志 (DeletedRegion), to the next. (PostgreSQL's sequence never reuses.)
        region.id = 1 + max(db.session.scalar(select(func.max(model.id))) or 0 for model in (Region, DeletedRegion))
    db.session.add(region)
    db.session.flush()
    region.path = f"{parent.path if parent else '/'}{region.id}/"
    db.session.flush()
    if actor is not None:  # without one: the demo's or a test's tree; the commands log their own
        record_region_created(actor, region)
    return region


def check_region_place(parent, name=None, level=None, region=None):
    """Refuse a region (``region``: one being edited; otherwise a new one) under ``parent`` named as a
    sibling already is, naming that sibling (409), or of a level not below its parent's or not above its
    children's (422): the API, the console and the commands all create and edit regions through here.
    Names are compared as the unique index ``uq_regions_parent_name`` compares them (lower-cased)."""
    if name is not None:
        twin = db.session.scalar(select(Region).where(
            Region.parent_id.is_(None) if parent is None else Region.parent_id == parent.id,
            func.lower(Region.name) == func.lower(name),
            *([Region.id != region.id] if region is not None else []),
        ).limit(1))
        if twin is not None:
            raise conflict(f"区域“{twin.full_name}”已存在（id={twin.id}）。", field="name")
    if level is None:
        return
    if parent is not None and LEVEL_RANK[level] <= LEVEL_RANK[parent.level]:
        below = [REGION_LEVEL_LABELS[lv.value] for lv in RegionLevel if LEVEL_RANK[lv] > LEVEL_RANK[parent.level]]
        said = f"上级区域“{parent.name}”是{REGION_LEVEL_LABELS[parent.level.value]}，"
        raise validation_failed({"level": [said + (f"下级区域的层级须为{'、'.join(below)}。" if below else "其下不能再建区域。")]})
    if region is not None:
        children = db.session.execute(select(Region.name, Region.level).where(Region.parent_id == region.id)).all()
        highest = min(children, key=lambda child: LEVEL_RANK[child.level], default=None)
        if highest is not None and LEVEL_RANK[highest.level] <= LEVEL_RANK[level]:
            raise validation_failed({"level": [
                f"下级区域中有{REGION_LEVEL_LABELS[highest.level.value]}“{highest.name}”，本区域的层级须高于它。"]})


def record_region_created(actor, region):
    """新建区域 in the log (``actor`` None: a command on the server), under the new region itself: its own
    administrators and every one above it read it."""
    record("region_created", actor, ("region", region.id, region.name), region.id,
           {"level": REGION_LEVEL_LABELS[region.level.value], "parent": region.parent.name if region.parent else ""})


def _refuse_own_region(actor, region, refusal):
    """Refuse (403, ``refusal``) a region administrator changing their own region: as for accounts, a region's
    own record is run by the region above; the root's administrators, with none above, run the root. Regions
    outside ``actor``'s scope the caller has already answered 404. ``actor`` None: a command on the server."""
    own = actor.admin_region if actor is not None else None
    if own is not None and own.id == region.id and not is_root(own):
        raise APIError(403, "forbidden", refusal)


def update_region(actor, region, data) -> Region:
    _refuse_own_region(actor, region, "本区域的名称和层级由上级区域的管理员修改。")
    before = {"name": region.name, "level": REGION_LEVEL_LABELS[region.level.value]}
    check_region_place(region.parent, data.get("name"), RegionLevel(data["level"]) if "level" in data else None, region)
    if "name" in data:
        region.name = data["name"]
    if "level" in data:
        region.level = RegionLevel(data["level"])
    db.session.flush()
    after = {"name": region.name, "level": REGION_LEVEL_LABELS[region.level.value]}
    changes = {key: [before[key], value] for key, value in after.items() if before[key] != value}
    if changes:
        record("region_updated", actor, ("region", region.id, region.name), region.id, changes)
    return region


# What a region may hold that keeps it, as a refused deletion names it: (table, column, count's wording).
_REGION_HOLDINGS = (("regions", "parent_id", "下级区域 {} 个"), ("stations", "region_id", "联络站 {} 个"),
                    ("deputies", "region_id", "代表 {} 名"), ("users", "admin_region_id", "管理员账号 {} 个"))


def delete_region(actor, region):
    """删除区域 made by mistake: only one that holds nothing — no region below it, station, deputy, account,
    nor any record of its own (an item filed there, its congress's settings); 409 naming what it holds.
    Its lines of the 操作日志 (its creation) stay as they were written, under it: it is kept as a
    ``DeletedRegion``, through which the administrators above it read them still. The deletion is
    logged under the region above."""
    _refuse_own_region(actor, region, "本区域只能由上级区域的管理员删除。")
    if region.parent_id is None:
        raise conflict("根区域不能删除。")
    held = []
    for table, column, wording in _REGION_HOLDINGS:
        column = db.metadata.tables[table].c[column]
        count = db.session.scalar(select(func.count()).where(column == region.id))
        if count:
            held.append(wording.format(count))
    others = [column for table in db.metadata.sorted_tables if table.name not in ("audit_events", *(
        name for name, _, _ in _REGION_HOLDINGS)) for column in table.c
        if any(fk.column.table.name == "regions" for fk in column.foreign_keys)]
    if not held and any(db.session.scalar(select(column).where(column == region.id).limit(1)) is not None
                        for column in others):
        held.append("其他业务记录")
    if held:
        raise conflict(f"区域“{region.name}”还有{'、'.join(held)}，不能删除；请先移走或删除这些，再删除区域。")
    db.session.add(DeletedRegion(id=region.id, parent_id=region.parent_id, name=region.name,
                                 level=region.level.value, path=region.path))
    record("region_deleted", actor, ("region", region.id, region.name), region.parent_id,
           {"level": REGION_LEVEL_LABELS[region.level.value], "parent": region.parent.name})
    db.session.delete(region)
    db.session.flush()


# --- stations --------------------------------------------------------------------------------


def _deputies_in_scope(actor, ids):
    ids = list(dict.fromkeys(ids))
    deputies = db.session.scalars(select(Deputy).where(Deputy.id.in_(ids)).options(*deputy_listing())).all() if ids else []
    found = {d.id: d for d in deputies if actor is None or manages_deputy(actor, d)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise validation_failed({"deputy_ids": [f"代表不存在或不在您的管理范围内：{', '.join(map(str, missing))}。"]})
    return [found[i] for i in ids]


def _relinked(current, ids, manages, in_scope):
    """The links after an administrator sets them to ``ids``: those within their scope (``manages``)
    become exactly ``ids``, each checked by ``in_scope``; those outside it stay as they are — not theirs
    to add or remove, and listing one that exists changes nothing (a deputy received at another
    administrator's station too keeps that station)."""
    outside = [obj for obj in current if not manages(obj)]
    kept = {obj.id for obj in outside}
    return outside + in_scope([i for i in ids if i not in kept])


def manages_account(actor, account):
    """Whether ``actor`` may attach ``account`` to a station or detach it (``actor`` None: a command on the
    server): an account they see and manage, as the accounts API tells it. Attaching one hands it the
    station's items and its citizens' phones."""
    # Imported here: the accounts module builds on this one (stations_in_scope).
    from ..auth.accounts import account_scope_clause, refusal
    if actor is None:
        return True
    seen = db.session.scalar(select(User.id).where(User.id == account.id, account_scope_clause(actor)))
    return seen is not None and refusal(actor, account) is None


def _admin_users(actor, ids):
    ids = list(dict.fromkeys(ids))
    users = db.session.scalars(select(User).where(User.id.in_(ids))).all() if ids else []
    found = {u.id: u for u in users if u.username and manages_account(actor, u)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise validation_failed({"admin_user_ids": [
            f"管理员账号不存在或不在您的管理范围内：{', '.join(map(str, missing))}。"]})
    return [found[i] for i in ids]


def _check_station_place(lat, lng):
    """Both coordinates or neither (a station half placed is on no map); their ranges the schemas check."""
    if (lat is None) != (lng is None):
        raise validation_failed({"lat": ["经纬度须同时填写或同时留空。"]})


def check_station_name(name, region, station=None):
    """Refuse a station named as another of its region already is (``station``: one being renamed or
    moved), naming that one: an import, a list or a picker could not tell them apart. Compared as the
    unique index ``uq_stations_region_name`` compares them."""
    twin = db.session.scalar(select(Station).where(
        Station.region_id == region.id, func.lower(Station.name) == func.lower(name),
        *([Station.id != station.id] if station is not None else []),
    ).limit(1))
    if twin is not None:
        raise conflict(f"联络站“{twin.name}”已存在（{region.full_name}，id={twin.id}）。", field="name")


def create_station(actor, data) -> Station:
    station = new_station(actor, data)
    db.session.add(station)
    db.session.flush()
    qr_services.issue(QRKind.station, station.id)
    if actor is not None:
        record("station_created", actor, ("station", station.id, station.name), station.region_id,
               _created_detail(station))
    return station


def new_station(actor, data, name_checked=False) -> Station:
    """``create_station``'s refusals, then its station, not yet in the session (``add_stations`` writes it).
    ``name_checked``: the caller has refused a twin name already (an import, holding every station of its
    scope, answers that without a query per row; the unique index still refuses a twin made meanwhile)."""
    region = _region_in_scope(actor, data["region_id"])
    _check_station_place(data.get("lat"), data.get("lng"))
    if not name_checked:
        check_station_name(data["name"], region)
    # Looked up before the station exists: a query's autoflush would otherwise meet the deputies linked to a
    # station not yet in the session.
    deputies = _deputies_in_scope(actor, data.get("deputy_ids", []))
    admins = _admin_users(actor, data.get("admin_user_ids", []))
    return Station(
        name=data["name"],
        kind=StationKind(data["kind"]),
        region=region,
        address=data.get("address", ""),
        lat=data.get("lat"),
        lng=data.get("lng"),
        open_hours=data.get("open_hours", ""),
        description=data.get("description", ""),
        deputies=deputies,
        admins=admins,
    )


def add_stations(actor, stations):
    """Write many new stations at once (an import's: ``new_station``'s, linked to no deputy nor administrator),
    as ``create_station`` writes one: the stations, their printed codes and their 操作日志 lines each in one
    batched statement per chunk, rather than a flush and three statements per station. The stations are
    inserted as rows (the ORM inserts one at a time where it cannot batch, as on SQLite), their ids read back
    by region and name, which the unique index keeps apart; a twin made meanwhile raises its IntegrityError.
    Returns the new ids in the order of ``stations``."""
    if not stations:
        return []
    table = Station.__table__
    rows = [{"name": s.name, "kind": s.kind, "region_id": s.region.id, "address": s.address, "lat": s.lat,
             "lng": s.lng, "open_hours": s.open_hours, "description": s.description} for s in stations]
    made = {(region_id, name): station_id for station_id, region_id, name in db.session.execute(
        insert(table).returning(table.c.id, table.c.region_id, table.c.name), rows)}
    ids = [made[(row["region_id"], row["name"])] for row in rows]
    qr_services.issue_many(QRKind.station, ids)
    if actor is not None:
        record_many("station_created", actor, [(("station", i, s.name), [s.region.id], _created_detail(s))
                                                for i, s in zip(ids, stations)])
    return ids


def _created_detail(station):
    return {"region": station.region.name, "kind": station.kind.value}


def _station_state(station, data):
    """A station as the log compares it before and after an edit; its links only when the edit sets them."""
    state = {"name": station.name, "kind": station.kind.value, "region": station.region.name,
             "address": station.address, "lat": station.lat, "lng": station.lng, "open_hours": station.open_hours,
             "description": (station.description or "")[:50]}
    if "deputy_ids" in data:
        state["deputies"] = len(station.deputies)
    if "admin_user_ids" in data:
        state["admins"] = sorted(u.username or "" for u in station.admins)
    return state


def _changes(before, after):
    """What an edit changed, for the log: ``{field: [from, to]}``."""
    return {key: [before[key], value] for key, value in after.items() if before[key] != value}


def update_station(actor, station, data) -> Station:
    if "deputy_ids" in data:
        station_deputies_listed(station)  # each deputy's scope told without a query per deputy
    before = _station_state(station, data) if actor is not None else None
    region_before = station.region_id
    if "lat" in data or "lng" in data:
        _check_station_place(data.get("lat", station.lat), data.get("lng", station.lng))
    region = _region_in_scope(actor, data["region_id"]) if "region_id" in data else station.region
    if "region_id" in data or "name" in data:
        check_station_name(data.get("name", station.name), region, station)
    station.region = region
    if "kind" in data:
        station.kind = StationKind(data["kind"])
    for key in ("name", "address", "lat", "lng", "open_hours", "description"):
        if key in data:
            setattr(station, key, data[key])
    if "deputy_ids" in data:
        deputies = _relinked(
            station.deputies, data["deputy_ids"], lambda d: actor is None or manages_deputy(actor, d),
            lambda ids: _deputies_in_scope(actor, ids))
        # Not while it stays closed; an edit that reopens it may (one closing it links before it closes).
        if data.get("closed", True) and {d.id for d in deputies} - {d.id for d in station.deputies}:
            _refuse_closed_links("deputy_ids", [station])
        station.deputies = deputies
    if "admin_user_ids" in data:
        if not manages_region(actor, station.region):
            raise APIError(403, "forbidden", "只有区域管理员可以调整联络站管理员。")
        station.admins = _relinked(station.admins, data["admin_user_ids"], lambda u: manages_account(actor, u),
                                   lambda ids: _admin_users(actor, ids))
    closing = "closed" in data and data["closed"] != station.closed
    if closing:
        set_station_closed(actor, station, data["closed"])
    db.session.flush()
    if actor is not None and (changes := _changes(before, _station_state(station, data))):
        # Moved to another region: both regions' administrators read it.
        record_across("station_updated", actor, ("station", station.id, station.name),
                      [region_before, station.region_id], changes)
    if actor is not None and closing:
        record("station_closed" if station.closed else "station_reopened", actor,
               ("station", station.id, station.name), station.region_id)
    return station


def set_station_closed(actor, station, closed):
    """停用 (``closed``) or 重新启用 a station; region administrators only. Closing is refused (409, counting
    them) while suggestions wait at it for dispatch — nobody would see them —, activities there have not
    ended, or requests to meet a deputy there (约见代表) await an answer or a meeting to come: those are
    dispatched, cancelled, moved or answered first. Items already with deputies stay theirs. Its code is
    kept: a closed station's answers 410 station_closed, and works again once the station is reopened."""
    if actor is not None and not manages_region(actor, station.region):
        raise APIError(403, "forbidden", "只有区域管理员可以停用或重新启用联络站。")
    if not closed:
        station.closed_dt = None
        return
    # Closing against a write landing at the station at the same instant (a filing, a booking, an activity
    # dispatched or extended there, each reading the station again after its write: org.closing): the station
    # is closed, holding its row, before anything waiting there is counted. On PostgreSQL, FOR UPDATE
    # conflicts with the FOR KEY SHARE lock the write takes on the station row (an inserted row's foreign key,
    # or org.closing's read): a write that came first holds closing here until it commits, and the counts
    # below see it; one coming after waits for closing to commit, then reads the station closed and is
    # refused. On SQLite the UPDATE takes the database's one write lock, with the same effect.
    # A refusal below rolls the request back, closed_dt with it.
    db.session.execute(select(Station.id).where(Station.id == station.id).with_for_update())
    station.closed_dt = utcnow()
    db.session.flush()
    pending = db.session.scalar(select(func.count()).where(
        Suggestion.station_id == station.id, Suggestion.status == Status.pending))
    upcoming = db.session.scalar(select(func.count()).where(
        Activity.station_id == station.id, Activity.status == ActivityStatus.published, Activity.ends_dt > utcnow()))
    # 约见代表 at the station, the deputy's or the station's: awaiting an answer, or agreed for a time to
    # come. Their citizens would come to a closed station (a confirmation's place is the station's by default).
    meetings = db.session.scalar(select(func.count()).where(
        Appointment.station_id == station.id,
        (Appointment.status == AppointmentStatus.requested)
        | ((Appointment.status == AppointmentStatus.confirmed) & (Appointment.meet_dt > utcnow()))))
    held = [wording.format(count) for count, wording in (
        (pending, "{} 件待分派的建议"), (upcoming, "{} 场未结束的活动"), (meetings, "{} 件待答复或已约定的约见")) if count]
    if held:
        steps = [step for count, step in (
            (pending, "分派这些建议"), (upcoming, "取消这些活动或改到其他联络站"), (meetings, "答复或另约这些约见")) if count]
        raise conflict(f"联络站“{station.name}”还有{'、'.join(held)}，不能停用；请先{'，'.join(steps)}，再停用。")


# --- deputies --------------------------------------------------------------------------------


def stations_in_scope(actor, ids):
    ids = list(dict.fromkeys(ids))
    stations = db.session.scalars(select(Station).where(Station.id.in_(ids))).all() if ids else []
    found = {s.id: s for s in stations if actor is None or manages_station(actor, s)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise validation_failed({"station_ids": [f"联络站不存在或不在您的管理范围内：{', '.join(map(str, missing))}。"]})
    return [found[i] for i in ids]


def closed_link_refusal(stations):
    """Why deputies may not be linked anew to ``stations``: the closed (停用) ones named, or None when none is.
    A closed station receives nobody; a deputy received there before it closed keeps the link."""
    names = "、".join(f"“{s.name}”" for s in stations if s.closed)
    return f"联络站{names}已停用，不能关联代表；请先重新启用该联络站，或选择其他联络站。" if names else None


def _refuse_closed_links(field, stations, before=()):
    """Refuse (422) ``stations`` where one not among ``before`` (the links an edit keeps) is closed."""
    kept = {s.id for s in before}
    if message := closed_link_refusal([s for s in stations if s.id not in kept]):
        raise validation_failed({field: [message]}, message)


def _check_phone_free(actor, phone, deputy=None):
    """Refuse a phone another deputy has. To an administrator who does not work with that deputy the
    refusal says only that the phone is registered, not that it is a deputy's elsewhere (a station's staff
    could otherwise test any number against the province's deputies), and the try is kept in 操作日志, in
    its own transaction (the request's is rolled back), for the administrators above to see."""
    if not phone:
        return
    other = db.session.scalar(select(Deputy).where(Deputy.phone == phone))
    if other is None or other is deputy:
        return
    if actor is not None and not manages_deputy(actor, other):
        record_apart("deputy_phone_refused", actor, ("deputy", deputy.id, deputy.name) if deputy is not None else None,
                     detail={"phone": masked_phone(phone)})
        raise conflict("该手机号已被登记，请联系上级管理员核实。", field="phone")
    raise conflict("该手机号已登记在另一位代表名下。", field="phone")


def _new_deputy_region(actor, region_id, stations):
    """Where a new deputy was elected: in the actor's region, or — how a station administrator
    registers one (进家入站) — a region containing all the actor's stations the deputy joins."""
    region = db.session.get(Region, region_id)
    if region is not None and (actor is None or manages_region(actor, region)):
        return region
    if region is not None and stations and all(s.region.path.startswith(region.path) for s in stations):
        return region
    raise validation_failed({"region_id": ["区域不存在，或不在您的管理范围内；联络站管理员登记代表时，区域须包含代表进驻的本站。"]})


def create_deputy(actor, data) -> Deputy:
    stations = stations_in_scope(actor, data.get("station_ids", []))
    _refuse_closed_links("station_ids", stations)
    region = _new_deputy_region(actor, data["region_id"], stations)
    _check_phone_free(actor, data.get("phone"))
    deputy = Deputy(
        name=data["name"],
        level=DeputyLevel(data["level"]),
        region=region,
        term=data.get("term"),
        group=data.get("group", ""),
        phone=data.get("phone"),
        active=data.get("active", True),
        bio=data.get("bio", ""),
    )
    deputy.stations = stations
    db.session.add(deputy)
    db.session.flush()
    sync_office([deputy])
    if actor is not None:
        record("deputy_created", actor, ("deputy", deputy.id, deputy.name), deputy.region_id,
               {"level": deputy.level.value, "region": region.name, "phone": masked_phone(deputy.phone),
                "stations": [s.name for s in stations]})
    return deputy


def _deputy_state(deputy):
    """A deputy as the log compares them before and after an edit (the phone as it is: a number changed
    only in its middle digits reads the same masked, and is a change all the same)."""
    return {"name": deputy.name, "level": deputy.level.value, "region": deputy.region.name, "term": deputy.term,
            "group": deputy.group, "phone": deputy.phone, "bio": (deputy.bio or "")[:50],
            "stations": sorted(s.name for s in deputy.stations)}


def _deputy_changes(before, after):
    """``_changes`` of two ``_deputy_state``s, the phone masked as the log keeps every phone."""
    changes = _changes(before, after)
    if "phone" in changes:
        changes["phone"] = [masked_phone(phone) for phone in changes["phone"]]
    return changes


# What belongs to a deputy as a whole: only an administrator who owns the deputy changes it.
_WHOLE_DEPUTY = ("region_id", "name", "level", "term", "group", "phone", "bio", "active")


def _changes_whole_deputy(deputy, data):
    current = {"region_id": deputy.region_id, "level": deputy.level.value} | {
        key: getattr(deputy, key) for key in _WHOLE_DEPUTY if key not in ("region_id", "level")}
    return [key for key in _WHOLE_DEPUTY if key in data and data[key] != current[key]]


def update_deputy(actor, deputy, data) -> Deputy:
    if actor is not None and _changes_whole_deputy(deputy, data) and not owns_deputy(actor, deputy):
        raise not_owned("修改代表的基本信息")
    before, was_active = (_deputy_state(deputy) if actor is not None else None), deputy.active
    region_before, phone_before = deputy.region_id, deputy.phone
    if "phone" in data:  # before anything changes: a refusal to an outsider is logged apart (_check_phone_free)
        _check_phone_free(actor, data["phone"], deputy)
    if "region_id" in data and data["region_id"] != deputy.region_id:  # sent back unchanged: no move
        deputy.region = _region_in_scope(actor, data["region_id"])
    if "level" in data:
        deputy.level = DeputyLevel(data["level"])
    for key in ("name", "term", "group", "phone", "bio"):
        if key in data:
            setattr(deputy, key, data[key])
    if "station_ids" in data:
        stations = _relinked(
            deputy.stations, data["station_ids"], lambda s: actor is None or manages_station(actor, s),
            lambda ids: stations_in_scope(actor, ids))
        _refuse_closed_links("station_ids", stations, deputy.stations)
        deputy.stations = stations
    if "active" in data:
        set_deputy_active(deputy, data["active"])
    db.session.flush()
    # The WeChat user bound through the old number is the deputy no longer.
    unbound = unbind_deputy(deputy) if deputy.phone != phone_before else None
    if deputy.phone != phone_before:  # and those an administrator unbound may prove the new number
        allow_rebinding(deputy.id)
    if actor is not None:
        target = ("deputy", deputy.id, deputy.name)
        if changes := _deputy_changes(before, _deputy_state(deputy)):
            # Moved to another region: both regions' administrators read it.
            record_across("deputy_updated", actor, target, [region_before, deputy.region_id], changes)
        if was_active != deputy.active:
            record("deputy_restored" if deputy.active else "deputy_retired", actor, target, deputy.region_id)
        if unbound is not None:
            record("deputy_unbound", actor, target, deputy.region_id, {
                "phone": masked_phone(phone_before), "reason": "手机号已更改" if deputy.phone else "手机号已清除"})
    return deputy


def unbind_deputy_wechat(actor, deputy):
    """解除绑定 in the console: the WeChat user bound as ``deputy`` is a citizen again (a wrong number, a phone
    lost or passed on); logged. Returns the unbound user, or None if none was bound."""
    user = unbind_deputy(deputy, always=True)
    if user is not None:
        record("deputy_unbound", actor, ("deputy", deputy.id, deputy.name), deputy.region_id,
               {"phone": masked_phone(user.phone), "reason": "管理员解除绑定"})
    return user


def allow_deputy_rebinding(actor, deputy):
    """允许重新绑定 in the console: the WeChat users an administrator unbound from ``deputy`` may prove the
    deputy's number again; logged. Returns how many were refused until now (0: nothing done)."""
    allowed = allow_rebinding(deputy.id)
    if allowed:
        record("deputy_rebinding_allowed", actor, ("deputy", deputy.id, deputy.name), deputy.region_id,
               {"wechat_users": allowed})
    return allowed


def set_deputy_active(deputy, active):
    if deputy.active == active:
        return
    deputy.active = active
    db.session.flush()
    sync_office([deputy])


def sync_office(deputies):
    """What follows office, wherever it is given or left: 一人一码 — a deputy in office has a live printed
    code (back in office, the one leaving office revoked, unless an administrator replaced or stopped it
    since), one who left office has none — and their running point totals, which a rank counts only in
    office (the leaderboard shows only deputies in office); one who left office is sent no 揭榜 notice still
    waiting, and their open suggestions go back to the stations' queues (件件有着落).

    Used for one deputy (create, PATCH); an import of thousands calls ``sync_office_of_ids``.
    """
    sync_office_of_ids([d.id for d in deputies if d.active], [d.id for d in deputies if not d.active])
    for deputy in deputies:
        db.session.expire(deputy, ["live_qr"])


def sync_office_of_ids(in_office, left_office, new=False):
    """``sync_office`` for many deputies known by id, in set-based statements. ``new``: they were inserted
    in this transaction, so they have neither point totals to flag nor codes to revoke yet."""
    if not new:
        for active, ids in ((False, list(left_office)), (True, list(in_office))):
            for start in range(0, len(ids), _CHUNK):
                db.session.execute(update(DeputyScore).where(DeputyScore.deputy_id.in_(ids[start:start + _CHUNK]))
                                   .values(in_office=active).execution_options(synchronize_session=False))
        # Revoked as left office: restored to office (an 离任 clicked or imported by mistake), a deputy gets the
        # same code back, and the posters printed with it work again.
        qr_services.revoke_many(QRKind.deputy, left_office, reason=LEFT_OFFICE)
        qr_services.restore_many(QRKind.deputy, in_office, LEFT_OFFICE)
        # 揭榜 notices still waiting (activities' template ``activity_claim``): one who left office may claim
        # nothing, and is not sent an invitation to.
        left = list(left_office)
        for start in range(0, len(left), _CHUNK):
            withdraw("activity_claim", users=select(User.id).where(User.deputy_id.in_(left[start:start + _CHUNK])))
        # Taken off the activities still to come or on: not reminded, nor marked absent at 结单.
        from ..activities.services import take_off_departed  # the activities build on the organisation

        take_off_departed(left)
        # Their open items go back to their stations for dispatch: nobody could answer them any more.
        from ..suggestions.services import return_departed  # the steps import the organisation's models

        return_departed(left)
    qr_services.issue_many(QRKind.deputy, in_office)
