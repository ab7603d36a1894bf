"""Whatever a client sends, the answer is the contract's JSON error in Chinese, never a 500, and nothing is written.

Each write endpoint is fed malformed JSON, the wrong shape, wrong types, missing, blank, overlong and unknown
fields, out-of-range numbers, unknown and oversized ids, other scopes' objects, the wrong role and no token.
"""
import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from backend.extensions import db

from .test_suggestions import upload_photo

API = "/api/v1"
CJK = re.compile(r"[\u4e00-\u9fff]")


class Callers(dict):
    """Bearer headers per kind of caller, signed in on first use (an admin login costs a password hash)."""

    def __init__(self, factory, tree, station):
        super().__init__(anonymous={})
        self.make = {
            "super": lambda: factory.headers_for_admin(factory.admin("root", region=tree["root"])),
            "hh_admin": lambda: factory.headers_for_admin(factory.admin("huaihua", region=tree["hh"])),
            "station_admin": lambda: factory.headers_for_admin(factory.admin("chengbei", stations=[station])),
            "citizen": lambda: factory.wechat_login("citizen"),
        }

    def __missing__(self, who):
        self[who] = self.make[who]()
        return self[who]


@pytest.fixture
def org(factory):
    tree = factory.tree()
    hc_station = factory.station(tree["hc"], "鹤城区城北联络站", lat=27.56, lng=109.99)
    yl_station = factory.station(tree["yl"], "岳麓区中心联络站")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[hc_station])
    chen = factory.deputy(tree["yl"], "陈明", phone="13800000005", stations=[yl_station])
    ids = {
        "root": tree["root"].id, "hh": tree["hh"].id, "cs": tree["cs"].id, "hc": tree["hc"].id, "yl": tree["yl"].id,
        "hc_station": hc_station.id, "yl_station": yl_station.id, "zhang": zhang.id, "chen": chen.id,
        "hc_station_qr": hc_station.qr_code, "yl_station_qr": yl_station.qr_code,
    }
    return {"headers": Callers(factory, tree, hc_station), "ids": ids}


def snapshot():
    """Every committed row of every table: a failed request must leave all of them as they were."""
    with db.engine.connect() as conn:
        return {
            table.name: conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            for table in db.metadata.sorted_tables
        }


def assert_contract_error(response, status, code, field=None):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    body = response.json
    assert body["error"] == code
    assert CJK.search(body["message"]), body["message"]
    assert set(body) <= {"error", "message", "errors"}
    if field is not None:
        assert field in body["errors"], body
    for messages in body.get("errors", {}).values():
        for message in messages if isinstance(messages, list) else [messages]:
            assert CJK.search(str(message)), body["errors"]


def check_refusals(client, org, cases):
    """Send each case; collect every miss so one run shows them all."""
    problems = []
    for label, method, path, who, request, status, code, field in cases:
        org["headers"][who]  # sign in before the snapshot: a login records its time
        before = snapshot()
        response = send(client, org, method, path, who, **request)
        try:
            assert_contract_error(response, status, code, field)
            assert snapshot() == before, "the database changed"
        except (AssertionError, KeyError, TypeError) as exc:
            problems.append(f"{label}: {exc!r}")
    assert not problems, "\n".join(problems)


