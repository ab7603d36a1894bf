"""The OpenAPI document: committed, complete, browsable offline, and true to the running app.

The last test lets schemathesis generate requests from the document, valid and invalid, and sends them
to the app on a database holding a small organisation, anonymously and as the super administrator:
whatever it sends, the answer is never a 5xx.
"""
import json
import pathlib
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from scripts.export_openapi import render_spec

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
ROOT = pathlib.Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "schemas" / "openapi.json"

# The contract's Auth, Organisation and QR tables, as OpenAPI paths under /api/v1.
CONTRACT_OPERATIONS = [
    ("post", "/auth/wechat"),
    ("post", "/auth/bind-phone"),
    ("post", "/auth/login"),
    ("get", "/me"),
    ("get", "/regions"),
    ("post", "/regions"),
    ("get", "/regions/{region_id}"),
    ("patch", "/regions/{region_id}"),
    ("get", "/stations"),
    ("post", "/stations"),
    ("get", "/stations/{station_id}"),
    ("patch", "/stations/{station_id}"),
    ("get", "/deputies"),
    ("post", "/deputies"),
    ("get", "/deputies/{deputy_id}"),
    ("patch", "/deputies/{deputy_id}"),
    ("post", "/deputies/import"),
    ("get", "/qr/{code}"),
    ("get", "/qr/{code}/image.png"),
    ("get", "/qr/{code}/poster.png"),
    ("post", "/qr/{code}/revoke"),
    ("post", "/qr/{code}/rotate"),
]


@pytest.fixture
def live_spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def test_the_committed_document_is_the_apps_document(live_spec):
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""
    assert committed == render_spec(live_spec), (
        "schemas/openapi.json is out of date with the code: run `make openapi` and commit the result."
    )


def test_every_contract_path_is_documented(live_spec):
    documented = {
        (method, path.removeprefix("/api/v1"))
        for path, item in live_spec["paths"].items()
        for method in item
        if method in METHODS
    }
    missing = [f"{method.upper()} {path}" for method, path in CONTRACT_OPERATIONS if (method, path) not in documented]
    assert not missing, f"documented in the contract but not in the OpenAPI document: {missing}"


def test_the_creating_requests_of_the_contract_document_their_idempotency_key(live_spec):
    """The contract's Idempotency-Key (filing, uploads, check-ins), and the steps a phone may retry (a
    rating, a withdrawal, and the deputy's 接单, 退回, 进展, 转办, 反馈 and 答复), are in the document as a header an
    integrator can find."""
    def takes_key(method, path):
        parameters = live_spec["paths"]["/api/v1" + path][method].get("parameters", [])
        return any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in parameters)

    expected = [("post", "/suggestions"), ("post", "/uploads"), ("post", "/checkins"),
                ("post", "/suggestions/{suggestion_id}/rate"), ("post", "/suggestions/{suggestion_id}/withdraw")]
    expected += [("post", "/suggestions/{suggestion_id}/" + action)
                 for action in ("accept", "return", "progress", "forward", "feedback", "reply")]
    assert [operation for operation in expected if not takes_key(*operation)] == []
    assert not takes_key("post", "/suggestions/{suggestion_id}/dispatch")  # only where the server honours it


def test_every_error_response_is_documented_as_the_contract_error(live_spec):
    error = live_spec["components"]["schemas"]["Error"]
    # ``reason``: optional, beyond the contract (a check-in refusal's word, README).
    assert set(error["properties"]) == {"error", "message", "errors", "reason"}
    assert set(error["required"]) == {"error", "message"}
    responses = live_spec["components"]["responses"]
    # The health probe answers 503 with its own status body, which load balancers read.
    exempt = {("get", "/api/v1/health", "503")}
    wrong = []
    for path, item in live_spec["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            for status, response in operation["responses"].items():
                if (method, path, status) in exempt:
                    continue
                if status.startswith(("4", "5")) or status == "default":
                    response = responses[response["$ref"].rsplit("/", 1)[1]] if "$ref" in response else response
                    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                    if schema.get("$ref") != "#/components/schemas/Error":
                        wrong.append(f"{method.upper()} {path} {status}")
    assert not wrong, wrong


def test_the_docs_page_loads_everything_from_the_app_itself(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "码上办 API" in html
    assert not re.search(r"https?://", html), "the docs page must not load anything from another site"
    assert not re.search(r'(?:src|href)\s*=\s*["\']//', html), "no protocol-relative (CDN) links"
    # Swagger UI would otherwise send the document to validator.swagger.io, which an intranet cannot reach.
    assert '"validatorUrl": null' in html

    referenced = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']', html)
    referenced += re.findall(r'url:\s*["\']([^"\']+)["\']', html)
    assert any(ref.endswith(".js") for ref in referenced)
    assert any(ref.endswith(".css") for ref in referenced)
    assert "/api/v1/openapi.json" in referenced
    for ref in referenced:
        assert ref.startswith("/"), ref
        asset = client.get(ref)
        assert asset.status_code == 200, ref
        assert asset.get_data(), ref


# --- property-based: generated requests never make the server fail ----------------------------------


@pytest.fixture
def callers(factory):
    """Demo-like data (a province, two cities, stations with and without coordinates, active and former
    deputies) and the callers the generated requests come from, by their headers: the public (none) and the
    super administrator."""
    tree = factory.tree()
    near = factory.station(tree["hc"], "鹤城区城北联络站", address="人民路 18 号", lat=27.56, lng=109.99)
    far = factory.station(tree["yl"], "岳麓区中心联络站", kind="home")
    factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[near])
    factory.deputy(tree["yl"], "陈明", phone="13800000005", level="county", stations=[far])
    factory.deputy(tree["hc"], "吴前任", phone="13800000006", active=False, stations=[near])
    return {"anonymous": {}, "super_admin": factory.headers_for_admin(factory.admin("root", region=tree["root"]))}


