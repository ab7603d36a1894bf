"""An administrator in a real browser: the dashboard's charts, the queue, and dispatching a pending item.

The charts are drawn by the vendored Chart.js under the strict CSP; nothing is loaded from outside the app.
"""
from backend.auth.models import User
from backend.extensions import db
from backend.points import ledger

CATEGORIES = ["城市管理", "城市管理", "道路交通", "环境卫生"]

# Counts the canvas pixels that are not transparent: a chart that drew nothing has none.
PAINTED = """canvas => {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) painted++; }
  return painted;
}"""


def _file(factory, headers, code, category, content):
    response = factory.client.post(
        "/api/v1/suggestions", json={"qr_code": code, "category": category, "content": content}, headers=headers
    )
    assert response.status_code == 201, response.json
    return response.json


def _world(factory):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北街道人大代表中心联络站")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[station])
    li = factory.deputy(tree["hc"], "李娜", phone="13800000004", stations=[station])
    factory.admin("chengbei", "station12345", stations=[station])
    citizen = factory.wechat_login("citizen-browser")
    filed = [
        _file(factory, citizen, station.qr_code, category, f"第 {n} 条：小区路灯坏了，晚上很黑。")
        for n, category in enumerate(CATEGORIES)
    ]
    _file(factory, citizen, zhang.qr_code, "教育医疗", "社区卫生服务站周末不开门。")
    ledger.credit(zhang.id, "suggestion_closed", "suggestion", filed[0]["id"], "测试积分")
    ledger.credit(li.id, "suggestion_closed", "suggestion", filed[1]["id"], "测试积分")
    ledger.credit(li.id, "suggestion_satisfied", "suggestion", filed[1]["id"], "测试积分")
    db.session.commit()
    return {"pending": filed[-1], "zhang": zhang}


