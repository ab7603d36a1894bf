"""培训清单 in the console, through the Flask test client: the figures and lists of the API's services, the
export's rows and its line in the 操作日志, and 点名调训 as a form taken once."""
import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from backend.audit.models import AuditEvent
from backend.extensions import db

from .test_console_org_activities import post, sign_in, text
from .test_training import city, held, roster, upcoming  # noqa: F401 (fixtures)


@pytest.fixture
def huaihua(app, city):  # noqa: F811
    return sign_in(app, "huaihua")


def plain(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text(response)))


def heading(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.search(r"<h1>(.*?)</h1>", text(response), re.S).group(1))).strip()


def test_the_page_shows_the_figures_the_regions_the_trainings_and_the_untrained(huaihua, city, held):  # noqa: F811
    page = huaihua.get("/console/training")
    assert page.status_code == 200
    shown = plain(page)
    assert "在任代表 4" in shown and "已参训 2" in shown and "未参训 2" in shown and "培训覆盖率 50.0%" in shown
    assert "已参训 ÷ 在任代表（4 人）" in shown
    assert "鹤城区 4 2 2 50.0%" in shown
    assert "代表履职能力培训班" in shown and "已结单" in shown
    assert "孙丽" in shown and "王强" in shown and "13900000102" in shown and "张伟" not in shown.split("未参训代表")[1]
    assert "没有尚未开始的学习培训活动" in shown
    assert '<a href="/console/training" aria-current="page">培训清单</a>' in text(page)

    county = plain(huaihua.get(f"/console/training?region_id={city['tree']['hc'].id}&level=county"))
    assert "鹤城区（本级） 2 1 1 50.0%" in county and "城北街道 1 0 1 0.0%" in county


def test_bad_filters_and_other_regions_are_refused_in_chinese(huaihua, city):  # noqa: F811
    backwards = huaihua.get("/console/training?since=2026-05-01&until=2026-04-01")
    assert backwards.status_code == 422 and "起始日期不能晚于截止日期。" in text(backwards)
    nonsense = huaihua.get("/console/training?since=2026-02-30")
    assert nonsense.status_code == 422 and "日期" in plain(nonsense)
    other = huaihua.get(f"/console/training?region_id={city['tree']['cs'].id}")
    assert other.status_code == 404 and "区域不存在。" in text(other) and "长沙市" not in text(other)
    assert huaihua.get(f"/console/training/untrained.xlsx?region_id={city['tree']['cs'].id}").status_code == 404


def test_the_export_holds_the_untrained_and_is_logged(app, huaihua, city, held):  # noqa: F811
    response = huaihua.get(f"/console/training/untrained.xlsx?region_id={city['tree']['hh'].id}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["未参训代表"]
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["代表", "代表层级", "所属区域", "联络站", "代表小组", "手机号"],
        ["孙丽", "县（区）人大代表", "鹤城区", "城北联络站", None, "13900000104"],
        ["王强", "县（区）人大代表", "城北街道", "城北联络站", "第一代表小组", "13900000102"],
    ]
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "exported")
                                   .order_by(AuditEvent.id.desc())).first()
        assert (event.detail["export"], event.detail["rows"]) == ("未参训代表", 2)


def test_summoning_from_the_page_invites_the_untrained_once(app, client, huaihua, city, held):  # noqa: F811
    next_one = upcoming(client, city, ["张伟"])
    page = text(huaihua.get("/console/training"))
    assert f'<option value="{next_one}">代表履职能力培训班' in page
    form = {"activity_id": str(next_one), "region_id": str(city["tree"]["hh"].id), "level": "", "since": "", "until": ""}
    form["form_key"] = re.search(r'name="form_key" value="([^"]+)"', page).group(1)
    sent = post(huaihua, "/console/training/summon", form, page="/console/training")
    assert sent.status_code == 302
    landed = plain(huaihua.get(sent.headers["Location"]))
    assert "点名调训：已邀请 2 位未参训的代表参加“代表履职能力培训班”，并已通知他们接单。" in landed
    people = city["people"]
    assert roster(app, next_one) == sorted([people["张伟"].id, people["王强"].id, people["孙丽"].id])
    # The same form sent again (a double click): answered as the first, nothing done twice.
    resent = post(huaihua, "/console/training/summon", form, page="/console/training")
    assert "点名调训：已邀请 2 位" in plain(huaihua.get(resent.headers["Location"]))

    again = post(huaihua, "/console/training/summon", form | {"form_key": "another"}, page="/console/training")
    assert again.status_code == 302
    assert "没有需要点名调训的代表" in plain(huaihua.get(again.headers["Location"]))
    assert len(roster(app, next_one)) == 3


