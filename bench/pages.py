"""Report pages under load: a permalink against a static file from the same gunicorn.

A real scan of a badly configured local site (graded F, every kind of finding) is stored in a
database of the run's own; gunicorn serves the project with 2 workers; wrk asks for the static
stylesheet, the permalink and the permalink with its ETag (a 304), one after another in the same
run, first plain and then with ``Accept-Encoding: gzip`` as browsers send it. Printed: requests
per second of each, the permalink's share of the static file's rate (the goal is at least 0.5),
the gunicorn workers' CPU per request, and what rendering the page costs when nothing is stored.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.table import print_rows
from bench.target import SlowServer
from bench.worker import own_database

ROOT = Path(__file__).resolve().parents[1]
RATIO_GOAL = 0.5
GZIP = "Accept-Encoding: gzip"


class BenchError(RuntimeError):
    pass


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=int, default=5, help="wrk's run per URL (default 5)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")


def careless_site(method: str, origin: str | None) -> tuple[int, list[tuple[str, str]]]:
    """Reflects any origin with credentials, sends no security header, sets a careless cookie."""
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Server", "nginx/1.18.0")]
    headers.append(("Set-Cookie", "session=abc123; Path=/"))
    headers.append(("X-Powered-By", "PHP/7.4.3"))
    if origin:
        headers += [
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Allow-Credentials", "true"),
        ]
        if method == "OPTIONS":
            headers += [
                ("Access-Control-Allow-Methods", "*"),
                ("Access-Control-Allow-Headers", "*"),
            ]
    return (204 if method == "OPTIONS" else 200), headers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(folder: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "webui.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-pages-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "CHECKER_ALLOW_NETWORKS": "127.0.0.0/8",
        "CHECKER_ALLOWED_PORTS": "1-65535",
        "PYTHONPATH": str(ROOT),
    }
    # PostgreSQL and Redis when the environment names them (as in production); else SQLite and
    # each worker's memory, as under `make run`.
    env.setdefault("DATABASE_URL", f"sqlite:///{folder / 'bench.sqlite3'}")
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise BenchError(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


STORE_SCAN = """
import django, sys
from datetime import timedelta
django.setup()
import checker
from checker.target import parse_target
from webui.models import Scan, Site
from webui.options import options_from_settings
raw = sys.argv[1]
site, _ = Site.objects.get_or_create(host=parse_target(raw).host)
scan = Scan.objects.create(site=site, target_raw=raw, target_url=parse_target(raw).url)
scan.finish(checker.scan(scan.target_url, options_from_settings(None)))
# A shared permalink is older than the "Check again" cooldown, whose countdown is never stored.
hour = timedelta(hours=1)
Scan.objects.filter(pk=scan.pk).update(created=scan.created - hour, finished=scan.finished - hour)
print(scan.token, scan.grade, len(scan.report["findings"]))
"""


def _store_scan(env: dict[str, str], url: str) -> tuple[str, str, int]:
    done = subprocess.run(
        [sys.executable, "-c", STORE_SCAN, url], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise BenchError(f"storing the scan failed:\n{done.stdout}{done.stderr}")
    token, grade, findings = done.stdout.split()
    return token, grade, int(findings)


def _first_render_cpu_ms(env: dict[str, str], token: str) -> float:
    """CPU of one full render of the permalink, nothing stored: the median of 10."""
    code = (
        "import django, statistics, time\n"
        "django.setup()\n"
        "from django.core.cache import cache\n"
        "from django.test import Client\n"
        "client, spent = Client(), []\n"
        "for _ in range(10):\n"
        "    cache.clear()\n"
        "    t = time.process_time()\n"
        f"    assert client.get('/r/{token}/', HTTP_HOST='127.0.0.1').status_code == 200\n"
        "    spent.append(time.process_time() - t)\n"
        "print(statistics.median(spent) * 1000)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise BenchError(f"measuring a render failed:\n{done.stdout}{done.stderr}")
    return float(done.stdout.strip().splitlines()[-1])


def _cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found]


def _wrk(url: str, seconds: float, connections: int, *headers: str) -> tuple[float, int, str]:
    """Requests per second, requests made, and the status codes wrk saw other than 2xx/3xx."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    done = subprocess.run([*command, url], capture_output=True, text=True)
    if done.returncode:
        raise BenchError(f"wrk failed: {done.stderr or done.stdout}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    count = re.search(r"(\d+) requests in", done.stdout)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    if not rate or not count:
        raise BenchError(f"could not read wrk's output:\n{done.stdout}")
    return float(rate.group(1)), int(count.group(1)), bad.group(1) if bad else ""


def _wait_for(url: str, process: subprocess.Popen) -> None:
    for _ in range(100):
        if process.poll() is not None:
            raise BenchError(
                f"gunicorn stopped:\n{process.stderr.read() if process.stderr else ''}"
            )
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.1)
    raise BenchError("gunicorn did not answer within 10 s")


