"""deputy_scores: in_office, and the count behind a deputy's rank over those in office only

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 20:00:00.000000

A rank counts the deputies in office ahead (as the leaderboard shows them). Left out by a look-up of
each total above in ``deputies``, or of each retired deputy's total, the count cost as much again as
the count itself; the running totals now carry whether their deputy is in office (kept by
``org.services.sync_office`` wherever office changes, and set when a total is first written), and
the count runs over a partial index of the totals in office. The index of 0012 on the deputies who
left office served the look-up and goes.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deputy_scores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_office', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.execute("UPDATE deputy_scores SET in_office = false "
               "WHERE deputy_id IN (SELECT id FROM deputies WHERE active = false)")
    with op.batch_alter_table('deputy_scores', schema=None) as batch_op:
        batch_op.create_index('ix_deputy_scores_rank_in_office', ['year', 'total'], unique=False,
                              postgresql_where=sa.text('in_office'), sqlite_where=sa.text('in_office'))
    with op.batch_alter_table('deputies', schema=None) as batch_op:
        batch_op.drop_index('ix_deputies_retired')


def downgrade():
    with op.batch_alter_table('deputies', schema=None) as batch_op:
        batch_op.create_index('ix_deputies_retired', ['id'], unique=False,
                              postgresql_where=sa.text('active IS false'),
                              sqlite_where=sa.text('active IS 0'))
    with op.batch_alter_table('deputy_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_deputy_scores_rank_in_office')
        batch_op.drop_column('in_office')
