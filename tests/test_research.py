"""调研清单 (揭榜式调研) through the HTTP API: a city's congress publishes reference topics, deputies take them
with their teams (揭榜领题), the lead submits the report, the administrators return it for revision, accept it
and record a leader's instruction (领导批示); points go to every member once; the year's figures and the
履职档案 say so. Every refusal names why and writes nothing."""
import io
import os
from collections import Counter
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select, update

from backend.audit.models import AuditEvent
from backend.db_types import CHINA, utcnow
from backend.extensions import db
from backend.notifications.models import OutboxMessage
from backend.points.models import PointEntry
from backend.research.models import ResearchReport, ResearchReportPhoto, ResearchTeam, ResearchTeamMember, ResearchTopic
from backend.uploads.models import Upload

from .parallel import released_together

API = "/api/v1/research"


def today():
    return utcnow().astimezone(CHINA).date()


@pytest.fixture
def world(factory):
    tree = factory.tree()
    chengbei = factory.station(tree["hc"], "城北联络站")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000101")
    li = factory.deputy(tree["hc"], "李娜", phone="13800000102")
    wang = factory.deputy(tree["hh"], "王芳", phone="13800000103")
    zhou = factory.deputy(tree["hc"], "周强", phone="13800000104")
    far = factory.deputy(tree["yl"], "赵敏", phone="13800000109")
    # A Changsha deputy received at a Huaihua station: Huaihua's topics are open to them too.
    guest = factory.deputy(tree["yl"], "钱进", phone="13800000110", stations=[chengbei])
    huaihua = factory.admin("huaihua", region=tree["hh"])
    changsha = factory.admin("changsha", region=tree["cs"])
    station_admin = factory.admin("chengbei", stations=[chengbei])
    return {"tree": tree, "chengbei": chengbei, "zhang": zhang, "li": li, "wang": wang, "zhou": zhou, "far": far, "guest": guest,
            "hh": factory.headers_for_admin(huaihua), "cs": factory.headers_for_admin(changsha),
            "station": factory.headers_for_admin(station_admin), "factory": factory}


def headers(world, name):
    key = f"_headers_{name}"
    if key not in world:
        world[key] = world["factory"].deputy_headers(world[name])
    return world[key]


def new_topic(client, h, publish=True, **extra):
    body = {"title": "数字经济赋能中小企业转型调研", "theme": "数字经济", "description": "围绕中小企业数字化转型开展调研。", **extra}
    response = client.post(f"{API}/topics", json=body, headers=h)
    assert response.status_code == 201, response.json
    if publish:
        published = client.post(f"{API}/topics/{response.json['id']}/publish", headers=h)
        assert published.status_code == 200, published.json
        return published.json
    return response.json


def take(client, h, topic_id, **body):
    return client.post(f"{API}/topics/{topic_id}/teams", json=body, headers=h)


def photo(client, h):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, "JPEG")
    response = client.post("/api/v1/uploads", data={"file": (io.BytesIO(buffer.getvalue()), "a.jpg")}, headers=h,
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    return response.json["id"]


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (ResearchTopic, ResearchTeam, ResearchTeamMember, ResearchReport, PointEntry))


def points_of(deputy_id):
    return db.session.execute(select(PointEntry.rule_code, PointEntry.points).where(PointEntry.deputy_id == deputy_id)
                              .order_by(PointEntry.id)).all()


def research_messages():
    return db.session.execute(select(OutboxMessage.data).where(OutboxMessage.template == "research")
                              .order_by(OutboxMessage.id)).scalars().all()


def refused(response, status, message, field=None):
    """The refusal as the user reads it: the status, and the Chinese sentence — the answer's message, or
    (for a refused field) the message under ``field``."""
    assert response.status_code == status, response.json
    said = response.json["errors"][field] if field else [response.json["message"]]
    assert any(message in line for line in said), response.json
    return response


