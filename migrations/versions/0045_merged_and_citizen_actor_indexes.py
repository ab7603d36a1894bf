"""Two partial indexes: an item's merged duplicates (已合并), and a citizen's lines in the timelines

Revision ID: 0045
Revises: 0044
Create Date: 2026-11-29 00:00:00

``ix_suggestions_merged_into`` (merged_into_id, id) over the merged items alone: the console's item page
lists the items merged into the one shown, in id order, and without it read every item (a parallel seq
scan: 90 ms at 600,000 items, on every view of every item). Few items are ever merged, so it is small.

``ix_suggestion_events_citizen_actor`` (actor_user_id) over the citizens' lines alone: 注销 renames the
citizen's own lines in the timelines and redacts their notes, two statements that read every line of every
timeline without it (millions at a province, inside the erasure's transaction). Staff and deputy lines,
most of them, are left out.

On PostgreSQL both are built CONCURRENTLY, outside a transaction, as 0035 and 0038 do: citizens file and
staff handle items all day, and a plain build would hold those writes for as long as it reads the tables.
A build interrupted half way leaves an INVALID index, dropped and built again by the next run. The
offline script builds them plainly in its transaction. SQLite (small sites) builds them plainly.
"""
from alembic import op

import online


# revision identifiers, used by Alembic.
revision = '0045'
down_revision = '0044'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_suggestions_merged_into', 'suggestions', ['merged_into_id', 'id'], 'merged_into_id IS NOT NULL'),
    ('ix_suggestion_events_citizen_actor', 'suggestion_events', ['actor_user_id'], "actor_role = 'citizen'"),
)


def upgrade():
    online.create_indexes({name: f"{table} ({', '.join(columns)}) WHERE {where}"
                           for name, table, columns, where in INDEXES})


def downgrade():
    for name, table, _, _ in INDEXES:
        op.drop_index(name, table_name=table)
