"""民生实事项目代表票决制 in the console, for region administrators: the rounds of their congresses, a
round's page (its draft edited, candidates, citizens' proposals to pick from, 开始投票 / 结束投票, the
turnout as it comes in, the result and the progress of the projects adopted), and the citizens'
proposals (采纳为候选项目 / 不予采纳). The same services as the API, the same refusals.

What the round's page shows of the secret ballot: while voting is open, the electorate (names, 已离任)
and how many have voted — never who has (an administrator could else watch a deputy vote and close the
round at once); once closed, who voted (the attendance record) and the counts, unless the round is void
(fewer than ``services.MIN_BALLOTS`` ballots): then no counts at all. How a deputy voted, never."""
from flask import flash, g, jsonify, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from schemas.livelihood import ProgressIn, ProjectIn, VoteIn, VotePatch
from schemas.common import clean

from ..auth.scope import get_by_id, manages_region, region_subtree_clause
from ..db_types import CHINA, utcnow
from ..errors import APIError, not_found
from ..extensions import db
from ..forms import china_iso, load_checked, local_input, number_or_text, parse_int
from ..livelihood import services
from ..livelihood.models import (
    PROPOSAL_STATUS_LABELS,
    LivelihoodBallot,
    LivelihoodProgress,
    LivelihoodProject,
    LivelihoodProposal,
    LivelihoodVote,
    ProposalStatus,
    VoteStatus,
)
from ..org.congress import congress_clause
from ..org.models import Deputy, Region
from . import bp, console_json
from .form_errors import error_lines, refused_form
from .pages import PER_PAGE, console_page, is_region_admin, listing_page, managed_regions

VOTE_FIELDS = ("region_id", "title", "year", "places", "starts_at", "ends_at")
PROJECT_FIELDS = ("title", "department", "budget", "description")
LABELS = {"title": "标题", "year": "年度", "places": "拟票决项目数", "starts_at": "投票开始时间",
          "ends_at": "投票结束时间", "region_id": "人大（区域）", "department": "责任单位", "budget": "预算（万元）",
          "description": "项目简介", "note": "进度说明", "percent": "完成进度", "date": "日期"}
PROJECT_LABELS = {**LABELS, "title": "项目名称"}


def _region_admin_only():
    if not is_region_admin(g.user):
        raise APIError(403, "forbidden", "民生实事项目票决由区域管理员组织，联络站管理员无需办理。")


def _vote(vote_id):
    vote = get_by_id(LivelihoodVote, vote_id)
    if vote is None or not manages_region(g.user, vote.region):
        raise not_found("票决不存在，或不在您的管理范围内。")
    return vote


def _project(vote, project_id):
    project = get_by_id(LivelihoodProject, project_id)
    if project is None or project.vote_id != vote.id:
        raise not_found("候选项目不存在。")
    return project


def _proposal(proposal_id):
    proposal = get_by_id(LivelihoodProposal, proposal_id)
    if proposal is None or not manages_region(g.user, proposal.region):
        raise not_found("民生实事建议不存在，或不在您的管理范围内。")
    return proposal


def _congresses():
    """The regions a round may be organised for: those managed that have a congress (not villages, not
    街道: org.congress.congress_level)."""
    regions = managed_regions(g.user)
    with_congress = set(db.session.scalars(select(Region.id).where(
        Region.id.in_([r["id"] for r in regions]), congress_clause())))
    return [r for r in regions if r["id"] in with_congress]


def _vote_form(form, patch=False):
    data = {key: form.get(key, "") for key in ("title",)}
    for key in ("year", "places"):
        data[key] = number_or_text(form.get(key, ""))
    for key in ("starts_at", "ends_at"):
        data[key] = china_iso(form.get(key))
    if not patch:
        data["region_id"] = number_or_text(form.get("region_id", "")) if form.get("region_id") else g.user.admin_region_id
    return load_checked(VotePatch() if patch else VoteIn(), {k: v for k, v in data.items() if v is not None}, {})


def _project_form(form):
    budget = (form.get("budget") or "").strip()
    data = {"title": form.get("title", ""), "department": form.get("department", ""),
            "description": form.get("description", ""), "budget": None}
    if budget:
        try:
            data["budget"] = float(budget)
        except ValueError:
            data["budget"] = budget
    return load_checked(ProjectIn(), data, {})


# --- the rounds -----------------------------------------------------------------------------------------


