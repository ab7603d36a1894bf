"""The deputy import reads cells as the clerk sees them: merged cells, invisible characters, Excel's
TRUE/FALSE, oversized cells; and matches a deputy registered without a phone instead of duplicating them."""
import io

import openpyxl

from . import test_import
from .test_import import HEADER, listed, upload

huaihua = test_import.huaihua  # the fixture: 怀化市's administrator, two stations in 鹤城区


def workbook(rows, header=HEADER, merges=()):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_rows_under_a_merged_station_or_region_cell_take_its_value(client, huaihua):
    data = workbook([
        ["张一", "市", "鹤城区", "13800000001", "城北联络站", "第一组"],
        ["张二", "市", None, "13800000002", None, None],
        ["张三", "市", None, "13800000003", None, None],
        ["张四", "市", "鹤城区", "13800000004", "城南联络站", None],
    ], merges=["C2:C4", "E2:E4"])
    response = upload(client, huaihua["headers"], data)
    assert response.status_code == 200, response.json
    assert response.json["errors"] == []
    assert response.json["created"] == 4
    deputies = listed(client, huaihua["headers"])
    north, south = huaihua["north"].id, huaihua["south"].id
    assert {phone: d["station_ids"] for phone, d in deputies.items()} == {
        "13800000001": [north], "13800000002": [north], "13800000003": [north], "13800000004": [south]}
    assert {d["region_id"] for d in deputies.values()} == {huaihua["hc"].id}
    # A merge is filled down its first column only: the 代表小组 beside it stays as each row has it.
    assert [deputies[p]["group"] for p in ("13800000001", "13800000002")] == ["第一组", ""]


def test_a_merge_across_columns_fills_only_its_first_column(client, huaihua):
    # 联络站 merged across 联络站 and 代表小组 on rows 2-3: the station name is in 联络站, not 代表小组.
    data = workbook([
        ["张一", "市", "鹤城区", "13800000001", "城北联络站", None],
        ["张二", "市", "鹤城区", "13800000002", None, None],
    ], merges=["E2:F3"])
    response = upload(client, huaihua["headers"], data)
    assert response.json["errors"] == [] and response.json["created"] == 2
    deputies = listed(client, huaihua["headers"])
    assert [(d["station_ids"], d["group"]) for d in deputies.values()] == [([huaihua["north"].id], "")] * 2


def test_a_cell_past_its_column_limit_refuses_the_row_without_echoing_the_cell(client, huaihua):
    data = workbook([
        ["张一", "市", "鹤城区", "1" * 200_000],
        ["张二", "市", "鹤" * 101, "13800000002"],
        ["张三", "市", "鹤城区", "13800000003", "站" * 501],
        ["张四", "市", "鹤城区", "13800000004"],
    ])
    response = upload(client, huaihua["headers"], data)
    assert response.status_code == 200
    assert response.json["created"] == 1
    assert response.json["errors"] == [
        {"row": 2, "field": "手机号", "message": "手机号不能超过 30 个字符，请检查该单元格是否填错了列。"},
        {"row": 3, "field": "所属区域", "message": "所属区域不能超过 100 个字符，请检查该单元格是否填错了列。"},
        {"row": 4, "field": "联络站", "message": "联络站不能超过 500 个字符，请检查该单元格是否填错了列。"},
    ]
    assert len(response.data) < 2000
    assert set(listed(client, huaihua["headers"])) == {"13800000004"}


def test_a_wrong_value_is_quoted_in_the_message_by_its_first_20_characters(client, huaihua):
    long_region = "不存在的区域" * 5  # 30 characters, within the column's limit
    data = workbook([
        ["张一", "市", long_region, "13800000001"],
        ["张二", "市", "鹤城区", "1380000000212345678901", "城北联络站、" + "无此站" * 10],
        ["张三", "第一二三四五六七八九十一二三四五六七八九十级", "鹤城区", "13800000003"],
    ])
    messages = {(e["row"], e["field"]): e["message"] for e in upload(client, huaihua["headers"], data).json["errors"]}
    assert messages == {
        (2, "所属区域"): f"在您管理的区域中找不到“{long_region[:20]}…”。",
        (3, "手机号"): "手机号“13800000002123456789…”格式不正确，应为 11 位数字，以 1 开头。",
        (3, "联络站"): f"在您管理的范围内找不到联络站“{('无此站' * 10)[:20]}…”。",
        (4, "层级"): "无法识别的层级“第一二三四五六七八九十一二三四五六七八九…”，应为全国、省、市、县（区）或乡镇。",
    }


def test_invisible_characters_are_dropped_and_full_width_digits_read_as_digits(client, huaihua):
    data = workbook([
        ["李\u200b二\u200b", "市", "鹤城区\u200b", "13800000012\u200b", "城北\u2060联络站"],
        ["\ufeff王\u00a0三", "市\u200e", "\u202a鹤城区\u202c", "\u202d13800000013\u202c", "城北联络站\u00a0"],
        ["赵四１２", "市", "怀化市\u200f/鹤城区", "１３８\u00a0０００\u3000００014", ""],
    ])
    response = upload(client, huaihua["headers"], data)
    assert response.json == {"created": 3, "updated": 0, "unchanged": 0, "errors": []}
    deputies = listed(client, huaihua["headers"])
    assert {phone: (d["name"], d["station_ids"]) for phone, d in deputies.items()} == {
        "13800000012": ("李二", [huaihua["north"].id]),
        "13800000013": ("王三", [huaihua["north"].id]),
        "13800000014": ("赵四12", []),
    }
    # Read the same way again, the rows are the same deputies, unchanged.
    response = upload(client, huaihua["headers"], data)
    assert response.json == {"created": 0, "updated": 0, "unchanged": 3, "errors": []}
