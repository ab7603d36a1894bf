"""凭票测评 in real browsers: the county's administrator sets up a 述职测评 with one-time tickets, opens it and
prints a sheet of two tickets (each QR, read off the printed page, opens the voters' page with its code); a
voter scanning a ticket finds the code filled in and rates; a second phone scanning the same ticket is told
under the code that it was used; a phone that opened the hall's page without a ticket is asked for its code,
and a mistyped code is said to be wrong. The console counts the tickets issued and used."""
import io
from datetime import datetime, timedelta, timezone

import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from .conftest import phone_page
from .test_accessibility import Audit
from .test_console_org_create import sign_in


def test_tickets_printed_in_the_console_each_make_one_ballot_on_a_phone(browser, desktop, live_server, factory,
                                                                         external_requests):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站")
    deputy = factory.deputy(tree["hc"], "张伟", phone="13900000801", level="county", stations=[station])
    admin = factory.admin("hecheng", "s3cret-pass", region=tree["hc"])
    now = datetime.now(timezone.utc)
    created = factory.client.post("/api/v1/activities", headers=factory.headers_for_admin(admin, "s3cret-pass"), json={
        "title": "2026 年度代表向选民述职会", "type": "report", "station_id": station.id,
        "starts_at": (now - timedelta(minutes=10)).isoformat(), "ends_at": (now + timedelta(hours=2)).isoformat(),
        "deputy_ids": [deputy.id]})
    assert created.status_code == 201, created.json
    activity_id = created.json["id"]

    sign_in(desktop, live_server, "hecheng", "s3cret-pass")
    desktop.goto(f"{live_server}/console/activities/{activity_id}")
    expect(desktop.locator("#report-poll-mode-open")).to_be_checked()  # the default
    desktop.check("#report-poll-mode-ticket")
    desktop.click("#report-poll-create")
    expect(desktop.locator("#report-poll-mode")).to_have_text("凭票测评")
    desktop.click("#report-poll-open")
    expect(desktop.locator("#report-poll-status")).to_contain_text("测评中")
    expect(desktop.locator("#report-poll-tickets")).to_have_text("已发放 0 张，已使用 0 张")
    hall_url = desktop.locator("#report-poll a[href*='/report-poll/']").first.get_attribute("href")

    desktop.fill("#report-poll-ticket-count", "2")
    with desktop.context.expect_page() as opened:
        desktop.click("#report-poll-tickets-generate")
    sheet = opened.value
    expect(sheet.locator(".ticket")).to_have_count(2)
    expect(sheet.locator(".ticket-title").first).to_have_text("述职测评 · 2026 年度代表向选民述职会")
    codes = sheet.locator(".ticket-code").all_inner_texts()
    sheet.emulate_media(media="print")
    expect(sheet.locator(".sheet-head")).to_be_hidden()  # the printed page is the tickets alone
    links = []
    for qr in sheet.locator(".ticket-qr").all():
        [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
        links.append(found.text)
    assert links == [f"{hall_url}#t={code.replace('-', '')}" for code in codes]
    sheet.close()

    phone = phone_page(browser, live_server, external_requests, width=375, height=667, scale=2)
    phone.goto(links[0])
    expect(phone.locator("#rp-ticket")).to_have_value(codes[0].replace("-", ""))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    audit = Audit(phone)
    audit.check("the ticketed 述职测评 form")
    phone.locator(f"#rp-deputy-{deputy.id}").get_by_label("满意", exact=True).check()
    phone.click("#rp-submit")
    expect(phone.locator("#rp-thanks")).to_be_visible()
    phone.context.close()

    # Another phone scanning the same ticket (or the first after clearing its storage).
    second = phone_page(browser, live_server, external_requests, width=375, height=667, scale=2)
    second.goto(links[0])
    second.locator(f"#rp-deputy-{deputy.id}").get_by_label("基本满意").check()
    second.click("#rp-submit")
    expect(second.locator("#rp-ticket-error")).to_have_text("此测评票已使用。")
    expect(second.locator("#rp-error")).to_have_text("此测评票已使用。")
    expect(second.locator("#rp-card")).to_be_visible()
    second.context.close()

    # The hall's page, without a ticket: the code is asked for, a wrong one said so.
    third = phone_page(browser, live_server, external_requests, width=375, height=667, scale=2)
    third.goto(hall_url)
    expect(third.locator("#rp-ticket")).to_have_value("")
    third.locator(f"#rp-deputy-{deputy.id}").get_by_label("满意", exact=True).check()
    third.click("#rp-submit")
    expect(third.locator("#rp-ticket-error")).to_have_text("请输入测评票上的票号。")
    expect(third.locator("#rp-ticket")).to_be_focused()
    third.fill("#rp-ticket", "ABCDE-FGHJK")
    expect(third.locator("#rp-ticket-error")).to_be_hidden()
    third.click("#rp-submit")
    expect(third.locator("#rp-ticket-error")).to_have_text("票号不正确，请核对测评票上的票号后重新输入。")
    third.fill("#rp-ticket", codes[1].lower())
    third.click("#rp-submit")
    expect(third.locator("#rp-thanks")).to_be_visible()
    audit.assert_clean()
    third.context.close()

    desktop.goto(f"{live_server}/console/activities/{activity_id}")
    expect(desktop.locator("#report-poll-tickets")).to_have_text("已发放 2 张，已使用 2 张")
    expect(desktop.locator("#report-poll-ballots")).to_have_text("2 张")
    assert external_requests == []
