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


# --- no two stations of one name in one region --------------------------------------------------------

TWIN = "联络站“鹤城区城北联络站”已存在（湖南省怀化市鹤城区，id={}）。"


def test_a_second_station_of_one_name_in_one_region_is_refused_naming_the_first(client, org):
    body = {"name": "鹤城区城北联络站", "kind": "point", "region_id": org["hc"].id}
    again = client.post(f"{API}/stations", json=body, headers=org["admin"])
    assert again.status_code == 409, again.json
    assert again.json["message"] == TWIN.format(org["station"].id)
    assert client.get(f"{API}/stations?q=城北").json["total"] == 1
    # Another region may have a station of that name.
    assert client.post(f"{API}/stations", json={**body, "region_id": org["hh"].id}, headers=org["admin"]).status_code == 201


def test_a_rename_or_a_move_onto_a_twin_is_refused(client, org, factory):
    other = factory.station(org["hh"], "鹤城区城北联络站")  # the same name, one region up: allowed
    moved = client.patch(f"{API}/stations/{other.id}", json={"region_id": org["hc"].id}, headers=org["admin"])
    assert moved.status_code == 409 and moved.json["message"] == TWIN.format(org["station"].id)
    renamed_station = factory.station(org["hc"], "迎丰联络站")
    renamed = client.patch(f"{API}/stations/{renamed_station.id}", json={"name": "鹤城区城北联络站"}, headers=org["admin"])
    assert renamed.status_code == 409 and renamed.json["message"] == TWIN.format(org["station"].id)
    same = client.patch(f"{API}/stations/{org['station'].id}", json={"name": "鹤城区城北联络站"}, headers=org["admin"])
    assert same.status_code == 200


def test_the_database_refuses_two_stations_of_one_name_in_one_region(org):
    from sqlalchemy.exc import IntegrityError

    from backend.extensions import db
    from backend.org.models import Station

    db.session.add(Station(name="鹤城区城北联络站", kind="point", region_id=org["hc"].id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
