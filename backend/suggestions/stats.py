"""Dashboard rates with explicit denominators (see domain.md):

* 办结率 closed_rate = closed ÷ should_be_closed, where should_be_closed = closed + open items late (past_deadline:
  past the deadline their stage runs now — 分派, 接单 or 答复时限, while the clock runs, ``running_due_clause`` —
  or late at an earlier stage, ``late_dt``) + per deputy, the items they let go late (``returned_late``);
* 按时办结率 on_time_rate = closed never late at any stage (no ``late_dt``; per deputy: not late while theirs,
  ``late_with_holder``) ÷ should_be_closed;
* 转办中 the reply clock stands still (the feedback moves the limit on, no point is deducted): an item whose
  limit passed at the department is not past_deadline, and is counted apart (``at_department_past_due``);
* 满意率 satisfaction_rate = 满意 ÷ rated; 基本满意率 = (满意 + 基本满意) ÷ rated, where rated counts the items
  citizens rated, each once, by its latest rating: a 不满意 sending an item round again (重办) counts at once (the
  item is rated 不满意 until its next answer is rated), and the next round's rating replaces it; ``dissatisfied``
  is how many rated items' latest rating is 不满意. An item closed unrated (auto-closed) after a 不满意 round keeps
  that rating; one never rated has none. ``ratings`` (评价次数) counts every rating given, one per round
  answered, for those who follow the rounds; no rate divides by it. The 履职档案 reads these figures too;
* 落实率 implementation_rate = closed items whose reply recorded the problem solved ÷ closed (a reply that
  recorded nothing counts as not implemented: the rate claims only what deputies stated);
* average hours from assignment to acceptance, and from filing to closing, over the items the rates count;
* with ``work_orders=True``, the 转办工单 (work orders at departments and the 12345 hotline) of those items:
  工单满意率 work_order_satisfaction_rate = (满意 + 基本满意) ÷ work orders whose feedback recorded the
  deputy's satisfaction, overall and per department; each work order is answered (with_feedback), withdrawn
  (已撤回: its item left the department without feedback, e.g. its deputy left office) or awaiting feedback.

Rejected, withdrawn and merged items are not work that should be closed, so they are left out of the rates.
"""
from types import SimpleNamespace

from sqlalchemy import and_, case, func, or_, select

from ..db_types import utcnow
from ..extensions import db
from .models import (
    STATUS_LABELS,
    Satisfaction,
    Status,
    SuggestionLateReturn,
    SuggestionRating,
    SuggestionWorkOrder,
    clock_runs_clause,
    past_due_at_department_clause,
    running_due_clause,
)


def _hours_between(later, earlier):
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 3600.0
    return (func.julianday(later) - func.julianday(earlier)) * 24.0


def _rate(numerator, denominator):
    return round(numerator / denominator, 4) if denominator else None


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


MERGED_LABEL = "已合并"
_SUMMED = ("total", "closed", "past_deadline", "closed_late", "at_department_past_due", "overdue", "supervised",
           "merged", "implemented", "satisfied", "basically_satisfied", "dissatisfied", "to_accept_sum",
           "to_accept_count", "to_close_sum", "to_close_count")
_WORK_ORDER_COUNTS = ("work_orders", "with_feedback", "withdrawn", "awaiting_feedback", "satisfied", "basically_satisfied",
                      "dissatisfied")


def status_breakdown(figures):
    """``[(key, label, count)]`` per status as people read it, from ``suggestion_stats``' figures.

    A merged duplicate is closed under another item: it shows as 已合并 on its own, so that 已办结
    counts what the rates count as closed (``denominators.closed``) and the parts still add up to the
    total. The API's ``by_status`` keeps the plain status counts the contract names.
    """
    rows = []
    for status in Status:
        count = figures["by_status"][status.value]
        if status is Status.closed:
            rows.append((status.value, STATUS_LABELS[status.value], count - figures["merged"]))
            rows.append(("merged", MERGED_LABEL, figures["merged"]))
        else:
            rows.append((status.value, STATUS_LABELS[status.value], count))
    return rows


def _counted(s):
    return and_(s.status.notin_([Status.rejected, Status.withdrawn]), s.merged_into_id.is_(None))


