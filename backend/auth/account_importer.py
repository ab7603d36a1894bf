"""Importing administrator accounts (管理员账号) from a spreadsheet: a city rolling the product out to its
1,400 stations lists their administrators in one sheet rather than creating them one by one.

The file is read by the deputy importer's machinery (``org.importer.read_sheet`` with the ``ADMINS`` layout:
.xlsx or CSV, the same limits, merged cells filled, hidden rows skipped, invisible characters dropped); its
regions and stations are found as the other imports find them (``importer.Scope`` over the importer's
region subtree: a region by name or path "怀化市/鹤城区", a station by name, or "鹤城区/城北联络站" where a
name is shared). Each good row is then loaded through the API's own schema (``AdminIn``) and checked or
changed by the services ``POST /api/v1/admins`` and ``PATCH /api/v1/admins/{id}`` call (a new account by
``accounts.create_account``'s own checks, ``check_new_account``; a known one by ``accounts.update_account``),
so the rules (a region administrator only for a region strictly below the importer's; stations in their
scope; an account they may manage; not their own scope) cannot disagree. The services refuse before they
change anything, so a refused row leaves nothing.

A city's 1,400 accounts are imported in one request (nginx and gunicorn give it 60 s): the new accounts
are checked without a query per row (their stations and regions from the scope, loaded once; their
usernames among the accounts the file names, read at once) and written together at the end
(``accounts.add_accounts``: a few batched INSERTs per 500 accounts, their initial passwords hashed in a few
threads), so the statements do not grow with the rows. What is left per row is the hash (about 5 ms of
CPU each, INITIAL_PASSWORD_HASH_METHOD); a username taken meanwhile makes the whole import a 409.

Rows are matched to accounts by 登录名 (username). A new account gets a random initial password, returned
once in the result (and nowhere else: not stored in clear, not logged) and to be changed at its first sign-in
(``must_change_password``); a known account is changed where the sheet differs, and its password is never
touched, so the same sheet imported twice changes nothing and shows no password the second time.
"""
import re
import secrets

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from schemas.admins import AdminIn

from ..audit.log import record
from ..errors import APIError, conflict
from ..extensions import db
from ..org import importer
from ..org.importer import Column, Layout, _quote
from . import accounts
from .models import User
from .passwords import password_problem
from .scope import is_root

COLUMNS = (
    Column("name", "姓名", True, 64),
    Column("username", "登录名", True, 64),
    Column("role", "角色", True, 20),
    Column("stations", "所属联络站", False, 2000),
    Column("region", "所属区域", False, 100),
    Column("status", "状态", False, 10),
)
_HEADER_ALIASES = {
    "管理员姓名": "姓名", "名字": "姓名",
    "用户名": "登录名", "登录用户名": "登录名", "账号": "登录名", "帐号": "登录名", "登录账号": "登录名", "登录帐号": "登录名",
    "账号名": "登录名",
    "管理员类型": "角色", "账号类型": "角色", "类型": "角色", "角色类型": "角色",
    "联络站": "所属联络站", "所管联络站": "所属联络站", "管理联络站": "所属联络站", "管理的联络站": "所属联络站",
    "所管区域": "所属区域", "管理区域": "所属区域", "区域": "所属区域",
    "账号状态": "状态", "帐号状态": "状态",
}
# A totals or signature line leaves 登录名 blank; an account's row never does.
ADMINS = Layout(COLUMNS, _HEADER_ALIASES, register="管理员名单", entry="管理员", measure="位", unit="个",
                footer_key="username")
STATION_ROLE, REGION_ROLE = "联络站管理员", "区域管理员"
_ROLE_WORDS = {"联络站管理员": STATION_ROLE, "站点管理员": STATION_ROLE, "站管理员": STATION_ROLE,
               "联络站(点)管理员": STATION_ROLE, "联络点管理员": STATION_ROLE, "stationadmin": STATION_ROLE,
               "区域管理员": REGION_ROLE, "regionadmin": REGION_ROLE}
