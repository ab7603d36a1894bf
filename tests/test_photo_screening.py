"""WeChat's image screening of citizens' photos (mediaCheckAsync), end to end over real HTTP.

The app is served by a real threaded server; the sweep submits each filed photo to the WeChat
stand-in with a signed URL; the stand-in fetches the photo from that URL as WeChat would, decides
(pure red → risky) and pushes the verdict, signed, to ``/wechat/push``.
"""
import hashlib
import io
import json
import secrets
import threading
import time
from datetime import timedelta

import pytest
import requests
from PIL import Image
from sqlalchemy import select, update

from backend import create_app
from backend.db_types import utcnow
from backend.extensions import db
from backend.uploads.models import Upload
from backend.uploads.screening import submit_due
from backend.wechat.push_crypto import PushCipher, sign

from .test_suggestion_sweep_stats import sweep
from .test_suggestions import step, timeline_actions, world  # noqa: F401  (fixture)
from .test_uploads import encode, post_file

PUSH_TOKEN = "fake-push-token"
PUSH_AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aQ"  # an EncodingAESKey as WeChat generates one


@pytest.fixture
def served(app, base_url, wechat_standin, monkeypatch):
    """Photo URLs handed to WeChat point at the served app, and the stand-in pushes verdicts to it."""
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", base_url)
    requests.put(wechat_standin.base_url + "/__standin__/push-target",
                 json={"url": base_url + "/wechat/push", "token": PUSH_TOKEN}, timeout=5)
    wechat_standin.clear()
    yield base_url
    requests.put(wechat_standin.base_url + "/__standin__/push-target", json={"url": None}, timeout=5)


def media_checks(wechat_standin):
    return requests.get(wechat_standin.base_url + "/__standin__/media-checks", timeout=5).json()["media_checks"]


def deliver_pushes(wechat_standin):
    return requests.post(wechat_standin.base_url + "/__standin__/pushes/deliver", timeout=30).json()["pushes"]


def street_photo():
    image = Image.new("RGB", (80, 60), (90, 140, 200))
    image.paste((60, 160, 80), (0, 30, 80, 60))
    return encode(image, "JPEG", quality=90)


def red_photo():
    return encode(Image.new("RGB", (80, 60), (255, 0, 0)), "PNG")


def file_with_photo(client, world, data, content_type="image/jpeg", **extra):  # noqa: F811
    upload = post_file(client, world["citizen"], data, content_type=content_type).json
    filed = client.post("/api/v1/suggestions", headers=world["citizen"], json={
        "qr_code": world["deputy_code"], "category": "环境卫生", "content": "河边堆满了建筑垃圾。",
        "attachment_ids": [upload["id"]],
    } | extra)
    assert filed.status_code == 201, filed.json
    return filed.json["id"], upload["url"]


def item(client, headers, item_id):
    return client.get(f"/api/v1/suggestions/{item_id}", headers=headers)


def signed(query, token=PUSH_TOKEN, timestamp=None):
    """A push's query as WeChat signs it: now (or at ``timestamp``), with a nonce of its own."""
    timestamp, nonce = str(int(time.time()) if timestamp is None else timestamp), str(secrets.randbelow(10**9))
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce} | query


def encrypted_push(event, key=PUSH_AES_KEY, appid="wx-fake-appid", token=PUSH_TOKEN):
    """(query, body) of a push as WeChat sends it in 安全模式; ``event`` may be text that is not JSON."""
    encrypted = PushCipher(key, appid).encrypt(event if isinstance(event, str) else json.dumps(event))
    query = signed({"encrypt_type": "aes"}, token)
    query["msg_signature"] = sign(token, query["timestamp"], query["nonce"], encrypted)
    return query, json.dumps({"ToUserName": "gh_fake", "Encrypt": encrypted})


def verdict_event(trace_id, suggest):
    return {"MsgType": "event", "Event": "wxa_media_check", "trace_id": trace_id, "version": 2,
            "result": {"suggest": suggest, "label": 100}}


