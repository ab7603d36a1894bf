"""述职测评 through the HTTP API: a county's administrator sets up the poll of a 述职 activity, opens it,
voters in phone browsers and WeChat rate each reporting deputy once, the administrator closes it and reads
the results, which the deputy's 履职档案 then shows."""
import io
import re
from datetime import datetime, timedelta, timezone

import openpyxl
import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy import update as sa_update

from backend.activities.models import ReportPollBallot
from backend.audit.models import AuditEvent
from backend.extensions import db

from .parallel import released_together
from .test_console_org_activities import TOKEN as TOKEN_RE, sign_in
from .test_web_pages import config_override  # noqa: F401


def iso(dt):
    return dt.isoformat()


@pytest.fixture
def meeting(factory, client):
    """A 述职 meeting at 城北联络站 of 鹤城区: three deputies invited, two of whom report (张伟, 李娜)."""
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", address="鹤城区迎丰路 1 号", lat=27.55, lng=109.99)
    deputies = [factory.deputy(tree["hc"], name, phone=f"1390000020{i}", level="county", stations=[station])
                for i, name in enumerate(("张伟", "李娜", "王强"))]
    admin = factory.headers_for_admin(factory.admin("hecheng", region=tree["hc"]))
    now = datetime.now(timezone.utc)
    created = client.post("/api/v1/activities", headers=admin, json={
        "title": "2026 年度代表向选民述职会", "type": "report", "station_id": station.id,
        "starts_at": iso(now - timedelta(minutes=10)), "ends_at": iso(now + timedelta(hours=2)),
        "deputy_ids": [d.id for d in deputies]})
    assert created.status_code == 201, created.json
    return {"tree": tree, "station": station, "deputies": deputies, "admin": admin, "activity": created.json["id"],
            "factory": factory}


def web_voter(client, n):
    response = client.post("/api/v1/auth/web", json={}, environ_base={"REMOTE_ADDR": f"10.9.0.{n}"})
    assert response.status_code == 201, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


def poll_path(meeting, tail=""):
    return f"/api/v1/activities/{meeting['activity']}/report-poll{tail}"


def opened(client, meeting, **body):
    created = client.post(poll_path(meeting), headers=meeting["admin"],
                          json={"deputy_ids": [d.id for d in meeting["deputies"][:2]], **body})
    assert created.status_code == 201, created.json
    response = client.post(poll_path(meeting, "/open"), headers=meeting["admin"])
    assert response.status_code == 200, response.json
    return created.json["token"]


def ballot(meeting, *choices, comment=None):
    body = {"choices": [{"deputy_id": d.id, "choice": c} for d, c in zip(meeting["deputies"], choices)]}
    if comment is not None:
        body["comment"] = comment
    return body


def refused(response, status, message):
    assert response.status_code == status, (response.status_code, response.json)
    assert response.json["message"] == message, response.json


def test_voters_rate_the_reporting_deputies_once_each_and_the_results_count_them(app, client, meeting):
    token = opened(client, meeting)
    view = client.get(f"/api/v1/report-polls/{token}")
    assert view.status_code == 200
    assert view.json["activity"]["title"] == "2026 年度代表向选民述职会"
    assert view.json["activity"]["station_name"] == "城北联络站"
    assert view.json["phase"] == "open" and view.json["voted"] is False
    assert [d["name"] for d in view.json["deputies"]] == ["张伟", "李娜"]
    assert view.json["deputies"][0]["level_label"] == "县（区）人大代表"
    assert "1390000020" not in view.get_data(as_text=True)  # no phones

    voters = [web_voter(client, n) for n in range(4)] + [meeting["factory"].wechat_login("voter-wx")]
    picks = [("satisfied", "satisfied"), ("satisfied", "basically_satisfied"), ("basically_satisfied", "dissatisfied"),
             ("dissatisfied", "satisfied"), ("satisfied", "satisfied")]
    for headers, pick in zip(voters, picks):
        response = client.post(f"/api/v1/report-polls/{token}/ballots", headers=headers,
                               json=ballot(meeting, *pick, comment="希望多进站接待"))
        assert response.status_code == 201, response.json
        assert response.json["message"] == "测评已提交，感谢您的参与！"

    # Once each: a second ballot is refused, a retry with the same key gets the first answer.
    refused(client.post(f"/api/v1/report-polls/{token}/ballots", headers=voters[0], json=ballot(meeting, "dissatisfied", "dissatisfied")),
            409, "您已参加测评。")
    keyed = web_voter(client, 9) | {"Idempotency-Key": "ballot-1"}
    first = client.post(f"/api/v1/report-polls/{token}/ballots", headers=keyed, json=ballot(meeting, "satisfied", "satisfied"))
    again = client.post(f"/api/v1/report-polls/{token}/ballots", headers=keyed, json=ballot(meeting, "satisfied", "satisfied"))
    assert first.status_code == again.status_code == 201 and again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert client.get(f"/api/v1/report-polls/{token}", headers=voters[0]).json["voted"] is True

    live = client.get(poll_path(meeting, "/results"), headers=meeting["admin"]).json
    assert live["ballots"] == 6 and live["final"] is False
    closed = client.post(poll_path(meeting, "/close"), headers=meeting["admin"])
    assert closed.status_code == 200 and closed.json["status_label"] == "已结束"
    refused(client.post(f"/api/v1/report-polls/{token}/ballots", headers=web_voter(client, 20),
                        json=ballot(meeting, "satisfied", "satisfied")), 409, "测评已结束。")

    results = client.get(poll_path(meeting, "/results"), headers=meeting["admin"]).json
    assert results["ballots"] == 6 and results["final"] is True
    zhang, li = results["deputies"]
    assert zhang["deputy"]["name"] == "张伟"
    assert (zhang["satisfied"], zhang["basically_satisfied"], zhang["dissatisfied"], zhang["rated"]) == (4, 1, 1, 6)
    assert zhang["satisfaction_rate"] == pytest.approx(4 / 6)
    assert zhang["basic_satisfaction_rate"] == pytest.approx(5 / 6)
    assert (li["satisfied"], li["basically_satisfied"], li["dissatisfied"]) == (4, 1, 1)
    assert "rated" in results["denominators"]["satisfaction_rate"]
    assert results["comments"][0] == "希望多进站接待"
    # Comments never reach the voters' view.
    assert "希望多进站接待" not in client.get(f"/api/v1/report-polls/{token}").get_data(as_text=True)

    # 履职档案: the year's 述职测评 results.
    year = datetime.now(timezone.utc).year
    archive = client.get(f"/api/v1/deputies/{meeting['deputies'][0].id}/archive?year={year}", headers=meeting["admin"])
    assert archive.status_code == 200, archive.json
    [line] = archive.json["report_polls"]
    assert line["title"] == "2026 年度代表向选民述职会" and line["ballots"] == 6
    assert line["satisfaction_rate"] == pytest.approx(4 / 6)
    assert archive.json["report_polls"] is not None
    wang = client.get(f"/api/v1/deputies/{meeting['deputies'][2].id}/archive?year={year}", headers=meeting["admin"])
    assert wang.json["report_polls"] == []  # invited, not rated
    sheet = client.get(f"/api/v1/deputies/{meeting['deputies'][0].id}/archive?year={year}&format=xlsx", headers=meeting["admin"])
    assert sheet.status_code == 200 and sheet.mimetype.endswith("sheet")
    rows = [[c for c in row if c is not None] for row in openpyxl.load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True)]
    assert ["三、述职测评"] in rows
    assert ["2026 年度代表向选民述职会", line["date"], 6, 4, 1, 1, "66.7%", "83.3%"] in rows
    console = sign_in(app, "hecheng")
    page = console.get(f"/console/deputies/{meeting['deputies'][0].id}/archive?year={year}").get_data(as_text=True)
    assert "述职测评" in page and "2026 年度代表向选民述职会" in page and "66.7%" in page

    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("report_poll%"))).all()
    assert set(actions) == {"report_poll_created", "report_poll_opened", "report_poll_closed"}


