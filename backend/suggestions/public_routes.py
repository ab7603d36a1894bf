"""Public and dashboard views of suggestions: statistics, published resolved items, nearby duplicates."""
import hashlib
import hmac
import json
import math
from datetime import timedelta

from flask import current_app

from sqlalchemy import literal, or_, select
from sqlalchemy.orm import selectinload

from schemas.common import page_of
from schemas.suggestions import FollowOut, NearbyOut, NearbyQuery, PublicQuery, PublicSuggestionOut, StatsOut, StatsQuery

from ..auth.scope import admin_required, current_user, login_required, narrowing_or_404
from ..db_types import utcnow
from ..errors import APIError
from ..extensions import Blueprint, db
from ..org.models import Deputy, Station
from ..org.nearby import distance_m
from ..pagination import paginate
from ..slow_figures import kept_if_slow, scope_key
from ..web.limits import per_citizen
from . import workflow
from .models import CLEARED_SCREENINGS, IMPLEMENTED_LABELS, OPEN_STATUSES, PUBLISHABLE_SCREENINGS, Status, Suggestion, SuggestionFollower
from .queries import admin_scope_clause, apply_filters, load_item
from .redact import public_content, public_reply
from .stats import suggestion_stats

stats_blp = Blueprint("stats", __name__, url_prefix="/api/v1/stats", description="统计")
public_blp = Blueprint("public", __name__, url_prefix="/api/v1/public", description="公开信息")
nearby_blp = Blueprint("suggestions_nearby", __name__, url_prefix="/api/v1/suggestions", description="码上办 微建议")

DUPLICATE_RADIUS_M = 200
DUPLICATE_WINDOW = timedelta(days=30)
# Distances offered by /nearby are rounded to this, and never less: a metre-precise distance from three
# positions would give back the item's spot, which the item itself hides (often the filer's home).
NEARBY_DISTANCE_STEP_M = 50


# Where /nearby places an item: not at its point (often the filer's front door) but 60 to 100 m from it, in a
# direction and at a distance drawn from SECRET_KEY, the filer and the ~1 km square the point lies in (its
# grid's origin drawn from the key too). Both the 200 m edge and the distance shown are measured from there,
# so that walking the edge (where the item stops being listed) or the 50 m steps finds that place, which is
# 60-100 m off, never the point. The same for every request (asking again averages nothing out), and the
# same for all of one filer's items in that square (their items filed from home do not scatter around it
# for an average to find); another citizen's own item there tells nothing of it.
NEARBY_OFFSET_M = (60, 100)
NEARBY_CELL_DEG = 0.01
METERS_PER_DEGREE = 111_320


def nearby_anchor(item):
    """(lat, lng) of where /nearby places ``item``: see NEARBY_OFFSET_M."""
    key = hashlib.sha256(("nearby-anchor:" + current_app.config["SECRET_KEY"]).encode()).digest()
    origin = int.from_bytes(key[:4], "big") / 2 ** 32 * NEARBY_CELL_DEG
    cell = (math.floor((item.lat + origin) / NEARBY_CELL_DEG), math.floor((item.lng + origin) / NEARBY_CELL_DEG))
    owner = item.citizen_id if item.citizen_id is not None else f"item{item.id}"
    drawn = hmac.new(key, f"{owner}:{cell[0]}:{cell[1]}".encode(), hashlib.sha256).digest()
    bearing = int.from_bytes(drawn[:4], "big") / 2 ** 32 * 2 * math.pi
    low, high = NEARBY_OFFSET_M
    meters = low + int.from_bytes(drawn[4:8], "big") / 2 ** 32 * (high - low)
    return (item.lat + meters * math.cos(bearing) / METERS_PER_DEGREE,
            item.lng + meters * math.sin(bearing) / (METERS_PER_DEGREE * max(math.cos(math.radians(item.lat)), 0.01)))


