"""Whether the database is migrated to this version of the code, for the app server.

An app server started on a database never migrated, or one behind the code (reloaded before ``db upgrade``,
a worker respawned on new code before the migration), would fail every request with a 500 from its first
query. Instead its health answers 503 ``"database": "not_migrated"`` (the load balancer takes it out) and
every request the contract's 503 with a Chinese line, until the database is upgraded.

Cheap: the check runs once per process until it finds the database at the code's revision, then never
again (a dictionary lookup per request). A database ahead of the code (a revision this code does not know:
migrated for a newer version while this one still serves, as the documented upgrade order does) is served:
migrations keep the columns older code reads.
"""
import logging

from flask import current_app, request
from sqlalchemy.exc import DBAPIError

from .extensions import db

log = logging.getLogger(__name__)

# app.extensions key: {"ok": bool, "head": str, "known": set, "logged": the revision last logged, None if none}
_STATE = "schema_check"
MESSAGE = "系统正在升级，暂时不可用，请稍后重试。"
# ``Retry-After`` of that 503: an operator must run ``db upgrade`` (a minute or so), so asking again in a
# few seconds, as after a lost connection, would only repeat the refusal.
RETRY_AFTER_SECONDS = 60
# Endpoints that answer without the tables: health reports the state itself.
UNCHECKED = frozenset({None, "static", "docs_assets.swagger_asset", "health.health"})


def _state(app):
    state = app.extensions.get(_STATE)
    if state is None:
        head, known = code_revisions(app)
        state = app.extensions[_STATE] = {"ok": False, "head": head, "known": known, "logged": ""}
    return state


def code_revisions(app):
    """This code's newest migration and every migration it knows."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    return scripts.get_current_head(), {script.revision for script in scripts.walk_revisions()}


def database_revision():
    """The database's migration (None: no tables yet); DBAPIError when it cannot be reached."""
    from alembic.runtime.migration import MigrationContext

    quiet = logging.getLogger("alembic.runtime.migration")  # its "Context impl" line, at each read
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        with db.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        quiet.setLevel(level)


def migrated():
    """True when the database is at (or ahead of) this code's revision; False when it is behind or has no
    tables; None when it cannot be asked now (unreachable: answered as such elsewhere)."""
    app = current_app._get_current_object()
    state = _state(app)
    if state["ok"]:
        return True
    try:
        current = database_revision()
    except DBAPIError:
        return None
    if current == state["head"] or (current is not None and current not in state["known"]):
        state["ok"] = True
        return True
    if state["logged"] != current:  # once per state and process, not at every request
        state["logged"] = current
        log.error("数据库还没有升级到本版本（数据库 %s，程序需要 %s）：请先运行 flask --app backend db upgrade。",
                  current or "尚未建表", state["head"])
    return False


def refuse_until_migrated():
    """``before_request``: the contract's 503 (a page in the browser) while the database is behind the code."""
    if current_app.extensions.get(_STATE, {}).get("ok") or request.endpoint in UNCHECKED:
        return None
    if migrated() is not False:
        return None
    from .errors import server_error_response

    return server_error_response(503, MESSAGE, retry_after=RETRY_AFTER_SECONDS)
