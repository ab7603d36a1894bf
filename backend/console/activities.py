"""Console pages for activities: 发单 with a deputy picker, 编辑 (改期、改地点、补充邀请), live attendance, the
check-in screen, 补签, 结单.

Also the deputy and station pickers' searches, which the organisation pages share. What every console
page shares is in console/pages.py; a refused form's messages under its fields, in console/form_errors.py.
"""
from datetime import timedelta

from flask import current_app, flash, g, jsonify, make_response, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import lazyload, selectinload

from schemas.activities import ActivityIn, ActivityPatch, CancelIn

from ..activities import rotating, services
from ..auth.models import User
from ..activities.models import (
    ACTIVITY_STATUS_LABELS,
    ACTIVITY_TYPE_LABELS,
    CHECKIN_MODE_LABELS,
    EVENT_ACTION_LABELS,
    EVENT_ROLE_LABELS,
    PARTICIPANT_STATUS_LABELS,
    Activity,
    ActivityEvent,
    ActivityParticipant,
    ActivityStatus,
    ParticipantStatus,
    checkin_mode,
)
from ..auth.scope import (
    deputy_scope_clause, get_by_id, manages_region, may_narrow_to, region_subtree_clause, station_scope_clause,
)
from ..db_types import utcnow
from ..errors import APIError, error_response, not_found, validation_failed
from ..extensions import db
from ..forms import china_iso, load_checked, local_input, number_or_text, parse_int
from ..liaisons import services as liaison_services
from ..liaisons.models import Liaison, LiaisonDeputy
from ..org.models import Deputy, Region, Station, deputy_listing, station_deputies
from ..org.names import by_pinyin
from ..pagination import paginate
from ..points import rulebook
from ..points.models import PointEntry
from ..qr import render
from ..qr.services import qr_url
from ..security import in_the_background
from . import bp, console_json, console_login_required
from .drawn import check_drawn
from .form_errors import FieldErrors, field_errors, refused_form
from .pages import PER_PAGE, china_dt, console_page, is_region_admin, listing_page, managed_regions, query_text
from .deputy_choices import deputy_detail, deputy_search_clause, picked_loading
from .suggestions import scoped_stations

STALE_MESSAGE = "这条活动刚刚被其他人修改过，请刷新后重试。"
RECORD_PER_PAGE = 50  # lines of an activity's 操作记录 on its page
ROSTER_PER_PAGE = 50  # deputies on a page of an activity's attendance (出勤情况)
PICKER_LIMIT = 100  # deputies offered at once in the picker; searching narrows the rest
STATION_OPTIONS_LIMIT = 50  # stations the station picker offers for one search (?limit= asks fewer)
# The 发单 and 编辑 forms' fields, in page order: a refused one shows its message under it.
DISPATCH_FIELDS = ("title", "type", "station_id", "region_id", "place", "starts_at", "ends_at", "points", "open_slots",
                   "checkin_mode", "description", "deputy_ids")
EDIT_FIELDS = ("title", "type", "place", "starts_at", "ends_at", "points", "open_slots", "checkin_mode", "description",
               "remove_deputy_ids", "add_deputy_ids")


def deputy_option(deputy):
    """A deputy as the picker's search answers: ``detail`` tells namesakes apart (deputy_choices)."""
    return {
        "id": deputy.id, "name": deputy.name, "level_label": deputy.level_label,
        "stations": "、".join(s.name for s in deputy.stations[:3]), "detail": deputy_detail(deputy),
    }


def _picked():
    """Deputies as the picker shows them: with their regions and stations (one query each), without codes."""
    return picked_loading()


def deputy_options(user, q="", station_id=None, limit=PICKER_LIMIT, exclude=(), activity=None, liaison=None,
                   left_office=False):
    """Active deputies the administrator manages, for the picker, whose name, 代表小组, phone's end or printed
    code matches ``q`` (deputy_search_clause); with ``activity``, not those it invites
    already (left out by a subquery: a thousand of them are no list of ids); with ``liaison`` (联系清单), only
    those its congress keeps in touch with and not given to it yet (``liaisons.services.assign``' own rules:
    it refuses the others and passes over those given already); with ``left_office``, those who left office
    too (a list's filter, for their past work)."""
    query = select(Deputy).where(deputy_scope_clause(user), *([] if left_office else [Deputy.active.is_(True)]))
    if liaison is not None:
        query = query.where(liaison_services.own_deputies(liaison.region), Deputy.id.not_in(
            select(LiaisonDeputy.deputy_id).where(LiaisonDeputy.liaison_id == liaison.id)))
    if q:
        query = query.where(deputy_search_clause(q))
    if station_id:
        query = query.where(Deputy.id.in_(select(station_deputies.c.deputy_id).where(station_deputies.c.station_id == station_id)))
    if exclude:
        query = query.where(Deputy.id.not_in(list(exclude)))
    if activity is not None:
        query = query.where(Deputy.id.not_in(
            select(ActivityParticipant.deputy_id).where(ActivityParticipant.activity_id == activity.id)))
    # The first ``limit`` (a search narrows them), shown 按姓氏拼音 as staff read a roster.
    return by_pinyin(db.session.scalars(query.order_by(Deputy.name, Deputy.id).limit(limit).options(*_picked())).all())