# Generated from the committed document, which the first test above keeps equal to the app's own.
api_document = schemathesis.openapi.from_dict(json.loads(COMMITTED.read_text(encoding="utf-8")))


def assert_documented(response, method, path):
    """The answer is as the document says: a documented status, content type and body schema.
    ``path`` as documented, e.g. ``/api/v1/suggestions/{suggestion_id}``."""
    api_document[path][method.upper()].validate_response(response)


# The organisation endpoints are also held to their documented answers (status, content type, body
# schema); the rest, images included, to "no 5xx" only.
CONFORMING = re.compile(r"^/api/v1/(regions|stations|deputies)(/\{[a-z_]+\})?$")


# The operations in this many parts, a test each: one test of every operation would run for minutes, and
# pytest-xdist's last worker busy with it alone would hold the whole run up.
OPERATION_SHARDS = 6


@pytest.mark.parametrize("shard", range(OPERATION_SHARDS))
def test_generated_requests_never_get_a_server_error(app, callers, shard):
    """Every operation, valid and invalid requests alike, sent by the public and by the super administrator:
    no answer is a 5xx.

    One test per part of the operations rather than per operation, so the organisation is built a few times,
    not once per operation; each generated request goes out as both callers (generating it costs more than
    sending it).
    """
    failures = []
    operations = [result.ok() for result in api_document.get_all_operations()]
    assert len(operations) > 100  # the document read whole: the shards below cover every operation
    for operation in operations[shard::OPERATION_SHARDS]:
        checks = [not_a_server_error]
        if CONFORMING.match(operation.path):
            checks += [status_code_conformance, content_type_conformance, response_schema_conformance]
        cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=cases)
        def answers_properly(case):
            # The document's global bearer scheme makes schemathesis invent tokens, each a quick 401; without
            # them the public's requests reach what the public really can (the administrator's replace them).
            if case.headers:
                case.headers.pop("Authorization", None)
            for caller, headers in callers.items():
                note(f"sent as {caller}")
                response = case.call(app=app, headers=headers)
                case.validate_response(response, checks=checks)

        try:
            answers_properly()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every failure (schemathesis raises groups)
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)


def test_the_contracts_refusals_are_documented(live_spec):
    """409 (invalid_transition, conflict, idempotency_key_reused) on every changing operation, 415 on those
    reading a JSON body, 404 where the path names an object, and the QR code's 404 and 410 qr_revoked."""
    missing = []
    for path, item in live_spec["paths"].items():
        for method, operation in item.items():
            if method not in {"post", "put", "patch", "delete"}:
                continue
            expected = {"409"} | ({"415"} if "application/json" in operation.get("requestBody", {}).get("content", {}) else set())
            expected |= {"404"} if "{" in path else set()
            missing += [f"{method.upper()} {path} {status}" for status in expected - set(operation["responses"])]
    assert not missing, missing
    step = live_spec["paths"]["/api/v1/suggestions/{suggestion_id}/accept"]["post"]["responses"]
    assert "invalid_transition" in step["409"]["description"]
    assert "checkin_refused" in live_spec["paths"]["/api/v1/checkins"]["post"]["responses"]["409"]["description"]
    qr = live_spec["paths"]["/api/v1/qr/{code}"]["get"]["responses"]
    assert "not_found" in qr["404"]["description"] and "qr_revoked" in qr["410"]["description"]
