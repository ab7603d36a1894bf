"""Exploratory fuzzing of the console (opt-in, with tests/test_api_fuzz.py's knobs): hypothesis fills the
发单 form, the new station and new deputy forms, the station and deputy edit forms, and the query strings of
the queue and the lists with odd values (huge numbers, NUL characters, dates that are none, ids of other
regions), as a region administrator and as a station administrator. No answer is a server error.

    FUZZ_EXAMPLES=200 .venv/bin/python -m pytest -q -p no:xdist tests/test_console_fuzz.py
"""
import os

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests.test_console_org_activities import sign_in, token_from, world  # noqa: F401 - fixtures

from .test_api_fuzz import EXAMPLES, SEED

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
         "activity_id", "record_page", "record_q", "public", "scope"]
LISTS = ["/console/suggestions", "/console/activities", "/console/stations", "/console/deputies",
         "/console/appointments", "/console/leaderboard", "/console/admins", "/console/deputy-options",
         "/console/station-options", "/console/suggestions/export.xlsx", "/console/appointments/export.xlsx",
         "/console/stats/export.xlsx", "/console/leaderboard/export.xlsx", "/console/activities/new",
         "/console/stations/new", "/console/deputies/new", "/console/rules", "/console/workdays", "/console/"]


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
        token = token_from(client, path) if client.get(path).status_code == 200 else ""
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

