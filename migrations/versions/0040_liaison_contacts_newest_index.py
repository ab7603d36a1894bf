"""liaison contacts: an index in the contacts list's order (``contact_date``, ``id``), newest first

Revision ID: 0040
Revises: 0039
Create Date: 2026-11-28 21:30:00

The contacts of a region's liaisons (/api/v1/liaisons/contacts) are listed newest first by contact date
and id. The indexes there were (liaison_id, contact_date) and (deputy_id, contact_date): for a province's
administrator the first page read every contact and sorted them (a province: hundreds of thousands a year).
Walked backwards, this one gives the page in order and stops after it.

A plain build: the table is written by hand, one contact at a time (a few hundred rows a day at most),
and only briefly held while it is read.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0040'
down_revision = '0039'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('liaison_contacts', schema=None) as batch_op:
        batch_op.create_index('ix_liaison_contacts_newest', ['contact_date', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('liaison_contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_liaison_contacts_newest')
