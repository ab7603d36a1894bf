"""Signed, expiring API tokens (``Authorization: Bearer <token>``)."""
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_SALT = "api-token-v1"


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


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