def selected_deputies(user, ids):
    ids = [i for i in ids if i]
    if not ids:
        return []
    # With their regions and their stations' (deputy_listing): callers tell which are theirs (manages_deputy).
    found = db.session.scalars(select(Deputy).where(Deputy.id.in_(ids), deputy_scope_clause(user))
                               .options(lazyload(Deputy.live_qr), *deputy_listing())).all()
    by_id = {d.id: d for d in found}
    return [by_id[i] for i in dict.fromkeys(ids) if i in by_id]


@bp.get("/deputy-options")
@console_json
def deputy_options_json():
    """The deputy picker's search: active deputies in the administrator's scope (also those who left office with
    ``left_office=1``: the queue's 承办代表 filter), by name, 代表小组, phone's end or printed code, at most
    PICKER_LIMIT and whether ``more`` match; with ``activity_id`` (补充邀请,
    an activity the administrator manages), not those the activity invites already; with ``liaison_id`` (a
    liaison of a region the administrator manages), not those given to it already."""
    q = query_text("q", 50)
    station_id = parse_int(request.args.get("station_id"))
    exclude = [i for i in (parse_int(x) for x in request.args.get("exclude", "").split(",")[:500]) if i]
    activity_id = parse_int(request.args.get("activity_id"))
    activity = managed_activity_or_404(activity_id, roster=False) if activity_id else None
    liaison_id = parse_int(request.args.get("liaison_id"))
    liaison = managed_liaison_or_404(liaison_id) if liaison_id else None
    left_office = request.args.get("left_office") == "1"
    # One more than it lists: whether more match than the answer holds (the picker asks for a longer name).
    deputies = deputy_options(g.user, q, station_id, limit=PICKER_LIMIT + 1, exclude=exclude, activity=activity,
                              liaison=liaison, left_office=left_office)
    more = len(deputies) > PICKER_LIMIT
    if more:
        last = max(deputies, key=lambda d: (d.name, d.id))  # the one beyond the first PICKER_LIMIT by name
        deputies = [d for d in deputies if d is not last]
    return jsonify({"items": [deputy_option(d) for d in deputies], "limit": PICKER_LIMIT, "more": more})


def station_option(station):
    return {"id": station.id, "name": station.name + ("（已停用）" if station.closed else ""), "region": station.region.name,
            "address": station.address or ""}


@bp.get("/station-options")
@bp.get("/station-options/open", defaults={"open_only": True}, endpoint="open_station_options_json")
@console_json
def station_options_json(open_only=False):
    """The station picker's search (station-picker.js): the stations in the administrator's scope whose
    name or address holds ``q``, within the region ``region_id`` and below it if given, by name; at most
    ``limit`` (STATION_OPTIONS_LIMIT), and whether more match. ``/open``: a picker's (no closed station)."""
    user = g.user
    limit = STATION_OPTIONS_LIMIT
    if request.args.get("limit", "").strip():
        limit = parse_int(request.args["limit"], 1, STATION_OPTIONS_LIMIT)
        if limit is None:
            return error_response(422, "validation_failed", f"每次返回的数量应为 1 到 {STATION_OPTIONS_LIMIT} 之间的整数。")
    query = select(Station).where(station_scope_clause(user), *([Station.closed_dt.is_(None)] if open_only else []))
    if request.args.get("region_id", "").strip():
        region_id = parse_int(request.args["region_id"])
        if region_id is None:
            return error_response(422, "validation_failed", "区域编号应为正整数。")
        region = get_by_id(Region, region_id)
        if region is None:
            return error_response(404, "not_found", "区域不存在。")
        query = query.where(region_subtree_clause(Station.region_id, region))
    q = query_text("q", 50)
    if q:
        query = query.where(or_(Station.name.contains(q, autoescape=True), Station.address.contains(q, autoescape=True)))
    stations = db.session.scalars(
        query.order_by(Station.name, Station.id).limit(limit + 1)
        .options(lazyload(Station.live_qr), selectinload(Station.region))
    ).all()
    return jsonify({"items": [station_option(s) for s in stations[:limit]], "more": len(stations) > limit, "limit": limit})


