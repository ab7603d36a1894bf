"""suggestion_followers.via_merge: the follow was made by a merge (the follower's duplicate, or one they followed,
was merged into the item). Such a follower reads the item's follower view whatever its citizen's consent to
publication says (workflow.follow_kind); one who chose it from /suggestions/nearby reads it only while it is
published.

Revision ID: 0066
Revises: 0065
Create Date: 2026-11-29 10:00:00

Backfilled: a follow of an item that a duplicate filed or followed by the same user was merged into.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0066'
down_revision = '0065'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('suggestion_followers', sa.Column('via_merge', sa.Boolean(), nullable=False,
                                                    server_default=sa.false()))
    op.execute(sa.text(
        "UPDATE suggestion_followers SET via_merge = :yes WHERE EXISTS ("
        " SELECT 1 FROM suggestions s WHERE s.merged_into_id = suggestion_followers.suggestion_id"
        " AND (s.citizen_id = suggestion_followers.user_id OR EXISTS ("
        "  SELECT 1 FROM suggestion_followers f WHERE f.suggestion_id = s.id"
        "  AND f.user_id = suggestion_followers.user_id)))"
    ).bindparams(yes=True))


def downgrade():
    op.drop_column('suggestion_followers', 'via_merge')
