"""The rotating check-in code on an activity's screen (一事一活动码): opaque (no database id, no time slot
readable from it), still short-lived and unforgeable, and drawn by the public QR image endpoint."""
import base64
import hashlib
import hmac
import io
import struct
from datetime import datetime, timedelta, timezone

import zxingcpp
from PIL import Image

from backend.activities import rotating

from .test_activities import checkin, crew, dispatch  # noqa: F401  (crew is a fixture)

EXPIRED = "签到码已过期，请扫描现场屏幕上的最新签到码。"


def raw(code):
    """The bytes a code carries, as anyone holding it can read them (base32 after the leading "a")."""
    return base64.b32decode(code[1:].upper() + "======")


def code_at(app, activity_id, when):
    with app.test_request_context():
        return rotating.make_code(activity_id, when)[0]


def legacy_code(app, activity_id, when):
    """A code as the screens showed it before the code was made opaque: id and slot in clear, plus an HMAC."""
    secret = app.config["SECRET_KEY"]
    slot = int(when.timestamp()) // app.config["CHECKIN_CODE_SECONDS"]
    payload = struct.pack(">II", activity_id, slot)
    key = hashlib.sha256(("checkin-code:" + secret).encode()).digest()
    mac = hmac.new(key, payload, hashlib.sha256).digest()[:8]
    return "a" + base64.b32encode(payload + mac).decode().lower().rstrip("=")


def same_bytes(a, b):
    return sum(x == y for x, y in zip(a, b))


def test_a_code_reveals_neither_the_activity_id_nor_the_time_slot(client, app, crew):  # noqa: F811
    zhang = crew["deputies"][0]
    first = dispatch(client, crew, [zhang]).json["id"]
    second = dispatch(client, crew, [zhang], title="城北联络站代表小组活动", type="group").json["id"]
    assert second == first + 1
    now = datetime.now(timezone.utc)
    slot = int(now.timestamp()) // app.config["CHECKIN_CODE_SECONDS"]
    codes = {(a, s): code_at(app, a, now + timedelta(seconds=s * app.config["CHECKIN_CODE_SECONDS"]))
             for a in (first, second) for s in (0, 1)}
    for (activity_id, shift), code in codes.items():
        assert rotating.looks_rotating(code) and len(code) == 27, code
        carried = raw(code)
        assert len(carried) == 16
        for number in (activity_id, slot + shift):
            for packed in (struct.pack(">I", number), struct.pack("<I", number)):
                assert packed not in carried, (code, number)
            if number >= 1000:  # as text too; a digit or two turns up in any 16 random bytes (b"1" one time in 16)
                assert str(number).encode() not in carried
    # Consecutive ids in one slot, and one activity in consecutive slots: unrelated bytes (the clear
    # payload shared 7 of them: the id's high bytes and the whole slot).
    assert same_bytes(raw(codes[first, 0]), raw(codes[second, 0])) <= 4
    assert same_bytes(raw(codes[first, 0]), raw(codes[first, 1])) <= 4
    assert len({c[:8] for c in codes.values()}) == 4


def test_the_opaque_code_still_checks_in_expires_and_refuses_forgeries(client, app, crew):  # noqa: F811
    zhang, li, wang = crew["deputies"][:3]
    activity_id = dispatch(client, crew, [zhang, li, wang]).json["id"]
    screen = client.get(f"/api/v1/activities/{activity_id}/checkin-code", headers=crew["admin"]).json
    resolved = client.get(f"/api/v1/qr/{screen['qr_code']}")
    assert (resolved.status_code, resolved.json["target"]["id"]) == (200, activity_id)
    assert checkin(client, crew["headers"][0], screen["qr_code"]).status_code == 201

    # A photo taken a minute ago (the slot before last) is refused as expired.
    photo = code_at(app, activity_id, datetime.now(timezone.utc) - timedelta(seconds=75))
    refused = checkin(client, crew["headers"][1], photo)
    assert (refused.status_code, refused.json["reason"], refused.json["message"]) == (409, "code_expired", EXPIRED)

    # Changing any character (a guessed or edited code) is no code at all.
    code = screen["qr_code"]
    for position in (1, 9, 26):
        forged = code[:position] + ("b" if code[position] != "b" else "c") + code[position + 1:]
        answer = checkin(client, crew["headers"][1], forged)
        assert (answer.status_code, answer.json["error"]) == (404, "not_found"), answer.json
    assert checkin(client, crew["headers"][1], "a" + "a" * 26).status_code == 404
    # Nor is the shown code with its last character's two spare bits changed, though it decodes the same.
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    spare = code[:-1] + alphabet[alphabet.index(code[-1]) ^ 1]
    assert checkin(client, crew["headers"][1], spare).status_code == 404


def test_a_code_shown_before_the_change_is_refused_as_expired(client, app, crew):  # noqa: F811
    """A screen open at deploy time showed a code in the old format: it is not accepted any more (it named the
    activity in clear), but says what every stale code says, so the deputy scans the screen again."""
    zhang = crew["deputies"][0]
    activity_id = dispatch(client, crew, [zhang]).json["id"]
    old = legacy_code(app, activity_id, datetime.now(timezone.utc))
    refused = checkin(client, crew["headers"][0], old)
    assert (refused.status_code, refused.json["reason"], refused.json["message"]) == (409, "code_expired", EXPIRED)
    assert client.get(f"/api/v1/qr/{old}").status_code == 410
    assert client.get(f"/api/v1/activities/{activity_id}", headers=crew["headers"][0]).json["my_status"] == "invited"


def test_the_image_endpoint_draws_a_rotating_code_and_keeps_no_copy(client, app, crew):  # noqa: F811
    zhang = crew["deputies"][0]
    activity_id = dispatch(client, crew, [zhang], title="代表履职培训", type="training").json["id"]
    screen = client.get(f"/api/v1/activities/{activity_id}/checkin-code", headers=crew["admin"]).json
    image = client.get(f"/api/v1/qr/{screen['qr_code']}/image.png")
    assert (image.status_code, image.mimetype) == (200, "image/png"), image.get_data(as_text=True)
    assert image.headers["Cache-Control"] == "no-store"
    picture = Image.open(io.BytesIO(image.data))
    assert picture.height > picture.width  # the title printed under the code
    read = [b.text for b in zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode)]
    assert read == [screen["url"]] and read[0].endswith("/q/" + screen["qr_code"])
    # Typed from the screen in capitals, it is the same code.
    assert client.get(f"/api/v1/qr/{screen['qr_code'].upper()}/image.png").status_code == 200

    expired = code_at(app, activity_id, datetime.now(timezone.utc) - timedelta(seconds=75))
    gone = client.get(f"/api/v1/qr/{expired}/image.png")
    assert (gone.status_code, gone.json["error"]) == (410, "qr_revoked"), gone.json
    forged = client.get("/api/v1/qr/" + "a" * 27 + "/image.png")
    assert (forged.status_code, forged.json["error"]) == (404, "not_found"), forged.json
    assert client.post(f"/api/v1/activities/{activity_id}/cancel", headers=crew["admin"]).status_code == 200
    ended = client.get(f"/api/v1/qr/{screen['qr_code']}/image.png")
    assert (ended.status_code, ended.json) == (404, client.get(f"/api/v1/qr/{screen['qr_code']}").json)