def test_a_topic_is_taken_reported_returned_accepted_and_instructed(client, world):
    hh = world["hh"]
    created = client.post(f"{API}/topics", json={"title": "乡村振兴示范片区建设调研", "theme": "乡村振兴", "max_teams": 2,
                                                 "due_date": (today() + timedelta(days=60)).isoformat()},
                          headers={**hh, "Idempotency-Key": "topic-1"})
    assert created.status_code == 201 and created.json["status"] == "draft" and created.json["congress_name"] == "怀化市人大"
    again = client.post(f"{API}/topics", json={"title": "乡村振兴示范片区建设调研", "theme": "乡村振兴", "max_teams": 2,
                                               "due_date": (today() + timedelta(days=60)).isoformat()},
                        headers={**hh, "Idempotency-Key": "topic-1"})
    assert again.json["id"] == created.json["id"]
    topic_id = created.json["id"]
    zhang = headers(world, "zhang")
    # A draft is nobody's yet.
    assert client.get(f"{API}/topics?scope=open", headers=zhang).json["total"] == 0
    refused(take(client, zhang, topic_id), 404, "调研课题不存在")
    assert client.post(f"{API}/topics/{topic_id}/publish", headers=hh).json["status_label"] == "已发布"

    listed = client.get(f"{API}/topics?scope=open", headers=zhang).json["items"]
    assert [(t["title"], t["can_take"], t["teams_taken"], t["my_team_id"]) for t in listed] == [
        ("乡村振兴示范片区建设调研", True, 0, None)]
    guest_list = client.get(f"{API}/topics?scope=open", headers=headers(world, "guest")).json["items"]
    assert [t["id"] for t in guest_list] == [topic_id]  # received at a Huaihua station
    assert client.get(f"{API}/topics?scope=open", headers=headers(world, "far")).json["total"] == 0

    team = take(client, zhang, topic_id, member_deputy_ids=[world["li"].id], group_name="鹤城区第一代表小组")
    assert team.status_code == 201, team.json
    assert team.json["name"] == "鹤城区第一代表小组" and [m["name"] for m in team.json["members"]] == ["张伟", "李娜"]
    team_id = team.json["id"]
    mine = client.get(f"{API}/topics?scope=open", headers=zhang).json["items"][0]
    assert (mine["my_team_id"], mine["can_take"], mine["teams_taken"]) == (team_id, False, 1)

    # 王芳 takes it alone; the topic is then full for 周强; 王芳 gives up and 周强 gets the place.
    wang_team = take(client, headers(world, "wang"), topic_id)
    assert wang_team.status_code == 201
    refused(take(client, headers(world, "zhou"), topic_id), 409, "该课题领题名额已满（共 2 个团队）。")
    given_up = client.post(f"{API}/teams/{wang_team.json['id']}/abandon", headers=headers(world, "wang"))
    assert given_up.status_code == 200 and given_up.json["status_label"] == "已放弃"
    assert take(client, headers(world, "zhou"), topic_id).status_code == 201

    # The report, with a photo; the administrators cannot withdraw the topic any more.
    upload_id = photo(client, zhang)
    submitted = client.post(f"{API}/teams/{team_id}/report", json={
        "title": "关于乡村振兴示范片区建设的调研报告", "body": "一、基本情况……二、存在问题……三、对策建议……",
        "attachment_ids": [upload_id]}, headers=zhang)
    assert submitted.status_code == 201, submitted.json
    report_id = submitted.json["id"]
    assert submitted.json["status_label"] == "待审核" and len(submitted.json["photos"]) == 1
    assert client.get(submitted.json["photos"][0]["url"], headers=hh).status_code == 200
    assert client.get(submitted.json["photos"][0]["url"], headers=world["cs"]).status_code == 404
    before = counts()
    refused(client.post(f"{API}/topics/{topic_id}/withdraw", headers=hh), 409, "已有 1 个团队提交了调研报告，课题不能撤回。")
    refused(client.post(f"{API}/teams/{team_id}/abandon", headers=zhang), 409, "已提交调研报告，不能放弃领题。")
    refused(client.post(f"{API}/teams/{team_id}/report", json={"title": "再交一次", "body": "正文"}, headers=zhang),
            409, "调研报告正在审核")
    refused(client.post(f"{API}/reports/{report_id}/instruction", json={
        "instructed_by": "市委书记", "date": today().isoformat(), "text": "请市发改委研究吸收。"}, headers=hh),
        409, "只有通过审核的调研报告才能登记领导批示。")
    refused(client.post(f"{API}/reports/{report_id}/return", json={"reason": "  "}, headers=hh), 422, "请填写退回修改的理由。")
    assert counts() == before

    returned = client.post(f"{API}/reports/{report_id}/return", json={"reason": "对策建议部分需补充数据。"}, headers=hh)
    assert returned.status_code == 200 and returned.json["status_label"] == "退回修改"
    assert returned.json["return_reason"] == "对策建议部分需补充数据。"
    refused(client.post(f"{API}/reports/{report_id}/accept", headers=hh), 409, "不在待审核状态")
    resubmitted = client.post(f"{API}/teams/{team_id}/report", json={
        "title": "关于乡村振兴示范片区建设的调研报告（修改稿）", "body": "补充了数据。", "attachment_ids": [upload_id]}, headers=zhang)
    assert resubmitted.status_code == 201 and resubmitted.json["round"] == 2 and resubmitted.json["id"] == report_id

    accepted = client.post(f"{API}/reports/{report_id}/accept", headers=hh)
    assert accepted.status_code == 200 and accepted.json["status_label"] == "已通过"
    refused(client.post(f"{API}/reports/{report_id}/accept", headers=hh), 409, "不在待审核状态")
    assert points_of(world["zhang"].id) == [("research_report_accepted", 5)]
    assert points_of(world["li"].id) == [("research_report_accepted", 5)]

    tomorrow = (today() + timedelta(days=1)).isoformat()
    refused(client.post(f"{API}/reports/{report_id}/instruction", json={
        "instructed_by": "市委书记", "date": tomorrow, "text": "请市发改委研究吸收。"}, headers=hh), 422, "批示日期不能晚于今天。")
    instructed = client.post(f"{API}/reports/{report_id}/instruction", json={
        "instructed_by": "市委书记", "date": today().isoformat(), "text": "请市发改委研究吸收。"}, headers=hh)
    assert instructed.status_code == 200 and instructed.json["instructed"] and instructed.json["instructed_by"] == "市委书记"
    refused(client.post(f"{API}/reports/{report_id}/instruction", json={
        "instructed_by": "市长", "date": today().isoformat(), "text": "同意。"}, headers=hh), 409, "该调研报告已登记领导批示。")
    assert points_of(world["zhang"].id) == [("research_report_accepted", 5), ("research_report_instructed", 5)]
    assert points_of(world["li"].id) == [("research_report_accepted", 5), ("research_report_instructed", 5)]
    assert points_of(world["zhou"].id) == [] and points_of(world["wang"].id) == []
    assert client.get(f"/api/v1/deputies/{world['li'].id}/points", headers=hh).json["total"] == 10

    # The lead was told of each review.
    told = [(m["phrase2"], m["thing1"]) for m in research_messages()]
    assert ("退回修改", "乡村振兴示范片区建设调研") in told and ("已通过", "乡村振兴示范片区建设调研") in told
    assert ("获领导批示", "乡村振兴示范片区建设调研") in told

    # 李娜 reads her research; the topic's page shows both teams, the report's text only to its own.
    my = client.get("/api/v1/me/research", headers=headers(world, "li")).json
    assert my["total"] == 1 and my["items"][0]["role"] == "member" and my["items"][0]["report_status_label"] == "已通过"
    seen_by_zhou = client.get(f"{API}/topics/{topic_id}", headers=headers(world, "zhou")).json
    reports = {t["name"]: t["report"] for t in seen_by_zhou["teams"] if t["status"] == "active"}
    assert "body" not in reports["鹤城区第一代表小组"] and reports["周强团队"] is None
    assert client.get(f"{API}/reports/{report_id}", headers=headers(world, "zhou")).status_code == 404
    assert client.get(f"{API}/reports/{report_id}", headers=headers(world, "li")).json["body"] == "补充了数据。"

    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("research%"))
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["research_topic_created", "research_topic_published", "research_report_returned",
                       "research_report_accepted", "research_report_instructed"]


def test_the_years_figures_and_the_archive(client, world):
    hh = world["hh"]
    first = new_topic(client, hh, title="城市更新中的老旧小区改造", theme="城市更新")
    new_topic(client, hh, title="城市更新中的历史街区保护", theme="城市更新")
    third = new_topic(client, hh, title="数字经济产业园调研", theme="数字经济")
    new_topic(client, hh, publish=False, title="草稿课题", theme="数字经济")
    last_year = new_topic(client, hh, title="去年的课题", theme="城市更新", year=today().year - 1)
    zhang, zhou = headers(world, "zhang"), headers(world, "zhou")
    team = take(client, zhang, first["id"], member_deputy_ids=[world["li"].id]).json
    take(client, zhou, first["id"])
    other = take(client, zhou, third["id"]).json
    take(client, zhang, last_year["id"])
    report = client.post(f"{API}/teams/{team['id']}/report", json={"title": "老旧小区改造调研报告", "body": "正文"}, headers=zhang).json
    client.post(f"{API}/reports/{report['id']}/accept", headers=hh)
    client.post(f"{API}/reports/{report['id']}/instruction",
                json={"instructed_by": "市长", "date": today().isoformat(), "text": "请住建局研究。"}, headers=hh)
    client.post(f"{API}/teams/{other['id']}/report", json={"title": "产业园调研报告", "body": "正文"}, headers=zhou)

    summary = client.get(f"{API}/summary", headers=hh).json
    figures = {k: summary[k] for k in ("topics_published", "topics_taken", "teams", "reports_submitted",
                                       "reports_awaiting", "reports_accepted", "reports_instructed")}
    assert figures == {"topics_published": 3, "topics_taken": 2, "teams": 3, "reports_submitted": 2,
                       "reports_awaiting": 1, "reports_accepted": 1, "reports_instructed": 1}
    assert (summary["taken_rate"], summary["acceptance_rate"], summary["instruction_rate"]) == (
        pytest.approx(0.6667), 0.5, 1.0)
    assert summary["denominators"] == {"taken_rate": "topics_published", "acceptance_rate": "reports_submitted",
                                       "instruction_rate": "reports_accepted"}
    themes = {t["theme"]: (t["topics_published"], t["topics_taken"], t["teams"], t["reports_accepted"])
              for t in summary["by_theme"]}
    assert themes == {"城市更新": (2, 1, 2, 1), "数字经济": (1, 1, 1, 0)}
    past = client.get(f"{API}/summary?year={today().year - 1}", headers=hh).json
    assert (past["topics_published"], past["teams"]) == (1, 1)
    county = client.get(f"{API}/summary?region_id={world['tree']['hc'].id}", headers=hh).json
    assert county["topics_published"] == 0 and county["taken_rate"] is None
    refused(client.get(f"{API}/summary", headers=world["station"]), 403, "")
    assert client.get(f"{API}/summary?region_id={world['tree']['hh'].id}", headers=world["cs"]).status_code == 404

    archive = client.get(f"/api/v1/deputies/{world['li'].id}/archive", headers=hh).json["research"]
    assert {k: archive[k] for k in ("teams", "reports_submitted", "reports_accepted", "reports_instructed")} == {
        "teams": 1, "reports_submitted": 1, "reports_accepted": 1, "reports_instructed": 1}
    assert archive["lines"] == [{"topic": "城市更新中的老旧小区改造", "theme": "城市更新", "team": "张伟团队", "role": "成员",
                                 "report_title": "老旧小区改造调研报告", "report_status": "accepted",
                                 "report_status_label": "已通过", "instructed": True, "instructed_by": "市长"}]
    zhou_archive = client.get(f"/api/v1/deputies/{world['zhou'].id}/archive", headers=hh).json["research"]
    assert [(line["topic"], line["role"], line["report_status_label"]) for line in zhou_archive["lines"]] == [
        ("数字经济产业园调研", "牵头", "待审核"), ("城市更新中的老旧小区改造", "牵头", "未提交")]
    sheet = client.get(f"/api/v1/deputies/{world['li'].id}/archive?format=xlsx", headers=hh)
    assert sheet.status_code == 200
    from openpyxl import load_workbook
    values = [c for row in load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True) for c in row if c]
    assert "四、调研清单（揭榜领题）" in values and "老旧小区改造调研报告" in values and "市长" in values


