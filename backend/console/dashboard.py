"""The console's home: the dashboard of the administrator's scope.

Figures come from the same code as the API (``suggestion_stats`` over ``admin_scope_clause``); the
charts are drawn in the browser by the vendored Chart.js from a JSON data block in the page, so no
page loads anything from outside the application.

Figures that are slow to count are kept for a while per scope (``slow_figures``): at a province's
1,500,000 items, counting them took about 5 s (the items' grouped pass, their work orders per department,
the open items' flags), and at a city's about 2 s (bench/province.py). The page then says when they were
counted; the lists its figures link to stay exact. A county's or a station's figures take milliseconds and
are counted at every view.
"""
import json
from datetime import datetime, time, timedelta

from flask import current_app, g, render_template, request, url_for
from sqlalchemy import and_, case, func, select

from schemas.suggestions import StatsQuery

from ..auth.scope import deputy_scope_clause, narrowing_or_404, region_subtree_clause
from ..db_types import utcnow
from ..extensions import db
from ..org.models import DEPUTY_LEVEL_LABELS, Deputy, Region, Station, station_deputies
from ..points.models import DeputyScore
from ..points.queries import current_year, entered_by, leaderboard, ranked
from ..slow_figures import kept_if_slow, scope_key
from ..suggestions.models import OPEN_STATUSES, Status, Suggestion, awaiting_review_clause
from ..suggestions.queries import admin_scope_clause, apply_filters
from ..suggestions.services import CHINA
from ..suggestions.stats import status_breakdown, suggestion_stats
from .activities import to_close_count
from .appointments import requested_count
from .organisation import onboarding_gaps, unstaffed_station_count
from .pages import console_page, managed_regions

TREND_WEEKS = 12
TOP_DEPUTIES = 10
TOP_DEPARTMENTS = 15  # the dashboard's table; the statistics export lists every department

# One colour per status, the same in every chart and badge (see console.css .status-*): dark enough for
# the badges' white text (4.5:1); a withdrawn item's badge is pale grey with dark text.
STATUS_COLOURS = {
    "pending": "#d4380d", "assigned": "#a35c00", "accepted": "#1d39c4", "forwarded": "#531dab",
    "replied": "#006d75", "closed": "#237804", "merged": "#95de64", "rejected": "#737373", "withdrawn": "#bfbfbf",
}


def scoped_leaderboard(user, year, limit=TOP_DEPUTIES, *, everyone=False, lowest=False, where=()):
    """The points ranking of the deputies ``user`` manages (and ``where`` selects), ties sharing a rank as
    on the public board, whoever reached the score first ahead.

    With ``everyone``, deputies without a point that year stand at 0, after those with points: an annual
    review (述职, 评优, the 约谈 of the lowest scorers) ranks every deputy, not only the ledger's. With
    ``lowest``, the same ranking read from its end, ranked from the bottom (倒数名次)."""
    points = func.coalesce(DeputyScore.total, 0) if everyone else DeputyScore.total
    scored = (DeputyScore.deputy_id == Deputy.id) & (DeputyScore.year == year)
    query = (
        select(Deputy.id, Deputy.name, Deputy.level, Deputy.group, points.label("points"))
        .where(Deputy.active.is_(True), entered_by(year, DeputyScore.deputy_id.is_not(None)),
               deputy_scope_clause(user), *where)
    )
    # (column, descending), the top first
    order = [(points, True), (DeputyScore.reached_dt, False), (Deputy.id, False)]
    if everyone:  # no score row: after every equal total that has one (SQLite would sort NULL first)
        query = query.outerjoin(DeputyScore, scored)
        order.insert(1, (DeputyScore.reached_dt.is_(None), False))
    else:
        query = query.join(DeputyScore, scored)
    if lowest:
        order = [(column, not descending) for column, descending in order]
    query = query.order_by(*(column.desc() if descending else column.asc() for column, descending in order))
    if limit:
        query = query.limit(limit)
    return [{
        "rank": rank, "deputy_id": row.id, "name": row.name, "level": row.level.value,
        "level_label": DEPUTY_LEVEL_LABELS[row.level.value], "group": row.group or "", "points": row.points,
    } for rank, row in ranked(db.session.execute(query), lambda row: row.points)]


