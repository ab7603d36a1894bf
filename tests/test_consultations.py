"""立法意见征集 through the HTTP API: a province's or a city's congress publishes a draft regulation cut into
its articles; anyone reads it; citizens (WeChat or a phone browser) and deputies give opinions while it is
open; the congress's administrators read them (phones only they), answer each and close it; the sweep
closes those whose window has ended."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from backend.audit.models import AuditEvent
from backend.consultations.articles import NoArticles, cut_articles, split_articles
from backend.consultations.models import Consultation, ConsultationOpinion
from backend.extensions import db

from .test_web_pages import bearer, config_override, web_identity  # noqa: F401

API = "/api/v1/consultations"
PUBLIC = "/api/v1/public/consultations"

DRAFT = """怀化市城市绿化条例（草案）

第一章　总则

第一条　为了促进城市绿化事业的发展，改善生态环境，根据有关法律、法规，结合本市实际，制定本条例。
第二条　本条例适用于本市城市规划区内的城市绿化规划、建设、保护和管理。
依照本条例第一条规定，
各区县人民政府负责本行政区域内的城市绿化工作。

第二章 规划与建设
第三条：新建居住区绿地率不得低于百分之三十。
"""


def iso(dt):
    return dt.isoformat()


# --- cutting the pasted text into articles -------------------------------------------------------------


def test_a_pasted_draft_is_cut_on_the_article_numbers_that_start_lines():
    articles = split_articles(DRAFT)
    assert [a["number"] for a in articles] == ["第一条", "第二条", "第三条"]
    assert articles[0]["text"].startswith("为了促进城市绿化事业的发展")
    # A number cited inside the text starts nothing; the chapter headings and the title are left out.
    assert articles[1]["text"] == ("本条例适用于本市城市规划区内的城市绿化规划、建设、保护和管理。\n依照本条例第一条规定，\n"
                                   "各区县人民政府负责本行政区域内的城市绿化工作。")
    assert articles[2] == {"number": "第三条", "text": "新建居住区绿地率不得低于百分之三十。"}
    assert [a["number"] for a in split_articles("第1条 甲\n第二条 乙\n第二条之一 丙\n第3条 丁")] == [
        "第1条", "第二条", "第二条之一", "第3条"]


@pytest.mark.parametrize("text, message", [
    ("为了促进城市绿化，制定本条例。", "没有找到条文：请粘贴按“第一条”“第二条”……分条的草案全文，每条另起一行。"),
    ("第一条 甲\n第一条 乙", "条文序号重复：第一条出现在第1行和第2行。如果其中一行是上一条换行后的文字"
     "（例如从 PDF 复制时在“第一条”前断行），请把它接到上一行末尾；否则请检查条文序号。"),
    ("第一条 甲\n第二条\n第三条 丙", "第二条没有内容。"),
])
def test_a_text_without_articles_is_refused_saying_why(text, message):
    with pytest.raises(NoArticles) as refused:
        split_articles(text)
    assert str(refused.value) == message


# --- the congress's administrators ---------------------------------------------------------------------


@pytest.fixture
def legis(factory):
    """湖南省 > 怀化市 > 鹤城区 (and 长沙市 > 岳麓区); administrators of each; a station in 鹤城区; a city deputy;
    a WeChat citizen."""
    tree = factory.tree()
    admins = {key: factory.headers_for_admin(factory.admin(f"admin-{key}", region=tree[key]))
              for key in ("root", "hh", "cs", "hc")}
    station = factory.station(tree["hc"], "城北联络站")
    deputy = factory.deputy(tree["hc"], "张伟", phone="13900000101", level="city")
    return {"tree": tree, "admins": admins, "station": station, "deputy": factory.deputy_headers(deputy),
            "citizen": factory.wechat_login("citizen-liu"), "factory": factory}


def new_consultation(client, headers, text=DRAFT, starts=-5, hours=2, **extra):
    now = datetime.now(timezone.utc)
    body = {"title": "怀化市城市绿化条例（草案）", "summary": "为加强城市绿化管理，起草了本条例草案。", "text": text,
            "starts_at": iso(now + timedelta(minutes=starts)), "ends_at": iso(now + timedelta(hours=hours)), **extra}
    return client.post(API, json=body, headers=headers)


def opened(client, headers, **kwargs):
    created = new_consultation(client, headers, **kwargs)
    assert created.status_code == 201, created.json
    response = client.post(f"{API}/{created.json['id']}/open", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def opinion(client, headers, consultation_id, content="建议将绿地率提高到百分之三十五。", ip="10.0.0.1", **extra):
    return client.post(f"{API}/{consultation_id}/opinions", json={"content": content, **extra}, headers=headers,
                       environ_base={"REMOTE_ADDR": ip})


def refused(response, status, message):
    assert (response.status_code, response.json["message"]) == (status, message), response.json


def logged(action):
    return [(e.target_label, e.detail) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def test_a_city_administrator_creates_a_draft_by_article_edits_it_and_publishes_it(client, legis):
    admin = legis["admins"]["hh"]
    created = new_consultation(client, admin)
    assert created.status_code == 201, created.json
    body = created.json
    assert (body["status"], body["status_label"], body["region_name"], body["congress_name"]) == (
        "draft", "草稿", "怀化市", "怀化市人大常委会")
    assert [(a["number"], a["opinions"]) for a in body["articles"]] == [("第一条", 0), ("第二条", 0), ("第三条", 0)]
    # A draft is nobody else's: not the public's, not another city's administrators'.
    refused(client.get(f"{PUBLIC}/{body['id']}"), 404, "意见征集不存在。")
    refused(client.get(f"{API}/{body['id']}", headers=legis["admins"]["cs"]), 404, "意见征集不存在。")
    refused(client.patch(f"{API}/{body['id']}", json={"title": "改"}, headers=legis["admins"]["cs"]), 404, "意见征集不存在。")
    assert client.get(f"{API}/{body['id']}", headers=legis["admins"]["root"]).status_code == 200  # the province's
    # Edited while a draft: the text again, cut anew.
    edited = client.patch(f"{API}/{body['id']}", json={"text": "第一条 甲。\n第二条 乙。"}, headers=admin)
    assert [a["text"] for a in edited.json["articles"]] == ["甲。", "乙。"]
    assert logged("consultation_updated") == [("怀化市城市绿化条例（草案）", {"articles": [3, 2]})]
    published = client.post(f"{API}/{body['id']}/open", headers=admin)
    assert (published.status_code, published.json["status_label"], published.json["accepting"]) == (200, "征集中", True)
    refused(client.patch(f"{API}/{body['id']}", json={"title": "改"}, headers=admin), 409, "意见征集已发布，不能再修改。")
    refused(client.post(f"{API}/{body['id']}/open", headers=admin), 409, "意见征集已发布或已结束。")
    assert [e[0] for e in logged("consultation_created") + logged("consultation_opened")] == [
        "怀化市城市绿化条例（草案）"] * 2
    listed = client.get(API, headers=admin).json
    assert [(c["title"], c["opinions"]) for c in listed["items"]] == [("怀化市城市绿化条例（草案）", 0)]
    assert client.get(API, headers=legis["admins"]["cs"]).json["total"] == 0


def test_bad_input_is_refused_with_chinese_messages_under_the_fields(client, legis):
    admin = legis["admins"]["hh"]
    no_articles = new_consultation(client, admin, text="本条例自公布之日起施行。")
    assert (no_articles.status_code, no_articles.json["errors"]) == (
        422, {"text": ["没有找到条文：请粘贴按“第一条”“第二条”……分条的草案全文，每条另起一行。"]})
    backwards = new_consultation(client, admin, starts=180)
    assert backwards.json["errors"] == {"ends_at": ["征集结束时间须晚于开始时间。"]}
    blank = client.post(API, json={"title": " ", "text": "第一条 甲"}, headers=admin)
    assert blank.status_code == 422 and {"title", "starts_at", "ends_at"} <= set(blank.json["errors"])
    # A county has no legislative power; another city is outside the administrator's regions.
    county = new_consultation(client, legis["admins"]["hc"])
    assert county.json["errors"] == {"region_id": ["只有省和设区的市的人民代表大会及其常务委员会制定地方性法规，请选择省或市。"]}
    outside = new_consultation(client, admin, region_id=legis["tree"]["cs"].id)
    assert outside.json["errors"] == {"region_id": ["区域不存在，或不在您的管理范围内。"]}
    # The province's administrator may publish for a city under it.
    assert new_consultation(client, legis["admins"]["root"], region_id=legis["tree"]["hh"].id).status_code == 201
    refused(new_consultation(client, legis["citizen"]), 403, "您没有权限进行此操作。")
    refused(new_consultation(client, {}), 401, "请先登录。")
    assert db.session.scalar(select(func.count()).select_from(Consultation)) == 1


# --- reading and giving opinions ------------------------------------------------------------------------


def test_anyone_reads_the_open_drafts_of_a_stations_region_and_those_above(client, legis):
    city = opened(client, legis["admins"]["hh"])
    province = opened(client, legis["admins"]["root"], hours=1)
    opened(client, legis["admins"]["cs"])  # 长沙市's: not for 鹤城区
    new_consultation(client, legis["admins"]["hh"])  # a draft: nobody's
    by_station = client.get(PUBLIC, query_string={"station_id": legis["station"].id})
    assert by_station.status_code == 200
    assert [c["id"] for c in by_station.json["items"]] == [province["id"], city["id"]]
    by_region = client.get(PUBLIC, query_string={"region_id": legis["tree"]["hc"].id}).json
    assert [c["id"] for c in by_region["items"]] == [province["id"], city["id"]]
    shown = client.get(f"{PUBLIC}/{city['id']}").json
    assert [a["number"] for a in shown["articles"]] == ["第一条", "第二条", "第三条"]
    assert "opinions" not in shown and "opinions" not in shown["articles"][0]
    neither = client.get(PUBLIC)
    assert neither.status_code == 422 and "region_id" in neither.json["errors"]
    refused(client.get(PUBLIC, query_string={"station_id": 999999}), 404, "联络站不存在。")


def test_citizens_and_deputies_give_opinions_and_administrators_read_them(client, legis):
    admin = legis["admins"]["hh"]
    c = opened(client, admin)
    first_article, third_article = c["articles"][0]["id"], c["articles"][2]["id"]
    citizen = {**legis["citizen"], "Idempotency-Key": "op-1"}
    given = opinion(client, citizen, c["id"], article_id=third_article, contact_phone="13800001111")
    assert given.status_code == 201, given.json
    assert (given.json["article_number"], given.json["kind_label"], given.json["feedback"]) == ("第三条", "群众", None)
    assert "contact_phone" not in given.json
    assert opinion(client, citizen, c["id"], article_id=third_article, contact_phone="13800001111"
                   ).json == given.json  # the retry: the same request again
    assert opinion(client, legis["deputy"], c["id"], content="第一条应写明立法目的。", article_id=first_article
                   ).json["kind"] == "deputy"
    browser = bearer(web_identity(client)["token"])
    assert opinion(client, browser, c["id"], content="总体赞成。").status_code == 201
    # Refused: an article of another draft, a bad phone, empty or too long, an administrator.
    other = opened(client, admin)
    wrong = opinion(client, legis["citizen"], c["id"], article_id=other["articles"][0]["id"])
    assert (wrong.status_code, wrong.json["errors"]) == (422, {"article_id": ["该条文不属于本草案。"]})
    phone = opinion(client, legis["citizen"], c["id"], contact_phone="12345")
    assert phone.json["errors"] == {"contact_phone": ["联系电话格式不正确，请填写手机号或座机号。"]}
    assert "content" in opinion(client, legis["citizen"], c["id"], content="  ").json["errors"]
    assert "content" in opinion(client, legis["citizen"], c["id"], content="长" * 2001).json["errors"]
    assert opinion(client, legis["citizen"], c["id"], content="长" * 2000).status_code == 201
    refused(opinion(client, admin, c["id"]), 403, "请以群众或人大代表身份登录后提出意见。")
    # A deputy who has left office speaks as the citizen they are.
    retired = legis["factory"].deputy(legis["tree"]["hc"], "离任代表", phone="13900000109", level="city")
    retired_headers = legis["factory"].deputy_headers(retired)
    retired.active = False
    db.session.commit()
    as_citizen = opinion(client, retired_headers, c["id"], content="离任后的意见。")
    assert (as_citizen.status_code, as_citizen.json["kind"]) == (201, "citizen")
    refused(opinion(client, {}, c["id"]), 401, "请先登录。")
    # The administrators: every opinion, by article and kind, phones and deputies' names; counts per article.
    listed = client.get(f"{API}/{c['id']}/opinions", headers=admin).json
    assert [(o["article_number"], o["kind"], o["contact_phone"], o["author_name"]) for o in listed["items"]] == [
        ("第三条", "citizen", "13800001111", None), ("第一条", "deputy", None, "张伟"), (None, "citizen", None, None),
        (None, "citizen", None, None), (None, "citizen", None, None)]
    by_article = client.get(f"{API}/{c['id']}/opinions", query_string={"article_id": third_article}, headers=admin)
    assert by_article.json["total"] == 1
    deputies = client.get(f"{API}/{c['id']}/opinions", query_string={"kind": "deputy"}, headers=admin).json
    assert [o["content"] for o in deputies["items"]] == ["第一条应写明立法目的。"]
    paged = client.get(f"{API}/{c['id']}/opinions", query_string={"per_page": 3, "page": 2}, headers=admin).json
    assert (paged["total"], len(paged["items"])) == (5, 2)
    detail = client.get(f"{API}/{c['id']}", headers=admin).json
    assert ([a["opinions"] for a in detail["articles"]], detail["general_opinions"], detail["opinions"]) == ([1, 0, 1], 3, 5)
    refused(client.get(f"{API}/{c['id']}/opinions", headers=legis["admins"]["cs"]), 404, "意见征集不存在。")
    refused(client.get(f"{API}/{c['id']}/opinions", headers=legis["citizen"]), 403, "您没有权限进行此操作。")


def test_feedback_is_given_by_the_congress_and_read_by_the_author_only(client, legis):
    admin = legis["admins"]["hh"]
    c = opened(client, admin)
    mine = opinion(client, legis["citizen"], c["id"], article_id=c["articles"][2]["id"]).json
    theirs = opinion(client, legis["factory"].wechat_login("someone-else"), c["id"], content="赞成。").json
    url = f"{API}/{c['id']}/opinions/{mine['id']}/feedback"
    bad = client.post(url, json={"result": "maybe"}, headers=admin)
    assert bad.status_code == 422 and "result" in bad.json["errors"]
    refused(client.post(url, json={"result": "adopted"}, headers=legis["admins"]["cs"]), 404, "意见征集不存在。")
    refused(client.post(f"{API}/{c['id']}/opinions/{2**31 - 1}/feedback", json={"result": "adopted"}, headers=admin),
            404, "意见不存在。")
    answered = client.post(url, json={"result": "partly", "note": "已将绿地率调整为百分之三十二。"}, headers=admin)
    assert (answered.status_code, answered.json["feedback_label"]) == (200, "部分采纳")
    again = client.post(url, json={"result": "adopted"}, headers=admin)
    assert again.json["feedback_label"] == "采纳"
    assert [d for _, d in logged("consultation_feedback")] == [
        {"opinion": mine["id"], "feedback": ["", "部分采纳"]}, {"opinion": mine["id"], "feedback": ["部分采纳", "采纳"]}]
    own = client.get(f"{API}/my-opinions", headers=legis["citizen"]).json
    assert [(o["id"], o["feedback_label"], o["feedback_note"], o["consultation_title"]) for o in own["items"]] == [
        (mine["id"], "采纳", "", "怀化市城市绿化条例（草案）")]
    assert "contact_phone" not in own["items"][0]
    assert theirs["id"] not in [o["id"] for o in own["items"]]


def test_another_congresss_opinions_are_out_of_reach_by_any_id(client, legis):
    """Changsha's administrator cannot reach Huaihua's opinion through a consultation of their own (404
    「意见不存在。」), a county's administrator below the city gets 404 on the city's consultation, a station
    administrator and a deputy 403; another citizen sees none of the opinion, phone or feedback."""
    c = opened(client, legis["admins"]["hh"])
    given = opinion(client, legis["citizen"], c["id"], contact_phone="13911112222").json
    own = opened(client, legis["admins"]["cs"], title="长沙市城市绿化条例（草案）")
    refused(client.post(f"{API}/{own['id']}/opinions/{given['id']}/feedback", json={"result": "adopted"},
                        headers=legis["admins"]["cs"]), 404, "意见不存在。")
    county = legis["admins"]["hc"]
    for method, path, body in (("get", f"{API}/{c['id']}", None), ("get", f"{API}/{c['id']}/opinions", None),
                               ("post", f"{API}/{c['id']}/opinions/{given['id']}/feedback", {"result": "adopted"}),
                               ("post", f"{API}/{c['id']}/close", None)):
        refused(getattr(client, method)(path, json=body, headers=county), 404, "意见征集不存在。")
    station = legis["factory"].headers_for_admin(legis["factory"].admin("chengbei", stations=[legis["station"]]))
    for headers in (station, legis["deputy"]):
        response = client.get(f"{API}/{c['id']}/opinions", headers=headers)
        assert (response.status_code, response.json["error"]) == (403, "forbidden")
    stranger = legis["factory"].wechat_login("someone-else")
    assert client.get(f"{API}/my-opinions", query_string={"consultation_id": c["id"]}, headers=stranger).json["total"] == 0
    listed = client.get(f"{API}/{c['id']}/opinions", headers=legis["admins"]["hh"]).json["items"]
    assert [(o["id"], o["feedback"], o["contact_phone"]) for o in listed] == [(given["id"], None, "13911112222")]


def test_a_corrected_feedback_restates_the_waiting_notice_and_one_sent_is_followed_by_a_new_one(
        app, client, legis, wechat_standin):
    """办理结果通知: corrected before the sweep sent the first, the citizen gets one message, with the latest
    answer (one consent of the template spent); corrected after it went, a new one tells the correction."""
    from .test_suggestions import delivered

    admin = legis["admins"]["hh"]
    c = opened(client, admin)
    mine = opinion(client, legis["citizen"], c["id"]).json
    url = f"{API}/{c['id']}/opinions/{mine['id']}/feedback"
    delivered(wechat_standin, app)
    wechat_standin.clear()
    assert client.post(url, json={"result": "adopted", "note": "已在第六条之一增加。"}, headers=admin).status_code == 200
    assert client.post(url, json={"result": "partly", "note": "部分采纳。"}, headers=admin).status_code == 200

    def answers():
        return [(m["data"]["phrase2"]["value"], m["data"]["thing3"]["value"])
                for m in delivered(wechat_standin, app) if m["template_id"] == "tmpl-answer"]

    assert answers() == [("部分采纳", "部分采纳。")]
    assert client.post(url, json={"result": "declined", "note": "与上位法不符。"}, headers=admin).status_code == 200
    assert answers() == [("部分采纳", "部分采纳。"), ("未采纳", "与上位法不符。")]


def test_opinions_only_while_open_and_closing_early_or_by_the_sweep(app, client, legis):
    admin = legis["admins"]["hh"]
    draft = new_consultation(client, admin).json
    refused(opinion(client, legis["citizen"], draft["id"]), 404, "意见征集不存在。")
    later = opened(client, admin, starts=60, hours=3)
    assert later["accepting"] is False
    refused(opinion(client, legis["citizen"], later["id"]), 409, "意见征集尚未开始。")
    # Its status label follows the window too (not 征集中 before it begins), to its administrators as to all.
    assert later["status_label"] == "尚未开始"
    assert client.get(f"{API}/{later['id']}", headers=admin).json["status_label"] == "尚未开始"
    assert [c["status_label"] for c in client.get(API, headers=admin).json["items"] if c["id"] == later["id"]] == [
        "尚未开始"]
    c = opened(client, admin)
    closed = client.post(f"{API}/{c['id']}/close", headers=admin)  # early: allowed
    assert (closed.status_code, closed.json["status_label"], closed.json["accepting"]) == (200, "已结束", False)
    refused(client.post(f"{API}/{c['id']}/close", headers=admin), 409, "意见征集已结束。")
    refused(client.post(f"{API}/{draft['id']}/close", headers=admin), 409, "意见征集尚未发布。")
    refused(opinion(client, legis["citizen"], c["id"]), 409, "意见征集已结束。")
    assert client.get(f"{PUBLIC}/{c['id']}").json["status"] == "closed"  # still readable
    # The sweep closes one whose window has ended, once, as the server.
    ended = opened(client, admin)
    db.session.execute(update(Consultation).where(Consultation.id == ended["id"]).values(
        ends_dt=datetime.now(timezone.utc) - timedelta(seconds=1)))
    db.session.commit()
    refused(opinion(client, legis["citizen"], ended["id"]), 409, "意见征集已结束。")

    def sweep():
        result = app.test_cli_runner().invoke(args=["sweep"])
        assert result.exit_code == 0, result.output
        return result.output

    assert "到期结束立法意见征集 1 次" in sweep()
    assert "到期结束立法意见征集 0 次" in sweep()
    closings = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "consultation_closed")
                                  .order_by(AuditEvent.id)).all()
    assert [(e.actor_user_id is None, e.detail["early"]) for e in closings] == [(False, True), (True, False)]
    assert db.session.scalar(select(func.count()).select_from(ConsultationOpinion)) == 0


def test_opinions_from_a_browser_have_their_own_limit_and_the_429_says_when_to_come_back(client, legis,  # noqa: F811
                                                                                         config_override):
    """Commenting article by article takes many opinions: they are counted apart from the browser's filings
    (WEB_OPINION_RATE_LIMIT, not WEB_FILING_RATE_LIMIT), and the refusal says how long to wait."""
    config_override(WEB_FILING_RATE_LIMIT="2 per hour", WEB_FILING_ADDRESS_RATE_LIMIT="100 per hour",
                    WEB_OPINION_RATE_LIMIT="3 per hour", WEB_OPINION_ADDRESS_RATE_LIMIT="100 per hour")
    c = opened(client, legis["admins"]["hh"])
    browser = bearer(web_identity(client)["token"])
    assert opinion(client, browser, c["id"], content=" ").status_code == 422  # uses no quota
    for _ in range(3):
        assert opinion(client, browser, c["id"]).status_code == 201
    over = opinion(client, browser, c["id"])
    assert (over.status_code, over.json["error"]) == (429, "rate_limited")
    wait = int(over.headers["Retry-After"])
    assert 3500 <= wait <= 3601
    assert over.json["message"] == "操作过于频繁，请 60 分钟后再试。"
    # The opinions took nothing of the filings' quota.
    for _ in range(2):
        filed = client.post("/api/v1/suggestions", headers=browser, environ_base={"REMOTE_ADDR": "10.0.0.1"}, json={
            "qr_code": legis["station"].qr_code, "category": "城市管理", "content": "路灯坏了。"})
        assert filed.status_code == 201, filed.json
    filed = client.post("/api/v1/suggestions", headers=browser, environ_base={"REMOTE_ADDR": "10.0.0.1"}, json={
        "qr_code": legis["station"].qr_code, "category": "城市管理", "content": "路灯坏了。"})
    assert (filed.status_code, filed.json["message"]) == (429, "操作过于频繁，请 60 分钟后再试。")
    for _ in range(3):  # WeChat citizens are not limited
        assert opinion(client, legis["citizen"], c["id"]).status_code == 201


def test_a_citizens_copy_holds_their_opinions_and_cancelling_the_account_takes_the_phone(client, legis):
    """个人信息保护法: the copy of what is held lists the opinions given; 注销 keeps the opinion (the congress's
    record of the consultation) and takes the contact phone left with it."""
    c = opened(client, legis["admins"]["hh"])
    given = opinion(client, legis["citizen"], c["id"], article_id=c["articles"][1]["id"], contact_phone="13800002222")
    copy = client.get("/api/v1/me/personal-data", headers=legis["citizen"]).json["consultation_opinions"]
    assert [(o["id"], o["article_number"], o["contact_phone"]) for o in copy["items"]] == [
        (given.json["id"], "第二条", "13800002222")]
    # The administrators' feedback quoting the number (staff words, kept as the record) loses it too.
    fed_back = client.post(f"{API}/{c['id']}/opinions/{given.json['id']}/feedback", headers=legis["admins"]["hh"],
                           json={"result": "partly", "note": "已电话138 0000 2222与您沟通，部分采纳。"})
    assert fed_back.status_code == 200, fed_back.json
    assert client.delete("/api/v1/me", headers=legis["citizen"]).status_code == 204
    kept = client.get(f"{API}/{c['id']}/opinions", headers=legis["admins"]["hh"]).json["items"]
    assert [(o["content"], o["contact_phone"], o["feedback_note"]) for o in kept] == [
        ("建议将绿地率提高到百分之三十五。", None, "已电话***与您沟通，部分采纳。")]


# --- a draft pasted with its 说明, and spaced numbers (audit 30, finding 10) -------------------------------

WITH_EXPLANATION = ("怀化市城市绿化条例（草案）\n第一条　为了促进城市绿化，制定本条例。\n第二条　本条例适用于本市城市规划区。\n"
                    "关于《怀化市城市绿化条例（草案）》的说明\n——2026年11月20日在市人大常委会会议上\n"
                    "市司法局局长　王某某\n一、制定的必要性\n第一条明确了立法目的。")


@pytest.mark.parametrize("heading", ["关于《怀化市城市绿化条例（草案）》的说明", "怀化市城市绿化条例（草案）的说明",
                                     "　关于《怀化市城市绿化条例（草案）》修改情况的说明　"])
def test_the_text_stops_at_the_explanation_and_says_so(heading):
    text = WITH_EXPLANATION.replace("关于《怀化市城市绿化条例（草案）》的说明", heading)
    cut = cut_articles(text)
    assert [(a["number"], a["text"]) for a in cut.articles] == [
        ("第一条", "为了促进城市绿化，制定本条例。"), ("第二条", "本条例适用于本市城市规划区。")]
    assert cut.left_out == f"第4行“{heading.strip()}”起的文字不是条文（草案的说明等），未收入。"
    assert split_articles(text) == cut.articles
    assert cut_articles(DRAFT).left_out is None


def test_spaced_article_numbers_as_pdfs_give_them_are_read():
    assert [(a["number"], a["text"]) for a in split_articles("第 一 条 甲\n第 二 条　乙\n第 二 条 之 一 丙\n第三条 丁")] == [
        ("第一条", "甲"), ("第二条", "乙"), ("第二条之一", "丙"), ("第三条", "丁")]


def test_creating_a_draft_with_its_explanation_answers_what_was_left_out(client, legis):
    created = new_consultation(client, legis["admins"]["hh"], text=WITH_EXPLANATION)
    assert created.status_code == 201, created.json
    assert [a["number"] for a in created.json["articles"]] == ["第一条", "第二条"]
    assert created.json["text_left_out"] == "第4行“关于《怀化市城市绿化条例（草案）》的说明”起的文字不是条文（草案的说明等），未收入。"
    plain = new_consultation(client, legis["admins"]["hh"])
    assert plain.json["text_left_out"] is None
    changed = client.patch(f"{API}/{created.json['id']}", json={"text": WITH_EXPLANATION}, headers=legis["admins"]["hh"])
    assert changed.json["text_left_out"].startswith("第4行")


# --- a signature block pasted after the last article (落款、日期) --------------------------------------------

WITH_SIGNATURE = ("怀化市城市绿化条例（草案）\n第一条　为了促进城市绿化，制定本条例。\n第二条　本条例自公布之日起施行。\n\n"
                  "怀化市人民代表大会常务委员会\n2026年11月1日\n")


@pytest.mark.parametrize("block, first", [
    ("怀化市人民代表大会常务委员会\n2026年11月1日\n", "怀化市人民代表大会常务委员会"),
    ("　怀化市人大常委会办公室　\n（2026年11月1日）", "怀化市人大常委会办公室"),
    ("2026 年 11 月 1 日", "2026 年 11 月 1 日"),
    ("二〇二六年十一月一日\n", "二〇二六年十一月一日"),
    ("湖南省人民代表大会常务委员会\n", "湖南省人民代表大会常务委员会"),
])
def test_a_signature_after_the_last_article_is_left_out_and_said(block, first):
    cut = cut_articles(f"第一条　为了促进城市绿化，制定本条例。\n第二条　本条例自公布之日起施行。\n\n{block}")
    assert [(a["number"], a["text"]) for a in cut.articles] == [
        ("第一条", "为了促进城市绿化，制定本条例。"), ("第二条", "本条例自公布之日起施行。")]
    assert cut.left_out == f"第4行“{first}”起的文字不是条文（落款、日期），未收入。"


def test_a_signature_before_the_explanation_is_left_out_with_it():
    text = WITH_SIGNATURE + "关于《怀化市城市绿化条例（草案）》的说明\n第一条明确了立法目的。"
    cut = cut_articles(text)
    assert [a["number"] for a in cut.articles] == ["第一条", "第二条"]
    assert cut.articles[-1]["text"] == "本条例自公布之日起施行。"
    assert cut.left_out == "第5行“怀化市人民代表大会常务委员会”起的文字不是条文（落款、日期、草案的说明等），未收入。"


@pytest.mark.parametrize("last", [
    "第二条　本条例自\n2027年1月1日",  # hard-wrapped: the date ends the sentence, no full stop before it
    "第二条　本条例由\n怀化市人民代表大会常务委员会",  # a wrapped line naming the body, the sentence unfinished
    "第二条　本条例自2027年1月1日起施行。",
    "第二条　下列单位负责实施：\n怀化市人民政府\n怀化市城市管理委员会",  # a list ending the article
    "第二条　本条例的解释机关为：\n怀化市人民代表大会常务委员会",
])
def test_article_text_that_looks_like_a_signature_is_never_cut(last):
    cut = cut_articles(f"第一条　为了促进城市绿化，制定本条例。\n{last}\n")
    assert cut.left_out is None
    assert cut.articles[-1]["text"] == "\n".join(line.strip("　") for line in last.split("\n")).split("　", 1)[1]


def test_a_signature_alone_after_a_sentence_without_a_full_stop_stays():
    """Only what follows a finished sentence is a signature: the article's text is never shortened."""
    cut = cut_articles("第一条　甲\n怀化市人民代表大会常务委员会\n2026年11月1日")
    assert cut.left_out is None and cut.articles[0]["text"] == "甲\n怀化市人民代表大会常务委员会\n2026年11月1日"


