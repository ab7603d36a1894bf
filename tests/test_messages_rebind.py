"""消息中心 follows the role: a deputy who binds their phone from a new WeChat account, or a console account
whose WeChat link moves to another WeChat user, takes its staff notices along; the citizen's own stay."""
from datetime import timedelta

from sqlalchemy import select

from backend.auth.models import User
from backend.db_types import utcnow
from backend.extensions import db
from backend.notifications.models import OutboxMessage

from .factories import screen
from .test_console_suggestions import console_login
from .test_suggestion_sweep_stats import shift, sweep
from .test_suggestions import file, step, world  # noqa: F401  (fixture)
from .test_wechat_link import link, new_link_code

API = "/api/v1/me/messages"


def titles(client, headers):
    page = client.get(API, headers=headers)
    assert page.status_code == 200, page.json
    return [(m["title"], m["lines"][0]["value"]) for m in page.json["items"]]


def filed_and_screened(app, client, headers, code, content="小区门口路灯坏了一个月，晚上很黑。"):
    item = file(client, headers, code, content=content)
    assert item.status_code == 201, item.json
    screen(app)
    return item.json


def test_a_deputy_on_a_new_wechat_account_takes_the_deputys_notices_and_leaves_their_own(
        app, client, factory, world, wechat_standin):  # noqa: F811
    old = world["zhang_h"]
    to_zhang = filed_and_screened(app, client, world["citizen"], world["deputy_code"])  # 新的群众建议 to 张伟
    # 张伟 is a citizen too: his own suggestion to 李娜, accepted (建议已受理, his own notice).
    own = filed_and_screened(app, client, old, world["li"].qr_code, content="我家楼下井盖松动了，请尽快处理。")
    assert step(client, world["li_h"], own["id"], "accept").status_code == 200
    to_li = filed_and_screened(app, client, world["stranger"], world["li"].qr_code, content="公园路灯不亮。")
    li_before = titles(client, world["li_h"])
    assert ("新的群众建议", to_li["number"]) in li_before
    assert sorted(titles(client, old)) == sorted([("新的群众建议", to_zhang["number"]), ("建议已受理", own["number"])])

    new = factory.deputy_headers(world["zhang"], "zhang-new-phone")

    assert titles(client, new) == [("新的群众建议", to_zhang["number"])]
    assert titles(client, old) == [("建议已受理", own["number"])]
    assert client.get(f"{API}/unread-count", headers=new).json["unread"] == 1
    assert titles(client, world["li_h"]) == li_before  # nothing moves for anyone else
    with app.app_context():  # not sent yet: it goes to the new account
        row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.template == "new_item",
                                                            OutboxMessage.data["character_string1"].as_string()
                                                            == to_zhang["number"]))
        assert row.status == "pending" and db.session.get(User, row.user_id).openid == "fake-openid-zhang-new-phone"
    sweep(app)
    assert [m["touser"] for m in wechat_standin.messages() if m["template_id"] == "tmpl-new-item"
            and m["data"]["character_string1"]["value"] == to_zhang["number"]] == ["fake-openid-zhang-new-phone"]


def test_the_new_account_can_then_act_on_the_moved_notice(app, client, factory, world):  # noqa: F811
    to_zhang = filed_and_screened(app, client, world["citizen"], world["deputy_code"])
    new = factory.deputy_headers(world["zhang"], "zhang-new-phone")
    assert step(client, new, to_zhang["id"], "accept").status_code == 200
    assert titles(client, world["zhang_h"]) == []


