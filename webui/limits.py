"""Limits on starting scans: politeness toward checked sites, and a ceiling per visitor.

Each scan sends a target a few dozen requests. These rules keep that in proportion: a target
under way, or checked moments ago, with the same settings is not checked again (that scan is
shown; the database's one_active_scan_per_target constraint settles a race between submissions);
one client may start only SCAN_RATE_LIMIT scans (counted in the shared cache); and one client, or
one target host, may only have so many scans under way at once (counted from the rows).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django_ratelimit.core import is_ratelimited

from checker.analyze.evidence import plural
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


BUSY_CLIENT_MESSAGE = (
    "You already have {scans} under way, the most one network may run at once. Nothing "
    "was queued; please try again in {wait}, when one of them has ended."
)
BUSY_HOST_MESSAGE = (
    "{host} already has {scans} under way, the most we run against one site at once. "
    "Nothing was queued; please try again in {wait}."
)


def recent_scan(
    target_url: str, frontend_origin: str, profile: str = "", api_key: str = ""
) -> Scan | None:
    """A public scan of this target, origin and profile to show instead of a new one: one under
    way (a second could not be created beside it), or one graded within SCAN_REUSE_SECONDS."""
    public = Scan.objects.filter(
        target_url=target_url,
        frontend_origin=frontend_origin,
        profile=profile,
        api_key=api_key,
        private=False,
    )
    fresh = Q(status__in=Scan.ACTIVE)
    if settings.SCAN_REUSE_SECONDS > 0:
        since = timezone.now() - timedelta(seconds=settings.SCAN_REUSE_SECONDS)
        fresh |= Q(status=Scan.Status.DONE, finished__gte=since)
    return public.filter(fresh).order_by("-created").first()


def active_scan(
    target_url: str, frontend_origin: str, profile: str = "", api_key: str = ""
) -> Scan | None:
    """The public scan of this target, origin and profile now under way, if any (at most one)."""
    return Scan.objects.filter(
        target_url=target_url,
        frontend_origin=frontend_origin,
        profile=profile,
        api_key=api_key,
        private=False,
        status__in=Scan.ACTIVE,
    ).first()


def busy_message(client: str, host: str) -> str | None:
    """Why a new scan may not start now, when the client or the host has too many under way."""
    active = Scan.objects.filter(status__in=Scan.ACTIVE)
    wait = wait_words(busy_retry_seconds())
    count = settings.SCAN_MAX_ACTIVE_PER_CLIENT
    if client and active.filter(client=client).count() >= count:
        return BUSY_CLIENT_MESSAGE.format(scans=plural(count, "scan"), wait=wait)
    count = settings.SCAN_MAX_ACTIVE_PER_HOST
    if active.filter(site__host=host).count() >= count:
        return BUSY_HOST_MESSAGE.format(host=host, scans=plural(count, "scan"), wait=wait)
    return None


# Which limit refused, as the JSON API's error codes name it.
TOO_MANY_ACTIVE = "too_many_active"
RATE_LIMITED = "rate_limited"


class Refusal(NamedTuple):
    message: str
    retry_after: int  # seconds, for the Retry-After header
    code: str  # TOO_MANY_ACTIVE or RATE_LIMITED


def refusal(request: HttpRequest, client: str, host: str) -> Refusal | None:
    """Why this request may not start a scan of ``host`` now, or None when it may.

    The rules of the home form, for every way a visitor starts a scan: too many under way for
    the client or the host, then the client's rate — counted only when nothing else refused it.
    """
    busy = busy_message(client, host)
    if busy is not None:
        return Refusal(busy, busy_retry_seconds(), TOO_MANY_ACTIVE)
    if over_scan_rate(request):
        rate = settings.SCAN_RATE_LIMIT
        return Refusal(too_many_message(rate), rate_window_seconds(rate), RATE_LIMITED)
    return None


def busy_retry_seconds() -> int:
    # A scan that is running now has ended, one way or another, by its soft time limit.
    return settings.SCAN_SOFT_TIME_LIMIT


def wait_words(seconds: int) -> str:
    """How long to wait, rounded up: "a minute", "45 minutes", "3 hours"."""
    minutes = -(-seconds // 60)
    if minutes <= 1:
        return "a minute"
    if minutes < 90:
        return f"{minutes} minutes"
    return f"{-(-minutes // 60)} hours"


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


def rate_in_words(rate: str, noun: str) -> tuple[str, str]:
    """ "20/m", "simulation" -> ("20 simulations per minute", "a minute")."""
    count, multiple, unit = split_rate(rate)
    name, one, _ = PERIODS[unit]
    things = plural(count, noun)
    if multiple == 1:
        return f"{things} per {name}", one
    span = f"{multiple} {name}s"
    return f"{things} per {span}", span


def too_many_message(rate: str) -> str:
    """ "10/m" -> "… the limit is 10 scans per minute … try again in a minute."."""
    limit, wait = rate_in_words(rate, "scan")
    return TOO_MANY_MESSAGE.format(limit=limit, wait=wait)


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
    about_host = Q(scan__site__host=host) | Q(scan=None, host=host)  # the explainer's have no scan
    active = Simulation.objects.filter(about_host, status__in=Simulation.ACTIVE)
    return active.count() >= settings.SIMULATE_MAX_ACTIVE_PER_TARGET


def simulate_too_many_message(rate: str) -> str:
    limit, wait = rate_in_words(rate, "simulation")
    return SIMULATE_TOO_MANY_MESSAGE.format(limit=limit, wait=wait)


def simulate_target_rate_message(rate: str, host: str) -> str:
    limit, wait = rate_in_words(rate, "simulation")
    return SIMULATE_TARGET_RATE_MESSAGE.format(host=host, limit=limit, wait=wait)


def simulate_target_busy_message(host: str) -> str:
    count = settings.SIMULATE_MAX_ACTIVE_PER_TARGET
    return SIMULATE_TARGET_BUSY_MESSAGE.format(count=count, host=host)
