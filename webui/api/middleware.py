"""What every answer under /api/ carries, and what no other answer does.

The API is public and takes no credentials, so its CORS policy is one fixed answer: any origin
may read it (``Access-Control-Allow-Origin: *``, never with credentials). Because the answer is
the same whoever asks, it is sent on every response — with or without an ``Origin`` header — and
needs no ``Vary: Origin``. A preflight is answered here, before any view, with 204.

JSON answers also get a policy fit for data (nothing may load or frame it) and a Cache-Control
when the operation set none; an error that did not come from the API's own handlers (a path no
route matches, a method a route does not take, a server error) is rewritten as JSON in the
API's error shape, keeping headers such as ``Allow``.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse

from webui.api.errors import fallback_body

PREFIX = "/api/"
ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "Content-Type"
# Chromium keeps a preflight for at most two hours; a longer value only looks like a promise.
PREFLIGHT_MAX_AGE = 7200
EXPOSED_HEADERS = "Location, Retry-After"
JSON_POLICY = "default-src 'none'; frame-ancestors 'none'"
KEPT_ON_REWRITE = ("Allow", "Retry-After")


class PublicApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        if is_preflight(request):
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
        else:
            response = as_json_error(request, self.get_response(request))
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        if is_json(response):
            response["Content-Security-Policy"] = JSON_POLICY
            if "Cache-Control" not in response:
                response["Cache-Control"] = (
                    "no-store" if response.status_code >= 400 else "no-cache"
                )
        return response


def is_preflight(request: HttpRequest) -> bool:
    return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers


def is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def as_json_error(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if response.status_code < 400 or is_json(response):
        return response
    body = fallback_body(response.status_code, request.method)
    rewritten = HttpResponse(
        json.dumps(body), status=response.status_code, content_type="application/json"
    )
    for name in KEPT_ON_REWRITE:
        if name in response:
            rewritten[name] = response[name]
    return rewritten
