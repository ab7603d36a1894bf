"""揭榜: an activity offering places that deputies claim themselves (an open research topic, a volunteer day),
through the HTTP API: who sees it, how places are taken and given back, what its administrators may change,
and 结单 treating the deputies who claimed a place as any who accepted."""
import io
from datetime import datetime, timedelta, timezone

import openpyxl
import pytest
from sqlalchemy import inspect, update

from backend.activities.models import Activity
from backend.extensions import db

from .factories import sent_statements
from .test_activities import STATION, begin, checkin, iso

RESEARCH = 3  # the default rulebook's points for 调研
ABSENCE = -1  # and its deduction for 无故缺席


@pytest.fixture
def county(factory):
    """A county's station and four of its deputies (one of a town below it), a deputy of another county, one
    of the city above and one of the city received at the station: a county's research topic is the county's
    deputies' to claim, and at a station also those received there (进站代表)."""
    tree = factory.tree()
    town = factory.region("城北街道", "township", tree["hc"])
    station = factory.station(tree["hc"], "城北联络站", lat=STATION[0], lng=STATION[1], address="人民路 18 号")
    zhang, li, wang = (factory.deputy(tree["hc"], name, phone=f"1380000030{i}", level="county", stations=[station])
                       for i, name in enumerate(["张伟", "李娜", "王强"]))
    zhao = factory.deputy(town, "赵敏", phone="13800000304", level="township")
    elsewhere = factory.deputy(tree["yl"], "周杰", phone="13800000305", level="county")
    above = factory.deputy(tree["hh"], "吴刚", phone="13800000306", level="city")
    received = factory.deputy(tree["hh"], "郑洁", phone="13800000307", level="city", stations=[station])
    deputies = {"zhang": zhang, "li": li, "wang": wang, "zhao": zhao, "elsewhere": elsewhere, "above": above,
                "received": received}
    return {
        "station": station,
        "ids": {key: d.id for key, d in deputies.items()},
        "headers": {key: factory.deputy_headers(d) for key, d in deputies.items()},
        "admin": factory.headers_for_admin(factory.admin("chengbei", stations=[station])),
    }


def offer(client, county, slots, deputy_ids=(), starts=None, **extra):
    """发单 of a research topic at the county's station with ``slots`` places for 揭榜."""
    starts = starts or datetime.now(timezone.utc) + timedelta(days=2)
    body = {"title": "老旧小区加装电梯情况调研", "type": "research", "station_id": county["station"].id,
            "starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=3)),
            "deputy_ids": list(deputy_ids), "open_slots": slots} | extra
    return client.post("/api/v1/activities", json=body, headers=county["admin"])


def claim(client, county, who, activity_id):
    return client.post(f"/api/v1/activities/{activity_id}/claim", headers=county["headers"][who])


def open_list(client, county, who):
    response = client.get("/api/v1/activities?scope=open", headers=county["headers"][who])
    assert response.status_code == 200, response.json
    return {a["id"]: a for a in response.json["items"]}


def refused(response, status, message, field=None):
    assert response.status_code == status, response.json
    if field is None:
        assert response.json["message"] == message, response.json
    else:
        assert response.json["errors"][field] == [message], response.json


def test_deputies_of_the_county_claim_its_places_until_none_is_left(client, county):
    created = offer(client, county, 2)
    assert created.status_code == 201, created.json
    topic = created.json
    assert (topic["open_slots"], topic["claimed_count"], topic["participants"]) == (2, 0, [])
    assert topic["events"][0]["note"].endswith("未邀请代表；开放揭榜名额 2 个")

    # The county's deputies, a town's below it and a city's received at the station find it, with a place for
    # them; another county's and the city's not received there do not, nor can they open or claim it.
    for who in ("zhang", "zhao", "received"):
        listed = open_list(client, county, who)[topic["id"]]
        assert (listed["can_claim"], listed["claimed_count"], listed["my_status"]) == (True, 0, None)
    for who in ("elsewhere", "above"):
        assert topic["id"] not in open_list(client, county, who)
        refused(client.get(f"/api/v1/activities/{topic['id']}", headers=county["headers"][who]), 404, "活动不存在。")
        refused(claim(client, county, who, topic["id"]), 404, "活动不存在。")

    first = claim(client, county, "zhang", topic["id"])
    assert first.status_code == 201, first.json
    assert (first.json["my_status"], first.json["claimed"], first.json["claimed_count"], first.json["can_claim"]) == (
        "accepted", True, 1, False)
    again = claim(client, county, "zhang", topic["id"])  # a retried claim: the place is still the one
    assert (again.status_code, again.json["claimed_count"]) == (200, 1)
    assert claim(client, county, "zhao", topic["id"]).status_code == 201

    refused(claim(client, county, "li", topic["id"]), 409, "揭榜名额已满（共 2 个）。")
    full = open_list(client, county, "li")[topic["id"]]
    assert (full["can_claim"], full["claimed_count"]) == (False, 2)
    # Both are on the activity's list, as deputies who accepted; its own deputies' list shows it.
    detail = client.get(f"/api/v1/activities/{topic['id']}", headers=county["admin"]).json
    assert {p["deputy"]["name"]: (p["status"], p["claimed"]) for p in detail["participants"]} == {
        "张伟": ("accepted", True), "赵敏": ("accepted", True)}
    assert [(e["action_label"], e["actor_name"], e["note"]) for e in detail["events"][1:]] == [
        ("揭榜", "张伟", "揭榜（名额 1/2）"), ("揭榜", "赵敏", "揭榜（名额 2/2）")]
    mine = client.get("/api/v1/activities?scope=mine", headers=county["headers"]["zhang"]).json["items"]
    assert [(a["id"], a["my_status"]) for a in mine] == [(topic["id"], "accepted")]


