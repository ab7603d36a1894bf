"""The transactional outbox: enqueue inside the change's transaction, deliver later with retries.

A failed send never rolls back the change that caused it, because the change and the message
are committed together and the send happens afterwards (``deliver_due``, run by the sweep).
A user's messages reach them in the order they were queued: one left for a later try holds back
that user's later ones (an item's 已答复 never arrives before its 已受理). Notices queued to many at
once (``BULK_TEMPLATES``) yield to all of them.
"""
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import JSON, and_, case, delete, func, literal, or_, select, text, true, update
from sqlalchemy.orm import aliased

from ..auth.models import User
from ..auth.wechat_link import recipient
from ..config import missing_templates
from ..db_types import CHINA, UTCDateTime, conflict_insert, utcnow
from ..extensions import db
from ..wechat import WeChatError, WeChatMisconfigured, WeChatUnavailable, get_client
from ..wechat.client import USER_REFUSED
from .handover import for_console_account
from .models import REFUSED_TEMPLATE_WAITING, TEMPLATE_REFUSED_ERRCODES, OutboxMessage

log = logging.getLogger(__name__)

# Tries of a message WeChat keeps rejecting with an errcode that a later try may not meet (a stale access
# token, an errcode of WeChat's nobody foresaw), each after a longer wait (``_backoff``): about two hours in all.
MAX_ATTEMPTS = 8
# subscribeMessage.send's documented answers that retrying cannot change: final at once. 43101 the user did
# not consent (recorded as refused), 47003 a value WeChat will not take, 40003 an openid it does not know,
# 41030 a page the released mini-program does not have.
FINAL_ERRCODES = frozenset({USER_REFUSED, 47003, 40003, 41030})
# A template id WeChat does not know (40037; 40036 not even of a template id's length): a setting an operator
# corrects (WECHAT_TEMPLATES, then a restart). The template's messages wait for it, tried again every
# TEMPLATE_RETRY at no cost of tries (once a run: the template's other messages due in that run wait untried),
# and are given up only after UNREACHABLE_GIVE_UP; meanwhile every sweep names the template (``refused_templates``).
TEMPLATE_ERRCODES = frozenset(TEMPLATE_REFUSED_ERRCODES)
TEMPLATE_RETRY = timedelta(minutes=10)
# WeChat unreachable (or busy, or over its quota) is nobody's fault and costs a message no tries: it waits for
# WeChat this long, as it waits for an operator to correct a template id WeChat refuses. WeChat
# refusing our appid, secret or address (WeChatMisconfigured) costs none either, and is never waited out:
# the messages go once an operator corrects the settings, however long that takes.
UNREACHABLE_GIVE_UP = timedelta(days=3)
# Notices queued to many at once (``enqueue_many``: 揭榜, to every deputy who may claim a place, a city's
# 10,000). Each run sends every other message due before any of these, so that they delay nobody's 已受理
# or cancellation by the hour they take; and they stand outside a user's order: one queued earlier does not
# hold back the user's later messages, nor does one left for a later try.
BULK_TEMPLATES = ("activity_claim",)


def thing(text, limit=20):
    """A WeChat ``thing`` value: at most 20 characters."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def china_time(dt):
    return dt.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def enqueue(user, template, data, page="", dedupe_key=None):
    """Queue a subscribe message to ``user`` (for a console account: to the WeChat user it linked);
    a repeated ``dedupe_key`` queues nothing.

    A console account's notice goes without its ``page``: the linked WeChat user holds none of the account's
    roles in the mini-program, so the page (an item, a team) would answer that it does not exist. Without a
    page WeChat's message opens nothing, and 消息 lists it as one to handle in the console."""
    to = recipient(user)
    if to is None or not to.openid:
        if to is not None and to.is_admin:
            _keep_for_console(to, template, data, dedupe_key)
        return
    if to is not user:
        page = ""
    _insert(to, template, data, page, dedupe_key, status="pending", last_error="")


def _keep_for_console(account, template, data, dedupe_key):
    """A console account without a linked WeChat user: the notice is kept on the account itself for its 消息
    page in the console (``center.account_messages``), finished at once as a message no WeChat user can be sent
    (as ``deliver_due`` finishes one whose account unlinked meanwhile), so that the sweep never tries it; a
    WeChat user the account links later is handed it (``handover.hand_over_account``), to read, not to be sent."""
    _insert(account, template, data, "", dedupe_key, status="failed", last_error="no WeChat user to send to")


