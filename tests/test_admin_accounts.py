"""Administrator accounts managed through the API (/admins, /me/password) and the create-admin command.

Region administrators make station administrators for their stations and region administrators for the
regions below theirs; nobody acts outside their scope (404) or on themselves; a disabled account cannot
sign in and its tokens stop at once; a reset password ends the account's tokens.
"""
import logging
import threading

import pytest
import requests
from sqlalchemy import func, select

from backend.auth import services as auth_services
from backend.auth.models import User
from backend.extensions import db

from .factories import sent_statements
from .parallel import released_together
from .test_web_pages import config_override  # noqa: F401  (fixture)


@pytest.fixture
def world(factory):
    tree = factory.tree()
    chengbei = factory.station(tree["hc"], "城北联络站")
    chengnan = factory.station(tree["hc"], "城南联络站")
    yuelu = factory.station(tree["yl"], "岳麓联络站")
    root = factory.admin("root", region=tree["root"])
    huaihua = factory.admin("huaihua", region=tree["hh"])
    changsha = factory.admin("changsha", region=tree["cs"])
    clerk = factory.admin("chengbei", stations=[chengbei])
    far_clerk = factory.admin("yuelu", stations=[yuelu])
    return {"tree": tree, "chengbei": chengbei, "chengnan": chengnan, "yuelu": yuelu, "root": root,
            "huaihua": huaihua, "changsha": changsha, "clerk": clerk, "far_clerk": far_clerk}


def headers(factory, username, password="password123"):
    user = db.session.scalar(select(User).where(User.username == username))
    return factory.headers_for_admin(user, password)


def login(client, username, password):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def accounts(username):
    return db.session.scalar(select(func.count()).select_from(User).where(User.username == username))


def test_a_region_admin_creates_a_station_admin_who_signs_in_to_their_stations(client, factory, world):
    hh = headers(factory, "huaihua")
    response = client.post("/api/v1/admins", headers=hh, json={
        "username": "chengnan", "display_name": "王芳", "password": "first-pass-1",
        "station_ids": [world["chengnan"].id, world["chengbei"].id],
    })
    assert response.status_code == 201, response.json
    body = response.json
    assert body["username"] == "chengnan" and body["display_name"] == "王芳"
    assert body["roles"] == ["station_admin"] and body["region"] is None
    assert [s["name"] for s in body["stations"]] == ["城北联络站", "城南联络站"]
    assert body["disabled"] is False and body["manageable"] is True
    assert "password" not in response.get_data(as_text=True)

    signed_in = login(client, "chengnan", "first-pass-1")
    assert signed_in.status_code == 200
    assert signed_in.json["user"]["roles"] == ["station_admin"]
    assert signed_in.json["user"]["station_ids"] == sorted([world["chengnan"].id, world["chengbei"].id])


def test_a_region_admin_creates_a_region_admin_below_but_not_a_peer(client, factory, world):
    hh = headers(factory, "huaihua")
    below = client.post("/api/v1/admins", headers=hh, json={
        "username": "hecheng", "password": "first-pass-1", "region_id": world["tree"]["hc"].id})
    assert below.status_code == 201, below.json
    assert below.json["roles"] == ["region_admin"] and below.json["region"]["name"] == "鹤城区"
    assert below.json["display_name"] == "hecheng"

    peer = client.post("/api/v1/admins", headers=hh, json={
        "username": "huaihua2", "password": "first-pass-1", "region_id": world["tree"]["hh"].id})
    assert peer.status_code == 422
    assert "本级区域的管理员须由上级区域的管理员设置" in peer.json["errors"]["region_id"][0]
    outside = client.post("/api/v1/admins", headers=hh, json={
        "username": "changsha2", "password": "first-pass-1", "region_id": world["tree"]["cs"].id})
    assert outside.status_code == 422 and outside.json["errors"]["region_id"] == ["区域不存在，或不在您的管理范围内。"]
    assert accounts("huaihua2") == 0 and accounts("changsha2") == 0

    # The root region's administrators have no region above: they make their peers.
    root = headers(factory, "root")
    assert client.post("/api/v1/admins", headers=root, json={
        "username": "root2", "password": "first-pass-1", "region_id": world["tree"]["root"].id}).status_code == 201


