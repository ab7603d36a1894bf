"""约见代表: requesting a meeting, and answering it (确认/改约, 婉拒, 取消, 已接待).

Who answers: the deputy the request is addressed to, and the administrators of its station or region
(a station-code request is the station's to arrange). Only the citizen who asked may cancel. Every
answer tells the other side through the outbox; a failing WeChat never loses the request.
"""
from datetime import timedelta, timezone

from flask import current_app
from sqlalchemy import false, func, or_, select, true, update

from ..activities.models import Activity, ActivityParticipant, ActivityStatus, ActivityType, ParticipantStatus
from ..activities.services import hold
from ..auth.models import User
from ..auth.scope import (
    administered_stations,
    answering_administrators,
    get_by_id,
    is_root,
    manages_region,
    manages_station,
)
from ..db_types import in_ids, utcnow
from ..errors import APIError, conflict, validation_failed
from ..extensions import db
from ..notifications.outbox import china_time, enqueue, restate_under, thing, withdraw, withdraw_under
from ..org.closing import closed_since_checked
from ..org.models import Deputy, Region, Station
from ..qr.models import QRKind
from ..qr.services import StationClosed
from ..suggestions.filing import code_target, deputy_with_phone, tie_earlier_items
from ..suggestions.redact import redact
from ..suggestions.services import CHINA
from .models import APPOINTMENT_STATUS_LABELS, Appointment, AppointmentStatus

OPEN = (AppointmentStatus.requested, AppointmentStatus.confirmed)
# Each answer: the statuses it starts from, who gives it, and the status it leaves. 已接待 also straight
# from 待确认: a citizen who walks into the station is received there and then, with no time to agree.
ANSWERS = {
    "confirm": (OPEN, "handler", AppointmentStatus.confirmed),
    "decline": (OPEN, "handler", AppointmentStatus.declined),
    "complete": (OPEN, "handler", AppointmentStatus.completed),
    "cancel": (OPEN, "citizen", AppointmentStatus.cancelled),
}
TOO_LATE_TO_CANCEL = "约定的见面时间已过，不能再取消约见。"
ANSWER_LABELS = {"confirm": "确认约见", "decline": "婉拒约见", "complete": "标记已接待", "cancel": "取消约见"}


def page_path(appointment):
    return f"pages/appointment/detail?id={appointment.id}"


# --- who may do what ------------------------------------------------------------------------------


def is_citizen(user, appointment):
    return user is not None and user.id == appointment.citizen_id


def handles(user, appointment):
    """The deputy it is addressed to, or an administrator of its station or region."""
    if user is None:
        return False
    if appointment.deputy_id is not None and user.deputy_id == appointment.deputy_id and "deputy" in user.roles:
        return True
    return manages_station(user, appointment.station) or manages_region(user, appointment.region)


def _subtree(region):
    """SELECT of the ids of the regions in ``region``'s subtree (``region_subtree_clause``'s)."""
    return select(Region.id).where(Region.path.startswith(region.path))


def _admin_conditions(user):
    """The conditions of ``admin_scope_clause``, each served by an index; None: every request (the root's
    administrator). The ids of the stations and regions are read first and looked up (``in_ids``): as
    ``IN (SELECT …)`` under an OR, PostgreSQL tested every appointment against each — a city
    administrator's count read all 300,000 (80–100 ms; 20–40 ms as the union of the indexes, BitmapOr)."""
    region = user.admin_region
    if region is not None and is_root(region):
        return None
    conditions = []
    if region is not None:  # station_scope_clause's conditions, then the region's
        stations = select(Station.id).where(in_ids(Station.region_id, _subtree(region)))
        conditions.append(in_ids(Appointment.station_id, stations))
    if user.is_station_admin:
        conditions.append(in_ids(Appointment.station_id, administered_stations(user)))
    if region is not None:
        conditions.append(in_ids(Appointment.region_id, _subtree(region)))
    return conditions


def admin_scope_clause(user):
    """SQL condition: the requests an administrator handles — at their stations, and for a region
    administrator everything in their region's subtree (``handles`` for a whole list). Both, as a
    deputy's request waits at a station of another region and a station moves region: the stations'
    requests in ix_appointments_station_status, the region's in ix_appointments_region_created."""
    conditions = _admin_conditions(user)
    return true() if conditions is None else or_(false(), *conditions)


