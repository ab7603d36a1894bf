"""消息中心 API: /me/messages, the caller's own notices; nobody reads or marks anyone else's."""
from schemas.message_center import MarkReadIn, MarkReadOut, MessagePageOut, MessagesQuery, UnreadOut

from ..auth.scope import current_caller, login_required
from ..extensions import Blueprint
from . import center

blp = Blueprint("messages", __name__, url_prefix="/api/v1/me/messages", description="消息中心")


@blp.get("")
@login_required
@blp.arguments(MessagesQuery, location="query")
@blp.response(200, MessagePageOut)
def list_messages(args):
    """我的消息：发给本人的全部通知（含微信未送达的），最新的在前；unread 为全部未读数。"""
    return center.messages_of(current_caller().id, args)


@blp.get("/unread-count")
@login_required
@blp.response(200, UnreadOut)
def unread_count():
    """未读消息数（小程序角标）。"""
    return {"unread": center.unread_count(current_caller().id)}


@blp.post("/read")
@login_required
@blp.arguments(MarkReadIn)
@blp.response(200, MarkReadOut)
def mark_read(data):
    """标为已读：ids 中属于本人的消息，或 all: true 全部已读；他人的消息 id 不受影响。"""
    user_id = current_caller().id
    return {"read": center.mark_read(user_id, None if data.get("all") else data["ids"]),
            "unread": center.unread_count(user_id)}
