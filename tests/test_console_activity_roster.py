"""The attendance list (出勤情况) on an activity's console page at a whole district's size: a page of the
roster at a time, filtered by status and found by name, with the counts per status over everyone invited;
补签 from a filtered page returns to it."""
import re

import pytest

import backend.console.activities as console_activities

from .factories import sent_statements
from .refusals import at_fields, summary
from .test_console_org_activities import (  # noqa: F401  (fixtures)
    STATION,
    dispatch_form,
    edit_form,
    hand_checkin_path,
    participant_row,
    post,
    sign_in,
    station_admin,
    text,
    world,
)


def rows(page):
    """The deputies' names in the attendance list, top to bottom."""
    body = re.search(r'<tbody id="att-rows">(.*?)</tbody>', page, re.S).group(1)
    return re.findall(r'<tr data-deputy="\d+">\s*<td>([^<]+)</td>', body)


def edit_rows(page):
    """The invited deputies' names on the 编辑 page, top to bottom."""
    body = re.search(r'<tbody id="edit-participants">(.*?)</tbody>', page, re.S).group(1)
    return re.findall(r'<tr data-deputy="\d+">\s*<td>([^<]+)</td>', body)


def count(page, key):
    return int(re.search(rf'<strong data-key="{key}">(\d+)</strong>', page).group(1))


@pytest.fixture
def roster(app, station_admin, factory, world):
    """Seven deputies invited to an activity under way: 张伟 scanned in, the rest have not answered."""
    more = [factory.deputy(world["tree"]["hc"], name, phone=f"1390000030{i}", stations=[world["chengbei"]])
            for i, name in enumerate(["王强", "赵敏", "孙丽", "周杰", "吴刚"])]
    deputies = [world["zhang"], world["li"]] + more
    created = post(station_admin, "/console/activities/new", dispatch_form(world, deputies, title="全区代表学习培训"))
    assert created.status_code == 302, text(created)
    path = created.headers["Location"]
    headers = factory.deputy_headers(world["zhang"])
    scan = factory.client.post("/api/v1/checkins", json={"qr_code": world["chengbei"].qr_code, "lat": STATION[0],
                                                          "lng": STATION[1]}, headers=headers)
    assert scan.status_code == 201, scan.json
    return {"path": path, "id": int(path.rsplit("/", 1)[1]), "deputies": deputies}


def test_the_attendance_list_is_paged_filtered_and_counted(station_admin, roster, monkeypatch):
    monkeypatch.setattr(console_activities, "ROSTER_PER_PAGE", 3)
    path = roster["path"]
    first = text(station_admin.get(path))
    assert rows(first) == ["张伟", "李娜", "王强"]
    assert "第 1 / 3 页，共 7 条" in first
    assert (count(first, "total"), count(first, "checked_in"), count(first, "invited")) == (7, 1, 6)
    assert (count(first, "accepted"), count(first, "declined"), count(first, "absent")) == (0, 0, 0)
    following = re.search(r'<a href="([^"]+)">下一页</a>', first).group(1).replace("&amp;", "&")
    assert rows(text(station_admin.get(following))) == ["赵敏", "孙丽", "周杰"]
    last = text(station_admin.get(f"{path}?page=3"))
    assert rows(last) == ["吴刚"] and "第 3 / 3 页，共 7 条" in last
    beyond = text(station_admin.get(f"{path}?page=9"))
    assert rows(beyond) == [] and "这一页没有代表。" in beyond

    checked = text(station_admin.get(f"{path}?status=checked_in"))
    assert rows(checked) == ["张伟"] and "共 1 条" in checked
    assert count(checked, "total") == 7 and count(checked, "invited") == 6  # the counts are everyone's
    assert '<option value="checked_in" selected>已签到</option>' in checked
    waiting = text(station_admin.get(f"{path}?status=invited&page=2"))
    assert rows(waiting) == ["孙丽", "周杰", "吴刚"]
    assert "第 2 / 2 页，共 6 条" in waiting
    previous = re.search(r'<a href="([^"]+)">上一页</a>', waiting).group(1).replace("&amp;", "&")
    assert "status=invited" in previous and "page=1" in previous  # the pager keeps the filter

    assert rows(text(station_admin.get(f"{path}?q=%20孙%20"))) == ["孙丽"]
    nobody = text(station_admin.get(f"{path}?q=孙&status=checked_in"))
    assert rows(nobody) == [] and "没有符合条件的代表。" in nobody and 'value="孙"' in nobody
    assert rows(text(station_admin.get(f"{path}?q=%25"))) == []  # "%" is searched for, not a wildcard

    # Odd values show the whole list's first page rather than an error.
    odd = station_admin.get(f"{path}?status=present&page=abc&q=%00")
    assert odd.status_code == 200 and rows(text(odd)) == ["张伟", "李娜", "王强"]

    live = station_admin.get(f"/console/activities/{roster['id']}/attendance.json?status=invited&page=2").json
    assert [p["name"] for p in live["participants"]] == ["孙丽", "周杰", "吴刚"]
    assert live["page"] == {"page": 2, "per_page": 3, "total": 6}
    assert live["total"] == 7 and live["checked_in"] == 1 and live["summary"]["invited"] == 6


