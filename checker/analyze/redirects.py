"""Redirects: does plain HTTP lead straight to HTTPS, and does any hop fall back to HTTP?

The chain starts at ``http://`` when the user typed a bare name (as a browser would), so the first
hop shows whether visitors who type the name are moved to HTTPS at once and on the same host —
the host whose HSTS header a browser can then remember.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import httpx

from checker.analyze.evidence import quote, short
from checker.findings import finding
from checker.model import Exchange, Finding, Observation
from checker.target import LocationError, resolve_location


def _resolve(base: str, location: str) -> str | None:
    """The absolute http(s) URL a Location points to, or None when a browser could not follow."""
    try:
        return resolve_location(base, location)
    except LocationError:
        return None


def _location_problem(base: str, location: str) -> str:
    try:
        resolve_location(base, location)
    except LocationError as exc:
        return exc.reason
    return ""


def _host(url: str) -> str:
    try:
        return httpx.URL(url).host
    except (httpx.InvalidURL, ValueError, UnicodeError, TypeError):
        return ""


def _hops(chain: tuple[Exchange, ...]) -> Iterator[tuple[Exchange, str | None]]:
    """Each redirecting exchange with where it sends the browser (None: nowhere valid)."""
    for index, exchange in enumerate(chain):
        response = exchange.response
        if response is None or not response.is_redirect:
            continue
        if index + 1 < len(chain):
            yield exchange, chain[index + 1].request.url
        else:
            yield exchange, _resolve(exchange.request.url, response.header("location") or "")


def analyze(observation: Observation) -> Iterable[Finding]:
    chain = observation.chain
    if not chain:
        return ()
    hops = list(_hops(chain))
    return [*_judge_first_hop(chain, hops), *_judge_downgrades(hops), *_judge_end(chain, hops)]


def _judge_first_hop(
    chain: tuple[Exchange, ...], hops: list[tuple[Exchange, str | None]]
) -> Iterator[Finding]:
    first = chain[0]
    start = first.request.url
    if not start.startswith("http://") or first.response is None:
        return
    final_url = chain[-1].request.url
    if not first.response.is_redirect:
        yield finding(
            "redirect.missing",
            "Plain HTTP answers with the page itself instead of redirecting to HTTPS",
            (first.probe,),
            (("url", quote(start)), ("status", str(first.response.status))),
        )
        return
    destination = hops[0][1] if hops else None
    facts = (("from", quote(start)), ("to", quote(destination or "")))
    if destination is not None and destination.startswith("https://"):
        if _host(destination) == _host(start):
            yield finding(
                "redirect.https",
                "Plain HTTP redirects straight to HTTPS on the same host",
                (first.probe,),
                facts,
            )
        else:
            yield finding(
                "redirect.https-other-host",
                f"Plain HTTP redirects to HTTPS on another host ({short(_host(destination))}), so "
                f"{short(_host(start))} never gets to set HSTS for itself",
                (first.probe,),
                facts,
            )
    elif final_url.startswith("https://"):
        yield finding(
            "redirect.https-not-first",
            "Plain HTTP reaches HTTPS only after another plain-HTTP hop",
            tuple(e.probe for e in chain),
            facts + (("final", quote(final_url)),),
        )
    else:
        yield finding(
            "redirect.not-to-https",
            "Plain HTTP redirects, but never to HTTPS",
            tuple(e.probe for e in chain),
            facts + (("final", quote(final_url)),),
        )


def _judge_downgrades(hops: list[tuple[Exchange, str | None]]) -> Iterator[Finding]:
    downgrades = [
        (exchange, destination)
        for exchange, destination in hops
        if exchange.request.url.startswith("https://")
        and destination is not None
        and destination.startswith("http://")
    ]
    if downgrades:
        exchange, destination = downgrades[0]
        yield finding(
            "redirect.downgrade",
            "A redirect sends visitors from HTTPS back to plain HTTP",
            tuple(e.probe for e, _ in downgrades),
            tuple(
                fact
                for e, d in downgrades
                for fact in (("from", quote(e.request.url)), ("to", quote(d or "")))
            ),
        )


def _judge_end(
    chain: tuple[Exchange, ...], hops: list[tuple[Exchange, str | None]]
) -> Iterator[Finding]:
    """A chain that stops on a redirect: its Location is unusable, or there were too many hops."""
    last = chain[-1]
    if last.response is None or not last.response.is_redirect:
        return
    location = last.response.header("location") or ""
    destination = hops[-1][1] if hops else None
    if destination is None:
        yield finding(
            "redirect.invalid-location",
            f"The redirect's Location “{short(location)}” is not a usable URL",
            (last.probe,),
            (
                ("location", quote(location)),
                ("why", quote(_location_problem(last.request.url, location))),
                ("status", str(last.response.status)),
            ),
        )
    else:
        yield finding(
            "redirect.too-many",
            f"The page was not reached after {len(chain)} redirects",
            (last.probe,),
            (("redirects", str(len(chain))), ("next", quote(destination))),
        )
