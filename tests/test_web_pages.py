"""The citizens' web pages and the public pages, through the Flask test client.

A citizen outside WeChat gets an anonymous identity from POST /api/v1/auth/web and files with it;
filing and identity creation are rate limited; the public pages show only what anyone may see,
with personal data removed and everything a user wrote escaped.
"""
import math
import re

import pytest
from sqlalchemy import func, select

from backend.extensions import db, limiter
from backend.org.nearby import gcj02_from_wgs84
from backend.suggestions.models import Suggestion

from .conftest import REDIS_TEST_URL
from .factories import screen


@pytest.fixture
def world(factory):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", address="人民路 18 号", lat=27.56, lng=109.99,
                              open_hours="每周二、周四 9:00-12:00")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[station])
    return {"tree": tree, "station": station, "zhang": zhang}


def web_identity(client, ip="10.0.0.1"):
    response = client.post("/api/v1/auth/web", json={}, environ_base={"REMOTE_ADDR": ip})
    assert response.status_code == 201, response.json
    return response.json


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def file(client, headers, code, content="小区门口路灯坏了一个月，晚上很黑。", ip="10.0.0.1", **extra):
    body = {"qr_code": code, "category": "城市管理", "content": content} | extra
    return client.post("/api/v1/suggestions", json=body, headers=headers, environ_base={"REMOTE_ADDR": ip})


@pytest.fixture
def config_override(app):
    """Set app config values for one test and put the old ones back afterwards."""
    saved = {}

    def override(**values):
        for key, value in values.items():
            saved.setdefault(key, app.config.get(key))
            app.config[key] = value
        limiter.reset()

    yield override
    for key, value in saved.items():
        if value is None:
            app.config.pop(key, None)
        else:
            app.config[key] = value
    limiter.reset()


# --- the anonymous web identity -----------------------------------------------------------------


def test_web_identity_files_and_follows_its_suggestion(client, world):
    identity = web_identity(client)
    assert identity["user"]["roles"] == ["citizen"]
    assert identity["key"] and identity["token"]
    headers = bearer(identity["token"])

    filed = file(client, headers, world["zhang"].qr_code, contact_phone="13912345678",
                 location={"lat": 27.561, "lng": 109.991, "address": "人民路口"})
    assert filed.status_code == 201, filed.json
    assert filed.json["status"] == "assigned"
    assert filed.json["deputy"]["name"] == "张伟"
    item_id = filed.json["id"]

    # The same browser sees it, in its list and on its own; nobody else does.
    mine = client.get("/api/v1/suggestions?scope=mine", headers=headers).json
    assert [i["id"] for i in mine["items"]] == [item_id]
    assert client.get(f"/api/v1/suggestions/{item_id}", headers=headers).json["contact_phone"] == "13912345678"
    stranger = bearer(web_identity(client)["token"])
    assert client.get(f"/api/v1/suggestions/{item_id}", headers=stranger).status_code == 404

    # The key trades for a new token of the same user (the token expires; the browser keeps the key).
    renewed = client.post("/api/v1/auth/web", json={"key": identity["key"]})
    assert renewed.status_code == 200
    assert renewed.json["user"]["id"] == identity["user"]["id"]
    again = client.get(f"/api/v1/suggestions/{item_id}", headers=bearer(renewed.json["token"]))
    assert again.status_code == 200

    # A key the server never issued is refused rather than adopted.
    unknown = client.post("/api/v1/auth/web", json={"key": "made-up-key"})
    assert unknown.status_code == 401
    assert unknown.json["error"] == "unauthorized"


def test_a_retried_submit_with_the_same_idempotency_key_files_once(client, world):
    headers = bearer(web_identity(client)["token"]) | {"Idempotency-Key": "submit-1"}
    first = file(client, headers, world["station"].qr_code)
    second = file(client, headers, world["station"].qr_code)
    assert first.status_code == second.status_code == 201
    assert first.json["id"] == second.json["id"]
    assert second.headers.get("Idempotent-Replayed") == "true"


