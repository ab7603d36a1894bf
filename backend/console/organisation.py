"""Console pages for stations and deputies: lists with search, new and edit forms, QR images and
posters, replacing or withdrawing a printed code, a zip of every poster in a region, and the deputy
and station imports with their row-by-row error reports.

Everything goes through the same domain code as the API: org.services for edits (validated by the
API's PATCH schemas), qr.render/targets for images, org.importer and org.station_importer for the
spreadsheets.
"""
import logging
import re
import secrets
import zipfile
from urllib.parse import quote

from flask import Response, flash, g, jsonify, redirect, render_template, request, stream_with_context, url_for
from marshmallow import ValidationError
from sqlalchemy import case, exists, false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.exceptions import RequestEntityTooLarge

from schemas.org import DeputyIn, DeputyPatch, StationIn, StationPatch

from ..audit.log import record_export
from ..auth.models import User, mask_phone
from ..auth.services import unbound_users_count
from ..auth.scope import (
    deputy_scope_clause,
    managed_deputy_or_404,
    managed_region_or_404,
    managed_station_or_404,
    manages_deputy,
    manages_region,
    manages_station,
    owned_deputy_or_404,
    owns_deputy,
    region_subtree_clause,
    station_scope_clause,
)
from ..errors import APIError, http_exception_response, not_found
from ..extensions import cache, db
from ..forms import load_checked, noted, parse_int
from ..org import importer, services, station_importer
from ..org.models import (
    DEPUTY_LEVEL_LABELS,
    STATION_KIND_LABELS,
    Deputy,
    Region,
    Station,
    deputy_listing,
    full_names,
    station_admins,
    station_deputies,
    station_deputies_listed,
    station_listing,
)
from ..qr import render, targets
from ..qr.models import QRKind
from ..qr.services import qr_url
from . import bp
from .activities import PICKER_LIMIT, deputy_options, selected_deputies
from .drawn import check_drawn
from .form_errors import error_lines, refused_form
from .pages import PER_PAGE, console_page, is_region_admin, listing_page, managed_regions, query_text
from .suggestions import scoped_stations

POSTER_KINDS = {"deputies": "代表", "stations": "联络站"}  # posters.zip?kind=: one kind alone, named so
POSTER_ZIP_LIMIT = 2000  # posters in one download; a larger region is offered in parts (第1部分/共N部分)
IMPORT_ERRORS_SHOWN = 1000
IMPORT_REPORT_SECONDS = 3600  # a whole error report longer than the page is kept this long for its download
log = logging.getLogger(__name__)
DEPUTY_LABELS = {"name": "姓名"}  # the shared labels call a name 名称 (stations, rules)
# The forms' fields, in page order (console/org_macros.html): a refused one shows its message under it.
STATION_FIELDS = ("name", "kind", "region_id", "address", "lat", "lng", "open_hours", "description", "deputy_ids")
DEPUTY_FIELDS = ("name", "level", "region_id", "term", "group", "phone", "active", "bio", "station_ids")


def _like(column, q):
    return column.contains(q, autoescape=True)


def _text(form, key):
    return form.get(key, "").strip()


def _float_or_none(value):
    value = (value or "").strip()
    return value or None


def _int_list(values, field):
    ids = []
    for value in values:
        number = parse_int(value)
        if number is None:
            raise ValidationError({field: ["编号无效。"]})
        ids.append(number)
    return list(dict.fromkeys(ids))


def _region_change(form, user, current_region_id, data):
    """A region admin may move a station or deputy to another region; station admins cannot."""
    if is_region_admin(user) and form.get("region_id"):
        region_id = parse_int(form.get("region_id"))
        if region_id is None:
            raise ValidationError({"region_id": ["请选择区域。"]})
        if region_id != current_region_id:
            data["region_id"] = region_id


def _link_change(form, field, current, manages, data):
    """The ticked links replace the ones the admin manages; links outside the admin's scope stay as they are."""
    chosen = _int_list(form.getlist(field), field)
    managed_now = [obj.id for obj in current if manages(obj)]
    if set(chosen) != set(managed_now):
        data[field] = chosen


def attachment(filename, fallback):
    """A download's Content-Disposition: its Chinese name (RFC 5987) and an ASCII one for older clients."""
    return f"attachment; filename={fallback}; filename*=UTF-8''{quote(filename)}"


def _chosen_region(form):
    region_id = parse_int(form.get("region_id"))
    if region_id is None:
        raise ValidationError({"region_id": ["请选择所属区域。"]})
    return region_id


def _region_admin_only(what):
    """Stations are created by region administrators (a station's own staff edit them)."""
    if not is_region_admin(g.user):
        raise APIError(403, "forbidden", f"只有区域管理员可以{what}。")
    return g.user


# --- stations ----------------------------------------------------------------------------------


