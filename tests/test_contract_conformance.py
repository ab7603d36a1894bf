"""The API contract's conventions where an audit found the answers off them (2026-11-29): a 422's ``errors``
is always ``{field: [sentence, ...]}``, the rulebook is a list body, an administrator who must still change
an initial password reads what anyone may read, and an upload sent without multipart is a 415."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from backend.activities.models import Activity
from backend.auth.models import User
from backend.extensions import db
from backend.org.models import Deputy, Station
from backend.suggestions.models import Suggestion
from backend.uploads.models import Upload

from .test_suggestions import file, world  # noqa: F401 - fixture

API = "/api/v1"
CJK = re.compile(r"[\u4e00-\u9fff]")


def strings_only(errors):
    """The contract's shape: every value a non-empty list of Chinese sentences."""
    return isinstance(errors, dict) and all(
        isinstance(messages, list) and messages and all(isinstance(m, str) and CJK.search(m) for m in messages)
        for messages in errors.values())


def refused_422(response):
    assert response.status_code == 422, (response.status_code, response.json)
    body = response.json
    assert body["error"] == "validation_failed"
    assert CJK.search(body["message"]) and body["message"].endswith("。"), body
    assert strings_only(body["errors"]), body["errors"]
    return body["errors"]


def suggestions():
    return db.session.scalar(select(func.count()).select_from(Suggestion))


# --- 422: errors are lists of strings, nested fields said under their field --------------------------


def test_a_nested_field_is_said_under_its_field_as_a_sentence(client, world):  # noqa: F811
    before = suggestions()
    lat = file(client, world["citizen"], world["station_code"], location={"lat": "abc", "lng": 109.99})
    assert refused_422(lat) == {"location": ["纬度应为数字。"]}
    both = file(client, world["citizen"], world["station_code"], location={"lat": 91, "lng": "东经"})
    errors = refused_422(both)
    assert list(errors) == ["location"] and "经度应为数字。" in errors["location"], errors
    assert any(m.startswith("纬度") for m in errors["location"]), errors
    not_an_object = file(client, world["citizen"], world["station_code"], location="here")
    assert refused_422(not_an_object) == {"location": ["数据格式不正确，应为对象。"]}
    assert suggestions() == before


def test_a_list_item_is_said_under_its_list_with_its_place(client, world):  # noqa: F811
    before = suggestions()
    photos = file(client, world["citizen"], world["station_code"], attachment_ids=["x", 2])
    assert refused_422(photos) == {"attachment_ids": ["第 1 项应为整数。"]}
    starts = datetime.now(timezone.utc) + timedelta(days=1)
    activity = client.post(f"{API}/activities", headers=world["admin"], json={
        "title": "进站接待选民", "type": "reception", "station_id": world["station"].id,
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "deputy_ids": [world["zhang"].id, "x"]})
    assert refused_422(activity) == {"deputy_ids": ["第 2 项应为整数。"]}
    assert suggestions() == before and db.session.scalar(select(func.count()).select_from(Activity)) == 0


def test_an_item_of_a_list_of_objects_names_its_place_and_its_field(client, factory, world):  # noqa: F811
    huaihua = factory.headers_for_admin(factory.admin("huaihua", region=world["tree"]["hh"]))
    bands = client.put(f"{API}/grade-bands", headers=huaihua, json={"bands": [
        {"label": "好", "min_points": 40}, {"label": "较好", "min_points": "二十"}, {"label": "差"}]})
    errors = refused_422(bands)
    assert errors == {"bands": ["第 2 项的分数线应为整数。"]}


@pytest.mark.parametrize("body", ["[]", '"联络站"', "42"], ids=["array", "string", "number"])
def test_a_body_that_is_no_object_is_said_under_request(client, world, body):  # noqa: F811
    response = client.post(f"{API}/suggestions", data=body, content_type="application/json",
                           headers=world["citizen"])
    assert refused_422(response) == {"request": ["数据格式不正确，应为对象。"]}
    assert response.json["message"] == "请求体应为 JSON 对象。"


def test_flat_field_errors_are_unchanged(client, world):  # noqa: F811
    response = client.post(f"{API}/suggestions", headers=world["citizen"], json={
        "qr_code": world["station_code"], "category": "城市管理", "content": "路灯坏了好几天了", "nmae": 1})
    assert refused_422(response) == {"nmae": ["不支持的字段。"]}
    assert response.json["message"] == "提交的内容有误，请检查后重试。"


# --- GET /scoring-rules: the contract's list body -----------------------------------------------------