# --- activities --------------------------------------------------------------------------------------


def _scope_query(user):
    clauses = [Activity.station_id.in_(select(Station.id).where(station_scope_clause(user)))]
    if user.admin_region is not None:
        clauses.append(region_subtree_clause(Activity.region_id, user.admin_region))
    return select(Activity).where(or_(*clauses))


def managed_activity_or_404(activity_id, roster=True):
    """The activity an administrator manages, or the not-found page; without ``roster`` its participants
    are left unread (pages that show them read a page of them)."""
    activity = services.load_activity(activity_id, roster)
    if activity is None or not services.manages_activity(g.user, activity):
        raise not_found("活动不存在，或不在您的管理范围内。")
    return activity


def managed_liaison_or_404(liaison_id):
    """A liaison (联系清单) of a region the administrator manages, or not found (as its page says)."""
    liaison = get_by_id(Liaison, liaison_id)
    if liaison is None or not manages_region(g.user, liaison.region):
        raise not_found("联系人不存在，或不在您的管理范围内。")
    return liaison


# 待结单: the status filter's choice of the activities that have ended and are still to be closed — 结单 is
# what credits the deputies' 履职积分, so these come first in the list, marked, and the 工作台 counts them.
TO_CLOSE = "to_close"
TO_CLOSE_LABEL = "待结单"


def awaiting_close_clause(now=None):
    """Published activities whose end has passed: to be closed (结单)."""
    return and_(Activity.status == ActivityStatus.published, Activity.ends_dt < (now or utcnow()))


def to_close_count(user, filters=None):
    """待结单 activities in ``user``'s scope (the dashboard's figure), narrowed by the dashboard's region or
    station (``dashboard.dashboard_filters``); its dates, of filing suggestions, do not apply."""
    filters = filters or {}
    query = _scope_query(user).where(awaiting_close_clause())
    if "station_id" in filters:
        query = query.where(Activity.station_id == filters["station_id"])
    if "region_id" in filters:
        region = db.session.get(Region, filters["region_id"])
        if region is None:
            raise not_found("区域不存在。")
        query = query.where(region_subtree_clause(Activity.region_id, region))
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


@bp.get("/activities")
@console_page()
def activities():
    query = _scope_query(g.user)
    now = utcnow()
    status = request.args.get("status", "")
    kind = request.args.get("type", "")
    q = query_text("q", 100)
    station_id = parse_int(request.args.get("station_id"))
    if station_id:  # a station outside the administrator's scope finds nothing: the scope query holds
        query = query.where(Activity.station_id == station_id)
    # 区域 (the 工作台's 待结单活动 links with it): one the 工作台 could not be narrowed to is not found, never named
    region_id = parse_int(request.args.get("region_id"))
    region = None
    if region_id is not None:
        region = get_by_id(Region, region_id)
        if not may_narrow_to(g.user, region):
            raise not_found("区域不存在。")
        query = query.where(region_subtree_clause(Activity.region_id, region))
    if status == TO_CLOSE:
        query = query.where(awaiting_close_clause(now))
    elif status in ACTIVITY_STATUS_LABELS:
        query = query.where(Activity.status == status)
    if kind in ACTIVITY_TYPE_LABELS:
        query = query.where(Activity.type == kind)
    if q:
        query = query.where(Activity.title.contains(q, autoescape=True))
    # Those to close first (the ended ones waiting longest on top), then the rest, the latest first.
    query = query.order_by(
        case((awaiting_close_clause(now), 0), else_=1), case((awaiting_close_clause(now), Activity.ends_dt)),
        Activity.starts_dt.desc(), Activity.id.desc(),
    ).options(selectinload(Activity.station).lazyload(Station.live_qr))
    page = listing_page(query, PER_PAGE)
    return render_template(
        "console/activities.html", page=page, status=status, type=kind, q=q, station_id=station_id, region=region,
        without_region=url_for("console.activities", **{k: v for k, v in request.args.items()
                                                         if k not in ("region_id", "page")}),
        stations=scoped_stations(g.user, [station_id]), status_labels=ACTIVITY_STATUS_LABELS | {TO_CLOSE: TO_CLOSE_LABEL},
        type_labels=ACTIVITY_TYPE_LABELS, now=now,
        counts={key: c | {"expected": services.expected_count(c)} for key, c in services.summaries(page["items"]).items()},
        taken=services.claimed_counts(page["items"]),
    )


def _open_slots(form):
    """揭榜名额 as typed (a number, or the text for the schema to refuse); blank: by invitation only."""
    return number_or_text(form.get("open_slots")) if form.get("open_slots", "").strip() else None


