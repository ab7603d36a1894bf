"""An activity's record (台账, ``events`` on GET /activities/{id}): who dispatched it, moved it, invited or
took off whom, checked whom in by hand, closed or cancelled it, and the deputies' own 接单, 请假 and scans —
what a congress office is asked when a deputy disputes their points. Administrators who manage the
activity read it; deputies do not. A step refused, or one that changes nothing, leaves no line."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from backend.activities.models import ActivityEvent
from backend.auth.models import User
from backend.extensions import db

from .factories import sent_statements
from .test_activities import STATION, begin, checkin, crew, dispatch, iso  # noqa: F401

CHINA = timezone(timedelta(hours=8))


def tomorrow(hour):
    return (datetime.now(CHINA) + timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)


def record(client, activity_id, headers):
    """The record as an administrator reads it: (action, role, who, deputy, note) per line, oldest first."""
    body = client.get(f"/api/v1/activities/{activity_id}", headers=headers).json
    return [(e["action"], e["actor_role"], e["actor_name"], e["deputy_id"], e["note"]) for e in body["events"]]


def lines_in_database(activity_id):
    db.session.expire_all()
    return db.session.scalar(select(db.func.count()).select_from(ActivityEvent)
                             .where(ActivityEvent.activity_id == activity_id))


def test_the_record_says_who_did_what_to_an_activity(client, app, crew, factory):
    """刘静 (the station's administrator) dispatches tomorrow's reception to 张伟, 李娜 and 王强; 张伟 accepts,
    李娜 takes leave. 刘静 moves it to the afternoon in the meeting room, invites 赵敏 and takes 李娜 off;
    sent again, the same edit adds nothing. On the day 张伟 scans (twice), the city's staff check 王强 in by
    hand, 刘静 closes it (twice). The record tells each step once, in order, with who and what."""
    zhang, li, wang, zhao = crew["deputies"]
    zh, lh = crew["headers"][:2]
    admin = db.session.scalar(select(User).where(User.username == "chengbei"))
    admin.display_name = "刘静"
    db.session.commit()
    day = f"{tomorrow(9):%m-%d}"

    created = dispatch(client, crew, [zhang, li, wang], starts=tomorrow(9), ends=tomorrow(11))
    assert created.status_code == 201, created.json
    activity_id = created.json["id"]
    assert created.json["events"][0]["action_label"] == "发单"
    assert client.post(f"/api/v1/activities/{activity_id}/accept", headers=zh).status_code == 200
    assert client.post(f"/api/v1/activities/{activity_id}/decline", json={"reason": "出差在外"},
                       headers=lh).status_code == 200

    change = {"starts_at": iso(tomorrow(14)), "ends_at": iso(tomorrow(16)), "place": "城北联络站二楼会议室",
              "add_deputy_ids": [zhao.id], "remove_deputy_ids": [li.id]}
    for _ in range(2):  # a retried request: nothing left to change the second time
        edited = client.patch(f"/api/v1/activities/{activity_id}", json=change, headers=crew["admin"])
        assert edited.status_code == 200, edited.json
    assert [e["action"] for e in edited.json["events"]] == ["dispatched", "accepted", "declined", "edited"]

    begin(app, activity_id)
    first = checkin(client, zh, crew["station"].qr_code)
    assert first.status_code == 201, first.json
    assert checkin(client, zh, crew["station"].qr_code).status_code == 200
    by_hand = client.post(f"/api/v1/activities/{activity_id}/participants/{wang.id}/checkin",
                          json={"reason": "手机没电，无法扫码"}, headers=crew["root_admin"])
    assert by_hand.status_code == 200, by_hand.json
    for _ in range(2):
        assert client.post(f"/api/v1/activities/{activity_id}/close", json={"early": True},
                           headers=crew["admin"]).status_code == 200

    assert record(client, activity_id, crew["admin"]) == [
        ("dispatched", "station_admin", "刘静", None,
         f"{day} 09:00–11:00，城北联络站（人民路 18 号）；邀请 3 位代表：张伟、李娜、王强"),
        ("accepted", "deputy", "张伟", zhang.id, ""),
        ("declined", "deputy", "李娜", li.id, "请假理由：出差在外"),
        ("edited", "station_admin", "刘静", None,
         f"时间由 {day} 09:00–11:00 改为 {day} 14:00–16:00；地点改为“城北联络站二楼会议室”；邀请 赵敏；移出 李娜（已请假）"),
        ("checked_in", "deputy", "张伟", zhang.id, "联络站码签到，距活动地点约 0 米"),
        ("checked_in_by_hand", "region_admin", "root", wang.id, "为王强补签，原因：手机没电，无法扫码"),
        ("closed", "station_admin", "刘静", None, "已签到 2 人，缺席 1 人；计入积分 10 分（2 人），缺席扣分 -1 分（1 人）；记为缺席：赵敏"),
    ]
    body = client.get(f"/api/v1/activities/{activity_id}", headers=crew["root_admin"]).json
    assert [(e["action_label"], e["actor_role_label"]) for e in body["events"]] == [
        ("发单", "联络站管理员"), ("接单", "代表"), ("请假", "代表"), ("修改活动", "联络站管理员"), ("扫码签到", "代表"),
        ("补签", "人大工作人员"), ("结单", "联络站管理员")]
    assert body["events"][4]["at"] == first.json["checked_in_at"]
    assert body["events"][0]["actor_user_id"] == admin.id

    # The deputies invited read the activity, never its record (李娜's reason for leave among it).
    for headers in crew["headers"][0], crew["headers"][2]:
        seen = client.get(f"/api/v1/activities/{activity_id}", headers=headers)
        assert seen.status_code == 200 and "events" not in seen.json
        assert "出差在外" not in seen.get_data(as_text=True)
    # Another station's administrator does not see the activity at all.
    chengnan = factory.station(crew["tree"]["hc"], "城南联络站")
    other = factory.headers_for_admin(factory.admin("chengnan", stations=[chengnan]))
    assert client.get(f"/api/v1/activities/{activity_id}", headers=other).status_code == 404
    # Lists carry no record.
    listed = client.get("/api/v1/activities", headers=crew["admin"]).json["items"]
    assert listed and all("events" not in item for item in listed)


def test_an_edit_says_every_change_and_a_cancellation_the_state_it_left(client, crew):
    """Title, points, description and a place elsewhere than the station (its position dropped) each have
    their phrase; 取消 records how the deputies stood; a retried 取消 is refused and adds nothing."""
    zhang, li = crew["deputies"][:2]
    created = dispatch(client, crew, [zhang, li], starts=tomorrow(9), ends=tomorrow(11), points=5)
    activity_id = created.json["id"]
    assert client.post(f"/api/v1/activities/{activity_id}/accept", headers=crew["headers"][0]).status_code == 200
    edited = client.patch(f"/api/v1/activities/{activity_id}", json={
        "title": "城北联络站接待选民（下午场）", "points": None, "description": "请携带代表证",
        "ends_at": iso(tomorrow(12)),
    }, headers=crew["admin"])
    assert edited.status_code == 200, edited.json
    assert client.post(f"/api/v1/activities/{activity_id}/cancel", headers=crew["admin"]).status_code == 200
    again = client.post(f"/api/v1/activities/{activity_id}/cancel", headers=crew["admin"])
    assert again.status_code == 409

    day = f"{tomorrow(9):%m-%d}"
    assert [line[0::4] for line in record(client, activity_id, crew["admin"])][1:] == [
        ("accepted", ""),
        ("edited", f"名称改为“城北联络站接待选民（下午场）”；时间由 {day} 09:00–11:00 改为 {day} 09:00–12:00；"
                   "积分由 5 分 改为 按评分细则；修改了活动说明"),
        ("cancelled", "取消时：已接单 1 人，待接单 1 人"),
    ]


def test_steps_refused_write_no_line(client, app, crew):
    """Refused edits (422 and 409), a second 接单, 请假 once begun, 补签 before the start and of a deputy
    already in, 结单 before the start, a scan from too far away, anything after 取消: the record stays
    as it was, and so does the table behind it."""
    zhang, li, wang = crew["deputies"][:3]
    zh, lh = crew["headers"][:2]
    soon = datetime.now(timezone.utc) + timedelta(minutes=10)
    activity_id = dispatch(client, crew, [zhang, li, wang], starts=soon).json["id"]
    assert client.post(f"/api/v1/activities/{activity_id}/accept", headers=lh).status_code == 200
    assert checkin(client, zh, crew["station"].qr_code).status_code == 201  # check-in opens before the start
    before = record(client, activity_id, crew["admin"])
    assert [line[0] for line in before] == ["dispatched", "accepted", "checked_in"]

    def refused(response, status):
        assert response.status_code == status, response.json
        assert record(client, activity_id, crew["admin"]) == before
        assert lines_in_database(activity_id) == len(before)

    patch = f"/api/v1/activities/{activity_id}"
    refused(client.patch(patch, json={"ends_at": iso(soon - timedelta(hours=1))}, headers=crew["admin"]), 422)
    refused(client.patch(patch, json={"add_deputy_ids": [99999], "title": "新名称"}, headers=crew["admin"]), 422)
    refused(client.patch(patch, json={"remove_deputy_ids": [zhang.id], "place": "别处"}, headers=crew["admin"]), 409)
    refused(client.patch(patch, json={"title": "代表改的名称"}, headers=lh), 403)
    refused(client.post(f"{patch}/accept", headers=lh), 409)
    refused(client.post(f"{patch}/participants/{wang.id}/checkin", json={"reason": "手机没电"},
                        headers=crew["admin"]), 409)
    refused(client.post(f"{patch}/close", headers=crew["admin"]), 409)
    far = checkin(client, crew["headers"][2], crew["station"].qr_code, lat=STATION[0] + 0.045)
    refused(far, 409)

    begin(app, activity_id)
    refused(client.post(f"{patch}/decline", json={"reason": "临时有事"}, headers=crew["headers"][2]), 409)
    refused(client.post(f"{patch}/participants/{zhang.id}/checkin", json={"reason": "手机没电"},
                        headers=crew["admin"]), 409)
    refused(client.post(f"{patch}/participants/{wang.id}/checkin", json={"reason": " "}, headers=crew["admin"]), 422)

    assert client.post(f"{patch}/cancel", json={"void_checkins": True}, headers=crew["admin"]).status_code == 200
    before = record(client, activity_id, crew["admin"])
    assert before[-1][0] == "cancelled"
    refused(client.patch(patch, json={"title": "取消后改名"}, headers=crew["admin"]), 409)
    refused(client.post(f"{patch}/close", headers=crew["admin"]), 409)
    refused(checkin(client, crew["headers"][2], crew["station"].qr_code), 409)


def test_a_scan_writes_its_line_with_one_insert_and_reads_nothing_more(client, app, crew):
    """The hot path: a first scan sends what it sent before the record (the caller, the activities the
    code stands for, the hold, the claim) and one INSERT, of what the token already told — on PostgreSQL
    in the claim's statement, on SQLite right after it — then reads the deputy's invitation (one UPDATE of
    their unread notices about the activity); a repeated scan writes nothing."""
    zhang, code = crew["deputies"][0], crew["station"].qr_code
    activity_id = dispatch(client, crew, [zhang]).json["id"]
    db.session.remove()
    with sent_statements(app, lambda conn, statement: (conn.dialect.name, statement)) as sent:
        assert checkin(client, crew["headers"][0], code).status_code == 201
    dialect, statements = sent[0][0], [statement for _, statement in sent]
    assert [s for s in statements if "outbox_messages" in s] == statements[-1:], statements
    assert statements.pop().startswith("UPDATE outbox_messages SET read_dt")
    assert [s for s in statements if "activity_events" in s] == statements[-1:], statements
    if dialect == "postgresql":
        assert len(statements) == 4 and statements[-1].startswith("WITH claimed AS \n(UPDATE activity_participants")
    else:
        assert len(statements) == 5 and statements[-2].startswith("UPDATE activity_participants")
    assert " INSERT INTO activity_events " in f" {statements[-1]} ".replace("\n", " ")
    db.session.remove()
    with sent_statements(app) as again:
        assert checkin(client, crew["headers"][0], code).status_code == 200
    assert not any("activity_events" in s or "outbox_messages" in s for s in again), again
    assert lines_in_database(activity_id) == 2  # 发单 and the scan


def a_crowded_record(activity_id, lines, deputy_ids):
    """``lines`` more 接单 lines, as a city-wide plenary's deputies write them, one after another (the
    record of hundreds of deputies, without inviting hundreds)."""
    start = datetime.now(timezone.utc)
    db.session.add_all(ActivityEvent(
        activity_id=activity_id, action="accepted", actor_role="deputy", actor_name=f"代表{i:03d}",
        deputy_id=deputy_ids[i % len(deputy_ids)], note=f"第 {i} 条", created_dt=start + timedelta(seconds=i))
        for i in range(lines))
    db.session.commit()


def test_the_record_is_read_page_by_page_oldest_first(client, crew):
    """An activity with a long record: GET /activities/{id}/events pages it as every list does
    (?page=&per_page=, at most 100), oldest first, each line once across the pages; the detail carries
    only the latest lines and how many there are in all."""
    zhang, li = crew["deputies"][:2]
    activity_id = dispatch(client, crew, [zhang, li], starts=tomorrow(9), ends=tomorrow(11)).json["id"]
    a_crowded_record(activity_id, 129, [zhang.id, li.id])
    assert client.post(f"/api/v1/activities/{activity_id}/decline", json={"reason": "出差在外"},
                       headers=crew["headers"][1]).status_code == 200
    path = f"/api/v1/activities/{activity_id}/events"

    first = client.get(path, headers=crew["admin"])
    assert first.status_code == 200, first.json
    assert (first.json["total"], first.json["page"], first.json["per_page"], len(first.json["items"])) == (131, 1, 20, 20)
    assert first.json["items"][0]["action_label"] == "发单"
    assert [e["note"] for e in first.json["items"][1:4]] == ["第 0 条", "第 1 条", "第 2 条"]

    pages = [client.get(path, query_string={"page": n, "per_page": 50}, headers=crew["admin"]).json for n in (1, 2, 3)]
    assert [len(p["items"]) for p in pages] == [50, 50, 31]
    lines = [e for p in pages for e in p["items"]]
    assert [e["id"] for e in lines] == sorted({e["id"] for e in lines})  # oldest first, none twice, none left out
    assert pages[1]["items"][0]["note"] == "第 49 条"
    assert (lines[-1]["action"], lines[-1]["note"]) == ("declined", "请假理由：出差在外")
    assert client.get(path, query_string={"page": 4, "per_page": 50}, headers=crew["admin"]).json == {
        "items": [], "total": 131, "page": 4, "per_page": 50}

    # The contract's bounds: 100 lines a page at most; a page is a whole number from 1.
    assert len(client.get(path, query_string={"per_page": 100}, headers=crew["admin"]).json["items"]) == 100
    for bad in ({"per_page": 101}, {"per_page": 0}, {"page": 0}, {"page": "二"}):
        refused = client.get(path, query_string=bad, headers=crew["admin"])
        assert (refused.status_code, refused.json["error"], list(refused.json["errors"])) == \
            (422, "validation_failed", list(bad)), bad

    # The detail (and the answer to a step) carries the latest 50 lines, oldest first, and the count.
    detail = client.get(f"/api/v1/activities/{activity_id}", headers=crew["admin"]).json
    assert detail["events_total"] == 131
    assert [e["id"] for e in detail["events"]] == [e["id"] for e in lines[-50:]]
    edited = client.patch(f"/api/v1/activities/{activity_id}", json={"title": "全市代表集中视察"}, headers=crew["admin"])
    assert edited.json["events_total"] == 132 and len(edited.json["events"]) == 50
    assert edited.json["events"][-1]["note"] == "名称改为“全市代表集中视察”"


def test_the_record_is_filtered_by_deputy_and_by_step(client, app, crew):
    """An auditor asked about one deputy reads the lines that concern them (their own 接单, 请假 and scans,
    and a 补签 of theirs); or every line of one kind; or both."""
    zhang, li, wang = crew["deputies"][:3]
    activity_id = dispatch(client, crew, [zhang, li, wang], starts=tomorrow(9), ends=tomorrow(11)).json["id"]
    for headers in crew["headers"][0], crew["headers"][2]:
        assert client.post(f"/api/v1/activities/{activity_id}/accept", headers=headers).status_code == 200
    assert client.post(f"/api/v1/activities/{activity_id}/decline", json={"reason": "出差在外"},
                       headers=crew["headers"][1]).status_code == 200
    begin(app, activity_id)
    assert client.post(f"/api/v1/activities/{activity_id}/participants/{wang.id}/checkin",
                       json={"reason": "手机没电，无法扫码"}, headers=crew["admin"]).status_code == 200
    path = f"/api/v1/activities/{activity_id}/events"

    def read(**query):
        response = client.get(path, query_string=query, headers=crew["admin"])
        assert response.status_code == 200, response.json
        return response.json["total"], [(e["action"], e["actor_name"]) for e in response.json["items"]]

    assert read(deputy_id=wang.id) == (2, [("accepted", "王强"), ("checked_in_by_hand", "chengbei")])
    assert read(deputy_id=li.id) == (1, [("declined", "李娜")])
    assert read(action="accepted") == (2, [("accepted", "张伟"), ("accepted", "王强")])
    assert read(action="accepted", deputy_id=zhang.id) == (1, [("accepted", "张伟")])
    assert read(deputy_id=crew["deputies"][3].id) == (0, [])
    for bad in ({"action": "deleted"}, {"deputy_id": "王强"}, {"deputy_id": 0}):
        refused = client.get(path, query_string=bad, headers=crew["admin"])
        assert (refused.status_code, list(refused.json["errors"])) == (422, list(bad)), bad


def test_only_the_administrators_who_manage_the_activity_read_its_record(client, crew, factory):
    """As on the detail: its administrators read the record; a deputy invited sees the activity but not
    its record (403); anyone to whom the activity is not theirs to see finds no such activity (404)."""
    zhang = crew["deputies"][0]
    activity_id = dispatch(client, crew, [zhang], starts=tomorrow(9), ends=tomorrow(11)).json["id"]
    path = f"/api/v1/activities/{activity_id}/events"
    for headers in crew["admin"], crew["root_admin"]:
        assert client.get(path, headers=headers).json["total"] == 1

    invited = client.get(path, headers=crew["headers"][0])
    assert (invited.status_code, invited.json["error"], invited.json["message"]) == (
        403, "forbidden", "只有管辖该活动的管理员可以查看操作记录。")
    chengnan = factory.station(crew["tree"]["hc"], "城南联络站")
    other_admin = factory.headers_for_admin(factory.admin("chengnan", stations=[chengnan]))
    for headers in crew["headers"][1], other_admin, factory.wechat_login("citizen-wang"):
        hidden = client.get(path, headers=headers)
        assert (hidden.status_code, hidden.json["error"], hidden.json["message"]) == (404, "not_found", "活动不存在。")
    assert client.get("/api/v1/activities/99999/events", headers=crew["admin"]).status_code == 404
    assert client.get(path).status_code == 401
