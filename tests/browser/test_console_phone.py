"""A station administrator on a phone (320 and 390 px wide): no console page they use is wider than the
screen, so none scrolls sideways; a wide table scrolls within its own card."""
from datetime import datetime, timedelta, timezone

import pytest

from backend.extensions import db
from backend.points import ledger

from .test_console_activities import sign_in

# How the pages are drawn and read: the same whichever database serves their data (run once, pytest.ini).
pytestmark = pytest.mark.database_independent

# The elements whose right edge passes the screen's, outside a box that scrolls sideways on its own
# (a table in its card): what makes the page wider than the screen, named for the failure message.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const scrollsOnItsOwn = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if ((x === 'auto' || x === 'scroll') && p.getBoundingClientRect().right <= width + 0.5) return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 0.5 && !scrollsOnItsOwn(el)) found.push(name(el) + ' → ' + Math.round(box.right));
  }
  return {page: document.documentElement.scrollWidth, width, found: found.slice(0, 8)};
}"""


def _iso(moment):
    return moment.isoformat()


@pytest.fixture
def station_world(factory):
    """A station with deputies, an item forwarded with a work order, a pending item, activities
    (one begun), an appointment, points: every console page a station administrator opens has something on it."""
    tree = factory.tree()
    station = factory.station(tree["hc"], "鹤城区城北街道人大代表中心联络站", lat=27.5601, lng=109.9985,
                              address="鹤城区人民南路 18 号城北街道办事处一楼", open_hours="每月 10 日、25 日 9:00–12:00")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[station], group="鹤城区第三代表小组")
    li = factory.deputy(tree["hc"], "欧阳晓明", phone="13800000004", stations=[station], level="county")
    admin = factory.admin("chengbei", stations=[station])
    headers = factory.headers_for_admin(admin)
    client = factory.client
    citizen = factory.wechat_login("citizen-phone")

    def file(code, content):
        response = client.post("/api/v1/suggestions", headers=citizen,
                               json={"qr_code": code, "category": "城市管理", "content": content})
        assert response.status_code == 201, response.json
        return response.json

    file(station.qr_code, "人民南路与迎丰路交叉口的红绿灯坏了三天，早晚高峰很危险，请尽快修复。")
    item = file(zhang.qr_code, "小区门口的路灯坏了一个多月，晚上老人出门很不方便。")
    deputy = factory.deputy_headers(zhang)
    assert client.post(f"/api/v1/suggestions/{item['id']}/accept", headers=deputy).status_code == 200
    forwarded = client.post(f"/api/v1/suggestions/{item['id']}/forward", headers=deputy, json={
        "target": "department", "department": "鹤城区住房和城乡建设局城市道路照明管理所",
        "work_order_no": "ZJ2026112700123456789012345678", "note": "请住建局处理。"})
    assert forwarded.status_code == 200, forwarded.json

    now = datetime.now(timezone.utc)
    activity = client.post("/api/v1/activities", headers=headers, json={
        "title": "城北联络站进站接待选民（十一月第二次）", "type": "reception", "station_id": station.id,
        "starts_at": _iso(now + timedelta(days=1)), "ends_at": _iso(now + timedelta(days=1, hours=3)),
        "deputy_ids": [zhang.id, li.id]})
    assert activity.status_code == 201, activity.json
    started = client.post("/api/v1/activities", headers=headers, json={  # its page offers 补签
        "title": "城北联络站代表小组活动", "type": "group", "station_id": station.id,
        "starts_at": _iso(now - timedelta(minutes=10)), "ends_at": _iso(now + timedelta(hours=2)),
        "deputy_ids": [zhang.id, li.id]})
    assert started.status_code == 201, started.json
    appointment = client.post("/api/v1/appointments", headers=citizen, json={
        "qr_code": station.qr_code, "topic": "想当面反映小区加装电梯的困难", "contact_phone": "13912345678",
        "preferred_time": "周六上午", "name": "王先生"})
    assert appointment.status_code == 201, appointment.json

    ledger.credit(zhang.id, "suggestion_closed", "suggestion", item["id"], "测试积分")
    db.session.commit()
    return {"station": station, "deputy": zhang, "item": item, "activities": [activity.json, started.json],
            "appointment": appointment.json}


def console_pages(world):
    return [
        "/console/", "/console/suggestions", f"/console/suggestions/{world['item']['id']}",
        "/console/activities", "/console/activities/new",
        *(f"/console/activities/{activity['id']}" for activity in world["activities"]),
        "/console/stations", f"/console/stations/{world['station'].id}", "/console/deputies",
        f"/console/deputies/{world['deputy'].id}", "/console/deputies/new", "/console/deputies/import",
        "/console/leaderboard", "/console/evaluations", "/console/rules", f"/console/deputies/{world['deputy'].id}/archive",
        "/console/appointments", f"/console/appointments/{world['appointment']['id']}", "/console/audit",
        "/console/wechat",  # last: the test then generates its link code
    ]


@pytest.mark.parametrize("width", [320, 390])
def test_no_console_page_is_wider_than_a_phone(browser, live_server, station_world, external_requests, width):
    context = browser.new_context(viewport={"width": width, "height": 800}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()
    try:
        sign_in(page, live_server, "chengbei")
        wider = {}

        def measure(name):
            measured = page.evaluate(OVERFLOWING)
            if measured["page"] > width or measured["found"]:
                wider[name] = measured

        for path in console_pages(station_world):
            answer = page.goto(live_server + path)
            assert answer.status == 200, path
            measure(path)
        # 微信提醒 with the link code it shows once generated.
        page.click("button:has-text('生成绑定码')")
        page.wait_for_selector("#link-code img.link-code")
        measure("/console/wechat (绑定码)")
        assert wider == {}
    finally:
        context.close()
    assert external_requests == []


# The inputs whose placeholder is wider than the box it is drawn in (cut off on the screen), by name.
CUT_PLACEHOLDERS = """() => {
  const ctx = document.createElement('canvas').getContext('2d');
  const found = [];
  for (const input of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
    const box = input.getBoundingClientRect();
    if (!box.width || !input.placeholder || input.tagName === 'TEXTAREA') continue;
    const style = getComputedStyle(input);
    ctx.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const needed = ctx.measureText(input.placeholder).width;
    if (needed > room + 0.5) found.push(`${input.name}: “${input.placeholder}” ${Math.round(needed)} > ${Math.round(room)}`);
  }
  return found;
}"""


@pytest.mark.parametrize("width", [1366, 390])
def test_no_placeholder_is_cut_off(browser, live_server, station_world, external_requests, width):
    """补签原因 on 出勤情况, the 操作记录 search and every other hint typed in grey fit their boxes."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        sign_in(page, live_server, "chengbei")
        cut = {}
        for path in console_pages(station_world):
            assert page.goto(live_server + path).status == 200, path
            found = page.evaluate(CUT_PLACEHOLDERS)
            if found:
                cut[path] = found
        assert cut == {}
    finally:
        context.close()
    assert external_requests == []


# The menu's entries drawn across more than one line (a label broken as 首\n页), and whether the menu
# passes the screen's right edge.
MENU_LINES = """() => {
  const broken = [...document.querySelectorAll('.topbar nav a')].filter((a) => {
    const range = document.createRange();
    range.selectNodeContents(a);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1;
  }).map((a) => a.textContent.trim());
  const nav = document.querySelector('.topbar nav').getBoundingClientRect();
  return {broken, past: nav.right > document.documentElement.clientWidth + 0.5};
}"""


@pytest.mark.parametrize("width", [1280, 1366, 1600, 1920])
def test_every_menu_entry_is_on_one_line_on_a_pc(browser, live_server, factory, external_requests, width):
    """A region administrator's menu has 19 entries: on a PC screen each reads on one line (the menu takes a
    row of its own below the name when the header's one row cannot hold it), none past the screen's edge."""
    tree = factory.tree()
    factory.admin("huaihua", region=tree["hh"])
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="zh-CN")
    page = context.new_page()
    try:
        sign_in(page, live_server, "huaihua")
        assert page.locator(".topbar nav a").count() == 19
        assert page.evaluate(MENU_LINES) == {"broken": [], "past": False}
    finally:
        context.close()
    assert external_requests == []
