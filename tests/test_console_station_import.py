"""The console's 导入联络站 page through the Flask test client: reached from the stations list, its template,
an upload's counts and row-by-row report, and the whole report when the page shows only the first rows."""
import io
import re

import openpyxl

from tests.test_console_org_activities import (  # noqa: F401 - fixtures
    huaihua,
    station_admin,
    text,
    token_from,
    world,
)
from tests.test_import import xlsx
from tests.test_station_import import HEADER

PAGE = "/console/stations/import"


def upload(client, rows, **headers):
    return client.post(PAGE, data={"csrf_token": token_from(client, PAGE),
                                   "file": (io.BytesIO(xlsx(rows, header=HEADER)), "联络站.xlsx")},
                       content_type="multipart/form-data", headers=headers)


def test_the_stations_list_leads_a_region_administrator_to_the_import_and_its_template(huaihua, world):  # noqa: F811
    assert f'href="{PAGE}"' in text(huaihua.get("/console/stations"))
    page = text(huaihua.get(PAGE))
    assert "导入联络站" in page and "怀化市及其下级区域" in page
    assert "联络站名称（必填）、所属区域（必填）、类型（必填）、地址、纬度、经度、开放时间" in page
    template = huaihua.get("/console/stations/import-template.xlsx")
    assert template.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(template.data))
    rows = list(workbook["联络站名单"].values)
    assert rows[0] == tuple(HEADER)
    assert rows[1][:3] == ("示例：城北代表联络站", "怀化市", "片区联络站")
    assert "填写说明" in workbook.sheetnames


def test_a_station_administrator_is_told_only_region_administrators_import_stations(station_admin, world):  # noqa: F811
    assert f'href="{PAGE}"' not in text(station_admin.get("/console/stations"))
    for path in (PAGE, "/console/stations/import-template.xlsx"):
        refused = station_admin.get(path)
        assert refused.status_code == 403
        assert "只有区域管理员可以导入联络站。" in text(refused)


def test_an_upload_shows_the_counts_and_the_refused_rows(huaihua, world):  # noqa: F811
    rows = [
        ["迎丰联络站", "鹤城区", "代表之家", "迎丰路 8 号", "27.55", "110.0", ""],
        ["城北联络站", "鹤城区", "中心联络站", "人民路 18 号", "", "", ""],
        ["岳麓新站", "岳麓区", "片区联络站", "", "", "", ""],
    ]
    page = text(upload(huaihua, rows))
    assert re.search(r"<strong>1</strong> 新增", page) and re.search(r"<strong>1</strong> 未变化", page)
    assert "<tr><td>4</td><td>所属区域</td><td>在您管理的区域中找不到“岳麓区”。</td></tr>" in page
    assert "迎丰联络站" in text(huaihua.get("/console/stations?q=迎丰"))

    # The page's script asks for JSON: the same importer's answer.
    again = upload(huaihua, rows[:2], **{"X-Requested-With": "XMLHttpRequest"})
    assert again.json == {"created": 0, "updated": 0, "unchanged": 2, "errors": []}


def test_an_error_report_longer_than_the_page_is_downloadable_whole(huaihua, world, monkeypatch):  # noqa: F811
    from backend.console import organisation
    monkeypatch.setattr(organisation, "IMPORT_ERRORS_SHOWN", 2)
    page = text(upload(huaihua, [[f"站{i}", "鹤城区", "服务站", "", "", "", ""] for i in range(4)]))
    assert "仅显示前 2 条，共 4 条。" in page
    link = re.search(r'<a href="(/console/stations/import/errors/[^"]+\.xlsx)">下载完整错误报告', page).group(1)
    lines = list(openpyxl.load_workbook(io.BytesIO(huaihua.get(link).data))["错误报告"].values)
    assert [(row, field) for row, field, _ in lines[1:]] == [(n, "类型") for n in range(2, 6)]
    # The deputies' report route does not hand out the stations' report.
    assert huaihua.get(link.replace("/stations/", "/deputies/")).status_code == 404


def test_the_exported_list_imported_again_changes_nothing_and_edited_changes_what_was_edited(huaihua, world):  # noqa: F811
    rows = [["迎丰联络站", "鹤城区", "代表之家", "迎丰路 8 号", "27.55", "110.0", "每月 15 日上午"],
            ["怀化市代表之家", "怀化市", "代表之家", "", "", "", ""]]
    assert upload(huaihua, rows, **{"X-Requested-With": "XMLHttpRequest"}).json["created"] == 2
    exported = huaihua.get("/console/stations/export.xlsx")
    assert exported.status_code == 200
    sheet = [list(row) for row in openpyxl.load_workbook(io.BytesIO(exported.data))["联络站名单"].values]
    assert sheet[0] == HEADER
    # Every station of 怀化市 (not 长沙市's 岳麓联络站), each region named as the import finds it.
    assert [row[:3] for row in sheet[1:]] == [["城北联络站", "鹤城区", "中心联络站"],
                                              ["迎丰联络站", "鹤城区", "代表之家"],
                                              ["怀化市代表之家", "怀化市", "代表之家"]]
    assert ["迎丰联络站", "鹤城区", "代表之家", "迎丰路 8 号", 27.55, 110.0, "每月 15 日上午"] in sheet

    def reimported(rows):
        return huaihua.post(PAGE, data={"csrf_token": token_from(huaihua, PAGE),
                                        "file": (io.BytesIO(xlsx(rows, header=HEADER)), "联络站名单.xlsx")},
                            content_type="multipart/form-data", headers={"X-Requested-With": "XMLHttpRequest"}).json

    assert reimported(sheet[1:]) == {"created": 0, "updated": 0, "unchanged": 3, "errors": []}
    edited = [row[:3] + ["新地址"] + row[4:] if row[0] == "城北联络站" else row for row in sheet[1:]]
    assert reimported(edited) == {"created": 0, "updated": 1, "unchanged": 2, "errors": []}
    # Filtered as the list is: only what the search finds.
    only = openpyxl.load_workbook(io.BytesIO(huaihua.get("/console/stations/export.xlsx?q=迎丰").data))
    assert [row[0] for row in list(only["联络站名单"].values)[1:]] == ["迎丰联络站"]


def test_a_station_administrator_may_not_export_the_stations_list(station_admin, world):  # noqa: F811
    refused = station_admin.get("/console/stations/export.xlsx")
    assert refused.status_code == 403
    assert "只有区域管理员可以导出联络站名单" in text(refused)
