"""管理员账号: region administrators manage the administrator accounts in their scope (auth.accounts, the
same rules as the /admins API): a list searchable by name or username, 新建 a station or a lower region's
administrator, 编辑 (name, stations or region), 重置密码, 停用/启用. And 修改密码, every administrator's
own: the other sessions and tokens of the account end, the browser it is changed in stays signed in."""
import base64

from flask import flash, g, redirect, render_template, request, session, url_for
from marshmallow import ValidationError

from schemas.admins import AdminIn, AdminPatch, OwnPasswordIn, PasswordResetIn

from ..auth import account_importer, accounts
from ..auth.account_routes import account_query
from ..auth.limits import own_password_limits
from ..auth.services import change_own_password
from ..errors import APIError
from ..forms import load_checked, noted, parse_int
from . import bp
from .pages import PER_PAGE, console_page, is_region_admin, listing_page, managed_regions, query_text
from .drawn import check_drawn
from .form_errors import refused_form
from .organisation import (
    IMPORT_ERRORS_SHOWN, _error_report, _imported, _int_list, _template_download,
)
from .suggestions import scoped_stations

LABELS = {"username": "用户名", "display_name": "姓名", "password": "密码", "station_ids": "所管联络站",
          "region_id": "所管区域", "current_password": "当前密码", "new_password": "新密码", "disabled": "状态"}
# The forms' fields, in page order: a refused one shows its message under it.
NEW_ACCOUNT_FIELDS = ("username", "display_name", "password", "station_ids", "region_id")
ACCOUNT_FIELDS = ("display_name", "region_id", "station_ids")
OWN_PASSWORD_FIELDS = ("current_password", "new_password")
RESET_FIELDS = ("password",)
RESET_LABELS = {"password": "新密码"}


def _region_admin_only():
    if not is_region_admin(g.user):
        raise APIError(403, "forbidden", "只有区域管理员可以管理管理员账号。")
    return g.user


def _choices(user, checked=()):
    """The stations and regions an account may be given by ``user``: the first stations by name and the
    ``checked`` ones (the station picker searches the rest)."""
    regions = [r for r in managed_regions(user) if r["depth"] > 0 or accounts.is_root(user.admin_region)]
    return {"stations": scoped_stations(user, checked, open_only=True), "regions": regions}


@bp.get("/admins")
@console_page()
def admins():
    user = _region_admin_only()
    q = query_text("q", 64)
    page = listing_page(account_query(user, q), PER_PAGE)
    return render_template("console/admins.html", page=page, q=q, refusal=accounts.refusal)


def _new_account_data(form):
    """The new-account form as the API's AdminIn would receive it, every mistake at once."""
    data = {"username": form.get("username", ""), "display_name": form.get("display_name", ""),
            "password": form.get("password", "")}
    errors = {} if data["username"].strip() else {"username": ["请填写用户名。"]}
    if form.get("password") != form.get("password2"):
        errors["password"] = ["两次输入的初始密码不一致。"]
    if form.get("kind") == "region":
        data["region_id"] = parse_int(form.get("region_id"))
        if data["region_id"] is None:
            errors["region_id"] = ["请选择所管区域。"]  # None in data: the schema's own check stays silent
    else:
        data["station_ids"] = noted(errors, _int_list, form.getlist("station_ids"), "station_ids") or []
    return load_checked(AdminIn(), data, errors)


@bp.route("/admins/new", methods=["GET", "POST"])
@console_page("console.admins")
def admin_new():
    user = _region_admin_only()
    if request.method == "POST":
        try:
            account = accounts.create_account(user, _new_account_data(request.form))
        except (APIError, ValidationError) as exc:
            checked = {parse_int(i) for i in request.form.getlist("station_ids")}
            return refused_form("console/admin_new.html", exc, NEW_ACCOUNT_FIELDS, LABELS, values=request.form, checked=checked,
                                read_after=lambda: _choices(user, checked))
        kind = "区域管理员" if account.admin_region_id else "联络站管理员"
        flash(f"已新建{kind}账号“{account.display_name}”（用户名 {account.username}）。请将用户名和初始密码告知本人，"
              "并提醒其登录后修改密码。", "success")
        return redirect(url_for("console.admin_edit", user_id=account.id))
    return render_template("console/admin_new.html", values={"kind": "station"}, checked=set(), **_choices(user))


def _account_changes(form, account):
    """The edit form as the API's AdminPatch would receive it: what changed."""
    data = {"display_name": form.get("display_name", "")}
    if account.admin_region_id is not None and "region_id" in form:  # not on one's own page
        region_id = parse_int(form.get("region_id"))
        if region_id is None:
            raise ValidationError({"region_id": ["请选择所管区域。"]})
        if region_id != account.admin_region_id:
            data["region_id"] = region_id
    elif form.get("stations_present"):
        chosen = _int_list(form.getlist("station_ids"), "station_ids")
        if set(chosen) != {s.id for s in account.admin_stations}:
            data["station_ids"] = chosen
    return AdminPatch().load(data)


def _account_page(account, values, checked):
    user = g.user
    return dict(account=account, values=values, checked=checked, own=account.id == user.id,
                refusal=None if account.id == user.id else accounts.refusal(user, account), **_choices(user, checked))


def _account_values(account):
    return {"display_name": account.display_name, "region_id": account.admin_region_id or ""}


