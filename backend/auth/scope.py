"""The one place that decides who may see and change what.

* a region administrator manages the subtree under their region (the root's admin: everything):
  its stations, the deputies elected there and the deputies received at its stations;
* a station administrator manages their stations and the deputies assigned to them;
* what belongs to a deputy as a whole — identity (phone), office, level, name, printed code, points —
  is changed only by whoever *owns* the deputy: an administrator of the region that elected them, or
  one who manages every station the deputy is received at. A deputy received at another
  administrator's station too is worked with (dispatched, invited, linked), not rewritten;
* anything outside the caller's scope answers 404, as if it did not exist.
"""
from functools import cache, wraps
from typing import NamedTuple

from flask import g, request
from sqlalchemy import String, bindparam, cast, false, func, literal_column, or_, select, true
from sqlalchemy.orm import joinedload, undefer

from ..errors import APIError, forbidden, not_found, validation_failed
from ..extensions import db
from ..transactions import SAFE_METHODS
from ..org.models import Deputy, Region, Station, station_admins, station_deputies
from .models import User, roles_from
from .tokens import read_token, token_ttl


@cache
def _user_loading():
    """What roles and scope read of a user, in the SELECT that loads them: the deputy they are bound
    to, the region they administer and whether they administer any station. (Built on first use:
    loader options configure the mappers, which must all be imported by then.)"""
    return (
        joinedload(User.deputy).lazyload(Deputy.live_qr),
        joinedload(User.admin_region),
        undefer(User.manages_any_station),
    )


class RegionRef(NamedTuple):
    """A region as the scope rules see it: its id and materialised path."""

    id: int
    path: str

    def contains(self, other):
        return other.path.startswith(self.path)


def is_root(region):
    """Whether ``region`` (a Region or a RegionRef with its path) is the root of the tree, whose
    subtree is every region: its path names only itself ("/1/"). One root only: create_region refuses
    a second."""
    return isinstance(region.path, str) and region.path.count("/") == 2


class Caller:
    """Who is calling, as far as roles and scope need to know, read with one Core query per request.

    It answers every question the scope predicates below and the presenters ask of a user (``id``,
    ``roles``, ``deputy_id``, ``admin_region``, ``admin_station_ids``, ...), so read-only handlers
    never load the ORM row; handlers that change data take :func:`current_user`, loaded on first use.
    """

    __slots__ = ("id", "token_version", "must_change_password", "openid", "web_id", "display_name", "phone", "deputy_id", "deputy_name",
                 "admin_region_id", "admin_region", "admin_station_ids", "is_station_admin", "roles")

    phone_masked = User.phone_masked

    def __init__(self, row):
        self.id, self.token_version = row.id, row.token_version
        self.must_change_password = row.must_change_password
        self.deputy_id, self.deputy_name = row.deputy_id, row.deputy_name
        self.openid, self.web_id, self.display_name, self.phone = row.openid, row.web_id, row.display_name, row.phone
        self.admin_region_id = row.admin_region_id
        self.admin_region = RegionRef(row.admin_region_id, row.admin_path) if row.admin_region_id is not None else None
        # "3,17": the stations they administer, aggregated by the caller's query (see _caller_statement).
        self.admin_station_ids = frozenset(map(int, row.station_ids.split(","))) if row.station_ids else frozenset()
        self.is_station_admin = bool(self.admin_station_ids)
        self.roles = roles_from(
            citizen=bool(row.openid or row.web_id),
            deputy=bool(row.deputy_active),
            station_admin=self.is_station_admin,
            region_admin=row.admin_region_id is not None,
        )

    @property
    def is_admin(self):
        return self.admin_region_id is not None or self.is_station_admin


