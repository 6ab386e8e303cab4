"""The engine against real local servers: redirects, the SSRF guard, TLS and hostile answers."""

from __future__ import annotations

import socket
import time
from dataclasses import replace

import pytest

from checker import Options, Report, Status, scan
from tests.conftest import ALL_PORTS
from tests.targets import RawServer, ReceivedRequest, TargetServer


def redirect_to(location: str, status: int = 302):
    def respond(request: ReceivedRequest):
        return status, [("Location", location)], b""

    return respond


def test_it_grades_a_reachable_site_and_records_every_request(target_server, checker_options):
    report = scan(target_server.url + "/page?x=1", checker_options)

    assert report.status is Status.OK
    assert report.grade is not None and report.score is not None
    assert report.final_url == target_server.url + "/page?x=1"
    assert report.requests_sent == len(target_server.requests) == len(report.exchanges)
    agents = {r.header("User-Agent") for r in target_server.requests}
    assert agents == {checker_options.user_agent}


def test_the_report_survives_a_json_round_trip(target_server, checker_options):
    import json

    report = scan(target_server.url, checker_options)
    assert Report.from_dict(json.loads(json.dumps(report.to_dict()))) == report


def test_it_follows_redirects_and_records_the_chain(checker_options):
    with TargetServer() as final, TargetServer() as first:
        first.responder = redirect_to(final.url + "/landing", 301)
        report = scan(first.url + "/start", checker_options)

    assert report.status is Status.OK
    assert [report.exchange(p).request.url for p in report.chain] == [
        first.url + "/start",
        final.url + "/landing",
    ]
    assert report.exchange("main.0").response.status == 301
    assert report.final_url == final.url + "/landing"


def test_a_schemeless_name_starts_over_http(target_server, checker_options):
    report = scan(f"127.0.0.1:{target_server.port}", replace(checker_options))
    # the port is not 80, so https is tried first and fails the TLS handshake, then http works
    assert report.status is Status.OK
    assert report.final_url.startswith("http://")


def test_the_guard_refuses_loopback_by_default_and_nothing_is_sent(target_server):
    report = scan(target_server.url, Options(allowed_ports=ALL_PORTS))

    assert report.status is Status.REFUSED
    assert "127.0.0.1 is not a public address (loopback)" in report.message
    assert target_server.requests == []


def test_only_the_allowed_address_is_reached():
    with TargetServer(host="127.0.0.2") as allowed, TargetServer(host="127.0.0.1") as denied:
        options = Options(
            allow_networks=("127.0.0.2/32",), allowed_ports=ALL_PORTS, timeout=3, deadline=10
        )
        assert scan(allowed.url, options).status is Status.OK
        assert scan(denied.url, options).status is Status.REFUSED
        assert denied.requests == []


def test_a_redirect_to_a_denied_address_is_not_followed():
    with TargetServer(host="127.0.0.2") as public, TargetServer(host="127.0.0.1") as internal:
        public.responder = redirect_to(internal.url + "/admin")
        options = Options(allow_networks=("127.0.0.2/32",), allowed_ports=ALL_PORTS, deadline=10)
        report = scan(public.url, options)

    assert report.status is Status.REFUSED
    assert "127.0.0.1 is not a public address" in report.message
    assert [report.exchange(p).request.url for p in report.chain][-1] == internal.url + "/admin"
    assert internal.requests == []


def test_a_name_is_resolved_once_and_the_checked_address_is_used(monkeypatch):
    """A second DNS answer (rebinding to a denied address) must never be used."""
    with TargetServer(host="127.0.0.2") as allowed, TargetServer(host="127.0.0.1") as denied:
        answers = ["127.0.0.2"] + ["127.0.0.1"] * 50
        asked: list[str] = []
        real_getaddrinfo = socket.getaddrinfo

        def rebinding(host, port, *args, **kwargs):
            if host != "rebind.example":
                return real_getaddrinfo(host, port, *args, **kwargs)
            asked.append(host)
            address = answers[len(asked) - 1]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

        monkeypatch.setattr(socket, "getaddrinfo", rebinding)
        assert allowed.port != denied.port  # each listens on its own port; use the allowed one
        report = scan(
            f"http://rebind.example:{allowed.port}/",
            Options(allow_networks=("127.0.0.2/32",), allowed_ports=ALL_PORTS, deadline=10),
        )

    assert report.status is Status.OK
    assert asked == ["rebind.example"]
    assert {e.address for e in report.exchanges} == {"127.0.0.2"}
    assert all(r.header("Host") == f"rebind.example:{allowed.port}" for r in allowed.requests)
    assert denied.requests == []


