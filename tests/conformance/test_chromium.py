"""The simulator against a real headless Chromium, one row of tests/conformance/cases.py each.

For every row the server answers as the row says, Chromium runs the same fetch() in a page at
https://app.test (or in a sandboxed page with an opaque origin), and the test compares what
Chromium did with what ``checker.simulate`` predicts for it: allowed or blocked, the console line,
the error the script saw, the headers it could read, and every request that reached the server
(method, URL, Origin, Access-Control-Request-*). Rows marked ``differs`` also check that the
standard's answer differs from Chromium's, so both stay pinned.

Cookies: we keep headless Chromium's default of blocking third-party cookies, and pin it in
``test_headless_chromium_withholds_third_party_cookies``; CORS verdicts do not depend on it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from checker.model import Response
from checker.simulate import Outgoing, SimRequest, Verdict, simulate
from tests.conformance.cases import CASES, Case, Reply
from tests.conformance.servers import HOSTS, Origins, Seen

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Chromium at /usr/bin/chromium"),
]

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--ignore-certificate-errors",
    "--host-resolver-rules=" + ", ".join(f"MAP {host} 127.0.0.1" for host in HOSTS),
]

FETCH = """async ([url, init]) => {
  try {
    const response = await fetch(url, init);
    return {allowed: true, status: response.status, headers: [...response.headers.keys()]};
  } catch (error) {
    return {allowed: false, error: String(error)};
  }
}"""

# Chromium adds this line after every blocked request; the reason is in the line before it.
GENERIC_LINE = "Failed to load resource: net::ERR_FAILED"


@dataclass
class Browser:
    origins: Origins
    page: object
    console: list[str]
    current: str = ""

    def open(self, path: str) -> str:
        url = self.origins.url("app.test", path)
        if url != self.current:
            self.page.goto(url)
            self.current = url
        return url


@pytest.fixture(scope="module")
def origins() -> Iterator[Origins]:
    with Origins() as server:
        yield server


@pytest.fixture(scope="module")
def browser(origins: Origins) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = chromium.new_context()
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        yield Browser(origins, page, console)
        chromium.close()


# --- the row, made concrete for one server --------------------------------------------------


def _names(origins: Origins, case: Case) -> dict[str, str]:
    return {
        "app": origins.origin("app.test"),
        "api": origins.origin("api.test"),
        "other": origins.origin("other.test"),
        "plain_api": origins.origin("api.test", "http"),
        "port": str(origins.port),
        "plain_port": str(origins.plain_port),
        "case": f"/c/{case.id}/",
    }


def _reply_for(case: Case, names: dict[str, str], method: str, path: str) -> tuple:
    """What the server sends for a path of this row: (status, headers, body)."""
    rest = path.split("?", 1)[0].removeprefix(f"/c/{case.id}/")
    route = case.routes.get(rest)
    reply = Reply(404) if route is None else route.reply
    if route is not None and method == "OPTIONS" and route.preflight is not None:
        reply = route.preflight
    headers = [(name, value.format_map(names)) for name, value in reply.headers]
    body = b"ok" if 200 <= reply.status < 300 and method != "OPTIONS" else b""
    return reply.status, headers, body


def _with_length(headers: list[tuple[str, str]], body: bytes) -> tuple[tuple[str, str], ...]:
    # The server adds Content-Length when the row does not set it; the simulator must see it too.
    if any(name.lower() == "content-length" for name, _ in headers):
        return tuple(headers)
    return (*headers, ("Content-Length", str(len(body))))


def _serve(origins: Origins, case: Case, names: dict[str, str]) -> None:
    def handler(seen: Seen) -> tuple:
        status, headers, body = _reply_for(case, names, seen.method, seen.path)
        return status, headers, body

    origins.register(case.id, handler)


def _answer(case: Case, names: dict[str, str]):
    def answer(outgoing: Outgoing) -> Response:
        path = urlsplit(outgoing.url).path
        status, headers, body = _reply_for(case, names, outgoing.method, path)
        return Response(status, _with_length(headers, body))

    return answer


def _url(origins: Origins, case: Case, names: dict[str, str]) -> str:
    if case.url is not None:
        return case.url.format_map(names)
    return origins.url(case.host, f"/c/{case.id}/x")


def _init(case: Case) -> dict:
    init: dict = {"method": case.method, "credentials": case.credentials}
    if case.headers:
        init["headers"] = [list(pair) for pair in case.headers]
    if case.body is not None:
        init["body"] = case.body
    return init


def _sim_request(case: Case, page_url: str, url: str) -> SimRequest:
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


# --- what to compare -------------------------------------------------------------------------

WIRE_HEADERS = ("origin", "access-control-request-method", "access-control-request-headers")


def _wire(method: str, url: str, headers) -> tuple:
    parts = urlsplit(url)
    found = {name.lower(): value for name, value in headers}
    return (method, parts.hostname, parts.path, *(found.get(name) for name in WIRE_HEADERS))


def _seen_on_wire(origins: Origins, case: Case) -> list[tuple]:
    return [
        _wire(seen.method, f"https://{seen.host}{seen.path}", seen.headers)
        for seen in origins.requests_for(case.id)
    ]


def _simulated_wire(verdict: Verdict) -> list[tuple]:
    return [_wire(out.method, out.url, out.headers) for out in verdict.sent]


def _reason_line(browser: Browser, expected: str | None) -> str | None:
    """Chromium's own line for this failure, waiting for it if it has not arrived yet."""

    def found() -> str | None:
        lines = [line for line in browser.console if line != GENERIC_LINE]
        return lines[0] if lines else None

    if found() is None and expected is not None:
        # A line that never comes is reported by the caller's assertion, not here.
        with contextlib.suppress(PlaywrightTimeout):
            browser.page.wait_for_event("console", timeout=3000)
    return found()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_simulator_predicts_what_chromium_does(browser: Browser, case: Case) -> None:
    origins = browser.origins
    names = _names(origins, case)
    _serve(origins, case, names)
    page_url = browser.open(case.page)
    url = _url(origins, case, names)
    verdict = simulate(_sim_request(case, page_url, url), _answer(case, names))
    predicted = verdict.chromium
    assert predicted is not None and verdict.complete

    browser.console.clear()
    outcome = browser.page.evaluate(FETCH, [url, _init(case)])

    assert outcome["allowed"] == predicted.allowed, (case.id, outcome, predicted.failure)
    assert _seen_on_wire(origins, case) == _simulated_wire(predicted)
    if predicted.allowed:
        assert sorted(outcome["headers"]) == sorted(predicted.exposed_headers)
    else:
        assert outcome["error"] == predicted.script_error
        assert _reason_line(browser, predicted.console_message) == predicted.console_message
    assert (predicted.allowed == verdict.allowed) is not case.differs, (
        case.why or "the standard and Chromium should agree here"
    )


def test_every_row_has_its_own_id() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 30


def test_headless_chromium_withholds_third_party_cookies(browser: Browser) -> None:
    origins = browser.origins
    case = Case("third-party-cookie", {"x": None}, credentials="include")
    origins.register(
        case.id,
        lambda seen: (
            200,
            [
                ("Access-Control-Allow-Origin", origins.origin("app.test")),
                ("Access-Control-Allow-Credentials", "true"),
            ],
            b"ok",
        ),
    )
    browser.page.context.add_cookies(
        [
            {
                "name": "sid",
                "value": "1",
                "domain": "api.test",
                "path": "/",
                "secure": True,
                "sameSite": "None",
            }
        ]
    )
    browser.open("/page")
    url = origins.url("api.test", f"/c/{case.id}/x")
    outcome = browser.page.evaluate(FETCH, [url, {"credentials": "include"}])
    assert outcome["allowed"] is True
    [seen] = origins.requests_for(case.id)
    assert seen.header("cookie") is None
