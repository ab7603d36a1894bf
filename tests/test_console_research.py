"""调研清单 in the console: a city administrator creates and publishes a topic, sees the teams deputies formed
and their reports, returns one, accepts it, records a leader's instruction and exports the list; refusals
show at their fields; a station administrator has nothing to do here."""
from datetime import timedelta
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import func, select

from backend.audit.models import AuditEvent
from backend.auth.models import User
from backend.db_types import CHINA, utcnow
from backend.extensions import db
from backend.points.models import PointEntry
from backend.research.models import ResearchReport, ResearchTopic
from backend.uploads.models import Upload
from tests.refusals import at_fields, summary

from .test_console_forms_once import form_on, sent_twice
from .test_console_org_activities import huaihua, post, station_admin, text, world  # noqa: F401
from .test_console_page_wording import flashes

API = "/api/v1/research"


def today():
    return utcnow().astimezone(CHINA).date()


def count(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_station_administrator_has_no_research_pages(station_admin):  # noqa: F811
    page = station_admin.get("/console/research")
    assert page.status_code == 403 and "调研清单由人大常委会的区域管理员发布和管理" in text(page)
    assert "调研清单" not in text(station_admin.get("/console/activities"))


def test_a_topic_from_new_to_an_instructed_report_and_the_export(huaihua, world, factory, client):  # noqa: F811
    assert "调研清单" in text(huaihua.get("/console/activities"))  # in the navigation
    assert "本年度还没有课题" in text(huaihua.get("/console/research"))

    bad = post(huaihua, "/console/research", {"title": " ", "theme": "", "year": "两千", "max_teams": "0"})
    assert bad.status_code == 422
    assert set(at_fields(bad)) == {"year", "title", "theme", "max_teams"}
    assert at_fields(bad)["max_teams"] == "领题团队数上限应在 1 至 1000 之间。"
    assert summary(bad).startswith("有 4 处需要修改：") and count(ResearchTopic) == 0

    created = post(huaihua, "/console/research", {"title": "城市更新中的老旧小区改造", "theme": "城市更新",
                                                  "year": str(today().year), "max_teams": "3", "description": "围绕加装电梯等开展调研。"})
    assert created.status_code == 302
    assert flashes(huaihua, created) == [("flash-success", "已保存课题“城市更新中的老旧小区改造”（草稿），发布后代表才能领题。")]
    topic = db.session.scalars(select(ResearchTopic)).one()
    path = f"/console/research/{topic.id}"
    assert "还没有代表领题" in text(huaihua.get(path))
    published = post(huaihua, f"{path}/publish", {}, page=path)
    assert flashes(huaihua, published) == [("flash-success", "已发布课题“城市更新中的老旧小区改造”，相关代表即可揭榜领题。")]

    edited = post(huaihua, f"{path}/edit", {"year": str(today().year), "title": "城市更新中的老旧小区改造调研",
                                            "theme": "城市更新", "max_teams": "2", "due_date": "", "description": ""}, page=path)
    assert flashes(huaihua, edited) == [("flash-success", "已保存课题“城市更新中的老旧小区改造调研”。")]
    db.session.expire_all()
    assert db.session.get(ResearchTopic, topic.id).max_teams == 2

    # 张伟 takes it with 李娜 through the API and reports.
    zhang = factory.deputy_headers(world["zhang"])
    team = client.post(f"{API}/topics/{topic.id}/teams", json={"member_deputy_ids": [world["li"].id]}, headers=zhang).json
    report = client.post(f"{API}/teams/{team['id']}/report", json={"title": "老旧小区改造调研报告", "body": "一、现状\n二、建议"},
                         headers=zhang).json
    page = text(huaihua.get(path))
    assert "老旧小区改造调研报告" in page and "待审核" in page and "张伟、李娜" in page

    withdrawn = post(huaihua, f"{path}/withdraw", {}, page=path)
    assert flashes(huaihua, withdrawn) == [("flash-error", "已有 1 个团队提交了调研报告，课题不能撤回。")]

    no_reason = post(huaihua, f"/console/research/reports/{report['id']}/return", {"reason": " "}, page=path)
    assert no_reason.status_code == 422 and at_fields(no_reason) == {"reason": "请填写退回修改的理由。"}
    too_long = post(huaihua, f"/console/research/reports/{report['id']}/return", {"reason": "需补充数据。" * 100}, page=path)
    assert too_long.status_code == 422 and list(at_fields(too_long)) == ["reason"]
    assert "长度不能超过 500 个字符" in at_fields(too_long)["reason"] and summary(too_long).startswith("有 1 处需要修改：")
    assert f">{'需补充数据。' * 100}</textarea>" in text(too_long)  # what was typed, kept
    assert db.session.get(ResearchReport, report["id"]).status.value == "submitted"
    returned = post(huaihua, f"/console/research/reports/{report['id']}/return", {"reason": "请补充调研数据。"}, page=path)
    assert flashes(huaihua, returned) == [("flash-success", "已将调研报告“老旧小区改造调研报告”退回修改，并已通知牵头代表。")]
    assert "请补充调研数据。" in text(huaihua.get(path))
    client.post(f"{API}/teams/{team['id']}/report", json={"title": "老旧小区改造调研报告", "body": "补充了数据。"}, headers=zhang)

    accept_form = form_on(huaihua, path, f"/console/research/reports/{report['id']}/accept")
    _, messages = sent_twice(huaihua, f"/console/research/reports/{report['id']}/accept", accept_form)
    assert messages == ["调研报告“老旧小区改造调研报告”已审核通过，团队成员已按评分细则计分，并已通知牵头代表。"]
    assert count(PointEntry) == 2  # 张伟 and 李娜, once

    future = post(huaihua, f"/console/research/reports/{report['id']}/instruction",
                  {"instructed_by": "市长", "date": (today() + timedelta(days=1)).isoformat(), "text": "请住建局研究。"}, page=path)
    assert future.status_code == 422 and at_fields(future) == {"date": "批示日期不能晚于今天。"}
    assert 'value="市长"' in text(future)
    assert f'min="{today().isoformat()}"' in text(future)
    early = post(huaihua, f"/console/research/reports/{report['id']}/instruction",
                 {"instructed_by": "市长", "date": "2001-01-01", "text": "请住建局研究。"}, page=path)
    assert early.status_code == 422 and at_fields(early) == {
        "date": f"批示日期不能早于调研报告通过审核的日期（{today().isoformat()}）。"}
    instructed = post(huaihua, f"/console/research/reports/{report['id']}/instruction",
                      {"instructed_by": "市长", "date": today().isoformat(), "text": "请住建局研究。"}, page=path)
    assert flashes(huaihua, instructed) == [
        ("flash-success", "已登记市长对调研报告“老旧小区改造调研报告”的批示，团队成员已按评分细则计分。")]
    assert "领导批示：市长" in text(huaihua.get(path)) and count(PointEntry) == 4
    assert db.session.scalars(select(ResearchReport)).one().instructed_by == "市长"

    listing = text(huaihua.get("/console/research"))
    assert "城市更新中的老旧小区改造调研" in listing and "获领导批示" in listing
    sheet = huaihua.get("/console/research/export.xlsx")
    assert sheet.status_code == 200
    rows = list(load_workbook(BytesIO(sheet.data)).active.iter_rows(values_only=True))
    assert rows[0][2] == "课题" and rows[1][2] == "城市更新中的老旧小区改造调研"
    assert rows[1][9] == "张伟、李娜" and rows[1][11] == "已通过" and rows[1][12] == "市长"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "exported")) == 1

    archive = text(huaihua.get(f"/console/deputies/{world['li'].id}/archive"))
    assert "调研清单（揭榜领题）" in archive and "老旧小区改造调研报告" in archive


