"""码上办 steps: each validates its own data, moves the item through the workflow, sets deadlines,
queues the notifications, flushes — and never commits (the request does, once)."""
import logging
from datetime import datetime, time, timedelta, timezone

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from ..audit import log as audit_log
from ..auth.models import User
from ..auth.scope import answering_administrators, manages_deputy
from ..db_types import CHINA, utcnow
from ..errors import APIError, validation_failed
from ..extensions import db
from ..notifications.center import FED_BACK_KEY, FORWARDED_KEY
from ..notifications.outbox import china_time, enqueue, restate_under, thing, withdraw_under
from ..org.models import Deputy, Station
from ..points import ledger
from ..uploads.models import Upload
from ..wechat import WeChatError, WeChatMalformed, WeChatUnavailable, get_client
from ..wechat.client import TOKEN_ERRCODES
from ..workdays.calendar import add_working_days, working_days_between
from . import workflow
from .models import (
    CLEARED_SCREENINGS,
    STATUS_LABELS,
    Satisfaction,
    Status,
    Suggestion,
    SuggestionEvent,
    SuggestionFollower,
    SuggestionLateReturn,
    SuggestionRating,
    SuggestionWorkOrder,
    late_with_holder,
)
from .redact import public_content, public_reply, redact, redact_item_text
from .workflow import SYSTEM, filed_by_its_deputy

log = logging.getLogger(__name__)

MAX_PHOTOS = 9
END_OF_DAY = time(23, 59, 59)
HOTLINE_CHANNEL = "12345 热线人大代表通道"  # the department a work order at the hotline is counted under
DEPARTMENT_LENGTH = 100  # forward_department's and a work order's department's
_CHUNK = 2000  # ids per IN (...)


def due_at(category, stage, start):
    """When the ``stage`` ("accept" or "reply") of an item of ``category``, begun at ``start``, is due.

    接单 is due ACCEPT_WITHIN_HOURS hours on, or, with ACCEPT_WITHIN_WORKING_DAYS set, at the end of that
    many working days as below (per category in SUGGESTION_DEADLINES: ``accept_hours`` or
    ``accept_working_days``). The reply, REPLY_WITHIN_DAYS days on (per category ``reply_days``),
    counted as REPLY_DAYS_KIND (per category ``days_kind``) says: ``working`` — at the end (23:59:59
    China time) of the N-th working day after the day of ``start``, the day itself not counted, as a
    period of days runs in Chinese law (民法典第二百零一、二百零三条) and as a deputy and a citizen read
    "7 个工作日内答复"; ``calendar`` — exactly N × 24 hours on."""
    config = current_app.config
    override = config["SUGGESTION_DEADLINES"].get(category, {})
    if stage == "accept":
        if "accept_hours" in override:
            return start + timedelta(hours=override["accept_hours"])
        if working_days := override.get("accept_working_days", config["ACCEPT_WITHIN_WORKING_DAYS"]):
            return end_of_working_days(start, working_days)
        return start + timedelta(hours=config["ACCEPT_WITHIN_HOURS"])
    days = override.get("reply_days", config["REPLY_WITHIN_DAYS"])
    if _reply_days_kind(category) == "calendar":
        return start + timedelta(days=days)
    return end_of_working_days(start, days)


def _reply_days_kind(category):
    """How the reply limit of an item of ``category`` is counted: "working" or "calendar" days."""
    config = current_app.config
    return config["SUGGESTION_DEADLINES"].get(category, {}).get("days_kind", config["REPLY_DAYS_KIND"])


def resumed_reply_due(item, paused, now):
    """The reply limit of an item whose clock stood still from ``paused`` (forwarded) to ``now`` (the
    department's feedback): the time the deputy had left when it stopped. In calendar days, that time
    itself; in working days, the working days left after the day of forwarding (whole days, as due_at
    counts them), counted from the day of the feedback to the end of a working day — never a rest day."""
    due = item.reply_due_dt
    if _reply_days_kind(item.category) == "calendar" or due <= paused:  # or late already: as late now
        return due + (now - paused)
    left = working_days_between(paused.astimezone(CHINA).date(), due.astimezone(CHINA).date())
    today = now.astimezone(CHINA).date()
    if left == 0 and working_days_between(today - timedelta(days=1), today) == 0:
        left = 1  # only the rest of the day of forwarding was left, and the feedback comes on a rest day
    return end_of_working_days(now, left)


def dispatch_due_at(start):
    """When an item that reached its station at ``start`` (filed at the station's code, or returned by its
    deputy) is due to be dispatched: the end of the DISPATCH_WITHIN_WORKING_DAYS-th working day after, as
    接单 in working days; None when the setting is 0 (no dispatch limit)."""
    days = current_app.config["DISPATCH_WITHIN_WORKING_DAYS"]
    return end_of_working_days(start, days) if days else None


def end_of_working_days(start, days):
    """The end (23:59:59 China time) of the ``days``-th working day after the day of ``start``."""
    last_day = add_working_days(start.astimezone(CHINA).date(), days)
    return datetime.combine(last_day, END_OF_DAY, CHINA).astimezone(timezone.utc)


def _deputy_user(deputy_id):
    return db.session.scalar(select(User).where(User.deputy_id == deputy_id)) if deputy_id else None


