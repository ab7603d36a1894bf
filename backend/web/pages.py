"""The citizens' tracking pages (/track/...) and the public pages (/public/...).

/q/{code} itself is served by ``backend.qr.routes`` (templates q_landing.html / q_unavailable.html);
the helpers those templates need (the reception plan, date formatting) are registered here, and so is
the answer to its form posted by a browser that did not run the page's script.

Public pages show only what anyone may see: stations and deputies' public profiles, published items
with personal data removed (the same query as GET /api/v1/public/suggestions), names and points,
and aggregate figures. Everything a user wrote goes through Jinja's autoescaping.
"""
from urllib.parse import urlencode

from flask import (
    Blueprint, current_app, make_response, redirect, render_template, request, send_from_directory, url_for,
)
from marshmallow import ValidationError
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from schemas.org import LatLng
from schemas.suggestions import PHONE

from ..activities import plan
from ..activities import report_poll as report_polls
from ..activities.report_poll_routes import public_view as report_poll_view
from ..consultations.models import Consultation, ConsultationStatus
from ..consultations.routes import open_query, public_consultation
from ..auth.scope import MAX_ID, get_by_id
from ..db_types import CHINA, utcnow
from ..errors import APIError
from ..forms import parse_int
from ..extensions import cache, db
from ..livelihood.routes import adopted_query, no_congress_note, public_project
from ..org import nearby
from ..org.congress import congress_level, nearest_congress
from ..org.models import Deputy, Region, Station, full_names, station_roster
from ..org.services import root_region
from ..pagination import paginate
from ..points.queries import current_year, leaderboard
from ..qr import routes as qr_routes
from ..qr import targets as qr_targets
from ..suggestions.models import SATISFACTION_LABELS, Suggestion
from ..suggestions.public_routes import published_item, published_query
from ..suggestions.stats import status_breakdown, suggestion_stats

bp = Blueprint("web", __name__)

PUBLISHED_PER_PAGE = 10
STATIONS_PER_PAGE = 30
ROSTER_PER_PAGE = 50  # a station's deputies on its 查看全部 page
LEADERBOARD_SIZE = 100
LIVELIHOOD_PER_PAGE = 10


# --- template helpers (also used by q_landing.html) ---------------------------------------------


@bp.app_template_filter("cn_datetime")
def cn_datetime(value):
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if value else ""


@bp.app_template_filter("cn_date")
def cn_date(value):
    return value.astimezone(CHINA).strftime("%Y-%m-%d") if value else ""


@bp.app_template_filter("cn_deadline")
def cn_deadline(value, now=None):
    """A deadline as citizens read it: the day, and the time too when it is today or tomorrow (截至
    2026-11-28 20:13: a draft closing this evening), China time."""
    if not value:
        return ""
    today = (now or utcnow()).astimezone(CHINA).date()
    if (value.astimezone(CHINA).date() - today).days <= 1:
        return cn_datetime(value)
    return cn_date(value)


@bp.app_template_filter("percent")
def percent(rate):
    return "—" if rate is None else f"{rate * 100:.1f}%"


@bp.app_template_filter("duration")
def duration(hours):
    """Average handling times: hours up to two days, then days."""
    if hours is None:
        return "—"
    return f"{hours:.1f} 小时" if hours < 48 else f"{hours / 24:.1f} 天"


@bp.app_template_global()
def reception_plan(station_id=None, deputy_id=None, limit=8):
    """Upcoming reception days (接待计划) at a station or with a deputy; see ``activities.plan``."""
    return plan.reception_plan(station_id=station_id, deputy_id=deputy_id, limit=limit)


@bp.app_template_filter("receivers")
def receivers_text(day):
    """A reception day's deputies as the pages say them: "张伟、李娜", or "张伟、李娜等 40 位代表" when the
    plan names only the first of them."""
    names = "、".join(day["deputies"])
    total = day.get("deputies_total", len(day["deputies"]))
    return f"{names}等 {total} 位代表" if total > len(day["deputies"]) else names