def suggestion_stats(base_query, work_orders=False, deputy_id=None, others=None):
    """Figures over the items ``base_query`` selects (already scoped and filtered), with their work
    orders' if ``work_orders`` (the API and the console; the public page shows none).

    ``deputy_id``: the figures of that deputy (``base_query`` holds the items that are theirs now): lateness
    counts only while the item was theirs, and the items they let go late (``SuggestionLateReturn``) among
    ``others`` (the same scope and filters but the deputy's) count as should-be-closed and not closed."""
    now = utcnow()
    items = base_query.subquery()
    s = items.c
    counted = _counted(s)
    closed = and_(counted, s.status == Status.closed)
    if deputy_id is None:
        late = s.late_dt.isnot(None)
    else:  # models.late_with_holder, or let go late by this deputy before it came back to them
        late = or_(and_(s.late_dt.isnot(None), or_(s.assigned_dt.is_(None), s.late_dt > s.assigned_dt)),
                   s.id.in_(select(SuggestionLateReturn.suggestion_id).where(SuggestionLateReturn.deputy_id == deputy_id)))
    # Open and late: past the deadline its stage runs now, as the sweep flags them 超期 (sweep._overdue_clause:
    # the same clock, stopped while held, unscreened or at a department), whether or not it has run since; or
    # late at a stage before (once late, an item is never 按时办结, so it is due now).
    past_deadline = and_(counted, s.status != Status.closed,
                         or_(and_(clock_runs_clause(s), running_due_clause(s) < now), late))
    at_department_past_due = and_(counted, past_due_at_department_clause(now, s))
    to_accept = case((and_(counted, s.accepted_dt.isnot(None)), _hours_between(s.accepted_dt, s.assigned_dt)))
    to_close = case((closed, _hours_between(s.closed_dt, s.created_dt)))
    # An item's latest rating, read from the item itself: its satisfaction is the last round's rating, cleared
    # only when a 不满意 sends it round again (services.rate), which is also the only step raising its round; so
    # an item past round 1 without one was last rated 不满意. One pass over the items, no join to the ratings.
    rated_dissatisfied = or_(s.satisfaction == Satisfaction.dissatisfied, and_(s.satisfaction.is_(None), s.round > 1))
    # One pass over the items, grouped by status and category: every figure below is a sum over the groups
    # (the averages too, from their sums and counts). Three queries used to read the items three times,
    # which for a province's 1,500,000 items on every dashboard and public page view was most of its time.
    groups = db.session.execute(
        select(
            s.status, s.category,
            func.count().label("total"),
            _count(closed).label("closed"),
            _count(past_deadline).label("past_deadline"),
            _count(and_(closed, late)).label("closed_late"),
            _count(at_department_past_due).label("at_department_past_due"),
            _count(s.overdue.is_(True)).label("overdue"),
            _count(s.supervised.is_(True)).label("supervised"),
            _count(s.merged_into_id.isnot(None)).label("merged"),
            _count(and_(closed, s.implemented.is_(True))).label("implemented"),
            _count(and_(counted, s.satisfaction == Satisfaction.satisfied)).label("satisfied"),
            _count(and_(counted, s.satisfaction == Satisfaction.basically_satisfied)).label("basically_satisfied"),
            _count(and_(counted, rated_dissatisfied)).label("dissatisfied"),
            func.sum(to_accept).label("to_accept_sum"), func.count(to_accept).label("to_accept_count"),
            func.sum(to_close).label("to_close_sum"), func.count(to_close).label("to_close_count"),
        ).select_from(items).group_by(s.status, s.category)
    ).all()
    sums = dict.fromkeys(_SUMMED, 0)
    by_status, by_category = {}, {}
    for group in groups:
        for key in _SUMMED:
            sums[key] += group._mapping[key] or 0
        by_status[group.status] = by_status.get(group.status, 0) + group.total
        by_category[group.category] = by_category.get(group.category, 0) + group.total
    row = SimpleNamespace(**sums)
    row.to_accept = row.to_accept_sum / row.to_accept_count if row.to_accept_count else None
    row.to_close = row.to_close_sum / row.to_close_count if row.to_close_count else None
    returned_late = None if deputy_id is None else returned_late_count(deputy_id, others)
    should_be_closed = row.closed + row.past_deadline + (returned_late or 0)
    rated = row.satisfied + row.basically_satisfied + row.dissatisfied
    figures = {
        "total": row.total,
        "by_status": {status.value: by_status.get(status, 0) for status in Status},
        "status_labels": STATUS_LABELS,
        "by_category": by_category,
        "closed_rate": _rate(row.closed, should_be_closed),
        "on_time_rate": _rate(row.closed - row.closed_late, should_be_closed),
        "satisfaction_rate": _rate(row.satisfied, rated),
        "basic_satisfaction_rate": _rate(row.satisfied + row.basically_satisfied, rated),
        "satisfaction": {"satisfied": row.satisfied, "basically_satisfied": row.basically_satisfied,
                         "dissatisfied": row.dissatisfied},
        "dissatisfied": row.dissatisfied,
        "ratings": sum(rating_counts(items, counted).values()),
        "implementation_rate": _rate(row.implemented, row.closed),
        "avg_hours_to_accept": round(float(row.to_accept), 2) if row.to_accept is not None else None,
        "avg_hours_to_close": round(float(row.to_close), 2) if row.to_close is not None else None,
        "overdue": row.overdue,
        "returned_late": returned_late,
        "at_department_past_due": row.at_department_past_due,
        "supervised": row.supervised,
        "merged": row.merged,
        "implemented": row.implemented,
        "closed_on_time": row.closed - row.closed_late,
        "denominators": {"should_be_closed": should_be_closed, "closed": row.closed, "rated": rated},
    }
    if work_orders:
        orders = work_order_stats(items)
        figures["denominators"]["work_orders_rated"] = orders.pop("work_orders_rated")
        figures |= orders
    return figures


