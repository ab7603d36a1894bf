"""A citizen's rights over their personal information (个人信息保护法 第四十五条、第四十七条): a copy of what
we hold about them (``personal_data``), and cancelling their account (注销, ``erase``).

What 注销 keeps, and why. The suggestions, appointments, livelihood proposals, opinions on draft
regulations and 述职测评 ballots a citizen made are the congress's working record (台账): the item, its
words (less the personal data typed into them), its timeline, the deputy's answer and the citizen's
ratings are what the deputy is credited or held to account for, what the statistics and the archive
count, and what a published item shows. A ballot's choices are the poll's counts (the deputies' results
and their 履职档案) and say nothing of the voter once the account is gone: they stay as cast. They stay, and go on being handled, with their filer an anonymous
群众: the ``users`` row is kept (every one of those tables points at it, ``suggestions.citizen_id`` and
``appointments.citizen_id`` are NOT NULL), marked ``erased_dt``, with nothing left on it that names or
reaches the person. What is erased:

* the identity: the openid (so the next WeChat sign-in of that person is a new, empty account), the
  browser key's hash (``web_id``), the phone, the display name; ``token_version`` is bumped, so every
  token of every device ends at once;
* in their own words (a suggestion's content, a rating's comment, an appointment's topic, a proposal's
  title and content, an opinion's content, a 述职测评 ballot's comment, their notes in a timeline): the name, phones, identity numbers
  and door-level address they typed in, through ``redact`` as the public pages do (我是住在迎丰路***的***，
  手机***). The words stay for the record; the same data the contact fields held goes from them too, every
  phone they left masked in any grouping (1391 2345 678), as the pages masked the item's contact phone before;
* in the staff's words on their items (a suggestion's reply and timeline notes, an appointment's answer and
  place, the feedback on an opinion, the reason a proposal was declined: ``_STAFF_WORDS``): only those phones
  of theirs, and on appointments the name they gave to be addressed by (王建国同志 -> ***同志);
* on their items: the contact phones they left, and where they said the problem was (the GPS point and
  the address: exact locations, often their own front door); on their appointments the contact phone and
  how to address them (王先生); on their proposals and their opinions on drafts the phone;
* a candidate project copied from one of their proposals (民生实事, shown on ballots and, adopted, on the
  public page) that still holds their words as written (adopted before adoption redacted them): its title
  and description are redacted as public suggestions are; one an administrator reworded is left as worded;
* their photos, the files and their rows (see ``_erase_photos``);
* what only served them: the items they followed, their pending WeChat messages, the answers kept for
  their retried requests (``idempotency_records``, which hold copies of those answers, phones included);
  and the answers kept for other users' retried requests that carry their names, phones, addresses or
  words (an administrator's 采纳 answered with the proposer's phone): deleted (``_forget_others_answers``);
* what WeChat messages to others, queued and not sent yet, say of them: the deputy's and the station's
  notices about their items and appointments go with the words redacted, as a follower reads them, and
  the deputy's meeting reminder that names them is dropped, and the record of one already sent loses the
  name (``redact_waiting_notices`` of suggestions and of appointments). A message a running sweep is
  sending at that very moment still goes as it was;
* what the WeChat messages already sent (or refused, or failed) kept of them, to the citizen themself,
  to the deputies and to the station's administrators (``_redact_sent_notices``): each stays as the record
  of what was sent, to whom it went, its values restated (not sent again) as the item's words now read —
  no name, phone or address — and the deputy's meeting reminder as 约见群众：群众.

Open appointments are cancelled through the appointment service (the deputy and the station are told);
a confirmed meeting whose time has passed is no longer the citizen's to cancel, and is left for the
station to record. Open suggestions go on being handled: the outbox sends nothing to a user without an
openid, nobody can rate them any more, and the sweep closes them unrated after AUTO_CLOSE_DAYS as it does
any item left unrated (``sweep.auto_close`` reads nothing of the citizen). Content screening of an item
not yet screened goes to an administrator ("manual"), as for any citizen WeChat cannot screen for.

A request of the citizen already in flight when 注销 commits (a filing, a photo, an appointment, a
proposal, an opinion, a rating: signed in a moment before) would leave behind what 注销 just took away;
it is refused as an erased token is (401), with nothing of it written, by one check for every request
rather than one per endpoint: see the notes above ``refuse_if_erased_meanwhile`` below.

The 操作日志 (backend/audit) records administrators' security-relevant actions, not citizens', so 注销 is
not written there; ``users.erased_dt`` says when it happened.

Deputies and administrators are refused: a deputy's binding and phone are the deputy register's, an
administrator's account is managed by the administrator above; both are official records kept by the
congress's staff.
"""
from flask import g, request
import json

