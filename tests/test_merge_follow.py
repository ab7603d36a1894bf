"""A duplicate merged into another citizen's item: both citizens follow the surviving item (contract,
Suggestions: merge). The duplicate's citizen reads its follower view — its progress, deadlines, deputy,
timeline, redacted reply and rating — whatever the surviving item's citizen said about publication, and
nothing of that citizen's own (words, photos, place, phone, anonymity): their own words instead."""
from .factories import screen, sent_statements
from .test_suggestions import delivered, file, step, upload_photo, world  # noqa: F401  (fixture)

A_WORDS = "我家在人民路18号3单元，门口路灯坏了一个月，联系13912345678。"
B_WORDS = "人民路上的路灯一直不亮，晚上走路很危险。"


def _merged(client, app, world, **consent):
    """A's item (not consented unless ``consent`` says so) with a photo, a place and a phone; B's duplicate
    merged into it."""
    photo = upload_photo(client, world["citizen"])["id"]
    first = file(client, world["citizen"], world["station_code"], content=A_WORDS, anonymous=True,
                 contact_phone="13912345678", attachment_ids=[photo],
                 location={"lat": 27.561, "lng": 109.991, "address": "人民路18号"}, **consent).json["id"]
    duplicate = file(client, world["stranger"], world["station_code"], content=B_WORDS).json["id"]
    screen(app)
    assert step(client, world["admin"], duplicate, "merge", into_id=first).status_code == 200
    return first, duplicate


def _nothing_of_a(view):
    assert view["content"] is None
    assert view["location"] is None and view["attachments"] == []
    assert view["anonymous"] is None and view["public_consent"] is None
    assert "contact_phone" not in view and "citizen" not in view
    text = repr(view)
    for secret in ("人民路18号", "13912345678", "3单元", "门口路灯坏了一个月"):
        assert secret not in text


def test_the_duplicates_citizen_follows_an_item_not_consented_to_publication(client, app, world, wechat_standin):  # noqa: F811
    first, duplicate = _merged(client, app, world)

    own = client.get(f"/api/v1/suggestions/{duplicate}", headers=world["stranger"]).json
    assert (own["merged_into"], own["merged_into_followed"]) == (first, True)
    listed = client.get("/api/v1/suggestions?scope=mine", headers=world["stranger"]).json["items"]
    assert {i["id"]: i["followed"] for i in listed} == {first: True, duplicate: False}
    _nothing_of_a(next(i for i in listed if i["id"] == first))

    step(client, world["admin"], first, "dispatch", deputy_id=world["zhang"].id, note="请张伟代表办理，电话13912345678")
    step(client, world["zhang_h"], first, "accept")
    step(client, world["zhang_h"], first, "reply", content="已联系供电所修复，有问题请打13800001111找王建国。",
         implemented=True)

    view = client.get(f"/api/v1/suggestions/{first}", headers=world["stranger"])
    assert view.status_code == 200, view.json
    view = view.json
    _nothing_of_a(view)
    assert view["followed"] is True
    assert (view["number"], view["category"], view["status"], view["status_label"]) == (
        client.get(f"/api/v1/suggestions/{first}", headers=world["citizen"]).json["number"], "城市管理", "replied", "已答复")
    assert view["deputy"]["name"] == "张伟" and view["station"]["name"] == "城北联络站"
    assert "reply_due_at" in view and view["implemented_label"] == "已落实"
    # The reply redacted as the public would read it; B's own words instead of A's.
    assert view["reply_content"] and "13800001111" not in view["reply_content"]
    assert view["merged_from_mine"] == [{"id": duplicate, "number": own["number"], "content": B_WORDS}]
    steps = [(e["action"], e["note"]) for e in view["timeline"]]
    assert [a for a, _ in steps] == ["file", "merged_in", "dispatch", "accept", "reply"]
    assert dict(steps)["dispatch"] == "" and all("13912345678" not in n for _, n in steps)
    assert all("actor_user_id" not in e for e in view["timeline"])
    assert "fake-openid-citizen-zhao" not in repr([e.get("actor_name") for e in view["timeline"]])

    # Told of the accepted and replied steps, without A's words.
    to_b = [m for m in delivered(wechat_standin, app) if m["touser"] == "fake-openid-citizen-zhao"]
    assert sorted(m["template_id"] for m in to_b) == ["tmpl-accepted", "tmpl-replied"]
    for message in to_b:
        assert "人民路18号" not in repr(message["data"]) and "13912345678" not in repr(message["data"])
        assert message["data"]["thing2"]["value"].startswith(B_WORDS[:10])
    # Only A rates and withdraws.
    refused = step(client, world["stranger"], first, "rate", satisfaction="satisfied")
    assert (refused.status_code, refused.json["error"]) == (403, "forbidden")
    assert step(client, world["stranger"], first, "withdraw").status_code == 403
    # A's 不满意 re-opens it: B is told, and reads the rating state.
    assert step(client, world["citizen"], first, "rate", satisfaction="dissatisfied", comment="还是不亮").status_code == 200
    reopened = [m for m in delivered(wechat_standin, app)
                if m["touser"] == "fake-openid-citizen-zhao" and m["template_id"] == "tmpl-reopened"]
    assert len(reopened) == 1
    view = client.get(f"/api/v1/suggestions/{first}", headers=world["stranger"]).json
    assert view["status"] == "accepted" and view["round"] == 2
    assert [e["note"] for e in view["timeline"] if e["action"] == "rate"] == [""]  # not A's comment


