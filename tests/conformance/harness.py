"""What a real browser does with each row of tests/conformance/cases.py, for any engine.

A ``Driver`` loads a page at https://app.test (or the sandboxed page), runs ``fetch()`` in it and
hands back the console lines the engine wrote; ``observe`` serves a row, runs it and returns an
``Observation``: allowed or blocked, what the script saw, the console lines and every request that
reached the server. test_firefox.py and test_webkit.py compare observations with the simulator;
``python -m tests.conformance.record`` writes each engine's console wording to
checker/browser_messages.json from the same observations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from checker.model import Response
from checker.simulate import Outgoing, SimRequest, Verdict, simulate
from tests.conformance.cases import Case, Reply
from tests.conformance.servers import Origins, Seen


class Driver(Protocol):
    name: str

    def open(self, url: str) -> bool: ...  # True when it loaded a new page

    def fetch(self, url: str, init: dict) -> dict: ...

    def console(self, wait: bool) -> list[str]: ...


@dataclass
class Observation:
    allowed: bool
    error: str | None
    headers: tuple[str, ...]
    console: tuple[str, ...]
    wire: list[tuple]
    status: int | None = None
    extra: dict = field(default_factory=dict)


# --- the row, made concrete for one server --------------------------------------------------


def names(origins: Origins, case: Case) -> dict[str, str]:
    return {
        "app": origins.origin("app.test"),
        "api": origins.origin("api.test"),
        "other": origins.origin("other.test"),
        "plain_api": origins.origin("api.test", "http"),
        "port": str(origins.port),
        "plain_port": str(origins.plain_port),
        "case": f"/c/{case.id}/",
    }


def reply_for(case: Case, values: dict[str, str], method: str, path: str) -> tuple:
    """What the server sends for a path of this row: (status, headers, body)."""
    rest = path.split("?", 1)[0].removeprefix(f"/c/{case.id}/")
    route = case.routes.get(rest)
    reply = Reply(404) if route is None else route.reply
    if route is not None and method == "OPTIONS" and route.preflight is not None:
        reply = route.preflight
    headers = [(name, value.format_map(values)) for name, value in reply.headers]
    body = b"ok" if 200 <= reply.status < 300 and method != "OPTIONS" else b""
    return reply.status, headers, body


def _with_length(headers: list[tuple[str, str]], body: bytes) -> tuple[tuple[str, str], ...]:
    if any(name.lower() == "content-length" for name, _ in headers):
        return tuple(headers)
    return (*headers, ("Content-Length", str(len(body))))


def serve(origins: Origins, case: Case, values: dict[str, str]) -> None:
    origins.register(case.id, lambda seen: reply_for(case, values, seen.method, seen.path))


def answer(case: Case, values: dict[str, str]):
    def reply(outgoing: Outgoing) -> Response:
        path = urlsplit(outgoing.url).path
        status, headers, body = reply_for(case, values, outgoing.method, path)
        return Response(status, _with_length(headers, body))

    return reply


def url_of(origins: Origins, case: Case, values: dict[str, str]) -> str:
    if case.url is not None:
        return case.url.format_map(values)
    return origins.url(case.host, f"/c/{case.id}/x")


def init_of(case: Case) -> dict:
    init: dict = {"method": case.method, "credentials": case.credentials}
    if case.headers:
        init["headers"] = [list(pair) for pair in case.headers]
    if case.body is not None:
        init["body"] = case.body
    return init


def sim_request(case: Case, page_url: str, url: str) -> SimRequest:
    origin = "null" if case.page.startswith("/sandboxed") else page_url.rsplit("/", 1)[0]
    return SimRequest(
        origin=origin,
        url=url,
        method=case.method,
        headers=case.headers,
        credentials=case.credentials,
        body=case.body is not None,
        page_url=page_url,
        # Every name is mapped to 127.0.0.1: page and targets share the loopback address space.
        page_address_space="loopback",
    )


WIRE_HEADERS = ("origin", "access-control-request-method", "access-control-request-headers")


def wire(method: str, url: str, headers) -> tuple:
    parts = urlsplit(url)
    found = {name.lower(): value for name, value in headers}
    return (method, parts.hostname, parts.path, *(found.get(name) for name in WIRE_HEADERS))


def seen_on_wire(origins: Origins, case_id: str) -> list[tuple]:
    return [
        wire(seen.method, f"https://{seen.host}{seen.path}", seen.headers)
        for seen in origins.requests_for(case_id)
    ]


def simulated_wire(verdict: Verdict) -> list[tuple]:
    return [wire(out.method, out.url, out.headers) for out in verdict.sent]


# --- running a row -----------------------------------------------------------------------------


def predict(origins: Origins, case: Case) -> Verdict:
    values = names(origins, case)
    page_url = origins.url("app.test", case.page)
    return simulate(
        sim_request(case, page_url, url_of(origins, case, values)), answer(case, values)
    )


# What fetch() rejects with when the browser refused the request (not the script's arguments):
# only then is there a console line to wait for.
NETWORK_ERRORS = (
    "TypeError: Failed to fetch",
    "TypeError: NetworkError when attempting to fetch resource.",
    "TypeError: Load failed",
)


def observe(driver: Driver, origins: Origins, case: Case) -> Observation:
    values = names(origins, case)
    serve(origins, case, values)
    if driver.open(origins.url("app.test", case.page)):
        driver.console(wait=False)  # drop whatever the page load printed
    outcome = driver.fetch(url_of(origins, case, values), init_of(case))
    # A line that names another row's path arrived late from that row; it is not this row's.
    lines = [
        line
        for line in driver.console(wait=outcome.get("error") in NETWORK_ERRORS)
        if "/c/" not in line or values["case"] in line
    ]
    return Observation(
        allowed=outcome["allowed"],
        error=outcome.get("error"),
        headers=tuple(sorted(outcome.get("headers", ()))),
        console=tuple(lines),
        wire=seen_on_wire(origins, case.id),
        status=outcome.get("status"),
    )


def seen_requests(origins: Origins, case_id: str) -> list[Seen]:
    return origins.requests_for(case_id)


# --- console wording as templates --------------------------------------------------------------


def template(line: str, origins: Origins, case: Case) -> str:
    """A console line with this run's origins, port and row prefix replaced by placeholders.

    ``{app}``, ``{api}``, ``{other}``, ``{plain_api}`` stand for the origins (scheme, name, port),
    ``{case}`` for the row's path prefix ``/c/<id>/`` and ``{port}`` for any other mention of the
    port, so a line recorded once can be compared with the next run's.
    """
    values = names(origins, case)
    text = line
    for key in ("app", "api", "other", "plain_api"):
        text = text.replace(values[key], "{" + key + "}")
    text = text.replace(values["case"], "{case}")
    return text.replace(values["plain_port"], "{plain_port}").replace(values["port"], "{port}")


def fill(text: str, origins: Origins, case: Case) -> str:
    """The inverse of ``template``: a recorded line for this run's origins."""
    values = names(origins, case)
    for key in ("app", "api", "other", "plain_api", "case", "plain_port", "port"):
        text = text.replace("{" + key + "}", values[key])
    return text
