"""A citizen's copy of their personal information (GET /me/personal-data) and 注销 (DELETE /me), through
the HTTP API: what is erased, what the staff keep, and who is refused."""
import os
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update

from backend.db_types import utcnow
from backend.extensions import db
from backend.notifications.models import OutboxMessage
from backend.suggestions import sweep
from backend.suggestions.models import Suggestion
from backend.uploads.models import Upload

from .test_appointments import ask
from .test_suggestions import delivered, file, step, upload_photo
from .test_report_polls import meeting  # noqa: F401  (fixture)
from .test_suggestions import world  # noqa: F401  (fixture)

OWN_PHONE = "13911112222"  # bound through WeChat
CONTACT_PHONE = "13733334444"  # left on a suggestion
MEETING_PHONE = "13912345678"  # left on an appointment (test_appointments.ask)
PROPOSAL_PHONE = "13655556666"
ADDRESS = "迎丰路 12 号 3 单元"


def refused(response, status, message):
    assert response.status_code == status, response.json
    assert response.json["message"] == message, response.json
    assert set(response.json) <= {"error", "message", "errors"}


@pytest.fixture
def citizen_story(app, client, world):  # noqa: F811
    """The citizen-wang of ``world`` with a bound phone, two items (one with a photo, contact phone and
    location, answered and rated 不满意 once; one waiting at the station), an appointment asked and a
    livelihood proposal."""
    headers = world["citizen"]
    assert client.post("/api/v1/auth/bind-phone", json={"code": f"phone-{OWN_PHONE}"}, headers=headers).status_code == 200
    photo = upload_photo(client, headers)
    first = file(client, headers, world["deputy_code"], contact_phone=CONTACT_PHONE, attachment_ids=[photo["id"]],
                 location={"lat": 27.5612, "lng": 109.9876, "address": ADDRESS}).json
    step(client, world["zhang_h"], first["id"], "accept")
    step(client, world["zhang_h"], first["id"], "reply", content="已联系路灯所，三日内修复。")
    assert step(client, headers, first["id"], "rate", satisfaction="dissatisfied", comment="还没修").status_code == 200
    step(client, world["zhang_h"], first["id"], "reply", content="已修复。")
    second = file(client, headers, world["station_code"], content="公园厕所没有灯", contact_phone=CONTACT_PHONE).json
    asked = ask(client, headers, world["deputy_code"], name="王先生")
    assert asked.status_code == 201, asked.json
    proposal = client.post("/api/v1/livelihood/proposals", headers=headers, json={
        "region_id": world["tree"]["hc"].id, "title": "修建停车场", "content": "周末停车难。",
        "contact_phone": PROPOSAL_PHONE})
    assert proposal.status_code == 201, proposal.json
    return {"headers": headers, "first": first, "second": second, "meeting": asked.json,
            "proposal": proposal.json, "photo": photo}


def test_a_citizen_reads_everything_held_about_them(client, world, citizen_story):  # noqa: F811
    data = client.get("/api/v1/me/personal-data", headers=citizen_story["headers"])
    assert data.status_code == 200, data.json
    data = data.json
    assert (data["account"]["phone"], data["account"]["kind_label"]) == (OWN_PHONE, "微信小程序")
    assert data["account"]["created_at"]
    suggestions = data["suggestions"]
    assert suggestions["total"] == 2
    newest, oldest = suggestions["items"]
    assert (newest["number"], newest["status_label"], newest["content"], newest["photos"]) == (
        citizen_story["second"]["number"], "待分派", "公园厕所没有灯", 0)
    assert (oldest["contact_phone"], oldest["photos"], oldest["location"]["address"]) == (CONTACT_PHONE, 1, ADDRESS)
    assert [(r["number"], r["satisfaction_label"], r["comment"]) for r in data["ratings"]["items"]] == [
        (citizen_story["first"]["number"], "不满意", "还没修")]
    assert [(a["number"], a["name"], a["contact_phone"], a["status_label"]) for a in data["appointments"]["items"]] == [
        (citizen_story["meeting"]["number"], "王先生", MEETING_PHONE, "待确认")]
    assert [(p["title"], p["contact_phone"]) for p in data["livelihood_proposals"]["items"]] == [
        ("修建停车场", PROPOSAL_PHONE)]
    # Another citizen's copy holds none of it.
    other = client.get("/api/v1/me/personal-data", headers=world["stranger"]).json
    assert (other["suggestions"]["total"], other["appointments"]["total"], other["account"]["phone"]) == (0, 0, None)


