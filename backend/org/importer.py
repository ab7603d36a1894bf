"""Importing the deputy base (代表信息库) from the spreadsheets congress staff already keep.

An upload is an .xlsx workbook or a CSV export (UTF-8, or GB18030 as a Chinese Excel writes it).
Rows are matched to deputies by mobile number: a known number updates that deputy where the sheet
differs, an unknown one creates a deputy with a printed code (or, when the row names a deputy registered
without a phone, same name and region, gives them the number). Cells are read as the clerk sees them:
merged cells fill the rows under them, hidden rows are skipped, invisible characters are dropped. Every bad row is reported with its
spreadsheet row number and the column at fault, and never stops the good rows.

Like every service this writes and never commits: the request handler (or the CLI command) commits
once, so the good rows land together. Everything the rows refer to (regions, stations) is loaded up
front, and the deputies the rows name are looked up and written a few thousand rows at a time in
set-based statements, so a province's 50,000 rows cost about 150 queries, not tens of thousands
(``bench/import_deputies.py``).
"""
import csv
import io
import re
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from xml.parsers import expat

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, range_boundaries
from flask import current_app
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload, selectinload

from ..auth.scope import administered_stations, manages_deputy, owns_deputy, region_subtree_clause
from ..audit.log import record
from ..auth.services import allow_rebinding
from ..db_types import utcnow
from ..errors import APIError, conflict, validation_failed
from ..extensions import db
from ..spreadsheets import cell, cell_value
from . import services
from .models import Deputy, DeputyLevel, Region, Station, station_deputies

MAX_ROWS = 50_000  # a whole province's deputies of all five levels fit; a runaway sheet does not
# A crafted .xlsx (a zip bomb) unpacks a small upload into gigabytes, and a few KB of XML can name row
# 1,000,000,000 or column ZZZ on every row, which openpyxl fills in as empty cells: bounded before reading.
# A province's register (50,000 rows) unpacks to about 25 MB, its shared strings to under 10 MB.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # the archive's members, unpacked
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024  # openpyxl reads these into memory whole, at opening
MAX_SHEET_ROWS = 1_048_576  # Excel's last row
MAX_CELLS = 5_000_000  # cells of one sheet as read (each row as wide as its last cell)
HEADER_SEARCH_ROWS = 20  # a title row or two ("XX市人大代表名册") may stand above the header
WRITE_CHUNK = 2000  # rows looked up and written per round of set-based statements (and per step of the CLI's bar)
CSV_SEPARATORS = (",", ";", "\t")
QUERY_CHUNK = 2000  # bound parameters per IN (...) query
MERGED_COLUMNS = 100  # merged cells are filled in this many columns from the left: a register's, with room
MAX_MERGES = 200_000  # merged cells spanning rows: a 50,000-row register merged in four columns fits
EXCEL_CELL_CHARS = 32_767  # the most text Excel lets a cell hold
MAX_HIDDEN_ROWS = 2 * MAX_ROWS  # rows hidden by a filter, skipped (and counted) beside those imported
# The refusal of a phone that is a deputy's the importer does not work with (org.services says the same).
OUTSIDE_PHONE_TAKEN = "该手机号已被登记，请联系上级管理员核实。"


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese column name, also the ``field`` of a row error
    required: bool
    limit: int  # characters a cell may hold: a longer one is a mistake (a column pasted out of place)


COLUMNS = (
    Column("name", "姓名", True, 50),
    Column("level", "层级", True, 30),
    Column("region", "所属区域", True, 100),
    Column("phone", "手机号", True, 30),
    Column("stations", "联络站", False, 500),
    Column("group", "代表小组", False, 100),
    Column("term", "届次", False, 20),
    Column("active", "状态", False, 10),
)
# A cell is read this far at most (past every column's limit): a crafted cell of millions of characters
# is neither cleaned nor matched whole, and a wrong value is quoted by its start only (``_quote``).
MAX_CELL_TEXT = 1000
QUOTED_CHARS = 20
# The downloadable template (下载导入模板): its example row's 姓名 starts with this mark and is skipped on
# import (a clerk who types their rows under it need not delete it), and its notes sheet is never read.
EXAMPLE_MARK = "示例："
INSTRUCTIONS_SHEET = "填写说明"
LEVELS_TEXT = "全国、省、市、县（区）或乡镇"
COLUMN_NOTES = {
    "姓名": "代表姓名，不超过 50 个字。",
    "层级": f"{LEVELS_TEXT}；也可写“省级”“县级人大代表”等。",
    # {region}: the administrator's own region (``template``), so the example is the deployment's own place.
    "所属区域": "代表所属的区域名称，如“{region}”；重名时连同上级一起写，如“某某市/某某区”。须在您的管理范围内。",
    "手机号": "代表本人的 11 位手机号，按手机号匹配：已有的代表更新信息，新的手机号新增代表"
              "（系统中同一区域已有未登记手机号的同名代表时，为其补填手机号）。"
              "这一列已设为“文本”格式，以免 Excel 显示成科学计数法；从别处粘贴时请选择“只粘贴文本”。",
    "联络站": "代表进驻的联络站名称，多个用顿号（、）分隔；不填则不改变已有代表进驻的联络站。",
    "代表小组": "所在代表小组名称，不超过 100 个字。",
    "届次": "1 到 99 的数字，如“17”或“第十七届”。",
    "状态": "“在任”或“离任”；新增代表不填即为在任。",
}
_TEMPLATE_WIDTHS = {"姓名": 14, "层级": 12, "所属区域": 20, "手机号": 16, "联络站": 24, "代表小组": 18, "届次": 12, "状态": 10}
_COLUMN_ORDER = {c.header: i for i, c in enumerate(COLUMNS)}
# Other names the same columns go by in the sheets people keep. A column under its own name wins over
# one under another name: a register may have an office 联系电话 beside the 手机号.
_HEADER_ALIASES = {
    "代表姓名": "姓名",
    "手机": "手机号", "手机号码": "手机号", "移动电话": "手机号", "联系电话": "手机号", "联系方式": "手机号",
    "级别": "层级", "代表层级": "层级", "代表级别": "层级",
    "区域": "所属区域", "所在区域": "所属区域", "所属地区": "所属区域",
    "所属联络站": "联络站", "联络站(点)": "联络站", "联络站点": "联络站",
    "小组": "代表小组", "所在代表小组": "代表小组",
    "届别": "届次", "届": "届次",
    "在任状态": "状态", "履职状态": "状态", "是否在任": "状态",
}


