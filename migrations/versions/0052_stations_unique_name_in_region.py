"""stations: no two stations of one name in one region

Revision ID: 0052
Revises: 0051
Create Date: 2026-11-29 04:10:00

``uq_stations_region_name`` (region_id, lower(name)), unique: the console once let two 中方镇联络站 be made
in one town, which the deputies' import then refused to tell apart. The services refuse a twin and name
the first (org.services.check_station_name); the index catches two requests at the same instant.

A database that already holds twins cannot take the index: the upgrade stops before anything changes and
names each pair (region, name and ids), for the operator to rename one (console 联络站 page, or PATCH
/api/v1/stations/ID), then run ``db upgrade`` again. The offline script cannot read the rows: its CREATE
UNIQUE INDEX fails on twins and the script's transaction leaves everything as it was.

On PostgreSQL it is built CONCURRENTLY, outside a transaction, as 0048 does, and an INVALID index a killed
build left is dropped and built again.
"""
from alembic import op

import online


# revision identifiers, used by Alembic.
revision = '0052'
down_revision = '0051'
branch_labels = None
depends_on = None

NAME = 'uq_stations_region_name'


def _refuse_twins(conn):
    """Stop, naming every pair of stations of one name in one region, if there are any."""
    twins = conn.exec_driver_sql(
        "SELECT a.id, b.id, a.name, r.name FROM stations a JOIN stations b "
        "ON a.region_id = b.region_id AND lower(a.name) = lower(b.name) AND a.id < b.id "
        "JOIN regions r ON r.id = a.region_id ORDER BY a.id, b.id").all()
    if twins:
        lines = [f"  {region}“{name}”：id={a} 与 id={b}" for a, b, name, region in twins]
        raise SystemExit("迁移 0052 未执行：以下联络站在同一区域内重名，请先将其中一个改名"
                         "（管理后台联络站页面，或 PATCH /api/v1/stations/ID），再运行 db upgrade：\n" + "\n".join(lines))


def upgrade():
    online.create_indexes({NAME: 'stations (region_id, lower(name))'}, unique=True, refuse=_refuse_twins)


def downgrade():
    op.drop_index(NAME, table_name='stations')
