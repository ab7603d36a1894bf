"""WeChat reminders for console accounts.

A station administrator signs in to the console with a password: the account has no openid, so
WeChat cannot reach it. In the console they ask for a one-time code (a mini-program code to scan,
and the same code as text to type); opening it in the mini-program links their WeChat user to the
account, and from then on the account's reminders are sent to that user (``recipient``).
"""
from datetime import timedelta

from sqlalchemy import delete, select, update

from ..db_types import conflict_insert, utcnow
from ..errors import APIError, validation_failed
from ..extensions import db
from ..notifications.handover import hand_over_account
from ..one_time_codes import digest as _digest, new as _new_code
from .models import User, WeChatLinkCode

CODE_LIFETIME = timedelta(minutes=10)
# The mini-program page a link code opens; its scene is the code (at most 32 characters).
LINK_PAGE = "pages/link/link"
CODE_LENGTH = 12  # 60 bits, alive for ten minutes


def recipient(user):
    """Who receives ``user``'s WeChat messages: the user, or the WeChat user linked to a console account."""
    if user is None or user.openid or getattr(user, "notify_user_id", None) is None:
        return user
    return user.notify_user


def new_code(account):
    """A fresh one-time code for ``account``; any earlier code of theirs stops working."""
    code = _new_code(CODE_LENGTH)
    values = dict(user_id=account.id, code_hash=_digest(code), expires_dt=utcnow() + CODE_LIFETIME,
                  used_by_id=None, used_dt=None)
    statement = conflict_insert(WeChatLinkCode, db.session.get_bind()).values(**values)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["user_id"], set_={key: value for key, value in values.items() if key != "user_id"}))
    return code


def link(wechat_user, code):
    """Link ``wechat_user`` to the account that issued ``code``; returns that account.

    Sending the same code again from the same WeChat user (a retry) answers the same; a code used
    by someone else, expired, replaced or unknown is refused and changes nothing.
    """
    if not wechat_user.openid:
        raise APIError(403, "forbidden", "请在微信小程序中扫描管理后台显示的绑定码。")
    digest, now = _digest(code), utcnow()
    # Claimed in one conditional UPDATE: of two users sending one code at once, exactly one gets it.
    claimed = db.session.execute(
        update(WeChatLinkCode)
        .where(WeChatLinkCode.code_hash == digest, WeChatLinkCode.used_by_id.is_(None), WeChatLinkCode.expires_dt > now)
        .values(used_by_id=wechat_user.id, used_dt=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    row = db.session.scalar(select(WeChatLinkCode).where(WeChatLinkCode.code_hash == digest))
    if row is None or row.used_by_id != wechat_user.id:
        raise validation_failed({"code": ["绑定码无效或已过期，请在管理后台重新生成。"]}, "绑定码无效或已过期。")
    account = db.session.get(User, row.user_id)
    if claimed:
        # The account's notices in 消息中心 move along: from the WeChat user it linked before, or, unlinked
        # since, from the account itself, where ``unlink`` left them.
        previous = account.notify_user_id or account.id
        account.notify_user_id = wechat_user.id
        db.session.flush()
        if previous != wechat_user.id:
            hand_over_account(account.id, previous, wechat_user.id)
    return account


def unlink(account):
    """The account's reminders reach no WeChat user any more; the notices the unlinked user was sent for it
    leave that user's 消息中心 for the account itself, until the account links a WeChat user again (``link``
    hands them over then, as it does from a user it links in place of another). One not sent yet is sent to
    nobody (``outbox.deliver_due``: the account has no openid)."""
    if account.notify_user_id is not None:
        hand_over_account(account.id, account.notify_user_id, account.id)
    account.notify_user_id = None
    db.session.execute(delete(WeChatLinkCode).where(WeChatLinkCode.user_id == account.id))
    db.session.flush()