def handling_clause(user):
    """SQL condition: the requests ``user`` handles — addressed to them as a deputy
    (ix_appointments_deputy_status), or in their scope as an administrator (``admin_scope_clause``)."""
    conditions = []
    if "deputy" in user.roles:
        conditions.append(Appointment.deputy_id == user.deputy_id)
    if user.is_admin:
        admin = _admin_conditions(user)
        if admin is None:
            return true()
        conditions.extend(admin)
    return or_(false(), *conditions)


def can_see(user, appointment):
    return is_citizen(user, appointment) or handles(user, appointment)


def meeting_passed(appointment, now=None):
    """A confirmed meeting whose time has come: held (or missed), no longer the citizen's to cancel; the
    deputy or the station records it (已接待) or declines it."""
    return (appointment.status is AppointmentStatus.confirmed and appointment.meet_dt is not None
            and appointment.meet_dt <= (now or utcnow()))


def actions_for(user, appointment):
    """The answers ``user`` may give now, in the order a screen offers them."""
    allowed = []
    for action, (sources, who, _) in ANSWERS.items():
        if appointment.status not in sources or (action == "cancel" and meeting_passed(appointment)):
            continue
        if (who == "citizen" and is_citizen(user, appointment)) or (who == "handler" and handles(user, appointment)):
            allowed.append(action)
    return allowed


def load(appointment_id):
    return get_by_id(Appointment, appointment_id)


# --- requesting -----------------------------------------------------------------------------------


CHOOSE_AGAIN = "请重新选择接待安排，或填写希望见面的时间。"


def _day_refusal(activity, station_id, deputy_id, now):
    """Why the reception day (接待选民) ``activity`` takes no request now, as a sentence, or None: it must
    be one, upcoming, at the request's station, or with its deputy (not on leave from it)."""
    if activity.type is not ActivityType.reception:
        return f"所选活动已不是接待选民的安排，{CHOOSE_AGAIN}"
    if activity.status is ActivityStatus.cancelled:
        return f"所选接待日已取消，{CHOOSE_AGAIN}"
    if activity.status is not ActivityStatus.published or activity.ends_dt <= now:
        return f"所选接待日已结束，{CHOOSE_AGAIN}"
    if deputy_id is None:
        return None if activity.station_id == station_id else f"所选接待日不在这个联络站，{CHOOSE_AGAIN}"
    taking_part = db.session.scalar(select(ActivityParticipant.status).where(
        ActivityParticipant.activity_id == activity.id, ActivityParticipant.deputy_id == deputy_id))
    if taking_part in (None, ParticipantStatus.declined):
        return f"该代表不参加所选接待日，{CHOOSE_AGAIN}"
    return None


def _reception_day(activity_id, station_id, deputy_id, now):
    """The chosen reception day, as the request finds it (422 when it takes no request)."""
    activity = get_by_id(Activity, activity_id)
    if activity is None or _day_refusal(activity, station_id, deputy_id, now) is not None:
        raise validation_failed({"activity_id": ["所选接待安排不存在、已结束或不接待这次约见，请重新选择。"]})
    return activity


def _still_receiving(activity, station_id, deputy_id, now):
    """The chosen day read again once the request is written, with its row held until the request ends
    (``hold``): a change of type, 取消, 改期 or a deputy taken off at this instant either committed before
    (and is seen here: 409, saying what changed) or waits for this request, and then finds it (another
    type is refused, the others tell the citizen). On SQLite the request's INSERT took the write lock, so
    this read sees every change committed before it."""
    hold(activity, "type", "starts_dt", "ends_dt", "place")
    refusal = _day_refusal(activity, station_id, deputy_id, now)
    if refusal is not None:
        raise APIError(409, "invalid_transition", refusal)


