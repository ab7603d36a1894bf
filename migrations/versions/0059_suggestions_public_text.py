"""suggestions: the public text an administrator approved, or why the item is not published (不予公开)

Revision ID: 0059
Revises: 0058
Create Date: 2026-11-29 07:00:00

The public pages show a closed item's words with personal data removed automatically (``redact``), which
can miss a name. An administrator of the item may now write the words to publish (``public_content``,
``public_reply``: shown instead of the citizen's and the deputy's, redacted again on the way out), or keep
the item off every public page with a reason (``public_withheld_reason``). Nullable columns: every item so
far has none (null: the automatic redaction, published as before); runs at any hour.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0059'
down_revision = '0058'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('suggestions', sa.Column('public_content', sa.Text(), nullable=True))
    op.add_column('suggestions', sa.Column('public_reply', sa.Text(), nullable=True))
    op.add_column('suggestions', sa.Column('public_withheld_reason', sa.Text(), nullable=True))


def downgrade():
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+), not a batch: a batch rebuilds the table on SQLite and
    # loses the indexes it cannot reflect, 0050's expression index on the contact phone among them.
    op.drop_column('suggestions', 'public_withheld_reason')
    op.drop_column('suggestions', 'public_reply')
    op.drop_column('suggestions', 'public_content')
