"""Staff notices follow the role: when a deputy binds their phone from another WeChat account
(``auth.services.bind_phone``), or a console account links another WeChat user (``auth.wechat_link.link``),
the notices the old WeChat user was sent in that role move to the new one, sent or not (a pending one is
then delivered to the new account), in the rebind's transaction; the old user's own notices stay. A console
account that unlinks its WeChat user (``auth.wechat_link.unlink``) takes its notices back onto itself, where
no WeChat user reads them, and hands them to the user it links next, as from a user it links in place of another.
A deputy unbound from their WeChat user (解除绑定, a corrected phone: ``auth.services.unbind_deputy``) keeps
their notices likewise: held with no user for whoever proves the deputy's number next, those not sent yet
sent to nobody. A notice that outlived a binding names its deputy in ``deputy_id`` from then on.

A row names neither role nor addressee in a column: ``user_id`` is the WeChat user it reached (for a console
account, the user it had linked). The addressee is read off the row's dedupe key, which every staff notice
writes with it (``suggestions._notify``: ``…:{user id}``; ``activities._notify_deputies`` and 揭榜:
``{template}:{activity}:{deputy id}…``; ``appointments._tell_handlers``: ``…:{user id}``; the deputy's
约见 reminder: ``appointment-meeting:…:{user id}``; research: ``…:submitted:{round}:{account id}`` to
administrators, every other key to the lead or a member). Only the templates that reach staff are looked at,
so that a citizen's 已受理/已答复/办理结果 never moves; ``reopened``, which goes to the item's citizen too,
stays with a user who filed that item. A notice a WeChat user got as a station administrator in their own
right (a WeChat account with an admin role, not a linked console account) reads like one sent to a deputy:
the rule cannot tell the two apart, and moves it with the deputy.
"""
from sqlalchemy import String, case, cast, literal, select, update

from ..extensions import db
from .models import OutboxMessage

_SUGGESTION_STAFF = ("new_item", "overdue", "supervised")  # ``…:{item}:{round}:{key}:{user}``
_ACTIVITY = ("activity", "activity_reminder", "activity_cancelled", "activity_changed", "activity_claim")
_DEPUTY_TEMPLATES = (*_SUGGESTION_STAFF, "reopened", *_ACTIVITY, "appointment", "appointment_result", "research")
ADMIN_TEMPLATES = ("new_item", "reopened", "overdue", "supervised", "appointment", "research")


def _rows(user_id, templates):
    return db.session.execute(select(OutboxMessage.id, OutboxMessage.template, OutboxMessage.dedupe_key).where(
        OutboxMessage.user_id == user_id, OutboxMessage.template.in_(templates))).all()


def _move(ids, to_user_id, chunk=500, **values):
    """Readdress the rows ``ids`` (and set ``values``), a few hundred a statement (a deputy of years holds
    thousands)."""
    return sum(db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids[i:i + chunk]))
                                  .values(user_id=to_user_id, **values)
                                  .execution_options(synchronize_session=False)).rowcount
               for i in range(0, len(ids), chunk))


def _int(text):
    return int(text) if text.isdigit() else None


def _to_deputy(template, key, user_id, deputy_id, own_items):
    parts = key.split(":")
    addressee = _int(parts[-1])
    if template in _SUGGESTION_STAFF or template == "appointment":
        return addressee == user_id
    if template == "reopened":  # also the item's citizen's: the user's own item's stays theirs
        return addressee == user_id and _int(parts[1]) not in own_items
    if template in _ACTIVITY:
        return len(parts) > 2 and _int(parts[2]) == deputy_id
    if template == "appointment_result":  # the citizen's are ``appointment-result:…``
        return parts[0] == "appointment-meeting" and addressee == user_id
    if template == "research":  # an administrator's (``…:submitted:…``) stays with the administrator
        return "submitted" not in parts
    return False


def _deputy_notices(user_id, deputy_id):
    """The ids of the notices sent to ``user_id`` as the deputy ``deputy_id``: those their keys address to the
    deputy, and those that already outlived a binding of theirs (``deputy_id`` set: their keys name the user
    they first reached)."""
    from ..suggestions.models import Suggestion

    own_items = set(db.session.scalars(select(Suggestion.id).where(Suggestion.citizen_id == user_id)))
    by_key = [row.id for row in _rows(user_id, _DEPUTY_TEMPLATES)
              if _to_deputy(row.template, row.dedupe_key, user_id, deputy_id, own_items)]
    marked = db.session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.user_id == user_id, OutboxMessage.deputy_id == deputy_id))
    return sorted(set(by_key).union(marked))


