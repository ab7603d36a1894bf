"""Signing in: WeChat citizens, deputies proving themselves by phone, administrators by password,
and citizens in a phone browser outside WeChat (an anonymous identity their browser keeps)."""
import functools
import hashlib
import secrets
from concurrent.futures import ThreadPoolExecutor

from flask import current_app
from sqlalchemy import delete, exists, func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit.log import record, record_apart
from ..db_types import utcnow
from ..errors import APIError, conflict, validation_failed
from ..extensions import db
from ..notifications.handover import give_held, hand_over_deputy, hold_for_deputy
from ..org.models import Deputy
from ..wechat import WeChatError, get_client
from ..wechat.client import INVALID_CODE_ERRCODES
from .models import DeputyUnboundUser, User
from .passwords import password_problem


USERNAME_TAKEN = "该用户名已存在。"
ACCOUNT_DISABLED = "该账号已停用，无法登录。如需继续使用，请联系上级管理员启用。"
UNBOUND_BY_ADMIN = "该微信已被管理员解除与此代表的绑定，如需重新绑定请联系联络站管理员。"


def _password_hash(password, generated=False):
    """``password`` hashed for keeping; ``generated``: a random initial password (INITIAL_PASSWORD_HASH_METHOD)."""
    setting = "INITIAL_PASSWORD_HASH_METHOD" if generated else "PASSWORD_HASH_METHOD"
    return generate_password_hash(password, method=current_app.config[setting])


# Threads hashing an import's generated passwords (about 5 ms of CPU each): hashlib's PBKDF2 releases the
# GIL, so a city's 1,400 take half as long where two cores are free (on a saturated machine, nothing is
# gained); two only, beside the server's own worker threads.
INITIAL_HASH_THREADS = 2
_HASH_POOL_FROM = 50  # fewer passwords are hashed in the request's own thread


def initial_password_hashes(passwords):
    """``_password_hash(p, generated=True)`` of each of many generated initial passwords (an import's), in
    order."""
    hashed = functools.partial(generate_password_hash, method=current_app.config["INITIAL_PASSWORD_HASH_METHOD"])
    if len(passwords) < _HASH_POOL_FROM:
        return [hashed(password) for password in passwords]
    with ThreadPoolExecutor(max_workers=INITIAL_HASH_THREADS, thread_name_prefix="initial-hash") as pool:
        return list(pool.map(hashed, passwords))


@functools.cache
def _dummy_hash(method):
    """Compared against when the username is unknown, so that a miss costs as long as a hit."""
    return generate_password_hash("not-a-real-password", method=method)


def login_with_wechat(js_code) -> User:
    """``wx.login`` code → the user with that openid, created on first login as a citizen."""
    try:
        session = get_client().code2session(js_code)
    except WeChatError as exc:
        if exc.errcode in INVALID_CODE_ERRCODES:
            raise APIError(401, "unauthorized", "微信登录凭证无效或已过期，请重新进入小程序。") from exc
        raise
    openid = session["openid"]
    user = db.session.scalar(select(User).where(User.openid == openid))
    if user is None:
        try:
            with db.session.begin_nested():
                user = User(openid=openid)
                db.session.add(user)
        except IntegrityError:
            # The same first login sent at once from elsewhere (two devices) created the user a moment ago.
            user = db.session.scalar(select(User).where(User.openid == openid))
    user.last_login_dt = utcnow()
    db.session.flush()
    return user


def bind_phone(user, phone_code) -> User:
    """Record the user's WeChat-verified phone; if it is an active deputy's, the user becomes that deputy."""
    try:
        phone = get_client().phone_number(phone_code)
    except WeChatError as exc:
        if exc.errcode in INVALID_CODE_ERRCODES:
            raise validation_failed({"code": ["手机号授权已失效，请重新点击按钮授权。"]}, "手机号验证失败，请重新授权。") from exc
        raise
    user.phone = phone
    deputy = db.session.scalar(select(Deputy).where(Deputy.phone == phone, Deputy.active.is_(True)))
    if deputy is not None and user.deputy_id != deputy.id:
        if _unbound_by_admin(user, deputy.id):
            # An administrator unbound this very WeChat user from the deputy (解除绑定): the number it still
            # proves does not undo that, until an administrator allows it again.
            raise APIError(403, "forbidden", UNBOUND_BY_ADMIN)
        # The phone proves identity: a deputy who changes WeChat account moves their binding along.
        previous = db.session.scalar(select(User).where(User.deputy_id == deputy.id))
        if previous is not None:
            previous.deputy_id = None
            db.session.flush()
        if user.deputy_id is not None:
            # This WeChat was another deputy until now (a clerk's or a family's phone that bound one deputy,
            # then another): that deputy's notices leave it, held for whoever proves their number next, as
            # when they are unbound (``unbind_deputy``). Held before anything is handed to this user.
            hold_for_deputy(user.id, user.deputy_id)
        user.deputy = deputy
        if previous is not None:  # and the deputy's notices in 消息中心 (the old account's own stay)
            hand_over_deputy(previous.id, user.id, deputy.id)
        give_held(deputy.id, user.id)  # and those held since the deputy was unbound, if they were
        # and the photos on the reports of the teams they lead, whichever account uploaded them
        from ..research.access import hand_report_photos
        hand_report_photos(deputy.id, user.id)
    db.session.flush()
    return user


