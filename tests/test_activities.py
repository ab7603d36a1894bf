"""发单 → 接单 → 扫码签到 → 结单 → 积分, through the HTTP API, and the leaderboard and archives it feeds."""
from datetime import datetime, timedelta, timezone

import openpyxl
import io
import pytest

from sqlalchemy import select, update

from backend.activities import rotating
from backend.activities.models import Activity, ActivityParticipant
from backend.db_types import utcnow
from backend.extensions import db
from backend.org.models import Deputy

from .factories import sent_statements

STATION = (27.5601, 109.9985)


def iso(dt):
    return dt.astimezone(timezone(timedelta(hours=8))).isoformat()


@pytest.fixture
def crew(factory):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站", lat=STATION[0], lng=STATION[1], address="人民路 18 号")
    names = ["张伟", "李娜", "王强", "赵敏"]
    deputies = [factory.deputy(tree["hc"], name, phone=f"1380000010{i}", stations=[station]) for i, name in enumerate(names)]
    admin = factory.admin("chengbei", stations=[station])
    return {
        "tree": tree,
        "station": station,
        "deputies": deputies,
        "headers": [factory.deputy_headers(d) for d in deputies],
        "admin": factory.headers_for_admin(admin),
        "root_admin": factory.headers_for_admin(factory.admin("root", region=tree["root"])),
    }


def dispatch(client, crew, deputies, starts=None, ends=None, headers=None, **extra):
    now = datetime.now(timezone.utc)
    body = {
        "title": "城北联络站进站接待选民",
        "type": "reception",
        "station_id": crew["station"].id,
        "starts_at": iso(starts or now - timedelta(minutes=10)),
        "ends_at": iso(ends or now + timedelta(hours=2)),
        "deputy_ids": [d.id for d in deputies],
    } | extra
    return client.post("/api/v1/activities", json=body, headers=headers or crew["admin"])


def checkin(client, headers, code, lat=STATION[0], lng=STATION[1]):
    return client.post("/api/v1/checkins", json={"qr_code": code, "lat": lat, "lng": lng}, headers=headers)


def invited_ahead(app, activity_id, ahead=timedelta(days=1)):
    """Its deputies were invited ``ahead`` of its start, as 发单 usually is, not after it (one invited once it
    had begun may take leave until it ends; one invited once its check-in window had closed, 补录, is not
    marked absent)."""
    with app.app_context():
        starts = db.session.get(Activity, activity_id).starts_dt
        db.session.execute(update(ActivityParticipant).where(ActivityParticipant.activity_id == activity_id)
                           .values(invited_dt=starts - ahead, invited_afterwards=False))
        db.session.commit()


def begin(app, activity_id, ago=timedelta(minutes=10)):
    """Time passes until the activity has begun (``ago``): 请假 is over, 结单 allowed. The deputies invited
    so far were invited as long before the new start as before the old one."""
    with app.app_context():
        earlier = db.session.get(Activity, activity_id).starts_dt - (utcnow() - ago)
        db.session.execute(update(Activity).where(Activity.id == activity_id).values(starts_dt=utcnow() - ago))
        for p in db.session.scalars(select(ActivityParticipant).where(ActivityParticipant.activity_id == activity_id)):
            if p.invited_dt is not None:
                p.invited_dt -= earlier
        db.session.commit()


def test_a_deputys_reason_for_leave_is_theirs_and_the_administrators_only(client, crew):
    """请假 asks why ("住院手术"): the deputy who took leave and the administrators who manage the
    activity read the reason; the other deputies invited see only that they are on leave."""
    zhang, li = crew["deputies"][:2]
    zh, lh = crew["headers"][:2]
    starts = datetime.now(timezone.utc) + timedelta(days=1)
    activity_id = dispatch(client, crew, [zhang, li], starts=starts, ends=starts + timedelta(hours=2)).json["id"]
    assert client.post(f"/api/v1/activities/{activity_id}/decline", json={"reason": "住院手术"},
                       headers=lh).status_code == 200

    def leave_of(headers, path=f"/api/v1/activities/{activity_id}"):
        participants = client.get(path, headers=headers).json["participants"]
        return {p["deputy"]["name"]: (p["status"], p.get("decline_reason")) for p in participants}

    assert leave_of(zh)["李娜"] == ("declined", None)
    assert leave_of(lh)["李娜"] == ("declined", "住院手术")
    assert leave_of(crew["admin"])["李娜"] == ("declined", "住院手术")
    accepted = client.post(f"/api/v1/activities/{activity_id}/accept", headers=zh).json["participants"]
    assert "住院手术" not in str(accepted)


def test_an_activity_costs_the_same_statements_for_one_invitee_as_for_many(client, app, crew):
    """Participants come with their deputies in one query: an activity's page and a deputy's 接单 send
    as many statements for four invitees as for one, and read no printed QR code."""
    zh = crew["headers"][0]
    activities = [(dispatch(client, crew, invited).json["id"], len(invited))
                  for invited in (crew["deputies"][:1], crew["deputies"])]
    sent_by_size = []
    for activity_id, invited in activities:
        sizes = []
        for method, path in (("GET", ""), ("POST", "/accept")):
            db.session.remove()  # a session of its own, as every request has in production
            with sent_statements(app) as sent:
                answer = client.open(f"/api/v1/activities/{activity_id}{path}", method=method, headers=zh)
            assert answer.status_code == 200 and len(answer.json["participants"]) == invited, answer.json
            assert not any("qr_codes" in s for s in sent), sent
            sizes.append(len(sent))
        sent_by_size.append(sizes)
    assert sent_by_size[0] == sent_by_size[1], sent_by_size


def test_the_whole_loop_from_dispatch_to_points(client, app, crew, wechat_standin):
    zhang, li, wang, zhao = crew["deputies"]
    zh, lh, wh, zhh = crew["headers"]
    # Starting in ten minutes: leave is asked before the start, check-in opens half an hour before it.
    now = datetime.now(timezone.utc)
    created = dispatch(client, crew, [zhang, li, wang], starts=now + timedelta(minutes=10))
    assert created.status_code == 201, created.json
    activity_id = created.json["id"]
    assert [p["status"] for p in created.json["participants"]] == ["invited"] * 3

    assert client.post(f"/api/v1/activities/{activity_id}/accept", headers=zh).json["my_status"] == "accepted"
    declined = client.post(f"/api/v1/activities/{activity_id}/decline", json={"reason": "出差在外"}, headers=lh)
    assert declined.json["my_status"] == "declined"

    code = crew["station"].qr_code
    far = checkin(client, zh, code, lat=STATION[0] + 0.045, lng=STATION[1])  # about 5 km north
    assert far.status_code == 409
    assert "超出" in far.json["message"] and "米" in far.json["message"]
    first = checkin(client, zh, code)
    assert first.status_code == 201, first.json
    assert first.json["activity_id"] == activity_id
    again = checkin(client, zh, code)
    assert again.status_code == 200
    assert again.json["checked_in_at"] == first.json["checked_in_at"]

    uninvited = checkin(client, zhh, code)
    assert uninvited.status_code == 409
    assert "邀请名单" in uninvited.json["message"]

    begin(app, activity_id)
    closed = client.post(f"/api/v1/activities/{activity_id}/close", json={"early": True}, headers=crew["admin"])
    assert closed.status_code == 200
    assert closed.json["summary"]["checked_in"] == 1
    assert closed.json["summary"]["absent"] == 1
    assert closed.json["summary"]["declined"] == 1

    detail = client.get(f"/api/v1/activities/{activity_id}", headers=crew["admin"]).json
    assert {p["deputy"]["name"]: p["status"] for p in detail["participants"]} == {
        "张伟": "checked_in", "李娜": "declined", "王强": "absent",
    }
    assert closed.json["summary"]["points_credited"] == 4, closed.json  # the net change, as before
    summary = closed.json["summary"]
    assert (summary["points_awarded"], summary["deputies_awarded"]) == (5, 1), summary
    assert (summary["points_deducted"], summary["deputies_deducted"]) == (-1, 1), summary
    board = client.get("/api/v1/leaderboard").json
    assert board[0] == {"rank": 1, "deputy": {"id": zhang.id, "name": "张伟", "level": "city"}, "points": 5}
    # 李娜 (on leave) and 赵敏 (not invited), in office without a point, at 0 above 王强's absence.
    assert [(row["rank"], row["deputy"]["name"], row["points"]) for row in board] == [
        (1, "张伟", 5), (2, "李娜", 0), (2, "赵敏", 0), (4, "王强", -1)]

    zhang_points = client.get(f"/api/v1/deputies/{zhang.id}/points", headers=zh).json
    assert zhang_points["total"] == 5
    assert zhang_points["entries"][0]["rule_code"] == "reception"
    assert client.get(f"/api/v1/deputies/{wang.id}/points", headers=wh).json["total"] == -1

    archive = client.get(f"/api/v1/deputies/{zhang.id}/archive", headers=zh).json
    assert archive["activities"][0]["checked_in"] == 1
    assert archive["points"]["total"] == 5
    wang_archive = client.get(f"/api/v1/deputies/{wang.id}/archive", headers=crew["admin"]).json
    assert wang_archive["activities"][0]["absent"] == 1
    assert wang_archive["points"]["by_rule"] == [{"rule_code": "absence", "label": "无故缺席活动", "count": 1, "points": -1}]

    # Closing again changes nothing.
    twice = client.post(f"/api/v1/activities/{activity_id}/close", headers=crew["admin"])
    assert twice.status_code == 200
    assert twice.json["summary"]["points_credited"] == 0
    assert (twice.json["summary"]["points_awarded"], twice.json["summary"]["points_deducted"]) == (0, 0)
    assert client.get(f"/api/v1/deputies/{zhang.id}/points", headers=zh).json["total"] == 5

    # Every invited deputy was told about the activity through WeChat.
    from backend.notifications.outbox import deliver_due

    with app.app_context():
        deliver_due()
    invited = {m["touser"] for m in wechat_standin.messages() if m["template_id"] == "tmpl-activity"}
    assert invited == {f"fake-openid-deputy{d.id}" for d in (zhang, li, wang)}


