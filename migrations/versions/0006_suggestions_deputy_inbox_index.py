"""suggestions: a partial index in the deputy inbox's exact shape

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 07:20:00.000000

A deputy's inbox is ``deputy_id = ? AND NOT held_for_review ORDER BY id DESC LIMIT 20`` plus its
count. With only (deputy_id, status, id) to choose from, PostgreSQL walked the primary key backwards
and filtered (6,000 rows read for a page at 100,000 items) and counted through the heap. Over
(deputy_id, id) for the items a deputy may see, the page is the index's last 20 entries and the
count an index-only scan, whatever the table holds.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.create_index('ix_suggestions_deputy_inbox', ['deputy_id', 'id'], unique=False,
                              postgresql_where=sa.text('held_for_review = false'),
                              sqlite_where=sa.text('held_for_review = 0'))


def downgrade():
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.drop_index('ix_suggestions_deputy_inbox')