def coarse_distance(meters):
    """``meters`` to the nearest NEARBY_DISTANCE_STEP_M, at least one step (约 50 米 at the very spot)."""
    return max(NEARBY_DISTANCE_STEP_M, int(meters / NEARBY_DISTANCE_STEP_M + 0.5) * NEARBY_DISTANCE_STEP_M)


def offered_clause(user):
    """Which items /nearby may offer ``user`` and so which they may follow: those whose citizen consented
    to publication (public_consent), and the caller's own (as before; following one's own is a no-op)."""
    return or_(Suggestion.public_consent.is_(True), Suggestion.citizen_id == user.id)


@stats_blp.get("/suggestions")
@admin_required
@stats_blp.arguments(StatsQuery, location="query")
@stats_blp.response(200, StatsOut)
def suggestion_statistics(args):
    """办结率、按时办结率、满意率、转办工单满意率（按承办部门）等，分母明确；可按区域、联络站、代表、类别、时间段筛选。

    按区域（`region_id`）统计的是在该区域办理的建议：所在联络站属于该区域，或无联络站、在该区域待分派；各区域相加等于上级区域。
    按代表所属区域统计请用 `deputy_region_id`。区域或联络站不存在、或不在管理范围内：404。满意率 = 满意 ÷ 已评价件数（每件按最近一次评价计一次），`ratings` 为评价次数。

    统计量大、计算耗时的结果会保留一段时间（与管理后台首页相同），`as_of` 为统计时间；实时计算时为 null。"""
    user = current_user()
    narrowing_or_404(user, args)
    query = apply_filters(select(Suggestion).where(admin_scope_clause(user)), args)
    # A deputy's figures: also the items they let go late, among those of the other filters (stats.returned_late_count).
    others = apply_filters(select(Suggestion).where(admin_scope_clause(user)),
                           {k: v for k, v in args.items() if k != "deputy_id"}) if "deputy_id" in args else None
    key = f"stats:{scope_key(user)}:{json.dumps(args, sort_keys=True, default=str, ensure_ascii=False)}"
    figures, as_of = kept_if_slow(key, lambda: suggestion_stats(query, work_orders=True, deputy_id=args.get("deputy_id"),
                                                                others=others))
    return {**figures, "as_of": as_of}


def published_query():
    """What the public may see (this API and the public station and deputy pages): closed items whose citizen
    agreed to publish them, that passed content screening, were not merged away nor withheld by an
    administrator (不予公开); newest first."""
    return (
        select(Suggestion)
        .where(
            Suggestion.status == literal(Status.closed.value, literal_execute=True),
            Suggestion.public_consent.is_(True),
            Suggestion.held_for_review.is_(False),
            Suggestion.merged_into_id.is_(None),
            # Written into the SQL in the index's order (sorted, not the set's), as ix_suggestions_public has
            # them: SQLite uses a partial index only for an IN list of the same constants.
            Suggestion.screening.in_([literal(value, literal_execute=True) for value in sorted(PUBLISHABLE_SCREENINGS)]),
            Suggestion.public_withheld_reason.is_(None),  # 不予公开 by an administrator
        )
        .order_by(Suggestion.closed_dt.desc(), Suggestion.id.desc())
        # The names a published item shows, one query each for the page (not two per item).
        .options(selectinload(Suggestion.station).lazyload(Station.live_qr),
                 selectinload(Suggestion.deputy).lazyload(Deputy.live_qr))
    )


def published_item(item):
    """One published item with personal data removed."""
    return {
        "number": item.number,
        "category": item.category,
        "content": public_content(item),
        "reply_content": public_reply(item),
        "implemented": item.implemented,
        "implemented_label": IMPLEMENTED_LABELS.get(item.implemented),
        "station": {"id": item.station.id, "name": item.station.name} if item.station else None,
        "deputy": {"id": item.deputy.id, "name": item.deputy.name} if item.deputy else None,
        "satisfaction": item.satisfaction.value if item.satisfaction else None,
        "closed_at": item.closed_dt,
    }


