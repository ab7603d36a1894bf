"""操作日志: administrators' security-relevant actions are recorded as they take them (console or API),
with who, what, on what, where and from which address; a refused action records nothing; the console's
page shows each administrator what their scope allows; old events are swept after the retention period."""
import io
import json
import re
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from backend.audit.listing import details, target
from backend.audit.log import purge_expired
from backend.audit.models import AuditEvent
from backend.db_types import utcnow
from backend.extensions import db

from .test_admin_accounts import headers, login, world  # noqa: F401 - fixture
from .test_console_org_activities import post, sign_in, text, token_from
from .test_import import upload, xlsx
from .factories import screen
from .test_suggestion_sweep_stats import sweep
from .test_suggestions import file
from .test_web_pages import config_override  # noqa: F401 - fixture

PHONE = "13912345678"


def events(action=None):
    db.session.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query).all()


def every_row_as_text():
    return "\n".join(json.dumps({c.name: str(getattr(e, c.key)) for c in AuditEvent.__table__.columns} | {
        "detail": e.detail}, ensure_ascii=False) for e in events())


# --- signing in and out --------------------------------------------------------------------------------


def test_sign_ins_are_recorded_the_failed_ones_too(client, world):  # noqa: F811
    assert login(client, "huaihua", "password123").status_code == 200
    assert login(client, "huaihua", "wrong-password-9").status_code == 401
    assert login(client, "nobody", "wrong-password-9").status_code == 401

    ok, = events("login_succeeded")
    assert (ok.actor_user_id, ok.actor_username, ok.region_id) == (world["huaihua"].id, "huaihua", world["tree"]["hh"].id)
    assert ok.client_address == "127.0.0.1"
    wrong, unknown = events("login_failed")
    # A wrong password for a known account: under that account, in its region.
    assert (wrong.actor_user_id, wrong.region_id) == (world["huaihua"].id, world["tree"]["hh"].id)
    assert wrong.detail == {"username": "huaihua", "reason": "用户名或密码错误"}
    # An unknown name: no account, no region (only the super administrator reads it), the name tried kept masked.
    assert (unknown.actor_user_id, unknown.region_id, unknown.actor_username) == (None, None, "n*****")
    assert "wrong-password-9" not in every_row_as_text() and "password123" not in every_row_as_text()


def test_a_password_typed_into_the_name_field_is_not_kept(app, client, world):  # noqa: F811
    """The name tried is kept only masked when it names no account: it is as often the password itself,
    typed into the wrong field, as a probe; the first character and the length still tell a typo, a
    probe of 'admin' or a guesser's run from one another. A name that is an account's stays readable."""
    assert login(client, "Hh-secret-2024!", "password123").status_code == 401  # the password, then the name
    assert login(client, "huaihua", "Hh-secret-2024!").status_code == 401

    unknown, known = events("login_failed")
    assert unknown.actor_username == "H**************" and unknown.detail["username"] == "H**************"
    assert known.actor_username == "huaihua" and known.detail["username"] == "huaihua"
    assert "secret" not in every_row_as_text()
    page = text(sign_in(app, "root").get("/console/audit?action=login_failed"))
    assert "未知账号（H**************）" in page and "secret" not in page


def test_a_station_admins_sign_in_belongs_to_their_stations_region(client, world):  # noqa: F811
    assert login(client, "chengbei", "password123").status_code == 200
    event, = events("login_succeeded")
    assert event.region_id == world["tree"]["hc"].id


def test_a_disabled_accounts_sign_in_is_recorded_as_failed(client, factory, world):  # noqa: F811
    root = headers(factory, "root")
    assert client.patch(f"/api/v1/admins/{world['clerk'].id}", json={"disabled": True}, headers=root).status_code == 200
    assert login(client, "chengbei", "password123").status_code == 403
    failed, = events("login_failed")
    assert failed.actor_user_id == world["clerk"].id and failed.detail["reason"] == "账号已停用"


def test_the_address_is_the_clients(app, world):  # noqa: F811
    client = app.test_client()
    client.post("/api/v1/auth/login", json={"username": "huaihua", "password": "password123"},
                environ_base={"REMOTE_ADDR": "10.8.0.7"})
    assert events("login_succeeded")[0].client_address == "10.8.0.7"


def test_console_sign_in_sign_out_and_own_password(app, world):  # noqa: F811
    console = sign_in(app, "huaihua")
    refused = post(console, "/console/password", {"current_password": "not-mine-at-all", "new_password": "new-pass-2024",
                                                   "new_password2": "new-pass-2024"})
    assert refused.status_code == 422
    assert events("password_changed") == []  # a refused change records nothing
    changed = post(console, "/console/password", {"current_password": "password123", "new_password": "new-pass-2024",
                                                   "new_password2": "new-pass-2024"})
    assert changed.status_code == 302
    post(console, "/console/logout", {}, page="/console/")
    assert [e.action for e in events()] == ["login_succeeded", "password_changed", "logout"]
    assert {e.actor_user_id for e in events()} == {world["huaihua"].id}
    assert "new-pass-2024" not in every_row_as_text()


def test_own_password_through_the_api(client, factory, world):  # noqa: F811
    hh = headers(factory, "huaihua")
    response = client.post("/api/v1/me/password", json={"current_password": "password123",
                                                          "new_password": "new-pass-2024"}, headers=hh)
    assert response.status_code == 200
    event, = events("password_changed")
    assert event.actor_user_id == event.target_id == world["huaihua"].id


def test_own_password_guesses_past_the_limit_are_recorded_once_a_window(client, factory, world,
                                                                         config_override):  # noqa: F811
    """A console or token left open is no way to guess its password: wrong current passwords count as failed
    sign-ins, and the change refused by the limit is 登录受限 under the account, once a window."""
    config_override(LOGIN_ACCOUNT_RATE_LIMIT="2 per 15 minutes")
    hh = headers(factory, "huaihua")

    def guess():
        return client.post("/api/v1/me/password", headers=hh,
                           json={"current_password": "not-it-123", "new_password": "new-pass-2024"}).status_code

    assert [guess(), guess(), guess(), guess()] == [422, 422, 429, 429]
    limited, = events("login_limited")
    assert (limited.actor_user_id, limited.target_id, limited.region_id) == (
        world["huaihua"].id, world["huaihua"].id, world["tree"]["hh"].id)
    assert limited.detail == {"username": "huaihua", "reason": "修改密码时当前密码输错次数过多"}
    assert "not-it-123" not in every_row_as_text()


# --- administrator accounts ------------------------------------------------------------------------------


def test_account_steps_are_recorded_with_who_and_on_whom(client, factory, world):  # noqa: F811
    hh = headers(factory, "huaihua")
    created = client.post("/api/v1/admins", headers=hh, json={
        "username": "chengnan", "display_name": "王芳", "password": "first-pass-1",
        "station_ids": [world["chengnan"].id]}).json
    client.patch(f"/api/v1/admins/{created['id']}", headers=hh, json={"display_name": "王芳芳"})
    client.post(f"/api/v1/admins/{created['id']}/password", headers=hh, json={"password": "second-pass-2"})
    client.patch(f"/api/v1/admins/{created['id']}", headers=hh, json={"disabled": True})
    client.patch(f"/api/v1/admins/{created['id']}", headers=hh, json={"disabled": True})  # no change: nothing
    client.patch(f"/api/v1/admins/{created['id']}", headers=hh, json={"disabled": False})

    steps = [e for e in events() if e.action != "login_succeeded"]
    assert [e.action for e in steps] == ["account_created", "account_updated", "password_reset", "account_disabled",
                                         "account_enabled"]
    for event in steps:
        assert (event.actor_user_id, event.actor_username, event.target_type, event.target_id) == (
            world["huaihua"].id, "huaihua", "user", created["id"])
        assert event.region_id == world["tree"]["hc"].id  # the station's region
    assert steps[0].detail == {"username": "chengnan", "stations": ["城南联络站"]}
    assert steps[1].detail == {"display_name": ["王芳", "王芳芳"]}
    assert steps[1].target_label == "王芳芳"
    assert "first-pass-1" not in every_row_as_text() and "second-pass-2" not in every_row_as_text()


