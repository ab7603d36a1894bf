"""The organisation API as administrators and the public use it: regions, stations, deputies."""
import pytest

from backend.org.nearby import gcj02_from_wgs84

API = "/api/v1"


@pytest.fixture
def org(factory):
    """Two cities under one province; a station and deputies in each; admins at three levels."""
    tree = factory.tree()
    hc_station = factory.station(tree["hc"], "鹤城区城北联络站", address="人民路 18 号", lat=27.5601, lng=109.9985)
    hc_other = factory.station(tree["hc"], "鹤城区迎丰代表之家", kind="home", lat=27.5502, lng=110.0031)
    yl_station = factory.station(tree["yl"], "岳麓区中心联络站", lat=28.2350, lng=112.9310)
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[hc_station])
    liu = factory.deputy(tree["hc"], "刘芳", phone="13800000004", level="county", stations=[hc_other])
    chen = factory.deputy(tree["yl"], "陈明", phone="13800000005", stations=[yl_station])
    former = factory.deputy(tree["hc"], "吴前任", phone="13800000006", active=False, stations=[hc_station])
    super_admin = factory.admin("root", region=tree["root"])
    hh_admin = factory.admin("huaihua", region=tree["hh"])
    station_admin = factory.admin("chengbei", stations=[hc_station])
    return {
        **tree,
        "hc_station": hc_station,
        "hc_other": hc_other,
        "yl_station": yl_station,
        "zhang": zhang,
        "liu": liu,
        "chen": chen,
        "former": former,
        "super": factory.headers_for_admin(super_admin),
        "hh_admin": factory.headers_for_admin(hh_admin),
        "station_admin": factory.headers_for_admin(station_admin),
    }


def ids(response):
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


def assert_error(response, status, code):
    assert response.status_code == status, response.json
    assert response.json["error"] == code
    assert response.json["message"]


# --- a region administrator builds their organisation -------------------------------------------


def test_region_admin_creates_a_region_a_station_with_a_code_and_a_deputy(client, org):
    admin = org["hh_admin"]
    region = client.post(f"{API}/regions", json={"name": "中方县", "level": "county", "parent_id": org["hh"].id},
                         headers=admin)
    assert region.status_code == 201, region.json
    assert region.json["parent_id"] == org["hh"].id
    assert region.json["full_name"] == "湖南省怀化市中方县"

    station = client.post(f"{API}/stations", headers=admin, json={
        "name": "  中方镇人大代表联络站  ", "kind": "center", "region_id": region.json["id"],
        "address": "中方镇政府院内", "lat": 27.437, "lng": 109.946, "open_hours": "每月 15 日全天",
    })
    assert station.status_code == 201, station.json
    assert station.json["name"] == "中方镇人大代表联络站"
    assert station.json["kind_label"] == "中心联络站"
    assert station.json["qr_code"]
    assert client.get(f"{API}/qr/{station.json['qr_code']}").json["target"]["name"] == "中方镇人大代表联络站"

    deputy = client.post(f"{API}/deputies", headers=admin, json={
        "name": "黄敏", "level": "township", "region_id": region.json["id"], "phone": "13800000008",
        "group": "中方镇代表小组", "station_ids": [station.json["id"]],
    })
    assert deputy.status_code == 201, deputy.json
    assert deputy.json["phone"] == "13800000008"
    assert deputy.json["active"] is True
    assert deputy.json["qr_code"]
    assert deputy.json["station_ids"] == [station.json["id"]]

    seen_by_admin = client.get(f"{API}/deputies/{deputy.json['id']}", headers=admin).json
    assert seen_by_admin["phone"] == "13800000008"
    assert client.get(f"{API}/stations/{station.json['id']}").json["deputy_ids"] == [deputy.json["id"]]


@pytest.mark.filterwarnings("error::sqlalchemy.exc.SAWarning")
def test_a_new_station_is_created_with_its_deputies_and_administrators_at_once(client, org, factory):
    """Deputies and administrators named in the same request: the links are made in one go, the new station
    never half in the session (SQLAlchemy warned that a link along Deputy.stations would not be written)."""
    keeper = factory.admin("yingfeng", stations=[org["hc_other"]])
    created = client.post(f"{API}/stations", headers=org["hh_admin"], json={
        "name": "鹤城区红星联络站", "kind": "center", "region_id": org["hc"].id,
        "deputy_ids": [org["zhang"].id, org["liu"].id], "admin_user_ids": [keeper.id]})
    assert created.status_code == 201, created.json
    station = client.get(f"{API}/stations/{created.json['id']}", headers=org["hh_admin"]).json
    assert (station["deputy_ids"], station["admin_user_ids"]) == ([org["zhang"].id, org["liu"].id], [keeper.id])
    zhang = client.get(f"{API}/deputies/{org['zhang'].id}", headers=org["hh_admin"]).json
    assert zhang["station_ids"] == [org["hc_station"].id, created.json["id"]]


