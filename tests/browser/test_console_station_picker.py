"""The station picker in a real browser: a region administrator whose stations run past the ones a page
lists (CONSOLE_STATION_CHOICES, 2 here) types part of a station's name, picks it from the matches, and
the form sends that station: on the administrator-account form, in 发单, and in the activity list's filter."""
import re

import pytest
from playwright.sync_api import expect

from .test_console_activities import sign_in


@pytest.fixture
def stations(app, factory, monkeypatch):
    monkeypatch.setitem(app.config, "CONSOLE_STATION_CHOICES", 2)
    tree = factory.tree()
    zhijiang = factory.region("芷江县", "county", tree["hh"])
    listed = [factory.station(tree["hc"], "城北联络站"), factory.station(tree["hc"], "城南联络站")]
    far = factory.station(zhijiang, "芷江联络站", address="和平路 9 号")
    factory.station(tree["yl"], "芷江路联络站")  # another city's: never offered
    factory.admin("huaihua", region=tree["hh"])
    return {"tree": tree, "listed": listed, "far": far, "zhijiang": zhijiang}


def test_an_account_is_given_a_station_found_by_searching(desktop, live_server, stations, external_requests):
    sign_in(desktop, live_server, "huaihua")
    desktop.goto(f"{live_server}/console/admins/new")
    form = desktop.locator("#admin-new")
    picker = form.locator("fieldset[data-station-picker]")
    options = picker.locator(".picker-options")
    expect(options).to_contain_text("城南联络站")
    expect(options).not_to_contain_text("芷江联络站")  # beyond the first two listed
    expect(picker).to_contain_text("只列出前 2 个，其余请搜索")

    form.locator("input[name=username]").fill("zhijiang")
    form.locator("input[name=password]").fill("first-pass-1")
    form.locator("input[name=password2]").fill("first-pass-1")
    picker.locator(".station-q").fill("芷江")
    expect(options.locator("label")).to_have_count(1)
    expect(options).to_contain_text("芷江联络站 芷江县 · 和平路 9 号")
    options.locator("label:has-text('芷江联络站') input").check()
    expect(picker.locator(".picker-chosen")).to_contain_text("芷江联络站")
    expect(picker.locator(".picker-count")).to_have_text("1")

    # An empty search gives the page's own list back; the chosen one stays chosen.
    picker.locator(".station-q").fill("")
    expect(options).to_contain_text("城北联络站")
    options.locator("label:has-text('城北联络站') input").check()
    expect(picker.locator(".picker-count")).to_have_text("2")
    picker.locator(".station-q").press("Enter")  # searching does not send the form
    expect(desktop.locator("h1")).to_have_text("新建管理员账号")
    desktop.screenshot(path="/tmp/console-station-picker-account.png", full_page=True)

    form.locator("button[type=submit]").click()
    expect(desktop.locator(".flash").first).to_contain_text("已新建联络站管理员账号“zhijiang”")
    expect(desktop.locator(".card").first).to_contain_text("联络站管理员 · 城北联络站、芷江联络站")
    # Its edit page lists both ticked, the one beyond the first two too.
    chosen = desktop.locator("#admin-edit .picker-chosen")
    expect(chosen.locator("input:checked")).to_have_count(2)
    expect(chosen).to_contain_text("芷江联络站")
    assert external_requests == []


