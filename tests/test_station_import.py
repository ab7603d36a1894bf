"""Region administrators import liaison stations (联络站) from a spreadsheet, as a city onboarding its
stations does, rather than creating them one by one."""
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from backend.audit.models import AuditEvent
from backend.extensions import db
from backend.org.models import Station

from .parallel import inserted_meanwhile
from .test_import import csv_file, xlsx
from .test_import import upload as deputy_upload

HEADER = ["联络站名称", "所属区域", "类型", "地址", "纬度", "经度", "开放时间"]
URL = "/api/v1/stations/import"


def upload(client, headers, data, filename="联络站.xlsx"):
    return deputy_upload(client, headers, data, filename, url=URL)


def listed(client, headers):
    """{(region name, station name): station} of the administrator's stations."""
    stations = client.get("/api/v1/stations?managed=true&per_page=100", headers=headers).json["items"]
    return {(s["region_name"], s["name"]): s for s in stations}


def station_count():
    return db.session.scalar(select(func.count()).select_from(Station))


@pytest.fixture
def huaihua(factory):
    """怀化市's administrator; 鹤城区 already has 城北联络站; 长沙市 lies outside their scope."""
    tree = factory.tree()
    north = factory.station(tree["hc"], "城北联络站", kind="area", address="迎丰路 1 号")
    admin = factory.admin(region=tree["hh"])
    return {**tree, "north": north, "admin": admin, "headers": factory.headers_for_admin(admin)}


SHEET = [
    ["城南联络站", "鹤城区", "片区联络站", "红星路 8 号", 27.55, 109.98, "工作日 9:00-17:00"],
    ["怀化市代表之家", "怀化市", "代表之家", "", "", "", ""],
    ["坨院联络点", "怀化市/鹤城区", "联络点", "坨院街道", "27.56", "109.99", ""],
]


def test_admin_imports_stations_and_each_has_its_printed_code(client, huaihua):
    response = upload(client, huaihua["headers"], xlsx(SHEET, header=HEADER))
    assert response.status_code == 200, response.json
    assert response.json == {"created": 3, "updated": 0, "unchanged": 0, "errors": []}

    stations = listed(client, huaihua["headers"])
    south = stations[("鹤城区", "城南联络站")]
    assert (south["kind"], south["address"], south["lat"], south["lng"], south["open_hours"]) == (
        "area", "红星路 8 号", 27.55, 109.98, "工作日 9:00-17:00")
    home = stations[("怀化市", "怀化市代表之家")]
    assert (home["kind"], home["address"], home["lat"], home["lng"]) == ("home", "", None, None)
    assert stations[("鹤城区", "坨院联络点")]["kind"] == "point"
    scanned = client.get(f"/api/v1/qr/{south['qr_code']}")
    assert scanned.status_code == 200
    assert (scanned.json["kind"], scanned.json["target"]["name"]) == ("station", "城南联络站")

    # Each station is in the 操作日志 as if created by hand, and the import itself once.
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_user_id == huaihua["admin"].id)).all()
    assert actions.count("station_created") == 3
    imported = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "stations_imported"))
    assert imported.detail == {"file": "联络站.xlsx", "created": 3, "updated": 0, "unchanged": 0, "refused_rows": 0}


def test_reimporting_the_same_sheet_changes_nothing_and_a_changed_row_updates_that_station(client, huaihua):
    data = xlsx([*SHEET, ["城北联络站", "鹤城区", "片区联络站", "迎丰路 1 号", "", "", ""]], header=HEADER)
    first = upload(client, huaihua["headers"], data)
    assert first.json == {"created": 3, "updated": 0, "unchanged": 1, "errors": []}
    before = listed(client, huaihua["headers"])

    again = upload(client, huaihua["headers"], data)
    assert again.json == {"created": 0, "updated": 0, "unchanged": 4, "errors": []}
    assert listed(client, huaihua["headers"]) == before
    # The same rows as CSV match the same stations.
    assert upload(client, huaihua["headers"], csv_file(SHEET, header=HEADER), "联络站.csv").json["unchanged"] == 3

    changed = xlsx([
        ["城北联络站", "鹤城区", "中心联络站", "迎丰路 2 号", 27.5, 110.0, ""],  # kind, address, place changed
        ["城南联络站", "鹤城区", "片区联络站", "", "", "", ""],  # blanks leave what the station has
    ], header=HEADER)
    response = upload(client, huaihua["headers"], changed)
    assert response.json == {"created": 0, "updated": 1, "unchanged": 1, "errors": []}
    stations = listed(client, huaihua["headers"])
    north = stations[("鹤城区", "城北联络站")]
    assert (north["kind"], north["address"], north["lat"], north["lng"]) == ("center", "迎丰路 2 号", 27.5, 110.0)
    assert stations[("鹤城区", "城南联络站")] == before[("鹤城区", "城南联络站")]


