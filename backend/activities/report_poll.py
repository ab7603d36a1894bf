"""述职测评: at a 述职 activity (type ``report``) the voters present rate each reporting deputy 满意 /
基本满意 / 不满意 by scanning a printed code (models ``ReportPoll`` and its rows).

A poll is set up by the activity's administrators (草稿), opened, and closed; ballots are taken while it
is open and its window (by default the activity's start to ``REPORT_POLL_GRACE_MINUTES`` after its end)
contains now. A voter is a citizen identity — a WeChat user or a phone browser's (``/auth/web``) — never
a deputy or an administrator; one ballot each, by the unique (poll, voter) constraint: of two at once from
one identity the second finds the first and is refused (409). A ballot begins by holding the poll's row
in a conditional UPDATE that finds it open (``transactions.step``; PostgreSQL's row lock, SQLite's one
writer), as opening and closing move it on: the ballots of a poll go one after another for the
milliseconds each takes, a close waits for those in flight and counts them, and a ballot after it finds
it closed. A reschedule of the meeting (``activity_edited``), a rated deputy's 请假 (``deputy_on_leave``),
an opening and an edit of the window hold the same row before they read what they check (the poll, or the
meeting and its list again): of two at once the second reads what the first left, so a window never ends
up outside the moved meeting, nor a poll opened for a meeting it could not yet be opened for or rating a
deputy on leave. An opening and an edit of the window then hold the meeting's row too (``services.hold``,
the poll's row first, as every path takes them): a 结单 or 取消 at the same instant comes wholly before
them (and refuses them) or after. 取消 closes the poll in its own transaction (``activity_cancelled``), its
row written before the meeting's; 结单 leaves an opened poll to its window (voters still in the hall rate
after the meeting's end: that is what the window's grace is for), and a draft then can no longer open.

凭票测评 (``ballot_mode`` ticket, chosen while a draft): a phone that clears its storage, or a script, is a new
identity each time; a poll in this mode takes a ballot only with one of the one-time tickets its administrators
generate (``issue_tickets``, at most REPORT_POLL_MAX_TICKETS) and hand out at the door, each printed once and
kept only as a digest. A ticket makes one ballot: the unique ``ticket_id`` of the ballots is the arbiter, and
of two phones sending one ticket at once the second is refused (409 此测评票已使用。).

Services flush and never commit; the request commits once.
"""
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, func, insert, or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..audit.log import record as audit
from ..db_types import CHINA, utcnow
from ..errors import conflict, forbidden, validation_failed
from ..extensions import db
from .. import one_time_codes
from ..org.models import Deputy
from ..suggestions.models import SATISFACTION_LABELS, Satisfaction
from ..transactions import each_on_its_own, step
from .models import (
    Activity,
    ActivityParticipant,
    ActivityStatus,
    ActivityType,
    ParticipantStatus,
    ReportPoll,
    ReportPollBallot,
    ReportPollBallotMode,
    ReportPollChoice,
    ReportPollDeputy,
    ReportPollStatus,
    ReportPollTicket,
    REPORT_POLL_BALLOT_MODE_LABELS,
    REPORT_POLL_STATUS_LABELS,
)

MAX_RATED = 30  # deputies one ballot rates: a 述职 meeting hears a few; a ballot of more is not filled in
NOT_STARTED = "测评尚未开始。"
ENDED = "测评已结束。"
ALREADY_VOTED = "您已参加测评。"
CANCELLED_BALLOT = "活动已取消，本次测评不再进行。"
TOKEN_BYTES = 12  # 96 random bits, 16 URL-safe characters
TICKET_LENGTH = 10  # 50 random bits, printed and typed in two groups of five
TICKET_REQUIRED = "本次测评凭票参加，请输入测评票上的票号。"
TICKET_UNKNOWN = "票号不正确，请核对测评票上的票号后重新输入。"
TICKET_USED = "此测评票已使用。"


def public_url(poll):
    """The link inside the printed code: the mobile web page."""
    return f"{current_app.config['PUBLIC_BASE_URL']}/report-poll/{poll.token}"


def ticket_url(poll, code):
    """The link inside a ticket's code: the poll's page with the ticket after ``#`` (never sent to the
    server, so no access log holds it; the page reads it and fills it in)."""
    return f"{public_url(poll)}#t={code}"


def ticket_text(code):
    return one_time_codes.display(code, 5)


def ticketed(poll):
    return poll.ballot_mode is ReportPollBallotMode.ticket


def _loading():
    """A poll as its pages read it: its deputies (a few) in one query, without their printed codes."""
    return (selectinload(ReportPoll.deputies).joinedload(ReportPollDeputy.deputy).lazyload(Deputy.live_qr),)


def find(activity):
    return db.session.scalar(select(ReportPoll).where(ReportPoll.activity_id == activity.id).options(*_loading()))


def by_token(token):
    if not isinstance(token, str) or len(token) > 32:
        return None
    return db.session.scalar(select(ReportPoll).where(ReportPoll.token == token).options(*_loading()))


