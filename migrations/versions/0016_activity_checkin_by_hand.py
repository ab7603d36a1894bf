"""activity_participants: 补签, a check-in made by hand by an administrator, with who made it and why

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 10:00:00.000000

A deputy who was at an activity but whose phone could not scan (no signal, a flat battery) is
checked in by an administrator who manages the activity, with a reason. The participant keeps who
did it (``checkin_by_id``) and the reason (``checkin_note``); a deputy's own scan leaves them empty.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activity_participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('checkin_note', sa.String(length=200), nullable=False, server_default=''))
        batch_op.create_foreign_key(batch_op.f('fk_activity_participants_checkin_by_id_users'), 'users',
                                    ['checkin_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('activity_participants', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_activity_participants_checkin_by_id_users'), type_='foreignkey')
        batch_op.drop_column('checkin_note')
        batch_op.drop_column('checkin_by_id')