def test_a_withheld_item_stays_followed_by_the_merged_citizen(client, app, world):  # noqa: F811
    first, duplicate = _merged(client, app, world, public_consent=True)
    rich = client.get(f"/api/v1/suggestions/{first}", headers=world["stranger"]).json
    # Consented and published: the richer view as before, A's words redacted.
    assert rich["content"] and "13912345678" not in rich["content"] and rich["public_consent"] is True
    step(client, world["admin"], first, "dispatch", deputy_id=world["zhang"].id)
    step(client, world["zhang_h"], first, "accept")
    step(client, world["zhang_h"], first, "reply", content="已修复。", implemented=True)
    step(client, world["citizen"], first, "rate", satisfaction="satisfied")
    withheld = client.put(f"/api/v1/suggestions/{first}/public-text", json={"withheld": True, "reason": "涉及个人隐私"},
                          headers=world["admin"])
    assert withheld.status_code == 200, withheld.json
    view = client.get(f"/api/v1/suggestions/{first}", headers=world["stranger"])
    assert view.status_code == 200
    _nothing_of_a(view.json)
    assert (view.json["status"], view.json["satisfaction"]) == ("closed", "satisfied")
    assert first in [i["id"] for i in client.get("/api/v1/suggestions?scope=mine", headers=world["stranger"]).json["items"]]


def test_a_nearby_follower_still_reads_nothing_of_an_item_not_consented(client, app, world):  # noqa: F811
    """Only a follow made by a merge gives the follower view whatever the consent: a citizen following
    from /nearby an item later withheld from the public reads nothing of it, as before."""
    from backend.extensions import db
    from backend.suggestions.models import SuggestionFollower

    item = file(client, world["citizen"], world["station_code"]).json["id"]
    stranger = client.get("/api/v1/me", headers=world["stranger"]).json["id"]
    db.session.add(SuggestionFollower(suggestion_id=item, user_id=stranger))
    db.session.commit()
    assert client.get(f"/api/v1/suggestions/{item}", headers=world["stranger"]).status_code == 404
    assert client.get("/api/v1/suggestions?scope=mine", headers=world["stranger"]).json["items"] == []


def test_the_duplicates_followers_follow_the_surviving_item_too(client, app, world, factory, wechat_standin):  # noqa: F811
    """A citizen who followed the duplicate (from /nearby) follows the surviving item by the merge as well:
    its follower view, with no words of anyone's, and its notices named by its category."""
    near = {"lat": 27.5600, "lng": 109.9900}
    first = file(client, world["citizen"], world["station_code"], content=A_WORDS).json["id"]
    duplicate = file(client, world["stranger"], world["station_code"], content=B_WORDS, location=near,
                     public_consent=True).json["id"]
    screen(app)
    third = factory.wechat_login("citizen-li")
    assert client.post(f"/api/v1/suggestions/{duplicate}/follow", headers=third).status_code == 200
    assert step(client, world["admin"], duplicate, "merge", into_id=first).status_code == 200

    view = client.get(f"/api/v1/suggestions/{first}", headers=third)
    assert view.status_code == 200
    _nothing_of_a(view.json)
    assert view.json["merged_from_mine"] == []
    step(client, world["admin"], first, "dispatch", deputy_id=world["zhang"].id)
    step(client, world["zhang_h"], first, "accept")
    told = [m for m in delivered(wechat_standin, app) if m["touser"] == "fake-openid-citizen-li"]
    assert [(m["template_id"], m["data"]["thing2"]["value"]) for m in told] == [("tmpl-accepted", "城市管理")]


def test_a_merge_followers_list_reads_the_merges_once_a_page_whatever_its_length(client, app, world):  # noqa: F811
    """我的建议 of a citizen whose duplicates were merged into other citizens' items: each item followed shows
    the citizen's own words merged into it, each duplicate whether the item it went into opens; read once for
    the page, so a page of 8 sends as many statements as a page of 3."""
    def merged(count):
        """``count`` items of A's, and B's duplicates merged into them (two into the first)."""
        firsts = [file(client, world["citizen"], world["station_code"], content=f"第{n}盏路灯不亮。").json["id"]
                  for n in range(count)]
        duplicates = {first: [file(client, world["stranger"], world["station_code"], content=f"路灯坏了{first}-{k}").json
                              for k in range(2 if n == 0 else 1)] for n, first in enumerate(firsts)}
        screen(app)
        for first, theirs in duplicates.items():
            for duplicate in theirs:
                assert step(client, world["admin"], duplicate["id"], "merge", into_id=first).status_code == 200
        return duplicates

    def listed():
        with sent_statements(app) as sent:
            page = client.get("/api/v1/suggestions?scope=mine&per_page=20", headers=world["stranger"]).json
        return page["items"], len(sent)

    duplicates = merged(1)
    few, few_statements = listed()
    duplicates |= merged(2)
    items, statements = listed()
    assert len(few) == 3 and len(items) == 3 + 5
    followed = {i["id"]: i["merged_from_mine"] for i in items if i["followed"]}
    assert followed == {first: [{"id": d["id"], "number": d["number"], "content": d["content"]} for d in theirs]
                        for first, theirs in duplicates.items()}
    into = {d["id"]: first for first, theirs in duplicates.items() for d in theirs}
    assert {i["id"]: (i["merged_into"], i["merged_into_followed"]) for i in items if not i["followed"]} == {
        d: (first, True) for d, first in into.items()}
    assert statements == few_statements