def test_check_in_refusals_say_why(client, crew):
    zhang = crew["deputies"][0]
    zh = crew["headers"][0]
    now = datetime.now(timezone.utc)
    dispatch(client, crew, [zhang], starts=now + timedelta(hours=3), ends=now + timedelta(hours=5))
    early = checkin(client, zh, crew["station"].qr_code)
    assert early.status_code == 409
    assert "尚未开始签到" in early.json["message"]

    late_id = dispatch(client, crew, [zhang], title="早上的视察", type="inspection",
                       starts=now - timedelta(hours=5), ends=now - timedelta(hours=3)).json["id"]
    assert late_id
    assert "尚未开始" in checkin(client, zh, crew["station"].qr_code).json["message"]  # the upcoming one is named

    citizen = client.post("/api/v1/auth/wechat", json={"code": "just-a-citizen"}).json["token"]
    not_deputy = checkin(client, {"Authorization": f"Bearer {citizen}"}, crew["station"].qr_code)
    assert not_deputy.status_code == 403

    deputy_code = checkin(client, zh, zhang.qr_code)
    assert deputy_code.status_code == 409
    assert "签到码" in deputy_code.json["message"]


def test_each_check_in_refusal_names_its_reason(client, app, crew):
    """Every refusal of a scan is 409 ``checkin_refused`` with its sentence and, beyond the contract's
    fields, a ``reason`` word: the phone offers 去设置 only for ``location_required`` (a deputy refused as
    not invited or too early gains nothing from the location settings)."""
    zhang, li, _, zhao = crew["deputies"]
    zh, lh, _, zhh = crew["headers"]
    code = crew["station"].qr_code
    now = datetime.now(timezone.utc)

    def refused(headers, qr_code, **position):
        answer = client.post("/api/v1/checkins", json={"qr_code": qr_code} | position, headers=headers)
        assert (answer.status_code, answer.json["error"], set(answer.json)) == \
            (409, "checkin_refused", {"error", "message", "reason"}), answer.json
        return answer.json["reason"], answer.json["message"]

    def cancel(activity_id):
        assert client.post(f"/api/v1/activities/{activity_id}/cancel", headers=crew["admin"]).status_code == 200

    now_on = dispatch(client, crew, [zhang]).json["id"]
    leave = dispatch(client, crew, [li], title="城北联络站代表小组活动", type="group",
                     starts=now + timedelta(minutes=20)).json["id"]
    assert client.post(f"/api/v1/activities/{leave}/decline", json={"reason": "外出开会"}, headers=lh).status_code == 200
    assert refused(zh, code) == ("location_required", "请开启手机定位后重新扫码签到（签到需确认您在活动现场）。")
    assert refused(zh, code, lat=39.9, lng=116.4) == (
        "too_far", "您距离活动地点约 1493 公里，超出 500 米的签到范围，请到现场后再扫码。")
    assert refused(zhh, code, lat=STATION[0], lng=STATION[1]) == ("not_invited", "您不在本次活动的邀请名单中，不能签到。")
    assert refused(lh, code, lat=STATION[0], lng=STATION[1]) == (
        "declined", "您已请假，如需参加请先取消请假（重新接单）后再签到。")
    cancel(now_on)
    cancel(leave)
    # Nothing at the station now; to a deputy who was on the activity just cancelled, that it was.
    assert refused(zhh, code, lat=STATION[0], lng=STATION[1]) == ("no_activity", "这里目前没有需要签到的活动。")
    assert refused(zh, code, lat=STATION[0], lng=STATION[1]) == ("cancelled", "活动已取消，不能签到。")

    later = dispatch(client, crew, [zhang], starts=now + timedelta(hours=3), ends=now + timedelta(hours=5)).json["id"]
    reason, message = refused(zh, code, lat=STATION[0], lng=STATION[1])
    assert reason == "too_early" and "尚未开始签到" in message, message
    cancel(later)
    dispatch(client, crew, [zhang, zhao], starts=now - timedelta(hours=5), ends=now - timedelta(hours=3))
    assert refused(zhh, code, lat=STATION[0], lng=STATION[1]) == ("too_late", "活动签到时间已过，不能再签到。")
    assert refused(zh, code, lat=STATION[0], lng=STATION[1]) == ("cancelled", "活动已取消，不能签到。")

    for end, reason in (("close", "ended"), ("cancel", "cancelled")):
        activity_id = dispatch(client, crew, [zhang]).json["id"]
        screen = client.get(f"/api/v1/activities/{activity_id}/checkin-code", headers=crew["admin"]).json["qr_code"]
        assert client.post(f"/api/v1/activities/{activity_id}/{end}", json={"early": True} if end == "close" else {},
                           headers=crew["admin"]).status_code == 200
        assert refused(zh, screen)[0] == reason
    activity_id = dispatch(client, crew, [zhang]).json["id"]
    with app.test_request_context():
        old_code, _ = rotating.make_code(activity_id, datetime.now(timezone.utc) - timedelta(seconds=75))
    assert refused(zh, old_code) == ("code_expired", "签到码已过期，请扫描现场屏幕上的最新签到码。")
    # Other answers keep the contract's fields only.
    other = checkin(client, zh, li.qr_code)
    assert set(other.json) == {"error", "message"} and other.json["error"] == "not_checkin_code", other.json


def test_half_a_position_is_refused_not_taken_for_none(client, crew):
    """A latitude without its longitude (or the other way round) is no position: a scan sending one
    skipped the distance check (a deputy 1,400 km away was checked in), and an activity given one had
    a point that was nowhere. Both are 422 naming the missing half, and write nothing."""
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    activity_id = dispatch(client, crew, [zhang]).json["id"]
    for half, missing in (({"lat": 40.0}, "lng"), ({"lng": 116.4}, "lat"), ({"lat": 40.0, "lng": None}, "lng")):
        scan = client.post("/api/v1/checkins", json={"qr_code": crew["station"].qr_code} | half, headers=zh)
        assert (scan.status_code, scan.json["errors"]) == (422, {missing: ["请同时提供纬度和经度。"]}), scan.json
    assert client.get(f"/api/v1/activities/{activity_id}", headers=zh).json["my_status"] == "invited"

    for half, missing in (({"lat": 27.5}, "lng"), ({"lng": 109.9}, "lat")):
        placed = dispatch(client, crew, [zhang], station_id=None, region_id=crew["tree"]["hc"].id, place="鹤城区政府",
                          headers=crew["root_admin"], **half)
        assert (placed.status_code, placed.json["errors"]) == (422, {missing: ["请同时提供纬度和经度。"]}), placed.json
    assert client.get("/api/v1/activities?scope=station", headers=crew["root_admin"]).json["total"] == 1


