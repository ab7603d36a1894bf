"""Station administrators sign in to the console with a password; their WeChat reminders go to the
mini-program user they link by scanning a one-time code shown in the console."""
import base64
import io
import re
from datetime import timedelta

import zxingcpp
from PIL import Image
from sqlalchemy import update

from backend.auth.models import WeChatLinkCode
from backend.db_types import utcnow
from backend.extensions import db

from .test_console_suggestions import console_login, csrf_token
from .test_password_policy import change_initial_password
from .test_suggestion_sweep_stats import shift, sweep
from .test_suggestions import file, world  # noqa: F401  (fixture)

CODE = re.compile(r'<strong class="code">([A-Z0-9-]+)</strong>')
IMAGE = re.compile(r'<img class="link-code" src="data:image/png;base64,([^"]+)"')


def new_link_code(console):
    page = console.post("/console/wechat/code", data={"csrf_token": csrf_token(console, "/console/wechat")})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return CODE.search(html).group(1), html


def link(client, headers, code):
    return client.post("/api/v1/me/admin-link", json={"code": code}, headers=headers)


def overdue_recipients(wechat_standin):
    return {m["touser"] for m in wechat_standin.messages() if m["template_id"] == "tmpl-overdue"}


def test_a_station_admin_links_wechat_in_the_console_and_gets_overdue_reminders(
        app, client, factory, world, wechat_standin):  # noqa: F811
    console = console_login(app, "chengbei")
    page = console.get("/console/wechat").get_data(as_text=True)
    assert "尚未绑定微信" in page
    # What reaches a linked WeChat, said for both kinds of account (a region's: the reports to review)
    assert "转办工单不满意转入督办" in page and "调研报告提交、待审核" in page
    code, html = new_link_code(console)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    # The mini-program code a phone scans opens the link page with the code as its scene.
    image = Image.open(io.BytesIO(base64.b64decode(IMAGE.search(html).group(1))))
    scene = code.replace("-", "")
    assert [b.text for b in zxingcpp.read_barcodes(image)] == [f"wxacode:pages/link/link?scene={scene}"]

    admin_phone = factory.wechat_login("admin-wang")
    linked = link(client, admin_phone, scene)
    assert linked.status_code == 200, linked.json
    assert linked.json["account"]["username"] == "chengbei"
    assert "已绑定微信" in console.get("/console/wechat").get_data(as_text=True)

    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    shift(app, item_id, accept_due_dt=utcnow() - timedelta(hours=1))
    sweep(app)
    assert overdue_recipients(wechat_standin) == {f"fake-openid-deputy{world['zhang'].id}", "fake-openid-admin-wang"}

    # Unlinked in the console: the next reminder goes to the deputy only.
    wechat_standin.clear()
    unlink = console.post("/console/wechat/unlink", data={"csrf_token": csrf_token(console, "/console/wechat")})
    assert unlink.status_code == 302
    assert "尚未绑定微信" in console.get("/console/wechat").get_data(as_text=True)
    item_id = file(client, world["citizen"], world["deputy_code"], content="第二条：井盖松动").json["id"]
    shift(app, item_id, accept_due_dt=utcnow() - timedelta(hours=1))
    sweep(app)
    assert overdue_recipients(wechat_standin) == {f"fake-openid-deputy{world['zhang'].id}"}


def test_a_linked_administrators_notice_opens_no_mini_program_page(app, client, factory, world, wechat_standin):  # noqa: F811
    """The linked WeChat user holds no administrator's role in the mini-program: the item's page would answer
    「建议不存在。」. The administrator's reminder is sent, and listed in 消息, without a page (they handle it in
    the console); the deputy's reminder of the same item still opens the item."""
    console = console_login(app, "chengbei")
    code, _ = new_link_code(console)
    admin_phone = factory.wechat_login("admin-wang")
    assert link(client, admin_phone, code).status_code == 200
    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    shift(app, item_id, accept_due_dt=utcnow() - timedelta(hours=1))
    sweep(app)
    sent = {m["touser"]: m for m in wechat_standin.messages() if m["template_id"] == "tmpl-overdue"}
    assert "page" not in sent["fake-openid-admin-wang"]
    assert sent[f"fake-openid-deputy{world['zhang'].id}"]["page"] == f"pages/suggestion/detail?id={item_id}"
    listed = client.get("/api/v1/me/messages", headers=admin_phone).json["items"]
    assert [(m["title"], m["page"]) for m in listed] == [("建议办理超期提醒", "")]
    assert client.get(f"/api/v1/suggestions/{item_id}", headers=admin_phone).status_code == 404