def hand_over_deputy(old_user_id, new_user_id, deputy_id):
    """The deputy ``deputy_id`` moved from ``old_user_id`` to ``new_user_id``: the notices sent to the old user
    as that deputy move along, marked as the deputy's. Returns how many moved."""
    return _move(_deputy_notices(old_user_id, deputy_id), new_user_id, deputy_id=deputy_id)


NOT_SENT_UNBOUND = "deputy unbound from this WeChat user before it was sent"


def hold_for_deputy(user_id, deputy_id, chunk=500):
    """The deputy ``deputy_id`` was unbound from ``user_id`` (``auth.services.unbind_deputy``: 解除绑定 in the
    console, or the phone that proved it corrected or cleared) with no WeChat user to take their place yet:
    the notices the user was sent as that deputy leave their 消息中心 and are held for the deputy (no user,
    ``deputy_id`` the deputy's) until whoever proves the deputy's number next takes them (``give_held``).
    The ones WeChat has not sent yet are finished unsent (``failed``, saying why): the unbound WeChat user
    may be a stranger, and one sent late to the next is news of a binding that was not theirs. A message a
    running sweep took a moment before may still go to the unbound user (``outbox.deliver_due``). Returns
    how many were held."""
    ids = _deputy_notices(user_id, deputy_id)
    pending = OutboxMessage.status == "pending"
    return _move(ids, None, chunk, deputy_id=deputy_id,
                 status=case((pending, "failed"), else_=OutboxMessage.status),
                 last_error=case((pending, NOT_SENT_UNBOUND), else_=OutboxMessage.last_error))


def give_held(deputy_id, user_id):
    """``user_id`` is the deputy ``deputy_id`` now (``auth.services.bind_phone``): the deputy's notices held
    since an unbinding (``hold_for_deputy``) are theirs, to read (none of them is sent). One UPDATE over
    ``ix_outbox_messages_deputy``. Returns how many."""
    return db.session.execute(update(OutboxMessage).where(
        OutboxMessage.deputy_id == deputy_id, OutboxMessage.user_id.is_(None)).values(user_id=user_id)
        .execution_options(synchronize_session=False)).rowcount


def _account_notice():
    """SQL: a notice of an administrator's template as written to a console account (``…:{account id}``); a
    research notice only if it is a report ``…:submitted:…`` (the others go to a lead or a member); never one
    marked as a deputy's (``deputy_id``: its key names the WeChat user it first reached, not its holder)."""
    return (OutboxMessage.deputy_id.is_(None) & OutboxMessage.template.in_(ADMIN_TEMPLATES)
            & ((OutboxMessage.template != "research") | OutboxMessage.dedupe_key.contains(":submitted:")))


def addressed_to_account(account_id):
    """SQL: the notices addressed to the console account ``account_id``, whoever holds them: the one rule
    the console's 消息 (``center``) and a new link (``hand_over_account``) read."""
    return _account_notice() & OutboxMessage.dedupe_key.endswith(f":{account_id}", autoescape=True)


def for_console_account():
    """SQL, a boolean column of a row: the notice reached the user holding it in a console account's stead
    (addressed to another user: the account that linked them), by the same rule. Such a notice opens no
    mini-program page, whenever it was queued: the linked user holds none of the account's roles there
    (``outbox.enqueue`` queues it without one now; one queued earlier still holds the page, which 消息 and
    the WeChat send leave out)."""
    own = OutboxMessage.dedupe_key.endswith(literal(":") + cast(OutboxMessage.user_id, String))
    return case((_account_notice() & ~own, True), else_=False).label("for_console")


def hand_over_account(account_id, old_user_id, new_user_id):
    """The console account ``account_id`` linked ``new_user_id`` in place of ``old_user_id``: the notices sent
    to the old user for that account move along. Returns how many moved."""
    ids = list(db.session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.user_id == old_user_id, addressed_to_account(account_id))))
    return _move(ids, new_user_id)
