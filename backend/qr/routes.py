"""QR API (/api/v1/qr/...) and the link inside every printed code (/q/{code})."""
import hashlib
import logging

from flask import Blueprint as PlainBlueprint
from flask import current_app, make_response, redirect, render_template, request, url_for

from schemas.qr import QRIssuedOut, QRResolveOut, QRRevokedOut

from ..activities import rotating
from ..activities import services as activity_services
from ..auth.scope import admin_required, current_user, not_owned, owns_deputy
from ..errors import APIError
from ..extensions import Blueprint, cache
from ..web.limits import qr_image_limits
from . import render, services, targets
from .models import QRKind

log = logging.getLogger(__name__)

blp = Blueprint("qr", __name__, url_prefix="/api/v1/qr", description="一人一码、一站一码")
public_pages = PlainBlueprint("qr_pages", __name__)

# Short enough that a renamed target or a revoked code shows within minutes; revalidating is a cheap 304.
IMAGE_CACHE_CONTROL = "public, max-age=600"
POSTER_CACHE_CONTROL = "private, max-age=600"
# An activity's rotating check-in code is valid for a minute at most: never stored.
ROTATING_IMAGE_CACHE_CONTROL = "no-store"


def _managed(code):
    """A code whose target the caller administers; anything else is 404."""
    qr = services.find(code)
    target = targets.load_target(qr)
    if not targets.manager_check(qr, target, current_user()):
        raise services.unknown_code()
    return qr, target


def _changeable(code, what):
    """A code the caller may withdraw or replace: a deputy's only by whoever owns the deputy (the code
    is theirs everywhere they are received)."""
    qr, target = _managed(code)
    if qr.target_kind is QRKind.deputy and not owns_deputy(current_user(), target):
        raise not_owned(what)
    return qr, target


def _image_response(render_png, etag_parts, cache_control, keep=False):
    """A PNG with an ETag over what it shows; a matching If-None-Match is answered 304 without drawing.
    ``keep``: the PNG drawn is kept in the app's cache (Redis in production) under that ETag, for
    QR_IMAGE_CACHE_SECONDS, and served from there: drawing one takes a core ~50 ms."""
    etag = hashlib.sha256("|".join(etag_parts).encode()).hexdigest()[:32]
    if request.if_none_match.contains_weak(etag):
        response = make_response("", 304)
    else:
        response = make_response(_kept_png(f"qr-image:{etag}", render_png) if keep else render_png())
        response.mimetype = "image/png"
    response.set_etag(etag)
    response.headers["Cache-Control"] = cache_control
    return response


def _kept_png(key, render_png):
    """The PNG kept under ``key``, else drawn and kept. A cache that cannot be reached is logged and bypassed."""
    try:
        kept = cache.get(key)
    except Exception:
        log.exception("qr image: the cache could not be read (%s)", key)
        return render_png()
    if kept is not None:
        return kept
    png = render_png()
    try:
        cache.set(key, png, timeout=current_app.config["QR_IMAGE_CACHE_SECONDS"])
    except Exception:
        log.exception("qr image: the cache could not be written (%s)", key)
    return png


@blp.get("/<code>")
@blp.response(200, QRResolveOut)
@blp.alt_response(404, description="没有这个二维码（not_found）")
@blp.alt_response(410, description="二维码已作废，请扫描新的二维码（qr_revoked）")
def resolve(code):
    """扫码：返回代表、联络站或活动签到码的公开信息和可进行的操作；代表和联络站附近期接待安排（可约见）。"""
    code = services.canonical_code(code)  # typed from the poster: capitals, spaces
    if rotating.looks_rotating(code):
        return _rotating_activity(code)
    qr, target = targets.resolve_live(code)
    return {
        "kind": qr.target_kind.value,
        "code": qr.code,
        "url": services.qr_url(qr.code),
        "target": targets.public_profile(qr, target),
        "actions": targets.ACTIONS[qr.target_kind],
        "reception_days": targets.reception_days(qr, target),
    }


def _code_activity(code):
    """The published activity an activity's rotating check-in code (一事一活动码) names: an expired code
    is 410 as a withdrawn one, a forged one or one of an ended activity 404."""
    try:
        return activity_services.activity_for_code(code)
    except APIError as exc:
        if exc.status != 409:
            raise
        raise services.withdrawn(QRKind.activity) from None