def test_leave_gives_the_place_back_and_taking_it_again_needs_one_free(client, county):
    topic = offer(client, county, 1).json
    assert claim(client, county, "zhang", topic["id"]).status_code == 201
    assert client.post(f"/api/v1/activities/{topic['id']}/decline", json={"reason": "临时出差"},
                       headers=county["headers"]["zhang"]).status_code == 200
    assert open_list(client, county, "li")[topic["id"]]["can_claim"] is True
    assert claim(client, county, "li", topic["id"]).status_code == 201

    back = client.post(f"/api/v1/activities/{topic['id']}/accept", headers=county["headers"]["zhang"])
    refused(back, 409, "揭榜名额已满，不能重新接单。")
    # One more place: the deputy who gave theirs back takes it.
    assert client.patch(f"/api/v1/activities/{topic['id']}", json={"open_slots": 2},
                        headers=county["admin"]).status_code == 200
    back = client.post(f"/api/v1/activities/{topic['id']}/accept", headers=county["headers"]["zhang"])
    assert (back.status_code, back.json["my_status"], back.json["claimed_count"]) == (200, "accepted", 2)

    # Once 揭榜 has stopped, a place given back cannot be taken again.
    assert client.post(f"/api/v1/activities/{topic['id']}/decline", json={"reason": "临时出差"},
                       headers=county["headers"]["li"]).status_code == 200
    assert client.patch(f"/api/v1/activities/{topic['id']}", json={"open_slots": None},
                        headers=county["admin"]).status_code == 200
    refused(client.post(f"/api/v1/activities/{topic['id']}/accept", headers=county["headers"]["li"]), 409,
            "该活动已停止揭榜，不能重新接单。")


def test_the_administrator_changes_the_places_never_below_those_taken(client, county):
    topic = offer(client, county, 3, deputy_ids=[county["ids"]["wang"]]).json
    for who in ("zhang", "li"):
        assert claim(client, county, who, topic["id"]).status_code == 201

    def patch(body):
        return client.patch(f"/api/v1/activities/{topic['id']}", json=body, headers=county["admin"])

    refused(patch({"open_slots": 1}), 422, "已有 2 位代表揭榜，揭榜名额不能少于 2 个。", "open_slots")
    assert patch({"open_slots": 2}).json["can_claim"] is False
    # 停止揭榜: the deputies who claimed stay on the list; nobody else finds it or claims.
    stopped = patch({"open_slots": None}).json
    assert (stopped["open_slots"], stopped["claimed_count"], stopped["participants_total"]) == (None, None, 3)
    assert topic["id"] not in open_list(client, county, "zhao")
    refused(claim(client, county, "zhao", topic["id"]), 404, "活动不存在。")
    notes = [e["note"] for e in client.get(f"/api/v1/activities/{topic['id']}", headers=county["admin"]).json["events"]
             if e["action"] == "edited"]
    assert notes == ["揭榜名额由 3 个改为 2 个", "停止揭榜（已揭榜的代表仍参加）"]
    # Taking the last invitee off an activity without places leaves nobody: refused.
    for who in ("zhang", "li"):
        client.post(f"/api/v1/activities/{topic['id']}/decline", json={"reason": "另有公务"},
                    headers=county["headers"][who])
    refused(patch({"remove_deputy_ids": [county["ids"][who] for who in ("wang", "zhang", "li")]}), 422,
            "活动至少要有一位参加的代表；如活动不再举行，请取消活动。", "remove_deputy_ids")