def _followers(item):
    """Everyone told of the item's progress besides its filer: its followers (citizens who chose it instead of
    filing it again, or whose duplicate was merged into it) who may read it now (workflow.follow_kind): all of
    them while it is published, those a merge made follow it otherwise. Each as ``(user, own)``: ``own`` the
    words of the follower's own duplicate merged into it (their notices show those instead of the item's
    citizen's when it is not published), else None."""
    shown = workflow.published(item)
    rows = db.session.execute(
        select(User, SuggestionFollower.via_merge).join(SuggestionFollower, SuggestionFollower.user_id == User.id)
        .where(SuggestionFollower.suggestion_id == item.id)).all()
    if shown:
        return [(user, None) for user, _ in rows]
    own = dict(db.session.execute(
        select(Suggestion.citizen_id, Suggestion.content).where(Suggestion.merged_into_id == item.id)
        .order_by(Suggestion.id)).all())
    return [(user, own.get(user.id) or item.category) for user, via_merge in rows if via_merge]


def _following(item):
    """Everyone following the item, whether or not they may read it now."""
    return db.session.scalars(
        select(User).join(SuggestionFollower, SuggestionFollower.user_id == User.id).where(
            SuggestionFollower.suggestion_id == item.id
        )
    ).all()


def detail_page(item_id):
    """The mini-program page an item's notices open: its detail."""
    return f"pages/suggestion/detail?id={item_id}"


def _notify(users, template, item, note, key, followers=(), follower_note=None):
    """A subscribe message about ``item`` to ``users`` (who filed or handle it) and to its ``followers``,
    who read another citizen's words as the public would, without personal data, and ``follower_note``
    where ``note`` asks for what only the filer may do."""
    data = {
        "character_string1": item.number,
        "thing2": thing(item.content),
        "phrase3": STATUS_LABELS[item.status.value],
        "thing4": thing(note),
        "time5": china_time(utcnow()),
    }
    public = data | {"thing2": thing(redact_item_text(item, item.content)), "thing4": thing(follower_note or note)} if followers else data
    # A follower by merge of an item not published reads nothing of its citizen's: their own words instead.
    for user, values in [*((user, data) for user in users),
                         *((user, public if own is None else public | {"thing2": thing(own)}) for user, own in followers)]:
        if user is not None:
            enqueue(user, template, values, page=detail_page(item.id),
                    dedupe_key=f"{template}:{item.id}:{item.round}:{key}:{user.id}")


# The notices about an item that go to its staff (its deputy, its station's administrators) with the
# filer's words unredacted: ``_notify``'s ``data``. (Its followers' ``public`` copy is redacted already.)
STAFF_TEMPLATES = ("new_item", "overdue", "supervised", "reopened")


def _drop_staff_notices(item, templates=STAFF_TEMPLATES):
    """The item has ended (撤回, 合并, 不予受理) or moved on (分派): its staff's notices of ``templates`` about it not
    sent yet (待接单, 待分派, 超期, 督办, 重新交办) tell of work no longer theirs, and are not sent late (news no longer
    true: ``outbox.withdraw``). ``reopened`` goes to the item's citizen and followers too: only the staff's copies."""
    prefixes = [(template, f"{template}:{item.id}:") for template in templates if template != "reopened"]
    if "reopened" in templates:
        prefixes += [("reopened", f"reopened:{item.id}:{round_}:reopened-admin:") for round_ in range(2, item.round + 1)]
        _drop_deputy_notices(item, item.deputy_id, ("reopened",))
    withdraw_under(prefixes)


def _drop_deputy_notices(item, deputy_id, templates=STAFF_TEMPLATES):
    """The item leaves the deputy ``deputy_id`` (退回, leaving office, a dispatch to another): their notices about
    it not sent yet are no longer theirs to act on, and are not sent late."""
    user = _deputy_user(deputy_id)
    if user is not None:
        withdraw_under([(template, f"{template}:{item.id}:") for template in templates], users=[user.id])


def redact_waiting_notices(citizen_id, known=()):
    """注销 (auth.erasure), before the items' contact phones are cleared: the notices about the items of the
    citizen ``citizen_id`` queued to anyone else and not sent yet carry the items' words as a follower reads
    them (``redact_item_text``: no name, phone or address, the item's contact phone in any grouping), and
    each of ``known`` (the citizen's other phones) masked too, so that none sent after the citizen has gone
    names or reaches them. The items keep their words. Returns how many notices were restated."""
    items = {item_id: (content, phone) for item_id, content, phone in db.session.execute(
        select(Suggestion.id, Suggestion.content, Suggestion.contact_phone).where(
            Suggestion.citizen_id == citizen_id)).all()}
    if not items:
        return 0

    def redacted(template, key, data):
        content, phone = items[int(key.split(":")[1])]
        return data | {"thing2": thing(redact(content, known=(phone, *known)))}

    return restate_under([(template, f"{template}:{item_id}:") for item_id in items for template in STAFF_TEMPLATES],
                         redacted, exclude_user=citizen_id)


def station_admins(item):
    """Who runs the item's station, told of what needs the station's hand (a deadline missed, 督办)."""
    return item.station.serving_admins if item.station is not None else []


def mark_overdue(item, station_users):
    """The first sweep to find the item past a deadline: timeline line, reminders, and for a late answer the deduction."""
    if item.status is Status.pending:
        mark_dispatch_overdue(item, station_users)
        return
    stage = "accept" if item.status is Status.assigned else "reply"
    workflow.record(item, "remind", SYSTEM, "已超过接单时限" if stage == "accept" else "已超过答复时限")
    note = "建议已超过接单时限，请尽快处理" if stage == "accept" else "建议已超过答复时限，请尽快答复"
    due = item.accept_due_dt if stage == "accept" else item.reply_due_dt
    # A deputy out of office (an item left with them by data from before their items were returned, or by a
    # step committed at the instant they left) can no longer open it: neither reminded nor docked.
    deputy = _deputy_user(item.deputy_id) if _in_office(item.deputy_id) else None
    _notify([deputy, *station_users], "overdue", item, note, _lateness_key(stage, due))
    # 转办中 the item waits on a department (its work order tracks that delay), and its deputy cannot answer
    # before the feedback is recorded: the reminder goes, the deduction does not.
    if stage == "reply" and deputy is not None and item.status is not Status.forwarded:
        ledger.credit(item.deputy_id, "suggestion_overdue", "suggestion", item.id, f"建议超期未答复 {item.number}")


