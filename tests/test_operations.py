"""Running the service as an operator does: settings from the environment, the ``flask --app backend``
commands, gunicorn with deploy/gunicorn.conf.py, and Redis or PostgreSQL going away underneath.

A mistake in the settings stops the app at start with one clear line naming the variable; a service
that goes away while the app runs is answered with the contract's JSON error or bypassed, never a
traceback or an HTML error page.

The tests marked database_independent run the app on a database file of their own (``production()``),
whatever TEST_DATABASE_URL names."""
import atexit
import json
import os
import pwd
import re
import select
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests
from flask.cli import cli
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from backend import create_app, pool_ping
from backend.extensions import db

from .test_suggestions import file, world  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent
STRONG_SECRET = "5f0c2a9e7d41b8c36e2f9a0d4b7c1e83a6d5f2b9c0e47a18d3f6b2c9e05a7d14"
# Every setting the app reads, so that nothing of the machine running the tests leaks into a run.
APP_SETTINGS = (
    "APP_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PUBLIC_BASE_URL", "UPLOAD_DIR", "UPLOAD_STORAGE",
    "WECHAT_MODE", "WECHAT_APPID", "WECHAT_SECRET", "WECHAT_API_BASE", "WECHAT_PUSH_TOKEN", "WECHAT_PUSH_AES_KEY",
    "WECHAT_TEMPLATES", "WECHAT_TIMEOUT", "LOGIN_RATE_LIMIT", "LOGIN_ACCOUNT_RATE_LIMIT", "LOGIN_ACCOUNT_TOTAL_RATE_LIMIT", "WEB_IDENTITY_RATE_LIMIT", "WEB_POLL_IDENTITY_RATE_LIMIT",
    "WEB_FILING_RATE_LIMIT", "WEB_FILING_ADDRESS_RATE_LIMIT", "WEB_OPINION_RATE_LIMIT", "WEB_OPINION_ADDRESS_RATE_LIMIT",
    "NEARBY_RATE_LIMIT", "FOLLOW_RATE_LIMIT", "WECHAT_FILING_RATE_LIMIT", "UPLOAD_RATE_LIMIT", "UPLOAD_ADDRESS_RATE_LIMIT",
    "UPLOAD_MAX_PIXELS", "UPLOAD_MAX_FULL_DECODE_PIXELS", "UPLOAD_DECODE_CONCURRENCY", "UPLOAD_DECODE_WAIT",
    "UPLOAD_MAX_UNATTACHED", "UPLOAD_UNATTACHED_HOURS",
    "SUGGESTION_DEADLINES", "SUGGESTION_CATEGORIES", "MAX_ROUNDS", "AUTO_CLOSE_DAYS", "TRUSTED_PROXIES", "TRUSTED_PROXY_ADDRESSES",
    "REDIS_TIMEOUT", "REPLY_DAYS_KIND", "ACCEPT_WITHIN_WORKING_DAYS", "DISPATCH_WITHIN_WORKING_DAYS",
    "TOKEN_TTL_SECONDS", "SESSION_LIFETIME_SECONDS", "REPLY_WITHIN_DAYS", "ACCEPT_WITHIN_HOURS", "PG_JIT",
    "SWEEP_LOCK_TIMEOUT", "SWEEP_STATEMENT_TIMEOUT",
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production(tmp_path, wechat_base="http://127.0.0.1:9", **overrides):
    """A complete production environment on a database file of its own (values of None unset a variable)."""
    env = {name: None for name in APP_SETTINGS} | {
        "APP_ENV": "production",
        "SECRET_KEY": STRONG_SECRET,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'msb.sqlite'}",
        "PUBLIC_BASE_URL": "https://msb.example.gov.cn",
        "WECHAT_MODE": "fake",
        "WECHAT_PUSH_TOKEN": "trial-push-token",
        "WECHAT_API_BASE": wechat_base,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    return env | overrides


def flask_command(env, *args):
    """``flask --app backend ARGS`` as the operator types it: its exit code and what it printed. A process of
    its own, forked from tests/flask_zygote.py where the system has fork (the interpreter started and the
    app's modules imported once per test process, not once per command)."""
    full = {k: v for k, v in os.environ.items() if k not in APP_SETTINGS}
    full |= {k: v for k, v in env.items() if v is not None}
    args = ["--app", "backend", *args]
    if not hasattr(os, "fork"):
        return subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=full,
                              capture_output=True, text=True, timeout=120)
    zygote = _zygote()
    with tempfile.TemporaryDirectory() as output:
        request = {"args": args, "env": full, "cwd": str(ROOT),
                   "stdout": f"{output}/stdout", "stderr": f"{output}/stderr"}
        zygote.stdin.write(json.dumps(request) + "\n")
        zygote.stdin.flush()
        if not select.select([zygote.stdout], [], [], 120)[0]:
            os.killpg(zygote.pid, signal.SIGKILL)
            raise subprocess.TimeoutExpired(["flask", *args], 120)
        answer = zygote.stdout.readline()
        if not answer:  # it could not import the app: its traceback went to this process's stderr
            raise RuntimeError(f"tests/flask_zygote.py ended with status {zygote.wait()}")
        returncode = int(answer)
        stdout, stderr = (Path(output, name).read_text() for name in ("stdout", "stderr"))
    return subprocess.CompletedProcess(["flask", *args], returncode, stdout, stderr)


_zygotes = []


def _zygote():
    if not _zygotes or _zygotes[-1].poll() is not None:
        _zygotes.append(subprocess.Popen(
            [sys.executable, "-m", "tests.flask_zygote"], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, start_new_session=True, env={k: v for k, v in os.environ.items() if k not in APP_SETTINGS}))
        atexit.register(_zygotes[-1].communicate)  # its stdin closed, it ends
    return _zygotes[-1]


# --- settings at start ---------------------------------------------------------------------------

TEMPLATE_KEYS = ("new_item", "accepted", "replied", "reopened", "overdue", "supervised", "activity",
                 "activity_reminder", "activity_cancelled", "activity_changed", "activity_claim", "appointment",
                 "appointment_result", "answer", "research")
