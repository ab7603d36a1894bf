"""查找附近的联络站 in a real browser: a citizen on a phone lets the page read their position and finds the
nearest station first, with its distance and a 导航 link; a citizen who refuses is told how to search
instead. The page requests nothing outside the application either way."""
import math

import pytest
from playwright.sync_api import expect

from backend.org.nearby import gcj02_from_wgs84

SHOTS = "/tmp"
HERE = {"latitude": 28.1700, "longitude": 112.9300}  # what the phone's GPS says (WGS-84)
METRE = 180 / (math.pi * 6371008.8)


@pytest.fixture
def world(factory):
    tree = factory.tree()
    lat, lng = gcj02_from_wgs84(HERE["latitude"], HERE["longitude"])  # as China's maps place things
    factory.station(tree["hc"], "城北联络站", address="鹤城区人民路 18 号", lat=27.56, lng=109.99)
    factory.station(tree["yl"], "桃子湖社区联络点", lat=lat - 1200 * METRE, lng=lng)
    nearest = factory.station(tree["yl"], "岳麓区中心联络站", address="岳麓区麓山路 9 号", lat=lat + 350 * METRE,
                              lng=lng, open_hours="每月 5 日 9:00–11:30")
    return {"nearest": nearest}


def test_a_citizen_finds_the_nearest_station_and_its_directions(phone, live_server, world, external_requests):
    phone.context.grant_permissions(["geolocation"], origin=live_server)
    phone.context.set_geolocation(HERE)
    phone.goto(f"{live_server}/public/stations")
    # By region at first: Huaihua's station comes before Changsha's.
    expect(phone.locator(".station-link strong").first).to_have_text("城北联络站")
    expect(phone.locator(".distance")).to_have_count(0)

    phone.get_by_role("button", name="查找附近的联络站").click()
    expect(phone.locator(".distance")).to_have_count(3)
    first = phone.locator(".station-list > li").first
    expect(first.locator("strong")).to_have_text("岳麓区中心联络站")
    expect(first.locator(".distance")).to_have_text("距您 350 米")
    expect(first).to_contain_text("接待时间：每月 5 日 9:00–11:30")
    expect(phone.locator(".station-list > li").nth(1).locator(".distance")).to_have_text("距您 1.2 公里")
    expect(phone.locator(".station-list > li").nth(2).locator("strong")).to_have_text("城北联络站")
    expect(phone.locator("section.card")).to_contain_text("按与您的距离由近到远排列")
    assert "near=28.170%2C112.930" in phone.url  # about 100 m of the position, no more

    directions = first.get_by_role("link", name="导航")
    href = directions.get_attribute("href")
    assert href.startswith("https://uri.amap.com/marker?position=")
    assert directions.get_attribute("target") == "_blank"
    assert "noreferrer" in directions.get_attribute("rel")
    # The page fits a phone: nothing wider than the viewport.
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=f"{SHOTS}/public_stations_nearby_phone.png", full_page=True)

    # A search among them keeps the order by distance.
    phone.fill("input[name=q]", "岳麓")
    phone.click(".search button")
    expect(phone.locator(".station-link strong")).to_have_text(["岳麓区中心联络站", "桃子湖社区联络点"])
    expect(phone.locator(".distance").first).to_have_text("距您 350 米")

    # The station's own page (and its code's page) leads there too.
    first = phone.locator(".station-link").first
    first.click()
    expect(phone.locator("h1")).to_have_text("岳麓区中心联络站")
    expect(phone.locator("a.map-link")).to_have_attribute("href", href)
    assert external_requests == []


def test_a_citizen_who_refuses_their_position_is_told_how_to_search(phone, live_server, world, external_requests):
    phone.context.clear_permissions()
    phone.goto(f"{live_server}/public/stations")
    phone.get_by_role("button", name="查找附近的联络站").click()
    expect(phone.locator("#finder-status")).to_contain_text("未获得位置权限")
    expect(phone.locator("#finder-status")).to_contain_text("按名称、地址或区域查找")
    expect(phone.get_by_role("button", name="查找附近的联络站")).to_be_enabled()
    expect(phone.locator(".station-link")).to_have_count(3)
    assert "near=" not in phone.url
    assert external_requests == []