def test_a_console_accounts_relinked_wechat_takes_its_reminders_and_leaves_their_own(
        app, client, factory, world, wechat_standin):  # noqa: F811
    console = console_login(app, "chengbei")
    admin_wang = factory.wechat_login("admin-wang")
    assert link(client, admin_wang, new_link_code(console)[0]).status_code == 200
    late = filed_and_screened(app, client, world["citizen"], world["deputy_code"])
    shift(app, late["id"], accept_due_dt=utcnow() - timedelta(hours=1))
    sweep(app)  # 超期 to 张伟 and to the station's administrator (admin-wang)
    # admin-wang is a citizen too, with a suggestion of his own to 李娜, accepted.
    own = filed_and_screened(app, client, admin_wang, world["li"].qr_code, content="我家楼下井盖松动了，请尽快处理。")
    assert step(client, world["li_h"], own["id"], "accept").status_code == 200
    zhang_before = titles(client, world["zhang_h"])
    assert ("建议办理超期提醒", late["number"]) in zhang_before
    assert sorted(titles(client, admin_wang)) == sorted([("建议办理超期提醒", late["number"]), ("建议已受理", own["number"])])

    admin_li = factory.wechat_login("admin-li")
    assert link(client, admin_li, new_link_code(console)[0]).status_code == 200

    assert titles(client, admin_li) == [("建议办理超期提醒", late["number"])]
    assert titles(client, admin_wang) == [("建议已受理", own["number"])]
    assert titles(client, world["zhang_h"]) == zhang_before  # the deputy's own copy stays his

    # Linking the same WeChat user again, or a retry of the code, moves nothing back.
    assert link(client, admin_li, new_link_code(console)[0]).status_code == 200
    assert titles(client, admin_li) == [("建议办理超期提醒", late["number"])]


def test_an_unlinked_wechat_keeps_none_of_the_accounts_notices_and_the_next_linked_one_takes_them(
        app, client, factory, world, wechat_standin):  # noqa: F811
    """解除绑定 then a new link ends as 改绑 does: the account's notices leave the unlinked WeChat user at once
    (read by nobody in between, the one not sent yet sent to nobody) and reach the WeChat user it links next."""
    from .test_appointments import ask
    from .test_console_suggestions import csrf_token

    console = console_login(app, "chengbei")
    admin_wang = factory.wechat_login("admin-wang")
    assert link(client, admin_wang, new_link_code(console)[0]).status_code == 200
    late = filed_and_screened(app, client, world["citizen"], world["deputy_code"])
    shift(app, late["id"], accept_due_dt=utcnow() - timedelta(hours=1))
    sweep(app)  # 超期, sent to admin-wang
    own = filed_and_screened(app, client, admin_wang, world["li"].qr_code, content="我家楼下井盖松动了，请尽快处理。")
    assert step(client, world["li_h"], own["id"], "accept").status_code == 200
    assert ask(client, world["citizen"], world["deputy_code"]).status_code == 201  # 约见, not sent yet
    assert {title for title, _ in titles(client, admin_wang)} == {"建议办理超期提醒", "建议已受理", "约见代表通知"}

    unlinked = console.post("/console/wechat/unlink", data={"csrf_token": csrf_token(console, "/console/wechat")})
    assert unlinked.status_code == 302
    assert titles(client, admin_wang) == [("建议已受理", own["number"])]  # their own alone
    wechat_standin.clear()
    sweep(app)
    # The 约见 not sent yet reaches nobody; admin-wang's own 已受理 reaches him.
    sent = wechat_standin.messages()
    assert [m["template_id"] for m in sent if m["touser"] == "fake-openid-admin-wang"] == ["tmpl-accepted"]
    assert all(m["touser"] for m in sent)
    assert [m["touser"] for m in sent if m["template_id"] == "tmpl-appointment"] == [
        f"fake-openid-deputy{world['zhang'].id}"]

    admin_li = factory.wechat_login("admin-li")
    assert link(client, admin_li, new_link_code(console)[0]).status_code == 200
    assert {title for title, _ in titles(client, admin_li)} == {"建议办理超期提醒", "约见代表通知"}
    assert titles(client, admin_wang) == [("建议已受理", own["number"])]


def test_a_wechat_user_linking_an_account_takes_nothing_from_anyone(app, client, factory, world):  # noqa: F811
    late = filed_and_screened(app, client, world["citizen"], world["deputy_code"])
    shift(app, late["id"], accept_due_dt=utcnow() - timedelta(hours=1))
    sweep(app)  # no WeChat linked: the administrator's reminder is kept for the console's 消息; 张伟's is his
    zhang_before = titles(client, world["zhang_h"])
    console = console_login(app, "chengbei")
    first = factory.wechat_login("admin-wang")
    assert link(client, first, new_link_code(console)[0]).status_code == 200
    # The account's own reminder comes along (as it would after an unlink), nobody else's.
    assert titles(client, first) == [("建议办理超期提醒", late["number"])]
    assert titles(client, world["zhang_h"]) == zhang_before


