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
``REPORT_PAGE_TIMEOUT`` seconds, when its scan is deleted, or when the code or templates that
draw it change (their digest is in the key).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import re
import time
from collections import OrderedDict
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


ENCODINGS = ("identity", "gzip")
# Pages served lately, kept by each process as well: a stored page never changes, so this only
# saves the trip to a shared cache. Held briefly, so a deleted report leaves every process soon.
RECENT_PAGES = 64
RECENT_SECONDS = 60
_recent: OrderedDict[str, tuple[float, StoredPage]] = OrderedDict()


@dataclass(frozen=True)
class StoredPage:
    """One encoding of the page, with the headers it was served with."""

    headers: tuple[tuple[str, str], ...]
    body: bytes
    encoding: str
    etag: str
    last_modified: float


@functools.cache
def _build_digest() -> str:
    """A digest of everything that draws a report: the templates, the presenting code and the
    engine's tables (catalogue, glossary, snippets). A deploy that changes any of them never
    serves a page drawn by the old."""
    root = Path(__file__).resolve().parents[1]
    folders = [*map(Path, settings.TEMPLATES[0]["DIRS"]), root / "webui", root / "checker"]
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".html", ".txt", ".svg", ".py", ".md", ".json"):
                digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def _key(token: str, encoding: str) -> str:
    return f"report-page:{PAGE_VERSION}:{_build_digest()}:{token}:{encoding}"


def _encoding(request: HttpRequest) -> str:
    return "gzip" if "gzip" in request.headers.get("Accept-Encoding", "").lower() else "identity"


def _lookup(key: str) -> StoredPage | None:
    now = time.monotonic()
    held = _recent.get(key)
    if held is not None and held[0] > now:
        _recent.move_to_end(key)
        return held[1]
    page = cache.get(key)
    if page is not None:
        _remember(key, page)
    return page


def _remember(key: str, page: StoredPage) -> None:
    _recent[key] = (time.monotonic() + RECENT_SECONDS, page)
    _recent.move_to_end(key)
    while len(_recent) > RECENT_PAGES:
        _recent.popitem(last=False)


def forget(token: str) -> None:
    """Drop a report's stored page (its scan was deleted)."""
    keys = [_key(token, encoding) for encoding in ENCODINGS]
    cache.delete_many(keys)
    for key in keys:
        _recent.pop(key, None)


def _answer(request: HttpRequest, page: StoredPage) -> HttpResponse:
    response = HttpResponse(page.body)
    for name, value in page.headers:
        response.headers[name] = value
    if page.encoding == "gzip":
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
    """Keep both encodings of the page; the one this request asked for is returned."""
    body = response.content
    headers = tuple((k, v) for k, v in response.items() if k.lower() not in _NOT_KEPT)
    # One validator for the page whatever its encoding, as the representation's digest.
    etag = '"' + hashlib.sha256(body).hexdigest()[:24] + '"'
    modified = getattr(response, STORABLE)
    bodies = {"identity": body, "gzip": gzip.compress(body, compresslevel=9, mtime=0)}
    pages = {
        _key(token, encoding): StoredPage(headers, bodies[encoding], encoding, etag, modified)
        for encoding in ENCODINGS
    }
    cache.set_many(pages, settings.REPORT_PAGE_TIMEOUT)
    return pages[_key(token, _encoding(request))]


class ReportPageMiddleware:
    """Answers a stored report page at once; keeps the page the view marked as storable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _may_use(request)
        if token is None:
            return self.get_response(request)
        page = _lookup(_key(token, _encoding(request)))
        if page is not None:
            return _answer(request, page)
        response = self.get_response(request)
        if not _storable(response):
            return response
        return _answer(request, _store(request, token, response))
