"""The console's activity, organisation and points pages through the Flask test client.

Administrators sign in with the login form (CSRF token scraped from the page) and see exactly what the
API's scope rules allow: another region's station or deputy is a 404 page, never a 500.
"""
import csv
import html
import io
import re
import time
import zipfile
from datetime import datetime, timedelta, timezone

import openpyxl
import pytest
import zxingcpp
from flask import g, has_app_context
from PIL import Image
from sqlalchemy import select

from backend.activities.models import Activity
from backend.auth.models import User
from backend.db_types import utcnow
from backend.extensions import db
from backend.points import rulebook
from backend.points.models import ScoringRule, ScoringRuleOverride
from tests.refusals import at_fields, summary

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
CHINA = timezone(timedelta(hours=8))
STATION = (27.5601, 109.9985)


def token_from(client, path):
    # The factory fixture keeps one app context open for the whole test, so ``g`` outlives a request here
    # (never in a server): drop flask-wtf's per-request token cache, or another client's token would show.
    if has_app_context():
        g.pop("csrf_token", None)
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    return TOKEN.search(page.get_data(as_text=True)).group(1)


def sign_in(app, username, password="password123"):
    client = app.test_client()
    response = client.post("/console/login", data={
        "username": username, "password": password, "csrf_token": token_from(client, "/console/login"),
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def post(client, path, data, page=None):
    return client.post(path, data={"csrf_token": token_from(client, page or path), **data})


def text(response):
    return response.get_data(as_text=True)


def local(dt):
    return dt.astimezone(CHINA).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def world(factory):
    tree = factory.tree()
    chengbei = factory.station(tree["hc"], "城北联络站", lat=STATION[0], lng=STATION[1], address="人民路 18 号",
                               open_hours="每周三上午")
    yuelu = factory.station(tree["yl"], "岳麓联络站", address="麓山路 1 号")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000101", stations=[chengbei], group="第一代表小组")
    li = factory.deputy(tree["hc"], "李娜", phone="13800000102", stations=[chengbei])
    far = factory.deputy(tree["yl"], "周强", phone="13800000109", stations=[yuelu])
    factory.admin("root", region=tree["root"])
    factory.admin("huaihua", region=tree["hh"])
    factory.admin("chengbei", stations=[chengbei])
    return {"tree": tree, "chengbei": chengbei, "yuelu": yuelu, "zhang": zhang, "li": li, "far": far}


@pytest.fixture
def huaihua(app, world):
    return sign_in(app, "huaihua")


@pytest.fixture
def station_admin(app, world):
    return sign_in(app, "chengbei")


def test_pages_need_a_signed_in_administrator(client, world):
    for path in ("/console/activities", "/console/stations", "/console/deputies", "/console/rules",
                 "/console/leaderboard", f"/console/stations/{world['chengbei'].id}/poster.png"):
        response = client.get(path)
        assert response.status_code == 302 and "/console/login" in response.headers["Location"], path


def test_another_regions_objects_are_not_found(huaihua, station_admin, world):
    yuelu, far = world["yuelu"], world["far"]
    for path in (f"/console/stations/{yuelu.id}", f"/console/stations/{yuelu.id}/poster.png",
                 f"/console/stations/{yuelu.id}/qr.png", f"/console/deputies/{far.id}",
                 f"/console/deputies/{far.id}/archive", f"/console/deputies/{far.id}/archive.xlsx",
                 f"/console/deputies/{far.id}/poster.png", f"/console/posters.zip?region_id={world['tree']['yl'].id}",
                 "/console/stations/99999999999", "/console/activities/12345", f"/console/activities/{2**31}"):
        response = huaihua.get(path)
        assert response.status_code == 404, path
        assert "不存在" in text(response), path
    refused = post(huaihua, f"/console/stations/{yuelu.id}", {"name": "改名"}, page="/console/stations")
    assert refused.status_code == 404
    assert db.session.get(type(yuelu), yuelu.id).name == "岳麓联络站"

    listed = text(huaihua.get("/console/stations"))
    assert "城北联络站" in listed and "岳麓联络站" not in listed
    assert "周强" not in text(huaihua.get("/console/deputies"))
    # A station administrator sees their own station and nothing of the city's other stations.
    assert station_admin.get(f"/console/stations/{world['chengbei'].id}").status_code == 200
    assert station_admin.get(f"/console/stations/{yuelu.id}").status_code == 404


def test_editing_a_station_through_the_org_services(huaihua, world):
    station = world["chengbei"]
    path = f"/console/stations/{station.id}"
    form = text(huaihua.get(path))
    assert 'value="人民路 18 号"' in form and "张伟" in form
    saved = post(huaihua, path, {
        "name": "城北代表联络站", "kind": "area", "region_id": world["tree"]["hc"].id, "address": "人民路 20 号",
        "lat": "27.56", "lng": "109.99", "open_hours": "每周三、周五上午", "description": "<b>欢迎</b>",
        "deputies_present": "1", "deputy_ids": [world["zhang"].id],
    })
    assert saved.status_code == 302 and saved.headers["Location"].endswith(path)
    page = text(huaihua.get(path))
    assert "已保存联络站“城北代表联络站”" in page
    assert "&lt;b&gt;欢迎&lt;/b&gt;" in page  # escaped, never markup
    db.session.expire_all()
    station = db.session.get(type(station), station.id)
    assert (station.name, station.kind.value, station.address, station.open_hours) == (
        "城北代表联络站", "area", "人民路 20 号", "每周三、周五上午")
    assert [d.name for d in station.deputies] == ["张伟"]

    # A refusal from the schema or the services says why in Chinese, nothing changes, and the form comes
    # back as it was typed (it used to come back with the saved values: every other edit was lost).
    bad = post(huaihua, path, {"name": "城北", "kind": "center", "lat": "95", "lng": "109.99", "address": "人民路 22 号",
                               "open_hours": "每周一全天", "deputies_present": "1", "deputy_ids": [world["li"].id]})
    assert bad.status_code == 422
    shown = text(bad)
    assert at_fields(bad) == {"lat": "纬度应在 3 至 54 之间（中国境内，GCJ-02 坐标）。"}
    assert 'value="城北"' in shown and 'value="人民路 22 号"' in shown and 'value="每周一全天"' in shown
    assert 'value="95"' in shown and re.search(r'<option value="center" selected>', shown)
    assert re.search(rf'value="{world["li"].id}" checked', shown)  # the deputy ticked stays ticked
    assert not re.search(rf'value="{world["zhang"].id}" checked', shown)
    assert "<h1>城北代表联络站</h1>" in shown  # the heading names the station as saved
    moved = post(huaihua, path, {"name": "城北", "kind": "center", "region_id": world["tree"]["yl"].id})
    assert moved.status_code == 422
    assert "不在您的管理范围内" in text(moved)
    db.session.expire_all()
    station = db.session.get(type(station), station.id)
    assert (station.name, station.address, [d.name for d in station.deputies]) == ("城北代表联络站", "人民路 20 号", ["张伟"])


def test_a_station_administrator_edits_a_deputy_who_is_also_received_elsewhere(station_admin, world):
    """张伟 is received at 城北 (this administrator's) and at 岳麓 (another city's): the page says the
    other station is left alone, and saving — with his stations changed or not — leaves it (saving
    used to be refused: the form sent the other station back, which was not the administrator's)."""
    zhang, chengbei, yuelu = world["zhang"], world["chengbei"], world["yuelu"]
    zhang.stations.append(yuelu)
    db.session.commit()
    path = f"/console/deputies/{zhang.id}"
    page = text(station_admin.get(path))
    assert "另属不在您管理范围内的联络站（不会改动）：岳麓联络站" in page
    # His own details are 鹤城区's to change, not one of his stations': shown, not editable.
    assert "其基本信息、二维码和积分更正须由其所属区域（湖南省怀化市鹤城区）的管理员办理" in page
    assert re.search(r'name="phone"[^>]*disabled', page) and "停用二维码" not in page
    form = {"name": "张伟伟", "level": "city", "term": "", "group": "第一代表小组", "phone": "13900000000", "bio": "",
            "active": "1", "stations_present": "1"}
    for ticked, now_at, said in (
        ([chengbei.id], {"城北联络站", "岳麓联络站"}, "已保存代表“张伟”的信息"),
        ([], {"岳麓联络站"}, "已保存：代表“张伟”不再进驻您管理的联络站，已移出您的代表列表"),
    ):
        saved = post(station_admin, path, form | {"station_ids": ticked})
        assert saved.status_code == 302
        shown = station_admin.get(saved.headers["Location"])
        assert shown.status_code == 200 and said in text(shown)
        db.session.expire_all()
        saved_zhang = db.session.get(type(zhang), zhang.id)
        assert {s.name for s in saved_zhang.stations} == now_at
        assert (saved_zhang.name, saved_zhang.phone) == ("张伟", "13800000101")


def test_editing_a_deputy_and_leaving_office_revokes_the_code(huaihua, world):
    zhang = world["zhang"]
    path = f"/console/deputies/{zhang.id}"
    assert "13800000101" in text(huaihua.get(path))
    old_code = zhang.qr_code
    saved = post(huaihua, path, {
        "name": "张伟", "level": "county", "term": "17", "group": "第二代表小组", "phone": "13800000101",
        "bio": "", "stations_present": "1", "station_ids": [world["chengbei"].id],
    })
    assert saved.status_code == 302
    db.session.expire_all()
    zhang = db.session.get(type(zhang), zhang.id)
    assert (zhang.level.value, zhang.term, zhang.group, zhang.active) == ("county", 17, "第二代表小组", False)
    assert zhang.qr_code is None and old_code
    # Refused: said in Chinese, nothing saved, and the form as it was typed, not as it was saved.
    taken = post(huaihua, path, {"name": "张伟", "level": "city", "term": "18", "group": "第三代表小组", "phone": "13800000102",
                                 "active": "1", "bio": "长期关注城北老旧小区改造", "stations_present": "1", "station_ids": []})
    assert taken.status_code == 409  # as the API answers
    assert at_fields(taken) == {"phone": "该手机号已登记在另一位代表名下。"}
    page = text(taken)
    assert 'value="第三代表小组"' in page and 'value="13800000102"' in page and 'value="18"' in page
    assert "长期关注城北老旧小区改造</textarea>" in page and re.search(r'<option value="city" selected>', page)
    assert re.search(r'name="active" value="1" checked', page)
    assert not re.search(rf'name="station_ids" value="{world["chengbei"].id}" checked', page)
    db.session.expire_all()
    zhang = db.session.get(type(zhang), zhang.id)
    assert (zhang.level.value, zhang.group, zhang.active, zhang.phone) == ("county", "第二代表小组", False, "13800000101")


def csv_upload(rows, name="名册.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["姓名", "层级", "所属区域", "手机号", "联络站", "代表小组"])
    writer.writerows(rows)
    return (io.BytesIO(buffer.getvalue().encode("utf-8")), name)


def test_import_shows_counts_and_the_row_error_report(huaihua, world):
    rows = [
        ["王芳", "市", "鹤城区", "13900000001", "城北联络站", "第三代表小组"],
        ["赵磊", "市", "鹤城区", "12345", "", ""],
        ["", "县", "岳麓区", "13900000003", "", ""],
    ]
    response = huaihua.post("/console/deputies/import", data={
        "csrf_token": token_from(huaihua, "/console/deputies/import"), "file": csv_upload(rows),
    }, content_type="multipart/form-data")
    assert response.status_code == 200
    page = text(response)
    assert "导入结果" in page and "错误报告" in page
    report = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", page)
    assert [(row, field) for row, field, _ in report][:2] == [("3", "手机号"), ("4", "姓名")]
    assert re.search(r"<strong>1</strong> 新增", page)
    assert "王芳" in text(huaihua.get("/console/deputies?q=王芳"))

    # The upload script asks for JSON: the same importer's answer.
    again = huaihua.post("/console/deputies/import", data={
        "csrf_token": token_from(huaihua, "/console/deputies/import"), "file": csv_upload(rows[:1]),
    }, content_type="multipart/form-data", headers={"X-Requested-With": "XMLHttpRequest"})
    assert again.status_code == 200
    assert again.json == {"created": 0, "updated": 0, "unchanged": 1, "errors": []}

    wrong = huaihua.post("/console/deputies/import", data={
        "csrf_token": token_from(huaihua, "/console/deputies/import"), "file": (io.BytesIO(b"%PDF-1.4"), "a.pdf"),
    }, content_type="multipart/form-data")
    assert wrong.status_code == 415 and ".xlsx" in text(wrong)


def test_import_notes_a_phone_given_to_a_deputy_registered_without_one(huaihua, world, factory):
    factory.deputy(world["tree"]["hc"], "王芳", phone=None)
    response = huaihua.post("/console/deputies/import", data={
        "csrf_token": token_from(huaihua, "/console/deputies/import"),
        "file": csv_upload([["王芳", "市", "鹤城区", "13900000001", "", ""]]),
    }, content_type="multipart/form-data")
    page = text(response)
    assert re.search(r"<strong>1</strong> 更新", page) and re.search(r"<strong>0</strong> 新增", page)
    assert "提示（共 1 条）" in page
    assert "第 2 行：鹤城区已有未登记手机号的代表“王芳”，已为其补填本行的手机号，未新增代表。" in page


def test_an_error_report_longer_than_the_page_shows_is_downloadable_whole(app, huaihua, world, monkeypatch):
    from backend.console import organisation
    monkeypatch.setattr(organisation, "IMPORT_ERRORS_SHOWN", 2)
    rows = [[f"代表{i}", "市", "鹤城区", f"1390000{i:04d}x", "", ""] for i in range(5)]
    page = text(huaihua.post("/console/deputies/import", data={
        "csrf_token": token_from(huaihua, "/console/deputies/import"), "file": csv_upload(rows),
    }, content_type="multipart/form-data"))
    assert "仅显示前 2 条，共 5 条。" in page
    link = re.search(r'<a href="(/console/deputies/import/errors/[^"]+\.xlsx)">下载完整错误报告', page).group(1)
    report = huaihua.get(link)
    assert report.status_code == 200
    lines = list(openpyxl.load_workbook(io.BytesIO(report.data))["错误报告"].values)
    assert lines[0] == ("行号", "列", "问题")
    assert [(row, field) for row, field, _ in lines[1:]] == [(n, "手机号") for n in range(2, 7)]
    assert lines[1][2] == "手机号“13900000000x”格式不正确，应为 11 位数字，以 1 开头。"
    # The JSON the upload script reads carries the same link.
    again = huaihua.post("/console/deputies/import", data={
        "csrf_token": token_from(huaihua, "/console/deputies/import"), "file": csv_upload(rows[:3]),
    }, content_type="multipart/form-data", headers={"X-Requested-With": "XMLHttpRequest"})
    assert again.json["error_report_url"].startswith("/console/deputies/import/errors/")
    # Another administrator's, or an expired one, is not found.
    assert sign_in(app, "root").get(link).status_code == 404
    assert huaihua.get("/console/deputies/import/errors/nonsense.xlsx").status_code == 404


def test_a_station_administrator_imports_the_deputies_of_their_station(station_admin, world):
    form = text(station_admin.get("/console/deputies/import"))
    assert "进驻您管理的联络站（城北联络站）的代表" in form and "不填即为本站" in form
    assert "导入代表名册" in text(station_admin.get("/console/deputies"))
    rows = [
        ["王芳", "县", "鹤城区", "13900000001", "", ""],  # at their only station
        ["赵磊", "县", "岳麓区", "13900000002", "", ""],  # a region that does not contain it
    ]
    response = station_admin.post("/console/deputies/import", data={
        "csrf_token": token_from(station_admin, "/console/deputies/import"), "file": csv_upload(rows),
    }, content_type="multipart/form-data")
    assert response.status_code == 200
    page = text(response)
    assert re.search(r"<strong>1</strong> 新增", page)
    assert re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", page) == [
        ("3", "所属区域", "“岳麓区”不是您所管联络站所在的区域或其上级区域。")]
    assert "王芳" in text(station_admin.get("/console/deputies?q=王芳"))


def test_poster_zip_costs_the_same_statements_for_three_posters_as_for_twelve(app, huaihua, factory, world,
                                                                             monkeypatch):
    """posters.zip (up to POSTER_ZIP_LIMIT posters) reads each deputy's and station's region name and each
    deputy's stations for the poster's lines: for all of them at once, not per poster. Each poster still says
    where it belongs (湖南省怀化市中方县中方镇) and a deputy's stations."""
    from backend.qr import render
    from tests.factories import sent_statements

    printed = {}

    def poster(url, title, name, details, instruction):  # what the poster says, without drawing it
        printed[name] = details
        return b"png"

    monkeypatch.setattr(render, "poster", poster)
    tree = world["tree"]
    county = factory.region("中方县", "county", tree["hh"])
    town = factory.region("中方镇", "township", county)
    stations = [factory.station(county, "中方县联络站", address="中方路 1 号", open_hours="每周五上午"),
                *(factory.station(town, f"中方镇联络点{i}") for i in range(3))]
    for i in range(8):
        factory.deputy(town if i % 2 else county, f"中方代表{i}", phone=f"1390000020{i}",
                       stations=stations[i % 4:i % 4 + 2])
    db.session.commit()

    def statements(region_id):
        db.session.remove()  # a session of its own, as every request has in production
        with sent_statements(app) as sent:
            response = huaihua.get(f"/console/posters.zip?region_id={region_id}")
            assert response.status_code == 200 and response.mimetype == "application/zip", text(response)
            posters = len(zipfile.ZipFile(io.BytesIO(response.get_data())).namelist())
        return posters, len(sent)

    hecheng, zhongfang = tree["hc"].id, county.id
    (three, few), (twelve, many) = statements(hecheng), statements(zhongfang)
    assert (three, twelve) == (3, 12)
    assert few == many, (few, many)
    assert printed["中方代表1"] == ["市人大代表", "湖南省怀化市中方县中方镇", "所在联络站：中方镇联络点0、中方镇联络点1"]
    assert printed["中方代表0"] == ["市人大代表", "湖南省怀化市中方县", "所在联络站：中方县联络站、中方镇联络点0"]
    assert printed["中方镇联络点2"] == ["湖南省怀化市中方县中方镇"]
    assert printed["中方县联络站"] == ["湖南省怀化市中方县", "中方路 1 号", "接待时间：每周五上午"]
    assert printed["张伟"] == ["市人大代表", "湖南省怀化市鹤城区", "所在联络站：城北联络站"]


def test_poster_zip_holds_every_poster_of_the_region(huaihua, station_admin, world):
    response = huaihua.get(f"/console/posters.zip?region_id={world['tree']['hc'].id}")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    names = sorted(archive.namelist())
    assert len(names) == 3
    assert [n.split("/")[0] for n in names].count("联络站") == 1
    assert any(n.startswith("代表/张伟-") for n in names) and not any("周强" in n or "岳麓" in n for n in names)
    for name in names:
        image = Image.open(io.BytesIO(archive.read(name)))
        image.load()
        assert image.format == "PNG" and image.size == (1748, 2480)
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(archive.read(next(n for n in names if "张伟" in n)))))
    assert decoded and decoded[0].text == f"https://msb.example.cn/q/{world['zhang'].qr_code}"

    # A station administrator gets their own station and its deputies.
    own = zipfile.ZipFile(io.BytesIO(station_admin.get("/console/posters.zip").get_data()))
    assert len(own.namelist()) == 3

    single = huaihua.get(f"/console/stations/{world['chengbei'].id}/poster.png?download=1")
    assert single.status_code == 200 and single.mimetype == "image/png"
    assert "attachment" in single.headers["Content-Disposition"]
    qr = huaihua.get(f"/console/deputies/{world['li'].id}/qr.png")
    assert zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.get_data())))[0].text.endswith(world["li"].qr_code)