def test_refused_account_steps_record_nothing(client, factory, world):  # noqa: F811
    hh = headers(factory, "huaihua")
    taken = client.post("/api/v1/admins", headers=hh, json={
        "username": "chengbei", "display_name": "重名", "password": "first-pass-1", "station_ids": [world["chengnan"].id]})
    assert taken.status_code == 409
    outside = client.post(f"/api/v1/admins/{world['far_clerk'].id}/password", headers=hh, json={"password": "x-pass-123"})
    assert outside.status_code == 404
    own = client.patch(f"/api/v1/admins/{world['huaihua'].id}", headers=hh, json={"disabled": True})
    assert own.status_code == 403
    assert [e.action for e in events()] == ["login_succeeded"]


def test_console_account_forms_record_alike(app, world):  # noqa: F811
    console = sign_in(app, "huaihua")
    page = f"/console/admins/{world['clerk'].id}"
    post(console, f"{page}/password", {"password": "reset-pass-1", "password2": "reset-pass-1"}, page=page)
    post(console, f"{page}/disabled", {"disabled": "1"}, page=page)
    assert [e.action for e in events()][-2:] == ["password_reset", "account_disabled"]
    assert events("account_disabled")[0].target_id == world["clerk"].id


# --- stations, deputies, the import ------------------------------------------------------------------------


def test_station_and_deputy_steps_are_recorded_phones_masked(client, factory, world):  # noqa: F811
    hh = headers(factory, "huaihua")
    hc = world["tree"]["hc"].id
    station = client.post("/api/v1/stations", headers=hh, json={"name": "河西联络站", "kind": "area", "region_id": hc}).json
    client.patch(f"/api/v1/stations/{station['id']}", headers=hh, json={"address": "河西街 1 号"})
    deputy = client.post("/api/v1/deputies", headers=hh, json={
        "name": "赵敏", "level": "county", "region_id": hc, "phone": PHONE, "station_ids": [station["id"]]}).json
    client.patch(f"/api/v1/deputies/{deputy['id']}", headers=hh, json={"phone": "13700001111", "group": "第一小组"})
    client.patch(f"/api/v1/deputies/{deputy['id']}", headers=hh, json={"active": False})
    client.patch(f"/api/v1/deputies/{deputy['id']}", headers=hh, json={"active": True})

    steps = [e for e in events() if e.action != "login_succeeded"]
    assert [e.action for e in steps] == ["station_created", "station_updated", "deputy_created", "deputy_updated",
                                         "deputy_retired", "deputy_restored"]
    assert all(e.region_id == hc and e.actor_user_id == world["huaihua"].id for e in steps)
    assert (steps[0].target_type, steps[0].target_label) == ("station", "河西联络站")
    assert steps[1].detail == {"address": ["", "河西街 1 号"]}
    assert steps[2].detail["phone"] == "139****5678"
    assert steps[3].detail == {"group": ["", "第一小组"], "phone": ["139****5678", "137****1111"]}
    rows = every_row_as_text()
    assert PHONE not in rows and "13700001111" not in rows

    # A number changed only in its middle digits reads the same masked, and is a change all the same.
    client.patch(f"/api/v1/deputies/{deputy['id']}", headers=hh, json={"phone": "13788881111"})
    assert events("deputy_updated")[-1].detail == {"phone": ["137****1111", "137****1111"]}
    assert "13788881111" not in every_row_as_text()


def test_a_refused_deputy_change_records_nothing(client, factory, world):  # noqa: F811
    factory.deputy(world["tree"]["hc"], "甲", phone=PHONE)
    other = factory.deputy(world["tree"]["hc"], "乙", phone="13700001111")
    hh = headers(factory, "huaihua")
    refused = client.patch(f"/api/v1/deputies/{other.id}", headers=hh, json={"phone": PHONE})
    assert refused.status_code == 409
    assert [e.action for e in events()] == ["login_succeeded"]


def test_the_import_is_recorded_with_its_file_and_counts(client, factory, world):  # noqa: F811
    hh = headers(factory, "huaihua")
    sheet = xlsx([["赵敏", "县级", "鹤城区", PHONE], ["钱坤", "县级", "鹤城区", "not-a-phone"]])
    response = upload(client, hh, sheet, filename="鹤城区代表名册.xlsx")
    assert response.status_code == 200, response.json
    event, = events("deputies_imported")
    assert event.actor_user_id == world["huaihua"].id and event.region_id == world["tree"]["hh"].id
    assert event.detail == {"file": "鹤城区代表名册.xlsx", "created": 1, "updated": 0, "unchanged": 0, "refused_rows": 1}
    assert PHONE not in every_row_as_text()


# --- the rulebook, points, exports, content review --------------------------------------------------------


def test_rulebook_changes_and_point_corrections_are_recorded(app, client, factory, world):  # noqa: F811
    root = headers(factory, "root")
    deputy = factory.deputy(world["tree"]["hc"], "赵敏", phone=PHONE)
    unchanged = client.get("/api/v1/scoring-rules", headers=root).json["items"]
    reception = next(r for r in unchanged if r["code"] == "reception")
    response = client.put("/api/v1/scoring-rules/reception", headers=root, json={"points": reception["points"] + 1})
    assert response.status_code == 200, response.json
    client.post(f"/api/v1/deputies/{deputy.id}/points/corrections", headers=root, json={"points": -2, "reason": "重复计分"})

    rule, = events("rule_changed")
    assert rule.detail == {"points": [reception["points"], reception["points"] + 1]}
    # Named as the rulebook names it, without the rule's internal key (reception).
    assert rule.region_id == world["tree"]["root"].id and rule.target_label == reception["label"]
    assert f"评分细则：{reception['label']}<" in text(sign_in(app, "root").get("/console/audit?action=rule_changed"))
    correction, = events("points_corrected")
    assert (correction.target_id, correction.region_id) == (deputy.id, world["tree"]["hc"].id)
    assert correction.detail == {"year": utcnow().year, "points": -2, "reason": "重复计分"}


def test_a_rule_recorded_with_its_key_before_is_shown_without_it():
    """Events recorded before the rule's key was left out ("学习培训（training）") read as the others do."""
    assert target(AuditEvent(target_type="rule", target_label="学习培训（改）（training）")) == "评分细则：学习培训（改）"
    assert target(AuditEvent(target_type="station", target_label="城北（老城）（chengbei）")) == "联络站：城北（老城）（chengbei）"


def test_exports_are_recorded_with_filters_and_rows(app, client, factory, world):  # noqa: F811
    console = sign_in(app, "huaihua")
    response = console.get(f"/console/suggestions/export.xlsx?q={PHONE}&status=pending")
    assert response.status_code == 200
    deputy = factory.deputy(world["tree"]["hc"], "赵敏", phone=PHONE)
    assert console.get(f"/console/deputies/{deputy.id}/archive.xlsx").status_code == 200
    listed, archive = events("exported")
    assert listed.actor_user_id == world["huaihua"].id and listed.region_id == world["tree"]["hh"].id
    assert listed.detail == {"export": "建议清单", "filters": {"q": "139****5678", "status": "pending"}, "rows": 0}
    log = console.get("/console/audit?action=exported").get_data(as_text=True)
    assert "导出内容：建议清单；筛选条件：关键词=139****5678，状态=待分派；行数：0" in log
    assert (archive.detail["export"], archive.target_id, archive.region_id) == ("履职档案", deputy.id, world["tree"]["hc"].id)
    assert PHONE not in every_row_as_text()


