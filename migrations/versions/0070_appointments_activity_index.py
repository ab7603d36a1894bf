"""appointments: the index of the requests made for a reception day

Revision ID: 0070
Revises: 0069
Create Date: 2026-11-29 15:00:00

Editing, retyping or cancelling a reception day (接待选民) reads the requests citizens made for it
(``appointments.services.open_on_day`` and ``_on_day``: ``activity_id = ? AND status ...``), inside the
edit's transaction with the activity's row held. No index served ``activity_id``: each read scanned every
appointment ever made (≈50 ms at a city's 300,000). ``ix_appointments_activity_status`` (activity_id,
status), partial on ``activity_id IS NOT NULL`` (most requests name no day), reads that day's few alone.

On PostgreSQL it is built CONCURRENTLY, outside a transaction (``online``), as 0065 does. The offline
script and SQLite build it plainly.
"""

import online


# revision identifiers, used by Alembic.
revision = '0070'
down_revision = '0069'
branch_labels = None
depends_on = None

NAME = 'ix_appointments_activity_status'


def upgrade():
    online.create_indexes({NAME: 'appointments (activity_id, status) WHERE activity_id IS NOT NULL'})


def downgrade():
    online.drop_indexes([NAME])
