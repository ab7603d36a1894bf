import enum

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from ..db_types import UTCDateTime, str_enum, utcnow
from ..extensions import db
from ..org.models import Deputy, Region, Station
from ..suggestions.models import Satisfaction


class ActivityType(enum.StrEnum):
    reception = "reception"
    inspection = "inspection"
    research = "research"
    law_enforcement = "law_enforcement"
    training = "training"
    group = "group"
    meeting = "meeting"
    hearing = "hearing"
    volunteer = "volunteer"
    report = "report"
    other = "other"


ACTIVITY_TYPE_LABELS = {
    "reception": "接待选民", "inspection": "视察", "research": "调研", "law_enforcement": "执法检查",
    "training": "学习培训", "group": "代表小组活动", "meeting": "列席会议", "hearing": "听证旁听",
    "volunteer": "志愿服务", "report": "述职", "other": "其他",
}
# 签到方式 (API ``checkin_mode``; stored as ``Activity.screen_code_only``).
CHECKIN_MODE_LABELS = {"station_or_screen": "现场码或联络站码", "screen_only": "仅限现场动态码"}


def checkin_mode(activity):
    return "screen_only" if activity.screen_code_only else "station_or_screen"


# As a WeChat subscribe message's ``phrase`` value: at most five Chinese characters, nothing else.
ACTIVITY_TYPE_PHRASES = ACTIVITY_TYPE_LABELS | {"group": "小组活动"}


class ActivityStatus(enum.StrEnum):
    published = "published"  # 已发单
    closed = "closed"  # 已结单
    cancelled = "cancelled"  # 已取消


ACTIVITY_STATUS_LABELS = {"published": "已发单", "closed": "已结单", "cancelled": "已取消"}


class ParticipantStatus(enum.StrEnum):
    invited = "invited"  # 待接单
    accepted = "accepted"  # 已接单
    declined = "declined"  # 已请假
    checked_in = "checked_in"  # 已签到
    absent = "absent"  # 缺席


PARTICIPANT_STATUS_LABELS = {
    "invited": "待接单", "accepted": "已接单", "declined": "已请假", "checked_in": "已签到", "absent": "缺席",
}


