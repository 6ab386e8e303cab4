""" "Check again" on a report: which scans of its target the report's visitor may know of, the
cooldown between two checks, and the earlier check a new one is compared with.

A public report's line is its target's public scans. A private report's line is its series: the
private scan typed on the home form and the private rescans started from it (``Scan.series``),
so nobody is led to, or compared with, another visitor's private scan of the same target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.timesince import timesince

from checker import Status as EngineStatus
from webui import queueing, scanning
from webui.models import Scan

# Our own guard refused the address (private, loopback, a port outside the allow-list), or the
# input named no target: a second check would end the same way without asking the site anything.
NOT_WORTH_REPEATING = (EngineStatus.REFUSED, EngineStatus.INVALID)

UNDER_WAY_MESSAGE = "A check of this target was already under way, so you are following that one."
COOLDOWN_MESSAGE = (
    "This target was checked {ago}, and we check one target at most once every {cooldown} so "
    "that the site is never flooded through us: here is that check. You can check again in "
    "{wait}."
)
REFUSED_MESSAGE = (
    "We do not check this address again: it was refused before anything was sent (a private "
    "address or a port we do not check), and it would be refused the same way."
)

AUTHENTICATED_MESSAGE = (
    "The extra request headers of an authenticated scan are not kept, so it cannot be repeated "
    "from here: start it again from the home page with the headers."
)


def seconds_words(seconds: int) -> str:
    """A short count of time: "42 s" under a minute, "1 min 5 s" or "10 min" from one up."""
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def line_of(scan: Scan) -> QuerySet[Scan]:
    """The scans of this scan's target that its report may lead to, itself included."""
    scans = Scan.objects.filter(target_id=scan.target_id, private=scan.private)
    if not scan.private:
        return scans
    first = series_of(scan)
    return scans.filter(Q(token=first) | Q(series=first))


def series_of(scan: Scan) -> str:
    """What a private rescan of this scan stores in ``series``; empty for a public one."""
    return (scan.series or scan.token) if scan.private else ""


def is_worth_repeating(scan: Scan) -> bool:
    """Ended, and not on a refusal of our own guard: the site may answer differently now.

    An authenticated scan is not repeated from its report: the extra headers it was sent with
    are not kept, and a check without them would answer another question.
    """
    if scan.is_active or scan.authenticated:
        return False
    return (scan.report or {}).get("status") not in NOT_WORTH_REPEATING


def checked_at(scan: Scan) -> datetime:
    """When the site was last asked: the end of the scan (its creation while it has none)."""
    return scan.finished or scan.created


def ago(when: datetime, now: datetime) -> str:
    if now - when < timedelta(minutes=1):
        return "less than a minute ago"
    return f"{timesince(when, now, depth=1)} ago"


def previous_check(scan: Scan) -> Scan | None:
    """The check a new one is compared with: the newest earlier ended scan of its line that has
    a report (an unreachable site has one too; a scan that failed on our side may not)."""
    if scan.report is None:
        return None
    earlier = line_of(scan).filter(created__lt=scan.created, report__isnull=False)
    return earlier.exclude(status__in=Scan.ACTIVE).order_by("-created", "-pk").first()


@dataclass(frozen=True)
class CheckAgain:
    """What the "Check again" box of an ended report shows, and what its POST does."""

    scan: Scan
    now: datetime
    offered: bool  # the button is there at all
    running: Scan | None  # a check of the line under way: "Check again" leads to it
    newest: Scan | None  # the line's newest ended check (maybe this one)
    wait: int  # seconds left of the cooldown; 0 when the button may be used
    previous: Scan | None  # what this check is compared with

    @property
    def wait_words(self) -> str:
        return seconds_words(self.wait)

    @property
    def cooldown_words(self) -> str:
        """After "once every": "minute" reads better there than "1 min"."""
        return "minute" if self.cooldown == 60 else seconds_words(self.cooldown)

    @property
    def cooldown(self) -> int:
        return settings.RESCAN_COOLDOWN

    @property
    def checked(self) -> datetime:
        return checked_at(self.scan)

    @property
    def checked_ago(self) -> str:
        return ago(self.checked, self.now)

    @property
    def newer(self) -> Scan | None:
        """The newest ended check when it is not this report's own."""
        return self.newest if self.newest and self.newest.pk != self.scan.pk else None

    @property
    def newest_ago(self) -> str:
        return ago(checked_at(self.newest), self.now) if self.newest else ""

    @property
    def previous_checked(self) -> datetime | None:
        return checked_at(self.previous) if self.previous else None


def check_again(scan: Scan) -> CheckAgain:
    now = timezone.now()
    line = line_of(scan).order_by("-created", "-pk")
    running = line.filter(status__in=Scan.ACTIVE).first()
    newest = line.exclude(status__in=Scan.ACTIVE).first()
    wait = 0
    if running is None and newest is not None:
        ready_at = checked_at(newest) + timedelta(seconds=settings.RESCAN_COOLDOWN)
        wait = max(0, math.ceil((ready_at - now).total_seconds()))
    return CheckAgain(
        scan=scan,
        now=now,
        offered=is_worth_repeating(scan),
        running=running,
        newest=newest,
        wait=wait,
        previous=previous_check(scan),
    )


def start(scan: Scan, client: str) -> Scan:
    """A new scan of the same target with the same options and privacy, handed to the queue (or
    the public one under way that a parallel request started)."""
    target = scan.target
    if scan.private:
        new, _ = scanning.start_scan(
            host=target.site.host,
            url=target.url,
            frontend_origin=target.frontend_origin,
            profile=target.profile,
            private=True,
            client=client,
            series=series_of(scan),
            api=target.api,
        )
    else:
        new, _ = scanning.start_target_scan(target, client)
    return queueing.ensure_queued(new)
