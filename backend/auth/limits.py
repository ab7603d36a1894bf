"""Limits on signing in with a password, the console's form and ``POST /auth/login`` alike.

Per address (``LOGIN_RATE_LIMIT``): one machine guessing. Per account name, counting failures only
(``LOGIN_ACCOUNT_RATE_LIMIT``): many machines guessing one administrator's password, each under its own
address's limit. The price of the second is that someone who knows a name can hold its owner out for the
rest of the window; the window is short, and signing in successfully costs nothing.
"""
from flask import current_app, request

from ..extensions import limiter


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
