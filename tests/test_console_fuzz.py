"""Exploratory fuzzing of the console (opt-in, with tests/test_api_fuzz.py's knobs): hypothesis fills the
发单 form, the new station and new deputy forms, the station and deputy edit forms, and the query strings of
the queue and the lists with odd values (huge numbers, NUL characters, dates that are none, ids of other
regions), as a region administrator and as a station administrator. On the demo's data besides (suggestions
at every step, activities, appointments), it posts the steps an administrator takes on a suggestion, an
appointment or an activity, points corrections, the rulebook, the working-day calendar, the accounts' forms,
and opens each item's page with odd query strings. No answer is a server error.

    FUZZ_EXAMPLES=200 .venv/bin/python -m pytest -q -p no:xdist tests/test_console_fuzz.py
"""
from collections import Counter, defaultdict

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from sqlalchemy import select

from backend.extensions import db
from tests.test_console_org_activities import sign_in, token_from, world  # noqa: F401 - fixtures

from .test_api_fuzz import EXAMPLES, SEED, demo  # noqa: F401 - fixture

pytestmark = pytest.mark.skipif(not EXAMPLES, reason="exploratory fuzzing: set FUZZ_EXAMPLES to run it")

ODD = [
    "", " ", "0", "-1", "1", "2", "1.5", "1e400", "-1e400", "nan", "inf", "9" * 30, "2147483647", "2147483648",
    "9223372036854775808", "27.56", "109.99", "91", "-181", "１２", "²", "\x00", "a\x00b", "<b>", "'", "%", "_",
    "2026-11-30T09:00", "2026-11-30T11:00", "2026-13-40T25:61", "0001-01-01T00:00", "9999-12-31T23:59",
    "2026-11-30", "0000-00-00", "99999-01-01", "center", "home", "point", "area", "county", "city", "national",
    "township", "reception", "inspection", "station", "place", "on", "true", "pending", "overdue", "x" * 5000,
]


def values(real_ids):
    text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
    return st.one_of(st.sampled_from(ODD), text, st.integers(-(2**70), 2**70).map(str),
                     st.sampled_from(real_ids).map(str))


def form(fields, real_ids):
    """A form: any subset of the fields, each with one or a few odd values."""
    value = values(real_ids)
    return st.dictionaries(st.sampled_from(fields), st.one_of(value, st.lists(value, max_size=3)), max_size=len(fields))


ACTIVITY = ["title", "type", "starts_at", "ends_at", "deputy_ids", "description", "points", "place_mode",
            "region_id", "place", "station_id"]
STATION = ["name", "kind", "region_id", "address", "lat", "lng", "open_hours", "description", "deputies_present",
           "deputy_ids"]
DEPUTY = ["name", "level", "term", "group", "phone", "active", "bio", "region_id", "station_ids",
          "stations_present"]
QUERY = ["status", "overdue", "due_soon", "supervised", "open", "category", "station_id", "deputy_id", "from", "to",
         "q", "sort", "page", "type", "level", "active", "region_id", "year", "group", "exclude", "limit",
         "activity_id", "record_page", "record_q", "public", "scope", "grade", "since", "until", "theme"]
LISTS = ["/console/suggestions", "/console/activities", "/console/stations", "/console/deputies",
         "/console/appointments", "/console/leaderboard", "/console/admins", "/console/deputy-options",
         "/console/station-options", "/console/suggestions/export.xlsx", "/console/appointments/export.xlsx",
         "/console/stats/export.xlsx", "/console/leaderboard/export.xlsx", "/console/activities/new",
         "/console/stations/new", "/console/deputies/new", "/console/rules", "/console/workdays", "/console/",
         "/console/evaluations", "/console/evaluations/export.xlsx", "/console/livelihood",
         "/console/livelihood/proposals", "/console/consultations", "/console/training",
         "/console/training/untrained.xlsx", "/console/liaisons", "/console/liaisons/export.xlsx", "/console/research",
         "/console/research/export.xlsx"]


def fuzzing(test):
    return seed(SEED)(settings(max_examples=EXAMPLES, deadline=None, database=None,
                               suppress_health_check=list(HealthCheck))(test))


@pytest.fixture(params=["huaihua", "chengbei"])
def console(request, app, world):  # noqa: F811
    ids = [world[key].id for key in ("chengbei", "yuelu", "zhang", "li", "far")]
    ids += [region.id for region in world["tree"].values()]
    return sign_in(app, request.param), world, ids


def no_server_error(response, what):
    assert response.status_code < 500, (what, response.status_code, response.get_data(as_text=True)[:2000])


