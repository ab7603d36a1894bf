"""约见代表 in the citizen's web pages, through the Flask test client: the form on /q/{code} with the
reception days to choose, the form posted without its script, and the appointment's private page."""
import re

from backend.appointments.models import Appointment
from backend.extensions import db
from schemas.suggestions import PHONE

from .test_appointments import reception, world  # noqa: F401  (fixture)
from .test_web_pages import assert_strict_csp_page, bearer, web_identity


def day_choices(html):
    return re.findall(r'<input type="radio" name="activity_id" value="([^"]+)"', html)


def test_the_landing_page_offers_an_appointment_with_the_reception_days_to_choose(client, world):
    with_li = reception(client, world, [world["li"]], days=2)
    with_zhang = reception(client, world, [world["zhang"]], days=4)

    station_page = client.get(f"/q/{world['station'].qr_code}").get_data(as_text=True)
    assert "约见进站代表" in station_page
    form = re.search(r'<form id="appt-form"[^>]*>', station_page).group(0)
    assert 'method="post"' in form and f'action="/q/{world["station"].qr_code}#appt-panel"' in form
    # The client checks the phone with the API's own rule, and says the API's sentence.
    assert f'data-phone-pattern="{PHONE.regex.pattern}"' in form
    assert f'data-phone-message="{PHONE.error}"' in form
    assert day_choices(station_page) == [str(with_li), str(with_zhang), "other"]
    assert "接待代表：李娜" in station_page
    assert "/static/web/appointment-form.js" in station_page
    assert_strict_csp_page(station_page)

    # A deputy's code offers only the days that deputy receives.
    deputy_page = client.get(f"/q/{world['zhang'].qr_code}").get_data(as_text=True)
    assert "约见张伟代表" in deputy_page
    assert day_choices(deputy_page) == [str(with_zhang), "other"]
    assert_strict_csp_page(deputy_page)

    li_page = client.get(f"/q/{world['li'].qr_code}").get_data(as_text=True)
    assert day_choices(li_page) == [str(with_li), "other"]


def test_without_a_plan_the_form_asks_for_a_time(client, factory, world):
    lonely = factory.deputy(world["tree"]["hc"], "王芳")
    html = client.get(f"/q/{lonely.qr_code}").get_data(as_text=True)
    assert day_choices(html) == []
    assert 'id="appt-preferred_time"' in html
    assert "<noscript>" in html and "本页无法提交约见" in html


def test_an_appointment_posted_without_the_script_comes_back_as_typed(client, app, world):
    day = reception(client, world, [world["zhang"]])
    code = world["zhang"].qr_code
    posted = client.post(f"/q/{code}", data={
        "form": "appointment", "topic": "加装电梯 <b>的困难</b>", "name": "王先生", "contact_phone": "13912345678",
        "activity_id": str(day), "preferred_time": "",
    })
    assert posted.status_code == 200
    assert posted.headers["Cache-Control"] == "no-store"
    html = posted.get_data(as_text=True)
    assert "约见尚未提交" in html and "JavaScript" in html
    assert "建议尚未提交" not in html  # the filing form was not the one sent
    assert re.search(r'<textarea name="topic"[^>]*>\n加装电梯 &lt;b&gt;的困难&lt;/b&gt;</textarea>', html)
    assert f'value="{day}" checked' in html
    assert 'value="王先生"' in html and 'value="13912345678"' in html
    assert_strict_csp_page(html)

    other = client.post(f"/q/{code}", data={"form": "appointment", "topic": "好" * 600, "activity_id": "other",
                                            "preferred_time": "周末"}).get_data(as_text=True)
    assert 'value="other" id="appt-other" checked' in other and 'value="周末"' in other
    assert "好" * 500 in other and "好" * 501 not in other
    odd = client.post(f"/q/{code}", data={"form": "appointment", "activity_id": "1 or 1=1"}).get_data(as_text=True)
    assert "checked" not in odd.split('id="appt-activity_id"', 1)[1].split("</fieldset>", 1)[0]
    with app.app_context():
        assert db.session.query(Appointment).count() == 0  # nothing was requested


def test_the_appointment_page_is_a_shell_without_anyones_data(client, world):
    citizen = bearer(web_identity(client)["token"])
    asked = client.post("/api/v1/appointments", headers=citizen, json={
        "qr_code": world["zhang"].qr_code, "topic": "想当面反映小区加装电梯的困难", "contact_phone": "13912345678",
        "name": "王先生", "preferred_time": "下周二上午",
    })
    assert asked.status_code == 201, asked.json
    appointment_id = asked.json["id"]

    page = client.get(f"/appointments/{appointment_id}")  # no identity: a page anyone could open
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'data-id="{appointment_id}"' in html and "/static/web/appointment.js" in html
    for private in ("加装电梯", "13912345678", "王先生", "下周二上午", asked.json["number"]):
        assert private not in html
    assert "<noscript>" in html and "JavaScript" in html
    assert re.search(r'id="loading"[^>]*hidden', html)
    assert_strict_csp_page(html)

    # Whether another id exists is the API's to tell, to those who may see it: the shell is the same.
    assert client.get(f"/appointments/{appointment_id + 1}").status_code == 200
    for impossible in (99999999999, 0):
        missing = client.get(f"/appointments/{impossible}")
        assert missing.status_code == 404, impossible
        assert "没有找到这个约见" in missing.get_data(as_text=True)


def test_the_list_of_this_browsers_items_has_a_place_for_appointments(client):
    html = client.get("/track/").get_data(as_text=True)
    assert 'id="appts-card"' in html and "我的约见" in html