def returned_late_count(deputy_id, others):
    """The items among ``others`` (a query of suggestions) the deputy let go late (``SuggestionLateReturn``: 退回,
    leaving office, dispatched to another) and not theirs now (those count with their items): each once, rejected,
    withdrawn and merged ones left out as from every rate. Read through ix_suggestion_late_returns_deputy."""
    r = SuggestionLateReturn
    o = others.subquery()
    return db.session.scalar(
        select(func.count(func.distinct(r.suggestion_id))).join(o, o.c.id == r.suggestion_id)
        .where(r.deputy_id == deputy_id, _counted(o.c), or_(o.c.deputy_id.is_(None), o.c.deputy_id != deputy_id))
    ) or 0


def rating_counts(items, counted):
    """The ratings citizens gave the ``counted`` items of ``items`` (a subquery of suggestions), every round's
    (评价次数), per satisfaction:
    one grouped query over the ratings, joined to the items by ``ix_suggestion_ratings_suggestion_id``."""
    rows = db.session.execute(
        select(SuggestionRating.satisfaction, func.count())
        .join(items, items.c.id == SuggestionRating.suggestion_id).where(counted)
        .group_by(SuggestionRating.satisfaction)
    ).all()
    return dict.fromkeys(Satisfaction, 0) | {Satisfaction(satisfaction): count for satisfaction, count in rows}


def work_order_stats(items):
    """The work orders of ``items`` (a subquery of suggestions) per department, and their sums: one
    grouped query over the work orders, joined to the items by ``ix_suggestion_work_orders_suggestion``.

    A work order is rated when its feedback said how satisfied the deputy was with the department's
    handling: the API also takes feedback without it, as the contract first had it. One withdrawn (已撤回)
    is no longer awaited: ``awaiting_feedback`` counts the open ones."""
    w = SuggestionWorkOrder
    rows = db.session.execute(
        select(
            w.department,
            func.count().label("work_orders"),
            _count(w.feedback_dt.isnot(None)).label("with_feedback"),
            _count(and_(w.feedback_dt.is_(None), w.withdrawn_dt.isnot(None))).label("withdrawn"),
            _count(and_(w.feedback_dt.is_(None), w.withdrawn_dt.is_(None))).label("awaiting_feedback"),
            _count(w.satisfaction == Satisfaction.satisfied).label("satisfied"),
            _count(w.satisfaction == Satisfaction.basically_satisfied).label("basically_satisfied"),
            _count(w.satisfaction == Satisfaction.dissatisfied).label("dissatisfied"),
        )
        .join(items, items.c.id == w.suggestion_id)
        .group_by(w.department)
    ).all()
    by_department = []
    for row in rows:
        figures = {key: int(row._mapping[key]) for key in _WORK_ORDER_COUNTS}
        rated = figures["satisfied"] + figures["basically_satisfied"] + figures["dissatisfied"]
        by_department.append({
            "department": row.department, **figures, "rated": rated,
            "satisfaction_rate": _rate(figures["satisfied"] + figures["basically_satisfied"], rated),
        })
    by_department.sort(key=lambda d: (-d["work_orders"], d["department"]))
    sums = {key: sum(d[key] for d in by_department) for key in (*_WORK_ORDER_COUNTS, "rated")}
    return {
        "work_orders": sums["work_orders"],
        "work_orders_with_feedback": sums["with_feedback"],
        "work_orders_withdrawn": sums["withdrawn"],
        "work_orders_awaiting_feedback": sums["awaiting_feedback"],
        "work_orders_rated": sums["rated"],
        "work_order_satisfaction_rate": _rate(sums["satisfied"] + sums["basically_satisfied"], sums["rated"]),
        "by_department": by_department,
    }
