"""The 工作台's figures and the lists they open: a figure narrowed by the dashboard's filters (区域, 代表所属区域,
联络站, 提交日期) opens a list of exactly its rows; the 前十名 board follows the filters too; and the statistics
API refuses a period that ends before it starts, as the dashboard does."""
import html
import json
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from backend.appointments.models import Appointment
from backend.auth.models import User
from backend.db_types import CHINA, utcnow
from backend.extensions import db
from backend.points import ledger
from backend.suggestions.models import Suggestion

from .factories import screen
from .test_appointments import ask
from .test_console_org_activities import dispatch_form, local, post, sign_in, text, world  # noqa: F401 - fixture

KPI = re.compile(r'<a class="kpi[^"]*" href="([^"]+)"><span class="kpi-label">([^<]+)</span><strong[^>]*>(\d+)</strong>')


def figures(console, **args):
    """The dashboard's figures as {label: (count, the list's address)}."""
    page = console.get("/console/", query_string=args)
    assert page.status_code == 200, text(page)
    return {label: (int(n), html.unescape(href)) for href, label, n in KPI.findall(text(page))}


def listed(console, href):
    """How many rows the list at ``href`` says it holds (共 N 件 / 条)."""
    page = console.get(href)
    assert page.status_code == 200, (href, page.status_code)
    shown = re.search(r"共 (\d+) [件条个]", text(page))
    if shown is None:  # an empty list says so instead of 共 0 条
        assert "没有符合条件" in text(page), href
        return 0
    return int(shown.group(1))


def test_every_figure_of_a_narrowed_dashboard_opens_a_list_of_its_rows(app, world, factory, client):  # noqa: F811
    citizen = factory.wechat_login("citizen-links")
    for code in (world["zhang"].qr_code, world["zhang"].qr_code, world["chengbei"].qr_code, world["far"].qr_code):
        filed = client.post("/api/v1/suggestions", headers=citizen,
                            json={"qr_code": code, "category": "城市管理", "content": "路灯坏了，晚上很黑。"})
        assert filed.status_code == 201, filed.json
    screen(app)
    asked = [ask(client, citizen, code).json["id"] for code in (world["zhang"].qr_code, world["far"].qr_code)]
    with app.app_context():  # the first asked ten days ago
        db.session.execute(update(Appointment).where(Appointment.id == asked[0])
                           .values(created_dt=datetime.now(CHINA) - timedelta(days=10)))
        db.session.commit()
    root = sign_in(app, "root")
    ended = datetime.now(timezone.utc) - timedelta(hours=20)
    for station, deputy in (("chengbei", "zhang"), ("yuelu", "far")):
        created = post(root, "/console/activities/new", dispatch_form(
            world, [world[deputy]], title=f"{world[station].name}接待", station_id=world[station].id,
            starts_at=local(ended), ends_at=local(ended + timedelta(hours=2))))
        assert created.status_code == 302, text(created)
    hc, yl = world["tree"]["hc"], world["tree"]["yl"]
    today = datetime.now(CHINA).date().isoformat()
    for args in ({"region_id": hc.id}, {"region_id": yl.id}, {"deputy_region_id": yl.id},
                 {"station_id": world["yuelu"].id}, {"from": today}, {"region_id": hc.id, "from": today, "to": today}):
        shown = figures(root, **args)
        assert {"建议总数", "待分派", "待确认约见", "待结单活动", "待部门反馈·已超期"} <= set(shown)
        for label, (count, href) in shown.items():
            assert listed(root, href) == count, (args, label, href)
    # the lists say what they are narrowed to, in words
    narrowed = text(root.get(figures(root, region_id=hc.id, deputy_region_id=hc.id)["建议总数"][1]))
    assert "区域：鹤城区" in narrowed and "代表所属区域：鹤城区" in narrowed
    # a region beyond the administrator's scope is not found on the lists either, never named
    huaihua = sign_in(app, "huaihua")
    for path in ("/console/suggestions", "/console/appointments", "/console/activities"):
        refused = huaihua.get(path, query_string={"region_id": yl.id})
        assert refused.status_code == 404 and "岳麓" not in text(refused), path
    # … nor is an id no region can have (beyond the integer range, or no number at all), as the exports answer:
    # never the whole scope, unlabelled. A blank one (the form's 全部) is no filter.
    for path, key in (("/console/suggestions", "region_id"), ("/console/suggestions", "deputy_region_id"),
                      ("/console/suggestions/export.xlsx", "region_id"), ("/console/appointments", "region_id"),
                      ("/console/appointments/export.xlsx", "region_id")):
        for value in ("99999999999", "abc"):
            refused = root.get(path, query_string={key: value})
            assert refused.status_code == 404 and "区域不存在，或不在您的管理范围内。" in text(refused), (path, key, value)
        assert root.get(path, query_string={key: ""}).status_code == 200, path