def request(user, data):
    """A citizen asks to meet the deputy (deputy's code) or a deputy at the station (station's code)."""
    if not data.get("activity_id") and not data.get("preferred_time"):
        raise validation_failed({"preferred_time": ["请选择接待安排，或填写希望见面的时间。"]})
    target = code_target(db.session.connection(), data["qr_code"], "这个二维码不能用于约见代表。")
    now = utcnow()
    deputy_id = target.deputy_id if target.target_kind is QRKind.deputy else None
    activity = _reception_day(data["activity_id"], target.station_id, deputy_id, now) if data.get("activity_id") else None
    # A reception day is its station's to run (a deputy's may be at another of their stations): the request
    # goes there, to the staff who receive the citizen, and who are told of it and answer it.
    station_id = activity.station_id if activity is not None and activity.station_id is not None else target.station_id
    appointment = Appointment(
        citizen_id=user.id, deputy_id=deputy_id, station_id=station_id, region_id=target.region_id,
        activity_id=activity.id if activity else None, topic=data["topic"], name=data.get("name", ""),
        contact_phone=data["contact_phone"], preferred_time=data.get("preferred_time", ""),
        status=AppointmentStatus.requested, created_dt=now, updated_dt=now,
    )
    db.session.add(appointment)
    db.session.flush()
    if station_id is not None and closed_since_checked(db.session.connection(), station_id):
        # Closed (停用) since the code was read, before it counted this request (org.closing). Through a
        # deputy's code the request went to the deputy's station just closed: sent again, it goes to another.
        if deputy_id is None:
            raise StationClosed(db.session.get(Station, station_id))
        raise conflict("该代表所在的联络站刚刚停用，约见没有提交；请重新提交。")
    if activity is not None:
        _still_receiving(activity, station_id, deputy_id, now)
    appointment.number = f"YJ-{now.astimezone(CHINA):%Y%m%d}-{appointment.id:06d}"
    connection = db.session.connection()
    if (deputy := deputy_with_phone(connection, appointment.contact_phone)) is not None:
        # A deputy's registered phone: the asker is that deputy (their own suggestions earn them nothing), and
        # so were the suggestions this identity filed before (its later ones: suggestions.filing.filer_deputy).
        tie_earlier_items(connection, user.id, deputy)
    _tell_handlers(appointment, "有群众约见，请确认时间", "requested", "群众约见待确认")
    db.session.flush()
    return appointment


# --- answering ------------------------------------------------------------------------------------


def _may_answer(appointment, user, action):
    """Refuse ``action``'s answer to the wrong person (403): the citizen cancels, the handlers answer."""
    _, who, _ = ANSWERS[action]
    allowed = is_citizen(user, appointment) if who == "citizen" else handles(user, appointment)
    if not allowed:
        message = "只有提出约见的群众可以取消。" if who == "citizen" else "只有被约见的代表或联络站管理员可以答复约见。"
        raise APIError(403, "forbidden", message)


def _answer(appointment, user, action, note, refusal=None):
    """Give ``action``'s answer, or refuse it: 403 for the wrong person, 409 from the wrong status or with
    ``refusal`` (a rule of that answer's own)."""
    sources, who, target = ANSWERS[action]
    _may_answer(appointment, user, action)
    if appointment.status not in sources:
        raise APIError(409, "invalid_transition",
                       f"约见{appointment.status_label}，不能{ANSWER_LABELS[action]}。")
    if refusal is not None:
        raise APIError(409, "invalid_transition", refusal)
    appointment.status = target
    appointment.answer = note
    appointment.answered_by_id = user.id
    appointment.answered_by_name = _name_of(user)
    appointment.answered_by_role = who if who == "citizen" else (
        "deputy" if user.deputy_id is not None and user.deputy_id == appointment.deputy_id else "staff")
    appointment.answered_dt = utcnow()


def _name_of(user):
    return user.deputy_name or user.display_name or user.username or ""


# How far ahead a meeting may be set: further is a mistyped year (2062 for 2026), never reminded in time.
MEETING_HORIZON = timedelta(days=366)


