"""Accessibility (适老化及无障碍): axe-core, the engine most audits use, checks every citizen page on a phone
and the console's main pages on a desktop against WCAG 2.1 A and AA, in the states a person meets them
(a form with its mistakes said, the page after filing, a tracked item with its timeline and rating form);
and the filing page still reflows on a 320 px screen with the text at 200 %.

axe-core comes from the pinned ``axe-playwright-python`` package (it bundles ``axe.min.js``); nothing is
fetched at run time. A failure lists each rule broken and the elements that break it.
"""
import re
from datetime import datetime, timedelta, timezone

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from backend.org import services as org_services

from .conftest import phone_page
from .test_console_activities import dispatched, sign_in
from .test_public_pages import closed_item, reception

# How the pages are drawn and read: the same whichever database serves their data (run once, pytest.ini).
pytestmark = pytest.mark.database_independent

CHINA = timezone(timedelta(hours=8))
AXE = Axe()
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Beyond WCAG 2.1's own rules: the page's structure (one <h1>, one main landmark, everything inside a
# landmark, headings in order, tables' headers named, landmarks told apart), which is how a screen
# reader's user finds their way, and WCAG 2.2's tap target size, which matters to an unsteady hand.
ALSO = ["page-has-heading-one", "landmark-one-main", "region", "heading-order", "empty-table-header",
        "landmark-unique", "target-size"]
OPTIONS = {
    "runOnly": {"type": "tag", "values": WCAG_AA},
    "rules": {rule: {"enabled": True} for rule in ALSO},
    "resultTypes": ["violations"],
}


def violations(page):
    """What axe-core finds wrong with the page as it is now: one readable line per rule broken."""
    found = AXE.run(page, options=OPTIONS)
    return [
        f"{rule['id']} ({rule['impact']}): {rule['help']} — "
        + "; ".join(" ".join(node["target"]) for node in rule["nodes"])
        for rule in found.response["violations"]
    ]


# axe-core does not check a placeholder's colour; on this form it is the only hint of what to write.
# Each placeholder whose contrast with its field is under 4.5:1, with the figure.
FAINT_PLACEHOLDERS = """() => {
  const rgb = value => value.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const luminance = ([r, g, b]) => {
    const [R, G, B] = [r, g, b].map(c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * R + 0.7152 * G + 0.0722 * B;
  };
  const found = [];
  for (const field of document.querySelectorAll("[placeholder]")) {
    if (!field.getClientRects().length) continue;
    const [a, b] = [luminance(rgb(getComputedStyle(field, "::placeholder").color)),
                    luminance(rgb(getComputedStyle(field).backgroundColor))].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    if (ratio < 4.5) found.push(`#${field.id}'s placeholder: ${ratio.toFixed(2)}:1`);
  }
  return found;
}"""


class Audit:
    """Runs axe on each page state it is shown and keeps every finding, so that one run reports them all."""

    def __init__(self, page):
        self.page = page
        self.found = []

    def check(self, what):
        self.found += [f"{what} [{self.page.url}]: {line}" for line in violations(self.page)]

    def assert_clean(self):
        assert not self.found, "axe-core found accessibility problems:\n" + "\n".join(self.found)


@pytest.fixture
def world(factory):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", address="鹤城区人民路 18 号", lat=27.56, lng=109.99,
                              open_hours="每周二、周四 9:00-12:00", description="城北街道中心联络站，设在街道便民服务中心二楼。")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[station], group="鹤城区第一代表小组")
    li = factory.deputy(tree["hc"], "李娜", phone="13800000004", stations=[station], level="county")
    region_admin = factory.admin("huaihua", region=tree["hh"])
    admin = factory.headers_for_admin(region_admin)
    return {"tree": tree, "station": station, "zhang": zhang, "li": li, "admin": admin, "region_admin": region_admin}


def china_phone(browser, live_server, external_requests, width=375, height=667):
    return phone_page(browser, live_server, external_requests, width, height, scale=2, timezone_id="Asia/Shanghai")


