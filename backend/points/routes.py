"""Points API: the rulebook, a deputy's points and archive, and the public leaderboard."""
from urllib.parse import quote

from flask import make_response
from sqlalchemy.orm import lazyload

from schemas.activities import (
    ArchiveQuery,
    CorrectionIn,
    LeaderboardQuery,
    LeaderboardRowOut,
    PointsOut,
    RulebookPageQuery,
    RulebookQuery,
    ScoringRuleOut,
    ScoringRulePage,
    ScoringRulePut,
    YearQuery,
)
from schemas.points import EvaluationPageOut, EvaluationQuery, GradeBandsOut, GradeBandsPut, GradeBandsQuery

from ..audit.log import record_export
from ..auth.scope import (
    admin_required,
    current_caller,
    current_user,
    get_or_404,
    login_required,
    owned_deputy_or_404,
    manages_deputy,
    manages_region,
    roles_required,
)
from ..errors import not_found, validation_failed
from ..extensions import Blueprint, db
from ..idempotency import idempotent
from ..org.models import Deputy, Region
from ..pagination import paginate
from . import archive, grades, ledger, queries, rulebook

rules = Blueprint("scoring_rules", __name__, url_prefix="/api/v1/scoring-rules", description="履职评分细则")
points = Blueprint("points", __name__, url_prefix="/api/v1", description="履职积分与排行榜")


@rules.get("")
@admin_required
@rules.arguments(RulebookPageQuery, location="query")
@rules.response(200, ScoringRulePage)
def list_rules(args):
    """评分细则：某区域现行的细则（默认为本人所管区域；每级人大可自定条目，未自定的沿用上级）。细则条目不多，默认一页（per_page 100）列出全部。"""
    region = _rulebook_region(args)
    lines = rulebook.in_force(region)
    page, per_page = args["page"], args["per_page"]
    shown = lines[(page - 1) * per_page:page * per_page]
    return {"items": [_rule_out(rule, region) for rule in shown], "total": len(lines), "page": page, "per_page": per_page}


@rules.put("/<code>")
@roles_required("region_admin")
@rules.arguments(RulebookQuery, location="query")
@rules.arguments(ScoringRulePut)
@rules.response(200, ScoringRuleOut)
def update_rule(args, data, code):
    """修改一条评分细则：超级管理员改的是全域细则，其他区域管理员改的是本区域（或所管下级区域）自己的条目；只影响此后获得的积分（修改前已签到、尚未结单的活动仍按签到时的细则计分），已计入的积分不变。加分条目的分值须为 0 或正数；扣分条目（无故缺席、建议超期未办）须为 0 或负数，且不设年度上限。"""
    region = _editable_region(args)
    current = rulebook.line(region, _rule_code(code))
    fixed = {"code": "细则编码不能修改。", "applies_to": "细则的适用范围不能修改。"}
    changed = {key: [message] for key, message in fixed.items() if data.get(key, getattr(current, key)) != getattr(current, key)}
    if changed:
        raise validation_failed(changed)
    return _rule_out(rulebook.set_line(region, current.code, data, actor=current_user()), region)


@rules.delete("/<code>")
@roles_required("region_admin")
@rules.arguments(RulebookQuery, location="query")
@rules.response(200, ScoringRuleOut)
def reset_rule(args, code):
    """撤销本区域自定的一条细则，恢复沿用上级的条目；只影响此后获得的积分。"""
    region = _editable_region(args)
    return _rule_out(rulebook.reset_line(region, _rule_code(code), actor=current_user()), region)


def _rule_code(code):
    if len(code) <= 32 and code.isprintable():
        return code
    raise not_found("评分细则不存在。")


def _rulebook_region(args):
    """The region whose rulebook is asked for: ``region_id``, else the caller's own region, else the root."""
    if "region_id" in args:
        return get_or_404(Region, args["region_id"], "区域不存在。")
    return rulebook.own_region(current_caller())


def _editable_region(args):
    """The region whose rulebook or grade bands a region administrator changes: ``region_id`` or their own.
    One outside their subtree (above it or beside it) answers 404 as one that does not exist, as every
    other region id outside the caller's scope does (auth.scope.managed_region_or_404)."""
    region = _rulebook_region(args)
    if region is None or not manages_region(current_caller(), region):
        raise not_found("区域不存在。")
    return region