def test_a_deputy_who_claimed_a_place_earns_its_points_or_is_absent_at_close(app, client, county):
    topic = offer(client, county, 2, starts=datetime.now(timezone.utc) + timedelta(minutes=20)).json
    for who in ("zhang", "li"):
        assert claim(client, county, who, topic["id"]).status_code == 201
    scanned = checkin(client, county["headers"]["zhang"], county["station"].qr_code)
    assert (scanned.status_code, scanned.json["activity_id"]) == (201, topic["id"])
    begin(app, topic["id"])
    summary = client.post(f"/api/v1/activities/{topic['id']}/close", json={"early": True},
                          headers=county["admin"]).json["summary"]
    assert (summary["checked_in"], summary["absent"]) == (1, 1)
    for who, points in (("zhang", RESEARCH), ("li", ABSENCE)):
        mine = client.get(f"/api/v1/deputies/{county['ids'][who]}/points", headers=county["headers"][who]).json
        assert [(e["points"], e["source_id"]) for e in mine["entries"]] == [(points, topic["id"])]
    # The archive (履职档案) counts the research the deputy took on by 揭榜, in JSON and in the spreadsheet.
    path = f"/api/v1/deputies/{county['ids']['zhang']}/archive"
    research = client.get(path, headers=county["headers"]["zhang"]).json["activities"]
    assert [(a["label"], a["claimed"], a["checked_in"], a["absent"]) for a in research] == [("调研", 1, 1, 0)]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"{path}?format=xlsx", headers=county["headers"]["zhang"]).data)).active
    rows = [[cell.value for cell in row][:6] for row in sheet.iter_rows()]
    header = rows.index(["活动类型", "受邀或揭榜", "其中揭榜", "签到", "请假", "缺席"])
    assert rows[header + 1] == ["调研", 1, 1, 1, 0, 0]
    refused(claim(client, county, "zhao", topic["id"]), 404, "活动已结束。")  # closed: no longer offered


def test_claims_are_refused_with_the_reason(app, client, county):
    invited_only = client.post("/api/v1/activities", json={
        "title": "执法检查", "type": "law_enforcement", "station_id": county["station"].id,
        "starts_at": iso(datetime.now(timezone.utc) + timedelta(days=1)),
        "ends_at": iso(datetime.now(timezone.utc) + timedelta(days=1, hours=2)),
        "deputy_ids": [county["ids"]["zhang"]]}, headers=county["admin"]).json
    assert invited_only["open_slots"] is None and invited_only["can_claim"] is False
    # Invited: a claim is answered with the activity as it is; anyone else cannot see it.
    invited = claim(client, county, "zhang", invited_only["id"])
    assert (invited.status_code, invited.json["my_status"], invited.json["claimed"]) == (200, "invited", False)
    refused(claim(client, county, "li", invited_only["id"]), 404, "活动不存在。")

    topic = offer(client, county, 5, starts=datetime.now(timezone.utc) - timedelta(hours=2, minutes=50)).json
    with app.app_context():  # its check-in window closes: three hours long, half an hour of grace
        db.session.execute(update(Activity).where(Activity.id == topic["id"])
                           .values(ends_dt=datetime.now(timezone.utc) - timedelta(minutes=31)))
        db.session.commit()
    refused(claim(client, county, "li", topic["id"]), 409, "活动已经结束，不能再揭榜。")
    assert topic["id"] not in open_list(client, county, "li")

    refused(client.get("/api/v1/activities?scope=open", headers=county["admin"]), 403, "只有代表可以查看可揭榜的活动。")
    refused(client.post(f"/api/v1/activities/{topic['id']}/claim", headers=county["admin"]), 403, "只有代表可以揭榜。")


@pytest.mark.parametrize("body, field, message", [
    ({"open_slots": None}, "deputy_ids", "请选择要邀请的代表，或设置揭榜名额由代表自行报名。"),
    ({"open_slots": 0}, "open_slots", "揭榜名额应为 1 至 1000 之间的整数。"),
    ({"open_slots": "3"}, "open_slots", "应为整数。"),
    ({"open_slots": 1000, "deputy_ids": "one"}, "open_slots", "邀请的代表与揭榜名额合计不能超过 1000 个；已邀请 1 位，揭榜名额最多 999 个。"),
])
def test_places_offered_at_dispatch_are_checked(client, county, body, field, message):
    if body.get("deputy_ids") == "one":
        body = body | {"deputy_ids": [county["ids"]["zhang"]]}
    refused(offer(client, county, None, **body), 422, message, field)


def test_the_open_list_costs_the_same_statements_for_one_activity_as_for_many(app, client, county):
    """可揭榜 reads its page, the caller's places in it and the places taken in one query each: as many
    statements for five activities as for one, through the partial index of the activities offering places."""
    offer(client, county, 2)
    open_list(client, county, "zhang")  # warm: the caller's first request also reads their deputy
    with sent_statements(app) as few:
        assert len(open_list(client, county, "zhang")) == 1
    for _ in range(4):
        claim(client, county, "zhang", offer(client, county, 3).json["id"])
    with sent_statements(app) as many:
        listed = open_list(client, county, "zhang")
    assert len(listed) == 5 and sum(a["my_status"] == "accepted" for a in listed.values()) == 4
    assert len(many) == len(few), many
    with app.app_context():
        assert "ix_activities_open_slots" in {i["name"] for i in inspect(db.engine).get_indexes("activities")}