def test_who_may_take_and_with_whom(client, world):
    hh = world["hh"]
    topic = new_topic(client, hh)
    before = counts()
    refused(take(client, headers(world, "far"), topic["id"]), 404, "调研课题不存在。")
    refused(take(client, headers(world, "zhang"), topic["id"], member_deputy_ids=[world["far"].id, 999999]),
            422, f"以下代表不存在或不在本课题的领题范围内（编号）：{world['far'].id}、999999。")
    client.patch(f"/api/v1/deputies/{world['li'].id}", json={"active": False}, headers=hh)
    refused(take(client, headers(world, "zhang"), topic["id"], member_deputy_ids=[world["li"].id]),
            422, "以下代表已离任，不能参加调研团队：李娜。")
    refused(client.post(f"{API}/topics/{topic['id']}/teams", json={"member_deputy_ids": "x"}, headers=headers(world, "zhang")),
            422, "", "member_deputy_ids")
    refused(take(client, world["hh"], topic["id"]), 403, "只有在任的人大代表可以领题。")
    assert counts() == before

    assert take(client, headers(world, "zhang"), topic["id"], member_deputy_ids=[world["zhou"].id]).status_code == 201
    refused(take(client, headers(world, "zhou"), topic["id"]), 409, "您已在本课题的调研团队中，每个课题只能参加一个团队。")
    refused(take(client, headers(world, "guest"), topic["id"], member_deputy_ids=[world["zhou"].id]), 409,
            "以下代表已在本课题的其他调研团队中：周强。")
    # Only the lead gives up or reports.
    team = db.session.scalars(select(ResearchTeam)).one()
    refused(client.post(f"{API}/teams/{team.id}/abandon", headers=headers(world, "zhou")), 403, "只有牵头代表可以办理。")
    refused(client.post(f"{API}/teams/{team.id}/report", json={"title": "t", "body": "b"}, headers=headers(world, "zhou")),
            403, "只有牵头代表可以办理。")
    assert client.post(f"{API}/teams/{team.id}/abandon", headers=headers(world, "wang")).status_code == 404
    # A withdrawn topic takes no more teams.
    assert client.post(f"{API}/topics/{topic['id']}/withdraw", headers=hh).json["status"] == "withdrawn"
    refused(take(client, headers(world, "guest"), topic["id"]), 409, "该课题已撤回，不能再领题。")
    refused(client.post(f"{API}/teams/{team.id}/report", json={"title": "t", "body": "b"}, headers=headers(world, "zhang")),
            409, "该课题已撤回，不能提交调研报告。")


def test_administrators_refusals_and_bad_input(client, world):
    hh, cs = world["hh"], world["cs"]
    topic = new_topic(client, hh, publish=False)
    before = counts()
    refused(client.post(f"{API}/topics", json={"title": "x" * 101, "theme": "数字经济"}, headers=hh), 422, "", "title")
    refused(client.post(f"{API}/topics", json={"title": "课题", "theme": "一个超过二十个字的很长很长很长很长的主题标签啊"}, headers=hh), 422, "", "theme")
    refused(client.post(f"{API}/topics", json={"title": "课题", "theme": "数字经济", "max_teams": 0}, headers=hh), 422,
            "领题团队数上限应在 1 至 1000 之间。", "max_teams")
    refused(client.post(f"{API}/topics", json={"title": "课题", "theme": "数字经济", "description": "长" * 2001}, headers=hh), 422, "", "description")
    refused(client.post(f"{API}/topics", json={"title": "课题", "theme": "数字经济", "region_id": world["tree"]["cs"].id},
                        headers=hh), 422, "区域不存在，或不在您的管理范围内。")
    street = world["factory"].region("城北街道", "township", world["tree"]["hc"])
    refused(client.post(f"{API}/topics", json={"title": "课题", "theme": "数字经济", "region_id": street.id}, headers=hh),
            422, "街道不设人民代表大会（设人大工委），调研课题只能由设有人民代表大会的区域发布。")
    refused(client.get(f"{API}/topics", headers=world["station"]), 403, "调研课题由人大常委会的区域管理员发布和管理。")
    assert client.post(f"{API}/topics", json={"title": "课题", "theme": "数字经济"}, headers=world["station"]).status_code == 403
    # Another city's administrators do not see it.
    for response in (client.get(f"{API}/topics/{topic['id']}", headers=cs),
                     client.patch(f"{API}/topics/{topic['id']}", json={"title": "改"}, headers=cs),
                     client.post(f"{API}/topics/{topic['id']}/publish", headers=cs),
                     client.delete(f"{API}/topics/{topic['id']}", headers=cs)):
        refused(response, 404, "调研课题不存在。")
    refused(client.post(f"{API}/topics/{topic['id']}/withdraw", headers=hh), 409, "只有已发布的课题可以撤回；草稿可直接删除。")
    assert counts() == before
    assert client.get(f"{API}/topics", headers=cs).json["total"] == 0
    assert client.get(f"{API}/topics?theme=数字经济&status=draft", headers=hh).json["total"] == 1

    client.post(f"{API}/topics/{topic['id']}/publish", headers=hh)
    refused(client.post(f"{API}/topics/{topic['id']}/publish", headers=hh), 409, "课题已发布。")
    refused(client.delete(f"{API}/topics/{topic['id']}", headers=hh), 409, "已发布的课题不能删除")
    refused(client.patch(f"{API}/topics/{topic['id']}", json={"year": today().year + 1}, headers=hh), 422, "课题发布后不能修改年度。")
    client.patch(f"{API}/topics/{topic['id']}", json={"max_teams": 1}, headers=hh)
    team = take(client, headers(world, "zhang"), topic["id"]).json
    refused(client.patch(f"{API}/topics/{topic['id']}", json={"max_teams": None, "title": ""}, headers=hh), 422, "", "title")
    edited = client.patch(f"{API}/topics/{topic['id']}", json={"title": "数字经济赋能中小企业（修订）"}, headers=hh)
    assert edited.status_code == 200 and edited.json["title"] == "数字经济赋能中小企业（修订）"

    long_body = client.post(f"{API}/teams/{team['id']}/report", json={"title": "报告", "body": "字" * 20001},
                            headers=headers(world, "zhang"))
    refused(long_body, 422, "", "body")
    someone_elses = photo(client, headers(world, "li"))
    refused(client.post(f"{API}/teams/{team['id']}/report", json={"title": "报告", "body": "正文", "attachment_ids": [someone_elses]},
                        headers=headers(world, "zhang")), 422, "照片不存在或已被使用，请重新上传。")
    report = client.post(f"{API}/teams/{team['id']}/report", json={"title": "报告", "body": "正文"}, headers=headers(world, "zhang")).json
    refused(client.post(f"{API}/reports/{report['id']}/accept", headers=cs), 404, "调研报告不存在。")
    refused(client.post(f"{API}/reports/{report['id']}/accept", headers=headers(world, "zhang")), 403, "")
    client.post(f"{API}/reports/{report['id']}/accept", headers=hh)
    refused(client.post(f"{API}/reports/{report['id']}/instruction", json={"instructed_by": "", "date": "2026-02-30", "text": ""},
                        headers=hh), 422, "", "date")
    assert db.session.scalar(select(func.count()).select_from(PointEntry)) == 1


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="the race needs PostgreSQL's concurrent writers")
def test_the_last_place_goes_to_one_deputy_however_many_take_it_at_once(client, world, base_url):
    import requests

    topic = new_topic(client, world["hh"], max_teams=1)
    names = ["zhang", "li", "wang", "zhou"]
    calls = [lambda h=headers(world, name): requests.post(f"{base_url}{API}/topics/{topic['id']}/teams", json={}, headers=h,
                                                          timeout=30) for name in names]
    responses = released_together(*calls)
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
    assert all("领题名额已满（共 1 个团队）" in r.json()["message"] for r in responses if r.status_code == 409)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ResearchTeam)) == 1
    assert db.session.get(ResearchTopic, topic["id"]).teams_taken == 1


