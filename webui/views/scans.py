from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django_htmx.http import HttpResponseStopPolling

from checker import Report
from webui.models import Scan, Site
from webui.presenting import report_view


def report_context(scan: Scan) -> dict:
    report: Report | None = scan.engine_report
    context = {"scan": scan, "report": report}
    if report is not None and report.chain:
        context["view"] = report_view(report, base_url=reverse("glossary"))
    return context


def report(request, token: str):
    scan = get_object_or_404(Scan.objects.select_related("site", "target"), token=token)
    context = report_context(scan)
    if request.htmx:
        # The polling request gets the live region only. Once the scan has ended, status 286
        # makes htmx swap in the final content and stop polling.
        html = render_to_string("webui/report.html#scan-state", context, request=request)
        return (HttpResponse if scan.is_active else HttpResponseStopPolling)(html)
    return render(request, "webui/report.html", context)


def site(request, host: str):
    """The host's targets (URL and options) that have public scans, each with its latest one."""
    site = get_object_or_404(Site, host=host.lower())
    public = Scan.objects.filter(target=OuterRef("pk"), private=False).order_by("-created")
    targets = list(
        site.targets.annotate(
            latest_pk=Subquery(public.values("pk")[:1]),
            public_scans=Count("scans", filter=Q(scans__private=False)),
        ).filter(latest_pk__isnull=False)
    )
    # Private scans are listed nowhere; a site known only from private scans has no page at all,
    # so its page cannot even tell that someone checked it.
    if not targets:
        raise Http404("No public scans of this site.")
    latest = Scan.objects.defer("report").in_bulk([target.latest_pk for target in targets])
    rows = [(target, latest[target.latest_pk]) for target in targets]
    rows.sort(key=lambda row: row[1].created, reverse=True)
    return render(request, "webui/site.html", {"site": site, "rows": rows})


def rescan(request, token: str):
    raise Http404("Not built yet.")
