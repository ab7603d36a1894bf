""".xlsx exports for the console: the filtered queue, the 约见 list, the statistics, the leaderboard and the deputy
base (代表名册, as its import reads it), all within scope.

Headers are Chinese; the download name is Chinese too (Content-Disposition carries it as UTF-8).
Citizens' phone numbers and identities are never exported.
"""
from collections import defaultdict
from collections.abc import Sized
from io import BytesIO
from itertools import islice

from flask import current_app, g, request, send_file
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import aliased

from schemas.activities import YearQuery

from ..activities.models import Activity
from ..appointments.models import APPOINTMENT_STATUS_LABELS, Appointment
from ..audit.log import record_export
from ..auth.scope import deputy_scope_clause, region_subtree_clause
from ..db_types import utcnow
from ..extensions import db
from ..org import importer, station_importer
from ..org.models import DEPUTY_LEVEL_LABELS, STATION_KIND_LABELS, Deputy, Region, Station, station_deputies
from ..points.queries import current_year
from ..spreadsheets import cell
from ..suggestions.models import SATISFACTION_LABELS, STATUS_LABELS, Status, Suggestion
from ..suggestions.queries import ListOrder, admin_scope_clause, apply_filters
from ..suggestions.services import CHINA
from ..suggestions.stats import status_breakdown, suggestion_stats
from . import bp, console_login_required
from .appointments import filtered_query as appointment_query
from .dashboard import FILTER_LABELS, dashboard_filters, filtered_scope, scope_label, scoped_leaderboard
from .organisation import attachment, deputy_list_query, station_list_query
from .pages import console_page, year_asked
from .suggestions import cn_time, filtered_query, queue_order

MAX_EXPORT_ROWS = 50_000  # a sheet's rows at most; past it the file says it is not the whole list
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="BE1622")
NOTICE_FONT = Font(bold=True, color="BE1622", size=12)
NOTICE_SHEET = "导出说明"
_NONE = object()


def rows_to_read():
    """How many rows an export reads for a sheet: one more than it holds, so that ``Export.sheet`` knows
    whether the list went on past MAX_EXPORT_ROWS (read when called: tests lower the cap)."""
    return MAX_EXPORT_ROWS + 1


def capped_notice(title, shown, matched):
    """What a capped file says first: which sheet is not the whole list, how much of it it holds."""
    of = f"共 {matched} 行" if matched is not None else f"超过 {shown} 行"
    return f"“{title}”表仅含前 {shown} 行（{of}），请缩小筛选范围后分别导出。"


def _count(total, rows):
    """The rows the capped sheet's list has in all: ``total`` as given (a number, a function giving it, or
    the select the rows come from, counted as the list pages count it), else a list's length, else None
    (the notice then says "超过 N 行")."""
    if callable(total):
        total = total()
    if isinstance(total, Select):
        return db.session.scalar(select(func.count()).select_from(total.order_by(None).subquery()))
    if total is None and isinstance(rows, Sized):
        return len(rows)
    return total


class Export:
    """A console .xlsx export, the one way every export route sends one: ``sheet`` writes a sheet of at most
    MAX_EXPORT_ROWS rows; ``send`` records the export (操作日志) and sends the file. A sheet whose rows go on
    past the cap (``sheet`` reads one more: give it ``rows_to_read()`` rows, or all of them lazily) makes the
    file open on a first sheet, 导出说明, saying so: "“建议清单”表仅含前 50000 行（共 61234 行），请缩小筛选范围后
    分别导出。" — the data sheets keep their header in their first row — and the log's entry records it
    (capped, and the rows matched)."""

    def __init__(self, what, name, fallback=None):
        # The export as the log names it; the download's name, and its ASCII name for clients that do not
        # read RFC 5987's (without one, the Chinese letters are dropped from it: "-20261129.xlsx").
        self.what, self.name, self.fallback = what, name, fallback
        self.workbook = Workbook(write_only=True)  # streamed: memory stays flat for a long list
        self.rows = 0
        self.capped = []  # (sheet title, rows shown, rows in all or None)

    def sheet(self, title, headers, rows, widths=None, total=None, counted=True):
        """One sheet under a header row; returns how many rows it holds. ``total``: how to know the list's
        size if it is capped (see ``_count``); ``counted``: whether its rows are the export's (the log's 行数),
        not a legend or a summary beside them."""
        limit = MAX_EXPORT_ROWS
        source = iter(rows)
        written = _write_sheet(self.workbook, title, headers, islice(source, limit), widths)
        if written == limit and next(source, _NONE) is not _NONE:
            self.capped.append((title, written, _count(total, rows)))
        if counted:
            self.rows += written
        return written

    def send(self, actor=None, target=None, region_id=None):
        """Record the export (by ``actor``, the signed-in administrator by default) and send the file."""
        capped = None
        if self.capped:
            notice = self.workbook.create_sheet(NOTICE_SHEET, 0)  # first, so the file opens on it
            notice.column_dimensions["A"].width = 100
            for title, shown, matched in self.capped:
                line = WriteOnlyCell(notice, value=capped_notice(title, shown, matched))
                line.font = NOTICE_FONT
                notice.append([line])
            matched = self.capped[0][2]  # one capped sheet an export, in practice: the list it exports
            capped = {"capped": True} | ({"matched": matched} if matched is not None else {})
        record_export(actor if actor is not None else g.user, self.what, self.rows, target, region_id, capped)
        return _send_workbook(self.workbook, self.name, self.fallback)