@bp.app_template_global()
def phone_rule():
    """The API's rule for a contact phone (schemas.suggestions.PHONE), for a form to check it the same
    way before sending: ``{"pattern", "message"}``."""
    return {"pattern": PHONE.regex.pattern, "message": PHONE.error}


@bp.app_template_global()
def amap_link(station):
    """An outbound link to the station on AMap, where 导航 starts the route (opened only when the user
    taps it; the page loads nothing). ``station``: a Station or its public profile; AMap reads the
    position as GCJ-02, the system stations are kept in (see ``org.nearby``)."""
    lat, lng = _field(station, "lat"), _field(station, "lng")
    if lat is None or lng is None:
        return None
    return "https://uri.amap.com/marker?" + urlencode({
        "position": f"{lng:.6f},{lat:.6f}", "name": _field(station, "name"), "src": "mashangban",
    })


def _field(obj, name):
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name)


@bp.app_template_filter("distance")
def distance(meters):
    """How far a station is: 350 米, 1.2 公里, 126 公里."""
    return nearby.distance_text(meters)


def _page_arg(maximum=10000):
    return parse_int(request.args.get("page"), 1, maximum) or 1


# --- /q/{code} posted without its script --------------------------------------------------------


@bp.post("/q/<code>")
def landing_posted(code):
    """The filing form sent by a browser that did not run landing.js (scripts off, or the script did
    not load). The script files through the API with the browser's identity; this only gives the page
    back as it was typed, with a notice that it was not filed. The form posts rather than gets so the
    text and phone number stay out of the address bar, history and logs."""
    try:
        qr, target = qr_targets.resolve_live(code)
    except APIError:
        return qr_routes.landing(code)  # an unknown or withdrawn code: the page it opens to
    form = request.form
    if form.get("form") == "appointment":
        return _appointment_posted(qr, target, form)
    category = form.get("category", "")
    posted = {
        "category": category if category in current_app.config["SUGGESTION_CATEGORIES"] else "",
        "content": form.get("content", "").replace("\x00", "")[:1000],
        "contact_phone": form.get("contact_phone", "").replace("\x00", "")[:20],
        "anonymous": bool(form.get("anonymous")),
        "public_consent": bool(form.get("public_consent")),
    }
    response = make_response(render_template(
        "q_landing.html", kind=qr.target_kind.value, code=qr.code, profile=qr_targets.public_profile(qr, target),
        posted=posted,
    ))
    response.headers["Cache-Control"] = "no-store"  # it holds what was typed, the phone number too
    return response


