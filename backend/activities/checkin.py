"""扫码签到: a deputy scans a station's permanent code or an activity's rotating code, in Core.

At the start of an activity every invited deputy scans within a few minutes, each from a phone on a
flaky network, so this is the activities' hottest path. One query finds the activities the scanned
code stands for together with the scanning deputy's own place in each; the chosen activity's row is
held against a 结单 or 取消 at the same instant (services.hold), and one conditional UPDATE checks the
deputy in. Every refusal says why, in Chinese, and as a word (``reason``, services.CHECKIN_REFUSALS).
"""
from datetime import timedelta
from functools import cache
from typing import NamedTuple

from flask import current_app
from sqlalchemy import bindparam, insert, literal, select, update

from ..db_types import utcnow
from ..errors import APIError, not_found
from ..extensions import db
from ..notifications.outbox import china_time
from ..org.nearby import distance_m, distance_text
from ..qr.models import QRCode, QRKind
from ..qr.services import canonical_code, plausible_code, unknown_code, withdrawn
from . import rotating
from .models import Activity, ActivityEvent, ActivityParticipant, ActivityStatus, EventAction, ParticipantStatus
from .services import check_in_window, checked_in_elsewhere, checkin_lock, elsewhere_text, refuse, still_published

P = ParticipantStatus
NOT_INVITED = "您不在本次活动的邀请名单中，不能签到。"
DECLINED = "您已请假，如需参加请先取消请假（重新接单）后再签到。"
NO_LOCATION = "请开启手机定位后重新扫码签到（签到需确认您在活动现场）。"
# The check-in's note says which code it was made by, and how far from the activity's place the phone said.
BY_STATION = "联络站码签到"
BY_SCREEN = "现场码签到"
# The note on a check-in made from a station's code without a position (CHECKIN_REQUIRE_LOCATION off).
UNLOCATED = f"{BY_STATION}，未定位"
SCREEN_ONLY = "本次活动仅限扫描活动现场大屏上的动态签到码签到，联络站二维码不能用于本次签到，请到活动现场扫码。"
ENDED = {ActivityStatus.closed: "活动已结单，不能再签到。", ActivityStatus.cancelled: "活动已取消，不能签到。"}
ENDED_REASONS = {ActivityStatus.closed: "ended", ActivityStatus.cancelled: "cancelled"}
# Of two activities open for check-in at one place, one the deputy can still check in to (accepted, then
# invited) before one they are checked in to already that has ended: back to back, a scan once the first
# has ended and the second has begun is for the second (the first's window stays open for its grace period).
# A check-in to an activity still on is the answer to any scan there (``_pick``): a deputy scanning again
# because the first answer seemed slow is not checked in to a second activity held at the same time, which
# takes its own screen code. With nothing new, a repeated scan answers with the latest check-in; one they
# took leave from only when there is no other.
_PREFERENCE = {P.accepted: 0, P.invited: 1, P.checked_in: 2, P.declined: 3}


class Candidate(NamedTuple):
    """An activity the scan may be for, and the scanning deputy's participation in it (None: not invited)."""

    id: int
    title: str
    starts_dt: object
    ends_dt: object
    lat: float | None
    lng: float | None
    screen_code_only: bool
    mine: ParticipantStatus | None
    checked_in_dt: object


def _candidate_columns():
    """A Candidate's columns, in its order."""
    activities, participants = Activity.__table__, ActivityParticipant.__table__
    return (activities.c.id, activities.c.title, activities.c.starts_dt, activities.c.ends_dt, activities.c.lat,
            activities.c.lng, activities.c.screen_code_only, participants.c.status, participants.c.checked_in_dt)


def _with_mine(query):
    """``query`` joined to the scanning deputy's (``:scanner``) participation in each activity."""
    activities, participants = Activity.__table__, ActivityParticipant.__table__
    return query.outerjoin(participants, (participants.c.activity_id == activities.c.id)
                           & (participants.c.deputy_id == bindparam("scanner")))


@cache
def _at_station():
    """A printed code, and when it is a station's, that station's published activities around now."""
    codes, activities = QRCode.__table__, Activity.__table__
    return _with_mine(
        select(codes.c.target_kind, codes.c.revoked_dt, *_candidate_columns())
        .select_from(codes)
        .outerjoin(activities, (codes.c.target_kind == QRKind.station) & (activities.c.station_id == codes.c.target_id)
                   & (activities.c.status == ActivityStatus.published) & (activities.c.starts_dt < bindparam("until"))
                   & (activities.c.ends_dt > bindparam("since")))
    ).where(codes.c.code == bindparam("code")).order_by(activities.c.starts_dt)


