"""suggestions: the public list's index takes 不予公开 in; qr_codes: every code of a target, for 恢复在任

Revision ID: 0060
Revises: 0059
Create Date: 2026-11-29 07:10:00

``ix_suggestions_public`` replaces 0015's ``ix_suggestions_published``: since 0059 the public list
(``public_routes.published_query``) leaves out the items an administrator withheld
(``public_withheld_reason IS NULL``), a condition the old index did not hold, so counting the list read
every published item's row to test it (SQLite's planner even left the index for the one of the status).
The new one holds every condition of the list: its count reads the index alone, its page is its last
entries. Built first, the old one dropped after, so that the list always has one of them.

``ix_qr_codes_target`` (target_kind, target_id): a deputy restored to office gets back their latest code
(``qr.services.restore_many``), found among every code of the deputy, live or revoked; 0001's
``uq_qr_codes_live_target`` holds the live codes alone, so each restore read every code of the province
(140,000 deputies' codes). A partial index of the revoked codes would not serve: the latest code may be a
live one, or one an administrator stopped (no reason), which must stay as it is.

On PostgreSQL they are built and dropped CONCURRENTLY, outside a transaction (``online``), as 0056 does:
items are filed and closed, codes issued and revoked, while the site runs. A build interrupted half way
leaves an INVALID index, dropped and built again by the next run. The offline script and SQLite build
them plainly.
"""
from alembic import op

import online


# revision identifiers, used by Alembic.
revision = '0060'
down_revision = '0059'
branch_labels = None
depends_on = None

PUBLISHED = ("status = 'closed' AND public_consent IS {true} AND held_for_review IS {false} "
             "AND merged_into_id IS NULL AND screening IN ('pass', 'reviewed')")
SHOWN = " AND public_withheld_reason IS NULL"


def _published(name, where):
    postgresql = op.get_bind().dialect.name == 'postgresql'
    where = where.format(true='true', false='false') if postgresql else where.format(true='1', false='0')
    return {name: f'suggestions (closed_dt, id) WHERE {where}'}


def upgrade():
    online.create_indexes({**_published('ix_suggestions_public', PUBLISHED + SHOWN),
                           'ix_qr_codes_target': 'qr_codes (target_kind, target_id)'})
    online.drop_indexes(['ix_suggestions_published'])


def downgrade():
    online.create_indexes(_published('ix_suggestions_published', PUBLISHED))
    online.drop_indexes(['ix_qr_codes_target', 'ix_suggestions_public'])
