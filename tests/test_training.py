"""培训清单: the city's staff see how many of their deputies in office attended a training (学习培训) this
year, region by region, list those who did not, and summon them (点名调训) to the next training, which
invites them exactly as 补充邀请 does."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from backend.activities.models import Activity, ActivityEvent, ActivityParticipant
from backend.extensions import db

from .test_activities import STATION, checkin, iso
from .test_activity_editing import delivered

CHINA = timezone(timedelta(hours=8))


@pytest.fixture
def city(factory):
    """怀化市 → 鹤城区 → 城北街道, and 长沙市's 岳麓区 elsewhere. Five deputies of 鹤城区 and its street (one
    left office later), one of 岳麓区; all bound to WeChat so that they receive notices."""
    tree = factory.tree()
    street = factory.region("城北街道", "township", tree["hc"])
    station = factory.station(tree["hc"], "城北联络站", lat=STATION[0], lng=STATION[1], address="人民路 18 号")
    yuelu = factory.station(tree["yl"], "岳麓联络站", lat=STATION[0], lng=STATION[1])
    people = {}
    for i, (name, region, level, stations) in enumerate([
        ("张伟", tree["hc"], "city", [station]), ("李娜", tree["hc"], "county", [station]),
        ("王强", street, "county", [station]), ("赵敏", street, "township", [station]),
        ("孙丽", tree["hc"], "county", [station]), ("周强", tree["yl"], "city", [yuelu]),
    ]):
        people[name] = factory.deputy(region, name, phone=f"1390000010{i}", level=level, stations=stations,
                                      group="第一代表小组" if name == "王强" else "")
    headers = {name: factory.deputy_headers(d) for name, d in people.items()}
    return {
        "tree": tree, "street": street, "station": station, "yuelu": yuelu, "people": people, "headers": headers,
        "huaihua": factory.headers_for_admin(factory.admin("huaihua", region=tree["hh"])),
        "root": factory.headers_for_admin(factory.admin("root", region=tree["root"])),
        "chengbei": factory.headers_for_admin(factory.admin("chengbei", stations=[station])),
        "yuelu_admin": factory.headers_for_admin(factory.admin("yuelu", stations=[yuelu])),
    }


def dispatch(client, city, names, type_="training", starts=None, ends=None, station="station", admin="chengbei", **extra):
    now = datetime.now(timezone.utc)
    starts = starts or now - timedelta(minutes=10)
    body = {"title": "代表履职能力培训班", "type": type_, "station_id": city[station].id, "starts_at": iso(starts),
            "ends_at": iso(ends or starts + timedelta(hours=3)), "deputy_ids": [city["people"][n].id for n in names]}
    created = client.post("/api/v1/activities", json=body | extra, headers=city[admin])
    assert created.status_code == 201, created.json
    return created.json["id"]


def hand_check_in(client, city, activity_id, name, admin="chengbei"):
    response = client.post(f"/api/v1/activities/{activity_id}/participants/{city['people'][name].id}/checkin",
                           json={"reason": "手机没电，现场核实"}, headers=city[admin])
    assert response.status_code == 200, response.json


def move(app, activity_id, starts):
    with app.app_context():
        db.session.execute(update(Activity).where(Activity.id == activity_id)
                           .values(starts_dt=starts, ends_dt=starts + timedelta(hours=3)))
        db.session.commit()


def coverage(client, headers, **params):
    return client.get("/api/v1/training/coverage", query_string=params, headers=headers)


@pytest.fixture
def held(client, app, city):
    """A training held this morning at 城北联络站: 张伟 scanned in, 李娜 was checked in by hand (补签), 王强
    was invited and never came, 赵敏 came and has since left office; it was closed (结单). 周强 attended
    岳麓区's own training."""
    activity_id = dispatch(client, city, ["张伟", "李娜", "王强", "赵敏"])
    assert checkin(client, city["headers"]["张伟"], city["station"].qr_code).status_code == 201
    assert checkin(client, city["headers"]["赵敏"], city["station"].qr_code).status_code == 201
    hand_check_in(client, city, activity_id, "李娜")
    assert client.post(f"/api/v1/activities/{activity_id}/close", json={"early": True},
                       headers=city["chengbei"]).status_code == 200
    elsewhere = dispatch(client, city, ["周强"], station="yuelu", admin="yuelu_admin")
    assert checkin(client, city["headers"]["周强"], city["yuelu"].qr_code).status_code == 201
    left = client.patch(f"/api/v1/deputies/{city['people']['赵敏'].id}", json={"active": False}, headers=city["huaihua"])
    assert left.status_code == 200, left.json
    return {"id": activity_id, "elsewhere": elsewhere}