def confirm(appointment, user, meet_dt, place=None, note=None):
    """确认 (or 改约, once confirmed): a time in the future, within a year, and a place. A place not given (None
    or blank) is, at 改约, the place agreed, else the default (the reception day's or the station's); a note not
    given (None) is, at 改约, the note agreed, else none (a blank note clears it). Confirmed again as it
    stands, time, place and note alike, it is left as it is and the citizen is not told again. A move drops
    the confirmations not sent yet, so that only the meeting as it now stands is sent."""
    now = utcnow()
    if meet_dt <= now:
        raise validation_failed({"meet_at": ["见面时间须晚于现在。"]})
    if meet_dt > now + MEETING_HORIZON:
        raise validation_failed({"meet_at": ["见面时间须在一年之内，请检查年份。"]})
    moving = appointment.status is AppointmentStatus.confirmed
    place = (place or "").strip() or blank_place(appointment)
    note = (appointment.answer if moving else "") if note is None else note
    meet_dt = meet_dt.astimezone(timezone.utc)  # as stored: UTC
    if (appointment.status is AppointmentStatus.confirmed and appointment.meet_dt == meet_dt
            and appointment.place == place and appointment.answer == note):
        _may_answer(appointment, user, "confirm")
        return appointment  # the same 确认 again (a double tap, a retry): nothing moved to tell the citizen
    station = appointment.station
    if station is not None and station.closed:
        raise _station_closed(station)
    _answer(appointment, user, "confirm", note)
    appointment.meet_dt = meet_dt
    appointment.meet_reminded_dt = None  # a moved meeting is reminded at its new time
    appointment.place = place
    key = f"confirmed-{appointment.version}"  # as before the update below counts the version up
    if station is not None:
        db.session.flush()
        if closed_since_checked(db.session.connection(), station.id):
            raise _station_closed(station)  # closed at this instant, before it counted this meeting (org.closing)
    if moving:
        _withdraw_confirmations(appointment)
    _tell_citizen(appointment, note or "请按约定时间前往", key)
    when = meet_dt.astimezone(CHINA)
    _tell_deputy(appointment, f"联络站已{'改约' if moving else '约定见面'}：{when.month}月{when.day}日 {when:%H:%M}", key)
    db.session.flush()
    return appointment


def _station_closed(station):
    """A meeting to come is not agreed at a closed (停用) station, which closing counts (422)."""
    return validation_failed({"meet_at": ["该联络站已停用，不能再约定见面时间。"]},
                             f"联络站“{station.name}”已停用，不能再约定见面时间；请标记已接待或婉拒，"
                             "并请群众到其他联络站约见。")


def default_place(appointment):
    """Where a confirmation without a place meets: the reception day's place, else the station's."""
    if appointment.activity is not None and appointment.activity.place:
        return appointment.activity.place
    station = appointment.station
    if station is None:
        return ""
    return f"{station.name}（{station.address}）" if station.address else station.name


def blank_place(appointment):
    """Where a 确认 without a place meets: at 改约 the place agreed, else ``default_place``."""
    if appointment.status is AppointmentStatus.confirmed and appointment.place:
        return appointment.place
    return default_place(appointment)


def _withdraw_confirmations(appointment):
    """The confirmations (确认/改约) of a meeting moved or declined, not sent yet: dropped, to the citizen and to
    the deputy, so that none arrives with (or after) the news that replaces it."""
    withdraw("appointment_result", f"appointment-result:{appointment.id}:confirmed-")
    withdraw("appointment", f"appointment:{appointment.id}:confirmed-")


def decline(appointment, user, reason):
    """婉拒, also of a meeting already confirmed: its confirmations and reminders not sent yet are dropped."""
    was_confirmed = appointment.status is AppointmentStatus.confirmed
    _answer(appointment, user, "decline", reason)
    if was_confirmed:
        _withdraw_confirmations(appointment)
        _withdraw_meeting_reminders(appointment)
    _tell_citizen(appointment, reason, "declined")
    _tell_deputy(appointment, f"联络站已婉拒：{reason}", "declined")
    db.session.flush()
    return appointment


