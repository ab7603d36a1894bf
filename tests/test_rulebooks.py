"""Each congress sets its own 评分细则: a region's lines, inherited below it, through the HTTP API."""
from datetime import datetime, timedelta, timezone

import pytest

from backend.extensions import db

from .test_activities import STATION, checkin, iso

HC_STATION = STATION


@pytest.fixture
def congresses(factory):
    """The province's tree with a township under 鹤城区, a deputy in each of four congresses, an
    administrator of every region, and a station in 鹤城区 where all four are received."""
    tree = factory.tree()
    tree["hcx"] = factory.region("城北街道", "township", tree["hc"])
    station = factory.station(tree["hc"], "城北联络站", lat=STATION[0], lng=STATION[1])
    deputies = {
        key: factory.deputy(tree[key], name, phone=f"1390000020{i}", level=level, stations=[station])
        for i, (key, name, level) in enumerate((("hh", "怀化市代表", "city"), ("hc", "鹤城区代表", "county"),
                                                 ("hcx", "街道代表", "township"), ("yl", "岳麓区代表", "county")))
    }
    admins = {key: factory.headers_for_admin(factory.admin(f"admin-{key}", region=tree[key]))
              for key in ("root", "hh", "hc", "yl")}
    admins["station"] = factory.headers_for_admin(factory.admin("station-admin", stations=[station]))
    return {"tree": tree, "station": station, "deputies": deputies, "admins": admins,
            "headers": {key: factory.deputy_headers(d) for key, d in deputies.items()}}


