"""述职测评 in the console: on a 述职 activity's page, set up, open and close its poll, print its code, watch
the ballots come in, read the results per deputy and export them (activities.report_poll)."""
from flask import current_app, flash, g, jsonify, make_response, redirect, render_template, request, url_for
from markupsafe import Markup
from marshmallow import ValidationError

from schemas.report_polls import ReportPollIn, ReportPollPatch

from ..activities import report_poll as polls
from ..activities.models import REPORT_POLL_BALLOT_MODE_LABELS, ActivityStatus, ActivityType, ReportPollStatus
from ..db_types import utcnow
from ..errors import APIError, not_found, validation_failed
from ..extensions import db
from ..forms import china_iso, local_input, number_or_text, parse_int
from ..idempotency import posted_form_key
from ..qr import render
from ..suggestions.models import SATISFACTION_LABELS
from . import bp, console_json, console_login_required
from .activities import activity_page, managed_activity_or_404, roster_args
from .form_errors import refused_form
from .once import PostedForm
from .exports import Export, _percent
from .pages import console_page, reraise_unless_form_error
from .suggestions import cn_time


@bp.app_template_global("report_poll_section")
def section(activity, typed=None):
    """What the activity's page (console/activity.html) shows of its poll: None for an activity of another type.
    ``typed``: a refused set-up form, whose ticks and times the form shows again as they were sent."""
    if activity.type is not ActivityType.report:
        return None
    poll = polls.find(activity)
    # A time that follows the activity shows blank (saved blank, it keeps following); one given, as given.
    window = {"starts_at": "" if poll is None or poll.starts_follow else local_input(poll.starts_dt),
              "ends_at": "" if poll is None or poll.ends_follow else local_input(poll.ends_dt)}
    if typed is not None:
        window = {key: typed.get(key, "") for key in window}
    mode = typed.get("ballot_mode") if typed is not None else None
    window["ballot_mode"] = mode or (poll.ballot_mode.value if poll is not None else "open")
    if poll is None or poll.status is ReportPollStatus.draft:
        rated = {d.deputy_id for d in poll.deputies} if poll is not None else None
        if typed is not None:
            rated = {parse_int(i) for i in typed.getlist("deputy_ids")}
        setup = {"participants": [{"id": i, "name": name, "on_leave": on_leave,
                                   "checked": (i in rated) if rated is not None else not on_leave}
                                  for i, (name, on_leave) in polls.participants(activity).items()],
                 "modes": REPORT_POLL_BALLOT_MODE_LABELS, **window}
    else:
        setup = None
    if poll is not None and poll.status is ReportPollStatus.open:
        window_form = window  # an open poll's window changes until it closes (a meeting that overruns)
    else:
        window_form = None
    if poll is None:
        # No poll set up once the meeting is over or 结单 (activities.report_poll.create says so too).
        late = activity.status is ActivityStatus.closed or utcnow() >= activity.ends_dt
        return {"poll": None, "setup": None if late else setup, "limit_note": identity_limit_note()}
    return {"poll": poll, "setup": setup, "window": window_form, "limit_note": identity_limit_note(),
            "status_label": polls.status_label(poll), "status_text": status_text(poll),
            "phase_label": polls.PHASE_LABELS[polls.phase(poll)], "url": polls.public_url(poll),
            "mode_label": REPORT_POLL_BALLOT_MODE_LABELS[poll.ballot_mode.value],
            "max_tickets": current_app.config["REPORT_POLL_MAX_TICKETS"],
            "results": polls.results(poll), "comments": polls.comments(poll, limit=50), "labels": SATISFACTION_LABELS}


def status_text(poll):
    """The status as the page shows it: the status, and the phase after it when that differs (已结束（…）); 已开启（未到测评时间） says both."""
    label, phase = polls.status_label(poll), polls.PHASE_LABELS[polls.phase(poll)]
    return label if label in (phase, polls.OPENED_EARLY) else f"{label}（{phase}）"


UNITS = {"second": "秒", "minute": "分钟", "hour": "小时", "day": "天", "month": "月", "year": "年"}


def identity_limit_note():
    """The organiser's note on the voters behind one address (WEB_POLL_IDENTITY_RATE_LIMIT), in Chinese."""
    from limits import parse_many

    from ..web.limits import configured

    item = min(parse_many(configured("WEB_POLL_IDENTITY_RATE_LIMIT")()), key=lambda i: i.amount)
    unit = UNITS.get(item.GRANULARITY.name, item.GRANULARITY.name)
    every = unit if item.multiples == 1 else f"{item.multiples} {unit}"
    # In a station administrator's words: no setting's name, no "出口地址" (the limit is raised on the server).
    return f"同一 Wi-Fi 下每{every}最多 {item.amount} 人参加测评；人多时请提醒部分选民改用手机流量扫码。"


