"""联系清单 API: /liaisons/... for the region administrators of a congress, /me/liaisons for a deputy.

Who sees what: a liaison belongs to one region's congress; its administrators and those above manage it,
its deputies and its contacts; anyone else gets 404 there, and a caller who is no region administrator
403. A deputy reads who keeps in touch with them (names, kinds and duties — nobody's phone).
"""
from schemas.common import PageArgs, page_of
from schemas.liaisons import (
    AssignedDeputyOut,
    AssignedQuery,
    AssignOut,
    ContactIn,
    ContactOut,
    ContactQuery,
    DeputyIdsIn,
    LiaisonIn,
    LiaisonOut,
    LiaisonPatch,
    LiaisonQuery,
    MyLiaisonOut,
    SummaryOut,
    SummaryQuery,
)
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..auth.scope import (
    current_caller,
    current_user,
    get_or_404,
    login_required,
    managed_region,
    manages_region,
    region_subtree_clause,
    roles_required,
)
from ..errors import APIError, not_found
from ..extensions import Blueprint, db
from ..idempotency import idempotent
from ..org.models import DEPUTY_LEVEL_LABELS, Deputy, Region
from ..pagination import paginate
from . import services
from .models import Liaison, LiaisonContact, LiaisonDeputy

blp = Blueprint("liaisons", __name__, url_prefix="/api/v1/liaisons", description="联系清单")
my_liaisons = Blueprint("my_liaisons", __name__, url_prefix="/api/v1/me", description="登录与身份")

region_admin = roles_required("region_admin")
NOT_FOUND = "联系人不存在。"


def managed_or_404(liaison_id):
    liaison = get_or_404(Liaison, liaison_id, NOT_FOUND, options=(selectinload(Liaison.region),))
    if not manages_region(current_caller(), liaison.region):
        raise not_found(NOT_FOUND)
    return liaison


def scope_region(region_id):
    """The region a list is read for: the caller's own, or one in it (404 outside)."""
    caller = current_caller()
    if region_id is None:
        return caller.admin_region
    region = get_or_404(Region, region_id, "区域不存在。")
    if not manages_region(caller, region):
        raise not_found("区域不存在。")
    return region


def present(liaison, deputies=None):
    return {"id": liaison.id, "region_id": liaison.region_id, "region_name": liaison.region.name, "name": liaison.name,
            "kind": liaison.kind.value, "kind_label": liaison.kind_label, "title": liaison.title,
            "active": liaison.active,
            "deputies": services.assigned_count(liaison) if deputies is None else deputies}


def present_contact(contact, liaison_name, deputy_name, entered_by):
    return {"id": contact.id, "liaison_id": contact.liaison_id, "liaison_name": liaison_name,
            "deputy_id": contact.deputy_id, "deputy_name": deputy_name, "date": contact.contact_date,
            "way": contact.way.value, "way_label": contact.way_label, "summary": contact.summary,
            "opinions": contact.opinions, "created_by_name": entered_by or "", "created_at": contact.created_dt}


def present_assigned(row):
    deputy, region_name, contacts, last = row
    return {"id": deputy.id, "name": deputy.name, "level": deputy.level.value,
            "level_label": DEPUTY_LEVEL_LABELS[deputy.level.value], "region_name": region_name,
            "active": deputy.active, "contacts": int(contacts), "last_contact_date": last}


# --- liaisons ------------------------------------------------------------------------------------------


@blp.get("")
@region_admin
@blp.arguments(LiaisonQuery, location="query")
@blp.response(200, page_of(LiaisonOut))
def list_liaisons(args):
    """联系人列表：所管区域（含下级）人大的常委会组成人员和专门委员会，含在任的联系代表数。"""
    region = scope_region(args.get("region_id"))
    query = (select(Liaison).where(region_subtree_clause(Liaison.region_id, region))
             .options(selectinload(Liaison.region)).order_by(Liaison.active.desc(), Liaison.kind, Liaison.name, Liaison.id))
    if "kind" in args:
        query = query.where(Liaison.kind == args["kind"])
    if "active" in args:
        query = query.where(Liaison.active.is_(args["active"]))
    if args.get("q"):
        query = query.where(or_(Liaison.name.contains(args["q"], autoescape=True),
                                Liaison.title.contains(args["q"], autoescape=True)))
    page = paginate(query, args)
    ids = [liaison.id for liaison in page["items"]]
    counts = dict(db.session.execute(
        select(LiaisonDeputy.liaison_id, func.count()).join(Deputy, Deputy.id == LiaisonDeputy.deputy_id)
        .where(LiaisonDeputy.liaison_id.in_(ids), Deputy.active.is_(True))
        .group_by(LiaisonDeputy.liaison_id)).all()) if ids else {}
    return {**page, "items": [present(liaison, counts.get(liaison.id, 0)) for liaison in page["items"]]}


@blp.post("")
@region_admin
@idempotent
@blp.arguments(LiaisonIn)
@blp.response(201, LiaisonOut)
def create_liaison(data):
    """新增联系人：常委会组成人员（member）或专门委员会（committee），属于所管区域（默认本人所管区域）的人大。"""
    region = managed_region(current_caller(), data.get("region_id"))
    return present(services.create_liaison(region, data, current_user()), 0)


@blp.get("/<int:liaison_id>")
@region_admin
@blp.response(200, LiaisonOut)
def get_liaison(liaison_id):
    """联系人详情。"""
    return present(managed_or_404(liaison_id))


