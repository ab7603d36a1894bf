"""The console's suggestion queue, the item page, its photos, and every administrator action as a form.

Actions go through the same workflow and services as the API (``workflow.actor_for`` decides who may
act, the service validates and moves the item) and commit once. A refused step (409, 422, 403) brings
the page back with its form as typed and the reason, in Chinese, in the form; an item outside the
administrator's scope is a 404 page.
"""
import re
from datetime import date, datetime, timedelta, timezone
from flask import Response, current_app, flash, g, jsonify, redirect, render_template, request, session, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from schemas.common import SERVICE_YEARS, clean, has_control_characters

from ..audit.log import masked_phone, record_apart
from ..db_types import UTCDateTime, utcnow
from ..auth.services import WEB_CITIZEN_NAME, WEB_CITIZEN_NAMES
from ..auth.scope import (
    MAX_ID, deputy_scope_clause, get_by_id, manages_deputy, may_narrow_to, region_subtree_clause, station_scope_clause,
)
from ..errors import APIError, not_found, validation_failed
from ..extensions import db
from ..forms import parse_int
from ..org.models import Deputy, Region, Station, station_deputies
from ..org.names import by_pinyin
from ..suggestions import services, workflow
from ..suggestions.models import (
    IMPLEMENTED_LABELS,
    OPEN_STATUSES,
    SATISFACTION_LABELS,
    STATUS_LABELS,
    Satisfaction,
    Status,
    Suggestion,
    past_due_at_department_clause,
)
from ..suggestions.filing import phone_key
from ..suggestions.presenters import action_label, present
from ..suggestions.public_routes import published_item
from ..suggestions.queries import (
    DEFAULT_ORDER,
    LIST_ORDERS,
    WHOLE_NUMBER_DIGITS,
    admin_scope_clause,
    apply_filters,
    contact_phone_is,
    keyword_clause,
    load_item,
    number_ends_with,
    typed_number,
    typed_phone,
)
from ..suggestions.services import CHINA
from ..suggestions.workflow import ROLE_LABELS
from ..uploads.models import SCREENING_LABELS, Upload
from ..uploads.storage import NotStored, get_storage, valid_key
from . import bp, console_json, console_login_required, error_message
from .drawn import check_drawn
from .deputy_choices import deputy_detail, deputy_label, deputy_search_clause, picked_loading
from .once import Collided, PostedForm, take_once
from .pages import query_text

PER_PAGE = 20
PAST_DUE_AT_DEPARTMENT = "past_due_at_department"
# A search of the content counts its matches up to this many and then says "more than": the exact count
# of a common word (路灯 in one item in fifteen) read every match in a city's or a province's scope. The
# queue pages on past the cap (each page from the last row shown); the export holds every match.
KEYWORD_COUNT_CAP = 1000
# The queue's 承办代表 filter and 批量分派 list a scope's deputies up to this many; beyond, the picker searches.
QUEUE_DEPUTY_CHOICES = 50
DEPUTY_SEARCH_LIMIT = 100  # deputies the item page's 查找 (without JavaScript) lists, as the picker's search
FLAG_FILTERS = {"overdue": "超期", "due_soon": "临期", "supervised": "督办", "reopened": "重办", "held": "待审核",
                # 待部门反馈·已超期 (the 工作台's figure): at a department past the reply limit, its clock stopped
                PAST_DUE_AT_DEPARTMENT: "待部门反馈·已超期"}
# The 工作台's region filters, which the queue's form has no box for: shown as what the list is narrowed to
# (removable), kept by the form as hidden fields.
REGION_FILTERS = {"region_id": "区域", "deputy_region_id": "代表所属区域"}
NOT_FOUND_MESSAGE = "建议不存在，或不在您的管理范围内。"
QUEUE_KEY = "queue"  # the session's note of the queue's last filter and page
STALE_MESSAGE = "这条建议刚刚被其他人修改过，请刷新后重试。"
FORWARD_TARGETS = {"department": "政府职能部门", "hotline_12345": services.HOTLINE_CHANNEL}
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class ConsoleNotFound(Exception):
    """Something the administrator may not see, or that does not exist: the same HTML 404 page."""

    def __init__(self, message=NOT_FOUND_MESSAGE):
        super().__init__(message)
        self.message = message


@bp.errorhandler(ConsoleNotFound)
def console_not_found(exc):
    return render_template("console/dashboard_error.html", title="未找到", message=exc.message), 404


def cn_time(value, fmt="%Y-%m-%d %H:%M"):
    return value.astimezone(CHINA).strftime(fmt) if value is not None else ""


# --- the queue's filters and order (shared with the .xlsx export) --------------------------------


# The queue's 排序 (the lists' orders), by the query string's ``sort``. Work still to be done (未办结 and
# the tabs of its stages and flags) is read 按期限 unless another order is chosen: the deadline that runs out
# first — overdue ones, long past it, at the top — then the open items without one, oldest first. Every other
# list (全部, the finished ones) is newest first, as the API's default is.
QUEUE_ORDERS = LIST_ORDERS
WORKING_ORDER = "due"
_OPEN_STATUS_VALUES = frozenset(s.value for s in OPEN_STATUSES)


def default_sort(form):
    """The order of the list ``form`` filters when none is chosen (see QUEUE_ORDERS)."""
    return WORKING_ORDER if form.get("open") or form.get("status") in _OPEN_STATUS_VALUES else DEFAULT_ORDER


def queue_order(form):
    return QUEUE_ORDERS[form.get("sort") or default_sort(form)]


def _int_arg(args, key):
    return parse_int(args.get(key))


