"""The admin console for station administrators and congress staff (PC browser, cookie session).

Pages call the same domain services as the API and see exactly what the API's scope rules allow.
Every form posts a CSRF token; sessions expire after PERMANENT_SESSION_LIFETIME, and 退出 ends every
session and API token of the account (auth.services.end_sessions).
"""
import logging
from functools import wraps

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..auth import services as auth_services
from ..auth.limits import sign_in_limits
from ..errors import APIError, address_error_response, error_response
from ..extensions import csrf, db
from ..security import in_the_background

log = logging.getLogger(__name__)

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="../templates/console")


@bp.before_request
def load_console_user():
    """The signed-in administrator (from the session cookie) becomes ``g.user`` for the scope rules."""
    from ..auth.models import User

    user_id, version = session.get("uid"), session.get("v")
    user = db.session.get(User, user_id) if user_id else None
    signed_in = user is not None and user.token_version == version and user.disabled_dt is None
    g.user = user if signed_in and user.is_admin else None
    if request.method == "POST":  # after g.user: an upload over the limit fails here, on a page for them
        csrf.protect()
    if g.user is not None and g.user.must_change_password and request.endpoint not in PASSWORD_CHANGE_PAGES:
        # 初始密码 (set by another administrator): nothing else until its owner has chosen their own.
        return redirect(url_for("console.own_password"))


PASSWORD_CHANGE_PAGES = {"console.own_password", "console.logout", "console.login"}


@bp.after_request
def never_kept(response):
    """Console pages, exports and answers hold citizens' phone numbers and words: the browser keeps none
    of them (no 后退 to an item page after 退出 on a shared computer, no export left in the disk cache).
    Only what a view marks ``private`` itself (photos and posters, addressed by key) may be kept."""
    if not response.cache_control.private:
        response.headers["Cache-Control"] = "no-store"
    return response