@blp.patch("/<int:liaison_id>")
@region_admin
@blp.arguments(LiaisonPatch)
@blp.response(200, LiaisonOut)
def update_liaison(data, liaison_id):
    """修改联系人：姓名（名称）、类型、职务，或停用（active=false）/ 启用。"""
    liaison = managed_or_404(liaison_id)
    services.update_liaison(liaison, data, current_user())
    return present(liaison)


@blp.delete("/<int:liaison_id>")
@region_admin
@blp.response(204)
def delete_liaison(liaison_id):
    """删除联系人：只限没有联系记录的；已有联系记录的请停用（409）。"""
    services.delete_liaison(managed_or_404(liaison_id), current_user())


# --- their deputies ---------------------------------------------------------------------------------------


@blp.get("/<int:liaison_id>/deputies")
@region_admin
@blp.arguments(AssignedQuery, location="query")
@blp.response(200, page_of(AssignedDeputyOut))
def list_assigned(args, liaison_id):
    """联系代表名单：在任的在前，含当年联系次数和最近联系日期；uncontacted=true 只列当年尚未联系的在任代表。"""
    liaison = managed_or_404(liaison_id)
    query = services.assigned_query(liaison, args.get("year") or services.this_year(), args["uncontacted"])
    page = paginate(query, args, rows=True)
    return {**page, "items": [present_assigned(row) for row in page["items"]]}


@blp.post("/<int:liaison_id>/deputies")
@region_admin
@blp.arguments(DeputyIdsIn)
@blp.response(200, AssignOut)
def assign_deputies(data, liaison_id):
    """安排联系代表（批量）：已安排的不重复；有代表不属于本级人大联系范围或已离任时整批不安排，并列出这些代表。"""
    liaison = managed_or_404(liaison_id)
    added = services.assign(liaison, data["deputy_ids"], current_user())
    return {"added": added, "removed": 0, "deputies": services.assigned_count(liaison)}


@blp.post("/<int:liaison_id>/deputies/remove")
@region_admin
@blp.arguments(DeputyIdsIn)
@blp.response(200, AssignOut)
def unassign_deputies(data, liaison_id):
    """取消联系代表（批量）：已有的联系记录保留；不在名单中的忽略。"""
    liaison = managed_or_404(liaison_id)
    removed = services.unassign(liaison, data["deputy_ids"], current_user())
    return {"added": 0, "removed": removed, "deputies": services.assigned_count(liaison)}


# --- contacts --------------------------------------------------------------------------------------------


@blp.post("/<int:liaison_id>/contacts")
@region_admin
@idempotent
@blp.arguments(ContactIn)
@blp.response(201, ContactOut)
def record_contact(data, liaison_id):
    """登记联系记录：联系名单中的在任代表，联系日期不晚于今天；方式为走访、座谈、电话、书面或网络。记录不能修改，有误请删除后重新登记。"""
    liaison = managed_or_404(liaison_id)
    user = current_user()
    contact = services.record_contact(liaison, data, user)
    return present_contact(contact, liaison.name, contact.deputy.name, user.display_name or user.username)


@blp.get("/contacts")
@region_admin
@blp.arguments(ContactQuery, location="query")
@blp.response(200, page_of(ContactOut))
def list_contacts(args):
    """联系记录：所管区域人大的联系人的联系记录，新的在前；可按联系人、代表、年份或起止日期筛选。"""
    if args.get("liaison_id"):
        managed_or_404(args["liaison_id"])
    page = paginate(services.contacts_query(current_caller().admin_region, args), args, rows=True)
    return {**page, "items": [present_contact(*row) for row in page["items"]]}


@blp.delete("/contacts/<int:contact_id>")
@region_admin
@blp.response(204)
def delete_contact(contact_id):
    """删除联系记录（更正的唯一方式：删除后重新登记），记入操作日志。"""
    contact = get_or_404(LiaisonContact, contact_id, "联系记录不存在。")
    if not manages_region(current_caller(), contact.liaison.region):
        raise not_found("联系记录不存在。")
    services.delete_contact(contact, current_user())


# --- the year's figures ----------------------------------------------------------------------------------


@blp.get("/summary")
@region_admin
@blp.arguments(SummaryQuery, location="query")
@blp.response(200, SummaryOut)
def summary(args):
    """年度联系情况：每位联系人在任的联系代表数、当年已联系代表数、联系次数和联系率（已联系 ÷ 联系代表数）。"""
    region = scope_region(args.get("region_id"))
    year = args.get("year") or services.this_year()
    page = paginate(services.liaisons_query(region), args, rows=True)
    return {**page, "year": year, "items": services.with_figures(page["items"], year)}


# --- a deputy ---------------------------------------------------------------------------------------------


@my_liaisons.get("/liaisons")
@login_required
@my_liaisons.arguments(PageArgs, location="query")
@my_liaisons.response(200, page_of(MyLiaisonOut))
def list_my_liaisons(args):
    """联系我的人大常委会组成人员和专门委员会（代表本人）：姓名、类型、职务；不含任何人的电话。"""
    caller = current_caller()
    if "deputy" not in caller.roles:
        raise APIError(403, "forbidden", "只有人大代表可以查看联系自己的常委会组成人员和专门委员会。")
    page = paginate(services.liaisons_of_deputy(caller.deputy_id), args, rows=True)
    return {**page, "items": [{"id": liaison.id, "name": liaison.name, "kind": liaison.kind.value,
                               "kind_label": liaison.kind_label, "title": liaison.title,
                               "congress_name": services.congress_name(region_name)}
                              for liaison, region_name in page["items"]]}

