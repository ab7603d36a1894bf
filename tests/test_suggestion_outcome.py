"""落实: the deputy's reply records whether the problem was solved; 落实率 counts it over closed items."""
import re

from .factories import screen
from .test_suggestions import file, step, world  # noqa: F401  (fixture)


def answered(client, world, implemented, satisfaction="satisfied", public_consent=False):  # noqa: F811
    """An item filed through 张伟's code, answered with ``implemented`` and rated: its final answer."""
    item_id = file(client, world["citizen"], world["deputy_code"], public_consent=public_consent).json["id"]
    assert step(client, world["zhang_h"], item_id, "accept").status_code == 200
    body = {"content": "已联系城管局，路灯已修好。"}
    if implemented is not None:
        body["implemented"] = implemented
    replied = step(client, world["zhang_h"], item_id, "reply", **body)
    assert replied.status_code == 200, replied.json
    return step(client, world["citizen"], item_id, "rate", satisfaction=satisfaction).json


def test_the_reply_records_the_outcome_and_everyone_concerned_reads_it(client, world):  # noqa: F811
    item = answered(client, world, True)
    assert (item["status"], item["implemented"], item["implemented_label"]) == ("closed", True, "已落实")
    for viewer in ("zhang_h", "admin"):
        shown = client.get(f"/api/v1/suggestions/{item['id']}", headers=world[viewer]).json
        assert (shown["implemented"], shown["implemented_label"]) == (True, "已落实")

    explained = answered(client, world, False)
    assert (explained["implemented"], explained["implemented_label"]) == (False, "未落实，已答复说明")
    silent = answered(client, world, None)
    assert (silent["implemented"], silent["implemented_label"]) == (None, None)


def test_a_bad_outcome_is_refused_by_name_and_changes_nothing(client, world):  # noqa: F811
    item_id = file(client, world["citizen"], world["deputy_code"]).json["id"]
    step(client, world["zhang_h"], item_id, "accept")
    refused = step(client, world["zhang_h"], item_id, "reply", content="已处理。", implemented="也许")
    assert refused.status_code == 422
    assert refused.json["errors"] == {"implemented": ["应为布尔值（true 或 false）。"]}
    shown = client.get(f"/api/v1/suggestions/{item_id}", headers=world["zhang_h"]).json
    assert (shown["status"], shown["reply_content"], shown["implemented"]) == ("accepted", None, None)


def test_a_dissatisfied_rating_forgets_the_rounds_outcome(client, world):  # noqa: F811
    """不满意 sends the item round again: the next reply states its own outcome."""
    reopened = answered(client, world, True, satisfaction="dissatisfied")
    assert (reopened["status"], reopened["implemented"], reopened["reply_content"]) == ("accepted", None, None)
    again = step(client, world["zhang_h"], reopened["id"], "reply", content="已再次协调，正在施工。", implemented=False)
    assert again.json["implemented"] is False


def test_implementation_rate_counts_implemented_replies_over_closed_items(client, world):  # noqa: F811
    answered(client, world, True)
    answered(client, world, False)
    answered(client, world, None)
    file(client, world["citizen"], world["deputy_code"])  # open: not in the denominator
    stats = client.get("/api/v1/stats/suggestions", headers=world["admin"]).json
    assert (stats["implemented"], stats["denominators"]["closed"]) == (1, 3)
    assert stats["implementation_rate"] == round(1 / 3, 4)

    empty = client.get("/api/v1/stats/suggestions", headers=world["other_admin"]).json
    assert empty["implementation_rate"] is None  # nothing closed: no rate, not 0 %


def test_public_pages_show_the_outcome_beside_the_answer(client, app, world):  # noqa: F811
    item = answered(client, world, True, public_consent=True)
    screen(app)
    listed = client.get(f"/api/v1/public/suggestions?station_id={world['station'].id}").json["items"]
    assert [(i["number"], i["implemented_label"]) for i in listed] == [(item["number"], "已落实")]
    html = client.get(f"/public/stations/{world['station'].id}").get_data(as_text=True)
    assert "办理结果：<strong>已落实</strong>" in html
    stats = client.get("/public/stats").get_data(as_text=True)
    assert re.search(r"100.0%</span><span class=\"tile-label\">落实率", stats)


def test_the_console_shows_the_outcome_and_the_rate(app, client, world):  # noqa: F811
    from .test_console_suggestions import _workbook, console_login

    item = answered(client, world, True)
    answered(client, world, None)
    admin = console_login(app, "chengbei")
    detail = admin.get(f"/console/suggestions/{item['id']}").get_data(as_text=True)
    assert "办理结果：<strong>已落实</strong>" in detail
    dashboard = admin.get("/console/").get_data(as_text=True)
    rate = re.search(r'id="rate-implementation_rate">(.*?)</div>', dashboard, re.S).group(1)
    assert "落实率" in rate and "50.0%" in rate and "答复已落实 1 ÷ 已办结 2" in rate
    summary = {row[0]: row[1] for row in _workbook(admin.get("/console/stats/export.xlsx"))["总体指标"].values}
    assert (summary["已落实数"], summary["落实率"]) == (1, "50.0%")


def test_the_deputys_archive_counts_implemented_items(client, world):  # noqa: F811
    import io

    from openpyxl import load_workbook

    answered(client, world, True)
    answered(client, world, False)
    zhang = world["zhang"].id
    archive = client.get(f"/api/v1/deputies/{zhang}/archive", headers=world["zhang_h"]).json
    assert (archive["suggestions"]["closed"], archive["suggestions"]["closed_implemented"]) == (2, 1)
    sheet = load_workbook(io.BytesIO(client.get(f"/api/v1/deputies/{zhang}/archive?format=xlsx",
                                                headers=world["zhang_h"]).data)).active
    rows = list(sheet.values)
    header = next(i for i, row in enumerate(rows) if row and row[0] == "办结")  # 本年度办结的建议
    figures = dict(zip(rows[header], rows[header + 1]))
    assert (figures["办结"], figures["已落实"]) == (2, 1)