def test_content_review_is_recorded(app, client, factory, world):  # noqa: F811
    deputy = factory.deputy(world["tree"]["hc"], "赵敏", phone=PHONE, stations=[world["chengbei"]])
    citizen = factory.wechat_login("citizen-wang")
    first = file(client, citizen, world["chengbei"].qr_code, content="违禁测试 第一条").json
    second = file(client, citizen, deputy.qr_code, content="违禁测试 第二条").json
    assert screen(app) == 2
    clerk = headers(factory, "chengbei")
    assert client.post(f"/api/v1/suggestions/{first['id']}/release", json={"note": "复核无违规"},
                       headers=clerk).status_code == 200
    assert client.post(f"/api/v1/suggestions/{second['id']}/reject", json={"reason": "含违规内容"},
                       headers=clerk).status_code == 200
    released, = events("content_released")
    rejected, = events("content_rejected")
    assert (released.target_id, released.target_label, released.actor_user_id) == (
        first["id"], first["number"], world["clerk"].id)
    assert rejected.target_id == second["id"] and rejected.region_id == world["tree"]["hc"].id
    assert "违禁测试" not in every_row_as_text()  # the citizen's words stay in the item


# --- the console's page -----------------------------------------------------------------------------------


ROW = re.compile(r"<tr>\s*<td[^>]*>([^<]*)</td>\s*<td>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>", re.S)


def test_each_administrator_reads_their_scope(app, client, factory, world):  # noqa: F811
    for name in ("huaihua", "changsha", "chengbei", "yuelu"):
        assert login(client, name, "password123").status_code == 200
    assert login(client, "nobody", "guess-guess").status_code == 401
    hh_page = text(sign_in(app, "huaihua").get("/console/audit"))
    assert "操作日志</a>" in hh_page
    accounts = {who for _, who, _ in ROW.findall(hh_page)}
    assert accounts == {"huaihua", "chengbei"}  # not 长沙's administrators, not the unknown name
    root_page = text(sign_in(app, "root").get("/console/audit"))
    assert "未知账号（n*****）" in root_page and "changsha" in root_page
    clerk = text(sign_in(app, "chengbei").get("/console/audit"))
    assert "我的操作日志</a>" in clerk
    assert {who for _, who, _ in ROW.findall(clerk)} == {"chengbei"}


def test_a_station_admin_sees_what_was_done_to_their_account(app, client, factory, world):  # noqa: F811
    assert login(client, "chengbei", "not-my-password").status_code == 401
    hh = headers(factory, "huaihua")
    client.post(f"/api/v1/admins/{world['clerk'].id}/password", headers=hh, json={"password": "reset-pass-1"})
    clerk = sign_in(app, "chengbei", "reset-pass-1")
    clerk.post("/console/password", data={  # a reset password is changed before anything else
        "current_password": "reset-pass-1", "new_password": "own-pass-2024", "new_password2": "own-pass-2024",
        "csrf_token": token_from(clerk, "/console/password")})
    page = text(clerk.get("/console/audit"))
    actions = [action for _, _, action in ROW.findall(page)]
    assert actions == ["修改密码", "登录成功", "重置密码", "登录失败"]  # newest first; not huaihua's own sign-in


def test_filters_and_pages(app, client, factory, world):  # noqa: F811
    for _ in range(3):
        login(client, "chengbei", "password123")
    login(client, "huaihua", "password123")
    login(client, "chengbei", "wrong-password-1")
    old = events()[0]
    old.at = utcnow() - timedelta(days=10)
    db.session.commit()
    console = sign_in(app, "huaihua")
    rows = ROW.findall(text(console.get("/console/audit?action=login_succeeded&who=chengb")))
    assert [(who, action) for _, who, action in rows] == [("chengbei", "登录成功")] * 3
    day = (utcnow() - timedelta(days=10)).strftime("%Y-%m-%d")  # China time may be the next day: a two-day range
    next_day = (utcnow() - timedelta(days=9)).strftime("%Y-%m-%d")
    rows = ROW.findall(text(console.get(f"/console/audit?from={next_day}&to={day}")))  # swapped: still the range
    assert len(rows) == 1
    for _ in range(50):
        login(client, "chengbei", "password123")
    first = text(console.get("/console/audit?action=login_succeeded"))
    assert len(ROW.findall(first)) == 50 and "第 1 / 2 页" in first
    assert len(ROW.findall(text(console.get("/console/audit?action=login_succeeded&page=2")))) == 5  # 55 in all


def test_the_export_holds_the_filtered_log_and_is_logged(app, client, world):  # noqa: F811
    login(client, "chengbei", "wrong-password-1")
    login(client, "chengbei", "password123")
    console = sign_in(app, "huaihua")
    response = console.get("/console/audit/export.xlsx?action=login_failed")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("时间", "账号", "操作", "对象", "来源地址", "详情")
    assert [row[1:5] for row in rows[1:]] == [("chengbei", "登录失败", "管理员账号：chengbei", "127.0.0.1")]
    assert rows[1][5] == "用户名：chengbei；原因：用户名或密码错误"
    exported = events("exported")[-1]
    assert exported.detail == {"export": "操作日志", "filters": {"action": "login_failed"}, "rows": 1}
    assert "导出内容：操作日志；筛选条件：操作=登录失败；行数：1" in text(console.get("/console/audit?action=exported"))


# --- retention ---------------------------------------------------------------------------------------------


def test_the_sweep_deletes_only_events_past_the_retention(app, client, world, config_override):  # noqa: F811
    config_override(AUDIT_RETENTION_DAYS=180)
    for _ in range(3):
        login(client, "huaihua", "password123")
    kept, gone, also_gone = events()
    gone.at = utcnow() - timedelta(days=181)
    also_gone.at = utcnow() - timedelta(days=400)
    kept.at = utcnow() - timedelta(days=179)
    db.session.commit()
    assert "删除超过保存期限的操作日志 2 条；" in sweep(app)
    assert [e.id for e in events()] == [kept.id]
    assert purge_expired() == 0


@pytest.mark.parametrize("setting, days, refusal", [
    ("AUDIT_RETENTION_DAYS", "179", "不能少于 180 天（《网络安全法》要求网络日志留存不少于六个月），当前为 179。"),
    ("AUDIT_RETENTION_DAYS", "180", None), ("AUDIT_RETENTION_DAYS", "3650", None),
    ("OUTBOX_RETENTION_DAYS", "29", "不能少于 30 天（消息中心的通知要留给用户查看），当前为 29。"),
    ("OUTBOX_RETENTION_DAYS", "30", None), ("OUTBOX_RETENTION_DAYS", "3650", None),
])
def test_a_retention_too_short_is_refused_at_start(setting, days, refusal, monkeypatch, tmp_path):
    """The 操作日志 kept less than six months (the Cybersecurity Law's least), 消息中心's messages less than a
    month: the app does not start, and says why."""
    from backend.config import Config, ConfigError

    monkeypatch.setenv(setting, days)
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path))
    config = Config(str(tmp_path))
    if refusal:
        with pytest.raises(ConfigError) as raised:
            config.check()
        assert str(raised.value.message) == f"配置错误：{setting} {refusal}"
    else:
        config.check()
        assert getattr(config, setting) == int(days)


# --- the API ----------------------------------------------------------------------------------------------


