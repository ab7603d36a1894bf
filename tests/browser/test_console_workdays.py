"""工作日历 in a real browser: the root region's administrator enters next year's 春节 from the console's
navigation, sees the days in the table, and takes one back after confirming."""
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import delete

from backend.extensions import db
from backend.workdays.models import WorkCalendarDay

from .test_console_org_create import sign_in


def test_the_root_administrator_enters_and_takes_back_holidays(desktop, live_server, app, factory, external_requests):
    tree = factory.tree()
    factory.admin("root", "s3cret-pass", region=tree["root"])
    with app.app_context():  # 2027 not entered yet, whichever years the seeding library carries
        db.session.execute(delete(WorkCalendarDay).where(WorkCalendarDay.day >= date(2027, 1, 1)))
        db.session.commit()
    sign_in(desktop, live_server, "root", "s3cret-pass")

    desktop.click("nav >> text=工作日历")
    desktop.fill("input[name=year]", "2027")
    desktop.click("button:has-text('查看')")
    expect(desktop.locator("#workdays-empty")).to_contain_text("没有 2027 年的放假安排")

    form = desktop.locator("#workdays-add")
    form.locator("input[name=first]").fill("2027-02-05")
    form.locator("input[name=last]").fill("2027-02-11")
    form.locator("select[name=kind]").select_option("holiday")
    form.locator("input[name=name]").fill("春节")
    form.locator("button[type=submit]").click()
    expect(desktop.locator(".flash").first).to_contain_text("已录入放假（春节）5 天")
    expect(desktop.locator("#workdays tbody tr")).to_have_count(5)
    expect(desktop.locator("#workdays-summary")).to_have_text("2027 年：工作日放假 5 天，周末调休上班 0 天。")

    questions = []
    desktop.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    desktop.locator("#workdays tbody tr").first.locator("button:has-text('删除')").click()
    expect(desktop.locator("#workdays tbody tr")).to_have_count(4)
    assert questions == ["确定删除 2027-02-05（星期五） 吗？删除后该日按周末双休计算。"]
    assert external_requests == []


def test_the_holiday_form_reads_in_order_under_its_heading(desktop, live_server, app, factory):
    """录入放假安排 heads the form across its width; 开始日期 and 结束日期 sit side by side below it, start on
    the left (the heading once took a column of the grid, and pushed 结束日期 under 开始日期's right)."""
    tree = factory.tree()
    factory.admin("root", "s3cret-pass", region=tree["root"])
    sign_in(desktop, live_server, "root", "s3cret-pass")
    desktop.goto(f"{live_server}/console/workdays")
    form = desktop.locator("#workdays-add")
    heading = form.locator("h2").bounding_box()
    first = form.locator("label:has(input[name=first])").bounding_box()
    last = form.locator("label:has(input[name=last])").bounding_box()
    assert heading["y"] + heading["height"] <= first["y"], (heading, first)
    assert first["x"] < last["x"] and abs(first["y"] - last["y"]) < 1, (first, last)
