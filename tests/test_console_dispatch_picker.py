"""Choosing the deputy to dispatch to, at a district's scale: the item page's 分派 form, the queue's 承办代表
filter and its 批量分派 form offer the deputy picker's search (GET /console/deputy-options) for any deputy in
the administrator's scope, and list only a few up front (the item's station's deputies first); same-name
deputies can be told apart; the item page's queries do not grow with its station's deputies."""
import html
import re

import pytest
from sqlalchemy import event, insert

from backend.extensions import db
from backend.org.models import Deputy, DeputyLevel, station_deputies
from backend.suggestions.models import Status, Suggestion

from .factories import sent_statements
from .test_console_suggestions import admin, console_login, csrf_token, flashes, pending  # noqa: F401
from .test_suggestions import world  # noqa: F401  (fixture)

SURNAMES = "丁万严刘孙张李王赵钟"
OPTION = re.compile(r'<option value="(\d+)"[^>]*>([^<]*)</option>')


def many_deputies(region, n, station=None, prefix="代表"):
    """``n`` deputies in office in ``region`` (at ``station`` if given), inserted at once: names by surname,
    so that the first ones by code point are all 丁/万/严."""
    region_id = region if isinstance(region, int) else region.id
    rows = [{"name": f"{SURNAMES[i % 10]}{prefix}{i:03d}", "level": DeputyLevel.county, "region_id": region_id,
             "group": "", "active": True, "bio": "", "phone": f"139{region_id:02d}{len(prefix)}{i:05d}"} for i in range(n)]
    ids = list(db.session.scalars(insert(Deputy).returning(Deputy.id), rows))
    if station is not None:
        station_id = station if isinstance(station, int) else station.id
        db.session.execute(insert(station_deputies), [{"station_id": station_id, "deputy_id": i} for i in ids])
    db.session.commit()
    return ids


def select_options(page, name, form_id=None):
    """The options of the select named ``name`` (in the form ``form_id`` if given): [(id, text)]."""
    if form_id:
        page = page[page.index(f'id="{form_id}"'):]
    found = re.search(r'<select name="%s"[^>]*>(.*?)</select>' % name, page, re.S)
    assert found, f"no select {name}"
    return [(int(v), html.unescape(t)) for v, t in OPTION.findall(found.group(1))]


def select_tag(page, name, form_id=None):
    if form_id:
        page = page[page.index(f'id="{form_id}"'):]
    return re.search(r'<select name="%s"[^>]*>' % name, page).group(0)


@pytest.fixture
def district(app, world, factory):  # noqa: F811
    """怀化市's administrator; 601 deputies in 鹤城区 beyond the station's two, one of them 赵目标."""
    many_deputies(world["tree"]["hc"], 600)
    target = factory.deputy(world["tree"]["hc"], "赵目标", phone="13900009999", level="county")
    factory.admin("huaihua", region=world["tree"]["hh"])
    return {"client": console_login(app, "huaihua"), "target": target}


def test_item_page_lists_the_stations_deputies_and_searches_the_rest(client, world, district, pending, factory):  # noqa: F811
    huaihua, target = district["client"], district["target"]
    page = huaihua.get(f"/console/suggestions/{pending['id']}").get_data(as_text=True)
    options = select_options(page, "deputy_id", "dispatch")
    # The station's own deputies, first and without JavaScript; not 200 others cut by code point.
    assert [text.split(" · ")[0] for _, text in options] == ["李娜", "张伟"], options
    assert "鹤城区" in options[0][1] and "尾号 0004" in options[0][1], options
    tag = select_tag(page, "deputy_id", "dispatch")
    assert 'data-deputy-picker="/console/deputy-options"' in tag and "required" in tag
    # The picker's search finds a deputy far down the alphabet, with what tells them apart.
    found = huaihua.get("/console/deputy-options", query_string={"q": "目标"}).json["items"]
    assert [(d["id"], d["name"]) for d in found] == [(target.id, "赵目标")]
    assert "尾号 9999" in found[0]["detail"] and "鹤城区" in found[0]["detail"]
    # Without JavaScript the page's own 查找 lists them too (the one match chosen).
    searched = huaihua.get(f"/console/suggestions/{pending['id']}?deputy_q=目标").get_data(as_text=True)
    options = select_options(searched, "deputy_id", "dispatch")
    assert [text.split(" · ")[0] for _, text in options] == ["李娜", "张伟", "赵目标"], options
    assert re.search(r'<optgroup label="查找结果">\s*<option value="%d" selected>' % target.id, searched)
    nobody = huaihua.get(f"/console/suggestions/{pending['id']}?deputy_q=不存在的人").get_data(as_text=True)
    assert "没有找到符合“不存在的人”的代表。" in nobody and len(select_options(nobody, "deputy_id", "dispatch")) == 2
    many = huaihua.get(f"/console/suggestions/{pending['id']}?deputy_q=代表").get_data(as_text=True)
    assert len(select_options(many, "deputy_id", "dispatch")) == 2 + 100 and "只列出前 100 位，请输入更完整的姓名。" in many
    sent = huaihua.post(f"/console/suggestions/{pending['id']}/dispatch", data={
        "csrf_token": csrf_token(huaihua, f"/console/suggestions/{pending['id']}"), "deputy_id": target.id})
    assert sent.status_code == 302
    assert flashes(huaihua.get(sent.headers["Location"])) == ["已分派，等待代表接单。"]
    item = db.session.get(Suggestion, pending["id"])
    db.session.refresh(item)
    assert item.status is Status.assigned and item.deputy_id == target.id