def complete(appointment, user, note):
    """已接待: a confirmed meeting from an hour before its time; a request still 待确认 at once (the citizen
    walked in and was received), recorded as met now at the default place, and the citizen is told. The deputy
    it is addressed to is told when the station's staff mark it."""
    if appointment.meet_dt is not None and appointment.meet_dt - timedelta(hours=1) > utcnow():
        raise APIError(409, "invalid_transition", "约定的见面时间还没到，不能标记为已接待。")
    walked_in = appointment.status is AppointmentStatus.requested
    _answer(appointment, user, "complete", note)
    if walked_in:
        appointment.meet_dt = appointment.answered_dt
        appointment.place = default_place(appointment)
        _tell_citizen(appointment, note or "代表已当面接待", "completed")
    _tell_deputy(appointment, "联络站已接待" + (f"：{note}" if note else ""), "completed")
    db.session.flush()
    return appointment


def cancel(appointment, user, reason):
    _answer(appointment, user, "cancel", reason, refusal=TOO_LATE_TO_CANCEL if meeting_passed(appointment) else None)
    _withdraw_meeting_reminders(appointment)
    _tell_handlers(appointment, "群众已取消约见" + (f"：{reason}" if reason else ""), "cancelled", "群众已取消约见")
    db.session.flush()
    return appointment


# --- messages -------------------------------------------------------------------------------------


def _deputy_user(appointment):
    """The WeChat user of the deputy it is addressed to, while in office: a deputy who left can no longer
    see or answer it, and is not told of it (its station's staff are)."""
    if appointment.deputy_id is None:
        return None
    return db.session.scalar(select(User).join(Deputy, Deputy.id == User.deputy_id).where(
        User.deputy_id == appointment.deputy_id, Deputy.active.is_(True)))


def _handlers(appointment):
    """Whom a new or cancelled request concerns, each with the station that has no administrator or None: its
    deputy, and its station's administrators, or for a station nobody runs the nearest region's, as for a
    suggestion (``answering_administrators``): it is in their queue, theirs to answer."""
    deputy = _deputy_user(appointment)
    admins, nobody_at = answering_administrators(appointment.station, appointment.region)
    return ([(deputy, None)] if deputy is not None else []) + [(admin, nobody_at) for admin in admins]


def _handler_data(appointment, note):
    return {
        "character_string1": appointment.number,
        "thing2": thing(appointment.topic),
        "phrase3": APPOINTMENT_STATUS_LABELS[appointment.status.value],
        "thing4": thing(note),
        "time5": china_time(appointment.created_dt),
    }


def _tell_handlers(appointment, note, event, unstaffed, handlers=None):
    """``note`` to the handlers (``_handlers``); those told for a station nobody runs, ``unstaffed`` (a shorter
    note) and which station has nobody."""
    for user, nobody_at in _handlers(appointment) if handlers is None else handlers:
        said = note if nobody_at is None else f"{unstaffed}，{nobody_at.name}无管理员"
        enqueue(user, "appointment", _handler_data(appointment, said), page=page_path(appointment),
                dedupe_key=f"appointment:{appointment.id}:{event}:{user.id}")


def _tell_deputy(appointment, note, event):
    """An answer the station's staff gave to a meeting addressed to a deputy: the deputy, who is to be there
    (or was declined for), is told."""
    deputy = _deputy_user(appointment) if appointment.answered_by_role == "staff" else None
    if deputy is not None:
        enqueue(deputy, "appointment", _handler_data(appointment, note), page=page_path(appointment),
                dedupe_key=f"appointment:{appointment.id}:{event}:{deputy.id}")


def _result_data(appointment, note):
    # The meeting's time: agreed, else the reception day chosen, else when it was asked.
    when = appointment.meet_dt or (appointment.activity.starts_dt if appointment.activity else appointment.created_dt)
    return {
        "thing1": thing(appointment.topic),
        "time2": china_time(when),
        "thing3": thing(appointment.place or "待定"),
        "phrase4": APPOINTMENT_STATUS_LABELS[appointment.status.value],
        "thing5": thing(note),
    }


def _tell_citizen(appointment, note, event):
    enqueue(appointment.citizen, "appointment_result", _result_data(appointment, note), page=page_path(appointment),
            dedupe_key=f"appointment-result:{appointment.id}:{event}")


def open_on_day(activity):
    """How many requests to meet a deputy on the reception day ``activity`` are still open (待确认 or
    已确认)."""
    return db.session.scalar(select(func.count()).select_from(Appointment).where(
        Appointment.activity_id == activity.id, Appointment.status.in_(OPEN)))


