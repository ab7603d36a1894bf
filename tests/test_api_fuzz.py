"""Exploratory fuzzing of the HTTP API (opt-in): schemathesis sends hundreds of generated requests per
operation, valid and invalid, as each kind of caller, on the demo's data (its people, suggestions at every
step, activities, an appointment), with real ids where a path, a query or a body names one.

Off by default (``make test`` skips it); run it with a number of examples per operation::

    FUZZ_EXAMPLES=300 .venv/bin/python -m pytest -q -p no:xdist tests/test_api_fuzz.py
    FUZZ_EXAMPLES=300 FUZZ_SEED=1234 ...      # replay a run (the seed is printed, and named in failures)
    FUZZ_CALLERS=citizen,deputy ...           # only some callers
    FUZZ_OPERATIONS='suggestions' ...         # only operations whose path contains this text (a regex);
                                              # chains then go among those operations only

Checks on every answer: never a 5xx; the status code and content type are documented; the body matches the
documented schema; every 4xx body is the contract's error JSON with a message in Chinese. Operations whose
valid bodies generation alone seldom builds (``VALID_BODIES``: a 约见 naming a real code) mostly start from a
valid body, and must be accepted often enough as the callers who may be (``ACCEPTED_AS``). The stateful test
lets schemathesis chain operations through the links it infers (a created item's id into the next call).
"""
import json
import os
import random
import re
from collections import Counter, defaultdict

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from backend.extensions import cache, db, limiter

from .test_openapi import COMMITTED

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 0)
SEED = int(os.environ.get("FUZZ_SEED") or random.randrange(2**32))
CALLERS = ["anonymous", "citizen", "deputy", "station_admin", "region_admin", "super_admin"]
CHOSEN_CALLERS = [c for c in os.environ.get("FUZZ_CALLERS", ",".join(CALLERS)).split(",") if c]
OPERATIONS = re.compile(os.environ.get("FUZZ_OPERATIONS") or ".")

pytestmark = pytest.mark.skipif(not EXAMPLES, reason="exploratory fuzzing: set FUZZ_EXAMPLES to run it")

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def contract_error_body(ctx, response, case):
    """A 4xx answer is the contract's error JSON: {"error": code, "message": 中文, "errors"?: {...}}."""
    if not 400 <= response.status_code < 500:
        return None
    assert response.headers.get("content-type", [""])[0].startswith("application/json"), (
        f"{response.status_code} answered with {response.headers.get('content-type')}, not the error JSON")
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], body
    assert isinstance(body.get("message"), str) and CHINESE.search(body["message"]), body
    assert set(body) <= {"error", "message", "errors"}, body
    if "errors" in body:
        assert isinstance(body["errors"], dict), body
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          contract_error_body]