def test_a_refused_dispatch_keeps_the_searched_deputy_chosen(client, world, district, pending):  # noqa: F811
    """The form comes back with the deputy found by searching still chosen, though the page lists only the
    station's deputies up front."""
    huaihua, target = district["client"], district["target"]
    page = f"/console/suggestions/{pending['id']}"
    refused = huaihua.post(f"{page}/dispatch", data={"csrf_token": csrf_token(huaihua, page), "deputy_id": target.id,
                                                     "note": "长" * 501})
    assert refused.status_code == 422
    options = select_options(refused.get_data(as_text=True), "deputy_id", "dispatch")
    chosen = re.search(r'<option value="%d" selected>([^<]*)' % target.id, refused.get_data(as_text=True))
    assert chosen and chosen.group(1).startswith("赵目标"), options


def test_the_search_finds_by_phone_tail_and_printed_code_and_tells_namesakes_apart(world, district, factory):  # noqa: F811
    huaihua = district["client"]
    station2 = factory.station(world["tree"]["hc"], "城南联络站")
    first = factory.deputy(world["tree"]["hc"], "王伟", phone="13911118801", level="county", stations=[world["station"]])
    second = factory.deputy(world["tree"]["hc"], "王伟", phone="13922228802", level="county", stations=[station2])
    found = huaihua.get("/console/deputy-options", query_string={"q": "王伟"}).json["items"]
    assert sorted(d["id"] for d in found) == sorted([first.id, second.id])
    details = {d["id"]: d["detail"] for d in found}
    assert details[first.id] != details[second.id]
    assert "城北联络站" in details[first.id] and "尾号 8801" in details[first.id]
    assert "城南联络站" in details[second.id] and "尾号 8802" in details[second.id]
    assert [d["id"] for d in huaihua.get("/console/deputy-options?q=8802").json["items"]] == [second.id]
    assert [d["id"] for d in huaihua.get("/console/deputy-options?q=13922228802").json["items"]] == [second.id]
    code = first.qr_code
    assert [d["id"] for d in huaihua.get("/console/deputy-options", query_string={"q": code.upper()}).json["items"]] == [first.id]
    # Many matches: the answer says there are more than it lists.
    many = huaihua.get("/console/deputy-options?q=代表").json
    assert len(many["items"]) == many["limit"] and many["more"] is True
    # Those who left office: only for a filter (their past items), and said so.
    gone = factory.deputy(world["tree"]["hc"], "钱离任", phone="13944446603", level="county", active=False)
    assert huaihua.get("/console/deputy-options", query_string={"q": "钱离任"}).json["items"] == []
    found = huaihua.get("/console/deputy-options", query_string={"q": "钱离任", "left_office": "1"}).json["items"]
    assert [d["id"] for d in found] == [gone.id] and found[0]["detail"].endswith("已离任")
    # Another city's deputy is not found by their phone either.
    factory.deputy(world["tree"]["yl"], "刘洋", phone="13933337703")
    assert huaihua.get("/console/deputy-options?q=7703").json["items"] == []


