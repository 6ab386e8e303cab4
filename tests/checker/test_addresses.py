"""Every address of a name: real servers on several loopback addresses behind one name.

The name is given its addresses the way the engine resolves it, through ``socket.getaddrinfo``
(as in test_engine's rebinding test), not by editing /etc/hosts.
"""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Iterator
from dataclasses import replace

import pytest

from checker import Options, Report, Status, scan
from tests.conftest import ALL_PORTS
from tests.targets import ReceivedRequest, TargetServer, plain_page

NAME = "multi.example"
OPTIONS = Options(
    allow_networks=("127.0.0.0/8", "::1/128"),
    allowed_ports=ALL_PORTS,
    timeout=5.0,
    deadline=20.0,
)


def _ipv6_loopback() -> bool:
    try:
        with socket.create_server(("::1", 0), family=socket.AF_INET6):
            return True
    except OSError:
        return False


@pytest.fixture
def name_with(monkeypatch):
    """Make ``NAME`` resolve to the given addresses, in that order."""

    def give(*addresses: str) -> None:
        real = socket.getaddrinfo

        def getaddrinfo(host, port, *args, **kwargs):
            if host != NAME:
                return real(host, port, *args, **kwargs)
            return [
                (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port, 0, 0))
                if ":" in a
                else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in addresses
            ]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    return give


@contextlib.contextmanager
def servers(*hosts: str) -> Iterator[list[TargetServer]]:
    """One server per address, all on the same port, as the servers behind one name are."""
    with contextlib.ExitStack() as stack:
        first = stack.enter_context(TargetServer(host=hosts[0]))
        rest = [stack.enter_context(TargetServer(host=h, bind_port=first.port)) for h in hosts[1:]]
        yield [first, *rest]


def reflecting(request: ReceivedRequest):
    """The stale node: any origin is trusted, with credentials."""
    status, headers, body = plain_page(request)
    origin = request.header("Origin")
    if origin:
        headers = [
            *headers,
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Allow-Credentials", "true"),
            ("Vary", "Origin"),
        ]
    return (204 if request.method == "OPTIONS" else status), headers, body


def url(server: TargetServer, path: str = "/plain") -> str:
    return f"http://{NAME}:{server.port}{path}"


def test_the_address_that_reflects_any_origin_is_caught_and_named(name_with):
    name_with("127.0.0.3", "127.0.0.4")
    with servers("127.0.0.3", "127.0.0.4") as (good, stale):
        stale.responder = reflecting
        report = scan(url(good), OPTIONS)

    assert report.status is Status.OK
    reflect = next(f for f in report.findings if f.id == "cors.reflect-origin-credentials")
    assert ("address", "127.0.0.4") in reflect.facts
    assert all(probe.startswith("127.0.0.4/") for probe in reflect.exchanges)
    assert all(report.exchange(p).address == "127.0.0.4" for p in reflect.exchanges)
    assert report.grade == "F"  # the worst answer counts: the cap of the stale node's finding
    differ = next(f for f in report.findings if f.id == "site.addresses-differ")
    assert "127.0.0.4" in differ.title
    assert any(key == "127.0.0.4" and "Access-Control-Allow-Origin" in v for key, v in differ.facts)
    assert [a.address for a in report.addresses] == ["127.0.0.3", "127.0.0.4"]
    assert "cors.reflect-origin-credentials" in report.addresses[1].only_here
    # Both got the page and the probes, each under the name, never under its address.
    assert good.requests and stale.requests
    assert all(r.header("Host") == f"{NAME}:{good.port}" for r in good.requests + stale.requests)
    assert len([e for e in report.exchanges if e.address == "127.0.0.4"]) == len(stale.requests)
    assert report.requests_sent == len(report.exchanges)
    assert Report.from_dict(json.loads(json.dumps(report.to_dict()))) == report


