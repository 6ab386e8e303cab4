"""Grading as data: a modifier per finding id, grade cut-offs and caps. Small code reads them.

A report starts at ``BASE_SCORE``. Every finding whose id has a negative modifier subtracts it.
Positive modifiers are bonuses for configurations beyond the usual, and count only when the
penalties left the score at ``BONUS_FLOOR`` or above — a site cannot buy back a missing basic
protection with an exotic one. The letter comes from ``GRADE_CUTOFFS``; a finding listed in
``GRADE_CAPS`` then limits the letter, whatever the score (one reflected origin with credentials
is enough to lose every user's data, however good the other headers are).

Raise ``ALGORITHM_VERSION`` whenever a number here changes: it is stored with every scan.
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.model import Finding, ScoreLine

ALGORITHM_VERSION = 3
BASE_SCORE = 100
BONUS_FLOOR = 90

# finding id -> score modifier. Ids that only inform or praise without a bonus score 0 and are
# listed all the same: tests/checker/test_scoring.py fails when an analyzer can emit an id that
# this table does not know.
SCORE_TABLE: dict[str, int] = {
    # CORS: which origins are trusted
    "cors.reflect-origin": -25,
    "cors.reflect-origin-credentials": -50,
    "cors.null-origin": -20,
    "cors.null-origin-credentials": -50,
    "cors.substring-match": -20,
    "cors.substring-match-credentials": -50,
    "cors.prefix-match": -20,
    "cors.prefix-match-credentials": -50,
    "cors.suffix-match": -20,
    "cors.suffix-match-credentials": -50,
    "cors.unescaped-dot": -20,
    "cors.unescaped-dot-credentials": -50,
    "cors.special-characters": -5,
    "cors.special-characters-credentials": -30,
    "cors.any-subdomain": -5,
    "cors.any-subdomain-credentials": -15,
    "cors.http-origin": -5,
    "cors.http-origin-credentials": -30,
    "cors.wildcard": -5,
    "cors.wildcard-credentials": -5,
    "cors.none": 0,
    "cors.origin-allowlist-ok": 0,
    "cors.frontend-blocked": 0,
    # CORS: header correctness
    "cors.allow-origin-multiple": -5,
    "cors.allow-origin-malformed": -5,
    "cors.allow-credentials-invalid": -5,
    "cors.vary-origin-missing": -5,
    "cors.error-without-cors": -2,
    "cors.private-network-allowed": 0,
    "cors.preflight-redirect": -5,
    "cors.preflight-rejected": -5,
    "cors.preflight-missing-headers": -5,
    "cors.preflight-method-not-allowed": 0,
    "cors.preflight-headers-not-allowed": 0,
    "cors.allow-headers-wildcard-authorization": -2,
    "cors.wildcard-literal-with-credentials": -2,
    "cors.max-age-capped": 0,
    "cors.max-age-invalid": -2,
    # TLS and the way to HTTPS
    "tls.certificate-invalid": -50,
    "redirect.missing": -20,
    "redirect.not-to-https": -20,
    "redirect.downgrade": -20,
    "redirect.invalid-location": -5,
    "redirect.too-many": -5,
    "redirect.https-other-host": -5,
    "redirect.https-not-first": -5,
    "redirect.https": 0,
    "https.not-available": -20,
    "https.http-not-served": 0,
    "https.http-not-checked": 0,
    "hsts.missing": -20,
    "hsts.malformed": -20,
    "hsts.disabled": -20,
    "hsts.short-max-age": -10,
    "hsts.duplicate-header": -2,
    "hsts.unknown-directive": 0,
    "hsts.no-include-subdomains": 0,
    "hsts.ignored-over-http": 0,
    "hsts.ok": 0,
    "hsts.preload-not-eligible": 0,
    "hsts.missing-but-preloaded": 0,
    "hsts.preload-ready": 5,
    "hsts.preloaded": 0,
    # Content-Security-Policy
    "csp.missing": -20,
    "csp.report-only": -15,
    "csp.script-unrestricted": -20,
    "csp.script-broad-source": -20,
    "csp.unsafe-inline": -20,
    "csp.unsafe-eval": -10,
    "csp.object-broad-source": -10,
    "csp.object-src-missing": -5,
    "csp.nonce-reused": -20,
    "csp.insecure-source": -5,
    "csp.strict-dynamic-without-nonce": -5,
    "csp.malformed": -5,
    "csp.unquoted-keyword": -5,
    "csp.base-uri-missing": -2,
    "csp.duplicate-directive": -2,
    "csp.meta-ignored-directive": 0,
    "csp.unknown-directive": 0,
    "csp.meta": 0,
    "csp.strict": 5,
    "csp.restricts-scripts": 0,
    "csp.nonce-changes": 0,
    # Subresource Integrity
    "sri.missing-insecure": -20,
    "sri.missing": -5,
    "sri.ok": 0,
    # Framing, sniffing, referrers, features, isolation
    "framing.missing": -20,
    "framing.xfo-invalid": -20,
    "framing.xfo-allow-from": -20,
    "framing.allows-any": -5,
    "framing.xfo-conflicting": 0,
    "framing.ok": 0,
    "xcto.missing": -5,
    "xcto.invalid": -5,
    "xcto.nosniff": 0,
    "referrer.unsafe": -5,
    "referrer.invalid": -2,
    "referrer.missing": 0,
    "referrer.unknown-token": 0,
    "referrer.ok": 0,
    "permissions.malformed": -2,
    "permissions.invalid-allowlist": 0,
    "permissions.legacy-feature-policy": 0,
    "permissions.missing": 0,
    "permissions.ok": 0,
    "cross-origin.coop-missing": 0,
    "cross-origin.coep-missing": 0,
    "cross-origin.corp-missing": 0,
    "cross-origin.coop-invalid": 0,
    "cross-origin.coep-invalid": 0,
    "cross-origin.corp-invalid": 0,
    "cross-origin.coop-ok": 0,
    "cross-origin.coep-ok": 0,
    "cross-origin.corp-ok": 0,
    "cross-origin.isolated": 5,
    # Cookies
    "cookie.no-secure": -10,
    "cookie.session-no-httponly": -10,
    "cookie.set-over-http": -5,
    "cookie.samesite-none-insecure": -5,
    "cookie.host-prefix-invalid": -5,
    "cookie.secure-prefix-invalid": -5,
    "cookie.samesite-invalid": -2,
    "cookie.no-samesite": 0,
    "cookie.malformed": 0,
    "cookie.all-secure": 5,
    # What the server says about itself, and headers that outlived their use
    "disclosure.server-version": -2,
    "disclosure.powered-by-version": -2,
    "disclosure.aspnet-version": -2,
    "deprecated.x-xss-protection": 0,
    "deprecated.expect-ct": 0,
    "deprecated.public-key-pins": 0,
}

# (lowest score for the letter, letter), best first.
GRADE_CUTOFFS: tuple[tuple[int, str], ...] = (
    (100, "A+"),
    (90, "A"),
    (80, "B"),
    (65, "C"),
    (50, "D"),
    (0, "F"),
)

# finding id -> the best letter a report with that finding can get.
GRADE_CAPS: dict[str, str] = {
    "tls.certificate-invalid": "F",
    "cors.reflect-origin-credentials": "F",
    "cors.null-origin-credentials": "F",
    "cors.substring-match-credentials": "F",
    "cors.prefix-match-credentials": "F",
    "cors.suffix-match-credentials": "F",
    "cors.unescaped-dot-credentials": "F",
    "cors.special-characters-credentials": "D",
    "cors.http-origin-credentials": "D",
    "cors.reflect-origin": "C",
    "cors.any-subdomain-credentials": "C",
}

LETTERS = tuple(letter for _, letter in GRADE_CUTOFFS)


@dataclass(frozen=True)
class Grade:
    score: int
    grade: str
    lines: tuple[ScoreLine, ...]  # every finding that moved the score, in report order
    cap: str | None  # the letter a capping finding imposed, when it lowered the grade


def letter_for(score: int) -> str:
    for cutoff, letter in GRADE_CUTOFFS:
        if score >= cutoff:
            return letter
    return LETTERS[-1]


def worst(letters: list[str]) -> str:
    return max(letters, key=LETTERS.index)


def grade(findings: list[Finding] | tuple[Finding, ...]) -> Grade:
    ids = list(dict.fromkeys(finding.id for finding in findings))  # each id counts once
    penalties = [ScoreLine(i, SCORE_TABLE[i]) for i in ids if SCORE_TABLE.get(i, 0) < 0]
    score = BASE_SCORE + sum(line.modifier for line in penalties)
    bonuses = [ScoreLine(i, SCORE_TABLE[i]) for i in ids if SCORE_TABLE.get(i, 0) > 0]
    if score >= BONUS_FLOOR:
        score += sum(line.modifier for line in bonuses)
    else:
        bonuses = []
    score = max(0, score)
    letter = letter_for(score)
    caps = [GRADE_CAPS[i] for i in ids if i in GRADE_CAPS]
    cap = worst(caps) if caps else None
    if cap is not None and LETTERS.index(cap) > LETTERS.index(letter):
        letter = cap
    else:
        cap = None
    return Grade(score=score, grade=letter, lines=tuple(penalties + bonuses), cap=cap)
