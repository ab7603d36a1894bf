"""Rate limits for citizens: filing from a phone browser, and reading other citizens' open items.

Other citizens' open items are shown, redacted, where one could file the same problem twice (the
duplicates nearby, an item to follow instead): enough for that, and limited per citizen
(``NEARBY_RATE_LIMIT``, ``FOLLOW_RATE_LIMIT``) so that they cannot be read wholesale, id after id.

Filing from a phone browser has no WeChat account behind the user.

A WeChat citizen is one real account; a browser identity costs nothing to make, so creating one is
limited per address, and filing through one is limited per identity and, more loosely, per address:
one address is often many people — a station's Wi-Fi on a reception day, a carrier's NAT in front of a
whole district's phones — so its limit only stops a flood, while each person is held to their own.
The limits are configuration (``WEB_IDENTITY_RATE_LIMIT``, ``WEB_FILING_RATE_LIMIT``,
``WEB_FILING_ADDRESS_RATE_LIMIT``; environment or app config).

Opinions on a draft regulation are counted apart (``WEB_OPINION_RATE_LIMIT``,
``WEB_OPINION_ADDRESS_RATE_LIMIT``): the draft's page offers 对第N条提意见 under every article, and a resident
working through a sixty-article draft gives an opinion on many of them in one sitting, far more than the
suggestions, appointments and proposals a person files in an hour; at a 座谈会 on a station's Wi-Fi the
whole room shares the address.

A WeChat user is one real account, yet one account is enough to flood a station's queue: their filings
are held to a loose ``WECHAT_FILING_RATE_LIMIT`` (20 an hour, 50 a day). Photos are limited for everyone,
per user (``UPLOAD_RATE_LIMIT``) and per address (``UPLOAD_ADDRESS_RATE_LIMIT``): decoding one costs far
more than any other request.

Every 429 says when to try again: the ``Retry-After`` header and 操作过于频繁，请 N 分钟后再试。
(``retry_message``, used by errors.http_exception_response), or a limit's own sentence with its time to wait
(a limit's ``error_message`` holding ``{wait}``: a new identity's, ``IDENTITY_LIMITED``).
"""
import math
import time
import os
from functools import wraps

from flask import current_app
from flask_limiter.util import get_remote_address

from ..auth.scope import current_caller
from ..extensions import limiter

DEFAULTS = {
    "WEB_IDENTITY_RATE_LIMIT": "100 per hour",  # new browser identities per address
    # new browser identities per address asked for by an open 述职测评's page: a meeting of several hundred voters
    # behind the hall's Wi-Fi or one carrier's NAT, all in its first minutes
    "WEB_POLL_IDENTITY_RATE_LIMIT": "1000 per hour",
    "WEB_FILING_RATE_LIMIT": "10 per hour",  # filings per browser identity
    "WEB_FILING_ADDRESS_RATE_LIMIT": "100 per hour",  # filings per address, by everyone behind it
    "WEB_OPINION_RATE_LIMIT": "60 per hour",  # opinions on drafts per browser identity (article by article)
    "WEB_OPINION_ADDRESS_RATE_LIMIT": "600 per hour",  # opinions per address (a 座谈会 on the station's Wi-Fi)
    "NEARBY_RATE_LIMIT": "120 per hour",  # asking for duplicates nearby, per citizen (each pin moved, each category)
    "FOLLOW_RATE_LIMIT": "30 per day",  # items followed, per citizen
    # filings by a signed-in WeChat user (one real account, so loose: only a flood of a station is stopped)
    "WECHAT_FILING_RATE_LIMIT": "20 per hour;50 per day",
    "UPLOAD_RATE_LIMIT": "60 per hour;200 per day",  # photos uploaded per user (nine to a suggestion)
    "UPLOAD_ADDRESS_RATE_LIMIT": "600 per hour",  # photos uploaded per address, by everyone behind it
    # a printed code's image (GET /qr/{code}/image.png, no sign-in), per address: a phone shows a code or two; the
    # console draws its own (posters, their zip, the check-in screen) and is not held to this
    "QR_IMAGE_RATE_LIMIT": "60 per minute;600 per hour",
}


def configured(name):
    """A limit string read at request time, so tests and operators can change it without a restart."""
    return lambda: current_app.config.get(name) or os.environ.get(name) or DEFAULTS[name]


def is_web_citizen(user):
    return user is not None and user.web_id is not None and not user.openid


def _identity_key():
    user = current_caller()
    return f"web-citizen:{user.id}" if user is not None else get_remote_address()


def _user_key():
    user = current_caller()
    return f"user:{user.id}" if user is not None else get_remote_address()


def per_citizen(name):
    """Decorate an endpoint with the configured limit ``name``, counted per signed-in user."""
    return limiter.limit(configured(name), key_func=_user_key, scope=name.lower())


def _created(response):
    """What was filed counts, and so does a filing refused for who files it (403: a deputy at their own code);
    a form sent back with a mistake (422 and the like) does not use up the quota."""
    return response.status_code in (201, 403)


