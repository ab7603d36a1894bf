"""Entering the State Council's yearly arrangement (国务院办公厅 放假安排) into the working-day calendar: the
same rules for the operators' command (``flask --app backend workdays``) and the console's 工作日历 page.
Refusals are 422 ``APIError``s whose message says why in Chinese."""
from datetime import date, timedelta

from sqlalchemy import delete, select

from ..db_types import CHINA, utcnow
from ..errors import validation_failed
from ..extensions import db
from .models import DayKind, WorkCalendarDay

WEEKDAYS = "一二三四五六日"
MAX_RANGE_DAYS = 31  # the longest arrangement is 春节's nine days; a longer range is a typing mistake
NAME_LENGTH = 32


def shown(day):
    return f"{day.isoformat()}（星期{WEEKDAYS[day.weekday()]}）"


def _refused(field, message):
    return validation_failed({field: [message]}, message)


def _days(first, last):
    last = last or first
    if last < first or (last - first).days >= MAX_RANGE_DAYS:
        raise _refused("last", f"结束日期应不早于开始日期，且一次最多 {MAX_RANGE_DAYS} 天。")
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def next_year_missing():
    """Next year, from November (China time: the State Council publishes its arrangement around then)
    while the calendar holds none of its days, for the reminder to enter it; else None."""
    today = utcnow().astimezone(CHINA).date()
    if today.month < 11:
        return None
    year = today.year + 1
    entered = db.session.scalar(select(WorkCalendarDay.day).where(
        WorkCalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))).limit(1))
    return None if entered is not None else year


def year_days(year):
    """The year's exceptional days, in date order."""
    return db.session.scalars(select(WorkCalendarDay).where(
        WorkCalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))).order_by(WorkCalendarDay.day)).all()


def enter(first, last, kind, name):
    """Enter the days from ``first`` to ``last`` (or ``first`` alone) as holidays (their weekend days rest
    anyway and are left out) or as make-up working days (weekend days only); a day already entered is
    replaced. Returns the days entered."""
    name = (name or "").strip()
    if not name or len(name) > NAME_LENGTH:
        raise _refused("name", f"名称不能为空，且不超过 {NAME_LENGTH} 个字。")
    kind = DayKind(kind)
    days = _days(first, last)
    if kind is DayKind.holiday:
        days = [day for day in days if day.weekday() < 5]
        if not days:
            raise _refused("first", "所选日期都是周末，本来就休息，无需录入。")
    elif weekday := next((day for day in days if day.weekday() < 5), None):
        raise _refused("first", f"{shown(weekday)}本来就是工作日：调休上班只录入周末。")
    for day in days:
        db.session.merge(WorkCalendarDay(day=day, kind=kind, name=name))
    return days


def remove(first, last):
    """Remove the days from ``first`` to ``last`` (or ``first`` alone): they follow the weekend rule again.
    Returns how many were there."""
    removed = db.session.execute(delete(WorkCalendarDay).where(WorkCalendarDay.day.in_(_days(first, last)))).rowcount
    if not removed:
        raise _refused("first", "所选日期不在工作日历中，没有删除任何一天。")
    return removed
