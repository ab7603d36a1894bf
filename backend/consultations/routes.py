"""立法意见征集 API: /consultations/... for the congresses' administrators and for those who give an
opinion, and /public/consultations for anyone.

Who sees what: a consultation belongs to a congress (a province or a city); its administrators (and
those above) manage it and read its opinions, contact phones included; everyone else gets 404 there.
Once published, anyone reads it (the public endpoints: no personal data), and a citizen — WeChat or a
phone browser's identity — or a deputy gives opinions while it is open, and reads their own with the
answers given.
"""
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from schemas.common import page_of
from schemas.consultations import (
    ConsultationIn,
    ConsultationListOut,
    ConsultationOut,
    ConsultationPatch,
    ConsultationQuery,
    OpinionFeedbackIn,
    MyOpinionQuery,
    OpinionIn,
    OpinionOut,
    OpinionQuery,
    PublicConsultationListOut,
    PublicConsultationOut,
    PublicConsultationQuery,
)

from ..auth.scope import (
    current_caller,
    current_user,
    get_or_404,
    login_required,
    managed_region,
    manages_region,
    region_subtree_clause,
    roles_required,
)
from ..errors import APIError, not_found
from ..extensions import Blueprint, db
from ..idempotency import idempotent
from ..notifications import center
from ..org.models import Deputy, Region, Station
from ..pagination import paginate
from ..web.limits import web_opinion_limits
from . import services
from .models import (
    FEEDBACK_LABELS,
    OPINION_KIND_LABELS,
    Consultation,
    ConsultationOpinion,
    ConsultationStatus,
)

blp = Blueprint("consultations", __name__, url_prefix="/api/v1/consultations", description="立法意见征集")
public_consultations = Blueprint("public_consultations", __name__, url_prefix="/api/v1/public",
                                 description="公开信息")

region_admin = roles_required("region_admin")
NOT_FOUND = "意见征集不存在。"


# --- finding ---------------------------------------------------------------------------------------------


def managed(caller, consultation):
    return caller is not None and caller.admin_region is not None and manages_region(caller, consultation.region)


def managed_or_404(consultation_id):
    consultation = get_or_404(Consultation, consultation_id, NOT_FOUND)
    if not managed(current_caller(), consultation):
        raise not_found(NOT_FOUND)
    return consultation


def published_or_404(consultation_id):
    """A consultation anyone may read: published (open or closed), never a draft."""
    consultation = get_or_404(Consultation, consultation_id, NOT_FOUND)
    if consultation.status == ConsultationStatus.draft:
        raise not_found(NOT_FOUND)
    return consultation


# --- presenting ------------------------------------------------------------------------------------------


def public_summary(consultation):
    phase = services.phase(consultation)
    return {
        "id": consultation.id, "region_id": consultation.region_id, "region_name": consultation.region.name,
        "congress_name": services.congress_name(consultation.region), "title": consultation.title,
        "summary": consultation.summary, "starts_at": consultation.starts_dt, "ends_at": consultation.ends_dt,
        "status": consultation.status.value, "status_label": services.STATUS_LABELS_BY_PHASE[phase],
        "accepting": phase == "accepting", "phase": phase, "phase_label": services.PHASE_LABELS[phase],
    }


def present_article(article):
    return {"id": article.id, "number": article.number, "text": article.text}


def public_consultation(consultation):
    return {**public_summary(consultation), "articles": [present_article(a) for a in consultation.articles]}


def present_consultation(consultation):
    counts = services.article_counts(consultation.id)
    return {
        **public_summary(consultation), "opinions": sum(counts.values()),
        "opened_at": consultation.opened_dt, "closed_at": consultation.closed_dt,
        "general_opinions": counts.get(None, 0), "text_left_out": consultation.text_left_out,
        "articles": [{**present_article(a), "opinions": counts.get(a.id, 0)} for a in consultation.articles],
    }


def present_opinion(opinion, admin, author_name=None):
    article = opinion.article
    body = {
        "id": opinion.id, "consultation_id": opinion.consultation_id,
        "consultation_title": opinion.consultation.title,
        "article_id": opinion.article_id, "article_number": article.number if article is not None else None,
        "kind": opinion.kind.value, "kind_label": OPINION_KIND_LABELS[opinion.kind.value],
        "content": opinion.content, "created_at": opinion.created_dt,
        "feedback": opinion.feedback.value if opinion.feedback else None,
        "feedback_label": FEEDBACK_LABELS[opinion.feedback.value] if opinion.feedback else None,
        "feedback_note": opinion.feedback_note, "feedback_at": opinion.feedback_dt,
    }
    if admin:
        body["contact_phone"] = opinion.phone
        body["author_name"] = author_name
    return body


