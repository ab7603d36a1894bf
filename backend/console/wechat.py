"""微信提醒: a console account links the WeChat user its reminders go to (auth.wechat_link)."""
import base64
import logging

from flask import flash, g, redirect, render_template, url_for

from ..auth import wechat_link
from ..extensions import db
from ..one_time_codes import display
from ..wechat import WeChatError, WeChatUnavailable, get_client
from . import bp
from .pages import console_page

log = logging.getLogger(__name__)


def _mini_program_code(code):
    """The code as a mini-program code image (a data: URL), or None when WeChat cannot draw it now:
    the page then shows the code as text only, which the mini-program's link page accepts too."""
    try:
        png = get_client().wxacode_unlimit(code, page=wechat_link.LINK_PAGE)
    except (WeChatError, WeChatUnavailable) as exc:
        log.warning("no mini-program code for a link code: %s", exc)
        return None
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _page(code=None, image=None):
    account = g.user
    return render_template(
        "console/wechat.html", linked=account.notify_user, code=display(code) if code else None,
        image=image, minutes=int(wechat_link.CODE_LIFETIME.total_seconds() // 60),
    )


@bp.get("/wechat")
@console_page()
def wechat():
    return _page()


@bp.post("/wechat/code")
@console_page("console.wechat")
def wechat_code():
    # Committed before WeChat draws the image: the code works even if drawing it fails.
    code = wechat_link.new_code(g.user)
    db.session.commit()
    return _page(code, _mini_program_code(code))


@bp.post("/wechat/unlink")
@console_page("console.wechat")
def wechat_unlink():
    wechat_link.unlink(g.user)
    db.session.commit()
    flash("已解除微信绑定，此后不再向该微信发送提醒。", "success")
    return redirect(url_for("console.wechat"))
