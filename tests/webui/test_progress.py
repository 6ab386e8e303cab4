"""A scan under way: its steps, the probes answered, the time, and a worker that never came."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from checker.model import Progress
from tests.webui.watching import ended_scan
from webui.models import Scan
from webui.progress import progress_view
from webui.tasks import Heartbeat


def test_a_queued_scan_waits_for_a_worker_and_says_so_after_15_seconds(db):
    scan = ended_scan(status=Scan.Status.PENDING, finished=None, grade="", score=None)
    now = scan.created + timedelta(seconds=5)

    early = progress_view(scan, now)
    late = progress_view(scan, scan.created + timedelta(seconds=23))

    assert not early.unclaimed and early.waiting == "5 s"
    assert late.unclaimed and late.waiting == "23 s"
    assert all(step.state == "todo" for step in late.steps)


def test_a_running_scan_shows_the_steps_done_the_one_under_way_and_its_probes(db):
    scan = ended_scan(status=Scan.Status.RUNNING, finished=None, grade="", score=None)
    scan.started = scan.created
    scan.progress = Progress("probing", 12, 41).to_dict()

    view = progress_view(scan, scan.created + timedelta(seconds=3))

    assert [step.state for step in view.steps] == ["done", "done", "current", "todo"]
    assert view.steps[2].detail == "12 of 41 answered"
    assert view.elapsed == "3 s"


def test_the_page_of_a_scan_no_worker_took_says_it_plainly(client, db):
    scan = ended_scan(status=Scan.Status.PENDING, finished=None, grade="", score=None)
    Scan.objects.filter(pk=scan.pk).update(created=timezone.now() - timedelta(seconds=40))

    page = client.get(scan.get_absolute_url()).content.decode()
    polled = client.get(scan.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()

    for html in (page, polled):
        assert "No worker has picked this scan up in 40 s" in html or "in 41 s" in html
        assert "will start in a moment" not in html


def test_the_page_of_a_running_scan_counts_its_probes(client, db):
    scan = ended_scan(status=Scan.Status.RUNNING, finished=None, grade="", score=None)
    Scan.objects.filter(pk=scan.pk).update(
        started=timezone.now(), progress=Progress("probing", 7, 40).to_dict()
    )

    html = client.get(scan.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()

    assert '<li class="progress__step progress__step--current" aria-current="step">' in html
    assert "Sending the probes" in html and "7 of 40 answered" in html
    assert "Running for 0 s" in html or "Running for 1 s" in html


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_writes_what_the_engine_tells_it_at_once(settings):
    settings.SCAN_HEARTBEAT_SECONDS = 60  # so only being told can make it write
    scan = ended_scan(status=Scan.Status.RUNNING, finished=None, grade="", score=None)
    Scan.objects.filter(pk=scan.pk).update(worker="here:1")

    with Heartbeat(scan.pk, "here:1") as heartbeat:
        # Told from another thread, as the engine's event loop does.
        threading.Thread(target=heartbeat.tell, args=(Progress("probing", 3, 10),)).start()
        for _ in range(100):
            scan.refresh_from_db()
            if scan.progress:
                break
            time.sleep(0.05)

    assert scan.progress == {"step": "probing", "answered": 3, "planned": 10}