@pytest.fixture
def demo(app):
    """The demo's organisation and stories, a region administrator of 鹤城区 besides, and the real ids a
    path may name."""
    from backend.auth.models import User
    from backend.auth.services import create_admin
    from backend.demo import load_demo
    from backend.demo_stories import play
    from backend.activities.models import Activity, ActivityParticipant, ActivityStatus, ActivityType, ParticipantStatus
    from backend.db_types import utcnow
    from backend.appointments.models import Appointment
    from backend.consultations.models import Consultation, ConsultationArticle, ConsultationOpinion
    from backend.liaisons.models import Liaison, LiaisonContact
    from backend.research.models import ResearchReport, ResearchTeam, ResearchTopic
    from backend.org.models import Deputy, Region, Station
    from backend.points.models import ScoringRule
    from backend.qr.models import QRCode, QRKind
    from backend.suggestions.models import Suggestion
    from backend.uploads.models import Upload

    with app.app_context():
        load_demo()
        db.session.commit()
        play()
        hecheng = db.session.scalar(select(Region).where(Region.name == "鹤城区"))
        create_admin("hecheng", "hecheng12345", hecheng, display_name="鹤城区管理员")
        db.session.commit()
        users = {
            "citizen": db.session.scalar(select(User.id).where(User.openid == "demo-citizen-1")),
            "deputy": db.session.scalar(select(User.id).where(User.openid.like("demo-deputy-%")).order_by(User.id)),
            "station_admin": db.session.scalar(select(User.id).where(User.username == "chengbei")),
            "region_admin": db.session.scalar(select(User.id).where(User.username == "hecheng")),
            "super_admin": db.session.scalar(select(User.id).where(User.username == "admin")),
        }
        ids = {
            "region_id": db.session.scalars(select(Region.id)).all(),
            "station_id": db.session.scalars(select(Station.id)).all(),
            "deputy_id": db.session.scalars(select(Deputy.id)).all(),
            "suggestion_id": db.session.scalars(select(Suggestion.id)).all(),
            "activity_id": db.session.scalars(select(Activity.id)).all(),
            "appointment_id": db.session.scalars(select(Appointment.id)).all(),
            "user_id": db.session.scalars(select(User.id)).all(),
            "code": db.session.scalars(select(QRCode.code)).all() + db.session.scalars(select(ScoringRule.code)).all(),
            "key": db.session.scalars(select(Upload.key)).all(),
            "upload_id": db.session.scalars(select(Upload.id)).all(),
            "consultation_id": db.session.scalars(select(Consultation.id)).all(),
            "article_id": db.session.scalars(select(ConsultationArticle.id)).all(),
            "opinion_id": db.session.scalars(select(ConsultationOpinion.id)).all(),
            "liaison_id": db.session.scalars(select(Liaison.id)).all(),
            "contact_id": db.session.scalars(select(LiaisonContact.id)).all(),
            "topic_id": db.session.scalars(select(ResearchTopic.id)).all(),
            "team_id": db.session.scalars(select(ResearchTeam.id)).all(),
            "report_id": db.session.scalars(select(ResearchReport.id)).all(),
        }
        # For valid 约见 bodies (``appointment_body``): the codes a request may name (a deputy's, a station's),
        # and for each the reception days (接待选民) it may choose: upcoming, at that station or with that deputy.
        codes = db.session.execute(select(QRCode.code, QRCode.target_kind, QRCode.target_id).where(
            QRCode.revoked_dt.is_(None), QRCode.target_kind.in_([QRKind.deputy, QRKind.station]))).all()
        days = db.session.execute(select(Activity.id, Activity.station_id).where(
            Activity.type == ActivityType.reception, Activity.status == ActivityStatus.published,
            Activity.ends_dt > utcnow())).all()
        taking_part = db.session.execute(select(ActivityParticipant.activity_id, ActivityParticipant.deputy_id).where(
            ActivityParticipant.activity_id.in_([day.id for day in days]),
            ActivityParticipant.status != ParticipantStatus.declined)).all()
        reception_days = {code: [day.id for day in days if day.station_id == target] if kind is QRKind.station
                          else [a for a, deputy in taking_part if deputy == target] for code, kind, target in codes}
        # Every row as the stories left them, for ``restore``.
        with db.engine.connect() as conn:
            rows = {table: [dict(row._mapping) for row in conn.execute(table.select())]
                    for table in db.metadata.sorted_tables}
        db.session.remove()
    return {"users": users, "ids": {name: values for name, values in ids.items() if values}, "rows": rows,
            "reception_days": reception_days}


def restore(app, demo):
    """The demo's data back as it was, before an operation's examples (one operation's requests, revoking
    codes or closing activities, leave the next its own chances) and before each chain (which hypothesis
    replays: it must start where it started)."""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
            for table, rows in demo["rows"].items():
                if rows:
                    conn.execute(table.insert(), rows)
        cache.clear()
    limiter.reset()


# Body and query fields naming an id of another kind than their name says.
ID_KINDS = {"parent_id": "region_id", "set_by_region_id": "region_id", "into_id": "suggestion_id",
            "admin_user_ids": "user_id", "add_deputy_ids": "deputy_id", "remove_deputy_ids": "deputy_id",
            "attachment_ids": "upload_id"}