def _date_arg(args, key):
    try:
        value = date.fromisoformat((args.get(key) or "").strip())
    except ValueError:
        return None
    return value if value.year in SERVICE_YEARS else None


def parse_filters(args):
    """The query string → (filters for ``apply_filters``, keyword, the cleaned values to echo in the form,
    with the order chosen as ``sort`` unless it is the default)."""
    filters, form = {}, {}
    status = args.get("status", "")
    if status in STATUS_LABELS:
        filters["status"] = Status(status)
        form["status"] = status
    for flag in FLAG_FILTERS:
        if args.get(flag) in ("1", "on", "true"):
            filters[flag] = True
            form[flag] = "1"
    if args.get("open") in ("1", "on", "true"):
        form["open"] = "1"
    category = (args.get("category") or "").strip()
    if category in current_app.config["SUGGESTION_CATEGORIES"]:
        filters["category"] = form["category"] = category
    for key in ("station_id", "deputy_id", *REGION_FILTERS):
        value = _int_arg(args, key)
        if value is not None:
            filters[key] = form[key] = value
    dates = {key: _date_arg(args, key) for key in ("from", "to")}
    if dates["from"] and dates["to"] and dates["from"] > dates["to"]:  # typed the wrong way round: the days between
        dates = {"from": dates["to"], "to": dates["from"]}
    for key, field in (("from", "date_from"), ("to", "date_to")):
        value = dates[key]
        if value is not None:
            filters[field] = value
            form[key] = value.isoformat()
    keyword = (args.get("q") or "").strip().replace("\x00", "")[:50]
    if keyword:
        form["q"] = keyword
    sort = args.get("sort", "")
    if sort in QUEUE_ORDERS and sort != default_sort(form):  # the list's own order goes without saying
        form["sort"] = sort
    return filters, keyword, form


def check_region_filters(user, args, parsed, keys=REGION_FILTERS):
    """A region filter of ``keys`` given in ``args`` (``parsed``: the values read from them) that the 工作台 could
    not be narrowed to either is not found, never named: one outside the administrator's scope, one that does not
    exist, and one no region can have (no number, or beyond the ids' range), which must not list the whole scope
    unlabelled. A blank one (the form's 全部) is no filter."""
    for key in keys:
        if (args.get(key) or "").strip() and not may_narrow_to(user, get_by_id(Region, parsed.get(key))):
            raise ConsoleNotFound("区域不存在，或不在您的管理范围内。")


def filtered_query(user, args, frequent=False):
    """The administrator's scope narrowed by the queue's filters, in the order chosen (newest first).

    The keyword finds items by number or content (``keyword_clause``, ``frequent`` if the caller counted
    more than KEYWORD_COUNT_CAP matches); one that reads as a phone number (``typed_phone``) by the contact
    phone the citizen left, exactly, or by the number it may also be the end of, both through their indexes
    (staff see the contact phone on the item's page already: presenters.present)."""
    filters, keyword, form = parse_filters(args)
    check_region_filters(user, args, filters)
    query = apply_filters(select(Suggestion).where(admin_scope_clause(user)), filters)
    if filters.get(PAST_DUE_AT_DEPARTMENT):
        query = query.where(past_due_at_department_clause(utcnow()))
    if form.get("open"):  # 未办结, as the dashboard counts it: still to be handled, merged duplicates not
        query = query.where(Suggestion.status.in_(OPEN_STATUSES), Suggestion.merged_into_id.is_(None))
    phone = typed_phone(keyword) if keyword else None
    if phone:
        digits = typed_number(keyword)
        query = query.where(or_(contact_phone_is(phone), number_ends_with(digits)) if digits else contact_phone_is(phone))
    elif keyword:
        query = query.where(keyword_clause(keyword, frequent))
    return query.order_by(*queue_order(form).clauses()), form


def station_choices_limit():
    """How many stations a page lists to choose from (CONSOLE_STATION_CHOICES); the station picker
    (station-picker.js, GET /console/station-options) searches the rest as the administrator types."""
    return current_app.config["CONSOLE_STATION_CHOICES"]


def scoped_stations(user, chosen_ids=(), limit=None, open_only=False):
    """The stations a page offers to choose from: those in scope by name, at most ``limit`` (by default
    ``station_choices_limit()``), without their printed codes; and after them the ``chosen_ids`` (a form's
    or a query string's; None and impossible ids are skipped) in scope beyond the first ones, so that a
    filter's or a form's choice stays shown, and stays chosen when the form is sent again. A province's
    20,000 stations, each with its code, took 50 queries and 0.9 MB of HTML on every view of the queue.
    ``open_only``: a picker (发单, an account's or a deputy's stations) offers no closed (停用) station but a chosen one;
    a list's filter offers them all, for their past items."""
    stations = db.session.scalars(
        select(Station).where(station_scope_clause(user), *([Station.closed_dt.is_(None)] if open_only else []))
        .order_by(Station.name, Station.id)
        .limit(limit or station_choices_limit())
        .options(lazyload(Station.live_qr))
    ).all()
    listed = {s.id for s in stations}
    beyond = [i for i in dict.fromkeys(chosen_ids) if isinstance(i, int) and 0 < i <= MAX_ID and i not in listed]
    if beyond:
        stations += db.session.scalars(
            select(Station).where(Station.id.in_(beyond), station_scope_clause(user)).order_by(Station.name, Station.id)
            .options(lazyload(Station.live_qr))
        ).all()
    return stations


def _station_deputies_clause(station_id):
    return Deputy.id.in_(select(station_deputies.c.deputy_id).where(station_deputies.c.station_id == station_id))


