""" "Why is my request blocked?": paste a console message, learn the rule, the fix, and the truth.

``checker.explain`` reads the message (which rule, which URL and origin). When the request's URL
and the page's origin are known — given in the form or read from the message — the page also asks
the live site, the way "Will my request work?" does: the question is stored as a ``Simulation``
without a scan and queued for the worker (``run_simulation``), so the web process never talks to
the site. The answer then lives at its permalink, /explain/<token>/, which polls the live check
with htmx (286 stops it) or refreshes itself without JavaScript.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import HttpResponseStopPolling

from checker.explain import (
    BROWSERS,
    MAX_MESSAGE_LENGTH,
    SAFARI,
    Explanation,
    explain,
    fix_for,
    glossary_for,
    origin_of,
)
from checker.glossary import get_entry, render_markdown, search
from checker.live import LiveSimulation
from checker.simulate import EXPLANATIONS, SAFELISTED_METHODS, serialise_origin
from webui.models import Simulation
from webui.queueing import BROKER_DOWN
from webui.views.pages import HttpResponseSeeOther
from webui.views.simulate import QUEUE_DOWN_MESSAGE, enqueue, refusal_for

TEMPLATE = "webui/explain.html"
FIX_SECTION = re.compile(r"^## How to fix it\s*$(?P<body>.*?)(?=^## |\Z)", re.M | re.S)


class ExplainForm(forms.Form):
    message = forms.CharField(
        label="The console message",
        max_length=MAX_MESSAGE_LENGTH,
        help_text="Copy the red lines from your browser's console (all of them is fine).",
        error_messages={
            "required": "Paste the message your browser's console printed.",
            "max_length": (
                f"That is more than {MAX_MESSAGE_LENGTH:,} characters. Paste only the lines about"
                " the blocked request."
            ),
        },
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocapitalize": "none"}),
    )
    url = forms.CharField(
        label="Request URL (optional)",
        required=False,
        max_length=2000,
        help_text="The address your page called, when the message does not show it.",
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    origin = forms.CharField(
        label="Your page's origin (optional)",
        required=False,
        max_length=300,
        help_text="Where your page runs, e.g. https://app.example.com.",
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if url and origin_of(url) is None:
            raise forms.ValidationError("Enter an http:// or https:// URL.")
        return url

    def clean_origin(self) -> str:
        origin = self.cleaned_data["origin"].strip()
        if not origin:
            return ""
        try:
            return serialise_origin(origin)
        except ValueError:
            raise forms.ValidationError(
                "Enter an origin such as https://app.example.com (no path), or null."
            ) from None


@require_http_methods(["GET", "HEAD", "POST"])
def explain_message(request):
    if request.method != "POST":
        form = ExplainForm(initial={"message": request.GET.get("message", "")[:MAX_MESSAGE_LENGTH]})
        return render(request, TEMPLATE, {"form": form})
    form = ExplainForm(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, {"form": form}, status=400)
    message = form.cleaned_data["message"]
    found = explain(message)
    url = form.cleaned_data["url"] or found.url
    origin = form.cleaned_data["origin"] or found.origin or origin_of(found.page)
    context = answer_context(found, message, url, origin)
    context["form"] = form
    if not found.found or not url or not origin:
        return render(request, TEMPLATE, context)
    try:
        refusal = refusal_for(request, urlsplit(url).hostname or "")
        if refusal is not None:
            context["refusal"] = refusal[0]
            return render(request, TEMPLATE, context)
        simulation = queue_confirmation(found, message, url, origin)
    except BROKER_DOWN:
        simulation = None
    if simulation is None or simulation.status == Simulation.Status.FAILED:
        context["refusal"] = QUEUE_DOWN_MESSAGE
        return render(request, TEMPLATE, context)
    return HttpResponseSeeOther(simulation.get_absolute_url())


def queue_confirmation(found: Explanation, message: str, url: str, origin: str) -> Simulation:
    """Store the fetch() the message describes and queue it for the worker."""
    method, headers = request_for(found)
    with transaction.atomic():
        simulation = Simulation.objects.create(
            url=url,
            host=urlsplit(url).hostname or "",
            message=message,
            origin=origin,
            method=method,
            headers=[list(pair) for pair in headers],
            credentials=found.credentials,
        )
        transaction.on_commit(lambda: enqueue(simulation))
    return simulation


def request_for(found: Explanation) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The method and headers that make the simulator ask what the message says failed.

    A failed preflight needs a request that has one: the method or header the message names, or
    else a JSON Content-Type, the usual reason a fetch() is preflighted.
    """
    method = found.method if found.method and found.method != "OPTIONS" else "GET"
    headers: tuple[tuple[str, str], ...] = ()
    if found.header:
        headers = ((found.header, "1"),)
    elif found.preflight and method in SAFELISTED_METHODS:
        headers = (("Content-Type", "application/json"),)
    return method, headers


