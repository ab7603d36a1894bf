"""Organisation API: /regions, /stations, /deputies (contract: Organisation)."""

from sqlalchemy import case, select

from schemas.org import (
    DeputyExportQuery,
    DeputyIn,
    DeputyOut,
    DeputyPatch,
    DeputyPublicOut,
    DeputyQuery,
    RegionIn,
    RegionOut,
    RegionPatch,
    RegionQuery,
    StationExportQuery,
    StationIn,
    StationOut,
    StationPatch,
    StationQuery,
)
from schemas.common import page_of

from ..auth.scope import (
    admin_required,
    current_user,
    deputy_scope_clause,
    get_or_404,
    managed_deputy_or_404,
    managed_region_or_404,
    managed_station_or_404,
    manages_deputy,
    region_subtree_clause,
    roles_required,
    station_scope_clause,
)
from ..console.exports import Export, deputy_roster, station_roster
from ..errors import not_found
from ..extensions import Blueprint
from ..idempotency import idempotent
from ..pagination import paginate
from . import nearby, services
from .congress import congress_clause
from .models import LEVEL_RANK, Deputy, Region, Station, deputy_listing, full_names, station_deputies, station_listing

regions = Blueprint("regions", __name__, url_prefix="/api/v1/regions", description="区域树")
stations = Blueprint("stations", __name__, url_prefix="/api/v1/stations", description="代表联络站")
deputies = Blueprint("deputies", __name__, url_prefix="/api/v1/deputies", description="人大代表")

region_admin_required = roles_required("region_admin")


# --- regions ---------------------------------------------------------------------------------


@regions.get("")
@regions.arguments(RegionQuery, location="query")
@regions.response(200, page_of(RegionOut))
def list_regions(args):
    query = select(Region)
    if "parent_id" in args:
        query = query.where(Region.parent_id == args["parent_id"])
    if args.get("q"):
        query = query.where(Region.name.contains(args["q"], autoescape=True))
    if "levels" in args:
        query = query.where(Region.level.in_(args["levels"]))
    if args.get("congress"):
        query = query.where(congress_clause())
    if "around" in args:
        query = query.order_by(*nearest_regions_first(get_or_404(Region, args["around"], "区域不存在。")))
    page = paginate(query.order_by(Region.path), args)
    names = full_names(page["items"])  # one query for the whole page
    page["items"] = [{"id": r.id, "parent_id": r.parent_id, "name": r.name, "level": r.level.value,
                      "full_name": names[r.id]} for r in page["items"]]
    return page


def nearest_regions_first(region):
    """ORDER BY terms (before the tree order) putting ``region`` and the regions above it first, nearest
    first, then every other region by the depth of the lowest region it shares with ``region``'s path
    (deepest first: its own subtree, then its parent's, ...), the higher levels first at each depth."""
    above = region.path_ids
    rank = case(*[(Region.level == level, rank) for level, rank in LEVEL_RANK.items()], else_=len(LEVEL_RANK))
    prefixes = ["/" + "/".join(map(str, above[:depth])) + "/" for depth in range(len(above), 0, -1)]
    shared = case(*[(Region.path.startswith(prefix), len(above) - i) for i, prefix in enumerate(prefixes)], else_=0)
    is_above = Region.id.in_(above)
    return case((is_above, 0), else_=1), case((is_above, -rank), else_=-shared), rank


@regions.post("")
@region_admin_required
@idempotent
@regions.arguments(RegionIn)
@regions.response(201, RegionOut)
def create_region(data):
    return services.create_region(current_user(), data)


@regions.get("/<int:region_id>")
@regions.response(200, RegionOut)
def get_region(region_id):
    return get_or_404(Region, region_id, "区域不存在。")


@regions.patch("/<int:region_id>")
@region_admin_required
@regions.arguments(RegionPatch)
@regions.response(200, RegionOut)
def update_region(data, region_id):
    """修改区域的名称或层级：由上级区域的管理员修改（根区域由根区域的管理员修改）；修改本区域时 403。"""
    return services.update_region(current_user(), managed_region_or_404(region_id), data)


@regions.delete("/<int:region_id>")
@region_admin_required
@regions.response(204)
def delete_region(region_id):
    """删除区域：只限误建、尚无下级区域、联络站、代表、管理员账号和其他业务记录的；否则 409，说明它还有什么。
    由上级区域的管理员删除；删除本区域时 403。"""
    services.delete_region(current_user(), managed_region_or_404(region_id))


# --- stations --------------------------------------------------------------------------------


@stations.get("")
@stations.arguments(StationQuery, location="query")
@stations.response(200, page_of(StationOut))
def list_stations(args):
    query = _filtered_stations(select(Station), args)
    if args.get("managed"):
        # An administrator's own stations, closed ones too (tagged 已停用), or as ``closed`` chooses.
        query = query.where(station_scope_clause(current_user()))
        if "closed" in args:
            query = query.where(Station.closed_dt.is_not(None) if args["closed"] else Station.closed_dt.is_(None))
    else:  # 附近联络站 and every picker: open stations only
        query = query.where(Station.closed_dt.is_(None))
    near = args.get("near")
    if near:
        query = nearby.order_by_distance(query, *near)
    else:
        query = query.order_by(Station.id)
    page = paginate(query.options(*station_listing()), args)
    if near:
        # Dumped here rather than set on the ORM objects: the distance belongs to this answer only.
        page["items"] = [
            {
                **StationOut().dump(station),
                "distance_m": nearby.distance_m(near[0], near[1], station.lat, station.lng)
                if station.lat is not None and station.lng is not None
                else None,
            }
            for station in page["items"]
        ]
    return page


