"""Reply deadlines in working days (工作日) on the national calendar: the State Council's holidays rest,
its 调休 make-up weekend days work; a year not entered yet counts weekends alone. Every start time is
explicit, so the answers do not depend on the day the suite runs."""
import logging
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from backend.db_types import CHINA
from backend.extensions import db
from backend.suggestions.models import Suggestion
from backend.suggestions.services import due_at
from backend.workdays import calendar
from backend.workdays.models import DayKind, WorkCalendarDay

from .factories import screen, sent_statements
from .refusals import at_fields, summary
from .test_console_suggestions import console_login, flashes, form_fields, post_form
from .test_suggestions import file, step, world  # noqa: F401  (fixture)
from .test_web_pages import config_override  # noqa: F401  (fixture)


def china(*args):
    return datetime(*args, tzinfo=CHINA)


def reply_due(app, start, category="城市管理"):
    with app.app_context():
        return due_at(category, "reply", start).astimezone(CHINA)


@pytest.fixture
def without_2027(app):
    """2027 not entered yet, whichever years the seeding library carries."""
    with app.app_context():
        db.session.execute(delete(WorkCalendarDay).where(WorkCalendarDay.day >= date(2027, 1, 1)))
        db.session.commit()


@pytest.fixture
def warnings_afresh(monkeypatch):
    """Each test sees its own first warning about a year not entered."""
    monkeypatch.setattr(calendar, "_warned_years", set())


def test_seven_working_days_from_a_thursday_skip_the_weekend_and_end_with_the_day(app):
    # Accepted Thursday 19 Nov 2026 at 10:00: the day itself does not count; Fri, Mon–Fri, Mon.
    assert reply_due(app, china(2026, 11, 19, 10, 0)) == china(2026, 11, 30, 23, 59, 59)
    # Late in the evening of the same day, the same deadline: the day of acceptance is not counted.
    assert reply_due(app, china(2026, 11, 19, 23, 30)) == china(2026, 11, 30, 23, 59, 59)
    # Accepted on a Saturday: Monday is the first working day.
    assert reply_due(app, china(2026, 11, 21, 9, 0)) == china(2026, 12, 1, 23, 59, 59)


def test_national_day_2026_rests_and_its_make_up_saturday_works(app):
    # 国庆节 2026: 1–7 October rest; Sunday 20 September and Saturday 10 October are worked.
    # Accepted Wednesday 30 Sep: Thu 8, Fri 9, Sat 10 (调休), Mon 12, Tue 13, Wed 14, Thu 15 Oct.
    assert reply_due(app, china(2026, 9, 30, 16, 0)) == china(2026, 10, 15, 23, 59, 59)
    # A make-up day counts as a working day: one day after Friday 9 Oct is Saturday 10 Oct,
    assert reply_due_in(app, china(2026, 10, 9, 9, 0), 1) == china(2026, 10, 10, 23, 59, 59)
    # and one after Saturday 19 Sep is Sunday 20 Sep.
    assert reply_due_in(app, china(2026, 9, 19, 9, 0), 1) == china(2026, 9, 20, 23, 59, 59)


def test_spring_festival_2026_rests_and_both_make_up_saturdays_work(app):
    # 春节 2026: 15–23 February rest; Saturdays 14 and 28 February are worked.
    # Accepted Friday 13 Feb: Sat 14, Tue 24, Wed 25, Thu 26, Fri 27, Sat 28 Feb, Mon 2 Mar.
    assert reply_due(app, china(2026, 2, 13, 11, 0)) == china(2026, 3, 2, 23, 59, 59)


def reply_due_in(app, start, days):
    app.config["SUGGESTION_DEADLINES"] = {"城市管理": {"reply_days": days}}
    try:
        return reply_due(app, start)
    finally:
        app.config["SUGGESTION_DEADLINES"] = {}


