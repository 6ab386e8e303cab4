"""Which origins the site trusts: one finding per class of hostile origin, plus the verdicts on
wildcard, no CORS at all, the user's frontend, and the all-clear.

A class of origin is trusted when any of its probes (GET, preflight, or the private-network
preflight sent from the arbitrary origin) is answered with that very origin in
``Access-Control-Allow-Origin``. A wildcard is not counted as trust here: it has its own finding.

Besides look-alikes of the site's name, two classes are origins attackers really have: a page on
shared hosting (anyone can publish one) and a development server's origin (anything that listens
on the visitor's own machine can serve it). A site that echoes every origin trusts those too, so
the reflection finding names them instead of scoring each again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from checker.analyze.cors_answers import ERROR, GET, Answer, find, probe_ids
from checker.analyze.evidence import plural, quote, short
from checker.cors_matrix import ARBITRARY, DEVELOPMENT, FRONTEND, HOSTING, SELF, hosting_provider
from checker.findings import finding
from checker.model import Finding

EXPECTED_LABELS = (SELF, FRONTEND)


@dataclass(frozen=True)
class TrustRule:
    """A hostile origin class and what it means when the site trusts it.

    Credentials make every class worse: with them a trusted page reads the victim's own data, so
    every rule has two catalogue rows, ``finding`` and ``finding-credentials``.
    ``folds`` names the narrower findings this one explains: a site that trusts any origin
    containing its domain also trusts the look-alikes that end with it, so those are listed in
    the broader finding's facts instead of scoring a second time for the same mistake.
    """

    families: tuple[str, ...]
    finding: str  # the id; "-credentials" is appended when credentials are allowed too
    # {origin}: one trusted origin; {count}: how many of the class were trusted;
    # {provider}: who hosts that origin, for shared hosting
    title: str
    folds: tuple[str, ...] = ()


NARROWER_THAN_SUBSTRING = (
    "cors.prefix-match",
    "cors.suffix-match",
    "cors.unescaped-dot",
    "cors.special-characters",
    "cors.any-subdomain",
    "cors.http-origin",
)

# Broadest first: a rule can only fold rules that come after it.
TRUST_RULES: tuple[TrustRule, ...] = (
    TrustRule(
        (ARBITRARY,),
        "cors.reflect-origin",
        "Any origin is trusted: the foreign origin {origin} was echoed back",
        folds=(
            "cors.null-origin",
            "cors.substring-match",
            *NARROWER_THAN_SUBSTRING,
            "cors.shared-hosting-origin",
            "cors.development-origin",
        ),
    ),
    TrustRule(
        ("null",),
        "cors.null-origin",
        "The origin null is trusted, and any site can send it from a sandboxed frame",
    ),
    TrustRule(
        ("substring",),
        "cors.substring-match",
        "A foreign origin that merely contains the site's domain is trusted: {origin}",
        folds=NARROWER_THAN_SUBSTRING,
    ),
    TrustRule(
        ("prefix",),
        "cors.prefix-match",
        "A foreign name that starts with the site's host is trusted: {origin}",
    ),
    TrustRule(
        ("suffix",),
        "cors.suffix-match",
        "A domain anyone can register, ending like the site's, is trusted: {origin}",
        folds=("cors.unescaped-dot", "cors.any-subdomain", "cors.http-origin"),
    ),
    TrustRule(
        ("unescaped-dot",),
        "cors.unescaped-dot",
        "A look-alike with a letter in place of a dot is trusted: {origin}",
    ),
    TrustRule(
        ("special",),
        "cors.special-characters",
        "{count} trusted: the site's domain plus an odd character, e.g. {origin}",
    ),
    TrustRule(
        ("subdomain", "site-subdomain"),
        "cors.any-subdomain",
        "Every subdomain is trusted, even one that does not exist: {origin}",
    ),
    TrustRule(
        ("http",),
        "cors.http-origin",
        "The unencrypted origin {origin} is trusted by this https site",
    ),
    TrustRule(
        (HOSTING,),
        "cors.shared-hosting-origin",
        "A page anyone can publish on {provider} is trusted: {origin}",
    ),
    TrustRule(
        (DEVELOPMENT,),
        "cors.development-origin",
        "A development server's origin is trusted: {origin}",
    ),
)

HOSTILE_FAMILIES = frozenset(family for rule in TRUST_RULES for family in rule.families)


def _trusting(items: tuple[Answer, ...], families: tuple[str, ...]) -> list[Answer]:
    return [a for a in items if a.kind != ERROR and a.family in families and a.echoes]


def _credentialed(hits: list[Answer]) -> bool:
    return any(a.credentials for a in hits)


def _trust_finding(rule: TrustRule, hits: list[Answer], folded: list[str]) -> Finding:
    credentials = _credentialed(hits)
    shown = next((a for a in hits if a.credentials), hits[0])  # the most telling answer
    origins = list(dict.fromkeys(a.origin or "" for a in hits))
    provider = hosting_provider(shown.origin)
    title = rule.title.format(
        origin=short(shown.origin or ""),
        count=plural(len(origins), "look-alike origin"),
        provider=provider or "shared hosting",
    )
    facts = shown.facts()
    if HOSTING in rule.families and provider:
        facts += (("hosting provider", provider),)
    if len(origins) > 1:
        facts += (("origins trusted", f"{len(origins)}: {quote(', '.join(origins))}"),)
    if folded:
        facts += (("other hostile origins trusted", f"{len(folded)}: {quote(', '.join(folded))}"),)
    return finding(
        f"{rule.finding}-credentials" if credentials else rule.finding,
        title=title + (", with credentials" if credentials else ""),
        exchanges=probe_ids(hits),
        facts=facts,
    )


def _folder(rule: TrustRule, hits: dict[str, list[Answer]]) -> str | None:
    """The broader trusted rule that explains this one, if any (never a weaker one)."""
    for broader in TRUST_RULES:
        if broader.finding == rule.finding:
            return None
        found = hits[broader.finding]
        stronger = _credentialed(found) or not _credentialed(hits[rule.finding])
        if rule.finding in broader.folds and found and stronger:
            return broader.finding
    return None


def trust_findings(items: tuple[Answer, ...]) -> Iterator[Finding]:
    """One finding per trusted hostile class not explained by a broader one."""
    hits = {rule.finding: _trusting(items, rule.families) for rule in TRUST_RULES}
    folded: dict[str, list[str]] = {rule.finding: [] for rule in TRUST_RULES}
    emitted: list[TrustRule] = []
    for rule in TRUST_RULES:
        if not hits[rule.finding]:
            continue
        folder = _folder(rule, hits)
        if folder is None:
            emitted.append(rule)
        else:
            folded[folder].extend(dict.fromkeys(a.origin or "" for a in hits[rule.finding]))
    for rule in emitted:
        yield _trust_finding(rule, hits[rule.finding], folded[rule.finding])


def wildcard_finding(items: tuple[Answer, ...]) -> Iterator[Finding]:
    hits = [a for a in items if a.wildcard]
    if not hits:
        return
    shown = hits[0]
    yield finding(
        "cors.wildcard",
        title="Every site may read these responses (Access-Control-Allow-Origin: *)",
        exchanges=probe_ids(hits),
        facts=shown.facts(),
    )


def none_finding(items: tuple[Answer, ...], tried: int) -> Iterator[Finding]:
    if not items or any(a.has_cors for a in items):
        return
    yield finding(
        "cors.none",
        title=f"No origin was allowed: none of the {tried} origins tried got CORS headers back",
        exchanges=probe_ids(items),
        facts=(("origins tried", str(tried)),),
    )


def frontend_finding(items: tuple[Answer, ...]) -> Iterator[Finding]:
    """The user told us their frontend's origin: say so when the site would refuse it."""
    tried = [a for a in items if a.label == FRONTEND and a.kind != ERROR]
    if not tried or any(a.allows for a in tried):
        return
    get = find(items, GET, FRONTEND) or tried[0]
    yield finding(
        "cors.frontend-mismatch" if get.has_cors else "cors.frontend-blocked",
        title=f"Your frontend {short(get.origin or '')} is not allowed to read these responses",
        exchanges=probe_ids(tried),
        facts=get.facts(),
    )


def allowlist_finding(items: tuple[Answer, ...], findings: list[Finding]) -> Iterator[Finding]:
    """The all-clear: CORS is in use, and no hostile origin and no wildcard got through."""
    if not any(a.has_cors for a in items) or findings:
        return
    allowed = sorted({a.single_allow_origin or "" for a in items if a.has_cors})
    hostile = {a.origin for a in items if a.family in HOSTILE_FAMILIES}
    expected = [a for a in items if a.label in EXPECTED_LABELS and a.echoes]
    yield finding(
        "cors.origin-allowlist-ok",
        title=f"Only chosen origins are allowed; {plural(len(hostile), 'hostile origin')} refused",
        exchanges=probe_ids(expected),
        facts=(("origins allowed", ", ".join(allowed)), ("hostile origins", str(len(hostile)))),
    )


def analyze_origins(items: tuple[Answer, ...]) -> list[Finding]:
    findings = list(trust_findings(items))
    findings.extend(wildcard_finding(items))
    findings.extend(allowlist_finding(items, findings))
    tried = len({a.origin for a in items if a.kind != ERROR})
    findings.extend(none_finding(items, tried))
    findings.extend(frontend_finding(items))
    return findings