class DrawnIds:
    """Real ids as hypothesis draws them (replayed and shrunk with the rest of the example)."""

    def __init__(self, data):
        self.data = data

    def chance(self, label):
        return bool(self.data.draw(st.integers(0, 3), label=label))

    def one(self, values, label):
        return self.data.draw(st.sampled_from(values), label=label)

    def some(self, values, label):
        return self.data.draw(st.lists(st.sampled_from(values), max_size=4, unique=True), label=label)


class SeededIds:
    """Real ids chosen from a generator seeded with the request as generated: the same request gets the same
    ids when hypothesis replays a chain."""

    def __init__(self, case):
        self.random = random.Random(f"{case.operation.label} {case.path_parameters} {case.query} {case.body}")

    def chance(self, label):
        return self.random.randrange(4) != 0

    def one(self, values, label):
        return self.random.choice(values)

    def some(self, values, label):
        return self.random.sample(values, self.random.randint(0, min(4, len(values))))


def with_real_ids(fields, real_ids, choose, where, keep=()):
    """Most of the time, a real id (or a few) in a field generated with an id's name: a random number seldom
    names a station or a deputy, and a request naming none is refused before the code behind it runs.
    Fields in ``keep`` stay as they are."""
    if not isinstance(fields, dict):
        return
    for name in list(fields):
        kind = ID_KINDS.get(name) or (name[:-1] if name.endswith("_ids") else name)
        if name in keep or kind not in real_ids or not choose.chance(f"real {where} {name}?"):
            continue
        if name.endswith("_ids"):
            fields[name] = choose.some(real_ids[kind], name)
        else:
            fields[name] = choose.one(real_ids[kind], name)


# Text a Text or Line field takes: letters, digits, punctuation and spaces, not blank.
def _words(max_size):
    return st.text(st.characters(categories=("L", "N", "P", "Zs")), min_size=1, max_size=max_size).filter(str.strip)


def appointment_body(data, demo):
    """A valid body of POST /appointments (约见), drawn: each field the real schema requires, with a value that
    passes (a real deputy's or station's code, a phone), and what the service asks beyond the schema: a
    reception day that code may choose, or else a preferred time. A body generated from the document alone
    almost never names a real code, and is refused before the code behind it runs."""
    from schemas.appointments import AppointmentIn

    valid = {"qr_code": st.sampled_from(sorted(demo["reception_days"])), "topic": _words(500),
             "contact_phone": st.from_regex(r"1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}", fullmatch=True)}
    # A field the schema comes to require without a value here fails at once (KeyError): add one above.
    body = {name: data.draw(valid[name], label=f"valid {name}")
            for name, field in AppointmentIn().fields.items() if field.required}
    days = demo["reception_days"][body["qr_code"]]
    if days and data.draw(st.booleans(), label="a reception day?"):
        body["activity_id"] = data.draw(st.sampled_from(days), label="valid activity_id")
    else:
        body["preferred_time"] = data.draw(_words(100), label="valid preferred_time")
    if data.draw(st.booleans(), label="a name?"):
        body["name"] = data.draw(_words(20), label="valid name")
    return body


# One change to a valid body: a field left out, null, of another type, blank, too long, or one the schema
# does not know.
MUTATIONS = {
    "null": lambda data, value: None,
    "wrong type": lambda data, value: data.draw(st.one_of(st.integers(), st.booleans(), st.lists(st.integers(), max_size=2),
                                                          st.dictionaries(st.text(max_size=3), st.integers(), max_size=1))),
    "blank": lambda data, value: data.draw(st.sampled_from(["", " ", "\u3000", "\n"])),
    "too long": lambda data, value: "长" * data.draw(st.sampled_from([21, 101, 501, 5000])),
    "odd text": lambda data, value: data.draw(st.text(max_size=30)),
}


