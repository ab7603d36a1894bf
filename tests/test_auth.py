"""Signing in: WeChat citizens, deputies by phone, administrators by password."""
import time
from types import SimpleNamespace

from backend import create_app
from backend.auth import services as auth_services
from backend.auth import tokens
from backend.extensions import db
from backend.org.models import Region

from .test_console_suggestions import console_login, csrf_token
from .test_web_pages import config_override  # noqa: F401  (fixture)


def test_first_wechat_login_creates_a_citizen_and_the_same_code_owner_gets_the_same_user(client):
    first = client.post("/api/v1/auth/wechat", json={"code": "alice"})
    assert first.status_code == 200
    assert first.json["user"]["roles"] == ["citizen"]
    again = client.post("/api/v1/auth/wechat", json={"code": "alice"})
    assert again.json["user"]["id"] == first.json["user"]["id"]

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {first.json['token']}"})
    assert me.status_code == 200
    assert me.json["roles"] == ["citizen"]
    assert me.json["deputy_id"] is None


def test_invalid_wechat_code_is_401_in_chinese(client):
    response = client.post("/api/v1/auth/wechat", json={"code": "invalid"})
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"
    assert "重新进入小程序" in response.json["message"]


def test_wechat_busy_is_503_asking_to_retry(client):
    response = client.post("/api/v1/auth/wechat", json={"code": "busy"})
    assert response.status_code == 503
    assert "稍后重试" in response.json["message"]
    assert response.headers.getlist("Retry-After") == ["5"]


def test_wechat_unreachable_is_503(app, client):
    app.extensions.pop("wechat_client", None)
    original = app.config["WECHAT_API_BASE"]
    app.config["WECHAT_API_BASE"] = "http://127.0.0.1:9"  # nothing listens on the discard port
    try:
        response = client.post("/api/v1/auth/wechat", json={"code": "alice"})
    finally:
        app.config["WECHAT_API_BASE"] = original
        app.extensions.pop("wechat_client", None)
    assert response.status_code == 503
    assert response.json["error"] == "wechat_unavailable"


def test_wechat_answers_without_the_openid_or_the_phone_number_are_503_asking_to_retry(client, factory, wechat_standin):
    """A gateway (or WeChat itself) answering success without what the answer must carry: nothing was
    decided, and the user is asked to retry as for a busy WeChat, with nothing written."""
    headers = factory.wechat_login("no-fields")
    for path, body in (("/sns/jscode2session", {"errcode": 0, "errmsg": "ok"}),
                       ("/sns/jscode2session", {"openid": "", "session_key": "k"}),
                       ("/wxa/business/getuserphonenumber", {"errcode": 0, "errmsg": "ok"}),
                       ("/wxa/business/getuserphonenumber", {"errcode": 0, "phone_info": {"purePhoneNumber": None}})):
        wechat_standin.fail({path: body})
        if path == "/sns/jscode2session":
            response = client.post("/api/v1/auth/wechat", json={"code": "someone-new"})
        else:
            response = client.post("/api/v1/auth/bind-phone", json={"code": "phone-13800000009"}, headers=headers)
        wechat_standin.fail({})
        assert response.status_code == 503, (path, body, response.status_code)
        assert response.json["error"] == "wechat_unavailable" and "稍后重试" in response.json["message"]
    assert client.get("/api/v1/me", headers=headers).json["phone_masked"] is None


def test_deputy_binds_phone_and_sees_own_profile(client, factory):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站")
    deputy = factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[station])
    headers = factory.wechat_login("zhangwei")

    bound = client.post("/api/v1/auth/bind-phone", json={"code": "phone-13800000003"}, headers=headers)
    assert bound.status_code == 200
    assert bound.json["user"]["roles"] == ["citizen", "deputy"]
    assert bound.json["user"]["deputy_id"] == deputy.id
    assert bound.json["user"]["phone_masked"] == "138****0003"

    me = client.get("/api/v1/me", headers=headers).json
    assert me == bound.json["user"]  # read from the request's caller, it matches the freshly bound user
    assert me["deputy_id"] == deputy.id and me["display_name"] == "张伟"
    profile = client.get(f"/api/v1/deputies/{me['deputy_id']}", headers=headers)
    assert profile.status_code == 200
    assert profile.json["name"] == "张伟"
    assert "phone" not in profile.json


