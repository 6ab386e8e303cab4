"""The CORS probe matrix and analyzers end to end: real local servers, the real engine."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from checker import Status, scan
from checker.cors_matrix import DEVELOPMENT_ORIGINS, HOSTING_EVERY_SCAN
from checker.model import Severity
from tests.checker.command_line import run_checker
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
    # private network preflight, the missing page and the refused method; the prefix trick over
    # https, 5 hosting providers and 7 development servers on a GET
    assert len(probes) == 24
    origins = {r[2] for r in received if r[2]}
    assert origins == {
        target_server.origin,
        "https://evil.example",
        "null",
        "http://127.0.0.1.evil.test",
        "https://127.0.0.1.evil.test",
        *(f"https://corscheckevil.{suffix}" for suffix in HOSTING_EVERY_SCAN),
        *(origin for _, origin in DEVELOPMENT_ORIGINS),
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


def acceptance_site(request):
    """Two allow-lists as real servers write them: one kept a development origin, one every
    GitHub Pages site; both with credentials."""
    origin = request.header("Origin") or ""
    if request.path.startswith("/dev"):
        allowed = origin in ("http://localhost:3000", FRONTEND)
    else:
        allowed = origin == FRONTEND or re.fullmatch(r"https://[a-z0-9-]+\.github\.io", origin)
    headers = [("Content-Type", "application/json"), ("Vary", "Origin")]
    if allowed:
        headers += [("Access-Control-Allow-Origin", origin)]
        headers += [("Access-Control-Allow-Credentials", "true")]
        if request.method == "OPTIONS":
            headers += [("Access-Control-Allow-Methods", "GET, PUT, POST, DELETE")]
            headers += [("Access-Control-Allow-Headers", "content-type, authorization")]
    return (204 if request.method == "OPTIONS" else 200), headers, b"{}"


def test_a_real_server_that_kept_a_development_origin_is_caught(target_server, checker_options):
    target_server.responder = acceptance_site
    options = replace(checker_options, frontend_origin=FRONTEND)

    report = scan(target_server.url + "/dev", options)

    found = by_id(report)
    finding = found["cors.development-origin-credentials"]
    assert finding.severity is Severity.HIGH
    exchange = report.exchange(finding.exchanges[0])
    assert exchange.request.header("Origin") == "http://localhost:3000"
    assert exchange.response.header("Access-Control-Allow-Origin") == "http://localhost:3000"
    sent = {r.header("Origin") for r in target_server.requests}
    assert "http://localhost:5173" in sent and "http://127.0.0.1:3000" in sent
    assert "cors.origin-allowlist-ok" not in found
    assert not [f for f in report.findings if f.id.startswith("cors.shared-hosting")]


@pytest.mark.parametrize(
    ("path", "finding_id", "origin"),
    [
        ("/dev", "cors.development-origin-credentials", "http://localhost:3000"),
        ("/hosting", "cors.shared-hosting-origin-credentials", "https://corscheckevil.github.io"),
    ],
)
def test_the_command_line_names_the_trusted_origin_class(target_server, path, finding_id, origin):
    target_server.responder = acceptance_site

    result = run_checker(target_server.url + path, "--json", "--frontend-origin", FRONTEND)

    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    problems = {
        f["id"]: f
        for f in report["findings"]
        if f["id"].startswith("cors.") and f["severity"] in ("high", "critical")
    }
    assert set(problems) == {finding_id}
    facts = problems[finding_id]["facts"]
    assert origin in json.dumps(facts)
