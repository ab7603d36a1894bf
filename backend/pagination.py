"""The contract's list body: ``{"items": [...], "total": N, "page": P, "per_page": K}``."""
from sqlalchemy import func, literal, select

from .extensions import db


def count_of(query):
    """How many rows ``query`` matches (its ORDER BY dropped)."""
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def one_page(query, args):
    """``query`` cut to the requested page.

    LIMIT/OFFSET are written into the SQL, not bound: given "LIMIT ?", SQLite's planner walks the
    whole table in id order rather than use the filter's index (a station's empty queue read every row).
    """
    page, per_page = args["page"], args["per_page"]
    return query.limit(literal(per_page, literal_execute=True)).offset(literal((page - 1) * per_page, literal_execute=True))


def paginate(query, args, *, count_query=None):
    total = db.session.scalar(count_query) if count_query is not None else count_of(query)
    items = db.session.scalars(one_page(query, args)).all()
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}