def test_a_link_code_works_once_for_one_wechat_user_and_not_after_ten_minutes(app, client, factory, world):  # noqa: F811
    console = console_login(app, "chengbei")
    code, _ = new_link_code(console)
    first, second = factory.wechat_login("admin-wang"), factory.wechat_login("someone-else")

    typed = code.lower().replace("-", " ")  # typed by hand: any case, spaces or dashes
    assert link(client, first, typed).status_code == 200
    assert link(client, first, code).status_code == 200, "a retry from the same phone answers the same"
    taken = link(client, second, code)
    assert taken.status_code == 422
    assert taken.json["errors"] == {"code": ["绑定码无效或已过期，请在管理后台重新生成。"]}
    assert "已绑定微信" in console.get("/console/wechat").get_data(as_text=True)

    # A new code replaces the old one; an expired one is refused; neither changes the link.
    replaced, _ = new_link_code(console)
    newest, _ = new_link_code(console)
    assert link(client, second, replaced).status_code == 422
    with app.app_context():
        db.session.execute(update(WeChatLinkCode).values(expires_dt=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert link(client, second, newest).status_code == 422
    assert link(client, second, "NOPE-NOPE-NOPE").status_code == 422


def test_only_a_mini_program_user_can_link_and_bad_bodies_are_refused(app, client, factory, world):  # noqa: F811
    console = console_login(app, "chengbei")
    code, _ = new_link_code(console)
    refused = link(client, world["admin"], code)  # a console account's own API token has no WeChat behind it
    assert refused.status_code == 403
    assert refused.json == {"error": "forbidden", "message": "请在微信小程序中扫描管理后台显示的绑定码。"}
    browser = client.post("/api/v1/auth/web", json={}).json["token"]
    assert link(client, {"Authorization": f"Bearer {browser}"}, code).status_code == 403
    assert client.post("/api/v1/me/admin-link", json={"code": code}).status_code == 401
    phone = factory.wechat_login("admin-wang")
    for body in ({}, {"code": ""}, {"code": "x" * 33}, {"code": 12}, {"code": code, "extra": 1}):
        answer = client.post("/api/v1/me/admin-link", json=body, headers=phone)
        assert answer.status_code == 422 and answer.json["error"] == "validation_failed", body
    assert link(client, phone, code).status_code == 200, "the refusals above used nothing up"


def test_a_disabled_station_admin_is_not_reminded(app, client, factory, world, wechat_standin):  # noqa: F811
    """停用: the account's linked WeChat is told nothing more of the station's items until it is enabled."""
    console = console_login(app, "chengbei")
    code, _ = new_link_code(console)
    assert link(client, factory.wechat_login("admin-wang"), code).status_code == 200
    huaihua = factory.admin("huaihua", region=world["tree"]["hh"])  # over the station's region
    clerk = client.get("/api/v1/me", headers=world["admin"]).json["id"]
    answer = client.patch(f"/api/v1/admins/{clerk}", json={"disabled": True}, headers=factory.headers_for_admin(huaihua))
    assert answer.status_code == 200, answer.json

    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    shift(app, item_id, accept_due_dt=utcnow() - timedelta(hours=1))
    sweep(app)
    assert overdue_recipients(wechat_standin) == {f"fake-openid-deputy{world['zhang'].id}"}


def test_an_administrators_notice_queued_with_a_page_before_the_rule_opens_none(app, client, factory, world, wechat_standin):  # noqa: F811
    """Notices queued for a console account before its notices went without a page (``outbox.enqueue``) still
    hold one in the outbox: 消息 lists them, and WeChat is sent them, without it all the same; the linked
    WeChat user's own notices keep theirs."""
    from backend.auth.models import User
    from backend.notifications.models import OutboxMessage

    console = console_login(app, "chengbei")
    code, _ = new_link_code(console)
    admin_phone = factory.wechat_login("admin-wang")
    assert link(client, admin_phone, code).status_code == 200
    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    account = db.session.scalar(db.select(User).where(User.username == "chengbei"))
    wang = db.session.scalar(db.select(User).where(User.openid == "fake-openid-admin-wang"))
    page = f"pages/suggestion/detail?id={item_id}"
    data = {"character_string1": "X1", "thing2": "路灯不亮", "phrase3": "待接单", "thing4": "已超期",
            "time5": "2026-11-28 10:00"}
    research = {"thing1": "社区养老调研", "phrase2": "待审核", "thing3": "提交了调研报告", "time4": "2026-11-28 10:00"}
    rows = [  # as queued before: the account's notices reaching its linked user, with the item's page
        ("overdue", f"overdue:{item_id}:1:accept:{account.id}", data, page),
        ("research", f"research:7:submitted:1:{account.id}", research, "pages/research/team?id=3"),
        # the linked user's own notice (they filed an item themselves): its page stays
        ("accepted", f"accepted:{item_id}:1:accepted:{wang.id}", data, page),
    ]
    for template, key, values, opens in rows:
        db.session.add(OutboxMessage(user_id=wang.id, template=template, dedupe_key=key, data=values, page=opens,
                                     status="pending", attempts=0, next_attempt_dt=utcnow(), last_error="",
                                     created_dt=utcnow()))
    db.session.commit()

    listed = client.get("/api/v1/me/messages", headers=admin_phone).json["items"]
    assert [(m["template"], m["page"]) for m in listed] == [("accepted", page), ("research", ""), ("overdue", "")]
    wechat_standin.clear()
    sweep(app)
    sent = {m["template_id"]: m for m in wechat_standin.messages() if m["touser"] == "fake-openid-admin-wang"}
    assert "page" not in sent["tmpl-overdue"] and "page" not in sent["tmpl-research"]
    assert sent["tmpl-accepted"]["page"] == page


def test_disabling_and_a_password_reset_end_the_accounts_wechat_link(app, client, factory, world):  # noqa: F811
    """停用 and 重置密码 hand the account to someone else: the WeChat user the former holder linked keeps none
    of its notices and gets none of the successor's, also once the account is enabled again; the
    successor links their own WeChat."""
    from .test_appointments import ask

    console = console_login(app, "chengbei")
    staffer = factory.wechat_login("staffer-personal")
    assert link(client, staffer, new_link_code(console)[0]).status_code == 200
    assert ask(client, world["citizen"], world["station_code"], topic="想反映邻居张三13912345678占道").status_code == 201
    assert [m["title"] for m in client.get("/api/v1/me/messages", headers=staffer).json["items"]] == ["约见代表通知"]
    huaihua = factory.headers_for_admin(factory.admin("huaihua", region=world["tree"]["hh"]))
    clerk = client.get("/api/v1/me", headers=world["admin"]).json["id"]

    disabled = client.patch(f"/api/v1/admins/{clerk}", json={"disabled": True}, headers=huaihua)
    assert disabled.status_code == 200, disabled.json
    assert client.get("/api/v1/me/messages", headers=staffer).json["items"] == []
    reset = client.post(f"/api/v1/admins/{clerk}/password", json={"password": "newpassword456"}, headers=huaihua)
    assert reset.status_code == 204
    assert client.patch(f"/api/v1/admins/{clerk}", json={"disabled": False}, headers=huaihua).status_code == 200

    asked = ask(client, world["stranger"], world["station_code"], topic="新管理员任内的约见，电话13700001111")
    assert asked.status_code == 201
    assert client.get("/api/v1/me/messages", headers=staffer).json["items"] == []
    successor = change_initial_password(console_login(app, "chengbei", "newpassword456"), "newpassword456")
    page = successor.get("/console/wechat").get_data(as_text=True)
    assert "尚未绑定微信" in page and "账号被上级管理员停用或重置密码时，绑定随之解除" in page
    # The successor's own WeChat, once linked, gets the account's notices: the one the former holder's had
    # and the one kept on the account while no WeChat was linked (the console's 消息 lists both meanwhile).
    assert [m["title"] for m in client.get("/api/v1/me/messages", headers=staffer).json["items"]] == []
    own = factory.wechat_login("successor-personal")
    assert link(client, own, new_link_code(successor)[0]).status_code == 200
    assert [m["title"] for m in client.get("/api/v1/me/messages", headers=own).json["items"]] == ["约见代表通知"] * 2


def test_a_password_reset_alone_ends_the_link(app, client, factory, world):  # noqa: F811
    console = console_login(app, "chengbei")
    staffer = factory.wechat_login("staffer-personal")
    assert link(client, staffer, new_link_code(console)[0]).status_code == 200
    huaihua = factory.headers_for_admin(factory.admin("huaihua", region=world["tree"]["hh"]))
    clerk = client.get("/api/v1/me", headers=world["admin"]).json["id"]
    reset = client.post(f"/api/v1/admins/{clerk}/password", json={"password": "newpassword456"}, headers=huaihua)
    assert reset.status_code == 204
    successor = change_initial_password(console_login(app, "chengbei", "newpassword456"), "newpassword456")
    assert "尚未绑定微信" in successor.get("/console/wechat").get_data(as_text=True)