def test_too_late_is_refused(client, crew):
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    now = datetime.now(timezone.utc)
    dispatch(client, crew, [zhang], starts=now - timedelta(hours=5), ends=now - timedelta(hours=3))
    late = checkin(client, zh, crew["station"].qr_code)
    assert late.status_code == 409
    assert "签到时间已过" in late.json["message"]


def test_rotating_code_checks_in_and_expires(client, app, crew):
    zhang, li = crew["deputies"][:2]
    activity_id = dispatch(client, crew, [zhang, li], type="training", title="代表履职培训").json["id"]
    screen = client.get(f"/api/v1/activities/{activity_id}/checkin-code", headers=crew["admin"])
    assert screen.status_code == 200
    code = screen.json["qr_code"]
    assert screen.json["url"].endswith("/q/" + code)
    resolved = client.get(f"/api/v1/qr/{code}").json
    assert resolved["kind"] == "activity" and resolved["actions"] == ["checkin"]

    assert checkin(client, crew["headers"][0], code).status_code == 201
    with app.test_request_context():
        old_code, _ = rotating.make_code(activity_id, datetime.now(timezone.utc) - timedelta(seconds=75))
    photo = checkin(client, crew["headers"][1], old_code)
    assert photo.status_code == 409
    assert "签到码已过期" in photo.json["message"]
    assert client.get(f"/api/v1/qr/{old_code}").status_code == 410
    forged = code[:-3] + ("aaa" if not code.endswith("aaa") else "bbb")
    assert checkin(client, crew["headers"][1], forged).status_code == 404


def test_rule_changes_apply_only_to_points_earned_afterwards(client, crew):
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    now = datetime.now(timezone.utc)  # this morning's, then one now (not at the same time: both credited)
    first = dispatch(client, crew, [zhang], starts=now - timedelta(hours=3), ends=now - timedelta(minutes=15)).json["id"]
    checkin(client, zh, crew["station"].qr_code)
    client.post(f"/api/v1/activities/{first}/close", headers=crew["admin"])

    rules = client.get("/api/v1/scoring-rules", headers=crew["root_admin"]).json["items"]
    assert {r["code"]: r["points"] for r in rules}["reception"] == 5
    assert client.put("/api/v1/scoring-rules/reception", json={"points": 8}, headers=crew["admin"]).status_code == 403
    # The rule as listed, sent back whole with its points changed (code and applies_to may not change).
    reception = next(r for r in rules if r["code"] == "reception")
    changed = client.put("/api/v1/scoring-rules/reception", json=reception | {"points": 8}, headers=crew["root_admin"])
    assert changed.status_code == 200 and changed.json == reception | {"points": 8}
    for field, value in (("code", "inspection"), ("applies_to", "suggestion")):
        renamed = client.put("/api/v1/scoring-rules/reception", json=reception | {field: value}, headers=crew["root_admin"])
        assert renamed.status_code == 422 and list(renamed.json["errors"]) == [field], renamed.json
    paused = client.put("/api/v1/scoring-rules/inspection", json={"active": False}, headers=crew["root_admin"])
    assert paused.status_code == 200 and paused.json["active"] is False and paused.json["points"] == 3

    second = dispatch(client, crew, [zhang], title="第二次接待").json["id"]
    checkin(client, zh, crew["station"].qr_code)
    client.post(f"/api/v1/activities/{second}/close", headers=crew["admin"])
    points = client.get(f"/api/v1/deputies/{zhang.id}/points", headers=zh).json
    assert [e["points"] for e in points["entries"]] == [5, 8]
    assert points["total"] == 13


def test_a_rule_changed_between_the_check_in_and_jiedan_keeps_what_the_check_in_earned(client, crew):
    """张伟 attends a reception (5 by the rulebook then); the congress lowers 接待选民 to 2 before 结单, and 李娜
    checks in after that; then the line is switched off. 结单 credits each what the line said at their check-in."""
    zhang, li = crew["deputies"][:2]
    now = datetime.now(timezone.utc)
    # Over a minute ago, check-in still open: the second reception below starts now and does not overlap it.
    activity_id = dispatch(client, crew, [zhang, li], starts=now - timedelta(hours=3),
                           ends=now - timedelta(minutes=1)).json["id"]
    assert checkin(client, crew["headers"][0], crew["station"].qr_code).status_code == 201
    assert client.put("/api/v1/scoring-rules/reception", json={"points": 2}, headers=crew["root_admin"]).status_code == 200
    assert checkin(client, crew["headers"][1], crew["station"].qr_code).status_code == 201
    assert client.put("/api/v1/scoring-rules/reception", json={"active": False},
                      headers=crew["root_admin"]).status_code == 200
    closed = client.post(f"/api/v1/activities/{activity_id}/close", headers=crew["admin"])
    assert closed.json["summary"]["points_awarded"] == 7, closed.json
    for deputy, headers, earned in ((zhang, crew["headers"][0], [5]), (li, crew["headers"][1], [2])):
        entries = client.get(f"/api/v1/deputies/{deputy.id}/points", headers=headers).json["entries"]
        assert [e["points"] for e in entries] == earned

    # A deputy checking in once the line is off earns nothing, whatever it says by 结单.
    later = dispatch(client, crew, [zhang], starts=now, title="第二次接待").json["id"]
    assert checkin(client, crew["headers"][0], crew["station"].qr_code).status_code == 201
    assert client.put("/api/v1/scoring-rules/reception", json={"active": True},
                      headers=crew["root_admin"]).status_code == 200
    client.post(f"/api/v1/activities/{later}/close", headers=crew["admin"])
    assert client.get(f"/api/v1/deputies/{zhang.id}/points", headers=crew["headers"][0]).json["total"] == 5


def test_leaderboard_ties_share_a_rank_and_the_first_to_reach_leads(client, crew):
    zhang, li, wang = crew["deputies"][:3]
    zh, lh, wh = crew["headers"][:3]
    for deputy, headers in ((li, lh), (zhang, zh)):
        activity_id = dispatch(client, crew, [deputy], title=f"{deputy.name}的接待").json["id"]
        checkin(client, headers, crew["station"].qr_code)
        client.post(f"/api/v1/activities/{activity_id}/close", headers=crew["admin"])
    board = client.get("/api/v1/leaderboard").json
    # The crew's other two, in office without a point, stand at 0 after them.
    assert [(r["rank"], r["deputy"]["name"], r["points"]) for r in board] == [
        (1, "李娜", 5), (1, "张伟", 5), (3, "王强", 0), (3, "赵敏", 0)]
    assert set(board[0]) == {"rank", "deputy", "points"}
    assert set(board[0]["deputy"]) == {"id", "name", "level"}
    assert client.get(f"/api/v1/leaderboard?region_id={crew['tree']['cs'].id}").json == []
    assert client.get("/api/v1/leaderboard?level=national").json == []


def test_archive_spreadsheet_opens_with_the_figures(client, crew):
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    activity_id = dispatch(client, crew, [zhang]).json["id"]
    checkin(client, zh, crew["station"].qr_code)
    client.post(f"/api/v1/activities/{activity_id}/close", headers=crew["admin"])
    response = client.get(f"/api/v1/deputies/{zhang.id}/archive?format=xlsx", headers=zh)
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert any("张伟" in str(c) and "履职档案" in str(c) for c in cells)
    assert "接待选民" in cells and "合计" in cells


def test_archive_spreadsheet_opens_when_a_name_holds_a_control_character(client, crew):
    """A name kept with a control character (imported before imports dropped them): the spreadsheet
    leaves it out rather than failing to be written."""
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    db.session.execute(update(Deputy).where(Deputy.id == zhang.id).values(name="张\x0b伟", group="第一\x07小组"))
    db.session.commit()
    response = client.get(f"/api/v1/deputies/{zhang.id}/archive?format=xlsx", headers=zh)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet["A1"].value.startswith("张伟 ") and sheet["A2"].value.endswith(" · 第一小组")


def test_archive_spreadsheet_keeps_a_rule_named_like_a_formula_as_text(client, crew):
    """A rulebook line whose name starts with "=" (typed by an administrator, or pasted from a sheet)
    is shown in the archive as its name, a text cell, not a formula Excel runs when the deputy opens it."""
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    label = '=HYPERLINK("http://evil.example","点击")'
    assert client.put("/api/v1/scoring-rules/reception", json={"label": label},
                      headers=crew["root_admin"]).status_code == 200
    activity_id = dispatch(client, crew, [zhang]).json["id"]
    checkin(client, zh, crew["station"].qr_code)
    client.post(f"/api/v1/activities/{activity_id}/close", headers=crew["admin"])
    response = client.get(f"/api/v1/deputies/{zhang.id}/archive?format=xlsx", headers=zh)
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    line = next(row[0] for row in sheet.iter_rows() if row[0].value == label)
    assert (line.data_type, line.quotePrefix, line.offset(column=2).value) == ("s", True, 5)


