"""Activities API: /activities (发单, 修改, 接单, 请假, 补签, 结单, 取消, rotating code) and /checkins (扫码签到)."""
from sqlalchemy import false, or_, select

from schemas.activities import (
    ActivityCloseIn,
    ActivityEventOut,
    ActivityEventQuery,
    ActivityIn,
    ActivityOut,
    ActivityPatch,
    ActivityQuery,
    CancelIn,
    CheckinCodeOut,
    CheckinIn,
    CheckinOut,
    CloseOut,
    DeclineIn,
    HandCheckinIn,
    ParticipantOut,
    ParticipantQuery,
)
from schemas.common import page_of
from schemas.training import SummonIn, SummonOut

from ..auth.scope import (
    admin_required, current_caller, current_user, list_narrowing_or_404, login_required, region_subtree_clause,
    station_scope_clause,
)
from ..errors import APIError, not_found
from ..extensions import Blueprint, db
from ..idempotency import idempotent
from ..notifications import center
from ..org.models import Station
from ..pagination import paginate
from ..qr.services import qr_url
from . import checkin, rotating, services, training
from .models import (
    ACTIVITY_STATUS_LABELS,
    ACTIVITY_TYPE_LABELS,
    CHECKIN_MODE_LABELS,
    EVENT_ACTION_LABELS,
    EVENT_ROLE_LABELS,
    PARTICIPANT_STATUS_LABELS,
    Activity,
    ActivityParticipant,
    ActivityStatus,
    checkin_mode,
)

blp = Blueprint("activities", __name__, url_prefix="/api/v1/activities", description="履职活动：发单、接单、签到、结单")
checkins = Blueprint("checkins", __name__, url_prefix="/api/v1/checkins", description="扫码签到")

PARTICIPANTS_SHOWN = 100  # deputies an activity's detail names; the rest: GET /activities/{id}/participants


def present(activity, user, detail=False, places=None, taken=None):
    """The activity as ``user`` sees it; ``places``: the caller's participations in a page of activities
    (services.own_places), ``taken``: the places claimed in each (services.claimed_counts), read once for
    the page."""
    if places is not None:
        mine = places.get(activity.id)
    else:
        mine = services.participant(activity, user.deputy_id) if user is not None and user.deputy_id else None
    if activity.open_slots is None:
        claimed = None
    else:
        claimed = taken[activity.id] if taken is not None else services.claimed_count(activity)
    body = {
        "id": activity.id,
        "title": activity.title,
        "type": activity.type.value,
        "type_label": ACTIVITY_TYPE_LABELS[activity.type.value],
        "status": activity.status.value,
        "status_label": ACTIVITY_STATUS_LABELS[activity.status.value],
        "station": {"id": activity.station.id, "name": activity.station.name} if activity.station else None,
        "region_id": activity.region_id,
        "place": activity.place,
        "lat": activity.lat,
        "lng": activity.lng,
        "starts_at": activity.starts_dt,
        "ends_at": activity.ends_dt,
        "points": activity.points,
        "description": activity.description,
        "my_status": mine.status.value if mine else None,
        "open_slots": activity.open_slots,
        "claimed_count": claimed,
        "can_claim": services.can_claim(user, activity, mine, claimed),
        "claimed": bool(mine and mine.claimed),
        "checkin_mode": checkin_mode(activity),
        "checkin_mode_label": CHECKIN_MODE_LABELS[checkin_mode(activity)],
    }
    if detail:
        manager = user is not None and user.is_admin and services.manages_activity(user, activity)
        shown = db.session.scalars(services.roster_query(activity).limit(PARTICIPANTS_SHOWN)).all()
        if mine is not None and mine not in shown:
            shown.append(mine)
        body["participants"] = [present_participant(p, manager, p is mine) for p in shown]
        counts = services.summaries([activity])[activity.id]
        body["participants_total"] = counts.pop("total")
        body["participant_counts"] = counts
        if manager:
            # The record (台账) names who did what, leave reasons included: its administrators' only. Its
            # latest lines: the whole of a long one is read page by page (GET /activities/{id}/events).
            lines, body["events_total"] = services.latest_lines(activity)
            body["events"] = [present_event(e) for e in lines]
    return body


