"""联系清单 in the console: a city administrator adds a special committee, gives it deputies with the picker,
records a contact, reads the year's figures change and exports them; refusals show at their fields; a form
sent twice records once; a station administrator has nothing to do here."""
from datetime import timedelta
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import func, select

from backend.audit.models import AuditEvent
from backend.db_types import CHINA, utcnow
from backend.extensions import db
from backend.liaisons.models import Liaison, LiaisonContact, LiaisonDeputy
from tests.refusals import at_fields, summary

from .test_console_forms_once import form_on, sent_twice
from .test_console_org_activities import huaihua, post, station_admin, text, world  # noqa: F401
from .test_console_page_wording import flashes


def today():
    return utcnow().astimezone(CHINA).date()


def count(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_station_administrator_has_no_liaison_pages(station_admin):  # noqa: F811
    page = station_admin.get("/console/liaisons")
    assert page.status_code == 403 and "联系清单由人大常委会的区域管理员维护" in text(page)
    assert "联系清单" not in text(station_admin.get("/console/activities"))


def test_a_committee_from_new_to_exported_figures(huaihua, world):  # noqa: F811
    assert "联系清单" in text(huaihua.get("/console/activities"))  # in the navigation
    assert "还没有联系人" in text(huaihua.get("/console/liaisons"))

    bad = post(huaihua, "/console/liaisons", {"name": " ", "kind": "", "title": ""})
    assert bad.status_code == 422
    assert at_fields(bad) == {"name": "请填写姓名或名称。", "kind": "请选择类型：常委会组成人员或专门委员会。"}
    assert summary(bad) == "有 2 处需要修改：类型、姓名或名称。" and count(Liaison) == 0

    created = post(huaihua, "/console/liaisons", {"name": "教育科学文化卫生委员会", "kind": "committee",
                                                  "title": "专门委员会"})
    assert created.status_code == 302
    assert flashes(huaihua, created) == [("flash-success", "已新增联系人“教育科学文化卫生委员会”，请为其安排联系代表。")]
    liaison = db.session.scalars(select(Liaison)).one()
    path = f"/console/liaisons/{liaison.id}"
    assert "还没有在任的联系代表" in text(huaihua.get(path))

    far = post(huaihua, f"{path}/deputies", {"deputy_ids": [world["zhang"].id, world["far"].id]}, page=path)
    assert far.status_code == 422
    assert at_fields(far) == {"deputy_ids": f"以下代表不存在或不属于怀化市人大常委会联系的代表（编号）：{world['far'].id}。"}
    assigned = post(huaihua, f"{path}/deputies", {"deputy_ids": [world["zhang"].id, world["li"].id]}, page=path)
    assert flashes(huaihua, assigned) == [("flash-success", "已安排 2 位联系代表。")]
    assert count(LiaisonDeputy) == 2

    future = post(huaihua, f"{path}/contacts", {"deputy_id": world["zhang"].id, "way": "visit", "summary": "走访",
                                                "date": (today() + timedelta(days=1)).isoformat()}, page=path)
    assert future.status_code == 422 and at_fields(future) == {"date": "联系日期不能晚于今天。"}
    assert "走访" in text(future)  # what was typed is still there

    # 登记 sent twice (a double click): one record.
    fields = form_on(huaihua, path, f"{path}/contacts")
    location, messages = sent_twice(huaihua, f"{path}/contacts", {
        **fields, "deputy_id": world["zhang"].id, "way": "talk", "date": today().isoformat(),
        "summary": "座谈了解学校建设意见", "opinions": "建议新建一所小学"})
    assert messages == [f"已登记与张伟的联系（座谈，{today().isoformat()}）。"]
    assert count(LiaisonContact) == 1
    page = text(huaihua.get(path))
    assert "座谈了解学校建设意见" in page and "建议新建一所小学" in page and "尚未联系" in page

    figures = text(huaihua.get("/console/liaisons"))
    assert "<td>2</td>\n      <td>1</td>\n      <td>1</td>\n      <td>50.0%</td>" in figures

    export = huaihua.get(f"/console/liaisons/export.xlsx?year={today().year}")
    assert export.status_code == 200
    sheet = load_workbook(BytesIO(export.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("联系人", "类型") and rows[1] == (
        "教育科学文化卫生委员会", "专门委员会", "专门委员会", "怀化市人大常委会", "在用", 2, 1, 1, "50.0%")
    exported = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "exported")).one()
    assert exported.detail["export"] == "联系清单" and exported.detail["rows"] == 1

    # One with records is not deleted; 停用 instead. A record deleted is logged.
    refused = post(huaihua, f"{path}/delete", {}, page=path)
    assert flashes(huaihua, refused)[0] == ("flash-error", "该联系人已有联系记录，不能删除；如不再联系代表，请将其停用。")
    contact = db.session.scalars(select(LiaisonContact)).one()
    deleted = post(huaihua, f"/console/liaisons/contacts/{contact.id}/delete", {}, page=path)
    assert flashes(huaihua, deleted)[0][0] == "flash-success" and count(LiaisonContact) == 0
    stopped = post(huaihua, f"{path}/edit", {"name": liaison.name, "kind": "committee", "title": "专门委员会"}, page=path)
    assert flashes(huaihua, stopped) == [("flash-success", "已停用联系人“教育科学文化卫生委员会”。")]
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("liaison%"))
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["liaison_created", "liaison_deputies_added", "liaison_contact_added", "liaison_contact_deleted",
                       "liaison_updated"]
    assert "登记联系记录" in text(huaihua.get("/console/audit"))