def unstaffed_station_clause():
    """SQL: the station has no administrator whose account is in use (``Station.serving_admins`` is empty),
    so that an item filed at its code waits for dispatch with nobody told of it: 无管理员. A closed (停用)
    station takes no items: it lacks nothing."""
    return Station.closed_dt.is_(None) & ~exists().where(
        station_admins.c.station_id == Station.id, station_admins.c.user_id == User.id, User.disabled_dt.is_(None))


def unstaffed_station_count(user):
    """How many of the stations ``user`` manages have no administrator (the 工作台's 无管理员联络站)."""
    return db.session.scalar(select(func.count()).select_from(Station).where(
        station_scope_clause(user), unstaffed_station_clause()))


def unlocated_station_clause():
    """SQL: the station has no coordinates, so 附近的联络站 never offers it: 无坐标 (a closed one it never offers)."""
    return Station.closed_dt.is_(None) & or_(Station.lat.is_(None), Station.lng.is_(None))


def stationless_deputy_clause():
    """SQL: the deputy is at no station, so no station's code and no station's list leads to them."""
    return ~exists().where(station_deputies.c.deputy_id == Deputy.id)


def onboarding_gaps(user):
    """What the base still lacks in a region administrator's scope (the 工作台's 待完善的基础信息): stations
    without coordinates, stations without an administrator, deputies in office at no station."""
    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    stations = db.session.execute(select(count(unlocated_station_clause()).label("unlocated"),
                                         count(unstaffed_station_clause()).label("unstaffed"))
                                  .where(station_scope_clause(user))).one()
    # A deputy at no station is in scope only as elected in the region (deputy_scope_clause's other way is a
    # station of it): the region's deputies alone, not a test of each against the station links of the scope
    # (233 ms for a province's 140,000 deputies).
    stationless = db.session.scalar(select(func.count()).select_from(Deputy).where(
        region_subtree_clause(Deputy.region_id, user.admin_region), Deputy.active.is_(True),
        stationless_deputy_clause()))
    return {"unlocated_stations": int(stations.unlocated), "unstaffed_stations": int(stations.unstaffed),
            "stationless_deputies": stationless}


@bp.get("/stations")
@console_page()
def stations():
    user = g.user
    query, filters = station_list_query(user)
    page = listing_page(query.order_by(Station.region_id, Station.id).options(*station_listing()), PER_PAGE)
    return render_template(
        "console/stations.html", page=page, regions=managed_regions(user), kind_labels=STATION_KIND_LABELS,
        can_create=is_region_admin(user), poster_zip_limit=POSTER_ZIP_LIMIT, **filters,
    )


def station_list_query(user):
    """The stations the list shows (and its export holds) for the page's filters: (select, the filters as the
    page shows them)."""
    q = query_text("q", 100)
    region_id = parse_int(request.args.get("region_id"))
    query = select(Station).where(station_scope_clause(user))
    if q:
        query = query.where(or_(_like(Station.name, q), _like(Station.address, q)))
    region = db.session.get(Region, region_id) if region_id else None
    if region is not None:
        query = query.where(region_subtree_clause(Station.region_id, region))
    no_admin = request.args.get("no_admin") == "1"
    if no_admin:
        query = query.where(unstaffed_station_clause())
    no_location = request.args.get("no_location") == "1"
    if no_location:
        query = query.where(unlocated_station_clause())
    closed = request.args.get("closed", "")  # "1": 只看已停用的, "0": 只看在用的, else all
    if closed in ("0", "1"):
        query = query.where(Station.closed_dt.is_not(None) if closed == "1" else Station.closed_dt.is_(None))
    return query, {"q": q, "region_id": region_id or "", "no_admin": no_admin, "no_location": no_location,
                   "closed": closed}


@bp.post("/stations/<int:station_id>/close")
@console_page("console.stations")
def station_close(station_id):
    """停用联络站 (the page asks first): refused, with what to do, while items wait at it."""
    return _station_closed(station_id, True)


@bp.post("/stations/<int:station_id>/reopen")
@console_page("console.stations")
def station_reopen(station_id):
    return _station_closed(station_id, False)


def _station_closed(station_id, closed):
    station = managed_station_or_404(station_id)
    try:
        check_drawn(station)  # drawn before a colleague's 停用 or 重新启用: never undo it unseen
    except APIError as exc:
        return refused_form("console/station_edit.html", exc, (),
                            read_after=lambda: _station_page(station, _station_values(station)))
    services.update_station(g.user, station, {"closed": closed})
    flash(f"已停用联络站“{station.name}”：它不再出现在附近联络站和各处选择中，扫其二维码会提示已停用；重新启用后恢复。"
          if closed else f"已重新启用联络站“{station.name}”，其二维码恢复可用。", "success")
    return redirect(url_for("console.station_edit", station_id=station.id))


