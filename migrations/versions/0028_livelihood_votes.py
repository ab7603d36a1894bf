"""livelihood_votes: 民生实事项目代表票决制 — rounds, candidate projects, ballots, citizens' proposals, progress

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-28 06:54:15.215363

New tables only, empty at first: runs at any hour. A round's ballots are written when its voting opens
(one per elector, ``cast_dt`` null until they vote), so the electorate is fixed then. The choices of a
ballot are kept nowhere (secret ballot): each adds one to its candidates' tallies.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('livelihood_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('places', sa.Integer(), nullable=False),
    sa.Column('starts_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('draft', 'voting', 'closed', name='livelihood_vote_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('electorate', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('close_reason', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_livelihood_votes_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_livelihood_votes_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_livelihood_votes'))
    )
    with op.batch_alter_table('livelihood_votes', schema=None) as batch_op:
        batch_op.create_index('ix_livelihood_votes_region_year', ['region_id', 'year'], unique=False)

    op.create_table('livelihood_ballots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=False),
    sa.Column('cast_dt', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['deputy_id'], ['deputies.id'], name=op.f('fk_livelihood_ballots_deputy_id_deputies')),
    sa.ForeignKeyConstraint(['vote_id'], ['livelihood_votes.id'], name=op.f('fk_livelihood_ballots_vote_id_livelihood_votes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_livelihood_ballots')),
    sa.UniqueConstraint('vote_id', 'deputy_id', name='uq_livelihood_ballots_vote_deputy')
    )
    with op.batch_alter_table('livelihood_ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_livelihood_ballots_deputy_id'), ['deputy_id'], unique=False)

    op.create_table('livelihood_projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=60), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('department', sa.String(length=60), nullable=False),
    sa.Column('budget', sa.Float(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('votes_for', sa.Integer(), nullable=True),
    sa.Column('votes_against', sa.Integer(), nullable=True),
    sa.Column('votes_abstain', sa.Integer(), nullable=True),
    sa.Column('adopted', sa.Boolean(), nullable=True),
    sa.Column('tied', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['vote_id'], ['livelihood_votes.id'], name=op.f('fk_livelihood_projects_vote_id_livelihood_votes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_livelihood_projects'))
    )
    with op.batch_alter_table('livelihood_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_livelihood_projects_vote_id'), ['vote_id'], unique=False)

    op.create_table('livelihood_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_livelihood_progress_created_by_id_users')),
    sa.ForeignKeyConstraint(['project_id'], ['livelihood_projects.id'], name=op.f('fk_livelihood_progress_project_id_livelihood_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_livelihood_progress'))
    )
    with op.batch_alter_table('livelihood_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_livelihood_progress_project_id'), ['project_id'], unique=False)

    op.create_table('livelihood_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=60), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('proposer_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('status', sa.Enum('new', 'adopted', 'declined', name='livelihood_proposal_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_dt', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['livelihood_projects.id'], name=op.f('fk_livelihood_proposals_project_id_livelihood_projects'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposer_id'], ['users.id'], name=op.f('fk_livelihood_proposals_proposer_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_livelihood_proposals_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_livelihood_proposals'))
    )
    with op.batch_alter_table('livelihood_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_livelihood_proposals_proposer_id'), ['proposer_id'], unique=False)
        batch_op.create_index('ix_livelihood_proposals_region_status', ['region_id', 'status'], unique=False)



def downgrade():
    with op.batch_alter_table('livelihood_proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_livelihood_proposals_region_status')
        batch_op.drop_index(batch_op.f('ix_livelihood_proposals_proposer_id'))

    op.drop_table('livelihood_proposals')
    with op.batch_alter_table('livelihood_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_livelihood_progress_project_id'))

    op.drop_table('livelihood_progress')
    with op.batch_alter_table('livelihood_projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_livelihood_projects_vote_id'))

    op.drop_table('livelihood_projects')
    with op.batch_alter_table('livelihood_ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_livelihood_ballots_deputy_id'))

    op.drop_table('livelihood_ballots')
    with op.batch_alter_table('livelihood_votes', schema=None) as batch_op:
        batch_op.drop_index('ix_livelihood_votes_region_year')

    op.drop_table('livelihood_votes')
