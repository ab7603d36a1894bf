"""民生实事项目票决 in a real browser: a county's administrator sets up a round from the console's
navigation, asks for 开始投票 and 结束投票 through their confirmations (a dismissed one changes nothing),
and reads the result table once three deputies have voted (who voted is shown only then)."""
from datetime import datetime, timedelta

from playwright.sync_api import expect

from backend.db_types import CHINA

from .test_console_org_create import sign_in


def test_a_county_runs_a_livelihood_vote_through_its_confirmations(desktop, live_server, factory, external_requests):
    tree = factory.tree()
    deputies = [factory.deputy(tree["hc"], name, phone=f"1390000050{i}", level="county")
                for i, name in enumerate(("张伟", "李娜", "王强"))]
    factory.admin("hecheng", "s3cret-pass", region=tree["hc"])
    sign_in(desktop, live_server, "hecheng", "s3cret-pass")

    desktop.click("nav >> text=民生实事")
    form = desktop.locator("#livelihood-new")
    now = datetime.now(CHINA)
    form.locator("input[name=title]").fill("2027 年鹤城区民生实事项目票决")
    form.locator("input[name=year]").fill("2027")
    form.locator("input[name=places]").fill("1")
    form.locator("input[name=starts_at]").fill((now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=ends_at]").fill((now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    form.locator("button[type=submit]").click()
    expect(desktop.locator(".flash").first).to_contain_text("已新建票决（草稿）")
    for title in ("乡村道路硬化", "老旧小区改造"):
        adding = desktop.locator("#livelihood-project-add")
        adding.locator("input[name=title]").fill(title)
        adding.locator("button[type=submit]").click()
        expect(desktop.locator(".flash").first).to_contain_text(f"已添加候选项目“{title}”")

    questions = []
    desktop.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    desktop.click("button:has-text('开始投票')")
    expect(desktop.locator("button:has-text('开始投票')")).to_be_visible()
    assert questions == ["确定开始投票吗？开始后不能再修改票决和候选项目；此刻该级人大的在任代表即为应投票代表。"]
    desktop.once("dialog", lambda dialog: dialog.accept())
    desktop.click("button:has-text('开始投票')")
    expect(desktop.locator("#livelihood-turnout")).to_contain_text("应投票代表 3 人，已投票 0 人。")

    vote_id = int(desktop.url.rstrip("/").rsplit("/", 1)[1])
    detail = factory.client.get(f"/api/v1/livelihood/votes/{vote_id}", headers=factory.deputy_headers(deputies[0])).json
    ids = [p["id"] for p in detail["projects"]]
    for deputy, choices in zip(deputies, (("for", "for"), ("for", "against"), ("for", "abstain"))):
        cast = factory.client.post(f"/api/v1/livelihood/votes/{vote_id}/ballot", headers=factory.deputy_headers(deputy),
                                   json={"choices": [{"project_id": i, "choice": c} for i, c in zip(ids, choices)]})
        assert cast.status_code == 201, cast.json
    desktop.reload()
    expect(desktop.locator("#livelihood-turnout")).to_contain_text("已投票 3 人")
    expect(desktop.locator("#livelihood-voters li")).to_have_text(["张伟", "李娜", "王强"])  # not who, while open

    desktop.fill("input[name=reason]", "代表均已投票")
    desktop.once("dialog", lambda dialog: dialog.accept())
    desktop.click("button:has-text('结束投票')")
    expect(desktop.locator("#livelihood-result-note")).to_contain_text(
        "应投票 3 人，实投 3 人；1 个项目获全体代表过半数赞成票当选。")
    expect(desktop.locator("#livelihood-voters li")).to_have_text(["张伟：已投票", "李娜：已投票", "王强：已投票"])
    rows = desktop.locator("#livelihood-projects tbody tr")
    expect(rows.nth(0)).to_contain_text("当选")
    expect(rows.nth(1)).to_contain_text("未当选")
    assert external_requests == []


def test_the_voters_list_marks_an_elector_who_leaves_office_while_the_page_is_open(
        desktop, live_server, factory, external_requests):
    """The turnout refreshes while voting is open: the count of ballots moves, never who cast them; an
    elector who leaves office meanwhile is marked 已离任 beside their name, and the page says why they can
    no longer vote."""
    tree = factory.tree()
    deputies = [factory.deputy(tree["hc"], name, phone=f"1390000060{i}", level="county")
                for i, name in enumerate(("张伟", "李娜", "王强"))]  # fewer than 3 could not be opened
    admin = factory.admin("hecheng", "s3cret-pass", region=tree["hc"])
    headers = factory.headers_for_admin(admin, "s3cret-pass")
    now = datetime.now(CHINA)
    created = factory.client.post("/api/v1/livelihood/votes", headers=headers, json={
        "title": "2027 年鹤城区民生实事项目票决", "year": 2027, "places": 1,
        "starts_at": (now - timedelta(minutes=5)).isoformat(), "ends_at": (now + timedelta(hours=2)).isoformat()})
    vote_id = created.json["id"]
    assert factory.client.post(f"/api/v1/livelihood/votes/{vote_id}/projects", headers=headers,
                               json={"title": "乡村道路硬化"}).status_code == 201
    assert factory.client.post(f"/api/v1/livelihood/votes/{vote_id}/open", headers=headers).status_code == 200

    desktop.clock.install()
    sign_in(desktop, live_server, "hecheng", "s3cret-pass")
    desktop.goto(f"{live_server}/console/livelihood/{vote_id}")
    voters = desktop.locator("#livelihood-voters li")
    expect(voters).to_have_text(["张伟", "李娜", "王强"])
    note = desktop.locator("[data-left-office-note]")
    expect(note).to_be_hidden()
    project_id = factory.client.get(f"/api/v1/livelihood/votes/{vote_id}", headers=headers).json["projects"][0]["id"]
    cast = factory.client.post(f"/api/v1/livelihood/votes/{vote_id}/ballot", headers=factory.deputy_headers(deputies[0]),
                               json={"choices": [{"project_id": project_id, "choice": "for"}]})
    assert cast.status_code == 201, cast.json

    retired = factory.client.patch(f"/api/v1/deputies/{deputies[1].id}", json={"active": False}, headers=headers)
    assert retired.status_code == 200, retired.json
    desktop.clock.fast_forward(15000)
    expect(desktop.locator("#livelihood-turnout")).to_contain_text("已投票 1 人")
    expect(voters).to_have_text(["张伟", "李娜已离任", "王强"])
    expect(voters.nth(1).locator("[data-left-office]")).to_have_text("已离任")
    expect(note).to_be_visible()
    expect(note).to_contain_text("投票开始后离任的代表不能投票，仍计入应投票人数。")
    # Back in office before the close: the mark goes.
    assert factory.client.patch(f"/api/v1/deputies/{deputies[1].id}", json={"active": True},
                                headers=headers).status_code == 200
    desktop.clock.fast_forward(15000)
    expect(voters).to_have_text(["张伟", "李娜", "王强"])
    expect(note).to_be_hidden()
    assert "已投票" not in desktop.locator("#livelihood-voters").inner_html()
    assert external_requests == []
