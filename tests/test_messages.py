"""消息中心 through the HTTP API: every notice the server sends a user in WeChat is also in the user's own list,
with an unread count for the badge, whether WeChat delivered it or the user never consented (43101)."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from backend.config import FAKE_TEMPLATES
from backend.db_types import utcnow
from backend.extensions import db
from backend.notifications import center
from backend.notifications.models import OutboxMessage
from backend.notifications.outbox import deliver_due, purge_finished, restate_under, withdraw

from .factories import screen
from .test_suggestions import file, step

API = "/api/v1/me/messages"


@pytest.fixture
def world(app, factory):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[station])
    return {"app": app, "zhang": zhang, "station": station, "deputy": factory.deputy_headers(zhang), "citizen": factory.wechat_login("citizen-wang"),
            "stranger": factory.wechat_login("citizen-zhao"), "refuser": factory.wechat_login("refuser")}


def filed_accepted_replied(client, world, citizen):
    item = file(client, citizen, world["zhang"].qr_code).json
    screen(world["app"])  # the text cleared: the deputy is told (新的群众建议)
    assert step(client, world["deputy"], item["id"], "accept").status_code == 200
    replied = step(client, world["deputy"], item["id"], "reply", content="已联系城管部门，路灯本周修好。")
    assert replied.status_code == 200, replied.json
    return item


def unread(client, headers):
    response = client.get(f"{API}/unread-count", headers=headers)
    assert response.status_code == 200, response.json
    return response.json["unread"]


def lines(message):
    return [f"{line['label']}：{line['value']}" for line in message["lines"]]


def test_a_citizen_reads_accepted_and_replied_and_marks_them_read(client, world):
    item = filed_accepted_replied(client, world, world["citizen"])
    citizen = world["citizen"]

    page = client.get(API, headers=citizen).json
    assert page["total"] == 2 and page["page"] == 1 and page["per_page"] == 20 and page["unread"] == 2
    replied, accepted = page["items"]  # newest first
    assert [replied["title"], accepted["title"]] == ["代表已答复", "建议已受理"]
    assert lines(accepted)[:3] == [f"建议编号：{item['number']}", "建议内容：小区门口路灯坏了一个月，晚上很黑。",
                                   "办理状态：办理中"]
    assert lines(accepted)[3] == "提示：代表已接单，正在办理"
    assert lines(accepted)[4].startswith("时间：20")
    assert lines(replied)[2:4] == ["办理状态：已答复", "提示：代表已答复，请查看并评价"]
    assert replied["page"] == accepted["page"] == f"pages/suggestion/detail?id={item['id']}"
    assert replied["read"] is False and replied["created_at"].endswith("+00:00")
    assert unread(client, citizen) == 2

    # The deputy's own notice (新的群众建议) is theirs alone.
    deputy_page = client.get(API, headers=world["deputy"]).json
    assert [m["title"] for m in deputy_page["items"]] == ["新的群众建议"]
    assert client.get(API, headers=world["stranger"]).json == {"items": [], "total": 0, "page": 1, "per_page": 20,
                                                               "unread": 0}

    answer = client.post(f"{API}/read", json={"ids": [accepted["id"]]}, headers=citizen)
    assert answer.status_code == 200 and answer.json == {"read": 1, "unread": 1}
    assert unread(client, citizen) == 1
    page = client.get(API, headers=citizen).json
    assert [m["read"] for m in page["items"]] == [False, True]
    assert [m["title"] for m in client.get(API, query_string={"unread": "true"}, headers=citizen).json["items"]] == ["代表已答复"]

    # Another user's ids are passed over: nothing of theirs changes, nothing says the id exists.
    deputy_message = deputy_page["items"][0]["id"]
    answer = client.post(f"{API}/read", json={"ids": [deputy_message, replied["id"]]}, headers=world["stranger"])
    assert answer.status_code == 200 and answer.json == {"read": 0, "unread": 0}
    assert unread(client, world["deputy"]) == 1 and unread(client, citizen) == 1

    answer = client.post(f"{API}/read", json={"all": True}, headers=citizen)
    assert answer.json == {"read": 1, "unread": 0}
    assert unread(client, citizen) == 0 and unread(client, world["deputy"]) == 1
    # Read again: nothing changes.
    assert client.post(f"{API}/read", json={"ids": [accepted["id"]]}, headers=citizen).json == {"read": 0, "unread": 0}
    assert client.get(API, query_string={"unread": "true"}, headers=citizen).json["total"] == 0


def test_pages_newest_first(client, world):
    citizen = world["citizen"]
    filed_accepted_replied(client, world, citizen)
    filed_accepted_replied(client, world, citizen)
    ids = [m["id"] for m in client.get(API, headers=citizen).json["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 4
    second = client.get(API, query_string={"page": 2, "per_page": 3}, headers=citizen).json
    assert [m["id"] for m in second["items"]] == ids[3:] and second["total"] == 4


def test_a_message_wechat_refused_is_still_listed(app, client, world, wechat_standin):
    filed_accepted_replied(client, world, world["refuser"])
    with app.app_context():
        deliver_due()
        statuses = db.session.scalars(select(OutboxMessage.status).where(
            OutboxMessage.template.in_(["accepted", "replied"]))).all()
    assert statuses == ["refused", "refused"]  # 43101: the user never consented
    page = client.get(API, headers=world["refuser"]).json
    assert [m["title"] for m in page["items"]] == ["代表已答复", "建议已受理"] and page["unread"] == 2


def test_a_withdrawn_message_is_gone_and_a_restated_one_reads_as_restated(app, client, world):
    item = filed_accepted_replied(client, world, world["citizen"])
    with app.app_context():
        assert withdraw("accepted", f"accepted:{item['id']}:") == 1  # news no longer true: dropped before sending
        restated = restate_under([("replied", f"replied:{item['id']}:")],
                                 lambda template, key, data: data | {"thing2": "小区门口路灯坏了***"})
        assert restated == 1
        db.session.commit()
    page = client.get(API, headers=world["citizen"]).json
    assert [m["title"] for m in page["items"]] == ["代表已答复"] and page["total"] == 1 and page["unread"] == 1
    assert lines(page["items"][0])[1] == "建议内容：小区门口路灯坏了***"
    assert unread(client, world["citizen"]) == 1


def test_a_rejected_item_is_titled_so(client, world, factory):
    item = file(client, world["citizen"], world["zhang"].qr_code).json
    admin = factory.headers_for_admin(factory.admin("chengbei", stations=[world["station"]]))
    assert step(client, admin, item["id"], "reject", reason="不属于人大代表履职范围").status_code == 200
    message = client.get(API, headers=world["citizen"]).json["items"][0]
    assert message["title"] == "建议不予受理"
    assert "办理状态：不予受理" in lines(message) and "提示：不予受理：不属于人大代表履职范围" in lines(message)


def test_every_template_has_a_title_and_its_fields_labels(app, client, world):
    assert set(center.TITLES) == set(FAKE_TEMPLATES)
    assert set(center.LABELS) == set(FAKE_TEMPLATES)
    # Whatever a template carries reads as 字段：值 in WeChat's order, a field not in the table as its value alone.
    assert center.lines_of("answer", {"time4": "2026-11-28 10:00", "thing1": "民生实事", "phrase2": "已采纳",
                                      "thing3": "已列为民生实事票决候选项目"}) == [
        {"label": "事项", "value": "民生实事"}, {"label": "结果", "value": "已采纳"},
        {"label": "说明", "value": "已列为民生实事票决候选项目"}, {"label": "时间", "value": "2026-11-28 10:00"}]
    assert center.lines_of("activity_claim", {"number5": {"value": "3"}, "thing1": "视察"}) == [
        {"label": "活动名称", "value": "视察"}, {"label": "剩余名额", "value": "3"}]


@pytest.mark.parametrize("body, field", [
    ({"ids": ["1"]}, "ids"),
    ({"ids": [1.5]}, "ids"),
    ({"ids": [True]}, "ids"),
    ({"ids": list(range(1, 102))}, "ids"),
    ({"ids": []}, "ids"),
    ({"all": False}, "all"),
    ({"all": "on"}, "all"),  # only JSON true marks every message read: no form value, text or number
    ({"all": "true"}, "all"),
    ({"all": 1}, "all"),
    ({"all": "1"}, "all"),
    ({"all": True, "ids": [1]}, "ids"),
    ({}, "ids"),
    ({"every": True}, "every"),
])
def test_bad_input_is_refused_in_chinese_and_marks_nothing(client, world, body, field):
    filed_accepted_replied(client, world, world["citizen"])
    response = client.post(f"{API}/read", json=body, headers=world["citizen"])
    assert response.status_code == 422, response.json
    assert response.json["error"] == "validation_failed" and field in response.json["errors"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json["message"])
    if field == "all":
        assert response.json["errors"]["all"] == ["全部已读时 all 应为 true。"], response.json
    assert unread(client, world["citizen"]) == 2


def test_no_body_and_bad_query_are_refused(client, world):
    citizen = world["citizen"]
    response = client.post(f"{API}/read", headers=citizen)
    assert response.status_code == 422 and response.json["error"] == "validation_failed"
    response = client.get(API, query_string={"per_page": 101}, headers=citizen)
    assert response.status_code == 422 and "per_page" in response.json["errors"]
    response = client.get(API, query_string={"unread": "maybe"}, headers=citizen)
    assert response.status_code == 422 and "unread" in response.json["errors"]


def test_not_logged_in_is_401(client):
    for response in (client.get(API), client.get(f"{API}/unread-count"),
                     client.post(f"{API}/read", json={"all": True})):
        assert response.status_code == 401 and response.json["error"] == "unauthorized"


def test_the_list_and_the_badge_read_their_indexes(app, client, world):
    """At a province's size (millions of messages) a page is the first entries of the user's part of
    ix_outbox_messages_user_newest, and the badge one count over ix_outbox_messages_unread, never a read of
    every message; Alembic cannot compare the second's condition with the model. Counted, never timed."""
    from .test_scale_queries import _plan, statements

    filed_accepted_replied(client, world, world["citizen"])
    with statements(app, with_parameters=True) as sent:
        assert client.get(API, headers=world["citizen"]).status_code == 200
    page = [(s, p) for s, p in sent if "FROM outbox_messages" in s and "LIMIT" in s]
    count = [(s, p) for s, p in sent if "count(*)" in s and "read_dt IS NULL" in s]
    assert len(page) == 1 and len(count) == 1
    assert "ix_outbox_messages_user_newest" in _plan(app, *page[0], ("enable_seqscan", "enable_sort"))
    # On these few rows either index is as cheap: the newest-first one is left out to ask whether the
    # partial index's condition matches the count's at all
    assert "ix_outbox_messages_unread" in _plan(app, *count[0], ("enable_seqscan",),
                                                 ("ix_outbox_messages_user_newest",))


