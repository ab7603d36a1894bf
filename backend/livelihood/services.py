"""民生实事项目代表票决制: the steps of a round, each in the request's transaction.

Locks (PostgreSQL; SQLite lets one writer in at a time, and each write below checks the round's state
in its own statement as well):

* editing a draft, opening and closing begin by moving the round on from the state they expect, in one
  conditional UPDATE of its row (``transactions.step``), before reading what they check: that holds the row
  (PostgreSQL) or the database (SQLite) until the request ends, and of two steps at once the second
  finds the state gone and is refused (a refusal after it rolls the request back whole);
* a ballot holds it too (FOR UPDATE), for the few milliseconds it takes: the ballots of a round go one
  after another, so that their additions to the candidates' tallies never wait on each other in
  different orders (a deadlock), a close waits for the ballots in flight and counts them, and a ballot
  arriving after the close reads it closed. A deputy's second ballot finds their row cast
  (UPDATE … WHERE cast_dt IS NULL).
"""
from sqlalchemy import and_, case, delete, exists, func, insert, select, update

from ..audit.log import record
from ..auth.models import User
from ..auth.scope import region_subtree_clause
from ..db_types import CHINA, utcnow
from ..errors import conflict, forbidden, not_found, validation_failed
from ..extensions import db
from ..transactions import each_on_its_own, step
from ..notifications.outbox import china_time, enqueue, restate_under, thing
from ..org.congress import congress_level, is_subdistrict
from ..suggestions.redact import redact
from ..org.models import DEPUTY_LEVEL_LABELS, Deputy
from .models import (
    Choice,
    LivelihoodBallot,
    LivelihoodProgress,
    LivelihoodProject,
    LivelihoodProposal,
    LivelihoodVote,
    ProposalStatus,
    VoteStatus,
)

NO_CONGRESS = "村（社区）不设人民代表大会，不能组织票决或向其提出民生实事项目。"
NO_SUBDISTRICT_CONGRESS = ("街道不设人民代表大会（设人大工委），不能组织票决或向其提出民生实事项目，"
                           "请向所在区（县）人民代表大会提出。")


MIN_BALLOTS = 3
"""The fewest ballots a round's result is published on. The tallies are sums of the ballots, and who voted
is shown once the round has closed (the attendance record): with one ballot cast the tallies are that
deputy's choices, with two each tally of 0 or 2 tells both deputies' choice on that candidate (and an
administrator may close a round early, right after a chosen deputy voted). A round closed with fewer
ballots is void (票决无效): its tallies are erased, unpublished, and no project is adopted."""

VOID_NOTE = f"投票代表不足 {MIN_BALLOTS} 人，为保护无记名投票，本次票决无效，不公布票数。"


def refuse_village(region, field="region_id"):
    """Refused (422) unless ``region`` has a people's congress: a village's or a 街道's, each told why."""
    if congress_level(region) is None:
        message = NO_SUBDISTRICT_CONGRESS if is_subdistrict(region) else NO_CONGRESS
        raise validation_failed({field: [message]}, message)


def electorate_clause(region):
    """SQL condition on ``Deputy``: the deputies in office of ``region``'s congress — of its level,
    elected in its subtree."""
    return and_(Deputy.active.is_(True), Deputy.level == congress_level(region),
                region_subtree_clause(Deputy.region_id, region))


def _hold(vote):
    """Read the round's status again with its row held until the request ends (a ballot: see the
    module's note)."""
    db.session.refresh(vote, ["status", "electorate", "starts_dt", "ends_dt"], with_for_update=True)
    return vote.status


def _draft(vote):
    step(db.session, vote, VoteStatus.draft, lambda status: "票决已发布，不能再修改。")


PHASE_LABELS = {"draft": "草稿", "upcoming": "尚未开始", "voting": "投票中", "ended": "已结束"}


def phase(vote, now=None):
    """Where a round stands for those reading it, by its status and its window: ``draft``, ``upcoming``
    (opened, its window not begun), ``voting`` or ``ended`` (closed, or its window over though the sweep
    has not closed it yet). The API's ``status_label`` and the console's pages label it by this
    (``PHASE_LABELS``), as consultations are labelled by theirs."""
    now = now or utcnow()
    if vote.status == VoteStatus.draft:
        return "draft"
    if vote.status == VoteStatus.closed or now >= vote.ends_dt:
        return "ended"
    return "upcoming" if now < vote.starts_dt else "voting"


