"""suggestions: partial indexes for the published items and for the sweep's deadlines; activities: for reminders

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26 21:30:00.000000

At a province's scale (1,500,000 items, 40,000 activities; bench/province.py):

* the public list of published items (``GET /api/v1/public/suggestions``) sorted every closed item
  newest-closed first to show 20, and counted them, both by reading the whole table (0.4 + 0.36 s
  a page view). Over the published items in ``closed_dt, id`` order the page is the index's last 20
  entries and the count reads the index alone;
* the sweep, every minute, looked for items due soon or overdue among every item in a deadline
  stage, flagged or not (the overdue stragglers of years add up). Over the unflagged items of each
  stage by deadline, it reads only the ones whose deadline is in the window;
* the activity reminder read every activity to find the few starting within the day.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.create_index(
            'ix_suggestions_published', ['closed_dt', 'id'], unique=False,
            postgresql_where=sa.text("status = 'closed' AND public_consent IS true AND held_for_review IS false "
                                     "AND merged_into_id IS NULL AND screening IN ('pass', 'reviewed')"),
            sqlite_where=sa.text("status = 'closed' AND public_consent IS 1 AND held_for_review IS 0 "
                                 "AND merged_into_id IS NULL AND screening IN ('pass', 'reviewed')"))
        batch_op.create_index(
            'ix_suggestions_accept_due', ['accept_due_dt'], unique=False,
            postgresql_where=sa.text("status = 'assigned' AND overdue IS false"),
            sqlite_where=sa.text("status = 'assigned' AND overdue IS 0"))
        batch_op.create_index(
            'ix_suggestions_reply_due', ['reply_due_dt'], unique=False,
            postgresql_where=sa.text("status IN ('accepted', 'forwarded') AND overdue IS false"),
            sqlite_where=sa.text("status IN ('accepted', 'forwarded') AND overdue IS 0"))
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index(
            'ix_activities_reminder_due', ['starts_dt'], unique=False,
            postgresql_where=sa.text("status = 'published' AND reminded_dt IS NULL"),
            sqlite_where=sa.text("status = 'published' AND reminded_dt IS NULL"))


def downgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index('ix_activities_reminder_due')
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.drop_index('ix_suggestions_reply_due')
        batch_op.drop_index('ix_suggestions_accept_due')
        batch_op.drop_index('ix_suggestions_published')
