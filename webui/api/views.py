"""The JSON API under /api/v1/: start a scan, read it, compare two, list a target's history.

Operations are thin, as views are: the form validates (ScanForm, the home page's own), the
visitor's limits and the start of a scan are webui.submissions's, and webui.api.answers shapes
what is returned. Paths have no trailing slash.
"""

import re
from typing import Literal
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_safe
from ninja import NinjaAPI, Query, Status

from checker import TargetError, parse_target
from checker.compare import compare as compare_reports
from checker.target import parse_origin
from webui import forms, limits, submissions
from webui.api import answers, errors
from webui.api.docs import OwnSwaggerDocs
from webui.api.errors import ApiError
from webui.api.schemas import (
    Comparison,
    Error,
    History,
    ScanAccepted,
    ScanDetail,
    ScanRequest,
)
from webui.converters import TokenConverter
from webui.mail import absolute
from webui.models import Scan, Target

DESCRIPTION = """\
Check a site's CORS configuration and security headers from a program. Start a scan with
`POST /api/v1/scans`, then read `GET /api/v1/scans/{token}` until its status is no longer
`pending` or `running`. The API is public and takes no credentials; any origin may call it.
Every error is JSON with a stable `code` and a `message` for people.
"""

api = NinjaAPI(
    title="CORS Check API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs=OwnSwaggerDocs(),
    docs_decorator=require_safe,
)
errors.install(api)

TOKEN = re.compile(TokenConverter.regex)
SPLIT_HEADER_MESSAGE = (
    "Line {number}: a header is one line; send each “Name: value” as its own item."
)
SPLIT_PATH_MESSAGE = "Line {number}: a path is one line; send each as its own item."
HISTORY_PAGE = 20
HISTORY_MAX_PAGE = 100
HISTORY_MAX_OFFSET = 1_000_000
# A finished scan never changes; one under way changes every second.
ENDED_CACHE = "max-age=300"
ACTIVE_CACHE = "no-cache"


def retry_after_header(description: str) -> dict:
    return {
        "description": description,
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": {"type": "integer"},
            }
        },
    }


def errors_described(*codes: str) -> str:
    return "Error codes: " + ", ".join(f"`{code}`" for code in codes) + "."


@api.post(
    "/scans",
    response={202: ScanAccepted, 400: Error, 413: Error, 422: Error, 429: Error, 503: Error},
    url_name="scans",
    operation_id="startScan",
    tags=["scans"],
    summary="Start a scan",
    description="Starts a scan of `target`, or gives the public scan of the same target and "
    "options that is under way or finished within the last minute (`new` is then false), as "
    "the form on the home page does, with the same checks and the same limits. "
    + errors_described(
        forms.BAD_TARGET,
        forms.REFUSED_ADDRESS,
        forms.REFUSED_PORT,
        forms.BAD_ORIGIN,
        forms.BAD_HEADERS,
        forms.BAD_ENDPOINTS,
        "malformed_json",
        "body_too_large",
        "invalid_request",
        limits.RATE_LIMITED,
        limits.TOO_MANY_ACTIVE,
        "queue_unavailable",
    ),
    openapi_extra={
        "responses": {
            202: {
                "headers": {
                    "Location": {
                        "description": "The scan in the API.",
                        "schema": {"type": "string"},
                    }
                }
            },
            429: retry_after_header("Over a limit: nothing was queued."),
            503: retry_after_header("Our job queue is down: nothing was queued."),
        }
    },
)
# Annotations are objects here (no __future__ import): ninja reads them through this wrapper.
@sensitive_variables("payload", "form", "lines")
def start_scan(request: HttpRequest, response: HttpResponse, payload: ScanRequest):
    lines = payload.headers
    for number, line in enumerate(lines, 1):
        if "\r" in line or "\n" in line:
            raise ApiError(
                forms.BAD_HEADERS, SPLIT_HEADER_MESSAGE.format(number=number), field="headers"
            )
    for number, path in enumerate(payload.paths, 1):
        if "\r" in path or "\n" in path:
            raise ApiError(
                forms.BAD_ENDPOINTS, SPLIT_PATH_MESSAGE.format(number=number), field="paths"
            )
    form = forms.ScanForm(
        {
            "target": payload.target,
            "frontend_origin": payload.frontend_origin,
            "profile": payload.profile or "",
            "private": payload.private,
            "request_headers": "\n".join(lines),
            "api_paths": "\n".join(payload.paths),
            "openapi_url": payload.openapi_url,
            "openapi_text": payload.openapi,
        }
    )
    if not form.is_valid():
        raise form_error(form)
    outcome = submissions.submit(request, payload.target.strip(), form.cleaned_data)
    if isinstance(outcome, limits.Refusal):
        raise ApiError(outcome.code, outcome.message, retry_after=outcome.retry_after)
    response["Location"] = answers.scan_url(outcome.scan)
    response["Cache-Control"] = "no-store"
    return Status(202, {**answers.scan_summary(outcome.scan), "new": outcome.new})


# The form's fields as the API names them, each with the code of its refusals, in the order
# they are reported: the target's refusal first.
FORM_FIELDS = (
    ("target", "target", forms.BAD_TARGET),
    ("frontend_origin", "frontend_origin", forms.BAD_ORIGIN),
    ("request_headers", "headers", forms.BAD_HEADERS),
    ("api_paths", "paths", forms.BAD_ENDPOINTS),
    ("openapi_url", "openapi_url", forms.BAD_ENDPOINTS),
    ("openapi_text", "openapi", forms.BAD_ENDPOINTS),
)


