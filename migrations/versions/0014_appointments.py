"""appointments: 约见代表, a citizen's request to meet a deputy, and its answer

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 21:08:46.760709

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('appointments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=True),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=True),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('topic', sa.Text(), nullable=False),
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('contact_phone', sa.String(length=20), nullable=False),
    sa.Column('preferred_time', sa.String(length=100), nullable=False),
    sa.Column('status', sa.Enum('requested', 'confirmed', 'declined', 'cancelled', 'completed', name='appointment_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('meet_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('place', sa.String(length=255), nullable=False),
    sa.Column('answer', sa.String(length=500), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_by_name', sa.String(length=100), nullable=False),
    sa.Column('answered_by_role', sa.String(length=16), nullable=False),
    sa.Column('answered_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('meet_reminded_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_appointments_activity_id_activities')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_appointments_answered_by_id_users')),
    sa.ForeignKeyConstraint(['citizen_id'], ['users.id'], name=op.f('fk_appointments_citizen_id_users')),
    sa.ForeignKeyConstraint(['deputy_id'], ['deputies.id'], name=op.f('fk_appointments_deputy_id_deputies')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_appointments_region_id_regions')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_appointments_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments')),
    sa.UniqueConstraint('number', name=op.f('uq_appointments_number'))
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index('ix_appointments_citizen', ['citizen_id', 'id'], unique=False)
        batch_op.create_index('ix_appointments_deputy_status', ['deputy_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_appointments_region_created', ['region_id', 'created_dt'], unique=False)
        batch_op.create_index('ix_appointments_station_status', ['station_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_appointments_awaiting_answer', ['created_dt'], unique=False,
                              postgresql_where=sa.text("status = 'requested' AND reminded_dt IS NULL"),
                              sqlite_where=sa.text("status = 'requested' AND reminded_dt IS NULL"))
        batch_op.create_index('ix_appointments_meeting_ahead', ['meet_dt'], unique=False,
                              postgresql_where=sa.text("status = 'confirmed' AND meet_reminded_dt IS NULL"),
                              sqlite_where=sa.text("status = 'confirmed' AND meet_reminded_dt IS NULL"))


def downgrade():
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index('ix_appointments_meeting_ahead')
        batch_op.drop_index('ix_appointments_awaiting_answer')
        batch_op.drop_index('ix_appointments_station_status')
        batch_op.drop_index('ix_appointments_region_created')
        batch_op.drop_index('ix_appointments_deputy_status')
        batch_op.drop_index('ix_appointments_citizen')

    op.drop_table('appointments')
