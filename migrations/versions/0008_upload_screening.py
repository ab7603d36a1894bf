"""uploads: WeChat image screening (mediaCheckAsync) state

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 10:00:00.000000

WeChat requires mini-programs to screen the images users share. A photo is submitted after its
suggestion is filed and WeChat pushes the verdict later, matched by ``trace_id``. Photos uploaded
before this revision were never screened: they start as ``pending`` and the sweep submits them.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('screening', sa.String(length=16), server_default='pending', nullable=False))
        batch_op.add_column(sa.Column('trace_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('screen_attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('screen_next_dt', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_uploads_trace_id'), ['trace_id'])
        batch_op.create_index('ix_uploads_screening_due', ['screening', 'screen_next_dt'], unique=False)


def downgrade():
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.drop_index('ix_uploads_screening_due')
        batch_op.drop_constraint(batch_op.f('uq_uploads_trace_id'), type_='unique')
        batch_op.drop_column('screen_next_dt')
        batch_op.drop_column('screen_attempts')
        batch_op.drop_column('trace_id')
        batch_op.drop_column('screening')