def test_the_coverage_counts_those_who_checked_in_among_the_deputies_in_office(client, city, held):
    """怀化市: four deputies in office (赵敏 left office, 周强 is 长沙's); 张伟 scanned, 李娜 was 补签'd, 王强
    was absent, 孙丽 was not invited: 2 of 4 trained."""
    answer = coverage(client, city["huaihua"])
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert (body["region_name"], body["deputies"], body["trained"], body["untrained"], body["rate"]) == \
        ("怀化市", 4, 2, 2, 0.5)
    assert body["denominators"] == {"rate": 4}
    today = datetime.now(CHINA).date()
    assert (body["since"], body["until"]) == (f"{today.year}-01-01", today.isoformat())
    assert [(r["region_name"], r["deputies"], r["trained"], r["rate"]) for r in body["by_region"]] == \
        [("鹤城区", 4, 2, 0.5)]
    assert [(a["title"], a["invited"], a["attended"], a["stage_label"]) for a in body["activities"]] == \
        [("代表履职能力培训班", 4, 3, "已结单")]
    assert body["activities_total"] == 1

    county = coverage(client, city["huaihua"], region_id=city["tree"]["hc"].id).json
    assert [(r["region_name"], r["own_level"], r["deputies"], r["trained"]) for r in county["by_region"]] == \
        [("鹤城区（本级）", True, 3, 2), ("城北街道", False, 1, 0)]
    by_level = coverage(client, city["huaihua"], level="county").json
    assert (by_level["deputies"], by_level["trained"]) == (3, 1)  # 李娜, 王强, 孙丽

    province = coverage(client, city["root"]).json
    assert (province["deputies"], province["trained"]) == (5, 3)  # and 周强, trained at 岳麓区
    assert [(r["region_name"], r["deputies"], r["trained"]) for r in province["by_region"]] == \
        [("怀化市", 4, 2), ("长沙市", 1, 1)]
    # The station's administrator: the deputies received at their station.
    station = coverage(client, city["chengbei"]).json
    assert (station["region_name"], station["deputies"], station["trained"]) == ("鹤城区", 4, 2)


def test_a_check_in_counts_before_the_training_is_closed_and_a_cancelled_one_never(client, city):
    open_one = dispatch(client, city, ["张伟", "李娜"])
    assert checkin(client, city["headers"]["张伟"], city["station"].qr_code).status_code == 201
    assert coverage(client, city["huaihua"]).json["trained"] == 1  # not closed yet: 张伟 was there
    hand_check_in(client, city, open_one, "李娜")
    assert client.post(f"/api/v1/activities/{open_one}/cancel", json={"void_checkins": True},
                       headers=city["chengbei"]).status_code == 200
    body = coverage(client, city["huaihua"]).json
    assert (body["trained"], body["activities"]) == (0, [])
    # Another type of activity is no training.
    dispatch(client, city, ["孙丽"], type_="reception")
    assert checkin(client, city["headers"]["孙丽"], city["station"].qr_code).status_code == 201
    assert coverage(client, city["huaihua"]).json["trained"] == 0


def test_the_period_takes_whole_china_days_at_both_ends(client, app, city, held):
    day = date(2026, 3, 15)
    move(app, held["id"], datetime(2026, 3, 15, 0, 0, tzinfo=CHINA))  # midnight, China time
    ask = lambda **p: coverage(client, city["huaihua"], **p).json["trained"]  # noqa: E731
    assert ask(since="2026-03-15", until="2026-03-15") == 2
    assert ask(since="2026-03-16", until="2026-12-31") == 0
    assert ask(since="2026-01-01", until="2026-03-14") == 0
    move(app, held["id"], datetime(2026, 3, 15, 23, 59, tzinfo=CHINA))  # still the 15th in China, the 15th in UTC too
    assert ask(since=day.isoformat(), until=day.isoformat()) == 2
    move(app, held["id"], datetime(2026, 3, 16, 7, 30, tzinfo=CHINA))  # the 15th in UTC, the 16th in China
    assert ask(since="2026-03-15", until="2026-03-15") == 0
    assert ask(since="2026-03-16", until="2026-03-16") == 2