def unbind_deputy(deputy, always=False):
    """The WeChat user bound as ``deputy`` is no longer, unless it proved the deputy's phone as it now is: the
    phone that proved the binding was corrected or cleared (``org.services.update_deputy``), and the old
    number may belong to someone else; ``always``: an administrator's 解除绑定, whatever the phone. Their
    notices as the deputy leave them, held for the deputy, those not sent yet sent to nobody
    (``hold_for_deputy``); whoever proves the deputy's number next becomes the deputy and reads them
    (``bind_phone``). After an administrator's 解除绑定 that is anyone but the unbound user, who may not
    bind itself again (``DeputyUnboundUser``) until ``allow_rebinding``. Returns the unbound user, or None."""
    user = db.session.scalar(select(User).where(User.deputy_id == deputy.id))
    if user is None or (not always and deputy.phone is not None and user.phone == deputy.phone):
        return None
    user.deputy_id = None
    if always and db.session.get(DeputyUnboundUser, (deputy.id, user.id)) is None:
        db.session.add(DeputyUnboundUser(deputy_id=deputy.id, user_id=user.id, openid_sha256=_openid_sha256(user)))
    db.session.flush()
    hold_for_deputy(user.id, deputy.id)
    return user


def _openid_sha256(user):
    return hashlib.sha256(user.openid.encode()).hexdigest() if user.openid else None


def _unbound_by_admin(user, deputy_id):
    """Whether an administrator unbound ``user`` (or, before a 注销, the same WeChat openid) from the deputy."""
    same = DeputyUnboundUser.user_id == user.id
    if user.openid:
        same = same | (DeputyUnboundUser.openid_sha256 == _openid_sha256(user))
    return db.session.scalar(select(exists().where(DeputyUnboundUser.deputy_id == deputy_id, same)))


def unbound_users_count(deputy_id):
    """How many WeChat users an administrator unbound from the deputy and may not bind themselves again."""
    return db.session.scalar(select(func.count()).select_from(DeputyUnboundUser).where(
        DeputyUnboundUser.deputy_id == deputy_id))


def allow_rebinding(deputy_id):
    """允许重新绑定 (or the deputy's phone corrected): the WeChat users an administrator unbound from the
    deputy may prove the deputy's number again. Returns how many were refused until now."""
    return db.session.execute(delete(DeputyUnboundUser).where(DeputyUnboundUser.deputy_id == deputy_id)).rowcount


def login_with_password(username, password) -> User:
    # A name no account can have (a NUL, which PostgreSQL refuses to compare) is simply not found.
    user = db.session.scalar(select(User).where(User.username == username)) if username.isprintable() else None
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if user and user.password_hash:
        valid = check_password_hash(user.password_hash, password)
        if user.password_hash.split("$", 1)[0] == current_app.config["INITIAL_PASSWORD_HASH_METHOD"]:
            # An imported account's generated initial password has a cheap hash: a sign-in to it costs as
            # long as any other, so that timing does not tell which accounts have not signed in yet.
            check_password_hash(_dummy_hash(method), password)
    else:
        valid = check_password_hash(_dummy_hash(method), password)
    if user is None or not user.password_hash or not valid or not user.is_admin:
        _sign_in_failed(username, user, "用户名或密码错误")
        raise APIError(401, "unauthorized", "用户名或密码错误。")
    if user.disabled_dt is not None:  # said only to whoever knows the password
        _sign_in_failed(username, user, "账号已停用")
        raise APIError(403, "account_disabled", ACCOUNT_DISABLED)
    user.last_login_dt = utcnow()
    record("login_succeeded", user, _account(user))
    db.session.flush()
    return user


def _account(user):
    return ("user", user.id, user.display_name or user.username or "")


