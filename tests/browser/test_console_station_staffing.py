"""A region administrator at a PC (1366 px) sees how many stations have no administrator on the 工作台, and
follows the card to those stations, each marked 无管理员; a station administrator sees an item a dissatisfied
citizen sent round again marked 重办 in the queue and finds it with the 重办 filter."""
import re

from playwright.sync_api import expect

from .test_console_activities import sign_in


def test_the_region_admin_follows_the_count_to_the_stations_without_an_administrator(
        desktop, live_server, factory, external_requests):
    tree = factory.tree()
    staffed = factory.station(tree["hc"], "城北联络站")
    factory.station(tree["hc"], "红星社区联络点")
    factory.admin("chengbei", stations=[staffed])
    factory.admin("huaihua", region=tree["hh"])
    sign_in(desktop, live_server, "huaihua")

    card = desktop.locator("a.kpi", has_text="无管理员联络站")
    expect(card.locator("#kpi-no-admin")).to_have_text("1")
    # The seven key figures in one row at 1366 px (the reminders of work due in a row below), none wider than the page.
    tops = desktop.locator(".kpis[aria-label=关键数字] > a.kpi").evaluate_all("cards => cards.map(c => Math.round(c.getBoundingClientRect().top))")
    assert len(tops) == 7 and len(set(tops)) == 1, tops
    assert desktop.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    card.click()
    expect(desktop).to_have_url(re.compile(r"/console/stations\?no_admin=1$"))
    rows = desktop.locator("table.list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("红星社区联络点")
    expect(rows.first.locator(".badge", has_text="无管理员")).to_be_visible()
    expect(desktop.locator("input[name=no_admin]")).to_be_checked()
    assert external_requests == []


def test_a_reopened_item_is_marked_and_filtered_in_the_queue(desktop, live_server, factory, external_requests):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[station])
    factory.admin("chengbei", stations=[station])
    client, citizen, deputy = factory.client, factory.wechat_login("citizen-wang"), factory.deputy_headers(zhang)
    numbers = []
    for content in ("小区门口路灯坏了一个月", "井盖松动"):
        item = client.post("/api/v1/suggestions", headers=citizen,
                           json={"qr_code": zhang.qr_code, "category": "城市管理", "content": content}).json
        client.post(f"/api/v1/suggestions/{item['id']}/accept", headers=deputy)
        client.post(f"/api/v1/suggestions/{item['id']}/reply", headers=deputy, json={"content": "已处理。"})
        numbers.append(item)
    reopened = client.post(f"/api/v1/suggestions/{numbers[0]['id']}/rate", headers=citizen,
                           json={"satisfaction": "dissatisfied", "comment": "还是不亮"})
    assert reopened.json["round"] == 2
    sign_in(desktop, live_server, "chengbei")
    desktop.goto(f"{live_server}/console/suggestions")
    row = desktop.locator("table.queue tbody tr", has_text=numbers[0]["number"])
    expect(row.locator(".tag-reopened")).to_have_text("重办 第2轮")
    expect(desktop.locator("table.queue tbody tr", has_text=numbers[1]["number"]).locator(".tag-reopened")).to_have_count(0)
    desktop.locator("nav.quick-filters a", has_text="重办").click()
    expect(desktop.locator("table.queue tbody tr")).to_have_count(1)
    expect(desktop.locator("table.queue tbody tr").first).to_contain_text(numbers[0]["number"])
    assert external_requests == []


def test_the_station_admin_sees_the_new_item_in_messages_and_goes_to_it(
        desktop, live_server, app, factory, external_requests):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站")
    factory.admin("chengbei", stations=[station])
    citizen = factory.wechat_login("citizen-wang")
    item = factory.client.post("/api/v1/suggestions", headers=citizen, json={
        "qr_code": station.qr_code, "category": "城市管理", "content": "小区门口路灯坏了一个月"}).json
    assert app.test_cli_runner().invoke(args=["sweep"]).exit_code == 0  # screened: the station is told
    sign_in(desktop, live_server, "chengbei")
    menu = desktop.locator(".topbar nav a", has_text="消息")
    expect(menu.locator(".nav-count")).to_have_text("1")
    menu.click()
    message = desktop.locator("ul.messages li.message.unread")
    expect(message.locator(".message-title")).to_have_text("新的群众建议")
    expect(message).to_contain_text(item["number"])
    expect(message).to_contain_text("有一条群众建议待分派，请及时处理")
    expect(desktop.locator(".topbar nav a", has_text="消息").locator(".nav-count")).to_have_count(0)
    message.get_by_role("link", name="去处理 ›").click()
    expect(desktop).to_have_url(re.compile(rf"/console/suggestions/{item['id']}$"))
    expect(desktop.locator("body")).to_contain_text("分派时限")
    assert external_requests == []
