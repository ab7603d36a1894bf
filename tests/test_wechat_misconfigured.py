"""WeChat refusing our settings (a wrong WECHAT_SECRET or WECHAT_APPID, this server's IP not whitelisted):
nothing is given up or sent to manual review meanwhile, the sweep fails with a line naming the setting,
health says so, and everything goes on once the settings are corrected. The stand-in answers the wrong
secret with 40125 as WeChat does, and any errcode on demand."""
from datetime import timedelta

from sqlalchemy import select, update

from backend.db_types import utcnow
from backend.extensions import db
from backend.notifications.models import OutboxMessage
from backend.suggestions.models import Suggestion
from backend.wechat.models import ServiceToken

from .test_suggestions import file, step, world  # noqa: F401  (fixture)
from .test_web_pages import config_override  # noqa: F401  (fixture)

SECRET_LINE = "微信 AppSecret 无效（40125）：请检查 WECHAT_SECRET"


def settings(app, config_override, **values):  # noqa: F811
    """Change the WeChat settings as an operator does (and restarts: a new client)."""
    config_override(**values)
    app.extensions.pop("wechat_client", None)


def expire_token(app):
    """The access token in store runs out (WeChat's last two hours): the next call fetches one."""
    with app.app_context():
        db.session.execute(update(ServiceToken).values(expires_dt=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    app.extensions.pop("wechat_client", None)  # and the one a process keeps for a minute


def sweep(app):
    return app.test_cli_runner().invoke(args=["sweep"])


def screening_of(app, item_id):
    with app.app_context():
        return db.session.get(Suggestion, item_id).screening


def outbox(app):
    with app.app_context():
        return db.session.execute(select(OutboxMessage.template, OutboxMessage.status, OutboxMessage.attempts)
                                  .order_by(OutboxMessage.id)).all()


def test_a_wrong_secret_keeps_messages_and_screening_waiting_and_says_so_until_corrected(
        app, client, world, wechat_standin, config_override, caplog):  # noqa: F811
    first = file(client, world["citizen"], world["deputy_code"]).json["id"]
    assert sweep(app).exit_code == 0
    assert step(client, world["zhang_h"], first, "accept").status_code == 200  # 已受理 queued to the citizen
    wechat_standin.clear()
    queued = outbox(app)
    assert [status for _, status, _ in queued] == ["sent", "pending"]  # the deputy's 新建议, then 已受理

    settings(app, config_override, WECHAT_SECRET="a-wrong-secret")
    expire_token(app)  # the token fetched with the right secret has run out: a new one is asked for
    second = file(client, world["citizen"], world["deputy_code"]).json["id"]
    # Queued days ago: WeChat refusing our settings is never waited out as an unreachable WeChat is.
    with app.app_context():
        db.session.execute(update(OutboxMessage).values(created_dt=utcnow() - timedelta(days=10)))
        db.session.commit()

    result = sweep(app)
    assert result.exit_code == 1
    assert f"Error: {SECRET_LINE}。" in result.output
    assert "消息仍在队列中" in result.output
    assert any(r.levelname == "ERROR" and SECRET_LINE in r.getMessage() for r in caplog.records)
    assert screening_of(app, second) == "pending"  # not sent to manual review
    assert outbox(app) == queued  # not given up, no try spent
    health = client.get("/api/v1/health")
    assert health.status_code == 200
    assert health.json["status"] == "ok" and health.json["wechat"] == "misconfigured"

    # The outbox itself, asked to deliver meanwhile (a sweep that found the token before the secret was changed).
    with app.app_context():
        from backend.notifications.outbox import deliver_due

        assert deliver_due() == {"sent": 0, "refused": 0, "skipped": 0, "retry": 1, "failed": 0}
    assert [status for _, status, _ in outbox(app)] == ["sent", "pending"]
    # Text screening asked directly waits as well (None: WeChat cannot answer now), rather than "manual".
    with app.app_context():
        from backend.suggestions.services import check_text

        item = db.session.get(Suggestion, second)
        assert check_text(item.citizen, item.content) is None
    # Signing in is answered as WeChat unavailable, not as WeChat refusing the user.
    signin = client.post("/api/v1/auth/wechat", json={"code": "citizen-li"})
    assert signin.status_code == 503 and signin.json["error"] == "wechat_unavailable"
    assert wechat_standin.messages() == []

    settings(app, config_override, WECHAT_SECRET="fake-secret")
    assert client.get("/api/v1/health").json["wechat"] == "ok"  # the corrected settings are not those refused
    result = sweep(app)
    assert result.exit_code == 0, result.output
    assert screening_of(app, second) == "pass"
    assert [status for _, status, _ in outbox(app)][:2] == ["sent", "sent"]
    assert "fake-openid-citizen-wang" in {m["touser"] for m in wechat_standin.messages()}


def test_an_ip_not_whitelisted_is_reported_by_health_and_wechat_check_until_whitelisted(
        app, client, world, wechat_standin):  # noqa: F811
    item = file(client, world["citizen"], world["deputy_code"]).json["id"]
    wechat_standin.fail({"/cgi-bin/stable_token": 40164})

    check = app.test_cli_runner().invoke(args=["wechat-check"])
    assert check.exit_code == 1
    assert ("Error: 本服务器的 IP 不在小程序的 IP 白名单中（40164）：请在微信公众平台「开发管理 → 开发设置 → IP白名单」"
            "中加入本服务器的出口 IP。") in check.output
    assert client.get("/api/v1/health").json["wechat"] == "misconfigured"
    expire_token(app)
    result = sweep(app)
    assert result.exit_code == 1 and "（40164）" in result.output
    assert screening_of(app, item) == "pending"

    wechat_standin.fail({})  # whitelisted: the next fetch (the check, the sweep or any call) clears it
    check = app.test_cli_runner().invoke(args=["wechat-check"])
    assert check.exit_code == 0, check.output
    assert "微信接口配置正确" in check.output and "wx-fake-appid" in check.output
    assert client.get("/api/v1/health").json["wechat"] == "ok"
    assert sweep(app).exit_code == 0
    assert screening_of(app, item) == "pass"


def test_wechat_check_says_when_wechat_cannot_be_reached(app, config_override):  # noqa: F811
    settings(app, config_override, WECHAT_API_BASE="http://127.0.0.1:9")
    check = app.test_cli_runner().invoke(args=["wechat-check"])
    assert check.exit_code == 1
    assert "Error: 无法连接微信服务器（http://127.0.0.1:9）" in check.output