def test_the_administrator_reads_what_was_left_out_later(client, legis):
    """Stored with the draft: the GET of it (an administrator's) says it too, until the text is cut again."""
    admin = legis["admins"]["hh"]
    created = new_consultation(client, admin, text=WITH_SIGNATURE)
    assert created.json["text_left_out"] == "第5行“怀化市人民代表大会常务委员会”起的文字不是条文（落款、日期），未收入。"
    path = f"{API}/{created.json['id']}"
    assert client.get(path, headers=admin).json["text_left_out"] == created.json["text_left_out"]
    titled = client.patch(path, json={"title": "怀化市城市绿化条例（草案修改稿）"}, headers=admin)
    assert titled.json["text_left_out"] == created.json["text_left_out"]
    assert client.get(path, headers=admin).json["text_left_out"] == created.json["text_left_out"]
    recut = client.patch(path, json={"text": "第一条　甲。\n第二条　乙。"}, headers=admin)
    assert recut.json["text_left_out"] is None
    assert client.get(path, headers=admin).json["text_left_out"] is None
    plain = new_consultation(client, admin)
    assert client.get(f"{API}/{plain.json['id']}", headers=admin).json["text_left_out"] is None
    public = client.get(f"{PUBLIC}/{created.json['id']}")
    assert public.status_code == 404  # a draft: nobody else reads it, nor the note


