"""Permissions-Policy: an RFC 9651 dictionary from feature names to allowlists.

``geolocation=()`` turns a feature off, ``camera=(self "https://a.example")`` allows the page and
one origin, ``fullscreen=*`` allows every origin. An allowlist member that is not ``*``, ``self``,
``src`` or a quoted origin is skipped by browsers; a field that is not a valid dictionary is
ignored whole. Parsing is done by ``http_sf``.
"""

from __future__ import annotations

from dataclasses import dataclass

import http_sf

_KEYWORDS = frozenset({"*", "self", "src"})


@dataclass(frozen=True)
class PermissionsPolicy:
    features: tuple[tuple[str, tuple[str, ...]], ...]  # feature name, allowlist members
    invalid: tuple[tuple[str, str], ...]  # feature name, member browsers skip
    error: str | None = None  # why the whole field is not a dictionary; features are then empty

    @property
    def valid(self) -> bool:
        return self.error is None


def _member(item: object) -> str | None:
    if isinstance(item, http_sf.Token):
        text = str(item)
        return text if text in _KEYWORDS else None
    if isinstance(item, str) and item.startswith(("https://", "http://")):
        return item
    return None


def parse(value: str) -> PermissionsPolicy:
    try:
        parsed = http_sf.parse(value.encode("utf-8", "replace"), tltype="dictionary")
    except (http_sf.StructuredFieldError, ValueError, TypeError, IndexError) as exc:
        return PermissionsPolicy((), (), str(exc) or type(exc).__name__)
    features: list[tuple[str, tuple[str, ...]]] = []
    invalid: list[tuple[str, str]] = []
    for name, (item, _params) in parsed.items():
        items = [member for member, _ in item] if isinstance(item, list) else [item]
        allowed: list[str] = []
        for raw in items:
            member = _member(raw)
            if member is None:
                invalid.append((name, str(raw)))
            else:
                allowed.append(member)
        features.append((name, tuple(allowed)))
    return PermissionsPolicy(tuple(features), tuple(invalid))
