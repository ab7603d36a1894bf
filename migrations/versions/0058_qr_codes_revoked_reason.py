"""qr_codes.revoked_reason: why a code was revoked, when it says

Revision ID: 0058
Revises: 0057
Create Date: 2026-11-29 06:10:00

'left_office' for a deputy's code revoked as they left office (离任): restored to office, the deputy gets
it back and their printed posters work again. NULL for every existing row (a code revoked before this
revision stays revoked: nobody can tell now why it was) and for a code an administrator stopped or
replaced. A nullable column without a default is a change of the catalogue alone on PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0058'
down_revision = '0057'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('qr_codes', sa.Column('revoked_reason', sa.String(length=20), nullable=True))


def downgrade():
    op.drop_column('qr_codes', 'revoked_reason')
