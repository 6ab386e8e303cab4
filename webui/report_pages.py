"""Ended reports served from Django's cache, before most of the middleware runs.

An ended report never changes, so its page is rendered once and kept with the headers our
middleware gave it, plain and gzip-compressed. What does change around a report — "Check again"
and its cooldown, the subscription form with the visitor's CSRF token — is not on that page: htmx
fetches it from ``/r/<token>/watch/`` (a link leads there without JavaScript). So the stored page
holds nothing of any visitor (no CSRF token, no CSP nonce: its only script is our own static file,
which the policy's 'self' allows), can be compressed once, and has a strong ``ETag``; a conditional
GET that matches gets 304 without a body.

Not stored: reports of scans still under way, htmx requests, and requests with a flash message
waiting (its cookie), which take the full way through the view. A stored page is dropped after
``REPORT_PAGE_TIMEOUT`` seconds or when the templates change (their digest is in the key).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

# Bump when the stored shape changes; a change of any template changes the key by itself.
PAGE_VERSION = 1
_REPORT_PATH = re.compile(r"/r/([A-Za-z0-9_-]{12,16})/")
# Set by the view on a response that may be stored: the report's end, for Last-Modified.
STORABLE = "corscheck_report_page_modified"
# Headers that belong to one answer, not to the page.
_NOT_KEPT = {"set-cookie", "content-length", "content-encoding", "vary", "etag", "last-modified"}


@dataclass(frozen=True)
class StoredPage:
    headers: tuple[tuple[str, str], ...]
    body: bytes
    gzipped: bytes
    etag: str
    last_modified: float


@functools.cache
def _templates_digest() -> str:
    """A digest of every template: a deploy that changes one never serves a page of the old."""
    digest = hashlib.sha256()
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def _key(request: HttpRequest, token: str) -> str:
    # The host is in the key: the share card's absolute URLs are built from it.
    return f"report-page:{PAGE_VERSION}:{_templates_digest()}:{request.get_host()}:{token}"


def _wants_gzip(request: HttpRequest) -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def _answer(request: HttpRequest, page: StoredPage) -> HttpResponse:
    response = HttpResponse(page.gzipped if _wants_gzip(request) else page.body)
    for name, value in page.headers:
        response.headers[name] = value
    if _wants_gzip(request):
        response.headers["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ("Accept-Encoding",))
    response.headers["ETag"] = page.etag
    response.headers["Last-Modified"] = http_date(page.last_modified)
    not_modified = get_conditional_response(
        request, etag=page.etag, last_modified=int(page.last_modified), response=response
    )
    return not_modified or response


def _may_use(request: HttpRequest) -> str | None:
    """The report token when this request may be answered with a stored page."""
    found = _REPORT_PATH.fullmatch(request.path_info)
    if found is None or request.method not in ("GET", "HEAD") or "HX-Request" in request.headers:
        return None
    if CookieStorage.cookie_name in request.COOKIES:
        return None  # a flash message waits: the view shows it
    return found.group(1)


def _storable(response: HttpResponse) -> bool:
    # A page that set a cookie or varies by one holds something of its visitor: never kept.
    return (
        response.status_code == 200
        and getattr(response, STORABLE, None) is not None
        and not response.cookies
        and "cookie" not in response.headers.get("Vary", "").lower()
        and not response.has_header("Content-Encoding")
    )


def _store(request: HttpRequest, token: str, response: HttpResponse) -> StoredPage:
    body = response.content
    headers = tuple((k, v) for k, v in response.items() if k.lower() not in _NOT_KEPT)
    page = StoredPage(
        headers=headers,
        body=body,
        gzipped=gzip.compress(body, compresslevel=9, mtime=0),
        etag='"' + hashlib.sha256(body).hexdigest()[:24] + '"',
        last_modified=getattr(response, STORABLE),
    )
    cache.set(_key(request, token), page, settings.REPORT_PAGE_TIMEOUT)
    return page


class ReportPageMiddleware:
    """Answers a stored report page at once; keeps the page the view marked as storable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _may_use(request)
        if token is None:
            return self.get_response(request)
        page = cache.get(_key(request, token))
        if page is not None:
            return _answer(request, page)
        response = self.get_response(request)
        if not _storable(response):
            return response
        return _answer(request, _store(request, token, response))
