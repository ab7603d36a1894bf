"""联系清单 in the console, for the region administrators of a congress: the year's figures of every liaison
(常委会组成人员, 专门委员会) of their region and below, exported to Excel; a new liaison; a liaison's page
(edited, 停用 or deleted, deputies given to them by the deputy picker or taken off, a contact recorded, the
contacts listed and a wrong one deleted). The same services as the API, the same refusals."""
from flask import flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from schemas.liaisons import ContactIn, DeputyIdsIn, LiaisonIn, LiaisonPatch, SummaryQuery

from ..auth.scope import get_by_id, manages_region
from ..errors import APIError, not_found
from ..extensions import db
from ..forms import load_checked, number_or_text, parse_int
from ..liaisons import services
from ..pagination import paginate
from ..liaisons.models import KIND_LABELS, WAY_LABELS, Liaison, LiaisonContact, LiaisonDeputy
from ..org import congress
from ..org.models import DEPUTY_LEVEL_LABELS, Deputy, Region
from ..org.names import by_pinyin
from . import bp
from .activities import PICKER_LIMIT, deputy_options, selected_deputies
from .exports import Export
from .form_errors import refused_form
from .pages import (
    PER_PAGE,
    console_page,
    is_region_admin,
    listing_page,
    managed_regions,
    reraise_unless_form_error,
    year_asked,
)
from .suggestions import scoped_stations

FORM_FIELDS = ("region_id", "kind", "name", "title")  # in page order
CONTACT_FIELDS = ("deputy_id", "date", "way", "summary", "opinions")
LABELS = {"region_id": "人大（区域）", "name": "姓名或名称", "kind": "类型", "title": "职务", "deputy_ids": "联系代表",
          "deputy_id": "代表", "date": "联系日期", "way": "联系方式", "summary": "联系情况", "opinions": "代表反映的意见建议",
          "year": "年度"}
YEAR_LABEL = {"year": "年度"}  # the pages read with ?year= (a wrong one is refused naming it)
ASSIGNED_PER_PAGE = 50
CONTACTS_PER_PAGE = 30
CONTACT_CHOICES = 500  # deputies the 登记联系 form offers (a committee has about 50)


def _region_admin_only():
    if not is_region_admin(g.user):
        raise APIError(403, "forbidden", "联系清单由人大常委会的区域管理员维护，联络站管理员无需办理。")


def _liaison(liaison_id):
    liaison = get_by_id(Liaison, liaison_id)
    if liaison is None or not manages_region(g.user, liaison.region):
        raise not_found("联系人不存在，或不在您的管理范围内。")
    return liaison


# --- the list: the year's figures ------------------------------------------------------------------------


def _list_page(values=None):
    year = year_asked(SummaryQuery, services.this_year())
    page = listing_page(services.liaisons_query(g.user.admin_region), PER_PAGE, rows=True)
    this_year = services.this_year()
    return dict(page=page, rows=services.with_figures(page["items"], year), year=year,
                years=list(range(this_year, this_year - 6, -1)), kind_labels=KIND_LABELS,
                regions=_committees(), values=values or {})


def _committees():
    """The regions a liaison may be added for: those managed whose congress has a standing committee
    (county level and up: org.congress.has_standing_committee)."""
    regions = managed_regions(g.user)
    with_committee = set(db.session.scalars(select(Region.id).where(
        Region.id.in_([r["id"] for r in regions]), congress.standing_committee_clause())))
    return [r for r in regions if r["id"] in with_committee]


@bp.get("/liaisons")
@console_page(labels=YEAR_LABEL)
def liaisons():
    _region_admin_only()
    return render_template("console/liaisons.html", **_list_page())


def _liaison_form(form, patch=False):
    data = {"name": form.get("name", ""), "kind": form.get("kind", ""), "title": form.get("title", "")}
    errors = {} if data["kind"] else {"kind": ["请选择类型：常委会组成人员或专门委员会。"]}
    if patch:
        data["active"] = form.get("active") == "1"
        return load_checked(LiaisonPatch(), data, errors)
    data["region_id"] = number_or_text(form["region_id"]) if form.get("region_id") else g.user.admin_region_id
    return load_checked(LiaisonIn(), data, errors)


