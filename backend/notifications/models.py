from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db

# A template id WeChat does not know (40037; 40036 not even of a template id's length): see outbox.TEMPLATE_ERRCODES.
TEMPLATE_REFUSED_ERRCODES = (40036, 40037)  # five digits each: substr(last_error, 1, 6) below is one and its space
# The messages waiting for such a template id to be corrected: the health check's ``refused_templates``
# (outbox.refused_template_waiting). Literal SQL, the same text in the query and in the partial index's
# WHERE (ix_outbox_messages_template_refused, migration 0071), so that the planner proves the index serves
# the query whatever the plan cache does with parameters; substr, not LIKE: no '%' for the drivers to take
# for a placeholder.
REFUSED_TEMPLATE_WAITING = "status = 'pending' AND substr(last_error, 1, 6) IN ({})".format(
    ", ".join(f"'{errcode} '" for errcode in TEMPLATE_REFUSED_ERRCODES))


class OutboxMessage(db.Model):
    """A message to send, written in the same transaction as the change that causes it.

    ``status``: pending → sent | refused (43101: the user gave no consent; not retried) | skipped (live with no
    id for its template in WECHAT_TEMPLATES yet; not retried) | failed
    (WeChat would not take it, or could not be reached for days). ``dedupe_key`` makes "notify once" a
    database guarantee.

    Each row is also the notice in the user's 消息中心 (``center``), whatever WeChat answered: ``read_dt``
    is when the user read it there (None: unread).
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_due", "status", "next_attempt_dt"),
        # A user's messages newest first (消息中心), and the sweep's look for a user's earlier pending one.
        Index("ix_outbox_messages_user_newest", "user_id", "id"),
        # The unread badge: one count over the user's unread rows alone, however many they have read.
        Index("ix_outbox_messages_unread", "user_id", postgresql_where=text("read_dt IS NULL"),
              sqlite_where=text("read_dt IS NULL")),
        # The messages whose keys start with a prefix (注销's look among every message ever sent, outbox
        # ``_key_starts``): LIKE 'prefix%' on PostgreSQL, in byte order whatever the database's collation.
        # SQLite has none: a range over the unique key's own index serves it there (migration 0038).
        # A deputy's notices by the deputy: those held while no WeChat user is bound as them (user_id NULL), for
        # the next one to bind (``handover.hold_for_deputy``), and those that moved with them since.
        Index("ix_outbox_messages_deputy", "deputy_id", postgresql_where=text("deputy_id IS NOT NULL"),
              sqlite_where=text("deputy_id IS NOT NULL")),
        # The health check's count of the messages waiting for a refused template id, by template: over those
        # rows alone, not every pending one (a backlog while WeChat is unreachable is 100,000s).
        Index("ix_outbox_messages_template_refused", "template", postgresql_where=text(REFUSED_TEMPLATE_WAITING),
              sqlite_where=text(REFUSED_TEMPLATE_WAITING)),
        Index("ix_outbox_messages_dedupe_prefix", "dedupe_key", postgresql_ops={"dedupe_key": "varchar_pattern_ops"},
              info={"compare": False}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The deputy a notice was sent to as such, once it outlived a binding (moved to a new WeChat user, or
    # held with no user: ``handover``); NULL for every other notice, whose key tells its addressee.
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("deputies.id"))
    template: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict] = mapped_column(JSON)
    page: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    sent_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    read_dt: Mapped[object | None] = mapped_column(UTCDateTime)