def _insert(user, template, data, page, dedupe_key, status, last_error):
    """One outbox row for ``user``; a repeated ``dedupe_key`` inserts nothing."""
    now = utcnow()
    values = dict(
        dedupe_key=dedupe_key or f"{template}:{user.id}:{now.timestamp()}", user_id=user.id, template=template,
        data=data, page=page, status=status, attempts=0, next_attempt_dt=now, last_error=last_error, created_dt=now,
    )
    db.session.execute(conflict_insert(OutboxMessage, db.session.get_bind()).values(**values)
                       .on_conflict_do_nothing(index_elements=["dedupe_key"]))


def enqueue_many(recipients, template, data, page=""):
    """Queue the same subscribe message to many WeChat users in one INSERT … SELECT, however many there
    are (a city's deputies: thousands), rather than a row and a round trip each.

    ``recipients`` is a SELECT from ``User`` of two columns: the user's id and the message's dedupe key (an
    SQL expression, so that each user's is their own); a key already queued queues nothing again. Users
    without an openid are left out, as ``enqueue`` leaves them (WeChat cannot reach them); the message goes
    to the users themselves, not to a console account's linked WeChat user (``enqueue`` is for those).
    A template in ``BULK_TEMPLATES`` (notices to everyone who may claim a place) is sent after every other
    message; any other (an activity's notices to the deputies on its list) keeps its place in each user's
    order, as ``enqueue``'s. Returns how many messages were queued."""
    now = utcnow()
    rows = recipients.add_columns(
        literal(template), literal(data, JSON), literal(page), literal("pending"), literal(0),
        literal(now, UTCDateTime()), literal(""), literal(now, UTCDateTime()),
    ).where(User.openid.is_not(None))
    statement = conflict_insert(OutboxMessage, db.session.get_bind()).from_select(
        ["user_id", "dedupe_key", "template", "data", "page", "status", "attempts", "next_attempt_dt", "last_error",
         "created_dt"], rows,
    ).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return db.session.execute(statement).rowcount


def enqueue_each(recipients, template, data, page=""):
    """``enqueue`` to many users at once (an activity's list: up to a thousand deputies), in a number of
    statements that does not grow with them: ``enqueue_many`` queues the message to those with an openid, and
    the few without one (a console account: its linked WeChat user, or its own 消息 page) are read in one
    query and queued as ``enqueue`` queues them. ``recipients`` as for ``enqueue_many``."""
    queued = enqueue_many(recipients, template, data, page)
    for row in db.session.execute(recipients.add_columns(User).where(User.openid.is_(None))).all():
        enqueue(row[-1], template, data, page=page, dedupe_key=row[1])
    return queued


def _key_starts(prefix):
    """``dedupe_key`` starts with ``prefix``, in a shape an index serves. On PostgreSQL, LIKE 'prefix%' (its
    wildcards escaped): the planner turns it into a range over ix_outbox_messages_dedupe_prefix, an index
    with the pattern operators (byte order whatever the database's collation; migration 0038), once the
    pattern is known, as it is for a statement planned with its values. On SQLite, whose LIKE ignores case
    and is served by no index here, the range itself: keys are compared as their UTF-8 bytes (BINARY), in
    the order of their characters, so the keys starting with the prefix are exactly those from the prefix
    up to, not including, the prefix with its last character's successor (new_item:12: … new_item:12;),
    and the unique key's index finds them."""
    if not prefix:
        return true()
    last = ord(prefix[-1])
    if db.session.get_bind().dialect.name == "sqlite" and last < 0xD7FF:
        return (OutboxMessage.dedupe_key >= prefix) & (OutboxMessage.dedupe_key < prefix[:-1] + chr(last + 1))
    return OutboxMessage.dedupe_key.startswith(prefix, autoescape=True)


def _waiting(template, key_prefix, users):
    condition = ((OutboxMessage.status == "pending") & (OutboxMessage.template == template)
                 & _key_starts(key_prefix))
    return condition if users is None else condition & OutboxMessage.user_id.in_(users)


def withdraw(template, key_prefix="", users=None):
    """Drop the messages of ``template`` not sent yet whose dedupe key starts with ``key_prefix`` (and, given
    ``users``, a list or SELECT of user ids, those to these users alone): news that is no longer true (places
    on offer once none is left, or to a deputy who has claimed one or left office) is not sent late. A message
    a running sweep is sending at this moment still goes; its row is gone. Returns how many were dropped."""
    return db.session.execute(
        delete(OutboxMessage).where(_waiting(template, key_prefix, users))
        .execution_options(synchronize_session=False)
    ).rowcount


