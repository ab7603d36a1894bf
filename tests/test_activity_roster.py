"""An activity's roster (参加代表) at a whole district's size: the API's paged roster for the administrators
who manage the activity, the activity detail's bounded `participants` with counts per status, and what
a deputy sees of the others (names and statuses, never phones or others' leave reasons)."""
from datetime import datetime, timedelta, timezone

import pytest

import backend.activities.routes as activity_routes

from .factories import sent_statements
from .test_activities import begin, checkin, crew, dispatch  # noqa: F401  (fixture)


@pytest.fixture
def roster(app, client, crew, factory):
    """Seven deputies invited a day ahead: 李娜 took leave (出差), 王强 accepted; then the activity began
    and 张伟 scanned in. The other four (赵敏 and three more) have not answered."""
    station, region = crew["station"], crew["tree"]["hc"]
    more = [factory.deputy(region, name, phone=f"1390000020{i}", stations=[station])
            for i, name in enumerate(["孙丽", "周杰", "吴刚"])]
    deputies = crew["deputies"] + more
    starts = datetime.now(timezone.utc) + timedelta(days=1)
    activity_id = dispatch(client, crew, deputies, starts=starts, ends=starts + timedelta(hours=2),
                           title="全区代表学习培训", type="training").json["id"]
    zhang_h, li_h, wang_h = crew["headers"][:3]
    assert client.post(f"/api/v1/activities/{activity_id}/decline", json={"reason": "出差"},
                       headers=li_h).status_code == 200
    assert client.post(f"/api/v1/activities/{activity_id}/accept", headers=wang_h).status_code == 200
    begin(app, activity_id)
    assert checkin(client, zhang_h, station.qr_code).status_code == 201
    return {"id": activity_id, "deputies": deputies, "path": f"/api/v1/activities/{activity_id}"}


def names(items):
    return [p["deputy"]["name"] for p in items]


def test_administrators_page_the_roster_by_status_and_name(client, crew, roster):
    path, admin = roster["path"] + "/participants", crew["admin"]
    first = client.get(f"{path}?per_page=3", headers=admin)
    assert first.status_code == 200, first.json
    assert (first.json["total"], first.json["page"], first.json["per_page"]) == (7, 1, 3)
    assert names(first.json["items"]) == ["张伟", "李娜", "王强"]  # in the order they were entered
    assert first.json["items"][0]["status_label"] == "已签到" and first.json["items"][0]["checked_in_at"]
    assert first.json["items"][1]["decline_reason"] == "出差"  # the administrators read leave reasons
    assert "phone" not in str(first.json)
    last = client.get(f"{path}?per_page=3&page=3", headers=admin).json
    assert names(last["items"]) == ["吴刚"] and last["total"] == 7
    beyond = client.get(f"{path}?per_page=3&page=4", headers=admin).json
    assert beyond["items"] == [] and beyond["total"] == 7
    everyone = client.get(f"{path}?per_page=100", headers=admin).json
    assert names(everyone["items"]) == ["张伟", "李娜", "王强", "赵敏", "孙丽", "周杰", "吴刚"]

    def found(query):
        body = client.get(f"{path}?{query}", headers=admin).json
        return names(body["items"]), body["total"]

    assert found("status=checked_in") == (["张伟"], 1)
    assert found("status=declined") == (["李娜"], 1)
    assert found("status=accepted") == (["王强"], 1)
    assert found("status=invited") == (["赵敏", "孙丽", "周杰", "吴刚"], 4)
    assert found("status=absent") == ([], 0)
    assert found("q=丽") == (["孙丽"], 1)
    assert found("q=%20%E7%8E%8B%20") == (["王强"], 1)  # " 王 ": trimmed
    assert found("q=%E7%8E%8B&status=invited") == ([], 0)
    assert found("q=%25") == ([], 0)  # "%" is a character searched for, not a wildcard
    assert found("q=") == (names(everyone["items"]), 7)


def test_closing_shows_the_absent_in_the_roster_and_the_counts(client, crew, roster):
    assert client.post(f"{roster['path']}/close", json={"early": True}, headers=crew["admin"]).status_code == 200
    absent = client.get(f"{roster['path']}/participants?status=absent", headers=crew["admin"]).json
    assert names(absent["items"]) == ["王强", "赵敏", "孙丽", "周杰", "吴刚"]
    detail = client.get(roster["path"], headers=crew["admin"]).json
    assert detail["participant_counts"] == {"invited": 0, "accepted": 0, "declined": 1, "checked_in": 1, "absent": 5}


