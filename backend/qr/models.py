import enum

from sqlalchemy import Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, str_enum, utcnow
from ..extensions import db


class QRKind(enum.StrEnum):
    deputy = "deputy"
    station = "station"
    activity = "activity"


class QRCode(db.Model):
    """A printed code. ``code`` is random and carries no database id; at most one live code per target."""

    __tablename__ = "qr_codes"
    __table_args__ = (
        Index(
            "uq_qr_codes_live_target",
            "target_kind",
            "target_id",
            unique=True,
            sqlite_where=text("revoked_dt IS NULL"),
            postgresql_where=text("revoked_dt IS NULL"),
        ),
        # Every code of a target, live or revoked: its latest, which restore_many gives back (migration 0060).
        Index("ix_qr_codes_target", "target_kind", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    target_kind: Mapped[QRKind] = mapped_column(str_enum(QRKind, "qr_kind"))
    target_id: Mapped[int] = mapped_column(Integer)
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    revoked_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    # Why, when it says: LEFT_OFFICE — its deputy left office (离任), and restored to office gets it back
    # (services.restore_many); None — an administrator stopped (停用) or replaced (更换) it, or before 0058.
    revoked_reason: Mapped[str | None] = mapped_column(String(20))

    @property
    def revoked(self):
        return self.revoked_dt is not None


LEFT_OFFICE = "left_office"


def _live_qr_relationship(model, kind):
    from sqlalchemy import and_
    from sqlalchemy.orm import foreign, relationship

    return relationship(
        QRCode,
        primaryjoin=lambda: and_(
            foreign(QRCode.target_id) == model.id,
            QRCode.target_kind == kind,
            QRCode.revoked_dt.is_(None),
        ),
        viewonly=True,
        uselist=False,
        lazy="selectin",
    )


def _attach_live_qr():
    from ..org.models import Deputy, Station

    Station.live_qr = _live_qr_relationship(Station, QRKind.station)
    Deputy.live_qr = _live_qr_relationship(Deputy, QRKind.deputy)


_attach_live_qr()