@cache
def _caller_statement(hold=False):
    """Built once (constructing it cost more than running it): the caller by ``:uid``, with the ids of
    the stations they administer as one string (a station administrator's every scope check reads
    them; a separate query for them cost a station's queue a fifth statement).

    ``hold``, for a request that changes something: the caller's ``users`` row is read ``FOR KEY SHARE``
    (PostgreSQL; SQLite has no row locks and renders nothing) and held to the request's commit — the
    lock a foreign key to the row takes anyway, which only 注销's ``FOR UPDATE`` waits for or makes
    wait (auth.erasure: a citizen's change and their 注销 come one after the other), at no extra
    statement."""
    users, deputies, regions = User.__table__, Deputy.__table__, Region.__table__
    statement = (
        select(
            users.c.id, users.c.token_version, users.c.must_change_password, users.c.openid, users.c.web_id, users.c.display_name, users.c.phone,
            users.c.deputy_id, users.c.admin_region_id, users.c.disabled_dt, users.c.erased_dt,
            deputies.c.active.label("deputy_active"), deputies.c.name.label("deputy_name"),
            regions.c.path.label("admin_path"),
            # The separator as SQL text: a plain "," would be rendered into the statement at every run.
            select(func.aggregate_strings(cast(station_admins.c.station_id, String), literal_column("','")))
            .where(station_admins.c.user_id == users.c.id).scalar_subquery().label("station_ids"),
        )
        .select_from(users)
        .outerjoin(deputies, deputies.c.id == users.c.deputy_id)
        .outerjoin(regions, regions.c.id == users.c.admin_region_id)
        .where(users.c.id == bindparam("uid"))
    )
    if hold == "update":
        return statement.with_for_update(of=users)
    return statement.with_for_update(read=True, key_share=True, of=users) if hold else statement


# Requests that change the caller's row in a column a unique index covers (bind-phone: ``users.deputy_id``)
# read it ``FOR UPDATE`` at once (``_caller_statement(hold="update")``). Held ``FOR KEY SHARE`` like any
# change, the same request sent twice at once would each hold the share and each wait for the other's to
# go before updating: a deadlock on PostgreSQL. Locked first, the second waits and finds the binding made.
LOCKS_CALLER_ROW = {("POST", "/api/v1/auth/bind-phone")}


ERASE_PATH = "/api/v1/me"  # DELETE: 注销 (auth.erasure)
ERASED_MESSAGE = "该账号已注销，请重新进入小程序或重新扫码。"


# A token of an account whose password someone else set (初始密码) reaches only these as its account until
# it is changed. A read open to anyone is answered as to anyone (the caller taken as anonymous, see
# load_current_user); whatever needs the account answers 403 password_change_required.
PASSWORD_CHANGE_ALLOWS = {("POST", "/api/v1/me/password"), ("GET", "/api/v1/me")}
PASSWORD_CHANGE_MESSAGE = "该账号的密码是他人设置的初始密码，请先修改密码后再使用。"


def _password_change_required():
    return APIError(403, "password_change_required", PASSWORD_CHANGE_MESSAGE)


def _not_signed_in():
    """The refusal of a request that needs an account and came without one: 401, or 403
    password_change_required for a token held back because its password must be changed first."""
    if g.get("password_change_pending"):
        return _password_change_required()
    return APIError(401, "unauthorized", "请先登录。")


