"""凭票测评: a 述职测评 whose administrator chose one-time ballot tickets. The console generates a sheet of N
tickets (a code and its QR each, the activity's title); each ticket makes exactly one ballot, whichever phone
or browser identity sends it; without a ticket, with a wrong one or a used one the ballot is refused in
Chinese and nothing is written. The open poll (扫码测评) stays the default."""
import re

from sqlalchemy import func, select
from sqlalchemy import update as sa_update

from backend.activities.models import ReportPoll, ReportPollBallot, ReportPollTicket
from backend.audit.models import AuditEvent
from backend.extensions import db

from .parallel import released_together
from .test_console_org_activities import TOKEN as TOKEN_RE, post, sign_in
from .test_report_polls import ballot, meeting, opened, poll_path, refused, web_voter  # noqa: F401
from .test_web_pages import config_override  # noqa: F401

CODE = re.compile(r"^[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}$")


def tickets(client, meeting, count):
    response = client.post(poll_path(meeting, "/tickets"), headers=meeting["admin"], json={"count": count})
    assert response.status_code == 201, response.json
    return response.json


def send(client, token, headers, body):
    return client.post(f"/api/v1/report-polls/{token}/ballots", headers=headers, json=body)


def test_each_ticket_makes_one_ballot_and_a_ballot_needs_one(client, meeting):
    token = opened(client, meeting, ballot_mode="ticket")
    shown = client.get(poll_path(meeting), headers=meeting["admin"]).json
    assert shown["ballot_mode"] == "ticket" and shown["ballot_mode_label"] == "凭票测评"
    assert shown["tickets"] == {"issued": 0, "used": 0}
    assert client.get(f"/api/v1/report-polls/{token}").json["ticket_required"] is True

    issued = tickets(client, meeting, 3)
    assert (issued["issued"], issued["used"], len(issued["tickets"])) == (3, 0, 3)
    codes = [t["code"] for t in issued["tickets"]]
    assert all(CODE.match(c) for c in codes) and len(set(codes)) == 3
    assert [t["url"] for t in issued["tickets"]] == [f"{shown['url']}#t={c.replace('-', '')}" for c in codes]
    # Kept as digests only: no code is in the database.
    stored = db.session.scalars(select(ReportPollTicket.code_hash)).all()
    assert len(stored) == 3 and not {c.replace("-", "") for c in codes} & set(stored)

    body = ballot(meeting, "satisfied", "basically_satisfied")
    missing = send(client, token, web_voter(client, 1), body)
    refused(missing, 422, "本次测评凭票参加，请输入测评票上的票号。")
    assert missing.json["errors"]["ticket"] == ["本次测评凭票参加，请输入测评票上的票号。"]
    wrong = send(client, token, web_voter(client, 2), body | {"ticket": "ABCDE-FGHJK"})
    refused(wrong, 422, "票号不正确，请核对测评票上的票号后重新输入。")
    assert wrong.json["errors"]["ticket"] == ["票号不正确，请核对测评票上的票号后重新输入。"]
    # Typed in lower case without its dash, it is the ticket as printed.
    taken = send(client, token, web_voter(client, 3), body | {"ticket": codes[0].replace("-", "").lower()})
    assert taken.status_code == 201, taken.json
    # A cleared browser (a new identity) with the same ticket votes no more.
    refused(send(client, token, web_voter(client, 4), body | {"ticket": codes[0]}), 409, "此测评票已使用。")
    assert send(client, token, web_voter(client, 5), body | {"ticket": codes[1]}).status_code == 201
    assert db.session.scalar(select(func.count()).select_from(ReportPollBallot)) == 2

    results = client.get(poll_path(meeting, "/results"), headers=meeting["admin"]).json
    assert results["ballots"] == 2 and results["tickets"] == {"issued": 3, "used": 2}
    assert results["deputies"][0]["satisfied"] == 2

    [logged] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report_poll_tickets_issued")).all()
    assert logged.detail == {"tickets": 3, "tickets_issued": 3}
    items = client.get("/api/v1/audit-events", headers=meeting["admin"]).json["items"]
    told = {e["action"]: (e["action_label"], e["summary"]) for e in items}
    assert told["report_poll_tickets_issued"] == ("生成述职测评票", "本次生成测评票（张）：3；累计发放测评票（张）：3")


