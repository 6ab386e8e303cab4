"""X-Content-Type-Options: may the browser guess a response's type from its bytes?

Fetch reads the first comma-separated value only and compares it without case to ``nosniff``.
"""

from __future__ import annotations

from collections.abc import Iterable

from checker.analyze.evidence import final_response, quote, short
from checker.findings import finding
from checker.model import Finding, Observation

HEADER = "x-content-type-options"


def analyze(observation: Observation) -> Iterable[Finding]:
    found = final_response(observation)
    if found is None:
        return ()
    final, response = found
    cite = (final.probe,)
    values = response.header_all(HEADER)
    if not values:
        return [
            finding(
                "xcto.missing",
                "No X-Content-Type-Options: browsers may guess content types and run a file "
                "as script or HTML",
                cite,
            )
        ]
    combined = ", ".join(values)
    first = combined.split(",", 1)[0].strip(" \t")
    facts = ((HEADER, quote(combined)),)
    if first.lower() == "nosniff":
        return [
            finding(
                "xcto.nosniff",
                "X-Content-Type-Options nosniff stops browsers from guessing content types",
                cite,
                facts,
            )
        ]
    return [
        finding(
            "xcto.invalid",
            f"X-Content-Type-Options is “{short(first)}”; only nosniff has an effect",
            cite,
            facts,
        )
    ]
