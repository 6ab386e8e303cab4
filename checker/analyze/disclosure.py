"""Disclosure: headers that name the server software and its exact version.

A version number tells an attacker which published vulnerabilities to try first. A bare product
name ("nginx") says little, so only values that carry a version are reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from checker.analyze.evidence import final_response, quote, short
from checker.findings import finding
from checker.model import Finding, Observation

# "nginx/1.25.3", "Apache/2", "PHP 8.2.1", "10.0"; not "ECS (dcb/7F84)" or "cloudflare".
_VERSION = re.compile(r"(?:/\s*v?\d+\b|\bv?\d+\.\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Revealing:
    header: str
    finding: str
    glossary: str
    always_versioned: bool  # the header exists only to carry a version number


HEADERS = (
    Revealing("server", "disclosure.server-version", "server", False),
    Revealing("x-powered-by", "disclosure.powered-by-version", "x-powered-by", False),
    Revealing("x-aspnet-version", "disclosure.aspnet-version", "mistake-version-disclosure", True),
    Revealing(
        "x-aspnetmvc-version", "disclosure.aspnet-version", "mistake-version-disclosure", True
    ),
)


def has_version(value: str) -> bool:
    return bool(_VERSION.search(value))


def analyze(observation: Observation) -> Iterable[Finding]:
    found = final_response(observation)
    if found is None:
        return ()
    final, response = found
    seen: dict[str, list[tuple[str, str]]] = {}
    for revealing in HEADERS:
        for value in response.header_all(revealing.header):
            if value.strip() and (revealing.always_versioned or has_version(value)):
                seen.setdefault(revealing.finding, []).append((revealing.header, value))
    findings = []
    for revealing in HEADERS:
        pairs = seen.pop(revealing.finding, None)
        if not pairs:
            continue
        header, value = pairs[0]
        findings.append(
            finding(
                revealing.finding,
                f"The {header} header reveals a software version: {short(value)}",
                (final.probe,),
                tuple((name, quote(v)) for name, v in pairs),
            )
        )
    return findings