def test_the_queue_lists_no_500_deputies_and_keeps_the_chosen_one(world, district, pending):  # noqa: F811
    """The 承办代表 filter and 批量分派 list no cut-off hundreds: the picker searches; a deputy chosen by
    searching stays chosen in the filter and is the one the batch dispatches to."""
    huaihua, target = district["client"], district["target"]
    queue = huaihua.get("/console/suggestions?status=pending").get_data(as_text=True)
    for name, form_id in (("deputy_id", None), ("deputy_id", "batch-dispatch")):
        options = select_options(queue, name, form_id)
        assert len(options) <= 50, (form_id, len(options))
        assert 'data-deputy-picker="/console/deputy-options' in select_tag(queue, name, form_id)
    assert "代表较多，请输入姓名、手机尾号或代表码搜索" in queue
    filtered = huaihua.get(f"/console/suggestions?deputy_id={target.id}").get_data(as_text=True)
    chosen = [(i, t) for i, t in select_options(filtered, "deputy_id") if i == target.id]
    assert chosen and chosen[0][1].startswith("赵目标") and "尾号 9999" in chosen[0][1]
    assert re.search(r'<option value="%d" selected>' % target.id, filtered)
    sent = huaihua.post("/console/suggestions/batch-dispatch", data={
        "csrf_token": csrf_token(huaihua, "/console/suggestions?status=pending"),
        "ids": [pending["id"]], "deputy_id": target.id})
    assert sent.status_code == 200 and "确定将所选 1 件建议分派给赵目标吗？" in sent.get_data(as_text=True)
    sent = huaihua.post("/console/suggestions/batch-dispatch", data={
        "csrf_token": csrf_token(huaihua, "/console/suggestions?status=pending"),
        "ids": [pending["id"]], "deputy_id": target.id, "confirmed": "1"})
    assert sent.status_code == 302
    assert flashes(huaihua.get(sent.headers["Location"])) == ["已分派 1 件给赵目标，等待代表接单。"]


def test_a_station_administrator_picks_without_scripts_from_a_short_list(admin, world, pending, factory):  # noqa: F811
    """Few deputies in scope: the queue lists them all, with what tells namesakes apart."""
    factory.deputy(world["tree"]["hc"], "张伟", phone="13800000099", stations=[world["station"]])
    queue = admin.get("/console/suggestions?status=pending").get_data(as_text=True)
    for form_id in (None, "batch-dispatch"):
        options = select_options(queue, "deputy_id", form_id)
        names = [t.split(" · ")[0] for _, t in options]
        assert sorted(names) == ["张伟", "张伟", "李娜"], options
        assert len({t for _, t in options}) == 3, options
    assert "代表较多" not in queue


def test_the_item_page_reads_its_stations_deputies_in_constant_queries(app, admin, world, pending, factory):  # noqa: F811
    """Two queries per deputy of the station (its region, its stations) were 119 statements for 102 deputies."""
    def statements():
        db.session.remove()
        with sent_statements(app) as seen:
            assert admin.get(f"/console/suggestions/{pending['id']}").status_code == 200
        return len(seen)

    regions = [world["tree"][key].id for key in ("hc", "hh", "root")]
    station_id = world["station"].id
    few = statements()
    for region_id, prefix in zip(regions, ("甲", "乙乙", "丙丙丙")):
        many_deputies(region_id, 34, station_id, prefix=prefix)
    assert statements() == few
    page = admin.get(f"/console/suggestions/{pending['id']}").get_data(as_text=True)
    assert len(select_options(page, "deputy_id", "dispatch")) == 104


def test_the_queue_reads_no_deputies_beyond_a_short_list(app, world, district, pending):  # noqa: F811
    """The queue's deputies cost the same few rows whatever the scope holds (it read 500 on every view)."""
    huaihua = district["client"]
    loaded = []

    def note(deputy, context):
        loaded.append(deputy.id)

    db.session.remove()
    event.listen(Deputy, "load", note)
    try:
        assert huaihua.get("/console/suggestions").status_code == 200
        assert huaihua.get("/console/suggestions?status=pending&page=1").status_code == 200
    finally:
        event.remove(Deputy, "load", note)
    assert len(loaded) <= 2 * 51, len(loaded)