@pytest.fixture
def small_phone(browser, live_server, external_requests):
    page = china_phone(browser, live_server, external_requests)
    yield page
    page.context.close()


def test_citizen_pages_on_a_phone(small_phone, live_server, factory, world, external_requests):
    page, audit = small_phone, Audit(small_phone)
    reception(factory, world)  # a reception day to choose from on the 约见 tab

    for who, code in (("deputy", world["zhang"].qr_code), ("station", world["station"].qr_code)):
        page.goto(f"{live_server}/q/{code}")
        expect(page.locator("#file-card")).to_be_visible()
        audit.check(f"{who}'s code: the filing form")
        faint = page.evaluate(FAINT_PLACEHOLDERS)
        assert not faint, faint
        page.click("#submit")  # nothing filled in: each mistake is said beside its field, and read with it
        expect(page.locator("#file-form .field-error:visible")).to_have_count(2)
        # The mistake first, then the counter (not in the label: the field's name is 建议内容 only).
        expect(page.get_by_label("建议内容")).to_have_accessible_description("请填写建议内容。 0/1000")
        expect(page.get_by_label("问题类别")).to_have_accessible_description("请选择问题类别。")
        expect(page.get_by_label("问题类别")).to_be_focused()
        audit.check(f"{who}'s code: the filing form's mistakes")
        page.click("#tab-appt")
        expect(page.locator("#appt-card")).to_be_visible()
        audit.check(f"{who}'s code: 约见")
        faint = page.evaluate(FAINT_PLACEHOLDERS)
        assert not faint, faint
        page.click("#appt-submit")
        expect(page.locator("#appt-form .field-error:visible")).to_have_count(3)
        said = page.locator("#appt-form .field-error:visible").first.inner_text()
        expect(page.locator("#appt-form [aria-invalid=true]").first).to_have_accessible_description(
            re.compile("^" + re.escape(said)))
        audit.check(f"{who}'s code: 约见's mistakes")

    # Filing, then the page after it.
    page.goto(f"{live_server}/q/{world['zhang'].qr_code}")
    page.select_option("#category", "城市管理")
    page.fill("#content", "小区门口的路灯坏了一个月，晚上出行很不方便。")
    page.click("#submit")
    expect(page.locator("#done")).to_be_visible()
    audit.check("after filing")
    item_id = int(page.locator("#done-link").get_attribute("href").rsplit("/", 1)[1])

    # An appointment asked for, and its page.
    page.goto(f"{live_server}/q/{world['zhang'].qr_code}")
    page.click("#tab-appt")
    page.fill("#appt-topic", "想反映噪音扰民")
    page.check("#appt-other")
    page.fill("#appt-preferred_time", "周三下午")
    page.fill("#appt-contact_phone", "13912345678")
    page.click("#appt-submit")
    expect(page.locator("#appt-done")).to_be_visible()
    audit.check("after asking to meet")
    page.click("#appt-done-open")
    expect(page.locator("#detail")).to_be_visible()
    audit.check("an appointment's page")

    # The deputy answers; the citizen follows the item and may rate the answer.
    deputy = factory.deputy_headers(world["zhang"])
    assert factory.client.post(f"/api/v1/suggestions/{item_id}/accept", headers=deputy).status_code == 200
    assert factory.client.post(f"/api/v1/suggestions/{item_id}/reply", headers=deputy,
                               json={"content": "已联系城管部门，路灯已修复。", "implemented": True}).status_code == 200
    page.goto(f"{live_server}/track/")
    expect(page.locator("#items li").first).to_be_visible()
    audit.check("my suggestions and appointments")
    page.goto(f"{live_server}/track/{item_id}")
    expect(page.locator("#rate-card")).to_be_visible()
    expect(page.locator("#timeline li").first).to_be_visible()
    audit.check("an item's progress with the rating form")
    page.click("#rate-submit")  # no choice made: the mistake is said, and read with the choices
    expect(page.locator("#rate-error")).to_be_visible()
    choices = page.get_by_role("radiogroup", name="满意程度")
    expect(choices).to_have_accessible_description("请选择满意程度。")
    expect(choices.get_by_role("radio").first).to_be_focused()
    audit.check("the rating form's mistake")

    # Codes that do not open a card.
    page.goto(f"{live_server}/q/NOSUCHCODE1")
    expect(page.locator("h1")).to_have_text("二维码无效")
    audit.check("an unknown code")
    audit.assert_clean()
    assert external_requests == []


