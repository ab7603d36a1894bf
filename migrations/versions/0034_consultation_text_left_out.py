"""consultations.text_left_out: what was not taken from a draft's pasted text, kept for the review

Revision ID: 0034
Revises: 0033
Create Date: 2026-11-28 15:05:00

The note (the draft's 说明 or its signature left out, line and words) was said only in the answer to the
create or PATCH that cut the text; kept with the draft, an administrator reviewing it later reads it too.
A nullable column: drafts made before have none (null, as for a text with nothing left out); runs at any hour.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_left_out', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_column('text_left_out')
