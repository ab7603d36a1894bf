"""A station nobody administers: items filed at its code reach no one (码上办's 件件有着落), so the console
marks it 无管理员 and a region administrator's 工作台 counts such stations."""
import re

from backend.db_types import utcnow

from .test_console_suggestions import console_login


def rows(html):
    return {re.sub(r"<[^>]+>", "", m.group(1)).strip(): m.group(0)
            for m in re.finditer(r'<tr>\s*<td><a href="/console/stations/\d+">([^<]+)</a>.*?</tr>', html, re.S)}


def test_stations_without_an_administrator_are_marked_and_counted(app, factory):
    tree = factory.tree()
    staffed = factory.station(tree["hc"], "城北联络站")
    factory.station(tree["hc"], "红星社区联络点")
    left = factory.station(tree["hc"], "迎丰联络站")
    factory.admin("chengbei", stations=[staffed])
    gone = factory.admin("yingfeng", stations=[left])
    gone.disabled_dt = utcnow()  # 停用: tells nobody anything any more
    factory.commit()
    factory.admin("huaihua", region=tree["hh"])

    console = console_login(app, "huaihua")
    listed = rows(console.get("/console/stations").get_data(as_text=True))
    assert "无管理员" not in listed["城北联络站"] and "chengbei" in listed["城北联络站"]
    assert "无管理员" in listed["红星社区联络点"]
    assert "无管理员" in listed["迎丰联络站"]
    only = rows(console.get("/console/stations?no_admin=1").get_data(as_text=True))
    assert set(only) == {"红星社区联络点", "迎丰联络站"}

    home = console.get("/console/").get_data(as_text=True)
    card = re.search(r'<a class="kpi[^"]*" href="/console/stations\?no_admin=1">.*?</a>', home, re.S)
    assert card and "无管理员联络站" in card.group(0)
    assert re.search(r'<strong id="kpi-no-admin">2</strong>', card.group(0))

    # A station administrator runs their own stations: no such card on their 工作台.
    assert "无管理员联络站" not in console_login(app, "chengbei").get("/console/").get_data(as_text=True)
