"""work_calendar_days: the national working-day calendar's exceptional days (放假 and 调休上班)

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-27 13:00:00.000000

Weekends rest and weekdays work, except the days of the State Council's yearly arrangement (国务院办公厅
关于部分节假日安排的通知): a holiday on a weekday, or a working weekend day (调休上班). Reply deadlines are
counted in working days on it (backend/workdays). Seeded with the arrangements from 2025 on as the
pinned ``chinesecalendar`` library carries them (2025 and 2026 in 1.11.0); an operator enters the next
year's (published each November) with ``flask --app backend workdays add``.
"""
from datetime import date

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

FIRST_YEAR = 2025


def published_days():
    """The exceptional days from FIRST_YEAR on, with the holidays' Chinese names."""
    import chinese_calendar
    from chinese_calendar import Holiday

    names = {Holiday.new_years_day.value: '元旦', Holiday.spring_festival.value: '春节',
             Holiday.tomb_sweeping_day.value: '清明节', Holiday.labour_day.value: '劳动节',
             Holiday.dragon_boat_festival.value: '端午节', Holiday.mid_autumn_festival.value: '中秋节',
             Holiday.national_day.value: '国庆节'}
    start = date(FIRST_YEAR, 1, 1)
    return [
        *({'day': day, 'kind': 'holiday', 'name': names[name]}
          for day, name in chinese_calendar.holidays.items() if day >= start and day.weekday() < 5),
        *({'day': day, 'kind': 'workday', 'name': names[name]}
          for day, name in chinese_calendar.workdays.items() if day >= start and day.weekday() >= 5),
    ]


def upgrade():
    days = op.create_table('work_calendar_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('holiday', 'workday', name='work_calendar_day_kind', native_enum=False,
                              create_constraint=True, length=32), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_work_calendar_days'))
    )
    op.bulk_insert(days, sorted(published_days(), key=lambda row: row['day']))


def downgrade():
    op.drop_table('work_calendar_days')
