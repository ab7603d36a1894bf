"""The sweep (deadlines, reminders, auto-close, outbox), statistics, public disclosure and duplicates."""
import math
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from sqlalchemy import event, select, text, update

from backend.db_types import utcnow
from backend.extensions import db
from backend.notifications.models import OutboxMessage
from backend.suggestions.models import Suggestion

from .factories import gps_of, screen
from .test_suggestions import file, step, world  # noqa: F401  (fixture)
from .test_web_pages import config_override  # noqa: F401  (fixture)


def sweep(app):
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 0, result.output
    return result.output


def shift(app, item_id, **values):
    """Move an item's clock: set its timestamps as if time had passed."""
    with app.app_context():
        db.session.execute(update(Suggestion).where(Suggestion.id == item_id).values(**values))
        db.session.commit()


def test_overdue_items_are_flagged_and_reminded_once(client, app, world, wechat_standin):  # noqa: F811
    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    shift(app, item_id, accept_due_dt=utcnow() - timedelta(hours=1))

    output = sweep(app)
    assert "新标记超期 1 条" in output
    # One line per run in the cron log, stamped in China time: an operator reads when each run was.
    stamp = datetime.strptime(output[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone(timedelta(hours=8)))
    assert abs(stamp - utcnow()) < timedelta(minutes=5) and output.count("\n") == 1
    item = client.get(f"/api/v1/suggestions/{item_id}", headers=world["admin"]).json
    assert item["overdue"] is True
    assert item["status"] == "assigned"  # a flag, not a state
    assert [e["action"] for e in item["timeline"]].count("remind") == 1
    overdue_messages = [m for m in wechat_standin.messages() if m["template_id"] == "tmpl-overdue"]
    assert {m["touser"] for m in overdue_messages} == {"fake-openid-deputy%d" % world["zhang"].id}

    assert "新标记超期 0 条" in sweep(app)
    assert len([m for m in wechat_standin.messages() if m["template_id"] == "tmpl-overdue"]) == 1
    assert client.get("/api/v1/suggestions?overdue=true", headers=world["admin"]).json["total"] == 1

    # Accepting clears the flag and starts the reply clock.
    accepted = step(client, world["zhang_h"], item_id, "accept").json
    assert accepted["overdue"] is False and accepted["reply_due_at"]


def test_due_soon_flag(client, app, world):  # noqa: F811
    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    shift(app, item_id, accept_due_dt=utcnow() + timedelta(hours=2))
    sweep(app)
    assert client.get(f"/api/v1/suggestions/{item_id}", headers=world["admin"]).json["due_soon"] is True


def test_unrated_replies_close_automatically(client, app, world):  # noqa: F811
    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    step(client, world["zhang_h"], item_id, "accept")
    step(client, world["zhang_h"], item_id, "reply", content="已处理。")
    shift(app, item_id, replied_dt=utcnow() - timedelta(days=8))
    assert "自动办结 1 条" in sweep(app)
    item = client.get(f"/api/v1/suggestions/{item_id}", headers=world["citizen"]).json
    assert item["status"] == "closed"
    assert item["timeline"][-1]["action"] == "auto_close"
    assert "自动办结 0 条" in sweep(app)


def test_refused_messages_are_recorded_not_retried(client, app, world, wechat_standin):  # noqa: F811
    from backend.notifications.models import OutboxMessage

    refuser = client.post("/api/v1/auth/wechat", json={"code": "refuser"}).json["token"]
    headers = {"Authorization": f"Bearer {refuser}"}
    item_id = file(client, headers, world["deputy_code"]).json["id"]
    assert "消息发送成功 1" in sweep(app)  # screened, and the deputy told about it
    step(client, world["zhang_h"], item_id, "accept")
    assert "用户拒收 1" in sweep(app)
    assert "用户拒收 0" in sweep(app)
    with app.app_context():
        statuses = {m.template: m.status for m in db.session.query(OutboxMessage)}
    assert statuses == {"new_item": "sent", "accepted": "refused"}


def test_wechat_outage_keeps_the_filing_and_screens_it_later(client, app, world, wechat_standin):  # noqa: F811
    original = app.config["WECHAT_API_BASE"]
    app.config["WECHAT_API_BASE"] = "http://127.0.0.1:9"
    app.extensions.pop("wechat_client", None)
    try:
        filed = file(client, world["citizen"], world["deputy_code"], content="违禁测试：断网时提交")
        assert filed.status_code == 201
        assert "内容检测 0 条" in sweep(app)  # WeChat cannot screen it now; nothing is lost
    finally:
        app.config["WECHAT_API_BASE"] = original
        app.extensions.pop("wechat_client", None)
    item_id = filed.json["id"]
    assert client.get(f"/api/v1/suggestions/{item_id}", headers=world["citizen"]).status_code == 200
    assert "内容检测 1 条" in sweep(app)  # WeChat is back: the screening runs and holds the risky item
    assert client.get(f"/api/v1/suggestions/{item_id}", headers=world["admin"]).json["held_for_review"] is True


@contextmanager
def wechat_down(app):
    """WeChat unreachable (nothing listens on the port) until the block ends."""
    original = app.config["WECHAT_API_BASE"]
    app.config["WECHAT_API_BASE"] = "http://127.0.0.1:9"
    app.extensions.pop("wechat_client", None)
    try:
        yield
    finally:
        app.config["WECHAT_API_BASE"] = original
        app.extensions.pop("wechat_client", None)


def wait_out_backoff(app):
    """Time passes: every queued message's next attempt is due."""
    with app.app_context():
        db.session.execute(update(OutboxMessage).values(next_attempt_dt=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def told(wechat_standin, openid):
    return [(m["data"]["character_string1"]["value"], m["template_id"])
            for m in wechat_standin.messages() if m["touser"] == openid]


def test_text_wechat_will_no_longer_screen_goes_to_an_administrator(client, app, world, wechat_standin):  # noqa: F811
    with wechat_down(app):
        item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
        sweep(app)
    # Back hours later, WeChat screens text only for a user who opened the mini-program in the last
    # two hours (61010): this citizen has not, and asking again will not change that.
    wechat_standin.fail({"/wxa/msg_sec_check": 61010})
    output = sweep(app)
    wechat_standin.fail({})
    assert "内容检测 1 条" in output
    item = client.get(f"/api/v1/suggestions/{item_id}", headers=world["admin"]).json
    assert item["held_for_review"] is True and item["timeline"][-1]["action"] == "hold"


def test_a_busy_wechat_is_asked_once_a_sweep_not_once_an_item(client, app, world, wechat_standin):  # noqa: F811
    wechat_standin.fail({"/wxa/msg_sec_check": -1})
    for n in range(3):
        file(client, world["citizen"], world["deputy_code"], content=f"第{n}号路灯不亮")
    assert "内容检测 0 条" in sweep(app)
    # Each ask may cost a timeout: a sweep that asked for every item could run for an hour.
    assert wechat_standin.fail({}) == {"/wxa/msg_sec_check": 1}
    assert "内容检测 3 条" in sweep(app)


def test_text_wechat_cannot_screen_for_now_waits_for_a_later_sweep_not_for_an_administrator(client, app, world, wechat_standin):  # noqa: F811
    ids = [file(client, world["citizen"], world["deputy_code"], content=f"第{n}号路灯不亮").json["id"] for n in range(3)]

    def held():
        return [client.get(f"/api/v1/suggestions/{i}", headers=world["admin"]).json["held_for_review"] for i in ids]

    # WeChat's minute quota used up (45011): as for a busy WeChat, asked once, and every item waits.
    wechat_standin.fail({"/wxa/msg_sec_check": 45011})
    assert "内容检测 0 条" in sweep(app)
    # An errcode not known to mean "never": each item is asked (the run goes on past one that fails), none is
    # sent to an administrator, and their deputy still sees them.
    assert wechat_standin.fail({"/wxa/msg_sec_check": 99999}) == {"/wxa/msg_sec_check": 1}
    assert "内容检测 0 条" in sweep(app)
    assert wechat_standin.fail({"/wxa/msg_sec_check": 99999}) == {"/wxa/msg_sec_check": 3}
    assert held() == [False, False, False]
    assert [client.get(f"/api/v1/suggestions/{i}", headers=world["zhang_h"]).status_code for i in ids] == [200] * 3
    # Still failing a day after its filing: that one goes to an administrator, so that none waits for ever.
    shift(app, ids[0], created_dt=utcnow() - timedelta(hours=24, minutes=1))
    assert "内容检测 1 条" in sweep(app)
    assert held() == [True, False, False]
    wechat_standin.fail({})
    assert "内容检测 2 条" in sweep(app)  # WeChat well again: the others are screened
    assert held() == [True, False, False]
    assert [m["touser"] for m in wechat_standin.messages() if m["template_id"] == "tmpl-new-item"] == [
        "fake-openid-deputy%d" % world["zhang"].id] * 2


def test_an_answer_without_a_verdict_holds_up_neither_the_other_items_nor_the_other_steps(client, app, world, wechat_standin):  # noqa: F811
    """WeChat (or a gateway) answering success without a verdict for one item, the oldest, at every sweep:
    each sweep still screens the items after it, and sends the messages."""
    poison = file(client, world["citizen"], world["deputy_code"], content="畸形应答测试：小区路灯坏了").json["id"]
    fine = file(client, world["citizen"], world["deputy_code"], content="小区井盖丢了").json["id"]
    assert "内容检测 1 条" in sweep(app) and "内容检测 0 条" in sweep(app)
    with app.app_context():
        assert [db.session.get(Suggestion, i).screening for i in (poison, fine)] == ["pending", "pass"]
    assert [m["touser"] for m in wechat_standin.messages() if m["template_id"] == "tmpl-new-item"] == [
        "fake-openid-deputy%d" % world["zhang"].id]
    # Nobody's item is held for it, until a day has gone by: then an administrator looks at it.
    assert client.get(f"/api/v1/suggestions/{poison}", headers=world["admin"]).json["held_for_review"] is False
    shift(app, poison, created_dt=utcnow() - timedelta(hours=25))
    assert "内容检测 1 条" in sweep(app)
    assert client.get(f"/api/v1/suggestions/{poison}", headers=world["admin"]).json["held_for_review"] is True


def test_a_long_wechat_outage_loses_no_message_and_keeps_each_citizens_order(client, app, world, wechat_standin):  # noqa: F811
    numbers = [file(client, world["citizen"], world["deputy_code"], content=f"第{n}号路灯不亮").json["number"]
               for n in range(3)]
    sweep(app)  # screened while WeChat is up; the deputy is told
    items = client.get("/api/v1/suggestions", headers=world["zhang_h"]).json["items"]
    ids = [next(i["id"] for i in items if i["number"] == number) for number in numbers]
    with wechat_down(app):
        for item_id in ids:
            step(client, world["zhang_h"], item_id, "accept")
        for item_id in ids:
            step(client, world["zhang_h"], item_id, "reply", content="已修好。")
        for _ in range(10):  # a run a minute through the outage
            output = sweep(app)
            # One try per run while WeChat cannot be reached, not one (and a timeout) per message.
            assert "待重试 1，放弃 0" in output
    wechat_standin.clear()
    # WeChat back: the next run sends everything, nothing left waiting out a backoff the outage grew.
    assert "消息发送成功 6，用户拒收 0，模板未配置跳过 0，待重试 0，放弃 0" in sweep(app)
    expected = [(number, "tmpl-accepted") for number in numbers] + [(number, "tmpl-replied") for number in numbers]
    assert told(wechat_standin, "fake-openid-citizen-wang") == expected
    with app.app_context():
        # Sent, each on its first counted try: the runs that found WeChat away cost none.
        assert {(m.status, m.attempts) for m in db.session.query(OutboxMessage)} == {("sent", 1)}


def test_a_message_wechat_cannot_be_reached_for_three_days_is_given_up(client, app, world, wechat_standin):  # noqa: F811
    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    sweep(app)
    with wechat_down(app):
        step(client, world["zhang_h"], item_id, "accept")
        assert "待重试 1，放弃 0" in sweep(app)
        with app.app_context():
            db.session.execute(update(OutboxMessage).values(created_dt=utcnow() - timedelta(days=3, minutes=1)))
            db.session.commit()
        wait_out_backoff(app)
        assert "待重试 0，放弃 1" in sweep(app)


def test_a_message_wechat_rejects_is_given_up_at_once_and_holds_back_nothing(client, app, world, wechat_standin):  # noqa: F811
    from backend.auth.models import User
    from backend.notifications.outbox import enqueue

    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    sweep(app)
    with app.app_context():
        citizen = db.session.query(User).filter_by(openid="fake-openid-citizen-wang").one()
        # A value over WeChat's 20-character limit for a thing: WeChat answers 47003 every time.
        enqueue(citizen, "accepted", {"character_string1": "X", "thing2": "这是一条超过二十个字的消息内容，微信一定会拒绝它的"},
                dedupe_key="poisoned")
        db.session.commit()
    number = step(client, world["zhang_h"], item_id, "accept").json["number"]
    wechat_standin.clear()
    assert "消息发送成功 1，用户拒收 0，模板未配置跳过 0，待重试 0，放弃 1" in sweep(app)
    assert told(wechat_standin, "fake-openid-citizen-wang") == [(number, "tmpl-accepted")]
    wait_out_backoff(app)
    assert "待重试 0，放弃 0" in sweep(app)
    with app.app_context():
        poisoned = db.session.query(OutboxMessage).filter_by(dedupe_key="poisoned").one()
    assert poisoned.status == "failed" and poisoned.attempts == 1 and poisoned.last_error.startswith("47003")


def test_a_message_wechat_rate_limits_or_fails_for_now_is_tried_again_not_given_up(client, app, world, wechat_standin):  # noqa: F811
    deputy = "fake-openid-deputy%d" % world["zhang"].id
    file(client, world["citizen"], world["deputy_code"])
    wechat_standin.fail({"/cgi-bin/message/subscribe/send": 45011})  # WeChat's minute quota used up
    assert "消息发送成功 0，用户拒收 0，模板未配置跳过 0，待重试 1，放弃 0" in sweep(app)  # screened, 新建议 queued
    wechat_standin.fail({})
    assert "消息发送成功 1，" in sweep(app)  # the next run sends it: no try was spent on WeChat's quota
    assert [m["touser"] for m in wechat_standin.messages()] == [deputy]

    # An errcode nobody foresaw: tried again after a backoff, up to MAX_ATTEMPTS tries, then given up.
    file(client, world["citizen"], world["deputy_code"], content="小区井盖丢了")
    wechat_standin.fail({"/cgi-bin/message/subscribe/send": 99999})
    assert "待重试 1，放弃 0" in sweep(app)
    wait_out_backoff(app)
    assert "待重试 1，放弃 0" in sweep(app)
    with app.app_context():  # five more tries went the same way
        db.session.execute(update(OutboxMessage).where(OutboxMessage.status == "pending").values(attempts=7))
        db.session.commit()
    wait_out_backoff(app)
    assert "待重试 0，放弃 1" in sweep(app)
    with app.app_context():
        assert [(m.status, m.attempts, m.last_error[:5]) for m in db.session.query(OutboxMessage).order_by(
            OutboxMessage.id)] == [("sent", 1, ""), ("failed", 8, "99999")]


def test_a_template_id_wechat_refuses_keeps_its_messages_for_the_operator_to_correct(
        client, app, factory, world, wechat_standin):  # noqa: F811
    """40037: the template id in WECHAT_TEMPLATES is not one of this mini-program's. Only an operator can
    correct it; meanwhile the messages wait (every run says which template, so do the health check for
    monitoring and the root administrators' 工作台), and go once it is corrected."""
    from backend.auth.models import User
    from backend.notifications.outbox import enqueue

    from .test_console_suggestions import console_login

    factory.admin("root", region=world["tree"]["root"])
    root, station = console_login(app, "root"), console_login(app, "chengbei")
    reminder = ('<p class="notice" id="wechat-templates-reminder"><strong>微信订阅消息模板 accepted（tmpl-accepted）'
                '被微信拒绝（模板 ID 有误），2 条消息等待发送。</strong>请检查 WECHAT_TEMPLATES 设置')

    def health():
        response = client.get("/api/v1/health")
        assert response.status_code == 200 and response.json["status"] == "ok"  # the load balancer keeps it
        return {key: response.json[key] for key in ("wechat_templates", "refused_templates")}

    citizens = ("fake-openid-citizen-wang", "fake-openid-citizen-zhao")

    def queue(key):
        with app.app_context():
            for openid in citizens:
                enqueue(db.session.query(User).filter_by(openid=openid).one(), "accepted", {"thing2": "代表已接单"},
                        dedupe_key=f"{key}-{openid}")
            db.session.commit()

    queue("first")
    wechat_standin.fail({"/cgi-bin/message/subscribe/send": 40037})
    run = app.test_cli_runner().invoke(args=["sweep"])
    assert run.exit_code == 1 and "待重试 2，放弃 0" in run.output
    assert "Error: 微信不接受订阅消息模板 accepted 的 ID（40037）：请检查 WECHAT_TEMPLATES" in run.output
    assert health() == {"wechat_templates": "refused", "refused_templates": [
        {"template": "accepted", "template_id": "tmpl-accepted", "waiting": 2}]}
    assert reminder in root.get("/console/").get_data(as_text=True)
    assert "wechat-templates-reminder" not in station.get("/console/").get_data(as_text=True)  # not theirs to fix
    # Asked once a run for the template: its other message waits untried.
    assert wechat_standin.fail({}) == {"/cgi-bin/message/subscribe/send": 1}
    run = app.test_cli_runner().invoke(args=["sweep"])  # corrected; its messages wait out TEMPLATE_RETRY
    assert run.exit_code == 1 and "消息发送成功 0，" in run.output and "模板 accepted 的 ID" in run.output
    assert health()["wechat_templates"] == "refused"
    wait_out_backoff(app)
    assert "消息发送成功 2，用户拒收 0，模板未配置跳过 0，待重试 0，放弃 0" in sweep(app)
    assert sorted(m["touser"] for m in wechat_standin.messages()) == list(citizens)
    assert health() == {"wechat_templates": "ok", "refused_templates": []}
    assert "wechat-templates-reminder" not in root.get("/console/").get_data(as_text=True)

    # Never corrected: given up once a message has waited three days, as for a WeChat out of reach.
    queue("second")
    wechat_standin.fail({"/cgi-bin/message/subscribe/send": 40037})
    assert app.test_cli_runner().invoke(args=["sweep"]).exit_code == 1
    with app.app_context():
        db.session.execute(update(OutboxMessage).where(OutboxMessage.status == "pending")
                           .values(created_dt=utcnow() - timedelta(days=3, minutes=1)))
        db.session.commit()
    wait_out_backoff(app)
    assert "待重试 0，放弃 2" in sweep(app)  # and, none of them waiting any more, the run ends well
    assert health()["wechat_templates"] == "ok"


def test_statistics_use_explicit_denominators(client, app, world):  # noqa: F811
    def new():
        return file(client, world["citizen"], world["deputy_code"]).json["id"]

    satisfied, basic, overdue_open, rejected = new(), new(), new(), file(client, world["citizen"], world["station_code"]).json["id"]
    screen(app)  # unscreened, an item's clock has not started (sweep._overdue_clause)
    for item_id, satisfaction in ((satisfied, "satisfied"), (basic, "basically_satisfied")):
        step(client, world["zhang_h"], item_id, "accept")
        step(client, world["zhang_h"], item_id, "reply", content="已处理。")
        step(client, world["citizen"], item_id, "rate", satisfaction=satisfaction)
    shift(app, overdue_open, accept_due_dt=utcnow() - timedelta(hours=3))
    step(client, world["admin"], rejected, "reject", reason="重复提交")

    stats = client.get("/api/v1/stats/suggestions", headers=world["admin"])
    assert stats.status_code == 200
    body = stats.json
    assert body["total"] == 4
    assert body["by_status"]["closed"] == 2 and body["by_status"]["rejected"] == 1
    assert body["denominators"] == {"should_be_closed": 3, "closed": 2, "rated": 2, "work_orders_rated": 0}
    assert body["closed_rate"] == round(2 / 3, 4)
    assert body["on_time_rate"] == round(2 / 3, 4)
    assert body["satisfaction_rate"] == 0.5
    assert body["basic_satisfaction_rate"] == 1.0
    assert body["by_category"] == {"城市管理": 4}
    assert body["avg_hours_to_accept"] is not None

    assert client.get("/api/v1/stats/suggestions", headers=world["citizen"]).status_code == 403
    foreign = client.get("/api/v1/stats/suggestions", headers=world["other_admin"]).json
    assert foreign["total"] == 0
    by_deputy = client.get(f"/api/v1/stats/suggestions?deputy_id={world['li'].id}", headers=world["admin"]).json
    assert by_deputy["total"] == 0


def test_statistics_slow_to_count_are_kept_for_a_period_and_say_when(client, app, world, config_override):  # noqa: F811
    """A province's figures take seconds to count: like the console's dashboard, the API keeps figures
    that took DASHBOARD_CACHE_AFTER_MS for DASHBOARD_CACHE_SECONDS and says when they were counted
    (``as_of``); other filters and other scopes are counted for themselves. Fast figures stay live."""
    file(client, world["citizen"], world["deputy_code"])
    live = client.get("/api/v1/stats/suggestions", headers=world["admin"]).json
    assert (live["total"], live["as_of"]) == (1, None)

    config_override(DASHBOARD_CACHE_AFTER_MS=0)  # as if counting took seconds
    kept = client.get("/api/v1/stats/suggestions", headers=world["admin"]).json
    assert kept["total"] == 1 and kept["as_of"] is not None
    file(client, world["citizen"], world["deputy_code"])
    again = client.get("/api/v1/stats/suggestions", headers=world["admin"]).json
    assert (again["total"], again["as_of"]) == (1, kept["as_of"])
    by_category = client.get("/api/v1/stats/suggestions?category=城市管理", headers=world["admin"]).json
    assert by_category["total"] == 2  # another question, counted afresh
    assert client.get("/api/v1/stats/suggestions", headers=world["other_admin"]).json["total"] == 0

    config_override(DASHBOARD_CACHE_SECONDS=0)  # off: every request counts afresh
    fresh = client.get("/api/v1/stats/suggestions", headers=world["admin"]).json
    assert (fresh["total"], fresh["as_of"]) == (2, None)


def test_an_item_closing_unrated_after_a_dissatisfied_round_counts_its_one_rating(client, app, world):  # noqa: F811
    """不满意 sends the item round again; if the citizen then leaves the second answer unrated, the item closes
    unrated (its own satisfaction stays empty), and the rates count the one rating the citizen gave: the first
    round's 不满意, not a second, made-up one."""
    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    step(client, world["zhang_h"], item_id, "accept")
    step(client, world["zhang_h"], item_id, "reply", content="已处理。")
    reopened = step(client, world["citizen"], item_id, "rate", satisfaction="dissatisfied").json
    assert (reopened["status"], reopened["round"], reopened["satisfaction"]) == ("accepted", 2, None)
    step(client, world["zhang_h"], item_id, "reply", content="已再次协调，已修好。")
    shift(app, item_id, replied_dt=utcnow() - timedelta(days=8))
    assert "自动办结 1 条" in sweep(app)

    item = client.get(f"/api/v1/suggestions/{item_id}", headers=world["admin"]).json
    assert (item["status"], item["satisfaction"]) == ("closed", None)
    stats = client.get("/api/v1/stats/suggestions", headers=world["admin"]).json
    assert stats["denominators"]["rated"] == 1 and stats["dissatisfied"] == 1
    assert (stats["satisfaction_rate"], stats["basic_satisfaction_rate"]) == (0.0, 0.0)
    assert stats["denominators"]["closed"] == 1


def test_public_page_shows_consented_closed_items_without_personal_data(client, app, world):  # noqa: F811
    content = "我是王小明，电话13912345678，住幸福小区3栋2单元501室，楼道灯坏了。"
    published = file(client, world["citizen"], world["deputy_code"], content=content, public_consent=True).json["id"]
    private = file(client, world["citizen"], world["deputy_code"], public_consent=False).json["id"]
    screen(app)
    # Filed after the sweep ran: closed, consented, but its text never screened — never published.
    unscreened = file(client, world["citizen"], world["deputy_code"], content="还没有经过内容检测", public_consent=True).json["id"]
    for item_id in (published, private, unscreened):
        step(client, world["zhang_h"], item_id, "accept")
        step(client, world["zhang_h"], item_id, "reply", content="已联系物业，请拨 0745-2345678 反馈。")
        step(client, world["citizen"], item_id, "rate", satisfaction="satisfied")

    page = client.get(f"/api/v1/public/suggestions?station_id={world['station'].id}")
    assert page.status_code == 200
    assert page.json["total"] == 1
    shown = page.json["items"][0]
    assert "13912345678" not in shown["content"] and "501" not in shown["content"]
    assert "2345678" not in shown["reply_content"]
    assert "楼道灯坏了" in shown["content"]
    assert set(shown) == {"number", "category", "content", "reply_content", "implemented", "implemented_label", "station",
                          "deputy", "satisfaction", "closed_at"}


def test_nearby_duplicates_are_offered_and_can_be_followed(client, app, world):  # noqa: F811
    spot = {"location": {"lat": 27.5600, "lng": 109.9900}, "public_consent": True}
    first = file(client, world["citizen"], world["station_code"], **spot).json["id"]
    file(client, world["citizen"], world["station_code"], category="环境卫生", **spot)
    file(client, world["citizen"], world["station_code"], location={"lat": 27.5700, "lng": 109.9900}, public_consent=True)  # ~1.1 km away
    screen(app)  # other citizens see an item's words once they are screened
    unscreened = file(client, world["citizen"], world["station_code"], **spot).json["id"]

    offered = client.get("/api/v1/suggestions/nearby?category=城市管理&lat=27.5605&lng=109.9902", headers=world["stranger"])
    assert offered.status_code == 200
    assert [i["id"] for i in offered.json["items"]] == [first]
    assert offered.json["items"][0]["distance_m"] < 200

    followed = client.post(f"/api/v1/suggestions/{first}/follow", headers=world["stranger"])
    assert followed.status_code == 200 and followed.json["following"] is True
    assert client.post(f"/api/v1/suggestions/{unscreened}/follow", headers=world["stranger"]).status_code == 404
    assert [i["id"] for i in client.get("/api/v1/suggestions", headers=world["stranger"]).json["items"]] == [first]
    assert client.get("/api/v1/suggestions/nearby?category=城市管理&lat=200&lng=1", headers=world["stranger"]).status_code == 422


def test_nearby_offers_only_items_published_with_consent_and_never_their_exact_distance(client, app, world):  # noqa: F811
    """A citizen who refused publication is never shown to strangers, and the distance offered is too
    coarse to find the item's spot (often the filer's home) from a few positions around it."""
    spot = {"lat": 27.5600, "lng": 109.9900}
    consented = file(client, world["citizen"], world["station_code"], content="路灯不亮，请联系13912345678",
                     location=spot, public_consent=True).json["id"]
    refused = file(client, world["citizen"], world["station_code"], content="楼下路灯不亮，我家就在正上方",
                   location=spot, public_consent=False).json["id"]
    anonymous = file(client, world["citizen"], world["station_code"], content="路口路灯也不亮",
                     location=spot, public_consent=True, anonymous=True).json["id"]
    # The caller's own item is offered to them as before, consented or not.
    own = file(client, world["stranger"], world["station_code"], content="我也发现路灯不亮",
               location=spot, public_consent=False).json["id"]
    assert screen(app) == 4

    def nearby(headers, lat, lng):
        answer = client.get("/api/v1/suggestions/nearby", headers=headers,
                            query_string={"category": "城市管理", "lat": lat, "lng": lng})
        assert answer.status_code == 200, answer.json
        return answer.json["items"]

    offered = nearby(world["stranger"], 27.5600, 109.9900)
    assert {i["id"] for i in offered} == {consented, anonymous, own}
    assert refused not in {i["id"] for i in offered}
    # At the very spot: 约 50 or 100 米, never 0 (measured from 60-100 m off the item's point, in steps of 50).
    assert {i["distance_m"] for i in offered} <= {50, 100}
    shown = next(i for i in offered if i["id"] == anonymous)
    assert set(shown) == {"id", "number", "category", "content", "status", "status_label", "distance_m", "created_at"}
    assert shown["content"] == "路口路灯也不亮"
    assert next(i for i in offered if i["id"] == consented)["content"] == "路灯不亮，请联系***"

    # A browser identity (no login) sees the same, never the refused item.
    browser = {"Authorization": "Bearer " + client.post("/api/v1/auth/web", json={}).json["token"]}
    assert {i["id"] for i in nearby(browser, 27.5600, 109.9900)} == {consented, anonymous}

    # From three points around it (89, 111 and 89 m away) only multiples of 50 m come back, the same for both
    # items of one filer at one spot (placed alike: two of them tell no more than one).
    for lat, lng in ((27.5606, 109.9906), (27.5610, 109.9900), (27.5600, 109.9909)):
        distances = {i["distance_m"] for i in nearby(browser, lat, lng)}
        assert len(distances) <= 1 and distances <= {50, 100, 150, 200}


def test_walking_the_edge_of_nearby_does_not_find_where_the_item_was_filed(client, app, world):  # noqa: F811
    """The privacy audit's probe (2026-11-29, finding 1): another citizen bisects, along three bearings, where
    /nearby stops listing an item, and takes the centre of the circle through those three points. Against the
    exact point that found the filer's front door to about a metre in 31 requests; the item is now placed for
    /nearby at a secret offset of 60-100 m, so the estimate is that far off, however exact the bisection."""
    true_lat, true_lng = 27.563217, 109.982345
    file(client, world["citizen"], world["station_code"], location={"lat": true_lat, "lng": true_lng},
         public_consent=True)
    assert screen(app) == 1
    per_lat = 111_320
    per_lng = per_lat * math.cos(math.radians(true_lat))

    def seen(x, y):  # metres east and north of the true point
        answer = client.get("/api/v1/suggestions/nearby", headers=world["stranger"], query_string={
            "lat": true_lat + y / per_lat, "lng": true_lng + x / per_lng, "category": "城市管理"})
        assert answer.status_code == 200, answer.json
        return bool(answer.json["items"])

    assert seen(0, 0)  # offered at the very spot, as before
    edge = []
    for bearing in (0, 120, 240):
        dx, dy = math.sin(math.radians(bearing)), math.cos(math.radians(bearing))
        inside, outside = 0.0, 400.0
        while outside - inside > 0.5:
            middle = (inside + outside) / 2
            inside, outside = (middle, outside) if seen(middle * dx, middle * dy) else (inside, middle)
        edge.append((inside * dx, inside * dy))
    (ax, ay), (bx, by), (cx, cy) = edge
    d = 2 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by))
    ux = ((ax ** 2 + ay ** 2) * (by - cy) + (bx ** 2 + by ** 2) * (cy - ay) + (cx ** 2 + cy ** 2) * (ay - by)) / d
    uy = ((ax ** 2 + ay ** 2) * (cx - bx) + (bx ** 2 + by ** 2) * (ax - cx) + (cx ** 2 + cy ** 2) * (bx - ax)) / d
    assert math.hypot(ux, uy) > 50  # metres from where it was filed: no closer than the 50 m the page shows


def test_the_citizen_withdraws_consent_to_publish_and_the_item_leaves_every_public_view(client, app, world, factory):  # noqa: F811
    """个人信息保护法 第十五条: consent is withdrawn as easily as given. The filer switches 同意公开 off: the item
    leaves /nearby, the stranger who followed it from there reads nothing of it, the public list and the deputy's
    page; the citizen whose duplicate was merged into it keeps the follower view. Idempotent; theirs alone."""
    spot = {"lat": 27.5600, "lng": 109.9900}
    item = file(client, world["citizen"], world["deputy_code"], content="人民路口路灯不亮，晚上很黑。", location=spot,
                public_consent=True).json["id"]
    neighbour = factory.wechat_login("citizen-li")
    duplicate = file(client, neighbour, world["station_code"], content="路口的灯一直不亮").json["id"]
    screen(app)
    near = {"category": "城市管理", **spot}

    def offered():
        return [i["id"] for i in client.get("/api/v1/suggestions/nearby", query_string=near,
                                            headers=world["stranger"]).json["items"]]

    def consent(headers, value):
        return client.post(f"/api/v1/suggestions/{item}/public-consent", json={"public_consent": value}, headers=headers)

    assert offered() == [item]
    assert client.post(f"/api/v1/suggestions/{item}/follow", headers=world["stranger"]).status_code == 200
    assert step(client, world["admin"], duplicate, "merge", into_id=item).status_code == 200

    withdrawn = consent(world["citizen"], False)
    assert withdrawn.status_code == 200, withdrawn.json
    assert withdrawn.json["public_consent"] is False
    assert withdrawn.json["timeline"][-1]["action_label"] == "群众撤回公开同意"
    again = consent(world["citizen"], False)  # a retry: the same answer, nothing recorded twice
    assert (again.status_code, len(again.json["timeline"])) == (200, len(withdrawn.json["timeline"]))
    assert offered() == []
    assert client.get(f"/api/v1/suggestions/{item}", headers=world["stranger"]).status_code == 404
    merged_in = client.get(f"/api/v1/suggestions/{item}", headers=neighbour)
    assert merged_in.status_code == 200 and merged_in.json["content"] is None  # the follower view, none of A's words
    # Only the filer: a deputy or the merged citizen 403, a stranger who cannot see it 404; a bad body 422.
    for headers, status in ((world["zhang_h"], 403), (neighbour, 403), (world["stranger"], 404)):
        assert consent(headers, True).status_code == status
    bad = consent(world["citizen"], "no")
    assert bad.status_code == 422 and "public_consent" in bad.json["errors"]

    assert consent(world["citizen"], True).json["timeline"][-1]["action_label"] == "群众同意公开"
    assert offered() == [item]
    step(client, world["zhang_h"], item, "accept")
    step(client, world["zhang_h"], item, "reply", content="已修复。")
    assert step(client, world["citizen"], item, "rate", satisfaction="satisfied").status_code == 200
    page = f"/public/deputies/{world['zhang'].id}"
    assert client.get("/api/v1/public/suggestions").json["total"] == 1
    assert "人民路口路灯不亮" in client.get(page).get_data(as_text=True)

    def told(headers):
        return [(m["title"], m["page"]) for m in client.get("/api/v1/me/messages", headers=headers).json["items"]]

    assert len(told(world["stranger"])) == 2 and len(told(neighbour)) == 2  # 受理, 答复: queued, not sent yet
    assert consent(world["citizen"], False).status_code == 200  # closed and published: off at once
    assert client.get("/api/v1/public/suggestions").json["total"] == 0
    assert "人民路口路灯不亮" not in client.get(page).get_data(as_text=True)
    # The stranger's queued notices (the citizen's words, a link now 404) are not sent, nor in their 消息中心;
    # the merged citizen and the filer keep theirs.
    assert told(world["stranger"]) == []
    assert len(told(neighbour)) == 2 and len(told(world["citizen"])) == 2


def test_an_item_whose_citizen_refused_publication_cannot_be_followed(client, app, world):  # noqa: F811
    """Following is for items the caller could have been offered: one never published answers as an unknown
    item does (it does not say it exists), and stays unreadable."""
    spot = {"lat": 27.5600, "lng": 109.9900}
    refused = file(client, world["citizen"], world["station_code"], location=spot).json["id"]
    consented = file(client, world["citizen"], world["station_code"], location=spot, public_consent=True).json["id"]
    own = file(client, world["stranger"], world["station_code"], location=spot).json["id"]
    assert screen(app) == 3
    browser = {"Authorization": "Bearer " + client.post("/api/v1/auth/web", json={}).json["token"]}

    unknown = client.post("/api/v1/suggestions/999999/follow", headers=world["stranger"])
    assert (unknown.status_code, unknown.json["error"], unknown.json["message"]) == (404, "not_found", "建议不存在或已办结。")
    for headers in (world["stranger"], browser):
        answer = client.post(f"/api/v1/suggestions/{refused}/follow", headers=headers)
        assert answer.status_code == 404
        assert answer.json == unknown.json
        assert client.get(f"/api/v1/suggestions/{refused}", headers=headers).status_code == 404
        assert refused not in {i["id"] for i in client.get("/api/v1/suggestions", headers=headers).json["items"]}
    assert client.post(f"/api/v1/suggestions/{consented}/follow", headers=browser).status_code == 200
    assert client.get(f"/api/v1/suggestions/{consented}", headers=browser).status_code == 200
    # Their own item the caller may "follow" as before (they are told of it anyway).
    own_followed = client.post(f"/api/v1/suggestions/{own}/follow", headers=world["stranger"])
    assert own_followed.status_code == 200 and own_followed.json["following"] is True


def test_a_browsers_gps_position_is_kept_and_compared_as_chinas_maps_show_it(client, app, world):  # noqa: F811
    """A browser reports GPS (wgs84), hundreds of metres from where the mini-program and the stations'
    maps (gcj02) put the same spot: converted, the same corner is the same corner."""
    corner = {"lat": 27.5600, "lng": 109.9900}  # as WeChat and China's maps place it
    wechat = file(client, world["citizen"], world["station_code"], location=corner, public_consent=True).json["id"]
    screen(app)  # offered to other citizens once its words are screened
    gps_lat, gps_lng = gps_of(corner["lat"], corner["lng"])

    probe = f"/api/v1/suggestions/nearby?category=城市管理&lat={gps_lat}&lng={gps_lng}"
    as_gps = client.get(probe + "&system=wgs84", headers=world["stranger"]).json["items"]
    assert [(i["id"], i["distance_m"] in (50, 100)) for i in as_gps] == [(wechat, True)]  # the same corner: 约 50-100 米
    assert client.get(probe, headers=world["stranger"]).json["items"] == []  # read as gcj02: far off

    browser = file(client, world["citizen"], world["station_code"], content="同一路口，路灯不亮",
                   location={"lat": gps_lat, "lng": gps_lng, "system": "wgs84", "address": "人民路口"})
    assert browser.status_code == 201, browser.json
    kept = browser.json["location"]
    assert (round(kept["lat"], 5), round(kept["lng"], 5), kept["address"]) == (27.56, 109.99, "人民路口")
    assert "system" not in kept

    before = client.get("/api/v1/suggestions?scope=mine", headers=world["citizen"]).json["total"]
    refused = file(client, world["citizen"], world["station_code"], location={**corner, "system": "bd09"})
    assert refused.status_code == 422
    assert refused.json["errors"]["location"] == ["坐标系应为 gcj02 或 wgs84。"]
    assert client.get("/api/v1/suggestions?scope=mine", headers=world["citizen"]).json["total"] == before


@contextmanager
def meanwhile(app, before, statement, **values):
    """Just before this session sends a statement starting with ``before``, another connection commits
    ``statement`` (with ``values``): once, as a concurrent sweep or a deputy's request would."""
    done = []

    def competitor(conn, cursor, sql, parameters, context, executemany):
        if not done and sql.lstrip().startswith(before):
            done.append(True)
            with db.engine.connect() as other:
                other.execute(text(statement), values)
                other.commit()

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", competitor)
    try:
        yield done
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", competitor)


def test_a_sweep_that_loses_an_item_to_another_moves_on(client, app, world):  # noqa: F811
    """Two sweeps at once: the other one closes the item between this one's reading and writing it.
    This one skips it and finishes its run (it used to stop with an error, leaving reminders and
    messages undone)."""
    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    step(client, world["zhang_h"], item_id, "accept")
    step(client, world["zhang_h"], item_id, "reply", content="已处理。")
    shift(app, item_id, replied_dt=utcnow() - timedelta(days=8))
    with meanwhile(app, "UPDATE suggestions SET status",
                   "UPDATE suggestions SET status = 'closed', version = version + 1 WHERE id = :id", id=item_id) as done:
        output = sweep(app)
    assert done and "自动办结 0 条" in output and "消息发送成功" in output
    item = client.get(f"/api/v1/suggestions/{item_id}", headers=world["citizen"]).json
    assert item["status"] == "closed" and "auto_close" not in [e["action"] for e in item["timeline"]]


def test_an_item_accepted_while_the_sweep_runs_is_not_flagged_overdue(client, app, world, wechat_standin):  # noqa: F811
    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    shift(app, item_id, accept_due_dt=utcnow() - timedelta(hours=1))
    with meanwhile(app, "UPDATE suggestions SET overdue",
                   "UPDATE suggestions SET status = 'accepted', reply_due_dt = :due, version = version + 1 WHERE id = :id",
                   id=item_id, due=(utcnow() + timedelta(days=7)).replace(tzinfo=None)) as done:
        output = sweep(app)
    assert done and "新标记超期 0 条" in output
    item = client.get(f"/api/v1/suggestions/{item_id}", headers=world["admin"]).json
    assert item["status"] == "accepted" and item["overdue"] is False
    assert "remind" not in [e["action"] for e in item["timeline"]]
    assert not [m for m in wechat_standin.messages() if m["template_id"] == "tmpl-overdue"]
    assert client.get(f"/api/v1/deputies/{world['zhang'].id}/points", headers=world["zhang_h"]).json["entries"] == []


def test_the_sweep_forgets_idempotency_keys_after_a_day_and_keeps_the_fresh_ones(
        client, app, world, monkeypatch):  # noqa: F811
    from backend import idempotency
    from backend.idempotency import IdempotencyRecord

    monkeypatch.setattr(idempotency, "PURGE_BATCH", 1)  # several batches, as a province's day of keys takes
    old = file(client, world["citizen"] | {"Idempotency-Key": "yesterday"}, world["deputy_code"]).json["id"]
    file(client, world["stranger"] | {"Idempotency-Key": "last-week"}, world["deputy_code"])
    fresh = file(client, world["citizen"] | {"Idempotency-Key": "just-now"}, world["deputy_code"]).json["id"]
    with app.app_context():
        for key, age in (("yesterday", timedelta(hours=25)), ("last-week", timedelta(days=7))):
            db.session.execute(update(IdempotencyRecord).where(IdempotencyRecord.key == key)
                               .values(created_dt=utcnow() - age))
        db.session.commit()

    sweep(app)
    with app.app_context():
        assert db.session.scalars(select(IdempotencyRecord.key)).all() == ["just-now"]
    # A phone retrying within the day still reads its first answer; the expired key files anew.
    assert file(client, world["citizen"] | {"Idempotency-Key": "just-now"}, world["deputy_code"]).json["id"] == fresh
    again = file(client, world["citizen"] | {"Idempotency-Key": "yesterday"}, world["deputy_code"])
    assert again.status_code == 201 and again.json["id"] not in (old, fresh)
