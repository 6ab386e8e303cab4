"""Local HTTPS origins for the Chromium conformance suite.

One TLS listener on 127.0.0.1 serves every name the browser is told to map there (``app.test``,
``api.test``, ``other.test``); the ``Host`` header tells the origins apart, so they are real,
distinct origins that share a port. ``app.test`` serves the page the script runs in; every path
under ``/c/<case>/`` on any host is answered by the handler that case registered, and every
request is recorded so a test can see whether Chromium sent a preflight.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import trustme

from tests.targets import Answer, write_answer

HOSTS = ("app.test", "api.test", "other.test")


@dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    host: str
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


Handler = Callable[[Seen], Answer]

PAGE = b"<!doctype html><meta charset=utf-8><title>conformance</title><p>page</p>"


def _page(seen: Seen) -> Answer:
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")]
    if seen.path.startswith("/sandboxed"):
        # A sandboxed document has an opaque origin: its fetch() calls send `Origin: null`.
        headers.append(("Content-Security-Policy", "sandbox allow-scripts"))
    return 200, headers, PAGE


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def __getattr__(self, name: str) -> Callable[[], None]:
        # Answer any method, including lower-case ones such as `patch`, which http.server would
        # otherwise reject with 501 before our handler saw them.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        host = (self.headers.get("Host") or "").split(":")[0]
        seen = Seen(host, self.command, self.path, tuple(self.headers.items()))
        origins = self.server.origins
        origins.seen.append(seen)
        write_answer(self, origins.route(seen))

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    origins: Origins


@dataclass
class Origins:
    """The HTTPS listener plus the handlers each case registered."""

    ca: trustme.CA = field(default_factory=trustme.CA)
    handlers: dict[str, Handler] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert(*HOSTS).configure_cert(context)
        self._server = _Server(("127.0.0.1", 0), _RequestHandler)
        self._server.origins = self
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        # A plain-HTTP twin on another port, for mixed-content cases.
        self._plain = _Server(("127.0.0.1", 0), _RequestHandler)
        self._plain.origins = self
        self._threads = [
            threading.Thread(target=server.serve_forever, daemon=True)
            for server in (self._server, self._plain)
        ]

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def plain_port(self) -> int:
        return self._plain.server_address[1]

    def origin(self, host: str, scheme: str = "https") -> str:
        port = self.port if scheme == "https" else self.plain_port
        return f"{scheme}://{host}:{port}"

    def url(self, host: str, path: str, scheme: str = "https") -> str:
        return f"{self.origin(host, scheme)}{path}"

    def register(self, case: str, handler: Handler) -> str:
        """Route ``/c/<case>/...`` on every host to ``handler``; return the path prefix."""
        self.handlers[case] = handler
        return f"/c/{case}/"

    def requests_for(self, case: str) -> list[Seen]:
        prefix = f"/c/{case}/"
        return [seen for seen in self.seen if seen.path.startswith(prefix)]

    def route(self, seen: Seen) -> Answer:
        parts = seen.path.split("/")
        if len(parts) > 2 and parts[1] == "c" and parts[2] in self.handlers:
            return self.handlers[parts[2]](seen)
        if seen.host == "app.test":
            return _page(seen)
        return 404, [("Content-Type", "text/plain")], b"no such case"

    def start(self) -> Origins:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        for server in (self._server, self._plain):
            server.shutdown()
            server.server_close()

    def __enter__(self) -> Origins:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
