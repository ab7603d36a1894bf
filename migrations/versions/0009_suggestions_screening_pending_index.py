"""suggestions: a partial index on the items whose text awaits content screening

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 12:00:00.000000

Filing no longer waits for WeChat's content check: every new item starts ``screening = 'pending'``
and the sweep, every minute, picks up those still pending. They are a handful among all the items
ever filed; over them alone, finding them costs the same whatever the table holds.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.create_index('ix_suggestions_screening_pending', ['id'], unique=False,
                              postgresql_where=sa.text("screening = 'pending'"),
                              sqlite_where=sa.text("screening = 'pending'"))


def downgrade():
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.drop_index('ix_suggestions_screening_pending')