def _station_fields(form, errors):
    """The fields the new and the edit form share, as the API's schemas receive them; their own mistakes
    noted in ``errors``."""
    data = {
        "name": _text(form, "name"),
        "kind": form.get("kind", ""),
        "address": _text(form, "address"),
        "lat": _float_or_none(form.get("lat")),
        "lng": _float_or_none(form.get("lng")),
        "open_hours": _text(form, "open_hours"),
        "description": form.get("description", ""),
    }
    if not data["name"]:
        errors["name"] = ["请填写联络站名称。"]
    if (data["lat"] is None) != (data["lng"] is None):
        errors["lat"] = ["经纬度须同时填写或同时留空。"]
    return data


def station_data(form, user, station):
    """The edit form as the API's StationPatch would receive it, every mistake at once."""
    errors = {}
    data = _station_fields(form, errors)
    noted(errors, _region_change, form, user, station.region_id, data)
    if form.get("deputies_present"):
        noted(errors, _link_change, form, "deputy_ids", station_deputies_listed(station),
              lambda d: manages_deputy(user, d), data)
    return load_checked(StationPatch(), data, errors)


def new_station_data(form):
    """The new-station form as the API's StationIn would receive it, every mistake at once."""
    errors = {}
    data = _station_fields(form, errors) | {"region_id": noted(errors, _chosen_region, form)}
    return load_checked(StationIn(), data, errors)


def _station_values(station):
    """What the edit form shows of a station."""
    return {
        "name": station.name, "kind": station.kind.value, "region_id": station.region_id, "address": station.address,
        "lat": station.lat, "lng": station.lng, "open_hours": station.open_hours, "description": station.description,
    }


@bp.route("/stations/new", methods=["GET", "POST"])
@console_page("console.stations")
def station_new():
    user = _region_admin_only("新建联络站")
    if request.method == "POST":
        try:
            station = services.create_station(user, new_station_data(request.form))
        except (APIError, ValidationError) as exc:
            return refused_form("console/station_new.html", exc, STATION_FIELDS, values=request.form,
                                kind_labels=STATION_KIND_LABELS, read_after=lambda: {"regions": managed_regions(user)})
        flash(f"已新建联络站“{station.name}”，并生成了它的二维码。可在此添加进站代表、下载海报。", "success")
        return redirect(url_for("console.station_edit", station_id=station.id))
    return render_template(
        "console/station_new.html", values={"kind": "area", "region_id": request.args.get("region_id", "")},
        regions=managed_regions(user), kind_labels=STATION_KIND_LABELS,
    )


@bp.route("/stations/<int:station_id>", methods=["GET", "POST"])
@console_page("console.stations")
def station_edit(station_id):
    user = g.user
    station = managed_station_or_404(station_id)
    if request.method == "POST":
        try:
            check_drawn(station)
            services.update_station(user, station, station_data(request.form, user, station))
        except (APIError, ValidationError) as exc:
            if isinstance(exc, APIError) and exc.status == 404:
                raise

            def read_after():  # after the rollback: the station as it is saved
                # Shown again as typed, with the deputies ticked as they were ticked.
                ticked = [parse_int(i) for i in request.form.getlist("deputy_ids")]
                chosen = [d for d in selected_deputies(user, ticked) if manages_deputy(user, d)]
                return _station_page(station, request.form, chosen)

            return refused_form("console/station_edit.html", exc, STATION_FIELDS, read_after=read_after)
        flash(f"已保存联络站“{station.name}”。", "success")
        return redirect(url_for("console.station_edit", station_id=station.id))
    return render_template("console/station_edit.html", **_station_page(station, _station_values(station)))


def _station_page(station, values, chosen=None):
    """What the station's edit page shows: ``values`` in its fields, ``chosen`` ticked in the picker (by
    default the deputies received there whom the administrator manages)."""
    user = g.user
    received = station_deputies_listed(station)
    if chosen is None:
        chosen = [d for d in received if manages_deputy(user, d)]
    return dict(
        station=station, values=values, chosen=chosen, others=[d for d in received if not manages_deputy(user, d)],
        options=deputy_options(user, exclude=[d.id for d in chosen]), stations=scoped_stations(user),
        regions=managed_regions(user), kind_labels=STATION_KIND_LABELS, picker_limit=PICKER_LIMIT,
        can_move=is_region_admin(user), can_close=manages_region(user, station.region),
    )


# --- deputies ----------------------------------------------------------------------------------


@bp.get("/deputies")
@console_page()
def deputies():
    user = g.user
    query, filters = deputy_list_query(user)
    page = listing_page(query.order_by(Deputy.id).options(*deputy_listing()), PER_PAGE)
    return render_template(
        "console/deputies.html", page=page, **filters, stations=scoped_stations(user, [filters["station_id"] or None]),
        level_labels=DEPUTY_LEVEL_LABELS,
    )


