"""约见代表 in a phone browser outside WeChat: a citizen scans a deputy's or a station's code, asks to
meet (a time they suggest, or a reception day from the plan), follows the request on its page while
the deputy or the station answers through the API, and may cancel; mistakes are said beside their
fields; without JavaScript the form comes back as typed; tap targets and a 320 px screen."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from backend.appointments.models import Appointment
from backend.extensions import db
from schemas.suggestions import PHONE

from .conftest import lose_the_first_answer, phone_page, watch_requests
from .test_citizen_web_details import small_targets

SHOTS = "/tmp"
CHINA = timezone(timedelta(hours=8))


@pytest.fixture
def world(factory):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", address="鹤城区人民路 18 号", open_hours="每周二、周四 9:00-12:00")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[station])
    li = factory.deputy(tree["hc"], "李娜", phone="13800000004", stations=[station], level="county")
    admin = factory.headers_for_admin(factory.admin("chengbei", stations=[station]))
    return {"tree": tree, "station": station, "zhang": zhang, "li": li, "admin": admin}


def china_phone(browser, live_server, external, width=390, height=844):
    """A phone in China's time zone, so the times the page shows can be compared with China's clock."""
    return phone_page(browser, live_server, external, width, height, timezone_id="Asia/Shanghai")


@pytest.fixture
def phone(browser, live_server, external_requests):
    page = china_phone(browser, live_server, external_requests)
    yield page
    page.context.close()


def later(days=2, hour=9):
    return (datetime.now(CHINA) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def weekday_of(moment):
    return "一二三四五六日"[moment.weekday()]


def reception_day(factory, world, deputies, days=3):
    """A 接待选民 day at the station with ``deputies`` invited, 9:00–12:00: (its id, its start)."""
    starts = later(days)
    created = factory.client.post("/api/v1/activities", headers=world["admin"], json={
        "title": "代表进站接待", "type": "reception", "station_id": world["station"].id,
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "deputy_ids": [d.id for d in deputies],
    })
    assert created.status_code == 201, created.json
    return created.json["id"], starts


def open_appointment_tab(page, live_server, code):
    page.goto(f"{live_server}/q/{code}")
    page.click("#tab-appt")
    expect(page.locator("#appt-card")).to_be_visible()
    expect(page.locator("#file-card")).to_be_hidden()


def fill_request(page, contact_phone="13912345678"):
    """A deputy's 约见 form filled in as a citizen would: what about, when, and how to reach them."""
    page.fill("#appt-topic", "想反映噪音扰民")
    page.fill("#appt-preferred_time", "周三下午")
    page.fill("#appt-contact_phone", contact_phone)


def submitted_id(page):
    expect(page.locator("#appt-done")).to_be_visible()
    link = page.locator("#appt-done-link").get_attribute("href")
    return int(link.rsplit("/", 1)[1]), link


def count_appointments(app):
    with app.app_context():
        return db.session.query(Appointment).count()


