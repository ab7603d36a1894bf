"""办理结果通知 (template key ``answer``): a citizen who proposed a 民生实事 project or gave an opinion on a draft
regulation is told in WeChat when an administrator answers it (采纳 / 不予采纳; 采纳 / 部分采纳 / 未采纳), through the
outbox and the sweep; once per answer, never to a browser identity."""
from datetime import datetime

import pytest
from sqlalchemy import select

from backend.db_types import CHINA
from backend.extensions import db
from backend.notifications.models import OutboxMessage

from .test_consultations import API as CONSULTATIONS
from .test_consultations import legis, opened, opinion  # noqa: F401
from .test_livelihood import API as LIVELIHOOD
from .test_livelihood import ballot, close, congress, new_round, propose  # noqa: F401
from .test_web_pages import bearer, web_identity

CITIZEN = "fake-openid-citizen-liu"


def sweep(app):
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 0, result.output
    return result.output


def answers(app, wechat_standin):
    """Run the sweep; what the stand-in received of the ``answer`` template: (openid, page, data values)."""
    sweep(app)
    return [(m["touser"], m.get("page"), {k: v["value"] for k, v in m["data"].items()})
            for m in wechat_standin.messages() if m["template_id"] == "tmpl-answer"]


def now_in_china(dt_text):
    """``time4`` as the message says it: the answer's time in China time, to the minute."""
    return datetime.fromisoformat(dt_text).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def queued():
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "answer")).all()


# --- 民生实事 proposals ----------------------------------------------------------------------------------


def test_an_adopted_proposal_tells_its_citizen_once(app, client, congress, wechat_standin):  # noqa: F811
    citizen, admin, tree = congress["citizen"], congress["admins"]["hc"], congress["tree"]
    proposal = propose(client, citizen, tree["hc"], title="修建农贸市场停车场").json
    vote_id, _ = new_round(client, admin, projects=())
    url = f"{LIVELIHOOD}/proposals/{proposal['id']}/adopt"
    adopted = client.post(url, json={"vote_id": vote_id}, headers=admin)
    assert adopted.status_code == 200, adopted.json
    # A retry, and a repeated answer, are refused and queue nothing more.
    assert client.post(url, json={"vote_id": vote_id}, headers=admin).status_code == 409
    again = client.post(f"{LIVELIHOOD}/proposals/{proposal['id']}/decline", json={"reason": "重复"}, headers=admin)
    assert again.status_code == 409
    assert answers(app, wechat_standin) == [(CITIZEN, "pages/livelihood/proposals", {
        "thing1": "修建农贸市场停车场", "phrase2": "已采纳", "thing3": "已列为民生实事票决候选项目",
        "time4": now_in_china(adopted.json["decided_at"]),
    })]
    assert len(answers(app, wechat_standin)) == 1  # a later sweep sends nothing again


def test_a_declined_proposal_tells_its_citizen_the_reason(app, client, congress, wechat_standin):  # noqa: F811
    citizen, admin, tree = congress["citizen"], congress["admins"]["hc"], congress["tree"]
    title = "在城北镇中心修建一座大型的室内体育馆和游泳池"  # longer than a thing's 20 characters
    proposal = propose(client, citizen, tree["hcx"], title=title).json
    reason = "该项目投资较大，已纳入区十四五规划统筹考虑，暂不列入本年度民生实事"
    declined = client.post(f"{LIVELIHOOD}/proposals/{proposal['id']}/decline", json={"reason": reason}, headers=admin)
    assert declined.status_code == 200, declined.json
    assert answers(app, wechat_standin) == [(CITIZEN, "pages/livelihood/proposals", {
        "thing1": title[:19] + "…", "phrase2": "未采纳", "thing3": reason[:19] + "…",
        "time4": now_in_china(declined.json["decided_at"]),
    })]


def test_a_proposal_adopted_again_after_its_candidate_was_removed_tells_again(app, client, congress,  # noqa: F811
                                                                               wechat_standin):
    """Taken out of the draft round it went to, the proposal is 待处理 again; its next answer is news."""
    citizen, admin, tree = congress["citizen"], congress["admins"]["hc"], congress["tree"]
    proposal = propose(client, citizen, tree["hc"]).json
    vote_id, _ = new_round(client, admin, projects=())
    project = client.post(f"{LIVELIHOOD}/proposals/{proposal['id']}/adopt", json={"vote_id": vote_id},
                          headers=admin).json["project_id"]
    # Sent before the change of mind (one still waiting would be restated instead: one message, the latest answer).
    assert [(m[2]["phrase2"], m[2]["thing3"]) for m in answers(app, wechat_standin)] == [
        ("已采纳", "已列为民生实事票决候选项目")]
    assert client.delete(f"{LIVELIHOOD}/votes/{vote_id}/projects/{project}", headers=admin).status_code == 204
    declined = client.post(f"{LIVELIHOOD}/proposals/{proposal['id']}/decline", json={"reason": "已由其他项目覆盖"},
                           headers=admin)
    assert declined.status_code == 200, declined.json
    assert [(m[2]["phrase2"], m[2]["thing3"]) for m in answers(app, wechat_standin)] == [
        ("已采纳", "已列为民生实事票决候选项目"), ("未采纳", "已由其他项目覆盖")]


