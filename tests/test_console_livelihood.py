"""民生实事项目票决 in the console: a city administrator organises a round from draft to result, picks
citizens' proposals, follows the turnout (how many voted while voting is open, who only after the close,
never how), and enters the progress of the projects adopted; a round closed with too few ballots is void
(no counts anywhere); a station administrator has nothing to do here."""
from datetime import datetime, timedelta

from sqlalchemy import select

from backend.audit.models import AuditEvent
from backend.db_types import CHINA
from backend.extensions import db
from backend.livelihood.models import LivelihoodProgress, LivelihoodProject, LivelihoodProposal, LivelihoodVote
from backend.notifications.models import OutboxMessage
from tests.refusals import at_fields, summary

from .test_console_org_activities import huaihua, post, station_admin, text, world  # noqa: F401


def local(dt):
    return dt.strftime("%Y-%m-%dT%H:%M")


def round_form(**extra):
    now = datetime.now(CHINA)
    return {"title": "2027 年怀化市民生实事项目票决", "year": "2027", "places": "1",
            "starts_at": local(now - timedelta(minutes=5)), "ends_at": local(now + timedelta(hours=2)), **extra}


def test_a_station_administrator_has_no_livelihood_pages(station_admin):
    assert "民生实事" not in text(station_admin.get("/console/"))
    page = station_admin.get("/console/livelihood")
    assert page.status_code == 403 and "民生实事项目票决由区域管理员组织" in text(page)


