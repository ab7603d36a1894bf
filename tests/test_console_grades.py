"""履职评价等次 in the console: the bands on the rules page, the 履职评价 page with its export, and the
grade on a deputy's archive."""
import io
import re

import openpyxl

from backend.audit.models import AuditEvent
from backend.auth.models import User
from backend.extensions import db
from backend.points import grades, ledger
from backend.points.models import GradeBand
from backend.points.queries import current_year
from tests.refusals import at_fields, summary

from .test_console_org_activities import huaihua, post, station_admin, text, world  # noqa: F401

FOUR = {"band-label-0": "优秀", "band-min-0": "90", "band-label-1": "称职", "band-min-1": "70",
        "band-label-2": "基本称职", "band-min-2": "50", "band-label-3": "不称职", "band-min-3": ""}


def bands_form(region, rows):
    """The bands form as typed: ``rows`` {box: value}, the other boxes blank."""
    form = {"region_id": str(region.id)} | {f"band-{box}-{i}": "" for i in range(5) for box in ("label", "min")}
    return form | rows


def stored():
    db.session.expire_all()
    return sorted((b.region_id, b.label, b.min_points) for b in db.session.scalars(db.select(GradeBand)))


def bands_section(page):
    return re.search(r'<section[^>]*id="grade-bands".*?</section>', page, re.DOTALL).group(0)


def test_a_city_sets_its_own_grade_bands_on_the_rules_page(huaihua, world):
    tree = world["tree"]
    city_page = f"/console/rules?region_id={tree['hh'].id}"
    section = bands_section(text(huaihua.get("/console/rules")))
    assert "履职评价等次" in section and "沿用：湖南省" in section
    assert 'value="好"' in section and 'value="40"' in section and 'value="差"' in section
    assert "恢复沿用上级" not in section

    # Refused: each reason under its box, what was typed kept, nothing saved.
    bad = post(huaihua, "/console/grade-bands", bands_form(tree["hh"], FOUR | {"band-label-1": "优秀",
                                                                            "band-min-2": "80"}), page=city_page)
    assert bad.status_code == 422
    assert at_fields(bad) == {"band-label-1": "等次名称不能重复。",
                              "band-min-2": "分数线须从高到低排列，低于上一档的分数线。"}
    assert summary(bad).startswith("有 2 处需要修改")
    assert 'value="基本称职"' in bands_section(text(bad))
    assert stored() == []
    one = post(huaihua, "/console/grade-bands", bands_form(tree["hh"], {"band-label-0": "合格"}), page=city_page)
    assert one.status_code == 422 and "评价等次应有 2 到 5 档。" in text(one)
    assert stored() == []

    # Saving the set it follows, as the page fills it in: the city keeps following the province's.
    unchanged = post(huaihua, "/console/grade-bands", bands_form(tree["hh"], {
        "band-label-0": "好", "band-min-0": "40", "band-label-1": "较好", "band-min-1": "20", "band-label-2": "差"}),
        page=city_page)
    assert unchanged.status_code == 302 and "没有需要保存的修改" in text(huaihua.get(city_page))
    assert stored() == []

    saved = post(huaihua, "/console/grade-bands", bands_form(tree["hh"], FOUR), page=city_page)
    assert saved.status_code == 302 and saved.headers["Location"].endswith(city_page)
    page = text(huaihua.get(city_page))
    assert "已保存本区域的履职评价等次" in page
    assert "本区域自定" in bands_section(page) and "恢复沿用上级" in bands_section(page)
    assert "沿用：怀化市" in bands_section(text(huaihua.get(f"/console/rules?region_id={tree['hc'].id}")))
    assert [band[0] for band in grades.in_force(tree["hc"]).bands] == ["优秀", "称职", "基本称职", "不称职"]

    withdrawn = post(huaihua, "/console/grade-bands", {"region_id": str(tree["hh"].id), "reset": "1"}, page=city_page)
    assert withdrawn.status_code == 302
    assert "已撤销本区域自定的履职评价等次，恢复沿用上级" in text(huaihua.get(city_page))
    assert stored() == []
    assert [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))
            if e.action.startswith("grade_bands")] == ["grade_bands_changed", "grade_bands_withdrawn"]
    log = text(huaihua.get("/console/audit"))
    assert "修改履职评价等次" in log and "撤销本区域履职评价等次" in log
    assert "评价等次：好 ≥ 40、较好 ≥ 20、差 → 优秀 ≥ 90、称职 ≥ 70、基本称职 ≥ 50、不称职" in log


