"""民生实事项目代表票决制 through the HTTP API: a congress's round from draft to result, the deputies who
vote (those of its level elected in its subtree, fixed when voting opens), the secret ballot, the count
(more 赞成 than half the electorate, the top N, ties at the cut), progress, and citizens' proposals."""
import hashlib
import itertools
import json
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update

from backend.audit.models import AuditEvent
from backend.db_types import CHINA
from backend.extensions import db
from backend.idempotency import IdempotencyRecord
from backend.livelihood.models import LivelihoodBallot, LivelihoodProject, LivelihoodVote

API = "/api/v1/livelihood"


def iso(dt):
    return dt.isoformat()


@pytest.fixture
def congress(factory):
    """鹤城区 with a township under it; three county deputies of 鹤城区 (two elected in the township),
    deputies of other levels and another county who are not its electorate; administrators."""
    tree = factory.tree()
    tree["hcx"] = factory.region("城北镇", "township", tree["hc"])
    tree["cun"] = factory.region("红星村", "village", tree["hcx"])
    electors = [factory.deputy(tree["hc"], "张伟", phone="13900000101", level="county"),
                factory.deputy(tree["hcx"], "李娜", phone="13900000102", level="county"),
                factory.deputy(tree["hcx"], "王强", phone="13900000103", level="county")]
    others = {
        "township": factory.deputy(tree["hcx"], "镇代表", phone="13900000104", level="township"),
        "city": factory.deputy(tree["hc"], "市代表", phone="13900000105", level="city"),
        "elsewhere": factory.deputy(tree["yl"], "岳麓区代表", phone="13900000106", level="county"),
        "retired": factory.deputy(tree["hc"], "离任代表", phone="13900000107", level="county", active=False),
    }
    admins = {key: factory.headers_for_admin(factory.admin(f"admin-{key}", region=tree[key]))
              for key in ("root", "hh", "hc", "yl", "hcx")}
    return {"tree": tree, "electors": electors, "others": others, "admins": admins,
            "headers": [factory.deputy_headers(d) for d in electors],
            "other_headers": {key: factory.deputy_headers(d) for key, d in others.items() if key != "retired"},
            "citizen": factory.wechat_login("citizen-liu"), "factory": factory}


def new_round(client, headers, places=2, projects=("乡村道路硬化", "老旧小区改造", "农贸市场提质"), starts=-5, **extra):
    now = datetime.now(timezone.utc)
    body = {"title": "2027 年鹤城区民生实事项目票决", "year": 2027, "places": places,
            "starts_at": iso(now + timedelta(minutes=starts)), "ends_at": iso(now + timedelta(hours=2)), **extra}
    created = client.post(f"{API}/votes", json=body, headers=headers)
    assert created.status_code == 201, created.json
    vote_id = created.json["id"]
    ids = []
    for title in projects:
        added = client.post(f"{API}/votes/{vote_id}/projects", headers=headers,
                            json={"title": title, "description": f"{title}的说明", "department": "住建局", "budget": 120.5})
        assert added.status_code == 201, added.json
        ids.append(added.json["id"])
    return vote_id, ids


def opened(client, headers, **kwargs):
    vote_id, ids = new_round(client, headers, **kwargs)
    response = client.post(f"{API}/votes/{vote_id}/open", headers=headers)
    assert response.status_code == 200, response.json
    return vote_id, ids


def ballot(client, headers, vote_id, ids, choices, key=None):
    body = {"choices": [{"project_id": pid, "choice": c} for pid, c in zip(ids, choices)]}
    extra = {"Idempotency-Key": key} if key else {}
    return client.post(f"{API}/votes/{vote_id}/ballot", json=body, headers={**headers, **extra})


def close(client, headers, vote_id, reason="代表均已投票"):
    return client.post(f"{API}/votes/{vote_id}/close", json={"reason": reason}, headers=headers)


def refused(response, status, message):
    assert (response.status_code, response.json["message"]) == (status, message), response.json


def logged(action):
    return [(e.target_label, e.detail) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def cast_count():
    """Choices counted in every round so far (one per candidate of each ballot cast)."""
    db.session.expire_all()
    return db.session.scalar(select(func.coalesce(func.sum(
        LivelihoodProject.votes_for + LivelihoodProject.votes_against + LivelihoodProject.votes_abstain), 0)))


# --- who votes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("region, level", [("root", "provincial"), ("hh", "city"), ("hc", "county"),
                                           ("hcx", "township")])
def test_a_congress_is_voted_by_the_deputies_of_its_own_level_elected_in_its_subtree(client, congress, region, level):
    from backend.org.congress import CONGRESS_LEVEL
    from backend.org.models import RegionLevel

    assert CONGRESS_LEVEL[congress["tree"][region].level] == level
    assert RegionLevel.village not in CONGRESS_LEVEL


def test_the_electorate_is_the_countys_deputies_in_office_fixed_when_voting_opens(client, congress):
    admin = congress["admins"]["hc"]
    vote_id, ids = opened(client, admin)
    shown = client.get(f"{API}/votes/{vote_id}", headers=admin).json
    assert (shown["status"], shown["status_label"], shown["electorate"], shown["voted"]) == ("voting", "投票中", 3, 0)
    voters = client.get(f"{API}/votes/{vote_id}/voters", headers=admin).json
    assert [v["name"] for v in voters["items"]] == ["张伟", "李娜", "王强"]
    # Neither a township deputy, a city deputy, another county's deputy, nor a retired one sees it.
    for headers in congress["other_headers"].values():
        refused(client.get(f"{API}/votes/{vote_id}", headers=headers), 404, "票决不存在。")
        refused(ballot(client, headers, vote_id, ids, ["for"] * 3), 404, "票决不存在。")
        assert client.get(f"{API}/votes", headers=headers).json["total"] == 0
    # A deputy elected after voting opened is not in it, and does not move the majority.
    newcomer = congress["factory"].deputy(congress["tree"]["hc"], "新代表", phone="13900000199", level="county")
    headers = congress["factory"].deputy_headers(newcomer)
    refused(ballot(client, headers, vote_id, ids, ["for"] * 3), 404, "票决不存在。")
    assert client.get(f"{API}/votes/{vote_id}", headers=admin).json["electorate"] == 3
    mine = client.get(f"{API}/votes", headers=congress["headers"][0]).json["items"]
    assert [(v["id"], v["has_voted"]) for v in mine] == [(vote_id, False)]


def test_a_township_round_is_voted_by_township_deputies(client, congress):
    admin, factory = congress["admins"]["hcx"], congress["factory"]
    for name, phone in (("镇代表二", "13900000111"), ("镇代表三", "13900000112")):
        factory.deputy(congress["tree"]["hcx"], name, phone=phone, level="township")
    vote_id, ids = opened(client, admin, places=1, projects=("路灯",))
    assert client.get(f"{API}/votes/{vote_id}", headers=admin).json["electorate"] == 3
    assert ballot(client, congress["other_headers"]["township"], vote_id, ids, ["for"]).status_code == 201
    refused(ballot(client, congress["headers"][1], vote_id, ids, ["for"]), 404, "票决不存在。")


def test_a_village_has_no_congress(client, congress):
    now = datetime.now(timezone.utc)
    body = {"region_id": congress["tree"]["cun"].id, "title": "村票决", "year": 2027, "places": 1,
            "starts_at": iso(now), "ends_at": iso(now + timedelta(hours=1))}
    response = client.post(f"{API}/votes", json=body, headers=congress["admins"]["hc"])
    assert response.status_code == 422 and "村（社区）不设人民代表大会" in response.json["errors"]["region_id"][0]
    assert db.session.scalar(select(func.count()).select_from(LivelihoodVote)) == 0


