"""The rotating check-in code shown on a screen at an activity (一事一活动码).

A code names the activity and a time slot of CHECKIN_CODE_SECONDS. It is accepted during its own slot and
the next one, so a photo sent to an absent deputy stops working within a minute. Codes are 27 characters
("a" + 26 base32), a length printed codes never have.

The code is opaque (the contract: QR codes never carry database ids). Its 16 bytes are one AES block:
``AES-256(id ‖ slot ‖ HMAC-SHA256(id ‖ slot)[:8])`` under keys derived from SECRET_KEY. AES is a
permutation of the block, so anyone without the key reads 16 random-looking bytes (consecutive ids or slots
give unrelated codes), and a code is verified statelessly: decrypt, then check the embedded tag (a forged or
edited code passes with probability 2^-64). Changing SECRET_KEY invalidates every code on every screen; the
screens fetch a new one within CHECKIN_CODE_SECONDS.
"""
import base64
import hashlib
import hmac
import struct
from datetime import datetime, timezone

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from flask import current_app

from ..db_types import utcnow
from ..errors import APIError, not_found

PREFIX = "a"
LENGTH = 27
EXPIRED_MESSAGE = "签到码已过期，请扫描现场屏幕上的最新签到码。"


def _period():
    return current_app.config["CHECKIN_CODE_SECONDS"]


def _key(purpose):
    return hashlib.sha256((purpose + ":" + current_app.config["SECRET_KEY"]).encode()).digest()


def _mac(payload):
    return hmac.new(_key("checkin-code"), payload, hashlib.sha256).digest()[:8]


def _cipher():
    # One block, encrypted on its own: ECB of a single block is the bare AES permutation, which is the point.
    return Cipher(algorithms.AES(_key("checkin-code-aes")), modes.ECB())


def _encrypt(block):
    encryptor = _cipher().encryptor()
    return encryptor.update(block) + encryptor.finalize()


def _decrypt(block):
    decryptor = _cipher().decryptor()
    return decryptor.update(block) + decryptor.finalize()


def _expired():
    return APIError(409, "checkin_refused", EXPIRED_MESSAGE, reason="code_expired")


def looks_rotating(code):
    return isinstance(code, str) and len(code) == LENGTH and code.startswith(PREFIX)


def make_code(activity_id, now=None):
    """``(code, expires_at)`` for the slot containing ``now``."""
    slot = int((now or utcnow()).timestamp()) // _period()
    payload = struct.pack(">II", activity_id, slot)
    block = _encrypt(payload + _mac(payload))
    code = PREFIX + base64.b32encode(block).decode().lower().rstrip("=")
    expires = datetime.fromtimestamp((slot + 2) * _period(), timezone.utc)
    return code, expires


def read_code(code, now=None):
    """The activity id in a valid code; an expired code is 409 with a sentence, a forged one 404."""
    try:
        raw = base64.b32decode(code[1:].upper() + "======")
    except ValueError:
        raise not_found("签到码无效。") from None
    if len(raw) != 16 or base64.b32encode(raw).decode().lower().rstrip("=") != code[1:]:
        # The last character's two spare bits are the encoder's zeros: a code read with other bits there
        # (an edited character) is not the one shown, even though it decodes to the same block.
        raise not_found("签到码无效。")
    plain = _decrypt(raw)
    payload, mac = plain[:8], plain[8:]
    if not hmac.compare_digest(mac, _mac(payload)):
        # A code from before the codes were made opaque (id and slot in clear, then their tag) is at most a
        # minute old at deploy time: refused as any stale code is, so the deputy scans the screen again.
        if hmac.compare_digest(raw[8:], _mac(raw[:8])):
            raise _expired()
        raise not_found("签到码无效。")
    activity_id, slot = struct.unpack(">II", payload)
    current = int((now or utcnow()).timestamp()) // _period()
    if not current - 1 <= slot <= current:
        raise _expired()
    return activity_id
