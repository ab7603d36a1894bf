"""The console's navigation says which section the page is in (aria-current="page"), a detail page under its
section's own; only one item at a time."""
import re

from .test_console_org_activities import huaihua, text, world  # noqa: F401

CURRENT = re.compile(r'<nav>.*?</nav>', re.S)


def current_items(page):
    nav = CURRENT.search(page).group(0)
    return re.findall(r'<a [^>]*aria-current="page"[^>]*>([^<]+)', nav)


def test_the_navigation_marks_the_current_section(huaihua, world):  # noqa: F811
    zhang = world["zhang"]
    for path, section in (("/console/", "首页"), ("/console/leaderboard", "积分排行"), ("/console/suggestions", "建议办理"),
                          (f"/console/deputies/{zhang.id}/archive", "代表"), ("/console/rules", "评分细则"),
                          ("/console/audit", "操作日志")):
        assert current_items(text(huaihua.get(path))) == [section], path
    assert current_items(text(huaihua.get("/console/password"))) == []  # 修改密码 is not in the navigation
