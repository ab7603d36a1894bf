"""What reaches a station's administrators about its items: a new item waiting for dispatch (待分派), and
an item a dissatisfied citizen sent round again (重办). Listed in the 消息 of the WeChat user they linked."""
import pytest

from .test_console_suggestions import console_login
from .test_suggestion_sweep_stats import sweep
from .test_suggestions import file, step, world  # noqa: F401  (fixture)
from .test_wechat_link import link, new_link_code


@pytest.fixture
def admin_phone(app, client, factory, world):  # noqa: F811
    """chengbei, the station's administrator, linked to a WeChat user."""
    code, _ = new_link_code(console_login(app, "chengbei"))
    phone = factory.wechat_login("admin-wang")
    assert link(client, phone, code.replace("-", "")).status_code == 200
    return phone


def listed(client, headers):
    return [(m["title"], {line["label"]: line["value"] for line in m["lines"]})
            for m in client.get("/api/v1/me/messages", headers=headers).json["items"]]


def test_a_suggestion_filed_at_the_station_tells_its_administrators(app, client, world, admin_phone):  # noqa: F811
    item = file(client, world["citizen"], world["station_code"]).json
    assert listed(client, admin_phone) == []  # not before its text is screened: the notice carries its words
    sweep(app)
    [(title, lines)] = listed(client, admin_phone)
    assert title == "新的群众建议"
    assert lines["建议编号"] == item["number"]
    assert lines["办理状态"] == "待分派"
    assert lines["提示"] == "有一条群众建议待分派，请及时处理"
    sweep(app)  # told once
    assert len(listed(client, admin_phone)) == 1


def test_an_item_a_deputy_returns_tells_the_administrators_again(app, client, world, admin_phone):  # noqa: F811
    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    sweep(app)
    assert listed(client, admin_phone) == []  # filed to a deputy: theirs to accept, not the station's
    assert step(client, world["zhang_h"], item_id, "return", reason="不在我的联系范围").status_code == 200
    [(title, lines)] = listed(client, admin_phone)
    assert (title, lines["办理状态"], lines["提示"]) == ("新的群众建议", "待分派", "代表退回了一条建议，请重新分派")


def test_the_notice_moves_to_the_wechat_user_the_administrator_links_next(app, client, factory, world, admin_phone):  # noqa: F811
    file(client, world["citizen"], world["station_code"])
    sweep(app)
    code, _ = new_link_code(console_login(app, "chengbei"))
    new_phone = factory.wechat_login("admin-wang-new-phone")
    assert link(client, new_phone, code.replace("-", "")).status_code == 200
    assert [title for title, _ in listed(client, new_phone)] == ["新的群众建议"]
    assert listed(client, admin_phone) == []
