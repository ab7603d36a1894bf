"""Administrators' passwords: a policy against guessable ones (wherever a password is set: the API, the
console, the commands), and a password set by someone else (a new account, a reset) changed at first sign-in.

The demo's accounts and the factories' are made without the flag and outside the policy (their passwords
are published), so `make run` and the suite sign in as before."""
import pytest
from sqlalchemy import select

from backend.auth.models import User
from backend.extensions import db

from .test_admin_accounts import headers, login, world  # noqa: F401 - fixture
from .test_console_org_activities import sign_in, text, token_from

def change_initial_password(console, current, new="own-pass-2024"):
    """An account whose password someone else set chooses its own in the console, as it must first."""
    changed = console.post("/console/password", data={
        "current_password": current, "new_password": new, "new_password2": new,
        "csrf_token": token_from(console, "/console/password")})
    assert changed.status_code == 302, text(changed)
    return console


WEAK = [
    ("short-1", "密码须为 10 至 128 个字符。"),
    ("aaaaaaaaaaaa", "密码不能由同一个字符或一小段字符重复组成。"),
    ("abababababab", "密码不能由同一个字符或一小段字符重复组成。"),
    ("1234567890", "密码不能是连续的数字、字母或键盘上连着的一排键（如 1234567890、abcdefghij、qwertyuiop）。"),
    ("9876543210", "密码不能是连续的数字、字母或键盘上连着的一排键（如 1234567890、abcdefghij、qwertyuiop）。"),
    ("QWERTYUIOP", "密码不能是连续的数字、字母或键盘上连着的一排键（如 1234567890、abcdefghij、qwertyuiop）。"),
    ("chengnan2024", "密码不能包含用户名。"),
    ("password123", "这个密码太常见，很容易被猜中，请换一个。"),
    ("Admin@12345", "这个密码太常见，很容易被猜中，请换一个。"),
]


@pytest.mark.parametrize("password, message", WEAK, ids=[w[0] for w in WEAK])
def test_a_guessable_password_is_refused_with_why(client, factory, world, password, message):  # noqa: F811
    response = client.post("/api/v1/admins", headers=headers(factory, "huaihua"), json={
        "username": "chengnan", "password": password, "station_ids": [world["chengnan"].id]})
    assert response.status_code == 422, response.json
    assert response.json["errors"] == {"password": [message]}
    assert db.session.scalar(select(User.id).where(User.username == "chengnan")) is None


def test_the_commands_refuse_a_guessable_password(app, factory, world):  # noqa: F811
    run = app.test_cli_runner().invoke
    created = run(args=["create-admin", "weak", "--password", "12345678"])
    assert created.exit_code == 2 and "密码须为 10 至 128 个字符。" in created.output
    common = run(args=["create-admin", "weak", "--password", "password123"])
    assert common.exit_code == 2 and "这个密码太常见" in common.output
    reset = run(args=["set-password", "huaihua", "--password", "huaihua-2024"])
    assert reset.exit_code == 2 and "密码不能包含用户名。" in reset.output
    assert db.session.scalar(select(User.id).where(User.username == "weak")) is None


def test_a_password_set_by_someone_else_is_changed_before_anything_else_over_the_api(client, factory, world):  # noqa: F811
    hh = headers(factory, "huaihua")
    created = client.post("/api/v1/admins", headers=hh, json={
        "username": "chengnan", "password": "Initial-pass-7", "station_ids": [world["chengnan"].id]})
    assert created.status_code == 201, created.json
    signed_in = login(client, "chengnan", "Initial-pass-7")
    assert signed_in.status_code == 200 and signed_in.json["user"]["must_change_password"] is True
    token = {"Authorization": f"Bearer {signed_in.json['token']}"}

    blocked = client.get("/api/v1/suggestions", headers=token)
    assert blocked.status_code == 403
    assert blocked.json == {"error": "password_change_required",
                            "message": "该账号的密码是他人设置的初始密码，请先修改密码后再使用。"}
    assert client.get("/api/v1/me", headers=token).json["must_change_password"] is True
    same = client.post("/api/v1/me/password", headers=token,
                       json={"current_password": "Initial-pass-7", "new_password": "Initial-pass-7"})
    assert same.status_code == 422
    changed = client.post("/api/v1/me/password", headers=token,
                          json={"current_password": "Initial-pass-7", "new_password": "My-own-pass-42"})
    assert changed.status_code == 200, changed.json
    fresh = {"Authorization": f"Bearer {changed.json['token']}"}
    assert client.get("/api/v1/suggestions", headers=fresh).status_code == 200

    # A reset by an administrator is someone else's password again.
    account = db.session.scalar(select(User).where(User.username == "chengnan"))
    reset = client.post(f"/api/v1/admins/{account.id}/password", headers=hh, json={"password": "Reset-pass-93"})
    assert reset.status_code == 204 or reset.status_code == 200, reset.json
    again = login(client, "chengnan", "Reset-pass-93")
    assert again.json["user"]["must_change_password"] is True
    assert client.get("/api/v1/suggestions",
                      headers={"Authorization": f"Bearer {again.json['token']}"}).status_code == 403


def test_the_console_asks_for_a_new_password_until_it_is_changed(app, client, factory, world):  # noqa: F811
    client.post("/api/v1/admins", headers=headers(factory, "huaihua"), json={
        "username": "chengnan", "password": "Initial-pass-7", "station_ids": [world["chengnan"].id]})
    clerk = sign_in(app, "chengnan", "Initial-pass-7")
    home = clerk.get("/console/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/console/password")
    page = text(clerk.get("/console/password"))
    assert "您的密码是他人设置的初始密码，请先修改密码" in page
    changed = clerk.post("/console/password", data={
        "current_password": "Initial-pass-7", "new_password": "My-own-pass-42", "new_password2": "My-own-pass-42",
        "csrf_token": token_from(clerk, "/console/password")})
    assert changed.status_code == 302
    assert clerk.get("/console/").status_code == 200


def test_demo_and_factory_accounts_need_no_change(client, factory, world):  # noqa: F811
    assert client.get("/api/v1/suggestions", headers=headers(factory, "huaihua")).status_code == 200
    assert login(client, "huaihua", "password123").json["user"]["must_change_password"] is False