def rulebook_form(region):
    """The rulebook form as the page fills it in for ``region``: every line in force there, unchanged."""
    form = {"region_id": str(region.id)}
    for rule in rulebook.in_force(region):
        form[f"label-{rule.code}"] = rule.label
        form[f"points-{rule.code}"] = str(rule.points)
        form[f"cap-{rule.code}"] = "" if rule.yearly_cap is None else str(rule.yearly_cap)
        if rule.active:
            form[f"active-{rule.code}"] = "1"
    return form


def rule_row(page, code):
    """The table row of the line ``code`` on the rulebook page."""
    rows = re.findall(r"<tr>.*?</tr>", page, re.DOTALL)
    return next(row for row in rows if f'name="points-{code}"' in row)


def overrides():
    db.session.expire_all()
    return {(o.region_id, o.code): o for o in db.session.scalars(db.select(ScoringRuleOverride))}


def test_station_administrators_read_any_rulebook_but_cannot_edit(station_admin, world):
    tree = world["tree"]
    page = text(station_admin.get("/console/rules"))
    assert "只有区域管理员可以修改评分细则" in page and "disabled" in page
    assert "每级人大可制定本级的评分细则；未自定的条目沿用上级。" in page
    # Whom a region's lines credit, said above the lines (the bands section says it of the bands).
    notice = page[:page.index('id="grade-bands"')]
    assert "本区域的细则适用于本级人大的代表" in notice and "按其所属上级人大的细则计分" in notice
    assert "全域细则" in rule_row(page, "reception") and "保存修改" not in page
    assert "怀化市" in page and "长沙市" in page  # any region may be chosen to read
    city = text(station_admin.get(f"/console/rules?region_id={tree['hh'].id}"))
    assert "沿用：湖南省" in rule_row(city, "reception") and "disabled" in city and "保存修改" not in city

    refused = post(station_admin, "/console/rules", rulebook_form(tree["hh"]) | {"points-reception": "50"},
                   page=f"/console/rules?region_id={tree['hh'].id}")
    assert refused.status_code == 302
    assert refused.headers["Location"].endswith(f"/console/rules?region_id={tree['hh'].id}")
    assert "只有区域管理员可以修改评分细则" in text(station_admin.get(refused.headers["Location"]))
    assert overrides() == {}
    assert db.session.get(ScoringRule, "reception").points == 5
    assert station_admin.get("/console/rules?region_id=999999").status_code == 404


def test_a_city_sets_its_own_rulebook_lines(app, huaihua, world):
    tree = world["tree"]
    city_page = f"/console/rules?region_id={tree['hh'].id}"
    page = text(huaihua.get("/console/rules"))  # by default: the administrator's own region
    assert "怀化市" in page and "沿用：湖南省" in rule_row(page, "reception")
    assert "鹤城区" in page and "长沙市" not in page  # the selector: the regions above and under their own
    assert '<td class="source">本区域自定' not in page and 'name="reset-' not in page
    assert f'name="region_id" value="{tree["hh"].id}"' in page

    # Saving the form as it is makes nothing the city's own: the lines it follows stay inherited.
    unchanged = post(huaihua, "/console/rules", rulebook_form(tree["hh"]), page=city_page)
    assert unchanged.headers["Location"].endswith(city_page)
    assert "没有需要保存的修改" in text(huaihua.get(city_page))
    assert overrides() == {}

    # A bad box: the page again as typed (the other lines' changes too), the reason under the box.
    bad = post(huaihua, "/console/rules", rulebook_form(tree["hh"]) | {"points-reception": "500", "cap-training": "12"},
               page=city_page)
    assert bad.status_code == 422
    assert at_fields(bad) == {"points-reception": "应大于或等于 -100 且小于或等于 100。"}
    assert summary(bad) == "有 1 处需要修改：“接待选民（进站接待）”分值。"
    assert 'value="500"' in rule_row(text(bad), "reception") and 'value="12"' in rule_row(text(bad), "training")
    assert overrides() == {}
    # A line of the wrong sign, a capped deduction: refused as the API refuses them.
    signs = post(huaihua, "/console/rules", rulebook_form(tree["hh"]) | {
        "points-reception": "-5", "points-absence": "2", "cap-absence": "3"}, page=city_page)
    assert at_fields(signs) == {"points-reception": "该条目为加分项，分值须为 0 或正数。",
                                "points-absence": "该条目为扣分项，分值须为 0 或负数。", "cap-absence": "扣分条目不设年度上限。"}
    assert overrides() == {}

    form = rulebook_form(tree["hh"]) | {"points-reception": "8", "cap-reception": "40"}
    form.pop("active-training")
    saved = post(huaihua, "/console/rules", form, page=city_page)
    assert saved.headers["Location"].endswith(city_page)
    page = text(huaihua.get(city_page))
    assert "已保存 2 条修改，只影响此后获得的积分，已计入的积分不变。" in page
    row = rule_row(page, "reception")
    assert "本区域自定" in row and 'value="8"' in row and 'value="40"' in row and 'name="reset-reception"' in row
    assert "本区域自定" in rule_row(page, "training") and "沿用：湖南省" in rule_row(page, "meeting")
    assert set(overrides()) == {(tree["hh"].id, "reception"), (tree["hh"].id, "training")}

    # The city's deputies (鹤城区, below it) earn by the city's line; the root's rulebook is as it was.
    county = {rule.code: rule for rule in rulebook.in_force(tree["hc"])}
    reception = county["reception"]
    assert (reception.points, reception.yearly_cap, reception.region.id) == (8, 40, tree["hh"].id)
    assert county["training"].active is False
    assert "沿用：怀化市" in rule_row(text(huaihua.get(f"/console/rules?region_id={tree['hc'].id}")), "reception")
    assert db.session.get(ScoringRule, "reception").points == 5
    root_page = text(sign_in(app, "root").get("/console/rules"))
    assert "全域细则" in rule_row(root_page, "reception") and 'value="5"' in rule_row(root_page, "reception")
    other_city = {rule.code: rule for rule in rulebook.in_force(tree["yl"])}
    assert other_city["reception"].points == 5

    # Withdrawing the city's own line: the province's is in force again.
    withdrawn = post(huaihua, "/console/rules", rulebook_form(tree["hh"]) | {"reset-reception": "1"}, page=city_page)
    assert withdrawn.headers["Location"].endswith(city_page)
    page = text(huaihua.get(city_page))
    assert "已撤销本区域自定的 1 条细则：“接待选民（进站接待）”，恢复沿用上级" in page
    row = rule_row(page, "reception")
    assert "沿用：湖南省" in row and 'value="5"' in row
    assert set(overrides()) == {(tree["hh"].id, "training")}


