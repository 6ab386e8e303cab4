"""Running ``python -m checker`` as a user or a CI job would, and HTTPS sites of known grades.

The child process opts in to loopback and to every port explicitly, as a developer testing
locally would (``CHECKER_ALLOW_NETWORKS``, ``CHECKER_ALLOWED_PORTS``); a test of the refusal
removes that.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import jsonschema
import trustme

from tests.conftest import LOOPBACK
from tests.targets import Answer, ReceivedRequest, TargetServer

HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
CSP = "default-src 'self'; frame-ancestors 'none'; object-src 'none'"
STRICT_CSP = CSP + "; base-uri 'none'"
FRAMES = ("X-Frame-Options", "DENY")
NOSNIFF = ("X-Content-Type-Options", "nosniff")
REFERRER = ("Referrer-Policy", "no-referrer")

# The headers that earn each letter over HTTPS, as measured with the current catalogue
# (algorithm 4); ``test_each_site_gets_its_letter`` holds them to it.
LADDER: dict[str, list[tuple[str, str]]] = {
    "A+": [HSTS, ("Content-Security-Policy", STRICT_CSP), FRAMES, NOSNIFF, REFERRER],
    "A": [HSTS, ("Content-Security-Policy", CSP), FRAMES, NOSNIFF, REFERRER],  # no base-uri
    "B": [HSTS, FRAMES, NOSNIFF, REFERRER],  # no CSP
    "C": [HSTS, FRAMES, REFERRER],  # no CSP, no nosniff
    "D": [FRAMES, NOSNIFF, REFERRER],  # no CSP, no HSTS
    "F": [],
}


def page_with(headers: list[tuple[str, str]]):
    def respond(request: ReceivedRequest) -> Answer:
        return 200, [("Content-Type", "text/html; charset=utf-8"), *headers], b"<!doctype html>"

    return respond


def tls_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


def tls_servers(stack: ExitStack, ca: trustme.CA, count: int) -> list[TargetServer]:
    context = tls_context(ca)
    return [stack.enter_context(TargetServer(ssl_context=context)) for _ in range(count)]


def run_checker(
    *args: str,
    ca_bundle: str | None = None,
    stdin: str | None = None,
    loopback: bool = True,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("CHECKER_")
    }
    if loopback:
        environment["CHECKER_ALLOW_NETWORKS"] = ",".join(LOOPBACK)
        environment["CHECKER_ALLOWED_PORTS"] = "1-65535"  # the servers' random ports
    if ca_bundle:
        environment["CHECKER_CA_BUNDLE"] = ca_bundle
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "checker", *args],
        **({"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}),
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


# The official SARIF 2.1.0 schema; tests/checker/sarif/SOURCE.md says where the copy is from.
SARIF_SCHEMA = json.loads((Path(__file__).parent / "sarif" / "sarif-schema-2.1.0.json").read_text())


def assert_valid(log: dict) -> None:
    validator = jsonschema.Draft4Validator(SARIF_SCHEMA)
    errors = sorted(validator.iter_errors(log), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
