"""停用联络站: a region administrator closes a station made by mistake or merged away, and reopens it."""
from datetime import datetime, timedelta, timezone

import pytest
import requests

from backend.audit.models import AuditEvent
from backend.extensions import db
from backend.suggestions.models import Suggestion

from .parallel import released_together

API = "/api/v1"


@pytest.fixture
def org(factory):
    tree = factory.tree()
    merged = factory.station(tree["hc"], "城北老联络站", lat=27.5601, lng=109.9985)
    kept = factory.station(tree["hc"], "城北联络站", lat=27.5502, lng=110.0031)
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[merged, kept])
    hh_admin = factory.admin("huaihua", region=tree["hh"])
    station_admin = factory.admin("chengbei", stations=[merged])
    cs_admin = factory.admin("changsha", region=tree["cs"])
    return {
        **tree, "merged": merged, "kept": kept, "zhang": zhang,
        "admin": factory.headers_for_admin(hh_admin),
        "station_admin": factory.headers_for_admin(station_admin),
        "cs_admin": factory.headers_for_admin(cs_admin),
        "citizen": factory.wechat_login("citizen-li"),
        "merged_code": merged.qr_code, "deputy_code": zhang.qr_code,
    }


def close(client, org, closed=True, headers=None):
    return client.patch(f"{API}/stations/{org['merged'].id}", json={"closed": closed}, headers=headers or org["admin"])


def file(client, org, code):
    return client.post(f"{API}/suggestions", headers=org["citizen"],
                       json={"qr_code": code, "category": "城市管理", "content": "小区门口路灯坏了一个月，晚上很黑。"})


def public_ids(client, **query):
    response = client.get(f"{API}/stations", query_string=query)
    assert response.status_code == 200, response.json
    return [s["id"] for s in response.json["items"]]


def test_closing_hides_the_station_and_its_code_says_where_to_go(client, org):
    closed = close(client, org)
    assert closed.status_code == 200, closed.json
    assert closed.json["closed"] is True and closed.json["closed_at"]
    merged = org["merged"].id

    # Gone from 附近联络站 and the public list, still in the administrator's list with a filter.
    assert merged not in public_ids(client)
    assert merged not in public_ids(client, near="27.56,109.99")
    managed = client.get(f"{API}/stations", query_string={"managed": "true"}, headers=org["admin"])
    assert merged in [s["id"] for s in managed.json["items"]]
    only_closed = client.get(f"{API}/stations", query_string={"managed": "true", "closed": "true"}, headers=org["admin"])
    assert [s["id"] for s in only_closed.json["items"]] == [merged]
    open_only = client.get(f"{API}/stations", query_string={"managed": "true", "closed": "false"}, headers=org["admin"])
    assert merged not in [s["id"] for s in open_only.json["items"]]

    # Scanning its code: 410 saying it is closed; the web page points to 附近联络站 of its region.
    scanned = client.get(f"{API}/qr/{org['merged_code']}")
    assert scanned.status_code == 410, scanned.json
    assert scanned.json["error"] == "station_closed"
    assert "该联络站已停用" in scanned.json["message"] and "附近联络站" in scanned.json["message"]
    page = client.get(f"/q/{org['merged_code']}")
    assert page.status_code == 410
    text = page.get_data(as_text=True)
    assert "该联络站已停用" in text and f"/public/stations/{org['kept'].id}" in text

    # Filing through it is refused, and nothing is written.
    refused = file(client, org, org["merged_code"])
    assert refused.status_code == 410, refused.json
    assert "该联络站已停用" in refused.json["message"]
    assert db.session.query(Suggestion).count() == 0
    booked = client.post(f"{API}/appointments", headers=org["citizen"], json={
        "qr_code": org["merged_code"], "topic": "想当面反映加装电梯的事", "contact_phone": "13912340000",
        "preferred_time": "下周一上午"})
    assert booked.status_code == 410 and booked.json["error"] == "station_closed", booked.json

    # A deputy's code names, and files at, the deputy's open station, never the closed one.
    card = client.get(f"{API}/qr/{org['deputy_code']}")
    assert [s["id"] for s in card.json["target"]["stations"]] == [org["kept"].id]
    filed = file(client, org, org["deputy_code"])
    assert filed.status_code == 201, filed.json
    assert db.session.get(Suggestion, filed.json["id"]).station_id == org["kept"].id

    # Logged, by whom.
    event = db.session.query(AuditEvent).filter_by(action="station_closed").one()
    assert event.target_id == merged


