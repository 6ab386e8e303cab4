"""Real local target servers whose answers each test sets.

A ``TargetServer`` listens on 127.0.0.1 (plain HTTP or HTTPS with a trustme certificate) and hands
every request to ``responder(request) -> (status, headers, body)``. The default responder answers
200 with no security headers at all.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Answer = tuple[int, list[tuple[str, str]], bytes]


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: Message
    body: bytes = b""
    client: str = ""

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


def plain_page(request: ReceivedRequest) -> Answer:
    return 200, [("Content-Type", "text/html; charset=utf-8")], b"<!doctype html><title>t</title>"


def write_answer(handler: BaseHTTPRequestHandler, answer: Answer) -> None:
    """Send a responder's answer, adding Content-Length when it gave none."""
    status, headers, payload = answer
    handler.send_response_only(status)
    names = {name.lower() for name, _ in headers}
    for name, value in headers:
        handler.send_header(name, value)
    if "content-length" not in names:
        handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    if handler.command != "HEAD" and payload:
        handler.wfile.write(payload)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = ReceivedRequest(
            self.command, self.path, self.headers, body, self.client_address[0]
        )
        owner = self.server.owner
        owner.requests.append(request)
        write_answer(self, owner.responder(request))

    def __getattr__(self, name: str) -> Callable[[], None]:
        # Answer any method, including lower-case ones such as `patch`, which http.server would
        # otherwise reject with 501 before the responder saw them.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A scan opens a connection per probe at once (about fifty): with the default backlog of 5
    # the kernel drops the rest and each waits a second for its retry.
    request_queue_size = 128
    owner: TargetServer


class _Server6(_Server):
    address_family = socket.AF_INET6


@dataclass
class TargetServer:
    host: str = "127.0.0.1"
    ssl_context: ssl.SSLContext | None = None
    responder: Callable[[ReceivedRequest], Answer] = plain_page
    requests: list[ReceivedRequest] = field(default_factory=list)
    # 0: any free port. A test that stops a server and starts another on the same port (a site
    # that goes down and comes back) passes the first one's port.
    bind_port: int = 0

    def __post_init__(self) -> None:
        server = _Server6 if ":" in self.host else _Server
        self._server = server((self.host, self.bind_port), _Handler)
        self._server.owner = self
        if self.ssl_context is not None:
            self._server.socket = self.ssl_context.wrap_socket(
                self._server.socket, server_side=True
            )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def scheme(self) -> str:
        return "https" if self.ssl_context else "http"

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def url(self) -> str:
        return self.origin

    def start(self) -> TargetServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> TargetServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class RawServer:
    """A TCP listener whose every connection is handed to ``handle(socket)`` in a thread.

    For hostile behaviour that a well-formed HTTP server cannot produce: dripping bytes, huge
    header blocks, malformed status lines, silence.
    """

    def __init__(self, handle: Callable[[object], None], host: str = "127.0.0.1") -> None:
        import socket

        self.handle = handle
        self.host = host
        self.accepted = 0
        self._sock = socket.create_server((host, 0))
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self._sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self.accepted += 1
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn) -> None:
        try:
            self.handle(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()
