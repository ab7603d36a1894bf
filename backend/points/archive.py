"""履职档案: one deputy's year — activities with attendance, suggestions handled, points by rule — as
JSON and as a spreadsheet a deputy can print for the report to voters (述职)."""
import io
from datetime import datetime, timedelta

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import func, select

from ..activities import report_poll
from ..activities.models import (
    ACTIVITY_TYPE_LABELS,
    PARTICIPANT_STATUS_LABELS,
    Activity,
    ActivityParticipant,
    ActivityStatus,
)
from ..db_types import CHINA
from ..research import services as research
from ..extensions import db
from ..spreadsheets import cell
from ..suggestions.models import Suggestion
from ..suggestions.queries import apply_filters
from ..suggestions.stats import suggestion_stats
from . import grades, rulebook
from .ledger import CORRECTION, CORRECTION_LABEL
from .models import PointEntry
from .queries import current_year, total_and_rank



def _percent(rate):
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _year_bounds(year):
    return datetime(year, 1, 1, tzinfo=CHINA), datetime(year + 1, 1, 1, tzinfo=CHINA)


def suggestion_figures(deputy, start, end):
    """The deputy's 码上办 figures of the year [``start``, ``end``), from the statistics' own function
    (``suggestion_stats``), so that they are the API's:

    * 本年度收到的建议 (by filing time, China time): what GET /stats/suggestions?deputy_id=&from=&to= gives
      over the year — ``received`` (not rejected, withdrawn or merged away; those ``rejected`` and
      ``withdrawn`` shown apart), ``should_be_closed``, ``returned_late`` (退回时已超期: let go late, not theirs
      now; within should_be_closed), ``received_closed`` (of those received, closed),
      ``closed_rate``, ``on_time_rate``, ``implementation_rate``, ``rated`` and ``satisfaction`` (the rated
      items by their latest rating), ``satisfaction_rate``, ``basic_satisfaction_rate``, ``ratings`` (评价次数);
    * 本年度办结 (by closing time, China time, the year the ledger credits 办结 in): ``closed``,
      ``closed_on_time``, ``closed_implemented``, whenever the items were filed.
    """
    # Per deputy, as the API's ?deputy_id= (stats.suggestion_stats): late only while theirs, and the items they let
    # go late (退回, leaving office) among ``others``, the same filters but the deputy's, count as should-be-closed.
    year = {"date_from": start.date(), "date_to": end.date() - timedelta(days=1)}
    filed = suggestion_stats(apply_filters(select(Suggestion), {"deputy_id": deputy.id, **year}), deputy_id=deputy.id,
                             others=apply_filters(select(Suggestion), year))
    closed_in_year = (Suggestion.closed_dt >= start, Suggestion.closed_dt < end)
    closing = suggestion_stats(apply_filters(select(Suggestion), {"deputy_id": deputy.id}).where(*closed_in_year),
                               deputy_id=deputy.id, others=select(Suggestion).where(*closed_in_year))
    by_status = filed["by_status"]
    denominators = filed["denominators"]
    return {
        "received": filed["total"] - by_status["rejected"] - by_status["withdrawn"] - filed["merged"],
        "rejected": by_status["rejected"],
        "withdrawn": by_status["withdrawn"],
        "should_be_closed": denominators["should_be_closed"],
        # 退回时已超期: the items the deputy let go late (退回, leaving office), not theirs now; within should_be_closed
        "returned_late": filed["returned_late"],
        "received_closed": denominators["closed"],
        "closed_rate": filed["closed_rate"],
        "on_time_rate": filed["on_time_rate"],
        "implementation_rate": filed["implementation_rate"],
        "rated": denominators["rated"],
        "satisfaction": filed["satisfaction"],
        "satisfaction_rate": filed["satisfaction_rate"],
        "basic_satisfaction_rate": filed["basic_satisfaction_rate"],
        "ratings": filed["ratings"],
        "closed": closing["denominators"]["closed"],
        "closed_on_time": closing["closed_on_time"],
        "closed_implemented": closing["implemented"],
    }


