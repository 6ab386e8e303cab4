"""A visitor asks for a scan: the one path for the form on the home page and the JSON API.

Both hand over what ScanForm cleaned. A public request is answered with a recent or running
scan of the same target when there is one (limits.recent_scan); otherwise the visitor's limits
are checked before anything is written (limits.refusal), and a new scan is started (or joined,
when a parallel submission won the insert) through webui.scanning.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from webui import limits, queueing, scanning
from webui.api_scans import api_key
from webui.clients import client_key
from webui.models import Scan


@dataclass(frozen=True)
class Accepted:
    scan: Scan
    new: bool  # False: an earlier or running scan of the same target is shown instead


@sensitive_variables("cleaned")
def submit(request: HttpRequest, raw: str, cleaned: dict) -> Accepted | limits.Refusal:
    """Start, join or reuse a scan for ``cleaned`` (ScanForm's cleaned_data) typed as ``raw``;
    or the refusal that says which limit, when over one (nothing is queued then)."""
    target = cleaned["target"]
    # A private scan is never shown to anyone else, nor anyone else's to its author; an
    # authenticated one is always private (its answer depends on the credentials).
    if not (cleaned["private"] or cleaned.get("request_headers")):
        recent = limits.recent_scan(
            target.spec,
            cleaned["frontend_origin"],
            cleaned["profile"],
            api_key(cleaned.get("api")),
        )
        recent = queueing.ensure_queued(recent)  # never join a scan that nothing will run
        if recent is not None:
            return Accepted(recent, new=False)
    client = client_key(request)
    refusal = limits.refusal(request, client, target.host)
    if refusal is not None:
        return refusal
    scan, new = queue_scan(raw, cleaned, client)
    # A joined scan (a parallel submission won the insert) must have been queued too.
    return Accepted(queueing.ensure_queued(scan), new=new)


@sensitive_variables("cleaned")
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
        request_headers=cleaned.get("request_headers", ()),
        api=cleaned.get("api") or {},
    )