def test_reopening_restores_the_same_code(client, org):
    assert close(client, org).status_code == 200
    reopened = close(client, org, closed=False)
    assert reopened.status_code == 200, reopened.json
    assert reopened.json["closed"] is False and reopened.json["closed_at"] is None
    assert reopened.json["qr_code"] == org["merged_code"]
    assert org["merged"].id in public_ids(client)
    assert client.get(f"{API}/qr/{org['merged_code']}").status_code == 200
    assert file(client, org, org["merged_code"]).status_code == 201
    assert db.session.query(AuditEvent).filter_by(action="station_reopened").count() == 1
    # Sent again unchanged: nothing more logged.
    assert close(client, org, closed=False).status_code == 200
    assert db.session.query(AuditEvent).filter_by(action="station_reopened").count() == 1


def test_closing_is_refused_while_items_wait_at_the_station(client, org, factory):
    assert file(client, org, org["merged_code"]).status_code == 201
    now = datetime.now(timezone.utc)
    activity = client.post(f"{API}/activities", headers=org["admin"], json={
        "title": "进站接待选民", "type": "reception", "station_id": org["merged"].id,
        "starts_at": (now + timedelta(days=2)).isoformat(), "ends_at": (now + timedelta(days=2, hours=2)).isoformat(),
        "deputy_ids": [org["zhang"].id]})
    assert activity.status_code == 201, activity.json
    refused = close(client, org)
    assert refused.status_code == 409, refused.json
    assert "1 件待分派的建议" in refused.json["message"] and "1 场未结束的活动" in refused.json["message"]
    assert client.get(f"{API}/stations/{org['merged'].id}").json["closed"] is False
    assert db.session.query(AuditEvent).filter_by(action="station_closed").count() == 0


def test_only_region_administrators_in_scope_close_a_station(client, org):
    refused = close(client, org, headers=org["station_admin"])
    assert refused.status_code == 403, refused.json
    assert "区域管理员" in refused.json["message"]
    assert close(client, org, headers=org["cs_admin"]).status_code == 404
    assert client.get(f"{API}/stations/{org['merged'].id}").json["closed"] is False


def test_a_closed_station_takes_no_new_activity(client, org):
    assert close(client, org).status_code == 200
    now = datetime.now(timezone.utc)
    refused = client.post(f"{API}/activities", headers=org["admin"], json={
        "title": "进站接待选民", "type": "reception", "station_id": org["merged"].id,
        "starts_at": (now + timedelta(days=2)).isoformat(), "ends_at": (now + timedelta(days=2, hours=2)).isoformat(),
        "deputy_ids": [org["zhang"].id]})
    assert refused.status_code == 422, refused.json
    assert "已停用" in str(refused.json)


def test_the_web_pages_point_from_a_closed_station_to_the_open_ones(client, org):
    assert close(client, org).status_code == 200
    listed = client.get("/public/stations").get_data(as_text=True)
    assert "城北联络站" in listed and "城北老联络站" not in listed
    # The 附近联络站 link on the closed code's page: the region's open stations.
    nearby = client.get("/public/stations", query_string={"q": org["hc"].name}).get_data(as_text=True)
    assert "城北联络站" in nearby and "城北老联络站" not in nearby
    # Its own public page (a bookmark, a shared link) says it is closed and takes nothing.
    page = client.get(f"/public/stations/{org['merged'].id}").get_data(as_text=True)
    assert "该联络站已停用" in page


RACE_ROUNDS = 20


def raced_against_closing(org, base_url, write, waiting, refused, held, clear):
    """Release ``write`` (a request landing at 城北老联络站) together with its administrator closing the
    station, RACE_ROUNDS times, over real HTTP: exactly one of the two wins each round. Either the station
    closed first, ``write`` was refused (``refused(answer)``) and nothing of it is left there (``waiting()``,
    a count read after the round, is 0; the station is reopened for the next round), or ``write`` went
    through first and closing was refused (409 naming ``held``); ``clear(id)`` then takes the written thing
    away (dispatched, cancelled, declined) for the next round."""
    station_url = f"{base_url}{API}/stations/{org['merged'].id}"
    db.session.close()  # the server's threads use their own sessions

    def closing():
        return requests.patch(station_url, json={"closed": True}, headers=org["admin"], timeout=30)

    for _ in range(RACE_ROUNDS):
        closed, written = released_together(closing, write)
        left = waiting()
        db.session.close()
        if closed.ok:
            assert refused(written), written.text
            assert left == 0
            reopened = requests.patch(station_url, json={"closed": False}, headers=org["admin"], timeout=30)
            assert reopened.status_code == 200, reopened.text
        else:
            assert closed.status_code == 409 and held in closed.json()["message"], closed.text
            assert written.status_code == 201, written.text
            cleared = clear(written.json()["id"])
            assert cleared.status_code == 200, cleared.text


