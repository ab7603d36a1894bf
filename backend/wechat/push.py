"""The mini-program's message push (消息推送): where WeChat sends events, e.g. image-screening verdicts.

Configure it in the mini-program console (开发管理 → 开发设置 → 消息推送): URL
``{PUBLIC_BASE_URL}/wechat/push``, Token = ``WECHAT_PUSH_TOKEN``, data format JSON, and message
encryption either 明文模式 (plaintext) or, with ``WECHAT_PUSH_AES_KEY`` = its EncodingAESKey, 安全模式
(encrypted; 兼容模式 works too).

* ``GET`` is WeChat's check of the URL when it is saved: answer ``echostr`` if the signature holds.
* ``POST`` carries one event. Every push is signed: in plaintext ``signature`` = SHA-1 of the sorted
  token, ``timestamp`` and ``nonce``; encrypted, ``msg_signature`` over those and the ciphertext,
  which must also decrypt to a message for our appid (``push_crypto``). With an EncodingAESKey
  configured, plaintext pushes are refused. A push must also be signed now: a ``timestamp`` more than
  5 minutes from our clock is refused, and a (timestamp, nonce) handled once is acknowledged and not
  handled again (``push_replay``), since in plaintext the signature does not cover the body. A request
  that fails any of this is refused (403) and changes nothing. WeChat expects ``success`` within 5 seconds and pushes again otherwise, so handling
  an event twice must change nothing twice (see ``uploads.screening.apply_verdict``).
"""
import hmac
import json
import logging
from functools import lru_cache

from flask import Blueprint, Response, current_app, request

from ..errors import APIError
from ..extensions import csrf
from . import push_replay
from .push_crypto import PushCipher, PushDecryptError, sign

log = logging.getLogger(__name__)

bp = Blueprint("wechat_push", __name__)


def _verify(*encrypted):
    """The request must be signed with our token: ``signature``, or ``msg_signature`` over the ciphertext;
    and signed now: its ``timestamp`` within 5 minutes of our clock (a URL from a log is no key)."""
    token = current_app.config["WECHAT_PUSH_TOKEN"]
    args = request.args
    given = args.get("msg_signature" if encrypted else "signature", "")
    expected = sign(token, args.get("timestamp", ""), args.get("nonce", ""), *encrypted)
    if not token or not given or not hmac.compare_digest(expected.encode(), given.encode()):  # bytes: any text
        raise APIError(403, "forbidden", "消息推送签名无效。")
    if not push_replay.is_fresh(args.get("timestamp")):
        log.warning("message push refused: its timestamp %r is not within 5 minutes of now", args.get("timestamp"))
        raise APIError(403, "forbidden", "消息推送已过期：时间戳与服务器时间相差超过 5 分钟。")


@lru_cache(maxsize=4)
def _cipher(encoding_aes_key, appid):
    return PushCipher(encoding_aes_key, appid)


def _json_object(value):
    if not isinstance(value, dict):
        raise APIError(400, "validation_failed", "消息推送内容不是 JSON 对象。")
    return value


def _event():
    """The pushed event, once it has proved to come from WeChat (and been decrypted, in 安全模式)."""
    config = current_app.config
    if not config["WECHAT_PUSH_AES_KEY"]:
        _verify()
        return _json_object(request.get_json(silent=True))
    encrypted = _json_object(request.get_json(silent=True)).get("Encrypt")
    if not isinstance(encrypted, str):
        # Only WeChat can sign, but with 安全模式 configured a plaintext push is not how it sends.
        raise APIError(403, "forbidden", "消息推送未加密：已配置安全模式，只接受加密的推送。")
    try:
        if not encrypted.isascii():  # base64 is ASCII; this could not even be signed
            raise PushDecryptError("not base64")
        _verify(encrypted)
        text = _cipher(config["WECHAT_PUSH_AES_KEY"], config["WECHAT_APPID"]).decrypt(encrypted)
    except PushDecryptError as exc:
        log.warning("message push refused: its ciphertext is %s", exc)
        raise APIError(403, "forbidden", "消息推送无法解密：密钥或小程序不符。") from None
    try:
        event = json.loads(text)
    except (ValueError, RecursionError):
        event = None
    return _json_object(event)


def _text(body):
    return Response(body, mimetype="text/plain")


@bp.get("/wechat/push")
def check_url():
    _verify()
    return _text(request.args.get("echostr", ""))


@bp.post("/wechat/push")
@csrf.exempt
def receive():
    event = _event()
    # Each signed (timestamp, nonce) is handled once: in 明文模式 the signature does not cover the body, so the
    # query of a push seen in a log, sent again with another body, would otherwise decide what it says. Sent
    # again it is acknowledged (WeChat itself sends a push again when our answer was late) and nothing more.
    timestamp, nonce = request.args.get("timestamp", ""), request.args.get("nonce", "")
    if not push_replay.first_time(timestamp, nonce):
        log.warning("message push with timestamp %s and nonce %r seen before: not handled again", timestamp, nonce)
        return _text("success")
    try:
        _handle(event)
    except BaseException:
        push_replay.forget(timestamp, nonce)  # not handled: WeChat's retry of it is to be
        raise
    return _text("success")


def _handle(event):
    if event.get("Event") == "wxa_media_check":
        from ..uploads.screening import apply_verdict

        result = event.get("result") if isinstance(event.get("result"), dict) else {}
        trace_id = event.get("trace_id")
        # WeChat's trace ids are short ASCII; anything else names no submission of ours.
        known_shape = isinstance(trace_id, str) and trace_id.isascii() and trace_id.isprintable() and len(trace_id) <= 128
        if known_shape and not apply_verdict(trace_id, result.get("suggest")):
            log.info("media check %s: nothing to decide (unknown, superseded or already decided)", trace_id)
    else:
        log.info("message push %r ignored", event.get("Event") or event.get("MsgType"))
