"""Query building shared by the lists, the statistics and the public pages."""
from datetime import datetime, time, timedelta

from sqlalchemy import or_, select

from ..auth.scope import region_subtree_clause, station_scope_clause
from ..errors import not_found
from ..extensions import db
from ..org.models import Region, Station
from .models import Suggestion
from .services import CHINA


def admin_scope_clause(user):
    """Items at the stations the admin manages, and for a region admin everything in the subtree."""
    clauses = [Suggestion.station_id.in_(select(Station.id).where(station_scope_clause(user)))]
    if user.admin_region is not None:
        clauses.append(region_subtree_clause(Suggestion.region_id, user.admin_region))
    return or_(*clauses)


def apply_filters(query, args):
    """The filters every suggestion listing understands (see SuggestionQuery / StatsQuery)."""
    for key in ("status", "overdue", "due_soon", "supervised", "station_id", "deputy_id"):
        if key in args:
            query = query.where(getattr(Suggestion, key) == args[key])
    if "held" in args:
        query = query.where(Suggestion.held_for_review == args["held"])
    if args.get("category"):
        query = query.where(Suggestion.category == args["category"])
    if "region_id" in args:
        region = db.session.get(Region, args["region_id"])
        if region is None:
            raise not_found("区域不存在。")
        query = query.where(region_subtree_clause(Suggestion.region_id, region))
    if "date_from" in args:
        query = query.where(Suggestion.created_dt >= datetime.combine(args["date_from"], time(), CHINA))
    if "date_to" in args:
        query = query.where(Suggestion.created_dt < datetime.combine(args["date_to"] + timedelta(days=1), time(), CHINA))
    return query
