"""The public pages in a real browser: a station's page on a phone with its published item, and the
leaderboard and statistics on a big screen; none of them requests anything outside the application."""
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from ..factories import screen
from .test_citizen_web_details import small_targets

SHOTS = "/tmp"
CHINA = timezone(timedelta(hours=8))


@pytest.fixture
def world(factory):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", address="鹤城区人民路 18 号", lat=27.56, lng=109.99,
                              open_hours="每周二、周四 9:00-12:00", description="城北街道中心联络站，设在街道便民服务中心二楼。")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[station])
    li = factory.deputy(tree["hc"], "李娜", phone="13800000004", stations=[station], level="county")
    admin = factory.headers_for_admin(factory.admin("root", region=tree["root"]))
    return {"tree": tree, "station": station, "zhang": zhang, "li": li, "admin": admin}


def closed_item(factory, deputy, content, public_consent=True, js_code="citizen-wang", satisfaction="satisfied"):
    client = factory.client
    citizen = factory.wechat_login(js_code)
    deputy_headers = factory.deputy_headers(deputy)
    filed = client.post("/api/v1/suggestions", headers=citizen, json={
        "qr_code": deputy.qr_code, "category": "城市管理", "content": content, "public_consent": public_consent,
    })
    assert filed.status_code == 201, filed.json
    item_id = filed.json["id"]
    screen(factory.app)  # the sweep screens the text: only screened text is ever published
    assert client.post(f"/api/v1/suggestions/{item_id}/accept", headers=deputy_headers).status_code == 200
    assert client.post(f"/api/v1/suggestions/{item_id}/reply", headers=deputy_headers,
                       json={"content": "已协调城管部门处理，维修已完成。", "implemented": True}).status_code == 200
    rated = client.post(f"/api/v1/suggestions/{item_id}/rate", headers=citizen, json={"satisfaction": satisfaction})
    assert rated.json["status"] == "closed", rated.json
    return rated.json


def reception(factory, world, days_ahead=3):
    starts = (datetime.now(CHINA) + timedelta(days=days_ahead)).replace(hour=9, minute=0, second=0, microsecond=0)
    created = factory.client.post("/api/v1/activities", headers=world["admin"], json={
        "title": "进站接待选民", "type": "reception", "station_id": world["station"].id,
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "deputy_ids": [world["zhang"].id, world["li"].id],
    })
    assert created.status_code == 201, created.json
    return starts


def test_public_station_page_on_a_phone_shows_the_published_item(phone, live_server, factory, world, external_requests):
    closed_item(factory, world["zhang"], "人民路 12 号楼前的路灯坏了，晚上很黑。有事请打 13912345678。")
    closed_item(factory, world["zhang"], "这一条群众没有同意公开", public_consent=False, js_code="citizen-zhao")
    starts = reception(factory, world)

    phone.goto(f"{live_server}/public/stations/{world['station'].id}")
    expect(phone.locator("h1")).to_have_text("城北联络站")
    expect(phone.locator(".chips li")).to_have_count(2)
    expect(phone.locator(".plan li")).to_have_count(1)
    expect(phone.locator(".plan li")).to_contain_text(f"{starts.month}月{starts.day}日")
    expect(phone.locator(".plan li")).to_contain_text("张伟、李娜")
    expect(phone.locator(".published > li")).to_have_count(1)
    item = phone.locator(".published > li").first
    expect(item).to_contain_text("路灯坏了")
    expect(item).to_contain_text("已协调城管部门处理")
    expect(item).to_contain_text("满意")
    text = phone.locator("main").inner_text()
    assert "13912345678" not in text and "12 号楼" not in text
    assert "这一条群众没有同意公开" not in text
    map_link = phone.locator("a.map-link").get_attribute("href")
    assert map_link.startswith("https://uri.amap.com/marker?position=109.990000%2C27.560000")
    # The page fits a phone: nothing wider than the viewport.
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=f"{SHOTS}/public_station_phone.png", full_page=True)
    assert external_requests == []


