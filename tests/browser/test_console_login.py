"""An administrator signs in to the console in a real browser; a wrong password says so."""
import re

from playwright.sync_api import expect


def test_admin_signs_in_and_out(desktop, live_server, factory, external_requests):
    tree = factory.tree()
    factory.admin("root", "s3cret-pass", tree["root"])
    desktop.goto(f"{live_server}/console/")
    assert desktop.url.startswith(f"{live_server}/console/login")

    desktop.fill("input[name=username]", "root")
    desktop.fill("input[name=password]", "wrong")
    desktop.click("button[type=submit]")
    expect(desktop.locator(".error")).to_contain_text("用户名或密码错误")

    desktop.fill("input[name=username]", "root")
    desktop.fill("input[name=password]", "s3cret-pass")
    desktop.click("button[type=submit]")
    expect(desktop).to_have_url(re.compile(r"/console/?$"))
    expect(desktop.locator(".who")).to_contain_text("root")

    desktop.click("text=退出")
    expect(desktop).to_have_url(re.compile(r"/console/login"))
    assert external_requests == []


def test_a_refused_sign_in_keeps_the_name_and_says_why_in_chinese(app, desktop, live_server, factory, external_requests):
    """A wrong password keeps the name typed (it was blanked); past the sign-in limit — counted per address,
    which a whole office may share — the sign-in page says so in Chinese (it showed the API's raw JSON)."""
    tree = factory.tree()
    factory.admin("chengbei", "s3cret-pass", tree["root"])
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    try:
        desktop.goto(f"{live_server}/console/login")
        for attempt in range(3):
            desktop.fill("input[name=password]", f"wrong-{attempt}")
            if attempt == 0:
                desktop.fill("input[name=username]", "chengbei")
            with desktop.expect_navigation():  # the refusal is a new page; read it, not the one the form left
                desktop.click("button[type=submit]")
            expect(desktop.locator("input[name=username]")).to_have_value("chengbei")
            expect(desktop.locator("input[name=password]")).to_be_focused()
        expect(desktop.locator("h1")).to_have_text("管理员登录")
        expect(desktop.locator(".error")).to_have_text("登录尝试过于频繁，请稍后再试。")
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "10000 per minute"
    assert external_requests == []
