"""gunicorn settings for the container image, read from the environment.

Used as ``python deploy/serve.py --config deploy/gunicorn.conf.py 'backend:create_app()'`` (serve.py: gunicorn itself
reads WEB_CONCURRENCY before this file, and a blank one would crash it).

- ``PORT`` (default 8000): the port to listen on.
- ``BIND_HOST`` (default 0.0.0.0, all interfaces, as a container needs): the address to listen on. The systemd
  unit sets 127.0.0.1 (nginx on the same host), so that no client reaches the app's port past nginx.
- ``WEB_CONCURRENCY`` (default 2): worker processes. With ``APP_ENV=production`` more than one needs
  ``REDIS_URL``: without Redis each worker counts the rate limits in its own memory (every limit would be
  multiplied by the number of workers, and an account locked out on one worker could sign in on another),
  so gunicorn refuses to start.
- ``GUNICORN_THREADS`` (default 4): threads per worker.
- ``GUNICORN_TIMEOUT`` (default 60): seconds before a silent worker is restarted.
- ``FORWARDED_ALLOW_IPS``: addresses of the reverse proxy whose X-Forwarded-* headers are trusted
  (gunicorn reads it itself; default 127.0.0.1).

As for the app's settings, a variable set to nothing counts as unset, and a value gunicorn cannot run with
stops it with one line, ``Error: 配置错误：…``, exit code 1. The app's own settings are checked by the master
before it starts workers (and again on a reload, HUP), so that a mistake is that one line, not a traceback
from every worker.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _number(name, default, least, meaning):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < least:
        _refuse(f"{name} 应为不小于 {least} 的整数（{meaning}），当前为 {value!r}。")
    return number


def _refuse(problem):
    # gunicorn reads this file before it logs anything: the line goes to stderr, as the commands' do.
    print(f"Error: 配置错误：{problem}", file=sys.stderr)
    sys.exit(1)


_host = os.environ.get("BIND_HOST", "").strip() or "0.0.0.0"
bind = f"{f'[{_host}]' if ':' in _host else _host}:{_number('PORT', 8000, 1, '监听端口')}"
workers = _number("WEB_CONCURRENCY", 2, 1, "工作进程数")
if os.environ.get("APP_ENV") == "production" and workers > 1 and not os.environ.get("REDIS_URL", "").strip():
    _refuse(f"APP_ENV=production 且 WEB_CONCURRENCY={workers}（多个工作进程）时须设置 REDIS_URL：没有 Redis，"
            "登录和提交的频率限制、账号锁定由每个进程各自计数，限额随进程数成倍放宽。"
            "请设置 REDIS_URL（如 redis://redis:6379/0），或设置 WEB_CONCURRENCY=1。")
threads = _number("GUNICORN_THREADS", 4, 1, "每个工作进程的线程数")
timeout = _number("GUNICORN_TIMEOUT", 60, 1, "秒")
graceful_timeout = 30
# The heartbeat file on a tmpfs: a disk-backed /tmp can stall workers inside containers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# No control socket: nothing in the container uses gunicornc, and $HOME is not writable.
control_socket_disable = True
accesslog = "-"
# gunicorn's default line without the query string and the referrer: a photo's link signed for WeChat's
# screening (``?sig=…``) opens it to anyone for a day, and a console page's address holds what an
# administrator searched for (a phone number). The path, status, size and browser stay.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
errorlog = "-"

# Checked in an interpreter of its own: the master must not import the app, or the workers it forks after a
# reload would run the old code. Exit code 3 with the line: a setting the app cannot run with.
_CHECK = """
import sys
from backend.config import Config, ConfigError
try:
    Config(sys.argv[1]).check()
except ConfigError as error:
    print(error.message)
    sys.exit(3)
"""


def _settings_problem(server):
    """The ``配置错误：…`` line for the app's settings in this environment, or None."""
    try:
        result = subprocess.run([sys.executable, "-c", _CHECK, os.path.join(ROOT, "instance")], cwd=ROOT,
                                capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.SubprocessError) as exc:
        server.log.warning("settings not checked before starting workers: %s", exc)
        return None
    if result.returncode == 3 and result.stdout.strip():
        return result.stdout.strip().splitlines()[-1]
    if result.returncode != 0:  # not a setting (the code itself fails): the workers will say what
        server.log.warning("settings not checked before starting workers: %s", result.stderr.strip()[-2000:])
    return None


def _stop_on_bad_settings(server):
    if problem := _settings_problem(server):
        server.log.error("%s", problem)
        server.halt(reason=problem, exit_status=1)


def when_ready(server):
    _stop_on_bad_settings(server)


def on_reload(server):
    # A reload keeps the environment the master was started with (systemd reads EnvironmentFile at start
    # only): new code that needs a new setting stops the service here with the line, rather than with a
    # traceback from each new worker; under systemd, Restart=on-failure starts it again with the file re-read.
    _stop_on_bad_settings(server)
