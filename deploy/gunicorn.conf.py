"""gunicorn settings for the container image, read from the environment.

Used as ``gunicorn --config deploy/gunicorn.conf.py 'backend:create_app()'``.

- ``PORT`` (default 8000): the port to listen on, on all interfaces.
- ``WEB_CONCURRENCY`` (default 2): worker processes.
- ``GUNICORN_THREADS`` (default 4): threads per worker.
- ``GUNICORN_TIMEOUT`` (default 60): seconds before a silent worker is restarted.
- ``FORWARDED_ALLOW_IPS``: addresses of the reverse proxy whose X-Forwarded-* headers are trusted
  (gunicorn reads it itself; default 127.0.0.1).
"""
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# The heartbeat file on a tmpfs: a disk-backed /tmp can stall workers inside containers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# No control socket: nothing in the container uses gunicornc, and $HOME is not writable.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
