"""述职测评 raced over real HTTP to a threaded server: a ballot at the instant a rated deputy asks for leave
(请假).

Each race runs several times on fresh meetings. Whatever the interleaving, nobody sees a 500, and the end
state is one that the two requests, answered as they were, could have left one after the other: a ballot
and the leave of a deputy it rated are never both taken.
"""
from datetime import datetime, timedelta, timezone

import requests
from sqlalchemy import select

from backend.activities.models import ReportPoll, ReportPollChoice
from backend.extensions import db

from .parallel import released_together
from .test_report_polls import iso, meeting, web_voter  # noqa: F401  (fixture)

ROUNDS = 5


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


def send(base_url, method, path, headers, body=None):
    return lambda: requests.request(method, base_url + path, json=body, headers=headers, timeout=30)


def shown(client, world, aid):
    """The activity and its poll as the administrator reads them."""
    activity = client.get(f"/api/v1/activities/{aid}", headers=world["admin"])
    poll = client.get(f"/api/v1/activities/{aid}/report-poll", headers=world["admin"])
    assert activity.status_code == 200 and poll.status_code == 200, (activity.json, poll.json)
    return activity.json, poll.json


def test_a_ballot_at_the_moment_a_rated_deputy_asks_for_leave(client, meeting, base_url):
    """The poll of a meeting starting in half an hour is open (its window began a minute ago) and rates 张伟
    and 李娜; a voter's ballot rating both and 李娜's 请假 arrive together. Either the ballot counts and the
    leave is refused (a voter rated her), or the leave drops her from the poll and the ballot, rating a
    deputy the poll no longer lists, is refused: never both."""
    world = plain(meeting)
    zhang, li = world["zhang"], world["li"]
    body = {"choices": [{"deputy_id": zhang, "choice": "satisfied"}, {"deputy_id": li, "choice": "basically_satisfied"}]}
    for round_ in range(ROUNDS):
        aid = new_meeting(client, world)
        path = f"/api/v1/activities/{aid}/report-poll"
        created = client.post(path, headers=world["admin"], json={
            "deputy_ids": [zhang, li], "starts_at": iso(datetime.now(timezone.utc) - timedelta(minutes=1))})
        assert created.status_code == 201, created.json
        assert client.post(f"{path}/open", headers=world["admin"]).status_code == 200
        voter = web_voter(client, 100 + round_)
        db.session.close()  # the server threads use their own sessions

        cast, declined = released_together(
            send(base_url, "POST", f"/api/v1/report-polls/{created.json['token']}/ballots", voter, body),
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