def _lateness_key(stage, due):
    """An overdue reminder's key: its stage and the deadline missed, so that each lateness of a round (a second
    分派超期 after a return, the next deputy's 接单超期, a reply limit moved on by a department's time) is told
    of once, and the same one, found again, is not told twice. Every new deadline is set after the last one
    passed, so no two latenesses share one."""
    return f"overdue-{stage}" if due is None else f"overdue-{stage}-{int(due.timestamp() * 1000)}"


def _in_office(deputy_id):
    return deputy_id is not None and bool(db.session.scalar(select(Deputy.active).where(Deputy.id == deputy_id)))


def mark_dispatch_overdue(item, station_users):
    """分派时限 passed with the item still waiting at its station: the station's administrators are reminded
    (the 超期提醒 template, which their linked WeChat consented to). A station nobody runs (无管理员: no
    administrator whose account is in use) would tell nobody: the administrators of the nearest region above
    it that has any are reminded instead — the item is in their queue and theirs to dispatch."""
    workflow.record(item, "remind", SYSTEM, "已超过分派时限")
    _notify_station(item, "overdue", "建议已超过分派时限，请尽快分派", _lateness_key("dispatch", item.dispatch_due_dt),
                    "已超分派时限", admins=station_users)


def note_lateness(item, now):
    """A step ending the item's stage (分派, 接单, 转办, 答复, 退回) taken after the deadline the stage ran
    (``Suggestion.running_due``: none while the clock stands still): the item was late, whether or not the
    sweep flagged it meanwhile. Kept for good in ``late_dt`` (the statistics' 按时办结); never cleared."""
    due = item.running_due
    if due is not None and due < now:
        item.late_dt = now


def _leave_deputy(item, now):
    """The item leaves its deputy (退回, their leaving office, a dispatch to another): late with them, it stays
    late with them (``SuggestionLateReturn``), whoever handles it next."""
    note_lateness(item, now)
    if item.deputy_id is not None and late_with_holder(item):
        db.session.add(SuggestionLateReturn(suggestion_id=item.id, deputy_id=item.deputy_id, late_dt=item.late_dt,
                                            returned_dt=now))


def _assign(item, deputy, now):
    item.deputy = deputy
    item.deputy_id = deputy.id  # now, not at the flush: notify_new_item below reads it
    item.assigned_dt = now
    item.dispatch_due_dt = None
    item.accept_due_dt = due_at(item.category, "accept", now)
    item.reply_due_dt = None
    item.accepted_dt = None  # a new assignment awaits its own 接单 (and the average time to accept, its own)
    item.overdue = item.due_soon = False
    notify_new_item(item)


def notify_new_item(item):
    """Tell the item's deputy it awaits them, once it is theirs to accept and its text has cleared
    screening: a WeChat message carries the text's first words, and an unscreened one may not.
    Called where either becomes true (dispatch, screening, an administrator's release); once per
    assignment, whichever comes last (a photo held after the text cleared must not tell them twice)."""
    if (item.status is Status.assigned and item.deputy_id is not None and not item.held_for_review
            and item.screening in CLEARED_SCREENINGS):
        assignment = int(item.assigned_dt.timestamp() * 1000)
        _notify([_deputy_user(item.deputy_id)], "new_item", item, "您有一条新的群众建议待接单", f"assigned-{assignment}")


def notify_station_pending(item, note="有一条群众建议待分派，请及时处理", key="pending", unstaffed="建议待分派"):
    """Tell the station's administrators an item waits for them to dispatch it (待分派: filed at the station's
    code, or returned by its deputy), once its text has cleared screening, as ``notify_new_item`` tells a
    deputy. Their linked WeChat consented to no 新建议 template (WeChat asks three at a time, spent on
    overdue, 督办 and research reminders): the notice is listed in 消息, and WeChat may refuse to push it.
    A station nobody runs: see ``_notify_station`` (``unstaffed``: its shorter note)."""
    if item.status is Status.pending and not item.held_for_review and item.screening in CLEARED_SCREENINGS:
        _notify_station(item, "new_item", note, key, unstaffed)


def _notify_station(item, template, note, key, unstaffed, admins=None):
    """``note`` to the administrators of the item's station (新建议, 重办, 督办, 分派超期; ``admins``: those
    read already). A station nobody runs (无管理员: no administrator whose account is in use) would tell
    nobody: the administrators of the nearest region above it that has any are told instead — the item is in
    their queue — with ``unstaffed`` and which station has nobody, under the same ``key`` (once each)."""
    admins, nobody_at = answering_administrators(item.station, item.region, admins)
    _notify(admins, template, item, note if nobody_at is None else f"{unstaffed}，{nobody_at.name}无管理员", key)


def _restart_clock(item, now):
    """A held item's deputy could not act on it: released, the stage it is in starts afresh. Not a forwarded
    item's: the deputy's clock stands still while it is at the department, held or not, and the feedback
    gives back the time left at forwarding (resumed_reply_due) — a fresh limit too would count it twice."""
    if item.status is Status.forwarded:
        return
    if item.status is Status.pending and item.dispatch_due_dt is not None:
        item.dispatch_due_dt = dispatch_due_at(now)
    elif item.status is Status.assigned:
        item.accept_due_dt = due_at(item.category, "accept", now)
    elif item.status is Status.accepted:
        item.reply_due_dt = due_at(item.category, "reply", now)
    item.overdue = item.due_soon = False


