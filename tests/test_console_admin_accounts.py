"""The console's 管理员账号 page (region administrators) and 修改密码 (every administrator).

The same rules as the /admins API (tests/test_admin_accounts.py); here what an administrator sees:
the list, the forms, the Chinese messages, and forms that take their step once.
"""
import re

import pytest
from sqlalchemy import func, select

from backend.auth.models import User
from backend.extensions import db

from .test_admin_accounts import world  # noqa: F401 - fixture
from .test_console_forms_once import FLASH, form_on, sent_twice
from .refusals import at_fields, summary
from .test_console_org_activities import sign_in, text, token_from
from .test_web_pages import config_override  # noqa: F401  (fixture)


@pytest.fixture
def huaihua(app, world):  # noqa: F811
    return sign_in(app, "huaihua")


def account(username):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def accounts(username):
    return db.session.scalar(select(func.count()).select_from(User).where(User.username == username))


def flashes(client, response):
    assert response.status_code in (302, 422), text(response)
    page = text(client.get(response.headers["Location"])) if response.status_code == 302 else text(response)
    return FLASH.findall(page)


def new_station_admin(world, username="chengnan", **extra):
    return {"kind": "station", "username": username, "display_name": "王芳", "password": "first-pass-1",
            "password2": "first-pass-1", "station_ids": [str(world["chengnan"].id)], **extra}


def test_the_list_shows_the_accounts_in_scope(huaihua, world, factory):  # noqa: F811
    factory.admin("hecheng", region=world["tree"]["hc"])
    page = text(huaihua.get("/console/admins"))
    assert '管理员账号</a>' in page  # the nav entry
    rows = re.findall(r"<tr>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*<td>(.*?)</td>\s*<td[^>]*>([^<]*)</td>\s*<td>(.*?)</td>",
                      page, re.S)
    assert [(r[1], r[2], r[3], r[4]) for r in rows] == [
        ("chengbei", "联络站管理员 · 城北联络站", "从未登录", "正常"),
        ("hecheng", "区域管理员 · 鹤城区", "从未登录", "正常"),
        ("huaihua", "区域管理员 · 怀化市", rows[2][3], "正常"),
    ]
    assert "yuelu" not in page and "root" not in re.sub(r"<nav.*?</nav>", "", page, flags=re.S).split("<main ")[1]
    searched = text(huaihua.get("/console/admins?q=heche"))
    assert "hecheng" in searched and "chengbei</td>" not in searched


def test_a_station_admin_has_no_such_page(app, world):  # noqa: F811
    clerk = sign_in(app, "chengbei")
    home = text(clerk.get("/console/"))
    assert "管理员账号" not in home and "修改密码" in home
    refused = clerk.get("/console/admins")
    assert refused.status_code == 403 and "只有区域管理员可以管理管理员账号。" in text(refused)
    assert clerk.get(f"/console/admins/{world['clerk'].id}").status_code == 403
    assert clerk.get("/console/admins/new").status_code == 403


def test_a_station_admin_is_created_and_signs_in(app, huaihua, world):  # noqa: F811
    fields = form_on(huaihua, "/console/admins/new")
    response = huaihua.post("/console/admins/new", data=new_station_admin(world) | fields)
    assert flashes(huaihua, response) == [
        "已新建联络站管理员账号“王芳”（用户名 chengnan）。请将用户名和初始密码告知本人，并提醒其登录后修改密码。"]
    created = account("chengnan")
    assert [s.name for s in created.admin_stations] == ["城南联络站"]
    assert response.headers["Location"].endswith(f"/console/admins/{created.id}")
    new_admin = sign_in(app, "chengnan", "first-pass-1")
    assert new_admin.get("/console/stations").headers["Location"].endswith("/console/password")  # 初始密码 first
    new_admin.post("/console/password", data={
        "current_password": "first-pass-1", "new_password": "own-pass-2024", "new_password2": "own-pass-2024",
        "csrf_token": token_from(new_admin, "/console/password")})
    assert "城南联络站" in text(new_admin.get("/console/stations"))