def rule_points(region):
    """{activity type: the rulebook's points for it} in force in ``region``: the form's hint and the
    activity page's note (a deputy earns by their own congress's rulebook, which is this one but for a
    deputy of another level or region)."""
    return {rule.code: rule.points for rule in rulebook.in_force(region) if rule.code in ACTIVITY_TYPE_LABELS}


def _points(form):
    """The 积分 box: a number typed (whole, as the schema checks), or None when left blank (the rulebook's)."""
    return number_or_text(form.get("points")) if form.get("points", "").strip() else None


def activity_data(form, user):
    """The 发单 form as the API's ActivityIn would receive it, validated by the same schema."""
    data = {
        "title": form.get("title", ""),
        "type": form.get("type", ""),
        "starts_at": china_iso(form.get("starts_at")),
        "ends_at": china_iso(form.get("ends_at")),
        "deputy_ids": [number_or_text(value) for value in form.getlist("deputy_ids")],
        "description": form.get("description", ""),
        "points": _points(form),
        "open_slots": _open_slots(form),
        "checkin_mode": form.get("checkin_mode") or None,
    }
    errors = _untitled(form)  # the form's own checks, reported with the schema's: every mistake at once
    if form.get("place_mode") == "place" and is_region_admin(user):
        data["region_id"] = number_or_text(form.get("region_id")) if form.get("region_id") else None
        data["place"] = form.get("place", "")
    else:
        data["station_id"] = number_or_text(form.get("station_id")) if form.get("station_id") else None
        if data["station_id"] is None:
            errors["station_id"] = ["请选择举办活动的联络站。"]
    data = {k: v for k, v in data.items() if v is not None}
    if not data["deputy_ids"] and "open_slots" not in data:
        errors["deputy_ids"] = ["请至少选择一位参加的代表，或填写揭榜名额由代表自行报名。"]
    return load_checked(ActivityIn(), data, errors)


@bp.route("/activities/new", methods=["GET", "POST"])
@console_page("console.activities")
def activity_new():
    user = g.user
    errors, lines = FieldErrors(), []
    if request.method == "POST":
        form = request.form
        try:
            activity = services.dispatch(user, activity_data(form, user))
        except (APIError, ValidationError) as exc:
            db.session.rollback()
            errors, lines = field_errors(exc, DISPATCH_FIELDS)
        else:
            if services.responses_closed(activity):
                flash(f"已补录：“{activity.title}”。活动已结束，未通知代表；请为到场的代表补签后再结单，"
                      "未补签的代表结单时记为缺席。", "success")
            else:
                places = f"开放揭榜名额 {activity.open_slots} 个" if activity.open_slots is not None else ""
                invited = f"已通知 {len(activity.participants)} 位代表" if activity.participants else ""
                flash(f"已发单：“{activity.title}”，" + "；".join(filter(None, (invited, places))) + "。", "success")
            return redirect(url_for("console.activity", activity_id=activity.id))
        values = form
        chosen_ids = [parse_int(i) for i in form.getlist("deputy_ids")]
    else:
        start = utcnow().replace(second=0, microsecond=0)
        start -= timedelta(minutes=start.minute % 5)
        values = {
            "type": "reception", "place_mode": "station", "station_id": request.args.get("station_id", ""),
            "starts_at": local_input(start), "ends_at": local_input(start + timedelta(hours=2)),
        }
        chosen_ids = []
    chosen = selected_deputies(user, chosen_ids)
    station_filter = parse_int(request.args.get("station_id"))
    options = deputy_options(user, station_id=station_filter, exclude=[d.id for d in chosen])
    for line in lines:
        flash(line, "error")
    return render_template(
        "console/activity_form.html", values=values, chosen=chosen, options=options, field_errors=errors,
        stations=scoped_stations(user, [station_filter, parse_int(values.get("station_id"))], open_only=True),
        regions=managed_regions(user),
        can_use_place=is_region_admin(user), rule_points=rule_points(rulebook.own_region(user)),
        type_labels=ACTIVITY_TYPE_LABELS, picker_limit=PICKER_LIMIT, checkin_mode_labels=CHECKIN_MODE_LABELS,
    ), (422 if errors or lines else 200)


