"""Which rulebook applies: each congress sets its own 代表履职评分细则 (domain.md).

``scoring_rules`` is the deployment's rulebook — the root region's congress's, kept by the super
administrator. Any other region's administrators may set lines of their own
(``scoring_rule_overrides``); a line is in force in that region and in every region below it that has
not set the same line: a county follows its city's rulebook, and the city the province's, until its own
congress adopts a different line. A deputy earns by the rulebook in force at their congress's region
(``org.congress``): the region of their level on the way up from the one they were elected in, as the
履职评价等次 bands grade them (``grades``). A county deputy elected in a township sits in the county's
congress: the township's own lines credit its township deputies, never them.

This module is the only place that answers "which line applies"; the ledger credits by it and the
API and the console show and edit through it.
"""
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, select, update

from ..activities.models import (
    ACTIVITY_TYPE_LABELS, Activity, ActivityParticipant, ActivityStatus, ActivityType, ParticipantStatus,
)
from ..audit.log import record
from ..db_types import conflict_insert, utcnow
from ..errors import APIError, not_found, validation_failed
from ..extensions import db
from ..org.congress import congress_of, congress_region
from ..org.models import Deputy, Region
from ..org.services import root_region
from .models import ScoringRule, ScoringRuleOverride

EDITABLE = ("label", "points", "yearly_cap", "active")
# The lines that take points away (无故缺席, 建议超期未办): 0 or below, never capped (a yearly cap limits what a
# line adds). Every other line (the activities', the suggestions' and research reports' rewards) adds: 0 or above.
DEDUCTIONS = frozenset({"absence", "suggestion_overdue"})
REWARD_NOT_NEGATIVE = "该条目为加分项，分值须为 0 或正数。"
DEDUCTION_NOT_POSITIVE = "该条目为扣分项，分值须为 0 或负数。"
DEDUCTION_UNCAPPED = "扣分条目不设年度上限。"


@dataclass(frozen=True)
class Rule:
    """A line of the rulebook as it is in force somewhere; ``region`` is the region that set it
    (the root's for the deployment's own lines; None only before any region exists)."""

    code: str
    label: str
    points: int
    applies_to: str
    yearly_cap: int | None
    active: bool
    region: Region | None = None
    updated_dt: object = None  # when the line was last changed by whoever set it


def _path_ids(path):
    return [int(part) for part in path.strip("/").split("/") if part]


# The rulebook's reading order: the activity types as the 发单 form lists them (接待选民 first, 其他 last), then
# 无故缺席, the suggestions' lines and the research reports'; a line added later, after them by its key.
_READING_ORDER = [*ACTIVITY_TYPE_LABELS, "absence", "suggestion_closed", "suggestion_satisfied", "suggestion_overdue",
                  "research_report_accepted", "research_report_instructed"]


def _reading_place(rule):
    if rule.code in _READING_ORDER:
        return (_READING_ORDER.index(rule.code), "", "")
    return (len(_READING_ORDER), rule.applies_to, rule.code)


def _base_rules():
    return sorted(db.session.scalars(select(ScoringRule)), key=_reading_place)


def _lines_by_region(region_ids, codes=None):
    """{region_id: {code: ScoringRuleOverride}}: the lines the regions ``region_ids`` set (of ``codes``)."""
    if not region_ids:
        return {}
    query = select(ScoringRuleOverride).where(ScoringRuleOverride.region_id.in_(region_ids))
    if codes is not None:
        query = query.where(ScoringRuleOverride.code.in_(codes))
    by_region = {}
    for override in db.session.scalars(query):
        by_region.setdefault(override.region_id, {})[override.code] = override
    return by_region


def _nearest(by_region, path_ids):
    """{code: ScoringRuleOverride}: for each code, the line set by the region nearest the end of
    ``path_ids`` (root first: a nearer region's line replaces a farther one's)."""
    nearest = {}
    for region_id in path_ids:
        nearest.update(by_region.get(region_id, {}))
    return nearest


def _rule(base, override, regions, root):
    if override is None:
        return Rule(base.code, base.label, base.points, base.applies_to, base.yearly_cap, base.active, root,
                    base.updated_dt)
    return Rule(base.code, override.label, override.points, base.applies_to, override.yearly_cap, override.active,
                regions.get(override.region_id), override.updated_dt)