LIVE = {
    "WECHAT_MODE": "live", "WECHAT_APPID": "wx0123456789abcdef", "WECHAT_SECRET": "mini-program-secret",
    "WECHAT_PUSH_TOKEN": "push-token", "WECHAT_PUSH_AES_KEY": "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aQ",
    "WECHAT_API_BASE": None,
    "WECHAT_TEMPLATES": json.dumps({key: f"id-of-{key}" for key in TEMPLATE_KEYS}),
}
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # a font without Chinese
BAD_SETTINGS = [
    ({"SECRET_KEY": None}, "SECRET_KEY"),
    ({"SECRET_KEY": ""}, "SECRET_KEY"),
    ({"SECRET_KEY": "changeme"}, "SECRET_KEY 太短"),
    ({"SECRET_KEY": "a" * 36}, "SECRET_KEY 太简单（只用了 1 种字符）"),
    ({"SECRET_KEY": "abcabcabcabcabcabcabcabcabcabcabcabc"}, "SECRET_KEY 太简单（只用了 3 种字符）"),
    ({"WECHAT_MODE": None}, "WECHAT_MODE"),
    ({"WECHAT_MODE": "test"}, "WECHAT_MODE"),
    ({"MAX_ROUNDS": "two"}, "MAX_ROUNDS 应为整数"),
    ({"AUTO_CLOSE_DAYS": "-1"}, "AUTO_CLOSE_DAYS 不能为负数"),
    ({"WECHAT_TIMEOUT": "fast"}, "WECHAT_TIMEOUT 应为秒数"),
    ({"SUGGESTION_DEADLINES": "{道路交通: 12}"}, "SUGGESTION_DEADLINES 不是合法的 JSON"),
    ({"SUGGESTION_DEADLINES": '{"道路交通": 12}'}, "SUGGESTION_DEADLINES"),
    ({"SUGGESTION_DEADLINES": '{"道路": {"accept_hours": 12}}'}, "道路"),
    ({"REPLY_DAYS_KIND": "weekdays"}, "REPLY_DAYS_KIND 应为 working（工作日）或 calendar（自然日）"),
    ({"SUGGESTION_DEADLINES": '{"道路交通": {"reply_days": 5, "days_kind": "natural"}}'}, "“道路交通”的时限应写作"),
    ({"SUGGESTION_DEADLINES": '{"道路交通": {"reply_days": "5"}}'}, "“道路交通”的时限应写作"),
    ({"SUGGESTION_DEADLINES": '{"道路交通": {"accept_hours": 12, "accept_working_days": 1}}'},
     "“道路交通”的时限应写作"),
    ({"ACCEPT_WITHIN_WORKING_DAYS": "-1"}, "ACCEPT_WITHIN_WORKING_DAYS 不能为负数"),
    # 0 would sign everyone out at once, or make every item overdue the moment it is filed or accepted.
    ({"TOKEN_TTL_SECONDS": "0"}, "TOKEN_TTL_SECONDS 至少为 60（接口令牌的有效秒数），当前为 0。"),
    ({"SESSION_LIFETIME_SECONDS": "0"}, "SESSION_LIFETIME_SECONDS 至少为 60（管理后台登录的有效秒数），当前为 0。"),
    ({"REPLY_WITHIN_DAYS": "0"}, "REPLY_WITHIN_DAYS 至少为 1（答复时限的天数），当前为 0。"),
    ({"ACCEPT_WITHIN_HOURS": "0"}, "ACCEPT_WITHIN_HOURS 至少为 1（接单时限的小时数），当前为 0。"),
    # 0 divides by zero at every 动态签到码, refuses every valid photo as damaged, or lets no photo or body in.
    ({"CHECKIN_CODE_SECONDS": "0"}, "CHECKIN_CODE_SECONDS 至少为 5（动态签到码的有效秒数），当前为 0。"),
    ({"UPLOAD_MAX_SIDE": "0"}, "UPLOAD_MAX_SIDE 至少为 320（照片缩小后的最长边像素），当前为 0。"),
    ({"UPLOAD_MAX_BYTES": "0"}, "UPLOAD_MAX_BYTES 至少为 1"),
    ({"UPLOAD_DECODE_CONCURRENCY": "0"}, "UPLOAD_DECODE_CONCURRENCY 至少为 1"),
    ({"MAX_CONTENT_LENGTH": "1000"}, "MAX_CONTENT_LENGTH 至少为 10485760"),
    # A CJK_FONT_PATH that is set must be a font with Chinese in it: else every QR image fails, or prints boxes.
    ({"CJK_FONT_PATH": "/nonexistent/font.ttc"}, "CJK_FONT_PATH /nonexistent/font.ttc 不是中文字体文件（文件不存在）"),
    ({"CJK_FONT_PATH": os.path.dirname(os.path.abspath(__file__))}, "不是中文字体文件（这是一个目录"),
    ({"CJK_FONT_PATH": os.path.abspath(__file__)}, "不是中文字体文件（无法作为字体读取）"),
    ({"SUGGESTION_DEADLINES": '{"道路交通": {"reply_days": 0}}'}, "“道路交通”的时限应写作"),
    ({"SUGGESTION_DEADLINES": '{"道路交通": {"accept_hours": 0}}'}, "“道路交通”的时限应写作"),
    ({"PG_JIT": "ON"}, "PG_JIT 应为 off（应用的连接关闭 JIT）或 server（沿用数据库服务器的设置），当前为 'ON'。"),
    ({"WECHAT_TEMPLATES": '{"new-item": "abc"}'}, "new-item"),
    ({"DATABASE_URL": "postgres//msb:secret@db/mashangban"}, "DATABASE_URL"),
    ({"DATABASE_URL": "mysql://msb:secret@db/mashangban"}, "DATABASE_URL"),
    ({"REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL"),
    ({"REDIS_TIMEOUT": "soon"}, "REDIS_TIMEOUT 应为秒数"),
    ({"REDIS_TIMEOUT": "0"}, "REDIS_TIMEOUT 应为秒数"),
    ({"SWEEP_LOCK_TIMEOUT": "0"}, "SWEEP_LOCK_TIMEOUT 应为秒数（大于 0，如 30）"),
    ({"SWEEP_STATEMENT_TIMEOUT": "5min"}, "SWEEP_STATEMENT_TIMEOUT 应为秒数（大于 0，如 300）"),
    ({"LOGIN_RATE_LIMIT": "ten per minute"}, "LOGIN_RATE_LIMIT"),
    ({"FOLLOW_RATE_LIMIT": "lots"}, "FOLLOW_RATE_LIMIT"),
    ({"UPLOAD_RATE_LIMIT": "lots"}, "UPLOAD_RATE_LIMIT"),
    ({"UPLOAD_DECODE_WAIT": "0"}, "UPLOAD_DECODE_WAIT 应为秒数"),
    ({"PUBLIC_BASE_URL": "msb.example.gov.cn"}, "PUBLIC_BASE_URL"),
    ({"WECHAT_API_BASE": "api.weixin.qq.com"}, "WECHAT_API_BASE"),
    ({"UPLOAD_STORAGE": "s3"}, "UPLOAD_STORAGE"),
    # Believing X-Forwarded-For from any address lets a client reaching the port directly pick its own address.
    ({"TRUSTED_PROXIES": "1"}, "APP_ENV=production 且 TRUSTED_PROXIES=1 时须设置 TRUSTED_PROXY_ADDRESSES"),
    ({"SUGGESTION_CATEGORIES": "道路交通,道路交通,其他"}, "SUGGESTION_CATEGORIES 中的类别“道路交通”重复了。"),
    ({"SUGGESTION_CATEGORIES": "道路交通,,其他"}, "SUGGESTION_CATEGORIES 中有空的类别"),
    ({"SUGGESTION_CATEGORIES": "道路交通、 、其他"}, "SUGGESTION_CATEGORIES 中有空的类别"),
    *([({"CJK_FONT_PATH": DEJAVU}, "不是中文字体文件（字体中没有汉字")] if os.path.isfile(DEJAVU) else []),
    ({"TRUSTED_PROXY_ADDRESSES": "127.0.0.1,nginx"}, "TRUSTED_PROXY_ADDRESSES 应为逗号分隔的 IP 地址或网段（如 127.0.0.1,172.17.0.0/16），其中 'nginx' 不是。"),
    (LIVE | {"PUBLIC_BASE_URL": None}, "PUBLIC_BASE_URL"),
    # A trial (WECHAT_MODE=fake) prints real posters too: codes holding 127.0.0.1 are reprinted by the thousand.
    ({"PUBLIC_BASE_URL": None}, "APP_ENV=production 时 PUBLIC_BASE_URL 须为本服务的公网 https:// 地址"),
    ({"PUBLIC_BASE_URL": "http://msb.example.gov.cn"}, "当前为 'http://msb.example.gov.cn'"),
    # The stand-in's public default token would let anyone forge screening verdicts.
    ({"WECHAT_PUSH_TOKEN": None}, "APP_ENV=production 时须设置 WECHAT_PUSH_TOKEN"),
    (LIVE | {"PUBLIC_BASE_URL": "http://msb.example.gov.cn"}, "https"),
    # 明文模式's signature covers no body: in production the push must be encrypted (安全模式).
    (LIVE | {"WECHAT_PUSH_AES_KEY": None}, "微信消息推送须使用安全模式"),
]


@pytest.mark.database_independent
@pytest.mark.parametrize("overrides, message", BAD_SETTINGS, ids=[m for _, m in BAD_SETTINGS])
def test_a_setting_the_app_cannot_run_with_stops_it_at_start_naming_it(tmp_path, overrides, message):
    result = CliRunnerOf(production(tmp_path, **overrides)).invoke("sweep")
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # a message, not a traceback
    assert result.output.startswith("Error: 配置错误："), result.output
    assert message in result.output
    assert "secret@" not in result.output  # a database URL's password is never printed
    assert not (tmp_path / "msb.sqlite").exists()  # stopped before anything was touched


@pytest.mark.database_independent
def test_zero_where_it_means_no_limit_or_no_cache_is_accepted(tmp_path):
    settings = {"ACCEPT_WITHIN_WORKING_DAYS": "0", "DISPATCH_WITHIN_WORKING_DAYS": "0", "PUBLIC_STATS_CACHE_SECONDS": "0",
                "DASHBOARD_CACHE_SECONDS": "0", "SUGGESTION_DEADLINES": '{"道路交通": {"accept_working_days": 0}}',
                "PG_JIT": "server"}
    result = CliRunnerOf(production(tmp_path, **settings)).invoke("routes")
    assert result.exit_code == 0, result.output


@pytest.mark.database_independent
@pytest.mark.parametrize("typed", ["道路交通，环境卫生，其他", "道路交通、环境卫生、其他", "道路交通；环境卫生; 其他",
                                   "道路交通\n环境卫生\n其他", " 道路交通 , 环境卫生,其他"])
def test_categories_typed_with_chinese_separators_are_several(tmp_path, monkeypatch, typed):
    from backend.config import Config

    for name, value in production(tmp_path, SUGGESTION_CATEGORIES=typed).items():
        monkeypatch.delenv(name, raising=False) if value is None else monkeypatch.setenv(name, value)
    config = Config(str(tmp_path))
    config.check()
    assert config.SUGGESTION_CATEGORIES == ["道路交通", "环境卫生", "其他"]


@pytest.mark.database_independent
def test_an_upload_directory_that_cannot_be_written_stops_the_app_at_start(tmp_path):
    (tmp_path / "a-file").write_text("not a directory")
    result = CliRunnerOf(production(tmp_path, UPLOAD_DIR=str(tmp_path / "a-file" / "uploads"))).invoke("sweep")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "UPLOAD_DIR" in result.output and str(tmp_path / "a-file" / "uploads") in result.output


@pytest.mark.database_independent
def test_the_upload_directory_is_created_at_start(tmp_path):
    result = CliRunnerOf(production(tmp_path, UPLOAD_DIR=str(tmp_path / "data" / "uploads"))).invoke("routes")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "uploads").is_dir()


