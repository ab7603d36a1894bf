"""注销 (DELETE /me) and the WeChat messages already sent about the citizen: the outbox keeps each as the record
of what was sent, with nothing left in it that names or reaches the person — to the citizen themself, to
the deputy, to the station's administrator (whose messages reach the WeChat user linked to the account).
Nothing is sent again."""
from datetime import datetime, timedelta

from sqlalchemy import select, update

from backend.extensions import db
from backend.notifications.models import OutboxMessage

from .factories import screen
from .test_appointments import CHINA, answer, ask
from .test_personal_data import _rows_holding
from .test_suggestions import delivered, file, step
from .test_suggestions import world  # noqa: F401  (fixture)

TOPIC = "我是赵大明，电话13912345678，反映小区停车"
CONTENT = "我叫刘建国，手机13700002222，楼道灯坏了"
NEEDLES = ["赵大明", "13912345678", "赵先生", "刘建国", "13700002222"]


def test_sent_messages_about_an_erased_citizen_keep_no_name_or_phone(app, client, factory, world, wechat_standin):  # noqa: F811
    from backend.appointments.services import remind_meetings
    from backend.auth.models import User

    headers = world["citizen"]
    linked = factory.wechat_login("chengbei-wechat")  # the WeChat user receiving the station admin's notices
    linked_id = client.get("/api/v1/me", headers=linked).json["id"]
    citizen_id = client.get("/api/v1/me", headers=headers).json["id"]
    with app.app_context():
        db.session.execute(update(User).where(User.username == "chengbei").values(notify_user_id=linked_id))
        db.session.commit()

    item = file(client, headers, world["deputy_code"], content=CONTENT)
    assert item.status_code == 201, item.json
    assert screen(app) == 1
    assert step(client, world["zhang_h"], item.json["id"], "accept").status_code == 200
    asked = ask(client, headers, world["deputy_code"], topic=TOPIC, name="赵先生")
    assert asked.status_code == 201, asked.json
    soon = datetime.now(CHINA) + timedelta(hours=3)
    assert answer(client, world["zhang_h"], asked.json["id"], "confirm", meet_at=soon.isoformat()).status_code == 200
    with app.app_context():
        assert remind_meetings() == 1
        db.session.commit()
    sent = delivered(wechat_standin, app)
    said = " ".join(str(v["value"]) for m in sent for v in m["data"].values())
    for needle in ("赵大明", "赵先生", "刘建国"):
        assert needle in said  # the messages went out with them, before 注销
    with app.app_context():
        before = {m.id: (m.user_id, m.status, m.dedupe_key) for m in db.session.scalars(select(OutboxMessage))}
    assert {user for user, _, _ in before.values()} >= {citizen_id, linked_id}
    assert {status for _, status, _ in before.values()} == {"sent"}
    wechat_standin.clear()

    assert client.delete("/api/v1/me", headers=headers).status_code == 204

    assert _rows_holding(app, NEEDLES) == []
    with app.app_context():
        after = {m.id: m for m in db.session.scalars(select(OutboxMessage))}
        # Each sent message is still there, as sent, to whom it went (the erased citizen's own ones too) …
        assert {i: (m.user_id, m.status, m.dedupe_key) for i, m in after.items() if i in before} == before
        reminder = next(m for m in after.values() if m.dedupe_key.startswith(f"appointment-meeting:{asked.json['id']}:"))
        # … the deputy's meeting reminder without the name, its topic as the appointment's now reads.
        assert reminder.data["thing5"] == "约见群众：群众"
        assert reminder.data["thing1"].startswith("我是***，电话***，")
        to_citizen = [m for m in after.values() if m.user_id == citizen_id and m.template == "appointment_result"]
        assert to_citizen and all(m.data["thing1"].startswith("我是***，电话***，") for m in to_citizen)
        to_admin = [m for m in after.values() if m.user_id == linked_id]
        assert to_admin and all(m.data["thing2"].startswith("我是***，电话***，") for m in to_admin)
        new_item = next(m for m in after.values() if m.template == "new_item")
        assert new_item.data["thing2"].startswith("我叫***，手机***，")
    # … and nothing is sent again: what goes now is the news of the meeting cancelled with the account.
    after_erasure = delivered(wechat_standin, app)
    assert after_erasure and {m["data"]["phrase3"]["value"] for m in after_erasure} == {"已取消"}
    assert not [n for m in after_erasure for v in m["data"].values() for n in NEEDLES if n in str(v["value"])]