def test_a_rulebook_form_naming_no_region_saves_nothing(huaihua, world):
    """A region id that is no region must not fall back to the administrator's own rulebook."""
    city = world["tree"]["hh"]
    for value in ("0", "-1", "abc", "", str(2**63)):
        response = post(huaihua, "/console/rules", rulebook_form(city) | {"region_id": value, "points-reception": "7"})
        assert response.status_code == 404, value
        assert "区域不存在" in text(response)
    assert huaihua.get("/console/rules?region_id=abc").status_code == 404
    assert overrides() == {}


def test_a_region_administrator_edits_only_the_regions_they_manage(app, huaihua, world):
    tree = world["tree"]
    above = f"/console/rules?region_id={tree['root'].id}"  # offered to compare, read-only
    page = text(huaihua.get(above))
    assert "您只能修改本人所管区域的评分细则" in page and "disabled" in page and "保存修改" not in page
    # One beside theirs is not offered: the not-found page, naming nothing (console/rules's own test).
    assert huaihua.get(f"/console/rules?region_id={tree['cs'].id}").status_code == 404
    # Saving another region's (beside or above theirs) is answered as for a region that does not exist, as
    # the API does: the not-found page, naming nothing.
    for region in (tree["cs"], tree["root"]):
        refused = post(huaihua, "/console/rules", rulebook_form(region) | {"points-reception": "9"}, page=above)
        assert refused.status_code == 404 and "区域不存在" in text(refused), region.name
        assert region.name not in text(refused)
    assert overrides() == {}
    assert db.session.get(ScoringRule, "reception").points == 5

    # The super administrator's edits are the deployment's rulebook, which the city follows.
    superadmin = sign_in(app, "root")
    saved = post(superadmin, "/console/rules", rulebook_form(tree["root"]) | {"points-reception": "6"})
    assert "已保存 1 条修改" in text(superadmin.get(saved.headers["Location"]))
    assert overrides() == {}
    assert db.session.get(ScoringRule, "reception").points == 6
    row = rule_row(text(huaihua.get("/console/rules")), "reception")
    assert "沿用：湖南省" in row and 'value="6"' in row


def dispatch_form(world, deputies, **extra):
    now = datetime.now(timezone.utc)
    return {
        "title": "城北联络站进站接待选民", "type": "reception", "place_mode": "station",
        "station_id": world["chengbei"].id, "starts_at": local(now - timedelta(minutes=10)),
        "ends_at": local(now + timedelta(hours=2)), "deputy_ids": [d.id for d in deputies], "points": "",
        "description": "",
    } | extra


def test_dispatching_an_activity_already_over_says_to_check_in_by_hand_before_closing(station_admin, world):
    """发单 of this morning's reception, entered afterwards: the page says nobody was told and what comes
    next (补签 those who came, then 结单), not "已通知 2 位代表"."""
    now = datetime.now(timezone.utc)
    created = post(station_admin, "/console/activities/new", dispatch_form(
        world, [world["zhang"], world["li"]], starts_at=local(now - timedelta(hours=5)),
        ends_at=local(now - timedelta(hours=2))))
    assert created.status_code == 302, text(created)
    page = text(station_admin.get(created.headers["Location"]))
    assert "已补录：“城北联络站进站接待选民”。活动已结束，未通知代表" in page
    assert "请为到场的代表补签后再结单" in page and "已通知" not in page


