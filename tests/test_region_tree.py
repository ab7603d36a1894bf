"""The region tree kept sound wherever it is edited (API, command line): no two siblings of one name,
a child below its parent's level, and a region made by mistake removed while it is still empty."""
import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.org.models import Region

API = "/api/v1"


@pytest.fixture
def tree(factory):
    tree = factory.tree()
    tree["town"] = factory.region("迎丰街道", "township", tree["hc"])
    tree["super"] = factory.headers_for_admin(factory.admin("root", region=tree["root"]))
    tree["hc_admin"] = factory.headers_for_admin(factory.admin("hcadmin", region=tree["hc"]))
    return tree


def count_named(name):
    return db.session.scalar(select(func.count()).select_from(Region).where(Region.name == name))


# --- no two siblings of one name ----------------------------------------------------------------------


def test_a_second_sibling_of_the_same_name_is_refused_naming_the_first(client, tree):
    """A double click (or a retry without an Idempotency-Key) makes one region; the second answer names it."""
    body = {"name": "迎丰街道", "level": "township", "parent_id": tree["hc"].id}
    again = client.post(f"{API}/regions", json=body, headers=tree["hc_admin"])
    assert again.status_code == 409, again.json
    assert again.json["error"] == "conflict"
    assert again.json["message"] == f"区域“湖南省怀化市鹤城区迎丰街道”已存在（id={tree['town'].id}）。"
    assert count_named("迎丰街道") == 1
    # The same name under another parent is another place.
    elsewhere = client.post(f"{API}/regions", json={**body, "parent_id": tree["yl"].id}, headers=tree["super"])
    assert elsewhere.status_code == 201, elsewhere.json


def test_a_rename_onto_a_siblings_name_is_refused(client, tree, factory):
    other = factory.region("城北街道", "township", tree["hc"])
    renamed = client.patch(f"{API}/regions/{other.id}", json={"name": "迎丰街道"}, headers=tree["hc_admin"])
    assert renamed.status_code == 409, renamed.json
    assert renamed.json["message"] == f"区域“湖南省怀化市鹤城区迎丰街道”已存在（id={tree['town'].id}）。"
    assert client.get(f"{API}/regions/{other.id}").json["name"] == "城北街道"
    # Renaming a region to its own name is no clash.
    same = client.patch(f"{API}/regions/{other.id}", json={"name": "城北街道"}, headers=tree["hc_admin"])
    assert same.status_code == 200, same.json


def test_the_database_refuses_two_siblings_of_one_name_whatever_writes_them(app, tree):
    """The unique index behind the check: a race of two requests (or a hand-written INSERT) cannot make
    twins, roots included."""
    from sqlalchemy.exc import IntegrityError

    for parent_id in (tree["hc"].id, None):
        twin = Region(name="迎丰街道" if parent_id else "湖南省", level="township", parent_id=parent_id, path="/x/")
        db.session.add(twin)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_the_command_line_refuses_a_twin_with_the_same_message(app, tree):
    run = app.test_cli_runner().invoke
    again = run(args=["create-region", "迎丰街道", "--level", "township", "--parent", str(tree["hc"].id)])
    assert again.exit_code == 1
    assert f"区域“湖南省怀化市鹤城区迎丰街道”已存在（id={tree['town'].id}）。" in again.output


# --- a child below its parent's level -----------------------------------------------------------------


def test_a_child_of_a_level_not_below_its_parents_is_refused(client, tree):
    for level in ("city", "county", "township"):
        made = client.post(f"{API}/regions", json={"name": "测试村", "level": level, "parent_id": tree["town"].id},
                           headers=tree["hc_admin"])
        assert made.status_code == 422, (level, made.json)
        assert made.json["errors"] == {"level": ["上级区域“迎丰街道”是乡镇（街道），下级区域的层级须为村（社区）。"]}
    assert count_named("测试村") == 0
    village = client.post(f"{API}/regions", json={"name": "测试村", "level": "village", "parent_id": tree["town"].id},
                          headers=tree["hc_admin"])
    assert village.status_code == 201, village.json
    # A level may be skipped (a county straight under the province: 省直管县).
    skipped = client.post(f"{API}/regions", json={"name": "直管县", "level": "county", "parent_id": tree["root"].id},
                          headers=tree["super"])
    assert skipped.status_code == 201, skipped.json


