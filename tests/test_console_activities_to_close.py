"""Activities that have ended and still wait for 结单 (which credits the deputies' 履职积分): listed first, marked
待结单, a filter of their own and a count on the 工作台 that leads to them."""
import html
import re
from datetime import datetime, timedelta, timezone

from .test_console_org_activities import (  # noqa: F401  (fixtures)
    dispatch_form,
    huaihua,
    local,
    post,
    station_admin,
    text,
    world,
)

TITLE_LINK = re.compile(r'<a href="/console/activities/\d+">([^<]+)</a>')


def dispatched(client, world, title, starts, hours=2, **extra):  # noqa: F811
    created = post(client, "/console/activities/new", dispatch_form(
        world, [world["zhang"]], title=title, starts_at=local(starts), ends_at=local(starts + timedelta(hours=hours)), **extra))
    assert created.status_code == 302, text(created)
    return int(created.headers["Location"].rsplit("/", 1)[1])


def test_ended_activities_to_close_come_first_with_a_badge_a_filter_and_a_count(station_admin, world, monkeypatch):  # noqa: F811
    import backend.console.activities as console_activities

    now = datetime.now(timezone.utc)
    ended = dispatched(station_admin, world, "昨天的进站接待", now - timedelta(hours=20))
    for n in range(3):
        dispatched(station_admin, world, f"下月进站接待 {n}", now + timedelta(days=20 + n))
    closed = dispatched(station_admin, world, "上午的进站接待", now - timedelta(hours=10), hours=1)
    assert post(station_admin, f"/console/activities/{closed}/close", {}, page=f"/console/activities/{closed}").status_code == 302

    monkeypatch.setattr(console_activities, "PER_PAGE", 2)
    listed = text(station_admin.get("/console/activities"))
    assert TITLE_LINK.findall(listed)[0] == "昨天的进站接待"
    row = re.search(r"<tr>\s*<td><a href=\"/console/activities/%d\">.*?</tr>" % ended, listed, re.S).group(0)
    assert '<span class="badge act-to-close">待结单</span>' in row
    assert '<option value="to_close" >待结单</option>' in listed

    to_close = text(station_admin.get("/console/activities?status=to_close"))
    assert TITLE_LINK.findall(to_close) == ["昨天的进站接待"] and "共 1 条" in to_close
    assert '<option value="to_close" selected>待结单</option>' in to_close
    # 已发单 still lists every activity published, the one to close first.
    published = TITLE_LINK.findall(text(station_admin.get("/console/activities?status=published&page=1")))
    assert published[0] == "昨天的进站接待"

    dashboard = text(station_admin.get("/console/"))
    card = re.search(r'<a class="kpi[^"]*" href="([^"]+)"><span class="kpi-label">待结单活动</span><strong id="kpi-to-close">(\d+)</strong>',
                     dashboard)
    assert card and card.group(2) == "1"
    assert TITLE_LINK.findall(text(station_admin.get(html.unescape(card.group(1))))) == ["昨天的进站接待"]