def test_a_filing_at_the_instant_of_closing_never_waits_at_the_closed_station(org, base_url):
    """Over real HTTP, a citizen files through the station's code while its administrator closes it, released
    together, many times: one of the two wins. Either the item was filed first and closing is refused (409,
    the item waits there for dispatch), or the station closed first and the filing is refused (410). Never
    both succeed: an item waiting for dispatch at a closed station, which nobody would see."""
    station_id, code, deputy_id = org["merged"].id, org["merged_code"], org["zhang"].id

    def filing():
        return requests.post(f"{base_url}{API}/suggestions", headers=org["citizen"], timeout=30, json={
            "qr_code": code, "category": "城市管理", "content": "小区门口路灯坏了一个月，晚上很黑。"})

    raced_against_closing(
        org, base_url, filing,
        waiting=lambda: db.session.query(Suggestion).filter_by(station_id=station_id, status="pending").count(),
        refused=lambda answer: answer.status_code == 410 and answer.json()["error"] == "station_closed",
        held="待分派的建议",
        # Dispatched, so the next round starts with nothing waiting at the station.
        clear=lambda item_id: requests.post(f"{base_url}{API}/suggestions/{item_id}/dispatch",
                                            json={"deputy_id": deputy_id}, headers=org["admin"], timeout=30))


CLOSED_LINK = "联络站“城北老联络站”已停用，不能关联代表"


def linked_ids(client, org, deputy_id):
    response = client.get(f"{API}/deputies/{deputy_id}", headers=org["admin"])
    assert response.status_code == 200, response.json
    return response.json["station_ids"]


def test_no_deputy_is_newly_linked_to_a_closed_station(client, org, factory):
    li = factory.deputy(org["hc"], "李娜", phone="13800000004", stations=[org["kept"]])
    merged, kept = org["merged"].id, org["kept"].id
    assert close(client, org).status_code == 200

    # Editing a deputy: adding the closed station is refused, naming it; nothing changes.
    refused = client.patch(f"{API}/deputies/{li.id}", headers=org["admin"],
                           json={"station_ids": [kept, merged], "group": "第二代表小组"})
    assert refused.status_code == 422, refused.json
    assert CLOSED_LINK in refused.json["message"], refused.json
    assert linked_ids(client, org, li.id) == [kept]
    assert client.get(f"{API}/deputies/{li.id}", headers=org["admin"]).json["group"] == ""

    # A deputy already linked to it keeps the link through an edit that sends it back unchanged.
    kept_link = client.patch(f"{API}/deputies/{org['zhang'].id}", headers=org["admin"],
                             json={"station_ids": [merged, kept], "group": "第一代表小组"})
    assert kept_link.status_code == 200, kept_link.json
    assert sorted(linked_ids(client, org, org["zhang"].id)) == sorted([merged, kept])

    # Registering a deputy at it is refused too, and nobody is registered.
    created = client.post(f"{API}/deputies", headers=org["admin"], json={
        "name": "王芳", "level": "city", "region_id": org["hc"].id, "phone": "13800000005", "station_ids": [merged]})
    assert created.status_code == 422, created.json
    assert CLOSED_LINK in str(created.json), created.json
    assert client.get(f"{API}/deputies", query_string={"managed": "true", "q": "王芳"},
                      headers=org["admin"]).json["total"] == 0

    # From the station's side: adding a deputy to the closed station is refused; its own deputy stays.
    from_station = client.patch(f"{API}/stations/{merged}", headers=org["admin"],
                                json={"deputy_ids": [org["zhang"].id, li.id]})
    assert from_station.status_code == 422, from_station.json
    assert CLOSED_LINK in str(from_station.json), from_station.json
    assert linked_ids(client, org, li.id) == [kept]
    unchanged = client.patch(f"{API}/stations/{merged}", headers=org["admin"], json={"deputy_ids": [org["zhang"].id]})
    assert unchanged.status_code == 200, unchanged.json

    # Reopened, the link is made.
    assert close(client, org, closed=False).status_code == 200
    linked = client.patch(f"{API}/deputies/{li.id}", headers=org["admin"], json={"station_ids": [kept, merged]})
    assert linked.status_code == 200, linked.json


