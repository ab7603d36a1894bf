"""Limits on signing in with a password, the console's form and ``POST /auth/login`` alike, and on an
administrator's own password change, which tries the current password as a sign-in does.

Per address (``LOGIN_RATE_LIMIT``): one machine guessing. Failed sign-ins per account name and address
(``LOGIN_ACCOUNT_RATE_LIMIT``): one machine guessing one administrator's password slowly; that address
then waits out the window, even with the right password. Failed sign-ins per account name from
everywhere (``LOGIN_ACCOUNT_TOTAL_RATE_LIMIT``): many machines guessing one password, each under its own
address's limits. Whoever knows an administrator's name could use the last to hold its owner out, so it
refuses the name from new addresses only: an address the account signed in from within
``KNOWN_ADDRESS_DAYS`` (in the 操作日志: its office, its home) is not counted by it nor refused by it,
only by the first two. Signing in successfully costs nothing. The account names are kept in the
limiter's storage as digests: a name tried may be a password typed into the wrong field.

A sign-in any of these limits refuses never reaches the sign-in code, so the refusal is logged here (登录受限,
``services.sign_in_limited``), but not each one: a guesser past the limit may send thousands a minute.
At most one row per limit's window (its length, counted from the first refusal, in the limiter's own
storage: Redis when set, shared by the app servers), for the address when the per-address limit refused
(whatever names it then tries: a fresh name each time would otherwise be a fresh row), and for the
address and the account name when a per-name limit did (many machines guessing one name: a row for
each machine, each of which first had its failures logged one by one). An own password change the limit
refuses (wrong current passwords) is 登录受限 too, under the signed-in account, once per window.
"""
import hashlib
from datetime import timedelta

from flask import current_app, g, request
from sqlalchemy import exists, select
from sqlalchemy.exc import SQLAlchemyError

from ..audit.models import AuditEvent
from ..db_types import utcnow
from ..extensions import db, limiter
from . import services
from .models import User
from .scope import current_user

PER_ADDRESS = "同一地址登录尝试过于频繁"
PER_ACCOUNT_ADDRESS = "该账号在此地址登录失败次数过多"
PER_ACCOUNT = "该账号登录失败次数过多"
OWN_PASSWORD = "修改密码时当前密码输错次数过多"
KNOWN_ADDRESS_DAYS = 90
KNOWN = "mashangban.login_known_address"


def _typed_name():
    body = request.form if request.form else request.get_json(silent=True)
    name = body.get("username") if isinstance(body, dict) else None  # a form is a dict too
    return str(name or "").strip()[:64]


def _digest(name):
    # surrogatepass: a body's lone surrogate (\ud800) is a name too, refused later with the login's 422
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _account_key():
    return f"login-account:{_digest(_typed_name())}"


def _account_address_key():
    return f"login-account-address:{_digest(_typed_name())}:{request.remote_addr or '-'}"


def _known_address():
    """Whether the account the name tried names signed in from this address within KNOWN_ADDRESS_DAYS."""
    if KNOWN not in request.environ:  # asked before the view and again after it, by the same request
        name, address = _typed_name(), request.remote_addr or ""
        try:
            user_id = db.session.scalar(select(User.id).where(User.username == name)) if name.isprintable() else None
            known = user_id is not None and bool(address) and db.session.scalar(select(exists().where(
                AuditEvent.actor_user_id == user_id, AuditEvent.action == "login_succeeded",
                AuditEvent.client_address == address[:64],
                AuditEvent.at >= utcnow() - timedelta(days=KNOWN_ADDRESS_DAYS))))
        except SQLAlchemyError:  # the log unreadable: a new address, and the limits answer as ever
            db.session.rollback()
            known = False
        request.environ[KNOWN] = known
    return request.environ[KNOWN]


def _log_refusal(reason):
    """The limit's on_breach: 登录受限, once per window (module docstring); the 429 is answered as before."""

    def on_breach(refused):
        name = _typed_name()
        once = type(refused.limit)(1, refused.limit.multiples)  # "1 per" the breached limit's window
        address = request.remote_addr or "-"
        if refused.limiter.hit(once, "login-limited-logged", reason, address,
                               _digest(name) if reason != PER_ADDRESS else "-"):
            services.sign_in_limited(name, reason)

    return on_breach


def _failed(response):
    return response.status_code == 401


def sign_in_limits(view):
    per_address = limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"],
                                on_breach=_log_refusal(PER_ADDRESS))
    # Shared: the console's failures and the API's count against one quota per name (and address).
    per_account_address = limiter.shared_limit(
        lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], "login-account-address", methods=["POST"],
        key_func=_account_address_key, deduct_when=_failed, on_breach=_log_refusal(PER_ACCOUNT_ADDRESS))
    per_account = limiter.shared_limit(
        lambda: current_app.config["LOGIN_ACCOUNT_TOTAL_RATE_LIMIT"], "login-account", methods=["POST"],
        key_func=_account_key, deduct_when=_failed, exempt_when=_known_address, on_breach=_log_refusal(PER_ACCOUNT))
    return per_address(per_account_address(per_account(view)))


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
