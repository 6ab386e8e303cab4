"""Chromium's preflight cache against the simulator's: what a second identical request does.

For each ``Access-Control-Max-Age`` value the page sends the same PUT twice, one right after the
other, and the server counts the preflights it got. The simulator runs the same pair
(``simulate(..., again_after=0)``) with Chromium's profile and must say whether the second one
was preflighted again: a value Chromium keeps (absent means 5 s, an unparsable value too) spares
the second preflight; 0 and a negative value are not cached at all. Chromium's cap (2 h) is in
the profile but not measured here: it would take two hours.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import sync_playwright

from checker.model import Response
from checker.simulate import SimRequest, simulate
from tests.chromium import CHROMIUM as CHROMIUM_PATH
from tests.chromium import QUIET_FLAGS

CHROMIUM = str(CHROMIUM_PATH)
TWICE = """async (url) => {
  const results = [];
  for (const _ of [1, 2]) {
    try { results.push((await fetch(url, {method: "PUT"})).status); }
    catch (error) { results.push(String(error)); }
  }
  return results;
}"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Chromium at /usr/bin/chromium"),
]


def preflight_headers(path: str) -> list[tuple[str, str]]:
    headers = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "PUT")]
    values = parse_qs(urlsplit(path).query, keep_blank_values=True).get("max-age")
    if values:
        headers.append(("Access-Control-Max-Age", values[0]))
    return headers


class Server:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def _answer(self) -> None:
                server.seen.append((self.command, self.path))
                if self.command == "OPTIONS":
                    status, headers, body = 204, preflight_headers(self.path), b""
                elif self.path.startswith("/page"):
                    status, headers, body = 200, [("Content-Type", "text/html")], b"<p>page"
                else:
                    status, headers, body = 200, [("Access-Control-Allow-Origin", "*")], b"ok"
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = do_OPTIONS = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Server, Server]]:
    page, api = Server(), Server()
    yield page, api
    page.close()
    api.close()


@pytest.fixture(scope="module")
def page(servers):
    args = [
        *QUIET_FLAGS,
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        tab = browser.new_page()
        tab.goto(f"{servers[0].origin}/page")
        yield tab
        browser.close()


@pytest.mark.parametrize("max_age", [None, "600", "abc", "0", "-1"])
def test_a_second_request_is_preflighted_again_exactly_when_the_simulator_says(
    page, servers, max_age
):
    api = servers[1]
    query = "" if max_age is None else f"?max-age={max_age}"
    url = f"{api.origin}/cache/{max_age}{query}"
    request = SimRequest(origin=servers[0].origin, url=url, method="PUT")

    def answer(outgoing) -> Response:
        if outgoing.kind == "preflight":
            return Response(204, tuple(preflight_headers(outgoing.url)))
        return Response(200, (("Access-Control-Allow-Origin", "*"),))

    predicted = simulate(request, answer, again_after=0).chromium

    statuses = page.evaluate(TWICE, url)

    assert statuses == [200, 200]
    sent = [method for method, path in api.seen if path == urlsplit(url).path + query]
    expected = [o.method for o in predicted.sent] + [o.method for o in predicted.again.sent]
    assert sent == expected
    assert predicted.again.preflight_sent is (max_age in ("0", "-1"))
