"""The WeChat server API: a real HTTP client, a shared access-token store and an offline stand-in."""
from flask import current_app

from .client import WeChatClient, WeChatError, WeChatMalformed, WeChatMisconfigured, WeChatUnavailable  # noqa: F401


def get_client() -> WeChatClient:
    """The application's WeChat client (one per app, shared by its threads)."""
    client = current_app.extensions.get("wechat_client")
    if client is None:
        from ..extensions import db
        from .status import CredentialStatus

        config = current_app.config
        if config["REDIS_URL"]:
            from ..extensions import redis_client
            from .token_store import RedisTokenStore

            store = RedisTokenStore(redis_client(config))
        else:
            from .token_store import DatabaseTokenStore

            store = DatabaseTokenStore(db.engine)
        client = WeChatClient(
            config["WECHAT_API_BASE"], config["WECHAT_APPID"], config["WECHAT_SECRET"], store, config["WECHAT_TIMEOUT"],
            credential_status=CredentialStatus(db.engine, config["WECHAT_API_BASE"], config["WECHAT_APPID"],
                                               config["WECHAT_SECRET"]),
        )
        current_app.extensions["wechat_client"] = client
    return client
