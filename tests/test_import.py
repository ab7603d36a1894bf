"""Administrators import the deputy base (代表信息库) from the spreadsheet the congress staff keep."""
import csv
import io
import zipfile

import openpyxl
import pytest
from sqlalchemy import event, func, select

from backend.extensions import db
from backend.org import importer
from backend.org.models import Deputy, Station
from backend.points import ledger
from backend.qr.models import QRCode

HEADER = ["姓名", "层级", "所属区域", "手机号", "联络站", "代表小组", "届次", "状态"]
URL = "/api/v1/deputies/import"


def xlsx(rows, header=HEADER, title=None):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_file(rows, header=HEADER, encoding="utf-8-sig"):
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


def upload(client, headers, data, filename="代表名册.xlsx", url=URL):
    return client.post(url, data={"file": (io.BytesIO(data), filename)}, headers=headers,
                       content_type="multipart/form-data")


def listed(client, headers):
    response = client.get("/api/v1/deputies?managed=true&per_page=100", headers=headers)
    assert response.status_code == 200
    return {d["phone"]: d for d in response.json["items"]}


@pytest.fixture
def huaihua(factory):
    """怀化市's administrator, with two stations in 鹤城区; 长沙市 lies outside their scope."""
    tree = factory.tree()
    north = factory.station(tree["hc"], "城北联络站")
    south = factory.station(tree["hc"], "城南联络站")
    factory.station(tree["yl"], "岳麓联络站")
    admin = factory.admin(region=tree["hh"])
    return {**tree, "north": north, "south": south, "headers": factory.headers_for_admin(admin)}


def test_admin_imports_a_workbook_and_the_deputies_are_in_the_base_with_printed_codes(client, huaihua):
    data = xlsx([
        ["张伟", "市人大代表", "鹤城区", 13800000001, "城北联络站、城南联络站", "第一代表小组", "第十七届", "在任"],
        ["李娜", "县（区）", "湖南省/怀化市/鹤城区", "138-0000-0002", "城北联络站", "", "17", ""],
        ["王  芳", "乡镇人大代表", "怀化市>鹤城区", 13800000003.0, "", "", "十七", "离任"],
    ])
    response = upload(client, huaihua["headers"], data)
    assert response.status_code == 200, response.json
    assert response.json == {"created": 3, "updated": 0, "unchanged": 0, "errors": []}

    deputies = listed(client, huaihua["headers"])
    zhang = deputies["13800000001"]
    assert zhang["name"] == "张伟"
    assert zhang["level"] == "city"
    assert zhang["region_id"] == huaihua["hc"].id
    assert zhang["station_ids"] == [huaihua["north"].id, huaihua["south"].id]
    assert zhang["group"] == "第一代表小组"
    assert zhang["term"] == 17
    assert zhang["active"] is True
    assert deputies["13800000002"]["level"] == "county"
    assert deputies["13800000002"]["station_ids"] == [huaihua["north"].id]
    wang = deputies["13800000003"]
    assert wang["name"] == "王芳"
    assert (wang["level"], wang["term"], wang["active"]) == ("township", 17, False)

    # Deputies in office can be scanned at once (一人一码); one who left office has no code.
    scanned = client.get(f"/api/v1/qr/{zhang['qr_code']}")
    assert scanned.status_code == 200
    assert scanned.json["kind"] == "deputy"
    assert scanned.json["target"]["name"] == "张伟"
    assert client.get(f"/api/v1/qr/{deputies['13800000002']['qr_code']}").status_code == 200
    assert wang["qr_code"] is None


def test_every_way_registers_write_a_level_is_understood(client, huaihua):
    levels = {"全国人大代表": "national", "省级": "provincial", "市人大代表": "city", "县（区）": "county",
              "区": "county", "乡镇人大代表": "township", "街道": "township", "全国": "national", "省": "provincial",
              "乡镇": "township", "县": "county", "市": "city"}
    rows = [[f"代表{i}", level, "鹤城区", f"1390000{i:04d}"] for i, level in enumerate(levels)]
    response = upload(client, huaihua["headers"], xlsx(rows, header=HEADER[:4]))
    assert response.json["created"] == len(levels), response.json
    deputies = listed(client, huaihua["headers"])
    assert [deputies[f"1390000{i:04d}"]["level"] for i in range(len(levels))] == list(levels.values())


def test_reimporting_the_same_file_changes_nothing(client, huaihua):
    data = xlsx([
        ["张伟", "市", "鹤城区", "13800000001", "城北联络站", "第一代表小组", "17", "在任"],
        ["李娜", "县", "鹤城区", "13800000002", "", "", "", "离任"],
    ])
    assert upload(client, huaihua["headers"], data).json["created"] == 2
    before = listed(client, huaihua["headers"])

    again = upload(client, huaihua["headers"], data)
    assert again.status_code == 200
    assert again.json == {"created": 0, "updated": 0, "unchanged": 2, "errors": []}
    assert listed(client, huaihua["headers"]) == before