def phase(poll, now=None):
    """``not_started`` / ``open`` / ``ended``: whether a ballot would be taken now, and why not. The poll
    of a cancelled activity has ended (the meeting was not held), as has a draft that can no longer open
    (its activity 结单 or over)."""
    now = now or utcnow()
    activity = poll.activity
    if poll.status is ReportPollStatus.closed or now >= poll.ends_dt or activity.status is ActivityStatus.cancelled:
        return "ended"
    if poll.status is ReportPollStatus.draft and (activity.status is ActivityStatus.closed or now >= activity.ends_dt):
        return "ended"
    if poll.status is ReportPollStatus.draft or now < poll.starts_dt:
        return "not_started"
    return "open"


PHASE_LABELS = {"not_started": "未开始", "open": "测评中", "ended": "已结束"}
CANCELLED = "活动已取消"
OPENED_EARLY = "已开启（未到测评时间）"


def status_label(poll):
    """The poll's status as its administrators read it: a cancelled activity's poll says so (it is not 测评中);
    one whose window is over (or a draft that can no longer open) reads 已结束 before the sweep closes it;
    one opened before its window starts reads 已开启（未到测评时间）: its deputies are fixed, but it takes no
    ballot yet, so it never says 测评中 while its phase is 未开始."""
    if poll.activity.status is ActivityStatus.cancelled:
        return CANCELLED
    now = phase(poll)
    if now == "ended":
        return REPORT_POLL_STATUS_LABELS[ReportPollStatus.closed.value]
    if poll.status is ReportPollStatus.open and now == "not_started":
        return OPENED_EARLY
    return REPORT_POLL_STATUS_LABELS[poll.status.value]


def _log(action, actor, poll, activity, detail=None):
    audit(action, actor, ("activity", activity.id, activity.title), activity.region_id, detail)


def _shown(value):
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


AWAY = {ParticipantStatus.declined: "已请假", ParticipantStatus.absent: "缺席"}


def participants(activity):
    """The activity's deputies as {id: (name, on leave)}, in their order (one read): 请假 (declined) or,
    after 结单, 缺席 (absent) are not at the meeting."""
    return {deputy_id: (name, status in AWAY) for deputy_id, name, status in db.session.execute(
        select(ActivityParticipant.deputy_id, Deputy.name, ActivityParticipant.status)
        .join(Deputy, Deputy.id == ActivityParticipant.deputy_id)
        .where(ActivityParticipant.activity_id == activity.id).order_by(ActivityParticipant.deputy_id)
        .limit(current_app.config["ACTIVITY_MAX_DEPUTIES"] + 1))}


def _rated(activity, deputy_ids):
    """The deputies to rate: those named (each one of the activity's participants, not on leave), else every
    participant who has not asked for leave (请假: they are not at the meeting)."""
    listed = participants(activity)
    if deputy_ids is None:
        deputy_ids = [i for i, (_, on_leave) in listed.items() if not on_leave]
        if not deputy_ids:
            raise validation_failed({"deputy_ids": ["活动名单上没有参加的代表，无法组织测评。"]}, "活动名单上没有参加的代表，无法组织测评。")
    strangers = [i for i in deputy_ids if i not in listed]
    if strangers:
        message = f"代表（编号 {strangers[0]}）不在本次述职活动的名单上。"
        raise validation_failed({"deputy_ids": [message]}, message)
    away = [listed[i][0] for i in deputy_ids if listed[i][1]]
    if away:
        message = f"{away[0]}已请假，不能列为述职代表。"
        raise validation_failed({"deputy_ids": [message]}, message)
    if len(deputy_ids) > MAX_RATED:
        message = f"一次测评最多 {MAX_RATED} 位述职代表，请选择本次述职的代表。"
        raise validation_failed({"deputy_ids": [message]}, message)
    return deputy_ids


def _minutes(key):
    return timedelta(minutes=current_app.config[key])


def default_window(activity, starts=None, ends=None):
    """The window that follows the activity (at its times, or at ``starts``/``ends`` it is moving to): its
    start to REPORT_POLL_GRACE_MINUTES after its end."""
    return starts or activity.starts_dt, (ends or activity.ends_dt) + _minutes("REPORT_POLL_GRACE_MINUTES")


def bounds(activity, starts=None, ends=None):
    """Where a window may lie: from REPORT_POLL_LEAD_MINUTES before the activity's start to
    REPORT_POLL_GRACE_MINUTES after its end (voters arriving early, and those still in the hall after it)."""
    return (starts or activity.starts_dt) - _minutes("REPORT_POLL_LEAD_MINUTES"), default_window(activity, starts, ends)[1]


def bounds_text():
    return (f"测评时间须在活动开始前 {current_app.config['REPORT_POLL_LEAD_MINUTES']} 分钟至活动结束后 "
            f"{current_app.config['REPORT_POLL_GRACE_MINUTES']} 分钟之内")