def test_refused_rows_are_listed_in_chinese_by_row_and_write_nothing(client, huaihua):
    data = xlsx([
        ["城南联络站", "鹤城区", "片区联络站", "", "", "", ""],  # 2: good
        ["岳麓联络站", "长沙市/岳麓区", "片区联络站", "", "", "", ""],  # 3: outside the scope
        ["海上联络站", "鹤城区", "片区联络站", "", 0, 0, ""],  # 4: outside China
        ["反了联络站", "鹤城区", "片区联络站", "", 109.98, 27.55, ""],  # 5: swapped
        ["半个联络站", "鹤城区", "片区联络站", "", 27.55, "", ""],  # 6: one coordinate
        ["乱写联络站", "鹤城区", "服务站", "", "", "", ""],  # 7: unknown kind
        ["城南联络站", "鹤城区", "联络点", "", "", "", ""],  # 8: the same as row 2
        ["", "鹤城区", "", "", "北纬27度", "109.98", ""],  # 9: no name, no kind, a latitude in words
        ["城北联络站", "鹤城区", "联络点", "", 0, 0, ""],  # 10: a known station, refused: left as it was
    ], header=HEADER)
    response = upload(client, huaihua["headers"], data)
    assert response.status_code == 200, response.json
    assert (response.json["created"], response.json["updated"], response.json["unchanged"]) == (1, 0, 0)
    assert response.json["errors"] == [
        {"row": 3, "field": "所属区域", "message": "在您管理的区域中找不到“长沙市/岳麓区”。"},
        {"row": 4, "field": "纬度", "message": "纬度应在 3 至 54 之间（中国境内，GCJ-02 坐标）。"},
        {"row": 4, "field": "经度", "message": "经度应在 73 至 136 之间（中国境内，GCJ-02 坐标）。"},
        {"row": 5, "field": "纬度", "message": "纬度和经度似乎填反了。"},
        {"row": 6, "field": "纬度", "message": "经纬度须同时填写或同时留空。"},
        {"row": 7, "field": "类型", "message": "无法识别的类型“服务站”，应为中心联络站、片区联络站、代表之家或联络点。"},
        {"row": 8, "field": "联络站名称", "message": "与第 2 行是同一区域的同名联络站，请删去重复的行或改用不同的名称。"},
        {"row": 9, "field": "联络站名称", "message": "联络站名称不能为空。"},
        {"row": 9, "field": "类型", "message": "类型不能为空，应为中心联络站、片区联络站、代表之家或联络点。"},
        {"row": 9, "field": "纬度", "message": "纬度“北纬27度”不是数字，应为小数形式的 GCJ-02 坐标，如 27.55。"},
        {"row": 10, "field": "纬度", "message": "纬度应在 3 至 54 之间（中国境内，GCJ-02 坐标）。"},
        {"row": 10, "field": "经度", "message": "经度应在 73 至 136 之间（中国境内，GCJ-02 坐标）。"},
    ]
    stations = listed(client, huaihua["headers"])
    assert sorted(name for _, name in stations) == ["城北联络站", "城南联络站"]
    assert stations[("鹤城区", "城北联络站")]["kind"] == "area"
    assert stations[("鹤城区", "城南联络站")]["kind"] == "area"


def test_station_administrators_citizens_and_strangers_may_not_import(client, factory, huaihua):
    data = xlsx(SHEET, header=HEADER)
    keeper = factory.admin(stations=[huaihua["north"]])
    refused = upload(client, factory.headers_for_admin(keeper), data)
    assert refused.status_code == 403
    assert refused.json == {"error": "forbidden",
                            "message": "只有区域管理员可以导入联络站，联络站管理员请联系所属区域的管理员。"}
    assert upload(client, factory.wechat_login("citizen"), data).status_code == 403
    anonymous = upload(client, {}, data)
    assert (anonymous.status_code, anonymous.json["error"]) == (401, "unauthorized")
    assert station_count() == 1


