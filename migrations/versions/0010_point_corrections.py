"""point_corrections: administrators' corrections of deputies' points (积分更正)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 16:30:00.000000

The ledger is never edited: a correction is a new signed row (rule ``correction``) whose source is a
row of this table, which records the year, the reason and the administrator who made it.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'point_corrections',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('deputy_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('author_user_id', sa.Integer(), nullable=False),
        sa.Column('author_name', sa.String(length=100), nullable=False),
        sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_user_id'], ['users.id'], name=op.f('fk_point_corrections_author_user_id_users')),
        sa.ForeignKeyConstraint(['deputy_id'], ['deputies.id'], name=op.f('fk_point_corrections_deputy_id_deputies')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_point_corrections')),
    )
    with op.batch_alter_table('point_corrections', schema=None) as batch_op:
        batch_op.create_index('ix_point_corrections_deputy_id', ['deputy_id'], unique=False)


def downgrade():
    with op.batch_alter_table('point_corrections', schema=None) as batch_op:
        batch_op.drop_index('ix_point_corrections_deputy_id')
    op.drop_table('point_corrections')
