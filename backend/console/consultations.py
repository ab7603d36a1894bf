"""立法意见征集 in the console, for the administrators of a province's or a city's congress: the
consultations of their congresses, a new one (the draft's full text pasted, cut into articles), a
consultation's page (the draft edited while a draft, 发布 / 结束征集, the articles with how many opinions
each drew, the opinions filtered by article and by citizen or deputy, each answered 采纳 / 部分采纳 /
未采纳) and the export of every opinion. The same services as the API, the same refusals."""
from flask import flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from schemas.consultations import ConsultationIn, ConsultationPatch, OpinionFeedbackIn

from ..auth.scope import get_by_id, manages_region, region_subtree_clause
from ..consultations import services
from ..consultations.articles import full_text
from ..consultations.models import (
    FEEDBACK_LABELS,
    OPINION_KIND_LABELS,
    Consultation,
    ConsultationArticle,
    ConsultationOpinion,
    ConsultationStatus,
)
from ..consultations.routes import opinions_query
from ..db_types import CHINA, utcnow
from ..errors import APIError, not_found
from ..extensions import db
from ..forms import china_iso, load_checked, local_input, number_or_text, parse_int
from ..org.models import Deputy, Region
from ..suggestions.queries import ListOrder
from . import bp
from .exports import Export, read_in_batches
from .form_errors import error_lines, refused_form
from .pages import PER_PAGE, console_page, is_region_admin, listing_page, managed_regions, reraise_unless_form_error

FORM_FIELDS = ("region_id", "title", "summary", "starts_at", "ends_at", "text")
LABELS = {"region_id": "人大（区域）", "title": "标题", "summary": "起草说明", "starts_at": "征集开始时间",
          "ends_at": "征集结束时间", "text": "草案全文", "result": "反馈结果", "note": "反馈说明"}
OPINIONS_PER_PAGE = 30
OPINION_ORDER = ListOrder("最早提交", (ConsultationOpinion.id,))  # the page's and the export's
NO_CONGRESS = "地方性法规由省和设区的市的人大及其常委会制定；您所管的区域不能发布立法意见征集。"


def _region_admin_only():
    if not is_region_admin(g.user):
        raise APIError(403, "forbidden", "立法意见征集由省、市人大常委会的区域管理员组织，联络站管理员无需办理。")


def _consultation(consultation_id):
    consultation = get_by_id(Consultation, consultation_id)
    if consultation is None or not manages_region(g.user, consultation.region):
        raise not_found("意见征集不存在，或不在您的管理范围内。")
    return consultation


def _congresses():
    """The regions a consultation may be published for: those managed that make local regulations."""
    regions = managed_regions(g.user)
    levels = dict(db.session.execute(select(Region.id, Region.level).where(
        Region.id.in_([r["id"] for r in regions]))).all())
    return [r for r in regions if levels.get(r["id"]) in services.LEGISLATIVE_LEVELS]


def _form(form, patch=False):
    data = {"title": form.get("title", ""), "summary": form.get("summary", ""), "text": form.get("text", "")}
    for key in ("starts_at", "ends_at"):
        data[key] = china_iso(form.get(key))
    if not patch:
        data["region_id"] = number_or_text(form.get("region_id", "")) if form.get("region_id") else g.user.admin_region_id
    return load_checked(ConsultationPatch() if patch else ConsultationIn(),
                        {k: v for k, v in data.items() if v is not None}, {})


# --- the list and a new one -------------------------------------------------------------------------------


@bp.get("/consultations")
@console_page()
def consultations():
    _region_admin_only()
    return render_template("console/consultations.html", **_list_page())


def _list_page(values=None):
    query = (select(Consultation).where(region_subtree_clause(Consultation.region_id, g.user.admin_region))
             .options(selectinload(Consultation.region)).order_by(Consultation.id.desc()))
    page = listing_page(query, PER_PAGE)
    ids = [c.id for c in page["items"]]
    counts = dict(db.session.execute(
        select(ConsultationOpinion.consultation_id, func.count()).where(ConsultationOpinion.consultation_id.in_(ids))
        .group_by(ConsultationOpinion.consultation_id)).all()) if ids else {}
    # Each labelled by its phase, as the API and its own page label it: one whose window is over reads 已结束
    # before the sweep closes it.
    now = utcnow()
    phases = {c.id: services.PHASE_LABELS[services.phase(c, now)] for c in page["items"]}
    return dict(page=page, counts=counts, phases=phases, regions=_congresses(), values=values or {})


