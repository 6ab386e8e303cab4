"""End to end through a real Celery worker process, real Redis and real PostgreSQL."""

import time

import pytest

from tests.webui.conftest import GOOD_HEADERS, submit, wait_until_ended
from webui.models import Scan
from webui.tasks import run_scan

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("worker_services"),
]


def test_a_worker_runs_the_queued_scan_and_the_report_shows_the_grade(
    client, allow_loopback, celery_worker, target_server
):
    target_server.responder = lambda request: (200, GOOD_HEADERS, b"ok")
    worker = celery_worker()

    scan = wait_until_ended(submit(client, target_server.url))

    assert scan.status == Scan.Status.DONE, scan.error
    assert scan.attempts == 1
    assert "webui.tasks.run_scan" in worker.log()
    response = client.get(scan.get_absolute_url(), headers={"HX-Request": "true"})
    assert response.status_code == 286
    assert f'aria-label="Grade {scan.grade}">{scan.grade}</div>' in response.content.decode()


def test_a_scan_over_its_soft_time_limit_ends_failed_with_the_reason(
    client, allow_loopback, celery_worker, target_server, monkeypatch
):
    def slow(request):
        time.sleep(4)  # longer than the worker's one-second soft limit
        return 200, GOOD_HEADERS, b"late"

    target_server.responder = slow
    # The publisher stamps the limits on the message. Web and worker read the same settings in
    # a deployment; here both sides get the short limits.
    monkeypatch.setattr(run_scan, "soft_time_limit", 1)
    monkeypatch.setattr(run_scan, "time_limit", 10)
    monkeypatch.setattr(run_scan, "_exec_options", None)  # Celery caches them on first send
    celery_worker(SCAN_SOFT_TIME_LIMIT="1", SCAN_TIME_LIMIT="10")

    scan = wait_until_ended(submit(client, target_server.url))

    assert scan.status == Scan.Status.FAILED
    assert "time limit" in scan.error
    html = client.get(scan.get_absolute_url()).content.decode()
    assert scan.error in html