def test_a_draft_is_deleted_and_another_citys_topic_is_not_found(huaihua, world, factory):  # noqa: F811
    created = post(huaihua, "/console/research", {"title": "草稿课题", "theme": "数字经济", "year": str(today().year)})
    topic = db.session.scalars(select(ResearchTopic)).one()
    path = f"/console/research/{topic.id}"
    assert created.status_code == 302
    deleted = post(huaihua, f"{path}/delete", {}, page=path)
    assert flashes(huaihua, deleted) == [("flash-success", "已删除课题草稿“草稿课题”。")] and count(ResearchTopic) == 0

    other = ResearchTopic(region_id=world["tree"]["cs"].id, year=today().year, title="长沙的课题", theme="数字经济",
                          description="", teams_taken=0)
    db.session.add(other)
    db.session.commit()
    assert huaihua.get(f"/console/research/{other.id}").status_code == 404


def test_a_bad_year_is_refused_in_chinese_not_shown_as_this_year(huaihua, world):  # noqa: F811
    """?year=abc, 1999 or 99999 on the list or its export: 422 naming 年度, as the API's summary and 联系清单
    refuse them, never this year's figures or file in their place; the export logs nothing."""
    for year, message in (("abc", "年度：应为整数。"), ("1999", "年度：年份应在 2000 年至 2100 年之间。"),
                          ("99999", "年度：年份应在 2000 年至 2100 年之间。")):
        for url in (f"/console/research?year={year}", f"/console/research/export.xlsx?year={year}"):
            page = huaihua.get(url)
            assert page.status_code == 422, url
            assert message in text(page), (url, text(page)[-800:])
            assert page.mimetype == "text/html"
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "exported")) == 0
    assert huaihua.get(f"/console/research?year={today().year - 1}").status_code == 200
    assert huaihua.get("/console/research").status_code == 200


