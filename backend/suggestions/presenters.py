"""How one suggestion looks to one viewer: the only place that decides which personal data shows."""
from ..uploads.models import SHOWN_SCREENINGS
from .models import IMPLEMENTED_LABELS, SATISFACTION_LABELS
from .redact import public_content, public_reply, redact_item_text
from .workflow import ACTION_LABELS, STAFF_ONLY_ACTIONS, admin_role_for, is_assigned_deputy, is_owner, published


def _brief(obj):
    return {"id": obj.id, "name": obj.name} if obj is not None else None


def photos_shown(viewer, item):
    """Which of ``item``'s photos ``viewer`` sees, as a test of a photo's screening verdict: every one to
    its citizen and its administrators, those WeChat cleared to the deputy handling it, none to anyone
    else (a follower reads the item as the public would: no faces, number plates or front doors).
    The item's page, its lists and the photo's own address (uploads) all ask this."""
    return _photo_rule(is_owner(viewer, item) or admin_role_for(viewer, item) is not None,
                       is_assigned_deputy(viewer, item))


def _photo_rule(owner_or_admin, handling_deputy):
    if owner_or_admin:
        return lambda screening: True
    if handling_deputy:
        return SHOWN_SCREENINGS.__contains__
    return lambda screening: False


def present(item, viewer, timeline=False):
    admin = admin_role_for(viewer, item) is not None
    deputy = is_assigned_deputy(viewer, item)
    staff = admin or deputy
    owner = is_owner(viewer, item)
    # Anyone else sees the item because they follow it (offered nearby, or their duplicate was merged
    # into it): as the public would, its words without personal data, no address, no photos — and,
    # when it is not published, not even its words (``bare``).
    private = staff or owner
    # A follower by merge of an item its citizen did not consent to publish, or withheld (不予公开), reads
    # its follower view with nothing of that citizen's: no words, place, photos, phone or anonymity flag
    # (workflow.follow_kind); their own words are in ``merged_from_mine``.
    bare = not private and not published(item)
    shows_photo = _photo_rule(owner or admin, deputy)  # photos_shown, from what is known here
    department_satisfaction = item.department_satisfaction if private else None
    body = {
        "id": item.id,
        "number": item.number,
        "status": item.status.value,
        "status_label": "审核中" if item.awaiting_review and not staff else item.status_label,
        "category": item.category,
        "content": item.content if private else None if bare else public_content(item),
        "location": {"lat": item.lat, "lng": item.lng, "address": item.address}
        if private and (item.lat is not None or item.address) else None,
        "anonymous": None if bare else item.anonymous,
        "public_consent": None if bare else item.public_consent,
        "round": item.round,
        "overdue": item.overdue,
        "due_soon": item.due_soon,
        "supervised": item.supervised,
        "public": item.public,
        "held_for_review": item.held_for_review,
        "merged_into": item.merged_into_id,
        # Seen because the viewer follows it (offered nearby, or their duplicate merged into it), not filed it.
        "followed": not private,
        # For the duplicate's own citizen: whether they may open the item it was merged into (they follow it,
        # workflow.follow_kind; false only when the item is held for review or they cancelled); None for anyone else.
        "merged_into_followed": _merged_into_shown(item, viewer) if item.merged_into_id and owner else None,
        # For a follower: their own items merged into this one, with their words.
        "merged_from_mine": None if private else _merged_from(item, viewer),
        "station": _brief(item.station),
        "deputy": _brief(item.deputy),
        "forward_target": item.forward_target,
        "forward_department": item.forward_department if staff else shown_department(item, item.forward_department),
        # A work order's number finds the ticket at the hotline, where the citizen's report and contact
        # are: like the deputy's view of the department's answer, it is for the item's citizen and staff.
        "work_order_no": item.forward_work_order_no if private else None,
        "department_satisfaction": department_satisfaction.value if department_satisfaction else None,
        "department_satisfaction_label": SATISFACTION_LABELS[department_satisfaction.value]
        if department_satisfaction else None,
        "reply_content": item.reply_content if private else public_reply(item),
        "implemented": item.implemented,
        "implemented_label": IMPLEMENTED_LABELS.get(item.implemented),
        "satisfaction": item.satisfaction.value if item.satisfaction else None,
        "attachments": [
            {"id": a.id, "url": f"/api/v1/uploads/{a.key}", "width": a.width, "height": a.height, "screening": a.screening}
            for a in item.attachments if shows_photo(a.screening)
        ],
        "created_at": item.created_dt,
        "dispatch_due_at": item.dispatch_due_dt,
        "accept_due_at": item.accept_due_dt,
        "reply_due_at": item.reply_due_dt,
        "closed_at": item.closed_dt,
    }
    if staff:
        # The handling deputy and administrators may need to call the citizen back; an anonymous
        # filer's identity stays hidden, but the contact number they chose to leave does not.
        body["contact_phone"] = item.contact_phone
        # A filer who cancelled their account (注销) is as anonymous as one who chose to be.
        body["citizen"] = None if _nameless(item) else {"id": item.citizen_id, "phone_masked": item.citizen.phone_masked}
    elif owner:
        body["contact_phone"] = item.contact_phone
    if timeline:
        anonymous = item.anonymous or (staff and _nameless(item))
        # What staff decided about the public pages (公开展示内容, 不予公开) is theirs alone: the citizen keeps
        # their words, and a follower is not told why an item is not published.
        body["timeline"] = [_event(item, e, staff, private, anonymous) for e in item.events
                            if staff or e.action not in STAFF_ONLY_ACTIONS]
        body["work_orders"] = [_work_order(item, w, staff, private) for w in item.work_orders]
    return body


