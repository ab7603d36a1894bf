"""Going live with WeChat while some subscribe-message templates are still in review, or before the
domain's link verification is set up: the app starts, says what is missing in one warning line each, and
the notices of a template not yet registered are recorded as skipped instead of sent or retried."""
import json

import pytest
from sqlalchemy import select

from backend.config import FAKE_TEMPLATES
from backend.extensions import db
from backend.notifications.models import OutboxMessage
from backend.notifications.outbox import deliver_due

from .test_messages import filed_accepted_replied, world  # noqa: F401  (fixture)
from .test_operations import LIVE, TEMPLATE_KEYS, flask_command, production

LINK_VERIFY = {"WECHAT_LINK_VERIFY_FILE": "abc123.txt", "WECHAT_LINK_VERIFY_CONTENT": "0123456789abcdef"}


def warnings(result):
    return [line for line in result.stderr.splitlines() if "WARNING" in line]


@pytest.mark.database_independent
def test_live_with_some_templates_missing_starts_with_one_warning_naming_them(tmp_path):
    partial = {key: f"id-of-{key}" for key in TEMPLATE_KEYS if key not in ("activity_claim", "research")}
    result = flask_command(production(tmp_path, **(LIVE | LINK_VERIFY | {"WECHAT_TEMPLATES": json.dumps(partial)})), "routes")
    assert result.returncode == 0, result.stdout + result.stderr
    [line] = warnings(result)
    assert "WECHAT_TEMPLATES 尚缺：activity_claim、research" in line
    assert "这些通知不发送微信消息" in line


@pytest.mark.database_independent
def test_live_with_every_template_and_link_verification_starts_without_a_warning(tmp_path):
    result = flask_command(production(tmp_path, **LIVE, **LINK_VERIFY), "routes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert warnings(result) == []


@pytest.mark.database_independent
def test_live_without_link_verification_warns_that_printed_codes_open_the_browser_page(tmp_path):
    result = flask_command(production(tmp_path, **LIVE, WECHAT_LINK_VERIFY_FILE=None, WECHAT_LINK_VERIFY_CONTENT=None),
                           "routes")
    assert result.returncode == 0, result.stdout + result.stderr
    [line] = warnings(result)
    assert "WECHAT_LINK_VERIFY_FILE" in line and "WECHAT_LINK_VERIFY_CONTENT" in line
    assert "扫码将打开网页而不是小程序" in line


@pytest.mark.database_independent
def test_fake_mode_warns_of_neither(tmp_path):
    result = flask_command(production(tmp_path, WECHAT_LINK_VERIFY_FILE=None), "routes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not any("WECHAT_TEMPLATES" in line or "WECHAT_LINK_VERIFY" in line for line in warnings(result))


@pytest.mark.database_independent
def test_a_production_trial_starts_with_its_one_warning_line(tmp_path):
    """The trial (WECHAT_MODE=fake in production) is said among the start-up warnings, once."""
    result = flask_command(production(tmp_path), "routes")
    assert result.returncode == 0, result.stdout + result.stderr
    [line] = warnings(result)
    assert "试运行：WECHAT_MODE=fake，微信为离线模拟" in line and "正式上线前请设置 WECHAT_MODE=live" in line


def test_a_notice_of_a_template_not_registered_is_skipped_not_sent_nor_retried(app, client, world, wechat_standin,  # noqa: F811
                                                                              monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_MODE", "live")
    monkeypatch.setitem(app.config, "WECHAT_TEMPLATES", FAKE_TEMPLATES | {"replied": "id-of-replied"})
    filed_accepted_replied(client, world, world["citizen"])
    with app.app_context():
        counts = deliver_due()
        rows = {row.template: row for row in db.session.execute(
            select(OutboxMessage.template, OutboxMessage.status, OutboxMessage.last_error)
            .where(OutboxMessage.template.in_(["accepted", "replied"])))}
        again = deliver_due()
    assert rows["replied"].status == "sent"
    assert rows["accepted"].status == "skipped"
    assert "accepted" in rows["accepted"].last_error
    assert counts["skipped"] >= 1 and counts["failed"] == 0 and counts["retry"] == 0
    assert again["skipped"] == 0  # not tried again
    # still in the citizen's 消息中心
    page = client.get("/api/v1/me/messages", headers=world["citizen"]).json
    assert "建议已受理" in [m["title"] for m in page["items"]]
