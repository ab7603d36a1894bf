"""述职测评 API: a 述职 activity's poll for its administrators (/activities/{id}/report-poll…), and for the
voters who scan its printed code (/report-polls/{token}…)."""
from flask import Response

from schemas.report_polls import (
    ReportBallotIn,
    ReportBallotOut,
    PublicReportPollOut,
    ReportPollIn,
    ReportPollOut,
    ReportPollPatch,
    ReportPollResultsOut,
    ReportPollTicketsIn,
    ReportPollTicketsOut,
)

from ..auth.scope import admin_required, current_caller, current_user, login_required
from ..errors import not_found
from ..extensions import Blueprint
from ..idempotency import idempotent
from ..qr import render
from ..suggestions.models import SATISFACTION_LABELS
from . import report_poll as polls
from .models import ACTIVITY_TYPE_LABELS, REPORT_POLL_BALLOT_MODE_LABELS, ActivityStatus
from .routes import _managed

blp = Blueprint("report_poll", __name__, url_prefix="/api/v1/activities",
                description="述职测评：选民现场测评述职代表（管理员）")
public = Blueprint("report_polls", __name__, url_prefix="/api/v1/report-polls",
                   description="述职测评：选民扫码测评")

NO_POLL = "该活动还没有组织述职测评。"
NO_SUCH_POLL = "没有找到这项述职测评，请扫描会场张贴的测评二维码。"


def present(poll):
    phase = polls.phase(poll)
    return {
        "activity_id": poll.activity_id, "status": poll.status.value,
        "status_label": polls.status_label(poll),
        "phase": phase, "phase_label": polls.PHASE_LABELS[phase],
        "starts_at": poll.starts_dt, "ends_at": poll.ends_dt,
        "starts_follow_activity": poll.starts_follow, "ends_follow_activity": poll.ends_follow, "opened_at": poll.opened_dt, "closed_at": poll.closed_dt,
        "token": poll.token, "url": polls.public_url(poll), "ballots": polls.ballot_count(poll),
        "deputies": [polls.public_deputy(d.deputy) for d in poll.deputies],
        "ballot_mode": poll.ballot_mode.value, "ballot_mode_label": REPORT_POLL_BALLOT_MODE_LABELS[poll.ballot_mode.value],
        "tickets": polls.ticket_counts(poll) if polls.ticketed(poll) else None,
    }


def managed_poll(activity_id):
    """(activity, poll) for its administrators: 404 for another region's activity or no poll yet."""
    activity = _managed(activity_id, roster=False)
    poll = polls.find(activity)
    if poll is None:
        raise not_found(NO_POLL)
    return activity, poll


@blp.post("/<int:activity_id>/report-poll")
@admin_required
@idempotent
@blp.arguments(ReportPollIn)
@blp.response(201, ReportPollOut)
def create_poll(data, activity_id):
    """组织述职测评（未开始）：一项述职活动一次，活动结束、结单或取消后不能再组织（409）。默认测评全部受邀代表（请假、缺席的除外）；
    测评时间默认为活动开始至活动结束后 REPORT_POLL_GRACE_MINUTES 分钟（默认 120），并随活动改期调整；自定的测评时间须在活动开始前
    REPORT_POLL_LEAD_MINUTES 分钟（默认 60）至活动结束后 REPORT_POLL_GRACE_MINUTES 分钟之内，且结束时间须晚于活动开始时间（422）。
    非述职活动 422；已有测评 409。"""
    activity = _managed(activity_id, roster=False)
    return present(polls.create(activity, data, current_user()))


@blp.get("/<int:activity_id>/report-poll")
@admin_required
@blp.response(200, ReportPollOut)
def get_poll(activity_id):
    """述职测评：状态、测评时间、述职代表、二维码链接和已收到的选票数。"""
    return present(managed_poll(activity_id)[1])


@blp.patch("/<int:activity_id>/report-poll")
@admin_required
@blp.arguments(ReportPollPatch)
@blp.response(200, ReportPollOut)
def update_poll(data, activity_id):
    """修改测评：测评时间（结束前；传 null 则随活动时间），述职代表（开始前）。活动取消后 409。"""
    activity, poll = managed_poll(activity_id)
    return present(polls.update(poll, activity, data, current_user()))


@blp.post("/<int:activity_id>/report-poll/open")
@admin_required
@blp.response(200, ReportPollOut)
def open_poll(activity_id):
    """开始测评：此后在测评时间内接受选民测评。活动开始前 REPORT_POLL_LEAD_MINUTES 分钟起、活动结束前才能开始；
    述职代表须仍在活动名单上且未请假（409 列出姓名）。"""
    activity, poll = managed_poll(activity_id)
    return present(polls.open_poll(poll, activity, current_user()))