def _rows_holding(app, needles):
    """(table, needle) for every row of every table whose text holds one of ``needles``."""
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(table.select()).all():
                text_of_row = " ".join(str(value) for value in row)
                found += [(table.name, needle) for needle in needles if needle in text_of_row]
        if db.engine.dialect.name == "postgresql":  # the search copy of each item's words, outside the metadata
            for (content,) in db.session.execute(text("SELECT content FROM suggestion_search_texts")).all():
                found += [("suggestion_search_texts", needle) for needle in needles if needle in content]
    return found


def test_erasure_leaves_the_phone_nowhere_and_the_record_with_the_staff(app, client, factory, world,  # noqa: F811
                                                                        citizen_story, wechat_standin):
    headers = citizen_story["headers"]
    second_device = factory.wechat_login("citizen-wang")  # the same WeChat user on another phone
    assert client.get("/api/v1/me", headers=second_device).status_code == 200
    photo_path = os.path.join(app.config["UPLOAD_DIR"], citizen_story["photo"]["url"].rsplit("/", 1)[1][:2],
                              citizen_story["photo"]["url"].rsplit("/", 1)[1])
    assert os.path.exists(photo_path)
    delivered(wechat_standin, app)  # what was due before, sent
    wechat_standin.clear()
    with app.app_context():  # a message to the citizen still waiting to be sent
        db.session.add(OutboxMessage(dedupe_key="pending-to-wang", user_id=_user_id(app, headers, client), template="replied",
                                     data={"thing4": "待发送"}, status="pending"))
        db.session.commit()

    needles = [OWN_PHONE, CONTACT_PHONE, MEETING_PHONE, PROPOSAL_PHONE, ADDRESS, "fake-openid-citizen-wang", "王先生"]
    assert {needle for _, needle in _rows_holding(app, needles)} == set(needles)  # the search finds them before

    gone = client.delete("/api/v1/me", headers=headers)
    assert gone.status_code == 204, gone.json
    # A retry (the first answer lost on the way) answers the same, and does nothing again.
    again = client.delete("/api/v1/me", headers=headers)
    assert (again.status_code, again.data) == (204, b"")

    # Every token of the account, on every device, ends.
    for device in (headers, second_device):
        refused(client.get("/api/v1/me", headers=device), 401, "该账号已注销，请重新进入小程序或重新扫码。")
        refused(client.get("/api/v1/me/personal-data", headers=device), 401, "该账号已注销，请重新进入小程序或重新扫码。")
    # Their phone, the phones they left and the address they gave are in no table.
    assert _rows_holding(app, needles) == []
    with app.app_context():
        assert db.session.scalars(select(Upload)).all() == []
        assert db.session.scalar(select(Suggestion.lat).where(Suggestion.id == citizen_story["first"]["id"])) is None
        assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == "pending-to-wang")) is None
    assert not os.path.exists(photo_path)

    # The staff still have both items and their timelines, filed by an anonymous 群众.
    first = client.get(f"/api/v1/suggestions/{citizen_story['first']['id']}", headers=world["zhang_h"]).json
    assert (first["citizen"], first["contact_phone"], first["location"], first["attachments"]) == (None, None, None, [])
    assert first["content"] == "小区门口路灯坏了一个月，晚上很黑。"
    citizen_steps = [e for e in first["timeline"] if e["actor_role"] == "citizen"]
    assert [e["action_label"] for e in citizen_steps] == ["提交建议", "评价：不满意"]
    assert all("actor_name" not in e and "actor_user_id" not in e for e in citizen_steps)
    queue = client.get("/api/v1/suggestions", headers=world["admin"]).json["items"]
    assert sorted(i["id"] for i in queue) == sorted([citizen_story["first"]["id"], citizen_story["second"]["id"]])
    assert all(i["citizen"] is None for i in queue)
    # The open appointment was cancelled as the citizen would, and the deputy told so.
    cancelled = client.get(f"/api/v1/appointments/{citizen_story['meeting']['id']}", headers=world["zhang_h"]).json
    assert (cancelled["status_label"], cancelled["contact_phone"], cancelled["name"]) == ("已取消", "", "")
    told = [m["data"]["thing4"]["value"] for m in delivered(wechat_standin, app) if m["template_id"] == "tmpl-appointment"]
    assert told == ["群众已取消约见：群众已注销账号"]
    # The proposal stays with the congress, without the phone.
    proposals = client.get("/api/v1/livelihood/proposals", headers=factory.headers_for_admin(
        factory.admin("hc-admin", region=world["tree"]["hc"]))).json["items"]
    assert [(p["title"], p["contact_phone"]) for p in proposals] == [("修建停车场", None)]

    # The answered item, left unrated, is closed by the sweep as any other; nobody is messaged about it.
    with app.app_context():
        db.session.execute(update(Suggestion).where(Suggestion.id == citizen_story["first"]["id"])
                           .values(replied_dt=utcnow() - timedelta(days=30)))
        db.session.commit()
        assert sweep.auto_close() == 1
    assert client.get(f"/api/v1/suggestions/{citizen_story['first']['id']}",
                      headers=world["admin"]).json["status_label"] == "已办结"
    assert [m for m in delivered(wechat_standin, app) if m["touser"] == "fake-openid-citizen-wang"] == []

    # The same WeChat user coming back is a new, empty account.
    back = factory.wechat_login("citizen-wang")
    fresh = client.get("/api/v1/me/personal-data", headers=back).json
    assert (fresh["suggestions"]["total"], fresh["appointments"]["total"], fresh["account"]["phone"]) == (0, 0, None)


