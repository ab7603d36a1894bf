"""公开展示内容: an administrator of a closed item its citizen agreed to publish approves the words the public
pages show (redacted again on the way out), or withholds it from them (不予公开); the citizen keeps their words."""
from sqlalchemy import select

from backend.audit.models import AuditEvent
from backend.extensions import db

from .test_suggestions import step, world  # noqa: F401  (fixture)
from .test_web_pages import closed_item

CONTENT = "邻居王建军经常在楼道堆放杂物，堵住了消防通道。"


def put(client, headers, item_id, **body):
    return client.put(f"/api/v1/suggestions/{item_id}/public-text", json=body, headers=headers)


def published(client):
    return client.get("/api/v1/public/suggestions").json["items"]


def audit_actions(app):
    with app.app_context():
        return [(e.action, e.target_id) for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.action.like("public_%")).order_by(AuditEvent.id))]


def test_the_approved_words_replace_the_automatic_redaction_on_the_public_pages(app, client, factory, world):  # noqa: F811
    item = closed_item(client, factory, world["zhang"], CONTENT, True)
    # The automatic redaction missed nothing here, but the station wants the words plainer.
    answer = put(client, world["admin"], item["id"], content="楼道堆放杂物，堵住了消防通道。",
                 reply_content="已督促物业清理，消防通道已畅通。")
    assert answer.status_code == 200, answer.json
    assert answer.json["content"] == "楼道堆放杂物，堵住了消防通道。" and answer.json["public"] is True
    [shown] = published(client)
    assert shown["content"] == "楼道堆放杂物，堵住了消防通道。"
    assert shown["reply_content"] == "已督促物业清理，消防通道已畅通。"
    page = client.get(f"/public/stations/{world['station'].id}").get_data(as_text=True)
    assert "已督促物业清理" in page and "王建军" not in page and "***" not in page
    # The citizen keeps their own words and the deputy's reply; they are not told of the edit.
    own = client.get(f"/api/v1/suggestions/{item['id']}", headers=factory.wechat_login("citizen-wang")).json
    assert own["content"] == CONTENT and own["reply_content"] == "已联系城管局维修，请留意。"
    assert "public_text" not in [e["action"] for e in own["timeline"]]
    staff = client.get(f"/api/v1/suggestions/{item['id']}", headers=world["admin"]).json
    assert [e["action_label"] for e in staff["timeline"]][-1] == "修改公开展示内容"
    assert audit_actions(app) == [("public_text_edited", item["id"])]


def test_approved_words_are_redacted_again(client, factory, world):  # noqa: F811
    item = closed_item(client, factory, world["zhang"], CONTENT, True)
    assert put(client, world["admin"], item["id"], content="楼道堆放杂物，请打 13912345678 联系").status_code == 200
    assert published(client)[0]["content"] == "楼道堆放杂物，请打 *** 联系"
    # Blank again: back to the citizen's words, redacted automatically.
    assert put(client, world["admin"], item["id"], content="  ").json["approved_content"] is None
    assert published(client)[0]["content"] == "邻居***经常在楼道堆放杂物，堵住了消防通道。"


def test_a_withheld_item_is_on_no_public_page_until_published_again(app, client, factory, world):  # noqa: F811
    item = closed_item(client, factory, world["zhang"], CONTENT, True)
    blank = put(client, world["admin"], item["id"], withheld=True, reason=" ")
    assert blank.status_code == 422 and blank.json["message"] == "请填写不予公开的理由。"
    assert published(client)  # nothing changed
    answer = put(client, world["admin"], item["id"], withheld=True, reason="内容涉及特定住户")
    assert answer.status_code == 200 and answer.json["public"] is False and answer.json["withheld"] is True
    assert published(client) == []
    assert "王建军" not in client.get(f"/public/stations/{world['station'].id}").get_data(as_text=True)
    staff = client.get(f"/api/v1/suggestions/{item['id']}", headers=world["admin"]).json
    assert (staff["timeline"][-1]["action_label"], staff["timeline"][-1]["note"]) == ("不予公开", "内容涉及特定住户")
    assert put(client, world["admin"], item["id"]).json["public"] is True
    assert len(published(client)) == 1
    assert audit_actions(app) == [("public_withheld", item["id"]), ("public_text_edited", item["id"])]


def test_only_an_administrator_of_the_item_may_set_it(client, factory, world):  # noqa: F811
    item = closed_item(client, factory, world["zhang"], CONTENT, True)
    deputy = put(client, world["zhang_h"], item["id"], content="改")
    assert deputy.status_code == 403 and deputy.json["error"] == "forbidden"
    assert put(client, factory.wechat_login("citizen-wang"), item["id"], content="改").status_code == 403
    # Those who may not see the item at all are answered as for an item that does not exist (the contract).
    assert put(client, world["other_admin"], item["id"], content="改").status_code == 404
    assert put(client, world["stranger"], item["id"], content="改").status_code == 404
    assert published(client)[0]["content"] == "邻居***经常在楼道堆放杂物，堵住了消防通道。"


