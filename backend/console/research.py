"""调研清单 in the console, for the region administrators of a congress: the year's topics of their region and
below with the year's figures, a new topic (草稿, or published at once), exported to Excel with their teams
and reports; a topic's page (edited, published, withdrawn or deleted; its teams with their members and
reports; 审核通过, 退回修改 and 领导批示 on a report). The same services as the API, the same refusals."""
from flask import Response, flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from schemas.research import (
    ResearchInstructionIn,
    ResearchReviewIn,
    ResearchSummaryQuery,
    ResearchTopicIn,
    ResearchTopicPatch,
)

from ..auth.scope import get_by_id, manages_region
from ..errors import APIError, not_found
from ..extensions import db
from ..forms import load_checked, number_or_text
from ..org import congress
from ..org.models import Region
from ..research import services
from ..research.models import TOPIC_STATUS_LABELS, ResearchReport, ResearchReportPhoto, ResearchTopic, TopicStatus
from ..uploads.models import Upload
from ..uploads.storage import NotStored, get_storage, valid_key
from . import bp
from .exports import Export
from .form_errors import refused_form
from .pages import (
    PER_PAGE,
    console_page,
    is_region_admin,
    listing_page,
    managed_regions,
    reraise_unless_form_error,
    year_asked,
)

TOPIC_FIELDS = ("region_id", "year", "title", "theme", "description", "due_date", "max_teams")  # in page order
INSTRUCTION_FIELDS = ("instructed_by", "date", "text")
LABELS = {"region_id": "发布课题的人大（区域）", "year": "年度", "title": "课题名称", "theme": "主题", "description": "课题说明",
          "due_date": "报告截止日期", "max_teams": "领题团队数上限", "reason": "退回理由", "instructed_by": "批示领导",
          "date": "批示日期", "text": "批示内容"}
PHOTO_NOT_FOUND = "图片不存在。"
YEAR_LABEL = {"year": "年度"}  # the pages read with ?year= (a wrong one is refused naming it)


def _region_admin_only():
    if not is_region_admin(g.user):
        raise APIError(403, "forbidden", "调研清单由人大常委会的区域管理员发布和管理，联络站管理员无需办理。")


def _topic(topic_id):
    topic = get_by_id(ResearchTopic, topic_id)
    if topic is None or not manages_region(g.user, topic.region):
        raise not_found("调研课题不存在，或不在您的管理范围内。")
    return topic


def _report(report_id):
    report = get_by_id(ResearchReport, report_id)
    if report is None or not manages_region(g.user, report.topic.region):
        raise not_found("调研报告不存在，或不在您的管理范围内。")
    return report


def _congresses():
    """The regions a topic may be published for: those managed that have a people's congress."""
    regions = managed_regions(g.user)
    with_congress = set(db.session.scalars(select(Region.id).where(
        Region.id.in_([r["id"] for r in regions]), congress.congress_clause())))
    return [r for r in regions if r["id"] in with_congress]


# --- the list ----------------------------------------------------------------------------------------------


def _filters():
    return {"year": year_asked(ResearchSummaryQuery, services.this_year()),
            "theme": (request.args.get("theme") or "").strip()[:20],
            "status": request.args.get("status") if request.args.get("status") in TOPIC_STATUS_LABELS else ""}


def _list_page(values=None):
    filters = _filters()
    region = db.session.get(Region, g.user.admin_region_id)
    page = listing_page(services.topics_query(region, filters), PER_PAGE)
    this_year = services.this_year()
    return dict(page=page, topics=page["items"], filters=filters, figures=services.summary(region, filters["year"]),
                years=list(range(this_year + 1, this_year - 6, -1)), status_labels=TOPIC_STATUS_LABELS,
                regions=_congresses(), values=values or {"year": str(this_year)})


@bp.get("/research")
@console_page(labels=YEAR_LABEL)
def research():
    _region_admin_only()
    return render_template("console/research.html", **_list_page())


def _topic_form(form, patch=False):
    data = {key: form.get(key, "") for key in ("title", "theme", "description")}
    errors = {}
    for key in ("year", "max_teams"):
        if form.get(key, "").strip():
            data[key] = number_or_text(form[key].strip())
        elif patch and key == "max_teams":
            data[key] = None
    if form.get("due_date", "").strip():
        data["due_date"] = form["due_date"].strip()
    elif patch:
        data["due_date"] = None
    if patch:
        return load_checked(ResearchTopicPatch(), data, errors)
    data["region_id"] = number_or_text(form["region_id"]) if form.get("region_id") else g.user.admin_region_id
    return load_checked(ResearchTopicIn(), data, errors)


