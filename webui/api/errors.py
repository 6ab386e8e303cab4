"""Every error the API gives: JSON ``{"code": …, "message": …}``, with a code that never changes.

``code`` is for programs (it is part of the API's contract), ``message`` is a sentence for people
(it may be reworded). Validation errors also name the ``field``. Answers that reach the client
without passing through the API's own handlers (a path no route matches, a method a route does
not take, a server error) are rewritten into the same shape by webui.api.middleware.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from webui import forms, limits
from webui.queueing import BROKER_DOWN, QueueUnavailable

# code -> (HTTP status, what it means); the README's table and the tests read this.
CODES: dict[str, tuple[int, str]] = {
    forms.BAD_TARGET: (400, "The target is not an address we can check; the message says why."),
    forms.REFUSED_ADDRESS: (400, "The target is a private, loopback or otherwise non-public IP."),
    forms.REFUSED_PORT: (400, "The target's port is not one we check."),
    forms.BAD_ORIGIN: (400, "frontend_origin is not a browser origin."),
    forms.BAD_HEADERS: (400, "A line of headers is not a header we send; the message says which."),
    forms.BAD_ENDPOINTS: (
        400,
        "The paths or the OpenAPI document cannot be used (or more than one was given); the "
        "message says why.",
    ),
    "malformed_json": (400, "The request body is not JSON."),
    "bad_request": (400, "A request Django refused before the API saw it (e.g. an unknown host)."),
    "invalid_request": (422, "The body or a parameter does not match the schema; see field."),
    "different_targets": (400, "The two scans are not of the same target and options."),
    "not_found": (404, "No such scan, or no such path in the API."),
    "method_not_allowed": (405, "The path does not take that method; see the Allow header."),
    "body_too_large": (413, "The request body is larger than we read."),
    "no_report": (409, "A scan to compare has no report: it is under way, or failed."),
    limits.RATE_LIMITED: (429, "Too many scans started from your network; see Retry-After."),
    limits.TOO_MANY_ACTIVE: (
        429,
        "You, or the target's host, already have as many scans under way as we allow.",
    ),
    "queue_unavailable": (503, "Our job queue is down; nothing was queued. See Retry-After."),
    "server_error": (500, "Something broke on our side."),
}

log = logging.getLogger(__name__)

QUEUE_RETRY_AFTER = 60
QUEUE_MESSAGE = "Our job queue is unavailable, so nothing was queued. Please try again in a minute."
MALFORMED_MESSAGE = "The request body is not valid JSON: send a JSON object."
TOO_LARGE_MESSAGE = "The request body is too large: a scan request is a few hundred bytes."


class ApiError(Exception):
    """An answer other than success, raised from an operation and answered by ``respond``."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = CODES[code][0]
        self.message = message
        self.field = field
        self.retry_after = retry_after


def error_body(code: str, message: str, field: str | None = None) -> dict:
    body = {"code": code, "message": message}
    if field is not None:
        body["field"] = field
    return body


def error_response(error: ApiError) -> HttpResponse:
    content = json.dumps(error_body(error.code, error.message, error.field))
    response = HttpResponse(content, status=error.status, content_type="application/json")
    if error.retry_after is not None:
        response["Retry-After"] = str(error.retry_after)
    return response


# --- Answers that did not come from an operation's own ApiError --------------------------------

STATUS_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}
NOT_FOUND_MESSAGE = (
    "There is nothing at this address of the API. The documents are at /api/v1/docs."
)


def fallback_body(status: int, method: str) -> dict:
    """The JSON error for an answer Django or ninja produced without a body of ours."""
    if status == 404:
        return error_body("not_found", NOT_FOUND_MESSAGE)
    if status == 405:
        return error_body("method_not_allowed", f"This address does not take {method} requests.")
    if status >= 500:
        return error_body("server_error", "Something went wrong on our side. Please try again.")
    code = STATUS_CODES.get(status, "bad_request")
    return error_body(code, f"The request could not be answered ({HTTPStatus(status).phrase}).")


# --- Validation errors in our words -------------------------------------------------------------

# pydantic's error type -> how we say it; {where} is the field's place.
VALIDATION_WORDS = {
    "missing": "{where} is required.",
    "string_type": "{where} must be a string.",
    "bool_type": "{where} must be true or false.",
    "int_type": "{where} must be a whole number.",
    "int_parsing": "{where} must be a whole number.",
    "literal_error": "{where} must be one of {expected}.",
    "extra_forbidden": "{where} is not a field this request takes.",
    "greater_than_equal": "{where} must be at least {ge}.",
    "less_than_equal": "{where} must be at most {le}.",
    "model_attributes_type": "The request body must be a JSON object.",
    "dict_type": "The request body must be a JSON object.",
    "model_type": "The request body must be a JSON object.",
}


def field_name(location: tuple | list) -> str:
    """("body", "payload", "target") -> "target"; ("query", "url") -> "url"."""
    names = [str(part) for part in location if part not in ("body", "query", "path", "payload")]
    return ".".join(names) or "body"


def validation_message(error: dict) -> str:
    where = field_name(error.get("loc", ()))
    words = VALIDATION_WORDS.get(error.get("type", ""), "{where} is not valid.")
    context = {"where": where, "expected": "", "ge": "", "le": ""}
    context.update({key: value for key, value in (error.get("ctx") or {}).items()})
    return words.format(**context)


# --- Handlers -----------------------------------------------------------------------------------


def install(api: NinjaAPI) -> None:
    """Answer every exception an operation can meet with the JSON error shape."""

    def on_api_error(request: HttpRequest, error: ApiError) -> HttpResponse:
        return error_response(error)

    def on_validation_error(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
        first = error.errors[0] if error.errors else {}
        return error_response(
            ApiError(
                "invalid_request",
                validation_message(first),
                field=field_name(first.get("loc", ())),
            )
        )

    def on_http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
        # ninja raises it only for a body it cannot parse (we use no auth and no throttles).
        if error.status_code == 400:
            return error_response(ApiError("malformed_json", MALFORMED_MESSAGE))
        body = fallback_body(error.status_code, request.method)
        response = HttpResponse(json.dumps(body), status=error.status_code)
        response["Content-Type"] = "application/json"
        return response

    def on_too_large(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
        return error_response(ApiError("body_too_large", TOO_LARGE_MESSAGE))

    def on_not_found(request: HttpRequest, error: Http404) -> HttpResponse:
        return error_response(ApiError("not_found", NOT_FOUND_MESSAGE))

    def on_outage(request: HttpRequest, error: Exception) -> HttpResponse:
        log.warning("outage while answering %s: %r", request.path, error)
        return error_response(
            ApiError("queue_unavailable", QUEUE_MESSAGE, retry_after=QUEUE_RETRY_AFTER)
        )

    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(NinjaValidationError, on_validation_error)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(RequestDataTooBig, on_too_large)
    for outage in (QueueUnavailable, *BROKER_DOWN):
        api.add_exception_handler(outage, on_outage)