def test_a_citizen_asks_a_deputy_then_sees_the_confirmation_and_cancels(
        phone, live_server, factory, world, external_requests):
    zhang = world["zhang"]
    phone.goto(f"{live_server}/q/{zhang.qr_code}")
    # Two services on the card's page: filing first, 约见代表 a tab away.
    expect(phone.locator("#tab-file")).to_have_attribute("aria-current", "true")
    expect(phone.locator("#appt-panel")).to_be_hidden()
    phone.click("#tab-appt")
    expect(phone.locator("#tab-appt")).to_have_attribute("aria-current", "true")
    expect(phone.locator("#appt-card h2")).to_have_text("约见张伟代表")
    expect(phone.locator("#file-panel")).to_be_hidden()
    assert phone.url.endswith("#appt-panel")

    # No reception days with this deputy: the time is written, and the form says what it lacks.
    expect(phone.locator("#appt-activity_id")).to_have_count(0)
    phone.fill("#appt-topic", "想当面反映小区加装电梯的困难")
    expect(phone.locator("#appt-counter")).to_have_text("14/500")
    phone.fill("#appt-contact_phone", "139 1234 5678")
    phone.click("#appt-submit")
    expect(phone.locator("#appt-preferred_time-error")).to_have_text("请填写希望见面的时间。")
    expect(phone.locator("#appt-preferred_time")).to_be_focused()
    phone.fill("#appt-preferred_time", "下周二上午")
    expect(phone.locator("#appt-preferred_time-error")).to_be_hidden()
    phone.fill("#appt-name", "王先生")
    phone.screenshot(path=f"{SHOTS}/appointment_form.png", full_page=True)
    phone.click("#appt-submit")
    appointment_id, link = submitted_id(phone)
    number = phone.locator("#appt-done-number").inner_text()
    assert re.fullmatch(r"YJ-\d{8}-\d{6}", number), number
    assert link == f"{live_server}/appointments/{appointment_id}"
    phone.screenshot(path=f"{SHOTS}/appointment_sent.png", full_page=True)

    # The tracking page: 待确认, with what was asked.
    phone.click("#appt-done-open")
    expect(phone.locator("#a-number")).to_have_text(number)
    expect(phone.locator("#a-status")).to_have_text("待确认")
    expect(phone.locator("#a-status-note")).to_contain_text("等待代表或联络站确认")
    expect(phone.locator("#a-target")).to_have_text("张伟 代表（城北联络站）")
    expect(phone.locator("#a-when-label")).to_have_text("希望时间")
    expect(phone.locator("#a-when")).to_have_text("下周二上午")
    expect(phone.locator("#a-topic")).to_have_text("想当面反映小区加装电梯的困难")
    expect(phone.locator("#a-name")).to_have_text("王先生")
    expect(phone.locator("#a-phone")).to_have_text("13912345678")
    expect(phone.locator("#a-meeting")).to_be_hidden()
    expect(phone.locator("#cancel")).to_be_visible()

    # The deputy confirms through the API (as the mini-program does); the page shows the meeting.
    meet = later(2, 15)
    confirmed = factory.client.post(f"/api/v1/appointments/{appointment_id}/confirm", headers=factory.deputy_headers(zhang),
                                    json={"meet_at": meet.isoformat(), "note": "请带上相关材料"})
    assert confirmed.status_code == 200, confirmed.json
    phone.reload()
    expect(phone.locator("#a-status")).to_have_text("已确认")
    meeting = phone.locator("#a-meeting")
    expect(meeting).to_be_visible()
    expect(phone.locator("#a-meet-at")).to_have_text(f"{meet:%Y-%m-%d}（周{weekday_of(meet)}）15:00")
    expect(phone.locator("#a-place")).to_have_text("城北联络站（鹤城区人民路 18 号）")
    expect(phone.locator("#a-confirmed-by")).to_have_text("由张伟代表确认")
    expect(phone.locator("#a-answer-title")).to_have_text("留言")
    expect(phone.locator("#a-answer-text")).to_have_text("请带上相关材料")
    phone.screenshot(path=f"{SHOTS}/appointment_confirmed.png", full_page=True)

    # This browser's list has it beside the suggestions.
    phone.goto(f"{live_server}/track/")
    row = phone.locator("#appts li")
    expect(row).to_have_count(1)
    expect(row.locator(".badge")).to_have_text("已确认")
    expect(row).to_contain_text("见面时间 " + meet.strftime("%Y-%m-%d %H:%M"))
    expect(phone.locator("#empty")).to_be_visible()  # no suggestions filed
    row.locator("a").click()
    expect(phone.locator("#a-number")).to_have_text(number)

    # 取消约见: asked once more, "不取消" leaves it as it was, then cancelled with a reason.
    phone.click("#cancel")
    expect(phone.locator("#cancel-confirm")).to_be_visible()
    expect(phone.locator("#cancel-question")).to_contain_text("确定取消这次约见吗")
    phone.click("#cancel-no")
    expect(phone.locator("#cancel-confirm")).to_be_hidden()
    expect(phone.locator("#a-status")).to_have_text("已确认")
    phone.click("#cancel")
    phone.fill("#cancel-note", "问题已经解决了")
    # The first answer is lost on the way back: the retry goes with the same key and shows it cancelled.
    keys = lose_the_first_answer(phone, "**/cancel")
    phone.click("#cancel-yes")
    expect(phone.locator("#cancel-error")).to_have_text("网络连接不稳定，请检查网络后重试。")
    phone.click("#cancel-yes")
    expect(phone.locator("#a-status")).to_have_text("已取消")
    expect(phone.locator("#load-error")).to_be_hidden()
    expect(phone.locator("#cancel-error")).to_be_hidden()
    assert keys[0] and keys[0] == keys[1]
    expect(phone.locator("#a-status-note")).to_have_text("您已取消这次约见。")
    expect(phone.locator("#a-answer-title")).to_have_text("取消原因")
    expect(phone.locator("#a-answer-text")).to_have_text("问题已经解决了")
    expect(phone.locator("#cancel-card")).to_be_hidden()
    expect(phone.locator("#a-meeting")).to_be_hidden()
    seen = factory.client.get(f"/api/v1/appointments/{appointment_id}", headers=factory.deputy_headers(zhang)).json
    assert (seen["status"], seen["answer"]) == ("cancelled", "问题已经解决了")
    assert external_requests == []