def activity_patch_data(form, activity):
    """The 编辑 form as the API's ActivityPatch would receive it, validated by the same schema. A time left
    as the form showed it is not sent: the form shows minutes, an activity dispatched through the API may
    hold seconds, and a start sent back a few seconds off would read as moved (refused once begun)."""
    data = {
        "title": form.get("title", ""),
        "type": form.get("type", activity.type.value),  # a form from before the type could change keeps it
        "place": form.get("place", ""),
        "points": _points(form),
        "description": form.get("description", ""),
        "add_deputy_ids": [number_or_text(value) for value in form.getlist("add_deputy_ids")],
        "remove_deputy_ids": [number_or_text(value) for value in form.getlist("remove_deputy_ids")],
    }
    if "open_slots" in form:  # blank: 停止揭榜 (those who claimed a place stay)
        data["open_slots"] = _open_slots(form)
    if form.get("checkin_mode"):
        data["checkin_mode"] = form["checkin_mode"]
    for key, current in (("starts_at", activity.starts_dt), ("ends_at", activity.ends_dt)):
        if form.get(key, "").strip() != local_input(current):
            data[key] = china_iso(form.get(key))
    return load_checked(ActivityPatch(), data, _untitled(form))


def _untitled(form):
    """A blank 活动名称 asked for by name, not by the length rule it breaks."""
    return {} if form.get("title", "").strip() else {"title": ["请填写活动名称。"]}


def _edit_values(activity):
    return {
        "title": activity.title, "type": activity.type.value, "place": activity.place,
        "starts_at": local_input(activity.starts_dt),
        "ends_at": local_input(activity.ends_dt), "description": activity.description,
        "points": "" if activity.points is None else activity.points,
        "open_slots": "" if activity.open_slots is None else activity.open_slots,
        "checkin_mode": checkin_mode(activity),
    }


def _edited_summary(activity, before):
    """The flash after 编辑: what changed and who was told."""
    when_where, invited, type_, open_slots, screen_code_only = before
    ids = {p.deputy_id for p in activity.participants}
    added, removed = ids - invited, invited - ids
    lines = [f"已保存修改：“{activity.title}”"]
    if activity.type is not type_:
        lines.append(f"类型改为{ACTIVITY_TYPE_LABELS[activity.type.value]}")
    if (activity.starts_dt, activity.ends_dt, activity.place) != when_where:
        told = sum(p.status in services.EXPECTED and p.deputy_id not in added for p in activity.participants)
        lines.append(f"时间或地点的变更已通知 {told} 位代表")
    if activity.open_slots != open_slots:
        lines.append("已停止揭榜" if activity.open_slots is None else f"揭榜名额为 {activity.open_slots} 个")
    if activity.screen_code_only != screen_code_only:
        lines.append(f"签到方式改为{CHECKIN_MODE_LABELS[checkin_mode(activity)]}")
    if added:
        lines.append(f"已邀请 {len(added)} 位代表")
    if removed:
        lines.append(f"已移出 {len(removed)} 位代表")
    return "；".join(lines) + "。"


def _ticked(values):
    """The deputies ticked to be taken off (移出), as ids: from the form, or from the address when the
    administrator turned a page of the list (the page's script carries the ticks along)."""
    most = current_app.config["ACTIVITY_MAX_DEPUTIES"]
    return list(dict.fromkeys(i for i in (parse_int(v) for v in values.getlist("remove_deputy_ids")[:most]) if i))


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@console_page("console.activities")
def activity_edit(activity_id):
    """编辑: the 发单 form's fields for a published activity, its participants to take off a page at a time
    (filtered as the attendance list is), and the picker to invite more. Shown, the roster is never read
    whole; saved, ``services.edit`` reads it."""
    user = g.user
    activity = managed_activity_or_404(activity_id, roster=request.method == "POST")
    refusal = services.edit_refusal(activity)
    if refusal is not None:
        raise refusal
    errors, lines, status = FieldErrors(), [], 200
    args = roster_args(request.form if request.method == "POST" else request.args)
    if request.method == "POST":
        form = request.form
        before = ((activity.starts_dt, activity.ends_dt, activity.place), {p.deputy_id for p in activity.participants},
                  activity.type, activity.open_slots, activity.screen_code_only)
        try:
            check_drawn(activity, STALE_MESSAGE)
            services.edit(user, activity, activity_patch_data(form, activity))
        except (APIError, ValidationError) as exc:
            db.session.rollback()
            (errors, lines), status = field_errors(exc, EDIT_FIELDS), getattr(exc, "status", 422)
        else:
            flash(_edited_summary(activity, before), "success")
            return redirect(url_for("console.activity", activity_id=activity.id))
        values = form
        chosen = selected_deputies(user, [parse_int(i) for i in form.getlist("add_deputy_ids")])
    else:
        values, chosen = _edit_values(activity), []
    removing = _ticked(request.form if request.method == "POST" else request.args)
    data = attendance(activity, args)
    shown = {p["deputy_id"] for p in data["participants"]}
    for line in lines:
        flash(line, "error")
    return render_template(
        "console/activity_edit.html", activity=activity, values=values, data=data, field_errors=errors,
        rule_points=rule_points(activity.region), checkin_mode_labels=CHECKIN_MODE_LABELS,
        removing=[i for i in removing if i in shown], ticked_elsewhere=[i for i in removing if i not in shown],
        chosen=chosen, options=deputy_options(user, exclude=[d.id for d in chosen], activity=activity),
        stations=scoped_stations(user),
        # The pager's links: the list's filter, whether it came in the address or (a refused save) the form;
        # not the ticks, which the page's script adds as they stand when a link is followed.
        pager_args={"activity_id": activity.id, "status": args["status"] or None, "q": args["q"] or None,
                    "remove_deputy_ids": None},
        picker_limit=PICKER_LIMIT, can_invite=utcnow() <= activity.ends_dt, started=activity.starts_dt <= utcnow(),
        type_labels=ACTIVITY_TYPE_LABELS, status_labels=ACTIVITY_STATUS_LABELS,
        participant_labels=PARTICIPANT_STATUS_LABELS,
    ), status