def present_participant(p, manager=False, mine=False):
    """One deputy of the roster: their name and level (as the public leaderboard shows them, never a phone)
    and their status. Why a deputy took leave (请假) is theirs: the other deputies invited see only that
    they did; the administrators who manage the activity read it, and how a 补签 was made."""
    entry = {
        "deputy": {"id": p.deputy.id, "name": p.deputy.name, "level": p.deputy.level.value},
        "status": p.status.value,
        "status_label": PARTICIPANT_STATUS_LABELS[p.status.value],
        "checked_in_at": p.checked_in_dt,
        "claimed": p.claimed,
    }
    if manager or mine:
        entry["decline_reason"] = p.decline_reason
    if manager:
        entry["checked_in_by_admin"] = p.checkin_by_id is not None
        entry["checkin_note"] = p.checkin_note
    return entry


def present_event(event):
    return {
        "id": event.id,
        "action": event.action.value,
        "action_label": EVENT_ACTION_LABELS[event.action.value],
        "actor_role": event.actor_role,
        "actor_role_label": EVENT_ROLE_LABELS.get(event.actor_role, event.actor_role),
        "actor_name": event.actor_name,
        "actor_user_id": event.actor_user_id,
        "deputy_id": event.deputy_id,
        "note": event.note,
        "at": event.created_dt,
    }


def _activity(activity_id, roster=True):
    activity = services.load_activity(activity_id, roster)
    if activity is None or not services.can_see(current_user(), activity):
        raise not_found(services.unseen_reason(current_user(), activity))
    return activity


def _managed(activity_id, roster=True):
    activity = _activity(activity_id, roster)
    if not services.manages_activity(current_user(), activity):
        raise APIError(403, "forbidden", "只有管辖该活动的管理员可以进行此操作。")
    return activity


@blp.post("")
@admin_required
@idempotent
@blp.arguments(ActivityIn)
@blp.response(201, ActivityOut)
def dispatch(data):
    """发单：向代表派发履职活动，受邀代表收到通知。

    开放揭榜名额时，可揭榜的代表（本区域及下级区域、在该联络站进站的在任代表）中不在活动名单上、已绑定微信的，
    收到一条揭榜通知（揭榜通知模板，不占用发单提醒的订阅次数；打开活动详情页，每位代表每项活动只通知一次）。

    开始时间最早可为 24 小时之前：已结束（超过签到宽限时间）的活动视为补录，不通知代表（已无法接单和签到），
    由管理员为到场代表补签后结单；结单时不将补录邀请的代表记为缺席（按邀请时活动是否已结束判断，之后修改活动时间不改变）。"""
    return present(services.dispatch(current_user(), data), current_user(), detail=True)


_LIST_REFUSALS = {
    "mine": "只有代表可以查看自己的活动。",
    "open": "只有代表可以查看可揭榜的活动。",
    "station": "只有管理员可以查看联络站的活动。",
    "all": "只有代表和管理员可以查看活动。",
}


@blp.get("")
@login_required
@blp.arguments(ActivityQuery, location="query")
@blp.response(200, page_of(ActivityOut))
def list_activities(args):
    user = current_user()
    scope = args.get("scope") or ("station" if user.is_admin else "mine")
    if scope == "open":
        return _open_activities(user, args)
    clauses = []  # scope "all": everything the caller's roles show, as a deputy and as an administrator
    if scope in ("mine", "all") and "deputy" in user.roles:
        clauses.append(Activity.id.in_(
            select(ActivityParticipant.activity_id).where(ActivityParticipant.deputy_id == user.deputy_id)
        ))
    if scope in ("station", "all") and user.is_admin:
        clauses.append(Activity.station_id.in_(select(Station.id).where(station_scope_clause(user))))
        if user.admin_region is not None:
            clauses.append(region_subtree_clause(Activity.region_id, user.admin_region))
    if not clauses:
        raise APIError(403, "forbidden", _LIST_REFUSALS[scope])
    list_narrowing_or_404(user, args, scope == "station" or (scope == "all" and "deputy" not in user.roles))
    query = select(Activity).where(or_(*clauses))
    for key in ("status", "type", "station_id"):
        if key in args:
            query = query.where(getattr(Activity, key) == args[key])
    return _page(query.order_by(Activity.starts_dt.desc(), Activity.id.desc()), user, args)


