"""Security headers on every answer, and the console's session cookie: read only when one is sent, and not
sent back by the answers to a page's scripts in the background.

Pages load only the application's own assets and cannot be framed. The headers are added where the
response starts (WSGI), so they cost a list extension per request, not four header searches. An answer
over HTTPS (as nginx tells it through X-Forwarded-Proto, with TRUSTED_PROXIES) also carries HSTS, so
that a browser that once opened the site never falls back to plain HTTP.
"""
from datetime import datetime, timedelta, timezone

from flask import request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# flask-smorest's Swagger UI page boots itself with an inline script; its assets are still our own.
DOCS_CSP = STRICT_CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)
DOCS_PATH = "/api/v1/docs"
_COMMON = (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"))
_STRICT = (("Content-Security-Policy", STRICT_CSP), *_COMMON)
_DOCS = (("Content-Security-Policy", DOCS_CSP), *_COMMON)
# A year; not includeSubDomains: other services of a government domain may still be plain HTTP.
HSTS = ("Strict-Transport-Security", "max-age=31536000")


class SecurityHeaders:
    """WSGI middleware: each header above unless the response already set its own."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        defaults = _DOCS if environ.get("PATH_INFO") == DOCS_PATH else _STRICT

        def start_with_headers(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            headers.extend(item for item in defaults if item[0].lower() not in present)
            # Read now, not on the way in: ProxyFix, inside this middleware, sets the scheme nginx saw.
            if environ.get("wsgi.url_scheme") == "https" and "strict-transport-security" not in present:
                headers.append(HSTS)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start_with_headers)


# How often a page's scripts in the background may renew the session cookie (see should_set_cookie).
BACKGROUND_RENEWAL = timedelta(minutes=10)


def in_the_background():
    """Mark this request as a page's script asking in the background (a live refresh, a picker's search,
    the check-in screen's next code), not the administrator's own step: see should_set_cookie. On the
    request itself, not ``g``: an application context can outlive a request (the tests keep one open)."""
    request.environ["msb.in_the_background"] = True


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, skipped when the request carries no session cookie.

    Only the console uses a session; API calls and public pages send none, and Flask would otherwise
    build a signing serializer for each of them to find nothing.

    Flask sends the cookie again with every answer, to keep a session in use alive. But a script's request
    in the background carries the session as it was when the request left the browser: answered with a
    cookie, it puts that session back over the one a form's answer set meanwhile in another tab, and the
    form's message (已保存修改…) or a list's remembered filters are lost. So those answers send the cookie
    only when they changed the session, or at most once per BACKGROUND_RENEWAL to keep it alive (a
    check-in screen left open all day stays signed in)."""

    def open_session(self, app, request):
        # No Cookie header at all (API calls): not even the header's parse.
        name = self.get_cookie_name(app)
        if "HTTP_COOKIE" not in request.environ or name not in request.cookies:
            return self.session_class()
        serializer = self.get_signing_serializer(app)
        if serializer is None:  # no SECRET_KEY: Flask's own refusal
            return None
        try:
            data, signed_at = serializer.loads(request.cookies[name], return_timestamp=True,
                                               max_age=int(app.permanent_session_lifetime.total_seconds()))
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app, session):
        if request.environ.get("msb.in_the_background") and not session.modified:
            signed_at = getattr(session, "signed_at", None)
            if signed_at is not None and datetime.now(timezone.utc) - signed_at < BACKGROUND_RENEWAL:
                return False
        return super().should_set_cookie(app, session)
