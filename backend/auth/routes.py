"""Auth API: /auth/wechat, /auth/bind-phone, /auth/login, /me."""
from flask import current_app
from flask_smorest import Blueprint

from schemas.auth import BindPhoneIn, MeOut, PasswordLoginIn, TokenOut, UserOut, WeChatLoginIn

from ..extensions import limiter
from . import services
from .scope import current_user, login_required
from .tokens import issue_token

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="登录与身份")


def me(user):
    return {
        "id": user.id,
        "roles": user.roles,
        "display_name": user.display_name or (user.deputy.name if user.deputy else ""),
        "deputy_id": user.deputy_id if "deputy" in user.roles else None,
        "station_ids": [s.id for s in user.admin_stations],
        "region_id": user.admin_region_id,
        "phone_masked": user.phone_masked,
    }


def token_answer(user):
    return {"token": issue_token(user), "expires_in": current_app.config["TOKEN_TTL_SECONDS"], "user": me(user)}


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
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
@blp.arguments(PasswordLoginIn)
@blp.response(200, TokenOut)
def password_login(data):
    """管理员用户名密码登录。"""
    return token_answer(services.login_with_password(data["username"], data["password"]))


@blp.get("/me")
@login_required
@blp.response(200, MeOut)
def get_me():
    return me(current_user())
