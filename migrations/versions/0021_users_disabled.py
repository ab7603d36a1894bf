"""users.disabled_dt: an administrator account disabled by another administrator (已停用)

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-27 14:30:00.000000

A disabled account cannot sign in, and its console sessions and API tokens stop at once (its
token_version is bumped as well). Enabling it again clears the column.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('disabled_dt', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('disabled_dt')
