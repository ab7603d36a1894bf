"""A region administrator sets up a new station in a real browser: the form, its printed code as an
image the page's security policy lets through, and replacing the code after confirming."""
import requests

from .conftest import drawn_width


def sign_in(page, base_url, username, password):
    page.goto(f"{base_url}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def fetch(page, url):
    """``url`` with the page's session cookie, as the signed-in administrator."""
    return requests.get(url, timeout=10, cookies={c["name"]: c["value"] for c in page.context.cookies()})


def test_new_station_gets_a_code_that_can_be_replaced(desktop, live_server, factory, external_requests):
    tree = factory.tree()
    factory.admin("huaihua", "s3cret-pass", region=tree["hh"])
    sign_in(desktop, live_server, "huaihua", "s3cret-pass")

    desktop.click("nav >> text=联络站")
    desktop.click("text=新建联络站")
    desktop.fill("input[name=name]", "迎丰联络站")
    desktop.select_option("select[name=kind]", "home")
    desktop.select_option("select[name=region_id]", str(tree["hc"].id))
    desktop.fill("input[name=address]", "迎丰路 8 号")
    desktop.click("button:has-text('新建联络站')")

    assert "已新建联络站“迎丰联络站”" in desktop.locator(".flash").inner_text()
    image = desktop.locator(".qr-card img.qr-preview")
    assert drawn_width(image) >= 200  # drawn, not blocked by the CSP
    first = image.get_attribute("src")
    code_before = fetch(desktop, f"{live_server}{first}").content

    questions = []
    desktop.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    desktop.click("button:has-text('更换二维码')")
    assert "旧二维码和已张贴的海报立即失效" in questions[0]
    assert "已为联络站“迎丰联络站”生成新的二维码" in desktop.locator(".flash").inner_text()
    code_after = fetch(desktop, f"{live_server}{first}").content
    assert code_after != code_before  # the same address now draws the new code

    # Declining the confirmation withdraws nothing.
    desktop.once("dialog", lambda dialog: dialog.dismiss())
    desktop.click("button:has-text('停用二维码')")
    desktop.wait_for_timeout(300)
    assert fetch(desktop, f"{live_server}{first}").status_code == 200  # still a live code to draw
    # Confirming does.
    desktop.once("dialog", lambda dialog: dialog.accept())
    desktop.click("button:has-text('停用二维码')")
    assert "已停用联络站“迎丰联络站”的二维码" in desktop.locator(".flash").inner_text()
    assert fetch(desktop, f"{live_server}{first}").status_code == 404
    assert desktop.locator("button:has-text('生成新二维码')").count() == 1
    assert external_requests == []


def test_unticking_in_office_asks_before_the_deputy_leaves_office(desktop, live_server, factory, external_requests):
    """Unticking 在任 and saving stops the deputy's printed code for good (a new code means new posters):
    it asks first, as 停用二维码 does; it used to save at once."""
    from backend.extensions import db
    from backend.org.models import Deputy

    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000101", stations=[station])
    code = zhang.qr_code
    factory.admin("chengbei", "s3cret-pass", stations=[station])
    sign_in(desktop, live_server, "chengbei", "s3cret-pass")
    questions, answer = [], {"accept": False}
    desktop.on("dialog", lambda dialog: (questions.append(dialog.message),
                                         dialog.accept() if answer["accept"] else dialog.dismiss()))

    desktop.goto(f"{live_server}/console/deputies/{zhang.id}")
    desktop.fill("input[name=group]", "第一代表小组")
    desktop.click("button:has-text('保存')")  # still in office: nothing to ask
    assert "已保存代表“张伟”的信息" in desktop.locator(".flash").inner_text()
    assert questions == []

    desktop.uncheck("input[name=active]")
    desktop.click("button:has-text('保存')")  # declined: nothing is posted
    assert questions and "二维码立即停用" in questions[0] and "需重新打印海报" in questions[0]
    assert desktop.locator("button:has-text('保存')").is_enabled()  # the form can still be saved
    db.session.expire_all()
    kept = db.session.get(Deputy, zhang.id)
    assert kept.active is True and kept.qr_code == code

    answer["accept"] = True
    desktop.click("button:has-text('保存')")
    assert "已保存代表“张伟”的信息" in desktop.locator(".flash").inner_text()
    db.session.expire_all()
    left = db.session.get(Deputy, zhang.id)
    assert left.active is False and left.qr_code is None
    assert external_requests == []