def _appointment_posted(qr, target, form):
    """The 约见代表 form sent without landing's scripts: given back as typed, with a notice, as the
    filing form is (nothing is requested: the request needs the browser's identity, kept by the script)."""
    day = form.get("activity_id", "")
    posted = {
        "topic": form.get("topic", "").replace("\x00", "")[:500],
        "name": form.get("name", "").replace("\x00", "")[:20],
        "contact_phone": form.get("contact_phone", "").replace("\x00", "")[:20],
        "activity_id": day if day == "other" or (day.isdigit() and len(day) <= 10) else "",
        "preferred_time": form.get("preferred_time", "").replace("\x00", "")[:100],
    }
    response = make_response(render_template(
        "q_landing.html", kind=qr.target_kind.value, code=qr.code, profile=qr_targets.public_profile(qr, target),
        appointment_posted=posted,
    ))
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the site's icon -----------------------------------------------------------------------------


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links (the console's pages link none): the
    same small SVG the pages link."""
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400)


# --- citizens: following what they filed in this browser ----------------------------------------


@bp.get("/track/")
def my_suggestions():
    """The items filed from this browser (read by the page's script with the browser's identity)."""
    return render_template("public/my_suggestions.html")


@bp.get("/track/<int:suggestion_id>")
def track(suggestion_id):
    """The private tracking link: works in the browser that filed the item (its identity is in localStorage)."""
    if not 0 < suggestion_id <= MAX_ID:
        return render_template("public/not_found.html", message="没有找到这条建议。"), 404
    return render_template("public/track.html", suggestion_id=suggestion_id,
                           satisfaction_labels=SATISFACTION_LABELS)


# --- citizens: following an appointment (约见代表) requested in this browser ---------------------


@bp.get("/appointments/<int:appointment_id>")
def appointment(appointment_id):
    """The private page of an appointment: a shell the page's script fills in with the browser's
    identity (GET /api/v1/appointments/{id}); nothing of the request is in the page itself, and, as for
    /track/, not even whether it exists (the API tells only those who may see it)."""
    if not 0 < appointment_id <= MAX_ID:
        return render_template("public/not_found.html", message="没有找到这个约见。"), 404
    return render_template("public/appointment.html", appointment_id=appointment_id)


# --- public pages -------------------------------------------------------------------------------


@bp.get("/public/")
def public_home():
    return redirect(url_for("web.stations"))


@bp.get("/public/stations")
def stations():
    """Every station, searchable by name, address or region name; with ``near`` (查找附近的联络站:
    the browser's position, WGS-84 as navigator.geolocation gives it) nearest first, with the distance.
    A ``near`` that is not a position is ignored with a notice. ``region_id`` (where a closed station's
    pages lead) keeps the stations of that region and the regions under it; one that names no region is
    ignored."""
    q = request.args.get("q", "").replace("\x00", "").strip()[:50]
    near, near_notice = _near_arg()
    region = _region_arg()[0] if request.args.get("region_id") else None
    query = (select(Station).join(Region, Station.region_id == Region.id).where(Station.closed_dt.is_(None))
             .options(selectinload(Station.region)))
    if region is not None:
        query = query.where(Region.path.startswith(region.path, autoescape=True))
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        query = query.where(or_(Station.name.like(like), Station.address.like(like), Region.name.like(like)))
    here = nearby.gcj02_from_wgs84(*near) if near else None
    if here:
        query = nearby.order_by_distance(query, *here)
    else:
        query = query.order_by(Region.path, Station.name, Station.id)
    page = paginate(query, {"page": _page_arg(), "per_page": STATIONS_PER_PAGE})
    distances = {
        s.id: nearby.distance_m(here[0], here[1], s.lat, s.lng)
        for s in page["items"] if s.lat is not None and s.lng is not None
    } if here else {}
    return render_template(
        "public/stations.html", page=page, q=q, pages=_pages(page), distances=distances,
        near=f"{near[0]:.5f},{near[1]:.5f}" if near else None, near_notice=near_notice, region=region,
    )


def _near_arg():
    """(lat, lng) from ``near=lat,lng``, read as the API reads it; or None, with a notice when the
    value was not a position."""
    value = request.args.get("near", "").strip()
    if not value:
        return None, None
    try:
        near = LatLng().deserialize(value[:100])
    except ValidationError:
        return None, "未能识别位置信息，联络站仍按区域排列。可以重新点击“查找附近的联络站”，或按名称查找。"
    if nearby.outside_china(*near):
        return None, "您的位置不在国内，附近没有联络站，联络站仍按区域排列。可以按名称、地址或区域查找。"
    return near, None


@bp.get("/public/stations/<int:station_id>")
def station(station_id):
    station = get_by_id(Station, station_id)
    if station is None:
        return render_template("public/not_found.html", message="没有找到这个联络站。"), 404
    deputies, deputies_total = station_roster(station.id)  # the first of them; 查看全部 has them all
    query = published_query().where(Suggestion.station_id == station.id)
    page = paginate(query, {"page": _page_arg(), "per_page": PUBLISHED_PER_PAGE})
    page["items"] = [published_item(item) for item in page["items"]]
    return render_template(
        "public/station.html", station=station, deputies=deputies, deputies_total=deputies_total,
        map_link=amap_link(station), congress=nearest_congress(station.region),
        instead=nearby.open_instead(station) if station.closed else None,
        plan=reception_plan(station_id=station.id), published=page, pages=_pages(page),
        satisfaction_labels=SATISFACTION_LABELS,
    )


@bp.get("/public/stations/<int:station_id>/deputies")
def station_deputies(station_id):
    """进站代表, all of them (查看全部): a district's station may receive hundreds, so they are paged, in the
    roster's order, and found by name (``q``)."""
    station = get_by_id(Station, station_id)
    if station is None:
        return render_template("public/not_found.html", message="没有找到这个联络站。"), 404
    q = request.args.get("q", "").replace("\x00", "").strip()[:50]
    number = _page_arg()
    deputies, total = station_roster(station.id, limit=ROSTER_PER_PAGE, offset=(number - 1) * ROSTER_PER_PAGE, q=q)
    page = {"items": deputies, "total": total, "page": number, "per_page": ROSTER_PER_PAGE}
    return render_template("public/station_deputies.html", station=station, page=page, q=q, pages=_pages(page))


@bp.get("/public/deputies/<int:deputy_id>")
def deputy(deputy_id):
    """A deputy's public page: the public profile (as GET /api/v1/deputies/{id} shows anyone, so only
    a deputy in office), reception days, and the items they handled that may be published, whether or
    not they are received at a station (a deputy with none has their items on no station's page)."""
    deputy = get_by_id(Deputy, deputy_id)
    if deputy is None or not deputy.active:
        return render_template("public/not_found.html", message="没有找到这位代表。"), 404
    query = published_query().where(Suggestion.deputy_id == deputy.id)
    page = paginate(query, {"page": _page_arg(), "per_page": PUBLISHED_PER_PAGE})
    page["items"] = [published_item(item) for item in page["items"]]
    return render_template(
        "public/deputy.html", deputy=deputy, plan=reception_plan(deputy_id=deputy.id), published=page,
        pages=_pages(page), satisfaction_labels=SATISFACTION_LABELS,
    )


def _region_arg():
    """The region ``region_id`` names: (region, False); without one the root (the whole deployment);
    (None, True) when it names none."""
    raw = request.args.get("region_id", "").strip()
    if not raw:
        return root_region(), False
    number = parse_int(raw)
    region = get_by_id(Region, number) if number else None
    return region, region is None


@bp.get("/public/livelihood")
def livelihood_projects():
    """民生实事项目: the projects adopted in a region's (and its subtree's) closed rounds and their
    progress, as GET /api/v1/public/livelihood gives them — nothing personal; the regions above and
    below it to move to; the way to propose one (群众下单) and to one's own proposals."""
    region, unknown = _region_arg()
    if unknown:
        return render_template("public/not_found.html", message="没有找到这个地区。"), 404
    if region is None:  # no region tree yet
        page = {"items": [], "total": 0, "page": 1, "per_page": LIVELIHOOD_PER_PAGE}
        return render_template("public/livelihood.html", region=None, page=page, pages=_pages(page),
                               trail=[], below=[], congress=None)
    congress = nearest_congress(region)
    below = db.session.scalars(select(Region).where(Region.parent_id == region.id, Region.level != "village")
                               .order_by(Region.name, Region.id)).all()
    trail = region.ancestors_and_self()[:-1]
    if congress is not region:
        # A 街道 or a village: no congress, no round of its own, ever (livelihood.services.refuse_village) — the page
        # points to the congress above whose projects cover it, instead of an empty list.
        page = {"items": [], "total": 0, "page": 1, "per_page": LIVELIHOOD_PER_PAGE}
        return render_template("public/livelihood.html", region=region, page=page, pages=_pages(page), trail=trail,
                               below=below, congress=congress, no_congress=no_congress_note(region, congress))
    page = paginate(adopted_query(region), {"page": _page_arg(), "per_page": LIVELIHOOD_PER_PAGE})
    page["items"] = [public_project(project) for project in page["items"]]
    return render_template("public/livelihood.html", region=region, page=page, pages=_pages(page),
                           trail=trail, below=below, congress=congress)


# --- citizens: 群众下单 and 我的民生建议 in a phone browser ------------------------------------------


def _congress_choices(region):
    """The congresses a citizen of ``region`` may propose to: its own (a village's township; a 街道's or
    its villages', the district's: org.congress.congress_level) and those above it, nearest first, as
    (region, label)."""
    chain = [r for r in region.ancestors_and_self() if congress_level(r) is not None] if region else []
    return [(r, f"{r.name}人大") for r in reversed(chain)]


def _propose_page(region, posted=None, preselect=True):
    """``preselect``: the nearest congress chosen to begin with — not when the page was opened without a
    region (its choices are then the province's alone: the citizen must choose, or find their own region
    first, rather than send a local matter to the province by default)."""
    choices = _congress_choices(region)
    chosen = posted.get("region_id") if posted else (choices[0][0].id if choices and preselect else None)
    response = make_response(render_template(
        "public/livelihood_propose.html", region=region, choices=choices, chosen=chosen, posted=posted or {},
        full_name=full_names([region])[region.id] if region else ""))
    if posted:
        response.headers["Cache-Control"] = "no-store"  # it holds what was typed, the phone number too
    return response


@bp.get("/livelihood/propose")
def livelihood_propose():
    """群众下单 in a phone browser: the form posts through the API with the browser's identity
    (static/web/livelihood-propose.js); ``region_id``: where the citizen came from (a region's 民生实事
    page), whose congress, or one above it, they propose to."""
    region, unknown = _region_arg()
    if unknown:
        return render_template("public/not_found.html", message="没有找到这个地区。"), 404
    return _propose_page(region, preselect=bool(request.args.get("region_id", "").strip()))


@bp.post("/livelihood/propose")
def livelihood_propose_posted():
    """The form sent by a browser that did not run its script: given back as typed, with a notice that
    it was not sent (sending needs the browser's identity, kept by the script)."""
    form = request.form
    region_id = parse_int(form.get("region_id"))
    # The region the page was opened for (its choices), else the congress chosen, else the whole tree's.
    region = get_by_id(Region, parse_int(form.get("origin"))) or get_by_id(Region, region_id) or root_region()
    posted = {
        "region_id": region_id if region_id in {r.id for r, _ in _congress_choices(region)} else None,
        "title": form.get("title", "").replace("\x00", "")[:60],
        "content": form.get("content", "").replace("\x00", "")[:1000],
        "contact_phone": form.get("contact_phone", "").replace("\x00", "")[:20],
        "sent": True,
    }
    return _propose_page(region, posted)


# --- 立法意见征集: a draft regulation read, and an opinion given, in a phone browser --------------------------


@bp.app_template_global()
def open_consultations(region=None, station_id=None, limit=5):
    """The drafts open for comment that a citizen of ``region`` (or of station ``station_id``'s: on its
    page and its /q/ landing, the station acting as a 基层立法联系点) is asked about: its own congress's
    and those above, ending first first."""
    if station_id is not None:
        station = get_by_id(Station, station_id)
        region = station.region if station is not None else None
    if region is None:
        return []
    return db.session.scalars(open_query(region).limit(limit)).all()


def _consultation_page(consultation_id, posted=None):
    consultation = get_by_id(Consultation, consultation_id)
    if consultation is None or consultation.status == ConsultationStatus.draft:
        return render_template("public/not_found.html", message="没有找到这项立法意见征集。"), 404
    response = make_response(render_template("public/consultation.html", c=public_consultation(consultation),
                                             posted=posted or {}))
    if posted:
        response.headers["Cache-Control"] = "no-store"  # it holds what was typed, the phone number too
    return response


@bp.get("/public/consultations/<int:consultation_id>")
def consultation(consultation_id):
    """立法意见征集: the draft by article, as GET /api/v1/public/consultations/{id} gives it, and the form
    to give an opinion (static/web/consultation.js, with the browser's identity), with 我的意见 below."""
    return _consultation_page(consultation_id)


@bp.post("/public/consultations/<int:consultation_id>")
def consultation_posted(consultation_id):
    """The opinion form sent by a browser that did not run its script: given back as typed, with a notice
    that it was not sent."""
    form = request.form
    posted = {"article_id": parse_int(form.get("article_id")),
              "content": form.get("content", "").replace("\x00", "")[:2000],
              "contact_phone": form.get("contact_phone", "").replace("\x00", "")[:20], "sent": True}
    return _consultation_page(consultation_id, posted)


@bp.get("/report-poll/<token>")
def report_poll(token):
    """述职测评: the page the printed code opens — the reporting deputies, each with 满意 / 基本满意 /
    不满意, an optional comment, sent by static/web/report-poll.js with the browser's identity (POST
    /api/v1/report-polls/{token}/ballots); outside the window it says 测评尚未开始 or 测评已结束."""
    poll = report_polls.by_token(token)
    if poll is None:
        return render_template("public/not_found.html", message="没有找到这项述职测评，请扫描会场张贴的测评二维码。"), 404
    response = make_response(render_template("public/report_poll.html", p=report_poll_view(poll), token=poll.token))
    response.headers["Cache-Control"] = "no-store"  # its phase changes with the administrator's open and close
    return response


@bp.get("/livelihood/mine")
def livelihood_mine():
    """我的民生建议: the proposals made from this browser and what became of them (read by the page's
    script with the browser's identity)."""
    return render_template("public/livelihood_mine.html")


@bp.get("/public/leaderboard")
def points_leaderboard():
    """履职积分榜: names and points only."""
    this_year = current_year()
    year = parse_int(request.args.get("year"), this_year - 10, this_year) or this_year
    rows = leaderboard(year, limit=LEADERBOARD_SIZE)
    return render_template("public/leaderboard.html", rows=rows, year=year,
                           years=list(range(this_year, this_year - 3, -1)))


@cache.cached(key_prefix="public-stats", unless=lambda: current_app.config["PUBLIC_STATS_CACHE_SECONDS"] <= 0)
def _deployment_figures():
    """The whole deployment's figures and when they were computed: at most once per
    PUBLIC_STATS_CACHE_SECONDS, for anyone who asks (reading every item takes seconds at a province's size)."""
    return {
        "figures": suggestion_stats(select(Suggestion)),
        # open stations only: a closed one (停用) receives no one
        "stations": db.session.scalar(select(func.count()).select_from(Station).where(Station.closed_dt.is_(None))),
        "deputies": db.session.scalar(select(func.count()).select_from(Deputy).where(Deputy.active.is_(True))),
        "as_of": utcnow(),
    }


@bp.get("/public/stats")
def stats():
    """Headline figures for the whole deployment: counts and rates only."""
    snapshot = _deployment_figures()
    figures = snapshot["figures"]
    by_status = [(label, count) for _, label, count in status_breakdown(figures) if count]
    by_category = sorted(figures["by_category"].items(), key=lambda kv: (-kv[1], kv[0]))
    return render_template(
        "public/stats.html", figures=figures, counts=snapshot, by_status=_bars(by_status),
        by_category=_bars(by_category), as_of=snapshot["as_of"].astimezone(CHINA),
        refresh_minutes=-(-current_app.config["PUBLIC_STATS_CACHE_SECONDS"] // 60),
    )


def _bars(pairs):
    """(label, count, share of the largest as a percentage for the bar's width)."""
    largest = max((count for _, count in pairs), default=0)
    return [(label, count, round(count * 100 / largest, 1) if largest else 0) for label, count in pairs]


def _pages(page):
    last = max(1, -(-page["total"] // page["per_page"]))
    return {"current": page["page"], "last": last,
            "prev": page["page"] - 1 if page["page"] > 1 else None,
            "next": page["page"] + 1 if page["page"] < last else None}