def test_a_station_code_books_a_reception_day_and_a_refusal_is_shown(
        phone, live_server, factory, world, external_requests):
    first_day, starts = reception_day(factory, world, [world["li"]], days=3)
    reception_day(factory, world, [world["zhang"]], days=5)
    open_appointment_tab(phone, live_server, world["station"].qr_code)
    expect(phone.locator("#appt-card h2")).to_have_text("约见进站代表")
    choices = phone.locator("#appt-activity_id .choice")
    expect(choices).to_have_count(3)  # two days and 其他时间
    expect(choices.first).to_contain_text("接待代表：李娜")
    expect(phone.locator("#appt-preferred-field")).to_be_hidden()  # asked for only with 其他时间

    phone.fill("#appt-topic", "反映菜市场周边占道经营的问题")
    phone.fill("#appt-contact_phone", "0745-2345678")
    phone.click("#appt-submit")
    expect(phone.locator("#appt-activity_id-error")).to_contain_text("请选择接待安排")
    phone.locator("label.choice", has_text="其他时间").click()
    expect(phone.locator("#appt-preferred-field")).to_be_visible()
    expect(phone.locator("#appt-activity_id-error")).to_be_hidden()
    choices.first.click()
    expect(phone.locator("#appt-preferred-field")).to_be_hidden()
    phone.screenshot(path=f"{SHOTS}/appointment_station_days.png", full_page=True)
    phone.click("#appt-submit")
    appointment_id, _ = submitted_id(phone)

    asked = factory.client.get(f"/api/v1/appointments/{appointment_id}", headers=world["admin"]).json
    assert (asked["activity"]["id"], asked["deputy"], asked["contact_phone"]) == (first_day, None, "0745-2345678")

    phone.click("#appt-done-open")
    expect(phone.locator("#a-status")).to_have_text("待确认")
    expect(phone.locator("#a-target")).to_have_text("城北联络站（由联络站安排代表接待）")
    expect(phone.locator("#a-when-label")).to_have_text("接待安排")
    expect(phone.locator("#a-when")).to_have_text(f"{starts:%Y-%m-%d}（周{weekday_of(starts)}）09:00–12:00 · 鹤城区人民路 18 号")
    expect(phone.locator(".a-name").first).to_be_hidden()  # no 称呼 given

    # The station cancels that reception day: the page says so, and that the station arranges another.
    cancelled = factory.client.post(f"/api/v1/activities/{first_day}/cancel", headers=world["admin"])
    assert cancelled.status_code == 200, cancelled.json
    phone.reload()
    expect(phone.locator("#a-when")).to_have_text(
        f"{starts:%Y-%m-%d}（周{weekday_of(starts)}）09:00–12:00 · 鹤城区人民路 18 号（该接待日已取消，联络站将另行安排）")
    expect(phone.locator("#a-status")).to_have_text("待确认")
    phone.goto(f"{live_server}/track/")
    expect(phone.locator("#appts li")).to_contain_text("（该接待日已取消）")
    phone.goto(f"{live_server}/appointments/{appointment_id}")

    # The station declines with a reason: the page says so and offers nothing more.
    declined = factory.client.post(f"/api/v1/appointments/{appointment_id}/decline", headers=world["admin"],
                                   json={"reason": "当天接待名额已满，请改约下周"})
    assert declined.status_code == 200, declined.json
    phone.reload()
    expect(phone.locator("#a-status")).to_have_text("已婉拒")
    expect(phone.locator("#a-answer-title")).to_have_text("婉拒理由")
    expect(phone.locator("#a-answer-text")).to_have_text("当天接待名额已满，请改约下周")
    expect(phone.locator("#cancel-card")).to_be_hidden()
    assert "chengbei" not in phone.locator("#appointment").inner_text()  # station staff are not named
    assert external_requests == []


