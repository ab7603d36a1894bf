"""In a real browser: 发单 through the console, check-in from the deputy's phone (the API), the live
attendance view, the full-screen check-in code, 结单 and the leaderboard; and the deputy and station imports."""
import io
import re
from datetime import datetime, timedelta, timezone

import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from .conftest import next_live_refresh

STATION = (27.5601, 109.9985)


def sign_in(page, base_url, username, password="password123"):
    page.goto(f"{base_url}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page.locator(".who")).to_contain_text(username)


def chengbei_signed_in(page, live_server, factory):
    """城北联络站 with one deputy, 张伟, and its administrator chengbei signed in on ``page``: the station."""
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站")
    factory.deputy(tree["hc"], "张伟", phone="13800000101", stations=[station])
    factory.admin("chengbei", stations=[station])
    sign_in(page, live_server, "chengbei")
    return station


def dispatched(factory, admin, station, deputies, title, kind, starts, ends):
    """发单 through the API, as ``admin``: the new activity's id."""
    created = factory.client.post("/api/v1/activities", headers=factory.headers_for_admin(admin), json={
        "title": title, "type": kind, "station_id": station.id, "starts_at": starts.isoformat(),
        "ends_at": ends.isoformat(), "deputy_ids": [d.id for d in deputies]})
    assert created.status_code == 201, created.json
    return created.json["id"]


def test_dispatch_check_in_close_and_points(desktop, live_server, factory, external_requests):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", lat=STATION[0], lng=STATION[1], address="人民路 18 号")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000101", stations=[station])
    li = factory.deputy(tree["hc"], "李娜", phone="13800000102", stations=[station])
    factory.deputy(tree["hc"], "王强", phone="13800000103", stations=[station])
    factory.admin("chengbei", stations=[station])
    page = desktop
    page.clock.install()  # the live views' refreshes are brought forward below
    page.on("dialog", lambda dialog: dialog.accept())  # 结单 asks for confirmation
    sign_in(page, live_server, "chengbei")

    # 发单: search the picker, choose two deputies, keep the default times (now, for two hours).
    page.click("nav >> text=活动")
    page.click("a.button:has-text('发单')")
    page.fill("input[name=title]", "城北联络站进站接待选民")
    page.select_option("select[name=station_id]", str(station.id))
    page.fill(".picker-q", "张")
    options = page.locator(".picker-options")
    expect(options).not_to_contain_text("李娜")
    options.locator("label:has-text('张伟') input").check()
    expect(page.locator(".picker-chosen")).to_contain_text("张伟")
    page.press(".picker-q", "Enter")  # searching does not send the form
    expect(page.locator("h1")).to_have_text("发单：派发履职活动")
    page.fill(".picker-q", "")
    expect(options).to_contain_text("李娜")
    options.locator("label:has-text('李娜') input").check()
    expect(page.locator(".picker-count")).to_have_text("2")
    page.click("button:has-text('发单并通知代表')")
    expect(page.locator(".flash")).to_contain_text("已发单")
    activity_id = int(re.search(r"/activities/(\d+)$", page.url).group(1))
    expect(page.locator("#att-rows")).to_contain_text("待接单")

    # The check-in screen shows the rotating code as a QR image that decodes to a /q/ link.
    page.goto(f"{live_server}/console/activities/{activity_id}/screen")
    image = page.locator("#checkin-qr")
    expect(image).to_be_visible()
    page.wait_for_function("document.getElementById('checkin-qr').naturalWidth > 0")
    png = page.request.get(live_server + image.get_attribute("src"))
    assert png.ok and png.headers["cache-control"] == "no-store"
    url = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.body())))[0].text
    assert url.startswith(f"{live_server}/q/a")
    page.screenshot(path="/tmp/console-checkin-screen.png")

    # The activity's page is open on another tab while the deputies arrive.
    watching = page.context.new_page()
    watching.goto(f"{live_server}/console/activities/{activity_id}")
    expect(watching.locator("#att-rows tr", has_text="张伟")).not_to_contain_text("已签到")

    # 张伟 scans the station's code, 李娜 the code on the screen, from their phones.
    scans = [(zhang, station.qr_code), (li, url.rsplit("/", 1)[1])]
    for deputy, code in scans:
        headers = factory.deputy_headers(deputy)
        response = factory.client.post("/api/v1/checkins", json={"qr_code": code, "lat": STATION[0], "lng": STATION[1]},
                                       headers=headers)
        assert response.status_code == 201, response.json
    next_live_refresh(page)
    expect(page.locator("#screen-checked")).to_have_text("2")
    # The open page follows the check-ins by itself, row by row, without a reload.
    for name in ("张伟", "李娜"):
        expect(watching.locator("#att-rows tr", has_text=name)).to_contain_text("已签到")
    # Where each scan was made, under its time; no 补签 mark.
    expect(watching.locator("#att-rows tr", has_text="张伟").locator(".checkin-note")).to_have_text("联络站码签到，距活动地点约 0 米")
    expect(watching.locator("#att-rows tr", has_text="张伟").locator(".by-hand")).to_have_count(0)
    watching.close()

    # The activity page follows the check-ins by itself.
    page.goto(f"{live_server}/console/activities/{activity_id}")
    rows = page.locator("#att-rows")
    expect(rows.locator("tr", has_text="张伟")).to_contain_text("已签到")
    expect(rows.locator("tr", has_text="李娜")).to_contain_text("已签到")
    page.screenshot(path="/tmp/console-activity.png", full_page=True)

    page.click("button.close-activity")
    expect(page.locator(".flash")).to_contain_text("已结单：签到 2 人，请假 0 人，缺席 0 人；计入积分 10 分（2 人）。")
    expect(page.locator("#close-summary")).to_contain_text("结单结果")
    expect(page.locator("#activity-status")).to_have_text("已结单")
    page.screenshot(path="/tmp/console-activity-closed.png", full_page=True)

    page.click("nav >> text=积分排行")
    row = page.locator("table.leaderboard tr", has_text="张伟")
    expect(row.locator(".points")).to_have_text("5")
    expect(row.locator(".rank")).to_have_text("1")
    assert external_requests == []


