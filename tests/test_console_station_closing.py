"""停用/重新启用 a station in the console: the button asks first, the list tags and filters closed stations,
pickers no longer offer them, filters and past items keep them."""
from backend.audit.models import AuditEvent
from backend.extensions import db
from backend.org.models import Station
from tests.test_console_org_activities import (  # noqa: F401 - fixtures
    huaihua,
    post,
    station_admin,
    text,
    world,
)


def test_a_region_administrator_closes_and_reopens_a_station(huaihua, station_admin, world):  # noqa: F811
    chengbei = world["chengbei"]
    page = f"/console/stations/{chengbei.id}"
    edit = text(huaihua.get(page))
    assert f'action="/console/stations/{chengbei.id}/close"' in edit
    assert 'data-confirm="停用后' in edit and ">停用联络站</button>" in edit
    # A station administrator does not close their own station.
    assert "停用联络站</button>" not in text(station_admin.get(page))
    refused = post(station_admin, f"{page}/close", {}, page=page)
    assert refused.status_code == 302
    assert "只有区域管理员可以停用或重新启用联络站" in text(station_admin.get(page))
    assert db.session.get(Station, chengbei.id).closed_dt is None

    closed = post(huaihua, f"{page}/close", {}, page=page)
    assert closed.status_code == 302
    shown = text(huaihua.get(page))
    assert "已停用联络站“城北联络站”" in shown and "已停用" in shown and ">重新启用</button>" in shown
    assert db.session.get(Station, chengbei.id).closed_dt is not None

    listed = text(huaihua.get("/console/stations"))
    assert "城北联络站" in listed and ">已停用</span>" in listed
    assert "城北联络站" in text(huaihua.get("/console/stations?closed=1"))
    assert "城北联络站" not in text(huaihua.get("/console/stations?closed=0"))
    # Not offered when dispatching an activity or choosing an administrator's stations; still a filter.
    assert f'<option value="{chengbei.id}"' not in text(huaihua.get("/console/activities/new"))
    assert f'value="{chengbei.id}"' not in text(huaihua.get("/console/admins/new"))
    assert f'<option value="{chengbei.id}"' in text(huaihua.get("/console/suggestions"))
    options = huaihua.get("/console/station-options/open?q=城北").json
    assert options["items"] == []
    assert [s["id"] for s in huaihua.get("/console/station-options?q=城北").json["items"]] == [chengbei.id]

    reopened = post(huaihua, f"{page}/reopen", {}, page=page)
    assert reopened.status_code == 302
    assert "已重新启用联络站“城北联络站”" in text(huaihua.get(page))
    assert db.session.get(Station, chengbei.id).closed_dt is None
    assert f'<option value="{chengbei.id}"' in text(huaihua.get("/console/activities/new"))
    actions = [e.action for e in db.session.query(AuditEvent).filter(AuditEvent.target_id == chengbei.id)]
    assert "station_closed" in actions and "station_reopened" in actions


def test_closing_a_station_with_waiting_items_says_what_to_do(huaihua, world, client):  # noqa: F811
    chengbei = world["chengbei"]
    citizen = client.post("/api/v1/auth/wechat", json={"code": "citizen-wang"}).json["token"]
    filed = client.post("/api/v1/suggestions", headers={"Authorization": f"Bearer {citizen}"}, json={
        "qr_code": chengbei.qr_code, "category": "城市管理", "content": "小区门口路灯坏了一个月，晚上很黑。"})
    assert filed.status_code == 201, filed.json
    page = f"/console/stations/{chengbei.id}"
    assert post(huaihua, f"{page}/close", {}, page=page).status_code == 302
    shown = text(huaihua.get(page))
    assert "还有1 件待分派的建议，不能停用" in shown
    assert db.session.get(Station, chengbei.id).closed_dt is None


def test_a_closed_station_is_no_gap_in_the_base(huaihua, world, factory):  # noqa: F811
    idle = factory.station(world["tree"]["hc"], "误建联络站")  # no coordinates, no administrator
    listed = text(huaihua.get("/console/stations?no_admin=1"))
    assert "误建联络站" in listed
    page = f"/console/stations/{idle.id}"
    assert post(huaihua, f"{page}/close", {}, page=page).status_code == 302
    assert "已停用联络站“误建联络站”" in text(huaihua.get(page))  # the notice read
    assert "误建联络站" not in text(huaihua.get("/console/stations?no_admin=1"))
    assert "误建联络站" not in text(huaihua.get("/console/stations?no_location=1"))


def test_the_posters_zip_prints_no_closed_station(huaihua, world, factory):  # noqa: F811
    import io
    import zipfile

    factory.station(world["tree"]["hc"], "迎丰联络站")
    page = f"/console/stations/{world['chengbei'].id}"
    assert post(huaihua, f"{page}/close", {}, page=page).status_code == 302
    response = huaihua.get(f"/console/posters.zip?region_id={world['tree']['hc'].id}&kind=stations")
    assert response.status_code == 200, text(response)
    names = " ".join(zipfile.ZipFile(io.BytesIO(response.get_data())).namelist())
    assert "迎丰联络站" in names and "城北联络站" not in names