def test_the_open_poll_stays_the_default_and_takes_no_ticket(client, meeting):
    token = opened(client, meeting)
    shown = client.get(poll_path(meeting), headers=meeting["admin"]).json
    assert shown["ballot_mode"] == "open" and shown["tickets"] is None
    assert client.get(f"/api/v1/report-polls/{token}").json["ticket_required"] is False
    refused(client.post(poll_path(meeting, "/tickets"), headers=meeting["admin"], json={"count": 5}), 409,
            "本次测评为扫码测评，不需要测评票；如需凭票测评，请在开始测评前把测评方式改为凭票测评。")
    assert send(client, token, web_voter(client, 1), ballot(meeting, "satisfied", "satisfied")).status_code == 201
    assert client.get(poll_path(meeting, "/results"), headers=meeting["admin"]).json["tickets"] is None
    assert db.session.scalar(select(func.count()).select_from(ReportPollTicket)) == 0


def test_tickets_are_bounded_and_the_mode_changes_only_before_the_poll_opens(client, meeting, config_override):
    config_override(REPORT_POLL_MAX_TICKETS=5)
    created = client.post(poll_path(meeting), headers=meeting["admin"],
                          json={"deputy_ids": [d.id for d in meeting["deputies"][:2]]})
    assert created.status_code == 201 and created.json["ballot_mode"] == "open"
    changed = client.patch(poll_path(meeting), headers=meeting["admin"], json={"ballot_mode": "ticket"})
    assert changed.status_code == 200 and changed.json["ballot_mode"] == "ticket"
    bad_mode = client.patch(poll_path(meeting), headers=meeting["admin"], json={"ballot_mode": "paper"})
    assert bad_mode.status_code == 422 and "测评方式" in bad_mode.json["errors"]["ballot_mode"][0]
    tickets(client, meeting, 4)  # while a draft: printed before the meeting
    too_many = client.post(poll_path(meeting, "/tickets"), headers=meeting["admin"], json={"count": 2})
    refused(too_many, 422, "一次测评最多发放 5 张测评票，已发放 4 张，最多还能生成 1 张。")
    none = client.post(poll_path(meeting, "/tickets"), headers=meeting["admin"], json={"count": 0})
    assert none.status_code == 422 and none.json["errors"]["count"] == ["请填写要生成的测评票张数（至少 1 张）。"]
    assert db.session.scalar(select(func.count()).select_from(ReportPollTicket)) == 4
    assert client.post(poll_path(meeting, "/open"), headers=meeting["admin"]).status_code == 200
    refused(client.patch(poll_path(meeting), headers=meeting["admin"], json={"ballot_mode": "open"}), 409,
            "测评已开始，不能再更改测评方式。")
    assert client.post(poll_path(meeting, "/close"), headers=meeting["admin"]).status_code == 200
    refused(client.post(poll_path(meeting, "/tickets"), headers=meeting["admin"], json={"count": 1}), 409,
            "测评已结束，不能再生成测评票。")
    updated = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report_poll_updated")).all()
    assert [e.detail for e in updated] == [{"ballot_mode": ["扫码测评", "凭票测评"]}]


def test_two_phones_sending_one_ticket_at_once_make_one_ballot(client, meeting, base_url):
    import requests

    token = opened(client, meeting, ballot_mode="ticket")
    [ticket] = tickets(client, meeting, 1)["tickets"]
    phones = [web_voter(client, n) for n in (1, 2, 3)]
    body = ballot(meeting, "satisfied", "dissatisfied") | {"ticket": ticket["code"]}
    db.session.close()  # the server threads use their own sessions

    def sending(headers):
        return lambda: requests.post(f"{base_url}/api/v1/report-polls/{token}/ballots", json=body, headers=headers, timeout=30)

    answers = released_together(*(sending(h) for h in phones))
    assert sorted(a.status_code for a in answers) == [201, 409, 409]
    assert {a.json()["message"] for a in answers if a.status_code == 409} == {"此测评票已使用。"}
    db.session.close()
    assert db.session.scalar(select(func.count()).select_from(ReportPollBallot)) == 1
    assert client.get(poll_path(meeting, "/results"), headers=meeting["admin"]).json["tickets"] == {"issued": 1, "used": 1}


def form_key(page):
    return re.search(r'name="form_key" value="([^"]+)"', page).group(1)