def test_points_and_archives_are_private_and_activities_scoped(client, factory, crew):
    zhang, li = crew["deputies"][:2]
    zh, lh = crew["headers"][:2]
    activity_id = dispatch(client, crew, [zhang]).json["id"]
    assert client.get(f"/api/v1/deputies/{zhang.id}/points", headers=lh).status_code == 404
    outsider = factory.headers_for_admin(factory.admin("changsha", region=crew["tree"]["cs"]))
    for admin, status in ((crew["admin"], 200), (crew["root_admin"], 200), (outsider, 404)):
        assert client.get(f"/api/v1/deputies/{zhang.id}/points", headers=admin).status_code == status
    assert client.get(f"/api/v1/deputies/{zhang.id}/archive", headers=lh).status_code == 404
    assert client.get(f"/api/v1/activities/{activity_id}", headers=lh).status_code == 404
    assert client.post(f"/api/v1/activities/{activity_id}/close", headers=zh).status_code == 403
    assert client.post(f"/api/v1/activities/{activity_id}/accept", headers=lh).status_code == 404
    assert client.get("/api/v1/activities", headers=zh).json["total"] == 1
    assert client.get("/api/v1/activities", headers=lh).json["total"] == 0


def test_bad_dispatches_are_422_and_write_nothing(client, factory, crew):
    far = factory.deputy(crew["tree"]["yl"], "长沙代表", phone="13800000999")
    now = datetime.now(timezone.utc)
    cases = [
        ({"deputy_ids": [far.id]}, "deputy_ids"),
        ({"deputy_ids": []}, "deputy_ids"),
        ({"type": "party"}, "type"),
        ({"starts_at": "明天上午"}, "starts_at"),
        ({"starts_at": "2026-11-23T09:00:00"}, "starts_at"),  # no offset
        ({"ends_at": iso(now - timedelta(hours=1))}, "ends_at"),
        ({"title": ""}, "title"),
        ({"points": 1000}, "points"),
        ({"points": 2.5}, "points"),  # not 2: points are whole, as the rulebook's
        ({"points": "5"}, "points"),  # a number, as the rulebook's
    ]
    for extra, field in cases:
        response = dispatch(client, crew, crew["deputies"][:1], **extra)
        assert response.status_code == 422, (extra, response.json)
        assert field in response.json["errors"], (extra, response.json)
    assert client.get("/api/v1/activities", headers=crew["admin"]).json["total"] == 0


def test_cancelled_activities_earn_nothing(client, crew):
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    activity_id = dispatch(client, crew, [zhang]).json["id"]
    assert client.post(f"/api/v1/activities/{activity_id}/cancel", headers=crew["admin"]).json["status"] == "cancelled"
    assert checkin(client, zh, crew["station"].qr_code).status_code == 409
    assert client.post(f"/api/v1/activities/{activity_id}/close", headers=crew["admin"]).status_code == 409
    assert client.get(f"/api/v1/deputies/{zhang.id}/points", headers=zh).json["total"] == 0
    # Cancelled again (a second tab, a retry): said as it is, not as if it had been closed.
    again = client.post(f"/api/v1/activities/{activity_id}/cancel", headers=crew["admin"])
    assert (again.status_code, again.json["error"], again.json["message"]) == \
        (409, "invalid_transition", "活动已取消，无需再次取消。")


def test_suggestion_loop_credits_the_same_ledger(client, crew):
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    citizen = {"Authorization": "Bearer " + client.post("/api/v1/auth/wechat", json={"code": "cit"}).json["token"]}
    item = client.post("/api/v1/suggestions", json={"qr_code": zhang.qr_code, "category": "道路交通", "content": "路口缺红绿灯"},
                       headers=citizen).json["id"]
    client.post(f"/api/v1/suggestions/{item}/accept", headers=zh)
    client.post(f"/api/v1/suggestions/{item}/reply", json={"content": "已协调交警部门"}, headers=zh)
    client.post(f"/api/v1/suggestions/{item}/rate", json={"satisfaction": "satisfied"}, headers=citizen)
    points = client.get(f"/api/v1/deputies/{zhang.id}/points", headers=zh).json
    assert sorted((e["rule_code"], e["points"]) for e in points["entries"]) == [("suggestion_closed", 3), ("suggestion_satisfied", 1)]
    assert points["total"] == 4


def test_a_checked_in_deputy_cannot_take_leave_afterwards(client, crew):
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    activity_id = dispatch(client, crew, [zhang]).json["id"]
    assert checkin(client, zh, crew["station"].qr_code).status_code == 201
    late_leave = client.post(f"/api/v1/activities/{activity_id}/decline", json={"reason": "临时有事"}, headers=zh)
    assert late_leave.status_code == 409
    assert late_leave.json["message"] == "已签到或已请假，不能再请假。"
    assert client.get(f"/api/v1/activities/{activity_id}", headers=zh).json["my_status"] == "checked_in"
    missing_reason = client.post(f"/api/v1/activities/{activity_id}/decline", json={}, headers=zh)
    assert missing_reason.status_code == 422 and "reason" in missing_reason.json["errors"]


def test_leave_from_one_activity_does_not_block_check_in_to_another_at_the_same_place(client, app, crew):
    """Two activities open for check-in at one station: the deputy took leave from the first and
    accepted the second; the scan checks them in to the second (it once refused them as on leave,
    and closing then marked them absent)."""
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    now = datetime.now(timezone.utc)
    on_leave = dispatch(client, crew, [zhang], starts=now + timedelta(minutes=20)).json["id"]
    attending = dispatch(client, crew, [zhang], title="城北联络站代表小组活动", type="group").json["id"]
    assert client.post(f"/api/v1/activities/{on_leave}/decline", json={"reason": "外出开会"}, headers=zh).status_code == 200
    assert client.post(f"/api/v1/activities/{attending}/accept", headers=zh).status_code == 200

    scanned = checkin(client, zh, crew["station"].qr_code)
    assert scanned.status_code == 201 and scanned.json["activity_id"] == attending, scanned.json
    again = checkin(client, zh, crew["station"].qr_code)
    assert again.status_code == 200 and again.json["activity_id"] == attending

    begin(app, on_leave)
    for activity_id in (on_leave, attending):
        assert client.post(f"/api/v1/activities/{activity_id}/close", headers=crew["admin"]).status_code == 200
    assert [client.get(f"/api/v1/activities/{a}", headers=zh).json["my_status"] for a in (on_leave, attending)] \
        == ["declined", "checked_in"]
    entries = client.get(f"/api/v1/deputies/{zhang.id}/points", headers=zh).json["entries"]
    assert [(e["source_id"], e["points"] > 0) for e in entries] == [(attending, True)]


def test_a_rotating_code_of_an_ended_activity_says_so(client, app, crew):
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    for end, message in (("close", "活动已结单，不能再签到。"), ("cancel", "活动已取消，不能签到。")):
        activity_id = dispatch(client, crew, [zhang]).json["id"]
        code = client.get(f"/api/v1/activities/{activity_id}/checkin-code", headers=crew["admin"]).json["qr_code"]
        assert client.post(f"/api/v1/activities/{activity_id}/{end}", json={"early": True} if end == "close" else {},
                           headers=crew["admin"]).status_code == 200
        refused = checkin(client, zh, code)
        assert (refused.status_code, refused.json["message"]) == (409, message)
    with app.test_request_context():
        never_existed, _ = rotating.make_code(2**31 - 1, datetime.now(timezone.utc))
    assert checkin(client, zh, never_existed).status_code == 404


def test_a_deputys_code_scanned_to_check_in_says_it_is_no_check_in_code(client, crew):
    """Its own error code, so that the phone offers neither 重试 nor the card of a station it is not."""
    zhang, li = crew["deputies"][:2]
    dispatch(client, crew, [zhang])
    refused = checkin(client, crew["headers"][0], li.qr_code)
    assert (refused.status_code, refused.json) == (
        409, {"error": "not_checkin_code", "message": "这不是联络站或活动的签到码，请扫描联络站或活动现场的签到码。"})


