"""The WeChat server API client: real HTTP, the same code in live and fake mode.

Only the base URL differs: ``https://api.weixin.qq.com`` live, the in-repo stand-in
(:mod:`backend.wechat.standin`) otherwise. Errors are raised as :class:`WeChatError` (WeChat said
no) or :class:`WeChatUnavailable` (WeChat busy or unreachable: the caller should retry later).
"""
import http.client
import json as jsonlib
import logging
import time

import requests
import urllib3

log = logging.getLogger(__name__)

# errcodes that mean "the access token is stale": refresh it once and retry.
TOKEN_ERRCODES = {40001, 40014, 42001}
# errcodes that mean "not now" for every call alike (WeChat's global errcodes): -1 system busy, 45009 the
# day's quota used up, 45011 the minute's quota used up ("retry next minute"). Raised as WeChatUnavailable.
BUSY_ERRCODES = {-1, 45009, 45011}
INVALID_CODE_ERRCODES = {40029, 40163, 40226}
USER_REFUSED = 43101
INVALID_OPENID = 40003
# The most an answer may hold (the largest, a mini-program code image, is ~100 KB): a runaway answer is cut.
MAX_ANSWER_BYTES = 4 * 1024 * 1024
SCREENING_SUGGESTS = ("pass", "review", "risky")
# How long a process reuses the shared access token before asking the store again. The store is a
# database row or a Redis key, a round trip (and a second database connection) per WeChat call
# otherwise; a token that goes stale meanwhile is rejected once and replaced (see _with_token).
LOCAL_TOKEN_SECONDS = 60.0