def _filtered_stations(query, args):
    """The station list's filters (but ``closed``, which the list reads with ``managed``) on ``query``."""
    if "region_id" in args:
        region = get_or_404(Region, args["region_id"], "区域不存在。")
        query = query.where(region_subtree_clause(Station.region_id, region))
    if "kind" in args:
        query = query.where(Station.kind == args["kind"])
    if args.get("q"):
        query = query.where(Station.name.contains(args["q"], autoescape=True) | Station.address.contains(args["q"], autoescape=True))
    return query


@stations.get("/export")
@admin_required
@stations.arguments(StationExportQuery, location="query")
@stations.response(200, description="联络站名单 .xlsx，列与导入模板相同")
def export_stations(args):
    """导出联络站名单（.xlsx）：本人管理区域及其下级区域中、按筛选条件的联络站，列与导入模板相同（联络站名称、所属区域、
    类型、地址、纬度、经度、开放时间），可修改后重新导入（POST /stations/import）；原样导入不新增也不更新。
    只有区域管理员可以导出（与导入相同，联络站管理员 403）。记入操作日志。"""
    user = current_user()
    query = _filtered_stations(select(Station), args)
    if "closed" in args:
        query = query.where(Station.closed_dt.is_not(None) if args["closed"] else Station.closed_dt.is_(None))
    export = Export("联络站名单", "联络站名单", fallback="stations")
    station_roster(export, user, query)
    return export.send(user)


@stations.post("")
@region_admin_required
@idempotent
@stations.arguments(StationIn)
@stations.response(201, StationOut)
def create_station(data):
    return services.create_station(current_user(), data)


@stations.get("/<int:station_id>")
@stations.response(200, StationOut)
def get_station(station_id):
    return get_or_404(Station, station_id, "联络站不存在。")


@stations.patch("/<int:station_id>")
@admin_required
@stations.arguments(StationPatch)
@stations.response(200, StationOut)
def update_station(data, station_id):
    return services.update_station(current_user(), managed_station_or_404(station_id), data)


# --- deputies --------------------------------------------------------------------------------


def _public(deputy):
    return DeputyPublicOut().dump(deputy)


@deputies.get("")
@deputies.arguments(DeputyQuery, location="query")
@deputies.response(200, page_of(DeputyOut))
def list_deputies(args):
    """Everyone sees the public profiles of active deputies. An administrator also sees the deputies
    in their scope who left office, and those in scope in full; ``managed`` keeps only those."""
    user = current_user()
    is_admin = user is not None and user.is_admin
    query = select(Deputy).order_by(Deputy.id)
    if is_admin and args.get("managed"):
        query = query.where(deputy_scope_clause(user))
    elif is_admin:
        query = query.where(Deputy.active.is_(True) | deputy_scope_clause(user))
    else:
        query = query.where(Deputy.active.is_(True))
    if is_admin and "active" in args:
        query = query.where(Deputy.active == args["active"])
    page = paginate(_filtered(query, args).options(*deputy_listing()), args)
    page["items"] = [d if is_admin and manages_deputy(user, d) else _public(d) for d in page["items"]]
    return page


def _filtered(query, args):
    """The deputy list's filters (but 在任, which only administrators choose) on ``query``."""
    if "region_id" in args:
        region = get_or_404(Region, args["region_id"], "区域不存在。")
        query = query.where(region_subtree_clause(Deputy.region_id, region))
    if "station_id" in args:
        query = query.where(
            Deputy.id.in_(select(station_deputies.c.deputy_id).where(station_deputies.c.station_id == args["station_id"]))
        )
    if "level" in args:
        query = query.where(Deputy.level == args["level"])
    if args.get("group"):
        query = query.where(Deputy.group == args["group"])
    if args.get("q"):
        query = query.where(Deputy.name.contains(args["q"], autoescape=True))
    return query


@deputies.get("/export")
@admin_required
@deputies.arguments(DeputyExportQuery, location="query")
@deputies.response(200, description="代表名册 .xlsx，列与导入模板相同")
def export_deputies(args):
    """导出代表名册（.xlsx）：本人管理范围内、按筛选条件的代表，列与导入模板相同（姓名、层级、所属区域、手机号、联络站、
    代表小组、届次、状态），可修改后重新导入；原样导入不新增也不更新。区域管理员导出本区域及下级区域的代表，
    联络站管理员导出进驻本人所管联络站的代表；联络站一列只列本人管理范围内的联络站。记入操作日志。"""
    user = current_user()
    query = _filtered(select(Deputy), args)
    if "active" in args:
        query = query.where(Deputy.active == args["active"])
    export = Export("代表名册", "代表名册", fallback="deputies")
    deputy_roster(export, user, query)
    return export.send(user)


@deputies.post("")
@admin_required
@idempotent
@deputies.arguments(DeputyIn)
@deputies.response(201, DeputyOut)
def create_deputy(data):
    return services.create_deputy(current_user(), data)


@deputies.get("/<int:deputy_id>")
@deputies.response(200, DeputyOut)
def get_deputy(deputy_id):
    deputy = get_or_404(Deputy, deputy_id, "代表不存在。")
    if manages_deputy(current_user(), deputy):
        return deputy
    if not deputy.active:
        raise not_found("代表不存在。")
    return _public(deputy)


@deputies.patch("/<int:deputy_id>")
@admin_required
@deputies.arguments(DeputyPatch)
@deputies.response(200, DeputyOut)
def update_deputy(data, deputy_id):
    return services.update_deputy(current_user(), managed_deputy_or_404(deputy_id), data)
