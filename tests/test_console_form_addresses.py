"""A form's address opened as a page (after a refused form the address bar holds it; reloading it, copying it
into a new tab or bookmarking it): the page the form is on, not 页面不存在."""
from .test_console_org_activities import huaihua, world  # noqa: F401


def test_a_forms_address_opened_as_a_page_goes_to_the_page_the_form_is_on(huaihua, world):  # noqa: F811
    zhang = world["zhang"]
    for address, page in (
        ("/console/grade-bands", "/console/rules"),
        (f"/console/deputies/{zhang.id}/points/corrections", f"/console/deputies/{zhang.id}/archive"),
        ("/console/suggestions/1/dispatch", "/console/suggestions/1"),
        ("/console/suggestions/1/merge", "/console/suggestions/1"),
        ("/console/appointments/1/confirm", "/console/appointments/1"),
        ("/console/activities/8/close", "/console/activities/8"),
        ("/console/workdays/remove", "/console/workdays"),
    ):
        opened = huaihua.get(address)
        assert opened.status_code == 302 and opened.headers["Location"] == page, address


def test_an_address_that_is_no_page_at_all_is_still_not_found(huaihua):  # noqa: F811
    missing = huaihua.get("/console/no-such-page")
    assert missing.status_code == 404 and "您要找的页面不存在" in missing.get_data(as_text=True)
