"""What breaks the site's legitimate clients: not an attack, but the frontend's own requests fail.

Judged from the origin the site most likely trusts: the user's frontend, else the site itself
(``cors_matrix.trusted_origin``), and only where the site does serve CORS to it (its GET of the
final URL allows that origin), so a site that never meant to be called from elsewhere is not
told that calling it fails.

- the preflight allows the origin, the actual answer carries no CORS headers;
- the actual answer allows credentials, the preflight does not;
- a redirect on the way to the final URL: the redirect answer itself must pass the CORS check,
  and after a redirect to another origin the browser sends ``Origin: null``;
- the endpoint's own refusals (a method it does not serve, a visitor without the credentials of
  an authenticated scan) drop the CORS headers, so the frontend cannot read the 401 or 405.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from checker.analyze.cors_answers import GET, PREFLIGHT, Answer, answers, find, probe_ids
from checker.cors_matrix import (
    ANONYMOUS_PREFIX,
    FRONTEND,
    REDIRECT_PREFIX,
    REFUSED_METHOD,
    REFUSED_PREFIX,
    SELF,
)
from checker.findings import finding
from checker.model import Exchange, Finding, Observation

REDIRECT = "redirect"
REFUSED = "refused"
ANONYMOUS = "anonymous"


def _answer(exchange: Exchange | None, kind: str) -> Answer | None:
    if exchange is None or exchange.response is None:
        return None
    origin = exchange.request.header("origin")
    return Answer(exchange, exchange.response, kind, exchange.origin_label, origin)


def passes(answer: Answer, credentialed: bool) -> bool:
    """Whether a browser's CORS check lets this answer through for the origin that was sent."""
    if credentialed:
        return answer.echoes and answer.credentials
    return answer.allows


def _reference(items: tuple[Answer, ...]) -> tuple[Answer | None, Answer | None]:
    """The trusted origin's GET and preflight of the final URL (the frontend's when given)."""
    label = FRONTEND if find(items, GET, FRONTEND) is not None else SELF
    return find(items, GET, label), find(items, PREFLIGHT, label)


def only_on_preflight(get: Answer | None, preflight: Answer | None) -> Iterator[Finding]:
    if get is None or preflight is None or get.has_cors:
        return
    if not preflight.allows or not 200 <= preflight.status < 300:
        return
    yield finding(
        "cors.headers-only-on-preflight",
        title=f"The preflight allows {get.origin}, but the answer itself has no CORS headers",
        exchanges=(preflight.probe, get.probe),
        facts=get.facts() + ((f"{preflight.probe} allowed", preflight.single_allow_origin or ""),),
    )


def preflight_without_credentials(
    get: Answer | None, preflight: Answer | None
) -> Iterator[Finding]:
    if get is None or preflight is None or not (get.allows and get.credentials):
        return
    if not preflight.allows or not 200 <= preflight.status < 300 or preflight.credentials:
        return
    yield finding(
        "cors.preflight-credentials-missing",
        title="The answer allows credentials, but its preflight does not: "
        "credentialed requests that need one fail",
        exchanges=(get.probe, preflight.probe),
        facts=preflight.facts() + ((f"{get.probe} credentials", "true"),),
    )


def _hops(observation: Observation) -> list[Exchange]:
    found = [e for e in observation.probes if e.probe.startswith(REDIRECT_PREFIX)]

    def hop(exchange: Exchange) -> int:
        number = exchange.probe.removeprefix(REDIRECT_PREFIX)
        return int(number) if number.isdigit() else 0

    return sorted(found, key=hop)


def redirect_breaks(observation: Observation, get: Answer | None) -> Iterator[Finding]:
    """Follow the hops as the browser would: each answer after the request went cross-origin
    must pass the CORS check, with the Origin the browser sends there (``null`` once tainted)."""
    if get is None or not get.allows:
        return
    credentialed = get.credentials
    chain = [e.request.url for e in observation.chain]
    for exchange in _hops(observation):
        hop = _answer(exchange, REDIRECT)
        if hop is None:
            return  # no answer: nothing to judge
        last = not hop.response.is_redirect
        if passes(hop, credentialed):
            if last:
                return
            continue
        url = exchange.request.url
        if last and hop.origin == "null":
            before = chain[chain.index(url) - 1] if url in chain[1:] else "another origin"
            title = (
                f"After the redirect from {before} the browser sends Origin: null, "
                f"which {url} does not allow"
            )
        elif last:
            title = f"After the redirect, {url} does not allow {hop.origin}"
        else:
            title = (
                f"The redirect from {url} (status {hop.status}) carries no CORS headers "
                f"for {hop.origin}: the browser stops there"
            )
        yield finding(
            "cors.redirect-breaks-cors",
            title=title,
            exchanges=(get.probe, hop.probe),
            facts=hop.facts()
            + (("redirects", " → ".join(chain)), ("credentials", str(credentialed).lower())),
        )
        return


def refusals_without_cors(observation: Observation, get: Answer | None) -> Iterator[Finding]:
    """The endpoint's own refusals: a method it does not serve, a visitor not logged in."""
    if get is None or not get.allows:
        return
    label = get.label or ""
    candidates = (
        (_answer(observation.probe(f"{REFUSED_PREFIX}{label}"), REFUSED), REFUSED_METHOD),
        (_answer(observation.probe(f"{ANONYMOUS_PREFIX}{label}"), ANONYMOUS), "no credentials"),
    )
    failed = [
        (answer, what)
        for answer, what in candidates
        if answer is not None and answer.status >= 400 and not passes(answer, get.credentials)
    ]
    if not failed:
        return
    shown = ", ".join(f"{answer.status} ({what})" for answer, what in failed)
    yield finding(
        "cors.refusal-without-cors",
        title=f"The endpoint's refusals ({shown}) carry no CORS headers: "
        f"{get.origin} sees a CORS error instead",
        exchanges=(get.probe, *probe_ids([answer for answer, _ in failed])),
        facts=failed[0][0].facts()
        + tuple((f"{answer.probe} status", str(answer.status)) for answer, _ in failed[1:]),
    )


def analyze(observation: Observation) -> Iterable[Finding]:
    items = answers(observation)
    get, preflight = _reference(items)
    return [
        *only_on_preflight(get, preflight),
        *preflight_without_credentials(get, preflight),
        *redirect_breaks(observation, get),
        *refusals_without_cors(observation, get),
    ]