@blp.post("/<int:activity_id>/report-poll/close")
@admin_required
@blp.response(200, ReportPollOut)
def close_poll(activity_id):
    """结束测评：不再接受测评，结果记入述职代表的履职档案。"""
    activity, poll = managed_poll(activity_id)
    return present(polls.close_poll(poll, activity, current_user()))


@blp.post("/<int:activity_id>/report-poll/tickets")
@admin_required
@blp.arguments(ReportPollTicketsIn)
@blp.response(201, ReportPollTicketsOut)
def issue_tickets(data, activity_id):
    """生成测评票（凭票测评）：一次生成 count 张一次性测评票，每张一个票号和二维码（扫码打开测评页面并带上票号），
    在会场入口发给到会选民，每张只能测评一次。票号只在本次返回中出现一次（服务器只保存其摘要），请立即打印；每次测评累计最多
    REPORT_POLL_MAX_TICKETS 张（默认 2000，超出 422）。扫码测评的测评、已结束的测评、已取消的活动 409。生成记入操作日志（张数，不含票号）。
    不接受 Idempotency-Key：重放的回答会把票号存在服务器上；重试即再生成一批。"""
    activity, poll = managed_poll(activity_id)
    codes = polls.issue_tickets(poll, activity, data["count"], current_user())
    return {"tickets": [{"code": polls.ticket_text(c), "url": polls.ticket_url(poll, c)} for c in codes],
            **polls.ticket_counts(poll)}


@blp.get("/<int:activity_id>/report-poll/results")
@admin_required
@blp.response(200, ReportPollResultsOut)
def poll_results(activity_id):
    """测评结果：每位述职代表的满意、基本满意、不满意票数，满意率 = 满意 ÷ 评价票数，基本满意率 =（满意 + 基本满意）÷
    评价票数（`denominators`）；测评进行中为实时数字（`final: false`）。选民意见只对管理员显示，不公开。"""
    _, poll = managed_poll(activity_id)
    return polls.results(poll) | {"comments": polls.comments(poll)}


@blp.get("/<int:activity_id>/report-poll/qr.png")
@admin_required
@blp.response(200, description="the code of the voters' page with the activity's title under it (PNG)")
def poll_qr(activity_id):
    """测评二维码（PNG）：选民扫码打开测评页面。"""
    activity, poll = managed_poll(activity_id)
    return png(poll, activity)


def png(poll, activity):
    response = Response(render.code_image(polls.public_url(poll), f"述职测评 · {activity.title}"), mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


# --- the voters ---------------------------------------------------------------------------------------


def poll_or_404(token):
    poll = polls.by_token(token)
    if poll is None:
        raise not_found(NO_SUCH_POLL)
    return poll


def public_view(poll, caller=None):
    activity = poll.activity
    phase = polls.phase(poll)
    return {
        "activity": {"title": activity.title, "type_label": ACTIVITY_TYPE_LABELS[activity.type.value],
                     "starts_at": activity.starts_dt, "ends_at": activity.ends_dt, "place": activity.place,
                     "station_name": activity.station.name if activity.station else None},
        "phase": phase, "phase_label": polls.PHASE_LABELS[phase], "starts_at": poll.starts_dt, "ends_at": poll.ends_dt,
        "deputies": [polls.public_deputy(d.deputy) for d in poll.deputies],
        "choices": SATISFACTION_LABELS, "voted": polls.voted(poll, caller),
        "cancelled": activity.status is ActivityStatus.cancelled, "ticket_required": polls.ticketed(poll),
    }


@public.get("/<token>")
@public.response(200, PublicReportPollOut)
def public_poll(token):
    """选民看到的述职测评：活动名称、时间、地点，述职代表的姓名和级别（不含手机号）；带令牌时 `voted` 表示本人是否已测评。"""
    return public_view(poll_or_404(token), current_caller())


@public.post("/<token>/ballots")
@login_required
@idempotent
@public.arguments(ReportBallotIn)
@public.response(201, ReportBallotOut)
def cast_ballot(data, token):
    """测评：选民（微信群众或浏览器身份 /auth/web）对每位述职代表评价满意、基本满意或不满意，可附意见（200 字以内，
    只对管理员显示）。每个身份一票：再次测评 409「您已参加测评。」；代表和管理员 403；测评时间外 409。凭票测评须附测评票的票号
    （ticket）：未填或票号不正确 422，已使用的票 409「此测评票已使用。」。"""
    poll = poll_or_404(token)
    ballot = polls.cast(poll, current_caller(), data)
    return {"voted_at": ballot.created_dt, "message": "测评已提交，感谢您的参与！"}