def test_mistakes_are_said_beside_their_fields(phone, live_server, app, factory, world, external_requests):
    day, _ = reception_day(factory, world, [world["zhang"]])
    sent = []
    phone.on("request", lambda r: sent.append(r) if r.method == "POST" and r.url.endswith("/api/v1/appointments") else None)
    open_appointment_tab(phone, live_server, world["zhang"].qr_code)
    phone.click("#appt-submit")
    expect(phone.locator("#appt-topic-error")).to_have_text("请填写约见事项。")
    expect(phone.locator("#appt-topic")).to_have_attribute("aria-invalid", "true")
    phone.fill("#appt-topic", "想反映公交站台积水")
    phone.locator("#appt-activity_id .choice").first.click()

    # A bad phone: the API's own sentence, under the phone field, and nothing sent.
    phone.fill("#appt-contact_phone", "12345")
    phone.click("#appt-submit")
    field_error = phone.locator("#appt-contact_phone-error")
    expect(field_error).to_have_text(PHONE.error)
    expect(phone.locator("#appt-contact_phone")).to_have_attribute("aria-invalid", "true")
    expect(phone.locator("#appt-error")).to_have_text(PHONE.error)  # it names its field already
    phone_box, error_box = phone.locator("#appt-contact_phone").bounding_box(), field_error.bounding_box()
    assert phone_box["y"] < error_box["y"] < phone.locator("#appt-submit").bounding_box()["y"]
    assert sent == []
    phone.fill("#appt-contact_phone", "13912345678")
    expect(field_error).to_be_hidden()

    # What only the server knows, under its field: a topic past 500 characters (a script can put it
    # there past maxlength) ...
    phone.eval_on_selector("#appt-topic", "e => { e.value = '好'.repeat(501); e.dispatchEvent(new Event('input')); }")
    phone.click("#appt-submit")
    expect(phone.locator("#appt-topic-error")).to_contain_text("500")
    expect(phone.locator("#appt-error")).to_have_text(re.compile(r"^约见事项：.*500"))
    assert len(sent) == 1
    phone.fill("#appt-topic", "想反映公交站台积水")
    expect(phone.locator("#appt-topic-error")).to_be_hidden()

    # ... and a reception day cancelled while the page was open.
    assert factory.client.post(f"/api/v1/activities/{day}/cancel", headers=world["admin"]).status_code == 200
    phone.click("#appt-submit")
    expect(phone.locator("#appt-activity_id-error")).to_have_text("所选接待安排不存在、已结束或不接待这次约见，请重新选择。")
    expect(phone.locator("#appt-done")).to_be_hidden()
    assert count_appointments(app) == 0
    phone.locator("label.choice", has_text="其他时间").click()
    phone.fill("#appt-preferred_time", "周末都可以")
    phone.click("#appt-submit")
    submitted_id(phone)
    assert count_appointments(app) == 1
    assert external_requests == []


def test_back_after_asking_shows_the_request_not_the_form_again(phone, live_server, app, world, external_requests):
    open_appointment_tab(phone, live_server, world["zhang"].qr_code)
    fill_request(phone)
    phone.click("#appt-submit")
    appointment_id, _ = submitted_id(phone)
    phone.click("#appt-done-open")
    expect(phone.locator("#a-status")).to_have_text("待确认")
    phone.go_back()
    expect(phone.locator("#appt-done")).to_be_visible()
    expect(phone.locator("#appt-card")).to_be_hidden()
    assert submitted_id(phone)[0] == appointment_id
    assert count_appointments(app) == 1
    assert external_requests == []


