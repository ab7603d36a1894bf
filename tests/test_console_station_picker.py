"""The console's station picker: GET /console/station-options searches the stations in the administrator's
scope, and every page offering stations to choose from lists the first ones (CONSOLE_STATION_CHOICES) and
always the chosen ones, however far down the alphabet."""
import pytest

from .test_console_org_activities import post, sign_in, text, world  # noqa: F401  (fixture)


@pytest.fixture
def more(factory, world):  # noqa: F811
    tree = world["tree"]
    zhijiang = factory.region("芷江县", "county", tree["hh"])
    return {
        "chengnan": factory.station(tree["hc"], "城南联络站", address="迎丰路 2 号"),
        "zhijiang": factory.station(zhijiang, "芷江联络站", address="和平路 9 号"),
        "zhijiang_region": zhijiang,
    }


def names(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["name"] for item in response.json["items"]]


def test_each_administrator_finds_only_the_stations_they_manage(app, world, more):  # noqa: F811
    station_admin, huaihua, root = (sign_in(app, name) for name in ("chengbei", "huaihua", "root"))
    assert names(station_admin.get("/console/station-options")) == ["城北联络站"]
    assert names(station_admin.get("/console/station-options?q=芷江")) == []
    assert names(huaihua.get("/console/station-options")) == ["城北联络站", "城南联络站", "芷江联络站"]
    assert names(huaihua.get("/console/station-options?q=岳麓")) == []
    assert names(root.get("/console/station-options")) == ["城北联络站", "城南联络站", "岳麓联络站", "芷江联络站"]

    found = huaihua.get("/console/station-options?q=芷江").json
    assert found == {"items": [{"id": more["zhijiang"].id, "name": "芷江联络站", "region": "芷江县", "address": "和平路 9 号"}],
                     "more": False, "limit": 50}


def test_stations_are_found_by_name_address_and_region(app, world, more):  # noqa: F811
    huaihua, root = sign_in(app, "huaihua"), sign_in(app, "root")
    assert names(huaihua.get("/console/station-options?q=城")) == ["城北联络站", "城南联络站"]
    assert names(huaihua.get("/console/station-options?q=+城南+")) == ["城南联络站"]
    assert names(root.get("/console/station-options?q=麓山路")) == ["岳麓联络站"]  # by address
    assert names(huaihua.get("/console/station-options?q=%25")) == []  # a LIKE wildcard is a character
    assert names(huaihua.get("/console/station-options?q=_")) == []
    hc = world["tree"]["hc"].id
    assert names(huaihua.get(f"/console/station-options?region_id={hc}")) == ["城北联络站", "城南联络站"]
    assert names(huaihua.get(f"/console/station-options?region_id={world['tree']['hh'].id}&q=芷")) == ["芷江联络站"]
    # Another region's stations stay out of reach, by region too.
    assert names(huaihua.get(f"/console/station-options?region_id={world['tree']['yl'].id}")) == []


def test_a_search_answers_a_page_and_says_whether_more_match(app, world, more):  # noqa: F811
    huaihua = sign_in(app, "huaihua")
    first = huaihua.get("/console/station-options?limit=2").json
    assert [i["name"] for i in first["items"]] == ["城北联络站", "城南联络站"] and first["more"] is True
    assert first["limit"] == 2
    assert huaihua.get("/console/station-options?limit=3").json["more"] is False


@pytest.mark.parametrize("query, status, message", [
    ("limit=abc", 422, "每次返回的数量应为 1 到 50 之间的整数。"),
    ("limit=0", 422, "每次返回的数量应为 1 到 50 之间的整数。"),
    ("limit=51", 422, "每次返回的数量应为 1 到 50 之间的整数。"),
    ("region_id=abc", 422, "区域编号应为正整数。"),
    ("region_id=99999999999", 422, "区域编号应为正整数。"),
    ("region_id=²", 422, "区域编号应为正整数。"),
    ("region_id=999999", 404, "区域不存在。"),
])
def test_bad_input_is_a_chinese_json_error(app, world, query, status, message):  # noqa: F811
    answer = sign_in(app, "huaihua").get(f"/console/station-options?{query}")
    assert answer.status_code == status
    assert answer.json["message"] == message


def test_odd_text_and_signed_out_callers_get_json(app, world):  # noqa: F811
    huaihua = sign_in(app, "huaihua")
    assert names(huaihua.get("/console/station-options?q=%00城北%01")) == ["城北联络站"]
    assert names(huaihua.get("/console/station-options?q=" + "城" * 500)) == []
    # The console's other answers to its scripts likewise: JSON, never the sign-in page.
    for path in ("/console/station-options?q=城", "/console/deputy-options?q=张", "/console/activities/1/attendance.json",
                 "/console/suggestions/1/merge-target?into=123"):
        signed_out = app.test_client().get(path)
        assert signed_out.status_code == 401 and signed_out.json["error"] == "unauthorized", path
        assert "登录" in signed_out.json["message"]


