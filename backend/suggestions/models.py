import enum

from sqlalchemy import (
    JSON, Boolean, Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text, UniqueConstraint, and_, case,
    false, func, literal_column, text, type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db_types import UTCDateTime, str_enum, utcnow
from ..extensions import db
from ..org.models import Deputy, Region, Station


class Status(enum.StrEnum):
    pending = "pending"  # 待分派
    assigned = "assigned"  # 待接单
    accepted = "accepted"  # 办理中
    forwarded = "forwarded"  # 转办中
    replied = "replied"  # 已答复
    closed = "closed"  # 已办结
    rejected = "rejected"  # 不予受理
    withdrawn = "withdrawn"  # 已撤回


STATUS_LABELS = {
    "pending": "待分派", "assigned": "待接单", "accepted": "办理中", "forwarded": "转办中",
    "replied": "已答复", "closed": "已办结", "rejected": "不予受理", "withdrawn": "已撤回",
}
# The text's content screening (msgSecCheck), run by the sweep for every new item: "pending" until
# WeChat answers; then WeChat's "pass" or "review", or "risky" (held for an administrator); "manual"
# when WeChat will not screen it (held too); "reviewed" once an administrator released a held item.
# Cleared text may reach the deputy's WeChat and other citizens' screens.
CLEARED_SCREENINGS = frozenset({"pass", "review", "reviewed"})
# Published on the public pages only when WeChat passed it outright or an administrator reviewed it
# ("review" is WeChat asking for a person to look).
PUBLISHABLE_SCREENINGS = frozenset({"pass", "reviewed"})
OPEN_STATUSES = (Status.pending, Status.assigned, Status.accepted, Status.forwarded, Status.replied)
FINAL_STATUSES = (Status.closed, Status.rejected, Status.withdrawn)
# A held item refused (不予受理) or withdrawn keeps its words hidden, but nobody is to review them any more.
REVIEW_ENDED = (Status.rejected, Status.withdrawn)


class Satisfaction(enum.StrEnum):
    satisfied = "satisfied"  # 满意
    basically_satisfied = "basically_satisfied"  # 基本满意
    dissatisfied = "dissatisfied"  # 不满意


SATISFACTION_LABELS = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}
# 落实: what the deputy's reply recorded of the outcome (None: the reply did not say).
IMPLEMENTED_LABELS = {True: "已落实", False: "未落实，已答复说明"}