# --- content screening (the sweep screens every new item; see filing.py) -------------------------


# msgSecCheck's errcodes for text it will never screen, however often asked: the user is not one WeChat
# screens for (40003 an openid it does not know, as for a citizen filing from a plain browser; 43104 an
# openid of another mini-program; 61010 a user who has not opened the mini-program in the last two hours),
# or the text cannot be sent as it is (44002 empty, 47001 not in the format WeChat takes).
MANUAL_ERRCODES = frozenset({40003, 43104, 44002, 47001, 61010})
# How long an item whose screening fails for reasons of its own (an errcode of WeChat's not known to be
# final, an answer without a verdict) is asked about again, at every sweep, before an administrator looks
# at it instead ("manual"): from its filing, so that no item waits unscreened for ever.
SCREENING_RETRY_FOR = timedelta(hours=24)
# check_text's answer for an item to ask about again at the next sweep while the sweep goes on with the others.
LATER = "later"


def check_text(user, content, filed_dt=None):
    """WeChat's content screening (msgSecCheck v2): pass, review or risky; None when WeChat cannot answer now
    (unreachable, busy, over its quota: the sweep stops asking until the next one); LATER when this text's
    screening failed for reasons of its own (an errcode not known to be final, an answer without a verdict):
    asked again at the next sweep, the other items screened meanwhile.

    WeChat screens only on behalf of a mini-program user (an openid) who opened it in the last two
    hours. Text it will not screen (``MANUAL_ERRCODES``) — a citizen filing from a plain browser (40003), one
    who has not been back since WeChat was last reachable (61010) — goes to an administrator instead
    ("manual"): asking again would not change WeChat's answer, and the item would wait, unseen, for ever.
    So does text still failing for reasons of its own ``SCREENING_RETRY_FOR`` after its filing (``filed_dt``).
    """
    try:
        return get_client().msg_sec_check(user.openid or "", content)
    except WeChatError as exc:
        if exc.errcode in TOKEN_ERRCODES:
            return None
        if exc.errcode in MANUAL_ERRCODES:
            return "manual"
        problem = f"errcode {exc.errcode} {exc.errmsg}"
    except WeChatMalformed as exc:
        problem = str(exc)
    except WeChatUnavailable:
        return None
    if filed_dt is not None and utcnow() - filed_dt > SCREENING_RETRY_FOR:
        log.warning("text screening failed since the filing over %s ago (%s): to an administrator",
                    SCREENING_RETRY_FOR, problem)
        return "manual"
    log.warning("text screening failed (%s): asked again at the next sweep", problem)
    return LATER


def apply_screening(item, suggest):
    """Record the screening result: cleared text goes on to its deputy; risky or unscreenable text is
    held for an administrator.

    None means WeChat could not answer now: the item stays pending and the next sweep retries.
    """
    if suggest is None:
        return
    item.screening = suggest
    if suggest in ("risky", "manual"):
        hold(item, "内容安全检测未通过，等待人工审核" if suggest == "risky" else "该内容无法自动检测，等待人工审核")
    else:
        notify_new_item(item)
        notify_station_pending(item)


def hold(item, reason):
    """Hide ``item`` from everyone but administrators until one of them releases (or rejects) it.

    Content screening calls this for the item's text and for each of its photos; held once is enough."""
    if item.held_for_review:
        return
    item.held_for_review = True
    workflow.record(item, "hold", SYSTEM, reason)


# --- the steps -----------------------------------------------------------------------------------


def dispatch(item, actor, deputy_id, note=""):
    deputy = db.session.get(Deputy, deputy_id, options=[lazyload(Deputy.live_qr)])  # not their printed code
    if deputy is None or not deputy.active or not manages_deputy(actor.user, deputy):
        raise validation_failed({"deputy_id": ["代表不存在、已离任或不在您的管理范围内。"]})
    workflow.check_transition(item, "dispatch")
    now = utcnow()
    _leave_deputy(item, now)  # late to dispatch, or (re-dispatched) its deputy late to accept
    # 待分派 and 超期 told of the stage now over; a deputy it is taken from is told nothing more of it.
    _drop_staff_notices(item, ("new_item", "overdue"))
    if item.deputy_id != deputy.id:
        _drop_deputy_notices(item, item.deputy_id)
    workflow.apply(item, "dispatch", actor, note, data={"deputy_id": deputy.id, "deputy_name": deputy.name})
    _assign(item, deputy, now)
    db.session.flush()
    return item


def accept(item, actor):
    now = utcnow()
    note_lateness(item, now)
    workflow.apply(item, "accept", actor)
    item.accepted_dt = now
    item.reply_due_dt = due_at(item.category, "reply", now)
    item.overdue = item.due_soon = False
    _notify([item.citizen], "accepted", item, "代表已接单，正在办理", "accepted", _followers(item))
    db.session.flush()
    return item


DEPARTED = "代表离任，退回联络站重新分派"
# Why a work order was withdrawn (已撤回): on the work order, as the item page and the statistics show it.
WORK_ORDER_DEPARTED = "代表离任，建议已退回联络站重新分派"
WORK_ORDER_REJECTED = "建议不予受理"


