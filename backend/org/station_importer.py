"""Importing liaison stations (联络站) from a spreadsheet: a city onboarding its stations lists them in one
sheet rather than creating them one by one in the console.

The file is read by the deputy importer's machinery (``importer.read_sheet`` with the ``STATIONS`` layout:
.xlsx or CSV, the same limits on size, merged cells filled, hidden rows skipped, invisible characters
dropped), and its regions are found as that import finds them (``importer.Scope``: a name, or a path
"怀化市/鹤城区", within the importer's region subtree). Each good row is then created or updated by the
very service the console and ``POST /api/v1/stations`` call (``services.create_station`` /
``services.update_station``), its values first loaded through the API's own schema (``StationIn``), so the
rules (coordinates in China's box, both or neither, not swapped; no twin name in a region; the region in
the administrator's scope) cannot disagree. The services refuse before they change anything, so a refused
row leaves nothing behind.

Rows are matched to stations by region and name (as the unique index ``uq_stations_region_name`` compares
names): a known station is updated where the sheet differs, and a blank optional cell leaves its field as
it is, so the same sheet imported twice changes nothing. A few thousand stations are a city's or a
province's, imported in one request: the new ones are checked row by row without a query (their names
against the scope's stations, loaded once) and written together at the end (``services.add_stations``:
a few batched statements per 500 stations, not a flush and three statements each).
"""
import re

from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError

from schemas.org import SWAPPED, StationIn

from ..audit.log import record
from ..errors import APIError, conflict
from . import importer, services
from .importer import Column, Layout, _quote
from .models import STATION_KIND_LABELS, StationKind

COLUMNS = (
    Column("name", "联络站名称", True, 100),
    Column("region", "所属区域", True, 100),
    Column("kind", "类型", True, 20),
    Column("address", "地址", False, 255),
    Column("lat", "纬度", False, 30),
    Column("lng", "经度", False, 30),
    Column("open_hours", "开放时间", False, 255),
)
_HEADER_ALIASES = {
    "名称": "联络站名称", "站点名称": "联络站名称", "联络站": "联络站名称", "联络站(点)名称": "联络站名称",
    "联络站(点)": "联络站名称", "联络点名称": "联络站名称", "站名": "联络站名称",
    "区域": "所属区域", "所在区域": "所属区域", "所属地区": "所属区域", "所在地区": "所属区域",
    "类别": "类型", "站点类型": "类型", "联络站类型": "类型",
    "详细地址": "地址", "站点地址": "地址", "联络站地址": "地址",
    "纬度(GCJ-02)": "纬度", "lat": "纬度", "经度(GCJ-02)": "经度", "lng": "经度",
    "接待时间": "开放时间", "办公时间": "开放时间", "开放时段": "开放时间",
}
# A totals or signature line leaves 类型 blank; a station's row never does.
STATIONS = Layout(COLUMNS, _HEADER_ALIASES, register="联络站名单", entry="联络站", measure="个", unit="个",
                  footer_key="kind")
KINDS_TEXT = "、".join(list(STATION_KIND_LABELS.values())[:-1]) + "或" + list(STATION_KIND_LABELS.values())[-1]
COLUMN_NOTES = {
    "联络站名称": "联络站的名称，不超过 100 个字。按所属区域和名称匹配：同一区域已有同名联络站的，更新其信息；否则新建联络站并生成二维码。",
    "所属区域": "联络站所在的区域名称，如“{region}”；重名时连同上级一起写，如“某某市/某某区”。须在您的管理范围内。",
    "类型": f"{KINDS_TEXT}。",
    "地址": "联络站的详细地址，不超过 255 个字；不填则不改变已有联络站的地址。",
    "纬度": "GCJ-02 坐标（腾讯地图、高德地图坐标拾取器给出的），3 到 54 之间，如 27.55；须与经度同时填写或同时留空，"
          "都不填则不改变已有联络站的坐标。",
    "经度": "GCJ-02 坐标，73 到 136 之间，如 109.98；须与纬度同时填写或同时留空。",
    "开放时间": "如“工作日 9:00-17:00”，不超过 255 个字；不填则不改变已有联络站的开放时间。",
}
_TEMPLATE_WIDTHS = {"联络站名称": 24, "所属区域": 20, "类型": 14, "地址": 36, "纬度": 12, "经度": 12, "开放时间": 24}
_COLUMN_ORDER = {c.header: i for i, c in enumerate(COLUMNS)}
# The schema's (and the services') field names as the sheet's columns.
_HEADER_OF_FIELD = {"name": "联络站名称", "region_id": "所属区域", "kind": "类型", "address": "地址",
                    "lat": "纬度", "lng": "经度", "open_hours": "开放时间"}