def test_bad_ballots_are_refused_in_chinese_and_write_nothing(client, meeting):
    token = opened(client, meeting)
    voter = web_voter(client, 1)
    path = f"/api/v1/report-polls/{token}/ballots"
    zhang, li, wang = meeting["deputies"]
    missing = client.post(path, headers=voter, json={"choices": [{"deputy_id": zhang.id, "choice": "satisfied"}]})
    refused(missing, 422, "请对每位述职代表作出评价，还有李娜未评价。")
    stranger = client.post(path, headers=voter, json={"choices": [
        {"deputy_id": zhang.id, "choice": "satisfied"}, {"deputy_id": li.id, "choice": "satisfied"},
        {"deputy_id": wang.id, "choice": "satisfied"}]})
    assert stranger.status_code == 422 and "不在本次测评的述职代表中" in stranger.json["message"]
    unknown = client.post(path, headers=voter, json={"choices": [
        {"deputy_id": zhang.id, "choice": "great"}, {"deputy_id": li.id, "choice": "satisfied"}]})
    assert unknown.status_code == 422
    assert "满意" in str(unknown.json["errors"]) and "基本满意" in str(unknown.json["errors"])
    long = client.post(path, headers=voter, json=ballot(meeting, "satisfied", "satisfied", comment="长" * 201))
    assert long.status_code == 422 and "comment" in long.json["errors"]
    assert db.session.scalar(select(func.count()).select_from(ReportPollBallot)) == 0
    # Then a good one goes through.
    assert client.post(path, headers=voter, json=ballot(meeting, "satisfied", "satisfied")).status_code == 201


def test_deputies_and_administrators_do_not_vote(client, meeting):
    token = opened(client, meeting)
    path = f"/api/v1/report-polls/{token}/ballots"
    deputy = meeting["factory"].deputy_headers(meeting["deputies"][2])
    refused(client.post(path, headers=deputy, json=ballot(meeting, "satisfied", "satisfied")), 403, "人大代表不参加选民测评。")
    refused(client.post(path, headers=meeting["admin"], json=ballot(meeting, "satisfied", "satisfied")), 403, "管理员不参加选民测评。")
    refused(client.post(path, json=ballot(meeting, "satisfied", "satisfied")), 401, "请先登录。")


def test_outside_the_window_ballots_are_refused(client, meeting):
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    created = client.post(poll_path(meeting), headers=meeting["admin"], json={"starts_at": iso(later)})
    assert created.status_code == 201, created.json
    assert len(created.json["deputies"]) == 3  # by default every invited deputy
    token = created.json["token"]
    voter = web_voter(client, 1)
    body = {"choices": [{"deputy_id": d.id, "choice": "satisfied"} for d in meeting["deputies"]]}
    refused(client.post(f"/api/v1/report-polls/{token}/ballots", headers=voter, json=body), 409, "测评尚未开始。")  # a draft
    assert client.post(poll_path(meeting, "/open"), headers=meeting["admin"]).status_code == 200
    refused(client.post(f"/api/v1/report-polls/{token}/ballots", headers=voter, json=body), 409, "测评尚未开始。")
    past = datetime.now(timezone.utc) - timedelta(minutes=1)
    moved = client.patch(poll_path(meeting), headers=meeting["admin"],
                         json={"starts_at": iso(past - timedelta(hours=1)), "ends_at": iso(past)})
    assert moved.status_code == 200 and moved.json["phase"] == "ended"
    refused(client.post(f"/api/v1/report-polls/{token}/ballots", headers=voter, json=body), 409, "测评已结束。")
    refused(client.patch(poll_path(meeting), headers=meeting["admin"], json={"deputy_ids": [meeting["deputies"][0].id]}),
            409, "测评已开始，不能再更改述职代表。")


def test_the_poll_is_set_up_once_for_a_report_activity_by_its_administrators(client, meeting):
    factory, tree = meeting["factory"], meeting["tree"]
    elsewhere = factory.headers_for_admin(factory.admin("yuelu", region=tree["yl"]))
    refused(client.post(poll_path(meeting), headers=elsewhere, json={}), 404, "活动不存在。")
    assert client.get(poll_path(meeting, "/results"), headers=elsewhere).status_code == 404
    refused(client.get(poll_path(meeting), headers=meeting["admin"]), 404, "该活动还没有组织述职测评。")
    deputy = factory.deputy_headers(meeting["deputies"][0])
    assert client.post(poll_path(meeting), headers=deputy, json={}).status_code == 403
    outsider = factory.deputy(tree["yl"], "岳麓代表", phone="13900000299", level="county")
    stranger = client.post(poll_path(meeting), headers=meeting["admin"], json={"deputy_ids": [outsider.id]})
    assert stranger.status_code == 422 and "不在本次述职活动的名单上" in stranger.json["message"]
    assert client.post(poll_path(meeting), headers=meeting["admin"], json={}).status_code == 201
    refused(client.post(poll_path(meeting), headers=meeting["admin"], json={}), 409, "该述职活动已有测评。")

    now = datetime.now(timezone.utc)
    reception = client.post("/api/v1/activities", headers=meeting["admin"], json={
        "title": "进站接待", "type": "reception", "station_id": meeting["station"].id,
        "starts_at": iso(now), "ends_at": iso(now + timedelta(hours=1)), "deputy_ids": [meeting["deputies"][0].id]})
    refused(client.post(f"/api/v1/activities/{reception.json['id']}/report-poll", headers=meeting["admin"], json={}),
            422, "只有述职活动可以组织现场测评。")
    refused(client.get("/api/v1/report-polls/nosuchtoken"), 404, "没有找到这项述职测评，请扫描会场张贴的测评二维码。")
    qr = client.get(poll_path(meeting, "/qr.png"), headers=meeting["admin"])
    assert qr.status_code == 200 and qr.mimetype == "image/png"


def test_default_window_runs_the_configured_grace_past_the_end(client, meeting, app):
    created = client.post(poll_path(meeting), headers=meeting["admin"], json={})
    activity = client.get(f"/api/v1/activities/{meeting['activity']}", headers=meeting["admin"]).json
    ends = datetime.fromisoformat(created.json["ends_at"])
    assert ends - datetime.fromisoformat(activity["ends_at"]) == timedelta(minutes=app.config["REPORT_POLL_GRACE_MINUTES"])
    assert created.json["starts_at"] == activity["starts_at"]
    assert created.json["url"].endswith(f"/report-poll/{created.json['token']}")


def test_two_ballots_from_one_identity_at_once_make_one(client, meeting, base_url):
    import requests

    token = opened(client, meeting)
    voter = web_voter(client, 1)
    body = ballot(meeting, "satisfied", "basically_satisfied")
    db.session.close()  # the server threads use their own sessions
    send = lambda: requests.post(f"{base_url}/api/v1/report-polls/{token}/ballots", json=body, headers=voter, timeout=30)  # noqa: E731
    answers = released_together(send, send, send)
    assert sorted(a.status_code for a in answers) == [201, 409, 409]
    assert {a.json()["message"] for a in answers if a.status_code == 409} == {"您已参加测评。"}
    db.session.close()
    assert db.session.scalar(select(func.count()).select_from(ReportPollBallot)) == 1