def _withdraw_work_order(item, reason):
    """An item leaving 转办中 without the department's feedback (its deputy left office, or it was refused
    while held for review): its open work order stays on record, withdrawn (已撤回) with ``reason``, and is no
    longer awaited — by the statistics, the item's page or anyone; the next deputy may forward it again (a
    new work order). The item no longer says it is at the department. Returns the timeline's words for it."""
    work_order = _open_work_order(item)
    work_order.withdrawn_dt, work_order.withdrawn_reason = utcnow(), reason
    item.forward_target = item.forward_department = item.forward_work_order_no = None
    return f"转办至{work_order.department}的工单已撤回，不再等待部门反馈"


def return_to_station(item, actor, reason, departed=False, notice=None):
    """退回: the item waits for dispatch again, at its station — or, that one closed (停用) or gone, at the
    deputy's open station, else in the queue of its region, as the timeline line says (no item waits at a
    closed station: nobody would see it). ``departed``: the system's, as the deputy left office. ``notice``:
    what the station is told instead (its note, and its shorter one for a station nobody runs)."""
    workflow.check_transition(item, "return", actor.role == "system")
    _leave_deputy(item, utcnow())
    _drop_deputy_notices(item, item.deputy_id)
    moved = _requeue(item, item.deputy_id)
    note = f"{reason}（{moved}）" if moved else reason
    if item.status is Status.forwarded:  # only the system's, as the deputy left office (workflow.SYSTEM_ONLY)
        note += "；" + _withdraw_work_order(item, WORK_ORDER_DEPARTED if departed else reason[:100])
    workflow.apply(item, "return", actor, note)
    item.deputy = None
    item.accept_due_dt = item.reply_due_dt = None
    item.dispatch_due_dt = dispatch_due_at(utcnow())
    item.overdue = item.due_soon = False
    note, unstaffed = notice or (("代表离任，建议已退回，请重新分派", "代表离任待分派") if departed else
                                 ("代表退回了一条建议，请重新分派", "代表退回待分派"))
    notify_station_pending(item, note, f"returned-{int(utcnow().timestamp() * 1000)}", unstaffed)
    db.session.flush()
    return item


def _requeue(item, deputy_id):
    """Move a returned ``item`` off a closed or missing station: to the deputy's open station
    (``filing.deputy_station_id``, where their filings wait), else to no station (its region's queue).
    Returns what the timeline says of it, or "" when it stays at its station."""
    from .filing import deputy_station_id  # filing builds on the steps

    station = item.station
    if station is not None and not station.closed:
        return ""
    was = "原联络站已停用，" if station is not None else ""
    open_id = deputy_station_id(deputy_id) if deputy_id is not None else None
    if open_id is not None:
        item.station = db.session.get(Station, open_id)
        return f"{was}转{item.station.name}待分派"
    item.station = None
    return f"{was}代表无在用联络站，转{item.region.name}待分派"


def return_departed(deputy_ids):
    """Leaving office (org.services.sync_office_of_ids): the deputies' open items (待接单, 办理中, 转办中) go back
    to their stations for dispatch, each with its timeline line, in the caller's transaction. Returns how many."""
    deputy_ids = list(deputy_ids)
    returned = 0
    for start in range(0, len(deputy_ids), _CHUNK):
        items = db.session.scalars(
            select(Suggestion).where(Suggestion.deputy_id.in_(deputy_ids[start:start + _CHUNK]),
                                     Suggestion.status.in_(workflow.CLOCK_STATUSES)).order_by(Suggestion.id)
        ).all()
        for item in items:
            return_departed_item(item)
        returned += len(items)
    return returned


def return_departed_item(item):
    """One open item of a deputy out of office back to its station for dispatch (待分派), with the timeline line
    and the station's message of leaving office: ``return_departed``'s, and the sweep's for an item still left
    with such a deputy all the same (``sweep.return_left_with_departed``)."""
    return return_to_station(item, SYSTEM, DEPARTED, departed=True)


def progress(item, actor, note):
    workflow.apply(item, "progress", actor, note)
    db.session.flush()
    return item


def forward(item, actor, target, department, note, work_order_no=None):
    """转办: a new work order at a department or the 12345 hotline, with its number there if it has one."""
    if target == "department" and not department:
        raise validation_failed({"department": ["转办到政府部门时请填写部门名称。"]})
    if target != "department":
        # The unit the hotline is asked to pass it to, if typed: kept with the channel the order went through.
        if department and len(department) > DEPARTMENT_LENGTH - len(HOTLINE_CHANNEL) - 2:
            raise validation_failed({"department": [
                f"转办到 12345 热线时，承办部门不能超过 {DEPARTMENT_LENGTH - len(HOTLINE_CHANNEL) - 2} 个字。"]})
        department = f"{HOTLINE_CHANNEL}（{department}）" if department else HOTLINE_CHANNEL
    work_order_no = work_order_no or None
    item.forward_target = target
    item.forward_department = department
    item.forward_work_order_no = work_order_no
    item.department_satisfaction = None  # the new work order's, once its feedback says
    note_lateness(item, utcnow())  # forwarded after the reply limit: late already, the department's time aside
    workflow.apply(item, "forward", actor, note,
                   data={"target": target, "department": department, "work_order_no": work_order_no})
    work_order = SuggestionWorkOrder(suggestion=item, target=target, department=department,
                                     work_order_no=work_order_no, forwarded_dt=utcnow())
    db.session.add(work_order)
    db.session.flush()
    _tell_deputy(item, actor, "联络站已代为转办，待部门反馈", f"{FORWARDED_KEY}{work_order.id}")
    return item


def _tell_deputy(item, actor, note, key):
    """A step an administrator took on the item's deputy's behalf (转办, 部门反馈): the deputy, whose reply clock
    it stops or restarts, is told — under 督办's template, the one they consent to while handling an item."""
    if actor.role != "deputy" and _in_office(item.deputy_id):
        _notify([_deputy_user(item.deputy_id)], "supervised", item, note, key)


