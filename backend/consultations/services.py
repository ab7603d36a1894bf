"""立法意见征集: the steps of a consultation and of its opinions, each in the request's transaction.

As for 民生实事 rounds (livelihood.services), a step that depends on the consultation's state begins by
moving it on from the state it expects in one conditional UPDATE of its row (``transactions.step``): of two steps at
once the second finds the state gone and is refused. An opinion checks, in the statement that writes it,
that the consultation is still open, so that one arriving after the close is refused and not kept.
"""
from sqlalchemy import and_, exists, func, insert, select

from ..audit.log import record
from ..auth.models import User
from ..db_types import CHINA, utcnow
from ..errors import conflict, validation_failed
from ..extensions import db
from ..transactions import each_on_its_own, step
from ..notifications.outbox import china_time, enqueue, restate, thing
from ..org.models import RegionLevel
from .models import (
    FEEDBACK_LABELS,
    Consultation,
    ConsultationArticle,
    ConsultationOpinion,
    ConsultationStatus,
    Feedback,
    OpinionKind,
)

# 立法法: the people's congresses of provinces and of cities divided into districts (设区的市) make local
# regulations; counties and townships do not.
LEGISLATIVE_LEVELS = (RegionLevel.province, RegionLevel.city)
NOT_LEGISLATIVE = "只有省和设区的市的人民代表大会及其常务委员会制定地方性法规，请选择省或市。"


def legislative(region):
    return region is not None and region.level in LEGISLATIVE_LEVELS


def congress_name(region):
    return f"{region.name}人大常委会"


def refuse_not_legislative(region, field="region_id"):
    if not legislative(region):
        raise validation_failed({field: [NOT_LEGISLATIVE]}, NOT_LEGISLATIVE)


PHASE_LABELS = {"draft": "草稿", "upcoming": "尚未开始", "accepting": "正在征求意见", "ended": "已结束"}
# The API's ``status_label`` by the same phase, in the status's own words (征集中 while accepting): a draft
# published to start next week is not 征集中 yet.
STATUS_LABELS_BY_PHASE = {"draft": "草稿", "upcoming": "尚未开始", "accepting": "征集中", "ended": "已结束"}


def phase(consultation, now=None):
    """Where a consultation stands for those reading it, by its status and its window: ``draft``,
    ``upcoming`` (published, not yet started), ``accepting`` or ``ended`` (closed, or its window over
    though the sweep has not closed it yet). Every page and the API label it by this (``PHASE_LABELS``)."""
    now = now or utcnow()
    if consultation.status == ConsultationStatus.draft:
        return "draft"
    if consultation.status == ConsultationStatus.closed or now >= consultation.ends_dt:
        return "ended"
    return "upcoming" if now < consultation.starts_dt else "accepting"


def accepting_clause(now=None):
    """The SQL condition of the ``accepting`` phase (opinions may be given now): open, inside its window."""
    now = now or utcnow()
    return and_(Consultation.status == ConsultationStatus.open, Consultation.starts_dt <= now,
                Consultation.ends_dt > now)


def _draft(consultation):
    step(db.session, consultation, ConsultationStatus.draft, lambda status: "意见征集已发布，不能再修改。")


def _log(action, actor, consultation, detail=None):
    record(action, actor, ("consultation", consultation.id, consultation.title[:100]), consultation.region_id, detail)


def _shown(value):
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if hasattr(value, "astimezone") else value


def _write_articles(consultation, articles):
    db.session.execute(insert(ConsultationArticle), [
        {"consultation_id": consultation.id, "position": index, "number": a["number"], "text": a["text"]}
        for index, a in enumerate(articles, start=1)])
    db.session.expire(consultation, ["articles"])


# --- the consultation, while a draft ---------------------------------------------------------------------


def create(region, data, actor):
    refuse_not_legislative(region)
    consultation = Consultation(region_id=region.id, title=data["title"], summary=data.get("summary", ""),
                                starts_dt=data["starts_at"], ends_dt=data["ends_at"], created_by_id=actor.id,
                                text_left_out=data.get("text_left_out"))
    db.session.add(consultation)
    db.session.flush()
    _write_articles(consultation, data["articles"])
    _log("consultation_created", actor, consultation, {"articles": len(data["articles"])})
    return consultation


