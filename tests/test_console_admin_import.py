"""The console's 导入管理员 page through the Flask test client: reached from the accounts list, its template, an
upload's counts, row-by-row report and initial passwords (shown once, and as a download held in the page),
and the 管理员名单 export that reads back as no change."""
import base64
import io
import re

import openpyxl

from tests.test_admin_import import HEADER
from tests.test_console_org_activities import (  # noqa: F401 - fixtures
    huaihua,
    sign_in,
    station_admin,
    text,
    token_from,
    world,
)
from tests.test_import import xlsx

PAGE = "/console/admins/import"


def upload(client, data, filename="管理员.xlsx"):
    return client.post(PAGE, data={"csrf_token": token_from(client, PAGE), "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_the_accounts_list_leads_to_the_import_its_template_and_the_export(huaihua, world):  # noqa: F811
    listing = text(huaihua.get("/console/admins"))
    assert f'href="{PAGE}"' in listing and 'href="/console/admins/export.xlsx"' in listing
    page = text(huaihua.get(PAGE))
    assert "导入管理员" in page and "怀化市及其下级区域" in page
    assert "姓名（必填）、登录名（必填）、角色（必填）、所属联络站、所属区域、状态" in page
    template = huaihua.get("/console/admins/import-template.xlsx")
    assert template.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(template.data))
    rows = list(workbook["管理员名单"].values)
    assert rows[0] == tuple(HEADER)
    assert rows[1][:3] == ("示例：张三", "zhangsan", "联络站管理员")
    assert "填写说明" in workbook.sheetnames


def test_an_upload_shows_each_new_password_once_and_its_refused_rows(app, huaihua, world):  # noqa: F811
    data = xlsx([
        ["示例：张三", "zhangsan", "联络站管理员", "城北联络站", "", ""],  # the template's example: skipped
        ["王芳", "wangfang", "站点管理员", "城北联络站", "", "在用"],
        ["周强", "zhouqiang", "站点管理员", "岳麓联络站", "", ""],
    ], header=HEADER)
    response = upload(huaihua, data)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = text(response)
    assert "<strong>1</strong> 新增" in page and "<strong>1</strong> 行有误" in page
    assert "在您管理的范围内找不到联络站“岳麓联络站”。" in page
    assert "初始密码只显示这一次" in page
    password = re.search(r"<td>wangfang</td><td><code>([^<]+)</code></td>", page).group(1)

    # The download is in the page itself: the server keeps no copy of the passwords.
    sheet_url = re.search(r'href="data:[^;]+;base64,([^"]+)"', page).group(1)
    rows = list(openpyxl.load_workbook(io.BytesIO(base64.b64decode(sheet_url))).active.values)
    assert rows[0] == ("行号", "姓名", "登录名", "初始密码") and rows[1] == (3, "王芳", "wangfang", password)

    # The new administrator signs in with it, and is asked for a new password first.
    clerk = sign_in(app, "wangfang", password)
    home = clerk.get("/console/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/console/password")

    # The same file again: nothing new, no password shown.
    again = text(upload(huaihua, data))
    assert "<strong>0</strong> 新增" in again and "<strong>1</strong> 未变化" in again
    assert "初始密码只显示这一次" not in again and password not in again


def test_the_export_reads_back_as_no_change(huaihua, world):  # noqa: F811
    upload(huaihua, xlsx([["王芳", "wangfang", "站点管理员", "城北联络站", "", "停用"]], header=HEADER))
    export = huaihua.get("/console/admins/export.xlsx")
    assert export.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(export.data)).active.values)
    assert rows[0] == tuple(HEADER)
    assert ("王芳", "wangfang", "联络站管理员", "城北联络站", None, "停用") in rows
    page = text(upload(huaihua, export.data, "管理员名单.xlsx"))
    assert "<strong>0</strong> 新增" in page and "<strong>0</strong> 更新" in page and "<strong>0</strong> 行有误" in page


def test_a_station_administrator_is_refused(station_admin):  # noqa: F811
    page = station_admin.get(PAGE)
    assert page.status_code == 403
    assert "只有区域管理员可以管理管理员账号。" in text(page)
    assert station_admin.get("/console/admins/export.xlsx").status_code == 403