def _points_by_deputy(activity, deputy_ids):
    """The points 结单 credited, to each of ``deputy_ids`` (a page of the roster), and in all as 结单 told
    them (``services.points_text``: the gains and the absence deductions apart): two queries."""
    of_activity = (PointEntry.source_type == "activity", PointEntry.source_id == activity.id)
    rows = db.session.execute(
        select(PointEntry.deputy_id, func.sum(PointEntry.points))
        .where(*of_activity, PointEntry.deputy_id.in_(deputy_ids)).group_by(PointEntry.deputy_id)
    ).all() if deputy_ids else []
    absence = PointEntry.rule_code == "absence"
    totals = {"points_awarded": 0, "deputies_awarded": 0, "points_deducted": 0, "deputies_deducted": 0}
    for is_absence, points, deputies in db.session.execute(
        select(absence, func.coalesce(func.sum(PointEntry.points), 0), func.count(PointEntry.deputy_id.distinct()))
        .where(*of_activity, PointEntry.points != 0).group_by(absence)
    ):
        kind = "deducted" if is_absence else "awarded"
        totals[f"points_{kind}"], totals[f"deputies_{kind}"] = int(points), deputies
    return dict(rows), totals


def _hand_checkers(participants):
    """The names of the administrators who checked ``participants`` in by hand (补签), in one query."""
    ids = {p.checkin_by_id for p in participants if p.checkin_by_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.display_name, User.username).where(User.id.in_(ids)))
    return {user_id: display_name or username or "" for user_id, display_name, username in rows}


def roster_args(values):
    """The attendance list's filter and page (``status``, ``q``, ``page``) from a query string or a row's
    form, as given: a 补签 returns to the page and filter it was made from."""
    status = values.get("status", "")
    return {
        "status": status if status in PARTICIPANT_STATUS_LABELS else "",
        "q": query_text("q", 50, values),
        "page": parse_int(values.get("page"), 1, 100000) or 1,
    }


def attendance(activity, args=None):
    """The attendance view (出勤情况): counts per status over everyone invited (one grouped query) and one
    page of the roster, narrowed by ``args`` (``roster_args``); never the whole roster at once."""
    args = args or roster_args({})
    summary = services.summaries([activity])[activity.id]  # with "total": everyone invited
    claimed = services.claimed_count(activity) if activity.open_slots is not None else None
    page = paginate(services.roster_query(activity, args["status"], args["q"]),
                    {"page": args["page"], "per_page": ROSTER_PER_PAGE})
    now = utcnow()
    checkers = _hand_checkers(page["items"])
    return {
        "status": activity.status.value,
        "status_label": ACTIVITY_STATUS_LABELS[activity.status.value],
        "summary": summary,
        "total": summary["total"],
        "expected": services.expected_count(summary),  # 应到: the screen, 出勤情况 and the list say the same
        "declined": summary["declined"],
        "checked_in": summary["checked_in"],
        "open_slots": activity.open_slots,
        "claimed_count": claimed,
        "filter": args,
        "page": {"page": page["page"], "per_page": page["per_page"], "total": page["total"]},
        "participants": [
            {
                "deputy_id": p.deputy_id,
                "name": p.deputy.name,
                "level_label": p.deputy.level_label,
                "status": p.status.value,
                "status_label": PARTICIPANT_STATUS_LABELS[p.status.value],
                "checked_in_at": china_dt(p.checked_in_dt, "%m-%d %H:%M:%S"),
                "decline_reason": p.decline_reason,
                "by_hand": p.checkin_by_id is not None,
                "checkin_note": p.checkin_note,
                "checkin_by": checkers.get(p.checkin_by_id, ""),
                # 揭榜: holding a place they claimed (one given back by taking leave is no longer tagged)
                "claimed": p.claimed and p.status is not ParticipantStatus.declined,
                "can_check_in": services.can_check_in_by_hand(activity, p, now),
            }
            for p in page["items"]
        ],
    }