def test_pages_list_the_first_stations_and_always_the_chosen_one(app, world, more, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "CONSOLE_STATION_CHOICES", 1)
    huaihua = sign_in(app, "huaihua")
    far = more["zhijiang"].id
    for path in ("/console/suggestions", "/console/appointments", "/console/activities", "/console/deputies"):
        plain = text(huaihua.get(path))
        assert ">城北联络站</option>" in plain and "芷江联络站" not in plain and "城南联络站" not in plain, path
        assert 'data-station-picker="/console/station-options"' in plain, path
        chosen = text(huaihua.get(f"{path}?station_id={far}"))
        assert f'<option value="{far}" selected>芷江联络站</option>' in chosen, path
        assert "城南联络站" not in chosen, path
    # Another administrator's station is never added, chosen or not.
    elsewhere = text(huaihua.get(f"/console/activities?station_id={world['yuelu'].id}"))
    assert "岳麓联络站" not in elsewhere
    # An administrator whose stations are all listed, and few, has no search beside them.
    monkeypatch.setitem(app.config, "CONSOLE_STATION_CHOICES", 1000)
    assert "data-station-picker" not in text(huaihua.get("/console/activities"))
    assert "data-station-picker" not in text(sign_in(app, "chengbei").get("/console/deputies/new"))
    form = text(huaihua.get(f"/console/activities/new?station_id={far}"))
    assert ">城北联络站</option>" in form and f'<option value="{far}" selected>芷江联络站</option>' in form


def test_a_dispatch_at_a_station_beyond_the_list_is_accepted_and_kept_when_refused(app, world, more, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "CONSOLE_STATION_CHOICES", 1)
    huaihua = sign_in(app, "huaihua")
    far = more["zhijiang"].id
    refused = post(huaihua, "/console/activities/new", {
        "title": "", "type": "reception", "place_mode": "station", "station_id": str(far),
        "starts_at": "2030-01-01T09:00", "ends_at": "2030-01-01T08:00", "deputy_ids": [str(world["zhang"].id)]})
    assert refused.status_code == 422
    assert f'<option value="{far}" selected>芷江联络站</option>' in text(refused)


def test_an_account_keeps_its_stations_beyond_the_list(app, world, more, factory, monkeypatch):  # noqa: F811
    """An account's stations are always shown ticked: saving its name no longer drops those past the
    first ones listed."""
    monkeypatch.setitem(app.config, "CONSOLE_STATION_CHOICES", 1)
    account = factory.admin("zhijiang", stations=[more["zhijiang"]])
    huaihua = sign_in(app, "huaihua")
    page = text(huaihua.get(f"/console/admins/{account.id}"))
    assert f'value="{more["zhijiang"].id}" checked> 芷江联络站' in page
    assert "只列出前 1 个，其余请搜索" in page and "城南联络站" not in page
    saved = post(huaihua, f"/console/admins/{account.id}", {
        "display_name": "芷江站管理员", "stations_present": "1", "station_ids": [str(more["zhijiang"].id)]})
    assert saved.status_code == 302
    assert "联络站管理员 · 芷江联络站" in text(huaihua.get(saved.headers["Location"]))

    # A new account of a station beyond the list: the server's checks decide, as before.
    created = post(huaihua, "/console/admins/new", {
        "kind": "station", "username": "chengnan", "display_name": "", "password": "first-pass-1",
        "password2": "first-pass-1", "station_ids": [str(more["chengnan"].id)]})
    assert created.status_code == 302
    outside = post(huaihua, "/console/admins/new", {
        "kind": "station", "username": "yuelu", "display_name": "", "password": "first-pass-1",
        "password2": "first-pass-1", "station_ids": [str(world["yuelu"].id)]}, page="/console/admins/new")
    assert outside.status_code == 422 and "岳麓联络站" not in text(outside)


def test_a_deputys_stations_beyond_the_list_stay_ticked(app, world, more, factory, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "CONSOLE_STATION_CHOICES", 1)
    deputy = factory.deputy(more["zhijiang_region"], "杨帆", stations=[more["zhijiang"]])
    huaihua = sign_in(app, "huaihua")
    page = text(huaihua.get(f"/console/deputies/{deputy.id}"))
    assert f'value="{more["zhijiang"].id}" checked> 芷江联络站' in page and "已选 <strong class=\"picker-count\">1</strong>" in page
    new = text(huaihua.get("/console/deputies/new"))
    assert "> 城北联络站</label>" in new and "城南联络站" not in new and "芷江联络站" not in new
