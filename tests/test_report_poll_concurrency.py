"""述职测评 raced over real HTTP to a threaded server: a ballot, or the poll's opening, at the instant a rated
deputy asks for leave (请假), and a meeting rescheduled at the instant its poll is opened or its window edited.

Each race runs several times on fresh meetings. Whatever the interleaving, nobody sees a 500, and the end
state is one that the two requests, answered as they were, could have left one after the other: a ballot
and the leave of a deputy it rated are never both taken; the poll's window always lies within the
meeting's bounds (from REPORT_POLL_LEAD_MINUTES before its start, ending after its start and at most
REPORT_POLL_GRACE_MINUTES after its end); an opened poll is never left for a meeting it could not yet
be opened for, nor rating a deputy on leave. Raced with 取消 or 结单, an opening or an edit of the window
comes first (the meeting then cancelled or closed with the poll as it left it) or is refused, saying why.
"""
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import select

from backend.activities.models import ReportPoll, ReportPollChoice
from backend.extensions import db

from .parallel import released_together
from .test_report_polls import iso, meeting, moment, web_voter  # noqa: F401  (fixture)

ROUNDS = 5
MOVED = "述职测评的开始时间不在改期后的活动时间内，请先修改测评时间（留空则随活动时间调整）。"


def plain(meeting):
    """What the rounds need of the meeting fixture, as plain values: the main thread's session is closed
    while the server threads race, which detaches the fixture's objects."""
    zhang, li, wang = meeting["deputies"]
    return {"admin": meeting["admin"], "station": meeting["station"].id, "zhang": zhang.id, "li": li.id,
            "all": [zhang.id, li.id, wang.id], "li_headers": meeting["factory"].deputy_headers(li)}


def new_meeting(client, world, starts_in=timedelta(minutes=30), hours=2):
    """A 述职 meeting of the station starting in ``starts_in`` with the three deputies invited: its id."""
    start = datetime.now(timezone.utc) + starts_in
    created = client.post("/api/v1/activities", headers=world["admin"], json={
        "title": "下月述职会", "type": "report", "station_id": world["station"],
        "starts_at": iso(start), "ends_at": iso(start + timedelta(hours=hours)), "deputy_ids": world["all"]})
    assert created.status_code == 201, created.json
    return created.json["id"]


def new_poll(client, world, opened=False, starts_in=timedelta(minutes=30), **window):
    """A meeting (``new_meeting``) and its poll rating 张伟 and 李娜 (``window``: its times as sent), opened
    when ``opened``: (the meeting's id, the poll's path, the poll as created)."""
    aid = new_meeting(client, world, starts_in=starts_in)
    path = f"/api/v1/activities/{aid}/report-poll"
    created = client.post(path, headers=world["admin"], json={"deputy_ids": [world["zhang"], world["li"]], **window})
    assert created.status_code == 201, created.json
    if opened:
        assert client.post(f"{path}/open", headers=world["admin"]).status_code == 200
    return aid, path, created.json


def send(base_url, method, path, headers, body=None):
    return lambda: requests.request(method, base_url + path, json=body, headers=headers, timeout=30)


def close_early(base_url, world, aid):
    """结单 of a meeting still in its check-in window, its deputies not checked in: confirmed (``early``)."""
    return send(base_url, "POST", f"/api/v1/activities/{aid}/close", world["admin"], {"early": True})


def shown(client, world, aid):
    """The activity and its poll as the administrator reads them."""
    activity = client.get(f"/api/v1/activities/{aid}", headers=world["admin"])
    poll = client.get(f"/api/v1/activities/{aid}/report-poll", headers=world["admin"])
    assert activity.status_code == 200 and poll.status_code == 200, (activity.json, poll.json)
    return activity.json, poll.json