def _etag(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        etag = response.headers.get("ETag")
    if not etag:
        raise BenchError("the permalink has no ETag")
    return etag


def run(args: argparse.Namespace) -> int:
    if shutil.which("wrk") is None:
        print("pages run skipped: it needs wrk (apt-get install wrk)", flush=True)
        return 1
    folder = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        env = _environment(folder)
        if env["DATABASE_URL"].startswith("postgres"):
            env["DATABASE_URL"] = stack.enter_context(own_database(env["DATABASE_URL"]))[1]
        return _measure(args, env)


def _measure(args: argparse.Namespace, env: dict[str, str]) -> int:
    gunicorn = None
    try:
        _manage(env, "migrate", "--noinput", "--verbosity=0")
        _manage(env, "collectstatic", "--noinput", "--verbosity=0")
        with SlowServer(0, careless_site) as site:
            token, grade, findings = _store_scan(env, site.url("127.0.0.1", "/account"))
        port = _free_port()
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "webui.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", str(args.workers), "--log-level", "warning"],
            cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        static = base + "/static/webui/site.css"
        permalink = f"{base}/r/{token}/"
        _wait_for(permalink, gunicorn)
        _wait_for(static, gunicorn)
        etag = _etag(permalink)
        workers = _children(gunicorn.pid)
        figures: dict[str, tuple[float, float, str]] = {}
        for name, url, headers in (
            ("static file", static, ()),
            ("permalink", permalink, ()),
            ("permalink, 304", permalink, (f"If-None-Match: {etag}",)),
            ("static file, gzip", static, (GZIP,)),
            ("permalink, gzip", permalink, (GZIP,)),
        ):
            before = _cpu_seconds(workers)
            rate, count, bad = _wrk(url, args.seconds, args.connections, *headers)
            cpu_ms = (_cpu_seconds(workers) - before) * 1000 / max(count, 1)
            figures[name] = (rate, cpu_ms, bad)
        render_ms = _first_render_cpu_ms(env, token)
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(timeout=10)

    database = "PostgreSQL" if env["DATABASE_URL"].startswith("postgres") else "SQLite"
    cache = "Redis" if env.get("REDIS_URL") else "each worker's memory"
    rows = [
        ("report", f"grade {grade}, {findings} findings"),
        ("served by", f"gunicorn, {args.workers} workers, {database}, cache in {cache}"),
    ]
    for name, (rate, cpu_ms, bad) in figures.items():
        note = f", {bad} answers not 2xx/3xx" if bad else ""
        rows.append((name, f"{rate:,.0f} requests/s, {cpu_ms:.2f} ms CPU per request{note}"))
    for plain, static_name in (
        ("permalink", "static file"),
        ("permalink, gzip", "static file, gzip"),
    ):
        share = figures[plain][0] / figures[static_name][0]
        rows.append((f"{plain} / static", f"{share:.2f}x (goal ≥ {RATIO_GOAL})"))
    rows.append(("permalink, nothing stored", f"{render_ms:.1f} ms CPU to render"))
    print_rows(rows)
    return 0