def test_calendar_days_as_before_and_per_category(app, config_override):  # noqa: F811
    start = china(2026, 9, 30, 16, 0)
    config_override(SUGGESTION_DEADLINES={"道路交通": {"reply_days": 5, "days_kind": "calendar"}})
    assert reply_due(app, start, "道路交通") == start + timedelta(days=5)  # the category's own count
    assert reply_due(app, start, "城市管理") == china(2026, 10, 15, 23, 59, 59)  # the rest: working days
    config_override(REPLY_DAYS_KIND="calendar", SUGGESTION_DEADLINES={"道路交通": {"days_kind": "working"}})
    assert reply_due(app, start, "城市管理") == start + timedelta(days=7)
    assert reply_due(app, start, "道路交通") == china(2026, 10, 15, 23, 59, 59)
    # 接单 stays counted in hours, whatever the days' kind.
    with app.app_context():
        assert due_at("城市管理", "accept", start) == start + timedelta(hours=24)


def accept_due(app, start, category="城市管理"):
    with app.app_context():
        return due_at(category, "accept", start).astimezone(CHINA)


def test_accept_in_working_days_when_set(app, config_override):  # noqa: F811
    # 12345 work orders are signed for within 1 working day: filed on Friday evening, 接单 is due at the
    # end of Monday, not on Saturday evening as 24 hours would have it.
    friday_evening = china(2026, 11, 20, 18, 0)
    assert accept_due(app, friday_evening) == friday_evening + timedelta(hours=24)
    config_override(ACCEPT_WITHIN_WORKING_DAYS=1)
    assert accept_due(app, friday_evening) == china(2026, 11, 23, 23, 59, 59)
    # Before 国庆: 30 Sep, then 1–7 Oct rest; the first working day after is Thursday 8 Oct.
    assert accept_due(app, china(2026, 9, 30, 9, 0)) == china(2026, 10, 8, 23, 59, 59)
    # A category keeps its own hours; another counts its own working days.
    config_override(SUGGESTION_DEADLINES={"道路交通": {"accept_hours": 12}, "教育医疗": {"accept_working_days": 2}})
    assert accept_due(app, friday_evening, "道路交通") == friday_evening + timedelta(hours=12)
    assert accept_due(app, friday_evening, "教育医疗") == china(2026, 11, 24, 23, 59, 59)
    assert accept_due(app, friday_evening) == china(2026, 11, 23, 23, 59, 59)
    # 0 working days for a category: its 接单 is counted in hours again.
    config_override(ACCEPT_WITHIN_WORKING_DAYS=0, SUGGESTION_DEADLINES={"教育医疗": {"accept_working_days": 2}})
    assert accept_due(app, friday_evening) == friday_evening + timedelta(hours=24)
    assert accept_due(app, friday_evening, "教育医疗") == china(2026, 11, 24, 23, 59, 59)


def test_a_filing_to_a_deputy_is_due_for_acceptance_in_working_days(client, app, world, config_override,  # noqa: F811
                                                                  warnings_afresh):
    config_override(ACCEPT_WITHIN_WORKING_DAYS=1)
    with app.app_context():  # weekends alone, whatever today is: the next weekday after the filing's day
        db.session.execute(delete(WorkCalendarDay))
        db.session.commit()
    filed = file(client, world["citizen"], world["deputy_code"])
    assert filed.status_code == 201, filed.json
    with app.app_context():
        created = db.session.scalar(select(Suggestion.created_dt).where(Suggestion.id == filed.json["id"]))
    day = created.astimezone(CHINA).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    assert datetime.fromisoformat(filed.json["accept_due_at"]) == datetime(
        day.year, day.month, day.day, 23, 59, 59, tzinfo=CHINA)


def test_the_calendar_is_read_in_one_query(app):
    with sent_statements(app) as sent:
        reply_due(app, china(2026, 12, 24, 10, 0))  # across the new year
    assert len([s for s in sent if "work_calendar_days" in s]) == 1, sent