def test_another_regions_liaison_is_not_found(app, huaihua, world, factory):  # noqa: F811
    from .test_console_org_activities import sign_in

    factory.admin("changsha", region=world["tree"]["cs"])
    post(huaihua, "/console/liaisons", {"name": "陈立新", "kind": "member"})
    liaison = db.session.scalars(select(Liaison)).one()
    changsha = sign_in(app, "changsha")
    assert changsha.get(f"/console/liaisons/{liaison.id}").status_code == 404
    assert "陈立新" not in text(changsha.get("/console/liaisons"))


def test_the_region_choice_offers_only_congresses_with_a_standing_committee(huaihua, world, factory):  # noqa: F811
    street = factory.region("城北街道", "township", world["tree"]["hc"])
    town = factory.region("中方镇", "township", world["tree"]["hc"])
    page = huaihua.get("/console/liaisons").get_data(as_text=True)
    options = page.split('name="region_id"', 1)[1].split("</select>", 1)[0]
    assert "怀化市" in options and "鹤城区" in options
    assert "城北街道" not in options and "中方镇" not in options

    refused = post(huaihua, "/console/liaisons", {"name": "测试", "kind": "member", "title": "", "region_id": town.id})
    assert refused.status_code == 422
    assert at_fields(refused) == {"region_id": "乡镇人民代表大会不设常务委员会（设主席团），联系清单只能由县级以上人大常委会建立。"}
    street_refused = post(huaihua, "/console/liaisons", {"name": "测试", "kind": "member", "title": "",
                                                         "region_id": street.id})
    assert at_fields(street_refused)["region_id"].startswith("街道不设人民代表大会")
    assert count(Liaison) == 0


def _offered(page):
    picker = page.split('<fieldset class="picker"', 1)[1].split("</fieldset>", 1)[0]
    return picker, picker.split('picker-options">', 1)[1].split("</ul>", 1)[0]


def test_the_picker_offers_only_deputies_not_yet_given_to_the_liaison(app, huaihua, world, factory):  # noqa: F811
    """Those given already (the server passes over them) are not offered again, on the page nor in the picker's
    search (``liaison_id``, as ``activity_id`` for an activity); nor those the liaison's congress does not keep
    in touch with (the server refuses them). Another liaison's list is its own."""
    from .test_console_org_activities import sign_in

    county = factory.region("中方县", "county", world["tree"]["hh"])
    outside = factory.deputy(county, "中方县代表", phone="13800000120", level="county")  # not the city's
    wang = factory.deputy(world["tree"]["hc"], "王强", phone="13800000121", stations=[world["chengbei"]])
    post(huaihua, "/console/liaisons", {"name": "城建委", "kind": "committee", "region_id": world["tree"]["hh"].id})
    post(huaihua, "/console/liaisons", {"name": "陈立新", "kind": "member", "region_id": world["tree"]["hh"].id})
    committee, member = db.session.scalars(select(Liaison).order_by(Liaison.id)).all()
    path = f"/console/liaisons/{committee.id}"
    picker, offered = _offered(huaihua.get(path).get_data(as_text=True))
    assert f'data-liaison-id="{committee.id}"' in picker
    assert "张伟" in offered and "李娜" in offered and "王强" in offered and "中方县代表" not in offered

    post(huaihua, f"{path}/deputies", {"deputy_ids": [world["zhang"].id, world["li"].id]}, page=path)
    _, offered = _offered(huaihua.get(path).get_data(as_text=True))
    assert "王强" in offered and "张伟" not in offered and "李娜" not in offered
    search = huaihua.get(f"/console/deputy-options?liaison_id={committee.id}")
    assert [d["name"] for d in search.json["items"]] == ["王强"]
    assert huaihua.get(f"/console/deputy-options?liaison_id={committee.id}&exclude={wang.id}").json["items"] == []
    everyone = [d["name"] for d in huaihua.get("/console/deputy-options").json["items"]]
    assert {"张伟", "李娜", "王强", "中方县代表"} <= set(everyone)  # without it: all in the administrator's scope
    # Another liaison of the same congress: its own list, all three still to give.
    others = [d["name"] for d in huaihua.get(f"/console/deputy-options?liaison_id={member.id}").json["items"]]
    assert sorted(others) == sorted(["张伟", "李娜", "王强"])
    assert outside.id not in [d["id"] for d in huaihua.get(f"/console/deputy-options?liaison_id={member.id}").json["items"]]

    factory.admin("changsha", region=world["tree"]["cs"])
    refused = sign_in(app, "changsha").get(f"/console/deputy-options?liaison_id={committee.id}")
    assert (refused.status_code, refused.json["message"]) == (404, "联系人不存在，或不在您的管理范围内。")


def test_a_bad_year_is_refused_in_chinese_not_shown_as_this_year(huaihua, world):  # noqa: F811
    """?year=abc, 1999 or 99999 on the list, its export or a liaison's page: 422 naming 年度, as the API's
    summary refuses them, never this year's figures in their place; the export writes no file and logs none."""
    created = post(huaihua, "/console/liaisons", {"name": "教育科学文化卫生委员会", "kind": "committee", "title": ""})
    assert created.status_code == 302
    liaison = db.session.scalars(select(Liaison)).one()
    for year, message in (("abc", "年度：应为整数。"), ("1999", "年度：年份应在 2000 年至 2100 年之间。"),
                          ("99999", "年度：年份应在 2000 年至 2100 年之间。")):
        for url in (f"/console/liaisons?year={year}", f"/console/liaisons/export.xlsx?year={year}",
                    f"/console/liaisons/{liaison.id}?year={year}"):
            page = huaihua.get(url)
            assert page.status_code == 422, url
            assert message in text(page), (url, text(page)[-800:])
            assert f"{today().year}年联系清单" not in text(page)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "exported")) == 0
    assert huaihua.get(f"/console/liaisons?year={today().year - 1}").status_code == 200
