"""Administrators export the deputy base (代表名册) they keep, under the import template's columns: the file
goes back through the import unchanged (0 新增, 0 更新), so it can be edited and re-imported."""
import io
import re
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from backend.audit.models import AuditEvent
from backend.extensions import db

from .test_console_suggestions import console_login
from .test_import import upload

API = "/api/v1/deputies/export"
CONSOLE = "/console/deputies/export.xlsx"
TEMPLATE_HEADER = ["姓名", "层级", "所属区域", "手机号", "联络站", "代表小组", "届次", "状态"]


def sheet_rows(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.data))
    return {ws.title: [[c if c is not None else "" for c in row] for row in ws.iter_rows(values_only=True)]
            for ws in workbook.worksheets}


def exported_events():
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "exported")
                              .order_by(AuditEvent.id)).all()


@pytest.fixture
def base(factory):
    """怀化市 with two counties' stations; its deputies, one received at a station of 长沙市 too, one of the
    province received at 城北 (the province's to keep), and 长沙市's own."""
    tree = factory.tree()
    hh, hc, yl = tree["hh"], tree["hc"], tree["yl"]
    zj = factory.region("中方县", "county", hh)
    north = factory.station(hc, "城北联络站")
    south = factory.station(hc, "城南联络站")
    village = factory.station(zj, "铜湾联络站")
    yuelu = factory.station(yl, "岳麓联络站")
    deputies = {
        "zhang": factory.deputy(hc, "张伟", "13800000001", "city", [north, south], group="第一代表小组", term=17),
        "li": factory.deputy(zj, "李娜", "13800000002", "county", [village, yuelu]),
        "wang": factory.deputy(hh, "王芳", "13800000003", "township", active=False),
        "province": factory.deputy(tree["root"], "赵省", "13800000004", "provincial", [north]),
        "changsha": factory.deputy(yl, "钱长", "13800000005", "county", [yuelu]),
    }
    admin = factory.admin("hh-admin", region=hh)
    station_admin = factory.admin("north-admin", stations=[north])
    return {**tree, **deputies, "north": north, "south": south, "village": village, "zj": zj, "admin": admin,
            "station_admin": station_admin}


def test_a_region_administrators_export_is_the_import_template_filled_in_and_reimports_unchanged(app, client, factory, base):
    console = console_login(app, "hh-admin")
    template = sheet_rows(console.get("/console/deputies/import-template.xlsx"))["代表名册"]
    assert template[0] == TEMPLATE_HEADER

    response = console.get(CONSOLE, query_string={"active": "all"})
    sheets = sheet_rows(response)
    assert list(sheets) == ["代表名册"]
    rows = sheets["代表名册"]
    assert rows[0] == template[0]
    # Their own deputies, by the names the import reads back: 所属区域 as the shortest name that is one region
    # in scope; 联络站 their stations in scope only (岳麓 is 长沙市's, and the import keeps that link).
    assert rows[1:] == [
        ["张伟", "市人大代表", "鹤城区", "13800000001", "城北联络站、城南联络站", "第一代表小组", 17, "在任"],
        ["李娜", "县（区）人大代表", "中方县", "13800000002", "铜湾联络站", "", "", "在任"],
        ["王芳", "乡镇人大代表", "怀化市", "13800000003", "", "", "", "离任"],
    ]
    disposition = response.headers["Content-Disposition"]
    fallback = re.search(r"filename=([^;]+);", disposition).group(1)
    assert fallback.isascii() and fallback.startswith("deputies-") and fallback.endswith(".xlsx")
    assert unquote(re.search(r"filename\*=UTF-8''(.+)$", disposition).group(1)).startswith("代表名册-")

    reimported = upload(client, factory.headers_for_admin(base["admin"]), response.data, "代表名册.xlsx")
    assert reimported.status_code == 200, reimported.json
    assert reimported.json == {"created": 0, "updated": 0, "unchanged": 3, "errors": []}

    event = exported_events()[-1]
    assert event.detail["export"] == "代表名册" and event.detail["rows"] == 3
    assert event.detail["filters"] == {"active": "all"}
    assert event.actor_user_id == base["admin"].id


def test_the_console_export_honours_the_lists_filters(app, base):
    console = console_login(app, "hh-admin")
    page = console.get("/console/deputies", query_string={"level": "city", "q": "张"}).get_data(as_text=True)
    link = re.search(r'href="(/console/deputies/export\.xlsx[^"]*)"', page).group(1).replace("&amp;", "&")
    assert "level=city" in link and "q=" in link
    rows = sheet_rows(console.get(link))["代表名册"]
    assert [row[0] for row in rows[1:]] == ["张伟"]

    # No filter at all: as the list shows by default, those in office.
    rows = sheet_rows(console.get(CONSOLE))["代表名册"]
    assert [row[0] for row in rows[1:]] == ["张伟", "李娜"]
    rows = sheet_rows(console.get(CONSOLE, query_string={"station_id": base["village"].id}))["代表名册"]
    assert [row[0] for row in rows[1:]] == ["李娜"]