def _user_id(app, headers, client):
    return client.get("/api/v1/me", headers=headers).json["id"]


def test_a_browser_identity_is_erased_and_its_key_no_longer_signs_in(client, world):  # noqa: F811
    web = client.post("/api/v1/auth/web", json={})
    assert web.status_code == 201
    headers = {"Authorization": f"Bearer {web.json['token']}"}
    filed = file(client, headers, world["station_code"], contact_phone=CONTACT_PHONE)
    assert filed.status_code == 201, filed.json
    assert client.get("/api/v1/me/personal-data", headers=headers).json["account"]["kind_label"] == "手机浏览器"
    assert client.delete("/api/v1/me", headers=headers).status_code == 204
    refused(client.post("/api/v1/auth/web", json={"key": web.json["key"]}), 401, "浏览器中保存的身份已失效，请重新提交。")
    item = client.get(f"/api/v1/suggestions/{filed.json['id']}", headers=world["admin"]).json
    assert (item["citizen"], item["contact_phone"]) == (None, None)


def test_deputies_administrators_and_strangers_are_refused(client, factory, world):  # noqa: F811
    deputy = ("您的微信已绑定人大代表身份，代表的信息属于代表名册，由人大常委会代表工作机构维护，不能在此查看或注销。"
              "如需更正或删除个人信息，请联系所在联络站或人大常委会代表工作机构。")
    admin = "管理员账号由上级管理员管理，其记录属于人大机关的工作档案，不能在此查看或注销。如需停用账号，请联系上级管理员。"
    for headers, message in ((world["zhang_h"], deputy), (world["admin"], admin)):
        refused(client.get("/api/v1/me/personal-data", headers=headers), 403, message)
        refused(client.delete("/api/v1/me", headers=headers), 403, message)
    assert client.get("/api/v1/me", headers=world["zhang_h"]).status_code == 200  # nothing changed
    refused(client.delete("/api/v1/me"), 401, "请先登录。")
    refused(client.get("/api/v1/me/personal-data"), 401, "请先登录。")


def test_a_wechat_user_receiving_an_administrators_reminders_unlinks_first(app, client, factory, world):  # noqa: F811
    from backend.auth.models import User

    citizen_id = client.get("/api/v1/me", headers=world["citizen"]).json["id"]
    with app.app_context():
        db.session.execute(update(User).where(User.username == "chengbei").values(notify_user_id=citizen_id))
        db.session.commit()
    refused(client.delete("/api/v1/me", headers=world["citizen"]), 409,
            "本微信正在接收管理账号的工作提醒，不能直接注销。请先由该账号在管理后台解除微信提醒，或联系上级管理员，再注销。")
    assert client.get("/api/v1/me", headers=world["citizen"]).status_code == 200


