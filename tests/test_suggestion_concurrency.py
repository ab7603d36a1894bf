"""Two people act on the same suggestion at the same moment, over real HTTP to a threaded server.

Each race is run several times on fresh items. Whatever the interleaving, nobody sees a 500, the
loser gets a 409 (``invalid_transition`` or ``conflict``), and the item's status and timeline tell
the story of exactly the steps that were answered with success, in an order that could really
have happened one after the other.
"""

import pytest
import requests
from sqlalchemy import select

from backend.extensions import db
from backend.suggestions.models import SuggestionRating

from .parallel import released_together

ROUNDS = 5
LOSER_ERRORS = {"invalid_transition", "conflict"}


@pytest.fixture
def world(factory, app, base_url):
    """A station with its administrator, two deputies bound in WeChat and two citizens."""
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[station])
    li = factory.deputy(tree["hc"], "李娜", phone="13800000004", stations=[station])
    admin = factory.admin("chengbei", stations=[station])
    world = {
        "base": base_url,
        "zhang": zhang.id,
        "li": li.id,
        "admin": factory.headers_for_admin(admin),
        "zhang_h": factory.deputy_headers(zhang),
        "citizen": factory.wechat_login("citizen-wang"),
        "neighbour": factory.wechat_login("citizen-zhao"),
        "deputy_code": zhang.qr_code,
        "station_code": station.qr_code,
    }
    # The server threads use their own sessions; this thread holds nothing open while they race.
    db.session.close()
    return world


def post(world, headers, path, body=None):
    return requests.post(world["base"] + "/api/v1/suggestions" + path, json=body, headers=headers, timeout=30)


def file(world, headers, code, content="小区门口路灯坏了一个月，晚上很黑。"):
    response = post(world, headers, "", {"qr_code": code, "category": "城市管理", "content": content})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def step(world, headers, item_id, action, **body):
    response = post(world, headers, f"/{item_id}/{action}", body or None)
    assert response.status_code == 200, response.text
    return response.json()


