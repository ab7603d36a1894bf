"""Auth API: /auth/wechat, /auth/bind-phone, /auth/login, /me, /me/admin-link (console accounts' WeChat
reminders), /auth/web for citizens in a phone browser, and a citizen's /me/personal-data and 注销 (DELETE
/me, auth.erasure)."""
from flask import g, request
from marshmallow import fields

from schemas.auth import (
    AdminLinkIn, AdminLinkOut, BindPhoneIn, MeOut, PasswordLoginIn, PersonalDataOut, TokenOut, UserOut,
    WeChatLoginIn,
)
from schemas.admins import OwnPasswordIn
from schemas.common import StrictSchema, Text

from ..errors import APIError
from ..extensions import Blueprint, limiter
from ..web.limits import IDENTITY_LIMITED, POLL_IDENTITY_LIMITED, configured
from . import erasure, services, wechat_link
from .limits import own_password_limits, sign_in_limits
from .scope import admin_required, current_caller, current_user, login_required
from .tokens import issue_token, token_ttl

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="登录与身份")


def me(user):
    """The contract's profile of ``user``: an ORM User (just signed in or changed) or the request's Caller."""
    return {
        "id": user.id,
        "roles": user.roles,
        "display_name": user.display_name or user.deputy_name or "",
        "deputy_id": user.deputy_id if "deputy" in user.roles else None,
        "station_ids": sorted(user.admin_station_ids),
        "region_id": user.admin_region_id,
        "phone_masked": user.phone_masked,
        "must_change_password": bool(user.must_change_password),
    }


def token_answer(user):
    return {"token": issue_token(user), "expires_in": token_ttl(user.is_admin), "user": me(user)}


@blp.post("/auth/wechat")
@blp.arguments(WeChatLoginIn)
@blp.response(200, TokenOut)
def wechat_login(data):
    """微信登录：wx.login 的 code 换取令牌；首次登录自动创建群众用户。"""
    return token_answer(services.login_with_wechat(data["code"]))


@blp.post("/auth/bind-phone")
@login_required
@blp.arguments(BindPhoneIn)
@blp.response(200, UserOut)
def bind_phone(data):
    """绑定手机号：手机号与在任代表一致时，获得代表身份。"""
    return {"user": me(services.bind_phone(current_user(), data["code"]))}


@blp.post("/auth/login")
@sign_in_limits
@blp.arguments(PasswordLoginIn)
@blp.response(200, TokenOut)
def password_login(data):
    """管理员用户名密码登录。"""
    return token_answer(services.login_with_password(data["username"], data["password"]))


@blp.get("/me")
@login_required
@blp.response(200, MeOut)
def get_me():
    return me(current_caller())


@blp.post("/me/admin-link")
@login_required
@blp.arguments(AdminLinkIn)
@blp.response(200, AdminLinkOut)
def link_admin_account(data):
    """绑定管理账号的微信提醒：在小程序中扫描管理后台显示的一次性绑定码，此后该账号的超期提醒发到本微信。"""
    account = wechat_link.link(current_user(), data["code"])
    return {"account": {"id": account.id, "username": account.username or "", "display_name": account.display_name}}


@blp.post("/me/password")
@admin_required
@own_password_limits
@blp.arguments(OwnPasswordIn)
@blp.response(200, TokenOut)
def change_own_password(data):
    """修改本人密码（管理员）：须提供当前密码；此后本账号在其他浏览器和设备上的登录全部失效，本次返回新的令牌。"""
    user = current_user()
    services.change_own_password(user, data["current_password"], data["new_password"])
    return token_answer(user)


def _citizen():
    """The caller as a User, if a citizen who may see and erase their own data here (else the refusal)."""
    refused = erasure.refusal(current_caller())
    if refused is not None:
        raise refused
    return current_user()


