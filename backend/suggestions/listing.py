"""The suggestion lists (a deputy's inbox, a station's queue, a citizen's own items), read in Core.

A list is the hottest read in the product: every deputy and every station administrator opens it
many times a day. Loaded as ORM objects, a page cost a dozen queries and most of the request's
time in object construction, and building its SQL anew each time cost more than running it. So:

* the statements for one *shape* of list — scope, kind of administrator, filters present, whether
  it searches a number or the content, its order — are built once and cached; each request only binds
  its values (the caller's id, region path, filter values, what is searched, page);
* a page is read in one query: the page's items with their count, the names they show and their
  photos (see ``_list_statements``);
* rows are shown through the same ``present()`` as a single item, so what a viewer may see is
  still decided in one place.
"""
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import Integer, and_, bindparam, false, func, literal_column, or_, select, true, union_all

from ..auth.models import User
from ..auth.scope import RegionRef, is_root, list_narrowing_or_404, only_as_admin
from ..db_types import json_rows
from ..errors import APIError
from ..extensions import db
from ..org.models import Deputy, Region, Station
from ..uploads.models import Upload
from .models import Suggestion, SuggestionFollower
from .presenters import present
from .queries import (
    DEFAULT_ORDER,
    LIST_ORDERS,
    admin_scope_clause,
    filter_clauses,
    filter_values,
    keyword_clauses,
    keyword_values,
    narrow_region,
)
from .snapshots import ITEM_COLUMNS, Attachment, Citizen, ItemSnapshot, Named

# After an item's own columns, each row carries the names it shows: its station's id, name, region id
# and region path, its own region's path, its deputy's name, its citizen's phone and when they cancelled their
# account, if they did (see _list_statements).
_SHOWN_NAMES = 8


def _attachments(photos):
    """A row's ``photos`` column (JSON: [id, key, width, height, screening] per photo) as Attachments, in
    upload order."""
    return [Attachment(*photo) for photo in sorted(photos)] if photos else []


def _snapshot(row):
    """One listed suggestion, from a page row (``ITEM_COLUMNS``, then ``_SHOWN_NAMES``, the total and
    the photos)."""
    columns = dict(zip(ITEM_COLUMNS, row))
    station_id, station_name, station_region_id, station_region_path, region_path, deputy_name, citizen_phone, \
        citizen_erased = row[len(ITEM_COLUMNS):len(ITEM_COLUMNS) + _SHOWN_NAMES]
    station = Named(station_id, station_name, RegionRef(station_region_id, station_region_path)) \
        if station_id is not None else None
    deputy_id = columns["deputy_id"]
    return ItemSnapshot(
        columns, station, Named(deputy_id, deputy_name) if deputy_id is not None else None,
        RegionRef(columns["region_id"], region_path), Citizen(columns["citizen_id"], citizen_phone, citizen_erased),
        _attachments(row.photos),
    )


class PageMerges:
    """What a page's rows show their viewer of merges (presenters._merged_from, _merged_into_shown), read for
    the whole page when a row first asks: the viewer's own items merged into the page's items, one query;
    the items the viewer's duplicates on the page went into, with the viewer's follows of them, one query
    each. Row by row it was a query or two per row (a merge follower's page of 20: 22 statements)."""

    def __init__(self, snapshots, viewer):
        self._viewer = viewer
        self._ids = [s.id for s in snapshots]
        self._into_ids = sorted({s.merged_into_id for s in snapshots
                                 if s.merged_into_id is not None and s.citizen_id == viewer.id})
        self._merged_from = None
        self._into = self._follows = None

    def merged_from(self, item_id):
        """The viewer's own items merged into the page's item ``item_id``, by id: [{id, number, content}]."""
        if self._merged_from is None:
            self._merged_from = {}
            rows = db.session.execute(
                select(Suggestion.merged_into_id, Suggestion.id, Suggestion.number, Suggestion.content)
                .where(Suggestion.merged_into_id.in_(self._ids), Suggestion.citizen_id == self._viewer.id)
                .order_by(Suggestion.id))
            for into, duplicate, number, content in rows:
                self._merged_from.setdefault(into, []).append({"id": duplicate, "number": number, "content": content})
        return self._merged_from.get(item_id, [])

    def merged_into(self, into_id):
        """The item ``into_id`` one of the viewer's duplicates on the page went into (None if gone). Those of
        the page are loaded at once, and the viewer's follows of them: ``workflow.can_see`` then finds both
        in the session (kept here, as the session holds what it loaded only while it is referenced)."""
        if self._into is None:
            self._into = {item.id: item for item in db.session.scalars(
                select(Suggestion).where(Suggestion.id.in_(self._into_ids)))}
            self._follows = db.session.scalars(select(SuggestionFollower).where(
                SuggestionFollower.suggestion_id.in_(self._into_ids),
                SuggestionFollower.user_id == self._viewer.id)).all()
        return self._into[into_id] if into_id in self._into else db.session.get(Suggestion, into_id)


# --- statements, built once per shape ----------------------------------------------------------