def _open_work_order(item):
    """The work order a feedback answers: the item's last one, still open since a forwarded item's last
    step was its forwarding. An item forwarded with no work order left for it (by the code before work
    orders, still serving while 0017 ran, or seeded data) gets one now for its latest forwarding, as the
    migration made them: never is an answered work order answered again, nor is the feedback a 500."""
    latest = item.work_orders[-1] if item.work_orders else None
    if latest is not None and latest.open:
        return latest
    forwarded_dt = db.session.scalar(
        select(SuggestionEvent.created_dt)
        .where(SuggestionEvent.suggestion_id == item.id, SuggestionEvent.action == "forward")
        .order_by(SuggestionEvent.id.desc()).limit(1)
    )
    work_order = SuggestionWorkOrder(
        suggestion=item, target=item.forward_target or "department", department=item.forward_department or "",
        work_order_no=None, forwarded_dt=forwarded_dt or utcnow())
    db.session.add(work_order)
    db.session.flush()  # its id, which the 督办 line names
    return work_order


def feedback(item, actor, note, department_satisfaction=None):
    """部门反馈: the department's answer, and the deputy's satisfaction with it. 不满意 puts the item under
    supervision (督办) and tells the station's administrators, who lead the on-site supervision (现场督办);
    the deputy may then forward it again. The reply limit resumes with the time the deputy had left when
    forwarding (resumed_reply_due)."""
    satisfaction = Satisfaction(department_satisfaction) if department_satisfaction else None
    work_order = _open_work_order(item)
    workflow.apply(item, "feedback", actor, note, data={
        "department": work_order.department, "work_order_no": work_order.work_order_no,
        "satisfaction": satisfaction.value if satisfaction else None,
    })
    now = work_order.feedback_dt = utcnow()
    work_order.satisfaction = satisfaction
    # The reply clock stood still while the item was at the department (its delay is the work order's, and
    # cost the deputy no point: mark_overdue): it resumes with the time the deputy had left when forwarding.
    if item.reply_due_dt is not None and work_order.forwarded_dt is not None and now > work_order.forwarded_dt:
        item.reply_due_dt = resumed_reply_due(item, work_order.forwarded_dt, now)
        if item.reply_due_dt > now:  # flagged again by the sweep if the deputy lets it pass
            item.overdue = item.due_soon = False
    item.department_satisfaction = satisfaction
    if item.reply_due_dt is not None:
        due = item.reply_due_dt.astimezone(CHINA)
        _tell_deputy(item, actor, f"部门已反馈，请于{due.month}月{due.day}日前答复群众", f"{FED_BACK_KEY}{work_order.id}")
    if satisfaction is Satisfaction.dissatisfied:
        item.supervised = True
        # Without the work order's number, which the timeline would show to the item's followers.
        workflow.record(item, "supervise", SYSTEM, f"代表对{work_order.department}的办理结果不满意，转入督办",
                        data={"work_order_id": work_order.id})
        _notify_station(item, "supervised", "代表对部门办理不满意，请组织现场督办", f"work-order-{work_order.id}",
                        "代表对部门办理不满意")
    db.session.flush()
    return item


def reply(item, actor, content, implemented=None):
    """The deputy's answer; ``implemented`` (落实) says whether the problem was solved or the answer explains why not."""
    now = utcnow()
    note_lateness(item, now)
    workflow.apply(item, "reply", actor, content, data=None if implemented is None else {"implemented": implemented})
    item.reply_content = content
    item.implemented = implemented
    item.replied_dt = now
    item.overdue = item.due_soon = False
    _notify([item.citizen], "replied", item, "代表已答复，请查看并评价", "replied", _followers(item),
            follower_note="代表已答复，请查看答复")
    db.session.flush()
    return item


def rate(item, actor, satisfaction, comment=""):
    """满意/基本满意 close the item; 不满意 sends it round again, up to MAX_ROUNDS, then closes it under supervision."""
    satisfaction = Satisfaction(satisfaction)
    now = utcnow()
    rating = SuggestionRating(suggestion_id=item.id, round=item.round, satisfaction=satisfaction, comment=comment)
    reopen = satisfaction is Satisfaction.dissatisfied and item.round < current_app.config["MAX_ROUNDS"]
    to_status = Status.accepted if reopen else Status.closed
    workflow.apply(item, "rate", actor, comment, to_status=to_status, data={"satisfaction": satisfaction.value})
    # The item's rating is its last round's: a re-opened item waits for a new one (the rounds' ratings
    # stay in suggestion_ratings and the timeline). Kept, 不满意 would count an item that then closes
    # unrated as rated 不满意 in the statistics and archives.
    item.satisfaction = None if reopen else satisfaction
    if reopen:
        item.round += 1
        item.reply_due_dt = due_at(item.category, "reply", now)
        item.reply_content = item.implemented = None
        if _in_office(item.deputy_id):
            _notify([item.citizen, _deputy_user(item.deputy_id)], "reopened", item, "群众不满意，建议已重新交办",
                    "reopened", _followers(item))
            notify_station_reopened(item)
        else:
            # Its deputy has left office (their open items went back to their stations then; this one, answered,
            # waited for its rating): nobody could handle the new round. Back to the station for dispatch, as those.
            return_to_station(item, SYSTEM, DEPARTED, departed=True, notice=REOPENED_DEPARTED)
            _notify([item.citizen], "reopened", item, "原代表已离任，将另行分派代表办理", "reopened", _followers(item))
    else:
        item.closed_dt = now
        if satisfaction is Satisfaction.dissatisfied:
            item.supervised = True
            workflow.record(item, "supervise", SYSTEM, f"经 {item.round} 轮办理群众仍不满意，转入督办")
            _notify_station(item, "supervised", "群众仍不满意，请组织督办", "rounds-exhausted", "群众仍不满意待督办")
        else:
            _credit_closing(item)
    db.session.add(rating)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise APIError(409, "invalid_transition", "本轮答复已经评价过了。") from None
    return item