def test_the_voters_page_says_when_the_poll_is_not_open(client, meeting):
    created = client.post(poll_path(meeting), headers=meeting["admin"], json={})
    token = created.json["token"]
    page = client.get(f"/report-poll/{token}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "测评尚未开始" in text and "rp-form" not in text and "2026 年度代表向选民述职会" in text
    assert client.post(poll_path(meeting, "/open"), headers=meeting["admin"]).status_code == 200
    text = client.get(f"/report-poll/{token}").get_data(as_text=True)
    assert "rp-form" in text and "张伟" in text and "1390000020" not in text
    assert client.post(poll_path(meeting, "/close"), headers=meeting["admin"]).status_code == 200
    text = client.get(f"/report-poll/{token}").get_data(as_text=True)
    assert "测评已结束" in text and "rp-form" not in text
    missing = client.get("/report-poll/nosuchtoken")
    assert missing.status_code == 404 and "没有找到这项述职测评" in missing.get_data(as_text=True)


def test_the_console_export_is_logged_and_another_region_finds_nothing(app, client, meeting):
    token = opened(client, meeting)
    console = sign_in(app, "hecheng")
    qr = console.get(f"/console/activities/{meeting['activity']}/report-poll/qr.png")
    assert qr.status_code == 200 and qr.mimetype == "image/png"
    assert zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.get_data())))[0].text == f"{app.config['PUBLIC_BASE_URL']}/report-poll/{token}"
    poster = console.get(f"/console/activities/{meeting['activity']}/report-poll/poster.png")
    assert poster.status_code == 200 and Image.open(io.BytesIO(poster.get_data())).size == (1748, 2480)
    assert zxingcpp.read_barcodes(Image.open(io.BytesIO(poster.get_data())))[0].text.endswith(f"/report-poll/{token}")
    page = console.get(f"/console/activities/{meeting['activity']}")
    assert page.status_code == 200 and "述职测评" in page.get_data(as_text=True)
    sheet = console.get(f"/console/activities/{meeting['activity']}/report-poll/export.xlsx")
    assert sheet.status_code == 200 and sheet.mimetype.endswith("sheet")
    logged = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "exported")).all()
    assert [e.detail["export"] for e in logged] == ["述职测评结果"]
    meeting["factory"].admin("yuelu", region=meeting["tree"]["yl"])
    other = sign_in(app, "yuelu")
    for tail in ("/report-poll/export.xlsx", "/report-poll/qr.png", "/report-poll/poster.png"):
        assert other.get(f"/console/activities/{meeting['activity']}{tail}").status_code == 404


CANCELLED_BALLOT = "活动已取消，本次测评不再进行。"


def test_cancelling_the_meeting_ends_its_open_poll_at_once(app, client, meeting):
    token = opened(client, meeting)
    voted = client.post(f"/api/v1/report-polls/{token}/ballots", headers=web_voter(client, 1),
                        json=ballot(meeting, "satisfied", "dissatisfied"))
    assert voted.status_code == 201, voted.json
    assert client.post(f"/api/v1/activities/{meeting['activity']}/cancel", headers=meeting["admin"]).status_code == 200
    # 取消 closed the poll in the same step, not at the next sweep: its status, for its administrators.
    shown = client.get(poll_path(meeting), headers=meeting["admin"]).json
    assert (shown["status"], shown["status_label"], shown["phase_label"]) == ("closed", "活动已取消", "已结束")
    assert shown["closed_at"] is not None and shown["ballots"] == 1
    # A voter who scans now is told why, in Chinese, and nothing is written.
    refused(client.post(f"/api/v1/report-polls/{token}/ballots", headers=web_voter(client, 2),
                        json=ballot(meeting, "satisfied", "satisfied")), 409, CANCELLED_BALLOT)
    assert db.session.scalar(select(func.count()).select_from(ReportPollBallot)) == 1
    assert client.get(f"/api/v1/report-polls/{token}").json["cancelled"] is True
    page = client.get(f"/report-poll/{token}").get_data(as_text=True)
    assert "活动已取消，本次测评不再进行。" in page and "rp-form" not in page and "履职档案" not in page
    # Nothing left to close; the operation log says the cancel closed it and with how many ballots.
    refused(client.post(poll_path(meeting, "/close"), headers=meeting["admin"]), 409, "活动已取消，测评已随之结束。")
    told = {e["action"]: e for e in client.get("/api/v1/audit-events", headers=meeting["admin"]).json["items"]}
    assert told["report_poll_closed"]["summary"] == "选票数：1；原因：活动已取消"
    # The console shows a finished poll of a cancelled meeting: no code to print, no button to close it,
    # no live refresh, and that its figures count for nobody.
    console = sign_in(app, "hecheng")
    html = console.get(f"/console/activities/{meeting['activity']}").get_data(as_text=True)
    assert re.search(r'id="report-poll-status">([^<]*)<', html).group(1) == "活动已取消（已结束）"
    assert "report-poll-qr" not in html and "结束测评" not in html and "data-counts" not in html
    assert "活动已取消，本次测评结果不计入述职代表的履职档案。" in html
    # The sweep finds nothing left to close.
    assert "到期结束述职测评 0 次" in app.test_cli_runner().invoke(args=["sweep"]).output
    # It is no line of the deputies' 履职档案: the meeting was not held.
    year = datetime.now(timezone.utc).astimezone(timezone(timedelta(hours=8))).year
    archive = client.get(f"/api/v1/deputies/{meeting['deputies'][0].id}/archive?year={year}", headers=meeting["admin"])
    assert archive.json["report_polls"] == []


def test_a_poll_closed_without_opening_is_no_line_of_the_archive(client, meeting):
    assert client.post(poll_path(meeting), headers=meeting["admin"], json={}).status_code == 201
    assert client.post(poll_path(meeting, "/close"), headers=meeting["admin"]).status_code == 200
    year = datetime.now(timezone.utc).astimezone(timezone(timedelta(hours=8))).year
    deputy = meeting["deputies"][0].id
    assert client.get(f"/api/v1/deputies/{deputy}/archive?year={year}", headers=meeting["admin"]).json["report_polls"] == []
    sheet = client.get(f"/api/v1/deputies/{deputy}/archive?year={year}&format=xlsx", headers=meeting["admin"])
    rows = [" ".join(str(c) for c in r if c is not None) for r in openpyxl.load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True)]
    assert not any("2026 年度代表向选民述职会" in r for r in rows)


def test_the_deputies_rated_change_while_a_draft(client, meeting):
    created = client.post(poll_path(meeting), headers=meeting["admin"], json={})
    assert [d["name"] for d in created.json["deputies"]] == ["张伟", "李娜", "王强"]
    zhang, li, _ = meeting["deputies"]
    changed = client.patch(poll_path(meeting), headers=meeting["admin"], json={"deputy_ids": [li.id, zhang.id]})
    assert changed.status_code == 200, changed.json
    assert [d["name"] for d in changed.json["deputies"]] == ["李娜", "张伟"]
    again = client.patch(poll_path(meeting), headers=meeting["admin"], json={"deputy_ids": [zhang.id]})
    assert [d["name"] for d in again.json["deputies"]] == ["张伟"]
    twice = client.patch(poll_path(meeting), headers=meeting["admin"], json={"deputy_ids": [zhang.id, zhang.id]})
    assert twice.status_code == 422 and twice.json["errors"]["deputy_ids"] == ["同一位代表只能列出一次。"]


def test_a_close_racing_ballots_counts_exactly_those_it_accepted(client, meeting, base_url):
    import requests

    token = opened(client, meeting)
    voters = [web_voter(client, n) for n in range(4)]
    body = ballot(meeting, "satisfied", "dissatisfied")
    admin = meeting["admin"]
    db.session.close()  # the server threads use their own sessions

    def send(headers):
        return lambda: requests.post(f"{base_url}/api/v1/report-polls/{token}/ballots", json=body, headers=headers, timeout=30)

    def close():
        return requests.post(f"{base_url}{poll_path(meeting, '/close')}", headers=admin, timeout=30)

    *answers, closed = released_together(*(send(v) for v in voters), close)
    assert closed.status_code == 200
    taken = [a for a in answers if a.status_code == 201]
    assert all(a.status_code == 409 and a.json()["message"] == "测评已结束。" for a in answers if a.status_code != 201)
    results = client.get(poll_path(meeting, "/results"), headers=admin).json
    assert results["ballots"] == closed.json()["ballots"] == len(taken)
    assert results["deputies"][0]["satisfied"] == len(taken)


