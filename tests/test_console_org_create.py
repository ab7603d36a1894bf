"""The console's "new station", "new deputy" and printed-code pages through the Flask test client.

Region administrators create stations and deputies (each gets its printed code at once); any
administrator of a station or deputy replaces or withdraws its code. Refused forms come back with what
was typed and why, and change nothing.
"""
import io
import re

import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from backend.extensions import db
from backend.org.models import Deputy, Station
from backend.qr.models import QRCode
from backend.qr.services import qr_url
from tests.refusals import at_fields, summary
from tests.test_console_org_activities import (  # noqa: F401 - fixtures
    huaihua,
    post,
    station_admin,
    text,
    world,
)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def decoded(png):
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def live_code(kind, target_id):
    db.session.expire_all()
    return db.session.scalar(select(QRCode.code).where(
        QRCode.target_kind == kind, QRCode.target_id == target_id, QRCode.revoked_dt.is_(None)))


def test_a_region_administrator_creates_a_station_with_its_code(huaihua, station_admin, world):  # noqa: F811
    hc = world["tree"]["hc"]
    assert "新建联络站" in text(huaihua.get("/console/stations"))
    assert "新建联络站" not in text(station_admin.get("/console/stations"))
    refused = station_admin.get("/console/stations/new")
    assert refused.status_code == 403 and "只有区域管理员可以新建联络站" in text(refused)

    form = text(huaihua.get(f"/console/stations/new?region_id={hc.id}"))
    assert f'<option value="{hc.id}" selected>' in form
    before = count(Station)
    created = post(huaihua, "/console/stations/new", {
        "name": "迎丰联络站", "kind": "home", "region_id": hc.id, "address": "迎丰路 8 号",
        "lat": "27.55", "lng": "110.0", "open_hours": "每月 15 日上午", "description": "",
    })
    assert created.status_code == 302
    station = db.session.scalar(select(Station).where(Station.name == "迎丰联络站"))
    assert created.headers["Location"].endswith(f"/console/stations/{station.id}")
    assert (station.kind.value, station.region_id, station.address, station.lat, station.open_hours) == (
        "home", hc.id, "迎丰路 8 号", 27.55, "每月 15 日上午")
    assert count(Station) == before + 1
    page = text(huaihua.get(created.headers["Location"]))
    assert "已新建联络站“迎丰联络站”，并生成了它的二维码" in page and "更换二维码" in page
    code = live_code("station", station.id)
    image = huaihua.get(f"/console/stations/{station.id}/qr.png")
    assert image.status_code == 200 and decoded(image.data) == [qr_url(code)]


def test_refused_station_forms_keep_what_was_typed(huaihua, world):  # noqa: F811
    hc, yl = world["tree"]["hc"], world["tree"]["yl"]
    before = count(Station)
    typed = {"name": "迎丰联络站", "kind": "home", "region_id": hc.id, "address": "迎丰路 8 号",
             "open_hours": "每月 15 日上午"}
    # Each reason is under the field it is about, which is marked wrong; the top of the page names it.
    for changes, field, label, message in (
        ({"name": "  "}, "name", "名称", "请填写联络站名称。"),
        ({"region_id": ""}, "region_id", "所属区域", "请选择所属区域。"),
        ({"region_id": yl.id}, "region_id", "所属区域", "区域不存在，或不在您的管理范围内。"),
        ({"lat": "27.5"}, "lat", "纬度", "经纬度须同时填写或同时留空。"),
        ({"lat": "95", "lng": "110"}, "lat", "纬度", "纬度应在 3 至 54 之间（中国境内，GCJ-02 坐标）。"),
        ({"lat": "0", "lng": "110"}, "lat", "纬度", "纬度应在 3 至 54 之间（中国境内，GCJ-02 坐标）。"),
        ({"kind": "castle"}, "kind", "类型",
         "联络站类型应为中心联络站、片区联络站、代表之家或联络点。"),  # without the codes
        ({"region_id": "abc"}, "region_id", "所属区域", "请选择所属区域。"),
    ):
        refused = post(huaihua, "/console/stations/new", typed | changes)
        assert refused.status_code == 422, changes
        shown = at_fields(refused)
        assert list(shown) == [field] and message in shown[field], (changes, shown)
        assert summary(refused) == f"有 1 处需要修改：{label}。"
        page = text(refused)
        assert 'value="迎丰路 8 号"' in page and "每月 15 日上午" in page
    assert count(Station) == before