def deputy_list_query(user):
    """The deputies the list shows (and its export holds) for the page's filters: (select, the filters as
    the page shows them). No 状态 chosen: those in office."""
    q = query_text("q", 50)
    station_id = parse_int(request.args.get("station_id"))
    level = request.args.get("level", "")
    active = request.args.get("active", "1")
    query = select(Deputy).where(deputy_scope_clause(user))
    if q:
        query = query.where(or_(_like(Deputy.name, q), _like(Deputy.group, q), Deputy.phone == q))
    if station_id:
        query = query.where(Deputy.id.in_(select(station_deputies.c.deputy_id).where(station_deputies.c.station_id == station_id)))
    if level in DEPUTY_LEVEL_LABELS:
        query = query.where(Deputy.level == level)
    if active in ("1", "0"):
        query = query.where(Deputy.active.is_(active == "1"))
    no_station = request.args.get("no_station") == "1"
    if no_station:
        query = query.where(stationless_deputy_clause())
    return query, {"q": q, "station_id": station_id or "", "level": level, "active": active, "no_station": no_station}


def _deputy_fields(form, errors):
    """The fields the new and the edit form share, as the API's schemas receive them; their own mistakes
    noted in ``errors``."""
    term = _text(form, "term")
    data = {
        "name": _text(form, "name"),
        "level": form.get("level", ""),
        "term": parse_int(term, 1, 99) if term else None,
        "group": _text(form, "group"),
        "phone": _text(form, "phone") or None,
        "active": form.get("active") == "1",
        "bio": form.get("bio", ""),
    }
    if not data["name"]:
        errors["name"] = ["请填写代表姓名。"]
    if term and data["term"] is None:
        errors["term"] = ["届次应为 1 到 99 之间的整数。"]
    return data


def deputy_data(form, user, deputy):
    """The edit form as the API's DeputyPatch would receive it, every mistake at once."""
    data, errors = {}, {}
    if owns_deputy(user, deputy):  # otherwise the page shows the deputy's own details without fields to send
        data = _deputy_fields(form, errors)
        noted(errors, _region_change, form, user, deputy.region_id, data)
    if form.get("stations_present"):
        noted(errors, _link_change, form, "station_ids", deputy.stations, lambda s: manages_station(user, s), data)
    return load_checked(DeputyPatch(), data, errors)


def new_deputy_data(form):
    """The new-deputy form as the API's DeputyIn would receive it, every mistake at once."""
    errors = {}
    data = _deputy_fields(form, errors) | {
        "region_id": noted(errors, _chosen_region, form),
        "station_ids": noted(errors, _int_list, form.getlist("station_ids"), "station_ids") or [],
    }
    return load_checked(DeputyIn(), data, errors)


def _deputy_values(deputy):
    """What the edit form shows of a deputy."""
    return {
        "name": deputy.name, "level": deputy.level.value, "region_id": deputy.region_id, "term": deputy.term,
        "group": deputy.group, "phone": deputy.phone, "active": "1" if deputy.active else "", "bio": deputy.bio,
    }


@bp.route("/deputies/new", methods=["GET", "POST"])
@console_page("console.deputies")
def deputy_new():
    """A region administrator registers a deputy of their region; a station administrator one received at
    their stations (进家入站), of a region containing them — as POST /api/v1/deputies allows."""
    user = g.user
    checked = {parse_int(i) for i in request.form.getlist("station_ids")}  # a refused form's ticks

    def choices():  # the stations and regions offered (a refused form's: read after its rollback)
        station_choices = scoped_stations(user, checked, open_only=True)
        regions = managed_regions(user) if is_region_admin(user) else _regions_above(station_choices)
        return {"station_choices": station_choices, "regions": regions}

    if request.method == "POST":
        try:
            deputy = services.create_deputy(user, new_deputy_data(request.form))
        except (APIError, ValidationError) as exc:
            return refused_form("console/deputy_new.html", exc, DEPUTY_FIELDS, DEPUTY_LABELS, values=request.form,
                                level_labels=DEPUTY_LEVEL_LABELS, checked_station_ids=checked,
                                station_admin=not is_region_admin(user), read_after=choices)
        flash(f"已新增代表“{deputy.name}”" + ("，并生成了其个人二维码。" if deputy.active else "。"), "success")
        return redirect(url_for("console.deputy_edit", deputy_id=deputy.id))
    offered = choices()
    station_choices = offered["station_choices"]
    checked = {station_choices[0].id} if len(station_choices) == 1 and not is_region_admin(user) else set()
    return render_template(
        "console/deputy_new.html", values={"level": "county", "active": "1", "region_id": request.args.get("region_id", "")},
        level_labels=DEPUTY_LEVEL_LABELS, checked_station_ids=checked, station_admin=not is_region_admin(user), **offered,
    )


