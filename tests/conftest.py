"""Fixtures shared by every test package: real local target servers and engine options."""

from __future__ import annotations

import os

import pytest
import trustme

from checker import Options
from tests.targets import TargetServer

LOOPBACK = ("127.0.0.0/8", "::1/128")
# Local target servers listen on random ports: tests opt in to every port, as to loopback.
ALL_PORTS = ((1, 65535),)


@pytest.fixture(scope="session")
def test_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_bundle(test_ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    test_ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def target_server():
    with TargetServer() as server:
        yield server


@pytest.fixture
def tls_target_server(test_ca: trustme.CA):
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    test_ca.issue_cert("127.0.0.1", "localhost", "::1").configure_cert(context)
    with TargetServer(ssl_context=context) as server:
        yield server


@pytest.fixture
def checker_options(ca_bundle: str) -> Options:
    return Options(
        allow_networks=LOOPBACK,
        allowed_ports=ALL_PORTS,
        ca_bundle=ca_bundle,
        timeout=5.0,
        deadline=20.0,
    )


SERVICE_MARKERS = ("redis", "postgres", "browser")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """In CI (CORSCHECK_REQUIRE_SERVICES=1) a skipped service test is a failure, not a pass."""
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or os.environ.get("CORSCHECK_REQUIRE_SERVICES") != "1":
        return
    needs = [name for name in SERVICE_MARKERS if item.get_closest_marker(name)]
    if needs:
        report.outcome = "failed"
        report.longrepr = f"{item.nodeid} needs {', '.join(needs)} but was skipped in CI"


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd); ``.inbox`` holds what it received."""
    from tests.smtp import SMTPServer

    server = SMTPServer().start()
    yield server
    server.stop()
