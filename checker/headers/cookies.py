"""Set-Cookie, parsed leniently the way RFC 6265bis tells browsers to.

Each header field is one cookie. The text before the first ``;`` is the name and value (split at
the first ``=``; with no ``=`` the name is empty); the rest are attributes, matched without case,
the last occurrence of each winning. A line a browser would drop entirely gets a ``rejected``
reason instead of raising.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WSP = " \t"
# Control characters other than horizontal tab make browsers drop the whole line.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
MAX_NAME_VALUE = 4096
MAX_ATTRIBUTE_VALUE = 1024


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
    if not name and not value:
        return SetCookie(line, name, value, rejected="it has neither a name nor a value")
    if len(name) + len(value) > MAX_NAME_VALUE:
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