def test_a_mobile_number_with_dashes_or_the_country_code_is_taken(phone, live_server, factory, world, external_requests):
    open_appointment_tab(phone, live_server, world["zhang"].qr_code)
    fill_request(phone, "+86 139-1234-5678")
    phone.click("#appt-submit")
    appointment_id, _ = submitted_id(phone)
    seen = factory.client.get(f"/api/v1/appointments/{appointment_id}", headers=factory.deputy_headers(world["zhang"])).json
    assert seen["contact_phone"] == "13912345678"
    assert external_requests == []


def test_busy_while_sending_and_a_retry_after_a_lost_answer_asks_once(
        phone, live_server, app, factory, world, external_requests):
    open_appointment_tab(phone, live_server, world["zhang"].qr_code)
    fill_request(phone)

    # The first answer is lost on the way back (the request did reach the server); the citizen taps again.
    keys = lose_the_first_answer(phone, "**/api/v1/appointments")
    phone.click("#appt-submit")
    expect(phone.locator("#appt-error")).to_contain_text("网络连接不稳定")
    expect(phone.locator("#appt-submit")).to_be_enabled()
    assert count_appointments(app) == 1

    # While the retry is on its way the button is busy.
    phone.unroute("**/api/v1/appointments")
    release = []

    def slow(route):
        keys.append(route.request.headers.get("idempotency-key"))
        release.append(route)

    phone.route("**/api/v1/appointments", slow)
    phone.click("#appt-submit")
    submit = phone.locator("#appt-submit")
    expect(submit).to_be_disabled()
    expect(submit).to_have_text("正在提交…")
    expect(phone.locator("#appt-form")).to_have_attribute("aria-busy", "true")
    while not release:
        phone.wait_for_timeout(50)
    release[0].continue_()
    appointment_id, _ = submitted_id(phone)
    assert keys[0] and keys[0] == keys[1]
    assert count_appointments(app) == 1
    with app.app_context():
        assert db.session.query(Appointment).one().id == appointment_id
    assert external_requests == []


def test_an_appointment_whose_answer_was_lost_is_made_once_after_a_reload(
        phone, live_server, app, factory, world, external_requests):
    """The request reached the server, which made the appointment, and its answer was lost on the way back;
    the citizen reloads and taps 提交约见 again. The form comes back as it was sent, with its
    Idempotency-Key, and the page shows the appointment made the first time instead of asking twice."""
    day, _ = reception_day(factory, world, [world["zhang"]])
    keys = lose_the_first_answer(phone, "**/api/v1/appointments")
    open_appointment_tab(phone, live_server, world["zhang"].qr_code)
    phone.fill("#appt-topic", "想反映噪音扰民")
    phone.locator(f"#appt-activity_id input[value='{day}']").check()
    phone.fill("#appt-name", "王先生")
    phone.fill("#appt-contact_phone", "13912345678")
    phone.click("#appt-submit")
    expect(phone.locator("#appt-error")).to_have_text("网络连接不稳定，请检查网络后重试。")
    with app.app_context():
        first = db.session.query(Appointment).one()
        first_id, number = first.id, first.number

    phone.reload()
    expect(phone.locator("#appt-draft-notice")).to_be_visible()
    expect(phone.locator("#appt-draft-notice")).to_contain_text("您填写的内容已恢复")
    expect(phone.locator("#appt-topic")).to_have_value("想反映噪音扰民")
    expect(phone.locator(f"#appt-activity_id input[value='{day}']")).to_be_checked()
    expect(phone.locator("#appt-name")).to_have_value("王先生")
    expect(phone.locator("#appt-contact_phone")).to_have_value("13912345678")
    phone.click("#appt-submit")
    assert submitted_id(phone)[0] == first_id
    expect(phone.locator("#appt-done-number")).to_have_text(number)
    assert keys[0] and keys == [keys[0], keys[0]]
    assert count_appointments(app) == 1

    # Confirmed, the draft is forgotten: the page opened again has an empty form and no notice.
    open_appointment_tab(phone, live_server, world["zhang"].qr_code)
    expect(phone.locator("#appt-topic")).to_have_value("")
    expect(phone.locator("#appt-draft-notice")).to_be_hidden()
    assert external_requests == []