def test_a_region_administrator_adds_a_deputy(huaihua, world):  # noqa: F811
    hc, chengbei = world["tree"]["hc"], world["chengbei"]
    assert "新增代表" in text(huaihua.get("/console/deputies"))
    created = post(huaihua, "/console/deputies/new", {
        "name": "王芳", "level": "county", "region_id": hc.id, "term": "17", "group": "第三代表小组",
        "phone": "13800000188", "active": "1", "bio": "社区医生", "station_ids": [chengbei.id],
    })
    assert created.status_code == 302
    deputy = db.session.scalar(select(Deputy).where(Deputy.name == "王芳"))
    assert created.headers["Location"].endswith(f"/console/deputies/{deputy.id}")
    assert (deputy.level.value, deputy.term, deputy.group, deputy.phone, deputy.active) == (
        "county", 17, "第三代表小组", "13800000188", True)
    assert [s.name for s in deputy.stations] == ["城北联络站"]
    assert live_code("deputy", deputy.id)
    page = text(huaihua.get(created.headers["Location"]))
    assert "已新增代表“王芳”，并生成了其个人二维码" in page

    # Not in office: recorded, but no printed code.
    post(huaihua, "/console/deputies/new", {"name": "赵敏", "level": "township", "region_id": hc.id})
    former = db.session.scalar(select(Deputy).where(Deputy.name == "赵敏"))
    assert former.active is False and live_code("deputy", former.id) is None


def test_a_station_administrator_registers_a_deputy_received_at_their_station(station_admin, world):  # noqa: F811
    """进家入站, as POST /api/v1/deputies allows it: at their own station (ticked for them when it is their
    only one), of a region that contains it — the station's region or one above it."""
    tree, chengbei = world["tree"], world["chengbei"]
    form = text(station_admin.get("/console/deputies/new"))
    assert "联络站管理员登记的是进驻本站的代表" in form
    assert re.search(rf'value="{chengbei.id}" checked', form)
    offered = re.findall(r'<option value="(\d+)"', form)
    assert sorted(map(int, offered)) == sorted(r.id for r in (tree["root"], tree["hh"], tree["hc"]))
    created = post(station_admin, "/console/deputies/new", {
        "name": "孙丽", "level": "city", "region_id": tree["hh"].id, "phone": "13800000199", "active": "1",
        "station_ids": [chengbei.id],
    })
    assert created.status_code == 302, text(created)[:500]
    deputy = db.session.scalar(select(Deputy).where(Deputy.name == "孙丽"))
    assert (deputy.region_id, [s.name for s in deputy.stations]) == (tree["hh"].id, ["城北联络站"])
    refused = post(station_admin, "/console/deputies/new", {
        "name": "周平", "level": "county", "region_id": tree["yl"].id, "active": "1", "station_ids": [chengbei.id],
    })
    assert refused.status_code == 422 and "区域须包含代表进驻的本站" in text(refused)


def test_refused_deputy_forms_keep_what_was_typed(huaihua, world):  # noqa: F811
    hc, chengbei = world["tree"]["hc"], world["chengbei"]
    before = count(Deputy)
    typed = {"name": "王芳", "level": "county", "region_id": hc.id, "group": "第三代表小组", "active": "1",
             "station_ids": [chengbei.id]}
    for changes, field, message in (
        ({"phone": "12345"}, "phone", "手机号应为 11 位数字，以 1 开头。"),
        ({"term": "100"}, "term", "届次应为 1 到 99 之间的整数。"),
        ({"name": ""}, "name", "请填写代表姓名。"),
        ({"region_id": world["tree"]["yl"].id}, "region_id", "不在您的管理范围内"),
        ({"station_ids": [world["yuelu"].id]}, "station_ids", "联络站不存在或不在您的管理范围内"),
        ({"station_ids": ["x"]}, "station_ids", "编号无效。"),
    ):
        refused = post(huaihua, "/console/deputies/new", typed | changes)
        assert refused.status_code == 422, changes
        shown = at_fields(refused)
        assert list(shown) == [field] and message in shown[field], (changes, shown)
        assert summary(refused).startswith("有 1 处需要修改：")
        assert 'value="第三代表小组"' in text(refused)
    # Two at once: each under its own field, named at the top in the form's order.
    both = post(huaihua, "/console/deputies/new", typed | {"phone": "12345", "level": "mayor"})
    assert list(at_fields(both)) == ["level", "phone"] and summary(both) == "有 2 处需要修改：层级、手机号。"
    # The phone is another deputy's: the API's 409, said under the phone box, with what was typed.
    taken = post(huaihua, "/console/deputies/new", typed | {"phone": "13800000101"})
    assert taken.status_code == 409 and at_fields(taken) == {"phone": "该手机号已登记在另一位代表名下。"}
    assert summary(taken) == "有 1 处需要修改：手机号。" and 'class="flash flash-error" role' not in text(taken)
    assert 'name="phone"' in text(taken) and 'value="13800000101"' in text(taken)
    assert 'value="第三代表小组"' in text(taken)
    checked = text(post(huaihua, "/console/deputies/new", typed | {"phone": "12345"}))
    assert f'value="{chengbei.id}" checked' in checked
    assert count(Deputy) == before