def test_the_sweep_closes_a_poll_whose_window_is_over_and_its_result_reaches_the_archive(app, client, meeting):
    from backend.activities.models import ReportPoll

    token = opened(client, meeting)
    assert client.post(f"/api/v1/report-polls/{token}/ballots", headers=web_voter(client, 1),
                       json=ballot(meeting, "satisfied", "dissatisfied")).status_code == 201
    # Moving the end before a ballot already cast is refused: the record would hold a ballot outside its window.
    early = datetime.now(timezone.utc) - timedelta(minutes=1)
    refused(client.patch(poll_path(meeting), headers=meeting["admin"], json={"ends_at": iso(early)}),
            422, "已有选民在此之后提交了测评，测评结束时间不能早于最后一张选票的提交时间。")
    # Nobody clicked 结束测评; the window ran out.
    db.session.execute(sa_update(ReportPoll).where(ReportPoll.token == token).values(
        ends_dt=datetime.now(timezone.utc) - timedelta(seconds=1)))
    db.session.commit()

    def sweep():
        result = app.test_cli_runner().invoke(args=["sweep"])
        assert result.exit_code == 0, result.output
        return result.output

    assert "到期结束述职测评 1 次" in sweep()
    assert "到期结束述职测评 0 次" in sweep()
    shown = client.get(poll_path(meeting), headers=meeting["admin"]).json
    assert (shown["status"], shown["status_label"]) == ("closed", "已结束")
    assert client.get(poll_path(meeting, "/results"), headers=meeting["admin"]).json["final"] is True
    year = datetime.now(timezone.utc).astimezone(timezone(timedelta(hours=8))).year
    archive = client.get(f"/api/v1/deputies/{meeting['deputies'][0].id}/archive?year={year}", headers=meeting["admin"])
    [line] = archive.json["report_polls"]
    assert (line["ballots"], line["satisfied"]) == (1, 1)
    [closing] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report_poll_closed")).all()
    assert closing.actor_user_id is None


def test_the_operation_log_tells_the_polls_steps_in_chinese(app, client, meeting):
    created = client.post(poll_path(meeting), headers=meeting["admin"],
                          json={"deputy_ids": [d.id for d in meeting["deputies"][:2]]})
    assert created.status_code == 201
    later = datetime.now(timezone.utc) + timedelta(hours=3)
    assert client.patch(poll_path(meeting), headers=meeting["admin"], json={"ends_at": iso(later)}).status_code == 200
    assert client.post(poll_path(meeting, "/open"), headers=meeting["admin"]).status_code == 200
    assert client.post(poll_path(meeting, "/close"), headers=meeting["admin"]).status_code == 200
    items = client.get("/api/v1/audit-events", headers=meeting["admin"]).json["items"]
    told = {e["action"]: (e["action_label"], e["target"], e["summary"]) for e in items}
    title = "2026 年度代表向选民述职会"
    assert told["report_poll_created"][:2] == ("新建述职测评", f"活动：{title}")
    assert told["report_poll_created"][2].startswith("述职代表数：2；测评时间：")
    assert told["report_poll_updated"][0] == "修改述职测评" and told["report_poll_updated"][2].startswith("测评时间：")
    assert " → " in told["report_poll_updated"][2]
    assert told["report_poll_opened"][:2] == ("开始述职测评", f"活动：{title}")
    assert told["report_poll_closed"] == ("结束述职测评", f"活动：{title}", "选票数：0")
    page = sign_in(app, "hecheng").get("/console/audit").get_data(as_text=True)
    assert '<option value="report_poll_closed"' in page and "report_poll" not in page.replace('value="report_poll', "")
    assert "window" not in page and "ballots" not in page


def test_the_deputies_count_is_named_by_what_it_counts(app):
    from backend.audit.listing import details
    from backend.audit.models import AuditEvent as Event

    assert details(Event(action="station_created", target_type="station", detail={"deputies": 3})) == "进站代表数：3"
    assert details(Event(action="liaison_deleted", target_type="liaison", detail={"deputies": 3})) == "联系代表数：3"
    assert details(Event(action="report_poll_created", target_type="activity", detail={"deputies": 3})) == "述职代表数：3"


def test_the_console_shows_the_status_once_and_the_phase_only_when_it_differs(app, client, meeting):
    import re

    opened(client, meeting)
    console = sign_in(app, "hecheng")

    def status():
        page = console.get(f"/console/activities/{meeting['activity']}").get_data(as_text=True)
        return re.search(r'id="report-poll-status">([^<]*)<', page).group(1)

    assert status() == "测评中"
    soon = datetime.now(timezone.utc) + timedelta(minutes=20)
    assert client.patch(poll_path(meeting), headers=meeting["admin"], json={"starts_at": iso(soon)}).status_code == 200
    assert status() == "已开启（未到测评时间）"  # opened, no ballot taken yet: never 测评中 (audit 32, finding 5)
    past = datetime.now(timezone.utc) - timedelta(minutes=1)
    assert client.patch(poll_path(meeting), headers=meeting["admin"],
                        json={"starts_at": iso(past - timedelta(hours=1)), "ends_at": iso(past)}).status_code == 200
    assert status() == "已结束"  # its window is over: 已结束 before the sweep closes it (audit 31, finding 10)
    assert client.post(poll_path(meeting, "/close"), headers=meeting["admin"]).status_code == 200
    assert status() == "已结束"


def test_by_default_the_deputies_on_leave_are_not_rated(client, meeting):
    from backend.activities.models import ActivityParticipant, ParticipantStatus

    wang = meeting["deputies"][2]
    db.session.execute(sa_update(ActivityParticipant).where(
        ActivityParticipant.activity_id == meeting["activity"], ActivityParticipant.deputy_id == wang.id)
        .values(status=ParticipantStatus.declined))
    db.session.commit()
    refused(client.post(poll_path(meeting), headers=meeting["admin"], json={"deputy_ids": [wang.id]}),
            422, "王强已请假，不能列为述职代表。")
    created = client.post(poll_path(meeting), headers=meeting["admin"], json={})
    assert created.status_code == 201, created.json
    assert [d["name"] for d in created.json["deputies"]] == ["张伟", "李娜"]


def test_the_console_sets_up_the_reporting_deputies_and_the_window_before_opening(app, client, meeting):
    from .test_console_org_activities import post

    zhang, li, wang = meeting["deputies"]
    console = sign_in(app, "hecheng")
    page_path = f"/console/activities/{meeting['activity']}"
    page = console.get(page_path).get_data(as_text=True)
    assert page.count('name="deputy_ids"') == 3 and "测评开始时间" in page and "测评结束时间" in page
    # None ticked: refused in Chinese, nothing set up.
    refused_page = post(console, f"{page_path}/report-poll", {"starts_at": "", "ends_at": ""}, page=page_path)
    assert refused_page.status_code == 422
    assert "请勾选本次述职的代表。" in refused_page.get_data(as_text=True)
    assert client.get(poll_path(meeting), headers=meeting["admin"]).status_code == 404
    start = datetime.now(timezone.utc).astimezone(timezone(timedelta(hours=8))) + timedelta(hours=1)
    end = start + timedelta(hours=2)
    done = console.post(f"{page_path}/report-poll", data={
        "csrf_token": TOKEN_RE.search(console.get(page_path).get_data(as_text=True)).group(1),
        "deputy_ids": [str(li.id)], "starts_at": start.strftime("%Y-%m-%dT%H:%M"), "ends_at": end.strftime("%Y-%m-%dT%H:%M")})
    assert done.status_code == 302
    shown = client.get(poll_path(meeting), headers=meeting["admin"]).json
    assert [d["name"] for d in shown["deputies"]] == ["李娜"]
    assert shown["starts_at"].startswith(start.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M"))
    # While a draft the console changes them.
    again = console.post(f"{page_path}/report-poll/edit", data={
        "csrf_token": TOKEN_RE.search(console.get(page_path).get_data(as_text=True)).group(1),
        "deputy_ids": [str(zhang.id), str(li.id)], "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (end + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")})
    assert again.status_code == 302
    shown = client.get(poll_path(meeting), headers=meeting["admin"]).json
    assert [d["name"] for d in shown["deputies"]] == ["张伟", "李娜"]
    assert wang.name not in [d["name"] for d in shown["deputies"]]