def test_the_topics_administrators_are_told_of_a_report_and_the_lead_of_its_review(client, world, factory):
    from backend.auth.models import User

    factory.wechat_login("huaihua-admin-phone")  # the administrator's own WeChat user, linked to the account below
    admin = db.session.scalar(select(User).where(User.username == "huaihua"))
    admin.notify_user_id = db.session.scalar(select(User.id).where(User.openid == "fake-openid-huaihua-admin-phone"))
    changsha = db.session.scalar(select(User).where(User.username == "changsha"))
    changsha.notify_user_id = admin.notify_user_id  # another city's administrator: not told
    db.session.commit()
    topic = new_topic(client, world["hh"], title="数字经济产业园调研")
    zhang = headers(world, "zhang")
    team = take(client, zhang, topic["id"]).json
    report = client.post(f"{API}/teams/{team['id']}/report", json={"title": "产业园调研报告", "body": "正文"}, headers=zhang).json
    to_admin = db.session.execute(select(OutboxMessage.user_id, OutboxMessage.data, OutboxMessage.page)
                                  .where(OutboxMessage.template == "research")).all()
    assert [(row.user_id, row.data["phrase2"], row.data["thing3"], row.page) for row in to_admin] == [
        (admin.notify_user_id, "待审核", "张伟团队提交了调研报告", "")]  # handled in the console: no page
    client.post(f"{API}/reports/{report['id']}/return", json={"reason": "请补充数据。"}, headers=world["hh"])
    zhang_user = db.session.scalar(select(User.id).where(User.deputy_id == world["zhang"].id))
    told = db.session.execute(select(OutboxMessage.data).where(OutboxMessage.template == "research",
                                                               OutboxMessage.user_id == zhang_user)).scalars().all()
    assert [(m["phrase2"], m["thing3"]) for m in told] == [("退回修改", "请补充数据。")]


def test_points_are_credited_once_per_report_and_capped_by_the_year(client, world):
    """钱进, a Changsha deputy received at a Huaihua station, takes five of Huaihua's topics; each report accepted
    credits 5 until the line's yearly cap of 20; crediting a report again credits nothing."""
    from backend.research import services

    hh, guest = world["hh"], headers(world, "guest")
    reports = []
    for n in range(5):
        topic = new_topic(client, hh, title=f"课题{n}", theme="产业发展")
        team = take(client, guest, topic["id"])
        assert team.status_code == 201, team.json
        report = client.post(f"{API}/teams/{team.json['id']}/report", json={"title": f"报告{n}", "body": "正文"}, headers=guest)
        reports.append(report.json["id"])
        assert client.post(f"{API}/reports/{report.json['id']}/accept", headers=hh).status_code == 200
    assert [points for _, points in points_of(world["guest"].id)] == [5, 5, 5, 5]
    first = db.session.get(ResearchReport, reports[0])
    assert services._credit(first, services.ACCEPTED_RULE, "again") == 0
    assert db.session.scalar(select(func.sum(PointEntry.points)).where(PointEntry.deputy_id == world["guest"].id)) == 20


def accepted_report(client, world, lead="zhang", **take_body):
    """A published topic taken by ``lead`` (with ``take_body``), its report submitted and accepted: (topic,
    team, report)."""
    hh = world["hh"]
    topic = new_topic(client, hh)
    team = take(client, headers(world, lead), topic["id"], **take_body).json
    report = client.post(f"{API}/teams/{team['id']}/report", json={"title": "调研报告", "body": "正文"},
                         headers=headers(world, lead)).json
    assert client.post(f"{API}/reports/{report['id']}/accept", headers=hh).status_code == 200
    return topic, team, report


def test_an_instruction_is_dated_between_the_reports_acceptance_and_today(client, world):
    _, _, report = accepted_report(client, world)
    before = counts()
    for day in ("2001-01-01", (today() - timedelta(days=1)).isoformat()):
        refused(client.post(f"{API}/reports/{report['id']}/instruction",
                            json={"instructed_by": "市长", "date": day, "text": "好"}, headers=world["hh"]),
                422, f"批示日期不能早于调研报告通过审核的日期（{today().isoformat()}）。", "date")
    assert counts() == before
    done = client.post(f"{API}/reports/{report['id']}/instruction",
                       json={"instructed_by": "市长", "date": today().isoformat(), "text": "好"}, headers=world["hh"])
    assert done.status_code == 200 and done.json["instruction_date"] == today().isoformat()


def submitted_report(client, world, lead="zhang", **take_body):
    topic = new_topic(client, world["hh"])
    team = take(client, headers(world, lead), topic["id"], **take_body).json
    report = client.post(f"{API}/teams/{team['id']}/report", json={"title": "调研报告", "body": "正文"},
                         headers=headers(world, lead)).json
    return topic, team, report


def review_lines(report_id):
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("research_report_%"))
                              .order_by(AuditEvent.id)).all()


def test_a_report_is_reviewed_once_the_later_reviews_are_refused(client, world):
    """审核通过 three times, then 退回修改 and a second instruction: the first of each wins; the others are 409
    and change nothing (the review time stays the first one's, one line in the 操作日志)."""
    _, _, report = submitted_report(client, world)
    url = f"{API}/reports/{report['id']}"
    answers = [client.post(f"{url}/accept", headers=world["hh"]) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 409, 409]
    assert all("该调研报告已通过，不在待审核状态。" in a.json["message"] for a in answers[1:])
    refused(client.post(f"{url}/return", json={"reason": "再看看"}, headers=world["hh"]), 409, "不在待审核状态")
    db.session.expire_all()
    row = db.session.get(ResearchReport, report["id"])
    assert row.reviewed_dt.isoformat() == answers[0].json["reviewed_at"] and row.status.value == "accepted"
    body = {"instructed_by": "市长", "date": today().isoformat(), "text": "好"}
    assert [client.post(f"{url}/instruction", json=body, headers=world["hh"]).status_code for _ in range(2)] == [200, 409]
    assert review_lines(report["id"]) == ["research_report_accepted", "research_report_instructed"]
    assert [points for _, points in points_of(world["zhang"].id)] == [5, 5]


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="the race needs PostgreSQL's concurrent writers")
def test_three_reviews_of_one_report_at_once_one_wins(client, world, base_url):
    import requests

    _, _, report = submitted_report(client, world)
    url = f"{base_url}{API}/reports/{report['id']}"
    responses = released_together(*[lambda: requests.post(f"{url}/accept", headers=world["hh"], timeout=30)] * 3)
    assert sorted(r.status_code for r in responses) == [200, 409, 409]
    assert all("该调研报告已通过，不在待审核状态。" in r.json()["message"] for r in responses if r.status_code == 409)
    assert review_lines(report["id"]) == ["research_report_accepted"]
    body = {"instructed_by": "市长", "date": today().isoformat(), "text": "好"}
    responses = released_together(*[lambda: requests.post(f"{url}/instruction", json=body, headers=world["hh"],
                                                           timeout=30)] * 3)
    assert sorted(r.status_code for r in responses) == [200, 409, 409]
    assert review_lines(report["id"]) == ["research_report_accepted", "research_report_instructed"]
    assert [points for _, points in points_of(world["zhang"].id)] == [5, 5]