def test_a_subdistrict_has_no_congress(client, congress):
    """A 街道 (a township-level region named …街道) has an 人大工委 of the district's congress, no congress of
    its own: no round is created for it, nor a proposal sent to it (each 422, saying why), and the region
    picker's congress=true leaves it out; a 镇 keeps its congress."""
    tree, factory = congress["tree"], congress["factory"]
    street = factory.region("迎丰街道", "township", tree["hc"])
    factory.deputy(street, "街道选出的代表", phone="13900000120", level="township")
    now = datetime.now(timezone.utc)
    body = {"region_id": street.id, "title": "街道票决", "year": 2027, "places": 1,
            "starts_at": iso(now), "ends_at": iso(now + timedelta(hours=1))}
    message = "街道不设人民代表大会（设人大工委），不能组织票决或向其提出民生实事项目，请向所在区（县）人民代表大会提出。"
    created = client.post(f"{API}/votes", json=body, headers=congress["admins"]["hc"])
    assert (created.status_code, created.json["errors"]) == (422, {"region_id": [message]})
    assert db.session.scalar(select(func.count()).select_from(LivelihoodVote)) == 0
    proposed = client.post(f"{API}/proposals", headers=congress["citizen"], json={
        "region_id": street.id, "title": "增设路灯", "content": "太暗"})
    assert (proposed.status_code, proposed.json["errors"]) == (422, {"region_id": [message]})
    # A round made for a 街道 before (the rule is new) is refused at the opening, not a server error.
    vote = LivelihoodVote(region_id=street.id, title="旧票决", year=2027, places=1, starts_dt=now,
                          ends_dt=now + timedelta(hours=1), created_by_id=congress["factory"].admin("old", region=street).id)
    db.session.add(vote)
    db.session.flush()
    db.session.add(LivelihoodProject(vote_id=vote.id, title="路灯"))
    db.session.commit()
    refused(client.post(f"{API}/votes/{vote.id}/open", headers=congress["admins"]["hc"]), 422, message)
    # The picker: congress=true (with levels=, and around=) leaves the 街道 out, keeps the 镇.
    listed = client.get("/api/v1/regions", query_string={
        "levels": "province,city,county,township", "congress": "true", "around": street.id, "per_page": 100}).json
    names = [r["name"] for r in listed["items"]]
    assert "迎丰街道" not in names and "城北镇" in names and names[0] == "鹤城区"
    # However the name goes on: 办事处, or (筹) while it is being set up.
    for name in ("城东街道办事处", "城西街道（筹）"):
        other = factory.region(name, "township", tree["hc"])
        proposed = client.post(f"{API}/proposals", headers=congress["citizen"], json={
            "region_id": other.id, "title": "增设路灯", "content": "太暗"})
        assert (proposed.status_code, proposed.json["errors"]) == (422, {"region_id": [message]}), name
        listed = client.get("/api/v1/regions", query_string={"congress": "true", "q": name}).json
        assert listed["items"] == [], name
    everything = client.get("/api/v1/regions", query_string={"levels": "township"}).json
    assert {r["name"] for r in everything["items"]} >= {"迎丰街道", "城北镇"}


def test_the_public_list_of_a_region_without_a_congress_points_to_the_one_above(client, congress):
    """A 街道 or a village holds no round: the public API answers, as the web page shows, no project of its
    own and the congress whose projects cover it (``congress_region``), with the page's sentence (``note``);
    a region with its congress names itself and has no note."""
    tree, factory = congress["tree"], congress["factory"]
    street = factory.region("迎丰街道", "township", tree["hc"])
    village = factory.region("迎丰社区", "village", street)
    db.session.commit()
    cases = {
        street.id: ({"id": tree["hc"].id, "name": "鹤城区"},
                    "迎丰街道不设人民代表大会（设人大工委），这里的民生实事项目由鹤城区人民代表大会票决。"),
        village.id: ({"id": tree["hc"].id, "name": "鹤城区"},
                     "迎丰社区（村、社区）不设人民代表大会，这里的民生实事项目由鹤城区人民代表大会票决。"),
        tree["cun"].id: ({"id": tree["hcx"].id, "name": "城北镇"},
                         "红星村（村、社区）不设人民代表大会，这里的民生实事项目由城北镇人民代表大会票决。"),
        tree["hc"].id: ({"id": tree["hc"].id, "name": "鹤城区"}, None),
    }
    for region_id, (holder, note) in cases.items():
        answer = client.get("/api/v1/public/livelihood", query_string={"region_id": region_id})
        assert answer.status_code == 200
        assert (answer.json["congress_region"], answer.json["note"]) == (holder, note), region_id
        assert (answer.json["items"], answer.json["total"]) == ([], 0)
        page = client.get("/public/livelihood", query_string={"region_id": region_id}).get_data(as_text=True)
        assert note is None or note in page  # the same sentence as the web page's


# --- the round while a draft ----------------------------------------------------------------------------


def test_a_draft_is_edited_by_its_regions_administrators_and_is_404_to_others(client, congress):
    admin = congress["admins"]["hc"]
    vote_id, ids = new_round(client, admin)
    shown = client.get(f"{API}/votes/{vote_id}", headers=congress["admins"]["hh"]).json
    assert [p["title"] for p in shown["projects"]] == ["乡村道路硬化", "老旧小区改造", "农贸市场提质"]
    assert (shown["status"], shown["electorate"], shown["voted"], shown["projects"][0]["votes_for"]) == (
        "draft", None, None, None)
    patched = client.patch(f"{API}/votes/{vote_id}", json={"places": 3}, headers=admin)
    assert patched.status_code == 200 and patched.json["places"] == 3
    unchanged = client.patch(f"{API}/votes/{vote_id}", json={"places": 3}, headers=admin)  # nothing to log
    assert unchanged.status_code == 200
    edited = client.patch(f"{API}/votes/{vote_id}/projects/{ids[0]}", json={"title": "农村公路提质"}, headers=admin)
    assert edited.status_code == 200 and edited.json["title"] == "农村公路提质"
    assert client.delete(f"{API}/votes/{vote_id}/projects/{ids[2]}", headers=admin).status_code == 204
    # Another county's administrator, a deputy of the county and a citizen: 404, nothing changed.
    for headers in (congress["admins"]["yl"], congress["headers"][0], congress["citizen"]):
        response = client.patch(f"{API}/votes/{vote_id}", json={"places": 1}, headers=headers)
        assert response.status_code in (403, 404), response.json
        refused(client.get(f"{API}/votes/{vote_id}", headers=headers), 404, "票决不存在。")
    refused(client.patch(f"{API}/votes/{vote_id}", json={"places": 1}, headers=congress["admins"]["yl"]), 404,
            "票决不存在。")
    assert db.session.get(LivelihoodVote, vote_id).places == 3
    # After the three candidates added (each logged too):
    assert logged("livelihood_vote_updated")[3:] == [
        ("2027 年鹤城区民生实事项目票决", {"places": [2, 3]}),
        ("2027 年鹤城区民生实事项目票决", {"projects": ["乡村道路硬化", "农村公路提质"]}),
        ("2027 年鹤城区民生实事项目票决", {"projects": ["农贸市场提质", ""]}),
    ]
    moved = client.patch(f"{API}/votes/{vote_id}", json={"ends_at": "2027-01-10T12:30:00+08:00",
                                                         "starts_at": "2027-01-10T09:00:00+08:00"}, headers=admin)
    assert moved.status_code == 200, moved.json
    assert logged("livelihood_vote_updated")[-1][1]["ends_at"][1] == "2027-01-10 12:30"


def test_bad_input_is_refused_with_the_field_named(client, congress):
    admin = congress["admins"]["hc"]
    now = datetime.now(timezone.utc)
    body = {"title": "票决", "year": 2027, "places": 51, "starts_at": iso(now), "ends_at": iso(now - timedelta(hours=1))}
    response = client.post(f"{API}/votes", json=body, headers=admin)
    assert response.status_code == 422 and set(response.json["errors"]) >= {"places"}
    response = client.post(f"{API}/votes", json={**body, "places": 2}, headers=admin)
    assert response.json["errors"] == {"ends_at": ["投票结束时间须晚于开始时间。"]}
    vote_id, _ = new_round(client, admin, projects=())
    too_long = client.post(f"{API}/votes/{vote_id}/projects", json={"title": "路" * 61}, headers=admin)
    assert too_long.status_code == 422 and "title" in too_long.json["errors"]
    assert db.session.scalar(select(func.count()).select_from(LivelihoodProject)) == 0


def test_opening_needs_candidates_at_least_as_many_as_places(client, congress):
    admin = congress["admins"]["hc"]
    vote_id, _ = new_round(client, admin, projects=())
    refused(client.post(f"{API}/votes/{vote_id}/open", headers=admin), 409, "还没有候选项目，不能开始投票。")
    client.post(f"{API}/votes/{vote_id}/projects", json={"title": "路灯"}, headers=admin)
    refused(client.post(f"{API}/votes/{vote_id}/open", headers=admin), 422,
            "候选项目（1 个）少于拟票决项目数（2 个），请增加候选项目或减少拟票决项目数。")
    assert db.session.get(LivelihoodVote, vote_id).status.value == "draft"
    assert db.session.scalar(select(func.count()).select_from(LivelihoodBallot)) == 0
    assert logged("livelihood_vote_opened") == []


