import itertools
import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from webui.models import STALE_MESSAGE, Scan, Site, this_worker
from webui.tasks import CRASH_MESSAGE, dispatch_pending, reap_stale_scans, run_scan

pytestmark = pytest.mark.django_db

PATHS = itertools.count()


def make_scan(url: str = "", **fields) -> Scan:
    # A path of its own by default: one active scan per target is a database constraint.
    url = url or f"https://example.com/{next(PATHS)}"
    site, _ = Site.objects.get_or_create(host="example.com")
    return Scan.objects.create(site=site, target_raw=url, target_url=url, **fields)


def test_a_scan_that_has_ended_is_not_run_again(target_server, allow_loopback):
    scan = make_scan(target_server.url, status=Scan.Status.DONE, grade="B", score=85)

    run_scan(scan.pk)

    scan.refresh_from_db()
    assert (scan.status, scan.grade, scan.attempts) == (Scan.Status.DONE, "B", 0)
    assert target_server.requests == []


def test_a_second_delivery_while_the_holder_is_alive_comes_back_later(
    target_server, allow_loopback
):
    started = timezone.now()
    scan = make_scan(
        target_server.url,
        status=Scan.Status.RUNNING,
        started=started,
        attempts=1,
        worker=this_worker(),  # this very process: certainly alive
        heartbeat=started,
    )

    with pytest.raises(Retry):
        run_scan(scan.pk)

    scan.refresh_from_db()
    assert (scan.status, scan.attempts, scan.started) == (Scan.Status.RUNNING, 1, started)
    assert target_server.requests == []


def test_a_holder_on_another_host_with_a_fresh_heartbeat_is_left_alone(
    target_server, allow_loopback
):
    scan = make_scan(
        target_server.url,
        status=Scan.Status.RUNNING,
        started=timezone.now(),
        attempts=1,
        worker="some-other-host:1",
        heartbeat=timezone.now(),
    )

    with pytest.raises(Retry):
        run_scan(scan.pk)

    scan.refresh_from_db()
    assert (scan.status, scan.attempts) == (Scan.Status.RUNNING, 1)
    assert target_server.requests == []


def test_a_redelivery_takes_over_at_once_when_the_holders_process_is_gone(
    target_server, allow_loopback
):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # exited and collected: no process has this id now
    scan = make_scan(
        target_server.url,
        status=Scan.Status.RUNNING,
        started=timezone.now(),
        attempts=1,
        worker=f"{socket.gethostname()}:{gone.pid}",
        heartbeat=timezone.now(),
    )

    run_scan(scan.pk)

    scan.refresh_from_db()
    assert scan.status == Scan.Status.DONE
    assert scan.attempts == 2
    assert scan.worker == this_worker()


def test_a_holder_silent_for_three_heartbeats_is_taken_over(
    target_server, allow_loopback, settings
):
    silent = timezone.now() - timedelta(seconds=3 * settings.SCAN_HEARTBEAT_SECONDS + 1)
    scan = make_scan(
        target_server.url,
        status=Scan.Status.RUNNING,
        started=silent,
        attempts=1,
        worker="some-other-host:1",
        heartbeat=silent,
    )

    run_scan(scan.pk)

    scan.refresh_from_db()
    assert (scan.status, scan.attempts) == (Scan.Status.DONE, 2)


@pytest.mark.django_db(transaction=True)  # the heartbeat thread has a connection of its own
def test_a_scan_records_its_worker_and_heartbeats_while_it_runs(
    target_server, allow_loopback, settings
):
    settings.SCAN_HEARTBEAT_SECONDS = 1
    beats = []

    def slow(request):
        if not beats:
            time.sleep(2.5)  # long enough for the heartbeat thread to write at least once
            beats.append(Scan.objects.get(pk=scan.pk).heartbeat)
        return 200, [], b"ok"

    target_server.responder = slow
    scan = make_scan(target_server.url)

    run_scan(scan.pk)

    scan.refresh_from_db()
    assert scan.status == Scan.Status.DONE
    assert scan.worker == this_worker()
    assert beats[0] > scan.started


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
    tls_target_server, allow_loopback, tmp_path
):
    # A deployment mistake the engine cannot turn into a report: a CA file that is not there
    # (read at the first https connection: a plain-HTTP scan never needs it).
    allow_loopback.CHECKER_CA_BUNDLE = str(tmp_path / "missing-ca.pem")
    scan = make_scan(tls_target_server.url)

    run_scan(scan.pk)

    scan.refresh_from_db()
    assert scan.status == Scan.Status.FAILED
    assert scan.error == CRASH_MESSAGE
    assert scan.finished is not None


def test_a_missing_scan_is_ignored():
    run_scan(987654)  # deleted between queueing and running: nothing to do, nothing raised


def test_the_reaper_ends_scans_stuck_pending_or_running(settings):
    limit = timedelta(seconds=settings.SCAN_STALE_AFTER + 1)
    # Four targets: only one scan of a target may be active at a time.
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


def test_the_reaper_puts_a_scan_whose_worker_went_silent_back_in_line(settings):
    silent = timezone.now() - timedelta(seconds=3 * settings.SCAN_HEARTBEAT_SECONDS + 1)
    abandoned = make_scan(
        status=Scan.Status.RUNNING, started=silent, heartbeat=silent, attempts=1, worker="h:1"
    )
    exhausted = make_scan(
        status=Scan.Status.RUNNING,
        started=silent,
        heartbeat=silent,
        attempts=settings.SCAN_MAX_ATTEMPTS,
    )
    alive = make_scan(status=Scan.Status.RUNNING, started=silent, heartbeat=timezone.now())

    assert Scan.objects.requeue_abandoned() == 1

    for scan in (abandoned, exhausted, alive):
        scan.refresh_from_db()
    assert (abandoned.status, abandoned.queued, abandoned.worker) == (Scan.Status.PENDING, None, "")
    assert list(Scan.objects.undispatched()) == [abandoned]
    assert exhausted.status == Scan.Status.FAILED
    assert f"{settings.SCAN_MAX_ATTEMPTS} times" in exhausted.error
    assert alive.status == Scan.Status.RUNNING


def test_only_scans_something_will_run_can_be_joined(settings):
    old = timezone.now() - timedelta(seconds=settings.SCAN_DISPATCH_AFTER + 1)
    queued = make_scan(created=old, queued=old)
    young = make_scan()
    running = make_scan(status=Scan.Status.RUNNING, created=old)
    stranded = make_scan(created=old)

    assert set(Scan.objects.joinable()) == {queued, young, running}
    assert list(Scan.objects.undispatched()) == [stranded]


def test_beat_runs_the_reaper_and_the_dispatcher_at_the_configured_intervals(settings):
    from webui.celery import app

    schedule = app.conf.beat_schedule
    assert schedule["reap-stale-scans"]["task"] == reap_stale_scans.name
    assert schedule["reap-stale-scans"]["schedule"] == settings.SCAN_REAP_INTERVAL
    assert schedule["dispatch-pending-scans"]["task"] == dispatch_pending.name
    assert schedule["dispatch-pending-scans"]["schedule"] == settings.SCAN_DISPATCH_INTERVAL


def test_tasks_are_acknowledged_late_and_requeued_when_a_worker_dies():
    from webui.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_serializer == "json"
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
