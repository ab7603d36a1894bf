"""约见代表 API: /appointments — request, list, read, and the answers (confirm, decline, complete, cancel)."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from schemas.appointments import (
    AppointmentIn,
    AppointmentNoteIn,
    AppointmentOut,
    AppointmentQuery,
    AppointmentReasonIn,
    ConfirmIn,
)
from schemas.common import page_of

from ..activities.models import ACTIVITY_STATUS_LABELS
from ..auth.scope import current_caller, current_user, list_narrowing_or_404, login_required
from ..errors import APIError, not_found
from ..extensions import Blueprint
from ..idempotency import idempotent
from ..notifications import center
from ..org.models import Station
from ..pagination import paginate
from ..web.limits import web_filing_limits
from . import services
from .models import Appointment

blp = Blueprint("appointments", __name__, url_prefix="/api/v1/appointments", description="约见代表")


def present(appointment, user):
    handler = services.handles(user, appointment)
    activity = appointment.activity
    body = {
        "id": appointment.id,
        "number": appointment.number,
        "status": appointment.status.value,
        "status_label": appointment.status_label,
        "topic": appointment.topic,
        "name": appointment.name,
        "contact_phone": appointment.contact_phone,  # only its citizen and those who answer ever see one
        "preferred_time": appointment.preferred_time,
        "deputy": {"id": appointment.deputy.id, "name": appointment.deputy.name} if appointment.deputy else None,
        "station": {"id": appointment.station.id, "name": appointment.station.name} if appointment.station else None,
        "activity": {"id": activity.id, "title": activity.title, "starts_at": activity.starts_dt,
                     "ends_at": activity.ends_dt, "place": activity.place, "status": activity.status.value,
                     "status_label": ACTIVITY_STATUS_LABELS[activity.status.value]} if activity else None,
        "meet_at": appointment.meet_dt,
        "place": appointment.place,
        "answer": appointment.answer,
        # Station staff are not named to citizens (as in a suggestion's timeline); a deputy is a public figure.
        "answered_by": appointment.answered_by_name if handler or appointment.answered_by_role != "staff" else None,
        "answered_at": appointment.answered_dt,
        "created_at": appointment.created_dt,
        "actions": services.actions_for(user, appointment),
    }
    return body


def _loading():
    """What ``present`` reads of a page's requests, a statement each: whether the caller handles one
    (``services.handles``) reads its station's region and its own."""
    return (selectinload(Appointment.deputy), selectinload(Appointment.station).selectinload(Station.region),
            selectinload(Appointment.region), selectinload(Appointment.activity))


def _visible(appointment_id):
    appointment = services.load(appointment_id)
    if appointment is None or not services.can_see(current_user(), appointment):
        raise not_found("约见不存在。")
    return appointment


@blp.post("")
@login_required
@idempotent  # outside the limits, as for a filing: a retry returns the request made and uses no quota
@web_filing_limits
@blp.arguments(AppointmentIn)
@blp.response(201, AppointmentOut)
def request_meeting(data):
    """约见代表：扫代表码约见该代表，扫联络站码约见进站代表；选择接待安排或填写希望见面的时间。

    所选接待安排不存在、已结束或不接待这次约见时返回 422（activity_id）；提交的同时该接待日恰被取消、改为其他类型
    或所约代表被移出的，返回 409 并说明原因，约见不会提交。联络站已停用（包括提交的同时被停用）的，扫联络站码返回
    410 station_closed；扫代表码时约见转到该代表的其他联络站，提交的同时其联络站恰被停用的返回 409，重新提交即可。"""
    if "citizen" not in current_caller().roles:  # a console account, as for filing a suggestion
        raise APIError(403, "forbidden", "请在微信中登录后约见代表。")
    return present(services.request(current_user(), data), current_user())


@blp.get("")
@login_required
@blp.arguments(AppointmentQuery, location="query")
@blp.response(200, page_of(AppointmentOut))
def list_appointments(args):
    """mine：我提出的约见；handling：约见我的（代表）或本联络站、本区域的约见（管理员）。"""
    user = current_user()
    handling = "deputy" in user.roles or user.is_admin
    scope = args.get("scope") or ("handling" if handling else "mine")
    if scope == "mine":
        clauses = [Appointment.citizen_id == user.id]
    else:
        if not handling:
            raise APIError(403, "forbidden", "只有代表和管理员可以查看收到的约见。")
        clauses = [services.handling_clause(user)]
        list_narrowing_or_404(user, args, "deputy" not in user.roles)
    query = select(Appointment).where(*clauses)
    for key in ("status", "station_id"):
        if key in args:
            query = query.where(getattr(Appointment, key) == args[key])
    query = query.order_by(Appointment.id.desc()).options(*_loading())
    page = paginate(query, args)
    page["items"] = [present(a, user) for a in page["items"]]
    return page


@blp.get("/<int:appointment_id>")
@login_required
@blp.response(200, AppointmentOut)
def get_appointment(appointment_id):
    """约见详情（群众本人、被约代表、管辖的管理员）。本人关于该约见的未读消息随之标为已读。"""
    appointment = _visible(appointment_id)
    center.read_opened(current_caller().id, services.page_path(appointment))
    return present(appointment, current_user())


@blp.post("/<int:appointment_id>/confirm")
@login_required
@blp.arguments(ConfirmIn)
@blp.response(200, AppointmentOut)
def confirm(data, appointment_id):
    """确认约见（已确认的可再次确认以改约）：见面时间、地点、说明；群众收到通知，由联络站答复的，被约代表也收到通知。

    首次确认时地点不填（或为空）即接待安排或联络站的地点，说明不填即无；改约时地点不填（或为空）、说明不填，均沿用已约定的，
    说明传空字符串则清除。联络站已停用的约见不能再约定见面时间（422），可标记已接待或婉拒。"""
    appointment = services.confirm(_visible(appointment_id), current_user(), data["meet_at"], data.get("place"),
                                   data.get("note"))
    return present(appointment, current_user())


@blp.post("/<int:appointment_id>/decline")
@login_required
@idempotent  # a retry after a lost answer is told how it went, not 409 (as a suggestion's steps)
@blp.arguments(AppointmentReasonIn)
@blp.response(200, AppointmentOut)
def decline(data, appointment_id):
    """婉拒约见（须说明理由）；群众收到通知。"""
    return present(services.decline(_visible(appointment_id), current_user(), data["reason"]), current_user())


@blp.post("/<int:appointment_id>/complete")
@login_required
@idempotent
@blp.arguments(AppointmentNoteIn)
@blp.response(200, AppointmentOut)
def complete(data, appointment_id):
    """见面后标记已接待，可记录接待情况；群众未经确认直接到站（待确认）的，也可直接标记已接待，见面时间记为当前时间。"""
    return present(services.complete(_visible(appointment_id), current_user(), data["note"]), current_user())


@blp.post("/<int:appointment_id>/cancel")
@login_required
@idempotent
@blp.arguments(AppointmentNoteIn)
@blp.response(200, AppointmentOut)
def cancel(data, appointment_id):
    """群众取消约见（约定的见面时间已过则不能取消）；代表和联络站收到通知。"""
    return present(services.cancel(_visible(appointment_id), current_user(), data["note"]), current_user())
