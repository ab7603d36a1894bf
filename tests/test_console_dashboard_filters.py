"""The console's 工作台 narrowed to a region, a station or a period of 提交日期 (within the administrator's
scope), and 导出统计 following the same filters: the figures a city or county office reports."""
import io
import re
from datetime import datetime, timedelta

from openpyxl import load_workbook

from backend.db_types import CHINA

from .test_console_org_activities import sign_in, text, world  # noqa: F401 - fixture


def total(response):
    assert response.status_code == 200
    return int(re.search(r'<span class="kpi-label">建议总数</span><strong>(\d+)</strong>', text(response)).group(1))


def exported(console, **args):
    response = console.get("/console/stats/export.xlsx", query_string=args)
    assert response.status_code == 200
    rows = {row[0]: row[1] for row in load_workbook(io.BytesIO(response.data))["总体指标"].values}
    return rows["统计范围"], rows["建议总数"]


def test_the_dashboard_and_its_export_follow_region_station_and_dates(app, world, factory, client):  # noqa: F811
    citizen = factory.wechat_login("citizen-dash")
    for code in (world["zhang"].qr_code, world["zhang"].qr_code, world["far"].qr_code):
        filed = client.post("/api/v1/suggestions", headers=citizen,
                            json={"qr_code": code, "category": "城市管理", "content": "路灯坏了。"})
        assert filed.status_code == 201, filed.json
    tomorrow = (datetime.now(CHINA) + timedelta(days=1)).date().isoformat()
    today = datetime.now(CHINA).date().isoformat()
    root = sign_in(app, "root")
    hc, yl = world["tree"]["hc"], world["tree"]["yl"]
    page = text(root.get("/console/"))
    assert 'name="region_id"' in page and 'name="station_id"' in page and 'name="from"' in page
    assert 'name="deputy_region_id"' in page and "代表所属区域" in page
    assert total(root.get("/console/")) == 3
    assert total(root.get("/console/", query_string={"region_id": hc.id})) == 2
    assert total(root.get("/console/", query_string={"station_id": world["yuelu"].id})) == 1
    assert total(root.get("/console/", query_string={"from": tomorrow})) == 0
    assert total(root.get("/console/", query_string={"from": today, "to": today, "region_id": yl.id})) == 1
    # The page says what it counts, and its export link carries the filters.
    narrowed = text(root.get("/console/", query_string={"region_id": hc.id, "from": today}))
    assert f"统计范围：湖南省 · 鹤城区 · 提交日期 {today} 起" in narrowed
    assert f'href="/console/stats/export.xlsx?region_id={hc.id}&amp;from={today}"' in narrowed
    assert exported(root, region_id=hc.id, **{"from": today}) == (f"湖南省 · 鹤城区 · 提交日期 {today} 起", 2)
    assert exported(root, station_id=world["yuelu"].id) == ("湖南省 · 岳麓联络站", 1)
    assert exported(root) == ("湖南省", 3)
    # 代表所属区域: the items handled by the deputies elected there (GET /stats/suggestions?deputy_region_id=).
    assert total(root.get("/console/", query_string={"deputy_region_id": yl.id})) == 1
    by_deputies = text(root.get("/console/", query_string={"deputy_region_id": hc.id}))
    assert "统计范围：湖南省 · 代表所属区域：鹤城区" in by_deputies
    assert f'href="/console/stats/export.xlsx?deputy_region_id={hc.id}"' in by_deputies
    assert exported(root, deputy_region_id=hc.id) == ("湖南省 · 代表所属区域：鹤城区", 2)
    # Within the administrator's scope only: 怀化市's administrator asking for 长沙's station or region is
    # answered as for one that does not exist, on the page and in the export alike (neither names it).
    huaihua = sign_in(app, "huaihua")
    assert total(huaihua.get("/console/")) == 2
    assert total(huaihua.get("/console/", query_string={"region_id": hc.id})) == 2
    assert total(huaihua.get("/console/", query_string={"deputy_region_id": hc.id})) == 2
    for args in ({"station_id": world["yuelu"].id}, {"region_id": yl.id}, {"deputy_region_id": yl.id},
                 {"region_id": 999999}):
        for path in ("/console/", "/console/stats/export.xlsx"):
            refused = huaihua.get(path, query_string=args)
            assert refused.status_code == 404, (path, args)
            assert "不存在" in text(refused) and "岳麓" not in text(refused)
    # A station's administrator: their station, and the regions holding it; no other.
    chengbei = sign_in(app, "chengbei")
    assert total(chengbei.get("/console/", query_string={"station_id": world["chengbei"].id})) == 2
    assert exported(chengbei, region_id=hc.id) == ("城北联络站 · 鹤城区", 2)
    for args in ({"station_id": world["yuelu"].id}, {"region_id": yl.id}):
        assert chengbei.get("/console/stats/export.xlsx", query_string=args).status_code == 404
    # A wrong filter is refused in Chinese, naming it.
    bad = root.get("/console/", query_string={"from": "2026-13-40"})
    assert bad.status_code == 422 and "提交日期从" in text(bad)
    assert root.get("/console/stats/export.xlsx", query_string={"to": "abc"}).status_code == 422