def test_an_erased_filer_is_shown_as_such_in_the_console_and_follows_nothing_merged(app, client, world):  # noqa: F811
    from backend.suggestions.models import SuggestionFollower

    from .test_console_suggestions import console_login

    erased = file(client, world["citizen"], world["station_code"], contact_phone=CONTACT_PHONE).json["id"]
    kept = file(client, world["stranger"], world["station_code"], content="门口路灯不亮").json["id"]
    assert client.delete("/api/v1/me", headers=world["citizen"]).status_code == 204
    page = console_login(app, "chengbei").get(f"/console/suggestions/{erased}").get_data(as_text=True)
    assert "群众（已注销账号）" in page and CONTACT_PHONE not in page
    # Merged into another item, the erased filer's duplicate makes them follow nothing.
    assert step(client, world["admin"], erased, "merge", into_id=kept).status_code == 200
    with app.app_context():
        assert db.session.scalars(select(SuggestionFollower.user_id)).all() == []


def test_notices_waiting_for_the_staff_lose_what_names_the_erased_citizen(app, client, world, wechat_standin):  # noqa: F811
    """Notices queued to the deputy before 注销 and sent after it (WeChat slow, the sweep not run yet) carry
    nothing that names or reaches the citizen: the first words of their suggestion and the topic of their
    appointments are sent redacted, as a follower reads them, and the deputy's reminder of a meeting that
    names the citizen (约见群众：王先生) is not sent at all."""
    from backend.appointments.models import Appointment
    from backend.appointments.services import remind_meetings

    from .factories import screen
    from .test_appointments import CHINA, answer

    headers = world["citizen"]
    deputy = f"fake-openid-deputy{world['zhang'].id}"
    soon = datetime.now(CHINA) + timedelta(hours=5)
    # A meeting reminded before, its reminder sent: the outbox keeps the record of it.
    earlier = ask(client, headers, world["deputy_code"], name="王先生").json["id"]
    assert answer(client, world["zhang_h"], earlier, "confirm", meet_at=soon.isoformat()).status_code == 200
    with app.app_context():
        assert remind_meetings() == 1
        db.session.commit()
    assert "约见群众：王先生" in [m["data"]["thing5"]["value"] for m in delivered(wechat_standin, app)
                              if m["touser"] == deputy and m["template_id"] == "tmpl-appointment-result"]
    wechat_standin.clear()

    filed = file(client, headers, world["deputy_code"], content=f"我叫王小明，电话{CONTACT_PHONE}，楼道灯坏了")
    assert filed.status_code == 201, filed.json
    assert screen(app) == 1  # the text cleared: the deputy's 新建议 notice is queued
    waiting = ask(client, headers, world["deputy_code"], name="王先生", topic=f"我叫王小明，电话{MEETING_PHONE}，想反映电梯")
    assert waiting.status_code == 201, waiting.json
    held = ask(client, headers, world["deputy_code"], name="王先生").json["id"]
    assert answer(client, world["zhang_h"], held, "confirm", meet_at=soon.isoformat()).status_code == 200
    with app.app_context():
        assert remind_meetings() == 1  # the deputy's reminder, 约见群众：王先生, queued
        # … and the meeting held before the citizen cancels their account: it is not theirs to cancel any more.
        db.session.execute(update(Appointment).where(Appointment.id.in_([earlier, held])).values(
            meet_dt=utcnow() - timedelta(hours=1)))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status == "pending", OutboxMessage.dedupe_key.startswith(f"appointment-meeting:{held}:"))) == 1

    assert client.delete("/api/v1/me", headers=headers).status_code == 204

    to_deputy = [m for m in delivered(wechat_standin, app) if m["touser"] == deputy]
    said = [" ".join(str(v["value"]) for v in m["data"].values()) for m in to_deputy]
    for needle in ("王小明", "王先生", CONTACT_PHONE, MEETING_PHONE):
        assert all(needle not in text_of for text_of in said), (needle, said)
    by_template = {}
    for m in to_deputy:
        by_template.setdefault(m["template_id"], []).append(m["data"])
    # The deputy is still told of the suggestion and of the request and its cancellation, in redacted words.
    assert [d["thing2"]["value"] for d in by_template["tmpl-new-item"]] == ["我叫***，电话***，楼道灯坏了"]
    assert sorted(d["thing4"]["value"] for d in by_template["tmpl-appointment"]) == sorted(
        ["有群众约见，请确认时间"] * 2 + ["群众已取消约见：群众已注销账号"])
    assert {d["thing2"]["value"] for d in by_template["tmpl-appointment"]} == {
        "我叫***，电话***，想反映电梯", "想当面反映小区加装电梯的困难"}
    assert not any(d["thing5"]["value"].startswith("约见群众") for d in by_template.get("tmpl-appointment-result", []))
    # The reminder sent before is kept as sent, without the name, as the appointment is.
    assert _rows_holding(app, ["王先生"]) == []
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage.data).where(
            OutboxMessage.dedupe_key.startswith(f"appointment-meeting:{earlier}:"))).one()["thing5"] == "约见群众：群众"