def test_a_photo_shows_to_the_deputy_once_wechat_clears_it(client, world, served, wechat_standin):  # noqa: F811
    item_id, url = file_with_photo(client, world, street_photo())

    # Before the verdict: the citizen and the administrator see the photo, the deputy does not.
    assert item(client, world["citizen"], item_id).json["attachments"][0]["screening"] == "pending"
    assert len(item(client, world["admin"], item_id).json["attachments"]) == 1
    assert item(client, world["zhang_h"], item_id).json["attachments"] == []
    assert client.get(url, headers=world["zhang_h"]).status_code == 404
    listed = client.get("/api/v1/suggestions?scope=assigned", headers=world["zhang_h"]).json["items"]
    assert [i["attachments"] for i in listed if i["id"] == item_id] == [[]]

    assert "照片送检 1 张" in sweep(client.application)
    [check] = media_checks(wechat_standin)
    assert check["openid"] == "fake-openid-citizen-wang"
    assert check["media_url"].startswith(served + url + "?sig=")
    assert item(client, world["admin"], item_id).json["attachments"][0]["screening"] == "checking"

    # The stand-in fetches the photo through the signed URL, without signing in, and pushes "pass".
    [push] = deliver_pushes(wechat_standin)
    assert (push["suggest"], push["outcome"], push["answer"]) == ("pass", "pushed: HTTP 200", "success")

    [photo] = item(client, world["zhang_h"], item_id).json["attachments"]
    assert photo["screening"] == "pass"
    downloaded = client.get(url, headers=world["zhang_h"])
    assert downloaded.status_code == 200
    assert Image.open(io.BytesIO(downloaded.data)).size == (80, 60)

    # Nothing is submitted twice.
    assert "照片送检 0 张" in sweep(client.application)
    assert len(media_checks(wechat_standin)) == 1


def test_a_cleared_photo_stays_with_the_item_s_citizen_and_staff(client, world, served, wechat_standin):  # noqa: F811
    """Another citizen following the item (offered nearby) reads it as the public would, without its
    photos (a face, a licence plate, a front door): its photo's address, were it to reach them, opens nothing."""
    item_id, url = file_with_photo(client, world, street_photo(), public_consent=True)  # offered to others
    sweep(client.application)  # the text cleared, the photo sent to WeChat
    [push] = deliver_pushes(wechat_standin)
    assert push["suggest"] == "pass"
    assert client.post(f"/api/v1/suggestions/{item_id}/follow", headers=world["stranger"]).status_code == 200

    assert item(client, world["stranger"], item_id).json["attachments"] == []
    assert client.get(url, headers=world["stranger"]).status_code == 404
    for staff in (world["citizen"], world["zhang_h"], world["admin"]):
        assert client.get(url, headers=staff).status_code == 200


def test_a_risky_photo_holds_the_item_until_an_administrator_releases_it(client, world, served, wechat_standin):  # noqa: F811
    item_id, url = file_with_photo(client, world, red_photo(), content_type="image/png")
    sweep(client.application)
    [push] = deliver_pushes(wechat_standin)
    assert push["suggest"] == "risky"

    held = item(client, world["admin"], item_id).json
    assert held["held_for_review"] is True and held["attachments"][0]["screening"] == "risky"
    assert held["timeline"][-1]["action"] == "hold"
    assert held["timeline"][-1]["note"] == "照片内容安全检测未通过，等待人工审核"
    assert item(client, world["zhang_h"], item_id).status_code == 404
    assert client.get(url, headers=world["zhang_h"]).status_code == 404
    mine = item(client, world["citizen"], item_id).json
    assert mine["status_label"] == "审核中" and mine["attachments"][0]["screening"] == "risky"

    # WeChat pushing the same verdict again decides nothing twice.
    [check] = media_checks(wechat_standin)
    again = requests.post(served + "/wechat/push", params=signed({}), timeout=5,
                          data=json.dumps(verdict_event(check["trace_id"], "risky")),
                          headers={"Content-Type": "application/json"})
    assert again.text == "success"
    assert timeline_actions(client, world["admin"], item_id).count("hold") == 1

    assert step(client, world["admin"], item_id, "release", note="照片是河道污染的实拍，可以处理").status_code == 200
    [photo] = item(client, world["zhang_h"], item_id).json["attachments"]
    assert photo["screening"] == "released"
    assert client.get(url, headers=world["zhang_h"]).status_code == 200


