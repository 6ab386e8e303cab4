"""Strict-Transport-Security (RFC 6797, section 6.1): directives separated by ``;``.

Browsers ignore the whole header when it breaks the grammar: a missing or non-numeric max-age, a
directive given twice, a value that is neither a token nor a quoted string. ``problems`` lists
those reasons; an empty tuple means a browser would accept the header.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

# RFC 9110 token characters.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_DIGITS = re.compile(r"[0-9]+")
_OWS = " \t"
# Past this many digits the exact number no longer matters (browsers cap max-age far below it),
# and int() on thousands of digits is slow or refused.
_MAX_DIGITS = 18
KNOWN_DIRECTIVES = ("max-age", "includesubdomains", "preload")


@dataclass(frozen=True)
class HstsHeader:
    directives: tuple[tuple[str, str | None], ...]  # lower-case names, unquoted values, in order
    max_age: int | None
    include_subdomains: bool
    preload: bool
    problems: tuple[str, ...]  # why a browser would ignore the header; empty when it is valid
    unknown: tuple[str, ...]  # directive names browsers skip over

    @property
    def valid(self) -> bool:
        return not self.problems


def _unquote(text: str) -> str | None:
    """The content of a quoted-string, or None when the quotes do not close properly."""
    out: list[str] = []
    escaped = False
    for index, ch in enumerate(text[1:], start=1):
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            return "".join(out) if index == len(text) - 1 else None
        else:
            out.append(ch)
    return None


def _split_directive(part: str) -> tuple[str, str | None, str | None]:
    """(name, value, problem) for one ``name[=value]`` piece."""
    name, sep, raw_value = part.partition("=")
    name = name.strip(_OWS)
    if not _TOKEN.fullmatch(name):
        return name.lower(), None, f"directive name “{name}” is not a valid token"
    if not sep:
        return name.lower(), None, None
    raw_value = raw_value.strip(_OWS)
    if raw_value.startswith('"'):
        value = _unquote(raw_value)
        if value is None:
            return name.lower(), raw_value, f"the quoted value of {name} does not close properly"
        return name.lower(), value, None
    if not _TOKEN.fullmatch(raw_value):
        return name.lower(), raw_value, f"the value of {name} is not a valid token"
    return name.lower(), raw_value, None


def parse(value: str) -> HstsHeader:
    directives: list[tuple[str, str | None]] = []
    problems: list[str] = []
    for part in value.split(";"):
        if not part.strip(_OWS):
            continue  # the grammar allows empty directives
        name, directive_value, problem = _split_directive(part)
        if problem:
            problems.append(problem)
        directives.append((name, directive_value))

    names = [name for name, _ in directives]
    for name, count in Counter(names).items():
        if count > 1:
            problems.append(f"{name} appears {count} times")

    values = dict(reversed(directives))  # the first occurrence of each name
    max_age: int | None = None
    if "max-age" not in values:
        problems.append("max-age is missing")
    else:
        raw = (values["max-age"] or "").strip()
        if not _DIGITS.fullmatch(raw):
            problems.append("max-age is not a whole number of seconds")
        else:
            max_age = int(raw) if len(raw) <= _MAX_DIGITS else 10**_MAX_DIGITS
    if values.get("includesubdomains") is not None:
        problems.append("includeSubDomains takes no value")

    return HstsHeader(
        directives=tuple(directives),
        max_age=max_age,
        include_subdomains="includesubdomains" in values,
        preload="preload" in values,
        problems=tuple(dict.fromkeys(problems)),
        unknown=tuple(n for n in dict.fromkeys(names) if n not in KNOWN_DIRECTIVES),
    )
