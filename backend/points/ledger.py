"""Crediting points: the only code that writes the ledger and the running totals."""

from sqlalchemy import func, literal, select

from ..audit.log import record
from ..db_types import CHINA, UTCDateTime, conflict_insert, utcnow
from ..errors import validation_failed
from ..extensions import db
from ..org.models import Deputy
from . import rulebook
from .models import DeputyScore, PointCorrection, PointEntry

# The rule code and source type of an administrator's correction: not a line of the rulebook, so no
# rule can switch corrections off or cap them.
CORRECTION = "correction"
CORRECTION_LABEL = "积分更正"


def _insert(model):
    return conflict_insert(model, db.session.get_bind())


def points_year(dt):
    """Points count towards the calendar year in China time (a New Year's Eve activity belongs to the old year)."""
    return dt.astimezone(CHINA).year


def credit(deputy_id, rule_code, source_type, source_id, reason="", points=None, at=None, rule=None, year=None):
    """Credit ``deputy_id`` under ``rule_code`` for one source, once. Returns the points credited (0 if none).

    The line is the one in force for the deputy (their congress's rulebook, ``rulebook``); ``rule``
    passes it when the caller resolved it already. ``points`` overrides the line's value (an activity
    with its own points); an inactive or unknown line credits nothing; a yearly cap limits what a
    positive line can add in one year.

    ``at`` is when the points are credited (the row's time, and among equal totals who got there
    first); ``year`` is the year they count towards, by default the year of ``at``. An activity passes
    the year it was held in, which its 结单 may follow past New Year.
    """
    if rule is None:
        rule = rulebook.for_deputy(deputy_id, rule_code)
    if rule is None or not rule.active:
        return 0
    at = at or utcnow()
    if year is None:
        year = points_year(at)
    value = rule.points if points is None else points
    if rule.yearly_cap is not None and value > 0:
        # One capped credit per deputy at a time: two closes at once would otherwise both read the sum
        # below the cap and both add to it. The deputy's row is locked until commit (PostgreSQL's FOR NO
        # KEY UPDATE, which the ledger's foreign-key checks do not wait for; SQLite writes one at a time).
        db.session.execute(select(Deputy.id).where(Deputy.id == deputy_id).with_for_update(key_share=True))
        earned = db.session.scalar(
            select(func.coalesce(func.sum(PointEntry.points), 0)).where(
                PointEntry.deputy_id == deputy_id, PointEntry.year == year, PointEntry.rule_code == rule_code
            )
        )
        value = max(0, min(value, rule.yearly_cap - earned))
        if value == 0:
            return 0
    return _write(deputy_id, year, value, rule_code, source_type, source_id, reason, at)


# The ledger rows one statement of ``credit_many`` inserts: 8 values a row, well within what SQLite (32,766)
# and PostgreSQL (65,535) take at once; an activity's list (ACTIVITY_MAX_DEPUTIES, 1,000) is one statement.
ROWS_AT_ONCE = 1000


