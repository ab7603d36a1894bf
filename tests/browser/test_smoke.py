"""The printed-code landing page in a real phone browser, and nothing loaded from outside."""


def test_landing_page_of_a_station_code_on_a_phone(phone, live_server, factory, external_requests):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", address="人民路 18 号")
    phone.goto(f"{live_server}/q/{station.qr_code}")
    assert phone.locator("h1").first.inner_text() == "城北联络站"
    assert "人民路 18 号" in phone.content()
    assert external_requests == []