def test_the_rulebook_is_a_list_body_that_pages(client, factory, world):  # noqa: F811
    root = factory.headers_for_admin(factory.admin("root", region=world["tree"]["root"]))
    whole = client.get(f"{API}/scoring-rules", headers=root)
    assert whole.status_code == 200, whole.json
    body = whole.json
    assert set(body) == {"items", "total", "page", "per_page"}
    assert body["page"] == 1 and body["total"] == len(body["items"]) > 2 and body["per_page"] >= body["total"]
    codes = [rule["code"] for rule in body["items"]]
    assert "reception" in codes
    second = client.get(f"{API}/scoring-rules", query_string={"page": 2, "per_page": 2}, headers=root).json
    assert second == {"items": body["items"][2:4], "total": body["total"], "page": 2, "per_page": 2}
    beyond = client.get(f"{API}/scoring-rules", query_string={"page": 99, "per_page": 100}, headers=root).json
    assert beyond["items"] == [] and beyond["total"] == body["total"]
    too_many = client.get(f"{API}/scoring-rules", query_string={"per_page": 101}, headers=root)
    assert "per_page" in refused_422(too_many)


# --- an administrator who must change an initial password ---------------------------------------------


def initial_password_admin(factory, world):
    account = factory.admin("chengnan", stations=[world["station"]])
    token = factory.headers_for_admin(account)
    account.must_change_password = True  # as POST /admins or a reset leaves it: the token is taken before
    db.session.commit()
    return token


PUBLIC_READS = ["/leaderboard", "/stations", "/regions", "/suggestions/categories", "/public/suggestions"]


def test_an_initial_password_reads_what_anyone_may_read(client, factory, world):  # noqa: F811
    token = initial_password_admin(factory, world)
    for path in PUBLIC_READS + [f"/qr/{world['station_code']}"]:
        anyone = client.get(f"{API}{path}")
        theirs = client.get(f"{API}{path}", headers=token)
        assert anyone.status_code == 200, (path, anyone.json)
        assert (theirs.status_code, theirs.json) == (200, anyone.json), path


def test_an_initial_password_still_opens_nothing_that_needs_the_account(client, factory, world):  # noqa: F811
    token = initial_password_admin(factory, world)
    blocked = {"error": "password_change_required", "message": "该账号的密码是他人设置的初始密码，请先修改密码后再使用。"}
    station = world["station"]
    for method, path, body in [
        ("GET", "/suggestions", None), ("GET", "/admins", None), ("GET", "/scoring-rules", None),
        ("GET", f"/deputies/{world['zhang'].id}/points", None), ("GET", "/me/messages", None),
        ("PATCH", f"/stations/{station.id}", {"address": "人民路 20 号"}),
        ("POST", "/stations", {"name": "新联络点", "kind": "point", "region_id": world["tree"]["hc"].id}),
    ]:
        response = client.open(f"{API}{path}", method=method, json=body, headers=token)
        assert (response.status_code, response.json) == (403, blocked), (method, path)
    assert db.session.get(Station, station.id).address != "人民路 20 号"
    assert client.get(f"{API}/me", headers=token).json["must_change_password"] is True


# --- uploads and imports sent without multipart -------------------------------------------------------


NOT_MULTIPART = {"error": "unsupported_media", "message": "请以 multipart/form-data 上传文件。"}


def test_an_upload_sent_as_json_is_unsupported_media(client, world):  # noqa: F811
    for kwargs in ({"json": {"file": "p.jpg"}}, {"data": {"file": "p.jpg"}},
                   {"data": b"\xff\xd8\xff", "content_type": "image/jpeg"}):
        response = client.post(f"{API}/uploads", headers=world["citizen"], **kwargs)
        assert (response.status_code, response.json) == (415, NOT_MULTIPART), kwargs
    assert db.session.scalar(select(func.count()).select_from(Upload)) == 0
    empty = client.post(f"{API}/uploads", headers=world["citizen"], data={}, content_type="multipart/form-data")
    assert refused_422(empty) == {"file": ["请选择要上传的图片。"]}


def test_an_import_sent_without_multipart_is_unsupported_media(client, factory, world):  # noqa: F811
    huaihua = factory.headers_for_admin(factory.admin("huaihua", region=world["tree"]["hh"]))
    deputies = db.session.scalar(select(func.count()).select_from(Deputy))
    for path in ("/deputies/import", "/stations/import", "/admins/import"):
        for kwargs in ({"json": {"file": "名册.xlsx"}},
                       {"data": "姓名,层级\n王五,区县".encode(), "content_type": "text/csv"}):
            response = client.post(f"{API}{path}", headers=huaihua, **kwargs)
            assert (response.status_code, response.json) == (415, NOT_MULTIPART), (path, kwargs)
        empty = client.post(f"{API}{path}", headers=huaihua, data={}, content_type="multipart/form-data")
        assert "file" in refused_422(empty), path
    assert db.session.scalar(select(func.count()).select_from(Deputy)) == deputies
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "王五")) == 0
    # Who may not import at all hears that first, whatever they sent.
    assert client.post(f"{API}/admins/import", json={}, headers=world["admin"]).status_code == 403
    assert client.post(f"{API}/uploads", json={}).status_code == 401


