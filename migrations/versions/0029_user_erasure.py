"""users.erased_dt: a citizen's account cancelled (注销) under PIPL art. 47

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-28 09:30:00

One nullable column without a default: PostgreSQL adds it without rewriting the table, so it runs at any
hour. Null for every existing account.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_dt', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('erased_dt')
