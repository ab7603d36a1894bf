"""In a real browser: the sign-in ends while an administrator is typing (the session expired, or 退出 in another
tab). Sending the form leads to the sign-in page saying why; signing in again returns to the page with what was
typed put back, to check and send again. Nothing was done in between."""
from playwright.sync_api import expect
from sqlalchemy import select

from backend.activities.models import Activity
from backend.extensions import db
from backend.points.models import PointCorrection

from .test_console_activities import sign_in


def test_typed_text_survives_signing_in_again(desktop, live_server, app, factory):
    tree = factory.tree()
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000101")
    factory.admin("huaihua", region=tree["hh"])
    page = desktop
    sign_in(page, live_server, "huaihua")
    archive = f"{live_server}/console/deputies/{zhang.id}/archive"
    page.goto(archive)
    page.fill("input[name=points]", "2")
    page.fill("input[name=reason]", "补记 3 月 5 日接待选民，当日签到设备故障")
    page.context.clear_cookies()  # the sign-in ends meanwhile

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('记入更正')")
    expect(page.locator(".flash-error")).to_have_text(
        "登录已失效（长时间未操作，或已在其他窗口退出），刚才的操作没有提交。请重新登录，登录后回到原页面。")
    expect(page.locator("h1")).to_have_text("管理员登录")
    page.fill("input[name=username]", "huaihua")
    page.fill("input[name=password]", "password123")
    page.click("button[type=submit]")

    expect(page.locator("input[name=reason]")).to_have_value("补记 3 月 5 日接待选民，当日签到设备故障")
    expect(page.locator("input[name=points]")).to_have_value("2")
    expect(page.locator(".flash-info")).to_have_text("已放回您刚才填写但未能提交的内容，请核对后重新提交。")
    assert page.url == archive  # the mark is gone: a reload or bookmark does not put it back again
    with app.app_context():
        assert db.session.scalars(select(PointCorrection)).all() == []

    page.reload()
    expect(page.locator("input[name=reason]")).to_have_value("")  # put back once only


def test_a_stale_form_leads_back_to_its_page_with_the_text_put_back(desktop, live_server, app, factory):
    """Signed in again in another tab, the page open here carries an old token: the answer offers the way back
    (not a reload, which would post again), and back on the page the text typed is there to send again."""
    tree = factory.tree()
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000101")
    factory.admin("huaihua", region=tree["hh"])
    page = desktop
    sign_in(page, live_server, "huaihua")
    page.goto(f"{live_server}/console/deputies/{zhang.id}/archive")
    page.fill("input[name=points]", "1")
    page.fill("input[name=reason]", "补记志愿服务")
    page.eval_on_selector("form[action$='/points/corrections'] input[name=csrf_token]", "field => { field.value = 'stale'; }")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('记入更正')")
    expect(page.locator("h1")).to_have_text("页面已过期")
    page.click("a:has-text('返回上一页')")
    expect(page.locator("input[name=reason]")).to_have_value("补记志愿服务")
    with app.app_context():
        assert db.session.scalars(select(PointCorrection)).all() == []


def test_ticked_deputies_survive_signing_in_again(desktop, live_server, app, factory):
    """发单 with deputies ticked in the picker: signed in again, the ticks are put back with the text (chosen,
    counted), not only the text while the note says the work was put back."""
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站")
    for i in range(4):
        factory.deputy(tree["hc"], f"代表{i}", phone=f"1380000010{i}", stations=[station])
    factory.admin("chengbei", stations=[station])
    page = desktop
    sign_in(page, live_server, "chengbei")
    page.goto(f"{live_server}/console/activities/new")
    page.fill("input[name=title]", "城北联络站进站接待选民（十二月）")
    boxes = page.locator("fieldset[data-picker] .picker-options input[name=deputy_ids]")
    ticked = [boxes.nth(i).get_attribute("value") for i in (0, 2, 3)]
    for value in ticked:
        page.check(f"fieldset[data-picker] input[name=deputy_ids][value='{value}']")
    expect(page.locator(".picker-count")).to_have_text("3")
    page.context.clear_cookies()  # the sign-in ends meanwhile

    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("form button[type=submit]", has_text="发单").first.click()
    expect(page.locator("h1")).to_have_text("管理员登录")
    page.fill("input[name=username]", "chengbei")
    page.fill("input[name=password]", "password123")
    page.click("button[type=submit]")

    expect(page.locator(".flash-info")).to_have_text("已放回您刚才填写但未能提交的内容，请核对后重新提交。")
    expect(page.locator("input[name=title]")).to_have_value("城北联络站进站接待选民（十二月）")
    expect(page.locator(".picker-count")).to_have_text("3")
    chosen = page.locator("fieldset[data-picker] .picker-chosen input[name=deputy_ids]:checked")
    assert sorted(chosen.evaluate_all("boxes => boxes.map(b => b.value)")) == sorted(ticked)
    with app.app_context():
        assert db.session.scalars(select(Activity)).all() == []