def credit_many(credits, source_type, source_id, at, year):
    """``credit`` for many deputies and one source at once (结单: up to ACTIVITY_MAX_DEPUTIES), in a number
    of statements that does not grow with them. ``credits``: (deputy_id, rule_code, rule, points, reason) for
    each deputy, at most one per deputy and rule, ``rule`` the line in force for them (None: no such line)
    and ``points`` overriding its value as in ``credit``. Returns {deputy_id: points credited}, leaving out
    the deputies credited nothing (an inactive or unknown line, a cap reached, the source credited already).

    As ``credit`` does one by one: a capped positive line adds no more than the cap leaves in ``year``, the
    deputies concerned locked first, in one statement in the order of their ids (two closes at once take
    turns, and the second counts what the first wrote); the ledger rows are one INSERT … ON CONFLICT DO
    NOTHING on the source's unique constraint, returning those written (none twice, however often it is
    retried), and the running totals one upsert of those, in the order of the deputies' ids."""
    wanted = {}
    for deputy_id, rule_code, rule, points, reason in credits:
        if rule is None or not rule.active:
            continue
        value = rule.points if points is None else points
        wanted[deputy_id, rule_code] = [value, rule.yearly_cap if value > 0 else None, reason]
    capped = sorted({deputy_id for (deputy_id, _), (_, cap, _) in wanted.items() if cap is not None})
    if capped:
        db.session.execute(select(Deputy.id).where(Deputy.id.in_(capped)).order_by(Deputy.id)
                           .with_for_update(key_share=True))
        earned = dict(((deputy_id, code), total) for deputy_id, code, total in db.session.execute(
            select(PointEntry.deputy_id, PointEntry.rule_code, func.sum(PointEntry.points))
            .where(PointEntry.deputy_id.in_(capped), PointEntry.year == year,
                   PointEntry.rule_code.in_({code for (_, code), (_, cap, _) in wanted.items() if cap is not None}))
            .group_by(PointEntry.deputy_id, PointEntry.rule_code)))
        for key, line in wanted.items():
            if line[1] is not None:
                line[0] = max(0, min(line[0], line[1] - earned.get(key, 0)))
    rows = [dict(deputy_id=deputy_id, year=year, points=value, rule_code=rule_code, reason=reason[:255],
                 source_type=source_type, source_id=source_id, created_dt=at)
            for (deputy_id, rule_code), (value, cap, reason) in sorted(wanted.items())
            if cap is None or value > 0]
    written = []
    for start in range(0, len(rows), ROWS_AT_ONCE):
        written += db.session.execute(
            _insert(PointEntry).values(rows[start:start + ROWS_AT_ONCE])
            .on_conflict_do_nothing(index_elements=["deputy_id", "rule_code", "source_type", "source_id"])
            .returning(PointEntry.id, PointEntry.deputy_id, PointEntry.points)
        ).all()
    if not written:
        return {}
    credited = {}
    for _, deputy_id, points in written:
        credited[deputy_id] = credited.get(deputy_id, 0) + points
    # A year's first total takes the deputy's office as it is; org.services.sync_office keeps it after.
    totals = (
        select(PointEntry.deputy_id, PointEntry.year, func.sum(PointEntry.points), literal(at, UTCDateTime()),
               Deputy.active)
        .join(Deputy, Deputy.id == PointEntry.deputy_id)
        .where(PointEntry.id.in_([row_id for row_id, _, _ in written]))
        .group_by(PointEntry.deputy_id, PointEntry.year, Deputy.active)
        .order_by(PointEntry.deputy_id)
    )
    upsert = _insert(DeputyScore).from_select(["deputy_id", "year", "total", "reached_dt", "in_office"], totals)
    db.session.execute(upsert.on_conflict_do_update(
        index_elements=["deputy_id", "year"],
        set_={"total": DeputyScore.total + upsert.excluded.total, "reached_dt": upsert.excluded.reached_dt},
    ))
    return {deputy_id: points for deputy_id, points in credited.items() if points}


def correct(author, deputy_id, year, points, reason):
    """积分更正 by the administrator ``author``: ``points`` (signed) added to the deputy's ``year``, as a
    new ledger row; nothing already credited changes. Returns the PointCorrection."""
    if year > points_year(utcnow()):
        raise validation_failed({"year": ["不能更正未来年度的积分。"]})
    correction = PointCorrection(deputy_id=deputy_id, year=year, points=points, reason=reason,
                                 author_user_id=author.id, created_dt=utcnow(),
                                 author_name=author.display_name or getattr(author, "username", None) or "")
    db.session.add(correction)
    db.session.flush()
    _write(deputy_id, year, points, CORRECTION, CORRECTION, correction.id, f"积分更正：{reason}", correction.created_dt)
    deputy = db.session.get(Deputy, deputy_id)
    record("points_corrected", author, ("deputy", deputy.id, deputy.name), deputy.region_id,
           {"year": year, "points": points, "reason": reason[:200]})
    return correction


def _write(deputy_id, year, value, rule_code, source_type, source_id, reason, at):
    """The ledger row and the running total, once per source; returns the points written (0 if the
    source was credited already)."""
    inserted = db.session.execute(
        _insert(PointEntry)
        .values(deputy_id=deputy_id, year=year, points=value, rule_code=rule_code, reason=reason[:255],
                source_type=source_type, source_id=source_id, created_dt=at)
        .on_conflict_do_nothing(index_elements=["deputy_id", "rule_code", "source_type", "source_id"])
        .returning(PointEntry.id)
    ).first()
    if inserted is None:
        return 0  # already credited for this source
    # A year's first total takes the deputy's office as it is; org.services.sync_office keeps it after.
    in_office = select(Deputy.active).where(Deputy.id == deputy_id).scalar_subquery()
    upsert = _insert(DeputyScore).values(deputy_id=deputy_id, year=year, total=value, reached_dt=at,
                                         in_office=in_office)
    db.session.execute(
        upsert.on_conflict_do_update(
            index_elements=["deputy_id", "year"],
            set_={"total": DeputyScore.total + value, "reached_dt": at},
        )
    )
    return value