def _chosen_deputy(user, deputy_id, active_only=False):
    """The deputy a form or filter names (found by the picker's search), if the administrator manages them."""
    deputy = get_by_id(Deputy, deputy_id, options=picked_loading())
    if deputy is None or (active_only and not deputy.active) or not manages_deputy(user, deputy):
        return None
    return deputy


def queue_deputies(user, station_id=None, chosen_id=None):
    """The deputies the queue's 承办代表 filter and 批量分派 list without searching: (deputies, whether they are
    all those in scope, or of the station filtered by). Up to QUEUE_DEPUTY_CHOICES, 按姓氏拼音, each told apart
    from a namesake (deputy_choices.deputy_label); more than that, none (the first by code point would miss
    whole surnames): the picker (deputy-select.js, GET /console/deputy-options) searches them. Then the chosen
    one (``chosen_id``), so that a filter's choice stays shown."""
    at_station = [_station_deputies_clause(station_id)] if station_id is not None else []
    # Whether there are more than QUEUE_DEPUTY_CHOICES: any that many and one (no order: a province's deputies
    # are not sorted to tell), then those few in full. A region administrator's own deputies are asked first,
    # through ix_deputies_region_id: a city's thousands answer it at once, where the whole scope (its deputies
    # and those received at its stations) read every deputy, testing each against the station links of the
    # city's stations (28-48 ms at a province's 140,000 deputies). Fewer than that, the whole scope is asked.
    limit = QUEUE_DEPUTY_CHOICES + 1
    ids = []
    if user.admin_region is not None:
        ids = db.session.scalars(select(Deputy.id).where(
            region_subtree_clause(Deputy.region_id, user.admin_region), *at_station).limit(limit)).all()
    if len(ids) < limit:
        ids = db.session.scalars(select(Deputy.id).where(deputy_scope_clause(user), *at_station).limit(limit)).all()
    complete = len(ids) <= QUEUE_DEPUTY_CHOICES
    deputies = []
    if complete and ids:
        deputies = by_pinyin(db.session.scalars(select(Deputy).where(Deputy.id.in_(ids)).options(*picked_loading())).all())
    if chosen_id is not None and all(d.id != chosen_id for d in deputies):
        chosen = _chosen_deputy(user, chosen_id)
        if chosen is not None:
            deputies.append(chosen)
    return deputies, complete


# What the queue's rows show, one query per relation for the whole page (an IN on the page's keys).
_LIST_LOADING = (
    selectinload(Suggestion.citizen),
    selectinload(Suggestion.station).lazyload(Station.live_qr),
    selectinload(Suggestion.deputy).lazyload(Deputy.live_qr),
    selectinload(Suggestion.region),
)


# The queue's tabs (快捷筛选): the whole queue, 未办结, then every open status and every flag of open work,
# so that no open item falls between them (each is in the tab of its status). The flags' tabs hold open
# items only: a 重办 or 督办 item long settled is in the filter's 全部 (tick the flag, leave 未办结 out).
QUICK_TABS = (
    ("全部", {}), ("未办结", {"open": "1"}),
    ("待分派", {"status": "pending"}), ("待接单", {"status": "assigned"}), ("办理中", {"status": "accepted"}),
    ("转办中", {"status": "forwarded"}), ("已答复", {"status": "replied"}),
    ("超期", {"overdue": "1", "open": "1"}), ("临期", {"due_soon": "1", "open": "1"}),
    ("督办", {"supervised": "1", "open": "1"}), ("重办", {"reopened": "1", "open": "1"}),
    ("内容待审核", {"held": "1"}),
)


def with_order(filters, sort):
    """``filters`` with the order ``sort`` (a key of QUEUE_ORDERS, or "" for the list's own) unless it is
    that list's own order."""
    return filters | ({"sort": sort} if sort and sort != default_sort(filters) else {})


# --- the queue's pages: by position, not by offset -------------------------------------------------
#
# 下一页 goes on from the last row shown (``after``: its values of the order's keys), 上一页 back from the
# first (``before``): an administrator who dispatches the items of a page and then turns it sees the next
# items still waiting (by offset, the twenty after them were skipped), and rows filed meanwhile do not push
# rows already seen onto the next page. Any position is only a place in the order: a row moved meanwhile
# (dispatched, a deadline changed) is simply found, or not, where it now stands.
CURSOR_ARGS = ("after", "before")


def _encode_value(value):
    if isinstance(value, datetime):
        stamp = value.astimezone(timezone.utc) - EPOCH
        return "t" + str(stamp // timedelta(microseconds=1))
    return str(int(value))


def encode_position(order, row):
    """The position of ``row`` (a Suggestion, then its values of ``order``'s keys) as the query string holds it."""
    return ".".join(_encode_value(value) for value in row[1:1 + len(order.keys)])


def decode_position(order, text):
    """A position the queue wrote (``encode_position``) back as the order's key values; None for anything else
    (a link typed by hand, an order changed since), which shows the first page."""
    parts = (text or "").split(".")
    if len(parts) != len(order.keys):
        return None
    values = []
    for key, part in zip(order.keys, parts):
        timed = isinstance(key.type, UTCDateTime)
        digits = part[1:] if timed and part.startswith("t") else part
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 18) or timed != part.startswith("t"):
            return None
        number = int(digits)
        if timed:
            try:
                values.append(EPOCH + timedelta(microseconds=number))
            except OverflowError:
                return None
        elif number > MAX_ID:
            return None
        else:
            values.append(number)
    return tuple(values)


