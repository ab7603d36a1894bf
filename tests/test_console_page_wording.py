"""What a station's staff read on the console pages: a refusal looks like a refusal and a step taken like a
success on every page (not only on a suggestion's); the import counts the rows it skipped; the rulebook
names its items without the codes the program knows them by; an activity over midnight shows the day it ends;
a page that cannot be opened leads back to where the administrator was, not only to the dashboard."""
import re
from datetime import datetime, timedelta, timezone

from .refusals import at_fields, summary
from .test_console_org_activities import (  # noqa: F401 (fixtures)
    csv_upload, dispatch_form, huaihua, local, post, rulebook_form, station_admin, text, token_from, world,
)

FLASH = re.compile(r'<p class="flash (flash-[a-z]+)" role="status">([^<]*)</p>')
SUMMARY = re.compile(r'<p class="flash flash-error" id="refusal-summary" role="status">')


def flashes(client, response):
    page = text(client.get(response.headers["Location"])) if response.status_code == 302 else text(response)
    return [(kind, message) for kind, message in FLASH.findall(page)]


def test_activity_refusals_show_as_errors_and_steps_taken_as_successes(station_admin, world):  # noqa: F811
    nobody = post(station_admin, "/console/activities/new", dispatch_form(world, []))
    assert nobody.status_code == 422
    # In red at the top, and under the list of deputies to choose from.
    assert SUMMARY.search(text(nobody)) and summary(nobody) == "有 1 处需要修改：参加代表。"
    assert at_fields(nobody) == {"deputy_ids": "请至少选择一位参加的代表，或填写揭榜名额由代表自行报名。"} and flashes(station_admin, nobody) == []

    sent = post(station_admin, "/console/activities/new", dispatch_form(world, [world["zhang"]]))
    assert sent.status_code == 302
    assert flashes(station_admin, sent) == [("flash-success", "已发单：“城北联络站进站接待选民”，已通知 1 位代表。")]
    activity_page = sent.headers["Location"]

    closed = post(station_admin, f"{activity_page}/close", {"early": "1"}, page=activity_page)
    kind, message = flashes(station_admin, closed)[0]
    assert (kind, message.startswith("已结单：")) == ("flash-success", True)
    again = post(station_admin, f"{activity_page}/cancel", {}, page=activity_page)
    assert flashes(station_admin, again)[0][0] == "flash-error"


def test_organisation_and_rulebook_pages_tell_refusals_from_successes(station_admin, huaihua, world):  # noqa: F811
    bad_phone = post(station_admin, "/console/deputies/new", {
        "name": "王芳", "level": "county", "region_id": world["tree"]["hc"].id, "phone": "123",
        "station_ids": world["chengbei"].id, "active": "1",
    })
    assert bad_phone.status_code == 422
    assert SUMMARY.search(text(bad_phone)) and summary(bad_phone) == "有 1 处需要修改：手机号。"
    assert at_fields(bad_phone) == {"phone": "手机号应为 11 位数字，以 1 开头。"}

    added = post(station_admin, "/console/deputies/new", {
        "name": "王芳", "level": "county", "region_id": world["tree"]["hc"].id, "phone": "13900000201",
        "station_ids": world["chengbei"].id, "active": "1",
    })
    assert added.status_code == 302
    assert flashes(station_admin, added) == [("flash-success", "已新增代表“王芳”，并生成了其个人二维码。")]

    city_page = f"/console/rules?region_id={world['tree']['hh'].id}"
    refused = post(station_admin, "/console/rules", rulebook_form(world["tree"]["hh"]) | {"points-reception": "50"},
                   page=city_page)
    assert flashes(station_admin, refused)[0][0] == "flash-error"
    saved = post(huaihua, "/console/rules", rulebook_form(world["tree"]["hh"]) | {"points-reception": "6"},
                 page=city_page)
    assert flashes(huaihua, saved)[0][0] == "flash-success"
    unchanged = post(huaihua, "/console/rules", rulebook_form(world["tree"]["hh"]) | {"points-reception": "6"},
                     page=city_page)
    assert flashes(huaihua, unchanged) == [("flash-message", "没有需要保存的修改。")]


