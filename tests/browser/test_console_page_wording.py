"""What a station's staff read in a real browser: the console's plain links (返回…列表, 履职档案, 打开二维码图片…)
wear the console's red, as the links in its tables and breadcrumbs do, never the browser's default blue (or its
purple once visited); the live attendance view says in Chinese when it cannot refresh, never the browser's
English ("Failed to fetch"), nor does the pickers' search."""
import pytest
from playwright.sync_api import expect

from .conftest import next_live_refresh
from .test_console_activities import chengbei_signed_in, sign_in

# What the pages say and how they look: the same whichever database serves their data (run once, pytest.ini).
pytestmark = pytest.mark.database_independent

RED = "rgb(190, 22, 34)"


def test_plain_links_are_the_consoles_red_visited_or_not(desktop, live_server, factory, external_requests):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站")
    deputy = factory.deputy(tree["hc"], "张伟", phone="13800000101", stations=[station])
    factory.admin("chengbei", stations=[station])
    page = desktop
    sign_in(page, live_server, "chengbei")

    page.goto(f"{live_server}/console/deputies/{deputy.id}")
    for name in ("履职档案", "返回代表列表", "打开二维码图片"):
        expect(page.get_by_role("link", name=name)).to_have_css("color", RED)
    page.get_by_role("link", name="返回代表列表").click()  # visited now
    page.goto(f"{live_server}/console/deputies/{deputy.id}")
    expect(page.get_by_role("link", name="返回代表列表")).to_have_css("color", RED)
    page.goto(f"{live_server}/console/deputies/import")
    expect(page.get_by_role("link", name="返回代表列表")).to_have_css("color", RED)
    # Buttons that are links keep their own colours.
    page.goto(f"{live_server}/console/deputies")
    expect(page.get_by_role("link", name="新增代表")).to_have_css("color", "rgb(255, 255, 255)")
    assert external_requests == []


def test_the_live_attendance_says_in_chinese_that_it_cannot_refresh(desktop, live_server, factory, external_requests):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", address="人民路 18 号")
    factory.deputy(tree["hc"], "张伟", phone="13800000101", stations=[station])
    factory.admin("chengbei", stations=[station])
    page = desktop
    page.clock.install()  # the live list's refresh is brought forward below
    sign_in(page, live_server, "chengbei")
    page.goto(f"{live_server}/console/activities/new")
    page.fill("input[name=title]", "城北联络站进站接待选民")
    page.select_option("select[name=station_id]", str(station.id))
    page.locator(".picker-options label:has-text('张伟') input").check()
    page.click("button:has-text('发单并通知代表')")
    expect(page.locator(".flash-success")).to_contain_text("已发单")

    page.route("**/attendance.json*", lambda route: route.abort("internetdisconnected"))  # the Wi-Fi drops
    error = page.locator(".att-error")
    next_live_refresh(page)
    expect(error).to_be_visible()
    expect(error).to_have_text("刷新失败，请检查网络或重新登录。")
    assert external_requests == []


def test_the_deputy_search_says_in_chinese_that_the_network_failed(desktop, live_server, factory, external_requests):
    page = desktop
    chengbei_signed_in(page, live_server, factory)
    page.goto(f"{live_server}/console/activities/new")

    page.route("**/console/deputy-options*", lambda route: route.abort("internetdisconnected"))
    page.locator(".picker-q").fill("张")
    expect(page.locator(".picker-options")).to_have_text("搜索失败，请检查网络后重试。")
    page.unroute("**/console/deputy-options*")
    page.locator(".picker-q").fill("张伟")
    expect(page.locator(".picker-options")).to_contain_text("张伟")
    assert external_requests == []