def roster_url(activity_id, args):
    """The activity's page at this filter and page of its attendance list (unfiltered: the page itself)."""
    chosen = {key: value for key, value in args.items() if value and not (key == "page" and value == 1)}
    return url_for("console.activity", activity_id=activity_id, _anchor="attendance" if chosen else None, **chosen)


def record_page(activity, q):
    """A page of ``activity``'s record (操作记录), oldest first, RECORD_PER_PAGE lines (``?record_page=``);
    with ``q``, the lines about a deputy of that name: their own steps and 补签, and the administrators'
    lines that name them (invited at 发单, added or taken off by 修改, marked absent at 结单)."""
    query = services.record_lines(activity)
    if q:
        query = query.outerjoin(Deputy, Deputy.id == ActivityEvent.deputy_id).where(or_(
            Deputy.name.contains(q, autoescape=True), ActivityEvent.note.contains(q, autoescape=True)))
    number = parse_int(request.args.get("record_page"), 1, 100000) or 1
    return paginate(query, {"page": number, "per_page": RECORD_PER_PAGE})


@bp.get("/activities/<int:activity_id>")
@console_page("console.activities")
def activity(activity_id):
    activity = managed_activity_or_404(activity_id, roster=False)
    return render_template("console/activity.html", **activity_page(activity, roster_args(request.args)))


def close_confirmation(activity, summary, now):
    """结单's confirmation (console/activity.html; activities.js words it the same as the list refreshes), and
    whether it confirms an early close: before the check-in window ends, with deputies not checked in yet,
    it says when check-in closes and how many have not checked in, and the form confirms closing early."""
    absent = summary["invited"] + summary["accepted"]
    early = bool(absent) and not services.responses_closed(activity, now)
    text = f"{services.early_close_text(activity, summary)}。" if early else ""
    text += "结单后，已签到的代表计入积分，未请假未签到的代表记为缺席并按评分细则扣分。"
    if absent and not early:
        never = f"，其中 {summary['invited']} 位从未接单或请假" if summary["invited"] else ""
        text += f"目前有 {absent} 位代表将记为缺席{never}。"
    return text + ("确定提前结单吗？" if early else "确定结单吗？"), early


def cancel_confirmation(activity, summary):
    """取消活动's confirmation, whether it confirms voiding check-ins (the deputies checked in, counted first),
    and its words without them (activities.js prefixes the count as the list refreshes)."""
    text = ("取消后活动不计积分，述职测评随之结束、结果不计入履职档案，且不能恢复。确定取消吗？" if activity.type.value == "report"
            else "取消后活动不计积分，且不能恢复。确定取消吗？")
    if summary["checked_in"]:
        return f"{services.void_text(summary['checked_in'])}。{text}", True, text
    return text, False, text


def activity_page(activity, args, typed=None):
    """What an activity's page shows, its attendance list at ``args`` (``roster_args``); ``typed``: a
    refused 补签's reason, {deputy id: text}, kept in its row."""
    data = attendance(activity, args)
    closed = activity.status is ActivityStatus.closed
    points, points_total = _points_by_deputy(activity, [p["deputy_id"] for p in data["participants"]]) if closed else ({}, 0)
    record_q = request.args.get("record_q", "").replace("\x00", "").strip()[:50]
    now = utcnow()
    return dict(
        activity=activity, data=data, points=points, closed=closed, typed_reasons=typed or {},
        close_confirmation=close_confirmation(activity, data["summary"], now),
        cancel_confirmation=cancel_confirmation(activity, data["summary"]),
        checkin_closes=services.check_in_window(activity)[1],
        attendance_args={key: value for key, value in args.items() if value and not (key == "page" and value == 1)},
        points_total=points_total, type_labels=ACTIVITY_TYPE_LABELS, status_labels=ACTIVITY_STATUS_LABELS,
        rule_points=rule_points(activity.region),
        participant_labels=PARTICIPANT_STATUS_LABELS,
        started=activity.starts_dt <= now,  # 结单 only once it has begun (activities.services.close)
        record=record_page(activity, record_q), record_q=record_q,
        action_labels=EVENT_ACTION_LABELS, role_labels=EVENT_ROLE_LABELS,
    )