def _poll_or_404(activity):
    poll = polls.find(activity)
    if poll is None:
        raise not_found("该活动还没有组织述职测评。")
    return poll


def _back(activity_id):
    return redirect(url_for("console.activity", activity_id=activity_id) + "#report-poll")


SETUP_LABELS = {"deputy_ids": "述职代表", "starts_at": "测评开始时间", "ends_at": "测评结束时间", "ballot_mode": "测评方式"}
SETUP_FIELDS = tuple(SETUP_LABELS)


def _setup_form(schema, poll=None, deputies=True):
    """The set-up form (述职代表 ticked, the window in China time) as the API's schema loads it; a time left
    empty follows the activity (null). An open poll's form has the window only (``deputies`` False). A
    given time sent back as the form showed it is not sent: the form shows minutes, the API may hold seconds."""
    data = {}
    if deputies:
        ids = request.form.getlist("deputy_ids")
        if not ids:
            raise ValidationError({"deputy_ids": ["请勾选本次述职的代表。"]})
        data["deputy_ids"] = [number_or_text(i) for i in ids]
        data["ballot_mode"] = request.form.get("ballot_mode") or "open"
    for key in ("starts_at", "ends_at"):
        typed = (request.form.get(key) or "").strip()
        if poll is not None and not getattr(poll, key[:-3] + "_follow") and typed == local_input(getattr(poll, key[:-3] + "_dt")):
            continue
        data[key] = china_iso(typed)
    return schema.load(data)


def _set_up(activity_id, step, done):
    """The set-up form's ``step`` taken: ``done(its result)`` flashed, back to the poll. Refused (422): rolled
    back, the activity's page again with each mistake and the form as it was typed."""
    try:
        result = step()
    except (APIError, ValidationError) as exc:
        reraise_unless_form_error(exc)
        # The page read after the rollback: a refused step may have changed the poll in the session.
        return refused_form("console/activity.html", exc, SETUP_FIELDS, SETUP_LABELS, report_poll_typed=request.form,
                            read_after=lambda: activity_page(managed_activity_or_404(activity_id, roster=False),
                                                             roster_args(request.args)))
    flash(done(result), "success")
    return _back(activity_id)


@bp.post("/activities/<int:activity_id>/report-poll")
@console_page("console.activities")
def report_poll_create(activity_id):
    activity = managed_activity_or_404(activity_id, roster=False)
    return _set_up(activity_id, lambda: polls.create(activity, _setup_form(ReportPollIn()), g.user),
                   lambda poll: f"已组织述职测评：述职代表 {len(poll.deputies)} 位，开始测评后选民即可扫码测评。")


@bp.post("/activities/<int:activity_id>/report-poll/edit")
@console_page("console.activities")
def report_poll_edit(activity_id):
    activity = managed_activity_or_404(activity_id, roster=False)
    poll = _poll_or_404(activity)
    draft = poll.status is ReportPollStatus.draft
    return _set_up(activity_id, lambda: polls.update(poll, activity, _setup_form(ReportPollPatch(), poll, deputies=draft), g.user),
                   lambda _: "已保存述职代表和测评时间。" if draft else "已保存测评时间。")


@bp.post("/activities/<int:activity_id>/report-poll/open")
@console_page("console.activities")
def report_poll_open(activity_id):
    activity = managed_activity_or_404(activity_id, roster=False)
    polls.open_poll(_poll_or_404(activity), activity, g.user)
    flash("测评已开始，选民扫描测评二维码即可测评。", "success")
    return _back(activity_id)


@bp.post("/activities/<int:activity_id>/report-poll/close")
@console_page("console.activities")
def report_poll_close(activity_id):
    activity = managed_activity_or_404(activity_id, roster=False)
    poll = _poll_or_404(activity)
    polls.close_poll(poll, activity, g.user)
    flash(f"测评已结束，共收到 {polls.ballot_count(poll)} 张选票。", "success")
    return _back(activity_id)