def test_an_imported_roster_links_nobody_new_to_a_closed_station(client, org):
    """A roster row registering a deputy at the closed station, or adding it to one already registered, is
    reported by row; a row that names it for a deputy received there all along imports as before."""
    from .test_import import upload, xlsx

    assert close(client, org).status_code == 200
    response = upload(client, org["admin"], xlsx([
        ["张伟", "市", "鹤城区", "13800000003", "城北老联络站、城北联络站", "", "", ""],  # 2: linked all along
        ["王芳", "市", "鹤城区", "13800000005", "城北老联络站", "", "", ""],              # 3: new deputy
        ["赵六", "市", "鹤城区", "13800000006", "城北联络站", "", "", ""],                # 4: good
    ]))
    assert response.status_code == 200, response.json
    assert [(e["row"], e["field"]) for e in response.json["errors"]] == [(3, "联络站")], response.json
    assert CLOSED_LINK in response.json["errors"][0]["message"]
    assert (response.json["created"], response.json["unchanged"]) == (1, 1), response.json
    # A row adding the closed station to a registered deputy.
    added = upload(client, org["admin"], xlsx([["赵六", "市", "鹤城区", "13800000006", "城北联络站、城北老联络站", "", "", ""]]))
    assert [(e["row"], e["field"]) for e in added.json["errors"]] == [(2, "联络站")], added.json
    assert CLOSED_LINK in added.json["errors"][0]["message"]


# The citizen-pages audit (2026-11-29, finding 6): the closed station's pages sent the citizen to a search by its
# region's name that finds nothing when it was the region's only station. They now lead to an open station: the
# nearest one by the closed station's position, else the list of the nearest region above it that has open
# stations; the sentence says what the link says.


def notice(html):
    """The text of the page's notice paragraph, tags left in (the link is inside it)."""
    start = html.index('<p class="notice-text">')
    return html[start:html.index("</p>", start)]


def test_a_closed_stations_pages_lead_to_the_nearest_open_station(client, factory, org):
    farther = factory.station(org["hc"], "迎丰联络站", lat=27.6102, lng=110.0530)
    assert close(client, org).status_code == 200
    kept = org["kept"]
    link = f'<a href="/public/stations/{kept.id}">城北联络站</a>'
    for path in (f"/q/{org['merged_code']}", f"/public/stations/{org['merged'].id}"):
        html = client.get(path).get_data(as_text=True)
        assert notice(html).endswith(f"该联络站已停用，不再受理建议和约见。请到附近的{link}反映问题。"), path
        assert f"/public/stations/{farther.id}" not in html and "/public/stations?q=" not in html
    # The mini-program shows the API's sentence beside its own 附近联络站 button.
    scanned = client.get(f"{API}/qr/{org['merged_code']}")
    assert (scanned.status_code, scanned.json["error"], scanned.json["message"]) == (
        410, "station_closed", "该联络站已停用，不再受理建议和约见。请到附近的城北联络站反映问题，或在“附近联络站”中查找。")
    # The link opens a station that takes suggestions.
    opened = client.get(f"/public/stations/{kept.id}").get_data(as_text=True)
    assert f"/q/{kept.qr_code}" in opened and "该联络站已停用" not in opened


def test_a_closed_station_without_a_position_leads_to_its_nearest_region_with_open_stations(client, factory, org):
    village = factory.region("红星社区", "township", org["hc"])
    only = factory.station(village, "红星社区联络站")  # the community's only station, without a position
    other = factory.region("迎丰街道", "township", org["hc"])
    open_one = factory.station(other, "迎丰街道联络站")
    assert client.patch(f"{API}/stations/{only.id}", json={"closed": True}, headers=org["admin"]).status_code == 200

    link = f'<a href="/public/stations?region_id={org["hc"].id}">鹤城区的其他联络站</a>'
    for path in (f"/q/{only.qr_code}", f"/public/stations/{only.id}"):
        html = client.get(path).get_data(as_text=True)
        assert notice(html).endswith(f"该联络站已停用，不再受理建议和约见。请到{link}反映问题。"), path
    assert client.get(f"{API}/qr/{only.qr_code}").json["message"] == (
        "该联络站已停用，不再受理建议和约见。请到鹤城区的其他联络站反映问题，或在“附近联络站”中查找。")
    # The link lists the county's open stations, in whichever of its townships, and not the closed one.
    listed = client.get(f"/public/stations?region_id={org['hc'].id}").get_data(as_text=True)
    assert "迎丰街道联络站" in listed and "城北联络站" in listed and "红星社区联络站" not in listed
    assert "鹤城区" in listed and f"/public/stations/{open_one.id}" in listed
    elsewhere = client.get(f"/public/stations?region_id={org['yl'].id}").get_data(as_text=True)
    assert "城北联络站" not in elsewhere and "没有找到符合条件的联络站" in elsewhere