def test_admin_sees_the_charts_and_dispatches_a_pending_item(desktop, live_server, factory, external_requests):
    world = _world(factory)
    problems = []
    # Script errors and CSP violations show as console errors; a missing asset as a 4xx answer.
    def console_error(msg):
        if msg.type == "error" and "Failed to load resource" not in msg.text:
            problems.append(msg.text)

    def failed_answer(response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            problems.append(f"{response.status} {response.url}")

    desktop.on("console", console_error)
    desktop.on("pageerror", lambda exc: problems.append(str(exc)))
    desktop.on("response", failed_answer)

    desktop.goto(f"{live_server}/console/")
    desktop.fill("input[name=username]", "chengbei")
    desktop.fill("input[name=password]", "station12345")
    desktop.click("button[type=submit]")

    # The dashboard: four charts drawn, key figures shown.
    desktop.wait_for_selector("body[data-charts=ready]")
    assert desktop.locator("h1").first.inner_text() == "工作台"
    assert desktop.locator("#kpi-pending").inner_text() == "4"
    canvases = desktop.locator("canvas")
    assert canvases.count() == 4
    for index in range(canvases.count()):
        canvas = canvases.nth(index)
        box = canvas.bounding_box()
        assert box["width"] > 200 and box["height"] > 150, canvas.get_attribute("id")
        assert canvas.evaluate(PAINTED) > 500, canvas.get_attribute("id")
    assert desktop.evaluate("typeof Chart") == "function"
    desktop.screenshot(path="/tmp/dashboard.png", full_page=True)

    # The queue, filtered to 待分派.
    desktop.click("nav >> text=建议办理")
    desktop.click(".quick-filters >> text=待分派")
    assert "status=pending" in desktop.url
    rows = desktop.locator("table.queue tbody tr")
    assert rows.count() == 4
    desktop.click(f"text={world['pending']['number']}")

    # The item page: dispatch to 张伟.
    assert desktop.locator("#item-status").inner_text() == "待分派"
    desktop.select_option("select[name=deputy_id]", label="张伟 · 市人大代表 · 鹤城区 · 城北街道人大代表中心联络站 · 尾号 0003")
    desktop.fill("#dispatch textarea[name=note]", "请张代表跟进")
    desktop.click("#dispatch form[method=post] button[type=submit]")
    desktop.wait_for_selector(".flash-success")
    assert desktop.locator(".flash-success").inner_text() == "已分派，等待代表接单。"
    assert desktop.locator("#item-status").inner_text() == "待接单"
    last = desktop.locator("#timeline li").last
    assert "分派" in last.inner_text() and "请张代表跟进" in last.inner_text() and "chengbei" in last.inner_text()

    # Back in the queue the item has left 待分派.
    desktop.goto(f"{live_server}/console/suggestions?status=pending")
    assert desktop.locator("table.queue tbody tr").count() == 3

    assert problems == []
    assert external_requests == []


def test_the_work_orders_fit_a_phone_and_the_forms_take_the_number_and_satisfaction(
        phone, live_server, factory, external_requests):
    """An administrator on the phone forwards with a long work order number and records the deputy's
    satisfaction: the work order table scrolls inside its card instead of widening the page."""
    world = _world(factory)
    item = world["pending"]
    deputy = factory.deputy_headers(world["zhang"])
    client = factory.client
    admin = factory.headers_for_admin(db.session.query(User).filter_by(username="chengbei").one(), "station12345")
    assert client.post(f"/api/v1/suggestions/{item['id']}/dispatch", json={"deputy_id": world["zhang"].id},
                       headers=admin).status_code == 200
    assert client.post(f"/api/v1/suggestions/{item['id']}/accept", headers=deputy).status_code == 200

    phone.goto(f"{live_server}/console/")
    phone.fill("input[name=username]", "chengbei")
    phone.fill("input[name=password]", "station12345")
    phone.click("button[type=submit]")
    phone.goto(f"{live_server}/console/suggestions/{item['id']}")
    phone.select_option("select[name=target]", "department")
    phone.fill("input[name=department]", "鹤城区住房和城乡建设局城市道路照明管理所")
    phone.fill("input[name=work_order_no]", "ZJ" + "2026112700" * 4 + "12345678")
    phone.fill("textarea[name=note]", "请住建局处理。")
    phone.click("form[action$='/forward'] button[type=submit]")
    phone.wait_for_selector(".flash-success")
    phone.fill("form[action$='/feedback'] textarea[name=note]", "住建局：已列入维修计划。")
    phone.check("input[name=department_satisfaction][value=basically_satisfied]")
    phone.click("form[action$='/feedback'] button[type=submit]")
    phone.wait_for_selector(".flash-success")
    assert phone.locator(".flash-success").inner_text() == "已记录部门反馈。"
    row = phone.locator("#work-orders tr.work-order")
    assert "基本满意" in row.inner_text() and "ZJ2026112700" in row.inner_text()
    phone.screenshot(path="/tmp/console_work_orders_phone.png", full_page=True)
    viewport = phone.viewport_size["width"]
    for selector in ("#work-orders", ".detail-main"):
        box = phone.locator(selector).bounding_box()
        assert box["x"] + box["width"] <= viewport, (selector, box)
    assert external_requests == []


def test_the_charts_show_their_numbers_and_a_table_of_them(desktop, live_server, factory):
    """按状态's legend counts each status; every chart has its figures as a table too (查看数据), for those who
    cannot see the chart or want the numbers."""
    _world(factory)
    desktop.goto(f"{live_server}/console/")
    desktop.fill("input[name=username]", "chengbei")
    desktop.fill("input[name=password]", "station12345")
    desktop.click("button[type=submit]")
    desktop.wait_for_selector("body[data-charts=ready]")
    assert desktop.evaluate("Chart.getChart('chart-status').data.labels") == ["待分派 4", "待接单 1"]

    status = desktop.locator("#chart-status-data")
    status.locator("summary").click()
    assert status.locator("tbody tr").all_inner_texts()[:2] == ["待分派\t4", "待接单\t1"]
    category = desktop.locator("#chart-category-data")
    category.locator("summary").click()
    rows = category.locator("tbody tr").all_inner_texts()
    assert rows[0] == "城市管理\t2" and sorted(rows[1:]) == sorted(["道路交通\t1", "环境卫生\t1", "教育医疗\t1"])
    assert desktop.locator("#chart-trend-data tbody tr").count() == 12
    assert "张伟" in desktop.locator("#chart-leaderboard-data").text_content()
