"""How fast one worker scans a slow site: ``python -m bench [--latency 0.1] [--scans 5]``.

A local API on 127.0.0.1 answers every request after a fixed delay, the way a distant server
would. A scan's critical path is the redirect chain, one request after another, then the CORS
probes in waves of ``concurrency`` at a time: ``(hops + ceil(probes / concurrency)) x latency``.
The ratio of the wall time to that path shows what the engine adds on top of the network.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import resource
import socket
import statistics
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from checker import Options, Report, Status, scan

FRONTEND = "https://app.bench.example"
# A dotted name gets the whole hostile-origin matrix; an IP address gets only a few classes.
BENCH_HOST = "api.shop.example"


@contextlib.contextmanager
def hosts_entry(name: str, address: str) -> Iterator[None]:
    """Like a line in /etc/hosts for this process: ``name`` resolves to ``address``.

    The machine has no DNS for a made-up name, and the engine resolves through the system
    resolver; this is the one seam it offers, and the bench is not a test.
    """
    original = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        return original(address if host == name else host, *args, **kwargs)

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
    """A threaded HTTP server that holds every answer for ``latency`` seconds."""

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

    def url(self, host: str) -> str:
        return f"http://{host}:{self._server.server_address[1]}/api/items"

    def __enter__(self) -> SlowServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def critical_path(report: Report, concurrency: int, latency: float) -> tuple[int, int, float]:
    """(hops, probes, seconds): the round trips no amount of concurrency can overlap."""
    hops = len(report.chain)
    probes = sum(1 for e in report.exchanges if e.probe not in report.chain)
    waves = math.ceil(probes / concurrency) if probes else 0
    return hops, probes, (hops + waves) * latency


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per answer")
    parser.add_argument("--scans", type=int, default=5, help="sequential scans to time")
    parser.add_argument("--concurrency", type=int, default=Options.concurrency)
    parser.add_argument("--no-frontend", action="store_true", help="scan without a frontend")
    parser.add_argument(
        "--ip", action="store_true", help="scan 127.0.0.1 itself (a much smaller probe matrix)"
    )
    args = parser.parse_args()

    options = Options(
        allow_networks=("127.0.0.0/8",),
        allowed_ports=((1, 65535),),  # the bench server listens on a random port
        concurrency=args.concurrency,
        frontend_origin=None if args.no_frontend else FRONTEND,
    )
    host = "127.0.0.1" if args.ip else BENCH_HOST
    with SlowServer(args.latency) as server, hosts_entry(BENCH_HOST, "127.0.0.1"):
        url = server.url(host)
        scan(url, options)  # warm up: imports, the public suffix list, the HSTS list
        server.received = server.peak_in_flight = 0
        walls: list[float] = []
        reports: list[Report] = []
        for _ in range(args.scans):
            started = time.perf_counter()
            reports.append(scan(url, options))
            walls.append(time.perf_counter() - started)
        received = server.received

        tracemalloc.start()
        scan(url, options)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peak_in_flight = server.peak_in_flight

    report = reports[-1]
    if report.status is not Status.OK:
        print(f"scan failed: {report.status} {report.message}")
        return
    hops, probes, critical = critical_path(report, args.concurrency, args.latency)
    wall = statistics.median(walls)
    maxrss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = [
        ("target", f"{url} ({args.latency * 1000:.0f} ms per answer)"),
        ("concurrency", str(args.concurrency)),
        ("frontend origin", options.frontend_origin or "(none)"),
        (
            "requests per scan",
            f"{getattr(report, 'requests_sent', len(report.exchanges))}"
            f" ({hops} main, {probes} probes; server saw {received / args.scans:g})",
        ),
        ("peak requests in flight", str(peak_in_flight)),
        (
            "critical path",
            f"{hops} + ceil({probes}/{args.concurrency}) round trips = {critical * 1000:.0f} ms",
        ),
        (
            "wall time",
            f"median {wall * 1000:.0f} ms, min {min(walls) * 1000:.0f} ms,"
            f" max {max(walls) * 1000:.0f} ms over {args.scans} scans",
        ),
        ("wall / critical", f"{wall / critical:.2f}" if critical else "n/a"),
        ("scans per minute, one worker", f"{60 / wall:.0f}"),
        ("peak traced memory, one scan", f"{traced_peak / 1024 / 1024:.1f} MiB"),
        ("process max RSS", f"{maxrss_mib:.0f} MiB"),
        ("grade", f"{report.grade} ({report.score})"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