def test_hand_check_in_returns_to_the_page_and_filter_it_was_made_from(station_admin, roster, monkeypatch):
    monkeypatch.setattr(console_activities, "ROSTER_PER_PAGE", 3)
    wu = roster["deputies"][-1]
    shown = f"{roster['path']}?status=invited&q=%E5%90%B4&page=1"  # q=吴
    page = text(station_admin.get(shown))
    form = re.search(r'<form method="post" class="hand-checkin".*?</form>', page, re.S).group(0)
    assert hand_checkin_path(roster["id"], wu) in form
    assert '<input type="hidden" name="status" value="invited">' in form and '<input type="hidden" name="q" value="吴">' in form

    # No reason: the same filtered page of the list, the reason under 吴刚's box, the live list asking
    # for that page too.
    blank = post(station_admin, hand_checkin_path(roster["id"], wu),
                 {"reason": " ", "status": "invited", "q": "吴", "page": "1"}, page=shown)
    assert blank.status_code == 422 and rows(text(blank)) == ["吴刚"]
    assert summary(blank) == "有 1 处需要修改：吴刚的补签原因。" and list(at_fields(blank).values()) == ["请填写补签原因。"]
    assert f'data-url="/console/activities/{roster["id"]}/attendance.json?status=invited&amp;q=%E5%90%B4"' in text(blank)

    done = post(station_admin, hand_checkin_path(roster["id"], wu),
                {"reason": "手机没电，无法扫码", "status": "invited", "q": "吴", "page": "2"}, page=shown)
    assert done.status_code == 302
    assert done.headers["Location"] == f"/console/activities/{roster['id']}?status=invited&q=%E5%90%B4&page=2#attendance"
    assert participant_row(roster["id"], wu)[0] == "checked_in"
    back = text(station_admin.get(done.headers["Location"].split("#")[0]))
    assert "已为吴刚补签。" in back and count(back, "checked_in") == 2

    # Refused (checked in already): the page it came from says why.
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    again = station_admin.post(hand_checkin_path(roster["id"], wu), headers={"Referer": f"http://localhost{shown}"},
                               data={"csrf_token": token, "reason": "再补一次", "status": "invited"})
    assert again.status_code == 302 and again.headers["Location"] == shown
    assert "该代表已签到，无需补签。" in text(station_admin.get(shown))


def test_the_page_sends_as_many_statements_for_seven_deputies_as_for_one(app, station_admin, roster, world, factory):
    # One deputy invited to neither, so that both 编辑 pages offer someone in the picker.
    factory.deputy(world["tree"]["hc"], "新代表", phone="13900000500", stations=[world["chengbei"]])
    one = post(station_admin, "/console/activities/new", dispatch_form(world, [world["li"]], title="小范围接待"))
    assert one.status_code == 302, text(one)

    def sent(path):
        with sent_statements(app) as seen:
            assert station_admin.get(path).status_code == 200
        return len(seen)

    for suffix in ("", "?status=invited&q=李", "/attendance.json", "/screen", "/edit", "/edit?status=invited&q=李&page=2"):
        assert sent(one.headers["Location"] + suffix) == sent(roster["path"] + suffix)


