"""Extra request headers for authenticated scans (``Authorization``, ``Cookie``, an API key).

Checked here, once, for the command line, the form and the API alike: a name the engine sets
itself or that belongs to one connection is refused with a sentence saying why, and so is a
value that could end the header (CR, LF) or that the HTTP client would refuse to send.

They are secrets, so the engine treats them the way a careful client treats credentials: they
go only to the target's own origin, on the main request and its redirects while they stay
there, on the refetch of the page and on the actual-request CORS probes — never on a preflight,
which a browser sends without credentials, and never after a redirect to another origin. No
value is stored: each exchange records the header with ``REDACTED`` for its value and the report
their names only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "<redacted>"
MAX_HEADERS = 20
MAX_NAME_LENGTH = 100
MAX_VALUE_LENGTH = 8 * 1024

# RFC 9110 token characters; a header name is one token.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# What the HTTP client sends as it is: visible ASCII, spaces and tabs inside.
_VALUE = re.compile(r"[\x21-\x7e]([\t\x20-\x7e]*[\x21-\x7e])?")

_CONNECTION = "it belongs to one connection and the HTTP client manages it"
_NO_BODY = "the engine sends no request body"
_PREFLIGHT = "the CORS probes set it themselves, probe by probe"
REFUSED_NAMES: dict[str, str] = {
    "host": "the engine sends the target's own host name",
    "origin": "the CORS probes send their own Origin, one per probe",
    "content-length": _NO_BODY,
    "transfer-encoding": _NO_BODY,
    "expect": _NO_BODY,
    "connection": _CONNECTION,
    "keep-alive": _CONNECTION,
    "proxy-connection": _CONNECTION,
    "proxy-authorization": "it is meant for a proxy, and the engine uses none",
    "te": _CONNECTION,
    "trailer": _CONNECTION,
    "upgrade": _CONNECTION,
    "accept-encoding": "the engine asks only for encodings it decompresses within its limits",
    "user-agent": "every request names corscheck, so site owners know who is asking",
    "access-control-request-method": _PREFLIGHT,
    "access-control-request-headers": _PREFLIGHT,
    "access-control-request-private-network": _PREFLIGHT,
}


class RequestHeaderError(ValueError):
    """An extra header cannot be sent; ``message`` says why, in words a form can show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_header_line(line: str) -> tuple[str, str]:
    """``"Name: value"`` (as typed after ``--header`` or on a line of the form) as a checked
    (name, value) pair."""
    name, colon, value = line.partition(":")
    if not colon:
        # Not quoted: a value pasted without its name is a secret.
        raise RequestHeaderError(
            "A header has no colon: write it as “Name: value”, for example "
            "“Authorization: Bearer …”."
        )
    return check_header(name.strip(), value)


def check_header(name: str, value: str) -> tuple[str, str]:
    """The pair as it will be sent (the value without surrounding blanks), or why it cannot."""
    if not name:
        raise RequestHeaderError("A header needs a name before its colon.")
    if len(name) > MAX_NAME_LENGTH or not _TOKEN.fullmatch(name):
        raise RequestHeaderError(
            f"“{_shown(name)}” is not a header name: a name is letters, digits and "
            f"!#$%&'*+-.^_`|~ only, at most {MAX_NAME_LENGTH} of them."
        )
    why = REFUSED_NAMES.get(name.lower())
    if why is not None:
        raise RequestHeaderError(f"The {name} header cannot be given: {why}.")
    # The value is a secret: the sentences below never quote it.
    value = value.strip(" \t")
    if "\r" in value or "\n" in value:
        raise RequestHeaderError(f"The value of {name} has a line break; it must be one line.")
    if not value:
        raise RequestHeaderError(f"The value of {name} is empty.")
    if len(value) > MAX_VALUE_LENGTH:
        raise RequestHeaderError(
            f"The value of {name} has {len(value)} characters; at most {MAX_VALUE_LENGTH} are sent."
        )
    if not _VALUE.fullmatch(value):
        raise RequestHeaderError(
            f"The value of {name} has a character other than printable ASCII, spaces and "
            "tabs; encode it (a token usually is already)."
        )
    return name, value


def check_request_headers(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Every pair checked, each name once (whatever its case), at most ``MAX_HEADERS``."""
    checked = tuple(check_header(str(name).strip(), str(value)) for name, value in headers)
    if len(checked) > MAX_HEADERS:
        raise RequestHeaderError(
            f"{len(checked)} headers were given; at most {MAX_HEADERS} are sent."
        )
    seen: set[str] = set()
    for name, _ in checked:
        if name.lower() in seen:
            raise RequestHeaderError(
                f"The {name} header is given twice; give it once (one Cookie header can hold "
                "several cookies: “a=1; b=2”)."
            )
        seen.add(name.lower())
    return checked


def header_names(headers: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    return tuple(name for name, _ in headers)


def redact(
    headers: Iterable[tuple[str, str]], secret_names: frozenset[str]
) -> tuple[tuple[str, str], ...]:
    """The headers with the value of each secret one (lower-case names) replaced by REDACTED."""
    return tuple(
        (name, REDACTED if name.lower() in secret_names else value) for name, value in headers
    )


def _shown(name: str) -> str:
    """A name that is not one, shortened: it may be half a secret pasted in the wrong place."""
    name = name.replace("\r", " ").replace("\n", " ")
    return name if len(name) <= 40 else name[:20] + "…"
