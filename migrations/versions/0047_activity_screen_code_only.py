"""activities.screen_code_only: 签到方式 仅限现场动态码

Revision ID: 0047
Revises: 0046
Create Date: 2026-11-29 00:45:00

A station's printed code is public (on its door, in the public API with the station's position), and the
position a phone sends is whatever the client says: a deputy could check in from home. An administrator may
now require the rotating code shown on the venue's screen alone. False for every activity (as before); a
column with a constant default is a change of the catalogue alone on PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0047'
down_revision = '0046'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('activities', sa.Column('screen_code_only', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('activities') as batch_op:
        batch_op.drop_column('screen_code_only')
