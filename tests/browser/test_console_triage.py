"""A station administrator triaging the suggestion queue in a real browser, on a PC screen (1366×768)
and a smaller one (1024 wide)."""
import pytest
from playwright.sync_api import expect

from ..test_suggestions import file, step, world  # noqa: F401  (fixture)
from .conftest import watch_requests
from .test_console_activities import sign_in


@pytest.fixture
def pc(browser, live_server, external_requests):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    watch_requests(page, live_server, external_requests)
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()


def _pending(factory, world, content="城北菜市场门口积水严重，雨天无法通行。"):  # noqa: F811
    response = file(factory.client, world["citizen"], world["station_code"], content=content)
    assert response.status_code == 201, response.json
    return response.json


def _timeline_actions(factory, world, item):  # noqa: F811
    body = factory.client.get(f"/api/v1/suggestions/{item['id']}", headers=world["admin"]).json
    return [e["action"] for e in body["timeline"]]


def test_a_refused_step_keeps_what_was_typed_and_says_why_beside_it(pc, live_server, factory, world,  # noqa: F811
                                                                     external_requests):
    """转办 to a department without naming it: the note typed for it came back empty, and the reason was
    at the top of the page, out of sight of the form. Now the form says why, keeps the words, and the
    cursor is in the box to fill; the same for 合并 to a number that is not one."""
    item = _pending(factory, world)
    duplicate = _pending(factory, world, "菜市场门口积水，和别人反映的是同一处。")
    step(factory.client, world["admin"], item["id"], "dispatch", deputy_id=world["zhang"].id)
    step(factory.client, world["zhang_h"], item["id"], "accept")
    sign_in(pc, live_server, "chengbei")

    pc.goto(f"{live_server}/console/suggestions/{item['id']}")
    forward = pc.locator("#forward")
    forward.locator("select[name=target]").select_option("department")
    forward.locator("input[name=work_order_no]").fill("ZJ20261127001")
    forward.locator("textarea[name=note]").fill("请住建局尽快维修，群众希望一周内修好。")
    forward.locator("button[type=submit]").click()
    expect(forward.locator("[role=alert]")).to_have_text("转办到政府部门时请填写部门名称。")
    expect(forward.locator("textarea[name=note]")).to_have_value("请住建局尽快维修，群众希望一周内修好。")
    expect(forward.locator("input[name=work_order_no]")).to_have_value("ZJ20261127001")
    expect(forward.locator("select[name=target]")).to_have_value("department")
    expect(forward.locator("input[name=department]")).to_be_focused()
    expect(pc.locator("#item-status")).to_have_text("办理中")

    forward.locator("input[name=department]").fill("鹤城区住建局")
    forward.locator("button[type=submit]").click()
    expect(pc.locator(".flash-success")).to_have_text("已转办，等待部门反馈。")
    expect(pc.locator("#item-status")).to_have_text("转办中")

    pc.goto(f"{live_server}/console/suggestions/{duplicate['id']}")
    merge = pc.locator("form[action$='/merge']")
    merge.locator("input[name=into]").fill("MSB-2026112-00001")
    merge.locator("button[type=submit]").click()
    expect(merge.locator("[role=alert]")).to_have_text("请填写目标建议的完整编号（如 MSB-20261122-000123），或编号末尾至少 3 位数字。")
    expect(merge.locator("input[name=into]")).to_have_value("MSB-2026112-00001")
    expect(merge.locator("input[name=into]")).to_be_focused()
    assert _timeline_actions(factory, world, duplicate) == ["file"]
    assert external_requests == []


def test_the_queue_shows_every_column_on_a_1024_wide_screen(browser, live_server, factory, world, app):  # noqa: F811
    """At 1024 wide the queue's last column, 时限 (the deadline the administrator chases), was cut off
    at the card's edge: it had to be scrolled to sideways, row by row."""
    from ..factories import screen

    held = _pending(factory, world, "违禁测试 小区门口的广告牌")
    assigned = file(factory.client, world["citizen"], world["deputy_code"], content="公交站台没有遮雨棚。").json
    assert screen(app) == 2
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server, "chengbei")
    page.goto(f"{live_server}/console/suggestions")
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text=held["number"])).to_contain_text("待审核")
    expect(rows.filter(has_text=assigned["number"]).locator("td").last).to_contain_text("接单")
    card = page.locator(".table-card")
    assert card.evaluate("card => card.scrollWidth <= card.clientWidth"), card.evaluate(
        "card => [card.scrollWidth, card.clientWidth]")
    context.close()


