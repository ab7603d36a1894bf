"""In a real browser: every console form marked as asking first (data-confirm) asks, whichever page it is on,
and declining the question leaves everything as it was."""
import re
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from backend.auth.models import User
from backend.extensions import db
from backend.points.models import PointCorrection
from backend.research.models import ResearchTopic

from .test_console_activities import sign_in

TEMPLATES = Path(__file__).resolve().parents[2] / "backend" / "templates" / "console"


def declined(page):
    """Declines the next question the page asks; returns the list its words go to."""
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    return questions


def topic_status(app, title):
    with app.app_context():
        topic = db.session.scalars(select(ResearchTopic).where(ResearchTopic.title == title)).one_or_none()
        return topic.status.value if topic else None


def test_deleting_a_draft_topic_and_withdrawing_a_published_one_ask_first(desktop, live_server, app, factory):
    tree = factory.tree()
    factory.admin("huaihua", region=tree["hh"])
    page = desktop
    sign_in(page, live_server, "huaihua")
    page.goto(f"{live_server}/console/research")
    form = page.locator("#research-new")
    form.locator("input[name=title]").fill("老旧小区改造调研")
    form.locator("input[name=theme]").fill("城市更新")
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text("草稿")
    expect(page.locator("h1")).to_contain_text("老旧小区改造调研")

    questions = declined(page)
    page.click("button:has-text('删除草稿')")
    expect(page.locator("button:has-text('删除草稿')")).to_be_enabled()
    assert questions == ["确定删除这个课题草稿吗？"]
    page.reload()
    expect(page.locator("h1")).to_contain_text("草稿")
    assert topic_status(app, "老旧小区改造调研") == "draft"

    page.click("button:has-text('发布课题')")
    expect(page.locator(".flash-success")).to_contain_text("已发布课题")
    questions = declined(page)
    page.click("button:has-text('撤回课题')")
    expect(page.locator("button:has-text('撤回课题')")).to_be_enabled()
    assert questions == ["确定撤回这个课题吗？撤回后代表不能再领题。"]
    assert topic_status(app, "老旧小区改造调研") == "published"

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('撤回课题')")
    expect(page.locator(".flash-success")).to_contain_text("已撤回课题")
    assert topic_status(app, "老旧小区改造调研") == "withdrawn"


def test_every_console_page_loads_the_script_that_asks():
    """The confirmation (data-confirm) and one-click (data-once) handler comes with the console's base
    template, so no page that marks a form can go without it."""
    base = (TEMPLATES / "base.html").read_text()
    assert "console/forms.js" in base
    for template in TEMPLATES.glob("*.html"):
        source = template.read_text()
        if re.search(r"data-(confirm|once)\b", source) and template.name != "base.html":
            assert '{% extends "console/base.html" %}' in source or "{% macro" in source, template.name


def test_a_points_correction_asks_first_naming_the_deputy_the_points_and_the_reason(desktop, live_server, app, factory):
    tree = factory.tree()
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000101")
    factory.admin("huaihua", region=tree["hh"])
    page = desktop
    sign_in(page, live_server, "huaihua")
    page.goto(f"{live_server}/console/deputies/{zhang.id}/archive")
    page.fill("input[name=points]", "-3")
    page.fill("input[name=reason]", "接待活动提前离开")

    questions = declined(page)
    page.click("button:has-text('记入更正')")
    expect(page.locator("button:has-text('记入更正')")).to_be_enabled()
    assert questions == ["将为张伟记入 -3 分（原因：接待活动提前离开），公开的积分排行随之变化，只能再记一笔相反的更正来抵消。确定记入吗？"]
    with app.app_context():
        assert db.session.scalars(select(PointCorrection)).all() == []

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('记入更正')")
    expect(page.locator(".flash-success")).to_be_visible()
    with app.app_context():
        assert [(c.points, c.reason) for c in db.session.scalars(select(PointCorrection))] == [(-3, "接待活动提前离开")]


def test_resetting_another_administrators_password_asks_first(desktop, live_server, app, factory):
    tree = factory.tree()
    factory.admin("huaihua", region=tree["hh"])
    other = factory.admin("hecheng", region=tree["hc"])
    with app.app_context():
        hash_before = db.session.get(User, other.id).password_hash
    page = desktop
    sign_in(page, live_server, "huaihua")
    page.goto(f"{live_server}/console/admins/{other.id}")
    form = page.locator("#admin-password")
    form.locator("input[type=password]").nth(0).fill("newpass-2026")
    form.locator("input[type=password]").nth(1).fill("newpass-2026")

    questions = declined(page)
    form.locator("button[type=submit]").click()
    expect(form.locator("button[type=submit]")).to_be_enabled()
    assert questions == ["确定重置账号“hecheng”的密码吗？重置后其所有登录立即失效，绑定的微信随之解除。"]
    with app.app_context():
        assert db.session.get(User, other.id).password_hash == hash_before
