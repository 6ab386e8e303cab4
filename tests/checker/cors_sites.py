"""Typical CORS server behaviours, written as the server code that has each mistake.

Each ``site(...)`` returns a responder ``(request) -> (status, headers, body)``: the same function
serves a real ``TargetServer`` in integration tests and the in-process builder in analyzer tests.
The origin check is a predicate over the Origin header, as real middleware writes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from tests.targets import Answer, ReceivedRequest

OriginCheck = Callable[[str], bool]
Headers = list[tuple[str, str]]

HOST = "api.shop.example"
URL = f"https://{HOST}/"
SELF = f"https://{HOST}"
FRONTEND = "https://app.shop.example"


def nobody(origin: str) -> bool:
    return False


def anyone(origin: str) -> bool:
    return True


def listed(*origins: str) -> OriginCheck:
    return lambda origin: origin in origins


def starts_with(text: str) -> OriginCheck:
    return lambda origin: origin.startswith(text)


def ends_with(text: str) -> OriginCheck:
    return lambda origin: origin.endswith(text)


def contains(text: str) -> OriginCheck:
    return lambda origin: text in origin


def regex(pattern: str) -> OriginCheck:
    return lambda origin: re.match(pattern, origin) is not None


def host_is(host: str) -> OriginCheck:
    """Compares the host only, so the http origin of the same host gets through too."""
    return lambda origin: urlsplit(origin).hostname == host


def either(*checks: OriginCheck) -> OriginCheck:
    return lambda origin: any(check(origin) for check in checks)


def site(
    check: OriginCheck = nobody,
    *,
    credentials: bool = False,
    wildcard: bool = False,
    vary: bool = True,
    methods: str | None = "GET, POST, PUT",
    allow_headers: str | None = "content-type, authorization",
    max_age: str | None = "600",
    preflight_status: int = 204,
    error_cors: bool = True,
    extra: Headers = (),
    preflight_extra: Headers = (),
) -> Callable[[ReceivedRequest], Answer]:
    """An API that allows the origins ``check`` accepts (or everyone with ``wildcard``)."""

    def respond(request: ReceivedRequest) -> Answer:
        origin = request.header("Origin")
        headers: Headers = [("Content-Type", "application/json")]
        is_error = "corscheck-404" in request.path
        status = 404 if is_error else 200
        cors: Headers = []
        if wildcard:
            cors.append(("Access-Control-Allow-Origin", "*"))
        elif origin is not None and check(origin):
            cors.append(("Access-Control-Allow-Origin", origin))
        if cors and credentials:
            cors.append(("Access-Control-Allow-Credentials", "true"))
        if vary and not wildcard:
            headers.append(("Vary", "Origin"))
        if request.method == "OPTIONS" and request.header("Access-Control-Request-Method"):
            status = preflight_status
            if cors:
                if methods is not None:
                    cors.append(("Access-Control-Allow-Methods", methods))
                if allow_headers is not None:
                    cors.append(("Access-Control-Allow-Headers", allow_headers))
                if max_age is not None:
                    cors.append(("Access-Control-Max-Age", max_age))
                cors.extend(preflight_extra)
        if is_error and not error_cors:
            cors = []
        return status, headers + cors + list(extra), b"{}"

    return respond
