"""How the site answers preflights: does a browser get through to the real request?

The preflight judged is the one for the origin the site is known to allow, in this order: the
user's frontend, the site itself, then the arbitrary origin (a site that allows everyone). The
request asks for PUT with ``content-type`` and ``authorization``, the shape of a typical API call.
"""

from __future__ import annotations

from collections.abc import Iterator

from checker.analyze.cors_answers import (
    ACAH,
    ACAM,
    ACEH,
    ACMA,
    GET,
    PREFLIGHT,
    PRIVATE_NETWORK,
    Answer,
    find,
    parse_list,
)
from checker.analyze.evidence import quote
from checker.cors_matrix import ARBITRARY, FRONTEND, PREFLIGHT_HEADERS, PREFLIGHT_METHOD, SELF
from checker.cors_vocabulary import (
    HeaderList,
    header_allowed,
    method_allowed,
    parse_max_age,
)
from checker.findings import finding
from checker.model import Finding

REFERENCE_LABELS = (FRONTEND, SELF, ARBITRARY)

# Browsers silently shorten a longer preflight cache lifetime to these (seconds).
MAX_AGE_CAPS = (("Chromium", 7200), ("Firefox", 86400))
INVALID_LIST_IDS = {
    ACAM: "cors.preflight-allow-methods-invalid",
    ACAH: "cors.preflight-allow-headers-invalid",
}


def reference(items: tuple[Answer, ...]) -> tuple[Answer | None, Answer | None]:
    """The GET and the preflight of the first expected origin the site allows on either."""
    for label in REFERENCE_LABELS:
        get, preflight = find(items, GET, label), find(items, PREFLIGHT, label)
        if (get and get.allows) or (preflight and preflight.allows):
            return get, preflight
    return None, None


def preflight_status(get: Answer | None, preflight: Answer | None) -> Iterator[Finding]:
    if get is None or preflight is None or not get.allows:
        return
    status = preflight.status
    if 300 <= status < 400:
        verdict = ("cors.preflight-redirect", "is redirected")
    elif status >= 400:
        verdict = ("cors.preflight-rejected", "is refused")
    elif not preflight.allows:
        verdict = ("cors.preflight-missing-headers", "lacks CORS")
    else:
        return
    finding_id, what = verdict
    yield finding(
        finding_id,
        title=f"GET allows {get.origin}, but its preflight {what} (status {status})",
        exchanges=(get.probe, preflight.probe),
        facts=preflight.facts(),
    )


def invalid_list(preflight: Answer, header: str, parsed: HeaderList) -> Finding:
    """A list a browser cannot read fails the whole preflight, whatever else it names."""
    shown = quote(preflight.header_combined(header) or "")
    bad = quote(", ".join(parsed.invalid), 40)
    return finding(
        INVALID_LIST_IDS[header],
        title=f"{header.title()} holds “{bad}”, which is not a name: "
        "browsers fail every preflight on it",
        exchanges=(preflight.probe,),
        facts=preflight.facts() + ((header, shown), ("not a token", quote(parsed.invalid[0]))),
    )