FIELDS = {"title": "title", "summary": "summary", "starts_at": "starts_dt", "ends_at": "ends_dt"}


def update_consultation(consultation, data, actor):
    _draft(consultation)
    starts, ends = data.get("starts_at", consultation.starts_dt), data.get("ends_at", consultation.ends_dt)
    if ends <= starts:
        raise validation_failed({"ends_at": ["征集结束时间须晚于开始时间。"]})
    changes = {}
    for key, attr in FIELDS.items():
        if key in data and data[key] != getattr(consultation, attr):
            before = getattr(consultation, attr)
            changes[key] = [_shown(before), _shown(data[key])] if key != "summary" else ["…", "…"]
            setattr(consultation, attr, data[key])
    if "articles" in data:
        before = [(a.number, a.text) for a in consultation.articles]
        if before != [(a["number"], a["text"]) for a in data["articles"]]:
            db.session.execute(ConsultationArticle.__table__.delete().where(
                ConsultationArticle.consultation_id == consultation.id))
            _write_articles(consultation, data["articles"])
            changes["articles"] = [len(before), len(data["articles"])]
        # Kept for the review (the GET, the console's page): what the cut that made these articles left out. A
        # text sent again giving the same articles (the console's form sends it with every save) keeps it.
        if "articles" in changes or data.get("text_left_out"):
            consultation.text_left_out = data.get("text_left_out")
    if changes:
        _log("consultation_updated", actor, consultation, changes)
    return consultation


# --- opening and closing ---------------------------------------------------------------------------------


def open_consultation(consultation, actor):
    """发布: from now on anyone may read it, and opinions are taken inside its window."""
    step(db.session, consultation, ConsultationStatus.draft, lambda status: "意见征集已发布或已结束。",
          status=ConsultationStatus.open, opened_dt=utcnow())
    if utcnow() >= consultation.ends_dt:
        message = "征集结束时间已过，请先修改征集时间。"
        raise validation_failed({"ends_at": [message]}, message)
    if not consultation.articles:
        raise conflict("草案没有条文，不能发布。")
    _log("consultation_opened", actor, consultation, {"articles": len(consultation.articles)})
    return consultation


def close_consultation(consultation, actor):
    """结束征集, early too; once."""
    def refused(status):
        return "意见征集尚未发布。" if status == ConsultationStatus.draft else "意见征集已结束。"

    if consultation.status != ConsultationStatus.open:
        raise conflict(refused(consultation.status))
    now = utcnow()
    early = now < consultation.ends_dt
    step(db.session, consultation, ConsultationStatus.open, refused, status=ConsultationStatus.closed, closed_dt=now)
    _log("consultation_closed", actor, consultation, {"opinions": opinion_count(consultation), "early": early})
    return consultation


def close_ended():
    """The sweep's step: every consultation still open after its window ends is closed (the 操作日志
    names the server). Each in a transaction of its own; one an administrator closes meanwhile is left as
    they closed it. Returns how many it closed."""
    ids = db.session.scalars(select(Consultation.id).where(Consultation.status == ConsultationStatus.open,
                                                           Consultation.ends_dt <= utcnow())).all()
    return each_on_its_own(db.session, Consultation, ids, lambda consultation: close_consultation(consultation, None))


def opinion_count(consultation):
    return db.session.scalar(select(func.count()).select_from(ConsultationOpinion)
                             .where(ConsultationOpinion.consultation_id == consultation.id))


def article_counts(consultation_id):
    """{article_id (None: on the whole draft): how many opinions}."""
    return dict(db.session.execute(
        select(ConsultationOpinion.article_id, func.count()).where(ConsultationOpinion.consultation_id == consultation_id)
        .group_by(ConsultationOpinion.article_id)).all())


# --- opinions --------------------------------------------------------------------------------------------


