"""A list or figure narrowed to a region, a station or a deputy outside the administrator's scope answers
404, as one that does not exist (the contract: another's object is 404), not an empty page that tells the
object exists; narrowed to their own, 200."""
import pytest

API = "/api/v1"

CASES = [  # path, filter, whose id (own / foreign), message
    ("/suggestions", "station_id", "station", "联络站不存在。"),
    ("/suggestions", "region_id", "region", "区域不存在。"),
    ("/suggestions", "deputy_region_id", "region", "区域不存在。"),
    ("/suggestions", "deputy_id", "deputy", "代表不存在。"),
    ("/stats/suggestions", "station_id", "station", "联络站不存在。"),
    ("/stats/suggestions", "deputy_id", "deputy", "代表不存在。"),
    ("/activities", "station_id", "station", "联络站不存在。"),
    ("/appointments", "station_id", "station", "联络站不存在。"),
]


@pytest.fixture
def scoped(factory):
    tree = factory.tree()
    own_station = factory.station(tree["hc"], "城北联络站")
    other_station = factory.station(tree["yl"], "岳麓联络站")
    ids = {
        "own": {"station": own_station.id, "region": tree["hc"].id,
                "deputy": factory.deputy(tree["hc"], "本站代表", stations=[own_station]).id},
        "foreign": {"station": other_station.id, "region": tree["yl"].id,
                    "deputy": factory.deputy(tree["yl"], "外市代表", stations=[other_station]).id},
    }
    admin = factory.admin("chengbei", stations=[own_station])
    return factory.headers_for_admin(admin), ids


@pytest.mark.parametrize("path,key,kind,message", CASES, ids=[f"{c[0]}?{c[1]}" for c in CASES])
def test_filter_outside_scope_is_not_found(client, scoped, path, key, kind, message):
    headers, ids = scoped
    response = client.get(API + path, headers=headers, query_string={key: ids["foreign"][kind]})
    assert response.status_code == 404, response.json
    assert response.json["error"] == "not_found"
    assert response.json["message"] == message
    assert client.get(API + path, headers=headers, query_string={key: ids["own"][kind]}).status_code == 200
