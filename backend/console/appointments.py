"""The console's 约见 pages: the requests in the administrator's scope, one request, and its answers as forms.

Station-code requests have no deputy and are answered only by the station's administrators, here.
Answers go through ``appointments.services`` exactly as the API's do (who may answer, from which status,
the time in the future, the default place) and commit once. A refused answer is flashed in Chinese and
the page comes back with the form as typed; a request outside the administrator's scope is a 404 page.
"""
from datetime import date, datetime, time, timedelta

from flask import flash, g, render_template, request, session, url_for
from marshmallow import ValidationError
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from schemas.common import in_service_years

from ..appointments import services
from ..appointments.models import APPOINTMENT_STATUS_LABELS, Appointment, AppointmentStatus
from ..auth.scope import region_subtree_clause
from ..errors import APIError, not_found, validation_failed
from ..extensions import db
from ..forms import local_input, parse_int
from ..org.models import Deputy, Region, Station
from . import bp, console_login_required
from .pages import listing_page
from .form_errors import FieldErrors, field_errors
from .drawn import check_drawn
from .once import Collided, take_once
from .suggestions import CHINA, ConsoleNotFound, _date_arg, check_region_filters, cn_time, error_message, form_text, scoped_stations

PER_PAGE = 20
DEFAULT_STATUS = "requested"  # 待确认: what is waiting for an answer
ALL = "all"
NOT_FOUND_MESSAGE = "约见不存在，或不在您的管理范围内。"
STALE_MESSAGE = "这条约见刚刚被其他人修改过，请刷新后重试。"
# Each answer form's fields, in page order, and their names in the summary of a refused one.
ANSWER_FIELDS = {"confirm": ("meet_at", "place", "note"), "decline": ("reason",), "complete": ("record",)}
ANSWER_LABELS = {"meet_at": "见面时间", "place": "见面地点", "note": "给群众的说明", "reason": "婉拒理由",
                 "record": "接待情况"}
LIST_KEY = "appointments_list"  # the session's note of the list's last filter and page
ANSWER_SUCCESS = {
    "confirm": "已确认约见，已通知群众。",
    "reschedule": "已改约，已通知群众新的时间地点。",
    "decline": "已婉拒约见，已通知群众。",
    "complete": "已标记为已接待。",
    "walk_in": "已标记为已接待，已通知群众。",  # from 待确认: the citizen walked in and was received
}

# The same answers to a request asked in a phone browser (no WeChat user, so no WeChat notice): the
# administrator is told to phone the citizen instead (``{phone}``: the number they left).
BROWSER_SUCCESS = {
    "confirm": "已确认约见。群众通过手机浏览器提交，收不到微信通知，请电话告知：{phone}。",
    "reschedule": "已改约。群众通过手机浏览器提交，收不到微信通知，请电话告知新的时间地点：{phone}。",
    "decline": "已婉拒约见。群众通过手机浏览器提交，收不到微信通知，请电话告知：{phone}。",
    "complete": ANSWER_SUCCESS["complete"],
    "walk_in": "已标记为已接待。",  # received in person: nothing left to tell them
}


def asked_in_browser(appointment):
    """Asked from a phone browser outside WeChat: the citizen has no WeChat user a notice could reach, and
    reads the answer only on the request's page in that browser."""
    return appointment.citizen is not None and not appointment.citizen.openid


# 确认 again with the time, the place and the note as they stand: nothing is sent (appointments.services.confirm).
UNCHANGED_MESSAGE = "见面时间、地点和说明都没有改变，未重复通知群众。"

_LIST_LOADING = (
    selectinload(Appointment.station).lazyload(Station.live_qr),
    selectinload(Appointment.deputy).lazyload(Deputy.live_qr),
    selectinload(Appointment.activity),
)


# --- the list (shared with the .xlsx export) ------------------------------------------------------


def parse_filters(args):
    """The query string → the cleaned filter values (status defaults to 待确认; ``all`` for every status)."""
    status = args.get("status", "")
    form = {"status": status if status in APPOINTMENT_STATUS_LABELS or status == ALL else DEFAULT_STATUS}
    for key in ("station_id", "region_id"):
        value = parse_int(args.get(key))
        if value is not None:
            form[key] = value
    dates = {key: _date_arg(args, key) for key in ("from", "to")}
    if dates["from"] and dates["to"] and dates["from"] > dates["to"]:  # typed the wrong way round: the days between
        dates = {"from": dates["to"], "to": dates["from"]}
    form |= {key: value.isoformat() for key, value in dates.items() if value is not None}
    keyword = (args.get("q") or "").translate(dict.fromkeys(range(32))).strip()[:50]
    if keyword:
        form["q"] = keyword
    return form