def test_the_api_lists_the_same_scope_newest_first(client, factory, world):  # noqa: F811
    assert login(client, "changsha", "password123").status_code == 200
    assert login(client, "chengbei", "wrong-password-1").status_code == 401
    hh = headers(factory, "huaihua")
    body = client.get("/api/v1/audit-events", headers=hh).json
    assert body["total"] == 2 and body["per_page"] == 20
    newest, failed = body["items"]
    assert (newest["action"], newest["actor"], newest["action_label"]) == ("login_succeeded", "huaihua", "登录成功")
    assert (failed["action_label"], failed["target"], failed["summary"]) == (
        "登录失败", "管理员账号：chengbei", "用户名：chengbei；原因：用户名或密码错误")
    assert failed["detail"] == {"username": "chengbei", "reason": "用户名或密码错误"}
    only = client.get("/api/v1/audit-events", query_string={"action": "login_failed", "who": "cheng"}, headers=hh).json
    assert [e["id"] for e in only["items"]] == [failed["id"]]
    clerk = headers(factory, "chengbei")
    mine = client.get("/api/v1/audit-events", headers=clerk).json["items"]
    assert [e["action"] for e in mine] == ["login_succeeded", "login_failed"]


def test_the_api_refuses_bad_filters_and_non_administrators(client, factory, world):  # noqa: F811
    hh = headers(factory, "huaihua")
    bad = client.get("/api/v1/audit-events", query_string={"action": "drop_table"}, headers=hh)
    assert bad.status_code == 422 and bad.json["error"] == "validation_failed"
    citizen = factory.wechat_login("citizen-wang")
    assert client.get("/api/v1/audit-events", headers=citizen).status_code == 403
    assert client.get("/api/v1/audit-events").status_code == 401


# --- the console's forms and the server's commands record alike --------------------------------------------


def test_the_console_deputy_form_records_only_what_changed(app, factory, world):  # noqa: F811
    zhang = factory.deputy(world["tree"]["hc"], "张伟", phone=PHONE, stations=[world["chengbei"]])
    console = sign_in(app, "huaihua")
    edit = f"/console/deputies/{zhang.id}"
    same = {"name": "张伟", "level": "city", "phone": PHONE, "stations_present": "1",
            "station_ids": [world["chengbei"].id], "active": "1"}
    assert post(console, edit, same).status_code == 302
    assert post(console, edit, same | {"active": ""}).status_code == 302  # unticked: leaves office
    assert post(console, edit, same | {"active": "", "name": "张伟伟"}).status_code == 302
    steps = [e for e in events() if e.action != "login_succeeded"]
    assert [e.action for e in steps] == ["deputy_retired", "deputy_updated"]  # the form sent back as it was: none
    assert steps[-1].detail == {"name": ["张伟", "张伟伟"]} and steps[-1].target_label == "张伟伟"
    assert PHONE not in every_row_as_text()


def test_the_console_station_form_and_import_record_alike(app, factory, world):  # noqa: F811
    console = sign_in(app, "huaihua")
    hc = world["tree"]["hc"].id
    assert post(console, "/console/stations/new", {"name": "河西联络站", "kind": "area", "region_id": hc}).status_code == 302
    token_page = "/console/deputies/import"
    response = console.post(token_page, data={"csrf_token": token_from(console, token_page),
                                              "file": (io.BytesIO(xlsx([["赵敏", "县级", "鹤城区", PHONE]])), "名册.xlsx")},
                            content_type="multipart/form-data")
    assert response.status_code == 200
    created, imported = [e for e in events() if e.action != "login_succeeded"]
    assert (created.action, created.target_label, created.region_id) == ("station_created", "河西联络站", hc)
    assert (imported.action, imported.detail["file"], imported.detail["created"]) == ("deputies_imported", "名册.xlsx", 1)


def test_the_servers_commands_are_recorded_as_such(app, factory, world, tmp_path):  # noqa: F811
    sheet = tmp_path / "名册.xlsx"
    sheet.write_bytes(xlsx([["赵敏", "县级", "鹤城区", PHONE]]))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["import-deputies", str(sheet), "--region", str(world["tree"]["hh"].id)]).exit_code == 0
    assert runner.invoke(args=["set-password", "chengbei", "--password", "server-pass-1"]).exit_code == 0
    imported, reset = events()
    assert (imported.action, imported.actor_user_id, imported.actor_name) == ("deputies_imported", None, "服务器命令")
    assert imported.region_id == world["tree"]["hh"].id and imported.detail["file"] == "名册.xlsx"
    assert (reset.action, reset.target_id, reset.region_id) == ("password_reset", world["clerk"].id, world["tree"]["hc"].id)
    assert "server-pass-1" not in every_row_as_text() and PHONE not in every_row_as_text()


def test_an_archive_downloaded_through_the_api_is_recorded(client, factory, world):  # noqa: F811
    deputy = factory.deputy(world["tree"]["hc"], "赵敏", phone=PHONE, stations=[world["chengbei"]])
    clerk = headers(factory, "chengbei")
    response = client.get(f"/api/v1/deputies/{deputy.id}/archive", query_string={"format": "xlsx"}, headers=clerk)
    assert response.status_code == 200
    assert client.get(f"/api/v1/deputies/{deputy.id}/archive", headers=clerk).status_code == 200  # JSON: no export
    exported, = events("exported")
    assert (exported.actor_user_id, exported.target_id, exported.detail["export"]) == (world["clerk"].id, deputy.id, "履职档案")


