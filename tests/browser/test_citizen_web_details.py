"""The citizen's pages in the details a phone user meets: who did what in a followed item's timeline, an
item merged into another, the form without JavaScript, photos that fail or are too big, a too-long text,
tap targets on a 320 px screen and the site's icon."""
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from ..factories import screen
from .test_citizen_web import PHONE_GPS, file_in_page, jpeg, world  # noqa: F401 (the fixture)


@pytest.fixture
def admin(factory, world):  # noqa: F811
    return factory.headers_for_admin(factory.admin("root", region=world["tree"]["root"]))


def wechat_item(factory, world, content="人民路口红绿灯不亮，请尽快修。", js_code="citizen-wang"):  # noqa: F811
    citizen = factory.wechat_login(js_code)
    filed = factory.client.post("/api/v1/suggestions", headers=citizen, json={
        "qr_code": world["station"].qr_code, "category": "道路交通", "content": content,
        "location": {"lat": 27.5604, "lng": 109.9900},
        "public_consent": True,  # offered to other citizens (nearby, follow) only with consent
    })
    assert filed.status_code == 201, filed.json
    screen(factory.app)  # other citizens see it once its text is screened
    return filed.json, citizen


def follow_in_page(page, item_id):
    """Follow an item as this browser's citizen, as the form's 关注这一条 button does."""
    answer = page.evaluate("id => MSB.api('POST', '/api/v1/suggestions/' + id + '/follow')", item_id)
    assert answer["ok"], answer


def test_a_follower_sees_the_filers_steps_as_a_citizens_not_as_their_own(
        phone, live_server, factory, world, admin, external_requests):  # noqa: F811
    earlier, wang = wechat_item(factory, world)
    phone.goto(f"{live_server}/q/{world['station'].qr_code}")
    follow_in_page(phone, earlier["id"])
    # Handled and rated by the citizen who filed it (not this browser).
    deputy = factory.deputy_headers(world["zhang"])
    client = factory.client
    assert client.post(f"/api/v1/suggestions/{earlier['id']}/dispatch", headers=admin,
                       json={"deputy_id": world["zhang"].id}).status_code == 200
    assert client.post(f"/api/v1/suggestions/{earlier['id']}/accept", headers=deputy).status_code == 200
    assert client.post(f"/api/v1/suggestions/{earlier['id']}/reply", headers=deputy,
                       json={"content": "已联系交警部门修复。"}).status_code == 200
    assert client.post(f"/api/v1/suggestions/{earlier['id']}/rate", headers=wang,
                       json={"satisfaction": "satisfied"}).status_code == 200

    phone.goto(f"{live_server}/track/{earlier['id']}")
    expect(phone.locator("#d-status")).to_have_text("已办结")
    filed = phone.locator("#timeline li", has_text="提交建议")
    rated = phone.locator("#timeline li", has_text="评价")
    expect(filed.locator(".timeline-actor")).to_have_text("群众")
    expect(rated.locator(".timeline-actor")).to_have_text("群众")
    expect(phone.locator("#timeline")).not_to_contain_text("我")
    expect(phone.locator("#d-rated")).to_have_text("群众评价：满意")

    # This browser's own item: its steps are "我".
    mine = file_in_page(phone, live_server, world["station"].qr_code, "红绿灯坏了")
    phone.goto(f"{live_server}/track/{mine}")
    expect(phone.locator("#timeline li", has_text="提交建议").locator(".timeline-actor")).to_have_text("我")
    assert external_requests == []


def forwarded_in_page(phone, live_server, factory, world, admin, work_order_no):
    """An item filed in the phone's browser, dispatched to 张伟, accepted and forwarded to the 12345 hotline:
    (its id, 张伟's headers, the API client)."""
    mine = file_in_page(phone, live_server, world["station"].qr_code, "人民路口红绿灯坏了")
    deputy, client = factory.deputy_headers(world["zhang"]), factory.client
    assert client.post(f"/api/v1/suggestions/{mine}/dispatch", headers=admin,
                       json={"deputy_id": world["zhang"].id}).status_code == 200
    assert client.post(f"/api/v1/suggestions/{mine}/accept", headers=deputy).status_code == 200
    assert client.post(f"/api/v1/suggestions/{mine}/forward", headers=deputy, json={
        "target": "hotline_12345", "work_order_no": work_order_no, "note": "已通过 12345 人大代表通道反映。"}).status_code == 200
    return mine, deputy, client


