"""Statistics that add up: a region's figures count the items handled in it (at its stations, or waiting in
its queue with no station), so that each item counts once in any partition of regions; 满意率 means one
thing — rated items by their latest rating — in the API, the dashboard, the public page and the 履职档案;
the 履职档案 counts 办结 in the year the ledger credits it, and gives its denominators."""
import io
import re
from datetime import datetime, timedelta, timezone

from openpyxl import load_workbook
from sqlalchemy import update

from backend.db_types import utcnow
from backend.extensions import db

from .factories import screen
from .test_console_suggestions import console_login
from .test_suggestion_sweep_stats import shift
from .test_suggestions import file, step, world  # noqa: F401
from .test_web_pages import config_override  # noqa: F401


def stats(client, headers, **query):
    response = client.get("/api/v1/stats/suggestions", headers=headers, query_string=query)
    assert response.status_code == 200, response.json
    return response.json


def listed(client, headers, **query):
    response = client.get("/api/v1/suggestions", headers=headers, query_string={"scope": "station", **query})
    assert response.status_code == 200, response.json
    return response.json["total"]


def dashboard_total(console, **query):
    response = console.get("/console/", query_string=query)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return int(re.search(r'<span class="kpi-label">建议总数</span><strong>(\d+)</strong>', page).group(1))


def exported_total(console, **query):
    response = console.get("/console/stats/export.xlsx", query_string=query)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    summary = {row[0]: row[1] for row in book["总体指标"].values}
    by_station = [row for row in book["按联络站"].values][1:]
    return summary["建议总数"], by_station


def test_region_figures_count_each_item_where_it_is_handled(client, app, factory, world):  # noqa: F811
    """A 长沙 (岳麓区) deputy received only at 城北联络站 (鹤城区, 怀化): the items filed at their code are
    handled in 鹤城区, and count there — in 鹤城区's and 怀化市's figures, not in 岳麓区's or 长沙市's — as
    the items of 城北联络站 do; an item waiting with no station counts in its queue's region. 怀化市 and
    长沙市 then add up to the province. The view by the deputy's congress is asked for by name
    (``deputy_region_id``)."""
    tree = world["tree"]
    yuelu_station = factory.station(tree["yl"], "岳麓联络站")
    outsider = factory.deputy(tree["yl"], "外区代表", phone="13800000009", stations=[world["station"]])
    root_admin = factory.admin("hunan", region=tree["root"])
    root = factory.headers_for_admin(root_admin)
    changsha = world["other_admin"]  # 长沙市's administrator
    at_outsider = file(client, world["citizen"], outsider.qr_code)
    assert at_outsider.status_code == 201, at_outsider.json
    assert at_outsider.json["station"]["id"] == world["station"].id
    assert file(client, world["citizen"], world["deputy_code"]).status_code == 201
    assert file(client, world["citizen"], yuelu_station.qr_code).status_code == 201
    queued = file(client, world["citizen"], world["station_code"]).json["id"]
    shift(app, queued, station_id=None)  # waiting in 鹤城区's queue: its station closed, no other to go to

    hc, hh, yl, cs = tree["hc"].id, tree["hh"].id, tree["yl"].id, tree["cs"].id
    assert stats(client, root)["total"] == 4
    assert stats(client, root, region_id=hc)["total"] == 3
    assert stats(client, root, region_id=hh)["total"] == 3
    assert stats(client, root, region_id=yl)["total"] == 1
    assert stats(client, root, region_id=cs)["total"] == 1
    # the stations of 鹤城区 and its queue add up to its figure
    assert stats(client, root, station_id=world["station"].id)["total"] == 2
    # the same in the lists
    assert listed(client, root, region_id=hc) == 3
    assert listed(client, root, region_id=cs) == 1
    # by the deputy's congress, when that is the question
    assert stats(client, root, deputy_region_id=yl)["total"] == 1
    assert stats(client, root, deputy_region_id=hc)["total"] == 1  # 张伟's; station items have no deputy yet
    assert listed(client, root, deputy_region_id=yl) == 1
    for key in ("region_id", "deputy_region_id"):
        unknown = client.get("/api/v1/stats/suggestions", headers=root, query_string={key: 999999})
        assert (unknown.status_code, unknown.json["message"]) == (404, "区域不存在。")
    # 长沙市's congress still sees its deputy's item (its scope), but 长沙市's region figure is what is
    # handled in 长沙市
    assert stats(client, changsha)["total"] == 2
    assert stats(client, changsha, region_id=cs)["total"] == 1
    assert stats(client, changsha, deputy_region_id=cs)["total"] == 1
    # a region or station outside the caller's scope is answered as one that does not exist, as the console does
    for key, value, message in (("region_id", hc, "区域不存在。"), ("deputy_region_id", hh, "区域不存在。"),
                                ("station_id", world["station"].id, "联络站不存在。")):
        foreign = client.get("/api/v1/stats/suggestions", headers=changsha, query_string={key: value})
        assert (foreign.status_code, foreign.json["error"], foreign.json["message"]) == (404, "not_found", message)
    # the console's 工作台 and 导出统计 follow the same rule
    console = console_login(app, "hunan")
    assert dashboard_total(console, region_id=hc) == 3
    assert dashboard_total(console, region_id=cs) == 1
    total, by_station = exported_total(console, region_id=hc)
    assert total == 3
    assert sum(row[1] for row in by_station) == 3  # 城北联络站 2, and the queue's item on a line of its own
    assert ("未分配联络站（区域待分派）", 1) in [(row[0], row[1]) for row in by_station]


