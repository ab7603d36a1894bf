"""``Idempotency-Key``: a retried creating request from a flaky phone network returns the first result.

A key is bound to the request it first came with: its method, its path (the ids in it) and its body
(``fingerprint``). The same key with another request (another record's URL, another body) is refused,
409 ``idempotency_key_reused`` (``OTHER_REQUEST``): replaying the first answer would tell the caller the
second was done. It is no mistake in a field: a phone that lost the first answer and sent the form again
edited is told the first one may have gone through, and the mini-program leads to 我的.

A retry that arrives after the first request finished replays the stored answer; one that races it
collides on the unique key, or loses to it on what it changed, and replays too (see ``idempotent``). Keys live 24 h.

The fingerprint is keyed (HMAC-SHA256 under a key derived from SECRET_KEY): a plain hash of a body that
can take few values would tell anyone reading the table what was sent — a 民生实事 ballot has 3^n, so a
deputy's secret choices would be one brute force away. Without SECRET_KEY a stored fingerprint cannot be
checked against a guessed body.
"""
import hashlib
import hmac
import json
import secrets
from datetime import timedelta
from functools import wraps

from flask import current_app, jsonify, request
from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from .auth.scope import current_caller
from .db_types import UTCDateTime, utcnow
from .errors import APIError
from .extensions import Blueprint, db

KEY_TTL = timedelta(hours=24)
# How the OpenAPI document shows the header on every endpoint that takes it.
HEADER_DOC = {
    "in": "header", "name": "Idempotency-Key", "required": False, "schema": {"type": "string", "maxLength": 128},
    "description": "a new random value per action, the same on every retry of it: a retry within 24 h "
                   "returns the first answer and does nothing again",
}


class IdempotencyRecord(db.Model):
    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_records_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(128))
    endpoint: Mapped[str] = mapped_column(String(128))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict] = mapped_column(JSON)
    # The request the key first came with (``fingerprint``); None for a console form's record.
    request_hash: Mapped[str | None] = mapped_column(String(64))
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, index=True)


REUSED = "idempotency_key_reused"
OTHER_REQUEST = "这次提交与之前的一次提交使用了同一标识，之前的提交可能已经成功，请到“我的”查看。"
OTHER_OPERATION = "这次操作与之前的另一项操作使用了同一标识，之前的操作可能已经完成，请刷新后查看。"


def _utf8(text):
    """``text``'s bytes for a hash. A lone surrogate (half an emoji a text box's maxlength cut off) comes
    through JSON's escapes: hashed as it came, so that the schema answers for it (422), not a 500."""
    return text.encode("utf-8", "surrogatepass")


def _body_digest():
    """What the request sends, as a hash that a retry of it gives again: JSON parsed and written back with
    its keys sorted (a client may order them otherwise on a retry); a form, its fields and each file's
    bytes (a multipart body's boundary changes from one sending to the next); anything else, its bytes."""
    digest = hashlib.sha256()
    if request.is_json:
        parsed = request.get_json(silent=True)
        digest.update(_utf8(json.dumps(parsed, sort_keys=True, ensure_ascii=False)) if parsed is not None
                      else request.get_data())
    elif request.files or request.form:
        digest.update(_utf8(json.dumps(sorted(request.form.items(multi=True)), ensure_ascii=False)))
        for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
            digest.update(_utf8(name) + b"\0")
            position = upload.stream.tell()
            for chunk in iter(lambda: upload.stream.read(1 << 16), b""):
                digest.update(chunk)
            upload.stream.seek(position)
    else:
        digest.update(request.get_data())
    return digest.hexdigest()


def fingerprints():
    """The request a key is bound to: its method, its path (with the ids in it) and its body, hashed —
    keyed, as stored, and the plain hash that rows written before keyed fingerprints hold."""
    plain = hashlib.sha256(_utf8(f"{request.method} {request.path}\n{_body_digest()}")).hexdigest()
    key = hashlib.sha256(("idempotency-fingerprint:" + current_app.config["SECRET_KEY"]).encode()).digest()
    return hmac.new(key, plain.encode(), hashlib.sha256).hexdigest(), plain


