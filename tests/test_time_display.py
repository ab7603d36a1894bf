"""Times as pages show them: a range across a year end names the end's year; a deadline today or
tomorrow names its time (audit 30, finding 15)."""
from datetime import datetime, timedelta, timezone

from backend.console.pages import china_end
from backend.web.pages import cn_deadline

from .test_consultations import legis, opened  # noqa: F401 (legis: a fixture)

CHINA = timezone(timedelta(hours=8))


def at(*args):
    return datetime(*args, tzinfo=CHINA).astimezone(timezone.utc)


def test_a_range_ending_in_another_year_names_the_year():
    assert china_end(at(2027, 1, 5, 9, 0), at(2026, 12, 5, 9, 0)) == "2027-01-05 09:00"
    assert china_end(at(2027, 1, 1, 0, 30), at(2026, 12, 31, 22, 30)) == "2027-01-01 00:30"
    assert china_end(at(2026, 12, 6, 0, 30), at(2026, 12, 5, 22, 30)) == "12-06 00:30"
    assert china_end(at(2026, 12, 5, 23, 0), at(2026, 12, 5, 22, 30)) == "23:00"


def test_a_deadline_today_or_tomorrow_names_its_time():
    now = at(2026, 11, 28, 10, 0)
    assert cn_deadline(at(2026, 11, 28, 20, 13), now) == "2026-11-28 20:13"
    assert cn_deadline(at(2026, 11, 29, 9, 0), now) == "2026-11-29 09:00"
    assert cn_deadline(at(2026, 12, 20, 18, 0), now) == "2026-12-20"
    assert cn_deadline(None, now) == ""


def test_the_code_landing_and_the_station_page_say_when_today_a_draft_closes(client, legis):  # noqa: F811
    c = opened(client, legis["admins"]["hh"], hours=2)
    ends = datetime.fromisoformat(c["ends_at"]).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    station = legis["station"]
    assert f"截至 {ends}" in client.get(f"/q/{station.qr_code}").get_data(as_text=True)
    assert f"截至 {ends}" in client.get(f"/public/stations/{station.id}").get_data(as_text=True)
