"""Will this fetch() work? A step-by-step CORS simulator that follows the Fetch standard.

Given the page's origin, the request a script makes and the answers the server gives (to the
preflight, to the request, to every redirect hop), ``simulate`` walks the same decisions a browser
takes and says whether the script gets to read the response, which step failed, the line each
browser writes to the console for it, whether a preflight was needed and why, which response
headers the script can read, and every step on the way.

Several rule sets run side by side. ``STANDARD`` is the Fetch standard to the letter;
``CHROMIUM``, ``FIREFOX`` and ``WEBKIT`` are browser profiles: data (``Rules``) saying where each
engine was measured doing something else (tests/conformance/: the Chromium, Firefox and WebKit
suites) or what its documentation says where nothing has measured it yet (``Rules.assumed``).
The standard's answer is the headline verdict; each browser's rides along in
``Verdict.browsers``. Console lines are each browser's own wording: Chromium's in
``console_line`` below, Firefox's and WebKit's in checker/browser_console.json, all recorded
from the real engines.

Beyond one request, the simulator models three things browsers do around it: a redirect to
another origin drops ``Authorization`` (WebKit keeps it); Local Network Access (a page reaching
a more private address space than its own needs the user's permission in Chromium); and the
preflight cache (``Access-Control-Max-Age`` read with each browser's cap and odd-value rules,
and, with ``simulate(..., again_after=seconds)``, what a second identical request does).

The module is pure: answers arrive through an ``Answer`` callable that maps each request the
browser would send (``Outgoing``) to a ``Response``. When it returns ``None`` the verdict is
incomplete and names the request it is waiting for (``Verdict.pending``), so a caller with network
access can send it and run the simulation again (see ``recorded``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urljoin

from checker import browser_console
from checker.cors_vocabulary import DEFAULT_PORTS as _DEFAULT_PORTS
from checker.cors_vocabulary import HTTP_WHITESPACE as _HTTP_WHITESPACE
from checker.cors_vocabulary import TOKEN as _TOKEN
from checker.cors_vocabulary import URL as _URL
from checker.cors_vocabulary import allow_origin_failure as _origin_failure
from checker.cors_vocabulary import combined, parse_header_list, request_headers_value
from checker.cors_vocabulary import parse_url as _parse_url
from checker.model import Exchange, Headers, Response
from checker.target import parse_origin

# --- Tables: the Fetch standard's lists ------------------------------------------------------

CREDENTIALS_MODES = ("omit", "same-origin", "include")
SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})
# fetch() upper-cases only these six; any other method keeps the case the script wrote.
NORMALISED_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"})
FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})

FORBIDDEN_REQUEST_HEADERS = frozenset(
    {
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    }
)
FORBIDDEN_REQUEST_PREFIXES = ("proxy-", "sec-")
# These become forbidden when their value names a forbidden method (a way to smuggle TRACE).
METHOD_OVERRIDE_HEADERS = frozenset(
    {"x-http-method", "x-http-method-override", "x-method-override"}
)
# Dropped when a redirect turns the request into a GET.
REQUEST_BODY_HEADERS = frozenset(
    {"content-encoding", "content-language", "content-location", "content-type"}
)
SAFELISTED_CONTENT_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)
SAFELISTED_RESPONSE_HEADERS = (
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
)
FORBIDDEN_RESPONSE_HEADERS = frozenset({"set-cookie", "set-cookie2"})
# A wildcard in Access-Control-Allow-Headers never covers these: they must be listed by name.
NON_WILDCARD_REQUEST_HEADERS = frozenset({"authorization"})

SAFELISTED_VALUE_MAX = 128  # bytes, per header value
SAFELISTED_TOTAL_MAX = 1024  # bytes, summed over every safelisted header of one request
REDIRECT_LIMIT = 20
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

_UNSAFE_BYTES = frozenset(
    [b for b in range(0x20) if b != 0x09]
    + [0x22, 0x28, 0x29, 0x3A, 0x3C, 0x3E, 0x3F, 0x40, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x7F]
)
_LANGUAGE_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz *,-.;=")
_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")


# --- Chromium's own additions, as measured by tests/conformance/ -----------------------------


def _chromium_client_hints() -> dict[str, Callable[[str], bool]]:
    """Request headers Chromium treats as safelisted although the standard does not.

    They are the client hints Chromium may add itself, plus ``Intervention``; each needs a value
    of the hint's own shape (measured against Chromium 156: ``DPR: 1.`` or ``ECT: 4G`` preflight).
    """

    def decimal(value: str) -> bool:
        return _DECIMAL.fullmatch(value) is not None

    def digits(value: str) -> bool:
        return value.isascii() and value.isdigit()

    return {
        "device-memory": decimal,
        "dpr": decimal,
        "downlink": decimal,
        "width": digits,
        "viewport-width": digits,
        "rtt": digits,
        "save-data": lambda value: value.lower() == "on",
        "ect": lambda value: value in ("slow-2g", "2g", "3g", "4g"),
        "intervention": lambda value: True,
    }


@dataclass(frozen=True)
class MaxAge:
    """How a browser reads ``Access-Control-Max-Age``: seconds for each kind of value.

    ``cap`` is the longest it keeps a preflight (None: no limit of its own); ``absent``,
    ``unparsable`` and ``negative`` are the seconds used for a missing header, a value that is
    not an integer, and a negative integer (0: the preflight is not cached at all).
    """

    cap: int | None = None
    absent: int = 5
    unparsable: int = 5
    negative: int = 5

    def seconds(self, raw: str | None) -> tuple[int, str]:
        """Seconds the preflight is kept, and why, in a sentence fragment."""
        if raw is None:
            return self.absent, "no Access-Control-Max-Age, so the default"
        value = _strip(raw)
        if re.fullmatch(r"-[0-9]+", value):
            return self.negative, f"'{value}' is negative"
        if not re.fullmatch(r"[0-9]+", value):
            return self.unparsable, f"'{value}' is not a number of seconds"
        asked = int(value)
        if self.cap is not None and asked > self.cap:
            return self.cap, f"the server asked for {asked} s, capped at {self.cap} s"
        return asked, f"the server asked for {asked} s"


ADDRESS_SPACES = ("loopback", "local", "public")  # from the most private to the least


@dataclass(frozen=True)
class Rules:
    """One browser's reading of the algorithm; ``STANDARD`` is the Fetch standard itself.

    A profile is data: the algorithm reads these fields and never asks which browser it is
    simulating. ``assumed`` lists what a profile takes from the standard or from the engine's
    documentation because no conformance suite has measured it yet.
    """

    name: str
    label: str = "the Fetch standard"
    # Chromium joins repeated request headers into one value ("a, b") before judging them.
    join_repeated_headers: bool = False
    extra_safelisted_headers: Mapping[str, Callable[[str], bool]] = field(default_factory=dict)
    # Chromium lets `Access-Control-Allow-Headers: *` cover Authorization.
    wildcard_covers_authorization: bool = False
    # Firefox lets it, but prints a deprecation warning.
    warns_wildcard_authorization: bool = False
    # Chromium refuses any redirect to a URL with a user name or password, even same-origin.
    refuse_every_credentialed_redirect: bool = False
    # A redirect to another origin removes Authorization from the request (Fetch, 2022).
    drop_authorization_on_cross_origin_redirect: bool = True
    max_age: MaxAge = MaxAge()
    # Local Network Access: a request to a more private address space than the page's needs the
    # user's permission, which only a secure context may ask for.
    local_network_access: bool = False
    # Firefox: once a request was preflighted, a redirect to another origin is preflighted again
    # at the new origin even when it has become a simple request, and that preflight carries
    # the page's origin; the request after it carries 'Origin: null' like everywhere else.
    preflight_keeps_origin_after_redirect: bool = False
    preflights_again_after_redirect: bool = False
    # WebKit keeps Content-Type (and the other body headers) when a 303 turns a POST into a GET.
    redirect_drops_body_headers: bool = True
    # WebKit treats http://127.0.0.1 from an https page as mixed content.
    loopback_is_trustworthy: bool = True
    # WebKit judges a preflight's status before its Access-Control-Allow-Origin.
    preflight_status_first: bool = False
    # WebKit names the first header the preflight does not allow in the script's order.
    checks_headers_in_request_order: bool = False
    assumed: tuple[str, ...] = ()


STANDARD = Rules("standard")
CHROMIUM = Rules(
    "chromium",
    label="Chromium (Chrome, Edge, Opera)",
    join_repeated_headers=True,
    extra_safelisted_headers=_chromium_client_hints(),
    wildcard_covers_authorization=True,
    refuse_every_credentialed_redirect=True,
    max_age=MaxAge(cap=7200, absent=5, unparsable=5, negative=0),
    local_network_access=True,
    # Absent, unparsable, 0 and negative Max-Age measured by test_chromium_preflight_cache.py.
    assumed=("Access-Control-Max-Age: the 2 h cap, from Chromium's documentation",),
)
FIREFOX = Rules(
    "firefox",
    label="Firefox",
    # Seen on Firefox 153 ESR (pref network.cors_preflight.authorization_covered_by_wildcard).
    wildcard_covers_authorization=True,
    warns_wildcard_authorization=True,
    # Measured (tests/conformance/test_firefox.py): redirect-307-put-*, redirect-303-post-*,
    # redirect-cross-origin-drops-authorization: the preflight at the new origin carries the
    # page's origin, the request after it 'Origin: null'.
    preflight_keeps_origin_after_redirect=True,
    preflights_again_after_redirect=True,
    # Odd Max-Age values measured by tests/conformance/test_differences.py: none is cached.
    max_age=MaxAge(cap=86400, absent=5, unparsable=0, negative=0),
    assumed=(
        "Access-Control-Max-Age: the 24 h cap, from Firefox's documentation",
        "Local Network Access: not modelled",
    ),
)
WEBKIT = Rules(
    "webkit",
    label="Safari (WebKit)",
    # Seen on WebKitGTK 2.50: '*' covers Authorization, without a warning.
    wildcard_covers_authorization=True,
    # Measured (tests/conformance/test_webkit.py): repeated-accept-header,
    # redirect-303-post-becomes-get, plain-http-loopback-is-trustworthy, preflight-405-no-acao.
    join_repeated_headers=True,
    redirect_drops_body_headers=False,
    # Measured (redirect-cross-origin-drops-authorization): WebKit keeps Authorization across a
    # redirect to another origin, so the new origin is preflighted for it.
    drop_authorization_on_cross_origin_redirect=False,
    loopback_is_trustworthy=False,
    preflight_status_first=True,
    checks_headers_in_request_order=True,
    # Odd Max-Age values measured by tests/conformance/test_differences.py: -1 is not cached.
    max_age=MaxAge(cap=600, absent=5, unparsable=5, negative=0),
    assumed=(
        "Access-Control-Max-Age: the 10 min cap, from WebKit's documentation",
        "Local Network Access: not modelled",
    ),
)
BROWSERS: tuple[Rules, ...] = (CHROMIUM, FIREFOX, WEBKIT)
PROFILES: Mapping[str, Rules] = {rules.name: rules for rules in (STANDARD, *BROWSERS)}


# --- Input and output ------------------------------------------------------------------------


@dataclass(frozen=True)
class SimRequest:
    """The fetch() call a script makes: ``fetch(url, {method, headers, credentials, body})``."""

    origin: str  # the page's origin, e.g. "https://app.example"; "null" for an opaque origin
    url: str
    method: str = "GET"
    headers: Headers = ()
    credentials: str = "same-origin"  # "omit" | "same-origin" | "include"
    mode: str = "cors"
    body: bool = False  # the script passes a (string) body
    # The page's full URL; only Chromium's mixed-content line quotes it (default: origin + "/").
    page_url: str | None = None
    # Address spaces ("loopback", "local", "public") of the page and of the request's host, for
    # Local Network Access. Left None, they come from the host when it is an IP address,
    # localhost or a .local name, and are "public" for any other name.
    page_address_space: str | None = None
    target_address_space: str | None = None


@dataclass(frozen=True)
class Outgoing:
    """A request the browser would put on the wire; ``hop`` counts redirects followed so far."""

    hop: int
    kind: str  # "preflight" or "request"
    method: str
    url: str
    headers: Headers = ()

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((value for key, value in self.headers if key.lower() == name), None)


@dataclass(frozen=True)
class NoResponse:
    """The server could not be reached; ``error`` says why in a sentence."""

    error: str


Answer = Callable[[Outgoing], "Response | NoResponse | None"]


@dataclass(frozen=True)
class Step:
    name: str  # stable id, e.g. "preflight.allow-methods"
    passed: bool
    detail: str  # what was checked and what was found, in our words
    hop: int = 0


@dataclass(frozen=True)
class Failure:
    id: str  # stable id, e.g. "allow-origin-mismatch"
    explanation: str  # why the browser refused, in our words
    glossary: str | None = None  # slug of the glossary entry that explains it


@dataclass(frozen=True)
class CachedPreflight:
    """A preflight a browser keeps in its cache: the next identical request skips it."""

    hop: int
    url: str
    max_age: str | None  # Access-Control-Max-Age as the server sent it
    seconds: int  # how long this browser keeps it (0: not cached)
    why: str  # how ``seconds`` follows from the header, in our words
    methods: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Permission:
    """The request works only if the user grants a permission the browser asks for."""

    name: str  # e.g. "local-network-access"
    explanation: str  # in our words
    page_space: str = ""
    target_space: str = ""
    url: str = ""  # the first URL that needs it
    console_if_denied: str | None = None  # the browser's line when the user refuses


@dataclass(frozen=True)
class Verdict:
    """What one browser (or the standard) does with the request.

    ``console_message`` is the browser's console line for the failure (``None`` when it prints
    no CORS line, or when nobody has recorded that browser's wording for this failure yet);
    ``script_error`` is what the script's promise rejects with. The top-level verdict is the
    standard's; ``browsers`` holds one verdict per browser profile (Chromium, Firefox, WebKit),
    and its own ``console_message`` is Chromium's line, as before.

    ``allowed`` assumes the user grants any ``permission`` the browser asks for. ``again`` is the
    verdict for the same request sent a second time (see ``simulate``'s ``again_after``).
    """

    rules: str
    allowed: bool
    failure: Failure | None
    console_message: str | None
    script_error: str | None
    preflight_needed: bool
    preflight_reasons: tuple[str, ...]
    exposed_headers: tuple[str, ...]
    steps: tuple[Step, ...]
    sent: tuple[Outgoing, ...]
    pending: Outgoing | None = None  # the answer the simulation is waiting for, if incomplete
    notes: tuple[str, ...] = ()
    browsers: tuple[Verdict, ...] = ()
    console_warnings: tuple[str, ...] = ()  # lines the browser prints although it allows
    preflight_cache: tuple[CachedPreflight, ...] = ()
    permission: Permission | None = None
    again: Verdict | None = None
    again_after: float | None = None  # seconds between the first request and ``again``

    @property
    def summary(self) -> str:
        """The answer in one sentence, browser by browser when they part ways."""
        if not self.browsers:
            if self.allowed:
                return "Yes: the browser lets your script read the response"
            return "No: the browser blocks this request"
        groups: dict[str, list[str]] = {}
        for verdict in self.browsers:
            if not verdict.allowed:
                key = "blocked in"
            elif verdict.permission is not None:
                key = "allowed only with the user's permission in"
            else:
                key = "allowed in"
            groups.setdefault(key, []).append(verdict.label)
        if list(groups) == ["allowed in"]:
            return "Yes: every browser lets your script read the response"
        if list(groups) == ["blocked in"]:
            return "No: every browser blocks this request"
        parts = [f"{key} {' and '.join(labels)}" for key, labels in groups.items()]
        return "It depends on the browser: " + "; ".join(parts)

    @property
    def preflight_sent(self) -> bool:
        return any(outgoing.kind == "preflight" for outgoing in self.sent)

    def browser(self, name: str) -> Verdict | None:
        return next((verdict for verdict in self.browsers if verdict.rules == name), None)

    @property
    def chromium(self) -> Verdict | None:
        return self.browser("chromium")

    @property
    def firefox(self) -> Verdict | None:
        return self.browser("firefox")

    @property
    def webkit(self) -> Verdict | None:
        return self.browser("webkit")

    @property
    def label(self) -> str:
        profile = PROFILES.get(self.rules)
        return profile.label if profile is not None else self.rules

    @property
    def complete(self) -> bool:
        runs = (self, *self.browsers, *(v.again for v in (self, *self.browsers) if v.again))
        return all(verdict.pending is None for verdict in runs)

    @property
    def waiting_for(self) -> Outgoing | None:
        """The first request any rule set still needs an answer to."""
        for verdict in (self, *self.browsers):
            for run in (verdict, verdict.again):
                if run is not None and run.pending is not None:
                    return run.pending
        return None

    @property
    def browsers_agree(self) -> bool:
        """Every browser reaches the standard's answer (allowed or blocked)."""
        return all(verdict.allowed == self.allowed for verdict in self.browsers)

    @property
    def engines_agree(self) -> bool:
        """The browsers reach one outcome among themselves: allowed, or blocked for one reason,
        with the same permission prompt."""
        return len({_outcome(verdict) for verdict in self.browsers}) <= 1

    @property
    def allowed_in(self) -> tuple[str, ...]:
        return tuple(verdict.rules for verdict in self.browsers if verdict.allowed)

    @property
    def blocked_in(self) -> tuple[str, ...]:
        return tuple(verdict.rules for verdict in self.browsers if not verdict.allowed)


def _outcome(verdict: Verdict) -> tuple:
    failure = verdict.failure.id if verdict.failure else None
    permission = verdict.permission.name if verdict.permission else None
    return verdict.allowed, failure, permission


# --- URLs and origins (parsed by checker.cors_vocabulary) -------------------------------------


def serialise_origin(raw: str) -> str:
    """The origin as a browser writes it in ``Origin`` (IDNA host, no default port); raises
    ValueError when it is not one. One serialiser for the form, the report and the simulator."""
    return parse_origin(raw)


# --- Header value rules ----------------------------------------------------------------------


def _strip(value: str) -> str:
    return value.strip(_HTTP_WHITESPACE)


def has_unsafe_byte(value: str) -> bool:
    return any(ord(char) in _UNSAFE_BYTES for char in value)


def mime_essence(value: str) -> str | None:
    """``type/subtype`` in lower case, or None when the value is not a MIME type."""
    value = _strip(value)
    slash = value.find("/")
    if slash <= 0 or not _TOKEN.fullmatch(value[:slash]):
        return None
    subtype = value[slash + 1 :].split(";", 1)[0].rstrip(_HTTP_WHITESPACE)
    if not _TOKEN.fullmatch(subtype):
        return None
    return f"{value[:slash]}/{subtype}".lower()


def parse_single_range(value: str) -> tuple[int | None, int | None] | None:
    """A ``bytes=start-end`` range with no whitespace, or None; one side may be missing."""
    match = re.fullmatch(r"bytes=([0-9]*)-([0-9]*)", value)
    if match is None:
        return None
    start = int(match.group(1)) if match.group(1) else None
    end = int(match.group(2)) if match.group(2) else None
    if start is None and end is None:
        return None
    if start is not None and end is not None and start > end:
        return None
    return start, end


def _standard_safelisted(name: str, value: str) -> bool:
    if name == "accept":
        return not has_unsafe_byte(value)
    if name in ("accept-language", "content-language"):
        return all(char in _LANGUAGE_CHARS for char in value)
    if name == "content-type":
        return not has_unsafe_byte(value) and mime_essence(value) in SAFELISTED_CONTENT_TYPES
    if name == "range":
        parsed = parse_single_range(value)
        # A suffix range ("bytes=-500") reads the end of a resource: not safelisted.
        return parsed is not None and parsed[0] is not None
    return False


def is_safelisted_header(name: str, value: str, rules: Rules = STANDARD) -> bool:
    """Is this request header one a cross-origin request may carry without a preflight?"""
    if len(value.encode("latin-1", "replace")) > SAFELISTED_VALUE_MAX:
        return False
    name = name.lower()
    extra = rules.extra_safelisted_headers.get(name)
    if extra is not None:
        return extra(value)
    return _standard_safelisted(name, value)


def is_forbidden_header(name: str, value: str) -> bool:
    """Headers a script may not set at all: fetch() drops them silently."""
    name = name.lower()
    if name in FORBIDDEN_REQUEST_HEADERS or name.startswith(FORBIDDEN_REQUEST_PREFIXES):
        return True
    if name in METHOD_OVERRIDE_HEADERS:
        methods = (_strip(item).upper() for item in value.split(","))
        return any(method in FORBIDDEN_METHODS for method in methods)
    return False


def unsafe_header_names(headers: Headers, rules: Rules = STANDARD) -> tuple[str, ...]:
    """The request headers that make a preflight necessary: lower-case, sorted, unique."""
    unsafe: set[str] = set()
    maybe_unsafe: set[str] = set()
    total = 0
    for name, value in headers:
        lower = name.lower()
        if is_safelisted_header(lower, value, rules):
            maybe_unsafe.add(lower)
            total += len(value.encode("latin-1", "replace"))
        else:
            unsafe.add(lower)
    if total > SAFELISTED_TOTAL_MAX:
        unsafe |= maybe_unsafe
    return tuple(sorted(unsafe))


def _combined(response: Response, name: str) -> str | None:
    return combined(response.header_all(name))


def exposed_header_names(
    response: Response, credentials: str = "same-origin", cors: bool = True
) -> tuple[str, ...]:
    """Response header names a script can read (lower case, in the response's order)."""
    present: list[str] = []
    for name, _ in response.headers:
        lower = name.lower()
        if lower not in present and lower not in FORBIDDEN_RESPONSE_HEADERS:
            present.append(lower)
    if not cors:
        return tuple(present)
    try:
        listed = parse_header_list(_combined(response, "access-control-expose-headers")) or ()
    except ValueError:
        listed = ()  # an unreadable list exposes nothing beyond the safelist
    if "*" in listed and credentials != "include":
        return tuple(present)
    allowed = set(SAFELISTED_RESPONSE_HEADERS) | {item.lower() for item in listed}
    return tuple(name for name in present if name in allowed)


# --- Chromium's console wording (measured; see tests/conformance/) ---------------------------

PREFLIGHT_PREFIX = "Response to preflight request doesn't pass access control check: "
VALID_VALUE_HINT = " Have the server send the header with a valid value."
CHROMIUM_CORS_SCHEMES = (
    "chrome, chrome-experimental-site-token-provider, chrome-extension, chrome-untrusted, data, "
    "http, https, isolated-app"
)
CONSOLE_REASONS = {
    "allow-origin-missing": "No 'Access-Control-Allow-Origin' header is present on the requested"
    " resource.",
    "allow-origin-wildcard-credentials": "The value of the 'Access-Control-Allow-Origin' header in"
    " the response must not be the wildcard '*' when the request's credentials mode is"
    " 'include'.",
    "allow-origin-multiple": "The 'Access-Control-Allow-Origin' header contains multiple values"
    " '{hint}', but only one is allowed." + VALID_VALUE_HINT,
    "allow-origin-invalid": "The 'Access-Control-Allow-Origin' header contains the invalid value"
    " '{hint}'." + VALID_VALUE_HINT,
    "allow-origin-mismatch": "The 'Access-Control-Allow-Origin' header has a value '{hint}' that"
    " is not equal to the supplied origin." + VALID_VALUE_HINT,
    "allow-credentials": "The value of the 'Access-Control-Allow-Credentials' header in the"
    " response is '{hint}' which must be 'true' when the request's credentials mode is"
    " 'include'.",
    "preflight-status": PREFLIGHT_PREFIX + "It does not have HTTP ok status.",
    "preflight-redirect": PREFLIGHT_PREFIX + "Redirect is not allowed for a preflight request.",
    "preflight-allow-methods-invalid": "Cannot parse Access-Control-Allow-Methods response header"
    " field in preflight response.",
    "preflight-allow-headers-invalid": "Cannot parse Access-Control-Allow-Headers response header"
    " field in preflight response.",
    "preflight-method-not-allowed": "Method {hint} is not allowed by Access-Control-Allow-Methods"
    " in preflight response.",
    "preflight-header-not-allowed": "Request header field {hint} is not allowed by"
    " Access-Control-Allow-Headers in preflight response.",
    "preflight-authorization-not-listed": "Request header field {hint} is not allowed by"
    " Access-Control-Allow-Headers in preflight response.",
    # Chromium leaves the location out of this line (the quotes stay empty).
    "redirect-credentials": "Redirect location '' contains a username and password, which is"
    " disallowed for cross-origin requests.",
    "redirect-scheme": "Cross origin requests are only supported for protocol schemes: "
    + CHROMIUM_CORS_SCHEMES
    + ".",
    # Local Network Access, measured on Chromium 156 (tests/conformance/test_chromium_lna.py).
    "local-network-access-insecure": "The request client is not a secure context and the"
    " resource is in more-private address space `{hint}`.",
    "local-network-access-denied": "Permission was denied for this request to access the"
    " `{hint}` address space.",
}
# Failures Chromium reports only as a network error line, without a CORS explanation.
CONSOLE_NET_ERRORS = {
    "redirect-limit": "net::ERR_TOO_MANY_REDIRECTS",
    "redirect-unsafe-scheme": "net::ERR_UNSAFE_REDIRECT",
    "redirect-invalid-location": "net::ERR_INVALID_REDIRECT",
}
FAILED_TO_FETCH = "TypeError: Failed to fetch"
SCRIPT_ERROR_PREFIX = "TypeError: Failed to execute 'fetch' on 'Window': "


def console_line(
    failure_id: str,
    *,
    url: str,
    initial_url: str,
    origin: str,
    hint: str = "",
    preflight: bool = False,
) -> str | None:
    """The line Chromium writes to the console for a failure, or None if it writes none."""
    if failure_id == "script-bad-url":
        scheme = url.split(":", 1)[0]
        return f'Fetch API cannot load {url}. URL scheme "{scheme}" is not supported.'
    if failure_id == "mixed-content":
        return (
            f"Mixed Content: The page at '{hint}' was loaded over HTTPS, but requested an insecure"
            f" resource '{url}'. This request has been blocked; the content must be served over"
            " HTTPS."
        )
    if failure_id in CONSOLE_NET_ERRORS:
        return f"Failed to load resource: {CONSOLE_NET_ERRORS[failure_id]}"
    reason = CONSOLE_REASONS.get(failure_id)
    if reason is None:
        return None
    if preflight and failure_id.startswith("allow-"):
        reason = PREFLIGHT_PREFIX + reason
    redirected = f"(redirected from '{initial_url}') " if initial_url != url else ""
    return (
        f"Access to fetch at '{url}' {redirected}from origin '{origin}' has been blocked by CORS"
        f" policy: {reason.format(hint=hint)}"
    )


# Each rule set's console wording. The standard is no browser: its verdict quotes Chromium's.
_CHROMIUM_WORDING = browser_console.ConsoleWording(
    "chromium", recorded_with="Chromium 156", line=console_line
)
CONSOLE_WORDING: Mapping[str, browser_console.ConsoleWording] = {
    "standard": _CHROMIUM_WORDING,
    "chromium": _CHROMIUM_WORDING,
    "firefox": browser_console.FIREFOX,
    "webkit": browser_console.WEBKIT,
}


# --- Failure explanations (our words) --------------------------------------------------------

EXPLANATIONS = {
    "script-invalid-method": (
        "'{hint}' is not a valid HTTP method name, so fetch() refuses to start.",
        "cors-safelisted-methods",
    ),
    "script-forbidden-method": (
        "Scripts may never send {hint}; fetch() refuses it before anything is sent.",
        "cors-safelisted-methods",
    ),
    "script-invalid-header-name": (
        "'{hint}' is not a valid header name, so fetch() refuses to start.",
        None,
    ),
    "script-invalid-header-value": (
        "The value of the {hint} header contains a line break, a NUL byte or a character outside"
        " Latin-1, so fetch() refuses to start.",
        None,
    ),
    "script-body-with-get": (
        "A GET or HEAD request cannot carry a body; fetch() refuses to start.",
        None,
    ),
    "script-url-credentials": (
        "The URL contains a user name or password; fetch() refuses such URLs.",
        None,
    ),
    "script-bad-url": ("'{hint}' is not an http or https URL.", None),
    "mixed-content": (
        "The page was loaded over HTTPS and the request goes to plain HTTP; browsers block such"
        " mixed content before CORS is even considered.",
        "https-redirect",
    ),
    "no-response": (
        "The server did not answer ({hint}); the script sees only a network error.",
        "error-cors-request-did-not-succeed",
    ),
    "allow-origin-missing": (
        "The response has no Access-Control-Allow-Origin header, so the browser hides it from"
        " the page.",
        "error-no-allow-origin-header",
    ),
    "allow-origin-wildcard-credentials": (
        "The response allows any origin with '*', but the request carries credentials; with"
        " credentials the server must name the origin exactly.",
        "error-wildcard-origin-with-credentials",
    ),
    "allow-origin-multiple": (
        "Access-Control-Allow-Origin holds more than one value ('{hint}'); the browser accepts"
        " exactly one origin or '*'.",
        "error-multiple-allow-origin-values",
    ),
    "allow-origin-invalid": (
        "Access-Control-Allow-Origin is '{hint}', which is not an origin at all.",
        "error-invalid-allow-origin-value",
    ),
    "allow-origin-mismatch": (
        "Access-Control-Allow-Origin is '{hint}', but the request came from {origin}; the two must"
        " be equal character for character.",
        "error-allow-origin-mismatch",
    ),
    "allow-credentials": (
        "The request carries credentials, so the response must say"
        " 'Access-Control-Allow-Credentials: true' exactly; it says '{hint}'.",
        "error-allow-credentials-not-true",
    ),
    "preflight-redirect": (
        "The preflight was answered with a redirect; browsers never follow redirects for a"
        " preflight.",
        "error-preflight-redirect-not-allowed",
    ),
    "preflight-status": (
        "The preflight was answered with status {hint}; it needs a status from 200 to 299.",
        "error-preflight-not-ok-status",
    ),
    "preflight-allow-methods-invalid": (
        "Access-Control-Allow-Methods ('{hint}') is not a comma-separated list of method names.",
        "access-control-allow-methods",
    ),
    "preflight-allow-headers-invalid": (
        "Access-Control-Allow-Headers ('{hint}') is not a comma-separated list of header names.",
        "access-control-allow-headers",
    ),
    "preflight-method-not-allowed": (
        "The preflight answer does not list the method {hint} in Access-Control-Allow-Methods"
        " (the comparison is case-sensitive, and '*' does not count when credentials are sent).",
        "error-method-not-allowed",
    ),
    "preflight-header-not-allowed": (
        "The preflight answer does not list the request header '{hint}' in"
        " Access-Control-Allow-Headers ('*' does not count when credentials are sent).",
        "error-header-not-allowed",
    ),
    "preflight-authorization-not-listed": (
        "Access-Control-Allow-Headers is '*', but a wildcard never covers Authorization: it must"
        " be listed by name.",
        "mistake-allow-headers-wildcard-authorization",
    ),
    "redirect-invalid-location": (
        "The redirect's Location header ('{hint}') is not a usable URL.",
        None,
    ),
    "redirect-scheme": (
        "The redirect points to '{hint}', which is neither http nor https.",
        "error-cors-scheme-not-supported",
    ),
    "redirect-unsafe-scheme": (
        "The redirect points to '{hint}', which is neither http nor https.",
        "error-cors-scheme-not-supported",
    ),
    "redirect-credentials": (
        "The redirect points to a URL with a user name or password ('{hint}'); a cross-origin"
        " request may not follow it.",
        None,
    ),
    "redirect-credentials-same-origin": (
        "The redirect points to a URL with a user name or password ('{hint}'); Chromium refuses"
        " to follow it even within one origin.",
        None,
    ),
    "redirect-limit": (
        "The request was redirected more than 20 times; the browser gives up.",
        None,
    ),
    "local-network-access-denied": (
        "The user refused the browser's request to let this page reach their {hint} network.",
        None,
    ),
    "local-network-access-insecure": (
        "The request goes into a more private address space ({hint}) than the page's, which"
        " needs the user's permission, and a page that is not a secure context (https) may not"
        " ask for it.",
        None,
    ),
}


def _failure(failure_id: str, hint: str = "", origin: str = "") -> Failure:
    text, glossary = EXPLANATIONS[failure_id]
    if failure_id == "allow-credentials" and not hint:
        text = text.replace("it says '{hint}'", "the header is absent")
    return Failure(failure_id, text.format(hint=hint, origin=origin), glossary)


# --- The algorithm ---------------------------------------------------------------------------


class _Stop(Exception):
    """Ends a run early: a failure or a missing answer."""

    def __init__(self, failure: Failure | None = None, hint: str = "", **console: object) -> None:
        super().__init__(failure.id if failure else "pending")
        self.failure = failure
        self.hint = hint
        self.console = console


@dataclass
class _Run:
    """Mutable bookkeeping for one walk through the algorithm; never leaves this module."""

    request: SimRequest
    rules: Rules
    answer: Answer
    origin: str = ""
    initial_url: str = ""
    steps: list[Step] = field(default_factory=list)
    sent: list[Outgoing] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    preflight_needed: bool = False
    preflight_reasons: tuple[str, ...] = ()
    exposed: tuple[str, ...] = ()
    pending: Outgoing | None = None
    script_error: str | None = None
    warnings: list[str] = field(default_factory=list)  # failure-like ids the browser warns of
    # The browser's preflight cache, keyed by (origin sent, URL, credentials included).
    cache: dict[tuple[str, str, bool], CachedPreflight] = field(default_factory=dict)
    cached: list[CachedPreflight] = field(default_factory=list)  # what this run stored
    now: float = 0.0  # seconds since the cache was empty
    permission: Permission | None = None
    last_status: int | None = None
    # What a browser's console line may quote beyond the failure's hint: whether the failure
    # came with a redirect, the Location, a header as the script wrote it, the Origin sent.
    context: dict[str, str | bool] = field(default_factory=dict)

    def step(self, name: str, passed: bool, detail: str, hop: int = 0) -> None:
        self.steps.append(Step(name, passed, detail, hop))

    def fail(
        self,
        failure_id: str,
        hint: str = "",
        *,
        url: str = "",
        preflight: bool = False,
        script_error: str | None = None,
        sent_origin: str | None = None,
    ) -> _Stop:
        failure = _failure(failure_id, hint, sent_origin or self.origin)
        if failure_id.startswith("script-"):
            self.step("script", False, failure.explanation)
        self.script_error = script_error or FAILED_TO_FETCH
        return _Stop(failure, hint, url=url or self.initial_url, preflight=preflight)


def simulate(request: SimRequest, answer: Answer, *, again_after: float | None = None) -> Verdict:
    """Run the request through the standard's rules and each browser's; see the module docstring.

    With ``again_after`` (seconds), every rule set also sends the same request a second time
    that long after the first, with the preflight cache the first left behind; the answers are
    the same as the first time. ``verdict.again`` says whether a preflight went out again.
    """
    browsers = tuple(_simulate(request, answer, rules, again_after) for rules in BROWSERS)
    standard = _simulate(request, answer, STANDARD, again_after)
    return replace(standard, console_message=browsers[0].console_message, browsers=browsers)


def _simulate(
    request: SimRequest, answer: Answer, rules: Rules, again_after: float | None = None
) -> Verdict:
    first, cache = _walk(_Run(request, rules, answer))
    if again_after is None:
        return first
    second, _ = _walk(_Run(request, rules, answer, cache=dict(cache), now=again_after))
    return replace(first, again=second, again_after=again_after)


def _walk(run: _Run) -> tuple[Verdict, dict]:
    failure: Failure | None = None
    console: str | None = None
    lines = CONSOLE_WORDING[run.rules.name]
    try:
        _fetch(run)
    except _Stop as stop:
        failure = stop.failure
        if failure is not None:
            console = lines.failure(
                failure.id,
                url=str(stop.console.get("url", run.initial_url)),
                initial_url=run.initial_url,
                origin=run.origin,
                hint=stop.hint,
                preflight=bool(stop.console.get("preflight")),
                status=run.last_status,
                raw_url=run.request.url,
                **run.context,
            )
            if failure.id.startswith("script-") and failure.id != "script-bad-url":
                console = None  # the promise rejects; nothing is logged for the request
            run.script_error = lines.script_error(
                failure.id, run.script_error, hint=stop.hint, raw_url=run.request.url, **run.context
            )
    allowed = failure is None and run.pending is None
    warnings = tuple(
        line
        for warning in run.warnings
        if (line := lines.warning(warning, url=run.initial_url, origin=run.origin)) is not None
    )
    permission = run.permission
    if permission is not None:
        denied = lines.failure(
            "local-network-access-denied",
            url=permission.url,
            initial_url=run.initial_url,
            origin=run.origin,
            hint=permission.target_space,
        )
        permission = replace(permission, console_if_denied=denied)
    verdict = Verdict(
        rules=run.rules.name,
        allowed=allowed,
        failure=failure,
        console_message=console,
        script_error=run.script_error if failure else None,
        preflight_needed=run.preflight_needed,
        preflight_reasons=run.preflight_reasons,
        exposed_headers=run.exposed if allowed else (),
        steps=tuple(run.steps),
        sent=tuple(run.sent),
        pending=run.pending,
        notes=tuple(run.notes),
        console_warnings=warnings,
        preflight_cache=tuple(run.cached),
        permission=permission,
    )
    return verdict, run.cache


def _prepare(run: _Run) -> tuple[str, _URL, list[tuple[str, str]]]:
    """What fetch() does before anything is sent: check the call and build the header list."""
    request = run.request
    if request.mode != "cors":
        raise ValueError("only mode 'cors' is simulated")
    if request.credentials not in CREDENTIALS_MODES:
        raise ValueError(f"credentials must be one of {', '.join(CREDENTIALS_MODES)}")
    run.origin = serialise_origin(request.origin)
    url = _parse_url(request.url)
    if url is None or url.scheme not in _DEFAULT_PORTS:
        raise run.fail("script-bad-url", request.url, url=request.url.strip())
    run.initial_url = url.href
    if url.has_credentials:
        message = (
            f"{SCRIPT_ERROR_PREFIX}Request cannot be constructed from a URL that includes"
            f" credentials: {request.url}"
        )
        raise run.fail("script-url-credentials", script_error=message)
    method = _check_method(run)
    if request.body and method in ("GET", "HEAD"):
        message = f"{SCRIPT_ERROR_PREFIX}Request with GET/HEAD method cannot have body."
        raise run.fail("script-body-with-get", script_error=message)
    headers = _check_headers(run)
    run.step("script", True, f"fetch() accepts the call: {method} {url.href}.")
    return method, url, headers


def _check_method(run: _Run) -> str:
    method = run.request.method
    if not _TOKEN.fullmatch(method):
        message = f"{SCRIPT_ERROR_PREFIX}'{method}' is not a valid HTTP method."
        raise run.fail("script-invalid-method", method, script_error=message)
    if method.upper() in FORBIDDEN_METHODS:
        message = f"{SCRIPT_ERROR_PREFIX}'{method.upper()}' HTTP method is unsupported."
        raise run.fail("script-forbidden-method", method.upper(), script_error=message)
    return method.upper() if method.upper() in NORMALISED_METHODS else method


def _check_headers(run: _Run) -> list[tuple[str, str]]:
    kept: list[tuple[str, str]] = []
    dropped: list[str] = []
    for name, raw in run.request.headers:
        value = _strip(raw)
        if not _TOKEN.fullmatch(name):
            raise run.fail(
                "script-invalid-header-name",
                name,
                script_error=f"{SCRIPT_ERROR_PREFIX}Invalid name",
            )
        if any(ord(char) > 0xFF for char in value):
            message = (
                f"{SCRIPT_ERROR_PREFIX}Failed to read the 'headers' property from 'RequestInit':"
                " String contains non ISO-8859-1 code point."
            )
            run.context = {"variant": "non-latin1", **_first_wide_unit(raw)}
            raise run.fail("script-invalid-header-value", name, script_error=message)
        if any(char in value for char in "\r\n\0"):
            message = f"{SCRIPT_ERROR_PREFIX}Invalid value"
            raise run.fail("script-invalid-header-value", name, script_error=message)
        if is_forbidden_header(name, value):
            dropped.append(name)
        else:
            kept.append((name, value))
    if dropped:
        run.step(
            "forbidden-headers",
            False,
            "Scripts may not set "
            + ", ".join(dropped)
            + "; fetch() drops these headers silently, so the server never sees them.",
        )
    lower = {name.lower() for name, _ in kept}
    if "accept" not in lower:
        kept.append(("Accept", "*/*"))  # fetch() adds this default before judging the headers
    if run.request.body and "content-type" not in lower:
        kept.append(("Content-Type", "text/plain;charset=UTF-8"))  # a string body's default
    return kept


def _first_wide_unit(value: str) -> dict[str, str]:
    """Where the first character beyond Latin-1 sits in a header value, as a script engine
    counts it (UTF-16 code units: index and value), for the engines whose error names it."""
    units = value.encode("utf-16-le")
    for index in range(0, len(units), 2):
        unit = int.from_bytes(units[index : index + 2], "little")
        if unit > 0xFF:
            return {"char_index": str(index // 2), "char_code": str(unit)}
    return {}


def _join_repeated(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    joined: dict[str, tuple[str, str]] = {}
    for name, value in headers:
        key = name.lower()
        if key in joined:
            first_name, first_value = joined[key]
            joined[key] = (first_name, f"{first_value}, {value}")
        else:
            joined[key] = (name, value)
    return list(joined.values())


def _preflight_reasons(
    method: str, headers: list[tuple[str, str]], rules: Rules
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    judged = _join_repeated(headers) if rules.join_repeated_headers else headers
    unsafe = unsafe_header_names(tuple(judged), rules)
    reasons = []
    if method not in SAFELISTED_METHODS:
        reasons.append(f"the method {method} is not one of GET, HEAD and POST")
    for name in unsafe:
        values = [value for key, value in judged if key.lower() == name]
        reasons.append(_unsafe_reason(name, values, rules))
    return tuple(reasons), unsafe


def _unsafe_reason(name: str, values: list[str], rules: Rules) -> str:
    if not any(is_safelisted_header(name, value, rules) for value in values):
        if name in ("accept", "accept-language", "content-language", "content-type", "range"):
            if any(
                len(value.encode("latin-1", "replace")) > SAFELISTED_VALUE_MAX for value in values
            ):
                return f"the {name} header is longer than {SAFELISTED_VALUE_MAX} bytes"
            return f"the value of the {name} header is not one a simple request may carry"
        return f"the header {name} is not safelisted"
    return (
        f"the safelisted headers together exceed {SAFELISTED_TOTAL_MAX} bytes, so {name}"
        " counts as unsafe"
    )


def _fetch(run: _Run) -> None:
    request = run.request
    method, url, headers = _prepare(run)
    include = request.credentials == "include"
    tainted = False
    cors = False
    body = request.body
    page_space = _page_address_space(request, run.origin)
    preflighted = False  # a preflight was sent (or found in the cache) for an earlier hop
    crossed = False  # the last redirect led to another origin
    for hop in range(REDIRECT_LIMIT + 1):
        run.context = {"redirect": True} if hop else {}
        target_space = _target_address_space(request, url)
        _check_mixed_content(run, url, hop)
        _check_local_network(run, url, hop, page_space, target_space)
        run.context = {}
        same_origin = run.origin != "null" and url.origin == run.origin
        cors = cors or not same_origin
        serialised = "null" if tainted else run.origin
        kept = tainted and preflighted and run.rules.preflight_keeps_origin_after_redirect
        # The Origin of a preflight at this hop: the page's in Firefox after a redirect.
        preflight_origin = run.origin if kept else serialised
        if not cors:
            run.step("same-origin", True, f"{url.origin} is the page's own origin: no CORS.", hop)
        else:
            reasons, unsafe = _preflight_reasons(method, headers, run.rules)
            if (
                not reasons
                and preflighted
                and crossed
                and run.rules.preflights_again_after_redirect
            ):
                reasons = (
                    f"{run.rules.label} preflights a request again at the new origin when it was"
                    " preflighted before the redirect",
                )
            if hop == 0:
                run.preflight_needed = bool(reasons)
                run.preflight_reasons = reasons
            if reasons:
                run.step(
                    "preflight-needed",
                    True,
                    "A preflight is needed: " + "; ".join(reasons) + ".",
                    hop,
                )
                preflighted = True
                if kept:
                    run.step(
                        "tainted-origin.preflight",
                        True,
                        f"{run.rules.label} sends this preflight with 'Origin: {run.origin}'"
                        " although the redirect tainted the request; the request after it"
                        " carries 'Origin: null'.",
                        hop,
                    )
                if not _cache_hit(run, hop, url, method, unsafe, preflight_origin, include):
                    _preflight(run, hop, url, method, headers, unsafe, preflight_origin)
            else:
                run.step(
                    "simple-request",
                    True,
                    "No preflight: the method and every header are safelisted.",
                    hop,
                )
        outgoing = _outgoing(hop, method, url, headers, cors, serialised)
        response = _ask(run, outgoing)
        run.context = {}
        if response.is_redirect:
            location = _resolve(url, response.header("location") or "")
            run.context = {"redirect": True, "location": location, "raw_location": location}
        if cors:
            _cors_check(run, response, serialised, include, hop, url)
        if not response.is_redirect:
            run.exposed = exposed_header_names(response, request.credentials, cors)
            run.step(
                "exposed-headers",
                True,
                "The script can read: " + (", ".join(run.exposed) or "no header") + ".",
                hop,
            )
            _cookie_note(run, url, include, cors)
            return
        if hop == REDIRECT_LIMIT:
            raise run.fail("redirect-limit", url=url.href)
        location = _follow(run, response, url, cors, hop)
        if url.origin != location.origin and run.origin != url.origin:
            tainted = True
            run.step(
                "tainted-origin",
                True,
                "The request left a cross-origin server for another origin: from now on the"
                " browser sends 'Origin: null', so the next answer must allow 'null' or '*'.",
                hop,
            )
        method, headers, body = _rewrite_for_redirect(
            response.status, method, headers, body, run.rules.redirect_drops_body_headers
        )
        crossed = url.origin != location.origin
        if crossed and run.rules.drop_authorization_on_cross_origin_redirect:
            headers = _drop_authorization(run, headers, location, hop)
        url = location


def _drop_authorization(
    run: _Run, headers: list[tuple[str, str]], location: _URL, hop: int
) -> list[tuple[str, str]]:
    """A redirect to another origin takes Authorization off the request (Fetch, HTTP-redirect
    fetch): the next server never sees it, and it no longer calls for a preflight."""
    kept = [
        (name, value) for name, value in headers if name.lower() not in NON_WILDCARD_REQUEST_HEADERS
    ]
    if len(kept) != len(headers):
        run.step(
            "redirect.authorization-dropped",
            True,
            f"The redirect leads to another origin ({location.origin}), so the browser removes"
            " the Authorization header before following it.",
            hop,
        )
    return kept


# --- Local Network Access --------------------------------------------------------------------


def address_space(host: str) -> str | None:
    """ "loopback", "local" or "public" for an IP address, localhost or a .local name; None for
    any other name, whose address space only the name's resolution can tell."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return "loopback"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "local" if host.endswith(".local") else None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback or address.is_unspecified:
        return "loopback"
    if address.is_private or address.is_link_local or address in _SHARED_ADDRESS_SPACE:
        return "local"
    return "public"


_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")


def _checked_space(value: str | None, what: str) -> str | None:
    if value is not None and value not in ADDRESS_SPACES:
        raise ValueError(f"{what} must be one of {', '.join(ADDRESS_SPACES)}")
    return value


def _page_address_space(request: SimRequest, origin: str) -> str:
    given = _checked_space(request.page_address_space, "page_address_space")
    if given is not None:
        return given
    page = _parse_url(origin) if origin != "null" else None
    return (address_space(page.host) if page else None) or "public"


def _target_address_space(request: SimRequest, url: _URL) -> str:
    given = _checked_space(request.target_address_space, "target_address_space")
    first = _parse_url(request.url)
    if given is not None and first is not None and first.host == url.host:
        return given
    return address_space(url.host) or "public"


def _is_secure_context(origin: str) -> bool:
    page = _parse_url(origin) if origin != "null" else None
    if page is None:
        return False
    return page.scheme == "https" or _LOOPBACK_HOST.fullmatch(page.host) is not None


def _check_local_network(
    run: _Run, url: _URL, hop: int, page_space: str, target_space: str
) -> None:
    """A request into a more private address space than the page's needs the user's leave."""
    if not run.rules.local_network_access:
        return
    if ADDRESS_SPACES.index(target_space) >= ADDRESS_SPACES.index(page_space):
        return
    where = (
        f"The page is in the {page_space} address space and {url.origin} in the {target_space} one"
    )
    if not _is_secure_context(run.origin):
        run.step("local-network-access", False, where + "; only a secure page may ask.", hop)
        raise run.fail("local-network-access-insecure", target_space, url=url.href)
    run.step(
        "local-network-access",
        True,
        where + f": {run.rules.label} asks the user for permission first (Local Network Access).",
        hop,
    )
    if run.permission is None:
        run.permission = Permission(
            "local-network-access",
            f"{run.rules.label} asks the user whether this site may reach devices on their"
            f" {'own computer' if target_space == 'loopback' else 'local network'}; if the user"
            " refuses, fetch() fails with a network error before anything is sent.",
            page_space,
            target_space,
            url.href,
        )


# --- The preflight cache ---------------------------------------------------------------------


def _cache_hit(
    run: _Run,
    hop: int,
    url: _URL,
    method: str,
    unsafe: tuple[str, ...],
    serialised: str,
    include: bool,
) -> bool:
    """Can the browser skip the preflight because an earlier one still answers for it?"""
    entry = run.cache.get((serialised, url.href, include))
    if entry is None or run.now >= entry.seconds:
        return False
    methods_ok = (
        method in SAFELISTED_METHODS
        or method in entry.methods
        or ("*" in entry.methods and not include)
    )
    listed = {name.lower() for name in entry.headers}
    wildcard = "*" in listed and not include

    def covered(name: str) -> bool:
        if name in listed:
            return True
        authorization = name in NON_WILDCARD_REQUEST_HEADERS
        return wildcard and (not authorization or run.rules.wildcard_covers_authorization)

    if not methods_ok or not all(covered(name) for name in unsafe):
        return False
    run.step(
        "preflight-cache",
        True,
        f"A preflight sent {run.now:g} s earlier is still cached ({entry.seconds} s: {entry.why}),"
        " so the browser sends the request without a new preflight.",
        hop,
    )
    return True


def _store_preflight(
    run: _Run,
    hop: int,
    url: _URL,
    response: Response,
    methods: tuple[str, ...],
    names: tuple[str, ...],
    serialised: str,
    include: bool,
) -> None:
    raw = _combined(response, "access-control-max-age")
    seconds, why = run.rules.max_age.seconds(raw)
    entry = CachedPreflight(hop, url.href, raw, seconds, why, methods, names)
    run.cached.append(entry)
    if seconds > 0:
        run.cache[(serialised, url.href, include)] = replace(entry, seconds=int(run.now) + seconds)
        kept = f"{run.rules.label} keeps this preflight for {seconds} s ({why})."
    else:
        kept = f"{run.rules.label} does not cache this preflight ({why})."
    run.step("preflight.max-age", True, kept, hop)


_LOOPBACK_HOST = re.compile(r"localhost|.*\.localhost|127(\.[0-9]{1,3}){3}|::1")


def _check_mixed_content(run: _Run, url: _URL, hop: int) -> None:
    """An https page may not fetch http: URLs, except on loopback (a trustworthy origin), and,
    in a browser with Local Network Access, a local address it will ask the user about."""
    if not run.origin.startswith("https://") or url.scheme != "http":
        return
    if _LOOPBACK_HOST.fullmatch(url.host) and run.rules.loopback_is_trustworthy:
        return
    if run.rules.local_network_access and address_space(url.host) == "local":
        return
    run.step("mixed-content", False, f"An https page may not fetch {url.href}.", hop)
    page = run.request.page_url or f"{run.origin}/"
    raise run.fail("mixed-content", page, url=url.href)


def _outgoing(
    hop: int,
    method: str,
    url: _URL,
    headers: list[tuple[str, str]],
    cors: bool,
    serialised: str,
) -> Outgoing:
    sent = list(headers)
    if cors or method not in ("GET", "HEAD"):
        sent.append(("Origin", serialised))
    return Outgoing(hop, "request", method, url.href, tuple(sent))


def _ask(run: _Run, outgoing: Outgoing) -> Response:
    run.sent.append(outgoing)
    response = run.answer(outgoing)
    if response is None:
        run.pending = outgoing
        raise _Stop()
    if isinstance(response, NoResponse):
        raise run.fail("no-response", response.error, url=outgoing.url)
    run.last_status = response.status
    return response


def _preflight(
    run: _Run,
    hop: int,
    url: _URL,
    method: str,
    headers: list[tuple[str, str]],
    unsafe: tuple[str, ...],
    serialised: str,
) -> None:
    sent: list[tuple[str, str]] = [("Accept", "*/*"), ("Access-Control-Request-Method", method)]
    if unsafe:
        sent.append(("Access-Control-Request-Headers", request_headers_value(unsafe)))
    sent.append(("Origin", serialised))
    response = _ask(run, Outgoing(hop, "preflight", "OPTIONS", url.href, tuple(sent)))
    include = run.request.credentials == "include"
    if response.is_redirect:
        run.step("preflight.redirect", False, "The preflight was answered with a redirect.", hop)
        raise run.fail("preflight-redirect", url=url.href, preflight=True)
    if run.rules.preflight_status_first:
        _check_preflight_status(run, response, hop, url)
    _cors_check(run, response, serialised, include, hop, url, preflight=True)
    if not run.rules.preflight_status_first:
        _check_preflight_status(run, response, hop, url)
    methods = _allow_list(run, response, "access-control-allow-methods", hop, url)
    names = _allow_list(run, response, "access-control-allow-headers", hop, url)
    _check_method_allowed(run, method, methods, include, hop, url)
    _check_headers_allowed(run, headers, unsafe, names, include, hop, url)
    _store_preflight(run, hop, url, response, methods, names, serialised, include)


def _check_preflight_status(run: _Run, response: Response, hop: int, url: _URL) -> None:
    if not 200 <= response.status <= 299:
        run.step("preflight.status", False, f"The preflight got status {response.status}.", hop)
        raise run.fail("preflight-status", str(response.status), url=url.href, preflight=True)
    run.step("preflight.status", True, f"The preflight got status {response.status}.", hop)


def _allow_list(run: _Run, response: Response, header: str, hop: int, url: _URL) -> tuple[str, ...]:
    raw = _combined(response, header)
    kind = header.rsplit("-", 1)[-1]
    try:
        items = parse_header_list(raw)
    except ValueError as bad:
        run.step(
            f"preflight.allow-{kind}",
            False,
            f"{header} cannot be parsed: '{raw}' ('{bad}' is not a {kind[:-1]} name).",
            hop,
        )
        run.context["bad_item"] = str(bad)  # Firefox quotes only the first bad item
        raise run.fail(f"preflight-allow-{kind}-invalid", raw or "", url=url.href) from None
    return items or ()


def _check_method_allowed(
    run: _Run, method: str, methods: tuple[str, ...], include: bool, hop: int, url: _URL
) -> None:
    shown = ", ".join(methods) or "nothing"
    if method in methods or method in SAFELISTED_METHODS:
        run.step("preflight.allow-methods", True, f"{method} is allowed (list: {shown}).", hop)
        return
    if "*" in methods and not include:
        run.step("preflight.allow-methods", True, f"'*' allows {method} (no credentials).", hop)
        return
    detail = f"{method} is not in Access-Control-Allow-Methods (list: {shown})"
    if "*" in methods:
        detail += "; '*' is a literal method name when credentials are sent"
    elif method.upper() in methods or method in (m.upper() for m in methods):
        detail += "; the case differs, and methods are compared case-sensitively"
    run.step("preflight.allow-methods", False, detail + ".", hop)
    raise run.fail("preflight-method-not-allowed", method, url=url.href)


def _check_headers_allowed(
    run: _Run,
    headers: list[tuple[str, str]],
    unsafe: tuple[str, ...],
    names: tuple[str, ...],
    include: bool,
    hop: int,
    url: _URL,
) -> None:
    listed = {name.lower() for name in names}
    wildcard = "*" in listed and not include
    if not run.rules.wildcard_covers_authorization:
        for name, _ in headers:
            lower = name.lower()
            if lower in NON_WILDCARD_REQUEST_HEADERS and lower not in listed:
                run.step(
                    "preflight.allow-headers",
                    False,
                    f"{lower} must be listed by name in Access-Control-Allow-Headers.",
                    hop,
                )
                failure_id = (
                    "preflight-authorization-not-listed"
                    if wildcard
                    else "preflight-header-not-allowed"
                )
                raise run.fail(failure_id, lower, url=url.href)
    written = {name.lower(): name for name, _ in reversed(headers)}
    if run.rules.checks_headers_in_request_order:
        order = [name.lower() for name, _ in headers]
        unsafe = tuple(sorted(unsafe, key=lambda n: order.index(n) if n in order else len(order)))
    for name in unsafe:
        run.context["header"] = written.get(name, name)
        if name in listed or wildcard:
            if name not in listed and name in NON_WILDCARD_REQUEST_HEADERS:
                if run.rules.warns_wildcard_authorization:
                    run.warnings.append("wildcard-authorization")
                run.notes.append(
                    f"{run.rules.label} lets '*' in Access-Control-Allow-Headers cover"
                    f" {name}, although the Fetch standard says it must be listed by name."
                )
            continue
        detail = f"{name} is not in Access-Control-Allow-Headers ({', '.join(names) or 'absent'})"
        if "*" in listed:
            detail += "; '*' is a literal header name when credentials are sent"
        run.step("preflight.allow-headers", False, detail + ".", hop)
        raise run.fail("preflight-header-not-allowed", name, url=url.href)
    if unsafe:
        run.step(
            "preflight.allow-headers",
            True,
            f"Every non-safelisted header is allowed: {', '.join(unsafe)}.",
            hop,
        )


def _cors_check(
    run: _Run,
    response: Response,
    serialised: str,
    include: bool,
    hop: int,
    url: _URL,
    preflight: bool = False,
) -> None:
    """Access-Control-Allow-Origin and, with credentials, Access-Control-Allow-Credentials."""
    where = "preflight." if preflight else ""
    run.context["sent_origin"] = serialised
    acao = _combined(response, "access-control-allow-origin")
    failure_id = _origin_failure(acao, serialised, include)
    if failure_id is not None:
        run.step(
            f"{where}allow-origin",
            False,
            f"Access-Control-Allow-Origin is {_shown(acao)}; the request's origin is"
            f" {serialised}{' and it carries credentials' if include else ''}.",
            hop,
        )
        raise run.fail(
            failure_id, acao or "", url=url.href, preflight=preflight, sent_origin=serialised
        )
    run.step(
        f"{where}allow-origin",
        True,
        f"Access-Control-Allow-Origin {_shown(acao)} allows {serialised}.",
        hop,
    )
    if not include:
        return
    acac = _combined(response, "access-control-allow-credentials")
    if acac != "true":
        run.step(
            f"{where}allow-credentials",
            False,
            f"Access-Control-Allow-Credentials is {_shown(acac)}, not exactly 'true'.",
            hop,
        )
        raise run.fail("allow-credentials", acac or "", url=url.href, preflight=preflight)
    run.step(f"{where}allow-credentials", True, "Access-Control-Allow-Credentials is 'true'.", hop)


def _shown(value: str | None) -> str:
    return "absent" if value is None else f"'{value}'"


def _resolve(url: _URL, raw: str) -> str:
    try:
        return urljoin(url.href, raw.strip())
    except ValueError:
        return raw


def _follow(run: _Run, response: Response, url: _URL, cors: bool, hop: int) -> _URL:
    """Check a redirect's target; returns the URL the browser will ask next."""
    raw = response.header("location") or ""
    target = _resolve(url, raw)
    location = _parse_url(target)
    if location is not None:
        run.context["location"] = location.href
    if location is None:
        run.step("redirect", False, f"Location '{raw}' is not a usable URL.", hop)
        raise run.fail("redirect-invalid-location", raw, url=url.href)
    if location.scheme not in _DEFAULT_PORTS:
        run.step("redirect", False, f"The redirect leads to the scheme {location.scheme}.", hop)
        # Chromium stops a jump to data: (and other local schemes) before its CORS layer sees it.
        unsafe = location.scheme in ("data", "file", "blob", "about", "javascript", "filesystem")
        failure_id = "redirect-unsafe-scheme" if unsafe or not cors else "redirect-scheme"
        raise run.fail(failure_id, target, url=target)
    if location.has_credentials:
        same = run.origin != "null" and location.origin == run.origin
        if not same or cors:
            run.step("redirect", False, "The redirect leads to a URL with credentials.", hop)
            raise run.fail("redirect-credentials", location.href, url=url.href)
        if run.rules.refuse_every_credentialed_redirect:
            run.step("redirect", False, "The redirect leads to a URL with credentials.", hop)
            raise run.fail("redirect-credentials-same-origin", location.href, url=url.href)
    run.step("redirect", True, f"Status {response.status} redirects to {location.href}.", hop)
    return location


def _rewrite_for_redirect(
    status: int,
    method: str,
    headers: list[tuple[str, str]],
    body: bool,
    drop_body_headers: bool = True,
) -> tuple[str, list[tuple[str, str]], bool]:
    """301/302 turn a POST into a GET, 303 turns anything but GET/HEAD into one."""
    if (status in (301, 302) and method == "POST") or (
        status == 303 and method not in ("GET", "HEAD")
    ):
        if not drop_body_headers:
            return "GET", headers, False
        kept = [
            (name, value) for name, value in headers if name.lower() not in REQUEST_BODY_HEADERS
        ]
        return "GET", kept, False
    return method, headers, body


def _cookie_note(run: _Run, url: _URL, include: bool, cors: bool) -> None:
    if include and cors:
        run.notes.append(
            "CORS lets the script read this credentialed response, but whether cookies travel"
            " with it is the browser's cookie policy: a cross-site request carries only"
            " SameSite=None; Secure cookies, and browsers that block third-party cookies"
            " (Safari, Firefox's strict mode, Chromium's headless and incognito modes) send none."
        )
    elif cors and run.request.credentials == "same-origin":
        run.notes.append(
            "The request is cross-origin and credentials are 'same-origin' (the default), so no"
            " cookies or HTTP authentication are sent and Access-Control-Allow-Credentials does"
            " not matter."
        )


# --- Ways to supply answers ------------------------------------------------------------------


@dataclass(frozen=True)
class Hop:
    """The server's answers at one URL of a redirect chain."""

    response: Response | NoResponse
    preflight: Response | NoResponse | None = None


def replay(hops: Sequence[Hop]) -> Answer:
    """Answer from a fixed list: hop ``n`` answers the ``n``-th URL the browser asks."""

    def answer(outgoing: Outgoing) -> Response | NoResponse | None:
        if outgoing.hop >= len(hops):
            return None
        hop = hops[outgoing.hop]
        return hop.preflight if outgoing.kind == "preflight" else hop.response

    return answer


def recorded(answers: Mapping[tuple, Response | NoResponse]) -> Answer:
    """Answer from responses collected so far, keyed by ``answer_key(outgoing)`` or, for callers
    that do not tell origins apart, by ``(hop, kind)``.

    A caller with network access loops: simulate, send ``verdict.waiting_for``, store the answer
    under ``answer_key(outgoing)``, simulate again until ``verdict.complete``.
    """

    def answer(outgoing: Outgoing) -> Response | NoResponse | None:
        found = answers.get(answer_key(outgoing))
        return found if found is not None else answers.get((outgoing.hop, outgoing.kind))

    return answer


def answer_key(outgoing: Outgoing) -> tuple[int, str, str | None]:
    """Which answer a request needs: browsers can send one hop with different Origins (Firefox
    preflights a redirected request with the page's origin where the others send 'null'), and
    a server may answer them differently."""
    return outgoing.hop, outgoing.kind, outgoing.header("origin")


def simulate_response(
    request: SimRequest, response: Response, preflight: Response | None = None
) -> Verdict:
    """Judge one answer (and its preflight's) without following any redirect it makes."""
    return simulate(request, replay([Hop(response, preflight)]))


def _from_exchange(exchange: Exchange | None) -> Response | NoResponse | None:
    if exchange is None:
        return None
    if exchange.response is None:
        return NoResponse(exchange.error or "no answer")
    return exchange.response


def simulate_exchanges(
    request: SimRequest, actual: Exchange, preflight: Exchange | None = None
) -> Verdict:
    """Judge the engine's live exchanges: the request's and, when one was sent, the preflight's."""
    hop = Hop(_from_exchange(actual) or NoResponse("no answer"), _from_exchange(preflight))
    return simulate(request, replay([hop]))