def test_an_item_held_while_in_hand_goes_to_no_department_until_released(client, world, served, wechat_standin):  # noqa: F811
    """A photo found risky after the deputy accepted: the item is held where it is, and nobody forwards
    it (its words and photo would leave the system) until an administrator has released it."""
    item_id, _ = file_with_photo(client, world, red_photo(), content_type="image/png")
    assert step(client, world["zhang_h"], item_id, "accept").status_code == 200
    sweep(client.application)
    deliver_pushes(wechat_standin)
    assert item(client, world["admin"], item_id).json["held_for_review"] is True

    to_the_bureau = {"target": "department", "department": "区城管局", "note": "请区城管局清理。"}
    refused = step(client, world["admin"], item_id, "forward", **to_the_bureau)
    assert refused.status_code == 409
    assert refused.json == {"error": "invalid_transition", "message": "内容待审核，审核通过后才能转办。"}
    held = item(client, world["admin"], item_id).json
    assert (held["status"], held["forward_department"], held["work_orders"]) == ("accepted", None, [])
    assert step(client, world["zhang_h"], item_id, "forward", **to_the_bureau).status_code == 404

    assert step(client, world["admin"], item_id, "release", note="河道污染的实拍").status_code == 200
    forwarded = step(client, world["zhang_h"], item_id, "forward", **to_the_bureau)
    assert forwarded.status_code == 200 and forwarded.json["status"] == "forwarded"


def test_pushes_must_carry_a_valid_signature(client, world, served, wechat_standin):  # noqa: F811
    item_id, _ = file_with_photo(client, world, red_photo(), content_type="image/png")
    sweep(client.application)
    [check] = media_checks(wechat_standin)

    # WeChat checks the URL when it is configured: the echo comes back only for the right token.
    assert requests.get(served + "/wechat/push", params=signed({"echostr": "abc123"}), timeout=5).text == "abc123"
    refused = requests.get(served + "/wechat/push", params=signed({"echostr": "abc123"}, token="guess"), timeout=5)
    assert refused.status_code == 403
    chinese = requests.get(served + "/wechat/push", params=signed({"echostr": "abc123"}) | {"signature": "签名"}, timeout=5)
    assert chinese.status_code == 403
    assert refused.json() == {"error": "forbidden", "message": "消息推送签名无效。"}

    # A forged "pass" changes nothing; unsigned or malformed pushes neither.
    body = json.dumps(verdict_event(check["trace_id"], "pass"))
    headers = {"Content-Type": "application/json"}
    forged = requests.post(served + "/wechat/push", params=signed({}, token="guess"), data=body, headers=headers, timeout=5)
    assert forged.status_code == 403
    assert requests.post(served + "/wechat/push", data=body, headers=headers, timeout=5).status_code == 403
    not_json = requests.post(served + "/wechat/push", params=signed({}), data="<xml/>", headers=headers, timeout=5)
    assert not_json.status_code == 400 and not_json.json() == {
        "error": "validation_failed", "message": "消息推送内容不是 JSON 对象。"}
    a_list = requests.post(served + "/wechat/push", params=signed({}), headers=headers, timeout=5,
                           data=json.dumps([verdict_event(check["trace_id"], "pass")]))
    assert a_list.status_code == 400 and a_list.json()["error"] == "validation_failed"
    # Verdicts WeChat never sends are acknowledged and decide nothing.
    for odd in (verdict_event(check["trace_id"], ["pass"]), verdict_event(check["trace_id"], None),
                verdict_event(check["trace_id"], "approved"), {"Event": ["wxa_media_check"]}):
        answer = requests.post(served + "/wechat/push", params=signed({}), data=json.dumps(odd),
                               headers=headers, timeout=5)
        assert (answer.status_code, answer.text) == (200, "success")
    assert item(client, world["admin"], item_id).json["attachments"][0]["screening"] == "checking"

    # Trace ids WeChat never sends (a NUL, non-ASCII) name no submission: acknowledged, nothing decided.
    for odd_trace in ("trace\x00", "追踪号", "x" * 500):
        answer = requests.post(served + "/wechat/push", params=signed({}), headers=headers, timeout=5,
                               data=json.dumps(verdict_event(odd_trace, "risky")))
        assert (answer.status_code, answer.text) == (200, "success")
    # A push for a submission we never made is acknowledged (WeChat would otherwise retry) and ignored.
    unknown = requests.post(served + "/wechat/push", params=signed({}), timeout=5, headers=headers,
                            data=json.dumps(verdict_event("no-such-trace", "risky")))
    assert unknown.text == "success"
    assert item(client, world["admin"], item_id).json["held_for_review"] is False