def test_the_deputys_archive_page_says_how_many_trainings_they_attended(huaihua, city, held):  # noqa: F811
    archive = plain(huaihua.get(f"/console/deputies/{city['people']['张伟'].id}/archive"))
    assert "本年度参加学习培训 1 次" in archive


def test_a_station_administrator_sees_the_deputies_of_their_station(app, city, held):  # noqa: F811
    chengbei = sign_in(app, "chengbei")
    shown = plain(chengbei.get("/console/training"))
    # Titled by the station whose deputies are counted, not by a region above it.
    assert heading(chengbei.get("/console/training")).startswith("培训清单 城北联络站 · ")
    assert "在任代表 4" in shown and "已参训 2" in shown
    choice = text(chengbei.get("/console/training")).split('name="region_id"', 1)[1].split("</select>", 1)[0]
    assert "鹤城区" in choice and "城北街道" in choice and "长沙市" not in choice and "岳麓区" not in choice
    street_page = chengbei.get(f"/console/training?region_id={city['street'].id}")
    street = plain(street_page)
    assert heading(street_page).startswith("培训清单 城北联络站（城北街道） · ")
    assert "在任代表 1" in street and "王强" in street
    assert chengbei.get(f"/console/training?region_id={city['tree']['yl'].id}").status_code == 404


def test_a_station_administrator_sees_deputies_elected_above_their_station(app, city, held, factory):  # noqa: F811
    """A national deputy and a city one received at 城北联络站 but elected above 鹤城区: counted and listed by
    default; the region choice reaches the regions above; rows add up."""
    factory.deputy(city["tree"]["root"], "刘洋", level="national", stations=[city["station"]])
    factory.deputy(city["tree"]["hh"], "陈明", level="city", stations=[city["station"]])
    chengbei = sign_in(app, "chengbei")
    page = chengbei.get("/console/training")
    shown = plain(page)
    assert heading(page).startswith("培训清单 城北联络站 · ")
    assert "在任代表 6" in shown and "已参训 2" in shown and "未参训 4" in shown
    assert "刘洋" in shown and "陈明" in shown
    assert "湖南省（本级） 1 0 1 0.0%" in shown and "怀化市 5 2 3 40.0%" in shown
    choice = text(page).split('name="region_id"', 1)[1].split("</select>", 1)[0]
    assert [name.strip("　") for name in re.findall(r">([^<]+)</option>", choice)] == \
        ["本人所管代表", "湖南省", "怀化市", "鹤城区", "城北街道"]
    city_page = plain(chengbei.get(f"/console/training?region_id={city['tree']['hh'].id}"))
    assert "在任代表 5" in city_page and "陈明" in city_page and "刘洋" not in city_page


def test_a_station_administrator_is_offered_only_the_regions_they_may_open(app, city, held):  # noqa: F811
    chengbei = sign_in(app, "chengbei")
    page = text(chengbei.get(f"/console/training?region_id={city['tree']['root'].id}"))
    table = page.split("按下级区域", 1)[1].split("</table>", 1)[0]
    assert "长沙市" in table and f"region_id={city['tree']['cs'].id}" not in table  # shown, not a link
    assert f"region_id={city['tree']['hh'].id}" in table
    assert chengbei.get(f"/console/training?region_id={city['tree']['hh'].id}").status_code == 200
    assert chengbei.get(f"/console/training?region_id={city['tree']['cs'].id}").status_code == 404


