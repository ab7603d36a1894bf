"""Reading the points: a deputy's ledger, totals, ranks and the leaderboard (from the running totals)."""
from datetime import datetime

from sqlalchemy import case, false, func, literal, or_, select, true
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import True_

from ..auth.scope import region_subtree_clause
from ..db_types import CHINA, utcnow
from ..extensions import db
from ..org.models import Deputy, Region, RegionLevel
from .ledger import points_year
from .models import DeputyScore, PointEntry


def current_year():
    return points_year(utcnow())


def entered_by(year, scored):
    """SQL condition on ``Deputy``: a deputy ``year`` ranks and grades. For a past year, those entered by its end
    (``created_dt``: the roster records no date of taking office; a deputy is entered when elected, or by the
    first import of the roster) or with a total that year (``scored``, an SQL condition of the caller's: points
    earned or corrected then), not a deputy elected since, who was none then (graded 差, ranked at 0). For this
    year (and any after), everyone. One who left office since is not listed either (the boards rank the
    deputies in office: README)."""
    if year >= current_year():
        return true()
    return or_(Deputy.created_dt < datetime(year + 1, 1, 1, tzinfo=CHINA), scored)


def _has_total(year):
    """EXISTS a total (any, 0 too) in ``year`` for the deputy of the outer query."""
    score = aliased(DeputyScore)  # its own: the queries it is put in may read the totals too
    return select(score.deputy_id).where(score.deputy_id == Deputy.id, score.year == year).exists()


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
    if score is None and year < current_year() and not db.session.scalar(
            select(func.count()).select_from(Deputy).where(Deputy.id == deputy_id, entered_by(year, false()))):
        return 0, None  # not a deputy yet that year: unranked
    if score is None:
        if not db.session.scalar(select(Deputy.active).where(Deputy.id == deputy_id)):
            return 0, None
        total, in_office = 0, True
    else:
        total, in_office = score.total, score.in_office
    if not in_office:
        return total, None
    if total >= 0:
        # Never a sum over the ledger: an index-only count of the totals in office above this one
        # (ix_deputy_scores_rank_in_office, migration 0013): a deputy without a row stands at 0, not above.
        return total, db.session.scalar(select(func.count()).where(
            DeputyScore.year == year, DeputyScore.total > total, DeputyScore.in_office)) + 1
    # Below 0 (an absence, nothing earned) everyone in office is ahead but those in office at this total or
    # lower, all of whom have a row (``in_office`` follows office): the deputies ranked that year less the
    # few totals at or below this one, a short range of ix_deputy_scores_rank_in_office. The deputies ranked
    # are read in ix_deputies_active_created (migration 0072), an index-only count. Measured at a province's
    # size (bench/README.md: 140,000 deputies, 96,400 totals in office): before, three counts, two over
    # every total in office and a sequential scan of the deputies (past year: each deputy's created_dt and
    # a probe of the totals, a bitmap heap scan); after, the short range and the index-only count.
    at_or_below = db.session.scalar(select(func.count()).where(
        DeputyScore.year == year, DeputyScore.total <= total, DeputyScore.in_office))
    return total, _ranked_deputies(year) - at_or_below + 1


def _ranked_deputies(year):
    """How many deputies ``year`` ranks: those in office ``entered_by`` then, counted as two index reads of
    ix_deputies_active_created (migration 0072): those entered by the year's end, and the few entered since
    with a total that year."""
    in_office = Deputy.active.is_(True)
    if year >= current_year():
        return db.session.scalar(select(func.count()).select_from(Deputy).where(in_office))
    year_end = datetime(year + 1, 1, 1, tzinfo=CHINA)
    return (db.session.scalar(select(func.count()).select_from(Deputy).where(in_office, Deputy.created_dt < year_end))
            + db.session.scalar(select(func.count()).select_from(Deputy).where(
                in_office, Deputy.created_dt >= year_end, _has_total(year))))


def _has_points(year):
    """EXISTS a total other than 0 in ``year`` for the deputy of the outer query (a probe of the key)."""
    return select(DeputyScore.deputy_id).where(
        DeputyScore.deputy_id == Deputy.id, DeputyScore.year == year, DeputyScore.total != 0).exists()


# A board whose filters keep at most this many deputies (in office or not) is read from the deputies: see
# leaderboard. Where the two ways cost about the same at a province's 140,000 deputies and a top 50: walking
# the totals in the board's order finds 50 of a filter keeping a share s of the deputies after about 50 / s
# entries, reading the filter's deputies costs a key probe of deputy_scores each (s x 140,000): s ~ 2 %.
FEW_DEPUTIES = 2000
# The regions whose subtree holds many deputies at a province's size (a city: thousands), where counting
# them first would only add to the walk.
WIDE_REGIONS = (RegionLevel.province, RegionLevel.city)