class CliRunnerOf:
    """flask's own command line, run in this process with ``env`` as the environment."""

    def __init__(self, env):
        self.env = env

    def invoke(self, *args):
        from click.testing import CliRunner

        return CliRunner().invoke(cli, ["--app", "backend", *args], env=self.env)


@pytest.mark.database_independent
def test_the_operator_sees_one_line_and_exit_code_1_for_a_bad_setting(tmp_path):
    result = flask_command(production(tmp_path, MAX_ROUNDS="two"), "sweep")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == "Error: 配置错误：MAX_ROUNDS 应为整数，当前为 'two'。"


@pytest.mark.database_independent
@pytest.mark.parametrize("args", [("db", "upgrade"), ("--help",)], ids=["db upgrade", "--help"])
def test_a_database_directory_the_app_cannot_write_is_one_line_not_a_traceback(tmp_path, args):
    """The SQLite file's directory (instance/ by default) root-owned, or something else in its place: the
    operator reads which directory and why, as for any other setting, and nothing starts."""
    blocked = tmp_path / "instance"
    blocked.write_text("a file where the directory should be")
    result = flask_command(production(tmp_path, DATABASE_URL=f"sqlite:///{blocked / 'msb.sqlite'}"), *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith(f"Error: 配置错误：数据库目录 {blocked} 无法写入"), result.stderr
    assert "DATABASE_URL" in result.stderr


# Flask lists the app's commands for --help by creating the app, and printed a traceback of any error
# there before its help; the app's own commands, Flask's and Flask-Migrate's create it when they run.
COMMANDS = [("--help",), ("routes",), ("db", "upgrade"), ("sweep",), ("create-admin", "root", "--help")]


@pytest.mark.database_independent
@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(args) for args in COMMANDS])
@pytest.mark.parametrize("overrides, line", [
    ({"SECRET_KEY": "changeme"}, "Error: 配置错误：SECRET_KEY 太短（8 个字符），生产环境至少 32 个字符；"
                                 "可用 python3 -c 'import secrets; print(secrets.token_hex(32))' 生成。"),
    ({"LOGIN_RATE_LIMIT": "ten per minute"}, "Error: 配置错误：LOGIN_RATE_LIMIT 应写作“10 per minute”"
                                             "或“10 per minute;60 per hour”，当前为 'ten per minute'。"),
], ids=["weak secret", "malformed rate limit"])
def test_every_flask_command_with_a_bad_setting_prints_only_the_line_and_fails(tmp_path, args, overrides, line):
    result = flask_command(production(tmp_path, **overrides), *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.strip() == line
    assert result.stdout == ""  # not the help, as if nothing were wrong


def gunicorn_env(tmp_path, **overrides):
    env = {k: v for k, v in os.environ.items() if k not in APP_SETTINGS + GUNICORN_SETTINGS}
    env |= {k: v for k, v in production(tmp_path, **overrides).items() if v is not None}
    return env | {"PORT": str(free_port()), "WEB_CONCURRENCY": "1"}


def gunicorn(env):
    return subprocess.run([sys.executable, "deploy/serve.py", "--config", "deploy/gunicorn.conf.py",
                           "backend:create_app()"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


GUNICORN_SETTINGS = ("PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT", "GUNICORN_CMD_ARGS", "BIND_HOST")


@pytest.mark.database_independent
def test_gunicorn_with_a_bad_setting_stops_and_says_why(tmp_path):
    result = gunicorn(gunicorn_env(tmp_path, SECRET_KEY="short"))
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "配置错误：SECRET_KEY 太短" in output
    # The master checks before it starts a worker: the line, no worker's traceback.
    assert "Traceback" not in output and "Exception in worker process" not in output, output
    assert "Booting worker" not in output


@pytest.mark.database_independent
@pytest.mark.parametrize("name, value, line", [
    ("GUNICORN_THREADS", "four", "Error: 配置错误：GUNICORN_THREADS 应为不小于 1 的整数（每个工作进程的线程数），当前为 'four'。"),
    ("WEB_CONCURRENCY", "0", "Error: 配置错误：WEB_CONCURRENCY 应为不小于 1 的整数（工作进程数），当前为 '0'。"),
    ("PORT", "80a", "Error: 配置错误：PORT 应为不小于 1 的整数（监听端口），当前为 '80a'。"),
    ("GUNICORN_TIMEOUT", "1m", "Error: 配置错误：GUNICORN_TIMEOUT 应为不小于 1 的整数（秒），当前为 '1m'。"),
    # gunicorn itself reads WEB_CONCURRENCY as it is imported, before its config file: deploy/serve.py checks first.
    ("WEB_CONCURRENCY", "abc", "Error: 配置错误：WEB_CONCURRENCY 应为不小于 1 的整数（工作进程数），当前为 'abc'。"),
    # Blank is unset, 2 workers: in production those need Redis - the line for that, not a traceback.
    ("WEB_CONCURRENCY", "", "Error: 配置错误：APP_ENV=production 且 WEB_CONCURRENCY=2（多个工作进程）时须设置 REDIS_URL"),
])
def test_a_gunicorn_setting_it_cannot_run_with_is_one_line(tmp_path, name, value, line):
    result = gunicorn(gunicorn_env(tmp_path) | {name: value})
    assert result.returncode == 1
    assert result.stderr.strip().startswith(line) and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stdout == ""


@pytest.mark.database_independent
def test_gunicorn_settings_set_to_nothing_count_as_unset(monkeypatch):
    import runpy

    for name in GUNICORN_SETTINGS[:4]:
        monkeypatch.setenv(name, "")
    settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert (settings["bind"], settings["workers"], settings["threads"], settings["timeout"]) == ("0.0.0.0:8000", 2, 4, 60)
    monkeypatch.setenv("WEB_CONCURRENCY", " 3 ")
    assert runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))["workers"] == 3


@pytest.mark.database_independent
def test_the_systemd_unit_listens_on_the_loopback_for_nginx_on_the_same_host(monkeypatch):
    """README's nginx is on the same host: the unit binds 127.0.0.1, so that no client reaches the app's port
    past nginx; BIND_HOST in the env file (read after the unit's Environment=) opens it to an upstream."""
    import runpy

    unit = (ROOT / "deploy" / "mashangban.service").read_text()
    assert "\nEnvironment=BIND_HOST=127.0.0.1\n" in unit
    assert unit.index("Environment=BIND_HOST") < unit.index("ExecStart=")
    monkeypatch.setenv("BIND_HOST", "127.0.0.1")
    assert runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))["bind"] == "127.0.0.1:8000"


