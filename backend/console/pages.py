"""What every console page shares: the decorator that turns the domain's refusals into pages, the list pages
(page numbers, the last page past the end, the query that pager and export links carry), search boxes, the way
back after a refused form, the administrator's regions, and the China-time filters of the templates."""
from functools import wraps
from urllib.parse import urlsplit

from flask import flash, make_response, redirect, render_template, request, url_for
from markupsafe import Markup
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..db_types import CHINA, utcnow
from ..errors import APIError
from ..extensions import db
from ..forms import parse_int
from ..org.models import Region
from ..pagination import paginate
from . import bp, console_login_required
from .form_errors import error_lines
from .once import taken_once

PER_PAGE = 20
REGION_CHOICES_LIMIT = 1000


@bp.app_template_filter("china_dt")
def china_dt(value, fmt="%Y-%m-%d %H:%M"):
    """A stored UTC time as China time for display."""
    return value.astimezone(CHINA).strftime(fmt) if value else ""


@bp.app_template_filter("china_end")
def china_end(ends, starts):
    """An end time after its start: the time alone on the day it starts, else with its day (an evening
    activity over midnight: 22:30 – 05-07 00:30), and with its year in another year than the start's
    (a window across the year end: 2026-12-05 09:00 – 2027-01-05 09:00)."""
    if not ends:
        return ""
    end_day = ends.astimezone(CHINA).date()
    start_day = starts.astimezone(CHINA).date() if starts else None
    if start_day == end_day:
        return china_dt(ends, "%H:%M")
    if start_day is None or start_day.year != end_day.year:
        return china_dt(ends)
    return china_dt(ends, "%m-%d %H:%M")


@bp.app_template_filter("overdue_by")
def overdue_by(deadline, now=None):
    """How long ago ``deadline`` passed, as a queue's 时限 says it: 已超 N 天 from a day on, else 已超 N 小时
    (under an hour: 已超不到 1 小时); "" for a deadline still to come."""
    if not deadline:
        return ""
    late = (now or utcnow()) - deadline
    if late.total_seconds() <= 0:
        return ""
    if late.days >= 1:
        return f"已超 {late.days} 天"
    hours = late.seconds // 3600
    return f"已超 {hours} 小时" if hours else "已超不到 1 小时"


@bp.app_template_global()
def nav_current(endpoint):
    """` aria-current="page"` for the navigation's item of the section the page is in (its address, or one
    under it; the home page only itself), else nothing."""
    href = url_for(endpoint)
    if request.path == href or (endpoint != "console.home" and request.path.startswith(href.rstrip("/") + "/")):
        return Markup(' aria-current="page"')
    return ""


@bp.app_template_filter("amount")
def amount(value):
    """A sum of money (万元) as people write it: 3200, 12.5 — never 3200.0; nothing for none."""
    return "" if value is None else f"{value:g}"


@bp.app_template_global()
def query_args():
    """The page's own query (its filters), for its pager and export links: without url_for's own keywords
    (``_anchor``, ``_method``, ``_scheme``, ``_external``), which no page takes as a filter and which a
    crafted link would otherwise pass to url_for (a server error, or links made absolute)."""
    return {key: value for key, value in request.args.items() if not key.startswith("_")}


def back_url(fallback):
    """Where to send the administrator after a refused action: the console page they came from."""
    referrer = request.referrer or ""
    parts = urlsplit(referrer)
    if parts.netloc == request.host and parts.path.startswith("/console") and not parts.path.startswith("//"):
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return fallback if fallback.startswith("/") else url_for(fallback)


def not_found_page(message=None):
    return render_template(
        "console/activities_error.html", title="内容不存在",
        message=message or "您要找的内容不存在，或不在您的管理范围内。",
    ), 404


def console_page(fallback="console.home", labels=None):
    """Signed-in administrators only; the domain's refusals become pages, never a 500; ``labels`` name the
    page's own fields in them where the shared names (form_errors.FIELD_LABELS) do not fit.

    404 (including anything outside the administrator's scope) renders the not-found page; any other
    refusal of a form post is flashed and the administrator is sent back to where they came from.
    """

    def decorator(view):
        once = taken_once(view)

        @wraps(view)
        def wrapped(*args, **kwargs):
            headers = {}
            try:
                return once(*args, **kwargs)
            except APIError as exc:
                db.session.rollback()
                if exc.status == 404:
                    return not_found_page(exc.message)
                lines, status, headers = error_lines(exc, labels), exc.status, exc.headers  # e.g. a 503's Retry-After
            except ValidationError as exc:
                db.session.rollback()
                lines, status = error_lines(exc, labels), 422
            except StaleDataError:
                db.session.rollback()
                lines, status = ["这条记录刚刚被其他人修改过，请刷新后重试。"], 409
            except IntegrityError:
                db.session.rollback()
                lines, status = ["数据刚刚被其他操作修改或已存在，请刷新后重试。"], 409
            if request.method == "GET":
                page = make_response(render_template("console/activities_error.html", title="无法完成操作",
                                                     message="；".join(lines), back=back_url(fallback)), status)
                page.headers.update(headers)
                return page
            for line in lines:
                flash(line, "error")
            return redirect(back_url(fallback))

        return console_login_required(wrapped)

    return decorator


_CONTROL = dict.fromkeys(range(32))


def query_text(name, max_length, values=None):
    """A search box's text (from the query string, or ``values``: a form's): trimmed, limited, without
    control characters (PostgreSQL refuses NUL)."""
    return (request.args if values is None else values).get(name, "").translate(_CONTROL).strip()[:max_length]


def year_asked(schema, this_year):
    """The year asked (``?year=``), checked by ``schema`` (the API's query schema with its ``year`` field) as
    the API checks it: not a number, or outside 2000–2100, is refused (422 naming 年度) rather than shown as
    this year; none asked is ``this_year``."""
    value = request.args.get("year", "").strip()
    if not value:
        return this_year
    return schema(only=("year",)).load({"year": value})["year"]


def reraise_unless_form_error(exc):
    """A form's refusal: one that is about its fields (422) is shown on the form again by the caller; any
    other (403, 404, 409) goes on to ``console_page``, which turns it into a page."""
    if getattr(exc, "status", 422) != 422:
        raise exc


def page_number():
    return parse_int(request.args.get("page"), 1, 100000) or 1


def listing_page(query, per_page, rows=False, total=None):
    """A console list's page as ``page=`` asks, or its last page when that is past the end (a bookmark, a
    list that has shrunk since): never an empty page under "共 N 条" that says nothing matches."""
    page = paginate(query, {"page": page_number(), "per_page": per_page}, rows=rows, total=total)
    if not page["items"] and page["total"] and page["page"] > 1:
        page = paginate(query, {"page": -(-page["total"] // per_page), "per_page": per_page}, rows=rows,
                        total=page["total"])
    return page


def is_region_admin(user):
    return user is not None and user.admin_region_id is not None


def managed_regions(user, limit=REGION_CHOICES_LIMIT):
    """The regions an administrator manages, in tree order, with their depth for indentation."""
    root = user.admin_region if is_region_admin(user) else None
    if root is None:
        return []
    regions = db.session.scalars(
        select(Region).where(Region.path.startswith(root.path)).order_by(Region.path).limit(limit)
    ).all()
    base = root.path.count("/")
    return [{"id": r.id, "name": r.name, "depth": r.path.count("/") - base} for r in regions]
