"""The CORS probe matrix and analyzers end to end: real local servers, the real engine."""

from __future__ import annotations

from dataclasses import replace

from checker import Status, scan
from checker.model import Severity
from tests.checker.cors_sites import anyone, listed, site, starts_with

FRONTEND = "https://app.shop.example"


def by_id(report) -> dict:
    return {finding.id: finding for finding in report.findings}


def test_it_flags_reflected_origin_with_credentials_on_a_real_server(
    target_server, checker_options
):
    target_server.responder = site(anyone, credentials=True)

    report = scan(target_server.url + "/api/me", checker_options)

    assert report.status is Status.OK
    finding = by_id(report)["cors.reflect-origin-credentials"]
    assert finding.severity is Severity.CRITICAL
    assert report.grade == "F"
    for probe in finding.exchanges:
        exchange = report.exchange(probe)
        sent = exchange.request.header("Origin")
        assert exchange.response is not None
        assert exchange.response.header("Access-Control-Allow-Origin") == sent


def test_every_probe_reaches_the_server_with_the_origin_it_names(target_server, checker_options):
    target_server.responder = site(listed())
    report = scan(target_server.url + "/api", checker_options)

    received = [(r.method, r.path, r.header("Origin")) for r in target_server.requests]
    probes = [e for e in report.exchanges if e.probe.startswith("cors.")]
    assert len(received) == len(report.exchanges)
    # an IP-address host: self, arbitrary, null and prefix, on GET and preflight; plus the
    # private network preflight, the missing page and the refused method
    assert len(probes) == 11
    origins = {r[2] for r in received if r[2]}
    assert origins == {
        target_server.origin,
        "https://evil.example",
        "null",
        "http://127.0.0.1.evil.test",
    }
    preflights = [r for r in target_server.requests if r.method == "OPTIONS"]
    assert len(preflights) == 5
    assert all(r.header("Access-Control-Request-Method") for r in preflights)
    missing = [r for r in received if "corscheck-404" in r[1]]
    assert [(m, o) for m, _, o in missing] == [("GET", target_server.origin)]
    assert "cors.none" in by_id(report)


def test_an_allowlisted_frontend_over_tls_passes(tls_target_server, checker_options):
    tls_target_server.responder = site(listed(FRONTEND), credentials=True)
    options = replace(checker_options, frontend_origin=FRONTEND)

    report = scan(tls_target_server.url + "/api", options)

    found = by_id(report)
    assert report.status is Status.OK
    assert found["cors.origin-allowlist-ok"].severity is Severity.PASS
    assert not [f for f in report.findings if f.id.startswith("cors.") and f.severity.rank < 3]
    assert (
        report.exchange("cors.get.frontend").response.header("Access-Control-Allow-Origin")
        == FRONTEND
    )


def test_a_prefix_check_is_caught_against_an_ip_address_host(target_server, checker_options):
    target_server.responder = site(starts_with("http://127.0.0.1"), credentials=True)

    found = by_id(scan(target_server.url, checker_options))

    assert "cors.prefix-match-credentials" in found
    assert "cors.reflect-origin-credentials" not in found


def test_a_real_server_that_refuses_preflights_is_reported(target_server, checker_options):
    target_server.responder = site(listed(FRONTEND), preflight_status=405, error_cors=False)
    options = replace(checker_options, frontend_origin=FRONTEND)

    found = by_id(scan(target_server.url, options))

    assert found["cors.preflight-rejected"].exchanges == (
        "cors.get.frontend",
        "cors.preflight.frontend",
    )
    assert "cors.error-without-cors" in found


def test_the_missing_page_is_asked_beside_the_checked_url(target_server, checker_options):
    """An API under a prefix answers its own errors; the site's root may be another app."""
    target_server.responder = site(listed())

    scan(target_server.url + "/api/v1/users?page=2", checker_options)
    scan(target_server.url + "/", checker_options)

    missing = [r.path for r in target_server.requests if "corscheck-404" in r.path]
    assert len(missing) == 2
    assert missing[0].startswith("/api/v1/") and missing[0].count("/") == 3
    assert "?" not in missing[0]
    assert missing[1].count("/") == 1
