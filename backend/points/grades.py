"""履职评价等次: the grade a deputy's yearly total earns (domain.md: 好 ≥ 80, 较好 60–79, 差 below; the 差
are talked to (约谈), and two years running are asked to resign).

Each congress sets its bands, as it sets its 评分细则 (``backend.points.rulebook``), but as a set: a
region's bands replace the set above them whole, and are in force for the deputies of that region and of
every region below it that has no set of its own; without any set on the way to the root, the
deployment's default (``DEFAULT_BANDS``). A deputy is graded by the bands in force in their own region,
the congress that elected them.

Grades are computed from the running totals (``deputy_scores``) whenever they are read, never stored:
changing the bands changes how every total is graded from then on — the year before included, which is
how 连续两年 is judged. The evaluation list grades in SQL (``grade_case``), a province's deputies in one
statement, never loaded into Python.
"""
from dataclasses import dataclass
from functools import cached_property
from datetime import datetime

from sqlalchemy import and_, case, delete, false, func, insert, literal, select
from sqlalchemy.orm import aliased

from ..audit.log import record
from ..auth.scope import deputy_scope_clause
from ..db_types import CHINA, utcnow
from ..errors import APIError
from ..extensions import db
from ..org.models import Deputy, Region
from ..org.services import root_region
from .models import DeputyScore, GradeBand

# (label, min_points), highest first; the lowest's None: everything below the band above it.
DEFAULT_BANDS = (("好", 80), ("较好", 60), ("差", None))


@dataclass(frozen=True)
class Bands:
    """The set of bands in force somewhere: ``region`` set it (the root's for the default; None only
    before any region exists), ``own`` when the region asked about set it itself."""

    bands: tuple  # ((label, min_points), ...), highest first
    region: Region | None
    own: bool

    @property
    def lowest(self):
        return self.bands[-1][0]

    def grade(self, total):
        """(label, min_points) of the band ``total`` falls in."""
        return next(band for band in self.bands if band[1] is None or total >= band[1])


def _sets(region_ids):
    """{region_id: ((label, min_points), ...)}: the sets the regions ``region_ids`` have, highest first."""
    if not region_ids:
        return {}
    rows = db.session.execute(
        select(GradeBand.region_id, GradeBand.label, GradeBand.min_points).where(GradeBand.region_id.in_(region_ids))
    ).all()
    by_region = {}
    for region_id, label, min_points in rows:
        by_region.setdefault(region_id, []).append((label, min_points))
    return {region_id: _ordered(bands) for region_id, bands in by_region.items()}


def _ordered(bands):
    return tuple(sorted(bands, key=lambda band: (band[1] is None, -(band[1] or 0))))


def in_force(region):
    """The bands in force in ``region`` (None: the root's): its own set, else the nearest set above it,
    else the deployment's default."""
    root = root_region()
    region = region if region is not None else root
    path_ids = region.path_ids if region is not None else []
    sets = _sets(path_ids)
    for region_id in reversed(path_ids):
        if region_id in sets:
            setter = region if region_id == region.id else db.session.get(Region, region_id)
            return Bands(sets[region_id], setter, region_id == region.id)
    return Bands(DEFAULT_BANDS, root, False)


def _text(bands):
    """A set as the 操作日志 tells it: 好 ≥ 80、较好 ≥ 60、差."""
    return "、".join(label if min_points is None else f"{label} ≥ {min_points}" for label, min_points in bands)


def _lock(region):
    """Two administrators replacing one region's set at once: the second waits for the first's commit
    and then replaces its set (as two edits of a rulebook line), instead of both inserting (a 500 on the
    unique labels). SQLite writes one transaction at a time anyway."""
    db.session.execute(select(Region.id).where(Region.id == region.id).with_for_update())


def set_bands(region, bands, actor=None):
    """Make ``bands`` (validated: ``schemas.points.GradeBandsPut``) ``region``'s own set, replacing the
    one it had — unless they are the set it follows already; returns the set now in force. Changes only
    how totals are graded from then on."""
    _lock(region)
    before = in_force(region)
    bands = _ordered((band["label"], band["min_points"]) for band in bands)
    if before.bands == bands:
        # Nothing differs: a region keeps following the set above it (or the default), as a rulebook
        # line sent back unchanged does.
        return before
    db.session.execute(delete(GradeBand).where(GradeBand.region_id == region.id))
    now = utcnow()
    db.session.execute(insert(GradeBand), [
        {"region_id": region.id, "label": label, "min_points": min_points, "updated_dt": now}
        for label, min_points in bands])
    after = in_force(region)
    if actor is not None and before.bands != after.bands:
        record("grade_bands_changed", actor, ("grade_bands", region.id, region.name), region.id,
               {"bands": [_text(before.bands), _text(after.bands)]})
    return after


def reset_bands(region, actor=None):
    """Withdraw ``region``'s own set: the set above it (or the default) is in force again. The root's
    set is the deployment's, edited but never withdrawn (as its rulebook)."""
    if region is None or region.parent_id is None:
        raise APIError(409, "conflict", "全域履职评价等次只能修改，不能撤销。")
    _lock(region)
    before = in_force(region)
    gone = db.session.execute(delete(GradeBand).where(GradeBand.region_id == region.id)).rowcount
    after = in_force(region)
    if actor is not None and gone:
        record("grade_bands_withdrawn", actor, ("grade_bands", region.id, region.name), region.id,
               {"bands": [_text(before.bands), _text(after.bands)]})
    return after


# --- grading in SQL ----------------------------------------------------------------------------------