def _log(action, actor, vote, detail=None):
    record(action, actor, ("livelihood_vote", vote.id, vote.title), vote.region_id, detail)


def _shown(value):
    """A value as the 操作日志 tells a change of it: a time in China time to the minute."""
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if hasattr(value, "astimezone") else value


# --- the round, while a draft ---------------------------------------------------------------------


def create_vote(region, data, actor):
    refuse_village(region)
    vote = LivelihoodVote(region_id=region.id, title=data["title"], year=data["year"], places=data["places"],
                          starts_dt=data["starts_at"], ends_dt=data["ends_at"], created_by_id=actor.id)
    db.session.add(vote)
    db.session.flush()
    _log("livelihood_vote_created", actor, vote, {"places": vote.places, "year": vote.year})
    return vote


FIELDS = {"title": "title", "year": "year", "places": "places", "starts_at": "starts_dt", "ends_at": "ends_dt"}


def update_vote(vote, data, actor):
    _draft(vote)
    starts, ends = data.get("starts_at", vote.starts_dt), data.get("ends_at", vote.ends_dt)
    if ends <= starts:
        raise validation_failed({"ends_at": ["投票结束时间须晚于开始时间。"]})
    changes = {}
    for key, attr in FIELDS.items():
        if key in data and data[key] != getattr(vote, attr):
            changes[key] = [_shown(getattr(vote, attr)), _shown(data[key])]
            setattr(vote, attr, data[key])
    if changes:
        _log("livelihood_vote_updated", actor, vote, changes)
    return vote


PROJECT_FIELDS = ("title", "description", "department", "budget", "position")


def add_project(vote, data, actor):
    _draft(vote)
    position = data.get("position")
    if position is None:
        position = (db.session.scalar(select(func.max(LivelihoodProject.position))
                                      .where(LivelihoodProject.vote_id == vote.id)) or 0) + 1
    project = LivelihoodProject(vote_id=vote.id, title=data["title"], description=data.get("description", ""),
                                department=data.get("department", ""), budget=data.get("budget"), position=position)
    db.session.add(project)
    db.session.flush()
    _log("livelihood_vote_updated", actor, vote, {"projects": ["", project.title]})
    return project


def update_project(vote, project, data, actor):
    _draft(vote)
    changes = {}
    for key in PROJECT_FIELDS:
        if key in data and data[key] != getattr(project, key):
            changes[f"project_{key}" if key != "title" else "projects"] = [getattr(project, key), data[key]]
            setattr(project, key, data[key])
    if changes:
        _log("livelihood_vote_updated", actor, vote, changes)
    return project


def remove_project(vote, project, actor):
    _draft(vote)
    # The round's row is held (``_draft``'s conditional UPDATE): a removal of the same project at the same
    # instant came first or waits. Gone by then: 404, nothing logged twice.
    if db.session.scalar(select(LivelihoodProject.id).where(LivelihoodProject.id == project.id)) is None:
        raise not_found("候选项目不存在。")
    # A proposal it came from is new again: it may be taken into another round, or declined.
    db.session.execute(update(LivelihoodProposal).where(LivelihoodProposal.project_id == project.id).values(
        status=ProposalStatus.new, project_id=None, decided_dt=None))
    db.session.delete(project)
    db.session.flush()
    _log("livelihood_vote_updated", actor, vote, {"projects": [project.title, ""]})


# --- opening and closing --------------------------------------------------------------------------