def test_https_is_verified_against_the_given_ca(tls_target_server, checker_options):
    report = scan(tls_target_server.url, checker_options)
    assert report.status is Status.OK
    assert report.tls_error is None


def test_an_untrusted_certificate_is_a_finding_not_a_crash(tls_target_server, checker_options):
    report = scan(tls_target_server.url, replace(checker_options, ca_bundle=None))

    assert report.status is Status.OK
    assert "could not be verified" in report.tls_error
    assert "tls.certificate-invalid" in {f.id for f in report.findings}


def test_a_refused_connection_is_stored_as_unreachable(checker_options):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        report = scan(f"http://127.0.0.1:{port}/", checker_options)

    assert report.status is Status.UNREACHABLE
    assert "refused the connection" in report.message


def test_an_unknown_name_is_unreachable_with_a_message(checker_options):
    report = scan("https://no-such-host.invalid/", checker_options)
    assert report.status is Status.UNREACHABLE
    assert "could not be found in DNS" in report.message


def test_invalid_input_never_raises():
    report = scan("javascript:alert(1)", Options())
    assert report.status is Status.INVALID
    assert "Only http and https" in report.message


def test_a_server_that_drips_bytes_is_cut_off_by_the_scan_deadline(checker_options):
    def drip(conn):
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for _ in range(600):
            conn.sendall(b"X")
            time.sleep(0.1)

    with RawServer(drip) as server:
        started = time.monotonic()
        report = scan(server.url, replace(checker_options, timeout=1.0, deadline=2.0))
        elapsed = time.monotonic() - started

    assert report.status is Status.UNREACHABLE
    assert "did not finish answering within 2 s" in report.message
    assert elapsed < 10  # a guard against hanging, not a speed test


def test_a_silent_server_times_out(checker_options):
    def silent(conn):
        conn.recv(65536)
        time.sleep(3)

    with RawServer(silent) as server:
        report = scan(server.url, replace(checker_options, timeout=0.5, deadline=10))

    assert report.status is Status.UNREACHABLE
    assert "did not answer within 0.5 s" in report.message


def test_a_huge_header_block_is_an_error_not_a_crash(checker_options):
    def huge(conn):
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\n" + b"X-Big: " + b"a" * 200_000 + b"\r\n\r\n")

    with RawServer(huge) as server:
        report = scan(server.url, replace(checker_options, deadline=10))

    assert report.status is Status.UNREACHABLE
    assert "not valid HTTP" in report.message


def test_a_malformed_status_line_is_an_error_not_a_crash(checker_options):
    def garbage(conn):
        conn.recv(65536)
        conn.sendall(b"\x00\xffNOT HTTP AT ALL\r\n\r\n")

    with RawServer(garbage) as server:
        report = scan(server.url, replace(checker_options, deadline=10))

    assert report.status is Status.UNREACHABLE
    assert "not valid HTTP" in report.message


def test_a_large_body_is_read_only_up_to_the_cap(target_server, checker_options):
    body = b"<!doctype html>" + b"a" * 5_000_000
    target_server.responder = lambda r: (200, [("Content-Type", "text/html")], body)
    report = scan(target_server.url, replace(checker_options, max_body_bytes=1024))

    final = report.exchange(report.chain[-1])
    assert len(final.response.body) == 1024
    assert final.response.body_truncated is True


def test_many_headers_and_odd_bytes_are_kept_as_evidence(target_server, checker_options):
    headers = [("X-Many", str(i)) for i in range(500)] + [("X-Latin", "caf\xe9")]
    target_server.responder = lambda r: (200, headers, b"")
    report = scan(target_server.url, checker_options)

    final = report.exchange(report.chain[-1])
    assert len(final.response.header_all("x-many")) == 500
    assert final.response.header("x-latin") == "caf\xe9"


@pytest.mark.parametrize("status", [500, 404, 204])
def test_error_statuses_are_still_judged(target_server, checker_options, status):
    target_server.responder = lambda r: (status, [], b"")
    report = scan(target_server.url, checker_options)
    assert report.status is Status.OK
    assert report.exchange(report.chain[-1]).response.status == status