def test_scope_lists_and_refuses_what_lies_outside(client, factory, world):
    hh = headers(factory, "huaihua")
    listed = client.get("/api/v1/admins", headers=hh).json
    assert [a["username"] for a in listed["items"]] == ["chengbei", "huaihua"]
    assert listed["total"] == 2
    mine = {a["username"]: a for a in listed["items"]}
    assert mine["huaihua"]["manageable"] is False and mine["chengbei"]["manageable"] is True
    assert [a["username"] for a in client.get("/api/v1/admins?q=cheng", headers=hh).json["items"]] == ["chengbei"]

    far = world["far_clerk"].id
    assert client.get(f"/api/v1/admins/{far}", headers=hh).status_code == 404
    assert client.patch(f"/api/v1/admins/{far}", headers=hh, json={"disabled": True}).status_code == 404
    refused = client.post(f"/api/v1/admins/{far}/password", headers=hh, json={"password": "new-pass-123"})
    assert refused.status_code == 404 and refused.json["message"] == "管理员账号不存在。"
    assert client.get("/api/v1/admins/99999999999", headers=hh).status_code == 404
    foreign_station = client.post("/api/v1/admins", headers=hh, json={
        "username": "sneaky", "password": "first-pass-1", "station_ids": [world["yuelu"].id]})
    assert foreign_station.status_code == 422
    assert "联络站不存在或不在您的管理范围内" in foreign_station.json["errors"]["station_ids"][0]

    # A peer (or the one above) is seen but not managed.
    root_id = world["root"].id
    assert client.get(f"/api/v1/admins/{root_id}", headers=hh).status_code == 404
    peer = factory.admin("huaihua-peer", region=world["tree"]["hh"])
    refused = client.patch(f"/api/v1/admins/{peer.id}", headers=hh, json={"disabled": True})
    assert refused.status_code == 403 and "须由上级区域的管理员办理" in refused.json["message"]

    # Station administrators and deputies have no such page.
    clerk = headers(factory, "chengbei")
    assert client.get("/api/v1/admins", headers=clerk).status_code == 403
    assert client.post("/api/v1/admins", headers=clerk, json={}).status_code == 403


def test_nobody_disables_moves_or_resets_themselves(client, factory, world):
    hh = headers(factory, "huaihua")
    me = world["huaihua"].id
    for body in ({"disabled": True}, {"region_id": world["tree"]["hc"].id}):
        refused = client.patch(f"/api/v1/admins/{me}", headers=hh, json=body)
        assert refused.status_code == 403 and "不能停用自己的账号" in refused.json["message"]
    refused = client.post(f"/api/v1/admins/{me}/password", headers=hh, json={"password": "new-pass-123"})
    assert refused.status_code == 403 and "修改密码" in refused.json["message"]
    renamed = client.patch(f"/api/v1/admins/{me}", headers=hh, json={"display_name": "怀化市人大"})
    assert renamed.status_code == 200 and renamed.json["display_name"] == "怀化市人大"
    db.session.expire_all()
    assert world["huaihua"].disabled_dt is None and world["huaihua"].admin_region_id == world["tree"]["hh"].id


def test_editing_a_station_admin_changes_their_stations_and_name(client, factory, world):
    hh = headers(factory, "huaihua")
    clerk = world["clerk"].id
    changed = client.patch(f"/api/v1/admins/{clerk}", headers=hh, json={
        "display_name": "李明", "station_ids": [world["chengnan"].id]})
    assert changed.status_code == 200, changed.json
    assert changed.json["display_name"] == "李明" and [s["name"] for s in changed.json["stations"]] == ["城南联络站"]
    signed_in = login(client, "chengbei", "password123").json["user"]
    assert signed_in["station_ids"] == [world["chengnan"].id]
    none = client.patch(f"/api/v1/admins/{clerk}", headers=hh, json={"station_ids": []})
    assert none.status_code == 422 and none.json["errors"]["station_ids"] == ["请至少选择一个联络站。"]
    mixed = client.patch(f"/api/v1/admins/{clerk}", headers=hh, json={"region_id": world["tree"]["hc"].id})
    assert mixed.status_code == 422 and "不能改为区域管理员" in mixed.json["errors"]["region_id"][0]