@pytest.mark.parametrize("ballots, results", [(3, ["已当选", "未当选"]), (2, ["票决无效", "票决无效"])])
def test_the_citizens_whose_proposals_were_voted_on_are_told_the_result(app, client, congress,  # noqa: F811
                                                                        wechat_standin, ballots, results):
    """The round closes: each citizen whose proposal became a candidate is told whether it was elected (当选),
    or that the round was void (fewer than three ballots); the round's own candidates tell nobody."""
    citizen, admin, tree = congress["citizen"], congress["admins"]["hc"], congress["tree"]
    vote_id, own = new_round(client, admin, places=1, projects=("乡村道路硬化",))
    candidates = []
    for title in ("修建农贸市场停车场", "增设社区路灯"):
        proposal = propose(client, citizen, tree["hc"], title=title).json
        adopted = client.post(f"{LIVELIHOOD}/proposals/{proposal['id']}/adopt", json={"vote_id": vote_id}, headers=admin)
        candidates.append(adopted.json["project_id"])
    assert client.post(f"{LIVELIHOOD}/votes/{vote_id}/open", headers=admin).status_code == 200
    ids = [*own, *candidates]
    for headers in congress["headers"][:ballots]:
        assert ballot(client, headers, vote_id, ids, ["against", "for", "against"]).status_code == 201
    answers(app, wechat_standin)  # the two 已采纳 of the proposals, sent before the close
    closed = close(client, admin, vote_id)
    assert closed.status_code == 200, closed.json
    told = answers(app, wechat_standin)[2:]
    assert told == [(CITIZEN, "pages/livelihood/proposals", {
        "thing1": title, "phrase2": result, "thing3": "2027 年鹤城区民生实事项目票决",
        "time4": now_in_china(closed.json["closed_at"]),
    }) for title, result in zip(("修建农贸市场停车场", "增设社区路灯"), results)]
    assert answers(app, wechat_standin)[2:] == told  # once
    mine = client.get(f"{LIVELIHOOD}/proposals", headers=citizen).json["items"]
    void = ballots < 3
    assert sorted((p["title"], p["adopted"], p["vote_void"]) for p in mine) == [
        ("修建农贸市场停车场", not void, void), ("增设社区路灯", False, void)]


def test_a_browser_identity_is_told_nothing(app, client, congress, wechat_standin):  # noqa: F811
    admin, tree = congress["admins"]["hc"], congress["tree"]
    browser = bearer(web_identity(client)["token"])
    first = propose(client, browser | {"Idempotency-Key": "answer-web-1"}, tree["hc"]).json
    second = propose(client, browser | {"Idempotency-Key": "answer-web-2"}, tree["hc"], title="增设路灯").json
    vote_id, _ = new_round(client, admin, projects=())
    assert client.post(f"{LIVELIHOOD}/proposals/{first['id']}/adopt", json={"vote_id": vote_id},
                       headers=admin).status_code == 200
    assert client.post(f"{LIVELIHOOD}/proposals/{second['id']}/decline", json={"reason": "重复"},
                       headers=admin).status_code == 200
    assert queued() == []
    assert answers(app, wechat_standin) == []
    # The answers are on the browser's own list all the same.
    mine = client.get(f"{LIVELIHOOD}/proposals", headers=browser).json["items"]
    assert sorted(p["status"] for p in mine) == ["adopted", "declined"]


# --- 立法意见征集 feedback -------------------------------------------------------------------------------


def test_feedback_on_an_opinion_tells_its_author_once_and_again_when_it_changes(app, client, legis,  # noqa: F811
                                                                                 wechat_standin):
    admin = legis["admins"]["hh"]
    c = opened(client, admin)
    mine = opinion(client, legis["citizen"], c["id"], article_id=c["articles"][2]["id"]).json
    url = f"{CONSULTATIONS}/{c['id']}/opinions/{mine['id']}/feedback"
    page = f"pages/consultations/detail?id={c['id']}"
    first = client.post(url, json={"result": "partly", "note": "已将绿地率调整为百分之三十二。"}, headers=admin)
    assert first.status_code == 200, first.json
    # The same feedback again (a retry, or a second click) is no news.
    assert client.post(url, json={"result": "partly", "note": "已将绿地率调整为百分之三十二。"}, headers=admin).status_code == 200
    assert answers(app, wechat_standin) == [(CITIZEN, page, {
        "thing1": "怀化市城市绿化条例（草案）", "phrase2": "部分采纳", "thing3": "已将绿地率调整为百分之三十二。",
        "time4": now_in_china(first.json["feedback_at"]),
    })]
    # Corrected (given again, differently): the author reads the new answer.
    changed = client.post(url, json={"result": "declined"}, headers=admin)
    assert changed.status_code == 200
    assert client.post(url, json={"result": "declined"}, headers=admin).status_code == 200
    assert [m[2] for m in answers(app, wechat_standin)][1:] == [{
        "thing1": "怀化市城市绿化条例（草案）", "phrase2": "未采纳", "thing3": "点击查看详情",
        "time4": now_in_china(changed.json["feedback_at"]),
    }]
    adopted = client.post(url, json={"result": "adopted", "note": "已采纳"}, headers=admin)
    assert [m[2]["phrase2"] for m in answers(app, wechat_standin)] == ["部分采纳", "未采纳", "已采纳"]
    assert adopted.status_code == 200


