"""Security headers on every answer, and the console's session cookie read only when one is sent.

Pages load only the application's own assets and cannot be framed. The headers are added where the
response starts (WSGI), so they cost a list extension per request, not four header searches. An answer
over HTTPS (as nginx tells it through X-Forwarded-Proto, with TRUSTED_PROXIES) also carries HSTS, so
that a browser that once opened the site never falls back to plain HTTP.
"""
from flask.sessions import SecureCookieSessionInterface

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


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, skipped when the request carries no session cookie.

    Only the console uses a session; API calls and public pages send none, and Flask would otherwise
    build a signing serializer for each of them to find nothing."""

    def open_session(self, app, request):
        # No Cookie header at all (API calls): not even the header's parse.
        if "HTTP_COOKIE" not in request.environ or self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)
