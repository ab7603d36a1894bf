"""A citizen outside WeChat, on a phone-sized browser: scan (open /q/{code}), file with a photo, follow,
rate; a revoked code; and nothing requested from outside the application."""
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from backend.extensions import db
from backend.suggestions.models import Suggestion

from ..factories import gps_of, screen
from .conftest import lose_the_first_answer, phone_page, watch_requests

# The phone's GPS 50 m south of the reported crossing (27.5604, 109.9900 on China's maps): a browser
# reports WGS-84, some hundreds of metres from where China's maps draw the same spot.
_lat, _lng = gps_of(27.5600, 109.9900)
PHONE_GPS = {"latitude": _lat, "longitude": _lng, "accuracy": 20}

SHOTS = "/tmp"


def jpeg(width=800, height=600):
    image = Image.new("RGB", (width, height), (90, 120, 160))
    draw = ImageDraw.Draw(image)
    draw.rectangle((200, 150, 600, 450), fill=(230, 200, 60))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@pytest.fixture
def world(factory):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", address="鹤城区人民路 18 号", lat=27.56, lng=109.99,
                              open_hours="每周二、周四 9:00-12:00")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[station], group="鹤城区第一代表小组")
    factory.deputy(tree["hc"], "李娜", phone="13800000004", stations=[station], level="county")
    return {"tree": tree, "station": station, "zhang": zhang}


