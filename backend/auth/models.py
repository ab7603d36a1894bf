from sqlalchemy import Boolean, ForeignKey, Integer, String, exists, false, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from ..db_types import UTCDateTime, utcnow
from ..extensions import db
from ..org.models import Deputy, Region, Station, station_admins


def roles_from(*, citizen, deputy, station_admin, region_admin):
    """The roles a user holds, always in this order; the one rule for User.roles and auth.scope.Caller."""
    held = (("citizen", citizen), ("deputy", deputy), ("station_admin", station_admin), ("region_admin", region_admin))
    return [role for role, has in held if has]


def mask_phone(phone):
    """A phone number as the product shows it to staff and in its logs: 138****5678 (None stays None)."""
    if not phone:
        return None
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


def administered_station_ids(user_id):
    """Ids of the stations ``user_id`` administers (one small query)."""
    return frozenset(db.session.scalars(select(station_admins.c.station_id).where(station_admins.c.user_id == user_id)))


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
    # An administrator account disabled by another administrator (已停用): it cannot sign in, and its
    # token_version was bumped so that its sessions and tokens ended (auth.accounts).
    disabled_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    # Its password was set by another administrator (a new account, a reset: 初始密码): until its owner changes
    # it, the console shows only 修改密码 and the API answers 403 password_change_required (auth.scope).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A console account (no openid of its own): the mini-program user its WeChat reminders go to,
    # linked by scanning a one-time code (auth.wechat_link).
    notify_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # A citizen who cancelled their account (注销, auth.erasure): the row stays, stripped of everything that
    # identified them, so that the items they filed keep their filer as an anonymous 群众.
    erased_dt: Mapped[object | None] = mapped_column(UTCDateTime)

    deputy: Mapped[Deputy | None] = relationship()
    notify_user: Mapped["User | None"] = relationship(remote_side=[id])
    admin_region: Mapped[Region | None] = relationship()
    admin_stations: Mapped[list[Station]] = relationship(
        secondary=station_admins, back_populates="admins", order_by="Station.id"
    )
    # Read with the signed-in user in the same SELECT (see auth.scope.load_current_user), so that
    # deciding the caller's roles costs no query of its own; deferred everywhere else.
    manages_any_station: Mapped[bool] = column_property(
        exists().where(station_admins.c.user_id == id), deferred=True
    )

    @property
    def roles(self):
        return roles_from(
            citizen=bool(self.openid or self.web_id),
            deputy=self.deputy is not None and self.deputy.active,
            station_admin=self.is_station_admin,
            region_admin=self.admin_region_id is not None,
        )

    @property
    def is_station_admin(self):
        # The list once this session has loaded it (it may have just been changed), else the flag.
        if "admin_stations" in self.__dict__ or "manages_any_station" not in self.__dict__:
            return bool(self.admin_stations)
        return self.manages_any_station

    @property
    def admin_station_ids(self):
        """Ids of the stations this user administers; one small query, remembered for the request."""
        if "admin_stations" in self.__dict__:
            return frozenset(s.id for s in self.admin_stations)
        if not self.is_station_admin:
            return frozenset()
        if "_admin_station_ids" not in self.__dict__:
            self.__dict__["_admin_station_ids"] = administered_station_ids(self.id)
        return self.__dict__["_admin_station_ids"]

    @property
    def is_admin(self):
        return self.admin_region_id is not None or self.is_station_admin

    @property
    def deputy_name(self):
        return self.deputy.name if self.deputy is not None else None

    @property
    def phone_masked(self):
        return mask_phone(self.phone)


class WeChatLinkCode(db.Model):
    """A console account's one-time code for linking a WeChat user to receive its reminders.

    Only the code's SHA-256 is kept; at most one code per account (a new one replaces the last).
    """

    __tablename__ = "wechat_link_codes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_dt: Mapped[object] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    used_dt: Mapped[object | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class DeputyUnboundUser(db.Model):
    """A WeChat user an administrator unbound from a deputy (解除绑定): it may not prove the deputy's number
    again (``auth.services.bind_phone``) until an administrator allows it (允许重新绑定) or corrects the
    deputy's phone. Another WeChat user proving the number is bound as ever.

    ``openid_sha256``: the unbound user's WeChat openid, hashed, so that the refusal outlives the user's 注销
    (which clears the openid: signing in again makes a new user) — kept until the refusal is lifted."""

    __tablename__ = "deputy_unbound_users"

    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    openid_sha256: Mapped[str | None] = mapped_column(String(64))
    unbound_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
