"""Configuration from the environment, with safe defaults for a local run."""
import json
import os

from .wechat.push_crypto import aes_key_problem

DEFAULT_SECRET = "dev-only-insecure-secret"


def _int(name, default):
    return int(os.environ.get(name, default))


def _list(value, default):
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


class Config:
    def __init__(self, instance_path):
        env = os.environ
        self.APP_ENV = env.get("APP_ENV", "development")
        self.SECRET_KEY = env.get("SECRET_KEY", DEFAULT_SECRET)
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            env.get("DATABASE_URL") or f"sqlite:///{os.path.join(instance_path, 'mashangban.sqlite')}"
        )
        # Hand out the connection returned last: a request that also opened a second connection (the
        # WeChat token store does, mid-transaction) otherwise left the pool alternating between two,
        # and on PostgreSQL every request after such a filing ran about 1.8 times slower.
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_use_lifo": True}
        self.PUBLIC_BASE_URL = env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        self.WECHAT_MODE = env.get("WECHAT_MODE", "fake")
        self.WECHAT_APPID = env.get("WECHAT_APPID", "wx-fake-appid")
        self.WECHAT_SECRET = env.get("WECHAT_SECRET", "fake-secret")
        # Where the WeChat client sends its requests. In fake mode this is the in-repo stand-in.
        self.WECHAT_API_BASE = env.get(
            "WECHAT_API_BASE",
            "https://api.weixin.qq.com" if self.WECHAT_MODE == "live" else "http://127.0.0.1:5001",
        ).rstrip("/")
        self.WECHAT_TIMEOUT = float(env.get("WECHAT_TIMEOUT", "5"))
        # The Token of the mini-program's message push (开发管理 → 消息推送, plaintext mode, JSON): WeChat
        # signs each push with it; image-screening verdicts arrive that way at /wechat/push.
        self.WECHAT_PUSH_TOKEN = env.get("WECHAT_PUSH_TOKEN", "fake-push-token" if self.WECHAT_MODE == "fake" else "")
        # Its EncodingAESKey (消息加密密钥), when the push is set to 安全模式 or 兼容模式: pushes then arrive
        # encrypted, and plaintext ones are refused. Empty: 明文模式.
        self.WECHAT_PUSH_AES_KEY = env.get("WECHAT_PUSH_AES_KEY", "")
        # A photo submitted for screening whose verdict has not arrived after this long is submitted again.
        self.PHOTO_SCREEN_WAIT_MINUTES = _int("PHOTO_SCREEN_WAIT_MINUTES", 60)
        self.REDIS_URL = env.get("REDIS_URL") or None
        self.UPLOAD_DIR = env.get("UPLOAD_DIR", os.path.join(instance_path, "uploads"))
        # Photo uploads: where they are kept ("local": files under UPLOAD_DIR), the largest file
        # accepted, the most pixels decoded (decompression bombs), and the longest side kept.
        self.UPLOAD_STORAGE = env.get("UPLOAD_STORAGE", "local")
        self.UPLOAD_MAX_BYTES = _int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
        self.UPLOAD_MAX_PIXELS = _int("UPLOAD_MAX_PIXELS", 40_000_000)
        self.UPLOAD_MAX_SIDE = _int("UPLOAD_MAX_SIDE", 2560)
        self.TOKEN_TTL_SECONDS = _int("TOKEN_TTL_SECONDS", 7 * 24 * 3600)
        # Console sessions (cookie): expire after a working day; CSRF checked on the console's forms only.
        self.PERMANENT_SESSION_LIFETIME = _int("SESSION_LIFETIME_SECONDS", 8 * 3600)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.APP_ENV == "production"
        self.WTF_CSRF_CHECK_DEFAULT = False
        # A form's token lasts as long as the session (flask-wtf's own default is an hour): a page left
        # open over a meeting must still post, not answer 页面已过期 and lose what was typed.
        self.WTF_CSRF_TIME_LIMIT = self.PERMANENT_SESSION_LIFETIME
        self.RATELIMIT_STORAGE_URI = env.get("REDIS_URL") or "memory://"
        # The public statistics page reads every item (seconds at a province's size, for anyone who asks):
        # its figures are computed at most once per this many seconds. 0: computed for every request.
        self.PUBLIC_STATS_CACHE_SECONDS = _int("PUBLIC_STATS_CACHE_SECONDS", 300)
        # The console dashboard and the statistics API read every item of the administrator's scope
        # (seconds for a province): figures that took DASHBOARD_CACHE_AFTER_MS or more to count are kept
        # this many seconds per scope and filters, and say when they were counted (backend/slow_figures.py).
        # Lists stay exact. 0: counted at every request.
        self.DASHBOARD_CACHE_SECONDS = _int("DASHBOARD_CACHE_SECONDS", 300)
        self.DASHBOARD_CACHE_AFTER_MS = _int("DASHBOARD_CACHE_AFTER_MS", 1000)
        self.CACHE_TYPE = "RedisCache" if self.REDIS_URL else "SimpleCache"
        self.CACHE_REDIS_URL = self.REDIS_URL
        self.CACHE_KEY_PREFIX = "msb:cache:"
        self.CACHE_DEFAULT_TIMEOUT = self.PUBLIC_STATS_CACHE_SECONDS
        self.RATELIMIT_HEADERS_ENABLED = True
        self.LOGIN_RATE_LIMIT = env.get("LOGIN_RATE_LIMIT", "10 per minute;60 per hour")  # per address
        # Failed sign-ins per account name, from wherever they come (backend/auth/limits.py).
        self.LOGIN_ACCOUNT_RATE_LIMIT = env.get("LOGIN_ACCOUNT_RATE_LIMIT", "10 per 15 minutes")
        self.CJK_FONT_PATH = env.get("CJK_FONT_PATH") or None
        self.MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 20 * 1024 * 1024)
        # How many reverse proxies stand in front (nginx, a load balancer): their X-Forwarded-For is
        # trusted so that rate limits count citizens, not the proxy. 0 = none (a local run).
        self.TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
        self.JSON_AS_ASCII = False

        # 码上办 suggestions: categories and time limits are policy, so they are configuration.
        self.SUGGESTION_CATEGORIES = _list(
            env.get("SUGGESTION_CATEGORIES"), ["道路交通", "环境卫生", "教育医疗", "社会保障", "城市管理", "农业农村", "其他"]
        )
        self.ACCEPT_WITHIN_HOURS = _int("ACCEPT_WITHIN_HOURS", 24)
        self.REPLY_WITHIN_DAYS = _int("REPLY_WITHIN_DAYS", 7)
        # Per-category overrides: {"道路交通": {"accept_hours": 12, "reply_days": 5}}
        self.SUGGESTION_DEADLINES = json.loads(env.get("SUGGESTION_DEADLINES", "{}"))
        self.MAX_ROUNDS = _int("MAX_ROUNDS", 2)
        self.AUTO_CLOSE_DAYS = _int("AUTO_CLOSE_DAYS", 7)
        self.DUE_SOON_HOURS = _int("DUE_SOON_HOURS", 12)

        # Activity check-in (扫码签到): how early/late a scan counts, and how far from the place.
        self.CHECKIN_GRACE_MINUTES = _int("CHECKIN_GRACE_MINUTES", 30)
        self.CHECKIN_RADIUS_M = _int("CHECKIN_RADIUS_M", 500)
        self.CHECKIN_CODE_SECONDS = _int("CHECKIN_CODE_SECONDS", 30)
        self.ACTIVITY_REMINDER_HOURS = _int("ACTIVITY_REMINDER_HOURS", 24)
        # 约见代表: a request unanswered this long reminds its deputy and station once; a confirmed meeting
        # reminds both sides this long before it.
        self.APPOINTMENT_ANSWER_HOURS = _int("APPOINTMENT_ANSWER_HOURS", 48)
        self.APPOINTMENT_REMINDER_HOURS = _int("APPOINTMENT_REMINDER_HOURS", 24)
        # Subscribe-message template ids as registered in the mini-program's console.
        self.WECHAT_TEMPLATES = {
            "new_item": "tmpl-new-item", "accepted": "tmpl-accepted", "replied": "tmpl-replied",
            "reopened": "tmpl-reopened", "overdue": "tmpl-overdue", "supervised": "tmpl-supervised",
            "activity": "tmpl-activity", "activity_reminder": "tmpl-activity-reminder",
            "activity_cancelled": "tmpl-activity-cancelled",
            "appointment": "tmpl-appointment", "appointment_result": "tmpl-appointment-result",
        } | json.loads(env.get("WECHAT_TEMPLATES", "{}"))

        # flask-smorest / OpenAPI
        self.API_TITLE = "码上办 API"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/api/v1"
        self.OPENAPI_JSON_PATH = "openapi.json"
        self.OPENAPI_SWAGGER_UI_PATH = "docs"
        # Served from the application itself so the docs work on an offline intranet.
        self.OPENAPI_SWAGGER_UI_URL = "/api/v1/docs-assets/"
        # Swagger UI would otherwise post the document to validator.swagger.io from every browser.
        self.OPENAPI_SWAGGER_UI_CONFIG = {"validatorUrl": None}

    def check(self):
        if self.APP_ENV == "production" and self.SECRET_KEY == DEFAULT_SECRET:
            raise RuntimeError("SECRET_KEY must be set in production; refusing to start with the default secret.")
        if self.WECHAT_MODE not in ("fake", "live"):
            raise RuntimeError("WECHAT_MODE must be 'fake' or 'live'.")
        if self.WECHAT_MODE == "live" and (self.WECHAT_APPID, self.WECHAT_SECRET) == ("wx-fake-appid", "fake-secret"):
            raise RuntimeError("WECHAT_MODE=live needs the mini-program's WECHAT_APPID and WECHAT_SECRET.")
        if self.WECHAT_MODE == "live" and not self.WECHAT_PUSH_TOKEN:
            raise RuntimeError("WECHAT_MODE=live needs WECHAT_PUSH_TOKEN, the Token of the mini-program's message push.")
        if self.WECHAT_PUSH_AES_KEY and (problem := aes_key_problem(self.WECHAT_PUSH_AES_KEY)):
            raise RuntimeError(f"WECHAT_PUSH_AES_KEY is not the message push's EncodingAESKey: {problem}.")


def normalise_database_url(url):
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