# What a station is told of an item sent round again whose deputy has left office (``rate``).
REOPENED_DEPARTED = ("群众不满意，原代表已离任，请重新分派", "重办待分派")


def notify_station_reopened(item):
    """重办 is under the station's supervision (domain: 二次交办 under the administrator's 督办): its administrators
    are told of every round a dissatisfied citizen asks for, not only of the last one. Listed in 消息 (their
    linked WeChat consented to no 重新交办 template)."""
    _notify_station(item, "reopened", f"群众不满意，已第{item.round}轮交办，请督促办理", "reopened-admin",
                    f"第{item.round}轮交办")


def auto_close(item, days):
    """The sweep closes a replied item the citizen left unrated; the answer counts as given."""
    workflow.apply(item, "auto_close", SYSTEM, f"答复后 {days} 天未评价，自动办结")
    item.closed_dt = utcnow()
    _credit_closing(item)
    db.session.flush()
    return item


def _credit_closing(item):
    """履职积分 from the suggestion loop: an item closed, and a satisfied rating; none for an item its deputy
    filed themself (``workflow.filed_by_its_deputy``: its filer's WeChat is the deputy's, or its filer gave the
    deputy's registered phone — a station code's filing dispatched to them, a filer who bound the deputy's
    number since), which would be points for self-dealing."""
    if item.deputy_id is None or filed_by_its_deputy(item):
        return
    ledger.credit(item.deputy_id, "suggestion_closed", "suggestion", item.id, f"办结群众建议 {item.number}")
    if item.satisfaction is Satisfaction.satisfied:
        ledger.credit(item.deputy_id, "suggestion_satisfied", "suggestion", item.id, f"群众满意 {item.number}")


def reject(item, actor, reason):
    """不予受理: closed with the reason, which the citizen is told as the answer to their suggestion
    (件件有回音; the reply template, which they subscribed to when filing). An item held by content
    screening that is refused is 内容审核驳回 in the 操作日志 as well."""
    held = item.awaiting_review
    forwarded = item.status is Status.forwarded  # held for review at the department
    workflow.apply(item, "reject", actor, reason)
    if forwarded:
        _withdraw_work_order(item, WORK_ORDER_REJECTED)
    if held:
        audit_log.record("content_rejected", actor.user, ("suggestion", item.id, item.number), item.region_id)
    item.closed_dt = utcnow()
    _drop_staff_notices(item)
    # Followers read the reason as their timeline shows it: without a name or phone staff wrote in it.
    _notify([item.citizen], "replied", item, f"不予受理：{reason}", "rejected", _followers(item),
            follower_note=redact_item_text(item, f"不予受理：{reason}"))
    db.session.flush()
    return item


def withdraw(item, actor):
    workflow.apply(item, "withdraw", actor)
    item.closed_dt = utcnow()
    _drop_staff_notices(item)
    db.session.flush()
    return item


def supervise(item, actor, note):
    """督办 by an administrator: the deputy handling an open item is told to press on (an item still
    待分派 has nobody to press yet: ``workflow`` refuses it)."""
    workflow.apply(item, "supervise", actor, note)
    item.supervised = True
    if item.status in (Status.assigned, Status.accepted, Status.forwarded):
        _notify([_deputy_user(item.deputy_id)], "supervised", item, "此建议已列入督办，请加快办理", "supervised-by-admin")
    db.session.flush()
    return item


def release(item, actor, note=""):
    """An administrator clears an item held by content screening."""
    if not item.awaiting_review:
        raise APIError(409, "invalid_transition", "这条建议没有处于待审核状态。")
    workflow.apply(item, "release", actor, note)
    audit_log.record("content_released", actor.user, ("suggestion", item.id, item.number), item.region_id)
    item.held_for_review = False
    item.screening = "reviewed"
    _restart_clock(item, utcnow())
    # The administrator has looked at the whole item, its photos included.
    db.session.execute(
        update(Upload).where(Upload.suggestion_id == item.id, Upload.screening.in_(["risky", "manual"]))
        .values(screening="released", screen_next_dt=None)
    )
    notify_new_item(item)
    notify_station_pending(item)
    db.session.flush()
    return item


def set_public_consent(item, actor, consent):
    """The citizen withdraws their consent to publish ``item`` (``consent`` False: 个人信息保护法 第十五条) or gives
    it again. Withdrawn, the item leaves at once whatever shows it by consent: the public list and the station
    and deputy pages (``public_routes.published_query``), /nearby and the follows made from it
    (``public_routes.offered_clause``, ``workflow.can_see``); followers through a merge keep their follower view.
    Asked again as it stands (a retry, a double tap): nothing changes and nothing is recorded."""
    if bool(item.public_consent) is consent:
        return item
    item.public_consent = consent
    workflow.apply(item, "give_consent" if consent else "withdraw_consent", actor)
    if not consent:
        _drop_offered_followers_notices(item)
    db.session.flush()
    return item


# The notices about an item its followers receive (``_notify``'s ``followers``).
FOLLOWER_TEMPLATES = ("accepted", "replied", "reopened")


