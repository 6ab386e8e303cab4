"""Record each engine's console wording from the real browsers into checker/browser_messages.json.

    PYTHONPATH=. python -m tests.conformance.record [firefox] [webkit]

Runs every row of tests/conformance/cases.py in Firefox and in WebKit (see engines.py) and writes,
per engine, the message templates by reason (the simulator's failure id for the row) and, per row,
what the engine did: allowed or blocked, the script's error and the console lines, with the run's
origins, port and row prefix replaced by placeholders (harness.template). test_firefox.py and
test_webkit.py require the browsers to still do and say exactly this.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.conformance import harness
from tests.conformance.cases import CASES
from tests.conformance.engines import Firefox, WebKit
from tests.conformance.servers import HOSTS, Origins

DATA = Path(__file__).resolve().parents[2] / "checker" / "browser_messages.json"


def reason(verdict, observation) -> str | None:
    """The key a row's lines are filed under in "messages" (a reading aid, not checked): the
    simulator's failure id for the row."""
    if observation.allowed:
        return None
    if verdict.failure is not None:
        return verdict.failure.id
    for other in (getattr(verdict, "chromium", None), *getattr(verdict, "browsers", ())):
        if other is not None and other.failure is not None:
            return other.failure.id
    return "unexpected-block"


def row_record(origins: Origins, case, observation) -> dict:
    """What the engine did with one row, in terms that do not change from run to run."""
    return {
        "allowed": observation.allowed,
        "error": observation.error and harness.template(observation.error, origins, case),
        "console": [harness.template(line, origins, case) for line in observation.console],
    }


def launch(engine: str, origins: Origins):
    if engine == "firefox":
        return Firefox(HOSTS)
    return WebKit(HOSTS, (origins.port, origins.plain_port))


def record(engine: str) -> dict:
    with Origins() as origins:
        driver = launch(engine, origins)
        try:
            rows, reasons = {}, {}
            for case in CASES:
                observation = harness.observe(driver, origins, case)
                rows[case.id] = row_record(origins, case, observation)
                reasons[case.id] = reason(harness.predict(origins, case), observation)
            version = driver.version
        finally:
            driver.close()
    messages: dict[str, list[str]] = {}
    for case_id, row in rows.items():
        if reasons[case_id] is not None:
            known = messages.setdefault(reasons[case_id], [])
            for line in row["console"]:
                if line not in known:
                    known.append(line)
    return {"version": version, "messages": messages, "rows": rows}


def main(argv: list[str]) -> None:
    engines = argv or ["firefox", "webkit"]
    data = json.loads(DATA.read_text()) if DATA.exists() else {}
    for engine in engines:
        data[engine] = record(engine)
        print(
            f"{engine}: {len(data[engine]['rows'])} rows, {len(data[engine]['messages'])} reasons"
        )
    DATA.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"wrote {DATA}")


if __name__ == "__main__":
    main(sys.argv[1:])