def restate(template, key_prefix, data):
    """The messages of ``template`` not sent yet whose dedupe key starts with ``key_prefix`` say ``data`` instead
    (one UPDATE however many they are): news that has changed (the places left, a corrected answer) is sent as
    it now reads. Unlike dropping them and queuing them again, a message is neither queued a second time nor
    moved to the end of the queue. Only a message no sweep has taken yet (``attempts`` 0) is restated: one a
    running sweep is sending at this moment, or one it tried and left for a later try, goes (or went) as it
    read, so the caller, told 0, queues the news as a new message after it. The UPDATE's condition is the
    one the sweep's claim (``_claim``) changes, so the two are ordered by the row, and the sweep sends what it
    reads after its claim. Returns how many were restated."""
    return db.session.execute(
        update(OutboxMessage).where(_waiting(template, key_prefix, None), OutboxMessage.attempts == 0).values(data=data)
        .execution_options(synchronize_session=False)
    ).rowcount


# The most (template, key prefix) pairs one statement of ``withdraw_under`` / ``restate_under`` names: SQLite
# parses a chain of ORs as a tree as deep as it is long, and refuses one deeper than 1,000.
_PREFIXES_AT_ONCE = 200


def _chunks(prefixes):
    prefixes = list(prefixes)
    for start in range(0, len(prefixes), _PREFIXES_AT_ONCE):
        yield or_(*(and_(OutboxMessage.template == template, _key_starts(prefix))
                    for template, prefix in prefixes[start:start + _PREFIXES_AT_ONCE]))


def withdraw_under(prefixes, exclude_user=None, users=None):
    """``withdraw`` for many things at once: drop the messages not sent yet whose (template, dedupe key prefix)
    is one of ``prefixes`` (pairs), except those to the user ``exclude_user`` (an id); given ``users`` (a list
    or SELECT of user ids), those to these users alone. Returns how many."""
    dropped = 0
    for matches in _chunks(prefixes):
        condition = (OutboxMessage.status == "pending") & matches
        if exclude_user is not None:
            condition &= OutboxMessage.user_id != exclude_user
        if users is not None:
            condition &= OutboxMessage.user_id.in_(users)
        dropped += db.session.execute(
            delete(OutboxMessage).where(condition).execution_options(synchronize_session=False)).rowcount
    return dropped


def restate_under(prefixes, change, exclude_user=None, sent_too=False, users=None, untaken=False):
    """``restate`` for messages whose values differ one from another (each step's note and time): each message
    not sent yet whose (template, dedupe key prefix) is one of ``prefixes`` (pairs), except those to the user
    ``exclude_user`` (an id), says ``change(template, dedupe_key, data)`` instead of ``data``; with
    ``sent_too``, the record of those sent (or refused, or failed) as well, whoever they went to (the keys'
    prefixes find them through ix_outbox_messages_dedupe_prefix among every message ever sent; given
    ``users``, a list or SELECT of user ids, among those to these users alone). For the few messages about
    one person's few things (注销): a read, then one UPDATE a message changed. With ``untaken``, only the messages no sweep has taken yet, as
    ``restate`` (news that changed, told again as a new message when this restates none); without it (data
    redacted) a message being sent is restated too: its record then holds less than was sent, never more.
    Returns how many were restated."""
    restated = 0
    for matches in _chunks(prefixes):
        condition = matches if sent_too else (OutboxMessage.status == "pending") & matches
        if untaken:
            condition &= OutboxMessage.attempts == 0
        if users is not None:
            condition &= OutboxMessage.user_id.in_(users)
        if exclude_user is not None:
            condition &= OutboxMessage.user_id != exclude_user
        for message_id, template, key, data, status in db.session.execute(select(
                OutboxMessage.id, OutboxMessage.template, OutboxMessage.dedupe_key, OutboxMessage.data,
                OutboxMessage.status).where(condition)).all():
            new = change(template, key, dict(data))
            if new != data:
                restated += db.session.execute(
                    update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == status,
                                                *((OutboxMessage.attempts == 0,) if untaken else ()))
                    .values(data=new).execution_options(synchronize_session=False)).rowcount
    return restated


def waiting_pages(template):
    """The distinct pages of the messages of ``template`` not sent yet (a sweep step's look at what is
    queued: the pending messages alone, by ``ix_outbox_messages_due``)."""
    return db.session.scalars(select(OutboxMessage.page).where(OutboxMessage.status == "pending",
                                                               OutboxMessage.template == template).distinct()).all()


