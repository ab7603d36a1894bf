"""The demo `make run` opens: not an empty product, but a slice of a city whose people have been at work —
suggestions at every step of their life, an activity closed with its points, an appointment to confirm, a
training's coverage and a 述职 meeting's closed 述职测评."""
import io
from collections import Counter

from PIL import Image
from sqlalchemy import func, select

from backend.auth.models import User
from backend.extensions import db
from backend.suggestions.models import Suggestion

from .factories import screen
from .test_console_suggestions import console_login


def load(app):
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    return result.output


def admin_headers(client, username="admin", password="admin12345"):
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


def test_the_demo_shows_suggestions_at_every_step(app, client):
    assert "演示数据已导入。" in load(app)
    admin = admin_headers(client)
    items = client.get("/api/v1/suggestions?scope=all&per_page=50", headers=admin).json["items"]
    assert Counter(i["status"] for i in items) == {
        "pending": 2, "assigned": 2, "accepted": 1, "forwarded": 1, "replied": 1, "closed": 2, "rejected": 1}

    # The item handled with a department and closed 满意 carries each step in its timeline.
    drain = next(i for i in items if "下水道" in i["content"])
    detail = client.get(f"/api/v1/suggestions/{drain['id']}", headers=admin).json
    assert [e["action"] for e in detail["timeline"]] == ["file", "accept", "forward", "feedback", "reply", "rate"]
    assert detail["satisfaction"] == "satisfied"
    # The one rated 不满意 came back for a second round, under supervision.
    noise = next(i for i in items if "烧烤店" in i["content"])
    assert (noise["status"], noise["round"], noise["supervised"]) == ("accepted", 2, True)

    # The photo a citizen sent is there and decodes.
    lamp = client.get(f"/api/v1/suggestions/{next(i for i in items if '路灯' in i['content'])['id']}",
                      headers=admin).json
    photo = client.get(lamp["attachments"][0]["url"], headers=admin)
    assert photo.status_code == 200
    image = Image.open(io.BytesIO(photo.get_data()))
    assert image.size == (640, 480)

    # Published once screened, without the citizen's phone: the two closed items whose citizens consented.
    screen(app)
    public = client.get("/api/v1/public/suggestions").json
    assert sorted(i["number"] for i in public["items"]) == sorted(
        i["number"] for i in items if i["status"] == "closed")
    assert "13900000002" not in str(public)


def test_the_demo_has_points_activities_and_an_appointment(app, client):
    load(app)
    board = client.get("/api/v1/leaderboard").json
    assert board[0]["deputy"]["name"] == "李建国" and board[0]["points"] > 0

    # 王秀兰 was absent from the reception day she was invited to (缺席) and lost the rulebook's point.
    admin = admin_headers(client)
    wang = next(row["deputy"]["id"] for row in board if row["deputy"]["name"] == "王秀兰")
    entries = client.get(f"/api/v1/deputies/{wang}/points", headers=admin).json["entries"]
    assert [e["points"] for e in entries if "缺席" in e["reason"]] == [-1], entries
    activities = client.get("/api/v1/activities?scope=all", headers=admin).json["items"]
    assert Counter(a["status"] for a in activities) == {"closed": 3, "published": 4}
    # A research topic offered for 揭榜, one of its three places claimed by 王秀兰.
    topic = next(a for a in activities if a["open_slots"] is not None)
    assert (topic["title"], topic["claimed_count"], topic["open_slots"]) == ("老旧小区加装电梯资金分摊情况调研", 1, 3)
    station = admin_headers(client, "chengbei", "station12345")
    appointments = client.get("/api/v1/appointments", headers=station).json["items"]
    assert [(a["status"], a["topic"][:6]) for a in appointments] == [("requested", "想当面反映小")]
    # The city's 民生实事项目票决, open for its three city deputies; one has voted; a proposal taken in, one declined.
    votes = client.get("/api/v1/livelihood/votes", headers=admin).json["items"]
    assert [(v["status"], v["electorate"], v["voted"]) for v in votes] == [("voting", 3, 1)]
    proposals = client.get("/api/v1/livelihood/proposals", headers=admin).json["items"]
    assert sorted(p["status"] for p in proposals) == ["adopted", "declined"]
    # The city's draft regulation open for comment, with a citizen's opinion on 第四条 and a deputy's.
    consultations = client.get("/api/v1/consultations", headers=admin).json["items"]
    assert [(c["title"], c["status"], c["opinions"]) for c in consultations] == [("怀化市城市绿化条例（草案）", "open", 2)]
    shown = client.get(f"/api/v1/public/consultations/{consultations[0]['id']}").json
    assert [a["number"] for a in shown["articles"]] == ["第一条", "第二条", "第三条", "第四条", "第五条"]
    opinions = client.get(f"/api/v1/consultations/{consultations[0]['id']}/opinions", headers=admin).json["items"]
    assert [(o["article_number"], o["kind"]) for o in opinions] == [("第四条", "citizen"), (None, "deputy")]
    # The city's 联系清单: a committee with three deputies, two contacted; a vice-chair with two, none yet.
    summary = client.get("/api/v1/liaisons/summary", headers=admin).json["items"]
    assert [(r["name"], r["assigned"], r["contacted"], r["contacts"]) for r in summary] == [
        ("教育科学文化卫生委员会", 3, 2, 2), ("刘建国", 2, 0, 0)]
    # The city's 调研清单: three topics published, two taken; one report accepted with the mayor's 批示, one waiting.
    research = client.get("/api/v1/research/summary", headers=admin).json
    assert {k: research[k] for k in ("topics_published", "topics_taken", "teams", "reports_submitted",
                                     "reports_awaiting", "reports_accepted", "reports_instructed")} == {
        "topics_published": 3, "topics_taken": 2, "teams": 2, "reports_submitted": 2, "reports_awaiting": 1,
        "reports_accepted": 1, "reports_instructed": 1}
    li = next(row["deputy"]["id"] for row in board if row["deputy"]["name"] == "李建国")
    research_lines = client.get(f"/api/v1/deputies/{li}/archive", headers=admin).json["research"]["lines"]
    assert [(r["role"], r["report_status_label"], r["instructed_by"]) for r in research_lines] == [("牵头", "已通过", "市长")]


