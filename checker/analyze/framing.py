"""Framing (clickjacking): may other sites show this page inside a frame?

Two headers answer. CSP ``frame-ancestors`` is the current one and, when an enforced policy has
it, browsers ignore X-Frame-Options altogether. X-Frame-Options is read as the HTML standard says:
its values split on commas, compared without case; several different values block all framing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from checker.analyze.csp import is_broad
from checker.analyze.evidence import final_response, quote, short
from checker.findings import finding
from checker.headers import csp
from checker.headers.csp import Directive
from checker.model import Finding, Observation

XFO = "x-frame-options"
# What each lone X-Frame-Options value means to a browser; anything else is ignored.
XFO_MEANING = {
    "deny": "no site may frame the page",
    "sameorigin": "only the page's own origin may frame it",
}


def analyze(observation: Observation) -> Iterable[Finding]:
    found = final_response(observation)
    if found is None:
        return ()
    final, response = found
    cite = (final.probe,)
    xfo = response.header_all(XFO)
    policies = csp.parse_headers(response.header_all("content-security-policy"))
    ancestors = [d for p in policies if (d := p.get("frame-ancestors")) is not None]
    if ancestors:
        return list(_judge_frame_ancestors(ancestors, xfo, cite))
    if not xfo:
        return [
            finding(
                "framing.missing",
                "Neither X-Frame-Options nor CSP frame-ancestors: any site can frame this page",
                cite,
            )
        ]
    return list(_judge_xfo(xfo, cite))


def _judge_frame_ancestors(
    ancestors: list[Directive], xfo: list[str], cite: tuple[str, ...]
) -> Iterator[Finding]:
    first = ancestors[0]
    facts: tuple[tuple[str, str], ...] = (
        ("frame-ancestors", quote(" ".join(first.sources) or "(empty)")),
    )
    if xfo:
        facts += (("x-frame-options", quote(", ".join(xfo))), ("x-frame-options-used", "no"))
    restrictive = [d for d in ancestors if not any(is_broad(s) for s in d.sources)]
    if not restrictive:
        yield finding(
            "framing.allows-any",
            f"CSP frame-ancestors allows {short(first.sources[0])}, so any site can frame "
            "this page",
            cite,
            facts,
        )
        return
    sources = [s.lower() for s in restrictive[0].sources]
    if not sources or sources == ["'none'"]:
        meaning = "no site may frame the page"
    elif sources == ["'self'"]:
        meaning = "only the page's own origin may frame it"
    else:
        meaning = "only the listed origins may frame it"
    yield finding("framing.ok", f"CSP frame-ancestors says {meaning}", cite, facts)


def _judge_xfo(xfo: list[str], cite: tuple[str, ...]) -> Iterator[Finding]:
    tokens = [token.strip(" \t").lower() for value in xfo for token in value.split(",")]
    distinct = list(dict.fromkeys(tokens))
    facts = (("x-frame-options", quote(", ".join(xfo))),)
    if len(distinct) > 1:
        if {"deny", "sameorigin", "allowall"} & set(distinct):
            # The HTML standard blocks framing outright when the values disagree.
            yield finding(
                "framing.xfo-conflicting",
                "X-Frame-Options has conflicting values, so browsers refuse all framing",
                cite,
                facts,
            )
            return
        yield _invalid(short(", ".join(xfo)), cite, facts)
        return
    value = distinct[0]
    if value in XFO_MEANING:
        yield finding(
            "framing.ok", f"X-Frame-Options {value.upper()}: {XFO_MEANING[value]}", cite, facts
        )
    elif value.startswith("allow-from"):
        yield finding(
            "framing.xfo-allow-from",
            "X-Frame-Options ALLOW-FROM is obsolete: current browsers ignore it and let any "
            "site frame the page",
            cite,
            facts,
        )
    elif value == "allowall":
        yield finding(
            "framing.allows-any",
            "X-Frame-Options ALLOWALL lets any site frame this page",
            cite,
            facts,
        )
    else:
        yield _invalid(short(xfo[0]), cite, facts)


def _invalid(shown: str, cite: tuple[str, ...], facts: tuple[tuple[str, str], ...]) -> Finding:
    return finding(
        "framing.xfo-invalid",
        f"X-Frame-Options “{shown}” is not a value browsers understand, so any site can frame "
        "this page",
        cite,
        facts,
    )