def test_once_voting_opened_nothing_is_edited(client, congress):
    admin = congress["admins"]["hc"]
    vote_id, ids = opened(client, admin)
    refused(client.patch(f"{API}/votes/{vote_id}", json={"places": 1}, headers=admin), 409, "票决已发布，不能再修改。")
    refused(client.post(f"{API}/votes/{vote_id}/projects", json={"title": "新项目"}, headers=admin), 409,
            "票决已发布，不能再修改。")
    refused(client.delete(f"{API}/votes/{vote_id}/projects/{ids[0]}", headers=admin), 409, "票决已发布，不能再修改。")
    refused(client.post(f"{API}/votes/{vote_id}/open", headers=admin), 409, "票决已开始或已结束。")
    assert len(db.session.get(LivelihoodVote, vote_id).projects) == 3
    assert logged("livelihood_vote_opened") == [("2027 年鹤城区民生实事项目票决", {"electorate": 3, "projects": 3})]


# --- the ballot ------------------------------------------------------------------------------------------


def test_a_deputy_casts_one_ballot_covering_every_candidate_once(client, congress):
    admin = congress["admins"]["hc"]
    vote_id, ids = opened(client, admin)
    deputy = congress["headers"][0]
    missing = ballot(client, deputy, vote_id, ids[:2], ["for", "against"])
    refused(missing, 422, "请对每个候选项目表决（赞成、反对或弃权），还有“农贸市场提质”未表决。")
    assert missing.json["errors"] == {"choices": ["请对每个候选项目表决（赞成、反对或弃权），还有“农贸市场提质”未表决。"]}
    bad = ballot(client, deputy, vote_id, ids, ["for", "yes", "abstain"])
    assert bad.status_code == 422 and bad.json["errors"] == {
        "choices": ["第 2 项：表决意见应为赞成（for）、反对（against）或弃权（abstain）。"]}
    assert cast_count() == 0
    first = ballot(client, deputy, vote_id, ids, ["for", "against", "abstain"], key="k-1")
    assert first.status_code == 201 and first.json["message"] == "投票成功。"
    # The retry of the same ballot answers as the first did; another one is refused, nothing changes.
    again = ballot(client, deputy, vote_id, ids, ["for", "against", "abstain"], key="k-1")
    assert (again.status_code, again.json, again.headers.get("Idempotent-Replayed")) == (201, first.json, "true")
    other = ballot(client, deputy, vote_id, ids, ["against"] * 3, key="k-1")
    assert (other.status_code, other.json["error"]) == (409, "idempotency_key_reused")
    refused(ballot(client, deputy, vote_id, ids, ["against"] * 3, key="k-2"), 409, "您已投票，不能更改。")
    refused(ballot(client, deputy, vote_id, ids, ["against"] * 3), 409, "您已投票，不能更改。")
    assert cast_count() == 3
    shown = client.get(f"{API}/votes/{vote_id}", headers=deputy).json
    assert (shown["has_voted"], shown["voted"]) == (True, 1)


def test_ballots_only_inside_the_window(client, congress):
    admin = congress["admins"]["hc"]
    vote_id, ids = opened(client, admin, starts=30)
    deputy = congress["headers"][0]
    refused(ballot(client, deputy, vote_id, ids, ["for"] * 3), 409, "投票尚未开始。")
    db.session.execute(update(LivelihoodVote).where(LivelihoodVote.id == vote_id).values(
        starts_dt=datetime.now(timezone.utc) - timedelta(hours=3), ends_dt=datetime.now(timezone.utc) - timedelta(seconds=1)))
    db.session.commit()
    refused(ballot(client, deputy, vote_id, ids, ["for"] * 3), 409, "投票已结束。")
    assert cast_count() == 0
    # After the window, closing needs no reason.
    closed = client.post(f"{API}/votes/{vote_id}/close", json={}, headers=admin)
    assert closed.status_code == 200 and closed.json["close_reason"] == ""
    refused(ballot(client, deputy, vote_id, ids, ["for"] * 3), 409, "投票已结束。")


def test_the_ballot_is_secret(client, congress):
    """Nobody is told how a deputy voted: not the administrators (only how many voted while voting is
    open, who voted once it is closed), not the deputy afterwards, and the counts only once closed."""
    admin = congress["admins"]["hc"]
    vote_id, ids = opened(client, admin, places=1, projects=("路灯", "公厕"))
    assert ballot(client, congress["headers"][0], vote_id, ids, ["for", "against"]).status_code == 201
    for headers in (admin, congress["admins"]["root"], congress["headers"][0], congress["headers"][1]):
        shown = client.get(f"{API}/votes/{vote_id}", headers=headers).json
        assert {(p["votes_for"], p["votes_against"], p["votes_abstain"], p["adopted"]) for p in shown["projects"]} == {
            (None, None, None, None)}
        assert not any(choice in str(shown) for choice in ("'for'", "'against'", "'abstain'"))
    # While voting is open: the electorate, not who of it has voted (张伟 has, 李娜 has not: alike).
    voters = client.get(f"{API}/votes/{vote_id}/voters", headers=admin).json["items"]
    assert voters == [{"deputy_id": congress["electors"][0].id, "name": "张伟", "voted": None},
                      {"deputy_id": congress["electors"][1].id, "name": "李娜", "voted": None},
                      {"deputy_id": congress["electors"][2].id, "name": "王强", "voted": None}]
    assert client.get(f"{API}/votes/{vote_id}", headers=admin).json["voted"] == 1
    refused(client.get(f"{API}/votes/{vote_id}/voters", headers=congress["headers"][0]), 403, "您没有权限进行此操作。")
    for headers in congress["headers"][1:]:
        assert ballot(client, headers, vote_id, ids, ["against", "for"]).status_code == 201
    assert close(client, admin, vote_id).status_code == 200
    # Once closed: who voted (the attendance record), never how.
    shown = client.get(f"{API}/votes/{vote_id}/voters", headers=admin).json["items"]
    assert [(v["name"], v["voted"]) for v in shown] == [("张伟", True), ("李娜", True), ("王强", True)]
    assert all(set(v) == {"deputy_id", "name", "voted"} for v in shown)


def test_a_ballot_keeps_nothing_of_how_the_deputy_voted(client, congress):
    """Secret in the database too: casting marks the deputy's ballot as cast and adds to the candidates'
    tallies; no row anywhere says which way the deputy voted."""
    vote_id, ids = opened(client, congress["admins"]["hc"], places=1, projects=("路灯", "公厕"))

    def rows():
        db.session.expire_all()
        return {table.name: {repr(tuple(row)) for row in db.session.execute(table.select())}
                for table in db.metadata.sorted_tables}

    before = rows()
    assert ballot(client, congress["headers"][0], vote_id, ids, ["for", "against"], key="phone-retry-1").status_code == 201
    after = rows()
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"livelihood_ballots", "livelihood_projects", "idempotency_records"}
    # The answer kept for a retry says the ballot was cast, not how.
    kept = after["idempotency_records"] - before["idempotency_records"]
    assert len(kept) == 1 and "投票成功" in kept.pop() and not any(
        choice in row for row in after["idempotency_records"] for choice in ("'for'", "against", "abstain"))
    projects = {p.title: (p.votes_for, p.votes_against, p.votes_abstain) for p in db.session.scalars(
        select(LivelihoodProject).where(LivelihoodProject.vote_id == vote_id))}
    assert projects == {"路灯": (1, 0, 0), "公厕": (0, 1, 0)}
    # Nor does the key's fingerprint: a plain hash of every possible ballot matches none of it.
    stored = db.session.scalar(select(IdempotencyRecord.request_hash).where(IdempotencyRecord.key == "phone-retry-1"))
    tried = {plain_fingerprint(vote_id, ids, combo)
             for combo in itertools.product(("for", "against", "abstain"), repeat=len(ids))}
    assert stored and len(tried) == 9 and stored not in tried


def plain_fingerprint(vote_id, ids, choices):
    """The unkeyed hash idempotency_records held before fingerprints were keyed."""
    body = {"choices": [{"project_id": pid, "choice": c} for pid, c in zip(ids, choices)]}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return hashlib.sha256(f"POST /api/v1/livelihood/votes/{vote_id}/ballot\n{digest}".encode()).hexdigest()


def test_a_key_kept_from_before_keyed_fingerprints_still_replays_its_ballot(client, congress):
    vote_id, ids = opened(client, congress["admins"]["hc"], places=1, projects=("路灯", "公厕"))
    deputy = congress["headers"][0]
    first = ballot(client, deputy, vote_id, ids, ["for", "against"], key="old-key")
    assert first.status_code == 201
    db.session.execute(update(IdempotencyRecord).where(IdempotencyRecord.key == "old-key").values(
        request_hash=plain_fingerprint(vote_id, ids, ["for", "against"])))
    db.session.commit()
    again = ballot(client, deputy, vote_id, ids, ["for", "against"], key="old-key")
    assert (again.status_code, again.json, again.headers.get("Idempotent-Replayed")) == (201, first.json, "true")
    other = ballot(client, deputy, vote_id, ids, ["against", "for"], key="old-key")
    assert (other.status_code, other.json["error"]) == (409, "idempotency_key_reused")
    assert cast_count() == 2
    cast = db.session.scalars(select(LivelihoodBallot).where(LivelihoodBallot.cast_dt.is_not(None))).all()
    assert [b.deputy_id for b in cast] == [congress["electors"][0].id]


