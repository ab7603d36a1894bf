"""Console pages for points: the rulebook editor (a region's 评分细则, and its 履职评价等次), the
leaderboard, the year's evaluation (履职评价) and each deputy's archive.

Editing a rule changes only points earned afterwards: the ledger keeps every credited row as it was.
Editing the grade bands changes how totals are graded from then on: grades are computed, never stored.
"""
from urllib.parse import quote

from flask import Response, flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import or_, select

from schemas.activities import CorrectionIn, ScoringRulePut, YearQuery
from schemas.points import GradeBandsPut

from ..activities import training
from ..audit.log import record_export
from ..auth.scope import (
    deputy_scope_clause,
    managed_deputy_or_404,
    manages_region,
    owned_deputy_or_404,
    owns_deputy,
    region_subtree_clause,
)
from ..errors import APIError
from ..extensions import db
from ..forms import number_or_text, parse_int
from ..org.models import DEPUTY_LEVEL_LABELS, Deputy, Region
from ..org.services import root_region
from ..points import archive, grades, ledger, queries, rulebook
from ..points.models import PointCorrection
from . import bp
from .dashboard import scoped_leaderboard
from .exports import Export, rows_to_read
from .form_errors import error_lines, field_errors, refused_form
from .pages import (
    REGION_CHOICES_LIMIT,
    console_page,
    is_region_admin,
    listing_page,
    managed_regions,
    query_text,
    year_asked,
)

APPLIES_TO_LABELS = {"activity": "履职活动", "absence": "缺席", "suggestion": "群众建议", "research": "调研报告"}
# A rulebook line's boxes: the name each has on the form (``points-reception``) and in the table's head.
RULE_BOXES = {"label": ("label", "名称"), "points": ("points", "分值"), "yearly_cap": ("cap", "年度上限"),
              "active": ("active", "启用")}
LEADERBOARD_LIMIT = 100
# 积分更正's fields on a deputy's archive, in page order: a refused one shows its message under it.
CORRECTION_FIELDS = ("points", "reason")


def _year():
    """The year asked (?year=): a bad one is refused (422 naming 年度), never shown as this year."""
    return year_asked(YearQuery, queries.current_year())


# --- the rulebook ----------------------------------------------------------------------------------
# Each congress sets its own 评分细则 (backend.points.rulebook): the page shows and edits one region's
# rulebook, the lines in force there, each with the region that set it.


def _region_arg(value):
    """The region named by ``value``, None when no region is named; 404 for anything else — a value
    that is no region must not fall back to the administrator's own rulebook."""
    if value is None:
        return None
    region_id = parse_int(value)
    return (db.session.get(Region, region_id) if region_id is not None else None) or _no_such_region()


def _no_such_region():
    raise APIError(404, "not_found", "区域不存在。")


def _rulebook_region(user, value):
    """The region whose rulebook is shown: ``value``, else the administrator's own region, else the
    root (a station administrator's default: the deployment's rulebook)."""
    return _region_arg(value) or rulebook.own_region(user)


def _rulebook_regions(user):
    """The regions offered in the selector, in tree order: a region administrator's own region, those
    above it (to compare, read-only) and those under it; a station administrator may read any."""
    root = root_region()
    if root is None:
        return []
    query = select(Region).order_by(Region.path).limit(REGION_CHOICES_LIMIT)
    if is_region_admin(user):
        own = user.admin_region.path
        above = [int(part) for part in own.strip("/").split("/") if part]
        query = query.where(or_(Region.id.in_(above), Region.path.startswith(own)))
    base = root.path.count("/")
    return [{"id": r.id, "name": r.name, "depth": r.path.count("/") - base} for r in db.session.scalars(query)]


def _readable(user, region):
    """Whether the page shows ``region``'s rulebook to ``user``: those ``_rulebook_regions`` offers — a region
    administrator's own region, those above it and those under it; any to a station administrator."""
    if not is_region_admin(user):
        return True
    own = user.admin_region.path
    return own.startswith(region.path) or region.path.startswith(own)


def _own(rule, region):
    """Whether ``rule`` is ``region``'s own line, one it may withdraw (the root's lines are the deployment's)."""
    return not rulebook.is_root(region) and rule.region is not None and rule.region.id == region.id


def _source(rule, region):
    if rulebook.is_root(region) and (rule.region is None or rulebook.is_root(rule.region)):
        return "全域细则"
    if rule.region is not None and region is not None and rule.region.id == region.id:
        return "本区域自定"
    return f"沿用：{rule.region.name}" if rule.region is not None else "沿用：全域细则"