def open_vote(vote, actor):
    """投票开始: the electorate is fixed now, one ballot row per deputy in office of the congress. The round
    is moved on first, so that no edit slips in between the checks and the opening; a refusal after it
    rolls the request back whole."""
    step(db.session, vote, VoteStatus.draft, lambda status: "票决已开始或已结束。", status=VoteStatus.voting, opened_dt=utcnow())
    count = db.session.scalar(select(func.count()).select_from(LivelihoodProject)
                              .where(LivelihoodProject.vote_id == vote.id))
    if not count:
        raise conflict("还没有候选项目，不能开始投票。")
    if count < vote.places:
        message = f"候选项目（{count} 个）少于拟票决项目数（{vote.places} 个），请增加候选项目或减少拟票决项目数。"
        raise validation_failed({"places": [message]}, message)
    if utcnow() >= vote.ends_dt:
        raise validation_failed({"ends_at": ["投票结束时间已过，请先修改投票时间。"]}, "投票结束时间已过，请先修改投票时间。")
    region = vote.region
    refuse_village(region)  # a round made for a 街道 before they were known to have no congress
    electors = db.session.scalars(select(Deputy.id).where(electorate_clause(region)).order_by(Deputy.id)).all()
    deputies = DEPUTY_LEVEL_LABELS[congress_level(region).value]
    if not electors:
        raise conflict(f"{region.name}没有在任的{deputies}，不能开始投票。")
    if len(electors) < MIN_BALLOTS:
        # It could only end void (see MIN_BALLOTS): the few electors' tallies would tell how each voted.
        raise conflict(f"{region.name}在任的{deputies}只有 {len(electors)} 人：投票代表不足 {MIN_BALLOTS} 人，"
                       "无法保证无记名投票，不能开始投票。")
    db.session.execute(insert(LivelihoodBallot), [{"vote_id": vote.id, "deputy_id": d} for d in electors])
    db.session.execute(update(LivelihoodProject).where(LivelihoodProject.vote_id == vote.id)
                       .values(votes_for=0, votes_against=0, votes_abstain=0)
                       .execution_options(synchronize_session=False))
    vote.electorate = len(electors)
    _log("livelihood_vote_opened", actor, vote, {"electorate": len(electors), "projects": count})
    return vote


def close_vote(vote, actor, reason=""):
    """投票结束: the count, once. Early (before the window ends) only with a reason."""
    def refused(status):
        return "票决不在投票中。" if status == VoteStatus.draft else "投票已结束。"

    if vote.status != VoteStatus.voting:
        raise conflict(refused(vote.status))
    now = utcnow()
    if now < vote.starts_dt:
        # Closing now would record every elector as 未投票 and void the round: a round not begun is
        # withdrawn instead (``withdraw_vote``), back to a draft.
        raise conflict(NOT_BEGUN)
    if now < vote.ends_dt and not reason:
        raise validation_failed({"reason": ["提前结束投票须说明理由。"]}, "提前结束投票须说明理由。")
    # Closed first: a ballot on its way waits for this (PostgreSQL: it holds the row FOR SHARE, which this
    # waits for in turn; SQLite: one writer) and then finds the round closed; the count sees every other.
    step(db.session, vote, VoteStatus.voting, refused, status=VoteStatus.closed, closed_dt=now,
          close_reason=reason if now < vote.ends_dt else "")
    voted = turnout(vote)
    count(vote, voted)
    _log("livelihood_vote_closed", actor, vote, {"electorate": vote.electorate, "voted": voted,
                                                 "adopted": sum(bool(p.adopted) for p in vote.projects),
                                                 **({"void": True} if voted < MIN_BALLOTS else {}),
                                                 **({"reason": vote.close_reason} if vote.close_reason else {})})
    _tell_proposers_of_result(vote)
    return vote


NOT_BEGUN = "票决尚未开始，不能结束；如需取消，请撤回发布（退回草稿）后修改或不再开始。"


def withdraw_vote(vote, actor):
    """撤回发布: a round opened whose window has not begun goes back to a draft — its electorate unfixed
    (the ballot rows deleted, the tallies null again), edited and opened again, or left a draft. Nobody can
    have voted (a ballot is refused before the window), and the one conditional UPDATE also requires that
    no ballot was cast, so that a ballot at the very second the window begins and this never both land.
    Once the window has begun the round is closed early instead, with a reason (``close_vote``)."""
    now = utcnow()
    cast = exists().where(LivelihoodBallot.vote_id == LivelihoodVote.id, LivelihoodBallot.cast_dt.is_not(None))
    moved = db.session.execute(
        update(LivelihoodVote).where(LivelihoodVote.id == vote.id, LivelihoodVote.status == VoteStatus.voting,
                                     LivelihoodVote.starts_dt > now, ~cast)
        .values(status=VoteStatus.draft, electorate=None, opened_dt=None)
        .execution_options(synchronize_session=False)).rowcount
    electorate = vote.electorate
    db.session.refresh(vote)
    if not moved:
        if vote.status == VoteStatus.draft:
            raise conflict("票决尚未发布。")
        if vote.status == VoteStatus.closed:
            raise conflict("投票已结束。")
        raise conflict("投票已开始，不能撤回发布；如需停止，请提前结束投票并说明理由。")
    db.session.execute(delete(LivelihoodBallot).where(LivelihoodBallot.vote_id == vote.id))
    db.session.execute(update(LivelihoodProject).where(LivelihoodProject.vote_id == vote.id)
                       .values(votes_for=None, votes_against=None, votes_abstain=None)
                       .execution_options(synchronize_session=False))
    db.session.expire(vote, ["projects"])
    _log("livelihood_vote_withdrawn", actor, vote, {"electorate": electorate})
    return vote


