"""consultations: 立法意见征集 — drafts of local regulations by article, opinions and their feedback

Revision ID: 0030
Revises: 0029
Create Date: 2026-11-28 09:50:00

New tables only, empty at first: runs at any hour.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consultations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('starts_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'closed', name='consultation_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_dt', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_consultations_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_consultations_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultations'))
    )
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.create_index('ix_consultations_region_status', ['region_id', 'status'], unique=False)

    op.create_table('consultation_articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_consultation_articles_consultation_id_consultations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_articles'))
    )
    with op.batch_alter_table('consultation_articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_articles_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('consultation_opinions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('citizen', 'deputy', name='consultation_opinion_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('feedback', sa.Enum('adopted', 'partly', 'declined', name='consultation_feedback', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('feedback_note', sa.String(length=500), nullable=False),
    sa.Column('feedback_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('feedback_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['consultation_articles.id'], name=op.f('fk_consultation_opinions_article_id_consultation_articles')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_consultation_opinions_author_id_users')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_consultation_opinions_consultation_id_consultations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deputy_id'], ['deputies.id'], name=op.f('fk_consultation_opinions_deputy_id_deputies')),
    sa.ForeignKeyConstraint(['feedback_by_id'], ['users.id'], name=op.f('fk_consultation_opinions_feedback_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_opinions'))
    )
    with op.batch_alter_table('consultation_opinions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_opinions_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_consultation_opinions_consultation_article', ['consultation_id', 'article_id'], unique=False)


def downgrade():
    with op.batch_alter_table('consultation_opinions', schema=None) as batch_op:
        batch_op.drop_index('ix_consultation_opinions_consultation_article')
        batch_op.drop_index(batch_op.f('ix_consultation_opinions_author_id'))

    op.drop_table('consultation_opinions')
    with op.batch_alter_table('consultation_articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_articles_consultation_id'))

    op.drop_table('consultation_articles')
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_index('ix_consultations_region_status')

    op.drop_table('consultations')