def filtered_query(user, args):
    """The administrator's requests (the API's ``scope=handling`` for an administrator), filtered: those still
    to answer (待确认) oldest first, as they are answered in turn, the oldest waiting longest; others newest first."""
    form = parse_filters(args)
    check_region_filters(user, args, form, ("region_id",))  # as the 工作台 it comes from: never named
    query = select(Appointment).where(services.admin_scope_clause(user), *_narrowing({
        "region_id": form.get("region_id"), "station_id": form.get("station_id"),
        "date_from": date.fromisoformat(form["from"]) if "from" in form else None,
        "date_to": date.fromisoformat(form["to"]) if "to" in form else None}))
    if form["status"] != ALL:
        query = query.where(Appointment.status == AppointmentStatus(form["status"]))
    if "q" in form:
        q = form["q"]
        query = query.where(or_(
            Appointment.number.contains(q.upper(), autoescape=True),
            Appointment.topic.contains(q, autoescape=True),
            Appointment.name.contains(q, autoescape=True),
        ))
    if form["status"] == AppointmentStatus.requested.value:
        return query.order_by(Appointment.id), form
    return query.order_by(Appointment.id.desc()), form


def _link_args(form):
    """The filter as link arguments: the default status is left out, so the plain address is 待确认."""
    return {k: v for k, v in form.items() if not (k == "status" and v == DEFAULT_STATUS)}


@bp.get("/appointments")
@console_login_required
def appointments():
    user = g.user
    query, form = filtered_query(user, request.args)
    page = listing_page(query.options(*_LIST_LOADING), PER_PAGE)
    args = _link_args(form)
    # The request's page leads back here, to this filter and page, whatever is answered there.
    session[LIST_KEY] = args | ({"page": page["page"]} if page["page"] > 1 else {})
    region = db.session.get(Region, form["region_id"]) if "region_id" in form else None
    return render_template(
        "console/appointments.html", page=page, form=form, statuses=APPOINTMENT_STATUS_LABELS, region=region,
        without_region=url_for("console.appointments", **{k: v for k, v in args.items() if k != "region_id"}),
        stations=scoped_stations(user, [form.get("station_id")]), cn_time=cn_time,
        export_url=url_for("console.export_appointments", **args),
    )


def list_url():
    remembered = session.get(LIST_KEY)
    return url_for("console.appointments", **(remembered if isinstance(remembered, dict) else {}))


def requested_count(user, filters=None):
    """待确认 requests in the administrator's scope (the dashboard's figure), narrowed by the dashboard's
    ``filters`` (``dashboard.dashboard_filters``) as its other figures are: asked of a station in the region
    (its subtree) or at the station, on a day of 提交日期 (China time) within the period."""
    conditions = [services.admin_scope_clause(user), Appointment.status == AppointmentStatus.requested,
                  *_narrowing(filters or {})]
    return db.session.scalar(select(func.count()).select_from(Appointment).where(*conditions))


def _narrowing(filters):
    """The requests ``filters`` (``region_id``, ``station_id``, ``date_from``, ``date_to``; None: not given)
    narrow to, the 工作台's figure and the list it links to alike: asked of a station in the region (its
    subtree) or at the station, on a day of 提交日期 (China time) within the period."""
    conditions = []
    if filters.get("region_id") is not None:
        region = db.session.get(Region, filters["region_id"])
        if region is None:
            raise not_found("区域不存在。")
        conditions.append(region_subtree_clause(Appointment.region_id, region))
    if filters.get("station_id") is not None:
        conditions.append(Appointment.station_id == filters["station_id"])
    if filters.get("date_from") is not None:
        conditions.append(Appointment.created_dt >= datetime.combine(filters["date_from"], time(), CHINA))
    if filters.get("date_to") is not None:
        conditions.append(Appointment.created_dt
                          < datetime.combine(filters["date_to"] + timedelta(days=1), time(), CHINA))
    return conditions


# --- one request ---------------------------------------------------------------------------------


def appointment_or_404(appointment_id):
    appointment = services.load(appointment_id)
    if appointment is None or not services.handles(g.user, appointment):
        raise ConsoleNotFound(NOT_FOUND_MESSAGE)
    return appointment


