"""Deprecated headers: browsers removed the features they controlled.

X-XSS-Protection switched on a filter that old browsers had; the filter itself could be abused to
blank out or leak parts of a page, so the advice is to send ``0`` or nothing. Expect-CT and
Public-Key-Pins are ignored by current browsers; pinning could lock visitors out of a site.
"""

from __future__ import annotations

from collections.abc import Iterable

from checker.analyze.evidence import final_response, quote, short
from checker.findings import finding
from checker.model import Finding, Observation, Response


def analyze(observation: Observation) -> Iterable[Finding]:
    found = final_response(observation)
    if found is None:
        return ()
    final, response = found
    cite = (final.probe,)
    findings = []
    xss = response.header_all("x-xss-protection")
    if not all(v.strip() == "0" for v in xss):
        findings.append(
            finding(
                "deprecated.x-xss-protection",
                f"X-XSS-Protection is “{short(', '.join(xss))}”: the old filter it enables can "
                "itself be abused; send 0 or drop the header",
                cite,
                (("x-xss-protection", quote(", ".join(xss))),),
            )
        )
    if response.header_all("expect-ct"):
        findings.append(
            finding(
                "deprecated.expect-ct",
                "Expect-CT is obsolete: browsers now require certificate transparency anyway",
                cite,
                _facts(response, "expect-ct"),
            )
        )
    pins = _facts(response, "public-key-pins") + _facts(response, "public-key-pins-report-only")
    if pins:
        findings.append(
            finding(
                "deprecated.public-key-pins",
                f"{pins[0][0].title()} is obsolete: browsers no longer pin keys from headers",
                cite,
                pins,
            )
        )
    return findings


def _facts(response: Response, name: str) -> tuple[tuple[str, str], ...]:
    return tuple((name, quote(value)) for value in response.header_all(name))