def _regions_above(stations):
    """The regions a deputy received at ``stations`` may have been elected in: each station's region and
    those above it, in tree order, as the region picker lists them."""
    ids = {int(part) for s in stations for part in s.region.path.strip("/").split("/") if part}
    regions = db.session.scalars(select(Region).where(Region.id.in_(ids)).order_by(Region.path)).all() if ids else []
    return [{"id": r.id, "name": r.name, "depth": r.path.count("/") - 2} for r in regions]  # the root: "/1/", depth 0


@bp.route("/deputies/<int:deputy_id>", methods=["GET", "POST"])
@console_page("console.deputies")
def deputy_edit(deputy_id):
    user = g.user
    deputy = managed_deputy_or_404(deputy_id)
    if request.method == "POST":
        try:
            check_drawn(deputy)  # drawn before a colleague's change (离任): never undo it unseen
            services.update_deputy(user, deputy, deputy_data(request.form, user, deputy))
        except (APIError, ValidationError) as exc:
            if isinstance(exc, APIError) and exc.status == 404:
                raise

            def read_after():  # after the rollback: the deputy as they are saved
                # Shown again as typed (a locked deputy's own details were not sent: shown as they are).
                values = request.form if owns_deputy(user, deputy) else _deputy_values(deputy)
                ticked = {parse_int(i) for i in request.form.getlist("station_ids")}
                return _deputy_page(deputy, values, ticked)

            return refused_form("console/deputy_edit.html", exc, DEPUTY_FIELDS, DEPUTY_LABELS, read_after=read_after)
        if not manages_deputy(user, deputy):  # unticked from the last of the administrator's stations
            flash(f"已保存：代表“{deputy.name}”不再进驻您管理的联络站，已移出您的代表列表。", "success")
            return redirect(url_for("console.deputies"))
        flash(f"已保存代表“{deputy.name}”的信息。", "success")
        return redirect(url_for("console.deputy_edit", deputy_id=deputy.id))
    return render_template("console/deputy_edit.html", **_deputy_page(deputy, _deputy_values(deputy),
                                                                      {s.id for s in deputy.stations}))


def _deputy_page(deputy, values, ticked_station_ids):
    """What the deputy's edit page shows: ``values`` in its fields, ``ticked_station_ids`` ticked."""
    user = g.user
    station_choices = scoped_stations(user, {*ticked_station_ids, *(s.id for s in deputy.stations)}, open_only=True)
    bound = db.session.scalar(select(User).where(User.deputy_id == deputy.id))
    return dict(
        bound=bound, bound_phone=mask_phone(bound.phone) if bound is not None else None,
        unbound_count=unbound_users_count(deputy.id),
        deputy=deputy, values=values, station_choices=station_choices, current_station_ids=ticked_station_ids,
        other_stations=[s for s in deputy.stations if not manages_station(user, s)],
        regions=managed_regions(user), level_labels=DEPUTY_LEVEL_LABELS, can_move=is_region_admin(user),
        owns=owns_deputy(user, deputy),
    )


@bp.post("/deputies/<int:deputy_id>/unbind")
@console_page("console.deputies")
def deputy_unbind(deputy_id):
    deputy = owned_deputy_or_404(deputy_id, "解除其微信绑定")
    if services.unbind_deputy_wechat(g.user, deputy) is None:
        flash("该代表目前没有绑定微信。")
    else:
        flash(f"已解除代表“{deputy.name}”的微信绑定，该微信不再具有代表身份，也不能再凭此手机号重新绑定。", "success")
    return redirect(url_for("console.deputy_edit", deputy_id=deputy.id))


@bp.post("/deputies/<int:deputy_id>/allow-rebinding")
@console_page("console.deputies")
def deputy_allow_rebinding(deputy_id):
    deputy = owned_deputy_or_404(deputy_id, "允许其微信重新绑定")
    if services.allow_deputy_rebinding(g.user, deputy):
        flash(f"已允许被解除绑定的微信重新绑定代表“{deputy.name}”。", "success")
    else:
        flash("没有被解除绑定、等待允许的微信。")
    return redirect(url_for("console.deputy_edit", deputy_id=deputy.id))


# --- replacing and withdrawing a printed code ----------------------------------------------------


def _reissue(kind, target, what):
    targets.reissue(kind, target, g.user)
    flash(f"已为{what}“{target.name}”生成新的二维码，旧二维码已失效。请下载新海报重新张贴。", "success")


def _revoke(target, what):
    if target.live_qr is None:
        flash(f"该{what}目前没有在用的二维码。")
        return
    targets.revoke(target.live_qr, target, g.user)
    flash(f"已停用{what}“{target.name}”的二维码。需要时可重新生成。", "success")


@bp.post("/stations/<int:station_id>/qr/reissue")
@console_page("console.stations")
def station_qr_reissue(station_id):
    _reissue(QRKind.station, managed_station_or_404(station_id), "联络站")
    return redirect(url_for("console.station_edit", station_id=station_id))