@bp.post("/activities/<int:activity_id>/report-poll/tickets")
@console_page("console.activities")
def report_poll_tickets(activity_id):
    """凭票测评: ``count`` new tickets, answered with their printable sheet (console/report_poll_tickets.html):
    each ticket's code (its QR opens the voters' page with it) and the activity's title. The codes are shown
    this once: the form's key is remembered with the step (``once``), so the sheet's reload or a second
    click answers with the activity's page and what the first did, never a second batch unasked."""
    activity = managed_activity_or_404(activity_id, roster=False)
    poll = _poll_or_404(activity)
    cap = current_app.config["REPORT_POLL_MAX_TICKETS"]
    count = parse_int(request.form.get("count"), 1, cap)
    if count is None:
        message = f"请填写要生成的测评票张数（1 至 {cap} 张，按预计到会人数）。"
        raise validation_failed({"count": [message]}, message)
    codes = polls.issue_tickets(poll, activity, count, g.user)
    issued = polls.ticket_counts(poll)["issued"]
    flash(f"已生成 {count} 张测评票（累计发放 {issued} 张）。票号只在生成时显示一次：未打印的测评票无法补打，可再生成。", "success")
    if posted_form_key(request.form) is not None:
        PostedForm().remember(url_for("console.activity", activity_id=activity_id) + "#report-poll")
        db.session.flush()  # a twin of this form that committed first collides here (``once``: it answers as that one)
    url = polls.public_url(poll)
    response = make_response(render_template(
        "console/report_poll_tickets.html", activity=activity, url=url, first=issued - count + 1,
        tickets=[{"text": polls.ticket_text(code), "qr": Markup(render.code_svg(polls.ticket_url(poll, code)))}
                 for code in codes]))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/activities/<int:activity_id>/report-poll/qr.png")
@console_page("console.activities")
def report_poll_qr(activity_id):
    """The code of the voters' page with the activity's title under it, to print or show on a screen."""
    activity = managed_activity_or_404(activity_id, roster=False)
    poll = _poll_or_404(activity)
    response = make_response(render.code_image(polls.public_url(poll), f"述职测评 · {activity.title}"))
    response.mimetype = "image/png"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.get("/activities/<int:activity_id>/report-poll/poster.png")
@console_page("console.activities")
def report_poll_poster(activity_id):
    """The code on an A5 poster at 300 dpi, to print for the meeting's hall: the activity, its time and
    place, the deputies reporting, and the call to scan."""
    activity = managed_activity_or_404(activity_id, roster=False)
    poll = _poll_or_404(activity)
    names = "、".join(d.deputy.name for d in poll.deputies)
    details = [f"时间：{cn_time(activity.starts_dt)}", f"地点：{_place(activity)}", f"述职代表：{names}"]
    response = make_response(render.poster(polls.public_url(poll), "述职测评", activity.title, details,
                                           "请用手机扫码，对述职代表作出评价"))
    response.mimetype = "image/png"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


def _place(activity):
    station = activity.station.name if activity.station else ""
    return "，".join(part for part in (station, activity.place) if part) or "见会议通知"


@bp.get("/activities/<int:activity_id>/report-poll/export.xlsx")
@console_login_required
@console_page("console.activities")
def report_poll_export(activity_id):
    """测评结果 per deputy (no voter's identity: a ballot has none to show), audit-logged."""
    activity = managed_activity_or_404(activity_id, roster=False)
    poll = _poll_or_404(activity)
    results = polls.results(poll)
    rows = [[r["deputy"]["name"], r["deputy"]["level_label"], r["satisfied"], r["basically_satisfied"], r["dissatisfied"],
             r["rated"], _percent(r["satisfaction_rate"]), _percent(r["basic_satisfaction_rate"])]
            for r in results["deputies"]]
    export = Export("述职测评结果", "述职测评结果", fallback="report-poll")
    export.sheet("述职测评结果", ["述职代表", "层级", "满意", "基本满意", "不满意", "评价票数", "满意率", "基本满意率"],
                 rows, widths={"述职代表": 16, "层级": 20})
    tickets = results["tickets"]
    export.sheet("说明", ["项目", "内容"], [
        ["活动", activity.title], ["测评状态", polls.status_label(poll)],
        ["测评方式", REPORT_POLL_BALLOT_MODE_LABELS[poll.ballot_mode.value]],
        *([["测评票", f"已发放 {tickets['issued']} 张，已使用 {tickets['used']} 张"]] if tickets else []),
        ["选票数", results["ballots"]], ["满意率", "满意 ÷ 评价票数"], ["基本满意率", "（满意 + 基本满意）÷ 评价票数"]],
        widths={"内容": 40}, counted=False)
    return export.send(target=("activity", activity.id, activity.title), region_id=activity.region_id)


@bp.get("/activities/<int:activity_id>/report-poll/counts.json")
@console_json
def report_poll_counts(activity_id):
    """The live figures for the activity page's 述职测评 section (static/console/report-poll.js)."""
    activity = managed_activity_or_404(activity_id, roster=False)
    poll = _poll_or_404(activity)
    results = polls.results(poll)
    response = jsonify({"status": poll.status.value, "status_text": status_text(poll), "ballots": results["ballots"],
                        "tickets": results["tickets"], "deputies": [
        {"id": r["deputy"]["id"], "satisfied": r["satisfied"], "basically_satisfied": r["basically_satisfied"],
         "dissatisfied": r["dissatisfied"], "rated": r["rated"]} for r in results["deputies"]]})
    response.headers["Cache-Control"] = "no-store"
    return response
