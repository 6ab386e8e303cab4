"""The security-header analyzers end to end: a real local HTTPS server, the real engine."""

from __future__ import annotations

import secrets

from checker import Status, scan
from checker.model import Severity


def well_configured(nonce: str) -> list[tuple[str, str]]:
    return [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Strict-Transport-Security", "max-age=63072000; includeSubDomains; preload"),
        (
            "Content-Security-Policy",
            f"script-src 'nonce-{nonce}' 'strict-dynamic'; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'",
        ),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Set-Cookie", "__Host-sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax"),
    ]


def by_id(report) -> dict:
    return {finding.id: finding for finding in report.findings}


def test_a_bare_https_site_misses_every_security_header(tls_target_server, checker_options):
    tls_target_server.responder = lambda request: (
        200,
        [("Content-Type", "text/html"), ("Server", "Apache/2.4.41 (Ubuntu)")],
        b"<html><head><title>bare</title></head><body>hi</body></html>",
    )

    report = scan(tls_target_server.url + "/", checker_options)

    assert report.status is Status.OK
    found = by_id(report)
    for finding_id in ("hsts.missing", "csp.missing", "framing.missing", "xcto.missing"):
        assert found[finding_id].exchanges == (report.chain[-1],)
    assert found["disclosure.server-version"].facts == (("server", "Apache/2.4.41 (Ubuntu)"),)


def test_a_well_configured_https_site_earns_pass_findings(tls_target_server, checker_options):
    tls_target_server.responder = lambda request: (
        200,
        well_configured(secrets.token_urlsafe(16)),
        b"<html></html>",
    )

    report = scan(tls_target_server.url + "/", checker_options)

    found = by_id(report)
    passes = {
        "hsts.ok",
        "hsts.preload-ready",
        "csp.strict",
        "csp.nonce-changes",
        "framing.ok",
        "xcto.nosniff",
        "referrer.ok",
        "permissions.ok",
        "cross-origin.coop-ok",
        "cookie.all-secure",
    }
    assert passes <= set(found)
    assert all(found[i].severity is Severity.PASS for i in passes)
    headers_area = {"hsts", "csp", "framing", "xcto", "referrer", "cookie"}
    worse = [f.id for f in report.findings if f.area in headers_area and f.severity.rank < 3]
    assert worse == []


def test_a_meta_tag_policy_is_read_from_the_real_body(tls_target_server, checker_options):
    body = (
        b'<!doctype html><html><head><meta http-equiv="Content-Security-Policy" '
        b"content=\"default-src 'self' 'unsafe-inline'\"></head><body></body></html>"
    )
    tls_target_server.responder = lambda request: (
        200,
        [("Content-Type", "text/html; charset=utf-8")],
        body,
    )

    report = scan(tls_target_server.url + "/", checker_options)

    assert {"csp.meta", "csp.unsafe-inline"} <= set(by_id(report))


def test_a_plain_http_site_that_redirects_to_https_is_judged_hop_by_hop(
    target_server, tls_target_server, checker_options
):
    # Two local servers stand for one host's two ports: the redirect changes port, not host.
    target_server.responder = lambda request: (
        301,
        [("Location", tls_target_server.url + "/"), ("Set-Cookie", "visit=1; SameSite=Lax")],
        b"",
    )
    tls_target_server.responder = lambda request: (200, well_configured("n"), b"")

    report = scan(target_server.url + "/", checker_options)

    found = by_id(report)
    assert found["redirect.https"].exchanges == (report.chain[0],)
    assert found["cookie.set-over-http"].exchanges == (report.chain[0],)
    assert "cookie.all-secure" not in found