def _write_sheet(wb, title, headers, rows, widths=None):
    """One sheet, streamed (write-only workbooks keep memory flat for a long queue); returns how many rows
    it holds under its header. Export routes call ``Export.sheet``, which caps it."""
    ws = wb.create_sheet(title)
    for index, header in enumerate(headers, start=1):
        width = (widths or {}).get(header) or max(10, len(str(header)) * 2 + 4)
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    header_cells = []
    for header in headers:
        heading = WriteOnlyCell(ws, value=header)
        heading.font, heading.fill = HEADER_FONT, HEADER_FILL
        heading.alignment = Alignment(horizontal="center", vertical="center")
        header_cells.append(heading)
    ws.append(header_cells)
    written = 0
    for row in rows:
        ws.append([cell(ws, value) for value in row])
        written += 1
    return written


def _send_workbook(wb, name, fallback=None):
    buffer = BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    stamp = utcnow().astimezone(CHINA).strftime("%Y%m%d")
    response = send_file(
        buffer,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"{name}-{stamp}.xlsx",
        max_age=0,
    )
    if fallback is not None:
        response.headers["Content-Disposition"] = attachment(f"{name}-{stamp}.xlsx", f"{fallback}-{stamp}.xlsx")
    return response


def _percent(rate):
    return "" if rate is None else f"{rate * 100:.1f}%"


def _yes(flag):
    return "是" if flag else ""


def _label(satisfaction):
    return SATISFACTION_LABELS[satisfaction.value] if satisfaction else ""


EXPORT_BATCH = 2000  # rows read at a time: an export holds one batch, whatever its size


def read_in_batches(statement, order, limit=None):
    """The rows of ``statement`` (a select of the columns a sheet shows) in ``order`` (a ``ListOrder``), up to
    ``limit`` (``rows_to_read()``: one past the cap, for ``Export.sheet`` to tell a capped list), read EXPORT_BATCH at a time: the order's keys are selected after the columns
    shown (and left out of the rows given), and each batch starts after the last row of the one before, by
    its position in the order. So an export holds one batch of plain rows, whatever its size."""
    limit = rows_to_read() if limit is None else limit
    keyed = statement.add_columns(*order.keys).order_by(None).order_by(*order.clauses())
    shown = -len(order.keys)  # the row's columns the sheet shows; its position in the order after them
    last, left = None, limit
    while left > 0:
        size = min(EXPORT_BATCH, left)
        batch = keyed if last is None else keyed.where(order.after(last[shown:]))
        rows = db.session.execute(batch.limit(size)).all()
        for row in rows:
            yield row[:shown]
        if len(rows) < size:
            return
        last, left = rows[-1], left - len(rows)