def test_a_meetings_voters_behind_one_address_get_identities_past_the_everyday_limit(client, meeting, config_override):
    config_override(WEB_IDENTITY_RATE_LIMIT="2 per hour", WEB_POLL_IDENTITY_RATE_LIMIT="3 per hour")
    token = opened(client, meeting)
    hall = {"REMOTE_ADDR": "10.7.0.1"}

    def new_identity(body):
        return client.post("/api/v1/auth/web", json=body, environ_base=hall)

    for _ in range(2):
        assert new_identity({}).status_code == 201
    assert new_identity({}).status_code == 429  # the everyday limit: spent
    # From the open poll's page, counted apart under the larger limit for a meeting.
    made = [new_identity({"report_poll": token}) for _ in range(3)]
    assert [r.status_code for r in made] == [201, 201, 201]
    voter = {"Authorization": f"Bearer {made[0].json['token']}"}
    assert client.post(f"/api/v1/report-polls/{token}/ballots", headers=voter,
                       json=ballot(meeting, "satisfied", "satisfied")).status_code == 201
    over = new_identity({"report_poll": token})
    assert over.status_code == 429 and re.fullmatch(
        r"本场参加测评的人数较多，暂时无法为本机登记测评身份。请 \d+ 分钟后重试，或改用手机流量扫码，也可联系会场工作人员。",
        over.json["message"])
    # A poll that is not open (or no poll) does not open the larger limit.
    assert new_identity({"report_poll": "nosuchpoll"}).status_code == 429
    # The organiser is told on the console.
    page = sign_in(client.application, "hecheng").get(f"/console/activities/{meeting['activity']}").get_data(as_text=True)
    assert "同一 Wi-Fi 下每小时最多 3 人参加测评；人多时请提醒部分选民改用手机流量扫码。" in page
    assert "WEB_POLL_IDENTITY_RATE_LIMIT" not in page and "出口地址" not in page  # no technical names


# --- the poll and its meeting (audit 31: findings 1, 2, 3, 4, 10, 11, 13, 15) ------------------------------


def test_a_refused_console_set_up_is_shown_again_with_what_was_typed(app, client, meeting):
    """Refused, the set-up form is the page again (422) with the reason in Chinese and the ticks and times
    as typed, whether it sets the poll up, changes a draft or moves an open poll's end."""
    from .test_console_org_activities import post

    zhang, li, wang = meeting["deputies"]
    console = sign_in(app, "hecheng")
    page_path = f"/console/activities/{meeting['activity']}"
    ends = (datetime.now(timezone.utc) + timedelta(hours=1)).astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%dT%H:%M")

    def shown_again(path, form, ticked=None):
        response = post(console, f"{page_path}/report-poll{path}", form, page=page_path)
        assert response.status_code == 422, response.status_code
        html = response.get_data(as_text=True)
        assert '<a href="#field-starts_at-error">测评开始时间</a>' in html  # the summary names it
        assert 'id="field-starts_at-error">测评开始时间格式不正确，请重新选择日期。' in html  # the reason under the box
        assert 'name="starts_at" value="明天上午"' in html and f'name="ends_at" value="{ends}"' in html
        if ticked is not None:
            assert [int(i) for i in re.findall(r'name="deputy_ids" value="(\d+)" checked', html)] == ticked
        return html

    form = {"deputy_ids": [str(li.id)], "starts_at": "明天上午", "ends_at": ends}
    shown_again("", form, ticked=[li.id])
    assert client.get(poll_path(meeting), headers=meeting["admin"]).status_code == 404  # nothing set up
    assert client.post(poll_path(meeting), headers=meeting["admin"], json={}).status_code == 201  # all three
    shown_again("/edit", form, ticked=[li.id])
    assert len(client.get(poll_path(meeting), headers=meeting["admin"]).json["deputies"]) == 3  # nothing changed
    assert client.post(poll_path(meeting, "/open"), headers=meeting["admin"]).status_code == 200
    html = shown_again("/edit", {"starts_at": "明天上午", "ends_at": ends})
    assert 'name="deputy_ids"' not in html


def test_the_console_set_up_refuses_a_deputy_that_is_no_number_in_chinese(app, client, meeting):
    """A 述职代表 value that is no integer ("²", which str.isdigit() takes, or thousands of digits, which
    int() refuses) is refused as the API refuses it, never a server error; one too large for an id too."""
    from .test_console_org_activities import post

    console = sign_in(app, "hecheng")
    page_path = f"/console/activities/{meeting['activity']}"
    for path in ("", "/edit"):
        for value, message in (("²", "应为整数。"), ("1" * 5000, "应为整数。"), ("9" * 30, "应大于或等于 1 且小于或等于 2147483647。")):
            response = post(console, f"{page_path}/report-poll{path}", {"deputy_ids": [value], "starts_at": "",
                                                                         "ends_at": ""}, page=page_path)
            assert response.status_code == 422, (path, value[:5], response.status_code)
            assert '<a href="#field-deputy_ids-error">述职代表</a>' in response.get_data(as_text=True)
            assert message in response.get_data(as_text=True), (path, value[:5])
        if not path:
            assert client.get(poll_path(meeting), headers=meeting["admin"]).status_code == 404  # nothing set up
            assert client.post(poll_path(meeting), headers=meeting["admin"], json={}).status_code == 201
    assert len(client.get(poll_path(meeting), headers=meeting["admin"]).json["deputies"]) == 3  # unchanged


def later_meeting(client, meeting, starts_in=timedelta(days=2), hours=2, deputies=None):
    """Another 述职 meeting of the same station, starting later: its id."""
    start = datetime.now(timezone.utc) + starts_in
    created = client.post("/api/v1/activities", headers=meeting["admin"], json={
        "title": "下月述职会", "type": "report", "station_id": meeting["station"].id,
        "starts_at": iso(start), "ends_at": iso(start + timedelta(hours=hours)),
        "deputy_ids": [d.id for d in (deputies or meeting["deputies"])]})
    assert created.status_code == 201, created.json
    return created.json["id"]


def activity_of(client, meeting, activity_id):
    return client.get(f"/api/v1/activities/{activity_id}", headers=meeting["admin"]).json


def moment(text):
    return datetime.fromisoformat(text)


def test_a_rescheduled_meeting_moves_the_poll_that_follows_it(app, client, meeting):
    aid = later_meeting(client, meeting)
    path = f"/api/v1/activities/{aid}/report-poll"
    created = client.post(path, headers=meeting["admin"], json={})
    assert created.status_code == 201, created.json
    assert created.json["starts_follow_activity"] is True and created.json["ends_follow_activity"] is True
    start = datetime.now(timezone.utc) + timedelta(days=5)
    moved = client.patch(f"/api/v1/activities/{aid}", headers=meeting["admin"],
                         json={"starts_at": iso(start), "ends_at": iso(start + timedelta(hours=3))})
    assert moved.status_code == 200, moved.json
    shown = client.get(path, headers=meeting["admin"]).json
    grace = timedelta(minutes=app.config["REPORT_POLL_GRACE_MINUTES"])
    assert moment(shown["starts_at"]) == start
    assert moment(shown["ends_at"]) == start + timedelta(hours=3) + grace
    # Only the end moved: the end follows.
    client.patch(f"/api/v1/activities/{aid}", headers=meeting["admin"], json={"ends_at": iso(start + timedelta(hours=1))})
    assert moment(client.get(path, headers=meeting["admin"]).json["ends_at"]) == start + timedelta(hours=1) + grace