@cache
def _named():
    """The published activity a rotating code names."""
    activities = Activity.__table__
    return _with_mine(select(*_candidate_columns()).select_from(activities)).where(
        activities.c.id == bindparam("activity"), activities.c.status == ActivityStatus.published)


@cache
def _writes(dialect):
    """(hold the activity's row and read its status (services.hold), and on PostgreSQL take the deputy's
    check-in lock (services.CHECKIN_LOCK); check the deputy in unless they declined or were marked absent,
    the activity ended meanwhile or they are checked in to another activity at the same time
    (services.checked_in_elsewhere), and write the check-in's line in the activity's record; read their row,
    the activity's status and that other activity's title), for ``:scanner`` at ``:activity``.

    On PostgreSQL the check-in and its line are one statement (the UPDATE in a WITH, the INSERT taking
    the row it claimed): a round trip fewer on the hottest path. SQLite has no UPDATE in a WITH: two."""
    activities, participants, events = Activity.__table__, ActivityParticipant.__table__, ActivityEvent.__table__
    mine = (participants.c.activity_id == bindparam("activity")) & (participants.c.deputy_id == bindparam("scanner"))
    claim = (
        update(participants).where(mine, participants.c.status.in_((P.invited, P.accepted)),
                                   still_published(bindparam("activity")),
                                   ~checked_in_elsewhere(bindparam("activity"), bindparam("scanner")).exists())
        .values(status=P.checked_in, checked_in_dt=bindparam("now"), checkin_lat=bindparam("lat"),
                checkin_lng=bindparam("lng"), checkin_note=bindparam("note", type_=events.c.note.type))
    )
    line = {  # typed: on PostgreSQL they are a SELECT's columns
        "action": literal(EventAction.checked_in, events.c.action.type),
        "actor_role": literal("deputy", events.c.actor_role.type),
        "actor_user_id": bindparam("user", type_=events.c.actor_user_id.type),
        "actor_name": bindparam("name", type_=events.c.actor_name.type),
        "note": bindparam("note", type_=events.c.note.type),
    }
    if dialect == "postgresql":
        claimed = claim.returning(participants.c.activity_id, participants.c.deputy_id,
                                  participants.c.checked_in_dt).cte("claimed")
        columns = [claimed.c.activity_id, claimed.c.deputy_id, claimed.c.checked_in_dt,
                   *(value.label(name) for name, value in line.items())]
        # preserve_rowcount: SQLAlchemy keeps an UPDATE's count of rows, not an INSERT's.
        writes = [insert(events).from_select(["activity_id", "deputy_id", "created_dt", *line],
                                             select(*columns).select_from(claimed))
                  .add_cte(claimed, nest_here=True).execution_options(preserve_rowcount=True)]
    else:
        writes = [claim, insert(events).values(activity_id=bindparam("activity"), deputy_id=bindparam("scanner"),
                                               created_dt=bindparam("now"), **line)]
    # The deputy's lock in the same round trip as the activity's row: a scan of theirs elsewhere at this
    # instant (another activity's code, another phone) or a 补签 waits for this one to commit, and its check
    # (in its own claim, a statement begun once it has the lock) sees this check-in. SQLite has one writer.
    locks = [checkin_lock(bindparam("scanner"))] if dialect == "postgresql" else []
    return (
        select(activities.c.status, *locks).where(activities.c.id == bindparam("activity"))
        .with_for_update(read=True),
        writes,
        select(participants.c.status, participants.c.checked_in_dt, activities.c.status,
               checked_in_elsewhere(bindparam("activity"), bindparam("scanner")).scalar_subquery())
        .join(activities, activities.c.id == participants.c.activity_id).where(mine),
    )


