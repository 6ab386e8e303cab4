"""A scan's probe connections resume the TLS session of its first handshake with the same host.

Against a real HTTPS server (trustme certificate) that records, for every connection it
accepts, whether the handshake resumed a session."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme

from checker import Status, scan
from checker.retrieve import ssl_context
from checker.wire import Backend

NAME = "api.tls.example"
CORS = [("Access-Control-Allow-Origin", "*"), ("Content-Type", "application/json")]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.lock:  # the handshake was made when the connection was accepted
            self.server.resumed.append(self.connection.session_reused)

    def _answer(self) -> None:
        body = b'{"ok": true}'
        self.send_response_only(200)
        for name, value in [*CORS, ("Content-Length", str(len(body)))]:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def __getattr__(self, name: str):
        if name.startswith("do_"):
            return self._answer
        raise AttributeError(name)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the probes connect all at once

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        self.resumed: list[bool] = []
        self.lock = threading.Lock()


@pytest.fixture
def named(monkeypatch):
    """NAME resolves to 127.0.0.1, as a line in /etc/hosts would make it."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        return real("127.0.0.1" if host == NAME else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def recording_server(test_ca: trustme.CA):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    test_ca.issue_cert(NAME, "127.0.0.1").configure_cert(context)
    server = _Server(context)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_probe_connections_resume_the_session_of_the_main_request(
    recording_server, checker_options, named
):
    port = recording_server.server_address[1]
    report = scan(f"https://{NAME}:{port}/api", checker_options)

    assert report.status is Status.OK
    assert report.tls_error is None
    first, *probes = recording_server.resumed
    assert first is False  # the main request proves the certificate
    assert len(probes) >= 5
    assert all(probes), recording_server.resumed


def test_each_scan_starts_with_a_full_handshake(recording_server, checker_options, named):
    port = recording_server.server_address[1]
    for _ in range(2):
        assert scan(f"https://{NAME}:{port}/api", checker_options).status is Status.OK

    full = [index for index, resumed in enumerate(recording_server.resumed) if not resumed]
    assert len(full) == 2  # one per scan: a session never outlives its scan
    assert full[0] == 0


async def _get(backend: Backend, port: int, name: str, context: ssl.SSLContext) -> bool:
    """One request on a new connection; whether its handshake resumed a session."""
    stream = await backend.connect_tcp("127.0.0.1", port, timeout=5)
    stream = await stream.start_tls(context, server_hostname=name, timeout=5)
    await stream.write(f"GET / HTTP/1.1\r\nHost: {name}\r\n\r\n".encode(), timeout=5)
    answer = b""
    while not answer.endswith(b'{"ok": true}'):
        answer += await stream.read(65536, timeout=5)
    resumed = stream.get_extra_info("ssl_object").session_reused
    await stream.aclose()
    return resumed


def test_a_session_is_resumed_only_for_the_same_name_and_context(recording_server, ca_bundle):
    port = recording_server.server_address[1]
    verified = ssl_context(True, ca_bundle)

    async def connections() -> list[bool]:
        backend = Backend()
        return [
            await _get(backend, port, NAME, verified),
            await _get(backend, port, NAME, verified),
            await _get(backend, port, "127.0.0.1", verified),  # another name: its own session
            await _get(backend, port, NAME, ssl_context(False, None)),  # unverified
            await _get(Backend(), port, NAME, verified),  # another scan
        ]

    assert asyncio.run(connections()) == [False, True, False, False, False]
    assert recording_server.resumed == [False, True, False, False, False]
