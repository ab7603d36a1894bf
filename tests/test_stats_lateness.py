"""按时办结率 and its denominators: lateness is remembered once it happened, stays with the deputy who was late,
and is not counted while the clock stands still (held, unscreened, at a department)."""
import io
import re
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import update

from backend.db_types import utcnow
from backend.extensions import db
from backend.suggestions.models import SuggestionWorkOrder

from .factories import screen
from .test_console_suggestions import console_login
from .test_suggestion_sweep_stats import shift, sweep
from .test_suggestions import file, step, world  # noqa: F401  (fixture)


def stats(client, headers, **query):
    response = client.get("/api/v1/stats/suggestions", headers=headers, query_string=query)
    assert response.status_code == 200, response.json
    return response.json


def archive(client, headers, deputy):
    response = client.get(f"/api/v1/deputies/{deputy.id}/archive", headers=headers)
    assert response.status_code == 200, response.json
    return response.json["suggestions"]


def answered(client, world, item_id, satisfaction="satisfied", headers=None):
    headers = headers or world["zhang_h"]
    assert step(client, headers, item_id, "reply", content="已处理。").status_code == 200
    assert step(client, world["citizen"], item_id, "rate", satisfaction=satisfaction).status_code == 200


def test_an_item_late_at_any_stage_is_not_on_time_once_closed(client, app, world):  # noqa: F811
    """Left unaccepted past its 接单 limit (the sweep flags it), or answered late in a first round and then
    answered at once in the second: closed, neither is 按时办结, in the API and the 履职档案 alike."""
    z = world["zhang_h"]
    a = file(client, world["citizen"], world["deputy_code"]).json["id"]
    b = file(client, world["citizen"], world["deputy_code"], content="小区井盖丢了很危险。").json["id"]
    screen(app)
    month_ago = utcnow() - timedelta(days=31)
    shift(app, a, created_dt=month_ago, assigned_dt=month_ago, accept_due_dt=month_ago + timedelta(days=1))
    sweep(app)
    assert stats(client, world["admin"])["on_time_rate"] == 0.0
    assert step(client, z, a, "accept").status_code == 200
    assert stats(client, world["admin"])["denominators"]["should_be_closed"] == 1  # still late, accepted or not
    answered(client, world, a)
    assert step(client, z, b, "accept").status_code == 200
    shift(app, b, created_dt=month_ago, assigned_dt=month_ago, accepted_dt=month_ago,
          reply_due_dt=utcnow() - timedelta(days=20))  # no sweep ran: the reply itself is late
    answered(client, world, b, "dissatisfied")
    answered(client, world, b)

    figures = stats(client, world["admin"])
    assert figures["denominators"]["should_be_closed"] == 2 and figures["denominators"]["closed"] == 2
    assert (figures["closed_rate"], figures["on_time_rate"]) == (1.0, 0.0)
    assert stats(client, world["admin"], deputy_id=world["zhang"].id)["on_time_rate"] == 0.0
    assert archive(client, world["admin"], world["zhang"])["closed_on_time"] == 0


def test_an_item_answered_in_time_is_on_time(client, app, world):  # noqa: F811
    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    screen(app)
    assert step(client, world["zhang_h"], item_id, "accept").status_code == 200
    sweep(app)
    answered(client, world, item_id)
    assert stats(client, world["admin"])["on_time_rate"] == 1.0
    assert archive(client, world["admin"], world["zhang"])["closed_on_time"] == 1


def test_a_late_dispatch_is_the_stations_not_the_deputys(client, app, world):  # noqa: F811
    """Dispatched after the 分派时限: the item is late (the station's figures), its deputy who then answered in
    time is not (theirs and their 履职档案)."""
    item_id = file(client, world["citizen"], world["station_code"]).json["id"]
    screen(app)
    shift(app, item_id, dispatch_due_dt=utcnow() - timedelta(days=2))
    assert step(client, world["admin"], item_id, "dispatch", deputy_id=world["zhang"].id).status_code == 200
    assert step(client, world["zhang_h"], item_id, "accept").status_code == 200
    answered(client, world, item_id)
    assert stats(client, world["admin"])["on_time_rate"] == 0.0
    assert stats(client, world["admin"], station_id=world["station"].id)["on_time_rate"] == 0.0
    assert stats(client, world["admin"], deputy_id=world["zhang"].id)["on_time_rate"] == 1.0
    assert archive(client, world["admin"], world["zhang"])["closed_on_time"] == 1


