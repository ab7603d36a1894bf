"""Versioned static files: ``url_for("static", filename=...)`` carries ``?v=<hash of the file's content>``, and a
request for the current version is kept by browsers and proxies for a year (``immutable``: not even
revalidated), which on a slow mobile link saves a round trip per file on every visit. A deploy that changes
a file changes its link. Without ``v``, or with an old one, a file is served as Flask serves it (no-cache,
revalidated by its ETag)."""
import hashlib
import os

from flask import request
from werkzeug.security import safe_join

IMMUTABLE = "public, max-age=31536000, immutable"


def init_app(app):
    versions = {}  # filename -> ((mtime, size), version): read again when the file changes on disk

    def version(filename):
        path = safe_join(app.static_folder, filename) if filename else None
        try:
            stat = os.stat(path) if path else None
        except OSError:
            return None
        if stat is None or not os.path.isfile(path):
            return None
        key = (stat.st_mtime_ns, stat.st_size)
        known = versions.get(filename)
        if known is None or known[0] != key:
            with open(path, "rb") as file:
                known = versions[filename] = (key, hashlib.sha256(file.read()).hexdigest()[:12])
        return known[1]

    @app.url_defaults
    def link_static_with_its_version(endpoint, values):
        if endpoint == "static" and "v" not in values:
            current = version(values.get("filename"))
            if current:
                values["v"] = current

    @app.after_request
    def keep_versioned_static_files(response):
        if (request.endpoint == "static" and response.status_code in (200, 304) and request.args.get("v")
                and request.args["v"] == version((request.view_args or {}).get("filename"))):
            response.headers["Cache-Control"] = IMMUTABLE
        return response
