import logging

from django.conf import settings
from django.shortcuts import render

from webui.views.errors import not_found

logger = logging.getLogger(__name__)


def permissions_policy_header(policy: dict[str, tuple[str, ...]]) -> str:
    """Serialise {"camera": (), "fullscreen": ("self",)} as `camera=(), fullscreen=(self)`."""
    return ", ".join(f"{feature}=({' '.join(allow)})" for feature, allow in policy.items())


class PermissionsPolicyMiddleware:
    """Adds the Permissions-Policy header from settings.PERMISSIONS_POLICY to every response."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class FixedHeadersMiddleware:
    """Adds settings.FIXED_RESPONSE_HEADERS (name -> value) to every response that lacks them.

    For headers Django has no setting of its own for; a view may still set its own value.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.headers = dict(settings.FIXED_RESPONSE_HEADERS)

    def __call__(self, request):
        response = self.get_response(request)
        for name, value in self.headers.items():
            response.headers.setdefault(name, value)
        return response


class QueueOutageMiddleware:
    """Answers "try again in a minute" (503 with Retry-After) when Redis or the broker is down.

    Whatever a request touches — the rate-limit counters in the Redis cache, the job queue — a
    connection failure there is an outage on our side, not a bug: the visitor gets a page in the
    site's layout instead of Django's 500. Scans are never left half-written by such a failure:
    webui/queueing.py ends a scan it could not queue before raising QueueUnavailable.
    """

    RETRY_AFTER = 60

    def __init__(self, get_response):
        from webui.queueing import BROKER_DOWN, QueueUnavailable

        self.get_response = get_response
        self.outages = (QueueUnavailable, *BROKER_DOWN)

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, self.outages):
            return None
        logger.warning("outage while answering %s: %r", request.path, exception)
        context = {"retry_after": self.RETRY_AFTER}
        response = render(request, "webui/unavailable.html", context, status=503)
        response["Retry-After"] = str(self.RETRY_AFTER)
        return response


class NotFoundPageMiddleware:
    """Answers every HTML 404 with our own page (templates/404.html), in the site's layout.

    Django's own 404 answer is a bare "Not Found" without a 404.html, and with DEBUG on (as under
    `make run`) its technical page listing our URL patterns; a view may also return a bare
    HttpResponseNotFound. Responses that are not HTML (a JSON API's 404) are left as they are.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and not getattr(response, "is_our_page", False)
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return not_found(request)
        return response
