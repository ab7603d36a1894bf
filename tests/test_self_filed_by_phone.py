"""A deputy's own suggestions earn them nothing, from a phone browser too.

A browser's identity is anonymous and bound to no deputy; what ties it to one is the contact phone filed
with an item: a deputy's registered number makes the filer that deputy, for that item and for every item
of the same identity (before and after). Through the HTTP API as the web pages call it."""
from datetime import timedelta

from backend.db_types import utcnow

from .test_console_suggestions import console_login
from .test_suggestion_sweep_stats import shift, sweep
from .test_suggestions import OWN_ANSWER, OWN_CODE, file, points_of, step, world  # noqa: F401  (fixture)


def browser(client):
    """A new anonymous browser identity (POST /api/v1/auth/web), as the /q/{code} page gets one."""
    answer = client.post("/api/v1/auth/web", json={})
    assert answer.status_code == 201, answer.json
    return {"Authorization": f"Bearer {answer.json['token']}"}


def refused(response, message):
    assert response.status_code == 403, response.json
    assert (response.status_code, response.json["error"], response.json["message"]) == (403, "forbidden", message)


def handled_by_zhang(client, world, item_id):  # noqa: F811
    """张伟 (in WeChat) accepts and answers the item."""
    assert step(client, world["zhang_h"], item_id, "accept").status_code == 200
    assert step(client, world["zhang_h"], item_id, "reply", content="已协调处理。").status_code == 200


def closed_by_the_sweep(app, client, headers, item_id):
    shift(app, item_id, replied_dt=utcnow() - timedelta(days=30))
    sweep(app)
    assert client.get(f"/api/v1/suggestions/{item_id}", headers=headers).json["status"] == "closed"


def test_a_deputy_cannot_file_through_their_own_code_with_their_own_phone_from_a_browser(client, world):  # noqa: F811
    """张伟 opens his own code's page in a phone browser and gives his registered number: refused as from his
    WeChat, nothing written. Any identity giving his number is him (a WeChat citizen's too)."""
    zhang = world["zhang"]
    before = points_of(client, world["zhang_h"], zhang)
    for headers in (browser(client), world["stranger"]):
        refused(file(client, headers, world["deputy_code"], contact_phone=zhang.phone), OWN_CODE)
        assert client.get("/api/v1/suggestions?scope=mine", headers=headers).json["total"] == 0
    assert client.get("/api/v1/suggestions?scope=assigned", headers=world["zhang_h"]).json["total"] == 0
    assert points_of(client, world["zhang_h"], zhang) == before
    # His number goes through another deputy's code and the station's, as from his WeChat.
    page = browser(client)
    assert file(client, page, world["li"].qr_code, contact_phone=zhang.phone).json["status"] == "assigned"
    assert file(client, page, world["station_code"], contact_phone=zhang.phone).json["status"] == "pending"
    # Another number (李娜's to 张伟's code, a citizen's) is no tie to 张伟.
    assert file(client, browser(client), world["deputy_code"], contact_phone=world["li"].phone).status_code == 201
    assert file(client, browser(client), world["deputy_code"], contact_phone="13912345678").status_code == 201


def test_a_browser_that_gave_the_deputys_number_once_is_the_deputy_at_their_code_afterwards(client, world):  # noqa: F811
    """Filed at the station with 张伟's number, the browser is 张伟's: leaving the phone out at his own code
    does not make it a citizen's again."""
    page = browser(client)
    assert file(client, page, world["station_code"], contact_phone=world["zhang"].phone).status_code == 201
    refused(file(client, page, world["deputy_code"]), OWN_CODE)
    refused(file(client, page, world["deputy_code"], contact_phone="13912345678"), OWN_CODE)
    assert client.get("/api/v1/suggestions?scope=assigned", headers=world["zhang_h"]).json["total"] == 0


def test_an_item_given_the_deputys_number_earns_its_deputy_no_points_and_no_rating(app, client, world):  # noqa: F811
    """Filed in a browser at the station with 张伟's number and dispatched to 张伟: he handles it, the browser
    may not rate his answer (as his WeChat may not), and its closing credits nothing. A citizen's browser
    item, handled alike, earns him 办结 and 满意."""
    zhang, zhang_h = world["zhang"], world["zhang_h"]
    own_page = browser(client)
    own = file(client, own_page, world["station_code"], contact_phone=zhang.phone).json["id"]
    assert step(client, world["admin"], own, "dispatch", deputy_id=zhang.id).status_code == 200
    handled_by_zhang(client, world, own)
    before = points_of(client, zhang_h, zhang)

    refused(step(client, own_page, own, "rate", satisfaction="satisfied"), OWN_ANSWER)
    item = client.get(f"/api/v1/suggestions/{own}", headers=own_page).json
    assert (item["status"], item["satisfaction"]) == ("replied", None)
    assert "rate" not in [e["action"] for e in item["timeline"]]
    closed_by_the_sweep(app, client, own_page, own)
    assert points_of(client, zhang_h, zhang) == before

    citizens_page = browser(client)
    theirs = file(client, citizens_page, world["deputy_code"], contact_phone="13912345678").json["id"]
    handled_by_zhang(client, world, theirs)
    assert step(client, citizens_page, theirs, "rate", satisfaction="satisfied").status_code == 200
    total, rules = points_of(client, zhang_h, zhang)
    assert total > before[0] and {"suggestion_closed", "suggestion_satisfied"} <= set(rules)