def _rules(region):
    """The lines in force in ``region``, as the page shows them."""
    return [{"code": rule.code, "label": rule.label, "points": rule.points, "applies_to": rule.applies_to,
             "yearly_cap": rule.yearly_cap, "active": rule.active, "source": _source(rule, region),
             "own": _own(rule, region), "updated_dt": rule.updated_dt} for rule in rulebook.in_force(region)]


@bp.route("/rules", methods=["GET", "POST"])
@console_page("console.rules")
def rules():
    user = g.user
    if request.method == "POST":
        region = _rulebook_region(user, request.form.get("region_id", request.args.get("region_id")))
        try:
            if not is_region_admin(user):
                raise APIError(403, "forbidden", "只有区域管理员可以修改评分细则。")
            if region is None or not manages_region(user, region):
                _no_such_region()  # as the API's _editable_region: one outside their subtree is not found
            changed, withdrawn = _save_rules(region, request.form)
        except (APIError, ValidationError) as exc:
            # Refused before anything was written. A line's bad box: the page again as typed, the reason
            # under the box; not allowed: back to the same region's page, not the default one.
            if isinstance(exc, APIError) and exc.status == 404:
                raise
            db.session.rollback()
            if isinstance(exc, ValidationError):
                return _rules_page(user, region, typed=request.form, refused=exc), 422
            for line in error_lines(exc):
                flash(line, "error")
            return redirect(url_for("console.rules", region_id=region.id if region else None))
        if changed:
            flash(f"已保存 {changed} 条修改，只影响此后获得的积分，已计入的积分不变。", "success")
        if withdrawn:
            labels = "、".join(f"“{label}”" for label in withdrawn)
            flash(f"已撤销本区域自定的 {len(withdrawn)} 条细则：{labels}，恢复沿用上级；只影响此后获得的积分，已计入的积分不变。",
                  "success")
        if not changed and not withdrawn:
            flash("没有需要保存的修改。")
        return redirect(url_for("console.rules", region_id=region.id if region else None))
    region = _rulebook_region(user, request.args.get("region_id"))
    if region is not None and not _readable(user, region):
        _no_such_region()  # outside what the selector offers: not found, never that region's name
    return _rules_page(user, region)


def _rules_page(user, region, typed=None, refused=None, bands_typed=None):
    """``region``'s rulebook and grade bands; refused (``refused``: the ValidationError of ``_save_rules``
    or of ``_typed_bands``), with what was ``typed`` (``bands_typed``) in its boxes and each reason under
    its box."""
    can_edit = is_region_admin(user) and region is not None and manages_region(user, region)
    rules = _rules(region)
    errors = {}
    if refused is not None:
        if bands_typed is not None:
            boxes = [(f"band-{box}-{i}", f"第 {i + 1} 档{label}") for i in range(BAND_ROWS)
                     for box, label in (("label", "名称"), ("min", "分数线"))]
        else:
            boxes = [(f"{box}-{r['code']}", f"“{r['label']}”{label}") for r in rules for box, label in RULE_BOXES.values()]
        errors, lines = field_errors(refused, [name for name, _ in boxes], dict(boxes) | {"bands": "评价等次"})
        for line in lines:
            flash(line, "error")
    return render_template(
        "console/rules.html", rules=rules, region=region, is_root=rulebook.is_root(region), can_edit=can_edit,
        is_region_admin=is_region_admin(user), regions=_rulebook_regions(user), applies_to=APPLIES_TO_LABELS,
        typed=typed or {}, field_errors=errors, bands=_bands(region), bands_typed=bands_typed,
        band_rows=BAND_ROWS,
    )


# --- the grade bands (履职评价等次) ------------------------------------------------------------------------
# Shown and edited on the rules page: a region's set, or the one it follows (backend.points.grades).

BAND_ROWS = 5  # the most bands a set may have


def _bands(region):
    """The bands in force in ``region`` as the rules page shows them, with where they come from."""
    in_force = grades.in_force(region)
    if in_force.own:
        source = "全域等次" if rulebook.is_root(region) else "本区域自定"
    elif in_force.region is None or (rulebook.is_root(region) and rulebook.is_root(in_force.region)):
        source = "全域等次（默认）"
    else:
        source = f"沿用：{in_force.region.name}"
    return {"bands": [{"label": label, "min_points": min_points} for label, min_points in in_force.bands],
            "source": source, "own": in_force.own and not rulebook.is_root(region)}


