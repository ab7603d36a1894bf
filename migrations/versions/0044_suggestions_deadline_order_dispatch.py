"""suggestions: 按期限 orders an item waiting for dispatch (待分派) by its 分派时限

Revision ID: 0044
Revises: 0043
Create Date: 2026-11-29 00:00:00

0042 gave an item waiting at its station a deadline (``dispatch_due_dt``), but the lists' 按期限 order
(``models.DEADLINE_STAGE``, ``models.STAGE_DEADLINE``, id) still put every 待分派 item after the running
deadlines, by when it was filed: an item its station was late to dispatch sat below one due to be accepted
next week. Now it is ordered by the deadline its status runs — to dispatch, to accept or to reply — and an
item waiting with no limit (filed before 0042, or with DISPATCH_WITHIN_WORKING_DAYS 0) stays with the
answered items, by filing.

The two indexes in the order's shape (0019's ``ix_suggestions_deadline_order``, a region's queue; 0022's
``ix_suggestions_deputy_inbox_due``, a deputy's inbox, with its INCLUDE of the columns the order is computed
from) are built again on the new expressions, written as the models write them: the planner uses an index on
an expression only for that expression (tests/test_scale_queries.py, tests/test_suggestion_list_order.py).

On PostgreSQL each is dropped and built CONCURRENTLY, outside a transaction, as 0038 does: filing and every
step write to the table, and a plain build would hold those writes for as long as it reads a province's
items. A build interrupted half way leaves an INVALID index, dropped and built again by the next run.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0044'
down_revision = '0043'
branch_labels = None
depends_on = None

OLD_STAGE = ("CASE WHEN (status IN ('assigned', 'accepted', 'forwarded')) THEN 0 "
             "WHEN (status IN ('pending', 'replied')) THEN 1 ELSE 2 END")
OLD_DEADLINE = ("coalesce(CASE WHEN (status IN ('assigned')) THEN accept_due_dt "
                "WHEN (status IN ('accepted', 'forwarded')) THEN reply_due_dt END, created_dt)")
OLD_INCLUDE = "status, accept_due_dt, reply_due_dt, created_dt"

NEW_STAGE = ("CASE WHEN (status IN ('assigned', 'accepted', 'forwarded')) THEN 0 "
             "WHEN (status IN ('pending') AND dispatch_due_dt IS NOT NULL) THEN 0 "
             "WHEN (status IN ('pending', 'replied')) THEN 1 ELSE 2 END")
NEW_DEADLINE = ("coalesce(CASE WHEN (status IN ('pending')) THEN dispatch_due_dt "
                "WHEN (status IN ('assigned')) THEN accept_due_dt "
                "WHEN (status IN ('accepted', 'forwarded')) THEN reply_due_dt END, created_dt)")
NEW_INCLUDE = "status, dispatch_due_dt, accept_due_dt, reply_due_dt, created_dt"


def _indexes(stage, deadline, include, postgresql):
    """(name, CREATE INDEX statement without its CONCURRENTLY) of the two indexes in the order's shape."""
    held = "held_for_review = false" if postgresql else "held_for_review = 0"
    include = f" INCLUDE ({include})" if postgresql else ""
    return [
        ('ix_suggestions_deadline_order',
         f"CREATE INDEX ix_suggestions_deadline_order ON suggestions (({stage}), ({deadline}), id)"),
        ('ix_suggestions_deputy_inbox_due',
         f"CREATE INDEX ix_suggestions_deputy_inbox_due ON suggestions (deputy_id, ({stage}), ({deadline}), id)"
         f"{include} WHERE {held}"),
    ]


def _rebuild(stage, deadline, include):
    postgresql = op.get_bind().dialect.name == 'postgresql'
    indexes = _indexes(stage, deadline, include, postgresql)
    if not postgresql or op.get_context().as_sql:
        for name, create in indexes:
            op.execute(f"DROP INDEX IF EXISTS {name}")
            op.execute(create)
        return
    with op.get_context().autocommit_block():
        conn = op.get_bind()
        for name, create in indexes:
            conn.exec_driver_sql(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            conn.exec_driver_sql(create.replace("CREATE INDEX", "CREATE INDEX CONCURRENTLY", 1))


def upgrade():
    _rebuild(NEW_STAGE, NEW_DEADLINE, NEW_INCLUDE)


def downgrade():
    _rebuild(OLD_STAGE, OLD_DEADLINE, OLD_INCLUDE)