def test_returning_an_overdue_item_keeps_its_lateness_with_the_deputy(client, app, world):  # noqa: F811
    """退回 after the answer was due: the item still counts against the deputy who was late (应办结, not on time,
    退回超期), and against its station; the deputy it goes to next and who answers in time is on time."""
    z = world["zhang_h"]
    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    screen(app)
    assert step(client, z, item_id, "accept").status_code == 200
    fortnight_ago = utcnow() - timedelta(days=14)
    shift(app, item_id, created_dt=fortnight_ago, assigned_dt=fortnight_ago, accepted_dt=fortnight_ago,
          reply_due_dt=utcnow() - timedelta(days=5))
    sweep(app)
    assert step(client, z, item_id, "return", reason="不归我管").status_code == 200

    zhang = stats(client, world["admin"], deputy_id=world["zhang"].id)
    assert zhang["returned_late"] == 1
    assert zhang["denominators"]["should_be_closed"] == 1 and zhang["on_time_rate"] == 0.0
    # the deputy's 履职档案 shows it, in the API, the console and its spreadsheet, with what it means
    assert archive(client, world["admin"], world["zhang"])["returned_late"] == 1
    console = console_login(app, "chengbei")
    page = console.get(f"/console/deputies/{world['zhang'].id}/archive").get_data(as_text=True)
    assert "<strong>1</strong> 退回时已超期" in page and "退回时已超过时限" in page
    book = load_workbook(io.BytesIO(console.get(f"/console/deputies/{world['zhang'].id}/archive.xlsx").data))
    rows = [list(row) for row in book.active.values]
    header = next(row for row in rows if row and "退回时已超期" in row)
    assert rows[rows.index(header) + 1][header.index("退回时已超期")] == 1
    station = stats(client, world["admin"], station_id=world["station"].id)
    assert station["denominators"]["should_be_closed"] == 1 and station["on_time_rate"] == 0.0

    assert step(client, world["admin"], item_id, "dispatch", deputy_id=world["li"].id).status_code == 200
    assert step(client, world["li_h"], item_id, "accept").status_code == 200
    answered(client, world, item_id, headers=world["li_h"])
    li = stats(client, world["admin"], deputy_id=world["li"].id)
    assert (li["on_time_rate"], li["returned_late"]) == (1.0, 0)
    zhang = stats(client, world["admin"], deputy_id=world["zhang"].id)
    assert (zhang["denominators"]["should_be_closed"], zhang["on_time_rate"], zhang["closed_rate"]) == (1, 0.0, 0.0)
    assert stats(client, world["admin"])["on_time_rate"] == 0.0


def test_a_deputy_leaving_office_keeps_the_lateness_of_their_overdue_items(client, app, world):  # noqa: F811
    from backend.suggestions.services import return_departed

    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    screen(app)
    week_ago = utcnow() - timedelta(days=7)
    shift(app, item_id, created_dt=week_ago, assigned_dt=week_ago,
          accept_due_dt=utcnow() - timedelta(days=1))  # not accepted in time; no sweep ran
    with app.app_context():
        assert return_departed([world["zhang"].id]) == 1
        db.session.commit()
    zhang = stats(client, world["admin"], deputy_id=world["zhang"].id)
    assert (zhang["returned_late"], zhang["denominators"]["should_be_closed"], zhang["on_time_rate"]) == (1, 1, 0.0)


def test_an_item_returned_in_time_counts_against_nobody(client, app, world):  # noqa: F811
    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    screen(app)
    assert step(client, world["zhang_h"], item_id, "return", reason="不归我管").status_code == 200
    zhang = stats(client, world["admin"], deputy_id=world["zhang"].id)
    assert (zhang["returned_late"], zhang["denominators"]["should_be_closed"], zhang["on_time_rate"]) == (0, 0, None)
    assert stats(client, world["admin"])["denominators"]["should_be_closed"] == 0