def test_scope_all_lists_the_activities_every_role_of_the_caller_shows(client, factory, crew):
    zhang, li = crew["deputies"][:2]
    zhangs = dispatch(client, crew, [zhang]).json["id"]
    lis = dispatch(client, crew, [li], title="城北联络站视察", type="inspection").json["id"]
    outsider = factory.headers_for_admin(factory.admin("changsha", region=crew["tree"]["cs"]))
    for viewer, expected in ((crew["headers"][0], [zhangs]), (crew["headers"][2], []),
                             (crew["admin"], [lis, zhangs]), (crew["root_admin"], [lis, zhangs]), (outsider, [])):
        listed = client.get("/api/v1/activities?scope=all", headers=viewer)
        assert listed.status_code == 200 and sorted(a["id"] for a in listed.json["items"]) == sorted(expected)
    citizen = client.post("/api/v1/auth/wechat", json={"code": "just-a-citizen"}).json["token"]
    refused = client.get("/api/v1/activities?scope=all", headers={"Authorization": f"Bearer {citizen}"})
    assert (refused.status_code, refused.json["message"]) == (403, "只有代表和管理员可以查看活动。")


def test_every_activity_type_reaches_the_deputy_through_wechat(client, app, crew, wechat_standin):
    """WeChat refuses a subscribe message whose ``phrase`` is more than five Chinese characters (the
    stand-in as well): 代表小组活动 goes as 小组活动, and every type's invitation is delivered."""
    from backend.activities.models import ACTIVITY_TYPE_LABELS
    from backend.notifications.outbox import deliver_due

    zhang = crew["deputies"][0]
    for kind in ACTIVITY_TYPE_LABELS:
        assert dispatch(client, crew, [zhang], type=kind).status_code == 201
    with app.app_context():
        assert deliver_due()["failed"] == 0
    phrases = [m["data"]["phrase2"]["value"] for m in wechat_standin.messages() if m["template_id"] == "tmpl-activity"]
    assert len(phrases) == len(ACTIVITY_TYPE_LABELS) and "小组活动" in phrases


def test_the_archive_counts_neither_cancelled_activities_nor_merged_duplicates(client, crew):
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    attended = dispatch(client, crew, [zhang]).json["id"]
    checkin(client, zh, crew["station"].qr_code)
    client.post(f"/api/v1/activities/{attended}/close", headers=crew["admin"])
    called_off = dispatch(client, crew, [zhang], title="取消的视察", type="inspection").json["id"]
    assert client.post(f"/api/v1/activities/{called_off}/cancel", headers=crew["admin"]).status_code == 200

    citizen = {"Authorization": "Bearer " + client.post("/api/v1/auth/wechat", json={"code": "cit"}).json["token"]}
    filed = [client.post("/api/v1/suggestions", headers=citizen, json={
        "qr_code": zhang.qr_code, "category": "道路交通", "content": f"路口缺红绿灯（第 {n} 次反映）"}).json["id"]
        for n in (1, 2)]
    merged = client.post(f"/api/v1/suggestions/{filed[1]}/merge", json={"into_id": filed[0]}, headers=crew["admin"])
    assert merged.status_code == 200 and merged.json["status"] == "closed"

    archive = client.get(f"/api/v1/deputies/{zhang.id}/archive", headers=zh).json
    assert [(a["type"], a["checked_in"], a["invited"]) for a in archive["activities"]] == [("reception", 1, 0)]
    assert (archive["suggestions"]["received"], archive["suggestions"]["closed"]) == (1, 0)


def test_another_deputys_archive_sheet_and_corrections_are_out_of_reach(client, factory, crew):
    """The archive sheet and 积分更正 of a deputy: another deputy and a citizen are refused as 404 (the sheet)
    or 403 (a correction: no administrator), another city's or county's administrator and the administrator
    of another station get 404 (「代表不存在。」); nothing is written to the ledger."""
    zhang = crew["deputies"][0]
    other_station = factory.station(crew["tree"]["hc"], "城南联络站")
    outsiders = {
        "city": factory.headers_for_admin(factory.admin("changsha", region=crew["tree"]["cs"])),
        "county": factory.headers_for_admin(factory.admin("yuelu", region=crew["tree"]["yl"])),
        "station": factory.headers_for_admin(factory.admin("chengnan", stations=[other_station])),
    }
    others = {"deputy": crew["headers"][1], "citizen": factory.wechat_login("citizen-archive")}
    sheet = f"/api/v1/deputies/{zhang.id}/archive?format=xlsx"
    correction = f"/api/v1/deputies/{zhang.id}/points/corrections"
    for name, headers in {**outsiders, **others}.items():
        response = client.get(sheet, headers=headers)
        assert (response.status_code, response.json["message"]) == (404, "代表不存在。"), name
    for name, headers in outsiders.items():
        response = client.post(correction, json={"points": 5, "reason": "补记"}, headers=headers)
        assert (response.status_code, response.json["message"]) == (404, "代表不存在。"), name
    for name, headers in others.items():
        response = client.post(correction, json={"points": 5, "reason": "补记"}, headers=headers)
        assert (response.status_code, response.json["error"]) == (403, "forbidden"), name
    assert client.get(f"/api/v1/deputies/{zhang.id}/points", headers=crew["admin"]).json["entries"] == []


