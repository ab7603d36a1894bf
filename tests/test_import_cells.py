"""The deputy import reads cells as the clerk sees them: merged cells, invisible characters, Excel's
TRUE/FALSE, oversized cells; and matches a deputy registered without a phone instead of duplicating them."""
import io
import zipfile

import openpyxl
from sqlalchemy import func, select

from backend.extensions import db
from backend.org.models import Deputy

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


def test_a_phone_typed_with_excels_text_apostrophe_is_read_without_it(client, huaihua):
    """'13800000021: the apostrophe Excel takes as "this is text", typed literally into a CSV or a WPS
    cell (or turned into ’ by an input method). One is dropped; more than one is still a wrong number."""
    data = test_import.csv_file([
        ["李一", "市", "鹤城区", "'13800000021"],
        ["李二", "市", "鹤城区", "’13800000022"],
        ["李三", "市", "鹤城区", " '138 0000 0023"],
        ["李四", "市", "鹤城区", "''13800000024"],
    ])
    response = upload(client, huaihua["headers"], data, filename="代表名册.csv")
    assert response.status_code == 200
    assert response.json == {"created": 3, "updated": 0, "unchanged": 0, "errors": [
        {"row": 5, "field": "手机号", "message": "手机号“''13800000024”格式不正确，应为 11 位数字，以 1 开头。"}]}
    assert {phone: d["name"] for phone, d in listed(client, huaihua["headers"]).items()} == {
        "13800000021": "李一", "13800000022": "李二", "13800000023": "李三"}
    # The same numbers typed in an .xlsx with the apostrophe: the same deputies, unchanged.
    again = upload(client, huaihua["headers"], workbook([
        ["李一", "市", "鹤城区", "'13800000021"], ["李二", "市", "鹤城区", "’13800000022"]]))
    assert again.json == {"created": 0, "updated": 0, "unchanged": 2, "errors": []}


def test_a_deputy_registered_without_a_phone_is_given_the_rows_phone_not_duplicated(client, factory, huaihua):
    zhang = factory.deputy(huaihua["hc"], "张伟", phone=None)
    factory.deputy(huaihua["hc"], "李娜", phone=None)
    factory.deputy(huaihua["hc"], "李娜", phone=None)
    factory.deputy(huaihua["yl"], "王芳", phone=None)  # another region's: not the row's 王芳
    factory.deputy(huaihua["hc"], "赵六", phone=None)
    data = workbook([
        ["张伟", "市", "鹤城区", "13800000001", "城北联络站"],
        ["李娜", "市", "鹤城区", "13800000002"],
        ["王芳", "市", "鹤城区", "13800000003"],
        ["赵六", "市", "鹤城区", "13800000004"],
        ["赵六", "市", "鹤城区", "13800000005"],
    ])
    response = upload(client, huaihua["headers"], data)
    assert response.status_code == 200
    assert response.json == {
        "created": 1, "updated": 1, "unchanged": 0,
        "errors": [
            {"row": 3, "field": "姓名", "message": "鹤城区有 2 位同名且未登记手机号的代表“李娜”，无法确定本行是哪一位："
                                                   "请先在系统中为其补填手机号后再导入。"},
            *({"row": row, "field": "姓名", "message": "鹤城区有一位未登记手机号的代表“赵六”，文件中第 5、6 行都是"
                                                       "鹤城区的“赵六”，无法确定是哪一行：请先在系统中为其补填手机号后再导入。"}
              for row in (5, 6)),
        ],
        "notices": [
            {"row": 2, "field": "手机号", "message": "鹤城区已有未登记手机号的代表“张伟”，已为其补填本行的手机号，未新增代表。"},
        ],
    }
    deputies = listed(client, huaihua["headers"])
    assert deputies["13800000001"]["id"] == zhang.id
    assert deputies["13800000001"]["station_ids"] == [huaihua["north"].id]
    assert deputies["13800000003"]["name"] == "王芳" and deputies["13800000003"]["region_id"] == huaihua["hc"].id
    assert db.session.scalar(select(func.count()).select_from(Deputy).where(Deputy.name == "张伟")) == 1
    # The same file again: 张伟 is now known by the phone, the others as before.
    again = upload(client, huaihua["headers"], data).json
    assert (again["created"], again["updated"], again["unchanged"], "notices" in again) == (0, 0, 2, False)
    assert [e["row"] for e in again["errors"]] == [3, 5, 6]


def test_a_station_administrator_matches_only_the_phoneless_deputies_at_their_stations(client, factory, huaihua):
    north, south = huaihua["north"], huaihua["south"]
    ours = factory.deputy(huaihua["hc"], "北站代表", phone=None, stations=[north])
    factory.deputy(huaihua["hc"], "南站代表", phone=None, stations=[south])
    headers = factory.headers_for_admin(factory.admin(stations=[north]))
    response = upload(client, headers, workbook([
        ["北站代表", "市", "鹤城区", "13800000001"],
        ["南站代表", "市", "鹤城区", "13800000002", "城北联络站"],
    ]))
    assert (response.json["created"], response.json["updated"]) == (0, 1)
    assert response.json["errors"] == [{"row": 3, "field": "姓名", "message": (
        "鹤城区已有未登记手机号的代表“南站代表”，不在您管理的联络站：请联系其所属区域的管理员补填手机号。")}]
    assert db.session.get(Deputy, ours.id).phone == "13800000001"
    assert db.session.scalar(select(func.count()).select_from(Deputy).where(Deputy.name == "南站代表")) == 1