def test_a_topic_out_of_reach_is_not_found_whatever_its_state(client, world):
    """A deputy outside a topic's reach (a Changsha deputy, Huaihua's topics): reading it and taking it answer the
    same 404 as an id that does not exist, whether it is published, a draft or withdrawn; nothing names the
    congress. A deputy in reach reads a withdrawn topic (status 已撤回) and is told why they cannot take it."""
    hh, far = world["hh"], headers(world, "far")
    published = new_topic(client, hh)
    draft = new_topic(client, hh, publish=False, title="草稿课题")
    withdrawn = new_topic(client, hh, title="撤回的课题")
    assert client.post(f"{API}/topics/{withdrawn['id']}/withdraw", headers=hh).status_code == 200
    before = counts()
    for topic_id in (published["id"], draft["id"], withdrawn["id"], 999999):
        for response in (client.get(f"{API}/topics/{topic_id}", headers=far), take(client, far, topic_id)):
            refused(response, 404, "调研课题不存在。")
            assert "怀化" not in response.get_data(as_text=True)
    assert counts() == before
    zhang = headers(world, "zhang")
    seen = client.get(f"{API}/topics/{withdrawn['id']}", headers=zhang)
    assert seen.status_code == 200 and seen.json["status_label"] == "已撤回" and seen.json["can_take"] is False
    refused(take(client, zhang, withdrawn["id"]), 409, "该课题已撤回，不能再领题。")
    refused(take(client, zhang, draft["id"]), 404, "调研课题不存在。")


def test_a_report_on_a_topic_of_a_region_without_administrators_tells_the_nearest_above(client, world, factory):
    """鹤城区 has no administrator of its own: its topic (published by the city's) is managed from 怀化市, whose
    administrators are told of a report; the province's, further up, are not while the city has any; another
    city's never. Once 鹤城区 has an administrator, they alone are told."""
    from backend.auth.models import User

    def linked(username, code):
        factory.wechat_login(code)
        account = db.session.scalar(select(User).where(User.username == username))
        account.notify_user_id = db.session.scalar(select(User.id).where(User.openid == f"fake-openid-{code}"))
        db.session.commit()
        return account.notify_user_id

    city = linked("huaihua", "hh-admin-phone")
    factory.admin("hunan", region=world["tree"]["root"])
    province = linked("hunan", "hunan-admin-phone")
    linked("changsha", "cs-admin-phone")
    topic = new_topic(client, world["hh"], title="鹤城区老旧小区改造", region_id=world["tree"]["hc"].id)
    zhang = headers(world, "zhang")
    team = take(client, zhang, topic["id"]).json
    client.post(f"{API}/teams/{team['id']}/report", json={"title": "报告", "body": "正文"}, headers=zhang)

    def told():
        return [row.user_id for row in db.session.execute(select(OutboxMessage.user_id).where(
            OutboxMessage.template == "research", OutboxMessage.dedupe_key.like("research:%:submitted:%"))
            .order_by(OutboxMessage.id))]
    assert told() == [city] and province not in told()

    factory.admin("hecheng", region=world["tree"]["hc"])
    county = linked("hecheng", "hc-admin-phone")
    other = new_topic(client, world["hh"], title="鹤城区背街小巷整治", region_id=world["tree"]["hc"].id)
    team = take(client, zhang, other["id"]).json
    client.post(f"{API}/teams/{team['id']}/report", json={"title": "报告二", "body": "正文"}, headers=zhang)
    assert told() == [city, county]


def test_another_teams_return_reason_and_instruction_are_its_own(client, world):
    """周强, on another team of the topic, reads the teams' states only: not the reason 张伟's report was
    returned, nor the leader's instruction on it; 李娜 (on 张伟's team) and the administrators read both."""
    topic, team, report = submitted_report(client, world, member_deputy_ids=[world["li"].id])
    take(client, headers(world, "zhou"), topic["id"])
    hh, url = world["hh"], f"{API}/reports/{report['id']}"
    reason, instruction = "数据来源不清，需补充走访记录", "报告提出的问题很实在，请市住建局研究吸收"

    def seen(name):
        h = hh if name == "hh" else headers(world, name)
        teams = client.get(f"{API}/topics/{topic['id']}", headers=h).json["teams"]
        return next(t["report"] for t in teams if t["id"] == team["id"])

    client.post(f"{url}/return", json={"reason": reason}, headers=hh)
    other = seen("zhou")
    assert other["status_label"] == "退回修改" and other["title"] == "调研报告"
    assert reason not in str(other) and "return_reason" not in other
    assert seen("li")["return_reason"] == reason and seen("hh")["return_reason"] == reason
    client.post(f"{API}/teams/{team['id']}/report", json={"title": "调研报告", "body": "补充了"}, headers=headers(world, "zhang"))
    client.post(f"{url}/accept", headers=hh)
    client.post(f"{url}/instruction", json={"instructed_by": "市长", "date": today().isoformat(), "text": instruction},
                headers=hh)
    other = seen("zhou")
    assert other["status_label"] == "已通过" and other["instructed"] is True
    assert instruction not in str(other) and "市长" not in str(other)
    assert {k: seen("li")[k] for k in ("instructed_by", "instruction_text")} == {"instructed_by": "市长", "instruction_text": instruction}
    assert seen("hh")["instruction_text"] == instruction


def test_withdrawing_a_topic_ends_its_teams_and_tells_their_leads(client, world):
    """A topic withdrawn before any report: its teams read 课题已撤回 in /me/research, on the team's page, the
    topic's page and the 履职档案 (not counted there, as the year's figures do not count them), and each lead
    is told (`research`, 已撤回); a team given up before stays 已放弃 and its lead is not told."""
    from backend.auth.models import User

    hh = world["hh"]
    topic = new_topic(client, hh, title="营商环境调研")
    team = take(client, headers(world, "zhang"), topic["id"], member_deputy_ids=[world["li"].id]).json
    zhou_team = take(client, headers(world, "zhou"), topic["id"]).json
    wang_team = take(client, headers(world, "wang"), topic["id"]).json
    client.post(f"{API}/teams/{wang_team['id']}/abandon", headers=headers(world, "wang"))
    assert client.post(f"{API}/topics/{topic['id']}/withdraw", headers=hh).status_code == 200

    for name in ("zhang", "li"):
        mine = client.get("/api/v1/me/research", headers=headers(world, name)).json["items"]
        assert [(i["id"], i["status"], i["status_label"], i["report_status_label"]) for i in mine] == [
            (team["id"], "withdrawn", "课题已撤回", "课题已撤回")]
    page = client.get(f"{API}/teams/{team['id']}", headers=headers(world, "li")).json
    assert (page["status_label"], [m["name"] for m in page["members"]]) == ("课题已撤回", ["张伟", "李娜"])
    teams = client.get(f"{API}/topics/{topic['id']}", headers=hh).json["teams"]
    assert sorted(t["status_label"] for t in teams) == ["已放弃", "课题已撤回", "课题已撤回"]
    archive = client.get(f"/api/v1/deputies/{world['li'].id}/archive", headers=hh).json["research"]
    assert archive["teams"] == 0 and client.get(f"{API}/summary", headers=hh).json["teams"] == 0
    assert [(line["topic"], line["report_status_label"]) for line in archive["lines"]] == [("营商环境调研", "课题已撤回")]

    def told(deputy):
        user_id = db.session.scalar(select(User.id).where(User.deputy_id == deputy.id))
        return [(m["phrase2"], m["thing1"]) for m in db.session.scalars(select(OutboxMessage.data).where(
            OutboxMessage.template == "research", OutboxMessage.user_id == user_id,
            OutboxMessage.dedupe_key.like("research:withdrawn:%")))]
    assert told(world["zhang"]) == [("已撤回", "营商环境调研")] and told(world["zhou"]) == [("已撤回", "营商环境调研")]
    assert told(world["wang"]) == [] and told(world["li"]) == []
    refused(client.post(f"{API}/teams/{zhou_team['id']}/abandon", headers=headers(world, "zhou")), 409, "该课题已撤回")