class Activity(db.Model):
    """An activity dispatched to deputies (发单). ``version`` makes two concurrent closes collide."""

    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_station_window", "station_id", "starts_dt", "ends_dt"),
        Index("ix_activities_region_starts", "region_id", "starts_dt"),
        # 培训清单 (activities.training): the trainings of a period.
        Index("ix_activities_type_starts", "type", "starts_dt"),
        # The sweep's reminders (services.remind_upcoming): the published activities not yet reminded.
        Index("ix_activities_reminder_due", "starts_dt",
              postgresql_where=text("status = 'published' AND reminded_dt IS NULL"),
              sqlite_where=text("status = 'published' AND reminded_dt IS NULL")),
        # 可揭榜 (GET /activities?scope=open): the few published activities offering places, soonest first,
        # whatever a province's table holds.
        Index("ix_activities_open_slots", "starts_dt",
              postgresql_where=text("status = 'published' AND open_slots IS NOT NULL"),
              sqlite_where=text("status = 'published' AND open_slots IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    type: Mapped[ActivityType] = mapped_column(str_enum(ActivityType, "activity_type"))
    status: Mapped[ActivityStatus] = mapped_column(str_enum(ActivityStatus, "activity_status"), default=ActivityStatus.published)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    place: Mapped[str] = mapped_column(String(255), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    starts_dt: Mapped[object] = mapped_column(UTCDateTime)
    ends_dt: Mapped[object] = mapped_column(UTCDateTime)
    points: Mapped[int | None] = mapped_column(Integer)  # overrides the rulebook's points for its type
    # 揭榜: how many deputies may sign up themselves (an open research topic, a volunteer day), beside those
    # invited; None: by invitation only. Deputies of the activity's region and the regions below it, and those
    # received at its station, see it (GET /activities?scope=open) and claim a place (POST …/claim).
    open_slots: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    # 签到方式 仅限现场动态码: only the rotating code on the venue's screen (rotating.py) checks a deputy in;
    # a station's printed code (public, its position whatever the phone sends) is refused. API: checkin_mode.
    screen_code_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    closed_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    reminded_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    station: Mapped[Station | None] = relationship()
    region: Mapped[Region] = relationship()
    participants: Mapped[list["ActivityParticipant"]] = relationship(
        back_populates="activity", order_by="ActivityParticipant.deputy_id", cascade="all, delete-orphan"
    )
    # Never loaded whole: a city-wide plenary's record runs to thousands of lines. It is read a page at a
    # time (services.record_lines) and written line by line (services.record).
    events: WriteOnlyMapped["ActivityEvent"] = relationship(
        back_populates="activity", cascade="all, delete-orphan", passive_deletes=True
    )


class ActivityParticipant(db.Model):
    __tablename__ = "activity_participants"
    __table_args__ = (Index("ix_activity_participants_deputy", "deputy_id", "status"),)

    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), primary_key=True)
    status: Mapped[ParticipantStatus] = mapped_column(
        str_enum(ParticipantStatus, "participant_status"), default=ParticipantStatus.invited
    )
    decline_reason: Mapped[str] = mapped_column(String(500), default="")
    responded_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    checked_in_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    checkin_lat: Mapped[float | None] = mapped_column(Float)
    checkin_lng: Mapped[float | None] = mapped_column(Float)
    # 补签: the administrator who checked the deputy in by hand (their phone could not scan), and why;
    # None for a deputy's own scan.
    checkin_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checkin_note: Mapped[str] = mapped_column(String(200), default="")
    # 揭榜: the deputy signed up themselves for one of the activity's open places, rather than being invited.
    claimed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When an administrator invited the deputy (发单, 补充邀请); None for a 揭榜 claim (the deputy's own
    # choice) and for rows written before 0057. Invited once the activity had begun, they may take leave
    # until it ends (activities.services.decline: a start that has come never moves again, so this stays
    # decided); whether they were invited once its check-in window had closed is ``invited_afterwards``.
    invited_dt: Mapped[object | None] = mapped_column(UTCDateTime, default=utcnow)
    # Invited once the check-in window had closed (补录: an activity entered afterwards, its deputies told
    # nothing), as it stood when they were invited: 结单 marks no absence for them. Decided at the invitation,
    # so that moving or shortening the activity afterwards changes nobody's standing (0063).
    invited_afterwards: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # What a check-in (scan or 补签) earns at 结单, fixed when the line it earns by changes before 结单
    # (points.rulebook.set_line / reset_line, 0068): a change applies to points earned after it. NULL while
    # the line is unchanged since the check-in (or for none yet): 结单 resolves it then, to the same value.
    points_due: Mapped[int | None] = mapped_column(Integer)

    activity: Mapped[Activity] = relationship(back_populates="participants")
    deputy: Mapped[Deputy] = relationship()


class EventAction(enum.StrEnum):
    dispatched = "dispatched"  # 发单
    edited = "edited"  # 修改（改期、改地点、补充邀请、移出）
    cancelled = "cancelled"  # 取消活动
    closed = "closed"  # 结单
    checked_in_by_hand = "checked_in_by_hand"  # 补签
    accepted = "accepted"  # 代表接单
    declined = "declined"  # 代表请假
    checked_in = "checked_in"  # 代表扫码签到
    claimed = "claimed"  # 代表揭榜


EVENT_ACTION_LABELS = {
    "dispatched": "发单", "edited": "修改活动", "cancelled": "取消活动", "closed": "结单", "checked_in_by_hand": "补签",
    "accepted": "接单", "declined": "请假", "checked_in": "扫码签到", "claimed": "揭榜",
}
EVENT_ROLE_LABELS = {"station_admin": "联络站管理员", "region_admin": "人大工作人员", "deputy": "代表"}


class ActivityEvent(db.Model):
    """One line of the activity's record (台账): who did what to it, when, and the details in Chinese —
    the administrators' steps (发单, 修改, 取消, 结单, 补签) and the deputies' own (接单, 请假, 扫码签到).

    Written in the same transaction as the step; a step refused or one that changes nothing writes none.
    ``actor_name`` is the name at the time (an administrator's display name or username, a deputy's
    name); ``deputy_id`` is the deputy a step concerned (补签, and the deputies' own steps)."""

    __tablename__ = "activity_events"
    __table_args__ = (Index("ix_activity_events_activity", "activity_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    action: Mapped[EventAction] = mapped_column(str_enum(EventAction, "activity_event_action"))
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("deputies.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    activity: Mapped[Activity] = relationship(back_populates="events")


# --- 述职测评: the voters present rate each reporting deputy (activities.report_poll) --------------------


class ReportPollStatus(enum.StrEnum):
    draft = "draft"  # 未开始: being set up, no ballots taken
    open = "open"  # 测评中 (ballots are taken inside its window)
    closed = "closed"  # 已结束: the result is final


REPORT_POLL_STATUS_LABELS = {"draft": "未开始", "open": "测评中", "closed": "已结束"}


class ReportPollBallotMode(enum.StrEnum):
    open = "open"  # 扫码测评: any voter who scans the hall's code, one ballot per identity
    ticket = "ticket"  # 凭票测评: each ballot takes one of the one-time tickets handed out at the door


REPORT_POLL_BALLOT_MODE_LABELS = {"open": "扫码测评", "ticket": "凭票测评"}


class ReportPoll(db.Model):
    """述职测评 of one 述职 activity (one at most, by the unique ``activity_id``): the voters present rate
    each reporting deputy (``ReportPollDeputy``) 满意 / 基本满意 / 不满意. ``token`` is the random code in
    the printed QR's link (/report-poll/<token>): never the activity's id nor its rotating check-in code.
    Ballots are taken while open and ``starts_dt`` ≤ now < ``ends_dt``. Each end of the window either follows
    the activity (``starts_follow``: its start; ``ends_follow``: its end plus REPORT_POLL_GRACE_MINUTES,
    moved with it when the meeting is rescheduled) or was given by an administrator (kept as given).
    ``ballot_mode``: 扫码测评 (open: one ballot per identity) or 凭票测评 (ticket: one per ``ReportPollTicket``)."""

    __tablename__ = "report_polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[ReportPollStatus] = mapped_column(str_enum(ReportPollStatus, "report_poll_status"),
                                                     default=ReportPollStatus.draft)
    starts_dt: Mapped[object] = mapped_column(UTCDateTime)
    ends_dt: Mapped[object] = mapped_column(UTCDateTime)
    starts_follow: Mapped[bool] = mapped_column(Boolean, default=True, server_default=false())
    ends_follow: Mapped[bool] = mapped_column(Boolean, default=True, server_default=false())
    ballot_mode: Mapped[ReportPollBallotMode] = mapped_column(
        str_enum(ReportPollBallotMode, "report_poll_ballot_mode"), default=ReportPollBallotMode.open,
        server_default=ReportPollBallotMode.open.value)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    opened_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    closed_dt: Mapped[object | None] = mapped_column(UTCDateTime)

    activity: Mapped[Activity] = relationship()
    deputies: Mapped[list["ReportPollDeputy"]] = relationship(
        order_by="(ReportPollDeputy.position, ReportPollDeputy.deputy_id)", cascade="all, delete-orphan")


class ReportPollDeputy(db.Model):
    """A deputy rated in a poll (one of the activity's participants), in the order the ballot lists them."""

    __tablename__ = "report_poll_deputies"
    __table_args__ = (Index("ix_report_poll_deputies_deputy", "deputy_id"),)

    poll_id: Mapped[int] = mapped_column(ForeignKey("report_polls.id", ondelete="CASCADE"), primary_key=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    deputy: Mapped[Deputy] = relationship()


class ReportPollTicket(db.Model):
    """A one-time ballot ticket of a 凭票测评 poll, handed out at the door: its code is printed once (the
    sheet the console generates) and kept only as a digest (``one_time_codes.digest``), unique in its poll."""

    __tablename__ = "report_poll_tickets"
    __table_args__ = (UniqueConstraint("poll_id", "code_hash", name="uq_report_poll_tickets_poll_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("report_polls.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)


class ReportPollBallot(db.Model):
    """One voter's ballot (a WeChat citizen or a phone browser's identity): once per poll, by the database;
    in a 凭票测评 poll, also once per ticket (``ticket_id``, unique: of two phones sending one ticket at
    once, one ballot is written). ``comment`` is shown to the activity's administrators only, never published."""

    __tablename__ = "report_poll_ballots"
    __table_args__ = (UniqueConstraint("poll_id", "voter_id", name="uq_report_poll_ballots_poll_voter"),
                      Index("uq_report_poll_ballots_ticket", "ticket_id", unique=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("report_polls.id", ondelete="CASCADE"))
    voter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("report_poll_tickets.id", ondelete="CASCADE"))
    comment: Mapped[str] = mapped_column(String(200), default="")
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)


class ReportPollChoice(db.Model):
    """A ballot's rating of one deputy; the poll is repeated here so that results are one grouped read."""

    __tablename__ = "report_poll_choices"
    __table_args__ = (Index("ix_report_poll_choices_poll_deputy", "poll_id", "deputy_id", "choice"),
                      Index("ix_report_poll_choices_deputy", "deputy_id"))

    ballot_id: Mapped[int] = mapped_column(ForeignKey("report_poll_ballots.id", ondelete="CASCADE"), primary_key=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("report_polls.id", ondelete="CASCADE"))
    choice: Mapped[Satisfaction] = mapped_column(str_enum(Satisfaction, "report_poll_choice"))