def test_region_admin_patches_a_station_and_a_deputy_in_their_subtree(client, org):
    admin = org["hh_admin"]
    station = client.patch(f"{API}/stations/{org['hc_station'].id}", json={"open_hours": "每周三下午"}, headers=admin)
    assert station.status_code == 200, station.json
    assert client.get(f"{API}/stations/{org['hc_station'].id}").json["open_hours"] == "每周三下午"

    deputy = client.patch(f"{API}/deputies/{org['zhang'].id}", json={"group": "第一代表小组"}, headers=admin)
    assert deputy.status_code == 200, deputy.json
    assert deputy.json["group"] == "第一代表小组"


def test_region_admin_of_huaihua_cannot_reach_into_changsha(client, org):
    admin = org["hh_admin"]
    assert_error(client.patch(f"{API}/stations/{org['yl_station'].id}", json={"name": "改名"}, headers=admin),
                 404, "not_found")
    assert_error(client.patch(f"{API}/deputies/{org['chen'].id}", json={"name": "改名"}, headers=admin),
                 404, "not_found")
    assert client.get(f"{API}/stations/{org['yl_station'].id}").json["name"] == "岳麓区中心联络站"
    assert client.get(f"{API}/deputies/{org['chen'].id}").json["name"] == "陈明"

    # Their "managed" lists hold only their own subtree; elsewhere a Changsha deputy shows only the
    # public profile, as to anyone, while their own deputies show in full.
    assert org["chen"].id not in ids(client.get(f"{API}/deputies?managed=true", headers=admin))
    everyone = {d["id"]: d for d in client.get(f"{API}/deputies?per_page=100", headers=admin).json["items"]}
    assert "phone" not in everyone[org["chen"].id] and everyone[org["zhang"].id]["phone"] == "13800000003"
    assert set(everyone) == set(ids(client.get(f"{API}/deputies?per_page=100"))) | {org["former"].id}
    assert org["yl_station"].id not in ids(client.get(f"{API}/stations?managed=true", headers=admin))
    public_view = client.get(f"{API}/deputies/{org['chen'].id}", headers=admin).json
    assert "phone" not in public_view

    created = client.post(f"{API}/stations", headers=admin,
                          json={"name": "越权联络站", "kind": "point", "region_id": org["yl"].id})
    assert_error(created, 422, "validation_failed")
    assert "region_id" in created.json["errors"]
    assert_error(client.post(f"{API}/regions", headers=admin,
                             json={"name": "越权区", "level": "county", "parent_id": org["cs"].id}),
                 422, "validation_failed")
    assert client.get(f"{API}/stations?q=越权").json["total"] == 0
    assert client.get(f"{API}/regions?q=越权").json["total"] == 0


def test_region_admin_cannot_move_a_station_out_of_their_subtree(client, org):
    moved = client.patch(f"{API}/stations/{org['hc_station'].id}", json={"region_id": org["yl"].id},
                         headers=org["hh_admin"])
    assert_error(moved, 422, "validation_failed")
    assert client.get(f"{API}/stations/{org['hc_station'].id}").json["region_id"] == org["hc"].id


# --- a station administrator ----------------------------------------------------------------------


def test_station_admin_edits_their_station_and_its_deputies_only(client, org):
    admin = org["station_admin"]
    own = client.patch(f"{API}/stations/{org['hc_station'].id}", json={"address": "人民路 20 号"}, headers=admin)
    assert own.status_code == 200, own.json
    assert own.json["address"] == "人民路 20 号"

    deputy = client.patch(f"{API}/deputies/{org['zhang'].id}", json={"bio": "长期关注社区养老。"}, headers=admin)
    assert deputy.status_code == 200, deputy.json
    assert deputy.json["bio"] == "长期关注社区养老。"

    assert_error(client.patch(f"{API}/stations/{org['hc_other'].id}", json={"address": "x"}, headers=admin),
                 404, "not_found")
    assert_error(client.patch(f"{API}/deputies/{org['liu'].id}", json={"bio": "x"}, headers=admin), 404, "not_found")
    assert_error(client.patch(f"{API}/deputies/{org['chen'].id}", json={"bio": "x"}, headers=admin), 404, "not_found")
    assert client.get(f"{API}/deputies/{org['liu'].id}").json["bio"] == ""


