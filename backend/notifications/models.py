from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db


class OutboxMessage(db.Model):
    """A message to send, written in the same transaction as the change that causes it.

    ``status``: pending → sent | refused (43101: the user gave no consent; not retried) | failed
    (WeChat would not take it, or could not be reached for days). ``dedupe_key`` makes "notify once" a
    database guarantee.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    template: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict] = mapped_column(JSON)
    page: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    sent_dt: Mapped[object | None] = mapped_column(UTCDateTime)
