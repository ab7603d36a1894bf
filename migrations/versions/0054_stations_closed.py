"""stations.closed_dt: a station can be closed (停用) and reopened

Revision ID: 0054
Revises: 0053
Create Date: 2026-11-29 04:30:00

NULL (open) for every existing station; a nullable column without a default is a change of the
catalogue alone on PostgreSQL. Who closed it is in the 操作日志 (station_closed / station_reopened).
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0054'
down_revision = '0053'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('stations', sa.Column('closed_dt', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # A plain DROP COLUMN (SQLite 3.35+ has it): a batch copy of the table on SQLite would lose the
    # expression index uq_stations_region_name (0052), whose own downgrade then finds none to drop.
    op.drop_column('stations', 'closed_dt')
