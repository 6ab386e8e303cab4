""" "Will my request work?": a question about a scanned site, answered by the worker.

The web process never talks to the site. Posting the form stores the question as a
``Simulation`` row and queues ``run_simulation``; the worker runs ``checker.live`` (the simulator
plus the guarded engine, within one deadline) and stores the result. The question's permalink
shows progress the way the report does (htmx polls a partial, 286 stops it, a meta refresh
without JavaScript) and then the verdict.

Questions are limited three ways, all before anything is written: per visitor
(SIMULATE_RATE_LIMIT), per scanned host from everybody together (SIMULATE_TARGET_RATE), and by
how many of one host's simulations may wait or run at once (SIMULATE_MAX_ACTIVE_PER_TARGET).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import HttpResponseStopPolling

from checker.live import LiveSimulation
from checker.simulate import serialise_origin
from webui import limits
from webui.models import Scan, Simulation, Site
from webui.queueing import BROKER_DOWN
from webui.tasks import run_simulation
from webui.views.pages import HttpResponseSeeOther, render_refusal

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
MAX_HEADER_LINES = 20
TEMPLATE = "reports/simulate.html"
QUEUE_DOWN_MESSAGE = (
    "We cannot queue your question right now: our task queue is not answering. Nothing was sent "
    "to the site. Please try again in a minute."
)
QUEUE_DOWN_RETRY_AFTER = 60


class SimulateForm(forms.Form):
    origin = forms.CharField(
        label="Page origin",
        max_length=300,
        help_text="Where your page runs, e.g. https://app.example.com, or null (sandboxed page).",
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    method = forms.ChoiceField(choices=[(m, m) for m in METHODS], initial="GET")
    headers = forms.CharField(
        label="Request headers",
        required=False,
        max_length=4000,
        help_text="One per line, as Name: value. They are judged, never sent to the site.",
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )
    credentials = forms.BooleanField(
        label="Send credentials (credentials: 'include')",
        required=False,
    )

    def clean_origin(self) -> str:
        try:
            return serialise_origin(self.cleaned_data["origin"])
        except ValueError:
            raise forms.ValidationError(
                "Enter an origin such as https://app.example.com (no path), or null."
            ) from None

    def clean_headers(self) -> tuple[tuple[str, str], ...]:
        lines = [line for line in self.cleaned_data["headers"].splitlines() if line.strip()]
        if len(lines) > MAX_HEADER_LINES:
            raise forms.ValidationError(f"Enter at most {MAX_HEADER_LINES} headers.")
        pairs = []
        for line in lines:
            name, colon, value = line.partition(":")
            if not colon or not name.strip():
                raise forms.ValidationError(f"Write each header as Name: value ({line!r}).")
            pairs.append((name.strip(), value.strip()))
        return tuple(pairs)


def final_url(scan: Scan) -> str | None:
    report = scan.engine_report if scan.status == Scan.Status.DONE else None
    return report.final_url if report is not None else None


@require_http_methods(["GET", "HEAD", "POST"])
def simulate(request, token: str):
    scan = get_object_or_404(Scan.objects.select_related("site"), token=token)
    url = final_url(scan)
    form = SimulateForm(
        request.POST if request.method == "POST" else None,
        initial={"origin": scan.frontend_origin or ""},
    )
    context = {"scan": scan, "url": url, "form": form, "deadline": settings.SIMULATE_DEADLINE}
    if request.method != "POST" or url is None or not form.is_valid():
        template = TEMPLATE + "#result" if request.htmx and request.method == "POST" else TEMPLATE
        return render(request, template, context)
    try:
        refusal = refusal_for(request, scan.site.host)
        if refusal is not None:
            message, retry_after = refusal
            return refuse(request, context, message, 429, retry_after)
        simulation = queue_simulation(scan, form.cleaned_data)
    except BROKER_DOWN:
        return refuse(request, context, QUEUE_DOWN_MESSAGE, 503, QUEUE_DOWN_RETRY_AFTER)
    if simulation is None:
        message = limits.simulate_target_busy_message(scan.site.host)
        return refuse(request, context, message, 429, settings.SIMULATE_DEADLINE)
    if simulation.status == Simulation.Status.FAILED:  # the broker refused the task
        return refuse(request, context, QUEUE_DOWN_MESSAGE, 503, QUEUE_DOWN_RETRY_AFTER)
    if request.htmx:
        # Swap the progress in where the verdict will appear, and give the page its permalink.
        context["simulation"] = simulation
        response = render(request, TEMPLATE + "#result", context)
        response["HX-Push-Url"] = simulation.get_absolute_url()
        return response
    return HttpResponseSeeOther(simulation.get_absolute_url())


def refusal_for(request, host: str) -> tuple[str, int] | None:
    """Why this question may not be asked now, and when to ask again; None when it may."""
    if limits.target_busy(host):
        return limits.simulate_target_busy_message(host), settings.SIMULATE_DEADLINE
    rate = settings.SIMULATE_RATE_LIMIT
    if limits.over_simulate_rate(request):
        return limits.simulate_too_many_message(rate), limits.rate_window_seconds(rate)
    rate = settings.SIMULATE_TARGET_RATE
    if limits.over_target_simulate_rate(request, host):
        return limits.simulate_target_rate_message(rate, host), limits.rate_window_seconds(rate)
    return None


def refuse(request, context: dict, message: str, status: int, retry_after: int) -> HttpResponse:
    """Answer with the form as it was filled in and the reason nothing was queued."""
    template = TEMPLATE + "#result" if request.htmx else TEMPLATE
    context = {**context, "refusal": message}
    return render_refusal(request, template, context, status=status, retry_after=retry_after)


def queue_simulation(scan: Scan, cleaned: dict) -> Simulation | None:
    """Store the question and queue it; None when the host already has too many under way.

    Locking the site's row makes concurrent questions about one host take turns, so the cap on
    active simulations holds. When the broker refuses the task after the row was committed, the
    row is ended as failed with the reason: nothing is left pending that no worker will run.
    """
    with transaction.atomic():
        Site.objects.select_for_update().get(pk=scan.site_id)
        if limits.target_busy(scan.site.host):
            return None
        simulation = Simulation.objects.create(
            scan=scan,
            origin=cleaned["origin"],
            method=cleaned["method"],
            headers=[list(pair) for pair in cleaned["headers"]],
            credentials=cleaned["credentials"],
        )
        transaction.on_commit(lambda: enqueue(simulation))
    return simulation


def enqueue(simulation: Simulation) -> None:
    try:
        run_simulation.delay(simulation.pk)
    except BROKER_DOWN:
        simulation.fail(QUEUE_DOWN_MESSAGE)
        return
    simulation.queued = timezone.now()
    simulation.save(update_fields=["queued"])


@require_safe
def simulation(request, token: str, simulation_token: str):
    simulation = get_object_or_404(
        Simulation.objects.select_related("scan__site"),
        token=simulation_token,
        scan__token=token,
    )
    scan = simulation.scan
    result = LiveSimulation.from_dict(simulation.result) if simulation.result else None
    context = {
        "scan": scan,
        "url": final_url(scan),
        "form": SimulateForm(initial=question(simulation)),
        "simulation": simulation,
        "result": result,
        "deadline": settings.SIMULATE_DEADLINE,
    }
    if request.htmx:
        # The polling request gets the live region only; 286 once ended swaps the verdict in
        # and stops the polling.
        html = render_to_string(TEMPLATE + "#simulation-state", context, request=request)
        return (HttpResponse if simulation.is_active else HttpResponseStopPolling)(html)
    return render(request, TEMPLATE, context)


def question(simulation: Simulation) -> dict:
    """The form filled in as this question was asked, to change and ask again."""
    return {
        "origin": simulation.origin,
        "method": simulation.method,
        "headers": "\n".join(f"{name}: {value}" for name, value in simulation.headers),
        "credentials": simulation.credentials,
    }