def test_an_idempotency_key_replays_only_the_same_request(client, crew):
    """A key is bound to the request it first came with (method, path with its ids, body): the same key on
    another deputy's correction, or with another body, is refused (409, saying so) and does nothing — never
    answered with the first request's result; the same request again replays it."""
    zhang, li = crew["deputies"][:2]
    headers = {**crew["admin"], "Idempotency-Key": "k-1"}
    first = client.post(f"/api/v1/deputies/{zhang.id}/points/corrections", json={"points": 5, "reason": "甲"},
                        headers=headers)
    assert first.status_code == 201, first.json
    for deputy, body in ((li, {"points": -7, "reason": "乙"}), (li, {"points": 5, "reason": "甲"}),
                         (zhang, {"points": -7, "reason": "乙"})):
        other = client.post(f"/api/v1/deputies/{deputy.id}/points/corrections", json=body, headers=headers)
        assert (other.status_code, other.json["error"]) == (409, "idempotency_key_reused"), other.json
        assert other.json["message"] == "这次提交与之前的一次提交使用了同一标识，之前的提交可能已经成功，请到“我的”查看。"
        assert "Idempotent-Replayed" not in other.headers
    assert client.get(f"/api/v1/deputies/{li.id}/points", headers=crew["admin"]).json["entries"] == []
    again = client.post(f"/api/v1/deputies/{zhang.id}/points/corrections", json={"reason": "甲", "points": 5},
                        headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    assert [e["points"] for e in client.get(f"/api/v1/deputies/{zhang.id}/points",
                                            headers=crew["admin"]).json["entries"]] == [5]


def test_an_administrator_corrects_points_with_a_new_ledger_row(client, factory, crew):
    """积分更正: a signed row with its reason, never an edit of what was credited; the total, rank,
    leaderboard and archive show it at once; only administrators in scope may, once per retried request."""
    zhang, li = crew["deputies"][:2]
    zh, lh = crew["headers"][:2]
    activity_id = dispatch(client, crew, [zhang]).json["id"]
    checkin(client, zh, crew["station"].qr_code)
    client.post(f"/api/v1/activities/{activity_id}/close", headers=crew["admin"])
    credited = client.get(f"/api/v1/deputies/{zhang.id}/points", headers=zh).json["entries"]

    url = f"/api/v1/deputies/{zhang.id}/points/corrections"
    body = {"points": -2, "reason": "3 月 5 日接待活动签到后提前离开"}
    retry = {**crew["admin"], "Idempotency-Key": "correction-1"}
    corrected = client.post(url, json=body, headers=retry)
    assert corrected.status_code == 201, corrected.json
    assert client.post(url, json=body, headers=retry).json == corrected.json  # a retried request: once
    assert corrected.json["total"] == 3
    assert corrected.json["entries"][:-1] == credited  # what was credited is untouched
    last = corrected.json["entries"][-1]
    assert (last["points"], last["rule_code"], last["source_type"]) == (-2, "correction", "correction")
    assert last["reason"] == "积分更正：3 月 5 日接待活动签到后提前离开"
    board = client.get("/api/v1/leaderboard").json
    assert [(row["deputy"]["id"], row["points"]) for row in board][0] == (zhang.id, 3)
    assert {row["points"] for row in board[1:]} == {0}  # the others in office, without a point
    archive = client.get(f"/api/v1/deputies/{zhang.id}/archive", headers=zh).json
    assert {"rule_code": "correction", "label": "积分更正", "count": 1, "points": -2} in archive["points"]["by_rule"]

    outsider = factory.headers_for_admin(factory.admin("changsha", region=crew["tree"]["cs"]))
    assert client.post(url, json=body, headers=outsider).status_code == 404
    assert client.post(url, json=body, headers=zh).status_code == 403
    for bad, field in (({"points": 0, "reason": "x"}, "points"), ({"points": 101, "reason": "x"}, "points"),
                       ({"points": 1, "reason": ""}, "reason"), ({"points": 1}, "reason"),
                       ({"points": 1, "reason": "x", "year": 2100}, "year"), ({"points": 1.9, "reason": "x"}, "points"),
                       ({"points": 1, "reason": "x", "year": 2025.7}, "year"), ({"points": "2", "reason": "x"}, "points")):
        refused = client.post(url, json=bad, headers=crew["admin"])
        assert refused.status_code == 422 and field in refused.json["errors"], (bad, refused.json)
    assert client.get(f"/api/v1/deputies/{zhang.id}/points", headers=zh).json["total"] == 3
    last_year = client.post(f"/api/v1/deputies/{li.id}/points/corrections", headers=crew["root_admin"],
                            json={"points": 4, "reason": "补记去年漏记的视察", "year": datetime.now().year - 1})
    assert last_year.status_code == 201 and last_year.json["year"] == datetime.now().year - 1
    assert client.get(f"/api/v1/deputies/{li.id}/points", headers=lh).json["total"] == 0  # this year's


def test_an_activity_starts_within_a_year_and_lasts_at_most_a_week(client, crew):
    """发单 for 2099, or lasting until 2100, was taken: a mistyped year is never reminded or held, and a
    never-ending activity took the station's scans whenever nothing else was on. An activity starts
    within a year and lasts at most 7 days; one held earlier today can still be recorded (补签, 结单),
    one from long ago cannot. Each refusal is 422 naming the field, and nothing is dispatched."""
    zhang = crew["deputies"][0]
    now = datetime.now(timezone.utc)
    cases = (
        (now + timedelta(days=367), timedelta(hours=2), "starts_at", "开始时间须在一年之内，请检查年份。"),
        (datetime(2099, 5, 6, 9, 0, tzinfo=timezone(timedelta(hours=8))), timedelta(hours=3), "starts_at",
         "开始时间须在一年之内，请检查年份。"),
        (now - timedelta(minutes=10), datetime(2100, 12, 31, 18, 0, tzinfo=timezone(timedelta(hours=8))) - now, "ends_at",
         "活动时长不能超过 7 天，请检查结束时间。"),
        (now + timedelta(days=1), timedelta(days=7, minutes=1), "ends_at", "活动时长不能超过 7 天，请检查结束时间。"),
        (now - timedelta(days=3), timedelta(hours=2), "starts_at",
         "开始时间不能早于 24 小时之前；更早举行的活动请通过积分更正补记。"),
    )
    for starts, lasting, field, message in cases:
        refused = dispatch(client, crew, [zhang], starts=starts, ends=starts + lasting)
        assert (refused.status_code, refused.json["error"], refused.json["errors"]) == \
            (422, "validation_failed", {field: [message]}), (starts, lasting, refused.json)
    assert client.get("/api/v1/activities?scope=station", headers=crew["admin"]).json["total"] == 0

    # Within the bounds: one that began 23 hours ago, recorded now; a week-long training a year ahead.
    morning = dispatch(client, crew, [zhang], starts=now - timedelta(hours=23), ends=now - timedelta(hours=20))
    assert morning.status_code == 201, morning.json
    ahead = dispatch(client, crew, [zhang], type="training", starts=now + timedelta(days=365),
                     ends=now + timedelta(days=372))
    assert ahead.status_code == 201, ahead.json


def test_an_activity_recorded_after_it_ended_asks_nobody_to_accept_it(client, app, crew, wechat_standin):
    """发单 of an activity already over (held this morning, entered now to record who came): nobody can 接单
    or scan it any more, so its deputies get no 请接单 message that would open a page refusing them; its
    record says it was entered afterwards, and staff 补签 those who came before 结单. One still on (or within
    its check-in grace) is dispatched and notified as usual."""
    from backend.notifications.outbox import deliver_due

    zhang, li = crew["deputies"][:2]
    now = datetime.now(timezone.utc)
    over = dispatch(client, crew, [zhang], starts=now - timedelta(hours=5), ends=now - timedelta(hours=2))
    assert over.status_code == 201, over.json
    on = dispatch(client, crew, [li], starts=now - timedelta(hours=3), ends=now - timedelta(minutes=10))
    assert on.status_code == 201, on.json
    with app.app_context():
        deliver_due()
    told = [m["touser"] for m in wechat_standin.messages() if m["template_id"] == "tmpl-activity"]
    assert told == [f"fake-openid-deputy{li.id}"]

    record = client.get(f"/api/v1/activities/{over.json['id']}/events", headers=crew["admin"]).json["items"]
    assert "活动结束后补录，未通知代表" in record[0]["note"], record
    refused = client.post(f"/api/v1/activities/{over.json['id']}/accept", headers=crew["headers"][0])
    assert (refused.status_code, refused.json["message"]) == (409, "活动已经结束，不能再接单。")


def test_dates_outside_the_service_years_are_422_not_overflows(client, crew):
    """0001-01-01 or 9999-12-31 (a typo, or a probe): refused by name, never a server error when the
    time is converted to UTC, a grace period is added, or "the day after" is computed."""
    for starts, ends in (("0001-01-01T00:00:00+14:00", None), (None, "9999-12-31T23:59:59-12:00"),
                         ("9999-12-31T22:00:00+00:00", "9999-12-31T23:00:00+00:00")):
        body = {k: v for k, v in (("starts_at", starts), ("ends_at", ends)) if v}
        tomorrow = datetime.now(timezone.utc) + timedelta(days=1)
        refused = client.post("/api/v1/activities", headers=crew["admin"], json={
            "title": "日期有误的活动", "type": "reception", "station_id": crew["station"].id,
            "starts_at": iso(tomorrow), "ends_at": iso(tomorrow + timedelta(hours=2)),
            "deputy_ids": [crew["deputies"][0].id]} | body)
        assert refused.status_code == 422, refused.json
        assert set(refused.json["errors"]) == set(body) and "2000 年至 2100 年" in str(refused.json["errors"])
    for query in ("from=0001-01-01", "to=9999-12-31"):
        for path in ("/api/v1/suggestions", "/api/v1/stats/suggestions"):
            answer = client.get(f"{path}?{query}", headers=crew["admin"])
            assert answer.status_code == 422 and answer.json["error"] == "validation_failed", (path, query)


def test_an_activitys_points_are_never_negative(client, crew):
    """发单 or 编辑 with negative points: 422 naming 积分, nothing dispatched or changed; an
    administrator may still set 0 to 100 (attending never costs points: absences are the rulebook's)."""
    refused = dispatch(client, crew, crew["deputies"][:1], points=-5)
    assert refused.status_code == 422 and refused.json["errors"] == {"points": ["积分不能为负数。"]}, refused.json
    refused = dispatch(client, crew, crew["deputies"][:1], points=101)
    assert refused.json["errors"] == {"points": ["积分应为 0 至 100 之间的整数。"]}, refused.json
    created = dispatch(client, crew, crew["deputies"][:1], points=0)
    assert created.status_code == 201 and created.json["points"] == 0, created.json
    patched = client.patch(f"/api/v1/activities/{created.json['id']}", json={"points": -3}, headers=crew["admin"])
    assert patched.status_code == 422 and patched.json["errors"] == {"points": ["积分不能为负数。"]}
    assert client.get(f"/api/v1/activities/{created.json['id']}", headers=crew["admin"]).json["points"] == 0


def test_a_cancellation_gives_its_reason_to_the_deputies_and_the_record(client, app, crew, wechat_standin):
    """取消活动 with a reason (optional): the deputies still expected are told why, and the record keeps
    it; without one, as before."""
    from backend.notifications.outbox import deliver_due

    zhang, li = crew["deputies"][:2]
    activity_id = dispatch(client, crew, [zhang, li]).json["id"]
    long_reason = "暴" * 201
    refused = client.post(f"/api/v1/activities/{activity_id}/cancel", json={"reason": long_reason}, headers=crew["admin"])
    assert refused.status_code == 422 and "reason" in refused.json["errors"], refused.json
    cancelled = client.post(f"/api/v1/activities/{activity_id}/cancel", json={"reason": " 暴雨预警，改期另行通知 "},
                            headers=crew["admin"])
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled", cancelled.json
    assert cancelled.json["events"][-1]["note"] == "取消时：待接单 2 人；取消原因：暴雨预警，改期另行通知"
    with app.app_context():
        deliver_due()
    told = [m["data"]["thing5"]["value"] for m in wechat_standin.messages()
            if m["template_id"] == "tmpl-activity-cancelled"]
    assert told == ["活动已取消：暴雨预警，改期另行通知"] * 2, wechat_standin.messages()

    plain = dispatch(client, crew, [zhang], title="第二次接待").json["id"]
    assert client.post(f"/api/v1/activities/{plain}/cancel", headers=crew["admin"]).status_code == 200


def participant(client, crew, activity_id, deputy):
    """The deputy's line in the roster, as the administrators who manage the activity read it."""
    body = client.get(f"/api/v1/activities/{activity_id}", headers=crew["admin"]).json
    return next(p for p in body["participants"] if p["deputy"]["id"] == deputy.id)


def test_a_station_code_without_a_location_is_refused_and_the_screen_code_proves_presence(app, client, crew):
    """A station's code is printed on its door and listed by the public API: a photo of it, scanned with
    the location turned off, checked a deputy in from 1,493 km away. Where the activity has a place, a
    station code's scan without a position is refused (nothing written); the activity's rotating code,
    shown on the screen at the venue, proves presence by itself."""
    zhang, li = crew["deputies"][:2]
    zh, lh = crew["headers"][:2]
    activity_id = dispatch(client, crew, [zhang, li]).json["id"]
    code = crew["station"].qr_code

    blind = client.post("/api/v1/checkins", json={"qr_code": code}, headers=zh)
    assert (blind.status_code, blind.json["error"], blind.json["message"]) == (
        409, "checkin_refused", "请开启手机定位后重新扫码签到（签到需确认您在活动现场）。")
    for empty in ({"lat": None, "lng": None},):
        again = client.post("/api/v1/checkins", json={"qr_code": code} | empty, headers=zh)
        assert again.status_code == 409 and again.json["message"] == blind.json["message"]
    assert client.get(f"/api/v1/activities/{activity_id}", headers=zh).json["my_status"] == "invited"
    assert client.get(f"/api/v1/activities/{activity_id}/events?action=checked_in",
                      headers=crew["admin"]).json["total"] == 0

    # Far away, the distance reads in kilometres; near, in metres, and the administrators read it.
    far = checkin(client, zh, code, lat=39.9, lng=116.4)
    assert far.json["message"] == "您距离活动地点约 1493 公里，超出 500 米的签到范围，请到现场后再扫码。"
    nearer = checkin(client, zh, code, lat=STATION[0] + 0.0108)
    assert nearer.json["message"] == "您距离活动地点约 1.2 公里，超出 500 米的签到范围，请到现场后再扫码。"
    assert checkin(client, zh, code).status_code == 201
    assert (participant(client, crew, activity_id, zhang)["checkin_note"]) == "联络站码签到，距活动地点约 0 米"

    screen = client.get(f"/api/v1/activities/{activity_id}/checkin-code", headers=crew["admin"]).json["qr_code"]
    seen = client.post("/api/v1/checkins", json={"qr_code": screen}, headers=lh)
    assert seen.status_code == 201, seen.json
    li_line = participant(client, crew, activity_id, li)
    assert (li_line["status"], li_line["checkin_note"], li_line["checked_in_by_admin"]) == ("checked_in", "现场码签到", False)


SCREEN_ONLY = "本次活动仅限扫描活动现场大屏上的动态签到码签到，联络站二维码不能用于本次签到，请到活动现场扫码。"


def test_an_activity_taking_the_screen_code_alone_refuses_the_station_code_even_on_the_spot(app, client, crew):
    """签到方式 仅限现场动态码: the station's code and position are public, so a deputy could check in from
    home with them. Such an activity refuses a station code's scan, position or none (nothing written),
    and checks in by the rotating code on the venue's screen; the administrators read which code it was."""
    zhang, li = crew["deputies"][:2]
    zh, lh = crew["headers"][:2]
    made = dispatch(client, crew, [zhang, li], checkin_mode="screen_only")
    assert made.status_code == 201, made.json
    assert (made.json["checkin_mode"], made.json["checkin_mode_label"]) == ("screen_only", "仅限现场动态码")
    activity_id = made.json["id"]
    detail = client.get(f"/api/v1/activities/{activity_id}", headers=zh).json
    assert (detail["checkin_mode"], detail["checkin_mode_label"]) == ("screen_only", "仅限现场动态码")

    for scan in (checkin(client, zh, crew["station"].qr_code),
                 client.post("/api/v1/checkins", json={"qr_code": crew["station"].qr_code}, headers=zh)):
        assert (scan.status_code, scan.json["error"], scan.json["message"], scan.json["reason"]) == (
            409, "checkin_refused", SCREEN_ONLY, "screen_code_required")
    assert participant(client, crew, activity_id, zhang)["status"] == "invited"
    assert client.get(f"/api/v1/activities/{activity_id}/events?action=checked_in",
                      headers=crew["admin"]).json["total"] == 0

    screen = client.get(f"/api/v1/activities/{activity_id}/checkin-code", headers=crew["admin"]).json["qr_code"]
    seen = client.post("/api/v1/checkins", json={"qr_code": screen}, headers=zh)
    assert seen.status_code == 201, seen.json
    near = checkin(client, lh, screen)
    assert near.status_code == 201, near.json
    assert (participant(client, crew, activity_id, zhang)["checkin_note"],
            participant(client, crew, activity_id, li)["checkin_note"]) == ("现场码签到", "现场码签到，距活动地点约 0 米")


def test_the_checkin_mode_defaults_to_either_code_and_an_edit_changes_it_in_the_record(app, client, crew):
    """Left out, an activity takes the station's code (with the position) or the screen's, as before; an
    edit to 仅限现场动态码 is written in the record and refuses the station code from then on."""
    zhang, li = crew["deputies"][:2]
    zh, lh = crew["headers"][:2]
    made = dispatch(client, crew, [zhang, li])
    assert (made.json["checkin_mode"], made.json["checkin_mode_label"]) == ("station_or_screen", "现场码或联络站码")
    activity_id = made.json["id"]
    assert checkin(client, zh, crew["station"].qr_code).status_code == 201

    bad = client.patch(f"/api/v1/activities/{activity_id}", json={"checkin_mode": "gps"}, headers=crew["admin"])
    assert bad.status_code == 422 and "签到方式" in bad.json["errors"]["checkin_mode"][0]
    edited = client.patch(f"/api/v1/activities/{activity_id}", json={"checkin_mode": "screen_only"},
                          headers=crew["admin"])
    assert edited.status_code == 200, edited.json
    assert edited.json["checkin_mode"] == "screen_only"
    events = client.get(f"/api/v1/activities/{activity_id}/events?action=edited", headers=crew["admin"]).json
    assert [e["note"] for e in events["items"]] == ["签到方式改为“仅限现场动态码”"]
    refused = checkin(client, lh, crew["station"].qr_code)
    assert (refused.status_code, refused.json["message"]) == (409, SCREEN_ONLY)
    # The deputy checked in before the change stays checked in; a repeated scan answers with it.
    assert checkin(client, zh, crew["station"].qr_code).status_code == 200


def test_without_the_location_rule_a_blind_check_in_is_marked_for_the_administrators(app, client, crew, monkeypatch):
    """CHECKIN_REQUIRE_LOCATION off: a station code's scan without a position checks in, and the
    administrators read 联络站码签到，未定位 on the deputy's line and in the activity's record."""
    monkeypatch.setitem(app.config, "CHECKIN_REQUIRE_LOCATION", False)
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    activity_id = dispatch(client, crew, [zhang]).json["id"]
    scan = client.post("/api/v1/checkins", json={"qr_code": crew["station"].qr_code}, headers=zh)
    assert scan.status_code == 201, scan.json
    line = participant(client, crew, activity_id, zhang)
    assert (line["status"], line["checkin_note"], line["checked_in_by_admin"]) == ("checked_in", "联络站码签到，未定位", False)
    events = client.get(f"/api/v1/activities/{activity_id}/events?action=checked_in", headers=crew["admin"]).json
    assert [e["note"] for e in events["items"]] == ["联络站码签到，未定位"]
    # Still refused when a position is sent and it is far.
    far = checkin(client, crew["headers"][1], crew["station"].qr_code, lat=39.9, lng=116.4)
    assert far.status_code == 409


def test_an_activity_without_a_place_takes_a_scan_without_a_location(client, crew, factory):
    """Nothing to measure against: a station without coordinates checks its deputies in by time."""
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    bare = factory.station(crew["tree"]["hc"], "无坐标联络站", address="某路 1 号")
    created = dispatch(client, crew, [zhang], station_id=bare.id, headers=crew["root_admin"])
    assert created.status_code == 201, created.json
    activity_id = created.json["id"]
    scan = client.post("/api/v1/checkins", json={"qr_code": bare.qr_code}, headers=zh)
    assert scan.status_code == 201, scan.json
    assert scan.json["activity_id"] == activity_id


def test_distances_read_in_metres_then_kilometres():
    """One format for every distance a deputy or an administrator reads, as the mini-program's."""
    from backend.org.nearby import distance_text
    meters = (0, 350, 999, 1000, 1249, 99949, 99950, 126000, 1493293)
    assert [distance_text(m) for m in meters] == [
        "0 米", "350 米", "999 米", "1.0 公里", "1.2 公里", "99.9 公里", "100 公里", "126 公里", "1493 公里"]


@pytest.mark.parametrize("value, expected", [(None, True), ("", True), ("off", False), ("0", False), ("No", False),
                                             ("on", True), ("1", True), ("TRUE", True)])
def test_the_location_rule_is_on_unless_turned_off(value, expected, monkeypatch, tmp_path):
    from backend.config import Config
    if value is None:
        monkeypatch.delenv("CHECKIN_REQUIRE_LOCATION", raising=False)
    else:
        monkeypatch.setenv("CHECKIN_REQUIRE_LOCATION", value)
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path))
    assert Config(str(tmp_path)).CHECKIN_REQUIRE_LOCATION is expected