def test_behind_a_trusted_proxy_the_address_is_the_one_it_forwards(app, world, database_url, tmp_path):  # noqa: F811
    from backend import create_app

    behind_nginx = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test-secret",
                               "UPLOAD_DIR": str(tmp_path), "TRUSTED_PROXIES": 1,
                               "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"})
    response = behind_nginx.test_client().post(
        "/api/v1/auth/login", json={"username": "huaihua", "password": "wrong-password-1"},
        headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 401
    with behind_nginx.app_context():
        db.engine.dispose()  # the second app's connections, not the suite's
    assert events("login_failed")[0].client_address == "203.0.113.9"


# --- printed codes, the posters' zip, regions, the create-admin and create-region commands ------------------


def test_a_codes_revoke_and_reissue_are_recorded_in_the_console_and_the_api(app, client, factory, world):  # noqa: F811
    station = world["chengbei"]
    first = station.live_qr.code
    console = sign_in(app, "huaihua")
    edit = f"/console/stations/{station.id}"
    assert post(console, f"{edit}/qr/reissue", {}, page=edit).status_code == 302
    db.session.expire_all()
    second = station.live_qr.code
    assert post(console, f"{edit}/qr/revoke", {}, page=edit).status_code == 302
    assert post(console, f"{edit}/qr/revoke", {}, page=edit).status_code == 302  # none left: nothing
    hh = headers(factory, "huaihua")
    third = client.post(f"/api/v1/qr/{second}/rotate", headers=hh).json["qr_code"]
    assert client.post(f"/api/v1/qr/{third}/revoke", headers=hh).status_code == 200
    assert client.post(f"/api/v1/qr/{third}/revoke", headers=hh).status_code == 200  # already: nothing

    steps = [e for e in events() if e.action.startswith("qr_")]
    assert [(e.action, e.detail["code"]) for e in steps] == [
        ("qr_reissued", [first, second]), ("qr_revoked", second), ("qr_reissued", ["", third]), ("qr_revoked", third)]
    for event in steps:
        assert (event.actor_user_id, event.target_type, event.target_id, event.target_label, event.region_id) == (
            world["huaihua"].id, "station", station.id, "城北联络站", world["tree"]["hc"].id)
    log = text(console.get("/console/audit?action=qr_reissued"))
    assert "重新生成二维码" in log and f"二维码：{first} → {second}" in log and "联络站：城北联络站" in log


def test_a_deputys_code_reissued_in_the_console_is_recorded(app, factory, world):  # noqa: F811
    deputy = factory.deputy(world["tree"]["hc"], "赵敏", phone=PHONE, stations=[world["chengbei"]])
    old = deputy.live_qr.code
    console = sign_in(app, "huaihua")
    edit = f"/console/deputies/{deputy.id}"
    assert post(console, f"{edit}/qr/reissue", {}, page=edit).status_code == 302
    assert post(console, f"{edit}/qr/revoke", {}, page=edit).status_code == 302
    reissued, revoked = [e for e in events() if e.action.startswith("qr_")]
    assert (reissued.action, reissued.target_type, reissued.target_id, reissued.detail["code"][0]) == (
        "qr_reissued", "deputy", deputy.id, old)
    assert (revoked.action, revoked.target_label, revoked.region_id) == ("qr_revoked", "赵敏", world["tree"]["hc"].id)


def test_the_posters_zip_is_recorded_as_an_export(app, world):  # noqa: F811
    console = sign_in(app, "huaihua")
    response = console.get(f"/console/posters.zip?region_id={world['tree']['hc'].id}")
    assert response.status_code == 200
    response.get_data()  # streamed: the whole archive
    exported, = events("exported")
    assert (exported.actor_user_id, exported.target_type, exported.target_id, exported.region_id) == (
        world["huaihua"].id, "region", world["tree"]["hc"].id, world["tree"]["hc"].id)
    assert exported.detail == {"export": "海报打包", "filters": {"region_id": str(world["tree"]["hc"].id)}, "rows": 2}
    clerk = sign_in(app, "chengbei")
    assert clerk.get("/console/posters.zip").status_code == 200
    own = events("exported")[-1]
    assert (own.actor_user_id, own.target_type, own.region_id, own.detail["rows"]) == (
        world["clerk"].id, "export", world["tree"]["hc"].id, 1)


def test_regions_created_and_renamed_through_the_api_are_recorded(client, factory, world):  # noqa: F811
    root = headers(factory, "root")
    created = client.post("/api/v1/regions", headers=root,
                          json={"name": "中方县", "level": "county", "parent_id": world["tree"]["hh"].id}).json
    assert client.patch(f"/api/v1/regions/{created['id']}", headers=root, json={"name": "中方县"}).status_code == 200
    assert client.patch(f"/api/v1/regions/{created['id']}", headers=root,
                        json={"name": "中方新县", "level": "township"}).status_code == 200
    new, renamed = [e for e in events() if e.action.startswith("region_")]
    assert (new.action, new.actor_user_id, new.target_type, new.target_id, new.region_id) == (
        "region_created", world["root"].id, "region", created["id"], created["id"])
    assert new.detail == {"level": "县（区）", "parent": "怀化市"}
    assert (renamed.action, renamed.target_label) == ("region_updated", "中方新县")
    assert renamed.detail == {"name": ["中方县", "中方新县"], "level": ["县（区）", "乡镇（街道）"]}
    # 怀化市's administrator reads it (below their region), 长沙市's does not.
    hh = client.get("/api/v1/audit-events", query_string={"action": "region_updated"}, headers=headers(factory, "huaihua"))
    assert [e["summary"] for e in hh.json["items"]] == ["名称：中方县 → 中方新县；层级：县（区） → 乡镇（街道）"]
    cs = client.get("/api/v1/audit-events", query_string={"action": "region_updated"}, headers=headers(factory, "changsha"))
    assert cs.json["items"] == []


def test_the_create_region_and_create_admin_commands_are_recorded(app, world):  # noqa: F811
    runner = app.test_cli_runner()
    made = runner.invoke(args=["create-region", "中方县", "--level", "county", "--parent", str(world["tree"]["hh"].id)])
    assert made.exit_code == 0, made.output
    region_id = int(re.search(r"id=(\d+)", made.output).group(1))
    assert runner.invoke(args=["create-admin", "zhongfang", "--password", "server-pass-1", "--region", str(region_id),
                               "--display-name", "李雷"]).exit_code == 0
    assert runner.invoke(args=["create-admin", "chengnan", "--password", "server-pass-2",
                               "--station", str(world["chengnan"].id)]).exit_code == 0
    region, admin, clerk = events()
    assert (region.action, region.actor_user_id, region.actor_name, region.target_label, region.region_id) == (
        "region_created", None, "服务器命令", "中方县", region_id)
    assert (admin.action, admin.actor_name, admin.target_label, admin.region_id) == (
        "account_created", "服务器命令", "李雷", region_id)
    assert admin.detail == {"username": "zhongfang", "region": "中方县"}
    assert (clerk.region_id, clerk.detail) == (world["tree"]["hc"].id, {"username": "chengnan", "stations": ["城南联络站"]})
    assert "server-pass" not in every_row_as_text()


# --- sign-ins the rate limits refuse ----------------------------------------------------------------------


def test_a_sign_in_refused_by_the_address_limit_is_recorded_once_a_window(app, client, world, config_override):  # noqa: F811
    config_override(LOGIN_RATE_LIMIT="2 per minute")

    def api(name, address="10.9.0.1"):
        return client.post("/api/v1/auth/login", json={"username": name, "password": "guess-guess"},
                           environ_base={"REMOTE_ADDR": address}).status_code

    assert [api("huaihua"), api("huaihua"), api("huaihua"), api("nobody"), api("somebody")] == [401, 401, 429, 429, 429]
    assert api("huaihua", "10.9.0.2") == 401  # another address: its own limit
    limited, = events("login_limited")  # one row for the address, whatever names it then tries
    assert (limited.actor_user_id, limited.region_id, limited.client_address) == (
        world["huaihua"].id, world["tree"]["hh"].id, "10.9.0.1")
    assert limited.detail == {"username": "huaihua", "reason": "同一地址登录尝试过于频繁"}
    assert len(events("login_failed")) == 3
    page = text(sign_in(app, "huaihua").get("/console/audit?action=login_limited"))
    assert "登录受限" in page and "用户名：huaihua；原因：同一地址登录尝试过于频繁" in page


def test_a_sign_in_refused_by_the_account_limit_is_recorded_per_address_and_name(app, client, world,
                                                                                  config_override):  # noqa: F811
    config_override(LOGIN_ACCOUNT_RATE_LIMIT="2 per 15 minutes", LOGIN_ACCOUNT_TOTAL_RATE_LIMIT="3 per 15 minutes")

    def api(name, address, password="guess-guess"):
        return client.post("/api/v1/auth/login", json={"username": name, "password": password},
                           environ_base={"REMOTE_ADDR": address}).status_code

    def console(name, address):
        form = {"username": name, "password": "guess-guess", "csrf_token": token_from(client, "/console/login")}
        return client.post("/console/login", data=form, environ_base={"REMOTE_ADDR": address}).status_code

    assert [api("chengbei", "10.9.1.1"), api("chengbei", "10.9.1.1")] == [401, 401]
    assert [api("chengbei", "10.9.1.1", "password123"), console("chengbei", "10.9.1.1")] == [429, 429]
    assert [api("chengbei", "10.9.1.2"), api("chengbei", "10.9.1.3", "password123"), console("chengbei", "10.9.1.3"),
            api("chengbei", "10.9.1.4")] == [401, 429, 429, 429]
    assert [api("ghost", "10.9.1.5"), api("ghost", "10.9.1.5"), api("ghost", "10.9.1.5")] == [401, 401, 429]
    limited = events("login_limited")
    address, anywhere = "该账号在此地址登录失败次数过多", "该账号登录失败次数过多"
    assert [(e.actor_user_id, e.actor_username, e.client_address, e.detail["reason"]) for e in limited] == [
        (world["clerk"].id, "chengbei", "10.9.1.1", address), (world["clerk"].id, "chengbei", "10.9.1.3", anywhere),
        (world["clerk"].id, "chengbei", "10.9.1.4", anywhere), (None, "g****", "10.9.1.5", address)]
    assert limited[0].region_id == world["tree"]["hc"].id and limited[3].region_id is None
    assert "password123" not in every_row_as_text() and "guess-guess" not in every_row_as_text()
    # The station administrator sees the refusals under their name; the super administrator the unknown one.
    assert [a for _, _, a in ROW.findall(text(sign_in(app, "root").get("/console/audit?action=login_limited")))] == [
        "登录受限"] * 4
    assert "未知账号（g****）" in text(sign_in(app, "root").get("/console/audit?action=login_limited"))


def test_a_sign_in_refused_by_the_limits_is_still_refused_when_the_log_cannot_be_written(app, client, world,
                                                                                        config_override):  # noqa: F811
    """The 429 is the limiter's answer, not the log's: with the log unwritable (its table gone), the guess
    is still refused as too many, in Chinese, never a server error; and the log works again afterwards."""
    from sqlalchemy import text as sql

    config_override(LOGIN_RATE_LIMIT="1 per minute")

    def api():
        return client.post("/api/v1/auth/login", json={"username": "huaihua", "password": "guess-guess"},
                           environ_base={"REMOTE_ADDR": "10.9.2.1"})

    assert api().status_code == 401
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(sql("ALTER TABLE audit_events RENAME TO audit_events_away"))
        try:
            refused = api()
        finally:
            with db.engine.begin() as conn:
                conn.execute(sql("ALTER TABLE audit_events_away RENAME TO audit_events"))
    assert (refused.status_code, refused.json["error"]) == (429, "rate_limited"), refused.json
    assert "频繁" in refused.json["message"]
    assert events("login_limited") == [] and len(events("login_failed")) == 1


# --- moves between regions: both sides read them ---------------------------------------------------------


def api_actions(client, factory, username, action):
    body = client.get("/api/v1/audit-events", query_string={"action": action}, headers=headers(factory, username)).json
    return [(e["target"], e["summary"]) for e in body["items"]]


def test_an_account_moved_to_another_region_is_read_on_both_sides(client, factory, world):  # noqa: F811
    tree = world["tree"]
    moving = factory.admin("hcadmin", region=tree["hc"])
    root = headers(factory, "root")
    assert client.patch(f"/api/v1/admins/{moving.id}", headers=root, json={"region_id": tree["yl"].id}).status_code == 200
    rows = events("account_updated")
    assert sorted(e.region_id for e in rows) == sorted([tree["hc"].id, tree["yl"].id])
    assert {str(e.detail) for e in rows} == {str({"region": ["鹤城区", "岳麓区"]})}
    seen = [("管理员账号：hcadmin", "区域：鹤城区 → 岳麓区")]
    assert api_actions(client, factory, "huaihua", "account_updated") == seen  # it left 怀化市's subtree
    assert api_actions(client, factory, "changsha", "account_updated") == seen  # it arrived in 长沙市's


def test_a_station_admin_moved_to_other_stations_is_read_on_both_sides(client, factory, world):  # noqa: F811
    root = headers(factory, "root")
    response = client.patch(f"/api/v1/admins/{world['clerk'].id}", headers=root, json={"station_ids": [world["yuelu"].id]})
    assert response.status_code == 200
    seen = [("管理员账号：chengbei", "联络站：城北联络站 → 岳麓联络站")]
    assert api_actions(client, factory, "huaihua", "account_updated") == seen
    assert api_actions(client, factory, "changsha", "account_updated") == seen


def test_a_move_within_a_subtree_is_one_row_under_the_deeper_region(client, factory, world):  # noqa: F811
    tree = world["tree"]
    moving = factory.admin("hhdeputy", region=tree["hh"])
    factory.admin("hcadmin", region=tree["hc"])
    root = headers(factory, "root")
    assert client.patch(f"/api/v1/admins/{moving.id}", headers=root, json={"region_id": tree["hc"].id}).status_code == 200
    moved, = events("account_updated")
    assert moved.region_id == tree["hc"].id  # 怀化市's administrators read 鹤城区's events too
    assert len(api_actions(client, factory, "huaihua", "account_updated")) == 1
    assert len(api_actions(client, factory, "hcadmin", "account_updated")) == 1


def test_a_station_or_deputy_moved_to_another_region_is_read_on_both_sides(client, factory, world):  # noqa: F811
    tree = world["tree"]
    deputy = factory.deputy(tree["hc"], "赵敏", phone=PHONE)
    root = headers(factory, "root")
    assert client.patch(f"/api/v1/stations/{world['chengnan'].id}", headers=root,
                        json={"region_id": tree["yl"].id}).status_code == 200
    assert client.patch(f"/api/v1/deputies/{deputy.id}", headers=root, json={"region_id": tree["yl"].id}).status_code == 200
    for who in ("huaihua", "changsha"):
        assert api_actions(client, factory, who, "station_updated") == [("联络站：城南联络站", "区域：鹤城区 → 岳麓区")]
        assert api_actions(client, factory, who, "deputy_updated") == [("代表：赵敏", "区域：鹤城区 → 岳麓区")]
    # An edit that moves nothing stays one row.
    assert client.patch(f"/api/v1/deputies/{deputy.id}", headers=root, json={"group": "第一小组"}).status_code == 200
    assert len(events("deputy_updated")) == 3


def test_the_export_reads_in_batches_and_keeps_the_order_across_them(app, client, world, monkeypatch):  # noqa: F811
    monkeypatch.setattr("backend.console.audit.EXPORT_BATCH", 2)
    for name in ("chengbei", "huaihua", "chengbei", "chengbei", "huaihua"):
        login(client, name, "wrong-password-1")
    same = utcnow() - timedelta(hours=1)
    for event in events()[1:4]:
        event.at = same  # three at one instant: the batches go on by id
    db.session.commit()
    expected = [e.id for e in sorted(events(), key=lambda e: (e.at, e.id), reverse=True)]
    console = sign_in(app, "huaihua")
    response = console.get("/console/audit/export.xlsx?action=login_failed")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))[1:]
    by_id = {e.id: e for e in events()}
    assert [row[1] for row in rows] == [by_id[i].actor_username for i in expected]
    assert len(rows) == 5 and events("exported")[-1].detail["rows"] == 5
    assert load_workbook(io.BytesIO(response.data)).sheetnames == ["操作日志"]
    monkeypatch.setattr("backend.console.exports.MAX_EXPORT_ROWS", 3)  # the cap holds across batches
    capped = load_workbook(io.BytesIO(console.get("/console/audit/export.xlsx?action=login_failed").data))
    assert len(list(capped["操作日志"].iter_rows(values_only=True))) == 1 + 3
    assert capped.sheetnames == ["导出说明", "操作日志"]
    assert capped["导出说明"]["A1"].value == "“操作日志”表仅含前 3 行（共 5 行），请缩小筛选范围后分别导出。"
    assert events("exported")[-1].detail | {"filters": None} == {
        "export": "操作日志", "filters": None, "rows": 3, "capped": True, "matched": 5}