def test_the_import_counts_the_rows_it_skipped_not_their_problems(huaihua, world):  # noqa: F811
    rows = [
        ["王芳", "市", "鹤城区", "13900000001", "城北联络站", ""],
        ["赵磊", "乱写", "不存在区", "12345", "", ""],  # three problems, one row
        ["", "县", "鹤城区", "13900000003", "", ""],
    ]
    response = huaihua.post("/console/deputies/import", data={
        "csrf_token": token_from(huaihua, "/console/deputies/import"), "file": csv_upload(rows),
    }, content_type="multipart/form-data")
    page = text(response)
    assert re.findall(r"<strong>(\d+)</strong> 行有误", page) == ["2"]
    assert len(re.findall(r"<tr><td>(\d+)</td>", page)) == 4
    assert "共 4 处问题" in page


def test_the_rulebook_shows_the_items_names_without_internal_codes(station_admin, huaihua, world):  # noqa: F811
    for client in (station_admin, huaihua):
        html = text(client.get("/console/rules"))
        assert "接待选民" in html and "无故缺席活动" in html  # as text, or in the inputs that rename them
        page = re.sub(r"<[^>]+>", " ", html)  # what is read: the codes stay in the fields' names
        for code in ("reception", "law_enforcement", "suggestion_closed", "absence"):
            assert code not in page
        assert page.count("只影响此后获得的积分") == 1


def test_the_activity_list_names_the_day_an_activity_ends_when_it_is_not_the_first(station_admin, world):  # noqa: F811
    china = timezone(timedelta(hours=8))
    tomorrow = datetime.now(china).date() + timedelta(days=1)
    start = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 22, 30, tzinfo=china)
    day, next_day = f"{start:%Y-%m-%d}", f"{start + timedelta(days=1):%m-%d}"
    overnight = post(station_admin, "/console/activities/new", dispatch_form(
        world, [world["zhang"]], title="夜间巡查", starts_at=local(start), ends_at=local(start + timedelta(hours=2))))
    same_day = post(station_admin, "/console/activities/new", dispatch_form(
        world, [world["zhang"]], title="上午接待", starts_at=local(start - timedelta(hours=13)),
        ends_at=local(start - timedelta(hours=11))))
    assert overnight.status_code == same_day.status_code == 302
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text(station_admin.get("/console/activities"))))
    assert f"{day} 22:30 – {next_day} 00:30" in page
    assert f"{day} 09:30 – 11:30" in page
    screen = re.sub(r"\s+", " ", text(station_admin.get(overnight.headers["Location"] + "/screen")))
    assert f"{day} 22:30 – {next_day} 00:30" in screen


def test_a_page_that_cannot_be_opened_leads_back_where_the_administrator_was(station_admin, world):  # noqa: F811
    sent = post(station_admin, "/console/activities/new", dispatch_form(world, [world["zhang"]]))
    activity_page = sent.headers["Location"]
    post(station_admin, f"{activity_page}/close", {"early": "1"}, page=activity_page)
    # A tab left open on 编辑 before 结单, reloaded: the reason, and the way back to the activity.
    refused = station_admin.get(f"{activity_page}/edit", headers={"Referer": f"http://localhost{activity_page}"})
    assert refused.status_code == 409
    page = text(refused)
    assert "活动已结单，不能再修改。" in page
    assert f'<a class="button" href="{activity_page}">返回上一页</a>' in page and "返回首页" in page
    bookmarked = text(station_admin.get(f"{activity_page}/edit"))  # no page before it: the activity list
    assert '<a class="button" href="/console/activities">返回上一页</a>' in bookmarked
    # A page of another site, or one that only looks like the console's, is never where it leads.
    for referrer in ("https://evil.example/console/activities", "http://localhost//evil.example/console",
                     "http://localhost/\\evil.example/console", "http://evil.example\\@localhost/console",
                     "https:evil.example/console"):
        elsewhere = text(station_admin.get(f"{activity_page}/edit", headers={"Referer": referrer}))
        assert '<a class="button" href="/console/activities">返回上一页</a>' in elsewhere, referrer


def test_an_empty_list_says_so_without_counting_nought_under_it(station_admin, world):  # noqa: F811
    """An empty list's own message stands alone: no "共 0 条" printed under it; a list with rows counts them."""
    sent = post(station_admin, "/console/activities/new", dispatch_form(world, [world["zhang"]]))
    activity_page = sent.headers["Location"]
    nobody = text(station_admin.get(f"{activity_page}?q=不存在的代表&record_q=不存在的代表"))
    assert "没有符合条件的代表。" in nobody and "没有与“不存在的代表”有关的记录。" in nobody
    assert "共 0 条" not in nobody
    assert "共 1 条" in text(station_admin.get(activity_page))
    for path in ("/console/deputies?q=不存在的代表", "/console/activities?q=不存在的活动"):
        assert "共 0 条" not in text(station_admin.get(path)), path
    assert "共 1 条" in text(station_admin.get("/console/activities"))