def test_a_changed_row_updates_only_that_deputy_and_leaving_office_retires_the_code(client, factory, huaihua):
    deputy = factory.deputy(huaihua["hc"], "张伟", phone="13800000001", stations=[huaihua["north"]], group="老小组", term=16)
    code = deputy.qr_code
    data = xlsx([
        ["张伟", "city", "鹤城区", "13800000001", "城南联络站", "新小组", "", ""],
        ["李娜", "县", "鹤城区", "13800000002", "", "", "", ""],
    ])
    response = upload(client, huaihua["headers"], data)
    assert response.json == {"created": 1, "updated": 1, "unchanged": 0, "errors": []}
    updated = listed(client, huaihua["headers"])["13800000001"]
    assert updated["id"] == deputy.id
    assert updated["group"] == "新小组"
    assert updated["station_ids"] == [huaihua["south"].id]
    assert updated["term"] == 16  # a blank cell keeps what the base holds
    assert updated["qr_code"] == code

    left = xlsx([["张伟", "city", "鹤城区", "13800000001", "城南联络站", "新小组", "", "离任"]])
    assert upload(client, huaihua["headers"], left).json["updated"] == 1
    retired = client.get(f"/api/v1/qr/{code}")
    assert retired.status_code == 410
    assert retired.json["error"] == "qr_revoked"
    assert listed(client, huaihua["headers"])["13800000001"]["qr_code"] is None

    # Back in office (the 离任 was a mistake): the printed code works again (test_deputy_restored_code).
    back = xlsx([["张伟", "city", "鹤城区", "13800000001", "城南联络站", "新小组", "", "在任"]])
    assert upload(client, huaihua["headers"], back).json["updated"] == 1
    assert listed(client, huaihua["headers"])["13800000001"]["qr_code"] == code
    assert client.get(f"/api/v1/qr/{code}").json["target"]["name"] == "张伟"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_csv_exports_in_utf8_or_the_chinese_code_page_import_alike(client, huaihua, encoding):
    header = [" 姓名 ", "层级", "所属区域 ", "手机号", "联络站", "备注"]
    data = csv_file([
        ["张伟", "市人大代表", "鹤城区", "13800000001.0", "城北联络站", "无关的列"],
        ["李娜", "县（区）人大代表", "怀化市/鹤城区", "138 0000 0002", "", ""],
    ], header=header, encoding=encoding)
    response = upload(client, huaihua["headers"], data, filename="代表名册.csv")
    assert response.status_code == 200, response.json
    assert response.json == {"created": 2, "updated": 0, "unchanged": 0, "errors": []}
    deputies = listed(client, huaihua["headers"])
    assert deputies["13800000001"]["name"] == "张伟"
    assert deputies["13800000001"]["station_ids"] == [huaihua["north"].id]
    assert deputies["13800000002"]["level"] == "county"


def test_control_characters_in_cells_are_dropped(client, huaihua):
    """A cell's line break kept as a vertical tab, a stray bell: spreadsheet debris that no name holds,
    and that would fail every spreadsheet the name is exported to."""
    data = csv_file([["张\x0b伟", "市人大代表", "鹤城区", "13800000001", "城北联络站", "第一\x07小组"]],
                    header=["姓名", "层级", "所属区域", "手机号", "联络站", "代表小组"])
    response = upload(client, huaihua["headers"], data, filename="代表名册.csv")
    assert response.status_code == 200 and response.json["created"] == 1, response.json
    imported = listed(client, huaihua["headers"])["13800000001"]
    assert (imported["name"], imported["group"]) == ("张伟", "第一小组")