_STATUS_WORDS = {"在用": False, "正常": False, "启用": False, "有效": False,
                 "停用": True, "已停用": True, "禁用": True, "无效": True}
_SEPARATORS = re.compile(r"[、,，;；\n]+")
COLUMN_NOTES = {
    "姓名": "管理员本人的姓名，不超过 64 个字。",
    "登录名": "登录管理后台用的用户名，2 至 64 个字符，不含空格。按登录名匹配：已有的账号更新姓名、所属联络站或区域、状态"
           "（不会重置密码）；新的登录名新建账号，并生成一次性初始密码（只在导入结果中显示一次，首次登录须修改）。",
    "角色": "“联络站管理员”（也可写“站点管理员”）或“区域管理员”。已有账号的角色不能在此改变。",
    "所属联络站": "联络站管理员所管的联络站名称，多个用顿号（、）分隔；同名联络站连同所属区域一起写，如“鹤城区/城北联络站”。"
             "须在您的管理范围内。区域管理员此列留空。",
    "所属区域": "区域管理员所管的区域，如“{region}”的下级区域；重名时连同上级一起写，如“某某市/某某区”。"
            "只能是您所管区域的下级区域。联络站管理员此列留空。",
    "状态": "“在用”或“停用”；不填则新账号为在用、已有账号不变。停用的账号不能登录。",
}
_TEMPLATE_WIDTHS = {"姓名": 12, "登录名": 18, "角色": 14, "所属联络站": 36, "所属区域": 20, "状态": 8}
_COLUMN_ORDER = {c.header: i for i, c in enumerate(COLUMNS)}
# AdminIn's (and the services') field names as the sheet's columns.
_HEADER_OF_FIELD = {"username": "登录名", "display_name": "姓名", "region_id": "所属区域", "station_ids": "所属联络站",
                    "disabled": "状态"}
# Initial passwords: no look-alike characters (0/O, 1/l/I), read aloud or copied by hand; three groups of four
# (about 69 bits), which the password policy always accepts but for the rare draw it is asked again.
RACED = "导入期间管理员账号被他人同时新建，本次导入未生效，请重新导入。"
_PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"


def initial_password(username):
    """A random one-time initial password for ``username``'s new account."""
    while True:
        password = "-".join("".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3))
        if password_problem(password, username) is None:
            return password


def scope_of(user, what="导入管理员账号"):
    """The scope of an administrator's account import (or export, ``what``): their region's subtree. Accounts
    are managed by region administrators (as in the console and /api/v1/admins): a station administrator is
    refused."""
    if user.admin_region is None:
        raise APIError(403, "forbidden", f"只有区域管理员可以{what}，联络站管理员请联系所属区域的管理员。")
    return importer.Scope.of_region(user.admin_region)


def template(region_name):
    """下载导入模板 (.xlsx): the columns, an example row, and notes."""
    example = [f"{importer.EXAMPLE_MARK}张三", "zhangsan", STATION_ROLE, "城北联络站", "", "在用"]
    notes = {header: note.format(region=region_name or "某某区") for header, note in COLUMN_NOTES.items()}
    return importer.workbook_template(ADMINS, "管理员名单", example, notes, _TEMPLATE_WIDTHS)


def import_admins(actor, scope, data, file_name="", progress=None):
    """导入管理员账号: parse an upload and create or update its rows within ``scope``."""
    return import_sheet(actor, scope, importer.read_sheet(data, ADMINS), file_name, progress)


