import enum
from functools import cache

from sqlalchemy import (
    Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text, func, literal, literal_column, select, text,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, lazyload, mapped_column, relationship, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ..db_types import UTCDateTime, str_enum, utcnow
from ..extensions import db


class RegionLevel(enum.StrEnum):
    province = "province"
    city = "city"
    county = "county"
    township = "township"
    village = "village"


LEVEL_RANK = {level: rank for rank, level in enumerate(RegionLevel)}  # province 0 … village 4

REGION_LEVEL_LABELS = {
    "province": "省", "city": "市", "county": "县（区）", "township": "乡镇（街道）", "village": "村（社区）",
}


class DeputyLevel(enum.StrEnum):
    """五级人大代表."""

    national = "national"
    provincial = "provincial"
    city = "city"
    county = "county"
    township = "township"


DEPUTY_LEVEL_LABELS = {
    "national": "全国人大代表",
    "provincial": "省人大代表",
    "city": "市人大代表",
    "county": "县（区）人大代表",
    "township": "乡镇人大代表",
}


class StationKind(enum.StrEnum):
    center = "center"  # 中心联络站
    area = "area"  # 片区联络站
    home = "home"  # 代表之家
    point = "point"  # 联络点


STATION_KIND_LABELS = {"center": "中心联络站", "area": "片区联络站", "home": "代表之家", "point": "联络点"}


class Region(db.Model):
    """A node of the region tree: province → city → county → township → village.

    ``path`` is the materialised list of ancestor ids ("/1/5/12/") so that a subtree is one
    indexed prefix match, whatever its depth.
    """

    __tablename__ = "regions"
    __table_args__ = (
        Index("ix_regions_path_prefix", "path", postgresql_ops={"path": "text_pattern_ops"}),
        # No two siblings of one name (the roots, parent NULL, count as siblings of one another): the
        # services refuse a twin naming the first (org.services.check_region_place); this catches a race.
        Index("uq_regions_parent_name", text("coalesce(parent_id, 0)"), text("lower(name)"), unique=True,
              info={"compare": False}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[RegionLevel] = mapped_column(str_enum(RegionLevel, "region_level"))
    path: Mapped[str] = mapped_column(String(255), default="")
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped["Region | None"] = relationship(remote_side=[id])

    def contains(self, other: "Region") -> bool:
        return other.path.startswith(self.path)

    @property
    def full_name(self):
        return full_names([self])[self.id]

    @property
    def path_ids(self):
        """The ids on the path from the root down to this region, itself included."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def ancestors_and_self(self):
        ids = self.path_ids
        by_id = {r.id: r for r in db.session.scalars(db.select(Region).where(Region.id.in_(ids)))}
        return [by_id[i] for i in ids if i in by_id]


class DeletedRegion(db.Model):
    """A region deleted (删除区域, ``org.services.delete_region``) as it was: its id, name and place in the tree.

    The 操作日志 keeps the region each of its lines was written under (``AuditEvent.region_id``, no foreign key,
    as ``target_id`` names what may be gone since); the lines of a deleted region stay its own, and this is
    how the administrators above it still find them (``audit.listing.scope_clause``: a subtree's regions are
    its live ones and its deleted ones). Only an empty region is deleted, so nothing else names its id."""

    __tablename__ = "deleted_regions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # the region's own
    parent_id: Mapped[int | None] = mapped_column()
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(String(255))
    deleted_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)


def full_names(regions):
    """{id: "湖南省怀化市鹤城区"} for ``regions``: every name on their paths, read in one query."""
    ids = {i for region in regions for i in region.path_ids}
    rows = db.session.execute(db.select(Region.id, Region.name).where(Region.id.in_(ids))) if ids else ()
    names = {row.id: row.name for row in rows}
    return {region.id: "".join(names[i] for i in region.path_ids if i in names) for region in regions}


station_deputies = Table(
    "station_deputies",
    db.metadata,
    Column("station_id", ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True),
    Column("deputy_id", ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True, index=True),
)

station_admins = Table(
    "station_admins",
    db.metadata,
    Column("station_id", ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Station(db.Model):
    """A liaison station (代表联络站/代表之家/联络点) where deputies meet citizens."""

    __tablename__ = "stations"
    __table_args__ = (
        # No two stations of one name in one region: the services refuse a twin naming the first
        # (org.services.check_station_name); this catches a race.
        Index("uq_stations_region_name", "region_id", text("lower(name)"), unique=True, info={"compare": False}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[StationKind] = mapped_column(str_enum(StationKind, "station_kind"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    open_hours: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    # 停用: closed by a region administrator (who, in the 操作日志: station_closed / station_reopened). A closed
    # station is in no public list nor picker, its code answers 410 station_closed; its past items stay.
    closed_dt: Mapped[object | None] = mapped_column(UTCDateTime)

    region: Mapped[Region] = relationship()
    deputies: Mapped[list["Deputy"]] = relationship(
        secondary=station_deputies, back_populates="stations", order_by="Deputy.id"
    )
    admins: Mapped[list["User"]] = relationship(  # noqa: F821 - defined in auth.models
        secondary=station_admins, back_populates="admin_stations", order_by="User.id"
    )
    # live_qr: the current printed code (一站一码), attached in qr/models.py

    @property
    def qr_code(self):
        return self.live_qr.code if self.live_qr is not None else None

    @property
    def kind_label(self):
        return STATION_KIND_LABELS[self.kind.value]

    @property
    def closed(self):
        return self.closed_dt is not None

    @property
    def region_name(self):
        return self.region.name

    @property
    def deputy_ids(self):
        return [d.id for d in self.deputies]

    @property
    def admin_user_ids(self):
        return [u.id for u in self.admins]

    @property
    def serving_admins(self):
        """Its administrators whose accounts are not disabled (停用): those told of what needs the station."""
        return [u for u in self.admins if u.disabled_dt is None]


class Deputy(db.Model):
    """A people's congress deputy (人大代表) of one of the five levels."""

    __tablename__ = "deputies"
    __table_args__ = (
        # A leaderboard of a level (全国代表) or a 代表小组 counts and reads its few deputies through these
        # (points.queries.leaderboard; migration 0056).
        Index("ix_deputies_level", "level", "id"),
        Index("ix_deputies_group", "group_name", "id"),
        # The deputy picker's list with nothing typed: the first in office by name (console.deputy_choices;
        # migration 0069), not a sort of every deputy.
        Index("ix_deputies_active_name", "name", "id", postgresql_where=text("active IS true"),
              sqlite_where=text("active IS 1")),
        # A rank below 0 counts the deputies in office (entered by a past year's end): an index-only count
        # (points.queries._ranked_deputies; migration 0072), not a scan of every deputy.
        Index("ix_deputies_active_created", "created_dt", postgresql_where=text("active IS true"),
              sqlite_where=text("active IS 1")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    level: Mapped[DeputyLevel] = mapped_column(str_enum(DeputyLevel, "deputy_level"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    term: Mapped[int | None] = mapped_column(Integer)  # 届
    group: Mapped[str] = mapped_column("group_name", String(100), default="")  # 代表小组
    # The deputy base is keyed by mobile number: it is how a WeChat user proves to be this deputy.
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    bio: Mapped[str] = mapped_column(Text, default="")
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    region: Mapped[Region] = relationship()
    stations: Mapped[list[Station]] = relationship(
        secondary=station_deputies, back_populates="deputies", order_by="Station.id"
    )
    # live_qr: the current printed code (一人一码), attached in qr/models.py

    @property
    def qr_code(self):
        return self.live_qr.code if self.live_qr is not None else None

    @property
    def level_label(self):
        return DEPUTY_LEVEL_LABELS[self.level.value]

    @property
    def region_name(self):
        return self.region.name

    @property
    def station_ids(self):
        return [s.id for s in self.stations]


# The deputy picker's search (console.deputy_choices, GET /console/deputy-options) at a province's 140,000
# deputies, on every keystroke, reads indexes, not every deputy (migration 0069):
# * the end of the mobile number typed (尾号) is the start of the number reversed, which its index finds
#   with the pattern operators (PostgreSQL; SQLite, given ``reverse`` by the app, reads the deputies);
# * a name or 代表小组 holding the text typed holds every pair of adjacent characters of it (its one
#   character for a one-character text), which a GIN index of the name's and the group's characters and
#   pairs finds: the keyword search's own function (migration 0023, suggestions.models.CONTENT_GRAMS), so that
#   a 1- or 2-character name (王伟) is found through it too, where pg_trgm needs three; LIKE keeps the exact
#   matches. PostgreSQL only: SQLite reads the names;
# * nothing typed, or a text many deputies hold, is the list's walk of ``ix_deputies_active_name``.
# Written here as the search writes them: the planner uses an index on an expression only for that expression.
PHONE_REVERSED = func.reverse(Deputy.phone, type_=String)
Index("ix_deputies_phone_reversed", PHONE_REVERSED.label("phone_reversed"),
      postgresql_ops={"phone_reversed": "text_pattern_ops"}, info={"compare": False}).ddl_if(dialect="postgresql")
NAME_AND_GROUP = Deputy.name + literal_column("' '") + func.coalesce(Deputy.group, literal_column("''"))
NAME_GRAMS = type_coerce(func.suggestion_content_grams(NAME_AND_GROUP).collate("C"), ARRAY(Text))
Index("ix_deputies_name_grams", NAME_GRAMS.label("name_grams"), postgresql_using="gin",
      info={"compare": False}).ddl_if(dialect="postgresql")


# --- what a list of stations or deputies shows, read per page -------------------------------------
# Built on first use: live_qr is attached to both models by qr/models.py.


@cache
def station_listing():
    """Loader options for a page of stations as the API and the console list them — each one's region
    name, deputies and administrators, and printed code — one query each for the whole page (the
    deputies without their own codes)."""
    return (selectinload(Station.region), selectinload(Station.deputies).lazyload(Deputy.live_qr),
            selectinload(Station.admins))


@cache
def deputy_listing():
    """Loader options for a page of deputies as the API and the console list them — each one's region
    name, stations (with their regions: whether a region administrator manages a deputy received there,
    ``manages_deputy``) and printed code — one query each for the whole page (the stations without their
    own codes)."""
    return (selectinload(Deputy.region),
            selectinload(Deputy.stations).options(lazyload(Station.live_qr), selectinload(Station.region)))


def station_deputies_listed(station):
    """``station.deputies``, read with what the station's edit (the console page, PATCH) tells of each:
    whether the administrator manages them (their region, their stations and those stations' regions) and
    the stations the picker names. A district's station may receive hundreds: a few queries for them all,
    not a few per deputy. Their own codes are not read (nothing there shows them)."""
    members = select(station_deputies.c.deputy_id).where(station_deputies.c.station_id == station.id)
    deputies = db.session.scalars(select(Deputy).where(Deputy.id.in_(members)).order_by(Deputy.id)
                                  .options(*deputy_listing(), lazyload(Deputy.live_qr))).all()
    if "deputies" not in station.__dict__:  # the collection in its own order (by id), without reading it again
        set_committed_value(station, "deputies", deputies)
    return station.deputies


# --- a station's deputies as the public sees them (进站代表) ----------------------------------------

ROSTER_NAMES = 20  # deputies a station's card names (public page, /q/ page, the QR answer); the rest are counted


def station_roster(station_id, limit=ROSTER_NAMES, offset=0, q=""):
    """``(deputies, total)``: the deputies in office received at the station, ``limit`` of them from
    ``offset`` in the roster's order (by id, as ``Station.deputies``), and how many there are in all
    (with ``q``, whose name contains it). One query whatever the roster (the database counts while it
    sends the page); a page past the end costs one more, to count."""
    members = select(station_deputies.c.deputy_id).where(station_deputies.c.station_id == station_id)
    where = [Deputy.active.is_(True), Deputy.id.in_(members)]
    if q:
        where.append(Deputy.name.contains(q, autoescape=True))
    rows = db.session.execute(
        select(Deputy, func.count().over().label("total")).where(*where).order_by(Deputy.id)
        .limit(literal(limit, literal_execute=True)).offset(literal(offset, literal_execute=True))
        .options(lazyload(Deputy.live_qr))  # their own codes are not shown where they are listed
    ).all()
    if rows:
        return [row[0] for row in rows], rows[0].total
    total = db.session.scalar(select(func.count()).select_from(Deputy).where(*where)) if offset else 0
    return [], total