def test_bad_rows_are_reported_by_row_and_column_and_the_good_rows_still_land(client, factory, huaihua):
    zhongfang = factory.region("中方县", "county", huaihua["hh"])
    factory.region("城关镇", "township", huaihua["hc"])
    factory.region("城关镇", "township", zhongfang)
    outsider = factory.deputy(huaihua["yl"], "长沙代表", phone="13700000009")
    data = xlsx([
        ["张伟", "市", "鹤城区", "13800000001", "城北联络站", "", "", ""],      # 3: good
        ["", "市", "鹤城区", "13800000002", "", "", "", ""],                    # 4: no name
        ["赵六", "部级", "鹤城区", "13800000003", "", "", "", ""],              # 5: bad level
        ["钱七", "市", "不存在区", "13800000004", "", "", "", ""],              # 6: unknown region
        ["孙八", "乡镇", "城关镇", "13800000005", "", "", "", ""],              # 7: ambiguous region
        ["周九", "乡镇", "中方县/城关镇", "13800000006", "", "", "", ""],       # 8: good
        ["吴十", "市", "鹤城区", "1380000", "", "", "", ""],                    # 9: bad phone
        ["郑一", "市", "鹤城区", "13800000007", "无此联络站", "", "", ""],      # 10: unknown station
        ["张伟", "市", "鹤城区", "138 0000 0001", "", "", "", ""],              # 11: phone repeats row 3
        ["冒名", "市", "鹤城区", "13700000009", "", "", "", ""],                # 12: another region's deputy
        ["陈二", "市", "岳麓区", "13800000008", "岳麓联络站", "", "", ""],      # 13: region and station out of scope
        ["", "", "", "", "", "", "", ""],                                        # 14: blank, skipped
        ["冯三", "市", "鹤城区", "13800000010", "", "", "1" * 5000, ""],       # 15: a term no int() reads
    ], title="怀化市人大代表名册")
    response = upload(client, huaihua["headers"], data)
    assert response.status_code == 200, response.json
    assert (response.json["created"], response.json["updated"]) == (2, 0)
    errors = response.json["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [
        (4, "姓名"), (5, "层级"), (6, "所属区域"), (7, "所属区域"), (9, "手机号"), (10, "联络站"),
        (11, "手机号"), (12, "手机号"), (13, "所属区域"), (13, "联络站"), (15, "届次"),
    ]
    messages = {(e["row"], e["field"]): e["message"] for e in errors}
    assert messages[(4, "姓名")] == "姓名不能为空。"
    assert "部级" in messages[(5, "层级")] and "全国、省、市、县（区）或乡镇" in messages[(5, "层级")]
    assert "找不到“不存在区”" in messages[(6, "所属区域")]
    assert "不唯一" in messages[(7, "所属区域")] and "湖南省/怀化市/鹤城区/城关镇" in messages[(7, "所属区域")]
    assert "11 位数字" in messages[(9, "手机号")]
    assert "找不到联络站“无此联络站”" in messages[(10, "联络站")]
    assert messages[(11, "手机号")] == "手机号与第 3 行重复。"
    assert messages[(12, "手机号")] == "该手机号已被登记，请联系上级管理员核实。"  # a deputy elsewhere: not whose

    deputies = listed(client, huaihua["headers"])
    assert set(deputies) == {"13800000001", "13800000006"}
    assert deputies["13800000006"]["region_id"] != huaihua["hc"].id
    db.session.expire_all()
    assert db.session.get(Deputy, outsider.id).name == "长沙代表"


def test_a_station_administrator_imports_the_deputies_received_at_their_station(client, factory, huaihua):
    """进家入站: the rows are at their station (by default their only one), in a region that contains
    it; deputies received elsewhere, a deputy's region, and the details of a deputy also received at
    other administrators' stations stay the region administrators'."""
    north, south = huaihua["north"], huaihua["south"]
    factory.deputy(huaihua["hc"], "南站代表", phone="13800000009", stations=[south])
    both = factory.deputy(huaihua["hc"], "两站代表", phone="13800000008", stations=[north, south])
    factory.deputy(huaihua["hc"], "北站代表", phone="13800000007", stations=[north])
    factory.deputy(huaihua["hc"], "北站老代表", phone="13800000006", stations=[north])
    headers = factory.headers_for_admin(factory.admin(stations=[north]))
    result = upload(client, headers, xlsx([
        ["张伟", "市", "怀化市", "13800000001", "", "", "", ""],
        ["李娜", "县", "鹤城区", "13800000002", "城北联络站", "第一小组", "", ""],
        ["王强", "县", "岳麓区", "13800000003", "城北联络站", "", "", ""],
        ["赵敏", "县", "鹤城区", "13800000004", "城南联络站", "", "", ""],
        ["南站代表", "县", "鹤城区", "13800000009", "城北联络站", "", "", ""],
        ["两站代表（改名）", "市", "鹤城区", "13800000008", "", "", "", ""],
        ["北站代表", "市", "怀化市", "13800000007", "", "", "", ""],
        ["北站老代表（改名）", "市", "鹤城区", "13800000006", "、", "", "", ""],
    ]))
    assert result.status_code == 200, result.json
    assert {key: result.json[key] for key in ("created", "updated", "unchanged")} == {"created": 2, "updated": 1, "unchanged": 0}
    assert [(e["row"], e["field"], e["message"]) for e in result.json["errors"]] == [
        (4, "所属区域", "“岳麓区”不是您所管联络站所在的区域或其上级区域。"),
        (5, "联络站", "在您管理的范围内找不到联络站“城南联络站”。"),
        (6, "手机号", "该手机号已被登记，请联系上级管理员核实。"),  # not whose, nor where
        (7, "手机号", "该代表还进驻您管理范围以外的联络站，修改其基本信息须由其所属区域的管理员办理。"),
        (8, "手机号", "联络站管理员不能修改代表的所属区域，请联系区域管理员。"),
    ]
    mine = listed(client, headers)
    assert {phone: (d["name"], d["region_id"]) for phone, d in mine.items()} == {
        "13800000001": ("张伟", huaihua["hh"].id), "13800000002": ("李娜", huaihua["hc"].id),
        "13800000008": ("两站代表", huaihua["hc"].id), "13800000007": ("北站代表", huaihua["hc"].id),
        "13800000006": ("北站老代表（改名）", huaihua["hc"].id),
    }
    assert all(d["qr_code"] for d in mine.values())
    db.session.expire_all()
    assert {s.name for s in db.session.get(Deputy, both.id).stations} == {"城北联络站", "城南联络站"}

    # With two stations, a row must say which.
    two = factory.headers_for_admin(factory.admin(stations=[north, south]))
    unsure = upload(client, two, xlsx([["孙丽", "县", "鹤城区", "13800000005", "", "", "", ""],
                                       ["钱进", "县", "鹤城区", "13800000011", "、", "", "", ""]]))
    assert [(e["row"], e["field"], e["message"]) for e in unsure.json["errors"]] == [
        (2, "联络站", "请填写代表进驻的联络站（须为您管理的联络站）。"),
        (3, "联络站", "请填写代表进驻的联络站（须为您管理的联络站）。")]
    assert unsure.json["created"] == 0


