"""The contract's list body: ``{"items": [...], "total": N, "page": P, "per_page": K}``."""
from sqlalchemy import func, select

from .extensions import db


def paginate(query, args, *, count_query=None):
    page, per_page = args["page"], args["per_page"]
    total = db.session.scalar(count_query if count_query is not None else select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": items, "total": total, "page": page, "per_page": per_page}
