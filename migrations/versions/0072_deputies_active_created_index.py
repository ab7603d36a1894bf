"""deputies: the index of the count of the deputies in office (a rank below 0)

Revision ID: 0072
Revises: 0071
Create Date: 2026-11-29 16:35:00

A deputy's rank below 0 (履职档案, ``GET /api/v1/deputies/{id}/archive``, and the points page) counts the
deputies in office that year (``points.queries._ranked_deputies``): this year all those in office, a past
year those entered by its end plus the few entered since with a total then. Before, that read every deputy
(a sequential scan; a past year each deputy's created_dt and a probe of the totals). ``ix_deputies_active_created``
(created_dt), partial on the deputies in office (``active IS true``, the query's literal text), makes both
index-only counts, the second a short range. Figures: bench/README.md.

On PostgreSQL it is built CONCURRENTLY, outside a transaction (``online``), as 0071 does. The offline
script and SQLite build it plainly.
"""
from alembic import op

import online


# revision identifiers, used by Alembic.
revision = '0072'
down_revision = '0071'
branch_labels = None
depends_on = None

NAME = 'ix_deputies_active_created'


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        online.create_indexes({NAME: 'deputies (created_dt) WHERE active IS true'}, analyze='deputies')
    else:
        online.create_indexes({NAME: 'deputies (created_dt) WHERE active IS 1'})


def downgrade():
    online.drop_indexes([NAME])
