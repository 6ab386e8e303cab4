"""How fast one process scans many slow HTTPS sites: ``python -m bench batch [--targets 45]``.

``--targets`` local HTTPS APIs (one trustme certificate, a host name each, every answer held for
``--latency`` seconds) are served by a process of their own, so the CPU time measured here is
the engine's alone. First one site is scanned ``--single`` times in a row, then all of them at
once in one event loop, as the command line's batch mode does (``--parallel`` at a time).

A scan's network critical path is the round trips no concurrency can overlap: each hop of the
redirect chain, then the longest of what runs beside the CORS probes (one round for all of them,
the way from ``http://`` to HTTPS, the second fetch of the page). The engine's overhead is the
wall time over that path; its CPU cost is the process's CPU time per request sent.
"""

from __future__ import annotations

import argparse
import asyncio
import ssl
import statistics
import time

from bench.https_targets import HTTPSTargets
from bench.table import print_rows
from bench.target import FRONTEND, hosts_entry
from checker import Options, Report, Status, scan, scan_async

CPU_GOAL_MS = 1.5
OVERHEAD_GOAL = 1.15


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--targets", type=int, default=45, help="HTTPS sites in the batch")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per answer")
    parser.add_argument("--single", type=int, default=5, help="scans of one site in a row")
    parser.add_argument("--parallel", type=int, default=8, help="scans at once in the batch")


def critical_path(report: Report, latency: float) -> float:
    """Seconds of round trips that must follow one another (see the module's docstring)."""
    probes = [e.probe for e in report.exchanges if e.probe not in report.chain]
    beside = max(
        sum(1 for p in probes if p.startswith("http.")),
        1 if any(not p.startswith("http.") for p in probes) else 0,
    )
    return (len(report.chain) + beside) * latency


def site_names(count: int) -> list[str]:
    return [f"api.site{index}.example" for index in range(count)]


async def _batch(urls: list[str], options: Options, parallel: int) -> list[Report]:
    limit = asyncio.Semaphore(parallel)

    async def one(url: str) -> Report:
        async with limit:
            return await scan_async(url, options)

    return list(await asyncio.gather(*(one(url) for url in urls)))


def _ratios(reports: list[Report], latency: float) -> list[float]:
    """Each scan's wall time over its critical path; none without latency (no path at all)."""
    if not latency:
        return []
    return [r.duration_ms / 1000 / critical_path(r, latency) for r in reports]


def _ratio_text(ratios: list[float]) -> str:
    if not ratios:
        return "n/a (no latency)"
    return f"median {statistics.median(ratios):.2f}, max {max(ratios):.2f}"


def run(args: argparse.Namespace) -> int:
    names = site_names(args.targets)
    with HTTPSTargets(args.latency, names) as servers, hosts_entry(names, "127.0.0.1"):
        listening = servers.listening
        options = Options(
            allow_networks=("127.0.0.0/8",),
            allowed_ports=((1, 65535),),  # the bench servers listen on random ports
            ca_bundle=listening.ca_bundle,
            frontend_origin=FRONTEND,
            http_probe_port=listening.http_port,
            https_probe_port=listening.https_port,
        )
        urls = [f"https://{name}:{listening.https_port}/api/items" for name in names]
        scan(urls[0], options)  # warm up: imports, the public suffix list, the HSTS list

        servers.reset()
        singles: list[Report] = []
        cpu_started = time.process_time()
        for _ in range(args.single):
            singles.append(scan(urls[0], options))
        single_cpu = time.process_time() - cpu_started
        single_counts = servers.counts()

        servers.reset()
        started, cpu_started = time.perf_counter(), time.process_time()
        reports = asyncio.run(_batch(urls, options, args.parallel))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        counts = servers.counts()

    started = time.process_time()
    ssl.create_default_context()
    store_ms = (time.process_time() - started) * 1000
    failed = [r for r in singles + reports if r.status is not Status.OK]
    if failed:
        print(f"batch run: a scan failed: {failed[0].status} {failed[0].message}")
        return 1
    single_sent = sum(r.requests_sent for r in singles)
    sent = sum(r.requests_sent for r in reports)
    single = singles[-1]
    single_ratios = _ratios(singles, args.latency)
    ratios = _ratios(reports, args.latency)
    single_cpu_ms = single_cpu * 1000 / single_sent
    cpu_ms = cpu * 1000 / sent
    print_rows(
        [
            ("sites", f"{len(urls)} HTTPS APIs, {args.latency * 1000:.0f} ms per answer"),
            (
                "one site, requests per scan",
                f"{single.requests_sent} ({len(single.chain)} main, "
                f"{single.requests_sent - len(single.chain)} beside; "
                f"{single_counts.connections / args.single:g} connections, "
                f"peak {single_counts.peak_in_flight} in flight)",
            ),
            (
                "one site, scan wall time",
                f"median {statistics.median(r.duration_ms for r in singles):.0f} ms over "
                f"{args.single} scans; critical path "
                f"{critical_path(single, args.latency) * 1000:.0f} ms",
            ),
            ("one site, wall / critical", f"{_ratio_text(single_ratios)} (goal ≤ {OVERHEAD_GOAL})"),
            ("one site, CPU per request", f"{single_cpu_ms:.2f} ms (goal ≤ {CPU_GOAL_MS})"),
            ("batch wall time", f"{wall * 1000:.0f} ms for {len(urls)} scans"),
            (
                "batch requests sent",
                f"{sent} (server saw {counts.requests} on {counts.connections} connections, "
                f"peak {counts.peak_in_flight} in flight)",
            ),
            ("batch CPU per request", f"{cpu_ms:.2f} ms (goal ≤ {CPU_GOAL_MS})"),
            ("batch scan wall / critical", _ratio_text(ratios)),
            ("batch scans per minute", f"{len(urls) / wall * 60:.0f}"),
            (
                "system certificate store",
                f"{store_ms:.0f} ms of CPU to load, once per process (a context per scan before)",
            ),
        ]
    )
    return 0
