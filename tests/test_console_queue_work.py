"""Working through the console's suggestion queue: pages that go on from the last row shown, the working
tabs read 按期限 and cover every open item, the dashboard's figures of them, 批量分派's question and its
form kept when refused, and the 约见 to answer oldest first."""
import html
import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from backend.db_types import utcnow
from backend.extensions import db
from backend.suggestions.models import OPEN_STATUSES, STATUS_LABELS, Status, Suggestion

from .factories import screen, sent_statements
from .test_appointments import ask
from .test_console_suggestions import (  # noqa: F401  (fixtures)
    _link,
    _workbook,
    _queue_numbers,
    _sort_choices,
    admin,
    flashes,
    form_fields,
    item_json,
    pending,
    staged,
)
from .test_suggestions import file, step, world  # noqa: F401  (fixture)

QUEUE = "/console/suggestions"
BATCH = "/console/suggestions/batch-dispatch"


def clone(app, template_id, n, **changed):
    """``n`` copies of the item ``template_id`` (as filed, screened), with ``changed`` columns; their ids in order."""
    with app.app_context():
        template = db.session.get(Suggestion, template_id)
        columns = {c.key: getattr(template, c.key) for c in Suggestion.__table__.columns
                   if c.key not in ("id", "number", "version")}
        made = []
        for _ in range(n):
            item = Suggestion(**(columns | {"screening": "pass"} | changed))
            db.session.add(item)
            db.session.flush()
            item.number = f"MSB-20261129-{item.id:06d}"
            made.append(item.id)
        db.session.commit()
        return made


def numbers_of(app, ids):
    with app.app_context():
        by_id = dict(db.session.execute(select(Suggestion.id, Suggestion.number).where(Suggestion.id.in_(ids))).all())
    return [by_id[i] for i in ids]


def quick_tabs(page):
    """The queue's 快捷筛选 as {label: address}."""
    nav = re.search(r'<nav class="quick-filters" aria-label="快捷筛选">(.*?)</nav>', page.get_data(as_text=True), re.S)
    return {label: html.unescape(href) for href, label in re.findall(r'<a href="([^"]+)" class="[^"]*">([^<]+)</a>', nav.group(1))}


def every_row(admin, url):  # noqa: F811
    """The numbers of every row of the list at ``url``, page after page (下一页)."""
    shown = []
    while url:
        page = admin.get(url)
        shown += _queue_numbers(page)
        url = _link(page, "下一页") if "下一页</a>" in page.get_data(as_text=True) else None
    return shown


# --- pages ---------------------------------------------------------------------------------------


def test_turning_the_page_after_dispatching_it_shows_the_next_items_still_waiting(app, client, admin, world, pending):  # noqa: F811
    """待分派, earliest first: the administrator dispatches the twenty items of page 1, then clicks that page's
    下一页. The next twenty still waiting follow (by offset, items 21-40 were skipped: page 2 held 41-60)."""
    ids = [pending["id"]] + clone(app, pending["id"], 44)
    screen(app)
    numbers = numbers_of(app, ids)
    first = admin.get(f"{QUEUE}?status=pending&sort=oldest")
    assert _queue_numbers(first) == numbers[:20]
    following = _link(first, "下一页")
    for item_id in ids[:20]:
        assert step(client, world["admin"], item_id, "dispatch", deputy_id=world["zhang"].id).status_code == 200
    second = admin.get(following)
    assert _queue_numbers(second) == numbers[20:40]
    third = admin.get(_link(second, "下一页"))
    assert _queue_numbers(third) == numbers[40:] and "下一页</a>" not in third.get_data(as_text=True)
    # 上一页 and 第一页 lead back; a position typed by hand shows the first page, never an error.
    assert _queue_numbers(admin.get(_link(third, "上一页"))) == numbers[20:40]
    assert _queue_numbers(admin.get(_link(third, "第一页"))) == numbers[20:40]
    for nonsense in ("abc", "1.2.3.4", "99999999999999999999", "t1.2", "-1", "0.t99999999999999999.3"):
        assert _queue_numbers(admin.get(f"{QUEUE}?status=pending&sort=oldest&after={nonsense}")) == numbers[20:40]
        assert admin.get(f"{QUEUE}?sort=due&before={nonsense}").status_code == 200


def shown_total(page):
    """The count the queue shows (共 N 件)."""
    return int(re.search(r"共 (\d+)\+? 件", page.get_data(as_text=True)).group(1))