from sqlalchemy import Text, bindparam, cast, delete, func, or_, select, update

from ..activities.models import Activity, ReportPoll, ReportPollBallot, ReportPollChoice, ReportPollDeputy
from ..appointments import services as appointments
from ..appointments.models import Appointment
from ..db_types import utcnow
from ..errors import APIError, error_response
from ..extensions import db
from ..idempotency import IdempotencyRecord
from ..consultations.models import FEEDBACK_LABELS, ConsultationOpinion
from ..livelihood.models import PROPOSAL_STATUS_LABELS, LivelihoodProject, LivelihoodProposal
from ..notifications.models import OutboxMessage
from ..notifications.outbox import restate_under, thing
from ..org.models import Deputy
from ..transactions import SAFE_METHODS, wrote
from ..suggestions import services as suggestion_services
from ..suggestions.redact import MASK, is_phone, mask_known, redact
from ..suggestions.models import SATISFACTION_LABELS, Suggestion, SuggestionEvent, SuggestionFollower, SuggestionRating
from ..research.models import ResearchReportPhoto
from ..uploads.models import Upload
from ..uploads.storage import delete_after_commit, get_storage
from .models import User, WeChatLinkCode
from .scope import ERASE_PATH, ERASED_MESSAGE

# How a citizen's steps in a timeline, and their answer to an appointment, name them once erased.
ANONYMOUS = "群众"
CANCEL_REASON = "群众已注销账号"
# The most entries of each kind the copy lists (newest first); ``total`` says how many there are. A citizen
# rarely has more than a few dozen.
LIST_LIMIT = 200

DEPUTY_REFUSAL = ("您的微信已绑定人大代表身份，代表的信息属于代表名册，由人大常委会代表工作机构维护，"
                  "不能在此查看或注销。如需更正或删除个人信息，请联系所在联络站或人大常委会代表工作机构。")
ADMIN_REFUSAL = ("管理员账号由上级管理员管理，其记录属于人大机关的工作档案，不能在此查看或注销。"
                 "如需停用账号，请联系上级管理员。")
NOT_CITIZEN = "只有群众账号可以查看个人信息或注销账号。"
REMINDER_LINKED = ("本微信正在接收管理账号的工作提醒，不能直接注销。"
                   "请先由该账号在管理后台解除微信提醒，或联系上级管理员，再注销。")


def refusal(user):
    """Why ``user`` (a Caller or a User) may not see or erase their data here, as an APIError, or None."""
    if user.deputy_id is not None:
        return APIError(403, "forbidden", DEPUTY_REFUSAL)
    if user.is_admin or getattr(user, "username", None):
        return APIError(403, "forbidden", ADMIN_REFUSAL)
    if "citizen" not in user.roles:
        return APIError(403, "forbidden", NOT_CITIZEN)
    return None