def _typed_bands(form):
    """The rows of the bands form that hold anything, as the API's schema reads them; refused, a
    ValidationError keyed by the form's boxes (``band-min-2``), a set's own rules (how many) by ``bands``."""
    rows, positions = [], []
    for i in range(BAND_ROWS):
        label, minimum = form.get(f"band-label-{i}", "").strip(), form.get(f"band-min-{i}", "").strip()
        if label or minimum:
            rows.append({"label": label, "min_points": number_or_text(minimum) if minimum else None})
            positions.append(i)
    try:
        return GradeBandsPut().load({"bands": rows})
    except ValidationError as exc:
        problems = {}
        for key, messages in exc.messages.items():
            if key == "bands" and isinstance(messages, dict):
                for index, fields in messages.items():
                    for field, texts in fields.items():
                        box = {"label": "label", "min_points": "min"}.get(field, field)
                        problems[f"band-{box}-{positions[index]}"] = texts
            else:
                problems[key] = messages
        raise ValidationError(problems) from exc


@bp.post("/grade-bands")
@console_page("console.rules")
def grade_bands():
    """Save (or, ``reset``, withdraw) a region's set of bands from the rules page."""
    user = g.user
    region = _rulebook_region(user, request.form.get("region_id"))
    try:
        if not is_region_admin(user):
            raise APIError(403, "forbidden", "只有区域管理员可以修改评价等次。")
        if region is None or not manages_region(user, region):
            _no_such_region()  # as the API's _editable_region: one outside their subtree is not found
        if request.form.get("reset") == "1":
            own = grades.in_force(region).own
            grades.reset_bands(region, actor=user)
            message = "已撤销本区域自定的履职评价等次，恢复沿用上级。" if own else "本区域没有自定的评价等次，照旧沿用上级。"
        else:
            before = grades.in_force(region)
            after = grades.set_bands(region, _typed_bands(request.form)["bands"], actor=user)
            message = ("没有需要保存的修改。" if (after.bands, after.own) == (before.bands, before.own) else
                       "已保存本区域的履职评价等次。等次按积分随时评定，各年度的积分都按新的等次评定。")
    except (APIError, ValidationError) as exc:
        if isinstance(exc, APIError) and exc.status == 404:
            raise
        db.session.rollback()
        if isinstance(exc, ValidationError):
            return _rules_page(user, region, refused=exc, bands_typed=request.form), 422
        for line in error_lines(exc):
            flash(line, "error")
        return redirect(url_for("console.rules", region_id=region.id if region else None))
    flash(message, "success")
    return redirect(url_for("console.rules", region_id=region.id if region else None))


def _save_rules(region, form):
    """Validate every row with the API's schema first; save only when all rows are valid, and only
    the lines whose values differ from those in force (saving the form as it is must not make the
    lines ``region`` follows from above its own). Rows ticked ``reset-<code>`` withdraw the region's
    own line instead. Returns (lines changed, labels of the lines withdrawn); refused, a ValidationError
    keyed by the form's boxes (``points-reception``)."""
    updates, resets, problems = [], [], {}
    for rule in rulebook.in_force(region):
        if _own(rule, region) and form.get(f"reset-{rule.code}") == "1":
            resets.append(rule)
            continue
        if f"points-{rule.code}" not in form:
            continue
        # Numbers as the API receives them (its integers are strict; what is no integer stays text, for
        # the schema to refuse by name); a label left blank keeps the line's name.
        cap = form.get(f"cap-{rule.code}", "").strip()
        data = {
            "label": form.get(f"label-{rule.code}", "").strip() or rule.label,
            "points": number_or_text(form.get(f"points-{rule.code}", "")),
            "yearly_cap": number_or_text(cap) if cap else None,
            "active": form.get(f"active-{rule.code}") == "1",
        }
        try:
            loaded = ScoringRulePut().load(data)
        except ValidationError as exc:
            messages = exc.messages
        else:  # the sign of its points, a deduction's cap: as the API refuses them (rulebook.set_line)
            messages = rulebook.line_problems(rule, loaded)
            if not messages:
                updates.append((rule, loaded))
        problems.update({f"{RULE_BOXES[key][0]}-{rule.code}" if key in RULE_BOXES else key: messages
                         for key, messages in messages.items()})
    if problems:
        raise ValidationError(problems)
    changed = 0
    for rule, data in updates:
        values = {key: data[key] for key in rulebook.EDITABLE if key in data}
        if any(getattr(rule, key) != value for key, value in values.items()):
            rulebook.set_line(region, rule.code, values, actor=g.user)
            changed += 1
    for rule in resets:
        rulebook.reset_line(region, rule.code, actor=g.user)
    db.session.flush()
    return changed, [rule.label for rule in resets]