# --- headings, hard-wrapped text and odd numbers (audit B4-B6) -------------------------------------------


def test_chapter_headings_are_left_out_with_or_without_a_space_or_with_the_title_on_the_next_line():
    text = ("某某条例（草案）\r\n\r\n第一章\u3000总则\r\n第一条\u3000为了。\r\n第二章规划建设\r\n第二条 规划。\r\n"
            "第三章\r\n保护、利用与管理\r\n第一节\u3000一般规定（通则）\r\n第三条 保护。\r\n第二节\r\n\u3000\u3000监督检查\r\n"
            "第四条 检查。\r\n")
    assert split_articles(text) == [{"number": "第一条", "text": "为了。"}, {"number": "第二条", "text": "规划。"},
                                    {"number": "第三条", "text": "保护。"}, {"number": "第四条", "text": "检查。"}]
    # A sentence that happens to start with 第X章 (a hard-wrapped citation) stays text.
    wrapped = split_articles("第一条 违反本条例\n第二章规定的，依法处理。\n第二条 乙。")
    assert wrapped[0]["text"] == "违反本条例\n第二章规定的，依法处理。"


def test_a_hard_wrapped_citation_at_a_lines_start_stays_in_its_article():
    text = ("第五条\u3000甲。\r\n第六条\u3000乙。\r\n第七条\u3000违反本条例\r\n第五条规定的，由有关部门责令改正。\r\n"
            "第八条\u3000丙。\r\n第九条 依照本条例\r\n第十一条规定处罚。\r\n第十条 丁。\r\n第十一条 戊。\r\n"
            "第十一条之一 己。\r\n第十二条 庚。")
    articles = split_articles(text)
    assert [a["number"] for a in articles] == ["第五条", "第六条", "第七条", "第八条", "第九条", "第十条",
                                               "第十一条", "第十一条之一", "第十二条"]
    assert articles[2]["text"] == "违反本条例\n第五条规定的，由有关部门责令改正。"
    assert articles[4]["text"] == "依照本条例\n第十一条规定处罚。"
    # Before 第一条: the preamble, even where a line starts with a number it cites.
    preamble = split_articles("某某条例（草案）\n根据《中华人民共和国立法法》\n第八十一条的规定，制定本条例。\n第一条 甲。\n第二条 乙。")
    assert [a["number"] for a in preamble] == ["第一条", "第二条"]
    numbers = "\n".join(f"第{n}条 文。" for n in ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一"))
    tail = "\n".join(f"第{n}条 文。" for n in ("十二", "十三", "十四", "十五", "十六", "十七", "十八", "十九", "二十"))
    assert len(split_articles(numbers + "\n" + tail)) == 20
    assert [a["number"] for a in split_articles("第一百零一条 甲\n第一百零二条 乙\n第103条 丙")] == [
        "第一百零一条", "第一百零二条", "第103条"]


@pytest.mark.parametrize("text, message", [
    # A number skipped and never resumed: a missing article, not a citation.
    ("第一条 甲。\n第二条 乙。\n第四条 丁。\n第五条 戊。",
     "条文序号不连续：第二条之后是第四条（第3行）。请检查条文序号；如果这一行是上一条换行后的文字（例如从 PDF 复制），请把它接到上一行末尾。"),
    # The next number cited at a line's start, then the article itself: which is which cannot be told.
    ("第一条 甲。\n第二条 依照本条例\n第三条规定处罚。\n第三条 丙。",
     "条文序号重复：第三条出现在第3行和第4行。如果其中一行是上一条换行后的文字（例如从 PDF 复制时在“第三条”前断行），"
     "请把它接到上一行末尾；否则请检查条文序号。"),
    ("第" + "1" * 40 + "条 甲", "条文序号过长：“第" + "1" * 40 + "条”，最多 20 个字。"),
])
def test_out_of_sequence_or_over_long_numbers_are_refused_saying_why(text, message):
    with pytest.raises(NoArticles) as refused:
        split_articles(text)
    assert str(refused.value) == message


def test_the_number_limit_is_the_columns():
    from backend.consultations.articles import MAX_NUMBER_CHARS
    from backend.consultations.models import ConsultationArticle
    assert ConsultationArticle.__table__.c.number.type.length == MAX_NUMBER_CHARS


def test_an_over_long_article_number_is_refused_with_a_chinese_message_on_any_database(client, legis):
    response = new_consultation(client, legis["admins"]["hh"], text="第1条之" + "1" * 20 + " 甲")
    assert response.status_code == 422, response.json
    assert "条文序号过长" in response.json["errors"]["text"][0]
    assert db.session.scalar(select(func.count()).select_from(Consultation)) == 0


def test_only_drafts_accepting_opinions_now_are_listed_and_each_is_labelled_by_its_window(client, legis):
    admin = legis["admins"]["hh"]
    now = opened(client, admin)
    tomorrow = opened(client, admin, starts=24 * 60, hours=48)
    ended = opened(client, admin, hours=1)
    db.session.execute(update(Consultation).where(Consultation.id == ended["id"]).values(
        ends_dt=datetime.now(timezone.utc) - timedelta(seconds=1)))  # ended; the sweep has not run
    db.session.commit()
    listed = client.get(PUBLIC, query_string={"station_id": legis["station"].id}).json
    assert [(c["id"], c["phase"], c["phase_label"]) for c in listed["items"]] == [
        (now["id"], "accepting", "正在征求意见")]
    assert [(c["phase"], c["phase_label"]) for c in (client.get(f"{PUBLIC}/{i}").json for i in (tomorrow["id"], ended["id"]))] == [
        ("upcoming", "尚未开始"), ("ended", "已结束")]
    assert client.get(f"{API}/{now['id']}", headers=admin).json["phase_label"] == "正在征求意见"
    draft = new_consultation(client, admin).json
    assert (draft["phase"], draft["phase_label"]) == ("draft", "草稿")


def test_a_retried_creation_with_the_same_key_returns_the_first_draft_and_makes_no_second(client, legis):
    admin = {**legis["admins"]["hh"], "Idempotency-Key": "cc-1"}
    now = datetime.now(timezone.utc)
    window = {"starts_at": iso(now - timedelta(minutes=5)), "ends_at": iso(now + timedelta(hours=2))}
    first = client.post(API, json={"title": "怀化市城市绿化条例（草案）", "text": DRAFT, **window}, headers=admin)
    assert first.status_code == 201, first.json
    again = client.post(API, json={"title": "怀化市城市绿化条例（草案）", "text": DRAFT, **window}, headers=admin)
    assert (again.status_code, again.json) == (201, first.json)
    other = client.post(API, json={"title": "另一部条例（草案）", "text": DRAFT, **window}, headers=admin)
    assert (other.status_code, other.json["error"]) == (409, "idempotency_key_reused")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Consultation)) == 1
