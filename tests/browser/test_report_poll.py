"""述职测评 in real browsers: the county's administrator sets up and opens the poll on a 述职 activity's
console page and shows its code; a voter at the meeting opens the code's page on a 375 px phone, rates
each reporting deputy (a deputy left unrated is said first), sends, and is thanked; the same phone opening
the page again is told it has voted; the console then shows the ballot counted, and after 结束测评 the
results per deputy; the console page, open all along, counts the ballot as it comes."""
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from .conftest import drawn_width, next_live_refresh, phone_page
from .test_accessibility import Audit
from .test_console_org_create import sign_in


def test_a_voter_rates_the_reporting_deputies_and_the_console_counts_it(browser, desktop, live_server, factory,
                                                                         external_requests):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站")
    deputies = [factory.deputy(tree["hc"], name, phone=f"1390000070{i}", level="county", stations=[station])
                for i, name in enumerate(("张伟", "李娜"))]
    admin = factory.admin("hecheng", "s3cret-pass", region=tree["hc"])
    now = datetime.now(timezone.utc)
    created = factory.client.post("/api/v1/activities", headers=factory.headers_for_admin(admin, "s3cret-pass"), json={
        "title": "2026 年度代表向选民述职会", "type": "report", "station_id": station.id,
        "starts_at": (now - timedelta(minutes=10)).isoformat(), "ends_at": (now + timedelta(hours=2)).isoformat(),
        "deputy_ids": [d.id for d in deputies]})
    assert created.status_code == 201, created.json
    activity_id = created.json["id"]

    sign_in(desktop, live_server, "hecheng", "s3cret-pass")
    desktop.clock.install()  # the live counts' refresh brought forward (next_live_refresh)
    desktop.goto(f"{live_server}/console/activities/{activity_id}")
    desktop.click("#report-poll-create")
    expect(desktop.locator(".flash").first).to_contain_text("已组织述职测评")
    desktop.click("#report-poll-open")
    expect(desktop.locator("#report-poll-status")).to_contain_text("测评中")
    # Before any ballot (checked here: the page's own refresh runs on while the phone votes below).
    expect(desktop.locator("#report-poll-ballots")).to_have_text("0 张")
    assert drawn_width(desktop.locator("#report-poll-qr")) > 0
    url = desktop.locator("#report-poll a[href*='/report-poll/']").first.get_attribute("href")
    assert "/report-poll/" in url

    phone = phone_page(browser, live_server, external_requests, width=375, height=667, scale=2)
    phone.goto(url)
    expect(phone.locator("h1")).to_have_text("2026 年度代表向选民述职会")
    expect(phone.locator(".rp-deputy legend strong")).to_have_text(["张伟", "李娜"])
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375  # nothing wider than the phone
    audit = Audit(phone)
    audit.check("the 述职测评 form")
    phone.locator("#rp-deputy-%d" % deputies[0].id).get_by_label("满意", exact=True).check()
    phone.click("#rp-submit")
    expect(phone.locator("#rp-error")).to_have_text("请对每位述职代表作出评价，还有李娜未评价。")
    expect(phone.locator(f"#rp-deputy-{deputies[1].id}-error")).to_have_text("请选择对李娜的评价。")
    phone.locator("#rp-deputy-%d" % deputies[1].id).get_by_label("基本满意").check()
    phone.fill("#rp-comment", "希望多进站接待群众")
    # The hall's address past its new identities once (WEB_POLL_IDENTITY_RATE_LIMIT): said as the meeting's share.
    refused = []

    def full_hall(route):
        if refused:
            return route.continue_()
        refused.append(route.request.url)
        route.fulfill(status=429, content_type="application/json",
                      body='{"error": "rate_limited", "message": "操作过于频繁，请 60 分钟后再试。"}')

    phone.route("**/api/v1/auth/web", full_hall)
    phone.click("#rp-submit")
    expect(phone.locator("#rp-error")).to_have_text(
        "本场参加测评的人数较多，暂时无法为本机登记测评身份。请稍后重试，或改用手机流量扫码，也可联系会场工作人员。")
    with phone.expect_request("**/api/v1/auth/web") as identity:
        phone.click("#rp-submit")
    # The new identity says which poll asked for it: counted under the meeting's limit (WEB_POLL_IDENTITY_RATE_LIMIT).
    assert identity.value.post_data_json == {"report_poll": url.rsplit("/", 1)[1]}
    expect(phone.locator("#rp-thanks")).to_be_visible()
    expect(phone.locator("#rp-thanks")).to_contain_text("感谢您的参与")
    expect(phone.locator("#rp-card")).to_be_hidden()
    audit.check("thanked")

    phone.reload()  # the same browser again: it has voted
    expect(phone.locator("#rp-voted")).to_be_visible()
    expect(phone.locator("#rp-card")).to_be_hidden()
    phone.context.close()
    audit.assert_clean()

    next_live_refresh(desktop)  # the console page, open all along (never reloaded), counts the ballot
    expect(desktop.locator("#report-poll-ballots")).to_have_text("1 张")
    first = desktop.locator("#report-poll-results tbody tr").nth(0)
    expect(first.locator("td").nth(1)).to_have_text("1")
    expect(first.locator("td").nth(5)).to_have_text("100.0%")
    desktop.once("dialog", lambda dialog: dialog.accept())
    desktop.click("#report-poll-close")
    expect(desktop.locator("#report-poll-status")).to_contain_text("已结束")
    rows = desktop.locator("#report-poll-results tbody tr")
    expect(rows.nth(0)).to_contain_text("张伟")
    expect(rows.nth(0).locator("td").nth(1)).to_have_text("1")
    expect(rows.nth(0).locator("td").nth(5)).to_have_text("100.0%")
    expect(rows.nth(1).locator("td").nth(2)).to_have_text("1")
    expect(rows.nth(1).locator("td").nth(5)).to_have_text("0.0%")
    expect(desktop.locator(".report-poll-comments")).to_contain_text("希望多进站接待群众")
    with desktop.expect_download() as download:
        desktop.click("text=导出 Excel")
    assert download.value.suggested_filename.startswith("述职测评结果")
    assert external_requests == []

    # On a phone's width the results and the archive's 述职测评 table scroll inside their own box, not the page.
    desktop.set_viewport_size({"width": 375, "height": 667})
    desktop.goto(f"{live_server}/console/activities/{activity_id}")
    expect(desktop.locator("#report-poll-results")).to_be_visible()
    assert desktop.evaluate("document.documentElement.scrollWidth") <= 375
    year = datetime.now(timezone(timedelta(hours=8))).year
    desktop.goto(f"{live_server}/console/deputies/{deputies[0].id}/archive?year={year}")
    expect(desktop.locator("#archive-report-polls table")).to_be_visible()
    assert desktop.evaluate("document.documentElement.scrollWidth") <= 375