@bp.post("/liaisons")
@console_page("console.liaisons")
def liaison_new():
    _region_admin_only()
    try:
        data = _liaison_form(request.form)
        region = get_by_id(Region, data["region_id"])
        if region is None or not manages_region(g.user, region):
            raise APIError(422, "validation_failed", "请选择您管理的区域。", {"region_id": ["请选择您管理的区域。"]})
        liaison = services.create_liaison(region, data, g.user)
    except (APIError, ValidationError) as exc:
        reraise_unless_form_error(exc)
        return refused_form("console/liaisons.html", exc, FORM_FIELDS, LABELS, read_after=lambda: _list_page(request.form))
    flash(f"已新增联系人“{liaison.name}”，请为其安排联系代表。", "success")
    return redirect(url_for("console.liaison", liaison_id=liaison.id))


@bp.get("/liaisons/export.xlsx")
@console_page("console.liaisons", labels=YEAR_LABEL)
def liaisons_export():
    """The year's figures of every liaison in scope, as on the list (every page of it)."""
    _region_admin_only()
    year = year_asked(SummaryQuery, services.this_year())
    region = g.user.admin_region
    export = Export("联系清单", f"联系清单-{year}", fallback=f"liaisons-{year}")
    export.sheet(f"{year}年联系清单", ["联系人", "类型", "职务", "人大", "状态", "联系代表数（在任）",
                 f"{year}年已联系代表数", f"{year}年联系次数", "联系率"], (
        (r["name"], r["kind_label"], r["title"], f"{r['region_name']}人大常委会", "在用" if r["active"] else "已停用",
         r["assigned"], r["contacted"], r["contacts"],
         "" if r["contact_rate"] is None else f"{r['contact_rate'] * 100:.1f}%")
        for r in services.summary_rows(region, year)), widths={"联系人": 24, "职务": 20, "人大": 20},
        total=services.liaisons_query(region))
    return export.send()


# --- a liaison's page ------------------------------------------------------------------------------------


def _contact_choices(liaison):
    """The deputies in office given to the liaison, for 登记联系 (按姓氏拼音; a committee has about 50)."""
    rows = db.session.execute(
        select(Deputy.id, Deputy.name).join(LiaisonDeputy, LiaisonDeputy.deputy_id == Deputy.id)
        .where(LiaisonDeputy.liaison_id == liaison.id, Deputy.active.is_(True))
        .order_by(Deputy.name, Deputy.id).limit(CONTACT_CHOICES)).all()
    return by_pinyin(rows)


def _page(liaison, values=None, contact_values=None, chosen=()):
    year = year_asked(SummaryQuery, services.this_year())
    assigned = listing_page(services.assigned_query(liaison, year), ASSIGNED_PER_PAGE, rows=True)
    # Its own page number (``cpage``): the two lists of the page turn apart.
    contacts = paginate(services.contacts_query(liaison.region, {"liaison_id": liaison.id}),
                        {"page": parse_int(request.args.get("cpage"), 1, 100000) or 1, "per_page": CONTACTS_PER_PAGE},
                        rows=True)
    return dict(
        liaison=liaison, year=year, assigned=assigned, contacts=contacts, kind_labels=KIND_LABELS,
        way_labels=WAY_LABELS, level_labels=DEPUTY_LEVEL_LABELS, choices=_contact_choices(liaison),
        values=values or {"name": liaison.name, "kind": liaison.kind.value, "title": liaison.title,
                          "active": "1" if liaison.active else ""},
        contact_values=contact_values or {"date": services.today().isoformat(), "way": "visit"},
        today=services.today().isoformat(), chosen=list(chosen), options=deputy_options(g.user, liaison=liaison),
        stations=scoped_stations(g.user), picker_limit=PICKER_LIMIT, total=services.assigned_count(liaison),
    )


@bp.get("/liaisons/<int:liaison_id>")
@console_page("console.liaisons", labels=YEAR_LABEL)
def liaison(liaison_id):
    _region_admin_only()
    return render_template("console/liaison.html", **_page(_liaison(liaison_id)))


@bp.post("/liaisons/<int:liaison_id>/edit")
@console_page("console.liaisons")
def liaison_edit(liaison_id):
    _region_admin_only()
    liaison = _liaison(liaison_id)
    try:
        changes = services.update_liaison(liaison, _liaison_form(request.form, patch=True), g.user)
    except (APIError, ValidationError) as exc:
        reraise_unless_form_error(exc)
        return refused_form("console/liaison.html", exc, FORM_FIELDS, LABELS,
                            read_after=lambda: _page(_liaison(liaison_id), values=request.form))
    if not changes:
        flash("没有需要保存的修改。", "message")
    elif "active" in changes:
        flash(f"已{'启用' if liaison.active else '停用'}联系人“{liaison.name}”。", "success")
    else:
        flash(f"已保存联系人“{liaison.name}”。", "success")
    return redirect(url_for("console.liaison", liaison_id=liaison.id))


