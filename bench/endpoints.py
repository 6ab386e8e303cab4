"""A whole-API scan of a slow site: ``python -m bench endpoints [--endpoints 20] [--latency 0.1]``.

The same slow local API as ``python -m bench engine``, under a name (``api.shop.example``) so the
full matrix of hostile origins is sent, scanned with N endpoints of three methods each
(GET, PUT, DELETE). Every endpoint's probes join the scan's one wave on its one client, so the
critical path is ``(hops + ceil(requests / concurrency)) x latency`` as for a plain scan; the
table prints it beside the wall time, and the cost of each endpoint in requests.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from dataclasses import replace

from bench.table import print_rows
from bench.target import BENCH_HOST, FRONTEND, SlowServer, hosts_entry
from checker import Options, Report, Status, scan
from checker.model import Endpoint


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--endpoints", type=int, default=20, help="endpoints to probe")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per answer")
    parser.add_argument("--scans", type=int, default=3, help="sequential scans to time")
    parser.add_argument("--concurrency", type=int, default=Options.concurrency)


def run(args: argparse.Namespace) -> int:
    endpoints = tuple(
        Endpoint(f"/api/items/{i}", ("GET", "PUT", "DELETE")) for i in range(args.endpoints)
    )
    options = Options(
        allow_networks=("127.0.0.0/8",),
        allowed_ports=((1, 65535),),
        concurrency=args.concurrency,
        frontend_origin=FRONTEND,
        deadline=120.0,
        max_endpoints=args.endpoints,
    )
    with SlowServer(args.latency) as server, hosts_entry(BENCH_HOST, "127.0.0.1"):
        url = server.url(BENCH_HOST)
        plain = scan(url, options)  # also the warm-up: imports, suffix list, HSTS list
        walls: list[float] = []
        reports: list[Report] = []
        for _ in range(args.scans):
            started = time.perf_counter()
            reports.append(scan(url, replace(options, endpoints=endpoints)))
            walls.append(time.perf_counter() - started)
    report = reports[-1]
    if report.status is not Status.OK:
        print(f"endpoints run: the scan failed: {report.status} {report.message}")
        return 1
    hops = len(report.chain)
    requests = report.requests_sent - hops
    critical = (hops + math.ceil(requests / args.concurrency)) * args.latency
    wall = statistics.median(walls)
    per_endpoint = (report.requests_sent - plain.requests_sent) / max(1, args.endpoints)
    print_rows(
        [
            ("target", f"{url} ({args.latency * 1000:.0f} ms per answer)"),
            ("endpoints", f"{len(report.endpoints)} of GET, PUT, DELETE"),
            (
                "requests per scan",
                f"{report.requests_sent} (without endpoints {plain.requests_sent}; "
                f"{per_endpoint:.0f} per endpoint)",
            ),
            (
                "critical path",
                f"{hops} + ceil({requests}/{args.concurrency}) round trips = "
                f"{critical * 1000:.0f} ms",
            ),
            (
                "wall time",
                f"median {wall * 1000:.0f} ms, min {min(walls) * 1000:.0f} ms, "
                f"max {max(walls) * 1000:.0f} ms over {args.scans} scans",
            ),
            ("wall / critical", f"{wall / critical:.2f}"),
        ]
    )
    return 0
