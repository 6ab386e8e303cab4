"""The report page for scans that hostile targets made hard: probes that never answered, redirect
loops and endless chains. Real local servers, the real task, the test client."""

import pytest

from checker import Status
from tests.checker.test_hostile_targets import DripServer, numbered_chain, redirect_to
from tests.targets import TargetServer
from tests.webui.test_report import queue
from webui.models import Scan
from webui.tasks import run_scan

pytestmark = pytest.mark.django_db


def test_the_page_names_the_probes_that_timed_out_and_still_shows_the_grade(client, allow_loopback):
    allow_loopback.CHECKER_PROBE_DEADLINE = 1
    with DripServer(slow={"OPTIONS"}) as server:
        scan = queue(client, server.url + "/")
        run_scan(scan.pk)
    scan.refresh_from_db()
    assert scan.status == Scan.Status.DONE, scan.error
    report = scan.engine_report
    assert report.timed_out_probes

    html = client.get(f"/r/{scan.token}/").content.decode()
    assert f'aria-label="Grade {scan.grade}">{scan.grade}</div>' in html
    notice = html[html.index('class="notice-timeout"') :].split("</p>", 1)[0]
    count = len(report.timed_out_probes)
    assert f"{count} probes did not answer within 1 s and were not judged: " in notice
    assert all(probe in notice for probe in report.timed_out_probes)
    # The notice sits at the top of the findings.
    assert html.index('id="findings-title"') < html.index("notice-timeout") < html.index("area__")


def test_a_redirect_loop_shows_its_message_and_no_grade(client, allow_loopback):
    with TargetServer() as a, TargetServer() as b:
        a.responder = redirect_to(b.url + "/")
        b.responder = redirect_to(a.url + "/")
        scan = queue(client, a.url + "/")
        run_scan(scan.pk)
    scan.refresh_from_db()

    assert scan.status == Scan.Status.UNREACHABLE
    assert scan.grade == "" and scan.score is None
    assert scan.engine_report.status is Status.REDIRECTS
    html = client.get(f"/r/{scan.token}/").content.decode()
    assert "redirects to itself after 2 hops" in html
    assert f"{a.url}/ → {b.url}/ → {a.url}/" in html
    assert 'class="grade' not in html


def test_an_endless_chain_shows_its_message_and_no_grade(client, allow_loopback, target_server):
    target_server.responder = numbered_chain(11)
    scan = queue(client, target_server.url + "/0")
    run_scan(scan.pk)
    scan.refresh_from_db()

    assert scan.status == Scan.Status.UNREACHABLE and scan.score is None
    html = client.get(f"/r/{scan.token}/").content.decode()
    assert "The page was not reached after 11 redirects" in html
    assert 'class="grade' not in html


def test_an_error_of_the_engine_itself_ends_the_scan_as_failed_with_its_message(
    client, allow_loopback
):
    from checker import Report, Target

    scan = queue(client, "http://127.0.0.1:9/")
    message = "The check stopped on an error in the checker itself (ValueError at x.py:1: no)."
    scan.finish(Report(Target("x", "http", "127.0.0.1", 9, "/"), Status.ERROR, message))

    scan.refresh_from_db()
    assert scan.status == Scan.Status.FAILED
    assert scan.error == message
    assert "The scan failed" in client.get(f"/r/{scan.token}/").content.decode()


@pytest.mark.postgres
def test_a_body_with_nul_bytes_is_stored_in_postgresql(client, allow_loopback, target_server):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("DATABASE_URL does not name a PostgreSQL database")
    body = b"<!doctype html><p>a\x00b</p>"
    target_server.responder = lambda request: (200, [("Content-Type", "text/html")], body)
    scan = queue(client, target_server.url + "/")

    run_scan(scan.pk)  # PostgreSQL's JSON holds no NUL: the engine drops it

    scan.refresh_from_db()
    assert scan.status == Scan.Status.DONE, scan.error
    assert scan.engine_report.exchange("main.0").response.body == "<!doctype html><p>ab</p>"
