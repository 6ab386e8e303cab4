""" "Why is my request blocked?": read a console message a browser printed and name the rule.

People paste what their console said, often several lines (Chromium's CORS line and its
"Failed to load resource: net::ERR_FAILED", Firefox's reason and its closing "CORS request did not
succeed", Safari's "Origin … is not allowed" and its "Fetch API cannot load … due to access control
checks"). ``explain`` finds the line that names a rule, maps it to the simulator's failure id
(``checker.simulate``: the same ids the live check reports, so the two can be compared) and picks
out the URL, the page's origin, the method, the header and the value the message quotes.

``PATTERNS`` is the table: one row per (browser, wording) with the failure id it stands for and
where its wording comes from. ``recorded`` rows were printed by a real browser in our conformance
suites: Chromium's are built from ``checker.simulate.CONSOLE_REASONS``; Firefox's and WebKit's are
patterns written from the lines recorded in ``checker/browser_console.json``, and
tests/checker/test_explain.py renders every one of those recorded templates and requires the
pattern to name its failure id, so the two cannot drift apart. ``documented`` rows are wordings
older releases print, as their documentation and bug trackers quote them. A row may name more
than one failure id when the browser prints one line for several (Safari's "Origin … is not
allowed by Access-Control-Allow-Origin" stands for a missing header, a mismatch and an invalid
value alike): the first is the likeliest, the live check tells which.

Pure code: no network, no Django. The glossary entry comes from the simulator's explanations
(``checker.simulate.EXPLANATIONS``), the fix from ``FIXES`` below and the entry's own
"How to fix it" section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from checker import cors_vocabulary as vocabulary
from checker.simulate import CONSOLE_NET_ERRORS, CONSOLE_REASONS, EXPLANATIONS, PREFLIGHT_PREFIX

MAX_MESSAGE_LENGTH = 8000  # characters of pasted text we read; a console line is far shorter

CHROMIUM, FIREFOX, SAFARI = "chromium", "firefox", "safari"
BROWSERS = {CHROMIUM: "Chrome, Edge or another Chromium", FIREFOX: "Firefox", SAFARI: "Safari"}
RECORDED, DOCUMENTED = "recorded", "documented"

_Q = "['‘’\"`]"  # the quotes browsers put around names: Firefox's curly ones, or pasted straight
_URL = r"(?P<url>[a-z][a-z0-9+.-]*://[^\s'‘’\"“”]+)"


@dataclass(frozen=True)
class Pattern:
    """One wording a browser prints, and the failure id(s) it stands for."""

    browser: str
    reasons: tuple[str, ...]  # simulator failure ids, the likeliest first
    regex: re.Pattern[str]
    source: str  # RECORDED (printed by a real browser in our suites) or DOCUMENTED
    preflight: bool = False  # the wording itself says the preflight failed


def _row(browser: str, reasons: str, regex: str, source: str) -> Pattern:
    ids = tuple(reasons.split())
    preflight = ids[0].startswith("preflight-")
    return Pattern(browser, ids, re.compile(regex, re.I), source, preflight)


# --- Chromium: "Access to fetch at '<url>' from origin '<origin>' has been blocked by CORS
# policy: <reason>", the reasons measured from real Chromium (checker.simulate.CONSOLE_REASONS).

CHROMIUM_LINE = re.compile(
    r"Access to (?:fetch|XMLHttpRequest|\w+) at '(?P<url>[^']*)'"
    r"(?: \(redirected from '(?P<initial>[^']*)'\))? from origin '(?P<origin>[^']*)'"
    r" has been blocked by CORS policy: (?P<reason>.*)",
    re.I,
)
_CHROMIUM_FIELDS = {
    "allow-origin-multiple": "value",
    "allow-origin-invalid": "value",
    "allow-origin-mismatch": "value",
    "allow-credentials": "value",
    "preflight-method-not-allowed": "method",
    "preflight-header-not-allowed": "header",
    "preflight-authorization-not-listed": "header",
}


def _chromium_reason_regex(reason: str) -> str:
    text = CONSOLE_REASONS[reason].removeprefix(PREFLIGHT_PREFIX)
    name = _CHROMIUM_FIELDS.get(reason, "hint")
    head, _, tail = text.partition("{hint}")
    if not _:
        return re.escape(text.rstrip("."))
    return re.escape(head) + f"(?P<{name}>.*?)" + re.escape(tail.split(".")[0])


def _chromium_rows() -> list[Pattern]:
    # Pasted without its "Access to fetch at" start, the preflight's prefix still says which.
    rows = [
        replace(
            _row(
                CHROMIUM,
                "allow-origin-missing",
                re.escape(PREFLIGHT_PREFIX) + r"No 'Access-Control-Allow-Origin' header",
                RECORDED,
            ),
            preflight=True,
        )
    ]
    for reason in CONSOLE_REASONS:
        if reason == "preflight-authorization-not-listed":
            continue  # the same words as a header not allowed; told apart by the header's name
        rows.append(
            Pattern(
                CHROMIUM,
                (reason,),
                re.compile(_chromium_reason_regex(reason), re.I),
                RECORDED,
                preflight=reason.startswith("preflight-"),
            )
        )
    for reason, error in CONSOLE_NET_ERRORS.items():
        rows.append(Pattern(CHROMIUM, (reason,), re.compile(re.escape(error), re.I), RECORDED))
    rows += [
        _row(
            CHROMIUM,
            "mixed-content",
            r"Mixed Content: The page at '(?P<page>[^']*)' was loaded over HTTPS, but requested an"
            r" insecure (?:resource|XMLHttpRequest endpoint) '" + _URL + "'",
            RECORDED,
        ),
        _row(
            CHROMIUM,
            "preflight-status",
            r"Response for preflight (?:has invalid HTTP status code|is invalid \(redirect\))"
            r" ?(?P<status>\d{3})?",
            DOCUMENTED,  # Chrome before 70
        ),
    ]
    return rows


# --- Firefox: "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote
# resource at <url>. (Reason: <reason>)." Recorded from firefox-esr by tests/conformance.

FIREFOX_LINE = re.compile(
    r"Cross-Origin Request (?:Blocked|Warning): The Same Origin Policy (?:disallows|will"
    r" disallow) reading the remote resource at " + _Q + r"?" + _URL + _Q + r"?"
    r"(?: soon)?\. \(Reason: (?P<reason>.*)",
    re.I,
)
_ACAO = _Q + r"Access-Control-Allow-Origin" + _Q
_FIREFOX = [
    ("allow-origin-missing", rf"CORS header {_ACAO} missing", RECORDED),
    (
        "allow-origin-mismatch allow-origin-invalid",
        rf"CORS header {_ACAO} does not match {_Q}(?P<value>.*?){_Q}\)",
        RECORDED,
    ),
    ("allow-origin-multiple", rf"Multiple CORS header {_ACAO} not allowed", RECORDED),
    (
        "allow-origin-wildcard-credentials",
        rf"Credential is not supported if the CORS header {_ACAO} is {_Q}\*{_Q}",
        RECORDED,
    ),
    (
        "allow-credentials",
        rf"expected {_Q}true{_Q} in CORS header {_Q}Access-Control-Allow-Credentials{_Q}",
        RECORDED,
    ),
    ("preflight-status", r"CORS preflight response did not succeed", RECORDED),
    ("preflight-status", r"CORS preflight channel did not succeed", DOCUMENTED),
    ("preflight-redirect", r"CORS request external redirect not allowed", RECORDED),
    (
        "preflight-allow-methods-invalid",
        rf"invalid token {_Q}(?P<value>.*?){_Q} in CORS header {_Q}Access-Control-Allow-Methods",
        RECORDED,
    ),
    (
        "preflight-allow-headers-invalid",
        rf"invalid token {_Q}(?P<value>.*?){_Q} in CORS header {_Q}Access-Control-Allow-Headers",
        RECORDED,
    ),
    (
        "preflight-method-not-allowed",
        rf"Did not find method in CORS header {_Q}Access-Control-Allow-Methods",
        RECORDED,
    ),
    (
        "preflight-header-not-allowed",
        rf"header {_Q}(?P<header>.*?){_Q} is not allowed according to header"
        rf" {_Q}Access-Control-Allow-Headers{_Q}",
        RECORDED,
    ),
    (
        "preflight-header-not-allowed",
        rf"missing token {_Q}(?P<header>.*?){_Q} in CORS header {_Q}Access-Control-Allow-Headers",
        DOCUMENTED,  # Firefox before 111
    ),
    (
        "preflight-authorization-not-listed",
        r"When the .Access-Control-Allow-Headers. is .\*., the .Authorization. header is not"
        r" covered",
        RECORDED,  # a warning: Firefox 153 still lets the request through
    ),
    ("redirect-scheme", r"CORS request not HTTP", RECORDED),
    ("allow-origin-missing", r"CORS disabled", DOCUMENTED),
    ("no-response", r"CORS request did not succeed", RECORDED),
]
FIREFOX_LINES = (
    _row(FIREFOX, "mixed-content", r"Blocked loading mixed active content [“\"']" + _URL, RECORDED),
    _row(FIREFOX, "redirect-unsafe-scheme", r"Redirecting to data: URI not allowed", RECORDED),
)

# --- Safari (WebKit): short lines, the URL only in the closing "Fetch API cannot load <url> due to
# access control checks." Recorded from WebKitWebDriver by tests/conformance.

_SAFARI = [
    (
        "allow-origin-missing allow-origin-mismatch allow-origin-invalid",
        r"Cross-origin redirection to (?P<location>\S+) denied by Cross-Origin Resource Sharing"
        r" policy: Origin (?P<origin>\S+) is not allowed by Access-Control-Allow-Origin\.?"
        r"(?: Status code: (?P<status>\d{3}))?",
        RECORDED,
    ),
    (
        "allow-origin-missing allow-origin-mismatch allow-origin-invalid",
        r"Origin (?P<origin>\S+) is not allowed by Access-Control-Allow-Origin\.?"
        r"(?: Status code: (?P<status>\d{3}))?",
        RECORDED,
    ),
    (
        "allow-origin-multiple",
        r"Access-Control-Allow-Origin cannot contain more than one origin",
        RECORDED,
    ),
    (
        "allow-origin-wildcard-credentials",
        r"Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true",
        RECORDED,
    ),
    (
        "allow-credentials",
        r"Credentials flag is true, but Access-Control-Allow-Credentials is not \"true\"",
        RECORDED,
    ),
    (
        "preflight-status preflight-redirect",
        r"Preflight response is not successful(?:\. Status code: (?P<status>\d{3}))?",
        RECORDED,
    ),
    (
        "preflight-allow-methods-invalid",
        r"Header Access-Control-Allow-Methods has an invalid value: (?P<value>.*)",
        RECORDED,
    ),
    (
        "preflight-allow-headers-invalid",
        r"Header Access-Control-Allow-Headers has an invalid value: (?P<value>.*)",
        RECORDED,
    ),
    (
        "preflight-method-not-allowed",
        r"Method (?P<method>\S+) is not allowed by Access-Control-Allow-Methods",
        RECORDED,
    ),
    (
        "preflight-header-not-allowed",
        r"Request header field (?P<header>\S+) is not allowed by Access-Control-Allow-Headers",
        RECORDED,
    ),
    (
        "redirect-credentials",
        r"Cross-origin redirection to (?P<location>\S+) denied by Cross-Origin Resource Sharing"
        r" policy: redirection URL \S+ has credentials",
        RECORDED,
    ),
    (
        "redirect-unsafe-scheme redirect-invalid-location",
        r"not allowed to follow a cross-origin CORS redirection with non CORS scheme",
        RECORDED,
    ),
    ("redirect-scheme", r"FTP URLs are disabled", RECORDED),
    ("redirect-limit", r"Load cannot follow more than 20 redirections", RECORDED),
    (
        "mixed-content",
        r"\[blocked\] The page at (?P<page>\S+) requested insecure content from " + _URL + r"\.",
        RECORDED,
    ),
]

PATTERNS: tuple[Pattern, ...] = (
    *_chromium_rows(),
    *(_row(FIREFOX, reasons, regex, source) for reasons, regex, source in _FIREFOX),
    *FIREFOX_LINES,
    *(_row(SAFARI, reasons, regex, source) for reasons, regex, source in _SAFARI),
)

# Lines that only close a message; they carry a URL, a method or a status, never the rule.
SAFARI_SUMMARY = re.compile(
    r"(?:Fetch API|XMLHttpRequest) cannot load " + _URL + r" due to access control checks", re.I
)
CHROMIUM_NETWORK_LINE = re.compile(
    r"\b(?P<method>GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) " + _URL + r" net::ERR_\w+"
    r"(?: (?P<status>\d{3}))?",
    re.I,
)
SAFARI_PREFIX = re.compile(r"^\s*(?:\[(?:Error|Warning|Log)\]\s*)?(?:Failed to load resource:\s*)?")
STATUS_CODE = re.compile(r"Status code: (?P<status>\d{3})")
TRAILING_PUNCTUATION = ".,;:)]>"


@dataclass(frozen=True)
class Explanation:
    """What a pasted console message says: the rule that failed and what it names."""

    reason: str | None  # the simulator's failure id; None when no line names a rule
    browser: str | None = None
    source: str = ""  # RECORDED or DOCUMENTED: where the matched wording comes from
    alternatives: tuple[str, ...] = ()  # other failure ids the same wording stands for
    line: str = ""  # the line that named the rule
    url: str | None = None
    origin: str | None = None
    method: str | None = None
    header: str | None = None
    value: str | None = None  # the response header's value, as the message quotes it
    status: int | None = None
    preflight: bool = False
    page: str | None = None  # the page's URL (mixed content)

    @property
    def found(self) -> bool:
        return self.reason is not None

    @property
    def glossary(self) -> str | None:
        return glossary_for(self.reason) if self.reason else None

    @property
    def host(self) -> str | None:
        return urlsplit(self.url).netloc or None if self.url else None

    @property
    def credentials(self) -> bool:
        """Whether the message shows the request carried credentials."""
        return self.reason in ("allow-origin-wildcard-credentials", "allow-credentials")


# The entry for a failure the simulator explains without one.
GLOSSARY_FALLBACK = {
    "local-network-access-denied": "private-network-access",
    "local-network-access-insecure": "private-network-access",
}


def glossary_for(reason: str) -> str | None:
    explained = EXPLANATIONS.get(reason)
    if explained is None:
        return None
    return explained[1] or GLOSSARY_FALLBACK.get(reason, "cors")


def explain(text: str) -> Explanation:
    """Read pasted console output; the first line that names a rule decides."""
    text = text[:MAX_MESSAGE_LENGTH]
    found: Explanation | None = None
    url = method = None
    status = None
    for raw in text.splitlines():
        line = SAFARI_PREFIX.sub("", raw).strip()
        if not line:
            continue
        network = CHROMIUM_NETWORK_LINE.search(line)
        if network:
            url = url or _clean_url(network["url"])
            method = method or network["method"].upper()
            status = status or _status(network["status"])
        summary = SAFARI_SUMMARY.search(line)
        if summary:
            url = url or _clean_url(summary["url"])
            found = found or Explanation(None, SAFARI, line=line)
        if found is not None and found.reason not in (None, "no-response"):
            firefox = FIREFOX_LINE.search(line)  # a rule is named; later lines only add facts
            url = url or (_clean_url(firefox["url"]) if firefox else None)
            continue
        candidate = _read_line(line)
        if candidate is not None and not (found and candidate.reason == "no-response"):
            found = candidate
    if found is None:
        return Explanation(None)
    return replace(
        found,
        url=found.url or url,
        method=found.method or method,
        status=found.status or status,
    )


def _read_line(line: str) -> Explanation | None:
    chromium = CHROMIUM_LINE.search(line)
    if chromium:
        reason_text = chromium["reason"]
        preflight = reason_text.startswith(PREFLIGHT_PREFIX)
        return _match(
            CHROMIUM,
            reason_text.removeprefix(PREFLIGHT_PREFIX),
            line,
            url=_clean_url(chromium["url"]),
            origin=chromium["origin"] or None,
            preflight=preflight,
        )
    firefox = FIREFOX_LINE.search(line)
    if firefox:
        return _match(FIREFOX, firefox["reason"], line, url=_clean_url(firefox["url"]))
    # A line with its browser's prefix cut off, or one of the short Safari lines.
    for browser in (CHROMIUM, FIREFOX, SAFARI):
        matched = _match(browser, line, line)
        if matched is not None:
            return matched
    return None


def _match(browser: str, text: str, line: str, **facts) -> Explanation | None:
    for pattern in PATTERNS:
        if pattern.browser != browser:
            continue
        found = pattern.regex.search(text)
        if not found:
            continue
        groups = {key: value for key, value in found.groupdict().items() if value}
        status = STATUS_CODE.search(line)
        if status and "status" not in groups:
            groups["status"] = status["status"]
        reasons = pattern.reasons
        header = groups.get("header")
        if reasons == ("preflight-header-not-allowed",) and (header or "").lower() == (
            "authorization"
        ):
            reasons = ("preflight-header-not-allowed", "preflight-authorization-not-listed")
        value = groups.get("value")
        if value and {"allow-origin-mismatch", "allow-origin-invalid"} <= set(reasons):
            # Firefox words both alike but quotes the value: an origin, or not one at all.
            reasons = (
                ("allow-origin-mismatch",)
                if _looks_like_origin(value)
                else ("allow-origin-invalid",)
            )
        return Explanation(
            reason=reasons[0],
            browser=browser,
            source=pattern.source,
            alternatives=reasons[1:],
            line=line,
            url=facts.get("url") or _clean_url(groups.get("url")),
            origin=facts.get("origin") or _clean_origin(groups.get("origin")),
            method=(groups.get("method") or "").upper() or None,
            header=header,
            value=value,
            status=_status(groups.get("status")),
            preflight=facts.get("preflight", False) or pattern.preflight,
            page=groups.get("page"),
        )
    return None


def _looks_like_origin(value: str) -> bool:
    return value in ("*", "null") or "://" in value


def _clean_url(url: str | None) -> str | None:
    if not url:
        return None
    url = url.strip().rstrip(TRAILING_PUNCTUATION)
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def _clean_origin(origin: str | None) -> str | None:
    if not origin:
        return None
    return origin.strip().rstrip(TRAILING_PUNCTUATION) or None


def _status(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def origin_of(url: str | None) -> str | None:
    """The origin of an http(s) URL as a browser serialises it (the CORS vocabulary's), or None
    for anything else."""
    origin = vocabulary.origin_of(url or "")
    return origin if origin is not None and origin.startswith(("http://", "https://")) else None


def looks_like_console_message(text: str) -> bool:
    return explain(text).found


# --- The fix, in a sentence and the headers to send; {origin}, {host}, {method}, {header} and
# {value} are filled in from the message (or the form), so the snippet names the user's own.

YOUR_ORIGIN = "https://your-page.example"
YOUR_HOST = "your API"


@dataclass(frozen=True)
class Fix:
    text: str
    snippet: str = ""  # response headers, one per line


ALLOW_ORIGIN = "Access-Control-Allow-Origin: {origin}\nVary: Origin"
FIXES: dict[str, Fix] = {
    "allow-origin-missing": Fix(
        "Have {host} answer requests from {origin} with these headers, on every response it"
        " sends to that origin, error responses included:",
        ALLOW_ORIGIN,
    ),
    "allow-origin-mismatch": Fix(
        "The header names another origin ({value}). Have {host} send back your page's origin"
        " exactly as the browser sends it (scheme, host and port, no path or trailing slash):",
        ALLOW_ORIGIN,
    ),
    "allow-origin-invalid": Fix(
        "The header's value ({value}) is not an origin. Have {host} send the full origin:",
        ALLOW_ORIGIN,
    ),
    "allow-origin-multiple": Fix(
        "Send one value only: look the request's Origin up in your allow list and answer with"
        " that single origin. Two values usually mean the proxy and the application both add"
        " the header; remove one of them.",
        ALLOW_ORIGIN,
    ),
    "allow-origin-wildcard-credentials": Fix(
        "A request with cookies or credentials needs the origin by name, never '*'. Have {host}"
        " answer {origin} with:",
        "Access-Control-Allow-Origin: {origin}\nAccess-Control-Allow-Credentials: true\n"
        "Vary: Origin",
    ),
    "allow-credentials": Fix(
        "The request carries credentials, so {host} must allow them in so many words (or drop"
        " credentials: 'include' from the fetch() if the request does not need cookies):",
        "Access-Control-Allow-Origin: {origin}\nAccess-Control-Allow-Credentials: true\n"
        "Vary: Origin",
    ),
    "preflight-status": Fix(
        "Answer the OPTIONS preflight on {host} with a 2xx status (204 is usual) before any login"
        " check, routing or method filter can reject it, and with the CORS headers:",
        "HTTP/1.1 204 No Content\nAccess-Control-Allow-Origin: {origin}\n"
        "Access-Control-Allow-Methods: {method}\nAccess-Control-Allow-Headers: {header}\n"
        "Vary: Origin",
    ),
    "preflight-redirect": Fix(
        "A preflight may not be redirected. Call the final URL directly (often the trailing"
        " slash, or https instead of http), or make {host} answer OPTIONS at this address"
        " without redirecting.",
    ),
    "preflight-allow-methods-invalid": Fix(
        "Write Access-Control-Allow-Methods as a comma-separated list of method names:",
        "Access-Control-Allow-Methods: GET, POST, {method}",
    ),
    "preflight-allow-headers-invalid": Fix(
        "Write Access-Control-Allow-Headers as a comma-separated list of header names:",
        "Access-Control-Allow-Headers: {header}",
    ),
    "preflight-method-not-allowed": Fix(
        "Have {host} list {method} in its answer to the preflight (the comparison is"
        " case-sensitive, and '*' does not count when credentials are sent):",
        "Access-Control-Allow-Origin: {origin}\nAccess-Control-Allow-Methods: GET, POST, {method}",
    ),
    "preflight-header-not-allowed": Fix(
        "Have {host} list the request header {header} in its answer to the preflight (or stop"
        " sending the header):",
        "Access-Control-Allow-Origin: {origin}\nAccess-Control-Allow-Headers: {header}",
    ),
    "preflight-authorization-not-listed": Fix(
        "'*' in Access-Control-Allow-Headers never covers Authorization; list it by name:",
        "Access-Control-Allow-Headers: Authorization, Content-Type",
    ),
    "redirect-scheme": Fix(
        "The request was redirected to a URL that is not http or https. Point the request, or"
        " the redirect on {host}, at an https URL.",
    ),
    "redirect-unsafe-scheme": Fix(
        "The request was redirected to a URL that is not http or https. Point the request, or"
        " the redirect on {host}, at an https URL.",
    ),
    "redirect-invalid-location": Fix(
        "The redirect's Location header is not a usable URL; fix it on {host}, or call the"
        " final URL directly.",
    ),
    "redirect-credentials": Fix(
        "The redirect points to a URL with a user name or password in it; redirect to a URL"
        " without them.",
    ),
    "redirect-limit": Fix(
        "{host} redirects in a loop (more than 20 redirects); call the final URL directly and fix"
        " the redirect rules.",
    ),
    "mixed-content": Fix(
        "A page loaded over HTTPS may not call plain http. Serve {host} over HTTPS and call its"
        " https:// URL.",
    ),
    "local-network-access-insecure": Fix(
        "The page is not a secure context, so it may not ask to reach a more private network:"
        " serve the page over https (the user is then asked for permission), or make {host}"
        " reachable on a public address.",
    ),
    "local-network-access-denied": Fix(
        "The user refused the page access to their local network. Ask again only after"
        " explaining why, or make {host} reachable on a public address.",
    ),
    "no-response": Fix(
        "The request got no answer at all: check the URL, that {host} is up, its DNS name and"
        " TLS certificate. Firefox also prints this line after another CORS error, so look for"
        " a line just before it that names the rule.",
    ),
}


def fix_for(explanation: Explanation, *, url: str | None = None, origin: str | None = None):
    """The fix for the explanation's rule, with the user's host and origin filled in."""
    fix = FIXES.get(explanation.reason or "")
    if fix is None:
        return None
    url = url or explanation.url
    values = {
        "origin": origin or explanation.origin or YOUR_ORIGIN,
        "host": urlsplit(url).netloc if url else YOUR_HOST,
        # OPTIONS is the preflight's own method (Chromium's network line), not the one to allow.
        "method": explanation.method if explanation.method not in (None, "OPTIONS") else "PUT",
        "header": explanation.header or "Content-Type",
        "value": explanation.value or "another value",
    }
    return Fix(fix.text.format(**values), fix.snippet.format(**values))
