"""suggestions.late_dt and suggestion_late_returns: lateness the statistics never forget

Revision ID: 0064
Revises: 0063
Create Date: 2026-11-29 09:00:00

按时办结率 compared a closed item's last answer with its last round's reply limit only, and an item returned
(退回, a deputy leaving office) lost its deputy and its overdue flag: a late 分派 or 接单, a late first round,
or a late item handed back, counted as on time or not at all. ``late_dt`` keeps when the item was last
found past a deadline its clock ran, never cleared; ``suggestion_late_returns`` keeps an item that left its
deputy late (returned, or dispatched to another) with that deputy.

Filled from what the database still tells (no value is made up; an item whose lateness left no trace stays
on time, as it was counted until now):

* an overdue reminder on the timeline (``remind``, written by the sweep when it flagged the item) of a stage
  whose clock ran (待分派, 待接单, 办理中 — not 转办中, where the reply clock stands still): the latest such
  reminder's time (when the sweep found it late, after the assignment it was late in, which is what the
  statistics compare with ``assigned_dt``);
* an answer recorded after its reply limit (``replied_dt > reply_due_dt``): the answer's time;
* an item flagged overdue now, in a stage whose clock runs, with no reminder: that stage's deadline (after
  its assignment);
* a return, or a dispatch to another deputy, after an overdue reminder in that deputy's assignment: a
  ``suggestion_late_returns`` row for the deputy the latest dispatch named, or who returned it themself.
  (An item filed at a deputy's code, never dispatched and returned by the system as that deputy left office,
  names nobody on its timeline: it gets no row.)

Plain statements, the same online and in the offline script: the timeline is read once for its reminders,
once for its departures (returns and re-dispatches, few), each with its own item's lines through
``ix_suggestion_events_suggestion``.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0064'
down_revision = '0063'
branch_labels = None
depends_on = None

RUNNING = "('pending', 'assigned', 'accepted')"  # stages whose reminder means the clock ran out


def upgrade():
    op.add_column('suggestions', sa.Column('late_dt', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'suggestion_late_returns',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('suggestion_id', sa.Integer(), nullable=False),
        sa.Column('deputy_id', sa.Integer(), nullable=False),
        sa.Column('late_dt', sa.DateTime(timezone=True), nullable=False),
        sa.Column('returned_dt', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['deputy_id'], ['deputies.id']),
        sa.ForeignKeyConstraint(['suggestion_id'], ['suggestions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_suggestion_late_returns_deputy', 'suggestion_late_returns', ['deputy_id', 'suggestion_id'])
    op.create_index(op.f('ix_suggestion_late_returns_suggestion_id'), 'suggestion_late_returns', ['suggestion_id'])
    _backfill()


def _later(candidate, where):
    """late_dt = ``candidate`` where it is later than what is there (or nothing is)."""
    op.execute(f"UPDATE suggestions SET late_dt = {candidate} "
               f"WHERE ({where}) AND (late_dt IS NULL OR late_dt < {candidate})")


def _backfill():
    op.execute(
        "UPDATE suggestions SET late_dt = (SELECT max(e.created_dt) FROM suggestion_events e "
        f"WHERE e.suggestion_id = suggestions.id AND e.action = 'remind' AND e.from_status IN {RUNNING}) "
        "WHERE id IN (SELECT suggestion_id FROM suggestion_events "
        f"WHERE action = 'remind' AND from_status IN {RUNNING})")
    _later("replied_dt", "replied_dt IS NOT NULL AND reply_due_dt IS NOT NULL AND replied_dt > reply_due_dt")
    running = "held_for_review IS {false} AND screening != 'pending' AND overdue IS {true}"
    running = running.format(**({"false": "false", "true": "true"} if op.get_context().dialect.name == "postgresql"
                                else {"false": "0", "true": "1"}))
    _later("dispatch_due_dt", f"status = 'pending' AND dispatch_due_dt IS NOT NULL AND {running}")
    _later("accept_due_dt", f"status = 'assigned' AND accept_due_dt IS NOT NULL AND {running}")
    _later("reply_due_dt", f"status = 'accepted' AND reply_due_dt IS NOT NULL AND {running}")
    _late_returns()


def _late_returns():
    """One INSERT ... SELECT (the same online and in the offline script) over the timeline's departures from a
    deputy — a ``return``, or a ``dispatch`` of an item already assigned — each read with the line that began
    that assignment (the latest ``dispatch`` or ``return`` before it) and the overdue reminders between the two:
    the deputy is who returned it themself, else whom that dispatch named."""
    events = sa.table("suggestion_events", sa.column("id", sa.Integer), sa.column("suggestion_id", sa.Integer),
                      sa.column("action", sa.String), sa.column("from_status", sa.String),
                      sa.column("actor_role", sa.String), sa.column("actor_user_id", sa.Integer),
                      sa.column("data", sa.JSON), sa.column("created_dt", sa.DateTime(timezone=True)))
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("deputy_id", sa.Integer))
    returns = sa.table("suggestion_late_returns", sa.column("suggestion_id"), sa.column("deputy_id"),
                       sa.column("late_dt"), sa.column("returned_dt"))
    e, began, start, reminder = (events.alias(name) for name in ("e", "began", "start", "reminder"))
    began_id = (sa.select(sa.func.max(began.c.id))
                .where(began.c.suggestion_id == e.c.suggestion_id, began.c.id < e.c.id,
                       began.c.action.in_(["dispatch", "return"]))
                .correlate(e).scalar_subquery())
    missed = (sa.select(sa.func.max(reminder.c.created_dt))
              .where(reminder.c.suggestion_id == e.c.suggestion_id, reminder.c.id < e.c.id,
                     reminder.c.id > sa.func.coalesce(began_id, 0), reminder.c.action == "remind",
                     reminder.c.from_status.in_(["assigned", "accepted"]))
              .correlate(e).scalar_subquery())
    dispatched_to = (sa.select(start.c.data["deputy_id"].as_integer())
                     .where(start.c.id == began_id, start.c.action == "dispatch").correlate(e).scalar_subquery())
    returned_by = sa.select(users.c.deputy_id).where(users.c.id == e.c.actor_user_id).correlate(e).scalar_subquery()
    holder = sa.case((sa.and_(e.c.action == "return", e.c.actor_role == "deputy"),
                      sa.func.coalesce(returned_by, dispatched_to)), else_=dispatched_to)
    departures = (sa.select(e.c.id, e.c.suggestion_id, holder.label("deputy_id"), missed.label("late_dt"),
                            e.c.created_dt.label("returned_dt"))
                  .where(e.c.action.in_(["return", "dispatch"]), e.c.from_status != "pending")
                  .subquery("departures"))
    op.execute(returns.insert().from_select(
        ["suggestion_id", "deputy_id", "late_dt", "returned_dt"],
        sa.select(departures.c.suggestion_id, departures.c.deputy_id, departures.c.late_dt, departures.c.returned_dt)
        .where(departures.c.late_dt.isnot(None), departures.c.deputy_id.isnot(None))
        .order_by(departures.c.id),
    ))


def downgrade():
    op.drop_index(op.f('ix_suggestion_late_returns_suggestion_id'), table_name='suggestion_late_returns')
    op.drop_index('ix_suggestion_late_returns_deputy', table_name='suggestion_late_returns')
    op.drop_table('suggestion_late_returns')
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+), not a batch: see 0059.
    op.drop_column('suggestions', 'late_dt')