def test_photos_upload_with_the_web_identity(client, world):
    import io

    from PIL import Image

    headers = bearer(web_identity(client)["token"])
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    uploaded = client.post("/api/v1/uploads", data={"file": (io.BytesIO(buffer.getvalue()), "p.jpg")},
                           headers=headers, content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.json
    filed = file(client, headers, world["station"].qr_code, attachment_ids=[uploaded.json["id"]])
    assert filed.status_code == 201, filed.json
    assert len(filed.json["attachments"]) == 1


# --- rate limits --------------------------------------------------------------------------------


def test_filing_from_the_web_is_limited_per_identity_and_per_address(client, factory, world, config_override):
    """Each browser identity has its own quota; an address — often many people: a station's Wi-Fi, a
    carrier's NAT — a looser one of its own (both once had the identity's, so the eleventh person on
    one network could not file at all)."""
    config_override(WEB_FILING_RATE_LIMIT="2 per hour", WEB_FILING_ADDRESS_RATE_LIMIT="3 per hour")
    code = world["station"].qr_code
    alice = bearer(web_identity(client, "10.0.0.1")["token"])
    bob = bearer(web_identity(client, "10.0.0.1")["token"])

    # A form sent back with a mistake does not use up the quota.
    assert file(client, alice, code, contact_phone="12345").status_code == 422
    assert file(client, alice, code).status_code == 201
    assert file(client, alice, code).status_code == 201

    over = file(client, alice, code)
    assert over.status_code == 429
    assert over.json["error"] == "rate_limited"
    assert re.search(r"[\u4e00-\u9fff]", over.json["message"]), over.json["message"]

    # Per identity: the same browser from another address is still over its limit.
    assert file(client, alice, code, ip="10.0.0.2").status_code == 429
    # Another person on the same network files on their own quota, until the address's is used up.
    assert file(client, bob, code, ip="10.0.0.1").status_code == 201
    assert file(client, bob, code, ip="10.0.0.1").status_code == 429
    # Elsewhere they still may.
    assert file(client, bob, code, ip="10.0.0.3").status_code == 201
    # WeChat citizens are not limited this way.
    wechat = factory.wechat_login("citizen-wang")
    for _ in range(3):
        assert file(client, wechat, code, ip="10.0.0.1").status_code == 201


def test_a_wechat_citizens_filings_are_limited_loosely_per_account(client, factory, world, config_override):
    """One WeChat account is a real person, yet enough to flood a station's queue: WECHAT_FILING_RATE_LIMIT per
    account, wherever it files from; a form sent back with a mistake uses no quota; browser limits do not apply."""
    config_override(WECHAT_FILING_RATE_LIMIT="2 per hour;5 per day", WEB_FILING_RATE_LIMIT="1 per hour",
                    WEB_FILING_ADDRESS_RATE_LIMIT="1 per hour")
    code = world["station"].qr_code
    wang, zhao = factory.wechat_login("citizen-wang"), factory.wechat_login("citizen-zhao")
    assert file(client, wang, code, contact_phone="12345").status_code == 422
    assert file(client, wang, code).status_code == 201
    assert file(client, wang, code, ip="10.0.0.2").status_code == 201
    over = file(client, wang, code, ip="10.0.0.3")
    assert (over.status_code, over.json["error"], over.json["message"]) == (429, "rate_limited", "操作过于频繁，请 60 分钟后再试。")
    assert 3500 <= int(over.headers["Retry-After"]) <= 3601  # the hour's window (reset rounded up), not the day's
    # Another account on the same network files on its own quota.
    assert file(client, zhao, code).status_code == 201
    assert file(client, zhao, code).status_code == 201
    assert db.session.scalar(select(func.count()).select_from(Suggestion)) == 4


def test_creating_web_identities_is_limited_per_address(client, config_override):
    """Refused, a new identity is told why (the network is shared), when to try again (Retry-After's minutes)
    and what else to do: mobile data, or WeChat."""
    config_override(WEB_IDENTITY_RATE_LIMIT="2 per hour")
    first = web_identity(client, "10.0.0.9")
    web_identity(client, "10.0.0.9")
    over = client.post("/api/v1/auth/web", json={}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert (over.status_code, over.json["error"]) == (429, "rate_limited")
    assert over.json["message"] == ("当前网络下使用的人较多，暂时无法为本机登记身份。请 60 分钟后重试，"
                                    "或改用手机流量扫码，也可在微信中扫码提交。")
    assert 3500 <= int(over.headers["Retry-After"]) <= 3601
    # Renewing an existing identity creates nothing and still works from that address.
    renewed = client.post("/api/v1/auth/web", json={"key": first["key"]}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert renewed.status_code == 200
    assert web_identity(client, "10.0.0.10")["token"]


# --- /q/{code} and the tracking pages ----------------------------------------------------------


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


def assert_strict_csp_page(html):
    """Nothing the Content-Security-Policy would block: no inline script, style attribute or handler."""
    assert not INLINE_SCRIPT.search(html), "inline <script> found"
    assert not re.search(r"<[a-z][^>]*\sstyle\s*=", html, re.I) and "<style" not in html, "inline style found"
    assert not INLINE_HANDLER.search(html), "inline event handler found"
    assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", html.replace(
        'href="https://uri.amap.com/', 'href="/amap/')), "external asset referenced"


def test_deputy_code_page_has_the_card_and_the_form(client, world):
    page = client.get(f"/q/{world['zhang'].qr_code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "张伟" in html and "向张伟代表提建议" in html
    assert f'data-code="{world["zhang"].qr_code}"' in html
    assert "城北联络站" in html
    assert "/static/web/landing.js" in html
    assert_strict_csp_page(html)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_station_code_page_shows_deputies_and_reception_hours(client, world):
    html = client.get(f"/q/{world['station'].qr_code}").get_data(as_text=True)
    assert "城北联络站" in html and "张伟" in html
    assert "每周二、周四 9:00-12:00" in html
    assert "向联络站反映问题" in html
    assert_strict_csp_page(html)


def test_revoked_code_shows_a_sentence(client, factory, world):
    admin = factory.headers_for_admin(factory.admin("root", region=world["tree"]["root"]))
    code = world["zhang"].qr_code
    assert client.post(f"/api/v1/qr/{code}/revoke", headers=admin).status_code == 200
    page = client.get(f"/q/{code}")
    assert page.status_code == 410
    html = page.get_data(as_text=True)
    assert "二维码已停用" in html
    assert "这个二维码已停用" in html
    assert 'id="file-form"' not in html
    assert_strict_csp_page(html)


def test_tracking_pages_are_shells_for_the_browser_identity(client):
    track = client.get("/track/42")
    assert track.status_code == 200
    html = track.get_data(as_text=True)
    assert 'data-id="42"' in html and "/static/web/track.js" in html
    assert_strict_csp_page(html)
    assert client.get("/track/").status_code == 200
    assert client.get("/track/99999999999").status_code == 404


def test_every_citizen_page_names_the_list_of_ones_own_items_the_same_way(client, world):
    """The code's page, an item's progress and an appointment's all link to /track/ (this browser's
    suggestions and appointments) in the same words, the ones its browser tab says."""
    mine = client.get("/track/").get_data(as_text=True)
    assert "<title>我的建议和约见 · 码上办</title>" in mine
    for path in (f"/q/{world['zhang'].qr_code}", "/track/42", "/appointments/42"):
        html = client.get(path).get_data(as_text=True)
        links = re.findall(r'<a class="link" href="/track/">([^<]*)</a>', html)
        assert links == ["我的建议和约见 ›"], (path, links)


def test_the_filing_form_posts_and_its_categories_are_in_the_page(client, app, world):
    html = client.get(f"/q/{world['zhang'].qr_code}").get_data(as_text=True)
    form = re.search(r"<form[^>]*id=\"file-form\"[^>]*>", html).group(0)
    assert 'method="post"' in form  # never a GET that puts the text and the phone in the address
    for name in app.config["SUGGESTION_CATEGORIES"]:
        assert f'<option value="{name}">{name}</option>' in html
    assert "<noscript>" in html and "JavaScript" in html


def test_a_form_posted_without_the_pages_script_comes_back_as_typed_with_a_notice(client, app, world):
    from backend.extensions import db
    from backend.suggestions.models import Suggestion

    code = world["zhang"].qr_code
    posted = client.post(f"/q/{code}", data={
        "category": "城市管理", "content": "路灯坏了 <b>一个月</b>", "contact_phone": "13912345678",
        "anonymous": "on", "address": "人民路口",
    })
    assert posted.status_code == 200
    assert posted.headers["Cache-Control"] == "no-store"
    html = posted.get_data(as_text=True)
    assert "尚未提交" in html and "JavaScript" in html
    assert re.search(r"<textarea[^>]*>\n路灯坏了 &lt;b&gt;一个月&lt;/b&gt;</textarea>", html)
    assert '<option value="城市管理" selected>城市管理</option>' in html
    assert 'value="13912345678"' in html
    assert re.search(r'<input type="checkbox" name="anonymous" id="anonymous" checked>', html)
    assert_strict_csp_page(html)
    with app.app_context():
        assert db.session.query(Suggestion).count() == 0  # nothing was filed

    # Odd or oversized fields are not echoed beyond what the form allows.
    odd = client.post(f"/q/{code}", data={"category": "不存在的类别", "content": "好" * 5000})
    html = odd.get_data(as_text=True)
    assert "selected" not in html.split('id="category"', 1)[1].split("</select>", 1)[0]
    assert "好" * 1000 in html and "好" * 1001 not in html

    # An unknown or withdrawn code answers the same page as when opened.
    assert client.post("/q/AbCdEfGh1234", data={"content": "x"}).status_code == 404


def test_pages_that_need_the_script_say_so_without_it(client):
    for path in ("/track/", "/track/42"):
        html = client.get(path).get_data(as_text=True)
        assert "<noscript>" in html and "JavaScript" in html, path
        assert re.search(r'id="loading"[^>]*hidden|hidden[^>]*id="loading"', html), path  # shown by the script


def test_the_site_icon_is_served_and_linked(client, world):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    assert icon.get_data(as_text=True).lstrip().startswith("<svg")
    assert "max-age" in icon.headers["Cache-Control"]
    for path in (f"/q/{world['zhang'].qr_code}", "/track/", "/public/stats", "/q/AbCdEfGh1234"):
        html = client.get(path).get_data(as_text=True)
        href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html).group(1)
        assert client.get(href).status_code == 200, path


# --- public pages -------------------------------------------------------------------------------


def closed_item(client, factory, deputy, content, public_consent, js_code="citizen-wang"):
    """An item filed through the deputy's code, answered, and rated 满意."""
    citizen = factory.wechat_login(js_code)
    deputy_headers = factory.deputy_headers(deputy)
    filed = client.post("/api/v1/suggestions", json={
        "qr_code": deputy.qr_code, "category": "城市管理", "content": content, "public_consent": public_consent,
    }, headers=citizen)
    assert filed.status_code == 201, filed.json
    item_id = filed.json["id"]
    screen(factory.app)  # the sweep screens the text: only screened text is ever published
    assert client.post(f"/api/v1/suggestions/{item_id}/accept", headers=deputy_headers).status_code == 200
    replied = client.post(f"/api/v1/suggestions/{item_id}/reply", json={"content": "已联系城管局维修，请留意。"},
                          headers=deputy_headers)
    assert replied.status_code == 200, replied.json
    rated = client.post(f"/api/v1/suggestions/{item_id}/rate", json={"satisfaction": "satisfied"}, headers=citizen)
    assert rated.json["status"] == "closed"
    return rated.json


def test_public_station_page_shows_consented_items_without_personal_data(client, factory, world):
    shown = closed_item(client, factory, world["zhang"], "路灯坏了，请打 13912345678 联系我，住3栋2单元501室", True)
    hidden = closed_item(client, factory, world["zhang"], "这一条群众没有同意公开", False, js_code="citizen-zhao")

    page = client.get(f"/public/stations/{world['station'].id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "城北联络站" in html and "人民路 18 号" in html and "张伟" in html
    assert "每周二、周四 9:00-12:00" in html
    assert "路灯坏了" in html
    assert "13912345678" not in html and "501" not in html
    assert "***" in html
    assert "已联系城管局维修" in html and "满意" in html
    assert "这一条群众没有同意公开" not in html
    assert shown["number"] and hidden["number"]
    # The outbound map link, which the page itself does not load.
    assert 'href="https://uri.amap.com/marker?position=109.990000%2C27.560000' in html
    assert_strict_csp_page(html)


def test_the_public_list_by_deputy_has_the_items_of_a_deputy_received_at_no_station(client, factory, world):
    """Items filed through the code of a deputy who has no station carry no station: the list by
    station never shows them, the list by deputy does, with the same rules and the same redaction."""
    wang = factory.deputy(world["tree"]["hc"], "王芳", phone="13800000009")
    shown = closed_item(client, factory, wang, "路灯坏了，请打 13912345678 联系我，住3栋2单元501室", True)
    closed_item(client, factory, wang, "这一条群众没有同意公开", False, js_code="citizen-zhao")
    closed_item(client, factory, world["zhang"], "张伟代表办理的另一件事", True, js_code="citizen-li")
    still_open = client.post("/api/v1/suggestions", headers=factory.wechat_login("citizen-sun"), json={
        "qr_code": wang.qr_code, "category": "城市管理", "content": "还在办理中的一件事", "public_consent": True})
    assert still_open.status_code == 201, still_open.json

    page = client.get(f"/api/v1/public/suggestions?deputy_id={wang.id}")
    assert page.status_code == 200, page.json
    assert page.json["total"] == 1
    item = page.json["items"][0]
    assert item["number"] == shown["number"]
    assert item["station"] is None and item["deputy"] == {"id": wang.id, "name": "王芳"}
    assert "13912345678" not in item["content"] and "501" not in item["content"] and "***" in item["content"]
    assert "13800000009" not in page.get_data(as_text=True)
    by_station = client.get(f"/api/v1/public/suggestions?station_id={world['station'].id}").json
    assert [i["deputy"]["name"] for i in by_station["items"]] == ["张伟"]
    assert client.get(f"/api/v1/public/suggestions?deputy_id={world['zhang'].id}").json["total"] == 1
    refused = client.get("/api/v1/public/suggestions?deputy_id=abc")
    assert refused.status_code == 422 and refused.json["error"] == "validation_failed"


def test_a_deputys_public_page_shows_their_published_items_without_personal_data(client, factory, world):
    wang = factory.deputy(world["tree"]["hc"], "王芳", phone="13800000009", group="鹤城区第二代表小组",
                          bio="长期关注老旧小区改造。")
    closed_item(client, factory, wang, "路灯坏了，请打 13912345678 联系我，住3栋2单元501室", True)
    closed_item(client, factory, wang, "这一条群众没有同意公开", False, js_code="citizen-zhao")
    closed_item(client, factory, world["zhang"], "张伟代表办理的另一件事", True, js_code="citizen-li")

    page = client.get(f"/public/deputies/{wang.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "王芳" in html and "市人大代表" in html and "鹤城区第二代表小组" in html and "长期关注老旧小区改造。" in html
    assert "已办结的群众建议" in html and "路灯坏了" in html and "***" in html
    assert "已联系城管局维修" in html and "满意" in html
    assert "13912345678" not in html and "501" not in html and "13800000009" not in html
    assert "这一条群众没有同意公开" not in html and "张伟代表办理的另一件事" not in html
    assert f'href="/q/{wang.qr_code}"' in html  # 提建议 to the deputy from their page
    assert_strict_csp_page(html)

    # The deputy's code page leads to it, and a station's page to its deputies' pages.
    assert f'href="/public/deputies/{wang.id}"' in client.get(f"/q/{wang.qr_code}").get_data(as_text=True)
    station_page = client.get(f"/public/stations/{world['station'].id}").get_data(as_text=True)
    assert f'href="/public/deputies/{world["zhang"].id}"' in station_page
    zhang_page = client.get(f"/public/deputies/{world['zhang'].id}").get_data(as_text=True)
    assert "张伟代表办理的另一件事" in zhang_page and "路灯坏了" not in zhang_page
    assert f'href="/public/stations/{world["station"].id}"' in zhang_page


def test_the_public_page_of_an_unknown_or_former_deputy_is_a_page_not_an_error(client, factory, world):
    admin = factory.headers_for_admin(factory.admin("root", region=world["tree"]["root"]))
    former = factory.deputy(world["tree"]["hc"], "赵强")
    assert client.patch(f"/api/v1/deputies/{former.id}", headers=admin, json={"active": False}).status_code == 200
    for deputy_id in (12345, 2**31, former.id):
        page = client.get(f"/public/deputies/{deputy_id}")
        assert page.status_code == 404
        html = page.get_data(as_text=True)
        assert "没有找到这位代表" in html and "赵强" not in html


def test_public_pages_escape_what_citizens_wrote(client, factory, world):
    closed_item(client, factory, world["zhang"], "<script>alert(1)</script><img src=x onerror=alert(2)>", True)
    for path in (f"/public/stations/{world['station'].id}", f"/public/deputies/{world['zhang'].id}"):
        html = client.get(path).get_data(as_text=True)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
        assert "<script>alert(1)" not in html
        assert "<img src=x" not in html
        assert_strict_csp_page(html)


def test_public_station_page_of_an_unknown_station_is_a_page_not_an_error(client):
    for station_id in (12345, 2**31):  # the second no row can have: it must not reach the database
        page = client.get(f"/public/stations/{station_id}")
        assert page.status_code == 404
        assert "没有找到这个联络站" in page.get_data(as_text=True)


def test_odd_page_and_year_numbers_fall_back_to_the_first_page_and_this_year(client, world):
    """"²" passes str.isdigit() and int() refuses it; so does a number of 5000 digits."""
    for odd in ("²", "7" * 5000, "-1", "abc"):
        for path in (f"/public/stations?page={odd}", f"/public/stations/{world['station'].id}?page={odd}",
                     f"/public/deputies/{world['zhang'].id}?page={odd}", f"/public/leaderboard?year={odd}"):
            assert client.get(path).status_code == 200, (path[:60], odd[:10])


def chip_names(html):
    """The deputies a page lists, as their links read."""
    return re.findall(r'href="/public/deputies/\d+">([^<]+)<small>', html)


def test_a_large_stations_pages_name_its_first_deputies_and_page_through_them_all(app, client, factory, world):
    """A district's station may receive hundreds of deputies (进站代表): its page and its code's page name
    the first of them, say how many there are and link to them all, 50 a page and found by name; what
    each page costs to read does not grow with the roster."""
    from backend.extensions import db
    from backend.org.models import ROSTER_NAMES
    from backend.web.pages import ROSTER_PER_PAGE

    from .factories import sent_statements

    station = world["station"]
    pages = {"station": f"/public/stations/{station.id}", "landing": f"/q/{station.qr_code}",
             "roster": f"/public/stations/{station.id}/deputies"}

    def statements():
        counts = {}
        for name, path in pages.items():
            db.session.expire_all()  # the test's session is the requests': each reads afresh
            with sent_statements(app) as seen:
                assert client.get(path).status_code == 200, path
            counts[name] = len(seen)
        return counts

    few = statements()
    crowd = [factory.deputy(world["tree"]["hc"], f"代表{i:02d}", stations=[station])
             for i in range(1, ROSTER_PER_PAGE + 7)]
    crowd[0].active = False  # left office since: neither named nor counted
    db.session.commit()
    assert statements() == few  # 56 more deputies: not one more statement on any of the pages
    total = 1 + ROSTER_PER_PAGE + 5
    first = ["张伟"] + [f"代表{i:02d}" for i in range(2, ROSTER_NAMES + 1)]

    html = client.get(pages["station"]).get_data(as_text=True)
    assert chip_names(html) == first
    assert f"进站代表 <small class=\"muted\">{total} 名</small>" in html
    assert f"查看全部 {total} 位代表，可按姓名查找" in html and f'href="{pages["roster"]}"' in html

    html = client.get(pages["landing"]).get_data(as_text=True)
    assert chip_names(html) == first
    assert f"查看全部 {total} 位进站代表" in html and f'href="{pages["roster"]}"' in html

    html = client.get(pages["roster"]).get_data(as_text=True)
    assert chip_names(html) == ["张伟"] + [f"代表{i:02d}" for i in range(2, ROSTER_PER_PAGE + 1)]
    assert f"共 {total} 位代表" in html and "第 1 / 2 页" in html and "下一页" in html
    html = client.get(pages["roster"] + "?page=2").get_data(as_text=True)
    assert chip_names(html) == [f"代表{i:02d}" for i in range(ROSTER_PER_PAGE + 1, ROSTER_PER_PAGE + 7)]
    assert "第 2 / 2 页" in html and "上一页" in html
    html = client.get(pages["roster"] + "?page=9").get_data(as_text=True)
    assert chip_names(html) == [] and f"共 {total} 位代表" in html and "这一页没有代表" in html
    html = client.get(pages["roster"], query_string={"q": "代表", "page": 9}).get_data(as_text=True)
    assert "姓名含“代表”的代表共 55 位" in html and "这一页没有代表" in html

    html = client.get(pages["roster"], query_string={"q": "代表55"}).get_data(as_text=True)
    assert chip_names(html) == ["代表55"] and "姓名含“代表55”的代表共 1 位" in html
    html = client.get(pages["roster"], query_string={"q": "代表01"}).get_data(as_text=True)
    assert chip_names(html) == [] and "没有找到姓名含“代表01”的代表" in html  # out of office
    for odd in ("%", "_", "\x00代表", "代" * 80):
        assert client.get(pages["roster"], query_string={"q": odd}).status_code == 200, odd

    lone = factory.station(world["tree"]["hc"], "城南联络点")
    html = client.get(f"/public/stations/{lone.id}").get_data(as_text=True)
    assert "暂无代表信息" in html and "查看全部" not in html
    assert "暂无代表信息" in client.get(f"/public/stations/{lone.id}/deputies").get_data(as_text=True)
    missing = client.get("/public/stations/12345/deputies")
    assert missing.status_code == 404 and "没有找到这个联络站" in missing.get_data(as_text=True)


def test_a_small_stations_pages_list_every_deputy_with_no_link_to_more(client, world):
    for path in (f"/public/stations/{world['station'].id}", f"/q/{world['station'].qr_code}"):
        html = client.get(path).get_data(as_text=True)
        assert chip_names(html) == ["张伟"] and "查看全部" not in html


def test_station_list_search(client, factory, world):
    factory.station(world["tree"]["yl"], "岳麓区中心联络站")
    assert client.get("/public/stations?q=%00城北").status_code == 200  # PostgreSQL refuses to compare a NUL
    html = client.get("/public/stations?q=城北").get_data(as_text=True)
    assert "城北联络站" in html and "岳麓区中心联络站" not in html
    html = client.get("/public/stations").get_data(as_text=True)
    assert "城北联络站" in html and "岳麓区中心联络站" in html
    assert client.get("/public/").status_code == 302


def test_a_station_list_page_past_the_last_says_so_not_that_nothing_matches(client, world):
    """An old link to page 9 of a list that now has one page: the list is not empty, the page is ("共 2 个
    联络站" above "没有找到符合条件的联络站" contradicted itself); it offers the first page."""
    html = client.get("/public/stations?q=联络站&page=9").get_data(as_text=True)
    assert "没有找到符合条件的联络站" not in html
    assert '这一页没有联络站，请返回<a href="/public/stations?q=%E8%81%94%E7%BB%9C%E7%AB%99">第一页</a>。' in html
    assert "没有找到符合条件的联络站。" in client.get("/public/stations?q=不存在的联络站").get_data(as_text=True)


# --- 查找附近的联络站 ----------------------------------------------------------------------------

HERE = (28.1700, 112.9300)  # a citizen in Changsha, as the browser's GPS puts them (WGS-84)
METRE = 180 / (math.pi * 6371008.8)  # degrees of latitude in a metre, on the sphere distance_m uses


def test_distances_read_in_metres_then_kilometres():
    from backend.web.pages import distance

    assert [distance(m) for m in (0, 350, 999, 1000, 1249, 99949, 99950, 126000)] == [
        "0 米", "350 米", "999 米", "1.0 公里", "1.2 公里", "99.9 公里", "100 公里", "126 公里"]


@pytest.fixture
def around_here(factory, world):
    """Stations placed as China's maps place them (GCJ-02) around a citizen standing at HERE."""
    lat, lng = gcj02_from_wgs84(*HERE)
    yl = world["tree"]["yl"]
    return {
        "north": factory.station(yl, "岳麓区中心联络站", address="麓山路 9 号", lat=lat + 350 * METRE, lng=lng,
                                 open_hours="每月 5 日 9:00–11:30"),
        "south": factory.station(yl, "桃子湖社区联络点", lat=lat - 1200 * METRE, lng=lng),
        "unplaced": factory.station(yl, "岳麓区代表之家"),
    }


def station_names(html):
    return re.findall(r'<a class="station-link"[^>]*>\s*<strong>(.+?)</strong>', html)


def test_nearby_stations_come_nearest_first_with_their_distance(client, world, around_here):
    page = client.get("/public/stations", query_string={"near": "%.4f,%.4f" % HERE})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # Huaihua's station is some 290 km away; a station without coordinates comes last.
    assert station_names(html) == ["岳麓区中心联络站", "桃子湖社区联络点", "城北联络站", "岳麓区代表之家"]
    distances = re.findall(r'<span class="distance">(.+?)</span>', html)
    # 350 m as the maps measure it: the browser's GPS position was converted before comparing.
    assert distances[:2] == ["距您 350 米", "距您 1.2 公里"]
    assert re.fullmatch(r"距您 2\d\d 公里", distances[2]), distances[2]
    assert distances[3] == "暂无位置信息"
    assert "按与您的距离由近到远排列" in html and "接待时间：每月 5 日 9:00–11:30" in html
    assert html.count('class="nav-link"') == 3  # 导航 for every station the map can show
    assert 'href="https://uri.amap.com/marker?position=' in html
    assert 'class="page-notice"' not in html
    # A search keeps the order by distance.
    assert '<input type="hidden" name="near" value="28.17000,112.93000">' in html
    searched = client.get("/public/stations", query_string={"near": "%.4f,%.4f" % HERE, "q": "岳麓"})
    assert station_names(searched.get_data(as_text=True)) == ["岳麓区中心联络站", "桃子湖社区联络点", "岳麓区代表之家"]
    assert_strict_csp_page(html)

    # Without a position: by region, no distances, 导航 still there.
    html = client.get("/public/stations").get_data(as_text=True)
    assert 'class="distance"' not in html and 'name="near"' not in html
    assert html.count('class="nav-link"') == 3
    assert "/static/web/stations.js" in html and 'id="finder"' in html


def test_the_pages_of_nearby_stations_keep_the_position(client, world, around_here, monkeypatch):
    monkeypatch.setattr("backend.web.pages.STATIONS_PER_PAGE", 2)
    html = client.get("/public/stations", query_string={"near": "%.4f,%.4f" % HERE}).get_data(as_text=True)
    assert station_names(html) == ["岳麓区中心联络站", "桃子湖社区联络点"]
    next_page = re.search(r'<a href="([^"]+)">下一页', html).group(1).replace("&amp;", "&")
    assert "near=28.17000%2C112.93000" in next_page or "near=28.17000,112.93000" in next_page
    assert station_names(client.get(next_page).get_data(as_text=True)) == ["城北联络站", "岳麓区代表之家"]


@pytest.mark.parametrize("near", [
    "abc", "28.17", "91,100", "28,181", "1,2,3", "nan,nan", "inf,0", "²,1", "\x00,1", "28.17,", "1" * 5000 + ",1",
])
def test_a_position_that_is_not_one_is_ignored_with_a_notice(client, world, around_here, near):
    page = client.get("/public/stations", query_string={"near": near})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "未能识别位置信息，联络站仍按区域排列" in html
    assert 'class="distance"' not in html and 'name="near"' not in html
    assert len(station_names(html)) == 4
    assert_strict_csp_page(html)


@pytest.mark.parametrize("near", ["40.71280,-74.00600", "-33.86880,151.20930", "51.50740,-0.12780"])
def test_a_position_outside_china_lists_the_stations_by_region_with_a_notice(client, world, around_here, near):
    """No station is near New York, Sydney or London, and a flat-map ordering over 12,000 km listed
    them out of the order of the distances it showed: the list stays by region, and says why."""
    html = client.get("/public/stations", query_string={"near": near}).get_data(as_text=True)
    assert "您的位置不在国内，附近没有联络站，联络站仍按区域排列" in html
    assert 'class="distance"' not in html and 'name="near"' not in html and "由近到远" not in html
    assert len(station_names(html)) == 4
    assert_strict_csp_page(html)


def test_an_empty_position_is_no_position(client, world):
    html = client.get("/public/stations?near=&q=城北").get_data(as_text=True)
    assert "未能识别" not in html and 'class="distance"' not in html
    assert station_names(html) == ["城北联络站"]


def test_station_code_page_offers_directions_to_the_station(client, factory, world):
    html = client.get(f"/q/{world['station'].qr_code}").get_data(as_text=True)
    assert 'href="https://uri.amap.com/marker?position=109.990000%2C27.560000' in html
    assert "导航到联络站" in html
    assert_strict_csp_page(html)
    assert "uri.amap.com" not in client.get(f"/q/{world['zhang'].qr_code}").get_data(as_text=True)
    unplaced = factory.station(world["tree"]["hc"], "未标注位置的联络站")
    assert "导航到联络站" not in client.get(f"/q/{unplaced.qr_code}").get_data(as_text=True)


def test_leaderboard_page_shows_names_and_points_only(client, factory, world):
    closed_item(client, factory, world["zhang"], "路面坑洼需要修补", True)
    page = client.get("/public/leaderboard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "张伟" in html
    assert re.search(r'<td class="num">\s*4\s*</td>', html), "3 for the closed item + 1 for 满意"
    assert "13800000003" not in html
    assert_strict_csp_page(html)


def test_stats_page_shows_aggregate_figures(client, factory, world):
    closed_item(client, factory, world["zhang"], "路面坑洼需要修补，电话 13912345678", True)
    web = bearer(web_identity(client)["token"])
    assert file(client, web, world["station"].qr_code, content="东门路口积水严重").status_code == 201
    page = client.get("/public/stats")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "办结率" in html and "满意率" in html
    assert "100.0%" in html  # one rated item, 满意
    assert "城市管理" in html and "待分派" in html
    # Aggregates only: no item's text, number or phone.
    assert "路面坑洼" not in html and "东门路口积水" not in html
    assert "MSB-" not in html and "13912345678" not in html
    assert_strict_csp_page(html)


def test_stats_page_counts_a_merged_duplicate_apart_from_closed_items(client, factory, world):
    """已办结 in the bars agrees with the 已办结 tile: a duplicate closed by merging shows as 已合并."""
    closed_item(client, factory, world["zhang"], "路面坑洼需要修补", True)
    web = bearer(web_identity(client)["token"])
    first = file(client, web, world["station"].qr_code, content="东门路口积水严重").json["id"]
    second = file(client, web, world["station"].qr_code, content="东门路口积水，下雨天过不去").json["id"]
    admin = factory.headers_for_admin(factory.admin("root", region=world["tree"]["root"]))
    merged = client.post(f"/api/v1/suggestions/{second}/merge", json={"into_id": first}, headers=admin)
    assert merged.status_code == 200, merged.json
    api = client.get("/api/v1/stats/suggestions", headers=admin).json
    assert (api["total"], api["by_status"]["closed"], api["merged"]) == (3, 2, 1)

    html = client.get("/public/stats").get_data(as_text=True)
    bars = dict(re.findall(r'<span class="bar-label">(.+?)</span>.*?<span class="bar-count">(\d+)</span>', html, re.S))
    assert bars == {"已办结": "1", "已合并": "1", "待分派": "1", "城市管理": "3"}
    assert re.search(r'tile-value">1</span><span class="tile-label">已办结', html)


def received(html):
    """The stats page's 收到建议 tile."""
    return re.search(r'tile-value">(\d+)</span><span class="tile-label">收到建议', html).group(1)


def test_stats_page_is_computed_once_per_period_and_says_when(client, world, config_override):
    """The figures read every item: anyone asking within PUBLIC_STATS_CACHE_SECONDS gets the same ones."""
    web = bearer(web_identity(client)["token"])
    assert file(client, web, world["station"].qr_code, content="东门路口积水严重").status_code == 201
    first = client.get("/public/stats").get_data(as_text=True)
    assert received(first) == "1"
    assert re.search(r"统计时间：\d{4}-\d{2}-\d{2} \d{2}:\d{2}，每 5 分钟更新。", first)

    assert file(client, web, world["station"].qr_code, content="西门路灯不亮").status_code == 201
    assert received(client.get("/public/stats").get_data(as_text=True)) == "1"

    config_override(PUBLIC_STATS_CACHE_SECONDS=0)  # off: every request counts afresh
    fresh = client.get("/public/stats").get_data(as_text=True)
    assert received(fresh) == "2" and "分钟更新" not in fresh


def test_stats_figures_are_shared_through_redis_and_a_lost_redis_only_costs_time(app, client, world, redis_prefix):
    """Two app servers with one REDIS_URL compute the figures once; with Redis gone the page still answers."""
    from backend import create_app

    def server(redis_url):
        return create_app({
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "test-secret",
            "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url, "CACHE_KEY_PREFIX": redis_prefix,
        }).test_client()

    one, two = server(REDIS_TEST_URL), server(REDIS_TEST_URL)
    web = bearer(web_identity(client)["token"])
    assert file(client, web, world["station"].qr_code, content="东门路口积水严重").status_code == 201
    assert received(one.get("/public/stats").get_data(as_text=True)) == "1"
    assert file(client, web, world["station"].qr_code, content="西门路灯不亮").status_code == 201
    assert received(two.get("/public/stats").get_data(as_text=True)) == "1"  # the figures server one computed

    unreachable = server("redis://127.0.0.1:1/0")
    page = unreachable.get("/public/stats")
    assert page.status_code == 200 and received(page.get_data(as_text=True)) == "2"


def test_live_wechat_cannot_screen_browser_filings_so_they_wait_for_an_administrator(app, client, factory, world):
    """Live WeChat screens text only for a mini-program user; a browser citizen's item is held for review."""
    from backend.wechat.standin import create_standin_app

    from .conftest import serve_in_thread

    server, strict_base = serve_in_thread(create_standin_app(require_openid=True))
    original = app.config["WECHAT_API_BASE"]
    app.config["WECHAT_API_BASE"] = strict_base
    app.extensions.pop("wechat_client", None)
    try:
        token = web_identity(client)["token"]
        filed = file(client, bearer(token), world["zhang"].qr_code)
        assert filed.status_code == 201
        screen(app)
    finally:
        app.config["WECHAT_API_BASE"] = original
        app.extensions.pop("wechat_client", None)
        server.shutdown()
    mine = client.get(f"/api/v1/suggestions/{filed.json['id']}", headers=bearer(token)).json
    assert mine["status_label"] == "审核中"
    deputy = factory.deputy_headers(world["zhang"])
    assert client.get(f"/api/v1/suggestions/{filed.json['id']}", headers=deputy).status_code == 404
    admin = factory.headers_for_admin(factory.admin("root", region=world["tree"]["root"]))
    held = client.get("/api/v1/suggestions?held=true", headers=admin).json["items"]
    assert [i["id"] for i in held] == [filed.json["id"]]
    released = client.post(f"/api/v1/suggestions/{filed.json['id']}/release", json={}, headers=admin)
    assert released.status_code == 200
    assert client.get(f"/api/v1/suggestions/{filed.json['id']}", headers=deputy).status_code == 200


def test_the_console_names_a_citizen_in_a_phone_browser_as_such(app, client, world, factory):
    """The item's 台账 says 群众（手机浏览器） for a citizen who filed in a browser (not 网页群众, which read like
    a typo), for items filed before the change too."""
    from sqlalchemy import select

    from backend.extensions import db
    from backend.suggestions.models import SuggestionEvent

    from .test_console_org_activities import sign_in

    factory.admin("chengbei", stations=[world["station"]])
    identity = web_identity(client)
    filed = [file(client, bearer(identity["token"]), world["zhang"].qr_code).json["id"] for _ in range(2)]
    older = db.session.scalars(select(SuggestionEvent).where(SuggestionEvent.suggestion_id == filed[1])).first()
    older.actor_name = "网页群众"  # as recorded before
    db.session.commit()
    console = sign_in(app, "chengbei")
    for item_id in filed:
        page = console.get(f"/console/suggestions/{item_id}").get_data(as_text=True)
        who = re.findall(r'<span class="who">(.*?)</span>', page.split('class="timeline"')[1])
        assert who == ["群众（手机浏览器）"], who
        assert "网页群众" not in page


def test_the_anonymous_switch_says_a_contact_phone_left_still_reaches_those_handling_it(client, world):
    """匿名 hides who filed, not the contact phone the citizen chose to leave: the handling deputy and
    the station's staff see it to call back (presenters.present), so the switch must not promise otherwise."""
    html = client.get(f"/q/{world['station'].qr_code}").get_data(as_text=True)
    switch = re.search(r'<span class="switch-text">匿名提交<small>([^<]*)</small>', html).group(1)
    assert switch == "代表和工作人员看不到您的身份；填写的联系电话仍会提供给办理人员"