def test_a_large_stations_deputies_on_a_phone_first_twenty_then_all_paged_and_by_name(
        phone, live_server, factory, world, external_requests):
    """A district's station receives many deputies: the page names 20 and says how many; 查看全部 pages
    through them, 50 a page; the name search finds one; every page fits the phone."""
    for i in range(1, 54):
        factory.deputy(world["tree"]["hc"], f"代表{i:02d}", stations=[world["station"]])
    phone.goto(f"{live_server}/public/stations/{world['station'].id}")
    expect(phone.locator(".chips li")).to_have_count(20)
    expect(phone.locator("h2", has_text="进站代表")).to_contain_text("55 名")
    phone.get_by_role("link", name="查看全部 55 位代表，可按姓名查找 ›").click()

    expect(phone.locator("h1")).to_have_text("进站代表")
    expect(phone.locator(".chips li")).to_have_count(50)
    expect(phone.get_by_text("共 55 位代表")).to_be_visible()
    expect(phone.locator(".pager")).to_contain_text("第 1 / 2 页")
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    phone.get_by_role("link", name="下一页 ›").click()
    expect(phone.locator(".chips li")).to_have_count(5)
    expect(phone.locator(".chips li").last).to_contain_text("代表53")

    phone.get_by_role("searchbox", name="按姓名查找代表").fill("代表37")
    phone.get_by_role("button", name="查找").click()
    expect(phone.locator(".chips li")).to_have_count(1)
    expect(phone.locator(".chips li")).to_contain_text("代表37")
    expect(phone.get_by_text("姓名含“代表37”的代表共 1 位")).to_be_visible()
    expect(phone.locator(".pager")).to_have_count(0)
    phone.locator(".chips li a").click()
    expect(phone.locator("h1")).to_have_text("代表37")
    assert external_requests == []


def test_a_deputy_without_a_station_has_their_published_items_on_their_own_page(
        phone, live_server, factory, world, external_requests):
    """A deputy received at no station: what they handled was on no public page. Their code's page
    leads to their own page, which lists it with the personal data removed."""
    wang = factory.deputy(world["tree"]["hc"], "王芳", phone="13800000009", group="鹤城区第二代表小组")
    closed_item(factory, wang, "人民路 12 号楼前的路灯坏了，晚上很黑。有事请打 13912345678。")
    closed_item(factory, wang, "这一条群众没有同意公开", public_consent=False, js_code="citizen-zhao")

    phone.goto(f"{live_server}/public/stations/{world['station'].id}")
    expect(phone.locator(".published > li")).to_have_count(0)
    phone.goto(f"{live_server}/q/{wang.qr_code}")
    phone.click("text=查看代表公开信息和已办结事项")
    expect(phone.locator("h1")).to_have_text("王芳")
    expect(phone.locator(".profile")).to_contain_text("鹤城区第二代表小组")
    expect(phone.locator(".published > li")).to_have_count(1)
    item = phone.locator(".published > li").first
    expect(item).to_contain_text("路灯坏了")
    expect(item).to_contain_text("王芳 代表答复")
    expect(item).to_contain_text("已协调城管部门处理")
    text = phone.locator("main").inner_text()
    assert "13912345678" not in text and "12 号楼" not in text and "13800000009" not in text
    assert "这一条群众没有同意公开" not in text
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert small_targets(phone) == []
    phone.screenshot(path=f"{SHOTS}/public_deputy_phone.png", full_page=True)

    # Back to filing from the deputy's page; a station's deputies and the leaderboard lead to theirs.
    phone.get_by_role("link", name="提建议", exact=True).click()
    expect(phone.locator(".card-title")).to_have_text("向王芳代表提建议")
    phone.goto(f"{live_server}/public/stations/{world['station'].id}")
    phone.locator(".chips a", has_text="李娜").click()
    expect(phone.locator("h1")).to_have_text("李娜")
    expect(phone.locator(".facts")).to_contain_text("城北联络站")
    phone.goto(f"{live_server}/public/leaderboard")
    assert small_targets(phone) == []
    phone.locator(".board a", has_text="王芳").click()
    expect(phone.locator("h1")).to_have_text("王芳")
    assert external_requests == []