def test_a_round_from_draft_to_result_in_the_console(app, huaihua, world, factory, client):
    assert "民生实事" in text(huaihua.get("/console/"))
    # Refused: each reason under its box, nothing saved.
    bad = post(huaihua, "/console/livelihood", round_form(ends_at=local(datetime.now(CHINA) - timedelta(hours=1))))
    assert bad.status_code == 422
    assert at_fields(bad) == {"ends_at": "投票结束时间须晚于开始时间。"}
    assert summary(bad).startswith("有 1 处需要修改")
    assert 'value="2027 年怀化市民生实事项目票决"' in text(bad)
    assert db.session.scalar(select(db.func.count()).select_from(LivelihoodVote)) == 0

    created = post(huaihua, "/console/livelihood", round_form())
    assert created.status_code == 302
    vote = db.session.scalars(select(LivelihoodVote)).one()
    page_path = f"/console/livelihood/{vote.id}"
    assert created.headers["Location"].endswith(page_path)

    blank = post(huaihua, f"{page_path}/projects", {"title": " ", "budget": "很多"}, page=page_path)
    assert blank.status_code == 422
    assert set(at_fields(blank)) == {"title", "budget"}
    assert summary(blank).startswith("有 2 处需要修改") and "项目名称" in summary(blank)
    for title in ("城区停车场建设", "农贸市场改造"):
        assert post(huaihua, f"{page_path}/projects", {"title": title, "department": "住建局", "budget": "300"},
                    page=page_path).status_code == 302
    assert "<td>住建局</td><td>300</td>" in text(huaihua.get(page_path))  # 万元 as written, not 300.0

    # The draft corrected: a refused edit says why under its box; a candidate's budget and name changed.
    bad_edit = post(huaihua, f"{page_path}/edit", round_form(places="0"), page=page_path)
    assert bad_edit.status_code == 422 and at_fields(bad_edit) == {"places": "拟票决项目数应为 1 到 50 个。"}
    first = db.session.scalars(select(LivelihoodProject).order_by(LivelihoodProject.id)).first()
    edited = post(huaihua, f"{page_path}/projects/{first.id}/edit",
                  {"title": "城区停车场建设", "department": "城管局", "budget": "", "description": "新增车位 500 个"},
                  page=page_path)
    assert edited.status_code == 302
    db.session.expire_all()
    assert (first.department, first.budget, first.description) == ("城管局", None, "新增车位 500 个")
    blank_edit = post(huaihua, f"{page_path}/projects/{first.id}/edit", {"title": ""}, page=page_path)
    assert blank_edit.status_code == 302 and db.session.get(LivelihoodProject, first.id).title == "城区停车场建设"
    assert "请填写项目名称。" in text(huaihua.get(page_path))

    wang = factory.deputy(world["tree"]["hh"], "王强", phone="13800000103")
    opened = post(huaihua, f"{page_path}/open", {}, page=page_path)
    assert opened.status_code == 302
    page = text(huaihua.get(page_path))
    assert "投票已开始：应投票代表 3 人。" in page and "应投票代表 <strong>3</strong> 人，已投票 <strong data-voted>0</strong> 人" in page
    assert "开始投票" not in page and "添加候选项目" not in page

    # 张伟 votes in the mini-program: while voting is open the turnout says how many voted, not who.
    headers = factory.deputy_headers(world["zhang"])
    projects = db.session.scalars(select(LivelihoodProject).order_by(LivelihoodProject.id)).all()
    cast = client.post(f"/api/v1/livelihood/votes/{vote.id}/ballot", headers=headers, json={
        "choices": [{"project_id": projects[0].id, "choice": "for"}, {"project_id": projects[1].id, "choice": "against"}]})
    assert cast.status_code == 201, cast.json
    from .factories import sent_statements

    with sent_statements(app) as seen:
        turnout = huaihua.get(f"{page_path}/turnout").json
    assert turnout == {"status": "voting", "electorate": 3, "voted": 1, "left_office_deputy_ids": []}
    # The page's periodic refresh counts in SQL: no elector's row is read, but those who left office.
    ballots = [s for s in seen if "FROM livelihood_ballots" in s]
    assert len(ballots) == 2 and "count(" in ballots[0], ballots
    assert "deputies.active IS" in ballots[1] and "count(" not in ballots[1], ballots
    page = text(huaihua.get(page_path))
    voters = page.split('id="livelihood-voters"')[1].split("</ul>")[0]
    assert f'<li data-deputy="{world["zhang"].id}">张伟</li>' in voters  # who voted: not shown
    assert f'<li data-deputy="{world["li"].id}">李娜</li>' in voters  # who did not: not shown either
    assert "已投票" not in voters and "未投票" not in voters
    assert "已投票 <strong data-voted>1</strong> 人" in page
    assert "投票进行中只显示已投票人数，不显示哪些代表已投票" in page
    assert "赞成" not in page

    early = post(huaihua, f"{page_path}/close", {"reason": ""}, page=page_path)
    assert early.status_code == 302
    assert "提前结束投票须说明理由。" in text(huaihua.get(page_path))
    assert db.session.get(LivelihoodVote, vote.id).status.value == "voting"
    for deputy in (world["li"], wang):
        cast = client.post(f"/api/v1/livelihood/votes/{vote.id}/ballot", headers=factory.deputy_headers(deputy), json={
            "choices": [{"project_id": projects[0].id, "choice": "for"}, {"project_id": projects[1].id, "choice": "for"}]})
        assert cast.status_code == 201, cast.json
    assert post(huaihua, f"{page_path}/close", {"reason": "代表均已投票"}, page=page_path).status_code == 302
    page = text(huaihua.get(page_path))
    assert "应投票 3 人，实投 3 人；1 个项目获全体代表过半数赞成票当选。" in page
    rows = page.split('id="livelihood-projects"')[1]
    assert "<td>3</td><td>0</td><td>0</td>" in rows and "<td>2</td><td>1</td><td>0</td>" in rows
    assert "<strong>当选</strong>" in rows and "未当选" in rows
    # After the close, who voted (the attendance record).
    voters = page.split('id="livelihood-voters"')[1].split("</ul>")[0]
    assert "张伟：<span data-voted-label>已投票</span>" in voters and "王强：<span data-voted-label>已投票</span>" in voters
    turnout = huaihua.get(f"{page_path}/turnout").json
    assert turnout["voted_deputy_ids"] == sorted([world["zhang"].id, world["li"].id, wang.id])

    progress = post(huaihua, f"{page_path}/projects/{projects[0].id}/progress",
                    {"date": "2026-04-01", "percent": "30", "note": "完成选址"}, page=page_path)
    assert progress.status_code == 302
    assert "2026-04-01 30%：完成选址" in text(huaihua.get(page_path))
    over = post(huaihua, f"{page_path}/projects/{projects[0].id}/progress",
                {"date": "2026-05-01", "percent": "130", "note": "完成"}, page=page_path)
    assert over.status_code == 302 and "完成进度：进度应为 0 到 100。" in text(huaihua.get(page_path))
    huge = post(huaihua, f"{page_path}/projects/{projects[0].id}/progress",
                {"date": "2026-05-01", "percent": "99999999999999999999", "note": "完成"}, page=page_path)
    assert huge.status_code == 302 and "完成进度：进度应为 0 到 100。" in text(huaihua.get(page_path))
    public = client.get("/api/v1/public/livelihood", query_string={"region_id": world["tree"]["hh"].id}).json
    assert [(p["title"], p["percent"]) for p in public["items"]] == [("城区停车场建设", 30)]
    future = post(huaihua, f"{page_path}/projects/{projects[0].id}/progress",
                  {"date": local(datetime.now(CHINA) + timedelta(days=2))[:10], "percent": "50", "note": "未来"},
                  page=page_path)
    assert future.status_code == 302 and "日期：进度日期不能晚于今天。" in text(huaihua.get(page_path))
    # A mistaken line is withdrawn (and logged), and gone from the public page.
    mistaken = post(huaihua, f"{page_path}/projects/{projects[0].id}/progress",
                    {"date": "2026-04-02", "percent": "90", "note": "误录"}, page=page_path)
    assert mistaken.status_code == 302
    line = db.session.scalars(select(LivelihoodProgress).where(LivelihoodProgress.note == "误录")).one()
    page = text(huaihua.get(page_path))
    assert f"/projects/{projects[0].id}/progress/{line.id}/delete" in page
    withdrawn = post(huaihua, f"{page_path}/projects/{projects[0].id}/progress/{line.id}/delete", {}, page=page_path)
    assert withdrawn.status_code == 302
    page = text(huaihua.get(page_path))
    assert "已撤回进度：2026-04-02 90%：误录" in page and '<p class="small">2026-04-02 90%：误录</p>' not in page
    public = client.get("/api/v1/public/livelihood", query_string={"region_id": world["tree"]["hh"].id}).json
    assert [(p["title"], p["percent"]) for p in public["items"]] == [("城区停车场建设", 30)]

    log = text(huaihua.get("/console/audit"))
    for action in ("新建民生实事票决", "修改民生实事票决", "民生实事票决开始投票", "民生实事票决结束投票"):
        assert action in log, action
    assert [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.like("livelihood%")).order_by(AuditEvent.id))] == [
        "livelihood_vote_created", "livelihood_vote_updated", "livelihood_vote_updated", "livelihood_vote_updated",
        "livelihood_vote_opened", "livelihood_vote_closed", "livelihood_progress_added", "livelihood_progress_added",
        "livelihood_progress_withdrawn"]