def assert_within_the_meeting(app, activity, poll):
    starts, ends = moment(activity["starts_at"]), moment(activity["ends_at"])
    earliest = starts - timedelta(minutes=app.config["REPORT_POLL_LEAD_MINUTES"])
    latest = ends + timedelta(minutes=app.config["REPORT_POLL_GRACE_MINUTES"])
    window = moment(poll["starts_at"]), moment(poll["ends_at"])
    assert earliest <= window[0] < window[1] <= latest and window[1] > starts, (activity, poll)


def one_winner(responses):
    winners = [r for r in responses if r.ok]
    assert len(winners) == 1, [(r.status_code, r.text[:300]) for r in responses]
    return winners[0]


def test_a_ballot_at_the_moment_a_rated_deputy_asks_for_leave(client, meeting, base_url):
    """The poll of a meeting starting in half an hour is open (its window began a minute ago) and rates 张伟
    and 李娜; a voter's ballot rating both and 李娜's 请假 arrive together. Either the ballot counts and the
    leave is refused (a voter rated her), or the leave drops her from the poll and the ballot, rating a
    deputy the poll no longer lists, is refused: never both."""
    world = plain(meeting)
    zhang, li = world["zhang"], world["li"]
    body = {"choices": [{"deputy_id": zhang, "choice": "satisfied"}, {"deputy_id": li, "choice": "basically_satisfied"}]}
    for round_ in range(ROUNDS):
        aid, path, created = new_poll(client, world, opened=True, starts_at=iso(datetime.now(timezone.utc) - timedelta(minutes=1)))
        voter = web_voter(client, 100 + round_)
        db.session.close()  # the server threads use their own sessions

        cast, declined = released_together(
            send(base_url, "POST", f"/api/v1/report-polls/{created['token']}/ballots", voter, body),
            send(base_url, "POST", f"/api/v1/activities/{aid}/decline", world["li_headers"], {"reason": "出差在外"}))

        activity, poll = shown(client, world, aid)
        status = {p["deputy"]["id"]: p["status"] for p in activity["participants"]}
        rated = db.session.scalars(
            select(ReportPollChoice.deputy_id).join(ReportPoll, ReportPoll.id == ReportPollChoice.poll_id)
            .where(ReportPoll.activity_id == aid).order_by(ReportPollChoice.deputy_id)).all()
        db.session.close()
        assert not (cast.ok and declined.ok), (cast.text, declined.text)
        if cast.status_code == 201:
            assert declined.status_code == 409, declined.text
            assert declined.json()["message"] == ("您是本次述职测评的述职代表，已有选民对您进行了测评，不能请假；"
                                                  "如确实无法参加，请联系活动管理员。"), declined.text
            assert [d["name"] for d in poll["deputies"]] == ["张伟", "李娜"]
            assert poll["ballots"] == 1
            assert status[li] != "declined"
        else:
            assert declined.status_code == 200, declined.text
            assert cast.status_code == 422, cast.text
            assert cast.json()["message"] == f"代表（编号 {li}）不在本次测评的述职代表中。", cast.text
            assert [d["name"] for d in poll["deputies"]] == ["张伟"]
            assert poll["ballots"] == 0
            assert status[li] == "declined"
        assert rated == ([zhang, li] if cast.ok else [])  # the ballot's choices, or none


def rescheduled(base_url, world, aid, start, hours=2):
    return send(base_url, "PATCH", f"/api/v1/activities/{aid}", world["admin"],
                {"starts_at": iso(start), "ends_at": iso(start + timedelta(hours=hours))})


