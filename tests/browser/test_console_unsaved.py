"""Leaving a console page with words typed and not sent asks first (static/console/unsaved.js): the pages
are never kept by the browser, so going back or following a link would lose them. Sending the form, a
search box, and a change typed and undone leave without a question."""
from playwright.sync_api import expect

from ..test_suggestions import file, world  # noqa: F401  (fixture)
from .test_console_activities import sign_in


def leave_asking(page, leave):
    """Does ``leave()`` (a click that navigates) make the browser ask before the page is left? Its question
    is declined (the page stays); a page's own question in its words (确定……吗？) is agreed to."""
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss() if dialog.type == "beforeunload" else dialog.accept()

    page.on("dialog", answer)
    leave()
    page.wait_for_timeout(300)  # a question, had there been one, is asked by now
    page.remove_listener("dialog", answer)
    return "beforeunload" in asked


def test_a_reason_typed_and_not_sent_is_asked_about_before_the_page_is_left(desktop, live_server, factory,
                                                                             world, external_requests):  # noqa: F811
    created = file(factory.client, world["citizen"], world["station_code"], content="城北菜市场门口积水严重，雨天无法通行。")
    assert created.status_code == 201, created.json
    page = desktop
    sign_in(page, live_server, "chengbei")
    page.goto(f"{live_server}/console/suggestions/{created.json['id']}")
    reason = page.locator("textarea[name=reason]").first
    reason.click()
    page.keyboard.type("属于物业合同纠纷")

    # A link in the menu, and the browser's back button: each asks; declined, the words are still there.
    assert leave_asking(page, lambda: page.get_by_role("link", name="活动", exact=True).click())
    expect(page).to_have_url(f"{live_server}/console/suggestions/{created.json['id']}")
    assert leave_asking(page, lambda: page.evaluate("history.back()"))
    expect(reason).to_have_value("属于物业合同纠纷")

    # Typed and rubbed out again: nothing is lost, nothing asked.
    reason.fill("")
    assert not leave_asking(page, lambda: page.get_by_role("link", name="活动", exact=True).click())
    expect(page.locator("h1")).to_contain_text("履职活动")


def test_sending_the_form_or_leaving_a_search_box_asks_nothing(desktop, live_server, factory, world,  # noqa: F811
                                                              external_requests):
    created = file(factory.client, world["citizen"], world["station_code"], content="城北菜市场门口积水严重，雨天无法通行。")
    page = desktop
    sign_in(page, live_server, "chengbei")
    page.goto(f"{live_server}/console/suggestions/{created.json['id']}")
    page.locator("textarea[name=reason]").first.click()
    page.keyboard.type("属于物业合同纠纷")
    # 不予受理 asks to be sure, in its own words; the browser asks nothing more.
    assert not leave_asking(page, lambda: page.locator("button:has-text('不予受理')").first.click())
    expect(page.locator(".flash-success")).to_be_visible()

    page.goto(f"{live_server}/console/suggestions")
    page.get_by_label("编号、内容或联系电话").click()
    page.keyboard.type("积水")
    assert not leave_asking(page, lambda: page.get_by_role("link", name="活动", exact=True).click())
    expect(page.locator("h1")).to_contain_text("履职活动")
    assert external_requests == []
