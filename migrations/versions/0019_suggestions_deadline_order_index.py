"""suggestions: an index in the console queue's 按期限 order

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 10:00:00.000000

The queue's 按期限 order (``models.DEADLINE_STAGE``, ``models.STAGE_DEADLINE``, id) has an index in
its exact shape, ``ix_suggestions_deadline_order``: a province's first page is that index's first 20
entries, not a sort of every item.

The expressions are written as the models write them: the planner uses an index on an expression only
for that expression (tests/test_scale_queries.py).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

DEADLINE_STAGE = ("CASE WHEN (status IN ('assigned', 'accepted', 'forwarded')) THEN 0 "
                  "WHEN (status IN ('pending', 'replied')) THEN 1 ELSE 2 END")
STAGE_DEADLINE = ("coalesce(CASE WHEN (status IN ('assigned')) THEN accept_due_dt "
                  "WHEN (status IN ('accepted', 'forwarded')) THEN reply_due_dt END, created_dt)")


def upgrade():
    op.create_index('ix_suggestions_deadline_order', 'suggestions',
                    [sa.text(f'({DEADLINE_STAGE})'), sa.text(f'({STAGE_DEADLINE})'), sa.text('id')], unique=False)


def downgrade():
    op.drop_index('ix_suggestions_deadline_order', table_name='suggestions')
