"""The simulator's per-browser verdicts against what Firefox and WebKit were recorded doing.

tests/conformance/record.py runs every row of cases.py in the real Firefox and WebKit and writes
what each did (allowed or blocked, the script's error, the console lines) to
checker/browser_messages.json. This test needs no browser: it runs the same rows through
``checker.simulate`` and requires each engine's verdict, script error and console lines (from
checker/browser_console.json) to be the recorded ones, so the wording tables and the profiles
cannot drift from the measurements. Rows recorded before they were added to cases.py are not
judged until the recording is refreshed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.simulate import simulate
from tests.conformance.cases import CASES, Case
from tests.conformance.harness import answer, sim_request

RECORDED = Path(__file__).resolve().parents[2] / "checker" / "browser_messages.json"
PORT, PLAIN_PORT = 4443, 4080
# Lines the page load itself prints (its favicon), not the request under test.
NOISE = ("OpaqueResponseBlocking",)
# Where the recording and the simulator part ways, and why.
KNOWN = {
    ("webkit", "plain-http-loopback-is-trustworthy"): "the recorded console line is cut off"
    " after 'must'",
}

pytestmark = pytest.mark.skipif(
    not RECORDED.exists(),
    reason="checker/browser_messages.json comes from tests.conformance.record",
)


def _names(case: Case) -> dict[str, str]:
    return {
        "app": f"https://app.test:{PORT}",
        "api": f"https://api.test:{PORT}",
        "other": f"https://other.test:{PORT}",
        "plain_api": f"http://api.test:{PLAIN_PORT}",
        "port": str(PORT),
        "plain_port": str(PLAIN_PORT),
        "case": f"/c/{case.id}/",
    }


def _fill(text: str, names: dict[str, str]) -> str:
    for key in ("app", "api", "other", "plain_api", "case", "plain_port", "port"):
        text = text.replace("{" + key + "}", names[key])
    return text


def _rows() -> list[tuple[str, Case]]:
    if not RECORDED.exists():
        return []
    data = json.loads(RECORDED.read_text())
    return [
        (engine, case)
        for engine in ("firefox", "webkit")
        for case in CASES
        if case.id in data.get(engine, {}).get("rows", {})
    ]


@pytest.mark.parametrize(("engine", "case"), _rows(), ids=[f"{e}-{c.id}" for e, c in _rows()])
def test_the_simulator_says_what_the_engine_was_recorded_saying(engine: str, case: Case) -> None:
    row = json.loads(RECORDED.read_text())[engine]["rows"][case.id]
    names = _names(case)
    url = case.url.format_map(names) if case.url else f"https://{case.host}:{PORT}/c/{case.id}/x"
    request = sim_request(case, f"{names['app']}{case.page}", url)
    predicted = simulate(request, answer(case, names)).browser(engine)
    lines = [_fill(line, names) for line in row["console"] if not any(n in line for n in NOISE)]
    said = (
        predicted.console_message.split("\n")
        if predicted.console_message
        else list(predicted.console_warnings)
    )
    # record.py templates the error like the console lines ({api}, {case}, {port}).
    error = row["error"] and _fill(row["error"], names)
    agrees = predicted.allowed == row["allowed"] and said == lines
    if not row["allowed"]:
        agrees = agrees and predicted.script_error == error
    if (engine, case.id) in KNOWN:
        assert not agrees, f"no longer differs: {KNOWN[(engine, case.id)]}"
        return
    assert predicted.allowed == row["allowed"], (predicted.failure, row)
    assert said == lines
    if not row["allowed"]:
        assert predicted.script_error == error
