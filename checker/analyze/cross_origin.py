"""Cross-Origin-Opener-Policy, -Embedder-Policy and -Resource-Policy.

COOP and COEP are RFC 9651 items (a token, maybe with parameters such as report-to); a value that
does not parse, or more than one header field, leaves the browser default (unsafe-none). CORP is
compared byte for byte with its three values. Together, COOP same-origin and a COEP that requires
opt-in give the page cross-origin isolation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import http_sf

from checker.analyze.evidence import final_response, quote, short
from checker.findings import finding
from checker.model import Finding, Observation, Response


@dataclass(frozen=True)
class Header:
    name: str  # lower case, also the glossary slug
    short: str  # coop, coep, corp: the part of the finding id
    label: str
    structured: bool
    values: dict[str, str]  # valid value -> what it does
    default: str | None  # the value that means the same as no header
    absent: str  # what a browser does without the header


COOP = Header(
    "cross-origin-opener-policy",
    "coop",
    "Cross-Origin-Opener-Policy",
    True,
    {
        "same-origin": "cross-origin pages that open or are opened by this one get no handle on it",
        "same-origin-allow-popups": "cross-origin pages that open this one get no handle on it",
        "noopener-allow-popups": "pages that open this one get no handle on it",
        "unsafe-none": "other pages keep a handle on this window",
    },
    "unsafe-none",
    "other pages that open this one, or that it opens, keep a handle on its window",
)
COEP = Header(
    "cross-origin-embedder-policy",
    "coep",
    "Cross-Origin-Embedder-Policy",
    True,
    {
        "require-corp": "cross-origin resources load only if they opt in",
        "credentialless": "cross-origin resources load without credentials unless they opt in",
        "unsafe-none": "cross-origin resources load without opting in",
    },
    "unsafe-none",
    "the page can load cross-origin resources that never opted in",
)
CORP = Header(
    "cross-origin-resource-policy",
    "corp",
    "Cross-Origin-Resource-Policy",
    False,
    {
        "same-origin": "only this origin may embed the response",
        "same-site": "only this site may embed the response",
        "cross-origin": "any site may embed the response",
    },
    None,
    "any site may embed the response with a no-cors request",
)
ISOLATING_COEP = ("require-corp", "credentialless")


def read_value(header: Header, response: Response) -> tuple[str | None, str | None]:
    """(the value a browser uses or None for the default, the raw text or None when absent)."""
    fields = response.header_all(header.name)
    if not fields:
        return None, None
    raw = ", ".join(fields)  # two fields join into a list, which no valid value is
    if not header.structured:
        value = raw.strip(" \t")
        return (value if value in header.values else None), raw
    try:
        item, _params = http_sf.parse(raw.encode("utf-8", "replace"), tltype="item")
    except (http_sf.StructuredFieldError, ValueError, TypeError, IndexError):
        return None, raw
    if isinstance(item, http_sf.Token) and str(item) in header.values:
        return str(item), raw
    return None, raw


def analyze(observation: Observation) -> Iterable[Finding]:
    found = final_response(observation)
    if found is None:
        return ()
    final, response = found
    cite = (final.probe,)
    findings: list[Finding] = []
    used: dict[str, str | None] = {}
    for header in (COOP, COEP, CORP):
        value, raw = read_value(header, response)
        used[header.short] = value
        findings += _judge(header, value, raw, cite)
    if used["coop"] == "same-origin" and used["coep"] in ISOLATING_COEP:
        findings.append(
            finding(
                "cross-origin.isolated",
                f"The page is cross-origin isolated (COOP same-origin with COEP {used['coep']})",
                cite,
                (("coop", "same-origin"), ("coep", str(used["coep"]))),
            )
        )
    return findings


def _judge(
    header: Header, value: str | None, raw: str | None, cite: tuple[str, ...]
) -> Iterator[Finding]:
    prefix = f"cross-origin.{header.short}"
    if raw is None or (value is not None and value == header.default):
        said = f"{header.label} is {header.default}" if raw is not None else f"No {header.label}"
        yield finding(
            f"{prefix}-missing",
            f"{said}: {header.absent}",
            cite,
            ((header.name, quote(raw)),) if raw is not None else (),
        )
    elif value is None:
        yield finding(
            f"{prefix}-invalid",
            f"{header.label} “{short(raw)}” is not a value browsers accept, so it is ignored",
            cite,
            ((header.name, quote(raw)),),
        )
    else:
        yield finding(
            f"{prefix}-ok",
            f"{header.label} {value}: {header.values[value]}",
            cite,
            ((header.name, quote(raw)),),
        )
