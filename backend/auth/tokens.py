"""Signed, expiring API tokens (``Authorization: Bearer <token>``), and the signer behind them."""
from functools import lru_cache

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

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


def read_token(token):
    """The token's payload, or None when it is forged, malformed or expired."""
    try:
        payload = _serializer().loads(token, max_age=current_app.config["TOKEN_TTL_SECONDS"])
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("uid"), int):
        return None
    return payload