def test_feedback_to_a_browser_identity_queues_nothing(app, client, legis):  # noqa: F811
    admin = legis["admins"]["hh"]
    c = opened(client, admin)
    browser = bearer(web_identity(client)["token"])
    given = opinion(client, browser | {"Idempotency-Key": "answer-op-1"}, c["id"])
    assert given.status_code == 201, given.json
    answered = client.post(f"{CONSULTATIONS}/{c['id']}/opinions/{given.json['id']}/feedback",
                           json={"result": "adopted"}, headers=admin)
    assert answered.status_code == 200
    assert queued() == []


# --- a correction while the sweep is sending the first answer ---------------------------------------------


def _sending_with(monkeypatch, when, correct):
    """Run ``correct`` (a step through the API, on its own connection) at a fixed point of the sweep's
    sending of a message: ``"sending"``, once the message is taken and WeChat has received it, before it is
    recorded as sent; ``"before-claim"``, after the sweep read the message and before it takes it."""
    from backend.notifications import outbox

    done = []
    if when == "sending":
        real_client = outbox.get_client

        class Client:
            def __init__(self, inner):
                self.inner = inner

            def send_subscribe_message(self, *args, **kwargs):
                result = self.inner.send_subscribe_message(*args, **kwargs)
                if not done:
                    done.append(correct())
                return result

        monkeypatch.setattr(outbox, "get_client", lambda: Client(real_client()))
    else:
        real_claim = outbox._claim

        def claim(message):
            if not done:
                done.append(correct())
            return real_claim(message)

        monkeypatch.setattr(outbox, "_claim", claim)
    return done


@pytest.mark.parametrize("when", ["sending", "before-claim"])
def test_feedback_corrected_while_the_first_answer_is_being_sent_reaches_the_author(app, client, legis, wechat_standin,  # noqa: F811
                                                                                    monkeypatch, when):
    from backend.notifications.outbox import deliver_due

    admin = legis["admins"]["hh"]
    c = opened(client, admin)
    mine = opinion(client, legis["citizen"], c["id"], article_id=c["articles"][2]["id"]).json
    url = f"{CONSULTATIONS}/{c['id']}/opinions/{mine['id']}/feedback"
    assert client.post(url, json={"result": "partly", "note": "部分吸收"}, headers=admin).status_code == 200
    done = _sending_with(monkeypatch, when, lambda: client.post(url, json={"result": "declined", "note": "不予采纳"},
                                                                headers=admin).status_code)
    with app.app_context():
        deliver_due()
    assert done == [200]
    monkeypatch.undo()
    told = [m[2]["phrase2"] for m in answers(app, wechat_standin)]
    # Taken before the correction: the first answer went, and the correction follows it. Corrected before the
    # sweep took it: the one message says the corrected answer.
    assert told == (["部分采纳", "未采纳"] if when == "sending" else ["未采纳"])
    with app.app_context():
        assert [(m.status, m.data["phrase2"]) for m in queued()] == [("sent", phrase) for phrase in told]


def test_a_proposal_answered_again_while_its_first_answer_is_being_sent_tells_both(app, client, congress,  # noqa: F811
                                                                                   wechat_standin, monkeypatch):
    from backend.notifications.outbox import deliver_due

    citizen, admin, tree = congress["citizen"], congress["admins"]["hc"], congress["tree"]
    proposal = propose(client, citizen, tree["hc"], title="修建农贸市场停车场").json
    vote_id, _ = new_round(client, admin, projects=())
    project = client.post(f"{LIVELIHOOD}/proposals/{proposal['id']}/adopt", json={"vote_id": vote_id},
                          headers=admin).json["project_id"]

    def remove_and_decline():
        assert client.delete(f"{LIVELIHOOD}/votes/{vote_id}/projects/{project}", headers=admin).status_code == 204
        return client.post(f"{LIVELIHOOD}/proposals/{proposal['id']}/decline", json={"reason": "不属于民生实事范围"},
                           headers=admin).status_code

    done = _sending_with(monkeypatch, "sending", remove_and_decline)
    with app.app_context():
        deliver_due()
    assert done == [200]
    monkeypatch.undo()
    assert [m[2]["phrase2"] for m in answers(app, wechat_standin)] == ["已采纳", "未采纳"]
