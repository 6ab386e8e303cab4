"""The findings catalogue: one row per finding id, with everything that does not depend on the site.

An analyzer decides *that* something is true and emits the id with the facts it saw (and, where
the report needs it, a title line naming the site's own values). Everything else — the area it is
shown under, how severe it is, the glossary entry that explains it, the points it costs, the grade
it caps, the kinds of answer it applies to and the headers that are its evidence — is read from its
row here. Scoring, the report, the scoring page, the glossary links and the tests are views of this
table, so adding a check is one analyzer function and one row.

Profiles: every scan is graded as a ``page`` (an HTML document a person looks at) or as an ``api``
(a JSON, XML, text or binary answer a program reads); see ``checker.classify``. A row names the
profiles it applies to; a finding whose row does not apply to the report's profile costs nothing
and is shown apart as not applicable. ``api`` gives a row another weight where an API answer is
judged differently (framing protection is a cheap recommendation for an API, not a -20).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from checker.model import Finding, Severity

PAGE = "page"
API = "api"
PROFILES = (PAGE, API)
BOTH = frozenset(PROFILES)
PAGE_ONLY = frozenset({PAGE})
API_ONLY = frozenset({API})

# Area slug -> the heading it is shown under; in display order.
AREAS: dict[str, str] = {
    "cors": "CORS",
    "https": "HTTPS and HSTS",
    "csp": "Content Security Policy",
    "sri": "Subresource Integrity",
    "framing": "Framing",
    "cookies": "Cookies",
    "headers": "Other security headers",
    "disclosure": "Disclosure",
    "deprecated": "Outdated headers",
    "site": "Every address",
}

CRITICAL, HIGH, MEDIUM, LOW, INFO, PASS = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFO,
    Severity.PASS,
)


@dataclass(frozen=True)
class Weight:
    severity: Severity
    modifier: int


@dataclass(frozen=True)
class Row:
    id: str
    area: str  # a key of AREAS
    severity: Severity
    modifier: int  # added to the score once when the finding is present (negative: a penalty)
    title: str  # generic one-line name of what was found, the same for every site
    meaning: str  # what it means for the site's users, one sentence
    glossary: str  # slug of the entry that explains the concept and the fix
    evidence: tuple[str, ...]  # response headers that show the verdict, the main one first
    cap: str | None = None  # the best letter a report with this finding can get
    applies_to: frozenset[str] = BOTH  # the profiles it is judged in
    api: Weight | None = None  # how an API answer weighs it, when not as a page does
    # Why an analyzer may report another severity than ``severity``; empty: it may not.
    severity_varies: str = ""
    # What one finding of this id is about, when not the target as a whole: a key of SUBJECTS.
    # A comparison of two reports matches findings by id and subject (see checker.compare).
    subject: str = ""

    def weight(self, profile: str) -> Weight:
        if profile == API and self.api is not None:
            return self.api
        return Weight(self.severity, self.modifier)

    def applies(self, profile: str) -> bool:
        return profile in self.applies_to


@dataclass(frozen=True)
class Subject:
    """How a finding's facts name the things it is about (each cookie, each origin...).

    The values of the fact ``keys`` name them, each shown after ``label`` ("cookie session");
    with ``by_key`` the keys themselves do, and the row's evidence headers are the keys ("header
    X-Powered-By": the value, a version, may change without the finding changing).
    """

    label: str  # "" to show the fact key instead ("script https://cdn.example/app.js")
    keys: tuple[str, ...] = ()
    by_key: bool = False


# Row.subject -> how to read it. A finding whose row names no subject is about the whole target.
SUBJECTS: dict[str, Subject] = {
    "cookie": Subject("cookie", ("cookie",)),
    "origin": Subject("origin", ("origin sent",)),
    "resource": Subject("", ("script", "stylesheet")),
    "header": Subject("header", by_key=True),
}


def _section(
    area: str, glossary: str, evidence: tuple[str, ...], applies_to=BOTH, subject: str = ""
):
    """Rows of one part of the catalogue share an area and, mostly, an entry and evidence."""

    def row(
        finding_id: str,
        severity: Severity,
        modifier: int,
        title: str,
        meaning: str,
        **overrides,
    ) -> Row:
        fields = {
            "glossary": glossary,
            "evidence": evidence,
            "applies_to": applies_to,
            "subject": subject,
        }
        fields.update(overrides)
        return Row(finding_id, area, severity, modifier, title, meaning, **fields)

    return row


ACAO = ("access-control-allow-origin", "access-control-allow-credentials", "vary")
PREFLIGHT = (
    "access-control-allow-origin",
    "access-control-allow-methods",
    "access-control-allow-headers",
)
cors = _section("cors", "access-control-allow-origin", ACAO)


def _trust(
    finding_id: str,
    what: str,
    severity: Severity,
    modifier: int,
    credentialed: Severity,
    credentialed_modifier: int,
    glossary: str,
    cap: str | None = None,
    credentialed_cap: str | None = None,
    credentialed_glossary: str | None = None,
    subject: str = "origin",
    meaning: str = "A page on such an origin can read this site's answers in a visitor's browser.",
    credentialed_meaning: str = (
        "A page on such an origin can read what this site shows a logged-in visitor, "
        "in that visitor's own browser, with their cookies."
    ),
) -> tuple[Row, Row]:
    """A class of hostile origin is trusted: one row without credentials, one with them.

    A class that stands for one origin (the arbitrary one, null, the http twin...) is about that
    origin; a class of many look-alikes (``subject=""``) is about the class, whichever of its
    origins the report happens to show.
    """
    plain = cors(
        finding_id,
        severity,
        modifier,
        f"{what} is trusted",
        meaning,
        glossary=glossary,
        cap=cap,
        subject=subject,
    )
    with_credentials = cors(
        f"{finding_id}-credentials",
        credentialed,
        credentialed_modifier,
        f"{what} is trusted with credentials",
        credentialed_meaning,
        glossary=credentialed_glossary or glossary,
        cap=credentialed_cap,
        subject=subject,
    )
    return plain, with_credentials


https = _section("https", "https-redirect", ("location", "strict-transport-security"))
hsts = _section("https", "strict-transport-security", ("strict-transport-security",))
csp = _section(
    "csp",
    "content-security-policy",
    ("content-security-policy", "content-security-policy-report-only"),
    applies_to=PAGE_ONLY,
)
sri = _section("sri", "subresource-integrity", (), applies_to=PAGE_ONLY, subject="resource")
framing = _section("framing", "x-frame-options", ("x-frame-options", "content-security-policy"))
xcto = _section("headers", "x-content-type-options", ("x-content-type-options", "content-type"))
referrer = _section("headers", "referrer-policy", ("referrer-policy",), applies_to=PAGE_ONLY)
permissions = _section(
    "headers", "permissions-policy", ("permissions-policy", "feature-policy"), applies_to=PAGE_ONLY
)
coop = _section(
    "headers",
    "cross-origin-opener-policy",
    ("cross-origin-opener-policy",),
    applies_to=PAGE_ONLY,
)
coep = _section(
    "headers",
    "cross-origin-embedder-policy",
    ("cross-origin-embedder-policy",),
    applies_to=PAGE_ONLY,
)
corp = _section("headers", "cross-origin-resource-policy", ("cross-origin-resource-policy",))
content = _section("headers", "x-content-type-options", ("content-type",))
cache = _section(
    "headers",
    "credentialed-requests",
    ("cache-control", "set-cookie", "access-control-allow-credentials"),
    applies_to=API_ONLY,
)
cookie = _section("cookies", "set-cookie", ("set-cookie",), subject="cookie")
disclosure = _section(
    "disclosure",
    "server",
    ("server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version"),
    subject="header",
)
deprecated = _section("deprecated", "x-xss-protection", ("x-xss-protection",), subject="header")

ROWS: tuple[Row, ...] = (
    # --- CORS: which origins are trusted ---------------------------------------------------
    *_trust(
        "cors.reflect-origin",
        "Any origin",
        MEDIUM,
        -25,
        CRITICAL,
        -50,
        "mistake-reflected-origin",
        cap="C",
        credentialed_cap="F",
        credentialed_glossary="mistake-reflected-origin-with-credentials",
    ),
    *_trust(
        "cors.null-origin",
        "The origin null",
        MEDIUM,
        -20,
        CRITICAL,
        -50,
        "mistake-null-origin-trusted",
        credentialed_cap="F",
    ),
    *_trust(
        "cors.substring-match",
        "An origin that merely contains the site's domain",
        MEDIUM,
        -20,
        CRITICAL,
        -50,
        "mistake-origin-substring-match",
        credentialed_cap="F",
    ),
    *_trust(
        "cors.prefix-match",
        "A foreign name that starts with the site's host",
        MEDIUM,
        -20,
        CRITICAL,
        -50,
        "mistake-origin-prefix-match",
        credentialed_cap="F",
    ),
    *_trust(
        "cors.suffix-match",
        "A registrable domain that ends like the site's",
        MEDIUM,
        -20,
        CRITICAL,
        -50,
        "mistake-origin-suffix-match",
        credentialed_cap="F",
    ),
    *_trust(
        "cors.unescaped-dot",
        "A look-alike with a letter in place of a dot",
        MEDIUM,
        -20,
        CRITICAL,
        -50,
        "mistake-unescaped-dot",
        credentialed_cap="F",
        subject="",
    ),
    *_trust(
        "cors.special-characters",
        "The site's domain followed by an odd character",
        LOW,
        -5,
        HIGH,
        -30,
        "mistake-special-character-bypass",
        credentialed_cap="D",
        subject="",
    ),
    *_trust(
        "cors.any-subdomain",
        "Every subdomain, even one that does not exist,",
        LOW,
        -5,
        MEDIUM,
        -15,
        "mistake-any-subdomain-trusted",
        credentialed_cap="C",
        subject="",
    ),
    *_trust(
        "cors.http-origin",
        "An unencrypted http:// origin",
        LOW,
        -5,
        HIGH,
        -30,
        "mistake-http-origin-trusted",
        credentialed_cap="D",
    ),
    # Anyone can publish a page under these suffixes in minutes, so trusting one is trusting
    # every origin, and is weighed as such; only the echo of an arbitrary origin caps harder.
    *_trust(
        "cors.shared-hosting-origin",
        "A page on shared hosting, which anyone can publish,",
        MEDIUM,
        -20,
        CRITICAL,
        -50,
        "mistake-shared-hosting-origin-trusted",
        credentialed_cap="F",
        subject="",
        meaning="Anyone can open an account and publish a page there, and that page can read "
        "this site's answers in a visitor's browser.",
        credentialed_meaning="Anyone can publish a page there, and it reads what this site "
        "shows a logged-in visitor, with their cookies: as bad as trusting every origin.",
    ),
    # Only what serves pages on the visitor's own machine has a localhost origin. Without
    # credentials it gains nothing it could not fetch directly; with them it acts as the
    # visitor, and the visitors who run local servers are the site's developers and staff.
    *_trust(
        "cors.development-origin",
        "A development server's origin (localhost)",
        LOW,
        -5,
        HIGH,
        -30,
        "mistake-development-origin-trusted",
        credentialed_cap="D",
        subject="",
        meaning="Only something serving pages on the visitor's own machine has this origin, and "
        "it could ask the site directly; the entry is a leftover to remove.",
        credentialed_meaning="Whatever serves a page on that port of a visitor's machine (a "
        "project tried out, a tool's local web interface, a rogue package) reads what this site "
        "shows that visitor when logged in.",
    ),
    cors(
        "cors.wildcard",
        LOW,
        -5,
        "Every site may read the answers (Access-Control-Allow-Origin: *)",
        "Any page can read these answers, which is right for public data and wrong for "
        "anything that depends on where the request comes from.",
        glossary="mistake-wildcard-on-private-data",
    ),
    cors(
        "cors.wildcard-credentials",
        LOW,
        -5,
        "A * origin together with credentials",
        "Browsers refuse every credentialed cross-origin read, so a frontend that sends "
        "cookies gets nothing.",
        glossary="mistake-wildcard-with-credentials",
    ),
    cors(
        "cors.none",
        INFO,
        0,
        "No origin is allowed to read the answers",
        "Other sites cannot read these answers in a browser, which is the safe default.",
    ),
    cors(
        "cors.origin-allowlist-ok",
        PASS,
        0,
        "Only chosen origins are allowed",
        "The origins the site trusts are its own choice; none of the hostile ones got in.",
    ),
    cors(
        "cors.frontend-blocked",
        LOW,
        0,
        "Your frontend is not allowed to read the answers",
        "The frontend origin you named gets no CORS headers back and sees a CORS error.",
        glossary="error-no-allow-origin-header",
    ),
    cors(
        "cors.frontend-mismatch",
        LOW,
        0,
        "Your frontend is refused: the answer names another origin",
        "The frontend origin you named sees a CORS error saying the allowed origin differs.",
        glossary="error-allow-origin-mismatch",
    ),
    # --- CORS: header correctness ----------------------------------------------------------
    cors(
        "cors.allow-origin-multiple",
        LOW,
        -5,
        "Access-Control-Allow-Origin names several origins",
        "Browsers accept one origin only, so every cross-origin read of this answer fails.",
        glossary="mistake-multiple-origins-in-header",
    ),
    cors(
        "cors.allow-origin-malformed",
        LOW,
        -5,
        "Access-Control-Allow-Origin is not a valid origin",
        "The value never matches any origin, so the cross-origin reads it was meant to allow fail.",
        glossary="error-invalid-allow-origin-value",
    ),
    cors(
        "cors.allow-origin-with-path",
        LOW,
        -5,
        "Access-Control-Allow-Origin has a path or a trailing slash",
        "An Origin header never has either, so the value never matches and reads fail.",
        glossary="mistake-origin-with-path-or-slash",
    ),
    cors(
        "cors.allow-credentials-invalid",
        LOW,
        -5,
        "Access-Control-Allow-Credentials has a value other than true",
        "Browsers treat anything but the exact word true as absent, so credentialed reads fail.",
        glossary="mistake-allow-credentials-not-true",
    ),
    cors(
        "cors.vary-origin-missing",
        LOW,
        -5,
        "The allowed origin varies, but Vary does not name Origin",
        "A shared cache may hand one origin's answer to another, breaking or leaking reads.",
        glossary="mistake-missing-vary-origin",
    ),
    cors(
        "cors.error-without-cors",
        INFO,
        0,
        "A missing page's answer carries no CORS headers",
        "Common and harmless alone: a frontend that asks for a path that does not exist sees a "
        "CORS error instead of the 404.",
        glossary="mistake-cors-missing-on-errors",
    ),
    cors(
        "cors.private-network-allowed",
        MEDIUM,
        0,
        "A foreign origin is granted Private Network Access",
        "Any site may reach this server from inside a visitor's network; harmless only on a "
        "host that is public anyway.",
        glossary="private-network-access",
        severity_varies="Medium when the host's address is private, information on a public one.",
        evidence=("access-control-allow-private-network", "access-control-allow-origin"),
    ),
    cors(
        "cors.preflight-redirect",
        LOW,
        -5,
        "The preflight is redirected",
        "Browsers refuse a redirected preflight, so requests that need one fail.",
        glossary="mistake-preflight-redirect",
        evidence=("location",) + PREFLIGHT,
    ),
    cors(
        "cors.preflight-rejected",
        LOW,
        -5,
        "The preflight is refused",
        "Cross-origin requests that need a preflight fail although simple reads work.",
        glossary="mistake-preflight-rejected",
        evidence=PREFLIGHT,
    ),
    cors(
        "cors.preflight-missing-headers",
        LOW,
        -5,
        "The preflight answer lacks CORS headers",
        "Cross-origin requests that need a preflight fail although simple reads work.",
        glossary="mistake-preflight-rejected",
        evidence=PREFLIGHT,
    ),
    cors(
        "cors.preflight-allow-methods-invalid",
        LOW,
        -5,
        "Access-Control-Allow-Methods is not a list of method names",
        "Browsers cannot read the list, so every request that needs a preflight fails, even for "
        "the origins and methods the site means to allow.",
        glossary="mistake-allow-list-invalid",
        evidence=("access-control-allow-methods",),
    ),
    cors(
        "cors.preflight-allow-headers-invalid",
        LOW,
        -5,
        "Access-Control-Allow-Headers is not a list of header names",
        "Browsers cannot read the list, so every request that needs a preflight fails, even for "
        "the origins and headers the site means to allow.",
        glossary="mistake-allow-list-invalid",
        evidence=("access-control-allow-headers",),
    ),
    cors(
        "cors.expose-headers-invalid",
        LOW,
        -2,
        "Access-Control-Expose-Headers is not a list of header names",
        "Browsers cannot read the list, so scripts on the allowed origins see none of the "
        "headers it was meant to expose.",
        glossary="mistake-allow-list-invalid",
        evidence=("access-control-expose-headers",),
    ),
    cors(
        "cors.preflight-method-not-allowed",
        INFO,
        0,
        "The preflight does not allow a method we asked for",
        "A frontend that sends this method gets a CORS error; fine if it never does.",
        glossary="error-method-not-allowed",
        evidence=("access-control-allow-methods",),
    ),
    cors(
        "cors.preflight-headers-not-allowed",
        INFO,
        0,
        "The preflight does not allow a request header we asked for",
        "A frontend that sends this header gets a CORS error; fine if it never does.",
        glossary="error-header-not-allowed",
        evidence=("access-control-allow-headers",),
    ),
    cors(
        "cors.allow-headers-wildcard-authorization",
        LOW,
        -2,
        "Access-Control-Allow-Headers: * does not cover Authorization",
        "A frontend that sends an Authorization header gets a CORS error until it is named.",
        glossary="mistake-allow-headers-wildcard-authorization",
        evidence=("access-control-allow-headers",),
    ),
    cors(
        "cors.wildcard-literal-with-credentials",
        LOW,
        -2,
        "A * in allow-headers or allow-methods together with credentials",
        "With credentials the * is read literally, so the headers or methods it was meant to "
        "allow are refused.",
        glossary="mistake-wildcard-literal-with-credentials",
        evidence=PREFLIGHT + ("access-control-allow-credentials",),
    ),
    cors(
        "cors.max-age-capped",
        INFO,
        0,
        "Access-Control-Max-Age is longer than browsers keep a preflight",
        "Browsers cut the time down, so preflights are repeated sooner than the site asks.",
        glossary="mistake-max-age-above-browser-cap",
        evidence=("access-control-max-age",),
    ),
    cors(
        "cors.max-age-invalid",
        LOW,
        -2,
        "Access-Control-Max-Age is not a number of seconds",
        "Browsers ignore it and repeat the preflight before every request.",
        glossary="access-control-max-age",
        evidence=("access-control-max-age",),
    ),
    # --- CORS: what breaks the site's own frontend (checker.analyze.cors_breakage) ----------
    cors(
        "cors.headers-only-on-preflight",
        LOW,
        -5,
        "CORS headers on the preflight only, not on the answer",
        "The preflight lets the request through, then the browser hides the answer from the "
        "frontend for want of Access-Control-Allow-Origin.",
        glossary="mistake-cors-only-on-preflight",
        evidence=PREFLIGHT,
    ),
    cors(
        "cors.preflight-credentials-missing",
        LOW,
        -5,
        "The answer allows credentials, the preflight does not",
        "A frontend request that sends cookies and needs a preflight fails at the preflight.",
        glossary="mistake-preflight-without-credentials",
        evidence=("access-control-allow-credentials", "access-control-allow-origin"),
    ),
    cors(
        "cors.redirect-breaks-cors",
        LOW,
        -5,
        "A redirect on the way breaks the frontend's request",
        "The redirect answer lacks CORS headers, or after it the browser sends Origin: null, "
        "which the final address does not allow: the frontend's request fails.",
        glossary="mistake-redirect-on-cors-path",
        evidence=("location",) + ACAO,
    ),
    cors(
        "cors.refusal-without-cors",
        LOW,
        -2,
        "The endpoint's refusals carry no CORS headers",
        "A frontend that is not logged in, or uses a method the endpoint refuses, sees a CORS "
        "error instead of a readable 401, 403 or 405.",
        glossary="mistake-cors-missing-on-refusals",
    ),
    # --- TLS and the way to HTTPS ----------------------------------------------------------
    https(
        "tls.certificate-invalid",
        CRITICAL,
        -50,
        "The TLS certificate does not verify",
        "Visitors see a full-page warning, and those who click through are open to interception.",
        glossary="tls-certificate",
        evidence=(),
        cap="F",
    ),
    https(
        "redirect.missing",
        HIGH,
        -20,
        "Plain HTTP answers without redirecting to HTTPS",
        "Visitors who type the bare name stay on an unencrypted connection anyone can read.",
    ),
    https(
        "redirect.not-to-https",
        HIGH,
        -20,
        "Plain HTTP redirects, but never to HTTPS",
        "Visitors who type the bare name never reach an encrypted connection.",
    ),
    https(
        "redirect.downgrade",
        HIGH,
        -20,
        "A redirect leads from HTTPS back to plain HTTP",
        "Visitors lose encryption on the way, so the next page can be read and changed.",
    ),
    https(
        "redirect.invalid-location",
        MEDIUM,
        -5,
        "A redirect's Location cannot be followed",
        "Browsers stop at the redirect, so visitors never reach the page it meant.",
    ),
    https(
        "redirect.too-many",
        MEDIUM,
        -5,
        "Too many redirects before reaching a page",
        "Browsers give up after a number of hops and show an error instead of the page.",
    ),
    https(
        "redirect.https-other-host",
        LOW,
        -5,
        "Plain HTTP redirects to HTTPS on another host",
        "The name visitors typed never sets HSTS for itself, so its first visit stays exposed.",
    ),
    https(
        "redirect.https-not-first",
        LOW,
        -5,
        "HTTPS is reached only after another plain-HTTP hop",
        "Each extra unencrypted hop is one more chance to intercept the visitor.",
    ),
    https(
        "redirect.https",
        PASS,
        0,
        "Plain HTTP redirects straight to HTTPS on the same host",
        "Visitors who type the bare name get to the encrypted site at once.",
    ),
    https(
        "https.not-available",
        HIGH,
        -20,
        "The site has no working HTTPS",
        "Every visit travels as plain HTTP, which anyone on the network can read and change.",
        evidence=(),
    ),
    https(
        "https.http-not-served",
        INFO,
        0,
        "The host does not answer plain HTTP",
        "There is nothing to redirect; visitors who type the bare name get no page over HTTP.",
        evidence=(),
    ),
    https(
        "https.http-not-checked",
        INFO,
        0,
        "The way from plain HTTP to HTTPS was not checked",
        "An IP address, or a port this checker may not reach, was left out of that probe.",
        evidence=(),
    ),
    hsts(
        "hsts.missing",
        HIGH,
        -20,
        "No Strict-Transport-Security",
        "Browsers may still try plain HTTP first, where an attacker on the network can step in.",
    ),
    hsts(
        "hsts.malformed",
        HIGH,
        -20,
        "Strict-Transport-Security is malformed",
        "Browsers ignore a header they cannot read, so it protects nobody.",
    ),
    hsts(
        "hsts.disabled",
        HIGH,
        -20,
        "Strict-Transport-Security has max-age 0",
        "Browsers forget the HTTPS-only rule, as if the header were never sent.",
    ),
    hsts(
        "hsts.short-max-age",
        MEDIUM,
        -10,
        "Strict-Transport-Security lasts less than six months",
        "Visitors who come back after the policy expired are exposed on their first request.",
    ),
    hsts(
        "hsts.duplicate-header",
        LOW,
        -2,
        "Strict-Transport-Security is sent more than once",
        "Browsers use only the first, which may not be the one the site meant.",
    ),
    hsts(
        "hsts.unknown-directive",
        INFO,
        0,
        "Strict-Transport-Security has a directive browsers do not know",
        "The unknown part is skipped; often a misspelt includeSubDomains or preload.",
    ),
    hsts(
        "hsts.no-include-subdomains",
        INFO,
        0,
        "Strict-Transport-Security does not cover subdomains",
        "Subdomains can still be reached over plain HTTP, and may set cookies for this site.",
    ),
    hsts(
        "hsts.ignored-over-http",
        INFO,
        0,
        "Strict-Transport-Security is sent over plain HTTP",
        "Browsers ignore it there; it only counts on an HTTPS answer.",
    ),
    hsts(
        "hsts.ok",
        PASS,
        0,
        "Strict-Transport-Security is set for long enough",
        "Returning visitors' browsers use only HTTPS for this site.",
    ),
    hsts(
        "hsts.preload-not-eligible",
        LOW,
        0,
        "HSTS asks for preloading, but the list would refuse it",
        "The preload list will not take the site until the header meets its rules.",
        glossary="hsts-preload",
    ),
    hsts(
        "hsts.missing-but-preloaded",
        INFO,
        0,
        "No Strict-Transport-Security, but the host is preloaded",
        "Browsers with the preload list use HTTPS anyway; others are not told to.",
        glossary="hsts-preload",
    ),
    hsts(
        "hsts.preload-ready",
        PASS,
        5,
        "Strict-Transport-Security meets the preload list's rules",
        "The site can join the list that makes browsers use HTTPS even on a first visit.",
        glossary="hsts-preload",
    ),
    hsts(
        "hsts.preloaded",
        PASS,
        0,
        "The host is on the HSTS preload list",
        "Browsers use HTTPS for it even on the very first visit.",
        glossary="hsts-preload",
    ),
    # --- Content-Security-Policy (a page's scripts; an API answer runs none) ----------------
    csp(
        "csp.missing",
        MEDIUM,
        -20,
        "No Content-Security-Policy",
        "Nothing limits what a script injected into the page can load or do.",
    ),
    csp(
        "csp.report-only",
        MEDIUM,
        -15,
        "The Content-Security-Policy is report-only",
        "Violations are reported but nothing is blocked, so injected scripts still run.",
    ),
    csp(
        "csp.script-unrestricted",
        HIGH,
        -20,
        "The Content-Security-Policy does not restrict scripts",
        "With neither script-src nor default-src, any script may run on the page.",
    ),
    csp(
        "csp.script-broad-source",
        HIGH,
        -20,
        "The Content-Security-Policy lets scripts load from anywhere",
        "An attacker can host a script on any server and have the page run it.",
    ),
    csp(
        "csp.unsafe-inline",
        HIGH,
        -20,
        "The Content-Security-Policy allows inline scripts",
        "Scripts injected into the page run, which is what a policy is there to stop.",
        glossary="mistake-csp-unsafe-inline",
    ),
    csp(
        "csp.unsafe-eval",
        MEDIUM,
        -10,
        "The Content-Security-Policy allows eval",
        "Text an attacker slips into the page's data can be run as code.",
    ),
    csp(
        "csp.object-broad-source",
        MEDIUM,
        -10,
        "The Content-Security-Policy lets plugin content load from anywhere",
        "Plugin content from any server can run inside the page.",
    ),
    csp(
        "csp.object-src-missing",
        LOW,
        -5,
        "The Content-Security-Policy does not restrict plugin content",
        "With neither object-src nor default-src, plugins can load from anywhere.",
    ),
    csp(
        "csp.malformed",
        LOW,
        -5,
        "Part of the Content-Security-Policy is malformed",
        "Browsers skip what they cannot read, so the policy is weaker than it looks.",
    ),
    csp(
        "csp.unquoted-keyword",
        LOW,
        -5,
        "The Content-Security-Policy has a keyword without quotes",
        "Browsers read it as a host name, so the keyword has none of its meaning.",
    ),
    csp(
        "csp.base-uri-missing",
        LOW,
        -2,
        "The Content-Security-Policy has no base-uri",
        "An injected <base> tag can send the page's relative script URLs to another server.",
    ),
    csp(
        "csp.duplicate-directive",
        LOW,
        -2,
        "The Content-Security-Policy repeats a directive",
        "Browsers use only the first, which may not be the one the site meant.",
    ),
    csp(
        "csp.meta-ignored-directive",
        LOW,
        0,
        "A <meta> Content-Security-Policy has a directive that needs the header",
        "That directive has no effect from a <meta> tag.",
    ),
    csp(
        "csp.unknown-directive",
        INFO,
        0,
        "The Content-Security-Policy has a directive browsers do not know",
        "The unknown part is skipped; often a typo or an outdated directive.",
    ),
    csp(
        "csp.meta",
        INFO,
        0,
        "A Content-Security-Policy is set by a <meta> tag",
        "It applies only after the tag is read and cannot use every directive.",
        evidence=(),
    ),
    csp(
        "csp.strict",
        PASS,
        5,
        "A strict Content-Security-Policy",
        "Scripts need a nonce or hash, so injected ones do not run.",
    ),
    csp(
        "csp.restricts-scripts",
        PASS,
        0,
        "The Content-Security-Policy limits scripts to listed sources",
        "Scripts from servers the site did not list do not run.",
    ),
    csp(
        "csp.nonce-reused",
        HIGH,
        -20,
        "The Content-Security-Policy nonce is the same on every response",
        "An injected script can carry the known nonce: no better than 'unsafe-inline'.",
    ),
    csp(
        "csp.nonce-changes",
        PASS,
        0,
        "The Content-Security-Policy nonce is new on every response",
        "Nobody can know the next nonce in advance, so it lets only the page's own scripts run.",
    ),
    csp(
        "csp.strict-dynamic-without-nonce",
        LOW,
        -5,
        "'strict-dynamic' without a nonce or hash",
        "Browsers then ignore the allow-list, so no script can start: the page breaks.",
    ),
    csp(
        "csp.insecure-source",
        MEDIUM,
        -5,
        "The Content-Security-Policy allows sources over plain HTTP",
        "Anyone on the network can swap a script or plugin fetched over http: or ws:.",
    ),
    # --- Subresource Integrity (a page's scripts and stylesheets) --------------------------
    sri(
        "sri.missing-insecure",
        HIGH,
        -20,
        "Scripts or stylesheets from other sites load over plain HTTP without integrity",
        "Anyone on the network can replace code that runs in the page.",
    ),
    sri(
        "sri.missing",
        MEDIUM,
        -5,
        "Scripts or stylesheets from other sites load without integrity",
        "Whoever controls those servers controls the page, and its visitors' data.",
    ),
    sri(
        "sri.ok",
        PASS,
        0,
        "Every script and stylesheet from another site has an integrity hash",
        "A file changed on its server is refused instead of run.",
    ),
    # --- Framing: a cheap recommendation for an API, a real defence for a page --------------
    framing(
        "framing.missing",
        MEDIUM,
        -20,
        "Nothing stops other sites from framing the page",
        "Another site can show this page in an invisible frame and trick visitors into clicks.",
        api=Weight(INFO, 0),
    ),
    framing(
        "framing.xfo-invalid",
        MEDIUM,
        -20,
        "X-Frame-Options has a value browsers do not understand",
        "Browsers ignore it, so any site can frame the page.",
        api=Weight(INFO, 0),
    ),
    framing(
        "framing.xfo-allow-from",
        MEDIUM,
        -20,
        "X-Frame-Options ALLOW-FROM, which browsers no longer support",
        "Current browsers ignore it, so any site can frame the page.",
        api=Weight(INFO, 0),
    ),
    framing(
        "framing.allows-any",
        LOW,
        -5,
        "Framing is allowed for any site",
        "Another site can show this page in a frame and trick visitors into clicks.",
        api=Weight(INFO, 0),
    ),
    framing(
        "framing.xfo-conflicting",
        LOW,
        0,
        "X-Frame-Options has conflicting values",
        "Browsers then refuse all framing, perhaps more than the site meant.",
    ),
    framing(
        "framing.ok",
        PASS,
        0,
        "Framing is limited",
        "Other sites cannot show this page in a frame unless the site allows them.",
    ),
    # --- Other security headers -------------------------------------------------------------
    xcto(
        "xcto.missing",
        LOW,
        -5,
        "No X-Content-Type-Options",
        "Browsers may guess the type from the bytes and run a file as script or HTML.",
    ),
    xcto(
        "xcto.invalid",
        LOW,
        -5,
        "X-Content-Type-Options has a value other than nosniff",
        "Only nosniff has an effect, so browsers may still guess content types.",
    ),
    xcto(
        "xcto.nosniff",
        PASS,
        0,
        "X-Content-Type-Options nosniff",
        "Browsers take the declared type as it is and do not guess.",
    ),
    content(
        "content-type.missing",
        LOW,
        -5,
        "No Content-Type",
        "Browsers and clients must guess what the answer is, and a guess can turn data into "
        "a page that runs script.",
    ),
    cache(
        "cache.no-store-missing",
        LOW,
        -5,
        "A credentialed answer may be cached",
        "Without Cache-Control: no-store, a shared or browser cache may keep one user's answer "
        "and show it to the next.",
    ),
    cache(
        "cache.no-store",
        PASS,
        0,
        "A credentialed answer is marked no-store",
        "Caches do not keep this answer, so one user's data is not handed to another.",
    ),
    referrer(
        "referrer.unsafe",
        MEDIUM,
        -5,
        "Referrer-Policy sends full URLs to other sites",
        "Paths and queries, which can hold private ids or tokens, reach every site linked to.",
    ),
    referrer(
        "referrer.invalid",
        LOW,
        -2,
        "Referrer-Policy has no value browsers know",
        "Browsers ignore it and use their default.",
    ),
    referrer(
        "referrer.missing",
        INFO,
        0,
        "No Referrer-Policy",
        "Browsers use their default, which in current ones keeps paths from other sites.",
    ),
    referrer(
        "referrer.unknown-token",
        INFO,
        0,
        "Referrer-Policy has a value browsers skip",
        "The unknown value is ignored; a later known one is used.",
    ),
    referrer(
        "referrer.ok",
        PASS,
        0,
        "Referrer-Policy keeps paths from other sites",
        "Other sites learn at most which site a visitor came from.",
    ),
    permissions(
        "permissions.malformed",
        LOW,
        -2,
        "Permissions-Policy cannot be parsed",
        "Browsers ignore the whole header, so no feature is switched off.",
    ),
    permissions(
        "permissions.invalid-allowlist",
        LOW,
        0,
        "Permissions-Policy has an allowlist entry browsers skip",
        "The entry has no effect, which may allow less or more than meant.",
    ),
    permissions(
        "permissions.legacy-feature-policy",
        LOW,
        0,
        "Only the old Feature-Policy header is sent",
        "Current browsers read Permissions-Policy, so these settings do nothing there.",
    ),
    permissions(
        "permissions.missing",
        INFO,
        0,
        "No Permissions-Policy",
        "Powerful browser features are not switched off for the page and its frames.",
    ),
    permissions(
        "permissions.ok",
        PASS,
        0,
        "Permissions-Policy is set",
        "Features the page does not need are switched off.",
    ),
    coop(
        "cross-origin.coop-missing",
        INFO,
        0,
        "No Cross-Origin-Opener-Policy",
        "Pages in other windows can keep a handle on this one's window.",
    ),
    coop(
        "cross-origin.coop-invalid",
        LOW,
        0,
        "Cross-Origin-Opener-Policy has a value browsers do not accept",
        "Browsers ignore it, as if it were not sent.",
    ),
    coop(
        "cross-origin.coop-ok",
        PASS,
        0,
        "Cross-Origin-Opener-Policy is set",
        "Cross-origin windows get no handle on this page.",
    ),
    coep(
        "cross-origin.coep-missing",
        INFO,
        0,
        "No Cross-Origin-Embedder-Policy",
        "The page can load cross-origin resources that never agreed to it.",
    ),
    coep(
        "cross-origin.coep-invalid",
        LOW,
        0,
        "Cross-Origin-Embedder-Policy has a value browsers do not accept",
        "Browsers ignore it, as if it were not sent.",
    ),
    coep(
        "cross-origin.coep-ok",
        PASS,
        0,
        "Cross-Origin-Embedder-Policy is set",
        "Cross-origin resources load only when they opt in or without credentials.",
    ),
    corp(
        "cross-origin.corp-missing",
        INFO,
        0,
        "No Cross-Origin-Resource-Policy",
        "Any site may embed this answer with a no-cors request.",
    ),
    corp(
        "cross-origin.corp-invalid",
        LOW,
        0,
        "Cross-Origin-Resource-Policy has a value browsers do not accept",
        "Browsers ignore it, as if it were not sent.",
    ),
    corp(
        "cross-origin.corp-ok",
        PASS,
        0,
        "Cross-Origin-Resource-Policy is set",
        "Only the sites it names may embed this answer.",
    ),
    coop(
        "cross-origin.isolated",
        PASS,
        5,
        "The page is cross-origin isolated",
        "The page is shielded from side-channel reads by other origins.",
        glossary="cross-origin-isolation",
        evidence=("cross-origin-opener-policy", "cross-origin-embedder-policy"),
    ),
    # --- Cookies ----------------------------------------------------------------------------
    cookie(
        "cookie.no-secure",
        MEDIUM,
        -10,
        "Cookies without the Secure flag",
        "Browsers also send them over plain HTTP, where anyone on the network can read them.",
    ),
    cookie(
        "cookie.session-no-httponly",
        MEDIUM,
        -10,
        "Session-like cookies without HttpOnly",
        "Any script on the page, injected ones included, can read and steal them.",
    ),
    cookie(
        "cookie.set-over-http",
        MEDIUM,
        -5,
        "Cookies set over plain HTTP",
        "Anyone on the network can read or change them on the way.",
    ),
    cookie(
        "cookie.samesite-none-insecure",
        MEDIUM,
        -5,
        "SameSite=None cookies without Secure",
        "Browsers reject such cookies, so whatever needs them breaks.",
    ),
    cookie(
        "cookie.host-prefix-invalid",
        MEDIUM,
        -5,
        "__Host- cookies that break the prefix's rules",
        "Browsers reject them, so whatever needs them breaks.",
        glossary="cookie-prefixes",
    ),
    cookie(
        "cookie.secure-prefix-invalid",
        MEDIUM,
        -5,
        "__Secure- cookies without Secure or set over HTTP",
        "Browsers reject them, so whatever needs them breaks.",
        glossary="cookie-prefixes",
    ),
    cookie(
        "cookie.samesite-invalid",
        LOW,
        -2,
        "Cookies with a SameSite value browsers do not know",
        "The value is ignored and each browser's default applies.",
    ),
    cookie(
        "cookie.no-samesite",
        LOW,
        0,
        "Cookies without SameSite",
        "Whether they go along with cross-site requests is left to each browser's default.",
    ),
    cookie(
        "cookie.malformed",
        LOW,
        0,
        "A malformed Set-Cookie line",
        "Browsers drop it, so the cookie is never set.",
    ),
    cookie(
        "cookie.all-secure",
        PASS,
        5,
        "Every cookie is set securely",
        "Cookies travel only over HTTPS and are shielded from cross-site use.",
        subject="",  # a verdict on all of them together, not on each
    ),
    # --- What the server says about itself, and headers that outlived their use -------------
    disclosure(
        "disclosure.server-version",
        LOW,
        -2,
        "The Server header reveals a software version",
        "Attackers learn which known flaws to try without probing.",
        evidence=("server",),
    ),
    disclosure(
        "disclosure.powered-by-version",
        LOW,
        -2,
        "X-Powered-By reveals a software version",
        "Attackers learn which known flaws to try without probing.",
        glossary="x-powered-by",
        evidence=("x-powered-by",),
    ),
    disclosure(
        "disclosure.aspnet-version",
        LOW,
        -2,
        "An ASP.NET version header reveals a software version",
        "Attackers learn which known flaws to try without probing.",
        glossary="mistake-version-disclosure",
        evidence=("x-aspnet-version", "x-aspnetmvc-version"),
    ),
    deprecated(
        "deprecated.x-xss-protection",
        LOW,
        0,
        "X-XSS-Protection turns on the old XSS filter",
        "The filter current browsers dropped could itself be abused; 0 or no header is better.",
    ),
    deprecated(
        "deprecated.expect-ct",
        INFO,
        0,
        "Expect-CT is sent",
        "It is obsolete: browsers require certificate transparency anyway.",
        glossary="expect-ct",
        evidence=("expect-ct",),
    ),
    deprecated(
        "deprecated.public-key-pins",
        INFO,
        0,
        "Public-Key-Pins is sent",
        "It is obsolete: browsers no longer pin keys from headers.",
        glossary="public-key-pins",
        evidence=("public-key-pins", "public-key-pins-report-only"),
    ),
    # --- Every address of the name (checker.addresses) --------------------------------------
    Row(
        "site.addresses-differ",
        "site",
        LOW,
        -5,
        "The site's addresses answer differently",
        "Which answer a visitor gets depends on the server they reach, and the grade changes "
        "from one check to the next.",
        glossary="mistake-addresses-differ",
        evidence=(),
    ),
)

CATALOGUE: dict[str, Row] = {row.id: row for row in ROWS}


class UnknownFinding(KeyError):
    """An analyzer emitted an id the catalogue has no row for: add the row."""


def row_for(finding_id: str) -> Row:
    try:
        return CATALOGUE[finding_id]
    except KeyError:
        raise UnknownFinding(finding_id) from None


def finding(
    finding_id: str,
    title: str | None = None,
    exchanges: tuple[str, ...] = (),
    facts: tuple[tuple[str, str], ...] = (),
    severity: Severity | None = None,
) -> Finding:
    """A finding as an analyzer reports it: the id, what it saw; the rest comes from the row.

    ``title`` is a line naming this site's own values, when the report needs it; without one the
    row's generic title is used. ``severity`` is accepted only for a row that says why it varies.
    """
    row = row_for(finding_id)
    if severity is not None and severity != row.severity and not row.severity_varies:
        raise ValueError(f"{finding_id} has one severity; its catalogue row says so")
    return Finding(
        id=finding_id,
        severity=severity or row.severity,
        title=title or row.title,
        glossary=row.glossary,
        exchanges=tuple(exchanges),
        facts=tuple(facts),
    )


def weigh(
    findings: list[Finding] | tuple[Finding, ...], profile: str
) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """The findings as the profile judges them, and apart those whose row does not apply to it.

    A row with its own weight for the profile gives the finding that severity; an id with no row
    (from a newer or older engine) is kept as it is.
    """
    kept: list[Finding] = []
    apart: list[Finding] = []
    for item in findings:
        row = CATALOGUE.get(item.id)
        if row is None:
            kept.append(item)
        elif not row.applies(profile):
            apart.append(item)
        elif profile == API and row.api is not None:
            kept.append(replace(item, severity=row.api.severity))
        else:
            kept.append(item)
    return tuple(kept), tuple(apart)


def described(finding: dict) -> dict:
    """A finding as the engine's JSON has it, with its catalogue row's area and generic title and
    meaning beside what the engine saw; as it is when no row names it (a report from another
    version of the engine)."""
    row = CATALOGUE.get(finding.get("id", ""))
    if row is None:
        return finding
    return {
        **finding,
        "area": row.area,
        "area_title": AREAS.get(row.area, row.area),
        "catalogue_title": row.title,
        "meaning": row.meaning,
    }


def with_catalogue(report: dict) -> dict:
    """A report as JSON (Report.to_dict) with every finding described by its row: what the
    command line prints and the API answers."""
    return {
        **report,
        "findings": [described(item) for item in report.get("findings", ())],
        "not_applicable": [described(item) for item in report.get("not_applicable", ())],
    }