SELF_INTRODUCED = "我是住在迎丰路12号的赵大明，手机13700001111。"


def test_erasure_removes_the_name_phone_and_address_from_the_citizens_own_words(app, client, factory, world):  # noqa: F811
    """注销 keeps the words of a citizen's items for the record, with the name, phone and address typed into
    them removed (``redact``): the staff and the public see them as a follower would."""
    from .test_consultations import opened, opinion

    headers = world["citizen"]
    item = file(client, headers, world["deputy_code"], content="垃圾堆积发臭，" + SELF_INTRODUCED,
                public_consent=True)
    assert item.status_code == 201, item.json
    step(client, world["zhang_h"], item.json["id"], "accept")
    step(client, world["zhang_h"], item.json["id"], "reply", content="已安排清运。")
    assert step(client, headers, item.json["id"], "rate", satisfaction="dissatisfied",
                comment="我是赵大明，电话13700001111，还是很臭").status_code == 200
    asked = ask(client, headers, world["deputy_code"], topic="想反映垃圾问题，" + SELF_INTRODUCED)
    assert asked.status_code == 201, asked.json
    proposal = client.post("/api/v1/livelihood/proposals", headers=headers, json={
        "region_id": world["tree"]["hc"].id, "title": "修建停车场", "content": "周末停车难。" + SELF_INTRODUCED})
    assert proposal.status_code == 201, proposal.json
    city = factory.headers_for_admin(factory.admin("hh-admin", region=world["tree"]["hh"]))
    draft = opened(client, city)
    given = opinion(client, headers, draft["id"], content="建议增加绿地。" + SELF_INTRODUCED)
    assert given.status_code == 201, given.json

    assert client.delete("/api/v1/me", headers=headers).status_code == 204

    redacted = "我是住在迎丰路***的***，手机***。"
    staff_item = client.get(f"/api/v1/suggestions/{item.json['id']}", headers=world["zhang_h"]).json
    assert staff_item["content"] == "垃圾堆积发臭，" + redacted
    meeting_now = client.get(f"/api/v1/appointments/{asked.json['id']}", headers=world["zhang_h"]).json
    assert meeting_now["topic"] == "想反映垃圾问题，" + redacted
    proposals = client.get("/api/v1/livelihood/proposals", headers=factory.headers_for_admin(
        factory.admin("hc-admin", region=world["tree"]["hc"]))).json["items"]
    assert [(p["title"], p["content"]) for p in proposals] == [("修建停车场", "周末停车难。" + redacted)]
    opinions = client.get(f"/api/v1/consultations/{draft['id']}/opinions", headers=city).json["items"]
    assert [o["content"] for o in opinions] == ["建议增加绿地。" + redacted]
    assert _rows_holding(app, ["赵大明", "13700001111", "迎丰路12号"]) == []


