"""Starting scans: the one way a scan row comes to exist, for the form, a rescan, a re-check
and the API alike. Views and tasks decide *whether* to start one; this module starts or joins it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.views.decorators.debug import sensitive_variables

from webui import limits, queueing, sealing
from webui.api_scans import api_key
from webui.models import Scan, Site, Target

JOIN_ATTEMPTS = 3


@sensitive_variables("request_headers")
@transaction.atomic
def start_scan(
    *,
    host: str,
    url: str,
    raw: str = "",
    frontend_origin: str = "",
    profile: str = "",
    private: bool = False,
    client: str = "",
    series: str = "",
    request_headers: sealing.Headers = (),
    api: dict | None = None,
) -> tuple[Scan, bool]:
    """A new scan of ``url`` (a target spec) queued once committed, or the public one already
    under way for the same target; the flag says whether it is new.

    ``request_headers`` ((name, value) pairs, already validated) make an authenticated scan:
    always new and private, since its answer depends on the credentials. The row keeps only
    the names; the values go to the worker sealed inside the task (webui.sealing).
    ``api`` is what a whole-API scan probes (webui.api_scans); the target keeps it for re-checks.

    A dead broker ends the new scan with a reason and raises queueing.QueueUnavailable after
    the commit (the middleware answers 503). ``series`` ties a private rescan to the private
    scan it follows (see Scan.series).
    """
    site, _ = Site.objects.get_or_create(host=host)
    target = Target.for_scan(site, url, frontend_origin, profile, api)
    authenticated = bool(request_headers)
    scan, created = create_or_join(
        site=site,
        target=target,
        target_raw=raw or url,
        target_url=url,
        frontend_origin=frontend_origin,
        profile=profile,
        private=private or authenticated,
        client=client,
        series=series,
        authenticated=authenticated,
        request_header_names=[name for name, _ in request_headers],
        api=api or {},
    )
    if created:
        sealed = sealing.seal(request_headers, scan.token) if authenticated else ""
        queueing.enqueue_on_commit(scan, sealed)
    return scan, created


def start_target_scan(target: Target, client: str = "") -> tuple[Scan, bool]:
    """A new public scan of a known target with its own options (rescans and re-checks)."""
    return start_scan(
        host=target.site.host,
        url=target.url,
        frontend_origin=target.frontend_origin,
        profile=target.profile,
        client=client,
        api=target.api,
    )


def create_or_join(**fields) -> tuple[Scan, bool]:
    """A new scan, or the public one already under way for the same target, origin and profile.

    The one_active_scan_per_target constraint decides between parallel submissions: the insert
    runs in a savepoint, and when the constraint refuses it, the row that won is joined. If that
    row ended in the moment between, there is nothing to join and the insert is tried again.
    """
    attempt = 1
    while True:
        try:
            with transaction.atomic():
                return Scan.objects.create(**fields), True
        except IntegrityError:
            joined = limits.active_scan(
                fields["target_url"],
                fields["frontend_origin"],
                fields.get("profile", ""),
                api_key(fields.get("api")),
            )
            if joined is not None:
                return joined, False
            if attempt == JOIN_ATTEMPTS:
                raise
            attempt += 1
