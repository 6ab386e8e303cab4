"""One CORS vocabulary: how every ``Access-Control-*`` header and every origin is read.

The analyzers, the probe matrix, the target parser and the simulator all parse through this
module, so the scan's report and the simulator can never disagree about the same answer. It
follows the Fetch standard's grammar:

- a header that occurs several times is read as its values joined with ``", "`` (a header list's
  *get*), after the HTTP whitespace around each value is dropped;
- ``Access-Control-Allow-Origin`` must equal the request's serialised origin, or be ``*`` without
  credentials; ``Access-Control-Allow-Credentials`` and ``Access-Control-Allow-Private-Network``
  count only when they are exactly ``true``;
- ``Access-Control-Allow-Methods``, ``-Allow-Headers`` and ``-Expose-Headers`` are ``#token``
  lists (*extracting header list values*): empty items are allowed, any item that is not a token
  makes the whole list a failure, and a browser then fails the preflight;
- ``Access-Control-Max-Age`` is delta-seconds (digits only); anything else is ignored and the
  browser keeps the preflight for its default of 5 seconds;
- an origin is serialised as ``scheme://host[:port]`` with a lower-case scheme and host, the IDNA
  (punycode) form of the host, IPv6 in brackets and no default port; an opaque origin (a
  sandboxed page, a ``data:`` or ``file:`` URL) is ``null``.

Pure: no Django, no network. The few places where Chromium reads a header differently are kept
in ``checker.simulate.Rules`` (measured by tests/conformance/); this module is the standard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

# --- Header names (lower case, as ``Response.header_all`` looks them up) ---------------------

ACAO = "access-control-allow-origin"
ACAC = "access-control-allow-credentials"
ACAM = "access-control-allow-methods"
ACAH = "access-control-allow-headers"
ACEH = "access-control-expose-headers"
ACMA = "access-control-max-age"
ACAPN = "access-control-allow-private-network"
ACRM = "access-control-request-method"
ACRH = "access-control-request-headers"
ACRPN = "access-control-request-private-network"

NULL_ORIGIN = "null"  # how an opaque origin is serialised
WILDCARD = "*"
DEFAULT_MAX_AGE = 5  # seconds a browser keeps a preflight when Max-Age is absent or unusable
DEFAULT_PORTS = {"http": 80, "https": 443}
# Schemes whose URLs have a tuple origin (Fetch: scheme, host, port); any other is opaque.
TUPLE_ORIGIN_SCHEMES = frozenset({"http", "https", "ws", "wss", "ftp"})

HTTP_WHITESPACE = " \t\r\n"
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_DELTA_SECONDS = re.compile(r"[0-9]+")


def strip(value: str) -> str:
    return value.strip(HTTP_WHITESPACE)


def combined(values: list[str] | tuple[str, ...]) -> str | None:
    """A header list's *get*: every value of the header, trimmed and joined with ", "; None when
    the header is absent."""
    return ", ".join(strip(value) for value in values) if values else None


# --- Lists: Allow-Methods, Allow-Headers, Expose-Headers, Request-Headers, Vary --------------


@dataclass(frozen=True)
class HeaderList:
    """A comma-separated ``#token`` list as a browser splits it: trimmed items, empties dropped.

    ``invalid`` holds the items that are not HTTP tokens; when there is one the whole list is a
    failure (``valid`` is False) and a browser fails the preflight on it. ``present`` is False
    when the header was not sent at all.
    """

    items: tuple[str, ...] = ()
    invalid: tuple[str, ...] = ()
    present: bool = False

    @property
    def valid(self) -> bool:
        return not self.invalid

    @property
    def lower(self) -> frozenset[str]:
        return frozenset(item.lower() for item in self.items)

    @property
    def tokens(self) -> tuple[str, ...]:
        """The items a browser uses: all of them, or none when the list is a failure."""
        return self.items if self.valid else ()


def parse_list(values: list[str] | tuple[str, ...] | str | None) -> HeaderList:
    """Split every value of a list header (or one already combined value)."""
    if values is None or (not isinstance(values, str) and not values):
        return HeaderList()
    text = values if isinstance(values, str) else combined(values) or ""
    items = tuple(item for item in (strip(part) for part in text.split(",")) if item)
    invalid = tuple(item for item in items if not TOKEN.fullmatch(item))
    return HeaderList(items, invalid, present=True)


def parse_header_list(value: str | None) -> tuple[str, ...] | None:
    """Fetch's *extracting header list values* for one combined value: None when absent, the
    tokens otherwise; a value that is not a list of tokens raises ``ValueError`` naming the first
    bad item."""
    parsed = parse_list(value)
    if not parsed.present:
        return None
    if parsed.invalid:
        raise ValueError(parsed.invalid[0])
    return parsed.items


def method_allowed(method: str, methods: tuple[str, ...], credentials: bool) -> bool:
    """Does a valid Allow-Methods list grant ``method``? Methods compare case-sensitively, and
    with credentials ``*`` is only a method literally named ``*``. (Safelisted methods need no
    grant; the caller knows whether one is asked for.)"""
    return method in methods or (WILDCARD in methods and not credentials)


def header_allowed(name: str, names: tuple[str, ...], credentials: bool) -> bool:
    """Does a valid Allow-Headers list grant the request header ``name``? Names compare without
    case; ``*`` covers every name but ``authorization``, and nothing with credentials."""
    listed = {item.lower() for item in names}
    lower = name.lower()
    if lower in listed:
        return True
    return WILDCARD in listed and not credentials and lower != "authorization"


def request_headers_value(names: tuple[str, ...] | list[str]) -> str:
    """``Access-Control-Request-Headers`` as a browser writes it: lower case, sorted, unique,
    joined by a bare comma."""
    return ",".join(sorted({name.lower() for name in names}))


# --- Single values: Allow-Credentials, Allow-Private-Network, Max-Age ------------------------


def is_true(values: list[str] | tuple[str, ...]) -> bool:
    """Allow-Credentials and Allow-Private-Network count only as exactly ``true`` (byte for
    byte: ``True`` or ``true, true`` do not)."""
    return combined(values) == "true"


def parse_max_age(value: str | list[str] | tuple[str, ...] | None) -> int | None:
    """Seconds from ``Access-Control-Max-Age`` (delta-seconds: digits only), or None when the
    header is absent or unusable (a browser then keeps the preflight ``DEFAULT_MAX_AGE`` s)."""
    if value is None:
        return None
    text = value if isinstance(value, str) else combined(value)
    if text is None:
        return None
    text = strip(text)
    return int(text) if _DELTA_SECONDS.fullmatch(text) else None


# --- URLs and origins ------------------------------------------------------------------------


@dataclass(frozen=True)
class URL:
    """A URL as far as CORS cares: its origin, its path (plus query) and whether it carries a
    user name or password."""

    scheme: str
    host: str
    port: int | None
    path: str  # path plus query
    has_credentials: bool

    @property
    def opaque(self) -> bool:
        """A ``data:``, ``file:``, ``blob:``… URL: its origin is opaque, written ``null``."""
        return self.scheme not in TUPLE_ORIGIN_SCHEMES

    @property
    def origin(self) -> str:
        return NULL_ORIGIN if self.opaque else serialise(self.scheme, self.host, self.port)

    @property
    def href(self) -> str:
        return f"{serialise(self.scheme, self.host, self.port)}{self.path}"


def serialise(scheme: str, host: str, port: int | None) -> str:
    """An origin tuple written out: brackets around IPv6, no default port."""
    host = f"[{host}]" if ":" in host else host
    default = DEFAULT_PORTS.get(scheme)
    return f"{scheme}://{host}" if port is None or port == default else f"{scheme}://{host}:{port}"


def idna_host(host: str) -> str | None:
    """The host in lower case and, when it is not ASCII, in its IDNA (punycode) form."""
    host = host.lower()
    if host.isascii():
        return host
    try:
        return httpx.URL(f"http://{host}/").raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return None


def parse_url(raw: str) -> URL | None:
    """A URL split the way the origin checks need it, or None when it is not one."""
    try:
        parts = urlsplit(raw.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not scheme or (scheme in DEFAULT_PORTS and not parts.hostname):
        return None
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    host = idna_host(parts.hostname or "")
    if host is None:
        return None
    return URL(
        scheme=scheme,
        host=host,
        port=port,
        path=path,
        has_credentials=parts.username is not None or parts.password is not None,
    )


def origin_of(raw: str) -> str | None:
    """The serialised origin of a URL (``null`` for an opaque one), or None when it is no URL."""
    url = parse_url(raw)
    return None if url is None else url.origin


def normalise_origin(value: str) -> str:
    """An origin as a browser serialises it; text that is no URL comes back trimmed, unchanged,
    so a caller can still show (and probe with) what it was given."""
    text = value.strip()
    if text == NULL_ORIGIN or "://" not in text:
        return text
    url = parse_url(text)
    if url is None:
        return text.rstrip("/")
    return serialise(url.scheme, url.host, url.port)


SLASH = "it ends with a slash, which an Origin header never does"
PATH = "it holds a path, which an origin never has"


def origin_problem(value: str) -> str | None:
    """Why an Access-Control-Allow-Origin value can never equal a browser's Origin, if it can't."""
    if value in (WILDCARD, NULL_ORIGIN):
        return None
    if "://" not in value:
        return "it has no scheme (an origin looks like https://app.example)"
    parts = urlsplit(value)
    if parts.path == "/":
        return SLASH
    if parts.path or parts.query or parts.fragment:
        return PATH
    if "@" in parts.netloc:
        return "it holds a user name, which an origin never has"
    if normalise_origin(value) != value:
        return "browsers write origins in lower case without the default port"
    return None


def looks_like_url(value: str) -> bool:
    """Chromium's loose test behind 'contains the invalid value': does it parse as a URL?"""
    url = parse_url(value)
    if url is None:
        return False
    if url.scheme in DEFAULT_PORTS:
        return re.fullmatch(r"[a-z0-9.\-_~]+|[0-9a-f:.]+", url.host) is not None
    return re.fullmatch(r"[a-z][a-z0-9+.\-]*", url.scheme) is not None


def allow_origin_failure(acao: str | None, origin: str, credentials: bool) -> str | None:
    """Fetch's CORS check on Access-Control-Allow-Origin (the combined value): None when it
    passes, else why not, as the simulator's failure id names it."""
    if acao is None:
        return "allow-origin-missing"
    if acao == WILDCARD:
        return "allow-origin-wildcard-credentials" if credentials else None
    if acao == origin:
        return None
    if " " in acao or "," in acao:
        return "allow-origin-multiple"
    if acao != NULL_ORIGIN and not looks_like_url(acao):
        return "allow-origin-invalid"
    return "allow-origin-mismatch"