def load_current_user():
    """Resolve the bearer token once per request into ``g.caller`` (None for anonymous callers)."""
    g.caller = None
    g.pop("erased_user_id", None)
    g.pop("password_change_pending", None)
    g.pop("user", None)  # loaded on demand by current_user(); an app context can outlive a request
    header = request.headers.get("Authorization", "")
    if not header:
        return
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise APIError(401, "unauthorized", "登录凭证格式不正确，请重新登录。")
    payload, age = read_token(token.strip()) or (None, None)
    hold = "update" if (request.method, request.path) in LOCKS_CALLER_ROW else request.method not in SAFE_METHODS
    row = db.session.connection().execute(_caller_statement(hold), {"uid": payload["uid"]}).one_or_none() if payload else None
    if row is not None and row.erased_dt is not None:
        if request.method == "DELETE" and request.path == ERASE_PATH:
            # 注销 asked again with a token of the account it cancelled (a retry whose first answer was
            # lost): answered as the first time (auth.routes.erase_me), nothing done.
            g.erased_user_id = row.id
            return
        raise APIError(401, "unauthorized", ERASED_MESSAGE)
    # A disabled account's version was bumped too; its own check stands should anything skip the bump.
    if row is None or row.token_version != payload.get("v") or row.disabled_dt is not None:
        raise APIError(401, "unauthorized", "登录已过期或无效，请重新登录。")
    caller = Caller(row)
    if caller.is_admin and age > token_ttl(is_admin=True):  # an administrator's token lasts less
        raise APIError(401, "unauthorized", "登录已过期或无效，请重新登录。")
    if caller.must_change_password and (request.method, request.path) not in PASSWORD_CHANGE_ALLOWS:
        if request.method not in SAFE_METHODS:
            raise _password_change_required()
        # A read: answered as to anyone (GET /leaderboard, /stations …); one that needs an account is
        # refused by login_required / roles_required with password_change_required (_not_signed_in).
        g.password_change_pending = True
        return
    g.caller = caller


def current_caller():
    """The caller's identity and scope (:class:`Caller`), or None; costs no query."""
    return g.get("caller")


def current_user():
    """The caller as an ORM ``User`` (what services change and link to), loaded on first use.

    The console sets ``g.user`` itself from its session cookie."""
    if "user" not in g:
        caller = g.get("caller")
        g.user = db.session.get(User, caller.id, options=_user_loading()) if caller is not None else None
    return g.user


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_caller() is None:
            raise _not_signed_in()
        return view(*args, **kwargs)

    return wrapped


def roles_required(*roles):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            caller = current_caller()
            if caller is None:
                raise _not_signed_in()
            if not set(roles) & set(caller.roles):
                raise forbidden()
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_required = roles_required("station_admin", "region_admin")


# --- scope predicates -------------------------------------------------------------------------


def _admin_region(user):
    return user.admin_region if user is not None else None


def manages_region(user, region):
    root = _admin_region(user)
    return root is not None and region is not None and root.contains(region)


def manages_station(user, station):
    """An administrator of the station itself, or of a region holding it. The station's own id is tested
    first, and its region read only for a region administrator: a station's administrator, telling which
    of a list's deputies are theirs, never loads the region of every other station they are received at."""
    if user is None or station is None:
        return False
    if station.id in user.admin_station_ids:
        return True
    return _admin_region(user) is not None and manages_region(user, station.region)


def manages_deputy(user, deputy):
    """Whether ``user`` works with ``deputy``: elected in their region, or received at one of their stations."""
    if user is None or deputy is None:
        return False
    if manages_region(user, deputy.region):
        return True
    return any(manages_station(user, s) for s in deputy.stations)


def may_narrow_to(user, region):
    """A region of the administrator's, or (a station administrator's) one holding one of their stations."""
    if region is None:
        return False
    return manages_region(user, region) or any(region.contains(s.region) for s in user.admin_stations)


def narrowing_or_404(user, args):
    """404, as for one that does not exist (the contract), for a region (``region_id``, ``deputy_region_id``),
    station (``station_id``) or deputy (``deputy_id``) in ``args`` that ``user``'s lists and figures may not
    be narrowed to: the statistics API, the administrators' lists (suggestions, activities, appointments), the
    console's 工作台 and 导出统计 would otherwise answer for (and, empty or not, tell of) a scope they do not
    have. A deputy filtering on themselves is in scope."""
    for key in ("region_id", "deputy_region_id"):
        if key in args and not may_narrow_to(user, get_by_id(Region, args[key])):
            raise not_found("区域不存在。")
    if "station_id" in args and not manages_station(user, get_by_id(Station, args["station_id"])):
        raise not_found("联络站不存在。")
    if "deputy_id" in args and args["deputy_id"] != user.deputy_id \
            and not _deputy_in_scope(user, get_by_id(Deputy, args["deputy_id"])):
        raise not_found("代表不存在。")


