"""Set-Cookie, parsed leniently the way RFC 6265bis tells browsers to.

Each header field is one cookie. The text before the first ``;`` is the name and value (split at
the first ``=``; with no ``=`` the name is empty); the rest are attributes, matched without case,
the last occurrence of each winning. A line a browser would drop entirely gets a ``rejected``
reason instead of raising.

Reports are public to anyone with the link, and a cookie's value is often a session token, so
the engine stores every Set-Cookie line (and the Cookie header it sends back on later requests)
with each value replaced by a marker such as ``<redacted: 6 bytes>`` (``redact_headers``). The
marker keeps what the analyzers need: the parser reads the value's length and whether it held
control characters from it, so a redacted line is judged exactly as the original was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from checker.request_headers import REDACTED

_WSP = " \t"
# Control characters other than horizontal tab make browsers drop the whole line.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
MAX_NAME_VALUE = 4096
MAX_ATTRIBUTE_VALUE = 1024
SET_COOKIE_HEADERS = ("set-cookie", "set-cookie2")
_REDACTED = re.compile(r"<redacted: ([0-9]+) bytes?( with control characters)?>")


@dataclass(frozen=True)
class SetCookie:
    raw: str
    name: str
    value: str
    attributes: tuple[tuple[str, str], ...] = ()  # (lower-case name, value) in order; flags: ""
    rejected: str | None = None  # why a browser would ignore the whole line

    def attribute(self, name: str) -> str | None:
        """The value of the last attribute with this (lower-case) name, or None."""
        for key, value in reversed(self.attributes):
            if key == name:
                return value
        return None

    def has(self, name: str) -> bool:
        return any(key == name for key, _ in self.attributes)

    @property
    def secure(self) -> bool:
        return self.has("secure")

    @property
    def http_only(self) -> bool:
        return self.has("httponly")

    @property
    def same_site(self) -> str | None:
        return self.attribute("samesite")

    @property
    def domain(self) -> str | None:
        value = self.attribute("domain")
        return value if value else None  # an empty Domain attribute is ignored

    @property
    def path(self) -> str | None:
        return self.attribute("path")

    @property
    def max_age(self) -> str | None:
        return self.attribute("max-age")


def parse_set_cookie(line: str) -> SetCookie:
    if _FORBIDDEN.search(line):
        return SetCookie(line, "", "", rejected="it contains control characters")
    pair, _, rest = line.partition(";")
    if "=" in pair:
        name, _, value = pair.partition("=")
    else:
        name, value = "", pair
    name, value = name.strip(_WSP), value.strip(_WSP)
    value_length = len(value)
    redacted = _REDACTED.fullmatch(value)
    if redacted is not None:  # judged as the value it stands for
        if redacted.group(2):
            return SetCookie(line, "", "", rejected="it contains control characters")
        value_length = int(redacted.group(1))
    if not name and not value_length:
        return SetCookie(line, name, value, rejected="it has neither a name nor a value")
    if len(name) + value_length > MAX_NAME_VALUE:
        return SetCookie(
            line, name, value, rejected=f"its name and value exceed {MAX_NAME_VALUE} bytes"
        )
    attributes: list[tuple[str, str]] = []
    for part in rest.split(";") if rest else ():
        key, _, attribute_value = part.partition("=")
        key, attribute_value = key.strip(_WSP).lower(), attribute_value.strip(_WSP)
        if not key or len(attribute_value) > MAX_ATTRIBUTE_VALUE:
            continue  # browsers skip such attributes, not the cookie
        attributes.append((key, attribute_value))
    return SetCookie(line, name, value, tuple(attributes))


def redact_set_cookie(line: str) -> str:
    """The line with the cookie's value replaced by ``<redacted: N bytes>``; name and attributes
    stay as they were. An empty value and a line already redacted are left alone, and so is a
    Cookie header the user gave, whose value is ``<redacted>`` whole."""
    pair, semicolon, rest = line.partition(";")
    name, equals, value = pair.partition("=") if "=" in pair else ("", "", pair)
    stripped = value.strip(_WSP)
    if not stripped or _REDACTED.fullmatch(stripped) or line.strip(_WSP) == REDACTED:
        return line
    marker = f"<redacted: {len(stripped)} byte{'' if len(stripped) == 1 else 's'}"
    if _FORBIDDEN.search(stripped):
        marker += " with control characters"
    return f"{name}{equals}{marker}>{semicolon}{rest}"


def redact_cookie_header(value: str) -> str:
    """A request's Cookie header (``a=1; b=2``: the values the client sends back) redacted the
    same way, pair by pair."""
    return "; ".join(redact_set_cookie(pair.strip(_WSP)) for pair in value.split(";"))


def redact_headers(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Request or response headers with every cookie value redacted, everything else untouched."""
    redacted = []
    for key, value in headers:
        lower = key.lower()
        if lower in SET_COOKIE_HEADERS:
            value = redact_set_cookie(value)
        elif lower == "cookie":
            value = redact_cookie_header(value)
        redacted.append((key, value))
    return tuple(redacted)


def redact_report_data(data: dict[str, Any]) -> dict[str, Any]:
    """A stored report (``Report.to_dict()`` JSON) with cookie values redacted, in place and
    returned: every exchange's request and response headers, and the Set-Cookie lines findings
    quote."""
    for exchange in data.get("exchanges") or ():
        for part in (exchange.get("request"), exchange.get("response")):
            if part and part.get("headers"):
                part["headers"] = [list(pair) for pair in redact_headers(part["headers"])]
    for finding in data.get("findings") or ():
        finding["facts"] = [
            [key, redact_set_cookie(value) if key == "set-cookie" else value]
            for key, value in finding.get("facts") or ()
        ]
    return data