def _export_rows(query, order, limit=None):
    """The sheet's rows for the items ``query`` selects in ``order`` (a ``ListOrder``), with the names they
    show, read in batches (``read_in_batches``). Loading every item with its station, deputy and region as
    ORM objects took about 300 MB for 50,000 items."""
    merged = aliased(Suggestion)
    station_region = aliased(Region)
    statement = (
        query.with_only_columns(
            Suggestion.number, Suggestion.created_dt, Suggestion.category, Suggestion.content,
            Suggestion.status, Station.name, Deputy.name, Region.name, Suggestion.filed_via, Suggestion.overdue,
            Suggestion.due_soon, Suggestion.supervised, Suggestion.held_for_review, merged.number,
            Suggestion.round, Suggestion.dispatch_due_dt, Suggestion.accept_due_dt, Suggestion.reply_due_dt, Suggestion.forward_department,
            Suggestion.forward_work_order_no, Suggestion.department_satisfaction, Suggestion.reply_content,
            Suggestion.satisfaction, Suggestion.closed_dt, station_region.name, Suggestion.region_id,
            Station.region_id,
            maintain_column_froms=False,
        )
        .select_from(Suggestion)
        .outerjoin(Station, Station.id == Suggestion.station_id)
        .outerjoin(Deputy, Deputy.id == Suggestion.deputy_id)
        .outerjoin(Region, Region.id == Suggestion.region_id)
        .outerjoin(station_region, station_region.id == Station.region_id)
        .outerjoin(merged, merged.id == Suggestion.merged_into_id)
    )
    for (number, created, category, content, status, station, deputy, region, filed_via, overdue, due_soon,
         supervised, held, merged_number, round_, dispatch_due, accept_due, reply_due, department, work_order_no,
         department_satisfaction, reply, satisfaction, closed, station_region_name, region_id,
         station_region_id) in read_in_batches(statement, order, limit):
        if filed_via == "deputy" and station_region_id is not None and station_region_id != region_id:
            # counted where it is handled (the station's region: queries.handled_in_region_clause), the deputy's
            # own region, which may be above it (a provincial deputy's) or elsewhere, beside it
            region = f"{station_region_name}（代表所属区域：{region}）"
        elif station_region_id is not None:
            region = station_region_name
        yield (
            number, cn_time(created), category, content, STATUS_LABELS[status.value], station or "", deputy or "",
            region or "", "代表码" if filed_via == "deputy" else "联络站码",
            _yes(overdue), _yes(due_soon), _yes(supervised), _yes(held), merged_number or "", round_,
            cn_time(dispatch_due), cn_time(accept_due), cn_time(reply_due), department or "", work_order_no or "",
            _label(department_satisfaction), reply or "", _label(satisfaction), cn_time(closed),
        )


@bp.get("/suggestions/export.xlsx")
@console_login_required
def export_suggestions():
    """The queue as filtered and ordered on screen, every page of it (up to MAX_EXPORT_ROWS)."""
    query, form = filtered_query(g.user, request.args)
    headers = [
        "编号", "提交时间", "类别", "建议内容", "状态", "联络站", "承办代表", "所属区域", "提交渠道",
        "超期", "临期", "督办", "待审核", "合并到", "办理轮次", "分派时限", "接单时限", "答复时限", "转办部门", "工单编号",
        "代表对部门办理满意度", "答复内容", "满意度", "办结时间",
    ]
    export = Export("建议清单", "建议清单", fallback="suggestions")
    export.sheet("建议清单", headers, _export_rows(query, queue_order(form)), widths={
        "编号": 22, "提交时间": 18, "建议内容": 50, "答复内容": 40, "联络站": 24, "分派时限": 18, "接单时限": 18, "答复时限": 18,
        "转办部门": 24, "工单编号": 22, "代表对部门办理满意度": 20, "办结时间": 18}, total=query)
    return export.send()


APPOINTMENT_ORDER = ListOrder("最新提交", (Appointment.id,), descending=True)  # the 约见 list's, newest first
APPOINTMENTS_TO_ANSWER_ORDER = ListOrder("最早提交", (Appointment.id,))  # its 待确认, oldest first


