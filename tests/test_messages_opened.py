"""消息中心: a notice is read once its addressee opens the item it is about, however they got there (the WeChat
notice itself, 我的建议, 我的调研, a list) — not only by tapping it in 消息. Anyone else's notice about the same
item stays unread, and opening an item no notice is about changes nothing."""
import pytest

from backend.extensions import db

from .factories import sent_statements
from .test_appointments import ask, reception
from .test_consultations import legis, opened, opinion  # noqa: F401 (legis: a fixture)
from .test_messages import filed_accepted_replied, unread
from .test_research import new_topic, take
from .test_suggestions import file

MESSAGES = "/api/v1/me/messages"


@pytest.fixture
def world(app, factory):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", address="人民路 18 号")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[station])
    li = factory.deputy(tree["hc"], "李娜", phone="13800000004", stations=[station])
    zhou = factory.deputy(tree["hc"], "周强", phone="13800000005")
    return {"app": app, "station": station, "zhang": zhang, "li": li, "zhou": zhou,
            "admin": factory.headers_for_admin(factory.admin("chengbei", stations=[station])),
            "hh": factory.headers_for_admin(factory.admin("huaihua", region=tree["hh"])),
            "deputy": factory.deputy_headers(zhang), "li_h": factory.deputy_headers(li),
            "zhou_h": factory.deputy_headers(zhou),
            "citizen": factory.wechat_login("citizen-wang"), "stranger": factory.wechat_login("citizen-zhao")}


def read_flags(client, headers):
    """Each of the user's messages as (page, read), newest first."""
    return [(m["page"], m["read"]) for m in client.get(MESSAGES, headers=headers).json["items"]]


def test_opening_a_suggestion_reads_its_notices_and_only_the_openers(client, world):
    citizen, deputy = world["citizen"], world["deputy"]
    item = filed_accepted_replied(client, world, citizen)  # the citizen: 已受理, 已答复; the deputy: 新的群众建议
    page = f"pages/suggestion/detail?id={item['id']}"
    other = file(client, citizen, world["zhang"].qr_code).json  # no notice to the citizen about this one
    assert unread(client, citizen) == 2 and unread(client, deputy) == 1

    # An item no notice of theirs is about: nothing changes.
    assert client.get(f"/api/v1/suggestions/{other['id']}", headers=citizen).status_code == 200
    assert unread(client, citizen) == 2

    assert client.get(f"/api/v1/suggestions/{item['id']}", headers=citizen).status_code == 200
    assert unread(client, citizen) == 0
    assert read_flags(client, citizen) == [(page, True), (page, True)]
    # The deputy's notice about the same item is theirs: still unread until they open it.
    assert read_flags(client, deputy) == [(page, False)] and unread(client, deputy) == 1

    # Someone who may not see the item marks nothing (the answer is 404).
    assert client.get(f"/api/v1/suggestions/{item['id']}", headers=world["stranger"]).status_code == 404
    assert unread(client, deputy) == 1

    assert client.get(f"/api/v1/suggestions/{item['id']}", headers=deputy).status_code == 200
    assert unread(client, deputy) == 0 and read_flags(client, deputy) == [(page, True)]


def test_opening_an_activity_reads_the_openers_invitation_only(client, world):
    activity_id = reception(client, world, [world["zhang"], world["li"]])
    page = f"pages/activity/detail?id={activity_id}"
    assert read_flags(client, world["deputy"]) == [(page, False)] and read_flags(client, world["li_h"]) == [(page, False)]

    assert client.get(f"/api/v1/activities/{activity_id}", headers=world["deputy"]).status_code == 200
    assert unread(client, world["deputy"]) == 0 and read_flags(client, world["deputy"]) == [(page, True)]
    assert unread(client, world["li_h"]) == 1 and read_flags(client, world["li_h"]) == [(page, False)]