@pytest.mark.database_independent
def test_gunicorn_in_production_with_several_workers_and_no_redis_stops_and_says_why(tmp_path):
    """Without Redis each worker counts the rate limits (and an account's lockout) in its own memory: with
    two workers every limit is doubled, and a locked account signs in on the other one."""
    env = {k: v for k, v in os.environ.items() if k not in APP_SETTINGS}
    env |= {k: v for k, v in production(tmp_path).items() if v is not None}
    env |= {"PORT": str(free_port()), "WEB_CONCURRENCY": "2"}
    process = subprocess.Popen([sys.executable, "deploy/serve.py", "--config", "deploy/gunicorn.conf.py",
                                "backend:create_app()"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:  # it started: stop it and its workers
        os.killpg(process.pid, signal.SIGKILL)
        _, stderr = process.communicate()
    assert process.returncode == 1, stderr
    assert stderr.strip() == (
        "Error: 配置错误：APP_ENV=production 且 WEB_CONCURRENCY=2（多个工作进程）时须设置 REDIS_URL：没有 Redis，"
        "登录和提交的频率限制、账号锁定由每个进程各自计数，限额随进程数成倍放宽。"
        "请设置 REDIS_URL（如 redis://redis:6379/0），或设置 WEB_CONCURRENCY=1。")


# --- a deployment: migrated, an administrator, gunicorn with deploy/gunicorn.conf.py -------------------

ADMIN = {"username": "root", "password": "Jiangzhou-2027"}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, wechat_standin):
    """A production environment on a database file of its own, migrated, with its super administrator.

    Prepared by the same commands in this process (flask's command line with ``env`` as the environment):
    two more interpreters, each importing the app, cost more than the tests using them. The commands as a
    separate process are run by the tests above and by the sweep's below."""
    env = production(tmp_path_factory.mktemp("deployment"), wechat_base=wechat_standin.base_url)
    for args in (("db", "upgrade"), ("create-admin", ADMIN["username"], "--password", ADMIN["password"])):
        result = CliRunnerOf(env).invoke(*args)
        assert result.exit_code == 0, result.output
    return env


class Served:
    """gunicorn serving the app as deploy/gunicorn.conf.py has it, one worker so that limits are exact."""

    def __init__(self, env):
        self.port = free_port()
        full = {k: v for k, v in os.environ.items() if k not in APP_SETTINGS}
        full |= {k: v for k, v in env.items() if v is not None} | {"PORT": str(self.port), "WEB_CONCURRENCY": "1"}
        self.log = open(Path(env["UPLOAD_DIR"]).parent / f"gunicorn-{self.port}.log", "w+")
        self.process = subprocess.Popen(
            [sys.executable, "deploy/serve.py", "--config", "deploy/gunicorn.conf.py", "backend:create_app()"],
            cwd=ROOT, env=full, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60  # a busy machine boots a worker slowly
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/api/v1/health", timeout=10).status_code == 200:
                    return
            except requests.RequestException:
                assert self.process.poll() is None, self.output()
            time.sleep(0.1)
        output = self.output()
        self.stop()  # not left serving after the test that could not use it
        raise AssertionError(f"gunicorn did not answer: {output}")

    def output(self):
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        self.log.close()


@pytest.fixture
def serve():
    started = []

    def start(env):
        started.append(Served(env))
        return started[-1]

    yield start
    for served in started:
        served.stop()


class PrivateRedis:
    """A Redis server of the test's own, so that it can be stopped under the app."""

    def __init__(self):
        self.port = free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{self.port}/0"
        import redis

        self.client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                self.client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis():
    if shutil.which("redis-server") is None:
        pytest.skip("!!! redis-server NOT INSTALLED: Redis going down under the app NOT TESTED !!!")
    server = PrivateRedis()
    yield server
    server.stop()


class SilentRedis:
    """A Redis that takes connections and never answers, as one behind a firewall that drops its replies."""

    def __init__(self):
        released = self.released = threading.Event()
        self.connections = 0

        class Hold(socketserver.BaseRequestHandler):
            def handle(handler):
                self.connections += 1
                released.wait()

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Hold)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        self.url = f"redis://127.0.0.1:{self.server.server_address[1]}/0"

    def stop(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def silent_redis():
    server = SilentRedis()
    yield server
    server.stop()


def sign_in(url):
    return requests.post(url + "/api/v1/auth/login", json=ADMIN, timeout=10)


@pytest.mark.database_independent
def test_a_reload_onto_settings_the_app_cannot_run_with_stops_gunicorn_with_the_line(tmp_path_factory, serve):
    """systemctl reload (HUP) keeps the environment gunicorn started with; when the app cannot run with
    it any more, the master stops with the 配置错误 line (systemd restarts it, re-reading the env file)
    instead of each new worker's traceback."""
    env = production(tmp_path_factory.mktemp("reload"))
    assert CliRunnerOf(env).invoke("db", "upgrade").exit_code == 0  # else health answers 503 not_migrated
    served = serve(env)
    uploads = Path(env["UPLOAD_DIR"])
    shutil.rmtree(uploads)
    uploads.write_text("not a directory any more")  # what a reload's check now finds wrong

    served.process.send_signal(signal.SIGHUP)
    assert served.process.wait(timeout=120) == 1
    output = served.output()
    assert f"配置错误：UPLOAD_DIR {uploads} 无法写入" in output, output
    assert "Traceback" not in output


def test_the_access_log_keeps_no_query_string_nor_referrer(deployment, serve):
    """A photo's signed link (``?sig=…``, which opens it to anyone for a day) and what an administrator
    typed into a search (a phone number), in the query string or in the referrer, stay out of gunicorn's
    access log; the method, path and status are there."""
    served = serve(deployment)
    requests.get(served.url + "/api/v1/uploads/ab/cd.jpg?sig=SignedForWeChat.Secret", timeout=10,
                 headers={"Referer": served.url + "/console/suggestions?q=13812345678"})
    deadline = time.monotonic() + 60  # the line is written after the answer
    while "/api/v1/uploads/ab/cd.jpg" not in served.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    output = served.output()
    assert '"GET /api/v1/uploads/ab/cd.jpg HTTP/1.1" 404' in output, output
    assert "SignedForWeChat" not in output and "13812345678" not in output, output


def test_in_production_the_console_cookie_travels_only_over_https_and_never_to_scripts(deployment, serve):
    """APP_ENV=production behind nginx's HTTPS: the console's session cookie is Secure, HttpOnly and
    SameSite=Lax from the sign-in page on, so no plain-HTTP request, page script or other site's form
    carries it; the page itself says no-store and carries the security headers, HSTS among them."""
    served = serve(deployment | {"TRUSTED_PROXIES": "1", "TRUSTED_PROXY_ADDRESSES": "127.0.0.1"})
    page = requests.get(served.url + "/console/login", headers={"X-Forwarded-Proto": "https"}, timeout=10)
    assert page.status_code == 200 and "登录" in page.text
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert {"Secure", "HttpOnly", "SameSite=Lax"} <= {part.strip() for part in cookie.split(";")}, cookie
    assert page.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"  # nginx said the browser used HTTPS


@pytest.mark.database_independent
@pytest.mark.parametrize("redis_down", ["refused", "silent"])
def test_sign_in_limits_hold_when_redis_is_down_at_start(deployment, serve, silent_redis, redis_down):
    """Refused, or taking connections and never answering: each Redis command gives up after REDIS_TIMEOUT
    (with redis-py's own timeouts and retries a sign-in waited on a silent Redis for minutes, past the
    client's patience) and the limits are counted in the app's memory."""
    redis_url = silent_redis.url if redis_down == "silent" else f"redis://127.0.0.1:{free_port()}/0"
    served = serve(deployment | {"REDIS_URL": redis_url, "LOGIN_RATE_LIMIT": "3 per minute"})
    answers = [sign_in(served.url) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1].json()["error"] == "rate_limited"
    stats = requests.get(served.url + "/public/stats", timeout=10)
    assert stats.status_code == 200 and "统计" in stats.text
    health = requests.get(served.url + "/api/v1/health", timeout=10)
    # Still serving (a load balancer keeps it), and the operator's monitoring sees Redis is down.
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert health.json()["redis"] == "unavailable"
    if redis_down == "silent":
        assert silent_redis.connections > 0  # the app did ask this Redis


@pytest.mark.database_independent
def test_sign_in_limits_hold_when_redis_goes_down_under_the_app(deployment, serve, private_redis):
    served = serve(deployment | {"REDIS_URL": private_redis.url, "LOGIN_RATE_LIMIT": "3 per minute"})
    assert sign_in(served.url).status_code == 200
    assert private_redis.client.dbsize() > 0  # the count was kept in Redis
    assert requests.get(served.url + "/api/v1/health", timeout=10).json()["redis"] == "ok"
    private_redis.stop()
    assert requests.get(served.url + "/api/v1/health", timeout=10).json()["redis"] == "unavailable"

    answers = [sign_in(served.url) for _ in range(4)]
    # Counted afresh in the app's memory: limited still, never a server error.
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert requests.get(served.url + "/public/stats", timeout=10).status_code == 200


@pytest.mark.parametrize("redis_down", ["refused", "silent"])
def test_the_sweep_screens_and_sends_while_redis_is_down(client, world, database_url, wechat_standin, tmp_path,  # noqa: F811
                                                         silent_redis, redis_down):
    """The WeChat access token lives in Redis when REDIS_URL is set; Redis being down must not stop the sweep."""
    assert file(client, world["citizen"], world["deputy_code"]).status_code == 201
    redis_url = silent_redis.url if redis_down == "silent" else f"redis://127.0.0.1:{free_port()}/0"
    env = production(tmp_path, wechat_base=wechat_standin.base_url, DATABASE_URL=database_url, REDIS_URL=redis_url)
    result = flask_command(env, "sweep")
    assert result.returncode == 0, result.stderr
    assert "内容检测 1 条" in result.stdout
    # Its text cleared, the deputy is told of the new item.
    assert [m["touser"] for m in wechat_standin.messages() if m["template_id"] == "tmpl-new-item"] == [
        "fake-openid-deputy%d" % world["zhang"].id]


# --- PostgreSQL going away under the app --------------------------------------------------------------

@pytest.fixture
def postgres(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("!!! PostgreSQL NOT TESTED here (set TEST_DATABASE_URL): connections dropped by the server !!!")

    def drop_connections():
        """What a PostgreSQL restart does to the app's connections: the server ends every one of them."""
        engine = create_engine(database_url, poolclass=NullPool)
        with engine.connect() as conn:
            dropped = conn.scalar(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ))
        engine.dispose()
        return dropped

    return drop_connections


def test_a_sweep_held_up_by_a_lock_skips_that_step_says_so_and_the_next_run_does_it(app, client, world, database_url):  # noqa: F811
    """A transaction holding a lock the sweep needs (a hand-run LOCK TABLE, a long migration) made the
    sweep wait for ever, and under cron the runs piled up. It now waits SWEEP_LOCK_TIMEOUT at most per
    step, goes on with the other steps and ends with exit code 1 naming the steps it skipped."""
    if not database_url.startswith("postgresql"):
        pytest.skip("!!! PostgreSQL NOT TESTED here (set TEST_DATABASE_URL): the sweep's lock timeout !!!")
    assert file(client, world["citizen"], world["deputy_code"]).status_code == 201  # its deputy is to be told
    holder = create_engine(database_url, poolclass=NullPool)
    app.config["SWEEP_LOCK_TIMEOUT"] = 1
    try:
        with holder.connect() as conn:
            conn.execute(text("LOCK TABLE outbox_messages IN ACCESS EXCLUSIVE MODE"))
            held_up = app.test_cli_runner().invoke(args=["sweep"])
            conn.rollback()
        assert held_up.exit_code == 1, held_up.output
        assert "删除超过保存期限的操作日志 0 条" in held_up.output  # the run's line, as every minute
        skipped = held_up.output.split("Error: 本轮跳过了：")[1]
        # Screening queues the deputy's notice; the outbox is locked: those wait, the steps after them run.
        assert "内容检测" in skipped and "消息发送" in skipped and "清理幂等键" not in skipped
        assert "（等待数据库锁超过 1 秒，下一轮再试；如一直如此，请查找长时间持有锁的事务）" in skipped

        after = app.test_cli_runner().invoke(args=["sweep"])
        assert after.exit_code == 0, after.output
        assert "内容检测 1 条" in after.output
        assert re.search(r"消息发送成功 [1-9]", after.output), after.output
    finally:
        app.config["SWEEP_LOCK_TIMEOUT"] = 30
        holder.dispose()


def test_after_a_database_restart_in_a_quiet_moment_the_next_requests_just_work(client, factory, postgres):
    """Connections the restart dropped while they sat idle in the pool are found dead on checkout and
    replaced, so nobody is answered 503 (it was the first request on each app server)."""
    headers = factory.headers_for_admin(factory.admin(region=factory.tree()["root"]))
    assert client.get("/api/v1/regions", headers=headers).status_code == 200
    busy = [db.engine.connect() for _ in range(3)]  # a pool of several, as after a busy hour
    for conn in busy:
        conn.close()
    assert postgres() >= 3
    time.sleep(pool_ping.IDLE_BEFORE_PING + 0.1)  # the restart's own few seconds, in which nobody asked

    after = [client.get("/api/v1/regions", headers=headers) for _ in range(3)]
    assert [a.status_code for a in after] == [200, 200, 200]
    assert after[0].json["total"] == 5


def test_a_restart_in_the_middle_of_traffic_asks_one_request_to_retry_and_the_rest_work(
        client, factory, postgres, monkeypatch):
    """A connection handed back a moment ago is not pinged: the first request to meet one the restart
    dropped answers the JSON 503 (it was gunicorn's HTML error page), and every pooled connection is
    then replaced, not each failing in turn."""
    monkeypatch.setattr(pool_ping, "IDLE_BEFORE_PING", 3600.0)  # however slow this machine is today
    headers = factory.headers_for_admin(factory.admin(region=factory.tree()["root"]))
    assert client.get("/api/v1/regions", headers=headers).status_code == 200
    busy = [db.engine.connect() for _ in range(3)]
    for conn in busy:
        conn.close()
    assert postgres() >= 3

    first = client.get("/api/v1/regions", headers=headers)
    assert first.status_code == 503
    assert first.json == {"error": "service_unavailable", "message": "服务暂时不可用，请稍后重试。"}
    after = [client.get("/api/v1/regions", headers=headers) for _ in range(3)]
    assert [a.status_code for a in after] == [200, 200, 200]


def test_a_connection_lost_during_a_request_answers_the_json_error_and_the_next_one_works(client, factory, postgres):
    headers = factory.headers_for_admin(factory.admin(region=factory.tree()["root"]))
    db.session.connection()  # the request below runs on this connection, which the server then drops
    assert postgres() >= 1

    lost = client.get("/api/v1/regions", headers=headers)
    assert lost.status_code == 503
    assert lost.json == {"error": "service_unavailable", "message": "服务暂时不可用，请稍后重试。"}
    assert lost.headers.getlist("Retry-After") == ["5"]

    assert client.get("/api/v1/regions", headers=headers).status_code == 200


@pytest.mark.database_independent
def test_with_the_database_unreachable_health_says_so_and_requests_are_answered_503(tmp_path):
    unreachable = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'gone' / 'msb.sqlite'}",
                              "UPLOAD_DIR": str(tmp_path / "uploads"), "SECRET_KEY": "t"})
    shutil.rmtree(tmp_path / "gone")  # the database's directory, there when the app started, is gone (a lost mount)
    client = unreachable.test_client()

    health = client.get("/api/v1/health")
    assert health.status_code == 503
    assert health.json["status"] == "degraded" and health.json["database"] == "unavailable"
    assert health.json["redis"] == "unset"
    assert health.headers.getlist("Retry-After") == ["5"]
    board = client.get("/api/v1/leaderboard")
    assert board.status_code == 503
    assert board.json == {"error": "service_unavailable", "message": "服务暂时不可用，请稍后重试。"}
    assert board.headers.getlist("Retry-After") == ["5"]  # a few seconds: a restart, a failover
    # A citizen who scans a printed code, and an administrator in the console, get a page.
    for page in ("/q/abcdefgh12345678", "/public/stations", "/console/"):
        answer = client.get(page)
        assert answer.status_code == 503 and answer.mimetype == "text/html", page
        assert "服务暂时不可用，请稍后重试。" in answer.get_data(as_text=True)


