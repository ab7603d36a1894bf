"""A citizen outside WeChat reads what is held about their browser identity on /track/ and cancels it (注销):
asked in the page first, then the browser forgets the identity; the station keeps the item, anonymous."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backend.auth.models import User
from backend.extensions import db
from backend.suggestions.models import Suggestion


@pytest.fixture
def world(factory):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", address="鹤城区人民路 18 号", lat=27.56, lng=109.99)
    admin = factory.admin("chengbei", stations=[station])
    return {"station": station, "admin": factory.headers_for_admin(admin), "tree": tree}


def test_a_browser_citizen_reads_their_data_and_cancels_the_identity(phone, live_server, app, factory, world,
                                                                      external_requests):
    phone.goto(f"{live_server}/q/{world['station'].qr_code}")
    phone.select_option("#category", "城市管理")
    phone.fill("#content", "公园东门的路灯坏了，晚上很黑，希望尽快维修。")
    phone.fill("#contact_phone", "13912345678")
    phone.click("#submit")
    expect(phone.locator("#done")).to_be_visible()
    number = phone.locator("#done-number").inner_text()
    item_id = int(phone.locator("#done-link").get_attribute("href").rsplit("/", 1)[1])

    # A second suggestion typed with the phone number and not sent: the tab keeps it (a draft).
    phone.click("#again")
    phone.select_option("#category", "城市管理")
    phone.fill("#content", "公园西门也有一盏路灯不亮。")
    phone.fill("#contact_phone", "13912345678")

    phone.goto(f"{live_server}/track/")
    expect(phone.locator("#items li")).to_have_count(1)
    expect(phone.locator("#privacy-card")).to_be_visible()
    phone.click("#privacy-show")
    expect(phone.locator("#privacy-account")).to_contain_text("手机浏览器")
    expect(phone.locator("#privacy-list")).to_contain_text(f"{number}（待分派）")
    expect(phone.locator("#privacy-list")).to_contain_text("联系电话 13912345678")
    # What the public pages show of it: nothing yet (waiting at the station).
    expect(phone.locator("#privacy-list")).to_contain_text("公开展示情况：未公开展示")

    # Asked in the page first; 再想想 sends nothing.
    phone.click("#erase")
    expect(phone.locator("#erase-confirm")).to_be_visible()
    expect(phone.locator("#erase-confirm")).to_contain_text("将删除：本浏览器的身份，您在建议、约见、民生实事建议和立法意见中留下的联系电话和位置")
    expect(phone.locator("#erase-confirm")).to_contain_text("将保留：已提交的建议、约见、民生实事建议和立法意见的内容、述职测评的评价和测评意见（其中的姓名、电话、门牌号等个人信息将被隐去）和办理记录，作为人大工作台账以匿名“群众”身份继续办理")
    expect(phone.locator("#erase-yes")).to_be_focused()
    phone.click("#erase-no")
    expect(phone.locator("#erase-confirm")).to_be_hidden()
    with app.app_context():
        assert db.session.scalar(select(User.erased_dt).where(User.web_id.is_not(None))) is None

    phone.click("#erase")
    phone.click("#erase-yes")
    expect(phone.locator("#erased-card")).to_be_visible()
    expect(phone.locator("#erased-card")).to_contain_text("账号已注销")
    expect(phone.locator("#privacy-card")).to_be_hidden()
    assert phone.evaluate("() => localStorage.getItem('msb.web.key') === null && localStorage.getItem('msb.web.token') === null")
    # Nor does the tab keep what was typed (the phone number in a draft).
    assert phone.evaluate("() => Object.keys(sessionStorage).filter(k => k.startsWith('msb.web.'))") == []

    # The station still has the item, its filer anonymous and its contact phone gone.
    item = factory.client.get(f"/api/v1/suggestions/{item_id}", headers=world["admin"]).json
    assert (item["number"], item["citizen"], item["contact_phone"]) == (number, None, None)
    with app.app_context():
        citizen = db.session.scalar(select(User).join(Suggestion, Suggestion.citizen_id == User.id)
                                    .where(Suggestion.id == item_id))
        assert (citizen.web_id, citizen.erased_dt is not None) == (None, True)

    # Opened again, the page knows no identity here: nothing listed, no card to cancel.
    phone.reload()
    expect(phone.locator("#empty")).to_be_visible()
    expect(phone.locator("#privacy-card")).to_be_hidden()
    assert external_requests == []


def test_the_copy_lists_the_opinions_on_drafts_and_the_photos_not_filed(phone, live_server, app, factory, world,
                                                                       external_requests):
    """个人信息保护法 第四十五条: every kind held is in the copy — an opinion given on a draft from this browser
    (with its phone) and a photo uploaded but never filed — and the 注销 warning says what becomes of opinions."""
    from datetime import datetime, timedelta, timezone

    from .test_citizen_consultation import DRAFT

    admin = factory.headers_for_admin(factory.admin("hh-admin", region=world["tree"]["hh"]))
    now = datetime.now(timezone.utc)
    draft = factory.client.post("/api/v1/consultations", headers=admin, json={
        "title": "怀化市城市绿化条例（草案）", "summary": "征求意见。", "text": DRAFT,
        "starts_at": (now - timedelta(minutes=5)).isoformat(), "ends_at": (now + timedelta(days=30)).isoformat()}).json
    assert factory.client.post(f"/api/v1/consultations/{draft['id']}/open", headers=admin).status_code == 200

    phone.goto(f"{live_server}/public/consultations/{draft['id']}")
    phone.get_by_role("button", name="对第三条提意见").click()
    phone.fill("#cs-contact_phone", "13912345678")
    phone.fill("#cs-content", "建议把绿地率提高到百分之三十五。")
    phone.click("#cs-submit")
    expect(phone.locator("#cs-done")).to_be_visible()
    uploaded = phone.evaluate("""async () => {
      const canvas = document.createElement("canvas"); canvas.width = 20; canvas.height = 20;
      const blob = await new Promise((done) => canvas.toBlob(done, "image/jpeg"));
      const form = new FormData(); form.append("file", blob, "p.jpg");
      const answer = await window.MSB.api("POST", "/api/v1/uploads", { form: form });
      return answer.status;
    }""")
    assert uploaded == 201

    phone.goto(f"{live_server}/track/")
    phone.click("#privacy-show")
    data = phone.locator("#privacy-list")
    expect(data).to_contain_text("立法意见 1 条")
    expect(data).to_contain_text("怀化市城市绿化条例（草案） 第三条（待反馈）：建议把绿地率提高到百分之三十五。 · 联系电话 13912345678")
    expect(data).to_contain_text("已上传但未提交的照片 1 张")
    phone.click("#erase")
    expect(phone.locator("#erase-confirm")).to_contain_text("您在建议、约见、民生实事建议和立法意见中留下的联系电话")
    expect(phone.locator("#erase-confirm")).to_contain_text("已提交的建议、约见、民生实事建议和立法意见")
    assert external_requests == []


def test_the_copy_lists_a_report_poll_ballot_cast_from_this_browser(phone, live_server, app, factory, world,
                                                                   external_requests):
    """述职测评: a ballot cast from this browser is in its copy (the activity, each deputy's rating, the
    comment), and the 注销 warning says the 测评意见 lose the personal information in them."""
    from datetime import datetime, timedelta, timezone

    deputies = [factory.deputy(world["tree"]["hc"], name, phone=f"1390000080{i}", level="county",
                               stations=[world["station"]]) for i, name in enumerate(("张伟", "李娜"))]
    admin = factory.headers_for_admin(factory.admin("hecheng", region=world["tree"]["hc"]))
    now = datetime.now(timezone.utc)
    activity = factory.client.post("/api/v1/activities", headers=admin, json={
        "title": "2026 年度代表向选民述职会", "type": "report", "station_id": world["station"].id,
        "starts_at": (now - timedelta(minutes=10)).isoformat(), "ends_at": (now + timedelta(hours=2)).isoformat(),
        "deputy_ids": [d.id for d in deputies]})
    assert activity.status_code == 201, activity.json
    poll = factory.client.post(f"/api/v1/activities/{activity.json['id']}/report-poll", headers=admin, json={})
    assert poll.status_code == 201, poll.json
    assert factory.client.post(f"/api/v1/activities/{activity.json['id']}/report-poll/open",
                               headers=admin).status_code == 200

    phone.goto(f"{live_server}/report-poll/{poll.json['token']}")
    phone.locator(f"#rp-deputy-{deputies[0].id}").get_by_label("满意", exact=True).check()
    phone.locator(f"#rp-deputy-{deputies[1].id}").get_by_label("基本满意").check()
    phone.fill("#rp-comment", "希望多进站接待群众")
    phone.click("#rp-submit")
    expect(phone.locator("#rp-thanks")).to_be_visible()

    phone.goto(f"{live_server}/track/")
    phone.click("#privacy-show")
    data = phone.locator("#privacy-list")
    expect(data).to_contain_text("述职测评 1 次")
    day = (now + timedelta(minutes=-10, hours=8)).strftime("%Y-%m-%d")
    expect(data).to_contain_text(f"2026 年度代表向选民述职会（{day}）：张伟 满意、李娜 基本满意 · 意见：希望多进站接待群众")
    phone.click("#erase")
    expect(phone.locator("#erase-confirm")).to_contain_text("述职测评的评价和测评意见（其中的姓名、电话、门牌号等个人信息将被隐去）")
    assert external_requests == []