# --- reading the log: by what was acted on, in Chinese ----------------------------------------------------


def test_the_log_is_filtered_by_what_was_acted_on_and_reads_in_chinese(app, client, factory, world):  # noqa: F811
    hh = headers(factory, "huaihua")
    hc = world["tree"]["hc"].id
    station = client.post("/api/v1/stations", headers=hh, json={"name": "河西联络站", "kind": "area", "region_id": hc}).json
    client.patch(f"/api/v1/stations/{station['id']}", headers=hh, json={"kind": "home"})
    deputy = client.post("/api/v1/deputies", headers=hh, json={"name": "赵敏", "level": "county", "region_id": hc}).json
    client.patch(f"/api/v1/deputies/{deputy['id']}", headers=hh, json={"level": "city"})
    page = text(sign_in(app, "huaihua").get("/console/audit?target=河西"))
    assert [action for _, _, action in ROW.findall(page)] == ["修改联络站", "新建联络站"]
    assert "类型：片区联络站 → 代表之家" in page and "类型：片区联络站" in page and 'value="河西"' in page
    body = client.get("/api/v1/audit-events", query_string={"target": "赵敏"}, headers=hh).json
    updated, created = body["items"]
    assert updated["summary"] == "层级：县（区）人大代表 → 市人大代表"
    assert created["summary"].startswith("层级：县（区）人大代表；区域：鹤城区")
    assert client.get("/api/v1/audit-events", query_string={"target": "%"}, headers=hh).json["total"] == 0


