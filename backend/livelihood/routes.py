"""民生实事项目代表票决制 API: /livelihood/... and the public list of adopted projects.

Who sees what: a round belongs to a congress (a region); its administrators (and those above) manage
it; the deputies of its electorate see it once voting opens, and cast their ballot; everyone else gets
404, as for anything outside their scope. Nobody is ever shown how a deputy voted. While voting is open,
administrators see how many have voted (the turnout) and the electorate, never who has voted; once the
round is closed, who voted (the attendance record) and the counts — unless fewer than
``services.MIN_BALLOTS`` voted: then the round is void (票决无效) and no counts are shown at all.
"""
from sqlalchemy import exists, false, func, select
from sqlalchemy.orm import selectinload

from schemas.common import PageArgs, page_of
from schemas.livelihood import (
    AdoptIn,
    BallotIn,
    BallotOut,
    CloseIn,
    ProgressIn,
    ProgressOut,
    ProjectIn,
    ProjectOut,
    ProjectPatch,
    ProposalDeclineIn,
    ProposalIn,
    ProposalOut,
    ProposalQuery,
    PublicLivelihoodPage,
    PublicProjectQuery,
    VoteIn,
    VoteListOut,
    VoteOut,
    VotePatch,
    VoteQuery,
    VoterOut,
)

from ..auth.scope import (
    current_caller,
    current_user,
    get_by_id,
    get_or_404,
    login_required,
    managed_region,
    manages_region,
    region_subtree_clause,
    roles_required,
)
from ..db_types import utcnow
from ..errors import APIError, not_found, validation_failed
from ..extensions import Blueprint, db
from ..idempotency import idempotent
from ..org.congress import is_subdistrict, nearest_congress
from ..org.models import Deputy, Region
from ..pagination import paginate
from ..web.limits import web_filing_limits
from . import services
from .models import (
    PROPOSAL_STATUS_LABELS,
    LivelihoodBallot,
    LivelihoodProgress,
    LivelihoodProject,
    LivelihoodProposal,
    LivelihoodVote,
    VoteStatus,
)

blp = Blueprint("livelihood", __name__, url_prefix="/api/v1/livelihood", description="民生实事项目代表票决制")
public_livelihood = Blueprint("public_livelihood", __name__, url_prefix="/api/v1/public",
                              description="公开信息")

region_admin = roles_required("region_admin")


# --- finding what the caller may see ------------------------------------------------------------------


def _managed(caller, vote):
    return caller is not None and caller.admin_region is not None and manages_region(caller, vote.region)


def vote_or_404(vote_id):
    """A round the caller manages, or whose electorate they are in (once voting opened); else 404."""
    vote = get_or_404(LivelihoodVote, vote_id, "票决不存在。")
    caller = current_caller()
    if _managed(caller, vote) or services.ballot_of(vote, caller.deputy_id) is not None:
        return vote
    raise not_found("票决不存在。")


def managed_vote_or_404(vote_id):
    vote = get_or_404(LivelihoodVote, vote_id, "票决不存在。")
    if not _managed(current_caller(), vote):
        raise not_found("票决不存在。")
    return vote


def _project(vote, project_id):
    project = get_or_404(LivelihoodProject, project_id, "候选项目不存在。")
    if project.vote_id != vote.id:
        raise not_found("候选项目不存在。")
    return project


def _proposal_or_404(proposal_id):
    proposal = get_or_404(LivelihoodProposal, proposal_id, "民生实事建议不存在。")
    if not manages_region(current_caller(), proposal.region):
        raise not_found("民生实事建议不存在。")
    return proposal


# --- presenting -----------------------------------------------------------------------------------------


def present_project(project, closed):
    return {
        "id": project.id, "title": project.title, "description": project.description,
        "department": project.department, "budget": project.budget, "position": project.position,
        # The tallies only once the round is closed (while it is open they grow ballot by ballot).
        "votes_for": project.votes_for if closed else None,
        "votes_against": project.votes_against if closed else None,
        "votes_abstain": project.votes_abstain if closed else None,
        "adopted": project.adopted if closed else None, "tied": bool(project.tied) if closed else False,
        "progress": [present_progress(p) for p in project.progress],
    }


def present_progress(entry):
    return {"id": entry.id, "note": entry.note, "percent": entry.percent, "date": entry.on_date}


