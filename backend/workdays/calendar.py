"""Counting working days (工作日) on the national calendar: Monday to Friday, except the public
holidays of the State Council's arrangement, plus its 调休 make-up working weekend days.

A year the calendar holds no day of (next year's arrangement not yet entered) is counted by weekends
alone, with one warning per year and process: a deadline a day or two early is better than a filing
or an acceptance that fails."""
import logging
from datetime import date, timedelta

from sqlalchemy import select

from ..extensions import db
from .models import DayKind, WorkCalendarDay

log = logging.getLogger(__name__)
_warned_years = set()


def _exceptions(first_year, last_year):
    """{day: kind} for every exceptional day of the years, and the years the calendar holds: one query."""
    # No autoflush: the step asking writes its item once, after it has set everything (the calendar is not its).
    with db.session.no_autoflush:
        rows = db.session.execute(
            select(WorkCalendarDay.day, WorkCalendarDay.kind).where(
                WorkCalendarDay.day.between(date(first_year, 1, 1), date(last_year, 12, 31))
            )
        ).all()
    return {day: kind for day, kind in rows}, {day.year for day, _ in rows}


def working_days_between(first, last):
    """How many working days there are after the day ``first`` up to the day ``last`` (dates), ``last``
    counted and ``first`` not, as add_working_days counts them: 0 when ``last`` is not after ``first``."""
    if last <= first:
        return 0
    kinds, _ = _exceptions(first.year, last.year)
    day, counted = first, 0
    while day < last:
        day += timedelta(days=1)
        kind = kinds.get(day)
        counted += kind is DayKind.workday or (kind is None and day.weekday() < 5)
    return counted


def add_working_days(start, days):
    """The ``days``-th working day after the day ``start`` (a date), which itself is not counted
    (民法典第二百零一条: 开始的当日不计入); ``days`` = 0 is ``start`` itself."""
    # Whole years, so that a year's absence is told from a stretch of it without holidays: at most ~25 rows
    # a year. 2 × days + 31 calendar days always hold ``days`` working days (the longest break is 春节's nine).
    last_year = (start + timedelta(days=2 * days + 31)).year
    kinds, known_years = _exceptions(start.year, last_year)
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if day.year > last_year:  # never for a deadline of weeks; kept correct for any ``days``
            last_year = day.year
            more, more_years = _exceptions(day.year, day.year)
            kinds |= more
            known_years |= more_years
        if day.year not in known_years and day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning("工作日历中没有 %s 年的放假安排，该年按周末双休计算工作日；"
                        "请用 flask --app backend workdays add 录入国务院办公厅公布的安排。", day.year)
        kind = kinds.get(day)
        if kind is DayKind.workday or (kind is None and day.weekday() < 5):
            counted += 1
    return day

