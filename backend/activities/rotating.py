"""The rotating check-in code shown on a screen at an activity (一事一活动码).

A code names the activity and a time slot of CHECKIN_CODE_SECONDS, signed with the app's secret.
It is accepted during its own slot and the next one, so a photo sent to an absent deputy stops
working within a minute. Codes are 27 characters ("a" + 26 base32), a length printed codes never have.
"""
import base64
import hashlib
import hmac
import struct
from datetime import datetime, timezone

from flask import current_app

from ..db_types import utcnow
from ..errors import APIError, not_found

PREFIX = "a"
LENGTH = 27


def _period():
    return current_app.config["CHECKIN_CODE_SECONDS"]


def _mac(payload):
    key = hashlib.sha256(("checkin-code:" + current_app.config["SECRET_KEY"]).encode()).digest()
    return hmac.new(key, payload, hashlib.sha256).digest()[:8]


def looks_rotating(code):
    return isinstance(code, str) and len(code) == LENGTH and code.startswith(PREFIX)


def make_code(activity_id, now=None):
    """``(code, expires_at)`` for the slot containing ``now``."""
    slot = int((now or utcnow()).timestamp()) // _period()
    payload = struct.pack(">II", activity_id, slot)
    code = PREFIX + base64.b32encode(payload + _mac(payload)).decode().lower().rstrip("=")
    expires = datetime.fromtimestamp((slot + 2) * _period(), timezone.utc)
    return code, expires


def read_code(code, now=None):
    """The activity id in a valid code; an expired code is 409 with a sentence, a forged one 404."""
    try:
        raw = base64.b32decode(code[1:].upper() + "======")
    except ValueError:
        raise not_found("签到码无效。") from None
    payload, mac = raw[:8], raw[8:]
    if len(raw) != 16 or not hmac.compare_digest(mac, _mac(payload)):
        raise not_found("签到码无效。")
    activity_id, slot = struct.unpack(">II", payload)
    current = int((now or utcnow()).timestamp()) // _period()
    if not current - 1 <= slot <= current:
        raise APIError(409, "checkin_refused", "签到码已过期，请扫描现场屏幕上的最新签到码。", reason="code_expired")
    return activity_id
