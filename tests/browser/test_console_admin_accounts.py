"""管理员账号 in a real browser: a region administrator opens the page from the navigation, makes a station
administrator of two stations, who signs in; then disables the account after confirming, and the new
administrator's open console ends. And 修改密码 from beside 退出."""
from playwright.sync_api import expect

from .test_console_activities import sign_in


def test_a_region_admin_makes_and_disables_a_station_admin(browser, desktop, live_server, factory, external_requests):
    tree = factory.tree()
    chengbei = factory.station(tree["hc"], "城北联络站")
    factory.station(tree["hc"], "城南联络站")
    factory.admin("huaihua", region=tree["hh"])
    sign_in(desktop, live_server, "huaihua")

    desktop.click("nav >> text=管理员账号")
    expect(desktop.locator("#admins")).to_contain_text("huaihua")
    desktop.click("a.button:has-text('新建管理员账号')")
    form = desktop.locator("#admin-new")
    form.locator("input[name=username]").fill("chengnan")
    form.locator("input[name=display_name]").fill("王芳")
    form.locator("input[name=password]").fill("first-pass-1")
    form.locator("input[name=password2]").fill("first-pass-1")
    for name in ("城北联络站", "城南联络站"):
        form.locator(f".picker-options label:has-text('{name}') input").check()
    desktop.screenshot(path="/tmp/console-admin-new.png", full_page=True)
    form.locator("button[type=submit]").click()
    expect(desktop.locator(".flash").first).to_contain_text("已新建联络站管理员账号“王芳”（用户名 chengnan）")
    expect(desktop.locator(".card").first).to_contain_text("联络站管理员 · 城北联络站、城南联络站")

    clerk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
    clerk.goto(f"{live_server}/console/login")
    clerk.fill("input[name=username]", "chengnan")
    clerk.fill("input[name=password]", "first-pass-1")
    clerk.click("button[type=submit]")
    expect(clerk.locator("h1")).to_have_text("修改密码")  # an initial password set by someone else is changed first
    clerk.fill("input[name=current_password]", "first-pass-1")
    clerk.fill("input[name=new_password]", "Wangfang#2027")
    clerk.fill("input[name=new_password2]", "Wangfang#2027")
    clerk.click("#own-password button[type=submit]")
    expect(clerk.locator(".who")).to_have_text("王芳")
    expect(clerk.locator("nav")).not_to_contain_text("管理员账号")
    clerk.goto(f"{live_server}/console/stations/{chengbei.id}")
    expect(clerk.locator("h1")).to_contain_text("城北联络站")

    questions = []
    desktop.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    desktop.click("button:has-text('停用账号')")
    expect(desktop.locator(".flash").first).to_contain_text("已停用“王芳”的账号")
    assert questions == ["确定停用该账号吗？停用后其登录随即失效，也不能再登录；其绑定的微信随之解除，启用后须重新绑定。"]
    expect(desktop.locator("#account-state")).to_have_text("已停用")
    desktop.screenshot(path="/tmp/console-admin-edit.png", full_page=True)

    clerk.reload()
    expect(clerk.locator("h1")).to_have_text("管理员登录")
    clerk.fill("input[name=username]", "chengnan")
    clerk.fill("input[name=password]", "Wangfang#2027")
    clerk.click("button[type=submit]")
    expect(clerk.locator("body")).to_contain_text("该账号已停用，无法登录。如需继续使用，请联系上级管理员启用。")
    clerk.context.close()
    assert external_requests == []


def test_an_admin_changes_their_own_password(desktop, live_server, factory):
    tree = factory.tree()
    factory.admin("chengbei", stations=[factory.station(tree["hc"], "城北联络站")])
    sign_in(desktop, live_server, "chengbei")
    desktop.click("text=修改密码")
    desktop.fill("input[name=current_password]", "password123")
    desktop.fill("input[name=new_password]", "brand-new-pass")
    desktop.fill("input[name=new_password2]", "brand-new-pass")
    desktop.click("#own-password button[type=submit]")
    expect(desktop.locator(".flash").first).to_contain_text("密码已修改")
    desktop.click("nav >> text=联络站")
    expect(desktop.locator("h1")).to_have_text("联络站")


def test_the_new_account_form_shows_only_the_choice_its_kind_needs(desktop, live_server, app, factory):
    """联络站管理员: the stations to tick; 区域管理员: the region to choose. The other is hidden and not sent."""
    from backend.auth.models import User
    from backend.extensions import db

    tree = factory.tree()
    factory.station(tree["hc"], "城北联络站")
    factory.admin("huaihua", region=tree["hh"])
    sign_in(desktop, live_server, "huaihua")
    desktop.goto(f"{live_server}/console/admins/new")
    form = desktop.locator("#admin-new")
    stations, region = form.locator("fieldset.station-checklist"), form.locator("select[name=region_id]")
    expect(stations).to_be_visible()
    expect(region).to_be_hidden()

    form.locator(".picker-options label:has-text('城北联络站') input").check()
    form.locator("input[name=kind][value=region]").check()
    expect(stations).to_be_hidden()
    expect(region).to_be_visible()
    region.select_option(str(tree["hc"].id))
    form.locator("input[name=username]").fill("hecheng")
    form.locator("input[name=password]").fill("first-pass-1")
    form.locator("input[name=password2]").fill("first-pass-1")
    form.locator("button[type=submit]").click()
    expect(desktop.locator(".flash").first).to_contain_text("已新建区域管理员账号")
    with app.app_context():
        made = db.session.scalars(db.select(User).where(User.username == "hecheng")).one()
        assert (made.admin_region_id, list(made.admin_stations)) == (tree["hc"].id, [])

    desktop.goto(f"{live_server}/console/admins/new")
    form.locator("input[name=kind][value=region]").check()
    form.locator("input[name=kind][value=station]").check()  # and back
    expect(stations).to_be_visible()
    expect(region).to_be_hidden()