# --- telling the deputies who may claim (揭榜 notices) ---------------------------------------------------


PLACES_PAGE = "pages/activity/detail?id={}"


def _places_notices(app, activity_id):
    """``{user id: (template, data, page)}`` of the 揭榜 notices queued for the activity (their own template)."""
    from backend.notifications.models import OutboxMessage

    with app.app_context():
        rows = db.session.scalars(db.select(OutboxMessage).where(
            OutboxMessage.template == "activity_claim", OutboxMessage.page == PLACES_PAGE.format(activity_id))).all()
        return {row.user_id: (row.template, row.data, row.page) for row in rows}


def _waiting_ids(app):
    """The 揭榜 notices not sent yet, each as its id and when it was queued (SQLite may give a row queued again
    the id of one dropped)."""
    from backend.notifications.models import OutboxMessage

    with app.app_context():
        return set(db.session.execute(db.select(OutboxMessage.id, OutboxMessage.created_dt).where(
            OutboxMessage.template == "activity_claim", OutboxMessage.status == "pending")).all())


def _users_of(app, county, *who):
    from backend.auth.models import User

    with app.app_context():
        ids = [county["ids"][w] for w in who]
        return {u.deputy_id: u.id for u in db.session.scalars(db.select(User).where(User.deputy_id.in_(ids)))}


def _delivered(app, wechat_standin, template_id="tmpl-activity-claim"):
    from backend.notifications.outbox import deliver_due

    with app.app_context():
        assert deliver_due()["failed"] == 0
    return [m for m in wechat_standin.messages() if m["template_id"] == template_id]


def _county_region(county):
    from backend.org.models import Region

    return db.session.get(Region, county["station"].region_id)


@pytest.fixture
def beyond(app, factory, county):
    """Two more of the county's deputies who are told nothing: one who left office (离任) after binding their
    WeChat, one in office who never bound it."""
    from backend.org.models import Deputy
    from backend.org.services import set_deputy_active

    region = _county_region(county)
    retired = factory.deputy(region, "钱进", phone="13800000308", level="county")
    factory.deputy_headers(retired)
    unbound = factory.deputy(region, "孙丽", phone="13800000309", level="county")
    set_deputy_active(db.session.get(Deputy, retired.id), False)
    db.session.commit()
    return {"retired": retired.id, "unbound": unbound.id}


def test_the_deputies_who_may_claim_are_told_of_the_places_through_wechat(app, client, county, beyond,
                                                                           wechat_standin):
    """发单 with places for 揭榜: every deputy who may claim one (those its 可揭榜 list shows it to, with 揭榜 on
    it) and is not on its list is told, once, through the 揭榜 template (not 发单's, whose consent an invitation
    needs), opening the activity's page; the deputy invited gets the invitation alone; the deputies it is not
    open to, the one who left office and the one without WeChat get nothing."""
    created = offer(client, county, 2, deputy_ids=[county["ids"]["wang"]], title="关于城北片区老旧小区加装电梯资金分摊情况的专题调研")
    assert created.status_code == 201, created.json
    topic = created.json

    offered_to = {who for who in county["ids"] if open_list(client, county, who).get(topic["id"], {}).get("can_claim")}
    assert offered_to == {"zhang", "li", "zhao", "received"}
    users = _users_of(app, county, *offered_to)
    notices = _places_notices(app, topic["id"])
    assert set(notices) == set(users.values())
    template, data, page = next(iter(notices.values()))
    assert (template, page) == ("activity_claim", PLACES_PAGE.format(topic["id"]))
    assert data["number5"] == "2"
    assert all(len(value) <= 20 for value in data.values())

    sent = _delivered(app, wechat_standin)
    told = {m["touser"]: m for m in sent}
    assert sorted(told) == sorted(f"fake-openid-deputy{county['ids'][w]}" for w in offered_to)
    assert len(sent) == len(told)  # one message each
    message = told[f"fake-openid-deputy{county['ids']['zhao']}"]
    assert message["page"] == PLACES_PAGE.format(topic["id"])
    starts = datetime.fromisoformat(topic["starts_at"]).astimezone(timezone(timedelta(hours=8)))
    assert {key: value["value"] for key, value in message["data"].items()} == {
        "thing1": "关于城北片区老旧小区加装电梯资金分摊情…", "phrase2": "调研", "time3": starts.strftime("%Y-%m-%d %H:%M"),
        "thing4": "人民路 18 号", "number5": "2"}  # 活动名称, 活动类型, 开始时间, 活动地点, 剩余名额
    invitations = [m for m in wechat_standin.messages() if m["template_id"] == "tmpl-activity"]
    assert [(m["touser"], m["data"]["thing5"]["value"]) for m in invitations] == [
        (f"fake-openid-deputy{county['ids']['wang']}", "您有一项新的履职活动，请接单")]
    for who in ("elsewhere", "above"):
        assert f"fake-openid-deputy{county['ids'][who]}" not in told
    assert f"fake-openid-deputy{beyond['retired']}" not in told


