"""The console's 约见 pages through the Flask test client: the list in scope, its filters, each answer as a
form (and its refusals, which write nothing), 404 outside the scope, the .xlsx export without phones."""
import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from backend.appointments.models import Appointment
from backend.audit.models import AuditEvent
from backend.db_types import utcnow
from backend.extensions import db
from backend.notifications.models import OutboxMessage

from .factories import sent_statements
from .test_appointments import CHINA, ask, later, reception, world  # noqa: F401  (fixture)
from .test_console_suggestions import (
    _filename,
    _workbook,
    console_login,
    csrf_token,
    flashes,
    form_fields,
    post_form,
)

from .refusals import at_fields, summary

NUMBER = re.compile(r">(YJ-\d{8}-\d{6})</a>")


@pytest.fixture
def more(factory, world):  # noqa: F811
    """A second station in the same county, with its own administrator, and the county's city administrator."""
    south = factory.station(world["tree"]["hc"], "城南联络站")
    factory.admin("chengnan", stations=[south])
    factory.admin("huaihua", region=world["tree"]["hh"])
    return {"south": south, "south_code": south.qr_code}


def numbers(admin, query=""):
    return set(NUMBER.findall(admin.get("/console/appointments" + query).get_data(as_text=True)))


def stored(app, appointment_id):
    with app.app_context():
        db.session.expire_all()
        a = db.session.get(Appointment, appointment_id)
        return a.status.value, a.meet_dt, a.place, a.answer, a.answered_dt


def local(dt):
    """A time as the datetime-local input sends it (China time, no offset)."""
    return dt.astimezone(CHINA).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def station_request(client, world):  # noqa: F811
    """A request through the station's code: no deputy, the station's administrators answer it."""
    response = ask(client, world["citizen"], world["station_code"], name="王先生")
    assert response.status_code == 201, response.json
    return response.json


def test_the_pages_need_a_signed_in_administrator(client, station_request):
    for path in ("/console/appointments", f"/console/appointments/{station_request['id']}",
                 "/console/appointments/export.xlsx"):
        response = client.get(path)
        assert response.status_code == 302 and "/console/login" in response.headers["Location"], path


def test_each_administrator_sees_the_requests_in_their_scope(app, client, world, more):  # noqa: F811
    north = ask(client, world["citizen"], world["station_code"]).json
    to_zhang = ask(client, world["stranger"], world["zhang_code"]).json
    south = ask(client, world["citizen"], more["south_code"]).json

    chengbei = console_login(app, "chengbei")
    assert numbers(chengbei) == {north["number"], to_zhang["number"]}
    assert numbers(console_login(app, "chengnan")) == {south["number"]}
    assert numbers(console_login(app, "huaihua")) == {north["number"], to_zhang["number"], south["number"]}
    changsha = console_login(app, "changsha")
    assert numbers(changsha) == set() and numbers(changsha, "?status=all") == set()

    # The same as the API's scope=handling for an administrator.
    api = client.get("/api/v1/appointments?scope=handling", headers=world["admin"]).json
    assert {a["number"] for a in api["items"]} == numbers(chengbei)

    # The navigation leads here; the dashboard counts what waits for an answer, and leads to it.
    dashboard = chengbei.get("/console/").get_data(as_text=True)
    assert '<a href="/console/appointments">约见</a>' in dashboard
    card = re.search(r'<a class="kpi kpi-alert" href="([^"]+)"><span class="kpi-label">待确认约见</span>'
                     r'<strong id="kpi-appointments">(\d+)</strong>', dashboard)
    assert card.group(2) == "2"
    assert numbers(chengbei, html.unescape(card.group(1)).removeprefix("/console/appointments")) == {
        north["number"], to_zhang["number"]}
    assert re.search(r'id="kpi-appointments">0<', changsha.get("/console/").get_data(as_text=True))