def test_binding_a_phone_that_is_no_deputy_keeps_a_citizen(client, factory):
    headers = factory.wechat_login("bob")
    response = client.post("/api/v1/auth/bind-phone", json={"code": "phone-13912345678"}, headers=headers)
    assert response.status_code == 200
    assert response.json["user"]["roles"] == ["citizen"]
    assert response.json["user"]["phone_masked"] == "139****5678"


def test_inactive_deputy_phone_does_not_grant_the_role(client, factory):
    tree = factory.tree()
    factory.deputy(tree["hc"], phone="13800000099", active=False)
    headers = factory.wechat_login("former")
    response = client.post("/api/v1/auth/bind-phone", json={"code": "phone-13800000099"}, headers=headers)
    assert response.json["user"]["roles"] == ["citizen"]


def test_invalid_phone_code_is_422_and_binds_nothing(client, factory):
    headers = factory.wechat_login("carol")
    response = client.post("/api/v1/auth/bind-phone", json={"code": "not-a-phone-code"}, headers=headers)
    assert response.status_code == 422
    assert response.json["error"] == "validation_failed"
    assert "code" in response.json["errors"]
    assert client.get("/api/v1/me", headers=headers).json["phone_masked"] is None


def test_bind_phone_requires_login(client):
    response = client.post("/api/v1/auth/bind-phone", json={"code": "phone-13800000003"})
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"


def test_deputy_moving_to_a_new_wechat_account_moves_the_binding(client, factory):
    tree = factory.tree()
    deputy = factory.deputy(tree["hc"], phone="13800000003")
    old = factory.deputy_headers(deputy, "old-phone")
    new = factory.deputy_headers(deputy, "new-phone")
    assert client.get("/api/v1/me", headers=new).json["deputy_id"] == deputy.id
    assert "deputy" not in client.get("/api/v1/me", headers=old).json["roles"]


def test_admin_password_login(client, factory):
    tree = factory.tree()
    factory.admin("root", "s3cret-pass", tree["root"])
    ok = client.post("/api/v1/auth/login", json={"username": "root", "password": "s3cret-pass"})
    assert ok.status_code == 200
    assert ok.json["user"]["roles"] == ["region_admin"]
    assert ok.json["user"]["region_id"] == tree["root"].id

    wrong = client.post("/api/v1/auth/login", json={"username": "root", "password": "nope"})
    unknown = client.post("/api/v1/auth/login", json={"username": "ghost", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json["message"] == unknown.json["message"] == "用户名或密码错误。"


def test_outside_the_suite_a_password_is_kept_as_a_slow_scrypt_hash(database_url, client, factory):
    """The suite hashes passwords cheaply (tests/conftest.py); an app started as in production keeps
    werkzeug's scrypt, and the suite's app signs that account in all the same."""
    root_id = factory.tree()["root"].id
    served = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "s" * 32})
    with served.app_context():
        user = auth_services.create_admin("root", "s3cret-pass", db.session.get(Region, root_id))
        db.session.commit()
        assert user.password_hash.startswith("scrypt:32768:8:1$")
        db.engine.dispose()
    ok = client.post("/api/v1/auth/login", json={"username": "root", "password": "s3cret-pass"})
    assert ok.status_code == 200
    assert client.post("/api/v1/auth/login", json={"username": "root", "password": "nope"}).status_code == 401