def test_dispatch_attendance_screen_close_and_points(app, station_admin, factory, world, monkeypatch):
    zhang, li = world["zhang"], world["li"]
    form = text(station_admin.get("/console/activities/new"))
    assert "张伟" in form and "周强" not in form
    created = post(station_admin, "/console/activities/new", dispatch_form(world, [zhang, li]))
    assert created.status_code == 302, text(created)
    path = created.headers["Location"]
    activity_id = int(path.rsplit("/", 1)[1])
    page = text(station_admin.get(path))
    assert "已发单" in page and "待接单" in page

    headers = factory.deputy_headers(zhang)
    checkin = factory.client.post("/api/v1/checkins", json={"qr_code": world["chengbei"].qr_code,
                                                             "lat": STATION[0], "lng": STATION[1]}, headers=headers)
    assert checkin.status_code == 201, checkin.json
    live = station_admin.get(f"/console/activities/{activity_id}/attendance.json")
    assert live.headers["Cache-Control"] == "no-store"
    assert {p["name"]: p["status_label"] for p in live.json["participants"]} == {"张伟": "已签到", "李娜": "待接单"}

    screen = station_admin.get(f"/console/activities/{activity_id}/screen")
    assert screen.status_code == 200 and "checkin-qr" in text(screen)
    png = station_admin.get(f"/console/activities/{activity_id}/checkin-code.png")
    assert png.mimetype == "image/png" and png.headers["Cache-Control"] == "no-store"
    url = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.get_data())))[0].text
    assert url.startswith("https://msb.example.cn/q/a")
    assert factory.client.get(f"/api/v1/qr/{url.rsplit('/', 1)[1]}").json["kind"] == "activity"
    with monkeypatch.context() as patch:  # no CJK font on the server: said, with when to look again
        from backend.qr import render

        patch.setattr(render, "FONT_CANDIDATES", ())
        patch.setitem(app.config, "CJK_FONT_PATH", "/nonexistent/font.ttc")
        fontless = station_admin.get(f"/console/activities/{activity_id}/checkin-code.png")
    assert (fontless.status_code, fontless.mimetype, fontless.get_data(as_text=True)) == (
        503, "text/plain", "二维码图片暂时无法生成：服务器缺少中文字体，请联系管理员安装。")
    assert fontless.headers.get("Retry-After") == "3600"

    # 李娜 may still come (check-in is open for two hours more): 结单 is refused until confirmed as early,
    # as the page's confirmation does (its form's ``early``).
    assert re.search(r'<form method="post" id="close-form"[^>]*>.*?<input type="hidden" name="early" value="1">',
                     page, re.S)
    early = post(station_admin, f"/console/activities/{activity_id}/close", {}, page=path)
    assert early.status_code == 302
    page = text(station_admin.get(path))
    assert "仍有 1 位代表未签到，现在结单将把他们记为缺席。" in page and "已结单：" not in page  # (the flash)
    closed = post(station_admin, f"/console/activities/{activity_id}/close", {"early": "1"}, page=path)
    assert closed.status_code == 302
    page = text(station_admin.get(path))
    assert "已结单：签到 1 人，请假 0 人，缺席 1 人；计入积分 5 分（1 人），缺席扣分 -1 分（1 人）。" in page
    assert "共计入积分" not in page
    assert record_on_page(page)[-1][1:] == (
        "结单", "联络站管理员 · chengbei", "已签到 1 人，缺席 1 人；计入积分 5 分（1 人），缺席扣分 -1 分（1 人）；记为缺席：李娜")
    assert "结单结果" in page
    assert station_admin.get(f"/console/activities/{activity_id}/checkin-code.png").status_code == 409

    board = text(station_admin.get("/console/leaderboard"))
    assert re.search(r"张伟</td>\s*<td>[^<]+</td>\s*<td class=\"points\">5</td>", board)
    archive = text(station_admin.get(f"/console/deputies/{zhang.id}/archive"))
    assert '<strong id="archive-total">5</strong>' in archive
    xlsx = station_admin.get(f"/console/deputies/{zhang.id}/archive.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.get_data())).active
    assert "张伟" in sheet["A1"].value

    # 结单 twice and cancelling a closed activity: flashed, never an error page.
    again = post(station_admin, f"/console/activities/{activity_id}/close", {}, page=path)
    assert again.status_code == 302
    assert "此前已结单" in text(station_admin.get(path))
    cancel = post(station_admin, f"/console/activities/{activity_id}/cancel", {}, page=path)
    assert cancel.status_code == 302
    assert "只有未结单的活动可以取消" in text(station_admin.get(path))
    assert "城北联络站进站接待选民" in text(station_admin.get("/console/activities?status=closed"))


def test_the_screen_shows_no_code_before_check_in_opens(app, station_admin, world):
    """Opened days ahead (to test the projector), the screen says when check-in opens instead of a code a
    scan would refuse anyway; once the window opens (CHECKIN_GRACE_MINUTES before the start) it shows it."""
    starts = datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(days=10)
    created = post(station_admin, "/console/activities/new", dispatch_form(
        world, [world["zhang"]], starts_at=local(starts), ends_at=local(starts + timedelta(hours=2))))
    assert created.status_code == 302, text(created)
    path = created.headers["Location"]
    opens = local(starts - timedelta(minutes=app.config["CHECKIN_GRACE_MINUTES"])).replace("T", " ")
    screen = text(station_admin.get(f"{path}/screen"))
    assert "checkin-qr" not in screen and "扫一扫" not in screen
    assert re.search(rf'<p class="screen-stopped" id="screen-stopped"\s*>签到尚未开始，将于 {opens} 开放。</p>', screen)
    png = station_admin.get(f"{path}/checkin-code.png")
    assert (png.status_code, png.get_data(as_text=True)) == (409, f"签到尚未开始，将于 {opens} 开放。")

    activity = db.session.get(Activity, int(path.rsplit("/", 1)[1]))
    activity.starts_dt = datetime.now(timezone.utc) + timedelta(minutes=app.config["CHECKIN_GRACE_MINUTES"] - 1)
    activity.ends_dt = activity.starts_dt + timedelta(hours=2)
    db.session.commit()
    screen = text(station_admin.get(f"{path}/screen"))
    assert "checkin-qr" in screen and "签到尚未开始" not in screen
    assert station_admin.get(f"{path}/checkin-code.png").status_code == 200


def test_the_dispatch_form_takes_whole_points_and_refuses_fractions(station_admin, world):
    """The 发单 form's 积分 is typed text: a whole number is the activity's points, 2.5 is refused by
    name (as the API refuses it) and dispatches nothing."""

    refused = post(station_admin, "/console/activities/new", dispatch_form(world, [world["zhang"]], points="2.5"))
    assert refused.status_code == 422 and at_fields(refused) == {"points": "积分应为整数。"}
    # A whole number past any column: refused by its range, as the API says it.
    huge = "99999999999999999999"
    refused = post(station_admin, "/console/activities/new",
                   dispatch_form(world, [world["zhang"]], points=huge, open_slots=huge))
    assert refused.status_code == 422 and at_fields(refused) == {
        "points": "积分应为 0 至 100 之间的整数。", "open_slots": "揭榜名额应为 1 至 1000 之间的整数。"}
    assert db.session.scalar(db.select(db.func.count()).select_from(Activity)) == 0
    created = post(station_admin, "/console/activities/new", dispatch_form(world, [world["zhang"]], points=" 8 "))
    assert created.status_code == 302, text(created)
    assert db.session.get(Activity, int(created.headers["Location"].rsplit("/", 1)[1])).points == 8


def test_a_title_on_two_lines_is_refused_and_one_kept_from_before_still_shows_its_code(station_admin, world):
    """A title is one line: the form says so. One stored with a line break before that rule (the API took
    it) still gets the screen's rotating code, drawn with the title on one line, not a 500 where the
    deputies wait to scan."""
    refused = post(station_admin, "/console/activities/new", dispatch_form(world, [world["zhang"]],
                                                                         title="进站接待\n选民"))
    assert refused.status_code == 422 and "不能包含换行" in text(refused)
    created = post(station_admin, "/console/activities/new", dispatch_form(world, [world["zhang"]]))
    assert created.status_code == 302, text(created)
    activity = db.session.get(Activity, int(created.headers["Location"].rsplit("/", 1)[1]))
    activity.title = "进站接待\n选民"
    db.session.commit()
    png = station_admin.get(f"{created.headers['Location']}/checkin-code.png")
    assert png.status_code == 200 and png.mimetype == "image/png", png.get_data(as_text=True)
    assert zxingcpp.read_barcodes(Image.open(io.BytesIO(png.get_data())))[0].text.startswith("https://msb.example.cn/q/a")


def test_an_activity_not_yet_begun_offers_no_close(station_admin, world):
    """结单 is refused before the start: the page does not offer it, and says what to do instead."""
    now = datetime.now(timezone.utc)
    created = post(station_admin, "/console/activities/new", dispatch_form(
        world, [world["zhang"]], starts_at=local(now + timedelta(days=2)), ends_at=local(now + timedelta(days=2, hours=2))))
    assert created.status_code == 302, text(created)
    page = text(station_admin.get(created.headers["Location"]))
    assert "close-activity" not in page and "活动开始后才能结单；如不再举行，请取消活动。" in page
    assert "取消活动" in page
    assert "hand-checkin" not in page  # 补签 too waits for the start


def hand_checkin_path(activity_id, deputy):
    return f"/console/activities/{activity_id}/participants/{deputy.id}/checkin"


def participant_row(activity_id, deputy):
    from backend.activities.models import ActivityParticipant

    db.session.expire_all()
    p = db.session.get(ActivityParticipant, (activity_id, deputy.id))
    return p.status.value, p.checkin_by_id, p.checkin_note


def test_a_deputy_who_could_not_scan_is_checked_in_by_hand(app, station_admin, factory, world):
    """补签 on the activity page: a form per participant who can be checked in by hand, the reason
    required; refusals are flashed and write nothing; closing counts the deputy as checked in."""
    zhang, li = world["zhang"], world["li"]
    created = post(station_admin, "/console/activities/new", dispatch_form(world, [zhang, li]))
    path = created.headers["Location"]
    activity_id = int(path.rsplit("/", 1)[1])
    page = text(station_admin.get(path))
    assert page.count('class="hand-checkin"') == 2
    assert hand_checkin_path(activity_id, zhang) in page and hand_checkin_path(activity_id, li) in page

    # No reason: the page again, said under 张伟's box (named after him at the top), his row only.
    blank = post(station_admin, hand_checkin_path(activity_id, zhang), {"reason": "  "}, page=path)
    assert blank.status_code == 422
    assert at_fields(blank) == {"reason": "请填写补签原因。"}
    assert summary(blank) == "有 1 处需要修改：张伟的补签原因。"
    row = re.search(rf'<tr data-deputy="{zhang.id}">.*?</tr>', text(blank), re.S).group(0)
    assert 'aria-label="张伟的补签原因" value="  " aria-invalid="true"' in row and "请填写补签原因。" in row
    assert 'aria-invalid' not in re.search(rf'<tr data-deputy="{li.id}">.*?</tr>', text(blank), re.S).group(0)
    assert participant_row(activity_id, zhang) == ("invited", None, "")
    too_long = post(station_admin, hand_checkin_path(activity_id, zhang), {"reason": "长" * 201}, page=path)
    assert too_long.status_code == 422 and list(at_fields(too_long).values()) == ["补签原因不能超过 200 个字。"]

    done = post(station_admin, hand_checkin_path(activity_id, zhang), {"reason": "手机没电，无法扫码"}, page=path)
    assert done.status_code == 302 and done.headers["Location"].endswith(path)
    page = text(station_admin.get(path))
    assert "已为张伟补签。" in page
    zhang_row = re.search(rf'<tr data-deputy="{zhang.id}">.*?</tr>', page, re.S).group(0)
    assert "已签到" in zhang_row and "补签" in zhang_row and "手机没电，无法扫码（chengbei）" in zhang_row
    assert "hand-checkin" not in zhang_row and hand_checkin_path(activity_id, li) in page
    status, by, note = participant_row(activity_id, zhang)
    assert (status, note) == ("checked_in", "手机没电，无法扫码") and by is not None
    live = station_admin.get(f"/console/activities/{activity_id}/attendance.json").json
    assert {p["name"]: (p["by_hand"], p["checkin_note"], p["can_check_in"]) for p in live["participants"]} == {
        "张伟": (True, "手机没电，无法扫码", False), "李娜": (False, "", True)}

    again = post(station_admin, hand_checkin_path(activity_id, zhang), {"reason": "再补一次"}, page=path)
    assert again.status_code == 302
    assert "该代表已签到，无需补签。" in text(station_admin.get(path))
    assert participant_row(activity_id, zhang)[2] == "手机没电，无法扫码"

    # Not invited, or another station's administrator: the not-found page, nothing written.
    missing = post(station_admin, hand_checkin_path(activity_id, world["far"]), {"reason": "手机没电"}, page=path)
    assert missing.status_code == 404 and "该代表不在本次活动的邀请名单中。" in text(missing)
    factory.admin("yuelu", stations=[world["yuelu"]])
    other = sign_in(app, "yuelu")
    elsewhere = post(other, hand_checkin_path(activity_id, li), {"reason": "手机没电"}, page="/console/activities")
    assert elsewhere.status_code == 404
    assert participant_row(activity_id, li) == ("invited", None, "")

    closed = post(station_admin, f"/console/activities/{activity_id}/close", {"early": "1"}, page=path)
    assert closed.status_code == 302
    page = text(station_admin.get(path))
    assert "已结单：签到 1 人，请假 0 人，缺席 1 人" in page
    assert "hand-checkin" not in page and "手机没电，无法扫码" in page  # the mark stays after 结单
    late = post(station_admin, hand_checkin_path(activity_id, li), {"reason": "手机没电"}, page=path)
    assert late.status_code == 302
    assert "活动已结单，不能再补签。" in text(station_admin.get(path))
    assert participant_row(activity_id, li) == ("absent", None, "")


def test_the_activity_list_filters_by_station_and_keeps_it_in_the_pager(huaihua, factory, world, monkeypatch):
    import backend.console.activities as console_activities

    chengnan = factory.station(world["tree"]["hc"], "城南联络站")
    for title, station in (("城北一", world["chengbei"]), ("城北二", world["chengbei"]), ("城南一", chengnan)):
        created = post(huaihua, "/console/activities/new",
                       dispatch_form(world, [world["zhang"]], title=title, station_id=station.id))
        assert created.status_code == 302, text(created)
    listed = text(huaihua.get("/console/activities"))
    assert "城北一" in listed and "城南一" in listed
    assert f'<option value="{chengnan.id}" >城南联络站</option>' in listed
    assert "岳麓联络站" not in listed  # another city's station is not offered

    monkeypatch.setattr(console_activities, "PER_PAGE", 1)
    first = text(huaihua.get(f"/console/activities?station_id={world['chengbei'].id}"))
    assert f'<option value="{world["chengbei"].id}" selected>城北联络站</option>' in first
    assert "城北二" in first and "城北一" not in first and "城南一" not in first and "共 2 条" in first
    following = re.search(r'<a href="([^"]+)">下一页</a>', first).group(1).replace("&amp;", "&")
    assert f"station_id={world['chengbei'].id}" in following
    second = text(huaihua.get(following))
    assert "城北一" in second and "城南一" not in second
    # Another city's station finds nothing, and is not offered either.
    outside = text(huaihua.get(f"/console/activities?station_id={world['yuelu'].id}"))
    assert "没有符合条件的活动。" in outside and "岳麓联络站" not in outside


def test_a_correction_from_the_archive_page(station_admin, world):
    """积分更正 in the console: the form on a deputy's archive adds a signed ledger row with its reason and
    who made it; a refused form (no reason, 0 points) changes nothing and says why."""
    zhang = world["zhang"]
    path = f"/console/deputies/{zhang.id}/archive"
    url = f"/console/deputies/{zhang.id}/points/corrections"
    for bad, field, label in (({"points": "3", "reason": ""}, "reason", "原因"),
                              ({"points": "0", "reason": "补记"}, "points", "积分"),
                              ({"points": "1.5", "reason": "补记"}, "points", "积分")):
        refused = post(station_admin, url, bad, page=path)
        # The archive again, the reason under its box, the form as typed.
        assert refused.status_code == 422, bad
        message = {"reason": "请填写原因。", "0": "更正的积分不能为 0。", "1.5": "积分应为整数。"}
        assert at_fields(refused) == {field: message["reason" if field == "reason" else bad["points"]]}, bad
        assert summary(refused) == f"有 1 处需要修改：{label}。"
        assert re.findall(r'<p class="flash[^"]*" role="status">([^<]*)</p>', text(refused)) == []
        assert f'value="{bad["points"]}"' in text(refused) and 'name="reason" maxlength="200"' in text(refused)
        assert bad["reason"] == "" or f'value="{bad["reason"]}"' in text(refused)
    assert '<strong id="archive-total">0</strong>' in text(station_admin.get(path))
    # A year the form does not show (sent by hand): said at the top.
    future = post(station_admin, url, {"points": "2", "reason": "补记", "year": "2099"}, page=path)
    assert future.status_code == 422 and at_fields(future) == {}
    assert "不能更正未来年度的积分。" in text(future)

    saved = post(station_admin, url, {"points": "3", "reason": "补记 3 月 5 日接待选民"}, page=path)
    assert saved.status_code == 302
    page = text(station_admin.get(path))
    assert "已记入积分更正 +3 分" in page and '<strong id="archive-total">3</strong>' in page
    row = re.search(r'<table class="list" id="corrections">.*?</table>', page, re.S).group()
    assert "+3" in row and "补记 3 月 5 日接待选民" in row and "chengbei" in row


def test_dispatch_form_refusals_keep_the_form(station_admin, huaihua, world):
    now = datetime.now(timezone.utc)
    backwards = post(station_admin, "/console/activities/new", dispatch_form(
        world, [world["zhang"]], starts_at=local(now + timedelta(hours=2)), ends_at=local(now)))
    assert backwards.status_code == 422
    page = text(backwards)
    assert "结束时间须晚于开始时间" in page and 'value="城北联络站进站接待选民"' in page
    assert re.search(rf'value="{world["zhang"].id}" checked', page)  # the chosen deputy stays chosen

    nobody = post(station_admin, "/console/activities/new", dispatch_form(world, []))
    assert nobody.status_code == 422 and "请至少选择一位参加的代表" in text(nobody)
    outsider = post(huaihua, "/console/activities/new", dispatch_form(world, [world["far"]]))
    assert outsider.status_code == 422 and "不在您的管理范围内" in text(outsider)
    garbage = post(station_admin, "/console/activities/new", dispatch_form(
        world, [world["zhang"]], starts_at="tomorrow", points="many", type="party"))
    assert garbage.status_code == 422
    assert "开始时间" in text(garbage) and "积分" in text(garbage)

    # A region administrator may hold an activity away from a station.
    away = post(huaihua, "/console/activities/new", dispatch_form(
        world, [world["zhang"]], place_mode="place", region_id=world["tree"]["hc"].id, place="鹤城区人大常委会",
        type="inspection", title="视察城区道路"))
    assert away.status_code == 302
    assert "鹤城区人大常委会" in text(huaihua.get(away.headers["Location"]))


def test_deputy_picker_search_is_scoped(station_admin, huaihua, world):
    found = station_admin.get("/console/deputy-options?q=张").json["items"]
    assert [d["name"] for d in found] == ["张伟"]
    assert station_admin.get("/console/deputy-options?q=周").json["items"] == []
    by_station = huaihua.get(f"/console/deputy-options?station_id={world['chengbei'].id}&exclude={world['li'].id}").json
    assert [d["name"] for d in by_station["items"]] == ["张伟"]


def test_a_login_name_no_account_can_have_is_refused_like_a_wrong_password(app):
    """A NUL in the name field: PostgreSQL refuses to even compare it."""
    for name in ("ro\x00ot", "\x00"):
        client = app.test_client()
        answer = client.post("/console/login", data={"username": name, "password": "password123",
                                                     "csrf_token": token_from(client, "/console/login")})
        assert answer.status_code < 500 and "用户名或密码错误" in text(answer), (name, answer.status_code)


def test_signing_in_returns_only_to_a_console_page(app, world):
    """``next`` leads back to the console page the administrator was sent away from, never elsewhere: a
    link that only looks like the console's, or one carrying a line break (a crafted link once signed the
    administrator in, then answered with a server error), goes to the console's home."""
    for target, expected in (("/console/suggestions?status=pending", "/console/suggestions?status=pending"),
                             ("https://evil.example/console", "/console/"), ("//evil.example/console", "/console/"),
                             ("/console/%0d%0aSet-Cookie:%20x=1", "/console/"), ("/console/%09x", "/console/"),
                             ("/\\evil.example/console", "/console/"), ("https:evil.example/console", "/console/"),
                             ("%2F%2Fevil.example%2Fconsole", "/console/"), ("/%5Cevil.example", "/console/"),
                             ("javascript:alert(1)//console", "/console/")):
        client = app.test_client()
        answer = client.post(f"/console/login?next={target}", data={
            "username": "chengbei", "password": "password123", "csrf_token": token_from(client, "/console/login")})
        assert answer.status_code == 302, (target, answer.status_code)
        assert answer.headers["Location"] == expected, target


def test_a_bad_year_on_the_points_pages_is_refused_in_chinese(huaihua, world):
    """?year=abc, 1999 or 99999 on the leaderboard, its export, the evaluation, a deputy's archive or the
    working calendar: 422 naming 年度, as the API refuses them, never this year's figures in their place;
    the export writes no file."""
    this_year = datetime.now(timezone(timedelta(hours=8))).year
    for year, message in (("abc", "年度：应为整数。"), ("1999", "年度：年份应在 2000 年至 2100 年之间。"),
                          ("99999", "年度：年份应在 2000 年至 2100 年之间。")):
        for url in (f"/console/leaderboard?year={year}", f"/console/leaderboard/export.xlsx?year={year}",
                    f"/console/evaluations?year={year}", f"/console/deputies/{world['zhang'].id}/archive?year={year}",
                    f"/console/workdays?year={year}"):
            page = huaihua.get(url)
            assert page.status_code == 422, url
            assert page.mimetype == "text/html", url
            assert message in text(page), (url, text(page)[-800:])
            assert f"{this_year}年" not in text(page), url
    assert huaihua.get(f"/console/leaderboard?year={this_year - 1}").status_code == 200
    assert huaihua.get(f"/console/leaderboard/export.xlsx?year={this_year - 1}").mimetype.endswith(".sheet")


def test_odd_input_is_never_a_server_error(huaihua, world):
    for path in ("/console/stations?q=%00x&page=-3&region_id=abc", "/console/deputies?q=%00&station_id=99999999999&level=x",
                 "/console/activities?q=%00&status=nope&type=%27&page=abc", "/console/deputy-options?q=%00&exclude=a,,-1",
                 "/console/leaderboard?region_id=&group=%00&level=x",
                 "/console/activities/new?station_id=abc",
                 "/console/posters.zip?region_id=abc", "/console/suggestions?page=²&station_id=²&deputy_id=²",
                 "/console/suggestions?from=0001-01-01&to=9999-12-31", "/console/suggestions/export.xlsx?from=0001-01-01"):
        response = huaihua.get(path)
        response.get_data()  # a streamed zip runs to its end
        assert response.status_code < 500, path
        assert response.status_code in (200, 302), (path, response.status_code)
    # A region that is none (or none of theirs): the not-found page, as on every console page.
    for region_id in ("99999999999", "abc"):
        assert huaihua.get(f"/console/leaderboard?region_id={region_id}&group=%00&level=x").status_code == 404
    bad = post(huaihua, "/console/activities/new", dispatch_form(world, [world["zhang"]]) | {
        "deputy_ids": ["abc", "99999999999"], "station_id": "x", "title": "\x00"}, page="/console/activities/new")
    assert bad.status_code == 422
    year_one = post(huaihua, "/console/activities/new", dispatch_form(world, [world["zhang"]], starts_at="0001-01-01T00:00"),
                    page="/console/activities/new")
    assert year_one.status_code == 422 and "2000 年至 2100 年" in text(year_one)
    station = post(huaihua, f"/console/stations/{world['chengbei'].id}", {
        "name": "城北\x00", "kind": "moon", "lat": "north", "deputies_present": "1", "deputy_ids": ["x"]})
    assert station.status_code == 422
    deputy = post(huaihua, f"/console/deputies/{world['zhang'].id}", {"name": "张伟", "level": "city", "term": "abc",
                                                                       "phone": "123", "station_ids": ["-1"]})
    assert deputy.status_code == 422
    db.session.expire_all()
    assert db.session.get(type(world["chengbei"]), world["chengbei"].id).name == "城北联络站"


def test_a_crafted_link_cannot_steer_the_pages_own_links(app, factory, huaihua, world):
    """Flask's url_for takes _anchor, _method, _scheme and _external besides a page's filters: a link with
    them in its query (?_method=POST, ?_anchor=x) made every paged list and the 操作日志 a server error, and
    ?_external=1 turned the page's links into absolute ones at whatever host the request named. They are
    no filter of any page: its pager and export links keep the real filters and stay on the site."""
    for i in range(25):  # two pages of deputies
        factory.deputy(world["tree"]["hc"], f"代表{i:02d}", phone=f"139000001{i:02d}", stations=[world["chengbei"]])
    for path in ("/console/deputies", "/console/audit"):
        for crafted in ("_anchor=x", "_method=POST", "_external=1&_scheme=https", "_external=1"):
            page = huaihua.get(f"{path}?q=&{crafted}")
            assert page.status_code == 200, (path, crafted, page.status_code)
            links = re.findall(r'href="([^"]+)"', text(page))
            assert not [link for link in links if "//" in link], (path, crafted, links)
    pager = re.findall(r'href="([^"]+)">下一页', text(huaihua.get("/console/deputies?_external=1&q=代表")))
    assert pager == ["/console/deputies?q=%E4%BB%A3%E8%A1%A8&amp;page=2"]
    export = re.findall(r'href="([^"]+)">导出 Excel', text(huaihua.get("/console/audit?_anchor=x&who=root")))
    assert export == ["/console/audit/export.xlsx?who=root"]


def test_a_register_over_the_upload_limit_is_refused_on_the_import_page_saying_the_limit(huaihua):
    response = huaihua.post("/console/deputies/import", data={
        "csrf_token": token_from(huaihua, "/console/deputies/import"),
        "file": (io.BytesIO(b"x" * (20 * 1024 * 1024 + 1)), "代表名册.csv"),
    }, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "导入失败：上传的文件超过 20 MB 的上限，请拆分成几个文件后分批导入。" in text(response)


def edit_form(page):
    """The 编辑 form as the page shows it: every field's value, sent back as a browser would."""
    values = dict(re.findall(r'<input name="(title|place)"[^>]*value="([^"]*)"', page))
    values |= dict(re.findall(r'<input type="datetime-local" name="(starts_at|ends_at)" required value="([^"]*)"', page))
    values["points"] = re.search(r'name="points"[^>]*value="([^"]*)"', page).group(1)
    values["open_slots"] = re.search(r'name="open_slots"[^>]*value="([^"]*)"', page).group(1)
    values["description"] = re.search(r'<textarea name="description"[^>]*>([^<]*)</textarea>', page).group(1)
    types = re.search(r'<select name="type".*?</select>', page, re.S).group(0)
    values["type"] = re.search(r'<option value="(\w+)" selected>', types).group(1)
    modes = re.search(r'<select name="checkin_mode".*?</select>', page, re.S).group(0)
    values["checkin_mode"] = re.search(r'<option value="(\w+)" selected>', modes).group(1)
    return values


def test_an_activity_is_corrected_on_its_edit_page(app, station_admin, factory, world, wechat_standin):
    """编辑, reached from the activity's page: the 发单 fields filled in, the participants with 移出, the picker
    to invite more. Saving says what changed and who was told; a refusal is said as at 发单 and saves nothing."""
    zhang, li = world["zhang"], world["li"]
    wang = factory.deputy(world["tree"]["hc"], "王强", phone="13800000103", stations=[world["chengbei"]])
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    starts = now + timedelta(days=2)
    created = post(station_admin, "/console/activities/new", dispatch_form(
        world, [zhang, li], starts_at=local(starts), ends_at=local(starts + timedelta(hours=2)), points="6"))
    path = created.headers["Location"]
    activity_id = int(path.rsplit("/", 1)[1])
    assert f'href="/console/activities/{activity_id}/edit"' in text(station_admin.get(path))
    assert factory.client.post(f"/api/v1/activities/{activity_id}/accept",
                               headers=factory.deputy_headers(li)).status_code == 200

    page = text(station_admin.get(f"{path}/edit"))
    form = edit_form(page)
    assert form == {"title": "城北联络站进站接待选民", "type": "reception", "place": "人民路 18 号",
                    "starts_at": local(starts), "ends_at": local(starts + timedelta(hours=2)), "points": "6",
                    "open_slots": "", "checkin_mode": "station_or_screen", "description": ""}
    assert "城北联络站" in page and 'name="station_id"' not in page  # the station stays
    rows = dict(re.findall(r'<tr data-deputy="(\d+)">(.*?)</tr>', page, re.S))
    assert "待接单" in rows[str(zhang.id)] and "已接单" in rows[str(li.id)]
    assert f'name="remove_deputy_ids" value="{li.id}"' in page
    picker = page[page.index("补充邀请代表"):]
    assert "王强" in picker and "张伟" not in picker.split("picker-options")[1]  # those invited are not offered

    # Refused as at 发单, by the same words: nothing saved, the form keeps what was typed.
    later = starts + timedelta(hours=5)
    bad = post(station_admin, f"{path}/edit", form | {"ends_at": local(starts - timedelta(hours=1)), "title": "改过的名称"})
    assert bad.status_code == 422 and at_fields(bad) == {"ends_at": "结束时间须晚于开始时间。"} and "改过的名称" in text(bad)
    fraction = post(station_admin, f"{path}/edit", form | {"points": "2.5"})
    assert fraction.status_code == 422 and at_fields(fraction) == {"points": "积分应为整数。"}
    assert db.session.get(Activity, activity_id).title == "城北联络站进站接待选民"

    saved = post(station_admin, f"{path}/edit", form | {
        "starts_at": local(later), "ends_at": local(later + timedelta(hours=2)), "place": "城北联络站二楼会议室",
        "points": "", "add_deputy_ids": [wang.id], "remove_deputy_ids": [zhang.id]})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(path), text(saved)
    page = text(station_admin.get(path))
    assert "已保存修改：“城北联络站进站接待选民”；时间或地点的变更已通知 1 位代表；已邀请 1 位代表；已移出 1 位代表。" in page
    assert f"{later.astimezone(CHINA):%Y-%m-%d %H:%M}" in page and "城北联络站二楼会议室" in page and "按评分细则" in page
    db.session.expire_all()
    activity = db.session.get(Activity, activity_id)
    assert {p.deputy.name: p.status.value for p in activity.participants} == {"李娜": "accepted", "王强": "invited"}
    assert (activity.starts_dt, activity.points) == (later, None)


def test_places_for_jiebang_are_offered_at_dispatch_and_shown_as_deputies_claim_them(app, station_admin, factory, world):
    """揭榜: a research topic dispatched with 揭榜名额 and nobody invited. Its page and the list count the places
    taken as deputies claim them (the roster marks them 揭榜); 编辑 changes the places, never below those
    taken, or stops 揭榜."""
    starts = datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(days=2)
    form = dispatch_form(world, [], title="老旧小区加装电梯情况调研", type="research", starts_at=local(starts),
                         ends_at=local(starts + timedelta(hours=3)), open_slots="2")
    refused = post(station_admin, "/console/activities/new", form | {"open_slots": "0"})
    assert refused.status_code == 422 and at_fields(refused) == {"open_slots": "揭榜名额应为 1 至 1000 之间的整数。"}
    created = post(station_admin, "/console/activities/new", form)
    assert created.status_code == 302, text(created)
    path = created.headers["Location"]
    activity_id = int(path.rsplit("/", 1)[1])
    page = text(station_admin.get(path))
    assert "已发单：“老旧小区加装电梯情况调研”，开放揭榜名额 2 个。" in page
    assert re.search(r'<dd id="open-slots">已揭榜 0 / 2</dd>', page) and "没有受邀代表。" in page

    for deputy in (world["zhang"], world["li"]):
        claimed = factory.client.post(f"/api/v1/activities/{activity_id}/claim", headers=factory.deputy_headers(deputy))
        assert claimed.status_code == 201, claimed.json
    page = text(station_admin.get(path))
    assert re.search(r'<dd id="open-slots">已揭榜 2 / 2（名额已满）</dd>', page)
    rows = dict(re.findall(r'<tr data-deputy="(\d+)">(.*?)</tr>', page, re.S))
    assert '<span class="badge claimed">揭榜</span>' in rows[str(world["zhang"].id)] and "已接单" in rows[str(world["zhang"].id)]
    live = station_admin.get(f"/console/activities/{activity_id}/attendance.json").json
    assert (live["open_slots"], live["claimed_count"], [p["claimed"] for p in live["participants"]]) == (2, 2, [True, True])
    assert re.search(r"老旧小区加装电梯情况调研</a> <small class=\"muted\">揭榜 2 / 2</small>",
                     text(station_admin.get("/console/activities")))
    archive = text(station_admin.get(f"/console/deputies/{world['zhang'].id}/archive"))
    assert "<th>受邀或揭榜</th><th>其中揭榜</th>" in archive and "<tr><td>调研</td><td>1</td><td>1</td>" in archive

    page = text(station_admin.get(f"{path}/edit"))
    assert "已邀请和揭榜的代表（2 位）" in page
    rows = dict(re.findall(r'<tr data-deputy="(\d+)">(.*?)</tr>', page, re.S))
    assert '<span class="badge claimed">揭榜</span>' in rows[str(world["li"].id)]
    edit = edit_form(page)
    assert edit["open_slots"] == "2"
    cut = post(station_admin, f"{path}/edit", edit | {"open_slots": "1"})
    assert cut.status_code == 422 and at_fields(cut) == {"open_slots": "已有 2 位代表揭榜，揭榜名额不能少于 2 个。"}
    assert post(station_admin, f"{path}/edit", edit | {"open_slots": "5"}).status_code == 302
    page = text(station_admin.get(path))
    assert re.search(r'<dd id="open-slots">已揭榜 2 / 5</dd>', page) and "已保存修改：“老旧小区加装电梯情况调研”；揭榜名额为 5 个。" in page
    assert post(station_admin, f"{path}/edit", edit | {"open_slots": ""}).status_code == 302
    page = text(station_admin.get(path))
    assert 'id="open-slots"' not in page and "揭榜名额由 2 个改为 5 个" in page and "停止揭榜（已揭榜的代表仍参加）" in page
    assert "已保存修改：“老旧小区加装电梯情况调研”；已停止揭榜。" in page
    db.session.expire_all()
    assert db.session.get(Activity, activity_id).open_slots is None


def test_the_checkin_mode_is_chosen_at_dispatch_shown_on_the_page_and_changed_on_the_edit_page(
        app, station_admin, factory, world):
    """签到方式: 发单 offers 现场码或联络站码 (the default) or 仅限现场动态码; the activity's page says which, a
    station code's scan is then refused with the reason, and 编辑 changes it back."""
    form = dispatch_form(world, [world["zhang"]])
    new_page = text(station_admin.get("/console/activities/new"))
    assert re.search(r'<option value="station_or_screen" selected>现场码或联络站码</option>', new_page)
    assert '<option value="screen_only" >仅限现场动态码</option>' in new_page
    refused = post(station_admin, "/console/activities/new", form | {"checkin_mode": "gps"})
    assert refused.status_code == 422 and at_fields(refused) == {
        "checkin_mode": "签到方式应为现场码或联络站码（station_or_screen）或仅限现场动态码（screen_only）。"}
    created = post(station_admin, "/console/activities/new", form | {"checkin_mode": "screen_only"})
    assert created.status_code == 302, text(created)
    path = created.headers["Location"]
    activity_id = int(path.rsplit("/", 1)[1])
    db.session.expire_all()
    assert db.session.get(Activity, activity_id).screen_code_only is True
    page = text(station_admin.get(path))
    assert '<dd id="checkin-mode">仅限现场动态码（联络站二维码不能签到）</dd>' in page
    scan = factory.client.post("/api/v1/checkins", json={"qr_code": world["chengbei"].qr_code, "lat": STATION[0],
                                                          "lng": STATION[1]}, headers=factory.deputy_headers(world["zhang"]))
    assert (scan.status_code, scan.json["message"]) == (
        409, "本次活动仅限扫描活动现场大屏上的动态签到码签到，联络站二维码不能用于本次签到，请到活动现场扫码。")

    edit = edit_form(text(station_admin.get(f"{path}/edit")))
    assert edit["checkin_mode"] == "screen_only"
    assert post(station_admin, f"{path}/edit", edit | {"checkin_mode": "station_or_screen"}).status_code == 302
    page = text(station_admin.get(path))
    assert "已保存修改：“城北联络站进站接待选民”；签到方式改为现场码或联络站码。" in page
    assert '<dd id="checkin-mode">现场码或联络站码（扫联络站二维码须定位）</dd>' in page
    assert "签到方式改为“现场码或联络站码”" in page  # the record
    db.session.expire_all()
    assert db.session.get(Activity, activity_id).screen_code_only is False


def test_the_edit_page_of_a_begun_or_ended_activity(app, station_admin, factory, world):
    """Begun (dispatched through the API, to the second): the start is shown read-only and the form sent
    back as shown saves. A checked-in deputy has no 移出. Closed: the page says it cannot be edited.
    Another station's administrator: not found."""
    zhang, li = world["zhang"], world["li"]
    admin_api = factory.headers_for_admin(factory.admin("chengbei-api", stations=[world["chengbei"]]))
    now = datetime.now(timezone.utc)
    created = factory.client.post("/api/v1/activities", headers=admin_api, json={
        "title": "城北联络站进站接待选民", "type": "reception", "station_id": world["chengbei"].id,
        "starts_at": (now - timedelta(minutes=10, seconds=17)).isoformat(),
        "ends_at": (now + timedelta(hours=2)).isoformat(), "deputy_ids": [zhang.id, li.id]})
    assert created.status_code == 201, created.json
    activity_id = created.json["id"]
    scan = factory.client.post("/api/v1/checkins", headers=factory.deputy_headers(zhang), json={
        "qr_code": world["chengbei"].qr_code, "lat": STATION[0], "lng": STATION[1]})
    assert scan.status_code == 201, scan.json
    path = f"/console/activities/{activity_id}"

    page = text(station_admin.get(f"{path}/edit"))
    assert re.search(r'name="starts_at" required value="[^"]+" readonly', page)
    assert "活动已经开始，开始时间不能更改；可以延长结束时间。" in page
    assert f'name="remove_deputy_ids" value="{zhang.id}"' not in page and "已签到，不能移出" in page
    form = edit_form(page)
    extended = post(station_admin, f"{path}/edit", form | {"ends_at": local(now + timedelta(hours=3))})
    assert extended.status_code == 302, text(extended)
    assert "已保存修改" in text(station_admin.get(path))

    removed = post(station_admin, f"{path}/edit", form | {"remove_deputy_ids": [zhang.id]})
    assert removed.status_code == 409 and "张伟已签到，不能移出活动。" in text(removed)

    factory.admin("yuelu", stations=[world["yuelu"]])
    assert sign_in(app, "yuelu").get(f"{path}/edit").status_code == 404
    assert factory.client.post(f"/api/v1/activities/{activity_id}/close", json={"early": True},
                               headers=admin_api).status_code == 200
    closed = station_admin.get(f"{path}/edit")
    assert closed.status_code == 409 and "活动已结单，不能再修改。" in text(closed)
    assert 'id="edit-activity"' not in text(station_admin.get(path))


def record_on_page(page):
    """The activity page's 操作记录, oldest first: (China time, what, who, note) per line."""
    section = re.search(r'<section class="card" id="activity-record">(.*?)</section>', page, re.S).group(1)
    return [(when, what, " ".join(who.split()), note) for when, what, who, note in re.findall(
        r'<div class="when">(.*?)</div>\s*<div class="what">\s*<strong>(.*?)</strong>\s*<span class="who">(.*?)</span>'
        r'\s*(?:<p class="note">(.*?)</p>)?', section, re.S)]


def test_the_activity_page_shows_who_did_what_in_china_time(app, station_admin, factory, world):
    """操作记录 on the activity's page: 发单, an edit (a form saved unchanged adds nothing), 张伟's 接单 and
    scan, 李娜's 补签 and 结单, oldest first, in China time, with who did each."""
    from backend.activities.models import ActivityEvent

    zhang, li = world["zhang"], world["li"]
    created = post(station_admin, "/console/activities/new", dispatch_form(world, [zhang, li]))
    path = created.headers["Location"]
    activity_id = int(path.rsplit("/", 1)[1])
    assert [line[1:3] for line in record_on_page(text(station_admin.get(path)))] == [("发单", "联络站管理员 · chengbei")]

    form = edit_form(text(station_admin.get(f"{path}/edit")))
    assert post(station_admin, f"{path}/edit", form).status_code == 302  # saved as shown: nothing changed
    assert post(station_admin, f"{path}/edit", form | {"title": "城北联络站接待选民"}).status_code == 302
    deputy = factory.deputy_headers(zhang)
    assert factory.client.post(f"/api/v1/activities/{activity_id}/accept", headers=deputy).status_code == 200
    assert factory.client.post("/api/v1/checkins", json={"qr_code": world["chengbei"].qr_code, "lat": STATION[0],
                                                         "lng": STATION[1]}, headers=deputy).status_code == 201
    assert post(station_admin, hand_checkin_path(activity_id, li), {"reason": "手机没电，无法扫码"},
                page=path).status_code == 302
    assert post(station_admin, f"/console/activities/{activity_id}/close", {}, page=path).status_code == 302

    page = text(station_admin.get(path))
    assert "<h2>操作记录" in page
    # The scan's line in the roster says where it was made; only the 补签 is marked so.
    zhang_row = re.search(rf'<tr data-deputy="{zhang.id}">.*?</tr>', page, re.S).group(0)
    assert "联络站码签到，距活动地点约 0 米" in zhang_row and "补签" not in zhang_row
    db.session.expire_all()
    times = [f"{e.created_dt.astimezone(CHINA):%Y-%m-%d %H:%M}" for e in
             db.session.query(ActivityEvent).filter_by(activity_id=activity_id).order_by(ActivityEvent.id)]
    activity = db.session.get(Activity, activity_id)
    starts, ends = activity.starts_dt.astimezone(CHINA), activity.ends_dt.astimezone(CHINA)
    window = f"{starts:%m-%d %H:%M}–{ends:%H:%M}" if ends.date() == starts.date() else f"{starts:%m-%d %H:%M}–{ends:%m-%d %H:%M}"
    assert record_on_page(page) == list(zip(times, *zip(*[
        ("发单", "联络站管理员 · chengbei", f"{window}，城北联络站（人民路 18 号）；邀请 2 位代表：张伟、李娜"),
        ("修改活动", "联络站管理员 · chengbei", "名称改为“城北联络站接待选民”"),
        ("接单", "代表 · 张伟", ""),
        ("扫码签到", "代表 · 张伟", "联络站码签到，距活动地点约 0 米"),
        ("补签", "联络站管理员 · chengbei", "为李娜补签，原因：手机没电，无法扫码"),
        ("结单", "联络站管理员 · chengbei", "已签到 2 人；计入积分 10 分（2 人）"),
    ])))


def test_the_record_on_the_activity_page_is_found_by_a_deputys_name(app, station_admin, factory, world):
    """查找 by a deputy's name on the activity page: that deputy's own steps and the administrators' lines
    that name them (invited at 发单, taken off by 修改); a name nobody bears, or a LIKE wildcard, finds
    nothing; 显示全部记录 brings every line back."""
    zhang, li = world["zhang"], world["li"]
    created = post(station_admin, "/console/activities/new", dispatch_form(world, [zhang, li]))
    path = created.headers["Location"]
    activity_id = int(path.rsplit("/", 1)[1])
    assert factory.client.post(f"/api/v1/activities/{activity_id}/accept",
                               headers=factory.deputy_headers(zhang)).status_code == 200
    form = edit_form(text(station_admin.get(f"{path}/edit")))
    assert post(station_admin, f"{path}/edit", form | {"remove_deputy_ids": [li.id]}).status_code == 302

    def found(q):
        return [line[1:] for line in record_on_page(text(station_admin.get(path, query_string={"record_q": q})))]

    assert [what for what, _, _ in found("")] == ["发单", "接单", "修改活动"]
    assert [(what, who) for what, who, _ in found("张伟")] == [("发单", "联络站管理员 · chengbei"), ("接单", "代表 · 张伟")]
    taken_off = found("李娜")
    assert [what for what, _, _ in taken_off] == ["发单", "修改活动"]
    assert taken_off[0][2].endswith("邀请 2 位代表：张伟、李娜") and taken_off[1][2] == "移出 李娜（待接单）"
    for nothing in ("周强", "%"):
        page = text(station_admin.get(path, query_string={"record_q": nothing}))
        assert record_on_page(page) == [] and f"没有与“{nothing}”有关的记录。" in page
        assert 'id="activity-record"' in page and "显示全部记录" in page
    # A NUL typed or pasted into the box (PostgreSQL's text cannot hold one) reads as the name without it.
    assert [what for what, _, _ in found("李\x00娜")] == ["发单", "修改活动"]


def test_a_wrong_type_is_corrected_on_the_edit_page(app, station_admin, factory, world):
    """编辑 offers the type: 视察 dispatched as 接待选民 is corrected, the page says so and its record tells
    from what to what; a type no activity has is refused by the form's words and saves nothing; once
    closed, the page cannot be edited."""
    zhang = world["zhang"]
    created = post(station_admin, "/console/activities/new", dispatch_form(world, [zhang]))
    path = created.headers["Location"]
    activity_id = int(path.rsplit("/", 1)[1])
    form = edit_form(text(station_admin.get(f"{path}/edit")))

    bad = post(station_admin, f"{path}/edit", form | {"type": "parade"})
    assert bad.status_code == 422 and list(at_fields(bad)) == ["type"] and summary(bad) == "有 1 处需要修改：活动类型。"
    assert db.session.get(Activity, activity_id).type.value == "reception"

    saved = post(station_admin, f"{path}/edit", form | {"type": "inspection"})
    assert saved.status_code == 302, text(saved)
    page = text(station_admin.get(path))
    assert "已保存修改：“城北联络站进站接待选民”；类型改为视察。" in page
    assert "<dt>类型</dt><dd>视察</dd>" in page
    assert record_on_page(page)[-1][1:] == ("修改活动", "联络站管理员 · chengbei", "类型由“接待选民”改为“视察”")
    edit_page = text(station_admin.get(f"{path}/edit"))
    assert edit_form(edit_page)["type"] == "inspection"

    deputy = factory.deputy_headers(zhang)
    assert factory.client.post("/api/v1/checkins", json={"qr_code": world["chengbei"].qr_code, "lat": STATION[0],
                                                         "lng": STATION[1]}, headers=deputy).status_code == 201
    assert post(station_admin, f"/console/activities/{activity_id}/close", {}, page=path).status_code == 302
    assert "；计入积分 3 分（1 人）。" in text(station_admin.get(path))
    closed = station_admin.get(f"{path}/edit")
    assert closed.status_code == 409 and "活动已结单，不能再修改。" in text(closed)


def test_deputies_on_leave_are_not_counted_as_expected(app, station_admin, factory, world):
    """应到 is everyone invited but the deputies on leave (已请假): the check-in screen, the activity's 出勤情况
    and the activities' list give one and the same figure, with 请假 N 人 beside it on the screen."""
    from backend.activities.models import ActivityParticipant, ParticipantStatus

    third = factory.deputy(world["tree"]["hc"], "王芳", phone="13800000103", stations=[world["chengbei"]])
    created = post(station_admin, "/console/activities/new", dispatch_form(world, [world["zhang"], world["li"], third]))
    assert created.status_code == 302, text(created)
    path = created.headers["Location"]
    activity_id = int(path.rsplit("/", 1)[1])
    statuses = {world["zhang"].id: ParticipantStatus.checked_in, third.id: ParticipantStatus.declined}
    for p in db.session.scalars(db.select(ActivityParticipant).filter_by(activity_id=activity_id)):
        p.status = statuses.get(p.deputy_id, p.status)
    db.session.commit()

    def plain(response):
        return re.sub(r"<[^>]+>", "", re.sub(r"\s+", " ", text(response)))

    screen = plain(station_admin.get(f"{path}/screen"))
    assert "已签到 1 / 应到 2 人 · 请假 1 人" in screen
    assert "/ 3 人" not in screen
    page = plain(station_admin.get(path))
    assert "签到 1 / 应到 2 · 请假 1" in page
    live = station_admin.get(f"/console/activities/{activity_id}/attendance.json").json
    assert (live["checked_in"], live["expected"], live["declined"]) == (1, 2, 1)
    listed = plain(station_admin.get("/console/activities"))
    assert "签到 / 应到" in listed and "1 / 2" in listed


def xlsx_upload(workbook, name="名册.xlsx"):
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return (buffer, name)


def test_the_import_template_downloads_and_round_trips(huaihua, world):
    """下载导入模板: the importer's own header, an example row marked 示例 and skipped on import, and a
    填写说明 sheet; a clerk's row typed under the example imports that deputy."""
    page = text(huaihua.get("/console/deputies/import"))
    assert "下载导入模板" in page and "示例行导入时自动跳过" in page
    response = huaihua.get("/console/deputies/import-template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers == ["姓名", "层级", "所属区域", "手机号", "联络站", "代表小组", "届次", "状态"]
    example = [c.value for c in sheet[2]]
    assert example[0].startswith("示例：") and example[2] == "怀化市"  # the administrator's own region
    assert all(sheet.column_dimensions[letter].width >= 10 for letter in "ABCDEFGH")
    notes = workbook["填写说明"]
    explained = "\n".join(str(c.value) for row in notes.iter_rows() for c in row if c.value)
    assert "全国、省、市、县（区）或乡镇" in explained and "在任" in explained

    def upload(book):
        return huaihua.post("/console/deputies/import", data={
            "csrf_token": token_from(huaihua, "/console/deputies/import"), "file": xlsx_upload(book),
        }, content_type="multipart/form-data")

    # The template as downloaded: nothing but the example, said so plainly; no deputy named 示例.
    unchanged = upload(workbook)
    assert unchanged.status_code == 422
    assert "只有模板的示例行" in text(unchanged)

    # A clerk's row under the example: that deputy is imported, the example skipped, no error reported.
    sheet.append(["王芳", "县（区）", "鹤城区", "13900000077", "城北联络站", "第三代表小组", "第十七届", "在任"])
    filled = upload(workbook)
    assert filled.status_code == 200, text(filled)
    page = text(filled)
    assert re.search(r"<strong>1</strong> 新增", page) and "错误报告" not in page
    assert "王芳" in text(huaihua.get("/console/deputies?q=王芳"))
    assert db.session.scalar(db.select(db.func.count()).select_from(type(world["zhang"]))
                             .where(type(world["zhang"]).name.startswith("示例"))) == 0


def test_a_station_administrators_template_names_their_station(station_admin, world):
    workbook = openpyxl.load_workbook(io.BytesIO(station_admin.get("/console/deputies/import-template.xlsx").get_data()))
    assert [c.value for c in workbook.worksheets[0][2]][4] == "城北联络站"


def test_a_dispatch_form_with_several_mistakes_names_them_all_at_once(station_admin, world):
    """No station, no deputy and a title left blank: all three in one answer, each under its field."""
    refused = post(station_admin, "/console/activities/new", dispatch_form(world, [], station_id="", title=" "))
    assert refused.status_code == 422
    shown = at_fields(refused)
    assert list(shown) == ["title", "station_id", "deputy_ids"], shown
    assert (shown["station_id"], shown["deputy_ids"]) == (
        "请选择举办活动的联络站。", "请至少选择一位参加的代表，或填写揭榜名额由代表自行报名。")
    assert summary(refused) == "有 3 处需要修改：活动名称、联络站、参加代表。"


def test_a_live_refresh_in_flight_when_a_form_is_answered_does_not_undo_what_the_form_said(
        app, station_admin, world):
    """The activity's page is open in another tab, refreshing itself every 5 s, when 发单 is answered. A
    refresh that left with the session cookie from before brings back no cookie, so it cannot put the old
    session back over the one carrying the form's "已发单" (nor do the check-in screen's code refreshes)."""
    form = dispatch_form(world, [world["zhang"]])
    created = post(station_admin, "/console/activities/new", form)
    activity_id = int(created.headers["Location"].rsplit("/", 1)[1])
    station_admin.get(created.headers["Location"])
    before = station_admin.get_cookie("session").value  # what the other tab's refreshes carry

    changed = post(station_admin, f"/console/activities/{activity_id}/edit", {
        "title": "城北联络站下午接待选民", "type": "reception", "place": "人民路 18 号", "points": "",
        "starts_at": form["starts_at"], "ends_at": form["ends_at"], "description": ""})
    assert changed.status_code == 302, text(changed)
    other_tab = app.test_client()
    other_tab.set_cookie("session", before)
    for background in (f"/console/activities/{activity_id}/attendance.json",
                       f"/console/activities/{activity_id}/checkin-code.png",
                       "/console/deputy-options?q=张"):
        answered = other_tab.get(background)
        assert answered.status_code == 200, (background, answered.status_code)
        # One browser, one cookie jar: a cookie that came back with any tab's answer replaces the session.
        if "Set-Cookie" in answered.headers:
            station_admin.set_cookie("session", other_tab.get_cookie("session").value)

    page = text(station_admin.get(changed.headers["Location"]))
    assert "已保存修改：“城北联络站下午接待选民”" in page


def test_a_check_in_screen_left_open_keeps_its_session_alive(app, station_admin, world, monkeypatch):
    """The background refreshes renew a session cookie signed 10 minutes ago or more, so that a check-in
    screen open all day, with nobody touching the console, stays signed in; a newer cookie they leave."""
    from itsdangerous import TimestampSigner

    created = post(station_admin, "/console/activities/new", dispatch_form(world, [world["zhang"]]))
    attendance = created.headers["Location"] + "/attendance.json"
    serializer = app.session_interface.get_signing_serializer(app)
    data = serializer.loads(station_admin.get_cookie("session").value)
    signed = {}
    for minutes in (9, 11):
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self, ago=minutes * 60: int(time.time()) - ago)
        signed[minutes] = serializer.dumps(data)
    monkeypatch.undo()

    renewed = {}
    for minutes, cookie in signed.items():
        screen = app.test_client()
        screen.set_cookie("session", cookie)
        answered = screen.get(attendance)
        assert answered.status_code == 200, answered.status_code
        renewed[minutes] = "Set-Cookie" in answered.headers
    assert renewed == {9: False, 11: True}


def test_an_administrator_unbinds_a_deputys_wechat_in_the_console(huaihua, world, factory, client):
    """解除绑定: the WeChat user bound as the deputy is a citizen again at once (the number may have been wrong,
    or gone to someone else); the page says who is bound, and the log keeps the step."""
    from sqlalchemy import select

    from backend.audit.models import AuditEvent

    from .test_console_page_wording import flashes

    zhang = world["zhang"]
    path = f"/console/deputies/{zhang.id}"
    assert "尚未绑定微信" in text(huaihua.get(path))
    bound = factory.deputy_headers(zhang)
    page = text(huaihua.get(path))
    assert "已绑定微信（验证手机号 138****0101）" in page and f'action="{path}/unbind"' in page

    unbound = post(huaihua, f"{path}/unbind", {}, page=path)
    assert flashes(huaihua, unbound) == [
        ("flash-success", "已解除代表“张伟”的微信绑定，该微信不再具有代表身份，也不能再凭此手机号重新绑定。")]
    assert client.get("/api/v1/me", headers=bound).json["roles"] == ["citizen"]
    assert "尚未绑定微信" in text(huaihua.get(path))
    # What the flash says holds: the same WeChat proving the unchanged number is refused.
    again = client.post("/api/v1/auth/bind-phone", json={"code": "phone-13800000101"}, headers=bound)
    assert (again.status_code, again.json["message"]) == (
        403, "该微信已被管理员解除与此代表的绑定，如需重新绑定请联系联络站管理员。")
    assert client.get("/api/v1/me", headers=bound).json["roles"] == ["citizen"]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "deputy_unbound")).all()
    assert [(e.actor_username, e.target_id, e.detail) for e in events] == [
        ("huaihua", zhang.id, {"phone": "138****0101", "reason": "管理员解除绑定"})]
    again = post(huaihua, f"{path}/unbind", {}, page=path)
    assert flashes(huaihua, again) == [("flash-message", "该代表目前没有绑定微信。")]
    assert "解除代表微信绑定" in text(huaihua.get("/console/audit"))

    # 允许重新绑定: the page says a WeChat is refused; once allowed, it binds again, and the log keeps it.
    page = text(huaihua.get(path))
    assert "已被管理员解除绑定的微信 1 个：不能再凭此代表的手机号重新绑定。" in page
    assert f'action="{path}/allow-rebinding"' in page
    allowed = post(huaihua, f"{path}/allow-rebinding", {}, page=path)
    assert flashes(huaihua, allowed) == [("flash-success", "已允许被解除绑定的微信重新绑定代表“张伟”。")]
    assert "已被管理员解除绑定的微信" not in text(huaihua.get(path))
    rebound = client.post("/api/v1/auth/bind-phone", json={"code": "phone-13800000101"}, headers=bound)
    assert rebound.status_code == 200 and rebound.json["user"]["deputy_id"] == zhang.id
    nothing = post(huaihua, f"{path}/allow-rebinding", {}, page=path)
    assert flashes(huaihua, nothing) == [("flash-message", "没有被解除绑定、等待允许的微信。")]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "deputy_rebinding_allowed")).all()
    assert [(e.actor_username, e.target_id, e.detail) for e in events] == [("huaihua", zhang.id, {"wechat_users": 1})]
    assert "允许代表微信重新绑定" in text(huaihua.get("/console/audit"))

    far = world["far"]
    refused = post(huaihua, f"/console/deputies/{far.id}/unbind", {}, page=path)
    assert refused.status_code == 404
    assert post(huaihua, f"/console/deputies/{far.id}/allow-rebinding", {}, page=path).status_code == 404