@bp.post("/research")
@console_page("console.research")
def research_new():
    _region_admin_only()
    try:
        data = _topic_form(request.form)
        region = get_by_id(Region, data.pop("region_id"))
        if region is None or not manages_region(g.user, region):
            raise APIError(422, "validation_failed", "请选择您管理的区域。", {"region_id": ["请选择您管理的区域。"]})
        topic = services.create_topic(region, data, g.user)
        if request.form.get("publish") == "1":
            services.publish(topic, g.user)
    except (APIError, ValidationError) as exc:
        reraise_unless_form_error(exc)
        return refused_form("console/research.html", exc, TOPIC_FIELDS, LABELS, read_after=lambda: _list_page(request.form))
    flash(f"已发布课题“{topic.title}”，相关代表即可揭榜领题。" if topic.status is TopicStatus.published
          else f"已保存课题“{topic.title}”（草稿），发布后代表才能领题。", "success")
    return redirect(url_for("console.research_topic", topic_id=topic.id))


def _status_of(team):
    label = services.report_status_label(team, team.report)
    return f"{label}（逾期提交）" if team.report is not None and team.report.late else label


@bp.get("/research/export.xlsx")
@console_page("console.research", labels=YEAR_LABEL)
def research_export():
    """The year's topics in scope with their teams and the state of each report (every page of the list)."""
    _region_admin_only()
    filters = _filters()
    region = db.session.get(Region, g.user.admin_region_id)
    topics = db.session.scalars(services.topics_query(region, filters).options(selectinload(ResearchTopic.region))).all()
    teams_of = services.teams_by_topic([topic.id for topic in topics], active_only=True)

    def rows():
        for topic in topics:
            teams = teams_of[topic.id]
            base = (topic.year, topic.region.name, topic.title, topic.theme, topic.status_label,
                    topic.due_date.isoformat() if topic.due_date else "", topic.max_teams or "不限", topic.teams_taken)
            if not teams:
                yield (*base, "", "", "", "", "", "")
            for team in teams:
                report = team.report
                yield (*base, services.team_label(team),
                       "、".join(m.deputy.name for m in team.members if m.active), report.title if report else "",
                       _status_of(team), report.instructed_by if report and report.instructed else "",
                       report.instruction_date.isoformat() if report and report.instructed else "")

    export = Export("调研清单", f"调研清单-{filters['year']}", fallback=f"research-{filters['year']}")
    export.sheet(f"{filters['year']}年调研清单", [
        "年度", "发布课题的人大", "课题", "主题", "课题状态", "报告截止日期", "领题团队数上限", "已领题团队数", "调研团队", "团队成员",
        "调研报告", "报告状态", "批示领导", "批示日期"], rows(), widths={"课题": 30, "团队成员": 30, "调研报告": 30},
        total=lambda: sum(max(1, len(teams_of[topic.id])) for topic in topics))  # a row a team, a topic's own if none
    return export.send()


# --- a topic's page ----------------------------------------------------------------------------------------


def _page(topic, values=None, report_values=None, report_id=None):
    """The topic's page; ``report_values`` and ``report_id``: a form on that report refused (退回修改 while it
    waits for review, 领导批示 once accepted: one form a report at a time), shown again as typed."""
    return dict(topic=topic, teams=services.teams_of_topic(topic.id), today=services.today().isoformat(),
                values=values or {"year": str(topic.year), "title": topic.title, "theme": topic.theme,
                                  "description": topic.description,
                                  "due_date": topic.due_date.isoformat() if topic.due_date else "",
                                  "max_teams": "" if topic.max_teams is None else str(topic.max_teams)},
                report_values=report_values or {},
                refused_report_id=report_id, congress_name=services.congress_name(topic.region),
                accepted_day=services.accepted_day)


@bp.get("/research/<int:topic_id>")
@console_page("console.research")
def research_topic(topic_id):
    _region_admin_only()
    return render_template("console/research_topic.html", **_page(_topic(topic_id)))


