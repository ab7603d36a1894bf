"""A region administrator bringing a new city up reads on the 工作台 what the base still lacks: stations
without coordinates (not found by 附近的联络站), stations without an administrator (items filed there are
dispatched by no one) and deputies in office at no station; each a count linking to the list filtered so."""
import re
from html import unescape

import pytest

from .test_console_suggestions import console_login


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return unescape(response.get_data(as_text=True))


def rows(html):
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    return re.findall(r"<tr[ >].*?</tr>", body.group(1), re.S) if body else []


@pytest.fixture
def city(app, factory):
    tree = factory.tree()
    located = factory.station(tree["hc"], "城北联络站", lat=27.55, lng=109.99)
    unlocated = factory.station(tree["hc"], "红星社区联络点")
    factory.station(tree["yl"], "岳麓联络站")  # another city: not the 怀化 administrator's
    factory.admin("chengbei", stations=[located])
    factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[located])
    factory.deputy(tree["hc"], "李娜", phone="13800000004", stations=[unlocated])
    factory.deputy(tree["hc"], "王芳", phone="13800000005")  # at no station
    factory.deputy(tree["hc"], "赵强", phone="13800000006", active=False)  # left office: not a gap
    factory.admin("huaihua", region=tree["hh"])
    return console_login(app, "huaihua")


def test_the_dashboard_lists_the_gaps_with_counts_and_links(city):
    home = page(city, "/console/")
    gaps = re.search(r'<section class="onboarding.*?</section>', home, re.S).group(0)
    assert re.search(r'href="/console/stations\?no_location=1"[^>]*>\s*无坐标的联络站\s*<strong[^>]*>1</strong>', gaps), gaps
    assert re.search(r'href="/console/stations\?no_admin=1"[^>]*>\s*无管理员的联络站\s*<strong[^>]*>1</strong>', gaps), gaps
    assert re.search(r'href="/console/deputies\?no_station=1"[^>]*>\s*未进驻联络站的代表\s*<strong[^>]*>1</strong>', gaps), gaps


def test_each_link_opens_the_list_filtered_so(city):
    unlocated = page(city, "/console/stations?no_location=1")
    assert [("红星社区联络点" in row) for row in rows(unlocated)] == [True]
    assert 'name="no_location" value="1" checked' in unlocated
    lonely = page(city, "/console/deputies?no_station=1")
    assert [("王芳" in row) for row in rows(lonely)] == [True]
    assert 'name="no_station" value="1" checked' in lonely


def test_a_station_administrator_sees_no_such_list(app, city):
    clerk = console_login(app, "chengbei")
    home = page(clerk, "/console/")
    assert "待完善的基础信息" not in home and "/console/deputies?no_station=1" not in home


def test_a_base_without_gaps_shows_no_list(app, factory):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", lat=27.55, lng=109.99)
    factory.admin("chengbei", stations=[station])
    factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[station])
    factory.admin("huaihua", region=tree["hh"])
    assert "待完善的基础信息" not in page(console_login(app, "huaihua"), "/console/")