def cannot_vote_reason(vote, has_voted, in_office, now):
    """Why the caller may not cast a ballot in ``vote`` now (None: they may), in the order the ballot
    itself is refused (services.cast), a ballot cast first. ``has_voted``: None when they are not of its
    electorate (nor is anyone of a draft's: the electorate is fixed at the opening), who are not told
    (``_summary`` gives them null); ``in_office``: whether the caller is a deputy in office."""
    if has_voted:
        return "已投票"
    if vote.status == VoteStatus.closed or now >= vote.ends_dt:
        return "投票已结束"
    if vote.status != VoteStatus.voting or now < vote.starts_dt:
        return "投票尚未开始"
    if not in_office:
        return "您已离任"
    return None


def _summary(vote, has_voted, voted=None, caller=None, now=None, void=None):
    """A round as lists show it; ``voted`` and ``void``: its turnout and whether it is void when the caller
    found them already (a list's page); ``caller`` (by default the current one): whom ``has_voted``,
    ``can_vote`` and its reason are told."""
    if vote.status == VoteStatus.draft:
        voted = None
    elif voted is None:
        voted = services.turnout(vote)
    caller = caller or current_caller()
    now = now or utcnow()
    elector = has_voted is not None and vote.status != VoteStatus.draft
    reason = cannot_vote_reason(vote, has_voted, caller is not None and "deputy" in caller.roles,
                                now) if elector else None
    return {
        "id": vote.id, "region_id": vote.region_id, "region_name": vote.region.name, "title": vote.title,
        "year": vote.year, "places": vote.places, "starts_at": vote.starts_dt, "ends_at": vote.ends_dt,
        "status": vote.status.value, "status_label": services.PHASE_LABELS[services.phase(vote, now)],
        "electorate": vote.electorate, "voted": voted, "has_voted": has_voted,
        "can_vote": reason is None if elector else None, "cannot_vote_reason": reason,
        "void": services.is_void(vote) if void is None else void,
    }


def present_vote(vote, caller=None):
    caller = caller or current_caller()
    ballot = services.ballot_of(vote, caller.deputy_id) if caller is not None else None
    closed = vote.status == VoteStatus.closed
    return {
        **_summary(vote, ballot.cast_dt is not None if ballot is not None else None, caller=caller),
        "opened_at": vote.opened_dt, "closed_at": vote.closed_dt, "close_reason": vote.close_reason,
        "result_note": services.result_note(vote),
        "projects": [present_project(p, closed) for p in vote.projects],
    }


def present_proposal(proposal, admin):
    project = proposal.project
    closed = project is not None and project.vote.status == VoteStatus.closed
    body = {
        "id": proposal.id, "region_id": proposal.region_id, "region_name": proposal.region.name,
        "title": proposal.title, "content": proposal.content, "status": proposal.status.value,
        "status_label": PROPOSAL_STATUS_LABELS[proposal.status.value], "reason": proposal.reason,
        "project_id": proposal.project_id, "vote_title": project.vote.title if project is not None else None,
        "adopted": project.adopted if closed else None,
        # A void round's tallies are erased at its close (services.count): told without loading its candidates.
        "vote_void": closed and project.votes_for is None,
        "created_at": proposal.created_dt, "decided_at": proposal.decided_dt,
    }
    if admin:
        body["contact_phone"] = proposal.phone
    return body


# --- rounds ---------------------------------------------------------------------------------------------


@blp.get("/votes")
@login_required
@blp.arguments(VoteQuery, location="query")
@blp.response(200, page_of(VoteListOut))
def list_votes(args):
    """票决列表：区域管理员看所管区域（含下级）的票决；代表看本人有权投票的票决（投票开始后），含是否已投票。"""
    caller = current_caller()
    query = select(LivelihoodVote).options(selectinload(LivelihoodVote.region))
    if caller.admin_region is not None:
        query = query.where(region_subtree_clause(LivelihoodVote.region_id, caller.admin_region))
        if "region_id" in args:
            query = query.where(LivelihoodVote.region_id == args["region_id"])
    elif caller.deputy_id is not None:
        query = query.where(exists().where(LivelihoodBallot.vote_id == LivelihoodVote.id,
                                           LivelihoodBallot.deputy_id == caller.deputy_id))
    else:
        query = query.where(false())
    if "status" in args:
        query = query.where(LivelihoodVote.status == args["status"])
    page = paginate(query.order_by(LivelihoodVote.year.desc(), LivelihoodVote.id.desc()), args)
    # The page's turnouts, the caller's own ballots and its void rounds, one query each whatever the page holds.
    ids = [vote.id for vote in page["items"]]
    ballots = LivelihoodBallot.__table__.c
    turnouts = dict(db.session.execute(
        select(ballots.vote_id, func.count()).where(ballots.vote_id.in_(ids), ballots.cast_dt.is_not(None))
        .group_by(ballots.vote_id)).all()) if ids else {}
    mine = dict(db.session.execute(
        select(ballots.vote_id, ballots.cast_dt.is_not(None)).where(ballots.vote_id.in_(ids),
                                                                    ballots.deputy_id == caller.deputy_id)).all()
                ) if ids and caller.deputy_id is not None else {}
    now = utcnow()
    voids = services.void_rounds(page["items"])
    items = [_summary(vote, bool(mine[vote.id]) if vote.id in mine else None, turnouts.get(vote.id, 0), caller, now,
                      vote.id in voids)
             for vote in page["items"]]
    return {**page, "items": items}


