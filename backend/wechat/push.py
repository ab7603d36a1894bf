"""The mini-program's message push (消息推送): where WeChat sends events, e.g. image-screening verdicts.

Configure it in the mini-program console (开发管理 → 开发设置 → 消息推送): URL
``{PUBLIC_BASE_URL}/wechat/push``, Token = ``WECHAT_PUSH_TOKEN``, message encryption 明文模式
(plaintext), data format JSON.

* ``GET`` is WeChat's check of the URL when it is saved: answer ``echostr`` if the signature holds.
* ``POST`` carries one event. Every push is signed: ``signature`` = SHA-1 of the sorted token,
  ``timestamp`` and ``nonce``. An unsigned or wrongly signed request is refused (403) and changes
  nothing. WeChat expects ``success`` within 5 seconds and pushes again otherwise, so handling an
  event twice must change nothing twice (see ``uploads.screening.apply_verdict``).
"""
import hashlib
import hmac
import logging

from flask import Blueprint, Response, current_app, request

from ..errors import APIError
from ..extensions import csrf

log = logging.getLogger(__name__)

bp = Blueprint("wechat_push", __name__)


def signature(token, timestamp, nonce):
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


def _verify():
    token = current_app.config["WECHAT_PUSH_TOKEN"]
    args = request.args
    given = args.get("signature", "")
    if not token or not given or not hmac.compare_digest(
        signature(token, args.get("timestamp", ""), args.get("nonce", "")), given
    ):
        raise APIError(403, "forbidden", "消息推送签名无效。")


def _text(body):
    return Response(body, mimetype="text/plain")


@bp.get("/wechat/push")
def check_url():
    _verify()
    return _text(request.args.get("echostr", ""))


@bp.post("/wechat/push")
@csrf.exempt
def receive():
    _verify()
    event = request.get_json(silent=True)
    if not isinstance(event, dict):
        raise APIError(400, "validation_failed", "消息推送内容不是 JSON 对象。")
    if event.get("Event") == "wxa_media_check":
        from ..uploads.screening import apply_verdict

        result = event.get("result") if isinstance(event.get("result"), dict) else {}
        trace_id = event.get("trace_id")
        if isinstance(trace_id, str) and not apply_verdict(trace_id, result.get("suggest")):
            log.info("media check %s: nothing to decide (unknown, superseded or already decided)", trace_id)
    else:
        log.info("message push %r ignored", event.get("Event") or event.get("MsgType"))
    return _text("success")