@pytest.mark.parametrize("window", ["follows", "given"])
def test_a_reschedule_at_the_moment_the_poll_is_opened(app, client, meeting, base_url, window):
    """A meeting starting in half an hour (its poll may open now) is moved to tomorrow as an administrator
    opens its poll. A window that follows the meeting moves with it: the poll ends a draft for tomorrow,
    whether the opening came first (and the move took it back to a draft) or second (and was refused: it
    cannot open yet); never open for a meeting it could not be opened for. A window given that the moved
    meeting leaves behind refuses the move whenever it comes; the poll opens."""
    world = plain(meeting)
    lead = app.config["REPORT_POLL_LEAD_MINUTES"]
    for _ in range(ROUNDS):
        given = {"starts_at": iso(datetime.now(timezone.utc) - timedelta(minutes=1))} if window == "given" else {}
        aid, path, _ = new_poll(client, world, **given)
        before, _ = shown(client, world, aid)
        tomorrow = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1)
        db.session.close()  # the server threads use their own sessions

        moved, opened = released_together(rescheduled(base_url, world, aid, tomorrow),
                                          send(base_url, "POST", f"{path}/open", world["admin"]))

        activity, poll = shown(client, world, aid)
        assert_within_the_meeting(app, activity, poll)
        if window == "given":
            assert moved.status_code == 409 and moved.json()["message"] == MOVED, moved.text
            assert opened.status_code == 200, opened.text
            assert (activity["starts_at"], activity["ends_at"]) == (before["starts_at"], before["ends_at"])
            assert poll["status"] == "open" and poll["opened_at"] is not None
            continue
        assert moved.status_code == 200, moved.text
        assert moment(activity["starts_at"]) == tomorrow
        assert poll["status"] == "draft" and poll["opened_at"] is None, poll
        assert moment(poll["starts_at"]) == tomorrow
        if not opened.ok:
            assert opened.status_code == 409, opened.text
            assert opened.json()["message"].startswith(f"述职活动开始前 {lead} 分钟起才能开始测评"), opened.text


@pytest.mark.parametrize("poll_status", ["draft", "open"])
def test_a_reschedule_at_the_moment_the_polls_window_is_edited(app, client, meeting, base_url, poll_status):
    """The poll follows a meeting starting in half an hour. One administrator gives it a window of its own
    (from half an hour before the meeting to an hour after it, within its bounds) as another moves the
    meeting to tomorrow, where that window would not fit. Exactly one of them stands: the window given, with
    the move refused (409); or the move, the window following it, and the window given refused (422) as
    outside the moved meeting. Never both, never a window outside the meeting."""
    world = plain(meeting)
    for _ in range(ROUNDS):
        aid, path, _ = new_poll(client, world, opened=poll_status == "open")
        before, _ = shown(client, world, aid)
        starts, ends = moment(before["starts_at"]), moment(before["ends_at"])
        window = {"starts_at": iso(starts - timedelta(minutes=30)), "ends_at": iso(ends + timedelta(hours=1))}
        tomorrow = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1)
        db.session.close()  # the server threads use their own sessions

        moved, edited = released_together(rescheduled(base_url, world, aid, tomorrow),
                                          send(base_url, "PATCH", path, world["admin"], window))

        activity, poll = shown(client, world, aid)
        assert_within_the_meeting(app, activity, poll)
        winner = one_winner([moved, edited])
        if winner is edited:
            assert moved.status_code == 409 and moved.json()["message"] == MOVED, moved.text
            assert (moment(activity["starts_at"]), moment(activity["ends_at"])) == (starts, ends)
            assert (moment(poll["starts_at"]), moment(poll["ends_at"])) == (starts - timedelta(minutes=30),
                                                                             ends + timedelta(hours=1))
            assert (poll["starts_follow_activity"], poll["ends_follow_activity"]) == (False, False)
            assert poll["status"] == poll_status
        else:
            assert edited.status_code == 422, edited.text
            assert edited.json()["message"].startswith("测评时间须在活动开始前"), edited.text
            assert moment(activity["starts_at"]) == tomorrow
            assert moment(poll["starts_at"]) == tomorrow
            assert (poll["starts_follow_activity"], poll["ends_follow_activity"]) == (True, True)
            assert poll["status"] == "draft"  # an opened poll without ballots moved to another day


