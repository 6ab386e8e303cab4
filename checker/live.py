""" "Will my request work?" against a site's live answers: the simulator plus the network.

``checker.simulate`` decides; this module asks the site whatever the simulator waits for, one
request at a time, through one guarded ``retrieve.Session`` (the same SSRF guard, pinning and
limits as a scan). We send a real preflight when one is needed, because OPTIONS changes nothing
on a server. We never send PUT, PATCH, DELETE or POST to someone's site: the actual request is
replaced by a GET with the same Origin, and the result says so. Only the Origin header (and, for
a preflight, the Access-Control-Request-* headers) travels; the headers the user typed are judged,
never sent.

One deadline covers the whole simulation: httpx's timeouts are per read, and a site that drips a
byte a second would otherwise keep a worker busy for as long as it likes. Nothing a site or the
guard does raises out of ``simulate_live``: refusals and timeouts end up in the result.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from checker import netguard
from checker.model import Exchange, Options, ProbeSpec, Request, headers_from_list
from checker.retrieve import Session
from checker.simulate import (
    CachedPreflight,
    Failure,
    NoResponse,
    Outgoing,
    Permission,
    SimRequest,
    Step,
    Verdict,
    answer_key,
    recorded,
    simulate,
)

SENT_AS_IS = ("GET", "HEAD")  # methods we send to a site unchanged; anything else becomes GET
MAX_REQUESTS = 12  # preflights and requests along a redirect chain, per simulation
# The only request headers that travel to the site; everything else typed in is only judged.
TRAVELLING_HEADERS = frozenset(
    {"origin", "access-control-request-method", "access-control-request-headers"}
)


@dataclass(frozen=True)
class LiveSimulation:
    """What the simulator concluded from the answers the site gave us."""

    verdict: Verdict  # incomplete (``verdict.complete`` False) when we had to stop early
    exchanges: tuple[Exchange, ...]  # what we actually sent to the site, in order
    replaced_method: str | None  # the method we did not send (checked with a GET instead)
    stopped: bool  # the simulation did not complete: too many requests, or out of time
    timed_out: bool = False  # the site did not answer within the simulation's deadline
    message: str = ""  # why we stopped, in a sentence, when ``stopped``

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LiveSimulation:
        return cls(
            verdict=_verdict(data["verdict"]),
            exchanges=tuple(Exchange.from_dict(e) for e in data.get("exchanges", ())),
            replaced_method=data.get("replaced_method"),
            stopped=data.get("stopped", False),
            timed_out=data.get("timed_out", False),
            message=data.get("message", ""),
        )


def probe_for(outgoing: Outgoing, index: int) -> ProbeSpec:
    """The request we actually send for one the browser would send: never a state change."""
    headers = tuple(
        (name, value) for name, value in outgoing.headers if name.lower() in TRAVELLING_HEADERS
    )
    if outgoing.kind == "preflight":
        return ProbeSpec(f"simulate.{index}.preflight", "OPTIONS", headers)
    method = outgoing.method if outgoing.method in SENT_AS_IS else "GET"
    return ProbeSpec(f"simulate.{index}.request", method, headers)


async def simulate_live(request: SimRequest, options: Options) -> LiveSimulation:
    """Run the simulator, sending each request it waits for, within one deadline."""
    answers: dict[tuple[int, str], Any] = {}
    exchanges: list[Exchange] = []
    replaced: str | None = None
    asked = 0
    verdict = simulate(request, recorded(answers))
    try:
        async with asyncio.timeout(options.simulation_deadline), Session(options) as session:
            while not verdict.complete and asked < MAX_REQUESTS:
                wanted = verdict.waiting_for
                spec = probe_for(wanted, asked)
                asked += 1
                if spec.method != wanted.method and wanted.kind == "request":
                    replaced = wanted.method
                answers[answer_key(wanted)] = await _ask(session, wanted, spec, exchanges)
                verdict = simulate(request, recorded(answers))
    except TimeoutError:
        if not verdict.complete:  # else time ran out while closing the connections: no matter
            return _out_of_time(verdict, exchanges, replaced, asked, options)
    if verdict.complete:
        return LiveSimulation(verdict, tuple(exchanges), replaced, False)
    message = f"The site needed more than {MAX_REQUESTS} requests, so we stopped following it."
    return LiveSimulation(verdict, tuple(exchanges), replaced, True, message=message)


def _out_of_time(
    verdict: Verdict, exchanges: list[Exchange], replaced: str | None, asked: int, options: Options
) -> LiveSimulation:
    deadline = options.simulation_deadline
    message = f"The site did not answer within {deadline:g} seconds, so we stopped asking."
    # The request that was on the wire when time ran out is shown with that sentence.
    wanted = verdict.waiting_for
    spec = probe_for(wanted, asked - 1)
    unanswered = Request(spec.method, wanted.url, spec.headers)
    exchanges.append(Exchange(spec.id, unanswered, error=message))
    return LiveSimulation(verdict, tuple(exchanges), replaced, True, True, message)


async def _ask(
    session: Session, wanted: Outgoing, spec: ProbeSpec, exchanges: list[Exchange]
) -> Any:
    """Send one probe; the answer the simulator reads (a response or why there is none)."""
    try:
        [exchange] = await session.send(wanted.url, [spec])
    except (netguard.AddressRefused, netguard.ResolutionFailed) as exc:
        return NoResponse(exc.message)  # nothing went on the wire
    except httpx.InvalidURL:
        return NoResponse(f"{wanted.url} is not an address we can send a request to.")
    exchanges.append(exchange)
    return exchange.response or NoResponse(exchange.error or "no answer")


# --- Reading a stored result back ------------------------------------------------------------


def _outgoing(data: dict[str, Any] | None) -> Outgoing | None:
    if data is None:
        return None
    return Outgoing(
        hop=data["hop"],
        kind=data["kind"],
        method=data["method"],
        url=data["url"],
        headers=headers_from_list(data.get("headers")),
    )


def _verdict(data: dict[str, Any]) -> Verdict:
    failure = data.get("failure")
    browsers = data.get("browsers")
    if browsers is None and data.get("chromium"):  # stored before Firefox and WebKit were
        browsers = [data["chromium"]]
    again = data.get("again")
    permission = data.get("permission")
    return Verdict(
        rules=data["rules"],
        allowed=data["allowed"],
        failure=Failure(**failure) if failure else None,
        console_message=data.get("console_message"),
        script_error=data.get("script_error"),
        preflight_needed=data.get("preflight_needed", False),
        preflight_reasons=tuple(data.get("preflight_reasons", ())),
        exposed_headers=tuple(data.get("exposed_headers", ())),
        steps=tuple(Step(**step) for step in data.get("steps", ())),
        sent=tuple(_outgoing(o) for o in data.get("sent", ())),
        pending=_outgoing(data.get("pending")),
        notes=tuple(data.get("notes", ())),
        browsers=tuple(_verdict(browser) for browser in browsers or ()),
        console_warnings=tuple(data.get("console_warnings", ())),
        preflight_cache=tuple(_cached(entry) for entry in data.get("preflight_cache", ())),
        permission=Permission(**permission) if permission else None,
        again=_verdict(again) if again else None,
        again_after=data.get("again_after"),
    )


def _cached(data: dict[str, Any]) -> CachedPreflight:
    return CachedPreflight(
        **{
            **data,
            "methods": tuple(data.get("methods", ())),
            "headers": tuple(data.get("headers", ())),
        }
    )