@bp.get("/activities/<int:activity_id>/attendance.json")
@console_json
def activity_attendance(activity_id):
    response = jsonify(attendance(managed_activity_or_404(activity_id, roster=False), roster_args(request.args)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/activities/<int:activity_id>/screen")
@console_page("console.activities")
def activity_screen(activity_id):
    activity = managed_activity_or_404(activity_id, roster=False)
    return render_template("console/activity_screen.html", activity=activity, data=attendance(activity),
                           period=15, type_labels=ACTIVITY_TYPE_LABELS,
                           not_open=services.check_in_not_open(activity),
                           opens=services.check_in_window(activity)[0])


@bp.get("/activities/<int:activity_id>/checkin-code.png")
@console_login_required
def activity_checkin_png(activity_id):
    """The rotating check-in code (一事一活动码) as a QR image for the screen; never cached."""
    in_the_background()

    def plain(status, text):
        response = make_response(text, status)
        response.mimetype = "text/plain"
        response.headers["Cache-Control"] = "no-store"
        return response

    # The activity's row alone: the screen asks again every ``period`` seconds, through the check-in rush.
    activity = services.load_activity(activity_id, roster=False)
    if activity is None or not services.manages_activity(g.user, activity):
        return plain(404, "活动不存在。")
    if activity.status is not ActivityStatus.published:
        return plain(409, f"活动{ACTIVITY_STATUS_LABELS[activity.status.value]}，签到码已停用。")
    not_open = services.check_in_not_open(activity)
    if not_open:
        return plain(409, not_open)
    code, expires = rotating.make_code(activity.id)
    try:
        png = render.code_image(qr_url(code), activity.title)
    except APIError as exc:  # no CJK font: 503 with its Retry-After
        refused = plain(exc.status, exc.message)
        refused.headers.update(exc.headers)
        return refused
    response = make_response(png)
    response.mimetype = "image/png"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Code-Expires"] = expires.isoformat()
    return response


@bp.post("/activities/<int:activity_id>/close")
@console_page("console.activities")
def activity_close(activity_id):
    # ``early``: the administrator confirmed closing before check-in closes (close_confirmation)
    summary = services.close(g.user, managed_activity_or_404(activity_id), early=request.form.get("early") == "1")
    if summary["already_closed"]:
        flash("该活动此前已结单，本次未重复计分。")
    else:
        flash(
            f"已结单：签到 {summary['checked_in']} 人，请假 {summary['declined']} 人，缺席 {summary['absent']} 人；"
            f"{services.points_text(summary)}。",
            "success",
        )
    return redirect(url_for("console.activity", activity_id=activity_id))


@bp.post("/activities/<int:activity_id>/participants/<int:deputy_id>/checkin")
@console_page("console.activities")
def activity_check_in_by_hand(activity_id, deputy_id):
    try:
        activity = services.check_in_by_hand(g.user, managed_activity_or_404(activity_id, roster=False), deputy_id,
                                             request.form.get("reason", ""))
    except APIError as exc:
        if not (exc.status == 422 and isinstance(exc.errors, dict) and "reason" in exc.errors):
            raise
        # The reason refused: the page again at the list's filter and page, the reason under the row's box,
        # named after its deputy (each row has its own box: ``reason-<deputy id>``).
        db.session.rollback()
        activity = managed_activity_or_404(activity_id, roster=False)
        field = f"reason-{deputy_id}"
        refusal = validation_failed({field: exc.errors["reason"]}, exc.message)
        row = services.participant(activity, deputy_id)
        label = f"{row.deputy.name}的补签原因" if row is not None else "补签原因"
        return refused_form("console/activity.html", refusal, (field,), {field: label}, read_after=lambda: activity_page(
            activity, roster_args(request.form), {deputy_id: request.form.get("reason", "")}))
    flash(f"已为{services.participant(activity, deputy_id).deputy.name}补签。", "success")
    return redirect(roster_url(activity_id, roster_args(request.form)))


@bp.post("/activities/<int:activity_id>/cancel")
@console_page("console.activities")
def activity_cancel(activity_id):
    activity = managed_activity_or_404(activity_id)
    try:
        reason = CancelIn().load({"reason": request.form.get("reason", "")})["reason"]
    except ValidationError as exc:  # under the box, named ``cancel-reason`` on the page
        refusal = ValidationError({"cancel-reason": exc.messages["reason"]})
        return refused_form("console/activity.html", refusal, ("cancel-reason",), {"cancel-reason": "取消原因"},
                            typed_cancel_reason=request.form.get("reason", ""),
                            read_after=lambda: activity_page(activity, roster_args(request.args)))
    services.cancel(g.user, activity, reason, void_checkins=request.form.get("void_checkins") == "1")
    flash("活动已取消，不计积分，已将取消原因通知代表。" if reason else "活动已取消，不计积分。", "success")
    return redirect(url_for("console.activity", activity_id=activity_id))