def test_a_page_turned_shows_the_count_its_link_carried_and_one_come_back_to_counts_again(app, client, admin, world, pending):  # noqa: F811
    """下一页 and 上一页 carry the queue's count (n), so that a page turned does not count the whole filtered
    scope again: the count shown stays the page's. Anything else counts: a number that is none or that the page
    gives the lie to, the first page, a search, and the queue come back to after working on an item, which
    shows what the administrator changed."""
    ids = [pending["id"]] + clone(app, pending["id"], 44)
    screen(app)
    first = admin.get(f"{QUEUE}?status=pending&sort=oldest")
    assert shown_total(first) == 45
    following = _link(first, "下一页")
    assert parse_qs(urlsplit(following).query)["n"] == ["45"]
    with sent_statements(app) as seen:
        second = admin.get(following)
    assert shown_total(second) == 45 and not [s for s in seen if s.lstrip().startswith("SELECT count(") and "suggestions" in s]
    assert parse_qs(urlsplit(_link(second, "上一页")).query)["n"] == ["45"]
    assert parse_qs(urlsplit(_link(second, "下一页")).query)["n"] == ["45"]

    # Dispatched from the item's page: the queue it leads back to (this page, this place) counts again.
    for item_id in ids[20:23]:
        assert step(client, world["admin"], item_id, "dispatch", deputy_id=world["zhang"].id).status_code == 200
    back = _link(admin.get(f"{QUEUE}/{ids[25]}"), "返回列表")
    assert "n" not in parse_qs(urlsplit(back).query) and shown_total(admin.get(back)) == 42
    # Typed by hand: none, out of range, fewer than the page shows, on the first page: counted.
    after = parse_qs(urlsplit(following).query)["after"][0]
    for carried in ("abc", "-1", "99999999999999999999", "3", ""):
        assert shown_total(admin.get(f"{QUEUE}?status=pending&sort=oldest&after={after}&n={carried}")) == 42, carried
    assert shown_total(admin.get(f"{QUEUE}?status=pending&sort=oldest&n=7")) == 42
    # A search counts on every page (through its indexes), whatever a link says.
    searched = admin.get(f"{QUEUE}?q=积水&sort=oldest")
    assert shown_total(searched) == 42 + 3
    assert "n" not in parse_qs(urlsplit(_link(searched, "下一页")).query)
    assert shown_total(admin.get(_link(searched, "下一页") + "&n=7")) == 45


def test_items_filed_meanwhile_do_not_push_rows_already_seen_onto_the_next_page(app, client, admin, world, pending):  # noqa: F811
    """Newest first, the whole queue: three items filed while the administrator reads page 1 do not make
    page 2 repeat its last three rows; every item is met once, page after page, in every order."""
    ids = [pending["id"]] + clone(app, pending["id"], 29)
    numbers = numbers_of(app, ids)
    first = admin.get(QUEUE)
    assert _queue_numbers(first) == numbers[::-1][:20]
    for n in range(3):
        file(client, world["citizen"], world["station_code"], content=f"第 {n} 条新建议：楼道灯不亮。")
    second = admin.get(_link(first, "下一页"))
    assert _queue_numbers(second) == numbers[::-1][20:]
    for sort in ("due", "oldest", "newest"):
        shown = every_row(admin, f"{QUEUE}?sort={sort}")
        assert len(shown) == len(set(shown)) == 33, sort


def test_the_item_page_leads_back_to_the_place_in_the_queue(app, admin, world, pending):  # noqa: F811
    ids = [pending["id"]] + clone(app, pending["id"], 24)
    following = _link(admin.get(f"{QUEUE}?status=pending&sort=oldest"), "下一页")
    admin.get(following)
    back = _link(admin.get(f"{QUEUE}/{ids[22]}"), "返回列表")
    assert parse_qs(urlsplit(back).query) | {"n": ["25"]} == parse_qs(urlsplit(following).query)


# --- tabs and orders -----------------------------------------------------------------------------


def test_the_working_tabs_read_what_is_due_first_and_the_whole_queue_newest_first(admin, staged):  # noqa: F811
    """未办结 and each tab of open work: the deadline that runs out first on top (超期 first), then the open
    items without one; 全部 stays newest first, as the API's list."""
    due_first = [staged[name] for name in ("overdue", "handled", "to_accept", "pending")]
    whole = admin.get(QUEUE)
    assert _queue_numbers(whole) == [staged[name] for name in ("to_accept", "handled", "pending", "overdue", "rejected")]
    tabs = quick_tabs(whole)
    open_items = admin.get(tabs["未办结"])
    assert _queue_numbers(open_items) == due_first
    assert [(label, chosen) for label, _, chosen in _sort_choices(open_items)] == [
        ("最新提交", False), ("按期限", True), ("最早提交", False)]
    assert _queue_numbers(admin.get(tabs["待接单"])) == [staged["overdue"], staged["to_accept"]]
    # Another order chosen stays chosen across the working tabs.
    newest_open = admin.get(_link(open_items, "最新提交"))
    assert _queue_numbers(newest_open) == [staged[name] for name in ("to_accept", "handled", "pending", "overdue")]
    assert parse_qs(urlsplit(quick_tabs(newest_open)["待接单"]).query) == {"status": ["assigned"], "sort": ["newest"]}
    assert re.search(r'<a href="[^"]+" class="active">未办结</a>', newest_open.get_data(as_text=True))