def _sign_in_failed(username, user, reason, action="login_failed"):
    """登录失败, kept although the request is refused: the name tried, under the administrator account it
    names (an unknown name, or a user who is no administrator, has none), whoever typed it. A name that is
    no account's is kept masked (``_masked_name``): it is often the password, typed into the wrong field."""
    account = user if user is not None and user.is_admin else None
    tried = "".join(c for c in username if c.isprintable())[:64]
    if user is None:
        tried = _masked_name(tried)
    record_apart(action, account, _account(account) if account is not None else None,
                 detail={"username": tried, "reason": reason}, tried=tried)


def _masked_name(name):
    """A name tried that names no account, as the 操作日志 keeps it: its first character and its length
    (a typo of a colleague's name, a probe of "admin" and a guesser's run still tell apart), never the
    rest, which may be a password."""
    return name[:1] + "*" * (len(name) - 1)


def sign_in_limited(username, reason):
    """登录受限: a sign-in the rate limits refused before it was tried (auth/limits.py, which keeps this to
    one a window), logged as a failed one is, under the account the name tried names, if any."""
    user = db.session.scalar(select(User).where(User.username == username)) if username.isprintable() else None
    _sign_in_failed(username, user, reason, "login_limited")


def sign_out(user):
    """退出登录 in the console: every session and token of the account ends."""
    record("logout", user, _account(user))
    end_sessions(user)


def create_admin(username, password, region=None, display_name="", generated=False) -> User:
    """An administrator account; with ``region`` a region admin, else linked to stations later.
    ``generated``: ``password`` is a random initial one (see INITIAL_PASSWORD_HASH_METHOD)."""
    if _username_taken(username):
        raise conflict(USERNAME_TAKEN, field="username")
    user = User(username=username, password_hash=_password_hash(password, generated), admin_region=region,
                display_name=display_name or username)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request made the same name at the same instant and committed first (the unique
        # index let only one in): nothing of this one is kept, and it is told why.
        db.session.rollback()
        if _username_taken(username):
            raise conflict(USERNAME_TAKEN, field="username") from None
        raise
    return user


def _username_taken(username):
    return db.session.scalar(select(User.id).where(User.username == username)) is not None


def check_new_password(password, username, field="password"):
    """422 naming ``field`` unless ``password`` passes the policy for administrators' passwords (auth.passwords)."""
    if problem := password_problem(password, username or ""):
        raise validation_failed({field: [problem]}, problem)


def set_password(user, password, by_someone_else=False):
    """A new password for ``user``; ``by_someone_else`` (a reset by another administrator): changed at first sign-in."""
    user.password_hash = _password_hash(password)
    user.must_change_password = by_someone_else
    end_sessions(user)


def change_own_password(user, current, new):
    """An administrator's own new password, given the current one: every other session and token of
    theirs ends (the caller issues the one they are using anew)."""
    if not user.password_hash or not check_password_hash(user.password_hash, current):
        raise validation_failed({"current_password": ["当前密码不正确。"]}, "当前密码不正确。")
    if check_password_hash(user.password_hash, new):
        raise validation_failed({"new_password": ["新密码不能与当前密码相同。"]}, "新密码不能与当前密码相同。")
    check_new_password(new, user.username, "new_password")
    set_password(user, new)
    record("password_changed", user, _account(user))


def end_sessions(user):
    """Sign ``user`` out everywhere: every console session cookie and API token issued so far stops
    working. A console session is a signed cookie, not a server-side record: clearing it in one browser
    leaves any copy of it valid until it expires, unless the version it carries is no longer the user's."""
    user.token_version += 1
    db.session.flush()


# --- citizens in a phone browser (no WeChat, so no openid) ---------------------------------------

WEB_CITIZEN_NAME = "群众（手机浏览器）"
# what such a citizen was called before (kept in their account and in the 台账 of what they did then)
WEB_CITIZEN_NAMES = frozenset({WEB_CITIZEN_NAME, "网页群众"})


def _web_id(key):
    """What the database keeps of a browser's key: its SHA-256, so a leaked table cannot sign anyone in."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def login_with_web_key(key=None) -> tuple[User, str, bool]:
    """An anonymous citizen identity kept by one browser: ``(user, key, created)``.

    Without ``key`` a new citizen is created with a fresh random key, which the browser stores and
    later trades for a new token when the old one expires. An unknown key is refused (401) rather than
    adopted, so that nobody can pick a key for someone else's browser.
    """
    if key:
        user = db.session.scalar(select(User).where(User.web_id == _web_id(key)))
        if user is None:
            raise APIError(401, "unauthorized", "浏览器中保存的身份已失效，请重新提交。")
        created = False
    else:
        key = secrets.token_urlsafe(32)
        user = User(web_id=_web_id(key), display_name=WEB_CITIZEN_NAME)
        db.session.add(user)
        created = True
    user.last_login_dt = utcnow()
    db.session.flush()
    return user, key, created