def queue_page(query, order, args):
    """(rows, the cursor argument the page was asked with, whether a page comes before, whether one comes
    after): a page of the queue's ``query`` at the position ``args`` names, its rows (Suggestion, then its
    values of the order's keys) in the order's direction."""
    keyed = query.add_columns(*order.keys).options(*_LIST_LOADING)
    cursor = next(((name, position) for name in CURSOR_ARGS
                   if (position := decode_position(order, args.get(name))) is not None), None)
    if cursor and cursor[0] == "before":
        rows = db.session.execute(keyed.where(order.before(cursor[1])).order_by(None)
                                  .order_by(*order.reversed_clauses()).limit(PER_PAGE + 1)).all()
        if len(rows) > PER_PAGE:
            return rows[:PER_PAGE][::-1], cursor, True, True
        cursor = None  # fewer than a page before it: the first page
    if cursor:
        keyed = keyed.where(order.after(cursor[1]))
    rows = db.session.execute(keyed.limit(PER_PAGE + 1)).all()
    return rows[:PER_PAGE], cursor, cursor is not None, len(rows) > PER_PAGE


# The count of the queue a page was turned from (下一页, 上一页): counting the whole filtered scope again on every
# page turned cost a city's administrator 150-380 ms of the 250-520 ms a page took at 600,000 items, where the
# page itself is an index range read. Only shown (共 N 件), never used for anything else; a number out of range,
# a page that shows it wrong (fewer than its own rows) or no longer a page turned (the first page, a position
# typed by hand) is counted again, and so is the queue an administrator comes back to after working on an item
# (the place remembered, ``QUEUE_KEY``, leaves it out): what they changed shows in the count.
TOTAL_ARG = "n"


def carried_total(args):
    """The count a page turned to carried (``TOTAL_ARG``), or None."""
    return parse_int(args.get(TOTAL_ARG), low=0)


def _count(query, cap):
    """How many rows ``query`` selects, at most ``cap`` + 1 (None: every one)."""
    counted = query.order_by(None) if cap is None else query.order_by(None).limit(cap + 1)
    return db.session.scalar(select(func.count()).select_from(counted.subquery()))


@bp.get("/suggestions")
@console_login_required
def suggestions():
    return render_queue(request.args)


def render_queue(args, batch=None, status=200):
    """The queue as ``args`` (its query string) filters and places it. ``batch``: the 批量分派 form as
    the administrator sent it (``ids``, ``deputy_id``, ``note``, and why it was refused as ``error``),
    shown again as typed, its boxes ticked."""
    user = g.user
    query, form = filtered_query(user, args)
    keyword = form.get("q", "")
    number_digits = typed_number(keyword)
    phone = typed_phone(keyword) if keyword else None
    cap = KEYWORD_COUNT_CAP if keyword and not number_digits and not phone else None
    # A page turned to without a search shows the count its link carried (carried_total); a search counts on
    # every page, found through its indexes, and a phone's count goes into the log.
    carried = None if keyword else carried_total(args)
    total = None if carried is not None else _count(query, cap)
    capped = cap is not None and total > cap
    if capped:  # so many matches that the queue's order soon meets a page of them (keyword_clause)
        total = cap
        query, form = filtered_query(user, args, frequent=True)
    order = queue_order(form)
    rows, cursor, has_previous, has_next = queue_page(query, order, args)
    items = [row[0] for row in rows]
    if total is None:  # the first page after all, or a count the page itself gives the lie to
        total = carried if cursor and carried >= len(items) > 0 else _count(query, None)
    if phone:
        # Which items a citizen's phone was left with is a look-up of their personal data: the 操作日志 keeps
        # who looked, the number masked, in a transaction of its own (a GET writes nothing else).
        record_apart("phone_searched", user, detail={"contact_phone": masked_phone(phone), "found": total})
    # The item pages lead back here, to this filter and place, however many steps the administrator takes there.
    here = form | ({cursor[0]: args[cursor[0]]} if cursor else {})
    session[QUEUE_KEY] = here
    deputies, all_deputies = queue_deputies(user, form.get("station_id"), form.get("deputy_id"))
    # 批量分派's list: the same, and the deputy a refused or taken-back batch had chosen (found by searching).
    batch_deputies = list(deputies)
    batch_deputy = _chosen_deputy(user, (batch or {}).get("deputy_id"), active_only=True) \
        if (batch or {}).get("deputy_id") and all(d.id != batch["deputy_id"] for d in deputies) else None
    if batch_deputy is not None:
        batch_deputies.append(batch_deputy)
    stations = scoped_stations(user, [form.get("station_id")])
    filters = {key: value for key, value in form.items() if key != "sort"}
    turned = {} if keyword else {TOTAL_ARG: total}  # 下一页 and 上一页 carry the count (carried_total)
    sort = form.get("sort", "")
    shown_sort = sort or default_sort(filters)
    # The 工作台's region filters stay on through the tabs, each shown in words with a link that drops it.
    regions = {key: form[key] for key in REGION_FILTERS if key in form}
    narrowed = [(f"{label}：{db.session.get(Region, form[key]).name}",
                 url_for("console.suggestions", **{k: v for k, v in form.items() if k != key}))
                for key, label in REGION_FILTERS.items() if key in form]
    return render_template(
        "console/suggestions.html",
        items=items, total=total, form=form, filtered=bool(filters),
        capped=capped, number_digits=number_digits, phone=phone,
        sort_choices=[(order.label, url_for("console.suggestions", **with_order(filters, key)), key == shown_sort)
                      for key, order in QUEUE_ORDERS.items()],
        quick_tabs=[(label, url_for("console.suggestions", **with_order(tab | regions, sort)),
                     form == with_order(tab | regions, sort)) for label, tab in QUICK_TABS],
        narrowed=narrowed, region_filters=regions,
        statuses=STATUS_LABELS, flags=FLAG_FILTERS,
        categories=current_app.config["SUGGESTION_CATEGORIES"],
        stations=stations, deputies=deputies, all_deputies=all_deputies, batch_deputies=batch_deputies,
        deputy_label=deputy_label, cn_time=cn_time,
        first_url=url_for("console.suggestions", **form) if cursor else None,
        previous_url=url_for("console.suggestions", **form, **turned, before=encode_position(order, rows[0]))
        if has_previous and rows else (url_for("console.suggestions", **form) if has_previous else None),
        next_url=url_for("console.suggestions", **form, **turned, after=encode_position(order, rows[-1]))
        if has_next else None,
        export_url=url_for("console.export_suggestions", **form),
        queue_args=here, batch=batch or {},
    ), status


