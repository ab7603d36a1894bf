from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db

# WeChat's image screening (mediaCheckAsync) of a photo, see uploads/screening.py:
#   pending  — not yet submitted (or the last submission failed: retried at screen_next_dt)
#   checking — submitted; WeChat pushes the result for trace_id (resubmitted if none by screen_next_dt)
#   pass / review — WeChat's verdict: the photo shows to whoever may see its suggestion
#   risky    — WeChat flagged it: shown to administrators only, the suggestion held for review
#   manual   — WeChat would not screen it (no openid, or it never answered): held for an administrator
#   released — an administrator reviewed it and released its suggestion
SHOWN_SCREENINGS = frozenset({"pass", "review", "released"})
SCREENING_LABELS = {
    "pending": "待检测", "checking": "检测中", "pass": "已通过", "review": "已通过", "risky": "未通过检测",
    "manual": "待人工审核", "released": "已人工放行",
}


class Upload(db.Model):
    """A photo a user uploaded; attached to at most one suggestion. ``key`` names it in storage and URLs."""

    __tablename__ = "uploads"
    __table_args__ = (Index("ix_uploads_screening_due", "screening", "screen_next_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    suggestion_id: Mapped[int | None] = mapped_column(ForeignKey("suggestions.id"), index=True)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    screening: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    trace_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    screen_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    screen_next_dt: Mapped[object | None] = mapped_column(UTCDateTime)

    @property
    def shown(self):
        """Whether the photo may show beyond its uploader and the administrators."""
        return self.screening in SHOWN_SCREENINGS