# --- the leaderboard -------------------------------------------------------------------------------


def _board_row(row):
    """A row of ``scoped_leaderboard`` in the public board's shape, which the page shows, with its group."""
    deputy = {"id": row["deputy_id"], "name": row["name"], "level": row["level"]}
    return {"rank": row["rank"], "deputy": deputy, "group": row["group"], "points": row["points"]}


@bp.get("/leaderboard")
@console_page()
def leaderboard():
    user = g.user
    year = _year()
    regions = managed_regions(user)
    region = _board_region(user)
    level = request.args.get("level", "")
    level = level if level in DEPUTY_LEVEL_LABELS else ""
    group = query_text("group", 100)
    lowest = request.args.get("order") == "lowest"
    if lowest:  # 末位: the deputies this administrator answers for, each at 0 without a point
        where = [Deputy.level == level] if level else []
        where += [Deputy.group == group] if group else []
        where += [region_subtree_clause(Deputy.region_id, region)] if region is not None else []
        rows = [_board_row(r) for r in scoped_leaderboard(user, year, LEADERBOARD_LIMIT, everyone=True, lowest=True,
                                                          where=where)]
        managed = {row["deputy"]["id"] for row in rows}
    else:
        # The deputies this administrator answers for, as 履职评价 grades them (the same deputies, each at
        # the same rank; those without a point at 0): a station administrator their stations' deputies,
        # wherever elected, not the whole province (the public 履职积分榜 shows that to anyone).
        rows = queries.leaderboard(year, region, level or None, group or None, LEADERBOARD_LIMIT,
                                   where=[deputy_scope_clause(user)])
        managed = {row["deputy"]["id"] for row in rows}
    group_query = select(Deputy.group).where(deputy_scope_clause(user), Deputy.group != "").distinct().order_by(Deputy.group).limit(200)
    if region is not None:
        group_query = group_query.where(region_subtree_clause(Deputy.region_id, region))
    return render_template(
        "console/leaderboard.html", rows=rows, year=year, regions=regions, region=region, region_id=region.id if region else "",
        level=level, group=group, groups=db.session.scalars(group_query).all(), managed=managed,
        level_labels=DEPUTY_LEVEL_LABELS, limit=LEADERBOARD_LIMIT, lowest=lowest, is_station_admin=not is_region_admin(user),
    )


def _board_region(user):
    """The region the console's board is narrowed to: ``region_id`` (blank, 全部: none, the whole of the
    administrator's scope), else a region administrator's own region. A region outside the administrator's
    scope — for a station administrator, one their stations and deputies do not lie in nor under — or none
    such is 404, the not-found page, as on every console page: the board never names another region."""
    if "region_id" not in request.args:
        return db.session.get(Region, user.admin_region_id) if is_region_admin(user) else None
    region = _region_arg(request.args["region_id"].strip() or None)
    if region is not None and region.id not in training.viewable(user, [region]):
        _no_such_region()
    return region


# --- the year's evaluation (履职评价) ---------------------------------------------------------------------

EVALUATION_PER_PAGE = 50


def _evaluation_args(user):
    """(year, region, grade) the evaluation page and its export are asked for: a region administrator's
    own region by default, and only one they manage; a station administrator's deputies wherever they are
    elected by default, and only a region those deputies or their stations lie in or under (else 404, as
    the leaderboard: ``_board_region``)."""
    year = _year()
    region = _region_arg(request.args.get("region_id") or None)
    if region is None and is_region_admin(user):
        region = db.session.get(Region, user.admin_region_id)
    elif region is not None and region.id not in training.viewable(user, [region]):
        _no_such_region()
    return year, region, query_text("grade", 8)


@bp.get("/evaluations")
@console_page()
def evaluations():
    user = g.user
    year, region, grade = _evaluation_args(user)
    graded = grades.evaluation(user, region, year, grade or None)
    lowest = set(_lowest_labels(region))
    page = listing_page(graded.rows, EVALUATION_PER_PAGE, rows=True, total=graded.listed)
    page["items"] = graded.ranked(page["items"])
    return render_template(
        "console/evaluations.html", counts=graded.counts, page=page,
        year=year, region=region, grade=grade, regions=managed_regions(user), lowest=lowest,
        provisional=year >= queries.current_year(), level_labels=DEPUTY_LEVEL_LABELS,
        bands=grades.in_force(region),
    )