def _window(activity, data, poll=None):
    """``(starts, ends, starts_follow, ends_follow)``: each end as sent (null: follow the activity), else as
    the poll has it (following, or as given), else following. A window changed must lie within ``bounds``
    and end after the activity's start: the lead minutes are for voters arriving early, not for a poll
    that closes before any deputy has reported."""
    follows, times = [], []
    for key, index in (("starts_at", 0), ("ends_at", 1)):
        if key in data:
            follow = data[key] is None
        else:
            follow = getattr(poll, key[:-3] + "_follow") if poll is not None else True
        follows.append(follow)
        times.append(default_window(activity)[index] if follow
                     else data.get(key) or getattr(poll, key[:-3] + "_dt"))
    starts, ends = times
    if ends <= starts:
        raise validation_failed({"ends_at": ["测评结束时间须晚于开始时间。"]}, "测评结束时间须晚于开始时间。")
    if poll is None or (starts, ends) != (poll.starts_dt, poll.ends_dt):
        earliest, latest = bounds(activity)
        outside = (["starts_at"] if starts < earliest else []) + (["ends_at"] if ends > latest else [])
        if outside:
            message = f"{bounds_text()}（{_shown(earliest)} 至 {_shown(latest)}）。"
            raise validation_failed({key: [message] for key in outside}, message)
        if ends <= activity.starts_dt:
            message = "测评结束时间须晚于活动开始时间。"
            raise validation_failed({"ends_at": [message]}, message)
    return starts, ends, follows[0], follows[1]


def create(activity, data, actor):
    """Set up the activity's poll (草稿): one per 述职 activity."""
    if activity.type is not ActivityType.report:
        message = "只有述职活动可以组织现场测评。"
        raise validation_failed({"activity": [message]}, message)
    if activity.status is ActivityStatus.cancelled:
        raise conflict("活动已取消，不能组织测评。")
    if activity.status is ActivityStatus.closed:
        raise conflict("活动已结单，不能再组织测评。")
    if utcnow() >= activity.ends_dt:
        raise conflict("活动已经结束，不能再组织测评。")
    if find(activity) is not None:
        raise conflict("该述职活动已有测评。")
    deputy_ids = _rated(activity, data.get("deputy_ids"))
    starts, ends, starts_follow, ends_follow = _window(activity, data)
    mode = ReportPollBallotMode(data.get("ballot_mode") or ReportPollBallotMode.open.value)
    poll = ReportPoll(activity_id=activity.id, token=secrets.token_urlsafe(TOKEN_BYTES), starts_dt=starts, ends_dt=ends,
                      starts_follow=starts_follow, ends_follow=ends_follow, ballot_mode=mode, created_by_id=actor.id)
    poll.deputies = [ReportPollDeputy(deputy_id=d, position=i) for i, d in enumerate(deputy_ids)]
    db.session.add(poll)
    try:
        db.session.flush()
    except IntegrityError:  # another administrator's poll of the same activity, a moment earlier
        db.session.rollback()
        raise conflict("该述职活动已有测评。") from None
    _log("report_poll_created", actor, poll, activity, {"deputies": len(deputy_ids),
                                                       "window": [_shown(starts), _shown(ends)],
                                                       **({"ballot_mode": REPORT_POLL_BALLOT_MODE_LABELS[mode.value]}
                                                          if mode is ReportPollBallotMode.ticket else {})})
    return poll


def update(poll, activity, data, actor):
    """Change the window (until closed) or the deputies rated (while a draft: a ballot already taken
    rated those it listed). Not once the activity is cancelled, nor a draft once it is 结单 (it can no longer open)."""
    _editable(poll, activity)
    step(db.session, poll, (ReportPollStatus.draft, ReportPollStatus.open),
         lambda status: _when_closed(poll, "测评已结束，不能再修改。", "活动已取消，不能再修改测评。"))
    # The meeting read again with the poll's row held: a reschedule holds that row too (``activity_edited``),
    # so one committed meanwhile is seen here, and the window is checked against the moved meeting.
    _reread(activity)
    _editable(poll, activity)
    changes = {}
    if "deputy_ids" in data:
        if poll.status is not ReportPollStatus.draft:
            raise conflict("测评已开始，不能再更改述职代表。")
        deputy_ids = _rated(activity, data["deputy_ids"])
        if deputy_ids != [d.deputy_id for d in poll.deputies]:
            changes["deputies"] = [len(poll.deputies), len(deputy_ids)]
            poll.deputies = [ReportPollDeputy(deputy_id=d, position=i) for i, d in enumerate(deputy_ids)]
    mode = data.get("ballot_mode")
    if mode is not None and mode != poll.ballot_mode.value:
        if poll.status is not ReportPollStatus.draft:
            raise conflict("测评已开始，不能再更改测评方式。")
        changes["ballot_mode"] = [REPORT_POLL_BALLOT_MODE_LABELS[poll.ballot_mode.value], REPORT_POLL_BALLOT_MODE_LABELS[mode]]
        poll.ballot_mode = ReportPollBallotMode(mode)
    starts, ends, poll.starts_follow, poll.ends_follow = _window(activity, data, poll)
    _move(poll, starts, ends, changes)
    db.session.flush()
    if changes:
        _log("report_poll_updated", actor, poll, activity, changes)
    return poll