@require_safe
def explanation(request, token: str):
    simulation = get_object_or_404(Simulation, token=token, scan=None)
    found = explain(simulation.message)
    context = answer_context(found, simulation.message, simulation.url, simulation.origin)
    context["simulation"] = simulation
    result = LiveSimulation.from_dict(simulation.result) if simulation.result else None
    context["result"] = result
    context["agreement"] = agreement(found, result)
    if result is not None:
        context["live_failure"] = browser_verdict(result, found.browser).failure
    context["form"] = ExplainForm(
        initial={"message": simulation.message, "url": simulation.url, "origin": simulation.origin}
    )
    if request.htmx:
        html = render_to_string(TEMPLATE + "#live", context, request=request)
        return (HttpResponse if simulation.is_active else HttpResponseStopPolling)(html)
    return render(request, TEMPLATE, context)


def answer_context(found: Explanation, message: str, url: str | None, origin: str | None) -> dict:
    """What the answer shows: the rule, its glossary entry and its fix with the user's names."""
    context = {
        "found": found,
        "message": message,
        "url": url,
        "origin": origin,
        "deadline": settings.SIMULATE_DEADLINE,
    }
    if not found.found:
        context["suggestions"] = search(message)[:5]
        return context
    entry = get_entry(found.glossary) if found.glossary else None
    context.update(
        browser=BROWSERS.get(found.browser or "", ""),
        safari=found.browser == SAFARI,
        rule=rule_text(found, origin),
        entry=entry,
        glossary_fix=glossary_fix(entry),
        fix=fix_for(found, url=url, origin=origin),
        alternatives=[
            (reason, get_entry(slug) if (slug := glossary_for(reason)) else None)
            for reason in found.alternatives
        ],
    )
    return context


def agreement(found: Explanation, result: LiveSimulation | None) -> str:
    """Whether the live check, as the message's browser, fails the rule the message names:
    "agrees", "differs" or "allowed"."""
    if result is None or result.stopped or not found.found:
        return ""
    failure = browser_verdict(result, found.browser).failure
    if failure is None:
        return "allowed"
    return "agrees" if failure.id in (found.reason, *found.alternatives) else "differs"


ENGINES = {SAFARI: "webkit"}  # the simulator's rule sets are named after engines


def browser_verdict(result: LiveSimulation, browser: str | None):
    """The verdict of the browser that printed the message, the standard's when not simulated."""
    rules = ENGINES.get(browser or "", browser)
    for verdict in result.verdict.browsers:
        if verdict.rules == rules:
            return verdict
    return result.verdict


def rule_text(found: Explanation, origin: str | None) -> str:
    """The simulator's sentence for the failure, with what the message quotes filled in."""
    text = EXPLANATIONS[found.reason][0]
    if found.reason == "allow-credentials" and not found.value:
        text = text.replace("it says '{hint}'", "it does not")
    hint = {
        "preflight-status": str(found.status or "") or "outside 200–299",
        "preflight-method-not-allowed": found.method or "you used",
        "preflight-header-not-allowed": f"{found.header}" if found.header else "you sent",
    }.get(found.reason, found.value or "another value")
    return text.format(hint=hint, origin=origin or "your page's origin")


def glossary_fix(entry) -> str:
    """The entry's "How to fix it" section as safe HTML, or "" when it has none."""
    if entry is None:
        return ""
    section = FIX_SECTION.search(entry.body_markdown)
    if section is None:
        return ""
    # Safe: glossary Markdown is rendered with raw HTML disabled.
    return mark_safe(render_markdown(section["body"].strip(), base_url=reverse("glossary")))
