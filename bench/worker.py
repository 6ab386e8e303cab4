"""Scans through real Celery workers: ``python -m bench worker [--scans 1000] [--workers 2]``.

The scans target a local API that answers at once, so the figures are what the service itself
costs: the queue on Redis, the rows on PostgreSQL, the engine in ``--workers`` separate worker
processes with one pool child each. The bench creates each Scan row with the ORM and queues
``run_scan`` after the commit, as the form does, keeping at most ``--in-flight`` scans (default:
two per worker, one running and one waiting) queued or running. The workers are never idle, and
the time from submit to done measures the service rather than a backlog the bench piled up.

It needs REDIS_URL and a PostgreSQL DATABASE_URL. It works in a database of its own on that
server (``bench_<pid>``, dropped at the end) and a queue of its own on that Redis, so it disturbs
nothing else there. The workers' memory is read from /proc (Linux).

It exits non-zero unless every scan ended done and the workers' resident memory after the last
scan is at most 10 % above what it was after the 100th (both measured with the workers idle).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from bench.table import print_rows
from bench.target import BENCH_HOST, FRONTEND, SlowServer

ROOT = Path(__file__).resolve().parents[1]
HOW_TO_RUN = (
    "REDIS_URL=redis://127.0.0.1:6379/0"
    " DATABASE_URL=postgres://postgres@127.0.0.1:5432/test make bench"
)
# Memory is compared between this many scans (the caches and lists are loaded by then) and the end.
CHECKPOINT = 100
ALLOWED_GROWTH = 0.10
POLL_SECONDS = 0.02
# No scan ended for this long: something is stuck (a scan's hard time limit is 75 s).
STALL_SECONDS = 120
READY_SECONDS = 60


class BenchError(Exception):
    """The run could not go on; the message says why."""


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1; got {value}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scans", type=positive, default=1000, help="scans to run")
    parser.add_argument("--workers", type=positive, default=2, help="worker processes")
    parser.add_argument(
        "--in-flight",
        type=positive,
        default=None,
        help="scans queued or running at once (default: two per worker)",
    )


def missing_services() -> str | None:
    """Why the worker run cannot happen here, or None when it can."""
    if not os.environ.get("REDIS_URL"):
        return "REDIS_URL is not set"
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "DATABASE_URL is not set"
    if dj_database_url.parse(url)["ENGINE"] != "django.db.backends.postgresql":
        return "DATABASE_URL does not name a PostgreSQL database"
    return None


def run(args: argparse.Namespace) -> int:
    missing = missing_services()
    if missing:
        print(f"worker run skipped: {missing}. It needs Redis and PostgreSQL, e.g. {HOW_TO_RUN}")
        return 0
    try:
        return measure(args)
    except BenchError as error:
        print(f"worker run FAILED: {error}", flush=True)
        return 1


def measure(args: argparse.Namespace) -> int:
    in_flight = args.in_flight or 2 * args.workers
    checkpoint = min(CHECKPOINT, args.scans)
    queue = f"bench-{os.getpid()}"
    with contextlib.ExitStack() as stack:
        database, database_url = stack.enter_context(own_database(os.environ["DATABASE_URL"]))
        env = worker_environment(database_url, queue)
        migrate(env)
        setup_django(env)
        stack.callback(close_database_connections)
        stack.callback(delete_queue, queue)
        server = stack.enter_context(SlowServer(latency=0))
        logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        workers = [Worker(n, env, logs / f"worker-{n}.log") for n in range(1, args.workers + 1)]
        for worker in workers:
            stack.callback(worker.stop)
            worker.start()
        wait_until_ready(workers)

        memory = [("at start", resident_memory(workers))]
        submitter = Submitter(server, in_flight, workers)
        submitter.run_until(checkpoint)
        memory.append((f"after {checkpoint} scans", resident_memory(workers)))
        submitter.run_until(args.scans)
        memory.append((f"at the end ({args.scans} scans)", resident_memory(workers)))
        received = server.received
        return report(args, in_flight, queue, database, received, memory)


# --- The database, the queue and the workers' settings ---------------------------------------


@contextlib.contextmanager
def own_database(server_url: str):
    """Create ``bench_<pid>`` on the server ``server_url`` names; yield (name, its URL); drop it."""
    import psycopg
    from psycopg import sql

    name = f"bench_{os.getpid()}"
    parsed = dj_database_url.parse(server_url)
    connection_arguments = {
        "dbname": parsed["NAME"],
        "user": parsed.get("USER") or None,
        "password": parsed.get("PASSWORD") or None,
        "host": parsed.get("HOST") or None,
        "port": parsed.get("PORT") or None,
        "autocommit": True,
    }
    identifier = sql.Identifier(name)
    with psycopg.connect(**connection_arguments) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(identifier))
    try:
        yield name, urlsplit(server_url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(**connection_arguments) as connection:
            # A worker killed mid-query may leave a session behind; DROP refuses while one lasts.
            connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(identifier))


def worker_environment(database_url: str, queue: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "webui.settings",
        "DATABASE_URL": database_url,
        "CELERY_QUEUE": queue,
        "CHECKER_ALLOW_NETWORKS": "127.0.0.0/8",
        "CHECKER_ALLOWED_PORTS": "1-65535",
        # As in production: DEBUG would keep every SQL query of the process in memory.
        "DEBUG": "0",
    }


def migrate(env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity=0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise BenchError(f"migrating the bench database failed:\n{done.stdout}{done.stderr}")


def setup_django(env: dict[str, str]) -> None:
    """Give this process the workers' settings (settings.py reads the environment once)."""
    os.environ.update(env)
    import django

    django.setup()