def _ranks(page):
    """(rank, name, points) of a console leaderboard's or evaluation's rows."""
    rows = re.findall(r'<td class="rank">(\d+)</td>\s*<td>([^<]+)</td>.*?<td class="points">(-?\d+)</td>', page, re.S)
    return [(int(rank), name, int(points)) for rank, name, points in rows]


def test_deputies_without_points_rank_at_zero_above_an_absence_everywhere(app, station_admin, factory, world):
    """积分排行 (console, public, API): a deputy in office without a point this year stands at 0, above
    the one who lost a point for an absence, and a station administrator sees on 积分排行 the deputies
    履职评价 grades, each at the same rank."""
    from backend.points import ledger

    zhang, li, far = world["zhang"], world["li"], world["far"]
    factory.deputy(world["tree"]["hc"], "王芳", phone="13800000105", stations=[world["chengbei"]])
    chen = factory.deputy(world["tree"]["hc"], "陈明", phone="13800000106", stations=[world["chengbei"]])
    ledger.credit(zhang.id, "suggestion_closed", "suggestion", 1, "测试", points=3)
    ledger.credit(far.id, "suggestion_closed", "suggestion", 2, "测试", points=5)
    ledger.credit(chen.id, "absence", "activity", 3, "无故缺席：测试")
    db.session.commit()

    board = factory.client.get("/api/v1/leaderboard").json
    assert [(r["rank"], r["deputy"]["name"], r["points"]) for r in board] == [
        (1, "周强", 5), (2, "张伟", 3), (3, "李娜", 0), (3, "王芳", 0), (5, "陈明", -1)]
    assert [r["deputy"]["name"] for r in factory.client.get("/api/v1/leaderboard?limit=3").json] == ["周强", "张伟", "李娜"]
    assert [r["deputy"]["name"] for r in factory.client.get("/api/v1/leaderboard?limit=2").json] == ["周强", "张伟"]
    hc = factory.client.get(f"/api/v1/leaderboard?region_id={world['tree']['hc'].id}").json
    assert [(r["rank"], r["deputy"]["name"]) for r in hc] == [(1, "张伟"), (2, "李娜"), (2, "王芳"), (4, "陈明")]

    public = text(factory.client.get("/public/leaderboard"))
    assert re.search(r'<span class="rank">3</span></td>\s*<td><a [^>]+>李娜</a>', public)
    assert re.search(r'<span class="rank">5</span></td>\s*<td><a [^>]+>陈明</a></td>\s*<td class="num">-1</td>', public)

    # A deputy's own rank (履职积分 in the mini-program) is the board's, at 0 and below it.
    root = factory.headers_for_admin(db.session.scalar(select(User).where(User.username == "root")))
    for deputy, rank in ((li, 3), (chen, 5)):
        assert factory.client.get(f"/api/v1/deputies/{deputy.id}/points", headers=root).json["rank"] == rank

    # The station administrator: their own deputies on both pages, the same rank for each.
    expected = [(1, "张伟", 3), (2, "李娜", 0), (2, "王芳", 0), (4, "陈明", -1)]
    board_page = text(station_admin.get("/console/leaderboard"))
    assert _ranks(board_page) == expected and "周强" not in board_page
    assert "本人所管联络站进站的代表" in board_page
    assert _ranks(text(station_admin.get("/console/evaluations"))) == expected


