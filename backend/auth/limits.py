"""Limits on signing in with a password, the console's form and ``POST /auth/login`` alike, and on an
administrator's own password change, which tries the current password as a sign-in does.

Per address (``LOGIN_RATE_LIMIT``): one machine guessing. Per account name, counting failures only
(``LOGIN_ACCOUNT_RATE_LIMIT``): many machines guessing one administrator's password, each under its own
address's limit. The price of the second is that someone who knows a name can hold its owner out for the
rest of the window; the window is short, and signing in successfully costs nothing.
"""
from flask import current_app, g, request

from ..extensions import limiter
from .scope import current_user


def _account_key():
    body = request.form if request.form else request.get_json(silent=True)
    name = body.get("username") if isinstance(body, dict) else None  # a form is a dict too
    return f"login-account:{str(name or '').strip()[:64]}"


def _failed(response):
    return response.status_code == 401


def sign_in_limits(view):
    per_address = limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
    # Shared: the console's failures and the API's count against one quota per name.
    per_account = limiter.shared_limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], "login-account",
                                       methods=["POST"], key_func=_account_key, deduct_when=_failed)
    return per_address(per_account(view))


def _own_account_key():
    user = g.get("user") if request.blueprint == "console" else current_user()
    return f"own-password:{user.id}"


def _refused(response):
    return response.status_code == 422


def own_password_limits(view):
    """Refused changes of one's own password (a wrong current password above all) count against the
    account as failed sign-ins do (LOGIN_ACCOUNT_RATE_LIMIT): a token or a console left open is not a way
    to guess the password, which would outlive them. Apply inside the decorator that signs the caller in."""
    return limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], scope="own-password",
                         methods=["POST"], key_func=_own_account_key, deduct_when=_refused)(view)
