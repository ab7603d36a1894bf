"""Every console export downloads under its Chinese name (RFC 5987 ``filename*``) and, for a client that
reads only ``filename``, under a meaningful ASCII one: never "-20261129.xlsx"."""
import re
from datetime import datetime
from urllib.parse import unquote

import pytest

from backend.db_types import CHINA

from . import test_console_org_activities, test_training
from .test_console_org_activities import sign_in

world = test_console_org_activities.world  # the fixture: 鹤城区's station and deputies, 怀化市's administrator
city = test_training.city  # the fixture: 怀化市's deputies, some trained


def filenames(response):
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    fallback = re.search(r"filename=([^;]+)", disposition).group(1)
    return fallback, unquote(re.search(r"filename\*=UTF-8''([^;]+)", disposition).group(1))


@pytest.mark.parametrize("path, ascii_name, name", [
    ("/console/suggestions/export.xlsx", "suggestions-{today}", "建议清单-{today}"),
    ("/console/appointments/export.xlsx", "appointments-{today}", "约见清单-{today}"),
    ("/console/stats/export.xlsx", "statistics-{today}", "建议统计-{today}"),
    ("/console/leaderboard/export.xlsx", "leaderboard-{year}-{today}", "履职积分排行-{year}-{today}"),
    ("/console/evaluations/export.xlsx", "evaluations-{year}-{today}", "履职评价-{year}-{today}"),
    ("/console/liaisons/export.xlsx", "liaisons-{year}-{today}", "联系清单-{year}-{today}"),
    ("/console/research/export.xlsx", "research-{year}-{today}", "调研清单-{year}-{today}"),
    ("/console/audit/export.xlsx", "audit-log-{today}", "操作日志-{today}"),
])
def test_an_export_has_a_meaningful_ascii_fallback_name(app, world, path, ascii_name, name):  # noqa: F811
    now = datetime.now(CHINA)
    values = {"today": now.strftime("%Y%m%d"), "year": now.year}
    assert filenames(sign_in(app, "huaihua").get(path)) == (
        ascii_name.format(**values) + ".xlsx", name.format(**values) + ".xlsx")


def test_the_untrained_export_is_named_by_its_period_and_dated_once(app, city):  # noqa: F811
    huaihua, region = sign_in(app, "huaihua"), city["tree"]["hh"].id
    today = datetime.now(CHINA).strftime("%Y%m%d")
    response = huaihua.get("/console/training/untrained.xlsx", query_string={
        "region_id": region, "since": "2026-01-01", "until": "2026-06-30"})
    assert filenames(response) == (f"untrained-20260101-20260630-{today}.xlsx", f"未参训代表-20260101至20260630-{today}.xlsx")
    # A period ending today (the page's default) is named from its start: the day is not written twice.
    response = huaihua.get("/console/training/untrained.xlsx", query_string={
        "region_id": region, "since": "2026-01-01", "until": datetime.now(CHINA).date().isoformat()})
    assert filenames(response) == (f"untrained-20260101-{today}.xlsx", f"未参训代表-20260101起-{today}.xlsx")