def test_which_of_a_deputys_notices_move_is_read_off_each_notices_addressee(app, client, factory, world):  # noqa: F811
    """Every template a deputy is sent (keys as the modules write them) moves; a citizen's stays, and so does
    what reached the same WeChat user for a console account it linked."""
    zhang = world["zhang"]
    own = filed_and_screened(app, client, world["zhang_h"], world["li"].qr_code, content="我家楼下井盖松动了。")
    with app.app_context():
        old = db.session.scalar(select(User).where(User.deputy_id == zhang.id))
        account = db.session.scalar(select(User).where(User.username == "chengbei"))
        account.notify_user_id = old.id
        keys = {  # dedupe key → moves with the deputy
            f"new_item:9:1:assigned-1:{old.id}": True, f"overdue:9:1:overdue-accept:{old.id}": True,
            f"supervised:9:1:supervised-by-admin:{old.id}": True, f"reopened:9:1:reopened:{old.id}": True,
            f"reopened:{own['id']}:1:reopened:{old.id}": False,  # his own item reopened: his as its citizen
            f"overdue:9:1:overdue-accept:{account.id}": False,  # the linked console account's
            f"activity:4:{zhang.id}:dispatched": True, f"activity_claim:4:{zhang.id}": True,
            f"activity_reminder:4:{zhang.id}:remind": True,
            f"appointment:3:new:{old.id}": True, f"appointment:3:new:{account.id}": False,
            f"appointment-meeting:3:meeting-1:{old.id}": True, "appointment-result:3:confirmed": False,
            "research:5:accepted": True, f"research:team:2:member:{zhang.id}": True,
            f"research:5:submitted:1:{account.id}": False,
            "answer:opinion:7:1": False, f"accepted:{own['id']}:1:accepted:{old.id}": False,
        }
        for key in keys:
            template = {"appointment-meeting": "appointment_result", "appointment-result": "appointment_result"}.get(
                key.split(":")[0], key.split(":")[0])
            db.session.add(OutboxMessage(dedupe_key=key, user_id=old.id, template=template,
                                         data={"thing1": key}, page=""))
        db.session.commit()
        old_id = old.id

    new = factory.deputy_headers(zhang, "zhang-new-phone")

    with app.app_context():
        rows = dict(db.session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.user_id).where(
            OutboxMessage.dedupe_key.in_(list(keys)))).all())
        new_id = db.session.scalar(select(User.id).where(User.deputy_id == zhang.id))
    assert {key for key, moved in keys.items() if rows[key] == new_id} == {key for key, moved in keys.items() if moved}
    assert {key for key, moved in keys.items() if rows[key] == old_id} == {key for key, moved in keys.items() if not moved}
    assert len(client.get(API, headers=new, query_string={"per_page": 50}).json["items"]) == sum(keys.values())


def test_which_notices_follow_a_console_accounts_link_is_read_off_each_notices_addressee(
        app, client, factory, world):  # noqa: F811
    console = console_login(app, "chengbei")
    wang = factory.wechat_login("admin-wang")
    assert link(client, wang, new_link_code(console)[0]).status_code == 200
    with app.app_context():
        old = db.session.scalar(select(User).where(User.openid == "fake-openid-admin-wang"))
        account = db.session.scalar(select(User).where(User.username == "chengbei"))
        keys = {  # dedupe key → moves with the account
            f"overdue:9:1:overdue-accept:{account.id}": True, f"supervised:9:1:rounds-exhausted:{account.id}": True,
            f"appointment:3:new:{account.id}": True, f"research:5:submitted:2:{account.id}": True,
            f"research:5:returned:{account.id}": False,  # a lead's notice whose round reads like the account's id
            f"overdue:8:1:overdue-accept:{old.id}": False, f"accepted:8:1:accepted:{old.id}": False,
            f"overdue:7:1:overdue-accept:{account.id + 1000}": False,  # another account's
        }
        for key in keys:
            db.session.add(OutboxMessage(dedupe_key=key, user_id=old.id, template=key.split(":")[0],
                                         data={"thing1": key}, page=""))
        db.session.commit()
        old_id = old.id

    li = factory.wechat_login("admin-li")
    assert link(client, li, new_link_code(console)[0]).status_code == 200

    with app.app_context():
        rows = dict(db.session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.user_id).where(
            OutboxMessage.dedupe_key.in_(list(keys)))).all())
        new_id = db.session.scalar(select(User.id).where(User.openid == "fake-openid-admin-li"))
    assert {key for key in keys if rows[key] == new_id} == {key for key, moved in keys.items() if moved}
    assert {key for key in keys if rows[key] == old_id} == {key for key, moved in keys.items() if not moved}