@pytest.mark.parametrize("content, status, error", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 415, "unsupported_media"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, 415, "unsupported_media"),  # a legacy .xls
    (b"", 422, "validation_failed"),
])
def test_a_file_that_is_no_spreadsheet_is_refused_in_the_contract_format(client, huaihua, content, status, error):
    response = upload(client, huaihua["headers"], content)
    assert response.status_code == status
    assert response.json["error"] == error
    assert response.json["message"]
    assert station_count() == 1


def test_a_sheet_missing_a_required_column_or_holding_deputies_is_422_naming_what_is_missing(client, huaihua):
    no_kind = upload(client, huaihua["headers"], xlsx([["城南联络站", "鹤城区"]], header=HEADER[:2]))
    assert no_kind.status_code == 422
    assert no_kind.json["message"] == "表头缺少必填列：类型。"
    deputies = upload(client, huaihua["headers"], xlsx([["张伟", "市", "鹤城区", "13800000001"]],
                                                        header=["姓名", "层级", "所属区域", "手机号"]))
    assert deputies.status_code == 422
    assert deputies.json["message"] == "没有找到表头：表格第一行应为列名，至少包括联络站名称、所属区域、类型。"
    assert station_count() == 1


def test_the_template_imports_as_a_sheet_whose_example_row_is_skipped(client, huaihua):
    from backend.org import station_importer

    template = station_importer.template("鹤城区")
    response = upload(client, huaihua["headers"], template)
    assert response.status_code == 422
    assert response.json["message"] == "表格中只有模板的示例行：请在示例行下面逐行填写联络站信息后再导入（示例行不会导入）。"


def test_operator_imports_stations_from_the_command_line(app, client, factory, huaihua, tmp_path):
    path = tmp_path / "联络站.xlsx"
    path.write_bytes(xlsx([
        ["岳麓联络站", "长沙市/岳麓区", "片区联络站", "", "", "", ""],
        ["城南联络站", "鹤城区", "片区联络站", "", 109.98, 27.55, ""],
    ], header=HEADER))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-stations", str(path)])
    # The good rows are imported; a script still learns that some were refused.
    assert result.exit_code == 2, result.output
    assert "新增 1 个，更新 0 个，未变化 0 个，有误 1 行。" in result.output
    assert "第 3 行【纬度】纬度和经度似乎填反了。" in result.output

    path.write_bytes(xlsx([["城南联络站", "鹤城区", "片区联络站", "", "", "", ""]], header=HEADER))
    within = runner.invoke(args=["import-stations", str(path), "--region", str(huaihua["hh"].id)])
    assert within.exit_code == 0, within.output
    assert "新增 1 个，更新 0 个，未变化 0 个，有误 0 行。" in within.output
    outside = runner.invoke(args=["import-stations", str(path), "--region", str(huaihua["cs"].id)])
    assert outside.exit_code == 2
    assert "在您管理的区域中找不到“鹤城区”" in outside.output

    super_admin = factory.admin(region=huaihua["root"])
    stations = listed(client, factory.headers_for_admin(super_admin))
    assert set(stations) == {("岳麓区", "岳麓联络站"), ("鹤城区", "城南联络站"), ("鹤城区", "城北联络站")}
    assert "退出码 2" in runner.invoke(args=["import-stations", "--help"]).output


def test_the_api_export_imported_again_changes_nothing(client, factory, huaihua):
    assert upload(client, huaihua["headers"], xlsx(SHEET, header=HEADER)).json["created"] == 3
    factory.station(huaihua["yl"], "岳麓联络站")  # 长沙市's: not in 怀化市's list
    exported = client.get("/api/v1/stations/export", headers=huaihua["headers"])
    assert exported.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(exported.data))["联络站名单"].values)
    assert list(rows[0]) == HEADER
    assert sorted(row[0] for row in rows[1:]) == sorted(["城北联络站", *(row[0] for row in SHEET)])
    again = upload(client, huaihua["headers"], exported.data)
    assert again.json == {"created": 0, "updated": 0, "unchanged": 4, "errors": []}

    points = client.get("/api/v1/stations/export?kind=point", headers=huaihua["headers"])
    assert [row[0] for row in list(openpyxl.load_workbook(io.BytesIO(points.data))["联络站名单"].values)[1:]] == [
        "坨院联络点"]
    keeper = factory.admin(stations=[huaihua["north"]])
    refused = client.get("/api/v1/stations/export", headers=factory.headers_for_admin(keeper))
    assert refused.status_code == 403
    assert refused.json["message"] == "只有区域管理员可以导出联络站名单，联络站管理员请联系所属区域的管理员。"


