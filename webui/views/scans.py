from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django_htmx.http import HttpResponseStopPolling

from checker import Report
from webui.models import Scan, Site
from webui.presenting import report_view, score_trend

HISTORY_LENGTH = 100


def report_context(scan: Scan) -> dict:
    report: Report | None = scan.engine_report
    context = {"scan": scan, "report": report}
    if report is not None and report.chain:
        context["view"] = report_view(report, base_url=reverse("glossary"))
    return context


def report(request, token: str):
    scan = get_object_or_404(Scan.objects.select_related("site"), token=token)
    context = report_context(scan)
    if request.htmx:
        # The polling request gets the live region only. Once the scan has ended, status 286
        # makes htmx swap in the final content and stop polling.
        html = render_to_string("webui/report.html#scan-state", context, request=request)
        return (HttpResponse if scan.is_active else HttpResponseStopPolling)(html)
    return render(request, "webui/report.html", context)


def site(request, host: str):
    site = get_object_or_404(Site, host=host.lower())
    # Private scans are listed nowhere; a site known only from private scans has no page at all,
    # so its page cannot even tell that someone checked it.
    scans = list(site.scans.filter(private=False)[:HISTORY_LENGTH])
    if not scans:
        raise Http404("No public scans of this site.")
    graded = [scan.score for scan in reversed(scans) if scan.score is not None]
    trend = score_trend(graded)
    return render(request, "webui/site.html", {"site": site, "scans": scans, "trend": trend})


def rescan(request, token: str):
    raise Http404("Not built yet.")