def _editable(poll, activity):
    if activity.status is ActivityStatus.cancelled:
        raise conflict("活动已取消，不能再修改测评。")
    if activity.status is ActivityStatus.closed and poll.status is ReportPollStatus.draft:
        raise conflict("活动已结单，不能再修改测评。")


def _move(poll, starts, ends, changes):
    if (starts, ends) != (poll.starts_dt, poll.ends_dt):
        _keep_ballots_inside(poll, starts, ends)
        changes["window"] = [f"{_shown(poll.starts_dt)}–{_shown(poll.ends_dt)}", f"{_shown(starts)}–{_shown(ends)}"]
        poll.starts_dt, poll.ends_dt = starts, ends


def _opened(poll):
    return poll.opened_dt is not None


def activity_edited(activity, actor, retyped, window, leaving):
    """What an edit of the activity (services.edit, before it changes anything) does to its poll.

    Its type stays 述职 (409): the poll's results, export and archive lines are a 述职 meeting's. A deputy
    taken off leaves a draft poll, and is refused (409) once the poll opened (ballots rated them).
    Rescheduled (``window``, the activity's new times, or None), each end of the window that follows the
    activity moves with it; one given by an administrator stays, and is refused (409) when it no longer
    lies within the moved meeting (``bounds``, an end after its start): the administrator changes or clears it first."""
    poll = find(activity)
    if poll is None:
        return
    if retyped is not ActivityType.report:
        raise conflict("该活动已组织述职测评，不能再改为其他类型；如活动并非述职，请取消后重新发单。")
    changes = {}
    rated = {d.deputy_id: d for d in poll.deputies}
    gone = [p for p in leaving if p.deputy_id in rated]
    if gone and _opened(poll):
        raise conflict(f"{gone[0].deputy.name}是本次述职测评的述职代表，测评已开始，不能移出活动。")
    if gone and poll.status is ReportPollStatus.draft:
        # The poll's row held first, as an opening would hold it: one opening meanwhile is seen.
        step(db.session, poll, ReportPollStatus.draft, lambda status: "述职测评刚刚已开始或结束，请刷新后重试。")
        changes["deputies"] = [len(poll.deputies), len(poll.deputies) - len(gone)]
        left = {p.deputy_id for p in gone}
        poll.deputies = [d for d in poll.deputies if d.deputy_id not in left]
        db.session.flush()
    if window is not None and poll.status is not ReportPollStatus.closed:
        # The poll's row held first and read again, as opening it or editing its window holds it: what is
        # checked below is the poll as an opening or a window edit committed meanwhile left it, and one
        # arriving after waits for this edit and reads the moved meeting. Held before its ballots are read
        # (as ``update`` does): a ballot in flight is counted.
        step(db.session, poll, tuple(ReportPollStatus), lambda status: "述职测评刚刚已结束，请刷新后重试。")
    if window is not None and poll.status is not ReportPollStatus.closed:
        earliest, latest = bounds(activity, *window)
        followed = default_window(activity, *window)
        starts = followed[0] if poll.starts_follow else poll.starts_dt
        ends = followed[1] if poll.ends_follow else poll.ends_dt
        if not poll.starts_follow and not earliest <= starts < latest:
            raise conflict("述职测评的开始时间不在改期后的活动时间内，请先修改测评时间（留空则随活动时间调整）。")
        if not poll.ends_follow and not followed[0] < ends <= latest:  # after the moved meeting's start
            raise conflict("述职测评的结束时间不在改期后的活动时间内，请先修改测评时间（留空则随活动时间调整）。")
        if ends <= starts:
            raise conflict("改期后述职测评的结束时间将早于开始时间，请先修改测评时间（留空则随活动时间调整）。")
        if (starts, ends) != (poll.starts_dt, poll.ends_dt):
            _move(poll, starts, ends, changes)
            if poll.status is ReportPollStatus.open and utcnow() < earliest:
                _back_to_draft(poll, changes)
    if changes:
        db.session.flush()
        _log("report_poll_updated", actor, poll, activity, changes)


def _back_to_draft(poll, changes):
    """An opened poll whose meeting moved to a time it could not be opened at yet (another day): it was
    opened for the meeting as it was. With no ballot taken, it is a draft again (未开始: its deputies can be
    changed, a deputy's 请假 counts, and it is opened again at the new meeting); with ballots the move is
    refused (409): they were cast at the meeting as it was (a window moved past them is refused anyway)."""
    if ballot_count(poll):
        raise conflict("述职测评已有选民提交，活动不能改到测评尚不能开始的时间；请先结束测评。")
    step(db.session, poll, ReportPollStatus.open, lambda status: "述职测评刚刚已结束，请刷新后重试。",
         status=ReportPollStatus.draft, opened_dt=None)
    changes["poll_status"] = [OPENED_EARLY if phase(poll) == "not_started" else PHASE_LABELS["open"],
                              PHASE_LABELS["not_started"]]


