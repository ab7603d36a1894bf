"""Configuration from the environment, with safe defaults for a local run.

A setting the app cannot run with stops it at start with one line naming the variable
(:class:`ConfigError`), never a traceback later or a silently different behaviour."""
import json
import os
import re
import sys
import tempfile
from urllib.parse import urlsplit

import click

from .wechat.push_crypto import aes_key_problem

DEFAULT_SECRET = "dev-only-insecure-secret"
MIN_SECRET_LENGTH = 32
MIN_SECRET_DISTINCT = 10
MIN_AUDIT_RETENTION_DAYS = 180  # six months: the Cybersecurity Law's least for network logs
MIN_OUTBOX_RETENTION_DAYS = 30  # a month: a notice stays in 消息中心 long enough to be read
SECRET_HINT = "可用 python3 -c 'import secrets; print(secrets.token_hex(32))' 生成"
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:5000"
# Subscribe-message template ids: the stand-in's names, replaced by the ids registered in the
# mini-program's console (WECHAT_TEMPLATES) when WeChat is live.
FAKE_TEMPLATES = {
    "new_item": "tmpl-new-item", "accepted": "tmpl-accepted", "replied": "tmpl-replied",
    "reopened": "tmpl-reopened", "overdue": "tmpl-overdue", "supervised": "tmpl-supervised",
    "activity": "tmpl-activity", "activity_reminder": "tmpl-activity-reminder",
    "activity_cancelled": "tmpl-activity-cancelled", "activity_changed": "tmpl-activity-changed",
    "activity_claim": "tmpl-activity-claim",
    "appointment": "tmpl-appointment", "appointment_result": "tmpl-appointment-result",
    "answer": "tmpl-answer", "research": "tmpl-research",
}
LINK_VERIFY_SETTINGS = ("WECHAT_LINK_VERIFY_FILE", "WECHAT_LINK_VERIFY_CONTENT")  # wechat/link_verify.py


def missing_templates(config):
    """The template keys with no id of the mini-program's console when WeChat is live (none in fake mode)."""
    if config.get("WECHAT_MODE") != "live":
        return []
    return [key for key, value in config["WECHAT_TEMPLATES"].items() if value == FAKE_TEMPLATES[key]]


DEADLINE_KEYS = ("accept_hours", "accept_working_days", "reply_days", "days_kind")
# How a reply's days are counted: working days (工作日, on the national calendar) or calendar days.
DAYS_KINDS = ("working", "calendar")


def production_trial(config):
    """APP_ENV=production with the WeChat stand-in (WECHAT_MODE=fake): a trial, said at start, in the health
    check and on every console page, never mistaken for the real thing."""
    return config.get("APP_ENV") == "production" and config.get("WECHAT_MODE") == "fake"


TRIAL_WARNING = ("试运行：WECHAT_MODE=fake，微信为离线模拟（登录、订阅消息和图片审核都不经过真实的微信），"
                 "正式上线前请设置 WECHAT_MODE=live。")


class ConfigError(click.ClickException, RuntimeError):
    """A setting the app cannot run with. Raised while the app is created, so nothing starts: the
    ``flask`` commands print its one line and exit with 1, gunicorn's workers fail to boot with it."""

    def __init__(self, message):
        super().__init__(f"配置错误：{message}")

    def end_flask_command(self):
        """Inside a ``flask`` command, print the line and exit with 1 now. Flask creates the app to list
        its commands for ``flask --app backend --help`` and prints any error of that as a traceback
        before its help, exiting 0: only SystemExit passes through it."""
        if click.get_current_context(silent=True) is not None:
            self.show()
            sys.exit(self.exit_code)


def _setting(name, default=None):
    """The variable's value, or ``default`` when it is unset or blank (``NAME=`` in an env file)."""
    value = os.environ.get(name, "").strip()
    return value or default


def _int(name, default):
    value = _setting(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} 应为整数，当前为 {value!r}。") from None
    if number < 0:
        raise ConfigError(f"{name} 不能为负数，当前为 {number}。")
    return number


def _switch(name, default):
    """An on/off setting: 1/0, on/off, true/false, yes/no."""
    value = _setting(name)
    if value is None:
        return default
    if value.lower() in ("1", "on", "true", "yes"):
        return True
    if value.lower() in ("0", "off", "false", "no"):
        return False
    raise ConfigError(f"{name} 应为 on 或 off，当前为 {value!r}。")


def _seconds(name, default, example="5"):
    value = _setting(name)
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0
    if not seconds > 0:
        raise ConfigError(f"{name} 应为秒数（大于 0，如 {example}），当前为 {value!r}。")
    return seconds


def _json_object(name):
    value = _setting(name)
    if value is None:
        return {}
    try:
        data = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{name} 不是合法的 JSON（第 {exc.pos + 1} 个字符：{exc.msg}）。") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{name} 应为 JSON 对象（{{...}}），当前为 {value!r}。")
    return data