def test_a_nul_character_in_a_cell_is_dropped(client, huaihua):
    """A damaged export with a NUL past the first bytes (which would refuse the file as binary): the
    name is kept without it (PostgreSQL refused the whole file with a 400 and SQLite stored it)."""
    padding = [[f"代表{i}", "县", "鹤城区", f"138{i:08d}", "", "", "", ""] for i in range(100, 250)]
    data = csv_file(padding + [["坏\x00人", "县", "鹤城区", "13899999999", "", "", "", ""]])
    assert b"\x00" not in data[:4096] and b"\x00" in data
    result = upload(client, huaihua["headers"], data, filename="名册.csv")
    assert result.status_code == 200, result.json
    assert (result.json["created"], result.json["errors"]) == (151, [])
    assert db.session.scalar(select(Deputy.name).where(Deputy.phone == "13899999999")) == "坏人"


def test_citizens_and_strangers_may_not_import(client, factory, huaihua):
    data = xlsx([["张伟", "市", "鹤城区", "13800000001", "", "", "", ""]])
    citizen = factory.wechat_login("citizen")
    forbidden = upload(client, citizen, data)
    assert forbidden.status_code == 403
    assert forbidden.json["error"] == "forbidden"
    anonymous = upload(client, {}, data)
    assert anonymous.status_code == 401
    assert anonymous.json["error"] == "unauthorized"
    assert listed(client, huaihua["headers"]) == {}


@pytest.mark.parametrize("content", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,  # a legacy .xls
    "zip",
])
def test_a_file_that_is_no_spreadsheet_is_415_whatever_its_name(client, huaihua, content):
    if content == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("readme.txt", "not a workbook")
        content = buffer.getvalue()
    response = upload(client, huaihua["headers"], content, filename="代表名册.xlsx")
    assert response.status_code == 415
    assert response.json["error"] == "unsupported_media"
    assert ".xlsx" in response.json["message"]


def test_no_file_an_empty_file_or_a_missing_column_is_422_with_a_clear_message(client, huaihua):
    missing = client.post(URL, data={}, headers=huaihua["headers"], content_type="multipart/form-data")
    assert missing.status_code == 422
    assert missing.json["error"] == "validation_failed"
    assert "file" in missing.json["errors"]

    empty = upload(client, huaihua["headers"], b"", filename="代表名册.csv")
    assert empty.status_code == 422
    assert empty.json["message"] == "文件是空的，没有任何内容。"

    no_header = upload(client, huaihua["headers"], csv_file([["张伟", "市"]], header=["甲", "乙"]))
    assert no_header.status_code == 422
    assert "没有找到表头" in no_header.json["message"]

    no_phone = upload(client, huaihua["headers"], xlsx([["张伟", "市", "鹤城区"]], header=HEADER[:3]))
    assert no_phone.status_code == 422
    assert no_phone.json["message"] == "表头缺少必填列：手机号。"
    assert no_phone.json["errors"] == {"file": ["表头缺少必填列：手机号。"]}


def test_an_upload_over_the_size_limit_is_413_in_the_contract_format(app, client, huaihua):
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = upload(client, huaihua["headers"], b"x" * 4096, filename="代表名册.csv")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413
    assert response.json["error"] == "payload_too_large"
    assert response.json["message"]


def rewritten(data, changes=(), padded=None, padding=0):
    """``data`` (an .xlsx) changed as a crafted file (a zip bomb) is: each ``(member, before, after)`` of
    ``changes`` replaced (a member not there is added, holding ``after``), and ``padding`` blanks streamed
    into ``padded`` before its closing tag."""
    source = zipfile.ZipFile(io.BytesIO(data))
    contents = {info.filename: source.read(info.filename) for info in source.infolist()}
    for member, before, after in changes:
        contents[member] = contents[member].replace(before, after) if member in contents else after
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in contents.items():
            if member != padded:
                archive.writestr(member, content)
                continue
            head, tail = content.rsplit(b"</", 1)
            with archive.open(member, "w", force_zip64=True) as out:
                out.write(head)
                chunk = b" " * (1 << 20)
                for start in range(0, padding, len(chunk)):
                    out.write(chunk[:padding - start])
                out.write(b"</" + tail)
    return buffer.getvalue()