@bp.get("/appointments/export.xlsx")
@console_login_required
def export_appointments():
    """约见 as filtered on screen, every page of it. Without the citizen's phone (nor their 称呼)."""
    query, form = appointment_query(g.user, request.args)
    order = APPOINTMENTS_TO_ANSWER_ORDER if form["status"] == "requested" else APPOINTMENT_ORDER
    statement = (
        query.with_only_columns(
            Appointment.number, Appointment.created_dt, Appointment.status, Appointment.topic, Deputy.name,
            Station.name, Activity.title, Activity.starts_dt, Appointment.preferred_time, Appointment.meet_dt,
            Appointment.place, Appointment.answer, Appointment.answered_dt,
            maintain_column_froms=False,
        )
        .select_from(Appointment)
        .outerjoin(Deputy, Deputy.id == Appointment.deputy_id)
        .outerjoin(Station, Station.id == Appointment.station_id)
        .outerjoin(Activity, Activity.id == Appointment.activity_id)
    )
    headers = ["编号", "提交时间", "状态", "约见事由", "约见对象", "联络站", "接待安排 / 希望时间",
               "见面时间", "见面地点", "答复说明", "答复时间"]
    rows = (
        (
            number, cn_time(created), APPOINTMENT_STATUS_LABELS[status.value], topic, deputy or "联络站安排",
            station or "", f"{activity} {cn_time(activity_starts)}" if activity is not None else preferred_time,
            cn_time(meet), place, answer, cn_time(answered),
        )
        for (number, created, status, topic, deputy, station, activity, activity_starts, preferred_time, meet, place,
             answer, answered) in read_in_batches(statement, order)
    )
    export = Export("约见清单", "约见清单", fallback="appointments")
    export.sheet("约见清单", headers, rows, widths={"编号": 22, "提交时间": 18, "约见事由": 50, "联络站": 24,
                                               "接待安排 / 希望时间": 30, "见面时间": 18, "见面地点": 30,
                                               "答复说明": 40, "答复时间": 18}, total=query)
    return export.send()


QUEUE_ROW = "未分配联络站（区域待分派）"


def _station_rows(scope):
    """Per station: filed, open, closed (merged duplicates not), overdue, supervised — one grouped query; then
    the items waiting in a region's queue with no station on a line of their own (QUEUE_ROW), so that the
    lines add up to 建议总数."""
    open_statuses = [Status.pending, Status.assigned, Status.accepted, Status.forwarded, Status.replied]
    figures = (
        func.count(Suggestion.id),
        func.sum(case((Suggestion.status.in_(open_statuses), 1), else_=0)),
        func.sum(case(((Suggestion.status == Status.closed) & Suggestion.merged_into_id.is_(None), 1), else_=0)),
        func.sum(case((Suggestion.overdue.is_(True), 1), else_=0)),
        func.sum(case((Suggestion.supervised.is_(True), 1), else_=0)),
    )
    rows = db.session.execute(
        select(Station.name, *figures)
        .join(Station, Station.id == Suggestion.station_id)
        .where(scope)
        .group_by(Station.id, Station.name)
        .order_by(func.count(Suggestion.id).desc(), Station.name)
    ).all()
    queued = db.session.execute(select(*figures).where(scope, Suggestion.station_id.is_(None))).one()
    if queued[0]:
        rows.append((QUEUE_ROW, *queued))
    return [tuple(int(v or 0) if i else v for i, v in enumerate(row)) for row in rows]


