"""audit_events: the events done to an account (a station administrator's 操作日志)

Revision ID: 0048
Revises: 0047
Create Date: 2026-11-29 03:00:00

``ix_audit_events_user_target_at`` (target_id, at) over the events done to accounts alone (target_type
'user': a sign-in failed under an administrator's name, a password reset, an account changed). A station
administrator's 操作日志 is their own actions (ix_audit_events_actor_at) and those done to their account:
without an index for the second, PostgreSQL tested every event of the log against both, its count a
parallel seq scan (145 ms at 1,000,000 events; 7 ms with both indexes, a BitmapOr), its page a walk back
along ix_audit_events_at through everyone else's events. Few events are done to accounts, so it is small.

On PostgreSQL it is built CONCURRENTLY, outside a transaction, as 0045 does: administrators sign in and
work all day, and a plain build would hold their events' writes for as long as it reads the table. A build
interrupted half way leaves an INVALID index, dropped and built again by the next run. The offline script
builds it plainly in its transaction. SQLite (small sites) builds it plainly.
"""
from alembic import op

import online


# revision identifiers, used by Alembic.
revision = '0048'
down_revision = '0047'
branch_labels = None
depends_on = None

NAME = 'ix_audit_events_user_target_at'
WHERE = "target_type = 'user'"


def upgrade():
    online.create_indexes({NAME: f"audit_events (target_id, at) WHERE {WHERE}"})


def downgrade():
    op.drop_index(NAME, table_name='audit_events')