@bp.get("/livelihood")
@console_page()
def livelihood():
    _region_admin_only()
    # A round is nearly always voted for the year ahead: 年度 starts at next year (China time).
    next_year = utcnow().astimezone(CHINA).year + 1
    return render_template("console/livelihood.html", **_list_page({"year": str(next_year)}))


def _list_page(values=None):
    query = (select(LivelihoodVote).where(region_subtree_clause(LivelihoodVote.region_id, g.user.admin_region))
             .options(selectinload(LivelihoodVote.region))
             .order_by(LivelihoodVote.year.desc(), LivelihoodVote.id.desc()))
    page = listing_page(query, PER_PAGE)
    new = db.session.scalar(select(db.func.count()).select_from(LivelihoodProposal).where(
        LivelihoodProposal.status == ProposalStatus.new,
        region_subtree_clause(LivelihoodProposal.region_id, g.user.admin_region)))
    # Each labelled by its window, as the API labels it: one published to start tomorrow reads 尚未开始.
    now = utcnow()
    phases = {vote.id: services.PHASE_LABELS[services.phase(vote, now)] for vote in page["items"]}
    return dict(page=page, phases=phases, regions=_congresses(), values=values or {}, new_proposals=new,
                voids=services.void_rounds(page["items"]))


@bp.post("/livelihood")
@console_page("console.livelihood")
def livelihood_new():
    _region_admin_only()
    try:
        data = _vote_form(request.form)
        region = get_by_id(Region, data.get("region_id"))
        if region is None or not manages_region(g.user, region):
            raise APIError(422, "validation_failed", "请选择您管理的区域。", {"region_id": ["请选择您管理的区域。"]})
        vote = services.create_vote(region, data, g.user)
    except (APIError, ValidationError) as exc:
        if getattr(exc, "status", 422) != 422:
            raise
        return refused_form("console/livelihood.html", exc, VOTE_FIELDS, LABELS, read_after=lambda: _list_page(request.form))
    flash("已新建票决（草稿），请添加候选项目。", "success")
    return redirect(url_for("console.livelihood_vote", vote_id=vote.id))


def _round_page(vote, values=None, project_values=None):
    # ``active``: an elector who left office after the opening is marked 已离任 (they may not vote).
    voters = db.session.execute(
        select(Deputy.id, Deputy.name, Deputy.active, LivelihoodBallot.cast_dt.is_not(None).label("voted"))
        .join(LivelihoodBallot, LivelihoodBallot.deputy_id == Deputy.id)
        .where(LivelihoodBallot.vote_id == vote.id).order_by(Deputy.id)).all()
    proposals = db.session.scalars(
        select(LivelihoodProposal).where(LivelihoodProposal.status == ProposalStatus.new,
                                         region_subtree_clause(LivelihoodProposal.region_id, vote.region))
        .order_by(LivelihoodProposal.id).limit(100)).all() if vote.status == VoteStatus.draft else []
    draft = vote.status == VoteStatus.draft
    form_values = values or {
        "title": vote.title, "year": vote.year, "places": vote.places,
        "starts_at": local_input(vote.starts_dt), "ends_at": local_input(vote.ends_dt)}
    closed = vote.status == VoteStatus.closed
    phase = services.phase(vote)
    return dict(vote=vote, draft=draft, closed=closed, phase_label=services.PHASE_LABELS[phase],
                begun=phase not in ("draft", "upcoming"),
                voters=voters, voted=sum(1 for v in voters if v.voted), left_office=any(not v.active for v in voters),
                who_voted_shown=services.who_voted_shown(vote), void=closed and services.is_void(vote),
                min_ballots=services.MIN_BALLOTS, proposals=proposals,
                values=form_values, project_values=project_values or {}, result_note=services.result_note(vote))


def _refusable(template_context, fields, step, labels=LABELS):
    """``step()``, or its refusal shown on the round's page: each reason under its box, as typed."""
    try:
        return step()
    except (APIError, ValidationError) as exc:
        if getattr(exc, "status", 422) != 422:
            raise
        return refused_form("console/livelihood_vote.html", exc, fields, labels, read_after=template_context)


@bp.get("/livelihood/<int:vote_id>")
@console_page("console.livelihood")
def livelihood_vote(vote_id):
    _region_admin_only()
    return render_template("console/livelihood_vote.html", **_round_page(_vote(vote_id)))


