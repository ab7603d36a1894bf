"""The one place that says which step may happen to a suggestion, from which status, by whom.

The API, the console and the sweep all call :func:`apply`; a step that is not allowed from the
item's current status is a 409 ``invalid_transition`` and changes nothing. Who may take a step
(``Actor``) is checked here too, so no caller can forget it.
"""
from dataclasses import dataclass

from ..auth.scope import manages_region, manages_station
from ..db_types import utcnow
from ..errors import APIError, not_found
from ..extensions import db
from .models import STATUS_LABELS, Status, SuggestionEvent

S = Status

# action → (statuses it may start from, status it leads to; None = unchanged or decided by the step)
TRANSITIONS = {
    "dispatch": ((S.pending, S.assigned), S.assigned),
    "accept": ((S.assigned,), S.accepted),
    "return": ((S.assigned, S.accepted, S.forwarded), S.pending),  # 转办中: only when its deputy leaves office
    "progress": ((S.accepted, S.forwarded), None),
    "forward": ((S.accepted,), S.forwarded),
    "feedback": ((S.forwarded,), S.accepted),
    "reply": ((S.accepted,), S.replied),
    "rate": ((S.replied,), None),  # closed, or back to accepted for another round
    "auto_close": ((S.replied,), S.closed),
    "reject": ((S.pending, S.assigned), S.rejected),
    "withdraw": ((S.pending, S.assigned), S.withdrawn),
    # 督办 presses whoever handles the item: none before 分派 (services.supervise says so in words).
    "supervise": ((S.assigned, S.accepted, S.forwarded, S.replied, S.closed), None),
    "merge": ((S.pending, S.assigned, S.accepted), S.closed),
    "release": (tuple(Status), None),
    # What the public pages show of a closed item (services.set_public_text): approved words, or nothing.
    "public_text": ((S.closed,), None),
    "withhold_public": ((S.closed,), None),
    # The citizen's consent to publish (services.set_public_consent), theirs to withdraw or give again at any time.
    "withdraw_consent": (tuple(Status), None),
    "give_consent": (tuple(Status), None),
}

# Steps only the staff see on the timeline (presenters.present).
STAFF_ONLY_ACTIONS = frozenset({"public_text", "withhold_public"})

# The statuses in which a deadline runs: waiting for the deputy's 接单, or for their answer.
CLOCK_STATUSES = frozenset({S.assigned, S.accepted, S.forwarded})
# Screening may hold an item at any stage (its photos are screened after filing, its text by the
# sweep): an administrator reviewing held content may then refuse it whatever open status it reached,
# and nobody sends it to a department until it is released (its deputy cannot act on it either).
WHILE_HELD = {"reject": (S.pending, S.assigned, S.accepted, S.forwarded, S.replied), "forward": (), "feedback": ()}
# Statuses only the system takes a step from: an item at a department (转办中) goes back to its station when its
# deputy leaves office (services.return_departed); its deputy in office records the department's feedback first.
SYSTEM_ONLY = {"return": (S.forwarded,)}


def starts_from(item, action, system=False):
    """The statuses ``item`` may take ``action`` from (``system``: the step is the system's)."""
    if item.held_for_review and action in WHILE_HELD:
        return WHILE_HELD[action]
    statuses = TRANSITIONS[action][0]
    return statuses if system else tuple(s for s in statuses if s not in SYSTEM_ONLY.get(action, ()))


ACTION_LABELS = {
    "file": "提交建议", "dispatch": "分派", "accept": "接单", "return": "退回", "progress": "办理进展",
    "forward": "转办", "feedback": "部门反馈", "reply": "答复", "rate": "评价", "auto_close": "逾期未评价自动办结",
    "reject": "不予受理", "withdraw": "撤回", "supervise": "督办", "merge": "合并", "release": "审核通过",
    "reopen": "不满意重办", "remind": "超期提醒", "merged_in": "合并重复建议", "hold": "内容待审核",
    "public_text": "修改公开展示内容", "withhold_public": "不予公开",
    "withdraw_consent": "群众撤回公开同意", "give_consent": "群众同意公开",
}

ROLE_LABELS = {
    "citizen": "群众", "deputy": "代表", "station_admin": "联络站管理员", "region_admin": "人大工作人员",
    "system": "系统",
}


@dataclass(frozen=True)
class Actor:
    """Who takes a step, and in which capacity."""

    user: object
    role: str  # citizen | deputy | station_admin | region_admin | system

    @property
    def name(self):
        if self.user is None:
            return "系统"
        if self.role == "deputy" and self.user.deputy is not None:
            return self.user.deputy.name
        return self.user.display_name or ""


SYSTEM = Actor(None, "system")


# --- who may see and act ------------------------------------------------------------------------


def admin_role_for(user, item):
    """The admin capacity in which ``user`` manages ``item``, or None."""
    if user is None or not user.is_admin:
        return None
    if manages_region(user, item.region):
        return "region_admin"
    if item.station is not None and manages_station(user, item.station):
        return "station_admin"
    return None


def is_assigned_deputy(user, item):
    return (
        user is not None
        and item.deputy_id is not None
        and user.deputy_id == item.deputy_id
        and "deputy" in user.roles
    )


def is_owner(user, item):
    return user is not None and item.citizen_id == user.id


def can_see(user, item):
    if is_owner(user, item) or admin_role_for(user, item):
        return True
    if item.held_for_review:
        return False
    return is_assigned_deputy(user, item) or follow_kind(user, item) is not None


def published(item):
    """Whether ``item``'s citizen consents to publication and no administrator withheld it (不予公开)."""
    return bool(item.public_consent) and item.public_withheld_reason is None


