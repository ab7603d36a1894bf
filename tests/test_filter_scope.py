"""A list or figure narrowed to a region, a station or a deputy outside the administrator's scope answers
404, as one that does not exist (the contract: another's object is 404), not an empty page that tells the
object exists; narrowed to their own, 200."""
import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.org.models import Deputy, Region
from backend.suggestions.models import Status, Suggestion

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
    # Received at the admin's station once, now only at another: their earlier item stays at the admin's station.
    moved = factory.deputy(tree["yl"], "迁出代表", stations=[other_station])
    ids["moved"] = {"deputy": moved.id,
                    "item": file_at(admin, own_station, moved, "迁出前收到的建议")}
    file_at(admin, other_station, factory.deputy(tree["yl"], "外站代表"), "外站的建议")  # nothing of theirs in scope
    ids["foreign_with_item"] = {"deputy": db.session.scalar(select(Deputy.id).where(Deputy.name == "外站代表"))}
    return factory.headers_for_admin(admin), ids


def file_at(citizen, station, deputy, content):
    """An item filed at ``station`` for ``deputy`` (as it reached them then); its id."""
    item = Suggestion(citizen_id=citizen.id, filed_via="station", station_id=station.id, deputy_id=deputy.id,
                      region_id=station.region_id, category="城市管理", content=content, screening="pass",
                      status=Status.assigned)
    db.session.add(item)
    db.session.commit()
    return item.id


@pytest.mark.parametrize("path,key,kind,message", CASES, ids=[f"{c[0]}?{c[1]}" for c in CASES])
def test_filter_outside_scope_is_not_found(client, scoped, path, key, kind, message):
    headers, ids = scoped
    response = client.get(API + path, headers=headers, query_string={key: ids["foreign"][kind]})
    assert response.status_code == 404, response.json
    assert response.json["error"] == "not_found"
    assert response.json["message"] == message
    assert client.get(API + path, headers=headers, query_string={key: ids["own"][kind]}).status_code == 200


@pytest.fixture(params=["station", "county"])
def admin_headers(request, scoped, factory):
    """The station's administrator, or the county's (whose scope PostgreSQL reads as arrays of ids)."""
    headers, ids = scoped
    if request.param == "station":
        return headers, ids
    county = factory.admin("hecheng", region=db.session.get(Region, ids["own"]["region"]))
    return factory.headers_for_admin(county), ids


def test_a_deputy_no_longer_at_the_station_is_filtered_on_by_their_items_there(client, admin_headers):
    headers, ids = admin_headers
    listed = client.get(API + "/suggestions", headers=headers, query_string={"deputy_id": ids["moved"]["deputy"]})
    assert listed.status_code == 200, listed.json
    assert [item["id"] for item in listed.json["items"]] == [ids["moved"]["item"]]
    figures = client.get(API + "/stats/suggestions", headers=headers, query_string={"deputy_id": ids["moved"]["deputy"]})
    assert figures.status_code == 200, figures.json
    assert figures.json["total"] == 1


@pytest.mark.parametrize("path", ["/suggestions", "/stats/suggestions"])
def test_a_foreign_deputy_with_items_only_elsewhere_is_not_found(client, admin_headers, path):
    headers, ids = admin_headers
    response = client.get(API + path, headers=headers, query_string={"deputy_id": ids["foreign_with_item"]["deputy"]})
    assert response.status_code == 404, response.json
    assert response.json["message"] == "代表不存在。"