PURGE_BATCH = 5000
FINISHED = ("sent", "refused", "skipped", "failed")


def purge_finished(now=None):
    """Delete the messages finished (sent, refused by the user, given up) more than OUTBOX_RETENTION_DAYS
    ago, gone from 消息中心 with them: the sweep's work, a batch per transaction so that no statement holds
    the table for long; returns how many went. A message still to be sent stays, however old.

    Found through ix_outbox_messages_due (status, next_attempt_dt): a finished message's next_attempt_dt is
    its last attempt's (plus that attempt's backoff, hours at most), so no scan of the outbox, however large.
    Its dedupe key is free again; every key names its item, activity or day, long over by then."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["OUTBOX_RETENTION_DAYS"])
    purged = 0
    while True:
        batch = select(OutboxMessage.id).where(OutboxMessage.status.in_(FINISHED),
                                               OutboxMessage.next_attempt_dt < cutoff).limit(PURGE_BATCH)
        gone = db.session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(batch))).rowcount
        db.session.commit()
        purged += gone
        if gone < PURGE_BATCH:
            return purged


def _backoff(attempts):
    return timedelta(seconds=min(30 * 2 ** attempts, 6 * 3600))


def _claim(message):
    """Take one message for this worker; a concurrent sweep that claimed it first wins."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status == "pending", OutboxMessage.attempts == message.attempts)
        .values(attempts=message.attempts + 1, next_attempt_dt=utcnow() + _backoff(message.attempts + 1))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _finish(message_id, **values):
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values).execution_options(synchronize_session=False)
    )
    db.session.commit()


def _wait_for_template(message, error, counts):
    """A message whose template id WeChat refuses (``TEMPLATE_ERRCODES``): its try given back, tried again after
    TEMPLATE_RETRY, given up once it has waited UNREACHABLE_GIVE_UP."""
    if utcnow() - message.created_dt > UNREACHABLE_GIVE_UP:
        _finish(message.id, status="failed", last_error=error)
        counts["failed"] += 1
        return
    _finish(message.id, attempts=message.attempts, next_attempt_dt=utcnow() + TEMPLATE_RETRY, last_error=error)
    counts["retry"] += 1


def refused_template_waiting():
    """{template: messages waiting} for the templates whose id WeChat refused (``TEMPLATE_ERRCODES``), in the
    order of their keys: what the sweep tells the operator at every run until the messages go, and the health
    check and the root administrators' 工作台 show. Only those rows are read, by their partial index
    (ix_outbox_messages_template_refused, migration 0071): health is asked every few seconds by each load
    balancer of each app server, and must not read the whole pending backlog. PostgreSQL, 1.5 million rows,
    300,000 pending (WeChat unreachable), 3,000 of them waiting for a refused template: 43-46 ms (a parallel
    bitmap scan of every pending row, ix_outbox_messages_due) before the index, 0.4 ms after (index-only
    scan; about 6 ms before VACUUM, with every heap page to visit)."""
    rows = db.session.execute(select(OutboxMessage.template, func.count()).where(text(REFUSED_TEMPLATE_WAITING))
                              .group_by(OutboxMessage.template)).all()
    return dict(sorted((template, waiting) for template, waiting in rows))


def refused_templates():
    """The templates with messages waiting because WeChat refused the template's id, in the order of their keys."""
    return list(refused_template_waiting())