def test_the_list_shows_what_the_station_needs_to_answer(app, client, world, station_request):  # noqa: F811
    day = reception(client, world, [world["li"]])
    booked = ask(client, world["stranger"], world["station_code"], activity_id=day, preferred_time="", name="赵女士").json
    page = console_login(app, "chengbei").get("/console/appointments").get_data(as_text=True)
    rows = {n: row for row in re.findall(r"<tr>(.*?)</tr>", page, re.S) for n in NUMBER.findall(row)}
    row = rows[station_request["number"]]
    for shown in ("待确认", "想当面反映小区加装电梯的困难", "联络站", "城北联络站", "下周二上午", "王先生", "13912345678"):
        assert shown in row, shown
    assert "代表进站接待" in rows[booked["number"]] and "赵女士" in rows[booked["number"]]
    # 待确认 oldest first (answered in turn); times in China time.
    assert page.index(station_request["number"]) < page.index(booked["number"])
    created = utcnow().astimezone(CHINA).strftime("%Y-%m-%d")
    assert created in row

    # The reception day cancelled since: the list and the request's page say so beside it.
    assert "已取消" not in rows[booked["number"]]
    assert client.post(f"/api/v1/activities/{day}/cancel", headers=world["admin"]).status_code == 200
    admin = console_login(app, "chengbei")
    page = admin.get("/console/appointments").get_data(as_text=True)
    rows = {n: row for row in re.findall(r"<tr>(.*?)</tr>", page, re.S) for n in NUMBER.findall(row)}
    assert "（该接待日已取消）" in rows[booked["number"]]
    detail = admin.get(f"/console/appointments/{booked['id']}").get_data(as_text=True)
    assert "（该接待日已取消，请另行确认时间或婉拒）" in detail


def test_filters_and_pages(app, client, world, more):  # noqa: F811
    waiting = ask(client, world["citizen"], world["station_code"], topic="楼道堆放杂物", name="李阿姨").json
    to_zhang = ask(client, world["stranger"], world["zhang_code"], topic="停车位不足").json
    confirmed = ask(client, world["citizen"], world["li_code"], topic="垃圾分类").json
    declined = ask(client, world["citizen"], world["station_code"], topic="噪音扰民").json
    admin = console_login(app, "huaihua")
    south = ask(client, world["citizen"], more["south_code"], topic="路灯不亮").json
    post_form(admin, f"/console/appointments/{confirmed['id']}/confirm", {"meet_at": local(later(2, 10))})
    post_form(admin, f"/console/appointments/{declined['id']}/decline", {"reason": "已转交社区处理"})

    pending = {waiting["number"], to_zhang["number"], south["number"]}
    assert numbers(admin) == pending  # 待确认 by default
    assert numbers(admin, "?status=requested") == pending
    assert numbers(admin, "?status=confirmed") == {confirmed["number"]}
    assert numbers(admin, "?status=declined") == {declined["number"]}
    assert numbers(admin, "?status=all") == pending | {confirmed["number"], declined["number"]}
    assert numbers(admin, f"?status=all&station_id={more['south'].id}") == {south["number"]}
    assert numbers(admin, "?status=all&q=停车") == {to_zhang["number"]}
    assert numbers(admin, "?status=all&q=李阿姨") == {waiting["number"]}
    assert numbers(admin, f"?status=all&q={declined['number'].lower()}") == {declined["number"]}
    assert numbers(admin, "?status=all&q=100%") == set()
    # Nonsense filters fall back to the defaults, never a 500.
    assert numbers(admin, "?status=nope&station_id=abc&page=-3&q=%00") == pending
    page = admin.get("/console/appointments").get_data(as_text=True)
    assert re.search(r'<a href="/console/appointments" class="active quick-emphasis">待确认</a>', page)

    for n in range(19):
        ask(client, world["citizen"], world["station_code"], topic=f"第 {n} 个约见")
    first = admin.get("/console/appointments").get_data(as_text=True)
    assert "第 1 / 2 页" in first and len(NUMBER.findall(first)) == 20
    second = admin.get("/console/appointments?page=2").get_data(as_text=True)
    assert len(NUMBER.findall(second)) == 2
    # The request's page leads back to the list as it was left.
    detail = admin.get(f"/console/appointments/{waiting['id']}").get_data(as_text=True)
    back = re.search(r'<a class="button secondary" href="([^"]+)" id="back-to-list">', detail).group(1)
    assert html.unescape(back) == "/console/appointments?page=2"


