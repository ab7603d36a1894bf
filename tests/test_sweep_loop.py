"""``flask --app backend sweep --every 60``: one long-running process doing a round of the sweep every 60
seconds (the app imported once rather than every minute from cron), each round as a single run does it; a
round that fails is logged and the next one runs; SIGTERM (systemctl stop) ends it cleanly."""
import signal
import subprocess
import sys

import pytest

from .test_operations import APP_SETTINGS, ROOT, production


def test_rounds_run_one_after_the_other_and_a_failing_step_ends_neither_its_round_nor_the_loop(app, monkeypatch, caplog):
    from backend.notifications import outbox

    calls = []

    def deliver_due(limit=200):
        calls.append(limit)
        if len(calls) == 1:
            raise RuntimeError("the first round breaks")
        return {"sent": 0, "refused": 0, "skipped": 0, "retry": 0, "failed": 0}

    monkeypatch.setattr(outbox, "deliver_due", deliver_due)
    result = app.test_cli_runner().invoke(args=["sweep", "--every", "1", "--rounds", "3"])
    assert result.exit_code == 0, result.output
    assert len(calls) == 3  # the round after the failure ran, and the one after it
    # Every round's summary, the failing one's too: the steps after the failed one ran.
    assert result.output.count("消息发送成功 0") == 3 and result.output.count("删除上传后未提交的照片") == 3
    assert "the first round breaks" in caplog.text  # the failed step logged with its error
    assert caplog.text.count("本轮出错：消息发送（错误详情已写入日志") == 1  # the round's line names it


def test_every_must_be_a_positive_number_of_seconds(app):
    result = app.test_cli_runner().invoke(args=["sweep", "--every", "0"])
    assert result.exit_code == 2
    assert "--every" in result.output and "x>=1" in result.output


@pytest.mark.database_independent
def test_sigterm_ends_the_loop_cleanly_after_the_round(tmp_path):
    from flask_migrate import upgrade

    from backend import create_app
    from backend.extensions import db

    env = production(tmp_path)
    # Migrated here rather than by `flask db upgrade` (test_operations runs that as the operator does): one
    # interpreter fewer to start and the app imported already.
    with create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "SECRET_KEY": "t"}).app_context():
        upgrade()
        db.engine.dispose()
    full = {k: v for k, v in __import__("os").environ.items() if k not in APP_SETTINGS}
    full |= {k: v for k, v in env.items() if v is not None}
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "backend", "sweep", "--every", "600"], cwd=ROOT,
                               env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()  # the first round's summary: now waiting for the next round
        assert "消息发送成功" in first, first
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "定时任务已停止" in out
    assert "Traceback" not in err