# --- a station administrator whose stations lie in several regions ---------------------------------------


@pytest.fixture
def lina(factory, world):  # noqa: F811
    """李娜 administers 城北联络站 (鹤城区, under 怀化市) and 岳麓联络站 (岳麓区, under 长沙市); 株洲市's
    administrator is above neither."""
    zhuzhou = factory.region("株洲市", "city", world["tree"]["root"])
    factory.admin("zhuzhou", region=zhuzhou)
    return factory.admin("lina", stations=[world["chengbei"], world["yuelu"]])


def console_log(app, username, query):
    """(account, action) of each row the console's 操作日志 shows ``username``, newest first."""
    return [(who, action) for _, who, action in ROW.findall(text(sign_in(app, username).get(f"/console/audit?{query}")))]


def api_log(client, factory, username, **query):
    body = client.get("/api/v1/audit-events", query_string=query, headers=headers(factory, username)).json
    return [(e["actor"], e["action_label"], e["target"]) for e in body["items"]]


def test_a_station_admin_over_two_cities_is_read_by_the_administrators_of_both(app, client, factory, world,
                                                                               lina):  # noqa: F811
    """Their sign-ins, refused ones too, their own password and their exports concern every station they
    administer: 怀化市's and 长沙市's administrators each read them, 株洲市's none."""
    assert login(client, "lina", "wrong-password-1").status_code == 401
    mine = headers(factory, "lina")
    assert client.post("/api/v1/me/password", headers=mine, json={
        "current_password": "password123", "new_password": "new-pass-2024"}).status_code == 200
    assert sign_in(app, "lina", "new-pass-2024").get("/console/suggestions/export.xlsx").status_code == 200

    seen = [("lina", "导出数据"), ("lina", "登录成功"), ("lina", "修改密码"), ("lina", "登录成功"), ("lina", "登录失败")]
    assert console_log(app, "huaihua", "who=lina") == seen
    assert console_log(app, "changsha", "who=lina") == seen
    assert [(who, action) for who, action, _ in api_log(client, factory, "changsha", who="lina")] == seen
    assert api_log(client, factory, "zhuzhou", who="lina") == []
    assert console_log(app, "zhuzhou", "who=lina") == []


def test_what_is_done_to_their_account_is_read_in_both_cities(client, factory, world, lina):  # noqa: F811
    root = headers(factory, "root")
    assert client.patch(f"/api/v1/admins/{lina.id}", headers=root, json={"display_name": "李娜"}).status_code == 200
    assert client.post(f"/api/v1/admins/{lina.id}/password", headers=root, json={"password": "reset-pass-1"}).status_code == 204
    assert client.patch(f"/api/v1/admins/{lina.id}", headers=root, json={"disabled": True}).status_code == 200
    assert login(client, "lina", "reset-pass-1").status_code == 403  # 账号已停用: a failed sign-in

    seen = [("李娜（lina）", "登录失败", "管理员账号：李娜"), ("root", "停用管理员账号", "管理员账号：李娜"),
            ("root", "重置密码", "管理员账号：李娜"), ("root", "修改管理员账号", "管理员账号：李娜")]
    for city in ("huaihua", "changsha"):
        assert api_log(client, factory, city, target="李娜") == seen
    assert api_log(client, factory, "zhuzhou", target="李娜") == []


def test_a_station_admins_change_to_one_station_is_read_in_that_stations_region_only(app, client, factory, world,
                                                                                   lina):  # noqa: F811
    mine = headers(factory, "lina")
    assert client.patch(f"/api/v1/stations/{world['yuelu'].id}", headers=mine,
                        json={"open_hours": "每周五上午"}).status_code == 200
    changed, = events("station_updated")
    assert changed.region_id == world["tree"]["yl"].id
    assert api_log(client, factory, "changsha", action="station_updated") == [
        ("lina", "修改联络站", "联络站：岳麓联络站")]
    assert console_log(app, "changsha", "action=station_updated") == [("lina", "修改联络站")]
    assert api_log(client, factory, "huaihua", action="station_updated") == []
    assert console_log(app, "huaihua", "action=station_updated") == []


def test_a_station_admins_account_created_in_two_cities_is_read_in_both(app, client, factory, world):  # noqa: F811
    root = headers(factory, "root")
    response = client.post("/api/v1/admins", headers=root, json={
        "username": "lina", "display_name": "李娜", "password": "first-pass-1",
        "station_ids": [world["chengbei"].id, world["yuelu"].id]})
    assert response.status_code == 201, response.json
    assert sorted(e.region_id for e in events("account_created")) == sorted([world["tree"]["hc"].id, world["tree"]["yl"].id])
    for city in ("huaihua", "changsha"):
        assert api_log(client, factory, city, action="account_created") == [("root", "新建管理员账号", "管理员账号：李娜")]


def test_each_administrator_reads_such_an_event_once(app, client, factory, world, lina):  # noqa: F811
    """An event kept under both cities is one event: the province's administrator, who reads both cities,
    and 李娜 herself read it once, as each city's administrator does; her move out of 长沙市 too."""
    assert login(client, "lina", "wrong-password-1").status_code == 401
    assert login(client, "lina", "password123").status_code == 200
    assert client.patch(f"/api/v1/admins/{lina.id}", headers=headers(factory, "root"),
                        json={"station_ids": [world["chengnan"].id]}).status_code == 200
    # A row under each city for each of them.
    assert sorted(e.region_id for e in events() if lina.id in (e.actor_user_id, e.target_id)) == sorted(
        [world["tree"]["hc"].id, world["tree"]["yl"].id] * 3)

    for reader in ("root", "huaihua", "changsha"):
        assert console_log(app, reader, "who=lina") == [("lina", "登录成功"), ("lina", "登录失败")], reader
        assert api_log(client, factory, reader, target="lina") == [
            ("root", "修改管理员账号", "管理员账号：lina"), ("lina", "登录成功", "管理员账号：lina"),
            ("lina", "登录失败", "管理员账号：lina")], reader
    # Her own log: this sign-in (under 鹤城区 only now), the move, her two before.
    assert [action for _, action in console_log(app, "lina", "")] == ["登录成功", "修改管理员账号", "登录成功", "登录失败"]
    assert api_log(client, factory, "lina")[2:] == [  # after the sign-ins of console_log and api_log
        ("root", "修改管理员账号", "管理员账号：lina"), ("lina", "登录成功", "管理员账号：lina"),
        ("lina", "登录失败", "管理员账号：lina")]


def test_an_event_across_regions_is_read_once_by_the_administrator_who_acted(client, factory, world):  # noqa: F811
    """Its row in their own subtree is its first: they read it once, as their action and as their region's."""
    from backend.audit.log import record_across

    tree = world["tree"]
    record_across("account_updated", world["changsha"], ("user", world["clerk"].id, "chengbei"),
                  [tree["hc"].id, tree["yl"].id], {"display_name": ["城北", "城北站"]})
    db.session.commit()
    assert [(e.region_id, e.copy_depth) for e in events("account_updated")] == [(tree["yl"].id, None), (tree["hc"].id, 0)]
    for reader in ("root", "huaihua", "changsha"):
        assert api_actions(client, factory, reader, "account_updated") == [
            ("管理员账号：chengbei", "姓名：城北 → 城北站")], reader


