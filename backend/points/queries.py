"""Reading the points: a deputy's ledger, totals, ranks and the leaderboard (from the running totals)."""
from sqlalchemy import func, literal, select

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
    """The deputy's total and rank that year as the leaderboard ranks them: among the deputies in office,
    those without a point that year at 0, ties sharing a rank. A deputy who left office has no rank (the
    leaderboard does not show them)."""
    score = db.session.execute(
        select(DeputyScore.total, DeputyScore.in_office)
        .where(DeputyScore.deputy_id == deputy_id, DeputyScore.year == year)
    ).first()
    if score is None:
        if not db.session.scalar(select(Deputy.active).where(Deputy.id == deputy_id)):
            return 0, None
        total, in_office = 0, True
    else:
        total, in_office = score.total, score.in_office
    if not in_office:
        return total, None
    # Never a sum over the ledger: an index-only count of the totals in office above this one
    # (ix_deputy_scores_rank_in_office, migration 0013) ...
    ahead = db.session.scalar(select(func.count()).where(
        DeputyScore.year == year, DeputyScore.total > total, DeputyScore.in_office))
    if total < 0:
        # ... and below 0 the deputies in office without a score row that year, who stand at 0: those in
        # office less those with a row in office (``in_office`` follows office). Two counts, no anti-join
        # over a province's deputies; only a deputy below 0 (an absence, nothing earned) asks.
        in_office_rows = db.session.scalar(select(func.count()).where(DeputyScore.year == year, DeputyScore.in_office))
        ahead += db.session.scalar(select(func.count()).select_from(Deputy).where(Deputy.active.is_(True))) - in_office_rows
    return total, ahead + 1


def _has_points(year):
    """EXISTS a total other than 0 in ``year`` for the deputy of the outer query (a probe of the key)."""
    return select(DeputyScore.deputy_id).where(
        DeputyScore.deputy_id == Deputy.id, DeputyScore.year == year, DeputyScore.total != 0).exists()


def leaderboard(year, region: Region | None = None, level=None, group=None, limit=50, where=()):
    """The top ``limit`` deputies in office (in ``region``'s subtree, of ``level``, in ``group``, and
    ``where``: a console's scope), ties ranked equal: ``[{rank, deputy: {id, name, level}, group, points}]``.

    Every deputy in office is on the board: one without a point that year stands at 0, above a deputy who
    lost points (an absence). At a province's size (140,000 deputies) the board is read in up to three
    bounded steps, each stopping at the rows still wanted: the positive totals in the board's order (an
    index walk, ix_deputy_scores_leaderboard); only if the board reaches past them, the deputies at 0 (no
    score row, or one that came back to 0) in id order (the deputies' primary key, each probed in
    deputy_scores' key); only if it reaches past those, the negative totals. A rank is then exact: each
    step is read only once every row above it is in."""
    conditions = [Deputy.active.is_(True), *where]
    if region is not None:
        conditions.append(region_subtree_clause(Deputy.region_id, region))
    if level:
        conditions.append(Deputy.level == level)
    if group:
        conditions.append(Deputy.group == group)
    columns = (Deputy.id, Deputy.name, Deputy.level, Deputy.group)

    def scored(sign, wanted):
        return db.session.execute(
            select(*columns, DeputyScore.total.label("points"))
            .join(DeputyScore, DeputyScore.deputy_id == Deputy.id)
            .where(DeputyScore.year == year, sign, *conditions)
            .order_by(DeputyScore.total.desc(), DeputyScore.reached_dt, Deputy.id)
            .limit(wanted)
        ).all()

    rows = scored(DeputyScore.total > 0, limit)
    if len(rows) < limit:
        rows += db.session.execute(
            select(*columns, literal(0).label("points"))
            .where(~_has_points(year), *conditions)
            .order_by(Deputy.id).limit(limit - len(rows))
        ).all()
    if len(rows) < limit:
        rows += scored(DeputyScore.total < 0, limit - len(rows))
    return [{"rank": rank, "deputy": {"id": row.id, "name": row.name, "level": row.level.value},
             "group": row.group or "", "points": row.points}
            for rank, row in ranked(rows, lambda row: row.points)]


def ranked(rows, points):
    """(rank, row) for ``rows`` in the board's order: equal ``points`` share a rank, the next takes its
    position (1, 2, 2, 4), as every leaderboard ranks."""
    rank, previous = 0, None
    for position, row in enumerate(rows, start=1):
        if points(row) != previous:
            rank, previous = position, points(row)
        yield rank, row