def test_an_import_sends_as_many_statements_for_fifty_new_stations_as_for_five(app, client, huaihua):
    """A city's 1,400 stations in one request: the statements do not grow with the rows (they did: four for
    each station, one flush each), so the import is a few batched writes, whatever its size."""
    from .factories import sent_statements

    def statements(prefix, count):
        regions = ["鹤城区", "怀化市", "怀化市/鹤城区"]
        rows = [[f"{prefix}联络站{i}", regions[i % 3], "联络点", f"人民路 {i} 号", "", "", ""] for i in range(count)]
        rows.append(["城北联络站", "鹤城区", "片区联络站", "迎丰路 1 号", "", "", ""])  # known: unchanged
        rows.append(["岳麓联络站", "长沙市/岳麓区", "片区联络站", "", "", "", ""])  # refused: outside the scope
        with sent_statements(app) as seen:
            response = upload(client, huaihua["headers"], xlsx(rows, header=HEADER))
        assert response.status_code == 200, response.json
        assert (response.json["created"], response.json["unchanged"], len(response.json["errors"])) == (count, 1, 1)
        return len(seen)

    few = statements("甲", 5)
    many = statements("乙", 50)
    assert many == few, (few, many)

    stations = listed(client, huaihua["headers"])
    assert len(stations) == 1 + 5 + 50
    scanned = client.get(f"/api/v1/qr/{stations[('怀化市', '乙联络站49')]['qr_code']}")
    assert (scanned.json["kind"], scanned.json["target"]["name"]) == ("station", "乙联络站49")
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_user_id == huaihua["admin"].id)).all()
    assert actions.count("station_created") == 55


def test_a_station_created_meanwhile_makes_the_whole_import_a_conflict_keeping_nothing(client, huaihua):
    """Another administrator creates one of the sheet's stations after the import read the scope's stations,
    just before it writes its new ones: the import is refused, and none of its stations stay."""
    with inserted_meanwhile(db.engine, "stations", "INSERT INTO stations (name, kind, region_id, address, open_hours, "
                            f"description, created_dt) VALUES ('城南联络站', 'area', {huaihua['hc'].id}, '', '', '', "
                            "CURRENT_TIMESTAMP)"):
        response = upload(client, huaihua["headers"], xlsx(SHEET, header=HEADER))
    assert response.status_code == 409, response.json
    assert response.json["message"] == "导入期间联络站被他人同时新建或修改，本次导入未生效，请重新导入。"
    assert station_count() == 1


def test_an_import_that_imports_nothing_exits_1_in_chinese_and_bad_options_are_told_in_chinese(app, huaihua, tmp_path):
    """Exit code 2 means "some rows refused, the rest imported" (the manual, §8.4): a missing file or an
    unknown --region imports nothing, so it is 1, said in Chinese - as click's own usage errors are."""
    runner = app.test_cli_runner()
    path = tmp_path / "联络站.xlsx"
    path.write_bytes(xlsx([["城南联络站", "鹤城区", "片区联络站", "", "", "", ""]], header=HEADER))
    for command in ("import-stations", "import-deputies", "import-admins"):
        missing = runner.invoke(args=[command, str(tmp_path / "无.csv")])
        assert missing.exit_code == 1, missing.output
        assert f"文件 {tmp_path / '无.csv'} 不存在或无法读取" in missing.output
        assert "does not exist" not in missing.output and "Usage:" not in missing.output
    unknown = runner.invoke(args=["import-stations", str(path), "--region", "999999"])
    assert unknown.exit_code == 1 and "区域 999999 不存在" in unknown.output, unknown.output
    not_a_number = runner.invoke(args=["import-stations", str(path), "--region", "abc"])
    assert not_a_number.exit_code == 1, not_a_number.output
    assert "--region 的值无效：“abc”不是整数。" in not_a_number.output and "Usage:" not in not_a_number.output
    shown = runner.invoke(args=["import-stations", "--help"]).output
    assert "显示本说明后退出" in shown and "用法：" in shown and "选项：" in shown, shown
    assert "Usage:" not in shown and "Options:" not in shown
    bad_level = runner.invoke(args=["create-region", "西湖区", "--level", "district"])
    assert bad_level.exit_code == 2 and "“district”不是可选的值" in bad_level.output, bad_level.output