def test_a_member_named_by_the_lead_is_told_and_may_leave_before_the_report_is_accepted(client, world):
    """张伟 names 李娜 and 周强: each is told (`research`, 您已被列入调研团队…). 李娜 leaves (the lead is told); she no
    longer reads the team, may take the topic herself, gets no points for the report; 张伟 cannot leave (he gives
    it up instead); once the report is accepted 周强 cannot leave and is credited."""
    from backend.auth.models import User

    li, zhou, zhang = headers(world, "li"), headers(world, "zhou"), headers(world, "zhang")
    topic = new_topic(client, world["hh"], title="营商环境调研")
    team = take(client, zhang, topic["id"], member_deputy_ids=[world["li"].id, world["zhou"].id]).json

    def told(deputy, like):
        user_id = db.session.scalar(select(User.id).where(User.deputy_id == deputy.id))
        return [(m.data["phrase2"], m.data["thing3"], m.page) for m in db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.template == "research", OutboxMessage.user_id == user_id, OutboxMessage.dedupe_key.like(like)))]
    joined = ("已列入团队", "您已被列入调研团队（张伟牵头）", f"pages/research/team?id={team['id']}")
    assert told(world["li"], "research:team:%") == [joined] and told(world["zhou"], "research:team:%") == [joined]
    assert told(world["zhang"], "research:team:%") == []

    url = f"{API}/teams/{team['id']}/leave"
    refused(client.post(url, headers=zhang), 409, "牵头代表不能退出团队；如不再调研，请放弃领题。")
    assert client.post(url, headers=headers(world, "wang")).status_code == 404
    left = client.post(url, headers=li)
    assert left.status_code == 200 and [m["name"] for m in left.json["members"]] == ["张伟", "周强"]
    assert told(world["zhang"], "research:team:%") == [("成员退出", "李娜已退出调研团队", f"pages/research/team?id={team['id']}")]
    refused(client.post(url, headers=li), 404, "调研团队不存在。")
    assert client.get(f"{API}/teams/{team['id']}", headers=li).status_code == 404
    assert client.get("/api/v1/me/research", headers=li).json["total"] == 0
    assert [m["name"] for m in client.get(f"{API}/teams/{team['id']}", headers=zhang).json["members"]] == ["张伟", "周强"]
    own = take(client, li, topic["id"])
    assert own.status_code == 201, own.json

    report = client.post(f"{API}/teams/{team['id']}/report", json={"title": "报告", "body": "正文"}, headers=zhang).json
    assert client.post(f"{API}/reports/{report['id']}/accept", headers=world["hh"]).status_code == 200
    refused(client.post(url, headers=zhou), 409, "调研报告已通过审核，不能退出团队。")
    assert points_of(world["zhou"].id) == [("research_report_accepted", 5)] and points_of(world["li"].id) == []
    archive = client.get(f"/api/v1/deputies/{world['li'].id}/archive", headers=world["hh"]).json["research"]
    assert [line["role"] for line in archive["lines"]] == ["牵头"]  # her own team only


def test_a_member_leaves_a_submitted_report_and_is_not_credited(client, world):
    topic, team, report = submitted_report(client, world, member_deputy_ids=[world["li"].id])
    assert client.post(f"{API}/teams/{team['id']}/leave", headers=headers(world, "li")).status_code == 200
    assert client.post(f"{API}/reports/{report['id']}/accept", headers=world["hh"]).status_code == 200
    assert points_of(world["li"].id) == [] and points_of(world["zhang"].id) == [("research_report_accepted", 5)]
    assert client.get(f"{API}/reports/{report['id']}", headers=headers(world, "li")).status_code == 404


def test_a_reports_photo_cannot_be_attached_to_a_suggestion(client, world):
    """A photo on a research report stays the report's: filing a suggestion with it is refused (as a report
    refuses a suggestion's photo) and writes nothing; the team still reads it and the station's staff do not."""
    from backend.suggestions.models import Suggestion
    from backend.uploads.models import Upload
    from backend.wechat import get_client

    zhang = headers(world, "zhang")
    topic = new_topic(client, world["hh"])
    team = take(client, zhang, topic["id"], member_deputy_ids=[world["li"].id]).json
    upload_id = photo(client, zhang)
    report = client.post(f"{API}/teams/{team['id']}/report", json={"title": "报告", "body": "正文",
                                                                  "attachment_ids": [upload_id]}, headers=zhang)
    assert report.status_code == 201, report.json
    url = report.json["photos"][0]["url"]
    code = client.get(f"/api/v1/stations/{world['chengbei'].id}").json["qr_code"]
    get_client().access_token()  # see tests/test_uploads.py: fetched before filing on SQLite
    filed = client.post("/api/v1/suggestions", headers=zhang, json={
        "qr_code": code, "category": "环境卫生", "content": "小区门口的垃圾桶满了没人清理。", "attachment_ids": [upload_id]})
    refused(filed, 422, "照片不存在或已被使用，请重新上传。", "attachment_ids")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Suggestion)) == 0
    assert db.session.get(Upload, upload_id).suggestion_id is None
    assert client.get(url, headers=headers(world, "li")).status_code == 200
    assert client.get(url, headers=world["station"]).status_code == 404



def test_a_deputy_who_left_office_neither_reports_nor_abandons_and_is_not_credited(client, world):
    """A lead who left office (Deputy.active false: no longer the ``deputy`` role) is refused (403) on
    submitting the team's report and on giving the topic up, as on taking a topic; a member who left office
    is credited nothing when the report is accepted or instructed on."""
    hh, zhang, zhou = world["hh"], headers(world, "zhang"), headers(world, "zhou")
    topic = new_topic(client, hh)
    team = take(client, zhang, topic["id"]).json
    assert client.patch(f"/api/v1/deputies/{world['zhang'].id}", json={"active": False}, headers=hh).status_code == 200
    before = counts()
    refused(client.post(f"{API}/teams/{team['id']}/report", json={"title": "离任后提交", "body": "正文"}, headers=zhang),
            403, "只有在任的人大代表可以提交调研报告。")
    refused(client.post(f"{API}/teams/{team['id']}/abandon", headers=zhang), 403, "只有在任的人大代表可以放弃领题。")
    assert counts() == before
    assert client.get(f"{API}/teams/{team['id']}", headers=hh).json["status"] == "active"

    member_team = take(client, zhou, topic["id"], member_deputy_ids=[world["li"].id]).json
    report = client.post(f"{API}/teams/{member_team['id']}/report", json={"title": "报告", "body": "正文"}, headers=zhou).json
    assert client.patch(f"/api/v1/deputies/{world['li'].id}", json={"active": False}, headers=hh).status_code == 200
    assert client.post(f"{API}/reports/{report['id']}/accept", headers=hh).status_code == 200
    assert client.post(f"{API}/reports/{report['id']}/instruction", json={
        "instructed_by": "市长", "date": today().isoformat(), "text": "好"}, headers=hh).status_code == 200
    assert points_of(world["zhou"].id) == [("research_report_accepted", 5), ("research_report_instructed", 5)]
    assert points_of(world["li"].id) == []


def test_research_notices_in_the_message_center_are_titled_for_every_step(client, world):
    """消息中心 titles every research notice — a member named on a team, a lead whose report was returned — with
    the registered template's name, 调研课题进展通知 (not a title that fits a review only)."""
    li, zhang = headers(world, "li"), headers(world, "zhang")
    topic, team, report = submitted_report(client, world, member_deputy_ids=[world["li"].id])
    client.post(f"{API}/reports/{report['id']}/return", json={"reason": "请补充数据。"}, headers=world["hh"])

    def read(h):
        return [(m["title"], m["lines"][1]["value"], m["lines"][2]["value"])
                for m in client.get("/api/v1/me/messages", headers=h).json["items"]]
    assert read(li) == [("调研课题进展通知", "已列入团队", "您已被列入调研团队（张伟牵头）")]
    assert read(zhang) == [("调研课题进展通知", "退回修改", "请补充数据。")]


