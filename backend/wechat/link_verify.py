"""The domain verification file of WeChat's "scan ordinary link QR code to open the mini-program" rule.

WeChat opens the mini-program from a printed ``{PUBLIC_BASE_URL}/q/{code}`` link only after the
domain has proved it belongs to the mini-program: the mini-program console hands out a file
(e.g. ``abc123.txt`` with a short content) that must be reachable under the rule's folder
(``{PUBLIC_BASE_URL}/q/abc123.txt``). Operators configure it, no file deployment needed:

* ``WECHAT_LINK_VERIFY_FILE``: the file name the console shows (``abc123.txt``);
* ``WECHAT_LINK_VERIFY_CONTENT``: the file's content.

Both come from the app config or, failing that, the environment. The file is served as text/plain at
``/q/<name>`` and at ``/<name>``. Routes exist only for the exact configured name, so every other
``/q/<code>`` still reaches the QR landing page; with nothing configured there is no route (404).
"""
import logging
import os
import re

from flask import Blueprint, Response

log = logging.getLogger(__name__)

bp = Blueprint("wechat_link_verify", __name__)

# What the WeChat console issues: a short token with a .txt extension. Anything else is refused so
# that a typo cannot shadow an application route.
SAFE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}\.txt$")


def _setting(app, name):
    value = app.config.get(name)
    if value is None:
        value = os.environ.get(name)
    return value


@bp.record
def _add_routes(state):
    app = state.app
    name = (_setting(app, "WECHAT_LINK_VERIFY_FILE") or "").strip()
    if not name:
        return
    if not SAFE_NAME.match(name):
        log.warning("WECHAT_LINK_VERIFY_FILE=%r is not a plain .txt file name; verification file not served", name)
        return
    content = _setting(app, "WECHAT_LINK_VERIFY_CONTENT") or ""

    def verification_file():
        response = Response(content, mimetype="text/plain")
        response.headers["Cache-Control"] = "no-cache"
        return response

    # Static rules: werkzeug ranks them above /q/<code>, and they match this one name only.
    state.add_url_rule(f"/q/{name}", "in_rule_folder", verification_file, methods=["GET"])
    state.add_url_rule(f"/{name}", "at_domain_root", verification_file, methods=["GET"])
