"""Activity steps: 发单 (dispatch), 接单/请假 (accept/decline), 扫码签到 (check in), 补签 (check in by hand),
结单 (close), cancel.

Services flush and never commit; the request commits once. Closing credits points through the
ledger, whose unique constraint (and the activity's version check) makes double crediting impossible.
"""
from dataclasses import replace
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import (
    String, cast, delete, exists, false, func, insert, inspect as inspect_state, literal, or_, select, true, update,
)
from sqlalchemy.orm import contains_eager, defaultload, lazyload, raiseload, selectinload
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from schemas.common import clean

from ..auth.models import User
from ..auth.scope import MAX_ID, get_by_id, manages_deputy, manages_region, manages_station, region_subtree_clause
from ..db_types import CHINA, UTCDateTime, utcnow
from ..errors import APIError, not_found, validation_failed
from ..extensions import db
from ..notifications.outbox import china_time, enqueue_each, enqueue_many, restate, thing, waiting_pages, withdraw
from ..org.closing import closed_since_checked
from ..org.models import Deputy, Region, Station, station_deputies
from ..points import ledger, rulebook
from . import rotating
from .models import (
    ACTIVITY_TYPE_LABELS,
    ACTIVITY_TYPE_PHRASES,
    CHECKIN_MODE_LABELS,
    PARTICIPANT_STATUS_LABELS,
    Activity,
    ActivityEvent,
    ActivityParticipant,
    ActivityStatus,
    ActivityType,
    EventAction,
    ParticipantStatus,
    checkin_mode,
)

P = ParticipantStatus


# Why a scan was refused (409 ``checkin_refused``'s ``reason``), one word per refusal a phone may answer
# differently: only ``location_required`` is helped by the phone's location settings (去设置).
CHECKIN_REFUSALS = ("location_required", "too_far", "not_invited", "declined", "too_early", "too_late",
                    "no_activity", "ended", "cancelled", "code_expired", "screen_code_required",
                    "already_checked_in_elsewhere")


def refuse(message, reason):
    """A scan that cannot check in, with why in Chinese (``message``) and as a word (``reason``, one of
    CHECKIN_REFUSALS)."""
    return APIError(409, "checkin_refused", message, reason=reason)


# --- loading --------------------------------------------------------------------------------------


@cache
def _shown():
    """An activity as its page and every step read it: its station without its printed code, and all
    participants with their deputies in one query, however many were invited."""
    return (defaultload(Activity.station).lazyload(Station.live_qr),
            selectinload(Activity.participants).joinedload(ActivityParticipant.deputy).lazyload(Deputy.live_qr))


@cache
def _without_roster():
    """An activity as a page that reads its roster a page at a time sees it: its participants are never
    loaded whole (touching them is an error, not a thousand rows read by surprise)."""
    return (defaultload(Activity.station).lazyload(Station.live_qr), raiseload(Activity.participants))


def load_activity(activity_id, roster=True):
    """The activity with this id from a URL or a code, or None; without ``roster``, its participants are
    left unread (``roster_query`` pages them, ``summaries`` counts them)."""
    activity = get_by_id(Activity, activity_id, _shown() if roster else _without_roster())
    if roster and activity is not None and "participants" in inspect_state(activity).unloaded:
        # Read earlier in this session without its roster (how it was loaded stays with it): read it whole.
        activity = db.session.get(Activity, activity.id, options=_shown(), populate_existing=True)
    return activity


def roster_query(activity, status=None, q=""):
    """The activity's participants with their deputies, in the order the list was entered (by deputy),
    narrowed to one status and to a part of a deputy's name: a query to page, never loaded whole."""
    query = (
        select(ActivityParticipant).join(ActivityParticipant.deputy)
        .where(ActivityParticipant.activity_id == activity.id)
        .options(contains_eager(ActivityParticipant.deputy).lazyload(Deputy.live_qr))
        .order_by(ActivityParticipant.deputy_id)
    )
    if status:
        query = query.where(ActivityParticipant.status == status)
    if q:
        query = query.where(Deputy.name.contains(q, autoescape=True))
    return query


def list_loading():
    """Loader options for a page of activities: their stations without printed codes. Not their rosters:
    a deputy's own place in each is read for the whole page at once (``own_places``)."""
    return [selectinload(Activity.station).lazyload(Station.live_qr)]


def own_places(activities, deputy_id):
    """``{activity id: the deputy's participation}`` in a page of activities, in one query: never each
    activity's whole roster (a city-wide meeting invites a thousand)."""
    if deputy_id is None or not activities:
        return {}
    rows = db.session.scalars(select(ActivityParticipant).where(
        ActivityParticipant.deputy_id == deputy_id, ActivityParticipant.activity_id.in_([a.id for a in activities])))
    return {p.activity_id: p for p in rows}


# --- visibility -----------------------------------------------------------------------------------


def manages_activity(user, activity):
    if user is None:
        return False
    if manages_region(user, activity.region):
        return True
    return activity.station is not None and manages_station(user, activity.station)


def participant(activity, deputy_id):
    if "participants" in inspect_state(activity).unloaded:  # loaded without its roster: read the one row
        if not isinstance(deputy_id, int) or not 0 < deputy_id <= MAX_ID:  # None, or an id no row can have
            return None  # (from a URL: beyond 64 bits it would fail in the database, not just miss)
        return db.session.scalars(roster_query(activity).where(ActivityParticipant.deputy_id == deputy_id)).first()
    return next((p for p in activity.participants if p.deputy_id == deputy_id), None)


def can_see(user, activity):
    """Its administrators, the deputies on its list, and while it offers places (揭榜) the deputies who may
    claim one."""
    if manages_activity(user, activity):
        return True
    if user is None or "deputy" not in user.roles:
        return False
    return participant(activity, user.deputy_id) is not None or (
        activity.status is ActivityStatus.published and may_claim(user, activity))


def unseen_reason(user, activity):
    """Why ``activity`` (which ``user`` may not see) is not found, for a deputy it offered places to (a 揭榜
    notice they opened after it ended): 活动已取消 / 活动已结束; anyone else learns nothing of it."""
    if activity is not None and activity.open_slots is not None and may_claim(user, activity):
        if activity.status is ActivityStatus.cancelled:
            return "活动已取消。"
        if activity.status is ActivityStatus.closed:
            return "活动已结束。"
    return "活动不存在。"


def activity_for_code(code, now=None):
    """The activity a rotating check-in code names: 409 when expired, 404 when forged or gone."""
    activity = load_activity(rotating.read_code(code, now))
    if activity is None or activity.status is not ActivityStatus.published:
        raise not_found("签到码无效，或活动已经结束。")
    return activity


def public_profile(activity):
    return {
        "id": activity.id,
        "title": activity.title,
        "type_label": ACTIVITY_TYPE_LABELS[activity.type.value],
        "station": {"id": activity.station.id, "name": activity.station.name} if activity.station else None,
        "place": activity.place,
        "starts_at": activity.starts_dt.isoformat(),
        "ends_at": activity.ends_dt.isoformat(),
    }


# --- the record (台账) ----------------------------------------------------------------------------------


DEPUTY_ACTIONS = frozenset({EventAction.accepted, EventAction.declined, EventAction.checked_in, EventAction.claimed})


def record(activity, action, actor, note="", deputy=None, at=None):
    """A line of ``activity``'s record, in the step's transaction, for a step that changed something:
    ``actor`` (a User) took it as an administrator who manages the activity, or, for the deputies' own
    steps (DEPUTY_ACTIONS), as ``deputy``. ``deputy`` is also the one an administrator's step concerned
    (补签). The deputies' scans write theirs in Core, on the hot path (checkin.py)."""
    if action in DEPUTY_ACTIONS:
        role, name = "deputy", deputy.name
    elif actor is None:  # a step of the organisation's, not of one administrator (a deputy leaving office)
        role, name = "region_admin", ""
    else:
        role = "region_admin" if manages_region(actor, activity.region) else "station_admin"
        name = actor.display_name or actor.username or ""
    event = ActivityEvent(action=action, actor_role=role, actor_user_id=actor.id if actor is not None else None,
                          actor_name=name,
                          deputy_id=deputy.id if deputy is not None else None, note=note, created_dt=at or utcnow())
    # Linked from the event's side, as a suggestion's timeline line: appending to activity.events would
    # load the whole record first; an unloaded record takes the new line when it is read.
    event.activity = activity
    db.session.add(event)
    return event


# The lines an activity's detail carries: its latest, enough for an ordinary activity's whole record; a
# longer one is read page by page (GET /activities/{id}/events).
LATEST_LINES = 50


def record_lines(activity, deputy_id=None, action=None):
    """The query of ``activity``'s record, oldest first: in the order the lines were written, which is the
    order of their ids (the migration that filled in earlier activities inserted theirs in time order).
    Narrowed to the lines that concern one deputy, or to one kind of step."""
    query = select(ActivityEvent).where(ActivityEvent.activity_id == activity.id)
    if deputy_id is not None:
        query = query.where(ActivityEvent.deputy_id == deputy_id)
    if action is not None:
        query = query.where(ActivityEvent.action == EventAction(action))
    return query.order_by(ActivityEvent.id)


def latest_lines(activity, limit=LATEST_LINES):
    """``(lines, total)``: the latest ``limit`` lines of ``activity``'s record, oldest first, and how many it
    holds in all — two reads along the record's index, however long it is."""
    total = db.session.scalar(select(func.count()).select_from(ActivityEvent)
                              .where(ActivityEvent.activity_id == activity.id))
    # The limit written into the SQL, as pagination.paginate does: given "LIMIT ?", SQLite's planner may
    # walk every activity's lines backwards by id rather than this activity's along its index.
    latest = db.session.scalars(select(ActivityEvent).where(ActivityEvent.activity_id == activity.id)
                                .order_by(ActivityEvent.id.desc()).limit(literal(limit, literal_execute=True))).all()
    return latest[::-1], total