# --- closing and the count ---------------------------------------------------------------------------------


def test_the_sweep_closes_and_counts_a_round_whose_voting_time_is_over(app, client, congress):
    """Nobody need remember to press 结束投票: the sweep (cron) closes a round once its window has ended,
    counts it and logs it as the server's; again, it closes nothing twice, and an open round waits."""
    admin = congress["admins"]["hc"]
    vote_id, ids = opened(client, admin, places=1, projects=("路灯", "公厕"))
    still_open, _ = opened(client, admin, places=1, projects=("甲", "乙"))
    for headers in congress["headers"]:
        assert ballot(client, headers, vote_id, ids, ["for", "against"]).status_code == 201
    db.session.execute(update(LivelihoodVote).where(LivelihoodVote.id == vote_id).values(
        ends_dt=datetime.now(timezone.utc) - timedelta(seconds=1)))
    db.session.commit()

    def sweep():
        result = app.test_cli_runner().invoke(args=["sweep"])
        assert result.exit_code == 0, result.output
        return result.output

    assert "到期结束民生实事票决 1 次" in sweep()
    shown = client.get(f"{API}/votes/{vote_id}", headers=admin).json
    assert (shown["status"], shown["close_reason"], shown["voted"]) == ("closed", "", 3)
    assert [(p["title"], p["votes_for"], p["votes_against"], p["adopted"]) for p in shown["projects"]] == [
        ("路灯", 3, 0, True), ("公厕", 0, 3, False)]
    closings = [e for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "livelihood_vote_closed"))]
    assert [(e.actor_user_id, e.detail["voted"]) for e in closings] == [(None, 3)]
    assert "到期结束民生实事票决 0 次" in sweep()
    assert client.get(f"{API}/votes/{still_open}", headers=admin).json["status"] == "voting"


def test_closing_early_needs_a_reason_and_happens_once(client, congress):
    admin = congress["admins"]["hc"]
    vote_id, ids = opened(client, admin)
    response = client.post(f"{API}/votes/{vote_id}/close", json={}, headers=admin)
    refused(response, 422, "提前结束投票须说明理由。")
    assert response.json["errors"] == {"reason": ["提前结束投票须说明理由。"]}
    assert db.session.get(LivelihoodVote, vote_id).status.value == "voting"
    assert close(client, admin, vote_id, "会议议程调整").status_code == 200
    refused(close(client, admin, vote_id), 409, "投票已结束。")
    refused(ballot(client, congress["headers"][0], vote_id, ids, ["for"] * 3), 409, "投票已结束。")
    draft_id, _ = new_round(client, admin)
    refused(close(client, admin, draft_id), 409, "票决不在投票中。")
    assert logged("livelihood_vote_closed") == [("2027 年鹤城区民生实事项目票决", {
        "electorate": 3, "voted": 0, "adopted": 0, "void": True, "reason": "会议议程调整"})]


@pytest.mark.parametrize("closed_by", ["administrator", "sweep"])
def test_a_round_closed_with_fewer_than_three_ballots_is_void(app, client, congress, closed_by):
    """With two ballots cast, tallies of 2 or 0 and the attendance record shown after the close would tell
    both deputies' choices: the round is void — no counts anywhere (the API, the public list and page,
    the database), nothing adopted, and the note says why."""
    admin = congress["admins"]["hc"]
    vote_id, ids = opened(client, admin, places=1, projects=("路灯", "公厕"))
    for headers in congress["headers"][:2]:
        assert ballot(client, headers, vote_id, ids, ["for", "against"]).status_code == 201
    if closed_by == "administrator":
        assert close(client, admin, vote_id, "会议议程调整").status_code == 200
    else:
        db.session.execute(update(LivelihoodVote).where(LivelihoodVote.id == vote_id).values(
            ends_dt=datetime.now(timezone.utc) - timedelta(seconds=1)))
        db.session.commit()
        assert app.test_cli_runner().invoke(args=["sweep"]).exit_code == 0
    for headers in (admin, congress["headers"][0], congress["headers"][2]):
        shown = client.get(f"{API}/votes/{vote_id}", headers=headers).json
        assert (shown["status"], shown["voted"], shown["void"]) == ("closed", 2, True)
        assert [(p["votes_for"], p["votes_against"], p["votes_abstain"], p["adopted"]) for p in shown["projects"]] == [
            (None, None, None, False)] * 2
        assert shown["result_note"] == (
            "应投票 3 人，实投 2 人。投票代表不足 3 人，为保护无记名投票，本次票决无效，不公布票数。")
    listed = client.get(f"{API}/votes", headers=admin).json["items"]
    assert [(v["id"], v["void"]) for v in listed] == [(vote_id, True)]  # lists say so too
    db.session.expire_all()
    assert cast_count() == 0  # erased in the database too
    refused(client.post(f"{API}/projects/{ids[0]}/progress", json={"note": "开工", "percent": 10, "date": "2026-03-01"},
                        headers=admin), 409, "只有票决当选的项目才能登记实施进度。")
    public = client.get("/api/v1/public/livelihood", query_string={"region_id": congress["tree"]["hc"].id}).json
    assert public["total"] == 0
    page = client.get("/public/livelihood", query_string={"region_id": congress["tree"]["hc"].id}).get_data(as_text=True)
    assert "路灯" not in page and "票赞成" not in page
    assert logged("livelihood_vote_closed")[0][1]["void"] is True


def test_three_ballots_are_enough_for_a_result(client, congress):
    admin = congress["admins"]["hc"]
    vote_id, ids = opened(client, admin, places=1, projects=("路灯",))
    for headers in congress["headers"]:
        assert ballot(client, headers, vote_id, ids, ["for"]).status_code == 201
    shown = close(client, admin, vote_id).json
    assert (shown["void"], shown["projects"][0]["votes_for"], shown["projects"][0]["adopted"]) == (False, 3, True)


def test_adopted_means_more_for_votes_than_half_the_electorate_then_the_top_places(client, congress):
    """Three electors: two 赞成 is a majority of the electorate, one is not — even when only one voted."""
    admin = congress["admins"]["hc"]
    vote_id, ids = opened(client, admin, places=2, projects=("甲", "乙", "丙", "丁"))
    d = congress["headers"]
    assert ballot(client, d[0], vote_id, ids, ["for", "for", "for", "against"]).status_code == 201
    assert ballot(client, d[1], vote_id, ids, ["for", "for", "against", "for"]).status_code == 201
    assert ballot(client, d[2], vote_id, ids, ["for", "abstain", "for", "abstain"]).status_code == 201
    result = close(client, admin, vote_id)
    assert result.status_code == 200, result.json
    rows = [(p["title"], p["votes_for"], p["votes_against"], p["votes_abstain"], p["adopted"], p["tied"])
            for p in result.json["projects"]]
    # 甲 3 赞成: in. 乙 and 丙 2 each: both a majority, tied at the cut — both in (并列). 丁 1: no majority.
    assert rows == [("甲", 3, 0, 0, True, False), ("乙", 2, 0, 1, True, True), ("丙", 2, 1, 0, True, True),
                    ("丁", 1, 1, 1, False, False)]
    assert result.json["result_note"] == (
        "应投票 3 人，实投 3 人；3 个项目获全体代表过半数赞成票当选（第 2 名有 2 个项目得票相同，并列当选）。")


def test_a_majority_of_those_voting_is_not_enough(client, congress):
    admin = congress["admins"]["hc"]
    extra = [congress["factory"].deputy(congress["tree"]["hc"], f"代表{i}", phone=f"1390000021{i}", level="county")
             for i in range(4)]
    vote_id, ids = opened(client, admin, places=2, projects=("甲", "乙"))
    for headers in congress["headers"]:  # 3 赞成 of an electorate of 7
        assert ballot(client, headers, vote_id, ids, ["for", "for"]).status_code == 201
    # A retired elector stays in the count the majority is reckoned on.
    extra[0].active = False
    db.session.commit()
    result = close(client, admin, vote_id).json
    assert [(p["votes_for"], p["adopted"]) for p in result["projects"]] == [(3, False), (3, False)]
    assert result["electorate"] == 7
    assert result["result_note"] == "应投票 7 人，实投 3 人；0 个项目获全体代表过半数赞成票当选，少于拟票决的 2 个。"


