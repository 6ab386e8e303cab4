"""Strict-Transport-Security: does the final page tell browsers to use HTTPS only, and for how long?

A browser honours the header only on an HTTPS response, only the first header field, and only when
the field follows the grammar. ``hstspreload`` (Chromium's bundled list) tells whether the host is
already HTTPS-only in browsers before any visit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

import hstspreload

from checker.analyze.evidence import final_response, quote, short
from checker.findings import finding
from checker.headers import hsts
from checker.model import Finding, Observation

HEADER = "strict-transport-security"
SIX_MONTHS = 15_768_000  # 182.5 days, the usual floor for a meaningful policy
ONE_YEAR = 31_536_000  # what the preload list requires

_DAY = 86_400


def human_duration(seconds: int) -> str:
    if seconds < 2 * 3600:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds < 2 * _DAY:
        return f"{seconds // 3600} hours"
    if seconds < ONE_YEAR:
        return f"{seconds // _DAY} days"
    years = seconds / ONE_YEAR
    if years >= 1000:
        return "more than a thousand years"
    return f"{years:.3g} year{'s' if years >= 2 else ''}"


def is_preloaded(host: str) -> bool:
    try:
        return bool(host) and hstspreload.in_hsts_preload(host)
    except (UnicodeError, ValueError):  # the list holds IDNA (ASCII) names only
        return False


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def analyze(observation: Observation) -> Iterable[Finding]:
    found = final_response(observation)
    if found is None:
        return ()
    final, response = found
    return list(_judge(final.probe, final.request.url, response.header_all(HEADER)))


def _judge(probe: str, url: str, values: list[str]) -> Iterator[Finding]:
    cite = (probe,)

    def judged(id_: str, title: str, *facts: tuple[str, str]) -> Finding:
        return finding(id_, title, cite, tuple(facts))

    if not url.startswith("https://"):
        yield judged(
            "hsts.missing",
            "The final page is plain HTTP, so nothing tells browsers to insist on HTTPS",
            ("url", quote(url)),
        )
        if values:
            yield judged(
                "hsts.ignored-over-http",
                "Strict-Transport-Security is sent over plain HTTP, where browsers ignore it",
                ("strict-transport-security", quote(values[0])),
            )
        return

    host = _host(url)
    preloaded = is_preloaded(host)
    if preloaded:
        yield judged(
            "hsts.preloaded",
            f"{short(host)} is on the HSTS preload list built into browsers",
            ("host", host),
        )
    if not values:
        if preloaded:
            yield judged(
                "hsts.missing-but-preloaded",
                "No Strict-Transport-Security header, but the preload list already forces HTTPS",
                ("host", host),
            )
        else:
            yield judged(
                "hsts.missing",
                "No Strict-Transport-Security header: browsers may still try plain HTTP first",
                ("host", host),
            )
        return

    if len(values) > 1:
        yield judged(
            "hsts.duplicate-header",
            f"Strict-Transport-Security is sent {len(values)} times; browsers use only the first",
            *(("strict-transport-security", quote(v)) for v in values[:5]),
        )

    header = hsts.parse(values[0])
    raw = ("strict-transport-security", quote(values[0]))
    if not header.valid:
        yield judged(
            "hsts.malformed",
            f"Strict-Transport-Security is malformed ({short(header.problems[0])}), so browsers "
            "ignore it",
            raw,
            *(("problem", quote(p)) for p in header.problems),
        )
        return
    if header.unknown:
        yield judged(
            "hsts.unknown-directive",
            f"Strict-Transport-Security has a directive browsers do not know: "
            f"{short(header.unknown[0])}",
            raw,
            *(("unknown-directive", quote(name)) for name in header.unknown),
        )

    yield from _judge_max_age(header, raw, judged)
    if header.max_age and not header.include_subdomains:
        yield judged(
            "hsts.no-include-subdomains",
            "HSTS does not cover subdomains (no includeSubDomains)",
            raw,
        )
    yield from _judge_preload(header, raw, judged)


def _judge_max_age(header: hsts.HstsHeader, raw: tuple[str, str], judged) -> Iterator[Finding]:
    max_age = header.max_age or 0
    facts = (raw, ("max-age", str(max_age)))
    if max_age == 0:
        yield judged(
            "hsts.disabled",
            "HSTS max-age is 0, which tells browsers to forget the HTTPS-only rule",
            *facts,
        )
    elif max_age < SIX_MONTHS:
        yield judged(
            "hsts.short-max-age",
            f"HSTS max-age is {human_duration(max_age)}, under the six months a policy needs "
            "to protect returning visitors",
            *facts,
        )
    else:
        yield judged(
            "hsts.ok",
            f"HSTS tells browsers to use only HTTPS for {human_duration(max_age)}",
            *facts,
        )


def _judge_preload(header: hsts.HstsHeader, raw: tuple[str, str], judged) -> Iterator[Finding]:
    max_age = header.max_age or 0
    if not header.preload:
        return
    missing = []
    if max_age < ONE_YEAR:
        missing.append(f"max-age is {human_duration(max_age)}, not at least one year")
    if not header.include_subdomains:
        missing.append("includeSubDomains is missing")
    if missing:
        yield judged(
            "hsts.preload-not-eligible",
            f"HSTS asks for preloading, but the list would refuse it: {missing[0]}",
            raw,
            *(("unmet", m) for m in missing),
        )
    else:
        yield judged(
            "hsts.preload-ready",
            "HSTS meets the preload list's rules: one year or more, subdomains, preload",
            raw,
            ("max-age", str(max_age)),
        )