@bp.post("/stations/<int:station_id>/qr/revoke")
@console_page("console.stations")
def station_qr_revoke(station_id):
    _revoke(managed_station_or_404(station_id), "联络站")
    return redirect(url_for("console.station_edit", station_id=station_id))


@bp.post("/deputies/<int:deputy_id>/qr/reissue")
@console_page("console.deputies")
def deputy_qr_reissue(deputy_id):
    _reissue(QRKind.deputy, owned_deputy_or_404(deputy_id, "更换其二维码"), "代表")
    return redirect(url_for("console.deputy_edit", deputy_id=deputy_id))


@bp.post("/deputies/<int:deputy_id>/qr/revoke")
@console_page("console.deputies")
def deputy_qr_revoke(deputy_id):
    _revoke(owned_deputy_or_404(deputy_id, "停用其二维码"), "代表")
    return redirect(url_for("console.deputy_edit", deputy_id=deputy_id))


# --- QR images and posters -----------------------------------------------------------------------


def _png(data, filename=None):
    response = Response(data, mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-cache"
    if filename:
        response.headers["Content-Disposition"] = attachment(filename, "poster.png")
    return response


def _live_code(target, what):
    qr = target.live_qr
    if qr is None:
        raise not_found(f"该{what}目前没有在用的二维码。")
    return qr


def _code_image(target, what):
    qr = _live_code(target, what)
    return _png(render.code_image(qr_url(qr.code), targets.label(qr, target)))


def _poster(target, what):
    qr = _live_code(target, what)
    title, name, details, instruction = targets.poster_text(qr, target)
    png = render.poster(qr_url(qr.code), title, name, details, instruction)
    return _png(png, f"海报-{target.name}.png" if request.args.get("download") else None)


@bp.get("/stations/<int:station_id>/qr.png")
@console_page("console.stations")
def station_qr(station_id):
    return _code_image(managed_station_or_404(station_id), "联络站")


@bp.get("/stations/<int:station_id>/poster.png")
@console_page("console.stations")
def station_poster(station_id):
    return _poster(managed_station_or_404(station_id), "联络站")


@bp.get("/deputies/<int:deputy_id>/qr.png")
@console_page("console.deputies")
def deputy_qr(deputy_id):
    return _code_image(managed_deputy_or_404(deputy_id), "代表")


@bp.get("/deputies/<int:deputy_id>/poster.png")
@console_page("console.deputies")
def deputy_poster(deputy_id):
    return _poster(managed_deputy_or_404(deputy_id), "代表")


_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def _safe_name(text):
    return _UNSAFE_NAME.sub("_", text).strip(" .") or "未命名"


class _ZipSink:
    """A write-only stream zipfile can write to while the response is being sent."""

    def __init__(self):
        self.chunks = []

    def write(self, data):
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def take(self):
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def _poster_jobs(station_query, deputy_query, start, end, stations_count):
    """What each poster from the ``start``-th to before the ``end``-th shows (the stations first, then the
    deputies, each by region and id: a part of a large region's posters), read from the database before
    streaming starts: the stations and the deputies with their regions, codes and (a deputy's) stations, and
    every region's full name, in as many statements for 2,000 posters as for 3 (up to the loaders' batches
    of 500)."""
    jobs = []
    used = set()
    station_range = (min(start, stations_count), min(end, stations_count))
    deputy_range = (max(start - stations_count, 0), max(end - stations_count, 0))
    stations = db.session.scalars(station_query.options(joinedload(Station.region))
                                  .order_by(Station.region_id, Station.id)
                                  .offset(station_range[0]).limit(station_range[1] - station_range[0])).all()
    deputies = db.session.scalars(deputy_query.options(joinedload(Deputy.region),
                                                       selectinload(Deputy.stations).lazyload(Station.live_qr))
                                  .order_by(Deputy.region_id, Deputy.id)
                                  .offset(deputy_range[0]).limit(deputy_range[1] - deputy_range[0])).all()
    region_names = full_names({target.region for target in (*stations, *deputies)})

    def add(folder, target):
        qr = target.live_qr
        if qr is None:
            return
        title, name, details, instruction = targets.poster_text(qr, target, region_names[target.region_id])
        arcname = f"{folder}/{_safe_name(target.name)}-{qr.code[:6]}.png"
        if arcname in used:
            arcname = f"{folder}/{_safe_name(target.name)}-{qr.code}.png"
        used.add(arcname)
        jobs.append((arcname, qr_url(qr.code), title, name, details, instruction))

    for station in stations:
        add("联络站", station)
    for deputy in deputies:
        add("代表", deputy)
    return jobs


@bp.get("/posters.zip")
@console_page("console.stations")
def posters_zip():
    """Every station and deputy poster in a region subtree (``own=1``: of the region itself, 本级, not of the
    regions below it; ``kind=deputies`` or ``stations``: that kind alone), as one zip for the print shop; more than ``POSTER_ZIP_LIMIT`` are offered in parts
    (``part=N``), every poster in exactly one."""
    user = g.user
    region_id = parse_int(request.args.get("region_id"))
    own = request.args.get("own") == "1"
    if region_id:
        region = managed_region_or_404(region_id)
    elif is_region_admin(user):
        region = user.admin_region
    else:
        region = None
    if region is not None:
        if own:
            station_query = select(Station).where(Station.region_id == region.id)
            deputy_query = select(Deputy).where(Deputy.region_id == region.id)
        else:
            station_query = select(Station).where(region_subtree_clause(Station.region_id, region))
            deputy_query = select(Deputy).where(region_subtree_clause(Deputy.region_id, region))
        label = f"{region.name}本级" if own else region.name
    else:  # a station administrator: their stations and the deputies assigned to them
        station_query = select(Station).where(station_scope_clause(user))
        deputy_query = select(Deputy).where(deputy_scope_clause(user))
        label = "我管理的联络站"
    deputy_query = deputy_query.where(Deputy.active.is_(True))
    station_query = station_query.where(Station.closed_dt.is_(None))  # a closed station's code answers 已停用
    kind = request.args.get("kind")
    if kind in POSTER_KINDS:  # the deputies alone (本级代表 with own=1), or the stations alone
        (station_query, deputy_query) = ((station_query.where(false()), deputy_query) if kind == "deputies"
                                         else (station_query, deputy_query.where(false())))
        label += POSTER_KINDS[kind]
    stations_count = db.session.scalar(select(func.count()).select_from(station_query.subquery()))
    count = stations_count + db.session.scalar(select(func.count()).select_from(deputy_query.subquery()))
    parts = -(-count // POSTER_ZIP_LIMIT)
    part = parse_int(request.args.get("part"))
    back = url_for("console.stations", region_id=region_id or None)
    if count == 0:
        flash(f"“{label}”范围内没有可打印的海报。")
        return redirect(back)
    if part is None and parts > 1:
        links = [(n, url_for("console.posters_zip", region_id=region_id or None, own=1 if own else None,
                             kind=kind if kind in POSTER_KINDS else None, part=n))
                 for n in range(1, parts + 1)]
        return render_template("console/posters_parts.html", label=label, count=count, limit=POSTER_ZIP_LIMIT,
                               links=links, back=back)
    if part is not None and not 1 <= part <= parts:
        flash(f"“{label}”的海报只有 {parts} 部分，没有第{part}部分。")
        return redirect(back)
    part = part or 1
    start = (part - 1) * POSTER_ZIP_LIMIT
    jobs = _poster_jobs(station_query, deputy_query, start, start + POSTER_ZIP_LIMIT, stations_count)
    render.font_path()  # no font: refuse now, with a message, rather than break the download midway
    record_export(user, "海报打包", len(jobs), ("region", region.id, region.name) if region is not None else None,
                  region.id if region is not None else None)
    file_label = _safe_name(label) + (f"-第{part}部分(共{parts}部分)" if parts > 1 else "")

    def generate():
        sink = _ZipSink()
        with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED) as archive:
            for arcname, url, title, name, details, instruction in jobs:
                archive.writestr(arcname, render.poster(url, title, name, details, instruction))
                yield sink.take()
        yield sink.take()

    response = Response(stream_with_context(generate()), mimetype="application/zip")
    response.headers["Content-Disposition"] = attachment(
        f"海报-{file_label}.zip", "posters.zip" if parts == 1 else f"posters-part{part}-of-{parts}.zip")
    response.headers["Cache-Control"] = "no-store"
    return response


# --- deputy import -------------------------------------------------------------------------------


def _wants_json():
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


@bp.route("/deputies/import", methods=["GET", "POST"])
@console_page("console.deputies")
def deputy_import():
    if request.method == "POST":
        return _imported(lambda data, name: importer.import_deputies(
            importer.Scope.of_user(g.user), data, actor=g.user, file_name=name))
    return _import_page()


@bp.route("/stations/import", methods=["GET", "POST"])
@console_page("console.stations")
def station_import():
    """导入联络站: region administrators only, as 新建联络站 is."""
    user = _region_admin_only("导入联络站")
    if request.method == "POST":
        return _imported(lambda data, name: station_importer.import_stations(
            station_importer.scope_of(user), data, actor=user, file_name=name))
    return _import_page()


def _imported(run):
    """An import page's upload: ``run(data, file name)``, then its result as the page (or, for the page's
    script, as JSON), or its refusal."""
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise APIError(422, "validation_failed", "请选择要导入的 .xlsx 或 .csv 文件。")
        result = run(upload.read(), upload.filename)
    except APIError as exc:
        db.session.rollback()
        return _import_failed(exc)
    report_url = _keep_error_report(result["errors"])
    if _wants_json():
        return jsonify({**result, **({"error_report_url": report_url} if report_url else {})})
    return _import_page(result=result, report_url=report_url)


def _keep_error_report(errors):
    """The link to the whole error report when the page shows only its first IMPORT_ERRORS_SHOWN problems:
    the report is kept (in the shared cache) for IMPORT_REPORT_SECONDS, for its importer only. None when
    the page shows it all, or when the cache cannot be written (logged: the page shows what it can)."""
    if len(errors) <= IMPORT_ERRORS_SHOWN:
        return None
    from .exports import rows_to_read  # .exports reads the dashboard, which reads this module

    token = secrets.token_urlsafe(16)
    try:
        cache.set(_error_report_key(token), {"errors": errors[:rows_to_read()], "total": len(errors)},
                  timeout=IMPORT_REPORT_SECONDS)
    except Exception:
        log.exception("import: the error report could not be kept")
        return None
    return url_for(f"{request.endpoint}_errors", token=token)


def _error_report_key(token):
    return f"import-errors:{request.endpoint.removesuffix('_errors')}:{g.user.id}:{token}"


@bp.get("/deputies/import/errors/<token>.xlsx")
@console_page("console.deputies")
def deputy_import_errors(token):
    """下载完整错误报告: an import's every problem (行号, 列, 问题), as its importer's page listed the first."""
    from .exports import Export

    export = Export("代表导入错误报告", "代表导入错误报告", fallback="deputy-import-errors")
    _error_report(export, token)
    return export.send()


@bp.get("/stations/import/errors/<token>.xlsx")
@console_page("console.stations")
def station_import_errors(token):
    from .exports import Export

    export = Export("联络站导入错误报告", "联络站导入错误报告", fallback="station-import-errors")
    _error_report(export, token)
    return export.send()


def _error_report(export, token):
    """Write the error report kept under ``token`` as ``export``'s sheet; 404 when it is gone."""
    try:
        kept = cache.get(_error_report_key(token))
    except Exception:
        log.exception("import: the error report could not be read")
        kept = None
    if kept is None:
        raise not_found("错误报告已过期（保留 1 小时），请重新导入后再下载。")
    export.sheet("错误报告", ["行号", "列", "问题"], ((e["row"], e["field"], e["message"]) for e in kept["errors"]),
                 widths={"行号": 8, "列": 12, "问题": 80}, total=kept["total"])


@bp.get("/deputies/import-template.xlsx")
@console_page("console.deputies")
def deputy_import_template():
    """下载导入模板: the importer's columns, with an example row naming the administrator's region and
    (a station administrator's) station."""
    user = g.user
    stations = [] if is_region_admin(user) else scoped_stations(user, limit=1)
    region = user.admin_region or (stations[0].region if stations else None)
    data = importer.template(region.name if region else "", stations[0].name if stations else "")
    return _template_download(data, "代表名册导入模板.xlsx", "deputy-import-template.xlsx")


@bp.get("/stations/import-template.xlsx")
@console_page("console.stations")
def station_import_template():
    """下载导入模板 of the stations: their columns, with an example row naming the administrator's region."""
    user = _region_admin_only("导入联络站")
    return _template_download(station_importer.template(user.admin_region.name), "联络站导入模板.xlsx",
                              "station-import-template.xlsx")


def _template_download(data, filename, fallback):
    response = Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = attachment(filename, fallback)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(exc):
    """A file over MAX_CONTENT_LENGTH (the imports' are the console's only uploads), found as soon as the
    CSRF check reads the form: the import page says the limit, not the API's bare JSON."""
    if g.get("user") is None:
        return http_exception_response(exc)
    return _import_failed(importer.too_large())


def _import_failed(exc):
    error = "；".join(error_lines(exc))
    if _wants_json():
        return jsonify({"error": exc.error, "message": error}), exc.status
    return _import_page(error=error), exc.status


def _import_page(result=None, error=None, report_url=None):
    """The import page the request is on (the deputies' or the stations'), with an upload's result or refusal."""
    user = g.user
    if request.endpoint == "console.admin_import":
        from .accounts import admin_import_page  # .accounts reads this module

        return admin_import_page(result, error, report_url)
    if request.endpoint == "console.station_import":
        return render_template("console/station_import.html", result=result, error=error,
                               columns=station_importer.COLUMNS, shown=IMPORT_ERRORS_SHOWN, report_url=report_url,
                               region=user.admin_region)
    return render_template(
        "console/import.html", result=result, error=error, columns=importer.COLUMNS, shown=IMPORT_ERRORS_SHOWN,
        report_url=report_url,
        region=user.admin_region, stations=[] if is_region_admin(user) else scoped_stations(user),
    )