def test_signed_urls_open_one_photo_only(client, world, served, wechat_standin):  # noqa: F811
    item_id, url = file_with_photo(client, world, street_photo())
    other_id, other_url = file_with_photo(client, world, street_photo())
    sweep(client.application)
    signed_urls = {check["media_url"].removeprefix(served) for check in media_checks(wechat_standin)}
    assert len(signed_urls) == 2
    first = next(u for u in signed_urls if u.startswith(url))
    sig = first.split("sig=", 1)[1]

    assert client.get(first).status_code == 200  # no sign-in: this is how WeChat fetches it
    assert client.get(f"{other_url}?sig={sig}").status_code == 404
    assert client.get(f"{url}?sig=forged{sig[6:]}").status_code == 404
    assert client.get(f"{url}?sig=").status_code == 404


def test_an_unreachable_wechat_delays_screening_and_loses_nothing(client, app, world, served, wechat_standin):  # noqa: F811
    item_id, _ = file_with_photo(client, world, street_photo())
    original = app.config["WECHAT_API_BASE"]
    app.config["WECHAT_API_BASE"] = "http://127.0.0.1:9"
    app.extensions.pop("wechat_client", None)
    try:
        assert "照片送检 0 张（转人工 0，待重试 1）" in sweep(app)
    finally:
        app.config["WECHAT_API_BASE"] = original
        app.extensions.pop("wechat_client", None)
    assert item(client, world["admin"], item_id).json["attachments"][0]["screening"] == "pending"
    assert "照片送检 0 张" in sweep(app)  # the retry waits for its backoff

    with app.app_context():
        db.session.execute(update(Upload).values(screen_next_dt=None))
        db.session.commit()
    assert "照片送检 1 张" in sweep(app)
    [check] = media_checks(wechat_standin)

    # No verdict within PHOTO_SCREEN_WAIT_MINUTES: asked again; the first submission's late verdict is ignored.
    with app.app_context():
        db.session.execute(update(Upload).values(screen_next_dt=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert "照片送检 1 张" in sweep(app)
    first, second = media_checks(wechat_standin)
    assert first["trace_id"] != second["trace_id"]
    late = requests.post(served + "/wechat/push", params=signed({}), timeout=5, headers={"Content-Type": "application/json"},
                         data=json.dumps(verdict_event(first["trace_id"], "risky")))
    assert late.text == "success"
    assert item(client, world["admin"], item_id).json["held_for_review"] is False
    deliver_pushes(wechat_standin)
    assert item(client, world["zhang_h"], item_id).json["attachments"][0]["screening"] == "pass"


def test_a_busy_wechat_is_sent_one_photo_a_sweep_not_every_photo(client, app, world, served, wechat_standin):  # noqa: F811
    for _ in range(3):
        file_with_photo(client, world, street_photo())
    wechat_standin.fail({"/wxa/media_check_async": -1})
    # Each submission may cost a timeout: a sweep that tried every photo could run for an hour.
    assert "照片送检 0 张（转人工 0，待重试 1）" in sweep(app)
    assert wechat_standin.fail({}) == {"/wxa/media_check_async": 1}
    with app.app_context():
        db.session.execute(update(Upload).values(screen_next_dt=None))
        db.session.commit()
    assert "照片送检 3 张" in sweep(app)
    assert len(media_checks(wechat_standin)) == 3


def test_a_malformed_answer_for_one_photo_holds_up_none_of_the_others(client, app, factory, world, served, wechat_standin):  # noqa: F811
    """WeChat answering success without a trace_id for one photo, first in line: the others are submitted in the
    same sweep; that one stays pending and is asked for again at a later sweep."""
    odd = factory.wechat_login("malformed-answer")  # the stand-in answers this user without a trace_id
    odd_item, _ = file_with_photo(client, world | {"citizen": odd}, street_photo())
    fine_item, _ = file_with_photo(client, world, street_photo())
    assert "照片送检 1 张（转人工 0，待重试 1）" in sweep(app)
    assert [c["openid"] for c in media_checks(wechat_standin)] == ["fake-openid-citizen-wang"]
    assert item(client, world["admin"], odd_item).json["attachments"][0]["screening"] == "pending"
    assert item(client, world["admin"], fine_item).json["attachments"][0]["screening"] == "checking"
    deliver_pushes(wechat_standin)
    assert item(client, world["zhang_h"], fine_item).json["attachments"][0]["screening"] == "pass"

    with app.app_context():  # its backoff over: asked again
        db.session.execute(update(Upload).values(screen_next_dt=None))
        db.session.commit()
    assert "照片送检 0 张（转人工 0，待重试 1）" in sweep(app)
    with app.app_context():
        assert db.session.scalar(select(Upload.screen_attempts).where(Upload.suggestion_id == odd_item)) == 2


def test_a_photo_wechat_never_screens_goes_to_an_administrator(client, app, world, served):  # noqa: F811
    item_id, _ = file_with_photo(client, world, street_photo())
    with app.app_context():
        db.session.execute(update(Upload).values(screen_attempts=5))
        db.session.commit()
    assert "照片送检 0 张（转人工 1，待重试 0）" in sweep(app)
    held = item(client, world["admin"], item_id).json
    assert held["held_for_review"] is True and held["attachments"][0]["screening"] == "manual"
    assert held["timeline"][-1]["note"] == "照片无法自动检测，等待人工审核"
    assert item(client, world["zhang_h"], item_id).status_code == 404


def test_two_sweeps_at_once_submit_each_photo_once(client, app, world, served, wechat_standin):  # noqa: F811
    for _ in range(3):
        file_with_photo(client, world, street_photo())
    results, start = [], threading.Barrier(2)

    def sweep_photos():
        with app.app_context():
            start.wait()
            results.append(submit_due())
            db.session.remove()

    threads = [threading.Thread(target=sweep_photos) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 2 and sum(r["submitted"] for r in results) == 3
    assert len(media_checks(wechat_standin)) == 3


def test_the_push_cipher_matches_wechats_published_sample():
    # WeChat's own WXBizMsgCrypt test: this key, appid and 16-byte prefix give exactly this ciphertext.
    cipher = PushCipher("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxb11529c136998cb6")
    sample = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
    assert cipher.encrypt("我是中文abcd123", random_prefix=b"aaaabbbbccccdddd") == sample
    assert cipher.decrypt(sample) == "我是中文abcd123"


@pytest.mark.parametrize("key, problem", [
    (PUSH_AES_KEY[:-1], "43 characters"), (PUSH_AES_KEY[:-1] + "!", "letters, digits"),
])
def test_a_malformed_encoding_aes_key_stops_the_app_at_start(tmp_path, key, problem):
    with pytest.raises(RuntimeError, match=problem):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}", "SECRET_KEY": "t",
                    "WECHAT_PUSH_AES_KEY": key})