def _on_day(activity, status):
    return db.session.scalars(select(Appointment).where(
        Appointment.activity_id == activity.id, Appointment.status == status)).all()


def _to_agree_again(appointments, event):
    """Meetings confirmed for a reception day that was then moved or cancelled: the citizen would come on a
    day the station no longer receives. They are told a new time will be agreed, and the deputy and the
    station that it is theirs to agree (改约); the meeting stands as confirmed until then. A meeting whose
    time has passed was held (or missed): nothing to agree again."""
    now = utcnow()
    for appointment in appointments:
        if meeting_passed(appointment, now):
            continue
        _withdraw_meeting_reminders(appointment)
        _tell_citizen(appointment, "接待日已调整，将与您重新约定时间", event)
        _tell_handlers(appointment, "接待日已调整，请与群众改约", event, "接待日调整待改约")


def reception_day_cancelled(activity):
    """取消活动 of a reception day: each citizen who chose it and is still waiting (待确认) is told it is
    off; their request stays 待确认, for the deputy or the station to confirm another time or decline.
    Meetings already confirmed on it are to be agreed again."""
    event = f"reception-cancelled-{activity.id}"
    for appointment in _on_day(activity, AppointmentStatus.requested):
        _tell_citizen(appointment, "所选接待日已取消，将另行安排", event)
    _to_agree_again(_on_day(activity, AppointmentStatus.confirmed), event)


def reception_day_changed(activity, moved, relocated, removed_deputy_ids):
    """改期 or 改地点 of a reception day, or deputies taken off it: each citizen who chose it and is still
    waiting (待确认) is told its new time and place, or that the deputy they asked to meet will not be
    there; their request stays 待确认, for the deputy or the station to confirm a time or decline.
    Meetings already confirmed on it, if it moved or their deputy was taken off, are to be agreed again."""
    event = f"reception-changed-{activity.id}-{activity.version}"
    for appointment in _on_day(activity, AppointmentStatus.requested):
        if appointment.deputy_id is not None and appointment.deputy_id in removed_deputy_ids:
            note = "该代表不参加所选接待日，将另行安排"
        elif moved and relocated:
            note = "所选接待日时间和地点已调整"
        elif moved:
            note = "所选接待日时间已调整，请留意"
        elif relocated:
            note = "所选接待日地点已调整，请留意"
        else:
            continue
        data = _result_data(appointment, note) | {"thing3": thing(default_place(appointment) or "待定")}
        enqueue(appointment.citizen, "appointment_result", data, page=page_path(appointment),
                dedupe_key=f"appointment-result:{appointment.id}:{event}")
    _to_agree_again([a for a in _on_day(activity, AppointmentStatus.confirmed)
                     if moved or relocated or a.deputy_id in removed_deputy_ids], event)


# --- the sweep ------------------------------------------------------------------------------------


