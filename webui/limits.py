"""Limits on starting scans: politeness toward checked sites, and a ceiling per visitor.

Each scan sends a target a few dozen requests. Two rules keep that in proportion: a target
checked moments ago with the same settings is not checked again (the earlier scan is shown), and
one address may start only SCAN_RATE_LIMIT scans (counted in the shared cache).
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django_ratelimit.core import is_ratelimited

from webui.models import Scan

RATE_GROUP = "scan-start"
# letter -> (name, how to say "one of them", seconds)
PERIODS = {
    "s": ("second", "a second", 1),
    "m": ("minute", "a minute", 60),
    "h": ("hour", "an hour", 3600),
    "d": ("day", "a day", 86_400),
}
TOO_MANY_MESSAGE = (
    "Too many scans from your network: the limit is {limit}. Nothing was queued; please try "
    "again in {wait}."
)


def recent_scan(target_url: str, frontend_origin: str, profile: str = "") -> Scan | None:
    """A scan of this URL, origin and profile under way, or graded, within SCAN_REUSE_SECONDS."""
    if settings.SCAN_REUSE_SECONDS <= 0:
        return None
    since = timezone.now() - timedelta(seconds=settings.SCAN_REUSE_SECONDS)
    fresh = Q(status=Scan.Status.DONE, finished__gte=since) | Q(
        status__in=Scan.ACTIVE, created__gte=since
    )
    return (
        Scan.objects.filter(target_url=target_url, frontend_origin=frontend_origin, profile=profile)
        .filter(fresh)
        .order_by("-created")
        .first()
    )


def over_scan_rate(request: HttpRequest) -> bool:
    """Count one scan start for the request's address (IPv6 per /64); True when over the limit."""
    return is_ratelimited(
        request, group=RATE_GROUP, key="ip", rate=settings.SCAN_RATE_LIMIT, increment=True
    )


def split_rate(rate: str) -> tuple[int, int, str]:
    """ "5/10m" -> (5, 10, "m"): the count, how many periods, and the period's letter."""
    count, multiple, unit = re.fullmatch(r"(\d+)/(\d*)([smhd])", rate).groups()
    return int(count), int(multiple or 1), unit


def rate_window_seconds(rate: str) -> int:
    _, multiple, unit = split_rate(rate)
    return multiple * PERIODS[unit][2]


def too_many_message(rate: str) -> str:
    """ "10/m" -> "… the limit is 10 scans per minute … try again in a minute."."""
    count, multiple, unit = split_rate(rate)
    name, one, _ = PERIODS[unit]
    scans = "1 scan" if count == 1 else f"{count} scans"
    if multiple == 1:
        return TOO_MANY_MESSAGE.format(limit=f"{scans} per {name}", wait=one)
    span = f"{multiple} {name}s"
    return TOO_MANY_MESSAGE.format(limit=f"{scans} per {span}", wait=span)