def _newest(query, order_column):
    """``(rows, total)``: the newest LIST_LIMIT rows of ``query`` and how many there are."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.order_by(order_column.desc()).limit(LIST_LIMIT)).all()
    return rows, total


def personal_data(user):
    """A copy of what is held about the citizen ``user`` (a User), as the contract's JSON."""
    suggestions, suggestion_total = _newest(select(Suggestion).where(Suggestion.citizen_id == user.id), Suggestion.id)
    ids = [item.id for item in suggestions]
    photos = dict(db.session.execute(
        select(Upload.suggestion_id, func.count()).where(Upload.suggestion_id.in_(ids)).group_by(Upload.suggestion_id)
    ).all()) if ids else {}
    unattached = db.session.scalar(select(func.count()).select_from(Upload).where(
        Upload.owner_id == user.id, Upload.suggestion_id.is_(None),
        Upload.id.not_in(select(ResearchReportPhoto.upload_id))))  # a report's: the team's (_erase_photos)
    ratings, rating_total = _newest(
        select(SuggestionRating).join(Suggestion, Suggestion.id == SuggestionRating.suggestion_id)
        .where(Suggestion.citizen_id == user.id), SuggestionRating.id)
    numbers = dict(db.session.execute(select(Suggestion.id, Suggestion.number).where(
        Suggestion.id.in_({r.suggestion_id for r in ratings}))).all()) if ratings else {}
    appointment_rows, appointment_total = _newest(
        select(Appointment).where(Appointment.citizen_id == user.id), Appointment.id)
    proposals, proposal_total = _newest(
        select(LivelihoodProposal).where(LivelihoodProposal.proposer_id == user.id), LivelihoodProposal.id)
    opinions, opinion_total = _newest(
        select(ConsultationOpinion).where(ConsultationOpinion.author_id == user.id), ConsultationOpinion.id)
    ballots, ballot_total = _newest(
        select(ReportPollBallot).where(ReportPollBallot.voter_id == user.id), ReportPollBallot.id)
    return {
        "account": {
            "id": user.id,
            "kind": "wechat" if user.openid else "web",
            "kind_label": "微信小程序" if user.openid else "手机浏览器",
            "phone": user.phone,
            "created_at": user.created_dt,
            "last_login_at": user.last_login_dt,
        },
        "suggestions": {"total": suggestion_total, "items": [{
            "id": item.id, "number": item.number, "status": item.status.value, "status_label": item.status_label,
            "category": item.category, "content": item.content, "contact_phone": item.contact_phone,
            "location": {"lat": item.lat, "lng": item.lng, "address": item.address}
            if item.lat is not None or item.address else None,
            "anonymous": item.anonymous, "public_consent": item.public_consent,
            "photos": photos.get(item.id, 0), "created_at": item.created_dt,
            "publication": suggestion_services.publication_of(item),
        } for item in suggestions]},
        "unattached_photos": unattached,
        "ratings": {"total": rating_total, "items": [{
            "suggestion_id": r.suggestion_id, "number": numbers.get(r.suggestion_id), "round": r.round,
            "satisfaction": r.satisfaction.value, "satisfaction_label": SATISFACTION_LABELS[r.satisfaction.value],
            "comment": r.comment, "created_at": r.created_dt,
        } for r in ratings]},
        "appointments": {"total": appointment_total, "items": [{
            "id": a.id, "number": a.number, "status": a.status.value, "status_label": a.status_label,
            "topic": a.topic, "name": a.name, "contact_phone": a.contact_phone, "preferred_time": a.preferred_time,
            "meet_at": a.meet_dt, "created_at": a.created_dt,
        } for a in appointment_rows]},
        "livelihood_proposals": {"total": proposal_total, "items": [{
            "id": p.id, "title": p.title, "content": p.content, "contact_phone": p.phone,
            "status": p.status.value, "status_label": PROPOSAL_STATUS_LABELS[p.status.value], "created_at": p.created_dt,
        } for p in proposals]},
        "consultation_opinions": {"total": opinion_total, "items": [{
            "id": o.id, "consultation_id": o.consultation_id, "consultation_title": o.consultation.title,
            "article_number": o.article.number if o.article is not None else None, "content": o.content,
            "contact_phone": o.phone, "feedback_label": FEEDBACK_LABELS[o.feedback.value] if o.feedback else None,
            "created_at": o.created_dt,
        } for o in opinions]},
        "report_poll_ballots": {"total": ballot_total, "items": _ballot_copies(ballots)},
    }