def test_a_member_who_left_and_a_withdrawn_topics_team_read_so_in_the_console(huaihua, world, factory, client):  # noqa: F811
    post(huaihua, "/console/research", {"title": "营商环境调研", "theme": "产业发展", "year": str(today().year), "publish": "1"})
    topic = db.session.scalars(select(ResearchTopic)).one()
    path = f"/console/research/{topic.id}"
    zhang = factory.deputy_headers(world["zhang"])
    team = client.post(f"{API}/topics/{topic.id}/teams", json={"member_deputy_ids": [world["li"].id]}, headers=zhang).json
    assert client.post(f"{API}/teams/{team['id']}/leave", headers=factory.deputy_headers(world["li"])).status_code == 200
    page = text(huaihua.get(path))
    assert "团队成员：张伟、李娜（已退出）" in page
    withdrawn = post(huaihua, f"{path}/withdraw", {}, page=path)
    assert flashes(huaihua, withdrawn)[0][0] == "flash-success"
    assert "（课题已撤回）" in text(huaihua.get(path))
    sheet = huaihua.get(f"/console/research/export.xlsx?year={today().year}")
    rows = [row for row in load_workbook(BytesIO(sheet.data)).active.iter_rows(values_only=True)]
    assert any("张伟团队" in row and "课题已撤回" in row and "张伟" in row for row in rows), rows


def test_a_due_date_already_past_is_refused_under_its_field_and_at_publishing(huaihua, world):  # noqa: F811
    yesterday = (today() - timedelta(days=1)).isoformat()
    form = {"title": "营商环境调研", "theme": "产业发展", "year": str(today().year), "due_date": yesterday}
    bad = post(huaihua, "/console/research", {**form, "publish": "1"})
    assert bad.status_code == 422 and at_fields(bad) == {"due_date": "报告截止日期不能早于今天。"}
    assert count(ResearchTopic) == 0
    post(huaihua, "/console/research", {**form, "due_date": today().isoformat()})
    topic = db.session.scalars(select(ResearchTopic)).one()
    path = f"/console/research/{topic.id}"
    edited = post(huaihua, f"{path}/edit", {**form, "description": ""}, page=path)
    assert edited.status_code == 422 and at_fields(edited) == {"due_date": "报告截止日期不能早于今天。"}
    topic.due_date = today() - timedelta(days=1)  # the draft waited: its date passed meanwhile
    db.session.commit()
    published = post(huaihua, f"{path}/publish", {}, page=path)
    assert ("flash-error", "报告截止日期：报告截止日期已过，请先修改报告截止日期。") in flashes(huaihua, published)
    db.session.refresh(topic)
    assert topic.status.value == "draft"


def test_a_report_submitted_after_the_due_date_reads_late_on_the_page_and_in_the_export(huaihua, world, factory, client):  # noqa: F811
    post(huaihua, "/console/research", {"title": "营商环境调研", "theme": "产业发展", "year": str(today().year),
                                        "due_date": today().isoformat(), "publish": "1"})
    topic = db.session.scalars(select(ResearchTopic)).one()
    topic.due_date = today() - timedelta(days=1)
    db.session.commit()
    path = f"/console/research/{topic.id}"
    zhang = factory.deputy_headers(world["zhang"])
    team = client.post(f"{API}/topics/{topic.id}/teams", json={}, headers=zhang).json
    assert "逾期提交" not in text(huaihua.get(path))
    client.post(f"{API}/teams/{team['id']}/report", json={"title": "营商环境调研报告", "body": "正文"}, headers=zhang)
    page = text(huaihua.get(path))
    assert "调研报告：营商环境调研报告" in page and "逾期提交" in page
    sheet = huaihua.get(f"/console/research/export.xlsx?year={today().year}")
    rows = [row for row in load_workbook(BytesIO(sheet.data)).active.iter_rows(values_only=True)]
    assert any("营商环境调研报告" in row and "待审核（逾期提交）" in row for row in rows), rows


