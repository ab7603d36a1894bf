"""Console pages for points: the rulebook editor, the leaderboard and each deputy's archive.

Editing a rule changes only points earned afterwards: the ledger keeps every credited row as it was.
"""
from urllib.parse import quote

from flask import Response, flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from schemas.activities import CorrectionIn, ScoringRulePut

from ..auth.scope import deputy_scope_clause, managed_deputy_or_404, region_subtree_clause
from ..errors import APIError
from ..extensions import db
from ..forms import parse_int
from ..org.models import DEPUTY_LEVEL_LABELS, Deputy, Region
from ..points import archive, ledger, queries
from ..points.models import PointCorrection, ScoringRule
from . import bp
from .activities import console_page, error_lines, is_region_admin, managed_regions, query_text

APPLIES_TO_LABELS = {"activity": "履职活动", "absence": "缺席", "suggestion": "群众建议"}
LEADERBOARD_LIMIT = 100


def _year():
    return parse_int(request.args.get("year"), 2000, 2100) or queries.current_year()


# --- the rulebook ----------------------------------------------------------------------------------


def _rules():
    return db.session.scalars(select(ScoringRule).order_by(ScoringRule.applies_to, ScoringRule.code)).all()


@bp.route("/rules", methods=["GET", "POST"])
@console_page("console.rules")
def rules():
    user = g.user
    can_edit = is_region_admin(user)
    if request.method == "POST":
        if not can_edit:
            raise APIError(403, "forbidden", "只有区域管理员可以修改评分细则。")
        changed = _save_rules(request.form)
        flash(f"已保存 {changed} 条修改，只影响此后获得的积分，已计入的积分不变。" if changed else "没有需要保存的修改。")
        return redirect(url_for("console.rules"))
    return render_template("console/rules.html", rules=_rules(), can_edit=can_edit, applies_to=APPLIES_TO_LABELS)


def _save_rules(form):
    """Validate every row with the API's schema first; save only when all rows are valid."""
    updates, problems = [], []
    for rule in _rules():
        if f"points-{rule.code}" not in form:
            continue
        cap = form.get(f"cap-{rule.code}", "").strip()
        data = {
            "label": form.get(f"label-{rule.code}", rule.label),
            "points": form.get(f"points-{rule.code}", "").strip(),
            "yearly_cap": cap or None,
            "active": form.get(f"active-{rule.code}") == "1",
        }
        try:
            updates.append((rule, ScoringRulePut().load(data)))
        except ValidationError as exc:
            problems.extend(f"“{rule.label}”{line}" for line in error_lines(exc))
    if problems:
        raise ValidationError(problems)
    changed = 0
    for rule, data in updates:
        if data.get("label") == "":
            data.pop("label")
        values = {key: data[key] for key in ("label", "points", "yearly_cap", "active") if key in data}
        if any(getattr(rule, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(rule, key, value)
            changed += 1
    db.session.flush()
    return changed


# --- the leaderboard -------------------------------------------------------------------------------


@bp.get("/leaderboard")
@console_page()
def leaderboard():
    user = g.user
    year = _year()
    regions = managed_regions(user)
    region_id = parse_int(request.args.get("region_id")) if "region_id" in request.args else (
        user.admin_region_id if is_region_admin(user) else None)
    region = db.session.get(Region, region_id) if region_id else None
    level = request.args.get("level", "")
    level = level if level in DEPUTY_LEVEL_LABELS else ""
    group = query_text("group", 100)
    rows = queries.leaderboard(year, region, level or None, group or None, LEADERBOARD_LIMIT)
    ids = [row["deputy"]["id"] for row in rows]
    managed = set(db.session.scalars(select(Deputy.id).where(Deputy.id.in_(ids), deputy_scope_clause(user)))) if ids else set()
    group_query = select(Deputy.group).where(deputy_scope_clause(user), Deputy.group != "").distinct().order_by(Deputy.group).limit(200)
    if region is not None:
        group_query = group_query.where(region_subtree_clause(Deputy.region_id, region))
    return render_template(
        "console/leaderboard.html", rows=rows, year=year, regions=regions, region=region, region_id=region.id if region else "",
        level=level, group=group, groups=db.session.scalars(group_query).all(), managed=managed,
        level_labels=DEPUTY_LEVEL_LABELS, limit=LEADERBOARD_LIMIT,
    )


# --- a deputy's archive (履职档案) ----------------------------------------------------------------------


@bp.get("/deputies/<int:deputy_id>/archive")
@console_page("console.deputies")
def deputy_archive(deputy_id):
    deputy = managed_deputy_or_404(deputy_id)
    year = _year()
    corrections = db.session.scalars(
        select(PointCorrection).where(PointCorrection.deputy_id == deputy.id, PointCorrection.year == year)
        .order_by(PointCorrection.id)
    ).all()
    return render_template("console/archive.html", deputy=deputy, data=archive.build(deputy, year), year=year,
                           this_year=queries.current_year(), corrections=corrections)


def _integer(text):
    number = parse_int(text, -(2**31), 2**31 - 1)
    return number if number is not None else text.strip()


@bp.post("/deputies/<int:deputy_id>/points/corrections")
@console_page("console.deputies")
def deputy_points_correction(deputy_id):
    """积分更正 from the archive page: the API's schema and ledger.correct, so both judge alike."""
    deputy = managed_deputy_or_404(deputy_id)
    # Numbers as the API receives them (the schema's integers are strict); what is no integer stays
    # text, for the schema to refuse by name.
    form = {"points": _integer(request.form.get("points", "")), "reason": request.form.get("reason", "")}
    if request.form.get("year", "").strip():
        form["year"] = _integer(request.form["year"])
    data = CorrectionIn().load(form)
    year = data.get("year") or queries.current_year()
    ledger.correct(g.user, deputy.id, year, data["points"], data["reason"])
    flash(f"已记入积分更正 {data['points']:+d} 分。已计入的积分不变，更正记为新的一行。")
    return redirect(url_for("console.deputy_archive", deputy_id=deputy.id, year=year))


@bp.get("/deputies/<int:deputy_id>/archive.xlsx")
@console_page("console.deputies")
def deputy_archive_xlsx(deputy_id):
    deputy = managed_deputy_or_404(deputy_id)
    data = archive.build(deputy, _year())
    response = Response(archive.to_xlsx(data), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    filename = f"履职档案-{deputy.name}-{data['year']}.xlsx"
    response.headers["Content-Disposition"] = f"attachment; filename=archive.xlsx; filename*=UTF-8''{quote(filename)}"
    response.headers["Cache-Control"] = "private, no-store"
    return response