def _ballot_copies(ballots):
    """The citizen's 述职测评 ballots (``ballots``, newest first) as the copy lists them: the activity, each
    rated deputy with the choice in the ballot's order, the comment. One read for the activities and one for
    every listed ballot's choices with the deputies' names, however many ballots."""
    if not ballots:
        return []
    activities = {poll_id: (title, starts) for poll_id, title, starts in db.session.execute(
        select(ReportPoll.id, Activity.title, Activity.starts_dt).join(Activity, Activity.id == ReportPoll.activity_id)
        .where(ReportPoll.id.in_({b.poll_id for b in ballots}))).all()}
    choices = {}
    for ballot_id, deputy_name, choice in db.session.execute(
            select(ReportPollChoice.ballot_id, Deputy.name, ReportPollChoice.choice)
            .join(Deputy, Deputy.id == ReportPollChoice.deputy_id)
            .outerjoin(ReportPollDeputy, (ReportPollDeputy.poll_id == ReportPollChoice.poll_id)
                       & (ReportPollDeputy.deputy_id == ReportPollChoice.deputy_id))
            .where(ReportPollChoice.ballot_id.in_([b.id for b in ballots]))
            .order_by(ReportPollChoice.ballot_id, ReportPollDeputy.position, ReportPollChoice.deputy_id)).all():
        choices.setdefault(ballot_id, []).append({
            "deputy_name": deputy_name, "choice": choice.value, "choice_label": SATISFACTION_LABELS[choice.value]})
    return [{
        "id": b.id, "activity_title": activities[b.poll_id][0], "activity_starts_at": activities[b.poll_id][1],
        "choices": choices.get(b.id, []), "comment": b.comment, "created_at": b.created_dt,
    } for b in ballots]


def erase(user):
    """注销 the citizen ``user`` (a User) in the request's transaction; see the module's docstring.

    The row is read again under a lock (PostgreSQL; SQLite's writer lock serialises the rest): of two
    requests at once, the second finds it erased and does nothing. Returns whether this call erased it."""
    user = db.session.scalar(select(User).where(User.id == user.id).with_for_update().execution_options(
        populate_existing=True))
    if user.erased_dt is not None:
        return False
    if db.session.scalar(select(func.count()).select_from(User).where(User.notify_user_id == user.id)):
        raise APIError(409, "conflict", REMINDER_LINKED)
    _cancel_open_appointments(user)
    personal = _names_and_phones(user)
    # How they asked to be addressed on appointments (王建国, 赵先生), read before the field is blanked below.
    names = sorted({n.strip() for n in db.session.scalars(select(Appointment.name).where(
        Appointment.citizen_id == user.id)) if n and len(n.strip()) >= 2 and not is_phone(n)}, key=len, reverse=True)
    addresses = db.session.scalars(select(Suggestion.address).where(Suggestion.citizen_id == user.id,
                                                                    Suggestion.address != "")).all()
    # Every phone they left, read before the contact fields are cleared below: once they are, the pages no
    # longer know the item's contact phone to mask it (redact_item_text), so the words written with it (in
    # whatever grouping the generic patterns miss: 1391 2345 678) are masked here, for good.
    phones = [value for value in personal if is_phone(value)]
    # Notices to the staff about their items and appointments, queued and not sent yet (the cancellations
    # just queued among them): nothing in them names or reaches the citizen once sent.
    suggestion_services.redact_waiting_notices(user.id, known=phones)
    appointments.redact_waiting_notices(user.id, known=phones)
    now = utcnow()
    # Every item of theirs: the contact and the exact place go; the version moves, so that a step taken
    # on the item at this instant from a copy read before collides instead of writing them back.
    db.session.execute(
        update(Suggestion).where(Suggestion.citizen_id == user.id)
        .values(contact_phone=None, lat=None, lng=None, address="", version=Suggestion.version + 1, updated_dt=now)
        .execution_options(synchronize_session=False))
    db.session.execute(
        update(SuggestionEvent).where(SuggestionEvent.actor_user_id == user.id, SuggestionEvent.actor_role == "citizen")
        .values(actor_name=ANONYMOUS).execution_options(synchronize_session=False))
    db.session.execute(
        update(Appointment).where(Appointment.citizen_id == user.id)
        .values(contact_phone="", name="", version=Appointment.version + 1, updated_dt=now)
        .execution_options(synchronize_session=False))
    # The requests they cancelled themself name them as the answerer. Only the citizen who asked may cancel
    # (appointments.services.ANSWERS) and only citizens are erased, so these are among their own requests:
    # found there (ix_appointments_citizen), not among every appointment's answerers.
    db.session.execute(
        update(Appointment).where(Appointment.citizen_id == user.id, Appointment.answered_by_id == user.id)
        .values(answered_by_name=ANONYMOUS).execution_options(synchronize_session=False))
    db.session.execute(
        update(LivelihoodProposal).where(LivelihoodProposal.proposer_id == user.id)
        .values(phone=None).execution_options(synchronize_session=False))
    _redact_adopted_copies(user)
    db.session.execute(
        update(ConsultationOpinion).where(ConsultationOpinion.author_id == user.id)
        .values(phone=None).execution_options(synchronize_session=False))
    originals = _redact_own_words(user, phones)
    _mask_in_staff_words(user, phones, names)
    _redact_sent_notices(user, originals, personal, phones)
    _erase_photos(user)
    db.session.execute(delete(SuggestionFollower).where(SuggestionFollower.user_id == user.id))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.user_id == user.id, OutboxMessage.status == "pending"))
    db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.user_id == user.id))
    _forget_others_answers(user, [*personal, *addresses], originals)
    db.session.execute(delete(WeChatLinkCode).where(WeChatLinkCode.used_by_id == user.id))
    user.openid = user.web_id = user.phone = None
    user.display_name = ""
    user.last_login_dt = None
    user.erased_dt = now
    user.token_version += 1  # every device's token ends (auth.scope.load_current_user)
    db.session.flush()
    return True


