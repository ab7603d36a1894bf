"""The verification file of the "scan ordinary link QR code to open the mini-program" rule."""
import pytest

from backend import create_app

NAME = "Ab12cd34EF.txt"
CONTENT = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"


def _app(database_url, **config):
    return create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PUBLIC_BASE_URL": "https://msb.example.cn",
        "SECRET_KEY": "test-secret",
        **config,
    })


@pytest.fixture
def verify_client(app, database_url):
    """An app configured with the file, on the suite's (migrated, emptied-after-test) database."""
    return _app(database_url, WECHAT_LINK_VERIFY_FILE=NAME, WECHAT_LINK_VERIFY_CONTENT=CONTENT).test_client()


def test_served_in_rule_folder_and_at_root(verify_client):
    for path in (f"/q/{NAME}", f"/{NAME}"):
        response = verify_client.get(path)
        assert response.status_code == 200, path
        assert response.mimetype == "text/plain"
        assert response.get_data(as_text=True) == CONTENT


def test_only_the_exact_name_matches(verify_client):
    assert verify_client.get("/q/other.txt").status_code == 404
    assert verify_client.get("/other.txt").status_code == 404
    assert verify_client.get(f"/q/{NAME.lower()}").status_code == 404


def test_codes_still_open_the_landing_page(verify_client, factory):
    region = factory.region()
    station = factory.station(region, name="城北联络站")
    factory.commit()
    response = verify_client.get(f"/q/{station.qr_code}")
    assert response.status_code == 200
    assert "城北联络站" in response.get_data(as_text=True)


def test_unset_is_404(client, monkeypatch):
    monkeypatch.delenv("WECHAT_LINK_VERIFY_FILE", raising=False)
    assert client.get(f"/{NAME}").status_code == 404
    assert client.get(f"/q/{NAME}").status_code == 404


def test_read_from_the_environment(app, database_url, monkeypatch):
    monkeypatch.setenv("WECHAT_LINK_VERIFY_FILE", NAME)
    monkeypatch.setenv("WECHAT_LINK_VERIFY_CONTENT", CONTENT)
    client = _app(database_url).test_client()
    assert client.get(f"/q/{NAME}").get_data(as_text=True) == CONTENT


def test_unsafe_name_is_not_served(app, database_url):
    client = _app(database_url, WECHAT_LINK_VERIFY_FILE="api/v1/health", WECHAT_LINK_VERIFY_CONTENT="x").test_client()
    assert client.get("/api/v1/health").status_code == 200
    assert client.get("/q/api/v1/health").status_code == 404
