"""培训清单: the yearly training plan's figures — which deputies in office attended a training (学习培训) in a
period, the coverage of a region's deputies, those not yet trained, and 点名调训 (summoning them to an
upcoming training).

The rule the plan serves (a Hunan bulletin): every deputy attends a concentrated training at least once
a term (确保各级人大代表一届内参加集中培训不少于一次); the figures tell who has not yet.

**Trained** is defined once, here (``trained_deputy_ids``): the deputy is checked in (by their own scan
or an administrator's 补签; 结单 leaves that status as it is) to a ``training`` activity that was not
cancelled and whose start falls in the period (China dates, both days included). 结单 is not required:
a deputy who was there attended, whether or not the activity has been closed yet — 结单 decides points
and absences, not attendance. The archive counts 学习培训 attended the same way (checked in, not
cancelled, started in the year).

Services flush and never commit; the request commits once.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import Integer, and_, any_, case, cast, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased

from ..auth.scope import deputy_scope_clause, get_by_id, manages_region, region_subtree_clause, station_scope_clause
from ..db_types import CHINA, utcnow
from ..errors import APIError, not_found, validation_failed
from ..extensions import db
from ..org.models import Deputy, Region, Station, station_admins, station_deputies
from . import services
from .models import Activity, ActivityParticipant, ActivityStatus, ActivityType, ParticipantStatus

ACTIVITIES_LISTED = 100  # a period's trainings named in the coverage answer; all are counted


@dataclass(frozen=True)
class Period:
    """From ``since`` to ``until``, China dates, both included."""

    since: date
    until: date

    @property
    def start_dt(self):
        return datetime.combine(self.since, time(), CHINA)

    @property
    def end_dt(self):
        return datetime.combine(self.until + timedelta(days=1), time(), CHINA)


def today():
    return utcnow().astimezone(CHINA).date()


def period_of(since=None, until=None):
    """The period asked for: by default from 1 January of this year (China time) to today. A start alone
    runs to today, or, after today (planning the coming trainings), to the end of its year; an end alone
    starts on 1 January of its year. 422 when the two given end before it starts."""
    if until is None:
        until = today() if since is None or since <= today() else date(since.year, 12, 31)
    since = since or date(until.year, 1, 1)
    if since > until:
        raise validation_failed({"since": ["起始日期不能晚于截止日期。"]}, "起始日期不能晚于截止日期。")
    return Period(since, until)


def period_trainings_clause(period):
    """SQL condition on ``Activity``: a training, not cancelled, starting in ``period``."""
    return and_(Activity.type == ActivityType.training, Activity.status != ActivityStatus.cancelled,
                Activity.starts_dt >= period.start_dt, Activity.starts_dt < period.end_dt)


def of_period_trainings(activity_id, period):
    """SQL condition on an activity id column: one of the trainings of ``period``. Those are read first
    (``ix_activities_type_starts``), then only their rosters (by the participants' primary key): on
    PostgreSQL as one array (``= ANY``), since as a join or ``IN`` it hash-joined every participant row
    ever written — every activity type, every year — to the period's trainings (bench: a full read of
    ``activity_participants`` at every evaluation, growing with the province's whole history)."""
    ids = select(Activity.id).where(period_trainings_clause(period))
    if db.session.get_bind().dialect.name == "postgresql":
        # cast: "= ANY (SELECT …)" would compare the id with each row (an array), not with its elements
        ids = select(func.array_agg(Activity.id)).where(period_trainings_clause(period))
        return activity_id == any_(cast(ids.scalar_subquery(), ARRAY(Integer)))
    return activity_id.in_(ids)


def trained_deputy_ids(period):
    """SELECT of the ids of the deputies trained in ``period`` (see the module's docstring): the one
    definition every figure, list and 点名调训 uses. Read from the period's trainings' rosters only
    (``of_period_trainings``)."""
    return (
        select(ActivityParticipant.deputy_id)
        .where(of_period_trainings(ActivityParticipant.activity_id, period),
               ActivityParticipant.status == ParticipantStatus.checked_in)
    )


def is_trained(period):
    """SQL condition on ``Deputy``: trained in ``period``."""
    return Deputy.id.in_(trained_deputy_ids(period))


# --- whose figures ---------------------------------------------------------------------------------


OUT_OF_SCOPE = "只能查看或调训本人所管区域的代表。"


def _station_admin_paths(user):
    """The region paths a station administrator's figures reach: their stations' regions and the regions
    their deputies in office (``deputy_scope_clause``: those received at their stations) were elected in,
    whatever their level — a national deputy received at a 街道's station was elected in the province.
    A handful of distinct paths, one statement each: (stations' paths, deputies' paths)."""
    stations = select(Region.path).join(Station, Station.region_id == Region.id).where(
        Station.id.in_(select(station_admins.c.station_id).where(station_admins.c.user_id == user.id)))
    deputies = select(Region.path).join(Deputy, Deputy.region_id == Region.id).where(
        Deputy.active.is_(True), deputy_scope_clause(user)).distinct()
    return sorted(set(db.session.scalars(stations))), sorted(set(db.session.scalars(deputies)))


def _common_region(paths):
    """The lowest region containing every one of ``paths`` (materialised "/1/5/12/")."""
    parts = [p.strip("/").split("/") for p in paths]
    common = []
    for segments in zip(*parts):
        if len(set(segments)) != 1:
            break
        common.append(segments[0])
    return db.session.get(Region, int(common[-1])) if common else None


def _on_the_way(region_path, paths):
    """Whether a region (by path) may be opened by a station administrator with these ``(stations' paths,
    deputies' paths)``: one on the way up from any of them, or below one of their stations' regions (not
    below a deputy's: a national deputy's region is the whole province)."""
    stations, deputies = paths
    return (any(p.startswith(region_path) for p in (*stations, *deputies))
            or any(region_path.startswith(p) for p in stations))


def scope_region(user, region_id=None):
    """The region whose deputies the figures are about: ``region_id``, else the administrator's own region.
    A station administrator's default is the lowest region holding both their stations and every deputy
    they manage (``_station_admin_paths``), so that it counts all the deputies received at their stations,
    whatever the level they were elected at (the figures are always only theirs: ``population``). 404 for
    no such region and, as if it did not exist (the contract; auth.scope), for one outside the caller's
    scope: a region administrator's subtree; for a station administrator, a region on the way up from those
    paths or below a station's (``_on_the_way``)."""
    if region_id is None:
        region = get_by_id(Region, user.admin_region_id) if user.admin_region_id is not None else None
        if region is None and user.is_station_admin:
            region = _common_region([p for paths in _station_admin_paths(user) for p in paths])
        if region is None:
            raise APIError(403, "forbidden", OUT_OF_SCOPE)
        return region
    region = get_by_id(Region, region_id)
    if region is None:
        raise not_found("区域不存在。")
    if manages_region(user, region):
        return region
    if user.is_station_admin and _on_the_way(region.path, _station_admin_paths(user)):
        return region
    raise not_found("区域不存在。")


def viewable(user, regions):
    """The ids of ``regions`` (rows with ``id`` and ``path``) whose figures ``user`` may open
    (``scope_region`` would not refuse them): ``_station_admin_paths``' two statements for a station
    administrator, none else."""
    if user.admin_region is not None:
        return {r.id for r in regions if manages_region(user, r)}
    if not user.is_station_admin:
        return set()
    paths = _station_admin_paths(user)
    return {r.id for r in regions if _on_the_way(r.path, paths)}


def openable_rows(user, rows):
    """The ids of the ``by_region`` rows (``coverage``) whose region ``user`` may open: every child of a
    region administrator's (their subtree); for a station administrator, those ``scope_region`` accepts —
    a child region holding none of their deputies nor stations would only be refused."""
    ids = [r["region_id"] for r in rows if not r["own_level"]]
    if user.admin_region is not None or not ids:
        return set(ids)
    return viewable(user, db.session.execute(select(Region.id, Region.path).where(Region.id.in_(ids))).all())


def station_admin_regions(user):
    """A station administrator's region choice: their default region (``scope_region``) and, below it,
    the regions on the way down to their stations and their deputies' regions, in tree order with their
    depth, as ``console.pages.managed_regions`` gives a region administrator's."""
    paths = [p for paths in _station_admin_paths(user) for p in paths]
    root = _common_region(paths)
    if root is None:
        return []
    base = root.path.count("/")
    ids = {int(segment) for p in paths for segment in p.strip("/").split("/")[base - 2:]}
    regions = db.session.execute(select(Region.id, Region.name, Region.path).where(Region.id.in_(ids))
                                 .order_by(Region.path)).all()
    return [{"id": r.id, "name": r.name, "depth": r.path.count("/") - base} for r in regions]


def population(user, region, level=None):
    """SQL conditions on ``Deputy``: in office, elected in ``region``'s subtree, of ``level`` if given, and
    managed by ``user`` (a station administrator: the deputies received at their stations)."""
    clauses = [Deputy.active.is_(True), region_subtree_clause(Deputy.region_id, region), deputy_scope_clause(user)]
    if level:
        clauses.append(Deputy.level == level)
    return clauses


# --- the figures ---------------------------------------------------------------------------------------


def _rate(part, whole):
    return round(part / whole, 4) if whole else None


def coverage(user, region, level, period):
    """Totals, the breakdown by the region's child regions, and the period's trainings."""
    trained = case((is_trained(period), 1), else_=0)
    # Counted per deputies' region first (a province's thousands of regions, not its 140,000 deputies),
    # then rolled up to the child region whose subtree holds each: one statement.
    per_region = (
        select(Deputy.region_id.label("region_id"), func.count().label("deputies"), func.sum(trained).label("trained"))
        .where(*population(user, region, level)).group_by(Deputy.region_id)
    ).subquery("per_region")
    own, child = aliased(Region), aliased(Region)
    rolled = db.session.execute(
        select(child.id, func.sum(per_region.c.deputies), func.sum(per_region.c.trained))
        .select_from(per_region)
        .join(own, own.id == per_region.c.region_id)
        .outerjoin(child, and_(child.parent_id == region.id, own.path.startswith(child.path)))
        .group_by(child.id)
    ).all()
    counts = {child_id: (int(n or 0), int(t or 0)) for child_id, n, t in rolled}
    children = db.session.execute(
        select(Region.id, Region.name, Region.level).where(Region.parent_id == region.id).order_by(Region.name, Region.id)
    ).all()

    def row(region_id, name, region_level, own_level=False):
        deputies, done = counts.get(region_id if not own_level else None, (0, 0))
        return {"region_id": region_id, "region_name": name, "region_level": region_level, "own_level": own_level,
                "deputies": deputies, "trained": done, "untrained": deputies - done, "rate": _rate(done, deputies)}

    by_region = [row(region.id, f"{region.name}（本级）", region.level.value, own_level=True)] if None in counts else []
    by_region += [row(c.id, c.name, c.level.value) for c in children]
    deputies = sum(n for n, _ in counts.values())
    done = sum(t for _, t in counts.values())
    activities, activities_total = period_trainings(user, region, level, period)
    return {
        "region_id": region.id, "region_name": region.name, "level": level, "since": period.since,
        "until": period.until, "deputies": deputies, "trained": done, "untrained": deputies - done,
        "rate": _rate(done, deputies), "denominators": {"rate": deputies},
        "by_region": by_region, "activities": activities, "activities_total": activities_total,
    }


def _managed_activities(user):
    """SQL condition on ``Activity``: one ``user`` manages and may open (``services.manages_activity``): at
    one of their stations, or, for a region administrator, in their region's subtree."""
    managed = [Activity.station_id.in_(select(Station.id).where(station_scope_clause(user)))]
    if user.admin_region is not None:
        managed.append(region_subtree_clause(Activity.region_id, user.admin_region))
    return or_(*managed)


def period_trainings(user, region, level, period):
    """The trainings starting in ``period`` (cancelled ones left out) that concern the figures: held in
    ``region``'s subtree and managed by ``user`` (a station administrator's figures may start at the
    province: the trainings of other counties are none of theirs), or inviting one of the deputies counted
    here (the caller's own); soonest first: the first ACTIVITIES_LISTED with the invited and attended of
    their whole roster and whether the caller manages it (``manageable``: the console links only those;
    one inviting their deputies that another congress holds is named, not opened), and how many there are."""
    concerned = select(ActivityParticipant.activity_id).join(Deputy, Deputy.id == ActivityParticipant.deputy_id) \
        .where(of_period_trainings(ActivityParticipant.activity_id, period), *population(user, region, level))
    managed = _managed_activities(user)
    where = [period_trainings_clause(period),
             or_(and_(region_subtree_clause(Activity.region_id, region), managed), Activity.id.in_(concerned))]
    total = db.session.scalar(select(func.count()).select_from(Activity).where(*where))
    listed = db.session.scalars(
        select(Activity).where(*where).order_by(Activity.starts_dt, Activity.id).limit(ACTIVITIES_LISTED)
        .options(*services.list_loading())
    ).all()
    counts = services.summaries(listed)
    mine = set(db.session.scalars(select(Activity.id).where(Activity.id.in_([a.id for a in listed]), managed))) \
        if listed else set()
    now = utcnow()
    return [training_row(a, counts[a.id], now) | {"manageable": a.id in mine} for a in listed], total


def stage(activity, now):
    """未开始 / 进行中 / 待结单 / 已结单, as the list of trainings says it."""
    if activity.status is ActivityStatus.closed:
        return "closed", "已结单"
    if activity.starts_dt > now:
        return "planned", "未开始"
    if activity.ends_dt > now:
        return "running", "进行中"
    return "held", "已结束，待结单"


def training_row(activity, counts, now):
    key, label = stage(activity, now)
    return {
        "id": activity.id, "title": activity.title, "starts_at": activity.starts_dt, "ends_at": activity.ends_dt,
        "status": activity.status.value, "stage": key, "stage_label": label,
        "station_name": activity.station.name if activity.station else None, "place": activity.place,
        "invited": counts["total"], "attended": counts[ParticipantStatus.checked_in.value],
    }


def untrained(user, region, level, period):
    """SELECT of the deputies counted in ``region`` not trained in ``period``, by region then id."""
    return (select(Deputy).where(*population(user, region, level), ~is_trained(period))
            .order_by(Deputy.region_id, Deputy.id))


def untrained_rows(user, region, level, period):
    """The same deputies as rows for a spreadsheet: name, level, region, stations (names joined), group,
    phone — one statement, streamed."""
    stations = (
        select(func.aggregate_strings(Station.name, literal_column("'、'")))
        .select_from(station_deputies).join(Station, Station.id == station_deputies.c.station_id)
        .where(station_deputies.c.deputy_id == Deputy.id).scalar_subquery()
    )
    return (
        select(Deputy.name, Deputy.level, Region.name.label("region_name"), stations.label("stations"),
               Deputy.group, Deputy.phone)
        .join(Region, Region.id == Deputy.region_id)
        .where(*population(user, region, level), ~is_trained(period))
        .order_by(Deputy.region_id, Deputy.id)
    )


# --- 点名调训 -------------------------------------------------------------------------------------------


def upcoming_trainings(user, limit=50):
    """The published trainings not started yet that ``user`` manages, soonest first: those 点名调训 may
    fill."""
    return db.session.scalars(
        select(Activity).where(Activity.type == ActivityType.training, Activity.status == ActivityStatus.published,
                               Activity.starts_dt > utcnow(), _managed_activities(user))
        .order_by(Activity.starts_dt, Activity.id).limit(limit).options(*services.list_loading())
    ).all()


def summon_refusal(activity, now=None):
    """Why ``activity`` cannot be used for 点名调训, as an APIError, or None."""
    if activity.type is not ActivityType.training:
        return APIError(409, "invalid_transition", "只有学习培训活动可以点名调训。")
    if activity.status is ActivityStatus.closed:
        return APIError(409, "invalid_transition", "培训已结单，不能再点名调训。")
    if activity.status is ActivityStatus.cancelled:
        return APIError(409, "invalid_transition", "培训已取消，不能点名调训。")
    if activity.starts_dt <= (now or utcnow()):
        return APIError(409, "invalid_transition", "培训已经开始，不能再点名调训。")
    return None


def summon(actor, activity, region_id=None, level=None, since=None, until=None):
    """点名调训: invite to ``activity`` (an upcoming training the caller manages) every deputy counted in
    the region (``region_id``, checked as the figures check it; default: the caller's own) and ``level``
    not trained in the period (``since``..``until``, as ``period_of``) and not on its list yet, as 补充邀请
    does (services.edit: the same checks, limits, 发单 message and record line). Returns how many were
    invited; 409 when there is nobody left to invite, so a second summons changes nothing."""
    refusal = summon_refusal(activity)
    if refusal is not None:
        raise refusal
    region = scope_region(actor, region_id)
    period = period_of(since, until)
    on_list = select(ActivityParticipant.deputy_id).where(ActivityParticipant.activity_id == activity.id)
    wanted = select(Deputy.id).where(*population(actor, region, level), ~is_trained(period), Deputy.id.not_in(on_list))
    room = current_app.config["ACTIVITY_MAX_DEPUTIES"] - db.session.scalar(select(func.count()).select_from(on_list.subquery()))
    ids = db.session.scalars(wanted.order_by(Deputy.region_id, Deputy.id).limit(max(room, 0) + 1)).all()
    if not ids:
        raise APIError(409, "conflict", "没有需要点名调训的代表：所选范围内的在任代表均已参加培训或已在邀请名单中。")
    if len(ids) > room:
        many = db.session.scalar(select(func.count()).select_from(wanted.subquery()))
        raise validation_failed({"region_id": [f"所选范围内有 {many} 位未参训的代表，超过本培训还能邀请的 {max(room, 0)} 位；"
                                               "请缩小区域或层级后分批调训。"]})
    services.edit(actor, activity, {"add_deputy_ids": ids}, why="点名调训")
    return len(ids)