def test_the_filer_sees_where_the_deputy_forwarded_it_and_the_work_order_number(
        phone, live_server, factory, world, admin, external_requests):  # noqa: F811
    mine, deputy, client = forwarded_in_page(phone, live_server, factory, world, admin, "RX-0042")

    phone.goto(f"{live_server}/track/{mine}")
    expect(phone.locator("#d-status")).to_have_text("转办中")
    expect(phone.locator("#d-work-orders li")).to_have_text(["转办至12345 热线人大代表通道 · 工单编号 RX-0042 · 等待部门反馈"])

    assert client.post(f"/api/v1/suggestions/{mine}/feedback", headers=deputy, json={
        "note": "热线回复：三日内修复。", "department_satisfaction": "basically_satisfied"}).status_code == 200
    phone.reload()
    expect(phone.locator("#d-work-orders li")).to_have_text(
        ["转办至12345 热线人大代表通道 · 工单编号 RX-0042 · 部门已反馈 · 代表评价：基本满意"])
    phone.screenshot(path="/tmp/track_work_orders.png", full_page=True)
    assert external_requests == []


def test_the_filer_reads_a_work_order_withdrawn_as_the_deputy_left_office(
        phone, live_server, factory, world, admin, external_requests):  # noqa: F811
    """Back at the station for another deputy, the item no longer says it waits for the department."""
    mine, _, client = forwarded_in_page(phone, live_server, factory, world, admin, "RX-0043")
    left = client.patch(f"/api/v1/deputies/{world['zhang'].id}", headers=admin, json={"active": False})
    assert left.status_code == 200, left.json

    phone.goto(f"{live_server}/track/{mine}")
    expect(phone.locator("#d-status")).to_have_text("待分派")
    expect(phone.locator("#d-work-orders li")).to_have_text(
        ["转办至12345 热线人大代表通道 · 工单编号 RX-0043 · 已撤回（代表离任，建议已退回联络站重新分派）"])
    expect(phone.locator("#timeline")).to_contain_text("转办至12345 热线人大代表通道的工单已撤回，不再等待部门反馈")
    assert external_requests == []


def test_an_item_merged_into_another_says_so_and_links_to_the_one_being_handled(
        phone, live_server, factory, world, admin, external_requests):  # noqa: F811
    earlier, _ = wechat_item(factory, world)
    mine = file_in_page(phone, live_server, world["station"].qr_code, "红绿灯坏了")
    merged = factory.client.post(f"/api/v1/suggestions/{mine}/merge", headers=admin, json={"into_id": earlier["id"]})
    assert merged.status_code == 200, merged.json

    phone.goto(f"{live_server}/track/{mine}")
    expect(phone.locator("#d-status")).to_have_text("已合并")
    notice = phone.locator("#d-merged")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("已与另一条相同的建议合并办理")
    expect(notice.locator("a")).to_have_attribute("href", f"/track/{earlier['id']}")
    assert small_targets(phone) == []
    notice.locator("a").click()
    expect(phone.locator("#d-number")).to_have_text(earlier["number"])
    expect(phone.locator("#d-status")).to_have_text("待分派")

    phone.goto(f"{live_server}/track/")
    mine_row = phone.locator("#items li", has=phone.locator(f'a.item-link[href="/track/{mine}"]'))
    expect(mine_row.locator(".badge")).to_have_text("已合并")
    expect(mine_row).not_to_contain_text("已办结")
    expect(mine_row.locator("a.merged-link")).to_have_attribute("href", f"/track/{earlier['id']}")
    expect(mine_row.locator("a.merged-link")).to_contain_text("查看合并后的办理进展")
    assert small_targets(phone) == []
    assert external_requests == []