def test_links_outside_an_administrators_scope_stay_as_they_are(client, org):
    """A deputy received at the station administrator's station and at another city's: whatever the
    station administrator sends for his stations, the other city's link is not theirs to remove
    (it used to vanish silently, and listing it was refused)."""
    admin, zhang, hc, yl = org["station_admin"], org["zhang"], org["hc_station"], org["yl_station"]

    def stations_of(deputy):
        return sorted(client.get(f"{API}/deputies/{deputy.id}", headers=org["super"]).json["station_ids"])

    assert client.patch(f"{API}/deputies/{zhang.id}", json={"station_ids": [hc.id, yl.id]},
                        headers=org["super"]).status_code == 200
    for sent in ([hc.id], [hc.id, yl.id], [yl.id, hc.id, hc.id]):
        response = client.patch(f"{API}/deputies/{zhang.id}", json={"station_ids": sent}, headers=admin)
        assert response.status_code == 200, response.json
        assert stations_of(zhang) == sorted([hc.id, yl.id])
    refused = client.patch(f"{API}/deputies/{zhang.id}", json={"station_ids": [hc.id, org["hc_other"].id]}, headers=admin)
    assert_error(refused, 422, "validation_failed")
    assert stations_of(zhang) == sorted([hc.id, yl.id])
    # Unticking their own station hands the deputy back: he stays at the other city's.
    assert client.patch(f"{API}/deputies/{zhang.id}", json={"station_ids": []}, headers=admin).status_code == 200
    assert stations_of(zhang) == [yl.id]
    assert "phone" in client.get(f"{API}/deputies/{zhang.id}", headers=org["super"]).json
    assert "phone" not in client.get(f"{API}/deputies/{zhang.id}", headers=admin).json  # no longer theirs: public profile

    # A station in 怀化市 that also receives a 长沙市 deputy: who the station receives is the city's to
    # decide, the 长沙市 deputy included (listing him used to be refused as outside their scope).
    chen, liu = org["chen"], org["liu"]
    assert client.patch(f"{API}/stations/{hc.id}", json={"deputy_ids": [chen.id, liu.id]},
                        headers=org["super"]).status_code == 200
    reset = client.patch(f"{API}/stations/{hc.id}", json={"deputy_ids": [chen.id, org["former"].id]},
                         headers=org["hh_admin"])
    assert reset.status_code == 200, reset.json
    assert sorted(reset.json["deputy_ids"]) == sorted([chen.id, org["former"].id])


def test_a_deputy_received_elsewhere_too_is_worked_with_not_rewritten(client, org):
    """陈明, elected in 长沙市, is received at 岳麓 and at 怀化市's 城北 station. 城北's administrator and
    怀化市's work with him (he appears in their lists; the city may invite him and see his points),
    but what is his as a whole — phone, office, level, printed code, points — stays with 长沙市: one
    station's staff could rebind his identity to another phone, retire him or rewrite his points."""
    chen, hc = org["chen"], org["hc_station"]
    assert client.patch(f"{API}/deputies/{chen.id}", json={"station_ids": [org["yl_station"].id, hc.id]},
                        headers=org["super"]).status_code == 200
    refusal = "该代表还进驻您管理范围以外的联络站，{}须由其所属区域的管理员办理。"
    for admin in ("station_admin", "hh_admin"):
        headers = org[admin]
        assert chen.id in ids(client.get(f"{API}/deputies?managed=true", headers=headers))
        for change in ({"phone": "13911112222"}, {"active": False}, {"level": "national"}, {"name": "陈明明"}):
            refused = client.patch(f"{API}/deputies/{chen.id}", json=change, headers=headers)
            assert_error(refused, 403, "forbidden")
            assert refused.json["message"] == refusal.format("修改代表的基本信息")
        # Sending his details back unchanged with his stations is no change to him.
        same = client.patch(f"{API}/deputies/{chen.id}", headers=headers, json={
            "phone": "13800000005", "region_id": org["yl"].id, "level": "city", "station_ids": [hc.id]})
        assert same.status_code == 200, same.json
        for path, what in (("revoke", "停用其二维码"), ("rotate", "更换其二维码")):
            response = client.post(f"{API}/qr/{chen.qr_code}/{path}", headers=headers)
            assert_error(response, 403, "forbidden")
            assert response.json["message"] == refusal.format(what)
        corrected = client.post(f"{API}/deputies/{chen.id}/points/corrections", json={"points": 100, "reason": "测试"},
                                headers=headers)
        assert (corrected.status_code, corrected.json["message"]) == (403, refusal.format("更正其积分"))
        assert client.get(f"{API}/deputies/{chen.id}/points", headers=headers).status_code == 200
    profile = client.get(f"{API}/deputies/{chen.id}", headers=org["super"]).json
    assert (profile["phone"], profile["active"], profile["level"], profile["name"]) == ("13800000005", True, "city", "陈明")
    assert client.get(f"{API}/qr/{chen.qr_code}").status_code == 200
    assert client.get(f"{API}/deputies/{chen.id}/points", headers=org["super"]).json["total"] == 0
    # 长沙市's own administrator (here the super administrator) still changes him.
    assert client.patch(f"{API}/deputies/{chen.id}", json={"group": "第二小组"}, headers=org["super"]).status_code == 200


def test_a_deputys_name_cannot_be_blanked(client, org):
    for name in ("", "   "):
        response = client.patch(f"{API}/deputies/{org['zhang'].id}", json={"name": name}, headers=org["hh_admin"])
        assert_error(response, 422, "validation_failed")
        assert list(response.json["errors"]) == ["name"]
    assert client.get(f"{API}/deputies/{org['zhang'].id}").json["name"] == "张伟"


def test_station_admin_registers_deputies_at_their_station_only(client, org):
    """进家入站: a station administrator registers a deputy who joins their station, elected in a
    region that contains it (from its district up); any other deputy is beyond their scope."""
    admin = org["station_admin"]
    joining = {"name": "新代表", "level": "city", "region_id": org["hh"].id, "station_ids": [org["hc_station"].id]}
    for refused in ({"station_ids": []}, {"region_id": org["yl"].id}, {"station_ids": [org["hc_other"].id]},
                    {"station_ids": [org["hc_station"].id, org["yl_station"].id]}):
        answer = client.post(f"{API}/deputies", json=joining | refused, headers=admin)
        assert_error(answer, 422, "validation_failed")
    created = client.post(f"{API}/deputies", json=joining, headers=admin)
    assert created.status_code == 201, created.json
    assert created.json["region_id"] == org["hh"].id and created.json["station_ids"] == [org["hc_station"].id]
    assert created.json["id"] in ids(client.get(f"{API}/deputies?managed=true", headers=admin))
    assert client.get(f"{API}/deputies?q=新代表").json["total"] == 1


