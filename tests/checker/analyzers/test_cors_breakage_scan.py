"""What breaks the site's own frontend, end to end: real local servers, the real engine."""

from __future__ import annotations

import dataclasses
import ssl

import pytest
import trustme

from checker import Status, scan
from tests.checker.breakage_sites import api, served
from tests.checker.cors_sites import FRONTEND
from tests.targets import TargetServer

BREAKAGE = {
    "cors.headers-only-on-preflight",
    "cors.preflight-credentials-missing",
    "cors.redirect-breaks-cors",
    "cors.refusal-without-cors",
}
TOKEN = "Bearer breakage-T0KEN"


@pytest.fixture
def second_tls_server(test_ca: trustme.CA):
    """Another origin (another port) for a redirect chain; over TLS, as a secure frontend calls
    only https URLs."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    test_ca.issue_cert("127.0.0.1").configure_cert(context)
    with TargetServer(ssl_context=context) as server:
        yield server


def scan_of(url: str, options, **changes):
    report = scan(url, dataclasses.replace(options, frontend_origin=FRONTEND, **changes))
    assert report.status is Status.OK, report.message
    return report, {finding.id: finding for finding in report.findings}


def test_a_well_configured_api_breaks_nothing_for_its_frontend(target_server, checker_options):
    target_server.responder = served(api(credentials=True), target_server.origin)

    report, found = scan_of(target_server.url + "/v1/items", checker_options)

    assert not BREAKAGE & set(found)
    refused = [r for r in target_server.requests if r.method == "CORSCHECK"]
    assert [(r.path, r.header("Origin")) for r in refused] == [("/v1/items", FRONTEND)]
    assert not any(e.probe.startswith("cors.redirect.") for e in report.exchanges)


def test_cors_headers_only_on_the_preflight_are_found(target_server, checker_options):
    target_server.responder = served(api(on_get=False), target_server.origin)

    _, found = scan_of(target_server.url + "/v1/items", checker_options)

    assert found["cors.headers-only-on-preflight"].exchanges == (
        "cors.preflight.frontend",
        "cors.get.frontend",
    )


def test_a_preflight_without_credentials_is_found(target_server, checker_options):
    server = api(credentials=True, preflight_credentials=False)
    target_server.responder = served(server, target_server.origin)

    report, found = scan_of(target_server.url + "/v1/items", checker_options)

    finding = found["cors.preflight-credentials-missing"]
    preflight = report.exchange("cors.preflight.frontend").response
    assert preflight.header("Access-Control-Allow-Credentials") is None
    assert preflight.header("Access-Control-Allow-Origin") == FRONTEND
    assert any(line.finding == finding.id and line.modifier < 0 for line in report.score_lines)


def test_a_redirect_to_another_origin_arrives_as_null_and_is_refused(
    tls_target_server, second_tls_server, checker_options
):
    old = tls_target_server.url + "/v1/items"
    new = second_tls_server.url + "/v1/items"
    server = api(credentials=True, redirect={old: new})
    tls_target_server.responder = served(server, tls_target_server.origin)
    second_tls_server.responder = served(server, second_tls_server.origin)

    report, found = scan_of(old, checker_options)

    finding = found["cors.redirect-breaks-cors"]
    assert finding.exchanges == ("cors.get.frontend", "cors.redirect.1")
    assert "Origin: null" in finding.title
    # What each server was asked, as a browser on the frontend would ask it.
    again = [r for r in tls_target_server.requests if r.header("Origin")]
    assert [(r.path, r.header("Origin")) for r in again] == [("/v1/items", FRONTEND)]
    asked = [(r.path, r.header("Origin")) for r in second_tls_server.requests]
    assert ("/v1/items", "null") in asked
    assert report.exchange("cors.redirect.0").response.status == 301


def test_a_redirect_target_that_allows_null_lets_it_through(
    tls_target_server, second_tls_server, checker_options
):
    old = tls_target_server.url + "/v1/items"
    new = second_tls_server.url + "/v1/items"
    server = api((FRONTEND, "null"), redirect={old: new})
    tls_target_server.responder = served(server, tls_target_server.origin)
    second_tls_server.responder = served(server, second_tls_server.origin)

    _, found = scan_of(old, checker_options)

    assert "cors.redirect-breaks-cors" not in found
    assert "cors.null-origin" in found  # which is a finding of its own


def test_a_trailing_slash_redirect_without_cors_headers_is_found(
    tls_target_server, checker_options
):
    old = tls_target_server.url + "/v1/items"
    server = api(redirect={old: old + "/"}, redirect_cors=False)
    tls_target_server.responder = served(server, tls_target_server.origin)

    _, found = scan_of(old, checker_options)

    finding = found["cors.redirect-breaks-cors"]
    assert finding.exchanges == ("cors.get.frontend", "cors.redirect.0")
    assert "carries no CORS headers" in finding.title


def test_a_secure_frontend_is_not_judged_on_a_plain_http_redirect(target_server, checker_options):
    """A page on https never calls an http URL: browsers block mixed content."""
    old = target_server.url + "/v1/items"
    server = api(redirect={old: old + "/"}, redirect_cors=False)
    target_server.responder = served(server, target_server.origin)

    report, found = scan_of(old, checker_options)

    assert "cors.redirect-breaks-cors" not in found
    assert not any(e.probe.startswith("cors.redirect.") for e in report.exchanges)


def test_a_refused_method_without_cors_headers_is_found(target_server, checker_options):
    target_server.responder = served(api(refusals_cors=False), target_server.origin)

    report, found = scan_of(target_server.url + "/v1/items", checker_options)

    assert found["cors.refusal-without-cors"].exchanges == (
        "cors.get.frontend",
        "cors.refused.frontend",
    )
    assert report.exchange("cors.refused.frontend").response.status == 405


def test_an_unauthenticated_401_without_cors_is_found_on_an_authenticated_scan(
    tls_target_server, checker_options
):
    server = api(credentials=True, needs_login=True, refusals_cors=False)
    tls_target_server.responder = served(server, tls_target_server.origin)
    headers = (("Authorization", TOKEN),)

    report, found = scan_of(
        tls_target_server.url + "/v1/items", checker_options, request_headers=headers
    )

    finding = found["cors.refusal-without-cors"]
    assert "cors.anonymous.frontend" in finding.exchanges
    assert report.exchange("cors.anonymous.frontend").response.status == 401
    assert report.exchange("cors.get.frontend").response.status == 200
    anonymous = [
        r
        for r in tls_target_server.requests
        if r.method == "GET" and r.header("Origin") and r.header("Authorization") is None
    ]
    assert len(anonymous) == 1
    assert TOKEN not in str(report.to_dict())


def test_without_request_headers_no_anonymous_probe_is_sent(target_server, checker_options):
    server = api(needs_login=True, refusals_cors=False)
    target_server.responder = served(server, target_server.origin)

    report, _ = scan_of(target_server.url + "/v1/items", checker_options)

    assert not any(e.probe.startswith("cors.anonymous.") for e in report.exchanges)
