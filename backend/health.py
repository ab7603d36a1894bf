"""Health check and the offline API docs' static assets."""
import swagger_ui_bundle
from flask import Blueprint as PlainBlueprint
from flask import current_app, send_from_directory
from marshmallow import Schema, fields
from sqlalchemy import text

from .extensions import Blueprint, db
from .qr.render import find_cjk_font_path

blp = Blueprint("health", __name__, url_prefix="/api/v1", description="运行状态")
docs_assets = PlainBlueprint("docs_assets", __name__)


class HealthOut(Schema):
    status = fields.String(required=True)
    database = fields.String(required=True)
    cjk_font = fields.Boolean(required=True)


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
    body = {
        "status": "ok" if database == "ok" else "degraded",
        "database": database,
        "cjk_font": find_cjk_font_path(current_app.config.get("CJK_FONT_PATH")) is not None,
    }
    return body, (200 if database == "ok" else 503)


@docs_assets.get("/api/v1/docs-assets/<path:filename>")
def swagger_asset(filename):
    response = send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)
    return response