def _messages_text(client, headers):
    response = client.get("/api/v1/me/messages", headers=headers)
    assert response.status_code == 200, response.json
    return response.json, " ".join(str(line["value"]) for m in response.json["items"] for line in m["lines"])


def test_a_deputys_previous_wechat_keeps_no_name_or_phone_after_erasure(app, client, factory, world, wechat_standin):  # noqa: F811
    """The deputy moved to a new WeChat account (the phone bound again), which took the deputy's notices
    along, and the station's administrator unlinked the WeChat user their notices reached, a plain citizen
    now whose 消息中心 still holds the messages about the item. 注销 restates those in both: it finds the
    staff's messages by the items' keys, whoever holds them."""
    from backend.auth.models import User

    linked = factory.wechat_login("chengbei-old-wechat")
    linked_id = client.get("/api/v1/me", headers=linked).json["id"]
    with app.app_context():
        db.session.execute(update(User).where(User.username == "chengbei").values(notify_user_id=linked_id))
        db.session.commit()
    item = file(client, world["citizen"], world["deputy_code"], content=CONTENT)  # tells the deputy
    assert item.status_code == 201, item.json
    asked = ask(client, world["citizen"], world["deputy_code"], topic=CONTENT, name="刘先生")  # and the station
    assert asked.status_code == 201, asked.json
    delivered(wechat_standin, app)
    old_deputy = world["zhang_h"]
    for headers in (old_deputy, linked):
        _, said = _messages_text(client, headers)
        assert "刘建国" in said and "13700002222" in said, (headers, _)  # what each was told, before anything moved

    new_deputy = factory.deputy_headers(world["zhang"], js_code="zhang-new-wechat")  # the deputy's phone moves
    with app.app_context():
        db.session.execute(update(User).where(User.username == "chengbei").values(notify_user_id=None))
        db.session.commit()
    assert client.get("/api/v1/me", headers=old_deputy).json["deputy_id"] is None
    assert not _messages_text(client, old_deputy)[0]["items"]  # the deputy's notices went with the deputy

    assert client.delete("/api/v1/me", headers=world["citizen"]).status_code == 204

    for headers in (new_deputy, linked):
        listed, said = _messages_text(client, headers)
        assert listed["items"]  # the record stays
        assert not [n for n in NEEDLES if n in said], said
        assert "我叫***，手机***，" in said, said


def test_the_erasures_search_of_sent_messages_reads_the_dedupe_key_index(app, client, factory, world, wechat_standin):  # noqa: F811
    """At a province's size the outbox holds millions of messages, never purged (it is the 消息中心 too):
    注销 finds the messages about the citizen's items by their keys' prefixes through an index, on
    PostgreSQL whatever the database's collation (the pattern operators' index, ix_outbox_messages_dedupe_prefix),
    on SQLite by a range over the unique key's index. Counted, never timed."""
    from .test_scale_queries import _plan, statements

    item = file(client, world["citizen"], world["deputy_code"], content=CONTENT)
    assert item.status_code == 201, item.json
    delivered(wechat_standin, app)
    with statements(app, with_parameters=True) as sent:
        assert client.delete("/api/v1/me", headers=world["citizen"]).status_code == 204
    reads = [(s, p) for s, p in sent if s.lstrip().startswith("SELECT outbox_messages.id, outbox_messages.template")
             and "outbox_messages.status = " not in s]  # the sent ones too, not the pending ones alone
    assert len(reads) == 1, sent
    with app.app_context():
        dialect = db.engine.dialect.name
    for read in reads:
        plan = _plan(app, *read, ("enable_seqscan",))
        if dialect == "sqlite":
            assert "SCAN outbox_messages" not in plan and "dedupe_key>? AND dedupe_key<?" in plan, plan
        else:
            assert "ix_outbox_messages_dedupe_prefix" in plan and "~>=~" in plan, plan
