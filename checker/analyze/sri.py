"""Subresource Integrity: do scripts and stylesheets from other sites carry an ``integrity`` hash?

A ``<script src>`` or ``<link rel=stylesheet>`` from another origin runs with the page's full
power; if that server (a CDN, a widget vendor) is broken into, every page that loads it is too.
An ``integrity`` attribute makes the browser refuse a file whose hash changed. Read from the
page's capped HTML body with the standard library's parser; what lies past the cap is not seen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from checker.analyze.evidence import final_response, plural, quote
from checker.findings import finding
from checker.model import Finding, Observation

FACT_LIMIT = 10  # resources named in a finding's facts; the count says how many there were
_FEED_SLICE = 8192
# A browser uses the integrity attribute only when it holds a hash it knows.
_KNOWN_HASH = re.compile(r"sha(?:256|384|512)-[A-Za-z0-9+/_=-]+")


@dataclass(frozen=True)
class Subresource:
    tag: str  # "script" or "stylesheet"
    url: str  # as written in the page
    integrity: str | None


class _Subresources(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Subresource] = []
        self.base: str | None = None  # the first <base href>: relative URLs resolve against it

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in reversed(attrs)}
        if tag == "base" and self.base is None and "href" in values:
            self.base = values["href"].strip()
        elif tag == "script" and values.get("src", "").strip():
            self.found.append(Subresource("script", values["src"].strip(), values.get("integrity")))
        elif tag == "link" and "stylesheet" in values.get("rel", "").lower().split():
            href = values.get("href", "").strip()
            if href:
                self.found.append(Subresource("stylesheet", href, values.get("integrity")))

    handle_startendtag = handle_starttag


def subresources(html: str) -> tuple[list[Subresource], str | None]:
    """Scripts and stylesheets with a URL, in document order, and the page's ``<base href>``."""
    parser = _Subresources()
    try:
        for start in range(0, len(html), _FEED_SLICE):
            parser.feed(html[start : start + _FEED_SLICE])
        parser.close()
    except Exception:  # noqa: BLE001 - a hostile page must not stop the scan; keep what was read
        pass
    return parser.found, parser.base


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


def _resolve(base: str, url: str) -> str | None:
    try:
        return urljoin(base, url)
    except ValueError:
        return None


def has_integrity(value: str | None) -> bool:
    return value is not None and any(_KNOWN_HASH.match(token) for token in value.split())


def analyze(observation: Observation) -> Iterable[Finding]:
    found = final_response(observation)
    if found is None or not found[1].body:
        return ()
    final, response = found
    page = final.request.url
    resources, base = subresources(response.body)
    base_url = _resolve(page, base) if base else page
    own = _origin(page)
    if own is None or base_url is None:
        return ()

    foreign: list[tuple[Subresource, str]] = []
    for resource in resources:
        url = _resolve(base_url, resource.url)
        origin = _origin(url) if url else None
        if origin is not None and origin != own:
            foreign.append((resource, url))
    if not foreign:
        return ()

    missing = [(r, url) for r, url in foreign if not has_integrity(r.integrity)]
    insecure = [(r, url) for r, url in missing if url.startswith("http://")]
    secure = [(r, url) for r, url in missing if not url.startswith("http://")]
    cite = (final.probe,)
    cut = (("body", "only the first part of the page was read"),) if response.body_truncated else ()
    findings: list[Finding] = []
    if insecure:
        mixed = page.startswith("https://")
        findings.append(
            finding(
                "sri.missing-insecure",
                f"{_counted(insecure)} from other sites load over plain HTTP without integrity, "
                + (
                    "mixed content on an HTTPS page: browsers block it or anyone on the network "
                    "can replace it"
                    if mixed
                    else "so anyone on the network can replace what runs in the page"
                ),
                cite,
                _facts(insecure, written=True) + cut,
            )
        )
    if secure:
        findings.append(
            finding(
                "sri.missing",
                f"{_counted(secure)} from other sites load without integrity, so whoever "
                "controls those servers controls this page",
                cite,
                _facts(secure) + cut,
            )
        )
    if not missing:
        findings.append(
            finding(
                "sri.ok",
                f"Every script and stylesheet from another site ({len(foreign)}) carries an "
                "integrity hash",
                cite,
                _facts(foreign) + cut,
            )
        )
    return findings


def _counted(resources: list[tuple[Subresource, str]]) -> str:
    scripts = sum(1 for r, _ in resources if r.tag == "script")
    sheets = len(resources) - scripts
    parts = [plural(scripts, "script")] if scripts else []
    parts += [plural(sheets, "stylesheet")] if sheets else []
    return " and ".join(parts)


def _facts(resources: list[tuple[Subresource, str]], written: bool = False) -> tuple:
    """The first resources, each as ``<tag> url``; ``written`` adds the URL as the page wrote it
    when it differs (a protocol-relative ``//cdn…`` that became ``http://`` on an HTTP page)."""
    facts = []
    for resource, url in resources[:FACT_LIMIT]:
        shown = url if not written or resource.url == url else f"{url} (written {resource.url})"
        facts.append((resource.tag, quote(shown)))
    return (("count", str(len(resources))), *facts)