def close_ended():
    """The sweep's step: every round still open after its window ends is closed and counted, as an
    administrator's 结束投票 would (the 操作日志 names the server). Each in a transaction of its own; a
    round an administrator closes meanwhile is left as they closed it. Returns how many it closed."""
    ids = db.session.scalars(select(LivelihoodVote.id).where(LivelihoodVote.status == VoteStatus.voting,
                                                             LivelihoodVote.ends_dt <= utcnow())).all()
    return each_on_its_own(db.session, LivelihoodVote, ids, lambda vote: close_vote(vote, None))


def count(vote, voted):
    """The result, stored on the candidates beside their tallies: adopted (当选) when its 赞成 exceed half
    of the electorate (过半数, of everyone entitled to vote, not of those who did), and among those the
    ``places`` with the most 赞成; a tie at the cut takes every tied candidate in (并列). With fewer than
    ``MIN_BALLOTS`` ballots cast (``voted``) the round is void: the tallies are erased (null, as in a
    draft) and nothing is adopted."""
    projects = db.session.scalars(  # the tallies as the ballots left them, not as this session last read them
        select(LivelihoodProject).where(LivelihoodProject.vote_id == vote.id)
        .execution_options(populate_existing=True)).all()
    for project in projects:
        project.adopted, project.tied = False, False
    if voted < MIN_BALLOTS:
        for project in projects:
            project.votes_for = project.votes_against = project.votes_abstain = None
        return
    majority = sorted((p for p in projects if 2 * p.votes_for > vote.electorate), key=lambda p: -p.votes_for)
    if len(majority) <= vote.places:
        chosen = majority
    else:
        cut = majority[vote.places - 1].votes_for
        chosen = [p for p in majority if p.votes_for >= cut]
        if len(chosen) > vote.places:
            for p in chosen:
                p.tied = p.votes_for == cut
    for p in chosen:
        p.adopted = True


def result_note(vote):
    """The result in one sentence, for the round's page and the API."""
    if vote.status != VoteStatus.closed:
        return ""
    voted = turnout(vote)
    if is_void(vote):
        return f"应投票 {vote.electorate} 人，实投 {voted} 人。{VOID_NOTE}"
    adopted = [p for p in vote.projects if p.adopted]
    note = f"应投票 {vote.electorate} 人，实投 {voted} 人；{len(adopted)} 个项目获全体代表过半数赞成票当选"
    tied = [p for p in adopted if p.tied]
    if tied:
        note += f"（第 {vote.places} 名有 {len(tied)} 个项目得票相同，并列当选）"
    if len(adopted) < vote.places:
        note += f"，少于拟票决的 {vote.places} 个"
    return note + "。"


def is_void(vote):
    """票决无效: closed with fewer than ``MIN_BALLOTS`` ballots cast (see there) — told by what the close
    stored, its tallies erased (``count``), so that a round's page never says void beside counts."""
    return vote.status == VoteStatus.closed and any(p.votes_for is None for p in vote.projects)


def void_rounds(votes):
    """The ids of those of ``votes`` that are void (``is_void``), by one query however many (a list's page)."""
    closed = [vote.id for vote in votes if vote.status == VoteStatus.closed]
    return set(db.session.scalars(select(LivelihoodProject.vote_id).where(
        LivelihoodProject.vote_id.in_(closed), LivelihoodProject.votes_for.is_(None)).distinct())) if closed else set()


def who_voted_shown(vote):
    """Whether who has voted may be shown (the attendance record): once the round is closed, never while
    it is open — else an administrator could watch a deputy vote and close the round at once."""
    return vote.status == VoteStatus.closed


def turnout(vote):
    """How many have voted (never who voted how)."""
    return db.session.scalar(select(func.count()).select_from(LivelihoodBallot).where(
        LivelihoodBallot.vote_id == vote.id, LivelihoodBallot.cast_dt.is_not(None)))


# --- a deputy's ballot ------------------------------------------------------------------------------


def ballot_of(vote, deputy_id):
    if deputy_id is None:
        return None
    return db.session.scalar(select(LivelihoodBallot).where(LivelihoodBallot.vote_id == vote.id,
                                                            LivelihoodBallot.deputy_id == deputy_id))


