"""民生实事 in a phone browser outside WeChat: from a station's public page to its region's 民生实事
projects, a proposal (群众下单) sent with the browser's identity — a mistake said beside its field, an
answer lost on the way sent again without a second proposal — then 我的民生建议 with what the
congress decided."""
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect
from sqlalchemy import func, select

from backend.extensions import db
from backend.livelihood.models import LivelihoodProposal

from .conftest import lose_the_first_answer, phone_page
from .test_accessibility import CUT_OFF, FAINT_PLACEHOLDERS, TEXT_AT_200, Audit

SHOTS = "/tmp"
API = "/api/v1/livelihood"


def adopted_project(factory, tree, admin):
    """A closed round of 鹤城区 whose one project was voted in by its three deputies (fewer ballots would
    make it void), with a progress entry."""
    client = factory.client
    deputies = [factory.deputy_headers(factory.deputy(tree["hc"], name, phone=f"1380000000{i}", level="county"))
                for i, name in enumerate(("张伟", "李娜", "王强"), 3)]
    now = datetime.now(timezone.utc)
    vote = client.post(f"{API}/votes", headers=admin, json={
        "title": "2027 年鹤城区民生实事项目票决", "year": 2027, "places": 1,
        "starts_at": (now - timedelta(minutes=5)).isoformat(), "ends_at": (now + timedelta(hours=2)).isoformat()}).json
    project = client.post(f"{API}/votes/{vote['id']}/projects", headers=admin, json={
        "title": "乡村道路硬化", "description": "硬化村组道路 30 公里。", "department": "交通运输局", "budget": 1200}).json
    assert client.post(f"{API}/votes/{vote['id']}/open", headers=admin).status_code == 200
    for deputy in deputies:
        assert client.post(f"{API}/votes/{vote['id']}/ballot", headers=deputy, json={
            "choices": [{"project_id": project["id"], "choice": "for"}]}).status_code == 201
    assert client.post(f"{API}/votes/{vote['id']}/close", headers=admin, json={"reason": "代表均已投票"}).status_code == 200
    assert client.post(f"{API}/projects/{project['id']}/progress", headers=admin, json={
        "note": "已完成 12 公里", "percent": 40, "date": "2026-05-01"}).status_code == 201


