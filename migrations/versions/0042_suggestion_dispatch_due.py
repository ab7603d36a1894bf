"""suggestions: 分派时限 (``suggestions.dispatch_due_dt``) and the sweep's index of the unflagged 待分派 items by it

Revision ID: 0042
Revises: 0041
Create Date: 2026-11-28 21:40:00

An item waiting at its station for dispatch (待分派) is due to be dispatched within DISPATCH_WITHIN_WORKING_DAYS
working days; the sweep flags it 临期/超期 and reminds the station's administrators, as it does the deputy's
接单 and 答复. A nullable column (an instant change of the catalogue on PostgreSQL) and a partial index over the
few pending items. Items already waiting keep no limit (NULL): they are not all flagged 超期 at the first
sweep after the upgrade; the next one filed or returned has one.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0042'
down_revision = '0041'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('suggestions', sa.Column('dispatch_due_dt', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_suggestions_dispatch_due', 'suggestions', ['dispatch_due_dt'],
                    postgresql_where=sa.text("status = 'pending' AND overdue IS false"),
                    sqlite_where=sa.text("status = 'pending' AND overdue IS 0"))


def downgrade():
    op.drop_index('ix_suggestions_dispatch_due', table_name='suggestions')
    # Dropped in place (SQLite 3.35+ too): batch mode's copy of the table would lose its expression indexes.
    op.execute("ALTER TABLE suggestions DROP COLUMN dispatch_due_dt")
