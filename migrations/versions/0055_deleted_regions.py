"""deleted_regions; audit_events.region_id without a foreign key: a deleted region's log lines stay its own

Revision ID: 0055
Revises: 0054
Create Date: 2026-11-29 06:00:00

Deleting an empty region (删除区域) moved its lines of the 操作日志 to the region above: a log written once
was rewritten. Now they keep the region they were written under, which is kept in ``deleted_regions`` (its
id, name and path) for the administrators above it to find them. ``audit_events.region_id`` loses its
foreign key, as ``target_id`` never had one. On PostgreSQL that is a change of the catalogue alone; SQLite
copies the table (its indexes are made again, the partial one of 0048 by hand: a copy would lose its WHERE).

Downgraded, the lines of deleted regions go to the nearest region above that is left (as before 0055), and
the foreign key is made again.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0055'
down_revision = '0054'
branch_labels = None
depends_on = None

FK = 'fk_audit_events_region_id_regions'
USER_TARGET = 'ix_audit_events_user_target_at'


def upgrade():
    op.create_table('deleted_regions',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=32), nullable=False),
    sa.Column('path', sa.String(length=255), nullable=False),
    sa.Column('deleted_dt', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deleted_regions'))
    )
    _recreating_on_sqlite(lambda batch_op: batch_op.drop_constraint(FK, type_='foreignkey'))


def downgrade():
    conn = op.get_bind()
    live = {row.id for row in conn.execute(sa.text('SELECT id FROM regions'))}
    for row in conn.execute(sa.text('SELECT id, path FROM deleted_regions')).all():
        above = [int(i) for i in row.path.strip('/').split('/')[:-1] if int(i) in live]
        conn.execute(sa.text('UPDATE audit_events SET region_id = :to WHERE region_id = :gone'),
                     {'to': above[-1] if above else None, 'gone': row.id})
    _recreating_on_sqlite(lambda batch_op: batch_op.create_foreign_key(FK, 'regions', ['region_id'], ['id']))
    op.drop_table('deleted_regions')


def _recreating_on_sqlite(change):
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.drop_index(USER_TARGET, table_name='audit_events')
    with op.batch_alter_table('audit_events') as batch_op:
        change(batch_op)
    if sqlite:
        op.create_index(USER_TARGET, 'audit_events', ['target_id', 'at'], unique=False,
                        sqlite_where=sa.text("target_type = 'user'"))
