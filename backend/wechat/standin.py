"""An offline stand-in for the WeChat server endpoints the product uses (``WECHAT_MODE=fake``).

It behaves as the API contract describes:

* ``jscode2session``: js_code ``X`` → openid ``fake-openid-X``; ``invalid`` → errcode 40029;
  ``busy`` → errcode -1 (WeChat's "system busy").
* ``getuserphonenumber``: code ``phone-<digits>`` → that number; anything else → 40029.
* ``msg_sec_check``: content containing ``违禁测试`` → ``risky``; otherwise ``pass``.
* ``subscribe/send``: records each message (``GET /__standin__/messages``);
  openid ``fake-openid-refuser`` → 43101.
* token endpoints issue tokens that expire after ``token_ttl`` seconds, so refresh is exercised.

Run it alone with ``python -m backend.wechat.standin --port 5001``.
"""
import argparse
import io
import secrets
import threading
import time

import qrcode
from flask import Flask, jsonify, request, send_file

FORBIDDEN_MARKER = "违禁测试"


def create_standin_app(appid="wx-fake-appid", secret="fake-secret", token_ttl=7200):
    app = Flask(__name__)
    app.json.ensure_ascii = False
    lock = threading.Lock()
    state = {"tokens": {}, "messages": [], "token_fetches": 0, "stable_token": None}

    def err(code, msg):
        return jsonify({"errcode": code, "errmsg": msg})

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
            current = state["stable_token"]
            if current and not force and state["tokens"].get(current, 0) > time.time():
                return current, int(state["tokens"][current] - time.time())
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

    @app.post("/wxa/msg_sec_check")
    def msg_sec_check():
        if (bad := check_token()) is not None:
            return bad
        content = (request.get_json(silent=True) or {}).get("content", "")
        risky = FORBIDDEN_MARKER in content
        return jsonify({
            "errcode": 0,
            "errmsg": "ok",
            "result": {"suggest": "risky" if risky else "pass", "label": 20001 if risky else 100},
            "trace_id": secrets.token_hex(8),
        })

    @app.post("/cgi-bin/message/subscribe/send")
    def subscribe_send():
        if (bad := check_token()) is not None:
            return bad
        body = request.get_json(silent=True) or {}
        if body.get("touser") == "fake-openid-refuser":
            return err(43101, "user refuse to accept the msg")
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
            return jsonify({"messages": list(state["messages"]), "token_fetches": state["token_fetches"]})

    @app.delete("/__standin__/messages")
    def clear_messages():
        with lock:
            state["messages"].clear()
        return err(0, "ok")

    return app


def main():
    parser = argparse.ArgumentParser(description="Offline WeChat stand-in")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--token-ttl", type=int, default=7200)
    args = parser.parse_args()
    from werkzeug.serving import run_simple

    run_simple(args.host, args.port, create_standin_app(token_ttl=args.token_ttl), threaded=True)


if __name__ == "__main__":
    main()
