from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_safe

from checker import scoring as scoring_table
from webui import submissions
from webui.forms import ScanForm
from webui.presenting import caps_table, cutoffs_table, scoring_groups


class HttpResponseSeeOther(HttpResponseRedirect):
    # 303: the browser follows with a GET, so reloading the report never posts the form again.
    status_code = 303


@require_http_methods(["GET", "HEAD", "POST"])
def home(request):
    form = ScanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = submissions.submit(request, form.data["target"].strip(), form.cleaned_data)
        if isinstance(outcome, submissions.Refused):
            return refuse(request, form, outcome.message, outcome.retry_after)
        return HttpResponseSeeOther(outcome.scan.get_absolute_url())
    return render(request, "webui/home.html", {"form": form})


def refuse(request, form: ScanForm, message: str, retry_after: int):
    form.add_error("target", message)
    response = render(request, "webui/home.html", {"form": form}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


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