def test_citizens_proposals_are_adopted_or_declined(huaihua, world, factory, client):
    citizen = factory.wechat_login("citizen-zhao")
    for title in ("增设公交站", "修缮公园"):
        sent = client.post("/api/v1/livelihood/proposals", headers=citizen, json={
            "region_id": world["tree"]["hh"].id, "title": title, "content": "希望办理", "contact_phone": "13800009999"})
        assert sent.status_code == 201, sent.json
    assert post(huaihua, "/console/livelihood", round_form()).status_code == 302
    vote = db.session.scalars(select(LivelihoodVote)).one()
    listed = text(huaihua.get("/console/livelihood/proposals"))
    assert "增设公交站" in listed and "13800009999" in listed and "采纳为候选项目" in listed
    first, second = db.session.scalars(select(LivelihoodProposal).order_by(LivelihoodProposal.id)).all()
    adopted = post(huaihua, f"/console/livelihood/proposals/{first.id}/adopt", {"vote_id": str(vote.id)},
                   page="/console/livelihood/proposals")
    assert adopted.status_code == 302
    no_reason = post(huaihua, f"/console/livelihood/proposals/{second.id}/decline", {"reason": " "},
                     page="/console/livelihood/proposals")
    assert no_reason.status_code == 302
    assert "不予采纳须说明理由（提出人可以看到）。" in text(huaihua.get("/console/livelihood/proposals"))
    assert post(huaihua, f"/console/livelihood/proposals/{second.id}/decline", {"reason": "已列入部门计划"},
                page="/console/livelihood/proposals").status_code == 302
    db.session.expire_all()
    assert [(p.status.value, p.reason) for p in db.session.scalars(
        select(LivelihoodProposal).order_by(LivelihoodProposal.id))] == [("adopted", ""), ("declined", "已列入部门计划")]
    assert "增设公交站" in text(huaihua.get(f"/console/livelihood/{vote.id}")).split('id="livelihood-projects"')[1]
    mine = client.get("/api/v1/livelihood/proposals", headers=citizen).json["items"]
    assert [(p["status_label"], p["reason"]) for p in mine] == [("不予采纳", "已列入部门计划"), ("已采纳为候选项目", "")]
    # Answered in the console, the citizen is told in WeChat all the same (办理结果通知), once each.
    assert [(m.page, m.data["thing1"], m.data["phrase2"], m.data["thing3"]) for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == "answer").order_by(OutboxMessage.id))] == [
        ("pages/livelihood/proposals", "增设公交站", "已采纳", "已列为民生实事票决候选项目"),
        ("pages/livelihood/proposals", "修缮公园", "未采纳", "已列入部门计划")]


