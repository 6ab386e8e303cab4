"""The port allow-list: only the web's usual ports unless the caller opens more, checked before
any connection for the first URL and every redirect hop."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import replace

import pytest

from checker import Options, Status, scan
from checker.cli import options_from_environment
from checker.netguard import DEFAULT_PORTS, describe_ports, parse_ports, port_refusal
from tests.conftest import LOOPBACK
from tests.targets import ReceivedRequest, TargetServer


class Listener:
    """A socket that listens but never answers. A connection the engine opened would wait in its
    backlog, so ``connections()`` afterwards counts every connection ever made to it."""

    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.setblocking(False)
        self.port: int = self._sock.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def connections(self) -> int:
        count = 0
        while True:
            try:
                conn, _ = self._sock.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc: object) -> None:
        self._sock.close()


def only_port(port: int) -> tuple[tuple[int, int], ...]:
    return ((port, port),)


@pytest.mark.parametrize(
    ("text", "ranges"),
    [
        ("80", ((80, 80),)),
        ("80,443", ((80, 80), (443, 443))),
        (" 80 , 443,1024-65535 ", ((80, 80), (443, 443), (1024, 65535))),
        ("1-65535", ((1, 65535),)),
        ("8080-8080,", ((8080, 8080),)),
    ],
)
def test_it_parses_ports_and_ranges(text, ranges):
    assert parse_ports(text) == ranges


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no port is given"),
        (" , ", "no port is given"),
        ("http", "'http' is not a port or a range of ports"),
        ("80;443", "'80;443' is not a port or a range of ports"),
        ("-80", "'-80' is not a port or a range of ports"),
        ("80-", "'80-' is not a port or a range of ports"),
        ("٨٠", "is not a port or a range of ports"),  # Arabic-Indic digits are not ASCII
        ("0", "0 in '0' is not a port: ports go from 1 to 65535"),
        ("1024-70000", "70000 in '1024-70000' is not a port"),
        ("9000-8000", "'9000-8000' is not a range: its first port is above its last"),
    ],
)
def test_it_refuses_what_is_not_a_list_of_ports(text, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        parse_ports(text)


def test_only_the_webs_usual_ports_are_allowed_by_default():
    assert Options().allowed_ports == DEFAULT_PORTS
    assert describe_ports(DEFAULT_PORTS) == "80, 443, 8000, 8080 and 8443"
    for port in (80, 443, 8000, 8080, 8443):
        assert port_refusal(port, DEFAULT_PORTS) is None
    assert port_refusal(2222, DEFAULT_PORTS) == (
        "Port 2222 is not one we check: only ports 80, 443, 8000, 8080 and 8443 are allowed."
    )
    assert port_refusal(22, ((80, 80),)) == "Port 22 is not one we check: only port 80 is allowed."


def test_a_first_url_on_a_refused_port_is_refused_and_nothing_connects(checker_options):
    with Listener() as listener:
        options = replace(checker_options, allowed_ports=DEFAULT_PORTS, timeout=2.0)
        report = scan(listener.url + "/", options)

        assert listener.connections() == 0
    assert report.status is Status.REFUSED
    assert report.message == (
        f"Port {listener.port} is not one we check: "
        "only ports 80, 443, 8000, 8080 and 8443 are allowed."
    )
    assert report.grade is None


def test_a_redirect_to_a_refused_port_is_not_followed(checker_options):
    with Listener() as listener, TargetServer() as first:

        def redirect(request: ReceivedRequest):
            return 302, [("Location", listener.url + "/admin")], b""

        first.responder = redirect
        options = replace(checker_options, allowed_ports=only_port(first.port), timeout=2.0)
        report = scan(first.url + "/", options)

        assert listener.connections() == 0
    refusal = f"Port {listener.port} is not one we check: only port {first.port} is allowed."
    assert report.status is Status.REFUSED
    assert report.message == refusal
    last = report.exchange(report.chain[-1])
    assert (last.request.url, last.error) == (listener.url + "/admin", refusal)
    assert len(first.requests) == 1


def test_a_schemeless_name_skips_a_default_port_that_is_not_allowed(checker_options):
    # With only 443 open, "name" goes straight to https instead of being refused over port 80.
    from checker.model import Target
    from checker.retrieve import start_urls

    target = Target("example.com", "https", "example.com", 443, "/", explicit_scheme=False)
    assert start_urls(target, only_port(443)) == ["https://example.com/"]
    assert start_urls(target, DEFAULT_PORTS) == ["http://example.com/", "https://example.com/"]
    assert start_urls(target, only_port(22)) == ["http://example.com/"]  # refused in turn


def test_the_command_line_reads_CHECKER_ALLOWED_PORTS(monkeypatch):
    monkeypatch.setenv("CHECKER_ALLOWED_PORTS", "80, 8000-8999")
    assert options_from_environment().allowed_ports == ((80, 80), (8000, 8999))
    monkeypatch.setenv("CHECKER_ALLOWED_PORTS", "")
    assert options_from_environment().allowed_ports == DEFAULT_PORTS
    monkeypatch.setenv("CHECKER_ALLOWED_PORTS", "80,ssh")
    with pytest.raises(ValueError, match="CHECKER_ALLOWED_PORTS: 'ssh' is not a port"):
        options_from_environment()


def checker_cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "checker", *args]
    return subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, timeout=60
    )


def test_the_command_line_stops_a_redirect_to_a_port_it_was_not_given():
    with Listener() as listener, TargetServer() as first:
        first.responder = lambda request: (302, [("Location", listener.url + "/")], b"")
        result = checker_cli(
            first.url,
            "--json",
            CHECKER_ALLOW_NETWORKS=",".join(LOOPBACK),
            CHECKER_ALLOWED_PORTS=str(first.port),
        )

        assert listener.connections() == 0
    assert result.returncode == 2  # not judged: the guard refused the redirect's port
    assert f"Port {listener.port} is not one we check: only port {first.port}" in result.stdout
    assert '"status": "refused"' in result.stdout


def test_the_command_line_explains_a_bad_CHECKER_ALLOWED_PORTS():
    result = checker_cli("example.com", CHECKER_ALLOWED_PORTS="80-http")
    assert result.returncode == 2
    assert "CHECKER_ALLOWED_PORTS: '80-http' is not a port or a range of ports" in result.stderr