def console_login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("user") is None:
            if request.method == "POST":
                return _form_sent_signed_out()
            return redirect(url_for("console.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped


# A form whose page is not the one its address is under (taking the address's last parts off).
_FORM_PAGES = {"console.grade_bands": "console.rules", "console.deputy_points_correction": "console.deputy_archive"}


def page_of_form(path):
    """The console page a form posting to ``path`` is on: for most, the page at its address or the one its
    address is under (``/console/suggestions/1/dispatch`` is on ``/console/suggestions/1``); else the home page."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, args = adapter.match(path, method="POST")
    except HTTPException:
        endpoint, args = None, {}
    if endpoint in _FORM_PAGES:
        return url_for(_FORM_PAGES[endpoint], **args)
    parts = path.rstrip("/").split("/")
    candidates = ["/".join(parts[:end]) for end in range(len(parts), 2, -1)]  # itself, then down to /console/<section>
    for candidate in candidates:
        try:
            adapter.match(candidate, method="GET")
        except HTTPException:
            continue
        return candidate
    return url_for("console.home")


def _page_form_came_from():
    """The page the form being posted was on, with its query (its filters): the page the browser says it
    came from when that is this site's console, else the form's own page by its address."""
    from .pages import back_url

    return back_url(page_of_form(request.path))


def _form_sent_signed_out():
    """A form sent after the sign-in ended (expired, or 退出 elsewhere): the sign-in page says so, and signing
    in returns to the form's page, marked ``#draft`` for forms.js to put back what was typed."""
    flash("登录已失效（长时间未操作，或已在其他窗口退出），刚才的操作没有提交。请重新登录，登录后回到原页面。", "error")
    return redirect(url_for("console.login", next=_page_form_came_from() + "#draft"))


def error_message(exc):
    """The Chinese sentence for a refused step: the field messages when there are any, else the message."""
    details = []
    for messages in (exc.errors or {}).values():
        details.extend(messages if isinstance(messages, list) else [str(messages)])
    return "".join(str(m) for m in details) or exc.message


def console_json(view):
    """The console's JSON answers to its own scripts (the pickers' searches, 合并到's look-up, the live
    attendance): signed out is 401 and a refusal is the API's JSON error, both in Chinese; never a page
    or a redirect to the sign-in page, which a script cannot read."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        in_the_background()
        if g.get("user") is None:
            return error_response(401, "unauthorized", "登录已失效，请刷新页面后重新登录。")
        try:
            return view(*args, **kwargs)
        except APIError as exc:
            db.session.rollback()
            return error_response(exc.status, exc.error, error_message(exc))

    return wrapped


def _safe_next(target):
    """A console page of this site to return to after signing in, else the home page. A line break or
    tab cannot go into the Location header (a 500 after the sign-in had succeeded)."""
    if target and target.startswith("/console") and target.isprintable():
        return target
    return url_for("console.home")


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limits
def login():
    error, status = None, 200
    if request.method == "POST":
        try:
            user = auth_services.login_with_password(request.form.get("username", "")[:64], request.form.get("password", "")[:128])
        except APIError as exc:
            error, status = exc.message, exc.status  # 401 a wrong password, 403 a disabled account
        else:
            session.clear()
            session.permanent = True
            session["uid"], session["v"] = user.id, user.token_version
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    if error is None and _cookie_cannot_come_back():
        error = _https_needed()
    return render_template("console/login.html", error=error, username=_typed_username()), status


def _cookie_cannot_come_back():
    """In production the session cookie is Secure: a browser on plain http:// (the app's port opened
    directly, before TLS is set up) never sends it back, so no form of the console can ever pass."""
    return current_app.config["SESSION_COOKIE_SECURE"] and not request.is_secure


def _https_needed():
    return (f"管理后台须通过 HTTPS 访问：生产环境的登录状态只经 HTTPS 传送，用 http:// 打开时每次登录都会失败。"
            f"请改用 {current_app.config['PUBLIC_BASE_URL']}/console/ 访问。")


def _typed_username():
    return request.form.get("username", "")[:64] if request.method == "POST" else ""


@bp.errorhandler(429)
def too_many_attempts(exc):
    """Over a sign-in limit (per address, or failures per account name: auth/limits.py): the sign-in
    page says so in Chinese, with the name typed still there; not the API's JSON. Over the limit of
    refused changes of one's own password, the password page says so."""
    if request.endpoint == "console.own_password":
        flash("密码修改失败次数过多，请稍后再试。", "error")
        return render_template("console/password.html"), 429
    return render_template("console/login.html", error="登录尝试过于频繁，请稍后再试。", username=_typed_username()), 429


@bp.post("/logout")
def logout():
    if g.user is not None:
        auth_services.sign_out(g.user)  # committed with the request, as every change
    session.clear()
    flash("您已退出登录，此账号在其他浏览器和设备上的登录也已失效。")
    return redirect(url_for("console.login"))


@bp.get("/")
@console_login_required
def home():
    return dashboard.render_dashboard()


@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
def console_address_error(exc):
    """A console address that is no page (a mistyped link, an old bookmark): a console page in Chinese; a
    form's address opened as a page (reloaded after a refused form, bookmarked): the page the form is on. Every other address: a citizen's page in Chinese, the API's JSON
    (errors.address_error_response)."""
    if request.path != "/console" and not request.path.startswith("/console/"):
        return address_error_response(exc)
    if exc.code == 405 and request.method in ("GET", "HEAD"):
        return redirect(page_of_form(request.path))  # a form's address: the page the form is on
    return render_template("console/dashboard_error.html", title="页面不存在",
                           message="您要找的页面不存在，请从导航栏重新进入。"), exc.code


@bp.errorhandler(CSRFError)
def csrf_failed(exc):
    """A console form posted without a valid token (usually a page left open too long): a page, not JSON.
    The reason goes to the log: behind a proxy that does not pass the Host, every form fails here."""
    log.warning("console form refused (CSRF): %s", exc.description)
    if _cookie_cannot_come_back():  # refreshing would never help
        return render_template("console/dashboard_error.html", title="须通过 HTTPS 访问", message=_https_needed()), 400
    if request.endpoint == "console.login":
        return render_template("console/login.html", error="页面已过期，请重新登录。", username=_typed_username()), 400
    if g.get("user") is None:
        return _form_sent_signed_out()
    # Signed in again (in another tab) since the page was drawn, or a form from elsewhere: nothing done, and
    # a way back to the form's page (not 刷新, which would post the same form again).
    return render_template("console/activities_error.html", title="页面已过期", back=_page_form_came_from() + "#draft",
                           message="页面已过期（可能已在其他窗口重新登录），刚才的操作没有提交。请返回上一页，核对后重新提交。"), 400


from . import pages, activities, organisation, points  # noqa: E402,F401
from . import dashboard, suggestions, appointments, exports, wechat, workdays, accounts, audit, livelihood  # noqa: E402,F401
from . import consultations, training, liaisons, report_polls, research, messages  # noqa: E402,F401
