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


def answered(client, world, item_id, content="已处理。"):  # noqa: F811
    assert step(client, world["zhang_h"], item_id, "reply", content=content).status_code == 200


def test_a_dissatisfied_rating_that_reopens_an_item_tells_the_administrators(app, client, world, admin_phone):  # noqa: F811
    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    sweep(app)
    step(client, world["zhang_h"], item_id, "accept")
    answered(client, world, item_id)
    rated = step(client, world["citizen"], item_id, "rate", satisfaction="dissatisfied", comment="路灯还是不亮")
    assert rated.json["round"] == 2
    [(title, lines)] = listed(client, admin_phone)
    assert (title, lines["办理状态"], lines["提示"]) == ("建议已重新交办", "办理中", "群众不满意，已第2轮交办，请督促办理")


def test_the_console_flags_and_filters_items_sent_round_again(app, client, world):  # noqa: F811
    again = file(client, world["citizen"], world["deputy_code"]).json
    first = file(client, world["citizen"], world["deputy_code"], content="第二条：井盖松动").json
    for item in (again, first):
        step(client, world["zhang_h"], item["id"], "accept")
        answered(client, world, item["id"])
    step(client, world["citizen"], again["id"], "rate", satisfaction="dissatisfied", comment="没有修好")
    console = console_login(app, "chengbei")
    page = console.get("/console/suggestions").get_data(as_text=True)
    row = page.split(again["number"], 1)[1].split("</tr>", 1)[0]
    assert '<span class="tag tag-reopened">重办 第2轮</span>' in row
    assert "重办" not in page.split(first["number"], 1)[1].split("</tr>", 1)[0]
    only = console.get("/console/suggestions?reopened=1").get_data(as_text=True)
    assert again["number"] in only and first["number"] not in only
    assert 'name="reopened" value="1" checked' in only


def test_a_dissatisfied_rating_counts_at_once_and_the_next_one_replaces_it(app, client, world):  # noqa: F811
    """满意率 = 满意 ÷ the items citizens rated, each by its latest rating: a 不满意 that sends the item round again
    counts at once, and the next round's rating replaces it (the item counts once); 评价次数 counts every round's
    rating. The API, the 工作台 and the public page agree."""
    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    step(client, world["zhang_h"], item_id, "accept")
    answered(client, world, item_id)
    step(client, world["citizen"], item_id, "rate", satisfaction="dissatisfied", comment="没有修好")

    def figures():
        api = client.get("/api/v1/stats/suggestions", headers=world["admin"]).json
        return (api["denominators"]["rated"], api["dissatisfied"], api["ratings"], api["satisfaction_rate"],
                api["basic_satisfaction_rate"])

    assert figures() == (1, 1, 1, 0.0, 0.0)
    home = console_login(app, "chengbei").get("/console/").get_data(as_text=True)
    assert "已评价 1 件（其中不满意 1 件；评价 1 次）" in home
    public = client.get("/public/stats").get_data(as_text=True)
    assert "已评价 1 件（其中不满意 1 件；评价 1 次）" in public and "0.0%" in public

    answered(client, world, item_id, "已再次协调，已修好。")
    step(client, world["citizen"], item_id, "rate", satisfaction="satisfied")
    assert figures() == (1, 0, 2, 1.0, 1.0)


def test_a_station_without_administrators_tells_the_nearest_region_administrators_once(
        app, client, factory, world):  # noqa: F811
    """无管理员: nobody runs the station (no administrator whose account is in use), so what would tell its
    administrators — a new item 待分派, an item its deputy returned, 重办, 督办 — goes to the administrators of the
    nearest region above it that has any (怀化市's, who hold it in their queue), saying which station has
    nobody; not to the province's, nor 长沙市's, nor a disabled 鹤城区 account; each once, whatever the sweeps."""
    import re

    from backend.auth.models import User
    from backend.db_types import utcnow
    from backend.extensions import db
    from backend.notifications.models import OutboxMessage

    tree = world["tree"]
    unstaffed = factory.station(tree["hc"], "城南联络站")
    wu = factory.deputy(tree["hc"], "吴刚", phone="13800000009", stations=[unstaffed])
    wu_h = factory.deputy_headers(wu)
    factory.admin("huaihua", region=tree["hh"])
    factory.admin("hunan", region=tree["root"])
    gone = factory.admin("hecheng-gone", region=tree["hc"])
    gone.disabled_dt = utcnow()
    db.session.commit()

    def notices(username):
        page = console_login(app, username).get("/console/messages").get_data(as_text=True)
        return [(title, re.search(r"提示：</span>([^　<]+)", rest).group(1)) for title, rest in
                re.findall(r'<strong class="message-title">([^<]+)</strong>(.*?)</li>', page, re.S)]

    file(client, world["citizen"], unstaffed.qr_code)
    file(client, world["citizen"], world["station_code"], content="第二条：井盖松动")  # its station's own
    sweep(app)
    sweep(app)
    assert notices("huaihua") == [("新的群众建议", "建议待分派，城南联络站无管理员")]

    returned = file(client, world["citizen"], wu.qr_code, content="第三条：垃圾清运不及时").json
    again = file(client, world["citizen"], wu.qr_code, content="第四条：健身器材损坏").json
    sweep(app)
    assert step(client, wu_h, returned["id"], "return", reason="不在我的联系范围").status_code == 200
    for action, body in (("accept", {}), ("reply", {"content": "已修复。"})):
        assert step(client, wu_h, again["id"], action, **body).status_code == 200
    assert step(client, world["citizen"], again["id"], "rate", satisfaction="dissatisfied").json["round"] == 2
    sweep(app)
    assert sorted(notices("huaihua")) == [
        ("建议已重新交办", "第2轮交办，城南联络站无管理员"),
        ("新的群众建议", "代表退回待分派，城南联络站无管理员"),
        ("新的群众建议", "建议待分派，城南联络站无管理员"),
    ]
    # The second round answered and rated 不满意 again: the last round (MAX_ROUNDS 2) ends in 督办.
    assert step(client, wu_h, again["id"], "reply", content="已再次修复。").status_code == 200
    assert step(client, world["citizen"], again["id"], "rate", satisfaction="dissatisfied").json["supervised"] is True
    sweep(app)
    assert ("建议督办通知", "群众仍不满意待督办，城南联络站无管理员") in notices("huaihua")
    for elsewhere in ("hunan", "changsha"):
        assert notices(elsewhere) == []
    with app.app_context():
        gone_id = db.session.scalar(db.select(User.id).where(User.username == "hecheng-gone"))
        assert db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.user_id == gone_id)).all() == []