def test_a_year_not_entered_counts_weekends_and_warns_once(app, caplog, warnings_afresh, without_2027):
    caplog.set_level(logging.WARNING, logger="backend.workdays.calendar")
    # 2026 is entered, 2027 not (yet): Tue 29, Wed 30, Thu 31 Dec, then Fri 1 Jan 2027 counted as worked
    # (元旦, unknown until entered), Mon 4, Tue 5, Wed 6 Jan.
    assert reply_due(app, china(2026, 12, 28, 10, 0)) == china(2027, 1, 6, 23, 59, 59)
    assert reply_due(app, china(2026, 12, 29, 10, 0)) == china(2027, 1, 7, 23, 59, 59)
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 1 and "2027 年" in warned[0], warned

    runner = app.test_cli_runner()
    added = runner.invoke(args=["workdays", "add", "2027-01-01", "--kind", "holiday", "--name", "元旦"])
    assert added.exit_code == 0, added.output
    assert "已录入放假（元旦）1 天：2027-01-01（星期五）" in added.output
    assert reply_due(app, china(2026, 12, 28, 10, 0)) == china(2027, 1, 7, 23, 59, 59)


def test_accepting_in_a_year_not_entered_still_succeeds(client, app, world, caplog, warnings_afresh):  # noqa: F811
    with app.app_context():
        db.session.execute(delete(WorkCalendarDay))
        db.session.commit()
    caplog.set_level(logging.WARNING, logger="backend.workdays.calendar")
    filed = file(client, world["citizen"], world["deputy_code"])
    assert filed.status_code == 201, filed.json
    screen(app)
    accepted = step(client, world["zhang_h"], filed.json["id"], "accept")
    assert accepted.status_code == 200, accepted.json
    # Today's date, whatever it is: the 7th weekday after it, at its end, China time.
    with app.app_context():
        accepted_dt = db.session.scalar(select(Suggestion.accepted_dt).where(Suggestion.id == filed.json["id"]))
    accepted_on = accepted_dt.astimezone(CHINA).date()
    day, counted = accepted_on, 0
    while counted < 7:
        day += timedelta(days=1)
        counted += day.weekday() < 5
    due = datetime.fromisoformat(accepted.json["reply_due_at"])
    assert due == datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=CHINA)
    page = console_login(app, "chengbei").get(f"/console/suggestions/{filed.json['id']}").get_data(as_text=True)
    assert f"<dt>答复时限</dt><dd>{day.isoformat()} 23:59</dd>" in page
    assert any("年的放假安排" in r.getMessage() for r in caplog.records)


def test_operators_list_add_and_remove_days(app, without_2027):
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["workdays", "list", "2026"])
    assert listed.exit_code == 0, listed.output
    assert "2026-10-10（星期六）\t调休上班\t国庆节" in listed.output
    assert "2026-02-16（星期一）\t放假\t春节" in listed.output
    assert "2026 年：工作日放假 19 天，周末调休上班 6 天。" in listed.output
    assert "没有 2027 年的放假安排" in runner.invoke(args=["workdays", "list", "2027"]).output

    # A holiday's range: its weekend days rest anyway and are not entered.
    added = runner.invoke(args=["workdays", "add", "2027-02-05", "2027-02-11", "--kind", "holiday", "--name", "春节"])
    assert added.exit_code == 0, added.output
    assert "已录入放假（春节）5 天" in added.output
    made_up = runner.invoke(args=["workdays", "add", "2027-02-20", "--kind", "workday", "--name", "春节"])
    assert made_up.exit_code == 0, made_up.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WorkCalendarDay).where(
            WorkCalendarDay.day >= date(2027, 1, 1))) == 6

    refused = [
        (["add", "2027-02-03", "--kind", "workday", "--name", "春节"], "2027-02-03（星期三）本来就是工作日"),
        (["add", "2027-02-06", "2027-02-07", "--kind", "holiday", "--name", "春节"], "都是周末"),
        (["add", "2027-2-30", "--kind", "holiday", "--name", "春节"], "不是有效日期"),
        (["add", "2027-03-01", "2027-02-01", "--kind", "holiday", "--name", "春节"], "结束日期应不早于开始日期"),
        (["add", "2027-03-01", "--kind", "holiday", "--name", " "], "名称不能为空"),
        (["remove", "2027-03-01"], "所选日期不在工作日历中"),
    ]
    for args, message in refused:
        result = runner.invoke(args=["workdays", *args])
        assert result.exit_code != 0 and message in result.output, (args, result.output)

    removed = runner.invoke(args=["workdays", "remove", "2027-02-05", "2027-02-20"])
    assert removed.exit_code == 0 and "已删除 6 天" in removed.output, removed.output
    assert "没有 2027 年的放假安排" in runner.invoke(args=["workdays", "list", "2027"]).output


