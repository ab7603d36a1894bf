"""调研清单 (揭榜式调研): research topics a congress offers, the teams of deputies who take them (揭榜领题)
and the reports they write (调研报告), reviewed and sometimes instructed on by a leader (领导批示).

Qingdao's standing committee published 96 reference topics (参考课题) over themes such as 产业发展、城市更新、
数字经济、乡村振兴; deputies and deputy groups took them, and over the year 251 reports were written, 19 of
which received leaders' written instructions and informed decisions.

A ``ResearchTopic`` is published by the administrators of a region that has a people's congress; a
``ResearchTeam`` is one lead deputy and the members they name (``ResearchTeamMember``, the lead among
them); each team writes at most one ``ResearchReport``, resubmitted in place when it is returned.
"""
import enum
from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import CHINA, UTCDateTime, str_enum, utcnow
from ..extensions import db
from ..org.models import Deputy, Region


class TopicStatus(enum.StrEnum):
    draft = "draft"  # 草稿
    published = "published"  # 已发布
    withdrawn = "withdrawn"  # 已撤回


TOPIC_STATUS_LABELS = {"draft": "草稿", "published": "已发布", "withdrawn": "已撤回"}


class TeamStatus(enum.StrEnum):
    active = "active"  # 已领题
    abandoned = "abandoned"  # 已放弃
    withdrawn = "withdrawn"  # 课题已撤回: its topic was withdrawn


TEAM_STATUS_LABELS = {"active": "已领题", "abandoned": "已放弃", "withdrawn": "课题已撤回"}


class ReportStatus(enum.StrEnum):
    submitted = "submitted"  # 待审核
    returned = "returned"  # 退回修改
    accepted = "accepted"  # 已通过


REPORT_STATUS_LABELS = {"submitted": "待审核", "returned": "退回修改", "accepted": "已通过"}


class ResearchTopic(db.Model):
    """A reference research topic (参考课题) of ``region``'s congress for ``year``. ``teams_taken`` counts its
    active teams: the conditional UPDATE that raises it is what keeps ``max_teams`` however many take the
    topic at once."""

    __tablename__ = "research_topics"
    __table_args__ = (Index("ix_research_topics_region_year", "region_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(100))
    theme: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    due_date: Mapped[date | None] = mapped_column(Date)
    max_teams: Mapped[int | None] = mapped_column(Integer)
    teams_taken: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[TopicStatus] = mapped_column(str_enum(TopicStatus, "research_topic_status"), default=TopicStatus.draft)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    published_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    withdrawn_dt: Mapped[object | None] = mapped_column(UTCDateTime)

    region: Mapped[Region] = relationship()

    @property
    def status_label(self):
        return TOPIC_STATUS_LABELS[self.status.value]


class ResearchTeam(db.Model):
    """A team that took a topic (领题): its lead deputy, an optional name (a deputy group's: 第三代表小组),
    and its members (``ResearchTeamMember``, the lead included). 放弃领题 keeps the row as ``abandoned``; a topic
    withdrawn leaves its teams ``withdrawn``."""

    __tablename__ = "research_teams"
    __table_args__ = (Index("ix_research_teams_topic_status", "topic_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("research_topics.id"))
    lead_deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), index=True)
    group_name: Mapped[str] = mapped_column(String(50), default="")
    status: Mapped[TeamStatus] = mapped_column(str_enum(TeamStatus, "research_team_status"), default=TeamStatus.active)
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    abandoned_dt: Mapped[object | None] = mapped_column(UTCDateTime)

    topic: Mapped[ResearchTopic] = relationship()
    lead: Mapped[Deputy] = relationship()
    members: Mapped[list["ResearchTeamMember"]] = relationship(
        back_populates="team", order_by="(ResearchTeamMember.is_lead.desc(), ResearchTeamMember.id)")
    report: Mapped["ResearchReport | None"] = relationship(back_populates="team", uselist=False)

    @property
    def status_label(self):
        return TEAM_STATUS_LABELS[self.status.value]


class ResearchTeamMember(db.Model):
    """A deputy on a team. ``active`` while the team is: a deputy is on at most one active team per topic
    (the partial unique index), so that two requests at once cannot put them on two. A member who left the
    team (退出团队) keeps their row, inactive, with ``left_dt``."""

    __tablename__ = "research_team_members"
    __table_args__ = (
        UniqueConstraint("team_id", "deputy_id", name="uq_research_team_members_team_deputy"),
        Index("uq_research_team_members_topic_deputy_active", "topic_id", "deputy_id", unique=True,
              sqlite_where=text("active"), postgresql_where=text("active")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("research_teams.id"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("research_topics.id"))
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), index=True)
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    left_dt: Mapped[object | None] = mapped_column(UTCDateTime)

    team: Mapped[ResearchTeam] = relationship(back_populates="members")
    deputy: Mapped[Deputy] = relationship()


class ResearchReport(db.Model):
    """A team's research report (调研报告), one per team: submitted, then accepted (通过) or returned (退回修改,
    with a reason) and resubmitted in place (``round`` counts the submissions). An accepted report may
    carry a leader's written instruction (领导批示): who, the day, what they wrote."""

    __tablename__ = "research_reports"
    __table_args__ = (Index("ix_research_reports_topic_status", "topic_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("research_teams.id"), unique=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("research_topics.id"))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[ReportStatus] = mapped_column(str_enum(ReportStatus, "research_report_status"))
    round: Mapped[int] = mapped_column(Integer, default=1)
    submitted_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    return_reason: Mapped[str] = mapped_column(String(500), default="")
    instructed_by: Mapped[str] = mapped_column(String(50), default="")
    instruction_date: Mapped[date | None] = mapped_column(Date)
    instruction_text: Mapped[str] = mapped_column(String(1000), default="")
    instruction_recorded_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    instruction_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    team: Mapped[ResearchTeam] = relationship(back_populates="report")
    topic: Mapped[ResearchTopic] = relationship()
    photos: Mapped[list["ResearchReportPhoto"]] = relationship(order_by="ResearchReportPhoto.position")

    @property
    def status_label(self):
        return REPORT_STATUS_LABELS[self.status.value]

    @property
    def instructed(self):
        return self.instruction_date is not None

    @property
    def late(self):
        """逾期提交: submitted (its latest submission) after the topic's due date, China time."""
        due = self.topic.due_date
        return due is not None and self.submitted_dt.astimezone(CHINA).date() > due


class ResearchReportPhoto(db.Model):
    """A photo (an upload of the lead's) attached to a report; each upload to one report at most, and never
    to a suggestion as well."""

    __tablename__ = "research_report_photos"
    __table_args__ = (UniqueConstraint("upload_id", name="uq_research_report_photos_upload"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("research_reports.id"), index=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    upload = relationship("Upload")