def test_places_opened_or_added_later_tell_only_those_not_yet_told(app, client, county, factory, wechat_standin):
    """An activity by invitation only tells nobody of places; opening places later (PATCH) tells the deputies
    who may claim; once those are sent, more places, the same places saved again, 停止揭榜 and opening them
    again send nobody a second one (one notice per deputy and activity), but a deputy who became one who may
    claim since then (bound their WeChat) is told at the next edit. A deputy who claimed a place is not told
    again, nor one taken off the list by the edit that adds places."""
    topic = offer(client, county, None, deputy_ids=[county["ids"]["wang"]]).json
    assert _places_notices(app, topic["id"]) == {}

    def patch(body):
        response = client.patch(f"/api/v1/activities/{topic['id']}", json=body, headers=county["admin"])
        assert response.status_code == 200, response.json
        return response.json

    patch({"open_slots": 3})
    first = _places_notices(app, topic["id"])
    assert set(first) == set(_users_of(app, county, "zhang", "li", "zhao", "received").values())
    assert {data["number5"] for _, data, _ in first.values()} == {"3"}
    assert len(_delivered(app, wechat_standin)) == 4
    assert claim(client, county, "zhang", topic["id"]).status_code == 201

    newcomer = factory.deputy(_county_region(county), "冯涛", phone="13800000310", level="county")
    patch({"open_slots": 3, "title": "加装电梯情况调研"})  # the four were sent: nobody is told again
    assert _places_notices(app, topic["id"]) == first
    headers = factory.deputy_headers(newcomer)  # binds their WeChat now
    patch({"open_slots": 5})
    raised = _places_notices(app, topic["id"])
    newcomer_user = client.get("/api/v1/me", headers=headers).json["id"]
    assert set(raised) == set(first) | {newcomer_user}
    assert raised[newcomer_user][1]["number5"] == "4"  # 5 offered, 1 taken
    # The deputy taken off by an edit adding places is told they need not come, not invited to claim one.
    patch({"open_slots": 6, "remove_deputy_ids": [county["ids"]["wang"]]})
    assert set(_places_notices(app, topic["id"])) == set(raised)
    # 停止揭榜 and places offered again: only the deputy not told yet, the one taken off the list, is told.
    patch({"open_slots": None})
    patch({"open_slots": 2})
    wang = _users_of(app, county, "wang")[county["ids"]["wang"]]
    assert set(_places_notices(app, topic["id"])) == set(raised) | {wang}

    sent = _delivered(app, wechat_standin)
    assert sorted(m["touser"] for m in sent) == sorted(
        [f"fake-openid-deputy{county['ids'][w]}" for w in ("wang", "zhang", "li", "zhao", "received")]
        + [f"fake-openid-deputy{newcomer.id}"])  # wang: told of places once taken off the list


def test_notices_still_waiting_are_dropped_once_no_place_is_left_or_the_activity_is_off(app, client, county,
                                                                                         wechat_standin):
    """The sweep sends 揭榜 notices after every other message (a city's take an hour): those still waiting
    when an edit moves the activity are queued again as it now reads, and when its last place is taken, or
    it is cancelled, they are never sent: nobody is invited to claim what is gone."""
    topic = offer(client, county, 1).json
    assert len(_places_notices(app, topic["id"])) == 5
    queued = _waiting_ids(app)
    later = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=3)
    moved = client.patch(f"/api/v1/activities/{topic['id']}", headers=county["admin"],
                         json={"starts_at": iso(later), "ends_at": iso(later + timedelta(hours=2))})
    assert moved.status_code == 200, moved.json
    shown = later.astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
    assert {data["time3"] for _, data, _ in _places_notices(app, topic["id"]).values()} == {shown}
    # Restated where they wait, not dropped and queued again (one a sweep is sending would go twice).
    assert _waiting_ids(app) == queued

    assert claim(client, county, "zhang", topic["id"]).status_code == 201  # the only place
    assert _places_notices(app, topic["id"]) == {}
    assert _delivered(app, wechat_standin) == []

    other = offer(client, county, 2, title="志愿服务日").json
    assert len(_places_notices(app, other["id"])) == 5
    assert client.post(f"/api/v1/activities/{other['id']}/cancel", headers=county["admin"]).status_code == 200
    assert _places_notices(app, other["id"]) == {}
    assert _delivered(app, wechat_standin) == []