def test_only_the_regions_administrators_edit_its_bands(huaihua, station_admin, world):
    tree = world["tree"]
    page = bands_section(text(station_admin.get("/console/rules")))
    assert "disabled" in page and "保存等次" not in page
    refused = post(station_admin, "/console/grade-bands", bands_form(tree["hh"], FOUR), page="/console/rules")
    assert refused.status_code == 302
    assert "只有区域管理员可以修改评价等次" in text(station_admin.get(refused.headers["Location"]))
    refused = post(huaihua, "/console/grade-bands", bands_form(tree["cs"], FOUR), page="/console/rules")
    assert refused.status_code == 404 and "区域不存在" in text(refused) and "长沙" not in text(refused)
    assert post(huaihua, "/console/grade-bands", bands_form(tree["hh"], FOUR) | {"region_id": "abc"},
                page="/console/rules").status_code == 404
    assert stored() == []
    # Reading: a region administrator's page offers their region, those above and those below; another one's
    # rulebook is the not-found page, never its name (a station administrator may read any, as offered).
    for foreign in (tree["cs"], tree["yl"]):
        page = huaihua.get(f"/console/rules?region_id={foreign.id}")
        assert page.status_code == 404 and "区域不存在" in text(page) and foreign.name not in text(page)
    assert "湖南省" in text(huaihua.get(f"/console/rules?region_id={tree['root'].id}"))
    assert "岳麓区" in text(station_admin.get(f"/console/rules?region_id={tree['yl'].id}"))


def score(world, key, points, year=None):
    root = db.session.scalar(db.select(User).where(User.username == "root"))
    ledger.correct(root, world[key].id, year or current_year(), points, "测试用积分")
    db.session.commit()


def test_the_evaluation_page_counts_filters_marks_and_exports(app, huaihua, world):
    """张伟 85 (好), 李娜 none (差, and 差 last year too), 周强 of 长沙市 not the city's."""
    year = current_year()
    score(world, "zhang", 85)
    world["li"].created_dt = world["li"].created_dt.replace(year=year - 2)
    db.session.commit()
    page = text(huaihua.get("/console/evaluations"))
    assert "履职评价" in page and f"{year} 年" in page and "按当前积分" in page
    assert ">好 <strong>1</strong>" in page and ">较好 <strong>0</strong>" in page and ">差 <strong>1</strong>" in page
    assert "张伟" in page and "李娜" in page and "周强" not in page
    assert "连续两年" in page
    only = text(huaihua.get("/console/evaluations?grade=差"))
    assert "李娜" in only and "张伟" not in only

    exported = huaihua.get("/console/evaluations/export.xlsx?grade=差")
    assert exported.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(exported.data)).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["名次", "代表", "代表层级", "所属区域", "积分", "评价等次", "连续两年最低等次"]
    assert rows[1:] == [[2, "李娜", "市人大代表", "鹤城区", 0, "差", "是"]]  # ranked among everyone, not the filter's
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "exported")).one()
    assert (event.detail["export"], event.detail["rows"], event.detail["filters"]) == ("履职评价", 1, {"grade": "差"})

    assert huaihua.get(f"/console/evaluations?region_id={world['tree']['cs'].id}").status_code == 404
    last_year = text(huaihua.get(f"/console/evaluations?year={year - 1}"))
    assert "按当前积分" not in last_year


def test_a_deputys_archive_shows_the_grade(app, huaihua, world):
    score(world, "zhang", 30)
    page = text(huaihua.get(f"/console/deputies/{world['zhang'].id}/archive"))
    assert re.search(r"<strong[^>]*>较好</strong>\s*履职评价等次（按当前积分）", page), page


