"""An app server on a database not migrated to its version: health answers 503 ``not_migrated`` (the load
balancer takes it out) and requests the contract's 503, not a 500 each, until ``db upgrade``; then it serves,
without asking the database's revision again."""
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import event, text

from backend import create_app
from backend.extensions import db

from .test_migrations import scratch_url  # noqa: F401  (fixture)

REFUSED = {"error": "service_unavailable", "message": "系统正在升级，暂时不可用，请稍后重试。"}


def app_on(url, tmp_path):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t", "UPLOAD_DIR": str(tmp_path / "uploads")})


def sign_in(client):
    return client.post("/api/v1/auth/login", json={"username": "nobody", "password": "Wrongpass2024"})


def head_and_previous(app):
    with app.app_context():
        scripts = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        head = scripts.get_current_head()
        return head, scripts.get_revision(head).down_revision


def test_a_database_never_migrated_is_not_served_until_upgraded(scratch_url, tmp_path, caplog):  # noqa: F811
    app = app_on(scratch_url, tmp_path)
    client = app.test_client()

    health = client.get("/api/v1/health")
    assert health.status_code == 503
    assert health.json["status"] == "degraded" and health.json["database"] == "not_migrated"
    assert health.headers.get("Retry-After") == "60"
    refused = sign_in(client)
    assert refused.status_code == 503 and refused.json == REFUSED
    assert refused.headers.get("Retry-After") == "60"  # an operator runs db upgrade: a minute, not seconds
    page = client.get("/console/login")
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert page.headers.get("Retry-After") == "60"
    assert REFUSED["message"] in page.get_data(as_text=True)
    assert any(r.levelname == "ERROR" and "请先运行 flask --app backend db upgrade" in r.getMessage()
               for r in caplog.records)

    with app.app_context():
        upgrade()
    health = client.get("/api/v1/health")
    assert health.status_code == 200 and health.json["database"] == "ok" and health.json["status"] == "ok"
    assert sign_in(client).status_code == 401
    with app.app_context():
        db.engine.dispose()


def test_a_database_behind_the_code_is_not_served_and_one_ahead_is(scratch_url, tmp_path):  # noqa: F811
    app = app_on(scratch_url, tmp_path)
    head, previous = head_and_previous(app)
    with app.app_context():
        upgrade(revision=previous)
    client = app.test_client()

    assert client.get("/api/v1/health").json["database"] == "not_migrated"
    assert sign_in(client).json == REFUSED

    # Migrated for a newer version while this one still serves (the documented upgrade order): served.
    with app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_newer'"))
    ahead = app_on(scratch_url, tmp_path)
    assert ahead.test_client().get("/api/v1/health").json["database"] == "ok"
    assert sign_in(ahead.test_client()).status_code == 401
    with ahead.app_context():
        db.engine.dispose()
    with app.app_context():
        db.engine.dispose()


def test_once_migrated_the_revision_is_not_asked_again(scratch_url, tmp_path):  # noqa: F811
    app = app_on(scratch_url, tmp_path)
    with app.app_context():
        upgrade()
        asked = []

        @event.listens_for(db.engine, "before_cursor_execute")
        def count(conn, cursor, statement, *args):
            if "FROM alembic_version" in statement:  # the revision read
                asked.append(statement)

    client = app.test_client()
    assert client.get("/api/v1/health").json["database"] == "ok"
    assert len(asked) == 1  # the first request asks
    for _ in range(3):
        assert sign_in(client).status_code == 401
        assert client.get("/api/v1/health").status_code == 200
    assert len(asked) == 1
    with app.app_context():
        db.engine.dispose()
