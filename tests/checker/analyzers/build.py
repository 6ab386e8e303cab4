"""Observations built by hand, so analyzer tests need no network."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from checker.model import Exchange, Finding, Observation, Request, Response, Target

HeaderList = Sequence[tuple[str, str]]


def exchange(
    url: str = "https://example.com/",
    headers: HeaderList = (),
    *,
    status: int = 200,
    body: str = "",
    probe: str = "main.0",
) -> Exchange:
    return Exchange(
        probe=probe,
        request=Request("GET", url),
        response=Response(status=status, headers=tuple(headers), body=body),
    )


def redirect(url: str, location: str, *, probe: str, status: int = 301, headers: HeaderList = ()):
    return exchange(url, (("Location", location), *headers), status=status, probe=probe)


def target(url: str) -> Target:
    parts = urlsplit(url)
    scheme = parts.scheme
    port = parts.port or (443 if scheme == "https" else 80)
    return Target(url, scheme, parts.hostname or "", port, parts.path or "/")


def chain(*hops: Exchange) -> Observation:
    return Observation(target=target(hops[0].request.url), chain=tuple(hops))


def page(
    headers: HeaderList = (),
    *,
    url: str = "https://example.com/",
    body: str = "",
    status: int = 200,
) -> Observation:
    """A one-hop chain: the final page answered directly."""
    return chain(exchange(url, headers, status=status, body=body))


def ids(findings: Iterable[Finding]) -> list[str]:
    return sorted(f.id for f in findings)


def only(findings: Iterable[Finding], finding_id: str) -> Finding:
    findings = list(findings)
    matches = [f for f in findings if f.id == finding_id]
    assert len(matches) == 1, f"expected one {finding_id}, got {ids(findings)}"
    return matches[0]


def fact(finding: Finding, name: str) -> list[str]:
    return [value for key, value in finding.facts if key == name]
