"""research teams: a member who left (``research_team_members.left_dt``) and a team whose topic was withdrawn
(``research_teams.status`` 'withdrawn', 课题已撤回)

Revision ID: 0039
Revises: 0038
Create Date: 2026-11-28 16:20:00

A member the lead named may leave the team before its report is accepted: their row stays, inactive, with the
time they left (and they no longer read the team). Withdrawing a topic ends its teams: they become
``withdrawn``, so that /me/research, the team's page and the 履职档案 say so; the CHECK constraint on
``research_teams.status`` is written again with it.

A nullable column (an instant change of the catalogue on PostgreSQL) and the CHECK constraint replaced in
place (validated by one read of a small table); SQLite's batch mode copies the tables. Teams of topics
withdrawn before this revision are marked withdrawn too.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0039'
down_revision = '0038'
branch_labels = None
depends_on = None

STATUSES = ('active', 'abandoned')
CHECK = 'ck_research_teams_research_team_status'


def _allow(statuses):
    values = ", ".join(f"'{status}'" for status in statuses)
    with op.batch_alter_table('research_teams') as batch_op:
        batch_op.drop_constraint(batch_op.f(CHECK), type_='check')
        batch_op.create_check_constraint('research_team_status', sa.text(f"status IN ({values})"))


def upgrade():
    with op.batch_alter_table('research_team_members') as batch_op:
        batch_op.add_column(sa.Column('left_dt', sa.DateTime(timezone=True), nullable=True))
    _allow(STATUSES + ('withdrawn',))
    op.execute("UPDATE research_teams SET status = 'withdrawn' WHERE status = 'active' AND topic_id IN "
               "(SELECT id FROM research_topics WHERE status = 'withdrawn')")


def downgrade():
    op.execute("UPDATE research_teams SET status = 'active' WHERE status = 'withdrawn'")
    _allow(STATUSES)
    with op.batch_alter_table('research_team_members') as batch_op:
        batch_op.drop_column('left_dt')
