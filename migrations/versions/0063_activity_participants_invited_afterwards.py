"""activity_participants.invited_afterwards: the deputy was invited once the activity's check-in window had
closed (补录), as it stood at the invitation

Revision ID: 0063
Revises: 0062
Create Date: 2026-11-29 09:00:00

结单 marks no absence for a deputy invited after the check-in window closed (they were told nothing and could
neither 接单, scan nor 请假). It compared ``invited_dt`` with the activity's end as it is at 结单, so an end
moved after the invitation changed who was absent. The fact is now recorded at the invitation.

Backfilled from the rows as they are: true where ``invited_dt`` is after the activity's current end plus
CHECKIN_GRACE_MINUTES (the deployment's setting, 30 by default) — what 结单 would have decided until now. Rows
without ``invited_dt`` (before 0057, and 揭榜 claims) stay false, as they were counted before.
"""
import os

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0063'
down_revision = '0062'
branch_labels = None
depends_on = None


def _grace_minutes():
    try:
        return int(os.environ.get("CHECKIN_GRACE_MINUTES", "").strip() or 30)
    except ValueError:
        return 30


def upgrade():
    op.add_column('activity_participants', sa.Column('invited_afterwards', sa.Boolean(),
                                                     server_default=sa.false(), nullable=False))
    grace = _grace_minutes()
    if op.get_bind().dialect.name == "postgresql":
        closes = "a.ends_dt + make_interval(mins => :grace)"
    else:  # naive UTC text, as SQLAlchemy writes it: compared as the same format
        closes = "strftime('%Y-%m-%d %H:%M:%f', a.ends_dt, '+' || :grace || ' minutes')"
    op.execute(sa.text(
        "UPDATE activity_participants SET invited_afterwards = true WHERE invited_dt IS NOT NULL AND EXISTS ("
        " SELECT 1 FROM activities a WHERE a.id = activity_participants.activity_id"
        f" AND activity_participants.invited_dt > {closes})"
    ).bindparams(grace=grace))


def downgrade():
    op.drop_column('activity_participants', 'invited_afterwards')