# A text the citizen wrote is looked for in other users' kept answers only from this length: a short one (好的，
# 谢谢) would match answers that are not about them. Names and phones count from two characters (as above).
_WORDS_MIN = 6


def _forget_others_answers(user, personal, words):
    """Other users' kept answers (``idempotency_records``: an administrator's 采纳 answered with the proposer's
    phone, a deputy's reply with the suggestion's words and address) that carry any of ``personal`` (the
    citizen's names, phones and the addresses they gave) or of ``words`` (what they wrote, as they wrote it)
    are deleted, so that a retry after 注销 replays none of it. Deleted rather than redacted: a replay is the
    first answer as it was or nothing, and all a deletion costs is that a retry within the key's 24 h is
    handled afresh (a step already taken: 409). Answers are stored as JSON text with ``json.dumps``'s escapes,
    so each needle is looked for as JSON spells it; one statement, one scan of the table."""
    needles = [value.strip() for value in personal if value and len(value.strip()) >= 2]
    needles += [value.strip() for value in words if value and len(value.strip()) >= _WORDS_MIN]
    spelled = sorted({json.dumps(needle)[1:-1] for needle in needles})
    if not spelled:
        return
    body = cast(IdempotencyRecord.body, Text)
    db.session.execute(delete(IdempotencyRecord).where(
        IdempotencyRecord.user_id != user.id, or_(*(body.contains(text, autoescape=True) for text in spelled)))
        .execution_options(synchronize_session=False))


def _redact_adopted_copies(user):
    """The candidate projects made from ``user``'s proposals that still hold their words verbatim, redacted
    (see the module's note). One query for the pairs; a write only for those still verbatim."""
    pairs = db.session.execute(
        select(LivelihoodProject, LivelihoodProposal.title, LivelihoodProposal.content)
        .join(LivelihoodProposal, LivelihoodProposal.project_id == LivelihoodProject.id)
        .where(LivelihoodProposal.proposer_id == user.id)).all()
    for project, title, content in pairs:
        if project.title == title:
            project.title = redact(title)
        if project.description == content:
            project.description = redact(content)


# The citizen's own words on each kind of item: (model, which rows are theirs, the text columns). Kept
# for the record, with what identifies the person typed into them removed (``redact``).
_OWN_WORDS = (
    # The words an administrator approved for the public pages (public_content) are the citizen's, reworded.
    (Suggestion, lambda uid: Suggestion.citizen_id == uid, ("content", "public_content")),
    (SuggestionRating, lambda uid: SuggestionRating.suggestion_id.in_(
        select(Suggestion.id).where(Suggestion.citizen_id == uid)), ("comment",)),
    (Appointment, lambda uid: Appointment.citizen_id == uid, ("topic",)),
    (LivelihoodProposal, lambda uid: LivelihoodProposal.proposer_id == uid, ("title", "content")),
    (ConsultationOpinion, lambda uid: ConsultationOpinion.author_id == uid, ("content",)),
    (ReportPollBallot, lambda uid: ReportPollBallot.voter_id == uid, ("comment",)),
)


