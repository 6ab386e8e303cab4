"""Referrer-Policy: how much of this page's URL is sent to the sites it links to or loads from.

Browsers split every value on commas and keep the last token they recognise, so a list can name
a newer policy after an older fallback. Unknown tokens are skipped; with no known token at all the
browser default applies (strict-origin-when-cross-origin in current browsers).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from checker.analyze.evidence import final_response, quote, short
from checker.findings import finding
from checker.model import Finding, Observation

HEADER = "referrer-policy"
POLICIES = frozenset(
    {
        "no-referrer",
        "no-referrer-when-downgrade",
        "same-origin",
        "origin",
        "strict-origin",
        "origin-when-cross-origin",
        "strict-origin-when-cross-origin",
        "unsafe-url",
    }
)
# Policies that send the full URL (path and query) to other sites.
UNSAFE = {
    "unsafe-url": "sends the full URL, path and query included, to every site, even over HTTP",
    "no-referrer-when-downgrade": "sends the full URL, path and query included, to every "
    "HTTPS site",
}


def effective_policy(values: list[str]) -> tuple[str | None, list[str]]:
    """The policy a browser applies (None: its default) and the tokens it skipped."""
    tokens = [t.strip(" \t").lower() for value in values for t in value.split(",")]
    tokens = [t for t in tokens if t]
    known = [t for t in tokens if t in POLICIES]
    unknown = [t for t in tokens if t not in POLICIES]
    return (known[-1] if known else None), unknown


def analyze(observation: Observation) -> Iterable[Finding]:
    found = final_response(observation)
    if found is None:
        return ()
    final, response = found
    return list(_judge(response.header_all(HEADER), (final.probe,)))


def _judge(values: list[str], cite: tuple[str, ...]) -> Iterator[Finding]:
    if not values:
        yield finding(
            "referrer.missing",
            "No Referrer-Policy: browsers use their default (strict-origin-when-cross-origin "
            "in current ones)",
            cite,
        )
        return
    policy, unknown = effective_policy(values)
    facts: tuple[tuple[str, str], ...] = ((HEADER, quote(", ".join(values))),)
    if policy is None:
        yield finding(
            "referrer.invalid",
            f"Referrer-Policy “{short(', '.join(values))}” has no value browsers know, so "
            "it is ignored",
            cite,
            facts + tuple(("unknown", quote(t)) for t in unknown[:10]),
        )
        return
    facts += (("effective", policy),)
    if unknown:
        yield finding(
            "referrer.unknown-token",
            f"Referrer-Policy has a value browsers skip: {short(unknown[0])}",
            cite,
            facts + tuple(("unknown", quote(t)) for t in unknown[:10]),
        )
    if policy in UNSAFE:
        yield finding("referrer.unsafe", f"Referrer-Policy {policy} {UNSAFE[policy]}", cite, facts)
    else:
        yield finding(
            "referrer.ok",
            f"Referrer-Policy {policy} keeps paths and queries from other sites",
            cite,
            facts,
        )