def test_a_page_of_read_messages_is_counted_from_the_indexes_not_by_reading_them(app, client, world):
    """A busy user's list (a deputy's, a station administrator's: tens of thousands of messages, most of them
    read): its ``total`` — which the mini-program pages and compares by — is counted with the badge in one
    statement from the indexes (all the user's, the unread ones), the read ones as their difference, never by
    reading each of the user's rows to test whether it was read."""
    from .test_scale_queries import _plan, statements

    citizen = world["citizen"]
    filed_accepted_replied(client, world, citizen)
    filed_accepted_replied(client, world, citizen)
    first = client.get(API, headers=citizen).json["items"][-1]["id"]
    client.post(f"{API}/read", json={"ids": [first]}, headers=citizen)
    for unread_only, total in (("false", 1), ("true", 3), (None, 4)):
        with statements(app, with_parameters=True) as sent:
            body = client.get(API, query_string={"unread": unread_only} if unread_only else {}, headers=citizen).json
        assert (body["total"], body["unread"], len(body["items"])) == (total, 3, total), unread_only
        reads = [(s, p) for s, p in sent if "FROM outbox_messages" in s]
        assert len(reads) == 2 and not any("read_dt IS NOT NULL" in s and "count(" in s for s, _ in reads), unread_only
    counts = [(s, p) for s, p in reads if "count(" in s]
    assert len(counts) == 1
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        # A busy user's shape: a thousand messages read beside the three unread, and the table's statistics
        # said, so the planner weighs the two indexes as it does in service (on three rows they cost the same,
        # and it may take either).
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO outbox_messages (dedupe_key, user_id, deputy_id, template, data, page, status, attempts, "
                "next_attempt_dt, last_error, created_dt, sent_dt, read_dt) "
                "SELECT dedupe_key || ':read:' || g, user_id, deputy_id, template, data, page, status, attempts, "
                "next_attempt_dt, last_error, created_dt, sent_dt, now() "
                "FROM outbox_messages, generate_series(1, 1000) AS g WHERE id = :first"), {"first": first})
            conn.execute(text("ANALYZE outbox_messages"))
        plan = _plan(app, *counts[0], ("enable_seqscan", "enable_bitmapscan"))
        # An index scan, only-index or not: which of the two the planner picks depends on how much of the
        # table autovacuum has marked all-visible, which a test cannot control.
        assert re.search(r"Index (Only )?Scan using ix_outbox_messages_user_newest", plan), plan
        assert "ix_outbox_messages_unread" in plan, plan


