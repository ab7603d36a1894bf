"""deputies: indexes of the level and of the 代表小组, for the leaderboard of a level or a group

Revision ID: 0056
Revises: 0055
Create Date: 2026-11-29 06:00:00

``ix_deputies_level`` (level, id) and ``ix_deputies_group`` (group_name, id): the public leaderboard of
全国代表 or of one 代表小组 counts its deputies and reads them through these (``points.queries.leaderboard``),
instead of walking every total of the year looking for 50 of them (0.3-0.7 s at 140,000 deputies).

On PostgreSQL they are built CONCURRENTLY, outside a transaction, as 0045 and 0050 do: deputies are
edited and imported while the site runs. A build interrupted half way leaves an INVALID index, dropped and
built again by the next run. The offline script and SQLite build them plainly.
"""
from alembic import op

import online


# revision identifiers, used by Alembic.
revision = '0056'
down_revision = '0055'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_deputies_level': 'deputies (level, id)',
    'ix_deputies_group': 'deputies (group_name, id)',
}


def upgrade():
    online.create_indexes(INDEXES)


def downgrade():
    for name in reversed(INDEXES):
        op.drop_index(name, table_name='deputies')