def test_station_list_leaderboard_and_statistics_on_a_big_screen(desktop, live_server, factory, world, external_requests):
    closed_item(factory, world["zhang"], "小区垃圾清运不及时", satisfaction="satisfied")
    closed_item(factory, world["li"], "公交站台缺少遮雨棚", js_code="citizen-zhao", satisfaction="basically_satisfied")
    factory.station(world["tree"]["yl"], "岳麓区中心联络站", address="岳麓区麓山路 9 号")

    desktop.goto(f"{live_server}/public/stations")
    expect(desktop.locator(".station-list li")).to_have_count(2)
    desktop.fill("input[name=q]", "岳麓")
    desktop.click(".search button")
    expect(desktop.locator(".station-list li")).to_have_count(1)
    expect(desktop.locator(".station-list li")).to_contain_text("岳麓区中心联络站")
    desktop.screenshot(path=f"{SHOTS}/public_stations_desktop.png", full_page=True)

    desktop.click("text=履职积分榜")
    expect(desktop.locator(".board tbody tr")).to_have_count(2)
    expect(desktop.locator(".board tbody tr").first).to_contain_text("张伟")
    expect(desktop.locator(".board tbody tr").first).to_contain_text("4")
    desktop.screenshot(path=f"{SHOTS}/public_leaderboard_desktop.png", full_page=True)

    desktop.click("text=数据统计")
    expect(desktop.locator(".tile").first).to_contain_text("2")
    expect(desktop.locator(".rates")).to_contain_text("50.0%")  # 满意率: 1 of 2 rated
    expect(desktop.locator(".rates")).to_contain_text("100.0%")  # 基本满意率
    expect(desktop.locator(".bars li")).to_have_count(2)  # by status (已办结), by category (城市管理)
    assert "小区垃圾" not in desktop.content()
    desktop.screenshot(path=f"{SHOTS}/public_stats_desktop.png", full_page=True)

    desktop.goto(f"{live_server}/public/stations/{world['station'].id}")
    expect(desktop.locator(".published > li")).to_have_count(2)
    desktop.screenshot(path=f"{SHOTS}/public_station_desktop.png", full_page=True)
    assert external_requests == []


def test_statistics_on_a_phone(phone, live_server, factory, world, external_requests):
    closed_item(factory, world["zhang"], "小区垃圾清运不及时")
    phone.goto(f"{live_server}/public/stats")
    expect(phone.locator("h1")).to_have_text("码上办 数据统计")
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=f"{SHOTS}/public_stats_phone.png", full_page=True)
    phone.goto(f"{live_server}/public/leaderboard")
    expect(phone.locator(".board tbody tr")).to_have_count(2)  # 李娜, in office without a point, at 0
    expect(phone.locator(".board tbody tr").last).to_contain_text("李娜")
    phone.screenshot(path=f"{SHOTS}/public_leaderboard_phone.png", full_page=True)
    assert external_requests == []


