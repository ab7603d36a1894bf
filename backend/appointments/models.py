"""约见代表: a citizen who scanned a deputy's or a station's code asks to meet a deputy in person."""
import enum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..activities.models import Activity
from ..auth.models import User
from ..db_types import UTCDateTime, str_enum, utcnow
from ..extensions import db
from ..org.models import Deputy, Region, Station


class AppointmentStatus(enum.StrEnum):
    requested = "requested"  # 待确认: the citizen asked; the deputy or the station has not answered
    confirmed = "confirmed"  # 已确认: a time and place are set (and may be set again: 改约)
    declined = "declined"  # 已婉拒: the deputy or the station said no, with a reason
    cancelled = "cancelled"  # 已取消: the citizen withdrew the request
    completed = "completed"  # 已接待: the meeting took place


APPOINTMENT_STATUS_LABELS = {
    "requested": "待确认", "confirmed": "已确认", "declined": "已婉拒", "cancelled": "已取消", "completed": "已接待",
}


class Appointment(db.Model):
    """One request to meet. Through a deputy's code it is that deputy's (and waits at their station, as
    a filing does); through a station's code it is the station's, whose staff arrange which deputy
    receives the citizen. ``version`` makes two concurrent answers collide, so exactly one wins."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index("ix_appointments_deputy_status", "deputy_id", "status", "id"),
        Index("ix_appointments_station_status", "station_id", "status", "id"),
        Index("ix_appointments_citizen", "citizen_id", "id"),
        Index("ix_appointments_region_created", "region_id", "created_dt"),
        # A reception day's requests, read when the day is edited, retyped or cancelled (services.open_on_day,
        # _on_day; migration 0070).
        Index("ix_appointments_activity_status", "activity_id", "status",
              postgresql_where=text("activity_id IS NOT NULL"), sqlite_where=text("activity_id IS NOT NULL")),
        # The sweep's two reminders read only the few rows still due one (services.remind_*).
        Index("ix_appointments_awaiting_answer", "created_dt",
              postgresql_where=text("status = 'requested' AND reminded_dt IS NULL"),
              sqlite_where=text("status = 'requested' AND reminded_dt IS NULL")),
        Index("ix_appointments_meeting_ahead", "meet_dt",
              postgresql_where=text("status = 'confirmed' AND meet_reminded_dt IS NULL"),
              sqlite_where=text("status = 'confirmed' AND meet_reminded_dt IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("deputies.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    # A reception day (接待选民 activity) the citizen chose from the plan, if any.
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    topic: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(20), default="")  # how to address the citizen (王先生)
    contact_phone: Mapped[str] = mapped_column(String(20))
    preferred_time: Mapped[str] = mapped_column(String(100), default="")

    status: Mapped[AppointmentStatus] = mapped_column(
        str_enum(AppointmentStatus, "appointment_status"), default=AppointmentStatus.requested)
    meet_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(255), default="")
    # The answer's words: the confirmation's note, the reason for declining or cancelling, the meeting's record.
    answer: Mapped[str] = mapped_column(String(500), default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_by_name: Mapped[str] = mapped_column(String(100), default="")
    answered_by_role: Mapped[str] = mapped_column(String(16), default="")  # citizen, deputy or staff
    answered_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    # The sweep's reminders, each sent once: of a request left unanswered, and of the meeting ahead
    # (cleared when the meeting is moved, so that the new time is reminded too).
    reminded_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    meet_reminded_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    citizen: Mapped[User] = relationship(foreign_keys=[citizen_id])
    deputy: Mapped[Deputy | None] = relationship()
    station: Mapped[Station | None] = relationship()
    region: Mapped[Region] = relationship()
    activity: Mapped[Activity | None] = relationship()

    @property
    def status_label(self):
        return APPOINTMENT_STATUS_LABELS[self.status.value]