def test_public_pages_on_a_phone(small_phone, live_server, factory, world, external_requests):
    page, audit = small_phone, Audit(small_phone)
    closed_item(factory, world["zhang"], "人民路的路灯坏了，晚上很黑。")
    reception(factory, world)
    station_id = world["station"].id
    for what, path in (
        ("the stations", "/public/stations"),
        ("a station", f"/public/stations/{station_id}"),
        ("a station's deputies", f"/public/stations/{station_id}/deputies"),
        ("a deputy with a published item", f"/public/deputies/{world['zhang'].id}"),
        ("the leaderboard", "/public/leaderboard"),
        ("the statistics", "/public/stats"),
        ("a station that does not exist", "/public/stations/999999"),
        ("an address that is no page", "/no-such-page"),
    ):
        page.goto(f"{live_server}{path}")
        expect(page.locator("h1").first).to_be_visible()
        audit.check(what)
    audit.assert_clean()
    assert external_requests == []


def test_a_closed_stations_pages_on_a_phone(small_phone, live_server, factory, world, external_requests):
    """A closed station's code and public page (citizen-pages audit 2026-11-29, finding 6): the link to the open
    station, inside the notice's sentence, is told apart by more than its colour (axe: link-in-text-block)."""
    page, audit = small_phone, Audit(small_phone)
    closed = factory.station(world["tree"]["hc"], "城北老联络站", lat=27.5601, lng=109.9985)
    org_services.set_station_closed(None, closed, True)
    factory.commit()
    for what, path in (("a closed station's code", f"/q/{closed.qr_code}"),
                       ("a closed station's page", f"/public/stations/{closed.id}")):
        page.goto(f"{live_server}{path}")
        expect(page.locator(".notice-text a")).to_have_text("城北联络站")
        audit.check(what)
    audit.assert_clean()
    assert external_requests == []


def items_in_every_state(factory, world):
    """Items in the queue in each state a station meets (their badges differ): the pending one's id."""
    client, station, zhang, li = factory.client, world["station"], world["zhang"], world["li"]
    citizen = factory.wechat_login("citizen-a11y")
    deputy = factory.deputy_headers(zhang)

    def filed(content, code=station.qr_code):
        answer = client.post("/api/v1/suggestions", headers=citizen, json={
            "qr_code": code, "category": "环境卫生", "content": content, "contact_phone": "13912345678"})
        assert answer.status_code == 201, answer.json
        return answer.json["id"]

    def step(item_id, action, headers, **body):
        answer = client.post(f"/api/v1/suggestions/{item_id}/{action}", headers=headers, json=body)
        assert answer.status_code == 200, answer.json

    pending = filed("河边垃圾没人清理。")
    step(filed("路口红绿灯时间太短。"), "dispatch", world["admin"], deputy_id=li.id)  # 已分派
    accepted = filed("小区门口积水。", zhang.qr_code)
    step(accepted, "accept", deputy)
    replied = filed("公园路灯不亮。", zhang.qr_code)
    step(replied, "accept", deputy)
    step(replied, "reply", deputy, content="已联系城管部门修复。", implemented=True)
    step(filed("广告牌遮挡视线。"), "reject", world["admin"], reason="不属于人大代表联络站受理范围。")
    step(filed("重复提交的一条。"), "withdraw", citizen)
    closed_item(factory, zhang, "人民路的路灯坏了，晚上很黑。", js_code="citizen-closed")
    return pending