def correct_phone(client, factory, world, phone):
    """The county's administrator sets 张伟's phone to ``phone`` (None: cleared)."""
    if "hecheng" not in world:
        world["hecheng"] = factory.headers_for_admin(factory.admin("hecheng", region=world["tree"]["hc"]))
    admin = world["hecheng"]
    corrected = client.patch(f"/api/v1/deputies/{world['zhang'].id}", json={"phone": phone}, headers=admin)
    assert corrected.status_code == 200, corrected.json
    return corrected


def test_a_corrected_phone_unbinds_the_wechat_user_who_proved_the_old_one(
        app, client, factory, world, wechat_standin):  # noqa: F811
    """The binding follows the phone that proved it: once an administrator corrects a deputy's phone, the
    WeChat user bound through the old number is a citizen again, its notices as the deputy leave it (the one
    not sent yet is sent to nobody), its own stay, and whoever proves the new number is the deputy."""
    from backend.audit.models import AuditEvent
    from .test_appointments import ask

    old = world["zhang_h"]
    to_zhang = filed_and_screened(app, client, world["citizen"], world["deputy_code"])
    own = filed_and_screened(app, client, old, world["li"].qr_code, content="我家楼下井盖松动了，请尽快处理。")
    assert step(client, world["li_h"], own["id"], "accept").status_code == 200
    meeting = ask(client, world["citizen"], world["deputy_code"], name="王先生").json  # 约见, not sent yet
    assert {title for title, _ in titles(client, old)} == {"新的群众建议", "建议已受理", "约见代表通知"}

    correct_phone(client, factory, world, "13800009999")

    me = client.get("/api/v1/me", headers=old).json
    assert (me["roles"], me["deputy_id"]) == (["citizen"], None)
    refused = client.get(f"/api/v1/appointments/{meeting['id']}", headers=old)
    assert refused.status_code == 404 and refused.json["error"] == "not_found"
    assert client.get("/api/v1/appointments?scope=handling", headers=old).status_code == 403
    assert titles(client, old) == [("建议已受理", own["number"])]  # their own alone
    # Proving the old number again makes nobody the deputy.
    again = client.post("/api/v1/auth/bind-phone", json={"code": "phone-13800000003"}, headers=old)
    assert again.status_code == 200 and again.json["user"]["roles"] == ["citizen"]
    wechat_standin.clear()
    sweep(app)
    assert [m["template_id"] for m in wechat_standin.messages()
            if m["touser"] == f"fake-openid-deputy{world['zhang'].id}"] == ["tmpl-accepted"]  # their own
    with app.app_context():
        logged = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "deputy_unbound")).all()
        assert [(e.target_type, e.target_id, e.actor_username, e.detail) for e in logged] == [
            ("deputy", world["zhang"].id, "hecheng", {"phone": "138****0003", "reason": "手机号已更改"})]

    new = factory.wechat_login("zhang-real")
    bound = client.post("/api/v1/auth/bind-phone", json={"code": "phone-13800009999"}, headers=new)
    assert bound.json["user"]["roles"] == ["citizen", "deputy"]
    # The deputy's notices were held for them: listed to whoever proves the new number, the 约见 that waited
    # still sent to nobody.
    assert sorted(titles(client, new)) == sorted([("新的群众建议", to_zhang["number"]), ("约见代表通知", meeting["number"])])
    wechat_standin.clear()
    sweep(app)
    assert [m for m in wechat_standin.messages() if m["template_id"] == "tmpl-appointment"] == []
    assert client.get(f"/api/v1/appointments/{meeting['id']}", headers=new).status_code == 200
    assert step(client, new, to_zhang["id"], "accept").status_code == 200