LEFT_OFFICE = "您已离任，不能在本次票决中投票。"


def cast(vote, ballot, choices):
    """One ballot covering every candidate, inside the window, once, by an elector still in office.

    An elector who leaves office after the opening is refused (403, nothing written) — back in office
    before the close, they may vote again. The electorate is not changed by it: 全体代表过半数 is
    reckoned on the deputies in office when voting opened (``LivelihoodVote.electorate``), so one who
    left counts there as one who did not vote."""
    status = _hold(vote)
    now = utcnow()
    if status == VoteStatus.closed or now >= vote.ends_dt:
        raise conflict("投票已结束。")
    if status != VoteStatus.voting or now < vote.starts_dt:
        raise conflict("投票尚未开始。")
    if not db.session.scalar(select(Deputy.active).where(Deputy.id == ballot.deputy_id)):
        raise forbidden(LEFT_OFFICE)
    projects = {p.id: p for p in vote.projects}
    given = {c["project_id"]: c["choice"] for c in choices}
    unknown = [pid for pid in given if pid not in projects]
    if unknown:
        raise validation_failed({"choices": [f"候选项目 {unknown[0]} 不属于本次票决。"]}, "选票中有不属于本次票决的项目。")
    missing = [p for p in projects.values() if p.id not in given]
    if missing:
        names = "、".join(f"“{p.title}”" for p in missing)
        message = f"请对每个候选项目表决（赞成、反对或弃权），还有{names}未表决。"
        raise validation_failed({"choices": [message]}, message)
    open_now = exists().where(LivelihoodVote.id == vote.id, LivelihoodVote.status == VoteStatus.voting)
    # In office in the same statement: a retirement committed since the check above is not slipped past.
    in_office = exists().where(Deputy.id == LivelihoodBallot.deputy_id, Deputy.active.is_(True))
    taken = db.session.execute(
        update(LivelihoodBallot)
        .where(LivelihoodBallot.id == ballot.id, LivelihoodBallot.cast_dt.is_(None), open_now, in_office)
        .values(cast_dt=now).execution_options(synchronize_session=False)).rowcount
    if not taken:
        db.session.refresh(ballot)
        if ballot.cast_dt is not None:
            raise conflict("您已投票，不能更改。")
        if not db.session.scalar(select(Deputy.active).where(Deputy.id == ballot.deputy_id)):
            raise forbidden(LEFT_OFFICE)
        raise conflict("投票已结束。")
    # One added to each candidate's tally of the choice made, and the choices kept nowhere (secret ballot).
    chosen = {kind: [pid for pid, choice in given.items() if Choice(choice) is kind] for kind in Choice}

    def plus(kind, column):
        return column + case((LivelihoodProject.id.in_(chosen[kind]), 1), else_=0) if chosen[kind] else column

    db.session.execute(
        update(LivelihoodProject).where(LivelihoodProject.vote_id == vote.id)
        .values(votes_for=plus(Choice.yes, LivelihoodProject.votes_for),
                votes_against=plus(Choice.no, LivelihoodProject.votes_against),
                votes_abstain=plus(Choice.abstain, LivelihoodProject.votes_abstain))
        .execution_options(synchronize_session=False))
    return now


# --- after the vote -----------------------------------------------------------------------------------


