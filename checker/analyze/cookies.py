"""Cookies: every Set-Cookie in the redirect chain, judged for Secure, HttpOnly, SameSite, prefixes.

A cookie set on any hop stays in the browser, so the whole chain counts. Findings are grouped per
problem, naming each cookie, so ten careless cookies make one finding and not ten. Lines that only
delete a cookie (an expiry in the past) are skipped: their attributes no longer matter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from checker.analyze.evidence import plural, quote, short
from checker.findings import finding
from checker.headers.cookies import SetCookie, parse_set_cookie
from checker.model import Exchange, Finding, Observation

# Name fragments of cookies that identify a logged-in user or grant access.
SESSION_HINTS = ("sess", "auth", "token", "jwt", "login", "remember")
# Anti-CSRF cookies are often meant to be read by the page's own script.
CSRF_HINTS = ("csrf", "xsrf")
SAME_SITE_VALUES = ("strict", "lax", "none")
_YEAR = re.compile(r"\b(\d{4})\b")
_INTEGER = re.compile(r"-?[0-9]{1,18}")


def looks_like_session(name: str) -> bool:
    lower = name.lower()
    if any(hint in lower for hint in CSRF_HINTS):
        return False
    if any(hint in lower for hint in SESSION_HINTS):
        return True
    return any(part.endswith("sid") for part in re.split(r"[^a-z0-9]+", lower))


def is_deletion(cookie: SetCookie) -> bool:
    """Whether the line only removes the cookie (Max-Age ≤ 0, or an expiry before 2000)."""
    max_age = cookie.max_age
    if max_age is not None and _INTEGER.fullmatch(max_age):
        return int(max_age) <= 0
    expires = cookie.attribute("expires")
    if expires:
        year = _YEAR.search(expires)
        return year is not None and int(year.group(1)) < 2000
    return False


@dataclass(frozen=True)
class Rule:
    """One cookie problem: its finding and the title for the cookies it names."""

    id: str
    title: str  # formatted with {cookies} (e.g. "2 cookies") and {names}


RULES = {
    "malformed": Rule(
        "cookie.malformed",
        "{cookies} in a malformed Set-Cookie line that browsers drop: {names}",
    ),
    "set-over-http": Rule(
        "cookie.set-over-http",
        "{cookies} set over plain HTTP, readable and changeable by anyone on the network: {names}",
    ),
    "no-secure": Rule(
        "cookie.no-secure",
        "{cookies} without the Secure flag, which browsers also send over plain HTTP: {names}",
    ),
    "session-no-httponly": Rule(
        "cookie.session-no-httponly",
        "{cookies} named like session cookies but without HttpOnly, readable by any script on "
        "the page: {names}",
    ),
    "no-samesite": Rule(
        "cookie.no-samesite",
        "{cookies} without SameSite, leaving cross-site sending to each browser's default: {names}",
    ),
    "samesite-invalid": Rule(
        "cookie.samesite-invalid",
        "{cookies} with a SameSite value browsers do not know: {names}",
    ),
    "samesite-none-insecure": Rule(
        "cookie.samesite-none-insecure",
        "{cookies} with SameSite=None but no Secure flag, which browsers reject: {names}",
    ),
    "host-prefix-invalid": Rule(
        "cookie.host-prefix-invalid",
        "{cookies} breaking the __Host- rules (Secure, Path=/, no Domain, set over HTTPS), "
        "which browsers reject: {names}",
    ),
    "secure-prefix-invalid": Rule(
        "cookie.secure-prefix-invalid",
        "{cookies} named __Secure- without Secure or set over HTTP, which browsers reject: {names}",
    ),
}


def problems(cookie: SetCookie, https: bool) -> list[str]:
    """The RULES keys one (valid, non-deleting) cookie breaks."""
    found = []
    if not https:
        found.append("set-over-http")
    elif not cookie.secure:
        found.append("no-secure")
    if looks_like_session(cookie.name) and not cookie.http_only:
        found.append("session-no-httponly")
    same_site = cookie.same_site
    if same_site is None:
        found.append("no-samesite")
    elif same_site.lower() not in SAME_SITE_VALUES:
        found.append("samesite-invalid")
    elif same_site.lower() == "none" and not cookie.secure:
        found.append("samesite-none-insecure")
    lower = cookie.name.lower()
    if lower.startswith("__host-") and not (
        cookie.secure and https and cookie.path == "/" and cookie.domain is None
    ):
        found.append("host-prefix-invalid")
    if lower.startswith("__secure-") and not (cookie.secure and https):
        found.append("secure-prefix-invalid")
    return found


def set_cookies(observation: Observation) -> list[tuple[Exchange, SetCookie]]:
    return [
        (exchange, parse_set_cookie(line))
        for exchange in observation.chain
        if exchange.response is not None
        for line in exchange.response.header_all("set-cookie")
    ]


def analyze(observation: Observation) -> Iterable[Finding]:
    broken: dict[str, list[tuple[Exchange, SetCookie]]] = {}
    judged: list[tuple[Exchange, SetCookie]] = []
    for exchange, cookie in set_cookies(observation):
        if cookie.rejected is not None:
            broken.setdefault("malformed", []).append((exchange, cookie))
            continue
        if is_deletion(cookie):
            continue
        judged.append((exchange, cookie))
        for key in problems(cookie, exchange.request.url.startswith("https://")):
            broken.setdefault(key, []).append((exchange, cookie))

    findings = [_finding(RULES[key], pairs) for key, pairs in broken.items()]
    if judged and not any(key in broken for key in RULES if key != "malformed"):
        if len(judged) == 1:
            title = "The one cookie is set over HTTPS with Secure and SameSite"
            sessions = ", and HttpOnly as it looks like a session"
        else:
            title = f"All {len(judged)} cookies are set over HTTPS with Secure and SameSite"
            sessions = ", and HttpOnly where they look like sessions"
        findings.append(
            finding(
                "cookie.all-secure",
                title + (sessions if _any_session(judged) else ""),
                _probes(judged),
                tuple(("cookie", quote(c.name)) for _, c in judged[:20]),
            )
        )
    return sorted(findings, key=lambda f: f.id)


def _any_session(pairs: list[tuple[Exchange, SetCookie]]) -> bool:
    return any(looks_like_session(cookie.name) for _, cookie in pairs)


def _probes(pairs: list[tuple[Exchange, SetCookie]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(exchange.probe for exchange, _ in pairs))


def _finding(rule: Rule, pairs: list[tuple[Exchange, SetCookie]]) -> Finding:
    names = list(dict.fromkeys(cookie.name or "(no name)" for _, cookie in pairs))
    count = len(names)
    shown = ", ".join(short(n) for n in names[:5]) + (", …" if count > 5 else "")
    title = rule.title.format(cookies=plural(count, "cookie"), names=shown)
    facts: list[tuple[str, str]] = []
    for _, cookie in pairs[:20]:
        facts.append(("cookie", quote(cookie.name or "(no name)")))
        facts.append(("set-cookie", quote(cookie.raw)))
        if cookie.rejected:
            facts.append(("rejected", cookie.rejected))
    return finding(rule.id, title, _probes(pairs), tuple(facts))