def test_region_filter_on_the_public_list_counts_where_items_are_handled(client, app, factory, world):  # noqa: F811
    tree = world["tree"]
    outsider = factory.deputy(tree["yl"], "外区代表", phone="13800000009", stations=[world["station"]])
    item_id = file(client, world["citizen"], outsider.qr_code, public_consent=True).json["id"]
    screen(app)
    outsider_h = factory.deputy_headers(outsider)
    assert step(client, outsider_h, item_id, "accept").status_code == 200
    assert step(client, outsider_h, item_id, "reply", content="已处理。").status_code == 200
    assert step(client, world["citizen"], item_id, "rate", satisfaction="satisfied").status_code == 200
    screen(app)

    def public_total(region):
        response = client.get("/api/v1/public/suggestions", query_string={"region_id": region.id})
        assert response.status_code == 200, response.json
        return response.json["total"]

    assert (public_total(tree["hc"]), public_total(tree["yl"])) == (1, 0)


def rate_twice(client, world):
    """张伟's two items: a rated 不满意, then 满意 in the second round; b rated 不满意 and re-opened."""
    z = world["zhang_h"]
    a = file(client, world["citizen"], world["deputy_code"]).json["id"]
    b = file(client, world["citizen"], world["deputy_code"], content="楼下垃圾桶满了没人清理。").json["id"]
    for item_id in (a, b):
        assert step(client, z, item_id, "accept").status_code == 200
        assert step(client, z, item_id, "reply", content="已处理。").status_code == 200
        assert step(client, world["citizen"], item_id, "rate", satisfaction="dissatisfied").status_code == 200
    assert step(client, z, a, "reply", content="再次处理。").status_code == 200
    assert step(client, world["citizen"], a, "rate", satisfaction="satisfied").status_code == 200
    return a, b


def test_satisfaction_is_over_rated_items_by_their_latest_rating_everywhere(
        client, app, world, config_override):  # noqa: F811
    config_override(PUBLIC_STATS_CACHE_SECONDS=0)
    rate_twice(client, world)
    screen(app)
    api = stats(client, world["admin"], deputy_id=world["zhang"].id)
    assert api["denominators"]["rated"] == 2
    assert (api["satisfaction_rate"], api["basic_satisfaction_rate"], api["dissatisfied"]) == (0.5, 0.5, 1)
    assert api["ratings"] == 3  # 评价次数: every round's rating

    home = console_login(app, "chengbei").get("/console/").get_data(as_text=True)
    assert "满意 ÷ 已评价 2 件（其中不满意 1 件；评价 3 次）" in home
    public = client.get("/public/stats").get_data(as_text=True)
    assert "满意 ÷ 已评价 2 件（其中不满意 1 件；评价 3 次）" in public and "50.0%" in public
    export = console_login(app, "chengbei").get("/console/stats/export.xlsx")
    summary = {row[0]: row[1] for row in load_workbook(io.BytesIO(export.data))["总体指标"].values}
    assert (summary["已评价件数"], summary["其中不满意"], summary["评价次数"], summary["满意率"]) == (2, 1, 3, "50.0%")

    archive = client.get(f"/api/v1/deputies/{world['zhang'].id}/archive", headers=world["admin"]).json["suggestions"]
    assert archive["satisfaction"] == {"satisfied": 1, "basically_satisfied": 0, "dissatisfied": 1}
    assert (archive["rated"], archive["ratings"]) == (2, 3)
    assert (archive["satisfaction_rate"], archive["basic_satisfaction_rate"]) == (0.5, 0.5)