def test_an_item_merged_into_one_not_consented_to_publication_is_followed_without_its_words(
        phone, live_server, factory, world, admin, external_requests):  # noqa: F811
    """Both citizens follow the surviving item: its citizen did not consent to publication, so this browser's
    citizen reads its progress and deputy, and their own words in place of the other citizen's."""
    citizen = factory.wechat_login("citizen-wang")
    earlier = factory.client.post("/api/v1/suggestions", headers=citizen, json={
        "qr_code": world["station"].qr_code, "category": "道路交通", "content": "人民路口红绿灯不亮，请尽快修。"})
    assert earlier.status_code == 201, earlier.json
    mine = file_in_page(phone, live_server, world["station"].qr_code, "红绿灯坏了")
    merged = factory.client.post(f"/api/v1/suggestions/{mine}/merge", headers=admin, json={"into_id": earlier.json["id"]})
    assert merged.status_code == 200, merged.json

    phone.goto(f"{live_server}/track/{mine}")
    expect(phone.locator("#d-status")).to_have_text("已合并")
    notice = phone.locator("#d-merged")
    expect(notice).to_be_visible()
    expect(phone.locator("#d-merged-private")).to_be_hidden()
    expect(notice.locator("a")).to_have_attribute("href", f"/track/{earlier.json['id']}")
    notice.locator("a").click()
    expect(phone.locator("#d-number")).to_have_text(earlier.json["number"])
    expect(phone.locator("#d-status")).to_have_text("待分派")
    expect(phone.locator("#d-content")).to_have_text("提出人未同意公开这条建议的内容。")
    expect(phone.locator("#d-own")).to_have_text("您反映的问题：红绿灯坏了")
    expect(phone.locator("#detail")).not_to_contain_text("人民路口")
    expect(phone.locator("#rate-card")).to_be_hidden()
    expect(phone.locator("#withdraw-card")).to_be_hidden()

    phone.goto(f"{live_server}/track/")
    mine_row = phone.locator("#items li", has=phone.locator(f'a.item-link[href="/track/{mine}"]'))
    expect(mine_row.locator(".badge")).to_have_text("已合并")
    expect(mine_row.locator("a.merged-link")).to_have_attribute("href", f"/track/{earlier.json['id']}")
    followed = phone.locator("#items li", has=phone.locator(f'a.item-link[href="/track/{earlier.json["id"]}"]'))
    expect(followed.locator(".tag-followed")).to_have_text("已关注")
    expect(followed.locator(".item-text")).to_contain_text("您反映的问题：红绿灯坏了")
    expect(phone.locator("#items")).not_to_contain_text("人民路口")
    assert small_targets(phone) == []
    assert external_requests == []


def test_without_javascript_the_form_posts_keeps_the_text_and_says_why(browser, live_server, factory, world):  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{live_server}/q/{world['zhang'].qr_code}")
        expect(page.locator("#file-card .noscript-notice")).to_contain_text("JavaScript")
        page.select_option("#category", "城市管理")
        page.fill("#content", "没有脚本时提交的建议内容")
        page.fill("#contact_phone", "13912345678")
        page.click("#submit")
        page.wait_for_load_state()
        assert "13912345678" not in page.url and "content=" not in page.url
        assert page.url == f"{live_server}/q/{world['zhang'].qr_code}"
        expect(page.locator("#content")).to_have_value("没有脚本时提交的建议内容")
        expect(page.locator("#category")).to_have_value("城市管理")
        notice = page.locator("#posted-notice")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text("建议尚未提交")
        expect(notice).to_contain_text("JavaScript")
        assert notice.bounding_box()["y"] < page.locator("#content").bounding_box()["y"]  # seen before the form

        for path in ("/track/", "/track/1"):
            page.goto(live_server + path)
            expect(page.locator(".noscript-notice")).to_contain_text("JavaScript")
            expect(page.locator("#loading")).to_be_hidden()
    finally:
        context.close()
    assert factory.client.get("/api/v1/public/suggestions").json["total"] == 0


@pytest.mark.database_independent
def test_a_tracking_page_whose_script_did_not_load_says_what_to_do(phone, live_server):
    phone.goto(f"{live_server}/track/")
    expect(phone.locator("#empty")).to_be_visible()
    expect(phone.locator(".script-late")).to_have_count(0)  # the script ran: no hint

    phone.route("**/static/web/mine.js*", lambda route: route.abort())  # with its ?v=
    phone.goto(f"{live_server}/track/")
    hint = phone.locator(".script-late")
    expect(hint).to_be_hidden()  # not at once: the script may still be on its way
    # Eight seconds later it shows: its CSS animation's delay, run to its end here rather than waited out.
    delay = hint.evaluate("node => { const [late] = node.getAnimations(); late.finish(); return late.effect.getTiming().delay; }")
    assert delay == 8000
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("请检查网络后刷新本页")
    expect(phone.locator("#loading")).to_be_hidden()


