"""Two administrators on one record: a console form carries the state its page was drawn in (``drawn``),
and a form drawn before a colleague's change is refused (409, the page redrawn as it is now, what was typed
kept) instead of silently undoing that change or turning into another step (分派→改派, 确认→改约,
保存→恢复公开). Each case: admins A and B open the same page; A changes the record; B sends the form from
the page drawn before. A form from before the field existed (no ``drawn``) is taken as before."""
import html
import re
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest
from flask import g
from werkzeug.datastructures import MultiDict
from werkzeug.security import check_password_hash

from backend.activities.models import Activity
from backend.appointments.models import Appointment
from backend.auth.models import User
from backend.extensions import db
from backend.org.models import Deputy, Station
from backend.suggestions.models import Suggestion

from .test_console_suggestions import console_login
from .test_suggestions import file, world  # noqa: F401  (fixture)
from .test_web_pages import closed_item

CHINA = timezone(timedelta(hours=8))
STALE = re.compile(r"刚刚被其他人修改过(（[^）]*）)?，请刷新后重试。")


class _Form(HTMLParser):
    """The fields a browser sends from the first form whose opening tag contains ``marker``."""

    def __init__(self, page, marker):
        super().__init__(convert_charrefs=True)
        self.fields, self._inside, self._text, self._select = [], False, None, None
        start = page.index(marker)
        self.feed(page[page.rindex("<form", 0, start):])

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self._inside is False:
            self._inside = True
        if self._inside is not True or "disabled" in a:
            return
        if tag == "option" and self._select is not None and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))
        elif "name" not in a:
            return
        elif tag == "input":
            if a.get("type") in ("checkbox", "radio") and "checked" not in a or a.get("type") == "submit":
                return
            self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "textarea":
            self._text = [a["name"], ""]
        elif tag == "select":
            self._select = a["name"]

    def handle_data(self, data):
        if self._text is not None:
            self._text[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._text is not None:
            self.fields.append((self._text[0], self._text[1].lstrip("\n")))
            self._text = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self._inside is True:
            self._inside = "done"


def drawn_form(client, path, marker, **changed):
    """The form (as a browser would send it) on the page at ``path`` as drawn now, with ``changed`` typed."""
    g.pop("csrf_token", None)  # the factory's app context outlives requests: another client's token
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return edited(_Form(page.get_data(as_text=True), marker).fields, **changed)


def edited(fields, **changed):
    """``fields`` with ``changed`` typed in (a list value: the boxes ticked)."""
    kept = [(k, v) for k, v in fields if k not in changed]
    for key, value in changed.items():
        kept += [(key, v) for v in value] if isinstance(value, list) else [(key, value)]
    return MultiDict(kept)


def local(dt):
    return dt.astimezone(CHINA).strftime("%Y-%m-%dT%H:%M")


def _public_text(app, client, factory, w):
    item = closed_item(client, factory, w["zhang"], "邻居王建军经常在楼道堆放杂物，堵住了消防通道。", True)
    a, b = console_login(app, "chengbei"), console_login(app, "chengbei2")
    page, post = f"/console/suggestions/{item['id']}", f"/console/suggestions/{item['id']}/public-text"
    first = drawn_form(a, page, 'id="withhold-public-form"', reason="内容涉及邻里纠纷，不予公开")
    stale = drawn_form(b, page, 'id="public-text-form"', reply_content="已联系城管局维修，请您留意。")
    done = a.post(f"{page}/withhold-public", data=first)
    kept = lambda: db.session.get(Suggestion, item["id"]).public_withheld_reason == "内容涉及邻里纠纷，不予公开"
    return done, b, post, stale, kept, "请您留意", 'id="public-text-form"'


def _account(app, client, factory, w):
    tree, north = w["tree"], w["station"]
    south = factory.station(tree["hc"], "城南联络站")
    clerk = factory.admin("clerk", stations=[north, south])
    factory.admin("hh", region=tree["hh"])
    factory.admin("hh2", region=tree["hh"])
    a, b = console_login(app, "hh"), console_login(app, "hh2")
    page = f"/console/admins/{clerk.id}"
    first = drawn_form(a, page, 'id="admin-edit"', station_ids=[str(north.id)])
    stale = drawn_form(b, page, 'id="admin-edit"', display_name="城北站 王会计")
    done = a.post(page, data=first)
    kept = lambda: [s.name for s in db.session.get(User, clerk.id).admin_stations] == ["城北联络站"]
    return done, b, page, stale, kept, "城北站 王会计", 'id="admin-edit"'


def _region_admins(app, factory, w, name="clerk"):
    """Region administrators hh and hh2 signed in, and a station administrator ``name`` they manage."""
    clerk = factory.admin(name, stations=[w["station"]])
    factory.admin("hh", region=w["tree"]["hh"])
    factory.admin("hh2", region=w["tree"]["hh"])
    return clerk, console_login(app, "hh"), console_login(app, "hh2")


def _account_state(app, client, factory, w):
    """A stale 启用 after a colleague 启用 and 停用 again: never takes back their 停用 unseen."""
    clerk, a, b = _region_admins(app, factory, w)
    page, post, form = f"/console/admins/{clerk.id}", f"/console/admins/{clerk.id}/disabled", 'id="admin-state"'
    assert a.post(post, data=drawn_form(a, page, form)).status_code == 302  # 停用账号
    stale = drawn_form(b, page, form)
    assert stale["disabled"] == "0"  # 启用账号
    assert a.post(post, data=drawn_form(a, page, form)).status_code == 302  # 启用账号
    done = a.post(post, data=drawn_form(a, page, form))  # 停用账号 again
    kept = lambda: db.session.get(User, clerk.id).disabled_dt is not None
    return done, b, post, stale, kept, "账号状态：已停用", form


def _password(app, client, factory, w):
    """A stale 重置密码 after a colleague's: the password they handed over stays; none typed is written back."""
    clerk, a, b = _region_admins(app, factory, w)
    page, post, form = f"/console/admins/{clerk.id}", f"/console/admins/{clerk.id}/password", 'id="admin-password"'
    first = drawn_form(a, page, form, password="Chengbei#2026a", password2="Chengbei#2026a")
    stale = drawn_form(b, page, form, password="Chengbei#2026b", password2="Chengbei#2026b")
    done = a.post(post, data=first)
    kept = lambda: check_password_hash(db.session.get(User, clerk.id).password_hash, "Chengbei#2026a")
    return done, b, post, stale, kept, "重置密码", form, {"password": "Chengbei#2026b", "password2": "Chengbei#2026b"}


def _station_state(app, client, factory, w):
    """A stale 重新启用 after a colleague reopened the station and closed it again: it stays closed."""
    _, a, b = _region_admins(app, factory, w)
    station = w["station"]
    page, close, reopen = f"/console/stations/{station.id}", f'action="/console/stations/{station.id}/close"', \
        f'action="/console/stations/{station.id}/reopen"'
    assert a.post(f"{page}/close", data=drawn_form(a, page, close)).status_code == 302
    stale = drawn_form(b, page, reopen)
    assert a.post(f"{page}/reopen", data=drawn_form(a, page, reopen)).status_code == 302
    done = a.post(f"{page}/close", data=drawn_form(a, page, close))
    kept = lambda: db.session.get(Station, station.id).closed_dt is not None
    return done, b, f"{page}/reopen", stale, kept, "重新启用", reopen


def _deputy(app, client, factory, w):
    factory.admin("hh", region=w["tree"]["hh"])
    a, b = console_login(app, "chengbei"), console_login(app, "hh")
    li = w["li"]
    page, form = f"/console/deputies/{li.id}", 'class="card form-grid" data-once'
    first = drawn_form(b, page, form, active=[])  # 离任
    stale = drawn_form(a, page, form, bio="长期关注城北片区交通。")
    done = b.post(page, data=first)
    kept = lambda: db.session.get(Deputy, li.id).active is False
    return done, a, page, stale, kept, "长期关注城北片区交通。", form


def _station(app, client, factory, w):
    a, b = console_login(app, "chengbei"), console_login(app, "chengbei2")
    station = w["station"]
    page, form = f"/console/stations/{station.id}", 'class="card form-grid" data-once'
    first = drawn_form(a, page, form, address="人民路 18 号")
    stale = drawn_form(b, page, form, open_hours="每周三上午")
    done = a.post(page, data=first)
    kept = lambda: db.session.get(Station, station.id).address == "人民路 18 号"
    return done, b, page, stale, kept, "每周三上午", form


def _dispatch(app, client, factory, w, action="dispatch", changed=None):
    item_id = file(client, w["citizen"], w["station_code"]).json["id"]
    a, b = console_login(app, "chengbei"), console_login(app, "chengbei2")
    page = f"/console/suggestions/{item_id}"
    marker = f'action="{page}/{action}"'
    first = drawn_form(a, page, f'action="{page}/dispatch"', deputy_id=str(w["zhang"].id))
    stale = drawn_form(b, page, marker, **(changed or {"deputy_id": str(w["li"].id), "note": "请李娜代表跟进"}))
    done = a.post(f"{page}/dispatch", data=first)
    kept = lambda: (db.session.get(Suggestion, item_id).deputy_id, db.session.get(Suggestion, item_id).status.value) \
        == (w["zhang"].id, "assigned")
    return done, b, f"{page}/{action}", stale, kept, "请李娜代表跟进" if changed is None else "", marker


def _reject(app, client, factory, w):
    return _dispatch(app, client, factory, w, "reject", {"reason": "不属于人大代表职责范围"})


def _appointment(app, client, factory, w):
    asked = client.post("/api/v1/appointments", json={
        "qr_code": w["station_code"], "topic": "想当面反映小区加装电梯的困难", "contact_phone": "13912345678",
        "preferred_time": "下周二上午", "name": "王先生"}, headers=w["citizen"])
    assert asked.status_code == 201, asked.json
    a, b = console_login(app, "chengbei"), console_login(app, "chengbei2")
    page = f"/console/appointments/{asked.json['id']}"
    marker = f'action="{page}/confirm"'
    day = (datetime.now(CHINA) + timedelta(days=3)).replace(hour=10, minute=0)
    first = drawn_form(a, page, marker, meet_at=local(day), place="城北联络站 101 室")
    stale = drawn_form(b, page, marker, meet_at=local(day + timedelta(days=1, hours=5)), place="城北联络站 203 室")
    done = a.post(f"{page}/confirm", data=first)
    kept = lambda: db.session.get(Appointment, asked.json["id"]).place == "城北联络站 101 室"
    return done, b, f"{page}/confirm", stale, kept, "城北联络站 203 室", marker


def _activity(app, client, factory, w):
    a, b = console_login(app, "chengbei"), console_login(app, "chengbei2")
    starts = datetime.now(timezone.utc) + timedelta(days=2)
    new = drawn_form(a, "/console/activities/new", 'class="card form-grid" data-once', title="城北联络站进站接待选民",
                     type="reception", place_mode="station", station_id=str(w["station"].id), starts_at=local(starts),
                     ends_at=local(starts + timedelta(hours=2)), deputy_ids=[str(w["zhang"].id)])
    created = a.post("/console/activities/new", data=new)
    assert created.status_code == 302, created.get_data(as_text=True)
    activity_id = int(created.headers["Location"].rsplit("/", 1)[1])
    page = f"/console/activities/{activity_id}/edit"
    first = drawn_form(a, page, 'id="activity-edit"', place="人民路 18 号会议室")
    stale = drawn_form(b, page, 'id="activity-edit"', title="城北联络站接待选民（改）")
    done = a.post(page, data=first)
    kept = lambda: db.session.get(Activity, activity_id).place == "人民路 18 号会议室"
    return done, b, page, stale, kept, "城北联络站接待选民（改）", 'id="activity-edit"'


@pytest.mark.parametrize("case", [_public_text, _account, _account_state, _password, _deputy, _station, _station_state,
                                  _dispatch, _reject, _appointment, _activity],
                         ids=lambda case: case.__name__.strip("_"))
def test_a_form_drawn_before_a_colleagues_change_is_refused_and_kept(app, client, factory, world, case):
    factory.admin("chengbei2", stations=[world["station"]])
    done, b, post, stale, kept, typed, marker, *retyped = case(app, client, factory, world)
    assert done.status_code == 302, done.get_data(as_text=True)

    g.pop("csrf_token", None)  # A drew a page last: the refused page is drawn with B's token
    refused = b.post(post, data=stale)
    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 409, page
    assert STALE.search(page), page
    assert typed in page  # what B typed is on the page again
    db.session.expire_all()
    assert kept()  # A's change stands

    # Sent again from the page as redrawn (B has now seen A's change), it is taken.
    # (What is never written back into a page, a password, is typed again.)
    again = b.post(post, data=edited(_Form(page, marker).fields, **(retyped[0] if retyped else {})))
    assert again.status_code in (302, 200), again.get_data(as_text=True)
    assert not STALE.search(html.unescape(again.get_data(as_text=True)))


def test_a_form_from_before_the_drawn_field_is_taken_as_before(app, client, factory, world):
    """A tab opened before the deploy posts no ``drawn``: nothing to compare, the form is applied."""
    factory.admin("hh", region=world["tree"]["hh"])
    b = console_login(app, "hh")
    li = world["li"]
    form = drawn_form(b, f"/console/deputies/{li.id}", 'class="card form-grid" data-once', bio="长期关注城北片区交通。")
    assert "drawn" in form
    del form["drawn"]
    assert b.post(f"/console/deputies/{li.id}", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Deputy, li.id).bio == "长期关注城北片区交通。"


def test_what_the_sweep_marks_on_an_item_does_not_refuse_a_form_drawn_before(app, client, factory, world):
    """The sweep's flags (超期, 临期) and its screening change no step an administrator takes on the item
    page: a dispatch form drawn before the sweep marked the item overdue is taken."""
    item_id = file(client, world["citizen"], world["station_code"]).json["id"]
    a = console_login(app, "chengbei")
    page = f"/console/suggestions/{item_id}"
    form = drawn_form(a, page, f'action="{page}/dispatch"', deputy_id=str(world["zhang"].id))
    item = db.session.get(Suggestion, item_id)
    item.overdue, item.due_soon = True, True  # as mark_overdue does, through the ORM (the version counts up)
    db.session.commit()
    done = a.post(f"{page}/dispatch", data=form)
    assert done.status_code == 302, html.unescape(done.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Suggestion, item_id).deputy_id == world["zhang"].id


def test_the_accounts_own_password_change_leaves_its_state_form_good(app, client, factory, world):
    """A new account changes its initial password at its first login (a new hash, its sessions counted up):
    the 停用 form the region administrator drew before is not stale for that — only 停用/启用 makes it so."""
    clerk, a, _ = _region_admins(app, factory, world)
    page = f"/console/admins/{clerk.id}"
    form = drawn_form(a, page, 'id="admin-state"')
    clerk = db.session.get(User, clerk.id)
    clerk.password_hash, clerk.token_version = "changed-by-its-owner", clerk.token_version + 1
    db.session.commit()
    done = a.post(f"{page}/disabled", data=form)
    assert done.status_code == 302, html.unescape(done.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(User, clerk.id).disabled_dt is not None