def test_a_citizens_report_poll_ballot_is_in_the_copy_and_its_comment_loses_what_names_them(app, client, factory,
                                                                                            meeting):
    """述职测评: the copy lists the ballot (the activity, each rated deputy with the choice, the comment);
    注销 redacts the comment as the citizen's other words, and the poll's counts stay as they were."""
    from .test_report_polls import ballot, opened, poll_path, web_voter

    token = opened(client, meeting)
    voter = factory.wechat_login("ballot-voter")
    other = web_voter(client, 7)
    cast = client.post(f"/api/v1/report-polls/{token}/ballots", headers=voter,
                       json=ballot(meeting, "satisfied", "dissatisfied", comment="希望多进站。" + SELF_INTRODUCED))
    assert cast.status_code == 201, cast.json
    assert client.post(f"/api/v1/report-polls/{token}/ballots", headers=other,
                       json=ballot(meeting, "basically_satisfied", "satisfied")).status_code == 201

    copy = client.get("/api/v1/me/personal-data", headers=voter).json["report_poll_ballots"]
    assert copy["total"] == 1
    [item] = copy["items"]
    assert (item["activity_title"], item["comment"]) == ("2026 年度代表向选民述职会", "希望多进站。" + SELF_INTRODUCED)
    assert item["activity_starts_at"] and item["created_at"]
    assert [(c["deputy_name"], c["choice"], c["choice_label"]) for c in item["choices"]] == [
        ("张伟", "satisfied", "满意"), ("李娜", "dissatisfied", "不满意")]
    assert client.get("/api/v1/me/personal-data", headers=other).json["report_poll_ballots"]["items"][0]["comment"] == ""
    before = client.get(poll_path(meeting, "/results"), headers=meeting["admin"]).json

    assert client.delete("/api/v1/me", headers=voter).status_code == 204

    after = client.get(poll_path(meeting, "/results"), headers=meeting["admin"]).json
    assert after["comments"] == ["希望多进站。我是住在迎丰路***的***，手机***。"]
    assert (after["ballots"], after["deputies"]) == (before["ballots"], before["deputies"])
    assert after["ballots"] == 2
    assert [(d["deputy"]["name"], d["satisfied"], d["basically_satisfied"], d["dissatisfied"])
            for d in after["deputies"]] == [("张伟", 1, 1, 0), ("李娜", 1, 0, 1)]
    assert _rows_holding(app, ["赵大明", "13700001111", "迎丰路12号"]) == []


def test_the_copy_says_what_is_published_of_each_item(client, factory, world):  # noqa: F811
    """What the public pages show of a citizen's item is in their copy: the words and the reply as published
    (an administrator's approved text, redacted), or that it is withheld (不予公开) — without the reason,
    which only the staff read — or that nothing of it is shown."""
    from .test_web_pages import closed_item

    published = closed_item(client, factory, world["zhang"], "邻居王建军经常在楼道堆放杂物，堵住了消防通道。", True)
    withheld = closed_item(client, factory, world["zhang"], "小区门口的路灯坏了", True)
    private = closed_item(client, factory, world["zhang"], "这一条不同意公开", False)
    waiting = file(client, world["citizen"], world["deputy_code"], content="公园厕所没有灯", public_consent=True).json
    for item_id, body in ((published["id"], {"content": "楼道堆放杂物，堵住了消防通道。请打 13912345678",
                                             "reply_content": "已督促物业清理，消防通道已畅通。"}),
                          (withheld["id"], {"withheld": True, "reason": "内容涉及特定住户"})):
        answer = client.put(f"/api/v1/suggestions/{item_id}/public-text", json=body, headers=world["admin"])
        assert answer.status_code == 200, answer.json

    copy = client.get("/api/v1/me/personal-data", headers=world["citizen"])
    assert copy.status_code == 200, copy.json
    shown = {item["id"]: item["publication"] for item in copy.json["suggestions"]["items"]}
    assert shown == {
        published["id"]: {"state": "published", "state_label": "公开展示中",
                          "content": "楼道堆放杂物，堵住了消防通道。请打 ***",  # as the public pages show it
                          "reply_content": "已督促物业清理，消防通道已畅通。"},
        withheld["id"]: {"state": "withheld", "state_label": "不予公开", "content": None, "reply_content": None},
        private["id"]: {"state": "not_published", "state_label": "未公开展示", "content": None, "reply_content": None},
        waiting["id"]: {"state": "not_published", "state_label": "未公开展示", "content": None, "reply_content": None},
    }
    assert "内容涉及特定住户" not in copy.get_data(as_text=True)
    # Their own words stay in the copy as written.
    words = {item["id"]: item["content"] for item in copy.json["suggestions"]["items"]}
    assert words[published["id"]] == "邻居王建军经常在楼道堆放杂物，堵住了消防通道。"
    # Published again: the copy follows.
    assert client.put(f"/api/v1/suggestions/{withheld['id']}/public-text", json={},
                      headers=world["admin"]).status_code == 200
    again = client.get("/api/v1/me/personal-data", headers=world["citizen"]).json["suggestions"]["items"]
    assert {i["id"]: i["publication"] for i in again}[withheld["id"]] == {
        "state": "published", "state_label": "公开展示中", "content": "小区门口的路灯坏了",
        "reply_content": "已联系城管局维修，请留意。"}
