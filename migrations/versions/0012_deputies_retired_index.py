"""deputies: a partial index on the deputies who left office

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 19:30:00.000000

A deputy's rank is counted as the leaderboard ranks: among the deputies in office. The count of the
totals above stays an index-only count of ``deputy_scores``; the totals of deputies who left office
are left out by their ids, read from this index (a few among all the deputies) and hashed once,
instead of looking every total above up in ``deputies``.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deputies', schema=None) as batch_op:
        batch_op.create_index('ix_deputies_retired', ['id'], unique=False,
                              postgresql_where=sa.text('active IS false'),
                              sqlite_where=sa.text('active IS 0'))


def downgrade():
    with op.batch_alter_table('deputies', schema=None) as batch_op:
        batch_op.drop_index('ix_deputies_retired')