@dataclass(frozen=True)
class Layout:
    """What a kind of register looks like to the reader: its columns (the first one names each row and finds
    the header), the other names they go by, and the words its messages use. The deputy register's is
    ``DEPUTIES``; ``station_importer.STATIONS`` reads the liaison stations' list with the same machinery."""

    columns: tuple
    aliases: dict
    register: str  # what the file is, in messages: 代表名册
    entry: str  # what one row is: 代表
    measure: str  # its measure word: 一位代表
    unit: str  # what rows are counted in: 新增 3 人
    footer_key: str  # a column a totals or signature line leaves blank (and a real row never does)

    @property
    def key_header(self):
        return self.columns[0].header

    @property
    def key_by_header(self):
        return {c.header: c.key for c in self.columns}


DEPUTIES = Layout(COLUMNS, _HEADER_ALIASES, register="代表名册", entry="代表", measure="位", unit="人", footer_key="phone")

_UNSUPPORTED = ("只支持 Excel 表格（.xlsx）或 CSV 文件；旧版 Excel（.xls）或 WPS 表格（.et）文件请打开后"
                "“另存为”Excel 工作簿（.xlsx）再导入。")
_UNKNOWN_ENCODING = "无法识别 CSV 文件的编码，请另存为“CSV UTF-8”或 .xlsx 后再导入。"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls, WPS .et, and a password-protected .xlsx
_BINARY_MAGIC = (_OLE_MAGIC, b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"Rar!", b"\x1f\x8b", b"7z\xbc\xaf")


def _unsupported(message=_UNSUPPORTED):
    return APIError(415, "unsupported_media", message)


def too_large():
    """An upload over MAX_CONTENT_LENGTH: the limit, and what to do about it."""
    limit = current_app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024)
    return APIError(413, "payload_too_large", f"上传的文件超过 {limit:g} MB 的上限，请拆分成几个文件后分批导入。")


def _bad_file(message):
    return validation_failed({"file": [message]}, message)


# --- reading the file ------------------------------------------------------------------------


@dataclass
class Sheet:
    """The data rows of an upload and where each column is; row numbers are the spreadsheet's."""

    columns: dict  # column key → index in a row
    rows: list  # [(row number, cell values)]
    examples: int = 0  # the template's example rows, skipped
    hidden: list = field(default_factory=list)  # the numbers of data rows hidden in the sheet, skipped

    def __len__(self):
        return len(self.rows)


def read_sheet(data: bytes, layout: Layout = DEPUTIES) -> Sheet:
    """Parse an upload by its content (not its name): .xlsx is a zip archive, anything else must be CSV text."""
    if not data or not data.strip():
        raise _bad_file("文件是空的，没有任何内容。")
    if data.startswith(b"PK\x03\x04"):
        sheet = _read_xlsx(data, layout)
    elif data.startswith(_OLE_MAGIC) and "EncryptedPackage".encode("utf-16-le") in data:
        # A workbook saved with an opening password is an encrypted package in an old-style container.
        raise _unsupported("文件设置了打开密码，无法读取：请在 Excel 或 WPS 中打开，取消打开密码后保存，再导入。")
    elif data.startswith(_BINARY_MAGIC):
        raise _unsupported()
    else:
        text = _decode(data)
        # Commas, or semicolons (Excel on a European locale), or tabs ("Unicode 文本", a pasted register):
        # the separator is the one that splits out a header.
        sheets = (_sheet_from(_csv_rows(text, separator), layout) for separator in CSV_SEPARATORS)
        sheet = next((sheet for sheet in sheets if sheet is not None), None)
    if sheet is None:
        _no_header(layout)
    if not sheet.rows and sheet.examples:
        raise _bad_file(f"表格中只有模板的示例行：请在示例行下面逐行填写{layout.entry}信息后再导入（示例行不会导入）。")
    if not sheet.rows and sheet.hidden:
        raise _bad_file(f"表头下面的 {len(sheet.hidden)} 行在表格中都被隐藏了（筛选或手动隐藏），没有可导入的行："
                        "请取消隐藏后重新导入。")
    if not sheet.rows:
        raise _bad_file(f"表头下面没有{layout.entry}数据。")
    return sheet


def _read_xlsx(data, layout):
    """The one sheet holding a register; a workbook with one on several sheets is refused, naming them
    (one sheet per county is common, and importing the first alone would pass over the others unsaid)."""
    _refuse_unpacking_too_much(data, layout)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a zip that is not a workbook (.docx, .zip, damaged) fails anywhere inside openpyxl
        raise _unsupported(_not_a_workbook(data)) from exc
    try:
        # The sheet that opens first, then the others (a "说明" tab may come first); hidden sheets (an
        # old copy, the lists behind a drop-down) are read only when no visible sheet holds a register.
        sheets = sorted(workbook.worksheets, key=lambda w: (w.sheet_state != "visible", w is not workbook.active))
        found = {}
        for worksheet in sheets:
            if found and worksheet.sheet_state != "visible":
                break
            if worksheet.title == INSTRUCTIONS_SHEET:  # the template's notes name every column
                continue
            worksheet.reset_dimensions()  # the stored dimension is often wrong in generated files
            merges, hidden = _sheet_layout(worksheet)
            sheet = _sheet_from(_fill_merged(_xlsx_rows(worksheet, layout), merges), layout, hidden)
            if sheet is not None and (sheet.rows or not found):
                found[worksheet.title] = sheet
    finally:
        workbook.close()
    registers = [title for title, sheet in found.items() if sheet.rows]
    if len(registers) > 1:
        message = (f"工作簿中有 {len(registers)} 个工作表都是{layout.register}（{'、'.join(registers)}），一次只能导入一个工作表："
                   "请合并到一个工作表，或把每个工作表另存为单独的文件后逐个导入。")
        raise _bad_file(message)
    return found[registers[0]] if registers else next(iter(found.values()), None)