def test_the_days_kind_settings_are_read_at_start(tmp_path):
    from backend import create_app

    from .test_operations import CliRunnerOf, production

    env = production(tmp_path, REPLY_DAYS_KIND="calendar",
                     SUGGESTION_DEADLINES='{"道路交通": {"reply_days": 5, "days_kind": "working"}}')
    assert CliRunnerOf(env).invoke("routes").exit_code == 0
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.delenv(name, raising=False) if value is None else patch.setenv(name, value)
        config = create_app().config
    assert config["REPLY_DAYS_KIND"] == "calendar"
    assert config["SUGGESTION_DEADLINES"]["道路交通"]["days_kind"] == "working"


def test_the_console_shows_the_calendar_and_root_administrators_edit_it(app, factory, world, without_2027):  # noqa: F811
    """工作日历 in the console: any administrator reads a year; only the root region's administrators enter
    next year's arrangement or take a day back, by the same rules as the command."""
    factory.admin("root", region=world["tree"]["root"])
    root, station = console_login(app, "root"), console_login(app, "chengbei")
    page = station.get("/console/workdays?year=2026").get_data(as_text=True)
    assert "2026-10-10（星期六）</td><td>调休上班</td><td>国庆节" in page
    assert "2026 年：工作日放假 19 天，周末调休上班 6 天。" in page
    assert "工作日历由全域（根区域）管理员维护，您可以查看。" in page and 'id="workdays-add"' not in page
    assert '<a href="/console/workdays" aria-current="page">工作日历</a>' in page
    assert "没有 2027 年的放假安排" in root.get("/console/workdays?year=2027").get_data(as_text=True)

    def add(client, **fields):
        hidden = form_fields(client, "/console/workdays?year=2027", "/console/workdays")
        return client.post("/console/workdays", data=hidden | fields)

    # Refused: the page again (the year of the date typed), the reason under the box it is about, named
    # at the top, and the form as it was typed.
    for fields, field, message in (
        ({"first": "2027-02-03", "kind": "workday", "name": "春节"}, "first",
         "2027-02-03（星期三）本来就是工作日：调休上班只录入周末。"),
        ({"first": "2027-02-06", "last": "2027-02-07", "kind": "holiday", "name": "春节"}, "first",
         "所选日期都是周末，本来就休息，无需录入。"),
        ({"first": "2027-03-01", "last": "2027-02-01", "kind": "holiday", "name": "春节"}, "last",
         "结束日期应不早于开始日期，且一次最多 31 天。"),
        ({"first": "", "kind": "holiday", "name": "春节"}, "first", "请选择日期。"),
        ({"first": "2027-03-01", "last": "2027-13-01", "kind": "holiday", "name": "春节"}, "last", "“2027-13-01”不是有效日期。"),
        ({"first": "2027-03-01", "kind": "party", "name": "春节"}, "kind", "请选择放假或调休上班。"),
        ({"first": "2027-03-01", "kind": "holiday", "name": " "}, "name", "名称不能为空，且不超过 32 个字。"),
    ):
        sent = add(root, **fields)
        assert sent.status_code == 422, fields
        assert at_fields(sent) == {field: message}, fields
        label = {"first": "开始日期", "last": "结束日期", "kind": "类别", "name": "名称"}[field]
        assert summary(sent) == f"有 1 处需要修改：{label}。" and flashes(sent) == [], fields
        page = sent.get_data(as_text=True)
        assert f'name="first" required value="{fields["first"]}"' in page, fields
        assert f'name="last" value="{fields.get("last", "")}"' in page, fields
        if fields["first"]:
            assert "工作日历 <small class=\"muted\">2027 年</small>" in page, fields
        if fields["kind"] in ("workday", "holiday"):
            assert f'<option value="{fields["kind"]}" selected>' in page, fields
        assert f'name="name" maxlength="32" required placeholder="如 春节、国庆节" value="{fields["name"]}"' in page, fields
    assert "没有 2027 年的放假安排" in root.get("/console/workdays?year=2027").get_data(as_text=True)

    sent = add(root, first="2027-02-05", last="2027-02-11", kind="holiday", name="春节")
    assert sent.headers["Location"].endswith("/console/workdays?year=2027")
    shown = root.get(sent.headers["Location"])
    assert flashes(shown)[0].startswith("已录入放假（春节）5 天：2027-02-05（星期五）、2027-02-08（星期一）")
    assert "2027 年：工作日放假 5 天，周末调休上班 0 天。" in shown.get_data(as_text=True)
    # A station administrator may not, whatever they post.
    forbidden = post_form(station, "/console/workdays", {"first": "2027-02-20", "kind": "workday", "name": "春节"},
                          page="/console/workdays?year=2027")
    assert flashes(station.get(forbidden.headers["Location"])) == ["只有全域（根区域）管理员可以修改工作日历。"]

    removed = root.post("/console/workdays/remove", data=form_fields(
        root, "/console/workdays?year=2027", "/console/workdays/remove") | {"first": "2027-02-05"})
    assert flashes(root.get(removed.headers["Location"])) == [
        "已删除 1 天（2027-02-05（星期五））：该日恢复按周末双休计算；已定的答复时限不变。"]
    with app.app_context():
        left = db.session.scalars(select(WorkCalendarDay.day).where(WorkCalendarDay.day >= date(2027, 1, 1))).all()
    assert [day.isoformat() for day in left] == ["2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11"]
    assert "2027-02-05" not in root.get("/console/workdays?year=2027").get_data(as_text=True)
    # Taken back already (a page open since, another administrator): no field to say it under, the table
    # of the year as it is now, the reason at its top.
    again = root.post("/console/workdays/remove", data=form_fields(
        root, "/console/workdays?year=2027", "/console/workdays/remove") | {"first": "2027-02-05"})
    assert again.headers["Location"].endswith("/console/workdays?year=2027")
    assert flashes(root.get(again.headers["Location"])) == ["所选日期不在工作日历中，没有删除任何一天。"]


