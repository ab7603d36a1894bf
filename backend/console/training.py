"""培训清单: the console's page of training coverage — a period's figures for a region's deputies in office,
by child region, the period's trainings, the deputies not yet trained (with their export) and 点名调训 to
an upcoming training. The figures, the list and the summons are those of the API (activities.training)."""
from flask import flash, g, redirect, render_template, request, url_for

from schemas.training import TrainingQuery

from ..activities import training
from ..db_types import CHINA, utcnow
from ..errors import APIError
from ..extensions import db
from ..forms import parse_int
from ..org.models import DEPUTY_LEVEL_LABELS, deputy_listing
from . import bp
from .activities import managed_activity_or_404
from .exports import Export, rows_to_read
from .pages import console_page, listing_page, managed_regions

UNTRAINED_PER_PAGE = 20
FILTERS = ("region_id", "level", "since", "until")
LABELS = {"region_id": "区域", "level": "代表层级", "since": "起始日期", "until": "截止日期", "activity_id": "培训活动"}


def _filter_values(values):
    """The page's filter (or the summons form's copy of it) as the API's query schema reads it: a date that
    is none is refused in Chinese."""
    return TrainingQuery().load({key: values[key].strip() for key in FILTERS if values.get(key, "").strip()})


def _filters(values):
    """(region, level, period) of the filter, checked as the API checks them (scope, a period ending before
    it starts)."""
    args = _filter_values(values)
    period = training.period_of(args.get("since"), args.get("until"))
    return training.scope_region(g.user, args.get("region_id")), args.get("level"), period


def _filter_args(region, level, period):
    return {"region_id": region.id, "level": level or "", "since": period.since.isoformat(),
            "until": period.until.isoformat()}


@bp.get("/training")
@console_page(labels=LABELS)
def training_page():
    user = g.user
    region, level, period = _filters(request.args)
    figures = training.coverage(user, region, level, period)
    # The roll-up counted the untrained already (the same deputies, the same rule): no second count.
    page = listing_page(training.untrained(user, region, level, period).options(*deputy_listing()), UNTRAINED_PER_PAGE,
                        total=figures["untrained"])
    return render_template(
        "console/training.html", figures=figures, page=page, region=region, level=level, period=period,
        regions=_regions(user), all_regions=_all_regions_label(user), level_labels=DEPUTY_LEVEL_LABELS,
        upcoming=training.upcoming_trainings(user),
        filter_args=_filter_args(region, level, period), openable=training.openable_rows(user, figures["by_region"]),
        scope=_scope_name(user, figures["region_name"]),
    )


def _scope_name(user, region_name):
    """Whose deputies the figures count, for the heading: a region administrator's region; a station
    administrator's station(s) (the region holding their deputies, 湖南省 for a provincial one received
    there, would read as the whole province), with the region when one is chosen."""
    if user.admin_region is not None:
        return region_name
    stations = "、".join(sorted(station.name for station in user.admin_stations))
    return f"{stations}（{region_name}）" if request.args.get("region_id", "").strip() else stations


def _regions(user):
    """The region choice: a region administrator's regions; a station administrator's, those on the way
    from the region holding all their deputies down to their stations' and their deputies' regions."""
    return managed_regions(user) if user.admin_region is not None else training.station_admin_regions(user)


def _all_regions_label(user):
    """The choice's blank: the caller's default (training.scope_region)."""
    return "本人所管区域" if user.admin_region is not None else "本人所管代表"


@bp.get("/training/untrained.xlsx")
@console_page("console.training_page", labels=LABELS)
def export_untrained():
    """未参训代表 as filtered on screen, every page of it (up to MAX_EXPORT_ROWS)."""
    user = g.user
    region, level, period = _filters(request.args)
    rows = training.untrained_rows(user, region, level, period)
    # Named by its period; one ending today by its start (起), the file's own stamp saying the day once.
    since, until = f"{period.since:%Y%m%d}", f"{period.until:%Y%m%d}"
    ends_today = period.until == utcnow().astimezone(CHINA).date()
    export = Export("未参训代表", f"未参训代表-{since}" + ("起" if ends_today else f"至{until}"),
                    fallback=f"untrained-{since}" + ("" if ends_today else f"-{until}"))
    export.sheet(
        "未参训代表", ["代表", "代表层级", "所属区域", "联络站", "代表小组", "手机号"],
        ((r.name, DEPUTY_LEVEL_LABELS[r.level.value], r.region_name, r.stations or "", r.group, r.phone or "")
         for r in db.session.execute(rows.limit(rows_to_read()))),
        widths={"代表": 14, "代表层级": 18, "所属区域": 18, "联络站": 30, "代表小组": 20, "手机号": 16}, total=rows,
    )
    return export.send(user, region_id=region.id)


@bp.post("/training/summon")
@console_page("console.training_page", labels=LABELS)
def training_summon():
    """点名调训 from the page: the filter shown, into the upcoming training chosen."""
    args = _filter_values(request.form)
    activity = managed_activity_or_404(_activity_id(request.form.get("activity_id")))
    invited = training.summon(g.user, activity, args.get("region_id"), args.get("level"), args.get("since"),
                              args.get("until"))
    flash(f"点名调训：已邀请 {invited} 位未参训的代表参加“{activity.title}”，并已通知他们接单。", "success")
    return redirect(url_for("console.training_page", **{key: request.form.get(key, "") for key in FILTERS}))


def _activity_id(value):
    activity_id = parse_int(value)
    if activity_id is None:
        # No field name before it: the sentence says which (a flash line "培训活动：请选择…培训活动" repeats it).
        raise APIError(422, "validation_failed", "请选择要点名调训的培训活动。")
    return activity_id
