from django.conf import settings
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_safe

from checker import scoring as scoring_table
from webui import limits
from webui.forms import ScanForm
from webui.models import Scan, Site
from webui.presenting import caps_table, cutoffs_table, scoring_groups
from webui.tasks import run_scan


class HttpResponseSeeOther(HttpResponseRedirect):
    # 303: the browser follows with a GET, so reloading the report never posts the form again.
    status_code = 303


@require_http_methods(["GET", "HEAD", "POST"])
def home(request):
    form = ScanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        scan = limits.recent_scan(
            cleaned["target"].url, cleaned["frontend_origin"], cleaned["profile"]
        )
        if scan is None and limits.over_scan_rate(request):
            return refuse_too_many(request, form)
        scan = scan or queue_scan(form.data["target"].strip(), form.cleaned_data)
        return HttpResponseSeeOther(scan.get_absolute_url())
    return render(request, "webui/home.html", {"form": form})


def refuse_too_many(request, form: ScanForm):
    rate = settings.SCAN_RATE_LIMIT
    form.add_error("target", limits.too_many_message(rate))
    response = render(request, "webui/home.html", {"form": form}, status=429)
    response["Retry-After"] = str(limits.rate_window_seconds(rate))
    return response


@transaction.atomic
def queue_scan(raw: str, cleaned: dict) -> Scan:
    target = cleaned["target"]
    site, _ = Site.objects.get_or_create(host=target.host)
    scan = Scan.objects.create(
        site=site,
        target_raw=raw,
        target_url=target.url,
        frontend_origin=cleaned["frontend_origin"],
        profile=cleaned.get("profile", ""),
    )
    run_scan.delay_on_commit(scan.pk)
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