def test_a_withdrawn_topic_is_not_deleted_and_says_so(client, world):
    hh = world["hh"]
    topic = new_topic(client, hh)
    assert client.post(f"{API}/topics/{topic['id']}/withdraw", headers=hh).status_code == 200
    before = counts()
    refused(client.delete(f"{API}/topics/{topic['id']}", headers=hh), 409, "课题已撤回，不能删除。")
    assert counts() == before


def test_a_due_date_already_past_is_refused_when_a_topic_is_created_edited_or_published(client, world):
    """A topic due before today (China time) would mark every report 逾期: refused under due_date. A draft whose
    due date passed meanwhile is not published until it is changed; a published one whose date passed is still
    edited in its other fields."""
    hh, yesterday = world["hh"], (today() - timedelta(days=1)).isoformat()
    body = {"title": "数字经济调研", "theme": "数字经济", "due_date": yesterday}
    refused(client.post(f"{API}/topics", json=body, headers=hh), 422, "报告截止日期不能早于今天。", "due_date")
    assert db.session.scalar(select(func.count(ResearchTopic.id))) == 0
    draft = new_topic(client, hh, publish=False, due_date=today().isoformat())
    refused(client.patch(f"{API}/topics/{draft['id']}", json={"due_date": yesterday}, headers=hh),
            422, "报告截止日期不能早于今天。", "due_date")
    db.session.execute(update(ResearchTopic).values(due_date=today() - timedelta(days=1)))
    db.session.commit()
    refused(client.post(f"{API}/topics/{draft['id']}/publish", headers=hh), 422, "报告截止日期已过，请先修改报告截止日期。", "due_date")
    assert client.get(f"{API}/topics/{draft['id']}", headers=hh).json["status"] == "draft"
    assert client.patch(f"{API}/topics/{draft['id']}", json={"title": "数字经济专题调研"}, headers=hh).status_code == 200


def overdue_topic(client, hh, **extra):
    """A published topic whose due date, today when it was published, is now yesterday's."""
    topic = new_topic(client, hh, due_date=today().isoformat(), **extra)
    db.session.execute(update(ResearchTopic).where(ResearchTopic.id == topic["id"])
                       .values(due_date=today() - timedelta(days=1)))
    db.session.commit()
    return topic


def test_a_report_submitted_after_the_topics_due_date_reads_late(client, world):
    """A topic due yesterday (China time): its report reads `late` (逾期提交) to the team and the administrators,
    and to another deputy reading the topic; a topic due today or with no due date: not late."""
    zhang, li = headers(world, "zhang"), headers(world, "li")
    overdue = overdue_topic(client, world["hh"], title="逾期课题")
    on_time = new_topic(client, world["hh"], title="按期课题", due_date=today().isoformat())
    no_due = new_topic(client, world["hh"], title="不限日期课题")
    reports = {}
    for topic in (overdue, on_time, no_due):
        team = take(client, zhang, topic["id"]).json
        report = client.post(f"{API}/teams/{team['id']}/report", json={"title": "报告", "body": "正文"}, headers=zhang)
        assert report.status_code == 201, report.json
        reports[topic["title"]] = report.json
    assert {title: r["late"] for title, r in reports.items()} == {"逾期课题": True, "按期课题": False, "不限日期课题": False}
    late_id = reports["逾期课题"]["id"]
    assert client.get(f"{API}/reports/{late_id}", headers=world["hh"]).json["late"] is True
    others = client.get(f"{API}/topics/{overdue['id']}", headers=li).json["teams"]
    assert [team["report"]["late"] for team in others] == [True]
    mine = client.get("/api/v1/me/research", headers=zhang).json["items"]
    assert sorted((item["topic"]["title"], item["report"]["late"]) for item in mine) == [
        ("不限日期课题", False), ("按期课题", False), ("逾期课题", True)]


def test_a_deputy_finds_the_colleagues_they_may_name_on_a_team(client, world):
    """GET /research/topics/{id}/eligible-members: the deputies in office the topic is for (elected in its region or
    received at a station there), not the caller and not those on a team of the topic — whom 领题 accepts —
    found by name, page by page, with their name, level and region only (no phone)."""
    hh, zhang = world["hh"], headers(world, "zhang")
    topic = new_topic(client, hh)
    url = f"{API}/topics/{topic['id']}/eligible-members"

    def listed(h=zhang, **query):
        response = client.get(url, query_string=query, headers=h)
        assert response.status_code == 200, response.json
        return response.json

    everyone = listed()
    assert [d["name"] for d in everyone["items"]] == ["李娜", "王芳", "周强", "钱进"] and everyone["total"] == 4
    li = world["li"]
    assert everyone["items"][0] == {"id": li.id, "name": "李娜", "level_label": li.level_label, "region_name": li.region.name}
    assert [d["name"] for d in listed(q="周")["items"]] == ["周强"]
    assert listed(q="%")["items"] == []
    second = listed(page=2, per_page=3)
    assert [d["name"] for d in second["items"]] == ["钱进"] and second["total"] == 4

    # Whom 领题 accepts: those listed; once on a team (or out of office) they are not listed any more.
    assert take(client, headers(world, "wang"), topic["id"], member_deputy_ids=[world["guest"].id]).status_code == 201
    client.patch(f"/api/v1/deputies/{world['zhou'].id}", json={"active": False}, headers=hh)
    assert [d["name"] for d in listed()["items"]] == ["李娜"]
    assert take(client, zhang, topic["id"], member_deputy_ids=[d["id"] for d in listed()["items"]]).status_code == 201

    refused(client.get(url, headers=headers(world, "far")), 404, "调研课题不存在。")
    refused(client.get(url, headers=hh), 403, "只有在任的人大代表可以领题。")
    draft = new_topic(client, hh, publish=False, title="草稿课题")
    refused(client.get(f"{API}/topics/{draft['id']}/eligible-members", headers=zhang), 404, "调研课题不存在。")
    refused(client.get(url, query_string={"q": "张" * 51}, headers=zhang), 422, "", "q")
    assert client.post(f"{API}/topics/{topic['id']}/withdraw", headers=hh).status_code == 200
    refused(client.get(url, headers=zhang), 409, "该课题已撤回，不能再领题。")


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="the race needs PostgreSQL's concurrent writers")
def test_one_photo_filed_with_a_suggestion_and_sent_with_a_report_at_once_goes_to_one_of_them(client, world, base_url):
    """The lead files a suggestion and submits the team's report with the same photo at the same instant: one of
    them gets it (201) and the other is refused (422 照片不存在或已被使用，请重新上传。) and writes nothing; the photo
    is never on both. Run on fresh topics several times, whatever the interleaving."""
    import requests

    from backend.suggestions.models import Suggestion
    from backend.uploads.models import Upload
    from backend.wechat import get_client

    zhang = headers(world, "zhang")
    code = client.get(f"/api/v1/stations/{world['chengbei'].id}").json["qr_code"]
    get_client().access_token()  # see tests/test_uploads.py: fetched before filing
    rounds = []
    for n in range(6):
        topic = new_topic(client, world["hh"], title=f"课题{n}")
        team = take(client, zhang, topic["id"]).json
        rounds.append((team["id"], photo(client, zhang)))
    db.session.close()  # the server threads use their own sessions
    winners = Counter()
    for team_id, upload_id in rounds:
        filed, reported = released_together(
            lambda u=upload_id: requests.post(f"{base_url}/api/v1/suggestions", headers=zhang, timeout=30, json={
                "qr_code": code, "category": "环境卫生", "content": "小区门口的垃圾桶满了没人清理。", "attachment_ids": [u]}),
            lambda t=team_id, u=upload_id: requests.post(f"{base_url}{API}/teams/{t}/report", headers=zhang, timeout=30,
                                                         json={"title": "报告", "body": "正文", "attachment_ids": [u]}))
        assert sorted([filed.status_code, reported.status_code]) == [201, 422], (filed.text, reported.text)
        loser = filed if filed.status_code == 422 else reported
        assert loser.json()["errors"]["attachment_ids"] == ["照片不存在或已被使用，请重新上传。"], loser.text
        winners["suggestion" if filed.status_code == 201 else "report"] += 1
        db.session.expire_all()
        on_suggestion = db.session.get(Upload, upload_id).suggestion_id is not None
        on_report = db.session.scalar(select(func.count()).select_from(ResearchReportPhoto)
                                      .where(ResearchReportPhoto.upload_id == upload_id)) == 1
        assert (on_suggestion, on_report) == ((True, False) if filed.status_code == 201 else (False, True))
        db.session.close()
    assert db.session.scalar(select(func.count()).select_from(Suggestion)) == winners["suggestion"]
    assert db.session.scalar(select(func.count()).select_from(ResearchReport)) == winners["report"]


