"""The citizen's pages with a screen reader, a keyboard or switch, a large zoom and big fingers: results
that are read out, fields named by their label only, photos told apart, visible focus, no sideways scroll."""
import re
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from .conftest import phone_page
from .test_citizen_web import PHONE_GPS, ask_to_meet_in_page, file_in_page, jpeg, world  # noqa: F401 (the fixture)
from .test_citizen_web_details import wechat_item


def test_each_result_takes_the_focus_so_a_screen_reader_reads_it(phone, live_server, factory, world, external_requests):  # noqa: F811
    item_id = file_in_page(phone, live_server, world["zhang"].qr_code, "路灯坏了")
    expect(phone.locator("#done h2")).to_be_focused()
    expect(phone.locator("#done h2")).to_have_text("提交成功")

    phone.click("#again")
    ask_to_meet_in_page(phone)
    expect(phone.locator("#appt-done h2")).to_be_focused()

    deputy = factory.deputy_headers(world["zhang"])
    assert factory.client.post(f"/api/v1/suggestions/{item_id}/accept", headers=deputy).status_code == 200
    assert factory.client.post(f"/api/v1/suggestions/{item_id}/reply", headers=deputy,
                               json={"content": "已修复。"}).status_code == 200
    phone.goto(f"{live_server}/track/{item_id}")
    phone.locator(".segmented label", has_text=re.compile("^满意$")).click()
    phone.click("#rate-submit")
    expect(phone.locator("#d-rated")).to_have_text("您的评价：满意")
    expect(phone.locator("#d-rated")).to_be_focused()
    assert external_requests == []


def test_following_a_nearby_item_moves_the_focus_to_what_was_done(phone, live_server, factory, world, external_requests):  # noqa: F811
    wechat_item(factory, world)
    phone.context.grant_permissions(["geolocation"], origin=live_server)
    phone.context.set_geolocation(PHONE_GPS)
    phone.goto(f"{live_server}/q/{world['zhang'].qr_code}")
    phone.select_option("#category", "道路交通")
    phone.click("#locate")
    phone.get_by_role("button", name="关注这一条").click()
    expect(phone.locator(".followed")).to_be_focused()
    expect(phone.locator(".followed")).to_contain_text("已关注")
    assert external_requests == []


def test_the_counter_is_not_read_with_every_keystroke_nor_part_of_the_fields_name(phone, live_server, world, external_requests):  # noqa: F811
    phone.goto(f"{live_server}/q/{world['station'].qr_code}")
    for field, name, counter, max_chars in (("#content", "建议内容", "#counter", 1000),
                                            ("#appt-topic", "约见事项", "#appt-counter", 500)):
        if field == "#appt-topic":
            phone.click("#tab-appt")
        expect(phone.get_by_role("textbox", name=name, exact=True)).to_be_visible()
        box = phone.locator(field)
        expect(phone.locator(counter)).not_to_have_attribute("aria-live", re.compile(".*"))
        expect(box).to_have_attribute("aria-describedby", re.compile(counter[1:]))
        box.fill("路灯")
        expect(phone.locator(counter)).to_have_text(f"2/{max_chars}")
        status = phone.locator(f"{counter}-status")
        expect(status).to_have_text("")
        # Near the limit, once; at the limit, once.
        box.fill("灯" * (max_chars - 10))
        expect(status).to_have_text("还可以输入 10 字。")
        box.fill("灯" * max_chars)
        expect(status).to_have_text(f"已达到 {max_chars} 字上限。")
    assert external_requests == []


def test_photos_are_told_apart_and_the_add_tile_shows_its_focus(phone, live_server, world, external_requests):  # noqa: F811
    phone.goto(f"{live_server}/q/{world['station'].qr_code}")
    add = phone.locator("#photo-add")
    assert add.evaluate("node => getComputedStyle(node).boxShadow") == "none"
    phone.focus("#content")
    phone.keyboard.press("Tab")
    expect(phone.locator("#photo-input")).to_be_focused()
    assert add.evaluate("node => getComputedStyle(node).boxShadow") != "none"

    # One at a time: two chosen together may finish in either order, each saying so in turn.
    for n in (1, 2):
        phone.set_input_files("#photo-input", files=[{"name": f"p{n}.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
        expect(phone.get_by_role("status").filter(has_text=f"第 {n} 张照片已上传")).to_have_count(1)
    expect(phone.get_by_role("img", name="第 1 张照片")).to_be_visible()
    expect(phone.get_by_role("img", name="第 2 张照片")).to_be_visible()
    phone.get_by_role("button", name="删除第 1 张照片").click()
    expect(phone.get_by_role("img", name="第 1 张照片")).to_be_visible()
    expect(phone.get_by_role("button", name="删除第 1 张照片")).to_be_visible()
    expect(phone.get_by_role("button", name="删除第 2 张照片")).to_have_count(0)
    assert external_requests == []


def test_the_location_detail_has_a_visible_label(phone, live_server, world, external_requests):  # noqa: F811
    phone.context.grant_permissions(["geolocation"], origin=live_server)
    phone.context.set_geolocation(PHONE_GPS)
    phone.goto(f"{live_server}/q/{world['station'].qr_code}")
    expect(phone.get_by_text("地点说明（选填）")).to_be_hidden()
    phone.click("#locate")
    expect(phone.get_by_text("地点说明（选填）")).to_be_visible()
    phone.get_by_label("地点说明（选填）").fill("河堤公园东门")
    expect(phone.locator("#address")).to_have_value("河堤公园东门")
    assert external_requests == []


def test_my_items_do_not_scroll_sideways_at_320_px_with_200_percent_zoom(browser, live_server, world, external_requests):  # noqa: F811
    page = phone_page(browser, live_server, external_requests, width=160, height=320, scale=4)
    try:
        file_in_page(page, live_server, world["station"].qr_code, "井盖丢了")
        page.goto(f"{live_server}/track/")
        expect(page.locator("#items li")).to_have_count(1)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 160
    finally:
        page.context.close()
    assert external_requests == []


def test_a_consultations_link_is_a_44_px_tap_target(browser, live_server, factory, world, external_requests):  # noqa: F811
    admin = factory.headers_for_admin(factory.admin("hh-admin", region=world["tree"]["hh"]))
    now = datetime.now(timezone.utc)
    created = factory.client.post("/api/v1/consultations", headers=admin, json={
        "title": "怀化市城市绿化条例（草案）", "summary": "草案。", "text": "第一条　为了促进城市绿化，制定本条例。",
        "starts_at": (now - timedelta(minutes=5)).isoformat(), "ends_at": (now + timedelta(days=30)).isoformat()}).json
    assert factory.client.post(f"/api/v1/consultations/{created['id']}/open", headers=admin).status_code == 200
    page = phone_page(browser, live_server, external_requests, width=320, height=640, scale=2)
    try:
        for path in (f"/q/{world['station'].qr_code}", f"/public/stations/{world['station'].id}"):
            page.goto(live_server + path)
            link = page.get_by_role("link", name="怀化市城市绿化条例（草案）")
            assert link.bounding_box()["height"] >= 44, path
    finally:
        page.context.close()
    assert external_requests == []


def test_the_livelihood_forms_link_to_choose_a_region_is_a_44_px_tap_target(browser, live_server, factory, external_requests):
    tree = factory.tree()
    page = phone_page(browser, live_server, external_requests, width=320, height=640, scale=2)
    try:
        page.goto(f"{live_server}/livelihood/propose?region_id={tree['hc'].id}")
        link = page.get_by_role("link", name="到民生实事页面选择所在地区")
        box = link.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, box
    finally:
        page.context.close()
    assert external_requests == []