# --- the commands on a database that is not ready ------------------------------------------------------

def app_on(tmp_path, database_file="msb.sqlite"):
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / database_file}",
                       "UPLOAD_DIR": str(tmp_path / "uploads"), "SECRET_KEY": "t"})


OPERATOR_COMMANDS = [
    ["sweep"],
    ["create-admin", "root", "--password", "Jiangzhou-2027"],
    ["set-password", "root", "--password", "Jiangzhou-2027"],
    ["demo-data"],
    ["import-deputies", "{register}"],
]


@pytest.mark.database_independent
@pytest.mark.parametrize("args", OPERATOR_COMMANDS, ids=[a[0] for a in OPERATOR_COMMANDS])
def test_a_command_on_a_database_never_migrated_says_to_migrate_first(tmp_path, args):
    register = tmp_path / "代表名册.csv"
    register.write_text("姓名,层级,所属区域,手机号\n张伟,市级,江州市,13800000001\n", encoding="utf-8")
    result = app_on(tmp_path).test_cli_runner().invoke(args=[a.format(register=register) for a in args])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Error: 数据库尚未建表：请先运行 flask --app backend db upgrade。" in result.output


@pytest.mark.database_independent
def test_a_command_on_a_database_one_migration_behind_says_to_upgrade(tmp_path):
    app = app_on(tmp_path)
    with app.app_context():
        upgrade(revision="0016")
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "数据库还没有升级到本版本（数据库 0016" in result.output
    assert "请先运行 flask --app backend db upgrade" in result.output

    with app.app_context():
        upgrade()
    assert app.test_cli_runner().invoke(args=["sweep"]).exit_code == 0


