"""idempotency_records.request_hash: an Idempotency-Key is bound to the request it first came with

Revision ID: 0041
Revises: 0040
Create Date: 2026-11-28 21:30:00

A key was matched on the endpoint alone: the same key on another record's URL (another deputy's correction,
another draft's opinion) or with another body replayed the first answer and did nothing. The record now
keeps a hash of the method, the path with its ids and the body (``backend.idempotency.fingerprint``); a key
sent again with another request is refused. Rows written before (kept 24 h at most) have none and are
matched on the endpoint, as before.

A nullable column: an instant change of the catalogue on PostgreSQL; SQLite's batch mode adds it in place.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0041'
down_revision = '0040'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('idempotency_records') as batch_op:
        batch_op.add_column(sa.Column('request_hash', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('idempotency_records') as batch_op:
        batch_op.drop_column('request_hash')
