"""audit_events: the 操作日志 of administrators' security-relevant actions

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-27 20:00:00.000000

Signing in (and failing to), signing out, passwords, administrator accounts, stations, deputies, the
roster import, the rulebook, point corrections, exports and content review, each with who (as named
then), when, on what, in which region and from which address. Rows are only inserted; the sweep deletes
those older than AUDIT_RETENTION_DAYS. The console reads a region's events newest first
(``ix_audit_events_region_at``), one account's (``ix_audit_events_actor_at``), or all of them (the root's,
``ix_audit_events_at``).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=64), nullable=False),
    sa.Column('actor_username', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('target_type', sa.String(length=16), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('target_label', sa.String(length=100), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('client_address', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_audit_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_audit_events_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_actor_at', ['actor_user_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_events_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_events_region_at', ['region_id', 'at'], unique=False)


def downgrade():
    op.drop_table('audit_events')