def test_every_open_item_is_in_the_tab_of_its_stage_and_no_finished_one_in_a_working_tab(app, admin, pending):  # noqa: F811
    """No open item falls between the tabs: each open status has its tab (转办中 and 已答复 too), and the tabs
    of flags (超期, 临期, 督办, 重办) hold open items only."""
    screen(app)
    flags = {"overdue": True, "due_soon": True, "supervised": True, "round": 2}
    opened = {status: clone(app, pending["id"], 1, status=status, **flags)[0] for status in OPEN_STATUSES}
    finished = {status: clone(app, pending["id"], 1, status=status, closed_dt=utcnow(), **flags)[0]
                for status in (Status.closed, Status.rejected, Status.withdrawn)}
    tabs = quick_tabs(admin.get(QUEUE))
    assert list(tabs) == ["全部", "未办结", "待分派", "待接单", "办理中", "转办中", "已答复", "超期", "临期", "督办", "重办",
                          "内容待审核"]
    listed = {label: set(every_row(admin, url)) for label, url in tabs.items()}
    open_numbers = dict(zip(opened, numbers_of(app, list(opened.values()))))
    finished_numbers = set(numbers_of(app, list(finished.values())))
    working = [label for label in tabs if label not in ("全部", "未办结", "内容待审核")]
    covered = set().union(*(listed[label] for label in working))
    assert set(open_numbers.values()) <= covered
    for status, number in open_numbers.items():
        assert number in listed[STATUS_LABELS[status.value]], status
    for label in working + ["未办结"]:
        assert not listed[label] & finished_numbers, label
    for label in ("超期", "临期", "督办", "重办"):
        assert listed[label] == set(open_numbers.values()), label
    assert finished_numbers <= listed["全部"]


def test_the_reopened_tab_shows_the_reopened_work_still_open(app, admin, world, pending):  # noqa: F811
    """重办: an item sent back today by a 不满意 rating, not buried under 25 re-opened items long settled
    (those are one tick away: 重办 without 未办结)."""
    clone(app, pending["id"], 25, status=Status.closed, round=2, closed_dt=utcnow())
    reopened = clone(app, pending["id"], 1, status=Status.accepted, round=2, deputy_id=world["zhang"].id)
    tab = admin.get(quick_tabs(admin.get(QUEUE))["重办"])
    assert _queue_numbers(tab) == numbers_of(app, reopened)
    assert "共 1 件（已筛选）" in tab.get_data(as_text=True)
    assert "共 26 件（已筛选）" in admin.get(f"{QUEUE}?reopened=1").get_data(as_text=True)


def test_the_dashboard_counts_the_work_due_soon_reopened_and_forwarded_and_leads_to_it(app, admin, world, pending):  # noqa: F811
    screen(app)
    due_soon = clone(app, pending["id"], 2, due_soon=True)
    reopened = clone(app, pending["id"], 1, status=Status.accepted, round=2, deputy_id=world["zhang"].id)
    forwarded = clone(app, pending["id"], 3, status=Status.forwarded, deputy_id=world["zhang"].id)
    clone(app, pending["id"], 1, status=Status.closed, round=2, due_soon=True, closed_dt=utcnow())  # settled: not counted
    dashboard = admin.get("/console/").get_data(as_text=True)
    for key, label, ids in (("due-soon", "临期", due_soon), ("reopened", "重办", reopened), ("forwarded", "待部门反馈", forwarded)):
        card = re.search(rf'<a class="kpi[^"]*" href="([^"]+)"><span class="kpi-label">{label}</span><strong id="kpi-{key}">(\d+)</strong>',
                         dashboard)
        assert card, label
        assert int(card.group(2)) == len(ids), label
        assert set(_queue_numbers(admin.get(html.unescape(card.group(1))))) == set(numbers_of(app, ids)), label
    # The work orders' table leads to the items waiting for their department's feedback too.
    table_link = re.search(r'<a class="more" href="([^"]+)">待部门反馈的建议 ›</a>', dashboard).group(1)
    assert set(_queue_numbers(admin.get(html.unescape(table_link)))) == set(numbers_of(app, forwarded))