def test_console_pages_for_a_region_administrator(desktop, live_server, factory, world, external_requests):
    page, audit = desktop, Audit(desktop)
    station, zhang, li = world["station"], world["zhang"], world["li"]
    pending = items_in_every_state(factory, world)
    starts = datetime.now(CHINA).replace(microsecond=0) + timedelta(hours=1)  # 请假 is before it starts
    activity_id = dispatched(factory, world["region_admin"], station, [zhang, li], "进站接待选民", "reception",
                             starts, starts + timedelta(hours=2))
    assert factory.client.post(f"/api/v1/activities/{activity_id}/accept",
                               headers=factory.deputy_headers(zhang)).status_code == 200
    assert factory.client.post(f"/api/v1/activities/{activity_id}/decline", headers=factory.deputy_headers(li),
                               json={"reason": "外出开会"}).status_code == 200
    cancelled = dispatched(factory, world["region_admin"], station, [zhang], "视察调研", "inspection",
                           starts + timedelta(days=1), starts + timedelta(days=1, hours=2))
    assert factory.client.post(f"/api/v1/activities/{cancelled}/cancel", headers=world["admin"],
                               json={"reason": "天气原因"}).status_code == 200

    livelihood = factory.client.post("/api/v1/livelihood/votes", headers=world["admin"], json={
        "title": "2027 年怀化市民生实事项目票决", "year": 2027, "places": 1,
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=3)).isoformat()})
    assert livelihood.status_code == 201, livelihood.json
    assert factory.client.post(f"/api/v1/livelihood/votes/{livelihood.json['id']}/projects", headers=world["admin"],
                               json={"title": "城区停车场建设", "department": "住建局", "budget": 300}).status_code == 201
    assert factory.client.post("/api/v1/livelihood/proposals", headers=factory.wechat_login("citizen-a11y"), json={
        "region_id": world["tree"]["hh"].id, "title": "增设公交站", "content": "希望增设公交站"}).status_code == 201
    consultation = factory.client.post("/api/v1/consultations", headers=world["admin"], json={
        "title": "怀化市城市绿化条例（草案）", "text": "第一条　为了促进城市绿化，制定本条例。\n第二条　本条例适用于本市。",
        "starts_at": (starts - timedelta(days=1)).isoformat(), "ends_at": (starts + timedelta(days=3)).isoformat()}).json
    assert factory.client.post(f"/api/v1/consultations/{consultation['id']}/open", headers=world["admin"]).status_code == 200
    assert factory.client.post(f"/api/v1/consultations/{consultation['id']}/opinions",
                               headers=factory.wechat_login("citizen-a11y"), json={
        "article_id": consultation["articles"][1]["id"], "content": "建议写明适用范围。",
        "contact_phone": "13800001111"}).status_code == 201
    liaison = factory.client.post("/api/v1/liaisons", headers=world["admin"], json={
        "name": "教育科学文化卫生委员会", "kind": "committee", "title": "专门委员会",
        "region_id": world["tree"]["hh"].id}).json  # the city's committee: its deputies are city deputies
    assert factory.client.post(f"/api/v1/liaisons/{liaison['id']}/deputies", headers=world["admin"],
                               json={"deputy_ids": [zhang.id]}).status_code == 200
    assert factory.client.post(f"/api/v1/liaisons/{liaison['id']}/contacts", headers=world["admin"], json={
        "deputy_id": zhang.id, "date": datetime.now(CHINA).date().isoformat(), "way": "visit",
        "summary": "走访了解教育工作意见"}).status_code == 201

    page.goto(f"{live_server}/console/login")
    audit.check("sign-in")
    page.fill("input[name=username]", "huaihua")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_be_visible()
    audit.check("sign-in refused")
    sign_in(page, live_server, "huaihua")
    for what, path in (
        ("dashboard", "/console/"),
        ("queue", "/console/suggestions"),
        ("an item", f"/console/suggestions/{pending}"),
        ("activities", "/console/activities"),
        ("发单", "/console/activities/new"),
        ("an activity's attendance", f"/console/activities/{activity_id}"),
        ("deputies", "/console/deputies"),
        ("a new deputy", "/console/deputies/new"),
        ("a deputy", f"/console/deputies/{zhang.id}"),
        ("leaderboard", "/console/leaderboard"),
        ("履职评价", "/console/evaluations"),
        ("培训清单", "/console/training"),
        ("民生实事", "/console/livelihood"),
        ("群众下单", "/console/livelihood/proposals"),
        ("a 民生实事 round", f"/console/livelihood/{livelihood.json['id']}"),
        ("立法意见征集", "/console/consultations"),
        ("a 立法意见征集", f"/console/consultations/{consultation['id']}"),
        ("联系清单", "/console/liaisons"),
        ("a 联系人", f"/console/liaisons/{liaison['id']}"),
        ("import", "/console/deputies/import"),
        ("stations import", "/console/stations/import"),
        ("stations", "/console/stations"),
        ("appointments", "/console/appointments"),
        ("管理员账号", "/console/admins"),
        ("a new administrator", "/console/admins/new"),
        ("操作日志", "/console/audit"),
    ):
        page.goto(f"{live_server}{path}")
        expect(page.locator("h1").first).to_be_visible()
        audit.check(what)

    # 批量分派 asks first, on a page of its own.
    page.goto(f"{live_server}/console/suggestions?status=pending")
    page.get_by_label("全选本页待分派的建议").check()
    batch = page.get_by_role("form", name="批量分派")
    batch.get_by_label("分派给").select_option(str(zhang.id))
    batch.get_by_role("button", name="分派所选").click()
    expect(page.locator("#batch-question")).to_contain_text("确定将所选")
    audit.check("批量分派's question")

    # A refused step comes back with its reason in the form, read with the box it is about (督办: offered
    # once the item is dispatched).
    assert factory.client.post(f"/api/v1/suggestions/{pending}/dispatch", json={"deputy_id": zhang.id},
                               headers=world["admin"]).status_code == 200
    page.goto(f"{live_server}/console/suggestions/{pending}")
    note = page.get_by_label("督办意见（群众可见）")
    note.fill("   ")
    page.click("button:has-text('督办')")
    reason = page.locator("#refused")
    expect(reason).to_be_visible()
    expect(note).to_be_focused()
    expect(note).to_have_accessible_description(reason.inner_text())
    expect(note).to_have_attribute("aria-invalid", "true")
    audit.check("a refused step")

    # A refused form comes back with each reason under its field, read with it, and a line at the top.
    page.goto(f"{live_server}/console/deputies/new")
    page.get_by_label("姓名").fill("王芳")
    page.get_by_label("所属区域").select_option(str(station.region_id))
    phone = page.get_by_label("手机号")
    phone.fill("12345")
    page.click("button:has-text('新增代表')")
    expect(page.locator("#refusal-summary")).to_have_text("有 1 处需要修改：手机号。")
    expect(phone).to_be_focused()
    expect(phone).to_have_accessible_description("手机号应为 11 位数字，以 1 开头。")
    audit.check("a refused deputy form")
    page.goto(f"{live_server}/console/activities/new?station_id={station.id}")
    page.get_by_label("活动名称").fill("进站接待选民")
    page.click("button:has-text('发单并通知代表')")
    expect(page.get_by_role("group", name="参加代表")).to_have_accessible_description("请至少选择一位参加的代表，或填写揭榜名额由代表自行报名。")
    audit.check("a refused 发单")
    audit.assert_clean()
    assert external_requests == []


