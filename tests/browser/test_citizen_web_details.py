"""The citizen's pages in the details a phone user meets: who did what in a followed item's timeline, an
item merged into another, the form without JavaScript, photos that fail or are too big, a too-long text,
tap targets on a 320 px screen and the site's icon."""
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from ..factories import screen
from .test_citizen_web import jpeg, world  # noqa: F401 (the fixture)


@pytest.fixture
def admin(factory, world):  # noqa: F811
    return factory.headers_for_admin(factory.admin("root", region=world["tree"]["root"]))


def wechat_item(factory, world, content="人民路口红绿灯不亮，请尽快修。", js_code="citizen-wang"):  # noqa: F811
    citizen = factory.wechat_login(js_code)
    filed = factory.client.post("/api/v1/suggestions", headers=citizen, json={
        "qr_code": world["station"].qr_code, "category": "道路交通", "content": content,
        "location": {"lat": 27.5604, "lng": 109.9900},
    })
    assert filed.status_code == 201, filed.json
    screen(factory.app)  # other citizens see it once its text is screened
    return filed.json, citizen


def test_every_page_has_an_icon(phone, live_server, world, external_requests):  # noqa: F811
    for path in (f"/q/{world['zhang'].qr_code}", "/track/", "/public/stats"):
        phone.goto(live_server + path)
        href = phone.locator("link[rel=icon]").get_attribute("href")
        icon = phone.request.get(live_server + href)
        assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    fallback = phone.request.get(f"{live_server}/favicon.ico")
    assert fallback.status == 200
    assert external_requests == []