def close_database_connections() -> None:
    from django.db import connections

    connections.close_all()


def delete_queue(queue: str) -> None:
    """Remove the run's queue and its binding from Redis; the workers have stopped by now."""
    from webui.celery import app

    with app.connection_for_write() as connection:
        # Declared first so that this channel knows the bindings it is to remove.
        bound = app.amqp.queues[queue].bind(connection.default_channel)
        bound.declare()
        bound.delete()


# --- Worker processes ------------------------------------------------------------------------


class Worker:
    """One ``celery worker --concurrency=1`` process: a main process and one pool child."""

    def __init__(self, number: int, env: dict[str, str], log_path: Path) -> None:
        self.number = number
        self.name = f"bench{number}-{os.getpid()}@{socket.gethostname()}"
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "bench.celery_worker",  # python -m celery, with the bench host resolving locally
            "-A",
            "webui",
            "worker",
            f"--hostname={self.name}",
            "--concurrency=1",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel=warning",
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            log = self.log_path.read_text(errors="replace")[-3000:]
            raise BenchError(
                f"worker {self.number} exited with status {self.process.returncode};"
                f" its log ends:\n{log}"
            )

    def stop(self) -> None:
        """A warm shutdown (SIGTERM: finish the current task, then exit), then wait for it."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wait_until_ready(workers: list[Worker]) -> None:
    """Wait until every worker answers a ping: it is then consuming the queue."""
    from webui.celery import app

    waiting = {worker.name for worker in workers}
    deadline = time.monotonic() + READY_SECONDS
    while waiting:
        for worker in workers:
            worker.check_alive()
        if time.monotonic() > deadline:
            raise BenchError(f"no answer from {', '.join(sorted(waiting))} in {READY_SECONDS} s")
        for reply in app.control.ping(destination=sorted(waiting), timeout=0.5):
            waiting -= set(reply)


# --- Memory ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessMemory:
    worker: int
    pid: int
    role: str  # "main" or "child"
    kib: int


def resident_memory(workers: list[Worker]) -> list[ProcessMemory]:
    """VmRSS of each worker's main process and of its pool children."""
    children = child_processes()
    memory = []
    for worker in workers:
        main = worker.process.pid
        memory.append(ProcessMemory(worker.number, main, "main", rss_kib(main)))
        memory += [
            ProcessMemory(worker.number, pid, "child", rss_kib(pid))
            for pid in descendants(main, children)
        ]
    return memory


