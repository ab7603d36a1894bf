"""消息: the notices sent to the signed-in administrator's account (notifications.center), in the console where
they work on a PC, with the unread count in the navigation. Listing a page of them reads them; 全部已读 reads
every one."""
from flask import flash, g, redirect, render_template, url_for

from ..extensions import db
from ..notifications import center
from ..suggestions.services import CHINA
from . import bp, console_login_required
from .pages import listing_page

PER_PAGE = 20
SUGGESTION_TEMPLATES = ("new_item", "reopened", "overdue", "supervised")  # keys ``{template}:{item id}:…``


@bp.app_context_processor
def unread_messages():
    """The navigation's 消息 badge, counted only on a console page for a signed-in administrator."""
    def count():
        return center.account_unread(g.user) if getattr(g, "user", None) is not None else 0
    return {"console_unread_messages": count}


def _href(message):
    """Where the notice's matter is handled in the console."""
    parts = message["key"].split(":")
    if message["template"] in SUGGESTION_TEMPLATES and len(parts) > 1 and parts[1].isdigit():
        return url_for("console.suggestion", suggestion_id=int(parts[1]))
    if message["template"] == "appointment" and len(parts) > 1 and parts[1].isdigit():
        return url_for("console.appointment", appointment_id=int(parts[1]))
    if message["template"] == "research":
        return url_for("console.research")
    return None


@bp.get("/messages")
@console_login_required
def messages():
    page = center.account_messages(g.user, lambda query: listing_page(query, PER_PAGE, rows=True))
    for message in page["items"]:
        message["href"] = _href(message)
        message["at"] = message["created_at"].astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    # Listed is read: the page shows which were new this once.
    unread = [m["id"] for m in page["items"] if not m["read"]]
    if unread:
        center.account_mark_read(g.user, unread, listed=True)
    return render_template("console/messages.html", page=page)


@bp.post("/messages/read")
@console_login_required
def messages_read():
    marked = center.account_mark_read(g.user)
    db.session.commit()
    flash(f"已将 {marked} 条消息标为已读。" if marked else "没有未读消息。", "success")
    return redirect(url_for("console.messages"))
