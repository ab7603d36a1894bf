"""suggestions: the index of the contact phone, for the console's search by a citizen's phone

Revision ID: 0050
Revises: 0049
Create Date: 2026-11-29 04:00:00

``ix_suggestions_contact_phone`` on the contact phone without a landline's dash (``models.CONTACT_PHONE_DIGITS``):
staff type the number a citizen reads out on the phone and find the items it was left with, exactly
(``queries.typed_phone``), at a province's size a look-up in this index, not a read of every item in scope.
An index on an expression, so nothing is written to the items themselves, and erasure's clearing of the
phone clears its entry; written as the model writes it, or the planner would not use it.

On PostgreSQL it is built CONCURRENTLY, outside a transaction, as 0045 and 0048 do: citizens file all day,
and a plain build would hold their filings for as long as it reads the table. A build interrupted half way
leaves an INVALID index, dropped and built again by the next run; then ANALYZE gathers the expression's
statistics (0019). The offline script builds it plainly in its transaction. SQLite (small sites) builds it
plainly.
"""
from alembic import op

import online


# revision identifiers, used by Alembic.
revision = '0050'
down_revision = '0049'
branch_labels = None
depends_on = None

NAME = 'ix_suggestions_contact_phone'
EXPRESSION = "replace(contact_phone, '-', '')"


def upgrade():
    online.create_indexes({NAME: f"suggestions (({EXPRESSION}))"}, analyze='suggestions')


def downgrade():
    op.drop_index(NAME, table_name='suggestions')