def test_another_regions_round_is_not_found(huaihua, world, factory):
    other = factory.admin("yuelu-admin", region=world["tree"]["yl"])
    vote = LivelihoodVote(region_id=world["tree"]["yl"].id, title="岳麓区票决", year=2027, places=1,
                          starts_dt=datetime.now(CHINA), ends_dt=datetime.now(CHINA) + timedelta(hours=1),
                          created_by_id=other.id)
    db.session.add(vote)
    db.session.commit()
    assert huaihua.get(f"/console/livelihood/{vote.id}").status_code == 404
    assert post(huaihua, f"/console/livelihood/{vote.id}/open", {}, page="/console/livelihood").status_code == 404
    assert db.session.get(LivelihoodVote, vote.id).status.value == "draft"
    assert "岳麓区票决" not in text(huaihua.get("/console/livelihood"))


def test_the_voters_list_marks_electors_who_left_office_after_the_opening(huaihua, world, factory, client):
    """Staff see why an elector cannot vote: one who left office after the opening is marked 已离任, and
    the page says they still count among those who should vote."""
    assert post(huaihua, "/console/livelihood", round_form()).status_code == 302
    vote = db.session.scalars(select(LivelihoodVote)).one()
    page_path = f"/console/livelihood/{vote.id}"
    for title in ("城区停车场建设", "农贸市场改造"):
        assert post(huaihua, f"{page_path}/projects", {"title": title}, page=page_path).status_code == 302
    factory.deputy(world["tree"]["hh"], "王强", phone="13800000103")
    assert post(huaihua, f"{page_path}/open", {}, page=page_path).status_code == 302
    page = text(huaihua.get(page_path))
    assert "已离任" not in page.split('id="livelihood-voters"')[1].split("</ul>")[0]
    assert "<p class=\"muted small\" data-left-office-note hidden>" in page
    admin = factory.headers_for_admin(factory.admin("huaihua-api", region=world["tree"]["hh"]))
    retired = client.patch(f"/api/v1/deputies/{world['li'].id}", json={"active": False}, headers=admin)
    assert retired.status_code == 200, retired.json
    page = text(huaihua.get(page_path))
    voters = page.split('id="livelihood-voters"')[1].split("</ul>")[0]
    assert f'<li data-deputy="{world["zhang"].id}">张伟</li>' in voters
    assert "李娜<span class=\"tag\" data-left-office>已离任</span></li>" in voters
    assert "<p class=\"muted small\" data-left-office-note>标“已离任”的代表在投票开始后离任：投票开始后离任的代表不能投票，仍计入应投票人数。</p>" in page
    # The refresh tells it too, for one who leaves while the page is open.
    turnout = huaihua.get(f"{page_path}/turnout").json
    assert turnout["left_office_deputy_ids"] == [world["li"].id]


