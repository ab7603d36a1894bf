"""A deputy's own suggestions earn them nothing, from a phone browser too.

A browser's identity is anonymous and bound to no deputy; what ties it to one is the contact phone filed
with an item: a deputy's registered number makes the filer that deputy, for that item and for every item
of the same identity (before and after). Through the HTTP API as the web pages call it."""
from datetime import timedelta

from backend.db_types import utcnow
from backend.extensions import db
from backend.suggestions.models import Suggestion

from .test_console_suggestions import console_login
from .test_suggestion_sweep_stats import shift, sweep
from .test_suggestions import OWN_ANSWER, OWN_CODE, file, points_of, step, world  # noqa: F401  (fixture)
from .test_web_pages import config_override  # noqa: F401  (fixture)


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


def same_answer(right, wrong):
    """Two filings' answers alike but for what each filing is (its id, number, times and the phone it gave)."""
    def shape(answer):
        body = answer.json
        return answer.status_code, {key: (value if key not in VARYING else type(value)) for key, value in body.items()}
    assert shape(right) == shape(wrong), (right.json, wrong.json)


VARYING = {"id", "number", "created_at", "updated_at", "contact_phone", "timeline", "accept_due_at", "version"}


def test_a_typed_deputys_number_at_their_code_files_as_anyones_marked_as_theirs(app, client, world):  # noqa: F811
    """The number is typed, never verified: anyone may type 张伟's. At his own code it is filed (201) exactly as
    with any other number — the answer must not tell whether a guess of his mobile was right — but the item
    is marked as his own: no 办结/满意 points for it, and the console says why. A WeChat citizen alike."""
    zhang = world["zhang"]
    for headers in (browser(client), world["stranger"]):
        right = file(client, headers, world["deputy_code"], contact_phone=zhang.phone)
        wrong = file(client, browser(client), world["deputy_code"], contact_phone="13912345678")
        same_answer(right, wrong)
        assert right.status_code == 201 and right.json["status"] == "assigned"
        admin = console_login(app, "chengbei")
        page = admin.get(f"/console/suggestions/{right.json['id']}").get_data(as_text=True)
        assert "提交人即承办代表（联系电话与该代表登记的手机号相同），代表不能评价本人的答复，办结不计履职积分。" in page
        assert "提交人即承办代表" not in admin.get(f"/console/suggestions/{wrong.json['id']}").get_data(as_text=True)
    # His number goes through another deputy's code and the station's as well.
    page = browser(client)
    assert file(client, page, world["li"].qr_code, contact_phone=zhang.phone).json["status"] == "assigned"
    assert file(client, page, world["station_code"], contact_phone=zhang.phone).json["status"] == "pending"


def test_a_guess_of_the_deputys_number_is_answered_as_any_other(client, world, config_override):  # noqa: F811
    """A request with a mistake in it (a photo that is not the filer's) is sent back the same, with the deputy's
    number or another, at his code: every input is checked before who files. Nothing is filed either way."""
    config_override(WEB_FILING_RATE_LIMIT="2 per hour", WEB_FILING_ADDRESS_RATE_LIMIT="3 per hour")
    page = browser(client)
    answers = [file(client, page, world["deputy_code"], contact_phone=phone, attachment_ids=[2**31 - 1])
               for phone in (world["zhang"].phone, "13912345678", world["zhang"].phone)]
    assert {(a.status_code, a.json["error"], a.json["message"]) for a in answers} == {
        (422, "validation_failed", answers[0].json["message"])}
    assert all(a.json == answers[0].json for a in answers), [a.json for a in answers]
    assert client.get("/api/v1/suggestions?scope=mine", headers=page).json["total"] == 0


def test_refusals_at_the_deputys_own_code_use_up_the_filing_limit(client, world, config_override):  # noqa: F811
    """张伟's WeChat (bound as him) is refused at his own code; each refusal counts as a filing towards
    WECHAT_FILING_RATE_LIMIT, so that refusals cannot be asked for without end."""
    config_override(WECHAT_FILING_RATE_LIMIT="2 per hour")
    for _ in range(2):
        refused(file(client, world["zhang_h"], world["deputy_code"]), OWN_CODE)
    over = file(client, world["zhang_h"], world["deputy_code"])
    assert (over.status_code, over.json["error"]) == (429, "rate_limited"), over.json


def test_a_browser_that_gave_the_deputys_number_once_files_at_their_code_as_theirs(client, world):  # noqa: F811
    """Filed at the station with 张伟's number, the browser is 张伟's: leaving the phone out, or giving another,
    at his own code files (the tie is unverified) and marks the item as his, as before."""
    page = browser(client)
    assert file(client, page, world["station_code"], contact_phone=world["zhang"].phone).status_code == 201
    for phone in (None, "13912345678"):
        answer = file(client, page, world["deputy_code"], **({"contact_phone": phone} if phone else {}))
        assert answer.status_code == 201, answer.json
        with client.application.app_context():
            assert db.session.get(Suggestion, answer.json["id"]).filer_deputy_id == world["zhang"].id


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
    the suggestions it files afterwards (filed at his code, marked as his) and those it filed before (no rating,
    no points)."""
    zhang, zhang_h = world["zhang"], world["zhang_h"]
    before_page, after_page = browser(client), browser(client)
    first = file(client, before_page, world["deputy_code"]).json["id"]
    handled_by_zhang(client, world, first)
    ask(client, before_page, world["station_code"], zhang.phone)
    ask(client, after_page, world["li"].qr_code, zhang.phone)
    later = file(client, after_page, world["deputy_code"])
    assert later.status_code == 201, later.json
    with app.app_context():
        assert db.session.get(Suggestion, later.json["id"]).filer_deputy_id == zhang.id
    before = points_of(client, zhang_h, zhang)
    refused(step(client, before_page, first, "rate", satisfaction="satisfied"), OWN_ANSWER)
    closed_by_the_sweep(app, client, before_page, first)
    assert points_of(client, zhang_h, zhang) == before
    # A meeting asked with a citizen's own number ties nobody.
    page = browser(client)
    theirs = ask(client, page, world["station_code"], "13912345678")
    later = file(client, page, world["deputy_code"])
    assert later.status_code == 201, later.json
    with app.app_context():
        assert db.session.get(Suggestion, later.json["id"]).filer_deputy_id is None
    # The 约见's answer is the same with the deputy's number as with another: nothing there tells a right guess.
    his = ask(client, browser(client), world["station_code"], zhang.phone)
    varying = {"id", "number", "created_at", "updated_at", "contact_phone"}
    assert {k: v for k, v in his.items() if k not in varying} == {k: v for k, v in theirs.items() if k not in varying}