def test_a_cleared_phone_unbinds_too_and_an_unchanged_one_keeps_the_binding(
        app, client, factory, world):  # noqa: F811
    from backend.audit.models import AuditEvent

    correct_phone(client, factory, world, "13800000003")  # sent back unchanged
    assert client.get("/api/v1/me", headers=world["zhang_h"]).json["deputy_id"] == world["zhang"].id
    correct_phone(client, factory, world, None)
    assert client.get("/api/v1/me", headers=world["zhang_h"]).json["roles"] == ["citizen"]
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "deputy_unbound")) == {
            "phone": "138****0003", "reason": "手机号已清除"}


def test_the_deputy_proving_their_new_number_on_the_same_wechat_is_the_deputy_again(
        app, client, factory, world):  # noqa: F811
    old = world["zhang_h"]
    correct_phone(client, factory, world, "13800009999")
    bound = client.post("/api/v1/auth/bind-phone", json={"code": "phone-13800009999"}, headers=old)
    assert bound.status_code == 200 and bound.json["user"]["deputy_id"] == world["zhang"].id


def test_the_console_list_the_wechat_page_and_the_handover_agree_on_an_accounts_notices(
        app, client, factory, world, wechat_standin):  # noqa: F811
    """Which notices are a console account's is one rule, read by three: the console's 消息 lists them, the
    linked WeChat user's 消息 (and the WeChat send) opens no page for them, a new link takes them along. Each
    key below is one of them or not; the three must agree on every one."""
    console = console_login(app, "chengbei")
    wang = factory.wechat_login("admin-wang")
    assert link(client, wang, new_link_code(console)[0]).status_code == 200
    with app.app_context():
        old = db.session.scalar(select(User).where(User.openid == "fake-openid-admin-wang"))
        account = db.session.scalar(select(User).where(User.username == "chengbei"))
        a, o = account.id, old.id
        # dedupe key (template: its first part) → (the account's, another account's: either opens no page)
        keys = {
            f"new_item:9:1:assigned:{a}": (True, False), f"reopened:9:2:reopened:{a}": (True, False),
            f"overdue:9:1:overdue-accept:{a}": (True, False), f"supervised:9:1:rounds-exhausted:{a}": (True, False),
            f"appointment:3:new:{a}": (True, False), f"research:5:submitted:2:{a}": (True, False),
            f"research:5:returned:{a}": (False, False),  # a lead's, its round reading like the account's id
            f"research:5:submitted:{a}0": (False, True),  # another account's id, ending with this one's digits
            f"new_item:9:1:assigned:1{a}": (False, True), f"overdue:9:1:overdue-accept:{a + 1000}": (False, True),
            f"overdue:8:1:overdue-accept:{o}": (False, False),  # wang's own, as an administrator in his own right
            f"accepted:8:1:accepted:{a}": (False, False),  # a citizen's template
            f"activity:4:{a}:dispatched": (False, False), f"appointment:4:new:{o}": (False, False),
        }
        for n, key in enumerate(keys):
            db.session.add(OutboxMessage(dedupe_key=key, user_id=o, template=key.split(":")[0],
                                         data={"thing1": f"通知{n:02d}号"}, page="pages/item/index?id=9"))
        db.session.commit()
    label = {key: f"通知{n:02d}号" for n, key in enumerate(keys)}
    theirs = {key for key, (mine, _) in keys.items() if mine}
    pageless = theirs | {key for key, (_, others) in keys.items() if others}

    listed = console.get("/console/messages", query_string={"per_page": 50}).get_data(as_text=True)
    assert {key for key in keys if label[key] in listed} == theirs
    items = client.get(API, headers=wang, query_string={"per_page": 50}).json["items"]
    shown = {m["lines"][0]["value"]: m["page"] for m in items}
    assert {key for key in keys if shown[label[key]] == ""} == pageless
    sweep(app)
    sent = {m["data"]["thing1"]["value"]: m.get("page") for m in wechat_standin.messages()
            if m["touser"] == "fake-openid-admin-wang"}
    assert set(sent) == set(label.values())
    assert {key for key in keys if not sent[label[key]]} == pageless

    li = factory.wechat_login("admin-li")
    assert link(client, li, new_link_code(console)[0]).status_code == 200
    with app.app_context():
        new_id = db.session.scalar(select(User.id).where(User.openid == "fake-openid-admin-li"))
        rows = dict(db.session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.user_id).where(
            OutboxMessage.dedupe_key.in_(list(keys)))).all())
    assert {key for key in keys if rows[key] == new_id} == theirs