def test_a_round_closed_with_too_few_ballots_is_void_on_the_console_page(huaihua, world, factory, client):
    """Closed early right after two deputies voted: no counts on the page (a count of 2 or 0 would tell
    both choices, with who voted shown after the close), nothing adopted, and the note says why."""
    assert post(huaihua, "/console/livelihood", round_form()).status_code == 302
    vote = db.session.scalars(select(LivelihoodVote)).one()
    page_path = f"/console/livelihood/{vote.id}"
    assert post(huaihua, f"{page_path}/projects", {"title": "城区停车场建设"}, page=page_path).status_code == 302
    factory.deputy(world["tree"]["hh"], "王强", phone="13800000103")
    assert post(huaihua, f"{page_path}/open", {}, page=page_path).status_code == 302
    project = db.session.scalars(select(LivelihoodProject)).one()
    for deputy in (world["zhang"], world["li"]):
        cast = client.post(f"/api/v1/livelihood/votes/{vote.id}/ballot", headers=factory.deputy_headers(deputy),
                           json={"choices": [{"project_id": project.id, "choice": "for"}]})
        assert cast.status_code == 201, cast.json
    closed = post(huaihua, f"{page_path}/close", {"reason": "会议议程调整"}, page=page_path)
    assert closed.status_code == 302
    page = text(huaihua.get(page_path))
    assert ("应投票 3 人，实投 2 人。投票代表不足 3 人，为保护无记名投票，本次票决无效，不公布票数。") in page
    rows = page.split('id="livelihood-projects"')[1].split("</table>")[0]
    assert "<td>—</td><td>—</td><td>—</td><td>票决无效</td>" in rows
    assert "<td>2</td>" not in rows and "当选" not in rows
    assert "已结束（票决无效）" in text(huaihua.get("/console/livelihood"))  # the list says so too
    db.session.expire_all()
    assert db.session.get(LivelihoodProject, project.id).adopted is False
    assert client.get("/api/v1/public/livelihood", query_string={"region_id": world["tree"]["hh"].id}).json["total"] == 0
    # The progress form is not offered, and entering progress is refused.
    assert "登记进度" not in page


def test_a_subdistrict_is_not_offered_for_a_round(huaihua, world, factory):
    """A 街道 has no people's congress: the new round's form does not offer it, and one sent anyway is
    refused under its box."""
    street = factory.region("迎丰街道", "township", world["tree"]["hc"])
    town = factory.region("中方镇", "township", world["tree"]["hc"])
    page = text(huaihua.get("/console/livelihood"))
    form = page.split('id="livelihood-new"')[1].split("</form>")[0]
    assert f'value="{town.id}"' in form and f'value="{street.id}"' not in form
    refused = post(huaihua, "/console/livelihood", round_form(region_id=str(street.id)))
    assert refused.status_code == 422
    assert at_fields(refused) == {
        "region_id": "街道不设人民代表大会（设人大工委），不能组织票决或向其提出民生实事项目，请向所在区（县）人民代表大会提出。"}
    assert db.session.scalar(select(db.func.count()).select_from(LivelihoodVote)) == 0