def _open_activities(user, args):
    """揭榜: the activities whose places the calling deputy may claim now, soonest first; those they are on
    the list of already included (marked by ``my_status``)."""
    if "deputy" not in user.roles or user.deputy is None or not user.deputy.active:
        raise APIError(403, "forbidden", _LIST_REFUSALS["open"])
    query = select(Activity).where(services.open_to(user.deputy))
    for key in ("type", "station_id"):
        if key in args:
            query = query.where(getattr(Activity, key) == args[key])
    if args.get("status", ActivityStatus.published) != ActivityStatus.published:
        query = query.where(false())  # closed and cancelled activities offer no place
    return _page(query.order_by(Activity.starts_dt, Activity.id), user, args)


def _page(query, user, args):
    page = paginate(query.options(*services.list_loading()), args)
    places = services.own_places(page["items"], user.deputy_id)
    taken = services.claimed_counts(page["items"])
    page["items"] = [present(a, user, places=places, taken=taken) for a in page["items"]]
    return page


@blp.get("/<int:activity_id>")
@login_required
@blp.response(200, ActivityOut)
def get_activity(activity_id):
    """活动详情：受邀代表和管辖该活动的管理员可查看。

    管辖该活动的管理员另可看到每位代表的请假理由、补签情况，以及活动的操作记录（台账）：谁在何时发单、修改（改期、
    改地点、补充邀请、移出代表）、补签、结单或取消，以及代表本人的接单、请假和扫码签到。`events` 为最近的 50 条
    （按时间先后），`events_total` 为记录总条数；超过 50 条时，完整记录请分页读取 `GET /activities/{id}/events`。
    代表看不到操作记录，也看不到其他代表的请假理由。本人关于该活动的未读消息随之标为已读。"""
    activity = _activity(activity_id, roster=False)
    center.read_opened(current_caller().id, services.page_path(activity))
    return present(activity, current_user(), detail=True)


@blp.get("/<int:activity_id>/participants")
@login_required
@blp.arguments(ParticipantQuery, location="query")
@blp.response(200, page_of(ParticipantOut))
def list_participants(args, activity_id):
    """参加代表名单，分页，按发单时的顺序：仅管辖该活动的管理员可查看，含请假理由和补签情况（不含手机号）。

    可按签到状态（`status`：invited 待接单、accepted 已接单、declined 已请假、checked_in 已签到、absent 缺席）
    和代表姓名（`q`，姓名的一部分）筛选。各状态人数见活动详情的 `participant_counts`。
    受邀代表查看时返回 403；看不到该活动的用户返回 404。"""
    activity = _activity(activity_id, roster=False)
    if not services.manages_activity(current_user(), activity):
        raise APIError(403, "forbidden", "只有管辖该活动的管理员可以查看参加代表名单。")
    page = paginate(services.roster_query(activity, args.get("status"), args.get("q", "")), args)
    page["items"] = [present_participant(p, manager=True) for p in page["items"]]
    return page


@blp.get("/<int:activity_id>/events")
@login_required
@blp.arguments(ActivityEventQuery, location="query")
@blp.response(200, page_of(ActivityEventOut))
def list_events(args, activity_id):
    """活动的操作记录（台账），分页，按时间先后（最早的在前）：仅管辖该活动的管理员可查看。

    可按代表（`deputy_id`：该代表本人的接单、请假、扫码签到，以及为其补签）或操作类型（`action`）筛选。
    受邀代表查看时返回 403；看不到该活动的用户返回 404。活动详情只附带最近 50 条记录（`events`）及总条数（`events_total`）。"""
    activity = _activity(activity_id, roster=False)  # the record's lines alone, never the whole roster
    if not services.manages_activity(current_user(), activity):
        raise APIError(403, "forbidden", "只有管辖该活动的管理员可以查看操作记录。")
    page = paginate(services.record_lines(activity, args.get("deputy_id"), args.get("action")), args)
    page["items"] = [present_event(e) for e in page["items"]]
    return page