def _redact_own_words(user, phones):
    """The words the citizen wrote stay, with their name, phones, identity numbers and door-level address
    removed: the same data 注销 erases from the contact fields, typed into the text (我是住在迎丰路12号的
    赵大明，手机…), and each of ``phones`` (every phone they left) in any grouping. Their steps in the
    timelines (a rating's comment, a supplement) too. One read and one write per kind: a citizen has a few
    items, not thousands. Returns every text read, as it was written (what the messages sent about them
    quoted: ``_redact_sent_notices``)."""
    def redacted(value):
        return redact(value, known=phones)

    originals = []
    for model, theirs, columns in _OWN_WORDS:
        rows = db.session.execute(select(model.id, *(getattr(model, c) for c in columns)).where(theirs(user.id))).all()
        originals += [value for row in rows for value in row[1:] if value]
        _write(model, [{"row_id": row[0], **{c: redacted(row[i + 1]) for i, c in enumerate(columns)}}
                       for row in rows if any(redacted(value) != value for value in row[1:])])
    notes = db.session.execute(select(SuggestionEvent.id, SuggestionEvent.note).where(
        SuggestionEvent.actor_user_id == user.id, SuggestionEvent.actor_role == "citizen", SuggestionEvent.note != "")).all()
    _write(SuggestionEvent, [{"row_id": event_id, "note": redacted(note)} for event_id, note in notes
                             if redacted(note) != note])
    return originals + [note for _, note in notes]


# The staff's words on each kind of the citizen's items: (model, which rows are theirs, the text columns, whether
# the names the citizen gave are masked too). Kept as the official record, with only what 注销 knows of the
# citizen masked (``_mask_in_staff_words``). A new kind of item with staff text about a citizen belongs here.
_STAFF_WORDS = (
    # The reply, and its approved public words; a follower reads them as the public would already.
    (Suggestion, lambda uid: Suggestion.citizen_id == uid, ("reply_content", "public_reply"), False),
    # A meeting's answer (the confirmation's note, the reason, the record) and its place, typed by the deputy
    # or the station: they address the citizen as asked (王建国同志) and quote the number to call.
    (Appointment, lambda uid: Appointment.citizen_id == uid, ("answer", "place"), True),
    (ConsultationOpinion, lambda uid: ConsultationOpinion.author_id == uid, ("feedback_note",), False),  # 反馈说明
    (LivelihoodProposal, lambda uid: LivelihoodProposal.proposer_id == uid, ("reason",), False),  # 不予采纳的理由
)


def _mask_in_staff_words(user, phones, names):
    """The staff's words on the citizen's items (``_STAFF_WORDS``; the notes of their suggestions' timelines)
    that quote a phone of the citizen (已按1391 2345 678回访): that number masked, in any grouping, and on
    appointments the names they gave to be addressed by (``names``, 王建国), and nothing else changed — the
    rest is the official record. Before 注销 the pages masked the item's contact phone in them
    (``redact_item_text``); after it they no longer know it. One read and one write per kind."""
    for model, theirs, columns, with_names in _STAFF_WORDS:
        known = [*phones, *names] if with_names else phones
        if not known:
            continue
        rows = db.session.execute(select(model.id, *(getattr(model, c) for c in columns)).where(theirs(user.id))).all()
        _write(model, [{"row_id": row[0], **{c: mask_known(row[i + 1], known) for i, c in enumerate(columns)}}
                       for row in rows if any(mask_known(value, known) != value for value in row[1:])])
    if not phones:
        return
    # Every note on their items: the citizen's own, redacted already, have nothing left to mask.
    theirs = select(Suggestion.id).where(Suggestion.citizen_id == user.id)
    notes = db.session.execute(select(SuggestionEvent.id, SuggestionEvent.note).where(
        SuggestionEvent.suggestion_id.in_(theirs), SuggestionEvent.note != "")).all()
    _write(SuggestionEvent, [{"row_id": event_id, "note": mask_known(note, phones)} for event_id, note in notes
                             if mask_known(note, phones) != note])