def mutated(data, body):
    """``body`` with one change drawn from ``MUTATIONS``, or an unknown field added."""
    body = dict(body)
    how = data.draw(st.sampled_from(["drop", "unknown field", *MUTATIONS]), label="mutation")
    if how == "unknown field":
        body[data.draw(st.text(min_size=1, max_size=10), label="unknown name")] = "x"
        return body
    name = data.draw(st.sampled_from(sorted(body)), label="mutated field")
    if how == "drop":
        del body[name]
    else:
        body[name] = MUTATIONS[how](data, body[name])
    return body


# Operations whose valid bodies hypothesis would seldom build: most examples start from a valid one instead
# (``appointment_body``), a third of those changed in one place (``mutated``); the rest are schemathesis' own.
VALID_BODIES = {("POST", "/api/v1/appointments"): appointment_body}


def often_valid(case, data, demo):
    """Three examples in four of an operation of ``VALID_BODIES``: a valid body, sent with no header but a
    valid Idempotency-Key at times (a generated header, too long or not text, is refused before the body is
    read); a third of them changed in one place."""
    build = VALID_BODIES.get(tuple(case.operation.label.split(" ", 1)))
    if build is None or data.draw(st.integers(0, 3), label="schemathesis' own body?") == 3:
        return
    body = build(data, demo)
    case.body = mutated(data, body) if data.draw(st.integers(0, 2), label="mutate it?") == 2 else body
    case.media_type = "application/json"
    case.headers = {"Idempotency-Key": data.draw(st.uuids(), label="Idempotency-Key").hex} if data.draw(
        st.booleans(), label="with an Idempotency-Key?") else {}


def headers_of(app, demo, caller):
    """A fresh token for the caller (an earlier request may have changed their password, which ends tokens)."""
    from backend.auth.models import User
    from backend.auth.tokens import issue_token

    if caller == "anonymous":
        return {}
    with app.app_context():
        token = issue_token(db.session.get(User, demo["users"][caller]))
        db.session.remove()
    return {"Authorization": f"Bearer {token}"}


def described(exc):
    """A failure as text: schemathesis groups what each check found, hypothesis notes the falsifying request."""
    parts = [f"{type(exc).__name__}: {exc}"]
    parts += [described(inner) for inner in getattr(exc, "exceptions", ())]
    parts += getattr(exc, "__notes__", [])
    return "\n".join(parts)


def api_document():
    return schemathesis.openapi.from_dict(json.loads(COMMITTED.read_text(encoding="utf-8")))


@pytest.mark.parametrize("caller", CHOSEN_CALLERS)
def test_fuzz_every_operation(app, demo, caller):
    print(f"\nfuzzing as {caller}: FUZZ_EXAMPLES={EXAMPLES} FUZZ_SEED={SEED}")
    real_ids = demo["ids"]
    failures = []
    for result in api_document().get_all_operations():
        operation = result.ok()
        if not OPERATIONS.search(operation.path):
            continue
        restore(app, demo)
        statuses = Counter()
        cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                          operation.as_strategy(GenerationMode.NEGATIVE))

        @seed(SEED)
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=cases, data=st.data())
        def answers_properly(case, data):
            choose = DrawnIds(data)
            with_real_ids(case.path_parameters, real_ids, choose, "path")
            with_real_ids(case.query, real_ids, choose, "query")
            with_real_ids(case.body, real_ids, choose, "body")
            often_valid(case, data, demo)
            if caller == "anonymous" and case.headers:
                case.headers.pop("Authorization", None)
            # Fresh rate limits: hundreds of requests a minute would otherwise be refused (429) before the
            # code behind the limits runs. The limits themselves have tests of their own.
            limiter.reset()
            response = case.call(app=app, headers=headers_of(app, demo, caller))
            statuses[response.status_code] += 1
            case.validate_response(response, checks=CHECKS)

        try:
            answers_properly()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - schemathesis groups are no Exception
            failures.append(f"{operation.label} as {caller} (FUZZ_SEED={SEED}): {described(exc)}")
            print(f"\n!!! {failures[-1]}", flush=True)  # at once: a long run reports as it goes
        # What the operation answered (an operation never answering 2xx was never reached past its checks).
        print(f"  {operation.label} as {caller}: " + ", ".join(f"{n}×{status}" for status, n in sorted(statuses.items())),
              flush=True)
        short = too_seldom_accepted(operation.label, caller, statuses)
        if short:
            failures.append(short)
    assert not failures, "\n\n".join(failures)