class _BoundCaller(NamedTuple):
    """A caller whose id and region are bound parameters: what the scope rules need to build SQL
    that any caller of the same kind can run."""

    id: object
    admin_region: RegionRef | None
    is_station_admin: bool


def _scope_clause(scope, region_admin, station_admin, deputy):
    """The items a list of ``scope`` shows a caller of this kind (ids and region path bound later);
    ``region_admin``: None, "subtree", "narrow" or "root" (see _region_shape); ``station_admin``: None, "one" or
    "many" (see _station_shape).

    The items that reach the caller personally (filed, followed, assigned to them as a deputy, at
    their stations) are found by id, one index lookup per way, joined by UNION ALL. Written as an OR
    of those conditions, PostgreSQL can use none of the indexes and reads the whole table: a
    citizen's 我的建议 took 0.3 s to count and 0.5 s to page at a province's 1.5 million items,
    against 1 ms by id. A region administrator's subtree stays a condition: it is a large share of
    the table, which the OR reads best in id order (by id, the province's count took 11 s). The root's
    administrator has none (every item is theirs): the province's count fell from 0.67 s to 0.1 s.

    A city's count still reads the table, testing the subtree row by row (0.3 s for a city filtered by
    category); a county's or a township's ("narrow") is read through the ids of its stations and regions, as
    ``= ANY(ARRAY(…))`` on PostgreSQL (``admin_scope_clause``). Measured at 1.5 million items and not adopted
    for a city: the OR in that form, a bitmap of both indexes, 0.26 s for a city's 108,000 items read from the heap;
    the sum of two disjoint index-only counts (at a station of the subtree: 30 ms for a city; filed in
    the subtree at a station outside it, which needs a new index on (region_id, station_id, status)):
    3.5 ms for a county, but 0.18 s for a city, whose share of the table the planner cannot estimate
    through the region subquery, so it scanned the whole new index."""
    if scope == "assigned":
        return _assigned()
    if scope == "station":
        return _administered(region_admin, station_admin)
    viewer = bindparam("viewer_id")
    ways = [
        select(Suggestion.id).where(Suggestion.citizen_id == viewer),
        # A follow counts while the item is published, and always when a merge made it (workflow.follow_kind).
        select(SuggestionFollower.suggestion_id).join(Suggestion, Suggestion.id == SuggestionFollower.suggestion_id)
        .where(SuggestionFollower.user_id == viewer, Suggestion.held_for_review.is_(False),  # as workflow.can_see
               or_(SuggestionFollower.via_merge.is_(True),
                   and_(Suggestion.public_consent.is_(True), Suggestion.public_withheld_reason.is_(None)))),
    ]
    if scope == "all":  # everything the caller may see, whatever the role
        if deputy:
            ways.append(select(Suggestion.id).where(_assigned()))
        if station_admin:
            ways.append(select(Suggestion.id).where(_administered(None, station_admin)))
    personal = Suggestion.id.in_(union_all(*ways))
    return or_(personal, _administered(region_admin, None)) if scope == "all" and region_admin else personal


def _assigned():
    # Spelled as ix_suggestions_deputy_inbox's condition, so that the planners use it.
    return (Suggestion.deputy_id == bindparam("viewer_deputy_id")) & (Suggestion.held_for_review == false())


def _administered(region_admin, station_admin):
    """The items of the stations and the region administered. One station's id is bound as such: as
    ``IN`` (the administrator's stations), both planners read every item of the station matching the
    filters and sort them for the page (a station's pending queue: 0.71 ms on SQLite at 20,000 items);
    as ``=``, the station's index gives them newest first and the page stops at 20 (0.28 ms)."""
    if region_admin == "root":  # every item, see region_subtree_clause
        return true()
    region = RegionRef(None, bindparam("viewer_region_path")) if region_admin else None
    narrow = region_admin == "narrow"
    if station_admin == "one":
        at_station = Suggestion.station_id == bindparam("viewer_station_id")
        return or_(at_station, admin_scope_clause(_BoundCaller(bindparam("viewer_id"), region, False), narrow)) \
            if region else at_station
    return admin_scope_clause(_BoundCaller(bindparam("viewer_id"), region, station_admin == "many"), narrow)