def _names_and_phones(user):
    """What names or reaches the citizen in their contact fields, read before 注销 blanks them: how they asked
    to be addressed on appointments (赵先生), their display name, and every phone they left."""
    found = {user.display_name, user.phone}
    for model, theirs, columns in (
            (Appointment, Appointment.citizen_id == user.id, (Appointment.name, Appointment.contact_phone)),
            (Suggestion, Suggestion.citizen_id == user.id, (Suggestion.contact_phone,)),
            (LivelihoodProposal, LivelihoodProposal.proposer_id == user.id, (LivelihoodProposal.phone,)),
            (ConsultationOpinion, ConsultationOpinion.author_id == user.id, (ConsultationOpinion.phone,))):
        for row in db.session.execute(select(*columns).where(theirs)).all():
            found.update(row)
    # A name of one character (a nickname 阳) would mask ordinary words: only whole names and numbers.
    return sorted((v.strip() for v in found if v and len(v.strip()) >= 2), key=len, reverse=True)


def _redact_sent_notices(user, originals, personal, phones):
    """Every WeChat message already sent (or refused, or failed) about the citizen keeps no name, phone or
    address of theirs, restated in place, never sent again (see the module's note). The messages to the
    citizen themself, found by their user; those about their suggestions and appointments to the staff, by
    the items' keys alone, whoever they went to: a deputy's WeChat user of before a new binding still reads
    them in its 消息中心, and a console account that unlinked its WeChat holds its own. A value that quotes their words
    (``thing`` of a text of ``originals``) reads as ``thing`` of the words redacted, as the item now does;
    any other value is redacted, and the names and phones of ``personal`` in it masked (``phones``, the phones
    among them, in any grouping)."""
    quoted = {thing(text): thing(redact(text, known=phones)) for text in originals}

    def scrub(value):
        if not isinstance(value, str) or not value:
            return value
        if value in quoted:
            return quoted[value]
        value = redact(value, known=phones)
        for piece in personal:
            value = value.replace(piece, MASK)
        return value

    def change(template, key, data):
        data = appointments.unnamed(template, key, data)
        return {name: scrub(value) for name, value in data.items()}

    own = db.session.execute(select(OutboxMessage.id, OutboxMessage.data).where(
        OutboxMessage.user_id == user.id, OutboxMessage.status != "pending")).all()
    _write(OutboxMessage, [{"row_id": message_id, "data": change("", "", data)} for message_id, data in own
                           if change("", "", data) != data])
    items = db.session.scalars(select(Suggestion.id).where(Suggestion.citizen_id == user.id)).all()
    meetings = db.session.scalars(select(Appointment.id).where(Appointment.citizen_id == user.id)).all()
    prefixes = [*((template, f"{template}:{i}:") for i in items for template in suggestion_services.STAFF_TEMPLATES),
                *(("appointment", f"appointment:{i}:") for i in meetings),
                *(("appointment_result", f"appointment-meeting:{i}:") for i in meetings)]
    if prefixes:
        restate_under(prefixes, change, exclude_user=user.id, sent_too=True)


def _write(model, changed):
    """One UPDATE statement, executed for each of ``changed`` ({"row_id": id, column: value...})."""
    if changed:
        table = model.__table__
        db.session.execute(update(table).where(table.c.id == bindparam("row_id"))
                           .values({c: bindparam(c) for c in changed[0] if c != "row_id"}), changed)


def _cancel_open_appointments(user):
    """Each request still open and the citizen's to cancel, cancelled as the citizen would: the deputy and
    the station are told. A confirmed meeting whose time has passed was held (or missed): the station
    records it; its citizen's details go with the rest."""
    now = utcnow()
    for appointment in db.session.scalars(select(Appointment).where(
            Appointment.citizen_id == user.id, Appointment.status.in_(appointments.OPEN)).order_by(Appointment.id)):
        if not appointments.meeting_passed(appointment, now):
            appointments.cancel(appointment, user, CANCEL_REASON)