# New stations written per batch of INSERTs: a city's 1,400 in a few statements, not four each.
WRITE_CHUNK = 500
_KIND_WORDS = {**{label: StationKind(value) for value, label in STATION_KIND_LABELS.items()},
               **{value: StationKind(value) for value in STATION_KIND_LABELS},
               "中心站": StationKind.center, "片区站": StationKind.area, "联络站点": StationKind.point}


def scope_of(user, what="导入联络站"):
    """The scope of an administrator's station import (or export, ``what``): their region's subtree. Stations
    are created by region administrators (as in the console and ``POST /api/v1/stations``): a station
    administrator is refused."""
    if user.admin_region is None:
        raise APIError(403, "forbidden", f"只有区域管理员可以{what}，联络站管理员请联系所属区域的管理员。")
    return importer.Scope.of_region(user.admin_region)


def template(region_name):
    """下载导入模板 (.xlsx): the columns, an example row naming the administrator's region, and notes."""
    example = [f"{importer.EXAMPLE_MARK}城北代表联络站", region_name, "片区联络站", "某某路 1 号社区服务中心二楼",
               "27.55", "109.98", "工作日 9:00-17:00"]
    notes = {header: note.format(region=region_name or "某某区") for header, note in COLUMN_NOTES.items()}
    return importer.workbook_template(STATIONS, "联络站名单", example, notes, _TEMPLATE_WIDTHS)


def import_stations(scope, data, actor=None, file_name="", progress=None):
    """导入联络站: parse an upload and create or update its rows within ``scope``."""
    return import_sheet(scope, importer.read_sheet(data, STATIONS), actor, file_name, progress)


def import_sheet(scope, sheet, actor=None, file_name="", progress=None):
    """Create or update the rows of ``sheet`` within ``scope`` (``actor``: the administrator, whose scope the
    services check again and whose changes they log; None: the server's command). Returns ``{created,
    updated, unchanged, errors: [{row, field, message}]}`` (and ``notices`` when there are any), as the
    deputy import does. Writes in the caller's transaction and never commits."""
    known = {(s.region_id, s.name.lower()): s for s in scope.stations.values()}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    errors = []
    first_row = {}  # (region id, lower-cased name) → the row that named it first
    new = []  # the new stations, written together at the end (services.add_stations)
    try:
        for number, values in sheet.rows:
            data, row_errors = _parse_row(sheet, number, values, scope)
            if not row_errors:
                key = (data["region_id"], data["name"].lower())
                if key in first_row:
                    row_errors.append({"row": number, "field": "联络站名称", "message": (
                        f"与第 {first_row[key]} 行是同一区域的同名联络站，请删去重复的行或改用不同的名称。")})
                else:
                    first_row[key] = number
            if not row_errors:
                outcome, refusal = _write(actor, known, key, data, new)
                if refusal is None:
                    counts[outcome] += 1
                else:
                    row_errors.append({"row": number, **refusal})
            errors.extend(row_errors)
            if progress is not None:
                progress(1)
        for start in range(0, len(new), WRITE_CHUNK):
            services.add_stations(actor, new[start:start + WRITE_CHUNK])
    except IntegrityError as exc:
        # Only a station created or renamed by someone else meanwhile gets here: nothing of this import is kept.
        raise conflict("导入期间联络站被他人同时新建或修改，本次导入未生效，请重新导入。") from exc
    errors.sort(key=lambda e: (e["row"], _COLUMN_ORDER.get(e["field"], 0)))
    record("stations_imported", actor, None, scope.region.id,
           {"file": file_name[:100], **counts, "refused_rows": len({e["row"] for e in errors})})
    notices = importer.hidden_rows_notices(sheet)
    return {**counts, "errors": errors, **({"notices": notices} if notices else {})}


