"""An offline stand-in for the WeChat server endpoints the product uses (``WECHAT_MODE=fake``).

It behaves as the API contract describes:

* ``jscode2session``: js_code ``X`` → openid ``fake-openid-X``; ``invalid`` → errcode 40029;
  ``busy`` → errcode -1 (WeChat's "system busy").
* ``getuserphonenumber``: code ``phone-<digits>`` → that number; anything else → 40029.
* ``msg_sec_check``: content containing ``违禁测试`` → ``risky``; containing ``畸形应答测试`` → success
  without a verdict (``"result": null``), as a broken gateway might answer; otherwise ``pass``.
* ``subscribe/send``: records each message (``GET /__standin__/messages``);
  openid ``fake-openid-refuser`` → 43101; a value that is empty, not wrapped as ``{"value": ...}``
  or longer than its type allows (``thing`` 20 characters, ``phrase`` 5, ``number``/``letter``/
  ``character_string`` 32), or a ``phrase`` that is not all Chinese characters → 47003, as WeChat answers.
* ``media_check_async``: answers a ``trace_id`` at once and queues the verdict, as WeChat does; for an
  openid containing ``malformed-answer`` (js_code ``malformed-answer``), success without a ``trace_id``.
  Delivering the queue (``POST /__standin__/pushes/deliver``, or every half second with
  ``auto_push``) fetches each ``media_url`` over HTTP as WeChat would, decodes it, and pushes
  ``wxa_media_check`` to the message-push URL (``PUT /__standin__/push-target`` or ``--push-url``),
  signed with the push token, in plaintext or, given the EncodingAESKey (``aes_key``), encrypted as
  in 安全模式: an image whose average colour is pure red →
  ``risky``, anything else → ``pass``. A URL it cannot fetch or decode gets no push (WeChat would
  not have a verdict either). ``GET /__standin__/media-checks`` lists the requests received.
* ``stable_token`` issues tokens that expire after ``token_ttl`` seconds, so refresh is exercised.
  Like WeChat, normal mode hands back the current token and renews it shortly before it expires
  (5 minutes, or half its life for short test lifetimes; the old one stays valid until it
  expires); forced mode invalidates the current token at once.
  ``GET /__standin__/messages`` also reports ``token_fetches`` (tokens issued) and
  ``token_requests`` (``{"normal": n, "forced": m}`` calls).

* Failures on demand: ``PUT /__standin__/failures`` with ``{"/wxa/msg_sec_check": 61010}`` makes
  that endpoint answer that errcode (``-1``: system busy) until cleared with ``{}``; a JSON object instead
  of an errcode is answered as it is (``{"/sns/jscode2session": {"errcode": 0}}``: an answer without its fields);
  ``GET /__standin__/failures`` says how many requests each failing endpoint refused.

Run it alone with ``python -m backend.wechat.standin --port 5001``.
"""
import argparse
import io
import json
import re
import secrets
import threading
import time

import qrcode
import requests
from flask import Flask, jsonify, request, send_file
from PIL import Image, UnidentifiedImageError

from .push_crypto import PushCipher, sign

FORBIDDEN_MARKER = "违禁测试"
MALFORMED_MARKER = "畸形应答测试"
MALFORMED_OPENID_MARKER = "malformed-answer"  # media_check_async for this user: success without a trace_id
# subscribeMessage.send value limits by keyword type (characters).
VALUE_LIMITS = {"thing": 20, "phrase": 5, "number": 32, "letter": 32, "character_string": 32}
CHINESE_ONLY = re.compile(r"[\u4e00-\u9fff]+")
NUMBER = re.compile(r"\d+(\.\d+)?")  # WeChat's number: digits, perhaps with decimals


def _is_red(data):
    """The stand-in's idea of a risky image: one whose average colour is pure red."""
    with Image.open(io.BytesIO(data)) as image:
        red, green, blue = image.convert("RGB").resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    return red >= 200 and green <= 40 and blue <= 40


