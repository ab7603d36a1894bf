"""The periodic sweep over suggestions: content screening, deadline flags and reminders, auto-close.

Every step claims its work with a conditional UPDATE (or the item's version check), so two sweeps
running at once, or one running twice, never do anything twice. The sweep that loses a claim moves
on to the next item: the version check fails at the step's first flush, which is why each item's
whole step, not only its commit, is inside the ``try``.
"""
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, case, literal, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from ..db_types import UTCDateTime, utcnow
from ..extensions import db
from ..org.models import Deputy
from . import services, workflow
from .models import Status, Suggestion, clock_runs_clause, running_due_clause

log = logging.getLogger(__name__)

BATCH = 500


def _overdue_clause(now):
    return clock_runs_clause() & or_(
        and_(Suggestion.status == Status.pending, Suggestion.dispatch_due_dt < now),
        and_(Suggestion.status == Status.assigned, Suggestion.accept_due_dt < now),
        and_(Suggestion.status.in_([Status.accepted, Status.forwarded]), Suggestion.reply_due_dt < now),
    )


def _due_soon_clause(now, soon):
    return clock_runs_clause() & or_(
        and_(Suggestion.status == Status.pending, Suggestion.dispatch_due_dt >= now, Suggestion.dispatch_due_dt < soon),
        and_(Suggestion.status == Status.assigned, Suggestion.accept_due_dt >= now, Suggestion.accept_due_dt < soon),
        and_(
            Suggestion.status.in_([Status.accepted, Status.forwarded]),
            Suggestion.reply_due_dt >= now,
            Suggestion.reply_due_dt < soon,
        ),
    )


def screen_pending():
    """Screen new items' text with WeChat (filing does not wait for it, see filing.py), oldest first.
    WeChat unable to answer now ends the run: that item and the rest stay pending for the next sweep,
    rather than each waiting out its own timeout. An item whose screening fails for reasons of its own
    (``services.LATER``: an odd errcode, an answer without a verdict; or an error of ours) stays pending and
    the run goes on with the next: one such item, first in line at every sweep, holds up none of the others.
    Returns how many were screened."""
    screened = 0
    ids = db.session.scalars(
        select(Suggestion.id).where(Suggestion.screening == "pending").order_by(Suggestion.id).limit(BATCH)
    ).all()
    for item_id in ids:
        try:
            item = db.session.get(Suggestion, item_id)
            verdict = services.check_text(item.citizen, item.content, item.created_dt)
            if verdict is None:
                db.session.rollback()
                break
            if verdict == services.LATER:
                db.session.rollback()
                continue
            services.apply_screening(item, verdict)
            db.session.commit()
        except StaleDataError:  # another sweep screened it meanwhile
            db.session.rollback()
            continue
        except DBAPIError:  # the database's (a lock waited on too long): the sweep leaves the step to the next run
            raise
        except Exception:  # noqa: BLE001 - a bug of ours with this one item: logged, and the others go on
            db.session.rollback()
            log.exception("screening of suggestion %s failed; it stays pending", item_id)
            continue
        screened += item.screening != "pending"
    return screened


def _left_with_departed():
    """The open items (待接单, 办理中, 转办中) whose deputy is out of office: next to none, as leaving office returns
    them at once. One read over the existing indexes (bench/province.py's 140,000 deputies and 1,500,000 items, on
    PostgreSQL): with 2 % of the deputies out of office, each of them looked up in ``ix_suggestions_deputy_status``
    (deputy_id, status, id); with half of them (after a term), the open items found in
    ``ix_suggestions_status_created`` and hashed against them: 40–80 ms either way on a busy 2-core machine. No
    LIMIT: over a result nearly always empty it made the planner choose a walk meant to stop early, which read
    every open item and looked each one's deputy up (110–150 ms)."""
    return (select(Suggestion.id).join(Deputy, Deputy.id == Suggestion.deputy_id)
            .where(Deputy.active.is_(False), Suggestion.status.in_(workflow.CLOCK_STATUSES)))


