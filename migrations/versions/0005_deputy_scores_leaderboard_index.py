"""deputy_scores: one index in the leaderboard's exact order

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 05:40:00.000000

The leaderboard orders by ``total DESC, reached_dt, deputy_id``. The old index (year, total, reached_dt)
could only be read backwards (reached_dt descending), so PostgreSQL had to sort every group of equal
totals it touched; with the order spelled out in the index, a region's top 50 is an index-only walk
that stops after 50 matching deputies, and a deputy's rank (how many totals are higher) is an
index-only count. It replaces the old index, which it makes redundant.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deputy_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_deputy_scores_ranking')
        batch_op.create_index('ix_deputy_scores_leaderboard',
                              ['year', sa.text('total DESC'), 'reached_dt', 'deputy_id'], unique=False)


def downgrade():
    with op.batch_alter_table('deputy_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_deputy_scores_leaderboard')
        batch_op.create_index('ix_deputy_scores_ranking', ['year', 'total', 'reached_dt'], unique=False)