@pytest.mark.database_independent
def test_a_command_with_the_database_unreachable_says_so_in_one_line(tmp_path):
    app = app_on(tmp_path, "gone/msb.sqlite")
    shutil.rmtree(tmp_path / "gone")  # there when the app started (the config check made it), gone since
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "Error: 无法连接数据库（DATABASE_URL）：" in result.output


@pytest.mark.database_independent
def test_demo_data_with_its_published_password_is_refused_in_production(tmp_path):
    cli_ = CliRunnerOf(production(tmp_path))
    assert cli_.invoke("db", "upgrade").exit_code == 0

    refused = cli_.invoke("demo-data")
    assert refused.exit_code == 1 and isinstance(refused.exception, SystemExit), refused.exception
    assert "Error: 生产环境（APP_ENV=production）不导入演示数据" in refused.output
    no_admin = cli_.invoke("set-password", "admin", "--password", "admin12345")
    assert "没有名为 admin 的管理员账号" in no_admin.output


# --- the region tree from the command line -------------------------------------------------------------

def test_an_operator_builds_the_region_tree_from_the_command_line(app, client):
    """The console has no page for regions: a new deployment's tree, its root the congress it serves
    (a city), is built with create-region before and after the first administrator."""
    run = app.test_cli_runner().invoke

    city = run(args=["create-region", "江州市", "--level", "city"])
    assert city.exit_code == 0, city.output
    assert "已创建区域 江州市（市，id=" in city.output
    city_id = int(city.output.split("id=")[1].split("）")[0])
    admin = run(args=["create-admin", "root", "--password", "Jiangzhou-2027"])
    assert "管理区域：江州市" in admin.output
    county = run(args=["create-region", "东湖区", "--level", "county", "--parent", str(city_id)])
    assert county.exit_code == 0 and "已创建区域 江州市东湖区（县（区），id=" in county.output

    again = run(args=["create-region", "东湖区", "--level", "county", "--parent", str(city_id)])
    assert again.exit_code == 1 and "区域“江州市东湖区”已存在（id=" in again.output
    second_root = run(args=["create-region", "西湖区", "--level", "county"])
    assert second_root.exit_code == 1 and "已有根区域 江州市（id=%d），请用 --parent 指定上级区域。" % city_id in second_root.output
    no_parent = run(args=["create-region", "西湖区", "--level", "county", "--parent", "999999"])
    assert no_parent.exit_code == 2 and "区域 999999 不存在" in no_parent.output
    bad_level = run(args=["create-region", "西湖区", "--level", "district", "--parent", str(city_id)])
    assert bad_level.exit_code == 2 and "district" in bad_level.output
    too_long = run(args=["create-region", "长" * 101, "--level", "county", "--parent", str(city_id)])
    assert too_long.exit_code == 2 and "100" in too_long.output

    listed = run(args=["regions"])
    assert listed.exit_code == 0
    assert [line.split()[1:] for line in listed.output.splitlines()[1:]] == [["江州市", "市"], ["江州市东湖区", "县（区）"]]

    token = client.post("/api/v1/auth/login", json=ADMIN).json["token"]
    regions = client.get("/api/v1/regions", headers={"Authorization": f"Bearer {token}"}).json
    assert [r["full_name"] for r in regions["items"]] == ["江州市", "江州市东湖区"]