def test_the_stale_node_counts_when_it_is_the_first_address_too(name_with):
    name_with("127.0.0.4", "127.0.0.3")
    with servers("127.0.0.3", "127.0.0.4") as (_, stale):
        stale.responder = reflecting
        report = scan(f"http://{NAME}:{stale.port}/plain", OPTIONS)

    assert "cors.reflect-origin-credentials" in {f.id for f in report.findings}
    differ = next(f for f in report.findings if f.id == "site.addresses-differ")
    assert differ.facts[0] == ("addresses", "127.0.0.4 (the first), 127.0.0.3")


def test_addresses_that_agree_give_the_grade_one_address_gives(name_with):
    name_with("127.0.0.3")
    with TargetServer(host="127.0.0.3") as alone:
        single = scan(url(alone), OPTIONS)
    name_with("127.0.0.3", "127.0.0.4")
    with servers("127.0.0.3", "127.0.0.4") as (first, second):
        report = scan(url(first), OPTIONS)

    assert second.requests, "the second address was never asked"
    assert "site.addresses-differ" not in {f.id for f in report.findings}
    assert [a.differences for a in report.addresses] == [(), ()]
    assert (report.grade, report.score) == (single.grade, single.score)
    assert {f.id for f in report.findings} == {f.id for f in single.findings}


def test_a_name_with_one_address_is_scanned_as_before(name_with):
    name_with("127.0.0.3")
    with TargetServer(host="127.0.0.3") as server:
        report = scan(url(server), OPTIONS)
    assert report.addresses == () and report.addresses_not_probed == ()
    assert all("/" not in e.probe for e in report.exchanges)


def test_no_more_addresses_than_the_setting_are_probed(name_with):
    name_with("127.0.0.3", "127.0.0.4", "127.0.0.5")
    with servers("127.0.0.3", "127.0.0.4", "127.0.0.5") as (first, second, third):
        report = scan(url(first), replace(OPTIONS, max_addresses=2))

    assert first.requests and second.requests
    assert third.requests == []
    assert [a.address for a in report.addresses] == ["127.0.0.3", "127.0.0.4"]
    assert report.addresses_not_probed == ("127.0.0.5",)


def test_a_cap_of_one_probes_the_first_address_only(name_with):
    name_with("127.0.0.3", "127.0.0.4")
    with servers("127.0.0.3", "127.0.0.4") as (first, second):
        second.responder = reflecting
        report = scan(url(first), replace(OPTIONS, max_addresses=1))
    assert second.requests == []
    assert report.addresses_not_probed == ("127.0.0.4",)
    assert "cors.reflect-origin-credentials" not in {f.id for f in report.findings}


@pytest.mark.skipif(not _ipv6_loopback(), reason="this machine has no IPv6 loopback")
def test_an_ipv6_address_that_drops_a_security_header_is_named(name_with):
    def framed(request: ReceivedRequest):
        status, headers, body = plain_page(request)
        return status, [*headers, ("X-Frame-Options", "DENY")], body

    name_with("127.0.0.3", "::1")
    with servers("127.0.0.3", "::1") as (first, six):
        first.responder = framed
        report = scan(url(first), OPTIONS)

    assert six.requests
    assert {e.address for e in report.exchanges} == {"127.0.0.3", "::1"}
    differ = next(f for f in report.findings if f.id == "site.addresses-differ")
    assert any(
        k == "::1" and "X-Frame-Options" in v and "absent here" in v for k, v in differ.facts
    )
    # The protection holds for only part of the visitors: its absence on ::1 is a finding too.
    only = report.addresses[1].only_here
    assert only and all(f in {x.id for x in report.findings} for f in only)


def test_an_address_that_does_not_answer_is_a_difference(name_with):
    name_with("127.0.0.3", "127.0.0.4")
    with TargetServer(host="127.0.0.3") as first, socket.socket() as closed:
        closed.bind(("127.0.0.4", first.port))  # bound, not listening: refused
        report = scan(url(first), OPTIONS)

    assert report.status is Status.OK
    second = report.addresses[1]
    assert second.status is None and "refused" in second.error
    differ = next(f for f in report.findings if f.id == "site.addresses-differ")
    assert ("127.0.0.4", f"no answer: {second.error}") in differ.facts


