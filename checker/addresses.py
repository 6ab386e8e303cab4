"""Every address of a name: the final URL and its CORS probes again on each of the host's others.

A name with several A/AAAA records is often a load balancer in front of several servers, and one
of them can be stale: an old deployment that still reflects any origin, a node where HSTS was
never set. The scan proper talks to the first address the guard checked; here each other one
(up to ``Options.max_addresses`` in all) gets the final URL's GET and its CORS probes, pinned to
that address with the real name kept for Host and SNI, all at once. The analyzers judge what each
address answered, the worst answer counts (``merge``), and whatever an address answered unlike
the first — a CORS header on a probe, a security header or the status of the page — is the
finding ``site.addresses-differ``, which names the addresses (``differences``).

Pure functions apart from ``probe_others``; the engine calls them in that order.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import httpx

from checker import netguard
from checker.analyze.evidence import quote
from checker.findings import CATALOGUE, finding
from checker.model import (
    AddressDifference,
    AddressResult,
    Exchange,
    Finding,
    Observation,
    Options,
    Severity,
)
from checker.retrieve import ACCEPT_HTML, Retrieved, Session, Walked, _cors_probes, _origin

DIFFER = "site.addresses-differ"

# What is compared on the final page: its status and these headers. Cookies, dates and bodies
# change from one answer to the next on any server; these should not.
PAGE_HEADERS = (
    "strict-transport-security",
    "content-security-policy",
    "content-security-policy-report-only",
    "x-frame-options",
    "x-content-type-options",
    "referrer-policy",
    "permissions-policy",
    "cross-origin-opener-policy",
    "cross-origin-embedder-policy",
    "cross-origin-resource-policy",
)
# What is compared on every CORS probe (and the page): its status and these headers.
CORS_HEADERS = (
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-expose-headers",
    "access-control-max-age",
    "access-control-allow-private-network",
)
STATUS = "status"
# A nonce is new on every answer by design: compared without its value.
_NONCE = re.compile(r"'nonce-[^']*'", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
MAX_FACTS = 12  # lines of the difference finding; the table of addresses shows every one


@dataclass(frozen=True)
class AddressScan:
    """What one other address answered: its observation (the scan's, with this address's page
    and probes in place of the first's), or None when the page got no answer there."""

    address: str
    exchanges: tuple[Exchange, ...]  # with the scan's probe ids, not yet renamed
    observation: Observation | None
    error: str | None = None
    timed_out: bool = False  # the page ran out of time there (the scan's deadline, or its own)


@dataclass(frozen=True)
class Others:
    first: str | None = None  # the scan's own address, None when the host has only one
    scans: tuple[AddressScan, ...] = ()
    not_probed: tuple[str, ...] = ()  # left out by the cap
    requests_sent: int = 0


def probe_id(address: str, probe: str) -> str:
    """The id of a probe sent to another address, as the report stores it: ``127.0.0.4/cors.x``.
    It starts with the address, so it is never read as one of the first address's probes."""
    return f"{address}/{probe}"


def scan_probe(probe: str) -> str:
    """The scan's own probe id behind one sent to another address (``cors.x`` for
    ``127.0.0.4/cors.x``); any other id as it is."""
    return probe.split("/", 1)[1] if "/" in probe else probe


def _final_host(observation: Observation) -> str | None:
    try:
        return httpx.URL(observation.final_url).raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError):
        return None


async def probe_others(
    observation: Observation,
    retrieved: Retrieved,
    options: Options,
    *,
    verify: bool,
    deadline_at: float | None,
) -> Others:
    """The final URL and its CORS probes on each of the final host's other addresses, at once.

    Nothing when the scan has no final page, or its host has one address. Every address was
    checked by the guard when the name was resolved; each is pinned here for its own session, so
    nothing else is connected to."""
    final = observation.final
    if final.response is None or final.response.is_redirect:
        return Others()
    host = _final_host(observation)
    resolved = retrieved.resolved.get(host) if host else None
    if resolved is None or len(resolved.addresses) < 2:
        return Others()
    first, *rest = (str(address) for address in resolved.addresses)
    port = httpx.URL(observation.final_url).port or (443 if observation.is_https else 80)
    # An address this machine has no route to (IPv6 on a worker with IPv4 only) would fail on
    # our side, not the site's: it is left out, like those beyond the limit.
    routable = [address for address in rest if has_route(address, port)]
    room = max(0, options.max_addresses - 1)
    probed = routable[:room]
    skipped = [address for address in rest if address not in probed]
    # The extra request headers go where the scan's own final page got them, and only there.
    credentialed = (
        bool(options.request_headers) and verify and retrieved.request_headers_note is None
    )
    results = await asyncio.gather(
        *(
            _probe_one(observation, host, address, options, verify, deadline_at, credentialed)
            for address in probed
        )
    )
    scans = tuple(scan for scan, _ in results)
    return Others(first, scans, tuple(skipped), sum(sent for _, sent in results))


