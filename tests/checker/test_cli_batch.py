"""Batch scans: many HTTPS targets in one ``python -m checker`` process, a bounded number at once,
every report there and in input order; a progress bar and a table only on a terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack

from checker.cli import BELOW_THRESHOLD, PASSED
from tests.checker.command_line import LADDER, json_lines, page_with, run_checker, tls_servers
from tests.conftest import LOOPBACK
from tests.targets import TargetServer

BATCH = 45


def test_45_https_targets_in_one_process_each_report_there_and_in_order(
    test_ca, ca_bundle, tmp_path
):
    letters = list(LADDER)
    with ExitStack() as stack:
        servers = tls_servers(stack, test_ca, BATCH)
        expected = []
        for number, server in enumerate(servers):
            letter = letters[number % len(letters)]
            server.responder = page_with(LADDER[letter])
            expected.append((f"{server.url}/site-{number}", letter))
        listed = tmp_path / "targets.txt"
        listed.write_text("".join(f"{url}\n" for url, _ in expected))

        result = run_checker("--json", "--targets-file", str(listed), ca_bundle=ca_bundle)

        assert all(server.requests for server in servers)  # every one of them was scanned
    assert result.returncode == PASSED, result.stderr
    rows = json_lines(result.stdout)
    assert len(rows) == BATCH
    assert [(row["target"]["raw"], row["grade"]) for row in rows] == expected
    assert {row["status"] for row in rows} == {"ok"}


class InFlight:
    """Counts the main-page requests being answered at once, over several servers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def responder(self, request):
        if request.header("Origin") is None and request.method == "GET":
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
            time.sleep(0.5)  # long enough that scans let through together overlap here
            with self.lock:
                self.now -= 1
        return page_with(LADDER["B"])(request)


def test_no_more_scans_than_concurrency_run_at_once(test_ca, ca_bundle):
    in_flight = InFlight()
    with ExitStack() as stack:
        servers = tls_servers(stack, test_ca, 6)
        for server in servers:
            server.responder = in_flight.responder
        targets = [server.url + "/" for server in servers]

        result = run_checker("--json", "--concurrency", "2", *targets, ca_bundle=ca_bundle)

    assert result.returncode == PASSED, result.stderr
    assert len(json_lines(result.stdout)) == 6
    assert 1 <= in_flight.most <= 2


def run_on_a_terminal(*args: str, ca_bundle: str) -> tuple[int, str, str]:
    """The checker with its standard error on a pseudo-terminal and its output in a file, as
    in ``python -m checker … --json > reports.jsonl`` typed at a prompt."""
    controller, terminal = pty.openpty()
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("CHECKER_")},
        "CHECKER_ALLOW_NETWORKS": ",".join(LOOPBACK),
        "CHECKER_ALLOWED_PORTS": "1-65535",
        "CHECKER_CA_BUNDLE": ca_bundle,
        "TERM": "xterm-256color",
        "COLUMNS": "200",
    }
    # The output goes to a file, not a pipe: reports bigger than a pipe's buffer would block the
    # child on its output while we wait for it to close the terminal.
    with tempfile.TemporaryFile() as output:
        child = subprocess.Popen(
            [sys.executable, "-m", "checker", *args],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=terminal,
            env=env,
        )
        os.close(terminal)
        shown = bytearray()
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the child closed its end
                break
            if not chunk:
                break
            shown += chunk
        child.wait(timeout=120)
        os.close(controller)
        output.seek(0)
        out = output.read().decode()
    return child.returncode, out, shown.decode(errors="replace")


def test_on_a_terminal_a_progress_bar_and_a_summary_table_go_to_stderr_only(test_ca, ca_bundle):
    with ExitStack() as stack:
        servers = tls_servers(stack, test_ca, 3)
        for server, letter in zip(servers, ("A+", "C", "F"), strict=True):
            server.responder = page_with(LADDER[letter])
        targets = [server.url + "/" for server in servers]

        code, out, shown = run_on_a_terminal(
            "--json", "--fail-under", "C", *targets, ca_bundle=ca_bundle
        )

    assert code == BELOW_THRESHOLD
    assert [row["grade"] for row in json_lines(out)] == ["A+", "C", "F"]  # clean JSON Lines
    assert "Scanning" in shown and "3/3" in shown  # the progress bar
    for heading in ("Target", "Grade", "Score", "Worst finding", "Status"):
        assert heading in shown
    assert "below C" in shown and "high: hsts.missing" in shown
    for target in targets:
        assert target in shown


def test_on_a_pipe_there_is_no_progress_bar_and_no_table(ca_bundle):
    with TargetServer() as first, TargetServer() as second:
        result = run_checker(first.url, second.url, ca_bundle=ca_bundle)

    assert result.returncode == PASSED
    assert result.stderr == ""
    assert result.stdout.count("Target: ") == 2
    assert "Worst finding" not in result.stdout
