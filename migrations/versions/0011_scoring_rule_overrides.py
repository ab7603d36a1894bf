"""scoring_rule_overrides: each congress's own lines of the rulebook (代表履职评分细则)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 19:10:00.000000

``scoring_rules`` stays the deployment's rulebook (the root region's). A region's administrators may
set a line of their own; it is in force in their region's subtree wherever no region nearer the
deputy has set that line (``backend/points/rulebook.py``).

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scoring_rule_overrides',
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('label', sa.String(length=64), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('yearly_cap', sa.Integer(), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('updated_dt', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['code'], ['scoring_rules.code'], name=op.f('fk_scoring_rule_overrides_code_scoring_rules')),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_scoring_rule_overrides_region_id_regions')),
        sa.PrimaryKeyConstraint('region_id', 'code', name=op.f('pk_scoring_rule_overrides')),
    )


def downgrade():
    op.drop_table('scoring_rule_overrides')