def test_the_pages_refusals_name_their_fields_in_chinese(huaihua, city):  # noqa: F811
    from .test_console_page_wording import flashes

    nothing = post(huaihua, "/console/training/summon", {"activity_id": ""}, page="/console/training")
    assert flashes(huaihua, nothing) == [("flash-error", "请选择要点名调训的培训活动。")]
    bad_date = post(huaihua, "/console/training/summon", {"activity_id": "1", "since": "abc"}, page="/console/training")
    assert flashes(huaihua, bad_date) == [("flash-error", "起始日期格式不正确，请重新选择日期。")]
    for query, line in (("since=2026-13-01", "起始日期：日期格式不正确，应为 YYYY-MM-DD。"),
                        ("until=abc", "截止日期：日期格式不正确，应为 YYYY-MM-DD。"),
                        ("since=2026-05-01&until=2026-04-30", "起始日期：起始日期不能晚于截止日期。"),
                        ("level=mayor", "代表层级："), ("region_id=abc", "区域：")):
        page = plain(huaihua.get(f"/console/training?{query}"))
        assert line in page, (query, page[:400])
        assert not any(key in page for key in ("since：", "until：", "level：", "region_id：", "activity_id：")), query


def test_the_trainings_listed_link_only_those_the_administrator_can_open(app, client, city, held, factory):  # noqa: F811
    """培训清单's trainings for a station administrator whose figures start at the province: their station's,
    linked; the city's inviting their deputy, named without a link; 岳麓区's, not at all."""
    from datetime import datetime, timedelta, timezone

    from .test_activities import iso

    factory.deputy(city["tree"]["root"], "刘洋", level="national", stations=[city["station"]])
    starts = datetime.now(timezone.utc) - timedelta(hours=1)
    citywide = client.post("/api/v1/activities", headers=city["huaihua"], json={
        "title": "全市代表集中培训", "type": "training", "region_id": city["tree"]["hh"].id, "place": "市人大会议室",
        "starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=3)), "deputy_ids": [city["people"]["张伟"].id]})
    assert citywide.status_code == 201, citywide.json
    chengbei = sign_in(app, "chengbei")
    page = text(chengbei.get("/console/training"))
    trainings = page.split("期间内的培训活动", 1)[1].split("</table>", 1)[0]
    assert f"/console/activities/{held['id']}\"" in trainings
    assert "全市代表集中培训" in trainings and f"/console/activities/{citywide.json['id']}\"" not in trainings
    assert "（非本人管理）" in trainings
    assert f"/console/activities/{held['elsewhere']}\"" not in trainings and "岳麓" not in trainings


def test_a_start_date_alone_in_the_future_shows_the_rest_of_its_year(huaihua, city):  # noqa: F811
    from datetime import date, datetime, timedelta

    from .test_training import CHINA

    since = datetime.now(CHINA).date() + timedelta(days=3)
    page = huaihua.get(f"/console/training?since={since.isoformat()}")
    assert page.status_code == 200
    assert f"{since.isoformat()} 至 {date(since.year, 12, 31).isoformat()}" in plain(page)


def test_the_page_reads_the_periods_trainings_not_every_check_in(app, huaihua, city, held):  # noqa: F811
    """Who is trained is read from the period's trainings (their rosters by the participants' primary key),
    never from every check-in of every activity ever (a province's whole history, read at each view); and
    the page evaluates it twice — the roll-up, whose figures give the untrained list its count, and the
    list's page — not once more to count the untrained."""
    from .factories import sent_statements
    from .test_scale_queries import _plan

    with sent_statements(app, with_parameters=True) as seen:
        shown = plain(huaihua.get("/console/training"))
    assert "未参训 2" in shown and "孙丽" in shown and "王强" in shown and "共 2 " in shown
    trained = [(s, p) for s, p in seen if "activity_participants.status =" in s]
    assert len(trained) == 2, [s for s, _ in trained]
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    for statement, parameters in trained:
        assert " JOIN activities" not in statement.split("activity_participants.status =")[0].rsplit("SELECT", 1)[-1]
        if postgres:
            # A few rows, no statistics: the planner may take any index; offered the primary key and the
            # trainings' index, the period's trainings come first and then their rosters by activity id.
            plan = _plan(app, statement, parameters, ("enable_seqscan",), ("ix_activity_participants_deputy",))
            assert "ix_activities_type_starts" in plan and "pk_activity_participants" in plan, plan
            assert "Index Cond: (activity_id = ANY" in plan, plan
