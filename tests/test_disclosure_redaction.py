"""Audit 34: what another citizen or the public reads of an item carries no name or phone number of its filer,
however they were written (findings 1 and 4): the public disclosure list and pages, a follower's view and
the messages followers receive."""
from .factories import screen
from .test_suggestions import delivered, file, step, world  # noqa: F401  (fixture)

CONTENT = "我的名字是王小明，家门口的下水道井盖丢了，晚上很危险。有事请打我家座机：0745—2345678，或找我1391 2345 678"
REDACTED_CONTENT = "我的名字是***，家门口的下水道井盖丢了，晚上很危险。有事请打我家座机：***，或找我***"
REPLY = "经与反映人王小明沟通，已于11月26日补装井盖并设置警示标志。回访电话139—1234—5678。"
REDACTED_REPLY = "经与反映人***沟通，已于11月26日补装井盖并设置警示标志。回访电话***。"


def test_a_published_item_shows_no_name_or_phone_however_written(client, app, world):  # noqa: F811
    """A closed item its citizen agreed to publish: the public list and the deputy's and station's public
    pages show its words and its reply without the name after 名字是 / 反映人 and without the phone numbers
    typed with full-width dashes, nor the contact phone the item was filed with, grouped as the citizen
    grouped it (1391 2345 678)."""
    item_id = file(client, world["citizen"], world["deputy_code"], content=CONTENT, contact_phone="13912345678",
                   public_consent=True).json["id"]
    assert step(client, world["zhang_h"], item_id, "accept").status_code == 200
    assert step(client, world["zhang_h"], item_id, "reply", content=REPLY, implemented=True).status_code == 200
    assert step(client, world["citizen"], item_id, "rate", satisfaction="satisfied").status_code == 200
    screen(app)

    listed = client.get(f"/api/v1/public/suggestions?deputy_id={world['zhang'].id}")
    assert listed.status_code == 200
    assert [(i["content"], i["reply_content"]) for i in listed.json["items"]] == [(REDACTED_CONTENT, REDACTED_REPLY)]
    for page in (f"/public/deputies/{world['zhang'].id}", f"/public/stations/{world['station'].id}"):
        html = client.get(page).get_data(as_text=True)
        assert "经与反映人***沟通" in html and "我的名字是***" in html
        assert "王小明" not in html and "2345678" not in html and "1391 2345 678" not in html and "1234—5678" not in html
    # The citizen and the deputy still read the words as written.
    own = client.get(f"/api/v1/suggestions/{item_id}", headers=world["citizen"]).json
    assert (own["content"], own["reply_content"]) == (CONTENT, REPLY)


def test_a_follower_reads_an_open_item_without_the_name_or_phone(client, app, world, wechat_standin):  # noqa: F811
    """Another citizen following an open item reads it, and its notices, as the public would."""
    item_id = file(client, world["citizen"], world["deputy_code"], content=CONTENT, contact_phone="13912345678",
                   location={"lat": 27.5600, "lng": 109.9900}, public_consent=True).json["id"]
    screen(app)
    nearby = client.get("/api/v1/suggestions/nearby?lat=27.56&lng=109.99&category=城市管理", headers=world["stranger"])
    assert [i["content"] for i in nearby.json["items"]] == [REDACTED_CONTENT[:100]]
    assert client.post(f"/api/v1/suggestions/{item_id}/follow", headers=world["stranger"]).status_code == 200
    assert step(client, world["zhang_h"], item_id, "accept").status_code == 200

    seen = client.get(f"/api/v1/suggestions/{item_id}", headers=world["stranger"]).json
    assert seen["content"] == REDACTED_CONTENT
    accepted = {m["touser"]: m["data"]["thing2"]["value"] for m in delivered(wechat_standin, app)
                if m["template_id"] == "tmpl-accepted"}
    assert accepted["fake-openid-citizen-zhao"] == "我的名字是***，家门口的下水道井盖丢…"
    assert accepted["fake-openid-citizen-wang"] == "我的名字是王小明，家门口的下水道井盖丢…"


def test_a_rejection_reason_reaches_followers_redacted_and_the_filer_as_written(client, app, world, wechat_standin):  # noqa: F811
    """不予受理 (audit 34, finding 4): followers are told the reason without the name and phone the
    administrator wrote in it, in WeChat and in their 消息中心, as their timeline shows it; the filer is told
    the reason as written."""
    item_id = file(client, world["citizen"], world["station_code"], content="小区门口共享单车乱停，堵住盲道。",
                   public_consent=True).json["id"]
    screen(app)
    assert client.post(f"/api/v1/suggestions/{item_id}/follow", headers=world["stranger"]).status_code == 200
    reason = "已电话联系刘建华（13912345678），单车由运营企业清理"
    assert step(client, world["admin"], item_id, "reject", reason=reason).status_code == 200

    told = {m["touser"]: m["data"]["thing4"]["value"] for m in delivered(wechat_standin, app)
            if m["template_id"] == "tmpl-replied"}
    assert told == {"fake-openid-citizen-zhao": "不予受理：已电话联系***（***），…",
                    "fake-openid-citizen-wang": "不予受理：已电话联系刘建华（13912…"}

    follower_messages = client.get("/api/v1/me/messages", headers=world["stranger"]).json["items"]
    assert [m["title"] for m in follower_messages] == ["建议不予受理"]
    assert {"label": "提示", "value": "不予受理：已电话联系***（***），…"} in follower_messages[0]["lines"]
    assert "刘建华" not in str(follower_messages) and "13912" not in str(follower_messages)
    timeline = client.get(f"/api/v1/suggestions/{item_id}", headers=world["stranger"]).json["timeline"]
    assert [e["note"] for e in timeline if e["action"] == "reject"] == ["已电话联系***（***），单车由运营企业清理"]

    filer_messages = client.get("/api/v1/me/messages", headers=world["citizen"]).json["items"]
    assert {"label": "提示", "value": "不予受理：已电话联系刘建华（13912…"} in filer_messages[0]["lines"]