def _rotating_activity(code):
    """An activity's rotating check-in code scanned with the QR endpoint."""
    activity = _code_activity(code)
    return {
        "kind": QRKind.activity.value,
        "code": code,
        "url": services.qr_url(code),
        "target": activity_services.public_profile(activity),
        "actions": targets.ACTIONS[QRKind.activity],
    }


@blp.get("/<code>/image.png")
@qr_image_limits
@blp.response(200, content_type="image/png", description="二维码图片（下方印有名称）")
@blp.alt_response(429, description="请求过于频繁（按来源地址限制，QR_IMAGE_RATE_LIMIT），Retry-After 告知何时再试")
def image(code):
    """二维码图片，下方印有代表、联络站或活动的名称；活动现场的动态签到码（一事一活动码）不缓存（Cache-Control: no-store）。
    同一来源地址的请求次数有上限（超过返回 429 rate_limited）。"""
    canonical = services.canonical_code(code)
    if rotating.looks_rotating(canonical):
        return _rotating_image(canonical)
    qr, target = targets.resolve_live(code)
    label = targets.label(qr, target)
    url = services.qr_url(qr.code)
    return _image_response(
        lambda: render.code_image(url, label), [url, label, render.RENDER_VERSION], IMAGE_CACHE_CONTROL, keep=True
    )


def _rotating_image(code):
    """An activity's rotating check-in code drawn with the activity's title under it. The code expires within
    two rotation periods, so no copy is kept anywhere (the console's screen draws its own, also uncached)."""
    activity = _code_activity(code)
    url = services.qr_url(code)
    return _image_response(
        lambda: render.code_image(url, activity.title), [url, activity.title, render.RENDER_VERSION],
        ROTATING_IMAGE_CACHE_CONTROL,
    )


@blp.get("/<code>/poster.png")
@admin_required
@blp.response(200, content_type="image/png", description="A5 打印海报（300 dpi）")
def poster(code):
    qr, target = _managed(code)
    if qr.revoked:
        raise services.withdrawn(qr.target_kind)
    title, name, details, instruction = targets.poster_text(qr, target)
    url = services.qr_url(qr.code)
    return _image_response(
        lambda: render.poster(url, title, name, details, instruction),
        [url, title, name, *details, instruction, render.RENDER_VERSION],
        POSTER_CACHE_CONTROL,
    )


@blp.post("/<code>/revoke")
@admin_required
@blp.response(200, QRRevokedOut)
def revoke(code):
    qr, target = _changeable(code, "停用其二维码")
    targets.revoke(qr, target, current_user())
    return {"qr_code": qr.code, "revoked": True}


@blp.post("/<code>/rotate")
@admin_required
@blp.response(200, QRIssuedOut)
def rotate(code):
    """Revoke the code and issue a new one; on a revoked code, re-issue for a target left without one."""
    qr, target = _changeable(code, "更换其二维码")
    targets.check_reissue(qr, target)
    new = targets.reissue(qr.target_kind, target, current_user())
    return {"qr_code": new.code, "url": services.qr_url(new.code)}


UNAVAILABLE_TITLES = {404: "二维码无效", 410: "二维码已停用"}


def _exists(code):
    try:
        services.find(code)
    except APIError:
        return False
    return True


@public_pages.get("/q/<code>")
def landing(code):
    """The page a phone camera opens outside WeChat; a code of ours typed from the poster (capitals, spaces,
    full-width letters) is sent to its canonical address (an unknown one answers its page here)."""
    canonical = services.canonical_code(code)
    if canonical != code and request.method == "GET" and _exists(canonical):
        query = request.query_string.decode("latin-1")
        return redirect(url_for("qr_pages.landing", code=canonical) + (f"?{query}" if query else ""), 301)
    if rotating.looks_rotating(code):
        # An activity's check-in screen (一事一活动码) scanned with the camera: checking in needs the
        # deputy's WeChat identity, so the page says where to scan it rather than that it is invalid.
        return render_template("q_unavailable.html", title="请在微信中扫码签到",
                               message="这是活动现场的签到码，只能在微信中签到：请打开微信“扫一扫”，扫描现场屏幕上的签到码。")
    try:
        qr, target = targets.resolve_live(code)
    except APIError as exc:
        title = UNAVAILABLE_TITLES.get(exc.status, "二维码暂时无法打开")
        closed = isinstance(exc, services.StationClosed)
        return render_template("q_unavailable.html", title=title, message=exc.message, closed=closed,
                               instead=exc.instead if closed else None), exc.status
    return render_template(
        "q_landing.html",
        kind=qr.target_kind.value,
        code=qr.code,
        profile=targets.public_profile(qr, target),
    )