def build(deputy, year):
    start, end = _year_bounds(year)
    rows = db.session.execute(
        select(Activity.type, ActivityParticipant.status, ActivityParticipant.claimed, func.count())
        .join(ActivityParticipant, ActivityParticipant.activity_id == Activity.id)
        .where(ActivityParticipant.deputy_id == deputy.id, Activity.starts_dt >= start, Activity.starts_dt < end,
               Activity.status != ActivityStatus.cancelled)  # a cancelled activity asked nothing of anyone
        .group_by(Activity.type, ActivityParticipant.status, ActivityParticipant.claimed)
    ).all()
    activities = {}
    for activity_type, status, claimed, count in rows:
        entry = activities.setdefault(activity_type.value, {
            "type": activity_type.value, "label": ACTIVITY_TYPE_LABELS[activity_type.value],
            **{s: 0 for s in PARTICIPANT_STATUS_LABELS}, "claimed": 0,
        })
        entry[status.value] += count
        if claimed:  # 揭榜: taken on by the deputy's own choice, whatever came of it
            entry["claimed"] += count

    suggestions = suggestion_figures(deputy, start, end)

    # The lines' names as the deputy's own congress (of their level) words them.
    labels = {rule.code: rule.label for rule in rulebook.in_force_for(deputy)} | {CORRECTION: CORRECTION_LABEL}
    by_rule = db.session.execute(
        select(PointEntry.rule_code, func.count(), func.sum(PointEntry.points))
        .where(PointEntry.deputy_id == deputy.id, PointEntry.year == year)
        .group_by(PointEntry.rule_code).order_by(PointEntry.rule_code)
    ).all()
    total, rank = total_and_rank(deputy.id, year)
    # 履职评价等次 by the bands of the deputy's congress (of their level) as they are now (never stored); a year still
    # running is graded by its points so far.
    label, min_points = grades.for_deputy(deputy).grade(total)
    return {
        "deputy": {"id": deputy.id, "name": deputy.name, "level": deputy.level.value, "level_label": deputy.level_label,
                   "region_name": deputy.region.full_name, "group": deputy.group},
        "year": year,
        "activities": sorted(activities.values(), key=lambda a: a["type"]),
        # 学习培训 attended as the training coverage counts it (activities.training): checked in (scan or 补签),
        # not cancelled, started in the year.
        "trainings_attended": activities.get("training", {}).get("checked_in", 0),
        "suggestions": suggestions,
        # 述职测评: the closed polls of the year's 述职 activities that rated the deputy.
        "report_polls": report_poll.for_archive(deputy.id, start, end),
        # 调研清单: the deputy's teams on the year's topics (揭榜领题), their reports and leaders' instructions.
        "research": research.for_archive(deputy.id, year),
        "points": {
            "total": total,
            "rank": rank,
            "grade": {"label": label, "min_points": min_points, "provisional": year >= current_year()},
            "by_rule": [{"rule_code": code, "label": labels.get(code, code), "count": count, "points": points}
                        for code, count, points in by_rule],
        },
    }