@blp.post("/votes")
@region_admin
@idempotent
@blp.arguments(VoteIn)
@blp.response(201, VoteOut)
def create_vote(data):
    """新建票决（草稿）：某级人大（区域，默认为本人所管区域）的年度民生实事项目票决，拟票决项目数 1–50 个。"""
    region = managed_region(current_caller(), data.get("region_id"))
    return present_vote(services.create_vote(region, data, current_user()))


@blp.get("/votes/<int:vote_id>")
@login_required
@blp.response(200, VoteOut)
def get_vote(vote_id):
    """票决详情：候选项目；投票结束后各项目的赞成、反对、弃权票数与是否当选。任何人都看不到某位代表如何投票。"""
    return present_vote(vote_or_404(vote_id))


@blp.patch("/votes/<int:vote_id>")
@region_admin
@blp.arguments(VotePatch)
@blp.response(200, VoteOut)
def update_vote(data, vote_id):
    """修改票决（仅草稿）。"""
    vote = managed_vote_or_404(vote_id)
    return present_vote(services.update_vote(vote, data, current_user()))


@blp.post("/votes/<int:vote_id>/projects")
@region_admin
@idempotent
@blp.arguments(ProjectIn)
@blp.response(201, ProjectOut)
def add_project(data, vote_id):
    """添加候选项目（仅草稿）。"""
    vote = managed_vote_or_404(vote_id)
    return present_project(services.add_project(vote, data, current_user()), False)


@blp.patch("/votes/<int:vote_id>/projects/<int:project_id>")
@region_admin
@blp.arguments(ProjectPatch)
@blp.response(200, ProjectOut)
def update_project(data, vote_id, project_id):
    """修改候选项目（仅草稿）。"""
    vote = managed_vote_or_404(vote_id)
    return present_project(services.update_project(vote, _project(vote, project_id), data, current_user()), False)


@blp.delete("/votes/<int:vote_id>/projects/<int:project_id>")
@region_admin
@blp.response(204)
def remove_project(vote_id, project_id):
    """删除候选项目（仅草稿）；由群众建议采纳而来的，建议恢复为待处理。"""
    vote = managed_vote_or_404(vote_id)
    services.remove_project(vote, _project(vote, project_id), current_user())
    return ""


@blp.post("/votes/<int:vote_id>/open")
@region_admin
@blp.response(200, VoteOut)
def open_vote(vote_id):
    """开始投票：候选项目不少于拟票决项目数；此刻该级人大的在任代表即为应投票人数，此后名册变化不影响过半数的计算。"""
    vote = managed_vote_or_404(vote_id)
    return present_vote(services.open_vote(vote, current_user()))


@blp.post("/votes/<int:vote_id>/withdraw")
@region_admin
@blp.response(200, VoteOut)
def withdraw_vote(vote_id):
    """撤回发布：已开始投票（发布）但投票时间尚未开始的票决退回草稿，应投票代表不再固定，可修改后重新开始投票；投票时间开始后不能撤回，只能提前结束（须说明理由）。"""
    vote = managed_vote_or_404(vote_id)
    return present_vote(services.withdraw_vote(vote, current_user()))