def give_opinion(consultation, caller, data):
    """An opinion by a citizen or a deputy (``caller``: deputies' are marked as such), while it is open.
    The consultation's row is read again held FOR SHARE (PostgreSQL) until the request ends: opinions go
    side by side, and a close waits for those in flight (and one arriving after the close reads it)."""
    db.session.refresh(consultation, ["status", "starts_dt", "ends_dt"], with_for_update={"read": True})
    now = utcnow()
    if consultation.status == ConsultationStatus.closed or now >= consultation.ends_dt:
        raise conflict("意见征集已结束。")
    if consultation.status != ConsultationStatus.open or now < consultation.starts_dt:
        raise conflict("意见征集尚未开始。")
    article_id = data.get("article_id")
    if article_id is not None and not db.session.scalar(select(exists().where(
            ConsultationArticle.id == article_id, ConsultationArticle.consultation_id == consultation.id))):
        raise validation_failed({"article_id": ["该条文不属于本草案。"]}, "该条文不属于本草案。")
    # A deputy in office speaks as one (代表意见); one who has left office, as the citizen they are.
    deputy_id = caller.deputy_id if "deputy" in caller.roles else None
    kind = OpinionKind.deputy if deputy_id is not None else OpinionKind.citizen
    opinion = ConsultationOpinion(consultation_id=consultation.id, article_id=article_id, author_id=caller.id,
                                  kind=kind, deputy_id=deputy_id, content=data["content"],
                                  phone=data.get("contact_phone") or None, created_dt=now)
    db.session.add(opinion)
    db.session.flush()
    # Still open now that it is written: on PostgreSQL the row held above makes it so; on SQLite the write
    # holds the database, and a close committed since the reading above shows here (the request is then
    # rolled back whole, nothing kept).
    if db.session.scalar(select(Consultation.status).where(Consultation.id == consultation.id)) != ConsultationStatus.open:
        raise conflict("意见征集已结束。")
    return opinion


# 办理结果通知's ``phrase2`` (at most 5 Chinese characters) for each feedback.
FEEDBACK_PHRASES = {"adopted": "已采纳", "partly": "部分采纳", "declined": "未采纳"}
NO_NOTE = "点击查看详情"


def detail_page(consultation_id):
    """The mini-program page an opinion's feedback notice opens: the draft, with the author's opinions on it."""
    return f"pages/consultations/detail?id={consultation_id}"


def give_feedback(opinion, data, actor):
    """反馈: 采纳, 部分采纳 or 未采纳, with a note the author reads; given again, it replaces the last.

    The author is told in WeChat (办理结果通知, template ``answer``), queued with the feedback: when it is
    first given, and again when it is given differently (another result or another note: the author reads a
    corrected answer) — as a new message once the first was sent, else by restating the first where it
    waits (each message spends one of the author's consents; the author gets the latest answer once); the same feedback given again (a retry, a second click) tells nothing. A browser
    identity (no openid) is told nothing: ``enqueue`` skips it."""
    result = Feedback(data["result"])
    note = data.get("note", "")
    before, before_note = opinion.feedback, opinion.feedback_note
    opinion.feedback, opinion.feedback_note = result, note
    opinion.feedback_dt, opinion.feedback_by_id = utcnow(), actor.id
    detail = {"opinion": opinion.id, "feedback": [FEEDBACK_LABELS[before.value] if before else "",
                                                  FEEDBACK_LABELS[result.value]]}
    _log("consultation_feedback", actor, opinion.consultation, detail)
    if (before, before_note) != (result, note):
        data = {"thing1": thing(opinion.consultation.title), "phrase2": FEEDBACK_PHRASES[result.value],
                "thing3": thing(note) or NO_NOTE, "time4": china_time(opinion.feedback_dt)}
        # A notice of an earlier answer still waiting says this one instead: one message, the latest answer.
        if not restate("answer", f"answer:opinion:{opinion.id}:", data):
            enqueue(db.session.get(User, opinion.author_id), "answer", data,
                    page=detail_page(opinion.consultation_id),
                    dedupe_key=f"answer:opinion:{opinion.id}:{result.value}:{opinion.feedback_dt.timestamp()}")
    return opinion
