"""suggestion_work_orders.withdrawn_dt, withdrawn_reason: a work order withdrawn (已撤回) when its item left the
department without feedback — its deputy left office (离任) and it went back to the station, or it was refused
while held for review — stays on record but is no longer awaited (统计的待反馈, the item's page).

Revision ID: 0062
Revises: 0061
Create Date: 2026-11-29 09:00:00

Backfilled: an open work order (no feedback) of an item no longer 转办中 is withdrawn at the item's last
``return`` or ``reject`` after it, with the reason that step had. Nullable columns without a default are a
change of the catalogue alone on PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0062'
down_revision = '0061'
branch_labels = None
depends_on = None

DEPARTED = "代表离任，建议已退回联络站重新分派"
REJECTED = "建议不予受理"


def upgrade():
    op.add_column('suggestion_work_orders', sa.Column('withdrawn_dt', sa.DateTime(timezone=True), nullable=True))
    op.add_column('suggestion_work_orders', sa.Column('withdrawn_reason', sa.String(length=100), nullable=True))
    # Open work orders of items that left 转办中 without feedback: until now only a return as the deputy left
    # office (or a refusal while held) could do that. Each is withdrawn when that step happened.
    for action, reason in (("return", DEPARTED), ("reject", REJECTED)):
        op.execute(sa.text(
            "UPDATE suggestion_work_orders SET withdrawn_reason = :reason, withdrawn_dt = ("
            " SELECT MIN(e.created_dt) FROM suggestion_events e"
            " WHERE e.suggestion_id = suggestion_work_orders.suggestion_id AND e.action = :action"
            " AND e.created_dt >= suggestion_work_orders.forwarded_dt)"
            " WHERE feedback_dt IS NULL AND withdrawn_dt IS NULL AND EXISTS ("
            " SELECT 1 FROM suggestion_events e"
            " WHERE e.suggestion_id = suggestion_work_orders.suggestion_id AND e.action = :action"
            " AND e.created_dt >= suggestion_work_orders.forwarded_dt)"
        ).bindparams(reason=reason, action=action))


def downgrade():
    op.drop_column('suggestion_work_orders', 'withdrawn_reason')
    op.drop_column('suggestion_work_orders', 'withdrawn_dt')
