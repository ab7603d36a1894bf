"""消息中心: outbox_messages.read_dt, a user's messages newest first, and their unread count

Revision ID: 0035
Revises: 0034
Create Date: 2026-11-28 15:20:00.000000

Every outbox message is also the notice in its user's 消息中心; ``read_dt`` is when they read it there. The
messages queued before this version count as read (their users had no list to read them in; a badge of
every notice of past years would tell nothing): on PostgreSQL the column comes with the migration's time as
its default, which PostgreSQL keeps in the catalogue rather than writing into every row (instant at millions
of rows), and the default is then dropped, so new messages are unread; on SQLite (small deployments) one
UPDATE.

Two indexes replace ``ix_outbox_messages_user_id``: (user_id, id), a user's messages newest first (and what the
sweep's look for a user's earlier pending message used the old one for), and (user_id) over the unread rows
alone, the badge's count. On PostgreSQL they are built CONCURRENTLY, outside a transaction: every change
that notifies anyone writes to this table, and a plain build would hold those writes for as long as it reads
the table. A build interrupted half way leaves an INVALID index, dropped and built again by the next run.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None

NEWEST = ('ix_outbox_messages_user_newest', 'CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_outbox_messages_user_newest '
          'ON outbox_messages (user_id, id)')
UNREAD = ('ix_outbox_messages_unread', 'CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_outbox_messages_unread '
          'ON outbox_messages (user_id) WHERE read_dt IS NULL')


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
            batch_op.add_column(sa.Column('read_dt', sa.DateTime(timezone=True), nullable=True))
        op.execute('UPDATE outbox_messages SET read_dt = created_dt')
        with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
            batch_op.create_index('ix_outbox_messages_user_newest', ['user_id', 'id'], unique=False)
            batch_op.create_index('ix_outbox_messages_unread', ['user_id'], unique=False,
                                  sqlite_where=sa.text('read_dt IS NULL'))
            batch_op.drop_index('ix_outbox_messages_user_id')
        return
    op.execute('ALTER TABLE outbox_messages ADD COLUMN IF NOT EXISTS read_dt TIMESTAMP WITH TIME ZONE DEFAULT now()')
    op.execute('ALTER TABLE outbox_messages ALTER COLUMN read_dt DROP DEFAULT')
    if op.get_context().as_sql:
        for _, statement in (NEWEST, UNREAD):
            op.execute(statement.replace(' CONCURRENTLY', ''))
        op.execute('DROP INDEX IF EXISTS ix_outbox_messages_user_id')
        return
    with op.get_context().autocommit_block():
        conn = op.get_bind()
        for name, statement in (NEWEST, UNREAD):
            valid = conn.exec_driver_sql(f"SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('{name}')").scalar()
            if valid is False:
                conn.exec_driver_sql(f'DROP INDEX CONCURRENTLY {name}')
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql('DROP INDEX CONCURRENTLY IF EXISTS ix_outbox_messages_user_id')


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_user_id', ['user_id'], unique=False)
        batch_op.drop_index('ix_outbox_messages_unread')
        batch_op.drop_index('ix_outbox_messages_user_newest')
        batch_op.drop_column('read_dt')
