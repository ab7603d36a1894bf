"""What a code points at, as the public may see it, and what a scanner can do there."""
from sqlalchemy.orm import lazyload, selectinload

from schemas.org import DeputyPublicOut, StationOut

from ..activities import plan
from ..audit.log import record
from ..errors import conflict
from ..extensions import db
from ..org.models import Deputy, Station, station_roster
from . import services
from .models import QRCode, QRKind

# Only what the product does. request_appointment: 约见代表 (POST /appointments), on a reception day from
# the code's ``reception_days`` or at a time the citizen suggests.
ACTIONS = {
    QRKind.deputy: ["file_suggestion", "request_appointment"],
    QRKind.station: ["file_suggestion", "view_deputies", "checkin", "request_appointment"],
    QRKind.activity: ["checkin"],
}

_MODELS = {QRKind.deputy: Deputy, QRKind.station: Station}


def _target_loading(model):
    """The scanned code is in hand, so the target's own live code is left to load if asked for; a
    deputy's stations come with it (filing through a deputy's code files at their station)."""
    if model is Deputy:
        return [lazyload(Deputy.live_qr), selectinload(Deputy.stations).lazyload(Station.live_qr)]
    return [lazyload(Station.live_qr)]


def load_target(qr: QRCode):
    model = _MODELS.get(qr.target_kind)
    target = db.session.get(model, qr.target_id, options=_target_loading(model)) if model else None
    if target is None:
        raise services.unknown_code()
    return target


def resolve_live(code):
    """The live code and its target, as a scanner reaches them; revoked (or orphaned) codes answer 410."""
    qr = services.resolve(code)
    target = load_target(qr)
    if qr.target_kind is QRKind.deputy and not target.active:
        # Leaving office revokes the code; this guards data that reached the table another way.
        raise services.withdrawn(qr.target_kind)
    if qr.target_kind is QRKind.station and target.closed:
        raise services.StationClosed(target)
    return qr, target


OUT_OF_OFFICE = "该代表已停止履职，不能为其签发新的二维码。"


def check_reissue(qr: QRCode, target):
    """Rotating must leave the target with exactly one live code, and none for a deputy out of office."""
    if qr.target_kind is QRKind.deputy and not target.active:
        raise conflict(OUT_OF_OFFICE)
    live = target.live_qr
    if live is not None and live.id != qr.id:
        raise conflict("这个二维码已经更换过，请对当前使用中的二维码进行操作。")


def _logged_target(kind: QRKind, target):
    return (kind.value, target.id, target.name)


def reissue(kind: QRKind, target, actor) -> QRCode:
    """A new printed code for ``target`` (a lost poster, a misused code, or none left); its live code
    stops working. Two administrators doing this at once: the partial unique index on live codes
    lets one commit and refuses the other. Logged (重新生成二维码) for the console and the API alike."""
    if kind is QRKind.deputy and not target.active:
        raise conflict(OUT_OF_OFFICE)
    old = target.live_qr
    if old is not None:
        services.revoke(old)
    new = services.issue(kind, target.id)
    db.session.expire(target, ["live_qr"])
    record("qr_reissued", actor, _logged_target(kind, target), target.region_id,
           {"code": [old.code if old is not None else "", new.code]})
    return new


def revoke(qr: QRCode, target, actor) -> QRCode:
    """Withdraw a printed code (停用二维码); one already withdrawn changes, and logs, nothing."""
    if not qr.revoked:
        services.revoke(qr)
        record("qr_revoked", actor, _logged_target(qr.target_kind, target), target.region_id, {"code": qr.code})
    return qr


def public_profile(qr: QRCode, target):
    if qr.target_kind is QRKind.deputy:
        profile = DeputyPublicOut().dump(target)
        profile["stations"] = [{"id": s.id, "name": s.name, "address": s.address} for s in target.stations
                               if not s.closed]  # a closed (停用) one receives nobody
        return profile
    # A district's station may receive hundreds of deputies: the card names the first of them and counts
    # them all; the rest are on its public page's roster (查看全部) and GET /api/v1/deputies?station_id=.
    profile = StationOut(exclude=("admin_user_ids", "distance_m", "deputy_ids")).dump(target)
    deputies, total = station_roster(target.id)
    profile["deputies"] = [
        {"id": d.id, "name": d.name, "level": d.level.value, "level_label": d.level_label} for d in deputies
    ]
    profile["deputy_ids"] = [d.id for d in deputies]
    profile["deputies_total"] = total
    return profile


def reception_days(qr: QRCode, target):
    """The upcoming reception days a citizen can book (约见代表's ``activity_id``): the station's, or
    the ones the deputy receives on."""
    if qr.target_kind is QRKind.deputy:
        return plan.reception_plan(deputy_id=target.id)
    return plan.reception_plan(station_id=target.id)


def label(qr: QRCode, target):
    """The line printed under the code."""
    if qr.target_kind is QRKind.deputy:
        return f"{target.name} · {target.level_label}"
    return target.name


def poster_text(qr: QRCode, target, region_name=None):
    """(title, name, details, instruction) for the A5 poster. ``region_name``: the target's region's full name
    when the caller read it already (``org.models.full_names`` for many posters at once); else read here."""
    region_name = region_name if region_name is not None else target.region.full_name
    if qr.target_kind is QRKind.deputy:
        details = [target.level_label, region_name]
        if target.stations:
            details.append("所在联络站：" + "、".join(s.name for s in target.stations[:2]))
        return ("人大代表 · 一人一码", target.name, details, "微信扫一扫，向代表提建议、约见代表")
    details = [region_name]
    if target.address:
        details.append(target.address)
    if target.open_hours:
        details.append("接待时间：" + target.open_hours)
    return ("人大代表联络站 · 一站一码", target.name, details, "微信扫一扫，反映问题、提出建议")


def manager_check(qr: QRCode, target, user):
    from ..auth.scope import manages_deputy, manages_station

    check = manages_deputy if qr.target_kind is QRKind.deputy else manages_station
    return check(user, target)
