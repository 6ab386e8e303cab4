"""Fixtures for the web app: a test database other processes can open, and a real Celery worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import ALL_PORTS, LOOPBACK

ROOT = Path(__file__).resolve().parents[2]

# Headers that make a page score well; a target that sends them all should get an A or better.
GOOD_HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
    ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; object-src 'none'"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Give this run a test database of its own that a worker process can open too.

    SQLite: a file instead of memory, so a worker subprocess sees the same rows. PostgreSQL: a
    name with this process's id, so parallel runs against one server do not drop each other's.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    test = database.setdefault("TEST", {})
    if database["ENGINE"] == "django.db.backends.sqlite3":
        test["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    else:
        test["NAME"] = f"test_{database['NAME']}_{os.getpid()}"


@pytest.fixture(autouse=True)
def own_rate_limit_counters(settings) -> None:
    """Give each test its own scan-rate counters in the (possibly shared) cache.

    Every test client posts from 127.0.0.1, so without this the tests of a run — and parallel
    runs sharing one Redis — would use up one another's allowance.
    """
    settings.RATELIMIT_CACHE_PREFIX = f"rl:test-{uuid.uuid4().hex}:"


@pytest.fixture
def allow_loopback(settings, ca_bundle: str):
    """Let the checker reach the local target servers, as a developer would for local testing."""
    settings.CHECKER_ALLOW_NETWORKS = LOOPBACK
    settings.CHECKER_ALLOWED_PORTS = ALL_PORTS
    settings.CHECKER_CA_BUNDLE = ca_bundle
    return settings


def database_url(settings_dict: dict) -> str:
    """The URL of the database this test process is using, for a subprocess's DATABASE_URL."""
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    user = quote(settings_dict.get("USER") or "")
    password = settings_dict.get("PASSWORD")
    credentials = f"{user}:{quote(password)}@" if password else f"{user}@" if user else ""
    host = settings_dict.get("HOST") or "localhost"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


class WorkerProcess:
    """`celery -A webui worker` in a subprocess, on a queue no other test run uses."""

    def __init__(self, env: dict[str, str], log_path: Path, args: tuple[str, ...] = ()) -> None:
        self.env = env
        self.log_path = log_path
        self.args = args
        self.process: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "webui",
            "worker",
            "--concurrency=1",
            "--loglevel=info",
            # Mingle and gossip wait for other workers' replies; a lone test worker has none.
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            *self.args,
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self.wait_for("ready.", seconds=60)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, text: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while text not in self.log():
            if self.process.poll() is not None:
                raise AssertionError(f"the worker exited early:\n{self.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the worker never logged {text!r}:\n{self.log()}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # a warm shutdown: finish the current task, then exit
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def celery_worker(
    transactional_db, ca_bundle: str, tmp_path: Path
) -> Iterator[Callable[..., WorkerProcess]]:
    """A function that starts a real worker with this test's database, broker and settings.

    Positional arguments are extra command-line options (e.g. "-B" for beat inside the worker);
    keyword arguments are extra environment variables (settings).

    The test's own publisher is pointed at the same private queue, so tasks queued by views in
    this process reach that worker and no other.
    """
    from django.db import connection

    from webui.celery import app

    queue = f"test-{uuid.uuid4().hex[:12]}"
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    workers: list[WorkerProcess] = []

    def start(*args: str, **extra_env: str) -> WorkerProcess:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "webui.settings",
            "DATABASE_URL": database_url(connection.settings_dict),
            "CELERY_QUEUE": queue,
            "CHECKER_ALLOW_NETWORKS": ",".join(LOOPBACK),
            "CHECKER_ALLOWED_PORTS": "1-65535",
            "CHECKER_CA_BUNDLE": ca_bundle,
            **extra_env,
        }
        worker = WorkerProcess(env, tmp_path / f"worker-{len(workers)}.log", args)
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()
    app.conf.task_default_queue = previous_queue


@pytest.fixture
def private_queue():
    """Queue the test's tasks where no worker listens, and throw them away afterwards."""
    from django.conf import settings

    from webui.celery import app

    queue = f"test-{uuid.uuid4().hex[:12]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    yield queue
    app.conf.task_default_queue = previous
    if os.environ.get("REDIS_URL"):
        import redis

        redis.Redis.from_url(os.environ["REDIS_URL"]).delete(queue)
    else:
        for message in (settings.BROKER_DIR / "queue").glob(f"*{queue}*"):
            message.unlink()


@pytest.fixture
def worker_services() -> None:
    """Skip unless this run has what a real worker needs: Redis and a PostgreSQL database."""
    from django.db import connection

    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set: this test needs a Redis server")
    if connection.vendor != "postgresql":
        pytest.skip("DATABASE_URL does not name a PostgreSQL database")


def submit(client, target: str):
    """Post the home form and return the scan it redirected to."""
    from webui.models import Scan

    response = client.post("/", {"target": target})
    assert response.status_code == 303, response.content.decode()
    return Scan.objects.get(token=response["Location"].split("/")[2])


def wait_until_ended(scan, seconds: float = 60):
    """Poll the row until the scan has ended (the worker writes it from another process)."""
    deadline = time.monotonic() + seconds
    scan.refresh_from_db()
    while scan.is_active:
        if time.monotonic() > deadline:
            raise AssertionError(f"scan {scan.token} still {scan.status} after {seconds} s")
        time.sleep(0.1)
        scan.refresh_from_db()
    return scan


@pytest.fixture(scope="session", autouse=True)
def end_stray_database_sessions(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Let the test database be dropped: end sessions a worker or server thread left open.

    Without this, PostgreSQL refuses to drop a database someone is still connected to, and each
    run would leave one behind on the shared server.
    """
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture
def inbox(smtp_server):
    """The real SMTP server's inbox (see tests/smtp.py), with the site sending through it."""
    from django.test import override_settings

    with override_settings(**smtp_server.email_settings):
        yield smtp_server.inbox
