"""一人一码 across an accidental 离任: restored to office (恢复在任, in the console or by the next import), a
deputy gets back the code that leaving office revoked, so their printed posters and cards work again —
unless an administrator replaced (更换) or stopped (停用) it meanwhile: a code stopped on purpose stays stopped."""
import pytest

from .test_import import upload, xlsx
from .test_suggestions import file


@pytest.fixture
def office(factory):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站")
    deputy = factory.deputy(tree["hc"], "陈明", phone="13800000005", stations=[station])
    return {"tree": tree, "station": station, "deputy": deputy,
            "admin": factory.headers_for_admin(factory.admin(region=tree["hh"])),
            "citizen": factory.wechat_login("citizen-wang")}


def set_active(client, office, active):
    answer = client.patch(f"/api/v1/deputies/{office['deputy'].id}", json={"active": active}, headers=office["admin"])
    assert answer.status_code == 200, answer.json
    return answer.json["qr_code"]


def test_restored_to_office_the_deputy_keeps_the_printed_code(client, office):
    printed = office["deputy"].qr_code
    assert set_active(client, office, False) is None
    assert client.get(f"/api/v1/qr/{printed}").status_code == 410
    assert set_active(client, office, True) == printed
    assert client.get(f"/api/v1/qr/{printed}").json["target"]["name"] == "陈明"
    filed = file(client, office["citizen"], printed)
    assert (filed.status_code, filed.json["deputy"]["name"]) == (201, "陈明"), filed.json


def test_a_code_replaced_or_stopped_by_an_administrator_is_not_brought_back(client, office):
    printed = office["deputy"].qr_code
    rotated = client.post(f"/api/v1/qr/{printed}/rotate", headers=office["admin"]).json["qr_code"]
    set_active(client, office, False)
    assert set_active(client, office, True) == rotated  # the newer code, not the one replaced
    assert client.get(f"/api/v1/qr/{printed}").status_code == 410

    assert client.post(f"/api/v1/qr/{rotated}/revoke", headers=office["admin"]).status_code == 200
    set_active(client, office, False)
    fresh = set_active(client, office, True)
    assert fresh not in (None, printed, rotated)
    assert client.get(f"/api/v1/qr/{rotated}").status_code == 410


def test_an_import_restoring_the_deputy_brings_the_code_back(client, office):
    printed = office["deputy"].qr_code
    row = ["陈明", "city", "鹤城区", "13800000005", "城北联络站", "", ""]
    assert upload(client, office["admin"], xlsx([row + ["离任"]])).json["updated"] == 1
    assert client.get(f"/api/v1/qr/{printed}").status_code == 410
    assert upload(client, office["admin"], xlsx([row + ["在任"]])).json["updated"] == 1
    assert client.get(f"/api/v1/qr/{printed}").json["target"]["name"] == "陈明"
