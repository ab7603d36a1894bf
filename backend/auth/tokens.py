"""Signed, expiring API tokens (``Authorization: Bearer <token>``), and the signer behind them."""
import time
from functools import lru_cache

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

_SALT = "api-token-v1"


def signer(salt):
    """The app's signer of timed values for one purpose (``salt``): API tokens, photo URLs for WeChat."""
    return _serializer_for(current_app.config["SECRET_KEY"], salt)


def _serializer():
    return signer(_SALT)


@lru_cache(maxsize=16)
def _serializer_for(secret_key, salt):
    """One serializer per key and purpose, not one per request."""
    return URLSafeTimedSerializer(secret_key, salt=salt)


def issue_token(user):
    return _serializer().dumps({"uid": user.id, "v": user.token_version})


def token_ttl(is_admin):
    """How many seconds a token lasts: an administrator's ADMIN_TOKEN_TTL_SECONDS (never longer than anyone's),
    a citizen's or a deputy's TOKEN_TTL_SECONDS."""
    config = current_app.config
    return min(config["ADMIN_TOKEN_TTL_SECONDS"], config["TOKEN_TTL_SECONDS"]) if is_admin else config["TOKEN_TTL_SECONDS"]


def read_token(token):
    """(payload, age in seconds) of the token, or None when it is forged, malformed or older than anyone's
    token lasts; whether it is too old for whom it names (an administrator's lasts less) is the caller's to
    judge, with ``token_ttl`` (auth.scope.load_current_user)."""
    verified = _verified(_serializer(), token)
    if verified is None:
        return None
    payload, issued = verified
    age = int(time.time()) - issued  # whole seconds, as itsdangerous counts them
    if not 0 <= age <= current_app.config["TOKEN_TTL_SECONDS"]:
        return None
    return payload, age


@lru_cache(maxsize=8192)
def _verified(serializer, token):
    """(payload, issue time) of a token signed by ``serializer``, or None.

    A token never changes, so neither does what its signature says: a phone sends the same token
    with every request, and checking it once per process spares each later request a signature
    check and the decoding around it. Expiry is judged at every use, by ``read_token``."""
    try:
        payload, issued = serializer.loads(token, return_timestamp=True)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("uid"), int):
        return None
    return payload, int(issued.timestamp())