def test_forged_and_expired_tokens_are_401(app, client, factory, monkeypatch):
    tree = factory.tree()
    admin = factory.admin("root", region=tree["root"])
    token = factory.token_for_admin(admin)
    # Used once, its signature checked and remembered; its age is still judged at every use (below).
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401

    monkeypatch.setitem(app.config, "TOKEN_TTL_SECONDS", 1)
    # 2.1 s later by the clock that judges a token's age, without waiting for them.
    monkeypatch.setattr(tokens, "time", SimpleNamespace(time=lambda: time.time() + 2.1))
    expired = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert expired.status_code == 401
    assert expired.json["error"] == "unauthorized"


def test_an_administrators_token_lasts_half_a_day_and_a_citizens_or_deputys_a_week(client, factory, monkeypatch):
    tree = factory.tree()
    station = factory.station(tree["hc"])
    deputy = factory.deputy(tree["hc"], phone="13900001234", stations=[station])
    region_admin = factory.admin("ttl-region", region=tree["root"])
    station_admin = factory.admin("ttl-station", stations=[station])
    admin_answers = [client.post("/api/v1/auth/login", json={"username": user.username, "password": "password123"})
                     for user in (region_admin, station_admin)]
    assert [answer.json["expires_in"] for answer in admin_answers] == [12 * 3600, 12 * 3600]
    citizen_answer = client.post("/api/v1/auth/wechat", json={"code": "ttl-citizen"})
    assert citizen_answer.json["expires_in"] == 7 * 24 * 3600
    deputy_headers = factory.deputy_headers(deputy)
    admin_tokens = [answer.json["token"] for answer in admin_answers]
    citizen_token = citizen_answer.json["token"]

    def me(token):
        return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

    # Twelve hours and a minute later by the clock that judges a token's age, without waiting for them.
    monkeypatch.setattr(tokens, "time", SimpleNamespace(time=lambda: time.time() + 12 * 3600 + 60))
    for token in admin_tokens:
        expired = me(token)
        assert expired.status_code == 401
        assert expired.json["message"] == "登录已过期或无效，请重新登录。"
    assert me(citizen_token).status_code == 200
    assert client.get("/api/v1/me", headers=deputy_headers).json["roles"] == ["citizen", "deputy"]
    # Six days later the citizen is still signed in; past the week, not.
    monkeypatch.setattr(tokens, "time", SimpleNamespace(time=lambda: time.time() + 6 * 24 * 3600))
    assert me(citizen_token).status_code == 200
    monkeypatch.setattr(tokens, "time", SimpleNamespace(time=lambda: time.time() + 7 * 24 * 3600 + 60))
    assert me(citizen_token).status_code == 401


def test_password_guessing_is_rate_limited(app, client, factory):
    tree = factory.tree()
    factory.admin("root", "s3cret-pass", tree["root"])
    app.config["LOGIN_RATE_LIMIT"] = "5 per minute"
    try:
        answers = [client.post("/api/v1/auth/login", json={"username": "root", "password": f"guess{i}"}) for i in range(6)]
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "10000 per minute"
    assert [a.status_code for a in answers] == [401] * 5 + [429]
    assert answers[-1].json == {"error": "rate_limited", "message": "操作过于频繁，请 1 分钟后再试。"}


