"""The console's plain links (返回…列表, 履职档案, 打开二维码图片…) wear the console's red, as the links in its
tables and breadcrumbs do, never the browser's default blue (or its purple once visited)."""
from playwright.sync_api import expect

from .test_console_activities import sign_in

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