def test_the_untrained_are_listed_a_page_at_a_time_with_what_the_deputy_list_shows_admins(client, city, held):
    page = client.get("/api/v1/training/untrained", query_string={"per_page": 1}, headers=city["huaihua"])
    assert page.status_code == 200, page.json
    assert (page.json["total"], len(page.json["items"])) == (2, 1)
    both = client.get("/api/v1/training/untrained", headers=city["huaihua"]).json["items"]
    assert [(d["name"], d["level_label"], d["region_name"], d["group"], [s["name"] for s in d["stations"]], d["phone"])
            for d in both] == [
        ("孙丽", "县（区）人大代表", "鹤城区", "", ["城北联络站"], "13900000104"),
        ("王强", "县（区）人大代表", "城北街道", "第一代表小组", ["城北联络站"], "13900000102"),
    ]
    township = client.get("/api/v1/training/untrained", query_string={"level": "township"}, headers=city["huaihua"])
    assert township.json["total"] == 0  # 赵敏 left office


def test_other_regions_and_anonymous_callers_are_refused(client, city, held):
    # A region outside the caller's scope answers as one that does not exist (the contract's 404).
    other = coverage(client, city["yuelu_admin"], region_id=city["tree"]["hh"].id)
    assert (other.status_code, other.json["error"], other.json["message"]) == (404, "not_found", "区域不存在。")
    assert coverage(client, city["huaihua"], region_id=city["tree"]["cs"].id).status_code == 404
    assert client.get("/api/v1/training/untrained", query_string={"region_id": city["tree"]["cs"].id},
                      headers=city["huaihua"]).status_code == 404
    assert coverage(client, city["huaihua"], region_id=2**31 - 1).status_code == 404
    anonymous = client.get("/api/v1/training/coverage")
    assert anonymous.status_code == 401 and anonymous.json["message"] == "请先登录。"
    assert coverage(client, city["headers"]["张伟"]).status_code == 403  # a deputy is no administrator
    # 岳麓区's station administrator sees their own deputy, and a region above their station counts only them.
    own = coverage(client, city["yuelu_admin"], region_id=city["tree"]["root"].id).json
    assert (own["deputies"], own["trained"]) == (1, 1)


def test_bad_dates_are_refused_in_chinese(client, city):
    backwards = coverage(client, city["huaihua"], since="2026-05-01", until="2026-04-30")
    assert backwards.status_code == 422
    assert backwards.json["errors"] == {"since": ["起始日期不能晚于截止日期。"]}
    for params in ({"since": "2026-02-30"}, {"until": "明天"}, {"since": "0001-01-01"}):
        refused = coverage(client, city["huaihua"], **params)
        assert refused.status_code == 422, params
        assert refused.json["error"] == "validation_failed" and refused.json["message"], params
    assert client.get("/api/v1/training/untrained", query_string={"level": "mayor"},
                      headers=city["huaihua"]).json["errors"]["level"][0].startswith("代表层级应为")


def upcoming(client, city, names=("张伟",), type_="training"):
    starts = (datetime.now(CHINA) + timedelta(days=7)).replace(hour=9, minute=0, second=0, microsecond=0)
    return dispatch(client, city, list(names), type_=type_, starts=starts)


def roster(app, activity_id):
    with app.app_context():
        return sorted(db.session.scalars(
            select(ActivityParticipant.deputy_id).where(ActivityParticipant.activity_id == activity_id)))


def summon(client, headers, activity_id, **body):
    return client.post(f"/api/v1/activities/{activity_id}/summon-untrained", json=body, headers=headers)


def test_summoning_invites_exactly_the_untrained_and_tells_them(client, app, city, held, wechat_standin):
    people = city["people"]
    next_one = upcoming(client, city, ["张伟"])
    delivered(app, wechat_standin, "tmpl-activity")
    wechat_standin.clear()

    summoned = summon(client, city["huaihua"], next_one)
    assert summoned.status_code == 200, summoned.json
    assert summoned.json == {"invited": 2, "participants_total": 3}
    assert roster(app, next_one) == sorted([people["张伟"].id, people["王强"].id, people["孙丽"].id])
    told = delivered(app, wechat_standin, "tmpl-activity")
    assert sorted(to for to, _ in told) == sorted([str(people["王强"].id), str(people["孙丽"].id)])
    assert told[0][1]["thing1"] == "代表履职能力培训班"
    with app.app_context():
        line = db.session.scalars(select(ActivityEvent).where(ActivityEvent.activity_id == next_one)
                                  .order_by(ActivityEvent.id.desc())).first()
        assert (line.action.value, line.note, line.actor_name) == ("edited", "点名调训：邀请 孙丽、王强", "huaihua")

    again = summon(client, city["huaihua"], next_one)
    assert again.status_code == 409
    assert again.json["message"] == "没有需要点名调训的代表：所选范围内的在任代表均已参加培训或已在邀请名单中。"
    assert roster(app, next_one) == sorted([people["张伟"].id, people["王强"].id, people["孙丽"].id])
    wechat_standin.clear()
    assert delivered(app, wechat_standin, "tmpl-activity") == []  # nobody told twice