def test_fuzz_console_forms(console):
    client, world, ids = console
    chengbei, zhang = world["chengbei"].id, world["zhang"].id
    targets = [("/console/activities/new", ACTIVITY), ("/console/stations/new", STATION),
               ("/console/deputies/new", DEPUTY), (f"/console/stations/{chengbei}", STATION),
               (f"/console/deputies/{zhang}", DEPUTY)]
    print(f"\nconsole forms: FUZZ_EXAMPLES={EXAMPLES} FUZZ_SEED={SEED}")

    @fuzzing
    @given(data=st.data())
    def answers(data):
        path, fields = data.draw(st.sampled_from(targets), label="form")
        sent = data.draw(form(fields, ids), label="fields")
        # A page the administrator may not open (a station administrator's 新建联络站) gives no token: the
        # session's token from the home page, so the post meets the refusal behind the CSRF check.
        token = token_from(client, path if client.get(path).status_code == 200 else "/console/")
        response = client.post(path, data={"csrf_token": token, **sent})
        no_server_error(response, (path, sent))

    answers()


def test_fuzz_console_query_strings(console):
    client, _, ids = console
    print(f"\nconsole query strings: FUZZ_EXAMPLES={EXAMPLES} FUZZ_SEED={SEED}")

    @fuzzing
    @given(path=st.sampled_from(LISTS), query=form(QUERY, ids))
    def answers(path, query):
        response = client.get(path, query_string=query)
        no_server_error(response, (path, query))

    answers()



# The forms an administrator posts on the demo's items: {placeholders} are real ids most of the time.
NOTE = ["note", "reason", "record", "form_key"]
ACTIONS = [
    ("/console/suggestions/{suggestion_id}/dispatch", ["deputy_id", "note"]),
    ("/console/suggestions/{suggestion_id}/reject", ["reason"]),
    ("/console/suggestions/{suggestion_id}/supervise", ["note"]),
    ("/console/suggestions/{suggestion_id}/forward", ["target", "department", "work_order_no", "note"]),
    ("/console/suggestions/{suggestion_id}/feedback", ["note", "department_satisfaction"]),
    ("/console/suggestions/{suggestion_id}/release", ["note"]),
    ("/console/suggestions/{suggestion_id}/merge", ["into"]),
    ("/console/appointments/{appointment_id}/confirm", ["meet_at", "place", "note"]),
    ("/console/appointments/{appointment_id}/decline", ["reason"]),
    ("/console/appointments/{appointment_id}/complete", ["record"]),
    ("/console/activities/{activity_id}/edit", ACTIVITY + ["add_deputy_ids", "remove_deputy_ids", "status", "q", "page"]),
    ("/console/activities/{activity_id}/close", []),
    ("/console/activities/{activity_id}/cancel", []),
    ("/console/activities/{activity_id}/participants/{deputy_id}/checkin", ["reason", "status", "q", "page"]),
    ("/console/deputies/{deputy_id}/points/corrections", ["points", "reason", "year"]),
    ("/console/stations/{station_id}/qr/reissue", []),
    ("/console/stations/{station_id}/qr/revoke", []),
    ("/console/deputies/{deputy_id}/qr/reissue", []),
    ("/console/deputies/{deputy_id}/qr/revoke", []),
    ("/console/deputies/{deputy_id}/unbind", []),
    ("/console/workdays", ["kind", "first", "last", "name"]),
    ("/console/workdays/remove", ["first"]),
    ("/console/admins/new", ["username", "display_name", "password", "password2", "kind", "region_id", "station_ids"]),
    ("/console/admins/{user_id}", ["display_name", "region_id", "stations_present", "station_ids"]),
    ("/console/admins/{user_id}/password", ["password", "password2"]),
    ("/console/admins/{user_id}/disabled", ["disabled"]),
    ("/console/password", ["current_password", "new_password", "new_password2"]),
    ("/console/consultations", ["region_id", "title", "summary", "text", "starts_at", "ends_at"]),
    ("/console/consultations/{consultation_id}/edit", ["title", "summary", "text", "starts_at", "ends_at"]),
    ("/console/consultations/{consultation_id}/open", []),
    ("/console/consultations/{consultation_id}/close", []),
    ("/console/consultations/{consultation_id}/opinions/{opinion_id}/feedback", ["result", "note", "article_id", "kind"]),
    ("/console/training/summon", ["activity_id", "region_id", "level", "since", "until"]),
    ("/console/liaisons", ["region_id", "name", "kind", "title"]),
    ("/console/liaisons/{liaison_id}/edit", ["name", "kind", "title", "active"]),
    ("/console/liaisons/{liaison_id}/deputies", ["deputy_ids"]),
    ("/console/liaisons/{liaison_id}/deputies/remove", ["deputy_ids"]),
    ("/console/liaisons/{liaison_id}/contacts", ["deputy_id", "date", "way", "summary", "opinions"]),
    ("/console/liaisons/contacts/{contact_id}/delete", []),
    ("/console/liaisons/{liaison_id}/delete", []),
    ("/console/research", ["region_id", "year", "title", "theme", "description", "due_date", "max_teams", "publish"]),
    ("/console/research/{topic_id}/edit", ["year", "title", "theme", "description", "due_date", "max_teams"]),
    ("/console/research/{topic_id}/publish", []),
    ("/console/research/{topic_id}/withdraw", []),
    ("/console/research/{topic_id}/delete", []),
    ("/console/research/reports/{report_id}/accept", []),
    ("/console/research/reports/{report_id}/return", ["reason"]),
    ("/console/research/reports/{report_id}/instruction", ["instructed_by", "date", "text"]),
]
PAGES = ["/console/suggestions/{suggestion_id}", "/console/suggestions/{suggestion_id}/merge-target",
         "/console/appointments/{appointment_id}", "/console/activities/{activity_id}",
         "/console/activities/{activity_id}/edit", "/console/activities/{activity_id}/attendance.json",
         "/console/activities/{activity_id}/screen", "/console/deputies/{deputy_id}",
         "/console/deputies/{deputy_id}/archive", "/console/deputies/{deputy_id}/archive.xlsx",
         "/console/stations/{station_id}", "/console/admins/{user_id}", "/console/audit", "/console/workdays",
         "/console/consultations/{consultation_id}", "/console/consultations/{consultation_id}/export",
         "/console/liaisons/{liaison_id}", "/console/research/{topic_id}"]