def window_text(starts, ends):
    """An activity's time as its record says it, in China time: 11-28 09:00–11:00 (with the end's day
    when it ends on another)."""
    starts, ends = starts.astimezone(CHINA), ends.astimezone(CHINA)
    end = f"{ends:%H:%M}" if ends.date() == starts.date() else f"{ends:%m-%d %H:%M}"
    return f"{starts:%m-%d %H:%M}–{end}"


def _place_text(activity):
    """Where the activity is, as 发单's line says it: the station and its place, or the place alone."""
    if activity.station is not None:
        return f"{activity.station.name}（{activity.place}）" if activity.place else activity.station.name
    return activity.place or "地图上标注的位置"


# The most deputies a line of the record names; any more are counted (a city-wide meeting's invited or
# absent: hundreds). The roster (GET /activities/{id}/participants, the console's list) names every one.
NAMED_AT_MOST = 20


def _listed(names, count=None):
    """A line's deputies: the first NAMED_AT_MOST of ``names``, and how many there are in all (``count``,
    else as many as ``names``) when there are more: 张伟、李娜…等 300 人."""
    names = list(names)
    count = len(names) if count is None else count
    return "、".join(names[:NAMED_AT_MOST]) + (f"等 {count} 人" if count > min(len(names), NAMED_AT_MOST) else "")


def _names(deputies):
    return _listed(d.name for d in deputies)


def _names_of(activity, status, count):
    """The names of ``activity``'s ``count`` deputies in ``status``, in the list's order: the first
    NAMED_AT_MOST of them, read in one query, and how many there are in all when there are more."""
    names = db.session.scalars(
        select(Deputy.name).join(ActivityParticipant, ActivityParticipant.deputy_id == Deputy.id)
        .where(ActivityParticipant.activity_id == activity.id, ActivityParticipant.status == status)
        .order_by(ActivityParticipant.deputy_id).limit(NAMED_AT_MOST)).all()
    return _listed(names, count)


def _points_text(points):
    return "按评分细则" if points is None else f"{points} 分"


def counts_text(counts, keys=("checked_in", "accepted", "invited", "declined", "absent")):
    """``summary()`` counts as a sentence: 已签到 2 人，已请假 1 人 (the statuses with anyone in them)."""
    parts = [f"{PARTICIPANT_STATUS_LABELS[key]} {counts[key]} 人" for key in keys if counts.get(key)]
    return "，".join(parts) or "无受邀代表"


# --- holding the activity against 结单 and 取消 ---------------------------------------------------------


def still_published(activity_id):
    """SQL condition for a participant's row written while the activity is published (接单, 请假, a scan,
    补签): checked by the write itself. SQLite lets one writer in at a time, so a 结单 or 取消 committed
    a moment earlier is seen here; on PostgreSQL ``hold`` waits for it first."""
    return exists().where(Activity.id == activity_id, Activity.status == ActivityStatus.published)


def hold(activity, *also, alone=False):
    """Read ``activity``'s status again (and the attributes named in ``also``) with its row held until
    this request ends (PostgreSQL's FOR SHARE: responses, scans and bookings do not wait for one another,
    but 结单, 取消 and edits, which update the row, wait for them, and one arriving after any of those
    reads what it left). Taken before writing a participant's row, so that of a scan and a 取消 (or a
    接单 and a 结单) at the same instant exactly one comes first; and by a booking (约见代表) on a
    reception day, against the day's own changes.

    ``alone``: held against those steps too (FOR UPDATE), for a step that counts what the others write: two
    deputies claiming the last place (揭榜) take turns, and the second counts the first. (SQLite has one
    writer at a time; there the claim's own statement counts.)"""
    db.session.refresh(activity, ["status", "version", *also], with_for_update=True if alone else {"read": True})
    return activity.status


# --- one activity at a time -------------------------------------------------------------------------
# A deputy is in one place at a time: checked in to an activity (published, or closed and credited), they
# cannot be checked in (scan or 补签) to another whose time overlaps it, or 结单 would credit both. Back to
# back (one ends when the other starts) is no overlap. A cancelled activity's check-in counts for nothing.

# The transaction-scoped advisory lock a check-in of a deputy takes on PostgreSQL (key: this and the deputy's
# id), so that of two check-ins of one deputy at the same instant (two activities, two phones or a scan and a
# 补签) the second waits for the first and sees it. Only check-ins take it: nothing holding it waits on them.
CHECKIN_LOCK = 0x436B496E


def checked_in_elsewhere(activity_id, deputy_id):
    """SELECT of the title of another activity ``deputy_id`` is checked in to whose time overlaps
    ``activity_id``'s (values or bind parameters): one look-up of the deputy's check-ins
    (ix_activity_participants_deputy), each joined to its activity by its key."""
    activities, participants = Activity.__table__, ActivityParticipant.__table__
    theirs = participants.alias("elsewhere")
    other, this = activities.alias("other_activity"), activities.alias("this_activity")
    return (
        select(other.c.title)
        .select_from(theirs.join(other, other.c.id == theirs.c.activity_id)
                     .join(this, (this.c.id == activity_id) & (other.c.starts_dt < this.c.ends_dt)
                           & (other.c.ends_dt > this.c.starts_dt)))
        .where(theirs.c.deputy_id == deputy_id, theirs.c.status == P.checked_in, theirs.c.activity_id != activity_id,
               other.c.status.in_((ActivityStatus.published, ActivityStatus.closed)))
        .order_by(other.c.starts_dt).limit(1)
    )


def checkin_lock(deputy_id):
    """The deputy's check-in lock (CHECKIN_LOCK) as a SQL expression, for PostgreSQL."""
    return func.pg_advisory_xact_lock(CHECKIN_LOCK, deputy_id)


def elsewhere_text(title):
    """A scan refused because the deputy is checked in to ``title`` at the same time."""
    return f"您已在“{title}”签到，活动时间重叠，不能同时签到另一项活动。"


# --- 发单 ---------------------------------------------------------------------------------------------


def _where(activity):
    """The activity's place as a ``thing`` value, never empty (WeChat refuses the message): its place,
    else its station's name, else (an activity given only as a point on the map) its region's."""
    return (thing(activity.place) or (thing(activity.station.name) if activity.station else "")
            or thing(f"{activity.region.name}（地点见活动详情）"))


def _notify_deputies(activity, deputy_ids, template, note, key):
    """One message per deputy about ``activity`` (the templates 发单, reminder and cancellation share
    these fields), once: keyed by the template, the activity, the deputy and ``key``. ``deputy_ids``: a list,
    or a SELECT of them (an activity's list, read where it is, not a thousand ids sent back to the database).
    Queued in one INSERT … SELECT however many they are (``enqueue_each``)."""
    if isinstance(deputy_ids, (list, tuple, set)) and not deputy_ids:
        return 0
    # Deputies in office only: one who left office is taken off what is to come (``take_off_departed``), and
    # is told nothing of what they can no longer attend.
    recipients = select(
        User.id, literal(f"{template}:{activity.id}:") + cast(User.deputy_id, String) + literal(f":{key}"),
    ).join(Deputy, Deputy.id == User.deputy_id).where(User.deputy_id.in_(deputy_ids), Deputy.active.is_(True))
    return enqueue_each(recipients, template, _message_data(activity, note), page=page_path(activity))


def _on_list(activity, statuses=None):
    """The ids of the deputies on ``activity``'s list (in one of ``statuses``), as a SELECT."""
    query = select(ActivityParticipant.deputy_id).where(ActivityParticipant.activity_id == activity.id)
    return query if statuses is None else query.where(ActivityParticipant.status.in_(statuses))


def _about(activity):
    """The fields every activity template opens with: 活动名称, 活动类型, 开始时间, 活动地点."""
    return {
        "thing1": thing(activity.title),
        "phrase2": ACTIVITY_TYPE_PHRASES[activity.type.value],
        "time3": china_time(activity.starts_dt),
        "thing4": _where(activity),
    }


def _message_data(activity, note):
    """发单, reminder, cancellation and change: the activity, and ``thing5`` 备注."""
    return _about(activity) | {"thing5": thing(note)}


ACTIVITY_PAGE = "pages/activity/detail?id="


def page_path(activity):
    """The mini-program page an activity's message opens: the activity, with 接单 or 揭榜 on it."""
    return f"{ACTIVITY_PAGE}{activity.id}"


# The template of 揭榜 notices (backend/config.py's keys).
CLAIM_TEMPLATE = "activity_claim"


def _tell_of_places(activity, taken_off=(), left=None):
    """揭榜 notices: the deputies who may claim one of ``activity``'s open places (``claimants``) and are not
    on its list are told through a template of their own (``activity_claim``: the activity's fields, and
    ``number5`` 剩余名额, the places left), in the step's transaction, by one INSERT … SELECT however many
    they are. Not the 发单 template: each message spends one of the consents a deputy gave for its template,
    and a notice of places they may ignore must not spend the one an invitation needs (WeChat refuses a
    message without one: 43101). The sweep sends them after every other message due (``BULK_TEMPLATES``).

    Once per deputy and activity (the dedupe key names neither the places nor the edit): an edit (more places,
    places offered again after 停止揭榜, a new time) tells only the deputies not sent one yet (one who has
    since bound their WeChat, come into office or been received at its station), the notices still waiting
    restated as the activity now reads (``_update_place_notices``). Nothing while no place is left, or once
    the activity is over (entered afterwards: there is nothing to claim). Not the deputies ``taken_off``
    its list by the same edit, who are being told they need not come.

    No cap: every deputy who may claim a place is told, as every one of them may take it (any fewer would be
    an arbitrary choice of who hears first). ACTIVITY_MAX_DEPUTIES bounds an activity's list, which its pages
    and 结单 handle at once, not those told: a city's 10,000 deputies are one statement here (about 0.1 s on
    PostgreSQL), and the sweep delivers them 200 a run, after every other message due: a city's take it some
    50 minutes, and a citizen's 已受理 queued behind them still goes at the next run."""
    left = _places_to_tell(activity) if left is None else left  # ``left``: counted by the caller
    if not left:
        return 0
    on_list = select(ActivityParticipant.deputy_id).where(ActivityParticipant.activity_id == activity.id)
    recipients = (
        select(User.id, literal(f"{CLAIM_TEMPLATE}:{activity.id}:") + cast(User.deputy_id, String))
        .join(Deputy, Deputy.id == User.deputy_id)
        .where(claimants(activity), Deputy.id.not_in(on_list))
    )
    if taken_off:
        recipients = recipients.where(Deputy.id.not_in(list(taken_off)))
    return enqueue_many(recipients, CLAIM_TEMPLATE, _about(activity) | {"number5": str(left)}, page=page_path(activity))