# The browser's text size at 200 % (a phone's 字体大小 setting, WeChat's 字体大小): every font size and
# line height the page's style sheets set, doubled, media queries included; the layout's own lengths
# (widths, paddings) stay as they are, as with a browser's text-only zoom.
TEXT_AT_200 = """() => {
  const doubled = value => value && !/^(inherit|initial|unset|normal|[0-9.]+)$/.test(value) && !/(%|em)$/.test(value)
    ? `calc(2 * (${value}))` : null;
  const visit = rules => {
    for (const rule of rules) {
      if (rule.cssRules) visit(rule.cssRules);
      if (!rule.style) continue;
      for (const property of ["font-size", "line-height"]) {
        const twice = doubled(rule.style.getPropertyValue(property));
        if (twice) rule.style.setProperty(property, twice, rule.style.getPropertyPriority(property));
      }
    }
  };
  for (const sheet of document.styleSheets) visit(sheet.cssRules);
  // What no rule sets: the browser's own 16 px.
  document.documentElement.style.fontSize = "32px";
}"""

# What the page shows cut off or out of reach: the page wider than the screen, and any element with text
# whose box hides part of its content (overflow hidden or clipped, or an ellipsis).
CUT_OFF = """() => {
  const found = [];
  const width = document.documentElement.clientWidth;
  const scrolled = document.documentElement.scrollWidth;
  if (scrolled > width) found.push(`the page scrolls sideways: ${scrolled} px wide on a ${width} px screen`);
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  const scrolls = v => v === "auto" || v === "scroll";
  for (const el of document.body.querySelectorAll("*")) {
    if (!el.getClientRects().length || !el.textContent.trim()) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || (el.clientWidth <= 1 && el.clientHeight <= 1)) continue;  // read aloud only
    const text = el.textContent.trim().replace(/\\s+/g, " ").slice(0, 30);
    const wide = el.scrollWidth > el.clientWidth + 1 && style.display !== "inline" && !scrolls(style.overflowX);
    const tall = el.scrollHeight > el.clientHeight + 1 && style.overflowY !== "visible" && !scrolls(style.overflowY);
    if (wide && (style.overflowX !== "visible" || style.whiteSpace !== "normal"))
      found.push(`${name(el)} cuts off or spills its text (${el.scrollWidth} px in ${el.clientWidth}): ${text}`);
    if (tall) found.push(`${name(el)} cuts off its text below (${el.scrollHeight} px in ${el.clientHeight}): ${text}`);
    const right = el.getBoundingClientRect().right;
    const parent = el.parentElement.getBoundingClientRect().right;
    if (right > width + 1 && parent <= width + 1) found.push(`${name(el)} reaches past the screen's edge (${Math.round(right)} px): ${text}`);
  }
  return found;
}"""