def create_standin_app(appid="wx-fake-appid", secret="fake-secret", token_ttl=7200, require_openid=False,
                       push_url=None, push_token="fake-push-token", push_aes_key=None, auto_push=False):
    """``require_openid``: answer msg_sec_check without an openid with 40003, as live WeChat does.
    Off by default so that the demo's browser-only citizens are screened like everyone else.
    ``push_url``/``push_token``/``push_aes_key``: where media-check verdicts are pushed, and how they
    are signed (and encrypted, given an EncodingAESKey); ``auto_push`` delivers them in the background
    instead of on request."""
    app = Flask(__name__)
    app.json.ensure_ascii = False
    lock = threading.Lock()
    state = {
        "tokens": {},
        "messages": [],
        "token_fetches": 0,
        "token_requests": {"normal": 0, "forced": 0},
        "stable_token": None,
        "media_checks": [],
        "push_queue": [],
        "push_target": {"url": push_url, "token": push_token, "aes_key": push_aes_key},
        "failures": {},  # path -> errcode (or JSON object) it answers instead
        "refused": {},  # path -> requests answered with the failure
    }
    renew_before = min(300, token_ttl / 2)

    def err(code, msg):
        return jsonify({"errcode": code, "errmsg": msg})

    @app.before_request
    def fail_on_demand():
        with lock:
            errcode = state["failures"].get(request.path)
            if errcode is not None:
                state["refused"][request.path] = state["refused"].get(request.path, 0) + 1
        if isinstance(errcode, dict):
            return jsonify(errcode)
        if errcode is not None:
            return err(errcode, "failure set with /__standin__/failures")
        return None

    @app.put("/__standin__/failures")
    def set_failures():
        with lock:
            state["failures"] = dict(request.get_json(silent=True) or {})
            state["refused"] = {}
        return err(0, "ok")

    @app.get("/__standin__/failures")
    def failures():
        with lock:
            return jsonify({"failures": state["failures"], "refused": state["refused"]})

    def check_token():
        """None when the request's access_token is good, else the error answer."""
        token = request.args.get("access_token", "")
        with lock:
            expires = state["tokens"].get(token)
        if expires is None:
            return err(40001, "invalid credential, access_token is invalid or not latest")
        if expires < time.time():
            return err(42001, "access_token expired")
        return None

    def issue_token(force):
        with lock:
            state["token_requests"]["forced" if force else "normal"] += 1
            current = state["stable_token"]
            if current and not force and state["tokens"].get(current, 0) - time.time() > renew_before:
                return current, int(state["tokens"][current] - time.time())
            if current and force:
                state["tokens"].pop(current, None)  # forced mode invalidates the previous token
            token = "fake-at-" + secrets.token_hex(16)
            state["tokens"][token] = time.time() + token_ttl
            state["stable_token"] = token
            state["token_fetches"] += 1
            return token, token_ttl

    @app.get("/sns/jscode2session")
    def jscode2session():
        if request.args.get("appid") != appid or request.args.get("secret") != secret:
            return err(40125, "invalid appsecret")
        js_code = request.args.get("js_code", "")
        if not js_code or js_code == "invalid":
            return err(40029, "invalid code")
        if js_code == "busy":
            return err(-1, "system error")
        return jsonify({"openid": f"fake-openid-{js_code}", "session_key": secrets.token_hex(12)})

    @app.post("/cgi-bin/stable_token")
    def stable_token():
        body = request.get_json(silent=True) or {}
        if body.get("appid") != appid or body.get("secret") != secret:
            return err(40125, "invalid appsecret")
        token, expires_in = issue_token(bool(body.get("force_refresh")))
        return jsonify({"access_token": token, "expires_in": expires_in})

    @app.post("/wxa/business/getuserphonenumber")
    def getuserphonenumber():
        if (bad := check_token()) is not None:
            return bad
        code = (request.get_json(silent=True) or {}).get("code", "")
        digits = code.removeprefix("phone-") if isinstance(code, str) and code.startswith("phone-") else ""
        if not digits.isdigit():
            return err(40029, "invalid code")
        return jsonify({
            "errcode": 0,
            "errmsg": "ok",
            "phone_info": {"phoneNumber": digits, "purePhoneNumber": digits, "countryCode": "86"},
        })

    def screening_request():
        """(body, None) for a content-security call WeChat would take, else (None, its error answer)."""
        if (bad := check_token()) is not None:
            return None, bad
        body = request.get_json(silent=True) or {}
        if require_openid and not body.get("openid"):
            return None, err(40003, "invalid openid")
        return body, None

    @app.post("/wxa/msg_sec_check")
    def msg_sec_check():
        body, bad = screening_request()
        if bad is not None:
            return bad
        content = body.get("content", "")
        if MALFORMED_MARKER in content:
            return jsonify({"errcode": 0, "errmsg": "ok", "result": None, "trace_id": secrets.token_hex(8)})
        risky = FORBIDDEN_MARKER in content
        return jsonify({
            "errcode": 0,
            "errmsg": "ok",
            "result": {"suggest": "risky" if risky else "pass", "label": 20001 if risky else 100},
            "trace_id": secrets.token_hex(8),
        })

    @app.post("/wxa/media_check_async")
    def media_check_async():
        body, bad = screening_request()
        if bad is not None:
            return bad
        media_url = body.get("media_url")
        if not isinstance(media_url, str) or not media_url.startswith(("http://", "https://")):
            return err(47001, "data format error: media_url")
        if body.get("media_type") not in (1, 2) or body.get("version") != 2 or body.get("scene") not in (1, 2, 3, 4):
            return err(47001, "data format error")
        if MALFORMED_OPENID_MARKER in str(body.get("openid", "")):
            return jsonify({"errcode": 0, "errmsg": "ok", "trace_id": None})
        check = {"trace_id": f"{secrets.token_hex(4)}-{secrets.token_hex(4)}-{secrets.token_hex(4)}",
                 "media_url": media_url, "openid": body.get("openid", "")}
        with lock:
            state["media_checks"].append(check)
            state["push_queue"].append(check)
        return jsonify({"errcode": 0, "errmsg": "ok", "trace_id": check["trace_id"]})

    def push(check):
        """Fetch the image as WeChat would and push the verdict; returns what happened."""
        target = state["push_target"]
        try:
            fetched = requests.get(check["media_url"], timeout=5)
            risky = fetched.status_code == 200 and _is_red(fetched.content)
        except (requests.RequestException, UnidentifiedImageError, OSError) as exc:
            return {"trace_id": check["trace_id"], "outcome": f"fetch failed: {exc.__class__.__name__}"}
        if fetched.status_code != 200:
            return {"trace_id": check["trace_id"], "outcome": f"fetch failed: HTTP {fetched.status_code}"}
        if not target["url"]:
            return {"trace_id": check["trace_id"], "outcome": "no push url"}
        suggest, label = ("risky", 20002) if risky else ("pass", 100)
        event = {
            "ToUserName": "gh_fake", "FromUserName": check["openid"], "CreateTime": int(time.time()),
            "MsgType": "event", "Event": "wxa_media_check", "appid": appid, "trace_id": check["trace_id"],
            "version": 2, "errcode": 0, "errmsg": "ok", "result": {"suggest": suggest, "label": label},
            "detail": [{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90}],
        }
        timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**9))
        body = json.dumps(event, ensure_ascii=False)
        params = {"signature": sign(target["token"], timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
        if target["aes_key"]:  # 安全模式: the event travels encrypted, signed with its ciphertext
            encrypted = PushCipher(target["aes_key"], appid).encrypt(body)
            body = json.dumps({"ToUserName": event["ToUserName"], "Encrypt": encrypted})
            params |= {"encrypt_type": "aes", "msg_signature": sign(target["token"], timestamp, nonce, encrypted)}
        try:
            answer = requests.post(target["url"], params=params, data=body.encode(),
                                   headers={"Content-Type": "application/json"}, timeout=5)
        except requests.RequestException as exc:
            return {"trace_id": check["trace_id"], "outcome": f"push failed: {exc.__class__.__name__}"}
        return {"trace_id": check["trace_id"], "suggest": suggest, "outcome": f"pushed: HTTP {answer.status_code}",
                "answer": answer.text}

    def deliver_pushes():
        with lock:
            queue, state["push_queue"] = state["push_queue"], []
        return [push(check) for check in queue]

    if auto_push:
        def pusher():
            while True:
                time.sleep(0.5)
                deliver_pushes()

        threading.Thread(target=pusher, name="standin-pusher", daemon=True).start()

    @app.put("/__standin__/push-target")
    def set_push_target():
        body = request.get_json(silent=True) or {}
        with lock:
            state["push_target"] = {"url": body.get("url"), "token": body.get("token", push_token),
                                    "aes_key": body.get("aes_key")}
        return err(0, "ok")

    @app.post("/__standin__/pushes/deliver")
    def deliver():
        return jsonify({"pushes": deliver_pushes()})

    @app.get("/__standin__/media-checks")
    def media_checks():
        with lock:
            return jsonify({"media_checks": list(state["media_checks"])})

    @app.post("/cgi-bin/message/subscribe/send")
    def subscribe_send():
        if (bad := check_token()) is not None:
            return bad
        body = request.get_json(silent=True) or {}
        if body.get("touser") == "fake-openid-refuser":
            return err(43101, "user refuse to accept the msg")
        if not body.get("template_id"):
            return err(40037, "invalid template_id")
        data = body.get("data")
        if not isinstance(data, dict) or not data:
            return err(47003, "argument invalid! data is empty")
        for key, item in data.items():
            value = item.get("value") if isinstance(item, dict) else None
            if value is None or value == "":
                return err(47003, f"argument invalid! data.{key}.value is empty")
            kind = key.rstrip("0123456789")
            if kind in VALUE_LIMITS and len(str(value)) > VALUE_LIMITS[kind]:
                return err(47003, f"argument invalid! data.{key}.value exceeds the limit")
            if kind == "phrase" and not CHINESE_ONLY.fullmatch(str(value)):
                return err(47003, f"argument invalid! data.{key}.value must be Chinese characters only")
            if kind == "number" and not NUMBER.fullmatch(str(value)):
                return err(47003, f"argument invalid! data.{key}.value must be a number")
        with lock:
            state["messages"].append(body)
        return err(0, "ok")

    @app.post("/wxa/getwxacodeunlimit")
    def getwxacodeunlimit():
        if (bad := check_token()) is not None:
            return bad
        body = request.get_json(silent=True) or {}
        scene = body.get("scene", "")
        if not scene or len(scene) > 32:
            return err(40169, "invalid length for scene")
        buffer = io.BytesIO()
        qrcode.make(f"wxacode:{body.get('page', '')}?scene={scene}").save(buffer, "PNG")
        buffer.seek(0)
        return send_file(buffer, mimetype="image/png")

    @app.get("/__standin__/messages")
    def messages():
        with lock:
            return jsonify({
                "messages": list(state["messages"]),
                "token_fetches": state["token_fetches"],
                "token_requests": dict(state["token_requests"]),
            })

    @app.delete("/__standin__/messages")
    def clear_messages():
        with lock:
            state["messages"].clear()
            state["media_checks"].clear()
            state["push_queue"].clear()
            state["failures"], state["refused"] = {}, {}
        return err(0, "ok")

    return app


def main():
    parser = argparse.ArgumentParser(description="Offline WeChat stand-in")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--token-ttl", type=int, default=7200)
    parser.add_argument("--push-url", help="the app's message-push URL (media-check verdicts are pushed there)")
    parser.add_argument("--push-token", default="fake-push-token")
    parser.add_argument("--push-aes-key", help="the push's EncodingAESKey: push encrypted, as in 安全模式")
    args = parser.parse_args()
    from werkzeug.serving import run_simple

    app = create_standin_app(token_ttl=args.token_ttl, push_url=args.push_url, push_token=args.push_token,
                             push_aes_key=args.push_aes_key or None, auto_push=bool(args.push_url))
    run_simple(args.host, args.port, app, threaded=True)


if __name__ == "__main__":
    main()
