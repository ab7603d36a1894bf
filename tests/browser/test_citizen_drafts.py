"""What a citizen typed survives what phones do to a page: a reload, a tab the browser discarded while the
camera was open, an answer lost on the way back, an upload whose connection stalls, a HEIC photo."""
import re
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from backend.extensions import db
from backend.suggestions.models import Suggestion

from .conftest import lose_the_first_answer
from .test_citizen_web import jpeg, world  # noqa: F401 (the fixture)

KEPT = "您上次填写的内容已恢复"


def test_a_filing_typed_but_not_sent_comes_back_after_a_reload_with_its_uploaded_photos(
        phone, live_server, app, world, external_requests):  # noqa: F811
    """A photo failed (no signal), the citizen reloads the page that shows an error: the category, the
    text, the phone number and the photo already uploaded come back; the failed one is said to be lost."""
    phone.goto(f"{live_server}/q/{world['station'].qr_code}")
    phone.select_option("#category", "环境卫生")
    phone.fill("#content", "社区卫生服务站周末不开门，老人看病不方便，希望周末有人值班。")
    phone.fill("#contact_phone", "13912345678")
    phone.set_input_files("#photo-input", files=[{"name": "a.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    expect(phone.locator("#photos .photo")).to_have_count(1)  # the tile is there (its upload began), then done
    expect(phone.locator("#photos .photo.uploading")).to_have_count(0)
    phone.context.set_offline(True)
    phone.set_input_files("#photo-input", files=[{"name": "b.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    expect(phone.locator("#photos .photo.failed")).to_have_count(1)
    phone.context.set_offline(False)

    phone.reload()
    expect(phone.locator("#draft-kept")).to_be_visible()
    expect(phone.locator("#draft-kept")).to_contain_text(KEPT)
    expect(phone.locator("#draft-kept")).to_contain_text("有 1 张照片未能保留，请重新添加")
    expect(phone.locator("#draft-notice")).to_be_hidden()  # nothing was sent
    expect(phone.locator("#category")).to_have_value("环境卫生")
    expect(phone.locator("#content")).to_have_value("社区卫生服务站周末不开门，老人看病不方便，希望周末有人值班。")
    expect(phone.locator("#counter")).to_have_text("30/1000")
    expect(phone.locator("#contact_phone")).to_have_value("13912345678")
    expect(phone.locator("#photos .photo")).to_have_count(1)

    phone.click("#submit")
    expect(phone.locator("#done")).to_be_visible()
    with app.app_context():
        filed = db.session.query(Suggestion).one()
        assert (filed.contact_phone, len(filed.attachments)) == ("13912345678", 1)

    # Filed, the draft is gone: 再提一条 and a reload give an empty form and no notice.
    phone.click("#again")
    phone.reload()
    expect(phone.locator("#content")).to_have_value("")
    expect(phone.locator("#draft-kept")).to_be_hidden()
    expect(phone.locator("#photos .photo")).to_have_count(0)
    assert external_requests == []


def test_a_request_to_meet_typed_but_not_sent_comes_back_after_a_reload(phone, live_server, world, external_requests):  # noqa: F811
    phone.goto(f"{live_server}/q/{world['station'].qr_code}")
    phone.click("#tab-appt")
    phone.fill("#appt-topic", "想反映噪音扰民")
    phone.fill("#appt-preferred_time", "周三下午")
    phone.fill("#appt-contact_phone", "13912345678")
    phone.reload()
    expect(phone.locator("#appt-draft-kept")).to_be_visible()
    expect(phone.locator("#appt-draft-kept")).to_contain_text(KEPT)
    expect(phone.locator("#appt-topic")).to_have_value("想反映噪音扰民")
    expect(phone.locator("#appt-preferred_time")).to_have_value("周三下午")
    expect(phone.locator("#appt-contact_phone")).to_have_value("13912345678")
    expect(phone.locator("#appt-counter")).to_have_text("7/500")
    # Nothing typed in the filing form: it says nothing.
    expect(phone.locator("#draft-kept")).to_be_hidden()
    phone.click("#appt-submit")
    expect(phone.locator("#appt-done")).to_be_visible()
    phone.reload()
    expect(phone.locator("#appt-done")).to_be_visible()
    expect(phone.locator("#appt-draft-kept")).to_be_hidden()
    assert external_requests == []


def test_a_draft_changed_after_its_answer_was_lost_is_not_filed_twice(
        phone, live_server, app, world, external_requests):  # noqa: F811
    """The first filing reached the server and its answer was lost; the citizen adds a few words and taps
    提交建议 again. The page sends it with the same Idempotency-Key: the server says that key already filed
    another text, so the page asks for that first filing again and shows its number, saying the change
    was not sent, instead of filing the suggestion a second time or blaming the photo."""
    keys = lose_the_first_answer(phone, "**/api/v1/suggestions")
    phone.goto(f"{live_server}/q/{world['station'].qr_code}")
    phone.select_option("#category", "环境卫生")
    phone.fill("#content", "河边垃圾没人清理")
    phone.set_input_files("#photo-input", files=[{"name": "river.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    expect(phone.locator("#photos .photo")).to_have_count(1)  # the tile is there (its upload began), then done
    expect(phone.locator("#photos .photo.uploading")).to_have_count(0)
    phone.click("#submit")
    expect(phone.locator("#form-error")).to_contain_text("网络连接不稳定")
    with app.app_context():
        number = db.session.query(Suggestion).one().number

    phone.fill("#content", "河边垃圾没人清理，很危险")
    phone.click("#submit")
    expect(phone.locator("#done")).to_be_visible()
    expect(phone.locator("#done-number")).to_have_text(number)
    expect(phone.locator("#done-earlier")).to_be_visible()
    expect(phone.locator("#done-earlier")).to_contain_text("上次提交其实已经成功")
    assert keys[0] and set(keys) == {keys[0]}
    with app.app_context():
        assert [s.content for s in db.session.query(Suggestion)] == ["河边垃圾没人清理"]
    assert external_requests == []


def test_a_draft_changed_after_its_request_never_arrived_is_filed_once_as_changed(
        phone, live_server, app, world, external_requests):  # noqa: F811
    """The first filing never reached the server: the changed draft, sent with the same key, is filed as
    it now reads, once."""
    keys = []

    def lost_on_the_way(route):
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            route.abort("connectionreset")
        else:
            route.continue_()

    phone.route("**/api/v1/suggestions", lost_on_the_way)
    phone.goto(f"{live_server}/q/{world['station'].qr_code}")
    phone.select_option("#category", "环境卫生")
    phone.fill("#content", "河边垃圾没人清理")
    phone.click("#submit")
    expect(phone.locator("#form-error")).to_contain_text("网络连接不稳定")
    phone.reload()
    expect(phone.locator("#draft-notice")).to_be_visible()
    phone.fill("#content", "河边垃圾没人清理，已经一个星期了")
    phone.click("#submit")
    expect(phone.locator("#done")).to_be_visible()
    expect(phone.locator("#done-earlier")).to_be_hidden()
    assert keys[0] and set(keys) == {keys[0]}
    with app.app_context():
        assert [s.content for s in db.session.query(Suggestion)] == ["河边垃圾没人清理，已经一个星期了"]
    assert external_requests == []


def test_a_stalled_photo_upload_is_cut_off_and_offered_again(phone, live_server, factory, world, external_requests):  # noqa: F811
    """A phone between two cells: the upload's connection stalls and nothing comes back. Once no progress
    was made for the stall limit, the tile offers 点此重试 instead of 上传中… for ever."""
    phone.clock.install()
    stalled = []
    phone.route("**/api/v1/uploads", lambda route: stalled.append(route))  # never answered
    phone.goto(f"{live_server}/q/{world['station'].qr_code}")
    with phone.expect_request("**/api/v1/uploads"):
        phone.set_input_files("#photo-input", files=[{"name": "a.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    tile = phone.locator("#photos .photo")
    expect(tile.locator(".photo-state")).to_contain_text("上传中")
    phone.clock.run_for(60_000)
    retry = tile.get_by_role("button", name="第 1 张照片上传失败，点此重试")
    expect(retry).to_be_visible()
    expect(phone.locator("#form-error")).to_contain_text("照片上传失败")

    phone.unroute("**/api/v1/uploads")
    retry.click()
    expect(phone.locator("#photos .photo.uploading, #photos .photo.failed")).to_have_count(0)
    phone.select_option("#category", "环境卫生")
    phone.fill("#content", "井盖松动")
    phone.click("#submit")
    expect(phone.locator("#done")).to_be_visible()
    assert external_requests == []


def test_a_heic_photo_is_refused_before_it_is_uploaded_with_what_to_do(phone, live_server, world, external_requests):  # noqa: F811
    uploads = []
    phone.on("request", lambda request: uploads.append(request.url) if "/api/v1/uploads" in request.url else None)
    phone.goto(f"{live_server}/q/{world['station'].qr_code}")
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 2000
    for name, mime in (("IMG_0001.HEIC", "image/heic"), ("IMG_0002.jpg", "application/octet-stream")):
        phone.set_input_files("#photo-input", files=[{"name": name, "mimeType": mime, "buffer": heic}])
        expect(phone.locator("#form-error")).to_have_text(
            "这张照片是 HEIC 格式，暂不支持。苹果手机可在“设置—相机—格式”中选择“兼容性最佳”后重新拍摄，或截图后上传截图。")
        expect(phone.locator("#photos .photo")).to_have_count(0)
    assert uploads == []
    assert external_requests == []


def test_a_livelihood_proposal_and_an_opinion_typed_but_not_sent_come_back_after_a_reload(
        phone, live_server, factory, external_requests):
    tree = factory.tree()
    admin = factory.headers_for_admin(factory.admin("hh-admin", region=tree["hh"]))
    now = datetime.now(timezone.utc)
    created = factory.client.post("/api/v1/consultations", headers=admin, json={
        "title": "怀化市城市绿化条例（草案）", "summary": "草案。", "text": "第一条　为了促进城市绿化，制定本条例。",
        "starts_at": (now - timedelta(minutes=5)).isoformat(), "ends_at": (now + timedelta(days=30)).isoformat()}).json
    assert factory.client.post(f"/api/v1/consultations/{created['id']}/open", headers=admin).status_code == 200

    phone.goto(f"{live_server}/livelihood/propose?region_id={tree['hc'].id}")
    phone.fill("#lv-title", "修建农贸市场停车场")
    phone.fill("#lv-content", "周末农贸市场门口停车难。")
    phone.reload()
    expect(phone.locator("#lv-draft-kept")).to_contain_text(KEPT)
    expect(phone.locator("#lv-title")).to_have_value("修建农贸市场停车场")
    expect(phone.locator("#lv-content")).to_have_value("周末农贸市场门口停车难。")
    expect(phone.locator("#lv-counter")).to_have_text("12/1000")
    expect(phone.get_by_role("textbox", name="项目内容", exact=True)).to_be_visible()
    phone.click("#lv-submit")
    expect(phone.locator("#lv-done")).to_be_visible()
    phone.goto(f"{live_server}/livelihood/propose?region_id={tree['hc'].id}")
    expect(phone.locator("#lv-title")).to_have_value("")
    expect(phone.locator("#lv-draft-kept")).to_be_hidden()

    phone.goto(f"{live_server}/public/consultations/{created['id']}")
    phone.fill("#cs-content", "建议明确绿地率的计算方法。")
    phone.reload()
    expect(phone.locator("#cs-draft-kept")).to_contain_text(KEPT)
    expect(phone.locator("#cs-content")).to_have_value("建议明确绿地率的计算方法。")
    expect(phone.get_by_role("textbox", name="意见和理由", exact=True)).to_be_visible()
    phone.click("#cs-submit")
    expect(phone.locator("#cs-done")).to_be_visible()
    phone.reload()
    expect(phone.locator("#cs-content")).to_have_value("")
    expect(phone.locator("#cs-draft-kept")).to_be_hidden()
    assert external_requests == []


def noisy_jpeg(width=1000, height=750):
    """A photo that does not compress well: some hundreds of kilobytes."""
    import io
    import os

    from PIL import Image
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_a_slow_upload_shows_how_far_it_is(phone, live_server, world, external_requests):  # noqa: F811
    """On a slow link the tile says how much is sent (上传中 37%) instead of 上传中… alone, then the photo is kept."""
    photo = noisy_jpeg()
    assert len(photo) > 400_000
    phone.goto(f"{live_server}/q/{world['station'].qr_code}")
    cdp = phone.context.new_cdp_session(phone)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 50, "downloadThroughput": 1_000_000, "uploadThroughput": 150_000})
    phone.set_input_files("#photo-input", files=[{"name": "big.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    expect(phone.locator("#photos .photo-state")).to_have_text(re.compile(r"^上传中 \d{1,2}%$"))
    expect(phone.locator("#photos .photo.uploading, #photos .photo.failed")).to_have_count(0)
    expect(phone.locator("#photos .photo-state")).to_have_count(0)
    assert external_requests == []