PAGE_QUERY = QUERY + ["into", "record_status", "remove_deputy_ids", "article_id", "kind", "cpage"]


@pytest.fixture(params=["hecheng", "chengbei", "admin"])
def demo_console(request, app, demo):  # noqa: F811
    """Signed in to the console on the demo's data, as 鹤城区's administrator, 城北联络站's or the province's (who
    manages 怀化市's 立法意见征集); the ids a form
    may name (the account's own aside: disabling it, or changing its password, ends the run's session)."""
    from backend.auth.models import User
    from backend.demo import DEMO_ADMIN, DEMO_STATION_ADMIN
    from backend.points.models import ScoringRule

    password = {"hecheng": "hecheng12345", "chengbei": DEMO_STATION_ADMIN[1], "admin": DEMO_ADMIN[1]}[request.param]
    with app.app_context():
        own = db.session.scalar(select(User.id).where(User.username == request.param))
        rules = db.session.scalars(select(ScoringRule.code)).all()
        db.session.remove()
    ids = {name: values for name, values in demo["ids"].items() if name != "user_id"}
    ids["user_id"] = [i for i in demo["ids"]["user_id"] if i != own]
    return sign_in(app, request.param, password), ids, rules


def real_or_odd(ids):
    return st.one_of(st.sampled_from(ids), st.sampled_from(ids), st.sampled_from(["0", "-1", "9" * 20, "x"]))


def test_fuzz_console_actions_on_the_demo(demo_console):
    """Every step's form, on real items at every step, with odd values; the steps change the data as they go
    (a later example meets what an earlier one did), which is a console's life too."""
    client, ids, rules = demo_console
    every_id = sorted({i for name, values in ids.items() if name.endswith("_id") for i in values})
    rule_fields = ["region_id"] + [f"{what}-{code}" for code in rules for what in ("reset", "cap", "label", "points",
                                                                                      "active")]
    targets = ACTIONS + [("/console/rules", rule_fields)]
    token = token_from(client, "/console/")
    print(f"\nconsole actions on the demo: FUZZ_EXAMPLES={EXAMPLES} FUZZ_SEED={SEED}")

    @fuzzing
    @given(data=st.data())
    def answers(data):
        template, fields = data.draw(st.sampled_from(targets), label="form")
        path = template.format(**{name: data.draw(real_or_odd(ids[name]), label=name)
                                  for name in ("suggestion_id", "appointment_id", "activity_id", "deputy_id",
                                               "station_id", "user_id", "consultation_id", "opinion_id", "liaison_id",
                                               "contact_id", "topic_id", "report_id")
                                  if "{" + name + "}" in template})
        sent = data.draw(form(fields, every_id), label="fields") if fields else {}
        response = client.post(path, data={"csrf_token": token, **sent})
        answered[template][response.status_code] += 1
        no_server_error(response, (path, sent))

    answered = defaultdict(Counter)
    try:
        answers()
    finally:  # what each form answered: a 302 is a step taken (or a page moved to)
        for template, statuses in sorted(answered.items()):
            print(f"  {template}: " + ", ".join(f"{n}×{status}" for status, n in sorted(statuses.items())))


def test_fuzz_console_item_pages_on_the_demo(demo_console):
    client, ids, _ = demo_console
    every_id = sorted({i for name, values in ids.items() if name.endswith("_id") for i in values})
    print(f"\nconsole item pages on the demo: FUZZ_EXAMPLES={EXAMPLES} FUZZ_SEED={SEED}")

    @fuzzing
    @given(data=st.data())
    def answers(data):
        template = data.draw(st.sampled_from(PAGES), label="page")
        path = template.format(**{name: data.draw(real_or_odd(ids[name]), label=name)
                                  for name in ("suggestion_id", "appointment_id", "activity_id", "deputy_id",
                                               "station_id", "user_id", "consultation_id", "opinion_id", "liaison_id",
                                               "contact_id", "topic_id", "report_id")
                                  if "{" + name + "}" in template})
        query = data.draw(form(PAGE_QUERY, every_id), label="query")
        response = client.get(path, query_string=query)
        no_server_error(response, (path, query))

    answers()
