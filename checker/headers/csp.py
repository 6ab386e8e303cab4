"""Content-Security-Policy, parsed the way CSP Level 3 tells browsers to.

A header value is a list of policies separated by ``,``; each policy is a list of directives
separated by ``;``; a directive is a lower-cased name followed by source expressions separated by
whitespace. When a directive name repeats, the first one counts and the rest are ignored. Nothing
here raises: text outside the grammar is recorded in ``problems``.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

_WHITESPACE = "\t\n\f\r "
_DIRECTIVE_NAME = re.compile(r"[a-z0-9-]+")
# Printable ASCII minus ";" and ",": what the grammar allows inside a directive value.
_VALUE_CHARS = re.compile(r"[\x21-\x2b\x2d-\x3a\x3c-\x7e]*")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:")
_HOST_SOURCE = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://)?"  # scheme
    r"(?:\*|(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?)"  # host, with an optional leading wildcard
    r"(?::(?:[0-9]+|\*))?"  # port
    r"(?:/[^\s;,]*)?"  # path
)
_NONCE = re.compile(r"'nonce-[a-z0-9+/_=-]+'")
_HASH = re.compile(r"'sha(?:256|384|512)-[a-z0-9+/_=-]+'")

KEYWORDS = frozenset(
    {
        "'self'",
        "'none'",
        "'unsafe-inline'",
        "'unsafe-eval'",
        "'unsafe-hashes'",
        "'strict-dynamic'",
        "'report-sample'",
        "'wasm-unsafe-eval'",
        "'unsafe-allow-redirects'",
        "'inline-speculation-rules'",
        "'trusted-types-eval'",
        "'report-sha256'",
        "'report-sha384'",
        "'report-sha512'",
    }
)
# Keywords written without their quotes are host names to a browser — a common slip.
UNQUOTED_KEYWORDS = frozenset(k.strip("'") for k in KEYWORDS)

KNOWN_DIRECTIVES = frozenset(
    {
        "default-src",
        "script-src",
        "script-src-elem",
        "script-src-attr",
        "style-src",
        "style-src-elem",
        "style-src-attr",
        "img-src",
        "font-src",
        "connect-src",
        "media-src",
        "object-src",
        "frame-src",
        "child-src",
        "worker-src",
        "manifest-src",
        "prefetch-src",
        "fenced-frame-src",
        "base-uri",
        "form-action",
        "frame-ancestors",
        "sandbox",
        "plugin-types",
        "navigate-to",
        "report-uri",
        "report-to",
        "upgrade-insecure-requests",
        "block-all-mixed-content",
        "require-trusted-types-for",
        "trusted-types",
        "require-sri-for",
        "webrtc",
        "referrer",
    }
)


class SourceKind(enum.StrEnum):
    KEYWORD = "keyword"  # 'self', 'unsafe-inline', ...
    NONCE = "nonce"
    HASH = "hash"
    WILDCARD = "wildcard"  # a bare *
    SCHEME = "scheme"  # https:, data:, ...
    HOST = "host"  # example.com, https://*.example.com:443/path
    UNQUOTED_KEYWORD = "unquoted-keyword"  # self, unsafe-inline: taken as host names
    INVALID = "invalid"  # nothing a browser can match


def classify(source: str) -> SourceKind:
    lower = source.lower()
    if lower in KEYWORDS:
        return SourceKind.KEYWORD
    if _NONCE.fullmatch(lower):
        return SourceKind.NONCE
    if _HASH.fullmatch(lower):
        return SourceKind.HASH
    if lower == "*":
        return SourceKind.WILDCARD
    if lower in UNQUOTED_KEYWORDS:
        return SourceKind.UNQUOTED_KEYWORD
    if _SCHEME.fullmatch(lower):
        return SourceKind.SCHEME
    if _HOST_SOURCE.fullmatch(lower):
        return SourceKind.HOST
    return SourceKind.INVALID


@dataclass(frozen=True)
class Directive:
    name: str  # lower case
    sources: tuple[str, ...]  # as written, in order

    def has(self, keyword: str) -> bool:
        """Whether a keyword such as ``'unsafe-inline'`` is present (keywords ignore case)."""
        return keyword in (s.lower() for s in self.sources)

    def of_kind(self, *kinds: SourceKind) -> tuple[str, ...]:
        return tuple(s for s in self.sources if classify(s) in kinds)


@dataclass(frozen=True)
class Policy:
    text: str
    directives: tuple[Directive, ...]  # the first occurrence of each name, in order
    duplicates: tuple[str, ...] = ()  # names that appeared again (ignored by browsers)
    problems: tuple[str, ...] = ()  # text outside the grammar

    def get(self, name: str) -> Directive | None:
        for directive in self.directives:
            if directive.name == name:
                return directive
        return None

    def fallback(self, *names: str) -> Directive | None:
        """The first of ``names`` the policy has: how fetch directives fall back."""
        for name in names:
            directive = self.get(name)
            if directive is not None:
                return directive
        return None

    @property
    def unknown(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.directives if d.name not in KNOWN_DIRECTIVES)


def parse_policy(text: str) -> Policy:
    directives: list[Directive] = []
    seen: set[str] = set()
    duplicates: list[str] = []
    problems: list[str] = []
    for token in text.split(";"):
        token = token.strip(_WHITESPACE)
        if not token:
            continue
        parts = [p for p in re.split(r"[\t\n\f\r ]+", token) if p]
        name = parts[0].lower()
        if not _DIRECTIVE_NAME.fullmatch(name):
            problems.append(f"“{name}” is not a directive name")
            continue
        if not all(_VALUE_CHARS.fullmatch(p) for p in parts[1:]):
            problems.append(f"{name} holds characters outside printable ASCII")
        if name in seen:
            duplicates.append(name)
            continue
        seen.add(name)
        directives.append(Directive(name, tuple(parts[1:])))
    return Policy(text, tuple(directives), tuple(dict.fromkeys(duplicates)), tuple(problems))


def parse_header(value: str) -> tuple[Policy, ...]:
    """Every policy in one header value; policies without any directive are dropped."""
    policies = (parse_policy(part) for part in value.split(","))
    return tuple(p for p in policies if p.directives or p.problems)


def parse_headers(values: list[str]) -> tuple[Policy, ...]:
    """All policies from every header field of one kind, in order."""
    return tuple(policy for value in values for policy in parse_header(value))


def nonces(policies: tuple[Policy, ...]) -> frozenset[str]:
    """Every nonce value the policies name (``'nonce-abc'`` gives ``abc``), as written."""
    return frozenset(
        source[len("'nonce-") : -1]
        for policy in policies
        for directive in policy.directives
        for source in directive.of_kind(SourceKind.NONCE)
    )