@blp.post("/votes/<int:vote_id>/close")
@region_admin
@blp.arguments(CloseIn)
@blp.response(200, VoteOut)
def close_vote(data, vote_id):
    """结束投票并计票（一次）：投票时间尚未开始的不能结束（可撤回发布）；赞成票超过全体应投票代表半数的项目，按赞成票从多到少取拟票决项目数，末位得票相同的并列当选。投票期未满提前结束须说明理由。"""
    vote = managed_vote_or_404(vote_id)
    return present_vote(services.close_vote(vote, current_user(), data["reason"]))


@blp.get("/votes/<int:vote_id>/voters")
@region_admin
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(VoterOut))
def list_voters(args, vote_id):
    """投票情况：应投票代表；投票结束后另列其是否已投票（投票中只公布已投票人数，不公布谁已投票；任何时候都不含如何投票）。"""
    vote = managed_vote_or_404(vote_id)
    shown = services.who_voted_shown(vote)
    query = (select(Deputy.id, Deputy.name, LivelihoodBallot.cast_dt)
             .join(LivelihoodBallot, LivelihoodBallot.deputy_id == Deputy.id)
             .where(LivelihoodBallot.vote_id == vote.id).order_by(Deputy.id))
    page = paginate(query, args, rows=True)
    return {**page, "items": [{"deputy_id": row.id, "name": row.name,
                               "voted": row.cast_dt is not None if shown else None} for row in page["items"]]}


@blp.post("/votes/<int:vote_id>/ballot")
@login_required
@idempotent
@blp.arguments(BallotIn)
@blp.response(201, BallotOut)
def cast_ballot(data, vote_id):
    """代表投票：一张选票对每个候选项目表决（赞成、反对或弃权），只能在投票时间内投一次，投后不能更改。投票开始后离任的代表不能投票（403），但仍计入应投票人数。"""
    vote = vote_or_404(vote_id)
    ballot = services.ballot_of(vote, current_caller().deputy_id)
    if ballot is None:
        raise not_found("票决不存在。")
    cast_at = services.cast(vote, ballot, data["choices"])
    return {"vote_id": vote.id, "cast_at": cast_at, "message": "投票成功。"}


@blp.post("/projects/<int:project_id>/progress")
@region_admin
@idempotent
@blp.arguments(ProgressIn)
@blp.response(201, ProgressOut)
def add_progress(data, project_id):
    """登记当选项目的实施进度（公开）。"""
    project = get_or_404(LivelihoodProject, project_id, "项目不存在。")
    if not _managed(current_caller(), project.vote):
        raise not_found("项目不存在。")
    return present_progress(services.add_progress(project, data, current_user()))


@blp.delete("/projects/<int:project_id>/progress/<int:progress_id>")
@region_admin
@blp.response(204)
def withdraw_progress(project_id, progress_id):
    """撤回误录的实施进度（记入操作日志，公开页面不再显示）；可重新登记。"""
    project = get_or_404(LivelihoodProject, project_id, "项目不存在。")
    if not _managed(current_caller(), project.vote):
        raise not_found("项目不存在。")
    entry = get_or_404(LivelihoodProgress, progress_id, "进度不存在。")
    if entry.project_id != project.id:
        raise not_found("进度不存在。")
    services.withdraw_progress(project, entry, current_user())
    return ""


# --- 群众下单 -----------------------------------------------------------------------------------------------


@blp.post("/proposals")
@login_required
@idempotent  # outside the limits, as for a filing: a retry returns the proposal made and uses no quota
@web_filing_limits
@blp.arguments(ProposalIn)
@blp.response(201, ProposalOut)
def propose(data):
    """群众下单：向某级人大提出民生实事项目建议。微信中的群众与浏览器中的匿名群众身份（/auth/web）均可提出；后者与网页提交建议一样限频（429）。"""
    caller = current_caller()
    if "citizen" not in caller.roles:
        raise APIError(403, "forbidden", "请在微信中登录后提出建议。")
    region = get_by_id(Region, data["region_id"])
    if region is None:
        raise validation_failed({"region_id": ["区域不存在。"]}, "区域不存在。")
    return present_proposal(services.propose(caller, region, data), admin=False)


@blp.get("/proposals")
@login_required
@blp.arguments(ProposalQuery, location="query")
@blp.response(200, page_of(ProposalOut))
def list_proposals(args):
    """民生实事建议：区域管理员看所管区域（含下级）的建议（含联系电话）；群众看本人提出的建议及其处理结果。"""
    caller = current_caller()
    admin = caller.admin_region is not None
    query = select(LivelihoodProposal).options(selectinload(LivelihoodProposal.region))
    if admin:
        query = query.where(region_subtree_clause(LivelihoodProposal.region_id, caller.admin_region))
    else:
        query = query.where(LivelihoodProposal.proposer_id == caller.id)
    if "status" in args:
        query = query.where(LivelihoodProposal.status == args["status"])
    page = paginate(query.order_by(LivelihoodProposal.id.desc()), args)
    return {**page, "items": [present_proposal(p, admin) for p in page["items"]]}


