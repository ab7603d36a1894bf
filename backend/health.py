"""Health check and the offline API docs' static assets.

The status is the database's: without it nothing works. Redis is reported beside it, not in the status:
while it is down the app serves on (see config.py), so a load balancer must keep the server. So is WeChat
refusing our appid, secret or server address (wechat/status.py): every server is refused alike, and only an
operator correcting the settings helps, so it is for monitoring to alert on, not for the load balancer. Likewise
a subscribe message template id WeChat refuses (notifications/outbox.py, TEMPLATE_ERRCODES): its messages wait
for an operator to correct WECHAT_TEMPLATES, on every server alike; read from the messages waiting, through the
index of those still to be sent."""
import swagger_ui_bundle
from flask import Blueprint as PlainBlueprint
from flask import current_app, send_from_directory
from marshmallow import Schema, fields
from sqlalchemy import text

from .config import production_trial
from .errors import RETRY_SOON_SECONDS
from .extensions import Blueprint, db, redis_client
from .qr.render import find_cjk_font_path
from .schema_check import RETRY_AFTER_SECONDS as NOT_MIGRATED_RETRY_SECONDS
from .schema_check import migrated

blp = Blueprint("health", __name__, url_prefix="/api/v1", description="运行状态")
docs_assets = PlainBlueprint("docs_assets", __name__)


class RefusedTemplateOut(Schema):
    template = fields.String(required=True, metadata={"description": "The template's key in WECHAT_TEMPLATES"})
    template_id = fields.String(required=True, metadata={
        "description": "The id WECHAT_TEMPLATES gives it now (once corrected and restarted, the new id until the "
                       "sweep's next try of the waiting messages succeeds); empty if it gives none"})
    waiting = fields.Integer(required=True, metadata={"description": "Subscribe messages of the template waiting"})


class HealthOut(Schema):
    status = fields.String(required=True)
    database = fields.String(required=True, metadata={
        "description": "ok; unavailable (unreachable); not_migrated (behind this version of the code: run "
                       "flask --app backend db upgrade)",
        "enum": ["ok", "unavailable", "not_migrated"],
    })
    redis = fields.String(required=True, metadata={
        "description": "ok; unavailable (the app serves on: limits counted in memory, figures uncached); "
                       "unset (REDIS_URL not set)",
        "enum": ["ok", "unavailable", "unset"],
    })
    wechat = fields.String(required=True, metadata={
        "description": "ok (no refusal known); misconfigured (WeChat refused WECHAT_APPID, WECHAT_SECRET or this "
                       "server's IP at the last try: sign-in, screening and messages wait; the sweep's error and "
                       "flask --app backend wechat-check say what to correct); unknown (the database is unavailable); "
                       "fake (APP_ENV=production with WECHAT_MODE=fake: a trial on the offline stand-in)",
        "enum": ["ok", "misconfigured", "unknown", "fake"],
    })
    wechat_templates = fields.String(required=True, metadata={
        "description": "ok (no subscribe message waits for a refused template); refused (WeChat refused the id "
                       "WECHAT_TEMPLATES gives a template (errcode 40037 or 40036): its messages wait for an operator "
                       "to correct the id and restart, and are given up 3 days after they were queued; "
                       "refused_templates says which); unknown (the database is unavailable)",
        "enum": ["ok", "refused", "unknown"],
    })
    refused_templates = fields.List(fields.Nested(RefusedTemplateOut), required=True, metadata={
        "description": "The templates whose id WeChat refused, by template: empty unless wechat_templates is refused"})
    cjk_font = fields.Boolean(required=True)


def _wechat_state():
    from .wechat.status import current_problem

    config = current_app.config
    try:
        problem = current_problem(db.session, config["WECHAT_API_BASE"], config["WECHAT_APPID"], config["WECHAT_SECRET"])
    except Exception:  # noqa: BLE001 - the database went away since it answered: health says so below
        db.session.rollback()
        return "unknown"
    if problem is not None:
        return "misconfigured"
    return "fake" if production_trial(config) else "ok"


def _templates_state():
    """(wechat_templates, refused_templates) of the health check."""
    from .notifications.outbox import refused_template_waiting

    try:
        waiting = refused_template_waiting()
    except Exception:  # noqa: BLE001 - the database went away since it answered: health says so below
        db.session.rollback()
        return "unknown", []
    ids = current_app.config["WECHAT_TEMPLATES"]
    refused = [{"template": template, "template_id": ids.get(template) or "", "waiting": count}
               for template, count in waiting.items()]
    return ("refused" if refused else "ok"), refused


def _redis_state():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "unset"
    client = current_app.extensions.get("health_redis")
    if client is None:
        # REDIS_TIMEOUT's short timeouts: a Redis that does not answer must not hold up the health check.
        client = current_app.extensions["health_redis"] = redis_client(current_app.config)
    try:
        client.ping()
        return "ok"
    except Exception:  # noqa: BLE001 - any failure means Redis cannot be used now
        return "unavailable"


@blp.get("/health")
@blp.response(200, HealthOut)
@blp.alt_response(503, schema=HealthOut)
def health():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - any failure means "down" to a load balancer
        db.session.rollback()
        database = "unavailable"
    if database == "ok" and migrated() is False:
        database = "not_migrated"  # every request would fail: the load balancer must take the server out
    wechat_templates, refused_templates = _templates_state() if database == "ok" else ("unknown", [])
    body = {
        "status": "ok" if database == "ok" else "degraded",
        "database": database,
        "redis": _redis_state(),
        "wechat": _wechat_state() if database == "ok" else "unknown",
        "wechat_templates": wechat_templates,
        "refused_templates": refused_templates,
        "cjk_font": find_cjk_font_path(current_app.config.get("CJK_FONT_PATH")) is not None,
    }
    if database == "ok":
        return body, 200
    # Like every other 503: when to ask again - a restart or failover soon, an upgrade in a minute.
    retry = NOT_MIGRATED_RETRY_SECONDS if database == "not_migrated" else RETRY_SOON_SECONDS
    return body, 503, {"Retry-After": str(retry)}


@docs_assets.get("/api/v1/docs-assets/<path:filename>")
def swagger_asset(filename):
    response = send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)
    return response