# --- one item ------------------------------------------------------------------------------------


def item_or_404(suggestion_id):
    item = load_item(suggestion_id)
    if item is None or not workflow.can_see(g.user, item):
        raise ConsoleNotFound()
    return item


def dispatch_choices(user, item, chosen_id=None, q=""):
    """The deputies the 分派 form lists: the active ones of the item's station that the administrator manages,
    按姓氏拼音 as staff read a roster (one query, their regions and stations one each, whatever their number);
    then the others in scope found by ``q`` (the page's own 查找 without JavaScript, ?deputy_q=; with it,
    deputy-select.js searches GET /console/deputy-options as one types), at most DEPUTY_SEARCH_LIMIT; and, in a
    form that comes back refused, the deputy it named. (own, others)."""
    own = []
    if item.station_id is not None:
        own = by_pinyin(db.session.scalars(
            select(Deputy).where(Deputy.active.is_(True), deputy_scope_clause(user), _station_deputies_clause(item.station_id))
            .options(*picked_loading())
        ).all())
    listed = {d.id for d in own}
    others = []
    if q:
        others = [d for d in by_pinyin(db.session.scalars(
            select(Deputy).where(Deputy.active.is_(True), deputy_scope_clause(user), deputy_search_clause(q))
            .order_by(Deputy.name, Deputy.id).limit(DEPUTY_SEARCH_LIMIT).options(*picked_loading())
        ).all()) if d.id not in listed]
        listed |= {d.id for d in others}
    if chosen_id is not None and chosen_id not in listed:
        chosen = _chosen_deputy(user, chosen_id, active_only=True)
        if chosen is not None:
            others.append(chosen)
    return own, others


def available_actions(user, item):
    """Which action forms to show: the administrator's, from the item's current status."""
    if workflow.admin_role_for(user, item) is None:
        return set()
    actions = {a for a in ("dispatch", "reject", "merge", "supervise", "forward", "feedback")
               if item.status in workflow.starts_from(item, a)}
    if item.merged_into_id:
        actions -= {"merge", "dispatch"}
    if item.awaiting_review:
        actions.add("release")
    if item.public_consent and item.merged_into_id is None and item.status in workflow.starts_from(item, "public_text"):
        actions |= {"public_text", "withhold_public"}  # 公开展示内容, once closed
    return actions


@bp.get("/suggestions/<int:suggestion_id>")
@console_login_required
def suggestion(suggestion_id):
    return render_item(item_or_404(suggestion_id), deputy_q=query_text("deputy_q", 50))


def render_item(item, refused=None, status=200, deputy_q=""):
    """The item's page. ``refused`` = (the form whose step was refused, why, the field to fill): that form
    comes back as typed with the reason in it (a form in the side column is out of sight of the top of
    the page); if the item has moved on and no longer offers it, the reason is said at the top."""
    user = g.user
    body = present(item, user, timeline=True)
    actions = available_actions(user, item)
    typed_deputy = _int_arg(request.form, "deputy_id") if refused and refused[0] == "dispatch" else None
    own, others = dispatch_choices(user, item, typed_deputy, deputy_q) if "dispatch" in actions else ([], [])
    merged_in = db.session.scalars(
        select(Suggestion).where(Suggestion.merged_into_id == item.id).order_by(Suggestion.id)
    ).all()
    merged_into = db.session.get(Suggestion, item.merged_into_id) if item.merged_into_id else None
    form_name, message, field = refused or (None, None, None)
    if form_name is not None and form_name not in actions:
        flash(message, "error")
        form_name = None
    return render_template(
        "console/suggestion_detail.html",
        item=item, body=body, actions=actions, own_deputies=own, other_deputies=others, deputy_label=deputy_label,
        deputy_q=deputy_q, deputy_search_limit=DEPUTY_SEARCH_LIMIT,
        merged_in=merged_in, merged_into=merged_into, statuses=STATUS_LABELS, roles=ROLE_LABELS, web_citizen_name=WEB_CITIZEN_NAME, web_citizen_names=WEB_CITIZEN_NAMES, queue_url=queue_url(),
        satisfaction_labels=SATISFACTION_LABELS, implemented_labels=IMPLEMENTED_LABELS,
        photo_screening_labels=SCREENING_LABELS, forward_targets=FORWARD_TARGETS, cn_time=cn_time,
        headlines=timeline_headlines(item), own_item_note=own_item_note(item), refused=form_name, refused_message=message, refused_field=field,
        typed=request.form if form_name else {},
        # What the public will read of it (redaction can miss a name): to be checked by a person.
        public_preview=published_item(item) if item.public_consent and item.merged_into_id is None else None,
    ), status