# Operations whose acceptance the fuzzing must reach, and who may be accepted: as these callers, at least a
# quarter of the examples are accepted (2xx), or the code behind the refusals went unfuzzed.
ACCEPTED_AS = {"POST /api/v1/appointments": ("citizen",)}


def too_seldom_accepted(label, caller, statuses):
    """Why ``statuses`` (one operation's answers) show its acceptance too seldom reached, or None. Not
    judged on fewer than 20 examples."""
    total = sum(statuses.values())
    accepted = sum(n for status, n in statuses.items() if 200 <= status < 300)
    if caller not in ACCEPTED_AS.get(label, ()) or total < 20 or accepted * 4 >= total:
        return None
    return f"{label} as {caller} (FUZZ_SEED={SEED}): accepted {accepted} times of {total}, fewer than a quarter"


@pytest.mark.parametrize("caller", CHOSEN_CALLERS)
def test_fuzz_chained_operations(app, demo, caller):
    """Stateful: schemathesis chains calls through the links it infers from the document (an id answered by
    one operation passed to the next); where no link fills an id, a real one most of the time."""
    schema = api_document()
    if os.environ.get("FUZZ_OPERATIONS"):  # chains among these operations only
        schema = schema.include(path_regex=OPERATIONS.pattern)
    machine = schema.as_state_machine()
    reached = defaultdict(Counter)

    class Chained(machine):
        def setup(self):
            restore(app, demo)

        def get_call_kwargs(self, case):
            if caller == "anonymous" and case.headers:
                case.headers.pop("Authorization", None)
            return {"app": app, "headers": headers_of(app, demo, caller)}

        def step(self, input):
            # Real ids where no link put a value: a chain's first step, or a field its link does not fill.
            case, linked = input.case, {name for _, name in input.applied_parameters}
            choose = SeededIds(case)
            with_real_ids(case.path_parameters, demo["ids"], choose, "path", keep=linked)
            with_real_ids(case.query, demo["ids"], choose, "query", keep=linked)
            with_real_ids(case.body, demo["ids"], choose, "body", keep=linked)
            try:
                return super().step(input)
            except (Exception, BaseExceptionGroup) as exc:
                import traceback
                print(f"\n!!! step {input.case.operation.label} as {caller}: {traceback.format_exc()}", flush=True)
                raise

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            reached[case.operation.label][response.status_code] += 1
            try:
                case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)
            except (Exception, BaseExceptionGroup) as exc:
                # At once: replaying a chain on data the chain itself changed may go another way, and then
                # hypothesis reports only that its replay was flaky.
                print(f"\n!!! chained, as {caller} (FUZZ_SEED={SEED}): {described(exc)}", flush=True)
                raise

    print(f"\nchaining as {caller}: FUZZ_EXAMPLES={EXAMPLES} FUZZ_SEED={SEED}")
    Chained._hypothesis_internal_use_seed = SEED  # what hypothesis.stateful reads for a seed
    try:
        Chained.run(settings=settings(max_examples=EXAMPLES, deadline=None, database=None, stateful_step_count=8,
                                      suppress_health_check=list(HealthCheck)))
    finally:  # which operations the chains reached, and how they answered
        for label, statuses in sorted(reached.items()):
            print(f"  {label} chained as {caller}: " + ", ".join(f"{n}×{status}" for status, n in sorted(statuses.items())))