def test_the_station_confirms_a_station_code_request_then_moves_it(app, client, world, station_request):  # noqa: F811
    admin = console_login(app, "chengbei")
    path = f"/console/appointments/{station_request['id']}"
    page = admin.get(path).get_data(as_text=True)
    for label in ("见面时间（北京时间）", "见面地点（可选）", "给群众的说明（可选）", "婉拒理由（群众可见）"):
        assert label in page, label
    assert "留空则为：城北联络站（人民路 18 号）" in page
    assert 'data-confirm="婉拒后群众会收到通知' in page
    assert "群众未约定时间、直接来站并已当面接待的，可直接标记" in page  # a walk-in, received at once

    meet = later(2, 15)
    done = post_form(admin, f"{path}/confirm", {"meet_at": local(meet), "place": " ", "note": "请带上相关材料"})
    assert done.status_code == 302 and done.headers["Location"].endswith(path)
    after = admin.get(path)
    assert flashes(after) == ["已确认约见，已通知群众。"]
    text = after.get_data(as_text=True)
    assert 'id="appointment-status">已确认<' in text and meet.strftime("%Y-%m-%d %H:%M") in text
    assert stored(app, station_request["id"])[:4] == ("confirmed", meet, "城北联络站（人民路 18 号）", "请带上相关材料")
    seen = client.get(f"/api/v1/appointments/{station_request['id']}", headers=world["citizen"]).json
    assert (seen["status"], seen["answered_by"]) == ("confirmed", None)  # staff are not named to citizens

    # 改约: the form holds the agreed time and place.
    assert f'value="{local(meet)}"' in text and "改约" in text
    moved = post_form(admin, f"{path}/confirm", {"meet_at": local(later(3, 9)), "place": "社区居委会二楼"})
    assert flashes(admin.get(moved.headers["Location"])) == ["已改约，已通知群众新的时间地点。"]
    assert stored(app, station_request["id"])[1:3] == (later(3, 9), "社区居委会二楼")

    # 改约 with nothing changed (the form sent again as it was offered): said so, nothing stored anew.
    kept = stored(app, station_request["id"])
    again = post_form(admin, f"{path}/confirm", {"meet_at": local(later(3, 9)), "place": "社区居委会二楼"})
    assert flashes(admin.get(again.headers["Location"])) == ["见面时间、地点和说明都没有改变，未重复通知群众。"]
    assert stored(app, station_request["id"]) == kept
    # The place box left blank at 改约 keeps the place agreed, as the page says.
    assert "留空则为：社区居委会二楼" in admin.get(path).get_data(as_text=True)
    blank = post_form(admin, f"{path}/confirm", {"meet_at": local(later(3, 10)), "place": ""})
    assert blank.status_code == 302 and stored(app, station_request["id"])[1:3] == (later(3, 10), "社区居委会二楼")