def test_a_retried_summons_answers_as_the_first_and_a_filter_narrows_it(client, app, city, held):
    people = city["people"]
    next_one = upcoming(client, city, ["张伟"])
    key = {"Idempotency-Key": "summon-1"}
    first = summon(client, city["chengbei"] | key, next_one, region_id=city["street"].id)
    retried = summon(client, city["chengbei"] | key, next_one, region_id=city["street"].id)
    assert (first.status_code, retried.status_code) == (200, 200)
    assert first.json == retried.json == {"invited": 1, "participants_total": 2}  # 王强 of the street only
    assert roster(app, next_one) == sorted([people["张伟"].id, people["王强"].id])
    by_level = summon(client, city["chengbei"], next_one, level="county", since=f"{date.today().year}-01-01")
    assert by_level.json["invited"] == 1  # 孙丽
    nothing_left = summon(client, city["chengbei"], next_one, level="city")
    assert nothing_left.status_code == 409  # 张伟, the only city deputy, trained and invited


def test_summoning_is_refused_for_what_is_no_upcoming_training_or_out_of_scope(client, app, city, held):
    reception = upcoming(client, city, ["张伟"], type_="reception")
    refused = summon(client, city["huaihua"], reception)
    assert (refused.status_code, refused.json["message"]) == (409, "只有学习培训活动可以点名调训。")

    started = dispatch(client, city, ["张伟"])  # began ten minutes ago
    refused = summon(client, city["huaihua"], started)
    assert (refused.status_code, refused.json["message"]) == (409, "培训已经开始，不能再点名调训。")
    assert summon(client, city["huaihua"], held["id"]).json["message"] == "培训已结单，不能再点名调训。"

    next_one = upcoming(client, city, ["张伟"])
    assert client.post(f"/api/v1/activities/{next_one}/cancel", headers=city["chengbei"]).status_code == 200
    assert summon(client, city["huaihua"], next_one).json["message"] == "培训已取消，不能点名调训。"

    next_one = upcoming(client, city, ["张伟"])
    outside = summon(client, city["huaihua"], next_one, region_id=city["tree"]["cs"].id)
    assert (outside.status_code, outside.json["message"]) == (404, "区域不存在。")
    assert summon(client, city["yuelu_admin"], next_one).status_code == 404  # not their activity to see
    assert summon(client, city["headers"]["王强"], next_one).status_code == 403
    assert client.post(f"/api/v1/activities/{next_one}/summon-untrained", json={}).status_code == 401
    assert roster(app, next_one) == [city["people"]["张伟"].id]


def test_a_summons_beyond_what_a_training_may_invite_is_refused_whole(client, app, city, held):
    app.config["ACTIVITY_MAX_DEPUTIES"] = 2
    try:
        next_one = upcoming(client, city, ["张伟"])
        refused = summon(client, city["huaihua"], next_one)
    finally:
        app.config["ACTIVITY_MAX_DEPUTIES"] = 1000
    assert refused.status_code == 422
    assert refused.json["errors"]["region_id"] == ["所选范围内有 2 位未参训的代表，超过本培训还能邀请的 1 位；请缩小区域或层级后分批调训。"]
    assert roster(app, next_one) == [city["people"]["张伟"].id]


def test_the_training_figures_cost_the_same_statements_however_many_deputies(client, app, city, held, factory):
    from .factories import sent_statements

    def statements():
        with sent_statements(app) as seen:
            assert coverage(client, city["huaihua"]).status_code == 200
        return len(seen)

    before = statements()
    for _ in range(5):
        factory.deputy(city["street"], stations=[city["station"]])
    assert statements() == before


def test_the_archive_says_how_many_trainings_the_deputy_attended_this_year(client, city, held):
    import io

    import openpyxl

    zhang, wang = city["people"]["张伟"], city["people"]["王强"]
    archive = client.get(f"/api/v1/deputies/{zhang.id}/archive", headers=city["huaihua"]).json
    assert archive["trainings_attended"] == 1
    assert client.get(f"/api/v1/deputies/{wang.id}/archive", headers=city["huaihua"]).json["trainings_attended"] == 0
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/api/v1/deputies/{zhang.id}/archive?format=xlsx",
                                                         headers=city["huaihua"]).data)).active
    assert "本年度参加学习培训 1 次" in [row[0] for row in sheet.iter_rows(values_only=True)]