def test_replacing_and_withdrawing_a_printed_code(app, station_admin, huaihua, world):  # noqa: F811
    station = world["chengbei"]
    edit = f"/console/stations/{station.id}"
    old = live_code("station", station.id)
    replaced = post(station_admin, f"{edit}/qr/reissue", {}, page=edit)
    assert replaced.status_code == 302 and replaced.headers["Location"].endswith(edit)
    new = live_code("station", station.id)
    assert new and new != old
    assert "已为联络站“城北联络站”生成新的二维码，旧二维码已失效" in text(station_admin.get(edit))
    api = app.test_client()
    assert api.get(f"/api/v1/qr/{old}").status_code == 410
    assert api.get(f"/api/v1/qr/{new}").status_code == 200

    withdrawn = post(station_admin, f"{edit}/qr/revoke", {}, page=edit)
    assert withdrawn.status_code == 302
    assert live_code("station", station.id) is None
    assert api.get(f"/api/v1/qr/{new}").json["error"] == "qr_revoked"
    page = text(station_admin.get(edit))
    assert "已停用联络站“城北联络站”的二维码" in page and "生成新二维码" in page
    again = post(station_admin, f"{edit}/qr/revoke", {}, page=edit)
    assert again.status_code == 302 and "目前没有在用的二维码" in text(station_admin.get(edit))
    post(station_admin, f"{edit}/qr/reissue", {}, page=edit)
    assert live_code("station", station.id) not in (None, old, new)

    # Outside one's scope: not found, nothing changes.
    yuelu = world["yuelu"]
    code = live_code("station", yuelu.id)
    refused = post(huaihua, f"/console/stations/{yuelu.id}/qr/revoke", {}, page="/console/stations")
    assert refused.status_code == 404 and live_code("station", yuelu.id) == code


def test_a_deputy_out_of_office_gets_no_new_code(huaihua, world):  # noqa: F811
    zhang = world["zhang"]
    edit = f"/console/deputies/{zhang.id}"
    old = live_code("deputy", zhang.id)
    post(huaihua, f"{edit}/qr/reissue", {}, page=edit)
    assert live_code("deputy", zhang.id) not in (None, old)
    post(huaihua, edit, {"name": "张伟", "level": "city", "phone": "13800000101", "stations_present": "1",
                         "station_ids": [world["chengbei"].id]})  # "active" unticked: leaves office
    assert live_code("deputy", zhang.id) is None
    page = text(huaihua.get(edit))
    assert "（已离任）" in page and "生成新二维码" not in page
    refused = post(huaihua, f"{edit}/qr/reissue", {}, page=edit)
    assert refused.status_code == 302
    assert "该代表已停止履职，不能为其签发新的二维码" in text(huaihua.get(edit))
    assert live_code("deputy", zhang.id) is None


def test_code_actions_need_the_form_token(huaihua, world):  # noqa: F811
    station = world["chengbei"]
    code = live_code("station", station.id)
    response = huaihua.post(f"/console/stations/{station.id}/qr/revoke")
    assert response.status_code == 400 and "页面已过期" in text(response)
    assert live_code("station", station.id) == code


