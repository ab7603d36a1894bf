"""report polls: 述职测评 — the voters present rate each deputy reporting at a 述职 activity

Revision ID: 0033
Revises: 0032
Create Date: 2026-11-28 12:36:41

New tables only, empty at first: runs at any hour.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_polls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'closed', name='report_poll_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('starts_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_dt', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_report_polls_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_report_polls_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_polls')),
    sa.UniqueConstraint('activity_id', name=op.f('uq_report_polls_activity_id')),
    sa.UniqueConstraint('token', name=op.f('uq_report_polls_token'))
    )
    op.create_table('report_poll_ballots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('comment', sa.String(length=200), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['report_polls.id'], name=op.f('fk_report_poll_ballots_poll_id_report_polls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voter_id'], ['users.id'], name=op.f('fk_report_poll_ballots_voter_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_poll_ballots')),
    sa.UniqueConstraint('poll_id', 'voter_id', name='uq_report_poll_ballots_poll_voter')
    )
    with op.batch_alter_table('report_poll_ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_poll_ballots_voter_id'), ['voter_id'], unique=False)

    op.create_table('report_poll_deputies',
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['deputy_id'], ['deputies.id'], name=op.f('fk_report_poll_deputies_deputy_id_deputies')),
    sa.ForeignKeyConstraint(['poll_id'], ['report_polls.id'], name=op.f('fk_report_poll_deputies_poll_id_report_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('poll_id', 'deputy_id', name=op.f('pk_report_poll_deputies'))
    )
    with op.batch_alter_table('report_poll_deputies', schema=None) as batch_op:
        batch_op.create_index('ix_report_poll_deputies_deputy', ['deputy_id'], unique=False)

    op.create_table('report_poll_choices',
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.Enum('satisfied', 'basically_satisfied', 'dissatisfied', name='report_poll_choice', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['report_poll_ballots.id'], name=op.f('fk_report_poll_choices_ballot_id_report_poll_ballots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deputy_id'], ['deputies.id'], name=op.f('fk_report_poll_choices_deputy_id_deputies')),
    sa.ForeignKeyConstraint(['poll_id'], ['report_polls.id'], name=op.f('fk_report_poll_choices_poll_id_report_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ballot_id', 'deputy_id', name=op.f('pk_report_poll_choices'))
    )
    with op.batch_alter_table('report_poll_choices', schema=None) as batch_op:
        batch_op.create_index('ix_report_poll_choices_deputy', ['deputy_id'], unique=False)
        batch_op.create_index('ix_report_poll_choices_poll_deputy', ['poll_id', 'deputy_id', 'choice'], unique=False)



def downgrade():
    with op.batch_alter_table('report_poll_choices', schema=None) as batch_op:
        batch_op.drop_index('ix_report_poll_choices_poll_deputy')
        batch_op.drop_index('ix_report_poll_choices_deputy')

    op.drop_table('report_poll_choices')
    with op.batch_alter_table('report_poll_deputies', schema=None) as batch_op:
        batch_op.drop_index('ix_report_poll_deputies_deputy')

    op.drop_table('report_poll_deputies')
    with op.batch_alter_table('report_poll_ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_poll_ballots_voter_id'))

    op.drop_table('report_poll_ballots')
    op.drop_table('report_polls')
