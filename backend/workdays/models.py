import enum
from datetime import date

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import str_enum
from ..extensions import db


class DayKind(enum.Enum):
    holiday = "holiday"  # a rest day on a weekday (放假)
    workday = "workday"  # a working weekend day (调休上班)


KIND_LABELS = {"holiday": "放假", "workday": "调休上班"}


class WorkCalendarDay(db.Model):
    """A day that breaks the weekend rule in the State Council's arrangement (国务院办公厅 放假安排)."""

    __tablename__ = "work_calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[DayKind] = mapped_column(str_enum(DayKind, "work_calendar_day_kind"))
    name: Mapped[str] = mapped_column(String(32))  # 春节, 国庆节 …
