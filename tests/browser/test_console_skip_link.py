"""In a real browser: a keyboard user's first Tab on a console page reaches 跳到主要内容, which takes them past
the navigation's twenty links to the page's own content."""
from playwright.sync_api import expect

from .test_console_activities import sign_in


def test_the_first_tab_offers_to_skip_the_navigation(desktop, live_server, factory):
    tree = factory.tree()
    factory.admin("huaihua", region=tree["hh"])
    page = desktop
    sign_in(page, live_server, "huaihua")
    page.goto(f"{live_server}/console/leaderboard")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("跳到主要内容")
    expect(skip).to_be_visible()  # shown once it has the focus
    page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_attribute("id", "main")
    page.keyboard.press("Tab")  # the next stop is in the page, not the navigation
    assert page.evaluate("document.activeElement.closest('header') === null")