def test_an_activity_search_that_finds_nothing_says_so_not_that_there_are_none(station_admin, world):  # noqa: F811
    """A filtered activity list that matches nothing says no activity matches, as the other lists do; "还没有活动"
    (and its invitation to 发单) is for a station with none at all."""
    assert "还没有活动。点击“发单”向代表派发履职活动。" in text(station_admin.get("/console/activities"))
    post(station_admin, "/console/activities/new", dispatch_form(world, [world["zhang"]]))
    for path in ("/console/activities?q=不存在的活动", "/console/activities?status=closed",
                 "/console/activities?type=inspection"):
        page = text(station_admin.get(path))
        assert "没有符合条件的活动。" in page and "还没有活动" not in page, path


def test_a_list_page_past_the_last_shows_the_last_page(station_admin, huaihua, world):  # noqa: F811
    """An old link to page 99 (a bookmark, a list that has since shrunk) shows the list's last page, not
    "没有符合条件的…" above "共 N 条" with no way back to the rows."""
    post(station_admin, "/console/activities/new", dispatch_form(world, [world["zhang"]]))
    for client, path, row in (
        (station_admin, "/console/activities?page=99", "城北联络站进站接待选民"),
        (station_admin, "/console/stations?page=99", "城北联络站"),
        (station_admin, "/console/deputies?page=99", "张伟"),
        (station_admin, "/console/audit?page=99", "登录成功"),
        (huaihua, "/console/admins?page=99", "chengbei"),
    ):
        page = text(client.get(path))
        assert "没有符合条件" not in page and "还没有活动" not in page and row in page, path


def test_a_field_left_blank_is_asked_for_by_name(station_admin, huaihua, world):  # noqa: F811
    """A blank required box says to fill it in (请填写活动名称。), as the station and deputy forms do, not the
    length rule it breaks (长度应在 1 到 100 个字符之间。)."""
    untitled = post(station_admin, "/console/activities/new", dispatch_form(world, [world["zhang"]], title="  "))
    assert at_fields(untitled) == {"title": "请填写活动名称。"}
    sent = post(station_admin, "/console/activities/new", dispatch_form(world, [world["zhang"]]))
    edit = sent.headers["Location"] + "/edit"
    renamed = post(station_admin, edit, {"title": "", "type": "reception", "place": "", "points": "", "description": ""})
    assert at_fields(renamed)["title"] == "请填写活动名称。"
    nameless = post(huaihua, "/console/admins/new", {
        "kind": "station", "username": " ", "display_name": "王芳", "password": "first-pass-1",
        "password2": "first-pass-1", "station_ids": [str(world["chengbei"].id)]})
    assert at_fields(nameless) == {"username": "请填写用户名。"}
    unsure = post(station_admin, "/console/password", {
        "current_password": "", "new_password": "brand-new-pass", "new_password2": "brand-new-pass"})
    assert at_fields(unsure) == {"current_password": "请输入当前密码。"}


def test_the_dispatch_picker_names_a_deputy_and_their_level_without_nested_brackets(app, factory, client):
    """分派给代表: 陈明 · 县（区）人大代表 · …, not 陈明（县（区）人大代表）."""
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站")
    factory.deputy(tree["hc"], "陈明", phone="13800000301", level="county", stations=[station])
    factory.admin("chengbei2", stations=[station])
    from .test_console_org_activities import sign_in
    from .test_suggestions import file
    citizen = factory.wechat_login("citizen-wording")
    filed = file(client, citizen, station.qr_code, content="路灯坏了。").json
    page = text(sign_in(app, "chengbei2").get(f"/console/suggestions/{filed['id']}"))
    assert ">陈明 · 县（区）人大代表 · 鹤城区 · 城北联络站 · 尾号 0301</option>" in page and "陈明（" not in page


def test_the_archive_download_is_named_as_the_other_exports(station_admin, world):  # noqa: F811
    page = text(station_admin.get(f"/console/deputies/{world['zhang'].id}/archive"))
    assert ">导出履职档案（Excel）</a>" in page and "下载 .xlsx" not in page