def not_sent_anywhere(wechat_standin, *numbers):
    """No 新的群众建议 or 约见代表通知 about ``numbers`` (their 建议编号 or 约见编号) went to anyone."""
    return not [m for m in wechat_standin.messages() if m["template_id"] in ("tmpl-new-item", "tmpl-appointment")
                and m["data"].get("character_string1", {}).get("value") in numbers]


def test_a_deputy_unbound_in_the_console_finds_their_notices_on_the_wechat_they_bind_next(
        app, client, factory, world, wechat_standin):  # noqa: F811
    """解除绑定 deleted the deputy's notices: they are the deputy's, not the WeChat user's. They leave the
    unbound WeChat user at once (their own stay), are listed to whoever proves the deputy's number next, and
    the ones WeChat had not sent yet are sent to nobody: neither to the unbound openid nor to the new one."""
    from .test_appointments import ask
    from .test_console_suggestions import csrf_token

    zhang, old = world["zhang"], world["zhang_h"]
    old_openid = f"fake-openid-deputy{zhang.id}"
    sent_before = filed_and_screened(app, client, world["citizen"], world["deputy_code"])
    sweep(app)  # 新的群众建议, sent to 张伟's WeChat
    assert [m["touser"] for m in wechat_standin.messages() if m["template_id"] == "tmpl-new-item"] == [old_openid]
    not_sent = filed_and_screened(app, client, world["stranger"], world["deputy_code"], content="公园路灯不亮。")
    meeting = ask(client, world["citizen"], world["deputy_code"], name="王先生").json  # 约见, not sent yet
    own = filed_and_screened(app, client, old, world["li"].qr_code, content="我家楼下井盖松动了，请尽快处理。")
    assert step(client, world["li_h"], own["id"], "accept").status_code == 200  # 建议已受理: his own
    deputys = {("新的群众建议", sent_before["number"]), ("新的群众建议", not_sent["number"]),
               ("约见代表通知", meeting["number"])}
    assert set(titles(client, old)) == deputys | {("建议已受理", own["number"])}

    factory.admin("hecheng", region=world["tree"]["hc"])
    console = console_login(app, "hecheng")
    path = f"/console/deputies/{zhang.id}"
    unbound = console.post(f"{path}/unbind", data={"csrf_token": csrf_token(console, path)})
    assert unbound.status_code == 302

    assert titles(client, old) == [("建议已受理", own["number"])]  # their own alone
    assert client.get(f"{API}/unread-count", headers=old).json["unread"] == 1
    wechat_standin.clear()
    sweep(app)
    # Only his own 已受理 reaches the unbound WeChat; the deputy's two waiting notices reach nobody.
    assert [m["template_id"] for m in wechat_standin.messages() if m["touser"] == old_openid] == ["tmpl-accepted"]
    assert not_sent_anywhere(wechat_standin, not_sent["number"], meeting["number"])
    # The unbound WeChat proving the number again is refused, and gets none of the held notices.
    refused = client.post("/api/v1/auth/bind-phone", json={"code": "phone-13800000003"}, headers=old)
    assert (refused.status_code, refused.json["error"], refused.json["message"]) == (
        403, "forbidden", "该微信已被管理员解除与此代表的绑定，如需重新绑定请联系联络站管理员。")
    assert titles(client, old) == [("建议已受理", own["number"])]

    new = factory.wechat_login("zhang-new-phone")
    bound = client.post("/api/v1/auth/bind-phone", json={"code": "phone-13800000003"}, headers=new)
    assert bound.status_code == 200 and bound.json["user"]["deputy_id"] == zhang.id
    assert set(titles(client, new)) == deputys
    assert client.get(f"{API}/unread-count", headers=new).json["unread"] == 3
    assert titles(client, old) == [("建议已受理", own["number"])]
    # The notice still opens the item, which the new WeChat, now the deputy, may act on.
    opened = next(m for m in client.get(API, headers=new).json["items"]
                  if m["lines"][0]["value"] == not_sent["number"])
    assert opened["page"].endswith(str(not_sent["id"]))
    assert step(client, new, not_sent["id"], "accept").status_code == 200
    wechat_standin.clear()
    sweep(app)
    # What waited when the deputy was unbound is not sent late to the new WeChat either.
    assert not_sent_anywhere(wechat_standin, not_sent["number"], meeting["number"])
    assert wechat_standin.messages() != []  # the sweep sent what it had: 已受理 to the citizen
    with app.app_context():
        waited = db.session.execute(select(OutboxMessage.status, OutboxMessage.last_error).join(
            User, User.id == OutboxMessage.user_id).where(
            User.openid == "fake-openid-zhang-new-phone", OutboxMessage.template.in_(("new_item", "appointment")),
            OutboxMessage.data["character_string1"].as_string().in_([not_sent["number"], meeting["number"]]))).all()
    assert [status for status, _ in waited] == ["failed", "failed"]


