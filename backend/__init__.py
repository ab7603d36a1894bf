"""码上办 — the Flask application. WSGI entry point: ``backend:create_app()``."""
import logging
import os

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import static_versions
from .config import Config, ConfigError, engine_options
from .extensions import api, cache, csrf, db, limiter, migrate
from .json_provider import JSONProvider
from .pool_ping import ping_idle_connections
from .security import CookieSessionInterface, SecurityHeaders
from .transactions import begin_request, end_request_transaction

# Endpoints that open no request connection up front: those that only send files, and the health check,
# which tries the database itself so as to answer with what it found when the database is down.
NO_REQUEST_CONNECTION = frozenset({None, "static", "docs_assets.swagger_asset", "health.health"})


class App(Flask):
    """Flask, asking once per function whether it is a coroutine function.

    Flask asks it of every view, before- and after-request function and teardown at every request
    (``ensure_sync``: ten ``inspect`` tests a signed-in request, 1.5 % of ``/me``); none of ours is
    async, and a function's answer never changes. Functions made per request (``after_this_request``)
    are asked each time once a few hundred are remembered."""

    REMEMBERED_FUNCTIONS = 512

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._synchronous = {}  # function → itself, or its synchronous wrapper

    def ensure_sync(self, func):
        try:
            return self._synchronous[func]
        except KeyError:
            sync = super().ensure_sync(func)
            if len(self._synchronous) < self.REMEMBERED_FUNCTIONS:
                self._synchronous[func] = sync
            return sync
        except TypeError:  # an unhashable callable
            return super().ensure_sync(func)


def create_app(test_config=None):
    app = App(__name__, instance_relative_config=True)
    try:
        config = Config(app.instance_path)
        app.config.from_object(config)
        if test_config:
            app.config.update(test_config)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
        config.__dict__.update({k: v for k, v in app.config.items() if k.isupper()})
        config.check()
    except ConfigError as error:
        error.end_flask_command()
        raise
    app.json = JSONProvider(app)
    app.session_interface = CookieSessionInterface()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for line in config.warnings:
        logging.getLogger(__name__).warning(line)

    if app.config["TRUSTED_PROXIES"]:
        from .proxies import TrustedProxyFix

        app.wsgi_app = TrustedProxyFix(app.wsgi_app, app.config["TRUSTED_PROXIES"], app.config["TRUSTED_PROXY_ADDRESSES"])
    app.wsgi_app = SecurityHeaders(app.wsgi_app)
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            ping_idle_connections(engine)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"))
    api.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)
    static_versions.init_app(app)  # ?v=<content hash> on static links, kept a year

    from . import models  # noqa: F401  (every table registered before anything queries)
    from .activities.routes import blp as activities_blp
    from .activities.routes import checkins as checkins_blp
    from .activities.training_routes import blp as training_blp
    from .activities.report_poll_routes import blp as report_poll_blp
    from .activities.report_poll_routes import public as report_polls_blp
    from .appointments.routes import blp as appointments_blp
    from .audit.routes import blp as audit_blp
    from .auth.account_routes import blp as admins_blp
    from .auth.routes import blp as auth_blp
    from .auth import erasure
    from .auth.scope import load_current_user
    from .console import bp as console_bp
    from .errors import register_error_handlers
    from .health import blp as health_blp
    from .health import docs_assets
    from .livelihood.routes import blp as livelihood_blp
    from .notifications.routes import blp as messages_blp
    from .livelihood.routes import public_livelihood
    from .consultations.routes import blp as consultations_blp
    from .consultations.routes import public_consultations
    from .liaisons.routes import blp as liaisons_blp
    from .liaisons.routes import my_liaisons
    from .research.routes import blp as research_blp
    from .research.routes import my_research
    from .org.importer_routes import blp as import_blp
    from .org.importer_routes import station_blp as station_import_blp
    from .org.routes import deputies, regions, stations
    from .points.routes import points as points_blp
    from .points.routes import evaluations as evaluations_blp
    from .points.routes import rules as rules_blp
    from .qr.routes import blp as qr_blp
    from .qr.routes import public_pages
    from .suggestions.public_routes import nearby_blp, public_blp, stats_blp
    from .suggestions.routes import blp as suggestions_blp
    from .uploads.routes import blp as uploads_blp
    from .web.pages import bp as web_pages
    from .wechat.link_verify import bp as link_verify_bp
    from .wechat.push import bp as wechat_push_bp

    for blueprint in (
        auth_blp, admins_blp, regions, stations, station_import_blp, import_blp, deputies, qr_blp, nearby_blp, suggestions_blp, stats_blp,
        public_blp, uploads_blp, activities_blp, checkins_blp, training_blp, rules_blp, points_blp, evaluations_blp, appointments_blp, health_blp,
        audit_blp, livelihood_blp, public_livelihood, consultations_blp, public_consultations,
        liaisons_blp, my_liaisons, report_poll_blp, report_polls_blp, messages_blp, research_blp, my_research,
    ):
        api.register_blueprint(blueprint)
    app.register_blueprint(public_pages)  # /q/{code}: the link inside every printed code
    app.register_blueprint(web_pages)  # citizens' tracking pages, public pages
    app.register_blueprint(link_verify_bp)  # WeChat's verification file for the /q/ link rule
    app.register_blueprint(wechat_push_bp)  # WeChat's message push: image-screening verdicts
    app.register_blueprint(console_bp)
    app.register_blueprint(docs_assets)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    # Bearer token where an endpoint needs one; many (QR resolve, public lists, leaderboard) need none.
    api.spec.options["security"] = [{"bearer": []}, {}]

    register_error_handlers(app)

    from .schema_check import refuse_until_migrated

    app.before_request(refuse_until_migrated)  # a database behind the code: 503, not a 500 per request

    @app.before_request
    def open_request_connection():
        if request.endpoint not in NO_REQUEST_CONNECTION:
            begin_request(db.session(), request.method)

    app.before_request(load_current_user)

    @app.after_request
    def never_keep_personal_answers(response):
        """An API answer to a signed-in caller (their phone, their items, citizens' contact phones) or one
        that hands out a token is kept by no browser cache or proxy: a shared phone's 后退 or disk cache
        shows none of it after the next person picks the phone up. A view that chose its own caching
        (photos: private; QR images: public) keeps it; answers to anonymous callers are as they were."""
        if (
            request.path.startswith("/api/v1/")
            and "Cache-Control" not in response.headers
            and (request.headers.get("Authorization") or request.path.startswith("/api/v1/auth/"))
        ):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.after_request
    def commit_or_rollback(response):
        """One commit per request: everything a handler changed lands together, or nothing does."""
        return end_request_transaction(db.session(), erasure.refuse_if_erased_meanwhile(response))

    from .cli import register_cli

    register_cli(app)
    return app


def _reverse(value):
    return None if value is None else str(value)[::-1]


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite as a real database: WAL for concurrent readers, foreign keys enforced, waits on locks, and
    PostgreSQL's ``reverse``, which the suggestions' number index is built on (suggestions/models.py).

    synchronous=NORMAL is SQLite's advice for WAL: a commit no longer waits for the disk (the log is
    synced at checkpoints), and a power cut can lose the last commits but never corrupts the file."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    dbapi_connection.create_function("reverse", 1, _reverse, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
