from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_safe

from checker import scoring as scoring_table
from webui import limits, queueing, scanning
from webui.clients import client_key
from webui.forms import ScanForm
from webui.models import Scan
from webui.presenting import caps_table, cutoffs_table, scoring_groups


class HttpResponseSeeOther(HttpResponseRedirect):
    # 303: the browser follows with a GET, so reloading the report never posts the form again.
    status_code = 303


@require_http_methods(["GET", "HEAD", "POST"])
@sensitive_post_parameters("request_headers")
@sensitive_variables("cleaned")
def home(request):
    form = ScanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        target = cleaned["target"]
        # A private scan is never shown to anyone else, nor anyone else's to its author; an
        # authenticated one is always private (its answer depends on the credentials).
        scan = None
        if not (cleaned["private"] or cleaned["request_headers"]):
            recent = limits.recent_scan(target.spec, cleaned["frontend_origin"], cleaned["profile"])
            scan = queueing.ensure_queued(recent)  # never join a scan that nothing will run
        if scan is None:
            client = client_key(request)
            refusal = limits.refusal(request, client, target.host)
            if refusal is not None:
                return refuse(request, form, refusal)
            scan = queue_scan(form.data["target"].strip(), cleaned, client)
            # A joined scan (a parallel submission won the insert) must have been queued too.
            scan = queueing.ensure_queued(scan)
        return HttpResponseSeeOther(scan.get_absolute_url())
    return render(request, "webui/home.html", {"form": form})


def refuse(request, form: ScanForm, refusal: limits.Refusal):
    form.add_error("target", refusal.message)
    response = render(request, "webui/home.html", {"form": form}, status=429)
    response["Retry-After"] = str(refusal.retry_after)
    return response


@sensitive_variables("cleaned")
def queue_scan(raw: str, cleaned: dict, client: str = "") -> Scan:
    target = cleaned["target"]
    scan, _ = scanning.start_scan(
        host=target.host,
        # The spec, not the URL: a target typed without a scheme must still start over http://.
        url=target.spec,
        raw=raw,
        frontend_origin=cleaned["frontend_origin"],
        profile=cleaned.get("profile", ""),
        private=cleaned["private"],
        client=client,
        request_headers=cleaned.get("request_headers", ()),
    )
    return scan


@require_safe
def scoring(request):
    context = {
        "groups": scoring_groups(),
        "cutoffs": cutoffs_table(),
        "caps": caps_table(),
        "base_score": scoring_table.BASE_SCORE,
        "bonus_floor": getattr(scoring_table, "BONUS_FLOOR", None),
        "version": scoring_table.ALGORITHM_VERSION,
    }
    return render(request, "webui/scoring.html", context)
