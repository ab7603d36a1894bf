"""码上办 API: /suggestions and its steps. Handlers parse, find the item, call one service step."""
from flask import current_app

from schemas.common import page_of
from schemas.suggestions import (
    CategoriesOut,
    DispatchIn,
    FeedbackIn,
    ForwardIn,
    MergeIn,
    OptionalNoteIn,
    PublicConsentIn,
    PublicTextIn,
    PublicTextOut,
    RateIn,
    RejectIn,
    ReplyIn,
    ReturnIn,
    SuggestionIn,
    SuggestionOut,
    SuggestionProgressIn,
    SuggestionQuery,
    SuperviseIn,
)

from ..auth.scope import current_caller, current_user, login_required
from ..errors import APIError, not_found
from ..extensions import Blueprint
from ..idempotency import idempotent
from ..notifications import center
from ..web.limits import web_filing_limits
from . import filing, services, workflow
from .listing import list_page
from .presenters import present
from .queries import load_item

blp = Blueprint("suggestions", __name__, url_prefix="/api/v1/suggestions", description="码上办 微建议")

def _item(suggestion_id):
    item = load_item(suggestion_id)
    if item is None or not workflow.can_see(current_caller(), item):
        raise not_found("建议不存在。")
    return item


def _step(suggestion_id, action):
    item = _item(suggestion_id)
    return item, workflow.actor_for(current_user(), item, action)


def _detail(item, status=200):
    """The item with its timeline, as the caller may see it. ``present()`` already writes the contract's
    JSON, so the response schema's dump (which would copy it once more) is skipped."""
    response = current_app.json.response(present(item, current_caller(), timeline=True))
    response.status_code = status
    return response


@blp.get("/categories")
@blp.response(200, CategoriesOut)
def categories():
    """可选的问题类别。"""
    return {"categories": current_app.config["SUGGESTION_CATEGORIES"]}


@blp.post("")
@login_required
@idempotent
@web_filing_limits
@blp.arguments(SuggestionIn)
@blp.response(201, SuggestionOut)
def file_suggestion(data):
    """群众扫码提交建议。通过代表码提交直接交给该代表，通过联络站码提交等待分派。绑定为该代表的微信不能通过自己的代表码提交（403，
    计入提交次数限制）。联系电话为该代表登记的手机号，或此前留下过该手机号的身份（含手机浏览器），照常提交（201，答复与其他号码相同），
    建议记为代表本人提出：本人办理的不能由本人评价，办结不计积分。先检查全部内容（含照片），再判断提交人。"""
    user = current_caller()
    if "citizen" not in user.roles:
        raise APIError(403, "forbidden", "请在微信中登录后提交建议。")
    return _detail(filing.file_suggestion(user, data), 201)


@blp.get("")
@login_required
@blp.arguments(SuggestionQuery, location="query")
@blp.response(200, page_of(SuggestionOut))
def list_suggestions(args):
    """列表：群众看自己的，代表看交给自己的，管理员看管辖范围内的。"""
    # Already the contract's JSON (see _detail): the schema's dump is skipped, it was a third of the request.
    return current_app.json.response(list_page(current_caller(), args))


@blp.get("/<int:suggestion_id>")
@login_required
@blp.response(200, SuggestionOut)
def get_suggestion(suggestion_id):
    """详情与办理台账。本人关于该建议的未读消息随之标为已读。"""
    item = _item(suggestion_id)
    center.read_opened(current_caller().id, services.detail_page(item.id))
    return _detail(item)


@blp.post("/<int:suggestion_id>/dispatch")
@login_required
@blp.arguments(DispatchIn)
@blp.response(200, SuggestionOut)
def dispatch(data, suggestion_id):
    """分派给代表。"""
    item, actor = _step(suggestion_id, "dispatch")
    return _detail(services.dispatch(item, actor, data["deputy_id"], data["note"]))


@blp.post("/<int:suggestion_id>/accept")
@login_required
@idempotent  # as rate: a phone that lost the answer and taps again reads how it went, not 409 (nor a second 进展)
@blp.response(200, SuggestionOut)
def accept(suggestion_id):
    """代表接单。"""
    item, actor = _step(suggestion_id, "accept")
    return _detail(services.accept(item, actor))


@blp.post("/<int:suggestion_id>/return")
@login_required
@idempotent
@blp.arguments(ReturnIn)
@blp.response(200, SuggestionOut)
def return_(data, suggestion_id):
    """代表退回（须说明理由）。"""
    item, actor = _step(suggestion_id, "return")
    return _detail(services.return_to_station(item, actor, data["reason"]))


@blp.post("/<int:suggestion_id>/progress")
@login_required
@idempotent
@blp.arguments(SuggestionProgressIn)
@blp.response(200, SuggestionOut)
def progress(data, suggestion_id):
    """记录办理进展。"""
    item, actor = _step(suggestion_id, "progress")
    return _detail(services.progress(item, actor, data["note"]))


@blp.post("/<int:suggestion_id>/forward")
@login_required
@idempotent
@blp.arguments(ForwardIn)
@blp.response(200, SuggestionOut)
def forward(data, suggestion_id):
    """转办到政府部门或 12345 热线人大代表通道，可填写工单编号。"""
    item, actor = _step(suggestion_id, "forward")
    return _detail(services.forward(item, actor, data["target"], data.get("department"), data["note"],
                                    data.get("work_order_no")))