def test_the_top_places_by_for_votes_without_a_tie(client, congress):
    admin = congress["admins"]["hc"]
    vote_id, ids = opened(client, admin, places=1, projects=("甲", "乙"))
    d = congress["headers"]
    for headers, choices in ((d[0], ["for", "for"]), (d[1], ["for", "for"]), (d[2], ["for", "against"])):
        assert ballot(client, headers, vote_id, ids, choices).status_code == 201
    result = close(client, admin, vote_id).json
    assert [(p["title"], p["votes_for"], p["adopted"], p["tied"]) for p in result["projects"]] == [
        ("甲", 3, True, False), ("乙", 2, False, False)]



def test_a_deputy_who_left_office_after_the_opening_cannot_vote_and_still_counts_in_the_electorate(client, congress):
    """全体代表过半数 is reckoned on the deputies in office when voting opened: one who leaves office
    afterwards may no longer vote (403, nothing written), and stays in the electorate the majority is
    counted on, as one who did not vote."""
    admin = congress["admins"]["hc"]
    fourth = congress["factory"].deputy(congress["tree"]["hc"], "赵敏", phone="13900000108", level="county")
    vote_id, ids = opened(client, admin, places=1, projects=("甲", "乙"))
    leaver = congress["electors"][0]
    retired = client.patch(f"/api/v1/deputies/{leaver.id}", json={"active": False}, headers=admin)
    assert retired.status_code == 200, retired.json
    headers = congress["headers"][0]
    refused(ballot(client, headers, vote_id, ids, ["for", "for"], key="left-1"), 403,
            "您已离任，不能在本次票决中投票。")
    refused(ballot(client, headers, vote_id, ids, ["for", "for"], key="left-1"), 403,
            "您已离任，不能在本次票决中投票。")
    assert cast_count() == 0
    assert db.session.scalar(select(LivelihoodBallot.cast_dt).where(
        LivelihoodBallot.vote_id == vote_id, LivelihoodBallot.deputy_id == leaver.id)) is None
    shown = client.get(f"{API}/votes/{vote_id}", headers=admin).json
    assert (shown["electorate"], shown["voted"]) == (4, 0)
    # The three in office: 3 赞成 of an electorate of 4 is a majority; 2 is not.
    in_office = [*congress["headers"][1:], congress["factory"].deputy_headers(fourth)]
    for h, choices in zip(in_office, (["for", "for"], ["for", "against"], ["for", "for"])):
        assert ballot(client, h, vote_id, ids, choices).status_code == 201
    result = close(client, admin, vote_id).json
    assert (result["electorate"], result["voted"]) == (4, 3)
    assert [(p["title"], p["votes_for"], p["adopted"]) for p in result["projects"]] == [("甲", 3, True), ("乙", 2, False)]
    assert result["result_note"] == "应投票 4 人，实投 3 人；1 个项目获全体代表过半数赞成票当选。"


def can_vote(client, headers, vote_id):
    """Whether the round says the caller may vote now, and why not: its page, and its line in the list."""
    shown = client.get(f"{API}/votes/{vote_id}", headers=headers).json
    listed = [v for v in client.get(f"{API}/votes", headers=headers).json["items"] if v["id"] == vote_id]
    answer = shown["can_vote"], shown["cannot_vote_reason"]
    assert [(v["can_vote"], v["cannot_vote_reason"]) for v in listed] == [answer]
    return answer


def test_a_round_tells_the_caller_whether_they_may_vote_now_and_why_not(client, congress):
    admin = congress["admins"]["hc"]
    first, second, third = congress["headers"]
    draft_id, _ = new_round(client, admin, projects=("甲",))
    # can_vote is for electors: null for an administrator, and on a draft (which has none yet).
    assert can_vote(client, admin, draft_id) == (None, None)
    vote_id, ids = opened(client, admin, starts=30, projects=("甲", "乙"))
    assert can_vote(client, first, vote_id) == (False, "投票尚未开始")
    db.session.execute(update(LivelihoodVote).where(LivelihoodVote.id == vote_id).values(
        starts_dt=datetime.now(timezone.utc) - timedelta(minutes=5)))
    db.session.commit()
    assert can_vote(client, first, vote_id) == (True, None)
    assert ballot(client, first, vote_id, ids, ["for", "for"]).status_code == 201
    assert can_vote(client, first, vote_id) == (False, "已投票")
    assert can_vote(client, second, vote_id) == (True, None)
    # One who left office after the opening is told so before filling the ballot in.
    leaver = congress["electors"][2]
    assert client.patch(f"/api/v1/deputies/{leaver.id}", json={"active": False}, headers=admin).status_code == 200
    assert can_vote(client, third, vote_id) == (False, "您已离任")
    refused(ballot(client, third, vote_id, ids, ["for", "for"]), 403, "您已离任，不能在本次票决中投票。")
    # An administrator outside the electorate is never offered a ballot.
    assert can_vote(client, admin, vote_id) == (None, None)
    # The window over (the round not yet closed by the sweep), then closed: over for those who did not vote.
    db.session.execute(update(LivelihoodVote).where(LivelihoodVote.id == vote_id).values(
        ends_dt=datetime.now(timezone.utc) - timedelta(seconds=1)))
    db.session.commit()
    assert can_vote(client, second, vote_id) == (False, "投票已结束")
    assert close(client, admin, vote_id).status_code == 200
    assert can_vote(client, second, vote_id) == (False, "投票已结束")
    assert can_vote(client, first, vote_id) == (False, "已投票")
    assert can_vote(client, third, vote_id) == (False, "投票已结束")


# --- after the vote --------------------------------------------------------------------------------------


def test_progress_of_adopted_projects_is_public_without_personal_data(client, congress):
    admin = congress["admins"]["hc"]
    vote_id, ids = opened(client, admin, places=1, projects=("甲", "乙"))
    d = congress["headers"]
    for headers in d:
        assert ballot(client, headers, vote_id, ids, ["for", "against"]).status_code == 201
    refused(client.post(f"{API}/projects/{ids[0]}/progress", json={"note": "开工", "percent": 10, "date": "2026-03-01"},
                        headers=admin), 409, "只有票决当选的项目才能登记实施进度。")
    assert close(client, admin, vote_id).status_code == 200
    refused(client.post(f"{API}/projects/{ids[1]}/progress", json={"note": "开工", "percent": 10, "date": "2026-03-01"},
                        headers=admin), 409, "只有票决当选的项目才能登记实施进度。")
    bad = client.post(f"{API}/projects/{ids[0]}/progress", json={"note": "开工", "percent": 101, "date": "2026-03-01"},
                      headers=admin)
    assert bad.status_code == 422 and bad.json["errors"] == {"percent": ["进度应为 0 到 100。"]}
    refused(client.post(f"{API}/projects/{ids[0]}/progress", json={"note": "开工", "percent": 10, "date": "2026-03-01"},
                        headers=congress["admins"]["yl"]), 404, "项目不存在。")
    for note, percent, day in (("开工", 10, "2026-03-01"), ("路基完成", 60, "2026-06-30")):
        added = client.post(f"{API}/projects/{ids[0]}/progress", json={"note": note, "percent": percent, "date": day},
                            headers=admin)
        assert added.status_code == 201, added.json
    public = client.get("/api/v1/public/livelihood", query_string={"region_id": congress["tree"]["hh"].id})
    assert public.status_code == 200
    assert public.json["total"] == 1
    item = public.json["items"][0]
    assert (item["title"], item["percent"], item["region_name"], item["votes_for"]) == ("甲", 60, "鹤城区", 3)
    assert [p["note"] for p in item["progress"]] == ["开工", "路基完成"]
    assert "张伟" not in str(public.json) and "1390000" not in str(public.json)
    assert client.get("/api/v1/public/livelihood", query_string={"region_id": congress["tree"]["yl"].id}).json[
        "total"] == 0
    refused(client.get("/api/v1/public/livelihood", query_string={"region_id": 999999}), 404, "区域不存在。")


# --- 群众下单 ---------------------------------------------------------------------------------------------


def propose(client, headers, region, title="修建农贸市场停车场", **extra):
    body = {"region_id": region.id, "title": title, "content": "周末停车难，希望修建停车场。", **extra}
    return client.post(f"{API}/proposals", json=body, headers=headers)