def _refuse_unpacking_too_much(data, layout):
    """413 when the archive's own list of sizes adds up to far more than a register: nothing unpacked
    yet (a member is never unpacked past the size listed: one that lies is read as damaged)."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # not a readable archive: openpyxl says it is damaged
    strings = sum(m.file_size for m in members if m.filename.lower().endswith("sharedstrings.xml"))
    total = sum(m.file_size for m in members)
    for size, limit in ((strings, MAX_SHARED_STRINGS_BYTES), (total, MAX_UNPACKED_BYTES)):
        if size > limit:
            raise APIError(413, "payload_too_large",
                           f"表格解压后的内容过大（超过 {limit // (1024 * 1024)} MB），不像是{layout.register}："
                           "请只保留名册所在的工作表、删去多余的内容后另存，或拆分成几个文件后分批导入。")


def _xlsx_rows(worksheet, layout):
    cells = 0
    try:
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            cells += len(values)
            if number > MAX_SHEET_ROWS:
                raise _bad_file(f"工作表超过 {MAX_SHEET_ROWS} 行（Excel 的上限），文件可能已损坏："
                                "请在 Excel 或 WPS 中打开后重新保存，再导入。")
            if cells > MAX_CELLS:
                raise _bad_file(f"工作表的单元格过多（超过 {MAX_CELLS} 个），不像是{layout.register}："
                                "请删去名册以外的行、列和内容后另存，或拆分成几个文件后分批导入。")
            yield number, values
    except APIError:
        raise
    except Exception as exc:  # damaged XML inside the archive
        raise _unsupported("Excel 表格内容已损坏，无法读取；请重新导出后再导入。") from exc


def _not_a_workbook(data):
    """Why a zip archive openpyxl could not read is refused: another spreadsheet format (WPS and LibreOffice
    save .ods, Excel .xlsb) is to be saved as .xlsx, not re-exported as if damaged."""
    kind = None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.bin" in names:
                kind = "Excel 二进制工作簿（.xlsb）"
            elif "mimetype" in names and archive.getinfo("mimetype").file_size < 100 and (
                    archive.read("mimetype").strip() == b"application/vnd.oasis.opendocument.spreadsheet"):
                kind = "OpenDocument 表格（.ods）"
    except Exception:  # damaged (or a member encrypted): said so below
        pass
    if kind:
        return f"这是{kind}文件，无法直接导入：请在 Excel 或 WPS 中打开，“另存为”Excel 工作簿（.xlsx）后再导入。"
    return "文件不是有效的 Excel 表格（.xlsx），可能已损坏；请重新导出后再导入。"


def _sheet_layout(worksheet):
    """(merged cells spanning rows as [(first row, last row, column index)], the numbers of hidden rows):
    read-only mode (which keeps a 50,000-row register to a few MB; loading it whole costs some KB per row)
    reads neither ``<mergeCells>`` nor rows' ``hidden``, so the sheet's XML is scanned for them once more,
    by expat, building nothing, before openpyxl reads its rows. Merges beyond the columns a register spans
    are passed over (filling them would widen every row). A cell of more text than Excel lets a cell hold
    refuses the file here, unread: no spreadsheet program wrote it, and openpyxl would hold it whole (a
    200 KB upload of one cell of 200,000,000 characters took half a gigabyte)."""
    merges = []
    hidden = set()
    row_number = 0
    length = 0  # characters of the cell's text (or formula, or value) so far

    def text(chunk):
        nonlocal length
        length += len(chunk)
        if length > EXCEL_CELL_CHARS:
            raise _bad_file(f"表格中有单元格超过 {EXCEL_CELL_CHARS} 个字符（Excel 单元格的上限），文件可能已损坏或被改动过："
                            "请在 Excel 或 WPS 中打开、检查后重新保存，再导入。")

    def start(name, attributes):
        nonlocal row_number, length
        tag = name.rpartition(" ")[2]
        if tag in ("c", "f", "v"):  # a cell (its inline text), its formula, its value: each counted on its own
            length = 0
            return
        if tag == "row":
            row_number = int(attributes["r"]) if attributes.get("r", "").isdigit() else row_number + 1
            if attributes.get("hidden") in ("1", "true"):
                if len(hidden) >= MAX_HIDDEN_ROWS:
                    raise _bad_file(f"工作表中隐藏的行过多（超过 {MAX_HIDDEN_ROWS} 行）：请删去不导入的行，"
                                    "或取消隐藏后另存，再导入。")
                hidden.add(row_number)
            return
        if tag != "mergeCell" or "ref" not in attributes:
            return
        try:
            first_column, first_row, _, last_row = range_boundaries(attributes["ref"])
        except (ValueError, TypeError):
            return  # a damaged reference merges nothing
        if None in (first_column, first_row, last_row) or last_row <= first_row or first_column > MERGED_COLUMNS:
            return
        if len(merges) >= MAX_MERGES:
            raise _bad_file(f"工作表中的合并单元格过多（超过 {MAX_MERGES} 个）：请取消合并后另存，再导入。")
        merges.append((first_row, last_row, first_column - 1))

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler, parser.CharacterDataHandler = start, text
    try:
        with worksheet._get_source() as source:  # the member of the archive openpyxl reads the sheet from
            parser.ParseFile(source)
    except APIError:
        raise
    except Exception as exc:  # damaged XML: the rows themselves would fail alike
        raise _unsupported("Excel 表格内容已损坏，无法读取；请重新导出后再导入。") from exc
    return sorted(merges), hidden


def _fill_merged(rows, merges):
    """Rows as the clerk sees them: every row of a merged cell holds its value (a register groups its
    deputies under one merged 联络站 or 所属区域 cell, and the file keeps the value in the first row only).
    A merge is filled down its first column, where the value stands: one spanning 联络站 and 代表小组 is a
    联络站 drawn wide, not a 代表小组 too. One merge per column at a time (merges never overlap in Excel)."""
    if not merges:
        yield from rows
        return
    pending = iter(merges)
    upcoming = next(pending, None)
    active = {}  # column index → (last row, value)
    for number, values in rows:
        started = {}
        while upcoming is not None and upcoming[0] <= number:
            first_row, last_row, column = upcoming
            if first_row == number:
                started[column] = last_row
            upcoming = next(pending, None)
        for column in [c for c, (last_row, _) in active.items() if last_row < number or c in started]:
            del active[column]
        if active:
            values = list(values)
            values.extend([None] * (max(active) + 1 - len(values)))
            for column, (_, value) in active.items():
                values[column] = value
        for column, last_row in started.items():
            active[column] = (last_row, values[column] if column < len(values) else None)
        yield number, values


def _decode(data):
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # "Unicode 文本" from Excel or WPS
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _unsupported(_UNKNOWN_ENCODING) from exc
    if b"\x00" in data[:4096]:
        raise _unsupported()
    # Excel saves "CSV UTF-8" with a BOM and plain "CSV" in the system code page (GBK on Chinese Windows).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _unsupported(_UNKNOWN_ENCODING)


def _csv_rows(text, separator):
    try:
        yield from enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=separator), start=1)
    except csv.Error as exc:  # a NUL byte or a runaway quoted field
        raise _bad_file("CSV 文件格式不正确，无法读取；请在 Excel 中重新导出后再导入。") from exc


def _no_header(layout):
    columns = "、".join(c.header for c in layout.columns if c.required)
    raise _bad_file(f"没有找到表头：表格第一行应为列名，至少包括{columns}。")


def _header_name(value, layout):
    """(column name, whether the header wrote it under another name)."""
    name = re.sub(r"[\s*]|\((必填|选填|可选|非必填)\)", "", _norm(_text(value)))
    return layout.aliases.get(name, name), name in layout.aliases


def _sheet_from(rows, layout, hidden=frozenset()):
    """The header and data rows of one sheet, or None when no header shows in its first rows. Rows
    ``hidden`` in the sheet (filtered out: 离任, another county's) are skipped, as the clerk does not see
    them, and listed."""
    names = None
    for number, values in rows:
        candidate = [_header_name(v, layout) for v in values]
        if any(name == layout.key_header for name, _ in candidate):
            names = candidate
            break
        if number >= HEADER_SEARCH_ROWS:
            return None
    if names is None:
        return None
    missing = [c.header for c in layout.columns if c.required and c.header not in {name for name, _ in names}]
    if missing:
        raise _bad_file(f"表头缺少必填列：{'、'.join(missing)}。")
    columns = {}
    key_by_header = layout.key_by_header
    for index, (name, alias) in sorted(enumerate(names), key=lambda item: item[1][1]):
        key = key_by_header.get(name)
        if key is not None and key not in columns:
            columns[key] = index
    data = []
    examples = 0
    skipped = []
    for number, values in rows:
        if all(_text(v) == "" for v in values) or _not_an_entry(values, columns, layout):
            continue
        if number in hidden:
            skipped.append(number)
            continue
        if _is_example(values, columns):
            examples += 1
            continue
        if len(data) >= MAX_ROWS:
            raise _bad_file(f"一个文件最多导入 {MAX_ROWS} 行，请拆分后分批导入。")
        data.append((number, values))
    return Sheet(columns, data, examples, skipped)


def _is_example(values, columns):
    """The template's example row: its 姓名 starts with 示例： (or 示例:)."""
    index = columns["name"]
    return index < len(values) and _norm(_text(values[index])).startswith(_norm(EXAMPLE_MARK))


_FOOTER = re.compile(r"(合计|总计|小计|共计|填表人|制表人|审核人|填报人|填表日期|制表日期)")


def _not_an_entry(values, columns, layout):
    """The header again above a block of the register, or a totals or signature line (合计, 填表人：…)
    with nothing in the layout's ``footer_key`` column (a deputy's phone): registers are printed and signed, and
    reporting these lines as rows missing their 层级 and 手机号 on every import would bury the real mistakes."""
    def cell(key):
        index = columns.get(key)
        return values[index] if index is not None and index < len(values) else None

    if _header_name(cell("name"), layout)[0] == layout.key_header:
        return True
    first = next((text for text in map(_text, values) if text), "")
    return not _text(cell(layout.footer_key)) and _FOOTER.match(_norm(first)) is not None


# --- cell values -----------------------------------------------------------------------------


def _text(value):
    """A cell as trimmed text; Excel keeps numbers such as phone numbers as floats (13800000001.0).
    Control characters (NUL from a damaged export, a vertical tab from a cell's line break) are dropped:
    no database stores NUL, and a name holding one would fail every spreadsheet it is exported to."""
    if value is None:
        return ""
    if isinstance(value, bool):  # an Excel TRUE/FALSE (a 是否在任 column of them, WPS check boxes)
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _INVISIBLE.sub("", str(value)[:MAX_CELL_TEXT]).replace("\xa0", " ")
    return cell_value(text).strip()


# Characters that show nothing: zero-width spaces and joiners, direction marks and embeddings (a number
# copied from WeChat or a phone's contacts comes wrapped in U+202D…U+202C), word joiners, a BOM, a soft
# hyphen. A cell holding one looks right and matches nothing, and the message quoting it looks right too.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def _quote(text):
    """A cell's value as a row's message quotes it: its first characters (the message is shown, saved
    and passed around; the whole of a long cell helps no one find the mistake)."""
    return text if len(text) <= QUOTED_CHARS else text[:QUOTED_CHARS] + "…"


def _norm(text):
    """Full-width letters, digits and punctuation (（）／，：１３８) as their ASCII forms, for matching."""
    return unicodedata.normalize("NFKC", text).strip()


_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


_FULL_WIDTH_ALNUM = {code: code - 0xFEE0 for start, end in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
                     for code in range(start, end + 1)}


def _clean_name(text):
    # Registers pad two-character names to line up with three-character ones ("王  芳"); full-width
    # digits and letters (张伟２) are kept as the ASCII ones the console and the mini-program type.
    return _CJK_GAP.sub("", text).translate(_FULL_WIDTH_ALNUM)


_LEVEL_WORDS = {
    "全国": DeputyLevel.national, "国家": DeputyLevel.national,
    "省": DeputyLevel.provincial, "自治区": DeputyLevel.provincial,
    "市": DeputyLevel.city, "地市": DeputyLevel.city, "地级市": DeputyLevel.city, "设区的市": DeputyLevel.city,
    "州": DeputyLevel.city, "自治州": DeputyLevel.city,
    "县": DeputyLevel.county, "区": DeputyLevel.county, "县区": DeputyLevel.county, "县市区": DeputyLevel.county,
    "县级市": DeputyLevel.county, "市辖区": DeputyLevel.county, "旗": DeputyLevel.county,
    "乡": DeputyLevel.township, "镇": DeputyLevel.township, "乡镇": DeputyLevel.township,
    "街道": DeputyLevel.township, "乡镇街道": DeputyLevel.township, "民族乡": DeputyLevel.township,
}


def parse_level(text):
    """全国人大代表 / 省级 / 市 / 县（区） / 街道 … → a DeputyLevel, or None."""
    word = re.sub(r"[\s()]", "", _norm(text)).lower()
    if word in DeputyLevel.__members__:
        return DeputyLevel(word)
    word = re.sub(r"(人大代表|人大|代表)$", "", word).removesuffix("级")
    return _LEVEL_WORDS.get(word)


_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def parse_term(text):
    """17 / 17.0 / 十七 / 第十七届 → 17, or None."""
    word = re.sub(r"\s", "", _norm(text)).removeprefix("第").removesuffix("届")
    word = re.sub(r"(?<=\d)\.0+$", "", word)
    if word.isascii() and word.isdigit() and len(word) <= 4:
        number = int(word)
    elif re.fullmatch(r"[一二两三四五六七八九]?十?[一二三四五六七八九]?", word) and word:
        tens, ten, ones = word.rpartition("十") if "十" in word else ("", "", word)
        number = (_CN_DIGITS.get(tens, 1) if ten else 0) * 10 + _CN_DIGITS.get(ones, 0)
    else:
        return None
    return number if 1 <= number <= 99 else None


_STATUS_WORDS = {"在任": True, "现任": True, "在职": True, "离任": False, "已离任": False, "卸任": False, "离职": False,
                 "是": True, "否": False,  # 是否在任
                 "true": True, "false": False}  # Excel's TRUE/FALSE as a CSV export writes them


def parse_phone(text):
    """(phone, error message): spaces, dashes, a +86 prefix and a trailing .0 are tolerated, and one
    leading apostrophe: Excel's mark of a cell typed as text ('13800000001), which a CSV or a WPS cell
    holds literally (or as ’, as an input method writes it)."""
    word = re.sub(r"^['\u2019]", "", _norm(text))
    if re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", word):
        return None, f"手机号“{_quote(text)}”被 Excel 显示成了科学计数法，请把该列设为“文本”格式后重新导出。"
    word = re.sub(r"[\s\-\u2010-\u2015]", "", word)
    word = re.sub(r"^\+?86(?=1\d{10}$)", "", word)
    word = re.sub(r"(?<=\d)\.0+$", "", word)
    if re.fullmatch(r"1\d{10}", word):
        return word, None
    if re.fullmatch(r"\d{17}[\dXx]|\d{15}", word):  # never repeated: the report is shown and passed around
        return None, "手机号一栏填的像是身份证号码，请填写代表的 11 位手机号。"
    return None, f"手机号“{_quote(text)}”格式不正确，应为 11 位数字，以 1 开头。"


# --- what the importer may refer to --------------------------------------------------------------


class Scope:
    """What an import may refer to and change, loaded once.

    A region administrator's: the regions and stations of their subtree, and the deputies of its
    regions. A station administrator's (进家入站, as ``POST /deputies`` lets them register one): the
    stations they administer, the regions a deputy received there may belong to (those containing the
    station: its region and the regions above), and the deputies already received at their stations;
    every row must name one of their stations (or default to their only one), and the deputy's region
    stays the region administrators' to change.
    """

    def __init__(self, regions, stations, station_admin=None, region=None):
        self.station_admin = station_admin  # the station administrator importing, if it is one
        self.region = region  # the region administrator's (or the command's) region, if it is one
        self.regions = {r.id: r for r in regions}
        ancestor_ids = {int(i) for r in regions for i in r.path.strip("/").split("/") if i}
        names = {r.id: r.name for r in db.session.scalars(select(Region).where(Region.id.in_(ancestor_ids)))}
        # Every tail of a region's ancestry names it: "鹤城区", "怀化市/鹤城区", "怀化市鹤城区", "湖南省/怀化市/鹤城区"…
        self._regions_by_key = defaultdict(set)
        for r in regions:
            chain = [_norm(names[int(i)]) for i in r.path.strip("/").split("/") if i and int(i) in names]
            for start in range(len(chain)):
                tail = chain[start:]
                self._regions_by_key["/".join(tail)].add(r.id)
                self._regions_by_key["".join(tail)].add(r.id)
        self._names = names
        self.stations = {s.id: s for s in stations}
        self._stations_by_name = defaultdict(list)
        for s in stations:
            self._stations_by_name[_norm(s.name)].append(s)

    @classmethod
    def of_region(cls, region: Region):
        regions = db.session.scalars(select(Region).where(Region.path.startswith(region.path))).all()
        stations = db.session.scalars(
            select(Station).where(region_subtree_clause(Station.region_id, region)).options(lazyload(Station.live_qr))
        ).all()
        return cls(regions, stations, region=region)

    @classmethod
    def of_user(cls, user):
        """The scope of an administrator's import: their region's, else their stations'."""
        if user.admin_region is not None:
            return cls.of_region(user.admin_region)
        stations = db.session.scalars(
            select(Station).where(Station.id.in_(administered_stations(user))).options(lazyload(Station.live_qr))
        ).all()
        ids = {int(i) for s in stations for i in s.region.path.strip("/").split("/") if i}
        return cls(db.session.scalars(select(Region).where(Region.id.in_(ids))).all(), stations, station_admin=user)

    def check_row(self, fields, error):
        """A station administrator's rows: at their stations, in a region that contains them."""
        if not self.station_admin:
            return
        if "stations" not in fields:
            if len(self.stations) != 1:
                error("联络站", "请填写代表进驻的联络站（须为您管理的联络站）。")
                return
            fields["stations"] = list(self.stations.values())
        region = fields["region"]
        if region is not None and not all(s.region.path.startswith(region.path) for s in fields["stations"]):
            error("所属区域", "所属区域须包含代表进驻的联络站。")

    def may_change(self, deputy, fields):
        """None, or why this import may not change ``deputy`` (a known phone number)."""
        # A deputy beyond the importer's reach: the row says only that the phone is taken, not whose or where
        # (a file of numbers would otherwise tell which are deputies' anywhere in the province).
        if not self.station_admin:
            if deputy.region_id not in self.regions:
                return OUTSIDE_PHONE_TAKEN
            return None
        if not manages_deputy(self.station_admin, deputy):
            return OUTSIDE_PHONE_TAKEN
        if deputy.region_id != fields["region"].id:
            return "联络站管理员不能修改代表的所属区域，请联系区域管理员。"
        # A deputy also received at other administrators' stations: only their link to these stations is
        # this import's to change; their details stay with their region.
        if not owns_deputy(self.station_admin, deputy) and _changes_details(deputy, fields):
            return "该代表还进驻您管理范围以外的联络站，修改其基本信息须由其所属区域的管理员办理。"
        return None

    def region_path(self, region):
        return "/".join(self._names[int(i)] for i in region.path.strip("/").split("/") if i and int(i) in self._names)

    def region_as_imported(self, region):
        """A region as an import names it (the exports that import back: 联络站名单, 管理员名单): the shortest tail
        of its full name (鹤城区, 怀化市/鹤城区, …) that ``find_region`` finds as this one region; its full name
        when none does."""
        names = self.region_path(region).split("/") if region.id in self.regions else [region.name]
        for start in range(len(names) - 1, -1, -1):
            text = "/".join(names[start:])
            found, _ = self.find_region(text)
            if found is not None and found.id == region.id:
                return text
        return "/".join(names)

    def find_region(self, text):
        """(region, error message)."""
        parts = [p.strip() for p in re.split(r"[/>\\》\s]+", _norm(text)) if p.strip()]
        ids = self._regions_by_key.get("/".join(parts), ())
        if len(ids) == 1:
            return self.regions[next(iter(ids))], None
        if not ids and self.station_admin:
            return None, f"“{_quote(text)}”不是您所管联络站所在的区域或其上级区域。"
        if not ids:
            return None, f"在您管理的区域中找不到“{_quote(text)}”。"
        paths = sorted(self.region_path(self.regions[i]) for i in ids)
        return None, (
            f"区域名称“{_quote(text)}”在您管理的范围内不唯一（{'、'.join(paths[:3])}{'等' if len(paths) > 3 else ''}），"
            f"请写出上级区域，例如“{paths[0]}”。"
        )

    def find_station(self, name, region):
        """(station, error message); a name shared by several stations is settled by the deputy's region."""
        candidates = self._stations_by_name.get(_norm(name), [])
        if len(candidates) > 1 and region is not None:
            candidates = [s for s in candidates if self._related(self.regions[s.region_id], region)]
        if len(candidates) == 1:
            return candidates[0], None
        if not candidates:
            return None, f"在您管理的范围内找不到联络站“{_quote(name)}”。"
        return None, f"联络站名称“{_quote(name)}”在您管理的范围内不唯一，请先在系统中为这些联络站改用不同的名称。"

    @staticmethod
    def _related(a, b):
        return a.path.startswith(b.path) or b.path.startswith(a.path)


# --- one row -------------------------------------------------------------------------------------


def cell_texts(sheet, columns, values, error):
    """{column key: the row's cell as text}, None for a cell past its column's limit (``error(header, message)``
    is told, and the row is refused for it)."""
    texts = {}
    for column in columns:
        index = sheet.columns.get(column.key)
        text = _text(values[index]) if index is not None and index < len(values) else ""
        if len(text) > column.limit:
            error(column.header, f"{column.header}不能超过 {column.limit} 个字符，请检查该单元格是否填错了列。")
            text = None
        texts[column.key] = text
    return texts


def _parse_row(sheet, number, values, scope):
    """(fields, errors) of one data row; ``fields`` holds optional columns only when filled in."""
    errors = []
    fields = {}

    def error(header, message):
        errors.append({"row": number, "field": header, "message": message})

    texts = cell_texts(sheet, COLUMNS, values, error)
    name = _clean_name(texts["name"] or "")
    if texts["name"] is not None and not name:
        error("姓名", "姓名不能为空。")
    fields["name"] = name

    level_text = texts["level"]
    fields["level"] = parse_level(level_text) if level_text else None
    if level_text == "":
        error("层级", "层级不能为空，应为全国、省、市、县（区）或乡镇。")
    elif level_text is not None and fields["level"] is None:
        error("层级", f"无法识别的层级“{_quote(level_text)}”，应为全国、省、市、县（区）或乡镇。")

    region_text = texts["region"]
    fields["region"] = None
    if region_text == "":
        error("所属区域", "所属区域不能为空。")
    elif region_text is not None:
        fields["region"], message = scope.find_region(region_text)
        if message:
            error("所属区域", message)

    phone_text = texts["phone"]
    fields["phone"] = None
    if phone_text == "":
        error("手机号", "手机号不能为空。")
    elif phone_text is not None:
        fields["phone"], message = parse_phone(phone_text)
        if message:
            error("手机号", message)

    # A cell of separators only ("、") names no station: as blank, it leaves the deputy's stations alone.
    station_names = [p.strip() for p in re.split(r"[、,;\n]", _norm(texts["stations"] or "")) if p.strip()]
    if station_names:
        stations = {}
        for station_name in station_names:
            station, message = scope.find_station(station_name, fields["region"])
            if message:
                error("联络站", message)
            else:
                stations[station.id] = station
        fields["stations"] = list(stations.values())

    if texts["group"]:
        fields["group"] = texts["group"]

    term_text = texts["term"]
    if term_text:
        fields["term"] = parse_term(term_text)
        if fields["term"] is None:
            error("届次", f"无法识别的届次“{_quote(term_text)}”，应为 1 到 99 的数字，例如“17”或“第十七届”。")

    status_text = texts["active"]
    if status_text:
        fields["active"] = _STATUS_WORDS.get(re.sub(r"\s", "", status_text).lower())
        if fields["active"] is None:
            error("状态", f"无法识别的状态“{_quote(status_text)}”，应为“在任”或“离任”。")
    scope.check_row(fields, error)
    return fields, errors


def _changes_details(deputy, fields):
    """Whether a row changes anything of the deputy's own (not their stations)."""
    return (any(key in fields and getattr(deputy, key) != fields[key] for key in ("name", "level", "group", "term"))
            or ("active" in fields and deputy.active != fields["active"]))


@dataclass
class _Known:
    """A deputy the base already holds, as an import compares it: plain values, read without the ORM
    (building and tracking 50,000 mapped objects cost more than everything else an import does)."""

    id: int
    phone: str
    name: str
    level: DeputyLevel
    region_id: int
    term: int | None
    group: str
    active: bool
    station_ids: set


def _deputies_by_phone(phones):
    """{phone: _Known} for the deputies holding any of ``phones``, their station links included."""
    known = _known_deputies(Deputy.phone, phones)
    return {deputy.phone: deputy for deputy in known}


def _deputies_without_phone(rows):
    """{(name, region id): [_Known]}: the deputies registered without a phone (the console and the API
    allow it) under the names ``rows`` give, in the regions they give."""
    region_ids = {fields["region"].id for fields in rows}
    found = defaultdict(list)
    for deputy in _known_deputies(Deputy.name, sorted({fields["name"] for fields in rows}), Deputy.phone.is_(None)):
        if deputy.region_id in region_ids:
            found[(deputy.name, deputy.region_id)].append(deputy)
    return found


def _known_deputies(column, values, *where):
    """[_Known] for the deputies whose ``column`` is one of ``values``, their station links included."""
    known = {}
    for start in range(0, len(values), QUERY_CHUNK):
        rows = db.session.execute(
            select(Deputy.id, Deputy.phone, Deputy.name, Deputy.level, Deputy.region_id, Deputy.term,
                   Deputy.group, Deputy.active).where(column.in_(values[start:start + QUERY_CHUNK]), *where)
        )
        known.update((row.id, _Known(*row, station_ids=set())) for row in rows)
    ids = list(known)
    for start in range(0, len(ids), QUERY_CHUNK):
        links = db.session.execute(select(station_deputies.c.deputy_id, station_deputies.c.station_id)
                                   .where(station_deputies.c.deputy_id.in_(ids[start:start + QUERY_CHUNK])))
        for deputy_id, station_id in links:
            known[deputy_id].station_ids.add(station_id)
    return list(known.values())


def _changes(deputy, fields, scope):
    """What a row changes of a known deputy: (column values, station ids to link, station ids to unlink).
    Only what differs; a blank optional cell is no key of ``fields`` and changes nothing."""
    values = {key: fields[key] for key in ("name", "level", "group", "term", "active")
              if key in fields and getattr(deputy, key) != fields[key]}
    if deputy.region_id != fields["region"].id:
        values["region_id"] = fields["region"].id
    if deputy.phone is None:  # a deputy registered without a phone, found by name and region
        values["phone"] = fields["phone"]
    linked = unlinked = ()
    if "stations" in fields:
        # Links to stations beyond the importer's scope are not theirs to remove.
        wanted = {i for i in deputy.station_ids if i not in scope.stations} | {s.id for s in fields["stations"]}
        linked, unlinked = wanted - deputy.station_ids, deputy.station_ids - wanted
    return values, linked, unlinked


class _Writes:
    """The set-based statements of one chunk of rows: new deputies, changed columns by primary key,
    station links added and removed, and what follows office."""

    def __init__(self, now):
        self.now = now
        self.new = []  # (row values, station ids)
        self.updates = []  # {"id": …, changed attribute: value}
        self.linked = []  # {"deputy_id", "station_id"}
        self.unlinked = []
        self.in_office = []
        self.left_office = []

    def create(self, fields):
        # Column names (group_name), not attribute names: the rows go into the table (see execute).
        self.new.append(({
            "name": fields["name"], "level": fields["level"], "region_id": fields["region"].id,
            "phone": fields["phone"], "term": fields.get("term"), "group_name": fields.get("group", ""),
            "active": fields.get("active", True), "bio": "", "created_dt": self.now, "updated_dt": self.now,
        }, [s.id for s in fields.get("stations", ())]))

    def change(self, deputy, values, linked, unlinked):
        """Note what a row changes of a known deputy; False when it changes nothing."""
        if not (values or linked or unlinked):
            return False
        if values:
            self.updates.append({"id": deputy.id, **values, "updated_dt": self.now})
        self.linked.extend({"deputy_id": deputy.id, "station_id": i} for i in linked)
        self.unlinked.extend({"deputy_id": deputy.id, "station_id": i} for i in unlinked)
        if "active" in values:
            (self.in_office if values["active"] else self.left_office).append(deputy.id)
        return True

    def execute(self):
        """Write the chunk; returns the ids of the deputies whose rows or links changed."""
        touched = {row["id"] for row in self.updates} | {link["deputy_id"] for link in self.linked + self.unlinked}
        if self.new:
            # An executemany into the table, then the new ids by phone. INSERT … RETURNING goes through
            # SQLAlchemy's "insertmanyvalues", statements of thousands of parameters that psycopg spends
            # longer converting than PostgreSQL spends inserting, and the ORM's bulk insert adds its own
            # pass over every row (50,000 rows: 7 s through the ORM with RETURNING, under 3 s this way;
            # SQLite 1.3 s against 0.7 s).
            rows = [row for row, _ in self.new]
            db.session.execute(insert(Deputy.__table__), rows)
            inserted = dict(db.session.execute(
                select(Deputy.phone, Deputy.id).where(Deputy.phone.in_([row["phone"] for row in rows]))).all())
            new_in_office = []
            for row, station_ids in self.new:
                deputy_id = inserted[row["phone"]]
                self.linked.extend({"deputy_id": deputy_id, "station_id": i} for i in station_ids)
                if row["active"]:
                    new_in_office.append(deputy_id)
            services.sync_office_of_ids(new_in_office, (), new=True)
        if self.updates:
            # One executemany per set of changed columns: the ORM groups consecutive rows only.
            self.updates.sort(key=lambda row: tuple(row))
            db.session.execute(update(Deputy), self.updates)
        if self.unlinked:
            db.session.execute(delete(station_deputies).where(
                station_deputies.c.deputy_id == bindparam("deputy_id"),
                station_deputies.c.station_id == bindparam("station_id"),
            ), self.unlinked)
        if self.linked:
            db.session.execute(insert(station_deputies), self.linked)
        if self.in_office or self.left_office:
            services.sync_office_of_ids(self.in_office, self.left_office)
        for row in self.updates:
            if "phone" in row:  # as when the console corrects a number (``services.update_deputy``)
                allow_rebinding(row["id"])
        return touched


def _forget(deputy_ids):
    """Expire what the session may hold of deputies changed behind its back (their rows, their links)."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Deputy) and obj.id in deputy_ids:
            db.session.expire(obj)
        elif isinstance(obj, Station) and "deputies" in obj.__dict__:
            db.session.expire(obj, ["deputies"])


# --- the import ----------------------------------------------------------------------------------


def template(region_name, station_name):
    """下载导入模板 as .xlsx bytes: the header row the importer reads, one example row (marked, and skipped
    on import) naming the administrator's own region and station, and a 填写说明 sheet on each column."""
    example = [f"{EXAMPLE_MARK}张三", "县（区）", region_name, "13800000000", station_name, "第一代表小组", "第十七届", "在任"]
    notes = {header: note.format(region=region_name or "某某区") for header, note in COLUMN_NOTES.items()}
    return workbook_template(DEPUTIES, "代表名册", example, notes, _TEMPLATE_WIDTHS)


def workbook_template(layout, title, example, notes, widths):
    """A register's template as .xlsx bytes: the sheet ``title`` with the header row (the required columns
    in red) and the ``example`` row (marked, and skipped on import), and a 填写说明 sheet of ``notes`` on each
    column ({header: text}) and on the example row."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title

    def add(to, values):  # the example names the administrator's region and station: text, never a formula
        to.append([cell(to, value) for value in values])

    add(sheet, [c.header for c in layout.columns])
    add(sheet, example)
    for index, column in enumerate(layout.columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = widths.get(column.header, 12)
        sheet[f"{letter}1"].font = Font(bold=True, color="BE1622" if column.required else None)
        sheet[f"{letter}2"].font = Font(italic=True, color="808080")
        # Phone numbers stay text, never 1.38E+10: the rows typed below take the column's format, the example
        # row's cells (styled above) their own.
        sheet.column_dimensions[letter].number_format = "@"
        sheet[f"{letter}2"].number_format = "@"
    sheet.freeze_panes = "A2"

    notes_sheet = workbook.create_sheet(INSTRUCTIONS_SHEET)
    add(notes_sheet, ["列名", "是否必填", "填写说明"])
    for column in layout.columns:
        add(notes_sheet, [column.header, "必填" if column.required else "选填", notes[column.header]])
    add(notes_sheet, [])
    add(notes_sheet, ["说明", "", f"第 2 行是示例，{layout.key_header}以“{EXAMPLE_MARK}”开头的行导入时自动跳过，可保留或删除；"
                                  f"请从第 3 行起每行填写一{layout.measure}{layout.entry}。"
                                  "第一行表头请勿修改。"])
    for letter, width in (("A", 12), ("B", 10), ("C", 80)):
        notes_sheet.column_dimensions[letter].width = width
    for row in notes_sheet.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    for c in notes_sheet[1]:
        c.font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_deputies(scope: "Scope", data: bytes, progress=None, actor=None, file_name="") -> dict:
    """导入代表名册: parse an upload and upsert its rows within ``scope`` (``Scope.of_region``, ``Scope.of_user``)."""
    return import_sheet(scope, read_sheet(data), progress, actor, file_name)


def import_sheet(scope: "Scope", sheet: Sheet, progress=None, actor=None, file_name="") -> dict:
    """Upsert the rows of ``sheet`` by phone within ``scope``.

    A blank optional cell leaves that field of a known deputy as it is: a sheet that lacks a
    column's data never wipes what the base already holds. Returns ``{created, updated, unchanged,
    errors: [{row, field, message}]}``; ``progress(n)`` is told as rows are done (the CLI's bar).

    The rows are parsed and checked first, then looked up and written ``WRITE_CHUNK`` at a time in
    set-based statements (the new deputies in one executemany, the changed ones by primary key, their
    station links and printed codes in bulk), all in the caller's transaction: a refused import keeps
    nothing, and 50,000 rows cost about 150 statements, not a unit of work over 50,000 mapped objects.
    """
    errors = []
    parsed = []
    first_row_of_phone = {}
    for number, values in sheet.rows:
        fields, row_errors = _parse_row(sheet, number, values, scope)
        phone = fields["phone"]
        if phone is not None:
            if phone in first_row_of_phone:
                row_errors.append({"row": number, "field": "手机号",
                                   "message": f"手机号与第 {first_row_of_phone[phone]} 行重复。"})
            else:
                first_row_of_phone[phone] = number
        errors.extend(row_errors)
        parsed.append((number, None if row_errors else fields))

    counts = {"created": 0, "updated": 0, "unchanged": 0}
    notices = hidden_rows_notices(sheet)
    now = utcnow()
    touched = set()
    rows_named = defaultdict(list)  # (name, region id) → the rows naming that deputy
    for number, fields in parsed:
        if fields is not None:
            rows_named[(fields["name"], fields["region"].id)].append(number)
    try:
        for start in range(0, len(parsed), WRITE_CHUNK):
            chunk = parsed[start:start + WRITE_CHUNK]
            existing = _deputies_by_phone([fields["phone"] for _, fields in chunk if fields is not None])
            phoneless = _deputies_without_phone(
                [fields for _, fields in chunk if fields is not None and fields["phone"] not in existing])
            known = [*existing.values(), *(deputy for same in phoneless.values() for deputy in same)]
            mapped = _mapped_deputies(known) if scope.station_admin else {}
            writes = _Writes(now)
            for number, fields in chunk:
                if fields is None:
                    continue
                deputy = existing.get(fields["phone"])
                if deputy is None:
                    deputy, refusal = _phoneless_deputy(fields, phoneless, rows_named)
                    if refusal is not None:
                        errors.append({"row": number, "field": "姓名", "message": refusal})
                        continue
                if deputy is None:
                    if refusal := services.closed_link_refusal(fields.get("stations", ())):
                        errors.append({"row": number, "field": "联络站", "message": refusal})
                        continue
                    writes.create(fields)
                    counts["created"] += 1
                elif (refusal := scope.may_change(mapped.get(deputy.id, deputy), fields)) is not None:
                    if deputy.phone is None and refusal == OUTSIDE_PHONE_TAKEN:  # the deputy is not theirs
                        errors.append({"row": number, "field": "姓名", "message": (
                            f"{fields['region'].name}已有未登记手机号的代表“{fields['name']}”，不在您管理的联络站："
                            "请联系其所属区域的管理员补填手机号。")})
                    else:
                        errors.append({"row": number, "field": "手机号", "message": refusal})
                else:
                    values, linked, unlinked = _changes(deputy, fields, scope)
                    # A link to a closed station is kept, never made anew (linked: stations the row names).
                    if refusal := services.closed_link_refusal([scope.stations[i] for i in linked]):
                        errors.append({"row": number, "field": "联络站", "message": refusal})
                        continue
                    changed = writes.change(deputy, values, linked, unlinked)
                    counts["updated" if changed else "unchanged"] += 1
                    if deputy.phone is None:
                        notices.append({"row": number, "field": "手机号", "message": (
                            f"{fields['region'].name}已有未登记手机号的代表“{fields['name']}”，"
                            "已为其补填本行的手机号，未新增代表。")})
            touched |= writes.execute()
            if progress is not None:
                progress(len(chunk))
    except IntegrityError as exc:
        # Only a concurrent change between loading and writing gets here: nothing of this import is kept.
        raise conflict("导入期间代表信息被他人同时修改，本次导入未生效，请重新导入。") from exc
    _forget(touched)

    errors.sort(key=lambda e: (e["row"], _COLUMN_ORDER.get(e["field"], 0)))
    # 导入代表名册 in the 操作日志: by ``actor`` (None: the server's command), which file, what came of it;
    # under the region imported into, or a station administrator's stations' regions.
    record("deputies_imported", actor, None, scope.region.id if scope.region is not None else None,
           {"file": file_name[:100], **counts, "refused_rows": len({e["row"] for e in errors})})
    # What the import did beyond its counts (a deputy without a phone given the row's): only when there is any.
    return {**counts, "errors": errors, **({"notices": notices} if notices else {})}


def hidden_rows_notices(sheet):
    """The notice of the rows hidden in the sheet, skipped (its ``field`` blank: it is about several rows)."""
    if not sheet.hidden:
        return []
    rows = "、".join(map(str, sheet.hidden[:10])) + ("等" if len(sheet.hidden) > 10 else "")
    return [{"row": sheet.hidden[0], "field": "", "message": (
        f"第 {rows} 行在表格中被隐藏（筛选或手动隐藏），共 {len(sheet.hidden)} 行，未导入；"
        "如需导入，请取消隐藏后重新导入。")}]


def _phoneless_deputy(fields, phoneless, rows_named):
    """(deputy, refusal): the one deputy registered without a phone whom a row of an unknown phone names
    (same name, same region), to be given the phone rather than registered twice; none; or why the row
    cannot say which (several such deputies, or several rows of the file under that name)."""
    key = (fields["name"], fields["region"].id)
    same = phoneless.get(key, ())
    region, name = fields["region"].name, fields["name"]
    if len(same) > 1:
        return None, (f"{region}有 {len(same)} 位同名且未登记手机号的代表“{name}”，无法确定本行是哪一位："
                      "请先在系统中为其补填手机号后再导入。")
    if same and len(rows_named[key]) > 1:
        rows = "、".join(map(str, rows_named[key][:5])) + ("等" if len(rows_named[key]) > 5 else "")
        return None, (f"{region}有一位未登记手机号的代表“{name}”，文件中第 {rows} 行都是{region}的“{name}”，"
                      "无法确定是哪一行：请先在系统中为其补填手机号后再导入。")
    return (same[0] if same else None), None


def _mapped_deputies(known):
    """The known deputies as mapped objects, for a station administrator's scope checks (which read their
    region and stations); a region administrator's read only the region id."""
    ids = [deputy.id for deputy in known]
    if not ids:
        return {}
    query = select(Deputy).where(Deputy.id.in_(ids)).options(
        selectinload(Deputy.stations).lazyload(Station.live_qr), lazyload(Deputy.live_qr))
    return {deputy.id: deputy for deputy in db.session.scalars(query)}
