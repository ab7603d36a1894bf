"""Reading the points: a deputy's ledger, totals, ranks and the leaderboard (from the running totals)."""
from sqlalchemy import func, select

from ..auth.scope import region_subtree_clause
from ..db_types import utcnow
from ..extensions import db
from ..org.models import Deputy, Region
from .ledger import points_year
from .models import DeputyScore, PointEntry


def current_year():
    return points_year(utcnow())


def entries(deputy_id, year):
    return db.session.scalars(
        select(PointEntry).where(PointEntry.deputy_id == deputy_id, PointEntry.year == year).order_by(PointEntry.id)
    ).all()


def total_and_rank(deputy_id, year):
    """The deputy's total and rank that year as the leaderboard ranks them: among the deputies in office
    with points that year, ties sharing a rank. A deputy who left office has no rank (the leaderboard
    does not show them)."""
    score = db.session.execute(
        select(DeputyScore.total, DeputyScore.in_office)
        .where(DeputyScore.deputy_id == deputy_id, DeputyScore.year == year)
    ).first()
    if score is None:
        return 0, None
    if not score.in_office:
        return score.total, None
    # Never a sum over the ledger: an index-only count of the totals in office above this one
    # (ix_deputy_scores_rank_in_office, migration 0013).
    ahead = db.session.scalar(select(func.count()).where(
        DeputyScore.year == year, DeputyScore.total > score.total, DeputyScore.in_office))
    return score.total, ahead + 1


def leaderboard(year, region: Region | None = None, level=None, group=None, limit=50):
    query = (
        select(Deputy.id, Deputy.name, Deputy.level, DeputyScore.total)
        .join(DeputyScore, DeputyScore.deputy_id == Deputy.id)
        .where(DeputyScore.year == year, Deputy.active.is_(True))
        .order_by(DeputyScore.total.desc(), DeputyScore.reached_dt, Deputy.id)
        .limit(limit)
    )
    if region is not None:
        query = query.where(region_subtree_clause(Deputy.region_id, region))
    if level:
        query = query.where(Deputy.level == level)
    if group:
        query = query.where(Deputy.group == group)
    return [{"rank": rank, "deputy": {"id": row.id, "name": row.name, "level": row.level.value}, "points": row.total}
            for rank, row in ranked(db.session.execute(query), lambda row: row.total)]


def ranked(rows, points):
    """(rank, row) for ``rows`` in the board's order: equal ``points`` share a rank, the next takes its
    position (1, 2, 2, 4), as every leaderboard ranks."""
    rank, previous = 0, None
    for position, row in enumerate(rows, start=1):
        if points(row) != previous:
            rank, previous = position, points(row)
        yield rank, row