def _lowest_labels(region):
    """The lowest band's label of every set that grades someone in ``region``'s subtree."""
    return [bands[-1][0] for bands in grades.sets_for(region if region is not None else root_region())]


@bp.get("/evaluations/export.xlsx")
@console_page("console.evaluations")
def export_evaluations():
    """The evaluation as filtered on screen, every page of it (up to MAX_EXPORT_ROWS)."""
    user = g.user
    year, region, grade = _evaluation_args(user)
    graded = grades.evaluation(user, region, year, grade or None)
    rank = graded.rank_of()  # one grouped count of every total, then the rows as they are read
    rows = db.session.execute(graded.rows.limit(rows_to_read()))
    provisional = year >= queries.current_year()
    export = Export("履职评价", f"履职评价-{year}", fallback=f"evaluations-{year}")
    export.sheet(
        f"{year}年履职评价" + ("（按当前积分）" if provisional else ""),
        ["名次", "代表", "代表层级", "所属区域", "积分", "评价等次", "连续两年最低等次"],
        ((rank(row.total), row.name, DEPUTY_LEVEL_LABELS[row.level.value], row.region_name, row.total, row.grade,
          "是" if row.lowest_last_year else "") for row in rows),
        widths={"代表": 14, "代表层级": 18, "所属区域": 18, "连续两年最低等次": 18}, total=graded.rows,
    )
    return export.send(user, region_id=region.id if region is not None else None)


# --- a deputy's archive (履职档案) ----------------------------------------------------------------------


@bp.get("/deputies/<int:deputy_id>/archive")
@console_page("console.deputies")
def deputy_archive(deputy_id):
    deputy = managed_deputy_or_404(deputy_id)
    return render_template("console/archive.html", **_archive_page(deputy, _year()))


def _archive_page(deputy, year, typed=None):
    """What a deputy's archive shows of ``year``; its 积分更正 form holds ``typed`` (a refused one's)."""
    corrections = db.session.scalars(
        select(PointCorrection).where(PointCorrection.deputy_id == deputy.id, PointCorrection.year == year)
        .order_by(PointCorrection.id)
    ).all()
    return dict(deputy=deputy, data=archive.build(deputy, year), year=year, this_year=queries.current_year(),
                corrections=corrections, owns=owns_deputy(g.user, deputy), typed=typed or {})


@bp.post("/deputies/<int:deputy_id>/points/corrections")
@console_page("console.deputies")
def deputy_points_correction(deputy_id):
    """积分更正 from the archive page: the API's schema and ledger.correct, so both judge alike."""
    deputy = owned_deputy_or_404(deputy_id, "更正其积分")
    # Numbers as the API receives them (the schema's integers are strict); what is no integer stays
    # text, for the schema to refuse by name.
    form = {"points": number_or_text(request.form.get("points", "")), "reason": request.form.get("reason", "")}
    if request.form.get("year", "").strip():
        form["year"] = number_or_text(request.form["year"])
    try:
        data = CorrectionIn().load(form)
        year = data.get("year") or queries.current_year()
        ledger.correct(g.user, deputy.id, year, data["points"], data["reason"])
    except (APIError, ValidationError) as exc:
        if isinstance(exc, APIError) and exc.status != 422:
            raise
        # The archive's year again, the form as typed, each reason under its box (the year is the page's:
        # a reason about it is said at the top); read after the rollback.
        year = parse_int(request.form.get("year"), 2000, 2100) or queries.current_year()
        return refused_form("console/archive.html", exc, CORRECTION_FIELDS,
                            read_after=lambda: _archive_page(deputy, year, request.form))
    flash(f"已记入积分更正 {data['points']:+d} 分。已计入的积分不变，更正记为新的一行。", "success")
    return redirect(url_for("console.deputy_archive", deputy_id=deputy.id, year=year))


@bp.get("/deputies/<int:deputy_id>/archive.xlsx")
@console_page("console.deputies")
def deputy_archive_xlsx(deputy_id):
    deputy = managed_deputy_or_404(deputy_id)
    data = archive.build(deputy, _year())
    record_export(g.user, "履职档案", 1, ("deputy", deputy.id, deputy.name), deputy.region_id)
    response = Response(archive.to_xlsx(data), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    filename = f"履职档案-{deputy.name}-{data['year']}.xlsx"
    response.headers["Content-Disposition"] = f"attachment; filename=archive.xlsx; filename*=UTF-8''{quote(filename)}"
    response.headers["Cache-Control"] = "private, no-store"
    return response
