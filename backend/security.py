"""Security headers on every answer: pages load only the application's own assets and cannot be framed."""

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# flask-smorest's Swagger UI page boots itself with an inline script; its assets are still our own.
DOCS_CSP = STRICT_CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)


def register_security_headers(app):
    @app.after_request
    def security_headers(response):
        from flask import request

        response.headers.setdefault(
            "Content-Security-Policy", DOCS_CSP if request.path == "/api/v1/docs" else STRICT_CSP
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
