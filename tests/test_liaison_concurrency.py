"""联系清单 raced over real HTTP to a threaded server (the row locks matter on PostgreSQL; SQLite lets one
writer in at a time): a contact recorded while the deputy is taken off the list, or while the liaison is
deleted, is kept exactly when answered 201; the same deputies given twice at once are given once."""
import pytest
import requests
from sqlalchemy import func, select

from backend.db_types import CHINA, utcnow
from backend.extensions import db
from backend.liaisons.models import Liaison, LiaisonContact, LiaisonDeputy

from .parallel import released_together

ROUNDS = 3


@pytest.fixture
def team(factory, app, base_url):
    tree = factory.tree()
    deputies = [factory.deputy(tree["hc"], f"代表{i}", phone=f"1380000020{i}").id for i in range(3)]
    team = {"base": base_url, "admin": factory.headers_for_admin(factory.admin("huaihua", region=tree["hh"])),
            "deputies": deputies}
    db.session.close()  # the server threads use their own sessions
    return team


def call(team, method, path, body=None):
    return requests.request(method, team["base"] + "/api/v1/liaisons" + path, json=body, headers=team["admin"],
                            timeout=30)


def new_liaison(team, deputy_ids=()):
    liaison_id = call(team, "POST", "", {"name": "教育科学文化卫生委员会", "kind": "committee"}).json()["id"]
    if deputy_ids:
        assert call(team, "POST", f"/{liaison_id}/deputies", {"deputy_ids": list(deputy_ids)}).status_code == 200
    return liaison_id


def contact_body(deputy_id):
    return {"deputy_id": deputy_id, "date": utcnow().astimezone(CHINA).date().isoformat(), "way": "phone",
            "summary": "电话了解情况"}


def count(model, *where):
    db.session.close()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_contact_racing_the_deputys_removal_is_kept_only_when_answered_201(team):
    deputy = team["deputies"][0]
    for _ in range(ROUNDS):
        liaison_id = new_liaison(team, [deputy])
        recorded, removed = released_together(
            lambda: call(team, "POST", f"/{liaison_id}/contacts", contact_body(deputy)),
            lambda: call(team, "POST", f"/{liaison_id}/deputies/remove", {"deputy_ids": [deputy]}))
        assert removed.status_code == 200 and removed.json()["removed"] == 1
        assert recorded.status_code in (201, 422), recorded.text
        if recorded.status_code == 422:
            assert recorded.json()["message"] == "该代表不在本联系人的联系名单中，请先安排联系。"
        assert count(LiaisonContact, LiaisonContact.liaison_id == liaison_id) == (recorded.status_code == 201)


def test_a_contact_racing_the_liaisons_deletion_one_of_them_wins(team):
    deputy = team["deputies"][1]
    for _ in range(ROUNDS):
        liaison_id = new_liaison(team, [deputy])
        recorded, deleted = released_together(
            lambda: call(team, "POST", f"/{liaison_id}/contacts", contact_body(deputy)),
            lambda: call(team, "DELETE", f"/{liaison_id}"))
        outcome = (recorded.status_code, deleted.status_code)
        assert outcome in ((201, 409), (404, 204), (409, 204)), (outcome, recorded.text, deleted.text)
        assert count(Liaison, Liaison.id == liaison_id) == (deleted.status_code == 409)
        assert count(LiaisonContact, LiaisonContact.liaison_id == liaison_id) == (recorded.status_code == 201)


def test_the_same_deputies_given_twice_at_once_are_given_once(team):
    for _ in range(ROUNDS):
        liaison_id = new_liaison(team)
        answers = released_together(*[
            lambda: call(team, "POST", f"/{liaison_id}/deputies", {"deputy_ids": team["deputies"]})
            for _ in range(3)])
        assert {a.status_code for a in answers} <= {200, 409}, [a.text for a in answers]
        assert count(LiaisonDeputy, LiaisonDeputy.liaison_id == liaison_id) == 3
        assert call(team, "GET", f"/{liaison_id}").json()["deputies"] == 3


def test_a_contact_deleted_twice_at_once_is_deleted_and_logged_once(team):
    """删除联系记录 sent twice at once (a double tap, two administrators): one 204, the other 404 联系记录不存在。,
    and the 操作日志 records the deletion once."""
    from backend.audit.models import AuditEvent

    deputy = team["deputies"][0]
    for _ in range(ROUNDS):
        liaison_id = new_liaison(team, [deputy])
        recorded = call(team, "POST", f"/{liaison_id}/contacts", contact_body(deputy))
        assert recorded.status_code == 201, recorded.text
        since = count(AuditEvent, AuditEvent.action == "liaison_contact_deleted")
        first, second = released_together(*[lambda: call(team, "DELETE", f"/contacts/{recorded.json()['id']}")] * 2)
        answers = sorted((r.status_code, r.json()["message"] if r.status_code == 404 else "") for r in (first, second))
        assert answers == [(204, ""), (404, "联系记录不存在。")], answers
        assert count(AuditEvent, AuditEvent.action == "liaison_contact_deleted") == since + 1