@bp.post("/consultations")
@console_page("console.consultations")
def consultation_new():
    _region_admin_only()
    if not _congresses():  # a county's administrator: the page shows them no form
        raise APIError(403, "forbidden", NO_CONGRESS)
    try:
        data = _form(request.form)
        region = get_by_id(Region, data.get("region_id"))
        if region is None or not manages_region(g.user, region):
            raise APIError(422, "validation_failed", "请选择您管理的区域。", {"region_id": ["请选择您管理的区域。"]})
        consultation = services.create(region, data, g.user)
    except (APIError, ValidationError) as exc:
        reraise_unless_form_error(exc)
        return refused_form("console/consultations.html", exc, FORM_FIELDS, LABELS, read_after=lambda: _list_page(request.form))
    flash(f"已新建意见征集（草稿），草案共 {len(consultation.articles)} 条。请核对条文后发布。", "success")
    if data.get("text_left_out"):  # the draft's 说明 pasted after it: not taken, said so
        flash(data["text_left_out"], "warning")
    return redirect(url_for("console.consultation", consultation_id=consultation.id))


# --- a consultation's page --------------------------------------------------------------------------------


def _filters():
    article_id = parse_int(request.args.get("article_id"))
    kind = request.args.get("kind", "")
    return {"article_id": article_id, "kind": kind if kind in OPINION_KIND_LABELS else ""}


def _page(consultation, values=None):
    filters = _filters()
    phase = services.phase(consultation)
    page = listing_page(opinions_query(consultation, filters), OPINIONS_PER_PAGE, rows=True)
    counts = services.article_counts(consultation.id)
    form_values = values or {
        "title": consultation.title, "summary": consultation.summary, "text": full_text(consultation.articles),
        "starts_at": local_input(consultation.starts_dt), "ends_at": local_input(consultation.ends_dt)}
    # The list's filters and page, for a feedback form to come back to (only these: any other name in the
    # address would be passed on as well, and one named like the route's own a 500).
    kept_args = {key: request.args[key] for key in ("article_id", "kind", "page") if request.args.get(key)}
    return dict(consultation=consultation, draft=consultation.status == ConsultationStatus.draft, kept_args=kept_args,
                closed=consultation.status == ConsultationStatus.closed,
                counts=counts, total=sum(counts.values()), page=page, filters=filters, kind_labels=OPINION_KIND_LABELS,
                feedback_labels=FEEDBACK_LABELS, values=form_values, phase=phase,
                phase_label=services.PHASE_LABELS[phase])


@bp.get("/consultations/<int:consultation_id>")
@console_page("console.consultations")
def consultation(consultation_id):
    _region_admin_only()
    return render_template("console/consultation.html", **_page(_consultation(consultation_id)))


@bp.post("/consultations/<int:consultation_id>/edit")
@console_page("console.consultations")
def consultation_edit(consultation_id):
    _region_admin_only()
    consultation = _consultation(consultation_id)
    if consultation.status != ConsultationStatus.draft:  # said before the form is read: its boxes are gone
        raise APIError(409, "conflict", "意见征集已发布，不能再修改。")
    try:
        data = _form(request.form, patch=True)
        services.update_consultation(consultation, data, g.user)
    except (APIError, ValidationError) as exc:
        reraise_unless_form_error(exc)
        return refused_form("console/consultation.html", exc, FORM_FIELDS, LABELS,
                            read_after=lambda: _page(_consultation(consultation_id), values=request.form))
    flash(f"已保存，草案共 {len(consultation.articles)} 条。", "success")
    if data.get("text_left_out"):
        flash(data["text_left_out"], "warning")
    return redirect(url_for("console.consultation", consultation_id=consultation.id))


@bp.post("/consultations/<int:consultation_id>/open")
@console_page("console.consultations")
def consultation_open(consultation_id):
    _region_admin_only()
    consultation = services.open_consultation(_consultation(consultation_id), g.user)
    flash("已发布：群众可在联络站扫码阅读草案并提出意见。", "success")
    return redirect(url_for("console.consultation", consultation_id=consultation.id))


