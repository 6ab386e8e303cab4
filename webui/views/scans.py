from django.contrib import messages
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseStopPolling

from checker import Report
from checker.browser_outcomes import browser_outcomes
from webui import limits, queueing, report_pages, rescans
from webui.api_scans import description
from webui.clients import client_key
from webui.models import Scan, Site
from webui.presenting import report_view
from webui.progress import progress_view
from webui.same_origin import same_origin_post
from webui.views.pages import HttpResponseSeeOther, render_refusal


def report_context(scan: Scan) -> dict:
    report: Report | None = scan.engine_report
    context = {"scan": scan, "report": report, "api_description": description(scan.api)}
    if report is not None and report.chain:
        context["view"] = report_view(report, base_url=reverse("glossary"))
        context["browsers"] = browser_outcomes(report)
    if scan.is_active:
        context["progress"] = progress_view(scan, timezone.now())
    return context


def report(request, token: str):
    scan = get_object_or_404(Scan.objects.select_related("site", "target"), token=token)
    context = report_context(scan)
    if request.htmx:
        # The polling request gets the live region only. Once the scan has ended, status 286
        # makes htmx swap in the final content and stop polling.
        html = render_to_string("webui/report.html#scan-state", context, request=request)
        return (HttpResponse if scan.is_active else HttpResponseStopPolling)(html)
    if scan.is_active:
        return render(request, "webui/report.html", context)
    # An ended report is the same for every visitor: no nonce (its one script is our own static
    # file), and the boxes that depend on the visitor come from `watch`. The middleware keeps it.
    static = {"repeatable": rescans.is_worth_repeating(scan), "checked": rescans.checked_at(scan)}
    response = render(request, "webui/report.html", {**context, **static, "csp_nonce": None})
    # Revalidated each time (a 304 is cheap); a private report is for its visitor's browser only.
    patch_cache_control(response, no_cache=True, **({"private": True} if scan.private else {}))
    setattr(response, report_pages.STORABLE, (scan.finished or scan.created).timestamp())
    return response


def watch(request, token: str):
    """ "Check again" and the subscription form of an ended report: fetched into the report by
    htmx, or a page of its own without JavaScript."""
    scan = get_object_or_404(Scan.objects.select_related("site", "target"), token=token)
    if scan.is_active:
        return HttpResponseRedirect(scan.get_absolute_url())
    context = {"scan": scan, "rescan": rescans.check_again(scan)}
    if request.htmx:
        return render(request, "webui/report/rescan.html", context)
    return render(request, "webui/report_watch.html", context)


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


@same_origin_post
@require_http_methods(["GET", "HEAD", "POST"])
def rescan(request, token: str):
    """POST: check the report's target again. GET from htmx: the button, while it waits for the
    cooldown to end; any other GET goes to the report."""
    scan = get_object_or_404(Scan.objects.select_related("site", "target"), token=token)
    if request.method != "POST":
        if request.htmx and not scan.is_active:
            box = rescans.check_again(scan)
            context = {"scan": scan, "rescan": box, "announce": box.wait == 0}
            return render(request, "webui/report/rescan.html#check-again-control", context)
        return HttpResponseRedirect(scan.get_absolute_url())
    if scan.is_active:
        return HttpResponseSeeOther(scan.get_absolute_url())
    box = rescans.check_again(scan)
    if not box.offered:
        refused = rescans.AUTHENTICATED_MESSAGE if scan.authenticated else rescans.REFUSED_MESSAGE
        messages.error(request, refused)
        return HttpResponseSeeOther(scan.get_absolute_url())
    if box.running is not None:
        messages.info(request, rescans.UNDER_WAY_MESSAGE)
        return HttpResponseSeeOther(queueing.ensure_queued(box.running).get_absolute_url())
    if box.wait:
        # The button is disabled meanwhile, so this POST was forged or sent from a page left
        # open without JavaScript: show the check we already have instead of probing again.
        words = {"ago": box.newest_ago, "cooldown": box.cooldown_words, "wait": box.wait_words}
        messages.info(request, rescans.COOLDOWN_MESSAGE.format(**words))
        return HttpResponseSeeOther(box.newest.get_absolute_url())
    client = client_key(request)
    refusal = limits.refusal(request, client, scan.site.host)
    if refusal is not None:
        context = {"scan": scan, "rescan": box, "rescan_refusal": refusal.message}
        return render_refusal(
            request,
            "webui/report_watch.html",
            context,
            status=429,
            retry_after=refusal.retry_after,
        )
    return HttpResponseSeeOther(rescans.start(scan, client).get_absolute_url())
