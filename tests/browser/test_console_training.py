"""In a real browser: the city's staff open 培训清单, read the coverage, download the untrained deputies'
spreadsheet and summon them (点名调训) to next week's training."""
import openpyxl
from playwright.sync_api import expect

from ..test_training import city, held, roster, upcoming  # noqa: F401 (fixtures)
from .test_console_activities import sign_in


def test_the_coverage_its_export_and_a_summons(desktop, live_server, app, client, city, held, external_requests):  # noqa: F811
    next_one = upcoming(client, city, ["张伟"])
    page = desktop
    sign_in(page, live_server, "huaihua")
    page.click("nav >> text=培训清单")
    expect(page.locator("h1")).to_contain_text("培训清单")
    expect(page.locator("#training-deputies")).to_have_text("4")
    expect(page.locator("#training-trained")).to_have_text("2")
    expect(page.locator("#training-rate")).to_have_text("50.0%")
    expect(page.locator("table.training-regions tbody tr")).to_have_text(["鹤城区 4 2 2 50.0%"], use_inner_text=True)
    expect(page.locator("table.training-activities")).to_contain_text("代表履职能力培训班")
    expect(page.locator("table.untrained tbody tr")).to_have_count(2)

    # A narrower filter: the county's own deputies of county level.
    page.select_option("select[name=region_id]", str(city["tree"]["hc"].id))
    page.select_option("select[name=level]", "county")
    page.click("form.filters button[type=submit]")
    expect(page.locator("#training-deputies")).to_have_text("3")
    expect(page.locator("#training-trained")).to_have_text("1")

    with page.expect_download() as download:
        page.click("a:has-text('导出 Excel')")
    assert download.value.suggested_filename.startswith("未参训代表-") and download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as saved:
        sheet = openpyxl.load_workbook(saved)["未参训代表"]
    assert [r[:3] for r in sheet.iter_rows(values_only=True)] == [
        ("代表", "代表层级", "所属区域"), ("孙丽", "县（区）人大代表", "鹤城区"), ("王强", "县（区）人大代表", "城北街道")]

    page.select_option("select[name=activity_id]", str(next_one))
    before = roster(app, next_one)
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("form.summon button[type=submit]")
    expect(page.locator("form.summon button[type=submit]")).to_be_enabled()
    assert asked == ["将邀请并通知上述范围内 2 位未参训的代表参加所选培训（已在邀请名单中的不重复邀请），通知发出后不能撤回。确定点名调训吗？"]
    assert roster(app, next_one) == before  # declined: nobody invited
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form.summon button[type=submit]")
    expect(page.locator(".flash-success")).to_have_text("点名调训：已邀请 2 位未参训的代表参加“代表履职能力培训班”，并已通知他们接单。")
    expect(page.locator("#training-deputies")).to_have_text("3")  # the filter kept
    people = city["people"]
    assert roster(app, next_one) == sorted([people["张伟"].id, people["王强"].id, people["孙丽"].id])
    assert external_requests == []
