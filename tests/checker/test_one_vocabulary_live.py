"""The issue's case on a real local server: a site that trusts its frontend, with credentials,
and answers preflights with ``Access-Control-Allow-Methods: GET, PUT, bad value``. The CLI's scan
reports it as a problem, and the live simulator, asking the same server, says the PUT fails at
the same step."""

from __future__ import annotations

import asyncio
import json

from checker.live import simulate_live
from checker.simulate import SimRequest
from tests.checker.command_line import run_checker
from tests.targets import Answer, ReceivedRequest

FRONTEND = "https://app.shop.example"
NOT_A_PROBLEM = ("pass", "ok", "info")


def methods_site(request: ReceivedRequest) -> Answer:
    """The acceptance check's server, path /methods."""
    headers = [("Content-Length", "0")]
    if request.header("Origin") == FRONTEND:
        headers += [
            ("Access-Control-Allow-Origin", FRONTEND),
            ("Access-Control-Allow-Credentials", "true"),
            ("Vary", "Origin"),
        ]
        if request.method == "OPTIONS":
            headers += [
                ("Access-Control-Allow-Methods", "GET, PUT, bad value"),
                ("Access-Control-Allow-Headers", "content-type, authorization"),
            ]
    return (204 if request.method == "OPTIONS" else 200), headers, b""


def test_the_scan_reports_the_unreadable_allow_methods_as_a_problem(target_server):
    target_server.responder = methods_site

    result = run_checker(f"{target_server.url}/methods", "--json", "--frontend-origin", FRONTEND)

    report = json.loads(result.stdout)
    problems = {
        f["id"]: f for f in report["findings"] if str(f["severity"]).lower() not in NOT_A_PROBLEM
    }
    assert "cors.preflight-allow-methods-invalid" in problems, sorted(problems)
    assert "cors.preflight-method-not-allowed" not in problems  # PUT is listed, but unreadably
    facts = dict(problems["cors.preflight-allow-methods-invalid"]["facts"])
    assert facts["access-control-allow-methods"] == "GET, PUT, bad value"


def test_the_live_simulator_agrees_with_the_scan(target_server, checker_options):
    target_server.responder = methods_site
    request = SimRequest(
        FRONTEND,
        f"{target_server.url}/methods",
        method="PUT",
        headers=(("Content-Type", "application/json"),),
        credentials="include",
        body=True,
    )

    result = asyncio.run(simulate_live(request, checker_options))

    assert result.verdict.complete and not result.verdict.allowed
    assert result.verdict.failure.id == "preflight-allow-methods-invalid"
    assert "Cannot parse Access-Control-Allow-Methods" in result.verdict.console_message
    assert not result.verdict.chromium.allowed
