"""suggestions.filer_deputy_id: the deputy an item's filer is known to be (a deputy's own items earn nothing)

Revision ID: 0061
Revises: 0060
Create Date: 2026-11-29 09:00:00

A deputy was refused filing through their own code only from the WeChat user bound as them; a phone
browser's identity is tied to no deputy, so a deputy could file to themself there, rate their own answer 满意
and earn 办结/满意 points. The filing now records the deputy its filer is known to be: the WeChat user bound
as them, or an identity that gave their registered phone as a contact phone (with this item or another)
(``suggestions.filing.filer_deputy``). Kept on the item, it outlives an erased contact phone and a deputy's
changed number.

A nullable column, NULL for every item so far (an instant change of the catalogue on PostgreSQL). The items
filed before with a deputy's registered phone (its digits, as ``ix_suggestions_contact_phone`` holds them)
name that deputy, and so do the other items of the same filer, as a filing does from now on. On PostgreSQL
the foreign key is added NOT VALID and validated afterwards, and the items are marked after that, outside
the migration's transaction, as 0043 does: filings go on meanwhile. Each step is skipped when already done,
so an upgrade stopped half way is finished by the next. SQLite adds the column with its reference in place.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0061'
down_revision = '0060'
branch_labels = None
depends_on = None

FK = 'fk_suggestions_filer_deputy_id_deputies'
# Items given a deputy's registered phone name that deputy; then a filer's other items name the deputy
# their latest marked item names.
MARK = (
    "UPDATE suggestions SET filer_deputy_id = (SELECT deputies.id FROM deputies "
    "WHERE deputies.phone = replace(suggestions.contact_phone, '-', '')) "
    "WHERE filer_deputy_id IS NULL AND replace(contact_phone, '-', '') IN "
    "(SELECT phone FROM deputies WHERE phone IS NOT NULL)",
    "UPDATE suggestions SET filer_deputy_id = (SELECT tied.filer_deputy_id FROM suggestions AS tied "
    "WHERE tied.citizen_id = suggestions.citizen_id AND tied.filer_deputy_id IS NOT NULL "
    "ORDER BY tied.id DESC LIMIT 1) "
    "WHERE filer_deputy_id IS NULL AND citizen_id IN "
    "(SELECT citizen_id FROM suggestions AS tied WHERE tied.filer_deputy_id IS NOT NULL)",
)


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        op.execute(f'ALTER TABLE suggestions ADD COLUMN filer_deputy_id INTEGER CONSTRAINT {FK} REFERENCES deputies (id)')
        for statement in MARK:
            op.execute(statement)
        return
    op.execute('ALTER TABLE suggestions ADD COLUMN IF NOT EXISTS filer_deputy_id INTEGER')
    add_fk = f'ALTER TABLE suggestions ADD CONSTRAINT {FK} FOREIGN KEY (filer_deputy_id) REFERENCES deputies (id) NOT VALID'
    validate = f'ALTER TABLE suggestions VALIDATE CONSTRAINT {FK}'
    if op.get_context().as_sql:
        for statement in (add_fk, validate, *MARK):
            op.execute(statement)
        return
    conn = op.get_bind()
    if conn.exec_driver_sql(f"SELECT 1 FROM pg_constraint WHERE conname = '{FK}'").scalar() is None:
        op.execute(add_fk)
    with op.get_context().autocommit_block():
        conn = op.get_bind()
        conn.exec_driver_sql(validate)
        for statement in MARK:
            conn.exec_driver_sql(statement)


def downgrade():
    # Dropped in place (SQLite 3.35+ too, its reference with it): batch mode's copy of the table would lose
    # its expression and partial indexes.
    op.execute('ALTER TABLE suggestions DROP COLUMN filer_deputy_id')
