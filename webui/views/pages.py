from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_safe

from checker import scoring as scoring_table
from webui import limits, submissions
from webui.forms import ScanForm
from webui.presenting import caps_table, cutoffs_table, scoring_groups


class HttpResponseSeeOther(HttpResponseRedirect):
    # 303: the browser follows with a GET, so reloading the report never posts the form again.
    status_code = 303


@require_http_methods(["GET", "HEAD", "POST"])
@sensitive_post_parameters("request_headers")
@sensitive_variables("cleaned")
def home(request):
    form = ScanForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        outcome = submissions.submit(request, form.data["target"].strip(), cleaned)
        if isinstance(outcome, limits.Refusal):
            return refuse(request, form, outcome)
        return HttpResponseSeeOther(outcome.scan.get_absolute_url())
    return render(request, "webui/home.html", {"form": form})


def render_refusal(request, template: str, context: dict, *, status: int, retry_after: int):
    """A page that says why nothing was done, and when to try again (``Retry-After``)."""
    response = render(request, template, context, status=status)
    response["Retry-After"] = str(retry_after)
    return response


def refuse(request, form: ScanForm, refusal: limits.Refusal):
    form.add_error("target", refusal.message)
    return render_refusal(
        request, "webui/home.html", {"form": form}, status=429, retry_after=refusal.retry_after
    )


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