def test_refused_answers_come_back_as_typed_and_write_nothing(app, client, world, station_request):  # noqa: F811
    admin = console_login(app, "chengbei")
    path = f"/console/appointments/{station_request['id']}"
    before = stored(app, station_request["id"])
    assert before[0] == "requested"

    past = utcnow() - timedelta(hours=3)
    for typed, message in (
        (local(past), "见面时间须晚于现在。"),
        ("", "请填写见面时间。"),
        ("明天上午", "见面时间格式不正确，请重新选择。"),
        ("1999-01-01T09:00", "日期须在"),
        ("2062-05-06T09:00", "见面时间须在一年之内"),  # a mistyped year
    ):
        refused = post_form(admin, f"{path}/confirm", {"meet_at": typed, "place": "二楼会议室", "note": "请准时到"})
        assert refused.status_code == 422, typed
        # Under the time box, named at the top; the form as typed.
        shown = at_fields(refused)
        assert list(shown) == ["meet_at"] and shown["meet_at"].startswith(message), shown
        assert summary(refused) == "有 1 处需要修改：见面时间。" and flashes(refused) == []
        page = refused.get_data(as_text=True)
        assert f'name="meet_at" value="{typed}"' in page and 'value="二楼会议室"' in page and ">请准时到</textarea>" in page
    too_long = post_form(admin, f"{path}/confirm", {"meet_at": local(later()), "place": "楼" * 256})
    assert at_fields(too_long) == {"place": "见面地点不能超过 255 个字。"} and flashes(too_long) == []
    # The place box is read with its hint (where a blank place is) and the reason.
    assert re.search(r'name="place"[^>]*aria-describedby="confirm-place-hint field-place-error"', too_long.get_data(as_text=True))

    blank = post_form(admin, f"{path}/decline", {"reason": "   "})
    assert (blank.status_code, at_fields(blank), flashes(blank)) == (422, {"reason": "请填写婉拒理由。"}, [])
    assert summary(blank) == "有 1 处需要修改：婉拒理由。"
    assert stored(app, station_request["id"]) == before

    # Wrong status: once declined, nothing more.
    declined = post_form(admin, f"{path}/decline", {"reason": "代表近期外出学习"})
    assert flashes(admin.get(declined.headers["Location"])) == ["已婉拒约见，已通知群众。"]
    declined_state = stored(app, station_request["id"])
    assert declined_state[0] == "declined" and declined_state[3] == "代表近期外出学习"
    again = post_form(admin, f"{path}/confirm", {"meet_at": local(later())})
    assert (again.status_code, flashes(again)) == (409, ["约见已婉拒，不能确认约见。"])
    assert at_fields(again) == {} and summary(again) is None
    assert "没有需要处理的操作" in again.get_data(as_text=True)
    assert stored(app, station_request["id"]) == declined_state


def test_completing_a_meeting_once_its_time_has_come(app, client, world):  # noqa: F811
    appointment = ask(client, world["citizen"], world["zhang_code"]).json
    admin = console_login(app, "chengbei")  # the deputy's station's administrator answers too
    path = f"/console/appointments/{appointment['id']}"
    post_form(admin, f"{path}/confirm", {"meet_at": local(later(2, 9))})
    early = post_form(admin, f"{path}/complete", {"record": "听取了意见"})
    assert (early.status_code, flashes(early)) == (409, ["约定的见面时间还没到，不能标记为已接待。"])
    assert ">听取了意见</textarea>" in early.get_data(as_text=True)
    with app.app_context():
        db.session.execute(update(Appointment).values(meet_dt=utcnow() - timedelta(hours=2)))
        db.session.commit()
    done = post_form(admin, f"{path}/complete", {"record": "已当面听取意见，转社区协调"})
    assert flashes(admin.get(done.headers["Location"])) == ["已标记为已接待。"]
    assert stored(app, appointment["id"])[0::3] == ("completed", "已当面听取意见，转社区协调")
    assert numbers(admin, "?status=completed") == {appointment["number"]}


def test_a_citizen_who_walks_in_is_marked_received_from_the_request(app, client, world, station_request):  # noqa: F811
    """The citizen who asked through the station's code walks in and is received there and then: the
    station marks the 待确认 request 已接待 on its page, met now at the station, and the citizen is told."""
    admin = console_login(app, "chengbei")
    path = f"/console/appointments/{station_request['id']}"
    before = utcnow()
    done = post_form(admin, f"{path}/complete", {"record": "群众来站当面反映，已记录"})
    assert done.status_code == 302 and done.headers["Location"].endswith(path)
    after = admin.get(path)
    assert flashes(after) == ["已标记为已接待，已通知群众。"]
    assert 'id="appointment-status">已接待<' in after.get_data(as_text=True)
    status, met, place, record, _ = stored(app, station_request["id"])
    assert (status, place, record) == ("completed", "城北联络站（人民路 18 号）", "群众来站当面反映，已记录")
    assert before - timedelta(seconds=1) <= met <= utcnow()
    assert numbers(admin, "?status=completed") == {station_request["number"]}


