"""民生实事项目票决 in a real browser: a county's administrator sets up a round from the console's
navigation, asks for 开始投票 and 结束投票 through their confirmations (a dismissed one changes nothing),
and reads the result table once two deputies have voted."""
from datetime import datetime, timedelta

from playwright.sync_api import expect

from backend.db_types import CHINA

from .test_console_org_create import sign_in


def test_a_county_runs_a_livelihood_vote_through_its_confirmations(desktop, live_server, factory, external_requests):
    tree = factory.tree()
    deputies = [factory.deputy(tree["hc"], name, phone=f"1390000050{i}", level="county")
                for i, name in enumerate(("张伟", "李娜"))]
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
    expect(desktop.locator("#livelihood-turnout")).to_contain_text("应投票代表 2 人，已投票 0 人。")

    vote_id = int(desktop.url.rstrip("/").rsplit("/", 1)[1])
    detail = factory.client.get(f"/api/v1/livelihood/votes/{vote_id}", headers=factory.deputy_headers(deputies[0])).json
    ids = [p["id"] for p in detail["projects"]]
    for deputy, choices in zip(deputies, (("for", "for"), ("for", "against"))):
        cast = factory.client.post(f"/api/v1/livelihood/votes/{vote_id}/ballot", headers=factory.deputy_headers(deputy),
                                   json={"choices": [{"project_id": i, "choice": c} for i, c in zip(ids, choices)]})
        assert cast.status_code == 201, cast.json
    desktop.reload()
    expect(desktop.locator("#livelihood-turnout")).to_contain_text("已投票 2 人")

    desktop.fill("input[name=reason]", "代表均已投票")
    desktop.once("dialog", lambda dialog: dialog.accept())
    desktop.click("button:has-text('结束投票')")
    expect(desktop.locator("#livelihood-result-note")).to_contain_text(
        "应投票 2 人，实投 2 人；1 个项目获全体代表过半数赞成票当选。")
    rows = desktop.locator("#livelihood-projects tbody tr")
    expect(rows.nth(0)).to_contain_text("当选")
    expect(rows.nth(1)).to_contain_text("未当选")
    assert external_requests == []