def test_the_detail_carries_the_counts_and_a_bounded_roster(client, crew, roster, monkeypatch):
    """However many are invited, the detail names at most PARTICIPANTS_SHOWN of them, with the counts per
    status and the total; a deputy further down the list still finds their own entry, with their own
    leave reason and nobody else's."""
    monkeypatch.setattr(activity_routes, "PARTICIPANTS_SHOWN", 3)
    counts = {"invited": 4, "accepted": 1, "declined": 1, "checked_in": 1, "absent": 0}
    admin = client.get(roster["path"], headers=crew["admin"]).json
    assert names(admin["participants"]) == ["张伟", "李娜", "王强"]
    assert admin["participants_total"] == 7 and admin["participant_counts"] == counts
    assert admin["participants"][1]["decline_reason"] == "出差"

    zhao_h = crew["headers"][3]
    zhao = client.get(roster["path"], headers=zhao_h).json
    assert names(zhao["participants"]) == ["张伟", "李娜", "王强", "赵敏"]  # their own entry after the first 3
    assert zhao["my_status"] == "invited" and zhao["participants"][3]["status_label"] == "待接单"
    assert zhao["participants_total"] == 7 and zhao["participant_counts"] == counts
    assert all("decline_reason" not in p and "checkin_note" not in p for p in zhao["participants"][:3])
    assert zhao["participants"][3]["decline_reason"] == ""
    assert "events" not in zhao and "phone" not in str(zhao)

    li = client.get(roster["path"], headers=crew["headers"][1]).json
    assert names(li["participants"]) == ["张伟", "李娜", "王强"]  # among the first: not repeated
    assert li["participants"][1]["decline_reason"] == "出差"


def test_who_may_read_the_roster(client, crew, roster, factory):
    path = roster["path"] + "/participants"
    deputy = client.get(path, headers=crew["headers"][0])
    assert deputy.status_code == 403
    assert deputy.json["error"] == "forbidden" and deputy.json["message"] == "只有管辖该活动的管理员可以查看参加代表名单。"
    foreign = factory.headers_for_admin(factory.admin("yuelu", region=crew["tree"]["yl"]))
    for headers in (foreign, factory.wechat_login("citizen-wang")):
        refused = client.get(path, headers=headers)
        assert refused.status_code == 404 and refused.json == {"error": "not_found", "message": "活动不存在。"}
    assert client.get(path).status_code == 401
    assert client.get("/api/v1/activities/999999/participants", headers=crew["admin"]).status_code == 404
    root = client.get(path, headers=crew["root_admin"])
    assert root.status_code == 200 and root.json["total"] == 7


@pytest.mark.parametrize("query, field, message", [
    ("page=0", "page", "应大于或等于 1 且小于或等于 100000。"),
    ("page=abc", "page", "应为整数。"),
    ("per_page=101", "per_page", "应大于或等于 1 且小于或等于 100。"),
    ("status=present", "status", "签到状态应为 invited（待接单）、accepted（已接单）、declined（已请假）、"
                                 "checked_in（已签到）或 absent（缺席）。"),
    ("q=" + "王" * 51, "q", "长度不能超过 50 个字符。"),
])
def test_bad_paging_and_filters_are_refused_in_chinese(client, crew, roster, query, field, message):
    refused = client.get(f"{roster['path']}/participants?{query}", headers=crew["admin"])
    assert refused.status_code == 422, refused.json
    assert refused.json["error"] == "validation_failed" and refused.json["message"]
    assert refused.json["errors"][field] == [message]


def test_the_statements_sent_do_not_grow_with_the_roster(app, client, crew, roster, factory):
    small = dispatch(client, crew, crew["deputies"][:1], title="小范围接待").json["id"]

    def sent(path, headers):
        with sent_statements(app) as seen:
            assert client.get(path, headers=headers).status_code == 200
        return len(seen)

    for suffix in ("", "/participants", "/participants?status=invited&q=%E8%B5%B5"):
        assert sent(f"/api/v1/activities/{small}{suffix}", crew["admin"]) == sent(roster["path"] + suffix, crew["admin"])
    zhang_h = crew["headers"][0]
    assert sent(f"/api/v1/activities/{small}", zhang_h) == sent(roster["path"], zhang_h)


def test_an_activity_read_without_its_roster_is_read_whole_when_a_step_needs_it(app, client, crew):
    """A page reads an activity without its roster; a step later in the same session (结单 reads every
    participant) gets the whole roster, not an error."""
    from backend.activities import services

    activity_id = dispatch(client, crew, crew["deputies"][:2]).json["id"]
    with app.app_context():
        bare = services.load_activity(activity_id, roster=False)
        assert services.participant(bare, crew["deputies"][1].id).deputy.name == "李娜"
        whole = services.load_activity(activity_id)
        assert whole is bare
        assert [p.deputy.name for p in whole.participants] == ["张伟", "李娜"]


def test_a_deputys_activity_list_reads_their_own_place_in_each_not_every_roster(app, client, crew, roster):
    """The list shows the deputy's own status in each activity (my_status), read for the page in one query
    that names the deputy: not the thousand other participations of a city-wide meeting."""
    import re

    dispatch(client, crew, crew["deputies"][:1], title="小范围接待")
    with sent_statements(app) as seen:
        listed = client.get("/api/v1/activities?scope=mine", headers=crew["headers"][1])
    assert listed.status_code == 200
    assert [(a["title"], a["my_status"]) for a in listed.json["items"]] == [("全区代表学习培训", "declined")]
    with sent_statements(app) as seen:
        listed = client.get("/api/v1/activities?scope=mine", headers=crew["headers"][0])
    assert sorted((a["title"], a["my_status"]) for a in listed.json["items"]) == [
        ("全区代表学习培训", "checked_in"), ("小范围接待", "invited")]
    rosters = [s for s in seen if re.search(r"FROM activity_participants\b", s)]
    assert rosters and all("activity_participants.deputy_id =" in s for s in rosters), rosters