def test_a_station_administrator_counts_every_deputy_received_at_their_station(client, city, held, factory):
    """Deputies received at 城北联络站 but elected above 鹤城区 (a national one, elected in the province, and a
    city one elected in 怀化市) are the station's deputies too: the default figures count them, from the
    lowest region holding them all, and the rows by region add up to the totals."""
    tree = city["tree"]
    factory.deputy(tree["root"], "刘洋", level="national", stations=[city["station"]])
    factory.deputy(tree["hh"], "陈明", level="city", stations=[city["station"]])
    station = coverage(client, city["chengbei"]).json
    assert (station["region_name"], station["deputies"], station["trained"]) == ("湖南省", 6, 2)
    assert [(r["region_name"], r["deputies"], r["trained"]) for r in station["by_region"]] == \
        [("湖南省（本级）", 1, 0), ("怀化市", 5, 2), ("长沙市", 0, 0)]
    assert sum(r["deputies"] for r in station["by_region"]) == station["deputies"]
    untrained = client.get("/api/v1/training/untrained", headers=city["chengbei"]).json
    assert {d["name"] for d in untrained["items"]} == {"刘洋", "陈明", "王强", "孙丽"}
    # 长沙市 holds none of them: still refused, as one outside their scope (404).
    assert coverage(client, city["chengbei"], region_id=tree["cs"].id).status_code == 404
    assert coverage(client, city["chengbei"], region_id=tree["yl"].id).status_code == 404


def test_the_trainings_listed_are_those_of_the_callers_deputies_or_that_they_manage(client, city, held, factory):
    """A station administrator whose figures start at the province (a national deputy received at their
    station) sees the trainings at their station and those inviting their deputies, not 岳麓区's own; a
    training the caller cannot open (the city's, inviting their deputy) is listed, marked not manageable."""
    factory.deputy(city["tree"]["root"], "刘洋", level="national", stations=[city["station"]])
    starts = datetime.now(timezone.utc) - timedelta(hours=1)
    held, yuelu = held["id"], held["elsewhere"]
    citywide = client.post("/api/v1/activities", headers=city["huaihua"], json={
        "title": "全市代表集中培训", "type": "training", "region_id": city["tree"]["hh"].id, "place": "市人大会议室",
        "starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=3)), "deputy_ids": [city["people"]["张伟"].id]})
    assert citywide.status_code == 201, citywide.json

    station = coverage(client, city["chengbei"]).json
    assert station["region_name"] == "湖南省"
    assert {(a["id"], a["manageable"]) for a in station["activities"]} == {(held, True), (citywide.json["id"], False)}
    assert station["activities_total"] == 2
    assert client.get(f"/api/v1/activities/{yuelu}", headers=city["chengbei"]).status_code == 404
    # The city's administrator manages both of the city's; 岳麓区's is not theirs, nor of their deputies.
    listed = coverage(client, city["huaihua"]).json["activities"]
    assert {(a["id"], a["manageable"]) for a in listed} == {(held, True), (citywide.json["id"], True)}
    root = coverage(client, city["root"]).json["activities"]
    assert {a["id"] for a in root} == {held, yuelu, citywide.json["id"]} and all(a["manageable"] for a in root)


def test_a_start_date_alone_in_the_future_runs_to_the_end_of_its_year(client, city, held):
    """Planning the coming month's trainings: ?since= alone, after today, is the period from it to the end of
    its year (not refused against a 截止日期 nobody gave); with an until before it, refused naming both."""
    since = datetime.now(CHINA).date() + timedelta(days=3)
    answer = coverage(client, city["huaihua"], since=since.isoformat())
    assert answer.status_code == 200, answer.json
    assert (answer.json["since"], answer.json["until"]) == (since.isoformat(), date(since.year, 12, 31).isoformat())
    untrained = client.get("/api/v1/training/untrained", query_string={"since": since.isoformat()}, headers=city["huaihua"])
    assert untrained.status_code == 200 and untrained.json["total"] == 4
    both = coverage(client, city["huaihua"], since=since.isoformat(), until=(since - timedelta(days=1)).isoformat())
    assert both.status_code == 422 and both.json["errors"] == {"since": ["起始日期不能晚于截止日期。"]}
    # 点名调训 reads the period the same way: a future start alone is no refusal.
    later = upcoming(client, city)
    summoned = summon(client, city["huaihua"], later, since=since.isoformat())
    assert summoned.status_code == 200, summoned.json