def test_a_request_outside_the_scope_is_a_404_page(app, client, world, more, station_request):  # noqa: F811
    before = stored(app, station_request["id"])
    for username in ("changsha", "chengnan"):
        other = console_login(app, username)
        page = other.get(f"/console/appointments/{station_request['id']}")
        assert (page.status_code, page.mimetype) == (404, "text/html"), username
        assert "约见不存在，或不在您的管理范围内。" in page.get_data(as_text=True)
        token = csrf_token(other, "/console/appointments")
        for action, data in (("confirm", {"meet_at": local(later())}), ("decline", {"reason": "没空"}), ("complete", {})):
            response = other.post(f"/console/appointments/{station_request['id']}/{action}", data={"csrf_token": token, **data})
            assert response.status_code == 404, (username, action)
    assert console_login(app, "chengbei").get("/console/appointments/2147483648").status_code == 404
    assert stored(app, station_request["id"]) == before


def test_a_concurrent_answer_is_reported_not_overwritten(app, client, world, station_request, monkeypatch):  # noqa: F811
    """Someone else answers between the page's read and its write: the version check refuses the second."""
    from backend.console import appointments as pages

    admin = console_login(app, "chengbei")
    path = f"/console/appointments/{station_request['id']}"
    original = pages.services.decline

    def declined_meanwhile(appointment, user, reason):
        with db.engine.begin() as conn:  # another request, committed first
            conn.execute(update(Appointment).where(Appointment.id == appointment.id).values(
                status="confirmed", meet_dt=later(4, 9), version=Appointment.version + 1))
        return original(appointment, user, reason)

    monkeypatch.setattr(pages.services, "decline", declined_meanwhile)
    token = csrf_token(admin, path)
    refused = admin.post(f"{path}/decline", data={"csrf_token": token, "reason": "时间冲突"})
    assert (refused.status_code, flashes(refused)) == (409, ["这条约见刚刚被其他人修改过，请刷新后重试。"])
    assert ">时间冲突</textarea>" in refused.get_data(as_text=True)
    assert 'id="appointment-status">已确认<' in refused.get_data(as_text=True)  # the page as it is saved now
    assert stored(app, station_request["id"])[0::3] == ("confirmed", "")


def test_export_follows_the_filters_without_phone_numbers(app, client, world, more, station_request):  # noqa: F811
    other = ask(client, world["stranger"], world["zhang_code"], contact_phone="13700001111", name="赵女士").json
    admin = console_login(app, "chengbei")
    post_form(admin, f"/console/appointments/{other['id']}/confirm", {"meet_at": local(later(2, 10))})

    response = admin.get("/console/appointments/export.xlsx?status=all")
    assert _filename(response).startswith("约见清单-") and _filename(response).endswith(".xlsx")
    rows = list(_workbook(response)["约见清单"].values)
    assert rows[0][:5] == ("编号", "提交时间", "状态", "约见事由", "约见对象")
    assert {(r[0], r[2], r[4]) for r in rows[1:]} == {
        (station_request["number"], "待确认", "联络站安排"), (other["number"], "已确认", "张伟")}
    cells = [str(cell) for row in rows for cell in row]
    assert not any("13912345678" in c or "13700001111" in c or "赵女士" in c or "王先生" in c for c in cells)

    # The list's export link carries the filter shown.
    page = admin.get("/console/appointments?status=confirmed").get_data(as_text=True)
    link = html.unescape(re.search(r'<a class="button secondary" href="([^"]+)">导出当前筛选', page).group(1))
    only = list(_workbook(admin.get(link))["约见清单"].values)
    assert [r[0] for r in only[1:]] == [other["number"]]
    default = list(_workbook(admin.get("/console/appointments/export.xlsx"))["约见清单"].values)
    assert [r[0] for r in default[1:]] == [station_request["number"]]

    outsider = console_login(app, "changsha")
    assert list(_workbook(outsider.get("/console/appointments/export.xlsx?status=all"))["约见清单"].values)[1:] == []