@blp.post("/<int:suggestion_id>/feedback")
@login_required
@idempotent
@blp.arguments(FeedbackIn)
@blp.response(200, SuggestionOut)
def feedback(data, suggestion_id):
    """记录部门反馈及代表对办理结果的满意度；不满意的工单转入督办。"""
    item, actor = _step(suggestion_id, "feedback")
    return _detail(services.feedback(item, actor, data["note"], data["department_satisfaction"]))


@blp.post("/<int:suggestion_id>/reply")
@login_required
@idempotent
@blp.arguments(ReplyIn)
@blp.response(200, SuggestionOut)
def reply(data, suggestion_id):
    """代表答复群众。"""
    item, actor = _step(suggestion_id, "reply")
    return _detail(services.reply(item, actor, data["content"], data["implemented"]))


@blp.post("/<int:suggestion_id>/rate")
@login_required
@idempotent  # a phone that lost the answer and taps again reads how it went, not 409
@blp.arguments(RateIn)
@blp.response(200, SuggestionOut)
def rate(data, suggestion_id):
    """群众评价：满意、基本满意办结；不满意重新交办。提交人即承办代表本人的（其微信或留下的手机号为该代表的），不能评价（403）。"""
    item, actor = _step(suggestion_id, "rate")
    return _detail(services.rate(item, actor, data["satisfaction"], data["comment"]))


@blp.post("/<int:suggestion_id>/reject")
@login_required
@blp.arguments(RejectIn)
@blp.response(200, SuggestionOut)
def reject(data, suggestion_id):
    """不予受理（须说明理由）。待分派、待接单的建议可不予受理；内容检测未通过而待审核的建议，办理中亦可。"""
    item, actor = _step(suggestion_id, "reject")
    return _detail(services.reject(item, actor, data["reason"]))


@blp.post("/<int:suggestion_id>/withdraw")
@login_required
@idempotent
@blp.response(200, SuggestionOut)
def withdraw(suggestion_id):
    """群众撤回。"""
    item, actor = _step(suggestion_id, "withdraw")
    return _detail(services.withdraw(item, actor))


@blp.post("/<int:suggestion_id>/public-consent")
@login_required
@idempotent
@blp.arguments(PublicConsentIn)
@blp.response(200, SuggestionOut)
def public_consent(data, suggestion_id):
    """群众撤回（或重新给予）公开同意，任何状态均可，仅限提出人本人。

    `public_consent: false`：建议立即不再出现在公开信息（公开列表、联络站和代表页面）和附近建议中，
    经附近建议关注的其他群众不再能查看（因合并而关注的群众仍看到不含提出人内容的关注视图）。
    `true`：重新同意公开。与当前相同时不作改变（幂等），否则记入建议台账（群众撤回公开同意 / 群众同意公开）。"""
    action = "give_consent" if data["public_consent"] else "withdraw_consent"
    item, actor = _step(suggestion_id, action)
    return _detail(services.set_public_consent(item, actor, data["public_consent"]))


@blp.post("/<int:suggestion_id>/supervise")
@login_required
@blp.arguments(SuperviseIn)
@blp.response(200, SuggestionOut)
def supervise(data, suggestion_id):
    """督办。"""
    item, actor = _step(suggestion_id, "supervise")
    return _detail(services.supervise(item, actor, data["note"]))


@blp.post("/<int:suggestion_id>/release")
@login_required
@blp.arguments(OptionalNoteIn)
@blp.response(200, SuggestionOut)
def release(data, suggestion_id):
    """内容审核通过，放行被拦截的建议。"""
    item, actor = _step(suggestion_id, "release")
    return _detail(services.release(item, actor, data["note"]))


@blp.put("/<int:suggestion_id>/public-text")
@login_required
@blp.arguments(PublicTextIn)
@blp.response(200, PublicTextOut)
def public_text(data, suggestion_id):
    """公开展示内容：管理员审定已办结、群众同意公开的建议在公开页面上显示的内容与答复，或不予公开（须填写理由）。

    `content`、`reply_content` 为空时公开页面显示自动去除个人信息后的原文；审定的文字显示前仍会再次自动去除个人信息。
    群众本人和办理人员看到的始终是原文。记入操作日志，并在建议台账中记录（仅工作人员可见）。
    仅限管理范围内的管理员；建议未办结或群众未同意公开时答复 409。"""
    item, actor = _step(suggestion_id, "withhold_public" if data["withheld"] else "public_text")
    services.set_public_text(item, actor, **data)
    return services.public_text_of(item)


@blp.post("/<int:suggestion_id>/merge")
@login_required
@blp.arguments(MergeIn)
@blp.response(200, SuggestionOut)
def merge(data, suggestion_id):
    """合并重复建议：本条以重复办结，群众改为关注保留的那一条。"""
    item, actor = _step(suggestion_id, "merge")
    into = load_item(data["into_id"])
    if into is None or workflow.admin_role_for(current_user(), into) is None:
        raise APIError(422, "validation_failed", "合并目标不存在或不在您的管理范围内。", {"into_id": ["建议不存在。"]})
    return _detail(services.merge(item, actor, into))