def test_a_disabled_account_cannot_sign_in_and_its_token_stops(client, factory, world):
    clerk_token = headers(factory, "chengbei")
    assert client.get("/api/v1/me", headers=clerk_token).status_code == 200
    hh = headers(factory, "huaihua")
    disabled = client.patch(f"/api/v1/admins/{world['clerk'].id}", headers=hh, json={"disabled": True})
    assert disabled.status_code == 200 and disabled.json["disabled"] is True and disabled.json["disabled_at"]

    assert client.get("/api/v1/me", headers=clerk_token).status_code == 401
    refused = login(client, "chengbei", "password123")
    assert refused.status_code == 403 and refused.json["error"] == "account_disabled"
    assert refused.json["message"] == "该账号已停用，无法登录。如需继续使用，请联系上级管理员启用。"
    # A wrong password is told nothing about the account.
    assert login(client, "chengbei", "wrong-pass").json["message"] == "用户名或密码错误。"

    enabled = client.patch(f"/api/v1/admins/{world['clerk'].id}", headers=hh, json={"disabled": False})
    assert enabled.status_code == 200 and enabled.json["disabled"] is False
    assert login(client, "chengbei", "password123").status_code == 200


def test_a_reset_password_ends_the_old_token(client, factory, world, caplog):
    old = headers(factory, "chengbei")
    hh = headers(factory, "huaihua")
    with caplog.at_level(logging.DEBUG):
        reset = client.post(f"/api/v1/admins/{world['clerk'].id}/password", headers=hh, json={"password": "Reset-pass-9"})
    assert reset.status_code == 204
    assert "Reset-pass-9" not in caplog.text
    assert client.get("/api/v1/me", headers=old).status_code == 401
    assert login(client, "chengbei", "password123").status_code == 401
    assert login(client, "chengbei", "Reset-pass-9").status_code == 200
    short = client.post(f"/api/v1/admins/{world['clerk'].id}/password", headers=hh, json={"password": "short"})
    assert short.status_code == 422 and short.json["errors"]["password"] == ["密码须为 10 至 128 个字符。"]


def test_an_admin_changes_their_own_password(client, factory, world):
    first = headers(factory, "chengbei")
    other_device = headers(factory, "chengbei")
    wrong = client.post("/api/v1/me/password", headers=first,
                        json={"current_password": "not-it-123", "new_password": "brand-new-pass"})
    assert wrong.status_code == 422 and wrong.json["errors"]["current_password"] == ["当前密码不正确。"]
    assert login(client, "chengbei", "brand-new-pass").status_code == 401

    changed = client.post("/api/v1/me/password", headers=first,
                          json={"current_password": "password123", "new_password": "brand-new-pass"})
    assert changed.status_code == 200
    assert "brand-new-pass" not in changed.get_data(as_text=True)
    fresh = {"Authorization": f"Bearer {changed.json['token']}"}
    assert client.get("/api/v1/me", headers=fresh).status_code == 200
    assert client.get("/api/v1/me", headers=other_device).status_code == 401
    assert login(client, "chengbei", "brand-new-pass").status_code == 200

    citizen = factory.wechat_login("citizen-1")
    assert client.post("/api/v1/me/password", headers=citizen,
                       json={"current_password": "x", "new_password": "brand-new-pass"}).status_code == 403


