"""Every console form sent empty (as when the browser's own checks are bypassed, or a box holds only spaces)
says which field to fill in, in the form's words (请填写课题名称。), never marshmallow's generic sentence
(应为整数。 for a box left blank, 长度应在 1 到 100 个字符之间。): the forms are found by walking the console."""
import re
from datetime import datetime, timedelta, timezone
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask import g, has_app_context

from .test_console_org_activities import sign_in, world  # noqa: F401 - fixture

# marshmallow's sentences that name no box, at the start of a message or after a field's name and colon
# (a line at the top of the page), and a choice's codes (活动类型应为接待选民（reception）…)
GENERIC = re.compile(r"(?:^|：)(此项为必填项。|此项不能为空。|应为整数。|应为数字。|应为文本。|取值无效。"
                     r"|长度应在 1 到 \d+ 个字符之间。|长度不能少于 1 个字符。|日期时间格式不正确|日期格式不正确)|（[a-z_]+）")
MESSAGES = re.compile(r'<(?:span class="field-error"|p class="flash flash-error")[^>]*>(.*?)</(?:span|p)>', re.S)
FILLABLE = {"text", "number", "date", "datetime-local", "search", "tel", "textarea", "select", "time", "month"}
SKIP = re.compile(r"/logout|\.xlsx$|\.png$|\.zip$|\.csv$")


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.forms, self._form = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(unescape(attrs["href"]))
        elif tag == "form":
            self._form = {"method": (attrs.get("method") or "get").lower(), "action": unescape(attrs.get("action") or ""),
                          "enctype": attrs.get("enctype"), "fillable": 0, "token": None}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select") and attrs.get("name"):
            kind = tag if tag != "input" else (attrs.get("type") or "text")
            if attrs["name"] == "csrf_token":
                self._form["token"] = attrs.get("value")
            elif kind in FILLABLE:
                self._form["fillable"] += 1

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def parsed(response):
    page = _Forms()
    page.feed(response.get_data(as_text=True))
    return page


@pytest.fixture
def busy_world(world, factory, client):  # noqa: F811
    """Something on every page that has a form: an item, an appointment, an activity, a topic, a vote, a
    consultation."""
    admin = factory.headers_for_admin(factory.admin("hh-api", region=world["tree"]["hh"]))
    citizen = factory.wechat_login("citizen-forms")
    now = datetime.now(timezone.utc)

    def ok(response):
        assert response.status_code in (200, 201), response.json
        return response.json

    ok(client.post("/api/v1/suggestions", headers=citizen, json={
        "qr_code": world["zhang"].qr_code, "category": "城市管理", "content": "小区门口的路灯坏了。"}))
    ok(client.post("/api/v1/appointments", headers=citizen, json={
        "qr_code": world["chengbei"].qr_code, "topic": "加装电梯", "contact_phone": "13912345678",
        "preferred_time": "周六上午"}))
    ok(client.post("/api/v1/activities", headers=admin, json={
        "title": "进站接待选民", "type": "reception", "station_id": world["chengbei"].id,
        "starts_at": (now - timedelta(minutes=10)).isoformat(), "ends_at": (now + timedelta(hours=2)).isoformat(),
        "deputy_ids": [world["zhang"].id]}))
    ok(client.post("/api/v1/research/topics", headers=admin, json={"title": "数字经济调研", "theme": "数字经济"}))
    ok(client.post("/api/v1/consultations", headers=admin, json={
        "title": "怀化市城市绿化条例（草案）", "text": "第一条 甲。\n第二条 乙。",
        "starts_at": (now + timedelta(days=1)).isoformat(), "ends_at": (now + timedelta(days=3)).isoformat()}))
    ok(client.post("/api/v1/livelihood/votes", headers=admin, json={
        "title": "2027 年民生实事票决", "year": now.year + 1, "places": 3,
        "starts_at": (now + timedelta(days=1)).isoformat(), "ends_at": (now + timedelta(days=3)).isoformat()}))
    return world


def _walk(console, start="/console/", limit=400):
    """The console's pages reachable from the home page, up to two links away (one page of each kind)."""
    seen, queue, pages, kinds = set(), [start], {}, set()
    depth = {start: 0}
    while queue and len(pages) < limit:
        path = queue.pop(0)
        kind = re.sub(r"\d+", "N", path)
        if path in seen or kind in kinds:
            continue
        seen.add(path)
        if has_app_context():  # each page its own session's token (see token_from)
            g.pop("csrf_token", None)
        response = console.get(path)
        if response.status_code != 200 or not response.content_type.startswith("text/html"):
            continue
        kinds.add(kind)
        pages[path] = parsed(response)
        if depth[path] < 2:
            for link in pages[path].links:
                target = urlsplit(link)
                if target.netloc or not target.path.startswith("/console") or target.query or SKIP.search(target.path):
                    continue
                depth.setdefault(target.path, depth[path] + 1)
                queue.append(target.path)
    return pages


@pytest.mark.parametrize("username", ["huaihua", "chengbei"])
def test_every_console_form_sent_empty_names_what_to_fill_in(app, busy_world, username):
    console = sign_in(app, username)
    generic, sent = {}, set()
    for path, page in _walk(console).items():
        for form in page.forms:
            action = form["action"] or path
            kind = re.sub(r"\d+", "N", urlsplit(action).path)
            if form["method"] != "post" or not form["fillable"] or kind in sent or SKIP.search(action):
                continue
            sent.add(kind)
            if has_app_context():
                g.pop("csrf_token", None)
            response = console.post(action, data={"csrf_token": form["token"]},
                                    content_type="multipart/form-data" if form["enctype"] else None,
                                    headers={"Referer": "http://localhost" + path}, follow_redirects=True)
            assert response.status_code < 500, action
            found = [message for message in MESSAGES.findall(response.get_data(as_text=True))
                     if GENERIC.search(unescape(message).strip())]
            if found:
                generic[f"{path} → {action}"] = sorted(set(found))
    assert len(sent) > 10
    assert generic == {}
