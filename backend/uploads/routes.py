"""码上办 API: /uploads — citizens' photos.

``POST /uploads`` takes one image (multipart field ``file``), decodes it to decide what it is,
strips every piece of metadata by re-encoding the pixels, and stores it under a random key.
``GET /uploads/<key>`` serves it to the uploader and, once the photo is attached to a suggestion,
to whoever that suggestion's page shows it to (``presenters.photos_shown``: its citizen, administrators,
the deputy handling it once WeChat cleared it; never a citizen who only follows it). Anyone else —
including an anonymous caller — gets 404, exactly as for a key that does not exist, so a key cannot be probed.
"""
import logging
import threading
from contextlib import contextmanager

from flask import Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge
from flask_smorest.fields import Upload as UploadField
from marshmallow import Schema, fields
from sqlalchemy import exists, func, select

from ..auth.scope import MAX_ID, current_user, login_required
from ..errors import APIError, api_error_response, conflict, not_found, validation_failed
from ..extensions import Blueprint, db
from ..idempotency import idempotent
from ..research.access import on_a_report, research_photo_visible
from ..research.models import ResearchReportPhoto
from ..suggestions import workflow
from ..suggestions.models import Suggestion
from ..suggestions.presenters import photos_shown
from ..web.limits import upload_limits
from . import images, screening
from .models import Upload
from .storage import NotStored, delete_after_commit, get_storage, new_key, save_in_transaction, valid_key

log = logging.getLogger(__name__)

blp = Blueprint("uploads", __name__, url_prefix="/api/v1/uploads", description="照片上传")

NOT_FOUND_MESSAGE = "图片不存在。"
CHUNK = 64 * 1024


class UploadIn(Schema):
    file = UploadField(required=True, error_messages={"required": "请选择要上传的图片。"},
                       metadata={"description": "JPEG、PNG 或 WebP 图片"})


class UploadOut(Schema):
    id = fields.Integer(required=True, metadata={"description": "提交建议时放入 attachment_ids"})
    url = fields.String(required=True)
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)


def url_for_key(key):
    return f"/api/v1/uploads/{key}"


def _too_large(limit):
    return APIError(413, "payload_too_large", f"图片不能超过 {limit / (1024 * 1024):g} MB，请压缩后重新上传。")


