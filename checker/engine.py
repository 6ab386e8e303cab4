"""One scan from start to end: parse, guard, retrieve, analyze, classify, grade — never raise.

Anything a target or a user can cause ends as a ``Report`` with a status and a human message.
"""

from __future__ import annotations

import asyncio
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx

from checker import addresses, endpoints, netguard, scoring
from checker.analyze import run_analyzers
from checker.classify import choose_profile, classify
from checker.findings import weigh
from checker.model import Options, Report, Status, Target
from checker.retrieve import retrieve
from checker.target import TargetError, parse_target

# Every request ends by the scan's deadline on its own; this much later, the last-resort guard
# stops a step that ignored it (a bug), so a scan can never hang.
DEADLINE_GRACE = 5.0

# What a bug of ours on odd input raises. Caught last, so the caller gets a Report that says so.
# Anything else is not ours to swallow: a worker's time-limit signal, KeyboardInterrupt, and an
# OSError from the machine (a CA file that is not there), which the caller should log and fix.
BUGS: tuple[type[BaseException], ...] = (
    ArithmeticError,
    AssertionError,
    AttributeError,
    LookupError,
    TypeError,
    ValueError,
    httpx.HTTPError,
    httpx.InvalidURL,
    httpx.StreamError,
)

Ended = Callable[..., Report]


def _bug_message(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return (
        f"The check stopped on an error in the checker itself ({type(exc).__name__}{where}: "
        f"{str(exc)[:200]}), not on anything the site did. Please report it."
    )


async def scan_async(raw: str, options: Options) -> Report:
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.perf_counter()
    placeholder = Target(raw=str(raw)[:200], scheme="", host="", port=0, path="")
    try:
        target = parse_target(raw)
    except TargetError as exc:
        return Report(placeholder, Status.INVALID, exc.message, started_at=started_at)
    except BUGS as exc:
        return Report(placeholder, Status.ERROR, _bug_message(exc), started_at=started_at)

    def ended(status: Status, message: str = "", **fields: object) -> Report:
        return Report(
            target,
            status,
            message,
            algorithm_version=scoring.ALGORITHM_VERSION,
            started_at=started_at,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
            frontend_origin=options.frontend_origin,
            request_headers=tuple(name for name, _ in options.request_headers),
            **fields,
        )

    try:
        return await _scan(target, options, ended)
    except BUGS as exc:
        return ended(Status.ERROR, _bug_message(exc))


async def _scan(target: Target, options: Options, ended: Ended) -> Report:
    deadline_at = asyncio.get_running_loop().time() + options.deadline
    options.tell("resolving")
    try:
        async with asyncio.timeout(options.deadline + DEADLINE_GRACE):
            retrieved = await retrieve(target, options, deadline_at=deadline_at)
            sent = retrieved.requests_sent
            tls_error = retrieved.certificate_error
            if tls_error is not None:
                # A certificate problem is a finding, not the end: look at the rest unverified,
                # in the time left of the same deadline.
                retrieved = await retrieve(target, options, verify=False, deadline_at=deadline_at)
                sent += retrieved.requests_sent
            observation = replace(retrieved.observation, tls_error=tls_error)
            held_back = retrieved.request_headers_note
            # The final host's other addresses, verified as the scan's own page was.
            others = await addresses.probe_others(
                observation, retrieved, options, verify=tls_error is None, deadline_at=deadline_at
            )
            sent += others.requests_sent
    except netguard.AddressRefused as exc:
        return ended(Status.REFUSED, exc.message)
    except netguard.ResolutionFailed as exc:
        return ended(Status.UNREACHABLE, exc.message)
    except TimeoutError:
        return ended(
            Status.UNREACHABLE,
            f"The site did not finish answering within {options.deadline:g} seconds.",
        )

    exchanges = observation.exchanges
    chain = tuple(e.probe for e in observation.chain)
    final = observation.final
    if final.response is None:
        status = Status.REFUSED if retrieved.refused else Status.UNREACHABLE
        return ended(
            status,
            final.error or "",
            exchanges=exchanges,
            chain=chain,
            request_headers_note=held_back,
        )
    if retrieved.redirect_problem is not None:
        # A loop or an endless chain has no page to grade: no findings, no letter.
        return ended(
            Status.REDIRECTS,
            retrieved.redirect_problem,
            exchanges=exchanges,
            chain=chain,
            requests_sent=sent,
            tls_error=observation.tls_error,
            request_headers_note=held_back,
        )

    options.tell("analysing")
    kind = classify(final.response)
    profile, reason = choose_profile(kind, options.profile)
    # Probes that ran out of time have no response; the analyzers judge only what answered.
    # A whole-API scan folds each endpoint's CORS findings in, one finding per id at its worst.
    found, api = endpoints.judge(observation, run_analyzers(observation))
    judged = addresses.judge(observation, found, others, run_analyzers)
    findings, not_applicable = weigh(judged.findings, profile)
    result = scoring.grade(findings, profile)
    return ended(
        Status.OK,
        exchanges=exchanges + judged.exchanges,
        chain=chain,
        findings=findings,
        score=result.score,
        grade=result.grade,
        score_lines=result.lines,
        grade_cap=result.cap,
        requests_sent=sent,
        tls_error=observation.tls_error,
        profile=profile,
        profile_reason=reason,
        response_kind=kind.kind,
        not_applicable=not_applicable,
        request_headers_note=held_back,
        endpoints=api,
        endpoints_note=observation.endpoints_note,
        addresses=judged.results,
        addresses_not_probed=others.not_probed,
    )


def scan(raw: str, options: Options) -> Report:
    """The synchronous entry point, for the Celery task and the command line."""
    return asyncio.run(scan_async(raw, options))
