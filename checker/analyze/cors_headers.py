"""Whether the CORS response headers are written so that browsers accept them, and whether they
are sent where they must be: on origin-dependent answers with ``Vary: Origin``, on error pages,
and in answer to a Private Network Access preflight."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from checker.analyze.cors_answers import (
    ACAPN,
    ACEH,
    ERROR,
    GET,
    PRIVATE_NETWORK,
    Answer,
    find,
    parse_list,
    probe_ids,
)
from checker.analyze.evidence import quote, short
from checker.cors_vocabulary import PATH, SLASH, is_true, origin_problem
from checker.findings import finding
from checker.model import Finding, Severity

# The entry that explains a problem best; the rest are covered by the browser's error message.
# A path or a trailing slash is a mistake of its own, with its own explanation.
WITH_PATH = (SLASH, PATH)


def _multiple(answer: Answer) -> bool:
    # An echoed origin may hold a comma itself (one of our look-alikes does): that is one origin.
    if answer.echoes:
        return False
    return len(answer.allow_origin) > 1 or any("," in value for value in answer.allow_origin)


def allow_origin_syntax(items: tuple[Answer, ...]) -> Iterator[Finding]:
    several = [a for a in items if _multiple(a)]
    if several:
        yield finding(
            "cors.allow-origin-multiple",
            title="Access-Control-Allow-Origin names several origins; browsers accept one only",
            exchanges=probe_ids(several),
            facts=several[0].facts(),
        )
    malformed: list[tuple[Answer, str]] = []
    for answer in items:
        value = answer.single_allow_origin
        problem = None if not value or _multiple(answer) else origin_problem(value)
        if problem:
            malformed.append((answer, problem))
    if malformed:
        shown, problem = malformed[0]
        malformed_id = "cors.allow-origin-with-path" if problem in WITH_PATH else None
        yield finding(
            malformed_id or "cors.allow-origin-malformed",
            title=f"Access-Control-Allow-Origin “{short(shown.single_allow_origin or '')}” "
            "never matches an origin",
            exchanges=probe_ids([a for a, _ in malformed]),
            facts=shown.facts() + (("why", problem),),
        )


def allow_credentials_syntax(items: tuple[Answer, ...]) -> Iterator[Finding]:
    wrong = [a for a in items if a.allow_credentials is not None and not a.credentials]
    if not wrong:
        return
    values = sorted({a.allow_credentials or "" for a in wrong})
    yield finding(
        "cors.allow-credentials-invalid",
        title=f"Access-Control-Allow-Credentials is “{short(values[0])}”; only “true” has effect",
        exchanges=probe_ids(wrong),
        facts=wrong[0].facts() + (("values seen", quote(" | ".join(values))),),
    )


def expose_headers_syntax(items: tuple[Answer, ...]) -> Iterator[Finding]:
    """An unreadable Expose-Headers list exposes nothing beyond the safelisted headers."""
    wrong = [
        a for a in items if a.kind in (GET, ERROR) and a.allows and not a.header_list(ACEH).valid
    ]
    if not wrong:
        return
    shown = wrong[0]
    bad = shown.header_list(ACEH).invalid
    yield finding(
        "cors.expose-headers-invalid",
        title=f"Access-Control-Expose-Headers holds “{short(bad[0])}”, which is not a name: "
        "scripts can read none of the headers it lists",
        exchanges=probe_ids(wrong),
        facts=shown.facts()
        + ((ACEH, quote(shown.header_combined(ACEH) or "")), ("not a token", quote(bad[0]))),
    )


def wildcard_with_credentials(items: tuple[Answer, ...]) -> Iterator[Finding]:
    hits = [a for a in items if a.wildcard and a.credentials]
    if hits:
        yield finding(
            "cors.wildcard-credentials",
            title="A * origin with credentials: browsers refuse every credentialed request",
            exchanges=probe_ids(hits),
            facts=hits[0].facts(),
        )


def _varies_on_origin(answer: Answer) -> bool:
    tokens = parse_list(answer.response.header_all("vary")).lower
    return "origin" in tokens or "*" in tokens


def missing_vary(items: tuple[Answer, ...]) -> Iterator[Finding]:
    """An answer that echoes the origin differs per origin; a shared cache must know that."""
    hits = [a for a in items if a.kind in (GET, ERROR) and a.echoes and not _varies_on_origin(a)]
    if hits:
        shown = hits[0]
        yield finding(
            "cors.vary-origin-missing",
            title="The allowed origin depends on the request, but Vary does not name Origin",
            exchanges=probe_ids(hits),
            facts=shown.facts() + (("vary", quote(shown.header("vary") or "(absent)")),),
        )


def error_without_cors(items: tuple[Answer, ...]) -> Iterator[Finding]:
    """A page that fails loses its CORS headers: the frontend sees a CORS error, not the 404."""
    for error in (a for a in items if a.kind == ERROR):
        ok = find(items, GET, error.label or "")
        if error.status < 400 or error.has_cors or ok is None or not ok.allows:
            continue
        yield finding(
            "cors.error-without-cors",
            title=f"Error responses ({error.status}) carry no CORS headers, unlike the page",
            exchanges=(ok.probe, error.probe),
            facts=error.facts() + ((f"{ok.probe} allowed", ok.single_allow_origin or ""),),
        )


def _private_address(address: str | None) -> bool:
    try:
        return address is not None and not ipaddress.ip_address(address).is_global
    except ValueError:
        return False


def private_network(items: tuple[Answer, ...]) -> Iterator[Finding]:
    """Granting Private Network Access to a foreign origin matters where the host is private."""
    for answer in (a for a in items if a.kind == PRIVATE_NETWORK):
        if not is_true(answer.response.header_all(ACAPN)) or not answer.allows:
            continue
        private = _private_address(answer.exchange.address)
        yield finding(
            "cors.private-network-allowed",
            severity=Severity.MEDIUM if private else Severity.INFO,
            title="Any site may reach this host from inside a private network"
            if private
            else "A foreign origin is granted Private Network Access (harmless on a public host)",
            exchanges=(answer.probe,),
            facts=answer.facts() + ((ACAPN, "true"), ("address", answer.exchange.address or "")),
        )


def analyze_headers(items: tuple[Answer, ...]) -> list[Finding]:
    findings: list[Finding] = []
    for check in (
        allow_origin_syntax,
        allow_credentials_syntax,
        expose_headers_syntax,
        wildcard_with_credentials,
        missing_vary,
        error_without_cors,
        private_network,
    ):
        findings.extend(check(items))
    return findings