def top_deputies(user, year, limit=TOP_DEPUTIES, filters=None):
    """履职积分前十名: the first ``limit`` of the console's 完整排行 (``console.leaderboard``, the board
    ``points.queries.leaderboard`` reads within the administrator's deputies), every deputy in office ranked,
    one without a point that year at 0; in ``scoped_leaderboard``'s shape, which the chart reads.

    Narrowed as the page says it counts (统计范围, ``filters``: ``dashboard_filters``): 区域 and 代表所属区域 to
    the deputies elected in the region's subtree (as 完整排行's 区域 reads it), 联络站 to the station's
    deputies; the dates, of filing suggestions, do not apply to a year's points."""
    filters = filters or {}
    where = [deputy_scope_clause(user)]
    for key in ("region_id", "deputy_region_id"):
        if key in filters:
            where.append(region_subtree_clause(Deputy.region_id, db.session.get(Region, filters[key])))
    if "station_id" in filters:
        where.append(Deputy.id.in_(select(station_deputies.c.deputy_id)
                                   .where(station_deputies.c.station_id == filters["station_id"])))
    return [{
        "rank": row["rank"], "deputy_id": row["deputy"]["id"], "name": row["deputy"]["name"],
        "level": row["deputy"]["level"], "level_label": DEPUTY_LEVEL_LABELS[row["deputy"]["level"]],
        "group": row["group"], "points": row["points"],
    } for row in leaderboard(year, limit=limit, where=where)]


def week_starts(now=None, weeks=TREND_WEEKS):
    """The Mondays (00:00 China time) that start the last ``weeks`` weeks, the current week last."""
    today = (now or utcnow()).astimezone(CHINA).date()
    monday = today - timedelta(days=today.weekday())
    return [datetime.combine(monday - timedelta(weeks=weeks - 1 - i), time(), CHINA) for i in range(weeks)]


def weekly_filings(scope, now=None):
    """Items filed in each of the last TREND_WEEKS weeks, in one query."""
    starts = week_starts(now)
    ends = starts[1:] + [starts[-1] + timedelta(weeks=1)]
    created = Suggestion.created_dt
    columns = [
        func.coalesce(func.sum(case((and_(created >= start, created < end), 1), else_=0)), 0).label(f"w{i}")
        for i, (start, end) in enumerate(zip(starts, ends))
    ]
    row = db.session.execute(select(*columns).where(scope, created >= starts[0], created < ends[-1])).one()
    return [{"week": start.strftime("%m-%d"), "count": int(row[i])} for i, start in enumerate(starts)]


# The dashboard's (and 导出统计's) filters: those of GET /stats/suggestions the 建议办理 list also has, and
# the deputies' congress (代表所属区域, ``deputy_region_id``).
FILTERS = ("region_id", "deputy_region_id", "station_id", "from", "to")
FILTER_LABELS = {"region_id": "区域", "deputy_region_id": "代表所属区域", "station_id": "联络站", "from": "提交日期从",
                 "to": "提交日期至", "date_from": "提交日期从", "date_to": "提交日期至"}


def dashboard_filters(args, user):
    """``args``' dashboard filters as GET /stats/suggestions reads them (StatsQuery), or a ValidationError
    naming the box; blank ones are none. A region or station beyond ``user``'s scope is not found (404), as
    the API answers it (``narrowing_or_404``): the dashboard and 导出统计 would otherwise name it as what
    they count, and ids could be walked to read names."""
    typed = {key: args[key].strip() for key in FILTERS if args.get(key, "").strip()}
    loaded = StatsQuery().load(typed)  # a period ending before it starts too: 截止日期不能早于起始日期
    narrowing_or_404(user, loaded)
    return loaded, typed