def to_xlsx(archive):
    wb = Workbook()
    ws = wb.active
    ws.title = "履职档案"
    deputy = archive["deputy"]
    bold = Font(bold=True)

    def add(values):
        ws.append([cell(ws, value) for value in values])  # names and labels imported from elsewhere

    add([f"{deputy['name']} {archive['year']} 年度履职档案"])
    ws["A1"].font = Font(bold=True, size=14)
    add([f"{deputy['level_label']} · {deputy['region_name']}" + (f" · {deputy['group']}" if deputy["group"] else "")])
    add([])
    add(["一、参加履职活动"])
    ws.cell(ws.max_row, 1).font = bold
    add(["活动类型", "受邀或揭榜", "其中揭榜", "签到", "请假", "缺席"])
    for a in archive["activities"]:
        listed = sum(a[s] for s in PARTICIPANT_STATUS_LABELS)
        add([a["label"], listed, a["claimed"], a["checked_in"], a["declined"], a["absent"]])
    add([f"本年度参加学习培训 {archive['trainings_attended']} 次"])
    add([])
    add(["二、办理群众建议（码上办）"])
    ws.cell(ws.max_row, 1).font = bold
    s = archive["suggestions"]
    add(["本年度收到的建议（按提交时间；不予受理、群众撤回的另列，不计入收到）"])
    add(["收到", "不予受理", "群众撤回", "应办结", "退回时已超期", "已办结", "办结率", "按时办结率", "落实率"])
    add([s["received"], s["rejected"], s["withdrawn"], s["should_be_closed"], s["returned_late"], s["received_closed"],
         _percent(s["closed_rate"]), _percent(s["on_time_rate"]), _percent(s["implementation_rate"])])
    add(["已评价", "满意", "基本满意", "不满意", "满意率", "基本满意率", "评价次数"])
    add([s["rated"], s["satisfaction"]["satisfied"], s["satisfaction"]["basically_satisfied"],
         s["satisfaction"]["dissatisfied"], _percent(s["satisfaction_rate"]), _percent(s["basic_satisfaction_rate"]),
         s["ratings"]])
    add(["应办结 = 已办结 + 已超过时限仍未办结 + 退回时已超期（超过时限后退回或因离任交回、已转给他人办理的建议）；"
         "满意率 = 满意 ÷ 已评价（每件按最近一次评价计一次）"])
    add(["本年度办结的建议（按办结时间，与履职积分同一年度）"])
    add(["办结", "按时办结", "已落实"])
    add([s["closed"], s["closed_on_time"], s["closed_implemented"]])
    add([])
    add(["三、述职测评"])
    ws.cell(ws.max_row, 1).font = bold
    if archive["report_polls"]:
        add(["述职活动", "日期", "选票数", "满意", "基本满意", "不满意", "满意率", "基本满意率"])
        for p in archive["report_polls"]:
            add([p["title"], p["date"], p["ballots"], p["satisfied"], p["basically_satisfied"], p["dissatisfied"],
                 _percent(p["satisfaction_rate"]), _percent(p["basic_satisfaction_rate"])])
    else:
        add(["本年度没有述职测评"])
    add([])
    add(["四、调研清单（揭榜领题）"])
    ws.cell(ws.max_row, 1).font = bold
    r = archive["research"]
    add(["参加调研团队", "提交调研报告", "通过审核", "获领导批示"])
    add([r["teams"], r["reports_submitted"], r["reports_accepted"], r["reports_instructed"]])
    if r["lines"]:
        add(["课题", "主题", "团队", "角色", "调研报告", "状态", "领导批示"])
        for line in r["lines"]:
            add([line["topic"], line["theme"], line["team"], line["role"], line["report_title"] or "—",
                 line["report_status_label"], line["instructed_by"] if line["instructed"] else "—"])
    add([])
    add(["五、履职积分"])
    ws.cell(ws.max_row, 1).font = bold
    add(["积分项目", "次数", "积分"])
    for r in archive["points"]["by_rule"]:
        add([r["label"], r["count"], r["points"]])
    add(["合计", "", archive["points"]["total"]])
    ws.cell(ws.max_row, 1).font = bold
    if archive["points"]["rank"]:
        add(["年度排名", "", archive["points"]["rank"]])
    grade = archive["points"]["grade"]
    add(["履职评价等次", "", grade["label"] + ("（按当前积分）" if grade["provisional"] else "")])
    ws.column_dimensions["A"].width = 28
    for col in "BCDEFGH":
        ws.column_dimensions[col].width = 12
    for row in ws.iter_rows():
        for written in row:
            written.alignment = Alignment(vertical="center")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
