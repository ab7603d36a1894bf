"""users.must_change_password: an administrator's password set by someone else (初始密码) is changed first

Revision ID: 0053
Revises: 0052
Create Date: 2026-11-29 04:00:00

Set when another administrator creates the account or resets its password; cleared when its owner changes
it. Until then the console shows only 修改密码 and the API answers 403 password_change_required. False for
every existing account (as before); a column with a constant default is a change of the catalogue alone on
PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0053'
down_revision = '0052'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('must_change_password')