def _drop_offered_followers_notices(item):
    """Consent withdrawn: the followers who came through /nearby (not a merge) may no longer read the item, so
    their notices about it not sent yet (its citizen's words, a link that now answers 404) are not sent, and
    leave their 消息中心 (``outbox.withdraw_under``). Those sent stay as they were sent. The item's deputy, should
    they follow it too, keeps the 重新交办 that is theirs to act on."""
    offered = select(SuggestionFollower.user_id).where(
        SuggestionFollower.suggestion_id == item.id, SuggestionFollower.via_merge.is_(False))
    deputy = _deputy_user(item.deputy_id)
    withdraw_under([(template, f"{template}:{item.id}:") for template in FOLLOWER_TEMPLATES], users=offered,
                   exclude_user=deputy.id if deputy is not None else None)


WITHHOLD_BLANK = "请填写不予公开的理由。"


def set_public_text(item, actor, content=None, reply_content=None, withheld=False, reason=""):
    """公开展示内容: what the public pages show of a closed item its citizen agreed to publish, decided by an
    administrator of it. ``content`` / ``reply_content``: the words to show instead of the citizen's and the
    reply (None or blank: those, redacted automatically); ``withheld``: the item is on no public page at all
    (不予公开), for ``reason``. The citizen and the staff keep reading the words as written. 操作日志 and a
    timeline line only the staff read (presenters)."""
    if not item.public_consent:
        raise APIError(409, "conflict", "群众未同意公开这条建议，它不会公开展示，无需设置公开内容。")
    if item.merged_into_id is not None:
        raise APIError(409, "conflict", "这条建议已合并到其他建议，不会公开展示。")
    reason = (reason or "").strip()
    if withheld and not reason:
        raise validation_failed({"reason": [WITHHOLD_BLANK]}, WITHHOLD_BLANK)
    target = ("suggestion", item.id, item.number)
    was_withheld = item.public_withheld_reason is not None
    if withheld:
        item.public_withheld_reason = reason
        workflow.apply(item, "withhold_public", actor, reason)
        audit_log.record("public_withheld", actor.user, target, item.region_id, {"reason": reason})
    else:
        item.public_content, item.public_reply = content or None, reply_content or None
        item.public_withheld_reason = None
        workflow.apply(item, "public_text", actor, "恢复公开" if was_withheld else "")
        audit_log.record("public_text_edited", actor.user, target, item.region_id)
    db.session.flush()
    return item


def public_text_of(item):
    """The item's 公开展示内容 as its administrators read it (``set_public_text``'s answer)."""
    return {
        "id": item.id, "number": item.number, "public": item.public,
        "withheld": item.public_withheld_reason is not None, "withheld_reason": item.public_withheld_reason,
        "approved_content": item.public_content, "approved_reply": item.public_reply,
        "content": public_content(item), "reply_content": public_reply(item),
    }


PUBLICATION_LABELS = {"published": "公开展示中", "withheld": "不予公开", "not_published": "未公开展示"}


def publication_of(item):
    """What the public pages show of ``item``, as its citizen's copy of their data says it (auth.erasure):
    ``published`` with the words and the reply as shown there (``public_content`` / ``public_reply``: an
    administrator's approved text or the citizen's own, redacted); ``withheld`` (不予公开) without the
    administrator's reason, which the staff alone read; else ``not_published`` (not consented, not closed yet,
    held by screening, merged away)."""
    state = ("published" if item.public else
             "withheld" if item.public_consent and item.public_withheld_reason is not None else "not_published")
    shown = state == "published"
    return {"state": state, "state_label": PUBLICATION_LABELS[state],
            "content": public_content(item) if shown else None,
            "reply_content": (public_reply(item) or None) if shown else None}


# An item another may be merged into: one still open, 待分派 included.
MERGE_TARGET_STATUSES = (Status.pending, Status.assigned, Status.accepted, Status.forwarded, Status.replied)


def merge(item, actor, into):
    """Close ``item`` as a duplicate of ``into``; its citizen follows ``into`` from now on."""
    if into.id == item.id:
        raise validation_failed({"into_id": ["不能合并到自身。"]})
    if into.status not in MERGE_TARGET_STATUSES or into.merged_into_id:
        raise validation_failed({"into_id": ["目标建议已办结或已被合并，不能作为合并目标。"]})
    # A timeline line alone does not bump ``into``'s version: touch it, so that a concurrent change of the
    # target (say, its own merge into this item) collides instead of closing both. Touched before anything
    # flushes, both rows are updated in one flush in id order, so crossing merges cannot deadlock either.
    into.updated_dt = utcnow()
    workflow.apply(item, "merge", actor, f"与 {into.number} 重复，已合并", data={"into_id": into.id})
    item.merged_into_id = into.id
    item.closed_dt = utcnow()
    _drop_staff_notices(item)
    # Both citizens follow the surviving item (and the duplicate's followers too), by the merge: they read its
    # follower view whatever its citizen's consent to publication says, and nothing of that citizen's unless
    # it is published (workflow.follow_kind, presenters.present, ``_followers``).
    for user in [item.citizen, *_following(item)]:
        if user.id == into.citizen_id or user.erased_dt is not None:  # a filer who cancelled their account follows nothing
            continue
        row = db.session.get(SuggestionFollower, (into.id, user.id))
        if row is None:
            db.session.add(SuggestionFollower(suggestion_id=into.id, user_id=user.id, via_merge=True))
        else:  # chosen from /nearby before: followed by the merge now
            row.via_merge = True
    workflow.record(into, "merged_in", actor, f"合并了重复建议 {item.number}", data={"from_id": item.id})
    db.session.flush()
    return item
