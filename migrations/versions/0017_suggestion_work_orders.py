"""suggestion_work_orders: 转办工单, one row per forwarding, with its number and the deputy's satisfaction

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 10:00:00.000000

Each forwarding of an item to a department or to the 12345 hotline (转办) is a work order: its number
there (工单编号), when it went, when the feedback came back and how satisfied the deputy was with the
department's handling. The item keeps its latest work order's number and satisfaction, as it keeps the
latest department. The statistics count work orders per department through
``ix_suggestion_work_orders_suggestion`` (joined to the items in scope).

The forwardings made before this revision are in the timeline: each ``forward`` line becomes a work
order, answered at the first ``feedback`` line after it (the workflow alternates the two), without a
number or a satisfaction, which nobody recorded then. An item forwarded now finds its open work order
when its feedback comes.

Offline (``flask --app backend db upgrade --sql``), where no row can be read, the same work orders come
from one ``INSERT ... SELECT`` (``_work_orders_in_one_statement``): each ``forward`` line followed in its
item's timeline by a ``feedback`` line (answered then) or by nothing (still forwarded).

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

SATISFACTION = ('satisfied', 'basically_satisfied', 'dissatisfied')
BATCH = 5000


def upgrade():
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('forward_work_order_no', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('department_satisfaction', sa.Enum(
            *SATISFACTION, name='department_satisfaction', native_enum=False, create_constraint=True, length=32),
            nullable=True))

    work_orders = op.create_table('suggestion_work_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('suggestion_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=32), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('work_order_no', sa.String(length=50), nullable=True),
    sa.Column('forwarded_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('feedback_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('satisfaction', sa.Enum(*SATISFACTION, name='work_order_satisfaction', native_enum=False,
                                      create_constraint=True, length=32), nullable=True),
    sa.ForeignKeyConstraint(['suggestion_id'], ['suggestions.id'], name=op.f('fk_suggestion_work_orders_suggestion_id_suggestions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_work_orders'))
    )
    with op.batch_alter_table('suggestion_work_orders', schema=None) as batch_op:
        batch_op.create_index('ix_suggestion_work_orders_suggestion', ['suggestion_id', 'id'], unique=False)

    if op.get_context().as_sql:
        _work_orders_in_one_statement(work_orders)
    else:
        _work_orders_from_the_timeline(work_orders)


def _timeline_table():
    return sa.table(
        'suggestion_events', sa.column('id', sa.Integer), sa.column('suggestion_id', sa.Integer),
        sa.column('action', sa.String), sa.column('data', sa.JSON), sa.column('created_dt', sa.DateTime(timezone=True)),
    )


def _work_orders_in_one_statement(work_orders):
    """The work orders ``_work_orders_from_the_timeline`` makes, as one statement for the offline script:
    a ``forward`` line followed (among the item's ``forward`` and ``feedback`` lines) by a ``feedback`` is
    answered at it, one followed by nothing is still open, one followed by another ``forward`` was
    replaced by it (the reading below keeps only the later one); inserted in (item, line) order."""
    events = _timeline_table()
    following = {'partition_by': events.c.suggestion_id, 'order_by': events.c.id}
    lines = (
        sa.select(events.c.id, events.c.suggestion_id, events.c.action, events.c.data, events.c.created_dt,
                  sa.func.lead(events.c.action).over(**following).label('next_action'),
                  sa.func.lead(events.c.created_dt).over(**following).label('next_dt'))
        .where(events.c.action.in_(['forward', 'feedback']))
        .subquery('lines')
    )
    op.execute(work_orders.insert().from_select(
        ['suggestion_id', 'target', 'department', 'forwarded_dt', 'feedback_dt'],
        sa.select(lines.c.suggestion_id,
                  sa.func.coalesce(sa.func.nullif(lines.c.data['target'].as_string(), ''), 'department'),
                  sa.func.coalesce(lines.c.data['department'].as_string(), ''),
                  lines.c.created_dt,
                  sa.case((lines.c.next_action == 'feedback', lines.c.next_dt)))
        .where(lines.c.action == 'forward', sa.or_(lines.c.next_action.is_(None), lines.c.next_action == 'feedback'))
        .order_by(lines.c.suggestion_id, lines.c.id),
    ))


def _work_orders_from_the_timeline(work_orders):
    """A work order for every ``forward`` line of the timelines, read in batches in (item, line) order."""
    events = _timeline_table()
    bind = op.get_bind()
    statement = (
        sa.select(events.c.id, events.c.suggestion_id, events.c.action, events.c.data, events.c.created_dt)
        .where(events.c.action.in_(['forward', 'feedback']))
        .order_by(events.c.suggestion_id, events.c.id)
        .limit(BATCH)
    )
    after, open_order = (0, 0), None
    while True:
        rows = bind.execute(statement.where(sa.tuple_(events.c.suggestion_id, events.c.id) > sa.tuple_(*after))).all()
        orders = []
        for row in rows:
            if open_order is not None and open_order['suggestion_id'] != row.suggestion_id:
                orders.append(open_order)  # still forwarded: its feedback is yet to come
                open_order = None
            if row.action == 'forward':
                data = row.data or {}
                open_order = {
                    'suggestion_id': row.suggestion_id, 'target': data.get('target') or 'department',
                    'department': data.get('department') or '', 'work_order_no': None,
                    'forwarded_dt': row.created_dt, 'feedback_dt': None, 'satisfaction': None,
                }
            elif open_order is not None:
                orders.append(open_order | {'feedback_dt': row.created_dt})
                open_order = None
        if orders:
            bind.execute(work_orders.insert(), orders)
        if len(rows) < BATCH:
            break
        after = (rows[-1].suggestion_id, rows[-1].id)
    if open_order is not None:
        bind.execute(work_orders.insert(), [open_order])


def downgrade():
    with op.batch_alter_table('suggestion_work_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_suggestion_work_orders_suggestion')

    op.drop_table('suggestion_work_orders')
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        # SQLite's batch mode would copy the CHECK constraint to a table without its column.
        batch_op.drop_constraint(batch_op.f('ck_suggestions_department_satisfaction'), type_='check')
        batch_op.drop_column('department_satisfaction')
        batch_op.drop_column('forward_work_order_no')
