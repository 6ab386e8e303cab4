from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from webui.forms import ScanForm
from webui.models import Scan, Site
from webui.tasks import run_scan


class HttpResponseSeeOther(HttpResponseRedirect):
    # 303: the browser follows with a GET, so reloading the report never posts the form again.
    status_code = 303


@require_http_methods(["GET", "HEAD", "POST"])
def home(request):
    form = ScanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        scan = queue_scan(form.data["target"].strip(), form.cleaned_data)
        return HttpResponseSeeOther(scan.get_absolute_url())
    return render(request, "webui/home.html", {"form": form})


@transaction.atomic
def queue_scan(raw: str, cleaned: dict) -> Scan:
    target = cleaned["target"]
    site, _ = Site.objects.get_or_create(host=target.host)
    scan = Scan.objects.create(
        site=site,
        target_raw=raw,
        target_url=target.url,
        frontend_origin=cleaned["frontend_origin"],
    )
    run_scan.delay_on_commit(scan.pk)
    return scan