def redis_options(timeout):
    """redis-py's options for every client of the app's Redis: ``timeout`` seconds to connect and for each
    answer, and one immediate retry of a broken connection (Redis restarted) but none of a timeout.

    redis-py's own are 5 s each and ten retries with backoff: a Redis that takes connections and never
    answers (a firewall dropping its replies) held every request that touched it for minutes."""
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError
    from redis.retry import Retry

    return {"socket_connect_timeout": timeout, "socket_timeout": timeout,
            "retry": Retry(NoBackoff(), 1, supported_errors=(ConnectionError,))}


# What an operator types between categories: ASCII or full-width commas, 顿号, semicolons, one a line.
CATEGORY_SEPARATORS = re.compile(r"[,，、;；\n]")


def _categories(name, default):
    """A list setting of names (SUGGESTION_CATEGORIES): separated as a Chinese operator writes them, none empty
    or repeated (a repeated one would be offered twice and counted apart)."""
    value = _setting(name)
    if value is None:
        return default
    names = [item.strip() for item in CATEGORY_SEPARATORS.split(value)]
    if "" in names:
        raise ConfigError(f"{name} 中有空的类别（两个分隔符之间或末尾没有内容），当前为 {value!r}；"
                          "类别之间用逗号、顿号、分号或换行分隔。")
    repeated = next((item for index, item in enumerate(names) if item in names[:index]), None)
    if repeated is not None:
        raise ConfigError(f"{name} 中的类别“{repeated}”重复了。")
    return names


def _list(value, default):
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


