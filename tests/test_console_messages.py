"""消息 in the console: the notices sent to an administrator's account (new items to dispatch, 重办, deadlines,
督办, 约见…), newest first, with an unread count in the navigation — whether or not the account linked a WeChat."""
import re

from .test_console_suggestions import console_login, csrf_token
from .test_suggestion_sweep_stats import sweep
from .test_suggestions import file, step, world  # noqa: F401  (fixture)
from .test_wechat_link import link, new_link_code

BADGE = re.compile(r'<a href="/console/messages"[^>]*>消息(?:<span class="nav-count"[^>]*>(\d+)</span>)?</a>')


def badge(console):
    match = BADGE.search(console.get("/console/wechat").get_data(as_text=True))
    assert match, "no 消息 link in the navigation"
    return int(match.group(1) or 0)


def titles(html):
    return re.findall(r'<strong class="message-title">([^<]+)</strong>', html)


def test_an_unlinked_administrator_reads_the_stations_notices_in_the_console(app, client, world):  # noqa: F811
    console = console_login(app, "chengbei")
    assert badge(console) == 0
    first = file(client, world["citizen"], world["station_code"]).json
    second = file(client, world["citizen"], world["station_code"], content="第二条：井盖松动").json
    sweep(app)
    assert badge(console) == 2

    page = console.get("/console/messages").get_data(as_text=True)
    assert titles(page) == ["新的群众建议", "新的群众建议"]
    assert page.index(second["number"]) < page.index(first["number"])  # newest first
    assert "有一条群众建议待分派，请及时处理" in page and page.count('class="message unread"') == 2
    assert f'href="/console/suggestions/{first["id"]}"' in page  # the item it is about, in the console
    assert badge(console) == 0  # read once listed

    # Another station's administrator reads none of them.
    assert titles(console_login(app, "changsha").get("/console/messages").get_data(as_text=True)) == []


def test_all_read_and_the_linked_wechat_users_own_notices_stay_out(app, client, factory, world):  # noqa: F811
    console = console_login(app, "chengbei")
    code, _ = new_link_code(console)
    phone = factory.wechat_login("admin-wang")
    assert link(client, phone, code.replace("-", "")).status_code == 200
    # The same WeChat user files a suggestion of their own: its notices are theirs as a citizen, not the account's.
    own = file(client, phone, world["deputy_code"]).json
    sweep(app)
    step(client, world["zhang_h"], own["id"], "accept")
    item = file(client, world["citizen"], world["station_code"]).json
    sweep(app)
    assert badge(console) == 1
    page = console.get("/console/messages?page=1").get_data(as_text=True)
    assert titles(page) == ["新的群众建议"] and item["number"] in page and own["number"] not in page

    file(client, world["citizen"], world["station_code"], content="第三条：垃圾未清运")
    sweep(app)
    assert badge(console) == 1
    done = console.post("/console/messages/read", data={"csrf_token": csrf_token(console, "/console/wechat")})
    assert done.status_code == 302
    assert badge(console) == 0
    # In the mini-program the linked user's 消息 hold the account's notices, read in the console as well.
    listed = client.get("/api/v1/me/messages", headers=phone).json
    assert {m["title"]: m["read"] for m in listed["items"] if m["title"] == "新的群众建议"} == {"新的群众建议": True}