def _erase_photos(user):
    """Every photo the citizen uploaded is deleted, its row now and its file once the transaction commits.

    Photos are never part of the public record: the public pages and the public API show a published
    item's words with personal data removed and no photo at all (suggestions.public_routes; a follower, too,
    sees none, presenters.photos_shown), and the consent to publish (``public_consent``) covers the words
    only. A photo may show faces, number plates or a front door, and it was given to the staff to handle
    the item, not kept for the register. So no consent covers keeping one once its author leaves: open
    items go on being handled from their words, which stay.

    A photo on a research report (调研报告) is no citizen's: the team's lead uploaded it as a deputy and it is
    the team's record, held by whichever account the lead is bound to (``research.access.hand_report_photos``).
    One still held by this account (the lead unbound from it, bound to no other yet) stays on the report
    (its EXIF was stripped on upload, as every photo's), and passes to the next account the lead binds."""
    own = (Upload.owner_id == user.id) & Upload.id.not_in(select(ResearchReportPhoto.upload_id))
    keys = db.session.scalars(select(Upload.key).where(own)).all()
    if not keys:
        return
    db.session.execute(delete(Upload).where(own).execution_options(synchronize_session=False))
    storage = get_storage()
    for key in keys:
        delete_after_commit(db.session(), storage, key)


# --- a request of the citizen in flight while 注销 commits ------------------------------------------


def _concerned(caller):
    """Whether ``caller`` (a Caller or None) is a citizen whose changing request this guards."""
    return (caller is not None and request.method not in SAFE_METHODS
            and not (request.method == "DELETE" and request.path == ERASE_PATH) and refusal(caller) is None)


# Why, and how. A citizen's filing, appointment, photo, proposal, opinion or rating authenticated a moment
# before their 注销 committed would otherwise commit after it, leaving the contact phone, the photo or the
# identity 注销 had just taken away. A check in every endpoint would be missed in the next one, the
# Idempotency-Key decorator sees only creating requests that send a key, and a ``before_commit`` listener
# runs inside the commit, where a refusal can only be an exception (a 500). So the request as a whole is
# ordered against 注销 where every request passes:
#
# PostgreSQL (READ COMMITTED): a changing request reads its caller's ``users`` row ``FOR KEY SHARE`` as it
# signs them in (auth.scope._caller_statement: the same statement, no extra one) and holds it to its
# commit. That is the lock a foreign key to the row takes anyway, compatible with the same citizen's other
# requests and with an update of the row by a sign-in; only 注销's ``FOR UPDATE`` conflicts with it. So a
# request that locked the row first finishes before 注销 goes on, and 注销's statements, each reading what
# is committed when it starts, find and erase what it wrote; a request that comes while 注销 holds the row
# waits, then reads the row as 注销 committed it (a locking read at READ COMMITTED sees the newest version)
# and is refused before it writes anything, as an erased token is (auth.scope.load_current_user). Taken at
# the start, not at the commit: by then the request may have changed rows 注销 changes too (a rated item, a
# cancelled appointment), and the two could deadlock.
#
# SQLite: the driver opens the transaction at the first write, and a writer holds the only write lock to
# its commit; after its first write a request reads the newest commit and no 注销 can commit before it
# does. So the row is read just before the commit (``refuse_if_erased_meanwhile``), once the request has
# written anything: one SELECT by primary key, for a citizen's changing request alone.
#
# Either way the refusal is the answer an erased token gets (401 ``ERASED_MESSAGE``); everything the request
# wrote is rolled back, a photo it saved deleted with it (uploads.storage).


def refuse_if_erased_meanwhile(response):
    """Before the commit (SQLite): a citizen's request that wrote, erased meanwhile, answers 401 instead;
    the request's end then rolls back what it wrote (transactions.end_request_transaction)."""
    caller = g.get("caller")
    if response.status_code >= 400 or not _concerned(caller):
        return response
    session = db.session()
    if session.get_bind().dialect.name == "postgresql" or not wrote(session):
        return response  # PostgreSQL: ordered by the lock the caller's row was read with (see above)
    session.flush()  # the request's rows written (and SQLite's write lock taken) before the row is read
    erased = session.connection().execute(select(User.erased_dt).where(User.id == caller.id)).scalar()
    return error_response(401, "unauthorized", ERASED_MESSAGE) if erased is not None else response