def test_the_root_made_by_the_first_administrator_is_renamed_from_the_command_line(app, client):
    """create-admin before any create-region makes the root 全部区域（省）: rename-region gives it the
    congress's name and level, and the log says who (the server) changed what."""
    run = app.test_cli_runner().invoke
    admin = run(args=["create-admin", "root", "--password", "Jiangzhou-2027"])
    assert "管理区域：全部区域" in admin.output
    root_id = int(admin.output.split("id=")[1].split("）")[0])

    renamed = run(args=["rename-region", str(root_id), "江州市", "--level", "city"])
    assert renamed.exit_code == 0, renamed.output
    assert renamed.output.strip() == f"已将区域 {root_id} 改为 江州市（市）。"
    county = run(args=["create-region", "东湖区", "--level", "county", "--parent", str(root_id)])
    assert county.exit_code == 0 and "江州市东湖区" in county.output
    listed = run(args=["regions"])
    assert [line.split()[1:] for line in listed.output.splitlines()[1:]] == [["江州市", "市"], ["江州市东湖区", "县（区）"]]

    twin = run(args=["rename-region", str(root_id + 1), "东湖区"])
    assert twin.exit_code == 0, twin.output  # its own name again: nothing to refuse
    missing = run(args=["rename-region", "999999", "西湖区"])
    assert missing.exit_code == 2 and "区域 999999 不存在" in missing.output
    blank = run(args=["rename-region", str(root_id), "  "])
    assert blank.exit_code == 2 and "江州市" in run(args=["regions"]).output

    token = client.post("/api/v1/auth/login", json=ADMIN).json["token"]
    log = client.get("/api/v1/audit-events", headers={"Authorization": f"Bearer {token}"}).json["items"]
    assert any(e["action"] == "region_updated" and e["target_id"] == root_id for e in log), log


HTTPS_NEEDED = "管理后台须通过 HTTPS 访问"