def filtered_scope(user, filters):
    """The administrator's items narrowed by ``filters`` (``dashboard_filters``), as a WHERE clause: the
    statistics API's own query (``apply_filters``) as a subquery."""
    scope = admin_scope_clause(user)
    if not filters:
        return scope
    return Suggestion.id.in_(apply_filters(select(Suggestion.id).where(scope), filters))


def dashboard_data(user, filters=None):
    filters = filters or {}
    scope = filtered_scope(user, filters)
    stats = suggestion_stats(apply_filters(select(Suggestion).where(admin_scope_clause(user)), filters),
                             work_orders=True)
    is_open = and_(Suggestion.status.in_(OPEN_STATUSES), Suggestion.merged_into_id.is_(None))

    def count(*conditions):
        return func.coalesce(func.sum(case((and_(*conditions), 1), else_=0)), 0)

    # The open items' flags in one pass over the scope (seven counts read it seven times).
    counts = db.session.execute(select(
        count(is_open).label("open"),
        count(is_open, Suggestion.overdue.is_(True)).label("overdue"),
        count(is_open, Suggestion.due_soon.is_(True)).label("due_soon"),
        count(is_open, Suggestion.supervised.is_(True)).label("supervised"),
        count(is_open, Suggestion.round > 1).label("reopened"),
        count(is_open, Suggestion.status == Status.forwarded).label("forwarded"),
        count(awaiting_review_clause()).label("held"),
    ).where(scope)).one()
    year = current_year()
    return {
        "total": stats["total"],
        "pending": stats["by_status"]["pending"],
        "open": int(counts.open),
        "overdue": int(counts.overdue),
        "due_soon": int(counts.due_soon),
        "supervised": int(counts.supervised),
        "held": int(counts.held),
        "reopened": int(counts.reopened),  # 重办, still open
        "forwarded": int(counts.forwarded),  # 转办中: waiting for the department's feedback
        "appointments_requested": requested_count(user, filters),  # 待确认约见
        "activities_to_close": to_close_count(user, filters),  # 待结单活动
        # 无管理员联络站: a region administrator's to staff (a station administrator runs their own)
        "unstaffed_stations": unstaffed_station_count(user) if user.admin_region is not None else None,
        # 待完善的基础信息: what a new deployment's base still lacks, for a region administrator to complete
        "onboarding": onboarding_gaps(user) if user.admin_region is not None else None,
        "rates": {
            key: stats[key]
            for key in ("closed_rate", "on_time_rate", "satisfaction_rate", "basic_satisfaction_rate", "implementation_rate",
                        "work_order_satisfaction_rate")
        },
        "denominators": stats["denominators"],
        "dissatisfied": stats["dissatisfied"],
        "ratings": stats["ratings"],
        "implemented": stats["implemented"],
        # 待部门反馈·已超期: at a department past the reply limit, its clock stopped (not in 应办结)
        "at_department_past_due": stats["at_department_past_due"],
        "avg_hours_to_accept": stats["avg_hours_to_accept"],
        "avg_hours_to_close": stats["avg_hours_to_close"],
        "by_status": [
            {"status": key, "label": label, "count": count, "colour": STATUS_COLOURS[key]}
            for key, label, count in status_breakdown(stats)
        ],
        "by_category": sorted(
            ({"category": c, "count": n} for c, n in stats["by_category"].items()),
            key=lambda r: (-r["count"], r["category"]),
        ),
        "work_orders": stats["work_orders"],
        "work_orders_with_feedback": stats["work_orders_with_feedback"],
        "work_orders_withdrawn": stats["work_orders_withdrawn"],
        "work_orders_awaiting_feedback": stats["work_orders_awaiting_feedback"],
        "departments": len(stats["by_department"]),
        "by_department": stats["by_department"][:TOP_DEPARTMENTS],
        "trend": weekly_filings(scope),
        "year": year,
        "leaderboard": top_deputies(user, year, filters=filters),
    }


