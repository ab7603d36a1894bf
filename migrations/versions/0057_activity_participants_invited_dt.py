"""activity_participants.invited_dt: when an administrator invited the deputy

Revision ID: 0057
Revises: 0056
Create Date: 2026-11-29 06:00:00

A deputy invited once the activity had begun (added while it runs) may take leave until it ends; one
invited once its check-in window had closed (an activity entered afterwards, 补录) could do nothing: 结单
marks no absence for them. NULL for every existing row (and for a 揭榜 claim, the deputy's own choice):
counted as invited before the start, as 结单 and 请假 counted everyone until now. A nullable column without a default is a change of the catalogue alone on PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0057'
down_revision = '0056'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('activity_participants', sa.Column('invited_dt', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column('activity_participants', 'invited_dt')
