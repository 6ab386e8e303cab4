from datetime import timedelta

import pytest
from django.utils import timezone

from webui.models import STALE_MESSAGE, Scan, Site
from webui.tasks import CRASH_MESSAGE, reap_stale_scans, run_scan

pytestmark = pytest.mark.django_db


def make_scan(url: str = "https://example.com/", **fields) -> Scan:
    site, _ = Site.objects.get_or_create(host="example.com")
    return Scan.objects.create(site=site, target_raw=url, target_url=url, **fields)


def test_a_scan_that_has_ended_is_not_run_again(target_server, allow_loopback):
    scan = make_scan(target_server.url, status=Scan.Status.DONE, grade="B", score=85)

    run_scan(scan.pk)

    scan.refresh_from_db()
    assert (scan.status, scan.grade, scan.attempts) == (Scan.Status.DONE, "B", 0)
    assert target_server.requests == []


def test_a_second_delivery_while_the_scan_runs_is_a_no_op(target_server, allow_loopback):
    started = timezone.now()
    scan = make_scan(target_server.url, status=Scan.Status.RUNNING, started=started, attempts=1)

    run_scan(scan.pk)

    scan.refresh_from_db()
    assert (scan.status, scan.attempts, scan.started) == (Scan.Status.RUNNING, 1, started)
    assert target_server.requests == []


def test_a_run_abandoned_by_a_dead_worker_is_taken_over(target_server, allow_loopback, settings):
    long_ago = timezone.now() - timedelta(seconds=settings.SCAN_TIME_LIMIT + 1)
    scan = make_scan(target_server.url, status=Scan.Status.RUNNING, started=long_ago, attempts=1)

    run_scan(scan.pk)

    scan.refresh_from_db()
    assert scan.status == Scan.Status.DONE
    assert scan.attempts == 2


def test_a_task_delivered_too_many_times_ends_failed(target_server, allow_loopback, settings):
    long_ago = timezone.now() - timedelta(seconds=settings.SCAN_TIME_LIMIT + 1)
    scan = make_scan(
        target_server.url,
        status=Scan.Status.RUNNING,
        started=long_ago,
        attempts=settings.SCAN_MAX_ATTEMPTS,
    )

    run_scan(scan.pk)

    scan.refresh_from_db()
    assert scan.status == Scan.Status.FAILED
    assert f"{settings.SCAN_MAX_ATTEMPTS} times" in scan.error
    assert scan.finished is not None
    assert target_server.requests == []


def test_a_scan_whose_engine_call_raises_ends_failed_with_a_message(
    target_server, allow_loopback, tmp_path
):
    # A deployment mistake the engine cannot turn into a report: a CA file that is not there.
    allow_loopback.CHECKER_CA_BUNDLE = str(tmp_path / "missing-ca.pem")
    scan = make_scan(target_server.url)

    run_scan(scan.pk)

    scan.refresh_from_db()
    assert scan.status == Scan.Status.FAILED
    assert scan.error == CRASH_MESSAGE
    assert scan.finished is not None


def test_a_missing_scan_is_ignored():
    run_scan(987654)  # deleted between queueing and running: nothing to do, nothing raised


def test_the_reaper_ends_scans_stuck_pending_or_running(settings):
    limit = timedelta(seconds=settings.SCAN_STALE_AFTER + 1)
    # One active scan per target (a database constraint): each stuck scan has its own page.
    stuck_pending = make_scan("https://example.com/1", created=timezone.now() - limit)
    stuck_running = make_scan(
        "https://example.com/2", status=Scan.Status.RUNNING, started=timezone.now() - limit
    )
    fresh_pending = make_scan("https://example.com/3")
    fresh_running = make_scan(
        "https://example.com/4", status=Scan.Status.RUNNING, started=timezone.now()
    )
    old_done = make_scan(status=Scan.Status.DONE, created=timezone.now() - limit, grade="A")

    assert reap_stale_scans() == 2

    for scan in (stuck_pending, stuck_running, fresh_pending, fresh_running, old_done):
        scan.refresh_from_db()
    assert stuck_pending.status == stuck_running.status == Scan.Status.FAILED
    assert stuck_pending.error == stuck_running.error == STALE_MESSAGE
    assert stuck_pending.finished is not None
    assert fresh_pending.status == Scan.Status.PENDING
    assert fresh_running.status == Scan.Status.RUNNING
    assert (old_done.status, old_done.grade) == (Scan.Status.DONE, "A")


def test_a_reaped_scan_shows_its_reason_and_stops_polling(client, settings):
    scan = make_scan(created=timezone.now() - timedelta(seconds=settings.SCAN_STALE_AFTER + 1))
    reap_stale_scans()

    response = client.get(f"/r/{scan.token}/", headers={"HX-Request": "true"})
    assert response.status_code == 286
    assert STALE_MESSAGE in response.content.decode()


def test_the_reaper_runs_every_minute_from_beat(settings):
    from webui.celery import app

    entry = app.conf.beat_schedule["reap-stale-scans"]
    assert entry["task"] == reap_stale_scans.name
    assert entry["schedule"] == 60.0


def test_tasks_are_acknowledged_late_and_requeued_when_a_worker_dies():
    from webui.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_serializer == "json"
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