def test_an_explicit_window_the_moved_meeting_leaves_behind_refuses_the_move(client, meeting):
    aid = later_meeting(client, meeting)
    activity = activity_of(client, meeting, aid)
    path = f"/api/v1/activities/{aid}/report-poll"
    start = moment(activity["starts_at"]) + timedelta(minutes=30)
    created = client.post(path, headers=meeting["admin"], json={"starts_at": iso(start)})
    assert created.status_code == 201, created.json
    assert created.json["starts_follow_activity"] is False and created.json["ends_follow_activity"] is True
    later = datetime.now(timezone.utc) + timedelta(days=5)
    refused(client.patch(f"/api/v1/activities/{aid}", headers=meeting["admin"],
                         json={"starts_at": iso(later), "ends_at": iso(later + timedelta(hours=2))}),
            409, "述职测评的开始时间不在改期后的活动时间内，请先修改测评时间（留空则随活动时间调整）。")
    assert activity_of(client, meeting, aid)["starts_at"] == activity["starts_at"]  # nothing changed
    # Set back to follow the activity (null), the move goes through and takes the poll along.
    back = client.patch(path, headers=meeting["admin"], json={"starts_at": None})
    assert back.status_code == 200 and back.json["starts_follow_activity"] is True
    assert back.json["starts_at"] == activity["starts_at"]
    assert client.patch(f"/api/v1/activities/{aid}", headers=meeting["admin"],
                        json={"starts_at": iso(later), "ends_at": iso(later + timedelta(hours=2))}).status_code == 200
    assert moment(client.get(path, headers=meeting["admin"]).json["starts_at"]) == later


def test_the_console_blank_times_follow_the_activity(app, client, meeting):
    from .test_console_org_activities import post

    aid = later_meeting(client, meeting)
    path = f"/api/v1/activities/{aid}/report-poll"
    activity = activity_of(client, meeting, aid)
    console = sign_in(app, "hecheng")
    page = f"/console/activities/{aid}"
    explicit = (moment(activity["starts_at"]) + timedelta(minutes=30)).astimezone(timezone(timedelta(hours=8)))
    ids = [str(d.id) for d in meeting["deputies"]]
    assert post(console, f"{page}/report-poll", {"deputy_ids": ids, "starts_at": explicit.strftime("%Y-%m-%dT%H:%M"),
                                                  "ends_at": ""}, page=page).status_code == 302
    assert client.get(path, headers=meeting["admin"]).json["starts_follow_activity"] is False
    # Saved with the times blank: both follow the activity again.
    assert post(console, f"{page}/report-poll/edit", {"deputy_ids": ids, "starts_at": "", "ends_at": ""},
                page=page).status_code == 302
    shown = client.get(path, headers=meeting["admin"]).json
    assert shown["starts_follow_activity"] is True and shown["starts_at"] == activity["starts_at"]
    # The form shows a following time blank (saving it again keeps following).
    assert 'name="starts_at" value=""' in console.get(page).get_data(as_text=True)


def test_an_activity_with_a_poll_stays_a_report(client, meeting):
    assert client.post(poll_path(meeting), headers=meeting["admin"], json={}).status_code == 201
    refused(client.patch(f"/api/v1/activities/{meeting['activity']}", headers=meeting["admin"], json={"type": "research"}),
            409, "该活动已组织述职测评，不能再改为其他类型；如活动并非述职，请取消后重新发单。")
    assert activity_of(client, meeting, meeting["activity"])["type"] == "report"


def test_the_window_lies_within_the_meeting_and_its_grace(app, client, meeting):
    aid = later_meeting(client, meeting)
    path = f"/api/v1/activities/{aid}/report-poll"
    far = client.post(path, headers=meeting["admin"], json={"starts_at": "2000-01-01T00:00:00+08:00",
                                                            "ends_at": "2100-12-31T00:00:00+08:00"})
    assert far.status_code == 422, far.json
    assert far.json["message"].startswith("测评时间须在活动开始前 60 分钟至活动结束后 120 分钟之内")
    activity = activity_of(client, meeting, aid)
    late = moment(activity["ends_at"]) + timedelta(minutes=app.config["REPORT_POLL_GRACE_MINUTES"] + 1)
    assert client.post(path, headers=meeting["admin"], json={"ends_at": iso(late)}).status_code == 422
    assert client.post(path, headers=meeting["admin"], json={}).status_code == 201
    assert client.patch(path, headers=meeting["admin"], json={"ends_at": iso(late)}).status_code == 422
    # Opened two days early: refused.
    refused(client.post(f"{path}/open", headers=meeting["admin"]), 409,
            f"述职活动开始前 60 分钟起才能开始测评（{(moment(activity['starts_at']) - timedelta(hours=1)).astimezone(timezone(timedelta(hours=8))).strftime('%Y-%m-%d %H:%M')} 起）。")


def test_the_window_ends_after_the_meeting_starts(app, client, meeting):
    """The lead minutes are for voters arriving early: a window lying wholly before the meeting (closed
    before any deputy has reported) is refused, set up, changed or left behind by a moved meeting."""
    from .test_console_org_activities import post

    aid = later_meeting(client, meeting)
    path = f"/api/v1/activities/{aid}/report-poll"
    start = moment(activity_of(client, meeting, aid)["starts_at"])
    message = "测评结束时间须晚于活动开始时间。"
    for ends in (start - timedelta(minutes=40), start):
        refused(client.post(path, headers=meeting["admin"], json={
            "starts_at": iso(start - timedelta(minutes=55)), "ends_at": iso(ends)}), 422, message)
    assert client.get(path, headers=meeting["admin"]).status_code == 404
    assert client.post(path, headers=meeting["admin"], json={"starts_at": iso(start - timedelta(minutes=55)),
                                                             "ends_at": iso(start + timedelta(minutes=1))}).status_code == 201
    refused(client.patch(path, headers=meeting["admin"], json={"ends_at": iso(start - timedelta(minutes=5))}), 422, message)
    console = sign_in(app, "hecheng")
    page = f"/console/activities/{aid}"
    china = timezone(timedelta(hours=8))
    response = post(console, f"{page}/report-poll/edit", {
        "deputy_ids": [str(d.id) for d in meeting["deputies"]],
        "starts_at": (start - timedelta(minutes=55)).astimezone(china).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start - timedelta(minutes=5)).astimezone(china).strftime("%Y-%m-%dT%H:%M")}, page=page)
    assert response.status_code == 422
    assert f'id="field-ends_at-error">{message}' in response.get_data(as_text=True)
    assert moment(client.get(path, headers=meeting["admin"]).json["ends_at"]) == start + timedelta(minutes=1)
    # The meeting moved to start after the poll's given end: refused until the end is changed.
    refused(client.patch(f"/api/v1/activities/{aid}", headers=meeting["admin"], json={
        "starts_at": iso(start + timedelta(minutes=5)), "ends_at": iso(start + timedelta(hours=2))}),
        409, "述职测评的结束时间不在改期后的活动时间内，请先修改测评时间（留空则随活动时间调整）。")
    assert moment(activity_of(client, meeting, aid)["starts_at"]) == start


def test_the_sweep_closes_a_cancelled_meetings_poll_and_a_poll_whose_meeting_is_over(app, client, meeting):
    from backend.activities.models import Activity, ReportPoll, ReportPollStatus

    token = opened(client, meeting)
    assert client.post(f"/api/v1/activities/{meeting['activity']}/cancel", headers=meeting["admin"]).status_code == 200
    # A poll a cancel left open before 取消 closed it at once (behind the API's back): the sweep closes it.
    db.session.execute(sa_update(ReportPoll).where(ReportPoll.token == token).values(status=ReportPollStatus.open, closed_dt=None))
    db.session.commit()
    aid = later_meeting(client, meeting)
    assert client.post(f"/api/v1/activities/{aid}/report-poll", headers=meeting["admin"], json={}).status_code == 201
    # The second meeting is over (moved into the past behind the API's back): its draft can no longer open.
    past = datetime.now(timezone.utc) - timedelta(hours=1)
    db.session.execute(sa_update(Activity).where(Activity.id == aid).values(starts_dt=past - timedelta(hours=2), ends_dt=past))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert "到期结束述职测评 2 次" in result.output, result.output
    db.session.expire_all()
    assert {p.status.value for p in db.session.scalars(select(ReportPoll))} == {"closed"}