def detail(world, item_id):
    response = requests.get(f"{world['base']}/api/v1/suggestions/{item_id}", headers=world["admin"], timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def race(*calls, also_allowed=()):
    """Run the calls in parallel threads released together; their responses in the same order.

    A loser answers 409, or one of ``also_allowed`` when it can legitimately run second.
    """
    results = released_together(*calls)
    for result in results:
        if result.status_code >= 400 and result.status_code not in also_allowed:
            assert result.status_code == 409, result.text
            assert result.json()["error"] in LOSER_ERRORS, result.text
    return results


def one_winner(responses):
    """Exactly one answer is a success; returns its index."""
    winners = [i for i, r in enumerate(responses) if r.ok]
    assert len(winners) == 1, [(r.status_code, r.text[:200]) for r in responses]
    return winners[0]


def actions(item):
    return [line["action"] for line in item["timeline"]]


def test_two_accepts_by_the_assigned_deputy(world):
    for _ in range(ROUNDS):
        item_id = file(world, world["citizen"], world["deputy_code"])
        one_winner(race(*[lambda: post(world, world["zhang_h"], f"/{item_id}/accept")] * 2))
        item = detail(world, item_id)
        assert item["status"] == "accepted"
        assert actions(item) == ["file", "accept"]


def test_dispatch_and_withdrawal_of_a_pending_item(world):
    """Both steps are allowed from ``pending``, and withdrawal also from ``assigned``; so either one
    wins, or the dispatch completed before the withdrawal read the item and both stand in that order."""
    for _ in range(ROUNDS):
        item_id = file(world, world["citizen"], world["station_code"])
        dispatched, withdrawn = race(
            lambda: post(world, world["admin"], f"/{item_id}/dispatch", {"deputy_id": world["zhang"]}),
            lambda: post(world, world["citizen"], f"/{item_id}/withdraw"),
        )
        item = detail(world, item_id)
        if dispatched.ok and withdrawn.ok:
            assert (item["status"], actions(item)) == ("withdrawn", ["file", "dispatch", "withdraw"])
        elif dispatched.ok:
            assert (item["status"], actions(item)) == ("assigned", ["file", "dispatch"])
            assert item["deputy"]["id"] == world["zhang"]
        else:
            assert withdrawn.ok, (dispatched.text, withdrawn.text)
            assert (item["status"], actions(item)) == ("withdrawn", ["file", "withdraw"])
            assert item["deputy"] is None


def test_rejection_and_withdrawal_of_a_pending_item(world):
    """Both end the item, so exactly one can ever succeed."""
    for _ in range(ROUNDS):
        item_id = file(world, world["citizen"], world["station_code"])
        winner = one_winner(race(
            lambda: post(world, world["admin"], f"/{item_id}/reject", {"reason": "不属于人大代表履职范围"}),
            lambda: post(world, world["citizen"], f"/{item_id}/withdraw"),
        ))
        item = detail(world, item_id)
        expected = [("rejected", "reject"), ("withdrawn", "withdraw")][winner]
        assert (item["status"], actions(item)) == (expected[0], ["file", expected[1]])


def test_two_ratings_of_one_answer(world):
    for _ in range(ROUNDS):
        item_id = file(world, world["citizen"], world["deputy_code"])
        step(world, world["zhang_h"], item_id, "accept")
        step(world, world["zhang_h"], item_id, "reply", content="已联系城管局，三日内修好。")
        winner = one_winner(race(
            lambda: post(world, world["citizen"], f"/{item_id}/rate", {"satisfaction": "satisfied"}),
            lambda: post(world, world["citizen"], f"/{item_id}/rate", {"satisfaction": "dissatisfied"}),
        ))
        item = detail(world, item_id)
        assert actions(item) == ["file", "accept", "reply", "rate"]
        ratings = db.session.scalars(select(SuggestionRating.satisfaction).where(SuggestionRating.suggestion_id == item_id)).all()
        db.session.close()
        if winner == 0:
            assert (item["status"], item["satisfaction"], item["round"]) == ("closed", "satisfied", 1)
            assert [r.value for r in ratings] == ["satisfied"]
        else:  # re-opened: the new round awaits its own rating
            assert (item["status"], item["satisfaction"], item["round"]) == ("accepted", None, 2)
            assert [r.value for r in ratings] == ["dissatisfied"]


def test_two_dispatches_at_once(world):
    """Re-dispatching an assigned item is allowed, so both may succeed one after the other; then the
    timeline holds both lines and the item sits with the deputy of the last one."""
    for _ in range(ROUNDS):
        item_id = file(world, world["citizen"], world["station_code"])
        responses = race(
            lambda: post(world, world["admin"], f"/{item_id}/dispatch", {"deputy_id": world["zhang"]}),
            lambda: post(world, world["admin"], f"/{item_id}/dispatch", {"deputy_id": world["li"]}),
        )
        item = detail(world, item_id)
        dispatch_lines = [line for line in item["timeline"] if line["action"] == "dispatch"]
        assert len(dispatch_lines) == sum(r.ok for r in responses) >= 1
        assert item["status"] == "assigned"
        assert item["deputy"]["id"] in {r.json()["deputy"]["id"] for r in responses if r.ok}
        assert dispatch_lines[-1]["to_status"] == "assigned"


def test_one_duplicate_merged_into_two_items_at_once(world):
    for _ in range(ROUNDS):
        first = file(world, world["citizen"], world["station_code"])
        second = file(world, world["citizen"], world["station_code"], "门口路灯坏了")
        duplicate = file(world, world["neighbour"], world["station_code"], "路灯不亮")
        winner = one_winner(race(
            lambda: post(world, world["admin"], f"/{duplicate}/merge", {"into_id": first}),
            lambda: post(world, world["admin"], f"/{duplicate}/merge", {"into_id": second}),
        ))
        survivor, other = (first, second) if winner == 0 else (second, first)
        merged = detail(world, duplicate)
        assert (merged["status"], merged["merged_into"]) == ("closed", survivor)
        assert actions(merged) == ["file", "merge"]
        assert actions(detail(world, survivor)) == ["file", "merged_in"]
        assert actions(detail(world, other)) == ["file"]


def test_two_items_merged_into_each_other_at_once(world):
    """A into B and B into A: one merge wins; the other must not close the survivor too."""
    for _ in range(ROUNDS):
        a = file(world, world["citizen"], world["station_code"])
        b = file(world, world["neighbour"], world["station_code"], "门口路灯坏了")
        responses = race(
            lambda: post(world, world["admin"], f"/{a}/merge", {"into_id": b}),
            lambda: post(world, world["admin"], f"/{b}/merge", {"into_id": a}),
            also_allowed=(422,),
        )
        # The loser is a 409 when the two overlapped, or a 422 (target already closed) when it ran second.
        winners = [i for i, r in enumerate(responses) if r.ok]
        assert len(winners) == 1, [(r.status_code, r.text[:200]) for r in responses]
        merged, survivor = (a, b) if winners[0] == 0 else (b, a)
        assert detail(world, merged)["merged_into"] == survivor
        kept = detail(world, survivor)
        assert (kept["status"], kept["merged_into"]) == ("pending", None)
        assert actions(kept) == ["file", "merged_in"]


def test_the_same_filing_sent_twice_with_one_idempotency_key(world):
    for round_ in range(ROUNDS):
        headers = world["citizen"] | {"Idempotency-Key": f"flaky-network-{round_}"}
        body = {"qr_code": world["deputy_code"], "category": "城市管理", "content": f"第 {round_} 条：路灯坏了"}
        responses = race(*[lambda: post(world, headers, "", body)] * 2)
        created = [r for r in responses if r.ok]
        assert created, [r.text for r in responses]
        assert all(r.status_code == 201 for r in created)
        for r in responses:
            if not r.ok:
                assert r.json()["error"] == "conflict" and "正在处理中" in r.json()["message"], r.text
        assert len({r.json()["id"] for r in created}) == 1
        mine = requests.get(world["base"] + "/api/v1/suggestions?scope=mine&per_page=100", headers=world["citizen"],
                            timeout=30).json()
        assert mine["total"] == round_ + 1
        assert sum(i["content"] == body["content"] for i in mine["items"]) == 1


def test_a_step_retried_with_its_key_while_the_first_runs_answers_the_first_result(world):
    """The mini-program re-sends a step with the same Idempotency-Key after a timeout or a second tap; a
    retry that arrives while the first is still being processed is this user's own step, not someone else's."""
    for round_ in range(3):
        item_id = file(world, world["citizen"], world["deputy_code"])
        for who, action, body, status in ((world["zhang_h"], "accept", None, "accepted"),
                                          (world["zhang_h"], "reply", {"content": "已处理。"}, "replied"),
                                          (world["citizen"], "rate", {"satisfaction": "satisfied"}, "closed")):
            keyed = {**who, "Idempotency-Key": f"{action}-{round_}"}
            answers = released_together(*[lambda: post(world, keyed, f"/{item_id}/{action}", body)] * 3)
            assert [a.status_code for a in answers] == [200] * 3, [a.json() for a in answers]
            assert {a.json()["status"] for a in answers} == {status}
            assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 2