@bp.get("/stats/export.xlsx")
@console_page(labels=FILTER_LABELS)
def export_stats():
    """The statistics of the administrator's scope, narrowed by the dashboard's filters (region, the deputies'
    region, station, 提交日期), with the denominators they are computed from: the statistics API's query."""
    user = g.user
    filters, _ = dashboard_filters(request.args, user)
    scope = filtered_scope(user, filters)
    stats = suggestion_stats(apply_filters(select(Suggestion).where(admin_scope_clause(user)), filters),
                             work_orders=True)
    d = stats["denominators"]
    export = Export("建议统计", "建议统计", fallback="statistics")
    summary = [
        ("统计范围", scope_label(user, filters), ""),
        ("统计时间", cn_time(utcnow()), ""),
        ("建议总数", stats["total"], "全部提交的建议"),
        ("应办结数", d["should_be_closed"], "已办结 + 未办结且已超过时限（含此前任一环节超期的）"),
        ("已办结数", d["closed"], "不含不予受理、撤回、合并的建议"),
        ("办结率", _percent(stats["closed_rate"]), "已办结 ÷ 应办结"),
        ("按时办结率", _percent(stats["on_time_rate"]), "已办结且分派、接单、答复各环节均未超期 ÷ 应办结"),
        ("已评价件数", d["rated"], "群众评价过的建议，每件按最近一次评价计一次（不满意重办的，在下一次评价前计为不满意）"),
        ("其中不满意", stats["dissatisfied"], "最近一次评价为不满意的建议件数"),
        ("评价次数", stats["ratings"], "群众的每一次评价：每轮答复各一次，不满意重办的每轮都计入；不作为满意率的分母"),
        ("满意率", _percent(stats["satisfaction_rate"]), "满意 ÷ 已评价件数"),
        ("基本满意率", _percent(stats["basic_satisfaction_rate"]), "（满意 + 基本满意）÷ 已评价件数"),
        ("已落实数", stats["implemented"], "已办结且代表答复时注明已落实"),
        ("落实率", _percent(stats["implementation_rate"]), "已落实 ÷ 已办结"),
        ("平均接单用时（小时）", stats["avg_hours_to_accept"] if stats["avg_hours_to_accept"] is not None else "", "分派到接单"),
        ("平均办结用时（小时）", stats["avg_hours_to_close"] if stats["avg_hours_to_close"] is not None else "", "提交到办结"),
        ("超期件数", stats["overdue"], "带超期标记的建议"),
        ("待部门反馈·已超期", stats["at_department_past_due"],
         "转办到政府部门或 12345 热线、已过答复时限仍待反馈的建议；转办期间答复时限暂停，不计入超期件数和应办结"),
        ("督办件数", stats["supervised"], "带督办标记的建议"),
        ("转办工单数", stats["work_orders"], "转办到政府部门或 12345 热线的工单（每次转办一件）"),
        ("已反馈工单数", stats["work_orders_with_feedback"], "已记录部门反馈的工单"),
        ("已撤回工单数", stats["work_orders_withdrawn"], "未获部门反馈即撤回的工单（如代表离任、建议退回联络站重新分派），留档但不再等待反馈"),
        ("待反馈工单数", stats["work_orders_awaiting_feedback"], "既未反馈也未撤回的工单"),
        ("已评价工单数", d["work_orders_rated"], "部门反馈时记录了代表满意度的工单"),
        ("工单满意率", _percent(stats["work_order_satisfaction_rate"]), "（满意 + 基本满意）÷ 已评价工单"),
    ]
    export.sheet("总体指标", ["指标", "数值", "口径说明"], summary, widths={"指标": 22, "数值": 20, "口径说明": 40},
                 counted=False)
    export.sheet("按状态", ["状态", "件数"], [(label, n) for _, label, n in status_breakdown(stats)])
    categories = list(current_app.config["SUGGESTION_CATEGORIES"])
    categories += sorted(c for c in stats["by_category"] if c not in categories)
    export.sheet("按类别", ["类别", "件数"], [(c, stats["by_category"].get(c, 0)) for c in categories])
    export.sheet("按联络站", ["联络站", "建议数", "未办结", "已办结", "超期", "督办"], _station_rows(scope),
                 widths={"联络站": 30})
    export.sheet("按承办部门", ["承办部门", "工单数", "已反馈", "已撤回", "待反馈", "满意", "基本满意", "不满意", "工单满意率"], [
        (r["department"], r["work_orders"], r["with_feedback"], r["withdrawn"], r["awaiting_feedback"],
         r["satisfied"], r["basically_satisfied"],
         r["dissatisfied"], _percent(r["satisfaction_rate"]))
        for r in stats["by_department"]
    ], widths={"承办部门": 30})
    return export.send()


@bp.get("/leaderboard/export.xlsx")
@console_page("console.leaderboard")
def export_leaderboard():
    """履职积分排行 of every deputy the administrator manages, for a year (default: this year; a bad one is
    refused, 422 naming 年度); those without a point that year at 0, last."""
    year = year_asked(YearQuery, current_year())
    rows = scoped_leaderboard(g.user, year, limit=None, everyone=True)
    export = Export("履职积分排行", f"履职积分排行-{year}", fallback=f"leaderboard-{year}")
    export.sheet(
        f"{year}年履职积分排行", ["名次", "代表", "代表层级", "代表小组", "积分"],
        [(r["rank"], r["name"], r["level_label"], r["group"], r["points"]) for r in rows],
        widths={"代表": 14, "代表层级": 18, "代表小组": 24},
    )
    return export.send()


# --- 代表名册: the deputy base, as the import reads it --------------------------------------------------

ROSTER_ORDER = ListOrder("代表", (Deputy.id,))
ROSTER_SHEET = "代表名册"  # the import template's sheet


