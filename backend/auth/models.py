from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import UTCDateTime, utcnow
from ..extensions import db
from ..org.models import Deputy, Region, Station, station_admins


class User(db.Model):
    """Anyone who signs in: a WeChat citizen, a deputy bound by phone, or an administrator.

    Roles are not stored as flags; they follow from what the user is linked to (see ``roles``),
    so a deputy who leaves office or an admin moved to another station loses the role at once.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    # A citizen who scanned outside WeChat: SHA-256 (hex) of the secret key their browser keeps (auth/web).
    web_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(64), default="")
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("deputies.id"), unique=True)
    # Set for a region administrator: the subtree they manage. The root region's admin is the super admin.
    admin_region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    # Bumped to invalidate every token issued before (password change, account disabled).
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    last_login_dt: Mapped[object | None] = mapped_column(UTCDateTime)

    deputy: Mapped[Deputy | None] = relationship()
    admin_region: Mapped[Region | None] = relationship()
    admin_stations: Mapped[list[Station]] = relationship(
        secondary=station_admins, back_populates="admins", order_by="Station.id"
    )

    @property
    def roles(self):
        roles = []
        if self.openid or self.web_id:
            roles.append("citizen")
        if self.deputy is not None and self.deputy.active:
            roles.append("deputy")
        if self.admin_stations:
            roles.append("station_admin")
        if self.admin_region_id is not None:
            roles.append("region_admin")
        return roles

    @property
    def is_admin(self):
        return self.admin_region_id is not None or bool(self.admin_stations)

    @property
    def phone_masked(self):
        if not self.phone:
            return None
        return self.phone[:3] + "****" + self.phone[-4:] if len(self.phone) >= 7 else "****"
