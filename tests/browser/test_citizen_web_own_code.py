"""A deputy on their own code's page in a phone browser, typing their registered number as people write it
(+86, spaces, dashes): the number is typed, never verified, so the page files it as anyone's (its answer must
not tell whether a number is the deputy's), and the item is marked as the deputy's own — no 办结/满意 points."""
from playwright.sync_api import expect

from backend.extensions import db
from backend.suggestions.models import Suggestion


def test_a_deputy_typing_their_own_number_on_their_own_codes_page_files_an_item_marked_as_theirs(
        phone, live_server, factory):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", lat=27.56, lng=109.99)
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[station])
    phone.goto(f"{live_server}/q/{zhang.qr_code}")
    expect(phone.locator(".card-title")).to_have_text("向张伟代表提建议")
    phone.select_option("#category", "城市管理")
    phone.fill("#content", "小区门口的路灯坏了一个月，晚上出行很不方便。")
    phone.fill("#contact_phone", "+86 138-0000-0003")
    phone.click("#submit")
    expect(phone.locator("#done")).to_be_visible()
    expect(phone.locator("#form-error")).to_be_hidden()
    db.session.expire_all()
    item = db.session.query(Suggestion).one()
    assert (item.deputy_id, item.filer_deputy_id) == (zhang.id, zhang.id)
