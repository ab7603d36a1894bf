"""report polls: whether each end of a poll's window follows its activity (a rescheduled 述职 meeting moves it)

Revision ID: 0036
Revises: 0035
Create Date: 2026-11-28 15:20:00

Two columns on report_polls (a few rows). A poll whose stored start is its activity's start, or whose end
is its activity's end plus REPORT_POLL_GRACE_MINUTES (as read from the environment, default 120), was set
up with the default and follows from now on; any other time stays as the administrator gave it.
"""
import os

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report_polls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('starts_follow', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('ends_follow', sa.Boolean(), server_default=sa.false(), nullable=False))

    # Plain SQL (the offline script runs it too), to the millisecond.
    grace = int(os.environ.get("REPORT_POLL_GRACE_MINUTES") or 120)
    if op.get_context().dialect.name == 'postgresql':
        op.execute(f"UPDATE report_polls SET starts_follow = (report_polls.starts_dt = a.starts_dt), "
                   f"ends_follow = (report_polls.ends_dt = a.ends_dt + make_interval(mins => {grace})) "
                   f"FROM activities a WHERE a.id = report_polls.activity_id")
    else:
        def apart(column, minutes):
            return (f"(SELECT abs((julianday(report_polls.{column}) - julianday(a.{column})) * 86400000 - {minutes * 60000}) < 1 "
                    f"FROM activities a WHERE a.id = report_polls.activity_id)")

        op.execute(f"UPDATE report_polls SET starts_follow = {apart('starts_dt', 0)}, ends_follow = {apart('ends_dt', grace)}")


def downgrade():
    with op.batch_alter_table('report_polls', schema=None) as batch_op:
        batch_op.drop_column('ends_follow')
        batch_op.drop_column('starts_follow')
