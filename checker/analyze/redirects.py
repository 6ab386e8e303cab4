"""Redirects: does plain HTTP lead straight to HTTPS, and does any hop fall back to HTTP?

The way to HTTPS is judged for every named host. When the main chain starts at ``http://`` (the
user typed a bare name, as a browser would, or typed ``http://``) its first hop shows it; when it
starts on HTTPS, the engine asks ``http://host/`` on its own (``Observation.http_chain``), as a
visitor who types the name gets it. Either way the first hop must move visitors to HTTPS at once
and on the same host — the host whose HSTS header a browser can then remember. A site that stays
on plain HTTP is asked ``https://host/`` too, so "no redirect" and "no HTTPS at all" are told
apart.
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
    http_hops = list(_hops(observation.http_chain))
    return [
        *_judge_way_to_https(observation, hops, http_hops),
        *_judge_downgrades(hops + http_hops),
        *_judge_end(chain, hops),
    ]


def _judge_way_to_https(
    observation: Observation,
    hops: list[tuple[Exchange, str | None]],
    http_hops: list[tuple[Exchange, str | None]],
) -> Iterator[Finding]:
    chain = observation.chain
    if chain[0].request.url.startswith("http://"):
        no_https = _no_https(observation, hops)
        if no_https is not None:
            yield no_https
        else:
            yield from _judge_first_hop(chain, hops, observation.https_probe)
    elif observation.http_chain:
        first = observation.http_chain[0]
        if first.response is not None:
            yield from _judge_first_hop(observation.http_chain, http_hops)
        elif not first.timed_out:  # one that ran out of time is listed as not judged
            yield finding(
                "https.http-not-served",
                f"{short(_host(first.request.url))} does not answer plain HTTP, so there is "
                "nothing to redirect",
                (first.probe,),
                (("url", quote(first.request.url)), ("error", quote(first.error or ""))),
            )
    elif observation.http_not_probed is not None:
        yield finding(
            "https.http-not-checked",
            "The way from plain HTTP to HTTPS was not checked",
            (chain[0].probe,),
            (("why", quote(observation.http_not_probed)),),
        )


def _reaches_https(hops: list[tuple[Exchange, str | None]], chain: tuple[Exchange, ...]) -> bool:
    urls = [e.request.url for e in chain] + [d or "" for _, d in hops]
    return any(url.startswith("https://") for url in urls)


def _no_https(observation: Observation, hops: list[tuple[Exchange, str | None]]) -> Finding | None:
    """The finding for a site that stays on plain HTTP and whose ``https://`` does not answer."""
    probe = observation.https_probe
    if probe is None or probe.response is not None or probe.timed_out:
        return None
    if _reaches_https(hops, observation.chain):
        return None
    host = _host(probe.request.url)
    return finding(
        "https.not-available",
        f"{short(host)} has no working HTTPS: every visit travels as plain HTTP, which anyone "
        "on the network can read and change",
        (observation.chain[0].probe, probe.probe),
        (("url", quote(probe.request.url)), ("error", quote(probe.error or ""))),
    )


def _judge_first_hop(
    chain: tuple[Exchange, ...],
    hops: list[tuple[Exchange, str | None]],
    https_probe: Exchange | None = None,
) -> Iterator[Finding]:
    first = chain[0]
    start = first.request.url
    if not start.startswith("http://") or first.response is None:
        return
    # Where the chain leads: its last answer, or where its last redirect points when it ends on
    # one (the plain-HTTP probe stops before a URL the main chain has already fetched).
    final_url = chain[-1].request.url
    if hops and hops[-1][0] is chain[-1] and hops[-1][1] is not None:
        final_url = hops[-1][1]
    if not first.response.is_redirect:
        cite: tuple[str, ...] = (first.probe,)
        facts = (("url", quote(start)), ("status", str(first.response.status)))
        if https_probe is not None and https_probe.response is not None:
            # HTTPS is there: the fix is only the redirect.
            cite += (https_probe.probe,)
            answer = f"{quote(https_probe.request.url)} answers {https_probe.response.status}"
            facts += (("https", answer),)
        yield finding(
            "redirect.missing",
            "Plain HTTP answers with the page itself instead of redirecting to HTTPS",
            cite,
            facts,
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