def _places_to_tell(activity):
    """How many of ``activity``'s places are left to tell of (揭榜 notices): 0 when it offers none, none is
    left, or it is over."""
    if activity.open_slots is None or responses_closed(activity):
        return 0
    return max(activity.open_slots - claimed_count(activity), 0)


def _withdraw_place_notices(activity):
    """The activity's 揭榜 notices not sent yet are dropped (the sweep sends them last, so a city's may wait
    an hour): once no place is left, or the activity is cancelled or closed, they would invite deputies
    to claim what is gone."""
    return withdraw(CLAIM_TEMPLATE, f"{CLAIM_TEMPLATE}:{activity.id}:")


def _update_place_notices(activity, taken_off=()):
    """After a step that changes what a 揭榜 notice says or whom it is for (an edit, a claim, a place given
    back by 请假 or taken again): the notices still waiting are restated as the activity now reads (its
    title, time, place and the places left), those of the deputies now on its list (one who has just taken a
    place, or was invited by an edit) or ``taken_off`` it by an edit are dropped, and while places are
    left the deputies who may claim and were not told yet are told (after a place given back: those whose
    notices were dropped when the last was taken; never those ``taken_off``, who are being told they need not
    come); once none is left, every notice still waiting is dropped.

    Restated where they wait, by one UPDATE, not dropped and queued again: a notice a running sweep is
    sending at this moment is neither queued a second time (its dedupe key freed by the drop) nor moved to
    the end of the queue. Who may claim changes with the list alone (an edit keeps the activity's region and
    station). A claim's or a 请假's caller holds the activity alone (``hold(..., alone=True)``), and an edit
    has updated its row: the places counted here are those its own step left."""
    prefix = f"{CLAIM_TEMPLATE}:{activity.id}:"
    left = _places_to_tell(activity)
    if not left:
        return _withdraw_place_notices(activity)
    on_list = select(ActivityParticipant.deputy_id).where(ActivityParticipant.activity_id == activity.id)
    gone = User.deputy_id.in_(on_list) | (User.deputy_id.in_(list(taken_off)) if taken_off else false())
    withdraw(CLAIM_TEMPLATE, prefix, users=select(User.id).where(gone))
    restate(CLAIM_TEMPLATE, prefix, _about(activity) | {"number5": str(left)})
    return _tell_of_places(activity, taken_off, left=left)


def drop_place_notices_once_over():
    """Sweep step, before the outbox's delivery: the 揭榜 notices still waiting of an activity whose claims
    have closed (its check-in window is over, ``responses_closed``) are dropped, not sent inviting deputies to
    claim what nobody can (a city's take the sweep an hour, longer than a short activity lasts). Found from
    the notices waiting (their pages, one query on the pending messages), not by reading every activity at
    every run. Those of an activity cancelled, closed or no longer offering places were dropped by that step;
    any left are dropped here too. Returns how many were dropped."""
    ids = {int(page[len(ACTIVITY_PAGE):]) for page in waiting_pages(CLAIM_TEMPLATE)
           if page.startswith(ACTIVITY_PAGE) and page[len(ACTIVITY_PAGE):].isdigit()}
    if not ids:
        return 0
    grace = timedelta(minutes=current_app.config["CHECKIN_GRACE_MINUTES"])
    still_on = set(db.session.scalars(select(Activity.id).where(
        Activity.id.in_(ids), Activity.status == ActivityStatus.published, Activity.open_slots.is_not(None),
        Activity.ends_dt >= utcnow() - grace)))
    dropped = sum(withdraw(CLAIM_TEMPLATE, f"{CLAIM_TEMPLATE}:{i}:") for i in sorted(ids - still_on))
    db.session.commit()
    return dropped


def _invitable(actor, ids, field):
    """``{id: deputy}`` of the deputies ``ids`` names, each in office and one ``actor`` may invite; any
    other id is 422 under ``field``, the same sentence at 发单 and when deputies are added later."""
    # With what manages_deputy reads of each (their regions, their stations and the stations' regions), in a
    # few queries however many they are; not their printed codes.
    deputies = db.session.scalars(select(Deputy).where(Deputy.id.in_(ids)).options(
        lazyload(Deputy.live_qr), selectinload(Deputy.region),
        selectinload(Deputy.stations).options(lazyload(Station.live_qr), selectinload(Station.region)))).all()
    usable = {d.id: d for d in deputies if d.active and manages_deputy(actor, d)}
    missing = [i for i in ids if i not in usable]
    if missing:
        raise validation_failed({field: [f"代表不存在、已离任或不在您的管理范围内：{', '.join(map(str, missing))}。"]})
    return usable


# When an activity may be: starting within a year (further is a mistyped year, never reminded nor held),
# or up to a day ago (an activity held earlier today, dispatched afterwards to record who came: 补签,
# 结单); lasting a week at most (a reception day is hours; an activity with no end would take a station's
# scans whenever nothing else is on).
ACTIVITY_HORIZON = timedelta(days=366)
RECORDED_AFTERWARDS = timedelta(hours=24)
LONGEST_ACTIVITY = timedelta(days=7)


def _check_start(starts, now):
    """A start given at 发单, or moved later: within a year, and not before yesterday."""
    if starts > now + ACTIVITY_HORIZON:
        raise validation_failed({"starts_at": ["开始时间须在一年之内，请检查年份。"]})
    if starts < now - RECORDED_AFTERWARDS:
        raise validation_failed({"starts_at": ["开始时间不能早于 24 小时之前；更早举行的活动请通过积分更正补记。"]})


def _check_length(starts, ends):
    if ends - starts > LONGEST_ACTIVITY:
        raise validation_failed({"ends_at": ["活动时长不能超过 7 天，请检查结束时间。"]})


def _check_window(starts, ends):
    if ends <= starts:
        raise validation_failed({"ends_at": ["结束时间须晚于开始时间。"]})
    _check_start(starts, utcnow())
    _check_length(starts, ends)


def _station_closed(station, field="station_id", advice="请选择其他联络站。"):
    """A closed (停用) station takes no activity to come: 422 naming it (``advice`` under ``field``)."""
    return validation_failed({field: [f"联络站“{station.name}”已停用，{advice}"]},
                             f"联络站“{station.name}”已停用，不能在该站安排活动。")


def dispatch(actor, data):
    """发单: create the activity, invite every listed deputy and notify them."""
    station = None
    if data.get("station_id") is not None:
        station = db.session.get(Station, data["station_id"], options=[lazyload(Station.live_qr)])
        if station is None or not manages_station(actor, station):
            raise validation_failed({"station_id": ["联络站不存在，或不在您的管理范围内。"]})
        if station.closed:
            raise _station_closed(station)
        region = station.region
    else:
        region = db.session.get(Region, data["region_id"]) if data.get("region_id") else None
        if region is None or not manages_region(actor, region):
            raise validation_failed({"region_id": ["不在联络站举办的活动须指定您管辖的区域。"]})
        if data.get("lat") is None and not data.get("place"):
            raise validation_failed({"place": ["请填写活动地点。"]})
    _check_window(data["starts_at"], data["ends_at"])
    ids = list(dict.fromkeys(data["deputy_ids"]))
    open_slots = data.get("open_slots")
    if not ids and open_slots is None:
        raise validation_failed({"deputy_ids": ["请选择要邀请的代表，或设置揭榜名额由代表自行报名。"]})
    _check_size(0, len(ids), "deputy_ids")
    _check_places(len(ids), open_slots)
    usable = _invitable(actor, ids, "deputy_ids")
    activity = Activity(
        title=data["title"], type=ActivityType(data["type"]), station=station, region=region,
        place=data.get("place") or (station.address if station else ""),
        lat=data.get("lat", station.lat if station else None), lng=data.get("lng", station.lng if station else None),
        starts_dt=data["starts_at"], ends_dt=data["ends_at"], points=data.get("points"),
        description=data.get("description", ""), created_by_id=actor.id, open_slots=open_slots,
        screen_code_only=data.get("checkin_mode") == "screen_only",
    )
    # Entered after its check-in window closed (补录): its deputies are told nothing, and 结单 marks none of
    # them absent — decided now, as it stands at the invitation, whatever its times become (``close``).
    afterwards = responses_closed(activity)
    activity.participants = [ActivityParticipant(deputy=usable[i], invited_afterwards=afterwards) for i in ids]
    db.session.add(activity)
    db.session.flush()
    if station is not None and closed_since_checked(db.session.connection(), station.id):
        raise _station_closed(station)  # closed at this instant, before it counted this activity (org.closing)
    invited = [usable[i] for i in ids]
    record(activity, EventAction.dispatched, actor,
           f"{window_text(activity.starts_dt, activity.ends_dt)}，{_place_text(activity)}；"
           + (f"邀请 {len(invited)} 位代表：{_names(invited)}" if invited else "未邀请代表")
           + (f"；开放揭榜名额 {open_slots} 个" if open_slots is not None else "")
           + ("；签到方式：仅限现场动态码" if activity.screen_code_only else "")
           + ("；活动结束后补录，未通知代表" if afterwards else ""),
           at=activity.created_dt)
    if not afterwards:  # entered after the fact: a 请接单 message would open a page refusing 接单
        if invited:  # every deputy on its list, read where it was written
            _notify_deputies(activity, _on_list(activity), "activity", "您有一项新的履职活动，请接单", "dispatched")
        _tell_of_places(activity)
    return activity


