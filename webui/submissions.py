"""A visitor asks for a scan: the one path for the form on the home page and the JSON API.

Both hand over what ScanForm cleaned. A public request is answered with a recent or running
scan of the same target when there is one (limits.recent_scan); otherwise the visitor's limits
are checked before anything is written, and a new scan is started (or joined, when a parallel
submission won the insert) through webui.scanning.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from webui import limits, queueing, scanning
from webui.clients import client_key
from webui.models import Scan

# Codes of the refusals, as the JSON API names them.
RATE_LIMITED = "rate_limited"
TOO_MANY_ACTIVE = "too_many_active"


@dataclass(frozen=True)
class Refused:
    """Nothing was queued: ``message`` says which limit, ``retry_after`` when to come back."""

    code: str
    message: str
    retry_after: int


@dataclass(frozen=True)
class Accepted:
    scan: Scan
    new: bool  # False: an earlier or running scan of the same target is shown instead


def submit(request: HttpRequest, raw: str, cleaned: dict) -> Accepted | Refused:
    """Start, join or reuse a scan for ``cleaned`` (ScanForm's cleaned_data) typed as ``raw``."""
    target = cleaned["target"]
    # A private scan is never shown to anyone else, nor anyone else's to its author.
    if not cleaned["private"]:
        recent = limits.recent_scan(target.spec, cleaned["frontend_origin"], cleaned["profile"])
        recent = queueing.ensure_queued(recent)  # never join a scan that nothing will run
        if recent is not None:
            return Accepted(recent, new=False)
    client = client_key(request)
    busy = limits.busy_message(client, target.host)
    if busy is not None:
        return Refused(TOO_MANY_ACTIVE, busy, limits.busy_retry_seconds())
    if limits.over_scan_rate(request):
        rate = settings.SCAN_RATE_LIMIT
        return Refused(
            RATE_LIMITED, limits.too_many_message(rate), limits.rate_window_seconds(rate)
        )
    scan, new = queue_scan(raw, cleaned, client)
    # A joined scan (a parallel submission won the insert) must have been queued too.
    return Accepted(queueing.ensure_queued(scan), new=new)


def queue_scan(raw: str, cleaned: dict, client: str = "") -> tuple[Scan, bool]:
    target = cleaned["target"]
    return scanning.start_scan(
        host=target.host,
        # The spec, not the URL: a target typed without a scheme must still start over http://.
        url=target.spec,
        raw=raw,
        frontend_origin=cleaned["frontend_origin"],
        profile=cleaned.get("profile", ""),
        private=cleaned["private"],
        client=client,
    )