def own_item_note(item):
    """What ``item``'s page tells the administrators of its filer being a deputy, or None. Handled by that
    deputy (workflow.filed_by_its_deputy), the item is their own: they may not rate it, and closing it credits
    no 办结/满意 points. Not dispatched yet, it says whose it is, before anyone dispatches it to them."""
    if workflow.filed_by_its_deputy(item):
        return f"提交人即承办代表（{_why_filer_is(item, item.deputy)}），代表不能评价本人的答复，办结不计履职积分。"
    if item.deputy_id is None and item.filer_deputy_id is not None:
        filer = db.session.get(Deputy, item.filer_deputy_id)
        return f"提交人为代表{filer.name}（{_why_filer_is(item, filer)}），分派给其本人办理的，办结不计履职积分。"
    return None


def _why_filer_is(item, deputy):
    if item.citizen is not None and item.citizen.deputy_id == deputy.id:
        return "提交人的微信已绑定为该代表"
    if deputy.phone is not None and phone_key(item.contact_phone) == deputy.phone:
        return "联系电话与该代表登记的手机号相同"
    return "提交人曾留下该代表登记的手机号"


def timeline_headlines(item):
    """What each line of the item's 台账 says was done, with whom it was given to where the line's own
    record says (a dispatch's deputy, a forwarding's department): 分派 then 改派 read the same otherwise."""
    headlines = []
    for event in item.events:
        data = event.data or {}
        label = action_label(event)  # a rating with how the citizen rated
        if event.action == "dispatch" and data.get("deputy_name"):
            label = f"{'改派' if event.from_status == Status.assigned.value else '分派'}给 {data['deputy_name']}"
        elif event.action == "forward" and data.get("department"):
            label = f"转办至 {data['department']}" + (f"（工单 {data['work_order_no']}）" if data.get("work_order_no") else "")
        headlines.append(label)
    return headlines


def remembered_queue_args():
    """The query string of the queue as the administrator last left it (filter and place), else {}."""
    remembered = session.get(QUEUE_KEY)
    return {key: str(value) for key, value in remembered.items()} if isinstance(remembered, dict) else {}


def queue_url():
    """The queue as the administrator last left it (filter and place), else the whole queue."""
    return url_for("console.suggestions", **remembered_queue_args())


@bp.get("/suggestions/<int:suggestion_id>/photos/<key>")
@console_login_required
def suggestion_photo(suggestion_id, key):
    """A photo of an item, for administrators who may see the item (the API's photo URL needs a bearer token)."""
    item = item_or_404(suggestion_id)
    record = db.session.scalar(select(Upload).where(Upload.key == key)) if valid_key(key) else None
    if record is None or record.suggestion_id != item.id:
        raise ConsoleNotFound("图片不存在。")
    try:
        data = get_storage().open(key)
    except NotStored:
        raise ConsoleNotFound("图片不存在。") from None
    response = Response(data, mimetype=record.content_type)
    response.set_etag(key)
    response.cache_control.private = True
    response.cache_control.max_age = 86400
    response.headers["Content-Disposition"] = "inline"
    return response.make_conditional(request)


# --- the actions ---------------------------------------------------------------------------------


def form_text(name, label, max_length, required=True, single_line=False, values=None):
    """A form's field (or ``values``': a query string's) as typed, trimmed and checked; else the reason."""
    value = clean((request.form if values is None else values).get(name))
    if "\x00" in value:
        raise validation_failed({name: ["文本包含无法识别的字符。"]})
    if single_line and has_control_characters(value):
        raise validation_failed({name: [f"{label}不能包含换行、制表符等控制字符或不可见字符。"]})
    if required and not value:
        raise validation_failed({name: [f"请填写{label}。"]})
    if len(value) > max_length:
        raise validation_failed({name: [f"{label}不能超过 {max_length} 个字。"]})
    return value


def _run(suggestion_id, action, step, success):
    """Take one step as the signed-in administrator; flash the outcome (``success``, or what
    ``success(item)`` says) and go back to the item. Refused, the item's page with the form as typed.

    A form that took its step once only says so again (console.once): a double click, or the browser
    sending the form twice, must not dispatch, 督办 or notify twice."""
    item = item_or_404(suggestion_id)

    def take():
        check_drawn(item, stale_message)  # a form drawn before another administrator's step
        step(item, workflow.actor_for(g.user, item, action))
        flash(success(item) if callable(success) else success, "success")

    try:
        return take_once(url_for("console.suggestion", suggestion_id=item.id), take)
    except APIError as exc:
        if exc.status == 404:
            raise ConsoleNotFound() from None
        refused = (action, error_message(exc), _field_to_fill(exc)), exc.status
    except Collided:
        refused = (action, STALE_MESSAGE, None), 409
    # As it is saved now (another administrator's step may be why this one was refused).
    return render_item(item_or_404(suggestion_id), *refused)


def stale_message(item):
    """STALE_MESSAGE with what the item is now (现为“待接单”，承办代表张伟)."""
    now = f"现为“{item.status_label}”" + (f"，承办代表{item.deputy.name}" if item.deputy is not None else "")
    return STALE_MESSAGE.replace("，请刷新", f"（{now}），请刷新")


# The API's names of the fields a refused step names, as the console's forms call them.
_FORM_FIELDS = {"into_id": "into"}


def _field_to_fill(exc):
    fields = list(exc.errors or {})
    return _FORM_FIELDS.get(fields[0], fields[0]) if fields else None