def test_removing_a_photo_that_failed_to_upload_clears_its_error(phone, live_server, world, external_requests):  # noqa: F811
    phone.goto(f"{live_server}/q/{world['zhang'].qr_code}")
    phone.set_input_files("#photo-input", files=[{"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"hello" * 100}])
    expect(phone.locator("#photos .photo.failed")).to_have_count(1)
    expect(phone.locator("#form-error")).to_be_visible()
    phone.locator(".photo-remove").click()
    expect(phone.locator("#photos .photo")).to_have_count(0)
    expect(phone.locator("#form-error")).to_be_hidden()

    # With two failed photos, removing one leaves the other's error; removing both clears it.
    phone.set_input_files("#photo-input", files=[
        {"name": f"notes{i}.jpg", "mimeType": "image/jpeg", "buffer": b"hello" * 100} for i in range(2)])
    expect(phone.locator("#photos .photo.failed")).to_have_count(2)
    phone.locator(".photo-remove").first.click()
    expect(phone.locator("#form-error")).to_be_visible()
    phone.locator(".photo-remove").first.click()
    expect(phone.locator("#form-error")).to_be_hidden()
    assert external_requests == []

def test_removed_photos_stop_counting_and_photo_refusals_are_said_as_they_are(
        phone, live_server, app, monkeypatch, world, external_requests):  # noqa: F811
    """A photo taken off the form (×) is deleted on the server, so it no longer counts against the photos not
    yet filed; refusals of a photo say what the server said (the limit on photos not filed, the upload rate),
    never 提交太频繁; a file the page cannot shrink below the size limit is refused with that limit."""
    monkeypatch.setitem(app.config, "UPLOAD_MAX_UNATTACHED", 2)
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1024 * 1024)
    phone.goto(f"{live_server}/q/{world['zhang'].qr_code}")
    tiles = phone.locator("#photos .photo")
    phone.set_input_files("#photo-input", files=[
        {"name": f"p{i}.jpg", "mimeType": "image/jpeg", "buffer": jpeg()} for i in range(2)])
    expect(phone.locator("#photos .photo:not(.uploading)")).to_have_count(2)
    for _ in range(2):
        with phone.expect_response(lambda r: r.request.method == "DELETE" and r.status == 204):
            phone.locator(".photo-remove").first.click()
    expect(tiles).to_have_count(0)
    phone.set_input_files("#photo-input", files=[
        {"name": f"q{i}.jpg", "mimeType": "image/jpeg", "buffer": jpeg()} for i in range(2)])
    expect(phone.locator("#photos .photo:not(.uploading)")).to_have_count(2)
    expect(phone.locator("#photos .photo.failed")).to_have_count(0)
    phone.set_input_files("#photo-input", files=[{"name": "r.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    expect(phone.locator("#photos .photo.failed")).to_have_count(1)
    expect(phone.locator("#form-error")).to_have_text(
        "您已上传 2 张尚未提交的照片，请先提交建议或报告；未提交的照片会在一段时间后自动删除。")
    phone.locator(".photo-remove").last.click()

    # Over the upload rate (a limit newly set counts from the next photo, refused here for the photos not filed).
    monkeypatch.setitem(app.config, "UPLOAD_RATE_LIMIT", "1 per hour")
    phone.set_input_files("#photo-input", files=[{"name": "s.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    expect(phone.locator("#form-error")).to_contain_text("您已上传 2 张尚未提交的照片")
    phone.locator(".photo-remove").last.click()
    phone.set_input_files("#photo-input", files=[{"name": "t.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    expect(phone.locator("#form-error")).to_have_text(re.compile(r"^操作过于频繁，请 \d+ 分钟后再试。$"))
    phone.locator(".photo-remove").last.click()

    # Over the size limit and nothing the page can draw to shrink it (a RAW file, say): said with the limit.
    phone.set_input_files("#photo-input", files=[{"name": "raw.jpg", "mimeType": "image/jpeg",
                                                  "buffer": b"\0" * (2 * 1024 * 1024)}])
    expect(phone.locator("#form-error")).to_have_text("图片不能超过 1 MB，请压缩后重新上传。")
    assert external_requests == []


def send_and_read(phone, factory, content):
    """Send the filing form (photos chosen before) with ``content``; the item as its citizen's browser reads it."""
    phone.select_option("#category", "城市管理")
    phone.fill("#content", content)
    phone.click("#submit")
    expect(phone.locator("#done")).to_be_visible()
    item_id = int(phone.locator("#done-link").get_attribute("href").rsplit("/", 1)[1])
    token = phone.evaluate("() => localStorage.getItem('msb.web.token')")
    return factory.client.get(f"/api/v1/suggestions/{item_id}", headers={"Authorization": f"Bearer {token}"}).json


def test_a_photo_whose_upload_was_cut_off_is_sent_again_from_its_tile(phone, live_server, factory, world, external_requests):  # noqa: F811
    keys = []

    def cut_off_the_first(route):
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            route.abort("connectionreset")
        else:
            route.continue_()

    phone.route("**/api/v1/uploads", cut_off_the_first)
    phone.goto(f"{live_server}/q/{world['zhang'].qr_code}")
    phone.set_input_files("#photo-input", files=[{"name": "lamp.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    tile = phone.locator("#photos .photo")
    expect(tile).to_have_class(re.compile("failed"))
    expect(phone.locator("#form-error")).to_contain_text("照片上传失败")
    expect(phone.locator("#form-error")).to_contain_text("重试")
    retry = tile.get_by_role("button", name="重试")
    expect(retry).to_be_visible()
    assert small_targets(phone) == []

    retry.click()
    expect(tile).not_to_have_class(re.compile("failed|uploading"))
    expect(phone.locator("#form-error")).to_be_hidden()
    assert keys[0] and keys[0] == keys[1]  # the same photo: one upload however many tries
    item = send_and_read(phone, factory, "路灯坏了")
    assert len(item["attachments"]) == 1
    assert external_requests == []


@pytest.mark.parametrize("setting, kind", [("UPLOAD_MAX_PIXELS", "JPEG"), ("UPLOAD_MAX_FULL_DECODE_PIXELS", "PNG")])
def test_a_photo_over_the_pixel_limit_is_shrunk_in_the_browser(phone, live_server, app, factory, world, external_requests,  # noqa: F811
                                                               setting, kind):
    """A photo with more pixels than the server takes is redrawn by the page within the limit, and the
    server accepts it: a JPEG is held to UPLOAD_MAX_PIXELS, a PNG (decoded in full on the server) to the
    lower UPLOAD_MAX_FULL_DECODE_PIXELS."""
    limit = 4_000_000
    app.config[setting], saved = limit, app.config[setting]
    try:
        big = Image.new("RGB", (2700, 1800), (90, 120, 160))  # 4.86 million pixels, a few kB
        buffer = io.BytesIO()
        big.save(buffer, kind, **({"quality": 80} if kind == "JPEG" else {}))
        assert len(buffer.getvalue()) < 2.5 * 1024 * 1024
        name, mime = ("big.jpg", "image/jpeg") if kind == "JPEG" else ("big.png", "image/png")
        phone.goto(f"{live_server}/q/{world['zhang'].qr_code}")
        phone.set_input_files("#photo-input", files=[{"name": name, "mimeType": mime, "buffer": buffer.getvalue()}])
        expect(phone.locator("#photos .photo")).to_have_count(1)
        expect(phone.locator("#photos .photo.uploading")).to_have_count(0, timeout=20000)
        expect(phone.locator("#photos .photo.failed")).to_have_count(0)
        expect(phone.locator("#form-error")).to_be_hidden()
        [photo] = send_and_read(phone, factory, "路面塌陷")["attachments"]
        assert photo["width"] * photo["height"] <= limit
        assert abs(photo["width"] / photo["height"] - 1.5) < 0.01
    finally:
        app.config[setting] = saved
    assert external_requests == []


def test_a_too_long_text_is_reported_at_the_content_field(phone, live_server, world, external_requests):  # noqa: F811
    phone.goto(f"{live_server}/q/{world['zhang'].qr_code}")
    phone.select_option("#category", "城市管理")
    # maxlength stops typing and pasting; a script (an input method, an extension) can still go past it.
    phone.eval_on_selector("#content", "e => { e.value = '好'.repeat(1001); e.dispatchEvent(new Event('input')); }")
    phone.click("#submit")
    expect(phone.locator("#form-error")).to_have_text(re.compile(r"^建议内容：.*1000"))
    field_error = phone.locator("#content-error")
    expect(field_error).to_be_visible()
    expect(field_error).to_contain_text("1000")
    expect(phone.locator("#content")).to_have_attribute("aria-invalid", "true")
    # The message sits with the field: right under the text box, above the photos.
    content_box = phone.locator("#content").bounding_box()
    error_box = field_error.bounding_box()
    photos_box = phone.locator("#photos").bounding_box()
    assert content_box["y"] < error_box["y"] < photos_box["y"]

    # Fixing the text clears the field's message.
    phone.fill("#content", "路灯坏了")
    expect(field_error).to_be_hidden()
    expect(phone.locator("#content")).not_to_have_attribute("aria-invalid", "true")
    phone.click("#submit")
    expect(phone.locator("#done")).to_be_visible()
    assert external_requests == []


# Everything a finger taps on the citizen's and the public pages; the switches' and the rating's own
# inputs are hidden inside their labels, which are the targets.
TAP_TARGETS = """() => Array.from(document.querySelectorAll(
    'a, button, select, textarea, input:not([type=checkbox]):not([type=radio]):not([type=file]), label.switch, .segmented label, .photo-add'))
  .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  .map(e => { const r = e.getBoundingClientRect();
              return {what: e.outerHTML.slice(0, 70), width: Math.round(r.width * 10) / 10, height: Math.round(r.height * 10) / 10}; })"""


def small_targets(page):
    targets = page.evaluate(TAP_TARGETS)
    assert targets, "no tap targets found"
    return [t for t in targets if t["width"] < 44 or t["height"] < 44]


@pytest.mark.database_independent
def test_tap_targets_are_at_least_44_px_on_a_small_phone(browser, live_server, factory, world, admin):  # noqa: F811
    context = browser.new_context(viewport={"width": 320, "height": 640}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()
    try:
        wechat_item(factory, world)  # the same problem, nearby
        revoked = factory.deputy(world["tree"]["hc"], "王芳", stations=[world["station"]])
        assert factory.client.post(f"/api/v1/qr/{revoked.qr_code}/revoke", headers=admin).status_code == 200

        # The form, with a photo, and the same problem nearby offered and followed.
        page.context.grant_permissions(["geolocation"], origin=live_server)
        page.context.set_geolocation(PHONE_GPS)
        page.goto(f"{live_server}/q/{world['zhang'].qr_code}")
        page.set_input_files("#photo-input", files=[{"name": "a.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
        expect(page.locator("#photos .photo.uploading")).to_have_count(0)
        remove = page.locator(".photo-remove").bounding_box()
        tile = page.locator("#photos .photo").bounding_box()
        assert remove["x"] + remove["width"] <= tile["x"] + tile["width"] + 0.5  # still inside its photo
        page.select_option("#category", "道路交通")
        page.click("#locate")
        expect(page.locator("#nearby-list li")).to_have_count(1)
        assert small_targets(page) == []
        page.click("text=关注这一条")
        expect(page.locator(".followed a")).to_be_visible()
        assert small_targets(page) == []

        page.fill("#content", "路灯坏了")
        page.click("#submit")
        expect(page.locator("#done")).to_be_visible()
        assert small_targets(page) == []
        mine = int(page.locator("#done-link").get_attribute("href").rsplit("/", 1)[1])

        deputy = factory.deputy_headers(world["zhang"])
        assert factory.client.post(f"/api/v1/suggestions/{mine}/accept", headers=deputy).status_code == 200
        assert factory.client.post(f"/api/v1/suggestions/{mine}/reply", headers=deputy,
                                   json={"content": "已修复。"}).status_code == 200
        page.goto(f"{live_server}/track/{mine}")
        expect(page.locator("#rate-card")).to_be_visible()
        assert small_targets(page) == []

        page.goto(f"{live_server}/track/")
        expect(page.locator("#items li")).to_have_count(2)
        assert small_targets(page) == []

        for path in ("/public/stations", f"/public/stations/{world['station'].id}", f"/public/deputies/{world['zhang'].id}",
                     "/public/leaderboard", "/public/stats", f"/q/{revoked.qr_code}", "/q/AbCdEfGh1234",
                     f"/q/{world['station'].qr_code}"):
            page.goto(live_server + path)
            assert small_targets(page) == [], path
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 320, path
    finally:
        context.close()


# Text whose contrast with what is behind it is under WCAG AA (4.5:1, 3:1 from 24 px or bold 18.66 px),
# and form controls nothing names (no label, no aria-label).
READABILITY = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const behind = e => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
                                                          if (c.length === 3 || c[3] > 0.5) return c; } return [255, 255, 255]; };
  const faint = [];
  for (const e of document.querySelectorAll('body *')) {
    if (!e.getClientRects().length || ![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const style = getComputedStyle(e);
    if (style.visibility === 'hidden') continue;
    const [a, b] = [lum(rgb(style.color)), lum(behind(e))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
    if (ratio < (size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5)) faint.push(e.textContent.trim().slice(0, 20) + ' ' + ratio.toFixed(2));
  }
  const unnamed = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter(c => !c.labels.length && !c.getAttribute('aria-label')).map(c => c.outerHTML.slice(0, 60));
  return {faint, unnamed};
}"""


@pytest.mark.database_independent
def test_text_is_readable_and_every_field_is_named_on_a_small_phone(browser, live_server, factory, world, admin):  # noqa: F811
    context = browser.new_context(viewport={"width": 320, "height": 640}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()
    try:
        withdrawn = file_in_page(page, live_server, world["station"].qr_code, "路灯坏了")
        page.goto(f"{live_server}/track/{withdrawn}")
        page.click("#withdraw")
        page.click("#withdraw-yes")
        expect(page.locator("#d-status")).to_have_text("已撤回")
        for path in (f"/track/{withdrawn}", "/track/", f"/q/{world['station'].qr_code}", f"/q/{world['zhang'].qr_code}",
                     "/q/AbCdEfGh1234", "/public/stations", f"/public/stations/{world['station'].id}",
                     f"/public/deputies/{world['zhang'].id}", "/public/leaderboard", "/public/stats"):
            page.goto(live_server + path)
            page.wait_for_load_state("networkidle")
            assert page.evaluate("() => document.documentElement.lang") == "zh-CN", path
            assert page.evaluate(READABILITY) == {"faint": [], "unnamed": []}, path
    finally:
        context.close()


@pytest.mark.database_independent
def test_every_page_has_an_icon(phone, live_server, world, external_requests):  # noqa: F811
    for path in (f"/q/{world['zhang'].qr_code}", "/track/", "/public/stats"):
        phone.goto(live_server + path)
        href = phone.locator("link[rel=icon]").get_attribute("href")
        icon = phone.request.get(live_server + href)
        assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    fallback = phone.request.get(f"{live_server}/favicon.ico")
    assert fallback.status == 200
    assert external_requests == []


def test_a_mistake_takes_the_citizen_to_its_field_and_keeps_what_was_typed(
        phone, live_server, world, external_requests):  # noqa: F811
    phone.goto(f"{live_server}/q/{world['zhang'].qr_code}")
    phone.fill("#content", "小区门口路灯坏了 💡 一个月了")
    phone.click("#submit")
    expect(phone.locator("#category-error")).to_have_text("请选择问题类别。")
    expect(phone.locator("#category")).to_be_focused()

    phone.select_option("#category", "城市管理")
    phone.fill("#content", "   \n  ")
    phone.click("#submit")
    expect(phone.locator("#content-error")).to_have_text("请填写建议内容。")
    expect(phone.locator("#content")).to_be_focused()

    # What only the server knows (a phone it cannot read), said under the field it is about.
    phone.fill("#content", "小区门口路灯坏了 💡 一个月了")
    phone.fill("#contact_phone", "12345")
    phone.click("#submit")
    expect(phone.locator("#contact_phone-error")).to_have_text("联系电话格式不正确，请填写手机号或座机号。")
    expect(phone.locator("#contact_phone")).to_be_focused()
    expect(phone.locator("#content")).to_have_value("小区门口路灯坏了 💡 一个月了")
    expect(phone.locator("#category")).to_have_value("城市管理")
    expect(phone.locator("#contact_phone")).to_have_value("12345")
    expect(phone.locator("#done")).to_be_hidden()
    assert external_requests == []


def test_every_mistake_is_said_on_the_first_submit_each_beside_its_field(
        phone, live_server, world, external_requests):  # noqa: F811
    """An elderly citizen on a phone should not submit three times to learn three mistakes: all are said
    at once, each under its field, the summary names them all, and what was typed stays."""
    phone.goto(f"{live_server}/q/{world['zhang'].qr_code}")
    phone.fill("#contact_phone", "123")
    phone.click("#submit")
    expect(phone.locator("#category-error")).to_have_text("请选择问题类别。")
    expect(phone.locator("#content-error")).to_have_text("请填写建议内容。")
    expect(phone.locator("#contact_phone-error")).to_have_text("联系电话格式不正确，请填写手机号或座机号。")
    expect(phone.locator("#form-error")).to_have_text("有 3 处需要修改：问题类别、建议内容、联系电话。")
    expect(phone.locator("#category")).to_be_focused()
    expect(phone.locator("#contact_phone")).to_have_value("123")

    # The 约见 form on the same page does the same.
    phone.click("#tab-appt")
    phone.fill("#appt-contact_phone", "123")
    phone.click("#appt-submit")
    expect(phone.locator("#appt-topic-error")).to_have_text("请填写约见事项。")
    expect(phone.locator("#appt-contact_phone-error")).to_have_text("联系电话格式不正确，请填写手机号或座机号。")
    expect(phone.locator("#appt-form .field-error:visible")).to_have_count(3)
    expect(phone.locator("#appt-error")).to_contain_text("有 3 处需要修改：约见事项、")
    expect(phone.locator("#appt-topic")).to_be_focused()
    expect(phone.locator("#appt-contact_phone")).to_have_value("123")
    expect(phone.locator("#done")).to_be_hidden()
    assert external_requests == []


@pytest.mark.parametrize("typed", ["138-1234-5678", "+86 138 1234 5678", "0086-13812345678", "１３８１２３４５６７８"])
def test_a_mobile_number_written_as_people_write_it_is_taken(phone, live_server, factory, world, typed, external_requests):  # noqa: F811
    """Grouped with dashes, with the country code, or in full-width digits from a Chinese keyboard: it is
    a mobile number, and the deputy reads it as one."""
    phone.goto(f"{live_server}/q/{world['zhang'].qr_code}")
    phone.select_option("#category", "城市管理")
    phone.fill("#content", "路灯坏了")
    phone.fill("#contact_phone", typed)
    phone.click("#submit")
    expect(phone.locator("#done")).to_be_visible()
    item_id = int(phone.locator("#done-link").get_attribute("href").rsplit("/", 1)[1])
    item = factory.client.get(f"/api/v1/suggestions/{item_id}", headers=factory.deputy_headers(world["zhang"])).json
    assert item["contact_phone"] == "13812345678"
    assert external_requests == []


def test_a_photo_taken_with_the_position_is_stored_without_it_and_an_anonymous_filing_names_nobody(
        phone, live_server, app, factory, world, external_requests):  # noqa: F811
    """A phone's camera writes where the photo was taken into it (EXIF GPS): the photo a citizen adds on
    the page is kept without it. Filed anonymously, without a phone number, agreeing to publication."""
    from backend.extensions import db
    from backend.uploads.models import Upload
    from backend.uploads.storage import get_storage

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (27.0, 33.0, 36.0), 3: "E", 4: (109.0, 59.0, 24.0)}  # the GPS IFD
    buffer = io.BytesIO()
    Image.open(io.BytesIO(jpeg())).save(buffer, "JPEG", exif=exif.tobytes())
    taken = buffer.getvalue()
    assert Image.open(io.BytesIO(taken)).getexif().get_ifd(0x8825) and b"PhoneMaker" in taken  # as the camera wrote it

    phone.goto(f"{live_server}/q/{world['zhang'].qr_code}")
    phone.select_option("#category", "城市管理")
    phone.fill("#content", "路灯坏了，见照片")
    phone.set_input_files("#photo-input", files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": taken}])
    expect(phone.locator("#photos .photo")).to_have_count(1)
    expect(phone.locator("#photos .photo-state")).to_have_count(0)
    phone.locator("label.switch", has_text="匿名提交").click()
    phone.locator("label.switch", has_text="同意公开").click()
    phone.click("#submit")
    expect(phone.locator("#done")).to_be_visible()
    item_id = int(phone.locator("#done-link").get_attribute("href").rsplit("/", 1)[1])

    item = factory.client.get(f"/api/v1/suggestions/{item_id}", headers=factory.deputy_headers(world["zhang"])).json
    assert (item["anonymous"], item["public_consent"], item["citizen"], item["contact_phone"]) == (True, True, None, None)
    with app.app_context():
        keys = [u.key for u in db.session.query(Upload).filter_by(suggestion_id=item_id)]
        assert len(keys) == 1
        stored = get_storage().open(keys[0])
    kept = Image.open(io.BytesIO(stored))
    assert kept.size == (800, 600)
    assert dict(kept.getexif()) == {} and b"PhoneMaker" not in stored
    assert external_requests == []
