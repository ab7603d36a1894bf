"""立法意见征集 in a phone browser: a station's public page and its /q/ landing (一站一码, the station being a
基层立法联系点) list the drafts open for comment to its region; a draft's page shows it by article with the
opinion form (static/web/consultation.js), and a form sent without the script comes back as typed."""
from .test_consultations import legis, new_consultation, opened  # noqa: F401 (legis: a fixture)
from .test_web_pages import assert_strict_csp_page


def test_a_stations_page_and_its_code_list_the_drafts_open_for_its_region(client, legis):  # noqa: F811
    city = opened(client, legis["admins"]["hh"])
    other = opened(client, legis["admins"]["cs"], text="第一条 长沙市的草案。")
    draft = new_consultation(client, legis["admins"]["root"], title="湖南省某条例（草案）").json
    station = legis["station"]
    for path in (f"/public/stations/{station.id}", f"/q/{station.qr_code}"):
        html = client.get(path).get_data(as_text=True)
        assert f'href="/public/consultations/{city["id"]}"' in html, path
        assert "立法意见征集" in html and "怀化市城市绿化条例（草案）" in html
        assert f'/public/consultations/{other["id"]}"' not in html and "湖南省某条例" not in html
        assert_strict_csp_page(html)
    # Not every station is a 基层立法联系点: the page does not claim it is one.
    html = client.get(f"/public/stations/{station.id}").get_data(as_text=True)
    assert "以下地方性法规草案正在征求意见，欢迎阅读并提出您的意见。" in html
    assert "基层立法联系点" not in html
    assert draft["status"] == "draft"
    # Closed, it is listed no more.
    client.post(f"/api/v1/consultations/{city['id']}/close", headers=legis["admins"]["hh"])
    assert "立法意见征集" not in client.get(f"/public/stations/{station.id}").get_data(as_text=True)


def test_a_drafts_page_shows_it_by_article_with_the_form_while_open(client, legis):  # noqa: F811
    c = opened(client, legis["admins"]["hh"])
    page = client.get(f"/public/consultations/{c['id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert_strict_csp_page(html)
    assert "<strong>第三条</strong>　新建居住区绿地率不得低于百分之三十。" in html
    assert 'id="cs-form"' in html and "对第二条提意见" in html and "/static/web/consultation.js" in html
    assert "怀化市人大常委会" in html and "正在征求意见" in html
    # Sent by a browser that did not run the script: given back as typed, not sent, not kept.
    posted = client.post(f"/public/consultations/{c['id']}", data={
        "article_id": str(c["articles"][1]["id"]), "content": "第二条<写清楚>", "contact_phone": "13800001111"})
    html = posted.get_data(as_text=True)
    assert posted.status_code == 200 and posted.headers["Cache-Control"] == "no-store"
    assert "意见尚未提交" in html and "第二条&lt;写清楚&gt;" in html and 'value="13800001111"' in html
    assert f'<option value="{c["articles"][1]["id"]}" selected>第二条</option>' in html
    # Closed: still read, no form; a draft or an unknown one is not found.
    client.post(f"/api/v1/consultations/{c['id']}/close", headers=legis["admins"]["hh"])
    closed = client.get(f"/public/consultations/{c['id']}").get_data(as_text=True)
    assert "第三条" in closed and 'id="cs-form"' not in closed and "已结束" in closed
    draft = new_consultation(client, legis["admins"]["hh"]).json
    for missing in (draft["id"], 2**31 - 1):
        response = client.get(f"/public/consultations/{missing}")
        assert response.status_code == 404 and "没有找到这项立法意见征集" in response.get_data(as_text=True)


def test_lists_show_only_drafts_accepting_now_and_a_page_says_ended_once_the_window_ends(client, legis):  # noqa: F811
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import update

    from backend.consultations.models import Consultation
    from backend.extensions import db
    admin = legis["admins"]["hh"]
    tomorrow = opened(client, admin, starts=24 * 60, hours=48, title="明天开始的条例（草案）")
    ended = opened(client, admin, title="刚结束的条例（草案）")
    db.session.execute(update(Consultation).where(Consultation.id == ended["id"]).values(
        ends_dt=datetime.now(timezone.utc) - timedelta(seconds=1)))  # the sweep has not closed it yet
    db.session.commit()
    station = legis["station"]
    for path in (f"/public/stations/{station.id}", f"/q/{station.qr_code}"):
        html = client.get(path).get_data(as_text=True)
        assert "明天开始的条例" not in html and "刚结束的条例" not in html and "正在征求意见" not in html, path
    page = client.get(f"/public/consultations/{ended['id']}").get_data(as_text=True)
    assert "已结束" in page and "尚未开始" not in page and "正在征求意见" not in page and 'id="cs-form"' not in page
    page = client.get(f"/public/consultations/{tomorrow['id']}").get_data(as_text=True)
    assert "尚未开始" in page and "正在征求意见" not in page and 'id="cs-form"' not in page