def test_filing_page_reflows_at_320_px_with_text_at_200_percent(browser, live_server, factory, world, external_requests):
    """WCAG 1.4.4 and 1.4.10 together, as an elderly citizen's phone has it: the narrowest phone screen and
    the largest text setting. Nothing needs sideways scrolling and no words are cut off or run over."""
    page = china_phone(browser, live_server, external_requests, width=320, height=640)
    try:
        reception(factory, world)  # the 约见 tab lists a reception day
        closed_item(factory, world["zhang"], "人民路的路灯坏了，晚上很黑。")  # the statistics show 100.0%
        found = []

        def look(what):
            found.extend(f"{what}: {problem}" for problem in page.evaluate(CUT_OFF))

        page.goto(f"{live_server}/q/{world['zhang'].qr_code}")
        page.evaluate(TEXT_AT_200)
        look("the filing form")
        page.click("#submit")  # nothing filled in: every mistake at once
        expect(page.locator("#file-form .field-error:visible")).to_have_count(2)
        look("the filing form's mistakes")
        page.click("#tab-appt")
        page.click("#appt-submit")
        expect(page.locator("#appt-form .field-error:visible")).to_have_count(3)
        look("约见 with its mistakes")
        page.click("#tab-file")
        page.select_option("#category", "城市管理")
        page.fill("#content", "小区门口的路灯坏了一个月，晚上出行很不方便。")
        page.click("#submit")
        expect(page.locator("#done")).to_be_visible()
        look("after filing")
        # The public figures a citizen is sent to from there (the tiles, the years, the ranks).
        for what, path in (("the statistics", "/public/stats"), ("the leaderboard", "/public/leaderboard")):
            page.goto(f"{live_server}{path}")
            page.evaluate(TEXT_AT_200)
            look(what)
        assert not found, "At 320 px with the text at 200 %:\n" + "\n".join(found)
        assert external_requests == []
    finally:
        page.context.close()
