"""Celery tasks: thin wrappers that load a row, call the engine and store what came back."""

import asyncio
import logging
import smtplib
import threading
from dataclasses import replace

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, connection
from django.views.decorators.debug import sensitive_variables

import checker
from checker.live import simulate_live
from checker.model import Progress
from checker.simulate import SimRequest
from webui import mail, queueing, sealing, watching
from webui.models import (
    HEADERS_NOT_KEPT_MESSAGE,
    HolderMayBeAlive,
    Scan,
    Simulation,
    Subscription,
    heartbeat_silence,
    this_worker,
)
from webui.options import options_from_settings

log = logging.getLogger(__name__)

CRASH_MESSAGE = "Something went wrong on our side while checking this site. Please try again."


class Heartbeat:
    """While a scan runs, a daemon thread tells its row every SCAN_HEARTBEAT_SECONDS that the
    worker holding it is alive, so a dead worker is noticed in seconds rather than minutes.

    It also writes where the scan is: the engine calls ``tell`` on its event loop, which only
    hands the step over; this thread writes it at once, at most every PROGRESS_EVERY seconds.
    """

    PROGRESS_EVERY = 0.25

    def __init__(self, scan_id: int, worker: str) -> None:
        self.scan_id = scan_id
        self.worker = worker
        self.every = settings.SCAN_HEARTBEAT_SECONDS
        self.stopped = threading.Event()
        self.told = threading.Event()
        self.progress: Progress | None = None
        self.thread = threading.Thread(target=self.run, name="scan-heartbeat", daemon=True)

    def __enter__(self) -> "Heartbeat":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.told.set()
        self.thread.join(timeout=self.every)

    def tell(self, progress: Progress) -> None:
        self.progress = progress
        self.told.set()

    def run(self) -> None:
        try:
            while not self.stopped.is_set():
                self.told.wait(self.every)
                if self.stopped.is_set():
                    return
                self.told.clear()
                progress = self.progress.to_dict() if self.progress is not None else None
                try:
                    if not Scan.objects.beat(self.scan_id, self.worker, progress):
                        return  # ended or taken over: nothing left to vouch for
                except DatabaseError:
                    # A missed beat only lets a takeover come sooner; try again next time.
                    log.warning("heartbeat for scan %s failed", self.scan_id, exc_info=True)
                    connection.close()
                self.stopped.wait(self.PROGRESS_EVERY)
        finally:
            connection.close()  # this thread's own connection


@shared_task(bind=True, max_retries=None)
@sensitive_variables("request_headers", "options")
def run_scan(self, scan_id: int, secret: str | None = None) -> None:
    """``secret``: an authenticated scan's headers, sealed (webui.sealing); a retry or a
    redelivery carries the same arguments, so it still has them."""
    worker = this_worker()
    try:
        scan = Scan.objects.claim(scan_id, worker)
    except HolderMayBeAlive:
        # A second delivery while the first may still be running it: look again once a dead
        # holder would have missed its heartbeats. Bounded: the scan ends within its time limit.
        raise self.retry(countdown=heartbeat_silence().total_seconds()) from None
    if scan is None:
        return  # it has already ended, or another delivery has just taken it
    request_headers = sealing.unseal(secret, scan.token) if scan.authenticated else ()
    if request_headers is None:
        scan.fail(HEADERS_NOT_KEPT_MESSAGE)  # never scan without the credentials it was given
        return
    options = options_from_settings(scan.frontend_origin, scan.profile, request_headers, scan.api)
    error = ""
    with Heartbeat(scan.pk, worker) as heartbeat:
        try:
            report = checker.scan(scan.target_url, replace(options, progress=heartbeat.tell))
        except SoftTimeLimitExceeded:
            limit = settings.SCAN_SOFT_TIME_LIMIT
            error = f"The scan went over its time limit ({limit} s), so we stopped it."
        except Exception:
            log.exception("scan %s crashed", scan.token)
            error = CRASH_MESSAGE
    if not Scan.objects.beat(scan.pk, worker):
        log.warning("scan %s was taken over while this worker ran it", scan.token)
        return
    if error:
        scan.fail(error)
    else:
        scan.finish(report)
    tell_subscribers(scan.pk)