@blp.patch("/<int:activity_id>")
@admin_required
@blp.arguments(ActivityPatch)
@blp.response(200, ActivityOut)
def edit(data, activity_id):
    """修改活动（改期、改地点、补充邀请、更正类型）：结单或取消前可修改名称、类型、说明、地点、时间和积分，补充邀请代表或移出未签到的代表。

    类型填错时可在结单前更正，结单按新类型的评分细则计分（另设积分的除外），操作记录写明由何类型改为何类型，不通知代表；
    已有群众选择该接待日约见代表且约见尚未答复或已确认时，接待选民活动不能改为其他类型（409）。举办的联络站不能更改。

    代表的接单、请假记录保持不变；时间或地点变更时，待接单和已接单的代表收到变更通知，已发出的活动提醒按新时间重新提醒；
    新邀请的代表收到发单通知，被移出的代表收到无需参加的通知；接待日变更时，选择该接待日、待确认的约见群众也会收到通知。
    开放揭榜或增加揭榜名额时，可揭榜且尚未收到过该活动揭榜通知的代表收到揭榜通知（已收到过的不再重复通知）。
    活动开始后不能更改开始时间，但可以延长或修改结束时间、地点和名称；已签到的代表不能移出（409）。"""
    return present(services.edit(current_user(), _managed(activity_id), data), current_user(), detail=True)


@blp.post("/<int:activity_id>/accept")
@login_required
@idempotent  # as a suggestion's steps: a phone that lost the answer and taps again reads how it went, not 409
@blp.response(200, ActivityOut)
def accept(activity_id):
    """接单（请假后也可重新接单）：活动结束后不能再接单。本人关于该活动的未读消息随之标为已读。"""
    activity = services.accept(current_user(), _activity(activity_id, roster=False))
    _answered(activity)
    return present(activity, current_user(), detail=True)


def _answered(activity):
    """The caller answered ``activity`` (接单, 请假, 扫码签到), wherever from (a list, a scan): its notices to
    them are done with, read as if they had opened it (``get_activity``). 揭榜 drops its own notice."""
    center.read_opened(current_caller().id, services.page_path(activity))


@blp.post("/<int:activity_id>/claim")
@login_required
@idempotent
@blp.response(201, ActivityOut)
@blp.alt_response(200, schema=ActivityOut, description="already on the list (a retried claim, or invited): the activity as it is")
def claim(activity_id):
    """揭榜：代表报名参加开放揭榜的活动（如调研课题、志愿服务），占用一个揭榜名额，状态为已接单。

    活动所在区域及其下级区域的在任代表、进驻该联络站的代表可以揭榜（`GET /activities?scope=open` 列出可揭榜的活动）；
    名额用完或活动结束后不能再揭榜（409）；结单或取消后，活动不再对名单以外的代表显示（404）。已在名单中的代表再次揭榜，
    返回 200 和活动现状。揭榜后请假即让出名额，重新接单须仍有名额。结单时揭榜的代表与受邀代表一样计分或记为缺席。"""
    activity, created = services.claim(current_user(), _activity(activity_id, roster=False))
    return present(activity, current_user(), detail=True), (201 if created else 200)


@blp.post("/<int:activity_id>/decline")
@login_required
@idempotent
@blp.arguments(DeclineIn)
@blp.response(200, ActivityOut)
def decline(data, activity_id):
    """请假（须说明理由）：须在活动开始前提出，活动开始后不能再请假。本人关于该活动的未读消息随之标为已读。"""
    activity = services.decline(current_user(), _activity(activity_id, roster=False), data["reason"])
    _answered(activity)
    return present(activity, current_user(), detail=True)


@blp.get("/<int:activity_id>/checkin-code")
@admin_required
@blp.response(200, CheckinCodeOut)
def checkin_code(activity_id):
    """现场屏幕上的动态签到码，约每 30 秒更换一次。"""
    activity = _managed(activity_id, roster=False)  # asked for every few seconds: the activity's row alone
    if activity.status is not ActivityStatus.published:
        raise APIError(409, "invalid_transition", "活动已结单或已取消，不能再签到。")
    code, expires = rotating.make_code(activity.id)
    return {"qr_code": code, "url": qr_url(code), "expires_at": expires}