def _candidates(connection, code, deputy_id, now):
    """The activities ``code`` stands for, each with the deputy's participation; a code that stands
    for none is refused as a citizen would be (404 unknown, 410 withdrawn, 409 not a check-in code)."""
    if rotating.looks_rotating(code):
        activity_id = rotating.read_code(code, now)
        candidates = [Candidate(*row) for row in connection.execute(_named(), {"activity": activity_id,
                                                                               "scanner": deputy_id})]
        if not candidates:  # closed or cancelled since the code was shown
            status = connection.scalar(select(Activity.status).where(Activity.id == activity_id))
            if status is None:
                raise not_found("签到码无效。")
            raise _ended(status)
        return candidates
    day = timedelta(days=1)
    rows = connection.execute(_at_station(), {"code": code, "scanner": deputy_id, "until": now + day,
                                              "since": now - day}).all() if plausible_code(code) else []
    if not rows:
        raise unknown_code()
    kind, revoked = rows[0].target_kind, rows[0].revoked_dt
    if revoked is not None:
        raise withdrawn(kind)
    if kind is not QRKind.station:
        # Its own code: the phone offers neither 重试 nor the card of a station this is not.
        raise APIError(409, "not_checkin_code", "这不是联络站或活动的签到码，请扫描联络站或活动现场的签到码。")
    return [Candidate(*row[2:]) for row in rows if row.id is not None]


@cache
def _ended_here():
    """The status of the latest activity at a station's code (``:code``) that was closed or cancelled with
    ``:scanner`` on its list and whose check-in window contains now (it opens by ``:opens_by`` and closes
    after ``:closes_after``)."""
    codes, activities, participants = QRCode.__table__, Activity.__table__, ActivityParticipant.__table__
    return (
        select(activities.c.status)
        .select_from(codes.join(activities, activities.c.station_id == codes.c.target_id)
                     .join(participants, (participants.c.activity_id == activities.c.id)
                           & (participants.c.deputy_id == bindparam("scanner"))))
        .where(codes.c.code == bindparam("code"), codes.c.target_kind == QRKind.station,
               activities.c.status.in_((ActivityStatus.closed, ActivityStatus.cancelled)),
               activities.c.starts_dt <= bindparam("opens_by"), activities.c.ends_dt >= bindparam("closes_after"))
        .order_by(activities.c.ends_dt.desc()).limit(1)
    )


def _pick_at(connection, candidates, code, deputy_id, now):
    """``_pick``; a station code's scan that finds nothing to check in to now, while an activity the deputy
    was on there has just been closed or cancelled (its window still open), is told so (活动已结单，不能再签到。),
    as the activity's own code would be, rather than that there is nothing here."""
    try:
        return _pick(candidates, now)
    except APIError as refusal:
        # (Too early for their next activity there: when it opens is what helps.)
        if rotating.looks_rotating(code) or refusal.reason not in ("no_activity", "not_invited", "too_late"):
            raise
        grace = timedelta(minutes=current_app.config["CHECKIN_GRACE_MINUTES"])
        ended = connection.scalar(_ended_here(), {"code": code, "scanner": deputy_id, "opens_by": now + grace,
                                                  "closes_after": now - grace})
        if ended is None:
            raise
        raise _ended(ended) from None


def _ended(status):
    """The refusal of a scan for an activity closed (结单) or cancelled."""
    return refuse(ENDED[status], ENDED_REASONS[status])


def _preference(candidate):
    """Sort key over the activities open for check-in (see _PREFERENCE): of two to check in to, the
    earlier; of two check-ins, the later."""
    order = _PREFERENCE.get(candidate.mine, len(_PREFERENCE))
    if candidate.mine is P.checked_in:
        return order, -candidate.checked_in_dt.timestamp()
    return order, candidate.starts_dt.timestamp()


def _pick(candidates, now):
    """The deputy's activity among those at one place whose check-in window contains now, or a refusal.

    Outside every window, a deputy who checked in to an earlier activity there (a second scan after it)
    gets that check-in, unless the next activity's window is nearer: a scan early in the morning is
    for the day's activity, not yesterday's."""
    mine = [a for a in candidates if a.mine is not None]
    if not mine:
        if candidates:
            raise refuse(NOT_INVITED, "not_invited")
        raise refuse("这里目前没有需要签到的活动。", "no_activity")
    current = [a for a in mine if check_in_window(a)[0] <= now <= check_in_window(a)[1]]
    running = [a for a in current if a.mine is P.checked_in and a.ends_dt > now]
    if running:  # still there: a repeated scan, not one for another activity held at the same time
        return min(running, key=_preference)
    if current:
        return min(current, key=_preference)
    upcoming = sorted((a for a in mine if check_in_window(a)[0] > now), key=lambda a: a.starts_dt)
    attended = [a for a in mine if a.mine is P.checked_in and check_in_window(a)[1] < now]
    last = max(attended, key=lambda a: a.ends_dt, default=None)
    if last is not None and (not upcoming or now - check_in_window(last)[1] < check_in_window(upcoming[0])[0] - now):
        return last
    if upcoming:
        opens = check_in_window(upcoming[0])[0]
        raise refuse(f"活动“{upcoming[0].title}”尚未开始签到，请于 {china_time(opens)} 之后扫码。", "too_early")
    raise refuse("活动签到时间已过，不能再签到。", "too_late")