def test_items_filed_before_the_browser_gave_the_deputys_number_are_the_deputys_too(app, client, world):  # noqa: F811
    """张伟 files at his own code without a phone (nothing tells him from a citizen yet), then at the station
    with his number: the first item is his own from then on, unratable by him, closed for no points."""
    zhang, zhang_h = world["zhang"], world["zhang_h"]
    page = browser(client)
    first = file(client, page, world["deputy_code"]).json["id"]
    handled_by_zhang(client, world, first)
    assert file(client, page, world["station_code"], contact_phone=zhang.phone).status_code == 201
    before = points_of(client, zhang_h, zhang)
    refused(step(client, page, first, "rate", satisfaction="satisfied"), OWN_ANSWER)
    closed_by_the_sweep(app, client, page, first)
    assert points_of(client, zhang_h, zhang) == before


def test_a_deputy_rating_with_a_wechat_that_gave_their_number_is_refused_as_well(app, client, world):  # noqa: F811
    """A WeChat citizen (the deputy's second account, not bound as him) files to the station with 张伟's
    number, dispatched to him: no rating of his answer, no points."""
    zhang = world["zhang"]
    item_id = file(client, world["stranger"], world["station_code"], contact_phone=zhang.phone).json["id"]
    assert step(client, world["admin"], item_id, "dispatch", deputy_id=zhang.id).status_code == 200
    handled_by_zhang(client, world, item_id)
    before = points_of(client, world["zhang_h"], zhang)
    refused(step(client, world["stranger"], item_id, "rate", satisfaction="satisfied"), OWN_ANSWER)
    closed_by_the_sweep(app, client, world["stranger"], item_id)
    assert points_of(client, world["zhang_h"], zhang) == before


def test_the_console_tells_administrators_an_item_is_its_deputys_own(app, client, world):  # noqa: F811
    """The item's page says why it will earn nothing: its filer is the deputy handling it."""
    own = file(client, browser(client), world["station_code"], contact_phone=world["zhang"].phone).json["id"]
    other = file(client, browser(client), world["station_code"], contact_phone="13912345678").json["id"]
    admin = console_login(app, "chengbei")
    waiting = admin.get(f"/console/suggestions/{own}").get_data(as_text=True)  # before anyone dispatches it
    assert "提交人为代表张伟（联系电话与该代表登记的手机号相同），分派给其本人办理的，办结不计履职积分。" in waiting
    for item_id in (own, other):
        assert step(client, world["admin"], item_id, "dispatch", deputy_id=world["zhang"].id).status_code == 200
    page = admin.get(f"/console/suggestions/{own}").get_data(as_text=True)
    assert "提交人即承办代表（联系电话与该代表登记的手机号相同），代表不能评价本人的答复，办结不计履职积分。" in page
    assert "提交人为代表" not in page
    assert "提交人即承办代表" not in admin.get(f"/console/suggestions/{other}").get_data(as_text=True)
    assert "提交人为代表" not in admin.get(f"/console/suggestions/{other}").get_data(as_text=True)
    # His own WeChat's filing at the station, dispatched to him, says so too.
    wechat = file(client, world["zhang_h"], world["station_code"]).json["id"]
    assert step(client, world["admin"], wechat, "dispatch", deputy_id=world["zhang"].id).status_code == 200
    assert "提交人即承办代表（提交人的微信已绑定为该代表）" in admin.get(f"/console/suggestions/{wechat}").get_data(as_text=True)


def ask(client, headers, code, contact_phone):
    body = {"qr_code": code, "topic": "想当面反映小区加装电梯的困难", "contact_phone": contact_phone,
            "preferred_time": "下周二上午"}
    answer = client.post("/api/v1/appointments", json=body, headers=headers)
    assert answer.status_code == 201, answer.json
    return answer.json


def test_a_browser_that_booked_a_meeting_with_the_deputys_number_is_the_deputy(app, client, world):  # noqa: F811
    """约见 from the same page takes a contact phone too: a browser that gave 张伟's number there is 张伟's, for
    the suggestions it files afterwards (refused at his code) and those it filed before (no rating, no points)."""
    zhang, zhang_h = world["zhang"], world["zhang_h"]
    before_page, after_page = browser(client), browser(client)
    first = file(client, before_page, world["deputy_code"]).json["id"]
    handled_by_zhang(client, world, first)
    ask(client, before_page, world["station_code"], zhang.phone)
    ask(client, after_page, world["li"].qr_code, zhang.phone)
    refused(file(client, after_page, world["deputy_code"]), OWN_CODE)
    before = points_of(client, zhang_h, zhang)
    refused(step(client, before_page, first, "rate", satisfaction="satisfied"), OWN_ANSWER)
    closed_by_the_sweep(app, client, before_page, first)
    assert points_of(client, zhang_h, zhang) == before
    # A meeting asked with a citizen's own number ties nobody.
    page = browser(client)
    ask(client, page, world["station_code"], "13912345678")
    assert file(client, page, world["deputy_code"]).status_code == 201
