from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime
from ..extensions import db


class ServiceToken(db.Model):
    """A credential shared by every app server, e.g. the WeChat access token."""

    __tablename__ = "service_tokens"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(1024))
    expires_dt: Mapped[object] = mapped_column(UTCDateTime)