@bp.post("/suggestions/<int:suggestion_id>/dispatch")
@console_login_required
def dispatch(suggestion_id):
    def step(item, actor):
        deputy_id = _int_arg(request.form, "deputy_id")
        if deputy_id is None:
            raise validation_failed({"deputy_id": ["请选择要分派的代表。"]})
        services.dispatch(item, actor, deputy_id, form_text("note", "分派说明", 500, required=False))

    return _run(suggestion_id, "dispatch", step, "已分派，等待代表接单。")


BATCH_DISPATCH_MAX = 100  # the queue shows PER_PAGE items; a form naming more was not sent from it


@bp.post("/suggestions/batch-dispatch")
@console_login_required
def batch_dispatch():
    """批量分派 from the queue: the ticked items waiting for dispatch each go to the chosen deputy through
    the same 分派 as on their own page (its 台账 line, the deputy's notice), each in a transaction of its
    own, so that one refused (dispatched meanwhile, out of scope) does not stop the others; the summary
    names those not dispatched and why. Only items still 待分派 are taken: 改派 is done on an item's page.
    The form takes its steps once (console.once): sent again, it answers as the first post did.

    Sent from the queue it first asks (确定将 N 件分派给…吗？, a page of its own, so that it asks without
    a script too) and takes its steps once confirmed. Refused (nothing ticked, no deputy), or taken back
    to change (返回修改), the queue comes back as the administrator left it, the boxes still ticked and
    the note as typed."""
    back = queue_url()
    form = PostedForm()
    first = form.first()
    if first is not None:
        return form.replay(first, back)
    ids = list(dict.fromkeys(i for i in (parse_int(v) for v in request.form.getlist("ids")) if i is not None))
    deputy_id = _int_arg(request.form, "deputy_id")
    typed = {"ids": set(ids), "deputy_id": deputy_id, "note": request.form.get("note", "")}
    if request.form.get("revise"):
        return render_queue(remembered_queue_args(), typed)
    try:
        note = form_text("note", "分派说明", 500, required=False)
        if not ids:
            raise validation_failed({"ids": ["请先勾选要分派的建议。"]})
        if len(ids) > BATCH_DISPATCH_MAX:
            raise validation_failed({"ids": [f"一次最多分派 {BATCH_DISPATCH_MAX} 件建议。"]})
        if deputy_id is None:
            raise validation_failed({"deputy_id": ["请选择要分派的代表。"]})
        deputy = db.session.get(Deputy, deputy_id, options=[lazyload(Deputy.live_qr)])
        if deputy is None or not deputy.active or not manages_deputy(g.user, deputy):
            raise validation_failed({"deputy_id": ["代表不存在、已离任或不在您的管理范围内。"]})
    except APIError as exc:
        return render_queue(remembered_queue_args(), typed | {"error": error_message(exc)}, exc.status)
    if request.form.get("confirmed") != "1":
        found = {item.id: item for item in db.session.scalars(
            select(Suggestion).where(Suggestion.id.in_(ids), admin_scope_clause(g.user))).all()}
        return render_template(
            "console/batch_dispatch_confirm.html", ids=ids, items=[found[i] for i in ids if i in found],
            deputy=deputy, deputy_detail=deputy_detail, note=note, queue_url=back, cn_time=cn_time,
        )
    done, refused, deputy_name = 0, [], ""
    for item_id in ids:
        item = load_item(item_id)
        if item is None or not workflow.can_see(g.user, item):
            refused.append(f"编号 {item_id}（建议不存在或不在您的管理范围内）")
            continue
        number = item.number
        try:
            if item.status is not Status.pending:
                raise APIError(409, "conflict", f"当前状态为“{item.status_label}”，不是待分派")
            services.dispatch(item, workflow.actor_for(g.user, item, "dispatch"), deputy_id, note)
            deputy_name = item.deputy.name
            db.session.commit()
            done += 1
        except APIError as exc:
            db.session.rollback()
            refused.append(f"{number}（{error_message(exc).rstrip('。')}）")
        except (StaleDataError, IntegrityError):
            db.session.rollback()
            refused.append(f"{number}（刚刚被其他人修改过）")
    if done:
        flash(f"已分派 {done} 件给{deputy_name}，等待代表接单。", "success")
    if refused:
        flash(f"{len(refused)} 件未分派：{'；'.join(refused)}。", "error")
    try:
        form.remember(back)
        db.session.commit()
    except IntegrityError:  # its twin, sent at the same moment, finished first: answer as it did
        db.session.rollback()
        return form.replay(form.first(), back)
    return redirect(back)


@bp.post("/suggestions/<int:suggestion_id>/reject")
@console_login_required
def reject(suggestion_id):
    def step(item, actor):
        services.reject(item, actor, form_text("reason", "不予受理的理由", 500))

    return _run(suggestion_id, "reject", step, "已作不予受理处理。")


@bp.post("/suggestions/<int:suggestion_id>/public-text")
@console_login_required
def public_text(suggestion_id):
    """公开展示内容 as the administrator edited it on the preview card (services.set_public_text)."""
    def step(item, actor):
        services.set_public_text(item, actor, form_text("content", "公开的建议内容", 1000, required=False),
                                 form_text("reply_content", "公开的答复内容", 2000, required=False))

    return _run(suggestion_id, "public_text", step, "公开展示内容已保存。")


@bp.post("/suggestions/<int:suggestion_id>/withhold-public")
@console_login_required
def withhold_public(suggestion_id):
    def step(item, actor):
        services.set_public_text(item, actor, withheld=True, reason=form_text("reason", "不予公开的理由", 500))

    return _run(suggestion_id, "withhold_public", step, "已不予公开，公开页面不再显示这条建议。")