def opinions_query(consultation, args=None):
    """The opinions of ``consultation``, oldest first, filtered by article (``article_id``) and kind, with
    the deputy's name for a deputy's (the console's list and its export too)."""
    args = args or {}
    query = (select(ConsultationOpinion, Deputy.name)
             .outerjoin(Deputy, Deputy.id == ConsultationOpinion.deputy_id)
             .where(ConsultationOpinion.consultation_id == consultation.id)
             .options(selectinload(ConsultationOpinion.article), selectinload(ConsultationOpinion.consultation))
             .order_by(ConsultationOpinion.id))
    if args.get("article_id"):
        query = query.where(ConsultationOpinion.article_id == args["article_id"])
    if args.get("kind"):
        query = query.where(ConsultationOpinion.kind == args["kind"])
    return query


# --- the congress's administrators ---------------------------------------------------------------------------


@blp.get("")
@region_admin
@blp.arguments(ConsultationQuery, location="query")
@blp.response(200, page_of(ConsultationListOut))
def list_consultations(args):
    """意见征集列表：区域管理员看所管区域（含下级）的意见征集，含意见数。"""
    caller = current_caller()
    query = (select(Consultation).where(region_subtree_clause(Consultation.region_id, caller.admin_region))
             .options(selectinload(Consultation.region)).order_by(Consultation.id.desc()))
    if "region_id" in args:
        query = query.where(Consultation.region_id == args["region_id"])
    if "status" in args:
        query = query.where(Consultation.status == args["status"])
    page = paginate(query, args)
    ids = [c.id for c in page["items"]]
    counts = dict(db.session.execute(
        select(ConsultationOpinion.consultation_id, func.count()).where(ConsultationOpinion.consultation_id.in_(ids))
        .group_by(ConsultationOpinion.consultation_id)).all()) if ids else {}
    return {**page, "items": [{**public_summary(c), "opinions": counts.get(c.id, 0)} for c in page["items"]]}


@blp.post("")
@region_admin
@idempotent
@blp.arguments(ConsultationIn)
@blp.response(201, ConsultationOut)
def create_consultation(data):
    """新建意见征集（草稿）：省或设区的市人大（区域，默认为本人所管区域）的地方性法规草案；粘贴草案全文，按行首的“第X条”分条。"""
    region = managed_region(current_caller(), data.get("region_id"))
    return present_consultation(services.create(region, data, current_user()))


@blp.get("/<int:consultation_id>")
@region_admin
@blp.response(200, ConsultationOut)
def get_consultation(consultation_id):
    """意见征集详情（管理员）：草案条文及每条收到的意见数。"""
    return present_consultation(managed_or_404(consultation_id))


@blp.patch("/<int:consultation_id>")
@region_admin
@blp.arguments(ConsultationPatch)
@blp.response(200, ConsultationOut)
def update_consultation(data, consultation_id):
    """修改意见征集（仅草稿）；发送 text 时按新全文重新分条。"""
    consultation = managed_or_404(consultation_id)
    return present_consultation(services.update_consultation(consultation, data, current_user()))


@blp.post("/<int:consultation_id>/open")
@region_admin
@blp.response(200, ConsultationOut)
def open_consultation(consultation_id):
    """发布：向社会公开草案，在征集时间内接受意见。"""
    consultation = managed_or_404(consultation_id)
    return present_consultation(services.open_consultation(consultation, current_user()))


@blp.post("/<int:consultation_id>/close")
@region_admin
@blp.response(200, ConsultationOut)
def close_consultation(consultation_id):
    """结束征集（可提前结束）；征集时间届满的由系统自动结束。"""
    consultation = managed_or_404(consultation_id)
    return present_consultation(services.close_consultation(consultation, current_user()))


@blp.get("/<int:consultation_id>/opinions")
@region_admin
@blp.arguments(OpinionQuery, location="query")
@blp.response(200, page_of(OpinionOut))
def list_opinions(args, consultation_id):
    """收到的意见：可按条文、按群众或代表筛选；含联系电话与代表姓名（仅本级及上级管理员可见）。"""
    consultation = managed_or_404(consultation_id)
    page = paginate(opinions_query(consultation, args), args, rows=True)
    return {**page, "items": [present_opinion(row[0], True, row[1]) for row in page["items"]]}


