"""ix_activities_type_starts: the trainings (学习培训) of a period, for the training coverage (培训清单)

Revision ID: 0031
Revises: 0030
Create Date: 2026-11-28 12:30:00.000000

The coverage counts the deputies checked in to a ``training`` activity started in a period: the index finds
those activities by type and start (a province's tens of thousands of activities a year, a few hundred of
them trainings); their participants come by the primary key. One index, no data changed.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_activities_type_starts', 'activities', ['type', 'starts_dt'], unique=False)


def downgrade():
    op.drop_index('ix_activities_type_starts', table_name='activities')