def test_loading_the_demo_twice_adds_nothing(app):
    load(app)
    with app.app_context():
        before = (db.session.scalar(select(func.count()).select_from(Suggestion)),
                  db.session.scalar(select(func.count()).select_from(User)))
    assert "数据库中已有数据，跳过演示数据导入" in load(app)
    with app.app_context():
        assert (db.session.scalar(select(func.count()).select_from(Suggestion)),
                db.session.scalar(select(func.count()).select_from(User))) == before == (10, before[1])


def test_the_demo_has_a_training_coverage_and_a_closed_report_poll(app, client):
    load(app)
    admin = admin_headers(client)
    names = {d["name"]: d["id"] for d in client.get("/api/v1/deputies?per_page=50", headers=admin).json["items"]}

    # 培训清单: a training held earlier this year (four checked in, 周涛 absent) and one coming in two weeks.
    figures = client.get("/api/v1/training/coverage", headers=admin).json
    assert (figures["deputies"], figures["trained"], figures["untrained"]) == (12, 4, 8)
    assert [(a["title"], a["invited"], a["attended"], a["stage"]) for a in figures["activities"]] == [
        ("怀化市人大代表履职能力培训班（第一期）", 5, 4, "closed")]
    untrained = client.get("/api/v1/training/untrained?per_page=50", headers=admin).json["items"]
    assert "周涛" in {d["name"] for d in untrained} and "张伟" not in {d["name"] for d in untrained}
    zhou = client.get(f"/api/v1/deputies/{names['周涛']}/points", headers=admin).json["entries"]
    assert [e["points"] for e in zhou if "缺席" in e["reason"]] == [-1]

    console = console_login(app, "admin", "admin12345")
    page = console.get("/console/training").get_data(as_text=True)
    assert '<strong id="training-trained">4</strong>' in page
    assert '<strong id="training-untrained">8</strong>' in page
    assert '<strong id="training-rate">33.3%</strong>' in page
    assert "怀化市人大代表履职能力培训班（第一期）" in page and "周涛" in page
    assert "怀化市人大代表履职能力培训班（第二期）" in page  # offered for 点名调训

    # 述职测评: five ballots, closed; the results on the activity's page and in the deputies' archives.
    activities = client.get("/api/v1/activities?scope=all", headers=admin).json["items"]
    meeting = next(a for a in activities if a["type"] == "report")
    assert meeting["status"] == "closed"
    poll = client.get(f"/api/v1/activities/{meeting['id']}/report-poll", headers=admin).json
    assert (poll["status"], poll["ballots"]) == ("closed", 5)
    page = console.get(f"/console/activities/{meeting['id']}").get_data(as_text=True)
    assert '<span id="report-poll-ballots">5 张</span>' in page
    zhao_row = page[page.index(f'<tr data-deputy="{names["赵强"]}">'):]
    zhao_row = zhao_row[:zhao_row.index("</tr>")]
    for cell in ('class="rp-satisfied">3<', 'class="rp-basically_satisfied">1<', 'class="rp-dissatisfied">1<',
                 'class="rp-srate">60.0%<', 'class="rp-brate">80.0%<'):
        assert cell in zhao_row, zhao_row
    assert "希望赵代表持续跟进" in page

    zhang = client.get(f"/api/v1/deputies/{names['张伟']}/archive", headers=admin).json
    assert zhang["trainings_attended"] == 1
    zhao = client.get(f"/api/v1/deputies/{names['赵强']}/archive", headers=admin).json
    assert [(p["title"], p["ballots"], p["satisfied"], p["basically_satisfied"], p["dissatisfied"],
             p["satisfaction_rate"], p["basic_satisfaction_rate"]) for p in zhao["report_polls"]] == [
        ("迎丰街道人大代表向选民述职会", 5, 3, 1, 1, 0.6, 0.8)]
    xu = client.get(f"/api/v1/deputies/{names['徐磊']}/archive", headers=admin).json
    assert [(p["satisfaction_rate"], p["basic_satisfaction_rate"]) for p in xu["report_polls"]] == [(0.6, 1.0)]
    archive_page = console.get(f"/console/deputies/{names['赵强']}/archive").get_data(as_text=True)
    assert "迎丰街道人大代表向选民述职会" in archive_page
    archive_page = console.get(f"/console/deputies/{names['张伟']}/archive").get_data(as_text=True)
    assert "本年度参加学习培训 <strong>1</strong> 次" in archive_page
