"""一人一码、一站一码: a citizen scans a printed code, an administrator prints, revokes and rotates it.

Images are checked the way a phone would: decoded with a real QR reader (zxing-cpp).
"""
import base64
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
import zxingcpp
from PIL import Image, ImageDraw, ImageFont

from backend.qr import render
from backend.qr import services as qr_services

from .test_web_pages import config_override  # noqa: F401  (fixture)

BASE = "https://msb.example.cn"
PHONE = "13912345678"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
CODE_FORMAT = re.compile(r"^[a-z2-7]{16}$")


# --- setup --------------------------------------------------------------------------------------


@pytest.fixture
def org(factory):
    """Huaihua's Hecheng district: a station with a deputy (and one out of office); admins here and in Changsha."""
    tree = factory.tree()
    station = factory.station(
        tree["hc"], "城北联络站", address="鹤城区迎丰西路128号", open_hours="每周一至周五 9:00-17:00"
    )
    deputy = factory.deputy(tree["hc"], "张伟", phone=PHONE, stations=[station])
    retired = factory.deputy(tree["hc"], "王芳", phone="13700000001", stations=[station], active=False)
    here = factory.admin("huaihua", region=tree["hh"])
    elsewhere = factory.admin("changsha", region=tree["cs"])
    return {
        "tree": tree,
        "station_id": station.id,
        "deputy_id": deputy.id,
        "retired_id": retired.id,
        "station": station,
        "admin": factory.headers_for_admin(here),
        "other_admin": factory.headers_for_admin(elsewhere),
    }


def deputy_code(client, deputy_id, headers=None):
    response = client.get(f"/api/v1/deputies/{deputy_id}", headers=headers or {})
    assert response.status_code == 200, response.json
    return response.json["qr_code"]


def station_code(client, station_id):
    response = client.get(f"/api/v1/stations/{station_id}")
    assert response.status_code == 200, response.json
    return response.json["qr_code"]


