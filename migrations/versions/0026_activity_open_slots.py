"""activities.open_slots and activity_participants.claimed: 揭榜, places deputies sign up for themselves

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-28 00:00:00.000000

An activity may offer places that deputies claim themselves (揭榜: an open research topic, a volunteer
day) beside those it invites: ``open_slots`` is how many (None: by invitation only), and a participant's
``claimed`` says they took one. The record gains the deputies' step ``claimed`` (揭榜): the CHECK
constraint on ``activity_events.action`` is written again with it.

Two nullable or defaulted columns: on PostgreSQL instant changes of the catalogue. The CHECK constraint is
replaced in place on PostgreSQL (validated by one read of the table); SQLite's batch mode copies the table.
A partial index holds the published activities offering places (none yet), for 可揭榜's list.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

ACTIONS = ('dispatched', 'edited', 'cancelled', 'closed', 'checked_in_by_hand', 'accepted', 'declined', 'checked_in')
CHECK = 'ck_activity_events_activity_event_action'


def _allow(actions):
    values = ", ".join(f"'{action}'" for action in actions)
    with op.batch_alter_table('activity_events') as batch_op:
        batch_op.drop_constraint(batch_op.f(CHECK), type_='check')
        batch_op.create_check_constraint('activity_event_action', sa.text(f"action IN ({values})"))


def upgrade():
    op.add_column('activities', sa.Column('open_slots', sa.Integer(), nullable=True))
    op.add_column('activity_participants',
                  sa.Column('claimed', sa.Boolean(), server_default=sa.false(), nullable=False))
    _allow(ACTIONS + ('claimed',))
    where = "status = 'published' AND open_slots IS NOT NULL"
    op.create_index('ix_activities_open_slots', 'activities', ['starts_dt'], unique=False,
                    postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def downgrade():
    op.drop_index('ix_activities_open_slots', table_name='activities')
    op.execute("DELETE FROM activity_events WHERE action = 'claimed'")
    _allow(ACTIONS)
    with op.batch_alter_table('activity_participants') as batch_op:
        batch_op.drop_column('claimed')
    with op.batch_alter_table('activities') as batch_op:
        batch_op.drop_column('open_slots')
