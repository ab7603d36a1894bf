"""立法意见征集 through 基层立法联系点: a congress with legislative power (a province's or a city's,
domain.md) publishes a draft local regulation (地方性法规草案) for comment; citizens who scan a
station's code (一站一码) — the station acting as a 基层立法联系点 — and deputies read it article by
article and give their opinion; the congress's administrators answer each opinion (反馈: 采纳, 部分采纳
or 未采纳) and export them all.

A consultation (``Consultation``) goes 草稿 → 征集中 → 已结束: edited only as a draft; opened by an
administrator; closed by one (early too) or by the sweep once its window has ended. Its text is kept as
numbered articles (``ConsultationArticle``: 第一条…, in order); an opinion may name one of them.
"""
import enum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import UTCDateTime, str_enum, utcnow
from ..extensions import db
from ..org.models import Region


class ConsultationStatus(enum.StrEnum):
    draft = "draft"  # 草稿
    open = "open"  # 征集中
    closed = "closed"  # 已结束


CONSULTATION_STATUS_LABELS = {"draft": "草稿", "open": "征集中", "closed": "已结束"}


class OpinionKind(enum.StrEnum):
    citizen = "citizen"  # 群众意见
    deputy = "deputy"  # 代表意见


OPINION_KIND_LABELS = {"citizen": "群众", "deputy": "人大代表"}


class Feedback(enum.StrEnum):
    adopted = "adopted"  # 采纳
    partly = "partly"  # 部分采纳
    declined = "declined"  # 未采纳


FEEDBACK_LABELS = {"adopted": "采纳", "partly": "部分采纳", "declined": "未采纳"}


class Consultation(db.Model):
    """A draft regulation put out for comment by one congress (``region``: a province or a city)."""

    __tablename__ = "consultations"
    __table_args__ = (Index("ix_consultations_region_status", "region_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    title: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text, default="")  # 起草说明
    # What the last cut of the pasted text left out (its 说明, its signature), said in Chinese; None: nothing.
    text_left_out: Mapped[str | None] = mapped_column(Text)
    starts_dt: Mapped[object] = mapped_column(UTCDateTime)
    ends_dt: Mapped[object] = mapped_column(UTCDateTime)
    status: Mapped[ConsultationStatus] = mapped_column(str_enum(ConsultationStatus, "consultation_status"),
                                                       default=ConsultationStatus.draft)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    opened_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    closed_dt: Mapped[object | None] = mapped_column(UTCDateTime)

    region: Mapped[Region] = relationship()
    articles: Mapped[list["ConsultationArticle"]] = relationship(
        back_populates="consultation", order_by="ConsultationArticle.position", cascade="all, delete-orphan")


class ConsultationArticle(db.Model):
    """One article of the draft: its number as the text says it (第十二条) and its words, in order."""

    __tablename__ = "consultation_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)

    consultation: Mapped[Consultation] = relationship(back_populates="articles")


class ConsultationOpinion(db.Model):
    """An opinion on a draft, by a citizen or a deputy (``kind``), on one article or on the whole; the
    administrators' answer (``feedback``) once given. ``phone`` is shown to those administrators only."""

    __tablename__ = "consultation_opinions"
    __table_args__ = (Index("ix_consultation_opinions_consultation_article", "consultation_id", "article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_articles.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[OpinionKind] = mapped_column(str_enum(OpinionKind, "consultation_opinion_kind"))
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("deputies.id"))
    content: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(20))
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    feedback: Mapped[Feedback | None] = mapped_column(str_enum(Feedback, "consultation_feedback"))
    feedback_note: Mapped[str] = mapped_column(String(500), default="")
    feedback_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    feedback_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    consultation: Mapped[Consultation] = relationship()
    article: Mapped[ConsultationArticle | None] = relationship()