def test_a_deputys_notices_follow_them_through_a_new_wechat_an_unbinding_and_another_wechat(
        app, client, factory, world):  # noqa: F811
    """A notice moved to a deputy's new WeChat still names the first one in its key: it is the deputy's all the
    same when that one is unbound in turn, and the next WeChat to prove the number lists it."""
    to_zhang = filed_and_screened(app, client, world["citizen"], world["deputy_code"])
    second = factory.deputy_headers(world["zhang"], "zhang-second")
    assert titles(client, second) == [("新的群众建议", to_zhang["number"])]
    correct_phone(client, factory, world, "13800009999")
    assert titles(client, second) == []
    third = factory.wechat_login("zhang-third")
    assert client.post("/api/v1/auth/bind-phone", json={"code": "phone-13800009999"},
                       headers=third).json["user"]["deputy_id"] == world["zhang"].id
    assert titles(client, third) == [("新的群众建议", to_zhang["number"])]
    # And it still opens the item, which the deputy may act on from there.
    assert client.get(API, headers=third).json["items"][0]["page"].endswith(f"id={to_zhang['id']}")
    fourth = factory.wechat_login("zhang-fourth")  # the number proved once more: moved again
    assert client.post("/api/v1/auth/bind-phone", json={"code": "phone-13800009999"}, headers=fourth).status_code == 200
    assert titles(client, fourth) == [("新的群众建议", to_zhang["number"])] and titles(client, third) == []


def test_a_wechat_unbound_in_the_console_stays_unbound_until_the_deputys_phone_is_corrected(
        app, client, factory, world):  # noqa: F811
    """解除绑定 holds against the same WeChat user (its phone button still proves the unchanged number);
    correcting the deputy's phone lifts it: the number proved from then on is the new one."""
    from .test_console_suggestions import csrf_token

    zhang, old = world["zhang"], world["zhang_h"]
    world["hecheng"] = factory.headers_for_admin(factory.admin("hecheng", region=world["tree"]["hc"]))
    console = console_login(app, "hecheng")
    path = f"/console/deputies/{zhang.id}"
    assert console.post(f"{path}/unbind", data={"csrf_token": csrf_token(console, path)}).status_code == 302
    for _ in range(2):
        refused = client.post("/api/v1/auth/bind-phone", json={"code": "phone-13800000003"}, headers=old)
        assert refused.status_code == 403
        assert refused.json["message"] == "该微信已被管理员解除与此代表的绑定，如需重新绑定请联系联络站管理员。"
    me = client.get("/api/v1/me", headers=old).json
    assert (me["roles"], me["deputy_id"]) == (["citizen"], None)
    # The refusal is this WeChat's for this deputy alone: it still proves other deputies' numbers.
    li = client.post("/api/v1/auth/bind-phone", json={"code": f"phone-{world['li'].phone}"}, headers=old)
    assert li.status_code == 200 and li.json["user"]["deputy_id"] == world["li"].id

    correct_phone(client, factory, world, "13800009999")
    bound = client.post("/api/v1/auth/bind-phone", json={"code": "phone-13800009999"}, headers=old)
    assert bound.status_code == 200 and bound.json["user"]["deputy_id"] == zhang.id
    assert "已被管理员解除绑定的微信" not in console.get(path).get_data(as_text=True)


