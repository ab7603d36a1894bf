"""audit_events.copy_depth: an event kept under several regions is read once by each administrator

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-28 00:00:00.000000

A station administrator's own events (signing in, their password, their exports) and those done to their
account belong to every region of their stations, and a move between regions to both sides: such an
event has a row under each region, so that the administrators of each read it. ``copy_depth`` is None on
the event's first row; on each later one it is the depth of the deepest region above both its region and
an earlier row's, whose administrators (and those above) read the earlier row instead: whoever reads the
event reads one row of it (``backend.audit.listing.scope_clause``). The rows written before it (moves
between regions) stay as they were: each read as a row of its own.

A nullable column without a default: on PostgreSQL an instant change of the catalogue, no row rewritten.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('audit_events', sa.Column('copy_depth', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_events') as batch_op:
        batch_op.drop_column('copy_depth')