def rules(client, headers, **query):
    response = client.get("/api/v1/scoring-rules", query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return {rule["code"]: rule for rule in response.json["items"]}


def put(client, headers, code, body, **query):
    return client.put(f"/api/v1/scoring-rules/{code}", json=body, query_string=query, headers=headers)


def reception(client, congresses, deputies, title="进站接待选民", morning=False):
    """An activity at the 鹤城区 station for ``deputies`` (keys) going on now, or ``morning``: ended a quarter
    of an hour ago (check-in still open), not at the same time as one now."""
    now = datetime.now(timezone.utc)
    starts, ends = (now - timedelta(hours=3), now - timedelta(minutes=15)) if morning else \
        (now - timedelta(minutes=10), now + timedelta(hours=2))
    body = {"title": title, "type": "reception", "station_id": congresses["station"].id,
            "starts_at": iso(starts), "ends_at": iso(ends),
            "deputy_ids": [congresses["deputies"][key].id for key in deputies]}
    created = client.post("/api/v1/activities", json=body, headers=congresses["admins"]["root"])
    assert created.status_code == 201, created.json
    return created.json["id"]


def close(client, congresses, activity_id):
    response = client.post(f"/api/v1/activities/{activity_id}/close", json={"early": True},
                           headers=congresses["admins"]["root"])
    assert response.status_code == 200, response.json
    return response.json["summary"]


def entries(client, congresses, key):
    deputy = congresses["deputies"][key]
    answer = client.get(f"/api/v1/deputies/{deputy.id}/points", headers=congresses["headers"][key]).json
    return [(e["rule_code"], e["points"]) for e in answer["entries"]]


def test_a_region_sets_its_own_line_and_the_regions_below_follow_it(client, congresses):
    admins, tree = congresses["admins"], congresses["tree"]
    city = put(client, admins["hh"], "reception", {"points": 8, "label": "进站接待"})
    assert city.status_code == 200, city.json
    assert city.json == {
        "code": "reception", "label": "进站接待", "points": 8, "applies_to": "activity", "yearly_cap": None,
        "active": True, "set_by_region_id": tree["hh"].id, "set_by_region_name": "怀化市", "inherited": False,
    }
    county = put(client, admins["hc"], "absence", {"points": -3})
    assert county.status_code == 200 and county.json["set_by_region_name"] == "鹤城区"

    # Each administrator reads their own region's rulebook by default; ?region_id= reads another's.
    in_county = rules(client, admins["hc"])
    assert (in_county["reception"]["points"], in_county["reception"]["set_by_region_name"],
            in_county["reception"]["inherited"]) == (8, "怀化市", True)
    assert (in_county["absence"]["points"], in_county["absence"]["inherited"]) == (-3, False)
    assert (in_county["inspection"]["points"], in_county["inspection"]["set_by_region_name"]) == (3, "湖南省")
    for headers, query in ((admins["root"], {}), (admins["yl"], {}), (admins["hc"], {"region_id": tree["yl"].id})):
        elsewhere = rules(client, headers, **query)
        assert (elsewhere["reception"]["points"], elsewhere["absence"]["points"]) == (5, -1)
    assert rules(client, admins["station"], region_id=tree["hcx"].id)["absence"]["points"] == -3

    # Each deputy earns by their own congress's rulebook: the city's line, the county's, the township
    # following its county, and a deputy of another city by the province's.
    present = reception(client, congresses, ["hh", "hc", "hcx", "yl"])
    for key in ("hh", "hc", "hcx", "yl"):
        assert checkin(client, congresses["headers"][key], congresses["station"].qr_code).status_code == 201
    assert close(client, congresses, present)["points_credited"] == 8 + 8 + 8 + 5
    missed = reception(client, congresses, ["hh", "hc", "hcx", "yl"], title="第二次接待")
    assert close(client, congresses, missed)["points_credited"] == -1 - 3 - 3 - 1
    assert {key: entries(client, congresses, key) for key in ("hh", "hc", "hcx", "yl")} == {
        "hh": [("reception", 8), ("absence", -1)],
        "hc": [("reception", 8), ("absence", -3)],
        "hcx": [("reception", 8), ("absence", -3)],
        "yl": [("reception", 5), ("absence", -1)],
    }

    # The archive names the lines as the deputy's congress words them.
    def archive_labels(key):
        deputy = congresses["deputies"][key]
        answer = client.get(f"/api/v1/deputies/{deputy.id}/archive", headers=congresses["headers"][key]).json
        return {row["rule_code"]: row["label"] for row in answer["points"]["by_rule"]}

    assert archive_labels("hcx")["reception"] == "进站接待"
    assert archive_labels("yl")["reception"] == "接待选民（进站接待）"


def test_a_suggestion_earns_by_the_deputys_own_rulebook(client, congresses):
    assert put(client, congresses["admins"]["hc"], "suggestion_closed", {"points": 4}).status_code == 200
    citizen = {"Authorization": "Bearer " + client.post("/api/v1/auth/wechat", json={"code": "cit"}).json["token"]}
    for key in ("hcx", "yl"):
        deputy, headers = congresses["deputies"][key], congresses["headers"][key]
        item = client.post("/api/v1/suggestions", headers=citizen, json={
            "qr_code": deputy.qr_code, "category": "道路交通", "content": "路口缺红绿灯"}).json["id"]
        for action, body in (("accept", None), ("reply", {"content": "已协调交警部门"})):
            assert client.post(f"/api/v1/suggestions/{item}/{action}", json=body, headers=headers).status_code == 200
        rated = client.post(f"/api/v1/suggestions/{item}/rate", json={"satisfaction": "satisfied"}, headers=citizen)
        assert rated.status_code == 200, rated.json
    assert entries(client, congresses, "hcx") == [("suggestion_closed", 4), ("suggestion_satisfied", 1)]
    assert entries(client, congresses, "yl") == [("suggestion_closed", 3), ("suggestion_satisfied", 1)]


def test_a_regions_line_changes_only_what_is_earned_afterwards_and_can_be_withdrawn(client, congresses):
    admins, tree = congresses["admins"], congresses["tree"]
    assert put(client, admins["hh"], "reception", {"points": 8}).status_code == 200
    first = reception(client, congresses, ["hc"], morning=True)
    checkin(client, congresses["headers"]["hc"], congresses["station"].qr_code)
    close(client, congresses, first)

    # The city's administrator may set the county's line too (it lies in their subtree).
    county = put(client, admins["hh"], "reception", {"points": 6, "yearly_cap": 10}, region_id=tree["hc"].id)
    assert (county.status_code, county.json["set_by_region_name"], county.json["points"]) == (200, "鹤城区", 6)
    second = reception(client, congresses, ["hc"], title="第二次接待")
    checkin(client, congresses["headers"]["hc"], congresses["station"].qr_code)
    close(client, congresses, second)
    # The cap of the line in force counts every reception point of the year: 8 + 6 would pass 10.
    assert entries(client, congresses, "hc") == [("reception", 8), ("reception", 2)]

    withdrawn = client.delete("/api/v1/scoring-rules/reception", query_string={"region_id": tree["hc"].id},
                              headers=admins["hc"])
    assert withdrawn.status_code == 200, withdrawn.json
    assert (withdrawn.json["points"], withdrawn.json["set_by_region_name"], withdrawn.json["inherited"]) == (8, "怀化市", True)
    assert rules(client, admins["hc"])["reception"]["yearly_cap"] is None
    assert entries(client, congresses, "hc") == [("reception", 8), ("reception", 2)]


def test_the_super_administrator_edits_the_deployments_rulebook(client, congresses):
    admins, tree = congresses["admins"], congresses["tree"]
    assert put(client, admins["hh"], "inspection", {"points": 4}).status_code == 200
    deployment = put(client, admins["root"], "inspection", {"points": 2})
    assert deployment.status_code == 200
    assert (deployment.json["set_by_region_id"], deployment.json["inherited"]) == (tree["root"].id, False)
    assert rules(client, admins["yl"])["inspection"]["points"] == 2  # follows the province
    assert rules(client, admins["hc"])["inspection"]["points"] == 4  # its city set its own
    refused = client.delete("/api/v1/scoring-rules/inspection", headers=admins["root"])
    assert (refused.status_code, refused.json["error"], refused.json["message"]) == (
        409, "conflict", "全域评分细则只能修改，不能撤销。")


@pytest.mark.parametrize("who, method, path, query, status, error, message", [
    # A region outside the administrator's subtree (above it or beside it) answers as one that does not
    # exist (the contract: what the caller may not change there is not theirs to know of).
    ("hc", "PUT", "reception", "hh", 404, "not_found", "区域不存在。"),
    ("hc", "PUT", "reception", "yl", 404, "not_found", "区域不存在。"),
    ("hc", "DELETE", "reception", "root", 404, "not_found", "区域不存在。"),
    ("hc", "DELETE", "reception", "yl", 404, "not_found", "区域不存在。"),
    ("station", "PUT", "reception", None, 403, "forbidden", None),
    ("hc", "PUT", "no_such_rule", None, 404, "not_found", "评分细则不存在。"),
    ("hc", "DELETE", "no_such_rule", None, 404, "not_found", "评分细则不存在。"),
    ("hc", "PUT", "reception", 999999, 404, "not_found", "区域不存在。"),
    ("hc", "GET", "", 999999, 404, "not_found", "区域不存在。"),
    ("hc", "GET", "", "abc", 422, "validation_failed", None),
    ("hc", "PUT", "reception", 2**40, 422, "validation_failed", None),
])
def test_refusals_say_why_and_change_nothing(client, congresses, who, method, path, query, status, error, message):
    tree, admins = congresses["tree"], congresses["admins"]
    region_id = tree[query].id if query in tree else query
    response = client.open(f"/api/v1/scoring-rules{'/' + path if path else ''}", method=method, headers=admins[who],
                           json={"points": 9} if method == "PUT" else None,
                           query_string={} if region_id is None else {"region_id": region_id})
    assert (response.status_code, response.json["error"]) == (status, error), response.json
    if message:
        assert response.json["message"] == message
    for key in ("root", "hh", "hc", "yl"):
        assert rules(client, admins["root"], region_id=tree[key].id)["reception"]["points"] == 5


def test_a_put_that_changes_nothing_keeps_the_region_following(client, congresses):
    """Sent back as listed, or empty: the county's line stays the city's, and follows its later changes."""
    admins = congresses["admins"]
    listed = rules(client, admins["hc"])["reception"]
    for body in ({}, listed, {"points": 5}):
        kept = put(client, admins["hc"], "reception", body)
        assert (kept.status_code, kept.json["inherited"], kept.json["set_by_region_name"]) == (200, True, "湖南省")
    assert put(client, admins["hh"], "reception", {"points": 9}).status_code == 200
    assert rules(client, admins["hc"])["reception"]["points"] == 9


@pytest.mark.parametrize("body, field", [
    ({"points": 1.5}, "points"), ({"points": "7"}, "points"), ({"yearly_cap": 2.9}, "yearly_cap"),
    ({"label": ""}, "label"), ({"label": "   "}, "label"), ({"active": "maybe"}, "active"),
])
def test_a_rule_takes_whole_numbers_and_a_name(client, congresses, body, field):
    response = put(client, congresses["admins"]["hc"], "reception", body)
    assert (response.status_code, list(response.json.get("errors", {}))) == (422, [field]), response.json
    line = rules(client, congresses["admins"]["hc"])["reception"]
    assert (line["points"], line["label"], line["inherited"]) == (5, "接待选民（进站接待）", True)


@pytest.mark.parametrize("code, body, field, message", [
    ("reception", {"points": -5}, "points", "该条目为加分项，分值须为 0 或正数。"),  # attending would cost points
    ("suggestion_closed", {"points": -1}, "points", "该条目为加分项，分值须为 0 或正数。"),
    ("absence", {"points": 5}, "points", "该条目为扣分项，分值须为 0 或负数。"),  # staying away would earn
    ("suggestion_overdue", {"points": 1}, "points", "该条目为扣分项，分值须为 0 或负数。"),
    ("absence", {"yearly_cap": 1}, "yearly_cap", "扣分条目不设年度上限。"),  # a cap limits what a line adds
])
def test_a_line_keeps_the_sign_of_what_it_is_for(client, congresses, code, body, field, message):
    """A reward line is 0 or more, a deduction 0 or less and never capped: 422 under the field, nothing
    changed; within its sign the line takes any value, 0 too."""
    admins = congresses["admins"]
    before = rules(client, admins["root"])[code]
    for headers in (admins["root"], admins["hc"]):
        refused = put(client, headers, code, body)
        assert (refused.status_code, refused.json["errors"]) == (422, {field: [message]}), refused.json
    assert rules(client, admins["root"])[code] == before and rules(client, admins["hc"])[code]["inherited"] is True
    assert put(client, admins["hc"], code, {"points": 0}).status_code == 200


def test_a_rule_sent_back_as_listed_is_accepted_and_a_misspelt_field_is_not(client, congresses):
    admins = congresses["admins"]
    listed = rules(client, admins["hc"])["reception"]
    sent_back = put(client, admins["hc"], "reception", listed | {"points": 7})
    assert sent_back.status_code == 200 and sent_back.json == listed | {
        "points": 7, "set_by_region_name": "鹤城区", "set_by_region_id": congresses["tree"]["hc"].id, "inherited": False}
    misspelt = put(client, admins["hc"], "reception", {"piont": 7})
    assert misspelt.status_code == 422 and list(misspelt.json["errors"]) == ["piont"]


# --- whose congress's rulebook a deputy earns by ------------------------------------------------------


def test_a_deputy_earns_by_their_congresss_rulebook_not_by_the_lines_of_the_region_they_are_elected_in(
        client, factory, congresses):
    """A county deputy elected in 盈口乡 sits in 鹤城区's congress, a city deputy elected there in 怀化市's:
    the township's own lines credit its township deputies, never them (each congress's 评分细则 applies to
    its own deputies) — at 结单, for a suggestion, and in the archive's names of the lines."""
    tree, admins = congresses["tree"], congresses["admins"]
    tree["yk"] = factory.region("盈口乡", "township", tree["hc"])
    station = congresses["station"]
    for key, name, level, phone in (("yk_county", "乡选出的区代表", "county", "13900000211"),
                                    ("yk_city", "乡选出的市代表", "city", "13900000212"),
                                    ("yk", "盈口乡代表", "township", "13900000213")):
        congresses["deputies"][key] = factory.deputy(tree["yk"], name, phone=phone, level=level, stations=[station])
        congresses["headers"][key] = factory.deputy_headers(congresses["deputies"][key])
    township = factory.headers_for_admin(factory.admin("admin-yk", region=tree["yk"]))
    assert put(client, admins["hh"], "reception", {"points": 8}).status_code == 200
    assert put(client, admins["hc"], "reception", {"points": 6, "label": "区接待"}).status_code == 200
    assert put(client, township, "reception", {"points": 9, "label": "乡接待"}).status_code == 200
    assert put(client, township, "absence", {"points": -4}).status_code == 200
    assert put(client, township, "suggestion_closed", {"points": 7}).status_code == 200

    keys = ["yk_county", "yk_city", "yk"]
    present = reception(client, congresses, keys)
    for key in keys:
        assert checkin(client, congresses["headers"][key], station.qr_code).status_code == 201
    assert close(client, congresses, present)["points_credited"] == 6 + 8 + 9
    missed = reception(client, congresses, keys, title="第二次接待")
    assert close(client, congresses, missed)["points_credited"] == -1 - 1 - 4

    citizen = {"Authorization": "Bearer " + client.post("/api/v1/auth/wechat", json={"code": "cit"}).json["token"]}
    for key in keys:
        deputy, headers = congresses["deputies"][key], congresses["headers"][key]
        item = client.post("/api/v1/suggestions", headers=citizen, json={
            "qr_code": deputy.qr_code, "category": "道路交通", "content": "路口缺红绿灯"}).json["id"]
        for action, body in (("accept", None), ("reply", {"content": "已协调交警部门"})):
            assert client.post(f"/api/v1/suggestions/{item}/{action}", json=body, headers=headers).status_code == 200
        rated = client.post(f"/api/v1/suggestions/{item}/rate", json={"satisfaction": "satisfied"}, headers=citizen)
        assert rated.status_code == 200, rated.json

    assert {key: entries(client, congresses, key) for key in keys} == {
        "yk_county": [("reception", 6), ("absence", -1), ("suggestion_closed", 3), ("suggestion_satisfied", 1)],
        "yk_city": [("reception", 8), ("absence", -1), ("suggestion_closed", 3), ("suggestion_satisfied", 1)],
        "yk": [("reception", 9), ("absence", -4), ("suggestion_closed", 7), ("suggestion_satisfied", 1)],
    }

    def archive_label(key):
        deputy = congresses["deputies"][key]
        answer = client.get(f"/api/v1/deputies/{deputy.id}/archive", headers=congresses["headers"][key]).json
        return {row["rule_code"]: row["label"] for row in answer["points"]["by_rule"]}["reception"]

    assert [archive_label(key) for key in keys] == ["区接待", "接待选民（进站接待）", "乡接待"]


def test_the_lines_of_many_deputies_cost_the_statements_of_one(app, factory, congresses):
    """结单 resolves the lines of up to ACTIVITY_MAX_DEPUTIES deputies at once: as many statements for one
    deputy as for deputies of every level, elected in regions with and without lines of their own."""
    from backend.points import rulebook

    from .factories import sent_statements

    tree, deputies = congresses["tree"], congresses["deputies"]
    tree["yk"] = factory.region("盈口乡", "township", tree["hc"])
    crowd = [factory.deputy(tree[region], f"代表{region}{level}", phone=f"1391{i:07d}", level=level)
             for i, (region, level) in enumerate((region, level) for region in ("yk", "hcx", "hc", "yl")
                                                 for level in ("national", "provincial", "city", "county", "township"))]
    for region, points in (("yk", 9), ("hc", 6), ("hh", 8), ("hcx", 7)):
        rulebook.set_line(tree[region], "reception", {"points": points})
    db.session.commit()
    codes, ids, alone_id = ("reception", "absence"), [deputy.id for deputy in crowd], deputies["hc"].id
    with sent_statements(app) as one:
        alone = rulebook.for_deputies([alone_id], codes)
    with sent_statements(app) as many:
        lines = rulebook.for_deputies(ids, codes)
    assert len(many) == len(one), (one, many)
    assert alone[alone_id]["reception"].points == 6
    assert [lines[i]["reception"].points for i in ids] == [
        5, 5, 8, 6, 9,  # elected in 盈口乡
        5, 5, 8, 6, 7,  # in 城北街道
        5, 5, 8, 6, 6,  # in 鹤城区 (its township deputy: no township above, its own region's line)
        5, 5, 5, 5, 5,  # in 岳麓区, 长沙市: none set
    ]
    assert {lines[i]["absence"].points for i in ids} == {-1}


def test_the_rulebook_reads_in_the_order_of_the_activity_types_then_the_other_lines(client, congresses, app):
    """As the 发单 form lists the activity types (接待选民 first, 其他 last), then 无故缺席, the suggestions' and
    the research reports' lines; never in the order of the rules' internal keys."""
    codes = list(rules(client, congresses["admins"]["hh"]))
    assert codes == ["reception", "inspection", "research", "law_enforcement", "training", "group", "meeting",
                     "hearing", "volunteer", "report", "other", "absence", "suggestion_closed",
                     "suggestion_satisfied", "suggestion_overdue", "research_report_accepted", "research_report_instructed"]
    from .test_console_org_activities import sign_in, text
    page = text(sign_in(app, "admin-hh").get("/console/rules"))
    labels = [page.index(label) for label in ("接待选民（进站接待）", "视察", "志愿服务（公益活动）", "其他履职活动", "无故缺席活动",
                                            "办结群众建议")]
    assert labels == sorted(labels)
