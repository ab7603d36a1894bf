"""deputy_unbound_users: a WeChat user an administrator unbound from a deputy cannot bind itself again

Revision ID: 0046
Revises: 0045
Create Date: 2026-11-29 00:30:00

An administrator's 解除绑定 did not hold: the same WeChat user proved the deputy's (unchanged) number once
more and was the deputy again. Each unbinding now leaves a row (deputy, user) that ``bind_phone`` refuses,
until an administrator allows the binding again (允许重新绑定) or corrects the deputy's phone. The row keeps
the user's openid hashed (SHA-256), so that a 注销 and a new sign-in (a new user) do not lift it. A new,
empty table: nothing else is touched.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0046'
down_revision = '0045'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'deputy_unbound_users',
        sa.Column('deputy_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('openid_sha256', sa.String(length=64), nullable=True),
        sa.Column('unbound_dt', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['deputy_id'], ['deputies.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('deputy_id', 'user_id'),
    )


def downgrade():
    op.drop_table('deputy_unbound_users')