def test_a_dispatch_and_the_activity_filter_reach_a_station_beyond_the_list(desktop, live_server, stations, factory,
                                                                           external_requests):
    far = stations["far"]
    factory.deputy(stations["zhijiang"], "杨帆", phone="13800000201", stations=[far])
    factory.deputy(stations["tree"]["hc"], "张伟", phone="13800000202", stations=[stations["listed"][0]])
    sign_in(desktop, live_server, "huaihua")

    desktop.goto(f"{live_server}/console/activities/new")
    place = desktop.locator("fieldset.place")
    select = place.locator("select[name=station_id]")
    expect(select.locator("option")).to_have_count(3)  # 请选择联络站 and the first two
    desktop.fill("input[name=title]", "芷江联络站进站接待选民")
    results = place.locator(".station-results")
    place.locator(".station-q").fill("城")
    expect(results.locator(".station-result")).to_have_count(2)
    expect(results).to_contain_text("城南联络站 鹤城区")
    desktop.screenshot(path="/tmp/console-station-picker-results.png")
    desktop.click("h1")  # a click elsewhere puts the matches away
    expect(results).to_be_hidden()
    place.locator(".station-q").fill("芷江")
    expect(results.locator(".station-result")).to_have_count(1)
    expect(results).to_contain_text("芷江联络站")
    place.locator(".station-q").press("Enter")  # picks the first match
    expect(select).to_have_value(str(far.id))
    expect(results).to_be_hidden()

    picker = desktop.locator("[data-picker]")
    picker.locator(".picker-q").fill("杨")
    picker.locator(".picker-options label:has-text('杨帆') input").check()
    expect(picker.locator(".picker-count")).to_have_text("1")
    desktop.click("button:has-text('发单并通知代表')")
    expect(desktop.locator(".flash")).to_contain_text("已发单")
    expect(desktop.locator("section.facts")).to_contain_text("芷江联络站")

    desktop.goto(f"{live_server}/console/activities/new")
    desktop.fill("input[name=title]", "城北联络站进站接待选民")
    desktop.select_option("select[name=station_id]", label="城北联络站")  # without searching, as before
    desktop.locator("[data-picker] .picker-options label:has-text('张伟') input").check()
    desktop.click("button:has-text('发单并通知代表')")
    expect(desktop.locator(".flash")).to_contain_text("已发单")

    # The list's station filter: search, click the match, 筛选.
    desktop.goto(f"{live_server}/console/activities")
    expect(desktop.locator("table")).to_contain_text("城北联络站进站接待选民")
    filters = desktop.locator("form.filters")
    filters.locator(".station-q").fill("芷")
    found = filters.locator(".station-result")
    expect(found).to_have_count(1)  # 芷江路联络站 is another city's
    filters.locator(".station-q").press("ArrowDown")  # from the keyboard: down to the match, Enter
    expect(found).to_be_focused()
    desktop.keyboard.press("Enter")
    expect(filters.locator("select[name=station_id]")).to_have_value(str(far.id))
    filters.locator("button[type=submit]").click()
    expect(desktop).to_have_url(re.compile(rf"station_id={far.id}"))
    expect(desktop.locator("table")).to_contain_text("芷江联络站进站接待选民")
    expect(desktop.locator("table")).not_to_contain_text("城北联络站进站接待选民")
    expect(filters.locator("select[name=station_id]")).to_have_value(str(far.id))  # shown, though beyond the list
    desktop.screenshot(path="/tmp/console-station-picker-filter.png", full_page=True)
    assert external_requests == []


def test_the_deputy_picker_filters_by_a_station_found_by_searching(desktop, live_server, stations, factory,
                                                                   external_requests):
    far = stations["far"]
    north, south = stations["listed"]
    factory.deputy(stations["zhijiang"], "杨帆", phone="13800000201", stations=[far])
    factory.deputy(stations["tree"]["hc"], "张伟", phone="13800000202", stations=[north])
    factory.deputy(stations["tree"]["hc"], "李娜", phone="13800000203", stations=[south])
    sign_in(desktop, live_server, "huaihua")

    desktop.goto(f"{live_server}/console/activities/new")
    desktop.fill("input[name=title]", "城北联络站进站接待选民")
    desktop.select_option("fieldset.place select[name=station_id]", str(north.id))
    picker = desktop.locator("[data-picker]")
    chosen = picker.locator(".picker-chosen")
    options = picker.locator(".picker-options")
    options.locator("label:has-text('张伟') input").check()
    expect(picker.locator(".picker-count")).to_have_text("1")

    # The picker's station filter: a station beyond the list, found by searching, narrows the deputies offered.
    filters = picker.locator(".picker-filters")
    filters.locator(".station-q").fill("芷江")
    expect(filters.locator(".station-result")).to_have_count(1)
    filters.locator(".station-q").press("Enter")
    expect(filters.locator("select.picker-station")).to_have_value(str(far.id))
    expect(options.locator("label")).to_have_count(1)
    expect(options).to_contain_text("杨帆")
    picker.locator("button:has-text('全选搜索结果')").click()
    expect(chosen).to_contain_text("杨帆")
    expect(picker.locator(".picker-count")).to_have_text("2")

    # All stations again: the chosen stay in 已选 and are not offered twice.
    filters.locator("select.picker-station").select_option("")
    expect(options).to_contain_text("李娜")
    expect(options).not_to_contain_text("张伟")
    expect(options).not_to_contain_text("杨帆")
    chosen.locator("label:has-text('张伟') input").uncheck()  # back to 可选
    expect(options).to_contain_text("张伟")
    expect(picker.locator(".picker-count")).to_have_text("1")

    desktop.click("button:has-text('发单并通知代表')")
    expect(desktop.locator(".flash")).to_contain_text("已发单")
    rows = desktop.locator("#att-rows")
    expect(rows.locator("tr")).to_have_count(1)
    expect(rows).to_contain_text("杨帆")
    assert external_requests == []