def test_the_sweep_deletes_messages_finished_past_the_retention_and_keeps_the_rest(app, client, world):
    """A province's outbox grows by millions a year: the sweep deletes the messages sent, refused or given
    up on more than OUTBOX_RETENTION_DAYS ago (gone from 消息中心 too), never one still to be sent, however
    old, nor one finished since."""
    filed_accepted_replied(client, world, world["citizen"])
    filed_accepted_replied(client, world, world["refuser"])
    with app.app_context():
        deliver_due()
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        old = utcnow() - timedelta(days=app.config["OUTBOX_RETENTION_DAYS"] + 1)
        # the citizen's 已受理 and 代表已答复, and the refuser's 已受理 (43101)
        sent_long_ago, sent_lately = (next(m for m in rows if m.status == "sent" and m.template == template)
                                      for template in ("accepted", "replied"))
        refused_long_ago = next(m for m in rows if m.status == "refused")
        pending_long_ago = OutboxMessage(dedupe_key="test:pending", user_id=sent_lately.user_id, template="accepted",
                                         data=sent_lately.data, status="pending", next_attempt_dt=old, created_dt=old)
        db.session.add(pending_long_ago)
        for message in (sent_long_ago, refused_long_ago):
            message.next_attempt_dt = message.created_dt = old
        sent_lately.next_attempt_dt = utcnow() - timedelta(days=app.config["OUTBOX_RETENTION_DAYS"] - 1)
        db.session.commit()
        gone = {sent_long_ago.id, refused_long_ago.id}
        kept = {m.id for m in rows} - gone | {pending_long_ago.id}

    output = app.test_cli_runner().invoke(args=["sweep"]).output
    assert "删除超过保存期限的消息 2 条" in output, output
    with app.app_context():
        assert set(db.session.scalars(select(OutboxMessage.id))) == kept
        assert purge_finished() == 0
    citizen_page = client.get(API, headers=world["citizen"]).json
    # the old 已受理 gone; the one still to be sent (added last) and the recent 代表已答复 listed
    assert [(m["id"], m["title"]) for m in citizen_page["items"]] == [
        (pending_long_ago.id, "建议已受理"), (sent_lately.id, "代表已答复")]


def test_the_purge_reads_the_due_index_not_every_message(app, client, world):
    """At a province's size (millions of messages) each batch the purge deletes is found in
    ix_outbox_messages_due, never by reading every message. Counted, never timed."""
    from .test_scale_queries import _plan, statements

    filed_accepted_replied(client, world, world["citizen"])
    with app.app_context(), statements(app, with_parameters=True) as sent:
        purge_finished()
    purge = [(s, p) for s, p in sent if s.lstrip().startswith("DELETE FROM outbox_messages")]
    assert len(purge) == 1
    plan = _plan(app, *purge[0], ("enable_seqscan",))
    assert "ix_outbox_messages_due" in plan, plan

