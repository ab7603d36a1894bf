"""民生实事 outside WeChat: a citizen in a phone browser (the anonymous identity of POST /api/v1/auth/web)
proposes a project (群众下单) — rate limited as a web filing, idempotent on retry — and follows it in
我的民生建议; anyone reads the adopted projects of a region and their progress on a public page."""
import re

from sqlalchemy import func, select, update

from backend.extensions import db
from backend.livelihood.models import LivelihoodProject, LivelihoodProposal

from .test_livelihood import API, ballot, close, congress, new_round, opened  # noqa: F401 (congress: a fixture)
from .test_web_pages import assert_strict_csp_page, bearer, config_override, web_identity  # noqa: F401


def propose(client, headers, region, title="修建农贸市场停车场", ip="10.0.0.1", **extra):
    body = {"region_id": region.id, "title": title, "content": "周末停车难，希望修建停车场。", **extra}
    return client.post(f"{API}/proposals", json=body, headers=headers, environ_base={"REMOTE_ADDR": ip})


def proposals_count():
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(LivelihoodProposal))


# --- the API, for a browser identity -----------------------------------------------------------------


def test_a_browser_identity_proposes_once_per_key_and_sees_its_own_proposals(client, congress):  # noqa: F811
    tree = congress["tree"]
    browser = bearer(web_identity(client)["token"])
    first = propose(client, browser | {"Idempotency-Key": "lv-web-1"}, tree["hc"], contact_phone="13800001111")
    assert first.status_code == 201, first.json
    assert (first.json["status_label"], first.json["region_name"]) == ("待处理", "鹤城区")
    again = propose(client, browser | {"Idempotency-Key": "lv-web-1"}, tree["hc"], contact_phone="13800001111")
    assert (again.status_code, again.json, again.headers.get("Idempotent-Replayed")) == (201, first.json, "true")
    assert proposals_count() == 1
    # Its own, and nobody else's: another browser sees none of it.
    mine = client.get(f"{API}/proposals", headers=browser).json
    assert [(p["title"], p["status"]) for p in mine["items"]] == [("修建农贸市场停车场", "new")]
    assert "contact_phone" not in mine["items"][0]
    stranger = bearer(web_identity(client)["token"])
    assert client.get(f"{API}/proposals", headers=stranger).json["total"] == 0
    # The administrators of the county see it, with the phone.
    listed = client.get(f"{API}/proposals", headers=congress["admins"]["hc"]).json["items"]
    assert [(p["title"], p["contact_phone"]) for p in listed] == [("修建农贸市场停车场", "13800001111")]


def test_proposing_from_a_browser_is_limited_as_web_filings_are(client, congress, config_override):  # noqa: F811
    """Per browser identity and, more loosely, per address; a refused form uses no quota, a retry
    none either; WeChat citizens are not limited this way."""
    config_override(WEB_FILING_RATE_LIMIT="2 per hour", WEB_FILING_ADDRESS_RATE_LIMIT="3 per hour")
    tree = congress["tree"]
    alice = bearer(web_identity(client, "10.0.0.1")["token"])
    bob = bearer(web_identity(client, "10.0.0.1")["token"])
    assert propose(client, alice, tree["cun"]).status_code == 422  # a village has no congress
    assert propose(client, alice | {"Idempotency-Key": "a-1"}, tree["hc"]).status_code == 201
    assert propose(client, alice | {"Idempotency-Key": "a-1"}, tree["hc"]).status_code == 201  # the retry
    assert propose(client, alice | {"Idempotency-Key": "a-2"}, tree["hc"]).status_code == 201
    over = propose(client, alice | {"Idempotency-Key": "a-3"}, tree["hc"])
    assert (over.status_code, over.json["error"], over.json["message"]) == (429, "rate_limited", "操作过于频繁，请 60 分钟后再试。")
    assert propose(client, alice, tree["hc"], ip="10.0.0.2").status_code == 429  # per identity, wherever it is
    assert propose(client, bob, tree["hc"]).status_code == 201
    assert propose(client, bob, tree["hc"]).status_code == 429  # the address's three are used up
    assert propose(client, bob, tree["hc"], ip="10.0.0.3").status_code == 201
    assert proposals_count() == 4
    for _ in range(3):
        assert propose(client, congress["citizen"], tree["hc"]).status_code == 201
    assert proposals_count() == 7


