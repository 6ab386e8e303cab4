"""Beat runs anywhere: from a fresh copy of the tracked files, with no var/ folder."""

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_checkout(tmp_path: Path) -> Path:
    """The tracked files as they are in the working tree (uncommitted edits included)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    checkout = tmp_path / "checkout"
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, checkout / name)
    assert not (checkout / "var").exists()
    return checkout


def run_beat(checkout: Path, env: dict[str, str], seconds: float = 60) -> str:
    """Start `celery -A webui beat` in the checkout; return its log once it sent the reaper."""
    log_path = checkout.parent / "beat.log"
    command = [sys.executable, "-m", "celery", "-A", "webui", "beat", "--loglevel=info"]
    # The copy's own packages, not the installed project's.
    env = {**env, "PYTHONPATH": str(checkout), "SCAN_REAP_INTERVAL": "1"}
    with log_path.open("wb") as log:
        beat = subprocess.Popen(command, cwd=checkout, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + seconds
        while "Sending due task reap-stale-scans" not in log_path.read_text(errors="replace"):
            assert beat.poll() is None, f"beat exited:\n{log_path.read_text()}"
            assert time.monotonic() < deadline, f"beat sent nothing:\n{log_path.read_text()}"
            time.sleep(0.1)
        assert beat.poll() is None, f"beat exited:\n{log_path.read_text()}"
        return log_path.read_text()
    finally:
        beat.terminate()
        beat.wait(timeout=15)


def environment(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return {**env, "CELERY_QUEUE": f"test-beat-{uuid.uuid4().hex[:12]}", **settings}


@pytest.mark.redis
@pytest.mark.postgres
def test_beat_starts_with_postgresql_and_redis_from_a_checkout_without_var(fresh_checkout):
    database, broker = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not broker or not database.startswith("postgres"):
        pytest.skip("needs REDIS_URL and a PostgreSQL DATABASE_URL")
    env = environment(DATABASE_URL=database, REDIS_URL=broker)

    run_beat(fresh_checkout, env)

    import redis

    redis.Redis.from_url(broker).delete(env["CELERY_QUEUE"])  # the reaper runs we sent


def test_beat_starts_with_the_default_sqlite_and_file_broker_from_a_fresh_checkout(
    fresh_checkout,
):
    run_beat(fresh_checkout, environment())