@pytest.mark.parametrize("reloaded", [True, False], ids=["after-a-reload", "without-a-reload"])
def test_an_appointment_changed_after_its_answer_was_lost_is_not_asked_twice(
        reloaded, phone, live_server, app, world, external_requests):
    """The first request reached the server and its answer was lost; the citizen changes the time and
    sends it again. A new key asked for a second appointment (the audit's #3); now the same key goes, the
    server refuses it for another body (409), and the page shows the first appointment, saying the change
    was not sent. After a reload the tab the citizen was on comes back too, though the address no longer says it."""
    keys = lose_the_first_answer(phone, "**/api/v1/appointments")
    open_appointment_tab(phone, live_server, world["zhang"].qr_code)
    fill_request(phone)
    phone.click("#appt-submit")
    expect(phone.locator("#appt-error")).to_have_text("网络连接不稳定，请检查网络后重试。")
    if reloaded:
        phone.goto(f"{live_server}/q/{world['zhang'].qr_code}")
        expect(phone.locator("#appt-draft-notice")).to_be_visible()
        expect(phone.locator("#appt-preferred_time")).to_have_value("周三下午")

    phone.fill("#appt-preferred_time", "周四上午")
    phone.click("#appt-submit")
    submitted_id(phone)
    expect(phone.locator("#appt-done-earlier")).to_be_visible()
    assert keys[0] and set(keys) == {keys[0]}
    with app.app_context():
        assert [a.preferred_time for a in db.session.query(Appointment)] == ["周三下午"]
    assert external_requests == []


def test_a_request_the_server_refused_is_not_given_back_as_unconfirmed_after_a_reload(
        phone, live_server, app, factory, world, external_requests):
    """A refusal is an answer: nothing was made, and a reload must not say that no answer came (the
    draft kept for a lost answer is forgotten); what was typed comes back as typed, to choose again."""
    day, _ = reception_day(factory, world, [world["li"]], days=3)
    open_appointment_tab(phone, live_server, world["station"].qr_code)
    phone.fill("#appt-topic", "反映菜市场周边占道经营的问题")
    phone.fill("#appt-contact_phone", "0745-2345678")
    phone.locator("#appt-activity_id .choice").first.click()
    # Meanwhile the station cancels that reception day.
    assert factory.client.post(f"/api/v1/activities/{day}/cancel", headers=world["admin"]).status_code == 200
    phone.click("#appt-submit")
    expect(phone.locator("#appt-activity_id-error")).to_contain_text("所选接待安排不存在、已结束或不接待这次约见")

    phone.reload()
    phone.click("#tab-appt")
    expect(phone.locator("#appt-card")).to_be_visible()
    expect(phone.locator("#appt-draft-notice")).to_be_hidden()
    expect(phone.locator("#appt-draft-kept")).to_be_visible()
    expect(phone.locator("#appt-topic")).to_have_value("反映菜市场周边占道经营的问题")
    assert count_appointments(app) == 0
    assert external_requests == []


def test_without_javascript_the_appointment_form_comes_back_as_typed(browser, live_server, app, factory, world):
    day, _ = reception_day(factory, world, [world["zhang"]])
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    try:
        code = world["zhang"].qr_code
        page.goto(f"{live_server}/q/{code}")
        expect(page.locator("#appt-card .noscript-notice")).to_contain_text("本页无法提交约见")
        expect(page.locator("#appt-form")).to_be_visible()  # both services are on the page, one after the other
        page.click("#tab-appt")
        page.fill("#appt-topic", "没有脚本时的约见")
        page.locator(f"#appt-activity_id input[value='{day}']").check()
        page.fill("#appt-contact_phone", "13912345678")
        page.click("#appt-submit")
        page.wait_for_load_state()
        assert page.url == f"{live_server}/q/{code}#appt-panel"
        notice = page.locator("#appt-posted-notice")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text("约见尚未提交")
        expect(page.locator("#appt-topic")).to_have_value("没有脚本时的约见")
        expect(page.locator(f"#appt-activity_id input[value='{day}']")).to_be_checked()
        expect(page.locator("#appt-contact_phone")).to_have_value("13912345678")
        expect(page.locator("#posted-notice")).to_have_count(0)  # the filing form was not the one sent
    finally:
        context.close()
    assert count_appointments(app) == 0