def test_typed_points_are_never_negative_and_the_page_says_when_they_differ_from_the_rulebook(
        station_admin, world):
    """Attending never costs points (absence deductions come from the rulebook): -5 on 发单 or 编辑 is
    refused under the field, nothing saved. The form shows the rulebook's points for each type; the
    activity page says what the rulebook gives, and when the typed points differ from it."""
    form = text(station_admin.get("/console/activities/new"))
    assert re.search(r'<small class="muted" id="points-note">[^<]*接待选民 5 分', form), form
    refused = post(station_admin, "/console/activities/new", dispatch_form(world, [world["zhang"]], points="-5"))
    assert refused.status_code == 422 and at_fields(refused) == {"points": "积分不能为负数。"}
    assert summary(refused) == "有 1 处需要修改：积分。"
    assert db.session.scalar(db.select(db.func.count()).select_from(Activity)) == 0

    plain = post(station_admin, "/console/activities/new", dispatch_form(world, [world["zhang"]]))
    page = text(station_admin.get(plain.headers["Location"]))
    assert "<dt>积分</dt><dd>按评分细则（接待选民 5 分）</dd>" in page

    typed = post(station_admin, "/console/activities/new", dispatch_form(world, [world["zhang"]], points="8"))
    path = typed.headers["Location"]
    assert "<dt>积分</dt><dd>8 分 <small class=\"badge warn\">本次活动积分由发单人设定，评分细则为 5 分</small></dd>" in text(
        station_admin.get(path))
    edit = edit_form(text(station_admin.get(f"{path}/edit")))
    refused = post(station_admin, f"{path}/edit", edit | {"points": "-1"})
    assert refused.status_code == 422 and at_fields(refused) == {"points": "积分不能为负数。"}
    assert db.session.get(Activity, int(path.rsplit("/", 1)[1])).points == 8