def test_station_admin_cannot_create_stations_or_regions(client, org):
    admin = org["station_admin"]
    station = {"name": "新联络点", "kind": "point", "region_id": org["hc"].id}
    assert_error(client.post(f"{API}/stations", json=station, headers=admin), 403, "forbidden")
    assert_error(client.post(f"{API}/regions", json={"name": "新区", "level": "county", "parent_id": org["hh"].id},
                             headers=admin), 403, "forbidden")
    assert client.get(f"{API}/stations?q=新联络点").json["total"] == 0


def test_station_admin_cannot_change_who_administers_the_station(client, org):
    response = client.patch(f"{API}/stations/{org['hc_station'].id}", json={"admin_user_ids": []},
                            headers=org["station_admin"])
    assert_error(response, 403, "forbidden")
    assert client.get(f"{API}/stations/{org['hc_station'].id}").json["admin_user_ids"] != []



def test_a_region_admin_cannot_attach_accounts_outside_their_scope_to_a_station(client, org, factory):
    """Attaching an account to a station hands it the station's items and citizens' phones: only accounts the
    caller manages, as the accounts API checks the same link from the other side."""
    yuelu_admin = factory.admin("yuelu", stations=[org["yl_station"]])
    changsha = factory.admin("changsha", region=org["cs"])
    root = factory.admin("root2", region=org["root"])
    keeper = factory.admin("yingfeng", stations=[org["hc_other"]])
    station = org["hc_station"]
    before = client.get(f"{API}/stations/{station.id}", headers=org["hh_admin"]).json["admin_user_ids"]
    for foreign in (yuelu_admin, changsha, root):
        answer = client.patch(f"{API}/stations/{station.id}", headers=org["hh_admin"],
                              json={"admin_user_ids": [keeper.id, foreign.id]})
        assert_error(answer, 422, "validation_failed")
        assert answer.json["errors"]["admin_user_ids"] == [f"管理员账号不存在或不在您的管理范围内：{foreign.id}。"]
    assert client.get(f"{API}/stations/{station.id}", headers=org["hh_admin"]).json["admin_user_ids"] == before
    listed = client.get(f"{API}/admins?per_page=100", headers=org["hh_admin"]).json["items"]
    assert "yuelu" not in {account["username"] for account in listed}

    created = client.post(f"{API}/stations", headers=org["hh_admin"], json={
        "name": "鹤城区红星联络站", "kind": "center", "region_id": org["hc"].id, "admin_user_ids": [yuelu_admin.id]})
    assert_error(created, 422, "validation_failed")
    assert created.json["errors"]["admin_user_ids"] == [f"管理员账号不存在或不在您的管理范围内：{yuelu_admin.id}。"]
    assert client.get(f"{API}/stations?q=红星").json["total"] == 0

    # One within their scope is attached, as before.
    answer = client.patch(f"{API}/stations/{station.id}", headers=org["hh_admin"], json={"admin_user_ids": [keeper.id]})
    assert answer.status_code == 200, answer.json
    assert answer.json["admin_user_ids"] == [keeper.id]


def test_an_account_outside_the_scope_already_attached_stays_attached(client, org, factory):
    """Attached by an administrator above (it also runs a station in 长沙): a 怀化 administrator neither adds
    nor removes it, and naming it changes nothing, as for deputies received elsewhere too."""
    shared = factory.admin("shared", stations=[org["yl_station"], org["hc_station"]])
    keeper = factory.admin("yingfeng", stations=[org["hc_other"]])
    station = org["hc_station"]
    answer = client.patch(f"{API}/stations/{station.id}", headers=org["hh_admin"], json={"admin_user_ids": [keeper.id]})
    assert answer.status_code == 200, answer.json
    assert sorted(answer.json["admin_user_ids"]) == sorted([shared.id, keeper.id])
    answer = client.patch(f"{API}/stations/{station.id}", headers=org["hh_admin"],
                          json={"admin_user_ids": [shared.id]})
    assert answer.status_code == 200, answer.json
    assert answer.json["admin_user_ids"] == [shared.id]
    # The administrator above manages it as any other.
    answer = client.patch(f"{API}/stations/{station.id}", headers=org["super"], json={"admin_user_ids": []})
    assert answer.status_code == 200, answer.json
    assert answer.json["admin_user_ids"] == []


# --- what the public sees -------------------------------------------------------------------------


def test_public_deputy_list_shows_active_deputies_without_phones(client, org, factory):
    response = client.get(f"{API}/deputies?per_page=100")
    assert set(ids(response)) == {org["zhang"].id, org["liu"].id, org["chen"].id}
    assert "13800000" not in response.get_data(as_text=True)
    for item in response.json["items"]:
        assert "phone" not in item
        assert "active" not in item

    # A signed-in citizen is the public too.
    citizen = client.get(f"{API}/deputies", headers=factory.wechat_login("citizen"))
    assert "13800000" not in citizen.get_data(as_text=True)
    assert citizen.json["total"] == 3


