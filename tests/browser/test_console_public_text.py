"""In a real browser: an administrator rewrites the public words of a closed item on its 公开展示内容 card,
is asked first, and the public list shows the approved words while the citizen keeps their own."""
from playwright.sync_api import expect

from backend.extensions import db

from ..test_web_pages import closed_item
from .test_console_activities import sign_in

CONTENT = "邻居王建军经常在楼道堆放杂物，堵住了消防通道。"


def test_the_public_text_form_asks_first_and_the_public_list_shows_the_approved_words(desktop, live_server, factory):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[station])
    factory.admin("chengbei", stations=[station])
    item = closed_item(factory.client, factory, zhang, CONTENT, True)
    db.session.commit()
    page = desktop
    sign_in(page, live_server, "chengbei")
    page.goto(f"{live_server}/console/suggestions/{item['id']}")
    card = page.locator("#public-preview")
    expect(card).to_contain_text("邻居***经常在楼道堆放杂物")
    card.locator("summary").click()
    form = card.locator("#public-text-form")
    # Prefilled with what is published now, to be corrected rather than typed again.
    expect(form.locator("textarea[name=content]")).to_have_value("邻居***经常在楼道堆放杂物，堵住了消防通道。")
    form.locator("textarea[name=content]").fill("楼道堆放杂物，堵住了消防通道。")

    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    form.locator("button[type=submit]").click()
    expect(form.locator("button[type=submit]")).to_be_enabled()
    assert questions == ["确定在公开页面显示修改后的内容吗？显示前仍会自动去除个人信息，群众本人看到的仍是原文。"]
    assert factory.client.get("/api/v1/public/suggestions").json["items"][0]["content"].startswith("邻居***")

    page.once("dialog", lambda dialog: dialog.accept())
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text("公开展示内容已保存")
    expect(page.locator("#public-approved")).to_be_visible()
    expect(card).to_contain_text("楼道堆放杂物，堵住了消防通道。")
    expect(page.locator("#timeline")).to_contain_text("修改公开展示内容")
    assert factory.client.get("/api/v1/public/suggestions").json["items"][0]["content"] == "楼道堆放杂物，堵住了消防通道。"
    own = factory.client.get(f"/api/v1/suggestions/{item['id']}", headers=factory.wechat_login("citizen-wang")).json
    assert own["content"] == CONTENT
