"""A district administrator with more than 600 deputies in one county dispatches, in a real browser, to a
deputy far down the alphabet (赵目标): the item page lists its station's deputies and finds the rest by
searching; the queue's 批量分派 and 承办代表 filter search the same way (GET /console/deputy-options)."""
import pytest
from playwright.sync_api import expect

from ..test_console_dispatch_picker import many_deputies
from ..test_suggestions import file, world  # noqa: F401  (fixture)
from .conftest import watch_requests
from .test_console_activities import sign_in
from .test_console_triage import pc  # noqa: F401  (fixture: the administrator's PC browser)


@pytest.fixture
def district(factory, world):  # noqa: F811
    many_deputies(world["tree"]["hc"], 650)
    target = factory.deputy(world["tree"]["hc"], "赵目标", phone="13900009999", level="county")
    namesake = factory.deputy(world["tree"]["hh"], "赵目标", phone="13900008888", level="city")
    factory.admin("huaihua", region=world["tree"]["hh"])
    items = []
    for content in ("城北菜市场门口积水严重，雨天无法通行。", "小区路灯坏了一个月。"):
        response = file(factory.client, world["citizen"], world["station_code"], content=content)
        assert response.status_code == 201, response.json
        items.append(response.json)
    return {"target": target, "namesake": namesake, "items": items}


def test_a_deputy_far_down_the_alphabet_is_found_and_dispatched_to(pc, live_server, world, district,  # noqa: F811
                                                                    external_requests):
    target, first, second = district["target"], *district["items"]
    sign_in(pc, live_server, "huaihua")

    # The item page: the station's two deputies listed, the others found by typing.
    pc.goto(f"{live_server}/console/suggestions/{first['id']}")
    form = pc.locator("#dispatch")
    select = form.locator("select[name=deputy_id]")
    expect(select.locator("option")).to_have_count(3)  # 请选择代表, 李娜, 张伟
    expect(form.locator("form.deputy-search-form")).to_be_hidden()  # the page's 查找 without scripts
    form.locator(".deputy-q").fill("赵目标")
    results = form.locator(".deputy-result")
    expect(results).to_have_count(2)  # two 赵目标, told apart
    expect(results.nth(0)).not_to_have_text(results.nth(1).inner_text())
    form.locator(".deputy-result", has_text="尾号 9999").click()
    expect(select).to_have_value(str(target.id))
    pc.screenshot(path="/tmp/console-dispatch-picker-item.png", full_page=True)
    form.locator("textarea[name=note]").fill("请赵代表跟进")
    form.get_by_role("button", name="分派", exact=True).click()
    expect(pc.locator(".flash-success")).to_have_text("已分派，等待代表接单。")
    expect(pc.locator("#item-status")).to_have_text("待接单")
    expect(pc.locator("#timeline li").last).to_contain_text("分派给 赵目标")

    # The queue's 批量分派: found by the end of the phone number.
    pc.goto(f"{live_server}/console/suggestions?status=pending")
    expect(pc.locator("#deputy-search-note")).to_be_visible()
    pc.get_by_label(f"选择 {second['number']}").check()
    batch = pc.get_by_role("form", name="批量分派")
    batch.locator(".deputy-q").fill("9999")
    expect(batch.locator(".deputy-result")).to_have_count(1)
    pc.screenshot(path="/tmp/console-dispatch-picker-batch.png")
    batch.locator(".deputy-q").press("Enter")  # picks the only match; does not send the form
    expect(batch.locator("select[name=deputy_id]")).to_have_value(str(target.id))
    batch.get_by_role("button", name="分派所选").click()
    expect(pc.get_by_text("确定将所选 1 件建议分派给赵目标吗？")).to_be_visible()
    expect(pc.get_by_text("尾号 9999")).to_be_visible()  # the deputy is told apart from the namesake here too
    pc.get_by_role("button", name="确定分派").click()
    expect(pc.locator(".flash-success")).to_have_text("已分派 1 件给赵目标，等待代表接单。")

    # The 承办代表 filter: both items now 赵目标's.
    filters = pc.locator("form.queue-filters").first
    filters.locator("select[name=status]").select_option("")
    filters.locator(".deputy-q").fill("目标")
    filters.locator(".deputy-result", has_text="尾号 9999").click()
    filters.get_by_role("button", name="筛选").click()
    expect(pc.locator("table.queue tbody tr")).to_have_count(2)
    expect(pc.locator("select[name=deputy_id]").first).to_have_value(str(target.id))
    assert external_requests == []


def test_without_scripts_the_item_pages_search_finds_the_deputy(browser, live_server, world, district,  # noqa: F811
                                                               external_requests):
    """JavaScript off: 查找其他代表 reloads the page with the matches in the select, and 分派 sends the one found."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    watch_requests(page, live_server, external_requests)
    try:
        target, first = district["target"], district["items"][0]
        sign_in(page, live_server, "huaihua")
        page.goto(f"{live_server}/console/suggestions/{first['id']}")
        form = page.locator("#dispatch")
        form.get_by_label("查找其他代表").fill("9999")
        form.get_by_role("button", name="查找").click()
        select = form.locator("select[name=deputy_id]")
        expect(select).to_have_value(str(target.id))  # the one match, chosen
        expect(select.locator("option:checked")).to_have_text("赵目标 · 县（区）人大代表 · 鹤城区 · 尾号 9999")
        form.get_by_role("button", name="分派", exact=True).click()
        expect(page.locator(".flash-success")).to_have_text("已分派，等待代表接单。")
        expect(page.locator("#item-status")).to_have_text("待接单")
    finally:
        context.close()
    assert external_requests == []