def test_a_station_administrator_evaluates_the_deputies_of_their_stations(station_admin, world):
    page = text(station_admin.get("/console/evaluations"))
    assert "张伟" in page and "李娜" in page and "周强" not in page
    assert 'name="region_id"' not in page  # no regions of their own to choose among
    exported = station_admin.get("/console/evaluations/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(exported.data)).worksheets[0]
    assert sorted(row[1] for row in sheet.iter_rows(min_row=2, values_only=True)) == ["张伟", "李娜"]


def test_a_deputy_is_graded_by_their_congresss_bands_on_every_console_page(app, huaihua, world):
    """张伟, a city deputy elected in 鹤城区, sits in 怀化市's congress: 鹤城区's own bands never grade him."""
    tree = world["tree"]
    grades.set_bands(tree["hc"], [{"label": "合格", "min_points": 90}, {"label": "不合格", "min_points": None}])
    db.session.commit()
    score(world, "zhang", 85)
    page = text(huaihua.get("/console/evaluations"))
    assert ">好 <strong>1</strong>" in page and ">合格 <strong>0</strong>" in page
    assert "各级人大代表按其所属人大" in page
    exported = huaihua.get("/console/evaluations/export.xlsx?grade=好")
    sheet = openpyxl.load_workbook(io.BytesIO(exported.data)).worksheets[0]
    assert [row[1:6] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        ("张伟", "市人大代表", "鹤城区", 85, "好")]
    archive = text(huaihua.get(f"/console/deputies/{world['zhang'].id}/archive"))
    assert re.search(r"<strong[^>]*>好</strong>\s*履职评价等次（按当前积分）", archive), archive
    # The bands form says whom a region's bands grade.
    section = bands_section(text(huaihua.get(f"/console/rules?region_id={tree['hc'].id}")))
    assert "适用于本级人大的代表" in section


HUGE = "99999999999999999999"  # a whole number far past any integer column


def test_a_huge_whole_number_is_refused_by_its_range_on_the_bands_form(huaihua, world):
    """The range is what is wrong with it, as the API says: it is a whole number all the same."""
    tree = world["tree"]
    city_page = f"/console/rules?region_id={tree['hh'].id}"
    for typed in (HUGE, "-" + HUGE, "10001"):
        refused = post(huaihua, "/console/grade-bands", bands_form(tree["hh"], FOUR | {"band-min-0": typed}),
                       page=city_page)
        assert refused.status_code == 422, typed
        assert at_fields(refused) == {"band-min-0": "应大于或等于 -10000 且小于或等于 10000。"}, typed
        assert f'value="{typed}"' in bands_section(text(refused))
    assert stored() == []


def test_a_huge_whole_number_is_refused_by_its_range_on_the_rules_and_correction_forms(huaihua, world):
    tree = world["tree"]
    city_page = f"/console/rules?region_id={tree['hh'].id}"
    refused = post(huaihua, "/console/rules", {"region_id": str(tree["hh"].id), "points-reception": HUGE},
                   page=city_page)
    assert refused.status_code == 422
    assert at_fields(refused)["points-reception"] == "应大于或等于 -100 且小于或等于 100。"
    archive = f"/console/deputies/{world['zhang'].id}/archive"
    refused = post(huaihua, f"/console/deputies/{world['zhang'].id}/points/corrections",
                   {"points": HUGE, "reason": "补记"}, page=archive)
    assert refused.status_code == 422
    assert at_fields(refused) == {"points": "应大于或等于 -100 且小于或等于 100。"}
    assert '<strong id="archive-total">0</strong>' in text(huaihua.get(archive))


def test_the_leaderboard_for_a_region_outside_ones_scope_is_not_found(huaihua, station_admin, world):
    """Given another region's id, the console's 积分排行 answers as the other pages do for what is outside the
    administrator's scope (and as 履职评价 does): the not-found page, never that region's name over an empty
    board. A region of their own (or, for a station administrator, one their stations and deputies lie in)
    still narrows the board."""
    tree = world["tree"]
    for client, region, name in ((huaihua, "cs", "长沙市"), (huaihua, "yl", "岳麓区"), (huaihua, "root", "湖南省"),
                                 (station_admin, "yl", "岳麓区"), (station_admin, "cs", "长沙市")):
        for order in ("", "lowest"):
            page = client.get(f"/console/leaderboard?region_id={tree[region].id}&order={order}")
            assert page.status_code == 404, (region, order)
            assert "区域不存在" in text(page) and name not in text(page), (region, order)
    for client in (huaihua, station_admin):
        missing = client.get("/console/leaderboard?region_id=99999999")
        assert missing.status_code == 404 and "区域不存在" in text(missing)
    own = text(huaihua.get(f"/console/leaderboard?region_id={tree['hc'].id}"))
    assert "鹤城区" in own and "张伟" in own
    assert "张伟" in text(huaihua.get("/console/leaderboard?region_id="))  # 全部: the whole of their scope
    for region in ("hc", "hh", "root"):  # where their station and its deputies lie, and the regions above
        page = station_admin.get(f"/console/leaderboard?region_id={tree[region].id}")
        assert page.status_code == 200 and "张伟" in text(page), region


def test_the_evaluation_for_a_region_none_of_a_station_administrators_is_not_found(station_admin, world):
    """As the leaderboard: a station administrator naming a region their station and its deputies do not lie
    in nor under gets the not-found page, not that region's name over an empty list."""
    tree = world["tree"]
    for region, name in (("yl", "岳麓区"), ("cs", "长沙市")):
        for path in ("/console/evaluations", "/console/evaluations/export.xlsx"):
            page = station_admin.get(f"{path}?region_id={tree[region].id}")
            assert page.status_code == 404, (path, region)
            assert "区域不存在" in text(page) and name not in text(page), (path, region)
    own = station_admin.get(f"/console/evaluations?region_id={tree['hc'].id}")
    assert own.status_code == 200 and "张伟" in text(own)
