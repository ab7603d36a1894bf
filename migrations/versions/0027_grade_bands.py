"""grade_bands: each congress's 履职评价等次, the grade a deputy's yearly total earns

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-28 07:00:00.000000

A region's set of bands (好 ≥ 80, 较好 ≥ 60, 差 below) is in force in its subtree wherever no region
nearer the deputy has a set of its own; without any, the deployment's default written in code
(``backend/points/grades.py``), so the table starts empty. Grades are computed, never stored.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'grade_bands',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=8), nullable=False),
        sa.Column('min_points', sa.Integer(), nullable=True),
        sa.Column('updated_dt', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_grade_bands_region_id_regions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_bands')),
        sa.UniqueConstraint('region_id', 'label', name='uq_grade_bands_region_label'),
    )


def downgrade():
    op.drop_table('grade_bands')
