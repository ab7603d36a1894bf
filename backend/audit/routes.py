"""操作日志 API: GET /audit-events, the events the administrator's scope allows (backend.audit.listing)."""
from schemas.audit import AuditEventOut, AuditQuery
from schemas.common import page_of

from ..auth.scope import admin_required, current_caller
from ..extensions import Blueprint
from ..pagination import paginate
from . import listing

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit-events", description="操作日志（管理员的登录、账号、数据修改与导出等操作）")


@blp.get("")
@admin_required
@blp.arguments(AuditQuery, location="query")
@blp.response(200, page_of(AuditEventOut))
def list_events(args):
    """操作日志，按时间倒序：区域管理员看本区域及下级区域的记录（根区域管理员看全部），联络站管理员只看本人的操作和针对本账号的操作。"""
    filters = listing.filters_of(args.get("action"), args.get("who", ""), args.get("date_from"), args.get("date_to"),
                                 args.get("target", ""))
    page = paginate(listing.events_query(current_caller(), filters), args)
    page["items"] = [listing.event_out(event) for event in page["items"]]
    return page
