"""联系清单 through the HTTP API: a city's congress lists its standing-committee members and special
committees, gives each deputies to keep in touch with (对口联系), records the contacts made, and reads the
year's figures; a deputy sees who keeps in touch with them; nothing outside an administrator's region."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend.audit.models import AuditEvent
from backend.db_types import CHINA, utcnow
from backend.extensions import db
from backend.liaisons.models import Liaison, LiaisonContact, LiaisonDeputy

API = "/api/v1/liaisons"


def today():
    return utcnow().astimezone(CHINA).date()


@pytest.fixture
def world(factory):
    tree = factory.tree()
    chengbei = factory.station(tree["hc"], "城北联络站")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000101", stations=[chengbei])
    li = factory.deputy(tree["hc"], "李娜", phone="13800000102")
    wang = factory.deputy(tree["hh"], "王芳", phone="13800000103")
    far = factory.deputy(tree["yl"], "周强", phone="13800000109")
    huaihua = factory.admin("huaihua", region=tree["hh"])
    changsha = factory.admin("changsha", region=tree["cs"])
    station_admin = factory.admin("chengbei", stations=[chengbei])
    return {"tree": tree, "zhang": zhang, "li": li, "wang": wang, "far": far,
            "hh": factory.headers_for_admin(huaihua), "cs": factory.headers_for_admin(changsha),
            "station": factory.headers_for_admin(station_admin)}


def new_liaison(client, headers, **extra):
    body = {"name": "教育科学文化卫生委员会", "kind": "committee", "title": "市人大专门委员会", **extra}
    response = client.post(API, json=body, headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def contact(client, headers, liaison_id, deputy_id, key=None, **extra):
    body = {"deputy_id": deputy_id, "date": today().isoformat(), "way": "visit", "summary": "走访了解教育工作意见。", **extra}
    return client.post(f"{API}/{liaison_id}/contacts", json=body,
                       headers={**headers, **({"Idempotency-Key": key} if key else {})})


def audit_actions():
    return db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("liaison%")).order_by(AuditEvent.id)).all()


def test_a_committee_is_given_deputies_contacts_them_and_the_year_adds_up(client, world):
    hh = world["hh"]
    committee = new_liaison(client, hh)
    assert committee["region_name"] == "怀化市" and committee["kind_label"] == "专门委员会" and committee["deputies"] == 0
    member = new_liaison(client, hh, name="刘建国", kind="member", title="常委会副主任")

    ids = [world["zhang"].id, world["li"].id, world["wang"].id]
    assigned = client.post(f"{API}/{committee['id']}/deputies", json={"deputy_ids": ids}, headers=hh)
    assert assigned.status_code == 200 and assigned.json == {"added": 3, "removed": 0, "deputies": 3}
    again = client.post(f"{API}/{committee['id']}/deputies", json={"deputy_ids": ids}, headers=hh)
    assert again.json == {"added": 0, "removed": 0, "deputies": 3}  # a retry adds nobody twice
    client.post(f"{API}/{member['id']}/deputies", json={"deputy_ids": [world["zhang"].id]}, headers=hh)

    first = contact(client, hh, committee["id"], world["zhang"].id, key="c-1", opinions="建议增加乡村教师编制。")
    assert first.status_code == 201
    assert first.json["way_label"] == "走访" and first.json["deputy_name"] == "张伟" and first.json["created_by_name"] == "huaihua"
    retried = contact(client, hh, committee["id"], world["zhang"].id, key="c-1", opinions="建议增加乡村教师编制。")
    assert retried.status_code == 201 and retried.json["id"] == first.json["id"]
    assert contact(client, hh, committee["id"], world["zhang"].id, way="phone").status_code == 201
    assert contact(client, hh, committee["id"], world["li"].id, way="talk").status_code == 201
    last_year = today().replace(year=today().year - 1, day=1)
    assert contact(client, hh, committee["id"], world["wang"].id, date=last_year.isoformat()).status_code == 201
    assert db.session.scalar(select(func.count()).select_from(LiaisonContact)) == 4

    summary = client.get(f"{API}/summary", headers=hh).json
    assert summary["year"] == today().year and summary["total"] == 2
    rows = {row["name"]: row for row in summary["items"]}
    assert {k: rows["教育科学文化卫生委员会"][k] for k in ("assigned", "contacted", "contacts", "contact_rate")} == {
        "assigned": 3, "contacted": 2, "contacts": 3, "contact_rate": pytest.approx(0.6667)}
    assert {k: rows["刘建国"][k] for k in ("assigned", "contacted", "contacts", "contact_rate")} == {
        "assigned": 1, "contacted": 0, "contacts": 0, "contact_rate": 0}
    previous = client.get(f"{API}/summary?year={today().year - 1}", headers=hh).json["items"]
    assert {row["name"]: row["contacts"] for row in previous} == {"教育科学文化卫生委员会": 1, "刘建国": 0}

    waiting = client.get(f"{API}/{committee['id']}/deputies?uncontacted=true", headers=hh).json
    assert [d["name"] for d in waiting["items"]] == ["王芳"]
    everyone = client.get(f"{API}/{committee['id']}/deputies", headers=hh).json["items"]
    assert {d["name"]: (d["contacts"], d["last_contact_date"]) for d in everyone} == {
        "张伟": (2, today().isoformat()), "李娜": (1, today().isoformat()), "王芳": (0, None)}

    listed = client.get(f"{API}/contacts?deputy_id={world['zhang'].id}", headers=hh).json
    assert listed["total"] == 2 and {c["way_label"] for c in listed["items"]} == {"走访", "电话"}
    by_year = client.get(f"{API}/contacts?liaison_id={committee['id']}&year={today().year - 1}", headers=hh).json
    assert [c["deputy_name"] for c in by_year["items"]] == ["王芳"]
    period = client.get(f"{API}/contacts?from={today().isoformat()}&to={today().isoformat()}", headers=hh).json
    assert period["total"] == 3

    # 李娜 leaves office: her record stays, she is no longer counted as assigned nor as contacted.
    client.patch(f"/api/v1/deputies/{world['li'].id}", json={"active": False}, headers=hh)
    row = next(r for r in client.get(f"{API}/summary", headers=hh).json["items"] if r["name"] == "教育科学文化卫生委员会")
    assert (row["assigned"], row["contacted"], row["contacts"]) == (2, 1, 3)
    assert client.get(f"{API}/contacts?deputy_id={world['li'].id}", headers=hh).json["total"] == 1

    # A record corrected: deleted (logged, with what it said) and entered again.
    assert client.delete(f"{API}/contacts/{first.json['id']}", headers=hh).status_code == 204
    assert client.get(f"{API}/contacts?deputy_id={world['zhang'].id}", headers=hh).json["total"] == 1
    deleted = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "liaison_contact_deleted")).one()
    assert deleted.detail["deputy"] == "张伟" and deleted.detail["way"] == "走访"

    removed = client.post(f"{API}/{committee['id']}/deputies/remove", json={"deputy_ids": [world["wang"].id]}, headers=hh)
    assert removed.json == {"added": 0, "removed": 1, "deputies": 1}
    assert audit_actions() == [
        "liaison_created", "liaison_created", "liaison_deputies_added", "liaison_deputies_added",
        "liaison_contact_added", "liaison_contact_added", "liaison_contact_added", "liaison_contact_added",
        "liaison_contact_deleted", "liaison_deputies_removed"]


def test_a_deputy_sees_who_keeps_in_touch_with_them_without_phones(client, world, factory):
    hh = world["hh"]
    committee = new_liaison(client, hh)
    member = new_liaison(client, hh, name="刘建国", kind="member", title="常委会副主任")
    retired = new_liaison(client, hh, name="陈某", kind="member")
    for liaison in (committee, member, retired):
        client.post(f"{API}/{liaison['id']}/deputies", json={"deputy_ids": [world["zhang"].id]}, headers=hh)
    client.patch(f"{API}/{retired['id']}", json={"active": False}, headers=hh)

    deputy = factory.deputy_headers(world["zhang"])
    mine = client.get("/api/v1/me/liaisons", headers=deputy)
    assert mine.status_code == 200 and mine.json["total"] == 2
    assert {(i["name"], i["kind_label"], i["title"], i["congress_name"]) for i in mine.json["items"]} == {
        ("教育科学文化卫生委员会", "专门委员会", "市人大专门委员会", "怀化市人大常委会"),
        ("刘建国", "常委会组成人员", "常委会副主任", "怀化市人大常委会")}
    assert "phone" not in mine.get_data(as_text=True)
    other = factory.deputy_headers(world["li"])
    assert client.get("/api/v1/me/liaisons", headers=other).json["items"] == []
    citizen = factory.wechat_login("citizen-a")
    refused = client.get("/api/v1/me/liaisons", headers=citizen)
    assert refused.status_code == 403 and "只有人大代表" in refused.json["message"]
    assert client.get("/api/v1/me/liaisons").status_code == 401


def test_nobody_outside_the_region_nor_without_the_role_reaches_them(client, world, factory):
    committee = new_liaison(client, world["hh"])
    path = f"{API}/{committee['id']}"
    for method, url, body in (("get", path, None), ("patch", path, {"title": "x"}), ("delete", path, None),
                              ("post", f"{path}/deputies", {"deputy_ids": [world["far"].id]}),
                              ("post", f"{path}/contacts", {"deputy_id": world["far"].id, "date": "2026-01-02",
                                                            "way": "visit", "summary": "x"}),
                              ("get", f"{path}/deputies", None), ("get", f"{API}/contacts?liaison_id={committee['id']}", None)):
        response = getattr(client, method)(url, json=body, headers=world["cs"])
        assert response.status_code == 404 and response.json["message"] == "联系人不存在。", url
    assert client.get(f"{API}/summary?region_id={world['tree']['hh'].id}", headers=world["cs"]).status_code == 404
    client.post(f"{path}/deputies", json={"deputy_ids": [world["zhang"].id]}, headers=world["hh"])
    recorded = contact(client, world["hh"], committee["id"], world["zhang"].id).json
    other = client.delete(f"{API}/contacts/{recorded['id']}", headers=world["cs"])
    assert other.status_code == 404 and other.json["message"] == "联系记录不存在。"
    assert client.get(f"{API}/summary", headers=world["cs"]).json["items"] == []
    assert client.post(API, json={"name": "x", "kind": "member", "region_id": world["tree"]["hh"].id},
                       headers=world["cs"]).status_code == 422

    assert client.get(API).status_code == 401
    assert client.get(f"{API}/summary").status_code == 401
    deputy = factory.deputy_headers(world["zhang"])
    citizen = factory.wechat_login("citizen-b")
    for headers in (deputy, citizen, world["station"]):
        assert client.get(API, headers=headers).status_code == 403
        assert client.get(f"{API}/summary", headers=headers).status_code == 403
        assert client.post(API, json={"name": "x", "kind": "member"}, headers=headers).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Liaison)) == 1
    assert db.session.scalar(select(func.count()).select_from(LiaisonContact)) == 1


def test_bad_input_is_refused_in_chinese_and_nothing_is_written(client, world):
    hh = world["hh"]
    committee = new_liaison(client, hh)
    cid = committee["id"]
    client.post(f"{API}/{cid}/deputies", json={"deputy_ids": [world["zhang"].id]}, headers=hh)

    future = contact(client, hh, cid, world["zhang"].id, date=(today() + timedelta(days=1)).isoformat())
    assert future.status_code == 422 and future.json["errors"] == {"date": ["联系日期不能晚于今天。"]}
    way = contact(client, hh, cid, world["zhang"].id, way="fax")
    assert way.status_code == 422
    assert way.json["errors"]["way"] == ["联系方式应为走访（visit）、座谈（talk）、电话（phone）、书面（letter）或网络（online）。"]
    long = contact(client, hh, cid, world["zhang"].id, summary="很" * 501)
    assert long.status_code == 422 and long.json["errors"]["summary"] == ["长度应在 1 到 500 个字符之间。"]
    unassigned = contact(client, hh, cid, world["li"].id)
    assert unassigned.status_code == 422
    assert unassigned.json["message"] == "该代表不在本联系人的联系名单中，请先安排联系。"
    assert db.session.scalar(select(func.count()).select_from(LiaisonContact)) == 0

    kind = client.post(API, json={"name": "x", "kind": "boss"}, headers=hh)
    assert kind.status_code == 422 and kind.json["errors"]["kind"] == ["联系人类型应为常委会组成人员（member）或专门委员会（committee）。"]

    # A batch with a deputy of another city and one who left office: refused whole, naming them.
    client.patch(f"/api/v1/deputies/{world['li'].id}", json={"active": False}, headers=hh)
    out = client.post(f"{API}/{cid}/deputies", json={"deputy_ids": [world["wang"].id, world["far"].id]}, headers=hh)
    assert out.status_code == 422
    assert out.json["message"] == f"以下代表不存在或不属于怀化市人大常委会联系的代表（编号）：{world['far'].id}。"
    left = client.post(f"{API}/{cid}/deputies", json={"deputy_ids": [world["wang"].id, world["li"].id]}, headers=hh)
    assert left.status_code == 422 and left.json["message"] == "以下代表已离任，不能安排联系：李娜。"
    assert db.session.scalar(select(func.count()).select_from(LiaisonDeputy)) == 1
    empty = client.post(f"{API}/{cid}/deputies", json={"deputy_ids": []}, headers=hh)
    assert empty.status_code == 422

    # One with records is not deleted but may be 停用; then it takes no new contact.
    assert contact(client, hh, cid, world["zhang"].id).status_code == 201
    refused = client.delete(f"{API}/{cid}", headers=hh)
    assert refused.status_code == 409 and "请将其停用" in refused.json["message"]
    assert client.patch(f"{API}/{cid}", json={"active": False}, headers=hh).json["active"] is False
    stopped = contact(client, hh, cid, world["zhang"].id)
    assert stopped.status_code == 409 and stopped.json["message"] == "该联系人已停用，请先启用。"
    blank = new_liaison(client, hh, name="空白委员会")
    assert client.delete(f"{API}/{blank['id']}", headers=hh).status_code == 204
    assert client.get(f"{API}/{blank['id']}", headers=hh).status_code == 404
    assert client.get(f"{API}/summary?year=1999", headers=hh).status_code == 422


def test_a_liaison_created_twice_with_one_key_is_one(client, world):
    headers = {**world["hh"], "Idempotency-Key": "liaison-1"}
    body = {"name": "刘建国", "kind": "member"}
    first, second = (client.post(API, json=body, headers=headers) for _ in range(2))
    assert first.status_code == second.status_code == 201 and first.json["id"] == second.json["id"]
    assert db.session.scalar(select(func.count()).select_from(Liaison)) == 1


def test_the_summary_is_one_grouped_query_whatever_the_number_of_liaisons(app, client, world):
    from .factories import sent_statements

    hh = world["hh"]
    ids = [world["zhang"].id, world["li"].id, world["wang"].id]

    def summary_statements():
        with sent_statements(app) as seen:
            assert client.get(f"{API}/summary?per_page=100", headers=hh).status_code == 200
        return [s for s in seen if "liaison" in s]

    new_liaison(client, hh)
    few = summary_statements()
    for n in range(5):
        liaison = new_liaison(client, hh, name=f"委员{n}", kind="member")
        client.post(f"{API}/{liaison['id']}/deputies", json={"deputy_ids": ids}, headers=hh)
        assert contact(client, hh, liaison["id"], ids[n % 3]).status_code == 201
    many = summary_statements()
    assert len(many) == len(few) == 3  # the page's count, the page itself and its liaisons' figures
    assert "GROUP BY" in many[-1].upper()
    assert client.get(f"{API}/summary?per_page=2&page=3", headers=hh).json["total"] == 6


def _in_list(statement, column):
    """How many values ``column IN (…)`` names in a statement as sent (its placeholders), or None."""
    import re

    found = re.search(re.escape(column) + r" IN \((.*?)\)(?!s)", statement)  # PostgreSQL's are %(name)s
    return None if found is None else len(found.group(1).split(","))


def test_a_page_of_the_summary_reads_the_figures_of_its_own_liaisons_only(app, client, world):
    """The year's figures of a page are read for the page's liaisons only (named by their ids), never by
    counting every contact of the year of every liaison in scope to show 20 rows (a province: thousands of
    liaisons, hundreds of thousands of contacts a year, seconds a page)."""
    from .factories import sent_statements

    hh = world["hh"]
    ids = [world["zhang"].id, world["li"].id, world["wang"].id]
    made = []
    for n in range(5):
        liaison = new_liaison(client, hh, name=f"委员{n}", kind="member")
        client.post(f"{API}/{liaison['id']}/deputies", json={"deputy_ids": ids}, headers=hh)
        for k in range(n):
            assert contact(client, hh, liaison["id"], ids[k % 3]).status_code == 201
        made.append(liaison)
    with sent_statements(app) as seen:
        page = client.get(f"{API}/summary?per_page=2&page=2", headers=hh).json
    assert page["total"] == 5
    assert [(r["name"], r["assigned"], r["contacted"], r["contacts"]) for r in page["items"]] == [
        ("委员2", 3, 2, 2), ("委员3", 3, 3, 3)]
    reads = [s for s in seen if "liaison_contacts" in s]
    assert len(reads) == 1 and _in_list(reads[0], "liaison_contacts.liaison_id") == 2
    assert _in_list(reads[0], "liaison_deputies.liaison_id") == 2


def test_the_regions_contacts_list_reads_its_newest_first_from_an_index(app, client, world, factory):
    """The contacts of a province's liaisons (the root administrator's list, no filter) come newest first
    from ix_liaison_contacts_newest, the first page without reading and sorting every contact."""
    from .test_scale_queries import _plan
    from .factories import sent_statements

    hh = world["hh"]
    liaison = new_liaison(client, hh)
    client.post(f"{API}/{liaison['id']}/deputies", json={"deputy_ids": [world["zhang"].id]}, headers=hh)
    for days in (3, 1, 2):
        day = (today() - timedelta(days=days)).isoformat()
        assert contact(client, hh, liaison["id"], world["zhang"].id, date=day).status_code == 201
    root = factory.headers_for_admin(factory.admin("root", region=world["tree"]["root"]))
    with sent_statements(app, with_parameters=True) as seen:
        listed = client.get(f"{API}/contacts?per_page=2", headers=root).json
    assert listed["total"] == 3
    assert [c["date"] for c in listed["items"]] == [(today() - timedelta(days=d)).isoformat() for d in (1, 2)]
    page = [(s, p) for s, p in seen if "FROM liaison_contacts" in s and "LIMIT" in s]
    assert len(page) == 1
    assert "ix_liaison_contacts_newest" in _plan(app, *page[0], ("enable_seqscan", "enable_sort"))


def test_only_a_congress_with_a_standing_committee_keeps_a_liaison_list(client, world, factory):
    """双联系 is a standing committee's (county level and up): a 乡镇's congress has a 主席团, a 街道 and a
    village none at all — each refused, saying why, and nothing written."""
    hc = world["tree"]["hc"]
    town = factory.region("中方镇", "township", hc)
    street = factory.region("城北街道", "township", hc)
    village = factory.region("红星社区", "village", street)
    hh = world["hh"]
    refused = {}
    for region in (town, street, village):
        response = client.post(API, json={"name": "测试", "kind": "member", "title": "委员", "region_id": region.id},
                               headers=hh)
        assert response.status_code == 422, response.json
        refused[region.name] = response.json["errors"]["region_id"][0]
        assert response.json["message"] == refused[region.name]
    assert refused == {
        "中方镇": "乡镇人民代表大会不设常务委员会（设主席团），联系清单只能由县级以上人大常委会建立。",
        "城北街道": "街道不设人民代表大会（设人大工委），联系清单只能由县级以上人大常委会建立。",
        "红星社区": "村（社区）不设人民代表大会，联系清单只能由县级以上人大常委会建立。",
    }
    assert db.session.scalar(select(func.count()).select_from(Liaison)) == 0
    county = client.post(API, json={"name": "测试", "kind": "member", "region_id": hc.id}, headers=hh)
    assert county.status_code == 201 and county.json["region_name"] == "鹤城区"


def test_a_committee_keeps_in_touch_with_the_deputies_of_its_own_congress_only(client, world, factory):
    """本级人大代表: a county's standing committee keeps in touch with the county's deputies (county level, elected
    in the county); a 乡镇人大代表 of a town of the county, a city deputy elected there and a national or provincial
    deputy received at the county's station are refused, named with their level, and nothing is written; a
    deputy outside the region is named by number only. The year's figures count the same deputies."""
    tree, hh = world["tree"], world["hh"]
    town = factory.region("中方镇", "township", tree["hc"])
    station = factory.station(tree["hc"], "鹤城联络站")
    county = factory.deputy(tree["hc"], "陈县代", level="county")
    county_town = factory.deputy(town, "林县代", level="county")  # a county deputy elected in a town: the county's
    township = factory.deputy(town, "杨镇代", level="township")
    national = factory.deputy(tree["root"], "黄全国", level="national", stations=[station])
    provincial = factory.deputy(tree["root"], "吴省代", level="provincial", stations=[station])
    committee = new_liaison(client, hh, region_id=tree["hc"].id, name="鹤城区人大常委会副主任", kind="member")
    url = f"{API}/{committee['id']}/deputies"

    wrong = client.post(url, json={"deputy_ids": [county.id, township.id, world["zhang"].id, national.id, provincial.id]},
                        headers=hh)
    assert wrong.status_code == 422, wrong.json
    assert wrong.json["errors"] == {"deputy_ids": [
        "以下代表不是鹤城区人大代表（联系清单只安排本级人大代表），不能安排联系："
        "杨镇代（乡镇人大代表）、张伟（市人大代表）、黄全国（全国人大代表）、吴省代（省人大代表）。"]}
    far = client.post(url, json={"deputy_ids": [county.id, world["far"].id]}, headers=hh)
    assert far.status_code == 422
    assert far.json["message"] == f"以下代表不存在或不属于鹤城区人大常委会联系的代表（编号）：{world['far'].id}。"
    assert db.session.scalar(select(func.count()).select_from(LiaisonDeputy)) == 0

    ok = client.post(url, json={"deputy_ids": [county.id, county_town.id]}, headers=hh)
    assert ok.status_code == 200 and ok.json == {"added": 2, "removed": 0, "deputies": 2}

    # A deputy of another congress given before this rule: listed (to be taken off), counted nowhere.
    db.session.add(LiaisonDeputy(liaison_id=committee["id"], deputy_id=township.id, assigned_by_id=None,
                                 assigned_dt=utcnow()))
    db.session.commit()
    assert contact(client, hh, committee["id"], county.id).status_code == 201
    row = next(r for r in client.get(f"{API}/summary", headers=hh).json["items"] if r["liaison_id"] == committee["id"])
    assert (row["assigned"], row["contacted"], row["contact_rate"]) == (2, 1, 0.5)
    assert client.get(f"{API}/{committee['id']}", headers=hh).json["deputies"] == 2
    waiting = client.get(f"{API}/{committee['id']}/deputies?uncontacted=true", headers=hh).json["items"]
    assert [d["name"] for d in waiting] == ["林县代"]