def test_an_opening_at_the_moment_a_rated_deputy_asks_for_leave(client, meeting, base_url):
    """The draft poll of a meeting starting in half an hour rates 张伟 and 李娜; it is opened as 李娜 asks
    for leave. Either the opening comes first and her leave drops her from the opened poll, or the leave
    comes first and the opening is refused, naming her: never an opened poll rating a deputy on leave."""
    world = plain(meeting)
    for _ in range(ROUNDS):
        aid, path, _ = new_poll(client, world)
        db.session.close()  # the server threads use their own sessions

        opened, declined = released_together(
            send(base_url, "POST", f"{path}/open", world["admin"]),
            send(base_url, "POST", f"/api/v1/activities/{aid}/decline", world["li_headers"], {"reason": "出差在外"}))

        activity, poll = shown(client, world, aid)
        assert declined.status_code == 200, declined.text
        assert {p["deputy"]["id"]: p["status"] for p in activity["participants"]}[world["li"]] == "declined"
        if opened.ok:
            assert poll["status"] == "open" and [d["name"] for d in poll["deputies"]] == ["张伟"], poll
        else:
            assert opened.status_code == 409, opened.text
            assert opened.json()["message"] == "李娜已请假，不能列为述职代表；请先修改述职代表。", opened.text
            assert poll["status"] == "draft" and [d["name"] for d in poll["deputies"]] == ["张伟", "李娜"], poll


# --- 取消 and 结单 at the instant of a ballot, an opening or a window's edit ------------------------------
# 取消 closes the meeting's poll in its own transaction, holding the poll's row before the meeting's (the order
# every path takes): the poll reads 活动已取消, is closed and takes no ballot. An opened poll outlives 结单
# until its window ends (voters still in the hall), while a draft of a 结单 meeting can no longer open. Raced
# with either, the ballot, the opening or the edit comes first (and the meeting is then cancelled or closed
# with the poll as it left it) or is refused, saying why.

CANCELLED_OPENING = "活动已取消，不能开始测评。"
CLOSED_OPENING = "活动已结单，不能再开始测评。"
CANCELLED_EDIT = "活动已取消，不能再修改测评。"
CANCELLED_BALLOT = "活动已取消，本次测评不再进行。"


def cancelled_at_once(base_url, world, aid, call):
    """取消 pressed as ``call`` runs: (the cancel's answer, the call's); the cancel always goes through."""
    cancelled, other = released_together(send(base_url, "POST", f"/api/v1/activities/{aid}/cancel", world["admin"]), call)
    assert cancelled.status_code == 200, cancelled.text
    return cancelled, other


def closed_by_the_cancel(app, client, world, aids):
    """取消 closed the poll of every cancelled meeting itself: the sweep finds none left to close."""
    for aid in aids:
        assert shown(client, world, aid)[1]["status"] == "closed"
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 0, result.output
    assert "到期结束述职测评 0 次" in result.output, result.output
    db.session.close()


def test_a_ballot_at_the_moment_the_meeting_is_cancelled(app, client, meeting, base_url):
    """A voter rates as the meeting is cancelled. Either the ballot came first (201), and the cancel, which
    waits for it, closes the poll with it counted; or the cancel came first and the ballot is refused (409
    活动已取消，本次测评不再进行。), nothing written. The poll is closed either way, never a 500."""
    world = plain(meeting)
    body = {"choices": [{"deputy_id": world["zhang"], "choice": "satisfied"},
                        {"deputy_id": world["li"], "choice": "satisfied"}]}
    aids = []
    for round_ in range(ROUNDS):
        aid, path, created = new_poll(client, world, opened=True,
                                      starts_at=iso(datetime.now(timezone.utc) - timedelta(minutes=1)))
        aids.append(aid)
        voter = web_voter(client, 170 + round_)
        db.session.close()  # the server threads use their own sessions

        _, cast = cancelled_at_once(base_url, world, aid, send(
            base_url, "POST", f"/api/v1/report-polls/{created['token']}/ballots", voter, body))

        activity, poll = shown(client, world, aid)
        assert activity["status"] == "cancelled"
        assert (poll["status"], poll["status_label"]) == ("closed", "活动已取消"), poll
        if cast.ok:
            assert cast.status_code == 201, cast.text
            assert poll["ballots"] == 1
        else:
            assert cast.status_code == 409 and cast.json()["message"] == CANCELLED_BALLOT, cast.text
            assert poll["ballots"] == 0
        db.session.close()
    closed_by_the_cancel(app, client, world, aids)


