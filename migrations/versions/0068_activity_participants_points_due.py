"""activity_participants.points_due: what a check-in earns at 结单, fixed when the rulebook line it earns by
changes between the check-in and 结单 (a change applies to points earned after it).

Revision ID: 0068
Revises: 0067
Create Date: 2026-11-29 12:00:00

Not backfilled: NULL means the line is unchanged since the check-in, and 结单 resolves it then, as before.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0068'
down_revision = '0067'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('activity_participants', sa.Column('points_due', sa.Integer(), nullable=True))


def downgrade():
    op.drop_column('activity_participants', 'points_due')
