""" "Will my request work?": the CORS simulator run against the scanned site's live answers.

The view only validates and renders; the thinking is ``checker.simulate`` and the network is
``checker.retrieve.send_probes`` (the same SSRF guard and limits as a scan). We send a real
preflight when one is needed, because OPTIONS changes nothing on a server. We never send
PUT, PATCH, DELETE or POST to someone's site: the actual request is replaced by a GET with the
same Origin, and the verdict says so. Only the Origin header (and, for a preflight, the
Access-Control-Request-* headers) travels; the headers typed in the form are never sent.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from django import forms
from django.shortcuts import get_object_or_404, render

from checker import netguard
from checker.model import Exchange, ProbeSpec
from checker.retrieve import send_probes
from checker.simulate import (
    NoResponse,
    Outgoing,
    SimRequest,
    Verdict,
    recorded,
    serialise_origin,
)
from checker.simulate import simulate as run_simulator
from webui.models import Scan
from webui.options import options_from_settings

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
SENT_AS_IS = ("GET", "HEAD")  # methods we send to a site unchanged; anything else becomes GET
MAX_HEADER_LINES = 20
MAX_REQUESTS = 12  # preflights and requests along a redirect chain, per simulation


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


@dataclass(frozen=True)
class Simulation:
    verdict: Verdict
    exchanges: tuple[Exchange, ...]  # what we actually sent to the site, in order
    replaced_method: str | None  # the method we did not send (checked with a GET instead)
    stopped: bool  # we hit MAX_REQUESTS before the simulation completed


def probe_for(outgoing: Outgoing, index: int) -> ProbeSpec:
    """The request we actually send for one the browser would send: never a state change."""
    wanted = {"origin", "access-control-request-method", "access-control-request-headers"}
    headers = tuple((name, value) for name, value in outgoing.headers if name.lower() in wanted)
    if outgoing.kind == "preflight":
        return ProbeSpec(f"simulate.{index}.preflight", "OPTIONS", headers)
    method = outgoing.method if outgoing.method in SENT_AS_IS else "GET"
    return ProbeSpec(f"simulate.{index}.request", method, headers)


def run(request: SimRequest, options) -> Simulation:
    answers: dict = {}
    exchanges: list[Exchange] = []
    replaced: str | None = None
    verdict = run_simulator(request, recorded(answers))
    while not verdict.complete and len(exchanges) < MAX_REQUESTS:
        wanted = verdict.waiting_for
        spec = probe_for(wanted, len(exchanges))
        if spec.method != wanted.method:
            replaced = wanted.method
        try:
            [exchange] = asyncio.run(send_probes(wanted.url, [spec], options))
        except (netguard.AddressRefused, netguard.ResolutionFailed) as exc:
            answers[(wanted.hop, wanted.kind)] = NoResponse(exc.message)
        else:
            exchanges.append(exchange)
            answers[(wanted.hop, wanted.kind)] = exchange.response or NoResponse(
                exchange.error or "no answer"
            )
        verdict = run_simulator(request, recorded(answers))
    return Simulation(verdict, tuple(exchanges), replaced, not verdict.complete)


def simulate(request, token: str):
    scan = get_object_or_404(Scan.objects.select_related("site"), token=token)
    report = scan.engine_report if scan.status == Scan.Status.DONE else None
    url = report.final_url if report is not None else None
    form = SimulateForm(
        request.POST if request.method == "POST" else None,
        initial={"origin": scan.frontend_origin or ""},
    )
    result = None
    if request.method == "POST" and url is not None and form.is_valid():
        data = form.cleaned_data
        sim_request = SimRequest(
            origin=data["origin"],
            url=url,
            method=data["method"],
            headers=data["headers"],
            credentials="include" if data["credentials"] else "same-origin",
        )
        result = run(sim_request, options_from_settings())
    context = {"scan": scan, "url": url, "form": form, "result": result}
    template = "reports/simulate.html"
    if request.htmx and request.method == "POST":
        template += "#result"
    return render(request, template, context)