def test_a_closed_activitys_list_shows_the_points_of_its_page(station_admin, roster, monkeypatch):
    assert post(station_admin, f"{roster['path']}/close", {"early": "1"}, page=roster["path"]).status_code == 302
    monkeypatch.setattr(console_activities, "ROSTER_PER_PAGE", 3)
    page = text(station_admin.get(roster["path"]))
    assert "<th>积分</th>" in page and count(page, "absent") == 6
    zhang = re.search(r'<tr data-deputy="\d+">\s*<td>张伟</td>.*?</tr>', page, re.S).group(0)
    assert re.search(r"<td>5</td>", zhang)  # the rulebook's points for 接待选民, 张伟's alone
    li = re.search(r'<tr data-deputy="\d+">\s*<td>李娜</td>.*?</tr>', page, re.S).group(0)
    assert re.search(r"<td>-1</td>", li)  # absent: the rulebook's deduction
    # Gains and absence deductions apart, never netted (5 − 6 = −1 read as "nobody earned anything").
    card = re.search(r'<section class="card summary" id="close-summary">.*?</section>', page, re.S).group(0)
    assert re.search(r"<strong>5</strong> 计入积分（分，1 人）", card), card
    assert re.search(r"<strong>-6</strong> 缺席扣分（分，6 人）", card), card
    assert "<strong>-1</strong>" not in card
    absent = text(station_admin.get(f"{roster['path']}?status=absent&page=2"))
    assert rows(absent) == ["孙丽", "周杰", "吴刚"]


def test_the_deputy_picker_reads_the_deputies_stations_for_the_whole_list_at_once(app, station_admin, factory, world):
    """发单 and 编辑 offer up to 100 deputies with their stations: one query for all their stations, not one
    per deputy offered."""
    def sent():
        with sent_statements(app) as seen:
            page = station_admin.get("/console/activities/new")
        assert page.status_code == 200
        return len(seen), text(page)

    few, page = sent()
    assert "张伟" in page and "李娜" in page
    for i in range(5):
        factory.deputy(world["tree"]["hc"], f"新代表{i}", phone=f"1390000040{i}", stations=[world["chengbei"]])
    many, page = sent()
    assert page.count("城北联络站</small>") >= 7
    assert many == few


def test_the_edit_page_shows_the_invited_deputies_a_page_at_a_time(station_admin, roster, monkeypatch):
    """编辑 of a thousand-deputy meeting: those invited are paged, filtered by status and found by name on
    the server, as on the attendance list; the legend counts everyone invited."""
    monkeypatch.setattr(console_activities, "ROSTER_PER_PAGE", 3)
    edit = roster["path"] + "/edit"
    first = text(station_admin.get(edit))
    assert edit_rows(first) == ["张伟", "李娜", "王强"]
    assert "已邀请的代表（7 位）" in first and "第 1 / 3 页，共 7 条" in first
    following = re.search(r'<a href="([^"]+)">下一页</a>', first).group(1).replace("&amp;", "&")
    assert following.startswith(edit + "?")
    assert edit_rows(text(station_admin.get(following))) == ["赵敏", "孙丽", "周杰"]
    assert edit_rows(text(station_admin.get(f"{edit}?page=3"))) == ["吴刚"]

    found = text(station_admin.get(f"{edit}?q=%20孙%20"))
    assert edit_rows(found) == ["孙丽"] and 'value="孙"' in found
    checked = text(station_admin.get(f"{edit}?status=checked_in"))
    assert edit_rows(checked) == ["张伟"] and "已签到，不能移出" in checked
    assert '<option value="checked_in" selected>已签到（1）</option>' in checked  # with the counts of everyone
    waiting = text(station_admin.get(f"{edit}?status=invited&page=2"))
    assert edit_rows(waiting) == ["孙丽", "周杰", "吴刚"]
    previous = re.search(r'<a href="([^"]+)">上一页</a>', waiting).group(1).replace("&amp;", "&")
    assert previous.startswith(edit + "?") and "status=invited" in previous and "page=1" in previous
    nobody = text(station_admin.get(f"{edit}?q=孙&status=checked_in"))
    assert edit_rows(nobody) == [] and "没有符合条件的代表。" in nobody
    odd = station_admin.get(f"{edit}?status=present&page=abc&q=%00")
    assert odd.status_code == 200 and edit_rows(text(odd)) == ["张伟", "李娜", "王强"]