def test_citizen_files_with_a_photo_then_rates_the_answer(phone, live_server, factory, world, external_requests):
    zhang = world["zhang"]
    phone.goto(f"{live_server}/q/{zhang.qr_code}")
    expect(phone.locator("h1").first).to_have_text("张伟")
    expect(phone.locator(".card-title")).to_have_text("向张伟代表提建议")

    phone.select_option("#category", "城市管理")
    phone.fill("#content", "小区门口的路灯坏了一个月，晚上出行很不方便，希望尽快维修。")
    expect(phone.locator("#counter")).to_have_text("29/1000")
    phone.set_input_files("#photo-input", files=[{"name": "lamp.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    expect(phone.locator("#photos .photo")).to_have_count(1)
    expect(phone.locator("#photos .photo.uploading")).to_have_count(0)
    expect(phone.locator("#photos .photo-state")).to_have_count(0)
    phone.fill("#contact_phone", "13912345678")
    phone.locator("label.switch", has_text="同意公开").click()
    expect(phone.locator("#public_consent")).to_be_checked()
    phone.screenshot(path=f"{SHOTS}/citizen_form.png", full_page=True)

    phone.click("#submit")
    expect(phone.locator("#done")).to_be_visible()
    number = phone.locator("#done-number").inner_text()
    assert re.fullmatch(r"MSB-\d{8}-\d{6}", number), number
    link = phone.locator("#done-link").get_attribute("href")
    assert link.startswith(f"{live_server}/track/")
    phone.screenshot(path=f"{SHOTS}/citizen_filed.png", full_page=True)
    item_id = int(link.rsplit("/", 1)[1])

    # The page stored an anonymous identity in this browser.
    assert phone.evaluate("() => !!localStorage.getItem('msb.web.key')")

    # The deputy accepts and answers through the API, as the mini-program does.
    deputy = factory.deputy_headers(zhang)
    item = factory.client.get(f"/api/v1/suggestions/{item_id}", headers=deputy).json
    assert item["number"] == number and item["contact_phone"] == "13912345678"
    assert item["public_consent"] is True
    # The photo waits for WeChat's image screening (tests/test_photo_screening.py): the deputy does not
    # see it yet; the citizen who took it does (below).
    assert item["attachments"] == []
    assert factory.client.post(f"/api/v1/suggestions/{item_id}/accept", headers=deputy).status_code == 200
    replied = factory.client.post(f"/api/v1/suggestions/{item_id}/reply", headers=deputy,
                                  json={"content": "已联系城管部门，路灯已于今天修复。", "implemented": True})
    assert replied.status_code == 200, replied.json

    # Later, the same browser opens the private tracking link and rates the answer.
    phone.goto(link)
    expect(phone.locator("#d-number")).to_have_text(number)
    expect(phone.locator("#d-status")).to_have_text("已答复")
    expect(phone.locator("#d-reply-text")).to_have_text("已联系城管部门，路灯已于今天修复。")
    expect(phone.locator("#d-implemented")).to_have_text("办理结果：已落实")
    expect(phone.locator("#d-photos img")).to_have_count(1)
    expect(phone.locator("#rate-card")).to_be_visible()
    phone.screenshot(path=f"{SHOTS}/citizen_track_replied.png", full_page=True)
    phone.locator(".segmented label", has_text=re.compile("^满意$")).click()
    phone.fill("#comment", "修得很快，谢谢代表！")
    phone.click("#rate-submit")
    expect(phone.locator("#d-status")).to_have_text("已办结")
    expect(phone.locator("#d-rated")).to_have_text("您的评价：满意")
    expect(phone.locator("#rate-card")).to_be_hidden()
    expect(phone.locator("#timeline li").first).to_contain_text("评价")
    phone.screenshot(path=f"{SHOTS}/citizen_track_closed.png", full_page=True)

    closed = factory.client.get(f"/api/v1/suggestions/{item_id}", headers=deputy).json
    assert closed["status"] == "closed" and closed["satisfaction"] == "satisfied"

    # The list of this browser's items links to it.
    phone.goto(f"{live_server}/track/")
    expect(phone.locator("#items li")).to_have_count(1)
    expect(phone.locator("#items .badge")).to_have_text("已办结")
    assert external_requests == []


def test_back_or_reload_after_filing_shows_the_filed_item_not_the_form_again(phone, live_server, app, world, external_requests):
    phone.goto(f"{live_server}/q/{world['station'].qr_code}")
    phone.select_option("#category", "环境卫生")
    phone.fill("#content", "河边垃圾没人清理")
    phone.click("#submit")
    expect(phone.locator("#done")).to_be_visible()
    number = phone.locator("#done-number").inner_text()
    phone.click("#done-open")
    expect(phone.locator("#d-number")).to_have_text(number)

    # Back on the code's page: what was filed, not the form as it was typed (a second tap filed it twice).
    phone.go_back()
    expect(phone.locator("#done")).to_be_visible()
    expect(phone.locator("#done-number")).to_have_text(number)
    expect(phone.locator("#file-card")).to_be_hidden()
    phone.reload()
    expect(phone.locator("#done-number")).to_have_text(number)
    expect(phone.locator("#file-card")).to_be_hidden()

    # 再提一条 starts an empty form, and a reload then keeps it.
    phone.click("#again")
    expect(phone.locator("#file-card")).to_be_visible()
    expect(phone.locator("#content")).to_have_value("")
    phone.reload()
    expect(phone.locator("#file-card")).to_be_visible()
    expect(phone.locator("#done")).to_be_hidden()
    with app.app_context():
        assert db.session.query(Suggestion).count() == 1
    assert external_requests == []


def file_in_page(page, live_server, code, content):
    """A citizen files ``content`` through ``code`` and reads 提交成功: the item's id."""
    page.goto(f"{live_server}/q/{code}")
    page.select_option("#category", "道路交通")
    page.fill("#content", content)
    page.click("#submit")
    expect(page.locator("#done")).to_be_visible()
    return int(page.locator("#done-link").get_attribute("href").rsplit("/", 1)[1])


def ask_to_meet_in_page(page):
    """On the code's page, a citizen asks to meet a deputy at a time of their own choosing."""
    page.click("#tab-appt")
    page.fill("#appt-topic", "想反映噪音扰民")
    page.fill("#appt-preferred_time", "周三下午")
    page.fill("#appt-contact_phone", "13912345678")
    page.click("#appt-submit")


def test_a_rating_or_withdrawal_whose_answer_was_lost_is_sent_again_once(
        phone, live_server, factory, world, external_requests):
    zhang = world["zhang"]
    phone.goto(f"{live_server}/q/{zhang.qr_code}")
    phone.select_option("#category", "城市管理")
    phone.fill("#content", "路灯坏了")
    phone.click("#submit")
    expect(phone.locator("#done")).to_be_visible()
    link = phone.locator("#done-link").get_attribute("href")
    item_id = int(link.rsplit("/", 1)[1])
    deputy = factory.deputy_headers(zhang)
    assert factory.client.post(f"/api/v1/suggestions/{item_id}/accept", headers=deputy).status_code == 200
    assert factory.client.post(f"/api/v1/suggestions/{item_id}/reply", headers=deputy,
                               json={"content": "已报修。"}).status_code == 200

    phone.goto(link)
    keys = lose_the_first_answer(phone, "**/rate")
    phone.locator(".segmented label", has_text="不满意").click()
    phone.fill("#comment", "还是不亮")
    phone.click("#rate-submit")
    expect(phone.locator("#rate-error")).to_contain_text("网络连接不稳定")
    phone.click("#rate-submit")
    # The rating had arrived: the page shows it taken, the item back with the deputy for a second round.
    expect(phone.locator("#d-status")).to_have_text("办理中")
    expect(phone.locator("#d-flags")).to_contain_text("第 2 轮办理")
    expect(phone.locator("#rate-card")).to_be_hidden()
    expect(phone.locator("#rate-error")).to_be_hidden()
    assert keys[0] and keys[0] == keys[1]
    item = factory.client.get(f"/api/v1/suggestions/{item_id}", headers=deputy).json
    assert [e["action"] for e in item["timeline"]].count("rate") == 1

    # 撤回 on another item, its answer lost too.
    mine = factory.client.post("/api/v1/suggestions", headers={"Authorization": "Bearer " + phone.evaluate(
        "() => localStorage.getItem('msb.web.token')")}, json={
        "qr_code": world["station"].qr_code, "category": "环境卫生", "content": "垃圾桶满了"}).json["id"]
    phone.goto(f"{live_server}/track/{mine}")
    keys = lose_the_first_answer(phone, "**/withdraw")
    phone.click("#withdraw")
    phone.click("#withdraw-yes")
    # Said by the buttons, which stay there to try again.
    expect(phone.locator("#withdraw-error")).to_have_text("网络连接不稳定，请检查网络后重试。")
    expect(phone.locator("#withdraw-yes")).to_be_enabled()
    expect(phone.locator("#withdraw-yes")).to_have_text("确定撤回")
    expect(phone.locator("#withdraw-yes")).to_be_focused()
    expect(phone.locator("#withdraw-no")).to_be_enabled()
    expect(phone.locator("#d-status")).to_have_text("待分派")
    phone.click("#withdraw-yes")
    expect(phone.locator("#d-status")).to_have_text("已撤回")
    expect(phone.locator("#withdraw-card")).to_be_hidden()
    expect(phone.locator("#load-error")).to_be_hidden()
    assert keys[0] and keys[0] == keys[1]
    assert external_requests == []


def test_a_withdrawal_after_the_station_refused_the_item_shows_where_it_stands(
        phone, live_server, factory, world, external_requests):
    item_id = file_in_page(phone, live_server, world["station"].qr_code, "测试一下")
    phone.click("#done-open")
    expect(phone.locator("#d-status")).to_have_text("待分派")
    admin = factory.headers_for_admin(factory.admin("root", region=world["tree"]["root"]))
    assert factory.client.post(f"/api/v1/suggestions/{item_id}/reject", headers=admin,
                               json={"reason": "内容与联络站工作无关"}).status_code == 200

    phone.click("#withdraw")
    phone.click("#withdraw-yes")
    expect(phone.locator("#d-status")).to_have_text("不予受理")
    expect(phone.locator("#load-error")).to_contain_text("不能撤回")
    expect(phone.locator("#withdraw-card")).to_be_hidden()
    expect(phone.locator("#timeline")).to_contain_text("内容与联络站工作无关")
    assert external_requests == []


def test_withdrawing_is_asked_in_the_page_and_thinking_again_keeps_the_item(
        phone, live_server, factory, world, external_requests):
    """撤回 asks in the page, not with the browser's confirm box (which in-app browsers may suppress):
    再想想 keeps the item, 确定撤回 withdraws it; both work from the keyboard."""
    dialogs = []
    phone.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    item_id = file_in_page(phone, live_server, world["station"].qr_code, "路灯坏了")
    phone.click("#done-open")
    expect(phone.locator("#d-status")).to_have_text("待分派")
    panel = phone.locator("#withdraw-confirm")
    expect(panel).to_be_hidden()

    phone.click("#withdraw")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("确定撤回这条建议？撤回后不能恢复。")
    expect(phone.locator("#withdraw-yes")).to_have_text("确定撤回")
    expect(phone.locator("#withdraw-no")).to_have_text("再想想")
    expect(phone.locator("#withdraw-yes")).to_be_focused()
    phone.click("#withdraw-no")
    expect(panel).to_be_hidden()
    expect(phone.locator("#withdraw")).to_be_focused()
    expect(phone.locator("#withdraw")).to_have_attribute("aria-expanded", "false")

    # From the keyboard: Enter opens it, Escape closes it, Enter on 确定撤回 withdraws.
    phone.keyboard.press("Enter")
    expect(phone.locator("#withdraw-yes")).to_be_focused()
    phone.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(phone.locator("#withdraw")).to_be_focused()
    phone.reload()
    expect(phone.locator("#d-status")).to_have_text("待分派")  # nothing was sent

    phone.locator("#withdraw").focus()
    phone.keyboard.press("Enter")
    phone.keyboard.press("Tab")
    expect(phone.locator("#withdraw-no")).to_be_focused()
    phone.keyboard.press("Shift+Tab")
    phone.keyboard.press("Enter")
    expect(phone.locator("#d-status")).to_have_text("已撤回")
    expect(phone.locator("#withdraw-card")).to_be_hidden()
    assert dialogs == []
    admin = factory.headers_for_admin(factory.admin("root", region=world["tree"]["root"]))
    item = factory.client.get(f"/api/v1/suggestions/{item_id}", headers=admin).json
    assert item["status"] == "withdrawn"
    assert [e["action"] for e in item["timeline"]].count("withdraw") == 1
    assert external_requests == []


def test_a_withdrawal_already_made_in_another_tab_is_said_in_the_page(
        phone, live_server, factory, world, external_requests):
    item_id = file_in_page(phone, live_server, world["station"].qr_code, "路灯坏了")
    phone.click("#done-open")
    expect(phone.locator("#d-status")).to_have_text("待分派")
    phone.click("#withdraw")

    # Meanwhile the citizen withdraws it in another tab of the same browser.
    other = phone.context.new_page()
    other.goto(f"{live_server}/track/{item_id}")
    other.click("#withdraw")
    other.click("#withdraw-yes")
    expect(other.locator("#d-status")).to_have_text("已撤回")
    other.close()

    phone.click("#withdraw-yes")
    expect(phone.locator("#load-error")).to_have_text("当前状态为“已撤回”，不能撤回。")
    expect(phone.locator("#d-status")).to_have_text("已撤回")
    expect(phone.locator("#withdraw-card")).to_be_hidden()
    assert external_requests == []


def test_another_browser_cannot_open_the_tracking_link(phone, live_server, factory, world, external_requests):
    citizen = factory.client.post("/api/v1/auth/web", json={}).json
    filed = factory.client.post("/api/v1/suggestions", headers={"Authorization": f"Bearer {citizen['token']}"},
                                json={"qr_code": world["station"].qr_code, "category": "环境卫生", "content": "垃圾桶满了"})
    assert filed.status_code == 201
    phone.goto(f"{live_server}/track/{filed.json['id']}")
    expect(phone.locator("#no-access")).to_be_visible()
    expect(phone.locator("#no-access")).to_contain_text("只能在提交建议时使用的浏览器中打开")
    # What else they can do; not the mini-program, where their WeChat account is someone else to us.
    expect(phone.locator("#no-access")).to_contain_text("凭建议编号向联络站查询")
    expect(phone.locator("#no-access")).not_to_contain_text("小程序")
    assert "垃圾桶满了" not in phone.content()
    assert external_requests == []


def test_nearby_duplicate_is_offered_and_followed(phone, live_server, factory, world, external_requests):
    # Someone already reported the same thing 50 m away, through WeChat.
    wechat = factory.wechat_login("citizen-wang")
    earlier = factory.client.post("/api/v1/suggestions", headers=wechat, json={
        "qr_code": world["station"].qr_code, "category": "道路交通", "content": "人民路口红绿灯不亮，请联系 13912345678",
        "location": {"lat": 27.5604, "lng": 109.9900}, "public_consent": True,  # offered to others only with consent
    })
    assert earlier.status_code == 201, earlier.json
    screen(factory.app)  # other citizens see it once the sweep has screened its text

    phone.context.grant_permissions(["geolocation"], origin=live_server)
    phone.context.set_geolocation(PHONE_GPS)
    phone.goto(f"{live_server}/q/{world['station'].qr_code}")
    expect(phone.locator(".card-title")).to_have_text("向联络站反映问题、提建议")
    expect(phone.locator(".chips li")).to_have_count(2)
    phone.select_option("#category", "道路交通")
    phone.click("#locate")
    expect(phone.locator("#locate-status")).to_contain_text("已获取当前位置")
    expect(phone.locator("#nearby")).to_be_visible()
    expect(phone.locator("#nearby-list li")).to_have_count(1)
    expect(phone.locator(".nearby-text")).to_contain_text("人民路口红绿灯不亮")
    assert "13912345678" not in phone.locator("#nearby").inner_text()
    phone.screenshot(path=f"{SHOTS}/citizen_nearby.png", full_page=True)
    phone.click("text=关注这一条")
    expect(phone.locator(".followed")).to_contain_text("已关注")
    phone.click(".followed a")
    expect(phone.locator("#d-number")).to_have_text(earlier.json["number"])
    expect(phone.locator("#d-status")).to_have_text("待分派")
    # A follower sees the progress but may not withdraw (or rate) someone else's item.
    expect(phone.locator("#withdraw-card")).to_be_hidden()
    expect(phone.locator("#rate-card")).to_be_hidden()
    assert external_requests == []


def test_filing_over_the_limit_shows_a_chinese_sentence(phone, live_server, app, world, external_requests):
    app.config["WEB_FILING_RATE_LIMIT"] = "1 per hour"
    try:
        file_in_page(phone, live_server, world["station"].qr_code, "第一条建议")
        phone.click("#again")
        phone.select_option("#category", "其他")
        phone.fill("#content", "第二条建议")
        phone.click("#submit")
        expect(phone.locator("#form-error")).to_have_text(re.compile(r"^提交太频繁了，请 \d+ 分钟后再试（每小时提交次数有限制）。$"))
        expect(phone.locator("#done")).to_be_hidden()
    finally:
        app.config.pop("WEB_FILING_RATE_LIMIT", None)
    assert external_requests == []


def test_a_new_browser_refused_for_its_networks_share_is_told_so(browser, live_server, app, monkeypatch, world,
                                                                  external_requests):
    """Past the new identities one address may make (WEB_IDENTITY_RATE_LIMIT, others behind the same network),
    a first filing is told the network is shared and what to do, not that it was sent too often; the draft stays."""
    monkeypatch.setitem(app.config, "WEB_IDENTITY_RATE_LIMIT", "1 per hour")
    assert app.test_client().post("/api/v1/auth/web", json={}).status_code == 201  # someone else on this network
    page = phone_page(browser, live_server, external_requests)
    try:
        page.goto(f"{live_server}/q/{world['station'].qr_code}")
        page.select_option("#category", "其他")
        page.fill("#content", "第一次提交的建议")
        page.click("#submit")
        expect(page.locator("#form-error")).to_have_text(re.compile(
            r"^当前网络下使用的人较多，暂时无法为本机登记身份。请 \d+ 分钟后重试，或改用手机流量扫码，也可在微信中扫码提交。$"))
        expect(page.locator("#content")).to_have_value("第一次提交的建议")
    finally:
        page.context.close()
    assert external_requests == []


def test_revoked_code_shows_a_clear_sentence(phone, live_server, factory, world, external_requests):
    admin = factory.headers_for_admin(factory.admin("root", region=world["tree"]["root"]))
    code = world["station"].qr_code
    assert factory.client.post(f"/api/v1/qr/{code}/revoke", headers=admin).status_code == 200
    response = phone.goto(f"{live_server}/q/{code}")
    assert response.status == 410
    expect(phone.locator("h1")).to_have_text("二维码已停用")
    expect(phone.locator(".notice-text")).to_contain_text("这个二维码已停用")
    assert phone.locator("#file-form").count() == 0
    phone.screenshot(path=f"{SHOTS}/citizen_revoked.png", full_page=True)
    assert external_requests == []


def test_an_address_that_is_no_page_answers_with_a_page_not_json(phone, live_server, world, external_requests):
    """A link cut short or mistyped in a chat, a slash added by a scanner app, the site's bare address: a
    page in Chinese with the ways on (it was the API's raw JSON); the API's own answers stay JSON."""
    code = world["station"].qr_code
    for path, status in (("/", 404), ("/q/", 404), (f"/q/{code}/", 404), ("/track/abc", 404),
                         ("/appointments/abc", 404), ("/public/stations/abc", 404), ("/public/suggestions", 404)):
        response = phone.goto(live_server + path)
        assert response.status == status, path
        assert response.headers["content-type"].startswith("text/html"), path
        expect(phone.locator("h1")).to_have_text("页面不存在")
        expect(phone.locator("main")).to_contain_text("您要找的页面不存在")
        expect(phone.locator("main")).not_to_contain_text("not_found")
        expect(phone.locator("a[href='/public/stations']").first).to_be_visible()
        assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390, path
    api = phone.request.get(f"{live_server}/api/v1/nothing-here")
    assert api.status == 404 and api.json() == {"error": "not_found", "message": "您要找的内容不存在。"}
    assert external_requests == []


def test_in_the_last_round_the_rating_form_does_not_promise_another_round(
        phone, live_server, app, factory, world, external_requests):
    """不满意 hands the item back to the deputy only up to MAX_ROUNDS; in the last round it closes the item
    and puts it under supervision (督办), and the form says so before the citizen chooses."""
    assert app.config["MAX_ROUNDS"] == 2
    zhang = world["zhang"]
    item_id = file_in_page(phone, live_server, zhang.qr_code, "路灯坏了")
    deputy = factory.deputy_headers(zhang)
    assert factory.client.post(f"/api/v1/suggestions/{item_id}/accept", headers=deputy).status_code == 200
    assert factory.client.post(f"/api/v1/suggestions/{item_id}/reply", headers=deputy,
                               json={"content": "已报修。"}).status_code == 200

    phone.goto(f"{live_server}/track/{item_id}")
    expect(phone.locator("#rate-hint")).to_have_text("选择“不满意”，建议将重新交办。")
    expect(phone.locator("#comment-need")).to_have_text("选填")
    phone.locator(".segmented label", has_text="不满意").click()
    # The deputy's next round needs to know what was wrong: 不满意 asks for the reason before it is sent.
    expect(phone.locator("#comment-need")).to_have_text("必填")
    phone.click("#rate-submit")
    expect(phone.locator("#rate-error")).to_have_text("请写明不满意的原因，便于代表再次办理。")
    expect(phone.locator("#comment")).to_be_focused()
    phone.fill("#comment", "   ")
    phone.click("#rate-submit")
    expect(phone.locator("#rate-error")).to_have_text("请写明不满意的原因，便于代表再次办理。")
    assert factory.client.get(f"/api/v1/suggestions/{item_id}", headers=deputy).json["status"] == "replied"
    phone.fill("#comment", "路灯还是不亮")
    phone.click("#rate-submit")
    expect(phone.locator("#d-flags")).to_contain_text("第 2 轮办理")
    expect(phone.locator("#comment-need")).to_have_text("选填")

    assert factory.client.post(f"/api/v1/suggestions/{item_id}/reply", headers=deputy,
                               json={"content": "已再次报修。"}).status_code == 200
    phone.reload()
    expect(phone.locator("#rate-card")).to_be_visible()
    expect(phone.locator("#rate-hint")).to_have_text(
        "这是最后一轮办理：选择“不满意”，建议将办结并转入督办，不再重新交办。")
    phone.locator(".segmented label", has_text="不满意").click()
    phone.fill("#comment", "还是不亮")
    phone.click("#rate-submit")
    expect(phone.locator("#d-status")).to_have_text("已办结")
    expect(phone.locator("#d-flags")).to_contain_text("督办中")
    assert external_requests == []


def test_an_activitys_check_in_code_opened_in_a_phone_browser_says_to_scan_it_in_wechat(
        phone, live_server, factory, world, external_requests):
    """A deputy at an activity points the phone's camera, not WeChat, at the screen's check-in code
    (一事一活动码): the page says how to check in, not that the code is invalid."""
    admin = factory.headers_for_admin(factory.admin("root", region=world["tree"]["root"]))
    starts = datetime.now(timezone.utc) + timedelta(minutes=10)
    activity = factory.client.post("/api/v1/activities", headers=admin, json={
        "title": "代表进站接待", "type": "reception", "station_id": world["station"].id,
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "deputy_ids": [world["zhang"].id],
    })
    assert activity.status_code == 201, activity.json
    screen_code = factory.client.get(f"/api/v1/activities/{activity.json['id']}/checkin-code", headers=admin)
    assert screen_code.status_code == 200, screen_code.json
    url = screen_code.json["url"]
    assert url.startswith(f"{live_server}/q/")

    response = phone.goto(url)
    assert response.status == 200
    expect(phone.locator("h1")).to_have_text("请在微信中扫码签到")
    expect(phone.locator(".notice-text")).to_have_text(
        "这是活动现场的签到码，只能在微信中签到：请打开微信“扫一扫”，扫描现场屏幕上的签到码。")
    expect(phone.locator("main")).not_to_contain_text("二维码无效")
    assert phone.locator("#file-form").count() == 0
    assert external_requests == []


def test_a_filing_whose_answer_never_comes_can_be_sent_again_and_is_filed_once(
        phone, live_server, app, world, external_requests):
    """On a flaky network the request reached the server, which filed it, and the answer is stuck on the
    way back: the page does not stay at 正在提交… for ever; it says the network failed, and the tap that
    sends it again (the same Idempotency-Key) shows the item already filed, not a second one."""
    phone.clock.install()
    keys, stuck = [], []

    def answer_never_comes(route):
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            route.fetch()  # filed on the server
            stuck.append(route)  # and its answer never arrives
        else:
            route.continue_()

    phone.route("**/api/v1/suggestions", answer_never_comes)
    phone.goto(f"{live_server}/q/{world['station'].qr_code}")
    phone.select_option("#category", "环境卫生")
    phone.fill("#content", "河边垃圾没人清理")
    phone.click("#submit")
    expect(phone.locator("#submit")).to_have_text("正在提交…")
    expect(phone.locator("#submit")).to_be_disabled()
    # The server has filed it (asked as this browser's citizen, beside the stuck request). The check is
    # not an async function: wait_for_function takes the Promise one returns as a truthy answer and
    # stops at the first try, before the filing reached the server when the machine is slow.
    phone.wait_for_function("""() => {
        if (!window.askingMine) {
            window.askingMine = fetch('/api/v1/suggestions?scope=mine',
                                      {headers: {Authorization: 'Bearer ' + localStorage.getItem('msb.web.token')}})
                .then(mine => mine.ok ? mine.json() : null)
                .then(mine => { window.filedMine = !!mine && mine.total === 1; }, () => {})
                .finally(() => { window.askingMine = null; });
        }
        return window.filedMine === true;
    }""", polling=100)
    assert len(keys) == 1

    phone.clock.run_for(60_000)
    expect(phone.locator("#form-error")).to_have_text("网络连接不稳定，请检查网络后重试。")
    expect(phone.locator("#submit")).to_be_enabled()
    expect(phone.locator("#content")).to_have_value("河边垃圾没人清理")

    phone.click("#submit")
    expect(phone.locator("#done")).to_be_visible()
    assert keys[0] and keys == [keys[0], keys[0]]
    with app.app_context():
        assert db.session.query(Suggestion).count() == 1
    assert external_requests == []


def fill_the_form_with_a_photo_and_the_position(page, live_server, code, content):
    page.context.grant_permissions(["geolocation"], origin=live_server)
    page.context.set_geolocation(PHONE_GPS)
    page.goto(f"{live_server}/q/{code}")
    page.select_option("#category", "环境卫生")
    page.fill("#content", content)
    page.set_input_files("#photo-input", files=[{"name": "river.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    expect(page.locator("#photos .photo")).to_have_count(1)  # the tile is there (its upload began), then done
    expect(page.locator("#photos .photo.uploading")).to_have_count(0)
    page.click("#locate")
    expect(page.locator("#locate-status")).to_contain_text("已获取当前位置")
    page.fill("#address", "河堤公园东门")
    page.fill("#contact_phone", "13912345678")
    page.locator("label.switch", has_text="同意公开").click()


def test_a_filing_whose_answer_was_lost_is_filed_once_after_a_reload(
        phone, live_server, app, world, external_requests):
    """The filing reached the server, which filed it, and its answer was lost on the way back; the citizen
    reloads (the way out everyone knows) and taps 提交建议 again. The draft comes back as it was sent, with
    its Idempotency-Key, and the page shows the item filed the first time instead of filing it again."""
    keys = lose_the_first_answer(phone, "**/api/v1/suggestions")
    fill_the_form_with_a_photo_and_the_position(phone, live_server, world["station"].qr_code, "河边垃圾没人清理")
    phone.click("#submit")
    expect(phone.locator("#form-error")).to_have_text("网络连接不稳定，请检查网络后重试。")
    with app.app_context():
        first = db.session.query(Suggestion).one()
        number, photos = first.number, len(first.attachments)
    assert photos == 1

    phone.reload()
    expect(phone.locator("#draft-notice")).to_be_visible()
    expect(phone.locator("#category")).to_have_value("环境卫生")
    expect(phone.locator("#content")).to_have_value("河边垃圾没人清理")
    expect(phone.locator("#contact_phone")).to_have_value("13912345678")
    expect(phone.locator("#public_consent")).to_be_checked()
    expect(phone.locator("#anonymous")).not_to_be_checked()
    expect(phone.locator("#address")).to_have_value("河堤公园东门")
    expect(phone.locator("#photos .photo img")).to_have_count(1)
    phone.click("#submit")
    expect(phone.locator("#done")).to_be_visible()
    expect(phone.locator("#done-number")).to_have_text(number)
    assert keys[0] and keys == [keys[0], keys[0]]
    with app.app_context():
        filed = db.session.query(Suggestion).one()
        assert (filed.number, filed.address, len(filed.attachments)) == (number, "河堤公园东门", 1)

    # Confirmed, the draft is forgotten: 再提一条 and a reload give an empty form.
    phone.click("#again")
    phone.reload()
    expect(phone.locator("#file-card")).to_be_visible()
    expect(phone.locator("#content")).to_have_value("")
    expect(phone.locator("#draft-notice")).to_be_hidden()
    expect(phone.locator("#photos .photo")).to_have_count(0)
    assert external_requests == []


def test_a_draft_changed_after_its_answer_was_lost_and_a_reload_is_not_filed_again(
        phone, live_server, app, world, external_requests):
    """The first filing reached the server and its answer was lost; after a reload the citizen adds a few
    words. A new key for the changed draft filed the suggestion a second time (the audit's #3); now it
    goes with the same key, the server refuses that key for another text (409), and the page shows the
    first filing, saying the change was not sent (tests/browser/test_citizen_drafts.py has the case where
    the first never arrived, and the changed draft is filed once as it reads)."""
    keys = lose_the_first_answer(phone, "**/api/v1/suggestions")
    phone.goto(f"{live_server}/q/{world['station'].qr_code}")
    phone.select_option("#category", "环境卫生")
    phone.fill("#content", "河边垃圾没人清理")
    phone.click("#submit")
    expect(phone.locator("#form-error")).to_have_text("网络连接不稳定，请检查网络后重试。")
    with app.app_context():
        number = db.session.query(Suggestion).one().number

    phone.reload()
    expect(phone.locator("#content")).to_have_value("河边垃圾没人清理")
    phone.fill("#content", "河边垃圾没人清理，已经一个星期了")
    phone.click("#submit")
    expect(phone.locator("#done")).to_be_visible()
    expect(phone.locator("#done-number")).to_have_text(number)
    expect(phone.locator("#done-earlier")).to_be_visible()
    assert keys[0] and set(keys) == {keys[0]}
    with app.app_context():
        assert [s.content for s in db.session.query(Suggestion)] == ["河边垃圾没人清理"]
    assert external_requests == []


def test_a_browser_that_keeps_no_site_data_is_told_the_link_will_not_work_later(
        browser, phone, live_server, world, external_requests):
    """Site data blocked (a scanner app's bare web view, a browser set so): the identity lives only as
    long as the page, so the private link cannot open the item later; the page says to note the number
    instead of promising the link."""
    code = world["station"].qr_code
    file_in_page(phone, live_server, code, "路灯坏了")
    expect(phone.locator("#done-unkept")).to_be_hidden()

    context = browser.new_context(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True,
                                  locale="zh-CN")
    context.add_init_script("""Object.defineProperty(window, 'localStorage', {
        get() { throw new DOMException('The operation is insecure.', 'SecurityError'); }});""")
    page = context.new_page()
    try:
        file_in_page(page, live_server, code, "井盖丢了")
        unkept = page.locator("#done-unkept")
        expect(unkept).to_be_visible()
        expect(unkept).to_have_text("注意：本浏览器不能保存网站数据，关闭本页后无法再用上面的链接查看。"
                                    "请记下或截图保存编号，可凭编号向联络站查询。")

        ask_to_meet_in_page(page)
        expect(page.locator("#appt-done")).to_be_visible()
        expect(page.locator("#appt-done-unkept")).to_be_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    finally:
        context.close()
    assert external_requests == []


def test_after_filing_on_a_small_phone_the_success_card_is_on_screen(
        browser, live_server, factory, world, external_requests):
    """A station's page is long (its deputies, its reception days): after 提交 the page went to its top,
    the station's card, and 提交成功 with the number was below the screen, as if nothing had happened."""
    for name in ("王秀兰", "陈明", "刘洋"):
        factory.deputy(world["tree"]["hc"], name, stations=[world["station"]], level="county")
    context = browser.new_context(viewport={"width": 320, "height": 568}, is_mobile=True, has_touch=True,
                                  locale="zh-CN")
    page = context.new_page()
    watch_requests(page, live_server, external_requests)
    try:
        file_in_page(page, live_server, world["station"].qr_code, "井盖丢了")
        expect(page.locator("#done h2")).to_be_in_viewport()
        expect(page.locator("#done-number")).to_be_in_viewport()

        page.click("#again")
        expect(page.locator("#file-card h2")).to_be_in_viewport()

        ask_to_meet_in_page(page)
        expect(page.locator("#appt-done h2")).to_be_in_viewport()
        expect(page.locator("#appt-done-number")).to_be_in_viewport()
    finally:
        context.close()
    assert external_requests == []