class Config:
    def __init__(self, instance_path):
        env = _setting
        self.APP_ENV = env("APP_ENV", "development")
        self.SECRET_KEY = env("SECRET_KEY", DEFAULT_SECRET)
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            env("DATABASE_URL") or f"sqlite:///{os.path.join(instance_path, 'mashangban.sqlite')}"
        )
        # Hand out the connection returned last: a request that also opened a second connection (the
        # WeChat token store does, mid-transaction) otherwise left the pool alternating between two,
        # and on PostgreSQL every request after such a filing ran about 1.8 times slower.
        # No pre-ping: it is a round trip before every request (7 % of an authenticated list's throughput
        # on PostgreSQL here). Only a connection left idle for a while is pinged (pool_ping.py).
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_use_lifo": True}
        # PostgreSQL's JIT off for the app's connections (requests and the sweep): it compiles any statement
        # whose *estimated* cost passes jit_above_cost (100,000 by default), and the planner's estimates of
        # the console's grouped reads at a province's size pass it easily — the audit measured 3 to 4 s of
        # LLVM compilation in a 5 s request that read a few hundred rows. An OLTP app never gains from it.
        # PG_JIT=server sends nothing (a pooler refusing startup options: set it on the role instead,
        # ALTER ROLE … SET jit = off, see README). Applied by ``engine_options`` once the URL is final.
        self.PG_JIT = env("PG_JIT", "off").lower()
        # The sweep on PostgreSQL: the longest a step waits for a lock another transaction holds, and the
        # longest one of its statements runs; past either the step is left to the next run (cli.py, sweep).
        self.SWEEP_LOCK_TIMEOUT = _seconds("SWEEP_LOCK_TIMEOUT", 30.0, example="30")
        self.SWEEP_STATEMENT_TIMEOUT = _seconds("SWEEP_STATEMENT_TIMEOUT", 300.0, example="300")
        self.PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", DEFAULT_PUBLIC_BASE_URL).rstrip("/")
        # Production says which WeChat it talks to: unset, it would be the offline stand-in.
        self.wechat_mode_given = env("WECHAT_MODE") is not None
        self.WECHAT_MODE = env("WECHAT_MODE", "fake")
        self.WECHAT_APPID = env("WECHAT_APPID", "wx-fake-appid")
        self.WECHAT_SECRET = env("WECHAT_SECRET", "fake-secret")
        # Where the WeChat client sends its requests. In fake mode this is the in-repo stand-in.
        self.WECHAT_API_BASE = env(
            "WECHAT_API_BASE",
            "https://api.weixin.qq.com" if self.WECHAT_MODE == "live" else "http://127.0.0.1:5001",
        ).rstrip("/")
        self.WECHAT_TIMEOUT = _seconds("WECHAT_TIMEOUT", 5.0)
        # The Token of the mini-program's message push (开发管理 → 消息推送, plaintext mode, JSON): WeChat
        # signs each push with it; image-screening verdicts arrive that way at /wechat/push.
        # The stand-in's token is public: production sets its own whatever the mode (a trial's pushes too).
        self.WECHAT_PUSH_TOKEN = env(
            "WECHAT_PUSH_TOKEN", "fake-push-token" if self.WECHAT_MODE == "fake" and self.APP_ENV != "production" else "")
        # Its EncodingAESKey (消息加密密钥), when the push is set to 安全模式 or 兼容模式: pushes then arrive
        # encrypted, and plaintext ones are refused. Empty: 明文模式.
        self.WECHAT_PUSH_AES_KEY = env("WECHAT_PUSH_AES_KEY", "")
        # A photo submitted for screening whose verdict has not arrived after this long is submitted again.
        self.PHOTO_SCREEN_WAIT_MINUTES = _int("PHOTO_SCREEN_WAIT_MINUTES", 60)
        self.REDIS_URL = env("REDIS_URL")
        # The longest the app waits on Redis to connect or to answer, in seconds: past it Redis is bypassed
        # as when it is down (limits counted in memory, figures counted afresh, the WeChat token fetched).
        self.REDIS_TIMEOUT = _seconds("REDIS_TIMEOUT", 0.5, example="0.5")
        # Given to every Redis client the app opens (backend/extensions.py's redis_client too).
        self.REDIS_OPTIONS = redis_options(self.REDIS_TIMEOUT)
        self.UPLOAD_DIR = env("UPLOAD_DIR", os.path.join(instance_path, "uploads"))
        # Photo uploads: where they are kept ("local": files under UPLOAD_DIR), the largest file
        # accepted, the most pixels a JPEG may have (it is decoded reduced, to about the longest side
        # kept: a phone's 50 MP photo costs what a 12 MP one does), the most pixels a PNG or WebP may have
        # (decoded in full: a tiny file of one colour can hold tens of megapixels), and the longest side kept.
        self.UPLOAD_STORAGE = env("UPLOAD_STORAGE", "local")
        self.UPLOAD_MAX_BYTES = _int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
        self.UPLOAD_MAX_PIXELS = _int("UPLOAD_MAX_PIXELS", 80_000_000)
        self.UPLOAD_MAX_FULL_DECODE_PIXELS = _int("UPLOAD_MAX_FULL_DECODE_PIXELS", 16_000_000)
        self.UPLOAD_MAX_SIDE = _int("UPLOAD_MAX_SIDE", 2560)
        # Photos decoded at once by one app process (each may take a few hundred MB for a moment); an
        # upload waits at most UPLOAD_DECODE_WAIT seconds for its turn, then is answered 503 (try again).
        self.UPLOAD_DECODE_CONCURRENCY = _int("UPLOAD_DECODE_CONCURRENCY", 2)
        self.UPLOAD_DECODE_WAIT = _seconds("UPLOAD_DECODE_WAIT", 3.0, example="3")
        # Photos uploaded but attached to nothing yet: at most this many per user, and the sweep deletes
        # those older than UPLOAD_UNATTACHED_HOURS (a form abandoned half-way, or uploads never meant to be filed).
        self.UPLOAD_MAX_UNATTACHED = _int("UPLOAD_MAX_UNATTACHED", 20)
        self.UPLOAD_UNATTACHED_HOURS = _int("UPLOAD_UNATTACHED_HOURS", 24)
        # How long an API token lasts: a citizen's or a deputy's (the mini-program signs in again on its own
        # when it runs out) and, shorter, an administrator's, whose token reaches a whole region's citizens.
        self.TOKEN_TTL_SECONDS = _int("TOKEN_TTL_SECONDS", 7 * 24 * 3600)
        self.ADMIN_TOKEN_TTL_SECONDS = _int("ADMIN_TOKEN_TTL_SECONDS", 12 * 3600)
        # Administrators' passwords: werkzeug's scrypt, slow on purpose. Not read from the environment; only
        # the test suite (tests/conftest.py), which hashes thousands of throwaway passwords, sets a cheap one.
        self.PASSWORD_HASH_METHOD = "scrypt"
        # A generated initial password (the administrators' import: about 69 random bits, changed at first
        # sign-in) needs no slow hash against guessing; a cheap one lets a city's 1,400 accounts import in
        # seconds rather than minutes. A password a person chose is always hashed as above.
        self.INITIAL_PASSWORD_HASH_METHOD = "pbkdf2:sha256:20000"
        # Console sessions (cookie): expire after a working day; CSRF checked on the console's forms only.
        self.PERMANENT_SESSION_LIFETIME = _int("SESSION_LIFETIME_SECONDS", 8 * 3600)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.APP_ENV == "production"
        self.WTF_CSRF_CHECK_DEFAULT = False
        # A form's token lasts as long as the session (flask-wtf's own default is an hour): a page left
        # open over a meeting must still post, not answer 页面已过期 and lose what was typed.
        self.WTF_CSRF_TIME_LIMIT = self.PERMANENT_SESSION_LIFETIME
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.RATELIMIT_STORAGE_OPTIONS = dict(self.REDIS_OPTIONS) if self.REDIS_URL else {}
        # Redis down (at start or later): each app server counts in its own memory until Redis is back,
        # so sign-ins and filings stay limited instead of failing with a server error.
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        # The public statistics page reads every item (seconds at a province's size, for anyone who asks):
        # its figures are computed at most once per this many seconds. 0: computed for every request.
        self.PUBLIC_STATS_CACHE_SECONDS = _int("PUBLIC_STATS_CACHE_SECONDS", 300)
        # The console dashboard and the statistics API read every item of the administrator's scope
        # (seconds for a province): figures that took DASHBOARD_CACHE_AFTER_MS or more to count are kept
        # this many seconds per scope and filters, and say when they were counted (backend/slow_figures.py).
        # Lists stay exact. 0: counted at every request.
        self.DASHBOARD_CACHE_SECONDS = _int("DASHBOARD_CACHE_SECONDS", 300)
        self.DASHBOARD_CACHE_AFTER_MS = _int("DASHBOARD_CACHE_AFTER_MS", 1000)
        # A printed code's image, drawn once and kept by what it shows (qr.routes._kept_png): a day.
        self.QR_IMAGE_CACHE_SECONDS = _int("QR_IMAGE_CACHE_SECONDS", 86400)
        self.CACHE_TYPE = "RedisCache" if self.REDIS_URL else "SimpleCache"
        self.CACHE_REDIS_URL = self.REDIS_URL
        self.CACHE_OPTIONS = dict(self.REDIS_OPTIONS) if self.REDIS_URL else None
        self.CACHE_KEY_PREFIX = "msb:cache:"
        self.CACHE_DEFAULT_TIMEOUT = self.PUBLIC_STATS_CACHE_SECONDS
        # No X-RateLimit-*/Retry-After on every answer of a limited route: flask-limiter would stamp the window's
        # reset as Retry-After on successes too, and over a 503's own (a busy upload's 5 s). A 429 says when to
        # come back itself (errors._rate_limited_response, from the limit it broke).
        self.RATELIMIT_HEADERS_ENABLED = False
        self.LOGIN_RATE_LIMIT = env("LOGIN_RATE_LIMIT", "10 per minute;60 per hour")  # per address
        # Failed sign-ins per account name and address, and per name from everywhere but the addresses the
        # account signed in from before (backend/auth/limits.py).
        self.LOGIN_ACCOUNT_RATE_LIMIT = env("LOGIN_ACCOUNT_RATE_LIMIT", "10 per 15 minutes")
        self.LOGIN_ACCOUNT_TOTAL_RATE_LIMIT = env("LOGIN_ACCOUNT_TOTAL_RATE_LIMIT", "30 per 15 minutes")
        self.CJK_FONT_PATH = env("CJK_FONT_PATH") or None
        self.MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 20 * 1024 * 1024)
        # How many reverse proxies stand in front (nginx, a load balancer): their X-Forwarded-For is
        # trusted so that rate limits count citizens, not the proxy. 0 = none (a local run).
        self.TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
        # The addresses (or networks: 172.17.0.0/16) the proxies connect from, comma-separated: only their
        # X-Forwarded-* headers are believed, so that a client reaching the app's port directly cannot pick
        # its own address. Unset: every connection's (let only the proxy reach the port); production refuses
        # that with TRUSTED_PROXIES set, since the app cannot know who reaches its port.
        self.TRUSTED_PROXY_ADDRESSES = _list(env("TRUSTED_PROXY_ADDRESSES"), [])
        # 操作日志 (backend/audit): the sweep deletes events older than this. The Cybersecurity Law asks
        # that network logs be kept six months at least, so less than 180 days is refused.
        self.AUDIT_RETENTION_DAYS = _int("AUDIT_RETENTION_DAYS", 1095)
        # 消息中心 (the outbox): the sweep deletes messages finished (sent, refused, given up) longer ago than
        # this; a user's list reaches back as far. Under a month a notice could vanish before it is read.
        self.OUTBOX_RETENTION_DAYS = _int("OUTBOX_RETENTION_DAYS", 365)
        self.JSON_AS_ASCII = False

        # 码上办 suggestions: categories and time limits are policy, so they are configuration.
        self.SUGGESTION_CATEGORIES = _categories(
            "SUGGESTION_CATEGORIES", ["道路交通", "环境卫生", "教育医疗", "社会保障", "城市管理", "农业农村", "其他"]
        )
        self.ACCEPT_WITHIN_HOURS = _int("ACCEPT_WITHIN_HOURS", 24)
        # 接单 within N working days instead (as 12345 work orders are signed for within 1), when set above 0.
        self.ACCEPT_WITHIN_WORKING_DAYS = _int("ACCEPT_WITHIN_WORKING_DAYS", 0)
        self.REPLY_WITHIN_DAYS = _int("REPLY_WITHIN_DAYS", 7)
        # 分派 of an item waiting at its station (待分派) within N working days; 0: no dispatch limit.
        self.DISPATCH_WITHIN_WORKING_DAYS = _int("DISPATCH_WITHIN_WORKING_DAYS", 1)
        self.REPLY_DAYS_KIND = _setting("REPLY_DAYS_KIND") or "working"
        # Per-category overrides: {"道路交通": {"accept_hours": 12, "reply_days": 5, "days_kind": "calendar"}};
        # "accept_working_days" in place of "accept_hours" counts 接单 in working days.
        self.SUGGESTION_DEADLINES = _json_object("SUGGESTION_DEADLINES")
        self.MAX_ROUNDS = _int("MAX_ROUNDS", 2)
        self.AUTO_CLOSE_DAYS = _int("AUTO_CLOSE_DAYS", 7)
        self.DUE_SOON_HOURS = _int("DUE_SOON_HOURS", 12)

        # Activity check-in (扫码签到): how early/late a scan counts, and how far from the place.
        self.CHECKIN_GRACE_MINUTES = _int("CHECKIN_GRACE_MINUTES", 30)
        self.CHECKIN_RADIUS_M = _int("CHECKIN_RADIUS_M", 500)
        self.CHECKIN_CODE_SECONDS = _int("CHECKIN_CODE_SECONDS", 30)
        # A station's printed code (public, permanent) proves no presence: scanned without a position where
        # the activity has one, it is refused; off, it checks in and is marked 联络站码签到，未定位.
        self.CHECKIN_REQUIRE_LOCATION = _switch("CHECKIN_REQUIRE_LOCATION", True)
        # 述职测评: by default a poll takes ballots from the activity's start until this long after its end.
        self.REPORT_POLL_GRACE_MINUTES = _int("REPORT_POLL_GRACE_MINUTES", 120)
        # ... and opens (and its window starts) at the earliest this long before the activity's start.
        self.REPORT_POLL_LEAD_MINUTES = _int("REPORT_POLL_LEAD_MINUTES", 60)
        # 凭票测评: the most one-time ballot tickets one poll issues (the expected attendance, on printed sheets).
        self.REPORT_POLL_MAX_TICKETS = _int("REPORT_POLL_MAX_TICKETS", 2000)
        self.ACTIVITY_REMINDER_HOURS = _int("ACTIVITY_REMINDER_HOURS", 24)
        # The most deputies one activity invites (its pages and 结单 handle them all at once).
        self.ACTIVITY_MAX_DEPUTIES = _int("ACTIVITY_MAX_DEPUTIES", 1000)
        # 约见代表: a request unanswered this long reminds its deputy and station once; a confirmed meeting
        # reminds both sides this long before it.
        self.APPOINTMENT_ANSWER_HOURS = _int("APPOINTMENT_ANSWER_HOURS", 48)
        self.APPOINTMENT_REMINDER_HOURS = _int("APPOINTMENT_REMINDER_HOURS", 24)
        # The console lists this many stations (by name) in a page's station choices; the station picker
        # searches the rest of a province's 20,000 as the administrator types.
        self.CONSOLE_STATION_CHOICES = max(1, _int("CONSOLE_STATION_CHOICES", 1000))
        # Subscribe-message template ids as registered in the mini-program's console.
        self.WECHAT_TEMPLATES = FAKE_TEMPLATES | _json_object("WECHAT_TEMPLATES")

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
        """Refuse, naming the variable, what the app cannot run with (called before anything starts)."""
        production = self.APP_ENV == "production"
        if production and self.SECRET_KEY == DEFAULT_SECRET:
            raise ConfigError(f"APP_ENV=production 时必须设置 SECRET_KEY（至少 {MIN_SECRET_LENGTH} 个字符的随机串，{SECRET_HINT}）。")
        if production and len(self.SECRET_KEY) < MIN_SECRET_LENGTH:
            raise ConfigError(f"SECRET_KEY 太短（{len(self.SECRET_KEY)} 个字符），生产环境至少 {MIN_SECRET_LENGTH} 个字符；{SECRET_HINT}。")
        if production and len(set(self.SECRET_KEY)) < MIN_SECRET_DISTINCT:
            # 36 × "a" is long enough and guessed at once: a random key of 32 hex digits uses all 16.
            raise ConfigError(f"SECRET_KEY 太简单（只用了 {len(set(self.SECRET_KEY))} 种字符），生产环境须为随机串，"
                              f"至少 {MIN_SECRET_DISTINCT} 种不同的字符；{SECRET_HINT}。")
        self._check_database_url()
        if self.REDIS_URL:
            from redis.connection import parse_url

            try:
                parse_url(self.REDIS_URL)
            except ValueError:
                raise ConfigError("REDIS_URL 应形如 redis://主机:6379/0（或 rediss://、unix://）。") from None
        self._check_public_base_url(production)
        self._check_trusted_proxy_addresses(production)
        self._check_wechat(production)
        self._check_policy()
        self._check_rate_limits()
        self._check_uploads()
        if self.CJK_FONT_PATH:
            from .qr.render import cjk_font_problem

            if problem := cjk_font_problem(self.CJK_FONT_PATH):
                raise ConfigError(f"CJK_FONT_PATH {self.CJK_FONT_PATH} 不是中文字体文件（{problem}），二维码图片和海报无法生成；"
                                  "请设为含汉字的 .ttf/.ttc 文件（如 /usr/share/fonts/truetype/wqy/wqy-microhei.ttc），"
                                  "或不设置以自动查找。")

    def _check_trusted_proxy_addresses(self, production):
        from .proxies import networks

        if production and self.TRUSTED_PROXIES and not self.TRUSTED_PROXY_ADDRESSES:
            # The app cannot see whether its port is reachable past the proxy (a bind on all addresses, a
            # published container port): without the proxy's address any client could forge its own.
            raise ConfigError(f"APP_ENV=production 且 TRUSTED_PROXIES={self.TRUSTED_PROXIES} 时须设置 TRUSTED_PROXY_ADDRESSES，"
                              "即反向代理连接本服务的地址（nginx 在同一台服务器上为 127.0.0.1，Docker 默认网桥为 172.17.0.1）："
                              "否则任何能直连应用端口的客户端都能伪造 X-Forwarded-For，绕过按地址的频率限制。")

        try:
            networks(self.TRUSTED_PROXY_ADDRESSES)
        except ValueError as exc:
            raise ConfigError(f"TRUSTED_PROXY_ADDRESSES 应为逗号分隔的 IP 地址或网段（如 127.0.0.1,172.17.0.0/16），"
                              f"其中 {exc.args[0]!r} 不是。") from None

    def _check_database_url(self):
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            backend = make_url(self.SQLALCHEMY_DATABASE_URI).get_backend_name()
        except ArgumentError:
            # Not the URL itself: it holds the database password.
            raise ConfigError("DATABASE_URL 不是数据库地址，应形如 postgresql://用户:密码@主机:5432/mashangban。") from None
        if backend not in ("postgresql", "sqlite"):
            raise ConfigError(f"DATABASE_URL 须为 PostgreSQL（postgresql://…）或 SQLite（sqlite:///…）数据库，当前为 {backend}。")
        database = make_url(self.SQLALCHEMY_DATABASE_URI).database
        if backend == "sqlite" and database and database != ":memory:" and not database.startswith("file:"):
            # SQLite writes its journal beside the file: the directory itself (instance/ by default, which
            # a checkout owned by root leaves unwritable) must be writable, not only the file.
            directory = os.path.dirname(os.path.abspath(database))
            if problem := _unwritable(directory):
                raise ConfigError(f"数据库目录 {directory} 无法写入（{problem}）：SQLite 数据库 {os.path.basename(database)} "
                                  f"存放在这里，请创建该目录并让运行本服务的用户（uid {os.getuid()}）可写，"
                                  "或设置 DATABASE_URL 使用 PostgreSQL。")

    def _check_public_base_url(self, production):
        url = urlsplit(self.PUBLIC_BASE_URL)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ConfigError(f"PUBLIC_BASE_URL 应为完整的网址，如 https://msb.example.gov.cn，当前为 {self.PUBLIC_BASE_URL!r}。")
        if production and (url.scheme != "https" or self.PUBLIC_BASE_URL == DEFAULT_PUBLIC_BASE_URL):
            # Printed inside every QR code, and where WeChat pushes its verdicts: a public https origin. A trial
            # (WECHAT_MODE=fake) prints real posters too, by the thousand, so the rule is the same.
            raise ConfigError("APP_ENV=production 时 PUBLIC_BASE_URL 须为本服务的公网 https:// 地址（印在每个二维码里，"
                              f"微信消息推送也发到这里），当前为 {self.PUBLIC_BASE_URL!r}。")

    def _check_wechat(self, production):
        if production and not self.wechat_mode_given:
            raise ConfigError("APP_ENV=production 时须设置 WECHAT_MODE：live（正式的微信）或 fake（离线演示，配合模拟服务）。")
        if self.WECHAT_MODE not in ("fake", "live"):
            raise ConfigError(f"WECHAT_MODE 应为 fake 或 live，当前为 {self.WECHAT_MODE!r}。")
        live = self.WECHAT_MODE == "live"
        base = urlsplit(self.WECHAT_API_BASE)
        if base.scheme not in ("http", "https") or not base.netloc:
            raise ConfigError(f"WECHAT_API_BASE 应为完整的网址，如 https://api.weixin.qq.com，当前为 {self.WECHAT_API_BASE!r}。")
        if live and (self.WECHAT_APPID, self.WECHAT_SECRET) == ("wx-fake-appid", "fake-secret"):
            raise ConfigError("WECHAT_MODE=live 需要小程序的 WECHAT_APPID 和 WECHAT_SECRET。")
        if live and not self.WECHAT_PUSH_TOKEN:
            raise ConfigError("WECHAT_MODE=live 需要 WECHAT_PUSH_TOKEN，即小程序“消息推送”配置中的令牌（Token）。")
        if production and not self.WECHAT_PUSH_TOKEN:
            raise ConfigError("APP_ENV=production 时须设置 WECHAT_PUSH_TOKEN（试运行 WECHAT_MODE=fake 也一样：模拟服务的默认令牌"
                              f"是公开的，谁都能伪造图片审核结果）；{SECRET_HINT}。")
        if production and live and not self.WECHAT_PUSH_AES_KEY:
            # 明文模式: the signature covers no body, so whoever reads one push URL (an access log) could forge
            # verdicts while it is fresh; 安全模式's signature covers the encrypted message.
            raise ConfigError("APP_ENV=production 时微信消息推送须使用安全模式：请在小程序后台“消息推送”中选择安全模式，"
                              "并把消息加密密钥（EncodingAESKey）填入 WECHAT_PUSH_AES_KEY。")
        if self.WECHAT_PUSH_AES_KEY and (problem := aes_key_problem(self.WECHAT_PUSH_AES_KEY)):
            raise ConfigError(f"WECHAT_PUSH_AES_KEY 不是消息推送的 EncodingAESKey：{problem}。")
        unknown = sorted(set(self.WECHAT_TEMPLATES) - set(FAKE_TEMPLATES))
        if unknown:
            raise ConfigError(f"WECHAT_TEMPLATES 中没有这些模板：{'、'.join(unknown)}；可设置的有：{'、'.join(FAKE_TEMPLATES)}。")
        if any(not isinstance(v, str) or not v.strip() for v in self.WECHAT_TEMPLATES.values()):
            raise ConfigError("WECHAT_TEMPLATES 中每个模板的值应为模板 ID（字符串）。")
        # A production trial, live with templates still in WeChat's review, or before the /q/ link rule's
        # verification: the app starts, saying so once (create_app logs ``warnings``); the notices of a
        # missing template are skipped.
        self.warnings = []
        if production_trial(self.__dict__):
            self.warnings.append(TRIAL_WARNING)
        if missing := missing_templates(self.__dict__):
            self.warnings.append(f"WECHAT_TEMPLATES 尚缺：{'、'.join(missing)}；这些通知不发送微信消息（在发件箱中记为跳过，"
                                 "仍列在用户的消息中心），请在小程序后台申请模板后填入并重启。")
        if live and not all(getattr(self, name, None) or _setting(name) for name in LINK_VERIFY_SETTINGS):
            self.warnings.append("WECHAT_MODE=live 但未设置 WECHAT_LINK_VERIFY_FILE 和 WECHAT_LINK_VERIFY_CONTENT："
                                 "“扫普通链接二维码打开小程序”的校验文件无法提供，扫码将打开网页而不是小程序。")

    def _check_policy(self):
        if self.AUDIT_RETENTION_DAYS < MIN_AUDIT_RETENTION_DAYS:
            raise ConfigError(f"AUDIT_RETENTION_DAYS 不能少于 {MIN_AUDIT_RETENTION_DAYS} 天（《网络安全法》要求网络日志留存不少于六个月），"
                              f"当前为 {self.AUDIT_RETENTION_DAYS}。")
        if self.OUTBOX_RETENTION_DAYS < MIN_OUTBOX_RETENTION_DAYS:
            raise ConfigError(f"OUTBOX_RETENTION_DAYS 不能少于 {MIN_OUTBOX_RETENTION_DAYS} 天（消息中心的通知要留给用户查看），"
                              f"当前为 {self.OUTBOX_RETENTION_DAYS}。")
        # 0 would end every token or session as it is issued, or make every item overdue as it is filed or
        # accepted (ACCEPT_WITHIN_WORKING_DAYS=0 and DISPATCH_WITHIN_WORKING_DAYS=0 mean "in hours", "no limit").
        for name, value, least, meaning in (
            ("TOKEN_TTL_SECONDS", self.TOKEN_TTL_SECONDS, 60, "接口令牌的有效秒数"),
            ("ADMIN_TOKEN_TTL_SECONDS", self.ADMIN_TOKEN_TTL_SECONDS, 60, "管理员接口令牌的有效秒数"),
            ("SESSION_LIFETIME_SECONDS", self.PERMANENT_SESSION_LIFETIME, 60, "管理后台登录的有效秒数"),
            ("REPLY_WITHIN_DAYS", self.REPLY_WITHIN_DAYS, 1, "答复时限的天数"),
            ("ACCEPT_WITHIN_HOURS", self.ACCEPT_WITHIN_HOURS, 1, "接单时限的小时数"),
            ("APPOINTMENT_ANSWER_HOURS", self.APPOINTMENT_ANSWER_HOURS, 1, "预约答复时限的小时数"),
            ("MAX_ROUNDS", self.MAX_ROUNDS, 1, "一条建议最多办理的轮数"),
            # 0 would divide by zero at every 动态签到码; a code shown for less than 5 s cannot be typed in.
            ("CHECKIN_CODE_SECONDS", self.CHECKIN_CODE_SECONDS, 5, "动态签到码的有效秒数"),
            ("CHECKIN_RADIUS_M", self.CHECKIN_RADIUS_M, 1, "签到位置距活动地点的最大米数"),
            ("ACTIVITY_MAX_DEPUTIES", self.ACTIVITY_MAX_DEPUTIES, 1, "一个活动最多邀请的代表人数"),
            ("REPORT_POLL_MAX_TICKETS", self.REPORT_POLL_MAX_TICKETS, 1, "一次述职测评最多的票数"),
            # 0 would refuse every photo (as damaged, as too large) or let none be decoded at all.
            ("UPLOAD_MAX_SIDE", self.UPLOAD_MAX_SIDE, 320, "照片缩小后的最长边像素"),
            ("UPLOAD_MAX_BYTES", self.UPLOAD_MAX_BYTES, 1, "一张照片的最大字节数"),
            ("UPLOAD_MAX_PIXELS", self.UPLOAD_MAX_PIXELS, 1, "一张照片的最大像素数"),
            ("UPLOAD_MAX_FULL_DECODE_PIXELS", self.UPLOAD_MAX_FULL_DECODE_PIXELS, 1, "完整解码的最大像素数"),
            ("UPLOAD_DECODE_CONCURRENCY", self.UPLOAD_DECODE_CONCURRENCY, 1, "每个进程同时解码的照片数"),
            ("UPLOAD_MAX_UNATTACHED", self.UPLOAD_MAX_UNATTACHED, 1, "尚未提交的照片数上限"),
            ("UPLOAD_UNATTACHED_HOURS", self.UPLOAD_UNATTACHED_HOURS, 1, "未提交的照片保留的小时数"),
            # A request body smaller than a photo would refuse the photos UPLOAD_MAX_BYTES allows.
            ("MAX_CONTENT_LENGTH", self.MAX_CONTENT_LENGTH, self.UPLOAD_MAX_BYTES,
             "请求体的最大字节数，不小于 UPLOAD_MAX_BYTES"),
        ):
            if isinstance(value, int) and value < least:
                raise ConfigError(f"{name} 至少为 {least}（{meaning}），当前为 {value}。")
        if self.PG_JIT not in ("off", "server"):
            raise ConfigError(f"PG_JIT 应为 off（应用的连接关闭 JIT）或 server（沿用数据库服务器的设置），当前为 {_setting('PG_JIT') or self.PG_JIT!r}。")
        kinds = "working（工作日）或 calendar（自然日）"
        if self.REPLY_DAYS_KIND not in DAYS_KINDS:
            raise ConfigError(f"REPLY_DAYS_KIND 应为 {kinds}，而不是“{self.REPLY_DAYS_KIND}”。")
        shape = ('{"accept_hours": 小时数 或 "accept_working_days": 工作日数, "reply_days": 天数, '
                 '"days_kind": "working" 或 "calendar"}')
        for category, deadlines in self.SUGGESTION_DEADLINES.items():
            if category not in self.SUGGESTION_CATEGORIES:
                raise ConfigError(f"SUGGESTION_DEADLINES 中的类别“{category}”不在 SUGGESTION_CATEGORIES 中"
                                  f"（{'、'.join(self.SUGGESTION_CATEGORIES)}）。")
            if not isinstance(deadlines, dict) or set(deadlines) - set(DEADLINE_KEYS) or any(
                (v not in DAYS_KINDS) if k == "days_kind" else (
                    not isinstance(v, int) or isinstance(v, bool) or v < (0 if k == "accept_working_days" else 1))
                for k, v in deadlines.items()
            ) or {"accept_hours", "accept_working_days"} <= set(deadlines):
                raise ConfigError(f"SUGGESTION_DEADLINES 中“{category}”的时限应写作 {shape}。")

    def _check_rate_limits(self):
        from limits import parse_many

        from .web.limits import DEFAULTS

        values = {name: getattr(self, name) for name in (
            "LOGIN_RATE_LIMIT", "LOGIN_ACCOUNT_RATE_LIMIT", "LOGIN_ACCOUNT_TOTAL_RATE_LIMIT")}
        # The citizens' limits are read at each request, from the app config or else the environment.
        values |= {name: getattr(self, name, None) or _setting(name) or default for name, default in DEFAULTS.items()}
        for name, value in values.items():
            try:
                parse_many(value)
            except ValueError:
                raise ConfigError(f"{name} 应写作“10 per minute”或“10 per minute;60 per hour”，当前为 {value!r}。") from None

    def _check_uploads(self):
        if self.UPLOAD_STORAGE != "local":
            raise ConfigError(f"UPLOAD_STORAGE 目前只能为 local（照片存放在 UPLOAD_DIR），当前为 {self.UPLOAD_STORAGE!r}。")
        if problem := _unwritable(self.UPLOAD_DIR):
            raise ConfigError(f"UPLOAD_DIR {self.UPLOAD_DIR} 无法写入（{problem}）：群众上传的照片存放在这里，"
                              f"请创建该目录并让运行本服务的用户（uid {os.getuid()}）可写。")


def _unwritable(directory):
    """Why ``directory`` (created if missing) cannot be written by this process, or None when it can."""
    try:
        os.makedirs(directory, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def engine_options(config):
    """The engine's options for ``config`` (the app's, overrides applied): on PostgreSQL, unless PG_JIT says
    to leave the server's setting, every connection opens with ``jit = off`` (a startup option: no statement
    sent, nothing per request)."""
    options = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") and config.get("PG_JIT", "off") == "off":
        options["connect_args"] = {**options.get("connect_args", {}), "options": "-c jit=off"}
    return options


def normalise_database_url(url):
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