# --- a JSON body sent without its content type ----------------------------------------------------------


NOT_JSON = {"error": "unsupported_media", "message": "请以 JSON 格式（Content-Type: application/json）提交。"}


def test_a_json_body_without_its_content_type_is_unsupported_media_and_changes_nothing(client, world):  # noqa: F811
    import json

    station = f"{API}/stations/{world['station'].id}"
    body = json.dumps({"name": "城北联络站（新址）"}, ensure_ascii=False).encode()
    for content_type in ("", "text/plain", "application/x-www-form-urlencoded"):
        response = client.patch(station, data=body, headers=world["admin"], content_type=content_type)
        assert (response.status_code, response.json) == (415, NOT_JSON), content_type
    assert client.get(station).json["name"] == "城北联络站"
    deputy = client.patch(f"{API}/deputies/{world['zhang'].id}", data='{"active": false}', headers=world["admin"],
                          content_type="")
    assert (deputy.status_code, deputy.json) == (415, NOT_JSON)
    assert db.session.get(Deputy, world["zhang"].id).active is True
    filing = json.dumps({"qr_code": world["station_code"], "category": "城市管理", "content": "路灯坏了一个月。"})
    refused = client.post(f"{API}/suggestions", data=filing, headers=world["citizen"], content_type="text/plain;charset=UTF-8")
    assert (refused.status_code, refused.json) == (415, NOT_JSON)
    assert suggestions() == 0
    # A step with no body needs no content type; one sent as application/*+json is JSON.
    item = file(client, world["citizen"], world["deputy_code"]).json["id"]
    assert client.post(f"{API}/suggestions/{item}/accept", headers=world["zhang_h"]).status_code == 200
    assert client.patch(station, data=body, headers=world["admin"], content_type="application/merge-patch+json").status_code == 200


# --- an empty query value is no filter --------------------------------------------------------------------


def test_the_contracts_list_urls_with_empty_values_answer_the_unfiltered_list(client, world):  # noqa: F811
    file(client, world["citizen"], world["station_code"])
    mine = client.get(f"{API}/suggestions?scope=mine&status=&category=&overdue=&page=&per_page=", headers=world["citizen"])
    assert mine.status_code == 200, mine.json
    assert (mine.json["total"], mine.json["page"], mine.json["per_page"]) == (1, 1, 20)
    zhang = f"{API}/deputies/{world['zhang'].id}"
    for path, who in ((f"{API}/stats/suggestions?region_id=&station_id=&from=&to=", world["admin"]),
                      (f"{API}/leaderboard?region_id=&level=&group=&year=&limit=", None),
                      (f"{API}/activities?scope=&status=", world["zhang_h"]),
                      (f"{zhang}/points?year=", world["zhang_h"]), (f"{zhang}/archive?year=", world["zhang_h"])):
        response = client.get(path, headers=who)
        assert response.status_code == 200, (path, response.json)
        assert response.json == client.get(path.split("?")[0], headers=who).json, path


# --- the timeline's filing entry -----------------------------------------------------------------------


def test_the_filing_entry_of_the_timeline_comes_from_no_status(client, world):  # noqa: F811
    from backend.suggestions.models import SuggestionEvent

    for code, status in ((world["station_code"], "pending"), (world["deputy_code"], "assigned")):
        filed = file(client, world["citizen"], code).json
        for timeline in (filed["timeline"], client.get(f"{API}/suggestions/{filed['id']}", headers=world["citizen"]).json["timeline"]):
            assert (timeline[0]["action"], timeline[0]["from_status"], timeline[0]["to_status"]) == ("file", None, status)
    # A filing written before, with its status on both sides, reads the same.
    db.session.execute(SuggestionEvent.__table__.update().where(SuggestionEvent.action == "file")
                       .values(from_status=SuggestionEvent.to_status))
    db.session.commit()
    old = client.get(f"{API}/suggestions/{filed['id']}", headers=world["citizen"]).json["timeline"][0]
    assert (old["from_status"], old["to_status"]) == (None, "assigned")
