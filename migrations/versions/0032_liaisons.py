"""liaisons: 联系清单 — the standing committee's members and special committees, the deputies each keeps
in touch with, and the contacts made

Revision ID: 0032
Revises: 0031
Create Date: 2026-11-28 12:20:00

New tables only, empty at first: runs at any hour.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('liaisons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('kind', sa.Enum('member', 'committee', name='liaison_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_liaisons_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_liaisons_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liaisons'))
    )
    with op.batch_alter_table('liaisons', schema=None) as batch_op:
        batch_op.create_index('ix_liaisons_region_active', ['region_id', 'active'], unique=False)

    op.create_table('liaison_deputies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('liaison_id', sa.Integer(), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_liaison_deputies_assigned_by_id_users')),
    sa.ForeignKeyConstraint(['deputy_id'], ['deputies.id'], name=op.f('fk_liaison_deputies_deputy_id_deputies')),
    sa.ForeignKeyConstraint(['liaison_id'], ['liaisons.id'], name=op.f('fk_liaison_deputies_liaison_id_liaisons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liaison_deputies')),
    sa.UniqueConstraint('liaison_id', 'deputy_id', name='uq_liaison_deputies_liaison_deputy')
    )
    with op.batch_alter_table('liaison_deputies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_liaison_deputies_deputy_id'), ['deputy_id'], unique=False)

    op.create_table('liaison_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('liaison_id', sa.Integer(), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=False),
    sa.Column('contact_date', sa.Date(), nullable=False),
    sa.Column('way', sa.Enum('visit', 'talk', 'phone', 'letter', 'online', name='liaison_contact_way', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('opinions', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_liaison_contacts_created_by_id_users')),
    sa.ForeignKeyConstraint(['deputy_id'], ['deputies.id'], name=op.f('fk_liaison_contacts_deputy_id_deputies')),
    sa.ForeignKeyConstraint(['liaison_id'], ['liaisons.id'], name=op.f('fk_liaison_contacts_liaison_id_liaisons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liaison_contacts'))
    )
    with op.batch_alter_table('liaison_contacts', schema=None) as batch_op:
        batch_op.create_index('ix_liaison_contacts_deputy_date', ['deputy_id', 'contact_date'], unique=False)
        batch_op.create_index('ix_liaison_contacts_liaison_date', ['liaison_id', 'contact_date'], unique=False)


def downgrade():
    with op.batch_alter_table('liaison_contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_liaison_contacts_liaison_date')
        batch_op.drop_index('ix_liaison_contacts_deputy_date')

    op.drop_table('liaison_contacts')
    with op.batch_alter_table('liaison_deputies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_liaison_deputies_deputy_id'))

    op.drop_table('liaison_deputies')
    with op.batch_alter_table('liaisons', schema=None) as batch_op:
        batch_op.drop_index('ix_liaisons_region_active')

    op.drop_table('liaisons')