def test_the_console_chooses_tickets_prints_their_sheet_once_and_counts_them(app, client, meeting):
    console = sign_in(app, "hecheng")
    page_path = f"/console/activities/{meeting['activity']}"
    page = console.get(page_path).get_data(as_text=True)
    assert 'name="ballot_mode" value="open" id="report-poll-mode-open" checked' in page  # the default
    done = post(console, f"{page_path}/report-poll", {"deputy_ids": [str(meeting["deputies"][0].id)],
                                                      "ballot_mode": "ticket", "starts_at": "", "ends_at": ""}, page=page_path)
    assert done.status_code == 302
    assert client.get(poll_path(meeting), headers=meeting["admin"]).json["ballot_mode"] == "ticket"
    page = console.get(page_path).get_data(as_text=True)
    assert "凭票测评" in page and "已发放 <span id=\"report-poll-tickets-issued\">0</span> 张" in page

    wrong = post(console, f"{page_path}/report-poll/tickets", {"count": "abc"}, page=page_path)
    assert wrong.status_code == 302
    assert "请填写要生成的测评票张数（1 至 2000 张，按预计到会人数）。" in console.get(page_path).get_data(as_text=True)
    page = console.get(page_path).get_data(as_text=True)
    form = {"csrf_token": TOKEN_RE.search(page).group(1), "form_key": form_key(page), "count": "12"}
    sheet = console.post(f"{page_path}/report-poll/tickets", data=form)
    assert sheet.status_code == 200 and sheet.headers["Cache-Control"] == "no-store"
    text = sheet.get_data(as_text=True)
    codes = re.findall(r'<p class="ticket-code">([A-Z0-9-]+)</p>', text)
    assert len(codes) == 12 and all(CODE.match(c) for c in codes)
    assert text.count("<svg") == 12 and text.count("述职测评 · 2026 年度代表向选民述职会") == 12
    # The sheet's reload sends the same form: no second batch, the activity's page says what the first did.
    again = console.post(f"{page_path}/report-poll/tickets", data=form)
    assert again.status_code == 302 and again.location.endswith("#report-poll")
    assert db.session.scalar(select(func.count()).select_from(ReportPollTicket)) == 12
    page = console.get(page_path).get_data(as_text=True)
    assert "已生成 12 张测评票（累计发放 12 张）" in page

    assert client.post(poll_path(meeting, "/open"), headers=meeting["admin"]).status_code == 200
    token = client.get(poll_path(meeting), headers=meeting["admin"]).json["token"]
    body = {"choices": [{"deputy_id": meeting["deputies"][0].id, "choice": "satisfied"}], "ticket": codes[5]}
    assert send(client, token, web_voter(client, 1), body).status_code == 201
    page = console.get(page_path).get_data(as_text=True)
    assert 'id="report-poll-tickets-issued">12</span> 张，已使用 <span id="report-poll-tickets-used">1</span> 张' in page
    counts = console.get(f"{page_path}/report-poll/counts.json").json
    assert counts["tickets"] == {"issued": 12, "used": 1}


def test_the_voters_page_asks_for_the_ticket_in_a_ticketed_poll_only(client, meeting):
    token = opened(client, meeting, ballot_mode="ticket")
    page = client.get(f"/report-poll/{token}").get_data(as_text=True)
    assert 'id="rp-ticket"' in page and "每张测评票只能测评一次" in page
    assert client.patch(poll_path(meeting), headers=meeting["admin"], json={"ballot_mode": "open"}).status_code == 409
    db.session.execute(sa_update(ReportPoll).values(ballot_mode="open"))
    db.session.commit()
    page = client.get(f"/report-poll/{token}").get_data(as_text=True)
    assert 'id="rp-ticket"' not in page and "每人只能测评一次" in page


def test_a_ticket_sheets_qr_code_opens_the_voters_page_with_the_code(client, meeting):
    """Each ticket's QR (an SVG drawn by backend.qr.render) decodes to the ticket's link."""
    import io

    import zxingcpp
    from PIL import Image, ImageDraw

    from backend.qr import render

    opened(client, meeting, ballot_mode="ticket")
    [ticket] = tickets(client, meeting, 1)["tickets"]
    svg = render.code_svg(ticket["url"])
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    scale = 8
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1", svg):
        x, y, width = int(x), int(y), int(width)
        draw.rectangle((x * scale, y * scale, (x + width) * scale - 1, (y + 1) * scale - 1), fill=0)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    [found] = zxingcpp.read_barcodes(Image.open(buffer))
    assert found.text == ticket["url"]


def test_the_database_refuses_a_tickets_second_ballot_past_the_check(client, meeting, monkeypatch):
    """The unique ticket_id decides, not the read before it: a ballot that read the ticket unused just before
    another took it (the check passed, as in a race) is refused 409 此测评票已使用。 and writes nothing."""
    from backend.activities import report_poll

    token = opened(client, meeting, ballot_mode="ticket")
    [ticket] = tickets(client, meeting, 1)["tickets"]
    body = ballot(meeting, "satisfied", "satisfied") | {"ticket": ticket["code"]}
    assert send(client, token, web_voter(client, 1), body).status_code == 201
    monkeypatch.setattr(report_poll, "_ticket", lambda poll, code: db.session.scalar(
        select(ReportPollTicket.id).where(ReportPollTicket.poll_id == poll.id)))
    refused(send(client, token, web_voter(client, 2), body), 409, "此测评票已使用。")
    assert db.session.scalar(select(func.count()).select_from(ReportPollBallot)) == 1
