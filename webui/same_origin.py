"""Cross-site request forgery refused by where a request comes from, for the two forms on a
report: "Check again" and "Watch this site".

A report page is stored once and served the same to everyone (webui/report_pages.py), so its
forms cannot carry a visitor's CSRF token. Instead these two views take a POST only when the
browser says it comes from one of our own pages: `Sec-Fetch-Site: same-origin` (sent by every
current browser), else an `Origin` that is ours, else a `Referer` that is ours. A request with
none of the three is let through: a browser that a forged page could drive always sends at least
one of them on a cross-site POST, and any other client could send the POST directly anyway. Both
actions are harmless to replay besides: a rescan is rate-limited and reuses a recent check, a
subscription is confirmed by mail.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

REFUSED_MESSAGE = (
    "This form can only be sent from a page of this site, and your browser said it came from "
    "another one. Open the report here and use the form on it."
)


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else None


def our_origins(request: HttpRequest) -> set[str]:
    found = {f"{request.scheme}://{request.get_host()}".lower()}
    for url in (settings.SITE_URL, *settings.CSRF_TRUSTED_ORIGINS):
        origin = _origin_of(url)
        if origin:
            found.add(origin)
    return found


def from_our_pages(request: HttpRequest) -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site:
        # "none": the person did it themselves (typed, bookmarked, resubmitted).
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin:
        return origin.lower() in our_origins(request)
    referer = request.headers.get("Referer")
    if referer:
        return _origin_of(referer) in our_origins(request)
    return True


def same_origin_post(view):
    """Exempt the view from the CSRF token and refuse a POST from another site's page."""

    @csrf_exempt
    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs):
        if request.method == "POST" and not from_our_pages(request):
            context = {"title": "Sent from another site", "message": REFUSED_MESSAGE}
            return render(request, "webui/refused.html", context, status=403)
        return view(request, *args, **kwargs)

    return checked
