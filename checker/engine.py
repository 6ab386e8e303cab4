"""One scan from start to end: parse, guard, retrieve, analyze, classify, grade — never raise.

Anything a target or a user can cause ends as a ``Report`` with a status and a human message.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import UTC, datetime

from checker import netguard, scoring
from checker.analyze import run_analyzers
from checker.classify import choose_profile, classify
from checker.findings import weigh
from checker.model import Options, Report, Status, Target
from checker.retrieve import retrieve
from checker.target import TargetError, parse_target


async def scan_async(raw: str, options: Options) -> Report:
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.perf_counter()
    try:
        target = parse_target(raw)
    except TargetError as exc:
        placeholder = Target(raw=str(raw)[:200], scheme="", host="", port=0, path="")
        return Report(placeholder, Status.INVALID, exc.message, started_at=started_at)

    def ended(status: Status, message: str = "", **fields: object) -> Report:
        return Report(
            target,
            status,
            message,
            algorithm_version=scoring.ALGORITHM_VERSION,
            started_at=started_at,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
            frontend_origin=options.frontend_origin,
            **fields,
        )

    try:
        async with asyncio.timeout(options.deadline):
            retrieved = await retrieve(target, options)
            sent = retrieved.requests_sent
            tls_error = retrieved.certificate_error
            if tls_error is not None:
                # A certificate problem is a finding, not the end: look at the rest unverified.
                retrieved = await retrieve(target, options, verify=False)
                sent += retrieved.requests_sent
            observation = replace(retrieved.observation, tls_error=tls_error)
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
        return ended(status, final.error or "", exchanges=exchanges, chain=chain)

    kind = classify(final.response)
    profile, reason = choose_profile(kind, options.profile)
    findings, not_applicable = weigh(run_analyzers(observation), profile)
    result = scoring.grade(findings, profile)
    return ended(
        Status.OK,
        exchanges=exchanges,
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
    )


def scan(raw: str, options: Options) -> Report:
    """The synchronous entry point, for the Celery task and the command line."""
    return asyncio.run(scan_async(raw, options))