def test_a_village_can_have_no_child(client, tree, factory):
    village = factory.region("迎丰社区", "village", tree["town"])
    made = client.post(f"{API}/regions", json={"name": "一组", "level": "village", "parent_id": village.id},
                       headers=tree["hc_admin"])
    assert made.status_code == 422
    assert made.json["errors"] == {"level": ["上级区域“迎丰社区”是村（社区），其下不能再建区域。"]}


def test_a_level_changed_stays_below_the_parent_and_above_the_children(client, tree, factory):
    factory.region("迎丰社区", "village", tree["town"])
    above = client.patch(f"{API}/regions/{tree['town'].id}", json={"level": "county"}, headers=tree["hc_admin"])
    assert above.status_code == 422
    assert above.json["errors"] == {"level": ["上级区域“鹤城区”是县（区），下级区域的层级须为乡镇（街道）、村（社区）。"]}
    below = client.patch(f"{API}/regions/{tree['town'].id}", json={"level": "village"}, headers=tree["hc_admin"])
    assert below.status_code == 422
    assert below.json["errors"] == {"level": ["下级区域中有村（社区）“迎丰社区”，本区域的层级须高于它。"]}
    assert client.get(f"{API}/regions/{tree['town'].id}").json["level"] == "township"
    # A level changed within both bounds is taken (a city's level set again to its own, unchanged, too).
    assert client.patch(f"{API}/regions/{tree['hh'].id}", json={"level": "city"}, headers=tree["super"]).status_code == 200



def test_a_regions_own_record_is_changed_by_the_region_above(client, tree):
    """As for accounts: a region administrator edits the regions below their own; their own region's name and
    level are the region above's to change. The root's administrators, with none above, rename the root."""
    own = client.patch(f"{API}/regions/{tree['hc'].id}", json={"name": "鹤城新区", "level": "county"},
                       headers=tree["hc_admin"])
    assert own.status_code == 403, own.json
    assert (own.json["error"], own.json["message"]) == ("forbidden", "本区域的名称和层级由上级区域的管理员修改。")
    deleted = client.delete(f"{API}/regions/{tree['hc'].id}", headers=tree["hc_admin"])
    assert deleted.status_code == 403, deleted.json
    assert deleted.json["message"] == "本区域只能由上级区域的管理员删除。"
    assert client.get(f"{API}/regions/{tree['hc'].id}").json["name"] == "鹤城区"

    below = client.patch(f"{API}/regions/{tree['town'].id}", json={"name": "迎丰镇"}, headers=tree["hc_admin"])
    assert below.status_code == 200 and below.json["name"] == "迎丰镇"
    above = client.patch(f"{API}/regions/{tree['hc'].id}", json={"name": "鹤城新区"}, headers=tree["super"])
    assert above.status_code == 200 and above.json["full_name"] == "湖南省怀化市鹤城新区"
    root = client.patch(f"{API}/regions/{tree['root'].id}", json={"name": "湖南"}, headers=tree["super"])
    assert root.status_code == 200 and root.json["name"] == "湖南"


def test_the_command_line_refuses_a_level_not_below_the_parents(app, tree):
    run = app.test_cli_runner().invoke
    made = run(args=["create-region", "城中街道", "--level", "county", "--parent", str(tree["town"].id)])
    assert made.exit_code == 1
    assert "上级区域“迎丰街道”是乡镇（街道），下级区域的层级须为村（社区）。" in made.output
    assert count_named("城中街道") == 0


# --- a region made by mistake, removed while it is empty ----------------------------------------------


def test_an_empty_region_made_by_mistake_is_deleted_and_the_log_keeps_it(client, tree):
    made = client.post(f"{API}/regions", json={"name": "测试村", "level": "village", "parent_id": tree["town"].id},
                       headers=tree["hc_admin"])
    assert made.status_code == 201
    deleted = client.delete(f"{API}/regions/{made.json['id']}", headers=tree["hc_admin"])
    assert deleted.status_code == 204, deleted.json
    assert client.get(f"{API}/regions/{made.json['id']}").status_code == 404
    assert count_named("测试村") == 0
    log = client.get(f"{API}/audit-events?per_page=100", headers=tree["hc_admin"]).json["items"]
    assert {(e["action"], e["target"]) for e in log} >= {("region_created", "区域：测试村"), ("region_deleted", "区域：测试村")}
    # The name is free again.
    again = client.post(f"{API}/regions", json={"name": "测试村", "level": "village", "parent_id": tree["town"].id},
                        headers=tree["hc_admin"])
    assert again.status_code == 201, again.json