def test_after_the_citizens_erasure_an_administrators_retried_adoption_shows_no_phone(client, congress):
    """注销 also forgets the answers kept for other users' retried requests that carry the citizen's data: the
    administrator's 采纳, retried with its Idempotency-Key after the proposer's 注销, no longer replays the phone
    (the retry is handled afresh: the proposal is already adopted, 409) and the database keeps no copy of it."""
    from backend.idempotency import IdempotencyRecord

    citizen, admin, tree = congress["citizen"], congress["admins"]["hc"], congress["tree"]
    proposal = propose(client, citizen, tree["hc"], title="修桥", contact_phone="13977778888").json
    vote_id, _ = new_round(client, admin, projects=())
    adopt = lambda: client.post(f"{API}/proposals/{proposal['id']}/adopt", json={"vote_id": vote_id},  # noqa: E731
                                headers={**admin, "Idempotency-Key": "adopt-1"})
    first = adopt()
    assert first.status_code == 200 and first.json["contact_phone"] == "13977778888"
    assert adopt().headers.get("Idempotent-Replayed") == "true"
    assert client.delete("/api/v1/me", headers=citizen).status_code == 204
    again = adopt()
    assert "13977778888" not in again.get_data(as_text=True)
    refused(again, 409, "该民生实事建议已处理。")
    assert not [r for r in db.session.scalars(select(IdempotencyRecord)) if "13977778888" in str(r.body)]


def test_erasure_masks_the_proposers_phone_in_the_reason_a_proposal_was_declined(client, congress):
    """注销 takes the phone from the proposal and from the administrator's 不予采纳 reason quoting it."""
    citizen, admin, tree = congress["citizen"], congress["admins"]["hc"], congress["tree"]
    proposal = propose(client, citizen, tree["hc"], contact_phone="13800002222").json
    declined = client.post(f"{API}/proposals/{proposal['id']}/decline", headers=admin,
                           json={"reason": "已致电13800002222说明：不属于民生实事范围"})
    assert declined.status_code == 200, declined.json
    assert client.delete("/api/v1/me", headers=citizen).status_code == 204
    kept = client.get(f"{API}/proposals", headers=admin).json["items"]
    assert [(p["contact_phone"], p["reason"]) for p in kept] == [(None, "已致电***说明：不属于民生实事范围")]


def test_a_citizen_proposes_and_sees_what_became_of_it(client, congress):
    citizen, admin, tree = congress["citizen"], congress["admins"]["hc"], congress["tree"]
    first = propose(client, {**citizen, "Idempotency-Key": "p-1"}, tree["hc"], contact_phone="13800001111")
    assert first.status_code == 201, first.json
    assert "contact_phone" not in first.json and first.json["status_label"] == "待处理"
    assert propose(client, {**citizen, "Idempotency-Key": "p-1"}, tree["hc"], contact_phone="13800001111").json == first.json
    second = propose(client, citizen, tree["hcx"], title="增设路灯")
    refused(propose(client, congress["admins"]["hc"], tree["hc"]), 403, "请在微信中登录后提出建议。")
    village = propose(client, citizen, tree["cun"])
    assert village.status_code == 422 and "region_id" in village.json["errors"]
    # The administrators of the county see both (with the phone); another county's none.
    listed = client.get(f"{API}/proposals", headers=admin).json
    assert [(p["title"], p.get("contact_phone")) for p in listed["items"]] == [
        ("增设路灯", None), ("修建农贸市场停车场", "13800001111")]
    assert client.get(f"{API}/proposals", headers=congress["admins"]["yl"]).json["total"] == 0
    refused(client.post(f"{API}/proposals/{first.json['id']}/decline", json={"reason": "不属实"},
                        headers=congress["admins"]["yl"]), 404, "民生实事建议不存在。")
    # Adopted into a draft round of its county; the township's proposal declined with a reason.
    vote_id, _ = new_round(client, admin, projects=())
    adopted = client.post(f"{API}/proposals/{first.json['id']}/adopt", json={"vote_id": vote_id}, headers=admin)
    assert adopted.status_code == 200, adopted.json
    assert (adopted.json["status_label"], adopted.json["vote_title"]) == ("已采纳为候选项目", "2027 年鹤城区民生实事项目票决")
    refused(client.post(f"{API}/proposals/{first.json['id']}/decline", json={"reason": "重复"}, headers=admin), 409,
            "该民生实事建议已处理。")
    missing_reason = client.post(f"{API}/proposals/{second.json['id']}/decline", json={}, headers=admin)
    assert missing_reason.status_code == 422 and "reason" in missing_reason.json["errors"]
    declined = client.post(f"{API}/proposals/{second.json['id']}/decline", json={"reason": "已列入年度计划"}, headers=admin)
    assert declined.status_code == 200
    vote = client.get(f"{API}/votes/{vote_id}", headers=admin).json
    assert [p["title"] for p in vote["projects"]] == ["修建农贸市场停车场"]
    mine = client.get(f"{API}/proposals", headers=citizen).json["items"]
    assert [(p["title"], p["status"], p["reason"]) for p in mine] == [
        ("增设路灯", "declined", "已列入年度计划"), ("修建农贸市场停车场", "adopted", "")]
    assert all("contact_phone" not in p for p in mine)
    assert client.get(f"{API}/proposals", headers=congress["factory"].wechat_login("someone-else")).json["total"] == 0


def test_a_proposal_goes_only_to_a_draft_round_of_its_congress_or_above(client, congress):
    admin, tree = congress["admins"]["hc"], congress["tree"]
    proposal = propose(client, congress["citizen"], tree["hc"]).json
    elsewhere, _ = new_round(client, congress["admins"]["yl"], projects=())
    outside = client.post(f"{API}/proposals/{proposal['id']}/adopt", json={"vote_id": elsewhere}, headers=admin)
    assert (outside.status_code, outside.json["errors"]) == (422, {"vote_id": ["票决不存在，或不在您的管理范围内。"]})
    township_round, _ = new_round(client, congress["admins"]["hcx"], projects=())
    refused(client.post(f"{API}/proposals/{proposal['id']}/adopt", json={"vote_id": township_round}, headers=admin),
            422, "只能采纳为所提人大（或其上级人大）的票决候选项目。")
    voting_round, _ = opened(client, admin)
    refused(client.post(f"{API}/proposals/{proposal['id']}/adopt", json={"vote_id": voting_round}, headers=admin),
            409, "票决已发布，不能再修改。")
    assert client.get(f"{API}/proposals", headers=admin).json["items"][0]["status"] == "new"


def test_refusals_of_callers_who_may_not(client, congress):
    admin = congress["admins"]["hc"]
    now = datetime.now(timezone.utc)
    body = {"title": "票决", "year": 2027, "places": 1, "starts_at": iso(now), "ends_at": iso(now + timedelta(hours=1))}
    refused(client.post(f"{API}/votes", json=body), 401, "请先登录。")
    station_admin = congress["factory"].headers_for_admin(congress["factory"].admin(
        "station-admin", stations=[congress["factory"].station(congress["tree"]["hc"], "城北联络站")]))
    refused(client.post(f"{API}/votes", json=body, headers=station_admin), 403, "您没有权限进行此操作。")
    refused(client.post(f"{API}/votes", json=body, headers=congress["headers"][0]), 403, "您没有权限进行此操作。")
    # Another county's congress is outside the administrator's subtree: refused as a region that is not there.
    outside = client.post(f"{API}/votes", json={**body, "region_id": congress["tree"]["yl"].id}, headers=admin)
    refused(outside, 422, "区域不存在，或不在您的管理范围内。")
    assert outside.json["errors"] == {"region_id": ["区域不存在，或不在您的管理范围内。"]}
    unknown = propose(client, congress["citizen"], SimpleNamespace(id=999999))
    assert (unknown.status_code, unknown.json["errors"]) == (422, {"region_id": ["区域不存在。"]})
    assert db.session.scalar(select(func.count()).select_from(LivelihoodVote)) == 0
    # A draft is nobody's to see but its administrators', the deputies of the county included.
    vote_id, ids = new_round(client, admin)
    refused(client.get(f"{API}/votes/{vote_id}", headers=congress["headers"][0]), 404, "票决不存在。")
    refused(ballot(client, congress["headers"][0], vote_id, ids, ["for"] * 3), 404, "票决不存在。")
    refused(client.get(f"{API}/votes/{2**31}", headers=admin), 404, "票决不存在。")


def test_a_ballot_naming_another_rounds_candidate_is_refused(client, congress):
    admin = congress["admins"]["hc"]
    vote_id, ids = opened(client, admin, places=1, projects=("甲",))
    other_id, other_ids = new_round(client, admin, projects=("乙",))
    response = ballot(client, congress["headers"][0], vote_id, [ids[0], other_ids[0]], ["for", "for"])
    refused(response, 422, "选票中有不属于本次票决的项目。")
    assert cast_count() == 0
    assert client.get(f"{API}/votes/{vote_id}", headers=admin).json["voted"] == 0