def test_the_close_confirmation_counts_who_will_be_absent_and_who_never_answered(station_admin, factory, world):
    """结单's confirmation says how many deputies will be counted 缺席, and how many of them never even
    answered the invitation (待接单), before the administrator confirms."""
    created = post(station_admin, "/console/activities/new", dispatch_form(world, [world["zhang"], world["li"]]))
    path = created.headers["Location"]

    def confirmation():
        page = text(station_admin.get(path))
        return html.unescape(re.search(r'action="[^"]+/close" data-confirm="([^"]+)"', page).group(1))

    activity = db.session.get(Activity, int(path.rsplit("/", 1)[1]))
    closes = local(activity.ends_dt + timedelta(minutes=30)).replace("T", " ")  # CHECKIN_GRACE_MINUTES after the end
    # While check-in is open: when it closes and who has not checked in, confirmed as closing early.
    assert confirmation() == (f"签到尚未截止（{closes} 截止），仍有 2 位代表未签到。结单后，已签到的代表计入积分，"
                              "未请假未签到的代表记为缺席并按评分细则扣分。确定提前结单吗？")
    assert factory.client.post(f"/api/v1/activities/{activity.id}/accept",
                               headers=factory.deputy_headers(world["li"])).status_code == 200
    assert factory.client.post("/api/v1/checkins", json={"qr_code": world["chengbei"].qr_code, "lat": STATION[0],
                                                         "lng": STATION[1]},
                               headers=factory.deputy_headers(world["zhang"])).status_code == 201
    assert confirmation() == (f"签到尚未截止（{closes} 截止），仍有 1 位代表未签到（其中已接单 1 位）。结单后，已签到的代表"
                              "计入积分，未请假未签到的代表记为缺席并按评分细则扣分。确定提前结单吗？")
    # 取消 would void 张伟's check-in: its confirmation says so, and its form confirms it.
    page = text(station_admin.get(path))
    cancel = re.search(r'<form [^>]*action="[^"]+/cancel" data-confirm="([^"]+)".*?</form>', page, re.S)
    assert html.unescape(cancel.group(1)) == ("已有 1 位代表签到，取消后他们的签到作废、不计积分（将通知他们）。"
                                              "取消后活动不计积分，且不能恢复。确定取消吗？")
    assert '<input type="hidden" name="void_checkins" value="1">' in cancel.group(0)
    # Once check-in has closed, who will be 缺席 and who never answered.
    activity.starts_dt -= timedelta(hours=4)
    activity.ends_dt = utcnow() - timedelta(minutes=31)
    db.session.commit()
    assert confirmation() == ("结单后，已签到的代表计入积分，未请假未签到的代表记为缺席并按评分细则扣分。"
                              "目前有 1 位代表将记为缺席。确定结单吗？")
    assert '<input type="hidden" name="early" value="">' in text(station_admin.get(path))