def test_merging_asks_naming_the_item_found_for_the_number_typed(browser, live_server, factory, world):  # noqa: F811
    """合并 cannot be undone and its target is typed by hand: the question names the item the number
    finds (looked up as the merge reads it: number, status, words), never the number as typed; a number
    that finds none is not asked about, and the page says why."""
    item = _pending(factory, world)
    duplicate = _pending(factory, world, "菜市场门口积水，和别人反映的是同一处。")
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    questions = []
    accepting = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message),
                                      dialog.accept() if accepting else dialog.dismiss()))
    sign_in(page, live_server, "chengbei")
    page.goto(f"{live_server}/console/suggestions/{duplicate['id']}")
    merge = page.locator("form[action$='/merge']")
    merge.locator("input[name=into]").fill(f" {item['number'].lower()} ")
    with page.expect_event("dialog"):  # asked once the number is looked up
        merge.locator("button[type=submit]").click()
    expect(merge.locator("button[type=submit]")).to_be_enabled()
    assert questions == [f"确定将本条作为重复建议合并到 {item['number']}（待分派：“城北菜市场门口积水严重，雨天无法通行。”）吗？"
                         "合并后本条以重复办结，不能撤销。"]
    assert _timeline_actions(factory, world, duplicate) == ["file"]

    # A number no item of theirs has: no question about it, the page says why.
    merge.locator("input[name=into]").fill("MSB-20200101-999999")
    merge.locator("button[type=submit]").click()
    expect(page.locator("#refused")).to_contain_text("合并目标不存在或不在您的管理范围内。")
    assert len(questions) == 1

    # Asked again and accepted: merged.
    accepting.append(True)
    merge = page.locator("form[action$='/merge']")
    merge.locator("input[name=into]").fill(item["number"][-6:])
    merge.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("已合并到目标建议")
    assert _timeline_actions(factory, world, duplicate) == ["file", "merge"]
    context.close()


def test_the_administrator_puts_the_overdue_item_on_top_with_by_deadline(pc, live_server, factory, world,  # noqa: F811
                                                                        external_requests):
    """按期限: the item whose deputy let the time to accept it run out, filed first and so at the bottom
    of the newest-first queue, is at the top, flagged 超期; the item page leads back to the queue in
    that order."""
    from datetime import timedelta

    from backend.db_types import utcnow
    from backend.extensions import db
    from backend.suggestions.models import Suggestion

    late = file(factory.client, world["citizen"], world["deputy_code"], content="幸福路的井盖松动，车一压就响。").json
    waiting = file(factory.client, world["citizen"], world["deputy_code"], content="公交站台没有遮雨棚。").json
    newest = _pending(factory, world)
    item = db.session.get(Suggestion, late["id"])
    item.accept_due_dt, item.overdue = utcnow() - timedelta(hours=2), True
    db.session.commit()
    sign_in(pc, live_server, "chengbei")

    pc.goto(f"{live_server}/console/suggestions")
    rows = pc.locator("table.queue tbody tr")
    expect(rows.first).to_contain_text(newest["number"])
    expect(rows.last).to_contain_text(late["number"])

    pc.get_by_role("navigation", name="排序").get_by_role("link", name="按期限").click()
    expect(rows.first).to_contain_text(late["number"])
    expect(rows.first.locator(".tag-overdue")).to_have_text("超期")
    expect(rows.nth(1)).to_contain_text(waiting["number"])
    expect(rows.last).to_contain_text(newest["number"])
    expect(pc.get_by_role("navigation", name="排序").locator("[aria-current=true]")).to_have_text("按期限")

    rows.first.get_by_role("link", name=late["number"]).click()
    pc.locator("#back-to-queue").click()
    expect(rows.first).to_contain_text(late["number"])
    expect(pc.get_by_role("navigation", name="排序").locator("[aria-current=true]")).to_have_text("按期限")
    assert external_requests == []