@pytest.mark.database_independent
@pytest.mark.parametrize("width", [320, 360])
def test_rate_tiles_fit_a_small_phone_at_100_percent(browser, live_server, factory, world, width):
    closed_item(factory, world["zhang"], "小区垃圾清运不及时")  # every rate is 100.0%
    context = browser.new_context(viewport={"width": width, "height": 700}, device_scale_factor=2, is_mobile=True,
                                  locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{live_server}/public/stats")
        expect(page.locator(".tiles.rates .tile-value")).to_have_text(["100.0%"] * 5)
        fit = page.evaluate("""() => {
            const card = document.querySelector('.tiles.rates').closest('.card');
            const inner = card.getBoundingClientRect().right - parseFloat(getComputedStyle(card).paddingRight);
            return Array.from(document.querySelectorAll('.tile, .tile-value, .tile-label, .tile-note')).map(e => ({
                text: e.textContent.trim().slice(0, 12),
                right: e.getBoundingClientRect().right, inner: inner,
                clipped: e.scrollWidth > e.clientWidth + 0.5}));
        }""")
        assert [f for f in fit if f["right"] > f["inner"] + 0.5 or f["clipped"]] == []
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    finally:
        context.close()


def test_the_public_tabs_and_the_proposal_button_keep_to_one_line_on_a_375px_phone(browser, live_server, factory,
                                                                                    world, external_requests):
    """履职积分榜 in the tab bar and 提出民生实事建议 do not break over two lines on a 375 px phone."""
    from .conftest import phone_page

    page = phone_page(browser, live_server, external_requests, width=375, height=740)
    try:
        page.goto(f"{live_server}/public/livelihood")
        for locator in (page.locator("nav.tabs a", has_text="履职积分榜"),
                        page.locator(".lv-actions a", has_text="提出民生实事建议"),
                        page.locator(".lv-actions a", has_text="我的民生建议")):
            lines = locator.evaluate("""(el) => {
              const range = document.createRange(); range.selectNodeContents(el);
              return new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top))).size;
            }""")
            assert lines == 1, locator
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
        page.screenshot(path=f"{SHOTS}/livelihood_375.png")
        page.set_viewport_size({"width": 320, "height": 640})
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
        page.goto(f"{live_server}/livelihood/mine")
        button = page.locator("a.btn", has_text="提出民生实事建议")
        if button.count():
            assert button.evaluate("""(el) => {
              const range = document.createRange(); range.selectNodeContents(el);
              return new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top))).size;
            }""") == 1
    finally:
        page.context.close()
    assert external_requests == []


def test_a_citizen_on_the_public_pages_files_or_asks_to_meet_from_a_station_or_a_deputy(
        browser, live_server, factory, world, external_requests):
    """On a 360 px phone, a station's and a deputy's public pages lead with 提建议 and 约见代表 to the forms
    their printed code opens; a station whose code is withdrawn offers neither; every public page's
    footer leads to 我的建议和约见."""
    from .conftest import phone_page

    page = phone_page(browser, live_server, external_requests, width=360, height=740)
    try:
        station, zhang = world["station"], world["zhang"]
        for path, code in ((f"/public/stations/{station.id}", station.qr_code),
                           (f"/public/deputies/{zhang.id}", zhang.qr_code)):
            page.goto(live_server + path)
            suggest = page.get_by_role("link", name="提建议", exact=True)
            meet = page.get_by_role("link", name="约见代表", exact=True)
            expect(suggest).to_be_visible()
            expect(meet).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
            footer = page.locator("footer").get_by_role("link", name="我的建议和约见")
            expect(footer).to_have_attribute("href", "/track/")
            meet.click()
            expect(page).to_have_url(f"{live_server}/q/{code}#appt-panel")
            expect(page.locator("#appt-panel")).to_be_visible()
            page.go_back()
            page.get_by_role("link", name="提建议", exact=True).click()
            expect(page).to_have_url(f"{live_server}/q/{code}")
            expect(page.locator("#file-form")).to_be_visible()
        for path in ("/public/stations", "/public/leaderboard", "/public/stats"):
            page.goto(live_server + path)
            expect(page.locator("footer").get_by_role("link", name="我的建议和约见")).to_be_visible()
        # A station whose code is withdrawn takes nothing through it: no buttons.
        revoked = factory.client.post(f"/api/v1/qr/{station.qr_code}/revoke", headers=world["admin"])
        assert revoked.status_code == 200, revoked.json
        page.goto(f"{live_server}/public/stations/{station.id}")
        expect(page.locator("h1")).to_have_text("城北联络站")
        assert page.get_by_role("link", name="提建议", exact=True).count() == 0
        assert page.get_by_role("link", name="约见代表", exact=True).count() == 0
    finally:
        page.context.close()
    assert external_requests == []