def _deputy_in_scope(user, deputy):
    """Whether ``user``'s lists and figures may be narrowed to ``deputy``: one they manage (``manages_deputy``), or
    one who has an item in their scope still, e.g. received at their station once (moved away, or taken off it),
    whose earlier items stay there. The second is one EXISTS, by ix_suggestions_deputy_status, asked only when the
    first fails."""
    if deputy is None:
        return False
    if manages_deputy(user, deputy):
        return True
    from ..suggestions.models import Suggestion  # the suggestions build on this module: not at its top
    from ..suggestions.queries import admin_scope_clause
    return db.session.scalar(
        select(select(Suggestion.id).where(Suggestion.deputy_id == deputy.id, admin_scope_clause(user)).exists()))


NARROWING_FILTERS = ("region_id", "deputy_region_id", "station_id", "deputy_id")


def list_narrowing_or_404(caller, args, admins_list):
    """``narrowing_or_404`` for a list's filters when the list is only an administrator's scope
    (``admins_list``: e.g. ``scope=station``, or ``scope=all`` for a caller with no citizen or deputy role,
    whose own items may lie anywhere). Costs nothing when no such filter is given."""
    if admins_list and caller.is_admin and any(key in args for key in NARROWING_FILTERS):
        narrowing_or_404(current_user(), args)


def only_as_admin(caller):
    """Whether everything ``caller`` may see in a list of "all" is an administrator's scope."""
    return caller.is_admin and "citizen" not in caller.roles and "deputy" not in caller.roles


def owns_deputy(user, deputy):
    """Whether ``user`` may change what belongs to ``deputy`` as a whole: an administrator of the
    region that elected them, or of every station they are received at."""
    if user is None or deputy is None:
        return False
    if manages_region(user, deputy.region):
        return True
    return bool(deputy.stations) and all(manages_station(user, s) for s in deputy.stations)


def region_subtree_clause(column_region_id, region):
    """SQL condition: ``column_region_id`` lies in ``region``'s subtree (one indexed prefix match).

    The root's subtree holds every region, and every row has one (``region_id`` is never null): no
    condition at all. Written as the match, the planner cannot know it holds for every row and reads
    the whole table to test it; without it, the query's other conditions choose the index (at a
    province's 1,500,000 items, the super administrator's list count took 0.67 s, see bench/README.md)."""
    if is_root(region):
        return true()
    return column_region_id.in_(select(Region.id).where(Region.path.startswith(region.path)))


def nearest_region_administrators(region):
    """The administrators (accounts not disabled) of ``region``, or, when it has none, of the nearest region above
    it that has any: those who manage what is in it (a city's administrators run a county that has none of its
    own). One query over the regions on its path."""
    path = region.path_ids
    admins = db.session.scalars(select(User).where(User.admin_region_id.in_(path), User.disabled_dt.is_(None))
                                .order_by(User.id)).all()
    if not admins:
        return []
    nearest = max(path.index(admin.admin_region_id) for admin in admins)
    return [admin for admin in admins if admin.admin_region_id == path[nearest]]


def answering_administrators(station, region, station_admins=None):
    """Who is told of what needs a station's hand: the administrators of ``station`` whose accounts are in use
    (``station_admins``: those read already), and the station, None. A station nobody runs (无管理员) would tell
    nobody: the administrators of the nearest region above it that has any (``nearest_region_administrators``),
    whose queue it is in, and the station, for the note to say it has nobody. Without a station (waiting in
    ``region``'s queue), that region's nearest administrators, and None."""
    if station_admins is None:
        station_admins = station.serving_admins if station is not None else []
    if station_admins:
        return station_admins, None
    if station is None:
        return nearest_region_administrators(region), None
    return nearest_region_administrators(station.region), station