# --- the public page of adopted projects ---------------------------------------------------------------


def adopted_with_progress(client, congress):  # noqa: F811
    """A closed round of 鹤城区: "乡村道路<硬化>" adopted with a progress entry, "老旧小区改造" not."""
    admin = congress["admins"]["hc"]
    vote_id, ids = opened(client, admin, places=1, projects=("乡村道路<硬化>", "老旧小区改造"))
    for headers in congress["headers"]:
        assert ballot(client, headers, vote_id, ids, ["for", "against"]).status_code == 201
    assert close(client, admin, vote_id).status_code == 200
    progress = client.post(f"{API}/projects/{ids[0]}/progress", headers=admin,
                           json={"note": "已完成 12 公里路面硬化", "percent": 40, "date": "2026-05-01"})
    assert progress.status_code == 201, progress.json
    return ids


def test_the_public_page_shows_a_regions_adopted_projects_and_their_progress(client, congress):  # noqa: F811
    adopted_with_progress(client, congress)
    tree = congress["tree"]
    propose(client, congress["citizen"], tree["hc"], contact_phone="13800001111")
    page = client.get("/public/livelihood", query_string={"region_id": tree["hc"].id})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<title>鹤城区民生实事项目 · 码上办</title>" in html
    assert "乡村道路&lt;硬化&gt;" in html and "<硬化>" not in html
    assert "老旧小区改造" not in html  # not adopted
    assert "已完成 12 公里路面硬化" in html and "2026-05-01" in html
    assert re.search(r'<progress[^>]*value="40"[^>]*max="100"', html)
    assert "住建局" in html and "3 票赞成" in html
    # No personal data: no deputy, no proposer, no phone.
    for private in ("张伟", "李娜", "13800001111", "13900000101"):
        assert private not in html
    assert_strict_csp_page(html)
    # The province above it shows it too (its subtree); another county does not.
    assert "乡村道路&lt;硬化&gt;" in client.get(f"/public/livelihood?region_id={tree['root'].id}").get_data(as_text=True)
    other = client.get(f"/public/livelihood?region_id={tree['yl'].id}").get_data(as_text=True)
    assert "乡村道路" not in other and "暂无票决当选的民生实事项目。" in other
    # The way to propose one, and to one's own proposals.
    assert f'href="/livelihood/propose?region_id={tree["hc"].id}"' in html
    assert 'href="/livelihood/mine"' in html


def test_the_public_page_is_reached_from_the_public_home_and_a_stations_page(client, congress):  # noqa: F811
    tree, factory = congress["tree"], congress["factory"]
    home = client.get("/public/", follow_redirects=True).get_data(as_text=True)
    link = re.search(r'<a href="(/public/livelihood[^"]*)"[^>]*>民生实事</a>', home)
    assert link, "no 民生实事 tab on the public home page"
    whole = client.get(link.group(1))
    assert whole.status_code == 200 and "湖南省民生实事项目" in whole.get_data(as_text=True)
    station = factory.station(tree["hcx"], "城北镇联络站")
    html = client.get(f"/public/stations/{station.id}").get_data(as_text=True)
    assert f'href="/public/livelihood?region_id={tree["hcx"].id}"' in html
    # A village station's link goes to the township above it: a village has no congress.
    village_station = factory.station(tree["cun"], "红星村联络点")
    html = client.get(f"/public/stations/{village_station.id}").get_data(as_text=True)
    assert f'href="/public/livelihood?region_id={tree["hcx"].id}"' in html


