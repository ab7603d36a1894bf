"""Limits on signing in with a password, the console's form and ``POST /auth/login`` alike, and on an
administrator's own password change, which tries the current password as a sign-in does.

Per address (``LOGIN_RATE_LIMIT``): one machine guessing. Per account name, counting failures only
(``LOGIN_ACCOUNT_RATE_LIMIT``): many machines guessing one administrator's password, each under its own
address's limit. The price of the second is that someone who knows a name can hold its owner out for the
rest of the window; the window is short, and signing in successfully costs nothing.

A sign-in either limit refuses never reaches the sign-in code, so the refusal is logged here (登录受限,
``services.sign_in_limited``), but not each one: a guesser past the limit may send thousands a minute.
At most one row per limit's window (its length, counted from the first refusal, in the limiter's own
storage: Redis when set, shared by the app servers), for the address when the per-address limit refused
(whatever names it then tries: a fresh name each time would otherwise be a fresh row), and for the
address and the account name when the per-name limit did (many machines guessing one name: a row for
each machine, each of which first had its failures logged one by one). An own password change the limit
refuses (wrong current passwords) is 登录受限 too, under the signed-in account, once per window.
"""
from flask import current_app, g, request

from ..extensions import limiter
from . import services
from .scope import current_user

PER_ADDRESS = "同一地址登录尝试过于频繁"
PER_ACCOUNT = "该账号登录失败次数过多"
OWN_PASSWORD = "修改密码时当前密码输错次数过多"


def _typed_name():
    body = request.form if request.form else request.get_json(silent=True)
    name = body.get("username") if isinstance(body, dict) else None  # a form is a dict too
    return str(name or "").strip()[:64]


def _account_key():
    return f"login-account:{_typed_name()}"


def _log_refusal(reason):
    """The limit's on_breach: 登录受限, once per window (module docstring); the 429 is answered as before."""

    def on_breach(refused):
        name = _typed_name()
        once = type(refused.limit)(1, refused.limit.multiples)  # "1 per" the breached limit's window
        address = request.remote_addr or "-"
        if refused.limiter.hit(once, "login-limited-logged", address, name if reason == PER_ACCOUNT else "-"):
            services.sign_in_limited(name, reason)

    return on_breach


def _failed(response):
    return response.status_code == 401


def sign_in_limits(view):
    per_address = limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"],
                                on_breach=_log_refusal(PER_ADDRESS))
    # Shared: the console's failures and the API's count against one quota per name.
    per_account = limiter.shared_limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], "login-account",
                                       methods=["POST"], key_func=_account_key, deduct_when=_failed,
                                       on_breach=_log_refusal(PER_ACCOUNT))
    return per_address(per_account(view))


def _own_account():
    return g.get("user") if request.blueprint == "console" else current_user()


def _own_account_key():
    return f"own-password:{_own_account().id}"


def _log_own_refusal(refused):
    """On_breach of the own-password limit: 登录受限 under the signed-in account, once per window."""
    user = _own_account()
    once = type(refused.limit)(1, refused.limit.multiples)
    if refused.limiter.hit(once, "own-password-limited-logged", str(user.id)):
        services.sign_in_limited(user.username or "", OWN_PASSWORD)


def _refused(response):
    return response.status_code == 422


def own_password_limits(view):
    """Refused changes of one's own password (a wrong current password above all) count against the
    account as failed sign-ins do (LOGIN_ACCOUNT_RATE_LIMIT): a token or a console left open is not a way
    to guess the password, which would outlive them. Apply inside the decorator that signs the caller in."""
    return limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], scope="own-password",
                         methods=["POST"], key_func=_own_account_key, deduct_when=_refused,
                         on_breach=_log_own_refusal)(view)