def test_with_no_open_station_anywhere_the_page_offers_the_list(client, factory):
    tree = factory.tree()
    lone = factory.station(tree["hc"], "唯一联络站", lat=27.56, lng=109.99)
    admin = factory.headers_for_admin(factory.admin("root", region=tree["root"]))
    assert client.patch(f"{API}/stations/{lone.id}", json={"closed": True}, headers=admin).status_code == 200
    html = client.get(f"/q/{lone.qr_code}").get_data(as_text=True)
    assert notice(html).endswith('该联络站已停用，不再受理建议和约见。请<a href="/public/stations">查找其他联络站</a>。')
    assert client.get(f"{API}/qr/{lone.qr_code}").json["message"] == (
        "该联络站已停用，不再受理建议和约见。请在“附近联络站”中查找其他联络站。")


def test_a_region_that_is_not_a_number_lists_every_station(client, org):
    for value in ("abc", "-1", "1e9", "9" * 40):
        answer = client.get(f"/public/stations?region_id={value}")
        assert answer.status_code == 200 and "城北联络站" in answer.get_data(as_text=True), value


def book(post, org, code):
    """约见代表 through ``code``; ``post`` is the test client's, or one sending over HTTP (``over``)."""
    return post(f"{API}/appointments", headers=org["citizen"], json={
        "qr_code": code, "topic": "想当面反映加装电梯的事", "contact_phone": "13912340000", "preferred_time": "下周一上午"})


def over(base_url):
    """A ``post`` sending to the server at ``base_url``, as the test client's is called."""
    return lambda url, **kwargs: requests.post(f"{base_url}{url}", timeout=30, **kwargs)


def dispatch_at_merged(post, org):
    now = datetime.now(timezone.utc)
    return post(f"{API}/activities", headers=org["admin"], json={
        "title": "进站接待选民", "type": "reception", "station_id": org["merged"].id,
        "starts_at": (now + timedelta(days=2)).isoformat(), "ends_at": (now + timedelta(days=2, hours=2)).isoformat(),
        "deputy_ids": [org["zhang"].id]})