def report_with_photo(client, world):
    """张伟 takes a topic with 李娜 and submits the report with a photo uploaded from his WeChat account:
    (topic, team, report, upload id, the photo's URL)."""
    topic = new_topic(client, world["hh"])
    zhang = headers(world, "zhang")
    team = take(client, zhang, topic["id"], member_deputy_ids=[world["li"].id]).json
    upload_id = photo(client, zhang)
    report = client.post(f"{API}/teams/{team['id']}/report", json={"title": "调研报告", "body": "正文",
                                                                   "attachment_ids": [upload_id]}, headers=zhang)
    assert report.status_code == 201, report.json
    return topic, team, report.json, upload_id, report.json["photos"][0]["url"]


def test_the_wechat_account_a_lead_moved_away_from_can_erase_itself_and_the_report_keeps_its_photo(client, world):
    """The report's photos are the team's record: once 张伟 binds his phone from another WeChat account, the
    new account holds them (it may send them again with the report) and the old one, a citizen's now, can
    注销 with the photos staying on the report."""
    topic, team, report, upload_id, url = report_with_photo(client, world)
    old = headers(world, "zhang")
    new = world["factory"].deputy_headers(world["zhang"], js_code="zhang-new")
    copy = client.get("/api/v1/me/personal-data", headers=old)
    assert copy.status_code == 200 and copy.json["unattached_photos"] == 0  # not the old account's any more

    gone = client.delete("/api/v1/me", headers=old)
    assert gone.status_code == 204, gone.json
    for reader in (world["hh"], new, headers(world, "li")):
        assert client.get(url, headers=reader).status_code == 200
    assert [p["url"] for p in client.get(f"{API}/reports/{report['id']}", headers=world["hh"]).json["photos"]] == [url]
    # Returned for revision, the lead sends it again from the new account with the same photo.
    assert client.post(f"{API}/reports/{report['id']}/return", json={"reason": "请补充数据"}, headers=world["hh"]).status_code == 200
    again = client.post(f"{API}/teams/{team['id']}/report", json={"title": "调研报告（修改稿）", "body": "正文",
                                                                  "attachment_ids": [upload_id]}, headers=new)
    assert again.status_code == 201, again.json
    assert [p["url"] for p in again.json["photos"]] == [url]


def test_a_wechat_account_unbound_by_a_corrected_phone_can_erase_itself_and_the_report_keeps_its_photo(client, world):
    topic, team, report, upload_id, url = report_with_photo(client, world)
    old = headers(world, "zhang")
    corrected = client.patch(f"/api/v1/deputies/{world['zhang'].id}", json={"phone": "13800000199"}, headers=world["hh"])
    assert corrected.status_code == 200, corrected.json

    gone = client.delete("/api/v1/me", headers=old)
    assert gone.status_code == 204, gone.json
    assert client.get(url, headers=world["hh"]).status_code == 200
    assert client.get(url, headers=headers(world, "li")).status_code == 200
    with_photo = db.session.scalar(select(func.count()).select_from(ResearchReportPhoto))
    assert with_photo == 1
    # Whoever proves the new number leads the team, and holds the report's photos.
    new = world["factory"].wechat_login("zhang-new")
    assert client.post("/api/v1/auth/bind-phone", json={"code": "phone-13800000199"}, headers=new).status_code == 200
    assert client.post(f"{API}/reports/{report['id']}/return", json={"reason": "请补充数据"}, headers=world["hh"]).status_code == 200
    again = client.post(f"{API}/teams/{team['id']}/report", json={"title": "修改稿", "body": "正文",
                                                                  "attachment_ids": [upload_id]}, headers=new)
    assert again.status_code == 201, again.json


def test_a_member_who_left_office_reads_the_team_report_and_photos_no_more(client, world):
    """A deputy no longer in office is on no team as far as reading goes: as the topic and 我的调研 already
    refuse them, so do the team, its report and the report's photos (404), whoever they were on it."""
    from sqlalchemy import update

    from backend.org.models import Deputy

    topic, team, report, upload_id, url = report_with_photo(client, world)
    li, zhang = headers(world, "li"), headers(world, "zhang")
    assert client.get(f"{API}/teams/{team['id']}", headers=li).json["report"]["body"] == "正文"
    db.session.execute(update(Deputy).where(Deputy.id.in_([world["li"].id, world["zhang"].id])).values(active=False))
    db.session.commit()

    for former in (li, zhang):  # a member, and the lead
        refused(client.get(f"{API}/teams/{team['id']}", headers=former), 404, "调研团队不存在。")
        refused(client.get(f"{API}/reports/{report['id']}", headers=former), 404, "调研报告不存在。")
        refused(client.get(f"{API}/topics/{topic['id']}", headers=former), 404, "课题")
    refused(client.get(url, headers=li), 404, "图片不存在。")
    assert client.get(url, headers=world["hh"]).status_code == 200  # the administrators still read them


def test_the_account_that_uploaded_a_report_photo_sees_it_only_while_on_the_team(client, world):
    """Once on a report, a photo is seen by the team and the topic's administrators; the WeChat account that
    uploaded it is neither once the lead moved to another account, was unbound from it by a corrected phone, or
    left office (404 as for anyone), while the lead's photo on no report is still theirs to see."""
    from sqlalchemy import update

    from backend.org.models import Deputy

    topic, team, report, upload_id, url = report_with_photo(client, world)
    first = headers(world, "zhang")
    spare = photo(client, first)
    spare_url = f"/api/v1/uploads/{db.session.get(Upload, spare).key}"
    assert client.get(spare_url, headers=first).status_code == 200
    moved_to = world["factory"].deputy_headers(world["zhang"], js_code="zhang-second")
    refused(client.get(url, headers=first), 404, "图片不存在。")
    assert client.get(spare_url, headers=first).status_code == 200  # not on a report: still the uploader's
    assert client.get(url, headers=moved_to).status_code == 200

    corrected = client.patch(f"/api/v1/deputies/{world['zhang'].id}", json={"phone": "13800000199"}, headers=world["hh"])
    assert corrected.status_code == 200, corrected.json
    refused(client.get(url, headers=moved_to), 404, "图片不存在。")  # unbound: a citizen holding the old number

    third = world["factory"].wechat_login("zhang-third")
    assert client.post("/api/v1/auth/bind-phone", json={"code": "phone-13800000199"}, headers=third).status_code == 200
    assert client.get(url, headers=third).status_code == 200
    db.session.execute(update(Deputy).where(Deputy.id == world["zhang"].id).values(active=False))
    db.session.commit()
    refused(client.get(url, headers=third), 404, "图片不存在。")  # left office
    assert client.get(url, headers=world["hh"]).status_code == 200