SHARED_STRINGS = [  # what Excel writes: the text of the cells once, in a part of its own
    ("xl/sharedStrings.xml", None,
     b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>x</t></si></sst>'),
    ("[Content_Types].xml", b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                         b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'),
]


@pytest.mark.parametrize("member, limit", [
    ("xl/sharedStrings.xml", importer.MAX_SHARED_STRINGS_BYTES),  # read into memory whole at opening
    ("xl/worksheets/sheet1.xml", importer.MAX_UNPACKED_BYTES),
], ids=["shared strings", "sheet"])
def test_a_workbook_that_unpacks_into_far_more_than_a_register_is_refused_unread(client, huaihua, member, limit):
    """A zip bomb: a few hundred KB uploaded, hundreds of MB once unpacked. Refused from the archive's own
    list of sizes, before anything is unpacked, in the contract's 413 with what to do."""
    data = rewritten(xlsx([["张伟", "市人大代表", "鹤城区", "13800000001"]]), SHARED_STRINGS, member, limit + 1)
    assert len(data) < 2 * 1024 * 1024
    response = upload(client, huaihua["headers"], data)
    assert response.status_code == 413, response.json
    assert response.json["error"] == "payload_too_large"
    assert response.json["message"] == (f"表格解压后的内容过大（超过 {limit // (1024 * 1024)} MB），不像是代表名册："
                                        "请只保留名册所在的工作表、删去多余的内容后另存，或拆分成几个文件后分批导入。")
    assert listed(client, huaihua["headers"]) == {}


def test_a_workbook_with_shared_strings_imports(client, huaihua):
    """The crafted files above are real workbooks short of their size: this one, unpadded, imports."""
    data = rewritten(xlsx([["张伟", "市人大代表", "鹤城区", "13800000001"]]), SHARED_STRINGS)
    assert upload(client, huaihua["headers"], data).json["created"] == 1


def test_a_sheet_whose_rows_run_past_excels_last_row_is_refused(client, huaihua):
    """A few KB naming row 1,048,577 and beyond would otherwise be read as a million empty rows and more."""
    last = importer.MAX_SHEET_ROWS + 1
    data = rewritten(xlsx([["张伟", "市人大代表", "鹤城区", "13800000001"]]), [(
        "xl/worksheets/sheet1.xml", b"</sheetData>", f'<row r="{last}"><c r="A{last}"><v>1</v></c></row></sheetData>'.encode())])
    response = upload(client, huaihua["headers"], data)
    assert response.status_code == 422
    assert response.json["message"] == (f"工作表超过 {importer.MAX_SHEET_ROWS} 行（Excel 的上限），文件可能已损坏："
                                        "请在 Excel 或 WPS 中打开后重新保存，再导入。")
    assert listed(client, huaihua["headers"]) == {}


def test_a_sheet_of_far_more_cells_than_a_register_is_refused(client, huaihua):
    """Every row reaching column ZZZ (18,278 cells each once read) in a file of a few hundred KB."""
    rows = "".join(f'<row r="{n}"><c r="ZZZ{n}"><v>1</v></c></row>' for n in range(3, 3000))
    data = rewritten(xlsx([["张伟", "市人大代表", "鹤城区", "13800000001"]]), [(
        "xl/worksheets/sheet1.xml", b"</sheetData>", f"{rows}</sheetData>".encode())])
    response = upload(client, huaihua["headers"], data)
    assert response.status_code == 422
    assert response.json["message"] == (f"工作表的单元格过多（超过 {importer.MAX_CELLS} 个），不像是代表名册："
                                        "请删去名册以外的行、列和内容后另存，或拆分成几个文件后分批导入。")
    assert listed(client, huaihua["headers"]) == {}


def test_operator_imports_from_the_command_line(app, client, factory, huaihua, tmp_path):
    path = tmp_path / "代表名册.xlsx"
    path.write_bytes(xlsx([
        ["张伟", "市", "长沙市/岳麓区", "13800000001", "岳麓联络站", "", "", ""],
        ["李娜", "县", "鹤城区", "1380000", "", "", "", ""],
    ]))
    result = app.test_cli_runner().invoke(args=["import-deputies", str(path)])
    # The good rows are imported; a script still learns that some were refused.
    assert result.exit_code == 2, result.output
    assert "新增 1 人，更新 0 人，未变化 0 人，有误 1 行。" in result.output
    assert "第 3 行【手机号】" in result.output

    super_admin = factory.admin(region=huaihua["root"])
    deputies = listed(client, factory.headers_for_admin(super_admin))
    assert deputies["13800000001"]["region_id"] == huaihua["yl"].id
    assert deputies["13800000001"]["qr_code"]


def test_a_command_line_import_without_mistakes_exits_0_and_help_tells_the_codes(app, huaihua, tmp_path):
    path = tmp_path / "代表名册.xlsx"
    path.write_bytes(xlsx([["张伟", "市", "鹤城区", "13800000001", "", "", "", ""]]))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-deputies", str(path)])
    assert result.exit_code == 0, result.output
    assert "有误 0 行。" in result.output
    assert "退出码 2" in runner.invoke(args=["import-deputies", "--help"]).output


def test_headers_as_registers_write_them_are_understood(client, huaihua):
    """代表姓名 and 联系电话 (often typed over two lines in the cell) head most registers; where a sheet
    also has a 手机号 column beside an office 联系电话, the 手机号 column is the one read."""
    data = xlsx([["张伟", "市", "鹤城区", "13800000001"]], header=["代表姓名", "层级", "所属区域", "联系\n电话"])
    response = upload(client, huaihua["headers"], data)
    assert response.status_code == 200, response.json
    assert response.json["created"] == 1
    assert listed(client, huaihua["headers"])["13800000001"]["name"] == "张伟"

    both = xlsx([["李娜", "县", "鹤城区", "0745-2222222", "13800000002"]],
                header=["姓名", "层级", "所属区域", "联系电话", "手机号"])
    response = upload(client, huaihua["headers"], both)
    assert (response.json["created"], response.json["errors"]) == (1, [])
    assert "13800000002" in listed(client, huaihua["headers"])


@pytest.mark.parametrize("separator, encoding", [(";", "utf-8-sig"), ("\t", "gb18030"), ("\t", "utf-16")])
def test_text_exports_separated_by_semicolons_or_tabs_import_alike(client, huaihua, separator, encoding):
    """Excel on a European locale separates CSV by semicolons; Excel's and WPS's "Unicode 文本" is
    UTF-16 separated by tabs, as is a register pasted from a spreadsheet into a text file."""
    lines = ["怀化市人大代表名册", "姓名,层级,所属区域,手机号,联络站", "张伟,市,鹤城区,13800000001,城北联络站、城南联络站"]
    data = "\r\n".join(line.replace(",", separator) for line in lines).encode(encoding)
    response = upload(client, huaihua["headers"], data, filename="代表名册.txt")
    assert response.status_code == 200, response.json
    assert (response.json["created"], response.json["errors"]) == (1, [])
    assert len(listed(client, huaihua["headers"])["13800000001"]["station_ids"]) == 2


def test_a_workbook_with_a_register_on_each_of_several_sheets_is_refused_naming_them(client, huaihua):
    """One sheet per county is how many registers are kept: reading only the first imported 1 of the
    file's deputies and said nothing of the rest. A 说明 sheet and a hidden list of levels are no
    registers and do not count."""
    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "说明"
    notes.append(["手机号必须填写"])
    for title, phone in (("鹤城区", "13800000001"), ("中方县", "13800000002")):
        sheet = workbook.create_sheet(title)
        sheet.append(HEADER[:4])
        sheet.append(["张伟", "市", "鹤城区", phone])
    hidden = workbook.create_sheet("旧名册")
    hidden.append(HEADER[:4])
    hidden.sheet_state = "hidden"
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = upload(client, huaihua["headers"], buffer.getvalue())
    assert response.status_code == 422
    assert response.json["message"] == (
        "工作簿中有 2 个工作表都是代表名册（鹤城区、中方县），一次只能导入一个工作表：请合并到一个工作表，"
        "或把每个工作表另存为单独的文件后逐个导入。")
    assert listed(client, huaihua["headers"]) == {}

    del workbook["中方县"]
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client, huaihua["headers"], buffer.getvalue())
    assert (response.status_code, response.json["created"]) == (200, 1)


def test_an_id_number_in_the_phone_column_is_never_echoed_back(client, huaihua):
    """Registers keep 身份证号 beside the phone; one pasted into the phone column is reported without
    repeating it (the report is shown, printed and passed around)."""
    data = xlsx([["张伟", "市", "鹤城区", "43012219900101123X", "430122199001011234"],
                 ["李娜", "市", "鹤城区", 430122199001011234, ""]], header=HEADER[:4] + ["身份证号"])
    response = upload(client, huaihua["headers"], data)
    assert response.status_code == 200
    assert [(e["row"], e["field"], e["message"]) for e in response.json["errors"]] == [
        (2, "手机号", "手机号一栏填的像是身份证号码，请填写代表的 11 位手机号。"),
        (3, "手机号", "手机号一栏填的像是身份证号码，请填写代表的 11 位手机号。"),
    ]
    assert "4301221990" not in response.get_data(as_text=True)


def test_an_old_excel_or_wps_workbook_is_refused_saying_how_to_save_it(client, huaihua):
    """.xls and WPS's .et are the same kind of file inside; renamed to .xlsx they are still refused."""
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    for filename in ("代表名册.et", "代表名册.xlsx"):
        response = upload(client, huaihua["headers"], ole, filename=filename)
        assert response.status_code == 415
        assert response.json["message"] == (
            "只支持 Excel 表格（.xlsx）或 CSV 文件；旧版 Excel（.xls）或 WPS 表格（.et）文件请打开后"
            "“另存为”Excel 工作簿（.xlsx）再导入。")


def test_an_upload_over_the_size_limit_says_the_limit_and_what_to_do(client, huaihua):
    response = upload(client, huaihua["headers"], b"x" * (20 * 1024 * 1024 + 1), filename="代表名册.csv")
    assert response.status_code == 413
    assert response.json["message"] == "上传的文件超过 20 MB 的上限，请拆分成几个文件后分批导入。"


def test_a_totals_row_a_signature_line_and_a_repeated_header_are_no_deputies(client, huaihua):
    """Registers kept in blocks repeat the header above each block and end in 合计 and 填表人 lines:
    each was reported as a row missing its 层级, 所属区域 and 手机号, on every import of the file."""
    data = xlsx([
        ["张伟", "市", "鹤城区", "13800000001"],
        [],
        HEADER[:4],
        ["李娜", "县", "鹤城区", "13800000002"],
        ["合计", "", "", ""],
        ["总计：2人"],
        ["填表人：王芳", "", "审核人：李强", ""],
        ["刘洋", "", "", ""],
    ], header=HEADER[:4], title="怀化市人大代表名册（2026年）")
    response = upload(client, huaihua["headers"], data)
    assert response.status_code == 200, response.json
    assert response.json["created"] == 2
    assert [(e["row"], e["field"]) for e in response.json["errors"]] == [(10, "层级"), (10, "所属区域"), (10, "手机号")]


def test_a_workbook_with_an_opening_password_is_refused_asking_to_remove_it(client, huaihua):
    """Registers hold personal data and are often saved with a password; Excel and WPS then write an
    encrypted container (the stream EncryptedPackage) that looks like an old .xls from outside, and the
    staff member was told to save the .xlsx they had as .xlsx."""
    encrypted = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024 + "EncryptedPackage".encode("utf-16-le")
    response = upload(client, huaihua["headers"], encrypted)
    assert response.status_code == 415
    assert response.json["message"] == "文件设置了打开密码，无法读取：请在 Excel 或 WPS 中打开，取消打开密码后保存，再导入。"


def test_a_column_is_the_deputy_in_office_answered_yes_or_no_retires_those_who_left(client, huaihua):
    """A register's 是否在任 column (是/否) was passed over: a deputy marked 否 got a live code to print."""
    data = xlsx([["张伟", "市", "鹤城区", "13800000001", "是"], ["李娜", "市", "鹤城区", "13800000002", "否"]],
                header=HEADER[:4] + ["是否在任"])
    response = upload(client, huaihua["headers"], data)
    assert (response.json["created"], response.json["errors"]) == (2, [])
    deputies = listed(client, huaihua["headers"])
    assert (deputies["13800000001"]["active"], deputies["13800000002"]["active"]) == (True, False)
    assert deputies["13800000002"]["qr_code"] is None


def test_a_sheet_of_new_changed_unchanged_departing_and_wrong_rows_lands_row_by_row(client, factory, huaihua):
    """The register as it comes back a year on: most deputies as they were, some changed, some gone, a few
    new, a few rows wrong. Each known deputy changes only where the sheet says something else; blank cells
    keep what the base holds; links to stations outside the importer's scope stay; who leaves office loses
    their code and their place on the leaderboard, who comes back gets a new code."""
    north, south, hc, hh = huaihua["north"], huaihua["south"], huaihua["hc"], huaihua["hh"]
    yuelu = db.session.scalar(select(Station).where(Station.name == "岳麓联络站"))
    kept = factory.deputy(hc, "张伟", phone="13800000001", stations=[north], group="第一小组", term=17)
    changed = factory.deputy(hc, "李娜", phone="13800000002", level="county", stations=[north], group="老小组", term=16)
    shared = factory.deputy(hc, "王强", phone="13800000003", stations=[north, yuelu])
    leaving = factory.deputy(hc, "赵敏", phone="13800000004", stations=[north])
    returning = factory.deputy(hc, "钱进", phone="13800000005", active=False)
    outsider = factory.deputy(huaihua["yl"], "长沙代表", phone="13700000009")
    ledger.credit(leaving.id, "suggestion_closed", "suggestion", 1, "测试积分")
    ledger.credit(kept.id, "suggestion_closed", "suggestion", 2, "测试积分")
    db.session.commit()
    board = client.get(f"/api/v1/leaderboard?region_id={hh.id}").json  # those in office without a point at 0
    assert {(r["deputy"]["name"], r["points"]) for r in board} == {("张伟", 3), ("赵敏", 3), ("李娜", 0), ("王强", 0)}
    codes = {d.phone: d.qr_code for d in (kept, changed, shared, leaving)}
    assert returning.qr_code is None

    response = upload(client, huaihua["headers"], xlsx([
        ["张伟", "市", "鹤城区", "13800000001", "城北联络站", "第一小组", "17", "在任"],  # 2: as it was
        ["李娜", "市", "怀化市", "13800000002", "城南联络站", "", "", ""],              # 3: level, region, station
        ["王强", "市", "鹤城区", "13800000003", "城南联络站", "", "", ""],              # 4: station within scope
        ["赵敏", "市", "鹤城区", "13800000004", "", "", "", "离任"],                   # 5: leaves office
        ["钱进", "市", "鹤城区", "13800000005", "", "", "", "在任"],                   # 6: back in office
        ["孙丽", "县", "鹤城区", "13800000011", "城北联络站、城南联络站", "第二小组", "17", ""],  # 7: new
        ["周杰", "县", "鹤城区", "13800000012", "", "", "", "离任"],                   # 8: new, out of office
        ["吴刚", "部级", "鹤城区", "13800000013", "", "", "", ""],                     # 9: bad level
        ["李娜", "市", "鹤城区", "13800000002", "", "", "", ""],                       # 10: phone repeats row 3
        ["冒名", "市", "鹤城区", "13700000009", "", "", "", ""],                       # 11: another region's deputy
    ]))
    assert response.status_code == 200, response.json
    assert {key: response.json[key] for key in ("created", "updated", "unchanged")} == {
        "created": 2, "updated": 4, "unchanged": 1}
    assert [(e["row"], e["field"]) for e in response.json["errors"]] == [(9, "层级"), (10, "手机号"), (11, "手机号")]

    super_admin = factory.headers_for_admin(factory.admin(region=huaihua["root"]))
    deputies = listed(client, super_admin)
    assert len(deputies) == 8
    as_was = deputies["13800000001"]
    assert (as_was["id"], as_was["name"], as_was["level"], as_was["group"], as_was["term"]) == (
        kept.id, "张伟", "city", "第一小组", 17)
    assert (as_was["station_ids"], as_was["qr_code"]) == ([north.id], codes["13800000001"])
    li = deputies["13800000002"]
    assert (li["id"], li["level"], li["region_id"], li["station_ids"]) == (changed.id, "city", hh.id, [south.id])
    assert (li["group"], li["term"], li["active"], li["qr_code"]) == ("老小组", 16, True, codes["13800000002"])
    assert deputies["13800000003"]["station_ids"] == sorted([south.id, yuelu.id])
    assert deputies["13800000004"]["station_ids"] == [north.id]
    assert (deputies["13800000004"]["active"], deputies["13800000004"]["qr_code"]) == (False, None)
    assert client.get(f"/api/v1/qr/{codes['13800000004']}").status_code == 410
    back = deputies["13800000005"]
    assert back["active"] is True
    assert client.get(f"/api/v1/qr/{back['qr_code']}").json["target"]["name"] == "钱进"
    new = deputies["13800000011"]
    assert (new["name"], new["level"], new["region_id"], new["group"], new["term"], new["active"]) == (
        "孙丽", "county", hc.id, "第二小组", 17, True)
    assert new["station_ids"] == sorted([north.id, south.id])
    assert client.get(f"/api/v1/qr/{new['qr_code']}").json["target"]["name"] == "孙丽"
    assert (deputies["13800000012"]["active"], deputies["13800000012"]["qr_code"]) == (False, None)
    assert deputies["13700000009"]["name"] == "长沙代表" and deputies["13700000009"]["id"] == outsider.id
    assert "13800000013" not in deputies
    board = client.get(f"/api/v1/leaderboard?region_id={hh.id}").json
    assert [r["deputy"]["name"] for r in board if r["points"]] == ["张伟"]
    assert "赵敏" not in {r["deputy"]["name"] for r in board} and {"钱进", "孙丽"} <= {r["deputy"]["name"] for r in board}

    # The same sheet again changes nothing and issues no code.
    again = upload(client, huaihua["headers"], xlsx([
        ["张伟", "市", "鹤城区", "13800000001", "城北联络站", "第一小组", "17", "在任"],
        ["李娜", "市", "怀化市", "13800000002", "城南联络站", "", "", ""],
        ["孙丽", "县", "鹤城区", "13800000011", "城北联络站、城南联络站", "第二小组", "17", ""],
        ["周杰", "县", "鹤城区", "13800000012", "", "", "", "离任"],
    ]))
    assert {key: again.json[key] for key in ("created", "updated", "unchanged")} == {
        "created": 0, "updated": 0, "unchanged": 4}
    assert listed(client, super_admin) == deputies


def test_an_import_that_meets_a_concurrent_change_keeps_nothing(app, client, huaihua):
    """Another administrator registers the sheet's last phone number after the import looked it up, just
    before the import writes that row: the whole import is refused, and none of its rows stay, not even
    those written before it met the number."""
    rows = [[f"代表{i}", "县", "鹤城区", f"138{i:08d}", "城北联络站", "", "", ""] for i in range(3000)]
    data = csv_file(rows)

    def register_first_row_meanwhile(conn, cursor, statement, parameters, context, executemany):
        if (statement.lstrip().upper().startswith("INSERT INTO DEPUTIES") and "13800002999" in str(parameters)
                and not conn.info.get("raced")):
            conn.info["raced"] = True
            active = "true" if conn.dialect.name == "postgresql" else "1"
            cursor.execute(
                "INSERT INTO deputies (name, level, region_id, group_name, phone, active, bio, created_dt, updated_dt) "
                f"VALUES ('同时登记', 'county', {huaihua['hc'].id}, '', '13800002999', {active}, '', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")

    engine = db.engine
    event.listen(engine, "before_cursor_execute", register_first_row_meanwhile)
    try:
        response = upload(client, huaihua["headers"], data, filename="代表名册.csv")
    finally:
        event.remove(engine, "before_cursor_execute", register_first_row_meanwhile)
    assert response.status_code == 409, response.json
    assert response.json["message"] == "导入期间代表信息被他人同时修改，本次导入未生效，请重新导入。"
    assert listed(client, huaihua["headers"]) == {}
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Deputy)) == 0
    assert db.session.scalar(select(func.count()).select_from(QRCode).where(QRCode.target_kind == "deputy")) == 0
