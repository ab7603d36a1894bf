"""联系清单 in a real browser: a city's administrator adds a special committee from the navigation, gives it
two deputies found with the picker's search, records a visit, sees the year's figures change and downloads
them as a spreadsheet that opens."""
from openpyxl import load_workbook
from playwright.sync_api import expect

from .test_console_org_create import sign_in


def test_a_committee_is_given_deputies_a_contact_and_its_figures_export(desktop, live_server, factory, external_requests,
                                                                         tmp_path):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站")
    factory.deputy(tree["hc"], "张伟", phone="13800000101", stations=[station])
    factory.deputy(tree["hc"], "李娜", phone="13800000102", stations=[station])
    factory.deputy(tree["hc"], "王强", phone="13800000103", stations=[station])
    factory.admin("huaihua", "s3cret-pass", region=tree["hh"])
    page = desktop
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server, "huaihua", "s3cret-pass")

    page.click("nav >> text=联系清单")
    expect(page.locator("#liaison-summary")).to_contain_text("还没有联系人")
    form = page.locator("#liaison-new")
    form.locator("select[name=kind]").select_option("committee")
    form.locator("input[name=name]").fill("教育科学文化卫生委员会")
    form.locator("input[name=title]").fill("市人大专门委员会")
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash").first).to_contain_text("已新增联系人“教育科学文化卫生委员会”")
    expect(page.locator("#no-deputies")).to_be_visible()

    # The deputy picker, as on 发单: search, tick, search again, tick.
    picker = page.locator("#assign [data-picker]")
    page.fill("#assign .picker-q", "张")
    options = picker.locator(".picker-options")
    expect(options).not_to_contain_text("李娜")
    options.locator("label:has-text('张伟') input").check()
    page.fill("#assign .picker-q", "李")
    options.locator("label:has-text('李娜') input").check()
    expect(picker.locator(".picker-count")).to_have_text("2")
    page.click("#assign button:has-text('安排')")
    expect(page.locator(".flash").first).to_have_text("已安排 2 位联系代表。")
    expect(page.locator("#assigned-total")).to_have_text("2")
    expect(page.locator("#assigned-deputies")).to_contain_text("尚未联系")
    # Those given already are no longer offered: neither on the page nor found by the picker's search.
    expect(picker.locator(".picker-options")).to_contain_text("王强")
    expect(picker.locator(".picker-options")).not_to_contain_text("张伟")
    page.fill("#assign .picker-q", "张")
    expect(picker.locator(".picker-options")).to_contain_text("没有符合条件的代表。")
    page.fill("#assign .picker-q", "王")
    expect(picker.locator(".picker-options")).to_contain_text("王强")

    contact = page.locator("#contact-new")
    contact.locator("select[name=deputy_id]").select_option(label="张伟")
    contact.locator("select[name=way]").select_option("visit")
    contact.locator("textarea[name=summary]").fill("走访代表，了解乡村学校师资情况")
    contact.locator("textarea[name=opinions]").fill("建议增加乡村教师编制")
    contact.locator("button[type=submit]").click()
    expect(page.locator(".flash").first).to_contain_text("已登记与张伟的联系（走访")
    expect(page.locator("#contact-records")).to_contain_text("建议增加乡村教师编制")

    page.click("text=返回联系清单")
    row = page.locator("#liaison-summary tbody tr").first
    expect(row.locator("td")).to_have_text(["教育科学文化卫生委员会", "专门委员会", "市人大专门委员会", "怀化市",
                                            "2", "1", "1", "50.0%"])

    with page.expect_download() as download:
        page.click("text=导出 Excel")
    saved = tmp_path / "liaisons.xlsx"
    download.value.save_as(saved)
    assert download.value.suggested_filename.startswith("联系清单-")
    rows = list(load_workbook(saved).active.iter_rows(values_only=True))
    assert rows[1] == ("教育科学文化卫生委员会", "专门委员会", "市人大专门委员会", "怀化市人大常委会", "在用", 2, 1, 1, "50.0%")
    assert external_requests == []
