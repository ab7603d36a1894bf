"""What every answer carries, whichever part of the product sends it: security headers, no stray
session cookie, and rate limits that still apply where they are configured."""
from flask import Flask

from backend.extensions import EndpointLimiter
from backend.security import DOCS_CSP, STRICT_CSP

from .factories import sent_statements
from .test_console_suggestions import console_login


def _security_headers(response):
    return {name: response.headers.get(name) for name in
            ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")}


STRICT = {"Content-Security-Policy": STRICT_CSP, "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
          "Referrer-Policy": "same-origin"}


def test_api_answers_errors_and_pages_carry_the_security_headers(client):
    for path, status in (("/api/v1/health", 200), ("/api/v1/no-such-thing", 404), ("/console/login", 200),
                         ("/public/stations", 200), ("/q/no-such-code", 404), ("/console/no-such-page", 404)):
        response = client.get(path)
        assert response.status_code == status, path
        assert _security_headers(response) == STRICT, path
        assert response.headers.getlist("X-Frame-Options") == ["DENY"], path  # added once, not twice


def test_over_https_every_answer_tells_the_browser_to_stay_on_https(client):
    """HSTS: once a browser has opened the site over HTTPS it never again sends a sign-in, a session cookie
    or a citizen's phone number over plain HTTP (a hotel Wi-Fi's downgrade). Over HTTP the header is
    meaningless and not sent."""
    for path in ("/console/login", "/public/stations", "/api/v1/health", "/api/v1/no-such-thing"):
        secure = client.get(path, base_url="https://localhost")
        assert secure.headers.get("Strict-Transport-Security") == "max-age=31536000", path
        assert "Strict-Transport-Security" not in client.get(path).headers, path


def test_the_api_docs_page_may_run_its_inline_boot_script(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == DOCS_CSP
    assert "script-src 'self' 'unsafe-inline'" in DOCS_CSP


def test_api_calls_get_no_session_cookie_and_the_console_still_signs_in(app, client, factory):
    factory.admin("clerk", "password123", factory.tree()["root"])
    assert "Set-Cookie" not in client.get("/api/v1/health").headers

    console = console_login(app, "clerk")
    assert console.get("/console/").status_code == 200  # the session cookie is read back


def test_an_operator_configured_default_limit_still_applies_to_every_request():
    """EndpointLimiter skips flask-limiter's per-request pass only while no request-wide limit exists."""
    app = Flask("limited")
    limiter = EndpointLimiter(key_func=lambda: "one-client", default_limits=["2 per minute"],
                              storage_uri="memory://")
    limiter.init_app(app)
    app.get("/plain")(lambda: {"ok": True})
    client = app.test_client()
    assert [client.get("/plain").status_code for _ in range(3)] == [200, 200, 429]


def _transaction_ends(app, client, method, path, **request):
    """How each transaction on the app's engine ended while ``client`` made the request."""
    from sqlalchemy import event

    from backend.extensions import db

    ends = []
    with app.app_context():
        engine = db.engine
    listeners = {"commit": lambda conn: ends.append("commit"), "rollback": lambda conn: ends.append("rollback")}
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    try:
        response = client.open(path, method=method, **request)
    finally:
        for name, listener in listeners.items():
            event.remove(engine, name, listener)
    return response, ends


def test_a_refused_request_that_wrote_nothing_commits_its_reads(app, client, factory):
    """psycopg drops a connection's prepared statements on ROLLBACK; a refusal that only read ends
    with COMMIT instead (the same to the database), one that wrote is still rolled back."""
    headers = factory.wechat_login("reader")
    missing, ends = _transaction_ends(app, client, "GET", "/api/v1/suggestions/999999", headers=headers)
    assert missing.status_code == 404 and ends == ["commit"]

    bad, ends = _transaction_ends(app, client, "POST", "/api/v1/suggestions", headers=headers,
                                  json={"qr_code": "nope", "category": "其他", "content": "路灯坏了"})
    assert bad.status_code in (404, 422) and "rollback" not in ends


def test_what_counts_as_written(app, factory):
    from sqlalchemy import text

    from backend.auth.models import User
    from backend.extensions import db
    from backend.transactions import wrote

    with app.app_context():
        db.session.execute(text("SELECT 1"))
        assert not wrote(db.session())
        db.session.execute(text("UPDATE users SET display_name = display_name WHERE id = -1"))
        assert wrote(db.session()), "a statement that may change rows, even one that changed none"
        db.session.rollback()
        assert not wrote(db.session())
        db.session.add(User(display_name="未写入"))
        assert wrote(db.session()), "a pending object"
        db.session.rollback()
        db.session.execute(text("WITH nobody AS (SELECT -1 AS id) DELETE FROM users WHERE id IN (SELECT id FROM nobody)"))
        assert wrote(db.session())
        db.session.commit()
        assert not wrote(db.session())


def _statement_contexts(app, client, method, path, **request):
    """For each statement the request sent: (held to reading?, in autocommit?)."""
    from backend.transactions import READ_ONLY

    def look(conn, statement):
        dbapi = conn.connection.dbapi_connection
        return bool(conn.get_execution_options().get(READ_ONLY)), getattr(dbapi, "autocommit", None) is True

    with sent_statements(app, look) as seen:
        response = client.open(path, method=method, **request)
    return response, seen


def test_page_views_only_read_and_on_postgresql_skip_the_transaction(app, client, factory):
    from backend.extensions import db

    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    headers = factory.wechat_login("reader")
    listed, seen = _statement_contexts(app, client, "GET", "/api/v1/suggestions?scope=mine", headers=headers)
    assert listed.status_code == 200 and seen
    assert all(read_only and autocommit == postgresql for read_only, autocommit in seen), seen

    written, seen = _statement_contexts(app, client, "POST", "/api/v1/auth/wechat", json={"code": "writer"})
    assert written.status_code == 200 and seen
    assert not any(read_only or autocommit for read_only, autocommit in seen), seen


def test_a_statement_that_would_change_rows_in_a_page_view_is_refused(app, factory):
    import pytest
    from sqlalchemy import func, select, text

    from backend.auth.models import User
    from backend.extensions import db
    from backend.transactions import READ_ONLY, WriteInReadOnlyRequest

    factory.wechat_login("someone")
    with app.app_context():
        db.session.commit()
        connection = db.session.connection(execution_options={READ_ONLY: True})
        with pytest.raises(WriteInReadOnlyRequest):
            connection.execute(text("UPDATE users SET display_name = '改过'"))
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(User).where(User.display_name == "改过")) == 0


def test_a_readers_mark_is_the_one_write_a_page_view_may_make(app, factory):
    """消息中心's read marks (``READER_MARK``) pass in a page view; a write after one is still refused."""
    import pytest
    from sqlalchemy import text

    from backend.extensions import db
    from backend.transactions import READ_ONLY, READER_MARK, WriteInReadOnlyRequest, wrote

    factory.wechat_login("someone")
    with app.app_context():
        db.session.commit()
        connection = db.session.connection(execution_options={READ_ONLY: True})
        db.session.execute(text("UPDATE outbox_messages SET read_dt = read_dt WHERE id = -1"),
                           execution_options={READER_MARK: True})
        assert wrote(db.session())
        with pytest.raises(WriteInReadOnlyRequest):
            connection.execute(text("UPDATE users SET display_name = '改过'"))
        db.session.rollback()


def test_a_query_string_is_read_once_and_every_request_gets_its_own_arguments(app, client, factory):
    from backend.extensions import SchemaReusingParser
    from schemas.suggestions import SuggestionQuery

    parser = SchemaReusingParser()
    with app.test_request_context("/api/v1/suggestions?scope=assigned&per_page=5&from=2026-11-01"):
        first = parser.parse(SuggestionQuery, location="query")
        first["per_page"] = 99  # a handler changing its arguments changes nobody else's
    with app.test_request_context("/api/v1/suggestions?scope=assigned&per_page=5&from=2026-11-01"):
        again = parser.parse(SuggestionQuery, location="query")
    assert again["per_page"] == 5 and again["scope"] == "assigned" and again["page"] == 1
    assert str(again["date_from"]) == "2026-11-01"

    # A query string that fails validation is refused every time, with the contract's error.
    citizen = factory.wechat_login("citizen-wang")
    for _ in range(2):
        refused = client.get("/api/v1/suggestions?per_page=500", headers=citizen)
        assert refused.status_code == 422 and refused.json["errors"]["per_page"]


def test_a_filing_after_a_read_in_the_same_session_is_kept(app, client, factory):
    """A successful read that loaded no ORM objects (a list) ends by closing its session rather than
    committing it; a filing after it in the same session (an app context kept open, as here) is kept."""
    from backend.extensions import db

    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站")
    code = factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[station]).qr_code
    citizen = factory.wechat_login("citizen-wang")
    db.session.commit()  # the requests below open their own connections, as a server's do
    assert client.get("/api/v1/suggestions", headers=citizen).json["total"] == 0
    filed = client.post("/api/v1/suggestions", headers=citizen,
                        json={"qr_code": code, "category": "城市管理", "content": "路口红绿灯时间太短。"})
    assert filed.status_code == 201
    db.session.remove()
    listed = client.get("/api/v1/suggestions", headers=citizen).json
    assert [item["number"] for item in listed["items"]] == [filed.json["number"]]