def tell_subscribers(scan_id: int) -> None:
    """Hand the report of a re-check to its own task, so mail never holds up a scan. If the
    queue is down, the due-check's sweep reports it instead."""
    if not watching.awaited(scan_id):
        return
    try:
        report_recheck.delay(scan_id)
    except queueing.BROKER_DOWN:
        log.warning("could not queue the report of scan %s; the due-check will", scan_id)


@shared_task
def check_due_subscriptions() -> int:
    return len(watching.check_due().claimed)


@shared_task
def report_recheck(scan_id: int) -> int:
    scan = Scan.objects.filter(pk=scan_id).first()
    return watching.report_scan(scan) if scan is not None else 0


@shared_task
def dispatch_pending() -> int:
    return queueing.dispatch_pending()


@shared_task
def reap_stale_scans() -> int:
    ended = Scan.objects.reap_stale()
    if Scan.objects.requeue_abandoned():
        queueing.dispatch_pending()  # now, rather than on the dispatcher's next run
    return ended


SIMULATION_CRASH_MESSAGE = (
    "Something went wrong on our side while asking the site. Please try again."
)
NO_FINAL_URL_MESSAGE = "The scan this question is about has no final URL to ask."


@shared_task(
    acks_late=True,
    soft_time_limit=settings.SIMULATE_SOFT_TIME_LIMIT,
    time_limit=settings.SIMULATE_TIME_LIMIT,
)
def run_simulation(simulation_id: int) -> None:
    simulation = Simulation.objects.claim(simulation_id)
    if simulation is None:
        return  # another delivery is running it, or it has already ended
    request = simulation_request(simulation)
    if request is None:
        simulation.fail(NO_FINAL_URL_MESSAGE)
        return
    try:
        result = asyncio.run(simulate_live(request, options_from_settings()))
    except SoftTimeLimitExceeded:
        limit = settings.SIMULATE_SOFT_TIME_LIMIT
        simulation.fail(f"The simulation went over its time limit ({limit} s), so we stopped it.")
    except Exception:
        log.exception("simulation %s crashed", simulation.token)
        simulation.fail(SIMULATION_CRASH_MESSAGE)
    else:
        simulation.finish(result.to_dict())


def simulation_request(simulation: Simulation) -> SimRequest | None:
    """The fetch() the row describes, aimed at the scan's final URL (or the explainer's URL)."""
    if simulation.scan_id is None:
        url = simulation.url or None
    else:
        report = simulation.scan.engine_report
        url = report.final_url if report is not None else None
    if url is None:
        return None
    return SimRequest(
        origin=simulation.origin,
        url=url,
        method=simulation.method,
        headers=tuple((str(name), str(value)) for name, value in simulation.headers),
        credentials="include" if simulation.credentials else "same-origin",
    )


@shared_task
def reap_stale_simulations() -> int:
    return Simulation.objects.reap_stale()


@shared_task
def purge_unconfirmed_subscriptions() -> int:
    return Subscription.objects.purge_unconfirmed()


@shared_task(
    autoretry_for=(OSError, smtplib.SMTPException),
    # A recipient the server refuses will be refused again: that mail is dropped (logged).
    dont_autoretry_for=(smtplib.SMTPRecipientsRefused,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=12,
)
def deliver_mail(message: dict) -> None:
    """Deliver a mail a web request queued (webui.mail.QueuedBackend); while the mail server is
    unreachable, try again later, backing off from 30 s to an hour, for about half a day."""
    try:
        mail.deliver(message)
    except smtplib.SMTPRecipientsRefused:
        log.warning("the mail server refused a queued mail's recipient; it is dropped")
