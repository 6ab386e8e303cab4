"""A killed worker costs one attempt: real workers on Redis and PostgreSQL, real SIGKILLs."""

import os
import signal
import threading
from pathlib import Path

import pytest
from django.db import connection

from tests.webui.conftest import GOOD_HEADERS, wait_until_ended
from webui.models import Scan

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

# Generous: the promise is "done or failed with a reason within two minutes".
DEADLINE = 120


@pytest.fixture(autouse=True)
def services():
    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set: this test needs a Redis server")
    if connection.vendor != "postgresql":
        pytest.skip("DATABASE_URL does not name a PostgreSQL database")


class FirstRequestHangs:
    """A responder whose first request waits until released; every later one answers at once."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.first = True

    def __call__(self, request):
        with self.lock:
            first, self.first = self.first, False
        if first:
            self.arrived.set()
            self.release.wait(30)
        return 200, GOOD_HEADERS, b"ok"


@pytest.fixture
def hanging_target(target_server):
    responder = FirstRequestHangs()
    target_server.responder = responder
    yield target_server, responder
    responder.release.set()


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is pid, read from /proc (no psutil here)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # exited while we looked
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def submit_and_wait_until_mid_scan(client, target, responder) -> Scan:
    response = client.post("/", {"target": target.url})
    assert response.status_code == 303, response.content.decode()
    assert responder.arrived.wait(60), "the worker never reached the target"
    scan = Scan.objects.get(token=response["Location"].split("/")[2])
    assert scan.status == Scan.Status.RUNNING
    return scan


def test_a_scan_whose_pool_child_is_killed_is_taken_over_at_once(
    client, allow_loopback, celery_worker, hanging_target
):
    target, responder = hanging_target
    worker = celery_worker()
    scan = submit_and_wait_until_mid_scan(client, target, responder)
    [child] = children_of(worker.process.pid)
    assert scan.worker.endswith(f":{child}")  # the claim names the process that holds it

    os.kill(child, signal.SIGKILL)
    responder.release.set()

    scan = wait_until_ended(scan, seconds=DEADLINE)
    assert scan.status == Scan.Status.DONE, scan.error
    assert scan.attempts == 2
    assert not scan.worker.endswith(f":{child}")


def test_a_scan_whose_whole_worker_is_killed_is_run_again_by_the_next_worker(
    client, allow_loopback, celery_worker, hanging_target
):
    target, responder = hanging_target
    # Short heartbeats and beat intervals, passed as settings the way a deployment would.
    quick = {
        "SCAN_HEARTBEAT_SECONDS": "1",
        "SCAN_REAP_INTERVAL": "2",
        "SCAN_DISPATCH_INTERVAL": "2",
    }
    first = celery_worker(**quick)
    scan = submit_and_wait_until_mid_scan(client, target, responder)
    [child] = children_of(first.process.pid)
    # Another worker, with beat inside, already up: the way a deployment runs N workers.
    second = celery_worker("-B", **quick)

    # The main process first, so it cannot hand the task back to the broker on its way out.
    os.kill(first.process.pid, signal.SIGKILL)
    os.kill(child, signal.SIGKILL)
    first.process.wait()
    responder.release.set()

    # Nothing redelivers the task now: Redis holds it until its visibility timeout
    # (SCAN_TIME_LIMIT + 60 s, over two minutes here). Only beat's reaper can notice the silent
    # heartbeat, which with these settings takes seconds; a minute is a generous bound.
    scan = wait_until_ended(scan, seconds=60)
    assert scan.status == Scan.Status.DONE, scan.error
    assert scan.attempts == 2
    assert int(scan.worker.rpartition(":")[2]) in children_of(second.process.pid)
