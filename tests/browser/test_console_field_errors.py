"""A refused console form in a real browser: the reason is under the field it is about, the field is
marked wrong and read with it, the cursor is on it, and the top of the page says how many fields need
changing, its links taking the cursor to them. The deputy form, 发单, 编辑's list of those invited and
the rulebook's table, 工作日历's entry and a username already taken alike."""
from datetime import date, datetime, timedelta, timezone

from playwright.sync_api import expect
from sqlalchemy import delete

from backend.extensions import db
from backend.workdays.models import WorkCalendarDay

from .test_console_activities import chengbei_signed_in, dispatched, sign_in


def below(message, field):
    """Whether ``message`` is drawn under ``field``, starting within its width."""
    m, f = message.bounding_box(), field.bounding_box()
    return m["y"] >= f["y"] + f["height"] - 1 and f["x"] - 1 <= m["x"] <= f["x"] + f["width"]


def test_a_bad_phone_is_said_under_the_phone_box(desktop, live_server, factory, external_requests):
    tree = factory.tree()
    factory.station(tree["hc"], "城北联络站")
    factory.admin("huaihua", region=tree["hh"])
    page = desktop
    sign_in(page, live_server, "huaihua")
    page.goto(f"{live_server}/console/deputies/new")
    page.get_by_label("姓名").fill("王芳")
    page.get_by_label("所属区域").select_option(str(tree["hc"].id))
    page.get_by_label("代表小组").fill("第三代表小组")
    page.get_by_label("手机号").fill("12345")
    page.click("button:has-text('新增代表')")

    message = page.locator("#field-phone-error")
    phone = page.get_by_label("手机号")
    expect(message).to_have_text("手机号应为 11 位数字，以 1 开头。")
    assert below(message, phone)
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_accessible_description("手机号应为 11 位数字，以 1 开头。")
    expect(phone).to_be_focused()
    expect(phone).to_have_value("12345")  # what was typed stays
    expect(page.get_by_label("代表小组")).to_have_value("第三代表小组")
    expect(page.get_by_label("代表小组")).not_to_have_attribute("aria-invalid", "true")
    summary = page.locator("#refusal-summary")
    expect(summary).to_have_text("有 1 处需要修改：手机号。")

    # Elsewhere on the page, the summary's link brings the cursor back to the box.
    page.get_by_label("简介").focus()
    summary.get_by_role("link", name="手机号").click()
    expect(phone).to_be_focused()

    page.get_by_label("手机号").fill("13800000188")
    page.click("button:has-text('新增代表')")
    expect(page.locator(".flash-success")).to_contain_text("已新增代表“王芳”")
    expect(page.locator("#refusal-summary")).to_have_count(0)
    assert external_requests == []


def test_dispatching_to_nobody_is_said_under_the_deputies_list(desktop, live_server, factory, external_requests):
    page = desktop
    station = chengbei_signed_in(page, live_server, factory)
    page.goto(f"{live_server}/console/activities/new?station_id={station.id}")
    page.get_by_label("活动名称").fill("进站接待选民")
    page.click("button:has-text('发单并通知代表')")

    deputies = page.get_by_role("group", name="参加代表")
    message = page.locator("#field-deputy_ids-error")
    expect(message).to_have_text("请至少选择一位参加的代表，或填写揭榜名额由代表自行报名。")
    expect(deputies).to_have_attribute("aria-invalid", "true")
    expect(deputies).to_have_accessible_description("请至少选择一位参加的代表，或填写揭榜名额由代表自行报名。")
    assert below(message, deputies.locator("legend"))
    # The cursor is in the list, on its first deputy to tick, who is read with the reason too.
    zhang = deputies.get_by_label("张伟")
    expect(zhang).to_be_focused()
    expect(zhang).to_have_accessible_description("请至少选择一位参加的代表，或填写揭榜名额由代表自行报名。")
    expect(page.get_by_label("活动名称")).to_have_value("进站接待选民")
    expect(page.locator("#refusal-summary")).to_have_text("有 1 处需要修改：参加代表。")

    page.keyboard.press("Space")
    page.click("button:has-text('发单并通知代表')")
    expect(page.locator(".flash-success")).to_contain_text("已发单：“进站接待选民”，已通知 1 位代表。")
    assert external_requests == []


def test_taking_off_every_deputy_is_said_under_the_invited_list(desktop, live_server, factory, external_requests):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000101", stations=[station])
    admin = factory.admin("chengbei", stations=[station])
    starts = datetime.now(timezone(timedelta(hours=8))).replace(microsecond=0) + timedelta(days=1)
    activity_id = dispatched(factory, admin, station, [zhang], "进站接待选民", "reception", starts,
                             starts + timedelta(hours=2))
    page = desktop
    sign_in(page, live_server, "chengbei")
    page.goto(f"{live_server}/console/activities/{activity_id}/edit")
    page.get_by_label("移出张伟").check()
    page.click("button:has-text('保存修改')")

    invited = page.get_by_role("group", name="已邀请的代表（1 位）")
    reason = "活动至少要有一位参加的代表；如活动不再举行，请取消活动。"
    expect(page.locator("#field-remove_deputy_ids-error")).to_have_text(reason)
    expect(invited).to_have_attribute("aria-invalid", "true")
    expect(invited).to_have_accessible_description(reason)
    # The cursor is on the box ticked, not on the list's filter above it.
    expect(page.get_by_label("移出张伟")).to_be_focused()
    expect(page.get_by_label("移出张伟")).to_be_checked()
    expect(page.locator("#refusal-summary")).to_have_text("有 1 处需要修改：移出代表。")
    assert external_requests == []


