"""How fast one process scans a slow site: ``python -m bench engine [--latency 0.1] [--scans 5]``.

A local API on 127.0.0.1 answers every request after a fixed delay, the way a distant server
would. It runs in a process of its own (``bench.https_targets``, its plain-HTTP listener), so the
server's work takes no CPU time from the engine's event loop. A scan's critical path is the
redirect chain, one request after another, then the CORS probes in waves of ``concurrency`` at a
time: ``(hops + ceil(probes / concurrency)) x latency`` (one wave with the default, which fits
every probe of a scan). The ratio of the wall time to
that path shows what the engine adds on top of the network. ``python -m bench batch`` measures
the same over HTTPS, for many sites, with the CPU time per request.
"""

from __future__ import annotations

import argparse
import math
import resource
import statistics
import time
import tracemalloc

from bench.https_targets import HTTPSTargets
from bench.table import print_rows
from bench.target import BENCH_HOST, FRONTEND, hosts_entry
from checker import Options, Report, Status, scan


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per answer")
    parser.add_argument("--scans", type=int, default=5, help="sequential scans to time")
    parser.add_argument("--concurrency", type=int, default=Options.concurrency)
    parser.add_argument("--no-frontend", action="store_true", help="scan without a frontend")
    parser.add_argument(
        "--ip", action="store_true", help="scan 127.0.0.1 itself (a much smaller probe matrix)"
    )


def critical_path(report: Report, concurrency: int, latency: float) -> tuple[int, int, float]:
    """(hops, probes, seconds): the round trips no amount of concurrency can overlap."""
    hops = len(report.chain)
    probes = sum(1 for e in report.exchanges if e.probe not in report.chain)
    waves = math.ceil(probes / concurrency) if probes else 0
    return hops, probes, (hops + waves) * latency


def run(args: argparse.Namespace) -> int:
    options = Options(
        allow_networks=("127.0.0.0/8",),
        allowed_ports=((1, 65535),),  # the bench server listens on a random port
        concurrency=args.concurrency,
        frontend_origin=None if args.no_frontend else FRONTEND,
    )
    host = "127.0.0.1" if args.ip else BENCH_HOST
    with HTTPSTargets(args.latency, [BENCH_HOST]) as server, hosts_entry(BENCH_HOST, "127.0.0.1"):
        url = f"http://{host}:{server.listening.api_port}/api/items"
        scan(url, options)  # warm up: imports, the public suffix list, the HSTS list
        server.reset()
        walls: list[float] = []
        reports: list[Report] = []
        for _ in range(args.scans):
            started = time.perf_counter()
            reports.append(scan(url, options))
            walls.append(time.perf_counter() - started)
        counts = server.counts()
        received = counts.requests

        tracemalloc.start()
        scan(url, options)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peak_in_flight = server.counts().peak_in_flight

    report = reports[-1]
    if report.status is not Status.OK:
        print(f"engine run: the scan failed: {report.status} {report.message}")
        return 1
    hops, probes, critical = critical_path(report, args.concurrency, args.latency)
    wall = statistics.median(walls)
    maxrss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print_rows(
        [
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
                f"{hops} + ceil({probes}/{args.concurrency}) round trips"
                f" = {critical * 1000:.0f} ms",
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
    )
    return 0
