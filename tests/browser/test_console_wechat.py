"""A station administrator links their WeChat in the console (微信提醒) in a real browser: the code
shows as an image the page's security policy lets through, and as text; the link shows at once."""
import requests

from .conftest import drawn_width


def test_admin_generates_a_link_code_sees_it_linked_and_unlinks(desktop, live_server, factory, external_requests):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站")
    factory.admin("chengbei", "s3cret-pass", stations=[station])
    desktop.goto(f"{live_server}/console/login")
    desktop.fill("input[name=username]", "chengbei")
    desktop.fill("input[name=password]", "s3cret-pass")
    desktop.click("button[type=submit]")

    desktop.click("nav >> text=微信提醒")
    assert "尚未绑定微信" in desktop.locator("#link-status").inner_text()
    desktop.click("text=生成绑定码")
    image = desktop.locator("#link-code img.link-code")
    assert drawn_width(image) >= 200  # drawn, not blocked by the CSP
    code = desktop.locator("#link-code strong.code").inner_text()
    assert len(code) == 14 and code.count("-") == 2

    phone = requests.post(f"{live_server}/api/v1/auth/wechat", json={"code": "admin-wang"}, timeout=10).json()
    linked = requests.post(f"{live_server}/api/v1/me/admin-link", json={"code": code}, timeout=10,
                           headers={"Authorization": f"Bearer {phone['token']}"})
    assert linked.status_code == 200

    desktop.click("nav >> text=微信提醒")
    assert "已绑定微信" in desktop.locator("#link-status").inner_text()
    desktop.click("text=解除绑定")
    assert "已解除微信绑定" in desktop.locator(".flash").inner_text()
    assert "尚未绑定微信" in desktop.locator("#link-status").inner_text()
    assert external_requests == []
