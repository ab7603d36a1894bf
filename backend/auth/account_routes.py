"""Administrator accounts API: /admins (region administrators, within their scope; see auth.accounts)."""
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from werkzeug.exceptions import RequestEntityTooLarge

from schemas.admins import (
    AdminExportQuery, AdminImportIn, AdminImportResultOut, AdminIn, AdminOut, AdminPatch, AdminQuery, PasswordResetIn,
)
from schemas.common import ErrorSchema, page_of

from ..errors import api_error_response
from ..extensions import Blueprint, db
from ..idempotency import idempotent
from ..org.models import Station
from ..pagination import paginate
from ..org import importer
from . import account_importer, accounts
from .models import User
from .scope import current_user, roles_required

blp = Blueprint("admins", __name__, url_prefix="/api/v1/admins", description="管理员账号（区域管理员管理其范围内的账号）")

region_admin_required = roles_required("region_admin")


@blp.errorhandler(RequestEntityTooLarge)
def file_too_large(exc):
    return api_error_response(importer.too_large())


def account_listing():
    """What a listed account shows, loaded with the page: its region, its stations and their regions
    (whether the viewer manages the account is decided on them)."""
    return joinedload(User.admin_region), selectinload(User.admin_stations).joinedload(Station.region)


def account_query(actor, q=""):
    """The accounts ``actor`` sees, those matching ``q`` (name or username), in username order."""
    query = select(User).where(accounts.account_scope_clause(actor))
    if q:
        query = query.where(or_(User.username.contains(q, autoescape=True),
                                User.display_name.contains(q, autoescape=True)))
    return query.order_by(User.username, User.id).options(*account_listing())


def account_out(actor, user):
    return {
        "id": user.id, "username": user.username, "display_name": user.display_name,
        "roles": [role for role in user.roles if role in ("station_admin", "region_admin")],
        "region": {"id": user.admin_region.id, "name": user.admin_region.name} if user.admin_region else None,
        "stations": [{"id": s.id, "name": s.name} for s in sorted(user.admin_stations, key=lambda s: s.id)],
        "disabled": user.disabled_dt is not None, "disabled_at": user.disabled_dt,
        "last_login_at": user.last_login_dt, "created_at": user.created_dt,
        "manageable": user.id != actor.id and accounts.refusal(actor, user) is None,
    }


@blp.get("")
@region_admin_required
@blp.arguments(AdminQuery, location="query")
@blp.response(200, page_of(AdminOut))
def list_admins(args):
    """管理员账号列表：本人所管区域及其下级区域的区域管理员、所管联络站的联络站管理员；可按姓名或用户名搜索。"""
    actor = current_user()
    page = paginate(account_query(actor, args.get("q", "")), args)
    page["items"] = [account_out(actor, user) for user in page["items"]]
    return page


@blp.post("")
@region_admin_required
@idempotent
@blp.arguments(AdminIn)
@blp.response(201, AdminOut)
def create_admin(data):
    """新建管理员账号：联络站管理员（station_ids）或下级区域的区域管理员（region_id）。用户名已存在时 409。"""
    actor = current_user()
    return account_out(actor, accounts.create_account(actor, data))


@blp.get("/<int:user_id>")
@region_admin_required
@blp.response(200, AdminOut)
def get_admin(user_id):
    actor = current_user()
    return account_out(actor, accounts.account_or_404(actor, user_id))


@blp.patch("/<int:user_id>")
@region_admin_required
@blp.arguments(AdminPatch)
@blp.response(200, AdminOut)
def update_admin(data, user_id):
    """修改姓名、所管联络站或区域，停用（disabled: true，该账号的登录随即失效）或启用。不能停用或调整自己。"""
    actor = current_user()
    return account_out(actor, accounts.update_account(actor, accounts.account_or_404(actor, user_id), data))


@blp.post("/<int:user_id>/password")
@region_admin_required
@blp.arguments(PasswordResetIn)
@blp.response(204)
def reset_admin_password(data, user_id):
    """重置密码：该账号此前在管理后台和接口的登录全部失效。"""
    actor = current_user()
    accounts.reset_password(actor, accounts.account_or_404(actor, user_id), data["password"])


@blp.post("/import")
@region_admin_required
@blp.arguments(AdminImportIn, location="files")
@blp.response(200, AdminImportResultOut)
@blp.alt_response(413, schema=ErrorSchema, description="文件超过大小上限（payload_too_large）")
@blp.alt_response(415, schema=ErrorSchema, description="不是 .xlsx 或 .csv 文件（unsupported_media）")
def import_admins(files):
    """导入管理员账号（.xlsx 或 .csv）：按登录名新建或更新本人管理范围内的管理员账号，逐行报告有误的行。

    列：姓名、登录名、角色（必填：联络站管理员/站点管理员或区域管理员），所属联络站（联络站管理员，多个用顿号分隔）、
    所属区域（区域管理员）、状态（在用/停用）。每行按新建（POST /admins）或修改（PATCH /admins/{id}）管理员账号的规则检查。
    新账号的一次性初始密码只在本次结果的 passwords 中返回一次，首次登录须修改；已有账号不重置密码，
    同一文件重复导入不会产生变化。只有区域管理员可以导入（联络站管理员 403）。
    """
    actor, upload = current_user(), files["file"]
    return account_importer.import_admins(actor, account_importer.scope_of(actor), upload.read(),
                                          file_name=upload.filename or "")


@blp.get("/export")
@region_admin_required
@blp.arguments(AdminExportQuery, location="query")
@blp.response(200, description="管理员名单 .xlsx，列与导入模板相同（不含密码）")
def export_admins(args):
    """导出管理员名单（.xlsx）：本人能看到的管理员账号（可按姓名或用户名筛选），列与导入模板相同（姓名、登录名、角色、
    所属联络站、所属区域、状态），不含密码；可修改后重新导入（POST /admins/import），原样导入不新增也不更新。
    未分配联络站或区域的账号不导出。记入操作日志。"""
    actor = current_user()
    export = admin_roster_export(actor, account_query(actor, args.get("q", "")))
    return export.send(actor)


def admin_roster_export(actor, query):
    """The 管理员名单 export of the accounts ``query`` selects (those ``actor`` sees), as the import reads it."""
    from ..console.exports import Export

    scope = account_importer.scope_of(actor, "导出管理员名单")
    export = Export("管理员名单", "管理员名单", fallback="admins")
    export.sheet(account_importer.ADMINS.register, [c.header for c in account_importer.COLUMNS],
                 account_importer.roster_rows(actor, scope, db.session.scalars(query)),
                 widths=account_importer._TEMPLATE_WIDTHS, total=query)
    return export
