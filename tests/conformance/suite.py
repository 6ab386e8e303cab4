"""The checks test_firefox.py and test_webkit.py share: one real engine against every row.

For each row of tests/conformance/cases.py the engine's behaviour (allowed or blocked, the error
the script saw, the readable headers, every request that reached the server) is compared with the
simulator's prediction, and its console lines with the wording recorded in
checker/browser_messages.json (``python -m tests.conformance.record`` rewrites that file from the
real browsers). Until the simulator gives a verdict per browser, the prediction is the standard's
(``simulate(...)`` itself); rows where an engine was measured doing otherwise are listed in the
test module's ``DIFFERS`` with the reason, and the test requires them to still differ.
"""

from __future__ import annotations

import json

from checker.console_wording import SCRIPT_ERROR, line_reasons
from tests.conformance import harness
from tests.conformance.cases import Case
from tests.conformance.record import DATA, row_record
from tests.conformance.servers import Origins


def recorded(engine: str) -> dict:
    return json.loads(DATA.read_text())[engine]


def check_row(driver, origins: Origins, case: Case, differs: dict[str, str]) -> None:
    observation = harness.observe(driver, origins, case)
    verdict = harness.predict(origins, case)
    assert verdict.complete

    # 1. What the engine did and said is what was recorded from it.
    row = recorded(driver.name)["rows"][case.id]
    assert row_record(origins, case, observation) == row

    # 2. Every line it printed is one of the templates of checker/console_wording.py, and a
    #    blocked request rejects with the engine's one error (fetch() argument errors aside).
    for line in observation.console:
        assert line_reasons(driver.name, line), f"no template for {line!r}"
    if not observation.allowed and not (
        verdict.failure and verdict.failure.id.startswith("script")
    ):
        assert observation.error == SCRIPT_ERROR[driver.name]

    # 3. What the engine did is what the simulator predicts for it. With per-browser verdicts
    #    (``Verdict.browsers``) every row must match, console line included; with only the
    #    standard's verdict, rows this engine was measured to part ways on are in ``differs``.
    own = engine_verdict(verdict, driver.name)
    if own is not None:
        assert observation.allowed == own.allowed, (case.id, observation, own.failure)
        assert observation.wire == harness.simulated_wire(own)
        if own.allowed:
            assert observation.headers == tuple(sorted(own.exposed_headers))
        else:
            assert observation.error == own.script_error
            if own.console_message is not None:
                assert same_lines(observation.console, own.console_message.split("\n"))
        for warning in getattr(own, "console_warnings", ()):
            assert warning in observation.console
        return
    same_verdict = observation.allowed == verdict.allowed
    same_wire = observation.wire == harness.simulated_wire(verdict)
    if case.id in differs:
        assert not (same_verdict and same_wire), f"{case.id} no longer differs: {differs[case.id]}"
    else:
        assert observation.allowed == verdict.allowed, (case.id, observation, verdict.failure)
        assert observation.wire == harness.simulated_wire(verdict)
        if verdict.allowed:
            assert observation.headers == tuple(sorted(verdict.exposed_headers))


def same_lines(printed, expected) -> bool:
    """The browser printed exactly the expected lines. WebKit's writer to stderr cuts a long line
    short (the console itself shows it whole), so a long printed line may be a start of its
    expected line."""
    if len(printed) != len(expected):
        return False
    return all(
        got == want or (len(got) >= 100 and want.startswith(got))
        for got, want in zip(printed, expected, strict=True)
    )


def engine_verdict(verdict, name: str):
    """The simulator's verdict for this engine, once it gives one per browser, else None."""
    return next((own for own in getattr(verdict, "browsers", ()) if own.rules == name), None)