def deliver_due(limit=200):
    """Send what is due. Returns {"sent": n, "refused": n, "skipped": n, "retry": n, "failed": n}.

    WeChat's answers: a refusal (43101) or another that retrying cannot change (``FINAL_ERRCODES``) finishes the
    message at once; a template id WeChat refuses (``TEMPLATE_ERRCODES``) keeps the template's messages waiting
    for the operator's correction (``_wait_for_template``); any other errcode is tried again after a backoff,
    ``MAX_ATTEMPTS`` times in all.

    A message of a template with no id registered yet while live (``missing_templates``) is skipped, not
    sent nor tried again; it stays in its user's 消息中心 like a refused one.

    WeChat unreachable ends the run at the first message that finds it so, to be tried again at the
    next run: the others are neither tried, each costing a timeout, nor charged a try.

    Oldest first, but the notices of ``BULK_TEMPLATES`` after every other message due: a city's 揭榜 notices
    take 50 runs, and a citizen's 已受理 queued behind them goes at the next run all the same."""
    counts = {"sent": 0, "refused": 0, "skipped": 0, "retry": 0, "failed": 0}
    now = utcnow()
    earlier = aliased(OutboxMessage)
    due = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.attempts, OutboxMessage.user_id, OutboxMessage.template,
               OutboxMessage.page, OutboxMessage.created_dt)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_dt <= now,
               ~select(earlier.id).where(earlier.user_id == OutboxMessage.user_id, earlier.status == "pending",
                                         earlier.id < OutboxMessage.id, earlier.next_attempt_dt > now,
                                         earlier.template.not_in(BULK_TEMPLATES)).exists())
        .order_by(case((OutboxMessage.template.in_(BULK_TEMPLATES), 1), else_=0), OutboxMessage.id)
        .limit(limit)
    ).all()
    db.session.commit()
    templates = current_app.config["WECHAT_TEMPLATES"]
    missing = set(missing_templates(current_app.config))
    waiting = set()  # users with a message left for later in this run: their later ones wait for it
    refused_ids = {}  # template → WeChat's error, for a template whose id WeChat refused in this run
    for message in due:
        if message.user_id in waiting or not _claim(message):
            waiting.add(message.user_id)
            continue
        # Read again once taken: a restate committed between the read above and the claim is what is sent
        # (one after the claim no longer finds the message: ``restate``), to whom it is addressed now.
        taken = db.session.execute(select(OutboxMessage.data, OutboxMessage.user_id, for_console_account())
                                   .where(OutboxMessage.id == message.id)).first()
        if taken is None:  # withdrawn meanwhile (``withdraw``): no longer true, not sent
            continue
        if taken.user_id is None:  # a deputy's, held unsent since they were unbound meanwhile (``handover``)
            continue
        data, user = taken.data, db.session.get(User, taken.user_id)
        if not user.openid:  # a console account's notice, the account having unlinked its WeChat
            _finish(message.id, status="failed", last_error="no WeChat user to send to")
            counts["failed"] += 1
            continue
        if message.template in missing:
            _finish(message.id, status="skipped", last_error=f"template {message.template} not in WECHAT_TEMPLATES")
            counts["skipped"] += 1
            continue
        if message.template in refused_ids:  # its id refused a moment ago: not asked again in this run
            _wait_for_template(message, refused_ids[message.template], counts)
            waiting.add(message.user_id)
            continue
        # A console account's notice queued with a page before they went without one: sent without it too.
        page = None if taken.for_console else message.page or None
        try:
            get_client().send_subscribe_message(user.openid, templates[message.template], data, page)
        except WeChatError as exc:
            error = f"{exc.errcode} {exc.errmsg}"
            log.warning("subscribe message %s not delivered: %s", message.id, error)
            if exc.errcode == USER_REFUSED:
                _finish(message.id, status="refused", last_error=error)
                counts["refused"] += 1
                continue
            if exc.errcode in TEMPLATE_ERRCODES:
                log.error("微信不接受订阅消息模板 %s 的 ID（%s）：请检查 WECHAT_TEMPLATES 中 %s 的模板 ID（须为本小程序后台"
                          "「订阅消息」中的模板）并重启；该模板的消息仍在队列中", message.template, exc.errcode, message.template)
                refused_ids[message.template] = error
                _wait_for_template(message, error, counts)
                waiting.add(message.user_id)
                continue
            if exc.errcode not in FINAL_ERRCODES and message.attempts + 1 < MAX_ATTEMPTS:
                # Tried again once the backoff its claim set is over; the user's later messages wait for it.
                _finish(message.id, last_error=error)
                counts["retry"] += 1
                waiting.add(message.user_id)
            else:
                _finish(message.id, status="failed", last_error=error)
                counts["failed"] += 1
            continue
        except WeChatUnavailable as exc:
            log.warning("subscribe message %s not delivered: %s", message.id, exc)
            if not isinstance(exc, WeChatMisconfigured) and utcnow() - message.created_dt > UNREACHABLE_GIVE_UP:
                _finish(message.id, status="failed", last_error=str(exc))
                counts["failed"] += 1
            else:
                # Its try given back and tried at the next run: while WeChat is away a run costs one
                # timeout, and once it is back this message, and its user's later ones, go at once.
                _finish(message.id, attempts=message.attempts, next_attempt_dt=utcnow(), last_error=str(exc))
                counts["retry"] += 1
            break
        _finish(message.id, status="sent", sent_dt=utcnow(), last_error="")
        counts["sent"] += 1
    return counts
