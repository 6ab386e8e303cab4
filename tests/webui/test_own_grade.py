"""The site practises what it preaches: run as production runs it, it scores A+ on its own checker.

Two gunicorn processes serve the real WSGI app with production settings (DEBUG off, a secret key,
SECURE_SSL_REDIRECT on): one speaks HTTPS with a certificate from the test CA, the other plain
HTTP, where Django itself sends every visitor to the HTTPS port — the same app doing the same
redirect as in production, only on two ports of 127.0.0.1 instead of 80 and 443.
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import trustme

import checker
from checker import Options, Severity
from tests.conftest import ALL_PORTS, LOOPBACK

ROOT = Path(__file__).resolve().parents[2]


SCAN_TOKEN = "ownGradeTest"
TARGET_TOKEN = "tArGeT123456"
SEED_SCAN = f"""
from webui.models import Scan, Site, Target
site = Site.objects.create(host="example.com")
target = Target.objects.create(site=site, token={TARGET_TOKEN!r}, url="https://example.com/")
Scan.objects.create(
    site=site, target=target, token={SCAN_TOKEN!r}, target_raw="x", target_url=target.url
)
"""
PAGES = [
    "",
    "glossary/",
    "glossary/vary/",
    "scoring/",
    f"r/{SCAN_TOKEN}/",
    "s/example.com/",
    f"t/{TARGET_TOKEN}/",
    "api/v1/docs",
]
# The JSON API is graded as what it is, an API, and must earn the same A+.
API_PATHS = [f"api/v1/scans/{SCAN_TOKEN}", "api/v1/openapi.json"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class LiveSite:
    http_url: str
    https_url: str
    ca_bundle: str


class Gunicorn:
    """`gunicorn webui.wsgi` in a subprocess, its output kept in a log file for failure messages."""

    def __init__(self, name: str, bind: str, env: dict[str, str], log: Path, *tls: str) -> None:
        self.name = name
        self.log_path = log
        command = [sys.executable, "-m", "gunicorn", "webui.wsgi", "--bind", bind, "--workers", "1"]
        command += ["--access-logfile", "-", *tls]
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_answering(
        self, url: str, verify: ssl.SSLContext | bool, seconds: float = 30
    ) -> None:
        deadline = time.monotonic() + seconds
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn ({self.name}) exited early:\n{self.log()}")
            try:
                httpx.get(url, verify=verify, timeout=2, trust_env=False)
                return
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"gunicorn ({self.name}) never answered at {url}:\n{self.log()}"
                    ) from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    folder = tmp_path_factory.mktemp("live-site")
    ca = trustme.CA()
    ca_bundle = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_bundle))
    certificate = ca.issue_cert("127.0.0.1")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    certificate.cert_chain_pems[0].write_to_path(str(cert_file))
    certificate.private_key_pem.write_to_path(str(key_file))

    http_port, https_port = free_port(), free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "webui.settings",
        "DEBUG": "0",
        "SECRET_KEY": "a-test-only-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"https://127.0.0.1:{https_port}",
        "SECURE_SSL_REDIRECT": "1",
        "SECURE_SSL_HOST": f"127.0.0.1:{https_port}",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    # A scan waiting in the queue, so its report page and the site's history page exist.
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SEED_SCAN],
        cwd=ROOT,
        env=env,
        check=True,
    )
    servers = []
    try:
        https = Gunicorn(
            "https",
            f"127.0.0.1:{https_port}",
            env,
            folder / "https.log",
            *("--certfile", str(cert_file), "--keyfile", str(key_file)),
        )
        servers.append(https)
        http = Gunicorn("http", f"127.0.0.1:{http_port}", env, folder / "http.log")
        servers.append(http)
        https_url = f"https://127.0.0.1:{https_port}/"
        http_url = f"http://127.0.0.1:{http_port}/"
        https.wait_until_answering(https_url, verify=ssl.create_default_context(cafile=ca_bundle))
        http.wait_until_answering(http_url, verify=False)
        yield LiveSite(http_url, https_url, str(ca_bundle))
    finally:
        for server in servers:
            server.stop()


def problems(report: checker.Report) -> str:
    lines = [
        f"{finding.id} [{finding.severity.name}] {finding.title}"
        for finding in report.findings
        if finding.severity not in (Severity.PASS, Severity.INFO)
    ]
    modifiers = [f"{line.finding}: {line.modifier:+d}" for line in report.score_lines]
    return (
        f"grade {report.grade} ({report.score}/100)\nfindings:\n  "
        + "\n  ".join(lines or ["(none)"])
        + "\nscore lines:\n  "
        + "\n  ".join(modifiers or ["(none)"])
    )


def own_checker_options(live_site: LiveSite, **extra) -> Options:
    return Options(
        allow_networks=LOOPBACK,
        allowed_ports=ALL_PORTS,
        ca_bundle=live_site.ca_bundle,
        deadline=30.0,
        **extra,
    )


@pytest.mark.parametrize("path", PAGES)
def test_the_site_served_as_in_production_scores_a_plus_on_its_own_checker(live_site, path):
    report = checker.scan(live_site.http_url + path, own_checker_options(live_site))

    final = report.exchange(report.chain[-1])
    assert final.request.url == live_site.https_url + path
    assert final.response.status == 200  # the page itself was judged, not an error page
    assert report.grade == "A+", problems(report)


@pytest.mark.parametrize("path", API_PATHS)
def test_the_api_served_as_in_production_scores_a_plus_under_the_api_profile(live_site, path):
    report = checker.scan(live_site.http_url + path, own_checker_options(live_site, profile="api"))

    final = report.exchange(report.chain[-1])
    assert final.request.url == live_site.https_url + path
    assert final.response.status == 200
    assert final.response.header("content-type").startswith("application/json")
    assert report.profile == "api"
    assert report.grade == "A+", problems(report)


def test_plain_http_is_sent_to_the_https_port_by_the_app_itself(live_site):
    response = httpx.get(live_site.http_url + "glossary/", trust_env=False)

    assert response.status_code == 301
    assert response.headers["location"] == live_site.https_url + "glossary/"