def test_the_console_labels_a_round_by_its_window(huaihua, world, factory, client):
    """A round published to start tomorrow reads 尚未开始 in the list and on its page, not 投票中."""
    tomorrow = datetime.now(CHINA) + timedelta(days=1)
    assert post(huaihua, "/console/livelihood", round_form(
        starts_at=local(tomorrow), ends_at=local(tomorrow + timedelta(hours=2)))).status_code == 302
    vote = db.session.scalars(select(LivelihoodVote)).one()
    page_path = f"/console/livelihood/{vote.id}"
    assert post(huaihua, f"{page_path}/projects", {"title": "城区停车场建设"}, page=page_path).status_code == 302
    factory.deputy(world["tree"]["hh"], "王强", phone="13800000103")
    assert post(huaihua, f"{page_path}/open", {}, page=page_path).status_code == 302
    row = text(huaihua.get("/console/livelihood")).split('id="livelihood-votes"')[1]
    assert "<td>尚未开始</td>" in row and "投票中" not in row
    assert f"{world['tree']['hh'].name} · 尚未开始</small>" in text(huaihua.get(page_path))


def test_the_console_refuses_to_open_a_round_with_too_few_electors_and_withdraws_one_not_begun(
        huaihua, world, factory, client):
    tomorrow = datetime.now(CHINA) + timedelta(days=1)
    assert post(huaihua, "/console/livelihood", round_form(
        starts_at=local(tomorrow), ends_at=local(tomorrow + timedelta(hours=2)))).status_code == 302
    vote = db.session.scalars(select(LivelihoodVote)).one()
    page_path = f"/console/livelihood/{vote.id}"
    assert post(huaihua, f"{page_path}/projects", {"title": "城区停车场建设"}, page=page_path).status_code == 302
    assert "投票代表不足 3 人" in text(huaihua.get(page_path))  # warned beside the button
    post(huaihua, f"{page_path}/open", {}, page=page_path)
    page = text(huaihua.get(page_path))
    assert "怀化市在任的市人大代表只有 2 人：投票代表不足 3 人，无法保证无记名投票，不能开始投票。" in page
    assert db.session.get(LivelihoodVote, vote.id).status.value == "draft"
    factory.deputy(world["tree"]["hh"], "王强", phone="13800000103")
    assert post(huaihua, f"{page_path}/open", {}, page=page_path).status_code == 302
    page = text(huaihua.get(page_path))
    assert "撤回发布" in page and f"livelihood/{vote.id}/close" not in page  # not begun: withdrawn, not closed
    assert post(huaihua, f"{page_path}/withdraw", {}, page=page_path).status_code == 302
    page = text(huaihua.get(page_path))
    assert "已撤回发布，票决退回草稿。" in page and "开始投票" in page
    db.session.expire_all()
    assert (db.session.get(LivelihoodVote, vote.id).status.value, db.session.get(LivelihoodVote, vote.id).electorate) == (
        "draft", None)
    assert "撤回民生实事票决" in text(huaihua.get("/console/audit"))


def test_a_new_round_left_blank_says_what_to_fill_in_and_its_year_is_next_years(huaihua, world):  # noqa: F811
    """年度 is filled in with next year (a round is nearly always voted for the year ahead); a blank or
    wrong box names itself, never 应为整数。 for a box left empty."""
    next_year = datetime.now(CHINA).year + 1
    assert f'name="year" min="2000" max="2100" required class="num" value="{next_year}"' in text(huaihua.get("/console/livelihood"))
    bad = post(huaihua, "/console/livelihood", {"title": "2027 年民生实事项目票决", "year": "", "places": " "})
    assert bad.status_code == 422
    assert at_fields(bad) == {"year": "请填写年度。", "places": "请填写拟票决项目数。",
                              "starts_at": "请填写投票开始时间。", "ends_at": "请填写投票结束时间。"}
    assert summary(bad) == "有 4 处需要修改：年度、拟票决项目数、投票开始时间、投票结束时间。"
    wrong = post(huaihua, "/console/livelihood", round_form(year="明年", places="三"))
    assert at_fields(wrong) == {"year": "年度应为整数。", "places": "拟票决项目数应为整数。"}
    assert 'value="明年"' in text(wrong)  # what was typed is kept
    assert db.session.scalar(select(db.func.count()).select_from(LivelihoodVote)) == 0