def _topics_with_teams(factory, regions, count, title="课题", teams=2):
    """``count`` published topics of this year (of 怀化市 and of 鹤城区, in turn), each with ``teams`` teams of
    two new deputies (its lead and a member), the first team with a report: as many deputies, teams, members
    and reports per topic whatever ``count``."""
    from backend.org.models import Region
    from backend.research.models import ReportStatus, ResearchTeam, ResearchTeamMember, TopicStatus

    county, topics = db.session.get(Region, regions["hc"]), []
    for n in range(count):
        pairs = [(factory.deputy(county, f"{title}{n}牵头{t}"), factory.deputy(county, f"{title}{n}成员{t}"))
                 for t in range(teams)]
        topic = ResearchTopic(region_id=regions["hc"] if n % 2 else regions["hh"], year=today().year,
                              title=f"{title}{n}", theme="城市更新", description="", teams_taken=teams,
                              status=TopicStatus.published)
        db.session.add(topic)
        db.session.flush()
        for t, (lead, member) in enumerate(pairs):
            team = ResearchTeam(topic_id=topic.id, lead_deputy_id=lead.id, group_name="" if t else f"{title}{n}小组")
            db.session.add(team)
            db.session.flush()
            db.session.add_all([ResearchTeamMember(team_id=team.id, topic_id=topic.id, deputy_id=lead.id, is_lead=True),
                                ResearchTeamMember(team_id=team.id, topic_id=topic.id, deputy_id=member.id)])
            if t == 0:
                db.session.add(ResearchReport(team_id=team.id, topic_id=topic.id, title=f"{title}{n}报告", body="正文",
                                              status=ReportStatus.submitted))
        topics.append(topic)
    db.session.commit()
    return [topic.id for topic in topics]


def test_the_export_reads_the_teams_of_every_topic_in_a_fixed_number_of_statements(app, huaihua, world, factory):  # noqa: F811
    """A province's year holds hundreds of topics: the export read each topic's teams, then each team's report
    and members and each member's deputy (and their QR code), one statement apiece (500 topics: 12,518
    statements, 40 s). The statements it sends do not grow with the topics."""
    from .factories import sent_statements

    def exported():
        db.session.remove()
        with sent_statements(app) as sent:
            sheet = huaihua.get(f"/console/research/export.xlsx?year={today().year}")
        assert sheet.status_code == 200
        return list(load_workbook(BytesIO(sheet.data)).active.iter_rows(values_only=True)), len(sent)

    regions = {key: world["tree"][key].id for key in ("hh", "hc")}
    _topics_with_teams(factory, regions, 2)
    few_rows, few = exported()
    assert len(few_rows) == 1 + 2 * 2
    _topics_with_teams(factory, regions, 4, title="新课题")
    rows, many = exported()
    assert rows[0] == ("年度", "发布课题的人大", "课题", "主题", "课题状态", "报告截止日期", "领题团队数上限", "已领题团队数",
                       "调研团队", "团队成员", "调研报告", "报告状态", "批示领导", "批示日期")
    assert len(rows) == 1 + 6 * 2
    assert rows[1][1:3] == ("鹤城区", "新课题3") and rows[-1][1:3] == ("怀化市", "课题0")  # newest first
    assert rows[1][8:12] == ("新课题3小组", "新课题3牵头0、新课题3成员0", "新课题3报告", "待审核")
    assert rows[2][8:12] == ("新课题3牵头1团队", "新课题3牵头1、新课题3成员1", None, "未提交")
    assert many == few