def test_public_deputy_profile_has_no_phone_and_inactive_deputies_are_hidden(client, org):
    profile = client.get(f"{API}/deputies/{org['zhang'].id}")
    assert profile.status_code == 200
    assert profile.json["name"] == "张伟"
    assert "phone" not in profile.json
    assert "13800000003" not in profile.get_data(as_text=True)

    assert_error(client.get(f"{API}/deputies/{org['former'].id}"), 404, "not_found")
    seen_by_admin = client.get(f"{API}/deputies/{org['former'].id}", headers=org["hh_admin"])
    assert seen_by_admin.status_code == 200
    assert seen_by_admin.json["active"] is False
    assert seen_by_admin.json["phone"] == "13800000006"


def test_inactive_deputy_is_404_to_an_admin_of_another_city(client, org, factory):
    cs_admin = factory.headers_for_admin(factory.admin("changsha", region=org["cs"]))
    assert_error(client.get(f"{API}/deputies/{org['former'].id}", headers=cs_admin), 404, "not_found")


def test_station_profile_is_public(client, org):
    response = client.get(f"{API}/stations/{org['hc_station'].id}")
    assert response.status_code == 200
    assert response.json["name"] == "鹤城区城北联络站"
    assert response.json["qr_code"]


def test_deactivating_a_deputy_hides_them_and_revokes_their_code(client, org):
    code = client.get(f"{API}/deputies/{org['zhang'].id}").json["qr_code"]
    response = client.patch(f"{API}/deputies/{org['zhang'].id}", json={"active": False}, headers=org["hh_admin"])
    assert response.status_code == 200, response.json
    assert response.json["active"] is False
    assert org["zhang"].id not in ids(client.get(f"{API}/deputies"))
    assert_error(client.get(f"{API}/qr/{code}"), 410, "qr_revoked")


def test_phone_already_registered_is_a_conflict(client, org):
    admin = org["hh_admin"]
    created = client.post(f"{API}/deputies", headers=admin,
                          json={"name": "重号", "level": "county", "region_id": org["hc"].id, "phone": "13800000003"})
    assert_error(created, 409, "conflict")
    assert "手机号" in created.json["message"]
    patched = client.patch(f"{API}/deputies/{org['liu'].id}", json={"phone": "13800000003"}, headers=admin)
    assert_error(patched, 409, "conflict")
    assert client.get(f"{API}/deputies/{org['liu'].id}", headers=admin).json["phone"] == "13800000004"
    assert client.get(f"{API}/deputies?q=重号", headers=admin).json["total"] == 0


# --- finding stations and deputies ----------------------------------------------------------------


def test_stations_near_a_point_sort_by_distance_and_stations_without_coordinates_come_last(client, org, factory):
    nowhere = factory.station(org["hc"], "坐标待补联络点", kind="point")
    response = client.get(f"{API}/stations?near=27.5600,109.9980")
    assert response.status_code == 200
    items = response.json["items"]
    assert [s["id"] for s in items] == [org["hc_station"].id, org["hc_other"].id, org["yl_station"].id, nowhere.id]
    distances = [s["distance_m"] for s in items]
    assert distances[0] < 100
    assert 1000 < distances[1] < 1500
    assert distances[2] > 200_000
    assert distances[3] is None

    without_near = client.get(f"{API}/stations").json["items"]
    assert [s["id"] for s in without_near] == sorted(s["id"] for s in without_near)
    assert all(s.get("distance_m") is None for s in without_near)


@pytest.mark.parametrize("near", ["61.2181,-149.9003", "40.7128,-74.0060", "51.5074,-0.1278", "-33.8688,151.2093",
                                  "21.3069,-157.8583", "-41.2865,174.7762"])
