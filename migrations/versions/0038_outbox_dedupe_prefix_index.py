"""The outbox's messages found by their keys' prefix: an index with the pattern operators, on PostgreSQL

Revision ID: 0038
Revises: 0037
Create Date: 2026-11-28 16:20:00.000000

注销 restates every message already sent about the citizen's items, whoever it went to, found by the
prefix of its dedupe key (``new_item:12:``) among every message ever sent (the outbox is the 消息中心 too,
never purged). PostgreSQL serves LIKE 'prefix%' from a btree only in byte order: the unique key's index
is in the database's collation (zh_CN.UTF-8, en_US.UTF-8, even C.UTF-8 do not count), so without this the
look reads the whole table. ``varchar_pattern_ops`` compares byte by byte whatever the collation.

Built CONCURRENTLY, outside a transaction, as 0035 does: every change that notifies anyone writes to this
table, and a plain build would hold those writes for as long as it reads the table. A build interrupted
half way leaves an INVALID index, dropped and built again by the next run. SQLite needs none (the outbox
compares its keys there as a range, which the unique key's index serves).
"""
from alembic import op

import online


# revision identifiers, used by Alembic.
revision = '0038'
down_revision = '0037'
branch_labels = None
depends_on = None

NAME = 'ix_outbox_messages_dedupe_prefix'


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    online.create_indexes({NAME: 'outbox_messages (dedupe_key varchar_pattern_ops)'})


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(f'DROP INDEX IF EXISTS {NAME}')