def test_a_retried_dispatch_tells_nobody_twice(app, client, county, wechat_standin):
    """发单 sent again with its Idempotency-Key (its answer lost): one activity, one notice each."""
    starts = datetime.now(timezone.utc) + timedelta(days=2)
    headers = county["admin"] | {"Idempotency-Key": "jiebang-retry-1"}
    body = {"title": "志愿服务日", "type": "volunteer", "station_id": county["station"].id, "starts_at": iso(starts),
            "ends_at": iso(starts + timedelta(hours=3)), "deputy_ids": [], "open_slots": 4}
    first = client.post("/api/v1/activities", json=body, headers=headers)
    again = client.post("/api/v1/activities", json=body, headers=headers)
    assert (first.status_code, again.status_code, again.json["id"]) == (201, 201, first.json["id"])
    assert len(_places_notices(app, first.json["id"])) == 5  # the five deputies of the county and its station
    sent = _delivered(app, wechat_standin)
    assert len(sent) == len({m["touser"] for m in sent}) == 5


def test_an_activity_recorded_after_it_ended_tells_nobody_of_places(app, client, county):
    over = offer(client, county, 2, starts=datetime.now(timezone.utc) - timedelta(hours=5))
    assert over.status_code == 201, over.json
    assert _places_notices(app, over.json["id"]) == {}


def test_telling_a_region_of_places_is_one_statement_however_many_may_claim(app, client, county, factory):
    """揭榜 notices are queued by one INSERT … SELECT, not a row a deputy: as many statements for a region
    of twenty deputies as for one of five."""
    def inserts(seen):
        return [s for s in seen if s.lstrip().upper().startswith("INSERT INTO OUTBOX_MESSAGES")]

    with sent_statements(app) as few:
        assert offer(client, county, 2).status_code == 201
    for i in range(15):
        factory.deputy_headers(factory.deputy(_county_region(county), f"代表甲{i}", phone=f"1390000{i:04d}",
                                              level="county"))
    with sent_statements(app) as many:
        topic = offer(client, county, 2).json
    assert len(_places_notices(app, topic["id"])) == 20
    assert len(inserts(few)) == len(inserts(many)) == 1
    assert len(many) == len(few)


def test_notices_of_places_yield_to_every_other_message_in_each_sweep_run(app, client, county, factory,
                                                                          wechat_standin):
    """A city's 揭榜 notices are thousands, and the sweep sends a number a run: a citizen's 已受理 and a
    deputy's new item queued behind them go at the next run all the same, before any notice, and a notice
    left for a later try holds back none of its deputy's other messages. The notices follow, each once."""
    from backend.notifications.models import OutboxMessage
    from backend.notifications.outbox import deliver_due
    from backend.org.models import Deputy

    from .factories import screen
    from .test_suggestions import file, step

    for i in range(6):
        factory.deputy_headers(factory.deputy(_county_region(county), f"代表乙{i}", phone=f"1390001{i:04d}",
                                              level="county"))
    topic = offer(client, county, 2).json
    notices = _places_notices(app, topic["id"])
    assert len(notices) == 11  # the county's five and six more
    zhang = f"fake-openid-deputy{county['ids']['zhang']}"
    with app.app_context():
        code = db.session.get(Deputy, county["ids"]["zhang"]).qr_code
        # 张伟's notice was tried and left for a later try (WeChat's access token stale).
        db.session.execute(update(OutboxMessage).where(
            OutboxMessage.template == "activity_claim", OutboxMessage.user_id == _users_of(app, county, "zhang")[
                county["ids"]["zhang"]]).values(attempts=1, next_attempt_dt=datetime.now(timezone.utc) + timedelta(minutes=1)))
        db.session.commit()

    citizen = factory.wechat_login("citizen-chen")
    item = file(client, citizen, code)
    assert item.status_code == 201, item.json
    screen(app)  # the deputy is told of the new item
    assert step(client, county["headers"]["zhang"], item.json["id"], "accept").status_code == 200  # 已受理

    with app.app_context():
        assert deliver_due(limit=3) == {"sent": 3, "refused": 0, "skipped": 0, "retry": 0, "failed": 0}
    first = [(m["touser"], m["template_id"]) for m in wechat_standin.messages()]
    assert first[:2] == [(zhang, "tmpl-new-item"), ("fake-openid-citizen-chen", "tmpl-accepted")], first
    assert first[2][1] == "tmpl-activity-claim" and first[2][0] != zhang

    with app.app_context():
        while deliver_due(limit=3)["sent"]:
            pass
        db.session.execute(update(OutboxMessage).values(next_attempt_dt=datetime.now(timezone.utc)))
        db.session.commit()
        assert deliver_due(limit=3)["sent"] == 1  # 张伟's, tried again
    sent = [m["touser"] for m in wechat_standin.messages() if m["template_id"] == "tmpl-activity-claim"]
    assert len(sent) == len(set(sent)) == 11 and sent[-1] == zhang


def _told(sent):
    return sorted(m["touser"] for m in sent)


def _openids(county, *who):
    return sorted(f"fake-openid-deputy{county['ids'][w]}" for w in who)