def test_an_opening_at_the_moment_the_meeting_is_cancelled(app, client, meeting, base_url):
    """The draft poll of a meeting starting in half an hour is opened as the meeting is cancelled. Either the
    opening came first (200) and the cancel closes the opened poll as it closes any: 活动已取消, ended, no
    ballot taken; or the cancel came first and the opening is refused (409 活动已取消，不能开始测评。), the
    poll closed unopened. Never a poll opened by a request that saw the meeting cancelled, never a 500."""
    world = plain(meeting)
    aids = []
    for round_ in range(ROUNDS):
        aid, path, created = new_poll(client, world)
        aids.append(aid)
        voter = web_voter(client, 150 + round_)
        db.session.close()  # the server threads use their own sessions

        _, opened = cancelled_at_once(base_url, world, aid, send(base_url, "POST", f"{path}/open", world["admin"]))

        activity, poll = shown(client, world, aid)
        assert activity["status"] == "cancelled"
        if opened.ok:
            assert opened.status_code == 200, opened.text
            assert poll["opened_at"] is not None, poll
        else:
            assert opened.status_code == 409, opened.text
            assert opened.json()["message"] == CANCELLED_OPENING, opened.text
            assert poll["opened_at"] is None, poll
        assert (poll["status"], poll["status_label"], poll["phase"]) == ("closed", "活动已取消", "ended"), poll
        body = {"choices": [{"deputy_id": world["zhang"], "choice": "satisfied"},
                            {"deputy_id": world["li"], "choice": "satisfied"}]}
        ballot = client.post(f"/api/v1/report-polls/{created['token']}/ballots", headers=voter, json=body)
        assert ballot.status_code == 409 and ballot.json["message"] == CANCELLED_BALLOT, ballot.json
        db.session.close()
    closed_by_the_cancel(app, client, world, aids)


def test_an_opening_at_the_moment_the_meeting_is_closed(client, meeting, base_url):
    """The draft poll of a meeting that began ten minutes ago is opened as an administrator 结单s it. Either
    the opening came first (200) and the poll stays open after 结单, as any opened poll does, until its window
    ends; or 结单 came first and the opening is refused (409 活动已结单，不能再开始测评。), the draft reading
    已结束 (the sweep closes it). Both always answer; never a 500."""
    world = plain(meeting)
    for _ in range(ROUNDS):
        aid, path, _ = new_poll(client, world, starts_in=-timedelta(minutes=10))
        db.session.close()  # the server threads use their own sessions

        closed, opened = released_together(close_early(base_url, world, aid),
                                           send(base_url, "POST", f"{path}/open", world["admin"]))

        assert closed.status_code == 200 and closed.json()["summary"]["already_closed"] is False, closed.text
        activity, poll = shown(client, world, aid)
        assert activity["status"] == "closed"
        if opened.ok:
            assert opened.status_code == 200, opened.text
            assert poll["status"] == "open" and poll["opened_at"] is not None, poll
            assert (poll["status_label"], poll["phase"]) == ("测评中", "open"), poll
        else:
            assert opened.status_code == 409, opened.text
            assert opened.json()["message"] == CLOSED_OPENING, opened.text
            assert poll["status"] == "draft" and poll["opened_at"] is None, poll
            assert (poll["status_label"], poll["phase"]) == ("已结束", "ended"), poll
        db.session.close()