class WeChatError(Exception):
    def __init__(self, errcode, errmsg=""):
        super().__init__(f"WeChat errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatUnavailable(Exception):
    """WeChat could not be reached or said it is busy; nothing was decided."""


class WeChatMalformed(WeChatUnavailable):
    """WeChat answered success without what the call's answer must carry (an openid, a phone number, a
    screening verdict): nothing was decided. A kind of :class:`WeChatUnavailable` (a request answers 503,
    the caller retries later); unlike an unreachable WeChat it says nothing of the next call, so a batch
    (the sweep's screening) goes on with its other items."""


# errcodes WeChat answers a request carrying the appid and secret (the access token's, sign-in's) with when
# the settings, or the mini-program's own settings on 微信公众平台, are wrong: no retry can succeed until an
# operator corrects them. Each with the line that tells the operator what to correct.
IP_WHITELIST_STEP = "请在微信公众平台「开发管理 → 开发设置 → IP白名单」中加入本服务器的出口 IP"
CONFIG_ERRCODES = {
    40001: "微信 AppSecret 错误或不属于该小程序（40001）：请检查 WECHAT_APPID 与 WECHAT_SECRET",
    40013: "微信 AppID 无效（40013）：请检查 WECHAT_APPID",
    40125: "微信 AppSecret 无效（40125）：请检查 WECHAT_SECRET",
    40243: "微信 AppSecret 已被冻结（40243）：请在微信公众平台解冻或重置后更新 WECHAT_SECRET",
    41002: "缺少微信 AppID（41002）：请设置 WECHAT_APPID",
    41004: "缺少微信 AppSecret（41004）：请设置 WECHAT_SECRET",
    40164: f"本服务器的 IP 不在小程序的 IP 白名单中（40164）：{IP_WHITELIST_STEP}",
    61004: f"本服务器的 IP 不在小程序的 IP 白名单中（61004）：{IP_WHITELIST_STEP}",
    89501: f"本服务器的 IP 正等待小程序管理员确认（89501）：请管理员在微信中确认，或{IP_WHITELIST_STEP}",
    89503: f"本服务器的 IP 调用需要小程序管理员确认（89503）：请管理员在微信中确认，或{IP_WHITELIST_STEP}",
    89506: f"本服务器的 IP 已被小程序管理员拒绝（89506）：{IP_WHITELIST_STEP}",
    89507: f"本服务器的 IP 已被小程序管理员拒绝（89507）：{IP_WHITELIST_STEP}",
}


class WeChatMisconfigured(WeChatUnavailable):
    """WeChat refused our appid, secret or server address (``CONFIG_ERRCODES``): nothing was decided, and
    nothing will be until an operator corrects the settings. A kind of :class:`WeChatUnavailable`, so that
    every caller waits and retries (nothing is given up, no text is sent to manual review for it)."""

    def __init__(self, errcode, errmsg=""):
        self.errcode = errcode
        self.errmsg = errmsg
        self.message = CONFIG_ERRCODES[errcode]
        super().__init__(f"WeChat errcode {errcode}: {errmsg}")


class WeChatClient:
    def __init__(self, base_url, appid, secret, token_store, timeout=5.0, session=None,
                 local_token_seconds=LOCAL_TOKEN_SECONDS, credential_status=None):
        self.base_url = base_url.rstrip("/")
        self.appid = appid
        self.secret = secret
        self.token_store = token_store
        self.timeout = timeout
        self.local_token_seconds = local_token_seconds
        # Told of every answer to the appid and secret: ``ok()`` or ``misconfigured(error)`` (see status.py).
        self.credential_status = credential_status
        self._local_token = (None, 0.0)  # (token, monotonic time until which it is reused)
        self.http = session or requests.Session()
        # Proxy settings come from the environment once, here: with trust_env, requests would look up
        # the proxy variables and ~/.netrc again on every call.
        self.http.proxies.update(requests.utils.get_environ_proxies(self.base_url))
        self.http.trust_env = False

    # --- transport -------------------------------------------------------------------------

    def _request(self, method, path, *, params=None, json=None, raw=False):
        """One call, answered within ``self.timeout`` in all: ``requests``' timeout bounds each socket read,
        not the answer, so an answer trickling in (a slow WeChat or egress proxy) would hold the worker for as
        long as it trickles. The body is read as it comes, each read given what is left of the time."""
        deadline = time.monotonic() + self.timeout
        try:
            response = self.http.request(
                method, self.base_url + path, params=params, json=json, timeout=self.timeout, stream=True
            )
            try:
                if response.status_code >= 500:
                    raise WeChatUnavailable(f"{path}: HTTP {response.status_code}")
                content = _read_by(response, deadline, path)
            except BaseException:
                response.close()  # the connection with it: the rest of the answer may still come
                raise
            response.raw.release_conn()  # read to its end: the connection is kept for the next call
        except (requests.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException, OSError) as exc:
            # Only the class name: the exception's text holds the URL, with the secret or token in it.
            raise WeChatUnavailable(f"{path}: {exc.__class__.__name__}") from None
        if raw and _is_image(response.headers, content):
            return content
        try:
            body = jsonlib.loads(content)
        except ValueError:
            raise WeChatUnavailable(f"{path}: answer is not JSON (HTTP {response.status_code})") from None
        if not isinstance(body, dict):
            raise WeChatUnavailable(f"{path}: answer is not a JSON object")
        errcode = body.get("errcode", 0)
        if errcode in BUSY_ERRCODES:
            raise WeChatUnavailable(f"{path}: busy ({errcode})")
        if errcode:
            raise WeChatError(errcode, body.get("errmsg", ""))
        if raw:
            raise WeChatUnavailable(f"{path}: expected an image, got JSON without an error")
        return body

    def _with_token(self, method, path, *, json=None, raw=False):
        """Call an endpoint that needs the access token; a stale token is refreshed once."""
        token = self.access_token()
        try:
            return self._request(method, path, params={"access_token": token}, json=json, raw=raw)
        except WeChatError as exc:
            if exc.errcode not in TOKEN_ERRCODES:
                raise
            log.info("access token rejected (%s); refreshing", exc.errcode)
            token = self.access_token(stale=token)
            return self._request(method, path, params={"access_token": token}, json=json, raw=raw)

    # --- access token ------------------------------------------------------------------------

    def _credentials_request(self, method, path, **kwargs):
        """A request carrying the appid and secret: an answer of ``CONFIG_ERRCODES`` is WeChatMisconfigured,
        logged as an error for the operator; any other answer tells the status that they work."""
        try:
            body = self._request(method, path, **kwargs)
        except WeChatError as exc:
            if exc.errcode not in CONFIG_ERRCODES:
                if self.credential_status is not None:
                    self.credential_status.ok()
                raise
            error = WeChatMisconfigured(exc.errcode, exc.errmsg)
            log.error("%s（%s %s）", error.message, path, exc.errmsg)
            if self.credential_status is not None:
                self.credential_status.misconfigured(error)
            raise error from None
        if self.credential_status is not None:
            self.credential_status.ok()
        return body

    def fetch_stable_token(self, force_refresh=False):
        """``/cgi-bin/stable_token``: unlike the classic endpoint it does not invalidate other holders' tokens.

        Normal mode returns the current token (WeChat renews it 5 minutes before expiry). Forced
        mode invalidates the current token for everyone and is limited to 20 calls a day, 30 s apart.
        """
        body = self._credentials_request(
            "POST",
            "/cgi-bin/stable_token",
            json={
                "grant_type": "client_credential",
                "appid": self.appid,
                "secret": self.secret,
                "force_refresh": force_refresh,
            },
        )
        try:
            return body["access_token"], int(body["expires_in"])
        except (KeyError, TypeError, ValueError):
            raise WeChatUnavailable("/cgi-bin/stable_token: answer without a token") from None

    def _fetch_token(self, stale=None):
        """A token other than ``stale``: normal mode first; forced only if WeChat hands back ``stale``."""
        token, expires_in = self.fetch_stable_token()
        if stale is not None and token == stale:
            log.warning("WeChat handed back the access token it rejected; forcing a refresh")
            token, expires_in = self.fetch_stable_token(force_refresh=True)
        return token, expires_in

    @property
    def token_name(self):
        # Keyed by appid so that switching accounts (or fake → live) never reuses another's token.
        return f"wechat_access_token:{self.appid}"[:64]

    def access_token(self, stale=None):
        """The token shared by every worker; ``stale`` is one WeChat just rejected."""
        token, until = self._local_token
        if token is not None and token != stale and time.monotonic() < until:
            return token
        token = self.token_store.get(self.token_name, lambda: self._fetch_token(stale), stale=stale)
        self._local_token = (token, time.monotonic() + self.local_token_seconds)
        return token

    # --- the calls the product makes -------------------------------------------------------------

    def code2session(self, js_code):
        """``wx.login`` code → ``{"openid", "session_key", "unionid"?}``. Each code works once."""
        body = self._credentials_request(
            "GET",
            "/sns/jscode2session",
            params={
                "appid": self.appid,
                "secret": self.secret,
                "js_code": js_code,
                "grant_type": "authorization_code",
            },
        )
        if not isinstance(body.get("openid"), str) or not body["openid"]:
            raise WeChatMalformed("/sns/jscode2session: answer without an openid")
        return body

    def phone_number(self, code):
        """The phone-number button's one-time code → the user's mobile number (no country code)."""
        body = self._with_token("POST", "/wxa/business/getuserphonenumber", json={"code": code})
        info = body.get("phone_info")
        phone = info.get("purePhoneNumber") if isinstance(info, dict) else None
        if not isinstance(phone, str) or not phone.isascii() or not phone.isdigit():
            raise WeChatMalformed("/wxa/business/getuserphonenumber: answer without a phone number")
        return phone

    def msg_sec_check(self, openid, content, scene=2):
        """Text screening (v2). Returns WeChat's ``suggest``: ``pass``, ``review`` or ``risky``."""
        body = self._with_token(
            "POST",
            "/wxa/msg_sec_check",
            json={"content": content, "version": 2, "scene": scene, "openid": openid},
        )
        result = body.get("result")
        suggest = result.get("suggest") if isinstance(result, dict) else None
        if suggest not in SCREENING_SUGGESTS:
            raise WeChatMalformed("/wxa/msg_sec_check: answer without a verdict")
        return suggest

    def media_check_async(self, openid, media_url, scene=2):
        """Image screening (mediaCheckAsync v2): WeChat fetches ``media_url`` itself and pushes the
        verdict to the mini-program's message-push URL later. Returns the ``trace_id`` that push carries."""
        body = self._with_token(
            "POST",
            "/wxa/media_check_async",
            json={"media_url": media_url, "media_type": 2, "version": 2, "scene": scene, "openid": openid},
        )
        trace_id = body.get("trace_id")
        if not isinstance(trace_id, str) or not trace_id:
            raise WeChatMalformed("/wxa/media_check_async: answer without a trace_id")
        return trace_id

    def send_subscribe_message(self, openid, template_id, data, page=None):
        """One subscribe message; raises WeChatError(43101) when the user did not consent."""
        payload = {
            "touser": openid,
            "template_id": template_id,
            "data": {key: {"value": value} for key, value in data.items()},
        }
        if page:
            payload["page"] = page
        self._with_token("POST", "/cgi-bin/message/subscribe/send", json=payload)

    def wxacode_unlimit(self, scene, page=None, width=430):
        """A mini-program code image (PNG bytes); ``scene`` is at most 32 characters."""
        if len(scene) > 32:
            raise ValueError("scene is limited to 32 characters")
        payload = {"scene": scene, "width": width, "check_path": False}
        if page:
            payload["page"] = page
        return self._with_token("POST", "/wxa/getwxacodeunlimit", json=payload, raw=True)


_IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF8")


def _is_image(headers, content):
    """WeChat answers image endpoints with the image, or with a JSON error (whatever the Content-Type)."""
    if headers.get("Content-Type", "").startswith("image/"):
        return True
    return content.startswith(_IMAGE_SIGNATURES)


def _read_by(response, deadline, path):
    """The body of a streamed ``response``, read by ``deadline`` (``time.monotonic()``): each socket read
    waits at most the time left (urllib3's ``read1``: one read at a time; the connection's socket timeout
    set before each), and WeChatUnavailable once it is gone, however the answer trickles."""
    raw = response.raw
    connection = getattr(raw, "connection", None)
    sock = getattr(connection, "sock", None)
    chunks, size = [], 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise WeChatUnavailable(f"{path}: answer not complete within the timeout")
        if sock is not None:
            sock.settimeout(left)
        chunk = raw.read1(64 * 1024, decode_content=True)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise WeChatUnavailable(f"{path}: answer too large")