def _read_limited(file_storage, limit):
    """The uploaded bytes, refusing (413) as soon as more than ``limit`` arrive."""
    chunks, total = [], 0
    while True:
        chunk = file_storage.stream.read(CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


@blp.errorhandler(RequestEntityTooLarge)
def body_too_large(exc):
    """A body over MAX_CONTENT_LENGTH is stopped before ``_read_limited`` sees it: the same sentence, with the
    photo's own limit (UPLOAD_MAX_BYTES), not the bare 上传的内容过大。"""
    return api_error_response(_too_large(current_app.config["UPLOAD_MAX_BYTES"]))


BUSY_MESSAGE = "上传照片的人较多，请稍后重新上传。"
# The storage refused the bytes (disk full, unwritable): an operator has to act, so not in a few seconds.
STORAGE_FAILED_MESSAGE = "照片暂时无法保存，请稍后重新上传。"
STORAGE_RETRY_AFTER = 30
_slots_lock = threading.Lock()


def unattached_photos(owner_id):
    """How many photos ``owner_id`` uploaded that are on no suggestion and no research report."""
    return db.session.scalar(select(func.count()).select_from(Upload).where(
        Upload.owner_id == owner_id, Upload.suggestion_id.is_(None),
        ~exists().where(ResearchReportPhoto.upload_id == Upload.id)))


def _too_many_unattached(limit):
    return APIError(429, "rate_limited",
                    f"您已上传 {limit} 张尚未提交的照片，请先提交建议或报告；未提交的照片会在一段时间后自动删除。")


def _decode_slots(app):
    """This process's permits to decode a photo (UPLOAD_DECODE_CONCURRENCY): decoding takes memory for a
    moment, and an app process answering many uploads at once would take it all."""
    slots = app.extensions.get("upload_decode_slots")
    if slots is None:
        with _slots_lock:
            slots = app.extensions.setdefault(
                "upload_decode_slots", threading.BoundedSemaphore(max(1, app.config["UPLOAD_DECODE_CONCURRENCY"])))
    return slots


@contextmanager
def _decoding_turn():
    """Wait a moment (UPLOAD_DECODE_WAIT seconds) for a permit to decode; none free by then is a 503 saying
    to try again, never a thread held for long."""
    app = current_app._get_current_object()
    slots = _decode_slots(app)
    if not slots.acquire(timeout=app.config["UPLOAD_DECODE_WAIT"]):
        raise APIError(503, "service_unavailable", BUSY_MESSAGE, headers={"Retry-After": "5"})
    try:
        yield
    finally:
        slots.release()


@blp.post("")
@login_required
@idempotent
@upload_limits
@blp.arguments(UploadIn, location="files")
@blp.response(201, UploadOut)
@blp.alt_response(413, description="文件过大或分辨率过高（payload_too_large）")
@blp.alt_response(415, description="不是 JPEG、PNG 或 WebP 图片（unsupported_media）")
@blp.alt_response(429, description="上传过于频繁，或尚未提交的照片过多（rate_limited）")
@blp.alt_response(503, description="服务器正忙于处理其他照片，或照片暂时无法保存，请稍后重试（service_unavailable，带 Retry-After）")
def upload(files):
    """上传一张照片。EXIF（含位置信息）会被去除，过大的图片会被缩小；返回的 id 用于提交建议时的 attachment_ids。上传但未附在建议或报告上的照片每人最多保留若干张，且会在一段时间后自动删除。"""
    config = current_app.config
    limit = config["UPLOAD_MAX_UNATTACHED"]
    if unattached_photos(current_user().id) >= limit:
        raise _too_many_unattached(limit)
    data = _read_limited(files["file"], config["UPLOAD_MAX_BYTES"])
    if not data:
        raise validation_failed({"file": ["上传的文件是空的。"]}, "上传的文件是空的，请重新选择图片。")
    with _decoding_turn():
        photo = images.clean(data, max_pixels=config["UPLOAD_MAX_PIXELS"], max_side=config["UPLOAD_MAX_SIDE"],
                             max_full_decode_pixels=config["UPLOAD_MAX_FULL_DECODE_PIXELS"])

    key = new_key(photo.extension)
    try:
        save_in_transaction(db.session(), get_storage(), key, photo.data, photo.content_type)
    except OSError as exc:
        # A full disk, a read-only or lost mount, wrong permissions: the operator's to fix, the citizen's to
        # try again later. LocalStorage.save removed its temporary file; no row was written yet.
        log.error("photo storage cannot save (UPLOAD_DIR %s): %s", config["UPLOAD_DIR"], exc)
        raise APIError(503, "service_unavailable", STORAGE_FAILED_MESSAGE,
                       headers={"Retry-After": str(STORAGE_RETRY_AFTER)}) from None
    record = Upload(
        key=key, owner_id=current_user().id, content_type=photo.content_type,
        width=photo.width, height=photo.height, size=photo.size,
    )
    db.session.add(record)
    db.session.flush()
    return {"id": record.id, "url": url_for_key(key), "width": record.width, "height": record.height}


ATTACHED_MESSAGE = "这张照片已随建议或报告提交，不能删除。"


@blp.delete("/<int:upload_id>")
@login_required
@blp.response(204)
@blp.alt_response(409, description="照片已附在建议或调研报告上，不能删除（conflict）")
def delete_upload(upload_id):
    """删除自己上传但尚未提交的照片（表单上点 × 去掉的照片）：照片和文件随即删除，不再计入未提交照片的数量上限。可重复调用：照片已不存在，或不是本人上传的，同样返回 204 且不做任何事；已随建议或调研报告提交的照片不能删除（409）。"""
    record = (db.session.scalar(select(Upload).where(Upload.id == upload_id).with_for_update())
              if 0 < upload_id <= MAX_ID else None)  # an id no row can have must not reach the database
    if record is None or record.owner_id != current_user().id:
        return None  # nothing of the caller's to delete: gone already (a retry, the sweep), or never theirs
    if record.suggestion_id is not None or on_a_report(record):
        raise conflict(ATTACHED_MESSAGE)
    db.session.delete(record)
    delete_after_commit(db.session(), get_storage(), record.key)
    return None


def _visible(user, record):
    """The uploader sees their photo on no report (before it is filed, and on their own suggestion); a photo on a
    research report is the team's record, seen by the team and the topic's administrators alone: the WeChat
    account that uploaded it may be one the lead left, was unbound from, or hold it after leaving office."""
    own = user is not None and record.owner_id == user.id
    if record.suggestion_id is None:
        return research_photo_visible(user, record) if on_a_report(record) else own
    if own:
        return True
    item = db.session.get(Suggestion, record.suggestion_id)
    return item is not None and workflow.can_see(user, item) and photos_shown(user, item)(record.screening)


@blp.get("/<string:key>")
@blp.doc(parameters=[{"in": "query", "name": "sig", "required": False, "schema": {"type": "string"},
                       "description": "微信图片安全检测取图用的签名（24 小时内有效），客户端不需要"}],
         responses={"200": {
    "description": "图片本身；带 ETag，可用 If-None-Match 得到 304",
    "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in ("image/jpeg", "image/png", "image/webp")},
}})
@blp.alt_response(404, description="图片不存在，或无权查看")
def download(key):
    """查看照片：上传者本人；照片附在建议上之后，提交建议的群众和管辖的管理员随时可看，承办代表须等微信图片安全检测通过；关注该建议的其他群众和其他人（包括未登录）一律 404。附在调研报告上的照片只有该团队在任的成员和课题所属区域的管理员可看（上传它的微信账号不再是该团队在任成员时也是 404）。"""
    record = db.session.scalar(select(Upload).where(Upload.key == key)) if valid_key(key) else None
    signature = request.args.get("sig")
    # A signed URL is how WeChat's image screening fetches the photo (uploads/screening.py).
    allowed = screening.signed_for(key, signature) if signature else record is not None and _visible(current_user(), record)
    if record is None or not allowed:
        raise not_found(NOT_FOUND_MESSAGE)
    try:
        data = get_storage().open(key)
    except NotStored:
        log.warning("upload %s has a database row but no stored file", key)
        raise not_found(NOT_FOUND_MESSAGE) from None
    response = Response(data, mimetype=record.content_type)
    # Keys are never reused and stored photos never change, so the key is a strong validator.
    response.set_etag(key)
    response.cache_control.private = True
    response.cache_control.max_age = 86400
    response.vary.add("Authorization")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    return response.make_conditional(request)