def leaderboard(year, region: Region | None = None, level=None, group=None, limit=50, where=()):
    """The top ``limit`` deputies in office (in ``region``'s subtree, of ``level``, in ``group``, and
    ``where``: a console's scope), ties ranked equal: ``[{rank, deputy: {id, name, level}, group, points}]``.

    Every deputy in office is on the board: one without a point that year stands at 0, above a deputy who
    lost points (an absence). At a province's size (140,000 deputies) the board is read in up to three
    bounded steps, each stopping at the rows still wanted: the positive totals in the board's order (an
    index walk, ix_deputy_scores_leaderboard); only if the board reaches past them, the deputies at 0 (no
    score row, or one that came back to 0) in id order (the deputies' primary key, each probed in
    deputy_scores' key); only if it reaches past those, the negative totals. A rank is then exact: each
    step is read only once every row above it is in.

    That walk finds a filter's first rows soon only when the filter keeps many deputies (the province, a
    city): one keeping few (a township, 全国代表, a 代表小组, a station administrator's deputies) would walk
    every total, and the 0-point step every deputy, before giving up (0.3-0.7 s at 140,000 deputies). So a
    board filtered otherwise than by a city or the province alone first counts its deputies in their
    indexes, stopping past ``FEW_DEPUTIES``; when that is all of them, it reads them and their totals by
    key and sorts those few (``_few_ranked``), in the same order."""
    filters = [*where]
    if region is not None:
        filters.append(region_subtree_clause(Deputy.region_id, region))
    if level:
        filters.append(Deputy.level == level)
    if group:
        filters.append(Deputy.group == group)
    filters = [clause for clause in filters if not isinstance(clause, True_)]  # the root region's: everyone
    conditions = [Deputy.active.is_(True), entered_by(year, _has_total(year)), *filters]
    columns = (Deputy.id, Deputy.name, Deputy.level, Deputy.group)
    wide = region is not None and region.level in WIDE_REGIONS and len(filters) == 1 and not where

    def scored(sign, wanted):
        return db.session.execute(
            select(*columns, DeputyScore.total.label("points"))
            .join(DeputyScore, DeputyScore.deputy_id == Deputy.id)
            .where(DeputyScore.year == year, sign, *conditions)
            .order_by(DeputyScore.total.desc(), DeputyScore.reached_dt, Deputy.id)
            .limit(wanted)
        ).all()

    if filters and not wide and _at_most(FEW_DEPUTIES, filters):
        rows = _few_ranked(year, columns, conditions, limit)
    else:
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


def _at_most(count, filters):
    """Whether ``filters`` keep at most ``count`` deputies, in office or not: a count that stops at
    ``count + 1``, read in the filters' indexes (ix_deputies_region_id, ix_deputies_level,
    ix_deputies_group) without visiting the table."""
    kept = select(Deputy.id).where(*filters).limit(count + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(kept)) <= count


def _few_ranked(year, columns, conditions, limit):
    """The top ``limit`` of the few deputies ``conditions`` keep, in leaderboard's order, in one statement:
    the deputies read through the filters' indexes, each one's total and when it was reached probed by key
    (deputy_scores' primary key, a scalar subquery each: joined, PostgreSQL would rather read every total
    of the year than probe a thousand), the few sorted. ``points`` highest first puts the positive totals
    before those at 0 (no row, or one back at 0) before the negative; among equal totals whoever reached
    it first, then the id; at 0 the id alone (``reached`` is NULL there)."""
    def score(column):
        return select(column).where(DeputyScore.deputy_id == Deputy.id, DeputyScore.year == year).scalar_subquery()

    points = func.coalesce(score(DeputyScore.total), 0).label("points")
    reached = score(case((DeputyScore.total != 0, DeputyScore.reached_dt))).label("reached")
    return db.session.execute(
        select(*columns, points, reached).where(*conditions)
        .order_by(points.desc(), reached, Deputy.id).limit(limit)
    ).all()


def ranked(rows, points):
    """(rank, row) for ``rows`` in the board's order: equal ``points`` share a rank, the next takes its
    position (1, 2, 2, 4), as every leaderboard ranks."""
    rank, previous = 0, None
    for position, row in enumerate(rows, start=1):
        if points(row) != previous:
            rank, previous = position, points(row)
        yield rank, row
