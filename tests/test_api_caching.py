"""What a browser or a proxy may keep of an API answer: nothing of an answer to a signed-in caller (a citizen's
phone and items, citizens' contact phones in appointments), nor of one that hands out a token; photos keep their
private caching and public answers are as before."""
import pytest


@pytest.fixture
def world(factory):
    tree = factory.tree()
    station = factory.station(tree["hc"])
    admin = factory.admin("cache-admin", region=tree["root"])
    return {"station": station, "admin": admin}


def test_a_citizens_personal_data_and_appointments_are_never_kept(client, factory, world):
    citizen = factory.wechat_login("cache-citizen")
    personal = client.get("/api/v1/me/personal-data", headers=citizen)
    assert personal.status_code == 200
    assert personal.headers["Cache-Control"] == "no-store"

    admin = factory.headers_for_admin(world["admin"])
    appointments = client.get("/api/v1/appointments", headers=admin)
    assert appointments.status_code == 200
    assert appointments.headers["Cache-Control"] == "no-store"


def test_an_answer_handing_out_a_token_is_never_kept(client, factory, world):
    login = client.post("/api/v1/auth/login", json={"username": "cache-admin", "password": "password123"})
    assert login.status_code == 200 and login.json["token"]
    assert login.headers["Cache-Control"] == "no-store"
    wechat = client.post("/api/v1/auth/wechat", json={"code": "cache-someone"})
    assert wechat.status_code == 200
    assert wechat.headers["Cache-Control"] == "no-store"


def test_a_refusal_to_a_bad_token_is_never_kept(client):
    refused = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401
    assert refused.headers["Cache-Control"] == "no-store"


def test_public_answers_keep_their_caching(client, world):
    station_id = world["station"].id
    public = client.get(f"/api/v1/stations/{station_id}")
    assert public.status_code == 200
    assert "Cache-Control" not in public.headers