@bp.post("/consultations/<int:consultation_id>/close")
@console_page("console.consultations")
def consultation_close(consultation_id):
    _region_admin_only()
    consultation = services.close_consultation(_consultation(consultation_id), g.user)
    flash("意见征集已结束，不再接受新的意见。", "success")
    return redirect(url_for("console.consultation", consultation_id=consultation.id))


@bp.post("/consultations/<int:consultation_id>/opinions/<int:opinion_id>/feedback")
@console_page("console.consultations")
def consultation_feedback(consultation_id, opinion_id):
    _region_admin_only()
    consultation = _consultation(consultation_id)
    opinion = get_by_id(ConsultationOpinion, opinion_id)
    if opinion is None or opinion.consultation_id != consultation.id:
        raise not_found("意见不存在。")
    back = url_for("console.consultation", consultation_id=consultation.id,
                   **{k: v for k, v in request.args.items() if k in ("article_id", "kind", "page")})
    try:
        data = load_checked(OpinionFeedbackIn(), {"result": request.form.get("result", ""),
                                                  "note": request.form.get("note", "")},
                            {} if request.form.get("result") else {"result": ["请选择反馈结果：采纳、部分采纳或未采纳。"]})
        services.give_feedback(opinion, data, g.user)
    except (APIError, ValidationError) as exc:
        reraise_unless_form_error(exc)
        db.session.rollback()
        for line in error_lines(exc, LABELS):
            flash(line, "error")
        return redirect(f"{back}#opinion-{opinion_id}")
    flash(f"已反馈第 {opinion.id} 号意见：{FEEDBACK_LABELS[opinion.feedback.value]}。", "success")
    return redirect(f"{back}#opinion-{opinion_id}")


@bp.get("/consultations/<int:consultation_id>/export")
@console_page("console.consultations")
def consultation_export(consultation_id):
    """Every opinion of the consultation (up to MAX_EXPORT_ROWS), with the phones left and the feedback, as a
    spreadsheet."""
    _region_admin_only()
    consultation = _consultation(consultation_id)
    headers = ["编号", "条文", "意见", "提出人", "代表姓名", "联系电话", "提出时间", "反馈", "反馈说明", "反馈时间"]

    statement = (
        select(ConsultationOpinion.id, ConsultationArticle.number, ConsultationOpinion.content, ConsultationOpinion.kind,
               Deputy.name, ConsultationOpinion.phone, ConsultationOpinion.created_dt, ConsultationOpinion.feedback,
               ConsultationOpinion.feedback_note, ConsultationOpinion.feedback_dt)
        .outerjoin(ConsultationArticle, ConsultationArticle.id == ConsultationOpinion.article_id)
        .outerjoin(Deputy, Deputy.id == ConsultationOpinion.deputy_id)
        .where(ConsultationOpinion.consultation_id == consultation.id)
    )
    # Oldest first, as on the page; plain rows a batch at a time, up to MAX_EXPORT_ROWS as the other exports
    # (a draft open to a whole province can draw tens of thousands of opinions).
    rows = ([number, article or "总体意见", content, OPINION_KIND_LABELS[kind.value], deputy_name or "", phone or "",
             _china(created), FEEDBACK_LABELS[feedback.value] if feedback else "", feedback_note, _china(feedback_dt)]
            for number, article, content, kind, deputy_name, phone, created, feedback, feedback_note, feedback_dt
            in read_in_batches(statement, OPINION_ORDER))

    export = Export("立法意见", f"立法意见-{consultation.id}", fallback=f"consultation-{consultation.id}")
    counts = services.article_counts(consultation.id)
    export.sheet("意见", headers, rows, widths={"意见": 60, "反馈说明": 40, "提出时间": 18, "反馈时间": 18},
                 total=lambda: sum(counts.values()))
    export.sheet("各条意见数", ["条文", "意见数"],
                 [[a.number, counts.get(a.id, 0)] for a in consultation.articles] + [["总体意见", counts.get(None, 0)]],
                 counted=False)
    return export.send(target=("consultation", consultation.id, consultation.title[:100]),
                       region_id=consultation.region_id)


def _china(moment):
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else ""