def test_an_item_not_consented_or_not_closed_is_409(client, factory, world):  # noqa: F811
    refused = closed_item(client, factory, world["zhang"], CONTENT, False)
    answer = put(client, world["admin"], refused["id"], content="改")
    assert answer.status_code == 409 and "群众未同意公开" in answer.json["message"]
    filed = client.post("/api/v1/suggestions", json={"qr_code": world["deputy_code"], "category": "城市管理",
                                                     "content": CONTENT, "public_consent": True},
                        headers=world["citizen"]).json
    open_item = put(client, world["admin"], filed["id"], content="改")
    assert open_item.status_code == 409 and open_item.json["message"] == "当前状态为“待接单”，不能修改公开展示内容。"


def test_over_long_text_is_422_in_chinese_and_changes_nothing(client, factory, world):  # noqa: F811
    item = closed_item(client, factory, world["zhang"], CONTENT, True)
    answer = put(client, world["admin"], item["id"], content="字" * 1001)
    assert answer.status_code == 422 and "1000" in answer.json["errors"]["content"][0]
    reply = put(client, world["admin"], item["id"], reply_content="字" * 2001)
    assert reply.status_code == 422 and "2000" in reply.json["errors"]["reply_content"][0]
    assert published(client)[0]["content"] == "邻居***经常在楼道堆放杂物，堵住了消防通道。"


def test_a_follower_reads_the_approved_words_and_not_those_of_a_withheld_item(client, factory, world):  # noqa: F811
    kept = client.post("/api/v1/suggestions", json={"qr_code": world["deputy_code"], "category": "城市管理",
                                                    "content": CONTENT, "public_consent": True},
                       headers=world["citizen"]).json["id"]
    duplicate = client.post("/api/v1/suggestions", json={"qr_code": world["station_code"], "category": "城市管理",
                                                         "content": "楼道堆满杂物"}, headers=world["stranger"]).json["id"]
    assert step(client, world["admin"], duplicate, "merge", into_id=kept).status_code == 200
    assert put(client, world["admin"], kept, content="改").status_code == 409  # not closed yet
    assert step(client, world["zhang_h"], kept, "accept").status_code == 200
    assert step(client, world["zhang_h"], kept, "reply", content="已联系物业清理。").status_code == 200
    assert step(client, world["citizen"], kept, "rate", satisfaction="satisfied").json["status"] == "closed"
    assert put(client, world["admin"], kept, content="楼道堆放杂物。", reply_content="已清理。").status_code == 200

    def listed():
        items = client.get("/api/v1/suggestions", headers=world["stranger"]).json["items"]
        return {i["id"]: i["content"] for i in items}

    assert listed()[kept] == "楼道堆放杂物。"
    followed = client.get(f"/api/v1/suggestions/{kept}", headers=world["stranger"]).json
    assert followed["content"] == "楼道堆放杂物。" and "public_text" not in [e["action"] for e in followed["timeline"]]
    # The answer on their timeline is the approved one too, not the deputy's words redacted automatically.
    assert followed["reply_content"] == "已清理。"
    assert [e["note"] for e in followed["timeline"] if e["action"] == "reply"] == ["已清理。"]
    assert put(client, world["admin"], kept, withheld=True, reason="涉及特定住户").status_code == 200
    # Withheld (不予公开): the citizen it was merged from keeps following it, without its words.
    assert listed()[kept] is None
    withheld = client.get(f"/api/v1/suggestions/{kept}", headers=world["stranger"]).json
    assert (withheld["content"], withheld["status"]) == (None, "closed")
    assert withheld["merged_from_mine"][0]["content"] == "楼道堆满杂物"


def test_erasure_masks_the_citizens_phone_in_the_approved_words_too(client, factory, world):  # noqa: F811
    from .factories import screen

    citizen = world["citizen"]
    item_id = client.post("/api/v1/suggestions", json={
        "qr_code": world["deputy_code"], "category": "城市管理", "content": "井盖丢了", "public_consent": True,
        "contact_phone": "13912345678"}, headers=citizen).json["id"]
    screen(factory.app)
    assert step(client, world["zhang_h"], item_id, "accept").status_code == 200
    assert step(client, world["zhang_h"], item_id, "reply", content="井盖已补装。").status_code == 200
    assert step(client, citizen, item_id, "rate", satisfaction="satisfied").json["status"] == "closed"
    # Grouped so that only the item's known contact phone finds it (redact_item_text).
    assert put(client, world["admin"], item_id, content="有事找我1391 2345 678，井盖丢了",
               reply_content="已按1391 2345 678回访，井盖已补装。").status_code == 200
    expected = ("有事找我***，井盖丢了", "已按***回访，井盖已补装。")
    assert tuple(published(client)[0][k] for k in ("content", "reply_content")) == expected
    assert client.delete("/api/v1/me", headers=citizen).status_code == 204  # 注销: the contact phone goes
    assert tuple(published(client)[0][k] for k in ("content", "reply_content")) == expected