def import_sheet(actor, scope, sheet, file_name="", progress=None):
    """Create or update the accounts of ``sheet`` by username, as ``actor`` (a region administrator; None:
    the server's command, within ``scope``). Returns ``{created, updated, unchanged, errors, passwords}``:
    ``passwords`` the new accounts' initial passwords ``[{row, username, display_name, password}]``, given
    here once and kept nowhere in clear. Writes in the caller's transaction and never commits."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    errors = []
    parsed = []
    first_row = {}  # username → the row that named it first
    for number, values in sheet.rows:
        fields, row_errors = _parse_row(sheet, number, values, scope)
        username = fields.get("username")
        if username:
            if username in first_row:
                row_errors.append({"row": number, "field": "登录名", "message": f"登录名与第 {first_row[username]} 行重复。"})
            else:
                first_row[username] = number
        errors.extend(row_errors)
        parsed.append((number, None if row_errors else fields))
    known = _accounts([fields["username"] for _, fields in parsed if fields is not None])
    visible = _visible_ids(actor, scope, known.values())
    new = []  # the new accounts, written together at the end (accounts.add_accounts)
    for number, fields in parsed:
        if fields is not None:
            outcome, refusal = _write(actor, scope, fields, known.get(fields["username"]), visible, new, number)
            if refusal is None:
                counts[outcome] += 1
            else:
                errors.extend({"row": number, **r} for r in refusal)
        if progress is not None:
            progress(1)
    if new:
        try:
            accounts.add_accounts(actor, new)
        except IntegrityError as exc:  # a username created by someone else since the rows were looked up
            raise conflict(RACED) from exc
    passwords = [{"row": entry["row"], "username": entry["username"], "display_name": entry["display_name"] or entry["username"],
                  "password": entry["password"]} for entry in new]
    errors.sort(key=lambda e: (e["row"], _COLUMN_ORDER.get(e["field"], 0)))
    # 导入管理员账号 in the 操作日志: counts only; each account's own line is the services' (新建管理员账号…),
    # none of them holding a password.
    record("admins_imported", actor, None, scope.region.id if scope.region is not None else None,
           {"file": file_name[:100], **counts, "refused_rows": len({e["row"] for e in errors})})
    notices = importer.hidden_rows_notices(sheet)
    return {**counts, "errors": errors, "passwords": passwords, **({"notices": notices} if notices else {})}


def _accounts(usernames):
    """{username: User} of the accounts the rows name (their stations with the page)."""
    found = {}
    for start in range(0, len(usernames), importer.QUERY_CHUNK):
        chunk = usernames[start:start + importer.QUERY_CHUNK]
        query = select(User).where(User.username.in_(chunk)).options(selectinload(User.admin_stations))
        found.update((user.username, user) for user in db.session.scalars(query))
    return found


def _username_taken(username):
    return db.session.scalar(select(User.id).where(User.username == username)) is not None


def _visible_ids(actor, scope, users):
    """Ids of the known accounts the importer sees (as the accounts list shows them); the others' usernames
    are simply taken. The server's command sees the accounts of its region subtree."""
    ids = [user.id for user in users]
    if not ids:
        return set()
    if actor is not None:
        return set(db.session.scalars(select(User.id).where(User.id.in_(ids), accounts.account_scope_clause(actor))))
    root = scope.region is not None and is_root(scope.region)
    return {user.id for user in users if root or user.admin_region_id in scope.regions
            or any(station.id in scope.stations for station in user.admin_stations)}