def administered_stations(user):
    """SELECT of the ids of the stations ``user`` is an administrator of (for ``IN``)."""
    return select(station_admins.c.station_id).where(station_admins.c.user_id == user.id)


def station_scope_clause(user, station_id=Station.id):
    """SQL condition on ``station_id`` (by default ``Station.id``) limiting a query to the stations
    ``user`` manages. On a column of another table the stations table is read only for a region
    administrator: a station administrator's stations come straight from their own rows."""
    clauses = []
    root = _admin_region(user)
    if root is not None:
        in_region = region_subtree_clause(Station.region_id, root)
        clauses.append(in_region if station_id is Station.id else station_id.in_(select(Station.id).where(in_region)))
    if user is not None and user.is_station_admin:
        clauses.append(station_id.in_(administered_stations(user)))
    return or_(*clauses) if clauses else false()


def deputy_scope_clause(user):
    """SQL condition on ``Deputy`` limiting a query to the deputies ``user`` manages."""
    clauses = []
    root = _admin_region(user)
    if root is not None:
        clauses.append(region_subtree_clause(Deputy.region_id, root))
    stations = station_scope_clause(user, station_deputies.c.station_id)
    if root is not None or (user is not None and user.is_station_admin):
        clauses.append(Deputy.id.in_(select(station_deputies.c.deputy_id).where(stations)))
    return or_(*clauses) if clauses else false()


# --- loaders that answer 404 for what the caller may not see -----------------------------------


MAX_ID = 2**31 - 1  # ids are 32-bit integers; a larger one in a URL would overflow the query, not just miss


def get_by_id(model, ident, options=()):
    """The ``model`` row with id ``ident`` from a URL, form or code, or None — also for an id no row
    can have, which must not reach the database (an out-of-range integer would fail there, not miss)."""
    if not isinstance(ident, int) or not 0 < ident <= MAX_ID:
        return None
    return db.session.get(model, ident, options=options)


def get_or_404(model, ident, message=None, options=()):
    obj = get_by_id(model, ident, options)
    if obj is None:
        raise not_found(message)
    return obj


NOT_MANAGED_REGION = "区域不存在，或不在您的管理范围内。"


def managed_region(caller, region_id, field="region_id"):
    """The region an administrator names in a request body (``region_id``; None: their own), refused under
    ``field`` (422) when there is none such or it is outside their scope."""
    region = get_by_id(Region, caller.admin_region_id if region_id is None else region_id)
    if region is None or not manages_region(caller, region):
        raise validation_failed({field: [NOT_MANAGED_REGION]}, NOT_MANAGED_REGION)
    return region


def managed_station_or_404(station_id):
    station = get_or_404(Station, station_id, "联络站不存在。")
    if not manages_station(current_user(), station):
        raise not_found("联络站不存在。")
    return station


def managed_deputy_or_404(deputy_id):
    deputy = get_or_404(Deputy, deputy_id, "代表不存在。")
    if not manages_deputy(current_user(), deputy):
        raise not_found("代表不存在。")
    return deputy


def owned_deputy_or_404(deputy_id, what):
    """A deputy the caller owns (``owns_deputy``); 404 outside their scope, 403 for one they only
    work with, saying who does ``what``."""
    deputy = managed_deputy_or_404(deputy_id)
    if not owns_deputy(current_user(), deputy):
        raise not_owned(what)
    return deputy


def not_owned(what):
    return APIError(403, "forbidden", f"该代表还进驻您管理范围以外的联络站，{what}须由其所属区域的管理员办理。")


def managed_region_or_404(region_id):
    region = get_or_404(Region, region_id, "区域不存在。")
    if not manages_region(current_user(), region):
        raise not_found("区域不存在。")
    return region
