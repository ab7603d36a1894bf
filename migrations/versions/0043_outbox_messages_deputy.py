"""outbox_messages.deputy_id: a deputy's notices outlive the WeChat binding (解除绑定 no longer deletes them)

Revision ID: 0043
Revises: 0042
Create Date: 2026-11-28 23:50:00

A deputy unbound from their WeChat user (the console's 解除绑定, or a corrected phone) lost their notices:
they were deleted, as no user was left to hold them. They are the deputy's: now held for the deputy
(``user_id`` NULL, ``deputy_id`` the deputy's) and listed to whoever proves the deputy's number next. A nullable
column, NULL for every message queued before (an instant change of the catalogue on PostgreSQL), with a
partial index over the few rows that name a deputy.

On PostgreSQL the foreign key is added NOT VALID and validated afterwards, and the index is built
CONCURRENTLY, outside the migration's transaction, as 0038 does: every change that notifies anyone writes to
this table, and neither may hold those writes for as long as it reads the table. Each step is skipped when
it is already done, so an upgrade stopped half way is finished by the next. SQLite adds the column with its
reference in place (a column's REFERENCES needs no copy of the table).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0043'
down_revision = '0042'
branch_labels = None
depends_on = None

FK = 'fk_outbox_messages_deputy_id_deputies'
INDEX = 'ix_outbox_messages_deputy'
CREATE_INDEX = f'CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON outbox_messages (deputy_id) WHERE deputy_id IS NOT NULL'


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        op.execute(f'ALTER TABLE outbox_messages ADD COLUMN deputy_id INTEGER CONSTRAINT {FK} REFERENCES deputies (id)')
        op.create_index(INDEX, 'outbox_messages', ['deputy_id'], sqlite_where=sa.text('deputy_id IS NOT NULL'))
        return
    op.execute('ALTER TABLE outbox_messages ADD COLUMN IF NOT EXISTS deputy_id INTEGER')
    add_fk = f'ALTER TABLE outbox_messages ADD CONSTRAINT {FK} FOREIGN KEY (deputy_id) REFERENCES deputies (id) NOT VALID'
    validate = f'ALTER TABLE outbox_messages VALIDATE CONSTRAINT {FK}'
    if op.get_context().as_sql:
        op.execute(add_fk)
        op.execute(validate)
        op.execute(CREATE_INDEX.replace(' CONCURRENTLY', ''))
        return
    conn = op.get_bind()
    if conn.exec_driver_sql(f"SELECT 1 FROM pg_constraint WHERE conname = '{FK}'").scalar() is None:
        op.execute(add_fk)
    with op.get_context().autocommit_block():
        conn = op.get_bind()
        conn.exec_driver_sql(validate)
        valid = conn.exec_driver_sql(f"SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('{INDEX}')").scalar()
        if valid is False:
            conn.exec_driver_sql(f'DROP INDEX CONCURRENTLY {INDEX}')
        conn.exec_driver_sql(CREATE_INDEX)


def downgrade():
    op.execute(f'DROP INDEX IF EXISTS {INDEX}')
    # Dropped in place (SQLite 3.35+ too, its reference with it): batch mode's copy of the table would lose
    # its partial indexes. The notices held for a deputy (no user) go with it, as 解除绑定 deleted them before.
    op.execute('DELETE FROM outbox_messages WHERE user_id IS NULL AND deputy_id IS NOT NULL')
    op.execute('ALTER TABLE outbox_messages DROP COLUMN deputy_id')