@blp.get("/me/personal-data")
@login_required
@blp.response(200, PersonalDataOut)
def personal_data():
    """个人信息（群众）：本平台保存的本人信息副本——手机号、账号创建时间、提交的建议（含联系电话、位置、照片张数，以及公开展示情况：公开页面展示的内容，或不予公开）、
    评价、约见、民生实事建议、对法规草案的意见和述职测评（含对每位代表的评价和填写的意见）；每类列出最新的至多 200 条并给出总数。代表和管理员的信息由人大工作人员维护，不在此提供。"""
    return erasure.personal_data(_citizen())


@blp.delete("/me")
@blp.response(204)
@blp.alt_response(403, description="代表或管理员账号：请联系人大工作人员")
@blp.alt_response(409, description="本微信正在接收管理账号的提醒，须先解除")
def erase_me():
    """注销账号（群众）：抹去本人身份（微信 openid、浏览器身份、手机号）和个人信息（建议、约见、民生实事建议中的联系电话和位置，
    上传的照片），取消未进行的约见（代表和联络站会收到通知），本人所有设备上的登录随即失效。已提交的建议作为人大工作台账保留，
    以匿名“群众”的名义继续办理，但不再通知本人，也不能再评价。用同一令牌重试，得到同样的回答。"""
    if g.get("erased_user_id") is not None:
        return None  # already cancelled by this token's account: the same answer, nothing done again
    if current_caller() is None:
        raise APIError(401, "unauthorized", "请先登录。")
    erasure.erase(_citizen())
    return None


# --- citizens in a phone browser outside WeChat (the /q/{code} page) -----------------------------


class WebLoginIn(StrictSchema):
    key = Text(128, metadata={"description": "此前返回的浏览器身份密钥；不填则新建匿名群众身份"})
    report_poll = Text(32, metadata={"description": "新建身份的述职测评页面的令牌：测评进行中时按 WEB_POLL_IDENTITY_RATE_LIMIT 另行限频"})


class WebTokenOut(TokenOut):
    key = fields.String(required=True, metadata={"description": "浏览器保存的身份密钥：令牌过期后凭它换取新令牌"})


def _renewing():
    """Trading a key for a new token creates nothing; only new identities count against the limit."""
    body = request.get_json(silent=True)
    return isinstance(body, dict) and bool(body.get("key"))


def _for_open_poll():
    """A new identity asked for by an open 述职测评's page: a meeting's voters share the hall's address, so
    these are counted apart, under the larger ``WEB_POLL_IDENTITY_RATE_LIMIT`` (once the poll is over, the
    everyday limit again)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or body.get("key") or not isinstance(body.get("report_poll"), str):
        return False
    if "open_poll" not in g:
        from ..activities import report_poll

        poll = report_poll.by_token(body["report_poll"])
        g.open_poll = poll is not None and report_poll.phase(poll) == "open"
    return g.open_poll


@blp.post("/auth/web")
@limiter.limit(configured("WEB_IDENTITY_RATE_LIMIT"), exempt_when=lambda: _renewing() or _for_open_poll(),
               deduct_when=lambda response: response.status_code == 201, error_message=IDENTITY_LIMITED)
@limiter.shared_limit(configured("WEB_POLL_IDENTITY_RATE_LIMIT"), scope="web-poll-identity",
                      exempt_when=lambda: _renewing() or not _for_open_poll(),
                      deduct_when=lambda response: response.status_code == 201, error_message=POLL_IDENTITY_LIMITED)
@blp.arguments(WebLoginIn)
@blp.response(201, WebTokenOut, description="新建了匿名群众身份")
@blp.alt_response(200, schema=WebTokenOut, description="已有身份换取了新令牌")
def web_login(data):
    """浏览器中的匿名群众身份（微信外扫码）：新建身份，或凭密钥换取新令牌。新建按 IP 限频。"""
    user, key, created = services.login_with_web_key(data.get("key"))
    return token_answer(user) | {"key": key}, 201 if created else 200