def preflight_grants(preflight: Answer | None) -> Iterator[Finding]:
    """Whether the method and headers asked for are granted, read as a browser reads them."""
    if preflight is None or not preflight.allows or not 200 <= preflight.status < 300:
        return
    credentials = preflight.credentials  # with credentials a `*` is only a literal name
    methods = preflight.header_list(ACAM)
    names = preflight.header_list(ACAH)
    # A browser parses both lists before it looks for the method: the first bad one decides.
    for header, parsed in ((ACAM, methods), (ACAH, names)):
        if not parsed.valid:
            yield invalid_list(preflight, header, parsed)
            return
    # The method asked for: PUT by the probe matrix, an operation's own in a whole-API scan.
    # GET, HEAD and POST are always allowed once the origin is (CORS-safelisted methods).
    asked = preflight.exchange.request.header("access-control-request-method") or PREFLIGHT_METHOD
    safelisted = asked in ("GET", "HEAD", "POST")
    if not safelisted and not method_allowed(asked, methods.items, credentials):
        facts = preflight.facts() + ((ACAM, quote(", ".join(methods.items) or "(absent)")),)
        if asked.lower() in methods.items:
            facts += (
                ("why", f"method names are case-sensitive: browsers send {asked} upper-case"),
            )
        yield finding(
            "cors.preflight-method-not-allowed",
            title=f"The preflight does not allow the method {asked}",
            exchanges=(preflight.probe,),
            facts=facts,
        )
    wildcard = "*" in names.lower and not credentials
    missing = [
        name
        for name in sorted(parse_list(PREFLIGHT_HEADERS).lower)
        if not header_allowed(name, names.items, credentials)
    ]
    shown = quote(preflight.header_combined(ACAH) or "(absent)")
    if "authorization" in missing and wildcard:
        missing.remove("authorization")
        yield finding(
            "cors.allow-headers-wildcard-authorization",
            title="Access-Control-Allow-Headers: * does not cover Authorization; name it",
            exchanges=(preflight.probe,),
            facts=preflight.facts() + ((ACAH, shown),),
        )
    if missing:
        yield finding(
            "cors.preflight-headers-not-allowed",
            title=f"The preflight does not allow the request headers {', '.join(sorted(missing))}",
            exchanges=(preflight.probe,),
            facts=preflight.facts() + ((ACAH, shown),),
        )


def wildcard_literal(items: tuple[Answer, ...]) -> Iterator[Finding]:
    """With credentials, a `*` in these lists means a header or method literally named `*`."""
    hits: list[tuple[Answer, str]] = [
        (a, name)
        for a in items
        if a.credentials
        for name in (ACAM, ACAH, ACEH)
        if "*" in a.header_list(name).items
    ]
    if not hits:
        return
    names = sorted({name for _, name in hits})
    yield finding(
        "cors.wildcard-literal-with-credentials",
        title=f"With credentials allowed, the * in {', '.join(names)} stands for nothing",
        exchanges=tuple(dict.fromkeys(a.probe for a, _ in hits)),
        facts=hits[0][0].facts() + (("headers with *", ", ".join(names)),),
    )


def max_age(items: tuple[Answer, ...]) -> Iterator[Finding]:
    seen = [
        (a, value)
        for a in items
        if a.kind in (PREFLIGHT, PRIVATE_NETWORK) and (value := a.header_combined(ACMA)) is not None
    ]
    invalid = [(a, v) for a, v in seen if parse_max_age(v) is None]
    if invalid:
        answer, value = invalid[0]
        yield finding(
            "cors.max-age-invalid",
            title=f"Access-Control-Max-Age “{quote(value, 40)}” is not a number of seconds",
            exchanges=tuple(dict.fromkeys(a.probe for a, _ in invalid)),
            facts=answer.facts() + ((ACMA, quote(value)),),
        )
    capped = [(a, v) for a, v in seen if (parse_max_age(v) or 0) > MAX_AGE_CAPS[0][1]]
    if capped:
        answer, value = max(capped, key=lambda pair: parse_max_age(pair[1]) or 0)
        seconds = parse_max_age(value) or 0
        caps = [(browser, cap) for browser, cap in MAX_AGE_CAPS if seconds > cap]
        yield finding(
            "cors.max-age-capped",
            title=f"Preflights are cached for {seconds} s, longer than "
            + " and ".join(f"{browser} keeps them ({cap} s)" for browser, cap in caps),
            exchanges=tuple(dict.fromkeys(a.probe for a, _ in capped)),
            facts=answer.facts() + ((ACMA, quote(value)),),
        )


def analyze_preflight(items: tuple[Answer, ...]) -> list[Finding]:
    get, preflight = reference(items)
    findings = list(preflight_status(get, preflight))
    findings.extend(preflight_grants(preflight))
    findings.extend(wildcard_literal(items))
    findings.extend(max_age(items))
    return findings
