"""A station's place kept sound wherever it is edited (API, console): coordinates in China, both or
neither; no two stations of one name in one region."""
import pytest

API = "/api/v1"
LAT = "纬度应在 3 至 54 之间（中国境内，GCJ-02 坐标）。"
LNG = "经度应在 73 至 136 之间（中国境内，GCJ-02 坐标）。"
PAIR = "经纬度须同时填写或同时留空。"


@pytest.fixture
def org(factory):
    tree = factory.tree()
    tree["station"] = factory.station(tree["hc"], "鹤城区城北联络站", lat=27.5601, lng=109.9985)
    tree["admin"] = factory.headers_for_admin(factory.admin("huaihua", region=tree["hh"]))
    return tree


@pytest.mark.parametrize("where, errors", [
    ({"lat": 27.55, "lng": 9.99}, {"lng": [LNG]}),  # Africa
    ({"lat": 0, "lng": 0}, {"lat": [LAT], "lng": [LNG]}),
    ({"lat": -27.55, "lng": 109.98}, {"lat": [LAT]}),
    ({"lat": 109.98, "lng": 27.55}, {"lat": [LAT, "纬度和经度似乎填反了。"], "lng": [LNG]}),
    ({"lat": 27.55}, {"lat": [PAIR]}),
    ({"lng": 109.98, "lat": None}, {"lat": [PAIR]}),
])
def test_a_new_station_outside_china_or_half_placed_is_refused(client, org, where, errors):
    made = client.post(f"{API}/stations", json={"name": "新站", "kind": "point", "region_id": org["hc"].id, **where},
                       headers=org["admin"])
    assert made.status_code == 422, made.json
    assert made.json["errors"] == errors
    assert client.get(f"{API}/stations?q=新站").json["total"] == 0


def test_a_station_is_placed_in_china_or_left_unplaced(client, org):
    for name, where in (("有坐标站", {"lat": 27.55, "lng": 109.98}), ("未定位站", {}),
                        ("空坐标站", {"lat": None, "lng": None})):
        made = client.post(f"{API}/stations", json={"name": name, "kind": "point", "region_id": org["hc"].id, **where},
                           headers=org["admin"])
        assert made.status_code == 201, (name, made.json)


def test_an_edit_keeps_the_pair_whole(client, org):
    path = f"{API}/stations/{org['station'].id}"
    moved = client.patch(path, json={"lat": 27.6}, headers=org["admin"])  # the longitude it has stays
    assert moved.status_code == 200 and (moved.json["lat"], moved.json["lng"]) == (27.6, 109.9985)
    halved = client.patch(path, json={"lat": None}, headers=org["admin"])
    assert halved.status_code == 422 and halved.json["errors"] == {"lat": [PAIR]}
    cleared = client.patch(path, json={"lat": None, "lng": None}, headers=org["admin"])
    assert cleared.status_code == 200 and cleared.json["lat"] is None
    assert client.patch(path, json={"lng": 9.99, "lat": 27.5}, headers=org["admin"]).status_code == 422
    assert client.get(path).json["lat"] is None