@bp.get("/livelihood/<int:vote_id>/turnout")
@console_json
def livelihood_turnout(vote_id):
    """投票进度 as the round's page refreshes it: how many have voted — who, only once the round is closed
    (never how); the electors who have left office since the opening (已离任)."""
    _region_admin_only()
    vote = _vote(vote_id)
    # Counted in SQL: polled every few seconds by each open page, it reads no elector's row but those who
    # left office (a handful) and, once shown, who voted.
    ballots = LivelihoodBallot.vote_id == vote.id
    voted = db.session.scalar(select(func.count()).select_from(LivelihoodBallot)
                              .where(ballots, LivelihoodBallot.cast_dt.is_not(None)))
    left_office = db.session.scalars(
        select(LivelihoodBallot.deputy_id).join(Deputy, Deputy.id == LivelihoodBallot.deputy_id)
        .where(ballots, Deputy.active.is_(False)).order_by(LivelihoodBallot.deputy_id)).all()
    body = {"status": vote.status.value, "electorate": vote.electorate, "voted": voted,
            "left_office_deputy_ids": left_office}
    if services.who_voted_shown(vote):
        body["voted_deputy_ids"] = db.session.scalars(
            select(LivelihoodBallot.deputy_id).where(ballots, LivelihoodBallot.cast_dt.is_not(None))
            .order_by(LivelihoodBallot.deputy_id)).all()
    return jsonify(body)


@bp.post("/livelihood/<int:vote_id>/edit")
@console_page("console.livelihood")
def livelihood_edit(vote_id):
    _region_admin_only()
    vote = _vote(vote_id)

    def step():
        services.update_vote(vote, _vote_form(request.form, patch=True), g.user)
        flash("已保存。", "success")
        return redirect(url_for("console.livelihood_vote", vote_id=vote.id))

    return _refusable(lambda: _round_page(_vote(vote_id), values=request.form), VOTE_FIELDS, step)


@bp.post("/livelihood/<int:vote_id>/projects")
@console_page("console.livelihood")
def livelihood_project_add(vote_id):
    _region_admin_only()
    vote = _vote(vote_id)

    def step():
        project = services.add_project(vote, _project_form(request.form), g.user)
        flash(f"已添加候选项目“{project.title}”。", "success")
        return redirect(url_for("console.livelihood_vote", vote_id=vote.id))

    return _refusable(lambda: _round_page(_vote(vote_id), project_values=request.form), PROJECT_FIELDS, step,
                      PROJECT_LABELS)


@bp.post("/livelihood/<int:vote_id>/projects/<int:project_id>/edit")
@console_page("console.livelihood")
def livelihood_project_edit(vote_id, project_id):
    """A candidate corrected while the round is a draft; refused, the reason at the top of the round's page
    (the candidate's form is one of many on it)."""
    _region_admin_only()
    vote = _vote(vote_id)
    project = _project(vote, project_id)
    try:
        services.update_project(vote, project, _project_form(request.form), g.user)
    except (APIError, ValidationError) as exc:
        return _refused_here(exc, vote, PROJECT_LABELS)
    flash(f"已保存候选项目“{project.title}”。", "success")
    return redirect(url_for("console.livelihood_vote", vote_id=vote.id))


def _refused_here(exc, vote, labels=LABELS):
    """A refused step of one of the round page's small forms: its reasons at the top of the page, named
    as the page names its boxes; a refusal other than a validation (409, 404) goes to ``console_page``."""
    if getattr(exc, "status", 422) != 422:
        raise exc
    db.session.rollback()
    for line in error_lines(exc, labels):
        flash(line, "error")
    return redirect(url_for("console.livelihood_vote", vote_id=vote.id))


@bp.post("/livelihood/<int:vote_id>/projects/<int:project_id>/delete")
@console_page("console.livelihood")
def livelihood_project_delete(vote_id, project_id):
    _region_admin_only()
    vote = _vote(vote_id)
    project = _project(vote, project_id)
    title = project.title
    services.remove_project(vote, project, g.user)
    flash(f"已删除候选项目“{title}”。", "success")
    return redirect(url_for("console.livelihood_vote", vote_id=vote.id))


@bp.post("/livelihood/<int:vote_id>/open")
@console_page("console.livelihood")
def livelihood_open(vote_id):
    _region_admin_only()
    vote = services.open_vote(_vote(vote_id), g.user)
    flash(f"投票已开始：应投票代表 {vote.electorate} 人。", "success")
    return redirect(url_for("console.livelihood_vote", vote_id=vote.id))


@bp.post("/livelihood/<int:vote_id>/withdraw")
@console_page("console.livelihood")
def livelihood_withdraw(vote_id):
    _region_admin_only()
    vote = services.withdraw_vote(_vote(vote_id), g.user)
    flash("已撤回发布，票决退回草稿。", "success")
    return redirect(url_for("console.livelihood_vote", vote_id=vote.id))