@bp.post("/liaisons/<int:liaison_id>/delete")
@console_page("console.liaisons")
def liaison_delete(liaison_id):
    _region_admin_only()
    liaison = _liaison(liaison_id)
    name = liaison.name
    services.delete_liaison(liaison, g.user)
    flash(f"已删除联系人“{name}”。", "success")
    return redirect(url_for("console.liaisons"))


def _ticked(name="deputy_ids"):
    return [number_or_text(value) for value in request.form.getlist(name) if value.strip()]


@bp.post("/liaisons/<int:liaison_id>/deputies")
@console_page("console.liaisons")
def liaison_assign(liaison_id):
    _region_admin_only()
    liaison = _liaison(liaison_id)
    try:
        data = load_checked(DeputyIdsIn(), {"deputy_ids": _ticked()},
                            {} if request.form.getlist("deputy_ids") else {"deputy_ids": ["请至少选择一位代表。"]})
        added = services.assign(liaison, data["deputy_ids"], g.user)
    except (APIError, ValidationError) as exc:
        reraise_unless_form_error(exc)
        return refused_form("console/liaison.html", exc, ("deputy_ids",), LABELS, read_after=lambda: _page(
            _liaison(liaison_id), chosen=selected_deputies(g.user, [parse_int(v) for v in request.form.getlist("deputy_ids")])))
    flash(f"已安排 {added} 位联系代表。" if added else "所选代表都已在联系名单中。", "success" if added else "message")
    return redirect(url_for("console.liaison", liaison_id=liaison.id))


@bp.post("/liaisons/<int:liaison_id>/deputies/remove")
@console_page("console.liaisons")
def liaison_unassign(liaison_id):
    _region_admin_only()
    liaison = _liaison(liaison_id)
    ids = [i for i in (parse_int(v) for v in request.form.getlist("deputy_ids")) if i]
    if not ids:
        flash("请勾选要取消联系的代表。", "error")
        return redirect(url_for("console.liaison", liaison_id=liaison.id))
    removed = services.unassign(liaison, ids, g.user)
    flash(f"已取消 {removed} 位代表的联系安排，已有的联系记录保留。", "success")
    return redirect(url_for("console.liaison", liaison_id=liaison.id))


@bp.post("/liaisons/<int:liaison_id>/contacts")
@console_page("console.liaisons")
def liaison_contact(liaison_id):
    _region_admin_only()
    liaison = _liaison(liaison_id)
    form = request.form
    try:
        errors = {} if form.get("deputy_id") else {"deputy_id": ["请选择联系的代表。"]}
        if not form.get("date"):
            errors["date"] = ["请填写联系日期。"]
        data = load_checked(ContactIn(), {
            "deputy_id": number_or_text(form.get("deputy_id", "")), "date": form.get("date", ""), "way": form.get("way", ""), "summary": form.get("summary", ""),
            "opinions": form.get("opinions", "")}, errors)
        contact = services.record_contact(liaison, data, g.user)
    except (APIError, ValidationError) as exc:
        reraise_unless_form_error(exc)
        return refused_form("console/liaison.html", exc, CONTACT_FIELDS, LABELS,
                            read_after=lambda: _page(_liaison(liaison_id), contact_values=form))
    flash(f"已登记与{contact.deputy.name}的联系（{WAY_LABELS[contact.way.value]}，{contact.contact_date.isoformat()}）。",
          "success")
    return redirect(url_for("console.liaison", liaison_id=liaison.id) + "#contacts")


@bp.post("/liaisons/contacts/<int:contact_id>/delete")
@console_page("console.liaisons")
def liaison_contact_delete(contact_id):
    _region_admin_only()
    contact = get_by_id(LiaisonContact, contact_id)
    if contact is None:
        raise not_found("联系记录不存在。")
    liaison = _liaison(contact.liaison_id)
    services.delete_contact(contact, g.user)
    flash("已删除该联系记录（已记入操作日志）。如有误，请重新登记。", "success")
    return redirect(url_for("console.liaison", liaison_id=liaison.id) + "#contacts")