def fill(org, value):
    """Replace "{name}" placeholders, at any depth, with the ids the org fixture created."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return org["ids"][value[1:-1]]
    if isinstance(value, list):
        return [fill(org, v) for v in value]
    if isinstance(value, dict):
        return {k: fill(org, v) for k, v in value.items()}
    return value


def send(client, org, method, path, who, *, json=None, data=None, content_type=None, headers=None):
    path = path.format(**org["ids"])
    kwargs = {"headers": {**org["headers"][who], **(headers or {})}}
    if data is not None:
        kwargs.update(data=data, content_type=content_type or "application/json")
    elif json is not None:
        kwargs["json"] = json
    return client.open(f"{API}{path}", method=method, **kwargs)


# (method, path, caller, a valid body, a required text field, its maximum length)
WRITES = {
    "create_region": ("POST", "/regions", "super", {"name": "中方县", "level": "county", "parent_id": "{hh}"}, "name", 100),
    "update_region": ("PATCH", "/regions/{hh}", "super", {"name": "怀化"}, "name", 100),
    "create_station": ("POST", "/stations", "hh_admin", {"name": "新联络点", "kind": "point", "region_id": "{hc}"},
                       "name", 100),
    "update_station": ("PATCH", "/stations/{hc_station}", "station_admin", {"address": "人民路 20 号"}, "address", 255),
    "create_deputy": ("POST", "/deputies", "hh_admin", {"name": "黄敏", "level": "township", "region_id": "{hc}"},
                      "name", 50),
    "update_deputy": ("PATCH", "/deputies/{zhang}", "station_admin", {"group": "第一小组"}, "group", 100),
    "admin_login": ("POST", "/auth/login", "anonymous", {"username": "root", "password": "password123"}, "username", 64),
    "wechat_login": ("POST", "/auth/wechat", "anonymous", {"code": "someone"}, "code", 128),
    "bind_phone": ("POST", "/auth/bind-phone", "citizen", {"code": "phone-13900000000"}, "code", 128),
    "create_livelihood_vote": ("POST", "/livelihood/votes", "hh_admin", {
        "title": "2027 年怀化市民生实事项目票决", "year": 2027, "places": 1, "starts_at": "2027-01-10T09:00:00+08:00",
        "ends_at": "2027-01-10T12:00:00+08:00"}, "title", 100),
    "propose_livelihood": ("POST", "/livelihood/proposals", "citizen",
                           {"region_id": "{hc}", "title": "修建停车场", "content": "周末停车难"}, "content", 1000),
}


UNREADABLE = {"malformed_json", "nested_too_deep", "number_of_5000_digits"}  # not JSON at all: 400


def bad_bodies(valid, text_field, max_length):
    """(label, body, expected field) for one endpoint; a str body is sent as raw request text."""
    yield "malformed_json", '{"name": "联络站", ', None
    # What the JSON decoder gives up on rather than misreads: no server error either.
    yield "nested_too_deep", "[" * 100_000, None
    yield "number_of_5000_digits", '{"n": ' + "7" * 5000 + "}", None
    yield "json_array", [valid], "request"
    yield "json_string", json.dumps("联络站", ensure_ascii=False), "request"
    yield "json_number", "42", "request"
    yield "json_null", "null", None
    yield "unknown_field", {**valid, "nmae": "拼错的字段"}, "nmae"
    yield "wrong_type", {**valid, text_field: 12345}, text_field
    yield "null_text", {**valid, text_field: None}, text_field
    yield "list_for_text", {**valid, text_field: ["联络站"]}, text_field
    yield "overlong", {**valid, text_field: "长" * (max_length + 1)}, text_field
    yield "nul_character", {**valid, text_field: "城北\u0000联络站"}, text_field
    # A JSON escape that decodes to half a UTF-16 pair: no database can store it.
    yield "lone_surrogate", {**valid, text_field: "\ud800"}, text_field


@pytest.mark.parametrize("endpoint", list(WRITES))
def test_malformed_bodies_are_refused_in_chinese_and_write_nothing(client, org, endpoint):
    method, path, who, valid, text_field, max_length = WRITES[endpoint]
    bodies = list(bad_bodies(valid, text_field, max_length))
    if method == "POST":
        bodies += [("missing_required", {}, text_field), ("blank", {**valid, text_field: "   "}, text_field)]
    cases = []
    for label, body, field in bodies:
        status, code = (400, "bad_request") if label in UNREADABLE else (422, "validation_failed")
        # json.dumps escapes non-ASCII, so the lone surrogate travels as the escape a client would send.
        data = body if isinstance(body, str) else json.dumps(fill(org, body))
        cases.append((label, method, path, who, {"data": data}, status, code, field))
    check_refusals(client, org, cases)


@pytest.mark.parametrize("endpoint", ["create_livelihood_vote", "propose_livelihood"])
def test_half_an_emoji_with_an_idempotency_key_is_refused_as_without_one(client, org, endpoint):
    """A text box's maxlength cut an emoji in half: the lone surrogate failed the key's fingerprint (500
    on every idempotent route). With a key, as without, the schema names the field; nothing is kept."""
    method, path, who, valid, text_field, _ = WRITES[endpoint]
    data = json.dumps(fill(org, {**valid, text_field: "路灯坏了\ud83d"}))
    cases = [(f"key {key}", method, path, who, {"data": data, "headers": {"Idempotency-Key": key} if key else None},
              422, "validation_failed", text_field) for key in (None, "half-emoji-1", "half-emoji-1")]
    check_refusals(client, org, cases)
    response = send(client, org, method, path, who, data=data, headers={"Idempotency-Key": "half-emoji-2"})
    assert response.json["errors"] == {text_field: ["文本包含无法识别的字符。"]}, response.json


def test_the_valid_bodies_used_above_are_accepted(client, org):
    """Guards the table: each 'valid' body does succeed, so the failures above are due to the bad part."""
    org["headers"]["super"]  # the admin "root" whose login the table uses
    for name, (method, path, who, valid, _, _) in WRITES.items():
        response = send(client, org, method, path, who, json=fill(org, valid))
        assert response.status_code in (200, 201), (name, response.json)


# --- field-specific mistakes --------------------------------------------------------------------------

FIELD_CASES = [
    # (id, method, path, caller, body, expected field)
    ("latitude_91", "POST", "/stations", "hh_admin", {"name": "站", "kind": "point", "region_id": "{hc}", "lat": 91}, "lat"),
    ("longitude_181", "PATCH", "/stations/{hc_station}", "hh_admin", {"lng": -181}, "lng"),
    ("latitude_as_text", "PATCH", "/stations/{hc_station}", "hh_admin", {"lat": "北纬27度"}, "lat"),
    ("latitude_huge", "PATCH", "/stations/{hc_station}", "hh_admin", {"lat": 1e400}, "lat"),
    ("unknown_kind", "POST", "/stations", "hh_admin", {"name": "站", "kind": "hall", "region_id": "{hc}"}, "kind"),
    ("unknown_region", "POST", "/stations", "hh_admin", {"name": "站", "kind": "point", "region_id": 999999}, "region_id"),
    ("region_id_over_int32", "POST", "/stations", "hh_admin",
     {"name": "站", "kind": "point", "region_id": 2**31}, "region_id"),
    ("region_id_huge", "POST", "/deputies", "hh_admin",
     {"name": "代表", "level": "city", "region_id": 2**70}, "region_id"),
    ("region_id_zero", "POST", "/deputies", "hh_admin", {"name": "代表", "level": "city", "region_id": 0}, "region_id"),
    ("region_id_as_text", "POST", "/stations", "hh_admin",
     {"name": "站", "kind": "point", "region_id": "5"}, "region_id"),
    ("region_id_fraction", "POST", "/stations", "hh_admin",
     {"name": "站", "kind": "point", "region_id": 4.5}, "region_id"),
    ("region_id_boolean", "POST", "/stations", "hh_admin",
     {"name": "站", "kind": "point", "region_id": True}, "region_id"),
    ("region_of_another_city", "POST", "/deputies", "hh_admin",
     {"name": "代表", "level": "city", "region_id": "{yl}"}, "region_id"),
    ("parent_of_another_city", "POST", "/regions", "hh_admin",
     {"name": "岳麓新区", "level": "township", "parent_id": "{yl}"}, "parent_id"),
    ("unknown_parent", "POST", "/regions", "super", {"name": "新区", "level": "county", "parent_id": 999999}, "parent_id"),
    ("second_root", "POST", "/regions", "super", {"name": "另一个省", "level": "province"}, "parent_id"),
    ("unknown_level", "POST", "/regions", "super", {"name": "新区", "level": "galaxy", "parent_id": "{hh}"}, "level"),
    ("unknown_deputy_ids", "PATCH", "/stations/{hc_station}", "hh_admin", {"deputy_ids": [999999]}, "deputy_ids"),
    ("deputy_ids_over_int32", "PATCH", "/stations/{hc_station}", "hh_admin", {"deputy_ids": [2**40]}, "deputy_ids"),
    ("deputy_ids_not_a_list", "PATCH", "/stations/{hc_station}", "hh_admin", {"deputy_ids": 5}, "deputy_ids"),
    ("deputy_of_another_city", "PATCH", "/stations/{hc_station}", "hh_admin", {"deputy_ids": ["{chen}"]},
     "deputy_ids"),
    ("unknown_admin_user", "PATCH", "/stations/{hc_station}", "hh_admin", {"admin_user_ids": [999999]},
     "admin_user_ids"),
    ("station_of_another_city", "PATCH", "/deputies/{zhang}", "hh_admin", {"station_ids": ["{yl_station}"]},
     "station_ids"),
    ("unknown_station_ids", "POST", "/deputies", "hh_admin",
     {"name": "代表", "level": "city", "region_id": "{hc}", "station_ids": [999999]}, "station_ids"),
    ("phone_too_short", "PATCH", "/deputies/{zhang}", "hh_admin", {"phone": "12345"}, "phone"),
    ("phone_with_letter", "PATCH", "/deputies/{zhang}", "hh_admin", {"phone": "1380000000O"}, "phone"),
    ("phone_full_width_digits", "PATCH", "/deputies/{zhang}", "hh_admin", {"phone": "１３８００００００９９"}, "phone"),
    ("phone_as_number", "PATCH", "/deputies/{zhang}", "hh_admin", {"phone": 13800000099}, "phone"),
    ("active_as_text", "PATCH", "/deputies/{zhang}", "hh_admin", {"active": "也许"}, "active"),
    ("term_out_of_range", "PATCH", "/deputies/{zhang}", "hh_admin", {"term": 100}, "term"),
    ("term_fraction", "PATCH", "/deputies/{zhang}", "hh_admin", {"term": 14.5}, "term"),
    ("unknown_deputy_level", "POST", "/deputies", "hh_admin",
     {"name": "代表", "level": "galactic", "region_id": "{hc}"}, "level"),
    ("station_admin_moves_station", "PATCH", "/stations/{hc_station}", "station_admin", {"region_id": "{hh}"},
     "region_id"),
    ("password_too_long", "POST", "/auth/login", "anonymous", {"username": "root", "password": "x" * 129}, "password"),
    # Names are one line: a line break or an invisible character in one breaks printed codes and exports.
    ("region_name_two_lines", "PATCH", "/regions/{hh}", "super", {"name": "怀化\n市"}, "name"),
    ("station_name_two_lines", "POST", "/stations", "hh_admin",
     {"name": "城北\n联络站", "kind": "point", "region_id": "{hc}"}, "name"),
    ("deputy_name_zero_width", "PATCH", "/deputies/{zhang}", "hh_admin", {"name": "张\u200b伟"}, "name"),
    ("deputy_group_two_lines", "PATCH", "/deputies/{zhang}", "hh_admin", {"group": "第一\n小组"}, "group"),
    ("livelihood_places_51", "POST", "/livelihood/votes", "hh_admin", {"title": "票决", "year": 2027, "places": 51,
     "starts_at": "2027-01-10T09:00:00+08:00", "ends_at": "2027-01-10T12:00:00+08:00"}, "places"),
    ("livelihood_window_backwards", "POST", "/livelihood/votes", "hh_admin", {"title": "票决", "year": 2027, "places": 1,
     "starts_at": "2027-01-10T12:00:00+08:00", "ends_at": "2027-01-10T09:00:00+08:00"}, "ends_at"),
    ("livelihood_proposal_phone", "POST", "/livelihood/proposals", "citizen",
     {"region_id": "{hc}", "title": "停车场", "content": "停车难", "contact_phone": "12345"}, "contact_phone"),
    # Only ASCII digits: Python's \d takes any script's (here Arabic-Indic) digits.
    ("livelihood_proposal_phone_arabic_digits", "POST", "/livelihood/proposals", "citizen",
     {"region_id": "{hc}", "title": "停车场", "content": "停车难", "contact_phone": "1\u0663\u0663\u0663\u0663\u0663\u0663\u0663\u0663\u0663\u0663"},
     "contact_phone"),
    ("livelihood_proposal_unknown_region", "POST", "/livelihood/proposals", "citizen",
     {"region_id": 2**31, "title": "停车场", "content": "停车难"}, "region_id"),
    ("livelihood_proposal_missing_region", "POST", "/livelihood/proposals", "citizen",
     {"region_id": 999999, "title": "停车场", "content": "停车难"}, "region_id"),
    ("livelihood_vote_of_another_city", "POST", "/livelihood/votes", "hh_admin", {"region_id": "{yl}", "title": "票决",
     "year": 2027, "places": 1, "starts_at": "2027-01-10T09:00:00+08:00", "ends_at": "2027-01-10T12:00:00+08:00"},
     "region_id"),
]


def test_field_mistakes_are_422_with_the_field_named(client, org):
    check_refusals(client, org, [
        (label, method, path, who, {"json": fill(org, body)}, 422, "validation_failed", field)
        for label, method, path, who, body, field in FIELD_CASES
    ])


def test_a_phone_already_registered_is_409_and_changes_nothing(client, org):
    org["headers"]["hh_admin"]
    before = snapshot()
    response = send(client, org, "POST", "/deputies", "hh_admin",
                    json={"name": "重号", "level": "city", "region_id": org["ids"]["hc"], "phone": "13800000003"})
    assert_contract_error(response, 409, "conflict")
    assert snapshot() == before


# --- ids in the URL, scopes, roles and tokens ---------------------------------------------------------

URL_CASES = [
    # (id, method, path, caller, body, status, code)
    ("unknown_station", "PATCH", "/stations/999999", "super", {"name": "x"}, 404, "not_found"),
    ("station_id_over_int32", "PATCH", f"/stations/{2**31}", "super", {"name": "x"}, 404, "not_found"),
    ("station_id_over_int64", "GET", f"/stations/{2**64}", "anonymous", None, 404, "not_found"),
    ("unknown_deputy", "PATCH", "/deputies/999999", "super", {"name": "x"}, 404, "not_found"),
    ("deputy_id_over_int64", "PATCH", f"/deputies/{2**64}", "super", {"name": "x"}, 404, "not_found"),
    ("region_id_over_int64", "GET", f"/regions/{2**64}", "anonymous", None, 404, "not_found"),
    ("suggestion_id_over_int32", "GET", f"/suggestions/{2**31}", "citizen", None, 404, "not_found"),
    ("suggestion_step_id_over_int32", "POST", f"/suggestions/{2**31}/withdraw", "citizen", None, 404, "not_found"),
    ("follow_id_over_int32", "POST", f"/suggestions/{2**31}/follow", "citizen", None, 404, "not_found"),
    ("activity_id_over_int32", "GET", f"/activities/{2**31}", "super", None, 404, "not_found"),
    ("activity_close_id_over_int32", "POST", f"/activities/{2**31}/close", "super", None, 404, "not_found"),
    ("points_deputy_id_over_int32", "GET", f"/deputies/{2**31}/points", "super", None, 404, "not_found"),
    ("unknown_region", "PATCH", "/regions/999999", "super", {"name": "x"}, 404, "not_found"),
    ("non_numeric_id", "PATCH", "/stations/abc", "super", {"name": "x"}, 404, "not_found"),
    ("negative_id", "GET", "/deputies/-1", "anonymous", None, 404, "not_found"),
    ("another_citys_station", "PATCH", "/stations/{yl_station}", "hh_admin", {"name": "x"}, 404, "not_found"),
    ("another_citys_deputy", "PATCH", "/deputies/{chen}", "hh_admin", {"name": "x"}, 404, "not_found"),
    ("another_citys_region", "PATCH", "/regions/{cs}", "hh_admin", {"name": "x"}, 404, "not_found"),
    ("parent_region_of_own", "PATCH", "/regions/{root}", "hh_admin", {"name": "x"}, 404, "not_found"),
    ("another_stations_deputy", "PATCH", "/deputies/{chen}", "station_admin", {"name": "x"}, 404, "not_found"),
    ("another_citys_qr_revoke", "POST", "/qr/{yl_station_qr}/revoke", "hh_admin", None, 404, "not_found"),
    ("another_citys_qr_rotate", "POST", "/qr/{yl_station_qr}/rotate", "station_admin", None, 404, "not_found"),
    ("unknown_qr_revoke", "POST", "/qr/nosuchcode/revoke", "super", None, 404, "not_found"),
    ("citizen_creates_station", "POST", "/stations", "citizen", {"name": "x", "kind": "point", "region_id": "{hc}"},
     403, "forbidden"),
    ("citizen_patches_station", "PATCH", "/stations/{hc_station}", "citizen", {"name": "x"}, 403, "forbidden"),
    ("citizen_creates_deputy", "POST", "/deputies", "citizen", {"name": "x", "level": "city", "region_id": "{hc}"},
     403, "forbidden"),
    ("citizen_revokes_qr", "POST", "/qr/{hc_station_qr}/revoke", "citizen", None, 403, "forbidden"),
    ("station_admin_creates_region", "POST", "/regions", "station_admin",
     {"name": "x", "level": "county", "parent_id": "{hh}"}, 403, "forbidden"),
    ("station_admin_patches_region", "PATCH", "/regions/{hc}", "station_admin", {"name": "x"}, 403, "forbidden"),
    ("station_admin_creates_station", "POST", "/stations", "station_admin",
     {"name": "x", "kind": "point", "region_id": "{hc}"}, 403, "forbidden"),
    ("station_admin_creates_deputy_at_no_station_of_theirs", "POST", "/deputies", "station_admin",
     {"name": "x", "level": "city", "region_id": "{hc}"}, 422, "validation_failed"),
    ("no_token_creates_region", "POST", "/regions", "anonymous", {"name": "x", "level": "county", "parent_id": "{hh}"},
     401, "unauthorized"),
    ("no_token_patches_region", "PATCH", "/regions/{hh}", "anonymous", {"name": "x"}, 401, "unauthorized"),
    ("no_token_creates_station", "POST", "/stations", "anonymous", {"name": "x", "kind": "point", "region_id": "{hc}"},
     401, "unauthorized"),
    ("no_token_patches_station", "PATCH", "/stations/{hc_station}", "anonymous", {"name": "x"}, 401, "unauthorized"),
    ("no_token_creates_deputy", "POST", "/deputies", "anonymous", {"name": "x", "level": "city", "region_id": "{hc}"},
     401, "unauthorized"),
    ("no_token_patches_deputy", "PATCH", "/deputies/{zhang}", "anonymous", {"name": "x"}, 401, "unauthorized"),
    ("no_token_binds_phone", "POST", "/auth/bind-phone", "anonymous", {"code": "phone-13900000000"}, 401,
     "unauthorized"),
    ("no_token_revokes_qr", "POST", "/qr/{hc_station_qr}/revoke", "anonymous", None, 401, "unauthorized"),
    ("no_token_rotates_qr", "POST", "/qr/{hc_station_qr}/rotate", "anonymous", None, 401, "unauthorized"),
    # Authentication is checked before the body: no token with garbage is still 401.
    ("no_token_and_bad_body", "POST", "/stations", "anonymous", [1, 2, 3], 401, "unauthorized"),
    ("wrong_role_and_bad_body", "POST", "/stations", "citizen", {"nmae": 1}, 403, "forbidden"),
]


@pytest.mark.parametrize("caller", ["super", "hh_admin", "station_admin", "citizen", "anonymous"])
def test_unknown_ids_other_scopes_roles_and_tokens(client, org, caller):
    cases = [
        (label, method, path, who, {"json": fill(org, body)}, status, code, None)
        for label, method, path, who, body, status, code in URL_CASES
        if who == caller
    ]
    assert cases
    check_refusals(client, org, cases)


def test_forged_or_malformed_tokens_are_401(client, org):
    body = {"name": "x", "kind": "point", "region_id": org["ids"]["hc"]}
    check_refusals(client, org, [
        (authorization, "POST", "/stations", "anonymous",
         {"json": body, "headers": {"Authorization": authorization}}, 401, "unauthorized", None)
        for authorization in ["Bearer not-a-token", "Bearer ", "Basic cm9vdDpwYXNzd29yZDEyMw==", "Bearer 中文令牌",
                              "token", "Bearer " + "x" * 5000]
    ])


def test_ids_in_any_body_are_json_integers_not_rounded(client, org):
    """1.5 is no id, nor is "5": each is refused by name rather than read as the id 1 or 5, whatever the resource."""
    ids, headers = org["ids"], org["headers"]
    def filed(content):
        response = client.post(f"{API}/suggestions", headers=headers["citizen"], json={
            "qr_code": ids["hc_station_qr"], "category": "道路交通", "content": content})
        assert response.status_code == 201, response.json
        return response.json["id"]

    item, other = filed("城北路口的红绿灯坏了。"), filed("城北路口红绿灯不亮。")
    photo = upload_photo(client, headers["citizen"])["id"]
    zhang, station = ids["zhang"], ids["hc_station"]
    starts = datetime.now(timezone.utc) + timedelta(days=1)  # any valid window: the id alone is wrong
    activity = {"title": "进站接待", "type": "reception", "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=2)).isoformat()}
    cases = []
    for fuzzy in (0.5, "text"):
        def near(id_):
            return id_ + 0.5 if fuzzy == 0.5 else str(id_)
        cases += [
            (f"dispatch_deputy_id_{fuzzy}", "POST", f"/suggestions/{item}/dispatch", "station_admin",
             {"deputy_id": near(zhang)}, "deputy_id"),
            (f"merge_into_id_{fuzzy}", "POST", f"/suggestions/{item}/merge", "station_admin",
             {"into_id": near(other)}, "into_id"),
            (f"filing_attachment_ids_{fuzzy}", "POST", "/suggestions", "citizen",
             {"qr_code": ids["hc_station_qr"], "category": "道路交通", "content": "路灯不亮。",
              "attachment_ids": [near(photo)]}, "attachment_ids"),
            (f"activity_station_id_{fuzzy}", "POST", "/activities", "hh_admin",
             {**activity, "station_id": near(station), "deputy_ids": [zhang]}, "station_id"),
            (f"activity_deputy_ids_{fuzzy}", "POST", "/activities", "hh_admin",
             {**activity, "station_id": station, "deputy_ids": [near(zhang)]}, "deputy_ids"),
            (f"activity_region_id_{fuzzy}", "POST", "/activities", "hh_admin",
             {**activity, "region_id": near(ids["hc"]), "place": "市民广场", "deputy_ids": [zhang]}, "region_id"),
        ]
    cases.append(("activity_title_two_lines", "POST", "/activities", "hh_admin",
                  {**activity, "title": "进站\n接待", "station_id": station, "deputy_ids": [zhang]}, "title"))
    check_refusals(client, org, [
        (label, method, path, who, {"json": body}, 422, "validation_failed", field)
        for label, method, path, who, body, field in cases
    ])


# --- routing errors, big bodies, encoding -------------------------------------------------------------


def test_an_unsupported_method_is_a_json_405(client, org):
    check_refusals(client, org, [
        (f"{method} {path}", method, path, "super", {}, 405, "method_not_allowed", None)
        for method, path in [("DELETE", "/stations/{hc_station}"), ("PUT", "/regions"), ("DELETE", "/deputies"),
                             ("PUT", "/deputies/{zhang}")]
    ])


def test_an_unknown_url_under_the_api_is_a_json_404(client, org):
    check_refusals(client, org, [
        (path, method, path, "anonymous", {}, 404, "not_found", None)
        for method, path in [("GET", "/nope"), ("GET", "/stations/1/nope"), ("GET", "/deputies/abc"), ("GET", ""),
                             ("POST", "/nope")]
    ])


def test_an_oversized_body_is_413(app, client, org):
    org["headers"]["hh_admin"]
    before = snapshot()
    padding = "长" * (app.config["MAX_CONTENT_LENGTH"] // 3 + 10)
    response = send(client, org, "POST", "/stations", "hh_admin",
                    json={"name": "站", "kind": "point", "region_id": org["ids"]["hc"], "description": padding})
    assert_contract_error(response, 413, "payload_too_large")
    assert snapshot() == before


def test_chinese_text_comes_back_as_utf8_not_escaped(client, org):
    created = send(client, org, "POST", "/stations", "hh_admin",
                   json={"name": "芙蓉区代表之家", "kind": "home", "region_id": org["ids"]["hc"]})
    assert created.status_code == 201
    raw = created.get_data()
    assert "芙蓉区代表之家".encode("utf-8") in raw
    assert b"\\u" not in raw

    refused = send(client, org, "POST", "/stations", "hh_admin", json={"kind": "home"})
    raw = refused.get_data()
    assert "此项为必填项".encode("utf-8") in raw
    assert "提交的内容有误".encode("utf-8") in raw
    assert b"\\u" not in raw


def test_nul_characters_outside_the_body_are_refused_not_500(client, org):
    """A NUL in a header, a path or a login name: PostgreSQL refuses to even compare such text, so
    each is turned away before it reaches a query (SQLite would have stored it)."""
    check_refusals(client, org, [
        ("nul_idempotency_key", "POST", "/deputies/{zhang}/points/corrections", "super",
         {"json": {"points": 1, "reason": "补记"}, "headers": {"Idempotency-Key": "a\x00b"}}, 422, "validation_failed",
         "Idempotency-Key"),
        ("nul_rule_code", "PUT", "/scoring-rules/a%00", "super", {"json": {"points": 1}}, 404, "not_found", None),
        ("nul_username", "POST", "/auth/login", "anonymous", {"json": {"username": "ro\x00ot", "password": "x"}},
         422, "validation_failed", "username"),
    ])
    ghost = client.post("/api/v1/auth/login", data='{"username": "\\ud800", "password": "x"}', content_type="application/json")
    assert ghost.status_code == 422 and "username" in ghost.json["errors"]