def _form_values(appointment):
    """What the answer forms hold when the page opens: for 改约 the time and place already agreed;
    for a booked reception day its start."""
    meet = appointment.meet_dt or (appointment.activity.starts_dt if appointment.activity else None)
    return {"meet_at": local_input(meet), "place": appointment.place if appointment.meet_dt else ""}


def render_appointment(appointment, refused=None, status=200, errors=None):
    """The request's page; ``refused`` names the form whose answer was refused, shown again as typed,
    ``errors`` (a FieldErrors) the reasons under its fields."""
    return render_template(
        "console/appointment_detail.html", item=appointment, actions=services.actions_for(g.user, appointment),
        defaults=_form_values(appointment), typed=request.form if refused else {}, refused=refused,
        default_place=services.blank_place(appointment), list_url=list_url(), cn_time=cn_time,
        field_errors=errors or FieldErrors(), in_browser=asked_in_browser(appointment),
    ), status


@bp.get("/appointments/<int:appointment_id>")
@console_login_required
def appointment(appointment_id):
    return render_appointment(appointment_or_404(appointment_id))


# --- the answers ---------------------------------------------------------------------------------


def meet_at_field():
    """The datetime-local input (China time, no offset) as an aware datetime."""
    value = (request.form.get("meet_at") or "").strip()
    if not value:
        raise validation_failed({"meet_at": ["请填写见面时间。"]})
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            meet = datetime.strptime(value, fmt).replace(tzinfo=CHINA)
        except ValueError:
            continue
        try:
            in_service_years(meet)
        except ValidationError as exc:
            raise validation_failed({"meet_at": exc.messages}) from None
        return meet
    raise validation_failed({"meet_at": ["见面时间格式不正确，请重新选择。"]})


def _answer(appointment_id, form_name, step):
    """Give one answer as the signed-in administrator: on success back to the request with a message (the
    step's own, if it returns one);
    refused, the page again with the form as typed and the reason. A form sent twice answers once
    (console.once): a second 确认 would tell the citizen the meeting had moved."""
    appointment = appointment_or_404(appointment_id)
    if form_name == "confirm" and appointment.meet_dt:
        kind = "reschedule"
    elif form_name == "complete" and appointment.status is AppointmentStatus.requested:
        kind = "walk_in"
    else:
        kind = form_name
    success = (BROWSER_SUCCESS[kind].format(phone=appointment.contact_phone) if asked_in_browser(appointment)
               else ANSWER_SUCCESS[kind])

    def take():
        check_drawn(appointment, STALE_MESSAGE)  # drawn before another answer: a 确认 must not become a 改约
        flash(step(appointment) or success, "success")

    try:
        return take_once(url_for("console.appointment", appointment_id=appointment.id), take)
    except APIError as exc:
        if exc.status == 404:
            raise
        refusal = exc
    except Collided:
        refusal = APIError(409, "conflict", STALE_MESSAGE)
    appointment = appointment_or_404(appointment_id)  # as it is saved now (another answer may have won)
    # A reason about the form's own field is under it while the form is offered; any other at the top.
    errors, lines = FieldErrors(), [error_message(refusal)]
    if form_name in services.actions_for(g.user, appointment):
        errors, lines = field_errors(refusal, ANSWER_FIELDS[form_name], ANSWER_LABELS)
        lines = [error_message(refusal)] if lines and not errors else lines
    for line in lines:
        flash(line, "error")
    return render_appointment(appointment, refused=form_name, status=refusal.status, errors=errors)


@bp.post("/appointments/<int:appointment_id>/confirm")
@console_login_required
def appointment_confirm(appointment_id):
    def step(appointment):
        meet = meet_at_field()
        place = form_text("place", "见面地点", 255, required=False)
        note = form_text("note", "给群众的说明", 500, required=False)
        answered = appointment.answered_dt
        services.confirm(appointment, g.user, meet, place, note)
        if answered is not None and appointment.answered_dt == answered:
            return UNCHANGED_MESSAGE
        return None

    return _answer(appointment_id, "confirm", step)


@bp.post("/appointments/<int:appointment_id>/decline")
@console_login_required
def appointment_decline(appointment_id):
    def step(appointment):
        services.decline(appointment, g.user, form_text("reason", "婉拒理由", 500))

    return _answer(appointment_id, "decline", step)


@bp.post("/appointments/<int:appointment_id>/complete")
@console_login_required
def appointment_complete(appointment_id):
    def step(appointment):
        services.complete(appointment, g.user, form_text("record", "接待情况", 500, required=False))

    return _answer(appointment_id, "complete", step)