def test_stations_near_a_point_outside_china_come_in_the_order_of_the_distances_shown(client, org, factory, near):
    """A traveller abroad (Anchorage, New York, London, Sydney, Honolulu, Wellington) asks for the stations
    near them: nearest first by the great-circle distance each one shows, page after page. A flat-map order
    put Urumqi before Harbin seen from Anchorage, 7,243 km before 5,364 km."""
    harbin = factory.station(org["hc"], "哈尔滨联络站", lat=45.8038, lng=126.5350)
    urumqi = factory.station(org["hc"], "乌鲁木齐联络站", lat=43.8256, lng=87.6168)
    nowhere = factory.station(org["hc"], "坐标待补联络点", kind="point")
    pages = [client.get(f"{API}/stations", query_string={"near": near, "per_page": 2, "page": n}) for n in (1, 2, 3)]
    assert [page.status_code for page in pages] == [200] * 3
    assert [page.json["total"] for page in pages] == [6] * 3
    items = [item for page in pages for item in page.json["items"]]
    assert len({item["id"] for item in items}) == 6
    assert items[-1]["id"] == nowhere.id and items[-1]["distance_m"] is None
    distances = [item["distance_m"] for item in items[:-1]]
    assert distances == sorted(distances) and distances[0] > 2_000_000
    if near.startswith("61.2181"):
        assert [item["id"] for item in items[:2]] == [harbin.id, urumqi.id]
        assert [d // 1000 for d in distances[:2]] == [5364, 7243]


def test_stations_near_a_point_in_china_keep_their_order(client, org, factory):
    """Inside China the order stays the one computed in the database, exact within a province."""
    harbin = factory.station(org["hc"], "哈尔滨联络站", lat=45.8038, lng=126.5350)
    items = client.get(f"{API}/stations?near=28.2000,112.9000").json["items"]
    assert [s["id"] for s in items] == [org["yl_station"].id, org["hc_other"].id, org["hc_station"].id, harbin.id]
    assert [s["distance_m"] for s in items] == sorted(s["distance_m"] for s in items)


@pytest.mark.parametrize("near", ["abc", "27.5", "91,100", "27,181", "1,2,3", "nan,nan", "inf,0"])
def test_a_bad_near_point_is_422_in_chinese(client, org, near):
    response = client.get(f"{API}/stations", query_string={"near": near})
    assert_error(response, 422, "validation_failed")
    assert "near" in response.json["errors"]
    assert "纬度" in response.json["errors"]["near"][0]


def test_a_gps_position_is_converted_to_the_coordinates_stations_are_kept_in():
    """Reference values of the published WGS-84 → GCJ-02 conversion (Shanghai, Shenzhen, Beijing)."""
    for wgs, gcj in [((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
                     ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
                     ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657))]:
        assert gcj02_from_wgs84(*wgs) == pytest.approx(gcj, abs=1e-9)
    assert gcj02_from_wgs84(48.8566, 2.3522) == (48.8566, 2.3522)  # outside China, unchanged


def test_filters_narrow_the_lists(client, org):
    # region_id covers the whole subtree: the city finds the county's stations and deputies.
    assert set(ids(client.get(f"{API}/stations?region_id={org['hh'].id}"))) == {org["hc_station"].id, org["hc_other"].id}
    assert ids(client.get(f"{API}/stations?region_id={org['cs'].id}")) == [org["yl_station"].id]
    assert set(ids(client.get(f"{API}/deputies?region_id={org['hh'].id}"))) == {org["zhang"].id, org["liu"].id}
    assert ids(client.get(f"{API}/stations?kind=home")) == [org["hc_other"].id]
    assert ids(client.get(f"{API}/stations?q=迎丰")) == [org["hc_other"].id]
    assert ids(client.get(f"{API}/deputies?level=county")) == [org["liu"].id]
    assert ids(client.get(f"{API}/deputies?q=张")) == [org["zhang"].id]
    assert ids(client.get(f"{API}/deputies?station_id={org['hc_station'].id}")) == [org["zhang"].id]
    assert set(ids(client.get(f"{API}/deputies?station_id={org['hc_station'].id}", headers=org["hh_admin"]))) == {
        org["zhang"].id, org["former"].id}
    assert ids(client.get(f"{API}/deputies?active=false", headers=org["hh_admin"])) == [org["former"].id]
    assert ids(client.get(f"{API}/regions?parent_id={org['hh'].id}")) == [org["hc"].id]
    assert ids(client.get(f"{API}/regions?q=岳麓")) == [org["yl"].id]
    assert_error(client.get(f"{API}/stations?region_id=999999"), 404, "not_found")


def test_lists_are_paginated(client, org, factory):
    for n in range(5):
        factory.station(org["hc"], f"分页联络点{n}")
    first = client.get(f"{API}/stations?q=分页&per_page=2")
    assert first.status_code == 200
    assert set(first.json) == {"items", "total", "page", "per_page"}
    assert (first.json["total"], first.json["page"], first.json["per_page"]) == (5, 1, 2)
    last = client.get(f"{API}/stations?q=分页&per_page=2&page=3").json
    assert [s["name"] for s in last["items"]] == ["分页联络点4"]
    assert client.get(f"{API}/stations?q=分页&per_page=2&page=4").json["items"] == []
    assert client.get(f"{API}/stations?per_page=100").status_code == 200
    for bad in ("per_page=101", "per_page=0", "page=0", "page=abc"):
        response = client.get(f"{API}/stations?{bad}")
        assert_error(response, 422, "validation_failed")
        assert bad.split("=")[0] in response.json["errors"]


# --- the super administrator ----------------------------------------------------------------------


def test_super_admin_sees_and_edits_everything(client, org):
    admin = org["super"]
    everyone = ids(client.get(f"{API}/deputies?per_page=100", headers=admin))
    assert set(everyone) == {org["zhang"].id, org["liu"].id, org["chen"].id, org["former"].id}
    managed = ids(client.get(f"{API}/stations?managed=true", headers=admin))
    assert set(managed) == {org["hc_station"].id, org["hc_other"].id, org["yl_station"].id}
    assert client.patch(f"{API}/deputies/{org['chen'].id}", json={"term": 14}, headers=admin).json["term"] == 14
    assert client.patch(f"{API}/regions/{org['cs'].id}", json={"name": "长沙市（省会）"},
                        headers=admin).json["name"] == "长沙市（省会）"


def test_a_second_root_region_is_refused(client, org):
    response = client.post(f"{API}/regions", json={"name": "另一个省", "level": "province"}, headers=org["super"])
    assert_error(response, 422, "validation_failed")
    assert "parent_id" in response.json["errors"]
    assert client.get(f"{API}/regions?q=另一个省").json["total"] == 0


def test_lists_cost_the_same_statements_for_one_entry_or_many(app, client, factory, org):
    """Stations, deputies and regions are listed with what each entry shows (its region's name, its
    deputies or stations, its printed code) read once for the whole page: more entries, no more
    statements — in the API and in the console."""
    from backend.extensions import db
    from backend.org.models import Region

    from .factories import sent_statements
    from .test_console_suggestions import console_login

    console = console_login(app, "root")
    pages = [(client, f"{API}/stations", {}), (client, f"{API}/stations?near=27.56,109.99", {}),
             (client, f"{API}/deputies", org["super"]), (client, f"{API}/deputies", {}), (client, f"{API}/regions", {}),
             (console, "/console/stations", {}), (console, "/console/deputies", {})]
    hc_id, hh_id = org["hc"].id, org["hh"].id

    def costs():
        sizes, totals = [], []
        for reader, path, headers in pages:
            db.session.remove()  # a session of its own, as every request has in production
            with sent_statements(app) as sent:
                page = reader.get(path, headers=headers)
            assert page.status_code == 200, path
            sizes.append(len(sent))
            totals.append(page.json["total"] if page.is_json else page.get_data(as_text=True).count("<tr>"))
        return sizes, totals

    sizes, totals = costs()
    for n in range(3):
        station = factory.station(db.session.get(Region, hc_id), f"新站{n}", lat=27.5, lng=109.9)
        factory.deputy(db.session.get(Region, hc_id), f"新代表{n}", phone=f"1390000010{n}", stations=[station])
        factory.region(f"新区{n}", "county", db.session.get(Region, hh_id))
    more_sizes, more_totals = costs()
    assert more_sizes == sizes
    assert [after - before for before, after in zip(totals, more_totals)] == [3] * len(pages)


def test_a_retried_create_makes_one_deputy_station_or_region(client, org):
    """The same Idempotency-Key sent twice (a retry after a lost answer) creates once and replays the answer."""
    for path, body in (
        ("/deputies", {"name": "新代表", "level": "city", "region_id": org["hh"].id}),
        ("/stations", {"name": "新联络点", "kind": "point", "region_id": org["hc"].id}),
        ("/regions", {"name": "中方县", "level": "county", "parent_id": org["hh"].id}),
    ):
        headers = {**org["hh_admin"], "Idempotency-Key": f"create-{path}"}
        first, again = (client.post(f"{API}{path}", json=body, headers=headers) for _ in range(2))
        assert first.status_code == again.status_code == 201 and again.json == first.json, (path, again.json)
        assert again.headers.get("Idempotent-Replayed") == "true"
        listed = client.get(f"{API}{path}?per_page=100", headers=org["hh_admin"]).json["items"]
        assert [i["name"] for i in listed].count(body["name"]) == 1


# --- regions for a picker: the levels asked for, nearest to a region first --------------------------------


@pytest.fixture
def towns(factory, org):
    """Townships under both counties, and a village (which has no people's congress) under one."""
    made = {
        "cb": factory.region("城北街道", "township", org["hc"]),
        "cn": factory.region("城南街道", "township", org["hc"]),
        "wcp": factory.region("望城坡街道", "township", org["yl"]),
    }
    made["cun"] = factory.region("红星村", "village", made["cb"])
    return made


def test_a_search_takes_percent_and_underscore_as_themselves(client, org):
    """``q`` is text to find, not a LIKE pattern: % and _ match themselves, not every name."""
    for kind in ("regions", "stations", "deputies"):
        for pattern in ("%", "_", "%%"):
            assert client.get(f"{API}/{kind}", query_string={"q": pattern}).json["total"] == 0, (kind, pattern)
    assert client.get(f"{API}/regions", query_string={"q": "鹤城"}).json["total"] == 1


def test_regions_are_listed_by_level(client, org, towns):
    assert ids(client.get(f"{API}/regions?levels=province,city")) == [org["root"].id, org["hh"].id, org["cs"].id]
    congresses = client.get(f"{API}/regions?levels=province,city,county,township&per_page=100").json
    assert congresses["total"] == 8 and towns["cun"].id not in [r["id"] for r in congresses["items"]]
    assert ids(client.get(f"{API}/regions?levels=village")) == [towns["cun"].id]
    assert ids(client.get(f"{API}/regions?levels=township&q=城")) == [towns["cb"].id, towns["cn"].id, towns["wcp"].id]
    assert ids(client.get(f"{API}/regions?levels=county&parent_id={org['hh'].id}")) == [org["hc"].id]
    message = "区域级别应为 province（省）、city（市）、county（县、区）、township（乡镇、街道）、village（村、社区），多个以英文逗号分隔。"
    for bad in ("town", "province,town", "province,,city", "省"):
        response = client.get(f"{API}/regions?levels={bad}")
        assert_error(response, 422, "validation_failed")
        assert response.json["errors"] == {"levels": [message]}, bad


def test_regions_nearest_to_a_region_come_first(client, org, towns):
    """``around``: the region and the regions above it, nearest first (the congresses a citizen there may
    propose to), then the others by how near they are in the tree, higher levels first at each distance."""
    congresses = "levels=province,city,county,township"
    nearest = [towns["cb"].id, org["hc"].id, org["hh"].id, org["root"].id, towns["cn"].id,
               org["cs"].id, org["yl"].id, towns["wcp"].id]
    assert ids(client.get(f"{API}/regions?{congresses}&around={towns['cb'].id}")) == nearest
    # From a village, its township first: the village itself has no congress.
    assert ids(client.get(f"{API}/regions?{congresses}&around={towns['cun'].id}")) == nearest
    # From a county: its townships right after the regions above it.
    assert ids(client.get(f"{API}/regions?{congresses}&around={org['yl'].id}")) == [
        org["yl"].id, org["cs"].id, org["root"].id, towns["wcp"].id, org["hh"].id, org["hc"].id,
        towns["cb"].id, towns["cn"].id]
    paged = client.get(f"{API}/regions?{congresses}&around={towns['cb'].id}&per_page=3&page=2").json
    assert ([r["id"] for r in paged["items"]], paged["total"]) == (nearest[3:6], 8)
    assert_error(client.get(f"{API}/regions?around=999999"), 404, "not_found")
    assert_error(client.get(f"{API}/regions?around=abc"), 422, "validation_failed")


def test_a_level_or_kind_outside_its_choices_is_refused_naming_them_in_chinese(client, org):
    deputy_levels = ("代表层级应为全国人大代表（national）、省人大代表（provincial）、市人大代表（city）、"
                     "县（区）人大代表（county）或乡镇人大代表（township）。")
    refused = client.get(f"{API}/deputies?level=mayor")
    assert (refused.status_code, refused.json["errors"]) == (422, {"level": [deputy_levels]})
    refused = client.patch(f"{API}/deputies/{org['zhang'].id}", json={"level": "mayor"}, headers=org["hh_admin"])
    assert (refused.status_code, refused.json["errors"]) == (422, {"level": [deputy_levels]})
    refused = client.get(f"{API}/stations?kind=castle")
    assert refused.json["errors"] == {"kind": [
        "联络站类型应为中心联络站（center）、片区联络站（area）、代表之家（home）或联络点（point）。"]}
    refused = client.patch(f"{API}/regions/{org['hc'].id}", json={"level": "town"}, headers=org["hh_admin"])
    assert refused.json["errors"] == {"level": [
        "区域层级应为省（province）、市（city）、县（区）（county）、乡镇（街道）（township）或村（社区）（village）。"]}


def test_a_phone_of_a_deputy_beyond_the_callers_reach_is_refused_without_saying_whose(client, org):
    """A station administrator cannot learn whether a phone is a deputy's elsewhere in the province: the refusal
    says only that it is registered, and the try is kept in 操作日志 for the administrators above to see."""
    new = {"name": "假代表", "level": "township", "region_id": org["hc"].id, "station_ids": [org["hc_station"].id],
           "phone": "13800000005"}  # 陈明's, of 岳麓区: not this station administrator's
    refused = client.post(f"{API}/deputies", json=new, headers=org["station_admin"])
    assert refused.status_code == 409, refused.json
    assert refused.json["message"] == "该手机号已被登记，请联系上级管理员核实。"
    assert "陈明" not in str(refused.json)
    changed = client.patch(f"{API}/deputies/{org['zhang'].id}", json={"phone": "13800000005"},
                           headers=org["station_admin"])
    assert changed.status_code == 409
    assert changed.json["message"] == "该手机号已被登记，请联系上级管理员核实。"
    assert client.get(f"{API}/deputies/{org['zhang'].id}", headers=org["super"]).json["phone"] == "13800000003"

    log = client.get(f"{API}/audit-events", query_string={"action": "deputy_phone_refused"}, headers=org["hh_admin"])
    assert log.status_code == 200, log.json
    rows = log.json["items"]
    assert [(row["actor"], row["action_label"], row["detail"]) for row in rows] == [
        ("chengbei", "登记他人手机号被拒", {"phone": "138****0005"})] * 2
    # Nothing was created.
    names = [item["name"] for item in client.get(f"{API}/deputies", headers=org["super"]).json["items"]]
    assert "假代表" not in names


def test_a_phone_of_a_deputy_the_caller_works_with_is_refused_by_name_as_before(client, org):
    new = {"name": "假代表", "level": "township", "region_id": org["hc"].id, "station_ids": [org["hc_station"].id],
           "phone": "13800000004"}  # 刘芳's, of 鹤城区: the 怀化市 administrator's own
    refused = client.post(f"{API}/deputies", json=new, headers=org["hh_admin"])
    assert refused.status_code == 409
    assert refused.json["message"] == "该手机号已登记在另一位代表名下。"
    log = client.get(f"{API}/audit-events", query_string={"action": "deputy_phone_refused"}, headers=org["super"])
    assert log.json["items"] == []