def _regions(ids):
    return {r.id: r for r in db.session.scalars(select(Region).where(Region.id.in_(ids)))} if ids else {}


def in_force(region):
    """The whole rulebook in force in ``region`` (None or the root: the deployment's), in display order."""
    root = root_region()
    path_ids = _path_ids(region.path) if region is not None else []
    nearest = _nearest(_lines_by_region(path_ids), path_ids)
    regions = _regions({line.region_id for line in nearest.values()})
    return [_rule(base, nearest.get(base.code), regions, root) for base in _base_rules()]


def line(region, code):
    """The line ``code`` in force in ``region``; 404 for a code the rulebook does not have."""
    return next((rule for rule in in_force(region) if rule.code == code), None) or _no_such_rule()


def _no_such_rule():
    raise not_found("评分细则不存在。")


def for_deputies(deputy_ids, codes):
    """{deputy_id: {code: Rule}} — the lines each deputy earns by (the rulebook in force at their
    congress's region, ``org.congress``), for ``codes``; a code the rulebook lacks is left out. The same
    few queries however many deputies: an activity's 结单 asks for up to ACTIVITY_MAX_DEPUTIES at once."""
    bases = {rule.code: rule for rule in db.session.scalars(select(ScoringRule).where(ScoringRule.code.in_(codes)))}
    elected = db.session.execute(
        select(Deputy.id, Deputy.level, Region.path).join(Region, Region.id == Deputy.region_id)
        .where(Deputy.id.in_(deputy_ids))
    ).all() if deputy_ids and bases else []
    # Every region on the deputies' paths, read once: where each one's congress sits, and who set a line.
    regions = _regions({i for path in {row.path for row in elected} for i in _path_ids(path)})
    congress_paths = {}
    for deputy_id, level, path in elected:
        congress = congress_of(level, [regions[i] for i in _path_ids(path) if i in regions])
        congress_paths[deputy_id] = _path_ids(congress.path) if congress is not None else []
    by_region = _lines_by_region(sorted({i for ids in congress_paths.values() for i in ids}), list(bases))
    root = root_region()
    resolved = {}
    for deputy_id, path_ids in congress_paths.items():
        nearest = _nearest(by_region, path_ids)
        resolved[deputy_id] = {code: _rule(base, nearest.get(code), regions, root) for code, base in bases.items()}
    return resolved


def for_deputy(deputy_id, code):
    """The line ``code`` that ``deputy_id`` earns by, or None if the rulebook has no such line."""
    return for_deputies([deputy_id], [code]).get(deputy_id, {}).get(code)


def in_force_for(deputy):
    """The whole rulebook ``deputy`` earns by: the one in force at their congress's region."""
    return in_force(congress_region(deputy))


def own_region(user):
    """The rulebook an administrator reads and edits unless they name another: their own region's;
    a station administrator's is the deployment's (the root's)."""
    if user.admin_region_id is not None:
        return db.session.get(Region, user.admin_region_id)
    return root_region()


def is_root(region):
    """Whether ``region``'s rulebook is the deployment's (the root's; None stands for it too)."""
    return region is None or region.parent_id is None


def line_problems(rule, changes):
    """{field: [message]}: what is wrong with the line ``rule`` once ``changes`` are made to it: a reward worth
    less than 0 (attending would cost a deputy points), a deduction worth more than 0 (staying away would earn
    them), a deduction given a yearly cap (which only limits what a line adds, and would do nothing). The API
    (422) and the console's rulebook form (under the box) say the same."""
    points = changes.get("points", rule.points)
    problems = {}
    if rule.code in DEDUCTIONS:
        if points > 0:
            problems["points"] = [DEDUCTION_NOT_POSITIVE]
        if changes.get("yearly_cap", rule.yearly_cap) is not None:
            problems["yearly_cap"] = [DEDUCTION_UNCAPPED]
    elif points < 0:
        problems["points"] = [REWARD_NOT_NEGATIVE]
    return problems


