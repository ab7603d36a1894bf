from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, text, true
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db


class ScoringRule(db.Model):
    """One line of the rulebook. Editing it changes only points earned afterwards: the ledger keeps
    the points as they were when credited."""

    __tablename__ = "scoring_rules"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str] = mapped_column(String(64))
    points: Mapped[int] = mapped_column(Integer)
    # "activity" (code = the activity type), "absence", or "suggestion"
    applies_to: Mapped[str] = mapped_column(String(16))
    yearly_cap: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ScoringRuleOverride(db.Model):
    """A congress's own line of the rulebook (each congress sets its 评分细则, domain.md).

    ``scoring_rules`` is the deployment's rulebook, the root region's; a region's administrators
    set a line of their own here, whole (label, points, cap, active), and it is in force for the
    deputies of that region and of every region below it that has not set that line itself.
    ``backend.points.rulebook`` resolves which line applies; editing one changes only points earned
    afterwards, as for the deployment's rules.
    """

    __tablename__ = "scoring_rule_overrides"

    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    code: Mapped[str] = mapped_column(ForeignKey("scoring_rules.code"), primary_key=True)
    label: Mapped[str] = mapped_column(String(64))
    points: Mapped[int] = mapped_column(Integer)
    yearly_cap: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PointEntry(db.Model):
    """A signed row of the ledger. Never edited: a correction is another row.

    The unique constraint makes crediting the same deputy twice for the same rule and source impossible.
    """

    __tablename__ = "point_entries"
    __table_args__ = (
        UniqueConstraint("deputy_id", "rule_code", "source_type", "source_id", name="uq_point_entries_source"),
        Index("ix_point_entries_deputy_year", "deputy_id", "year", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"))
    year: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    rule_code: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(255), default="")
    source_type: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[int] = mapped_column(Integer)
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)


class PointCorrection(db.Model):
    """积分更正: an administrator's correction of a deputy's points for a year, with the reason. Its
    ledger row (rule ``correction``, source ``correction``/this id) carries the points; this row says
    who made it."""

    __tablename__ = "point_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    author_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    author_name: Mapped[str] = mapped_column(String(100), default="")
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)


class DeputyScore(db.Model):
    """The running total per deputy and year, kept in step with the ledger in the same transaction.

    It is derived data, maintained only by :func:`backend.points.ledger.credit`, so that the
    leaderboard is one indexed read instead of a sum over millions of ledger rows. ``reached_dt`` is when
    the total last changed: among equal totals, whoever got there first ranks first. ``in_office``
    follows the deputy's office (``org.services.sync_office``): a rank counts only the totals in office.
    """

    __tablename__ = "deputy_scores"

    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    total: Mapped[int] = mapped_column(Integer, default=0)
    reached_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    in_office: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


# In the leaderboard's exact order (see queries.leaderboard): a top 50 is an index-only walk that stops
# after 50 rows (migration 0005).
Index("ix_deputy_scores_leaderboard", DeputyScore.year, DeputyScore.total.desc(), DeputyScore.reached_dt,
      DeputyScore.deputy_id)
# A rank is an index-only count of the totals in office above the deputy's (migration 0013).
Index("ix_deputy_scores_rank_in_office", DeputyScore.year, DeputyScore.total,
      postgresql_where=text("in_office"), sqlite_where=text("in_office"))


class GradeBand(db.Model):
    """One band of a congress's 履职评价等次 (e.g. 好 ≥ 40, 较好 ≥ 20, 差 below): the grade a
    deputy's yearly total earns. A region's bands are a set: they replace the set above them as a whole
    (a county grading in four bands does not keep the province's third), and are in force for the
    deputies of that region and of every region below it that has no set of its own; without any, the
    deployment's default (``backend.points.grades``). Grades are computed from the totals whenever they
    are read, never stored: editing the bands changes how totals are graded from then on, the last
    year's included. ``min_points`` None: the lowest band, every total below the band above it."""

    __tablename__ = "grade_bands"
    __table_args__ = (UniqueConstraint("region_id", "label", name="uq_grade_bands_region_label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    label: Mapped[str] = mapped_column(String(8))
    min_points: Mapped[int | None] = mapped_column(Integer)
    updated_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