def test_the_activity_page_follows_the_deputies_claiming_its_places(desktop, live_server, factory, external_requests):
    """揭榜: a research topic offering two places is open while deputies claim them from their phones; its page
    counts the places taken and adds each deputy's row, marked 揭榜, without a reload."""
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000101", stations=[station])
    admin = factory.admin("chengbei", stations=[station])
    page = desktop
    page.clock.install()
    sign_in(page, live_server, "chengbei")
    starts = datetime.now(timezone.utc) + timedelta(days=1)
    created = factory.client.post("/api/v1/activities", headers=factory.headers_for_admin(admin), json={
        "title": "老旧小区加装电梯情况调研", "type": "research", "station_id": station.id, "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(), "open_slots": 2})
    assert created.status_code == 201, created.json
    activity_id = created.json["id"]
    page.goto(f"{live_server}/console/activities/{activity_id}")
    expect(page.locator("#open-slots")).to_have_text("已揭榜 0 / 2")
    expect(page.locator("#att-empty")).to_be_visible()

    claimed = factory.client.post(f"/api/v1/activities/{activity_id}/claim", headers=factory.deputy_headers(zhang))
    assert claimed.status_code == 201, claimed.json
    next_live_refresh(page)
    expect(page.locator("#open-slots")).to_have_text("已揭榜 1 / 2")
    row = page.locator("#att-rows tr", has_text="张伟")
    expect(row.locator(".badge.claimed")).to_have_text("揭榜")
    expect(row.locator(".att-status")).to_have_text("已接单")


def test_deputy_import_shows_progress_and_the_error_report(desktop, live_server, factory, external_requests):
    tree = factory.tree()
    factory.station(tree["hc"], "城北联络站")
    factory.admin("huaihua", region=tree["hh"])
    factory.deputy(tree["hc"], "李娜", phone=None)  # registered without a phone: the import gives them theirs
    page = desktop
    sign_in(page, live_server, "huaihua")
    page.click("nav >> text=代表")
    page.click("text=导入代表名册")
    sheet = ("姓名,层级,所属区域,手机号,联络站\n王芳,市,鹤城区,13900000001,城北联络站\n赵磊,市,鹤城区,12345,\n"
             "孙丽,乱写,鹤城区,1,\n李娜,市,鹤城区,13900000004,\n")  # two problems in one row: still one row skipped
    page.set_input_files("input[name=file]", files=[{"name": "名册.csv", "mimeType": "text/csv",
                                                     "buffer": sheet.encode("utf-8")}])
    page.click("button:has-text('开始导入')")
    expect(page.locator(".progress-text")).to_have_text("导入完成。")
    result = page.locator("#import-result")
    expect(result).to_contain_text("1 新增")
    expect(result).to_contain_text("1 更新")
    expect(result.locator("ul.import-notices li")).to_have_text(
        ["第 5 行：鹤城区已有未登记手机号的代表“李娜”，已为其补填本行的手机号，未新增代表。"])
    expect(result).to_contain_text("2 行有误")
    expect(result).to_contain_text("错误报告（共 3 处问题）")
    expect(result.locator("table.import-errors tbody tr")).to_have_count(3)
    expect(result.locator("table.import-errors tbody tr").first).to_contain_text("手机号")
    assert page.url.endswith("/console/deputies/import")  # the upload ran in the background
    page.goto(f"{live_server}/console/deputies?q=王芳")
    expect(page.locator("table.list")).to_contain_text("王芳")
    assert external_requests == []


def test_station_import_is_reached_from_the_stations_list_and_shows_its_result(desktop, live_server, factory,
                                                                               external_requests):
    tree = factory.tree()
    factory.station(tree["hc"], "城北联络站", kind="area")
    factory.admin("huaihua", region=tree["hh"])
    page = desktop
    sign_in(page, live_server, "huaihua")
    page.click("nav >> text=联络站")
    page.click("text=导入联络站")
    expect(page.locator("h1")).to_have_text("导入联络站")
    with page.expect_download() as download:
        page.click("text=下载导入模板")
    assert download.value.suggested_filename == "联络站导入模板.xlsx"
    sheet = ("联络站名称,所属区域,类型,地址,纬度,经度\n迎丰联络站,鹤城区,代表之家,迎丰路 8 号,27.55,110.0\n"
             "城北联络站,鹤城区,片区联络站,,,\n反了联络站,鹤城区,联络点,,109.98,27.55\n")
    page.set_input_files("input[name=file]", files=[{"name": "联络站.csv", "mimeType": "text/csv",
                                                     "buffer": sheet.encode("utf-8")}])
    page.click("button:has-text('开始导入')")
    expect(page.locator(".progress-text")).to_have_text("导入完成。")
    result = page.locator("#import-result")
    expect(result).to_contain_text("1 新增")
    expect(result).to_contain_text("1 未变化")
    expect(result).to_contain_text("1 行有误")
    expect(result.locator("table.import-errors tbody tr")).to_have_text(["4纬度纬度和经度似乎填反了。"])
    assert page.url.endswith("/console/stations/import")  # the upload ran in the background
    page.click("text=返回联络站列表")
    expect(page.locator("table.list")).to_contain_text("迎丰联络站")
    assert external_requests == []


def test_a_correction_is_posted_once_however_often_the_button_is_pressed(desktop, live_server, factory, external_requests):
    """积分更正 on the archive page: once the form is sent its button is disabled, as on every other console
    form, so a second press while the answer is on its way cannot credit the correction twice (the page
    loaded no script for it)."""
    from backend.extensions import db
    from backend.points.models import PointCorrection

    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000101", stations=[station])
    factory.admin("chengbei", stations=[station])
    sign_in(desktop, live_server, "chengbei")
    desktop.goto(f"{live_server}/console/deputies/{zhang.id}/archive")
    desktop.fill("input[name=points]", "3")
    desktop.fill("input[name=reason]", "补记 3 月 5 日接待选民")
    button = desktop.locator("button:has-text('记入更正')")
    desktop.on("dialog", lambda dialog: dialog.accept())  # 记入更正 asks first (test_console_confirmations)

    # The first press, its answer not come yet (a 204 leaves the page where it is): pressing again sends nothing.
    sent = []
    desktop.route("**/points/corrections", lambda route: (sent.append(route.request.method), route.fulfill(status=204)))
    button.click()
    expect(button).to_be_disabled()
    button.click(force=True)
    assert sent == ["POST"]
    assert db.session.scalars(db.select(PointCorrection)).all() == []

    # Answered, the page says what was credited, once.
    desktop.unroute("**/points/corrections")
    desktop.reload()
    desktop.fill("input[name=points]", "3")
    desktop.fill("input[name=reason]", "补记 3 月 5 日接待选民")
    button.click()
    expect(desktop.locator(".flash")).to_contain_text("已记入积分更正 +3 分")
    assert [(c.points, c.reason) for c in db.session.scalars(db.select(PointCorrection))] == [(3, "补记 3 月 5 日接待选民")]
    assert external_requests == []


def test_an_activity_is_moved_and_its_deputies_changed_on_the_edit_page(desktop, live_server, factory, external_requests):
    """编辑 from the activity's page: a wrong end time is refused in the 发单 form's words and keeps what was
    typed; then the activity moves to the afternoon in another room, 李娜 is taken off and 王强, forgotten at
    发单, invited from the picker. The activity page says so, and a second tab watching the attendance
    follows the new list by itself."""
    china = timezone(timedelta(hours=8))
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", lat=STATION[0], lng=STATION[1], address="人民路 18 号")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000101", stations=[station])
    li = factory.deputy(tree["hc"], "李娜", phone="13800000102", stations=[station])
    factory.deputy(tree["hc"], "王强", phone="13800000103", stations=[station])
    admin = factory.admin("chengbei", stations=[station])
    morning = (datetime.now(china) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    activity_id = dispatched(factory, admin, station, [zhang, li], "城北联络站进站接待选民", "reception",
                             morning, morning + timedelta(hours=2))
    page = desktop
    page.clock.install()  # the open tab's refresh is brought forward below
    sign_in(page, live_server, "chengbei")
    watching = page.context.new_page()
    watching.goto(f"{live_server}/console/activities/{activity_id}")
    expect(watching.locator("#att-rows tr")).to_have_count(2)
    page.bring_to_front()  # the administrator works in the first tab (a tab behind draws no frames)

    page.goto(f"{live_server}/console/activities/{activity_id}")
    page.click("#edit-activity")
    expect(page.locator("h1")).to_contain_text("编辑活动")
    expect(page.locator("input[name=place]")).to_have_value("人民路 18 号")
    day = f"{morning:%Y-%m-%d}"
    expect(page.locator("input[name=starts_at]")).to_have_value(f"{day}T09:00")

    page.fill("input[name=ends_at]", f"{day}T08:00")
    page.fill("input[name=title]", "城北联络站下午接待选民")
    page.click("button:has-text('保存修改')")
    ends = page.locator("input[name=ends_at]")
    expect(page.locator("#refusal-summary")).to_have_text("有 1 处需要修改：结束时间。")
    expect(ends).to_have_accessible_description("结束时间须晚于开始时间。")
    expect(ends).to_be_focused()
    expect(page.locator("input[name=title]")).to_have_value("城北联络站下午接待选民")

    page.fill("input[name=starts_at]", f"{day}T14:00")
    page.fill("input[name=ends_at]", f"{day}T17:00")
    page.fill("input[name=place]", "城北联络站二楼会议室")
    page.check("input[aria-label='移出李娜']")
    picker = page.locator("[data-picker]")
    page.fill(".picker-q", "王")
    options = picker.locator(".picker-options")
    expect(options).to_contain_text("王强")
    expect(options).not_to_contain_text("张伟")  # invited already: never offered
    options.locator("label:has-text('王强') input").check()
    expect(picker.locator(".picker-count")).to_have_text("1")
    page.screenshot(path="/tmp/console-activity-edit.png", full_page=True)
    page.click("button:has-text('保存修改')")

    expect(page.locator(".flash")).to_have_text(
        "已保存修改：“城北联络站下午接待选民”；时间或地点的变更已通知 1 位代表；已邀请 1 位代表；已移出 1 位代表。")
    facts = page.locator("section.facts")
    expect(facts).to_contain_text(f"{day} 14:00 – {day} 17:00")
    expect(facts).to_contain_text("城北联络站二楼会议室")
    rows = page.locator("#att-rows")
    expect(rows.locator("tr")).to_have_count(2)
    expect(rows.locator("tr", has_text="王强")).to_contain_text("待接单")
    expect(rows).not_to_contain_text("李娜")
    page.screenshot(path="/tmp/console-activity-edited.png", full_page=True)

    # The tab opened before the edit follows the new list without a reload.
    next_live_refresh(watching)
    expect(watching.locator("#att-rows")).not_to_contain_text("李娜")
    expect(watching.locator("#att-rows tr", has_text="王强")).to_contain_text("待接单")
    watching.close()
    assert external_requests == []


def test_a_long_record_is_read_page_by_page_and_by_a_deputys_name(desktop, live_server, factory, external_requests):
    """A plenary's 操作记录 on its page: 50 lines a page, oldest first, so 发单 opens page 1 and the latest
    line closes the last; 下一页 goes on to the later lines and 上一页 comes back. Looking for one deputy
    keeps to their lines from page to page."""
    from backend.activities.models import ActivityEvent
    from backend.extensions import db

    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", lat=STATION[0], lng=STATION[1], address="人民路 18 号")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000101", stations=[station])
    li = factory.deputy(tree["hc"], "李娜", phone="13800000102", stations=[station])
    admin = factory.admin("chengbei", stations=[station])
    starts = datetime.now(timezone.utc) + timedelta(days=1)
    activity_id = dispatched(factory, admin, station, [zhang, li], "全市代表集中视察", "inspection",
                             starts, starts + timedelta(hours=3))
    # 119 more lines, as hundreds of deputies answering write them: 接单 by 张伟 and 李娜 in turn.
    now = datetime.now(timezone.utc)
    db.session.add_all(ActivityEvent(
        activity_id=activity_id, action="accepted", actor_role="deputy", actor_name=(zhang, li)[i % 2].name,
        deputy_id=(zhang, li)[i % 2].id, note=f"第 {i} 条", created_dt=now + timedelta(seconds=i)) for i in range(119))
    db.session.commit()

    page = desktop
    sign_in(page, live_server, "chengbei")
    page.goto(f"{live_server}/console/activities/{activity_id}")
    record = page.locator("#activity-record")
    lines = record.locator("#record > li")
    expect(lines).to_have_count(50)
    expect(lines.first).to_contain_text("发单")
    expect(lines.nth(1)).to_contain_text("第 0 条")
    expect(lines.last).to_contain_text("第 48 条")
    expect(record.locator(".pager")).to_contain_text("第 1 / 3 页，共 120 条")

    record.locator(".pager a:has-text('下一页')").click()
    expect(record.locator(".pager")).to_contain_text("第 2 / 3 页，共 120 条")
    expect(lines).to_have_count(50)
    expect(lines.first).to_contain_text("第 49 条")  # the line after page 1's last: later lines, none skipped
    expect(lines.last).to_contain_text("第 98 条")
    assert page.url.endswith(f"/console/activities/{activity_id}?record_page=2#activity-record")
    record.locator(".pager a:has-text('下一页')").click()
    expect(lines).to_have_count(20)
    expect(lines.last).to_contain_text("第 118 条")  # the latest closes the last page
    record.locator(".pager a:has-text('上一页')").click()
    expect(lines.first).to_contain_text("第 49 条")

    # 李娜's lines: 发单, which names her, and her 59 接单, two pages of them.
    record.locator("input[name=record_q]").fill("李娜")
    record.locator("button:has-text('查找')").click()
    expect(record.locator(".pager")).to_contain_text("第 1 / 2 页，共 60 条")
    expect(lines.first).to_contain_text("发单")
    expect(record.locator("#record .who", has_text="张伟")).to_have_count(0)
    record.locator(".pager a:has-text('下一页')").click()
    expect(lines).to_have_count(10)
    expect(lines.last).to_contain_text("第 117 条")
    expect(record.locator("#record .who")).to_have_text(["代表 · 李娜"] * 10)
    expect(record.locator("input[name=record_q]")).to_have_value("李娜")
    record.locator("a:has-text('显示全部记录')").click()
    expect(record.locator(".pager")).to_contain_text("第 1 / 3 页，共 120 条")
    assert external_requests == []


def test_the_attendance_list_filtered_follows_the_scans_and_a_hand_check_in_keeps_the_filter(
        desktop, live_server, factory, external_requests):
    """出勤情况 filtered to 待接单, as an administrator watches who is still missing: a deputy who scans leaves
    the list by itself and the counts follow; 补签 from the filtered list returns to it, and once nobody is
    left the list says so."""
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", lat=STATION[0], lng=STATION[1], address="人民路 18 号")
    zhang, li, wang = (factory.deputy(tree["hc"], name, phone=f"1380000010{i}", stations=[station])
                       for i, name in enumerate(["张伟", "李娜", "王强"], start=1))
    admin = factory.admin("chengbei", stations=[station])
    now = datetime.now(timezone.utc)
    activity_id = dispatched(factory, admin, station, [zhang, li, wang], "全区代表学习培训", "training",
                             now - timedelta(minutes=10), now + timedelta(hours=2))
    page = desktop
    page.clock.install()  # the live list's refreshes are brought forward below
    page.on("dialog", lambda dialog: dialog.accept())  # 补签 asks for confirmation
    sign_in(page, live_server, "chengbei")
    page.goto(f"{live_server}/console/activities/{activity_id}")
    page.click("#att-summary a:has-text('待接单')")
    expect(page.locator("#att-summary a.active")).to_contain_text("待接单 3")
    rows = page.locator("#att-rows tr")
    expect(rows).to_have_count(3)

    def scan(deputy):
        scanned = factory.client.post("/api/v1/checkins", headers=factory.deputy_headers(deputy), json={
            "qr_code": station.qr_code, "lat": STATION[0], "lng": STATION[1]})
        assert scanned.status_code == 201, scanned.json

    scan(zhang)
    next_live_refresh(page)
    expect(rows).to_have_count(2)
    expect(page.locator("#att-rows")).not_to_contain_text("张伟")
    expect(page.locator('#att-summary [data-key="checked_in"]')).to_have_text("1")
    expect(page.locator('#att-summary [data-key="invited"]')).to_have_text("2")
    expect(page.locator("#att-changed")).to_contain_text("符合条件的代表已有变化，刷新页面可查看最新的分页。")

    page.fill("input[aria-label='李娜的补签原因']", "手机没电，无法扫码")
    page.locator("tr", has_text="李娜").locator("button:has-text('补签')").click()
    expect(page.locator(".flash")).to_contain_text("已为李娜补签。")
    assert "status=invited" in page.url
    expect(rows).to_have_count(1)
    expect(page.locator("#att-changed")).to_be_hidden()
    expect(page.locator("#att-rows")).to_contain_text("王强")

    page.fill("#att-filters input[name=q]", "王")
    page.click("#att-filters button:has-text('筛选')")
    expect(rows).to_have_count(1)
    assert "q=%E7%8E%8B" in page.url and "status=invited" in page.url
    scan(wang)
    next_live_refresh(page)
    expect(rows).to_have_count(0)
    expect(page.locator("#att-empty")).to_have_text("没有符合条件的代表。")
    expect(page.locator('#att-summary [data-key="checked_in"]')).to_have_text("3")
    page.screenshot(path="/tmp/console-attendance-filtered.png", full_page=True)
    assert external_requests == []


def test_a_refused_hand_check_in_page_closed_elsewhere_opens_the_summary_without_posting_again(
        desktop, live_server, factory, external_requests):
    """A 补签 refused (a reason of spaces) shows the page again at the form's address; when another console
    closes the activity meanwhile, the live list opens the activity's own page with the 结单 summary,
    at the filter it showed, and the refused form is not sent again."""
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", lat=STATION[0], lng=STATION[1])
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000101", stations=[station])
    admin = factory.admin("chengbei", stations=[station])
    now = datetime.now(timezone.utc)
    activity_id = dispatched(factory, admin, station, [zhang], "接待选民", "reception",
                             now - timedelta(minutes=10), now + timedelta(hours=2))
    page = desktop
    page.clock.install()  # the live list's refresh is brought forward below
    page.on("dialog", lambda dialog: dialog.accept())  # 补签 asks for confirmation
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    sign_in(page, live_server, "chengbei")
    page.goto(f"{live_server}/console/activities/{activity_id}?status=invited")
    page.fill("input[aria-label='张伟的补签原因']", "   ")
    page.locator("tr", has_text="张伟").locator("button:has-text('补签')").click()
    expect(page.locator("#refusal-summary")).to_have_text("有 1 处需要修改：张伟的补签原因。")
    assert page.url == f"{live_server}/console/activities/{activity_id}/participants/{zhang.id}/checkin"
    posts.clear()

    closed = factory.client.post(f"/api/v1/activities/{activity_id}/close",
                                 headers=factory.headers_for_admin(admin), json={"early": True})
    assert closed.status_code == 200, closed.json
    next_live_refresh(page)
    expect(page.locator("#close-summary")).to_contain_text("结单结果")
    assert page.url == f"{live_server}/console/activities/{activity_id}?status=invited"
    assert posts == []
    assert external_requests == []


def paged_training(factory, monkeypatch, count):
    """全区代表学习培训 tomorrow at 城北联络站, inviting 代表01… ``count`` deputies, its roster 5 to a page: its id."""
    import backend.console.activities as console_activities

    monkeypatch.setattr(console_activities, "ROSTER_PER_PAGE", 5)
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", lat=STATION[0], lng=STATION[1], address="人民路 18 号")
    deputies = [factory.deputy(tree["hc"], f"代表{i:02d}", phone=f"138000002{i:02d}", stations=[station])
                for i in range(1, count + 1)]
    admin = factory.admin("chengbei", stations=[station])
    starts = datetime.now(timezone.utc) + timedelta(days=1)
    return dispatched(factory, admin, station, deputies, "全区代表学习培训", "training", starts, starts + timedelta(hours=2))


def test_a_large_activitys_invited_deputies_are_paged_and_found_on_the_edit_page(
        desktop, live_server, factory, external_requests, monkeypatch):
    """编辑 of an activity with many deputies: the list of those invited is paged and found by name on the
    server; a deputy ticked to be taken off stays ticked while the administrator turns pages and looks for
    another, and both are taken off on saving. Other changes not saved are asked about before a page turns."""
    activity_id = paged_training(factory, monkeypatch, 12)
    page = desktop
    sign_in(page, live_server, "chengbei")
    page.goto(f"{live_server}/console/activities/{activity_id}/edit")
    rows = page.locator("#edit-participants tr")
    roster = page.locator("#edit-roster")
    expect(rows).to_have_count(5)
    expect(roster.locator(".pager")).to_contain_text("第 1 / 3 页，共 12 条")
    find = page.locator("input[aria-label='查找已邀请的代表']")
    find.fill("代表03")
    find.press("Enter")  # finds; does not save
    expect(rows).to_have_count(1)
    expect(page.locator("h1")).to_contain_text("编辑活动")
    page.check("input[aria-label='移出代表03']")
    find.fill("代表1")
    roster.locator("button:has-text('查找')").click()
    expect(rows).to_have_count(3)  # 代表10, 代表11, 代表12
    expect(page.locator("#ticked-elsewhere")).to_have_text("另有 1 位不在本页的代表已勾选移出，保存时一并移出。")
    page.check("input[aria-label='移出代表11']")
    page.screenshot(path="/tmp/console-activity-edit-roster.png", full_page=True)
    roster.locator("a:has-text('显示全部代表')").click()
    expect(rows).to_have_count(5)
    expect(page.locator("input[aria-label='移出代表03']")).to_be_checked()
    expect(page.locator("#ticked-elsewhere")).to_contain_text("另有 1 位")

    # A title typed and not saved: turning the page asks first; declined, nothing is left.
    page.fill("input[name=title]", "改过的名称")
    page.once("dialog", lambda dialog: dialog.dismiss())
    roster.locator("a:has-text('下一页')").click()
    expect(page.locator("input[name=title]")).to_have_value("改过的名称")
    expect(rows.first).to_contain_text("代表01")
    page.fill("input[name=title]", "全区代表学习培训")
    roster.locator("a:has-text('下一页')").click()
    expect(rows.first).to_contain_text("代表06")
    expect(page.locator("#ticked-elsewhere")).to_contain_text("另有 2 位")
    page.click("button:has-text('保存修改')")
    expect(page.locator(".flash")).to_have_text("已保存修改：“全区代表学习培训”；已移出 2 位代表。")
    expect(page.locator("#att-expected")).to_have_text("10")
    page.goto(f"{live_server}/console/activities/{activity_id}?q=代表03")
    expect(page.locator("#att-empty")).to_have_text("没有符合条件的代表。")
    assert external_requests == []


def test_a_change_typed_before_the_edit_pages_script_ran_is_asked_about_before_a_page_turns(
        desktop, live_server, factory, external_requests, monkeypatch):
    """On a busy PC the administrator types a new name while the page is still loading its script: turning a
    page of the invited deputies afterwards still asks first, as the form drawn by the server had the old name."""
    activity_id = paged_training(factory, monkeypatch, 6)
    page = desktop
    sign_in(page, live_server, "chengbei")
    held = []
    page.route("**/static/console/activities.js*", lambda route: held.append(route))
    page.goto(f"{live_server}/console/activities/{activity_id}/edit", wait_until="commit")
    title = page.locator("input[name=title]")
    expect(title).to_have_value("全区代表学习培训")
    title.fill("改过的名称")
    for _ in range(250):  # the parser reaches the script's tag after the name's field: its request is held
        if held:
            break
        page.wait_for_timeout(20)
    assert len(held) == 1, "the page's script was not held"
    held[0].continue_()
    page.wait_for_load_state("load")

    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator("#edit-roster a:has-text('下一页')").click()
    expect(title).to_have_value("改过的名称")
    assert asked == ["翻页或查找将放弃尚未保存的修改（勾选的移出除外），确定继续吗？"]
    assert external_requests == []


def test_the_close_confirmation_follows_the_attendance_and_a_cancellation_takes_a_reason(
        desktop, live_server, factory, external_requests):
    """结单's dialog, while check-in is open, says when it closes and how many have not checked in, as the
    live list changes; dismissed, nothing happens. 取消活动 once a deputy has checked in says their check-in is
    voided; with a reason typed: the page says the deputies were told, the record keeps it."""
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", lat=STATION[0], lng=STATION[1], address="人民路 18 号")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000101", stations=[station])
    li = factory.deputy(tree["hc"], "李娜", phone="13800000102", stations=[station])
    admin = factory.admin("chengbei", stations=[station])
    now = datetime.now(timezone.utc)
    activity_id = dispatched(factory, admin, station, [zhang, li], "城北联络站进站接待选民", "reception",
                             now - timedelta(minutes=10), now + timedelta(hours=2))
    page = desktop
    page.clock.install()
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss() if "结单" in dialog.message else dialog.accept()

    page.on("dialog", answer)
    sign_in(page, live_server, "chengbei")
    page.goto(f"{live_server}/console/activities/{activity_id}")
    page.click("button.close-activity")
    assert "签到尚未截止" in dialogs[-1] and "仍有 2 位代表未签到。" in dialogs[-1], dialogs
    expect(page.locator("#activity-status")).to_have_text("已发单")

    response = factory.client.post("/api/v1/checkins", json={"qr_code": station.qr_code, "lat": STATION[0],
                                                             "lng": STATION[1]}, headers=factory.deputy_headers(zhang))
    assert response.status_code == 201, response.json
    next_live_refresh(page)
    expect(page.locator("#att-rows tr", has_text="张伟")).to_contain_text("已签到")
    page.click("button.close-activity")
    assert "仍有 1 位代表未签到。" in dialogs[-1] and dialogs[-1].endswith("确定提前结单吗？"), dialogs

    page.get_by_label("取消原因（选填）").fill("暴雨预警，改期另行通知")
    page.click("button:has-text('取消活动')")
    assert dialogs[-1].startswith("已有 1 位代表签到，取消后他们的签到作废、不计积分（将通知他们）。"), dialogs
    expect(page.locator(".flash")).to_contain_text("活动已取消，不计积分，已将取消原因通知代表。")
    expect(page.locator("#activity-record")).to_contain_text("取消原因：暴雨预警，改期另行通知")
    assert external_requests == []


def test_a_name_typed_in_the_picker_before_its_script_ran_is_searched(desktop, live_server, factory, external_requests):
    """On a busy PC the administrator types a deputy's name while 发单 is still loading its scripts: once they
    run, the picker offers the deputies matching what was typed, not the whole station."""
    station = chengbei_signed_in(desktop, live_server, factory)
    factory.deputy(station.region, "李娜", phone="13800000102", stations=[station])
    page = desktop
    held = []
    page.route("**/static/console/activities-picker.js*", lambda route: held.append(route))
    page.goto(f"{live_server}/console/activities/new", wait_until="commit")
    page.fill(".picker-q", "张")
    for _ in range(250):  # the parser reaches the script's tag after the picker: its request is held
        if held:
            break
        page.wait_for_timeout(20)
    assert len(held) == 1, "the picker's script was not held"
    options = page.locator(".picker-options")
    expect(options).to_contain_text("李娜")  # the page's own list, drawn by the server
    held[0].continue_()
    page.wait_for_load_state("load")

    expect(options).not_to_contain_text("李娜")
    expect(options).to_contain_text("张伟")
    assert external_requests == []
