"""培训清单 API: training coverage (GET /training/coverage) and the deputies not yet trained
(GET /training/untrained). 点名调训 is a step of an activity: POST /activities/{id}/summon-untrained."""
from schemas.training import CoverageOut, TrainingQuery, UntrainedPage, UntrainedQuery

from ..auth.scope import admin_required, current_caller
from ..extensions import Blueprint
from ..org.models import deputy_listing
from ..pagination import paginate
from . import training

blp = Blueprint("training", __name__, url_prefix="/api/v1/training", description="培训清单：培训覆盖情况与点名调训")


def filters(args):
    """(region, level, period) of a request, checked: 404 for no such region or one outside the caller's
    scope, 422 for a period that ends before it starts."""
    caller = current_caller()
    period = training.period_of(args.get("since"), args.get("until"))
    return training.scope_region(caller, args.get("region_id")), args.get("level"), period


@blp.get("/coverage")
@admin_required
@blp.arguments(TrainingQuery, location="query")
@blp.response(200, CoverageOut)
def coverage(args):
    """培训覆盖情况：区域（含下级，默认为本人所管区域）在任代表中，期间内（默认今年 1 月 1 日至今天，北京时间）参加过学习培训的人数和覆盖率，按下级区域分列，并列出期间内的培训活动及受邀、到场人数。

    参训指：在开始时间落在期间内、未取消的学习培训活动中已签到（扫码签到或管理员补签），不要求已结单。
    覆盖率 = 参训人数 ÷ 在任代表数（`denominators.rate`）。离任代表不计入。联络站管理员只统计其联络站的代表。
    区域不存在或不在管理范围内：404。"""
    region, level, period = filters(args)
    return training.coverage(current_caller(), region, level, period)


@blp.get("/untrained")
@admin_required
@blp.arguments(UntrainedQuery, location="query")
@blp.response(200, UntrainedPage)
def untrained(args):
    """未参训代表名单（分页）：与培训覆盖情况同一口径，按区域排列；含手机号（管理员查看所管代表时代表名单同样显示）。控制台可导出 Excel。"""
    region, level, period = filters(args)
    page = paginate(training.untrained(current_caller(), region, level, period).options(*deputy_listing()), args)
    page["items"] = [present_untrained(d) for d in page["items"]]
    return page


def present_untrained(deputy):
    return {
        "id": deputy.id, "name": deputy.name, "level": deputy.level.value, "level_label": deputy.level_label,
        "region_id": deputy.region_id, "region_name": deputy.region.name, "group": deputy.group,
        "stations": [{"id": s.id, "name": s.name} for s in deputy.stations], "phone": deputy.phone,
    }
