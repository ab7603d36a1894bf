"""A station administrator in a real browser answers a request made through the station's code (no deputy:
only the station can answer it): the 约见 list, the request's page, 确认 with a time, then 已确认."""
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from .test_console_activities import sign_in

CHINA = timezone(timedelta(hours=8))


def _ask(factory, headers, code, topic, **extra):
    body = {"qr_code": code, "topic": topic, "contact_phone": "13912345678", "preferred_time": "周六上午"} | extra
    response = factory.client.post("/api/v1/appointments", json=body, headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def test_station_admin_confirms_a_station_code_request(desktop, live_server, factory, external_requests):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", address="人民路 18 号")
    elsewhere = factory.station(tree["hc"], "城南联络站")
    factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[station])
    factory.admin("chengbei", stations=[station])
    citizen = factory.wechat_login("citizen-browser")
    request = _ask(factory, citizen, station.qr_code, "想当面反映小区加装电梯的困难", name="王先生")
    other = _ask(factory, citizen, elsewhere.qr_code, "城南的事")

    problems = []
    desktop.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    desktop.on("pageerror", lambda exc: problems.append(str(exc)))
    dialogs = []
    desktop.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(desktop, live_server, "chengbei")

    # The list: 待确认 by default, only this station's request.
    desktop.click("nav >> text=约见")
    expect(desktop.locator("h1")).to_have_text("约见")
    expect(desktop.locator(".quick-filters a.active")).to_have_text("待确认")
    rows = desktop.locator("table.queue tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("联络站")
    expect(rows.first).to_contain_text("王先生")
    expect(rows.first).to_contain_text("13912345678")
    expect(desktop.locator("table.queue")).not_to_contain_text(other["number"])
    desktop.screenshot(path="/tmp/console-appointments.png", full_page=True)
    desktop.click(f"text={request['number']}")

    # The request's page: 婉拒 asks first (dismissed: nothing happens), then 确认 with a time.
    expect(desktop.locator("#appointment-status")).to_have_text("待确认")
    desktop.wait_for_load_state("load")  # the page's scripts, which ask before 婉拒, have run (a busy machine)
    desktop.fill("#decline-reason", "暂不安排")
    desktop.click("#decline button[type=submit]")
    assert dialogs and "确定婉拒吗" in dialogs[0]
    expect(desktop.locator("#appointment-status")).to_have_text("待确认")

    meet = (datetime.now(CHINA) + timedelta(days=2)).replace(hour=15, minute=30, second=0, microsecond=0)
    desktop.fill("#confirm-meet-at", meet.strftime("%Y-%m-%dT%H:%M"))
    desktop.fill("#confirm-note", "请带上相关材料")
    desktop.click("#confirm button[type=submit]")
    expect(desktop.locator(".flash-success")).to_have_text("已确认约见，已通知群众。")
    expect(desktop.locator("#appointment-status")).to_have_text("已确认")
    expect(desktop.locator("#meet-time")).to_have_text(meet.strftime("%Y-%m-%d %H:%M"))
    expect(desktop.locator("#meet-place")).to_have_text("城北联络站（人民路 18 号）")
    desktop.screenshot(path="/tmp/console-appointment.png", full_page=True)

    # Back in the list it has left 待确认 and shows under 已确认.
    desktop.click("#back-to-list")
    expect(desktop.locator("table.queue")).to_have_count(0)
    desktop.click(".quick-filters >> text=已确认")
    expect(desktop.locator("table.queue tbody tr")).to_have_count(1)
    expect(desktop.locator("table.queue tbody tr").first).to_contain_text(meet.strftime("%Y-%m-%d %H:%M"))

    desktop.click("nav >> text=首页")
    expect(desktop.locator("#kpi-appointments")).to_have_text("0")
    desktop.screenshot(path="/tmp/console-dashboard-appointments.png")

    assert problems == []
    assert external_requests == []