@public_blp.get("/suggestions")
@public_blp.arguments(PublicQuery, location="query")
@public_blp.response(200, page_of(PublicSuggestionOut))
def published_suggestions(args):
    """已办结、且群众同意公开的建议；已去除姓名、电话和详细地址。

    可按联络站（`station_id`）、承办代表（`deputy_id`，包括未进驻联络站的代表办理的建议）或区域（`region_id`）筛选。"""
    page = paginate(apply_filters(published_query(), args), args)
    page["items"] = [published_item(item) for item in page["items"]]
    return page


@nearby_blp.get("/nearby")
@per_citizen("NEARBY_RATE_LIMIT")
@login_required
@nearby_blp.arguments(NearbyQuery, location="query")
@nearby_blp.response(200, NearbyOut)
def nearby(args):
    """提交前提示：200 米内、30 天内同类别且仍在办理的建议，可选择关注而不必重复提交。

    只列出群众同意公开的建议（及调用者本人提交的），内容已去除姓名、电话和详细地址，不显示提交人；
    `distance_m` 为约数：距离和 200 米范围都从建议位置附近 60～100 米处（每条建议固定、不公开）量起，
    取整到 50 米，最小 50 米，不能据此推算建议的位置。"""
    lat, lng = args["lat"], args["lng"]
    # Every item whose anchor may lie within the radius: its own point at most NEARBY_OFFSET_M further.
    dlat = (DUPLICATE_RADIUS_M + NEARBY_OFFSET_M[1] + 10) / METERS_PER_DEGREE
    dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
    candidates = db.session.scalars(
        select(Suggestion)
        .where(
            Suggestion.category == args["category"],
            Suggestion.status.in_(OPEN_STATUSES),
            Suggestion.held_for_review.is_(False),
            Suggestion.screening.in_(CLEARED_SCREENINGS),  # other citizens' words: only once WeChat has screened them
            Suggestion.merged_into_id.is_(None),
            offered_clause(current_user()),  # a citizen who refused publication is never shown to strangers
            Suggestion.created_dt > utcnow() - DUPLICATE_WINDOW,
            Suggestion.lat.between(lat - dlat, lat + dlat),
            Suggestion.lng.between(lng - dlng, lng + dlng),
        )
        .order_by(Suggestion.id.desc())
        .limit(50)
    ).all()
    found = []
    for item in candidates:
        meters = distance_m(lat, lng, *nearby_anchor(item))  # never from the item's own point
        if meters <= DUPLICATE_RADIUS_M:
            # No filer: an anonymous item (or any other) names nobody here.
            found.append({
                "id": item.id, "number": item.number, "category": item.category,
                "content": public_content(item)[:100], "status": item.status.value,
                "status_label": item.status_label, "distance_m": coarse_distance(meters), "created_at": item.created_dt,
            })
    # Nearest first by the distance shown (the exact order would tell more), then newest first.
    return {"items": sorted(found, key=lambda f: f["distance_m"])[:10]}


@nearby_blp.post("/<int:suggestion_id>/follow")
@per_citizen("FOLLOW_RATE_LIMIT")
@login_required
@nearby_blp.response(200, FollowOut)
def follow(suggestion_id):
    """关注一条已有的建议（代替重复提交），办理进展同样通知到您。

    只能关注附近建议中可能列出的建议（群众同意公开、仍在办理）；其他建议与不存在的建议一样答复 404。"""
    item = load_item(suggestion_id)
    user = current_user()
    # Only what /nearby could have offered the caller; any other item answers as an unknown one does.
    shown = (item is not None and not item.held_for_review and item.screening in CLEARED_SCREENINGS
             and (item.public_consent or workflow.is_owner(user, item)))
    if not shown or item.status not in OPEN_STATUSES or "citizen" not in user.roles:
        raise APIError(404, "not_found", "建议不存在或已办结。")
    if not workflow.is_owner(user, item) and db.session.get(SuggestionFollower, (item.id, user.id)) is None:
        db.session.add(SuggestionFollower(suggestion_id=item.id, user_id=user.id))
        db.session.flush()
    return {"id": item.id, "number": item.number, "following": True}