def test_a_station_administrator_exports_the_deputies_at_their_stations_through_the_api(client, factory, base):
    headers = factory.headers_for_admin(base["station_admin"])
    response = client.get(API, headers=headers)
    rows = sheet_rows(response)["代表名册"]
    assert rows[0] == TEMPLATE_HEADER
    # 赵省 is received at 城北 too: a station administrator's import may name them, unchanged.
    assert rows[1:] == [
        ["张伟", "市人大代表", "鹤城区", "13800000001", "城北联络站", "第一代表小组", 17, "在任"],
        ["赵省", "省人大代表", "湖南省", "13800000004", "城北联络站", "", "", "在任"],
    ]
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    reimported = upload(client, headers, response.data)
    assert reimported.json == {"created": 0, "updated": 0, "unchanged": 2, "errors": []}
    assert exported_events()[-1].detail["export"] == "代表名册"

    # The API's filters, as GET /deputies takes them.
    rows = sheet_rows(client.get(API, query_string={"level": "provincial"}, headers=headers))["代表名册"]
    assert [row[0] for row in rows[1:]] == ["赵省"]
    refused = client.get(API, query_string={"level": "mayor"}, headers=headers)
    assert refused.status_code == 422 and "代表层级" in str(refused.json["errors"]["level"])


def test_an_edited_export_reimports_as_the_edits(app, client, factory, base):
    """The round trip the export is for: change a cell, add a row, import it back."""
    console = console_login(app, "hh-admin")
    workbook = load_workbook(io.BytesIO(console.get(CONSOLE).data))
    sheet = workbook["代表名册"]
    sheet["F2"] = "第二代表小组"
    sheet.append(["孙新", "县（区）人大代表", "中方县", "13800000009", "铜湾联络站", "", "", "在任"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = upload(client, factory.headers_for_admin(base["admin"]), buffer.getvalue())
    assert result.json == {"created": 1, "updated": 1, "unchanged": 1, "errors": []}


def test_the_export_is_for_administrators(app, client, factory, base):
    assert client.get(API).status_code == 401
    citizen = factory.wechat_login("citizen-1")
    refused = client.get(API, headers=citizen)
    assert refused.status_code == 403 and refused.json["message"]
    assert not exported_events()
    anonymous = app.test_client().get(CONSOLE)
    assert anonymous.status_code == 302 and "/console/login" in anonymous.headers["Location"]


def test_a_capped_export_says_so_and_its_register_still_reimports(app, client, factory, base, monkeypatch):
    monkeypatch.setattr("backend.console.exports.MAX_EXPORT_ROWS", 2)
    response = console_login(app, "hh-admin").get(CONSOLE, query_string={"active": "all"})
    sheets = sheet_rows(response)
    assert list(sheets) == ["导出说明", "代表名册"]
    assert "仅含前 2 行（共 3 行）" in sheets["导出说明"][0][0]
    assert len(sheets["代表名册"]) == 3
    reimported = upload(client, factory.headers_for_admin(base["admin"]), response.data)
    assert reimported.json == {"created": 0, "updated": 0, "unchanged": 2, "errors": []}
    assert exported_events()[-1].detail | {"filters": None} == {
        "export": "代表名册", "filters": None, "rows": 2, "capped": True, "matched": 3}


def test_a_deputy_without_a_phone_is_exported_and_the_reimport_says_what_is_missing(app, client, factory, base):
    factory.deputy(base["hc"], "周无", None, "county", [base["south"]])
    response = console_login(app, "hh-admin").get(CONSOLE)
    rows = sheet_rows(response)["代表名册"]
    assert rows[3] == ["周无", "县（区）人大代表", "鹤城区", "", "城南联络站", "", "", "在任"]
    reimported = upload(client, factory.headers_for_admin(base["admin"]), response.data)
    assert reimported.json == {"created": 0, "updated": 0, "unchanged": 2, "errors": [
        {"row": 4, "field": "手机号", "message": "手机号不能为空。"}]}


def test_the_export_reads_in_batches_whatever_the_number_of_deputies(app, factory, base, monkeypatch):
    """A batch of deputies is read, with its station links, in a statement each: a larger base adds
    batches, never statements per deputy or per region."""
    from .factories import sent_statements

    monkeypatch.setattr("backend.console.exports.EXPORT_BATCH", 2)
    console = console_login(app, "hh-admin")

    def counted():
        with sent_statements(app) as sent:
            rows = sheet_rows(console.get(CONSOLE, query_string={"active": "all"}))["代表名册"]
        return len(sent), len(rows) - 1

    few, shown = counted()
    assert shown == 3
    for number in range(4):  # two more batches, in new regions with their stations
        region = factory.region(f"新区{number}", "county", base["hh"])
        factory.deputy(region, f"新代表{number}", f"1390000000{number}", "county", [factory.station(region)])
    many, shown = counted()
    assert shown == 7
    assert many == few + 2 * 2  # each batch: its deputies, then their links
