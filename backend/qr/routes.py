"""QR API (/api/v1/qr/...) and the link inside every printed code (/q/{code})."""
import hashlib

from flask import Blueprint as PlainBlueprint
from flask import make_response, render_template, request
from flask_smorest import Blueprint

from schemas.qr import QRIssuedOut, QRResolveOut, QRRevokedOut

from ..auth.scope import admin_required, current_user
from ..errors import APIError, not_found
from . import render, services, targets

blp = Blueprint("qr", __name__, url_prefix="/api/v1/qr", description="一人一码、一站一码")
public_pages = PlainBlueprint("qr_pages", __name__)


def _managed(code):
    """A code whose target the caller administers; anything else is 404."""
    qr = services.find(code)
    target = targets.load_target(qr)
    if not targets.manager_check(qr, target, current_user()):
        raise not_found("二维码无效：没有找到对应的代表或联络站。")
    return qr, target


def _image_response(png, etag_parts, cache_control):
    response = make_response(png)
    response.mimetype = "image/png"
    response.set_etag(hashlib.sha256("|".join(etag_parts).encode()).hexdigest()[:32])
    response.headers["Cache-Control"] = cache_control
    return response.make_conditional(request)


@blp.get("/<code>")
@blp.response(200, QRResolveOut)
def resolve(code):
    """扫码：返回代表或联络站的公开信息和可进行的操作。"""
    qr = services.resolve(code)
    target = targets.load_target(qr)
    return {
        "kind": qr.target_kind.value,
        "code": qr.code,
        "url": services.qr_url(qr.code),
        "target": targets.public_profile(qr, target),
        "actions": targets.ACTIONS[qr.target_kind],
    }


@blp.get("/<code>/image.png")
@blp.response(200, content_type="image/png", description="二维码图片（下方印有名称）")
def image(code):
    qr = services.resolve(code)
    target = targets.load_target(qr)
    label = targets.label(qr, target)
    png = render.code_image(services.qr_url(qr.code), label)
    return _image_response(png, [qr.code, label, render.RENDER_VERSION], "public, max-age=86400")


@blp.get("/<code>/poster.png")
@admin_required
@blp.response(200, content_type="image/png", description="A5 打印海报（300 dpi）")
def poster(code):
    qr, target = _managed(code)
    if qr.revoked:
        raise APIError(410, "qr_revoked", services.REVOKED_MESSAGES[qr.target_kind])
    title, name, details, instruction = targets.poster_text(qr, target)
    png = render.poster(services.qr_url(qr.code), title, name, details, instruction)
    return _image_response(png, [qr.code, title, name, *details, render.RENDER_VERSION], "private, max-age=3600")


@blp.post("/<code>/revoke")
@admin_required
@blp.response(200, QRRevokedOut)
def revoke(code):
    qr, _ = _managed(code)
    services.revoke(qr)
    return {"qr_code": qr.code, "revoked": True}


@blp.post("/<code>/rotate")
@admin_required
@blp.response(200, QRIssuedOut)
def rotate(code):
    qr, _ = _managed(code)
    new = services.rotate(qr)
    return {"qr_code": new.code, "url": services.qr_url(new.code)}


@public_pages.get("/q/<code>")
def landing(code):
    """The page a phone camera opens outside WeChat."""
    try:
        qr = services.resolve(code)
        target = targets.load_target(qr)
    except APIError as exc:
        return render_template("q_unavailable.html", message=exc.message), exc.status
    return render_template(
        "q_landing.html",
        kind=qr.target_kind.value,
        code=qr.code,
        profile=targets.public_profile(qr, target),
    )
