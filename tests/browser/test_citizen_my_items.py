"""In a real browser: 我的建议和约见, the page every mobile page links to by that name, is called so itself, and
an item the citizen follows (joined from 附近已有相似的问题) is marked 已关注, as distinct from their own."""
from playwright.sync_api import expect

from ..factories import screen
from .test_citizen_web import PHONE_GPS, world  # noqa: F401 (fixture)


def test_my_items_names_itself_as_linked_and_marks_a_followed_item(phone, live_server, factory, world):  # noqa: F811
    wechat = factory.wechat_login("citizen-wang")
    earlier = factory.client.post("/api/v1/suggestions", headers=wechat, json={
        "qr_code": world["station"].qr_code, "category": "道路交通", "content": "人民路口红绿灯不亮",
        "location": {"lat": 27.5604, "lng": 109.9900}, "public_consent": True,
    })
    assert earlier.status_code == 201, earlier.json
    screen(factory.app)

    phone.context.grant_permissions(["geolocation"], origin=live_server)
    phone.context.set_geolocation(PHONE_GPS)
    phone.goto(f"{live_server}/q/{world['station'].qr_code}")
    phone.select_option("#category", "道路交通")
    phone.click("#locate")
    expect(phone.locator("#nearby-list li")).to_have_count(1)
    phone.click("text=关注这一条")
    expect(phone.locator(".followed")).to_contain_text("已关注")

    phone.click("a:has-text('我的建议和约见')")
    expect(phone.locator("h1")).to_have_text("我的建议和约见")
    item = phone.locator("#items li")
    expect(item).to_have_count(1)
    expect(item.locator(".tag-followed")).to_have_text("已关注")


def test_the_filer_withdraws_consent_to_publish_on_the_track_page(phone, live_server, factory, world):  # noqa: F811
    """撤回公开同意 in the browser that filed: asked first, then off at once (and on again the same way)."""
    phone.goto(f"{live_server}/q/{world['station'].qr_code}")
    phone.select_option("#category", "城市管理")
    phone.fill("#content", "人民路口路灯不亮")
    phone.locator("label.switch", has_text="同意公开").click()
    phone.click("#submit")
    expect(phone.locator("#done")).to_be_visible()
    link = phone.locator("#done-link").get_attribute("href")
    item_id = int(link.rsplit("/", 1)[1])
    phone.goto(link)
    expect(phone.locator("#consent-state")).to_contain_text("您已同意公开")
    phone.click("#consent")
    expect(phone.locator("#consent-question")).to_contain_text("确定撤回公开同意？")
    phone.click("#consent-no")  # 再想想: nothing sent
    expect(phone.locator("#consent")).to_be_focused()
    phone.click("#consent")
    phone.click("#consent-yes")
    expect(phone.locator("#consent-state")).to_contain_text("您未同意公开")
    expect(phone.locator("#consent")).to_have_text("同意公开")
    expect(phone.locator(".timeline")).to_contain_text("群众撤回公开同意")
    admin = factory.headers_for_admin(factory.admin("consent-check", stations=[world["station"]]))
    assert factory.client.get(f"/api/v1/suggestions/{item_id}", headers=admin).json["public_consent"] is False


def test_my_items_pages_through_every_suggestion_and_appointment(phone, live_server, app, factory, world,  # noqa: F811
                                                                 monkeypatch):
    """Past a page (20) of suggestions or appointments, 加载更多 shows the older ones: the earliest is reachable."""
    monkeypatch.setitem(app.config, "WEB_FILING_RATE_LIMIT", "100 per hour")
    citizen = factory.client.post("/api/v1/auth/web", json={}).json
    headers = {"Authorization": f"Bearer {citizen['token']}"}
    for n in range(21):
        filed = factory.client.post("/api/v1/suggestions", headers=headers, json={
            "qr_code": world["station"].qr_code, "category": "环境卫生", "content": f"第{n + 1}条：小区垃圾桶满了"})
        assert filed.status_code == 201, filed.json
        asked = factory.client.post("/api/v1/appointments", headers=headers, json={
            "qr_code": world["zhang"].qr_code, "topic": f"第{n + 1}次约见：想当面反映加装电梯的困难",
            "contact_phone": "13912345678", "preferred_time": "下周二上午"})
        assert asked.status_code == 201, asked.json
    phone.add_init_script(f"localStorage.setItem('msb.web.key', '{citizen['key']}');"
                          f"localStorage.setItem('msb.web.token', '{citizen['token']}');")
    phone.goto(f"{live_server}/track/")
    items, appts = phone.locator("#items li"), phone.locator("#appts li")
    expect(items).to_have_count(20)
    expect(appts).to_have_count(20)
    expect(phone.locator("#items")).not_to_contain_text("第1条：")
    phone.click("#more")
    expect(items).to_have_count(21)
    expect(items.last).to_contain_text("第1条：小区垃圾桶满了")
    expect(phone.locator("#more")).to_be_hidden()
    phone.click("#appts-more")
    expect(appts).to_have_count(21)
    expect(appts.last).to_contain_text("第1次约见")
    expect(phone.locator("#appts-more")).to_be_hidden()
