"""outbox_messages: the index of the messages waiting for a template id WeChat refused

Revision ID: 0071
Revises: 0070
Create Date: 2026-11-29 16:30:00

The health check (asked every few seconds by each load balancer of each app server), the sweep and the root
administrators' 工作台 count the messages waiting for a template id WeChat refused (40036/40037), by template
(``outbox.refused_template_waiting``). ``ix_outbox_messages_due`` served only ``status = 'pending'``: each count
read every pending message, the whole backlog while WeChat is unreachable (PostgreSQL, 300,000 pending of 1.5
million: 46 ms, a parallel scan). ``ix_outbox_messages_template_refused`` (template), partial on exactly those
rows, counts them alone (0.4 ms, an index-only scan). Its predicate is the query's literal text
(``models.REFUSED_TEMPLATE_WAITING``), frozen here.

On PostgreSQL it is built CONCURRENTLY, outside a transaction (``online``), as 0070 does. The offline
script and SQLite build it plainly.
"""

import online


# revision identifiers, used by Alembic.
revision = '0071'
down_revision = '0070'
branch_labels = None
depends_on = None

NAME = 'ix_outbox_messages_template_refused'


def upgrade():
    online.create_indexes({NAME: "outbox_messages (template) WHERE status = 'pending' AND "
                                 "substr(last_error, 1, 6) IN ('40036 ', '40037 ')"})


def downgrade():
    online.drop_indexes([NAME])
