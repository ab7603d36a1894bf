"""履职评价等次: the grade a deputy's yearly total earns (domain.md cites a 100-point scale, 好 ≥ 80, 较好 60–79,
差 below; the 差 are talked to (约谈), and two years running are asked to resign).

Each congress sets its bands, as it sets its 评分细则 (``backend.points.rulebook``), but as a set: a
region's bands replace the set above them whole, and are in force for the deputies of that region and of
every region below it that has no set of its own; without any set on the way to the root, the
deployment's default (``DEFAULT_BANDS``). A deputy is graded by the bands in force at their congress's
region: the region of their level on the way up from the one they were elected in (a county deputy
elected in a 街道 sits in the county's congress, and a 街道's own bands never grade them;
``org.congress``, which the rulebook follows too).

Grades are computed from the running totals (``deputy_scores``) whenever they are read, never stored:
changing the bands changes how every total is graded from then on — the year before included, which is
how 连续两年 is judged. The evaluation list grades in SQL (``grade_case``), a province's deputies in one
statement, never loaded into Python.
"""
from bisect import bisect_left
from dataclasses import dataclass
from functools import cached_property
from types import SimpleNamespace
from datetime import datetime

from sqlalchemy import Integer, and_, case, cast, delete, false, func, insert, literal, literal_column, null, select
from sqlalchemy.orm import aliased

from ..audit.log import record
from ..auth.scope import deputy_scope_clause
from ..db_types import CHINA, utcnow
from ..errors import APIError
from ..extensions import db
from ..org.congress import CONGRESS_REGION_LEVEL, congress_region
from ..org.models import Deputy, DeputyLevel, Region
from ..org.services import root_region
from .models import DeputyScore, GradeBand
from .queries import entered_by

# (label, min_points), highest first; the lowest's None: everything below the band above it.
# Fitted to the default rulebook (migration 0003), which has no yearly base and pays a reception day 5 and
# most activities 2 or 3, not to a 100-point scale (80/60 there would grade every deputy 差): 较好 is the
# regular duty, a reception day at the station each quarter (4 × 5); 好 about twice that, e.g. the same
# plus reporting to voters, training, inspection, research, the group and suggestions handled well.
DEFAULT_BANDS = (("好", 40), ("较好", 20), ("差", None))


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
    """A set as the 操作日志 tells it: 好 ≥ 40、较好 ≥ 20、差."""
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


# --- whose congress grades a deputy ---------------------------------------------------------------------


def for_deputy(deputy):
    """The bands that grade ``deputy``: those in force at their congress's region
    (``org.congress.congress_region``) — never a set made below it, as by the township a county deputy
    happens to be elected in."""
    return in_force(congress_region(deputy))


# --- grading in SQL ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Grading:
    """What grading the deputies of ``region``'s subtree needs: ``sets``, the bands that can grade one of
    them, numbered by position (the deployment's default, if it can, first, then shallowest first);
    ``core``, the numbers of those in force in ``region`` or set below it (the others, in force above it,
    grade only deputies of a congress above it); ``anchor``, the numbers ``region`` itself carries into
    the tree walk (``_region_sets``); ``below``, {region_id: number} of the sets made below it."""

    sets: list
    core: set
    anchor: dict
    below: dict


def _grading(region):
    ancestors = region.ancestors_and_self() if region is not None else []
    below_rows = db.session.execute(
        select(Region.id, Region.path).where(Region.id.in_(select(GradeBand.region_id).distinct()),
                                             Region.path.startswith(region.path), Region.id != region.id)
    ).all() if region is not None else []
    own = _sets([a.id for a in ancestors] + [region_id for region_id, _ in below_rows])
    # The set in force at each region on the path (None: the default), from the root down.
    keys, key = [], None
    for ancestor in ancestors:
        key = ancestor.id if ancestor.id in own else key
        keys.append(key)
    below = [region_id for region_id, _ in sorted(below_rows, key=lambda row: (row[1].count("/"), row[1]))]
    order = list(dict.fromkeys(keys + below)) or [None]
    if None in order:
        order.remove(None)
        order.insert(0, None)
    numbers = {key: number for number, key in enumerate(order)}
    sets = [DEFAULT_BANDS if key is None else own[key] for key in order]
    in_force_at = dict(zip((a.id for a in ancestors), keys))

    def number_at(congress):
        return numbers[in_force_at[congress.id]] if congress is not None else numbers[order[0]]

    anchor = {"own": number_at(ancestors[-1] if ancestors else None),
              DeputyLevel.national: number_at(ancestors[0] if ancestors else None)}
    for level, region_level in CONGRESS_REGION_LEVEL.items():
        congress = next((a for a in reversed(ancestors) if a.level == region_level), None)
        anchor[level] = number_at(congress) if congress is not None else None
    core = {anchor["own"]} | {numbers[region_id] for region_id in below}
    return _Grading(sets, core, anchor, {region_id: numbers[region_id] for region_id in below})


