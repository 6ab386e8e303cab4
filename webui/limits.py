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

from webui.models import Scan, Simulation

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


def recent_scan(target_url: str, frontend_origin: str) -> Scan | None:
    """A scan of this URL and origin under way, or graded, within SCAN_REUSE_SECONDS."""
    if settings.SCAN_REUSE_SECONDS <= 0:
        return None
    since = timezone.now() - timedelta(seconds=settings.SCAN_REUSE_SECONDS)
    fresh = Q(status=Scan.Status.DONE, finished__gte=since) | Q(
        status__in=Scan.ACTIVE, created__gte=since
    )
    return (
        Scan.objects.filter(target_url=target_url, frontend_origin=frontend_origin)
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


# --- Live simulations ---------------------------------------------------------------------------
# Each "Will my request work?" question sends the scanned site up to a dozen requests from our
# worker. A visitor may ask SIMULATE_RATE_LIMIT of them; one host receives at most
# SIMULATE_TARGET_RATE from everybody together, and at most SIMULATE_MAX_ACTIVE_PER_TARGET at a
# time, so nobody can use us to flood a site.

SIMULATE_GROUP = "simulate"
SIMULATE_TARGET_GROUP = "simulate-target"
SIMULATE_TOO_MANY_MESSAGE = (
    "Too many simulations from your network: the limit is {limit}. Nothing was sent to the site; "
    "please try again in {wait}."
)
SIMULATE_TARGET_RATE_MESSAGE = (
    "{host} has been asked as many questions through us as we allow: {limit}, from all visitors "
    "together, so that the site is never flooded. Nothing was sent to it; please try again in "
    "{wait}."
)
SIMULATE_TARGET_BUSY_MESSAGE = (
    "We are already running as many simulations of {host} as we allow at one time ({count}). "
    "Nothing was sent to it; please try again in a few seconds."
)


def over_simulate_rate(request: HttpRequest) -> bool:
    """Count one simulation for the request's address (IPv6 per /64); True when over the limit."""
    return is_ratelimited(
        request, group=SIMULATE_GROUP, key="ip", rate=settings.SIMULATE_RATE_LIMIT, increment=True
    )


def over_target_simulate_rate(request: HttpRequest, host: str) -> bool:
    """Count one simulation against the scanned host, whoever asks; True when over the limit."""
    return is_ratelimited(
        request,
        group=SIMULATE_TARGET_GROUP,
        key=lambda group, request: host,
        rate=settings.SIMULATE_TARGET_RATE,
        increment=True,
    )


def target_busy(host: str) -> bool:
    """True when the host already has the most simulations waiting or running we allow."""
    active = Simulation.objects.filter(scan__site__host=host, status__in=Simulation.ACTIVE)
    return active.count() >= settings.SIMULATE_MAX_ACTIVE_PER_TARGET


def rate_in_words(rate: str, noun: str) -> tuple[str, str]:
    """ "20/m", "simulation" -> ("20 simulations per minute", "a minute")."""
    count, multiple, unit = split_rate(rate)
    name, one, _ = PERIODS[unit]
    things = f"1 {noun}" if count == 1 else f"{count} {noun}s"
    if multiple == 1:
        return f"{things} per {name}", one
    span = f"{multiple} {name}s"
    return f"{things} per {span}", span


def simulate_too_many_message(rate: str) -> str:
    limit, wait = rate_in_words(rate, "simulation")
    return SIMULATE_TOO_MANY_MESSAGE.format(limit=limit, wait=wait)


def simulate_target_rate_message(rate: str, host: str) -> str:
    limit, wait = rate_in_words(rate, "simulation")
    return SIMULATE_TARGET_RATE_MESSAGE.format(host=host, limit=limit, wait=wait)


def simulate_target_busy_message(host: str) -> str:
    count = settings.SIMULATE_MAX_ACTIVE_PER_TARGET
    return SIMULATE_TARGET_BUSY_MESSAGE.format(count=count, host=host)