def board(console, **args):
    page = text(console.get("/console/", query_string=args))
    data = json.loads(re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', page, re.S).group(1))
    return [row["name"] for row in data["leaderboard"]], page


def test_the_top_ten_follow_the_region_and_station_filters(app, world, factory):  # noqa: F811
    with app.app_context():
        ledger.credit(world["zhang"].id, "suggestion_closed", "suggestion", 3, "x")
        db.session.commit()
    root = sign_in(app, "root")
    assert board(root)[0][0] == "张伟"
    yl, hc = world["tree"]["yl"], world["tree"]["hc"]
    for args in ({"region_id": yl.id}, {"deputy_region_id": yl.id}, {"station_id": world["yuelu"].id}):
        assert board(root, **args)[0] == ["周强"], args
    names, page = board(root, station_id=world["chengbei"].id)
    assert names == ["张伟", "李娜"]
    # 完整排行 opens the same region's board
    names, page = board(root, region_id=hc.id)
    full = re.search(r'<a class="more" href="([^"]+)">完整排行 ›</a>', page).group(1)
    assert f"region_id={hc.id}" in full
    assert names == ["张伟", "李娜"]


def test_the_overdue_at_department_figure_opens_those_items(app, world, factory, client):  # noqa: F811
    citizen = factory.wechat_login("citizen-dept")
    deputy = factory.deputy_headers(world["zhang"])
    ids = [client.post("/api/v1/suggestions", headers=citizen, json={
        "qr_code": world["zhang"].qr_code, "category": "城市管理", "content": f"第{i}件：路灯坏了。"}).json["id"]
        for i in range(3)]
    screen(app)
    for item_id in ids:
        assert client.post(f"/api/v1/suggestions/{item_id}/accept", headers=deputy).status_code == 200
        forwarded = client.post(f"/api/v1/suggestions/{item_id}/forward", headers=deputy,
                                json={"target": "department", "department": "城管局", "note": "请处理"})
        assert forwarded.status_code == 200, forwarded.json
    with app.app_context():
        db.session.execute(update(Suggestion).where(Suggestion.id == ids[0])
                           .values(reply_due_dt=utcnow() - timedelta(days=2)))
        db.session.commit()
    root = sign_in(app, "root")
    shown = figures(root)
    assert shown["待部门反馈"][0] == 3
    count, href = shown["待部门反馈·已超期"]
    assert count == 1 and listed(root, href) == 1
    page = text(root.get(href))
    assert re.findall(r'<a href="/console/suggestions/(\d+)">MSB', page) == [str(ids[0])]
    assert "待部门反馈·已超期" in page  # the filter is named on the list


def test_stats_refuse_a_period_ending_before_it_starts(app, world, factory, client):  # noqa: F811
    admin = factory.headers_for_admin(db.session.scalar(select(User).where(User.username == "root")))
    refused = client.get("/api/v1/stats/suggestions", headers=admin, query_string={"from": "2026-12-01", "to": "2026-01-01"})
    assert refused.status_code == 422
    assert refused.json["error"] == "validation_failed"
    assert refused.json["errors"] == {"to": ["截止日期不能早于起始日期。"]}
    assert client.get("/api/v1/stats/suggestions", headers=admin,
                      query_string={"from": "2026-01-01", "to": "2026-01-01"}).status_code == 200
    console = sign_in(app, "root").get("/console/", query_string={"from": "2026-12-01", "to": "2026-01-01"})
    assert console.status_code == 422 and "截止日期不能早于起始日期。" in text(console)