def test_opening_an_appointment_reads_its_notice(client, world):
    asked = ask(client, world["citizen"], world["zhang"].qr_code)
    assert asked.status_code == 201, asked.json
    page = f"pages/appointment/detail?id={asked.json['id']}"
    assert read_flags(client, world["deputy"]) == [(page, False)]

    assert client.get(f"/api/v1/appointments/{asked.json['id']}", headers=world["deputy"]).status_code == 200
    assert unread(client, world["deputy"]) == 0 and read_flags(client, world["deputy"]) == [(page, True)]


def test_opening_a_research_team_reads_the_openers_notice_only(client, world):
    topic = new_topic(client, world["hh"], title="营商环境调研")
    team = take(client, world["deputy"], topic["id"], member_deputy_ids=[world["li"].id, world["zhou"].id])
    assert team.status_code == 201, team.json
    page = f"pages/research/team?id={team.json['id']}"
    assert read_flags(client, world["li_h"]) == [(page, False)] and read_flags(client, world["zhou_h"]) == [(page, False)]

    # The topic's page is not the team's: the notice stays unread.
    assert client.get(f"/api/v1/research/topics/{topic['id']}", headers=world["li_h"]).status_code == 200
    assert unread(client, world["li_h"]) == 1

    assert client.get(f"/api/v1/research/teams/{team.json['id']}", headers=world["li_h"]).status_code == 200
    assert unread(client, world["li_h"]) == 0 and read_flags(client, world["li_h"]) == [(page, True)]
    assert unread(client, world["zhou_h"]) == 1


def test_a_consultations_page_reads_the_answer_to_the_openers_opinion(client, legis):  # noqa: F811
    """The notice of an opinion's feedback opens the draft's page, which reads the caller's own opinions on it
    (``my-opinions?consultation_id=``; the draft itself is public, read by no one in particular)."""
    admin, citizen, other = legis["admins"]["hh"], legis["citizen"], legis["factory"].wechat_login("someone-else")
    c = opened(client, admin)
    page = f"pages/consultations/detail?id={c['id']}"
    for headers in (citizen, other):
        given = opinion(client, headers, c["id"]).json
        answered = client.post(f"/api/v1/consultations/{c['id']}/opinions/{given['id']}/feedback",
                               json={"result": "adopted"}, headers=admin)
        assert answered.status_code == 200, answered.json
    assert read_flags(client, citizen) == [(page, False)] and read_flags(client, other) == [(page, False)]

    # Every opinion of theirs, on any draft, is not this draft's page.
    assert client.get("/api/v1/consultations/my-opinions", headers=citizen).status_code == 200
    assert unread(client, citizen) == 1

    mine = client.get("/api/v1/consultations/my-opinions", query_string={"consultation_id": c["id"]}, headers=citizen)
    assert mine.status_code == 200 and [o["feedback_label"] for o in mine.json["items"]] == ["采纳"]
    assert unread(client, citizen) == 0 and read_flags(client, citizen) == [(page, True)]
    assert unread(client, other) == 1


def test_an_item_opened_sends_one_update_over_the_unread_index(client, world):
    """The mark costs the detail one statement, an UPDATE of the opener's own unread rows read through
    ix_outbox_messages_unread (never a read of every message), whatever else they have. Counted, never timed."""
    from .test_scale_queries import _plan

    citizen = world["citizen"]
    item = filed_accepted_replied(client, world, citizen)
    db.session.commit()
    with sent_statements(world["app"], with_parameters=True) as sent:
        assert client.get(f"/api/v1/suggestions/{item['id']}", headers=citizen).status_code == 200
    writes = [(s, p) for s, p in sent if s.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]
    assert len(writes) == 1 and writes[0][0].lstrip().startswith("UPDATE outbox_messages"), writes
    assert "ix_outbox_messages_unread" in _plan(world["app"], *writes[0], ("enable_seqscan",),
                                                 ("ix_outbox_messages_user_newest",))
    assert unread(client, citizen) == 0 and unread(client, world["deputy"]) == 1