def deputy_on_leave(activity, deputy_id, actor):
    """请假 (services.decline, before it changes anything) of a deputy an opened poll rates: as taking them off
    the meeting, refused (409) once a ballot was cast (it rated them), and for the poll's only deputy; with
    no ballot yet, they leave the poll (its other deputies stay), logged. A draft keeps them listed: opening
    it names them (``_still_listed``)."""
    poll = find(activity)
    if poll is None or poll.status is ReportPollStatus.closed or deputy_id not in {d.deputy_id for d in poll.deputies}:
        return
    # The poll's row held first (a draft's too) and read again, as a ballot's count is read after it: one
    # cast meanwhile is seen; and an opening, which holds it too, either came first (and is seen here) or
    # waits and then finds the deputy on leave (``_still_listed``).
    step(db.session, poll, tuple(ReportPollStatus), lambda status: "述职测评刚刚已结束，请刷新后重试。")
    if not _opened(poll) or poll.status is ReportPollStatus.closed:
        return
    if deputy_id not in {d.deputy_id for d in poll.deputies}:
        return
    if ballot_count(poll):
        raise conflict("您是本次述职测评的述职代表，已有选民对您进行了测评，不能请假；如确实无法参加，请联系活动管理员。")
    if len(poll.deputies) == 1:
        raise conflict("您是本次述职测评唯一的述职代表，测评已开始，不能请假；如确实无法参加，请联系活动管理员。")
    changes = {"deputies": [len(poll.deputies), len(poll.deputies) - 1]}
    poll.deputies = [d for d in poll.deputies if d.deputy_id != deputy_id]
    db.session.flush()
    _log("report_poll_updated", actor, poll, activity, changes)


def _keep_ballots_inside(poll, starts, ends):
    """A window moved past a ballot already cast is refused: the record would hold a ballot outside it."""
    first, last = db.session.execute(select(func.min(ReportPollBallot.created_dt), func.max(ReportPollBallot.created_dt))
                                     .where(ReportPollBallot.poll_id == poll.id)).one()
    if last is not None and ends <= last:
        message = "已有选民在此之后提交了测评，测评结束时间不能早于最后一张选票的提交时间。"
        raise validation_failed({"ends_at": [message]}, message)
    if first is not None and starts > first:
        message = "已有选民在此之前提交了测评，测评开始时间不能晚于第一张选票的提交时间。"
        raise validation_failed({"starts_at": [message]}, message)


def open_poll(poll, activity, actor):
    """开始测评: from REPORT_POLL_LEAD_MINUTES before the activity's start until it ends, inside the poll's
    window, the activity neither cancelled nor 结单; each deputy rated still on its list and not on leave."""
    now = utcnow()
    _openable(poll, activity, now)
    step(db.session, poll, ReportPollStatus.draft,
         lambda status: "测评已经开始。" if status is ReportPollStatus.open
         else _when_closed(poll, "测评已结束。", "活动已取消，不能开始测评。"),
         status=ReportPollStatus.open, opened_dt=utcnow())
    # Checked again with the poll's row held: a reschedule and a rated deputy's 请假 hold it too
    # (``activity_edited``, ``deputy_on_leave``), so one committed meanwhile is seen: a poll is never opened
    # for a meeting it could not be opened for yet, nor rating a deputy on leave. The deputies are read only
    # now, with the meeting's row held too (``_reread``): read before, a 结单 committing between the two
    # reads would show its absent deputies (缺席) as on leave, the meeting still published.
    _reread(activity)
    _openable(poll, activity, now, draft=True)
    _still_listed(poll, activity)
    _log("report_poll_opened", actor, poll, activity)
    return poll


def _reread(activity):
    """The meeting read again, its row held (after the poll's, the order every path takes) until the request
    ends: a 结单 or 取消 committed meanwhile is seen, and one arriving now waits, so that what is read next
    (its deputies, 缺席 once 结单) is the meeting as it stands."""
    from .services import hold  # services builds on this module

    hold(activity, "starts_dt", "ends_dt")


def _openable(poll, activity, now, draft=False):
    """Refused (409) when the poll cannot be opened now; ``draft``: as the draft it was (its row since moved on)."""
    if activity.status is ActivityStatus.cancelled:
        raise conflict("活动已取消，不能开始测评。")
    if activity.status is ActivityStatus.closed:
        raise conflict("活动已结单，不能再开始测评。")
    if draft or poll.status is ReportPollStatus.draft:
        if now >= activity.ends_dt:
            raise conflict("活动已经结束，不能再开始测评。")
        if now >= poll.ends_dt:
            raise conflict("测评时间已过，请先修改测评时间。")
        earliest = bounds(activity)[0]
        if now < earliest:
            raise conflict(f"述职活动开始前 {current_app.config['REPORT_POLL_LEAD_MINUTES']} 分钟起才能开始测评"
                           f"（{_shown(earliest)} 起）。")