GROUPED = "有事找我1391 2345 678，井盖丢了"  # the contact phone as the citizen grouped it (4-4-3)
GROUPED_REPLY = "已按1391 2345 678电话回访，井盖已补装。"


def test_after_erasure_the_contact_phone_stays_masked_however_grouped(client, app, world, wechat_standin):  # noqa: F811
    """注销 (audit 35, finding 1): the contact phone an item was filed with is masked, in any grouping, where a
    follower reads the item; once 注销 clears it from the item, its words, the deputy's reply quoting it and
    the notice still waiting for the deputy keep it masked: the follower still reads ***, the deputy now
    does too, and no row holds the number."""
    from .test_personal_data import _rows_holding

    item_id = file(client, world["citizen"], world["deputy_code"], content=GROUPED, contact_phone="13912345678",
                   location={"lat": 27.5600, "lng": 109.9900}, public_consent=True).json["id"]
    screen(app)  # the text cleared: the deputy's 新建议 notice, quoting it, waits to be sent
    assert client.post(f"/api/v1/suggestions/{item_id}/follow", headers=world["stranger"]).status_code == 200
    assert step(client, world["zhang_h"], item_id, "accept").status_code == 200
    assert step(client, world["zhang_h"], item_id, "reply", content=GROUPED_REPLY).status_code == 200

    def seen(headers):
        body = client.get(f"/api/v1/suggestions/{item_id}", headers=headers).json
        return body["content"], body["reply_content"], [e["note"] for e in body["timeline"] if e["action"] == "reply"]

    masked = ("有事找我***，井盖丢了", "已按***电话回访，井盖已补装。", ["已按***电话回访，井盖已补装。"])
    assert seen(world["stranger"]) == masked
    assert seen(world["zhang_h"]) == (GROUPED, GROUPED_REPLY, [GROUPED_REPLY])  # the deputy calls back on it

    assert client.delete("/api/v1/me", headers=world["citizen"]).status_code == 204

    assert seen(world["stranger"]) == masked
    assert seen(world["zhang_h"]) == masked
    new_item = [m["data"]["thing2"]["value"] for m in delivered(wechat_standin, app)
                if m["template_id"] == "tmpl-new-item"]
    assert new_item == ["有事找我***，井盖丢了"]
    assert _rows_holding(app, ["1391 2345 678", "13912345678"]) == []


def test_a_neighbours_and_a_childs_name_a_plate_and_a_capital_numeral_phone_stay_off_the_public_page(
        client, app, world):  # noqa: F811
    """The citizen-pages audit (2026-11-29, finding 1) reproduced: a published item naming a neighbour, the
    writer's welfare standing and name, a child, a licence plate and a phone number in 大写数字, and a reply
    naming a property manager and a taxi driver, reaches the public page and API without any of them."""
    content = ("邻居王建军经常在楼道堆放杂物，我是低保户周建平，我儿子王小明被他打了。车牌湘A12345的车长期占用消防通道。"
               "电话壹叁捌壹贰叁肆伍陆柒捌")
    reply = "物业经理刘洋已到现场，出租车司机刘强已批评教育"
    item_id = file(client, world["citizen"], world["deputy_code"], content=content, public_consent=True).json["id"]
    assert step(client, world["zhang_h"], item_id, "accept").status_code == 200
    assert step(client, world["zhang_h"], item_id, "reply", content=reply, implemented=True).status_code == 200
    assert step(client, world["citizen"], item_id, "rate", satisfaction="satisfied").status_code == 200
    screen(app)

    listed = client.get(f"/api/v1/public/suggestions?deputy_id={world['zhang'].id}").json["items"]
    assert [(i["content"], i["reply_content"]) for i in listed] == [(
        "邻居***经常在楼道堆放杂物，我是低保户***，我儿子***被他打了。车牌***的车长期占用消防通道。电话***",
        "物业经理***已到现场，出租车司机***已批评教育")]
    html = client.get(f"/public/deputies/{world['zhang'].id}").get_data(as_text=True)
    for personal in ("王建军", "周建平", "王小明", "湘A12345", "壹叁捌", "刘洋", "刘强"):
        assert personal not in html
