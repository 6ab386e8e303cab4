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

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from checker.simulate import simulate
from tests.chromium import CHROMIUM as CHROMIUM_PATH
from tests.chromium import QUIET_FLAGS
from tests.conformance.cases import CASES, Case
from tests.conformance.harness import (
    answer,
    init_of,
    names,
    seen_on_wire,
    serve,
    sim_request,
    simulated_wire,
    url_of,
)
from tests.conformance.servers import HOSTS, Origins

CHROMIUM = str(CHROMIUM_PATH)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Chromium at /usr/bin/chromium"),
]

LAUNCH_ARGS = [
    *QUIET_FLAGS,
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
    values = names(origins, case)
    serve(origins, case, values)
    page_url = browser.open(case.page)
    url = url_of(origins, case, values)
    verdict = simulate(sim_request(case, page_url, url), answer(case, values))
    predicted = verdict.chromium
    assert predicted is not None and verdict.complete

    browser.console.clear()
    outcome = browser.page.evaluate(FETCH, [url, init_of(case)])

    assert outcome["allowed"] == predicted.allowed, (case.id, outcome, predicted.failure)
    assert seen_on_wire(origins, case.id) == simulated_wire(predicted)
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
