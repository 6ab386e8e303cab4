"""Handing scans to the job queue, so that no saved scan is left waiting for a worker that will
never come.

A scan row is committed first and published second; `queued` records that the second step
happened. When publishing fails in a web request, the row is ended with a reason and the visitor
is asked to try again (QueueUnavailable becomes a 503 page in webui/middleware.py). When the web
process dies between the two steps, the dispatcher (beat) hands the row over a little later.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from webui.models import Scan

log = logging.getLogger(__name__)

UNAVAILABLE_MESSAGE = (
    "Our job queue was unavailable, so this scan never started. Please try again in a minute."
)


# What a request sees when the broker or the shared cache cannot be reached (Redis down, or a
# broker URL with no server): an outage on our side, answered with "try again in a minute".
BROKER_DOWN = (OperationalError, RedisConnectionError, RedisTimeoutError)


class QueueUnavailable(Exception):
    """The broker could not be reached; what was being queued has been ended with a reason."""


def publish(scan: Scan, sealed_headers: str = "") -> None:
    """Send the scan's task; an authenticated scan's sealed headers ride in its arguments (the
    broker holds only ciphertext, see webui.sealing)."""
    from webui.tasks import run_scan  # tasks import this module

    args = (scan.pk, sealed_headers) if sealed_headers else (scan.pk,)
    # The publish retry policy in settings bounds how long this may take on a dead broker.
    run_scan.apply_async(args, retry=True)


def enqueue(scan: Scan, sealed_headers: str = "") -> None:
    """Publish a freshly committed scan; end it and raise QueueUnavailable when that fails."""
    try:
        publish(scan, sealed_headers)
    except OperationalError as error:
        end_unqueued(scan, error)
        raise QueueUnavailable from error
    Scan.objects.filter(pk=scan.pk, queued__isnull=True).update(queued=timezone.now())


def end_unqueued(scan: Scan, error: Exception) -> None:
    """End a scan nothing was able to queue, with the reason; one a worker holds is left alone."""
    log.warning("could not queue scan %s: %s", scan.token, error)
    unqueued = Scan.objects.filter(pk=scan.pk, status=Scan.Status.PENDING, queued__isnull=True)
    unqueued.update(status=Scan.Status.FAILED, error=UNAVAILABLE_MESSAGE, finished=timezone.now())


def enqueue_on_commit(scan: Scan, sealed_headers: str = "") -> None:
    """Publish the scan once the transaction that saves it has committed (or now, outside one).

    Raised after the commit, QueueUnavailable still reaches the view's caller: the row is ended
    by then, so nothing half-written is left behind.
    """
    transaction.on_commit(partial(enqueue, scan, sealed_headers))


def dispatch(scan: Scan) -> bool:
    """Hand a pending scan nobody has queued to the queue; False when another process has.

    The claim on `queued` is a conditional UPDATE, so two dispatchers (or a dispatcher and a
    visitor joining the scan) never both publish it. When publishing fails the claim is undone
    and OperationalError propagates: the next dispatcher run tries again.

    An authenticated scan is ended instead: its headers existed only in the web process that
    saved it (or the task the reaper gave up on), and it must not run without them.
    """
    if scan.authenticated:
        Scan.objects.end_unresumable(scan.pk)
        return False
    if not Scan.objects.mark_queued(scan.pk):
        return False
    try:
        publish(scan)
    except OperationalError:
        Scan.objects.filter(pk=scan.pk, status=Scan.Status.PENDING).update(queued=None)
        raise
    return True


def dispatch_pending() -> int:
    """Hand every pending scan that no web process queued to the queue; return how many."""
    count = 0
    for scan in Scan.objects.undispatched().order_by("created"):
        count += dispatch(scan)
    return count


def ensure_queued(scan: Scan | None) -> Scan | None:
    """Before a visitor joins an active scan, make sure something will run it.

    A pending scan nobody queued (its web process died) is handed over now; if the queue is
    down, it is ended with a reason and QueueUnavailable is raised — never join a scan that
    nothing will run.
    """
    if scan is None or Scan.objects.joinable().filter(pk=scan.pk).exists():
        return scan
    try:
        dispatch(scan)
    except OperationalError as error:
        end_unqueued(scan, error)
        raise QueueUnavailable from error
    scan.refresh_from_db()
    return scan
