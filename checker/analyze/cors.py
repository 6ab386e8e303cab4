"""CORS: which origins the site trusts, and whether its CORS headers work in a browser.

The evidence is the probe matrix of ``checker.cors_matrix``: every origin class sent on a GET
(and the main ones on a preflight), one Private Network Access preflight and one request for a
missing page. The judging is split by question into three modules:

- ``cors_origins``: hostile origin classes trusted, wildcard, no CORS, the all-clear;
- ``cors_headers``: header syntax, ``Vary: Origin``, error pages, private network access;
- ``cors_preflight``: preflight status, methods and headers granted, ``Max-Age``.
"""

from __future__ import annotations

from collections.abc import Iterable

from checker.analyze.cors_answers import answers
from checker.analyze.cors_headers import analyze_headers
from checker.analyze.cors_origins import analyze_origins
from checker.analyze.cors_preflight import analyze_preflight
from checker.model import Finding, Observation


def analyze(observation: Observation) -> Iterable[Finding]:
    items = answers(observation)
    if not items:
        return []  # no probe was answered: there is nothing to judge
    return [*analyze_origins(items), *analyze_headers(items), *analyze_preflight(items)]