def test_closing_is_refused_while_meetings_are_open_at_the_station(client, org):
    """约见代表 waiting at the station for an answer, or agreed for a time to come, hold it open: its citizens
    would come to a closed station. Answered (婉拒, 已接待), they no longer do."""
    at_station = book(client.post, org, org["merged_code"])
    assert at_station.status_code == 201, at_station.json
    with_deputy = book(client.post, org, org["deputy_code"])  # waits at 张伟's first station, the one closing
    assert with_deputy.status_code == 201, with_deputy.json
    meet = (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()
    confirmed = client.post(f"{API}/appointments/{with_deputy.json['id']}/confirm", headers=org["admin"],
                            json={"meet_at": meet})
    assert confirmed.status_code == 200, confirmed.json

    refused = close(client, org)
    assert refused.status_code == 409, refused.json
    assert "2 件待答复或已约定的约见" in refused.json["message"], refused.json
    assert client.get(f"{API}/stations/{org['merged'].id}").json["closed"] is False

    for appointment in (at_station, with_deputy):
        declined = client.post(f"{API}/appointments/{appointment.json['id']}/decline", headers=org["admin"],
                               json={"reason": "联络站合并，请到城北联络站约见"})
        assert declined.status_code == 200, declined.json
    assert close(client, org).status_code == 200
    # Booked through the deputy's code now, the request waits at the deputy's open station.
    again = book(client.post, org, org["deputy_code"])
    assert again.status_code == 201, again.json
    assert again.json["station"]["id"] == org["kept"].id, again.json


def test_an_ended_activity_at_a_closed_station_is_not_extended_into_the_future(client, org):
    """An activity entered after the fact (补录) at a station closed since may still be corrected and closed
    (结单), but not given an end to come: it would be an upcoming activity at a closed station."""
    now = datetime.now(timezone.utc)
    past = client.post(f"{API}/activities", headers=org["admin"], json={
        "title": "进站接待选民", "type": "reception", "station_id": org["merged"].id,
        "starts_at": (now - timedelta(hours=3)).isoformat(), "ends_at": (now - timedelta(hours=1)).isoformat(),
        "deputy_ids": [org["zhang"].id]})
    assert past.status_code == 201, past.json
    assert close(client, org).status_code == 200
    url = f"{API}/activities/{past.json['id']}"
    extended = client.patch(url, headers=org["admin"], json={"ends_at": (now + timedelta(days=1)).isoformat()})
    assert extended.status_code == 422, extended.json
    assert "联络站“城北老联络站”已停用" in extended.json["message"], extended.json
    assert client.get(url, headers=org["admin"]).json["ends_at"] == past.json["ends_at"]
    renamed = client.patch(url, headers=org["admin"], json={"title": "进站接待选民（补录）"})
    assert renamed.status_code == 200, renamed.json


def test_a_dispatch_at_the_instant_of_closing_never_leaves_an_activity_at_the_closed_station(org, base_url):
    """发单 at the station while its administrator closes it, released together, many times: either the
    activity was dispatched first and closing is refused (409), or the station closed first and 发单 is
    refused (422, naming the station). Never an upcoming activity at a closed station."""
    from backend.activities.models import Activity, ActivityStatus

    station_id = org["merged"].id
    raced_against_closing(
        org, base_url, lambda: dispatch_at_merged(over(base_url), org),
        waiting=lambda: db.session.query(Activity).filter_by(
            station_id=station_id, status=ActivityStatus.published).count(),
        refused=lambda answer: answer.status_code == 422 and "已停用" in answer.json()["message"],
        held="未结束的活动",
        clear=lambda activity_id: requests.post(f"{base_url}{API}/activities/{activity_id}/cancel",
                                                headers=org["admin"], timeout=30))


def test_a_booking_at_the_instant_of_closing_never_waits_at_the_closed_station(org, base_url):
    """约见代表 through the station's code while it is closed, released together, many times: either the
    request was made first and closing is refused (409), or the station closed first and the request is
    refused (410 station_closed). Never a request waiting at a closed station."""
    from backend.appointments.models import Appointment

    station_id, code = org["merged"].id, org["merged_code"]
    raced_against_closing(
        org, base_url, lambda: book(over(base_url), org, code),
        waiting=lambda: db.session.query(Appointment).filter_by(station_id=station_id, status="requested").count(),
        refused=lambda answer: answer.status_code == 410 and answer.json()["error"] == "station_closed",
        held="约见",
        clear=lambda appointment_id: requests.post(f"{base_url}{API}/appointments/{appointment_id}/decline",
                                                   json={"reason": "请到城北联络站约见"}, headers=org["admin"], timeout=30))


def test_a_meeting_at_a_closed_station_is_not_agreed_again_for_a_time_to_come(client, org):
    """A meeting agreed there before it closed, whose time has passed, may be marked 已接待 or declined, but
    not moved (改约) to a time to come: its citizen would come to a closed station, which closing counts."""
    from backend.appointments.models import Appointment

    booked = book(client.post, org, org["deputy_code"])
    assert booked.status_code == 201 and booked.json["station"]["id"] == org["merged"].id, booked.json
    url = f"{API}/appointments/{booked.json['id']}"
    now = datetime.now(timezone.utc)
    assert client.post(f"{url}/confirm", headers=org["admin"],
                       json={"meet_at": (now + timedelta(days=1)).isoformat()}).status_code == 200
    db.session.get(Appointment, booked.json["id"]).meet_dt = now - timedelta(days=1)  # the meeting has passed
    db.session.commit()
    assert close(client, org).status_code == 200

    moved = client.post(f"{url}/confirm", headers=org["admin"], json={"meet_at": (now + timedelta(days=3)).isoformat()})
    assert moved.status_code == 422, moved.json
    assert "联络站“城北老联络站”已停用" in moved.json["message"], moved.json
    assert client.get(url, headers=org["admin"]).json["meet_at"] == (now - timedelta(days=1)).isoformat()
    completed = client.post(f"{url}/complete", headers=org["admin"], json={"note": "已在城北联络站接待"})
    assert completed.status_code == 200, completed.json
