"""消息中心: every notice the server sends a user in WeChat, kept in the mini-program too, with an unread count.

A subscribe message reaches a user only with their consent to that one message; a user who refused (43101)
or never subscribed would learn nothing until they opened the item. The list is the outbox itself
(``OutboxMessage``, one row per notice, whatever WeChat answered) with ``read_dt`` as the read marker:
no second copy to write in the change's transaction or to keep in step with the outbox's own edits. A
message ``withdraw``-n (news no longer true) is a deleted row, gone from the list too; one ``restate``-d
(注销's redaction, a corrected answer) is the same row with its new words, listed once, as it now reads.
The sweep deletes the messages finished longer ago than OUTBOX_RETENTION_DAYS (``outbox.purge_finished``):
the list reaches back as far.
"""
import re

from sqlalchemy import func, select, update

from ..db_types import utcnow
from ..extensions import db
from ..pagination import paginate
from ..suggestions.models import STATUS_LABELS
from ..transactions import READER_MARK
from .handover import addressed_to_account, for_console_account
from .models import OutboxMessage

_SUGGESTION = {"character_string1": "建议编号", "thing2": "建议内容", "phrase3": "办理状态", "thing4": "提示",
               "time5": "时间"}
_ACTIVITY = {"thing1": "活动名称", "phrase2": "活动类型", "time3": "开始时间", "thing4": "活动地点", "thing5": "备注"}

# Each template's title in the list (backend/config.py's FAKE_TEMPLATES names every template)…
TITLES = {
    "new_item": "新的群众建议",
    "accepted": "建议已受理",
    "replied": "代表已答复",
    "reopened": "建议已重新交办",
    "overdue": "建议办理超期提醒",
    "supervised": "建议督办通知",
    "activity": "新的活动邀请",
    "activity_reminder": "活动即将开始",
    "activity_cancelled": "活动取消通知",
    "activity_changed": "活动变更通知",
    "activity_claim": "活动揭榜通知",
    "appointment": "约见代表通知",
    "appointment_result": "约见进展通知",
    "answer": "办理结果通知",
    "research": "调研课题进展通知",
}
# …and its fields' names, as the template registered in the mini-program's console shows them in WeChat.
LABELS = {
    "new_item": _SUGGESTION, "accepted": _SUGGESTION, "replied": _SUGGESTION, "reopened": _SUGGESTION,
    "overdue": _SUGGESTION, "supervised": _SUGGESTION,
    "activity": _ACTIVITY, "activity_reminder": _ACTIVITY, "activity_cancelled": _ACTIVITY,
    "activity_changed": _ACTIVITY,
    "activity_claim": {**{k: v for k, v in _ACTIVITY.items() if k != "thing5"}, "number5": "剩余名额"},
    "appointment": {"character_string1": "编号", "thing2": "约见事项", "phrase3": "状态", "thing4": "提示",
                    "time5": "提出时间"},
    "appointment_result": {"thing1": "约见事项", "time2": "见面时间", "thing3": "见面地点", "phrase4": "状态",
                           "thing5": "备注"},
    "answer": {"thing1": "事项", "phrase2": "结果", "thing3": "说明", "time4": "时间"},
    "research": {"thing1": "课题", "phrase2": "状态", "thing3": "说明", "time4": "时间"},
}
REJECTED = STATUS_LABELS["rejected"]


PROGRESS = "建议办理进展通知"
# The keys (``_notify``'s ``key``) of the steps suggestions.services' ``_tell_deputy`` tells of, each followed by
# the work order's id: under 督办's template, they are no 督办, and ``title_of`` titles them PROGRESS.
FORWARDED_KEY = "forward-"
FED_BACK_KEY = "feedback-"
DEPUTY_PROGRESS_KEYS = (FORWARDED_KEY, FED_BACK_KEY)


def title_of(template, data, key=""):
    """The message's title: its template's, but a ``replied`` message saying 不予受理 is no reply, and a
    ``supervised`` one telling the deputy of a step taken for them (转办, 部门反馈: ``_tell_deputy``'s, told by
    its dedupe ``key``, ``supervised:<item>:<round>:<step>:<user>``, which WeChat is not sent) is no 督办."""
    if template == "replied" and _value(data.get("phrase3")) == REJECTED:
        return "建议不予受理"
    if template == "supervised" and _step(key).startswith(DEPUTY_PROGRESS_KEYS):
        return PROGRESS
    return TITLES.get(template, "通知")


def _step(key):
    parts = (key or "").split(":")
    return parts[3] if len(parts) > 3 else ""


def _value(value):
    return value.get("value", "") if isinstance(value, dict) else ("" if value is None else str(value))


def _position(key):
    number = re.search(r"(\d+)$", key)
    return (int(number.group(1)) if number else 0, key)


def lines_of(template, data):
    """The message's values as WeChat shows them, in the template's order (thing1, phrase2…): ``{label,
    value}`` each (a field the table does not name: its value with an empty label)."""
    labels = LABELS.get(template, {})
    return [{"label": labels.get(key, ""), "value": _value(data[key])} for key in sorted(data, key=_position)]