def test_a_citizen_proposes_from_a_stations_page_and_follows_it_in_my_proposals(browser, phone, live_server, factory,
                                                                                  external_requests):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", address="鹤城区人民路 18 号")
    admin = factory.headers_for_admin(factory.admin("hc-admin", region=tree["hc"]))
    adopted_project(factory, tree, admin)
    audit = Audit(phone)

    phone.goto(f"{live_server}/public/stations/{station.id}")
    phone.get_by_role("link", name="鹤城区民生实事项目 ›").click()
    expect(phone.locator("h1")).to_have_text("鹤城区民生实事项目")
    project = phone.locator(".lv-projects li")
    expect(project.locator("h3")).to_have_text("乡村道路硬化")
    expect(project.locator(".lv-percent")).to_have_text("实施进度 40%")
    expect(project.get_by_role("progressbar", name="乡村道路硬化实施进度")).to_have_attribute("value", "40")
    expect(project.locator(".lv-timeline li")).to_contain_text("已完成 12 公里")
    audit.check("a region's 民生实事 projects")
    phone.screenshot(path=f"{SHOTS}/livelihood_public.png", full_page=True)
    phone.get_by_role("link", name="提出民生实事建议").click()

    expect(phone.locator("h1").first).to_have_text("提出民生实事建议")
    assert not phone.evaluate(FAINT_PLACEHOLDERS)
    expect(phone.locator("#lv-region_id option:checked")).to_have_text("鹤城区人大")
    phone.fill("#lv-content", "周末农贸市场门口停车难，希望修建停车场。")
    expect(phone.locator("#lv-counter")).to_have_text("20/1000")
    phone.click("#lv-submit")
    expect(phone.locator("#lv-title-error")).to_have_text("请填写项目名称。")
    expect(phone.locator("#lv-title")).to_be_focused()
    expect(phone.locator("#lv-title")).to_have_attribute("aria-invalid", "true")
    expect(phone.get_by_label("项目名称")).to_have_accessible_description("请填写项目名称。")
    audit.check("the propose form's mistake")

    phone.fill("#lv-title", "修建农贸市场停车场")
    phone.fill("#lv-contact_phone", "139 1234 5678")
    keys = lose_the_first_answer(phone, "**/api/v1/livelihood/proposals")
    phone.click("#lv-submit")
    expect(phone.locator("#lv-error")).to_have_text("网络连接不稳定，请检查网络后重试。")
    phone.click("#lv-submit")
    expect(phone.locator("#lv-done")).to_be_visible()
    expect(phone.locator("#lv-done-number")).to_have_text("修建农贸市场停车场")
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1]
    db.session.expire_all()
    proposals = db.session.scalars(select(LivelihoodProposal)).all()
    assert [(p.title, p.region_id, p.phone) for p in proposals] == [("修建农贸市场停车场", tree["hc"].id, "13912345678")]
    audit.check("after proposing")

    phone.click("#lv-done-open")
    expect(phone.locator("h1")).to_have_text("我的民生建议")
    item = phone.locator("#items li")
    expect(item).to_have_count(1)
    expect(item.locator(".lv-item-title")).to_have_text("修建农贸市场停车场")
    expect(item.locator(".badge")).to_have_text("待处理")
    expect(item).to_contain_text("向鹤城区人大提出")

    declined = factory.client.post(f"/api/v1/livelihood/proposals/{proposals[0].id}/decline", headers=admin,
                                   json={"reason": "已列入城区停车设施年度计划"})
    assert declined.status_code == 200, declined.json
    phone.reload()
    expect(item.locator(".badge")).to_have_text("不予采纳")
    expect(item.locator(".lv-outcome")).to_have_text("不予采纳的理由：已列入城区停车设施年度计划")
    audit.check("my proposals")
    audit.assert_clean()
    assert db.session.scalar(select(func.count()).select_from(LivelihoodProposal)) == 1

    # The narrowest phone with the largest text: nothing scrolls sideways or is cut off.
    small = phone_page(browser, live_server, external_requests, width=320, height=640)
    try:
        found = []
        for what, path in (("the projects", f"/public/livelihood?region_id={tree['hc'].id}"),
                           ("the form", f"/livelihood/propose?region_id={tree['hc'].id}"), ("mine", "/livelihood/mine")):
            small.goto(f"{live_server}{path}")
            small.evaluate(TEXT_AT_200)
            found += [f"{what}: {problem}" for problem in small.evaluate(CUT_OFF)]
        assert not found, "At 320 px with the text at 200 %:\n" + "\n".join(found)
    finally:
        small.context.close()
    assert external_requests == []


def test_my_proposals_asks_for_a_congress_and_pages_through_many(phone, live_server, factory, external_requests):
    """我的民生建议's button opens the form without a region: no congress is chosen for the citizen (the
    province's is all it could offer) — sent so, the form asks for one. Many proposals come a page at a
    time, with 加载更多 while there are more."""
    tree = factory.tree()
    phone.goto(f"{live_server}/livelihood/mine")
    expect(phone.locator("#empty")).to_be_visible()
    phone.get_by_role("link", name="提出民生实事建议").click()
    phone.wait_for_load_state()  # the form's script has run: a click before it would post the page itself
    expect(phone.locator("h1").first).to_have_text("提出民生实事建议")
    expect(phone.locator("#lv-region_id option:checked")).to_have_text("请选择")
    phone.fill("#lv-title", "修建停车场")
    phone.fill("#lv-content", "周末停车难。")
    phone.click("#lv-submit")
    expect(phone.locator("#lv-region_id-error")).to_have_text("请选择向哪一级人大提出。")
    expect(phone.locator("#lv-region_id")).to_be_focused()
    assert db.session.scalar(select(func.count()).select_from(LivelihoodProposal)) == 0
    phone.select_option("#lv-region_id", label="湖南省人大")
    phone.click("#lv-submit")
    expect(phone.locator("#lv-done")).to_be_visible()

    first = db.session.scalars(select(LivelihoodProposal)).one()
    db.session.add_all([LivelihoodProposal(region_id=tree["hc"].id, title=f"建议{i:02d}", content="内容",
                                           proposer_id=first.proposer_id) for i in range(2, 26)])
    db.session.commit()
    phone.goto(f"{live_server}/livelihood/mine")
    items = phone.locator("#items li")
    expect(items).to_have_count(20)
    expect(items.first.locator(".lv-item-title")).to_have_text("建议25")
    more = phone.get_by_role("button", name="加载更多")
    more.click()
    expect(items).to_have_count(25)
    expect(items.last.locator(".lv-item-title")).to_have_text("修建停车场")
    expect(more).to_be_hidden()
    assert external_requests == []