def test_an_address_the_guard_refuses_refuses_the_whole_name(name_with):
    name_with("127.0.0.3", "127.0.0.4")
    with servers("127.0.0.3", "127.0.0.4") as (first, second):
        report = scan(url(first), replace(OPTIONS, allow_networks=("127.0.0.3/32",)))
    assert report.status is Status.REFUSED
    assert "127.0.0.4" in report.message
    assert first.requests == second.requests == []


def test_the_command_line_lists_the_addresses(name_with, capsys, monkeypatch):
    from checker.cli import main

    monkeypatch.setenv("CHECKER_ALLOW_NETWORKS", "127.0.0.0/8")
    monkeypatch.setenv("CHECKER_ALLOWED_PORTS", "1-65535")
    name_with("127.0.0.3", "127.0.0.4", "127.0.0.5")
    with servers("127.0.0.3", "127.0.0.4", "127.0.0.5") as (first, second, third):
        second.responder = reflecting
        main([url(first), "--max-addresses", "2"])
    out = capsys.readouterr().out
    assert "Addresses: 127.0.0.3 (the first), 127.0.0.4 (answers differently), " in out
    assert "127.0.0.5 (not probed)" in out
    assert "cors.reflect-origin-credentials (-50): " in out and "(on 127.0.0.4)" in out
    assert third.requests == []


def test_an_authenticated_scan_sends_its_headers_to_every_address_as_to_the_first(name_with):
    name_with("127.0.0.3", "127.0.0.4")
    options = replace(OPTIONS, request_headers=(("Authorization", "Bearer s3cret"),))
    with servers("127.0.0.3", "127.0.0.4") as (first, second):
        report = scan(url(first), options)

    for server in (first, second):
        sent = {(r.method, r.header("Authorization")) for r in server.requests}
        assert ("GET", "Bearer s3cret") in sent
        assert all(auth is None for method, auth in sent if method == "OPTIONS")
    assert "s3cret" not in json.dumps(report.to_dict())


def _tls_context(test_ca, *names: str):
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    test_ca.issue_cert(*names).configure_cert(context)
    return context


def test_each_address_is_verified_under_the_name_and_a_bad_certificate_is_a_difference(
    name_with, test_ca, ca_bundle
):
    name_with("127.0.0.3", "127.0.0.4")
    good = TargetServer(host="127.0.0.3", ssl_context=_tls_context(test_ca, NAME))
    # The stale node still serves the certificate of another name.
    stale = TargetServer(
        host="127.0.0.4", ssl_context=_tls_context(test_ca, "old.example"), bind_port=good.port
    )
    with good, stale:
        report = scan(f"https://{NAME}:{good.port}/", replace(OPTIONS, ca_bundle=ca_bundle))

    assert report.status is Status.OK and report.tls_error is None  # the first verified, by name
    second = report.addresses[1]
    assert second.status is None and "could not be verified" in second.error
    assert stale.requests == []  # nothing was sent to a server whose identity failed
    differ = next(f for f in report.findings if f.id == "site.addresses-differ")
    assert ("127.0.0.4", f"no answer: {second.error}") in differ.facts


def test_a_pass_every_address_earns_is_kept(name_with):
    import secrets

    def nonced(request: ReceivedRequest):
        nonce = secrets.token_urlsafe(12)
        policy = f"default-src 'self'; script-src 'nonce-{nonce}'; object-src 'none'"
        headers = [("Content-Type", "text/html"), ("Content-Security-Policy", policy)]
        return 200, headers, f"<script nonce='{nonce}'></script>".encode()

    name_with("127.0.0.3", "127.0.0.4")
    with servers("127.0.0.3", "127.0.0.4") as (first, second):
        first.responder = second.responder = nonced
        report = scan(url(first), OPTIONS)

    assert second.requests
    ids = {f.id for f in report.findings}
    assert "csp.nonce-changes" in ids  # a new nonce on each address is no difference either
    assert "site.addresses-differ" not in ids
