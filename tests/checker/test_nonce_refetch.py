"""The page fetched a second time, to see whether its CSP nonce changes: real local servers."""

from __future__ import annotations

import itertools

from checker import scan
from tests.targets import ReceivedRequest

STRICT = "script-src 'nonce-{}' 'strict-dynamic'; object-src 'none'; base-uri 'none'"


def page_with_nonce(nonce_for):
    def respond(request: ReceivedRequest):
        policy = STRICT.format(nonce_for(request))
        return 200, [("Content-Type", "text/html"), ("Content-Security-Policy", policy)], b"<p>"

    return respond


def page_gets(server) -> int:
    """GETs of the page itself, not the CORS probes (which carry an Origin)."""
    return sum(1 for r in server.requests if r.method == "GET" and r.header("Origin") is None)


def ids(report) -> set[str]:
    return {f.id for f in report.findings}


def test_a_nonce_fixed_in_the_page_is_caught_on_the_second_fetch(
    tls_target_server, checker_options
):
    # A policy without a nonce has nothing to compare: the page is fetched once.
    tls_target_server.responder = lambda request: (
        200,
        [("Content-Type", "text/html"), ("Content-Security-Policy", "script-src 'self'")],
        b"<p>",
    )
    plain = scan(tls_target_server.url + "/", checker_options)
    assert page_gets(tls_target_server) == 1
    assert not any(e.probe == "page.again" for e in plain.exchanges)

    tls_target_server.requests.clear()
    tls_target_server.responder = page_with_nonce(lambda request: "fixed123")

    report = scan(tls_target_server.url + "/", checker_options)

    assert page_gets(tls_target_server) == 2
    reused = next(f for f in report.findings if f.id == "csp.nonce-reused")
    assert reused.exchanges == (report.chain[-1], "page.again")
    assert "csp.strict" not in ids(report)


def test_a_nonce_that_changes_per_response_keeps_the_policy_strict(
    tls_target_server, checker_options
):
    counter = itertools.count()
    tls_target_server.responder = page_with_nonce(lambda request: f"n{next(counter)}")

    report = scan(tls_target_server.url + "/", checker_options)

    assert page_gets(tls_target_server) == 2
    assert {"csp.nonce-changes", "csp.strict"} <= ids(report)
    assert "csp.nonce-reused" not in ids(report)


def test_a_nonce_in_a_meta_policy_is_compared_from_the_second_body(
    tls_target_server, checker_options
):
    meta = (
        b'<!doctype html><html><head><meta http-equiv="Content-Security-Policy" '
        b"content=\"script-src 'nonce-samesame'; object-src 'none'\"></head><body></body></html>"
    )
    tls_target_server.responder = lambda request: (200, [("Content-Type", "text/html")], meta)

    report = scan(tls_target_server.url + "/", checker_options)

    assert report.exchange("page.again").response.body.startswith("<!doctype html>")
    assert "csp.nonce-reused" in ids(report)