def check_in_window(activity):
    """When a scan checks in to ``activity``: from CHECKIN_GRACE_MINUTES before its start to as long after
    its end."""
    grace = timedelta(minutes=current_app.config["CHECKIN_GRACE_MINUTES"])
    return activity.starts_dt - grace, activity.ends_dt + grace


def check_in_not_open(activity, now=None):
    """Before the check-in window opens, what the venue's screen says in place of its code (a scan would
    be refused as too early, activities.checkin); None once it is open."""
    opens = check_in_window(activity)[0]
    return f"签到尚未开始，将于 {china_time(opens)} 开放。" if (now or utcnow()) < opens else None


def responses_closed(activity, now=None):
    """Whether the check-in window is over: nobody can 接单 or scan any more. An activity dispatched then
    was entered to record who came (补签, 结单)."""
    return (now or utcnow()) > check_in_window(activity)[1]


# --- 改期、改地点、补充邀请 ---------------------------------------------------------------------------------

def _check_size(staying, adding, field):
    """An activity invites at most ACTIVITY_MAX_DEPUTIES deputies (1,000: a province's congress in full):
    its attendance page, screen and 结单 handle every participant at once."""
    most = current_app.config["ACTIVITY_MAX_DEPUTIES"]
    if staying + adding > most:
        room = f"本活动已有 {staying} 位，最多还能邀请 {max(most - staying, 0)} 位。" if staying else ""
        raise validation_failed({field: [f"一项活动最多邀请 {most} 位代表。{room}"]})


def _check_places_taken(activity, open_slots):
    """Places offered may not drop below those taken: a deputy who claimed one keeps it."""
    taken = claimed_count(activity)
    if open_slots < taken:
        raise validation_failed({"open_slots": [f"已有 {taken} 位代表揭榜，揭榜名额不能少于 {taken} 个。"]})


def _check_places(invited, open_slots, field="open_slots"):
    """Places offered for 揭榜 count towards ACTIVITY_MAX_DEPUTIES with the deputies invited: everyone who
    may come is handled at once at the screen and at 结单."""
    most = current_app.config["ACTIVITY_MAX_DEPUTIES"]
    if open_slots is not None and invited + open_slots > most:
        raise validation_failed({field: [f"邀请的代表与揭榜名额合计不能超过 {most} 个；已邀请 {invited} 位，"
                                         f"揭榜名额最多 {max(most - invited, 0)} 个。"]})


EXPECTED = (P.invited, P.accepted)  # the deputies an activity still counts on: told of every change
REMOVABLE = (P.invited, P.accepted, P.declined)  # a deputy who checked in was there: never taken off


def _edited_times(activity, data, now):
    """The activity's new (starts, ends), checked as at 发单, and whether the start moved: a start that
    has come (or that a deputy already checked in for) stays, the end may still be moved."""
    starts, ends = data.get("starts_at", activity.starts_dt), data.get("ends_at", activity.ends_dt)
    moved = starts != activity.starts_dt
    if moved and activity.starts_dt <= now:
        raise APIError(409, "invalid_transition", "活动已经开始，不能更改开始时间；可以修改结束时间、地点或名称。")
    if moved and any(p.status is P.checked_in for p in activity.participants):
        raise APIError(409, "invalid_transition", "已有代表签到，不能更改开始时间。")
    if ends <= starts:
        if "ends_at" in data:
            raise validation_failed({"ends_at": ["结束时间须晚于开始时间。"]})
        raise validation_failed({"starts_at": [f"开始时间须早于结束时间（{china_time(ends)}）。"]})
    if moved:
        _check_start(starts, now)
    _check_length(starts, ends)
    return starts, ends, moved


def _edited_place(activity, data):
    """The activity's new (place, lat, lng). At a station, a place left blank is the station's address,
    as at 发单. Elsewhere a new place given without its position drops the old one: a check-in at the new
    place would be measured against the old and refused."""
    place, lat, lng = activity.place, activity.lat, activity.lng
    if "place" in data:
        place = data["place"] or (activity.station.address if activity.station else "")
        if activity.station is None and place != activity.place:
            lat = lng = None
    if "lat" in data:  # with "lng": the schema takes both or neither
        lat, lng = data["lat"], data["lng"]
    if activity.station is None and lat is None and not place:
        raise validation_failed({"place": ["请填写活动地点。"]})
    return place, lat, lng


def _change_note(moved, relocated, retimed, ends):
    """What changed, as a ``thing`` value (at most 20 characters) for the deputies still expected."""
    if moved and relocated:
        return "活动时间和地点已变更，请留意"
    if moved:
        return "活动时间已变更，请按新时间参加"
    if relocated:
        return "活动地点已变更，请按新地点参加"
    if retimed:
        return f"结束时间改为{china_time(ends)[5:]}"
    return None


def _edit_changes(activity, data, window, position, adding, leaving):
    """What an edit changes, one phrase each, for the record (before the activity is changed): nothing
    for an edit that repeats what is there."""
    changes = []
    if "title" in data and data["title"] != activity.title:
        changes.append(f"名称改为“{data['title']}”")
    if "type" in data and data["type"] != activity.type.value:
        changes.append(f"类型由“{ACTIVITY_TYPE_LABELS[activity.type.value]}”改为“{ACTIVITY_TYPE_LABELS[data['type']]}”")
    if window != (activity.starts_dt, activity.ends_dt):
        changes.append(f"时间由 {window_text(activity.starts_dt, activity.ends_dt)} 改为 {window_text(*window)}")
    place, lat, lng = position
    if place != activity.place:
        changes.append(f"地点改为“{place}”" if place else "地点改为地图上标注的位置")
    if (lat, lng) != (activity.lat, activity.lng):
        changes.append("签到位置已更新" if lat is not None else "签到位置已清除（新地点未标注位置）")
    if "points" in data and data["points"] != activity.points:
        changes.append(f"积分由 {_points_text(activity.points)} 改为 {_points_text(data['points'])}")
    if "description" in data and data["description"] != activity.description:
        changes.append("修改了活动说明")
    if "open_slots" in data and data["open_slots"] != activity.open_slots:
        if data["open_slots"] is None:
            changes.append("停止揭榜（已揭榜的代表仍参加）")
        elif activity.open_slots is None:
            changes.append(f"开放揭榜名额 {data['open_slots']} 个")
        else:
            changes.append(f"揭榜名额由 {activity.open_slots} 个改为 {data['open_slots']} 个")
    if "checkin_mode" in data and data["checkin_mode"] != checkin_mode(activity):
        changes.append(f"签到方式改为“{CHECKIN_MODE_LABELS[data['checkin_mode']]}”")
    if adding:
        changes.append(f"邀请 {_names(adding)}")
    if leaving:
        changes.append("移出 " + _listed(f"{p.deputy.name}（{PARTICIPANT_STATUS_LABELS[p.status.value]}）"
                                        for p in leaving))
    return changes


def edit_refusal(activity):
    """Why ``activity`` cannot be edited at all, as an APIError, or None: only a published one can."""
    if activity.status is ActivityStatus.closed:
        return APIError(409, "invalid_transition", "活动已结单，不能再修改。")
    if activity.status is ActivityStatus.cancelled:
        return APIError(409, "invalid_transition", "活动已取消，不能再修改。")
    return None


def _refuse_while_chosen(activity):
    """A reception day (接待选民) whose type is being corrected stays one while citizens' requests to meet
    a deputy on it (约见代表) are open: they chose it from the station's plan, and another kind of activity
    would leave them waiting on a day nobody receives. Counted once the edit has updated the activity's
    row: on PostgreSQL the row is then locked until the edit ends, and a booking holds it (``hold``)
    before it decides, so a booking at this instant either committed before (and is counted here) or
    waits and finds the day another type; on SQLite the update took the write lock."""
    from ..appointments.services import open_on_day  # appointments build on activities

    waiting = open_on_day(activity)
    if waiting:
        raise APIError(409, "invalid_transition", f"已有 {waiting} 件群众约见选择了这个接待日（待确认或已确认），"
                                                  "不能再改为其他类型；请先答复这些约见。")