@bp.get("/research/reports/<int:report_id>/photos/<key>")
@console_page("console.research")
def research_report_photo(report_id, key):
    """A photo of a report, for the administrators of the topic's region, who review it (the API's photo URL
    needs a bearer token, which a console session has not)."""
    _region_admin_only()
    report = _report(report_id)
    record = db.session.scalar(select(Upload).join(ResearchReportPhoto, ResearchReportPhoto.upload_id == Upload.id)
                               .where(ResearchReportPhoto.report_id == report.id, Upload.key == key)) if valid_key(key) else None
    if record is None:
        raise not_found(PHOTO_NOT_FOUND)
    try:
        data = get_storage().open(key)
    except NotStored:
        raise not_found(PHOTO_NOT_FOUND) from None
    response = Response(data, mimetype=record.content_type)
    response.set_etag(key)
    response.cache_control.private = True
    response.cache_control.max_age = 86400
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    return response.make_conditional(request)


@bp.post("/research/<int:topic_id>/edit")
@console_page("console.research")
def research_edit(topic_id):
    _region_admin_only()
    topic = _topic(topic_id)
    try:
        changes = services.update_topic(topic, _topic_form(request.form, patch=True), g.user)
    except (APIError, ValidationError) as exc:
        reraise_unless_form_error(exc)
        return refused_form("console/research_topic.html", exc, TOPIC_FIELDS, LABELS,
                            read_after=lambda: _page(_topic(topic_id), values=request.form))
    flash(f"已保存课题“{topic.title}”。" if changes else "没有需要保存的修改。", "success" if changes else "message")
    return redirect(url_for("console.research_topic", topic_id=topic.id))


@bp.post("/research/<int:topic_id>/publish")
@console_page("console.research", labels=LABELS)
def research_publish(topic_id):
    _region_admin_only()
    topic = services.publish(_topic(topic_id), g.user)
    flash(f"已发布课题“{topic.title}”，相关代表即可揭榜领题。", "success")
    return redirect(url_for("console.research_topic", topic_id=topic.id))


@bp.post("/research/<int:topic_id>/withdraw")
@console_page("console.research")
def research_withdraw(topic_id):
    _region_admin_only()
    topic = services.withdraw(_topic(topic_id), g.user)
    flash(f"已撤回课题“{topic.title}”，代表不能再领题。", "success")
    return redirect(url_for("console.research_topic", topic_id=topic.id))


@bp.post("/research/<int:topic_id>/delete")
@console_page("console.research")
def research_delete(topic_id):
    _region_admin_only()
    topic = _topic(topic_id)
    title = topic.title
    services.delete_topic(topic, g.user)
    flash(f"已删除课题草稿“{title}”。", "success")
    return redirect(url_for("console.research"))


# --- reviewing reports -------------------------------------------------------------------------------------


def _to_report(report):
    return redirect(url_for("console.research_topic", topic_id=report.topic_id) + f"#report-{report.id}")


@bp.post("/research/reports/<int:report_id>/accept")
@console_page("console.research")
def research_accept(report_id):
    _region_admin_only()
    report = services.review(_report(report_id), g.user, True)
    flash(f"调研报告“{report.title}”已审核通过，团队成员已按评分细则计分，并已通知牵头代表。", "success")
    return _to_report(report)


def _refused_on_report(exc, report_id, form_fields):
    """A form on a report refused: a 422 shows the topic's page again with that form as typed and the
    messages at its fields; any other refusal goes on to ``console_page``."""
    reraise_unless_form_error(exc)
    return refused_form("console/research_topic.html", exc, form_fields, LABELS, read_after=lambda: _page(
        _report(report_id).topic, report_values=request.form, report_id=report_id))


@bp.post("/research/reports/<int:report_id>/return")
@console_page("console.research", labels=LABELS)
def research_return(report_id):
    _region_admin_only()
    report = _report(report_id)
    try:
        data = load_checked(ResearchReviewIn(), {"reason": request.form.get("reason", "")}, {})
        services.review(report, g.user, False, data["reason"])
    except (APIError, ValidationError) as exc:
        return _refused_on_report(exc, report_id, ("reason",))
    flash(f"已将调研报告“{report.title}”退回修改，并已通知牵头代表。", "success")
    return _to_report(report)


@bp.post("/research/reports/<int:report_id>/instruction")
@console_page("console.research")
def research_instruction(report_id):
    _region_admin_only()
    report = _report(report_id)
    form = request.form
    try:
        errors = {} if form.get("date") else {"date": ["请填写批示日期。"]}
        data = load_checked(ResearchInstructionIn(), {key: form.get(key, "") for key in INSTRUCTION_FIELDS}, errors)
        services.instruct(report, g.user, data)
    except (APIError, ValidationError) as exc:
        return _refused_on_report(exc, report_id, INSTRUCTION_FIELDS)
    flash(f"已登记{report.instructed_by}对调研报告“{report.title}”的批示，团队成员已按评分细则计分。", "success")
    return _to_report(report)