# The filters each list a figure links to shares with the figure (the rest do not narrow it): 待确认约见
# (``requested_count``) and 待结单活动 (``to_close_count``) are not narrowed by 代表所属区域, 待结单活动 nor by
# the dates; the 完整排行 board (``console.leaderboard``) has one 区域 and no 联络站.
def appointment_filters(typed):
    return {key: typed[key] for key in ("region_id", "station_id", "from", "to") if key in typed}


def activity_filters(typed):
    return {key: typed[key] for key in ("region_id", "station_id") if key in typed}


def board_filters(typed):
    """完整排行's 区域 for the 前十名 narrowed to one region (``top_deputies``); none for a board it cannot show."""
    regions = {typed[key] for key in ("region_id", "deputy_region_id") if key in typed}
    return {"region_id": regions.pop()} if len(regions) == 1 and "station_id" not in typed else {}


def dashboard_snapshot(user, filters=None):
    """(``dashboard_data``, when it was counted if the figures were kept, else None: see ``slow_figures``)."""
    key = f"dashboard:{scope_key(user)}"
    if filters:
        key += ":" + json.dumps(filters, sort_keys=True, default=str, ensure_ascii=False)
    return kept_if_slow(key, lambda: dashboard_data(user, filters))


def scope_label(user, filters=None):
    """统计范围: the administrator's scope, then the filters chosen (区域, 代表所属区域, 联络站, 提交日期)."""
    filters = filters or {}
    if user.admin_region is not None:
        parts = [user.admin_region.name]
    else:
        parts = ["、".join(s.name for s in user.admin_stations)]
    if "region_id" in filters and (region := db.session.get(Region, filters["region_id"])) is not None:
        parts.append(region.name)
    if "deputy_region_id" in filters and (region := db.session.get(Region, filters["deputy_region_id"])) is not None:
        parts.append(f"代表所属区域：{region.name}")
    if "station_id" in filters and (station := db.session.get(Station, filters["station_id"])) is not None:
        parts.append(station.name)
    since, until = filters.get("date_from"), filters.get("date_to")
    if since and until:
        parts.append(f"提交日期 {since.isoformat()} 至 {until.isoformat()}")
    elif since:
        parts.append(f"提交日期 {since.isoformat()} 起")
    elif until:
        parts.append(f"提交日期截至 {until.isoformat()}")
    return " · ".join(parts)


def percent(rate):
    return "—" if rate is None else f"{rate * 100:.1f}%"


@console_page(labels=FILTER_LABELS)
def render_dashboard():
    """The console's home page (``console.home`` renders this); a wrong filter is refused naming it."""
    from .suggestions import scoped_stations
    from .workdays import calendar_missing

    user = g.user
    filters, typed = dashboard_filters(request.args, user)
    data, as_of = dashboard_snapshot(user, filters)
    # The lists the figures link to, narrowed alike: each shows exactly the figure's rows.
    return render_template(
        "console/dashboard.html", data=data, scope_label=scope_label(user, filters), percent=percent,
        queue_url=lambda **chosen: url_for("console.suggestions", **typed, **chosen),
        appointments_url=url_for("console.appointments", **appointment_filters(typed)),
        activities_url=url_for("console.activities", status="to_close", **activity_filters(typed)),
        leaderboard_url=url_for("console.leaderboard", **board_filters(typed)),
        filters=typed, regions=managed_regions(user) if user.admin_region is not None else [],
        stations=scoped_stations(user, [filters.get("station_id")]),
        as_of=as_of.astimezone(CHINA) if as_of else None,
        refresh_minutes=-(-current_app.config["DASHBOARD_CACHE_SECONDS"] // 60),
        calendar_missing=calendar_missing(user), refused_templates=refused_templates(user),
    )


def refused_templates(user):
    """The subscribe message templates whose id WeChat refused, with their messages waiting, to remind the root
    region's administrators (who see to the settings with the operator) of: [(template, id)], count."""
    from ..notifications.outbox import refused_template_waiting
    from .workdays import may_edit

    if not may_edit(user):
        return [], 0
    waiting = refused_template_waiting()
    ids = current_app.config["WECHAT_TEMPLATES"]
    return [(template, ids.get(template) or "") for template in waiting], sum(waiting.values())