def archive_views(client, app, world, year=None):
    """The 履职档案's suggestion figures as the JSON, the console page and the spreadsheet show them."""
    query = f"?year={year}" if year else ""
    url = f"/api/v1/deputies/{world['zhang'].id}/archive"
    data = client.get(url + query, headers=world["admin"]).json["suggestions"]
    page = console_login(app, "chengbei").get(f"/console/deputies/{world['zhang'].id}/archive{query}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    card = html[html.index("办理群众建议（码上办）"):]
    shown = {label: value for value, label in re.findall(r"<strong>([^<]+)</strong>\s*([^<\s]+)</li>", card)}
    sheet = load_workbook(io.BytesIO(client.get(url + (query or "?") + ("&" if query else "") + "format=xlsx",
                                                headers=world["admin"]).data)).active
    rows = list(sheet.values)
    cells = {}
    for header, values in zip(rows, rows[1:]):
        if header and header[0] in ("收到", "已评价", "办结"):
            cells |= {h: v for h, v in zip(header, values) if h}
    return data, shown, cells


def test_the_archive_counts_what_it_received_apart_from_rejected_and_withdrawn_with_its_rates(
        client, app, world):  # noqa: F811
    a = file(client, world["citizen"], world["deputy_code"]).json["id"]
    b = file(client, world["citizen"], world["deputy_code"], content="公交站没有遮雨棚。").json["id"]
    late = file(client, world["citizen"], world["deputy_code"], content="小区井盖丢了很危险。").json["id"]
    screen(app)
    assert step(client, world["citizen"], a, "withdraw").status_code == 200
    assert step(client, world["admin"], b, "reject", reason="不属于受理范围").status_code == 200
    shift(app, late, accept_due_dt=utcnow() - timedelta(hours=2))  # open past its 接单 limit

    data, shown, cells = archive_views(client, app, world)
    assert (data["received"], data["rejected"], data["withdrawn"]) == (1, 1, 1)
    assert (data["should_be_closed"], data["received_closed"], data["closed_rate"], data["on_time_rate"]) == (1, 0, 0.0, 0.0)
    api = stats(client, world["admin"], deputy_id=world["zhang"].id)
    assert (data["closed_rate"], data["on_time_rate"]) == (api["closed_rate"], api["on_time_rate"])
    assert (shown["收到"], shown["不予受理"], shown["群众撤回"], shown["应办结"], shown["办结率"]) == ("1", "1", "1", "1", "0.0%")
    assert (cells["收到"], cells["不予受理"], cells["群众撤回"], cells["应办结"], cells["办结率"]) == (1, 1, 1, 1, "0.0%")


def test_the_archive_counts_closings_in_the_year_the_ledger_credits_them(client, app, world):  # noqa: F811
    z = world["zhang_h"]
    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    screen(app)
    step(client, z, item_id, "accept")
    step(client, z, item_id, "reply", content="已处理。")
    step(client, world["citizen"], item_id, "rate", satisfaction="satisfied")
    this_year = datetime.now(timezone(timedelta(hours=8))).year
    # filed at 22:00 Beijing time on New Year's Eve of last year, closed this year
    shift(app, item_id, created_dt=datetime(this_year - 1, 12, 31, 14, 0, tzinfo=timezone.utc))

    last, last_shown, last_cells = archive_views(client, app, world, this_year - 1)
    now, shown, cells = archive_views(client, app, world, this_year)
    assert (last["received"], last["received_closed"], last["closed"]) == (1, 1, 0)
    assert (now["received"], now["closed"], now["closed_on_time"]) == (0, 1, 1)
    assert (shown["办结"], shown["按时办结"]) == ("1", "1") and last_shown["办结"] == "0"
    assert (cells["办结"], cells["按时办结"]) == (1, 1) and last_cells["办结"] == 0
    archive = client.get(f"/api/v1/deputies/{world['zhang'].id}/archive?year={this_year}", headers=world["admin"]).json
    assert [(r["rule_code"], r["count"]) for r in archive["points"]["by_rule"]
            if r["rule_code"] == "suggestion_closed"] == [("suggestion_closed", now["closed"])]


def test_the_public_statistics_count_open_stations_only(client, app, factory, world, config_override):  # noqa: F811
    from backend.org.models import Station

    config_override(PUBLIC_STATS_CACHE_SECONDS=0)
    closed = factory.station(world["tree"]["hc"], "已停用站")
    with app.app_context():
        db.session.execute(update(Station).where(Station.id == closed.id).values(closed_dt=utcnow()))
        db.session.commit()
    html = client.get("/public/stats").get_data(as_text=True)
    tiles = re.findall(r'tile-value">([^<]*)</span><span class="tile-label">([^<]*)<', html)
    assert ("1", "联络站") in tiles
