"""The analyzers: one pure function per concern, from an Observation to findings.

Each module exports ``analyze(observation) -> Iterable[Finding]``. ``ANALYZERS`` is the registry;
``run_analyzers`` calls each in turn. An analyzer never performs I/O and never raises on hostile
input: a malformed header is a finding, not an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from checker.analyze import (
    content,
    cookies,
    cors,
    cors_breakage,
    cross_origin,
    csp,
    deprecated,
    disclosure,
    framing,
    hsts,
    permissions,
    redirects,
    referrer,
    sri,
    tls,
    xcto,
)
from checker.model import Finding, Observation

Analyzer = Callable[[Observation], Iterable[Finding]]

ANALYZERS: tuple[Analyzer, ...] = (
    tls.analyze,
    cors.analyze,
    cors_breakage.analyze,
    redirects.analyze,
    hsts.analyze,
    csp.analyze,
    sri.analyze,
    framing.analyze,
    xcto.analyze,
    content.analyze,
    referrer.analyze,
    permissions.analyze,
    cross_origin.analyze,
    cookies.analyze,
    disclosure.analyze,
    deprecated.analyze,
)


def run_analyzers(observation: Observation) -> list[Finding]:
    findings: list[Finding] = []
    for analyzer in ANALYZERS:
        findings.extend(analyzer(observation))
    return sorted(findings, key=lambda f: (f.severity.rank, f.id))