def decode(png_bytes):
    """What a phone camera reads from the image: the texts of every QR code in it."""
    image = Image.open(io.BytesIO(png_bytes))
    return [b.text for b in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def keys_of(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from keys_of(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from keys_of(inner)


def assert_chinese_error(response, status, error):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    assert response.json["error"] == error
    assert CHINESE.search(response.json["message"]), response.json


def has_dark_pixels(image, threshold=128):
    return image.convert("L").getextrema()[0] < threshold


# --- scanning -----------------------------------------------------------------------------------


def test_scanning_a_deputy_code_shows_the_public_profile_and_never_the_phone(client, org):
    code = deputy_code(client, org["deputy_id"])

    response = client.get(f"/api/v1/qr/{code}")

    assert response.status_code == 200
    body = response.json
    assert body["kind"] == "deputy"
    assert body["code"] == code
    assert body["url"] == f"{BASE}/q/{code}"
    assert body["actions"] == ["file_suggestion", "request_appointment"]
    assert body["reception_days"] == []
    target = body["target"]
    assert target["id"] == org["deputy_id"]
    assert target["name"] == "张伟"
    assert target["level_label"] == "市人大代表"
    assert target["region_name"] == "鹤城区"
    assert [s["name"] for s in target["stations"]] == ["城北联络站"]
    raw = response.get_data(as_text=True)
    assert PHONE not in raw
    assert not any("phone" in key for key in keys_of(body))


def test_scanning_a_station_code_shows_the_station_and_its_deputies_in_office(client, org):
    code = station_code(client, org["station_id"])

    response = client.get(f"/api/v1/qr/{code}")

    assert response.status_code == 200
    body = response.json
    assert body["kind"] == "station"
    assert body["url"] == f"{BASE}/q/{code}"
    assert body["actions"] == ["file_suggestion", "view_deputies", "checkin", "request_appointment"]
    target = body["target"]
    assert target["id"] == org["station_id"]
    assert target["name"] == "城北联络站"
    assert target["address"] == "鹤城区迎丰西路128号"
    assert target["open_hours"] == "每周一至周五 9:00-17:00"
    assert [d["name"] for d in target["deputies"]] == ["张伟"]  # 王芳 is out of office
    assert target["deputy_ids"] == [org["deputy_id"]] and target["deputies_total"] == 1
    assert "admin_user_ids" not in target
    raw = response.get_data(as_text=True)
    assert PHONE not in raw and "13700000001" not in raw
    assert not any("phone" in key for key in keys_of(body))


def test_a_large_stations_code_names_its_first_deputies_and_counts_them_all(app, client, factory, org):
    """A district's station receives hundreds of deputies: the card names the first of them (by the
    roster's order, those in office) and counts them all; the rest are a paged list away, found by name.
    What the answer costs to read does not grow with the roster."""
    from backend.extensions import db
    from backend.org.models import ROSTER_NAMES

    from .factories import sent_statements

    code = station_code(client, org["station_id"])

    def statements():
        with sent_statements(app) as seen:
            assert client.get(f"/api/v1/qr/{code}").status_code == 200
        return len(seen)

    few = statements()
    crowd = [factory.deputy(org["tree"]["hc"], f"代表{i:02d}", stations=[org["station"]])
             for i in range(1, ROSTER_NAMES + 6)]
    crowd[0].active = False  # left office since
    db.session.commit()
    assert statements() == few  # 25 more deputies: not one more statement

    target = client.get(f"/api/v1/qr/{code}").json["target"]
    names = ["张伟"] + [f"代表{i:02d}" for i in range(2, ROSTER_NAMES + 1)]
    assert [d["name"] for d in target["deputies"]] == names  # 20 of them
    assert target["deputy_ids"] == [d["id"] for d in target["deputies"]]
    assert target["deputies_total"] == 1 + ROSTER_NAMES + 4  # neither 王芳 nor 代表01: out of office

    rest = client.get("/api/v1/deputies", query_string={"station_id": org["station_id"], "q": "代表24"})
    assert [d["name"] for d in rest.json["items"]] == ["代表24"]


def test_a_code_carries_the_upcoming_reception_days_a_citizen_can_book(client, factory, org):
    """接待计划 on the card: a station's days, a deputy's own days; each id books a meeting (约见代表)."""
    # 09:00 China time: a day that starts "now" late in the evening ran past midnight, and its ``when`` read
    # "11月30日（周一） 21:04–12月1日 00:04", not one day's times.
    china = timezone(timedelta(hours=8))
    starts = (datetime.now(china) + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)

    def reception(title, days, deputy_ids):
        created = client.post("/api/v1/activities", headers=org["admin"], json={
            "title": title, "type": "reception", "station_id": org["station_id"],
            "starts_at": (starts + timedelta(days=days)).isoformat(),
            "ends_at": (starts + timedelta(days=days, hours=3)).isoformat(), "deputy_ids": deputy_ids,
        })
        assert created.status_code == 201, created.json
        return created.json["id"]

    li = factory.deputy(org["tree"]["hc"], "李娜", phone="13800000004", stations=[org["station"]])
    later = reception("代表进站接待（二）", 5, [li.id])
    with_zhang = reception("代表进站接待", 1, [org["deputy_id"]])
    inspection = client.post("/api/v1/activities", headers=org["admin"], json={
        "title": "视察", "type": "inspection", "station_id": org["station_id"],
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "deputy_ids": [org["deputy_id"]],
    })
    assert inspection.status_code == 201, inspection.json

    station = client.get(f"/api/v1/qr/{station_code(client, org['station_id'])}").json
    assert [d["id"] for d in station["reception_days"]] == [with_zhang, later]  # soonest first, receptions only
    day = station["reception_days"][0]
    assert day["title"] == "代表进站接待"
    assert day["station"] == "城北联络站" and day["station_id"] == org["station_id"]
    assert day["deputies"] == ["张伟"]
    assert station["reception_days"][1]["deputies"] == ["李娜"]
    assert day["place"] == "鹤城区迎丰西路128号"
    assert re.match(r"^\d+月\d+日（周.） \d\d:\d\d–\d\d:\d\d$", day["when"]), day["when"]
    assert datetime.fromisoformat(day["starts_at"]) == starts + timedelta(days=1)

    code = deputy_code(client, org["deputy_id"])
    deputy = client.get(f"/api/v1/qr/{code}").json
    assert [d["id"] for d in deputy["reception_days"]] == [with_zhang]  # only the days he receives on
    assert PHONE not in str(deputy["reception_days"])

    booked = client.post("/api/v1/appointments", headers=factory.wechat_login("citizen-wang"), json={
        "qr_code": code, "topic": "想当面反映加装电梯的事", "contact_phone": "13912340000", "activity_id": with_zhang,
    })
    assert booked.status_code == 201, booked.json
    assert booked.json["activity"]["id"] == with_zhang



def test_a_crowded_reception_day_names_a_few_deputies_and_counts_them_all(app, client, factory, org):
    """A reception day a whole district receives on: the plan names the first deputies (by the roster's
    order) and counts everyone still expected, on the card (``deputies_total``) and on the public pages
    ("等 N 位代表"); what it costs to read does not grow with the roster or the number of days."""
    from backend.activities import plan
    from backend.extensions import db

    from .factories import sent_statements

    starts = (datetime.now(timezone(timedelta(hours=8))) + timedelta(days=2)).replace(hour=9, minute=0, second=0,
                                                                                   microsecond=0)

    def reception(days, deputy_ids):
        created = client.post("/api/v1/activities", headers=org["admin"], json={
            "title": "代表进站接待", "type": "reception", "station_id": org["station_id"],
            "starts_at": (starts + timedelta(days=days)).isoformat(),
            "ends_at": (starts + timedelta(days=days, hours=3)).isoformat(), "deputy_ids": deputy_ids})
        assert created.status_code == 201, created.json
        return created.json["id"]

    code = station_code(client, org["station_id"])

    def statements():
        with sent_statements(app) as seen:
            assert client.get(f"/api/v1/qr/{code}").status_code == 200
        return len(seen)

    reception(1, [org["deputy_id"]])
    few = statements()

    crowd = [factory.deputy(org["tree"]["hc"], f"代表{i:02d}", phone=f"139000011{i:02d}", stations=[org["station"]])
             for i in range(1, 17)]
    crowded = reception(3, [d.id for d in crowd])
    declined = client.post(f"/api/v1/activities/{crowded}/decline", json={"reason": "出差在外"},
                           headers=factory.deputy_headers(crowd[0]))
    assert declined.status_code == 200, declined.json
    crowd[1].active = False  # left office since
    db.session.commit()
    assert statements() == few  # one more day, sixteen more deputies: not one more statement

    days = client.get(f"/api/v1/qr/{code}").json["reception_days"]
    assert [d["deputies"] for d in days][0] == ["张伟"] and days[0]["deputies_total"] == 1
    day = days[1]
    assert day["deputies"] == [f"代表{i:02d}" for i in range(3, 3 + plan.PLAN_NAMES)]  # 12 of them
    assert day["deputies_total"] == 14  # neither 代表01 (declined) nor 代表02 (out of office)

    named = "、".join(day["deputies"]) + "等 14 位代表"
    for path in (f"/public/stations/{org['station_id']}", f"/q/{code}"):
        page = client.get(path).get_data(as_text=True)
        shown = re.search(r'<ul class="plan">.*?</ul>', page, re.S).group(0)
        assert named in shown and "代表15" not in shown, path
        assert "张伟" in shown and "张伟等" not in shown  # everyone named: no count

def test_an_unknown_code_is_404_in_chinese(client, org):
    real = station_code(client, org["station_id"])
    unknown = "a" * 16 if real != "a" * 16 else "b" * 16

    for path in (f"/api/v1/qr/{unknown}", f"/api/v1/qr/{unknown}/image.png"):
        response = client.get(path)
        assert_chinese_error(response, 404, "not_found")
        assert "二维码无效" in response.json["message"]


@pytest.mark.parametrize(
    "code",
    [
        "x" * 1000,
        "a" * 33,
        "../x",
        "..%2Fx",
        "%2e%2e%2fx",
        "abc%00def",
        "abc def",
        "' OR '1'='1",
        "张伟",
        "%F0%9F%98%80",
        "%ff%fe",
    ],
)
def test_absurd_codes_are_404_never_500(client, org, code):
    for path in (f"/api/v1/qr/{code}", f"/api/v1/qr/{code}/image.png"):
        response = client.get(path)
        assert_chinese_error(response, 404, "not_found")


def test_a_code_typed_in_capitals_opens_the_code_as_printed(client, org):
    """Codes are lower case; one typed from the poster in capitals is the same code (tests/test_typed_codes.py)."""
    code = station_code(client, org["station_id"])
    answer = client.get(f"/api/v1/qr/{code.upper()}")
    assert (answer.status_code, answer.json["code"]) == (200, code)


# --- the code's format --------------------------------------------------------------------------


def test_codes_are_16_lowercase_base32_characters_and_all_different(client, factory, org):
    station = org["station"]
    more = [factory.station(org["tree"]["yl"]) for _ in range(5)]
    codes = [deputy_code(client, org["deputy_id"]), station_code(client, station.id)]
    codes += [station_code(client, s.id) for s in more]

    for code in codes:
        assert CODE_FORMAT.match(code), code
        assert len(base64.b32decode(code.upper())) * 8 >= 80
    assert len(set(codes)) == len(codes)


def test_a_code_is_nothing_but_80_random_bits_pinned_by_a_snapshot(client, factory, org, monkeypatch):
    """With the randomness fixed, the code is exactly its base32 spelling, whatever the target's id."""
    draws = iter([bytes(range(10)), bytes([0xFF] * 9 + [0x01])])
    monkeypatch.setattr(qr_services.secrets, "token_bytes", lambda n: next(draws) if n == 10 else pytest.fail(n))

    first = factory.station(org["tree"]["yl"], "岳麓联络站")
    second = factory.station(org["tree"]["yl"], "桃子湖联络站")

    assert station_code(client, first.id) == "aaaqeayeaudaocaj"
    assert station_code(client, second.id) == "77777777777777yb"
    resolved = client.get("/api/v1/qr/aaaqeayeaudaocaj").json
    assert resolved["url"] == f"{BASE}/q/aaaqeayeaudaocaj"
    assert resolved["target"]["id"] == first.id


# --- revoking and rotating ----------------------------------------------------------------------


def test_a_revoked_code_tells_the_citizen_it_is_no_longer_in_use(client, org):
    code = deputy_code(client, org["deputy_id"])

    revoked = client.post(f"/api/v1/qr/{code}/revoke", headers=org["admin"])
    assert revoked.status_code == 200
    assert revoked.json == {"qr_code": code, "revoked": True}

    for path in (f"/api/v1/qr/{code}", f"/api/v1/qr/{code}/image.png"):
        response = client.get(path)
        assert_chinese_error(response, 410, "qr_revoked")
        assert "已停用" in response.json["message"]
    poster = client.get(f"/api/v1/qr/{code}/poster.png", headers=org["admin"])
    assert_chinese_error(poster, 410, "qr_revoked")
    assert deputy_code(client, org["deputy_id"]) is None
    # Revoking twice is harmless.
    assert client.post(f"/api/v1/qr/{code}/revoke", headers=org["admin"]).status_code == 200


def test_rotating_a_deputy_code_issues_a_new_one_for_the_same_deputy(client, org):
    old = deputy_code(client, org["deputy_id"])

    rotated = client.post(f"/api/v1/qr/{old}/rotate", headers=org["admin"])

    assert rotated.status_code == 200
    new = rotated.json["qr_code"]
    assert new != old and CODE_FORMAT.match(new)
    assert rotated.json["url"] == f"{BASE}/q/{new}"
    scanned = client.get(f"/api/v1/qr/{new}")
    assert scanned.status_code == 200
    assert scanned.json["target"]["id"] == org["deputy_id"]
    assert_chinese_error(client.get(f"/api/v1/qr/{old}"), 410, "qr_revoked")
    assert deputy_code(client, org["deputy_id"]) == new
    assert deputy_code(client, org["deputy_id"], org["admin"]) == new
    assert decode(client.get(f"/api/v1/qr/{new}/image.png").data) == [f"{BASE}/q/{new}"]

    # A second administrator working from the old, already replaced code must not mint a third one.
    again = client.post(f"/api/v1/qr/{old}/rotate", headers=org["admin"])
    assert_chinese_error(again, 409, "conflict")
    assert deputy_code(client, org["deputy_id"]) == new


def test_rotating_a_station_code(client, org):
    old = station_code(client, org["station_id"])

    rotated = client.post(f"/api/v1/qr/{old}/rotate", headers=org["admin"])

    assert rotated.status_code == 200
    new = rotated.json["qr_code"]
    assert client.get(f"/api/v1/qr/{new}").json["target"]["name"] == "城北联络站"
    assert_chinese_error(client.get(f"/api/v1/qr/{old}"), 410, "qr_revoked")
    assert station_code(client, org["station_id"]) == new


def test_a_code_revoked_by_mistake_can_be_reissued_by_rotating_it(client, org):
    old = station_code(client, org["station_id"])
    client.post(f"/api/v1/qr/{old}/revoke", headers=org["admin"])
    assert station_code(client, org["station_id"]) is None

    reissued = client.post(f"/api/v1/qr/{old}/rotate", headers=org["admin"])

    assert reissued.status_code == 200
    new = reissued.json["qr_code"]
    assert station_code(client, org["station_id"]) == new
    assert client.get(f"/api/v1/qr/{new}").status_code == 200


def test_an_administrator_of_another_region_cannot_see_the_code_exists(client, org):
    code = deputy_code(client, org["deputy_id"])

    for method, path in (
        ("post", f"/api/v1/qr/{code}/revoke"),
        ("post", f"/api/v1/qr/{code}/rotate"),
        ("get", f"/api/v1/qr/{code}/poster.png"),
    ):
        response = getattr(client, method)(path, headers=org["other_admin"])
        assert_chinese_error(response, 404, "not_found")

    assert client.get(f"/api/v1/qr/{code}").status_code == 200
    assert deputy_code(client, org["deputy_id"]) == code


def test_citizens_get_403_and_strangers_401_on_admin_actions(client, factory, org):
    code = deputy_code(client, org["deputy_id"])
    citizen = factory.wechat_login("citizen-li")

    for method, path in (
        ("post", f"/api/v1/qr/{code}/revoke"),
        ("post", f"/api/v1/qr/{code}/rotate"),
        ("get", f"/api/v1/qr/{code}/poster.png"),
    ):
        assert_chinese_error(getattr(client, method)(path, headers=citizen), 403, "forbidden")
        assert_chinese_error(getattr(client, method)(path), 401, "unauthorized")

    assert client.get(f"/api/v1/qr/{code}").status_code == 200


def test_a_station_admin_manages_their_own_station_code_only(client, factory, org):
    other_station = factory.station(org["tree"]["hc"], "城南联络站")
    admin = factory.admin("chengbei", stations=[org["station"]])
    headers = factory.headers_for_admin(admin)
    mine = station_code(client, org["station_id"])
    theirs = station_code(client, other_station.id)

    assert_chinese_error(client.post(f"/api/v1/qr/{theirs}/revoke", headers=headers), 404, "not_found")
    assert client.get(f"/api/v1/qr/{theirs}").status_code == 200

    assert client.post(f"/api/v1/qr/{mine}/revoke", headers=headers).status_code == 200
    assert client.get(f"/api/v1/qr/{mine}").status_code == 410


def test_a_deputy_leaving_office_loses_the_code_and_returning_gets_it_back(client, org):
    deputy_url = f"/api/v1/deputies/{org['deputy_id']}"
    old = deputy_code(client, org["deputy_id"])

    left = client.patch(deputy_url, json={"active": False}, headers=org["admin"])

    assert left.status_code == 200
    assert left.json["active"] is False
    assert left.json["qr_code"] is None
    assert_chinese_error(client.get(f"/api/v1/qr/{old}"), 410, "qr_revoked")
    assert_chinese_error(client.get(f"/api/v1/qr/{old}/image.png"), 410, "qr_revoked")
    assert client.get(f"/q/{old}").status_code == 410
    # The station's page no longer lists the deputy.
    station = client.get(f"/api/v1/qr/{station_code(client, org['station_id'])}").json
    assert station["target"]["deputies"] == []
    # Nobody can mint a code for a deputy out of office.
    assert_chinese_error(client.post(f"/api/v1/qr/{old}/rotate", headers=org["admin"]), 409, "conflict")

    # Back in office (the 离任 was a mistake): the printed code works again (test_deputy_restored_code).
    back = client.patch(deputy_url, json={"active": True}, headers=org["admin"])

    assert back.status_code == 200
    assert back.json["qr_code"] == old
    scanned = client.get(f"/api/v1/qr/{old}")
    assert scanned.status_code == 200
    assert scanned.json["target"]["name"] == "张伟"


# --- the image ----------------------------------------------------------------------------------


def test_the_image_scans_to_the_public_link_and_is_cacheable(client, org):
    code = deputy_code(client, org["deputy_id"])

    response = client.get(f"/api/v1/qr/{code}/image.png")

    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert decode(response.data) == [f"{BASE}/q/{code}"]
    etag = response.headers["ETag"]
    assert etag
    cache_control = response.headers["Cache-Control"]
    assert "max-age=" in cache_control and "no-store" not in cache_control

    again = client.get(f"/api/v1/qr/{code}/image.png", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag

    other = client.get(f"/api/v1/qr/{code}/image.png", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == response.data


def test_the_image_is_drawn_once_and_kept_until_what_it_shows_changes(client, org, monkeypatch):
    """A printed code is public and drawing it costs a core for ~50 ms: drawn once, the PNG is kept (by what it
    shows) and served from there; a rename draws the new one."""
    code = deputy_code(client, org["deputy_id"])
    drawn = []
    draw = render.code_image
    monkeypatch.setattr(render, "code_image", lambda url, label: drawn.append(label) or draw(url, label))
    first = client.get(f"/api/v1/qr/{code}/image.png")
    again = client.get(f"/api/v1/qr/{code}/image.png")
    assert (first.status_code, again.status_code, again.data, len(drawn)) == (200, 200, first.data, 1)
    client.patch(f"/api/v1/deputies/{org['deputy_id']}", json={"name": "张卫"}, headers=org["admin"])
    renamed = client.get(f"/api/v1/qr/{code}/image.png")
    assert renamed.data != first.data and drawn[-1].startswith("张卫")


def test_the_public_image_is_limited_per_address_in_chinese(client, org, config_override):
    """Unauthenticated, so held per address (QR_IMAGE_RATE_LIMIT): past it, the contract's 429 saying when to try
    again. The console's posters and code images are drawn by the console, outside this limit."""
    config_override(QR_IMAGE_RATE_LIMIT="2 per minute")
    code = deputy_code(client, org["deputy_id"])
    assert [client.get(f"/api/v1/qr/{code}/image.png").status_code for _ in range(2)] == [200, 200]
    over = client.get(f"/api/v1/qr/{code}/image.png")
    assert (over.status_code, over.json["error"], over.json["message"]) == (429, "rate_limited", "操作过于频繁，请 1 分钟后再试。")
    assert over.headers["Retry-After"]


def test_renaming_a_deputy_changes_the_image_and_its_etag(client, org):
    code = deputy_code(client, org["deputy_id"])
    before = client.get(f"/api/v1/qr/{code}/image.png")

    client.patch(f"/api/v1/deputies/{org['deputy_id']}", json={"name": "张卫"}, headers=org["admin"])

    after = client.get(f"/api/v1/qr/{code}/image.png", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.data != before.data
    assert decode(after.data) == [f"{BASE}/q/{code}"]


def test_a_long_station_name_still_scans_and_stays_inside_the_image(client, factory, org):
    station = factory.station(org["tree"]["hc"], "怀化市鹤城区城北街道迎丰社区人大代表联络站第一接待点")
    code = station_code(client, station.id)

    image = Image.open(io.BytesIO(client.get(f"/api/v1/qr/{code}/image.png").data)).convert("L")

    assert decode(client.get(f"/api/v1/qr/{code}/image.png").data) == [f"{BASE}/q/{code}"]
    label = image.crop((0, image.width, image.width, image.height))
    # No glyph touches the left or right edge: the name was wrapped or shrunk, not cut off.
    assert has_dark_pixels(label)
    assert not has_dark_pixels(label.crop((0, 0, 4, label.height)))
    assert not has_dark_pixels(label.crop((label.width - 4, 0, label.width, label.height)))


def test_a_name_with_a_line_break_is_printed_on_one_line(client, factory, org):
    """A name typed or imported with a line break in it: the image and the poster draw it as one
    line (the image wraps long names itself), instead of failing with a 500 on a printed code."""
    station = factory.station(org["tree"]["hc"], "城北街道\r\n人大代表\t联络站")
    code = station_code(client, station.id)
    image = client.get(f"/api/v1/qr/{code}/image.png")
    assert image.status_code == 200 and decode(image.data) == [f"{BASE}/q/{code}"]
    poster = client.get(f"/api/v1/qr/{code}/poster.png", headers=org["admin"])
    assert poster.status_code == 200 and decode(poster.data) == [f"{BASE}/q/{code}"]


# --- the poster ---------------------------------------------------------------------------------


def test_the_poster_is_a5_at_300_dpi_and_scans_to_the_public_link(client, org):
    code = deputy_code(client, org["deputy_id"])

    response = client.get(f"/api/v1/qr/{code}/poster.png", headers=org["admin"])

    assert response.status_code == 200
    assert response.mimetype == "image/png"
    poster = Image.open(io.BytesIO(response.data))
    assert poster.size == (1748, 2480)
    dpi = poster.info["dpi"]
    assert dpi == pytest.approx((300, 300), abs=0.5)
    assert decode(response.data) == [f"{BASE}/q/{code}"]
    assert "public" not in response.headers["Cache-Control"]

    again = client.get(f"/api/v1/qr/{code}/poster.png", headers={**org["admin"], "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_without_a_cjk_font_images_and_posters_answer_503_and_to_ask_again_in_an_hour(
        app, client, org, monkeypatch):
    """No Chinese font on the server: the code's image and poster, in the API and the console, answer 503
    saying so, with ``Retry-After: 3600`` (an operator must install one: asking again in seconds cannot help)."""
    from .test_console_suggestions import console_login

    monkeypatch.setattr(render, "FONT_CANDIDATES", ())
    monkeypatch.setitem(app.config, "CJK_FONT_PATH", "/nonexistent/font.ttc")
    message = "二维码图片暂时无法生成：服务器缺少中文字体，请联系管理员安装。"
    code = deputy_code(client, org["deputy_id"])
    for response in (client.get(f"/api/v1/qr/{code}/image.png"),
                     client.get(f"/api/v1/qr/{code}/poster.png", headers=org["admin"])):
        assert (response.status_code, response.json) == (503, {"error": "service_unavailable", "message": message})
        assert response.headers.get("Retry-After") == "3600"
    console = console_login(app, "huaihua")
    for path in (f"/console/stations/{org['station_id']}/poster.png", "/console/posters.zip"):
        page = console.get(path)
        assert (page.status_code, page.mimetype) == (503, "text/html"), path
        assert message in page.get_data(as_text=True)
        assert page.headers.get("Retry-After") == "3600"


def test_a_font_that_cannot_print_chinese_counts_as_no_font_in_health_and_images(client, org, monkeypatch, tmp_path):
    """A directory where the font was expected, or a file that is no font: health says ``cjk_font: false``
    (monitoring alerts) and the images answer the 503 saying so, never a 500."""
    (tmp_path / "font.ttc").write_text("not a font")
    monkeypatch.setattr(render, "FONT_CANDIDATES", (str(tmp_path), str(tmp_path / "font.ttc")))
    monkeypatch.setitem(client.application.config, "CJK_FONT_PATH", None)
    assert client.get("/api/v1/health").json["cjk_font"] is False
    code = deputy_code(client, org["deputy_id"])
    response = client.get(f"/api/v1/qr/{code}/image.png")
    assert (response.status_code, response.json["error"]) == (503, "service_unavailable")


def test_a_station_poster_with_long_details_scans_and_keeps_a_white_margin(client, factory, org):
    station = factory.station(
        org["tree"]["hc"],
        "怀化市鹤城区城北街道迎丰社区人大代表联络站",
        address="怀化市鹤城区迎丰西路128号迎丰社区党群服务中心二楼东侧会议室，进门右转第二间",
        open_hours="每周一至周五 9:00-12:00、14:30-17:30，法定节假日除外，特殊情况另行通知",
    )
    code = station_code(client, station.id)

    response = client.get(f"/api/v1/qr/{code}/poster.png", headers=org["admin"])

    assert response.status_code == 200
    assert decode(response.data) == [f"{BASE}/q/{code}"]
    poster = Image.open(io.BytesIO(response.data)).convert("L")
    # Below the red header band and above the footer band, nothing is printed in the side margins.
    body = (310, poster.height - 70)
    assert not has_dark_pixels(poster.crop((0, body[0], 60, body[1])), threshold=200)
    assert not has_dark_pixels(poster.crop((poster.width - 60, body[0], poster.width, body[1])), threshold=200)


# --- Chinese on the images ----------------------------------------------------------------------


def _glyph(font, char):
    image = Image.new("L", (80, 80), 0)
    ImageDraw.Draw(image).text((8, 4), char, font=font, fill=255)
    return image


def test_the_label_font_draws_real_chinese_glyphs_not_missing_glyph_boxes(app):
    path = render.find_cjk_font_path(app.config.get("CJK_FONT_PATH"))
    assert path, (
        "No CJK font is installed, so QR labels and posters would print empty boxes instead of Chinese. "
        "Run scripts/ensure-system-deps (or set CJK_FONT_PATH to a CJK .ttf/.ttc)."
    )
    font = ImageFont.truetype(path, 56)
    missing = _glyph(font, "\U0010fffd").tobytes()  # a code point no font covers: the .notdef glyph

    glyphs = {}
    for char in "代表联络站张伟":
        glyph = _glyph(font, char)
        assert glyph.getbbox() is not None, f"{char} renders as nothing"
        is_missing_box = glyph.tobytes() == missing
        assert not is_missing_box, f"{char} renders as the missing-glyph box"
        glyphs[char] = glyph.tobytes()
    assert len(set(glyphs.values())) == len(glyphs), "two different characters render identically"


def test_the_name_under_the_code_is_printed_in_chinese(client, factory, org):
    other = factory.deputy(org["tree"]["hc"], "李娜", phone="13600000002")

    def label_of(code):
        image = Image.open(io.BytesIO(client.get(f"/api/v1/qr/{code}/image.png").data)).convert("L")
        assert image.height > image.width, "no room for the name under the code"
        return image.crop((0, image.width, image.width, image.height))

    zhang = label_of(deputy_code(client, org["deputy_id"]))
    li = label_of(deputy_code(client, other.id))

    assert has_dark_pixels(zhang) and has_dark_pixels(li)
    # Both labels read "<name> · 市人大代表"; with missing-glyph boxes the two names would look the same.
    same = zhang.tobytes() == li.tobytes()
    assert not same, "two different names print the same label: the glyphs are missing-glyph boxes"


# --- the public page inside every code ----------------------------------------------------------


def test_the_public_page_of_a_deputy_shows_the_name_and_not_the_phone(client, org):
    code = deputy_code(client, org["deputy_id"])

    response = client.get(f"/q/{code}")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "张伟" in html
    assert "市人大代表" in html
    assert "城北联络站" in html
    assert PHONE not in html


def test_the_public_page_of_a_station_lists_address_hours_and_deputies(client, org):
    code = station_code(client, org["station_id"])

    html = client.get(f"/q/{code}").get_data(as_text=True)

    assert "城北联络站" in html
    assert "鹤城区迎丰西路128号" in html
    assert "每周一至周五 9:00-17:00" in html
    assert "张伟" in html
    assert "王芳" not in html
    assert PHONE not in html


def test_the_public_page_escapes_names(client, factory, org):
    station = factory.station(org["tree"]["hc"], "<script>alert(1)</script>", address='"><img src=x onerror=alert(2)>')
    factory.deputy(org["tree"]["hc"], "<b>赵六</b>", stations=[station])
    code = station_code(client, station.id)

    html = client.get(f"/q/{code}").get_data(as_text=True)

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;b&gt;赵六&lt;/b&gt;" in html
    # The JSON keeps the name as entered; escaping is the page's job.
    assert client.get(f"/api/v1/qr/{code}").json["target"]["name"] == "<script>alert(1)</script>"


def test_the_public_page_of_a_revoked_code_says_so_in_chinese(client, org):
    code = deputy_code(client, org["deputy_id"])
    client.post(f"/api/v1/qr/{code}/revoke", headers=org["admin"])

    response = client.get(f"/q/{code}")

    assert response.status_code == 410
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "二维码已停用" in html
    assert qr_services.REVOKED_MESSAGES[qr_services.QRKind.deputy] in html
    assert "张伟" not in html


@pytest.mark.parametrize("code", ["a" * 16, "x" * 1000, "%00", "张伟"])
def test_the_public_page_of_an_unknown_code_is_404_in_chinese(client, org, code):
    response = client.get(f"/q/{code}")

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "二维码无效" in html
    assert "没有找到对应的代表或联络站" in html