class _FilterControls(HTMLParser):
    """A console page's links and its GET forms' controls: what an administrator can narrow a list by."""

    def __init__(self):
        super().__init__()
        self.links, self.controls, self._form, self._select = [], [], False, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(unescape(attrs["href"]))
        elif tag == "form":
            self._form = (attrs.get("method") or "get").lower() == "get"
        elif self._form and tag == "input" and attrs.get("name") and attrs.get("type") != "hidden":
            self.controls.append((attrs["name"], attrs.get("type") or "text", [attrs.get("value") or "1"]))
        elif self._form and tag == "select" and attrs.get("name"):
            self._select = (attrs["name"], "select", [])
            self.controls.append(self._select)
        elif self._select and tag == "option" and attrs.get("value"):
            self._select[2].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = False
        elif tag == "select":
            self._select = None


SAMPLE = {"date": "2026-01-01", "number": "2026", "search": "路灯", "text": "路灯", "month": "2026-01"}


def _filter_choices(page_path, html):
    """Every way the page offers to narrow it: each option of each select, each box, each of its own links
    with a query (quick filters, sort orders, tabs), and all the form's controls at once."""
    parsed = _FilterControls()
    parsed.feed(html)
    choices, together = [], {}
    for name, kind, values in parsed.controls:
        picked = values if kind in ("select", "checkbox", "radio") else [SAMPLE.get(kind, "路灯")]
        choices += [{name: value} for value in picked]
        if picked:
            together[name] = picked[-1]
    choices.append(together)
    for link in parsed.links:
        parts = urlsplit(link)
        if parts.path == page_path and parts.query:
            choices.append(dict(parse_qsl(parts.query)))
    return choices


def _export_link(page_path, html):
    parsed = _FilterControls()
    parsed.feed(html)
    return [link for link in parsed.links if urlsplit(link).path != page_path and
            (urlsplit(link).path.endswith(".xlsx") or "export" in urlsplit(link).path)]


@pytest.mark.parametrize("username", ["huaihua", "chengbei"])
def test_every_exports_filters_are_logged_in_chinese(app, world, username):  # noqa: F811
    """Each list's export, asked through the page's own export link after every filter, sort and quick
    filter the page offers: the 操作日志 names each filter and its value in Chinese, no code name left
    (a new filter without a label fails here)."""
    console = sign_in(app, username)
    exported = 0
    for page_path in ("/console/", "/console/suggestions", "/console/appointments", "/console/leaderboard", "/console/deputies",
                      "/console/evaluations", "/console/liaisons", "/console/research", "/console/training",
                      "/console/audit"):
        first = console.get(page_path)
        if first.status_code == 403:  # a region administrator's page
            continue
        assert first.status_code == 200, page_path
        for choice in _filter_choices(page_path, text(first)):
            page = console.get(page_path, query_string=choice)
            if page.status_code != 200:
                continue
            for link in _export_link(page_path, text(page)):
                assert console.get(link).status_code == 200, link
                exported += 1
    assert exported > 20
    shown = [details(event) for event in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "exported"))]
    assert any("筛选条件" in line and "（无）" not in line for line in shown)
    code_names = {line for line in shown if re.search(r"[A-Za-z]", line.split("筛选条件：")[1].split("；")[0])}
    assert sorted(code_names) == [], "\n".join(sorted(code_names))
    log = text(console.get("/console/audit", query_string={"action": "exported"}))
    assert "筛选条件" in log
    assert {"排序=最早提交", "未办结=是"} <= {part for line in shown for part in re.split("[：，；]", line)}


def test_the_console_log_counts_up_to_a_cap_and_says_when_there_are_more(app, client, world, monkeypatch):  # noqa: F811
    """The 操作日志 of a province holds years of sign-ins: the page counts at most COUNT_CAP of the events it
    may show (one count that stops there, not a count of the whole scope on every page), says "N+" beyond
    it, lists the newest COUNT_CAP of them and says how to narrow it; under the cap, the exact count."""
    from .factories import sent_statements

    monkeypatch.setattr("backend.console.audit.COUNT_CAP", 4)
    monkeypatch.setattr("backend.audit.listing.PER_PAGE", 2)
    for _ in range(6):
        login(client, "chengbei", "wrong-password-1")
    console = sign_in(app, "huaihua")
    with sent_statements(app) as sent:
        first = console.get("/console/audit?action=login_failed")
    page = text(first)
    counts = [s for s in sent if "count(" in s and "audit_events" in s]
    assert len(counts) == 1 and "LIMIT" in counts[0]
    assert "第 1 / 2 页，共 4+ 条" in page
    assert "符合条件的操作记录超过 4 条，列表只列出最新的 4 条" in page
    last = text(console.get("/console/audit?action=login_failed&page=9"))  # past the cap: its last page
    assert "第 2 / 2 页，共 4+ 条" in last
    listed = re.findall(r"<tr>\s*<td class=\"nowrap\">", page + last)
    assert len(listed) == 4
    exact = text(console.get("/console/audit?action=login_failed&to=2000-01-02"))
    assert "超过" not in exact and "没有符合条件的操作记录" in exact
    monkeypatch.setattr("backend.console.audit.COUNT_CAP", 6)
    at_cap = text(console.get("/console/audit?action=login_failed"))
    assert "第 1 / 3 页，共 6 条" in at_cap and "超过" not in at_cap


def _behind_nginx(database_url, tmp_path, **config):
    from flask import request

    from backend import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test-secret",
                      "UPLOAD_DIR": str(tmp_path), "TRUSTED_PROXIES": 1, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"}
                     | config)
    app.add_url_rule("/__seen__", "seen", lambda: {"address": request.remote_addr, "host": request.host})
    return app


def test_the_forwarded_host_is_never_taken_from_the_proxy(database_url, tmp_path):
    """nginx passes the browser's own Host (README); an X-Forwarded-Host a client adds names no host of ours."""
    seen = _behind_nginx(database_url, tmp_path).test_client().get(
        "/__seen__", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "evil.example",
                              "Host": "msb.example.gov.cn"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}).json
    assert seen == {"address": "203.0.113.9", "host": "msb.example.gov.cn"}


def test_only_the_listed_proxies_forwarded_address_is_believed(app, world, database_url, tmp_path):  # noqa: F811
    """With TRUSTED_PROXY_ADDRESSES, a client reaching the app's port directly cannot pick its address by
    sending X-Forwarded-For: only the proxies listed are believed (and may forward the scheme)."""
    behind_nginx = _behind_nginx(database_url, tmp_path, TRUSTED_PROXY_ADDRESSES=["10.0.0.5", "172.17.0.0/16"])
    client = behind_nginx.test_client()
    forged = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    direct = client.get("/__seen__", headers=forged, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert direct.json["address"] == "198.51.100.7"
    assert "Strict-Transport-Security" not in direct.headers  # not taken for HTTPS either
    for proxy in ("10.0.0.5", "172.17.0.1"):
        through = client.get("/__seen__", headers=forged, environ_base={"REMOTE_ADDR": proxy})
        assert through.json["address"] == "203.0.113.9"
    refused = client.post("/api/v1/auth/login", json={"username": "huaihua", "password": "wrong-password-1"},
                          headers=forged, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert refused.status_code == 401
    with behind_nginx.app_context():
        db.engine.dispose()  # the second app's connections, not the suite's
    assert events("login_failed")[0].client_address == "198.51.100.7"
