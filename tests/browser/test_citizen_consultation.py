"""立法意见征集 in a phone browser outside WeChat: from a station's public page (the station a 基层立法联系点)
to a draft regulation read article by article, an opinion on one article sent with the browser's
identity — a mistake said beside its field first, an answer lost on the way sent again without a second
opinion — then seen in 我的意见 on the same page, and the congress's feedback after a reload."""
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect
from sqlalchemy import select

from backend.consultations.models import ConsultationOpinion
from backend.extensions import db

from .conftest import lose_the_first_answer, phone_page
from .test_accessibility import Audit

DRAFT = "怀化市城市绿化条例（草案）\n第一条　为了促进城市绿化事业的发展，制定本条例。\n第二条　本条例适用于本市城市规划区。\n第三条　新建居住区绿地率不得低于百分之三十。"


def test_a_citizen_reads_a_draft_and_gives_an_opinion_on_an_article(browser, phone, live_server, factory,
                                                                      external_requests):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", address="鹤城区人民路 18 号")
    admin = factory.headers_for_admin(factory.admin("hh-admin", region=tree["hh"]))
    now = datetime.now(timezone.utc)
    created = factory.client.post("/api/v1/consultations", headers=admin, json={
        "title": "怀化市城市绿化条例（草案）", "summary": "为加强城市绿化管理，起草了本条例草案。", "text": DRAFT,
        "starts_at": (now - timedelta(minutes=5)).isoformat(), "ends_at": (now + timedelta(days=30)).isoformat()}).json
    assert factory.client.post(f"/api/v1/consultations/{created['id']}/open", headers=admin).status_code == 200
    audit = Audit(phone)

    phone.goto(f"{live_server}/public/stations/{station.id}")
    phone.get_by_role("link", name="怀化市城市绿化条例（草案）").click()
    expect(phone.locator("h1")).to_have_text("怀化市城市绿化条例（草案）")
    expect(phone.locator(".cs-article")).to_have_count(3)
    expect(phone.locator("#cs-empty")).to_be_visible()  # no opinion from this browser yet
    audit.check("a draft regulation's page")

    phone.get_by_role("button", name="对第三条提意见").click()
    expect(phone.locator("#cs-article_id option:checked")).to_have_text("第三条")
    expect(phone.locator("#cs-content")).to_be_focused()
    phone.fill("#cs-contact_phone", "12345")
    phone.fill("#cs-content", "建议把绿地率提高到百分之三十五。")
    phone.click("#cs-submit")
    expect(phone.locator("#cs-contact_phone-error")).to_have_text("联系电话格式不正确，请填写手机号或座机号。")
    expect(phone.locator("#cs-contact_phone")).to_have_attribute("aria-invalid", "true")
    audit.check("the opinion form's mistake")

    phone.fill("#cs-contact_phone", "139 1234 5678")
    keys = lose_the_first_answer(phone, "**/api/v1/consultations/*/opinions")
    phone.click("#cs-submit")  # kept, but the answer is lost on the way: sent again, one opinion
    expect(phone.locator("#cs-error")).to_have_text("网络连接不稳定，请检查网络后重试。")
    phone.click("#cs-submit")
    expect(phone.locator("#cs-done")).to_be_visible()
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1]
    mine = phone.locator("#cs-mine li")
    expect(mine).to_have_count(1)
    expect(mine.locator(".cs-opinion-article")).to_have_text("第三条")
    expect(mine.locator(".badge")).to_have_text("待反馈")
    expect(mine.locator(".item-text")).to_have_text("建议把绿地率提高到百分之三十五。")
    expect(phone.locator("#cs-content")).to_have_value("")
    audit.check("my opinions")
    phone.screenshot(path="/tmp/consultation_public.png", full_page=True)
    db.session.expire_all()
    kept = db.session.scalars(select(ConsultationOpinion)).all()
    assert [(o.article.number, o.phone, o.kind.value) for o in kept] == [("第三条", "13912345678", "citizen")]

    # The congress answers; a reload shows it.
    assert factory.client.post(f"/api/v1/consultations/{created['id']}/opinions/{kept[0].id}/feedback", headers=admin,
                               json={"result": "partly", "note": "已调整为百分之三十二。"}).status_code == 200
    phone.reload()
    expect(phone.locator("#cs-mine li .badge")).to_have_text("部分采纳")
    expect(phone.locator("#cs-mine li .cs-feedback")).to_have_text("反馈：已调整为百分之三十二。")
    audit.assert_clean()
    assert external_requests == []


def test_long_unbroken_text_in_a_draft_wraps_on_a_narrow_phone(browser, live_server, factory, external_requests):
    """A long address or Latin run in an article or in the summary wraps: the page
    never scrolls sideways at 360 or 320 px."""
    tree = factory.tree()
    admin = factory.headers_for_admin(factory.admin("hh-admin", region=tree["hh"]))
    url = "https://www.example.gov.cn/" + "a" * 120
    now = datetime.now(timezone.utc)
    created = factory.client.post("/api/v1/consultations", headers=admin, json={
        "title": "怀化市城市绿化条例（草案）", "summary": "起草说明见 " + url,
        "text": f"第一条　为了绿化，制定本条例。\n第二条　详见{url}，以及ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ",
        "starts_at": (now - timedelta(minutes=5)).isoformat(), "ends_at": (now + timedelta(days=30)).isoformat()}).json
    assert factory.client.post(f"/api/v1/consultations/{created['id']}/open", headers=admin).status_code == 200
    for width in (360, 320):
        page = phone_page(browser, live_server, external_requests, width=width)
        page.goto(f"{live_server}/public/consultations/{created['id']}")
        expect(page.locator(".cs-article")).to_have_count(2)
        expect(page.locator(".cs-article").nth(1)).to_contain_text("a" * 120)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, width
        page.screenshot(path=f"/tmp/consultation_long_{width}.png", full_page=True)
        page.context.close()
    assert external_requests == []


def test_my_opinions_page_through_to_the_earliest(phone, live_server, factory):
    """More opinions than a page (20) from one browser: 加载更多 shows the earliest too, with its feedback."""
    admin = factory.headers_for_admin(factory.admin("hh-admin", region=factory.tree()["hh"]))
    now = datetime.now(timezone.utc)
    created = factory.client.post("/api/v1/consultations", headers=admin, json={
        "title": "怀化市城市绿化条例（草案）", "summary": "为加强城市绿化管理，起草了本条例草案。", "text": DRAFT,
        "starts_at": (now - timedelta(minutes=5)).isoformat(), "ends_at": (now + timedelta(days=30)).isoformat()}).json
    assert factory.client.post(f"/api/v1/consultations/{created['id']}/open", headers=admin).status_code == 200
    citizen = factory.client.post("/api/v1/auth/web", json={}).json
    for n in range(21):
        given = factory.client.post(f"/api/v1/consultations/{created['id']}/opinions", json={
            "content": f"第{n + 1}条意见：建议增加绿地。"}, headers={"Authorization": f"Bearer {citizen['token']}"})
        assert given.status_code == 201, given.json
    phone.add_init_script(f"localStorage.setItem('msb.web.key', '{citizen['key']}');"
                          f"localStorage.setItem('msb.web.token', '{citizen['token']}');")
    phone.goto(f"{live_server}/public/consultations/{created['id']}")
    mine = phone.locator("#cs-mine li")
    expect(mine).to_have_count(20)
    phone.click("#cs-more")
    expect(mine).to_have_count(21)
    expect(mine.last.locator(".item-text")).to_have_text("第1条意见：建议增加绿地。")
    expect(phone.locator("#cs-more")).to_be_hidden()