def test_a_bad_figure_in_the_rulebook_is_said_under_its_box(desktop, live_server, factory, external_requests):
    tree = factory.tree()
    factory.admin("huaihua", region=tree["hh"])
    page = desktop
    sign_in(page, live_server, "huaihua")
    page.goto(f"{live_server}/console/rules")
    page.get_by_label("接待选民（进站接待） 年度上限").fill("12")
    points = page.get_by_label("接待选民（进站接待） 分值")
    points.fill("500")
    # The browser's own check of the box's range is not what is tested here: the server's is.
    page.locator("form:has(table.rules)").evaluate("form => form.noValidate = true")
    page.click("button:has-text('保存修改')")

    reason = "应大于或等于 -100 且小于或等于 100。"
    expect(page.locator("#refusal-summary")).to_have_text("有 1 处需要修改：“接待选民（进站接待）”分值。")
    expect(points).to_have_accessible_description(reason)
    expect(points).to_have_attribute("aria-invalid", "true")
    expect(points).to_be_focused()
    expect(points).to_have_value("500")
    expect(page.get_by_label("接待选民（进站接待） 年度上限")).to_have_value("12")  # the rest of what was typed stays
    assert external_requests == []


def test_a_weekday_entered_as_a_make_up_day_is_said_under_the_start_date(desktop, live_server, app, factory,
                                                                         external_requests):
    tree = factory.tree()
    factory.admin("root", region=tree["root"])
    with app.app_context():  # 2027 not entered yet, whichever years the seeding library carries
        db.session.execute(delete(WorkCalendarDay).where(WorkCalendarDay.day >= date(2027, 1, 1)))
        db.session.commit()
    page = desktop
    sign_in(page, live_server, "root")
    page.goto(f"{live_server}/console/workdays?year=2027")
    page.get_by_label("开始日期").fill("2027-02-03")
    page.get_by_label("类别").select_option("workday")
    page.get_by_label("名称").fill("春节")
    page.click("button:has-text('录入')")

    first = page.get_by_label("开始日期")
    message = page.locator("#field-first-error")
    reason = "2027-02-03（星期三）本来就是工作日：调休上班只录入周末。"
    expect(message).to_have_text(reason)
    assert below(message, first)
    expect(first).to_have_attribute("aria-invalid", "true")
    expect(first).to_have_accessible_description(reason)
    expect(first).to_be_focused()
    expect(first).to_have_value("2027-02-03")  # what was typed stays
    expect(page.get_by_label("类别")).to_have_value("workday")
    expect(page.get_by_label("名称")).to_have_value("春节")
    expect(page.locator("#refusal-summary")).to_have_text("有 1 处需要修改：开始日期。")
    expect(page.locator("#workdays-empty")).to_contain_text("没有 2027 年的放假安排")

    first.fill("2027-02-06")
    page.click("button:has-text('录入')")
    expect(page.locator(".flash-success")).to_contain_text("已录入调休上班（春节）1 天：2027-02-06（星期六）")
    expect(page.locator("#refusal-summary")).to_have_count(0)
    assert external_requests == []


def test_a_username_already_taken_is_said_under_the_username(desktop, live_server, factory, external_requests):
    tree = factory.tree()
    chengbei = factory.station(tree["hc"], "城北联络站")
    factory.admin("chengbei", stations=[chengbei])
    factory.admin("huaihua", region=tree["hh"])
    page = desktop
    sign_in(page, live_server, "huaihua")
    page.goto(f"{live_server}/console/admins/new")
    form = page.locator("#admin-new")
    form.locator("input[name=username]").fill("chengbei")
    form.locator("input[name=display_name]").fill("王芳")
    form.locator("input[name=password]").fill("first-pass-1")
    form.locator("input[name=password2]").fill("first-pass-1")
    form.locator(".picker-options label:has-text('城北联络站') input").check()
    form.locator("button[type=submit]").click()

    username = page.get_by_label("用户名")
    expect(page.locator("#field-username-error")).to_have_text("该用户名已存在。")
    expect(username).to_have_attribute("aria-invalid", "true")
    expect(username).to_have_accessible_description("该用户名已存在。")
    expect(username).to_be_focused()
    expect(username).to_have_value("chengbei")
    expect(page.get_by_label("姓名")).to_have_value("王芳")
    expect(page.locator("#refusal-summary")).to_have_text("有 1 处需要修改：用户名。")

    username.fill("chengbei2")
    page.locator("#admin-new input[name=password]").fill("first-pass-1")
    page.locator("#admin-new input[name=password2]").fill("first-pass-1")
    page.locator("#admin-new button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text("已新建联络站管理员账号“王芳”（用户名 chengbei2）")
    assert external_requests == []