@pytest.mark.parametrize("poll_status", ["draft", "open"])
def test_a_window_edited_at_the_moment_the_meeting_is_cancelled(app, client, meeting, base_url, poll_status):
    """The poll follows a meeting starting in half an hour; an administrator gives it a window of its own
    (half an hour before the meeting to an hour after it) as another cancels the meeting. Either the edit
    came first (200: the poll the cancel closed keeps the window given) or the cancel did and the edit is
    refused (409 活动已取消，不能再修改测评。), the window still following the meeting. Never a 500."""
    world = plain(meeting)
    aids = []
    for _ in range(ROUNDS):
        aid, path, _ = new_poll(client, world, opened=poll_status == "open")
        aids.append(aid)
        before, was = shown(client, world, aid)
        starts, ends = moment(before["starts_at"]), moment(before["ends_at"])
        window = {"starts_at": iso(starts - timedelta(minutes=30)), "ends_at": iso(ends + timedelta(hours=1))}
        db.session.close()  # the server threads use their own sessions

        _, edited = cancelled_at_once(base_url, world, aid, send(base_url, "PATCH", path, world["admin"], window))

        activity, poll = shown(client, world, aid)
        assert activity["status"] == "cancelled"
        assert (moment(activity["starts_at"]), moment(activity["ends_at"])) == (starts, ends)
        if edited.ok:
            assert edited.status_code == 200, edited.text
            assert (moment(poll["starts_at"]), moment(poll["ends_at"])) == (starts - timedelta(minutes=30),
                                                                             ends + timedelta(hours=1))
            assert (poll["starts_follow_activity"], poll["ends_follow_activity"]) == (False, False)
        else:
            assert edited.status_code == 409, edited.text
            assert edited.json()["message"] == CANCELLED_EDIT, edited.text
            assert (poll["starts_at"], poll["ends_at"]) == (was["starts_at"], was["ends_at"])
            assert (poll["starts_follow_activity"], poll["ends_follow_activity"]) == (True, True)
        assert (poll["status"], poll["status_label"], poll["phase"]) == ("closed", "活动已取消", "ended"), poll
        db.session.close()
    closed_by_the_cancel(app, client, world, aids)


def test_a_drafts_window_edited_at_the_moment_the_meeting_is_closed(client, meeting, base_url):
    """The draft poll of a meeting that began ten minutes ago gets a window of its own as the meeting is
    结单: either the edit came first (200, the window given) or 结单 did and the edit is refused (409
    活动已结单，不能再修改测评。: a draft of a 结单 meeting can no longer open), the window as it was."""
    world = plain(meeting)
    for _ in range(ROUNDS):
        aid, path, _ = new_poll(client, world, starts_in=-timedelta(minutes=10))
        before, was = shown(client, world, aid)
        ends = moment(before["ends_at"])
        db.session.close()  # the server threads use their own sessions

        closed, edited = released_together(close_early(base_url, world, aid),
                                           send(base_url, "PATCH", path, world["admin"],
                                                {"ends_at": iso(ends + timedelta(hours=1))}))

        assert closed.status_code == 200 and closed.json()["summary"]["already_closed"] is False, closed.text
        activity, poll = shown(client, world, aid)
        assert activity["status"] == "closed"
        if edited.ok:
            assert edited.status_code == 200, edited.text
            assert moment(poll["ends_at"]) == ends + timedelta(hours=1) and poll["ends_follow_activity"] is False
        else:
            assert edited.status_code == 409, edited.text
            assert edited.json()["message"] == "活动已结单，不能再修改测评。", edited.text
            assert poll["ends_at"] == was["ends_at"] and poll["ends_follow_activity"] is True
        assert poll["status"] == "draft" and (poll["status_label"], poll["phase"]) == ("已结束", "ended"), poll
        db.session.close()