@blp.post("/<int:consultation_id>/opinions/<int:opinion_id>/feedback")
@region_admin
@blp.arguments(OpinionFeedbackIn)
@blp.response(200, OpinionOut)
def give_feedback(data, consultation_id, opinion_id):
    """反馈：采纳、部分采纳或未采纳，可附说明；提出人可以看到。再次反馈即更正。"""
    consultation = managed_or_404(consultation_id)
    opinion = get_or_404(ConsultationOpinion, opinion_id, "意见不存在。")
    if opinion.consultation_id != consultation.id:
        raise not_found("意见不存在。")
    opinion = services.give_feedback(opinion, data, current_user())
    name = db.session.get(Deputy, opinion.deputy_id).name if opinion.deputy_id else None
    return present_opinion(opinion, True, name)


# --- those who give an opinion ------------------------------------------------------------------------------


@blp.post("/<int:consultation_id>/opinions")
@login_required
@idempotent  # outside the limits, as for a filing: a retry returns the opinion given and uses no quota
@web_opinion_limits
@blp.arguments(OpinionIn)
@blp.response(201, OpinionOut)
def give_opinion(data, consultation_id):
    """提出意见：群众（微信或浏览器身份 /auth/web，后者限频 429，另计：WEB_OPINION_RATE_LIMIT，默认每小时 60 条，逐条提意见够用）或人大代表，在征集时间内；可针对某一条文。代表的意见标明为代表意见。"""
    caller = current_caller()
    if "citizen" not in caller.roles and "deputy" not in caller.roles:
        raise APIError(403, "forbidden", "请以群众或人大代表身份登录后提出意见。")
    consultation = published_or_404(consultation_id)
    return present_opinion(services.give_opinion(consultation, caller, data), admin=False)


@blp.get("/my-opinions")
@login_required
@blp.arguments(MyOpinionQuery, location="query")
@blp.response(200, page_of(OpinionOut))
def my_opinions(args):
    """我的意见：本人提出的意见及其反馈，新的在前。按 consultation_id 读取时（小程序的草案页），本人关于该意见征集的未读消息随之标为已读。"""
    caller = current_caller()
    query = (select(ConsultationOpinion).where(ConsultationOpinion.author_id == caller.id)
             .options(selectinload(ConsultationOpinion.article), selectinload(ConsultationOpinion.consultation))
             .order_by(ConsultationOpinion.id.desc()))
    if "consultation_id" in args:
        query = query.where(ConsultationOpinion.consultation_id == args["consultation_id"])
        center.read_opened(caller.id, services.detail_page(args["consultation_id"]))
    page = paginate(query, args)
    return {**page, "items": [present_opinion(o, admin=False) for o in page["items"]]}


# --- public ---------------------------------------------------------------------------------------------------


def open_query(region):
    """The consultations accepting opinions now (open, inside their window: not one published to start
    later, nor one whose window has ended before the sweep closes it) of ``region``'s congress and of those
    above it (a citizen there is subject to each's regulations), those ending first first (also the web
    pages')."""
    ids = [r.id for r in region.ancestors_and_self()]
    return (select(Consultation).where(Consultation.region_id.in_(ids), services.accepting_clause())
            .options(selectinload(Consultation.region)).order_by(Consultation.ends_dt, Consultation.id))


@public_consultations.get("/consultations")
@public_consultations.arguments(PublicConsultationQuery, location="query")
@public_consultations.response(200, page_of(PublicConsultationListOut))
def public_list(args):
    """正在征求意见的地方性法规草案（公开）：某地区或某联络站（基层立法联系点）所在地区的省、市人大发布的。"""
    if "station_id" in args:
        station = get_or_404(Station, args["station_id"], "联络站不存在。")
        region = station.region
    else:
        region = get_or_404(Region, args["region_id"], "区域不存在。")
    page = paginate(open_query(region), args)
    return {**page, "items": [public_summary(c) for c in page["items"]]}


@public_consultations.get("/consultations/<int:consultation_id>")
@public_consultations.response(200, PublicConsultationOut)
def public_get(consultation_id):
    """草案全文（公开，按条）：已发布的意见征集；不含任何意见或个人信息。"""
    return public_consultation(published_or_404(consultation_id))

