"""Long unbroken text a citizen or deputy typed (a pasted link of 200 characters, no space) breaks inside its
card on the console's pages at 1366 px: no page is wider than the screen."""
from datetime import datetime, timedelta, timezone

import pytest

from .test_console_activities import sign_in
from .test_console_phone import OVERFLOWING

pytestmark = pytest.mark.database_independent

LINK = "http://example.com/" + "a" * 181  # 200 characters without a space
DRAFT = "第一条 为了加强城市绿化管理，制定本条例。\n第二条 本条例适用于本市城市规划区。"


@pytest.fixture
def long_world(factory):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", address="人民路 18 号")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[station], level="city")
    factory.admin("chengbei", stations=[station])
    region_admin = factory.admin("huaihua", region=tree["hh"])
    hh = factory.headers_for_admin(region_admin)
    client = factory.client
    citizen = factory.wechat_login("citizen-long")
    deputy = factory.deputy_headers(zhang)

    def ok(response, status=200):
        assert response.status_code == status, response.json
        return response.json

    item = ok(client.post("/api/v1/suggestions", headers=citizen, json={
        "qr_code": zhang.qr_code, "category": "城市管理", "content": f"路灯坏了，照片见{LINK}"}), 201)
    ok(client.post(f"/api/v1/suggestions/{item['id']}/accept", headers=deputy))
    ok(client.post(f"/api/v1/suggestions/{item['id']}/reply", headers=deputy, json={"content": f"已修复，见{LINK}"}))
    appointment = ok(client.post("/api/v1/appointments", headers=citizen, json={
        "qr_code": station.qr_code, "topic": f"加装电梯{LINK}", "contact_phone": "13912345678",
        "preferred_time": "周六上午"}), 201)

    now = datetime.now(timezone.utc)
    consultation = ok(client.post("/api/v1/consultations", headers=hh, json={
        "title": "怀化市城市绿化条例（草案）", "summary": f"说明{LINK}", "text": DRAFT,
        "starts_at": (now - timedelta(minutes=5)).isoformat(), "ends_at": (now + timedelta(days=3)).isoformat()}), 201)
    ok(client.post(f"/api/v1/consultations/{consultation['id']}/open", headers=hh))
    ok(client.post(f"/api/v1/consultations/{consultation['id']}/opinions", headers=citizen,
                   json={"content": f"建议{LINK}"}), 201)

    topic = ok(client.post("/api/v1/research/topics", headers=hh, json={
        "title": "数字经济调研", "theme": "数字经济", "description": f"围绕{LINK}开展调研。"}), 201)
    ok(client.post(f"/api/v1/research/topics/{topic['id']}/publish", headers=hh))
    team = ok(client.post(f"/api/v1/research/topics/{topic['id']}/teams", headers=deputy, json={}), 201)
    ok(client.post(f"/api/v1/research/teams/{team['id']}/report", headers=deputy,
                   json={"title": "调研报告", "body": f"正文{LINK}"}), 201)
    return {"item": item, "appointment": appointment, "consultation": consultation, "topic": topic}


def test_long_unbroken_text_wraps_inside_its_card(browser, live_server, long_world, external_requests):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    wider = {}
    try:
        for user, paths in (
            ("chengbei", ["/console/suggestions", f"/console/suggestions/{long_world['item']['id']}",
                          "/console/appointments", f"/console/appointments/{long_world['appointment']['id']}"]),
            ("huaihua", [f"/console/suggestions/{long_world['item']['id']}",
                         f"/console/consultations/{long_world['consultation']['id']}",
                         f"/console/research/{long_world['topic']['id']}"]),
        ):
            context.clear_cookies()
            sign_in(page, live_server, user)
            for path in paths:
                assert page.goto(live_server + path).status == 200, path
                if path.rsplit("/", 1)[-1].isdigit():  # an item's page shows the long text in full
                    assert "a" * 150 in page.inner_text("main"), path
                measured = page.evaluate(OVERFLOWING)
                if measured["page"] > measured["width"] or measured["found"]:
                    wider[f"{user} {path}"] = measured
        assert wider == {}
    finally:
        context.close()
    assert external_requests == []
