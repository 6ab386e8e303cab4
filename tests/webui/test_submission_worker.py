"""From the form to the finished scan, through a real worker on real Redis and PostgreSQL."""

import os
import threading

import pytest
from django.db import connection
from django.test import Client

import checker
from tests.targets import RawServer
from tests.webui.conftest import GOOD_HEADERS, wait_until_ended
from webui import limits
from webui.models import Scan

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def services():
    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set: this test needs a Redis server")
    if connection.vendor != "postgresql":
        pytest.skip("DATABASE_URL does not name a PostgreSQL database")


def submit(client, target: str) -> Scan:
    response = client.post("/", {"target": target})
    assert response.status_code == 303, response.content.decode()
    return Scan.objects.get(token=response["Location"].split("/")[2])


def chain_urls(report) -> list[str]:
    return [report.exchange(probe).request.url for probe in report.chain]


class PlainHttpRedirect:
    """Plain HTTP only: a TLS handshake is cut off at once, a request is sent on to ``location``.

    So the only way to a grade is to start over http://, as a browser does with a typed name.
    """

    def __init__(self, location: str) -> None:
        self.location = location
        self.request_lines: list[bytes] = []
        self.handshakes = 0
        self.raw = RawServer(self.handle)
        self.port = int(self.raw.url.rsplit(":", 1)[1])

    def handle(self, conn) -> None:
        data = conn.recv(65536)
        if data.startswith(b"\x16"):  # a TLS ClientHello
            self.handshakes += 1
            return
        self.request_lines.append(data.split(b"\r\n", 1)[0])
        conn.sendall(
            b"HTTP/1.1 301 Moved Permanently\r\nLocation: " + self.location.encode() + b"\r\n"
            b"Content-Length: 0\r\nConnection: close\r\n\r\n"
        )

    def __enter__(self):
        self.raw.__enter__()
        return self

    def __exit__(self, *exc):
        self.raw.__exit__(*exc)


def test_a_target_typed_without_a_scheme_starts_over_http_as_on_the_command_line(
    client, allow_loopback, celery_worker, tls_target_server, checker_options
):
    tls_target_server.responder = lambda request: (200, GOOD_HEADERS, b"ok")
    with PlainHttpRedirect(f"{tls_target_server.url}/path") as plain:
        celery_worker()
        typed = f"127.0.0.1:{plain.port}/path"

        scan = wait_until_ended(submit(client, typed))
        from_the_command_line = checker.scan(typed, checker_options)

    assert scan.status == Scan.Status.DONE, scan.error
    expected = [f"http://127.0.0.1:{plain.port}/path", f"{tls_target_server.url}/path"]
    assert chain_urls(scan.engine_report) == expected
    assert chain_urls(from_the_command_line) == expected
    assert plain.request_lines == [b"GET /path HTTP/1.1"] * 2  # once from each
    assert scan.grade == from_the_command_line.grade
    assert scan.target_url == typed  # the spec: no scheme was typed, so none is stored
    # The redirect to HTTPS was judged from the web as well.
    assert "redirect.https" in {finding.id for finding in scan.engine_report.findings}


SUBMISSIONS = 3


def test_parallel_submissions_of_one_target_join_one_scan_and_probe_the_site_once(
    allow_loopback, celery_worker, target_server, monkeypatch
):
    target_server.responder = lambda request: (200, GOOD_HEADERS, b"ok")
    # Everyone looks for a scan to join (and finds none) before anyone creates one, so that
    # only the database's constraint stands between the submissions.
    everyone_has_looked = threading.Barrier(SUBMISSIONS, timeout=30)
    real_recent_scan = limits.recent_scan

    def look_then_wait(*args):
        found = real_recent_scan(*args)
        everyone_has_looked.wait()
        return found

    monkeypatch.setattr(limits, "recent_scan", look_then_wait)
    celery_worker()
    responses = [None] * SUBMISSIONS

    def post(number: int) -> None:
        try:  # each thread has its own database connection
            responses[number] = Client(raise_request_exception=False).post(
                "/", {"target": target_server.url}
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(SUBMISSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [response.status_code for response in responses] == [303] * SUBMISSIONS
    scan = Scan.objects.get()
    assert {response["Location"] for response in responses} == {scan.get_absolute_url()}
    scan = wait_until_ended(scan)
    assert scan.status == Scan.Status.DONE, scan.error
    assert len(target_server.requests) == scan.engine_report.requests_sent  # one probe set