def sets_for(region):
    """The sets that can grade a deputy of ``region``'s subtree, (the default, if it can, first, then)
    shallowest first."""
    return _grading(region).sets


def _number(value):
    return literal_column(str(int(value))) if value is not None else cast(null(), Integer)


def _region_sets(region, grading):
    """The regions of ``region``'s subtree, each with the number (in ``grading.sets``) of the set in force
    in it (``own_no``) and, for each level of deputy, of the set in force at the congress such a deputy
    elected in it sits in (``set_<level>``): the nearest region of that level on the way up, NULL without
    one. Over the regions (a province has about 1,250), materialised once: the deputies' rows then pick
    one integer by their level.

    The numbers are carried down the tree from ``region`` (a recursive CTE over ``parent_id``); the
    regions are then taken by the indexed path prefix and joined to them, so that the planner counts the
    subtree's regions as it did before (a recursive CTE's count is a guess, ten times too high for a city,
    and the deputies' joins then read every total of the year instead of the city's)."""
    subtree = Region.path.startswith(region.path) if region is not None else false()  # no region yet
    if len(grading.sets) == 1:  # one set grades everyone: nothing to number
        return select(Region.id, Region.name).where(subtree).cte("region_sets").prefix_with("MATERIALIZED")
    levels = list(CONGRESS_REGION_LEVEL.items())
    top = select(Region.id, _number(grading.anchor["own"]).label("own_no"),
                 *(_number(grading.anchor[level]).label(f"set_{level.value}") for level, _ in levels))
    top = top.where(Region.id == region.id)
    walk = top.cte("region_walk", recursive=True)
    child = aliased(Region, name="child")
    own = case(grading.below, value=child.id, else_=walk.c.own_no) if grading.below else walk.c.own_no
    walk = walk.union_all(
        select(child.id, own, *(case((child.level == region_level.value, own), else_=walk.c[f"set_{level.value}"])
                                for level, region_level in levels)).join(walk, child.parent_id == walk.c.id))
    return (select(Region.id, Region.name, *(column for column in walk.c if column.key != "id"))
            .join(walk, walk.c.id == Region.id).where(subtree).cte("region_sets").prefix_with("MATERIALIZED"))


def _deputy_set(regions, grading):
    """The number of the set that grades the deputy of the row (``_region_sets``' columns by level; a
    national deputy's is the root's; without a region of their level above, their own region's)."""
    if len(grading.sets) == 1:
        return literal_column("0")
    by_level = {level.value: func.coalesce(regions.c[f"set_{level.value}"], regions.c.own_no)
                for level in CONGRESS_REGION_LEVEL}
    return case({DeputyLevel.national.value: _number(grading.anchor[DeputyLevel.national]), **by_level},
                value=Deputy.level, else_=regions.c.own_no)