def edit(actor, activity, data, why=None):
    """改期、改地点、补充邀请, or a wrong type corrected: change a published activity after 发单 without
    losing the deputies' answers. ``why`` heads the record's line (点名调训: deputies invited by the
    training coverage, activities.training.summon).

    ``data`` (ActivityPatch) may change the title, type, description, place (and position), times and points,
    invite more deputies (``add_deputy_ids``, as at 发单) and take invited, accepted or declined ones off
    (``remove_deputy_ids``). The deputies still expected are told of a new time or place, a reminder sent
    for the old time is sent again for the new one, the deputies added are invited and those taken off
    told, and for a reception day the citizens waiting to meet a deputy on it (约见代表).

    Safe against 结单 and 取消 at the same moment: every edit updates the activity's row under its
    version check, so whichever commits second is refused (409) and never edits a closed activity;
    a deputy taken off is deleted only while not checked in, so a scan landing meanwhile wins.
    """
    refusal = edit_refusal(activity)
    if refusal is not None:
        raise refusal
    now = utcnow()
    starts, ends, moved = _edited_times(activity, data, now)
    # An activity at a station closed since it ended (补录 after the fact) may be corrected and 结单, but not
    # given an end to come: closing counts the activities there not ended, and would have been refused.
    extends = activity.station is not None and ends != activity.ends_dt and ends > now
    if extends and activity.station.closed:
        raise _station_closed(activity.station, "ends_at", "结束时间不能晚于现在。")
    place, lat, lng = _edited_place(activity, data)
    # The type: a mistake corrected before 结单, which credits the points by the type's line (the ledger
    # and the archive then agree). Deputies are not told: the type changes neither when nor where they
    # go, and every message costs one of their subscriptions.
    retyped = ActivityType(data.get("type", activity.type))
    leaves_reception = activity.type is ActivityType.reception and retyped is not ActivityType.reception
    relocated = place != activity.place
    retimed = moved or ends != activity.ends_dt

    adding = list(dict.fromkeys(data.get("add_deputy_ids", ())))
    removing = list(dict.fromkeys(data.get("remove_deputy_ids", ())))
    both = [i for i in adding if i in removing]
    if both:
        raise validation_failed({"remove_deputy_ids": [f"同一位代表不能同时添加和移出：{', '.join(map(str, both))}。"]})
    current = {p.deputy_id: p for p in activity.participants}
    adding = [i for i in adding if i not in current]  # invited already: a retried request changes nothing
    leaving = [current[i] for i in removing if i in current]
    if adding and now > ends:
        raise APIError(409, "invalid_transition", "活动已经结束，不能再邀请代表。")
    invited = _invitable(actor, adding, "add_deputy_ids") if adding else {}
    for p in leaving:
        if p.status not in REMOVABLE:
            raise APIError(409, "invalid_transition", f"{p.deputy.name}已签到，不能移出活动。")
    open_slots = data.get("open_slots", activity.open_slots)
    if len(current) - len(leaving) + len(adding) == 0 and open_slots is None:
        raise validation_failed({"remove_deputy_ids": ["活动至少要有一位参加的代表；如活动不再举行，请取消活动。"]})
    _check_size(len(current) - len(leaving), len(adding), "add_deputy_ids")
    staying_invited = sum(1 for p in current.values() if not p.claimed and p not in leaving) + len(adding)
    _check_places(staying_invited, open_slots)
    places_changed = data.get("open_slots") is not None and data["open_slots"] != activity.open_slots
    if places_changed:
        _check_places_taken(activity, open_slots)
    if activity.type is ActivityType.report:  # its 述职测评 follows the meeting (or refuses the edit)
        from .report_poll import activity_edited

        activity_edited(activity, actor, retyped, (starts, ends) if retimed else None, leaving)
    changes = _edit_changes(activity, data, (starts, ends), (place, lat, lng), [invited[i] for i in adding], leaving)

    # What its check-ins earn, corrected (its type or its own points): any fixed by a change of the rulebook
    # since (``points_due``) are resolved at 结单 again, by the corrected activity.
    rebased = retyped is not activity.type or ("points" in data and data["points"] != activity.points)
    for key in ("title", "description", "points", "open_slots"):
        if key in data:
            setattr(activity, key, data[key])
    if "checkin_mode" in data:
        activity.screen_code_only = data["checkin_mode"] == "screen_only"
    activity.type = retyped
    activity.place, activity.lat, activity.lng = place, lat, lng
    activity.starts_dt, activity.ends_dt = starts, ends
    if moved:
        activity.reminded_dt = None  # the sweep reminds again, ahead of the new start
    # Always an UPDATE of the activity's row under its version check, also when only the deputies change:
    # a 结单 or 取消 committed since the activity was read makes this fail here (409), before anything else.
    # The row is then ours until the edit ends (a booking's ``hold`` waits for it): what is read below
    # sees every booking committed before it, and none comes after.
    flag_modified(activity, "title")
    db.session.flush()
    if extends and closed_since_checked(db.session.connection(), activity.station_id):
        raise _station_closed(activity.station, "ends_at", "结束时间不能晚于现在。")  # closed at this instant
    if leaves_reception:
        _refuse_while_chosen(activity)
    if places_changed:  # again with the row ours: a claim committed since the first count is seen
        _check_places_taken(activity, open_slots)

    gone = []
    if leaving:
        ids = [p.deputy_id for p in leaving]
        deleted = set(db.session.scalars(
            delete(ActivityParticipant)
            .where(ActivityParticipant.activity_id == activity.id, ActivityParticipant.deputy_id.in_(ids),
                   ActivityParticipant.status.in_(REMOVABLE))
            .returning(ActivityParticipant.deputy_id)
            .execution_options(synchronize_session=False)
        ))
        late = [p for p in leaving if p.deputy_id not in deleted]
        if late:  # scanned in meanwhile
            raise APIError(409, "invalid_transition", f"{late[0].deputy.name}刚刚已签到，不能移出活动。")
        gone = [(p.deputy, p.status) for p in leaving]
        set_committed_value(activity, "participants", [p for p in activity.participants if p not in leaving])
        for p in leaving:
            db.session.expunge(p)
    if rebased:
        db.session.execute(update(ActivityParticipant)
                           .where(ActivityParticipant.activity_id == activity.id,
                                  ActivityParticipant.points_due.is_not(None))
                           .values(points_due=None).execution_options(synchronize_session=False))
    afterwards = responses_closed(activity, now)  # never, as it stands: no one is added once it has ended
    for i in adding:
        activity.participants.append(ActivityParticipant(deputy=invited[i], invited_afterwards=afterwards))
    db.session.flush()
    if changes:  # a retried edit finds nothing left to change, and leaves no line
        record(activity, EventAction.edited, actor, (f"{why}：" if why else "") + "；".join(changes), at=now)

    key = f"v{activity.version}"
    note = _change_note(moved, relocated, retimed, ends)
    if note:  # the deputies still expected, but those invited by this edit (told of the activity as it is)
        expected = _on_list(activity, EXPECTED).where(ActivityParticipant.deputy_id.not_in(list(invited)))
        _notify_deputies(activity, expected, "activity_changed", note, f"changed-{key}")
    _notify_deputies(activity, list(adding), "activity", "您有一项新的履职活动，请接单", f"added-{key}")
    _notify_deputies(activity, [d.id for d, status in gone if status in EXPECTED], "activity_cancelled",
                     "活动安排调整，您无需参加", f"removed-{key}")
    if changes:  # what a notice of places says, or who may claim, may have changed
        _update_place_notices(activity, taken_off=[d.id for d, _ in gone])
    if activity.type is ActivityType.reception and (moved or relocated or gone):
        from ..appointments.services import reception_day_changed  # appointments build on activities

        reception_day_changed(activity, moved, relocated, {d.id for d, _ in gone})
    return activity


DEPARTED = "代表离任"


def take_off_departed(deputy_ids):
    """Leaving office (org.services.sync_office_of_ids): the deputies are taken off the activities whose
    check-in has not closed (published, before its end plus CHECKIN_GRACE_MINUTES) where they are still
    expected (invited, accepted), by ``edit``'s removal: the record says 代表离任：移出 王强（已接单）, a place they
    claimed (揭榜) is offered again, a reception day's waiting citizens are told, a draft 述职测评 drops them.
    They are told nothing (out of office: ``_notify_deputies``). Left on the list, and so neither reminded,
    checked in by hand nor marked absent at 结单 (``close``), are: a deputy who checked in (they were there,
    结单 credits them) or took leave, the only deputy of an activity offering no places (an activity needs one:
    its administrators cancel it), and the 述职代表 of a 述职测评 already opened (its ballots rated them).
    Returns how many activities changed."""
    if not deputy_ids:
        return 0
    from .report_poll import _opened, find  # the poll builds on this module

    grace = timedelta(minutes=current_app.config["CHECKIN_GRACE_MINUTES"])
    leaving = {}
    for start in range(0, len(deputy_ids), 1000):
        for activity_id, deputy_id in db.session.execute(
            select(ActivityParticipant.activity_id, ActivityParticipant.deputy_id)
            .join(Activity, Activity.id == ActivityParticipant.activity_id)
            .where(ActivityParticipant.deputy_id.in_(deputy_ids[start:start + 1000]),
                   ActivityParticipant.status.in_(EXPECTED), Activity.status == ActivityStatus.published,
                   Activity.ends_dt >= utcnow() - grace)
        ):
            leaving.setdefault(activity_id, []).append(deputy_id)
    changed = 0
    for activity_id in sorted(leaving):
        activity = load_activity(activity_id)
        ids = sorted(leaving[activity_id])
        poll = find(activity) if activity.type is ActivityType.report else None
        if poll is not None and _opened(poll):
            rated = {d.deputy_id for d in poll.deputies}
            ids = [i for i in ids if i not in rated]
        if len(activity.participants) == len(ids) and activity.open_slots is None:
            continue
        if ids:
            edit(None, activity, {"remove_deputy_ids": ids}, why=DEPARTED)
            changed += 1
    return changed


# --- 接单 / 请假 ----------------------------------------------------------------------------------------


_ENDED = {ActivityStatus.closed: "活动已结单，不能再{}。", ActivityStatus.cancelled: "活动已取消，不能{}。"}


def _refuse_once_ended(activity, step):
    if activity.status is not ActivityStatus.published:
        raise APIError(409, "invalid_transition", _ENDED[activity.status].format(step))


def _my_participation(user, activity, step):
    if user is None or "deputy" not in user.roles:
        raise APIError(403, "forbidden", "只有受邀代表可以操作。")
    mine = participant(activity, user.deputy_id)
    if mine is None:
        raise not_found("活动不存在。")
    _refuse_once_ended(activity, step)
    return mine


