"""The reception plan (接待计划): upcoming 接待选民 days at a station or with a deputy.

Shown on the station's public page and the code's landing page, and carried by ``GET /qr/{code}`` so
that the mini-program's card can offer them for 约见代表 (``activity_id``). Only public facts: the day,
the place, the deputies' names.
"""
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..db_types import CHINA, utcnow
from ..extensions import db
from .models import Activity, ActivityParticipant, ActivityStatus, ActivityType, ParticipantStatus

WEEKDAYS = "一二三四五六日"
RECEPTION_HORIZON = timedelta(days=60)


def slot(activity):
    """"5月6日（周三） 09:00–12:00" in China time."""
    starts, ends = activity.starts_dt.astimezone(CHINA), activity.ends_dt.astimezone(CHINA)
    day = f"{starts.month}月{starts.day}日（周{WEEKDAYS[starts.weekday()]}）"
    until = f"{ends:%H:%M}" if ends.date() == starts.date() else f"{ends.month}月{ends.day}日 {ends:%H:%M}"
    return f"{day} {starts:%H:%M}–{until}"


def reception_plan(station_id=None, deputy_id=None, limit=8):
    """Upcoming reception days (not yet over, starting within the horizon), soonest first:
    ``[{"id", "title", "starts_at", "ends_at", "when", "station" (its name), "station_id", "place",
    "deputies": [names]}]``. With a deputy: the days they are invited to and have not declined, the
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
        .options(selectinload(Activity.participants).selectinload(ActivityParticipant.deputy), selectinload(Activity.station))
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
    for activity in db.session.scalars(query):
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
            "deputies": [
                p.deputy.name for p in activity.participants
                if p.status in (ParticipantStatus.invited, ParticipantStatus.accepted, ParticipantStatus.checked_in)
                and p.deputy.active
            ],
        })
    return plan