def _write(actor, scope, fields, account, visible, new, number):
    """("created" | "updated" | "unchanged", None), or (None, [{field, message}]): the row through AdminIn and
    the services; a new account checked (``accounts.check_new_account``) and kept in ``new`` with its initial
    password, to be written with the others."""
    if account is not None and account.id not in visible:
        return None, [{"field": "登录名", "message": f"登录名“{_quote(fields['username'])}”已被其他账号使用，请换一个登录名。"}]
    raw = {"username": fields["username"], "display_name": fields["name"]}
    if fields["role"] == REGION_ROLE:
        raw["region_id"] = fields["region"].id if fields.get("region") is not None else None
        if fields["station_names"]:  # the ids only to have AdminIn say that one account is not both kinds
            raw["station_ids"] = [s.id for s in _stations(scope, fields["station_names"], account)[0]] or [1]
    else:
        stations, message = _stations(scope, fields["station_names"], account)
        if message:
            return None, [{"field": "所属联络站", "message": message}]
        raw["station_ids"] = [s.id for s in stations]
        if fields.get("region") is not None:
            raw["region_id"] = fields["region"].id
    try:
        data = AdminIn(exclude=("password",)).load(raw)
    except ValidationError as exc:
        return None, [{"field": _HEADER_OF_FIELD.get(field, "角色"), "message": "".join(map(str, said))}
                      for field, said in _messages(exc).items()]
    if account is None:
        if data["username"] != fields["username"] and _username_taken(data["username"]):
            raise conflict(RACED)  # (a name the schema tidied, not among those looked up: as create_admin says)
        password = initial_password(data["username"])
        chosen = {s.id: s for s in stations} if fields["role"] != REGION_ROLE else {}
        stations = [chosen[i] for i in data.get("station_ids") or []]
        try:
            region = accounts.check_new_account(actor, {**data, "password": password}, stations)
        except APIError as exc:
            return None, _refusal(exc)
        new.append({"row": number, "username": data["username"], "display_name": data.get("display_name", ""),
                    "password": password, "region": region, "stations": stations,
                    "disabled": bool(fields.get("disabled"))})
        return "created", None
    changes = _changes(account, data, fields)
    if not changes:
        return "unchanged", None
    try:
        accounts.update_account(actor, account, changes)
    except APIError as exc:
        return None, _refusal(exc)
    return "updated", None


def _refusal(exc):
    """A service's refusal as the row's errors, under the columns it names."""
    said = exc.errors or {exc.field: [exc.message]}
    return [{"field": _HEADER_OF_FIELD.get(field, "登录名"), "message": "".join(map(str, messages))}
            for field, messages in said.items()]


def _messages(exc):
    """A ValidationError's messages by field; the schema's own (``_schema``) under the field they name."""
    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    return {field: said if isinstance(said, list) else [str(said)] for field, said in messages.items()}


def _changes(account, data, fields):
    """What a row changes of a known account, as ``PATCH /api/v1/admins/{id}`` takes it."""
    changes = {}
    if data["display_name"] and data["display_name"] != account.display_name:
        changes["display_name"] = data["display_name"]
    if data.get("region_id") is not None and data["region_id"] != account.admin_region_id:
        changes["region_id"] = data["region_id"]
    if data.get("station_ids") and set(data["station_ids"]) != {s.id for s in account.admin_stations}:
        changes["station_ids"] = data["station_ids"]
    if "disabled" in fields and fields["disabled"] != (account.disabled_dt is not None):
        changes["disabled"] = fields["disabled"]
    return changes


def _stations(scope, names, account):
    """(stations, error message) of a row's 所属联络站: each name found in the scope, or among the stations the
    account already manages (those may lie beyond the importer's scope: the row keeping them is no change)."""
    if not names:
        return [], "联络站管理员须填写所属联络站（多个用顿号分隔）。"
    own = list(account.admin_stations) if account is not None else []
    found = []
    for name in names:
        station, message = _station(scope, name, own)
        if message:
            return [], message
        if station not in found:
            found.append(station)
    return found, None


def _station(scope, text, own):
    """(station, error message): a station by name, or by "区域/名称" where the name is shared."""
    key = importer._norm(text)
    mine = [s for s in own if importer._norm(s.name) == key]
    if len(mine) == 1:
        return mine[0], None
    station, message = scope.find_station(text, None)
    if station is not None or "/" not in key:
        return station, message
    region_text, _, name = key.rpartition("/")
    region, region_message = scope.find_region(region_text)
    if region is None:
        return None, region_message
    candidates = [s for s in scope.stations.values() if s.region_id == region.id and importer._norm(s.name) == name.strip()]
    if len(candidates) == 1:
        return candidates[0], None
    return None, f"在{region.name}找不到联络站“{_quote(name.strip())}”。"