# --- 批量分派 --------------------------------------------------------------------------------------


def test_a_refused_batch_keeps_the_ticks_and_the_note(app, client, admin, world, pending):  # noqa: F811
    """分派给 left empty: the queue comes back with the boxes still ticked, the note as typed and the reason in
    the form, in Chinese; nothing is dispatched."""
    ids = [pending["id"]] + clone(app, pending["id"], 5)
    fields = form_fields(admin, f"{QUEUE}?status=pending", BATCH)
    refused = admin.post(BATCH, data=fields | {"ids": ids[:4], "deputy_id": "", "note": "请本周内到现场查看并答复"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert re.search(r'<p class="flash flash-error" role="alert" id="batch-error">请选择要分派的代表。</p>', page)
    assert 'value="请本周内到现场查看并答复"' in page
    ticked = re.findall(r'name="ids" value="(\d+)" form="batch-dispatch"[^>]*checked', page)
    assert sorted(map(int, ticked)) == sorted(ids[:4])
    assert re.search(r'<select name="deputy_id" required[ >]', page)
    assert all(item_json(client, world["admin"], i)["status"] == "pending" for i in ids)


def test_a_batch_asks_before_it_dispatches(app, client, admin, world, pending):  # noqa: F811
    """分派所选 first asks 确定将 N 件分派给…吗？ (a page of its own: no script needed), naming the deputy and the
    items; 返回修改 brings the queue back as it was left, boxes ticked; 确定分派 dispatches them."""
    ids = [pending["id"]] + clone(app, pending["id"], 2)
    numbers = numbers_of(app, ids)
    fields = form_fields(admin, f"{QUEUE}?status=pending", BATCH)
    asked = admin.post(BATCH, data=fields | {"ids": ids, "deputy_id": world["zhang"].id, "note": "请尽快处理"})
    assert asked.status_code == 200
    question = asked.get_data(as_text=True)
    assert "确定将所选 3 件建议分派给张伟吗？" in question
    assert all(number in question for number in numbers)
    assert all(item_json(client, world["admin"], i)["status"] == "pending" for i in ids)

    confirm = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', question))
    assert confirm["confirmed"] == "1" and confirm["note"] == "请尽快处理"
    revised = admin.post(BATCH, data=confirm | {"ids": ids, "revise": "1"})
    assert revised.status_code == 200
    kept = revised.get_data(as_text=True)
    assert sorted(map(int, re.findall(r'name="ids" value="(\d+)" form="batch-dispatch"[^>]*checked', kept))) == ids
    assert 'value="请尽快处理"' in kept and re.search(rf'<option value="{world["zhang"].id}" selected>', kept)
    assert all(item_json(client, world["admin"], i)["status"] == "pending" for i in ids)

    sent = admin.post(BATCH, data=confirm | {"ids": ids})
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"{QUEUE}?status=pending")
    assert flashes(admin.get(sent.headers["Location"])) == ["已分派 3 件给张伟，等待代表接单。"]
    assert all(item_json(client, world["admin"], i)["status"] == "assigned" for i in ids)


def test_a_batch_to_a_deputy_out_of_reach_is_refused_before_it_asks(app, admin, world, pending, factory):  # noqa: F811
    far = factory.deputy(world["tree"]["cs"], "周强")
    fields = form_fields(admin, f"{QUEUE}?status=pending", BATCH)
    refused = admin.post(BATCH, data=fields | {"ids": [pending["id"]], "deputy_id": far.id})
    assert refused.status_code == 422
    assert "代表不存在、已离任或不在您的管理范围内。" in refused.get_data(as_text=True)


# --- 约见 ------------------------------------------------------------------------------------------


def test_appointments_to_answer_are_listed_oldest_first(app, client, admin, world):  # noqa: F811
    asked = [ask(client, world["citizen"], world["station_code"], topic=f"第 {n} 个约见").json["number"] for n in range(3)]
    waiting = admin.get("/console/appointments").get_data(as_text=True)
    assert re.findall(r">(YJ-\d{8}-\d{6})</a>", waiting) == asked
    every = admin.get("/console/appointments?status=all").get_data(as_text=True)
    assert re.findall(r">(YJ-\d{8}-\d{6})</a>", every) == asked[::-1]
    # The export lists them as the page does.
    rows = list(_workbook(admin.get("/console/appointments/export.xlsx"))["约见清单"].values)[1:]
    assert [row[0] for row in rows] == asked
