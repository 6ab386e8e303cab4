"""The way from http://host/ to HTTPS, probed for a named host, against real local servers.

A test server has no name of its own and listens on a random port, so these tests hand the
engine a target named ``localhost`` (which ``parse_target`` refuses for a public scan, but which
resolves to the servers' 127.0.0.1 and is on the test certificate) and move the probes' ports
with ``Options.http_probe_port`` / ``https_probe_port``.
"""

from __future__ import annotations

import asyncio
import json
import socket
from dataclasses import replace

import pytest

from checker import Report, Status, scan
from checker.analyze import run_analyzers
from checker.findings import weigh
from checker.model import Target
from checker.retrieve import retrieve
from tests.targets import ReceivedRequest, TargetServer


def named(scheme: str, port: int) -> Target:
    return Target(f"{scheme}://localhost:{port}/", scheme, "localhost", port, "/")


def look(target: Target, options):
    retrieved = asyncio.run(retrieve(target, options))
    return retrieved, {f.id: f for f in run_analyzers(retrieved.observation)}


@pytest.fixture
def closed_port():
    """A port where nothing listens: bound, so nobody else takes it, but never listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def from_the_main_chain(server: TargetServer) -> list[ReceivedRequest]:
    return [r for r in server.requests if r.header("Origin") is None]


def test_the_way_from_http_is_probed_when_the_user_typed_https(
    target_server, tls_target_server, checker_options
):
    page = f"https://localhost:{tls_target_server.port}/"
    target_server.responder = lambda request: (301, [("Location", page)], b"")
    options = replace(checker_options, http_probe_port=target_server.port)

    retrieved, found = look(named("https", tls_target_server.port), options)

    observation = retrieved.observation
    # The redirect leads to the page the main chain has fetched already: one request.
    assert [e.probe for e in observation.http_chain] == ["http.0"]
    assert observation.http_chain[0].request.url == f"http://localhost:{target_server.port}/"
    assert [r.path for r in target_server.requests] == ["/"]
    assert found["redirect.https"].exchanges == ("http.0",)
    # Stored with the report's exchanges, so a finding's evidence can be shown.
    report = Report(observation.target, Status.OK, exchanges=observation.exchanges)
    again = Report.from_dict(json.loads(json.dumps(report.to_dict())))
    assert again.exchange("http.0").response.header("location") == page


def test_the_way_from_http_is_followed_to_its_end_for_downgrades(
    target_server, tls_target_server, checker_options
):
    home = f"https://localhost:{tls_target_server.port}/"
    target_server.responder = lambda request: (301, [("Location", home)], b"")

    def tls_answer(request: ReceivedRequest):
        if request.path == "/":  # the HTTPS home page sends visitors back to plain HTTP
            return 302, [("Location", f"http://localhost:{target_server.port}/old")], b""
        return 200, [("Content-Type", "text/html")], b"<p>app</p>"

    tls_target_server.responder = tls_answer
    options = replace(checker_options, http_probe_port=target_server.port)
    app = replace(named("https", tls_target_server.port), path="/app")

    retrieved, found = look(app, options)

    chain = retrieved.observation.http_chain
    assert [e.request.url for e in chain] == [
        f"http://localhost:{target_server.port}/",
        home,
        f"http://localhost:{target_server.port}/old",
    ]
    assert found["redirect.https"].exchanges == ("http.0",)
    assert found["redirect.downgrade"].exchanges == ("http.1",)
    # Judged for its redirects only: the side chain keeps no body.
    assert all(e.response.body == "" for e in chain)


def test_plain_http_that_serves_the_page_is_flagged_when_the_user_typed_https(
    target_server, tls_target_server, checker_options
):
    options = replace(checker_options, http_probe_port=target_server.port)

    _, found = look(named("https", tls_target_server.port), options)

    assert found["redirect.missing"].exchanges == ("http.0",)


def test_a_host_that_does_not_listen_on_plain_http_has_nothing_to_redirect(
    tls_target_server, checker_options, closed_port
):
    options = replace(checker_options, http_probe_port=closed_port)

    _, found = look(named("https", tls_target_server.port), options)

    finding = found["https.http-not-served"]
    assert "refused the connection" in dict(finding.facts)["error"]
    assert not any(i.startswith("redirect.") for i in found)


def test_the_plain_http_probe_keeps_to_the_port_allow_list(tls_target_server, checker_options):
    options = replace(
        checker_options,
        allowed_ports=((tls_target_server.port, tls_target_server.port),),
        http_probe_port=tls_target_server.port + 1,
    )

    retrieved, found = look(named("https", tls_target_server.port), options)

    assert retrieved.observation.http_chain == ()
    why = dict(found["https.http-not-checked"].facts)["why"]
    assert why.startswith(f"Port {tls_target_server.port + 1} is not one we check")


def test_an_ip_address_target_is_not_probed_over_plain_http(tls_target_server, checker_options):
    report = scan(tls_target_server.url + "/", checker_options)

    assert report.status is Status.OK
    finding = next(f for f in report.findings if f.id == "https.http-not-checked")
    assert "is an IP address" in dict(finding.facts)["why"]
    assert not any(e.probe.startswith(("http.", "https.")) for e in report.exchanges)


def test_a_site_with_no_https_at_all_is_told_exactly_that(
    target_server, checker_options, closed_port
):
    options = replace(checker_options, https_probe_port=closed_port)

    retrieved, found = look(named("http", target_server.port), options)

    assert retrieved.certificate_error is None
    finding = found["https.not-available"]
    assert finding.exchanges == ("main.0", "https.0")
    assert dict(finding.facts)["url"] == f"https://localhost:{closed_port}/"
    assert "redirect.missing" not in found


def test_a_plain_http_site_whose_https_answers_is_told_to_redirect(
    target_server, tls_target_server, checker_options
):
    options = replace(checker_options, https_probe_port=tls_target_server.port)

    _, found = look(named("http", target_server.port), options)

    assert "https.not-available" not in found
    answer = dict(found["redirect.missing"].facts)["https"]
    assert answer == f"https://localhost:{tls_target_server.port}/ answers 200"


def test_an_untrusted_certificate_on_the_https_probe_does_not_restart_the_scan(
    target_server, tls_target_server, checker_options
):
    # Without the test CA, the HTTPS server's certificate does not verify.
    options = replace(checker_options, ca_bundle=None, https_probe_port=tls_target_server.port)

    retrieved, found = look(named("http", target_server.port), options)

    assert retrieved.certificate_error is None
    error = dict(found["https.not-available"].facts)["error"]
    assert "certificate" in error


def test_an_api_is_judged_on_its_way_to_https_too(
    target_server, tls_target_server, checker_options
):
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Security-Policy", "default-src 'none'; script-src 'nonce-same'"),
    ]
    target_server.responder = tls_target_server.responder = lambda request: (200, headers, b"{}")
    options = replace(checker_options, http_probe_port=target_server.port)

    retrieved, _ = look(named("https", tls_target_server.port), options)

    kept, apart = weigh(run_analyzers(retrieved.observation), "api")
    assert "redirect.missing" in {f.id for f in kept}
    assert "redirect.missing" not in {f.id for f in apart}
    # Nor is an API answer fetched twice for a nonce: it runs no scripts.
    assert retrieved.observation.refetch is None