def _parse_row(sheet, number, values, scope):
    """(fields, errors) of one row: name, username, role, station names, region, disabled (when filled)."""
    errors = []

    def error(header, message):
        errors.append({"row": number, "field": header, "message": message})

    texts = importer.cell_texts(sheet, COLUMNS, values, error)
    fields = {"name": texts["name"] or "", "username": texts["username"] or "", "station_names": [], "region": None}
    if texts["name"] == "":
        error("姓名", "姓名不能为空。")
    if texts["username"] == "":
        error("登录名", "登录名不能为空。")
    role_text = texts["role"]
    role = None
    if role_text == "":
        error("角色", "角色不能为空，应为联络站管理员或区域管理员。")
    elif role_text is not None:
        role = _ROLE_WORDS.get(re.sub(r"[\s_]", "", importer._norm(role_text)).lower())
        if role is None:
            error("角色", f"无法识别的角色“{_quote(role_text)}”，应为联络站管理员（站点管理员）或区域管理员。")
    fields["role"] = role
    if texts["stations"]:
        fields["station_names"] = [n.strip() for n in _SEPARATORS.split(texts["stations"]) if n.strip()]
    if texts["region"]:
        region, message = scope.find_region(texts["region"])
        if message:
            error("所属区域", message)
        fields["region"] = region
    elif role == REGION_ROLE and texts["region"] == "":
        error("所属区域", "区域管理员须填写所属区域。")
    if texts["status"]:
        word = re.sub(r"\s", "", importer._norm(texts["status"]))
        if word not in _STATUS_WORDS:
            error("状态", f"无法识别的状态“{_quote(texts['status'])}”，应为在用或停用。")
        else:
            fields["disabled"] = _STATUS_WORDS[word]
    return fields, errors


def roster_rows(actor, scope, users):
    """The accounts ``users`` as the import reads them back (the 管理员名单 export): imported again they change
    nothing. Accounts with neither a region nor a station (none to import them under) are left out."""
    names = {}
    for station in scope.stations.values():
        names.setdefault(importer._norm(station.name), []).append(station)
    for user in users:
        if user.admin_region is not None:
            role, stations, region = REGION_ROLE, "", scope.region_as_imported(user.admin_region)
        elif user.admin_stations:
            role, region = STATION_ROLE, ""
            stations = "、".join(_station_as_imported(scope, names, s) for s in sorted(user.admin_stations, key=lambda s: s.id))
        else:
            continue
        yield [user.display_name or user.username, user.username, role, stations, region,
               "停用" if user.disabled_dt is not None else "在用"]


def _station_as_imported(scope, names, station):
    if len(names.get(importer._norm(station.name), ())) > 1:
        return f"{scope.region_as_imported(station.region)}/{station.name}"
    return station.name


def result_sheet(result):
    """下载导入结果 (.xlsx bytes): the new accounts with their initial passwords, to hand to their holders."""
    import io

    import openpyxl
    from openpyxl.styles import Font

    from ..spreadsheets import cell

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "新建账号初始密码"

    def add(values):
        # Every text through spreadsheets.cell: an imported name "=HYPERLINK(…&D2…)" stays text, never a formula
        # next to the passwords it would send away.
        sheet.append([cell(sheet, value) for value in values])

    add(["行号", "姓名", "登录名", "初始密码"])
    for heading in sheet[1]:
        heading.font = Font(bold=True)
    for entry in result["passwords"]:
        add([entry["row"], entry["display_name"], entry["username"], entry["password"]])
    for letter, width in (("A", 8), ("B", 14), ("C", 20), ("D", 18)):
        sheet.column_dimensions[letter].width = width
    add([])
    add(["", "初始密码只显示这一次，请妥善保管、逐一告知本人；首次登录须修改密码。"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