def test_guessing_ones_own_password_is_limited_as_signing_in_is(client, factory, world, config_override):  # noqa: F811
    """A token left on a phone is no way to find the password out: refused changes count against the
    account like failed sign-ins, and past the limit even the right password waits."""
    config_override(LOGIN_ACCOUNT_RATE_LIMIT="3 per minute")
    mine, other = headers(factory, "chengbei"), headers(factory, "huaihua")
    for guess in ("guess-one-1", "guess-two-2", "guess-three-3"):
        refused = client.post("/api/v1/me/password", headers=mine,
                              json={"current_password": guess, "new_password": "brand-new-pass"})
        assert refused.status_code == 422, refused.json
    limited = client.post("/api/v1/me/password", headers=mine,
                          json={"current_password": "password123", "new_password": "brand-new-pass"})
    assert limited.status_code == 429 and limited.json["message"] == "操作过于频繁，请 1 分钟后再试。"
    assert login(client, "chengbei", "brand-new-pass").status_code == 401  # not changed
    # Another account's changes are its own.
    assert client.post("/api/v1/me/password", headers=other,
                       json={"current_password": "password123", "new_password": "brand-new-pass"}).status_code == 200


def test_bad_input_is_refused_in_chinese(client, factory, world):
    hh = headers(factory, "huaihua")
    cases = [
        ({"username": "a b", "password": "first-pass-1", "station_ids": [world["chengbei"].id]}, "username", "用户名不能包含空格。"),
        ({"username": "x", "password": "first-pass-1", "station_ids": [world["chengbei"].id]}, "username", "长度应在 2 到 64 个字符之间。"),
        ({"username": "ok-name", "password": "short", "station_ids": [world["chengbei"].id]}, "password", "密码须为 10 至 128 个字符。"),
        ({"username": "ok-name", "password": "first-pass-1"}, "station_ids", "请选择所管联络站（联络站管理员）或所管区域（区域管理员）。"),
        ({"username": "ok-name", "password": "first-pass-1", "station_ids": ["1"]}, "station_ids", None),
        ({"username": "ok-name", "password": "first-pass-1", "region_id": world["tree"]["hc"].id,
          "station_ids": [world["chengbei"].id]}, "region_id", None),
        ({"password": "first-pass-1", "station_ids": [world["chengbei"].id]}, "username", "此项为必填项。"),
    ]
    for body, field, message in cases:
        response = client.post("/api/v1/admins", headers=hh, json=body)
        assert response.status_code == 422, (body, response.json)
        assert response.json["error"] == "validation_failed"
        assert field in response.json["errors"], (body, response.json)
        if message:
            assert response.json["errors"][field] == [message], response.json
    assert accounts("ok-name") == 0
    for odd in ("yes", 1, 0, "true"):  # 1 == True: a truthy set of {True} alone let it through
        assert client.patch(f"/api/v1/admins/{world['clerk'].id}", headers=hh,
                            json={"disabled": odd}).json["errors"]["disabled"] == ["应为布尔值（true 或 false）。"]
    db.session.expire_all()
    assert world["clerk"].disabled_dt is None


def test_a_taken_username_is_a_conflict_in_chinese(client, factory, world):
    hh = headers(factory, "huaihua")
    taken = client.post("/api/v1/admins", headers=hh, json={
        "username": "changsha", "password": "first-pass-1", "station_ids": [world["chengbei"].id]})
    assert taken.status_code == 409 and taken.json == {"error": "conflict", "message": "该用户名已存在。"}
    assert accounts("changsha") == 1


def test_two_creations_of_one_username_at_the_same_instant_make_one_account(base_url, factory, world, monkeypatch):
    """Both find the name free; the unique index lets one in, and the other is told the name is taken."""
    hh = headers(factory, "huaihua")
    # Both requests past the check for the name before either inserts it: the race, every time.
    both_checked = threading.Barrier(2, timeout=20)
    hashed = auth_services._password_hash

    def hash_when_both_checked(password, generated=False):
        both_checked.wait()
        return hashed(password, generated)

    monkeypatch.setattr(auth_services, "_password_hash", hash_when_both_checked)
    stations = world["chengbei"].id, world["chengnan"].id
    db.session.close()  # the server's threads use their own sessions

    def create(station_id):
        return lambda: requests.post(f"{base_url}/api/v1/admins", headers=hh, timeout=30, json={
            "username": "twin", "password": "first-pass-1", "station_ids": [station_id]})

    answers = released_together(*map(create, stations))
    assert sorted(a.status_code for a in answers) == [201, 409]
    assert [a.json()["message"] for a in answers if a.status_code == 409] == ["该用户名已存在。"]
    assert accounts("twin") == 1