def form_error(form: forms.ScanForm) -> ApiError:
    """The form's first refusal, with its code; a sentence that never quotes a header value."""
    by_field = form.errors.as_data()
    for name, field, fallback in FORM_FIELDS:
        if name in by_field:
            error = by_field[name][0]
            known = error.code in errors.CODES and errors.CODES[error.code][0] == 400
            return ApiError(error.code if known else fallback, error.messages[0], field=field)
    name, (error, *_) = next(iter(by_field.items()))
    return ApiError("invalid_request", error.messages[0], field=name)


@api.get(
    "/scans/{token}",
    response={200: ScanDetail, 404: Error},
    url_name="scan",
    operation_id="getScan",
    tags=["scans"],
    summary="A scan: its status and, once it has ended, its report",
    description="`status` is `pending` or `running` while the scan is under way; `done` with a "
    "grade, `unreachable` (the site could not be judged; `message` says why) or `failed` (our "
    "side; `message` says why) once it has ended. " + errors_described("not_found"),
)
def scan(request: HttpRequest, response: HttpResponse, token: str):
    found = find_scan(token)
    response["Cache-Control"] = ACTIVE_CACHE if found.is_active else ENDED_CACHE
    return answers.scan_detail(found)


def find_scan(token: str) -> Scan:
    scan = None
    if TOKEN.fullmatch(token):
        scan = Scan.objects.select_related("site", "target").filter(token=token).first()
    if scan is None:
        raise ApiError("not_found", f"There is no scan {token[:40]!r}.")
    return scan


@api.get(
    "/scans/{a}/compare/{b}",
    response={200: Comparison, 400: Error, 404: Error, 409: Error},
    url_name="compare",
    operation_id="compareScans",
    tags=["scans"],
    summary="What changed between two scans of one target",
    description="`a` is the earlier scan, `b` the later one; both must be of the same target "
    "with the same options and have a report. "
    + errors_described("not_found", "different_targets", "no_report"),
)
def compare(request: HttpRequest, response: HttpResponse, a: str, b: str):
    before, after = find_scan(a), find_scan(b)
    if before.target_id != after.target_id:
        raise ApiError(
            "different_targets",
            "These scans are not of the same target with the same options, so they cannot be "
            f"compared: {before.target_url} and {after.target_url}.",
        )
    for scan in (before, after):
        if scan.report is None:
            raise ApiError("no_report", no_report_message(scan))
    comparison = compare_reports(before.engine_report, after.engine_report)
    if not (before.is_active or after.is_active):
        response["Cache-Control"] = ENDED_CACHE
    return {
        **comparison.to_dict(),
        "before_scan": answers.scan_summary(before),
        "after_scan": answers.scan_summary(after),
        "permalink": absolute(reverse("compare", args=[before.token, after.token])),
    }


def no_report_message(scan: Scan) -> str:
    if scan.is_active:
        return f"Scan {scan.token} is still {scan.status}: compare it once it has ended."
    return f"Scan {scan.token} ended without a report to compare ({scan.status}): {scan.error}"


@api.get(
    "/targets/history",
    response={200: History, 400: Error, 422: Error},
    url_name="target-history",
    operation_id="targetHistory",
    tags=["targets"],
    summary="The public scans of a URL, newest first",
    description="`url` is read as the form reads a target and matched as scans store it. One "
    "URL may have been scanned with several sets of options (a frontend origin, a profile); "
    "without `frontend_origin` and `profile` every one of them is listed, each scan saying "
    "its own; give either (an empty value means none / automatic) to keep only those. "
    "Private scans are never listed. " + errors_described(forms.BAD_TARGET, forms.BAD_ORIGIN),
)
def target_history(
    request: HttpRequest,
    url: str = Query(..., description="A domain or URL, as typed in the form."),
    frontend_origin: str | None = Query(None, description="Only scans with this origin."),
    profile: Literal["", "page", "api"] | None = Query(None, description="Only this profile."),
    limit: int = Query(HISTORY_PAGE, ge=1, le=HISTORY_MAX_PAGE),
    offset: int = Query(0, ge=0, le=HISTORY_MAX_OFFSET),
):
    try:
        spec = parse_target(url).spec
    except TargetError as error:
        raise ApiError(forms.BAD_TARGET, error.message, field="url") from None
    targets = Target.objects.filter(url=spec, scans__private=False).distinct()
    if frontend_origin is not None:
        targets = targets.filter(frontend_origin=origin_or_none(frontend_origin))
    if profile is not None:
        targets = targets.filter(profile=profile)
    scans = Scan.objects.filter(target__in=targets, private=False).order_by("-created", "-pk")
    count = scans.count()
    page = scans.select_related("target")[offset : offset + limit]
    following = None
    if offset + limit < count:
        query = {"url": url, "limit": limit, "offset": offset + limit}
        query.update({"frontend_origin": frontend_origin, "profile": profile})
        query = {key: value for key, value in query.items() if value is not None}
        following = absolute(reverse("api:target-history") + "?" + urlencode(query))
    return {
        "url": spec,
        "targets": [answers.target_summary(target) for target in targets],
        "count": count,
        "limit": limit,
        "offset": offset,
        "next": following,
        "scans": [answers.scan_summary(scan) for scan in page],
    }


def origin_or_none(text: str) -> str:
    """The origin as scans store it; "" for none."""
    if not text:
        return ""
    try:
        return parse_origin(text)
    except TargetError as error:
        raise ApiError(forms.BAD_ORIGIN, error.message, field="frontend_origin") from None