def test_a_claim_drops_the_claimants_own_notice_and_the_others_read_the_places_left(app, client, county,
                                                                                    wechat_standin):
    """A deputy who claims a place before their notice went is not invited to claim it afterwards (nor is a
    consent of theirs spent on it), and the notices still waiting say how many places are left now."""
    topic = offer(client, county, 3).json
    assert {data["number5"] for _, data, _ in _places_notices(app, topic["id"]).values()} == {"3"}
    assert claim(client, county, "zhang", topic["id"]).status_code == 201
    notices = _places_notices(app, topic["id"])
    assert set(notices) == set(_users_of(app, county, "li", "wang", "zhao", "received").values())
    assert {data["number5"] for _, data, _ in notices.values()} == {"2"}
    assert claim(client, county, "zhao", topic["id"]).status_code == 201
    assert {data["number5"] for _, data, _ in _places_notices(app, topic["id"]).values()} == {"1"}

    # 张伟 takes leave (a place given back) and withdraws it (taken again): the notices follow.
    assert client.post(f"/api/v1/activities/{topic['id']}/decline", json={"reason": "临时出差"},
                       headers=county["headers"]["zhang"]).status_code == 200
    assert {data["number5"] for _, data, _ in _places_notices(app, topic["id"]).values()} == {"2"}
    assert client.post(f"/api/v1/activities/{topic['id']}/accept", headers=county["headers"]["zhang"]).status_code == 200
    assert {data["number5"] for _, data, _ in _places_notices(app, topic["id"]).values()} == {"1"}

    sent = _delivered(app, wechat_standin)
    assert _told(sent) == _openids(county, "li", "wang", "received")
    assert {m["data"]["number5"]["value"] for m in sent} == {"1"}


def test_a_claim_restates_the_notices_in_as_many_statements_however_many_wait(app, client, county, factory):
    """A claim restates the notices still waiting (a city's thousands) by set-based statements: as many for
    twenty waiting as for five."""
    few_topic = offer(client, county, 3).json
    with sent_statements(app) as few:
        assert claim(client, county, "zhang", few_topic["id"]).status_code == 201
    for i in range(15):
        factory.deputy_headers(factory.deputy(_county_region(county), f"代表丙{i}", phone=f"1390002{i:04d}",
                                              level="county"))
    many_topic = offer(client, county, 3).json
    assert len(_places_notices(app, many_topic["id"])) == 20
    with sent_statements(app) as many:
        assert claim(client, county, "zhang", many_topic["id"]).status_code == 201
    assert len(_places_notices(app, many_topic["id"])) == 19
    assert len(many) == len(few)


def test_a_place_given_back_is_announced_to_those_not_told_yet(app, client, county, wechat_standin):
    """The last place claimed drops the notices still waiting; the claimant's 请假 gives it back, and the
    deputies whose notices were dropped are told again (not the one who took leave, and nobody twice)."""
    topic = offer(client, county, 1).json
    assert claim(client, county, "zhang", topic["id"]).status_code == 201
    assert _places_notices(app, topic["id"]) == {}
    leave = client.post(f"/api/v1/activities/{topic['id']}/decline", json={"reason": "临时出差"},
                        headers=county["headers"]["zhang"])
    assert leave.status_code == 200, leave.json
    notices = _places_notices(app, topic["id"])
    assert set(notices) == set(_users_of(app, county, "li", "wang", "zhao", "received").values())
    assert {data["number5"] for _, data, _ in notices.values()} == {"1"}
    sent = _delivered(app, wechat_standin)
    assert _told(sent) == _openids(county, "li", "wang", "zhao", "received")

    # 李娜 takes it and gives it back: the three others were sent theirs, and nobody is sent another.
    assert claim(client, county, "li", topic["id"]).status_code == 201
    assert client.post(f"/api/v1/activities/{topic['id']}/decline", json={"reason": "身体不适"},
                       headers=county["headers"]["li"]).status_code == 200
    assert _delivered(app, wechat_standin) == sent


def test_a_claimant_taken_off_the_list_gives_the_place_back_to_those_not_told_yet(app, client, county,
                                                                                   wechat_standin):
    topic = offer(client, county, 1).json
    assert claim(client, county, "zhang", topic["id"]).status_code == 201
    assert _places_notices(app, topic["id"]) == {}
    edited = client.patch(f"/api/v1/activities/{topic['id']}", json={"remove_deputy_ids": [county["ids"]["zhang"]]},
                          headers=county["admin"])
    assert edited.status_code == 200, edited.json
    assert set(_places_notices(app, topic["id"])) == set(
        _users_of(app, county, "li", "wang", "zhao", "received").values())
    assert _told(_delivered(app, wechat_standin)) == _openids(county, "li", "wang", "zhao", "received")


