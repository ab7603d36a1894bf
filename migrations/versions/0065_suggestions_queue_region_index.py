"""suggestions: the index of the items waiting in a region's queue (no station), for the region filter

Revision ID: 0065
Revises: 0064
Create Date: 2026-11-29 09:00:00

A region filter (statistics, lists, exports, the console's 工作台) counts the items handled in the region:
at a station of its subtree (``ix_suggestions_station_status``), or, with no station, waiting in the queue
of a region of it (``queries.handled_in_region_clause``). ``ix_suggestions_queue_region`` (region_id,
created_dt) holds the second kind alone, partial on ``station_id IS NULL``: few items ever wait with no
station, so it stays small, and the filter's two conditions are each an index's, not a read of every item
filed at the codes of the region's deputies (``ix_suggestions_region_created``).

On PostgreSQL it is built CONCURRENTLY, outside a transaction (``online``), as 0060 does. The offline
script and SQLite build it plainly.
"""

import online


# revision identifiers, used by Alembic.
revision = '0065'
down_revision = '0064'
branch_labels = None
depends_on = None

NAME = 'ix_suggestions_queue_region'


def upgrade():
    online.create_indexes({NAME: 'suggestions (region_id, created_dt) WHERE station_id IS NULL'})


def downgrade():
    online.drop_indexes([NAME])