@blp.post("/<int:activity_id>/participants/<int:deputy_id>/checkin")
@admin_required
@blp.arguments(HandCheckinIn)
@blp.response(200, ActivityOut)
def check_in_by_hand(data, activity_id, deputy_id):
    """补签（须说明原因）：代表到场但手机无法扫码时，由管辖该活动的管理员为其签到。活动开始后、结单或取消前，仅限待接单或已接单的代表。"""
    activity = _managed(activity_id, roster=False)
    return present(services.check_in_by_hand(current_user(), activity, deputy_id, data["reason"]), current_user(),
                   detail=True)


@blp.post("/<int:activity_id>/close")
@admin_required
@blp.arguments(ActivityCloseIn, required=False)  # no body: {"early": false}
@blp.response(200, CloseOut)
def close(data, activity_id):
    """结单：已签到代表计入积分（计入活动举办的年度），未请假未签到的代表记为缺席。活动开始后才能结单；重复结单不会重复计分。

    签到截止（活动结束后 CHECKIN_GRACE_MINUTES 分钟）前仍有待接单或已接单的代表未签到时，须以 `early: true` 确认提前结单，否则 409，说明签到截止时间和未签到人数。"""
    return {"summary": services.close(current_user(), _managed(activity_id), early=data["early"])}


@blp.post("/<int:activity_id>/cancel")
@admin_required
@blp.arguments(CancelIn)
@blp.response(200, ActivityOut)
def cancel(data, activity_id):
    """取消活动（结单前），不计积分；待接单和已接单的代表收到取消通知。可附取消原因（选填），随通知告知代表并记入活动的操作记录。

    已有代表签到时，须以 `void_checkins: true` 确认作废其签到（不计积分，并通知已签到的代表），否则 409，说明已签到人数。"""
    return present(services.cancel(current_user(), _managed(activity_id), data["reason"], data["void_checkins"]),
                   current_user(), detail=True)


@blp.post("/<int:activity_id>/summon-untrained")
@admin_required
@idempotent
@blp.arguments(SummonIn)
@blp.response(200, SummonOut)
def summon_untrained(data, activity_id):
    """点名调训：把区域（含下级，默认为本人所管区域）、层级内期间（默认今年 1 月 1 日至今天）未参训、尚未受邀的在任代表，全部补充邀请到这次尚未开始的学习培训。

    与修改活动的补充邀请是同一步骤：受邀代表收到发单通知，活动操作记录写明“点名调训：邀请 …”，一项活动最多邀请的人数同样适用（超出时 422，请缩小范围分批调训）。
    不是学习培训、已开始、已结单或已取消的活动：409；区域不存在或不在管理范围内：404；没有需要调训的代表（已全部参训或已受邀，例如再次调训）：409。"""
    activity = _managed(activity_id)
    invited = training.summon(current_user(), activity, data.get("region_id"), data.get("level"), data.get("since"),
                              data.get("until"))
    return {"invited": invited, "participants_total": len(activity.participants)}


@checkins.post("")
@login_required
@idempotent
@checkins.arguments(CheckinIn)
@checkins.response(201, CheckinOut)
@checkins.alt_response(200, schema=CheckinOut, description="already checked in: the first check-in")
@checkins.alt_response(409, description="此处此时没有可签到的活动，消息说明原因（checkin_refused）；"
                                        "或同一 Idempotency-Key 已用于另一请求（idempotency_key_reused）")
def check_in(data):
    """扫码签到：扫联络站码或活动动态码。本人关于所签到活动的未读消息随之标为已读。"""
    activity, checked_in_dt, created = checkin.check_in(current_caller(), data["qr_code"], data.get("lat"),
                                                        data.get("lng"))
    if created:  # a repeated scan finds them read by the first, in its transaction: it writes nothing
        _answered(activity)
    body = {"activity_id": activity.id, "activity_title": activity.title, "checked_in_at": checked_in_dt}
    return body, (201 if created else 200)