def _where(activity, code, lat, lng):
    """The check-in's note on where it was made (the administrators read it on the deputy's line and in
    the record), or a refusal: too far from the activity's place, a station's code without a position, or
    a station's code at all where the activity takes the screen's code alone (签到方式 仅限现场动态码).

    A station's code is printed on its door and listed by the public API: a photo of it proves nothing,
    and the position is whatever the phone sends. The activity's rotating code is only on the screen at the
    venue and changes every CHECKIN_CODE_SECONDS: its scan proves presence without one."""
    screen = rotating.looks_rotating(code)
    if activity.screen_code_only and not screen:
        raise refuse(SCREEN_ONLY, "screen_code_required")
    by = BY_SCREEN if screen else BY_STATION
    if activity.lat is None or activity.lng is None:
        return by
    if lat is None or lng is None:
        if screen:
            return by
        if current_app.config["CHECKIN_REQUIRE_LOCATION"]:
            raise refuse(NO_LOCATION, "location_required")
        return UNLOCATED
    meters = distance_m(activity.lat, activity.lng, lat, lng)
    radius = current_app.config["CHECKIN_RADIUS_M"]
    if meters > radius:
        raise refuse(f"您距离活动地点约 {distance_text(meters)}，超出 {distance_text(radius)}的签到范围，请到现场后再扫码。",
                     "too_far")
    return f"{by}，距活动地点约 {distance_text(meters)}"


def check_in(user, code, lat=None, lng=None):
    """扫码签到. ``user`` is the request's Caller: being a linked, active deputy was read with the token.

    Returns ``(activity, checked_in_dt, created)``; a repeated scan returns the first check-in.
    """
    if user is None or "deputy" not in user.roles:
        raise APIError(403, "forbidden", "只有代表可以扫码签到，请先绑定代表身份。")
    code = canonical_code(code)  # a station's code typed from its poster (capitals, spaces)
    now = utcnow()
    connection = db.session.connection()
    activity = _pick_at(connection, _candidates(connection, code, user.deputy_id, now), code, user.deputy_id, now)
    if activity.mine is P.checked_in:
        return activity, activity.checked_in_dt, False
    if activity.mine is P.declined:
        raise refuse(DECLINED, "declined")
    note = _where(activity, code, lat, lng)
    # The activity's row held first: a 结单 or 取消 at this instant either comes first (and is read here)
    # or waits for this check-in. Then a conditional UPDATE: of two scans at the same instant (a double
    # tap, a retried request) exactly one matches the row; the other waits for it and answers with its
    # check-in. The one that matched writes the check-in's line in the record: one INSERT, of what is known
    # here (the deputy's name came with the token).
    hold, writes, reread = _writes(connection.dialect.name)
    mine = {"activity": activity.id, "scanner": user.deputy_id}
    ended = connection.execute(hold, mine).scalar_one()
    if ended is not ActivityStatus.published:
        raise _ended(ended)
    values = mine | {"now": now, "lat": lat, "lng": lng, "user": user.id, "name": user.deputy_name, "note": note}
    if connection.execute(writes[0], values).rowcount == 1:
        for statement in writes[1:]:  # SQLite: the line, after the check-in
            connection.execute(statement, values)
        return activity, now, True
    # Checked in to another activity held at the same time, a concurrent scan changed the row, an edit took
    # the deputy off the list, or (SQLite) a 结单 or 取消 committed since the read above.
    row = connection.execute(reread, mine).one_or_none()
    if row is None:  # taken off the list meanwhile (改期、补充邀请)
        raise refuse(NOT_INVITED, "not_invited")
    status, checked_in_dt, ended, elsewhere = row
    if status is P.checked_in:
        return activity, checked_in_dt, False
    if status is P.declined:
        raise refuse(DECLINED, "declined")
    if ended is ActivityStatus.published and elsewhere is not None:
        raise refuse(elsewhere_text(elsewhere), "already_checked_in_elsewhere")
    raise _ended(ended if ended in ENDED else ActivityStatus.closed)
