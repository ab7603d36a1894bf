"""A console form takes its step once, however often it is sent (backend/console/once.py).

A double click, a browser re-sending a slow form, or 后退 and 提交 again post the same form — the same
hidden ``form_key`` — twice. The second post changes nothing and answers as the first did: the same
page, the same message. A refused post took no step, so the form may be corrected and sent again.
"""
import re

import requests
from sqlalchemy import func, select

from backend.activities.models import Activity
from backend.extensions import db
from backend.points.models import PointCorrection
from backend.qr.models import QRCode

from .parallel import released_together
from .test_console_org_activities import (  # noqa: F401 - fixtures
    dispatch_form,
    huaihua,
    station_admin,
    text,
    token_from,
    world,
)
from .test_console_org_create import live_code

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
FLASH = re.compile(r'<p class="flash[^"]*" role="status">([^<]*)</p>')


def hidden_fields(page_html, action=None):
    """The hidden fields of the form posting to ``action`` (None: the page's form that posts to the page
    itself), as the browser sends them."""
    opening = rf'action="{re.escape(action)}"[^>]*' if action else r'method="post"(?![^>]*action=)[^>]*'
    form = re.search(rf'<form[^>]*{opening}>(.*?)</form>', page_html, re.S)
    assert form, f"no form posting to {action or 'the page'}"
    fields = dict(HIDDEN.findall(form.group(1)))
    assert fields.get("form_key"), f"the form posting to {action or 'the page'} carries no form_key"
    return fields


def form_on(client, page, action=None):
    token_from(client, page)  # forgets a CSRF token cached for another client (see token_from)
    return hidden_fields(text(client.get(page)), action)


def count(model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def sent_twice(client, action, data):
    """Post ``data`` twice; both answers must lead to the same page: (location, the messages it shows)."""
    outcomes = []
    for _ in range(2):
        response = client.post(action, data=data)
        assert response.status_code == 302, text(response)
        location = response.headers["Location"]
        outcomes.append((location, FLASH.findall(text(client.get(location)))))
    assert outcomes[0] == outcomes[1]
    return outcomes[0]


def test_a_dispatch_sent_twice_makes_one_activity(station_admin, world):  # noqa: F811
    fields = form_on(station_admin, "/console/activities/new")
    location, messages = sent_twice(station_admin, "/console/activities/new",
                                    dispatch_form(world, [world["zhang"], world["li"]]) | fields)
    assert messages == ["已发单：“城北联络站进站接待选民”，已通知 2 位代表。"]
    assert count(Activity) == 1
    activity_id = db.session.scalar(select(Activity.id))
    assert location.endswith(f"/console/activities/{activity_id}")

    # A new page is a new form: the same activity dispatched again on purpose is dispatched.
    again = form_on(station_admin, "/console/activities/new")
    assert again["form_key"] != fields["form_key"]
    assert station_admin.post("/console/activities/new",
                              data=dispatch_form(world, [world["zhang"]]) | again).status_code == 302
    assert count(Activity) == 2


def test_a_refused_form_may_be_corrected_and_sent_with_its_key(station_admin, world):  # noqa: F811
    fields = form_on(station_admin, "/console/activities/new")
    refused = station_admin.post("/console/activities/new", data=dispatch_form(world, []) | fields)
    assert refused.status_code == 422 and "请至少选择一位参加的代表" in text(refused)
    assert count(Activity) == 0
    corrected = station_admin.post("/console/activities/new", data=dispatch_form(world, [world["zhang"]]) | fields)
    assert corrected.status_code == 302
    assert count(Activity) == 1


def test_a_points_correction_sent_twice_is_recorded_once(station_admin, world):  # noqa: F811
    zhang = world["zhang"]
    archive = f"/console/deputies/{zhang.id}/archive"
    action = f"/console/deputies/{zhang.id}/points/corrections"
    fields = form_on(station_admin, archive, action)
    location, messages = sent_twice(station_admin, action, {"points": "3", "reason": "补记接待选民"} | fields)
    assert messages == ["已记入积分更正 +3 分。已计入的积分不变，更正记为新的一行。"]
    assert count(PointCorrection, PointCorrection.deputy_id == zhang.id) == 1
    assert '<strong id="archive-total">3</strong>' in text(station_admin.get(location))


def test_a_new_code_asked_for_twice_is_made_once(station_admin, world):  # noqa: F811
    """重新生成 sent twice revoked the code just made: the poster printed from the first answer was dead."""
    station = world["chengbei"]
    edit = f"/console/stations/{station.id}"
    old = live_code("station", station.id)
    fields = form_on(station_admin, edit, f"{edit}/qr/reissue")
    _, messages = sent_twice(station_admin, f"{edit}/qr/reissue", fields)
    assert messages == ["已为联络站“城北联络站”生成新的二维码，旧二维码已失效。请下载新海报重新张贴。"]
    assert live_code("station", station.id) != old
    assert count(QRCode, QRCode.target_kind == "station", QRCode.target_id == station.id) == 2  # the old and one new


def console_session(base, username, password="password123"):
    """A browser's session with the console of the server at ``base``, signed in."""
    browser = requests.Session()
    page = browser.get(f"{base}/console/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    signed_in = browser.post(f"{base}/console/login", timeout=30, allow_redirects=False,
                             data={"username": username, "password": password, "csrf_token": token})
    assert signed_in.status_code == 302, signed_in.text
    return browser


def test_a_dispatch_sent_twice_at_the_same_instant_makes_one_activity(base_url, world):  # noqa: F811
    """The twin posts of a double click, both in flight at once: one activity, and both answers lead to it."""
    data = dispatch_form(world, [world["zhang"]])
    db.session.close()  # the server's threads use their own sessions
    browser = console_session(base_url, "chengbei")
    fields = hidden_fields(browser.get(f"{base_url}/console/activities/new", timeout=30).text)
    first, second = released_together(*[
        lambda: browser.post(f"{base_url}/console/activities/new", data=data | fields, timeout=30,
                             allow_redirects=False)
    ] * 2)
    assert count(Activity) == 1
    activity_id = db.session.scalar(select(Activity.id))
    for response in (first, second):
        assert response.status_code == 302, response.text
        assert response.headers["Location"].endswith(f"/console/activities/{activity_id}")