class Suggestion(db.Model):
    """A micro-suggestion (微建议) filed by a citizen through a deputy's or a station's code.

    ``status`` only changes through :mod:`backend.suggestions.workflow`; ``version`` makes two
    concurrent changes of one item collide, so exactly one wins.
    """

    __tablename__ = "suggestions"
    __table_args__ = (
        Index("ix_suggestions_deputy_status", "deputy_id", "status", "id"),
        # The deputy inbox's exact shape (listing.py): its page and its count read only this index.
        Index("ix_suggestions_deputy_inbox", "deputy_id", "id", postgresql_where=text("held_for_review = false"),
              sqlite_where=text("held_for_review = 0")),
        Index("ix_suggestions_station_status", "station_id", "status", "id"),
        # The few items whose text the sweep has yet to screen (sweep.screen_pending).
        Index("ix_suggestions_screening_pending", "id", postgresql_where=text("screening = 'pending'"),
              sqlite_where=text("screening = 'pending'")),
        Index("ix_suggestions_citizen", "citizen_id", "id"),
        Index("ix_suggestions_region_created", "region_id", "created_dt"),
        # The items waiting in a region's queue, with no station: the region filter's second half
        # (queries.handled_in_region_clause, migration 0065).
        Index("ix_suggestions_queue_region", "region_id", "created_dt", postgresql_where=text("station_id IS NULL"),
              sqlite_where=text("station_id IS NULL")),
        Index("ix_suggestions_status_created", "status", "created_dt"),
        # The public list's order over what it may show (public_routes.published_query), every condition of
        # the list in it (migration 0060): its page is the index's last entries, its count reads the index alone.
        Index("ix_suggestions_public", "closed_dt", "id",
              postgresql_where=text("status = 'closed' AND public_consent IS true AND held_for_review IS false "
                                    "AND merged_into_id IS NULL AND screening IN ('pass', 'reviewed') "
                                    "AND public_withheld_reason IS NULL"),
              sqlite_where=text("status = 'closed' AND public_consent IS 1 AND held_for_review IS 0 "
                                "AND merged_into_id IS NULL AND screening IN ('pass', 'reviewed') "
                                "AND public_withheld_reason IS NULL")),
        # The sweep's deadlines (sweep.flag_deadlines): the unflagged items of each stage by their deadline.
        Index("ix_suggestions_accept_due", "accept_due_dt",
              postgresql_where=text("status = 'assigned' AND overdue IS false"),
              sqlite_where=text("status = 'assigned' AND overdue IS 0")),
        Index("ix_suggestions_dispatch_due", "dispatch_due_dt",
              postgresql_where=text("status = 'pending' AND overdue IS false"),
              sqlite_where=text("status = 'pending' AND overdue IS 0")),
        Index("ix_suggestions_reply_due", "reply_due_dt",
              postgresql_where=text("status IN ('accepted', 'forwarded') AND overdue IS false"),
              sqlite_where=text("status IN ('accepted', 'forwarded') AND overdue IS 0")),
        # The items merged into one (已合并), in id order: the console's item page (migration 0045). Few items
        # are ever merged, so only those are in it.
        Index("ix_suggestions_merged_into", "merged_into_id", "id", postgresql_where=text("merged_into_id IS NOT NULL"),
              sqlite_where=text("merged_into_id IS NOT NULL")),
        # The console queue's 内容待审核 and 督办 tabs: the few items held for review, and those supervised, in id
        # order, each spelled as its filter is (queries.filter_clauses; migration 0067).
        Index("ix_suggestions_held", "id", postgresql_where=text("held_for_review IS true"),
              sqlite_where=text("held_for_review IS 1")),
        Index("ix_suggestions_supervised", "id", postgresql_where=text("supervised IS true"),
              sqlite_where=text("supervised IS 1")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Where it was filed: the station's or the deputy's code. region_id is the deputy's own region for an item
    # filed at a deputy's code (their congress sees it: queries.admin_scope_clause), else the station's; an item
    # with no station waits in its queue. Region figures count where an item is handled (its station's region, or
    # its queue's): queries.handled_in_region_clause.
    filed_via: Mapped[str] = mapped_column(String(16))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("deputies.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    category: Mapped[str] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(255), default="")
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    # The deputy its filer is known to be (filing.filer_deputy): the WeChat user bound as them, or an identity
    # that gave their registered phone as a contact phone, with this item or another. Kept when the phone is
    # erased or the deputy's number changes: an item it names as its handling deputy's own earns them no
    # 办结/满意 points and no rating by its filer (workflow.filed_by_its_deputy).
    filer_deputy_id: Mapped[int | None] = mapped_column(ForeignKey("deputies.id"))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    public_consent: Mapped[bool] = mapped_column(Boolean, default=False)

    status: Mapped[Status] = mapped_column(str_enum(Status, "suggestion_status"))
    round: Mapped[int] = mapped_column(Integer, default=1)
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    due_soon: Mapped[bool] = mapped_column(Boolean, default=False)
    # Content screening (msgSecCheck) of the text, see CLEARED_SCREENINGS.
    screening: Mapped[str] = mapped_column(String(16), default="pending")
    held_for_review: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("suggestions.id"))

    forward_target: Mapped[str | None] = mapped_column(String(32))
    forward_department: Mapped[str | None] = mapped_column(String(100))
    # The latest work order (转办工单): its number at the department or the hotline, and the deputy's
    # satisfaction with how it was handled (None until the feedback says); every one is a SuggestionWorkOrder.
    forward_work_order_no: Mapped[str | None] = mapped_column(String(50))
    department_satisfaction: Mapped[Satisfaction | None] = mapped_column(
        str_enum(Satisfaction, "department_satisfaction"))
    reply_content: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[Satisfaction | None] = mapped_column(str_enum(Satisfaction, "satisfaction"))
    implemented: Mapped[bool | None] = mapped_column(Boolean)  # 落实: the outcome was actually carried out
    # 公开展示内容 an administrator approved (services.set_public_text): the words the public pages show instead
    # of the citizen's and the reply (null: those, redacted automatically), or why the item is not shown at all
    # (不予公开; null: shown). The citizen and the staff keep reading the words as written.
    public_content: Mapped[str | None] = mapped_column(Text)
    public_reply: Mapped[str | None] = mapped_column(Text)
    public_withheld_reason: Mapped[str | None] = mapped_column(Text)

    # 分派时限: when an item waiting at its station (待分派) is due to be dispatched (None: no limit).
    dispatch_due_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    accept_due_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    reply_due_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    # 超期 never forgotten: when the item was last found past a deadline its clock ran (``clock_runs``) — flagged
    # by the sweep, or a step taken after the deadline (services.note_lateness) — whatever happens to it next (a
    # new assignment, round or limit, or closing). Null: never late. After ``assigned_dt``: the deputy holding
    # it now was late with it (the statistics per deputy); found late before (分派) was the station's or another's.
    late_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    assigned_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    accepted_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    replied_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    closed_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    citizen: Mapped[User] = relationship(foreign_keys=[citizen_id])
    station: Mapped[Station | None] = relationship()
    deputy: Mapped[Deputy | None] = relationship(foreign_keys=[deputy_id])
    region: Mapped[Region] = relationship()
    events: Mapped[list["SuggestionEvent"]] = relationship(
        back_populates="suggestion", order_by="SuggestionEvent.id", cascade="all, delete-orphan"
    )
    work_orders: Mapped[list["SuggestionWorkOrder"]] = relationship(
        order_by="SuggestionWorkOrder.id", cascade="all, delete-orphan", back_populates="suggestion"
    )
    attachments: Mapped[list["Upload"]] = relationship(  # noqa: F821 - backend.uploads.models
        order_by="Upload.id", primaryjoin="Upload.suggestion_id == Suggestion.id", viewonly=True
    )

    @property
    def status_label(self):
        return STATUS_LABELS[self.status.value]

    @property
    def awaiting_review(self):
        """Held by content screening, and still to be released or refused (see ``awaiting_review_clause``)."""
        return self.held_for_review and self.status not in REVIEW_ENDED

    @property
    def clock_runs(self):
        """Whether its deadlines run now (``clock_runs_clause``)."""
        return not self.held_for_review and self.screening != "pending"

    @property
    def running_due(self):
        """The deadline its stage runs now (``running_due_clause``), or None."""
        if not self.clock_runs:
            return None
        return {Status.pending: self.dispatch_due_dt, Status.assigned: self.accept_due_dt,
                Status.accepted: self.reply_due_dt}.get(self.status)

    @property
    def public(self):
        """Whether the public pages show it: the same conditions as ``public_routes.published_query``."""
        return (self.public_consent and self.status is Status.closed and not self.held_for_review
                and self.merged_into_id is None and self.screening in PUBLISHABLE_SCREENINGS
                and self.public_withheld_reason is None)



def _status_in(*statuses):
    # Written into the SQL (not bound), so that a query's expression is the index's, which the planner matches.
    return Suggestion.status.in_([literal_column(f"'{s.value}'") for s in statuses])


# 按期限, the console queue's order by what is due first (``ix_suggestions_deadline_order`` below): the
# items whose deadline runs — to dispatch (待分派 with a 分派时限), to accept (待接单), to reply (办理中,
# 转办中) — by that deadline, whichever it is, then the open items without one (待分派 with no limit, 已答复),
# then the finished; these two by when they were filed. Never null, so that an export can go on from a row's
# position (a row comparison with a null compares as null). Written as the migration that builds the indexes
# writes them (migrations/versions/*_suggestions_deadline_order_dispatch.py).
DEADLINE_STAGE = case(
    (_status_in(Status.assigned, Status.accepted, Status.forwarded), literal_column("0")),
    (and_(_status_in(Status.pending), Suggestion.dispatch_due_dt.isnot(None)), literal_column("0")),
    (_status_in(Status.pending, Status.replied), literal_column("1")),
    else_=literal_column("2"),
)
STAGE_DEADLINE = func.coalesce(
    case((_status_in(Status.pending), Suggestion.dispatch_due_dt),
         (_status_in(Status.assigned), Suggestion.accept_due_dt),
         (_status_in(Status.accepted, Status.forwarded), Suggestion.reply_due_dt)),
    Suggestion.created_dt,
    type_=UTCDateTime,
)
# The columns DEADLINE_STAGE and STAGE_DEADLINE are computed from.
DEADLINE_COLUMNS = ["status", "dispatch_due_dt", "accept_due_dt", "reply_due_dt", "created_dt"]
Index("ix_suggestions_deadline_order", DEADLINE_STAGE, STAGE_DEADLINE, Suggestion.id, info={"compare": False})
# A deputy's inbox 按期限 (listing.py: the API's sort=due) in its exact shape, as ix_suggestions_deputy_inbox is
# newest first: its first page is the first 20 of the deputy's entries, not a sort of all they were ever given.
# On PostgreSQL it carries the columns the order is computed from, so that the page is read from the index
# alone (see migration 0022).
Index("ix_suggestions_deputy_inbox_due", Suggestion.deputy_id, DEADLINE_STAGE, STAGE_DEADLINE, Suggestion.id,
      postgresql_where=text("held_for_review = false"), sqlite_where=text("held_for_review = 0"),
      postgresql_include=DEADLINE_COLUMNS, info={"compare": False})

# The number without its dashes, last character first (MSB-20261122-000123 → 32100022116202BSM): the last
# digits of a number, as a citizen reads them out on the phone, are the start of it, which an index finds
# (on PostgreSQL with the pattern operators, whatever the database's collation). SQLite is given a
# ``reverse`` function (backend/__init__.py).
NUMBER_REVERSED = func.reverse(func.replace(Suggestion.number, literal_column("'-'"), literal_column("''")),
                               type_=String)
Index("ix_suggestions_number_reversed", NUMBER_REVERSED.label("number_reversed"),
      postgresql_ops={"number_reversed": "text_pattern_ops"}, info={"compare": False})

# A contact phone without a landline's dash (0731-84112345 → 073184112345; a mobile is stored as its 11
# digits): the console finds the items a citizen left their phone with (queries.typed_phone), exactly,
# through this index at a province's size (migration 0050). On an expression, so erasure's clearing of
# the phone (auth.erasure) clears its entry too, and nothing else holds the number.
CONTACT_PHONE_DIGITS = func.replace(Suggestion.contact_phone, literal_column("'-'"), literal_column("''"), type_=String)
Index("ix_suggestions_contact_phone", CONTACT_PHONE_DIGITS.label("contact_phone_digits"), info={"compare": False})

# A copy of each item's content, written once, when the item is filed, by a trigger of PostgreSQL's (migration
# 0023), with a GIN index of its single characters and pairs of adjacent characters (路灯坏了 → 路, 灯, 坏, 了,
# 路灯, 灯坏, 坏了): the keyword search's candidates (queries.keyword_clauses). Beside the items rather than an
# index on them, whose every new row version (each workflow step, each flag the sweep sets) recomputed the
# pieces. PostgreSQL only, so it is kept out of db.metadata: SQLite has none of it and reads the content.
SEARCH_TEXTS = Table(
    "suggestion_search_texts", MetaData(),
    Column("suggestion_id", Integer, ForeignKey(Suggestion.id, ondelete="CASCADE"), primary_key=True),
    Column("content", Text, nullable=False),
)
CONTENT_GRAMS = type_coerce(func.suggestion_content_grams(SEARCH_TEXTS.c.content).collate("C"), ARRAY(Text))


def clock_runs_clause(columns=Suggestion):
    """SQL of ``Suggestion.clock_runs``, over ``columns`` (the table's, or a subquery's ``.c``): deadlines run
    while the deputy can act on the item — not while it is held for an administrator's review, nor before its
    text is screened (a reminder carries the text's first words). A held item released starts its stage
    afresh (``services.release``). The one definition the sweep's flags and the statistics read."""
    return and_(columns.held_for_review.is_(False), columns.screening != "pending")


def past_due_at_department_clause(now, columns=Suggestion):
    """待部门反馈·已超期, over ``columns`` as ``clock_runs_clause``: at a department (转办中) past the reply limit,
    its clock stopped meanwhile (not 超期, not in 应办结). The statistics' figure and the console queue's filter
    that lists it."""
    return and_(columns.status == Status.forwarded, columns.merged_into_id.is_(None), clock_runs_clause(columns),
                columns.reply_due_dt < now)


def running_due_clause(columns=Suggestion):
    """The deadline the item's stage runs (null: none), over ``columns`` as ``clock_runs_clause``: 分派 for 待分派,
    接单 for 待接单, 答复 for 办理中. 转办中 runs none: the reply clock stands still while the item is at a
    department (``services.feedback`` moves the limit on by that time, and no point is deducted)."""
    return case((columns.status == Status.pending, columns.dispatch_due_dt),
                (columns.status == Status.assigned, columns.accept_due_dt),
                (columns.status == Status.accepted, columns.reply_due_dt))


def late_with_holder(item):
    """Whether the deputy holding ``item`` now (an item, or a row with its ``late_dt`` and ``assigned_dt``)
    missed a deadline with it: found late after they were assigned it (a dispatch found late assigns it at that
    same instant). Late before (a late 分派, another deputy's) is not theirs. The SQL of the statistics per deputy says the same (stats.suggestion_stats)."""
    return item.late_dt is not None and (item.assigned_dt is None or item.late_dt > item.assigned_dt)


def awaiting_review_clause():
    """SQL of ``Suggestion.awaiting_review``: what the administrators' 内容待审核 counts and lists."""
    return and_(Suggestion.held_for_review.is_(True), Suggestion.status.notin_(REVIEW_ENDED))


class SuggestionEvent(db.Model):
    """One line of the item's ledger (台账): who did what, when, from which status to which, and why."""

    __tablename__ = "suggestion_events"
    __table_args__ = (
        Index("ix_suggestion_events_suggestion", "suggestion_id", "id"),
        # A citizen's own lines across every timeline: what 注销 renames and redacts (auth.erasure, 0045).
        Index("ix_suggestion_events_citizen_actor", "actor_user_id", postgresql_where=text("actor_role = 'citizen'"),
              sqlite_where=text("actor_role = 'citizen'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict | None] = mapped_column(JSON)
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    suggestion: Mapped[Suggestion] = relationship(back_populates="events")


class SuggestionWorkOrder(db.Model):
    """One forwarding (转办) of an item to a department or to the 12345 hotline's deputy channel, as a
    work order (工单): its number there, when it went and when the answer came back, and the deputy's
    satisfaction with that answer. Read by the item page and the statistics per department. It is open (待反馈)
    until its feedback is recorded, or until it is withdrawn (已撤回: ``withdrawn_dt``) as the item leaves the
    department without one."""

    __tablename__ = "suggestion_work_orders"
    __table_args__ = (Index("ix_suggestion_work_orders_suggestion", "suggestion_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(32))  # department | hotline_12345
    department: Mapped[str] = mapped_column(String(100))
    work_order_no: Mapped[str | None] = mapped_column(String(50))
    forwarded_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    feedback_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    satisfaction: Mapped[Satisfaction | None] = mapped_column(str_enum(Satisfaction, "work_order_satisfaction"))
    # 已撤回: the item left the department with no feedback recorded (its deputy left office and it went back to
    # the station, or it was refused while held for review): kept on record, no longer awaited. Open = neither
    # a feedback nor a withdrawal.
    withdrawn_dt: Mapped[object | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(String(100))

    suggestion: Mapped[Suggestion] = relationship(back_populates="work_orders")

    @property
    def open(self):
        return self.feedback_dt is None and self.withdrawn_dt is None

    @property
    def satisfaction_label(self):
        return SATISFACTION_LABELS[self.satisfaction.value] if self.satisfaction else None


class SuggestionRating(db.Model):
    """The citizen's rating of one round's answer; one per round, enforced by the database."""

    __tablename__ = "suggestion_ratings"
    __table_args__ = (UniqueConstraint("suggestion_id", "round", name="uq_suggestion_ratings_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    satisfaction: Mapped[Satisfaction] = mapped_column(str_enum(Satisfaction, "rating_satisfaction"))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)


class SuggestionLateReturn(db.Model):
    """An item that left its deputy late: returned (退回, or as they left office) or dispatched to another
    while that deputy had missed a deadline with it. The item's own ``late_dt`` then speaks of its next
    holder; this row keeps the lateness with the deputy who was late (the statistics per deputy). Only late
    departures are written, so the table stays small."""

    __tablename__ = "suggestion_late_returns"
    __table_args__ = (Index("ix_suggestion_late_returns_deputy", "deputy_id", "suggestion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"), index=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"))
    late_dt: Mapped[object] = mapped_column(UTCDateTime)  # when it was found late while theirs
    returned_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)


class SuggestionFollower(db.Model):
    """Citizens who follow an item besides its filer: chosen from /suggestions/nearby, or by a merge (``via_merge``:
    their duplicate, or one they followed, was merged into it), which lets them read its follower view whatever
    its citizen's consent to publication says (workflow.follow_kind)."""

    __tablename__ = "suggestion_followers"

    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    via_merge: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
