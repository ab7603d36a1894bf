"""The reception plan (接待计划): upcoming 接待选民 days at a station or with a deputy.

Shown on the station's public page and the code's landing page, and carried by ``GET /qr/{code}`` so
that the mini-program's card can offer them for 约见代表 (``activity_id``). Only public facts: the day,
the place, the deputies' names: the first few of them and how many in all, as a day a whole district
receives on invites hundreds.
"""
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..db_types import CHINA, utcnow
from ..extensions import db
from ..org.models import Deputy
from .models import Activity, ActivityParticipant, ActivityStatus, ActivityType, ParticipantStatus

WEEKDAYS = "一二三四五六日"
RECEPTION_HORIZON = timedelta(days=60)
PLAN_NAMES = 12  # deputies named for a day; the rest are counted ("等 N 位代表")
RECEIVING = (ParticipantStatus.invited, ParticipantStatus.accepted, ParticipantStatus.checked_in)


def slot(activity):
    """"5月6日（周三） 09:00–12:00" in China time."""
    starts, ends = activity.starts_dt.astimezone(CHINA), activity.ends_dt.astimezone(CHINA)
    day = f"{starts.month}月{starts.day}日（周{WEEKDAYS[starts.weekday()]}）"
    until = f"{ends:%H:%M}" if ends.date() == starts.date() else f"{ends.month}月{ends.day}日 {ends:%H:%M}"
    return f"{day} {starts:%H:%M}–{until}"


def receivers(activity_ids, most=PLAN_NAMES):
    """``{activity id: ([the first ``most`` names], how many in all)}``: the deputies in office still
    expected on each day (not declined), in the roster's order, for any number of days and deputies in
    one query: the database numbers and counts each day's rows and sends the first few."""
    if not activity_ids:
        return {}
    day = ActivityParticipant.activity_id
    expected = (
        select(day.label("activity_id"), Deputy.name,
               func.row_number().over(partition_by=day, order_by=ActivityParticipant.deputy_id).label("n"),
               func.count().over(partition_by=day).label("total"))
        .join(Deputy, Deputy.id == ActivityParticipant.deputy_id)
        .where(day.in_(list(activity_ids)), ActivityParticipant.status.in_(RECEIVING), Deputy.active.is_(True))
        .subquery()
    )
    found = {}
    for activity_id, name, total in db.session.execute(
            select(expected.c.activity_id, expected.c.name, expected.c.total)
            .where(expected.c.n <= most).order_by(expected.c.activity_id, expected.c.n)):
        found.setdefault(activity_id, ([], total))[0].append(name)
    return found


def reception_plan(station_id=None, deputy_id=None, limit=8):
    """Upcoming reception days (not yet over, starting within the horizon), soonest first:
    ``[{"id", "title", "starts_at", "ends_at", "when", "station" (its name), "station_id", "place",
    "deputies": [the first PLAN_NAMES names], "deputies_total": how many receive in all}]``, in a fixed
    number of queries however many are invited. With a deputy: the days they are invited to and have not declined, the
    days 约见代表 accepts for them."""
    now = utcnow()
    query = (
        select(Activity)
        .where(
            Activity.type == ActivityType.reception,
            Activity.status == ActivityStatus.published,
            Activity.ends_dt >= now,
            Activity.starts_dt <= now + RECEPTION_HORIZON,
        )
        .options(selectinload(Activity.station))
        .order_by(Activity.starts_dt, Activity.id)
        .limit(limit)
    )
    if station_id is not None:
        query = query.where(Activity.station_id == station_id)
    if deputy_id is not None:
        query = query.where(Activity.participants.any(
            (ActivityParticipant.deputy_id == deputy_id) & (ActivityParticipant.status != ParticipantStatus.declined)
        ))
    plan = []
    days = db.session.scalars(query).all()
    named = receivers([activity.id for activity in days])
    for activity in days:
        names, total = named.get(activity.id, ([], 0))
        station = activity.station
        plan.append({
            "id": activity.id,
            "title": activity.title,
            "starts_at": activity.starts_dt,
            "ends_at": activity.ends_dt,
            "when": slot(activity),
            "station": station.name if station else "",
            "station_id": station.id if station else None,
            "place": activity.place or (station.address if station else ""),
            "deputies": names,
            "deputies_total": total,
        })
    return plan
