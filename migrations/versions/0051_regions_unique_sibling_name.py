"""regions: no two siblings of one name

Revision ID: 0051
Revises: 0050
Create Date: 2026-11-29 04:00:00

``uq_regions_parent_name`` (coalesce(parent_id, 0), lower(name)), unique: the API once let a double click
make two 迎丰街道 under one county, which no import could then tell apart (the command line refused it).
The services refuse a twin and name the first (org.services.check_region_place); the index catches two
requests at the same instant. The roots (parent NULL) count as siblings of one another.

A database that already holds twins cannot take the index: the upgrade stops before anything changes and
names each pair (full name and ids), for the operator to rename one (PATCH /api/v1/regions/ID) or delete
an empty one (DELETE /api/v1/regions/ID), then run ``db upgrade`` again. The offline script cannot read
the rows: its CREATE UNIQUE INDEX fails on twins and the script's transaction leaves everything as it was.

The regions table is small (a province's ~30,000 villages): still, on PostgreSQL it is built CONCURRENTLY,
outside a transaction, as 0048 does, and an INVALID index a killed build left is dropped and built again.
"""
from alembic import op

import online


# revision identifiers, used by Alembic.
revision = '0051'
down_revision = '0050'
branch_labels = None
depends_on = None

NAME = 'uq_regions_parent_name'
COLUMNS = 'coalesce(parent_id, 0), lower(name)'


def _refuse_twins(conn):
    """Stop, naming every pair of siblings of one name, if there are any."""
    twins = conn.exec_driver_sql(
        "SELECT a.id, b.id, a.name, a.path FROM regions a JOIN regions b "
        "ON coalesce(a.parent_id, 0) = coalesce(b.parent_id, 0) AND lower(a.name) = lower(b.name) AND a.id < b.id "
        "ORDER BY a.id, b.id").all()
    if not twins:
        return
    names = dict(conn.exec_driver_sql("SELECT id, name FROM regions").all())
    lines = [f"  {''.join(names.get(int(i), '') for i in path.strip('/').split('/') if i)}：id={a} 与 id={b}"
             for a, b, _, path in twins]
    raise SystemExit("迁移 0051 未执行：以下区域在同一上级区域下重名，请先将其中一个改名"
                     "（PATCH /api/v1/regions/ID）或删除空区域，再运行 db upgrade：\n" + "\n".join(lines))


def upgrade():
    online.create_indexes({NAME: f"regions ({COLUMNS})"}, unique=True, refuse=_refuse_twins)


def downgrade():
    op.drop_index(NAME, table_name='regions')