@bp.post("/suggestions/<int:suggestion_id>/supervise")
@console_login_required
def supervise(suggestion_id):
    def step(item, actor):
        services.supervise(item, actor, form_text("note", "督办意见", 2000))

    return _run(suggestion_id, "supervise", step, "已督办。")


@bp.post("/suggestions/<int:suggestion_id>/forward")
@console_login_required
def forward(suggestion_id):
    def step(item, actor):
        target = request.form.get("target")
        if target not in FORWARD_TARGETS:
            raise validation_failed({"target": ["请选择转办对象。"]})
        department = form_text("department", "承办部门", 100, required=False, single_line=True) \
            if target == "department" else None
        work_order_no = form_text("work_order_no", "工单编号", 50, required=False, single_line=True)
        services.forward(item, actor, target, department, form_text("note", "转办说明", 2000), work_order_no)

    return _run(suggestion_id, "forward", step, "已转办，等待部门反馈。")


@bp.post("/suggestions/<int:suggestion_id>/feedback")
@console_login_required
def feedback(suggestion_id):
    def step(item, actor):
        note = form_text("note", "部门反馈", 2000)
        satisfaction = request.form.get("department_satisfaction")
        if satisfaction not in SATISFACTION_LABELS:
            raise validation_failed({"department_satisfaction": ["请选择代表对部门办理结果的满意度。"]})
        services.feedback(item, actor, note, satisfaction)

    def success(item):
        if item.department_satisfaction is Satisfaction.dissatisfied:
            return "已记录部门反馈。代表不满意，已转入督办，请组织现场督办。"
        return "已记录部门反馈。"

    return _run(suggestion_id, "feedback", step, success)


@bp.post("/suggestions/<int:suggestion_id>/release")
@console_login_required
def release(suggestion_id):
    def step(item, actor):
        services.release(item, actor, form_text("note", "审核意见", 2000, required=False))

    return _run(suggestion_id, "release", step, "已审核通过，建议恢复正常办理。")


MERGE_TARGET_UNREADABLE = "请填写目标建议的完整编号（如 MSB-20261122-000123），或编号末尾至少 3 位数字。"
MERGE_TARGET_NOT_FOUND = "合并目标不存在或不在您的管理范围内。"
MERGE_ITSELF = "不能合并到自身。"


def _merge_target(user, item, typed):
    """The surviving item an administrator names as a citizen quotes its number (``typed_number``): whole, in
    any spelling, or its last digits when one item of their scope ends with them — this one aside, which
    cannot be its own target. Else the reason, for the form."""
    digits = typed_number(typed)
    if digits is None:
        raise validation_failed({"into": [MERGE_TARGET_UNREADABLE]})
    query = select(Suggestion).where(number_ends_with(digits))
    if len(digits) < WHOLE_NUMBER_DIGITS:
        query = query.where(admin_scope_clause(user), Suggestion.id != item.id)
    found = db.session.scalars(query.limit(2)).all()
    if len(found) > 1:
        count = db.session.scalar(select(func.count()).select_from(query.subquery()))
        raise validation_failed({"into": [f"编号末尾为 {digits} 的建议有 {count} 条，请多填几位或填写完整编号。"]})
    if not found and len(digits) < WHOLE_NUMBER_DIGITS and re.sub(r"\D", "", item.number).endswith(digits):
        raise validation_failed({"into": [MERGE_ITSELF]})  # its own tail, no other's: not "not found"
    if not found or workflow.admin_role_for(user, found[0]) is None:
        raise validation_failed({"into": [MERGE_TARGET_NOT_FOUND]})
    if found[0].id == item.id:  # its own whole number (services.merge refuses it too)
        raise validation_failed({"into": [MERGE_ITSELF]})
    return found[0]


MERGE_EXCERPT = 20  # characters of the found item's words in the question 合并 asks


@bp.get("/suggestions/<int:suggestion_id>/merge-target")
@console_json
def merge_target(suggestion_id):
    """The item 合并到 would merge this one into, looked up as the merge reads the number typed, for the
    question the page asks before merging: its number, words and status; or the reason there is none."""
    try:
        item = item_or_404(suggestion_id)
    except ConsoleNotFound as exc:  # the pages' 404 is a page; this answer is the script's
        raise not_found(exc.message) from None
    target = _merge_target(g.user, item, form_text("into", "目标建议编号", 32, values=request.args))
    words = " ".join(target.content.split())
    excerpt = words if len(words) <= MERGE_EXCERPT else words[:MERGE_EXCERPT - 1] + "…"
    return jsonify({"number": target.number, "excerpt": excerpt, "status_label": STATUS_LABELS[target.status.value]})


@bp.post("/suggestions/<int:suggestion_id>/merge")
@console_login_required
def merge(suggestion_id):
    def step(item, actor):
        services.merge(item, actor, _merge_target(g.user, item, form_text("into", "目标建议编号", 32)))

    return _run(suggestion_id, "merge", step, _merged)


MERGED_NOT_CONSENTED = ("已合并到目标建议，群众将改为关注该建议。目标建议的提出人未同意公开，"
                        "被合并建议的群众可以看到其办理进展和答复，看不到其建议内容、照片和位置。")


def _merged(item):
    """What a merge tells the administrator: the duplicate's citizen follows the surviving item; when its citizen
    did not consent to publication, they read its progress and answer but not its words (workflow.follow_kind)."""
    into = db.session.get(Suggestion, item.merged_into_id)
    if into.public_consent or into.citizen_id == item.citizen_id:
        return "已合并到目标建议，群众将改为关注该建议。"
    return MERGED_NOT_CONSENTED
