"""What stops a logged push URL from being used again (backend/wechat/push.py).

A push is WeChat's only while its ``timestamp`` is within ``FRESH_SECONDS`` of now; and within that window
each (timestamp, nonce) is handled once. The pairs are remembered in Redis when REDIS_URL is set (so that
every app server knows them: one request may reach any), else, or while Redis cannot be reached, in this
process's memory: a production with several worker processes has REDIS_URL (deploy/gunicorn.conf.py
refuses to start them without it), a single process remembers them all itself.
"""
import logging
import threading
import time

from flask import current_app

log = logging.getLogger(__name__)

FRESH_SECONDS = 300
# A pair stays remembered as long as its timestamp could still be fresh: up to FRESH_SECONDS ahead of now
# when it came, and FRESH_SECONDS more once that has passed.
REMEMBER_SECONDS = 2 * FRESH_SECONDS + 60
_PREFIX = "msb:wechat-push:"
# The most pairs one process keeps (WeChat pushes a few a minute; this only bounds a flood of signed ones).
_MEMORY_CAP = 50_000

_lock = threading.Lock()
_memory: dict = {}  # key -> when it may be forgotten (time.monotonic())


def is_fresh(timestamp, now=None):
    """Whether ``timestamp`` (the push's query text) is whole seconds within FRESH_SECONDS of now."""
    try:
        value = int(timestamp)
    except (TypeError, ValueError):
        return False
    return abs((time.time() if now is None else now) - value) <= FRESH_SECONDS


def _key(timestamp, nonce):
    return f"{_PREFIX}{timestamp}:{nonce}"


def _redis():
    client = current_app.extensions.get("wechat_push_redis")
    if client is None and current_app.config["REDIS_URL"]:
        from ..extensions import redis_client

        client = current_app.extensions["wechat_push_redis"] = redis_client(current_app.config)
    return client


def first_time(timestamp, nonce):
    """Remember (timestamp, nonce); True if it was not remembered already (the push is to be handled)."""
    key = _key(timestamp, nonce)
    client = _redis()
    if client is not None:
        import redis

        try:
            return bool(client.set(key, b"1", nx=True, ex=REMEMBER_SECONDS))
        except redis.RedisError as exc:
            log.warning("message push: Redis unavailable (%s), its nonce remembered in memory", exc)
    now = time.monotonic()
    with _lock:
        if _memory.get(key, 0) > now:
            return False
        if len(_memory) >= _MEMORY_CAP:
            for old in [k for k, until in _memory.items() if until <= now] or list(_memory)[: _MEMORY_CAP // 10]:
                del _memory[old]
        _memory[key] = now + REMEMBER_SECONDS
        return True


def forget(timestamp, nonce):
    """Forget (timestamp, nonce): its handling failed, and WeChat's retry of it must be handled."""
    key = _key(timestamp, nonce)
    client = _redis()
    if client is not None:
        import redis

        try:
            client.delete(key)
        except redis.RedisError:
            pass
    with _lock:
        _memory.pop(key, None)
