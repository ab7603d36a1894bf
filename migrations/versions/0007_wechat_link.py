"""console accounts' WeChat reminders: users.notify_user_id and one-time link codes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 09:00:00.000000

A station administrator signs in to the console with a password and has no openid, so WeChat could
not remind them of overdue items. They now link a mini-program user by scanning a one-time code
shown in the console; reminders for the account go to that user.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('wechat_link_codes',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_by_id', sa.Integer(), nullable=True),
    sa.Column('used_dt', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['used_by_id'], ['users.id'], name=op.f('fk_wechat_link_codes_used_by_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_wechat_link_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_wechat_link_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_wechat_link_codes_code_hash'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_notify_user_id'), ['notify_user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_notify_user_id_users'), 'users', ['notify_user_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_notify_user_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_notify_user_id'))
        batch_op.drop_column('notify_user_id')
    op.drop_table('wechat_link_codes')