def _rule_out(rule, region):
    return {
        "code": rule.code, "label": rule.label, "points": rule.points, "applies_to": rule.applies_to,
        "yearly_cap": rule.yearly_cap, "active": rule.active,
        "set_by_region_id": rule.region.id if rule.region is not None else None,
        "set_by_region_name": rule.region.name if rule.region is not None else None,
        "inherited": rule.region is not None and region is not None and rule.region.id != region.id,
    }


def _own_or_managed(deputy_id):
    """The deputy themselves or an administrator in scope; anyone else gets 404."""
    deputy = get_or_404(Deputy, deputy_id, "代表不存在。", options=[lazyload(Deputy.live_qr)])  # not their printed code
    user = current_caller()
    if not (user.deputy_id == deputy.id and "deputy" in user.roles) and not manages_deputy(user, deputy):
        raise not_found("代表不存在。")
    return deputy


@points.get("/deputies/<int:deputy_id>/points")
@login_required
@points.arguments(YearQuery, location="query")
@points.response(200, PointsOut)
def deputy_points(args, deputy_id):
    deputy = _own_or_managed(deputy_id)
    return _points(deputy, args.get("year") or queries.current_year())


@points.post("/deputies/<int:deputy_id>/points/corrections")
@admin_required
@idempotent
@points.arguments(CorrectionIn)
@points.response(201, PointsOut)
def correct_points(data, deputy_id):
    """积分更正：管理员为所管代表补记或扣减积分，须写明原因；记为积分台账的新一行，已计入的积分不变。"""
    deputy = owned_deputy_or_404(deputy_id, "更正其积分")
    year = data.get("year") or queries.current_year()
    ledger.correct(current_user(), deputy.id, year, data["points"], data["reason"])
    return _points(deputy, year)


def _points(deputy, year):
    """A deputy's total, rank and ledger for ``year``, as the contract's points answer."""
    total, rank = queries.total_and_rank(deputy.id, year)
    return {
        "deputy_id": deputy.id,
        "year": year,
        "total": total,
        "rank": rank,
        "entries": [
            {"points": e.points, "rule_code": e.rule_code, "reason": e.reason, "source_type": e.source_type,
             "source_id": e.source_id, "at": e.created_dt}
            for e in queries.entries(deputy.id, year)
        ],
    }


@points.get("/deputies/<int:deputy_id>/archive")
@login_required
@points.arguments(ArchiveQuery, location="query")
@points.response(200, description="履职档案 JSON，或 ?format=xlsx 的表格文件")
def deputy_archive(args, deputy_id):
    deputy = _own_or_managed(deputy_id)
    data = archive.build(deputy, args.get("year") or queries.current_year())
    if args["format"] != "xlsx":
        return data
    record_export(current_user(), "履职档案", 1, ("deputy", deputy.id, deputy.name), deputy.region_id)
    response = make_response(archive.to_xlsx(data))
    response.mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    filename = f"履职档案-{deputy.name}-{data['year']}.xlsx"
    response.headers["Content-Disposition"] = f"attachment; filename=archive.xlsx; filename*=UTF-8''{quote(filename)}"
    return response


@points.get("/leaderboard")
@points.arguments(LeaderboardQuery, location="query")
@points.response(200, LeaderboardRowOut(many=True))
def leaderboard(args):
    """履职积分排行榜（公开：只显示姓名、层级和积分），同分同名次，先达到者在前；当年没有积分的在任代表按 0 分排列，排在因缺席扣分而为负分的代表之前。"""
    region = None
    if "region_id" in args:
        region = db.session.get(Region, args["region_id"])
        if region is None:
            raise not_found("区域不存在。")
    return queries.leaderboard(args.get("year") or queries.current_year(), region, args.get("level"),
                               args.get("group"), args["limit"])


# --- 履职评价等次 ---------------------------------------------------------------------------------------

evaluations = Blueprint("evaluations", __name__, url_prefix="/api/v1", description="履职评价等次")