def test_several_pending_items_are_ticked_and_dispatched_together(pc, live_server, factory, world,  # noqa: F811
                                                                  external_requests):
    """批量分派: tick two of the items waiting, choose the deputy, send and confirm; both are dispatched, the
    third left as it was, and the queue says so."""
    first, second, third = (_pending(factory, world, content) for content in (
        "城北菜市场门口积水严重，雨天无法通行。", "小区路灯坏了一个月。", "公交站台没有遮雨棚。"))
    sign_in(pc, live_server, "chengbei")
    pc.goto(f"{live_server}/console/suggestions?status=pending")
    pc.get_by_label(f"选择 {first['number']}").check()
    pc.get_by_label(f"选择 {third['number']}").check()
    batch = pc.get_by_role("form", name="批量分派")
    batch.get_by_label("分派给").select_option(label="张伟 · 市人大代表 · 鹤城区 · 城北联络站 · 尾号 0003")
    batch.get_by_label("分派说明").fill("请尽快处理")
    batch.get_by_role("button", name="分派所选").click()
    expect(pc.get_by_role("heading", name="确定将所选 2 件建议分派给张伟吗？")).to_be_visible()
    pc.get_by_role("button", name="确定分派").click()
    expect(pc.locator(".flash-success")).to_have_text("已分派 2 件给张伟，等待代表接单。")
    assert _timeline_actions(factory, world, first) == _timeline_actions(factory, world, third) == ["file", "dispatch"]
    assert _timeline_actions(factory, world, second) == ["file"]
    expect(pc.get_by_label(f"选择 {second['number']}")).to_be_visible()  # still waiting, still offered
    pc.screenshot(path="/tmp/consoleb-batch-dispatch.png")
    assert external_requests == []


def test_a_page_is_ticked_at_once_and_the_batch_asks_before_it_dispatches(pc, live_server, factory, world,  # noqa: F811
                                                                         external_requests):
    """全选 ticks every item of the page waiting for dispatch; 分派所选 with no deputy chosen is not sent; sent, it
    asks first, naming how many and to whom; 返回修改 brings the queue back with the boxes and the note as they
    were; confirmed, the items still ticked are dispatched."""
    items = [_pending(factory, world, content) for content in (
        "城北菜市场门口积水严重，雨天无法通行。", "小区路灯坏了一个月。", "公交站台没有遮雨棚。")]
    sign_in(pc, live_server, "chengbei")
    pc.goto(f"{live_server}/console/suggestions?status=pending")
    pc.get_by_label("全选本页待分派的建议").check()
    for item in items:
        expect(pc.get_by_label(f"选择 {item['number']}")).to_be_checked()
    batch = pc.get_by_role("form", name="批量分派")
    batch.get_by_label("分派说明").fill("请本周内到现场查看并答复")
    batch.get_by_role("button", name="分派所选").click()  # no deputy chosen: the browser keeps the form
    expect(pc).to_have_url(f"{live_server}/console/suggestions?status=pending")
    assert all(_timeline_actions(factory, world, item) == ["file"] for item in items)

    batch.get_by_label("分派给").select_option(label="张伟 · 市人大代表 · 鹤城区 · 城北联络站 · 尾号 0003")
    batch.get_by_role("button", name="分派所选").click()
    expect(pc.get_by_role("heading", name="确定将所选 3 件建议分派给张伟吗？")).to_be_visible()
    pc.get_by_role("button", name="返回修改").click()
    for item in items:
        expect(pc.get_by_label(f"选择 {item['number']}")).to_be_checked()
    expect(pc.get_by_label("全选本页待分派的建议")).to_be_checked()
    expect(batch.get_by_label("分派说明")).to_have_value("请本周内到现场查看并答复")
    assert all(_timeline_actions(factory, world, item) == ["file"] for item in items)

    pc.get_by_label(f"选择 {items[1]['number']}").uncheck()
    batch.get_by_role("button", name="分派所选").click()
    expect(pc.get_by_role("heading", name="确定将所选 2 件建议分派给张伟吗？")).to_be_visible()
    pc.get_by_role("button", name="确定分派").click()
    expect(pc.locator(".flash-success")).to_have_text("已分派 2 件给张伟，等待代表接单。")
    assert [_timeline_actions(factory, world, item) for item in items] == [["file", "dispatch"], ["file"], ["file", "dispatch"]]
    assert external_requests == []
