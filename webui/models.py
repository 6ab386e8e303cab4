import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from checker import Report
from checker import Status as EngineStatus

GIVE_UP_MESSAGE = "We tried to run this scan {attempts} times and it never finished, so we gave up."
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


class ScanQuerySet(models.QuerySet):
    def claim(self, pk: int) -> "Scan | None":
        """Mark the scan running for this delivery, or return None when it is not ours to run.

        A conditional UPDATE, so two deliveries of the same task cannot both start it. A running
        scan is only taken over once it is older than the hard time limit: no live worker can
        still be running it then, so its worker died and the broker handed the task out again.
        """
        now = timezone.now()
        abandoned = now - timedelta(seconds=settings.SCAN_TIME_LIMIT)
        startable = self.filter(pk=pk).filter(
            Q(status=Scan.Status.PENDING) | Q(status=Scan.Status.RUNNING, started__lt=abandoned)
        )
        claimed = startable.filter(attempts__lt=settings.SCAN_MAX_ATTEMPTS).update(
            status=Scan.Status.RUNNING, attempts=F("attempts") + 1, started=now
        )
        if claimed:
            return self.get(pk=pk)
        # Startable but out of attempts: a poison task. End it rather than retry for ever.
        for scan in startable:
            scan.fail(GIVE_UP_MESSAGE.format(attempts=scan.attempts))
        return None

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


class Scan(models.Model):
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
    # Not listed anywhere (site history, lists); reachable only through its permalink.
    private = models.BooleanField(default=False)
    # A keyed hash of the network the request came from (IPv4 address, IPv6 /64): enough to
    # cap concurrent scans per visitor, never the address itself.
    client = models.CharField(max_length=32, blank=True)
    target_raw = models.CharField("target as typed", max_length=2048)
    target_url = models.CharField("normalised target URL", max_length=2048)
    frontend_origin = models.CharField(max_length=300, blank=True)
    # "page" or "api" when the visitor chose how to grade; empty: by the kind of answer.
    profile = models.CharField(max_length=8, blank=True)
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

    objects = ScanQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["site", "-created"], name="scan_site_history"),
            models.Index(fields=["status", "created"], name="scan_status"),
            models.Index(fields=["status", "queued"], name="scan_dispatch"),
        ]
        constraints = [
            # Parallel submissions of one target with the same options join one scan.
            models.UniqueConstraint(
                fields=["target_url", "frontend_origin", "profile"],
                condition=Q(status__in=["pending", "running"], private=False),
                name="one_active_scan_per_target",
            ),
        ]

    def __str__(self):
        return f"{self.target_url} ({self.token})"

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
        else:
            self.status = self.Status.UNREACHABLE
            self.error = report.message
        self.finished = timezone.now()
        self.save()

    def fail(self, message: str) -> None:
        self.status = self.Status.FAILED
        self.error = message
        self.finished = timezone.now()
        self.save(update_fields=["status", "error", "finished"])


class Simulation(models.Model):
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
    scan = models.ForeignKey(Scan, models.CASCADE, related_name="simulations")
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

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["status", "created"], name="simulation_status")]

    def __str__(self):
        return f"{self.method} from {self.origin} ({self.token})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE
