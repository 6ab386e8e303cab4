"""Many local HTTPS APIs that answer slowly, served from a process of their own.

The batch bench measures the engine's CPU time, so the servers must not share its process: one
child process runs an asyncio server (h11 for the HTTP, the standard library for TLS) that
answers every request after ``latency`` seconds with ``bench.target.typical_api``, for any
number of host names under one trustme certificate. A plain-HTTP listener beside it redirects
every request to HTTPS, the way to HTTPS a real site has; a third one serves the same API over
plain HTTP (``python -m bench engine``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import ssl
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import h11
import trustme

from bench.target import typical_api


@dataclass(frozen=True)
class Listening:
    https_port: int
    http_port: int  # redirects to https_port
    api_port: int  # the API over plain HTTP
    ca_bundle: str


@dataclass
class Counts:
    requests: int = 0
    connections: int = 0
    peak_in_flight: int = 0
    in_flight: int = 0


async def _serve_connection(
    reader, writer, latency: float, https_port: int | None, counts: Counts
) -> None:
    counts.connections += 1
    connection = h11.Connection(h11.SERVER)
    try:
        while True:
            event = connection.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(65536)
                connection.receive_data(data)
                if not data:
                    return
                continue
            if isinstance(event, h11.Request):
                await _answer(connection, reader, writer, event, latency, https_port, counts)
                if connection.our_state is h11.MUST_CLOSE:
                    return
            elif isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                if connection.our_state is h11.DONE and connection.their_state is h11.DONE:
                    connection.start_next_cycle()
                    continue
                return
    except (h11.ProtocolError, ConnectionError, ssl.SSLError, OSError):
        return
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def _answer(connection, reader, writer, request, latency, https_port, counts) -> None:
    # The request has no body worth reading: wait for its end, then answer after the delay.
    while not isinstance(event := connection.next_event(), h11.EndOfMessage):
        if event is h11.NEED_DATA:
            data = await reader.read(65536)
            if not data:
                return
            connection.receive_data(data)
    counts.requests += 1
    counts.in_flight += 1
    counts.peak_in_flight = max(counts.peak_in_flight, counts.in_flight)
    try:
        if latency:
            await asyncio.sleep(latency)
        headers = dict(request.headers)
        if https_port is None:
            origin = headers.get(b"origin")
            status, fields = typical_api(
                request.method.decode(), origin.decode() if origin else None
            )
        else:
            host = headers.get(b"host", b"").decode().split(":")[0]
            location = f"https://{host}:{https_port}{request.target.decode()}"
            status, fields = 301, [("Location", location)]
        body = b"" if status in (204, 301) else b'{"ok": true}'
        fields = [*fields, ("Content-Length", str(len(body)))]
        data = connection.send(h11.Response(status_code=status, headers=fields))
        data += connection.send(h11.Data(data=body)) if body else b""
        data += connection.send(h11.EndOfMessage())
        writer.write(data)
        await writer.drain()
    finally:
        counts.in_flight -= 1


async def _main(latency: float, names: list[str]) -> None:
    ca = trustme.CA()
    directory = Path(tempfile.mkdtemp(prefix="bench-ca-"))
    bundle = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    counts = Counts()

    def handler(https_port: int | None):
        """Answers as the API, or with a redirect to it on ``https_port``."""
        return lambda r, w: _serve_connection(r, w, latency, https_port, counts)

    secure = await asyncio.start_server(handler(None), "127.0.0.1", 0, ssl=context, backlog=4096)
    https_port = secure.sockets[0].getsockname()[1]
    plain = await asyncio.start_server(handler(https_port), "127.0.0.1", 0, backlog=4096)
    http_port = plain.sockets[0].getsockname()[1]
    api = await asyncio.start_server(handler(None), "127.0.0.1", 0, backlog=4096)
    api_port = api.sockets[0].getsockname()[1]
    _say(asdict(Listening(https_port, http_port, api_port, str(bundle))))
    loop = asyncio.get_running_loop()
    # One command a line on standard input, one JSON answer a line; end of input stops.
    while command := (await loop.run_in_executor(None, sys.stdin.readline)).strip():
        if command == "reset":
            counts.requests = counts.connections = counts.peak_in_flight = 0
        _say(asdict(counts))
    shutil.rmtree(directory, ignore_errors=True)


def _say(data: dict) -> None:
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


class HTTPSTargets:
    """The server process, started and stopped by ``with``; ``counts()`` asks what it saw."""

    def __init__(self, latency: float, names: list[str]) -> None:
        self._command = [
            sys.executable,
            "-m",
            "bench.https_targets",
            str(latency),
            *names,
        ]

    def __enter__(self) -> HTTPSTargets:
        root = Path(__file__).resolve().parents[1]
        self._process = subprocess.Popen(
            self._command, cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        line = self._process.stdout.readline()
        if not line:
            self._process.wait(timeout=5)
            raise RuntimeError("the bench's HTTPS servers did not start")
        self.listening = Listening(**json.loads(line))
        return self

    def _ask(self, command: str) -> Counts:
        self._process.stdin.write(command + "\n")
        self._process.stdin.flush()
        return Counts(**json.loads(self._process.stdout.readline()))

    def counts(self) -> Counts:
        return self._ask("counts")

    def reset(self) -> None:
        self._ask("reset")

    def __exit__(self, *exc: object) -> None:
        self._process.stdin.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


if __name__ == "__main__":
    asyncio.run(_main(float(sys.argv[1]), sys.argv[2:]))
