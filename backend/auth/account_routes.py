"""Administrator accounts API: /admins (region administrators, within their scope; see auth.accounts)."""
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from schemas.admins import AdminIn, AdminOut, AdminPatch, AdminQuery, PasswordResetIn
from schemas.common import page_of

from ..extensions import Blueprint
from ..idempotency import idempotent
from ..org.models import Station
from ..pagination import paginate
from . import accounts
from .models import User
from .scope import current_user, roles_required

blp = Blueprint("admins", __name__, url_prefix="/api/v1/admins", description="管理员账号（区域管理员管理其范围内的账号）")

region_admin_required = roles_required("region_admin")


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