def test_deputies_are_taken_off_from_any_page_and_a_refusal_keeps_the_page_and_the_ticks(
        station_admin, roster, monkeypatch):
    """移出 from the third page, with another deputy ticked on the second page carried along (the page's
    script carries ticks across pages in the address): a refused save comes back to the same page and
    filter with both still ticked; saving takes both off."""
    monkeypatch.setattr(console_activities, "ROSTER_PER_PAGE", 3)
    edit = roster["path"] + "/edit"
    sun, wu = roster["deputies"][4], roster["deputies"][6]
    shown = f"{edit}?page=3&remove_deputy_ids={sun.id}"
    page = text(station_admin.get(shown))
    assert edit_rows(page) == ["吴刚"]
    assert f'<input type="hidden" name="remove_deputy_ids" value="{sun.id}">' in page  # ticked elsewhere
    assert "另有 1 位不在本页的代表已勾选移出" in page
    form = edit_form(page)
    kept = dict(re.findall(r'<input type="hidden" name="(status|q|page)" value="([^"]*)">', page))
    assert kept == {"page": "3"}

    bad = post(station_admin, edit, form | kept | {"ends_at": "2000-01-01T08:00",
                                                   "remove_deputy_ids": [str(wu.id), str(sun.id)]}, page=shown)
    assert bad.status_code == 422
    again = text(bad)
    assert edit_rows(again) == ["吴刚"] and "第 3 / 3 页，共 7 条" in again
    assert re.search(rf'name="remove_deputy_ids" value="{wu.id}" checked', again)
    assert f'<input type="hidden" name="remove_deputy_ids" value="{sun.id}">' in again
    assert '<input type="hidden" name="page" value="3">' in again

    saved = post(station_admin, edit, form | kept | {"remove_deputy_ids": [str(wu.id), str(sun.id)]}, page=shown)
    assert saved.status_code == 302, text(saved)
    after = text(station_admin.get(saved.headers["Location"]))
    assert "已移出 2 位代表" in after and count(after, "total") == 5


def test_the_picker_leaves_out_the_activitys_deputies_on_the_server(app, station_admin, roster, factory, world):
    """补充邀请: the deputies invited already are never offered, however many: the picker names the activity
    (``activity_id``), not a list of ids; another station's administrator gets nothing of it."""
    new = factory.deputy(world["tree"]["hc"], "新代表", phone="13900000500", stations=[world["chengbei"]])
    page = text(station_admin.get(roster["path"] + "/edit"))
    picker = re.search(r'<fieldset class="picker".*?</fieldset>', page, re.S).group(0)
    assert f'data-activity-id="{roster["id"]}"' in picker and "data-exclude" not in picker
    offered = re.search(r'<ul class="picker-list picker-options">(.*?)</ul>', picker, re.S).group(1)
    assert "新代表" in offered and "张伟" not in offered and "吴刚" not in offered

    items = station_admin.get(f"/console/deputy-options?activity_id={roster['id']}").json["items"]
    assert [d["name"] for d in items] == ["新代表"]
    chosen = station_admin.get(f"/console/deputy-options?activity_id={roster['id']}&exclude={new.id}").json
    assert chosen["items"] == []
    assert len(station_admin.get("/console/deputy-options").json["items"]) == 8  # without it: everyone

    factory.admin("yuelu", stations=[world["yuelu"]])
    other = sign_in(app, "yuelu").get(f"/console/deputy-options?activity_id={roster['id']}")
    assert (other.status_code, other.json["message"]) == (404, "活动不存在，或不在您的管理范围内。")
    live = sign_in(app, "yuelu").get(f"/console/activities/{roster['id']}/attendance.json")
    assert (live.status_code, live.json["message"]) == (404, "活动不存在，或不在您的管理范围内。")
    assert station_admin.get("/console/deputy-options?activity_id=abc").status_code == 200


def test_the_edit_page_never_reads_the_whole_roster(app, station_admin, roster):
    """What the 编辑 page reads of the roster is bounded: counts, a page, and the picker's subquery; never
    every participant (a thousand rows for a city-wide meeting)."""
    with sent_statements(app) as seen:
        assert station_admin.get(roster["path"] + "/edit").status_code == 200
    unbounded = [s for s in seen if re.match(r"\s*SELECT activity_participants\.", s) and "LIMIT" not in s
                 and "count(" not in s]
    assert unbounded == []


def test_the_screens_rotating_code_never_reads_the_roster(app, station_admin, roster, world):
    """The screen asks for a new check-in code every 15 seconds during the check-in rush: the PNG reads the
    activity's row, never its participants (a thousand rows for a city-wide meeting), so that it costs the
    same for one deputy invited as for seven."""
    one = post(station_admin, "/console/activities/new", dispatch_form(world, [world["li"]], title="小范围接待"))
    assert one.status_code == 302, text(one)

    def sent(path):
        with sent_statements(app) as seen:
            png = station_admin.get(path + "/checkin-code.png")
        assert png.status_code == 200 and png.mimetype == "image/png"
        return seen

    few, many = sent(one.headers["Location"]), sent(roster["path"])
    assert [s for s in few + many if "activity_participants" in s] == []
    assert len(few) == len(many)