def test_a_location_rule_neither_on_nor_off_is_refused_at_start(monkeypatch, tmp_path):
    from backend.config import Config, ConfigError
    monkeypatch.setenv("CHECKIN_REQUIRE_LOCATION", "maybe")
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path))
    with pytest.raises(ConfigError) as raised:
        Config(str(tmp_path))
    assert str(raised.value.message) == "配置错误：CHECKIN_REQUIRE_LOCATION 应为 on 或 off，当前为 'maybe'。"


def test_answering_an_invitation_reads_its_notices_as_opening_the_activity_does(client, crew):
    """接单, 请假 or 扫码签到 without opening the activity (from a list, by scanning): the invitation is answered,
    so its notice no longer counts as unread in 消息; notices about other activities, and other deputies', stay."""
    (zhang, li, wang, _), (zh, lh, wh, _) = crew["deputies"], crew["headers"]
    soon = datetime.now(timezone.utc) + timedelta(days=1)
    later = dispatch(client, crew, [zhang, li], starts=soon, ends=soon + timedelta(hours=2)).json["id"]
    other = dispatch(client, crew, [zhang, li], starts=soon + timedelta(days=1),
                     ends=soon + timedelta(days=1, hours=2)).json["id"]
    running = dispatch(client, crew, [wang]).json["id"]

    def unread_pages(headers):
        items = client.get("/api/v1/me/messages", headers=headers).json["items"]
        return sorted(m["page"] for m in items if not m["read"])

    page = "pages/activity/detail?id={}".format
    assert unread_pages(zh) == unread_pages(lh) == sorted([page(later), page(other)])
    assert unread_pages(wh) == [page(running)]

    assert client.post(f"/api/v1/activities/{later}/accept", headers=zh).status_code == 200
    assert unread_pages(zh) == [page(other)]
    assert unread_pages(lh) == sorted([page(later), page(other)])
    declined = client.post(f"/api/v1/activities/{later}/decline", json={"reason": "临时出差"}, headers=lh)
    assert declined.status_code == 200
    assert unread_pages(lh) == [page(other)]
    assert checkin(client, wh, crew["station"].qr_code).status_code == 201
    assert unread_pages(wh) == []
    assert client.get("/api/v1/me/messages/unread-count", headers=zh).json["unread"] == 1