def add_progress(project, data, actor):
    vote = project.vote
    if vote.status != VoteStatus.closed or not project.adopted:
        raise conflict("只有票决当选的项目才能登记实施进度。")
    entry = LivelihoodProgress(project_id=project.id, note=data["note"], percent=data["percent"],
                               on_date=data["date"], created_by_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    _log("livelihood_progress_added", actor, vote, {"project": project.title, "progress": progress_line(entry)})
    return entry


def progress_line(entry):
    """A progress line as the 操作日志 and the console tell it: 2026-06-30 80%：路基完成."""
    return f"{entry.on_date.isoformat()} {entry.percent}%：{entry.note}"


def withdraw_progress(project, entry, actor):
    """撤回 a mistaken progress line: deleted (gone from the public page), the 操作日志 keeping what it said;
    it may be entered again, right. Of two withdrawals at once the second finds it gone (404)."""
    line = progress_line(entry)
    gone = db.session.execute(delete(LivelihoodProgress).where(
        LivelihoodProgress.id == entry.id, LivelihoodProgress.project_id == project.id)).rowcount
    if not gone:
        raise not_found("进度不存在。")
    db.session.expire(project, ["progress"])
    _log("livelihood_progress_withdrawn", actor, project.vote, {"project": project.title, "progress": line})


# --- 群众下单 -------------------------------------------------------------------------------------------


def propose(user, region, data):
    refuse_village(region)
    proposal = LivelihoodProposal(region_id=region.id, title=data["title"], content=data["content"],
                                  proposer_id=user.id, phone=data.get("contact_phone") or None)
    db.session.add(proposal)
    db.session.flush()
    return proposal


def _undecided(proposal):
    """Hold the proposal while it is decided, refused once decided: as ``transactions.step``, a conditional UPDATE,
    so that of two administrators deciding it at once the second is told (on SQLite too)."""
    held = db.session.execute(
        update(LivelihoodProposal).where(LivelihoodProposal.id == proposal.id,
                                         LivelihoodProposal.status == ProposalStatus.new)
        .values(status=LivelihoodProposal.status).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(proposal)
    if not held:
        raise conflict("该民生实事建议已处理。")


def adopt(proposal, vote, actor):
    """采纳为候选项目 of a draft round of the proposal's congress or one above it."""
    _undecided(proposal)
    if not vote.region.contains(proposal.region):
        message = "只能采纳为所提人大（或其上级人大）的票决候选项目。"
        raise validation_failed({"vote_id": [message]}, message)
    # The candidate is shown on every elector's ballot and, once adopted, on the public page: it carries the
    # citizen's words without their personal data (as public suggestions do); the administrator may reword it
    # while the round is a draft. The proposal keeps the words as written, for the citizen and the staff.
    project = add_project(vote, {"title": redact(proposal.title), "description": redact(proposal.content)}, actor)
    proposal.status, proposal.project_id, proposal.decided_dt, proposal.reason = (
        ProposalStatus.adopted, project.id, utcnow(), "")
    _tell_proposer(proposal, "已采纳", ADOPTED_NOTE)
    return proposal


def decline(proposal, reason, actor):
    _undecided(proposal)
    proposal.status, proposal.reason, proposal.decided_dt = ProposalStatus.declined, reason, utcnow()
    _tell_proposer(proposal, "未采纳", reason)
    return proposal


def _tell_proposers_of_result(vote):
    """When ``vote`` closes, the citizens whose proposals became its candidates are told how they fared
    (办理结果通知): 当选, 未当选, or that the round was void — once, with the close."""
    void = is_void(vote)
    proposals = db.session.execute(
        select(LivelihoodProposal, LivelihoodProject.adopted).join(
            LivelihoodProject, LivelihoodProject.id == LivelihoodProposal.project_id)
        .where(LivelihoodProject.vote_id == vote.id).order_by(LivelihoodProposal.id)).all()
    for proposal, adopted in proposals:
        result = "票决无效" if void else "已当选" if adopted else "未当选"
        enqueue(db.session.get(User, proposal.proposer_id), "answer", {
            "thing1": thing(proposal.title), "phrase2": result, "thing3": thing(vote.title),
            "time4": china_time(vote.closed_dt),
        }, page=PROPOSALS_PAGE, dedupe_key=f"answer:proposal:{proposal.id}:result:{vote.id}")


ADOPTED_NOTE = "已列为民生实事票决候选项目"
PROPOSALS_PAGE = "pages/livelihood/proposals"  # 我的民生建议


def _tell_proposer(proposal, result, note):
    """办理结果通知 (template ``answer``) to the citizen who proposed it, queued with the answer. One per
    answer: the key names the decision and its time, so that a proposal given back by the removal of its
    candidate and answered again tells again (a repeated answer is refused by ``_undecided`` before this).
    A browser identity (no openid) is told nothing: ``enqueue`` skips it. An earlier decision's notice still
    waiting (adopted, then given back and declined before the sweep ran) says this one instead: one message,
    the latest answer (the round's result notices, ``:result:``, are left alone)."""
    data = {"thing1": thing(proposal.title), "phrase2": result, "thing3": thing(note),
            "time4": china_time(proposal.decided_dt)}
    if restate_under([("answer", f"answer:proposal:{proposal.id}:")],
                     lambda template, key, old: old if ":result:" in key else data, untaken=True):
        return
    enqueue(db.session.get(User, proposal.proposer_id), "answer", data, page=PROPOSALS_PAGE,
            dedupe_key=f"answer:proposal:{proposal.id}:{proposal.status.value}:{proposal.decided_dt.timestamp()}")