def test_a_wechat_unbound_in_the_console_is_still_refused_after_cancelling_its_account_and_signing_in_again(
        app, client, factory, world):  # noqa: F811
    """注销 clears the openid, and signing in again with the same WeChat makes a new user: the refusal follows
    the WeChat account (its openid, hashed), not the user row, until 允许重新绑定."""
    from .test_console_suggestions import csrf_token

    zhang, old = world["zhang"], world["zhang_h"]
    factory.admin("hecheng", region=world["tree"]["hc"])
    console = console_login(app, "hecheng")
    path = f"/console/deputies/{zhang.id}"
    assert console.post(f"{path}/unbind", data={"csrf_token": csrf_token(console, path)}).status_code == 302
    assert client.delete("/api/v1/me", headers=old).status_code == 204
    again = factory.wechat_login(f"deputy{zhang.id}")  # the same WeChat account: a new user
    assert client.get("/api/v1/me", headers=again).json["id"] != client.get("/api/v1/me", headers=old).json.get("id")
    refused = client.post("/api/v1/auth/bind-phone", json={"code": "phone-13800000003"}, headers=again)
    assert (refused.status_code, refused.json["message"]) == (
        403, "该微信已被管理员解除与此代表的绑定，如需重新绑定请联系联络站管理员。")

    allowed = console.post(f"{path}/allow-rebinding", data={"csrf_token": csrf_token(console, path)})
    assert allowed.status_code == 302
    bound = client.post("/api/v1/auth/bind-phone", json={"code": "phone-13800000003"}, headers=again)
    assert bound.status_code == 200 and bound.json["user"]["deputy_id"] == zhang.id


def test_a_wechat_bound_as_one_deputy_then_as_another_leaves_the_first_deputys_notices_for_them(
        app, client, factory, world, wechat_standin):  # noqa: F811
    """A station clerk's phone binds 张伟, then 周涛 (another deputy helped to bind on it): 张伟's notices (a
    citizen's words) are held for 张伟, not kept on a WeChat now bound as someone else, and whoever proves 张伟's
    number next reads them; the one WeChat had not sent yet is sent to nobody."""
    zhou = factory.deputy(world["tree"]["hc"], "周涛", phone="13800000009", stations=[world["station"]])
    clerk = world["zhang_h"]
    to_zhang = filed_and_screened(app, client, world["citizen"], world["deputy_code"],
                                  content="村里灌溉水渠堵塞，地里缺水。")
    own = filed_and_screened(app, client, clerk, world["li"].qr_code, content="我家楼下井盖松动了，请尽快处理。")
    assert step(client, world["li_h"], own["id"], "accept").status_code == 200  # 建议已受理: the clerk's own
    assert sorted(titles(client, clerk)) == sorted([("新的群众建议", to_zhang["number"]), ("建议已受理", own["number"])])

    rebound = client.post("/api/v1/auth/bind-phone", json={"code": "phone-13800000009"}, headers=clerk)
    assert rebound.status_code == 200 and rebound.json["user"]["deputy_id"] == zhou.id

    assert titles(client, clerk) == [("建议已受理", own["number"])]  # their own stays
    assert client.get(f"/api/v1/suggestions/{to_zhang['id']}", headers=clerk).status_code == 404
    wechat_standin.clear()
    sweep(app)
    assert not_sent_anywhere(wechat_standin, to_zhang["number"])

    zhang_own = factory.deputy_headers(world["zhang"], "zhang-own-phone")
    assert titles(client, zhang_own) == [("新的群众建议", to_zhang["number"])]
    assert titles(client, clerk) == [("建议已受理", own["number"])]