def test_a_topics_page_reads_its_teams_in_a_fixed_number_of_statements(app, client, huaihua, world, factory):  # noqa: F811
    """A topic's page (console and API) read each team's report, members, their deputies (and QR codes) and
    lead one by one (30 teams: 140 statements). The statements do not grow with its teams."""
    from .factories import sent_statements

    regions = {key: world["tree"][key].id for key in ("hh", "hc")}
    admin = factory.headers_for_admin(db.session.scalar(select(User).where(User.username == "huaihua")))
    small, = _topics_with_teams(factory, regions, 1, title="小课题")
    large, = _topics_with_teams(factory, regions, 1, title="大课题", teams=5)

    def shown(topic_id):
        db.session.remove()
        with sent_statements(app) as sent:
            page = huaihua.get(f"/console/research/{topic_id}")
        with sent_statements(app) as sent_api:
            body = client.get(f"{API}/topics/{topic_id}", headers=admin).json
        assert page.status_code == 200
        return text(page), body, len(sent), len(sent_api)

    _, _, few, few_api = shown(small)
    page, body, many, many_api = shown(large)
    assert "牵头代表：大课题0牵头4；团队成员：大课题0牵头4、大课题0成员4" in page
    assert "调研报告：大课题0报告" in page and "大课题0小组" in page
    assert [(t["name"], [m["name"] for m in t["members"]]) for t in body["teams"]][:2] == [
        ("大课题0小组", ["大课题0牵头0", "大课题0成员0"]), ("大课题0牵头1团队", ["大课题0牵头1", "大课题0成员1"])]
    assert len(body["teams"]) == 5 and body["teams"][0]["report"]["title"] == "大课题0报告"
    assert (many, many_api) == (few, few_api)


def test_the_reports_photos_open_in_the_console_for_the_topics_administrators_alone(
        app, huaihua, station_admin, world, factory, client):  # noqa: F811
    import re

    from .test_console_org_activities import sign_in
    from .test_research import photo

    created = post(huaihua, "/console/research", {"title": "城市更新调研", "theme": "城市更新", "year": str(today().year)})
    assert created.status_code == 302
    topic = db.session.scalars(select(ResearchTopic)).one()
    path = f"/console/research/{topic.id}"
    post(huaihua, f"{path}/publish", {}, page=path)
    zhang = factory.deputy_headers(world["zhang"])
    team = client.post(f"{API}/topics/{topic.id}/teams", json={}, headers=zhang).json
    upload_id = photo(client, zhang)
    report = client.post(f"{API}/teams/{team['id']}/report", json={"title": "调研报告", "body": "正文",
                                                                   "attachment_ids": [upload_id]}, headers=zhang).json
    key = report["photos"][0]["url"].rsplit("/", 1)[1]

    links = re.findall(r'href="([^"]*/photos/[^"]+)"', huaihua.get(path).get_data(as_text=True))
    assert links == [f"/console/research/reports/{report['id']}/photos/{key}"]
    shown = huaihua.get(links[0])
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg" and shown.data[:2] == b"\xff\xd8"

    factory.admin("changsha", region=world["tree"]["cs"])
    other_city = sign_in(app, "changsha").get(links[0])
    assert other_city.status_code == 404 and "调研报告不存在，或不在您的管理范围内。" in text(other_city)
    station = station_admin.get(links[0])
    assert station.status_code == 403 and "调研清单由人大常委会的区域管理员发布和管理" in text(station)
    elsewhere = photo(client, zhang)  # the lead's photo on no report: not this report's
    other_key = db.session.scalar(select(Upload.key).where(Upload.id == elsewhere))
    missing = huaihua.get(f"/console/research/reports/{report['id']}/photos/{other_key}")
    assert missing.status_code == 404 and "图片不存在。" in text(missing)
    assert huaihua.get(f"/console/research/reports/{report['id']}/photos/..%2Fsecret").status_code == 404
    signed_out = app.test_client().get(links[0])
    assert signed_out.status_code == 302 and "/console/login" in signed_out.headers["Location"]


def test_a_topic_left_blank_says_what_to_fill_in(huaihua, world):  # noqa: F811
    bad = post(huaihua, "/console/research", {"title": "  ", "theme": "", "max_teams": "abc", "due_date": "2026-02-30"})
    assert bad.status_code == 422
    assert at_fields(bad) == {"title": "请填写课题名称。", "theme": "请填写主题。", "max_teams": "领题团队数上限应为整数。",
                              "due_date": "报告截止日期格式不正确，请重新选择日期。"}
    assert count(ResearchTopic) == 0