def _write(actor, known, key, data, new):
    """("created" | "updated" | "unchanged", None) or (None, {field, message}): the row through the services;
    a new station checked (its name against ``known``, every station of the scope) and kept in ``new``."""
    station = known.get(key)
    try:
        if station is None:
            known[key] = services.new_station(actor, data, name_checked=True)
            new.append(known[key])
            return "created", None
        changes = _changes(station, data)
        if not changes:
            return "unchanged", None
        services.update_station(actor, station, changes)
        return "updated", None
    except APIError as exc:
        field = next(iter(exc.errors), None) if exc.errors else exc.field
        messages = exc.errors[field] if exc.errors else [exc.message]
        return None, {"field": _HEADER_OF_FIELD.get(field, "联络站名称"), "message": "".join(messages)}


def _changes(station, data):
    """What a row changes of a known station; the coordinates as a pair (the services check them together)."""
    current = {"kind": station.kind.value, "address": station.address, "open_hours": station.open_hours}
    changes = {key: data[key] for key in current if key in data and data[key] != current[key]}
    if "lat" in data and (data["lat"], data["lng"]) != (station.lat, station.lng):
        changes.update(lat=data["lat"], lng=data["lng"])
    return changes


def _parse_row(sheet, number, values, scope):
    """(data as ``StationIn`` loads it, errors) of one row; the optional columns in ``data`` only when filled."""
    errors = []

    def error(header, message):
        errors.append({"row": number, "field": header, "message": message})

    texts = importer.cell_texts(sheet, COLUMNS, values, error)
    raw = {}
    if texts["name"] == "":
        error("联络站名称", "联络站名称不能为空。")
    elif texts["name"] is not None:
        raw["name"] = texts["name"]
    if texts["region"] == "":
        error("所属区域", "所属区域不能为空。")
    elif texts["region"] is not None:
        region, message = scope.find_region(texts["region"])
        if message:
            error("所属区域", message)
        else:
            raw["region_id"] = region.id
    kind_text = texts["kind"]
    if kind_text == "":
        error("类型", f"类型不能为空，应为{KINDS_TEXT}。")
    elif kind_text is not None:
        kind = _KIND_WORDS.get(re.sub(r"\s", "", importer._norm(kind_text)).lower())
        if kind is None:
            error("类型", f"无法识别的类型“{_quote(kind_text)}”，应为{KINDS_TEXT}。")
        else:
            raw["kind"] = kind.value
    for key in ("address", "open_hours"):
        if texts[key]:
            raw[key] = texts[key]
    if texts["lat"] or texts["lng"]:  # a pair: one without the other is refused by the services
        for key, header in (("lat", "纬度"), ("lng", "经度")):
            raw[key] = _coordinate(texts[key], header, error)
    if errors:
        return raw, errors
    try:
        data = StationIn().load(raw)
    except ValidationError as exc:
        messages = exc.messages
        if SWAPPED in messages.get("lat", ()):  # the pair swapped: each out of its range says no more
            messages = {"lat": [SWAPPED]}
        for field, said in messages.items():
            error(_HEADER_OF_FIELD.get(field, "联络站名称"), "".join(map(str, said)))
        return raw, errors
    # StationIn's defaults for a new station; an update leaves what the row leaves blank.
    return {key: value for key, value in data.items() if key in raw or key not in ("address", "open_hours")}, errors


def _coordinate(text, header, error):
    """A cell's coordinate as a number (None when blank), or noted as not one."""
    if not text:
        return None
    word = re.sub(r"[\s°]", "", importer._norm(text))
    try:
        return float(word)
    except ValueError:
        error(header, f"{header}“{_quote(text)}”不是数字，应为小数形式的 GCJ-02 坐标，如 27.55。")
        return None