def test_root_administrators_are_reminded_from_november_while_next_years_arrangement_is_missing(
        app, factory, world, without_2027, monkeypatch):  # noqa: F811
    """Deadlines running into January count 1 January as a working day until next year's arrangement is
    entered: from November (when the State Council publishes it) the dashboard and 工作日历 say so to
    those who enter it, until they have."""
    from backend.workdays import services

    factory.admin("root", region=world["tree"]["root"])
    root, station = console_login(app, "root"), console_login(app, "chengbei")
    reminder = ('<p class="notice" id="workdays-reminder"><strong>工作日历中还没有 2027 年的放假安排。</strong>'
                '国务院办公厅公布后请及时<a href="/console/workdays?year=2027">录入</a>；录入之前，2027 年的答复时限'
                '按周末双休计算，元旦、春节等假日会被算作工作日。</p>')

    monkeypatch.setattr(services, "utcnow", lambda: china(2026, 10, 31, 23, 0))
    assert "workdays-reminder" not in root.get("/console/").get_data(as_text=True)
    monkeypatch.setattr(services, "utcnow", lambda: china(2026, 11, 1, 8, 0))
    assert reminder in root.get("/console/").get_data(as_text=True)
    assert reminder in root.get("/console/workdays").get_data(as_text=True)
    # Those who cannot enter it are not asked to.
    assert "workdays-reminder" not in station.get("/console/").get_data(as_text=True)

    with app.app_context():
        db.session.add(WorkCalendarDay(day=date(2027, 1, 1), kind=DayKind.holiday, name="元旦"))
        db.session.commit()
    assert "workdays-reminder" not in root.get("/console/").get_data(as_text=True)
