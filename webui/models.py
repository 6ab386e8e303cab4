import os
import secrets
import socket
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from checker import Report
from checker import Status as EngineStatus
from webui.api_scans import api_key

GIVE_UP_MESSAGE = "We tried to run this scan {attempts} times and it never finished, so we gave up."
# An authenticated scan's headers travel only in its one queued task (sealed, see
# webui.sealing); a scan handed to the queue again without them must not run without them.
HEADERS_NOT_KEPT_MESSAGE = (
    "The extra headers are not kept, so this authenticated scan could not be resumed; "
    "please start it again."
)
STALE_MESSAGE = "The scan did not finish in time. Please try again."


def new_token() -> str:
    """A public id for a scan: 12 URL-safe characters (72 random bits), not a row number."""
    return secrets.token_urlsafe(9)


class Site(models.Model):
    """A host that has been scanned at least once; its page lists the scans' history."""

    host = models.CharField(max_length=253, unique=True)  # IDNA form, lower case
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["host"]

    def __str__(self):
        return self.host

    def get_absolute_url(self):
        return reverse("site", args=[self.host])


class Target(models.Model):
    """What a history, a comparison and a subscription are about: one URL scanned with one set
    of options (frontend origin, profile). Two scans are comparable when they share a target.

    ``url`` is the scans' ``target_url``: the spec as typed and normalised, so a name typed
    without a scheme (probed over http:// and https://) is its own target.
    """

    token = models.CharField(max_length=16, unique=True, default=new_token, editable=False)
    site = models.ForeignKey(Site, models.CASCADE, related_name="targets")
    url = models.CharField(max_length=2048)
    frontend_origin = models.CharField(max_length=300, blank=True)
    profile = models.CharField(max_length=8, blank=True)
    # A whole-API scan's endpoints or OpenAPI URL (webui.api_scans), repeated by every re-check;
    # api_key names them in the uniqueness ("" for a plain scan).
    api = models.JSONField(default=dict, blank=True)
    api_key = models.CharField(max_length=16, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["url", "frontend_origin", "profile"]
        constraints = [
            models.UniqueConstraint(
                fields=["url", "frontend_origin", "profile", "api_key"],
                name="one_target_per_options",
            ),
        ]

    def __str__(self):
        return self.url

    def get_absolute_url(self):
        return reverse("target-history", args=[self.token])

    @classmethod
    def for_scan(cls, site: Site, url: str, frontend_origin: str = "", profile: str = "", api=None):
        """The target these options name, created on first use (safe against a parallel one)."""
        target, _ = cls.objects.get_or_create(
            url=url,
            frontend_origin=frontend_origin,
            profile=profile,
            api_key=api_key(api),
            defaults={"site": site, "api": api or {}},
        )
        return target


def this_worker() -> str:
    """Who holds a claim: "host:pid" of the process running the task."""
    return f"{socket.gethostname()}:{os.getpid()}"


def process_is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, but it exists
    try:
        # A zombie has exited and only waits for its parent to collect it.
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def heartbeat_silence() -> timedelta:
    """How long a running scan's worker may stay silent before it counts as gone: three beats."""
    return timedelta(seconds=3 * settings.SCAN_HEARTBEAT_SECONDS)


def holder_is_gone(worker: str, last_sign: datetime, now: datetime) -> bool:
    """True when the process that claimed a running scan provably no longer runs it.

    Either it missed three heartbeats, or it was on this host and that process is gone (a
    SIGKILLed pool child: the broker hands the task out again at once).
    """
    if last_sign < now - heartbeat_silence():
        return True
    host, _, pid = worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return not process_is_running(int(pid))
    return False


class HolderMayBeAlive(Exception):
    """The scan is running and its worker may still be at it: try this delivery again later."""


class EndsWithReason:
    """For rows with status, error and finished columns whose Status has FAILED: scans and
    simulations end on our side's failures the same way."""

    def fail(self, message: str) -> None:
        self.status = self.Status.FAILED
        self.error = message
        self.finished = timezone.now()
        self.save(update_fields=["status", "error", "finished"])


class ScanQuerySet(models.QuerySet):
    def claim(self, pk: int, worker: str) -> "Scan | None":
        """Mark the scan running for this delivery, or return None when it is not ours to run.

        Conditional UPDATEs, so two deliveries of the same task cannot both start it. A running
        scan is taken over when its holder is gone (see holder_is_gone); while the holder may
        still be alive, HolderMayBeAlive is raised and the task comes back later.
        """
        now = timezone.now()
        taken = {
            "status": Scan.Status.RUNNING,
            "attempts": F("attempts") + 1,
            "started": now,
            "worker": worker,
            "heartbeat": now,
        }
        under_cap = Q(attempts__lt=settings.SCAN_MAX_ATTEMPTS)
        pending = self.filter(pk=pk, status=Scan.Status.PENDING)
        if pending.filter(under_cap).update(**taken):
            return self.get(pk=pk)
        scan = self.filter(pk=pk).first()
        if scan is None or not scan.is_active:
            return None
        if scan.status == Scan.Status.RUNNING:
            if not holder_is_gone(scan.worker, scan.heartbeat or scan.started or now, now):
                raise HolderMayBeAlive(scan.worker)
            # The attempt count tells this claim from any later one.
            held = self.filter(pk=pk, status=Scan.Status.RUNNING, attempts=scan.attempts)
            if held.filter(under_cap).update(**taken):
                return self.get(pk=pk)
        # Startable but out of attempts: a poison task. End it rather than retry for ever.
        if scan.attempts >= settings.SCAN_MAX_ATTEMPTS:
            scan.fail(GIVE_UP_MESSAGE.format(attempts=scan.attempts))
        return None

    def beat(self, pk: int, worker: str, progress: dict | None = None) -> bool:
        """Record that the worker holding this scan is alive (and where the scan is); False
        when it no longer holds it."""
        held = self.filter(pk=pk, status=Scan.Status.RUNNING, worker=worker)
        changes = {"heartbeat": timezone.now()}
        if progress is not None:
            changes["progress"] = progress
        return bool(held.update(**changes))

    def joinable(self) -> "ScanQuerySet":
        """Active scans that something will run: running, handed to the queue, or young enough
        that the web process that saved them may still be handing them over."""
        young = timezone.now() - timedelta(seconds=settings.SCAN_DISPATCH_AFTER)
        return self.filter(status__in=Scan.ACTIVE).filter(
            Q(status=Scan.Status.RUNNING) | Q(queued__isnull=False) | Q(created__gte=young)
        )

    def undispatched(self) -> "ScanQuerySet":
        """Pending scans nothing handed to the queue: their web process died before it could,
        or the reaper took them back from a worker that went silent (they have attempts)."""
        young = timezone.now() - timedelta(seconds=settings.SCAN_DISPATCH_AFTER)
        return self.filter(status=Scan.Status.PENDING, queued__isnull=True).filter(
            Q(created__lt=young) | Q(attempts__gt=0)
        )

    def end_unresumable(self, pk: int) -> bool:
        """End an authenticated scan nothing queued with its headers; False when it is not one
        (or has been queued or has ended meanwhile)."""
        unqueued = self.filter(
            pk=pk, authenticated=True, status=Scan.Status.PENDING, queued__isnull=True
        )
        ended = unqueued.update(
            status=Scan.Status.FAILED, error=HEADERS_NOT_KEPT_MESSAGE, finished=timezone.now()
        )
        return bool(ended)

    def mark_queued(self, pk: int) -> bool:
        """Claim the hand-over of a pending scan to the queue; False when another process has."""
        unqueued = self.filter(pk=pk, status=Scan.Status.PENDING, queued__isnull=True)
        return bool(unqueued.update(queued=timezone.now()))

    def reap_stale(self) -> int:
        """End scans that have been pending or running too long; return how many."""
        limit = timezone.now() - timedelta(seconds=settings.SCAN_STALE_AFTER)
        stale = Q(status=Scan.Status.PENDING, created__lt=limit) | Q(
            status=Scan.Status.RUNNING, started__lt=limit
        )
        return (
            self.filter(stale)
            .filter(status__in=Scan.ACTIVE)
            .update(status=Scan.Status.FAILED, error=STALE_MESSAGE, finished=timezone.now())
        )

    def requeue_abandoned(self) -> int:
        """Put running scans whose worker went silent back to pending, for the dispatcher.

        Covers a whole worker killed at once: nothing redelivers its task until the broker's
        visibility timeout. Scans out of attempts are ended instead. Returns how many were put
        back.
        """
        now = timezone.now()
        silent = now - heartbeat_silence()
        abandoned = self.filter(status=Scan.Status.RUNNING).filter(
            Q(heartbeat__lt=silent) | Q(heartbeat__isnull=True, started__lt=silent)
        )
        for scan in abandoned.filter(attempts__gte=settings.SCAN_MAX_ATTEMPTS):
            scan.fail(GIVE_UP_MESSAGE.format(attempts=scan.attempts))
        # Nothing but the original task carries an authenticated scan's headers.
        abandoned.filter(authenticated=True).update(
            status=Scan.Status.FAILED, error=HEADERS_NOT_KEPT_MESSAGE, finished=now
        )
        return abandoned.filter(attempts__lt=settings.SCAN_MAX_ATTEMPTS).update(
            status=Scan.Status.PENDING, queued=None, worker="", heartbeat=None
        )


class Scan(EndsWithReason, models.Model):
    """One run of the checker against one target, reachable by its public token.

    ``report`` holds the engine's whole report as JSON; the columns beside it are what lists and
    history pages need. Statuses: ``done`` — the site answered and was graded; ``unreachable`` —
    the checker could not get an answer it may judge (no such name, connection refused, an
    address we refuse to contact), with the engine's own sentence in ``error``; ``failed`` —
    something went wrong on our side (time limit, crash, gave up), with our sentence in ``error``.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting in the queue"
        RUNNING = "running", "Checking"
        DONE = "done", "Done"
        UNREACHABLE = "unreachable", "Could not be checked"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.PENDING, Status.RUNNING)

    token = models.CharField(max_length=16, unique=True, default=new_token, editable=False)
    site = models.ForeignKey(Site, models.CASCADE, related_name="scans")
    # Filled in by save() from target_url, frontend_origin and profile.
    target = models.ForeignKey(Target, models.CASCADE, related_name="scans")
    # Not listed anywhere (site history, lists); reachable only through its permalink.
    private = models.BooleanField(default=False)
    # A private scan started with "Check again": the token of the first private scan of its line.
    # Its cooldown, the scan it joins and the one it is compared with come from that line only,
    # never from another visitor's private scans of the same target.
    series = models.CharField(max_length=16, blank=True)
    # Sent with extra request headers (always private). Only their names are kept, never the
    # values: those reach the worker sealed inside the queued task (webui.sealing).
    authenticated = models.BooleanField(default=False)
    request_header_names = models.JSONField(default=list, blank=True)
    # A keyed hash of the network the request came from (IPv4 address, IPv6 /64): enough to
    # cap concurrent scans per visitor, never the address itself.
    client = models.CharField(max_length=32, blank=True)
    target_raw = models.CharField("target as typed", max_length=2048)
    target_url = models.CharField("normalised target URL", max_length=2048)
    frontend_origin = models.CharField(max_length=300, blank=True)
    # "page" or "api" when the visitor chose how to grade; empty: by the kind of answer.
    profile = models.CharField(max_length=8, blank=True)
    # What a whole-API scan was asked for (webui.api_scans); api_key is filled in by save().
    api = models.JSONField(default=dict, blank=True)
    api_key = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=12, choices=Status, default=Status.PENDING)
    grade = models.CharField(max_length=2, blank=True)
    score = models.IntegerField(null=True, blank=True)
    report = models.JSONField(null=True, blank=True)
    error = models.TextField("message", blank=True)
    algorithm_version = models.PositiveSmallIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)
    # When the task was handed to the broker; null while nothing has queued it yet.
    queued = models.DateTimeField(null=True, blank=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    # Who holds the claim on a running scan ("host:pid") and when it last said it is alive.
    worker = models.CharField(max_length=200, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True)
    # Where a running scan is (checker.Progress as a dict), written by the worker as it goes.
    progress = models.JSONField(null=True, blank=True)

    objects = ScanQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["site", "-created"], name="scan_site_history"),
            models.Index(fields=["status", "created"], name="scan_status"),
            models.Index(fields=["status", "queued"], name="scan_dispatch"),
            models.Index(fields=["target", "-created"], name="scan_target_history"),
        ]
        constraints = [
            # Parallel submissions of one target with the same options join one scan.
            models.UniqueConstraint(
                fields=["target_url", "frontend_origin", "profile", "api_key"],
                condition=Q(status__in=["pending", "running"], private=False),
                name="one_active_scan_per_target",
            ),
            # Its answer depends on the credentials: never listed, joined or reused.
            models.CheckConstraint(
                condition=Q(authenticated=False) | Q(private=True),
                name="authenticated_scan_is_private",
            ),
        ]

    def __str__(self):
        return f"{self.target_url} ({self.token})"

    def save(self, *args, **kwargs):
        self.api_key = api_key(self.api)
        if self.target_id is None:
            self.target = Target.for_scan(
                self.site, self.target_url, self.frontend_origin, self.profile, self.api
            )
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("report", args=[self.token])

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def grade_slug(self) -> str:
        """A CSS-friendly name for the grade: "A+" becomes "a-plus"."""
        return self.grade.lower().replace("+", "-plus")

    @property
    def engine_report(self) -> Report | None:
        return Report.from_dict(self.report) if self.report else None

    def finish(self, report: Report) -> None:
        """Store the engine's report; the status says whether the site could be judged."""
        self.report = report.to_dict()
        self.algorithm_version = report.algorithm_version
        if report.status == EngineStatus.OK:
            self.status = self.Status.DONE
            self.grade = report.grade or ""
            self.score = report.score
        elif report.status == EngineStatus.ERROR:  # the engine's own fault, not the site's
            self.status = self.Status.FAILED
            self.error = report.message
        else:
            self.status = self.Status.UNREACHABLE
            self.error = report.message
        self.finished = timezone.now()
        self.save()


SIMULATION_GIVE_UP_MESSAGE = (
    "We tried to run this simulation {attempts} times and it never finished, so we gave up."
)
SIMULATION_STALE_MESSAGE = "The simulation did not finish in time. Please try again."


class SimulationQuerySet(models.QuerySet):
    def claim(self, pk: int) -> "Simulation | None":
        """Mark the simulation running for this delivery, or return None when it is not ours.

        The same conditional UPDATE as ``ScanQuerySet.claim``: a running simulation is taken
        over only once it is older than its hard time limit, and attempts are capped.
        """
        now = timezone.now()
        abandoned = now - timedelta(seconds=settings.SIMULATE_TIME_LIMIT)
        startable = self.filter(pk=pk).filter(
            Q(status=Simulation.Status.PENDING)
            | Q(status=Simulation.Status.RUNNING, started__lt=abandoned)
        )
        claimed = startable.filter(attempts__lt=settings.SIMULATE_MAX_ATTEMPTS).update(
            status=Simulation.Status.RUNNING, attempts=F("attempts") + 1, started=now
        )
        if claimed:
            return self.select_related("scan").get(pk=pk)
        for simulation in startable:
            simulation.fail(SIMULATION_GIVE_UP_MESSAGE.format(attempts=simulation.attempts))
        return None

    def reap_stale(self) -> int:
        """End simulations that have been pending or running too long; return how many."""
        limit = timezone.now() - timedelta(seconds=settings.SIMULATE_STALE_AFTER)
        stale = Q(status=Simulation.Status.PENDING, created__lt=limit) | Q(
            status=Simulation.Status.RUNNING, started__lt=limit
        )
        return self.filter(stale).update(
            status=Simulation.Status.FAILED,
            error=SIMULATION_STALE_MESSAGE,
            finished=timezone.now(),
        )


class Simulation(EndsWithReason, models.Model):
    """One "Will my request work?" question about a scanned site, answered by the worker.

    The web process only stores the question; a Celery task sends the probes through the
    engine's guard and stores the verdict in ``result`` (the engine's JSON).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting in the queue"
        RUNNING = "running", "Asking the site"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.PENDING, Status.RUNNING)

    token = models.CharField(max_length=16, unique=True, default=new_token, editable=False)
    # A question about a scanned site has its scan (and asks the scan's final URL); one the error
    # explainer asks to confirm a pasted console message has none, and names its URL and host.
    scan = models.ForeignKey(
        Scan, models.CASCADE, related_name="simulations", null=True, blank=True
    )
    url = models.URLField(max_length=2000, blank=True)
    host = models.CharField(max_length=253, blank=True)
    message = models.TextField("console message", blank=True)
    origin = models.CharField(max_length=300)
    method = models.CharField(max_length=8)
    headers = models.JSONField(default=list, blank=True)  # [[name, value], ...], never sent
    credentials = models.BooleanField(default=False)
    client = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=12, choices=Status, default=Status.PENDING)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField("message", blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)
    queued = models.DateTimeField(null=True, blank=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    objects = SimulationQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["status", "created"], name="simulation_status")]

    def __str__(self):
        return f"{self.method} from {self.origin} ({self.token})"

    def get_absolute_url(self):
        if self.scan_id is None:
            return reverse("explanation", args=[self.token])
        return reverse("simulation", args=[self.scan.token, self.token])

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    def finish(self, result: dict) -> None:
        """Store the engine's result (``checker.live.LiveSimulation.to_dict()``)."""
        self.result = result
        self.status = self.Status.DONE
        self.finished = timezone.now()
        self.save(update_fields=["result", "status", "finished"])


class SubscriptionQuerySet(models.QuerySet):
    def purge_unconfirmed(self) -> int:
        """Delete subscriptions whose confirmation link has expired unused; return how many.

        ``created`` is when the last confirmation was sent (asking again renews it), so what
        goes is exactly what no link can confirm any more.
        """
        limit = timezone.now() - timedelta(seconds=settings.SUBSCRIPTION_CONFIRM_MAX_AGE)
        deleted, _ = self.filter(confirmed__isnull=True, created__lt=limit).delete()
        return deleted


class Subscription(models.Model):
    """An email address that wants to hear about re-checks of one target.

    Double opt-in: the row is created unconfirmed and only the confirmation mail is sent until
    its signed link is followed (``confirmed`` then holds when). ``next_check_at`` is set once
    confirmed and claimed with a conditional UPDATE by the due-check, so two beats or workers
    never re-check or mail twice. ``pending_scan`` is the re-check whose end has not been
    reported yet; ``last_scan`` is the scan the subscriber last heard about, the starting point
    of the next comparison (a re-check that finds the site down does not replace a graded one,
    so its recovery is compared with the last good scan); ``reachable`` is whether the latest
    check reached the site, so an outage is mailed once and its end once. See webui/watching.py.
    """

    class Frequency(models.TextChoices):
        DAILY = "daily", "Every day"
        WEEKLY = "weekly", "Every week"

    class Mode(models.TextChoices):
        CHANGES = "changes", "Only when something changes"
        EVERY = "every", "Every time"

    target = models.ForeignKey(Target, models.CASCADE, related_name="subscriptions")
    email = models.EmailField(max_length=254)  # as Django's validator accepted it, lower-cased
    frequency = models.CharField(max_length=8, choices=Frequency, default=Frequency.DAILY)
    mode = models.CharField(max_length=8, choices=Mode, default=Mode.CHANGES)
    # A keyed hash of the subscriber's network (see webui.clients), for the per-client cap.
    client = models.CharField(max_length=32, blank=True)
    created = models.DateTimeField(default=timezone.now)
    confirmed = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    pending_scan = models.ForeignKey(Scan, models.SET_NULL, null=True, blank=True, related_name="+")
    last_scan = models.ForeignKey(Scan, models.SET_NULL, null=True, blank=True, related_name="+")
    reachable = models.BooleanField(null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["created"]
        indexes = [
            models.Index(fields=["next_check_at"], name="subscription_due"),
            models.Index(fields=["email"], name="subscription_email"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["target", "email"], name="one_subscription_per_target"),
        ]

    def __str__(self):
        return f"subscription {self.pk} to {self.target}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed is not None

    @property
    def interval(self) -> timedelta:
        """How long from one re-check to the next."""
        return SUBSCRIPTION_PERIODS[self.frequency]


# How long from one re-check to the next, per Subscription.Frequency.
SUBSCRIPTION_PERIODS = {
    Subscription.Frequency.DAILY: timedelta(days=1),
    Subscription.Frequency.WEEKLY: timedelta(days=7),
}