def return_left_with_departed():
    """Leaving office's safety net: an open item still with a deputy out of office — left by data from before
    leaving office returned them, or by a step committed at the very instant the deputy left (a 不满意 that
    reopened an answered item with them) — goes back to its station for dispatch exactly as leaving office sends
    it (``services.return_departed_item``: its timeline line, the station told, a work order withdrawn). Nobody
    could open it otherwise. An item changed meanwhile (the version check), or whose deputy is back in office
    (their row locked until the commit, so that 恢复在任 waits for it), is left alone; one that fails for reasons
    of its own is logged and the others go on. Returns how many went back."""
    returned = 0
    for item_id in sorted(db.session.scalars(_left_with_departed()).all())[:BATCH]:  # the rest: the next runs
        try:
            item = db.session.get(Suggestion, item_id)
            left = item.deputy_id is not None and db.session.scalar(
                select(Deputy.active).where(Deputy.id == item.deputy_id).with_for_update(read=True)) is False
            if not left or item.status not in workflow.CLOCK_STATUSES:
                db.session.rollback()
                continue
            services.return_departed_item(item)
            db.session.commit()
        except StaleDataError:  # answered, or returned by another sweep, meanwhile
            db.session.rollback()
            continue
        except DBAPIError:  # the database's (a lock waited on too long): the sweep leaves the step to the next run
            raise
        except Exception:  # noqa: BLE001 - a bug of ours with this one item: logged, and the others go on
            db.session.rollback()
            log.exception("returning suggestion %s of a deputy out of office failed; left to the next run", item_id)
            continue
        returned += 1
    return returned


def flag_deadlines():
    """Set ``due_soon`` and ``overdue``; the first sweep to flag an item overdue sends the reminders."""
    now = utcnow()
    soon = now + timedelta(hours=current_app.config["DUE_SOON_HOURS"])
    db.session.execute(
        # Not overdue either (an item past its deadline is never due soon): the words of the deadline indexes.
        update(Suggestion).where(_due_soon_clause(now, soon), Suggestion.overdue.is_(False), Suggestion.due_soon.is_(False))
        .values(due_soon=True).execution_options(synchronize_session=False)
    )
    db.session.commit()
    newly = 0
    candidates = db.session.scalars(
        select(Suggestion.id).where(_overdue_clause(now), Suggestion.overdue.is_(False)).limit(BATCH)
    ).all()
    for item_id in candidates:
        # Still overdue at the claim: accepted or replied since the list was read, it is not.
        claimed = db.session.execute(
            update(Suggestion).where(Suggestion.id == item_id, Suggestion.overdue.is_(False), _overdue_clause(now))
            # Found late, kept for good (the statistics' 按时办结): none for 转办中, whose clock stands
            # still at the department (reminded all the same).
            .values(overdue=True, due_soon=False,
                    late_dt=case((running_due_clause().isnot(None), literal(now, UTCDateTime)),
                                 else_=Suggestion.late_dt))
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            db.session.rollback()
            continue
        item = db.session.get(Suggestion, item_id)
        db.session.refresh(item)
        services.mark_overdue(item, services.station_admins(item))
        db.session.commit()
        newly += 1
    return newly


def auto_close():
    """Replied items the citizen left unrated for AUTO_CLOSE_DAYS close on their own."""
    cutoff = utcnow() - timedelta(days=current_app.config["AUTO_CLOSE_DAYS"])
    closed = 0
    ids = db.session.scalars(
        select(Suggestion.id).where(Suggestion.status == Status.replied, Suggestion.replied_dt < cutoff).limit(BATCH)
    ).all()
    for item_id in ids:
        item = db.session.get(Suggestion, item_id)
        if item.status is not Status.replied:
            continue
        try:
            services.auto_close(item, current_app.config["AUTO_CLOSE_DAYS"])
            db.session.commit()
        except StaleDataError:  # rated, or closed by another sweep, meanwhile
            db.session.rollback()
            continue
        closed += 1
    return closed
