"""WeChat's screening of citizens' photos (mediaCheckAsync), from submission to verdict.

WeChat requires a mini-program to screen the images its users share. The check is asynchronous:
we hand WeChat a URL it can fetch the photo from and get a ``trace_id``; the verdict arrives later
as a ``wxa_media_check`` push (``backend.wechat.push``). Meanwhile the photo shows only to the
citizen who took it and to administrators (``Upload.shown``).

* The sweep submits the photos of filed suggestions (``submit_due``): never inside the filing, so
  a slow or unreachable WeChat costs the citizen nothing, and a photo whose submission fails is
  retried with backoff; one whose submission fails for reasons of its own (an answer without a
  trace_id, an odd errcode, a bug of ours) holds up none of the others, as in the text screening.
  A verdict that never comes is asked for again after ``PHOTO_SCREEN_WAIT_MINUTES``; after
  ``MAX_SUBMISSIONS`` tries, or when WeChat will not screen for this user (no openid), the photo goes
  to an administrator (``manual``).
* A ``risky`` verdict or a ``manual`` photo holds its suggestion for review, exactly like risky
  text: hidden from everyone but administrators until one releases (or rejects) it.
* Every step claims its row with a conditional UPDATE, so concurrent sweeps and repeated pushes
  never submit or decide anything twice.
"""
import logging
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from ..auth.models import User
from ..auth.tokens import signer
from ..db_types import utcnow
from ..extensions import db
from ..suggestions import services
from ..suggestions.models import Suggestion
from ..wechat import WeChatError, WeChatMalformed, WeChatUnavailable, get_client
from ..wechat.client import INVALID_OPENID
from .models import Upload

log = logging.getLogger(__name__)

BATCH = 200
STOP = "stop"  # _submit: WeChat cannot be reached, the round ends
MAX_SUBMISSIONS = 5
# How long the URL handed to WeChat opens the photo without signing in; WeChat fetches within minutes.
MEDIA_URL_SECONDS = 24 * 3600
VERDICTS = frozenset({"pass", "review", "risky"})
HOLD_REASONS = {
    "risky": "照片内容安全检测未通过，等待人工审核",
    "manual": "照片无法自动检测，等待人工审核",
}


def _serializer():
    return signer("media-check-v1")


def media_url(key):
    """The absolute URL WeChat fetches the photo from: signed for this key, valid for a day."""
    from .routes import url_for_key

    return f"{current_app.config['PUBLIC_BASE_URL']}{url_for_key(key)}?sig={_serializer().dumps(key)}"


def signed_for(key, signature):
    """Whether ``signature`` (the ``sig`` of a media URL) opens the photo ``key``."""
    try:
        return _serializer().loads(signature, max_age=MEDIA_URL_SECONDS) == key
    except BadSignature:  # also SignatureExpired
        return False


def _backoff(attempts):
    return timedelta(seconds=min(60 * 2 ** attempts, 6 * 3600))


def _hold(upload_id, screening):
    """Mark the photo ``screening`` (risky or manual) and hold its suggestion for an administrator."""
    upload = db.session.get(Upload, upload_id)
    upload.screening = screening
    upload.screen_next_dt = None
    if upload.suggestion_id is not None:
        services.hold(db.session.get(Suggestion, upload.suggestion_id), HOLD_REASONS[screening])


def submit_due(limit=BATCH):
    """Submit the photos of filed suggestions that wait for screening, or whose verdict never came.

    Returns {"submitted": n, "manual": n, "retry": n}."""
    counts = {"submitted": 0, "manual": 0, "retry": 0}
    now = utcnow()
    due = db.session.execute(
        select(Upload.id, Upload.key, Upload.screening, Upload.screen_attempts, User.openid)
        .join(User, User.id == Upload.owner_id)
        .where(
            Upload.suggestion_id.is_not(None),
            or_(
                and_(Upload.screening == "pending", or_(Upload.screen_next_dt.is_(None), Upload.screen_next_dt <= now)),
                and_(Upload.screening == "checking", Upload.screen_next_dt <= now),
            ),
        )
        .order_by(Upload.id)
        .limit(limit)
    ).all()
    db.session.commit()
    wait = timedelta(minutes=current_app.config["PHOTO_SCREEN_WAIT_MINUTES"])
    for photo in due:
        try:
            outcome = _submit(photo, wait, counts)
        except DBAPIError:  # the database's (a lock waited on too long): the sweep leaves the step to the next run
            raise
        except Exception:  # noqa: BLE001 - a bug of ours with this one photo: logged, and the others go on
            db.session.rollback()
            log.exception("submission of photo %s for screening failed; it is retried later", photo.id)
            counts["retry"] += 1
            continue
        if outcome == STOP:
            break
    return counts


def _submit(photo, wait, counts):
    """Submit one due photo (claimed first, its next try already set by the backoff). Returns ``STOP`` when
    WeChat cannot be reached: the rest wait for the next sweep, untried, as each try could cost a timeout. A
    photo that fails for reasons of its own (an odd errcode, an answer without a trace_id) is retried later
    and the others go on."""
    claimed = db.session.execute(
        update(Upload)
        .where(Upload.id == photo.id, Upload.screening == photo.screening,
               Upload.screen_attempts == photo.screen_attempts)
        .values(screen_attempts=photo.screen_attempts + 1, screen_next_dt=utcnow() + _backoff(photo.screen_attempts))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return None  # another sweep took it
    if photo.screen_attempts >= MAX_SUBMISSIONS:
        _finish_manual(photo.id, counts, f"no verdict after {MAX_SUBMISSIONS} submissions")
        return None
    try:
        trace_id = get_client().media_check_async(photo.openid or "", media_url(photo.key))
    except WeChatError as exc:
        if exc.errcode == INVALID_OPENID:
            _finish_manual(photo.id, counts, "WeChat will not screen for this user")
            return None
        log.warning("photo %s not submitted for screening: WeChat errcode %s", photo.id, exc.errcode)
        counts["retry"] += 1
        return None
    except WeChatMalformed as exc:  # says nothing of the next call: the others go on
        log.warning("photo %s not submitted for screening: %s", photo.id, exc)
        counts["retry"] += 1
        return None
    except WeChatUnavailable as exc:
        log.warning("photo %s not submitted for screening: %s", photo.id, exc)
        counts["retry"] += 1
        return STOP
    db.session.execute(
        update(Upload).where(Upload.id == photo.id)
        .values(screening="checking", trace_id=trace_id, screen_next_dt=utcnow() + wait)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    counts["submitted"] += 1
    return None


def _finish_manual(upload_id, counts, why):
    log.info("photo %s goes to an administrator: %s", upload_id, why)
    try:
        _hold(upload_id, "manual")
        db.session.commit()
    except StaleDataError:  # its suggestion changed meanwhile: the next sweep holds it
        db.session.rollback()
        counts["retry"] += 1
        return
    counts["manual"] += 1


def apply_verdict(trace_id, suggest):
    """WeChat's verdict for the submission ``trace_id``. Returns whether it decided anything: an
    unknown trace, a superseded submission or a repeated push changes nothing."""
    if not isinstance(suggest, str) or suggest not in VERDICTS:
        log.warning("media check %s: unexpected verdict %r ignored", trace_id, suggest)
        return False
    upload_id = db.session.scalar(
        update(Upload)
        .where(Upload.trace_id == trace_id, Upload.screening == "checking")
        .values(screening=suggest, screen_next_dt=None)
        .returning(Upload.id)
        .execution_options(synchronize_session=False)
    )
    if upload_id is None:
        return False
    if suggest == "risky":
        _hold(upload_id, "risky")
    return True