def test_a_region_admin_is_created_for_a_region_below_only(huaihua, world):  # noqa: F811
    page = text(huaihua.get("/console/admins/new"))
    region_select = re.search(r'<select name="region_id">(.*?)</select>', page, re.S).group(1)
    assert "鹤城区" in region_select and "怀化市" not in region_select
    data = {"kind": "region", "username": "hecheng", "password": "first-pass-1", "password2": "first-pass-1",
            "region_id": str(world["tree"]["hc"].id)}
    response = huaihua.post("/console/admins/new", data=data | form_on(huaihua, "/console/admins/new"))
    assert flashes(huaihua, response)[0].startswith("已新建区域管理员账号“hecheng”")
    assert account("hecheng").admin_region_id == world["tree"]["hc"].id

    peer = data | {"username": "huaihua2", "region_id": str(world["tree"]["hh"].id)}
    refused = huaihua.post("/console/admins/new", data=peer | form_on(huaihua, "/console/admins/new"))
    assert refused.status_code == 422
    assert at_fields(refused) == {"region_id": "只能为您所管区域的下级区域设置区域管理员；本级区域的管理员须由上级区域的管理员设置。"}
    assert accounts("huaihua2") == 0


def test_bad_input_is_shown_again_in_chinese(huaihua, world):  # noqa: F811
    # Each reason is under the field it is about; a name already taken too, with the API's 409.
    cases = [
        (new_station_admin(world, username="chengbei"), 409, {"username": "该用户名已存在。"}),
        (new_station_admin(world, password2="other-pass-1"), 422, {"password": "两次输入的初始密码不一致。"}),
        (new_station_admin(world, password="short", password2="short"), 422, {"password": "密码须为 10 至 128 个字符。"}),
        (new_station_admin(world, username="a b"), 422, {"username": "用户名不能包含空格。"}),
        (new_station_admin(world, station_ids=[]), 422,
         {"station_ids": "请选择所管联络站（联络站管理员）或所管区域（区域管理员）。"}),
        (new_station_admin(world, station_ids=[str(world["yuelu"].id)]), 422,
         {"station_ids": f"联络站不存在或不在您的管理范围内：{world['yuelu'].id}。"}),
    ]
    for data, status, under_fields in cases:
        response = huaihua.post("/console/admins/new", data=data | form_on(huaihua, "/console/admins/new"))
        assert response.status_code == status, (data, text(response))
        assert FLASH.findall(text(response)) == []  # nothing at the top but the summary
        assert at_fields(response) == under_fields
        assert 'value="王芳"' in text(response)  # what was typed stays
        assert f'value="{data["username"]}"' in text(response)
        assert "first-pass-1" not in text(response) and "short" not in re.findall(r'value="([^"]*)"', text(response))
    assert accounts("chengnan") == 0 and accounts("a b") == 0


def test_a_new_account_form_sent_twice_makes_one_account(huaihua, world):  # noqa: F811
    fields = form_on(huaihua, "/console/admins/new")
    location, messages = sent_twice(huaihua, "/console/admins/new", new_station_admin(world) | fields)
    assert messages == ["已新建联络站管理员账号“王芳”（用户名 chengnan）。请将用户名和初始密码告知本人，并提醒其登录后修改密码。"]
    assert accounts("chengnan") == 1
    assert location.endswith(f"/console/admins/{account('chengnan').id}")