def has_route(address: str, port: int) -> bool:
    """Whether this machine could send to the address at all: connecting a UDP socket picks a
    route and a source address and sends nothing."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect((address, port))
    except OSError:
        return False
    return True


async def _probe_one(
    observation: Observation,
    host: str,
    address: str,
    options: Options,
    verify: bool,
    deadline_at: float | None,
    credentialed: bool,
) -> tuple[AddressScan, int]:
    final = observation.final
    credential_origin = _origin(observation.target.url)  # as retrieve's own session has it
    # The progress the caller sees is the first address's: the others go quietly beside it.
    quiet = replace(options, progress=None)
    async with Session(
        quiet, verify=verify, deadline_at=deadline_at, credential_origin=credential_origin
    ) as session:
        session.backend.pins[host] = netguard.Resolved(host, (netguard.literal_address(address),))
        session.main = Walked((), credentialed=credentialed)
        headers = (("Accept", ACCEPT_HTML),)
        main, probes = await asyncio.gather(
            session.fetch(
                final.probe,
                "GET",
                final.request.url,
                headers,
                read_body=True,
                note_certificate=False,
                credentials=credentialed,
            ),
            _cors_probes(session, final),
        )
        sent = session.requests_sent
    exchanges = (main, *probes)
    if main.response is None:
        error = main.error or "no answer"
        return AddressScan(address, exchanges, None, error, main.timed_out), sent
    # The rest (the way to HTTPS, the page fetched again for its nonce) stays the first
    # address's: a nonce this page shares with that second fetch is reused all the same.
    seen = replace(observation, chain=(*observation.chain[:-1], main), probes=probes)
    return AddressScan(address, exchanges, seen), sent


# --- judging ----------------------------------------------------------------------------------


def _value(exchange: Exchange, header: str) -> str | None:
    assert exchange.response is not None
    if header == STATUS:
        return str(exchange.response.status)
    values = exchange.response.header_all(header)
    if not values:
        return None
    text = _SPACES.sub(" ", ", ".join(value.strip() for value in values))
    return _NONCE.sub("'nonce-…'", text)


def differences(first: Observation, other: Observation) -> tuple[AddressDifference, ...]:
    """Every header (and status) the other address answered unlike the first: on the final page,
    the security and CORS headers; on each CORS probe both answered, the CORS headers."""
    found: list[AddressDifference] = []

    def compare(probe: str, a: Exchange, b: Exchange, headers: Iterable[str]) -> None:
        if a.response is None or b.response is None:
            return  # one of them ran out of time or failed: nothing to compare
        for header in headers:
            mine, theirs = _value(a, header), _value(b, header)
            if mine != theirs:
                found.append(AddressDifference(probe, header, mine, theirs))

    compare(first.final.probe, first.final, other.final, (STATUS, *PAGE_HEADERS, *CORS_HEADERS))
    theirs = {exchange.probe: exchange for exchange in other.probes}
    for exchange in first.probes:
        if exchange.probe in theirs:
            compare(exchange.probe, exchange, theirs[exchange.probe], (STATUS, *CORS_HEADERS))
    return tuple(found)


def _is_credit(item: Finding) -> bool:
    """A pass, a bonus or a note that costs nothing ("no origin was allowed"): each says how the
    site as a whole answers, so it holds only when every address says it. A note only another
    address gave is not added either: what it answered differently is in the differences."""
    row = CATALOGUE.get(item.id)
    return item.severity in (Severity.PASS, Severity.INFO) or (row is not None and row.modifier > 0)


def _at(item: Finding, address: str, own: frozenset[str]) -> Finding:
    """A finding another address gave, naming it, its evidence pointing at that address's
    probes (those it cites from the scan's own chain stay as they are)."""
    return replace(
        item,
        exchanges=tuple(probe_id(address, p) if p in own else p for p in item.exchanges),
        facts=(("address", address), *item.facts),
    )


def merge(
    first: Sequence[Finding], others: Sequence[tuple[str, frozenset[str], Sequence[Finding]]]
) -> tuple[list[Finding], dict[str, tuple[str, ...]]]:
    """The scan's findings, the worst answer counting: a problem any address shows is kept (the
    first address's own version when it shows it too, unless another's is more severe); a pass,
    a bonus or a note only when every address that answered gave it.

    ``others`` is, per other address: the address, its own probe ids and its findings. Also
    returns, per address, the ids of the problems it showed and the first did not."""
    merged: dict[str, Finding] = {}
    for item in first:
        if _is_credit(item) and any(item.id not in {f.id for f in found} for _, _, found in others):
            continue
        merged.setdefault(item.id, item)
    first_ids = {item.id for item in first}
    only_here: dict[str, tuple[str, ...]] = {}
    for address, own, found in others:
        mine: list[str] = []
        for item in found:
            if _is_credit(item):
                continue
            if item.id not in first_ids:
                mine.append(item.id)
            kept = merged.get(item.id)
            if kept is None or item.severity.rank < kept.severity.rank:
                merged[item.id] = _at(item, address, own)
            elif item.id not in first_ids and kept.facts[:1] and kept.facts[0][0] == "address":
                seen = f"{kept.facts[0][1]}, {address}"
                merged[item.id] = replace(kept, facts=(("address", seen), *kept.facts[1:]))
        only_here[address] = tuple(dict.fromkeys(mine))
    for key, item in merged.items():
        if item.facts[:1] and item.facts[0][0] == "address":  # another address's version
            where = "on" if key not in first_ids else "worst on"
            merged[key] = replace(item, title=f"{item.title} ({where} {item.facts[0][1]})")
    ordered = sorted(merged.values(), key=lambda f: (f.severity.rank, f.id))
    return ordered, only_here


def _header_name(header: str) -> str:
    return "the status" if header == STATUS else "-".join(p.capitalize() for p in header.split("-"))


def _shown(value: str | None) -> str:
    return "absent" if value is None else quote(value)


def difference_finding(host: str, first: str, results: Sequence[AddressResult]) -> Finding | None:
    """``site.addresses-differ`` when any address answered unlike the first (or not at all)."""
    # Running out of time says nothing about the server: like a probe that did not answer in
    # time, it is shown and not judged.
    differing = [r for r in results if r.differences or (r.error is not None and not r.timed_out)]
    if not differing:
        return None
    facts: list[tuple[str, str]] = [
        ("addresses", ", ".join([f"{first} (the first)", *(r.address for r in results)]))
    ]
    cited: list[str] = []
    for result in differing:
        if result.error is not None:
            facts.append((result.address, f"no answer: {result.error}"))
            continue
        by_header: dict[str, list[AddressDifference]] = {}
        for difference in result.differences:
            by_header.setdefault(difference.header, []).append(difference)
        for header, items in by_header.items():
            example = items[0]
            more = f" and {len(items) - 1} more" if len(items) > 1 else ""
            facts.append(
                (
                    result.address,
                    f"{_header_name(header)} on {example.probe}{more}: "
                    f"{_shown(example.here)} here, {_shown(example.first)} on {first}",
                )
            )
        example = result.differences[0].probe
        cited += [example, probe_id(result.address, example)]
    if len(facts) > MAX_FACTS + 1:
        left = len(facts) - MAX_FACTS
        facts = [*facts[:MAX_FACTS], ("more", f"{left} more differences: see the addresses table")]
    names = ", ".join(r.address for r in differing)
    return finding(
        DIFFER,
        title=f"{names} answered {host} unlike {first}",
        exchanges=tuple(dict.fromkeys(cited)),
        facts=tuple(facts),
    )


@dataclass(frozen=True)
class Judged:
    findings: list[Finding]
    results: tuple[AddressResult, ...]  # the first address, then each other probed
    exchanges: tuple[Exchange, ...]  # the other addresses' exchanges, renamed


def judge(
    observation: Observation,
    findings: Sequence[Finding],
    others: Others,
    analyze: Callable[[Observation], Sequence[Finding]],
) -> Judged:
    """The scan's findings with every address's taken into account, the per-address results for
    the report and the other addresses' exchanges under their own ids."""
    if others.first is None:
        return Judged(list(findings), (), ())
    judged: list[tuple[str, frozenset[str], Sequence[Finding]]] = []
    results: list[AddressResult] = []
    exchanges: list[Exchange] = []
    for scan in others.scans:
        own = frozenset(e.probe for e in scan.exchanges)
        exchanges += [replace(e, probe=probe_id(scan.address, e.probe)) for e in scan.exchanges]
        if scan.observation is None:
            results.append(
                AddressResult(
                    scan.address, error=scan.error, timed_out=scan.timed_out, probes=len(own)
                )
            )
            continue
        judged.append((scan.address, own, analyze(scan.observation)))
        final = scan.observation.final.response
        results.append(
            AddressResult(
                scan.address,
                status=final.status if final is not None else None,
                probes=len(scan.exchanges),
                differences=differences(observation, scan.observation),
            )
        )
    merged, only_here = merge(findings, judged)
    results = [replace(r, only_here=only_here.get(r.address, ())) for r in results]
    host = _final_host(observation) or observation.target.host
    extra = difference_finding(host, others.first, results)
    if extra is not None:
        merged = sorted([*merged, extra], key=lambda f: (f.severity.rank, f.id))
    own_answer = observation.final.response
    first = AddressResult(
        others.first,
        status=own_answer.status if own_answer is not None else None,
        probes=sum(1 for e in observation.exchanges if e.address == others.first),
    )
    return Judged(merged, (first, *results), tuple(exchanges))
