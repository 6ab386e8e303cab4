"""Local Network Access in a real Chromium, against the simulator's address-space model.

Chromium asks the user before a page in a less private address space reaches a more private one
(public -> local -> loopback), and refuses outright when the page is not a secure context. Every
server here is on 127.0.0.1; ``--ip-address-space-overrides`` makes Chromium count the page's
port as public, the way a page served from the internet would be, and the simulator is told the
same through ``SimRequest.page_address_space``. The test grants or withholds the permission
(headless Chromium refuses what nobody granted) and compares: allowed or blocked, the script's
error, the console line, and that no preflight went on the wire.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from checker.model import Response
from checker.simulate import SimRequest, simulate
from tests.chromium import CHROMIUM as CHROMIUM_PATH
from tests.chromium import QUIET_FLAGS

CHROMIUM = str(CHROMIUM_PATH)
GENERIC_LINE = "Failed to load resource: net::ERR_FAILED"
FETCH = """async (url) => {
  try { const r = await fetch(url); return {allowed: true, status: r.status}; }
  catch (error) { return {allowed: false, error: String(error)}; }
}"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Chromium at /usr/bin/chromium"),
]


@dataclass
class Server:
    seen: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def _answer(self) -> None:
                server.seen.append((self.command, self.path))
                page = self.path.startswith("/page")
                body = b"<!doctype html><p>page" if page else b"ok"
                self.send_response(200 if self.command != "OPTIONS" else 204)
                self.send_header("Content-Type", "text/html" if page else "text/plain")
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_OPTIONS = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Server]]:
    made = {"public_page": Server(), "loopback_page": Server(), "target": Server()}
    yield made
    for server in made.values():
        server.close()


@pytest.fixture(scope="module")
def chromium(servers):
    args = [
        *QUIET_FLAGS,
        f"--ip-address-space-overrides=127.0.0.1:{servers['public_page'].port}=public",
        "--host-resolver-rules=MAP app.test 127.0.0.1",
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        yield browser
        browser.close()


def run(chromium, page_origin: str, url: str, grant: bool) -> tuple[dict, str | None]:
    context = chromium.new_context()
    if grant:
        context.grant_permissions(["local-network-access"], origin=page_origin)
    page = context.new_page()
    lines: list[str] = []
    page.on("console", lambda message: lines.append(message.text))
    page.goto(f"{page_origin}/page")
    outcome = page.evaluate(FETCH, url)
    if not outcome["allowed"]:
        with contextlib.suppress(PlaywrightTimeout):
            if not [line for line in lines if line != GENERIC_LINE]:
                page.wait_for_event("console", timeout=3000)
    context.close()
    reasons = [line for line in lines if line != GENERIC_LINE]
    return outcome, reasons[0] if reasons else None


def predict(page_origin: str, url: str, page_space: str | None):
    request = SimRequest(origin=page_origin, url=url, page_address_space=page_space)
    verdict = simulate(
        request, lambda outgoing: Response(200, (("Access-Control-Allow-Origin", "*"),))
    )
    return verdict.chromium


def test_a_public_page_reaches_loopback_once_the_user_allows_it(chromium, servers):
    origin = f"http://127.0.0.1:{servers['public_page'].port}"
    url = f"http://127.0.0.1:{servers['target'].port}/granted"
    predicted = predict(origin, url, "public")
    assert predicted.permission is not None and predicted.permission.target_space == "loopback"

    outcome, line = run(chromium, origin, url, grant=True)

    assert outcome["allowed"] is predicted.allowed is True
    assert line is None
    # No preflight of any kind: the permission replaced Private Network Access's preflight.
    assert [seen for seen in servers["target"].seen if seen[1] == "/granted"] == [
        ("GET", "/granted")
    ]
    assert [(o.kind, o.method) for o in predicted.sent] == [("request", "GET")]


def test_without_the_users_permission_the_fetch_fails_with_chromiums_line(chromium, servers):
    origin = f"http://127.0.0.1:{servers['public_page'].port}"
    url = f"http://127.0.0.1:{servers['target'].port}/denied"
    predicted = predict(origin, url, "public")

    outcome, line = run(chromium, origin, url, grant=False)

    assert outcome == {"allowed": False, "error": "TypeError: Failed to fetch"}
    assert line == predicted.permission.console_if_denied
    assert [seen for seen in servers["target"].seen if seen[1] == "/denied"] == []


def test_a_page_that_is_not_a_secure_context_may_not_even_ask(chromium, servers):
    origin = f"http://app.test:{servers['public_page'].port}"
    url = f"http://127.0.0.1:{servers['target'].port}/insecure"
    predicted = predict(origin, url, "public")
    assert predicted.failure.id == "local-network-access-insecure"

    # Chromium will not even record a grant for it ("Permission can't be granted in current
    # context"), so none is given.
    outcome, line = run(chromium, origin, url, grant=False)

    assert outcome["allowed"] is False and outcome["error"] == predicted.script_error
    assert line == predicted.console_message


def test_a_loopback_page_reaches_loopback_without_asking(chromium, servers):
    origin = f"http://127.0.0.1:{servers['loopback_page'].port}"
    url = f"http://127.0.0.1:{servers['target'].port}/same-space"
    predicted = predict(origin, url, None)  # derived from the address: loopback
    assert predicted.permission is None and predicted.allowed

    outcome, line = run(chromium, origin, url, grant=False)

    assert outcome["allowed"] is True and line is None