def log_lines(client, headers):
    response = client.get(f"{API}/audit-events?per_page=100", headers=headers)
    assert response.status_code == 200, response.json
    return [(e["action"], e["target"]) for e in response.json["items"]]


def test_deleting_a_region_leaves_its_log_lines_as_they_were_written_and_read_above(client, tree, factory):
    """The 操作日志 is written once: the lines kept under a region deleted later stay under it — the
    region above does not take them over — and every administrator above reads them, each line once;
    a region made afterwards (by SQLite's numbering, it could take the deleted one's id) reads none."""
    from backend.audit.models import AuditEvent

    town_admin = factory.headers_for_admin(factory.admin("yingfeng", region=tree["town"]))
    made = client.post(f"{API}/regions", json={"name": "测试村", "level": "village", "parent_id": tree["town"].id},
                       headers=tree["hc_admin"])
    assert made.status_code == 201, made.json
    renamed = client.patch(f"{API}/regions/{made.json['id']}", json={"name": "测试村二"}, headers=town_admin)
    assert renamed.status_code == 200, renamed.json
    written = {(e.id, e.action): e.region_id for e in db.session.query(AuditEvent)}
    assert client.delete(f"{API}/regions/{made.json['id']}", headers=town_admin).status_code == 204

    db.session.expire_all()
    kept = {(e.id, e.action): e.region_id for e in db.session.query(AuditEvent) if (e.id, e.action) in written}
    assert kept == written  # not one line moved
    lines = [("region_created", "区域：测试村"), ("region_updated", "区域：测试村二"), ("region_deleted", "区域：测试村二")]
    for headers in (town_admin, tree["hc_admin"], tree["super"]):
        read = log_lines(client, headers)
        assert sorted(line for line in read if line in lines) == sorted(lines), read
    assert not [line for line in log_lines(client, factory.headers_for_admin(factory.admin("yl", region=tree["yl"])))
                if "测试村" in line[1]]

    again = client.post(f"{API}/regions", json={"name": "新村", "level": "village", "parent_id": tree["town"].id},
                        headers=town_admin)
    assert again.status_code == 201, again.json
    assert again.json["id"] != made.json["id"]
    new_admin = factory.headers_for_admin(factory.admin("xincun", region=db.session.get(Region, again.json["id"])))
    assert not [line for line in log_lines(client, new_admin) if "测试村" in line[1]]


def test_a_region_that_holds_anything_is_not_deleted_and_says_what_it_holds(client, tree, factory):
    factory.region("迎丰社区", "village", tree["town"])
    factory.region("红星社区", "village", tree["town"])
    station = factory.station(tree["town"], "迎丰联络站")
    factory.deputy(tree["town"], "张伟", stations=[station])
    factory.admin("yingfeng", region=tree["town"])
    refused = client.delete(f"{API}/regions/{tree['town'].id}", headers=tree["hc_admin"])
    assert refused.status_code == 409, refused.json
    assert refused.json["message"] == ("区域“迎丰街道”还有下级区域 2 个、联络站 1 个、代表 1 名、管理员账号 1 个，"
                                       "不能删除；请先移走或删除这些，再删除区域。")
    assert client.get(f"{API}/regions/{tree['town'].id}").status_code == 200


def test_a_region_with_records_of_its_own_is_not_deleted(client, tree, factory):
    """Whatever else names the region (a congress's own 评分细则, an item filed there) keeps it."""
    from backend.points.models import GradeBand

    db.session.add(GradeBand(region_id=tree["town"].id, label="优秀", min_points=90))
    db.session.commit()
    refused = client.delete(f"{API}/regions/{tree['town'].id}", headers=tree["hc_admin"])
    assert refused.status_code == 409
    assert refused.json["message"] == "区域“迎丰街道”还有其他业务记录，不能删除；请先移走或删除这些，再删除区域。"


def test_the_root_and_regions_outside_ones_scope_are_not_deleted(client, tree, factory):
    root = client.delete(f"{API}/regions/{tree['root'].id}", headers=tree["super"])
    assert root.status_code in (409, 422) and root.json["message"] == "根区域不能删除。"
    outside = client.delete(f"{API}/regions/{tree['yl'].id}", headers=tree["hc_admin"])
    assert outside.status_code == 404
    station_admin = factory.headers_for_admin(factory.admin("clerk", stations=[factory.station(tree["hc"], "站")]))
    assert client.delete(f"{API}/regions/{tree['town'].id}", headers=station_admin).status_code == 403
    assert client.get(f"{API}/regions/{tree['yl'].id}").status_code == 200
