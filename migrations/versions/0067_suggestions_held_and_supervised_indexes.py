"""suggestions: the held (内容待审核) and the supervised (督办) items' indexes, for the console queue's tabs

Revision ID: 0067
Revises: 0066
Create Date: 2026-11-29 12:00:00

The console queue's 内容待审核 and 督办 tabs list a few items of a whole scope: at a province's 600,000 items
a city's page walked the items newest first (or 按期限) and tested each, 510,000 rows read to find 21, and
counted them reading the table. ``ix_suggestions_held`` and ``ix_suggestions_supervised`` hold those few
items alone (partial), in id order, spelled as the queue's filters are (``queries.filter_clauses``:
``held_for_review IS true``, ``supervised IS true``), so that both planners match them.

On PostgreSQL they are built and dropped CONCURRENTLY, outside a transaction (``online``), as 0065 does.
The offline script and SQLite build them plainly.
"""
from alembic import op

import online


# revision identifiers, used by Alembic.
revision = '0067'
down_revision = '0066'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_suggestions_held': 'suggestions (id) WHERE held_for_review IS {true}',
    'ix_suggestions_supervised': 'suggestions (id) WHERE supervised IS {true}',
}


def upgrade():
    true = 'true' if op.get_bind().dialect.name == 'postgresql' else '1'
    online.create_indexes({name: on.format(true=true) for name, on in INDEXES.items()})


def downgrade():
    online.drop_indexes(list(INDEXES))