def test_accept_and_leave_sent_again_with_their_key_are_taken_once_and_answered_as_the_first(client, crew):
    """A phone that lost the answer to 接单 or 请假 taps again with the same key: it reads how the first went
    (200, the activity as then), not 409 您已接单 or 已请假, and the record has the step once."""
    (zhang, li, *_), (zh, lh, *_) = crew["deputies"], crew["headers"]
    soon = datetime.now(timezone.utc) + timedelta(days=1)
    activity_id = dispatch(client, crew, [zhang, li], starts=soon, ends=soon + timedelta(hours=2)).json["id"]
    url = f"/api/v1/activities/{activity_id}"

    accepted = [client.post(f"{url}/accept", headers=zh | {"Idempotency-Key": "accept-1"}) for _ in range(2)]
    assert [a.status_code for a in accepted] == [200, 200]
    assert accepted[1].json == accepted[0].json and accepted[1].json["my_status"] == "accepted"
    assert accepted[1].headers["Idempotent-Replayed"] == "true"
    declined = [client.post(f"{url}/decline", json={"reason": "临时出差"}, headers=lh | {"Idempotency-Key": "leave-1"})
                for _ in range(2)]
    assert [d.status_code for d in declined] == [200, 200]
    assert declined[1].json == declined[0].json and declined[1].json["my_status"] == "declined"
    # Another reason with the same key is another request: refused, and nothing changes.
    other = client.post(f"{url}/decline", json={"reason": "身体不适"}, headers=lh | {"Idempotency-Key": "leave-1"})
    assert (other.status_code, other.json["error"]) == (409, "idempotency_key_reused")
    # Without a key, a second 接单 is the refusal it always was.
    assert client.post(f"{url}/accept", headers=zh).status_code == 409

    events = client.get(f"{url}/events?per_page=100", headers=crew["admin"]).json["items"]
    assert [e["action"] for e in events].count("accepted") == 1
    assert [e["action"] for e in events].count("declined") == 1
    reasons = {p["deputy"]["id"]: p.get("decline_reason")
               for p in client.get(f"{url}/participants", headers=crew["admin"]).json["items"]}
    assert reasons[li.id] == "临时出差"


def test_a_required_reason_or_title_left_blank_says_what_to_write(client, crew):
    """请假 without a reason says 请填写请假理由。 (not 长度应在 1 到 500 个字符之间。), whether the reason is left out,
    null, empty or blank; so do 补签's reason and an activity's name."""
    zhang, zh = crew["deputies"][0], crew["headers"][0]
    soon = datetime.now(timezone.utc) + timedelta(days=1)
    activity_id = dispatch(client, crew, [zhang], starts=soon, ends=soon + timedelta(hours=2)).json["id"]
    url = f"/api/v1/activities/{activity_id}"
    for blank in ({}, {"reason": None}, {"reason": ""}, {"reason": "  \u200b "}):
        refused = client.post(f"{url}/decline", json=blank, headers=zh)
        assert (refused.status_code, refused.json["errors"]) == (422, {"reason": ["请填写请假理由。"]}), blank
        by_hand = client.post(f"{url}/participants/{zhang.id}/checkin", json=blank, headers=crew["admin"])
        assert (by_hand.status_code, by_hand.json["errors"]) == (422, {"reason": ["请填写补签原因。"]}), blank
    too_long = client.post(f"{url}/decline", json={"reason": "字" * 501}, headers=zh)
    assert too_long.json["errors"] == {"reason": ["长度不能超过 500 个字符。"]}
    assert client.get(url, headers=zh).json["my_status"] == "invited"
    for title in ("", "   "):
        created = dispatch(client, crew, [zhang], title=title)
        assert (created.status_code, created.json["errors"]) == (422, {"title": ["请填写活动名称。"]})
        edited = client.patch(url, json={"title": title}, headers=crew["admin"])
        assert (edited.status_code, edited.json["errors"]) == (422, {"title": ["请填写活动名称。"]})