def test_a_deputy_taken_off_the_meeting_leaves_the_draft_poll_and_one_on_leave_stops_the_opening(client, meeting):
    aid = later_meeting(client, meeting)
    path = f"/api/v1/activities/{aid}/report-poll"
    zhang, li, wang = meeting["deputies"]
    assert client.post(path, headers=meeting["admin"], json={}).status_code == 201
    assert client.patch(f"/api/v1/activities/{aid}", headers=meeting["admin"],
                        json={"remove_deputy_ids": [li.id]}).status_code == 200
    assert [d["name"] for d in client.get(path, headers=meeting["admin"]).json["deputies"]] == ["张伟", "王强"]
    declined = client.post(f"/api/v1/activities/{aid}/decline", headers=meeting["factory"].deputy_headers(wang),
                           json={"reason": "外出开会"})
    assert declined.status_code == 200, declined.json
    # Moved to start in half an hour, so that it may open: 王强 is on leave.
    soon = datetime.now(timezone.utc) + timedelta(minutes=30)
    assert client.patch(f"/api/v1/activities/{aid}", headers=meeting["admin"],
                        json={"starts_at": iso(soon), "ends_at": iso(soon + timedelta(hours=2))}).status_code == 200
    refused(client.post(f"{path}/open", headers=meeting["admin"]), 409,
            "王强已请假，不能列为述职代表；请先修改述职代表。")
    assert client.patch(path, headers=meeting["admin"], json={"deputy_ids": [zhang.id]}).status_code == 200
    assert client.post(f"{path}/open", headers=meeting["admin"]).status_code == 200


def test_a_rated_deputy_stays_on_the_meeting_once_the_poll_opened(client, meeting):
    opened(client, meeting)
    li = meeting["deputies"][1]
    refused(client.patch(f"/api/v1/activities/{meeting['activity']}", headers=meeting["admin"],
                         json={"remove_deputy_ids": [li.id]}),
            409, "李娜是本次述职测评的述职代表，测评已开始，不能移出活动。")


def test_an_open_poll_whose_window_is_over_reads_ended_and_takes_no_ballot(app, client, meeting):
    import re

    from backend.activities.models import ReportPoll

    token = opened(client, meeting)
    db.session.execute(sa_update(ReportPoll).where(ReportPoll.token == token).values(
        ends_dt=datetime.now(timezone.utc) - timedelta(seconds=1)))
    db.session.commit()
    shown = client.get(poll_path(meeting), headers=meeting["admin"]).json
    assert (shown["status_label"], shown["phase_label"]) == ("已结束", "已结束")
    refused(client.post(f"/api/v1/report-polls/{token}/ballots", headers=web_voter(client, 1),
                        json=ballot(meeting, "satisfied", "satisfied")), 409, "测评已结束。")
    console = sign_in(app, "hecheng")
    page = console.get(f"/console/activities/{meeting['activity']}").get_data(as_text=True)
    assert re.search(r'id="report-poll-status">([^<]*)<', page).group(1) == "已结束"
    # The page's live refresh says so too, without a reload.
    counts = console.get(f"/console/activities/{meeting['activity']}/report-poll/counts.json").json
    assert counts["status_text"] == "已结束"


def test_a_cancelled_meetings_draft_is_closed_for_voters_and_admins(client, meeting):
    created = client.post(poll_path(meeting), headers=meeting["admin"], json={})
    assert client.post(f"/api/v1/activities/{meeting['activity']}/cancel", headers=meeting["admin"]).status_code == 200
    shown = client.get(poll_path(meeting), headers=meeting["admin"]).json
    assert (shown["status"], shown["status_label"], shown["opened_at"]) == ("closed", "活动已取消", None)
    body = {"choices": [{"deputy_id": d.id, "choice": "satisfied"} for d in meeting["deputies"]]}
    refused(client.post(f"/api/v1/report-polls/{created.json['token']}/ballots", headers=web_voter(client, 1), json=body),
            409, CANCELLED_BALLOT)
    refused(client.patch(poll_path(meeting), headers=meeting["admin"], json={"deputy_ids": [meeting["deputies"][0].id]}),
            409, "活动已取消，不能再修改测评。")
    refused(client.post(poll_path(meeting, "/open"), headers=meeting["admin"]), 409, "活动已取消，不能开始测评。")


def test_a_closed_meetings_open_poll_keeps_its_window(client, meeting):
    """结单 credits the deputies who came; the voters still in the hall rate until the poll's window ends
    (or an administrator ends it), as the window's grace past the meeting's end is for them."""
    token = opened(client, meeting)
    assert client.post(f"/api/v1/activities/{meeting['activity']}/close", json={"early": True},
                       headers=meeting["admin"]).status_code == 200
    shown = client.get(poll_path(meeting), headers=meeting["admin"]).json
    assert (shown["status"], shown["status_label"]) == ("open", "测评中")
    voted = client.post(f"/api/v1/report-polls/{token}/ballots", headers=web_voter(client, 1),
                        json=ballot(meeting, "satisfied", "satisfied"))
    assert voted.status_code == 201, voted.json