@bp.post("/livelihood/<int:vote_id>/close")
@console_page("console.livelihood")
def livelihood_close(vote_id):
    _region_admin_only()
    vote = _vote(vote_id)
    try:
        services.close_vote(vote, g.user, clean(request.form.get("reason"))[:500])
    except APIError as exc:
        return _refused_here(exc, vote)
    flash(f"投票已结束并计票：{services.result_note(vote)}", "success")
    return redirect(url_for("console.livelihood_vote", vote_id=vote.id))


@bp.post("/livelihood/<int:vote_id>/projects/<int:project_id>/progress")
@console_page("console.livelihood")
def livelihood_progress(vote_id, project_id):
    _region_admin_only()
    vote = _vote(vote_id)
    project = _project(vote, project_id)
    try:
        data = load_checked(ProgressIn(), {"note": request.form.get("note", ""),
                                           "percent": number_or_text(request.form.get("percent", "")),
                                           "date": (request.form.get("date") or "").strip()}, {})
        services.add_progress(project, data, g.user)
    except (APIError, ValidationError) as exc:
        return _refused_here(exc, vote)
    flash(f"已登记“{project.title}”的实施进度：{data['percent']}%。", "success")
    return redirect(url_for("console.livelihood_vote", vote_id=vote.id))


@bp.post("/livelihood/<int:vote_id>/projects/<int:project_id>/progress/<int:progress_id>/delete")
@console_page("console.livelihood")
def livelihood_progress_delete(vote_id, project_id, progress_id):
    _region_admin_only()
    vote = _vote(vote_id)
    project = _project(vote, project_id)
    entry = db.session.get(LivelihoodProgress, progress_id)
    if entry is None or entry.project_id != project.id:
        raise not_found("进度不存在。")
    line = services.progress_line(entry)
    services.withdraw_progress(project, entry, g.user)
    flash(f"已撤回进度：{line}", "success")
    return redirect(url_for("console.livelihood_vote", vote_id=vote.id))


# --- 群众下单 -------------------------------------------------------------------------------------------


@bp.get("/livelihood/proposals")
@console_page()
def livelihood_proposals():
    _region_admin_only()
    status = request.args.get("status", "new")
    query = (select(LivelihoodProposal)
             .where(region_subtree_clause(LivelihoodProposal.region_id, g.user.admin_region))
             .options(selectinload(LivelihoodProposal.region)).order_by(LivelihoodProposal.id.desc()))
    if status in PROPOSAL_STATUS_LABELS:
        query = query.where(LivelihoodProposal.status == status)
    drafts = db.session.scalars(
        select(LivelihoodVote).where(LivelihoodVote.status == VoteStatus.draft,
                                     region_subtree_clause(LivelihoodVote.region_id, g.user.admin_region))
        .options(selectinload(LivelihoodVote.region)).order_by(LivelihoodVote.id.desc())).all()
    return render_template("console/livelihood_proposals.html", page=listing_page(query, PER_PAGE), drafts=drafts,
                           status=status, labels=PROPOSAL_STATUS_LABELS)


@bp.post("/livelihood/proposals/<int:proposal_id>/adopt")
@console_page("console.livelihood_proposals")
def livelihood_proposal_adopt(proposal_id):
    _region_admin_only()
    proposal = _proposal(proposal_id)
    vote_id = parse_int(request.form.get("vote_id"))
    if vote_id is None:
        raise APIError(422, "validation_failed", "请选择要加入的票决。")
    vote = _vote(vote_id)
    services.adopt(proposal, vote, g.user)
    flash(f"已将“{proposal.title}”采纳为“{vote.title}”的候选项目。", "success")
    return redirect(request.form.get("back") == "vote" and url_for("console.livelihood_vote", vote_id=vote.id)
                    or url_for("console.livelihood_proposals"))


@bp.post("/livelihood/proposals/<int:proposal_id>/decline")
@console_page("console.livelihood_proposals")
def livelihood_proposal_decline(proposal_id):
    _region_admin_only()
    proposal = _proposal(proposal_id)
    reason = clean(request.form.get("reason"))
    if not reason:
        raise APIError(422, "validation_failed", "不予采纳须说明理由（提出人可以看到）。")
    services.decline(proposal, reason[:500], g.user)
    flash(f"已不予采纳“{proposal.title}”。", "success")
    return redirect(url_for("console.livelihood_proposals"))
