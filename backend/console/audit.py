"""操作日志: the administrators' security-relevant actions in the console's scope (backend.audit), newest
first, 50 a page, filtered by action, account and dates; the filtered log as .xlsx (itself logged)."""
from flask import g, render_template, request
from sqlalchemy import func, select

from ..audit import listing
from ..extensions import db
from ..audit.models import ACTION_LABELS
from . import bp
from .pages import console_page, listing_page
from .exports import EXPORT_BATCH, Export, rows_to_read
from .suggestions import cn_time

# The page counts at most this many of the events it may show, as the queue's keyword search does
# (KEYWORD_COUNT_CAP): a province's log holds years of sign-ins and exports, and an exact count read the
# administrator's whole scope on every page (0.2-0.4 s at 2,000,000 events). Beyond it the page says
# "N+", lists the newest N and asks to narrow the filters; the export holds every row (up to its own cap).
COUNT_CAP = 1000


@bp.get("/audit")
@console_page()
def audit_log():
    filters = listing.parse_filters(request.args)
    query = listing.events_query(g.user, filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).limit(COUNT_CAP + 1).subquery()))
    capped = total > COUNT_CAP
    page = listing_page(query, listing.PER_PAGE, total=min(total, COUNT_CAP))
    return render_template("console/audit.html", page=page, capped=capped, filters=filters, actions=ACTION_LABELS,
                           listing=listing)


@bp.get("/audit/export.xlsx")
@console_page("console.audit_log")
def export_audit_log():
    """The log as filtered on screen, every page of it (up to MAX_EXPORT_ROWS), newest first."""
    filters = listing.parse_filters(request.args)
    rows = ((cn_time(e.at, "%Y-%m-%d %H:%M:%S"), listing.who(e), ACTION_LABELS.get(e.action, e.action),
             listing.target(e), e.client_address, listing.details(e))
            for e in listing.export_events(g.user, filters, rows_to_read(), EXPORT_BATCH))
    export = Export("操作日志", "操作日志", fallback="audit-log")
    export.sheet("操作日志", ["时间", "账号", "操作", "对象", "来源地址", "详情"], rows,
                 widths={"时间": 18, "账号": 24, "操作": 16, "对象": 30, "来源地址": 18, "详情": 60},
                 total=lambda: listing.events_query(g.user, filters))
    return export.send()
