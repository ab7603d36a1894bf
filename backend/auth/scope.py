"""The one place that decides who may see and change what.

* a region administrator manages the subtree under their region (the root's admin: everything);
* a station administrator manages their stations and the deputies assigned to them;
* anything outside the caller's scope answers 404, as if it did not exist.
"""
from functools import wraps

from flask import g, request
from sqlalchemy import false, or_, select

from ..errors import APIError, forbidden, not_found
from ..extensions import db
from ..org.models import Deputy, Region, Station, station_admins, station_deputies
from .models import User
from .tokens import read_token


def load_current_user():
    """Resolve the bearer token once per request; ``g.user`` is None for anonymous callers."""
    g.user = None
    header = request.headers.get("Authorization", "")
    if not header:
        return
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise APIError(401, "unauthorized", "登录凭证格式不正确，请重新登录。")
    payload = read_token(token.strip())
    user = db.session.get(User, payload["uid"]) if payload else None
    if user is None or user.token_version != payload.get("v"):
        raise APIError(401, "unauthorized", "登录已过期或无效，请重新登录。")
    g.user = user


def current_user():
    return g.get("user")


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user() is None:
            raise APIError(401, "unauthorized", "请先登录。")
        return view(*args, **kwargs)

    return wrapped


def roles_required(*roles):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user()
            if user is None:
                raise APIError(401, "unauthorized", "请先登录。")
            if not set(roles) & set(user.roles):
                raise forbidden()
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_required = roles_required("station_admin", "region_admin")


# --- scope predicates -------------------------------------------------------------------------


def _admin_region(user):
    return user.admin_region if user is not None and user.admin_region_id is not None else None


def manages_region(user, region):
    root = _admin_region(user)
    return root is not None and region is not None and root.contains(region)


def manages_station(user, station):
    if user is None or station is None:
        return False
    if manages_region(user, station.region):
        return True
    return any(s.id == station.id for s in user.admin_stations)


def manages_deputy(user, deputy):
    if user is None or deputy is None:
        return False
    if manages_region(user, deputy.region):
        return True
    admin_station_ids = {s.id for s in user.admin_stations}
    return any(s.id in admin_station_ids for s in deputy.stations)


def region_subtree_clause(column_region_id, region):
    """SQL condition: ``column_region_id`` lies in ``region``'s subtree (one indexed prefix match)."""
    return column_region_id.in_(select(Region.id).where(Region.path.startswith(region.path)))


def station_scope_clause(user):
    """SQL condition on ``Station`` limiting a query to the stations ``user`` manages."""
    clauses = []
    root = _admin_region(user)
    if root is not None:
        clauses.append(region_subtree_clause(Station.region_id, root))
    if user is not None and user.admin_stations:
        clauses.append(Station.id.in_(select(station_admins.c.station_id).where(station_admins.c.user_id == user.id)))
    return or_(*clauses) if clauses else false()


def deputy_scope_clause(user):
    """SQL condition on ``Deputy`` limiting a query to the deputies ``user`` manages."""
    clauses = []
    root = _admin_region(user)
    if root is not None:
        clauses.append(region_subtree_clause(Deputy.region_id, root))
    if user is not None and user.admin_stations:
        managed = select(station_admins.c.station_id).where(station_admins.c.user_id == user.id)
        clauses.append(
            Deputy.id.in_(select(station_deputies.c.deputy_id).where(station_deputies.c.station_id.in_(managed)))
        )
    return or_(*clauses) if clauses else false()


# --- loaders that answer 404 for what the caller may not see -----------------------------------


MAX_ID = 2**31 - 1  # ids are 32-bit integers; a larger one in a URL would overflow the query, not just miss


def get_or_404(model, ident, message=None):
    obj = db.session.get(model, ident) if isinstance(ident, int) and 0 < ident <= MAX_ID else None
    if obj is None:
        raise not_found(message)
    return obj


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


def managed_region_or_404(region_id):
    region = get_or_404(Region, region_id, "区域不存在。")
    if not manages_region(current_user(), region):
        raise not_found("区域不存在。")
    return region