def _respond(user, activity, step, allowed_from, message, condition=None, **values):
    """Change the deputy's own participation only if it is still in ``allowed_from`` and the activity
    still published (and ``condition``, an SQL condition, holds): a conditional UPDATE after ``hold``, so
    a response racing a scan cannot overwrite the check-in, nor one racing 结单 or 取消 leave a deputy
    已接单 in an activity closed without them. Returns the participation as it was before."""
    mine = _my_participation(user, activity, step)
    before = mine.status
    hold(activity)
    _refuse_once_ended(activity, step)
    changed = db.session.execute(
        update(ActivityParticipant)
        .where(ActivityParticipant.activity_id == activity.id, ActivityParticipant.deputy_id == mine.deputy_id,
               ActivityParticipant.status.in_(allowed_from), still_published(activity.id),
               condition if condition is not None else true())
        .values(responded_dt=utcnow(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        hold(activity)  # on SQLite: ended by a 结单 or 取消 committed since the read above
        _refuse_once_ended(activity, step)
        _reread(mine, "您已不在本次活动的邀请名单中。")
        raise APIError(409, "invalid_transition", message)
    db.session.refresh(mine)
    return before, mine


def _reread(mine, gone):
    """Read ``mine`` again after a conditional UPDATE matched nothing; 409 saying ``gone`` when an
    administrator took the deputy off the list meanwhile (its row is no more)."""
    status = db.session.scalar(select(ActivityParticipant.status).where(
        ActivityParticipant.activity_id == mine.activity_id, ActivityParticipant.deputy_id == mine.deputy_id))
    if status is None:
        db.session.expunge(mine)
        raise APIError(409, "invalid_transition", gone)
    db.session.refresh(mine)


def accept(user, activity):
    """接单 (also withdraws an earlier 请假), until the check-in window closes: after it nobody can come, and
    a leave withdrawn then would only turn into an absence at 结单."""
    mine = _my_participation(user, activity, "接单")
    if responses_closed(activity):
        raise APIError(409, "invalid_transition", "活动已经结束，不能再接单。")
    condition, message = None, "您已接单或已签到。"
    if mine.claimed and mine.status is P.declined:
        # A deputy who claimed a place (揭榜) and then took leave gave the place back: taking it again
        # needs one still free, counted by the UPDATE itself (two deputies cannot both take the last).
        hold(activity, "open_slots", alone=True)
        message = "该活动已停止揭榜，不能重新接单。" if activity.open_slots is None else "揭榜名额已满，不能重新接单。"
        if activity.open_slots is None or claimed_count(activity) >= activity.open_slots:
            raise APIError(409, "invalid_transition", message)
        condition = _place_left(activity)
    before, mine = _respond(user, activity, "接单", (P.invited, P.declined), message, condition, status=P.accepted)
    record(activity, EventAction.accepted, user, "撤销请假，重新接单" if before is P.declined else "",
           deputy=mine.deputy, at=mine.responded_dt)
    if condition is not None:  # a place taken again: the notices still waiting say one fewer, or are dropped
        _update_place_notices(activity)
    return activity


def decline(user, activity, reason):
    """请假, with the reason, before the activity starts: leave is asked in advance, and a deputy who is
    not there once it has begun is absent (so 请假 never races 结单, which waits for the start). A deputy
    invited once it had begun (added while it runs) could not ask in advance: they may until it ends."""
    mine = _my_participation(user, activity, "请假")
    now = utcnow()
    if mine.status in (P.invited, P.accepted) and now >= activity.ends_dt:
        raise APIError(409, "invalid_transition", "活动已经结束，不能再请假。")
    # Invited once it had begun: a start that has come is never moved again (``_edited_times``), so this is
    # decided at the invitation, like ``invited_afterwards``; an end moved later or earlier moves the deadline.
    invited_late = mine.invited_dt is not None and mine.invited_dt >= activity.starts_dt
    if mine.status in (P.invited, P.accepted) and now >= activity.starts_dt and not invited_late:
        raise APIError(409, "invalid_transition", "活动已经开始，不能再请假。请假须在活动开始前提出。")
    if mine.status in (P.invited, P.accepted):  # a deputy an opened 述职测评 rates: dropped, or refused
        from .report_poll import deputy_on_leave

        deputy_on_leave(activity, mine.deputy_id, user)
    gives_back = mine.claimed and mine.status in (P.invited, P.accepted)
    if gives_back:  # a place given back: counted with the claims held off (``_update_place_notices``)
        hold(activity, "open_slots", alone=True)
    _, mine = _respond(user, activity, "请假", (P.invited, P.accepted), "已签到或已请假，不能再请假。",
                       status=P.declined, decline_reason=reason)
    record(activity, EventAction.declined, user, f"请假理由：{reason}", deputy=mine.deputy, at=mine.responded_dt)
    if gives_back:  # the deputies not told of places (theirs dropped once none was left) are told of it
        _update_place_notices(activity)
    return activity


# --- 揭榜 ---------------------------------------------------------------------------------------------


def _holding_a_place():
    """SQL condition on a participant: they hold one of the activity's open places (揭榜), having claimed
    one and not given it back by taking leave."""
    return ActivityParticipant.claimed.is_(True) & (ActivityParticipant.status != P.declined)


def _places_taken(activity_id):
    """SQL: how many of the activity's open places are taken."""
    return (select(func.count()).select_from(ActivityParticipant)
            .where(ActivityParticipant.activity_id == activity_id, _holding_a_place()).scalar_subquery())


def _place_left(activity):
    """SQL condition: the activity still has an open place, its number as it is in the database."""
    return _places_taken(activity.id) < select(Activity.open_slots).where(Activity.id == activity.id).scalar_subquery()


def claimed_count(activity):
    return db.session.scalar(select(_places_taken(activity.id)))


def claimed_counts(activities):
    """``{activity id: places taken}`` for the activities of a page that offer places (揭榜), in one query."""
    ids = [a.id for a in activities if a.open_slots is not None]
    counts = dict.fromkeys(ids, 0)
    if ids:
        counts.update(db.session.execute(
            select(ActivityParticipant.activity_id, func.count())
            .where(ActivityParticipant.activity_id.in_(ids), _holding_a_place())
            .group_by(ActivityParticipant.activity_id)).all())
    return counts


def open_to(deputy):
    """SQL condition: an activity whose places ``deputy`` may claim now (揭榜): published, with places
    offered, not over (its check-in window still open), and held by the deputy's region or one above it
    (a county's research topic is open to the county's deputies and to those of its towns), or at a
    station the deputy is received at (进站: a provincial deputy received at a town's station)."""
    grace = timedelta(minutes=current_app.config["CHECKIN_GRACE_MINUTES"])
    received = select(station_deputies.c.station_id).where(station_deputies.c.deputy_id == deputy.id)
    return ((Activity.status == ActivityStatus.published) & Activity.open_slots.is_not(None)
            & (Activity.ends_dt > utcnow() - grace)
            & or_(Activity.region_id.in_(deputy.region.path_ids), Activity.station_id.in_(received)))


def claimants(activity):
    """SQL condition on ``Deputy``: the deputies who may claim ``activity``'s places, ``may_claim`` seen from
    the activity's side (the same rule, for every deputy at once): in office, and of its region or one below
    it, or received at its station. Whether it offers places, and is still on, is the activity's own."""
    received = (Deputy.id.in_(select(station_deputies.c.deputy_id).where(station_deputies.c.station_id == activity.station_id))
                if activity.station_id is not None else false())
    return Deputy.active.is_(True) & or_(region_subtree_clause(Deputy.region_id, activity.region), received)


def may_claim(user, activity):
    """Whether ``user`` is a deputy in office whom ``activity`` is open to (``open_to``: its region or one
    below it, or received at its station), and the activity offers places: they may see it, and claim one
    while any is left. ``claimants`` is the same rule in SQL, for every deputy at once (揭榜 notices)."""
    if user is None or "deputy" not in user.roles or activity.open_slots is None:
        return False
    deputy = user.deputy
    if deputy is None or not deputy.active:
        return False
    return activity.region_id in deputy.region.path_ids or (
        activity.station_id is not None and activity.station_id in {s.id for s in deputy.stations})


def can_claim(user, activity, mine, taken):
    """Whether ``claim`` would give ``user`` a place now, as an activity's answer tells the deputy
    (``mine``: their participation, ``taken``: the places taken): not on its list, a place left, still
    published and not over, and open to them."""
    return (mine is None and taken is not None and taken < activity.open_slots
            and activity.status is ActivityStatus.published and not responses_closed(activity)
            and may_claim(user, activity))


def _no_place(activity):
    """The refusal of a claim that found no place, as the activity is now."""
    if activity.open_slots is None:
        return APIError(409, "invalid_transition", "该活动已停止揭榜。")
    return APIError(409, "invalid_transition", f"揭榜名额已满（共 {activity.open_slots} 个）。")


def claim(user, activity):
    """揭榜: the deputy takes one of the activity's open places, as accepted (已接单), and the activity
    counts on them like any deputy who accepted: the reminder, the scan, the points or the absence at
    结单. Returns ``(activity, created)``; a deputy already on the list (a retried claim, or one invited)
    is answered with the activity as it is, except one who claimed, gave the place back by taking leave and
    finds none free (409 saying so).

    Exactly as many deputies as there are places get one, however many claim at the same moment: the
    INSERT itself counts the places taken and writes nothing when none is left."""
    if user is None or "deputy" not in user.roles:
        raise APIError(403, "forbidden", "只有代表可以揭榜。")
    mine = participant(activity, user.deputy_id)
    if mine is not None:
        if (mine.claimed and mine.status is P.declined and activity.open_slots is not None
                and claimed_count(activity) >= activity.open_slots):
            # They gave their place back by taking leave and none is free: a 200 would read as a success.
            raise APIError(409, "invalid_transition", "揭榜名额已满（您请假时已让出名额）。")
        return activity, False
    if activity.open_slots is None:
        raise APIError(409, "invalid_transition", "该活动只由管理员邀请代表参加，不接受揭榜。")
    _refuse_once_ended(activity, "揭榜")
    if responses_closed(activity):
        raise APIError(409, "invalid_transition", "活动已经结束，不能再揭榜。")
    hold(activity, "open_slots", alone=True)
    _refuse_once_ended(activity, "揭榜")
    taken = claimed_count(activity)
    if activity.open_slots is None or taken >= activity.open_slots:
        raise _no_place(activity)
    now = utcnow()
    own_row = exists().where(ActivityParticipant.activity_id == activity.id,
                             ActivityParticipant.deputy_id == user.deputy_id)
    row = select(literal(activity.id), literal(user.deputy_id), literal(P.accepted.value), literal(True),
                 literal(now, UTCDateTime())).where(still_published(activity.id), _place_left(activity), ~own_row)
    written = db.session.scalar(
        insert(ActivityParticipant).from_select(["activity_id", "deputy_id", "status", "claimed", "responded_dt"], row)
        .returning(ActivityParticipant.deputy_id))
    if written is None:  # since the count above (on SQLite): another claim took the last place, or this one's
        if participant(activity, user.deputy_id) is not None:  # twin; or the places were cut, the activity ended
            return activity, False
        db.session.refresh(activity, ["status", "open_slots"])
        _refuse_once_ended(activity, "揭榜")
        raise _no_place(activity)
    if "participants" not in inspect_state(activity).unloaded:
        db.session.expire(activity, ["participants"])
    mine = participant(activity, user.deputy_id)
    record(activity, EventAction.claimed, user, f"揭榜（名额 {taken + 1}/{activity.open_slots}）", deputy=mine.deputy,
           at=now)
    # The claimant's own notice is dropped, the others' say the places left (none: dropped), in the claim's
    # transaction and with the activity still held alone, after the INSERT: its count is this claim's.
    _update_place_notices(activity)
    return activity, True


# --- 补签 ---------------------------------------------------------------------------------------------


def hand_check_in_refusal(activity, mine, now=None):
    """Why ``mine`` (a participant of ``activity``) cannot be checked in by hand now, as an APIError, or
    None when they can. 补签 is for a deputy who was there but could not scan: while the activity is
    published, once it has started, and only for an invited or accepted participant."""
    if activity.status is ActivityStatus.closed:
        return APIError(409, "invalid_transition", "活动已结单，不能再补签。")
    if activity.status is ActivityStatus.cancelled:
        return APIError(409, "invalid_transition", "活动已取消，不能补签。")
    if not mine.deputy.active:
        return APIError(409, "invalid_transition", "该代表已离任。")
    if (now or utcnow()) < activity.starts_dt:
        return APIError(409, "invalid_transition", "活动尚未开始，不能补签；活动开始后才能为未能扫码的代表补签。")
    if mine.status is P.checked_in:
        return APIError(409, "invalid_transition", "该代表已签到，无需补签。")
    if mine.status is P.declined:
        return APIError(409, "invalid_transition", "该代表已请假，不能补签。")
    if mine.status is P.absent:
        return APIError(409, "invalid_transition", "该代表已记为缺席，不能补签。")
    return None


def can_check_in_by_hand(activity, mine, now=None):
    return hand_check_in_refusal(activity, mine, now) is None


def check_in_by_hand(actor, activity, deputy_id, reason):
    """补签: an administrator who manages ``activity`` checks in a participant whose phone could not scan,
    saying why. The caller has checked that ``actor`` manages the activity. A conditional UPDATE, as a
    scan's: a scan or 结单 landing meanwhile wins, and this is refused."""
    mine = participant(activity, deputy_id)
    if mine is None:
        raise not_found("该代表不在本次活动的邀请名单中。")
    reason = clean(reason)
    if not reason:
        raise validation_failed({"reason": ["请填写补签原因。"]})
    if len(reason) > 200:
        raise validation_failed({"reason": ["补签原因不能超过 200 个字。"]})
    now = utcnow()
    hold(activity)  # a 结单 or 取消 at this instant comes first (and is seen here) or waits for this 补签
    refusal = hand_check_in_refusal(activity, mine, now)
    if refusal is not None:
        raise refusal
    if db.session.get_bind().dialect.name == "postgresql":  # a scan of theirs elsewhere at this instant
        db.session.execute(select(checkin_lock(deputy_id)))
    elsewhere = db.session.scalar(checked_in_elsewhere(activity.id, deputy_id))
    if elsewhere is not None:
        raise APIError(409, "invalid_transition",
                       f"{mine.deputy.name}已在“{elsewhere}”签到，该活动与本次活动时间重叠，不能再为其补签本次活动。")
    changed = db.session.execute(
        update(ActivityParticipant)
        .where(ActivityParticipant.activity_id == activity.id, ActivityParticipant.deputy_id == deputy_id,
               ActivityParticipant.status.in_((P.invited, P.accepted)), still_published(activity.id))
        .values(status=P.checked_in, checked_in_dt=now, checkin_by_id=actor.id, checkin_note=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        hold(activity)
        _reread(mine, "该代表刚刚已被移出本次活动，无需补签。")
        raise hand_check_in_refusal(activity, mine, now) or APIError(
            409, "invalid_transition", "该代表的签到状态刚刚发生变化，请刷新后重试。")
    db.session.refresh(mine)
    record(activity, EventAction.checked_in_by_hand, actor, f"为{mine.deputy.name}补签，原因：{reason}",
           deputy=mine.deputy, at=now)
    return activity


# --- 结单 / 取消 --------------------------------------------------------------------------------------------


def summary(activity):
    counts = {status.value: 0 for status in ParticipantStatus}
    for p in activity.participants:
        counts[p.status.value] += 1
    return counts


def summaries(activities):
    """``{activity id: summary(activity) | {"total": invited in all}}`` for a page of activities, in one
    grouped query rather than each activity's participants loaded in turn."""
    counts = {a.id: {status.value: 0 for status in ParticipantStatus} | {"total": 0} for a in activities}
    if counts:
        rows = db.session.execute(
            select(ActivityParticipant.activity_id, ActivityParticipant.status, func.count())
            .where(ActivityParticipant.activity_id.in_(list(counts)))
            .group_by(ActivityParticipant.activity_id, ActivityParticipant.status)
        )
        for activity_id, status, count in rows:
            counts[activity_id][status.value] = count
            counts[activity_id]["total"] += count
    return counts


def expected_count(counts):
    """应到 from ``summaries()`` counts: everyone invited but the deputies on leave (已请假), that is those
    still to come (待接单, 已接单), those who came (已签到) and those marked absent at 结单 (缺席)."""
    return counts["total"] - counts["declined"]


NO_POINTS = ("points_awarded", "deputies_awarded", "points_deducted", "deputies_deducted")


def points_text(points):
    """结单's points as the administrator reads them: ``计入积分 5 分（1 人），缺席扣分 -3 分（3 人）`` — the
    gains and the absence deductions apart (the deductions only when there are any)."""
    text = f"计入积分 {points['points_awarded']} 分（{points['deputies_awarded']} 人）"
    if points["deputies_deducted"]:
        text += f"，缺席扣分 {points['points_deducted']} 分（{points['deputies_deducted']} 人）"
    return text


def _as_fixed(rule, code, due):
    """The line a check-in is credited by when what it earned was fixed (``due``): on, worth ``due``, with
    the cap of the line as it is now; none (nothing credited) for 0, a line that was off or worth nothing."""
    if not due:
        return None
    if rule is None:
        return rulebook.Rule(code, ACTIVITY_TYPE_LABELS[code], due, "activity", None, True)
    return replace(rule, active=True)


def _would_be_absent(activity_id):
    """The participants of ``activity_id`` that 结单 marks absent (the WHERE clauses): on the list before its
    check-in window closed (not 补录), in office, neither checked in nor on leave. Counted by ``still_to_come``
    as 结单 would mark them."""
    return (ActivityParticipant.activity_id == activity_id, ActivityParticipant.status.in_((P.invited, P.accepted)),
            ActivityParticipant.invited_afterwards.is_(False),
            # A deputy out of office still on the list (``take_off_departed`` leaves a few) could not come.
            ActivityParticipant.deputy_id.in_(select(Deputy.id).where(Deputy.active.is_(True))))


def still_to_come(activity):
    """``{"invited": n, "accepted": m}``: the deputies 结单 would mark absent now (on the list before its
    check-in window closed, in office, neither checked in nor on leave), counted where they are."""
    counts = {"invited": 0, "accepted": 0}
    counts.update((status.value, count) for status, count in db.session.execute(
        select(ActivityParticipant.status, func.count()).where(*_would_be_absent(activity.id))
        .group_by(ActivityParticipant.status)))
    return counts


def early_close_text(activity, expected):
    """What closing before the check-in window ends means, as the administrator is asked to confirm it:
    签到尚未截止（… 截止），仍有 N 位代表未签到（其中已接单 M 位）."""
    closes = china_time(check_in_window(activity)[1])
    waiting = expected["invited"] + expected["accepted"]
    accepted = f"（其中已接单 {expected['accepted']} 位）" if expected["accepted"] else ""
    return f"签到尚未截止（{closes} 截止），仍有 {waiting} 位代表未签到{accepted}"


def close(actor, activity, early=False):
    """结单 by ``actor``: checked-in deputies earn the points, the rest who did not decline are absent and
    lose points. A second 结单 changes nothing and leaves no line in the record.

    Before the check-in window closes (CHECKIN_GRACE_MINUTES after the end), with deputies still expected
    who would be marked absent (perhaps on their way), only when ``early`` confirms it (409 otherwise,
    saying when check-in closes and how many have not checked in).

    Safe against a second console closing at the same moment and against scans arriving meanwhile.
    """
    if activity.status is ActivityStatus.closed:
        return summary(activity) | dict.fromkeys(NO_POINTS, 0) | {"points_credited": 0, "already_closed": True}
    if activity.status is ActivityStatus.cancelled:
        raise APIError(409, "invalid_transition", "活动已取消，不能结单。")
    now = utcnow()
    if now < activity.starts_dt:
        # Nobody could have checked in or stayed away yet: closing now would mark everyone absent.
        raise APIError(409, "invalid_transition", "活动尚未开始，不能结单；如活动不再举行，请取消活动。")
    if not early and not responses_closed(activity, now):
        expected = still_to_come(activity)
        if expected["invited"] + expected["accepted"]:
            raise APIError(409, "invalid_transition", f"{early_close_text(activity, expected)}，现在结单将把他们记为缺席。"
                           "请在签到截止后结单；如确需提前结单，请确认提前结单。")
    # Claim the activity first. The version check makes a concurrent close fail right here (409, via
    # StaleDataError) before it touches the ledger; on SQLite this also takes the write lock, so the
    # reads below see every check-in committed before it.
    activity.status = ActivityStatus.closed
    activity.closed_dt = now
    db.session.flush()
    _withdraw_place_notices(activity)
    # Who stayed away is decided row by row in the database, not from the participants loaded with the
    # activity: a scan committing at this moment either lands first (its row no longer matches) or
    # waits for this UPDATE and is then refused (see check_in).
    # Deputies invited once its check-in window had closed (an activity entered afterwards, 补录) were told
    # nothing and could neither accept, scan nor take leave: not there, they are left 未签到, neither absent
    # nor deducted (staff 补签 those who came). Which they are was recorded at their invitation
    # (``invited_afterwards``): an end or start moved since changes nobody's standing.
    absent = set(db.session.scalars(
        update(ActivityParticipant).where(*_would_be_absent(activity.id))
        .values(status=P.absent)
        .returning(ActivityParticipant.deputy_id)
        .execution_options(synchronize_session=False)
    ))
    present = set(db.session.scalars(
        select(ActivityParticipant.deputy_id)
        .where(ActivityParticipant.activity_id == activity.id, ActivityParticipant.status == P.checked_in)
    ))
    # Gains and absence deductions are told apart (计入积分 N 分（n 人），缺席扣分 -M 分（m 人）): one net
    # figure reads "nobody earned anything" when a gain and the deductions happen to cancel out.
    awarded, deducted = [0, 0], [0, 0]  # points, deputies
    label = ACTIVITY_TYPE_LABELS[activity.type.value]
    # The points count towards the year the activity was held in, by its start in China time (the year
    # the archive counts it in), however late it is closed; they are credited now (``at``).
    year = ledger.points_year(activity.starts_dt)
    # Each deputy earns by their congress's rulebook (of their level): the two lines for everyone, in the same
    # few queries however many they are.
    deputy_ids = sorted(absent | present)  # one order for every close: no deadlock on deputy_scores
    lines = rulebook.for_deputies(deputy_ids, (activity.type.value, "absence"))
    # A check-in made before a change of its line keeps what it earned then (``points_due``, fixed by the
    # change: rulebook.fix_what_was_earned); read after the lines, so a change committed meanwhile is seen
    # in one or the other. The yearly cap is the line's as it is now.
    dues = dict(db.session.execute(
        select(ActivityParticipant.deputy_id, ActivityParticipant.points_due)
        .where(ActivityParticipant.activity_id == activity.id, ActivityParticipant.status == P.checked_in,
               ActivityParticipant.points_due.is_not(None))).all())
    credits = []
    for deputy_id in deputy_ids:
        rules = lines.get(deputy_id, {})
        if deputy_id in present:
            rule, points = rules.get(activity.type.value), activity.points
            if deputy_id in dues:
                rule, points = _as_fixed(rule, activity.type.value, dues[deputy_id]), dues[deputy_id]
            credits.append((deputy_id, activity.type.value, rule, points, f"{label}：{activity.title}"))
        else:
            credits.append((deputy_id, "absence", rules.get("absence"), None, f"无故缺席：{activity.title}"))
    # Everyone's ledger rows and running totals in a few statements, however many they are (a city-wide
    # meeting: a thousand), within each deputy's yearly cap.
    for deputy_id, gained in ledger.credit_many(credits, "activity", activity.id, at=now, year=year).items():
        tally = awarded if deputy_id in present else deducted
        tally[0] += gained
        tally[1] += 1
    # The participants as they are now, for the summary.
    db.session.scalars(
        select(ActivityParticipant).where(ActivityParticipant.activity_id == activity.id)
        .execution_options(populate_existing=True)
    ).all()
    counts = summary(activity)
    points = {"points_awarded": awarded[0], "deputies_awarded": awarded[1],
              "points_deducted": deducted[0], "deputies_deducted": deducted[1]}
    note = f"{counts_text(counts, ('checked_in', 'declined', 'absent'))}；{points_text(points)}"
    if absent:  # who lost points, as the record is asked when a deputy disputes them (a thousand: the first)
        note += f"；记为缺席：{_names_of(activity, P.absent, len(absent))}"
    departed = 0
    if late := counts["invited"] + counts["accepted"]:
        departed = db.session.scalar(
            select(func.count()).select_from(ActivityParticipant).join(Deputy, Deputy.id == ActivityParticipant.deputy_id)
            .where(ActivityParticipant.activity_id == activity.id, ActivityParticipant.status.in_((P.invited, P.accepted)),
                   Deputy.active.is_(False)))
    if late - departed:
        note += f"；活动结束后补录邀请、未签到 {late - departed} 人，不计缺席"
    if departed:
        note += f"；已离任、未签到 {departed} 人，不计缺席"
    record(activity, EventAction.closed, actor, note, at=now)
    return counts | points | {"points_credited": awarded[0] + deducted[0], "already_closed": False}


def void_text(count):
    """What cancelling voids once deputies have checked in, as the administrator is asked to confirm it."""
    return f"已有 {count} 位代表签到，取消后他们的签到作废、不计积分（将通知他们）"


def cancel(actor, activity, reason="", void_checkins=False):
    """取消活动 by ``actor`` before 结单: no points, and the deputies still expected there (invited or
    accepted) are told (why, with ``reason``), and for a reception day the citizens waiting to meet a
    deputy on it (约见代表). The reason stays in the record.

    Once deputies have checked in, only when ``void_checkins`` confirms that their attendance is voided
    (409 otherwise, with how many; an activity held is closed, 结单); they are told too."""
    if activity.status is ActivityStatus.cancelled:
        raise APIError(409, "invalid_transition", "活动已取消，无需再次取消。")
    if activity.status is not ActivityStatus.published:
        raise APIError(409, "invalid_transition", "只有未结单的活动可以取消。")
    if activity.type is ActivityType.report:
        from .report_poll import activity_cancelled  # the poll builds on this module

        activity_cancelled(activity, actor)  # its 述职测评 closed: the poll's row first, then the activity's
    activity.status = ActivityStatus.cancelled
    db.session.flush()
    _withdraw_place_notices(activity)
    # The row is ours now (the version check refuses a concurrent close or cancel): the participants as
    # they are, with every scan, 接单 or 补签 that came first, and none after (see ``hold``).
    db.session.scalars(
        select(ActivityParticipant).where(ActivityParticipant.activity_id == activity.id)
        .execution_options(populate_existing=True)
    ).all()
    counts = summary(activity)
    if counts["checked_in"] and not void_checkins:  # counted with the row held: no scan lands after this
        raise APIError(409, "invalid_transition", f"{void_text(counts['checked_in'])}。活动已举行的请结单；"
                       "如确需取消，请确认作废签到后再取消。")
    reason = (reason or "").strip()
    note = f"取消时：{counts_text(counts)}"
    if counts["checked_in"]:
        note += f"；{counts['checked_in']} 位代表的签到作废，不计积分"
    record(activity, EventAction.cancelled, actor, f"{note}；取消原因：{reason}" if reason else note)
    _notify_deputies(activity, _on_list(activity, (P.invited, P.accepted)), "activity_cancelled",
                     f"活动已取消：{reason}" if reason else "活动已取消，无需参加", "cancelled")
    if counts["checked_in"]:  # they came: told that their check-in earns nothing
        _notify_deputies(activity, _on_list(activity, (P.checked_in,)), "activity_cancelled",
                         f"活动已取消，签到不计积分：{reason}" if reason else "活动已取消，签到不计积分", "cancelled")
    if activity.type is ActivityType.reception:
        from ..appointments.services import reception_day_cancelled  # appointments build on activities

        reception_day_cancelled(activity)  # the citizens who chose this day to meet a deputy
    return activity


def remind_upcoming():
    """Sweep step: remind invited and accepted deputies before the start, once per activity."""

    now = utcnow()
    horizon = now + timedelta(hours=current_app.config["ACTIVITY_REMINDER_HOURS"])
    ids = db.session.scalars(
        select(Activity.id).where(
            Activity.status == ActivityStatus.published, Activity.reminded_dt.is_(None),
            Activity.starts_dt > now, Activity.starts_dt <= horizon,
        )
    ).all()
    reminded = 0
    for activity_id in ids:
        claimed = db.session.execute(
            update(Activity).where(Activity.id == activity_id, Activity.reminded_dt.is_(None))
            .values(reminded_dt=now).execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            db.session.rollback()
            continue
        activity = db.session.get(Activity, activity_id)
        # Keyed by the start: an activity moved after its reminder is reminded again for its new time.
        _notify_deputies(activity, _on_list(activity, (P.invited, P.accepted)), "activity_reminder",
                         "活动即将开始，请准时参加并扫码签到",
                         f"reminder-{activity.starts_dt.timestamp():.0f}")
        db.session.commit()
        reminded += 1
    return reminded