@blp.post("/proposals/<int:proposal_id>/adopt")
@region_admin
@idempotent  # it makes a candidate: a retry returns the first answer rather than 409 已处理
@blp.arguments(AdoptIn)
@blp.response(200, ProposalOut)
def adopt_proposal(data, proposal_id):
    """采纳为候选项目：加入所提人大（或上级人大）的一个草稿票决。"""
    proposal = _proposal_or_404(proposal_id)
    vote = get_by_id(LivelihoodVote, data["vote_id"])
    if vote is None or not _managed(current_caller(), vote):
        raise validation_failed({"vote_id": ["票决不存在，或不在您的管理范围内。"]}, "票决不存在，或不在您的管理范围内。")
    return present_proposal(services.adopt(proposal, vote, current_user()), admin=True)


@blp.post("/proposals/<int:proposal_id>/decline")
@region_admin
@blp.arguments(ProposalDeclineIn)
@blp.response(200, ProposalOut)
def decline_proposal(data, proposal_id):
    """不予采纳（须说明理由，提出人可见）。"""
    proposal = _proposal_or_404(proposal_id)
    return present_proposal(services.decline(proposal, data["reason"], current_user()), admin=True)


# --- public ------------------------------------------------------------------------------------------------


@public_livelihood.get("/livelihood")
@public_livelihood.arguments(PublicProjectQuery, location="query")
@public_livelihood.response(200, PublicLivelihoodPage)
def public_projects(args):
    """民生实事项目（公开）：某区域（含下级）已结束票决中当选的项目及其实施进度；不含任何个人信息。
    街道、村（社区）不设人民代表大会，没有自己的项目：返回空列表，congress_region 指明其项目由哪一级人大票决，note 说明原因。"""
    region = get_or_404(Region, args["region_id"], "区域不存在。")
    holder = nearest_congress(region)
    pointer = {"congress_region": {"id": holder.id, "name": holder.name},
               "note": no_congress_note(region, holder) if holder is not region else None}
    if holder is not region:
        # No round of its own, ever (services.refuse_village): as the web page, the congress above instead.
        return {"items": [], "total": 0, "page": args["page"], "per_page": args["per_page"], **pointer}
    page = paginate(adopted_query(region), args)
    return {**page, "items": [public_project(project) for project in page["items"]], **pointer}


def no_congress_note(region, congress):
    """Why a 街道's or a village's projects are none of its own, and whose they are (the API's ``note``
    and the web page's)."""
    if is_subdistrict(region):
        return f"{region.name}不设人民代表大会（设人大工委），这里的民生实事项目由{congress.name}人民代表大会票决。"
    return f"{region.name}（村、社区）不设人民代表大会，这里的民生实事项目由{congress.name}人民代表大会票决。"


def adopted_query(region):
    """The projects adopted in the closed rounds of ``region``'s subtree, latest year first (also the
    public web page's, web.livelihood)."""
    return (select(LivelihoodProject).join(LivelihoodVote)
            .where(LivelihoodVote.status == VoteStatus.closed, LivelihoodProject.adopted.is_(True),
                   region_subtree_clause(LivelihoodVote.region_id, region))
            .options(selectinload(LivelihoodProject.progress),
                     selectinload(LivelihoodProject.vote).selectinload(LivelihoodVote.region))
            .order_by(LivelihoodVote.year.desc(), LivelihoodVote.id.desc(), LivelihoodProject.votes_for.desc(),
                      LivelihoodProject.id))


def public_project(project):
    """An adopted project as anyone may see it: no personal data."""
    progress = [present_progress(p) for p in project.progress]
    return {
        "id": project.id, "title": project.title, "description": project.description,
        "department": project.department, "budget": project.budget, "votes_for": project.votes_for,
        "vote_id": project.vote_id, "vote_title": project.vote.title, "year": project.vote.year,
        "region_name": project.vote.region.name,
        "percent": progress[-1]["percent"] if progress else 0, "progress": progress,
    }