def test_the_export_reads_in_batches_and_keeps_every_row(app, client, world, more, station_request, monkeypatch):  # noqa: F811
    """At a province's size the export read every request (up to the cap) with its station, deputy and reception
    day as ORM objects before writing a row (+300 MB for 50,000): it reads the columns it shows, a batch at a
    time, newest first as on screen, up to MAX_EXPORT_ROWS."""
    from backend.console import exports

    day = reception(client, world, [world["zhang"]])
    booked = ask(client, world["stranger"], world["station_code"], activity_id=day, preferred_time="").json
    numbers = [station_request["number"], booked["number"]]
    for n in range(3):
        asked = ask(client, world["citizen"], world["zhang_code"], topic=f"第{n}件事")
        assert asked.status_code == 201, asked.json
        numbers.append(asked.json["number"])
    admin = console_login(app, "chengbei")
    monkeypatch.setattr(exports, "EXPORT_BATCH", 2)
    with sent_statements(app) as sent:
        rows = list(_workbook(admin.get("/console/appointments/export.xlsx?status=all"))["约见清单"].values)
    assert rows[0] == ("编号", "提交时间", "状态", "约见事由", "约见对象", "联络站", "接待安排 / 希望时间",
                       "见面时间", "见面地点", "答复说明", "答复时间")
    assert [r[0] for r in rows[1:]] == numbers[::-1]  # newest first, across three batches
    assert rows[1][3:7] == ("第2件事", "张伟", "城北联络站", "下周二上午")
    assert rows[-1][4:6] == ("联络站安排", "城北联络站")
    assert rows[-2][6].startswith("代表进站接待 ")  # the reception day chosen, with its time
    reads = [s for s in sent if "FROM appointments" in s]
    assert len(reads) == 3  # a batch at a time
    assert not any("appointments.contact_phone" in s for s in sent)  # columns, not requests as objects

    assert _workbook(admin.get("/console/appointments/export.xlsx?status=all")).sheetnames == ["约见清单"]

    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 3)  # the cap holds across batches, and the file says so
    book = _workbook(admin.get("/console/appointments/export.xlsx?status=all"))
    capped = list(book["约见清单"].values)
    assert [r[0] for r in capped[1:]] == numbers[::-1][:3]
    assert book.sheetnames == ["导出说明", "约见清单"]
    assert list(book["导出说明"].values)[0][0] == "“约见清单”表仅含前 3 行（共 5 行），请缩小筛选范围后分别导出。"
    logged = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "exported").order_by(AuditEvent.id)).all()[-1]
    assert (logged.detail["rows"], logged.detail["capped"], logged.detail["matched"]) == (3, True, 5)


def test_a_confirmation_sent_twice_tells_the_citizen_once(app, client, world, station_request):  # noqa: F811
    """确认 double-clicked: the second post found the meeting agreed, took it for 改约 and told the citizen
    the meeting had moved. A form sent again now answers as the first did (console.once)."""
    admin = console_login(app, "chengbei")
    path = f"/console/appointments/{station_request['id']}"
    fields = form_fields(admin, path, f"{path}/confirm")
    assert fields.get("form_key")
    meet = later(2, 15)
    for _ in range(2):
        sent = admin.post(f"{path}/confirm", data=fields | {"meet_at": local(meet), "note": "请带上相关材料"})
        assert sent.status_code == 302 and sent.headers["Location"].endswith(path)
        assert flashes(admin.get(path)) == ["已确认约见，已通知群众。"]
    with app.app_context():
        told = db.session.scalars(select(OutboxMessage.dedupe_key).where(
            OutboxMessage.template == "appointment_result")).all()
    assert len(told) == 1 and told[0].startswith(f"appointment-result:{station_request['id']}:confirmed")