@pytest.fixture
def safe_mode(app, served, wechat_standin, monkeypatch):
    """The message push set to 安全模式 on both sides: the stand-in encrypts, the app expects it."""
    monkeypatch.setitem(app.config, "WECHAT_PUSH_AES_KEY", PUSH_AES_KEY)
    requests.put(wechat_standin.base_url + "/__standin__/push-target", timeout=5,
                 json={"url": served + "/wechat/push", "token": PUSH_TOKEN, "aes_key": PUSH_AES_KEY})
    return served


def test_in_safe_mode_verdicts_arrive_encrypted(client, world, safe_mode, wechat_standin):  # noqa: F811
    item_id, _ = file_with_photo(client, world, red_photo(), content_type="image/png")
    sweep(client.application)
    [push] = deliver_pushes(wechat_standin)
    assert (push["suggest"], push["outcome"], push["answer"]) == ("risky", "pushed: HTTP 200", "success")
    held = item(client, world["admin"], item_id).json
    assert held["held_for_review"] is True and held["attachments"][0]["screening"] == "risky"


def test_in_safe_mode_only_wechats_encrypted_pushes_decide(client, world, safe_mode, wechat_standin):  # noqa: F811
    item_id, _ = file_with_photo(client, world, red_photo(), content_type="image/png")
    sweep(client.application)
    [check] = media_checks(wechat_standin)
    risky = verdict_event(check["trace_id"], "risky")
    headers = {"Content-Type": "application/json"}

    def push(query, body):
        return requests.post(safe_mode + "/wechat/push", params=query, data=body, headers=headers, timeout=5)

    plaintext = push(signed({}), json.dumps(risky))
    assert plaintext.status_code == 403
    assert plaintext.json() == {"error": "forbidden", "message": "消息推送未加密：已配置安全模式，只接受加密的推送。"}

    query, body = encrypted_push(risky)
    assert push(query | {"msg_signature": "0" * 40}, body).json()["message"] == "消息推送签名无效。"
    assert push({k: v for k, v in query.items() if k != "msg_signature"}, body).status_code == 403
    undecryptable = "消息推送无法解密：密钥或小程序不符。"
    for query, body in (encrypted_push(risky, appid="wx-another-app"),
                        encrypted_push(risky, key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")):
        refused = push(query, body)
        assert (refused.status_code, refused.json()["message"]) == (403, undecryptable)
    # Not even ASCII, so not base64 (and not something a signature could be computed over).
    assert push(signed({"encrypt_type": "aes"}), '{"Encrypt": "\\ud800"}').json()["message"] == undecryptable
    # Signed with our token, but not a ciphertext at all.
    query = signed({"encrypt_type": "aes"})
    query["msg_signature"] = sign(PUSH_TOKEN, query["timestamp"], query["nonce"], "not-base64!")
    assert push(query, json.dumps({"Encrypt": "not-base64!"})).json()["message"] == undecryptable
    for unreadable in ("<xml><Event>wxa_media_check</Event></xml>", "[" * 100_000):
        not_json = push(*encrypted_push(unreadable))
        assert (not_json.status_code, not_json.json()["message"]) == (400, "消息推送内容不是 JSON 对象。")
    assert item(client, world["admin"], item_id).json["held_for_review"] is False

    accepted = push(*encrypted_push(risky))
    assert (accepted.status_code, accepted.text) == (200, "success")
    assert item(client, world["admin"], item_id).json["held_for_review"] is True


STALE = {"error": "forbidden", "message": "消息推送已过期：时间戳与服务器时间相差超过 5 分钟。"}


def test_a_push_signed_long_ago_or_ahead_is_refused(client, world, served, wechat_standin):  # noqa: F811
    """A signed push URL seen in a log is no key: signed more than five minutes from now it decides nothing."""
    item_id, _ = file_with_photo(client, world, red_photo(), content_type="image/png")
    sweep(client.application)
    [check] = media_checks(wechat_standin)
    body, headers = json.dumps(verdict_event(check["trace_id"], "risky")), {"Content-Type": "application/json"}
    now = int(time.time())
    for timestamp in (1000000000, now - 3600, now + 3600, "soon", ""):
        refused = requests.post(served + "/wechat/push", params=signed({}, timestamp=timestamp), data=body,
                                headers=headers, timeout=5)
        assert (refused.status_code, refused.json()) == (403, STALE), timestamp
    check_url = requests.get(served + "/wechat/push", params=signed({"echostr": "abc"}, timestamp=1000000000), timeout=5)
    assert (check_url.status_code, check_url.json()) == (403, STALE)
    assert item(client, world["admin"], item_id).json["held_for_review"] is False

    # A minute off (a clock a little fast or slow) is still WeChat's push.
    accepted = requests.post(served + "/wechat/push", params=signed({}, timestamp=now - 60), data=body,
                             headers=headers, timeout=5)
    assert (accepted.status_code, accepted.text) == (200, "success")
    assert item(client, world["admin"], item_id).json["held_for_review"] is True


def test_a_push_replayed_with_another_body_decides_nothing(client, world, served, wechat_standin):  # noqa: F811
    """In 明文模式 the signature does not cover the body: the same signed query sent again, whatever it carries,
    is acknowledged (WeChat may send a push again) and handled no more."""
    item_id, _ = file_with_photo(client, world, red_photo(), content_type="image/png")
    sweep(client.application)
    [check] = media_checks(wechat_standin)
    headers = {"Content-Type": "application/json"}
    query = signed({})
    first = requests.post(served + "/wechat/push", params=query, headers=headers, timeout=5,
                          data=json.dumps(verdict_event("no-such-trace", "pass")))
    assert (first.status_code, first.text) == (200, "success")
    replayed = requests.post(served + "/wechat/push", params=query, headers=headers, timeout=5,
                             data=json.dumps(verdict_event(check["trace_id"], "risky")))
    assert (replayed.status_code, replayed.text) == (200, "success")
    held = item(client, world["admin"], item_id).json
    assert held["held_for_review"] is False and held["attachments"][0]["screening"] == "checking"

    fresh = requests.post(served + "/wechat/push", params=signed({}), headers=headers, timeout=5,
                          data=json.dumps(verdict_event(check["trace_id"], "risky")))
    assert (fresh.status_code, fresh.text) == (200, "success")
    assert item(client, world["admin"], item_id).json["held_for_review"] is True


def test_in_safe_mode_a_replayed_push_decides_nothing(client, world, safe_mode, wechat_standin):  # noqa: F811
    item_id, _ = file_with_photo(client, world, red_photo(), content_type="image/png")
    sweep(client.application)
    [check] = media_checks(wechat_standin)
    headers = {"Content-Type": "application/json"}
    query, body = encrypted_push(verdict_event("no-such-trace", "pass"))
    assert requests.post(safe_mode + "/wechat/push", params=query, data=body, headers=headers, timeout=5).text == "success"
    # The same timestamp and nonce again, with another (validly encrypted and signed) message.
    other_query, other_body = encrypted_push(verdict_event(check["trace_id"], "risky"))
    other_query |= {"timestamp": query["timestamp"], "nonce": query["nonce"]}
    other_query["msg_signature"] = sign(PUSH_TOKEN, query["timestamp"], query["nonce"], json.loads(other_body)["Encrypt"])
    again = requests.post(safe_mode + "/wechat/push", params=other_query, data=other_body, headers=headers, timeout=5)
    assert (again.status_code, again.text) == (200, "success")
    assert item(client, world["admin"], item_id).json["held_for_review"] is False


def test_with_redis_every_app_server_knows_a_push_handled(app, monkeypatch, redis_prefix):
    """The (timestamp, nonce) pairs live in Redis when REDIS_URL is set: a replay sent to another app server
    (another process, with nothing in its memory) is known there too."""
    import redis

    from backend.wechat import push_replay
    from tests.conftest import REDIS_TEST_URL

    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_TEST_URL)
    monkeypatch.setattr(push_replay, "_PREFIX", redis_prefix)
    monkeypatch.setattr(push_replay, "_memory", {})
    app.extensions.pop("wechat_push_redis", None)
    try:
        with app.app_context():
            assert push_replay.first_time("1764370000", "42") is True
            push_replay._memory.clear()  # another process: nothing remembered in memory
            assert push_replay.first_time("1764370000", "42") is False
            assert push_replay.first_time("1764370000", "43") is True
            push_replay.forget("1764370000", "42")
            assert push_replay.first_time("1764370000", "42") is True
        stored = redis.Redis.from_url(REDIS_TEST_URL)
        assert 0 < stored.ttl(f"{redis_prefix}1764370000:42") <= push_replay.REMEMBER_SECONDS
        stored.close()
    finally:
        app.extensions.pop("wechat_push_redis", None)
