"""A console form sent after the administrator's sign-in ended (the session expired, or 退出 in another tab):
the sign-in page, saying why, and signing in again returns to the page the form was on (next=, this site's
console only), marked for the browser to put back what was typed (#draft)."""
from urllib.parse import parse_qs, urlsplit

from .test_console_org_activities import huaihua, text, token_from, world  # noqa: F401
from .test_console_page_wording import flashes

SIGNED_OUT = "登录已失效（长时间未操作，或已在其他窗口退出），刚才的操作没有提交。请重新登录，登录后回到原页面。"


def signed_out_post(app, path, referrer=None):
    client = app.test_client()
    token = token_from(client, "/console/login")  # a page of the console drawn before the sign-in ended
    headers = {"Referer": referrer} if referrer else {}
    return client, client.post(path, data={"csrf_token": token + "x", "points": "2", "reason": "补记"}, headers=headers)


def test_a_form_sent_signed_out_leads_to_the_sign_in_page_and_back_to_its_page(app, world):  # noqa: F811
    zhang = world["zhang"]
    page = f"/console/deputies/{zhang.id}/archive?year=2026"
    client, sent = signed_out_post(app, f"/console/deputies/{zhang.id}/points/corrections", f"http://localhost{page}")
    assert sent.status_code == 302
    location = urlsplit(sent.headers["Location"])
    assert location.path == "/console/login"
    assert parse_qs(location.query)["next"] == [f"{page}#draft"]
    assert flashes(client, sent) == [("flash-error", SIGNED_OUT)]

    signed = client.post(sent.headers["Location"], data={
        "username": "huaihua", "password": "password123", "csrf_token": token_from(client, sent.headers["Location"])})
    assert signed.status_code == 302 and signed.headers["Location"] == f"{page}#draft"


def test_without_a_referrer_or_from_another_site_the_form_goes_back_to_its_own_page(app, world):  # noqa: F811
    zhang = world["zhang"]
    for referrer in (None, f"https://evil.example.com/console/deputies/{zhang.id}/archive"):
        _, sent = signed_out_post(app, f"/console/deputies/{zhang.id}/points/corrections", referrer)
        location = urlsplit(sent.headers["Location"])
        assert parse_qs(location.query)["next"] == [f"/console/deputies/{zhang.id}/archive#draft"], referrer


def test_a_stale_form_of_a_signed_in_administrator_offers_the_way_back_to_its_page(huaihua, world):  # noqa: F811
    """Signed in again in another tab, the page open here carries the old session's token: nothing done, and
    a link back to the page rather than advice to reload (which would post the form again)."""
    zhang = world["zhang"]
    sent = huaihua.post(f"/console/deputies/{zhang.id}/points/corrections", data={"csrf_token": "stale", "points": "2"})
    assert sent.status_code == 400
    page = text(sent)
    assert "页面已过期（可能已在其他窗口重新登录），刚才的操作没有提交。请返回上一页，核对后重新提交。" in page
    assert f'href="/console/deputies/{zhang.id}/archive#draft">返回上一页</a>' in page
    assert "刷新" not in page