def test_a_request_from_a_phone_browser_says_the_citizen_must_be_phoned(app, client, world):  # noqa: F811
    """Asked in a phone browser, outside WeChat, the request has no WeChat user to tell: the page says so, and
    each answer's message gives the number to call instead of 已通知群众."""
    from .test_web_pages import bearer, web_identity

    browser = bearer(web_identity(client)["token"])
    asked = ask(client, browser, world["station_code"], name="王先生", contact_phone="13700001111")
    assert asked.status_code == 201, asked.json
    admin = console_login(app, "chengbei")
    path = f"/console/appointments/{asked.json['id']}"
    page = admin.get(path).get_data(as_text=True)
    assert "通过手机浏览器提交，收不到微信通知，答复后请电话告知：13700001111" in page

    post_form(admin, f"{path}/confirm", {"meet_at": local(later(2, 15)), "place": "", "note": ""})
    assert flashes(admin.get(path)) == ["已确认约见。群众通过手机浏览器提交，收不到微信通知，请电话告知：13700001111。"]
    post_form(admin, f"{path}/confirm", {"meet_at": local(later(3, 9)), "place": "社区居委会二楼"})
    assert flashes(admin.get(path)) == ["已改约。群众通过手机浏览器提交，收不到微信通知，请电话告知新的时间地点：13700001111。"]

    declined = ask(client, browser, world["station_code"], contact_phone="13700001111").json
    post_form(admin, f"/console/appointments/{declined['id']}/decline", {"reason": "该事项不属于本站受理范围"})
    assert flashes(admin.get(f"/console/appointments/{declined['id']}")) == [
        "已婉拒约见。群众通过手机浏览器提交，收不到微信通知，请电话告知：13700001111。"]

    walked_in = ask(client, browser, world["station_code"], contact_phone="13700001111").json
    post_form(admin, f"/console/appointments/{walked_in['id']}/complete", {"record": "当面听取了意见"})
    assert flashes(admin.get(f"/console/appointments/{walked_in['id']}")) == ["已标记为已接待。"]

    # A request from the mini-program still reads 已通知群众, and its page says nothing of a browser.
    in_wechat = ask(client, world["citizen"], world["station_code"]).json
    assert "手机浏览器" not in admin.get(f"/console/appointments/{in_wechat['id']}").get_data(as_text=True)


def _awaiting(admin, **filters):
    page = admin.get("/console/", query_string=filters)
    assert page.status_code == 200
    return int(re.search(r'id="kpi-appointments">(\d+)<', page.get_data(as_text=True)).group(1))


def test_the_dashboards_awaiting_figure_follows_its_filters(app, client, world, more, factory):  # noqa: F811
    """待确认约见 counted every request in the administrator's scope whatever the dashboard was narrowed to
    (a region, a station, a period of 提交日期), beside figures that were narrowed."""
    factory.admin("province", region=world["tree"]["root"])
    yuelu = factory.station(world["tree"]["yl"], "岳麓联络站")
    north = ask(client, world["citizen"], world["station_code"]).json
    ask(client, world["stranger"], world["zhang_code"])
    ask(client, world["citizen"], more["south_code"])
    ask(client, world["stranger"], yuelu.qr_code)
    # One of the north station's answered: no longer awaiting, whatever the filter.
    assert client.post(f"/api/v1/appointments/{north['id']}/decline", headers=world["admin"],
                       json={"reason": "代表近期外出学习。"}).status_code == 200
    today = utcnow().astimezone(CHINA).date()
    tomorrow = (today + timedelta(days=1)).isoformat()
    province = console_login(app, "province")
    assert _awaiting(province) == 3
    assert _awaiting(province, region_id=world["tree"]["hc"].id) == 2
    assert _awaiting(province, region_id=world["tree"]["cs"].id) == 1
    assert _awaiting(province, station_id=more["south"].id) == 1
    assert _awaiting(province, station_id=world["station"].id) == 1
    assert _awaiting(province, **{"from": tomorrow}) == 0
    assert _awaiting(province, to=(today - timedelta(days=1)).isoformat()) == 0
    assert _awaiting(province, **{"from": today.isoformat(), "to": today.isoformat()}) == 3
    # Still within the administrator's own scope: the county's station asked for by the other city's is not found.
    assert console_login(app, "changsha").get("/console/", query_string={"station_id": world["station"].id}
                                              ).status_code == 404
    # The figure leads to the list narrowed to the same station.
    page = province.get("/console/", query_string={"station_id": more["south"].id}).get_data(as_text=True)
    link = re.search(r'<a class="kpi kpi-alert" href="([^"]+)"><span class="kpi-label">待确认约见', page).group(1)
    assert numbers(province, html.unescape(link).removeprefix("/console/appointments")) == numbers(
        console_login(app, "chengnan"))
