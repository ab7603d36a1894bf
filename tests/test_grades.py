"""履职评价等次 through the HTTP API: each congress's grade bands, inherited whole below it, and the
year's evaluation of the deputies, each graded by their own congress's bands."""
import pytest

from backend.audit.models import AuditEvent
from backend.extensions import db
from backend.points import grades, rulebook
from backend.points.queries import current_year

from .test_rulebooks import congresses  # noqa: F401 - the fixture

DEFAULT = [{"label": "好", "min_points": 40}, {"label": "较好", "min_points": 20}, {"label": "差", "min_points": None}]
FOUR = [{"label": "优秀", "min_points": 90}, {"label": "称职", "min_points": 70}, {"label": "基本称职", "min_points": 50},
        {"label": "不称职", "min_points": None}]


def bands(client, headers, **query):
    response = client.get("/api/v1/grade-bands", query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def put_bands(client, headers, body, **query):
    return client.put("/api/v1/grade-bands", json=body, query_string=query, headers=headers)


def logged(action):
    return [(e.target_label, e.detail) for e in db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def test_the_default_bands_fit_what_the_default_rulebook_pays_in_a_year(app, congresses):
    """The default rulebook pays a reception day 5 and most activities 2 or 3, with no yearly base, so a
    100-point scale's 80/60 graded every deputy 差, the first of the leaderboard too. The default bands
    grade the year a deputy of that rulebook can actually have."""
    points = {rule.code: rule.points for rule in rulebook.in_force(None)}
    in_force = grades.in_force(None)

    def grade(**done):
        return in_force.grade(sum(points[code] * times for code, times in done.items()))[0]

    assert grade() == "差"
    assert grade(reception=3, training=1) == "差"  # 17: not even a reception day a quarter
    # The regular duty: a reception day at the station each quarter.
    assert grade(reception=4) == "较好"
    assert grade(reception=4, report=1, training=1, inspection=1) == "较好"  # 30
    # Beyond it: reporting to voters, training, inspection, research, the group, suggestions handled well.
    assert grade(reception=4, report=1, training=1, inspection=1, research=1, group=1,
                 suggestion_closed=2, suggestion_satisfied=2) == "好"  # 43


def test_the_default_bands_are_in_force_everywhere_until_a_congress_sets_its_own(client, congresses):
    tree, admins = congresses["tree"], congresses["admins"]
    assert bands(client, admins["hc"]) == {
        "region_id": tree["hc"].id, "set_by_region_id": tree["root"].id, "set_by_region_name": "湖南省",
        "inherited": True, "bands": DEFAULT}
    assert bands(client, admins["root"])["inherited"] is False
    assert bands(client, admins["station"], region_id=tree["yl"].id)["bands"] == DEFAULT
    # The set it follows, sent back: the county keeps following (as a rulebook line does), nothing logged.
    kept = put_bands(client, admins["hc"], bands(client, admins["hc"]))
    assert (kept.status_code, kept.json["inherited"], kept.json["set_by_region_name"]) == (200, True, "湖南省")
    assert put_bands(client, admins["root"], {"bands": FOUR}).status_code == 200
    assert bands(client, admins["hc"])["bands"] == FOUR
    assert logged("grade_bands_changed") == [
        ("湖南省", {"bands": ["好 ≥ 40、较好 ≥ 20、差", "优秀 ≥ 90、称职 ≥ 70、基本称职 ≥ 50、不称职"]})]


def test_a_regions_own_set_replaces_the_one_above_whole_and_is_inherited_below(client, congresses):
    tree, admins = congresses["tree"], congresses["admins"]
    city = put_bands(client, admins["hh"], {"bands": FOUR})
    assert city.status_code == 200, city.json
    assert city.json == {"region_id": tree["hh"].id, "set_by_region_id": tree["hh"].id,
                         "set_by_region_name": "怀化市", "inherited": False, "bands": FOUR}
    # The township under the city's county follows the city's four bands, none of the province's.
    below = bands(client, admins["hc"], region_id=tree["hcx"].id)
    assert (below["bands"], below["set_by_region_name"], below["inherited"]) == (FOUR, "怀化市", True)
    assert bands(client, admins["yl"])["bands"] == DEFAULT
    # The county's own two bands replace the city's four.
    two = [{"label": "合格", "min_points": 0}, {"label": "不合格", "min_points": None}]
    assert put_bands(client, admins["hh"], {"bands": two}, region_id=tree["hc"].id).status_code == 200
    assert bands(client, admins["hc"])["bands"] == two
    assert bands(client, admins["hh"])["bands"] == FOUR
    # Sent back as GET gave it: accepted (what GET adds about its origin is ignored).
    again = put_bands(client, admins["hc"], bands(client, admins["hc"]))
    assert again.status_code == 200 and again.json["bands"] == two
    assert logged("grade_bands_changed") == [
        ("怀化市", {"bands": ["好 ≥ 40、较好 ≥ 20、差", "优秀 ≥ 90、称职 ≥ 70、基本称职 ≥ 50、不称职"]}),
        ("鹤城区", {"bands": ["优秀 ≥ 90、称职 ≥ 70、基本称职 ≥ 50、不称职", "合格 ≥ 0、不合格"]}),
    ]


def test_withdrawing_a_regions_set_brings_back_the_one_above(client, congresses):
    tree, admins = congresses["tree"], congresses["admins"]
    assert put_bands(client, admins["hc"], {"bands": FOUR}).status_code == 200
    withdrawn = client.delete("/api/v1/grade-bands", headers=admins["hc"])
    assert withdrawn.status_code == 200, withdrawn.json
    assert (withdrawn.json["bands"], withdrawn.json["inherited"], withdrawn.json["set_by_region_name"]) == (
        DEFAULT, True, "湖南省")
    # Nothing of its own left: the same answer, nothing logged (as withdrawing a rulebook line).
    assert client.delete("/api/v1/grade-bands", headers=admins["hc"]).json == withdrawn.json
    assert logged("grade_bands_withdrawn") == [
        ("鹤城区", {"bands": ["优秀 ≥ 90、称职 ≥ 70、基本称职 ≥ 50、不称职", "好 ≥ 40、较好 ≥ 20、差"]})]
    root = put_bands(client, admins["root"], {"bands": FOUR})
    assert (root.status_code, root.json["inherited"]) == (200, False)
    assert bands(client, admins["yl"])["bands"] == FOUR
    refused = client.delete("/api/v1/grade-bands", headers=admins["root"])
    assert (refused.status_code, refused.json["error"], refused.json["message"]) == (
        409, "conflict", "全域履职评价等次只能修改，不能撤销。")
    assert bands(client, admins["root"])["bands"] == FOUR


@pytest.mark.parametrize("body, errors", [
    ({"bands": DEFAULT[:1]}, {"bands": ["评价等次应有 2 到 5 档。"]}),
    ({"bands": DEFAULT * 2}, {"bands": ["评价等次应有 2 到 5 档。"]}),
    ({}, {"bands": ["此项为必填项。"]}),
    ({"bands": [{"label": "", "min_points": 80}, DEFAULT[2]]}, {"bands": ["第 1 项的等次名称：长度应在 1 到 8 个字符之间。"]}),
    ({"bands": [{"label": "非常非常非常非常好", "min_points": 80}, DEFAULT[2]]}, {"bands": ["第 1 项的等次名称：长度应在 1 到 8 个字符之间。"]}),
    ({"bands": [{"label": "好", "min_points": 80}, {"label": "好", "min_points": None}]},
     {"bands": ["第 2 项：等次名称不能重复。"]}),
    ({"bands": [{"label": "好", "min_points": 60}, {"label": "较好", "min_points": 60}, DEFAULT[2]]},
     {"bands": ["第 2 项：分数线须从高到低排列，低于上一档的分数线。"]}),
    ({"bands": [{"label": "好", "min_points": 60}, {"label": "较好", "min_points": 80}, DEFAULT[2]]},
     {"bands": ["第 2 项：分数线须从高到低排列，低于上一档的分数线。"]}),
    ({"bands": [{"label": "好", "min_points": 80}, {"label": "差", "min_points": 0}]},
     {"bands": ["第 2 项的分数线：最低一档不设分数线：它包括以下的所有积分。"]}),
    ({"bands": [{"label": "好", "min_points": None}, {"label": "差", "min_points": None}]},
     {"bands": ["第 1 项的分数线：只有最低一档不设分数线，其余各档都要有分数线。"]}),
    ({"bands": [{"label": "好", "min_points": 80.5}, DEFAULT[2]]}, {"bands": ["第 1 项的分数线应为整数。"]}),
    ({"bands": [{"label": "好", "min_points": "80"}, DEFAULT[2]]}, {"bands": ["第 1 项的分数线应为整数。"]}),
    ({"bands": [{"label": "好", "min_points": 80, "colour": "red"}, DEFAULT[2]]}, {"bands": ["第 1 项的“colour”：不支持的字段。"]}),
    ({"bands": "好"}, {"bands": None}),
])
def test_bands_are_refused_with_the_reason_under_the_field_and_nothing_changes(client, congresses, body, errors):
    admins = congresses["admins"]
    response = put_bands(client, admins["hc"], body)
    assert (response.status_code, response.json["error"]) == (422, "validation_failed"), response.json

    def matches(expected, actual):
        if expected is None:  # any message: the field's own (a length, an integer)
            return bool(actual)
        if isinstance(expected, dict):
            return set(expected) == set(actual) and all(matches(v, actual[k]) for k, v in expected.items())
        return expected == actual

    assert matches(errors, response.json["errors"]), response.json["errors"]
    assert bands(client, admins["hc"])["bands"] == DEFAULT
    assert logged("grade_bands_changed") == []


@pytest.mark.parametrize("who, method, region, status, error, message", [
    # A region outside the administrator's subtree answers as one that does not exist.
    ("hc", "PUT", "hh", 404, "not_found", "区域不存在。"),
    ("hc", "PUT", "yl", 404, "not_found", "区域不存在。"),
    ("hc", "DELETE", "root", 404, "not_found", "区域不存在。"),
    ("hc", "DELETE", "yl", 404, "not_found", "区域不存在。"),
    ("station", "PUT", None, 403, "forbidden", None),
    ("hc", "PUT", 999999, 404, "not_found", "区域不存在。"),
    ("hc", "GET", 999999, 404, "not_found", "区域不存在。"),
    ("hc", "GET", "abc", 422, "validation_failed", None),
])
def test_only_a_regions_administrators_change_its_bands(client, congresses, who, method, region, status, error,
                                                        message):
    tree, admins = congresses["tree"], congresses["admins"]
    region_id = tree[region].id if region in tree else region
    response = client.open("/api/v1/grade-bands", method=method, headers=admins[who],
                           json={"bands": FOUR} if method == "PUT" else None,
                           query_string={} if region_id is None else {"region_id": region_id})
    assert (response.status_code, response.json["error"]) == (status, error), response.json
    if message:
        assert response.json["message"] == message
    for key in ("root", "hh", "hc", "yl"):
        assert bands(client, admins["root"], region_id=tree[key].id)["bands"] == DEFAULT
    assert client.get("/api/v1/grade-bands", headers=congresses["headers"]["hc"]).status_code == 403


# --- the evaluation ------------------------------------------------------------------------------------


def correct(client, congresses, deputy, points, year=None):
    body = {"points": points, "reason": "测试用积分"} | ({"year": year} if year else {})
    response = client.post(f"/api/v1/deputies/{deputy.id}/points/corrections", json=body,
                           headers=congresses["admins"]["root"])
    assert response.status_code == 201, response.json


def evaluations(client, headers, **query):
    response = client.get("/api/v1/evaluations", query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def graded(page):
    return [(row["deputy"]["name"], row["total"], row["grade"], row["rank"], row["lowest_last_year"])
            for row in page["items"]]


@pytest.fixture
def scored(client, factory, congresses):
    """The city 怀化市 grades in four bands (its county and township follow); 长沙市 by the default. Totals
    this year: 怀化市代表 85, 鹤城区代表 85, 街道代表 none, 岳麓区代表 -5, 岳麓区代表二 30, and a retired
    deputy's 99. Last year 岳麓区代表 had 10 and 岳麓区代表二 35."""
    tree, deputies = congresses["tree"], congresses["deputies"]
    assert put_bands(client, congresses["admins"]["hh"], {"bands": FOUR}).status_code == 200
    deputies["yl2"] = factory.deputy(tree["yl"], "岳麓区代表二", phone="13900000299", level="county")
    retired = factory.deputy(tree["yl"], "离任代表", phone="13900000298", level="county")
    year = current_year()
    for key, points in (("hh", 85), ("hc", 85), ("yl", -5), ("yl2", 30)):
        correct(client, congresses, deputies[key], points)
    correct(client, congresses, retired, 99)
    response = client.patch(f"/api/v1/deputies/{retired.id}", json={"active": False},
                            headers=congresses["admins"]["root"])
    assert response.status_code == 200, response.json
    correct(client, congresses, deputies["yl"], 10, year - 1)
    correct(client, congresses, deputies["yl2"], 35, year - 1)
    # Entered before last year (a deputy entered this year has no year before to be judged on).
    for key in ("hcx", "yl", "yl2"):
        deputies[key].created_dt = deputies[key].created_dt.replace(year=year - 2)
    db.session.commit()
    return congresses


def test_each_deputy_is_graded_by_their_own_congresss_bands(client, scored):
    page = evaluations(client, scored["admins"]["root"])
    assert (page["year"], page["provisional"], page["region_id"], page["total"]) == (
        current_year(), True, scored["tree"]["root"].id, 5)
    assert graded(page) == [
        ("怀化市代表", 85, "称职", 1, False),
        ("鹤城区代表", 85, "称职", 1, False),
        ("岳麓区代表二", 30, "较好", 3, False),
        ("街道代表", 0, "不称职", 4, True),
        ("岳麓区代表", -5, "差", 5, True),
    ]
    assert page["items"][0]["deputy"] == {"id": scored["deputies"]["hh"].id, "name": "怀化市代表",
                                          "level": "city", "region_name": "怀化市"}
    assert page["grades"] == ["好", "较好", "差", "优秀", "称职", "基本称职", "不称职"]
    assert page["summary"] == {"好": 0, "较好": 1, "差": 1, "优秀": 0, "称职": 2, "基本称职": 0, "不称职": 1}
    # A county's own set, deeper than its city's, grades its own deputies and its township's.
    assert put_bands(client, scored["admins"]["hc"], {"bands": [
        {"label": "合格", "min_points": 0}, {"label": "不合格", "min_points": None}]}).status_code == 200
    assert [row[2] for row in graded(evaluations(client, scored["admins"]["root"]))] == [
        "称职", "合格", "较好", "合格", "差"]


def test_the_grade_filter_keeps_the_summary_of_everyone(client, scored):
    page = evaluations(client, scored["admins"]["root"], grade="差")
    assert graded(page) == [("岳麓区代表", -5, "差", 5, True)]
    assert page["total"] == 1 and page["summary"]["称职"] == 2
    assert evaluations(client, scored["admins"]["root"], grade="没有")["items"] == []


def test_the_lowest_band_two_years_running_is_marked(client, scored):
    """岳麓区代表 was 差 last year too (10 points); 岳麓区代表二 was 较好 (35) and is 较好 now; 街道代表 had no
    points either year: 不称职 twice. Graded by today's bands: a stricter county makes last year 差 too."""
    rows = {row[0]: row for row in graded(evaluations(client, scored["admins"]["root"]))}
    assert (rows["岳麓区代表"][4], rows["街道代表"][4], rows["岳麓区代表二"][4], rows["怀化市代表"][4]) == (
        True, True, False, False)
    # Entered this year: no year before to be judged on.
    scored["deputies"]["hcx"].created_dt = scored["deputies"]["hh"].created_dt
    db.session.commit()
    rows = {row[0]: row for row in graded(evaluations(client, scored["admins"]["root"]))}
    assert rows["街道代表"][4] is False
    last_year = evaluations(client, scored["admins"]["root"], year=current_year() - 1)
    assert last_year["provisional"] is False
    assert [(row[0], row[1], row[2]) for row in graded(last_year)][:2] == [("岳麓区代表二", 35, "较好"),
                                                                           ("岳麓区代表", 10, "差")]


def test_a_past_year_ranks_and_grades_only_the_deputies_who_had_entered_office_by_then(client, scored):
    """怀化市代表 and 鹤城区代表 were entered this year: last year's evaluation, leaderboard and the consoles'
    ranking (pages, exports) leave them out, rather than grade them 差 and rank them at 0 for a year they
    were not deputies, unless they have points that year (鹤城区代表's, entered by a 积分更正); this year lists
    them."""
    from backend.auth.models import User
    from backend.console.dashboard import scoped_leaderboard

    deputies, root = scored["deputies"], scored["admins"]["root"]
    last = current_year() - 1
    correct(client, scored, deputies["hc"], 7, last)
    page = evaluations(client, root, year=last)
    listed = [("岳麓区代表二", 35), ("岳麓区代表", 10), ("鹤城区代表", 7), ("街道代表", 0)]
    assert [(row[0], row[1]) for row in graded(page)] == listed
    assert (page["total"], sum(page["summary"].values())) == (4, 4)
    board = client.get("/api/v1/leaderboard", query_string={"year": last}).json
    assert [(row["deputy"]["name"], row["points"]) for row in board] == listed
    assert [row["rank"] for row in board] == [1, 2, 3, 4]
    new = deputies["hh"]
    mine = client.get(f"/api/v1/deputies/{new.id}/points", query_string={"year": last}, headers=root).json
    assert (mine["total"], mine["rank"]) == (0, None)
    admin = db.session.scalar(db.select(User).where(User.username == "admin-root"))
    assert [(row["name"], row["points"]) for row in scoped_leaderboard(admin, last, limit=None, everyone=True)] == listed
    this_year = client.get("/api/v1/leaderboard").json
    assert {"怀化市代表", "鹤城区代表"} <= {row["deputy"]["name"] for row in this_year}



def test_a_past_year_rank_below_zero_counts_the_deputies_entered_by_then(client, scored):
    """Last year 鹤城区代表 (entered this year) lost 4 points by a 积分更正: ranked after 街道代表 (no point,
    0), and his own rank in 履职积分 and the 履职档案 is the board's, not counting 怀化市代表 (entered this
    year, nothing then)."""
    deputies, root = scored["deputies"], scored["admins"]["root"]
    last = current_year() - 1
    correct(client, scored, deputies["hc"], -4, last)
    board = client.get("/api/v1/leaderboard", query_string={"year": last}).json
    assert [(row["rank"], row["deputy"]["name"], row["points"]) for row in board] == [
        (1, "岳麓区代表二", 35), (2, "岳麓区代表", 10), (3, "街道代表", 0), (4, "鹤城区代表", -4)]
    mine = client.get(f"/api/v1/deputies/{deputies['hc'].id}/points", query_string={"year": last}, headers=root).json
    assert (mine["total"], mine["rank"]) == (-4, 4)
    archive = client.get(f"/api/v1/deputies/{deputies['hc'].id}/archive", query_string={"year": last}, headers=root)
    assert archive.status_code == 200, archive.json
    assert (archive.json["points"]["total"], archive.json["points"]["rank"]) == (-4, 4)

def test_a_region_administrator_grades_their_own_subtree(client, scored):
    tree, admins = scored["tree"], scored["admins"]
    county = evaluations(client, admins["hc"])
    assert (county["region_id"], [row[0] for row in graded(county)]) == (tree["hc"].id, ["鹤城区代表", "街道代表"])
    assert county["summary"] == {"优秀": 0, "称职": 1, "基本称职": 0, "不称职": 1}
    assert [row[0] for row in graded(evaluations(client, admins["hh"], region_id=tree["hcx"].id))] == ["街道代表"]
    for region in ("yl", "root"):
        refused = client.get("/api/v1/evaluations", query_string={"region_id": tree[region].id}, headers=admins["hc"])
        assert (refused.status_code, refused.json["message"]) == (404, "区域不存在。")
    # A station administrator: the deputies received at their station.
    station = evaluations(client, admins["station"])
    assert sorted(row[0] for row in graded(station)) == ["岳麓区代表", "怀化市代表", "街道代表", "鹤城区代表"]
    assert [row[0] for row in graded(evaluations(client, admins["station"], region_id=tree["yl"].id))] == [
        "岳麓区代表"]
    assert client.get("/api/v1/evaluations", headers=scored["headers"]["hc"]).status_code == 403


def test_the_evaluation_comes_a_page_at_a_time(client, scored):
    first = evaluations(client, scored["admins"]["root"], per_page=2)
    second = evaluations(client, scored["admins"]["root"], per_page=2, page=3)
    assert (first["total"], first["page"], first["per_page"], [row[0] for row in graded(first)]) == (
        5, 1, 2, ["怀化市代表", "鹤城区代表"])
    assert [row[0] for row in graded(second)] == ["岳麓区代表"]
    assert second["summary"] == first["summary"]
    for query in ({"per_page": 0}, {"year": 1999}, {"grade": "x" * 9}, {"region_id": 0}):
        refused = client.get("/api/v1/evaluations", query_string=query, headers=scored["admins"]["root"])
        assert (refused.status_code, refused.json["error"]) == (422, "validation_failed"), query


# --- the archive --------------------------------------------------------------------------------------


def archive_rows(client, deputy, headers, **query):
    import io

    import openpyxl

    response = client.get(f"/api/v1/deputies/{deputy.id}/archive", query_string={"format": "xlsx", **query},
                          headers=headers)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    return [[value for value in row if value not in (None, "")] for row in sheet.iter_rows(values_only=True)]


def test_the_archive_says_the_grade_by_the_deputys_own_bands(client, scored):
    deputies, headers = scored["deputies"], scored["headers"]
    this_year = client.get(f"/api/v1/deputies/{deputies['hc'].id}/archive", headers=headers["hc"]).json
    assert this_year["points"]["grade"] == {"label": "称职", "min_points": 70, "provisional": True}
    rows = archive_rows(client, deputies["hc"], headers["hc"])
    ranked = rows.index(["年度排名", this_year["points"]["rank"]])
    assert rows[ranked + 1] == ["履职评价等次", "称职（按当前积分）"]

    last_year = client.get(f"/api/v1/deputies/{deputies['yl'].id}/archive", query_string={"year": current_year() - 1},
                           headers=headers["yl"]).json
    assert last_year["points"]["grade"] == {"label": "差", "min_points": None, "provisional": False}
    assert ["履职评价等次", "差"] in archive_rows(client, deputies["yl"], headers["yl"], year=current_year() - 1)
    # Without a point that year: the lowest band of the township's (the city's) bands.
    nothing = client.get(f"/api/v1/deputies/{deputies['hcx'].id}/archive", headers=headers["hcx"]).json
    assert nothing["points"]["grade"] == {"label": "不称职", "min_points": None, "provisional": True}


def test_the_evaluation_grades_in_the_database_whatever_the_number_of_deputies(app, client, factory, scored):
    """A province's 140,000 deputies are graded by one statement a page and one for the summary (which
    gives the count too): the statements sent do not grow with the deputies or with the congresses that
    set their own bands, and the page's reads the deputies with a LIMIT."""
    from .factories import sent_statements

    headers = scored["admins"]["root"]
    with sent_statements(app) as few:
        evaluations(client, headers, per_page=2)
    tree = scored["tree"]
    for i in range(12):
        factory.deputy(tree["yl"], f"新代表{i}", phone=f"139100000{i:02d}", level="county")
    assert put_bands(client, scored["admins"]["yl"], {"bands": FOUR}).status_code == 200
    with sent_statements(app) as many:
        page = evaluations(client, headers, per_page=2)
    assert page["total"] == 17 and page["summary"]["不称职"] == 15
    assert len(many) == len(few)
    graded = [s for s in many if "FROM deputies" in s and not s.startswith("SELECT users.")]
    assert len(graded) == 3, graded  # the page, the summary, the page's ranks
    assert sum("LIMIT 2" in s for s in graded) == 1
    assert sum("GROUP BY" in s for s in graded) == 2


def test_a_page_of_the_evaluation_ranks_its_own_rows_not_every_deputy(app, client, factory, scored):
    """A page's names (rank among the listed, ties sharing; the zero-point deputies and a negative total
    below) are those the whole list gives them, but no statement ranks every deputy of the scope with a
    window over all of them (a province: 137,000 deputies sorted, on disk, at every page turn): the page's
    rows are read in order and their ranks counted from the totals above the page's lowest."""
    from .factories import sent_statements

    headers = scored["admins"]["root"]
    everyone = {row[0]: row[3] for row in graded(evaluations(client, headers, per_page=100))}
    assert everyone == {"怀化市代表": 1, "鹤城区代表": 1, "岳麓区代表二": 3, "街道代表": 4, "岳麓区代表": 5}
    for page in (1, 2, 3):
        with sent_statements(app) as seen:
            rows = graded(evaluations(client, headers, per_page=2, page=page))
        assert [(name, rank) for name, _, _, rank, _ in rows] == [(name, everyone[name]) for name, *_ in rows]
        assert not any("OVER (" in s for s in seen), [s for s in seen if "OVER (" in s]
    for grade in ("不称职", "差"):  # a grade's rows keep their rank among everyone listed
        filtered = graded(evaluations(client, headers, grade=grade))
        assert filtered and [(row[0], row[3]) for row in filtered] == [(row[0], everyone[row[0]]) for row in filtered]


# --- whose congress grades a deputy -----------------------------------------------------------------------


def test_a_deputy_is_graded_by_their_congresss_bands_not_by_those_of_the_region_they_are_elected_in(
        client, factory, scored):
    """A county deputy elected in 城北街道 sits in 鹤城区's congress: the 街道's own bands grade its township
    deputies, never them (they follow 鹤城区's, the city's four). A provincial deputy elected in 鹤城区 is
    graded by the province's bands, not by 怀化市's; a national deputy by the whole deployment's."""
    tree, admins = scored["tree"], scored["admins"]
    year = current_year()
    county = factory.deputy(tree["hcx"], "街道选出的县代表", phone="13900000297", level="county")
    provincial = factory.deputy(tree["hc"], "鹤城区选出的省代表", phone="13900000296", level="provincial")
    national = factory.deputy(tree["hcx"], "街道选出的全国代表", phone="13900000295", level="national")
    county.created_dt = county.created_dt.replace(year=year - 2)
    db.session.commit()
    for deputy in (provincial, national):
        correct(client, scored, deputy, 35)
    street = factory.headers_for_admin(factory.admin("admin-hcx", region=tree["hcx"]))
    loose = [{"label": "合格", "min_points": -10}, {"label": "不合格", "min_points": None}]
    assert put_bands(client, street, {"bands": loose}).status_code == 200

    page = evaluations(client, admins["root"])
    rows = {row[0]: row for row in graded(page)}
    assert rows["街道选出的县代表"][1:3] + rows["街道选出的县代表"][4:] == (0, "不称职", True)
    assert rows["街道代表"][1:3] + rows["街道代表"][4:] == (0, "合格", False)
    assert rows["鹤城区选出的省代表"][1:3] == (35, "较好")
    assert rows["街道选出的全国代表"][1:3] == (35, "较好")
    assert page["grades"] == ["好", "较好", "差", "优秀", "称职", "基本称职", "不称职", "合格", "不合格"]
    assert page["summary"] == {"好": 0, "较好": 3, "差": 1, "优秀": 0, "称职": 2, "基本称职": 0, "不称职": 1,
                               "合格": 1, "不合格": 0}
    assert [row[0] for row in graded(evaluations(client, admins["root"], grade="不称职"))] == ["街道选出的县代表"]
    assert [row[0] for row in graded(evaluations(client, admins["root"], grade="合格"))] == ["街道代表"]

    # The county's own evaluation: the province's grades listed where a provincial deputy is given one.
    county_page = evaluations(client, admins["hc"])
    assert county_page["summary"] == {"较好": 2, "优秀": 0, "称职": 1, "基本称职": 0, "不称职": 1, "合格": 1,
                                      "不合格": 0}
    street_page = evaluations(client, street)
    assert {row[0]: row[2] for row in graded(street_page)} == {
        "街道选出的全国代表": "较好", "街道选出的县代表": "不称职", "街道代表": "合格"}

    # The archive says the same.
    for deputy, grade in ((county, {"label": "不称职", "min_points": None}),
                          (provincial, {"label": "较好", "min_points": 20}),
                          (national, {"label": "较好", "min_points": 20})):
        archive = client.get(f"/api/v1/deputies/{deputy.id}/archive", headers=admins["root"])
        assert archive.status_code == 200, archive.json
        assert archive.json["points"]["grade"] == grade | {"provisional": True}, deputy.name
    assert ["履职评价等次", "不称职（按当前积分）"] in archive_rows(client, county, admins["root"])