def test_cancelling_an_activity_takes_an_optional_reason_into_its_record(station_admin, world):
    """取消活动 offers a box for the reason (选填): it is kept in the record the page shows; a reason past
    200 characters is refused under the box, nothing cancelled."""
    created = post(station_admin, "/console/activities/new", dispatch_form(world, [world["zhang"]]))
    path = created.headers["Location"]
    page = text(station_admin.get(path))
    assert re.search(r'<input name="reason" maxlength="200"[^>]*aria-label="取消原因（选填）"', page), page
    too_long = post(station_admin, f"{path}/cancel", {"reason": "雨" * 201}, page=path)
    assert too_long.status_code == 422 and at_fields(too_long) == {"reason": "取消原因不能超过 200 个字。"}
    assert "雨" * 201 in text(too_long)  # kept as typed
    assert db.session.get(Activity, int(path.rsplit("/", 1)[1])).status.value == "published"
    cancelled = post(station_admin, f"{path}/cancel", {"reason": "暴雨预警，改期另行通知"}, page=path)
    assert cancelled.status_code == 302
    page = text(station_admin.get(path))
    assert "活动已取消，不计积分，已将取消原因通知代表。" in page
    assert record_on_page(page)[-1][1:] == (
        "取消活动", "联络站管理员 · chengbei", "取消时：待接单 1 人；取消原因：暴雨预警，改期另行通知")


def test_posters_of_a_large_region_come_in_parts_and_its_own_level_alone(huaihua, factory, world, monkeypatch):
    """More posters than one zip holds are offered in parts (第1部分/共N部分), every poster in exactly one;
    本级 prints the region's own stations and deputies, those of no region below it (a county's own
    deputies could otherwise only be printed one by one)."""
    from backend.console import organisation
    from backend.qr import render

    monkeypatch.setattr(render, "poster", lambda url, title, name, details, instruction: b"png")
    monkeypatch.setattr(organisation, "POSTER_ZIP_LIMIT", 2)
    hc = world["tree"]["hc"]
    town = factory.region("迎丰街道", "township", hc)
    factory.deputy(town, "迎丰代表", phone="13900000301", stations=[factory.station(town, "迎丰联络站")])
    db.session.commit()

    def names(response):
        assert response.status_code == 200 and response.mimetype == "application/zip", text(response)
        return zipfile.ZipFile(io.BytesIO(response.get_data())).namelist()

    offered = huaihua.get(f"/console/posters.zip?region_id={hc.id}")
    assert offered.status_code == 200 and offered.mimetype == "text/html"
    page = text(offered)
    assert "“鹤城区”范围内共有 5 张海报，分 3 部分下载" in page
    assert page.count("posters.zip?") >= 3 and "第3部分（共3部分）" in page
    first = huaihua.get(f"/console/posters.zip?region_id={hc.id}&part=1")
    assert "%E7%AC%AC1%E9%83%A8%E5%88%86" in first.headers["Content-Disposition"]  # 第1部分 in the file name
    parts = [names(first), *(names(huaihua.get(f"/console/posters.zip?region_id={hc.id}&part={n}")) for n in (2, 3))]
    assert [len(part) for part in parts] == [2, 2, 1]
    printed = [name.split("/")[1].split("-")[0] for part in parts for name in part]
    assert sorted(printed) == sorted(["城北联络站", "张伟", "李娜", "迎丰联络站", "迎丰代表"])
    beyond = huaihua.get(f"/console/posters.zip?region_id={hc.id}&part=4")
    assert beyond.status_code == 302

    own = names(huaihua.get(f"/console/posters.zip?region_id={town.id}&own=1"))
    assert sorted(n.split("/")[0] for n in own) == ["代表", "联络站"]
    county_own = huaihua.get(f"/console/posters.zip?region_id={hc.id}&own=1")
    assert county_own.status_code == 200 and "共有 3 张海报，分 2 部分下载" in text(county_own)
    county_printed = [n for part in (1, 2) for n in names(huaihua.get(
        f"/console/posters.zip?region_id={hc.id}&own=1&part={part}"))]
    assert len(county_printed) == 3 and not any("迎丰" in n for n in county_printed)


def test_posters_of_deputies_alone_or_stations_alone(huaihua, world, monkeypatch):
    """本级代表: a county's own deputies alone, without its stations (printed apart, or already)."""
    from backend.qr import render

    monkeypatch.setattr(render, "poster", lambda url, title, name, details, instruction: b"png")
    hc = world["tree"]["hc"].id

    def printed(query):
        response = huaihua.get(f"/console/posters.zip?region_id={hc}&{query}")
        assert response.status_code == 200 and response.mimetype == "application/zip", text(response)
        return sorted(n.split("-")[0] for n in zipfile.ZipFile(io.BytesIO(response.get_data())).namelist())

    assert printed("own=1&kind=deputies") == ["代表/张伟", "代表/李娜"]
    assert printed("kind=stations") == ["联络站/城北联络站"]
    assert len(printed("kind=")) == 3
    assert "本级代表" in text(huaihua.get("/console/stations"))