def test_a_congress_without_deputies_in_office_or_a_window_past_cannot_open(client, congress):
    admin = congress["admins"]["yl"]
    vote_id, _ = new_round(client, admin, places=1, projects=("甲",))
    congress["others"]["elsewhere"].active = False
    db.session.commit()
    refused(client.post(f"{API}/votes/{vote_id}/open", headers=admin), 409, "岳麓区没有在任的县（区）人大代表，不能开始投票。")
    hc_vote, _ = new_round(client, congress["admins"]["hc"], places=1, projects=("乙",))
    db.session.execute(update(LivelihoodVote).where(LivelihoodVote.id == hc_vote).values(
        ends_dt=datetime.now(timezone.utc) - timedelta(minutes=1),
        starts_dt=datetime.now(timezone.utc) - timedelta(hours=1)))
    db.session.commit()
    refused(client.post(f"{API}/votes/{hc_vote}/open", headers=congress["admins"]["hc"]), 422,
            "投票结束时间已过，请先修改投票时间。")
    assert {v.status.value for v in db.session.scalars(select(LivelihoodVote))} == {"draft"}
    assert db.session.scalar(select(func.count()).select_from(LivelihoodBallot)) == 0


def test_a_candidate_removed_from_a_draft_gives_its_proposal_back(client, congress):
    admin, tree = congress["admins"]["hc"], congress["tree"]
    proposal = propose(client, congress["citizen"], tree["hc"]).json
    too_long = propose(client, congress["citizen"], tree["hc"], content="长" * 1001)
    assert too_long.status_code == 422 and "content" in too_long.json["errors"]
    vote_id, _ = new_round(client, admin, projects=())
    adopted = client.post(f"{API}/proposals/{proposal['id']}/adopt", json={"vote_id": vote_id}, headers=admin).json
    assert client.delete(f"{API}/votes/{vote_id}/projects/{adopted['project_id']}", headers=admin).status_code == 204
    back = client.get(f"{API}/proposals", headers=admin).json["items"]
    assert [(p["status"], p["project_id"]) for p in back] == [("new", None)]
    assert client.get(f"{API}/votes/{vote_id}", headers=admin).json["projects"] == []


def test_a_decision_changed_before_its_notice_went_restates_it(app, client, congress, wechat_standin):
    """Adopted, given back (its candidate removed) and declined before the sweep: one 办理结果通知 with the
    latest answer; answered again after it went, a new one."""
    from .test_suggestions import delivered

    admin, tree = congress["admins"]["hc"], congress["tree"]
    proposal = propose(client, congress["citizen"], tree["hc"]).json
    vote_id, _ = new_round(client, admin, projects=())
    delivered(wechat_standin, app)
    wechat_standin.clear()
    adopted = client.post(f"{API}/proposals/{proposal['id']}/adopt", json={"vote_id": vote_id}, headers=admin).json
    assert client.delete(f"{API}/votes/{vote_id}/projects/{adopted['project_id']}", headers=admin).status_code == 204
    assert client.post(f"{API}/proposals/{proposal['id']}/decline", json={"reason": "已列入年度计划"},
                       headers=admin).status_code == 200

    def answers():
        return [(m["data"]["phrase2"]["value"], m["data"]["thing3"]["value"])
                for m in delivered(wechat_standin, app) if m["template_id"] == "tmpl-answer"]

    assert answers() == [("未采纳", "已列入年度计划")]


def test_exactly_half_of_the_electorate_is_not_a_majority(client, congress):
    factory = congress["factory"]
    fourth = factory.deputy(congress["tree"]["hc"], "赵敏", phone="13900000108", level="county")
    headers = congress["headers"] + [factory.deputy_headers(fourth)]
    admin = congress["admins"]["hc"]
    vote_id, ids = opened(client, admin, places=2, projects=("甲", "乙"))
    for h, choices in zip(headers, (["for", "for"], ["for", "for"], ["for", "against"], ["against", "abstain"])):
        assert ballot(client, h, vote_id, ids, choices).status_code == 201
    result = close(client, admin, vote_id).json
    assert result["electorate"] == 4
    assert [(p["title"], p["votes_for"], p["adopted"]) for p in result["projects"]] == [("甲", 3, True), ("乙", 2, False)]
    assert result["result_note"] == "应投票 4 人，实投 4 人；1 个项目获全体代表过半数赞成票当选，少于拟票决的 2 个。"


def test_a_citizen_lists_no_rounds(client, congress):
    opened(client, congress["admins"]["hc"])
    listed = client.get(f"{API}/votes", headers=congress["citizen"])
    assert (listed.status_code, listed.json["total"], listed.json["items"]) == (200, 0, [])
    refused(client.get(f"{API}/votes"), 401, "请先登录。")


@pytest.mark.parametrize("path, field, message", [
    ("/votes?status=open", "status", "票决状态应为草稿（draft）、投票中（voting）或已结束（closed）。"),
    ("/proposals?status=old", "status", "建议状态应为待处理（new）、已采纳为候选项目（adopted）或不予采纳（declined）。"),
])
def test_a_filter_outside_its_choices_is_refused_naming_them_in_chinese(client, congress, path, field, message):
    refused = client.get(f"{API}{path}", headers=congress["admins"]["hc"])
    assert (refused.status_code, refused.json["error"]) == (422, "validation_failed"), refused.json
    assert refused.json["errors"] == {field: [message]}


def test_retried_creations_with_the_same_key_return_the_first_answer_and_make_nothing_more(client, congress):
    admin = congress["admins"]["hc"]
    now = datetime.now(timezone.utc)
    body = {"title": "2027 年鹤城区民生实事项目票决", "year": 2027, "places": 1,
            "starts_at": iso(now - timedelta(minutes=5)), "ends_at": iso(now + timedelta(hours=2))}

    def twice(path, json, key):
        first = client.post(f"{API}{path}", json=json, headers={**admin, "Idempotency-Key": key})
        assert first.status_code == 201, first.json
        again = client.post(f"{API}{path}", json=json, headers={**admin, "Idempotency-Key": key})
        assert (again.status_code, again.json) == (201, first.json)
        return first.json

    vote_id = twice("/votes", body, "vv-1")["id"]
    project = twice(f"/votes/{vote_id}/projects", {"title": "乡村道路硬化"}, "pp-1")["id"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(LivelihoodVote)) == 1
    assert db.session.scalar(select(func.count()).select_from(LivelihoodProject)) == 1
    assert client.post(f"{API}/votes/{vote_id}/open", headers=admin).status_code == 200
    for headers in congress["headers"]:
        assert ballot(client, headers, vote_id, [project], ["for"]).status_code == 201
    assert close(client, admin, vote_id).status_code == 200
    twice(f"/projects/{project}/progress", {"note": "已完成设计招标", "percent": 10, "date": "2026-01-05"}, "pg-1")
    public = client.get("/api/v1/public/livelihood", query_string={"region_id": congress["tree"]["hc"].id}).json
    assert [p["note"] for p in public["items"][0]["progress"]] == ["已完成设计招标"]


def labels(client, headers, vote_id):
    """The round's status label on its page and on its line of the list."""
    shown = client.get(f"{API}/votes/{vote_id}", headers=headers).json["status_label"]
    listed = [v["status_label"] for v in client.get(f"{API}/votes", headers=headers).json["items"] if v["id"] == vote_id]
    assert listed == [shown]
    return shown


def test_the_status_label_follows_the_voting_window(client, congress):
    admin, elector = congress["admins"]["hc"], congress["headers"][0]
    draft_id, _ = new_round(client, admin, projects=("甲",))
    assert labels(client, admin, draft_id) == "草稿"
    vote_id, _ = opened(client, admin, starts=60, places=1, projects=("甲",))
    assert labels(client, admin, vote_id) == labels(client, elector, vote_id) == "尚未开始"
    # Published: no longer edited, and the refusal says so (not that voting has started).
    refused(client.patch(f"{API}/votes/{vote_id}", json={"title": "改名"}, headers=admin), 409, "票决已发布，不能再修改。")
    now = datetime.now(timezone.utc)
    db.session.execute(update(LivelihoodVote).where(LivelihoodVote.id == vote_id).values(
        starts_dt=now - timedelta(minutes=5)))
    db.session.commit()
    assert labels(client, admin, vote_id) == labels(client, elector, vote_id) == "投票中"
    # The window over, before the sweep closes the round.
    db.session.execute(update(LivelihoodVote).where(LivelihoodVote.id == vote_id).values(
        ends_dt=now - timedelta(seconds=1)))
    db.session.commit()
    assert labels(client, admin, vote_id) == "已结束"
    assert close(client, admin, vote_id).status_code == 200
    assert labels(client, admin, vote_id) == "已结束"