def _web_limits(identity_limit, address_limit, scope, wechat_limit=None):
    """A decorator: ``identity_limit`` per browser identity and ``address_limit`` per address, counted
    for what was created or refused for who asked (``_created``).

    Other callers (WeChat users) are held only to ``wechat_limit`` per user when one is given, and are
    otherwise exempt: their requests skip flask-limiter altogether (resolving the limits only to find
    them exempt was a tenth of a filing). Over the limit the answer is the contract's 429
    ``rate_limited``, saying when to try again."""
    def decorate(view):
        per_identity = limiter.limit(configured(identity_limit), key_func=_identity_key, deduct_when=_created,
                                     scope=f"{scope}-identity")
        per_address = limiter.limit(configured(address_limit), key_func=get_remote_address,
                                    deduct_when=_created, scope=f"{scope}-address")
        limited = per_address(per_identity(view))
        other = view
        if wechat_limit is not None:
            # flask-limiter files a decorator's limits under the decorated function's name and checks them all
            # whichever wrapper runs: the WeChat branch's limit goes on a function of its own name.
            def wechat_view(*args, **kwargs):
                return view(*args, **kwargs)

            wechat_view.__module__ = view.__module__
            wechat_view.__name__ = wechat_view.__qualname__ = f"{view.__name__}_as_wechat_user"
            other = limiter.limit(configured(wechat_limit), key_func=_user_key, deduct_when=_created,
                                  scope=f"{scope}-wechat")(wechat_view)

        @wraps(view)
        def wrapped(*args, **kwargs):
            caller = current_caller()
            if is_web_citizen(caller):
                return limited(*args, **kwargs)
            return other(*args, **kwargs) if caller is not None else view(*args, **kwargs)

        return wrapped

    return decorate


# Filing a suggestion, an appointment, a livelihood proposal: WEB_FILING_RATE_LIMIT / _ADDRESS_RATE_LIMIT
# from a browser, WECHAT_FILING_RATE_LIMIT per WeChat user.
web_filing_limits = _web_limits("WEB_FILING_RATE_LIMIT", "WEB_FILING_ADDRESS_RATE_LIMIT", "web-filing",
                                wechat_limit="WECHAT_FILING_RATE_LIMIT")
# An opinion on a draft regulation: WEB_OPINION_RATE_LIMIT / _ADDRESS_RATE_LIMIT.
web_opinion_limits = _web_limits("WEB_OPINION_RATE_LIMIT", "WEB_OPINION_ADDRESS_RATE_LIMIT", "web-opinion")


def upload_limits(view):
    """Photos uploaded: UPLOAD_RATE_LIMIT per user and UPLOAD_ADDRESS_RATE_LIMIT per address, every attempt
    counted (a refused image cost its decoding too)."""
    per_user = limiter.limit(configured("UPLOAD_RATE_LIMIT"), key_func=_user_key, scope="upload-user")
    per_address = limiter.limit(configured("UPLOAD_ADDRESS_RATE_LIMIT"), key_func=get_remote_address,
                                scope="upload-address")
    return per_address(per_user(view))


def qr_image_limits(view):
    """A code's public image: QR_IMAGE_RATE_LIMIT per address, every request counted (drawing one is costly;
    a kept one still reads its code)."""
    return limiter.limit(configured("QR_IMAGE_RATE_LIMIT"), key_func=get_remote_address, scope="qr-image")(view)


def seconds_to_wait():
    """How long until the limit this request broke lets it through again, in whole seconds, or None."""
    current = limiter.current_limit if limiter.initialized else None
    if current is None or not current.breached:
        return None
    return max(1, math.ceil(current.reset_at - time.time()))


RETRY_SENTENCE = "操作过于频繁，请{wait}后再试。"
# A new browser identity refused by the per-address limit (POST /auth/web): the address is shared, and the person
# is told what else works. The web pages word it so too (static/web/common.js, MESSAGES.identity_limited).
IDENTITY_LIMITED = "当前网络下使用的人较多，暂时无法为本机登记身份。请{wait}后重试，或改用手机流量扫码，也可在微信中扫码提交。"
# The same from an open 述职测评's page, past its larger limit (static/web/report-poll.js words it so).
POLL_IDENTITY_LIMITED = "本场参加测评的人数较多，暂时无法为本机登记测评身份。请{wait}后重试，或改用手机流量扫码，也可联系会场工作人员。"


def retry_message(seconds, sentence=RETRY_SENTENCE):
    """``sentence`` (a limit's own, given as its ``error_message``) saying when to try again: 请 N 分钟后再试
    (N hours past two hours: a per-day limit); with no time known (``seconds`` None), 请稍后再试."""
    if seconds is None:
        return sentence.format(wait="稍")
    minutes = max(1, round(seconds / 60))  # the nearest minute: the window ends on a whole second
    if minutes > 120:
        return sentence.format(wait=f" {math.ceil(minutes / 60)} 小时")
    return sentence.format(wait=f" {minutes} 分钟")