def test_the_public_page_of_an_unknown_region_is_a_page_not_an_error(client, congress):  # noqa: F811
    for region_id in ("999999", "abc", "99999999999999"):
        page = client.get(f"/public/livelihood?region_id={region_id}")
        assert page.status_code == 404
        assert "没有找到这个地区。" in page.get_data(as_text=True)


# --- the citizen's pages ----------------------------------------------------------------------------------


def test_the_propose_page_offers_the_regions_congress_and_those_above_it(client, congress):  # noqa: F811
    tree = congress["tree"]
    page = client.get(f"/livelihood/propose?region_id={tree['cun'].id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<title>提出民生实事建议 · 码上办</title>" in html
    select_html = re.search(r'<select[^>]*id="lv-region_id"[^>]*>(.*?)</select>', html, re.S).group(1)
    options = re.findall(r'<option value="(\d+)"( selected)?>([^<]*)</option>', select_html)
    # A village has no congress: its township is chosen, with those above it to choose from.
    assert [(int(i), bool(s), name) for i, s, name in options] == [
        (tree["hcx"].id, True, "城北镇人大"), (tree["hc"].id, False, "鹤城区人大"),
        (tree["hh"].id, False, "怀化市人大"), (tree["root"].id, False, "湖南省人大")]
    form = re.search(r'<form[^>]*id="lv-form"[^>]*>', html).group(0)
    assert 'method="post"' in form
    assert "/static/web/livelihood-propose.js" in html and "/static/web/common.js" in html
    assert "<noscript>" in html
    assert_strict_csp_page(html)
    # Without a region (as 我的民生建议's button opens it): nothing chosen — the citizen must choose, not
    # send a local matter to the province by default — and a way to choose one's own region.
    whole = client.get("/livelihood/propose").get_data(as_text=True)
    assert re.findall(r'<option value="(\d*)" selected>', whole) == [""]
    assert '<option value="" selected>请选择</option>' in whole
    assert 'href="/public/livelihood"' in whole


def test_a_subdistrict_has_no_congress_on_the_propose_page(client, congress):  # noqa: F811
    """A 街道 has an 人大工委, no people's congress: its people (and a station's in it, a village's under
    it) are offered the district's congress first, never “…街道人大”."""
    tree, factory = congress["tree"], congress["factory"]
    street = factory.region("迎丰街道", "township", tree["hc"])
    community = factory.region("迎丰社区", "village", street)
    for region in (street, community):
        html = client.get(f"/livelihood/propose?region_id={region.id}").get_data(as_text=True)
        select_html = re.search(r'<select[^>]*id="lv-region_id"[^>]*>(.*?)</select>', html, re.S).group(1)
        options = re.findall(r'<option value="(\d+)"( selected)?>([^<]*)</option>', select_html)
        assert [(int(i), bool(s), name) for i, s, name in options] == [
            (tree["hc"].id, True, "鹤城区人大"), (tree["hh"].id, False, "怀化市人大"), (tree["root"].id, False, "湖南省人大")]
        assert "街道人大" not in html
    station = factory.station(street, "迎丰街道人大代表之家")
    page = client.get(f"/public/stations/{station.id}").get_data(as_text=True)
    assert f'href="/public/livelihood?region_id={tree["hc"].id}"' in page


def test_the_propose_form_posted_without_its_script_comes_back_as_typed_and_files_nothing(client, congress):  # noqa: F811
    tree = congress["tree"]
    posted = client.post("/livelihood/propose", data={
        "origin": str(tree["hcx"].id), "region_id": str(tree["hc"].id), "title": "修建<停车场>", "content": "周末停车难",
        "contact_phone": "13912345678"})
    assert posted.status_code == 200
    assert posted.headers["Cache-Control"] == "no-store"
    html = posted.get_data(as_text=True)
    assert "尚未提交" in html and "JavaScript" in html
    assert 'value="修建&lt;停车场&gt;"' in html and "周末停车难</textarea>" in html
    assert f'<option value="{tree["hc"].id}" selected>鹤城区人大</option>' in html
    assert f'<option value="{tree["hcx"].id}">城北镇人大</option>' in html  # the page's choices kept
    assert 'value="13912345678"' in html
    # Odd values are no region: the province's congress is offered, and nothing beyond the form's sizes echoed.
    odd = client.post("/livelihood/propose", data={"origin": "x", "region_id": "99999999999", "title": "长" * 500})
    assert odd.status_code == 200
    html = odd.get_data(as_text=True)
    assert f'<option value="{tree["root"].id}">湖南省人大</option>' in html
    assert "长" * 60 in html and "长" * 61 not in html
    assert proposals_count() == 0


def test_my_proposals_page_is_a_shell_for_the_browser_identity(client):
    page = client.get("/livelihood/mine")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<title>我的民生建议 · 码上办</title>" in html
    assert "/static/web/livelihood-mine.js" in html and "<noscript>" in html
    assert re.search(r'id="loading"[^>]*hidden', html)
    assert 'href="/livelihood/propose"' in html
    assert_strict_csp_page(html)
    # Found from the browser's other list of its own (suggestions and appointments).
    assert 'href="/livelihood/mine"' in client.get("/track/").get_data(as_text=True)


# --- a citizen's words, adopted as a candidate ----------------------------------------------------------

WORDS = "我叫钱小芳，住迎丰路25号，电话13600002222。迎丰路与人民路交叉口没有红绿灯，希望加装。"
REDACTED = "我叫***，住迎丰路***，电话***。迎丰路与人民路交叉口没有红绿灯，希望加装。"


def test_an_adopted_proposal_is_published_without_the_citizens_personal_data(client, congress):  # noqa: F811
    """The candidate copied from a proposal carries its words redacted (as public suggestions are): on the
    ballot, on the public page and its API; the administrator may still reword it before the opening; and
    after the citizen's 注销 a candidate still holding their words verbatim (adopted before) is redacted."""
    admin, tree, citizen = congress["admins"]["hc"], congress["tree"], congress["citizen"]
    proposal = client.post(f"{API}/proposals", headers=citizen, json={
        "region_id": tree["hc"].id, "title": "迎丰路口加装红绿灯", "content": WORDS, "contact_phone": "13600002222"})
    assert proposal.status_code == 201, proposal.json
    vote_id, ids = new_round(client, admin, places=1, projects=("乡村道路硬化",))
    adopted = client.post(f"{API}/proposals/{proposal.json['id']}/adopt", json={"vote_id": vote_id}, headers=admin)
    assert adopted.status_code == 200, adopted.json
    project = adopted.json["project_id"]
    # The citizen still sees their own words; the candidate carries them redacted.
    assert client.get(f"{API}/proposals", headers=citizen).json["items"][0]["content"] == WORDS
    candidate = next(p for p in client.get(f"{API}/votes/{vote_id}", headers=admin).json["projects"]
                     if p["id"] == project)
    assert candidate["description"] == REDACTED
    # The administrator may still reword it before the opening.
    edited = client.patch(f"{API}/votes/{vote_id}/projects/{project}", headers=admin,
                          json={"description": "迎丰路与人民路交叉口加装红绿灯。"})
    assert (edited.status_code, edited.json["description"]) == (200, "迎丰路与人民路交叉口加装红绿灯。")
    assert client.post(f"{API}/votes/{vote_id}/open", headers=admin).status_code == 200
    for headers in congress["headers"]:
        shown = client.get(f"{API}/votes/{vote_id}", headers=headers).json  # the ballot
        assert "钱小芳" not in str(shown) and "13600002222" not in str(shown)
        assert ballot(client, headers, vote_id, [ids[0], project], ["against", "for"]).status_code == 201
    assert close(client, admin, vote_id).status_code == 200
    public = client.get("/api/v1/public/livelihood", query_string={"region_id": tree["hc"].id}).json
    assert [(p["title"], p["description"]) for p in public["items"]] == [("迎丰路口加装红绿灯", "迎丰路与人民路交叉口加装红绿灯。")]


def test_erasure_redacts_a_candidate_still_holding_the_citizens_words(client, congress):  # noqa: F811
    admin, tree, citizen = congress["admins"]["hc"], congress["tree"], congress["citizen"]
    proposal = client.post(f"{API}/proposals", headers=citizen, json={
        "region_id": tree["hc"].id, "title": "迎丰路口加装红绿灯", "content": WORDS}).json
    vote_id, ids = new_round(client, admin, places=1, projects=("乡村道路硬化",))
    project = client.post(f"{API}/proposals/{proposal['id']}/adopt", json={"vote_id": vote_id},
                          headers=admin).json["project_id"]
    # As a candidate adopted before its words were redacted on adoption holds them.
    db.session.execute(update(LivelihoodProject).where(LivelihoodProject.id == project).values(description=WORDS))
    db.session.commit()
    assert client.post(f"{API}/votes/{vote_id}/open", headers=admin).status_code == 200
    for headers in congress["headers"]:
        assert ballot(client, headers, vote_id, [ids[0], project], ["against", "for"]).status_code == 201
    assert close(client, admin, vote_id).status_code == 200
    page = client.get(f"/public/livelihood?region_id={tree['hc'].id}").get_data(as_text=True)
    assert "钱小芳" in page  # the verbatim copy, before 注销
    assert client.delete("/api/v1/me", headers=citizen).status_code == 204
    public = client.get("/api/v1/public/livelihood", query_string={"region_id": tree["hc"].id}).json
    assert public["items"][0]["description"] == REDACTED
    page = client.get(f"/public/livelihood?region_id={tree['hc'].id}").get_data(as_text=True)
    assert "钱小芳" not in page and "13600002222" not in page and "迎丰路口加装红绿灯" in page


def test_the_propose_form_says_the_words_may_be_published_without_personal_data(client, congress):  # noqa: F811
    html = client.get(f"/livelihood/propose?region_id={congress['tree']['hc'].id}").get_data(as_text=True)
    assert "建议内容可能在去除个人信息（姓名、电话、门牌号等）后公开" in html


def test_the_page_of_a_region_without_a_congress_points_to_the_congress_whose_projects_cover_it(client, congress):  # noqa: F811
    """A 街道 or a village has no people's congress, so no round of its own: its page says so and points to
    the congress above it (a 街道's district; a village's township, or under a 街道 the district), whose
    adopted projects are shown there, rather than an empty list that nothing can ever fill."""
    adopted_with_progress(client, congress)
    tree, factory = congress["tree"], congress["factory"]
    street = factory.region("迎丰街道", "township", tree["hc"])
    community = factory.region("迎丰社区", "village", street)
    for region, message, target in (
            (street, "迎丰街道不设人民代表大会（设人大工委），这里的民生实事项目由鹤城区人民代表大会票决。", tree["hc"]),
            (community, "迎丰社区（村、社区）不设人民代表大会，这里的民生实事项目由鹤城区人民代表大会票决。", tree["hc"]),
            (tree["cun"], "红星村（村、社区）不设人民代表大会，这里的民生实事项目由城北镇人民代表大会票决。", tree["hcx"])):
        page = client.get(f"/public/livelihood?region_id={region.id}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert message in html, region.name
        assert f'<a class="btn primary" href="/public/livelihood?region_id={target.id}">查看{target.name}的民生实事项目</a>' in html
        assert "暂无票决当选的民生实事项目。" not in html and "票决当选的项目 <small" not in html
    # A congress's own page is as before.
    html = client.get(f"/public/livelihood?region_id={tree['hcx'].id}").get_data(as_text=True)
    assert "暂无票决当选的民生实事项目。" in html and "不设人民代表大会" not in html
