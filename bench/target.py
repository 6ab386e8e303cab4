"""The local API both benchmarks scan: a threaded server on 127.0.0.1 with typical CORS headers."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FRONTEND = "https://app.bench.example"
# A dotted name gets the whole hostile-origin matrix; an IP address gets only a few classes.
BENCH_HOST = "api.shop.example"


@contextlib.contextmanager
def hosts_entry(names: str | Collection[str], address: str) -> Iterator[None]:
    """Like lines in /etc/hosts for this process: each of ``names`` resolves to ``address``.

    The machine has no DNS for a made-up name, and the engine resolves through the system
    resolver; this is the one seam it offers, and the bench is not a test.
    """
    original = socket.getaddrinfo
    wanted = {names} if isinstance(names, str) else set(names)

    def getaddrinfo(host, *args, **kwargs):
        return original(address if host in wanted else host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo
    try:
        yield
    finally:
        socket.getaddrinfo = original


def typical_api(method: str, origin: str | None) -> tuple[int, list[tuple[str, str]]]:
    """An API that allows one frontend with credentials, as most CORS middleware is set up."""
    headers = [("Content-Type", "application/json"), ("Vary", "Origin")]
    allowed = origin == FRONTEND
    if allowed:
        headers += [
            ("Access-Control-Allow-Origin", FRONTEND),
            ("Access-Control-Allow-Credentials", "true"),
        ]
    if method == "OPTIONS":
        if allowed:
            headers += [
                ("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE"),
                ("Access-Control-Allow-Headers", "content-type, authorization"),
                ("Access-Control-Max-Age", "600"),
            ]
        return 204, headers
    return 200, headers


@dataclass
class SlowServer:
    """A threaded HTTP server that holds every answer for ``latency`` seconds (0: at once)."""

    latency: float
    answer: Callable[[str, str | None], tuple[int, list[tuple[str, str]]]] = typical_api
    received: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_one(self) -> None:
                with owner._lock:
                    owner.received += 1
                    owner.in_flight += 1
                    owner.peak_in_flight = max(owner.peak_in_flight, owner.in_flight)
                try:
                    if owner.latency:
                        time.sleep(owner.latency)
                    status, headers = owner.answer(self.command, self.headers.get("Origin"))
                    body = b"" if status == 204 else b'{"ok": true}'
                    self.send_response_only(status)
                    for name, value in headers:
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                finally:
                    with owner._lock:
                        owner.in_flight -= 1

            do_GET = do_OPTIONS = do_HEAD = handle_one

            def log_message(self, format: str, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client closing a kept-alive connection at the end is not news

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, host: str, path: str = "/api/items") -> str:
        return f"http://{host}:{self.port}{path}"

    def __enter__(self) -> SlowServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
