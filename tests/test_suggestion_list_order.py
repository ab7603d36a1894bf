"""The lists' order (sort=) and search (q=) through the API: a deputy's inbox 按期限, an item found by the
number a citizen reads out on the phone — never someone else's item."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, text, update

from backend.db_types import utcnow
from backend.extensions import db
from backend.suggestions import listing
from backend.suggestions.models import Suggestion

from .factories import sent_statements
from .test_bad_input import assert_contract_error
from .test_console_suggestions import console_login
from .test_scale_queries import _plan
from .test_suggestions import file, step, world  # noqa: F401  (fixture)

LIST = "/api/v1/suggestions"


def _set(app, item_id, **values):
    with app.app_context():
        db.session.execute(update(Suggestion).where(Suggestion.id == item_id).values(**values))
        db.session.commit()


@pytest.fixture
def inbox(app, client, world):  # noqa: F811
    """Six items the citizen filed through 张伟's code, in this order, at every stage: closed (办结), being
    handled with its reply due in an hour, to be accepted within a day, replied, overdue to be accepted,
    forwarded with its reply due at the very same time as the one being handled. And an item of another
    citizen at the station, waiting for dispatch."""
    contents = {
        "closed": "广告牌太多，影响市容。", "handled": "公交站台没有遮雨棚。", "to_accept": "小区门口路灯坏了一个月。",
        "replied": "城北菜市场门口积水严重。", "overdue": "幸福路的井盖松动，车一压就响。",
        "forwarded": "学校门口早晚高峰拥堵。",
    }
    items = {}
    for name, content in contents.items():
        filed = file(client, world["citizen"], world["deputy_code"], content=content)
        assert filed.status_code == 201, filed.json
        items[name] = filed.json
    zhang = world["zhang_h"]
    for name in ("closed", "handled", "replied", "forwarded"):
        assert step(client, zhang, items[name]["id"], "accept").status_code == 200
    for name in ("closed", "replied"):
        assert step(client, zhang, items[name]["id"], "reply", content="已修复").status_code == 200
    assert step(client, world["citizen"], items["closed"]["id"], "rate", satisfaction="satisfied").status_code == 200
    assert step(client, zhang, items["forwarded"]["id"], "forward", target="hotline_12345", note="转 12345").status_code == 200
    other = file(client, world["stranger"], world["station_code"], content="楼道灯不亮，老人上下楼不方便。")
    assert other.status_code == 201, other.json
    items["other"] = other.json
    now = utcnow()
    _set(app, items["overdue"]["id"], accept_due_dt=now - timedelta(hours=3), overdue=True)
    _set(app, items["to_accept"]["id"], accept_due_dt=now + timedelta(hours=20))
    for name in ("handled", "forwarded"):
        _set(app, items[name]["id"], reply_due_dt=now + timedelta(hours=1))
    return items


def _listed(client, headers, query):
    response = client.get(f"{LIST}?{query}", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def _names(items, page):
    by_id = {item["id"]: name for name, item in items.items()}
    return [by_id[item["id"]] for item in page["items"]]


FILED = ["closed", "handled", "to_accept", "replied", "overdue", "forwarded"]
# 按期限: the running deadlines first (to accept, to reply; the tie by filing), then the open items without
# one (replied), then the finished.
DUE = ["overdue", "handled", "forwarded", "to_accept", "replied", "closed"]


def test_a_deputy_and_a_citizen_order_their_lists_newest_first_by_deadline_or_earliest_first(client, world, inbox):
    for headers, scope in ((world["zhang_h"], "assigned"), (world["citizen"], "mine")):
        newest = _listed(client, headers, f"scope={scope}")
        assert _names(inbox, newest) == FILED[::-1]
        assert _names(inbox, _listed(client, headers, f"scope={scope}&sort=newest")) == FILED[::-1]
        assert _names(inbox, _listed(client, headers, f"scope={scope}&sort=oldest")) == FILED
        by_deadline = _listed(client, headers, f"scope={scope}&sort=due")
        assert _names(inbox, by_deadline) == DUE and by_deadline["total"] == 6  # an order is no filter
    # Page by page, the order holds and nothing is shown twice.
    pages = [_listed(client, world["zhang_h"], f"scope=assigned&sort=due&per_page=4&page={page}") for page in (1, 2)]
    assert _names(inbox, pages[0]) + _names(inbox, pages[1]) == DUE
    # An order goes with the filters: the open items of the station, waiting for dispatch among them.
    station = _listed(client, world["admin"], "scope=station&sort=due&overdue=false")
    assert _names(inbox, station) == ["handled", "forwarded", "to_accept", "other", "replied", "closed"]


def test_an_item_waiting_for_dispatch_is_due_by_its_dispatch_limit_and_one_without_a_limit_by_filing(
        app, client, world, inbox):
    """按期限 orders each item by the deadline its status runs: 待分派 by its 分派时限, among the 接单 and 答复 limits
    (due in two hours, it comes before the item to be accepted within the day); one waiting with no limit (filed
    before the limit, or with it switched off) after them, by filing, as an answered item."""
    now = utcnow()
    _set(app, inbox["other"]["id"], dispatch_due_dt=now + timedelta(hours=2))
    station = _listed(client, world["admin"], "scope=station&sort=due")
    assert _names(inbox, station) == ["overdue", "handled", "forwarded", "other", "to_accept", "replied", "closed"]
    _set(app, inbox["other"]["id"], dispatch_due_dt=now - timedelta(hours=5))  # past it, before the late 接单
    assert _names(inbox, _listed(client, world["admin"], "scope=station&sort=due"))[:2] == ["other", "overdue"]
    _set(app, inbox["other"]["id"], dispatch_due_dt=None)
    assert _names(inbox, _listed(client, world["admin"], "scope=station&sort=due")) == [
        "overdue", "handled", "forwarded", "to_accept", "replied", "other", "closed"]
    console = console_login(app, "chengbei").get("/console/suggestions?sort=due").get_data(as_text=True)
    assert console.index(inbox["to_accept"]["number"]) < console.index(inbox["other"]["number"])
    _set(app, inbox["other"]["id"], dispatch_due_dt=now + timedelta(hours=2))
    console = console_login(app, "chengbei").get("/console/suggestions?sort=due").get_data(as_text=True)
    assert console.index(inbox["other"]["number"]) < console.index(inbox["to_accept"]["number"])


def test_a_bad_order_or_search_is_refused_in_chinese(client, world, inbox):
    for query, field, message in (
        ("sort=deadline", "sort", "排序方式应为 newest（最新提交）、due（按期限）、oldest（最早提交）。"),
        ("q=" + "路" * 51, "q", "长度不能超过 50 个字符。"),
        ("q=a%00b", "q", "文本包含无法识别的字符。"),
    ):
        response = client.get(f"{LIST}?scope=assigned&{query}", headers=world["zhang_h"])
        assert_contract_error(response, 422, "validation_failed", field)
        assert response.json["errors"][field] == [message], query


def test_the_search_finds_an_item_by_its_number_as_read_out_or_by_its_words(client, world, inbox):
    number = inbox["handled"]["number"]  # MSB-20261127-000123
    digits = number.replace("MSB-", "").replace("-", "")
    full_width = number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789-MSB"})  # ＭＳＢ－２０２６…
    spellings = [number, number.lower(), digits, f"MSB {digits[:8]} {digits[8:]}", full_width,
                 number[-3:], number[-6:], f"%20{number[-4:]}%20"]
    for headers, scope in ((world["zhang_h"], "assigned"), (world["citizen"], "mine"), (world["admin"], "station")):
        for typed in spellings:
            found = _listed(client, headers, f"scope={scope}&q={typed}")
            assert (_names(inbox, found), found["total"]) == (["handled"], 1), (scope, typed)
    words = _listed(client, world["citizen"], "scope=mine&q=井盖")
    assert _names(inbox, words) == ["overdue"]
    # Words and an order together; a blank search is no search; "%" and "_" are what they are, not wildcards.
    for words in ("门口", "%E9%97%A8%E5%8F%A3"):
        assert _names(inbox, _listed(client, world["zhang_h"], f"scope=assigned&sort=due&q={words}")) == \
            ["forwarded", "to_accept", "replied"]
    assert _names(inbox, _listed(client, world["zhang_h"], "scope=assigned&q=%20%20")) == FILED[::-1]
    for wildcard in ("%25", "_", "12"):  # two digits are too few for a number: words, found in none
        assert _listed(client, world["zhang_h"], f"scope=assigned&q={wildcard}")["total"] == 0, wildcard


def test_nobody_finds_an_item_outside_their_list(client, world, inbox):
    """The search narrows the caller's list: another citizen's number, whole or its tail, or their words,
    find nothing — for a citizen, a deputy it is not assigned to, an administrator of another region."""
    mine, theirs = inbox["handled"], inbox["other"]
    for headers, scope, typed in (
        (world["stranger"], "mine", mine["number"]),
        (world["stranger"], "mine", mine["number"][-4:]),
        (world["stranger"], "all", mine["number"]),
        (world["stranger"], "mine", "遮雨棚"),
        (world["citizen"], "mine", theirs["number"]),
        (world["citizen"], "all", "楼道灯"),
        (world["li_h"], "assigned", mine["number"]),
        (world["li_h"], "all", mine["number"][-3:]),
        (world["zhang_h"], "assigned", theirs["number"]),
        (world["other_admin"], "station", mine["number"]),
    ):
        found = _listed(client, headers, f"scope={scope}&q={typed}")
        assert (found["items"], found["total"]) == ([], 0), (scope, typed)
    # The other citizen finds their own.
    assert _names(inbox, _listed(client, world["stranger"], f"scope=mine&q={theirs['number'][-3:]}")) == ["other"]


def test_an_order_or_a_search_is_a_statement_built_once_and_read_in_two(app, client, world, inbox):
    """A sorted or searched list is still the caller and its page; another number or other words reuse the
    statement built for the first (each request only binds its values)."""
    queries = [f"sort=due&q={inbox['handled']['number']}", "sort=oldest&q=门口", "sort=due"]
    for query in queries:
        with sent_statements(app) as sent:
            _listed(client, world["zhang_h"], f"scope=assigned&{query}")
        assert len(sent) == 2, (query, sent)
    built = listing._list_statements.cache_info().currsize
    for query in (f"sort=due&q={inbox['to_accept']['number'][-4:]}", "sort=oldest&q=井盖", "sort=due"):
        _listed(client, world["zhang_h"], f"scope=assigned&{query}")
    assert listing._list_statements.cache_info().currsize == built


def test_a_deputys_inbox_by_deadline_reads_the_first_of_their_entries_in_its_index(app, client, world, inbox):
    """按期限, a deputy's page is the first entries of theirs in ix_suggestions_deputy_inbox_due (migration
    0022), not a sort of every item they were ever given (which grew with the table), nor a walk of all items."""
    with app.app_context():
        engine = db.engine
    sent = []

    def note(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    try:
        assert _names(inbox, _listed(client, world["zhang_h"], "scope=assigned&sort=due")) == DUE
    finally:
        event.remove(engine, "before_cursor_execute", note)
    (page,) = [(statement, parameters) for statement, parameters in sent if "LIMIT" in statement]
    # On PostgreSQL, a region's 按期限 index (by deadline, then filtered by deputy) would serve a table of a
    # few items as well, and was chosen or not by what earlier tests left in the statistics: without it,
    # what is left to avoid a sort must be the deputy's own.
    plan = _plan(app, *page, ("enable_seqscan", "enable_sort"), ("ix_suggestions_deadline_order",)).splitlines()
    if plan[0].startswith("MATERIALIZE page_ids"):  # SQLite: the page's ids, then the rows they join
        page_ids = plan[1:plan.index("SCAN page_ids")]
        assert page_ids == ["SEARCH suggestions USING INDEX ix_suggestions_deputy_inbox_due (deputy_id=?)"], plan
    else:  # PostgreSQL: the page's LIMIT reads the index, with no sort between them
        limit = next(n for n, line in enumerate(plan) if line.strip().startswith("->  Limit"))
        assert re.search(r"Index (Only )?Scan using ix_suggestions_deputy_inbox_due", plan[limit + 1]), "\n".join(plan)
        # ... and can read the ids from the index alone: otherwise the prepared statement's generic plan,
        # priced for an unknown OFFSET, looked dearer than planning anew, which PostgreSQL did every time.
        with app.app_context():
            definition = db.session.scalar(text("SELECT pg_get_indexdef('ix_suggestions_deputy_inbox_due'::regclass)"))
        assert "INCLUDE (status, dispatch_due_dt, accept_due_dt, reply_due_dt, created_dt)" in definition, definition