def _replay(record, hashes):
    if record.endpoint != request.endpoint:
        raise APIError(409, REUSED, OTHER_OPERATION)
    # The plain hash matches only a row kept from before fingerprints were keyed (gone 24 h after the
    # upgrade): its retry still replays.
    if record.request_hash is not None and record.request_hash not in hashes:
        # Another record's URL, or another body: answered with the first request's result, the caller
        # would be told this one was done when nothing was.
        raise APIError(409, REUSED, OTHER_REQUEST)
    response = jsonify(record.body)
    response.status_code = record.status_code
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _find(user_id, key):
    return db.session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id,
            IdempotencyRecord.key == key,
            IdempotencyRecord.created_dt > utcnow() - KEY_TTL,
        )
    )


PURGE_BATCH = 5000


def purge_expired(now=None):
    """Delete the keys older than ``KEY_TTL`` (the sweep's work), a batch per transaction so that no
    statement holds the table for long; returns how many went. Without it the table kept a row for
    every filing, rating and console step ever taken: a province's hundreds of thousands a month."""
    cutoff = (now or utcnow()) - KEY_TTL
    purged = 0
    while True:
        batch = select(IdempotencyRecord.id).where(IdempotencyRecord.created_dt <= cutoff).limit(PURGE_BATCH)
        gone = db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(batch))).rowcount
        db.session.commit()
        purged += gone
        if gone < PURGE_BATCH:
            return purged


def idempotent(view):
    """Wrap a creating endpoint (inside its auth decorator) so that a repeated key replays the answer.

    The key is stored with the answer at the end of the request, in the same transaction as what the
    request created. If a concurrent retry with the same key committed first, the unique constraint
    rejects ours: everything this request wrote is rolled back and the first answer is replayed.
    """

    @wraps(view)
    def wrapped(*args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        user = current_caller()
        if not key or user is None:
            return view(*args, **kwargs)
        if len(key) > 128:
            raise APIError(422, "validation_failed", "Idempotency-Key 过长（最多 128 个字符）。",
                           {"Idempotency-Key": ["最多 128 个字符。"]})
        if not key.isprintable():
            raise APIError(422, "validation_failed", "Idempotency-Key 含有控制字符。",
                           {"Idempotency-Key": ["只能包含可见字符。"]})
        user_id = user.id
        hashes = fingerprints()
        existing = _find(user_id, key)
        if existing is not None:
            return _replay(existing, hashes)
        try:
            response = view(*args, **kwargs)
            if response.status_code >= 400:
                return response
            db.session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key,
                    IdempotencyRecord.created_dt <= utcnow() - KEY_TTL,
                )
            )
            db.session.add(IdempotencyRecord(
                user_id=user_id, key=key, endpoint=request.endpoint,
                status_code=response.status_code, body=response.get_json(), request_hash=hashes[0],
            ))
            db.session.flush()
        except (IntegrityError, StaleDataError, APIError) as exc:
            # A same-key request that ran alongside and committed first: ours lost on the key, on the item's
            # version or on the status it left (a step is no longer allowed). That first request's answer is
            # this one's too; a 409 with no such request is someone else's change, and answered as such.
            if isinstance(exc, APIError) and exc.status != 409:
                raise
            db.session.rollback()
            first = _find(user_id, key)
            if first is None:
                raise
            return _replay(first, hashes)
        return response

    return Blueprint.doc(parameters=[HEADER_DOC])(wrapped)


# --- console forms --------------------------------------------------------------------------------
# A console page gives each of its forms a fresh key (``form_key``); the form sent twice (a double click,
# the browser sending it again) carries the same key, and its second post is told the first's outcome.

FORM_KEY_FIELD = "form_key"


def new_form_key():
    return secrets.token_urlsafe(16)


def posted_form_key(form):
    """The key the posted form carries, or None when it carries none that could be one."""
    key = (form.get(FORM_KEY_FIELD) or "").strip()
    return key if key and len(key) <= 128 and key.isprintable() else None


def sent_form(user_id, key):
    """The record of the form with ``key`` that took its step, or None."""
    return None if key is None else _find(user_id, key)


def remember_form(user_id, key, outcome):
    """Note, in the step's transaction, that the form with ``key`` took its step, with its ``outcome``
    (where it led, what it said: console.once); the commit then fails on the unique key if a twin of
    the form committed first. Form keys are random, never reused: the sweep forgets them after a day
    (``purge_expired``)."""
    if key is None:
        return
    db.session.add(IdempotencyRecord(user_id=user_id, key=key, endpoint=request.endpoint, status_code=302,
                                     body=outcome))