def _still_listed(poll, activity):
    """Opening re-checks the deputies rated: each still on the activity's list, not on leave (409 naming them)."""
    listed = participants(activity)
    if not poll.deputies:
        raise conflict("测评还没有述职代表，请先选择述职代表。")
    strangers = [d.deputy.name for d in poll.deputies if d.deputy_id not in listed]
    if strangers:
        raise conflict(f"{'、'.join(strangers)}已不在本次述职活动的名单上；请先修改述职代表。")
    away = [d.deputy.name for d in poll.deputies if listed[d.deputy_id][1]]
    if away:
        raise conflict(f"{'、'.join(away)}已请假，不能列为述职代表；请先修改述职代表。")


def close_poll(poll, activity, actor):
    """测评结束: no ballot after it; the result is final. A draft never opened may be closed too (no ballots)."""
    step(db.session, poll, (ReportPollStatus.draft, ReportPollStatus.open),
         lambda status: _when_closed(poll, "测评已经结束。", "活动已取消，测评已随之结束。"),
         status=ReportPollStatus.closed, closed_dt=utcnow())
    _log("report_poll_closed", actor, poll, activity, {"ballots": ballot_count(poll)})
    return poll


def activity_cancelled(activity, actor):
    """取消 (services.cancel, before it writes the activity): its poll, a draft or open, is closed in the same
    transaction, not left taking ballots until the sweep: the meeting was not held, so the poll rates nobody
    (no line of the 履职档案, ``for_archive``), and its administrators read 活动已取消 and the ballots it took.
    The poll's row is written first and the activity's after it (the order every path takes): a ballot or an
    opening in flight comes wholly before (a ballot is counted) and one arriving after finds the poll closed
    (``_when_closed`` says why). One an administrator closed meanwhile is left as they closed it."""
    poll = find(activity)
    if poll is None or poll.status is ReportPollStatus.closed:
        return
    moved = db.session.execute(
        sql_update(ReportPoll).where(ReportPoll.id == poll.id, ReportPoll.status != ReportPollStatus.closed)
        .values(status=ReportPollStatus.closed, closed_dt=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(poll)
    if moved:
        _log("report_poll_closed", actor, poll, activity, {"ballots": ballot_count(poll), "reason": CANCELLED})


def _when_closed(poll, message, cancelled):
    """A step refused on a closed poll says why: ``cancelled`` when its meeting was cancelled (取消 closed it,
    perhaps a moment ago: the activity read again), else ``message``."""
    db.session.refresh(poll.activity, ["status"])
    return cancelled if poll.activity.status is ActivityStatus.cancelled else message


def close_ended():
    """The sweep's step: every poll that will take no more ballots is closed (the 操作日志 names the
    server): one still open after its window ends, so that its result is final and reaches the deputies'
    履职档案; any of a cancelled activity; a draft that can no longer open (its activity 结单 or over). Each
    in a transaction of its own; one an administrator closes meanwhile is left as they closed it. Returns
    how many it closed."""
    now = utcnow()
    ids = db.session.scalars(
        select(ReportPoll.id).join(Activity, Activity.id == ReportPoll.activity_id).where(or_(
            and_(ReportPoll.status == ReportPollStatus.open, ReportPoll.ends_dt <= now),
            and_(ReportPoll.status != ReportPollStatus.closed, Activity.status == ActivityStatus.cancelled),
            and_(ReportPoll.status == ReportPollStatus.draft,
                 or_(Activity.status == ActivityStatus.closed, Activity.ends_dt <= now))))
        .order_by(ReportPoll.id)).all()
    return each_on_its_own(db.session, ReportPoll, ids, lambda poll: close_poll(poll, poll.activity, None))


# --- the voters ---------------------------------------------------------------------------------------


def refuse_non_voter(user):
    """Deputies and administrators do not rate (the meeting's voters do): 403, said why."""
    if "deputy" in user.roles or user.deputy_id is not None:
        raise forbidden("人大代表不参加选民测评。")
    if user.is_admin:
        raise forbidden("管理员不参加选民测评。")
    if "citizen" not in user.roles:
        raise forbidden("请以选民身份参加测评。")


def voted(poll, user):
    if user is None:
        return False
    return db.session.scalar(select(ReportPollBallot.id).where(
        ReportPollBallot.poll_id == poll.id, ReportPollBallot.voter_id == user.id)) is not None


def cast(poll, user, data):
    """One ballot rating every deputy of the poll, inside its window, once per identity."""
    refuse_non_voter(user)
    if poll.activity.status is ActivityStatus.cancelled:
        raise conflict(CANCELLED_BALLOT)
    if phase(poll) == "ended":
        raise conflict(ENDED)
    # The poll's row held first, in a write that checks it is open (see the module's note); a 取消 closes it
    # (``activity_cancelled``), so one committed meanwhile is seen here.
    step(db.session, poll, ReportPollStatus.open,
         lambda status: _when_closed(poll, ENDED, CANCELLED_BALLOT) if status is ReportPollStatus.closed
         else NOT_STARTED)
    now = phase(poll)
    if now == "ended":
        raise conflict(ENDED)
    if now == "not_started":
        raise conflict(NOT_STARTED)
    if voted(poll, user):
        raise conflict(ALREADY_VOTED)
    ticket_id = _ticket(poll, data.get("ticket")) if ticketed(poll) else None
    rated = {d.deputy_id: d.deputy.name for d in poll.deputies}
    given = {c["deputy_id"]: c["choice"] for c in data["choices"]}
    strangers = [d for d in given if d not in rated]
    if strangers:
        message = f"代表（编号 {strangers[0]}）不在本次测评的述职代表中。"
        raise validation_failed({"choices": [message]}, message)
    missing = [name for deputy_id, name in rated.items() if deputy_id not in given]
    if missing:
        message = f"请对每位述职代表作出评价，还有{'、'.join(missing)}未评价。"
        raise validation_failed({"choices": [message]}, message)
    ballot = ReportPollBallot(poll_id=poll.id, voter_id=user.id, ticket_id=ticket_id, comment=data.get("comment") or "")
    db.session.add(ballot)
    try:
        db.session.flush()
    except IntegrityError:  # the same identity's other ballot, or the same ticket's, committed a moment earlier
        db.session.rollback()
        raise conflict(ALREADY_VOTED if ticket_id is None or voted(poll, user) else TICKET_USED) from None
    db.session.add_all([ReportPollChoice(ballot_id=ballot.id, poll_id=poll.id, deputy_id=deputy_id,
                                         choice=Satisfaction(choice)) for deputy_id, choice in given.items()])
    db.session.flush()
    return ballot


def _ticket(poll, code):
    """The id of the poll's unused ticket ``code`` (as printed, or typed in any case, with or without its
    dash); refused without one (422), for one the poll never issued (422), or one already used (409)."""
    code = one_time_codes.normalise(code or "")
    if not code:
        raise validation_failed({"ticket": [TICKET_REQUIRED]}, TICKET_REQUIRED)
    ticket_id = db.session.scalar(select(ReportPollTicket.id).where(
        ReportPollTicket.poll_id == poll.id, ReportPollTicket.code_hash == one_time_codes.digest(code)))
    if ticket_id is None:
        raise validation_failed({"ticket": [TICKET_UNKNOWN]}, TICKET_UNKNOWN)
    if db.session.scalar(select(ReportPollBallot.id).where(ReportPollBallot.ticket_id == ticket_id)) is not None:
        raise conflict(TICKET_USED)
    return ticket_id


# --- 凭票测评: the tickets -------------------------------------------------------------------------------


def ticket_counts(poll):
    """``{"issued", "used"}``: the tickets generated for the poll and those a ballot took."""
    return {"issued": db.session.scalar(select(func.count()).select_from(ReportPollTicket)
                                        .where(ReportPollTicket.poll_id == poll.id)),
            "used": db.session.scalar(select(func.count()).select_from(ReportPollBallot)
                                      .where(ReportPollBallot.poll_id == poll.id, ReportPollBallot.ticket_id.is_not(None)))}


def issue_tickets(poll, activity, count, actor):
    """``count`` new one-time tickets for a 凭票测评 poll not yet closed, its activity not cancelled, at most
    REPORT_POLL_MAX_TICKETS in all (422 saying how many more): their codes, shown this once (only their
    digests are kept), the generation logged (how many, never a code). The poll's row is held first: of
    two generations at once, the second counts the first's tickets."""
    if not ticketed(poll):
        raise conflict("本次测评为扫码测评，不需要测评票；如需凭票测评，请在开始测评前把测评方式改为凭票测评。")
    if activity.status is ActivityStatus.cancelled:
        raise conflict("活动已取消，不能再生成测评票。")
    step(db.session, poll, (ReportPollStatus.draft, ReportPollStatus.open),
         lambda status: _when_closed(poll, "测评已结束，不能再生成测评票。", "活动已取消，不能再生成测评票。"))
    issued, cap = ticket_counts(poll)["issued"], current_app.config["REPORT_POLL_MAX_TICKETS"]
    if issued + count > cap:
        message = (f"一次测评最多发放 {cap} 张测评票，已发放 {issued} 张，"
                   f"{f'最多还能生成 {cap - issued} 张' if issued < cap else '不能再生成'}。")
        raise validation_failed({"count": [message]}, message)
    codes = set()
    while len(codes) < count:  # 50 random bits: a repeat within the sheet is all but impossible, and is drawn again
        codes.add(one_time_codes.new(TICKET_LENGTH))
    codes = sorted(codes)
    now = utcnow()
    try:
        db.session.execute(insert(ReportPollTicket), [
            {"poll_id": poll.id, "code_hash": one_time_codes.digest(code), "created_dt": now} for code in codes])
    except IntegrityError:  # a code the poll issued before (one chance in 10^11): nothing generated
        db.session.rollback()
        raise conflict("生成测评票时出现重复票号，请重新生成。") from None
    _log("report_poll_tickets_issued", actor, poll, activity, {"tickets": count, "tickets_issued": issued + count})
    return codes


# --- results --------------------------------------------------------------------------------------------


def ballot_count(poll):
    return db.session.scalar(select(func.count()).select_from(ReportPollBallot)
                             .where(ReportPollBallot.poll_id == poll.id))


def _rates(counts):
    rated = sum(counts.values())
    return {
        **counts,
        "rated": rated,
        # 满意率 = 满意 ÷ rated; 基本满意率 = (满意 + 基本满意) ÷ rated (domain.md, as the statistics say them).
        "satisfaction_rate": counts["satisfied"] / rated if rated else None,
        "basic_satisfaction_rate": (counts["satisfied"] + counts["basically_satisfied"]) / rated if rated else None,
    }


DENOMINATORS = {"satisfaction_rate": "满意 ÷ 参加评价的选票数（rated）",
                "basic_satisfaction_rate": "（满意 + 基本满意）÷ 参加评价的选票数（rated）"}


def results(poll):
    """Per deputy rated: the counts of each choice and the rates, in one grouped read."""
    counts = {}
    for deputy_id, choice, count in db.session.execute(
            select(ReportPollChoice.deputy_id, ReportPollChoice.choice, func.count())
            .where(ReportPollChoice.poll_id == poll.id).group_by(ReportPollChoice.deputy_id, ReportPollChoice.choice)):
        counts.setdefault(deputy_id, {key: 0 for key in SATISFACTION_LABELS})[choice.value] = count
    return {
        "ballots": ballot_count(poll),
        "tickets": ticket_counts(poll) if ticketed(poll) else None,
        "final": poll.status is ReportPollStatus.closed,
        "denominators": DENOMINATORS,
        "deputies": [{"deputy": public_deputy(d.deputy),
                      **_rates(counts.get(d.deputy_id, {key: 0 for key in SATISFACTION_LABELS}))}
                     for d in poll.deputies],
    }


def comments(poll, limit=200):
    """The voters' comments, newest first: administrators only, never published."""
    return db.session.scalars(select(ReportPollBallot.comment).where(
        ReportPollBallot.poll_id == poll.id, ReportPollBallot.comment != "")
        .order_by(ReportPollBallot.id.desc()).limit(limit)).all()


def public_deputy(deputy):
    return {"id": deputy.id, "name": deputy.name, "level": deputy.level.value, "level_label": deputy.level_label}


def for_archive(deputy_id, start, end):
    """The closed polls of 述职 activities started in [start, end) that rated the deputy: their figures for the
    deputy (履职档案), two grouped reads. Only polls held: opened once, of an activity not cancelled, with at
    least one ballot (a draft closed unopened, a cancelled meeting's poll or one nobody voted in rated nobody)."""
    polls = db.session.execute(
        select(ReportPoll.id, Activity.id, Activity.title, Activity.starts_dt)
        .join(ReportPollDeputy, ReportPollDeputy.poll_id == ReportPoll.id)
        .join(Activity, Activity.id == ReportPoll.activity_id)
        .where(ReportPollDeputy.deputy_id == deputy_id, ReportPoll.status == ReportPollStatus.closed,
               ReportPoll.opened_dt.is_not(None), Activity.status != ActivityStatus.cancelled,
               Activity.type == ActivityType.report,
               select(ReportPollBallot.id).where(ReportPollBallot.poll_id == ReportPoll.id).exists(),
               Activity.starts_dt >= start, Activity.starts_dt < end)
        .order_by(Activity.starts_dt, Activity.id)).all()
    if not polls:
        return []
    ids = [p[0] for p in polls]
    ballots = dict(db.session.execute(select(ReportPollBallot.poll_id, func.count()).where(
        ReportPollBallot.poll_id.in_(ids)).group_by(ReportPollBallot.poll_id)).all())
    counts = {}
    for poll_id, choice, count in db.session.execute(
            select(ReportPollChoice.poll_id, ReportPollChoice.choice, func.count())
            .where(ReportPollChoice.poll_id.in_(ids), ReportPollChoice.deputy_id == deputy_id)
            .group_by(ReportPollChoice.poll_id, ReportPollChoice.choice)):
        counts.setdefault(poll_id, {key: 0 for key in SATISFACTION_LABELS})[choice.value] = count
    return [{"activity_id": activity_id, "title": title, "date": starts.astimezone(CHINA).date().isoformat(),
             "ballots": ballots.get(poll_id, 0),
             **_rates(counts.get(poll_id, {key: 0 for key in SATISFACTION_LABELS}))}
            for poll_id, activity_id, title, starts in polls]

