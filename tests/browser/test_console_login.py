"""An administrator signs in to the console in a real browser; a wrong password says so."""


def test_admin_signs_in_and_out(desktop, live_server, factory, external_requests):
    tree = factory.tree()
    factory.admin("root", "s3cret-pass", tree["root"])
    desktop.goto(f"{live_server}/console/")
    assert desktop.url.startswith(f"{live_server}/console/login")

    desktop.fill("input[name=username]", "root")
    desktop.fill("input[name=password]", "wrong")
    desktop.click("button[type=submit]")
    assert "用户名或密码错误" in desktop.locator(".error").inner_text()

    desktop.fill("input[name=username]", "root")
    desktop.fill("input[name=password]", "s3cret-pass")
    desktop.click("button[type=submit]")
    assert desktop.url.rstrip("/").endswith("/console")
    assert "root" in desktop.locator(".who").inner_text()

    desktop.click("text=退出")
    assert "/console/login" in desktop.url
    assert external_requests == []
