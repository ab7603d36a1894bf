"""research: 调研清单 (揭榜式调研) — research topics, the teams of deputies who take them, their reports and
leaders' instructions (领导批示); two lines of the rulebook for them

Revision ID: 0037
Revises: 0036
Create Date: 2026-11-28 15:03:18

New tables only, empty at first, and two rows added to ``scoring_rules``: runs at any hour.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

# The rulebook's lines for research reports (applies_to "research"), after domain.md's examples (research
# 3, suggestion 3, a reception day 5): a report accepted credits every member of its team, a leader's
# instruction on it as much again; capped at four of each a year. Administrators edit them like any line.
RESEARCH_RULES = [
    ("research_report_accepted", "调研报告通过审核", 5, 20),
    ("research_report_instructed", "调研报告获领导批示", 5, 20),
]


# revision identifiers, used by Alembic.
revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('research_topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('theme', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('max_teams', sa.Integer(), nullable=True),
    sa.Column('teams_taken', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'withdrawn', name='research_topic_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_dt', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_research_topics_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_research_topics_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_topics'))
    )
    with op.batch_alter_table('research_topics', schema=None) as batch_op:
        batch_op.create_index('ix_research_topics_region_year', ['region_id', 'year'], unique=False)

    op.create_table('research_teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('lead_deputy_id', sa.Integer(), nullable=False),
    sa.Column('group_name', sa.String(length=50), nullable=False),
    sa.Column('status', sa.Enum('active', 'abandoned', name='research_team_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('abandoned_dt', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['lead_deputy_id'], ['deputies.id'], name=op.f('fk_research_teams_lead_deputy_id_deputies')),
    sa.ForeignKeyConstraint(['topic_id'], ['research_topics.id'], name=op.f('fk_research_teams_topic_id_research_topics')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_teams'))
    )
    with op.batch_alter_table('research_teams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_teams_lead_deputy_id'), ['lead_deputy_id'], unique=False)
        batch_op.create_index('ix_research_teams_topic_status', ['topic_id', 'status'], unique=False)

    op.create_table('research_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'returned', 'accepted', name='research_report_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('submitted_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('return_reason', sa.String(length=500), nullable=False),
    sa.Column('instructed_by', sa.String(length=50), nullable=False),
    sa.Column('instruction_date', sa.Date(), nullable=True),
    sa.Column('instruction_text', sa.String(length=1000), nullable=False),
    sa.Column('instruction_recorded_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('instruction_recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['instruction_recorded_by_id'], ['users.id'], name=op.f('fk_research_reports_instruction_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_research_reports_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['team_id'], ['research_teams.id'], name=op.f('fk_research_reports_team_id_research_teams')),
    sa.ForeignKeyConstraint(['topic_id'], ['research_topics.id'], name=op.f('fk_research_reports_topic_id_research_topics')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_reports')),
    sa.UniqueConstraint('team_id', name=op.f('uq_research_reports_team_id'))
    )
    with op.batch_alter_table('research_reports', schema=None) as batch_op:
        batch_op.create_index('ix_research_reports_topic_status', ['topic_id', 'status'], unique=False)

    op.create_table('research_team_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=False),
    sa.Column('is_lead', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['deputy_id'], ['deputies.id'], name=op.f('fk_research_team_members_deputy_id_deputies')),
    sa.ForeignKeyConstraint(['team_id'], ['research_teams.id'], name=op.f('fk_research_team_members_team_id_research_teams')),
    sa.ForeignKeyConstraint(['topic_id'], ['research_topics.id'], name=op.f('fk_research_team_members_topic_id_research_topics')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_team_members')),
    sa.UniqueConstraint('team_id', 'deputy_id', name='uq_research_team_members_team_deputy')
    )
    with op.batch_alter_table('research_team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_team_members_deputy_id'), ['deputy_id'], unique=False)
        batch_op.create_index('uq_research_team_members_topic_deputy_active', ['topic_id', 'deputy_id'], unique=True, sqlite_where=sa.text('active'), postgresql_where=sa.text('active'))

    op.create_table('research_report_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['research_reports.id'], name=op.f('fk_research_report_photos_report_id_research_reports')),
    sa.ForeignKeyConstraint(['upload_id'], ['uploads.id'], name=op.f('fk_research_report_photos_upload_id_uploads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_report_photos')),
    sa.UniqueConstraint('upload_id', name='uq_research_report_photos_upload')
    )
    with op.batch_alter_table('research_report_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_report_photos_report_id'), ['report_id'], unique=False)

    rules = sa.table('scoring_rules', sa.column('code', sa.String), sa.column('label', sa.String),
                     sa.column('points', sa.Integer), sa.column('applies_to', sa.String),
                     sa.column('yearly_cap', sa.Integer), sa.column('active', sa.Boolean),
                     sa.column('updated_dt', sa.DateTime(timezone=True)))
    now = datetime.now(timezone.utc)
    op.bulk_insert(rules, [{"code": code, "label": label, "points": points, "applies_to": "research",
                            "yearly_cap": cap, "active": True, "updated_dt": now}
                           for code, label, points, cap in RESEARCH_RULES])



def downgrade():
    codes = ", ".join(f"'{code}'" for code, *_ in RESEARCH_RULES)
    op.execute(f"DELETE FROM scoring_rule_overrides WHERE code IN ({codes})")
    op.execute(f"DELETE FROM scoring_rules WHERE code IN ({codes})")
    with op.batch_alter_table('research_report_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_research_report_photos_report_id'))

    op.drop_table('research_report_photos')
    with op.batch_alter_table('research_team_members', schema=None) as batch_op:
        batch_op.drop_index('uq_research_team_members_topic_deputy_active', sqlite_where=sa.text('active'), postgresql_where=sa.text('active'))
        batch_op.drop_index(batch_op.f('ix_research_team_members_deputy_id'))

    op.drop_table('research_team_members')
    with op.batch_alter_table('research_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_research_reports_topic_status')

    op.drop_table('research_reports')
    with op.batch_alter_table('research_teams', schema=None) as batch_op:
        batch_op.drop_index('ix_research_teams_topic_status')
        batch_op.drop_index(batch_op.f('ix_research_teams_lead_deputy_id'))

    op.drop_table('research_teams')
    with op.batch_alter_table('research_topics', schema=None) as batch_op:
        batch_op.drop_index('ix_research_topics_region_year')

    op.drop_table('research_topics')