def test_another_browser_cannot_open_the_appointment(phone, live_server, factory, world, external_requests):
    citizen = factory.client.post("/api/v1/auth/web", json={}).json
    asked = factory.client.post("/api/v1/appointments", headers={"Authorization": f"Bearer {citizen['token']}"}, json={
        "qr_code": world["zhang"].qr_code, "topic": "别人的约见事项", "contact_phone": "13912345678",
        "preferred_time": "周五",
    })
    assert asked.status_code == 201, asked.json
    phone.goto(f"{live_server}/q/{world['zhang'].qr_code}")  # this browser has an identity of its own
    phone.evaluate("() => MSB.identify(false)")
    phone.goto(f"{live_server}/appointments/{asked.json['id']}")
    expect(phone.locator("#no-access")).to_be_visible()
    expect(phone.locator("#no-access")).not_to_contain_text("小程序")  # a WeChat account is someone else to us
    expect(phone.locator("#cancel-card")).to_be_hidden()
    content = phone.content()
    assert "别人的约见事项" not in content and "13912345678" not in content
    assert external_requests == []


def test_appointment_pages_fit_a_small_phone_with_big_enough_targets(browser, live_server, factory, world, external_requests):
    reception_day(factory, world, [world["zhang"]])
    page = china_phone(browser, live_server, external_requests, width=320, height=640)
    try:
        open_appointment_tab(page, live_server, world["zhang"].qr_code)
        page.click("#appt-submit")  # with its field errors shown
        expect(page.locator("#appt-topic-error")).to_be_visible()
        assert small_targets(page) == []
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
        page.fill("#appt-topic", "想反映公交站台积水")
        page.locator("#appt-activity_id .choice").first.click()
        page.fill("#appt-contact_phone", "13912345678")
        page.click("#appt-submit")
        submitted_id(page)
        assert small_targets(page) == []
        page.click("#appt-done-open")
        expect(page.locator("#a-status")).to_have_text("待确认")
        page.click("#cancel")
        expect(page.locator("#cancel-confirm")).to_be_visible()
        assert small_targets(page) == []
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
        page.screenshot(path=f"{SHOTS}/appointment_cancel_320.png", full_page=True)
        page.goto(f"{live_server}/track/")
        expect(page.locator("#appts li")).to_have_count(1)
        assert small_targets(page) == []
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    finally:
        page.context.close()
    assert external_requests == []


def test_times_read_in_china_time_on_a_phone_set_to_another_zone(browser, live_server, factory, world, external_requests):
    """A phone kept on Xinjiang time (UTC+6), as many in Xinjiang are, or a traveller's: the meeting and the
    reception day read as the deputy and the station set them, in China time — the time the landing page's
    plan, the console and the WeChat messages say — not two hours earlier."""
    day, starts = reception_day(factory, world, [world["zhang"]], days=3)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="zh-CN", timezone_id="Asia/Urumqi")
    page = context.new_page()
    watch_requests(page, live_server, external_requests)
    try:
        open_appointment_tab(page, live_server, world["zhang"].qr_code)
        expect(page.locator("#appt-activity_id .choice").first).to_contain_text("09:00–12:00")  # the plan, as printed
        page.fill("#appt-topic", "想反映公交站台积水")
        page.locator("#appt-activity_id .choice").first.click()
        page.fill("#appt-contact_phone", "13912345678")
        page.click("#appt-submit")
        appointment_id, _ = submitted_id(page)
        page.click("#appt-done-open")
        expect(page.locator("#a-when")).to_have_text(
            f"{starts:%Y-%m-%d}（周{weekday_of(starts)}）09:00–12:00 · 鹤城区人民路 18 号")

        # 23:30 in China is 21:30 in Urumqi: the day must not slip either (a midnight in between would).
        meet = later(4, 23).replace(minute=30)
        confirmed = factory.client.post(f"/api/v1/appointments/{appointment_id}/confirm",
                                        headers=factory.deputy_headers(world["zhang"]), json={"meet_at": meet.isoformat()})
        assert confirmed.status_code == 200, confirmed.json
        page.reload()
        expect(page.locator("#a-meet-at")).to_have_text(f"{meet:%Y-%m-%d}（周{weekday_of(meet)}）23:30")
        page.goto(f"{live_server}/track/")
        expect(page.locator("#appts li")).to_contain_text("见面时间 " + meet.strftime("%Y-%m-%d %H:%M"))
    finally:
        context.close()
    assert external_requests == []
