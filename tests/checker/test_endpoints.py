"""Whole-API scans against a real local API whose endpoints answer CORS differently."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from checker import Options, Report, Severity, Status, scan
from checker.endpoints import parse_openapi, parse_paths
from checker.model import Endpoint
from tests.checker.api_site import APP, OPENAPI, respond
from tests.targets import RawServer, TargetServer

ORDERS = "/v1/orders/{orderId}"
ORDER = "/v1/orders/00000000-0000-4000-8000-000000000000"  # as asked: a uuid


@pytest.fixture
def api():
    with TargetServer(responder=respond) as server:
        yield server


@pytest.fixture
def options(checker_options: Options) -> Options:
    return replace(checker_options, frontend_origin=APP)


def finding(report: Report, finding_id: str):
    found = [f for f in report.findings if f.id == finding_id]
    assert len(found) == 1, [f.id for f in report.findings]
    return found[0]


def test_the_endpoint_that_reflects_any_origin_with_credentials_is_caught_and_named(api, options):
    endpoints = parse_openapi(json.dumps(OPENAPI)).endpoints

    report = scan(api.url + "/v1/", replace(options, endpoints=endpoints))

    assert report.status is Status.OK, report.message
    reflect = finding(report, "cors.reflect-origin-credentials")
    assert reflect.severity is Severity.CRITICAL
    assert dict(reflect.facts)["endpoints"] == ORDERS
    assert all(probe.startswith("api.1.") for probe in reflect.exchanges)
    assert [line.finding for line in report.score_lines].count(reflect.id) == 1
    without = scan(
        api.url + "/v1/",
        replace(options, endpoints=tuple(e for e in endpoints if "orders" not in e.path)),
    )
    assert "cors.reflect-origin-credentials" not in {f.id for f in without.findings}
    assert without.score > report.score  # the one bad endpoint costs the whole API
    by_path = {e.path: e for e in report.endpoints}
    assert list(by_path) == ["/v1/users/{id}", ORDERS, "/v1/public", "/v1/admin"]
    assert by_path[ORDERS].url == api.url + ORDER
    assert by_path[ORDERS].findings == ("cors.reflect-origin-credentials",)
    assert by_path["/v1/users/{id}"].findings == ("cors.origin-allowlist-ok",)
    assert "cors.wildcard" in by_path["/v1/public"].findings


def test_a_finding_seen_on_several_endpoints_is_one_finding_that_lists_them(api, options):
    endpoints = (Endpoint("/v1/users/1", ("GET",)), Endpoint("/v1/admin", ("GET",)))

    report = scan(api.url + "/v1/", replace(options, endpoints=endpoints))

    allow_list = finding(report, "cors.origin-allowlist-ok")
    assert dict(allow_list.facts)["endpoints"] == "/v1/, /v1/users/1, /v1/admin"
    assert "(on 3 endpoints)" in allow_list.title
    assert [line.finding for line in report.score_lines].count("cors.origin-allowlist-ok") <= 1


def test_each_preflight_asks_for_the_operations_own_method(api, options):
    endpoints = parse_paths("GET,DELETE /v1/admin\nGET,PUT /v1/users/{id}")

    report = scan(api.url + "/v1/", replace(options, endpoints=endpoints))

    asked = {
        (r.path, r.header("origin"), r.header("access-control-request-method"))
        for r in api.requests
        if r.method == "OPTIONS" and r.path.startswith(("/v1/admin", "/v1/users/"))
    }
    assert ("/v1/admin", APP, "DELETE") in asked
    assert ("/v1/admin", APP, "GET") in asked
    assert ("/v1/users/1", APP, "PUT") in asked  # the template was filled
    assert not any(r.method in ("DELETE", "PUT") for r in api.requests)  # never the real thing
    # The API's root refuses the matrix's PUT, /v1/admin its own DELETE; /v1/users/1 grants PUT.
    refused = finding(report, "cors.preflight-method-not-allowed")
    assert refused.title == "The preflight does not allow a method we asked for (on 2 endpoints)"
    assert dict(refused.facts)["endpoints"] == "/v1/, /v1/admin"
    assert refused.exchanges == ("cors.preflight.frontend", "api.0.DELETE.cors.preflight.frontend")


def test_an_openapi_url_is_fetched_by_the_scan_and_the_cap_is_said(api, options):
    report = scan(
        api.url + "/v1/",
        replace(options, openapi_url=api.url + "/openapi.yaml", max_endpoints=2),
    )

    assert report.status is Status.OK
    assert [e.url for e in report.endpoints] == [
        api.url + "/v1/users/1",
        api.url + "/v1/orders/1",
    ]
    assert report.endpoints_note == (
        "The API has 4 endpoints; the first 2 were probed (the limit of endpoints per scan is 2)."
    )
    assert not any(r.path.startswith(("/v1/public", "/v1/admin")) for r in api.requests)
    fetched = [r for r in api.requests if r.path == "/openapi.yaml"]
    assert len(fetched) == 1
    assert finding(report, "cors.reflect-origin-credentials")


def test_the_openapi_url_goes_through_the_address_guard(api, checker_options):
    # The target may be reached, the document's host is not on the allow-list.
    guarded = replace(checker_options, allow_networks=("127.0.0.1/32",))
    report = scan(api.url + "/", replace(guarded, openapi_url="http://127.0.0.2:9/openapi.json"))

    assert report.status is Status.OK
    assert report.endpoints == ()
    assert report.endpoints_note.startswith("The OpenAPI document was not fetched:")
    assert "127.0.0.2" in report.endpoints_note


def test_a_bad_document_at_the_url_is_a_note_not_a_crash(api, options):
    report = scan(api.url + "/v1/", replace(options, openapi_url=api.url + "/v1/public"))

    assert report.status is Status.OK
    assert report.endpoints_note == ("The OpenAPI document must be an object at the top.")


def test_a_missing_document_says_its_status(api, options):
    report = scan(api.url + "/", replace(options, openapi_url=api.url + "/nope.json"))

    assert report.endpoints_note == f"The OpenAPI document at {api.url}/nope.json answered 404."


def test_all_endpoints_share_one_connection_pool(api, options):
    endpoints = tuple(Endpoint(f"/v1/users/{i}", ("GET",)) for i in range(5))

    report = scan(api.url + "/v1/", replace(options, endpoints=endpoints, concurrency=4))

    clients = {r.headers.get("Host") for r in api.requests}
    assert clients == {f"127.0.0.1:{api.port}"}
    assert report.requests_sent == len(api.requests)
    assert len(report.endpoints) == 5


def test_the_report_with_endpoints_survives_json(api, options):
    endpoints = parse_paths("/v1/public\nGET,DELETE /v1/orders/{id}")

    report = scan(api.url + "/v1/", replace(options, endpoints=endpoints))
    again = Report.from_dict(json.loads(json.dumps(report.to_dict())))

    assert again.endpoints == report.endpoints
    assert again.findings == report.findings
    table = [again.exchange(p) for p in again.endpoints[1].probes]
    assert {e.request.url for e in table} == {api.url + "/v1/orders/1"}


def test_a_document_server_that_speaks_no_http_is_a_note_in_its_words(api, options):
    def garbage(conn) -> None:
        conn.recv(1000)
        conn.sendall(b"NOT HTTP\r\n\r\n")

    with RawServer(garbage) as broken:
        report = scan(api.url + "/v1/", replace(options, openapi_url=broken.url + "/o.json"))

    assert report.status is Status.OK
    assert report.endpoints_note.startswith(
        "The OpenAPI document was not fetched: 127.0.0.1 sent an answer that is not valid HTTP"
    )