def follow_kind(user, item):
    """How ``user`` follows ``item`` and may read it so: "public" while its citizen consents to publication and
    no administrator withheld it (the follower reads it as the public would), else "merged" for a follow made by
    a merge (their duplicate, or one they followed, was merged into it: the contract's "both citizens follow the
    surviving item"), who read its follower view without anything of its citizen's (presenters.present); None
    otherwise — a follow chosen from /nearby of an item no longer published shows nothing (404, as one that
    does not exist)."""
    from .models import SuggestionFollower

    if user is None:
        return None
    row = db.session.get(SuggestionFollower, (item.id, user.id))
    if row is None:
        return None
    if published(item):
        return "public"
    return "merged" if row.via_merge else None


OWN_ANSWER = "这条建议由您本人办理，不能评价自己的答复。"


def filed_by_its_deputy(item):
    """Whether ``item``'s filer is the deputy handling it: the filing named them as its filer (their WeChat, or
    their registered phone given by the filer: ``filing.filer_deputy``), or the WeChat user who filed it is
    bound as them (since)."""
    if item.deputy_id is None:
        return False
    return item.filer_deputy_id == item.deputy_id or (item.citizen is not None and item.citizen.deputy_id == item.deputy_id)


def actor_for(user, item, action):
    """The capacity in which ``user`` may take ``action`` on ``item``; 404 if they may not even see it."""
    if not can_see(user, item):
        raise not_found("建议不存在。")
    admin_role = admin_role_for(user, item)
    deputy = is_assigned_deputy(user, item) and not item.held_for_review
    allowed = {
        "dispatch": admin_role,
        "accept": deputy and "deputy",
        "return": deputy and "deputy",
        "progress": deputy and "deputy",
        "forward": (deputy and "deputy") or admin_role,
        "feedback": (deputy and "deputy") or admin_role,
        "reply": deputy and "deputy",
        "rate": is_owner(user, item) and "citizen",
        "reject": admin_role,
        "withdraw": is_owner(user, item) and "citizen",
        "supervise": admin_role,
        "merge": admin_role,
        "release": admin_role,
        "public_text": admin_role,
        "withhold_public": admin_role,
        "withdraw_consent": is_owner(user, item) and "citizen",
        "give_consent": is_owner(user, item) and "citizen",
    }[action]
    if allowed and action == "rate" and (is_assigned_deputy(user, item) or filed_by_its_deputy(item)):
        # The filer is the deputy handling it (a concern of their own dispatched to them, their filing's
        # WeChat bound as that deputy since, or a filer who gave the deputy's registered phone, from a phone
        # browser too): a 满意 of their own answer is no citizen's verdict. The sweep closes it unrated,
        # crediting nothing (services._credit_closing).
        raise APIError(403, "forbidden", OWN_ANSWER)
    if not allowed:
        raise APIError(403, "forbidden", "您无权对这条建议执行此操作。")
    # Before the step reads its input: a step the status forbids is 409 whatever was sent with it.
    check_transition(item, action)
    return Actor(user, allowed)


# --- the transition itself --------------------------------------------------------------------


# What a deputy (or an administrator) asking for a step a forwarded item waits on the department for is told.
FORWARDED_HINTS = {"reply": "已转办，请先登记部门反馈后再答复群众。", "return": "已转办，请先登记部门反馈后再退回。"}
# A step as a refusal names it (不能记录办理进展) where the timeline's label does not read as a verb.
REFUSED_STEPS = {"progress": "记录办理进展"}


def check_transition(item, action, system=False):
    """409 ``invalid_transition`` unless ``action`` may start from ``item``'s status (``system``: taken by the
    system, see SYSTEM_ONLY)."""
    if action == "supervise" and item.status is S.pending:
        raise APIError(409, "invalid_transition", "这条建议还没有分派给代表，请先分派再督办。")
    if action in FORWARDED_HINTS and item.status is S.forwarded and not item.held_for_review and not system:
        raise APIError(409, "invalid_transition", FORWARDED_HINTS[action])
    if item.status not in starts_from(item, action, system):
        why = "内容待审核，审核通过后才能" if item.held_for_review and action in WHILE_HELD \
            else f"当前状态为“{STATUS_LABELS[item.status.value]}”，不能"
        raise APIError(409, "invalid_transition", f"{why}{REFUSED_STEPS.get(action, ACTION_LABELS[action])}。")


def apply(item, action, actor: Actor, note="", to_status=None, data=None):
    """Move ``item`` along ``action`` and write its timeline line in the same transaction."""
    default_to = TRANSITIONS[action][1]
    check_transition(item, action, actor.role == "system")
    from_status = item.status
    target = to_status or default_to
    if target is not None:
        item.status = target
    if item.status not in CLOCK_STATUSES:  # overdue and due soon are flags on work still to do
        item.overdue = item.due_soon = False
    record(item, action, actor, note, from_status, data=data)
    return item


def record(item, action, actor: Actor, note="", from_status=None, data=None):
    """A timeline line (台账) for a step, whether or not it changed the status."""
    event = SuggestionEvent(
        action=action,
        from_status=(from_status or item.status).value,
        to_status=item.status.value,
        actor_role=actor.role,
        actor_user_id=actor.user.id if actor.user is not None else None,
        actor_name=actor.name,
        note=note or "",
        data=data,
        created_dt=utcnow(),
    )
    # Linked from the event's side: appending to item.events would first load the whole timeline (and
    # flush the step half-done to do it); an unloaded timeline takes the new line when it is read.
    event.suggestion = item
    db.session.add(event)
    return event
