"""Start gunicorn, its arguments unchanged: ``python deploy/serve.py --config deploy/gunicorn.conf.py 'backend:create_app()'``.

gunicorn reads ``WEB_CONCURRENCY`` as it is imported, before its config file: set to nothing (``WEB_CONCURRENCY=``
in the env file, which the manual says counts as unset) or to a word, it stops with a traceback. This reads the
settings first as deploy/gunicorn.conf.py does: blank is unset, and a value gunicorn cannot run with stops it with
that file's one line, ``Error: 配置错误：…``, exit code 1. sys.argv is left as it is, so that gunicorn's re-exec
(USR2) starts through here again.
"""
import os
import runpy
import sys

if not os.environ.get("WEB_CONCURRENCY", "x").strip():
    del os.environ["WEB_CONCURRENCY"]
# The config file's checks, in this process before gunicorn is imported (it exits with the line if need be).
workers = runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), "gunicorn.conf.py"))["workers"]
if "WEB_CONCURRENCY" in os.environ:
    os.environ["WEB_CONCURRENCY"] = str(workers)

from gunicorn.app.wsgiapp import run  # noqa: E402  (after WEB_CONCURRENCY is one gunicorn can read)

sys.exit(run())