def _by_set(set_no, sets, inner):
    """``inner(bands)`` of the set numbered ``set_no`` (a column) in ``sets``."""
    if len(sets) == 1:
        return inner(sets[0])
    return case({index: inner(bands) for index, bands in enumerate(sets[:-1])}, value=set_no,
                else_=inner(sets[-1]))


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
    core: set = frozenset()  # the grades of the bands in force in the region or set below it

    @cached_property
    def counts(self):
        """{grade: how many}, in band order: every grade of the bands in force in the region or set below
        it, 0 where none, and any other given (by the bands of a congress above the region, to a deputy
        of that congress elected in it)."""
        counted = dict(db.session.execute(self.summary).all())
        return {label: counted.get(label, 0) for label in self.labels if label in self.core or counted.get(label)}

    @property
    def listed(self):
        """How many ``rows`` holds: taken from the counts, no pass over the deputies of its own."""
        return self.counts.get(self.grade, 0) if self.grade else sum(self.counts.values())

    ranking: object = None  # ``(above) -> SELECT of (total, count)`` of the listed with a total above ``above``

    def rank_of(self, above=None):
        """``total -> rank`` among the listed deputies before the grade filter, ties sharing (1 + how many
        have more), for totals of ``above`` or more (None: any). Counted from the totals above ``above``
        only — for a first page, a few entries of the scores' index — instead of ranking every deputy of
        the scope with a window at each view."""
        more = sorted(db.session.execute(self.ranking(above)).all(), key=lambda pair: pair[0], reverse=True)
        negated = [-total for total, _ in more]  # ascending, for bisect
        ahead, running = [], 0
        for _, count in more:
            running += count
            ahead.append(running)

        def rank(total):
            higher = bisect_left(negated, -total)  # how many distinct totals are above it
            return (ahead[higher - 1] if higher else 0) + 1
        return rank

    def ranked(self, rows):
        """The rows read of ``rows`` (a page) with their ``rank`` (``rank_of`` from the page's lowest)."""
        rows = list(rows)
        if not rows:
            return []
        rank = self.rank_of(min(row.total for row in rows))
        return [SimpleNamespace(**row._asdict(), rank=rank(row.total)) for row in rows]


def evaluation(user, region, year, grade=None):
    """The evaluation of ``year`` (an ``Evaluation``): the deputies in office ``user`` manages in
    ``region``'s subtree (None: all of them), each graded by their congress's bands (``for_deputy``), those without a
    point that year at 0. ``rows`` is a SELECT ordered by total (highest first) then id, of ``id``,
    ``name``, ``level``, ``region_name``, ``total``, ``grade`` and ``lowest_last_year``, filtered by
    ``grade`` (their ``rank`` among the listed deputies before the grade filter, ties sharing, is added by
    ``Evaluation.ranked`` to the rows read); ``summary`` a SELECT
    of (grade, count) over the list before the grade filter."""
    score, before = aliased(DeputyScore), aliased(DeputyScore)
    total = func.coalesce(score.total, 0)
    last_total = func.coalesce(before.total, 0)
    region = region if region is not None else root_region()
    grading = _grading(region)
    sets = grading.sets
    regions = _region_sets(region, grading)  # and the subtree: only its regions are joined
    set_no = _deputy_set(regions, grading)
    grade_column = _by_set(set_no, sets, _label(total))
    # 连续两年: in the lowest band both years, graded by today's bands; a deputy entered this year had no
    # year before to be graded on.
    lowest_last_year = and_(_by_set(set_no, sets, _lowest(total)),
                            _by_set(set_no, sets, _lowest(last_total)),
                            Deputy.created_dt < year_start(year))
    # A past year: its deputies (``score`` is joined in every query below).
    where = [Deputy.active.is_(True), entered_by(year, score.deputy_id.is_not(None)), deputy_scope_clause(user)]
    listed = (
        select(Deputy.id, Deputy.name, Deputy.level, regions.c.name.label("region_name"), total.label("total"),
               grade_column.label("grade"), case((lowest_last_year, True), else_=False).label("lowest_last_year"))
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
    labels = [label for bands in sets for label, _ in bands]
    core = {label for number in grading.core for label, _ in sets[number]}

    def ranking(above):
        """(total, how many) of the listed deputies with a total above ``above`` (None: all of them). Above
        0 only those with a score row can be, so the scores are joined, not outer-joined: their index
        gives the few totals above a first page's, highest first."""
        if above is not None and above >= 0:
            query = select(score.total, func.count()).select_from(Deputy).join(
                score, and_(score.deputy_id == Deputy.id, score.year == year, score.total > above))
            column = score.total
        else:
            query = select(total, func.count()).select_from(Deputy).outerjoin(
                score, and_(score.deputy_id == Deputy.id, score.year == year))
            column = total
            if above is not None:
                query = query.where(total > above)
        return query.join(regions, regions.c.id == Deputy.region_id).where(*where).group_by(column)

    return Evaluation(rows, summary, list(dict.fromkeys(labels)), grade, core, ranking)