def test_excel_true_and_false_in_the_status_column_mean_in_office_and_left(client, huaihua):
    header = ["姓名", "层级", "所属区域", "手机号", "是否在任"]
    response = upload(client, huaihua["headers"], workbook([
        ["张一", "市", "鹤城区", "13800000001", True],
        ["张二", "市", "鹤城区", "13800000002", False],
    ], header=header))
    assert response.json == {"created": 2, "updated": 0, "unchanged": 0, "errors": []}
    text = "是否在任,姓名,层级,所属区域,手机号\r\nTRUE,张三,市,鹤城区,13800000003\r\nfalse,张四,市,鹤城区,13800000004\r\n"
    response = upload(client, huaihua["headers"], text.encode(), "名册.csv")
    assert response.json == {"created": 2, "updated": 0, "unchanged": 0, "errors": []}
    deputies = listed(client, huaihua["headers"])
    assert {phone: d["active"] for phone, d in deputies.items()} == {
        "13800000001": True, "13800000002": False, "13800000003": True, "13800000004": False}


def _archive(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


def test_an_ods_or_xlsb_workbook_is_refused_saying_to_save_it_as_xlsx(client, huaihua):
    ods = _archive([("mimetype", "application/vnd.oasis.opendocument.spreadsheet"), ("content.xml", "<x/>")])
    xlsb = _archive([("[Content_Types].xml", "<Types/>"), ("xl/workbook.bin", b"\x83\x01\x00")])
    for data, name, kind in ((ods, "名册.ods", "OpenDocument 表格（.ods）"), (xlsb, "名册.xlsb", "Excel 二进制工作簿（.xlsb）")):
        response = upload(client, huaihua["headers"], data, name)
        assert response.status_code == 415
        assert response.json["message"] == (f"这是{kind}文件，无法直接导入：请在 Excel 或 WPS 中打开，"
                                            "“另存为”Excel 工作簿（.xlsx）后再导入。")


def test_rows_hidden_in_the_sheet_are_not_imported_and_the_result_says_so(client, huaihua):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER[:4])
    for number in range(1, 6):
        sheet.append([f"代表{number}", "市", "鹤城区", f"1380000000{number}"])
    for row in (3, 5):  # 代表2 and 代表4, filtered out
        sheet.row_dimensions[row].hidden = True
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(client, huaihua["headers"], buffer.getvalue())
    assert response.json == {"created": 3, "updated": 0, "unchanged": 0, "errors": [], "notices": [
        {"row": 3, "field": "", "message": "第 3、5 行在表格中被隐藏（筛选或手动隐藏），共 2 行，未导入；"
                                          "如需导入，请取消隐藏后重新导入。"}]}
    assert set(listed(client, huaihua["headers"])) == {"13800000001", "13800000003", "13800000005"}

    # Every row hidden: nothing to import, and the refusal says why.
    for row in (2, 4, 6):
        sheet.row_dimensions[row].hidden = True
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(client, huaihua["headers"], buffer.getvalue())
    assert response.status_code == 422
    assert response.json["message"] == ("表头下面的 5 行在表格中都被隐藏了（筛选或手动隐藏），没有可导入的行："
                                        "请取消隐藏后重新导入。")


def _with_cell_text(data, member, marker, text):
    """``data`` (an .xlsx) with ``marker`` in ``member`` replaced by ``text``, as a crafted file would be."""
    source, buffer = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            content = source.read(item.filename)
            archive.writestr(item, content.replace(marker, text) if item.filename == member else content)
    return buffer.getvalue()


def test_a_cell_longer_than_excel_allows_refuses_the_file_before_it_is_read(client, huaihua):
    data = workbook([["张一", "市", "鹤城区", "X"]])
    member = "xl/worksheets/sheet1.xml"
    assert b"<t>X</t>" in zipfile.ZipFile(io.BytesIO(data)).read(member)  # openpyxl writes text inline
    crafted = _with_cell_text(data, member, b"<t>X</t>", b"<t>" + b"1" * 5_000_000 + b"</t>")
    assert len(crafted) < 20_000  # a small upload…
    response = upload(client, huaihua["headers"], crafted)
    assert response.status_code == 422  # …refused whole, quoting nothing of it
    assert response.json["message"] == ("表格中有单元格超过 32767 个字符（Excel 单元格的上限），文件可能已损坏或被改动过："
                                        "请在 Excel 或 WPS 中打开、检查后重新保存，再导入。")
    assert len(response.data) < 1000