@evaluations.get("/grade-bands")
@admin_required
@evaluations.arguments(GradeBandsQuery, location="query")
@evaluations.response(200, GradeBandsOut)
def get_grade_bands(args):
    """履职评价等次：某区域现行的等次与分数线（默认为本人所管区域；每级人大可自定一套，整套取代上级的，未自定的沿用上级，默认为 好 ≥ 40、较好 ≥ 20、差；一个区域的等次评定本级人大的代表，即该层级、在该区域及下级选出的代表）。等次按积分随时计算，不保存。"""
    region = _rulebook_region(args)
    return _bands_out(grades.in_force(region), region)


@evaluations.put("/grade-bands")
@roles_required("region_admin")
@evaluations.arguments(GradeBandsQuery, location="query")
@evaluations.arguments(GradeBandsPut)
@evaluations.response(200, GradeBandsOut)
def put_grade_bands(args, data):
    """设定本区域（或所管下级区域）自己的一套评价等次，整套取代沿用的上级等次。等次按积分随时计算、不保存：修改后，所有年度（包括上一年度）的积分都按新的等次评定。"""
    region = _editable_region(args)
    return _bands_out(grades.set_bands(region, data["bands"], actor=current_user()), region)


@evaluations.delete("/grade-bands")
@roles_required("region_admin")
@evaluations.arguments(GradeBandsQuery, location="query")
@evaluations.response(200, GradeBandsOut)
def reset_grade_bands(args):
    """撤销本区域自定的评价等次，恢复沿用上级的等次（本区域没有自定的：照旧沿用，不变）；全域等次只能修改。"""
    region = _editable_region(args)
    return _bands_out(grades.reset_bands(region, actor=current_user()), region)


def _bands_out(bands, region):
    return {
        "region_id": region.id if region is not None else None,
        "set_by_region_id": bands.region.id if bands.region is not None else None,
        "set_by_region_name": bands.region.name if bands.region is not None else None,
        "inherited": bands.region is not None and region is not None and bands.region.id != region.id,
        "bands": [{"label": label, "min_points": min_points} for label, min_points in bands.bands],
    }


@evaluations.get("/evaluations")
@admin_required
@evaluations.arguments(EvaluationQuery, location="query")
@evaluations.response(200, EvaluationPageOut)
def list_evaluations(args):
    """年度履职评价：所管区域（含下级）在任代表的年度积分与评价等次，按积分从高到低；没有积分的代表按 0 分评定。每位代表按其所属人大现行的等次评定：所属人大为代表层级对应的区域（从代表所在区域向上最近的该级区域，如在街道选出的县（区）人大代表按所在县（区）的等次；全国人大代表按全域等次），设在该级以下的等次不评定他们；summary 列出本区域现行及下级自定等次的各档，上级人大的等次有代表评定时也列出；年度未结束时按当前积分评定（provisional）。lowest_last_year：上一年度也在最低一档（连续两年）。"""
    return evaluation_page(current_caller(), _evaluation_region(args), args.get("year") or queries.current_year(),
                           args.get("grade"), args)


def _evaluation_region(args):
    """The region graded: ``region_id`` (a region administrator's within their subtree, else 404), else
    the administrator's own region; a station administrator's default is all their deputies (None)."""
    caller = current_caller()
    if "region_id" in args:
        region = get_or_404(Region, args["region_id"], "区域不存在。")
        if caller.admin_region is not None and not manages_region(caller, region):
            raise not_found("区域不存在。")
        return region
    return db.session.get(Region, caller.admin_region_id) if caller.admin_region_id is not None else None


def evaluation_page(user, region, year, grade, args):
    """A page of the evaluation (``grades.evaluation``) in the contract's list shape, with its summary."""
    graded = grades.evaluation(user, region, year, grade)
    page = paginate(graded.rows, args, rows=True, total=graded.listed)
    page["items"] = graded.ranked(page["items"])
    counts = graded.counts
    return {
        **page,
        "items": [{"deputy": {"id": row.id, "name": row.name, "level": row.level.value, "region_name": row.region_name},
                   "total": row.total, "grade": row.grade, "rank": row.rank,
                   "lowest_last_year": bool(row.lowest_last_year)} for row in page["items"]],
        "year": year, "provisional": year >= queries.current_year(), "region_id": region.id if region else None,
        "summary": counts, "grades": list(counts),
    }