def present(message):
    """A row of ``messages_of``'s (``_LISTED``): a console account's notice opens no page, even one queued
    with it."""
    page = "" if message.for_console else message.page or ""
    return {"id": message.id, "template": message.template, "title": title_of(message.template, message.data, message.dedupe_key),
            "lines": lines_of(message.template, message.data), "page": page,
            "created_at": message.created_dt, "read": message.read_dt is not None}


def _listed():
    """The columns a listed message is read with (``present``)."""
    return (OutboxMessage.id, OutboxMessage.template, OutboxMessage.data, OutboxMessage.page, OutboxMessage.created_dt,
            OutboxMessage.read_dt, OutboxMessage.dedupe_key, OutboxMessage.user_id, for_console_account())


def _mine(user_id):
    return OutboxMessage.user_id == user_id


def unread_count(user_id):
    """One count over ``ix_outbox_messages_unread``: the user's unread rows alone."""
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        _mine(user_id), OutboxMessage.read_dt.is_(None)))


def messages_of(user_id, args):
    """The user's messages, newest first (``ix_outbox_messages_user_newest``), a page of them; ``unread``
    true keeps the unread ones, false the read ones."""
    query = select(*_listed()).where(_mine(user_id)).order_by(OutboxMessage.id.desc())
    everything, unread = counts(user_id)
    total = everything
    if args.get("unread") is not None:
        query = query.where(OutboxMessage.read_dt.is_(None) if args["unread"] else OutboxMessage.read_dt.is_not(None))
        total = unread if args["unread"] else everything - unread
    page = paginate(query, args, rows=True, total=total)
    return {**page, "items": [present(message) for message in page["items"]], "unread": unread}


def counts(user_id):
    """(all the user's messages, the unread ones), in one statement: the first from
    ``ix_outbox_messages_user_newest`` alone (an index-only count), the second over
    ``ix_outbox_messages_unread``. The read ones are their difference: counted as such, a busy user's
    (thousands of messages, nearly all read) would be read row by row to test ``read_dt``."""
    unread = select(func.count()).select_from(OutboxMessage).where(_mine(user_id), OutboxMessage.read_dt.is_(None))
    return db.session.execute(select(select(func.count()).select_from(OutboxMessage).where(_mine(user_id))
                                     .scalar_subquery(), unread.scalar_subquery())).one()


def _account_clause(account):
    """The notices addressed to the console account ``account``: kept on the account itself (no WeChat linked
    when they were sent) or sent to the WeChat user it links now, told apart from that user's own notices by
    the addressee their key ends with: ``handover.addressed_to_account``, the rule a new link's handover reads."""
    users = [account.id] + ([account.notify_user_id] if account.notify_user_id else [])
    return OutboxMessage.user_id.in_(users) & addressed_to_account(account.id)


def account_unread(account):
    """The console's 消息 badge: the account's unread notices."""
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        _account_clause(account), OutboxMessage.read_dt.is_(None)))


def account_messages(account, query_page):
    """The console account's notices, newest first, a page of them (``query_page(query)`` pages it), each as
    ``present`` shows it with the number of the item it is about (its 建议编号/编号) and its dedupe ``key``."""
    page = query_page(select(*_listed()).where(_account_clause(account)).order_by(OutboxMessage.id.desc()))
    items = []
    for message in page["items"]:
        shown = present(message)
        shown["number"] = _value(message.data.get("character_string1"))
        shown["key"] = message.dedupe_key
        items.append(shown)
    return {**page, "items": items}


def account_mark_read(account, ids=None, listed=False):
    """The account's notices of ``ids`` (None: all of them) not read yet are read now; ``listed``: they were
    shown on the 消息 page, a mark a page view may make (``READER_MARK``)."""
    condition = _account_clause(account) & OutboxMessage.read_dt.is_(None)
    if ids is not None:
        condition &= OutboxMessage.id.in_(ids)
    options = {READER_MARK: True} if listed else {}
    return db.session.execute(update(OutboxMessage).where(condition).values(read_dt=utcnow())
                              .execution_options(synchronize_session=False, **options)).rowcount


def mark_read(user_id, ids=None):
    """The user's messages of ``ids`` (None: all of them) not read yet are read now; the ids of anyone
    else's messages, or of messages gone (withdrawn), change nothing. Returns how many were marked."""
    condition = _mine(user_id) & OutboxMessage.read_dt.is_(None)
    if ids is not None:
        condition &= OutboxMessage.id.in_(ids)
    return db.session.execute(update(OutboxMessage).where(condition).values(read_dt=utcnow())
                              .execution_options(synchronize_session=False)).rowcount


def read_opened(user_id, page):
    """The user opened the item of mini-program ``page`` (its detail, through the API, however they got there:
    the WeChat notice itself, a list, 消息): their unread messages opening exactly that page are read now,
    anyone else's stay as they are. One UPDATE over ``ix_outbox_messages_unread`` (the user's unread rows
    alone), allowed in a page view (``READER_MARK``); it changes no row when they have none about it."""
    db.session.execute(update(OutboxMessage)
                       .where(_mine(user_id), OutboxMessage.read_dt.is_(None), OutboxMessage.page == page)
                       .values(read_dt=utcnow())
                       .execution_options(synchronize_session=False, **{READER_MARK: True}))