def test_a_station_form_with_several_mistakes_names_them_all_at_once(huaihua, world):  # noqa: F811
    """A blank name, no region and a latitude off the globe are each shown under their field in one answer,
    not one per submission (the administrator fixing the name would be refused again for the region)."""
    before = count(Station)
    refused = post(huaihua, "/console/stations/new", {
        "name": " ", "kind": "home", "region_id": "", "address": "迎丰路 8 号", "lat": "95", "lng": "110"})
    assert refused.status_code == 422
    shown = at_fields(refused)
    assert list(shown) == ["name", "region_id", "lat"], shown
    assert (shown["name"], shown["region_id"]) == ("请填写联络站名称。", "请选择所属区域。")
    assert "纬度应在 3 至 54 之间（中国境内，GCJ-02 坐标）。" in shown["lat"]
    assert summary(refused) == "有 3 处需要修改：名称、所属区域、纬度。"
    station = world["chengbei"]
    edited = post(huaihua, f"/console/stations/{station.id}", {
        "name": "", "kind": "castle", "region_id": station.region_id, "lat": "27.5", "lng": ""})
    assert edited.status_code == 422
    assert list(at_fields(edited)) == ["name", "kind", "lat"], at_fields(edited)
    assert count(Station) == before


def test_a_deputy_form_with_several_mistakes_names_them_all_at_once(huaihua, world):  # noqa: F811
    hc = world["tree"]["hc"]
    before = count(Deputy)
    refused = post(huaihua, "/console/deputies/new", {
        "name": "", "level": "county", "region_id": "", "term": "100", "phone": "12345", "active": "1"})
    assert refused.status_code == 422
    shown = at_fields(refused)
    assert list(shown) == ["name", "region_id", "term", "phone"], shown
    assert (shown["name"], shown["term"], shown["phone"]) == (
        "请填写代表姓名。", "届次应为 1 到 99 之间的整数。", "手机号应为 11 位数字，以 1 开头。")
    assert summary(refused) == "有 4 处需要修改：姓名、所属区域、届次、手机号。"
    deputy = db.session.scalar(select(Deputy).where(Deputy.region_id == hc.id).limit(1)) or \
        db.session.scalar(select(Deputy).limit(1))
    edited = post(huaihua, f"/console/deputies/{deputy.id}", {
        "name": "", "level": "mayor", "region_id": deputy.region_id, "term": "abc", "phone": "1"})
    assert edited.status_code == 422
    assert list(at_fields(edited)) == ["name", "level", "term", "phone"], at_fields(edited)
    assert count(Deputy) == before


def test_a_station_named_as_another_of_its_region_is_refused_in_the_console(huaihua, world):  # noqa: F811
    hc, chengbei = world["tree"]["hc"], world["chengbei"]
    before = count(Station)
    refused = post(huaihua, "/console/stations/new", {"name": "城北联络站", "kind": "home", "region_id": hc.id,
                                                      "address": "迎丰路 8 号"})
    assert refused.status_code == 409
    assert at_fields(refused) == {"name": f"联络站“城北联络站”已存在（湖南省怀化市鹤城区，id={chengbei.id}）。"}
    assert 'value="迎丰路 8 号"' in text(refused)
    assert count(Station) == before


def test_the_station_forms_attach_no_account_outside_the_scope(huaihua, world, factory):  # noqa: F811
    """The station forms take no administrators (accounts are linked from 管理员账号, which checks the scope):
    an account's id slipped into the form attaches nothing."""
    hc, chengbei = world["tree"]["hc"], world["chengbei"]
    yuelu_admin = factory.admin("yueluadm", stations=[world["yuelu"]])
    edited = post(huaihua, f"/console/stations/{chengbei.id}", {
        "name": "城北联络站", "kind": "area", "region_id": hc.id, "admin_user_ids": str(yuelu_admin.id)})
    assert edited.status_code == 302
    created = post(huaihua, "/console/stations/new", {
        "name": "迎丰联络站", "kind": "home", "region_id": hc.id, "admin_user_ids": str(yuelu_admin.id)})
    assert created.status_code == 302
    db.session.expire_all()
    assert [s.name for s in db.session.get(type(yuelu_admin), yuelu_admin.id).admin_stations] == ["岳麓联络站"]