def fix_what_was_earned(code):
    """Before the line ``code`` changes anywhere (``set_line``, ``reset_line``): the check-ins it is to credit
    at 结单 (a published activity of that type, the deputy checked in, by a scan or 补签) keep what they earned
    under the lines in force when they were made, as every other point does (a change applies to points
    earned after it). Their ``points_due`` is fixed now, by the lines as they still are: the activity's own
    points or the deputy's line, 0 where that line was off. One fixed before stays (an earlier change). Done
    here, where the rare change is made, not at every scan: the scan path reads no rulebook. Returns how many
    were fixed."""
    if code not in ACTIVITY_TYPE_LABELS:
        return 0
    rows = db.session.execute(
        select(ActivityParticipant.activity_id, ActivityParticipant.deputy_id, Activity.points)
        .join(Activity, Activity.id == ActivityParticipant.activity_id)
        .where(Activity.status == ActivityStatus.published, Activity.type == ActivityType(code),
               ActivityParticipant.status == ParticipantStatus.checked_in, ActivityParticipant.points_due.is_(None))
    ).all()
    if not rows:
        return 0
    lines = for_deputies(sorted({row.deputy_id for row in rows}), [code])
    fixed = []
    for activity_id, deputy_id, own_points in rows:
        rule = lines.get(deputy_id, {}).get(code)
        due = 0 if rule is None or not rule.active else (rule.points if own_points is None else own_points)
        fixed.append({"a": activity_id, "d": deputy_id, "due": due})
    participants = ActivityParticipant.__table__
    db.session.execute(
        update(participants).where(participants.c.activity_id == bindparam("a"),
                                   participants.c.deputy_id == bindparam("d"), participants.c.points_due.is_(None))
        .values(points_due=bindparam("due")), fixed)
    return len(fixed)


def set_line(region, code, changes, actor=None):
    """Edit the line ``code`` of ``region``'s rulebook with ``changes`` (any of EDITABLE); the root's
    edits are the deployment's rulebook, any other region's become its own line, made from the line
    in force there. Returns the line now in force in ``region``; ``actor``'s change is logged (修改评分细则)."""
    changes = {key: value for key, value in changes.items() if key in EDITABLE}
    before = line(region, code)
    if problems := line_problems(before, changes):
        raise validation_failed(problems)
    fix_what_was_earned(code)
    if is_root(region):
        target = db.session.get(ScoringRule, code) or _no_such_rule()
    else:
        target = db.session.get(ScoringRuleOverride, (region.id, code))
        if target is None:
            current = line(region, code)
            if all(getattr(current, key) == value for key, value in changes.items()):
                return current  # nothing differs: the region keeps following the line set above it
            # Made from the line in force; two administrators making it at once both get the one row
            # (the later edit then wins, as for any two edits of a line).
            copied = {key: getattr(current, key) for key in EDITABLE}
            db.session.execute(
                conflict_insert(ScoringRuleOverride, db.session.get_bind())
                .values(region_id=region.id, code=code, updated_dt=utcnow(), **copied)
                .on_conflict_do_nothing(index_elements=["region_id", "code"])
            )
            target = db.session.get(ScoringRuleOverride, (region.id, code))
    for key, value in changes.items():
        setattr(target, key, value)
    db.session.flush()
    after = line(region, code)
    differences = {key: [getattr(before, key), getattr(after, key)] for key in EDITABLE
                   if getattr(before, key) != getattr(after, key)}
    if actor is not None and differences:
        record("rule_changed", actor, ("rule", None, after.label), _region_id(region), differences)
    return after


def _region_id(region):
    region = region if region is not None else root_region()
    return region.id if region is not None else None


def reset_line(region, code, actor=None):
    """Withdraw ``region``'s own line ``code``: the line set above it is in force again. Returns it;
    ``actor``'s withdrawal is logged when the region had a line of its own."""
    if is_root(region):
        raise APIError(409, "conflict", "全域评分细则只能修改，不能撤销。")
    before = line(region, code)  # 404 for an unknown code
    fix_what_was_earned(code)
    gone = db.session.execute(delete(ScoringRuleOverride).where(ScoringRuleOverride.region_id == region.id,
                                                                ScoringRuleOverride.code == code)).rowcount
    after = line(region, code)
    if actor is not None and gone:
        record("rule_withdrawn", actor, ("rule", None, after.label), region.id,
               {key: [getattr(before, key), getattr(after, key)] for key in EDITABLE
                if getattr(before, key) != getattr(after, key)})
    return after
