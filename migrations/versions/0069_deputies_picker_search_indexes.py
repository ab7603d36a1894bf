"""deputies: the indexes of the deputy picker's search (the end of the mobile number, the name's and the
代表小组's characters and pairs) and of its list with nothing typed

Revision ID: 0069
Revises: 0068
Create Date: 2026-11-29 12:00:00

Every deputy picker of the console (分派, 批量分派, the queue's 承办代表 filter, 发单, 联系清单) asks
GET /console/deputy-options on each debounced keystroke (console.deputy_choices). At a province's 140,000
deputies each answer read every deputy (38-192 ms of PostgreSQL's time, bench/README.md): the name and
the group were matched by ``LIKE '%q%'``, the phone's end by ``LIKE '%q'``, and the list with nothing
typed sorted every deputy in office by name. Three indexes, written as the models write them
(org.models: the planner uses an index on an expression only for that expression):

* ``ix_deputies_phone_reversed``: the phone reversed, with the pattern operators, so that a 尾号 is the
  start of it (as 0019 does for the items' numbers);
* ``ix_deputies_name_grams``: GIN, of the name's and the group's single characters and pairs of adjacent
  characters, by 0023's ``suggestion_content_grams`` (which serves 1- and 2-character names, where pg_trgm
  would not). Deputies are seldom written, so the index is on the table itself;
* ``ix_deputies_active_name`` (name, id), partial on the deputies in office, as the list's rendered
  condition reads (``active IS true``).

On PostgreSQL they are built CONCURRENTLY, outside a transaction (``online``), as 0065 does, then ANALYZE
gathers the expressions' statistics. The offline script builds them plainly. SQLite (small sites) reads
the deputies' names as before and gets the list's partial index alone.
"""
from alembic import op

import online


# revision identifiers, used by Alembic.
revision = '0069'
down_revision = '0068'
branch_labels = None
depends_on = None

POSTGRESQL_INDEXES = {
    'ix_deputies_phone_reversed': 'deputies ((reverse(phone)) text_pattern_ops)',
    'ix_deputies_name_grams': ("deputies USING gin ((suggestion_content_grams("
                               "name || ' ' || coalesce(group_name, '')) COLLATE \"C\"))"),
    'ix_deputies_active_name': 'deputies (name, id) WHERE active IS true',
}
SQLITE_INDEXES = {'ix_deputies_active_name': 'deputies (name, id) WHERE active IS 1'}


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        online.create_indexes(POSTGRESQL_INDEXES, analyze='deputies')
    else:
        online.create_indexes(SQLITE_INDEXES)


def downgrade():
    online.drop_indexes(list(POSTGRESQL_INDEXES))