@lru_cache(maxsize=256)
def _list_statements(scope, region_admin, station_admin, deputy, filters, sort, per_page):
    """(page, count) for one shape of list, one order (a key of LIST_ORDERS) and one page size.

    The page is one query: the matching ids, in the order asked for, cut to the page in a subquery, joined to
    the names the items show (the joins touch one page, whatever the queue holds), each row also
    carrying the count of every match (an uncorrelated subquery: run once) and its photos (a
    correlated subquery per row: one index lookup each). The count alone is only needed for a page
    past the end.

    The page size is written into the SQL (a statement per size: phones ask for one or two), the
    offset bound. Told only "LIMIT ?", both planners read a whole station's queue: SQLite walks
    the table in id order instead of using the station's index (0.38 ms instead of 0.11 at 100,000
    items), PostgreSQL's generic plan sorts the queue (1.9 ms instead of 0.55). Written in at each
    run instead (SQLAlchemy's literal_execute), it made SQLAlchemy render the whole statement anew
    every time, which cost more than running it."""
    where = [_scope_clause(scope, region_admin, station_admin, deputy), *filter_clauses(filters),
             *keyword_clauses(filters)]
    order = LIST_ORDERS[sort].clauses()
    count = select(func.count()).select_from(Suggestion).where(*where)
    page_ids = (
        select(Suggestion.id).where(*where).order_by(*order)
        .limit(literal_column(str(int(per_page)), Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("page_ids")
    )
    items, stations, deputies, users, uploads = (m.__table__ for m in (Suggestion, Station, Deputy, User, Upload))
    station_region, item_region = Region.__table__.alias("station_region"), Region.__table__.alias("item_region")
    page = (
        select(
            *(items.c[name] for name in ITEM_COLUMNS),
            # _SHOWN_NAMES, in _snapshot's order:
            stations.c.id, stations.c.name, stations.c.region_id, station_region.c.path, item_region.c.path,
            deputies.c.name, users.c.phone, users.c.erased_dt,
            count.scalar_subquery().label("total"),
            select(json_rows(uploads.c.id, uploads.c.key, uploads.c.width, uploads.c.height, uploads.c.screening))
            .where(uploads.c.suggestion_id == items.c.id).scalar_subquery().label("photos"),
        )
        .select_from(items)
        .join(page_ids, page_ids.c.id == items.c.id)
        .outerjoin(stations, stations.c.id == items.c.station_id)
        .outerjoin(station_region, station_region.c.id == stations.c.region_id)
        .join(item_region, item_region.c.id == items.c.region_id)
        .outerjoin(deputies, deputies.c.id == items.c.deputy_id)
        .join(users, users.c.id == items.c.citizen_id)
        .order_by(*order)  # the page's own rows, in the subquery's order
    )
    return page, count


# --- the list ------------------------------------------------------------------------------------


def _region_shape(caller):
    """The caller's region as the statements see it: the root's administrator sees every item, with no
    condition to test; another region's administrator their subtree (its path bound), "narrow" for one of few
    items (``queries.narrow_region``: a county, a township), whose ids are read as arrays; None."""
    if caller.admin_region is None:
        return None
    if is_root(caller.admin_region):
        return "root"
    return "narrow" if narrow_region(caller.admin_region) else "subtree"


def _station_shape(caller):
    """The caller's stations as the statements see them: one (its id bound), several (read from
    station_admins in the statement), None."""
    if not caller.admin_station_ids:
        return None
    return "one" if len(caller.admin_station_ids) == 1 else "many"


def default_scope(caller):
    return "station" if caller.is_admin else "assigned" if "deputy" in caller.roles else "mine"


def _scope_values(scope, caller):
    if scope == "assigned":
        if "deputy" not in caller.roles:
            raise APIError(403, "forbidden", "只有代表可以查看交办给自己的建议。")
        return {"viewer_deputy_id": caller.deputy_id}
    if scope == "station" and not caller.is_admin:
        raise APIError(403, "forbidden", "只有管理员可以查看联络站的建议。")
    values = {"viewer_id": caller.id}
    if scope == "all" and "deputy" in caller.roles:
        values["viewer_deputy_id"] = caller.deputy_id
    if scope in ("all", "station"):
        if caller.admin_region is not None:
            values["viewer_region_path"] = caller.admin_region.path
        if _station_shape(caller) == "one":
            (values["viewer_station_id"],) = caller.admin_station_ids
    return values


def list_page(caller, args):
    """The contract's page body of the list ``args`` asks for (scope, filters, search, order, page), as
    ``caller`` sees it. The search (``q``) is one more condition on the scope's: it finds only what the
    list would show anyway."""
    scope = args.get("scope") or default_scope(caller)
    values = _scope_values(scope, caller)
    list_narrowing_or_404(caller, args, scope == "station" or (scope == "all" and only_as_admin(caller)))
    values |= filter_values(args)
    if args.get("q"):  # an administrator's list is a station's or a region's: its words are looked up
        values |= keyword_values(args["q"], indexed=caller.is_admin)
    page, per_page = args["page"], args["per_page"]
    page_statement, count = _list_statements(
        scope, _region_shape(caller), _station_shape(caller), "viewer_deputy_id" in values,
        frozenset(key for key in values if not key.startswith("viewer_")), args.get("sort") or DEFAULT_ORDER,
        per_page,
    )
    connection = db.session.connection()
    rows = connection.execute(page_statement, values | {"offset": (page - 1) * per_page}).all()
    if not rows:
        total = connection.scalar(count, values) if page > 1 else 0
        return {"items": [], "total": total, "page": page, "per_page": per_page}
    snapshots = [_snapshot(row) for row in rows]
    merges = PageMerges(snapshots, caller)
    for snapshot in snapshots:
        snapshot.merges = merges
    items = [present(snapshot, caller) for snapshot in snapshots]
    return {"items": items, "total": rows[0].total, "page": page, "per_page": per_page}