def child_processes() -> dict[int, list[int]]:
    """Parent pid → child pids, from /proc/<pid>/stat."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # it exited meanwhile
        # The command name in brackets may hold spaces; the parent pid is the 2nd field after it.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    return children


def descendants(pid: int, children: dict[int, list[int]]) -> list[int]:
    found = []
    todo = sorted(children.get(pid, []))
    while todo:
        child = todo.pop(0)
        found.append(child)
        todo += sorted(children.get(child, []))
    return found


def rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0  # it exited meanwhile
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0  # a zombie has no memory left


def total_kib(memory: list[ProcessMemory]) -> int:
    return sum(process.kib for process in memory)


def describe_memory(memory: list[ProcessMemory]) -> str:
    per_worker = []
    for number in sorted({process.worker for process in memory}):
        parts = [
            f"{process.role} {process.kib / 1024:.1f}"
            for process in memory
            if process.worker == number
        ]
        per_worker.append(f"worker {number}: {' + '.join(parts)}")
    return f"{total_kib(memory) / 1024:.1f} MiB in all ({'; '.join(per_worker)})"


# --- Submitting and waiting ------------------------------------------------------------------


class Submitter:
    """Creates scans and queues them, keeping at most ``in_flight`` queued or running."""

    def __init__(self, server: SlowServer, in_flight: int, workers: list[Worker]) -> None:
        from checker.target import parse_target
        from webui.models import Site

        self.server = server
        self.in_flight = in_flight
        self.workers = workers
        self.submitted = 0
        self.parse_target = parse_target
        self.site = Site.objects.get_or_create(host=BENCH_HOST)[0]

    def run_until(self, total: int) -> None:
        """Submit scans until ``total`` have been submitted, and wait until all have ended."""
        from webui.models import Scan

        ended = last_ended = Scan.objects.exclude(status__in=Scan.ACTIVE).count()
        progress = time.monotonic()
        while ended < total:
            while self.submitted < total and self.submitted - ended < self.in_flight:
                self.submit()
            time.sleep(POLL_SECONDS)
            for worker in self.workers:
                worker.check_alive()
            ended = Scan.objects.exclude(status__in=Scan.ACTIVE).count()
            if ended > last_ended:
                last_ended, progress = ended, time.monotonic()
            elif time.monotonic() - progress > STALL_SECONDS:
                raise BenchError(
                    f"no scan ended in {STALL_SECONDS} s; {ended} of {self.submitted} had ended"
                )

    def submit(self) -> None:
        from django.db import transaction

        from webui.models import Scan
        from webui.tasks import run_scan

        # Its own path for each scan: one active scan per target URL is all the database allows.
        url = self.parse_target(self.server.url(BENCH_HOST, f"/items/{self.submitted}")).url
        with transaction.atomic():
            scan = Scan.objects.create(
                site=self.site, target_raw=url, target_url=url, frontend_origin=FRONTEND
            )
            run_scan.delay_on_commit(scan.pk)
        self.submitted += 1


# --- The figures -----------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value at least ``fraction`` of them reach."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def spread(seconds: list[float]) -> str:
    return (
        f"p50 {percentile(seconds, 0.5) * 1000:.0f} ms, p95 {percentile(seconds, 0.95) * 1000:.0f}"
        f" ms, max {max(seconds) * 1000:.0f} ms"
    )


def report(
    args: argparse.Namespace,
    in_flight: int,
    queue: str,
    database: str,
    received: int,
    memory: list[tuple[str, list[ProcessMemory]]],
) -> int:
    from webui.models import Scan

    scans = list(Scan.objects.values_list("status", "error", "created", "started", "finished"))
    done = sum(1 for status, *_ in scans if status == Scan.Status.DONE)
    seconds = [(finished - created).total_seconds() for *_, created, _, finished in scans]
    # A scan that failed before a worker claimed it has no start time.
    started = [(created, start, finished) for *_, created, start, finished in scans if start]
    waiting = [(start - created).total_seconds() for created, start, _ in started] or [0.0]
    running = [(finished - start).total_seconds() for _, start, finished in started] or [0.0]
    first = min(created for *_, created, _, _ in scans)
    last = max(finished for *_, finished in scans)
    elapsed = (last - first).total_seconds()
    (checkpoint_label, at_checkpoint), (_, at_end) = memory[-2], memory[-1]
    ratio = total_kib(at_end) / total_kib(at_checkpoint)

    rows = [
        ("target", f"http://{BENCH_HOST}:<port>/items/<n> on 127.0.0.1, answering at once"),
        ("frontend origin", FRONTEND),
        (
            "workers",
            f"{args.workers} processes, concurrency 1 each;"
            f" Redis queue {queue}, PostgreSQL database {database}",
        ),
        ("scans", f"{len(scans)}, at most {in_flight} queued or running at once"),
        ("requests per scan", f"{received / len(scans):g}"),
        ("ended done", f"{done} of {len(scans)}"),
        (
            "scans per minute",
            f"{len(scans) / elapsed * 60:.0f}"
            f" ({len(scans)} scans in {elapsed:.1f} s, first submit to last done)",
        ),
        ("submit to done", spread(seconds)),
        ("  of which waiting to start", spread(waiting)),
        ("  of which running", spread(running)),
        *[(f"worker RSS {label}", describe_memory(processes)) for label, processes in memory],
        (
            f"RSS at the end / {checkpoint_label}",
            f"{ratio:.3f} (at most {1 + ALLOWED_GROWTH:.2f} allowed)",
        ),
    ]
    print_rows(rows)

    problems = []
    if done < len(scans):
        others = sorted({f"{status}: {error}" for status, error, *_ in scans if status != "done"})
        problems.append(
            f"{len(scans) - done} of {len(scans)} scans did not end done ({'; '.join(others)})"
        )
    if ratio > 1 + ALLOWED_GROWTH:
        problems.append(
            f"the workers' memory grew by {(ratio - 1) * 100:.1f} % from {checkpoint_label}"
            f" to the end (allowed: {ALLOWED_GROWTH * 100:.0f} %)"
        )
    for problem in problems:
        print(f"worker run FAILED: {problem}", flush=True)
    if problems:
        return 1
    print("worker run passed: every scan ended done and the workers' memory held steady")
    return 0