def test_the_console_extends_an_open_polls_end(app, client, meeting):
    from .test_console_org_activities import post

    opened(client, meeting)
    console = sign_in(app, "hecheng")
    page_path = f"/console/activities/{meeting['activity']}"
    page = console.get(page_path).get_data(as_text=True)
    assert 'id="report-poll-window"' in page and 'name="deputy_ids"' not in page
    activity = activity_of(client, meeting, meeting["activity"])
    end = (moment(activity["ends_at"]) + timedelta(hours=1, minutes=30)).astimezone(timezone(timedelta(hours=8)))
    assert post(console, f"{page_path}/report-poll/edit", {"starts_at": "", "ends_at": end.strftime("%Y-%m-%dT%H:%M")},
                page=page_path).status_code == 302
    shown = client.get(poll_path(meeting), headers=meeting["admin"]).json
    assert shown["ends_at"].startswith(end.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M"))
    assert shown["status"] == "open" and [d["name"] for d in shown["deputies"]] == ["张伟", "李娜"]


def test_no_poll_after_the_meeting_and_none_without_ballots_in_the_archive(client, meeting):
    from backend.activities.models import Activity

    # 结单: no poll set up.
    assert client.post(f"/api/v1/activities/{meeting['activity']}/close", json={"early": True},
                       headers=meeting["admin"]).status_code == 200
    refused(client.post(poll_path(meeting), headers=meeting["admin"], json={}), 409, "活动已结单，不能再组织测评。")
    # A meeting that is over: neither set up nor opened.
    aid = later_meeting(client, meeting, starts_in=timedelta(hours=1))
    path = f"/api/v1/activities/{aid}/report-poll"
    assert client.post(path, headers=meeting["admin"], json={}).status_code == 201
    past = datetime.now(timezone.utc) - timedelta(minutes=30)
    db.session.execute(sa_update(Activity).where(Activity.id == aid).values(starts_dt=past - timedelta(hours=2), ends_dt=past))
    db.session.commit()
    refused(client.post(f"{path}/open", headers=meeting["admin"]), 409, "活动已经结束，不能再开始测评。")
    # Opened, closed with no ballot: no line of the archive.
    third = later_meeting(client, meeting, starts_in=timedelta(minutes=10))
    assert client.post(f"/api/v1/activities/{third}/report-poll", headers=meeting["admin"], json={}).status_code == 201
    assert client.post(f"/api/v1/activities/{third}/report-poll/open", headers=meeting["admin"]).status_code == 200
    assert client.post(f"/api/v1/activities/{third}/report-poll/close", headers=meeting["admin"]).status_code == 200
    year = datetime.now(timezone.utc).astimezone(timezone(timedelta(hours=8))).year
    archive = client.get(f"/api/v1/deputies/{meeting['deputies'][0].id}/archive?year={year}", headers=meeting["admin"])
    assert archive.json["report_polls"] == []


def test_an_ended_meeting_takes_no_new_poll(client, meeting):
    from backend.activities.models import Activity

    past = datetime.now(timezone.utc) - timedelta(minutes=5)
    db.session.execute(sa_update(Activity).where(Activity.id == meeting["activity"]).values(ends_dt=past))
    db.session.commit()
    refused(client.post(poll_path(meeting), headers=meeting["admin"], json={}), 409, "活动已经结束，不能再组织测评。")
    page = sign_in(client.application, "hecheng").get(f"/console/activities/{meeting['activity']}").get_data(as_text=True)
    assert "活动已结束或已结单，不能再组织测评。" in page and 'id="report-poll-create"' not in page


def test_the_console_edit_page_moves_the_poll_with_the_meeting_or_says_why_not(app, client, meeting):
    from .test_console_org_activities import edit_form, local, post

    aid = later_meeting(client, meeting)
    path = f"/api/v1/activities/{aid}/report-poll"
    activity = activity_of(client, meeting, aid)
    explicit = moment(activity["starts_at"]) + timedelta(minutes=15)
    assert client.post(path, headers=meeting["admin"], json={"starts_at": iso(explicit)}).status_code == 201
    console = sign_in(app, "hecheng")
    page = f"/console/activities/{aid}"
    later = datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(days=4)
    form = edit_form(console.get(f"{page}/edit").get_data(as_text=True))
    moved = form | {"starts_at": local(later), "ends_at": local(later + timedelta(hours=2))}
    refused_page = post(console, f"{page}/edit", moved)
    assert refused_page.status_code == 409
    assert "述职测评的开始时间不在改期后的活动时间内" in refused_page.get_data(as_text=True)
    # The poll's start cleared on the activity page (留空: follows), the move takes it along.
    assert post(console, f"{page}/report-poll/edit", {"deputy_ids": [str(d.id) for d in meeting["deputies"]],
                                                       "starts_at": "", "ends_at": ""}, page=page).status_code == 302
    assert post(console, f"{page}/edit", moved).status_code == 302
    shown = client.get(path, headers=meeting["admin"]).json
    assert moment(shown["starts_at"]) == later
    assert moment(shown["ends_at"]) == later + timedelta(hours=2, minutes=app.config["REPORT_POLL_GRACE_MINUTES"])


def test_one_edit_taking_a_deputy_off_and_moving_the_meeting_changes_the_draft_poll_both_ways(app, client, meeting):
    aid = later_meeting(client, meeting)
    path = f"/api/v1/activities/{aid}/report-poll"
    assert client.post(path, headers=meeting["admin"], json={}).status_code == 201
    start = datetime.now(timezone.utc) + timedelta(days=3)
    edited = client.patch(f"/api/v1/activities/{aid}", headers=meeting["admin"], json={
        "remove_deputy_ids": [meeting["deputies"][2].id], "starts_at": iso(start), "ends_at": iso(start + timedelta(hours=2))})
    assert edited.status_code == 200, edited.json
    shown = client.get(path, headers=meeting["admin"]).json
    assert [d["name"] for d in shown["deputies"]] == ["张伟", "李娜"] and moment(shown["starts_at"]) == start
    [logged] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report_poll_updated")).all()
    assert set(logged.detail) == {"deputies", "window"}


def _opened_early(client, meeting, deputies, **body):
    """A meeting starting in half an hour, its poll (rating ``deputies``) opened already: its id, poll path
    and token."""
    aid = later_meeting(client, meeting, starts_in=timedelta(minutes=30))
    path = f"/api/v1/activities/{aid}/report-poll"
    created = client.post(path, headers=meeting["admin"], json={"deputy_ids": [d.id for d in deputies], **body})
    assert created.status_code == 201, created.json
    response = client.post(f"{path}/open", headers=meeting["admin"])
    assert response.status_code == 200, response.json
    return aid, path, created.json["token"]


def test_a_poll_opened_before_its_window_does_not_read_as_being_taken(client, meeting):
    """Opened in the hour before the meeting: its deputies are fixed, but no ballot is taken until the
    window starts, and its status says so rather than 测评中."""
    aid, path, _ = _opened_early(client, meeting, meeting["deputies"][:2])
    shown = client.get(path, headers=meeting["admin"]).json
    assert shown["status"] == "open" and shown["phase"] == "not_started"
    assert shown["status_label"] == "已开启（未到测评时间）" and shown["phase_label"] == "未开始"


def test_an_open_poll_without_ballots_moved_to_another_day_goes_back_to_draft(client, meeting):
    """Rescheduled so that the poll could not open yet: with no ballot taken it is a draft again (未开始),
    its deputies editable, and it is opened again on the new day. The 操作日志 says so."""
    zhang, li, wang = meeting["deputies"]
    aid, path, _ = _opened_early(client, meeting, [zhang, li])
    tomorrow = datetime.now(timezone.utc) + timedelta(days=1)
    moved = client.patch(f"/api/v1/activities/{aid}", headers=meeting["admin"],
                         json={"starts_at": iso(tomorrow), "ends_at": iso(tomorrow + timedelta(hours=2))})
    assert moved.status_code == 200, moved.json
    shown = client.get(path, headers=meeting["admin"]).json
    assert shown["status"] == "draft" and shown["status_label"] == "未开始" and shown["phase"] == "not_started"
    assert shown["opened_at"] is None
    assert client.patch(path, headers=meeting["admin"], json={"deputy_ids": [zhang.id]}).status_code == 200
    assert client.patch(f"/api/v1/activities/{aid}", headers=meeting["admin"],
                        json={"remove_deputy_ids": [li.id]}).status_code == 200
    reopened = client.post(f"{path}/open", headers=meeting["admin"])
    assert reopened.status_code == 409 and reopened.json["message"].startswith("述职活动开始前"), reopened.json


def test_an_open_poll_with_ballots_is_not_moved_to_another_day(client, meeting):
    """Its window opened before the meeting (as given), a ballot taken: the meeting cannot move to another
    day under it (the ballot was cast for this one); the poll stays 测评中."""
    zhang, li, _ = meeting["deputies"]
    aid, path, token = _opened_early(client, meeting, [zhang, li],
                                     starts_at=iso(datetime.now(timezone.utc) - timedelta(minutes=1)))
    cast = client.post(f"/api/v1/report-polls/{token}/ballots", headers=web_voter(client, 71),
                       json=ballot(meeting, "satisfied", "satisfied"))
    assert cast.status_code == 201, cast.json
    tomorrow = datetime.now(timezone.utc) + timedelta(days=1)
    refused(client.patch(f"/api/v1/activities/{aid}", headers=meeting["admin"],
                         json={"starts_at": iso(tomorrow), "ends_at": iso(tomorrow + timedelta(hours=2))}),
            409, "述职测评的开始时间不在改期后的活动时间内，请先修改测评时间（留空则随活动时间调整）。")
    shown = client.get(path, headers=meeting["admin"]).json
    assert shown["status"] == "open" and shown["status_label"] == "测评中" and shown["phase"] == "open"


def test_leave_of_a_rated_deputy_on_an_opened_poll_drops_them_or_is_refused(client, meeting):
    """请假 of a deputy the opened poll rates: with no ballot taken they leave the poll (its other deputies
    stay); the only deputy rated, or once a ballot rated them, is refused, as taking them off would be."""
    zhang, li, wang = meeting["deputies"]
    factory = meeting["factory"]
    aid, path, _ = _opened_early(client, meeting, [zhang, li])
    declined = client.post(f"/api/v1/activities/{aid}/decline", headers=factory.deputy_headers(li), json={"reason": "出差"})
    assert declined.status_code == 200, declined.json
    assert [d["name"] for d in client.get(path, headers=meeting["admin"]).json["deputies"]] == ["张伟"]
    refused(client.post(f"/api/v1/activities/{aid}/decline", headers=factory.deputy_headers(zhang), json={"reason": "出差"}),
            409, "您是本次述职测评唯一的述职代表，测评已开始，不能请假；如确实无法参加，请联系活动管理员。")
    assert [d["name"] for d in client.get(path, headers=meeting["admin"]).json["deputies"]] == ["张伟"]