@bp.route("/admins/<int:user_id>", methods=["GET", "POST"])
@console_page("console.admins")
def admin_edit(user_id):
    user = _region_admin_only()
    account = accounts.account_or_404(user, user_id)
    if request.method == "POST":
        try:
            check_drawn(account)  # drawn before a colleague's change: never give back what was taken off
            accounts.update_account(user, account, _account_changes(request.form, account))
        except (APIError, ValidationError) as exc:
            if isinstance(exc, APIError) and exc.status in (403, 404):
                raise
            checked = {parse_int(i) for i in request.form.getlist("station_ids")}
            return refused_form("console/admin_edit.html", exc, ACCOUNT_FIELDS, LABELS,
                                read_after=lambda: _account_page(account, request.form, checked))
        flash(f"已保存管理员账号“{account.display_name}”。", "success")
        return redirect(url_for("console.admin_edit", user_id=account.id))
    checked = {s.id for s in account.admin_stations}
    return render_template("console/admin_edit.html", **_account_page(account, _account_values(account), checked))


@bp.post("/admins/<int:user_id>/password")
@console_page("console.admins")
def admin_password(user_id):
    user = _region_admin_only()
    account = accounts.account_or_404(user, user_id)
    accounts.check_may_reset(user, account)  # before the form's reasons: the page has no such form otherwise
    try:
        check_drawn(account, part="password")  # drawn before a colleague's reset: never replace the password they handed over
        if request.form.get("password") != request.form.get("password2"):
            raise ValidationError({"password": ["两次输入的新密码不一致。"]})
        data = PasswordResetIn().load({"password": request.form.get("password", "")})
    except (APIError, ValidationError) as exc:
        # The account's page again, the reason under the new password (never written back into the page).
        return refused_form("console/admin_edit.html", exc, RESET_FIELDS, RESET_LABELS, read_after=lambda: _account_page(
            account, _account_values(account), {s.id for s in account.admin_stations}))
    accounts.reset_password(user, account, data["password"])
    flash(f"已重置“{account.display_name}”的密码，该账号此前的登录（管理后台和小程序接口）均已失效。请将新密码告知本人。",
          "success")
    return redirect(url_for("console.admin_edit", user_id=account.id))


@bp.post("/admins/<int:user_id>/disabled")
@console_page("console.admins")
def admin_disabled(user_id):
    user = _region_admin_only()
    account = accounts.account_or_404(user, user_id)
    try:
        check_drawn(account, part="state")  # drawn before a colleague's 停用 or 启用: never undo it unseen
    except APIError as exc:
        return refused_form("console/admin_edit.html", exc, (), read_after=lambda: _account_page(
            account, _account_values(account), {s.id for s in account.admin_stations}))
    disabled = request.form.get("disabled") == "1"
    accounts.update_account(user, account, {"disabled": disabled})
    flash(f"已停用“{account.display_name}”的账号，其登录随即失效，也不能再登录。" if disabled
          else f"已启用“{account.display_name}”的账号，可以重新登录。", "success")
    return redirect(url_for("console.admin_edit", user_id=account.id))


@bp.route("/password", methods=["GET", "POST"])
@console_page("console.own_password")
@own_password_limits
def own_password():
    user = g.user
    if request.method == "POST":
        form = request.form
        try:
            own = {} if form.get("current_password") else {"current_password": ["请输入当前密码。"]}
            if form.get("new_password") != form.get("new_password2"):
                own["new_password"] = ["两次输入的新密码不一致。"]
            data = load_checked(OwnPasswordIn(), {"current_password": form.get("current_password", ""),
                                                  "new_password": form.get("new_password", "")}, own)
            change_own_password(user, data["current_password"], data["new_password"])
        except (APIError, ValidationError) as exc:
            return refused_form("console/password.html", exc, OWN_PASSWORD_FIELDS, LABELS)
        session["v"] = user.token_version  # this browser stays signed in; every other session ended
        flash("密码已修改。此账号在其他浏览器和设备上的登录（含小程序接口令牌）均已失效，本浏览器保持登录。", "success")
        return redirect(url_for("console.own_password"))
    return render_template("console/password.html")



# --- 导入管理员 ---------------------------------------------------------------------------------------


@bp.route("/admins/import", methods=["GET", "POST"])
@console_page("console.admins")
def admin_import():
    """导入管理员: region administrators only, as 新建管理员账号 is. The answer is a plain page (no script): it
    holds the new accounts' initial passwords, shown this once."""
    user = _region_admin_only()
    if request.method == "POST":
        return _imported(lambda data, name: account_importer.import_admins(
            user, account_importer.scope_of(user), data, file_name=name))
    return admin_import_page()


def admin_import_page(result=None, error=None, report_url=None):
    """The import page, with an upload's result (its initial passwords, and the same as a download held in
    the page itself: never kept on the server) or refusal."""
    sheet_url = None
    if result and result.get("passwords"):
        data = base64.b64encode(account_importer.result_sheet(result)).decode()
        sheet_url = f"data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,{data}"
    return render_template("console/admin_import.html", result=result, error=error, columns=account_importer.COLUMNS,
                           shown=IMPORT_ERRORS_SHOWN, report_url=report_url, region=g.user.admin_region,
                           result_sheet_url=sheet_url)


@bp.get("/admins/import/errors/<token>.xlsx")
@console_page("console.admins")
def admin_import_errors(token):
    from .exports import Export

    _region_admin_only()
    export = Export("管理员导入错误报告", "管理员导入错误报告", fallback="admin-import-errors")
    _error_report(export, token)
    return export.send()


@bp.get("/admins/import-template.xlsx")
@console_page("console.admins")
def admin_import_template():
    user = _region_admin_only()
    return _template_download(account_importer.template(user.admin_region.name), "管理员导入模板.xlsx",
                              "admin-import-template.xlsx")


@bp.get("/admins/export.xlsx")
@console_page("console.admins")
def export_admins():
    """管理员名单 as the accounts list is searched on screen, under the import template's columns (no passwords)."""
    from ..auth.account_routes import admin_roster_export

    user = _region_admin_only()
    return admin_roster_export(user, account_query(user, query_text("q", 64))).send(user)
