"""The benchmarks run end to end on a few scans, so they cannot rot between real runs."""

import os
import re
import subprocess
import sys
from pathlib import Path

import dj_database_url
import pytest

ROOT = Path(__file__).resolve().parents[2]


def bench(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=ROOT,
        env=env if env is not None else os.environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def figure(output: str, name: str) -> str:
    """The value printed beside ``name`` in the bench's two-column table."""
    found = re.search(rf"^{re.escape(name)}\s+(.+)$", output, re.MULTILINE)
    assert found, f"no {name!r} line in:\n{output}"
    return found.group(1)


def test_the_engine_run_prints_its_figures():
    run = bench("engine", "--scans", "1", "--latency", "0")

    assert run.returncode == 0, run.stdout + run.stderr
    # 1 main GET and 58 probes, all of which reach the bench's API (its own process, with an
    # HTTPS listener too): the CORS matrix with hosting and development origins, the breakage
    # probes, the way to HTTPS and the HTTPS check.
    assert figure(run.stdout, "requests per scan").startswith(
        "59 (1 main, 58 probes; server saw 58)"
    )
    assert figure(run.stdout, "scans per minute, one worker")


def test_the_batch_run_scans_local_https_sites_and_prints_its_figures():
    run = bench("batch", "--targets", "3", "--single", "1", "--latency", "0.01", "--parallel", "2")

    assert run.returncode == 0, run.stdout + run.stderr
    # 57 for a named HTTPS host with a frontend origin: 1 main GET and 56 beside it (the CORS
    # probes and the way from http://, which redirects to https://host/, a second hop).
    assert figure(run.stdout, "one site, requests per scan").startswith("57 (1 main, 56 beside")
    assert re.fullmatch(
        r"171 \(server saw 171 on \d+ connections, peak \d+ in flight\)",
        figure(run.stdout, "batch requests sent"),
    )
    assert re.fullmatch(r"[\d.]+ ms \(goal ≤ 1.5\)", figure(run.stdout, "batch CPU per request"))
    assert re.fullmatch(
        r"median [\d.]+, max [\d.]+", figure(run.stdout, "batch scan wall / critical")
    )


def test_without_the_services_the_worker_run_says_how_to_run_it():
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}

    run = bench("worker", env=env)

    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("worker run skipped: REDIS_URL is not set.")
    assert "REDIS_URL=redis://127.0.0.1:6379/0 DATABASE_URL=postgres://" in run.stdout


@pytest.mark.redis
@pytest.mark.postgres
def test_the_worker_run_ends_every_scan_done_and_prints_the_figures():
    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set: this test needs a Redis server")
    database = dj_database_url.parse(os.environ.get("DATABASE_URL") or "sqlite://")
    if database["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("DATABASE_URL does not name a PostgreSQL database")

    run = bench("worker", "--scans", "5", "--workers", "2")

    assert run.returncode == 0, run.stdout + run.stderr
    output = run.stdout
    assert figure(output, "ended done") == "5 of 5"
    assert re.fullmatch(r"\d+ \(5 scans in [\d.]+ s, .+\)", figure(output, "scans per minute"))
    assert re.match(r"p50 \d+ ms, p95 \d+ ms", figure(output, "submit to done"))
    for moment in ("at start", "after 5 scans", "at the end (5 scans)"):
        memory = figure(output, f"worker RSS {moment}")
        # Two workers, each a main process and one pool child.
        assert re.fullmatch(
            r"[\d.]+ MiB in all \(worker 1: main [\d.]+ \+ child [\d.]+;"
            r" worker 2: main [\d.]+ \+ child [\d.]+\)",
            memory,
        ), memory
    ratio = figure(output, "RSS at the end / after 5 scans")
    assert re.fullmatch(r"\d\.\d{3} \(at most 1.10 allowed\)", ratio), ratio
    assert "worker run passed" in output


def test_the_pages_run_serves_a_permalink_and_a_static_file_from_gunicorn():
    run = bench("pages", "--seconds", "1", "--connections", "2")

    assert run.returncode == 0, run.stdout + run.stderr
    assert figure(run.stdout, "report").startswith("grade F, ")
    for name in ("static file", "permalink", "permalink, 304", "permalink, gzip"):
        line = figure(run.stdout, name)
        assert re.fullmatch(r"[\d,]+ requests/s, [\d.]+ ms CPU per request", line), line
    assert re.fullmatch(r"[\d.]+x \(goal ≥ 0\.5\)", figure(run.stdout, "permalink / static"))