def _claim(appointment_id, column, condition):
    """Mark one appointment's reminder as sent, unless another sweep did a moment ago: whether it is ours."""
    claimed = db.session.execute(
        update(Appointment).where(Appointment.id == appointment_id, column.is_(None), condition)
        .values({column: utcnow()}).execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
    return claimed == 1


def remind_unanswered():
    """Sweep step: a request nobody answered within APPOINTMENT_ANSWER_HOURS reminds its deputy and its
    station's administrators (``_handlers``), once. One with nobody to tell is left unmarked, reminded once
    someone can be."""
    cutoff = utcnow() - timedelta(hours=current_app.config["APPOINTMENT_ANSWER_HOURS"])
    awaiting = Appointment.status == AppointmentStatus.requested
    ids = db.session.scalars(select(Appointment.id).where(
        awaiting, Appointment.reminded_dt.is_(None), Appointment.created_dt <= cutoff)).all()
    reminded = 0
    for appointment_id in ids:
        appointment = db.session.get(Appointment, appointment_id)
        handlers = _handlers(appointment)
        if not handlers or not _claim(appointment_id, Appointment.reminded_dt, awaiting):
            continue
        _tell_handlers(appointment, "约见尚未答复，请尽快确认或婉拒", "overdue", "约见未答复", handlers)
        db.session.commit()
        reminded += 1
    return reminded


# The deputy's meeting reminder's note: whom they meet, by the name the citizen gave, else 群众.
MEETING_WITH = "约见群众：{name}"
UNNAMED = "群众"


def _withdraw_meeting_reminders(appointment):
    """The reminders of a meeting that is off, or no longer at the time they name, not sent yet: dropped
    (``remind_meetings`` queued them; the deputy's names the citizen, who may have just cancelled their
    account)."""
    withdraw("appointment_result", f"appointment-meeting:{appointment.id}:")
    withdraw("appointment_result", f"appointment-result:{appointment.id}:meeting-")


def redact_waiting_notices(citizen_id, known=()):
    """注销 (auth.erasure), once the citizen's open requests are cancelled: of the notices about the citizen
    ``citizen_id``'s appointments queued to the deputy or the station and not sent yet, the meeting reminders
    (约见群众：王先生, ``remind_meetings``) are dropped: the meeting is off, or its time has passed; the others
    carry the topic, and a cancellation's reason, redacted (``redact``: no name, phone or address; the
    appointment's contact phone and each of ``known``, the citizen's other phones, in any grouping), so that
    none sent after the citizen has gone names or reaches them; a meeting reminder already sent is kept
    without the name. Called before 注销 clears the contact phones. Returns how many were dropped or restated."""
    rows = db.session.execute(select(Appointment.id, Appointment.topic, Appointment.contact_phone).where(
        Appointment.citizen_id == citizen_id)).all()
    if not rows:
        return 0
    topics = {a.id: a.topic for a in rows}
    phones = {a.id: (a.contact_phone, *known) for a in rows}
    reminders = [("appointment_result", f"appointment-meeting:{a}:") for a in topics]
    dropped = withdraw_under(reminders, exclude_user=citizen_id)
    # Those sent already are kept as the record of what was sent: without the name, as the appointment is.
    # They went to the deputies' WeChat users, the one bound then, whoever it is now (found by their keys).
    restate_under(reminders, unnamed, sent_too=True, exclude_user=citizen_id)

    def redacted(template, key, data):
        appointment_id = int(key.split(":")[1])
        return data | {"thing2": thing(redact(topics[appointment_id], known=phones[appointment_id])),
                       "thing4": thing(redact(data.get("thing4", ""), known=phones[appointment_id]))}

    return dropped + restate_under([("appointment", f"appointment:{a}:") for a in topics], redacted,
                                   exclude_user=citizen_id)


def unnamed(template, key, data):
    """A deputy's meeting reminder (``remind_meetings``) as it reads without the citizen's name; any other
    message as it is."""
    return data | {"thing5": thing(MEETING_WITH.format(name=UNNAMED))} if str(data.get("thing5", "")).startswith(
        MEETING_WITH.format(name="")) else data


def remind_meetings():
    """Sweep step: APPOINTMENT_REMINDER_HOURS before a confirmed meeting, remind the citizen and the
    deputy, once per time agreed."""
    now = utcnow()
    horizon = now + timedelta(hours=current_app.config["APPOINTMENT_REMINDER_HOURS"])
    ahead = Appointment.status == AppointmentStatus.confirmed
    ids = db.session.scalars(select(Appointment.id).where(
        ahead, Appointment.meet_reminded_dt.is_(None), Appointment.meet_dt > now, Appointment.meet_dt <= horizon)).all()
    reminded = 0
    for appointment_id in ids:
        if not _claim(appointment_id, Appointment.meet_reminded_dt, ahead):
            continue
        appointment = db.session.get(Appointment, appointment_id)
        event = f"meeting-{appointment.meet_dt.timestamp():.0f}"
        _tell_citizen(appointment, "约见即将开始，请按时前往", event)
        deputy = _deputy_user(appointment)
        if deputy is not None:
            enqueue(deputy, "appointment_result", _result_data(appointment, MEETING_WITH.format(name=appointment.name or UNNAMED)),
                    page=page_path(appointment), dedupe_key=f"appointment-meeting:{appointment.id}:{event}:{deputy.id}")
        db.session.commit()
        reminded += 1
    return reminded
