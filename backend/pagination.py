"""The contract's list body: ``{"items": [...], "total": N, "page": P, "per_page": K}``."""
from sqlalchemy import func, literal, select

from .extensions import db


def paginate(query, args, *, count_query=None, rows=False, total=None):
    """``rows``: the items are the query's rows (several columns), not its first column's values;
    ``total``: the count when the caller has it already (no query for it)."""
    page, per_page = args["page"], args["per_page"]
    total = total if total is not None else db.session.scalar(count_query if count_query is not None else select(func.count()).select_from(query.order_by(None).subquery()))
    # LIMIT/OFFSET written into the SQL, not bound: given "LIMIT ?", SQLite's planner walks the whole
    # table in id order rather than use the filter's index (a station's empty queue read every row).
    limit, offset = literal(per_page, literal_execute=True), literal((page - 1) * per_page, literal_execute=True)
    items = (db.session.execute if rows else db.session.scalars)(query.limit(limit).offset(offset)).all()
    return {"items": items, "total": total, "page": page, "per_page": per_page}