def test_editing_resetting_and_disabling_a_station_admin(app, huaihua, world):  # noqa: F811
    clerk_id = world["clerk"].id
    edit = f"/console/admins/{clerk_id}"
    clerk_browser = sign_in(app, "chengbei")

    data = {"display_name": "李明", "stations_present": "1",
            "station_ids": [str(world["chengbei"].id), str(world["chengnan"].id)]}
    saved = huaihua.post(edit, data=data | form_on(huaihua, edit, None))
    assert flashes(huaihua, saved) == ["已保存管理员账号“李明”。"]
    assert sorted(s.name for s in account("chengbei").admin_stations) == ["城北联络站", "城南联络站"]

    action = f"{edit}/password"
    location, messages = sent_twice(huaihua, action, {"password": "Reset-pass-9", "password2": "Reset-pass-9"}
                                    | form_on(huaihua, edit, action))
    assert messages == ["已重置“李明”的密码，该账号此前的登录（管理后台和小程序接口）均已失效。请将新密码告知本人。"]
    assert clerk_browser.get("/console/").status_code == 302  # signed out
    clerk_browser = sign_in(app, "chengbei", "Reset-pass-9")

    action = f"{edit}/disabled"
    disabled = huaihua.post(action, data={"disabled": "1"} | form_on(huaihua, edit, action))
    assert flashes(huaihua, disabled) == ["已停用“李明”的账号，其登录随即失效，也不能再登录。"]
    assert clerk_browser.get("/console/").status_code == 302
    login = clerk_browser.post("/console/login", data={"username": "chengbei", "password": "Reset-pass-9",
                                                       "csrf_token": token_from(clerk_browser, "/console/login")})
    assert login.status_code == 403 and "该账号已停用，无法登录。如需继续使用，请联系上级管理员启用。" in text(login)
    listed = text(huaihua.get("/console/admins?q=chengbei"))
    assert "已停用" in listed

    enabled = huaihua.post(action, data={"disabled": "0"} | form_on(huaihua, edit, action))
    assert flashes(huaihua, enabled) == ["已启用“李明”的账号，可以重新登录。"]
    sign_in(app, "chengbei", "Reset-pass-9")


def test_a_refused_password_reset_is_said_under_the_new_password(app, huaihua, world):  # noqa: F811
    edit = f"/console/admins/{world['clerk'].id}"
    action = f"{edit}/password"
    for typed, message in (
        ({"password": "Reset-pass-9", "password2": "Reset-pass-8"}, "两次输入的新密码不一致。"),
        ({"password": "short", "password2": "short"}, "密码须为 10 至 128 个字符。"),
    ):
        refused = huaihua.post(action, data=typed | form_on(huaihua, edit, action))
        assert refused.status_code == 422, text(refused)
        assert at_fields(refused) == {"password": message}
        assert summary(refused) == "有 1 处需要修改：新密码。" and FLASH.findall(text(refused)) == []
        page = text(refused)
        # The account's page, its own form as saved; the passwords typed are not written back into the page.
        assert 'id="admin-password"' in page and 'name="display_name" maxlength="64" value="chengbei"' in page
        assert typed["password"] not in page
    sign_in(app, "chengbei")  # the old password still signs in


def test_no_one_acts_on_themselves_or_outside_their_scope(huaihua, world, factory):  # noqa: F811
    mine = f"/console/admins/{world['huaihua'].id}"
    page = text(huaihua.get(mine))
    assert "这是您本人的账号" in page and "停用账号" not in page and "重置密码" not in page
    renamed = huaihua.post(mine, data={"display_name": "怀化市人大", "csrf_token": token_from(huaihua, mine)})
    assert flashes(huaihua, renamed) == ["已保存管理员账号“怀化市人大”。"]
    action = f"{mine}/disabled"
    refused = huaihua.post(action, data={"disabled": "1", "csrf_token": token_from(huaihua, mine)})
    assert "不能停用自己的账号" in flashes(huaihua, refused)[0]
    assert account("huaihua").disabled_dt is None

    far = f"/console/admins/{world['far_clerk'].id}"
    assert huaihua.get(far).status_code == 404
    refused = huaihua.post(f"{far}/password", data={"password": "Reset-pass-9", "password2": "Reset-pass-9",
                                                   "csrf_token": token_from(huaihua, mine)})
    assert refused.status_code == 404 and "管理员账号不存在。" in text(refused)

    peer = factory.admin("huaihua-peer", region=world["tree"]["hh"])
    page = text(huaihua.get(f"/console/admins/{peer.id}"))
    assert "须由上级区域的管理员办理" in page and "停用账号" not in page
    # Refused for who it is, before what was typed: the page has no form to say that under.
    peers = f"/console/admins/{peer.id}"
    refused = huaihua.post(f"{peers}/password", data={"password": "short", "password2": "other",
                                                     "csrf_token": token_from(huaihua, peers)})
    assert flashes(huaihua, refused) == ["该账号是您所在区域或上级区域的管理员，须由上级区域的管理员办理。"]


