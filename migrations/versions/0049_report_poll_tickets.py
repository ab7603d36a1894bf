"""report poll tickets: 凭票测评 — a 述职测评 whose ballots each take a one-time ticket handed out at the door

Revision ID: 0049
Revises: 0048
Create Date: 2026-11-29 03:30:00

``report_polls.ballot_mode`` (open 扫码测评, as every poll so far; ticket 凭票测评), a constant default: a
change of the catalogue alone on PostgreSQL, with its CHECK read over the few polls. ``report_poll_tickets``
is new and empty. ``report_poll_ballots.ticket_id`` is a nullable column (instant), its reference to a new,
empty table checked at once; its unique index ``uq_report_poll_ballots_ticket`` (one ballot per ticket) is
built CONCURRENTLY on PostgreSQL, outside a transaction, as 0048 does: a meeting's voters may be sending
ballots while the upgrade runs. A build interrupted half way leaves an INVALID index, dropped and built
again by the next run. The offline script builds it plainly in its transaction; SQLite builds it plainly.
"""
from alembic import op
import sqlalchemy as sa

import online


# revision identifiers, used by Alembic.
revision = '0049'
down_revision = '0048'
branch_labels = None
depends_on = None

NAME = 'uq_report_poll_ballots_ticket'


def upgrade():
    with op.batch_alter_table('report_polls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ballot_mode', sa.Enum(
            'open', 'ticket', name='report_poll_ballot_mode', native_enum=False, create_constraint=True, length=32),
            server_default='open', nullable=False))

    op.create_table('report_poll_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['report_polls.id'], name=op.f('fk_report_poll_tickets_poll_id_report_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_poll_tickets')),
    sa.UniqueConstraint('poll_id', 'code_hash', name='uq_report_poll_tickets_poll_code')
    )

    with op.batch_alter_table('report_poll_ballots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticket_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_report_poll_ballots_ticket_id_report_poll_tickets'),
                                    'report_poll_tickets', ['ticket_id'], ['id'], ondelete='CASCADE')

    online.create_indexes({NAME: 'report_poll_ballots (ticket_id)'}, unique=True)


def downgrade():
    op.drop_index(NAME, table_name='report_poll_ballots')
    with op.batch_alter_table('report_poll_ballots', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_report_poll_ballots_ticket_id_report_poll_tickets'), type_='foreignkey')
        batch_op.drop_column('ticket_id')
    op.drop_table('report_poll_tickets')
    with op.batch_alter_table('report_polls', schema=None) as batch_op:
        # SQLite's batch mode would copy the CHECK constraint to a table without its column.
        batch_op.drop_constraint(batch_op.f('ck_report_polls_report_poll_ballot_mode'), type_='check')
        batch_op.drop_column('ballot_mode')