def test_a_round_whose_electorate_is_below_the_minimum_is_not_opened(client, congress):
    """Fewer electors than MIN_BALLOTS could only end void (and the tallies would tell how they voted):
    refused at the opening, saying why, and nothing written."""
    admin = congress["admins"]["yl"]
    vote_id, _ = new_round(client, admin, places=1, projects=("甲",))
    refused(client.post(f"{API}/votes/{vote_id}/open", headers=admin), 409,
            "岳麓区在任的县（区）人大代表只有 1 人：投票代表不足 3 人，无法保证无记名投票，不能开始投票。")
    assert db.session.get(LivelihoodVote, vote_id).status.value == "draft"
    assert db.session.scalar(select(func.count()).select_from(LivelihoodBallot)) == 0
    assert logged("livelihood_vote_opened") == []


def test_a_round_not_yet_begun_is_withdrawn_to_a_draft_not_closed(client, congress):
    """Closing a round before its window begins would record every elector as 未投票 and void it: refused,
    pointing to 撤回发布, which takes it back to a draft (its electorate unfixed, edited again, opened again)."""
    admin = congress["admins"]["hc"]
    draft_id, _ = new_round(client, admin, places=1, projects=("甲",))
    refused(client.post(f"{API}/votes/{draft_id}/withdraw", headers=admin), 409, "票决尚未发布。")
    vote_id, ids = opened(client, admin, starts=60, places=1, projects=("甲",))
    refused(close(client, admin, vote_id, "测试提前结束"), 409,
            "票决尚未开始，不能结束；如需取消，请撤回发布（退回草稿）后修改或不再开始。")
    refused(client.post(f"{API}/votes/{vote_id}/withdraw", headers=congress["admins"]["yl"]), 404, "票决不存在。")
    withdrawn = client.post(f"{API}/votes/{vote_id}/withdraw", headers=admin)
    assert withdrawn.status_code == 200, withdrawn.json
    assert (withdrawn.json["status"], withdrawn.json["status_label"], withdrawn.json["electorate"],
            withdrawn.json["opened_at"]) == ("draft", "草稿", None, None)
    assert db.session.scalar(select(func.count()).select_from(LivelihoodBallot)) == 0
    refused(client.get(f"{API}/votes/{vote_id}", headers=congress["headers"][0]), 404, "票决不存在。")
    assert logged("livelihood_vote_withdrawn") == [("2027 年鹤城区民生实事项目票决", {"electorate": 3})]
    # A draft again: edited, and opened again with the electorate of that moment.
    assert client.patch(f"{API}/votes/{vote_id}", json={"title": "改期后的票决"}, headers=admin).status_code == 200
    assert client.post(f"{API}/votes/{vote_id}/open", headers=admin).json["electorate"] == 3
    # Once voting has begun it is not withdrawn: it is closed early, with a reason.
    db.session.execute(update(LivelihoodVote).where(LivelihoodVote.id == vote_id).values(
        starts_dt=datetime.now(timezone.utc) - timedelta(minutes=1)))
    db.session.commit()
    refused(client.post(f"{API}/votes/{vote_id}/withdraw", headers=admin), 409,
            "投票已开始，不能撤回发布；如需停止，请提前结束投票并说明理由。")
    assert ballot(client, congress["headers"][0], vote_id, ids, ["for"]).status_code == 201
    assert close(client, admin, vote_id, "议程调整").status_code == 200
    refused(client.post(f"{API}/votes/{vote_id}/withdraw", headers=admin), 409, "投票已结束。")


def adopted_project(client, congress):
    admin = congress["admins"]["hc"]
    vote_id, ids = opened(client, admin, places=1, projects=("甲", "乙"))
    for headers in congress["headers"]:
        assert ballot(client, headers, vote_id, ids, ["for", "against"]).status_code == 201
    assert close(client, admin, vote_id).status_code == 200
    return ids[0]


def public_progress(client, congress):
    item = client.get("/api/v1/public/livelihood", query_string={"region_id": congress["tree"]["hc"].id}).json["items"][0]
    return item["percent"], [(p["date"], p["percent"], p["note"]) for p in item["progress"]]


def test_progress_is_dated_no_later_than_today(client, congress):
    admin, project = congress["admins"]["hc"], adopted_project(client, congress)
    tomorrow = (datetime.now(CHINA) + timedelta(days=1)).date().isoformat()
    future = client.post(f"{API}/projects/{project}/progress", headers=admin,
                         json={"note": "未来日期", "percent": 50, "date": tomorrow})
    assert (future.status_code, future.json["errors"]) == (422, {"date": ["进度日期不能晚于今天。"]})
    today = datetime.now(CHINA).date().isoformat()
    assert client.post(f"{API}/projects/{project}/progress", headers=admin,
                       json={"note": "开工", "percent": 10, "date": today}).status_code == 201
    assert public_progress(client, congress) == (10, [(today, 10, "开工")])


def test_a_mistaken_progress_line_is_withdrawn_logged_and_entered_again(client, congress):
    admin, project = congress["admins"]["hc"], adopted_project(client, congress)
    lines = [client.post(f"{API}/projects/{project}/progress", headers=admin, json=body).json
             for body in ({"note": "开工", "percent": 10, "date": "2026-03-01"},
                          {"note": "路基完成", "percent": 80, "date": "2026-06-30"})]
    assert public_progress(client, congress)[0] == 80
    # Another county's administrator, or a line of another project: not found; nothing withdrawn.
    refused(client.delete(f"{API}/projects/{project}/progress/{lines[1]['id']}", headers=congress["admins"]["yl"]),
            404, "项目不存在。")
    refused(client.delete(f"{API}/projects/{project + 1}/progress/{lines[1]['id']}", headers=admin), 404,
            "进度不存在。")
    gone = client.delete(f"{API}/projects/{project}/progress/{lines[1]['id']}", headers=admin)
    assert gone.status_code == 204
    refused(client.delete(f"{API}/projects/{project}/progress/{lines[1]['id']}", headers=admin), 404, "进度不存在。")
    assert public_progress(client, congress) == (10, [("2026-03-01", 10, "开工")])
    page = client.get(f"/public/livelihood?region_id={congress['tree']['hc'].id}").get_data(as_text=True)
    assert "路基完成" not in page and "开工" in page
    assert logged("livelihood_progress_withdrawn") == [
        ("2027 年鹤城区民生实事项目票决", {"project": "甲", "progress": "2026-06-30 80%：路基完成"})]
    # Entered again, right.
    again = client.post(f"{API}/projects/{project}/progress", headers=admin,
                        json={"note": "路基完成 40%", "percent": 40, "date": "2026-06-30"})
    assert again.status_code == 201
    assert public_progress(client, congress)[0] == 40


def test_progress_may_go_back_with_its_note_saying_why(client, congress):
    """A percent lower than the last is accepted (works redone, a survey correcting an estimate): every line
    carries a note, which says why; the public percent is the latest line's."""
    admin, project = congress["admins"]["hc"], adopted_project(client, congress)
    for body in ({"note": "完成 60%", "percent": 60, "date": "2026-05-01"},
                 {"note": "复测后部分路段返工，进度调整为 45%", "percent": 45, "date": "2026-06-01"}):
        assert client.post(f"{API}/projects/{project}/progress", headers=admin, json=body).status_code == 201
    assert public_progress(client, congress)[0] == 45
    blank = client.post(f"{API}/projects/{project}/progress", headers=admin,
                        json={"note": " ", "percent": 30, "date": "2026-06-02"})
    assert blank.status_code == 422 and "note" in blank.json["errors"]


def test_a_retried_adoption_with_the_same_key_returns_the_first_answer_and_makes_one_candidate(client, congress):
    admin = {**congress["admins"]["hc"], "Idempotency-Key": "adopt-1"}
    proposal = client.post(f"{API}/proposals", headers=congress["citizen"], json={
        "region_id": congress["tree"]["hc"].id, "title": "增设路灯", "content": "太暗"}).json
    vote_id, _ = new_round(client, congress["admins"]["hc"], projects=())
    first = client.post(f"{API}/proposals/{proposal['id']}/adopt", json={"vote_id": vote_id}, headers=admin)
    assert first.status_code == 200, first.json
    again = client.post(f"{API}/proposals/{proposal['id']}/adopt", json={"vote_id": vote_id}, headers=admin)
    assert (again.status_code, again.json) == (200, first.json)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(LivelihoodProject)) == 1