def test_an_admin_changes_their_own_password_and_stays_signed_in(app, world):  # noqa: F811
    clerk = sign_in(app, "chengbei")
    other_browser = sign_in(app, "chengbei")
    wrong = clerk.post("/console/password", data={
        "current_password": "not-it-123", "new_password": "brand-new-pass", "new_password2": "brand-new-pass",
        "csrf_token": token_from(clerk, "/console/password")})
    assert wrong.status_code == 422 and at_fields(wrong) == {"current_password": "当前密码不正确。"}
    mismatch = clerk.post("/console/password", data={
        "current_password": "password123", "new_password": "brand-new-pass", "new_password2": "brand-new-pas",
        "csrf_token": token_from(clerk, "/console/password")})
    assert at_fields(mismatch) == {"new_password": "两次输入的新密码不一致。"}

    fields = form_on(clerk, "/console/password")
    _, messages = sent_twice(clerk, "/console/password", {
        "current_password": "password123", "new_password": "brand-new-pass", "new_password2": "brand-new-pass"} | fields)
    assert messages == ["密码已修改。此账号在其他浏览器和设备上的登录（含小程序接口令牌）均已失效，本浏览器保持登录。"]
    assert clerk.get("/console/").status_code == 200
    assert other_browser.get("/console/").status_code == 302
    sign_in(app, "chengbei", "brand-new-pass")


def test_guessing_ones_own_password_in_the_console_is_limited(app, world, config_override):  # noqa: F811
    config_override(LOGIN_ACCOUNT_RATE_LIMIT="2 per minute")
    clerk = sign_in(app, "chengbei")
    for guess in ("guess-one-1", "guess-two-2"):
        assert clerk.post("/console/password", data={
            "current_password": guess, "new_password": "brand-new-pass", "new_password2": "brand-new-pass",
            "csrf_token": token_from(clerk, "/console/password")}).status_code == 422
    limited = clerk.post("/console/password", data={
        "current_password": "password123", "new_password": "brand-new-pass", "new_password2": "brand-new-pass",
        "csrf_token": token_from(clerk, "/console/password")})
    assert limited.status_code == 429
    assert FLASH.findall(text(limited)) == ["密码修改失败次数过多，请稍后再试。"]
    assert "修改密码" in text(limited) and clerk.get("/console/").status_code == 200  # still signed in
    sign_in(app, "chengbei", "password123")  # the password did not change


def test_a_new_account_form_with_several_mistakes_names_them_all_at_once(huaihua, world):  # noqa: F811
    """A username with a space and passwords that differ: each under its field in one answer, not the
    password first and the username on the next try."""
    response = huaihua.post("/console/admins/new", data=new_station_admin(
        world, username="a b", password2="other-pass-1") | form_on(huaihua, "/console/admins/new"))
    assert response.status_code == 422
    assert at_fields(response) == {"username": "用户名不能包含空格。", "password": "两次输入的初始密码不一致。"}
    region = huaihua.post("/console/admins/new", data=new_station_admin(
        world, kind="region", username="a b", region_id="") | form_on(huaihua, "/console/admins/new"))
    assert at_fields(region) == {"username": "用户名不能包含空格。", "region_id": "请选择所管区域。"}
    assert accounts("a b") == 0
    clerk = sign_in(huaihua.application, "chengbei")
    both = clerk.post("/console/password", data={
        "current_password": "", "new_password": "brand-new-pass", "new_password2": "brand-new-pas",
        "csrf_token": token_from(clerk, "/console/password")})
    assert list(at_fields(both)) == ["current_password", "new_password"], at_fields(both)
    assert at_fields(both)["new_password"] == "两次输入的新密码不一致。"
