"""What an answer says it is, and whether a credentialed answer may be cached.

Following the OWASP REST Security Cheat Sheet: an answer with a body names its Content-Type, so
no client has to guess; an answer that sets cookies or allows credentialed cross-origin reads
carries ``Cache-Control: no-store``, so no cache hands one user's answer to the next.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from checker.analyze.evidence import final_response, quote
from checker.findings import finding
from checker.model import Exchange, Finding, Observation, Response

NO_BODY_STATUSES = (204, 304)


def analyze(observation: Observation) -> Iterable[Finding]:
    found = final_response(observation)
    if found is None:
        return ()
    final, response = found
    return list(_content_type(final, response)) + list(_caching(final, response))


def _content_type(final: Exchange, response: Response) -> Iterator[Finding]:
    if response.header("content-type") or not response.body.strip():
        return
    if response.status in NO_BODY_STATUSES or 300 <= response.status < 400:
        return
    yield finding(
        "content-type.missing",
        "The answer has a body but no Content-Type, so clients must guess what it is",
        (final.probe,),
    )


def _caching(final: Exchange, response: Response) -> Iterator[Finding]:
    cookies = response.header_all("set-cookie")
    credentials = (response.header("access-control-allow-credentials") or "").strip() == "true"
    if not cookies and not credentials:
        return
    why = "sets cookies" if cookies else "allows credentialed cross-origin reads"
    cache_control = ", ".join(response.header_all("cache-control"))
    directives = {part.split("=", 1)[0].strip(" \t").lower() for part in cache_control.split(",")}
    facts = (("cache-control", quote(cache_control) or "(absent)"), ("why", why))
    if "no-store" in directives:
        yield finding(
            "cache.no-store",
            f"The answer {why} and says Cache-Control: no-store",
            (final.probe,),
            facts,
        )
    else:
        yield finding(
            "cache.no-store-missing",
            f"The answer {why} but lacks Cache-Control: no-store, so a cache may keep it",
            (final.probe,),
            facts,
        )