def sets_for(region):
    """The sets that can grade a deputy of ``region``'s subtree, as (path, bands), the deepest first and
    the one in force in ``region`` itself last (its path: None, the CASE's ELSE)."""
    fallback = in_force(region)
    rows = db.session.execute(
        select(Region.id, Region.path).where(Region.id.in_(select(GradeBand.region_id).distinct()),
                                             Region.path.startswith(region.path), Region.id != region.id)
    ).all() if region is not None else []
    sets = _sets([region_id for region_id, _ in rows])
    below = sorted(((path, sets[region_id]) for region_id, path in rows), key=lambda s: -s[0].count("/"))
    return below + [(None, fallback.bands)]


def _region_sets(region, sets):
    """The regions of ``region``'s subtree, each with the number of the set (in ``sets``) that grades its
    deputies: the first whose region's path its own starts with, the deepest first, else the last. Over
    the regions (a province has about 1,250), materialised once: the deputies' rows then compare one
    integer, not each path with every set's."""
    number = case(*((Region.path.startswith(path), index) for index, (path, _) in enumerate(sets[:-1])),
                  else_=len(sets) - 1) if len(sets) > 1 else literal(0)
    subtree = Region.path.startswith(region.path) if region is not None else false()  # no region yet
    return select(Region.id, Region.name, number.label("set_no")).where(subtree).cte("region_sets").prefix_with(
        "MATERIALIZED")


def _by_set(set_no, sets, inner):
    """``inner(bands)`` of the set numbered ``set_no`` (a column) in ``sets``."""
    if len(sets) == 1:
        return inner(sets[0][1])
    return case({index: inner(bands) for index, (_, bands) in enumerate(sets[:-1])}, value=set_no,
                else_=inner(sets[-1][1]))


def _label(total):
    def inner(bands):
        return case(*((total >= min_points, literal(label)) for label, min_points in bands[:-1]),
                    else_=literal(bands[-1][0]))
    return inner


def _lowest(total):
    def inner(bands):
        return total < bands[-2][1]
    return inner


def year_start(year):
    return datetime(year, 1, 1, tzinfo=CHINA)


@dataclass(frozen=True)
class Evaluation:
    """A year's evaluation as ``evaluation`` builds it: ``rows`` to page or export, and the count of each
    grade, read once and only when asked for (an export does not need it)."""

    rows: object  # a SELECT, filtered by ``grade``
    summary: object  # a SELECT of (grade, count), before the grade filter
    labels: list  # every grade that can be given, in band order
    grade: str | None

    @cached_property
    def counts(self):
        """{grade: how many}, every grade that can be given in band order, 0 where none."""
        return dict.fromkeys(self.labels, 0) | dict(db.session.execute(self.summary).all())

    @property
    def listed(self):
        """How many ``rows`` holds: taken from the counts, no pass over the deputies of its own."""
        return self.counts.get(self.grade, 0) if self.grade else sum(self.counts.values())


def evaluation(user, region, year, grade=None):
    """The evaluation of ``year`` (an ``Evaluation``): the deputies in office ``user`` manages in
    ``region``'s subtree (None: all of them), each graded by their own region's bands, those without a
    point that year at 0. ``rows`` is a SELECT ordered by total (highest first) then id, of ``id``,
    ``name``, ``level``, ``region_name``, ``total``, ``grade``, ``rank`` (among the listed deputies before
    the grade filter, ties sharing) and ``lowest_last_year``, filtered by ``grade``; ``summary`` a SELECT
    of (grade, count) over the list before the grade filter."""
    score, before = aliased(DeputyScore), aliased(DeputyScore)
    total = func.coalesce(score.total, 0)
    last_total = func.coalesce(before.total, 0)
    region = region if region is not None else root_region()
    sets = sets_for(region)
    regions = _region_sets(region, sets)  # and the subtree: only its regions are joined
    grade_column = _by_set(regions.c.set_no, sets, _label(total))
    # 连续两年: in the lowest band both years, graded by today's bands; a deputy entered this year had no
    # year before to be graded on.
    lowest_last_year = and_(_by_set(regions.c.set_no, sets, _lowest(total)),
                            _by_set(regions.c.set_no, sets, _lowest(last_total)),
                            Deputy.created_dt < year_start(year))
    where = [Deputy.active.is_(True), deputy_scope_clause(user)]
    listed = (
        select(Deputy.id, Deputy.name, Deputy.level, regions.c.name.label("region_name"), total.label("total"),
               grade_column.label("grade"), case((lowest_last_year, True), else_=False).label("lowest_last_year"),
               func.rank().over(order_by=total.desc()).label("rank"))
        .select_from(Deputy)
        .join(regions, regions.c.id == Deputy.region_id)
        .outerjoin(score, and_(score.deputy_id == Deputy.id, score.year == year))
        .outerjoin(before, and_(before.deputy_id == Deputy.id, before.year == year - 1))
        .where(*where)
    ).subquery("listed")
    rows = select(listed).order_by(listed.c.total.desc(), listed.c.id)
    if grade:
        rows = rows.where(listed.c.grade == grade)
    graded = (
        select(grade_column.label("grade"))
        .select_from(Deputy)
        .join(regions, regions.c.id == Deputy.region_id)
        .outerjoin(score, and_(score.deputy_id == Deputy.id, score.year == year))
        .where(*where)
    ).subquery("graded")
    summary = select(graded.c.grade, func.count()).group_by(graded.c.grade)
    labels = [label for _, bands in reversed(sets) for label, _ in bands]
    return Evaluation(rows, summary, list(dict.fromkeys(labels)), grade)