def test_the_sweep_drops_the_notices_of_an_activity_whose_claims_have_closed(app, client, county,
                                                                              wechat_standin):
    """A city's notices take the sweep an hour: those of an activity that is over by the time their turn
    comes (its check-in window closed, so nobody can claim) are dropped before delivery, those of one still
    on go."""
    over = offer(client, county, 2, title="即将结束的调研").json
    still = offer(client, county, 2, title="仍可揭榜的调研").json
    assert len(_places_notices(app, over["id"])) == len(_places_notices(app, still["id"])) == 5
    with app.app_context():
        ended = datetime.now(timezone.utc) - timedelta(minutes=31)
        db.session.execute(update(Activity).where(Activity.id == over["id"]).values(
            starts_dt=ended - timedelta(hours=2), ends_dt=ended))
        db.session.commit()

    result = app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 0, result.output
    assert "消息发送成功 5，" in result.output
    assert _places_notices(app, over["id"]) == {}
    sent = [m for m in wechat_standin.messages() if m["template_id"] == "tmpl-activity-claim"]
    assert {m["data"]["thing1"]["value"] for m in sent} == {"仍可揭榜的调研"}
    assert len(sent) == 5


def test_a_deputy_leaving_office_is_not_sent_the_notices_still_waiting(app, client, county, factory,
                                                                        wechat_standin):
    """离任, by the deputy's page (PATCH active false) or the register's import: the deputy can no longer claim,
    so their notices still waiting are dropped."""
    from .test_import import upload, xlsx

    topic = offer(client, county, 2).json
    assert len(_places_notices(app, topic["id"])) == 5
    admin = factory.headers_for_admin(factory.admin(region=_county_region(county)))
    left = client.patch(f"/api/v1/deputies/{county['ids']['li']}", json={"active": False}, headers=admin)
    assert (left.status_code, left.json["active"]) == (200, False)
    assert set(_places_notices(app, topic["id"])) == set(
        _users_of(app, county, "zhang", "wang", "zhao", "received").values())
    imported = upload(client, admin, xlsx([["赵敏", "乡镇", "城北街道", "13800000304", "", "", "", "离任"]]))
    assert imported.json == {"created": 0, "updated": 1, "unchanged": 0, "errors": []}, imported.json
    assert set(_places_notices(app, topic["id"])) == set(_users_of(app, county, "zhang", "wang", "received").values())
    assert _told(_delivered(app, wechat_standin)) == _openids(county, "zhang", "wang", "received")


def test_a_deputy_who_gave_the_place_back_is_told_why_a_claim_finds_none_and_loses_the_tag(app, client, county):
    """揭榜 edge cases (audit 30, 14): claiming again after taking leave, every place taken, is refused saying
    why (not a 200 that changes nothing); the console's attendance no longer tags them 揭榜."""
    from .test_console_suggestions import console_login

    topic = offer(client, county, 1).json
    assert claim(client, county, "zhang", topic["id"]).status_code == 201
    assert client.post(f"/api/v1/activities/{topic['id']}/decline", json={"reason": "临时出差"},
                       headers=county["headers"]["zhang"]).status_code == 200
    assert claim(client, county, "li", topic["id"]).status_code == 201
    refused(claim(client, county, "zhang", topic["id"]), 409, "揭榜名额已满（您请假时已让出名额）。")
    # A place free again: the claim answers with the activity, as for anyone on its list (接单 takes it).
    assert client.patch(f"/api/v1/activities/{topic['id']}", json={"open_slots": 2},
                        headers=county["admin"]).status_code == 200
    assert claim(client, county, "zhang", topic["id"]).status_code == 200

    console = console_login(app, "chengbei")
    rows = {p["name"]: p for p in console.get(f"/console/activities/{topic['id']}/attendance.json").json["participants"]}
    assert (rows["张伟"]["status_label"], rows["张伟"]["claimed"]) == ("已请假", False)
    assert rows["李娜"]["claimed"] is True
    page = console.get(f"/console/activities/{topic['id']}").get_data(as_text=True)
    assert page.count('<span class="badge claimed">揭榜</span>') == 1


def test_a_deputy_offered_places_opening_a_cancelled_or_closed_activity_is_told_so(app, client, county):
    """Still 404 (not shown to deputies not on its list once over, as documented), with the reason for those it
    was offered to; others learn nothing of it."""
    cancelled = offer(client, county, 2).json
    assert client.get(f"/api/v1/activities/{cancelled['id']}", headers=county["headers"]["li"]).status_code == 200
    assert client.post(f"/api/v1/activities/{cancelled['id']}/cancel", json={"reason": "天气原因"},
                       headers=county["admin"]).status_code == 200
    refused(client.get(f"/api/v1/activities/{cancelled['id']}", headers=county["headers"]["li"]), 404, "活动已取消。")
    refused(client.get(f"/api/v1/activities/{cancelled['id']}", headers=county["headers"]["elsewhere"]), 404,
            "活动不存在。")