def test_an_item_held_by_screening_is_not_past_its_deadline(client, app, world):  # noqa: F811
    """The sweep's clock stands still while an item is held for review (or its text is unscreened): the rates
    do not count it past its deadline either."""
    item_id = file(client, world["citizen"], world["deputy_code"], content="违禁测试：路灯坏了").json["id"]
    unscreened = file(client, world["citizen"], world["deputy_code"], content="楼道灯不亮。").json["id"]
    screen(app)
    assert client.get(f"/api/v1/suggestions/{item_id}", headers=world["admin"]).json["held_for_review"] is True
    for held in (item_id, unscreened):
        shift(app, held, accept_due_dt=utcnow() - timedelta(hours=1))
    shift(app, unscreened, screening="pending", created_dt=utcnow())  # as if WeChat had not answered yet
    figures = stats(client, world["admin"])
    assert (figures["denominators"]["should_be_closed"], figures["on_time_rate"], figures["closed_rate"]) == (0, None, None)
    shift(app, unscreened, screening="pass", accept_due_dt=utcnow() + timedelta(days=1))
    assert "新标记超期 0 条" in sweep(app)
    assert stats(client, world["admin"])["denominators"]["should_be_closed"] == 0


def test_an_item_at_a_department_is_not_past_its_deadline(client, app, world):  # noqa: F811
    """转办中 the reply clock stands still (the feedback moves the limit on by the time at the department, and
    no point is deducted): such an item is shown apart, and the rates stay the same before and after feedback."""
    z = world["zhang_h"]
    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    screen(app)
    assert step(client, z, item_id, "accept").status_code == 200
    assert step(client, z, item_id, "forward", target="department", department="城管局", note="转城管").status_code == 200
    with app.app_context():
        db.session.execute(update(SuggestionWorkOrder).where(SuggestionWorkOrder.suggestion_id == item_id)
                           .values(forwarded_dt=utcnow() - timedelta(days=10)))
        db.session.commit()
    shift(app, item_id, reply_due_dt=utcnow() - timedelta(days=1))
    sweep(app)
    before = stats(client, world["admin"], deputy_id=world["zhang"].id)
    assert (before["denominators"]["should_be_closed"], before["on_time_rate"]) == (0, None)
    assert before["at_department_past_due"] == 1
    # the console's 工作台 and 导出统计 show it apart, saying why
    console = console_login(app, "chengbei")
    page = console.get("/console/").get_data(as_text=True)
    assert re.search(r'<span class="kpi-label">待部门反馈·已超期</span><strong[^>]*>1</strong>', page)
    assert "答复时限暂停" in page
    book = load_workbook(io.BytesIO(console.get("/console/stats/export.xlsx").data))
    summary = {row[0]: (row[1], row[2]) for row in book["总体指标"].values}
    assert summary["待部门反馈·已超期"][0] == 1 and "答复时限暂停" in summary["待部门反馈·已超期"][1]
    assert step(client, z, item_id, "feedback", note="已修复", department_satisfaction="satisfied").status_code == 200
    after = stats(client, world["admin"], deputy_id=world["zhang"].id)
    assert (after["denominators"]["should_be_closed"], after["at_department_past_due"]) == (0, 0)
    answered(client, world, item_id)
    assert stats(client, world["admin"], deputy_id=world["zhang"].id)["on_time_rate"] == 1.0


def test_average_time_to_accept_leaves_out_merged_duplicates(client, app, world):  # noqa: F811
    z = world["zhang_h"]
    a = file(client, world["citizen"], world["deputy_code"]).json["id"]
    b = file(client, world["stranger"], world["deputy_code"], content="同一个路灯坏了。").json["id"]
    screen(app)
    for item_id in (a, b):
        assert step(client, z, item_id, "accept").status_code == 200
    now = utcnow()
    shift(app, a, assigned_dt=now - timedelta(hours=100), accepted_dt=now)
    shift(app, b, assigned_dt=now - timedelta(hours=2), accepted_dt=now)
    assert step(client, world["admin"], a, "merge", into_id=b).status_code == 200
    assert stats(client, world["admin"])["avg_hours_to_accept"] == 2.0