def test_in_production_the_console_over_plain_http_says_https_is_needed_not_refresh(app, factory, monkeypatch):
    """The session cookie is Secure in production: a browser on http://SERVER:8000/console/ never sends it
    back, so every sign-in failed the CSRF check with 页面已过期，请刷新后重试 — which refreshing never cures."""
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    factory.admin("root", ADMIN["password"], factory.tree()["root"])
    browser = app.test_client()
    page = browser.get("/console/login", base_url="http://msb.test:8000").get_data(as_text=True)
    assert HTTPS_NEEDED in page  # said before anything is typed
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    refused = app.test_client().post("/console/login", base_url="http://msb.test:8000",
                                     data=ADMIN | {"csrf_token": token})  # the cookie never came back
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and HTTPS_NEEDED in text and "请刷新后重试" not in text
    assert f"{app.config['PUBLIC_BASE_URL']}/console/" in text

    over_https = app.test_client().get("/console/login", base_url="https://msb.test").get_data(as_text=True)
    assert HTTPS_NEEDED not in over_https
    stale = app.test_client().post("/console/login", base_url="https://msb.test", data=ADMIN | {"csrf_token": "x"})
    assert stale.status_code == 400 and "页面已过期，请重新登录。" in stale.get_data(as_text=True)


def test_a_console_form_refused_behind_a_proxy_that_hides_the_host_is_logged_with_why(app, factory, caplog):
    """nginx without ``proxy_set_header Host $host`` in front of https: every console form answers 页面已过期
    (the CSRF check compares the page's origin with the host the app sees). The log says which check failed."""
    factory.admin("root", ADMIN["password"], factory.tree()["root"])
    browser = app.test_client()
    page = browser.get("/console/login", base_url="https://127.0.0.1:8000").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    refused = browser.post("/console/login", base_url="https://127.0.0.1:8000",
                           headers={"Referer": "https://msb.example.gov.cn/console/login"},
                           data=ADMIN | {"csrf_token": token})
    assert refused.status_code == 400 and "页面已过期" in refused.get_data(as_text=True)
    assert "console form refused (CSRF): The referrer does not match the host." in caplog.text


@pytest.mark.database_independent
def test_a_production_trial_with_the_wechat_stand_in_says_so_loudly(tmp_path, monkeypatch, caplog):
    """WECHAT_MODE=fake in production is allowed as a trial, but the log at start, the health check and every
    console page say so: an operator must not mistake it for the real thing."""
    for name, value in production(tmp_path).items():
        monkeypatch.delenv(name, raising=False) if value is None else monkeypatch.setenv(name, value)
    trial = create_app()
    assert "试运行：WECHAT_MODE=fake，微信为离线模拟" in caplog.text
    with trial.app_context():
        upgrade()
    client = trial.test_client()
    health = client.get("/api/v1/health")
    assert health.status_code == 200 and health.json["wechat"] == "fake"
    page = client.get("/console/login", base_url="https://msb.example.gov.cn").get_data(as_text=True)
    assert "试运行：微信为离线模拟" in page


def test_outside_production_the_stand_in_is_not_flagged(client):
    assert client.get("/api/v1/health").json["wechat"] == "ok"
    assert "试运行" not in client.get("/console/login").get_data(as_text=True)


def test_the_apps_postgresql_connections_run_without_jit(app):
    """PostgreSQL's JIT compiles a statement whose estimated cost passes jit_above_cost: seconds of LLVM
    work on a request that reads a few hundred rows (the audit's liaison figures: 3-4 s of JIT in a 5 s
    request). The app's connections switch it off as they open, whatever the server's default; SQLite has
    no such thing and gets no such option."""
    with app.app_context():
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        if db.engine.dialect.name != "postgresql":
            assert "connect_args" not in options
            return
        assert db.session.scalar(text("SHOW jit")) == "off"
        db.session.rollback()


def test_a_uniqueness_conflict_is_logged_without_the_personal_data_the_database_echoes(app, factory, caplog):
    """PostgreSQL's message repeats the duplicate key (``DETAIL: Key (phone)=(13900000000) already exists``):
    the log names the constraint, never the phone (journald is not for personal data)."""
    from sqlalchemy.exc import IntegrityError

    from backend.extensions import db
    from backend.org.models import Deputy

    region = factory.region()
    factory.deputy(region, phone="13912345678")
    db.session.add(Deputy(name="重复", level="city", region_id=region.id, phone="13912345678"))
    with pytest.raises(IntegrityError) as raised:
        db.session.flush()
    with app.test_request_context("/api/v1/deputies", method="POST"), caplog.at_level("WARNING", "backend.errors"):
        response = app.handle_user_exception(raised.value)
    assert (response.status_code, response.json["error"]) == (409, "conflict")
    logged = [r.getMessage() for r in caplog.records if r.name == "backend.errors"]
    assert logged and "integrity error answered 409" in logged[0]
    assert "phone" in logged[0]  # which rule: the constraint (PostgreSQL) or column (SQLite)
    assert "13912345678" not in caplog.text and "12345678" not in caplog.text


@pytest.mark.database_independent
def test_deploy_msb_reads_the_env_file_literally_as_systemd_does(tmp_path):
    """systemd's EnvironmentFile= takes ``$`` and backquotes literally (a generated token, a password):
    deploy/msb (and the cron line through it) must hand the commands the same values as the service."""
    app_dir = tmp_path / "app"
    (app_dir / ".venv" / "bin").mkdir(parents=True)
    (app_dir / ".venv" / "bin" / "python").symlink_to(sys.executable)
    flask = app_dir / ".venv" / "bin" / "flask"
    flask.write_text("#!/bin/sh\nprintf '%s|%s|%s|%s\\n' \"$WECHAT_PUSH_TOKEN\" \"$DATABASE_URL\" \"$SPACED\" \"$*\"\n")
    flask.chmod(0o755)
    env_file = tmp_path / "msb.env"
    env_file.write_text("# comment\nWECHAT_PUSH_TOKEN=Ab$x9#k`id`\n\n  DATABASE_URL='postgresql://msb:pa$word@db/msb'\n"
                        "SPACED=\"a b\"\n")
    result = subprocess.run(["sh", str(ROOT / "deploy" / "msb"), "regions"], capture_output=True, text=True, timeout=60,
                            env={"PATH": os.environ["PATH"], "MSB_USER": pwd.getpwuid(os.getuid()).pw_name,
                                 "MSB_APP_DIR": str(app_dir), "MSB_ENV_FILE": str(env_file)})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Ab$x9#k`id`|postgresql://msb:pa$word@db/msb|a b|--app backend regions\n"
    env_file.write_text("APP_ENV=production\nnot a setting\n")
    bad = subprocess.run(["sh", str(ROOT / "deploy" / "msb"), "regions"], capture_output=True, text=True, timeout=60,
                         env={"PATH": os.environ["PATH"], "MSB_USER": pwd.getpwuid(os.getuid()).pw_name,
                              "MSB_APP_DIR": str(app_dir), "MSB_ENV_FILE": str(env_file)})
    assert (bad.returncode, bad.stdout) == (1, "")
    assert bad.stderr.strip() == f"Error: 配置错误：{env_file} 第 2 行不是“变量名=值”的形式。"