def test_create_admin_command_makes_a_station_admin(app, factory, world):
    runner = app.test_cli_runner()
    ids = [world["chengbei"].id, world["chengnan"].id]
    result = runner.invoke(args=["create-admin", "clerk2", "--password", "first-pass-1",
                                 "--station", str(ids[0]), "--station", str(ids[1])])
    assert result.exit_code == 0, result.output
    assert "已创建联络站管理员 clerk2（管理联络站：城北联络站、城南联络站）" in result.output
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.username == "clerk2"))
    assert sorted(s.id for s in user.admin_stations) == sorted(ids) and user.admin_region_id is None

    unknown = runner.invoke(args=["create-admin", "clerk3", "--password", "first-pass-1", "--station", "99999"])
    assert unknown.exit_code != 0 and "联络站 99999 不存在" in unknown.output
    both = runner.invoke(args=["create-admin", "clerk4", "--password", "first-pass-1", "--station", str(ids[0]),
                               "--region", str(world["tree"]["hc"].id)])
    assert both.exit_code != 0 and "--region 和 --station 只能选用其一" in both.output
    taken = runner.invoke(args=["create-admin", "clerk2", "--password", "first-pass-1", "--station", str(ids[0])])
    assert taken.exit_code != 0 and "该用户名已存在。" in taken.output
    assert accounts("clerk3") == 0 and accounts("clerk4") == 0


def test_the_commands_ask_for_the_password_unseen_and_twice_when_it_is_not_given(app, client, world):
    """On the command line a password is visible in ps to every local user and stays in the shell's
    history: without --password, create-admin and set-password ask for it without echoing it, twice."""
    runner = app.test_cli_runner()
    created = runner.invoke(args=["create-admin", "clerk5", "--station", str(world["chengbei"].id)],
                            input="first-pass-1\nfirst-pass-1\n")
    assert created.exit_code == 0, created.output
    assert "密码：" in created.output and "再次输入密码：" in created.output
    assert "first-pass-1" not in created.output
    assert "已创建联络站管理员 clerk5" in created.output

    differ = runner.invoke(args=["set-password", "clerk5"], input="new-pass-123\nnew-pass-124\n")
    assert differ.exit_code == 1
    assert "两次输入的密码不一致，密码未修改。" in differ.output
    short = runner.invoke(args=["create-admin", "clerk6"], input="short\nshort\n")
    assert short.exit_code != 0 and "密码须为 10 至 128 个字符。" in short.output and accounts("clerk6") == 0

    def sign_in(password):
        return client.post("/api/v1/auth/login", json={"username": "clerk5", "password": password}).status_code

    assert (sign_in("first-pass-1"), sign_in("new-pass-123")) == (200, 401)
    changed = runner.invoke(args=["set-password", "clerk5"], input="new-pass-123\nnew-pass-123\n")
    assert changed.exit_code == 0, changed.output
    assert "new-pass-123" not in changed.output
    assert (sign_in("first-pass-1"), sign_in("new-pass-123")) == (401, 200)


def test_a_page_of_accounts_costs_the_same_statements_however_many_it_lists(app, client, factory, world):
    """Whether the viewer manages each listed account is decided on what the page loaded with it."""
    hh = headers(factory, "huaihua")

    def statements_for_the_list():
        db.session.expire_all()
        with sent_statements(app) as sent:
            page = client.get("/api/v1/admins?per_page=100", headers=hh)
        assert page.status_code == 200
        return len(sent), page.json["total"]

    few = statements_for_the_list()
    for n in range(6):
        station = factory.station(factory.region(f"乡镇{n}", "township", world["tree"]["hc"]), f"新站{n}")
        factory.admin(f"clerk{n}", stations=[station, world["chengnan"]])
    many = statements_for_the_list()
    assert many == (few[0], few[1] + 6)