def deputy_roster(export, user, query):
    """Write the 代表名册 sheet of ``export``: the deputies ``query`` selects that ``user``'s import works with
    (``importer.Scope.of_user``: a region administrator's region, a station administrator's stations' deputies),
    under the import template's header (``importer.COLUMNS``), each cell as the import reads it back — so the file,
    imported again, changes nothing, and edited, changes what was edited. A region administrator's deputies of
    another region received at their stations are not in it: their details are their region's, and the import
    would refuse their rows. Returns how many rows it holds."""
    scope = importer.Scope.of_user(user)
    if scope.region is not None:
        query = query.where(region_subtree_clause(Deputy.region_id, scope.region))
    else:
        query = query.where(deputy_scope_clause(user))
    statement = query.with_only_columns(
        Deputy.id, Deputy.name, Deputy.level, Deputy.region_id, Deputy.phone, Deputy.group, Deputy.term,
        Deputy.active, maintain_column_froms=False,
    ).select_from(Deputy)
    return export.sheet(ROSTER_SHEET, [c.header for c in importer.COLUMNS], _roster_rows(scope, statement),
                        widths=importer._TEMPLATE_WIDTHS, total=query)


def _roster_rows(scope, statement):
    """The sheet's rows, read in batches; each batch's station links in one query, those in ``scope`` named."""
    region_names = {}

    def region_name(region_id):
        if region_id not in region_names:
            region_names[region_id] = _region_as_imported(scope, region_id)
        return region_names[region_id]

    rows = read_in_batches(statement, ROSTER_ORDER)
    while batch := list(islice(rows, EXPORT_BATCH)):
        stations = defaultdict(list)
        links = db.session.execute(
            select(station_deputies.c.deputy_id, station_deputies.c.station_id)
            .where(station_deputies.c.deputy_id.in_([row[0] for row in batch]))
            .order_by(station_deputies.c.deputy_id, station_deputies.c.station_id))
        for deputy_id, station_id in links:
            if station_id in scope.stations:  # the import keeps the links beyond its scope as they are
                stations[deputy_id].append(scope.stations[station_id].name)
        for deputy_id, name, level, region_id, phone, group, term, active in batch:
            cells = {
                "name": name, "level": DEPUTY_LEVEL_LABELS[level.value], "region": region_name(region_id),
                "phone": phone or "", "stations": "、".join(stations[deputy_id]), "group": group or "",
                "term": term if term is not None else "", "active": "在任" if active else "离任",
            }
            yield [cells[column.key] for column in importer.COLUMNS]


def _region_as_imported(scope, region_id):
    return scope.region_as_imported(scope.regions.get(region_id) or db.session.get(Region, region_id))


# --- 联络站名单: the stations, as their import reads them ------------------------------------------------

STATION_ORDER = ListOrder("联络站", (Station.id,))


def station_roster(export, user, query):
    """Write the 联络站名单 sheet of ``export``: the stations ``query`` selects in ``user``'s region subtree (the
    stations import's scope: region administrators only), under the import template's header, each cell as the
    import reads it back — imported again it changes nothing, edited it changes what was edited."""
    scope = station_importer.scope_of(user, "导出联络站名单")
    query = query.where(region_subtree_clause(Station.region_id, scope.region))
    statement = query.with_only_columns(
        Station.name, Station.region_id, Station.kind, Station.address, Station.lat, Station.lng, Station.open_hours,
        maintain_column_froms=False,
    ).select_from(Station)
    region_names = {}

    def rows():
        for name, region_id, kind, address, lat, lng, open_hours in read_in_batches(statement, STATION_ORDER):
            if region_id not in region_names:
                region_names[region_id] = _region_as_imported(scope, region_id)
            cells = {"name": name, "region": region_names[region_id], "kind": STATION_KIND_LABELS[kind.value],
                     "address": address, "lat": "" if lat is None else lat, "lng": "" if lng is None else lng,
                     "open_hours": open_hours}
            yield [cells[column.key] for column in station_importer.COLUMNS]

    return export.sheet(station_importer.STATIONS.register, [c.header for c in station_importer.COLUMNS], rows(),
                        widths=station_importer._TEMPLATE_WIDTHS, total=query)


@bp.get("/stations/export.xlsx")
@console_page("console.stations")
def export_stations():
    """联络站名单 as the stations list is filtered on screen, under the stations import template's columns."""
    query, _ = station_list_query(g.user)
    export = Export("联络站名单", "联络站名单", fallback="stations")
    station_roster(export, g.user, query)
    return export.send()


@bp.get("/deputies/export.xlsx")
@console_page("console.deputies")
def export_deputies():
    """代表名册 as the deputies list is filtered on screen, under the import template's columns."""
    query, _ = deputy_list_query(g.user)
    export = Export("代表名册", "代表名册", fallback="deputies")
    deputy_roster(export, g.user, query)
    return export.send()