def _merged_from(item, viewer):
    """The viewer's own items merged into ``item`` (a follower's: one query, for followed items only; for a
    listed item one for its page, ``item.merges``)."""
    from sqlalchemy import select

    from ..extensions import db
    from .models import Suggestion

    if viewer is None:
        return []
    if getattr(item, "merges", None) is not None:
        return item.merges.merged_from(item.id)
    rows = db.session.execute(select(Suggestion.id, Suggestion.number, Suggestion.content).where(
        Suggestion.merged_into_id == item.id, Suggestion.citizen_id == viewer.id).order_by(Suggestion.id)).all()
    return [{"id": i, "number": n, "content": c} for i, n, c in rows]


def _merged_into_shown(item, viewer):
    from ..extensions import db
    from .models import Suggestion
    from .workflow import can_see

    if getattr(item, "merges", None) is not None:
        into = item.merges.merged_into(item.merged_into_id)
    else:
        into = db.session.get(Suggestion, item.merged_into_id)
    return into is not None and can_see(viewer, into)


def _nameless(item):
    """Whether staff see no filer: anonymous by choice, or erased (注销, auth.erasure). The filer is read
    only for an item that is not anonymous, which staff are shown the filer of anyway."""
    return item.anonymous or item.citizen.erased_dt is not None


def shown_department(item, department):
    """A 承办部门 as typed by a deputy or an administrator (who may write an official's name and mobile into
    it), as a citizen — the item's or a follower — reads it: as other staff text is shown them, redacted."""
    return redact_item_text(item, department) if department else department


def _departments_masked(item, note):
    """``note`` (a timeline line, which may name the item's departments: 督办, a withdrawn work order) with
    every department as ``shown_department`` shows it."""
    for work_order in item.work_orders:
        if note and work_order.department and work_order.department in note:
            note = note.replace(work_order.department, shown_department(item, work_order.department))
    return note


def _work_order(item, work_order, staff, private):
    return {
        "target": work_order.target,
        "department": work_order.department if staff else shown_department(item, work_order.department),
        "work_order_no": work_order.work_order_no if private else None,
        "forwarded_at": work_order.forwarded_dt,
        "feedback_at": work_order.feedback_dt,
        "satisfaction": work_order.satisfaction.value if private and work_order.satisfaction else None,
        "satisfaction_label": work_order.satisfaction_label if private else None,
        "withdrawn_at": work_order.withdrawn_dt,
        "withdrawn_reason": work_order.withdrawn_reason,
    }


def action_label(event):
    """A step as the timeline names it; a rating with how the citizen rated (评价：不满意): a 不满意 sends the
    item back and clears its rating, so its timeline entry is where the citizen and the staff read it."""
    label = ACTION_LABELS.get(event.action, event.action)
    satisfaction = (event.data or {}).get("satisfaction") if event.action == "rate" else None
    return f"{label}：{SATISFACTION_LABELS[satisfaction]}" if satisfaction in SATISFACTION_LABELS else label


# The steps whose note the system writes from fixed words (a deadline passed, a merge, an automatic
# close or 督办): a follower reads them. Notes people write (the staff's dispatch, progress, 督办 and
# review notes, a 退回 reason, the filer's rating comment) the public disclosure never shows, so neither
# does a follower's timeline; the answers that end the item for them too — the reply, and a 不予受理's
# reason, which their notice also says — it shows as the public would, redacted.
GENERATED_NOTE_ACTIONS = frozenset({"merge", "merged_in"})
ANSWER_ACTIONS = frozenset({"reply", "reject"})


def follower_note(item, event):
    """``event``'s note as someone following the item reads it (as the public would)."""
    if event.action == "reply" and item.public_reply is not None:
        # An administrator approved the answer the public reads (公开展示内容): it stands for the last reply,
        # and the earlier rounds' answers, which the public pages never show, are empty.
        replies = [e for e in item.events if e.action == "reply"]
        return public_reply(item) if replies and replies[-1] is event else ""
    if event.action in ANSWER_ACTIONS:
        return redact_item_text(item, event.note)
    if event.actor_role == "system" or event.action in GENERATED_NOTE_ACTIONS:
        return event.note
    return ""


def _event(item, event, staff, private, anonymous):
    entry = {
        "action": event.action,
        "action_label": action_label(event),
        # Filing comes from no status; a filing written before 2026-11-29 has its status on both sides.
        "from_status": None if event.action == "file" else event.from_status,
        "to_status": event.to_status,
        "actor_role": event.actor_role,
        "note": event.note if private else follower_note(item, event),
        "at": event.created_dt,
    }
    if not staff:
        entry["note"] = _departments_masked(item, entry["note"])
    if staff and not (anonymous and event.actor_role == "citizen"):
        # An anonymous filer's own steps name nobody: their user id is the one their other items show.
        entry["actor_name"] = event.actor_name
        entry["actor_user_id"] = event.actor_user_id
    elif event.actor_role == "deputy":
        # A deputy is a public figure; station staff are not named to citizens.
        entry["actor_name"] = event.actor_name
    return entry