def test_guessing_one_account_is_limited_per_address_and_from_everywhere_but_cannot_lock_its_owner_out(
        app, client, factory, config_override):  # noqa: F811
    """Failed sign-ins are limited per account name and address (LOGIN_ACCOUNT_RATE_LIMIT: that address then
    waits, even with the right password) and per name from everywhere (LOGIN_ACCOUNT_TOTAL_RATE_LIMIT:
    guesses spread over many machines), in the API and the console alike. Past the second, the name is
    refused from new addresses only: whoever knows an administrator's name cannot hold them out of the
    addresses they signed in from before. Other accounts are not held."""
    tree = factory.tree()
    factory.admin("root", "s3cret-pass", tree["root"])
    factory.admin("huaihua", "other-pass", tree["hh"])
    config_override(LOGIN_ACCOUNT_RATE_LIMIT="3 per 15 minutes", LOGIN_ACCOUNT_TOTAL_RATE_LIMIT="5 per 15 minutes")

    def api(name, password, address):
        return client.post("/api/v1/auth/login", json={"username": name, "password": password},
                           environ_base={"REMOTE_ADDR": address}).status_code

    def console(name, password, address):
        form = {"username": name, "password": password, "csrf_token": csrf_token(client, "/console/login")}
        return client.post("/console/login", data=form, environ_base={"REMOTE_ADDR": address}).status_code

    assert [api("root", "s3cret-pass", "10.1.0.1") for _ in range(4)] == [200] * 4  # the office: known
    assert [api("root", "guess", "10.2.0.1"), console("root", "guess", "10.2.0.1"), api("root", "guess", "10.2.0.1"),
            api("root", "guess", "10.2.0.1")] == [401, 401, 401, 429]
    assert api("root", "s3cret-pass", "10.2.0.1") == 429  # that address waits out its window
    assert [api("root", "guess", "10.2.0.2"), console("root", "guess", "10.2.0.3"),
            api("root", "guess", "10.2.0.4")] == [401, 401, 429]  # five failures from everywhere
    assert api("root", "s3cret-pass", "10.3.0.1") == 429  # a new address waits too
    assert console("root", "s3cret-pass", "10.3.0.2") == 429
    assert api("root", "s3cret-pass", "10.1.0.1") == 200  # the administrator at the office signs in
    assert console("root", "s3cret-pass", "10.1.0.1") == 302
    assert api("root", "guess", "10.1.0.1") == 401  # where a guess still counts against the address
    assert api("huaihua", "other-pass", "10.2.0.1") == 200


def test_an_operator_replaces_a_leaked_password_and_every_session_of_it_ends(app, client, factory):
    """A console password that leaked is replaced by the operator (there was no way to change one): the
    old password, the console sessions and the API tokens signed in with it all stop working."""
    clerk = factory.admin("clerk", "leaked-pass", factory.tree()["root"])
    api = factory.headers_for_admin(clerk, "leaked-pass")
    console = console_login(app, "clerk", "leaked-pass")

    short = app.test_cli_runner().invoke(args=["set-password", "clerk", "--password", "short"])
    assert short.exit_code != 0 and "密码须为 10 至 128 个字符。" in short.output
    unknown = app.test_cli_runner().invoke(args=["set-password", "ghost", "--password", "new-pass-123"])
    assert unknown.exit_code != 0 and "没有名为 ghost 的管理员" in unknown.output
    changed = app.test_cli_runner().invoke(args=["set-password", "clerk", "--password", "new-pass-123"])
    assert changed.exit_code == 0, changed.output
    assert "已为管理员 clerk 设置新密码" in changed.output

    assert client.get("/api/v1/me", headers=api).status_code == 401
    assert "/console/login" in console.get("/console/").headers["Location"]
    old = client.post("/api/v1/auth/login", json={"username": "clerk", "password": "leaked-pass"})
    new = client.post("/api/v1/auth/login", json={"username": "clerk", "password": "new-pass-123"})
    assert (old.status_code, new.status_code) == (401, 200)


def test_me_shows_an_administrator_their_stations_or_region(client, factory):
    tree = factory.tree()
    stations = [factory.station(tree["hc"], "城北联络站"), factory.station(tree["hc"], "城南联络站")]
    station_ids, region_id = sorted(s.id for s in stations), tree["hh"].id
    station_admin = factory.headers_for_admin(factory.admin("chengbei", stations=stations[::-1]))
    region_admin = factory.headers_for_admin(factory.admin("huaihua", region=tree["hh"]))

    me = client.get("/api/v1/me", headers=station_admin).json
    assert (me["roles"], me["station_ids"], me["region_id"]) == (["station_admin"], station_ids, None)
    me = client.get("/api/v1/me", headers=region_admin).json
    assert (me["roles"], me["station_ids"], me["region_id"]) == (["region_admin"], [], region_id)
