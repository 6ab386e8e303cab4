"""APIs that break their own frontend, one keyword per mistake (see checker.analyze.cors_breakage).

``api(...)`` is a server function ``(method, url, request headers) -> (status, headers)`` that sees
the full URL, so one function can be several origins of a redirect chain. The analyzer tests call
it in process; ``served(server, base)`` makes it the responder of a real ``TargetServer``.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.checker.cors_sites import FRONTEND
from tests.targets import Answer, ReceivedRequest

Headers = list[tuple[str, str]]
# (method, url, request headers with lower-case names) -> (status, response headers)
Server = Callable[[str, str, dict[str, str]], tuple[int, Headers]]


def api(
    allowed: tuple[str, ...] = (FRONTEND,),
    *,
    credentials: bool = False,
    on_get: bool = True,
    on_preflight: bool = True,
    preflight_credentials: bool | None = None,
    refusals_cors: bool = True,
    needs_login: bool = False,
    redirect: dict[str, str] | None = None,
    redirect_cors: bool = True,
) -> Server:
    """An API with an allow-list; each keyword breaks one thing a frontend relies on."""
    redirect = redirect or {}

    def serve(method: str, url: str, headers: dict[str, str]) -> tuple[int, Headers]:
        origin = headers.get("origin")
        preflight = method == "OPTIONS" and "access-control-request-method" in headers
        cors: Headers = []
        if origin in allowed:
            cors = [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
            with_credentials = credentials
            if preflight and preflight_credentials is not None:
                with_credentials = preflight_credentials
            if with_credentials:
                cors.append(("Access-Control-Allow-Credentials", "true"))
        if url in redirect:
            return 301, [("Location", redirect[url]), *(cors if redirect_cors else [])]
        if preflight:
            grants = [("Access-Control-Allow-Methods", "GET, PUT"),
                      ("Access-Control-Allow-Headers", "content-type, authorization")]  # fmt: skip
            return 204, (cors + grants if on_preflight and cors else [])
        if method not in ("GET", "OPTIONS"):
            return 405, (cors if refusals_cors else [])
        if needs_login and "authorization" not in headers:
            return 401, (cors if refusals_cors else [])
        return 200, [("Content-Type", "application/json"), *(cors if on_get else [])]

    return serve


def served(server: Server, base: str) -> Callable[[ReceivedRequest], Answer]:
    """The responder of a real server at ``base`` (its origin) that answers as ``server`` does."""

    def respond(request: ReceivedRequest) -> Answer:
        headers = {name.lower(): value for name, value in request.headers.items()}
        status, answer = server(request.method, base + request.path, headers)
        return status, answer, b"{}" if status == 200 else b""

    return respond
