"""民生实事项目代表票决制 (domain.md: 群众下单, 代表定单, then supervised and evaluated).

A round (``LivelihoodVote``) belongs to one congress, a region: its candidate projects are put to the
deputies in office of that congress, who each cast one ballot covering every candidate. The electorate
is fixed when voting opens: a ballot row is written for each elector then, with no cast time; casting
fills the time in (once: the row is updated only while it has none). So the count the majority is
reckoned on (全体代表过半数, of the deputies in office at the opening) does not move with later roster
changes, and a deputy who takes office later gets no ballot; an elector who leaves office after the
opening keeps their row but may not cast it while out of office (counted as one who did not vote).

The ballot is secret (无记名投票), in the database too: a ballot adds one to each candidate's running
tally of 赞成, 反对 or 弃权 and keeps nothing of its choices, so no row says how a deputy voted — the
ballot row says only that they did. What is shown, when:

* while voting is open: the electorate (who may vote, and who has left office since) and how many have
  voted — not who has (else an administrator could watch a deputy vote and close the round at once, and
  the tallies would be that deputy's choices);
* once closed: who voted (the attendance record) and the tallies and result — unless fewer than
  ``services.MIN_BALLOTS`` voted: then the round is void (票决无效), its tallies are erased, none is
  shown and nothing is adopted.
"""
import enum

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import UTCDateTime, str_enum, utcnow
from ..extensions import db
from ..org.models import Region


class VoteStatus(enum.StrEnum):
    draft = "draft"  # 草稿: candidates being put together
    voting = "voting"  # 投票中
    closed = "closed"  # 已结束: the result is stored


VOTE_STATUS_LABELS = {"draft": "草稿", "voting": "投票中", "closed": "已结束"}


class Choice(enum.StrEnum):
    yes = "for"  # 赞成
    no = "against"  # 反对
    abstain = "abstain"  # 弃权


CHOICE_LABELS = {"for": "赞成", "against": "反对", "abstain": "弃权"}


class ProposalStatus(enum.StrEnum):
    new = "new"  # 待处理
    adopted = "adopted"  # 已采纳为候选项目
    declined = "declined"  # 不予采纳


PROPOSAL_STATUS_LABELS = {"new": "待处理", "adopted": "已采纳为候选项目", "declined": "不予采纳"}


class LivelihoodVote(db.Model):
    """A 票决 round of one congress (``region``): 草稿 → 投票中 → 已结束."""

    __tablename__ = "livelihood_votes"
    __table_args__ = (Index("ix_livelihood_votes_region_year", "region_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    title: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    places: Mapped[int] = mapped_column(Integer)  # how many projects to adopt (1–50)
    starts_dt: Mapped[object] = mapped_column(UTCDateTime)
    ends_dt: Mapped[object] = mapped_column(UTCDateTime)
    status: Mapped[VoteStatus] = mapped_column(str_enum(VoteStatus, "livelihood_vote_status"), default=VoteStatus.draft)
    electorate: Mapped[int | None] = mapped_column(Integer)  # the deputies in office when voting opened
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    opened_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    closed_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    close_reason: Mapped[str] = mapped_column(String(500), default="")  # 提前结束的理由

    region: Mapped[Region] = relationship()
    projects: Mapped[list["LivelihoodProject"]] = relationship(
        back_populates="vote", order_by="(LivelihoodProject.position, LivelihoodProject.id)",
        cascade="all, delete-orphan")


class LivelihoodProject(db.Model):
    """A candidate project of a round; after the close, its counts and whether it was adopted (当选)."""

    __tablename__ = "livelihood_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("livelihood_votes.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    department: Mapped[str] = mapped_column(String(60), default="")  # 责任单位
    budget: Mapped[float | None] = mapped_column(Float)  # 万元
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The running tallies: 0 from the opening (null while a draft), one added by each ballot; shown once closed.
    votes_for: Mapped[int | None] = mapped_column(Integer)
    votes_against: Mapped[int | None] = mapped_column(Integer)
    votes_abstain: Mapped[int | None] = mapped_column(Integer)
    adopted: Mapped[bool | None] = mapped_column(Boolean)
    tied: Mapped[bool] = mapped_column(Boolean, default=False)  # 并列: taken in beyond the places by a tie at the cut

    vote: Mapped[LivelihoodVote] = relationship(back_populates="projects")
    progress: Mapped[list["LivelihoodProgress"]] = relationship(
        order_by="(LivelihoodProgress.on_date, LivelihoodProgress.id)", cascade="all, delete-orphan")


class LivelihoodBallot(db.Model):
    """An elector of a round, written when voting opens; ``cast_dt`` once they have voted."""

    __tablename__ = "livelihood_ballots"
    __table_args__ = (UniqueConstraint("vote_id", "deputy_id", name="uq_livelihood_ballots_vote_deputy"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("livelihood_votes.id", ondelete="CASCADE"))
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), index=True)
    cast_dt: Mapped[object | None] = mapped_column(UTCDateTime)


class LivelihoodProposal(db.Model):
    """群众下单: a citizen's proposal of a project to a congress."""

    __tablename__ = "livelihood_proposals"
    __table_args__ = (Index("ix_livelihood_proposals_region_status", "region_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    title: Mapped[str] = mapped_column(String(60))
    content: Mapped[str] = mapped_column(Text)
    proposer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))  # shown to administrators only
    status: Mapped[ProposalStatus] = mapped_column(str_enum(ProposalStatus, "livelihood_proposal_status"),
                                                   default=ProposalStatus.new)
    reason: Mapped[str] = mapped_column(String(500), default="")  # 不予采纳的理由
    project_id: Mapped[int | None] = mapped_column(ForeignKey("livelihood_projects.id", ondelete="SET NULL"))
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    decided_dt: Mapped[object | None] = mapped_column(UTCDateTime)

    region: Mapped[Region] = relationship()
    project: Mapped[LivelihoodProject | None] = relationship()


class LivelihoodProgress(db.Model):
    """A progress update on an adopted project (进度), shown publicly."""

    __tablename__ = "livelihood_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("livelihood_projects.id", ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(String(500))
    percent: Mapped[int] = mapped_column(Integer)
    on_date: Mapped[object] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
